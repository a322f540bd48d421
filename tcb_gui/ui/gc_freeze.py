"""Keep the garbage collector's full passes small when the table holds 100,000 rows.

A full (generation 2) collection walks every tracked object: with 100,000 rows, IDs
and results that is ~100 ms with the window frozen, several times per run. Rows and
results hold no reference cycles (reference counting frees them when cleared), so once
they exist they are moved out of the collector's reach with ``gc.freeze()`` (the
technique CPython documents for long-lived data); later passes only walk new objects.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Callable, Iterator
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


def settle_long_lived() -> None:
    """Exempt every object alive now from future collections (cheap: O(1))."""
    gc.freeze()


_hold_lock = threading.Lock()
_holds = 0
_enable_after = False


@contextlib.contextmanager
def collector_held() -> Iterator[None]:
    """Keep the cyclic collector off while long-lived objects are made (any thread).

    Parsing 100,000 IDs in a worker makes 100,000s of tracked objects; each time they
    pass the collector's thresholds it walks them all in a full pass, holding the GIL
    (and so the window) for 20–60 ms. Nested and concurrent holds are counted: the
    collector comes back on when the last one ends, if it was on before the first.
    """
    global _holds, _enable_after
    with _hold_lock:
        if _holds == 0:
            _enable_after = gc.isenabled()
            gc.disable()
        _holds += 1
    try:
        yield
    finally:
        with _hold_lock:
            _holds -= 1
            if _holds == 0 and _enable_after:
                gc.enable()


def make_long_lived(func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``func(*args, **kwargs)`` with the collector held, its objects frozen afterwards.

    For a worker thread (``asyncio.to_thread(make_long_lived, find_ids, text)``): what
    it returns is about to become rows, which are never collected anyway.
    """
    with collector_held():
        result = func(*args, **kwargs)
        settle_long_lived()
    return result
