"""ui/heap: freed heap memory goes back to the system after big, short-lived work."""

from __future__ import annotations

import os
import sys

import pytest

from tcb_gui.demo.samples import PROD
from tcb_gui.demo.server import DemoServer
from tcb_gui.ui import heap
from tests.ui.conftest import WindowFactory
from tests.ui.test_history import token_window


def _rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_freed_heap_memory_goes_back_to_the_system() -> None:
    if heap._malloc_trim() is None:
        pytest.skip("this C library has no malloc_trim")
    # ~100 MB in malloc'd blocks (bytes objects over 512 bytes), one in a hundred kept:
    # the free space lies between live blocks, where free() alone never returns it.
    blocks = [bytes(1000) + bytes([n % 256]) for n in range(100_000)]
    kept = blocks[::100]
    del blocks
    before = _rss()
    assert heap.release_freed_memory()
    assert before - _rss() > 50_000_000
    assert len(kept) == 1000


@pytest.mark.qt_log_ignore("propagateSizeHints")
async def test_a_resolve_run_and_a_history_save_give_memory_back(
    monkeypatch: pytest.MonkeyPatch, make_window: WindowFactory, demo_server: DemoServer
) -> None:
    import tcb_gui.ui.history as history
    import tcb_gui.ui.resolve_presenter as resolve_presenter

    calls: list[str] = []
    monkeypatch.setattr(resolve_presenter, "release_freed_memory", lambda: calls.append("run"))
    monkeypatch.setattr(history, "release_freed_memory", lambda: calls.append("saved"))
    window = await token_window(make_window, demo_server)  # a list the history keeps
    await window.ids.add_text("\n".join(PROD.fileid(f"gen/{n:05d}.jpg") for n in range(60)))
    await window.resolver.resolve_rows()
    assert "run" in calls
    calls.clear()
    await window.history.save_now()
    assert calls == ["saved"]
