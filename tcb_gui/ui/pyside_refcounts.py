"""Work around PySide6 6.12's lost references to ``True`` and ``None`` on Python 3.11.

PySide6 6.12.0 returns ``True`` from every ``Signal.emit()`` and ``None`` for every
invalid ``QVariant`` without taking a reference. On Python 3.12+ those objects are
immortal (PEP 683) and nothing happens; on 3.11 each call drops a reference that was
never taken, and after a few thousand signals the interpreter aborts with
"deallocating True or False" / "deallocating None". qasync emits a signal for every
``asyncio.to_thread`` result, and the results model one per coalesced update, so a
long session would crash.

``apply()`` detects the defect with a few probes and, only then, gives the three
singletons a reference count no session can exhaust: the 3.11 equivalent of
immortality. It changes nothing where the defect is absent.
"""

from __future__ import annotations

import ctypes
import sys

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


def apply() -> bool:
    """Make ``None``, ``True`` and ``False`` effectively immortal if PySide needs it."""
    global _applied
    if _applied:
        return True
    # 3.12+: already immortal. Debug builds lay objects out differently: leave them be.
    if sys.version_info >= (3, 12) or hasattr(sys, "gettotalrefcount"):
        return False
    if not _drops_references():
        return False
    for singleton in (None, True, False):
        # ob_refcnt is the first field of every object in a release build of CPython.
        ctypes.c_ssize_t.from_address(id(singleton)).value += IMMORTAL_BUMP
    _applied = True
    return True
