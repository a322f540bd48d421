"""The quota question before a big download in the window (core.download_run's preview,
ui.quota_question's box), against the demo service over loopback: asked once, Cancel
starts nothing and writes nothing, "Start anyway" starts."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from shiboken6 import isValid

from tcb_gui.core.downloads import DownloadOptions
from tcb_gui.core.quota import QuotaPreview
from tcb_gui.demo.samples import PROD
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DemoConfig, DemoState
from tcb_gui.ui import task_names
from tcb_gui.ui.main_window import MainWindow
from tcb_gui.ui.quota_question import ask_quota, quota_box
from tests.ui.conftest import WindowFactory, demo_window, wait_until

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only

BATCH_API = "componenttcb/batchdownloadfile"
COUNT = 10_100  # 202 link calls: over the 200 the preview starts at


async def big_list_window(make_window: WindowFactory, server: DemoServer) -> MainWindow:
    window = await demo_window(make_window, server)
    ids = [PROD.fileid(f"gen/size-1K/dq-{n:05d}.bin") for n in range(COUNT)]
    await window.ids.add_text("\n".join(ids))
    assert window.model.counts().pending == COUNT  # no links yet: the download asks
    return window


def start_download(window: MainWindow, dest: Path) -> asyncio.Task:
    rows = window.downloads.rows_to_download()[0]
    task = window.tasks.start(
        task_names.DOWNLOAD,
        window.downloads.download_rows(rows, DownloadOptions(dest=dest)),
        replace=False,
    )
    assert task is not None
    return task


def button(box: QMessageBox, text: str):
    return next(b for b in box.buttons() if b.text() == text)


async def test_cancel_starts_nothing_and_writes_nothing(
    make_window: WindowFactory, tmp_path: Path
) -> None:
    state = DemoState(DemoConfig(daily_limit=150))
    with DemoServer(state) as server:
        window = await big_list_window(make_window, server)
        asked = state.stats.requests.get("quota/get", 0)
        dest = tmp_path / "files"
        task = start_download(window, dest)
        await wait_until(lambda: window.downloads.quota_box is not None, 20)
        box = window.downloads.quota_box
        assert box is not None
        assert box.isVisible()
        assert box.objectName() == "quota_question"
        assert box.text() == "This run needs 202 calls; 150 remain today."
        assert "after about 7,500 IDs" in box.informativeText()
        assert "Resolve" not in box.informativeText()  # the words fit a download too
        assert box.defaultButton() is box.escapeButton()  # Enter and Esc both cancel
        assert window.message_label.text() == box.text()
        assert state.stats.requests.get("quota/get", 0) == asked + 1  # asked once
        assert not window.downloads.running
        # Ctrl+D meanwhile opens no second dialog.
        assert window.downloads.show_dialog() is None
        assert (
            window.message_label.text()
            == "A download is about to start: answer its question first."
        )
        box.reject()  # Cancel
        assert await asyncio.wait_for(task, 10) is None
        assert window.downloads.quota_box is None
        assert state.stats.requests.get(BATCH_API, 0) == 0  # not one link asked for
        assert not state.stats.downloads
        assert not dest.exists()  # no folder, lock, manifest or .tcb-gui
        assert not window.downloads.running
        assert all(r.download is None for r in window.model.rows())  # no row queued
        assert window.message_label.text() == (
            "Not started: This run needs 202 calls; 150 remain today."
        )


async def test_start_anyway_starts_the_download(make_window: WindowFactory, tmp_path: Path) -> None:
    state = DemoState(DemoConfig(daily_limit=1_000, used_at_start=998))  # 2 calls remain
    with DemoServer(state) as server:
        window = await big_list_window(make_window, server)
        dest = tmp_path / "files"
        task = start_download(window, dest)
        await wait_until(lambda: window.downloads.quota_box is not None, 20)
        box = window.downloads.quota_box
        assert box is not None
        assert box.text() == "This run needs 202 calls; 2 remain today."
        button(box, "Start anyway").click()
        summary = await asyncio.wait_for(task, 120)
        assert summary is not None
        assert summary.downloaded == 100  # what the two calls left today gave links for
        assert state.stats.requests[BATCH_API] >= 2
        assert dest.is_dir()
        assert window.downloads.quota == QuotaPreview(202, 2, 1_000)


async def test_a_download_that_fits_asks_nothing_and_a_small_one_not_even_the_quota(
    make_window: WindowFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = DemoState(DemoConfig(daily_limit=100_000))
    with DemoServer(state) as server:
        window = await big_list_window(make_window, server)
        asked: list[QuotaPreview] = []

        async def confirm(preview: QuotaPreview) -> bool:
            asked.append(preview)
            return False

        monkeypatch.setattr(window.downloads, "_confirm_quota", confirm)
        before = state.stats.requests.get("quota/get", 0)
        rows = window.downloads.rows_to_download()[0][:50]  # 1 call: under the threshold
        summary = await window.downloads.download_rows(rows, DownloadOptions(dest=tmp_path / "a"))
        assert summary is not None
        assert summary.downloaded == 50
        assert state.stats.requests.get("quota/get", 0) == before  # not asked
        assert window.downloads.quota is None
        task = start_download(window, tmp_path / "b")  # 10,100 rows, 50 of them linked now
        await wait_until(lambda: window.downloads.running, 20)
        assert asked == []  # fits: no question …
        # … the rows that got their links above need none: 10,050 IDs, 201 calls.
        assert window.downloads.quota == QuotaPreview(201, 99_999, 100_000)
        assert state.stats.requests["quota/get"] == before + 1
        window.downloads.cancel()
        await asyncio.wait_for(task, 60)


async def test_a_question_left_open_closes_with_its_task(qtbot) -> None:
    shown: list[QMessageBox | None] = []
    task = asyncio.ensure_future(ask_quota(QuotaPreview(300, 100), shown=shown.append))
    await wait_until(lambda: bool(shown), 5)
    box = shown[0]
    assert box is not None
    assert box.isVisible()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert shown[-1] is None
    await wait_until(lambda: not isValid(box) or not box.isVisible(), 5)  # closed, deleted


def test_an_unknown_quota_says_so_and_asks_nothing(qtbot) -> None:
    box = quota_box(QuotaPreview(300, None, None, "no answer"))
    qtbot.addWidget(box)
    assert box.text() == "This run needs 300 calls; today's quota is unknown."
    assert box.informativeText() == ""


async def test_links_given_while_the_question_is_open_are_used(
    make_window: WindowFactory, tmp_path: Path
) -> None:
    """The question may stay open while a resolve gives rows their links: the run starts
    from those links and does not spend the quota asking for them again."""
    state = DemoState(DemoConfig(daily_limit=100_000, used_at_start=99_900))  # 100 remain
    with DemoServer(state) as server:
        window = await big_list_window(make_window, server)
        given = window.model.rows()[:100]

        async def confirm(_preview: QuotaPreview) -> bool:
            client = window.session.client(max_age=7200)
            window.model.apply_results(await client.resolve_all([r.fileid for r in given]))
            window.model.flush()
            return True

        window.downloads._confirm_quota = confirm
        task = start_download(window, tmp_path / "d")
        await wait_until(lambda: window.downloads.running, 60)
        run = window.downloads.run
        assert run is not None
        assert all(link.ok for link in run.links[:100])
        assert not any(link.ok for link in run.links[100:200])
        window.downloads.cancel()
        await asyncio.wait_for(task, 60)
