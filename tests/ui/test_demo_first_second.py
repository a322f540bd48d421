"""``tcb-gui --demo`` (or Try the demo) and a run started at once: the window is on the
demo from the moment it asks for it (its address listens before uvicorn is imported or
started), so a download or a resolve started while the service starts goes to the demo
and is answered once it serves. It went to the profile left, with no token: the
download stopped "Waiting for token", the resolve was stopped and its rows left
pending."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from tcb_gui.core.downloads import FileState
from tcb_gui.demo.server import DemoServer
from tcb_gui.ui import task_names
from tcb_gui.ui.main_window import MainWindow
from tcb_gui.ui.row_status import RowState
from tests.ui.conftest import WindowFactory, wait_until
from tests.ui.test_downloads_window import assert_exact, download, keys, text_of

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only

# How long the demo service takes to start here: a busy machine's uvicorn imports.
SLOW_START_S = 1.0


@pytest.fixture
async def starting_window(
    make_window: WindowFactory, monkeypatch: pytest.MonkeyPatch
) -> MainWindow:
    """A window without a token of its own that has just asked for the demo, whose
    service takes ``SLOW_START_S`` to start."""
    monkeypatch.delenv("TCB_ACCESS_TOKEN", raising=False)
    real_start = DemoServer.start

    def slow_start(server: DemoServer) -> DemoServer:
        time.sleep(SLOW_START_S)
        return real_start(server)

    monkeypatch.setattr(DemoServer, "start", slow_start)
    window = make_window()
    window.tokens.request_demo()
    return window


def demo_started(window: MainWindow) -> bool:
    demo = window.session.demo
    return demo is not None and demo.running


async def test_a_download_in_the_demos_first_second_goes_to_the_demo(
    starting_window: MainWindow, tmp_path: Path
) -> None:
    window = starting_window
    wanted = keys(2, "4K", "first-second")
    await window.ids.add_text(text_of(wanted))
    assert not demo_started(window)

    summary = await asyncio.wait_for(download(window, tmp_path), 30)

    assert summary is not None
    assert (summary.downloaded, summary.waiting) == (2, 0)
    assert {r.download.state for r in window.model.rows() if r.download} == {FileState.DONE}
    assert_exact(tmp_path, wanted)


async def test_a_resolve_in_the_demos_first_second_goes_to_the_demo(
    starting_window: MainWindow,
) -> None:
    window = starting_window
    await window.ids.add_text(text_of(keys(3, "4K", "first-resolve")))
    assert not demo_started(window)

    resolve = window.tasks.start(task_names.RESOLVE, window.resolver.resolve_rows())
    assert resolve is not None
    await asyncio.wait_for(asyncio.shield(resolve), 30)

    assert not resolve.cancelled()
    assert {row.state for row in window.model.rows()} == {RowState.OK}
    await wait_until(lambda: not window.tasks.running(task_names.DEMO), 10)


async def test_a_demo_that_cannot_start_leaves_no_address_hanging(
    make_window: WindowFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The window is on the demo's address before the service starts: if it cannot start,
    the address is closed, so a request to it is refused at once instead of waiting in
    the listening socket's queue for ever."""
    monkeypatch.delenv("TCB_ACCESS_TOKEN", raising=False)

    def broken_start(server: DemoServer) -> DemoServer:
        raise OSError("uvicorn could not start")

    monkeypatch.setattr(DemoServer, "start", broken_start)
    window = make_window()
    window.tokens.request_demo()
    await wait_until(lambda: window.session.demo is not None, 10)
    demo = window.session.demo
    assert demo is not None
    await wait_until(lambda: not window.tasks.running(task_names.DEMO), 10)

    with pytest.raises(ConnectionRefusedError):
        await asyncio.wait_for(asyncio.open_connection("127.0.0.1", demo.port), 5)
