""" "Try the demo" switches the window onto the demo's profile, so it follows the
window's rule for a profile switch: only while nothing runs. A download that is
starting (its settings saved, its token read, its quota question open) has chosen its
profile already and counts as running. Idle, the empty list's button starts the demo."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tcb_gui.core.tokens import TokenStore
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DEMO_TOKEN
from tcb_gui.ui import task_names
from tcb_gui.ui.main_window import MainWindow
from tcb_gui.ui.row_status import RowState
from tests.memory_keyring import MemoryKeyring
from tests.ui.conftest import WindowFactory, wait_until
from tests.ui.test_downloads_window import demo_window, download, keys, text_of

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only


def switch_offered(window: MainWindow) -> list[bool]:
    """Whether each way to switch the profile can be used: the combo, the Token menu's
    "Try the demo" and the empty list's button."""
    return [
        window.token_panel.profile_combo.isEnabled(),
        window.act_demo.isEnabled(),
        window.view.demo_button.isEnabled(),
    ]


async def test_no_demo_while_a_download_runs(
    make_window: WindowFactory, demo_server: DemoServer, tmp_path: Path
) -> None:
    window = await demo_window(make_window, demo_server)
    await window.ids.add_text(text_of(keys(2, "512K", "demo-run")))
    assert switch_offered(window) == [True, True, True]
    started = asyncio.Event()
    window.downloads.runningChanged.connect(lambda running: running and started.set())
    run = asyncio.ensure_future(download(window, tmp_path, limit_rate=1024 * 1024))
    await asyncio.wait_for(started.wait(), 10)
    assert switch_offered(window) == [False, False, False]
    summary = await asyncio.wait_for(run, 30)
    assert summary is not None
    assert summary.downloaded == 2
    assert switch_offered(window) == [True, True, True]


async def test_no_switch_while_a_download_is_starting(
    make_window: WindowFactory,
    demo_server: DemoServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = await demo_window(make_window, demo_server)
    await window.ids.add_text(text_of(keys(1, "4K", "demo-start")))
    preparing, release = asyncio.Event(), asyncio.Event()
    real = window.tokens.prepare_run

    async def held() -> bool:  # the run's token read (or its quota question) takes a while
        preparing.set()
        await release.wait()
        return await real()

    monkeypatch.setattr(window.tokens, "prepare_run", held)
    run = asyncio.ensure_future(download(window, tmp_path))
    await asyncio.wait_for(preparing.wait(), 10)
    assert window.downloads.starting
    assert switch_offered(window) == [False, False, False]
    release.set()
    summary = await asyncio.wait_for(run, 30)
    assert summary is not None
    assert summary.downloaded == 1
    assert switch_offered(window) == [True, True, True]


async def test_the_empty_lists_button_starts_the_demo_when_idle(
    make_window: WindowFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TCB_ACCESS_TOKEN", raising=False)
    window = make_window()
    await window.tokens.check_token()  # no token: the empty list offers the demo
    button = window.view.demo_button
    await wait_until(button.isVisible, 5)
    assert button.isEnabled()
    button.click()
    await wait_until(lambda: window.session.in_demo, 20)


async def test_the_demo_stops_a_resolve_being_prepared_for_the_profile_left(
    make_window: WindowFactory,
    demo_server: DemoServer,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A resolve on the user's own profile is reading its token (or asking its quota
    question) when "Try the demo" comes: the resolve stops, its rows wait as pending,
    and nothing is sent to the demo with the profile's choices."""
    TokenStore(backend=memory_keyring).set("default", DEMO_TOKEN)
    window = make_window(base_url=demo_server.base_url, store=TokenStore(backend=memory_keyring))
    await window.tokens.check_token()
    await window.ids.add_text(text_of(keys(3, "4K", "demo-prep")))
    preparing = asyncio.Event()
    real = window.tokens.prepare_run

    async def held() -> bool:
        preparing.set()
        await asyncio.Event().wait()  # until cancelled
        return await real()

    monkeypatch.setattr(window.tokens, "prepare_run", held)
    calls = demo_server.state.stats.requests["componenttcb/batchdownloadfile"]
    resolve = window.tasks.start(task_names.RESOLVE, window.resolver.resolve_rows())
    assert resolve is not None
    await asyncio.wait_for(preparing.wait(), 10)
    await window.tokens.start_demo(load_samples=False)
    await wait_until(resolve.done, 5)
    assert resolve.cancelled()
    assert window.session.in_demo
    assert {row.state for row in window.model.rows()} == {RowState.PENDING}
    assert demo_server.state.stats.requests["componenttcb/batchdownloadfile"] == calls
