"""The garbage collector at a process's start: both faces build what lives on, then work.

Start-up imports some 200 modules and builds the window or the run: tens of thousands of
objects, none of them garbage yet. The cyclic collector still walks them every few
hundred allocations, and its older generations ever more of them: about 3 ms of the
window's first paint (bench/window.py, 9 alternating runs). ``collection_paused()``
holds it off for that stretch and gives it back as it was.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collection_paused() -> Iterator[None]:
    """No cyclic garbage collection inside the block; on again after it if it was on."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
