"""Workarounds for PySide6 and qasync, applied once by ``app.run`` before any window.

Nothing here happens on import (as qutebrowser's ``misc/earlyinit.py``): ``apply()``
fixes the process, ``event_loop(app)`` makes the loop the app runs on. Tests that run
windows use both (``tests/ui/conftest.py``).

- PySide6 6.12 on Python 3.11 drops references to ``True`` and ``None`` it never took
  (every ``Signal.emit()`` and invalid ``QVariant``); after a few thousand signals the
  interpreter aborts ("deallocating None"). ``apply()`` probes for the defect and, only
  then, gives the three singletons a reference count no session can exhaust (the 3.11
  equivalent of 3.12's immortal objects). Nothing changes where the defect is absent.
- qasync's ``QEventLoop`` never installs the asynchronous-generator hooks asyncio's own
  loops install while they run (``sys.set_asyncgen_hooks``): httpx's body iterators,
  left suspended by a paused or cancelled transfer, would be finalised by the garbage
  collector off the loop ("async generator ignored GeneratorExit"). ``EventLoop`` does
  what ``BaseEventLoop.run_forever`` does, and puts the previous hooks back after
  (``ui/qasync_loop.py``, imported by ``event_loop`` only: qasync brings asyncio).
- PySide6 looks at every module imported after it for the word "PySide6" (its
  ``__feature__`` switch, PYSIDE-2029) with ``inspect.getsource``: linecache, tokenizer
  and all, about 0.1 ms a module, some 6 ms of the ~70 modules the window imports before
  its first paint. ``fast_feature_scan()`` (called by ``app`` as soon as PySide6 is
  loaded) makes the same test read the module's ``.py`` file as bytes; modules without
  one still take PySide6's own way. The answer, and so every module's feature state,
  is unchanged.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from tcb_gui.ui.qasync_loop import EventLoop

# Far more references than any run can drop, far below Py_ssize_t's limit.
IMMORTAL_BUMP = 1 << 40
PROBE_CALLS = 16

_applied = False


def _drops_references() -> bool:
    from PySide6.QtCore import QModelIndex, QObject, Signal

    class _Probe(QObject):
        fired = Signal()

    probe = _Probe()
    true_before = sys.getrefcount(True)
    none_before = sys.getrefcount(None)
    for _ in range(PROBE_CALLS):
        probe.fired.emit()
        QModelIndex().data()
    lost_true = true_before - sys.getrefcount(True)
    lost_none = none_before - sys.getrefcount(None)
    return lost_true >= PROBE_CALLS or lost_none >= PROBE_CALLS


def immortal_singletons() -> bool:
    """Make ``None``, ``True`` and ``False`` effectively immortal if PySide needs it."""
    global _applied
    if _applied:
        return True
    # 3.12+: already immortal. Debug builds lay objects out differently: leave them be.
    if sys.version_info >= (3, 12) or hasattr(sys, "gettotalrefcount"):
        return False
    if not _drops_references():
        return False
    import ctypes

    for singleton in (None, True, False):
        # ob_refcnt is the first field of every object in a release build of CPython.
        ctypes.c_ssize_t.from_address(id(singleton)).value += IMMORTAL_BUMP
    _applied = True
    return True


def fast_feature_scan() -> bool:
    """Make PySide6's look at each newly imported module read bytes, not tokens; True
    if done (False where this PySide6 has no such look, or it is already fast)."""
    feature = sys.modules.get("PySide6.support.feature")
    original = getattr(feature, "_mod_uses_pyside", None)
    if feature is None or original is None or getattr(original, "_tcb_fast", False):
        return False

    def uses_pyside(module: ModuleType) -> bool:
        path = getattr(module, "__file__", None)
        if isinstance(path, str) and path.endswith(".py"):
            try:
                with open(path, "rb") as source:
                    return b"PySide6" in source.read()
            except OSError:
                pass  # gone or unreadable: PySide6's own way decides
        result: bool = original(module)
        return result

    uses_pyside._tcb_fast = True  # type: ignore[attr-defined]
    feature._mod_uses_pyside = uses_pyside  # type: ignore[attr-defined]
    return True


def apply() -> None:
    """The process-wide workarounds; call before the first window is made."""
    immortal_singletons()


def event_loop(app: QApplication) -> EventLoop:
    """The event loop the window runs on (``asyncio.Runner(loop_factory=…)``).

    qasync (and with it asyncio) is imported here, after the window's first paint."""
    from tcb_gui.ui.qasync_loop import EventLoop

    return EventLoop(app)
