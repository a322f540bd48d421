"""The window's event loop: qasync's, closing abandoned async generators on the loop.

Imported by ``qt_workarounds.event_loop`` when the loop is made, after the window's first
paint (qasync imports asyncio); the module docstring of ``qt_workarounds`` says why.
"""

from __future__ import annotations

import sys
from typing import Any

import qasync


class EventLoop(qasync.QEventLoop):  # type: ignore[misc]
    """qasync's loop, closing abandoned async generators on the loop as asyncio's do."""

    def run_forever(self) -> Any:
        firstiter = getattr(self, "_asyncgen_firstiter_hook", None)
        finalizer = getattr(self, "_asyncgen_finalizer_hook", None)
        previous = sys.get_asyncgen_hooks()
        if firstiter is None or finalizer is None:
            return super().run_forever()
        sys.set_asyncgen_hooks(firstiter=firstiter, finalizer=finalizer)
        try:
            return super().run_forever()
        finally:
            # A later loop must not inherit this one's hooks.
            sys.set_asyncgen_hooks(*previous)
