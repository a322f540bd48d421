"""What an operator met walking through downloads and the Requests view with a hostile
service: each test pins a place where the window said something untrue or hid what
mattered, against the demo service over loopback where the case needs one."""

from __future__ import annotations

import asyncio
import errno
from pathlib import Path

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QStyleOptionViewItem

from tcb_gui.core.downloads import DownloadOptions
from tcb_gui.core.downloads.files import PartFile
from tcb_gui.core.trace import CallKind, Outcome, TraceHub
from tcb_gui.demo.server import DemoServer
from tcb_gui.ui import task_names
from tcb_gui.ui.download_cells import DownloadSummary
from tcb_gui.ui.downloads_panel import DownloadsPanel
from tcb_gui.ui.palette import Tone
from tcb_gui.ui.requests_view import Column, RequestsWindow, details_text
from tests.core.test_downloads import disk_full_after
from tests.ui.conftest import WindowFactory, wait_until
from tests.ui.test_downloads_window import download, env_token_window, keys, parts, text_of
from tests.ui.test_requests_view import event, scrolled_down

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only


async def test_a_full_disk_is_not_called_a_cancel_in_the_panel_or_the_status_bar(
    make_window: WindowFactory,
    demo_server: DemoServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The operator pressed nothing: the disk filled up. The panel's headline (and the
    # status bar and the desktop notice, which repeat it) said "Cancelled: 1 of 10 files
    # saved" in a calm grey, beside a red banner saying the disk was full.
    window = await env_token_window(make_window, demo_server, monkeypatch)
    await window.ids.add_text(text_of(keys(4, "512K", "full")))
    monkeypatch.setattr(PartFile, "write", disk_full_after(600_000))
    summary = await download(window, tmp_path, concurrency=2)
    assert summary is not None
    assert summary.stopped
    assert not summary.cancelled
    assert parts(tmp_path)  # the partial files wait for the next run

    panel = window.downloads_panel
    title = panel.title_label.text()
    assert title.startswith("Stopped, the disk is full: "), title
    assert "Cancelled" not in title
    assert f"of {summary.total} files saved" in title
    assert window.message_label.text() == title
    assert panel.tone is Tone.WARNING  # something needs doing, not a calm "i"
    assert panel.rest_button.isVisible()  # once there is room, it goes on


def test_the_requests_view_keeps_a_file_calls_name_in_sight(qtbot) -> None:
    # During a download of 5,200 files every row's Endpoint read
    # "/download/7072-demo-prod-7g3k-13141148…": the bucket, cut before the key, so the
    # row of the 404 looked like all the others. The middle goes now, the name stays.
    hub = TraceHub()
    window = RequestsWindow(hub)
    qtbot.addWidget(window)
    endpoint = "/download/7072-demo-prod-7g3k-1314114854/gen/size-8K/many/f0002.bin"
    failed = {"kind": CallKind.FILE, "method": "GET", "endpoint": endpoint, "ids": 1}
    hub.emit(event(1, outcome=Outcome.FAILED, http_status=404, errcode=None, **failed))
    window.show()
    window.resize(920, 560)  # a 960 px screen's Requests window
    window.model.flush()
    table = window.table
    assert table is not None
    qtbot.waitUntil(lambda: table.columnWidth(Column.ENDPOINT) > 200, timeout=2000)
    option = QStyleOptionViewItem()
    table.initViewItemOption(option)  # what the view hands its delegate to paint with
    width = table.columnWidth(Column.ENDPOINT)
    metrics = table.fontMetrics()
    assert metrics.horizontalAdvance(endpoint) > width  # the column cannot hold it all
    shown = metrics.elidedText(endpoint, option.textElideMode, width - 8)
    assert shown.endswith("f0002.bin"), shown
    assert shown.startswith("/download/")


def test_the_full_disk_headline_in_chinese(zh, qtbot) -> None:
    panel = DownloadsPanel()
    qtbot.addWidget(panel)
    panel.finish(DownloadSummary(Path("/data/out"), 1, 1 << 20, stopped=9, disk_full=True))
    assert panel.title_label.text() == "已停止，磁盘已满：已保存 1/10 个文件（1.0 MiB）"
    panel.finish(DownloadSummary(Path("/data/out"), 1, 1 << 20, stopped=9, cancelled=True))
    assert panel.title_label.text() == "已取消：已保存 1/10 个文件（1.0 MiB）"


async def test_the_full_disk_banner_still_opens_its_folder_after_the_list_is_cleared(
    make_window: WindowFactory,
    demo_server: DemoServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The banner ("The disk is full: … Free some space …") stays after Clear, as it
    # should: it is about the folder. Its Show in folder asked the panel for the folder,
    # which Clear had made forget it, and did nothing.
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    window = await env_token_window(make_window, demo_server, monkeypatch)
    await window.ids.add_text(text_of(keys(3, "512K", "gone")))

    def write(self: PartFile, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(PartFile, "write", write)
    dest = tmp_path / "out"
    summary = await download(window, dest, concurrency=1)
    assert summary is not None
    assert summary.disk_full
    window.clear_rows()
    assert window.model.rowCount() == 0
    banner = window.banners.banner("download")
    assert banner is not None
    assert "disk is full" in banner.text
    banner.click("Show in folder")
    assert opened == [QUrl.fromLocalFile(str(dest))]


def top_endpoint(window: RequestsWindow) -> str:
    table = window.table
    assert table is not None
    row = table.indexAt(table.viewport().rect().topLeft()).row()
    found = window.model.event_at(row)
    assert found is not None
    return found.endpoint


def test_calls_being_read_stay_in_place_while_newer_ones_arrive(qtbot) -> None:
    # Reading the 404 a few screens down during a download, the operator saw the rows
    # slide away four times a second: each batch of new calls went in above and pushed
    # everything down. Scrolled away from the top, the rows now stay where they are.
    window, hub = scrolled_down(
        qtbot, (event(n, endpoint=f"/download/b/f{n:04d}.bin") for n in range(300))
    )
    table = window.table
    assert table is not None
    reading = top_endpoint(window)
    for n in range(300, 360):
        hub.emit(event(n, endpoint=f"/download/b/f{n:04d}.bin"))
    qtbot.waitUntil(lambda: window.model.pending == 0, timeout=2000)  # the window's timer
    assert window.model.rowCount() == 360
    assert top_endpoint(window) == reading

    # At the top, the newest calls show as they come.
    table.scrollToTop()
    for n in range(360, 380):
        hub.emit(event(n, endpoint=f"/download/b/f{n:04d}.bin"))
    qtbot.waitUntil(lambda: window.model.pending == 0, timeout=2000)
    assert table.verticalScrollBar().value() == 0
    assert top_endpoint(window) == "/download/b/f0379.bin"


async def test_show_failed_shows_every_failed_file_whatever_was_typed_in_the_filter(
    make_window: WindowFactory, demo_server: DemoServer, tmp_path: Path, monkeypatch
) -> None:
    # "3 files failed: Show failed lists them with their reasons." With "f01" left in
    # the filter box from earlier, Show failed showed "No rows match the filter".
    window = await env_token_window(make_window, demo_server, monkeypatch)
    ks = keys(5, "4K", "sf")
    await window.ids.add_text(text_of(ks))
    demo_server.state.script_faults("download", ["html404", "html404"])
    summary = await download(window, tmp_path, concurrency=1)
    assert summary is not None
    assert summary.failed == 2
    window.filter_edit.setText("no such text")
    window.text_filter.apply()
    assert window.proxy.rowCount() == 0
    panel = window.downloads_panel
    assert panel.failed_button.isVisible()
    panel.failed_button.click()
    assert window.filter_edit.text() == ""
    shown = [window.proxy.row_at(i) for i in range(window.proxy.rowCount())]
    assert shown == window.downloads.failed_rows()
    assert len(shown) == summary.failed
    assert window.counts_label.text().startswith("2 of 5 shown")


async def test_a_paused_rerun_does_not_count_files_already_there_as_downloaded(
    make_window: WindowFactory, demo_server: DemoServer, tmp_path: Path, monkeypatch
) -> None:
    # The same list into the same folder again, paused: the headline said "Paused: 5 of
    # 6 files downloaded to …" when 4 of them were there from before and the Finished
    # line would say "1 file downloaded; 4 already there".
    window = await env_token_window(make_window, demo_server, monkeypatch)
    ks = keys(4, "4K", "again")
    await window.ids.add_text(text_of(ks))
    first = await download(window, tmp_path)
    assert first is not None
    assert first.downloaded == 4
    await window.ids.add_text(text_of(keys(2, "1M", "new")))
    controller = window.downloads
    rows = controller.rows_to_download()[0]
    options = DownloadOptions(dest=tmp_path, concurrency=1, limit_rate=256 << 10)
    window.tasks.start(task_names.DOWNLOAD, controller.download_rows(rows, options))
    panel = window.downloads_panel
    await wait_until(lambda: panel.last is not None and panel.last.files_done >= 4, 10)
    controller.pause()
    await wait_until(lambda: panel.last is not None and panel.last.paused, 10)
    title = panel.title_label.text()
    assert title.startswith(f"Paused: {panel.last.files_done} of 6 files saved in "), title
    assert "downloaded" not in title
    controller.cancel()
    task = window.tasks.get(task_names.DOWNLOAD)
    assert task is not None
    summary = await asyncio.wait_for(task, 20)
    assert summary is not None
    assert summary.skipped == 4


def test_one_call_is_one_call(qtbot, tmp_path: Path, monkeypatch) -> None:
    # Opened after the token check, the Requests view said "1 calls"; saved, "Saved 1
    # calls to …".
    hub = TraceHub()
    window = RequestsWindow(hub)
    qtbot.addWidget(window)
    hub.emit(event(1))
    window.show()
    assert window.count_label is not None
    assert window.count_label.text() == "1 call"
    target = tmp_path / "one.jsonl"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.choose_save_path()
    assert window.count_label.text() == f"Saved 1 call to {target}"
    assert len(target.read_text(encoding="utf-8").splitlines()) == 1
    hub.emit(event(2))
    qtbot.waitUntil(lambda: window.model.pending == 0, timeout=2000)
    assert window.count_label.text() == "2 calls"


async def test_a_quota_used_up_is_said_once_and_no_retry_is_promised(
    make_window: WindowFactory, demo_server: DemoServer, tmp_path: Path, monkeypatch
) -> None:
    # Today's quota ran out: every file failed for it. The panel said only "10 files
    # failed: Show failed lists them with their reasons", and each row's details said
    # "… until the quota resets tomorrow" over "Retry failed downloads (Ctrl+Shift+D)
    # to try it again."
    window = await env_token_window(make_window, demo_server, monkeypatch)
    await window.ids.add_text(text_of(keys(3, "4K", "quota")))
    demo_server.state.used = demo_server.state.config.daily_limit
    summary = await download(window, tmp_path)
    assert summary is not None
    assert summary.failed == 3
    rows = window.downloads.failed_rows()
    assert len(rows) == 3
    reason = window.model.words.reason(rows[0])
    assert "quota" in reason
    detail = window.downloads_panel.detail_label.text()
    assert detail.startswith(f"3 files failed: {reason}"), detail
    window.show_details_of(rows[0])
    assert reason in window.details.text()
    assert "Retry failed downloads" not in window.details.text()

    # A file the storage lost may come back: that one is still offered a retry.
    demo_server.state.used = 0
    await window.ids.add_text(text_of(keys(2, "4K", "gone")))
    demo_server.state.script_faults("download", ["html404", "html404"])
    others = [r for r in window.model.rows() if "gone" in r.fileid.key]
    again = await window.downloads.download_rows(others, DownloadOptions(dest=tmp_path))
    assert again is not None
    assert again.failed == 2
    window.show_details_of(others[0])
    assert "Retry failed downloads (Ctrl+Shift+D) to try it again." in window.details.text()
    panel_detail = window.downloads_panel.detail_label.text()
    assert panel_detail.startswith("2 files failed: The file is not on the server"), panel_detail


def test_a_files_path_reads_in_its_own_letters(qtbot) -> None:
    # A Chinese key showed as "/download/7465…/%E5%9B%BE%E7%89%87/%E6%B5%8B%E8%AF%95.png"
    # in the Endpoint column and the details, where the main table says 图片/测试.png.
    coded = "/download/7465-demo-test-2b9x-1258717764/%E5%9B%BE%E7%89%87/%E6%B5%8B%E8%AF%95.png"
    shown = "/download/7465-demo-test-2b9x-1258717764/图片/测试.png"
    file_call = {"kind": CallKind.FILE, "method": "GET", "ids": 1, "errcode": None}
    hub = TraceHub()
    window = RequestsWindow(hub)
    qtbot.addWidget(window)
    url = f"http://127.0.0.1:8765{coded}?sign=***&t=1700007200"
    hub.emit(event(1, endpoint=coded, url=url, body=None, **file_call))
    # Not text once decoded: left as it came.
    hub.emit(event(2, endpoint="/download/b/line%0Abreak%FF.bin", **file_call))
    hub.emit(event(3, endpoint="/cgi-bin/openapi/quota/get"))
    window.show()
    window.model.flush()
    model = window.model
    texts = [model.data(model.index(r, Column.ENDPOINT)) for r in range(3)]
    assert texts == ["/cgi-bin/openapi/quota/get", "/download/b/line%0Abreak%FF.bin", shown]
    found = model.event_at(2)
    assert found is not None
    assert details_text(found).startswith(f"GET {shown} — attempt 1")
    assert f"URL: {url}" in details_text(found)  # the URL line keeps what was sent
