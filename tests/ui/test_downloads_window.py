"""Downloads in the window, against the demo service over loopback: the dialog, per-row
states in the model, the overall bar, pause/resume/cancel, retries, token and disk
errors, Show in folder, and the list surviving a closed window."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Sequence
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMenu

from tcb_gui.core.download_session import SessionStore
from tcb_gui.core.downloads import (
    MAX_DOWNLOAD_CONCURRENCY,
    DownloadOptions,
    FileProgress,
    FileState,
    Layout,
    OnExists,
    TotalProgress,
)
from tcb_gui.core.downloads.files import PartFile
from tcb_gui.core.errors import TokenState
from tcb_gui.core.fileids import parse_fileid
from tcb_gui.core.paths import part_path
from tcb_gui.core.settings import load_settings
from tcb_gui.demo.samples import PROD, file_bytes
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DEMO_TOKEN, DemoState
from tcb_gui.ui import task_names
from tcb_gui.ui.download_cells import DownloadSummary
from tcb_gui.ui.download_controller import RESUME_BANNER
from tcb_gui.ui.download_dialog import DownloadDialog, ScopeCounts
from tcb_gui.ui.downloads_panel import DownloadsPanel
from tcb_gui.ui.main_window import MainWindow
from tcb_gui.ui.palette import Tone
from tcb_gui.ui.results_model import Column, Row
from tests.core.test_downloads import disk_full_after
from tests.core.test_session_integrity import write_saved_list
from tests.ui.conftest import WindowFactory, demo_window, wait_until

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only


def keys(count: int, size: str = "64K", prefix: str = "dl") -> list[str]:
    return [f"gen/size-{size}/{prefix}-{n:03d}.bin" for n in range(count)]


def text_of(keys_: list[str]) -> str:
    return "\n".join(PROD.fileid(k) for k in keys_)


def moving(rows: Sequence[Row]) -> bool:
    """Whether one of ``rows`` is downloading and has bytes on disk."""
    return any(
        r.download is not None
        and r.download.state is FileState.DOWNLOADING
        and r.download.bytes_done > 0
        for r in rows
    )


def target(dest: Path, key: str) -> Path:
    return dest / PROD.env / key


def assert_exact(dest: Path, keys_: list[str]) -> None:
    for key in keys_:
        assert target(dest, key).read_bytes() == file_bytes(PROD.bucket, key), key


def parts(dest: Path) -> list[Path]:
    return sorted(dest.rglob("*.part"))


def cell_text(window: MainWindow, row: Row) -> str:
    """The row's Status: its download says itself there (no column of its own)."""
    return window.model.index(row.pos, Column.STATUS).data()


def cell_tip(window: MainWindow, row: Row) -> str:
    return window.model.index(row.pos, Column.STATUS).data(Qt.ItemDataRole.ToolTipRole)


def states(window: MainWindow) -> dict[str, FileState]:
    return {r.fileid.key: r.download.state for r in window.model.rows() if r.download}


async def env_token_window(
    make_window: WindowFactory, server: DemoServer, monkeypatch: pytest.MonkeyPatch
) -> MainWindow:
    """A window on a saved profile pointing at the demo (closing it keeps the server up)."""
    monkeypatch.setenv("TCB_ACCESS_TOKEN", DEMO_TOKEN)
    window = make_window(base_url=server.base_url)
    await window.tokens.check_token()
    return window


async def download(window: MainWindow, dest: Path, rows: list[Row] | None = None, **kw):
    if rows is None:
        rows = window.downloads.rows_to_download()[0]
    return await window.downloads.download_rows(rows, DownloadOptions(dest=dest, **kw))


# --- the dialog -----------------------------------------------------------------------


async def test_ctrl_d_opens_the_dialog_and_downloads_every_row_byte_exact(
    make_window: WindowFactory, demo_server: DemoServer, qtbot, tmp_path: Path
) -> None:
    window = await demo_window(make_window, demo_server)
    first, later = keys(12, "48K"), keys(8, "80K", "later")
    missing = "no/such/file.bin"
    await window.ids.add_text(text_of(first) + "\n" + PROD.fileid(missing))
    await window.resolver.resolve_rows()
    await window.ids.add_text(text_of(later))  # no link yet: fetched by the download itself
    assert window.model.counts().pending == 8

    window.activateWindow()
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    dialogs = [w for w in window.findChildren(DownloadDialog) if w.isVisible()]
    assert len(dialogs) == 1
    dialog = dialogs[0]
    assert dialog.all_radio.isChecked()
    assert dialog.all_radio.text() == "&All 20 rows that have or can get a link"
    assert dialog.left_out.text().startswith("1 row is left out")  # the missing file
    assert dialog.buttons.button(dialog.buttons.StandardButton.Ok).text() == "Download 20 files"
    dest = tmp_path / "下载"
    dialog.folder_edit.setText(str(dest))
    dialog.concurrency_spin.setValue(3)
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()

    task = window.tasks.get(task_names.DOWNLOAD)
    assert task is not None
    summary = await asyncio.wait_for(task, 30)
    assert isinstance(summary, DownloadSummary)
    assert (summary.downloaded, summary.skipped, summary.failed) == (20, 0, 0)
    assert summary.downloaded_bytes == 12 * 48 * 1024 + 8 * 80 * 1024
    assert_exact(dest, first + later)
    assert not parts(dest)

    got = states(window)
    assert set(got.values()) == {FileState.DONE}
    assert missing not in got  # excluded from the download, left as it was
    assert window.model.counts().pending == 0  # the download fetched their links
    row = window.model.row_for(parse_fileid(PROD.fileid(later[0])))
    assert row is not None
    assert row.url is not None
    assert cell_text(window, row) == "Verified"  # the demo sends each file's CRC-64
    assert str(target(dest, later[0])) in cell_tip(window, row)

    panel = window.downloads.panel
    assert panel.isVisible()
    assert panel.title_label.text() == "Finished: 20 files downloaded (1.2 MiB)"
    assert panel.folder_button.isVisible()
    assert not panel.retry_button.isVisible()
    assert not panel.pause_button.isVisible()
    assert window.message_label.text() == panel.title_label.text()
    # The choices are the next download's defaults, in the settings file too.
    settings = load_settings()
    assert settings.download_dir == str(dest)
    assert settings.download_concurrency == 3
    assert not SessionStore().path.exists()  # finished: nothing to offer next time

    # Again: every file is already complete, and not one byte is asked for.
    requests = demo_server.state.stats.requests["download"]
    again = await download(window, dest)
    assert again is not None
    assert (again.downloaded, again.skipped, again.failed) == (0, 20, 0)
    assert demo_server.state.stats.requests["download"] == requests
    assert set(states(window).values()) == {FileState.SKIPPED}
    assert cell_text(window, row) == "Already saved"
    assert panel.title_label.text() == "Finished: nothing new downloaded; 20 already there"


async def test_ctrl_d_downloads_the_selected_rows_only(
    make_window: WindowFactory, demo_server: DemoServer, tmp_path: Path
) -> None:
    window = await demo_window(make_window, demo_server)
    ks = keys(6)
    await window.ids.add_text(text_of(ks))
    selection = window.view.selectionModel()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for proxy_row in (1, 4):
        selection.select(window.proxy.index(proxy_row, 0), flags)
    rows, selected, excluded = window.downloads.rows_to_download()
    assert selected
    assert excluded == 0
    assert [r.fileid.key for r in rows] == [ks[1], ks[4]]
    dialog = window.downloads.show_dialog()
    assert dialog is not None
    assert dialog.selected_radio.isChecked()
    assert dialog.selected_radio.text() == "The 2 &selected rows"
    assert dialog.scope().value == "selected"
    assert dialog.files() == 2
    dialog.reject()
    summary = await download(window, tmp_path, rows)
    assert summary is not None
    assert summary.downloaded == 2
    assert set(states(window)) == {ks[1], ks[4]}


async def test_dialog_checks_its_fields_and_warns_about_overwrite(
    window: MainWindow, tmp_path: Path
) -> None:
    settings = window.session.settings
    settings.download_dir = str(tmp_path / "kept")
    settings.download_layout = "flat"
    settings.on_exists = "rename"
    settings.download_concurrency = 32  # the settings allow more than the engine runs
    dialog = DownloadDialog(settings, everything=ScopeCounts(3), parent=window)
    most = min(32, MAX_DOWNLOAD_CONCURRENCY)  # the engine's bound
    assert dialog.folder_edit.text() == str(tmp_path / "kept")
    assert dialog.chosen_layout() is Layout.FLAT
    assert dialog.chosen_on_exists() is OnExists.RENAME
    assert dialog.concurrency_spin.value() == most
    assert dialog.overwrite_warning.isHidden()
    dialog.exists_combo.setCurrentIndex(dialog.exists_combo.findData(OnExists.OVERWRITE))
    assert not dialog.overwrite_warning.isHidden()
    assert "destructive" in dialog.exists_combo.currentText()

    dialog.folder_edit.setText("relative/folder")
    dialog.accept()
    assert dialog.options() is None
    assert "full path" in dialog.error.text()

    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    dialog.folder_edit.setText(str(a_file))
    dialog.accept()
    assert dialog.options() is None
    assert "is a file" in dialog.error.text()

    dialog.folder_edit.setText(str(tmp_path / "out"))
    dialog.limit_box.setChecked(True)
    dialog.rate_edit.setText("fast please")
    dialog.accept()
    assert dialog.options() is None
    assert "speed limit" in dialog.error.text()

    dialog.rate_edit.setText("1.5M")
    dialog.accept()
    options = dialog.options()
    assert options == DownloadOptions(
        dest=tmp_path / "out",
        layout=Layout.FLAT,
        on_exists=OnExists.OVERWRITE,
        concurrency=most,
        limit_rate=1536 * 1024,
    )
    assert dialog.rate_text() == "1.5M"
    dialog.apply_to(settings)
    assert (settings.download_dir, settings.download_layout, settings.on_exists) == (
        str(tmp_path / "out"),
        "flat",
        "overwrite",
    )
    assert settings.download_concurrency == most


async def test_nothing_to_download_says_so(window: MainWindow) -> None:
    assert window.downloads.show_dialog() is None
    assert "add IDs first" in window.message_label.text()
    assert not window.download_button.isEnabled()
    await window.ids.add_text(PROD.fileid("gen/a.bin"))
    await wait_until(lambda: window.download_button.isEnabled(), 5)


# --- progress, pause, resume, cancel ----------------------------------------------------


async def test_pause_resume_and_cancel_keep_partial_files_then_finish_with_range(
    make_window: WindowFactory, demo_server: DemoServer, tmp_path: Path
) -> None:
    window = await demo_window(make_window, demo_server)
    ks = keys(3, "3M", "big")
    await window.ids.add_text(text_of(ks))
    controller = window.downloads
    rows = controller.rows_to_download()[0]
    options = DownloadOptions(dest=tmp_path, concurrency=3, limit_rate=3 << 20)
    task = window.tasks.start(task_names.DOWNLOAD, controller.download_rows(rows, options))
    assert task is not None
    panel = controller.panel

    await wait_until(lambda: moving(rows), 15)
    await wait_until(lambda: "of 3 files" in panel.detail_label.text(), 5)
    assert panel.pause_button.isVisible()
    assert panel.bar.isVisible()
    # Each moving row's Status says how far it is.
    await wait_until(lambda: any(cell_text(window, r).endswith(" %") for r in rows), 5)
    assert any(cell_text(window, r).startswith("Downloading ") for r in rows)

    panel.pause_button.click()
    assert controller.paused
    assert panel.pause_button.text() == "Resume"
    await wait_until(lambda: all(r.download.state is FileState.PAUSED for r in rows), 5)
    # The panel says a report with the rows' states, at the model's next flush.
    await wait_until(lambda: "paused" in panel.detail_label.text(), 2)
    assert panel.title_label.text().startswith("Paused: ")  # not "Downloading 3 files"
    assert cell_text(window, rows[0]).startswith("Paused")
    held = [p.stat().st_size for p in parts(tmp_path)]
    asked = len(demo_server.state.stats.downloads)
    await asyncio.sleep(0.4)
    assert len(demo_server.state.stats.downloads) == asked  # nothing new while paused
    assert [p.stat().st_size for p in parts(tmp_path)] == held

    panel.pause_button.click()  # Resume
    assert not controller.paused
    await wait_until(lambda: len(demo_server.state.stats.downloads) > asked, 10)
    resumed = demo_server.state.stats.downloads[asked:]
    assert any(d.range and not d.range.startswith("bytes=0-") for d in resumed)

    panel.cancel_button.click()
    summary = await asyncio.wait_for(task, 10)
    assert summary.stopped == 3
    assert set(states(window).values()) == {FileState.CANCELLED}
    assert cell_text(window, rows[0]).startswith("Stopped")
    assert len(parts(tmp_path)) == 3
    assert not SessionStore().path.exists()  # cancelled on purpose: not offered again
    assert panel.title_label.text().startswith("Cancelled: 0 of 3 files saved")
    assert "Download the rest resumes them" in panel.detail_label.text()
    assert panel.rest_button.isVisible()
    assert window.downloads.rest_rows() == rows

    # Download the rest resumes the partial files and ends byte-exact.
    again = await window.downloads.download_rest()
    assert again is not None
    assert again.downloaded == 3
    assert_exact(tmp_path, ks)
    ranges = [d.range for d in demo_server.state.stats.downloads if d.range]
    assert any(not r.startswith("bytes=0-") for r in ranges)


async def test_a_failed_download_is_retried(
    make_window: WindowFactory, demo_server: DemoServer, tmp_path: Path, monkeypatch
) -> None:
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    window = await demo_window(make_window, demo_server)
    ks = keys(4)
    await window.ids.add_text(text_of(ks))
    await window.resolver.resolve_rows()
    demo_server.state.script_faults("download", ["html404"])
    summary = await download(window, tmp_path, concurrency=1)
    assert summary is not None
    assert (summary.downloaded, summary.failed) == (3, 1)
    failed = window.downloads.failed_rows()
    assert len(failed) == 1
    row = failed[0]
    assert cell_text(window, row).startswith("Download failed: ")
    tip = cell_tip(window, row)
    assert "404" in tip or "HTML" in tip
    panel = window.downloads.panel
    assert panel.retry_button.isVisible()
    assert panel.title_label.text().endswith("; 1 failed")
    # One failure: the panel names it and says why.
    assert f"Failed: {row.fileid.key} — " in panel.detail_label.text()
    assert panel.tone is Tone.WARNING  # most files got through

    # The row menu offers Show in folder for finished rows and Retry for failed ones.
    done_row = next(r for r in window.model.rows() if r is not row)
    menu = QMenu(window)
    window.downloads.extend_menu(menu, [done_row])
    show = next(a for a in menu.actions() if a.text() == "Show in folder")
    assert show.isEnabled()
    show.trigger()
    assert opened == [QUrl.fromLocalFile(str(target(tmp_path, done_row.fileid.key).parent))]
    menu = QMenu(window)
    window.downloads.extend_menu(menu, [row])
    retry = next(a for a in menu.actions() if a.text() == "Retry download")
    assert retry.isEnabled()

    panel.retry_button.click()
    task = window.tasks.get(task_names.DOWNLOAD)
    assert task is not None
    again = await asyncio.wait_for(task, 20)
    assert (again.downloaded, again.failed) == (1, 0)
    assert window.downloads.failed_rows() == []
    assert_exact(tmp_path, ks)
    assert window.banners.banner("download") is None

    panel.folder_button.click()
    assert opened[-1] == QUrl.fromLocalFile(str(tmp_path))


async def test_the_overall_bar_says_files_bytes_speed_and_time_left(qtbot) -> None:
    panel = DownloadsPanel()
    qtbot.addWidget(panel)
    panel.start(Path("/data/out"), 20)
    assert panel.title_label.text() == "Downloading 20 files to /data/out"
    total = TotalProgress(
        files_done=3,
        files_failed=1,
        files_total=20,
        bytes_done=1 << 20,
        bytes_total=4 << 20,
        speed=512 * 1024,
        eta=6.2,
    )
    panel.set_progress(total)
    assert panel.detail_label.text() == (
        "3 of 20 files · 1.0 MiB of 4.0 MiB · 512.0 KiB/s · a few seconds left · 1 failed"
    )
    assert panel.bar.value() == 250  # a quarter of the bytes
    paused = TotalProgress(3, 0, 20, 1 << 20, 4 << 20, 0.0, None, paused=True)
    panel.set_progress(paused)
    assert panel.detail_label.text() == "3 of 20 files · 1.0 MiB of 4.0 MiB · paused"
    assert panel.pause_button.text() == "Resume"
    summary = DownloadSummary(Path("/data/out"), 290, 1288490189, 10, 0)
    panel.finish(summary)
    assert panel.title_label.text() == "Finished: 290 files downloaded (1.2 GiB); 10 already there"
    assert panel.detail_label.text() == "Saved in /data/out"
    assert panel.bar.isHidden()
    assert panel.tone is Tone.SUCCESS
    assert panel.folder_button.isVisible()
    assert panel.retry_button.isHidden()
    panel.finish(DownloadSummary(Path("/data/out"), failed=3))
    assert panel.tone is Tone.DANGER  # nothing got through
    assert panel.retry_button.isVisible()


def progress_of(ks: list[str]) -> list[FileProgress]:
    """Reports of every kind of state, as the engine sends them."""
    kinds = [FileState.DOWNLOADING, FileState.DONE, FileState.DOWNLOADING, FileState.FAILED]
    return [
        FileProgress(
            fileid=parse_fileid(PROD.fileid(k)),
            state=kinds[n % len(kinds)] if n % 7 else FileState.QUEUED,
            path=Path("/d") / k,
            bytes_done=n,
            bytes_total=max(n, 10_000),
            speed=1e6,
            errmsg="The file is not on the server (404 Not Found)" if n % 4 == 3 else "",
            resumed_from=0,
            index=n,
        )
        for n, k in enumerate(ks)
    ]


async def test_ten_thousand_rows_update_in_a_few_ranged_signals(window: MainWindow) -> None:
    ks = [f"gen/many/{n:05d}.bin" for n in range(10_000)]
    await window.ids.add_text(text_of(ks))
    model = window.model
    model.flush()
    signals: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda a, b, _roles=(): signals.append((a.row(), b.row())))
    controller = window.downloads
    cells = progress_of(ks)
    total = TotalProgress(0, 0, 10_000, 0, 0, 0.0, None)
    for start in range(0, 10_000, 500):  # twenty engine reports in a row
        controller.show_progress(cells[start : start + 500], total)
    assert signals == []  # nothing per report: the model coalesces
    model.flush()
    assert signals == [(0, 9_999)]
    assert cell_text(window, model.row_at(2)) == "Downloading 0 %"
    assert cell_text(window, model.row_at(1)) == "Saved"
    assert cell_text(window, model.row_at(3)) == (
        "Download failed: The file is not on the server (404 Not Found)"
    )
    assert cell_text(window, model.row_at(0)) == "Queued"
    window.proxy.sort(Column.STATUS)  # failures first, finished files last
    assert model.row_at(0).download.state is FileState.FAILED
    assert model.row_at(9_999).download.state is FileState.DONE


async def test_the_model_passes_qt_checks_with_download_states(
    window: MainWindow, qtmodeltester
) -> None:
    ks = [f"gen/few/{n:02d}.bin" for n in range(40)]
    await window.ids.add_text(text_of(ks))
    window.downloads.show_progress(progress_of(ks), TotalProgress(0, 0, 40, 0, 0, 0.0, None))
    window.model.flush()
    qtmodeltester.check(window.model, force_py=True)
    window.proxy.sort(Column.STATUS, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(window.proxy, force_py=True)
    # Painting every state (the delegate) raises nothing and fills the cells.
    image = window.view.grab().toImage()
    assert image.width() > 0


# --- errors -------------------------------------------------------------------------------


async def test_a_token_error_pauses_downloads_until_the_token_works(
    make_window: WindowFactory, tmp_path: Path
) -> None:
    state = DemoState()
    with DemoServer(state) as server:
        window = await demo_window(make_window, server)
        ks = keys(10)
        await window.ids.add_text(text_of(ks))
        state.expire_token(DEMO_TOKEN)
        summary = await download(window, tmp_path)
        assert summary is not None
        assert summary.waiting == 10
        assert (summary.downloaded, summary.failed, summary.stopped) == (0, 0, 0)
        assert len(window.downloads.waiting_rows()) == 10
        row = window.downloads.waiting_rows()[0]
        assert cell_text(window, row) == "Waiting for token"
        banner = window.banners.banner("download")
        assert banner is not None
        assert banner.text.startswith("Downloads paused:")
        assert "10 files are waiting" in banner.text
        assert banner.button_texts() == ["Set token…", "Resume downloads"]
        check = window.tasks.get("check-token")
        if check is not None:
            await asyncio.wait_for(check, 10)
        assert window.token_panel.badge.state is TokenState.EXPIRED
        saved = SessionStore().load()
        assert saved is not None
        assert len(saved.unfinished()) == 10  # still offered after a restart

        state.add_token("fresh-demo-token", "component")
        await window.tokens.save_token("fresh-demo-token")
        banner.click("Resume downloads")
        task = window.tasks.get(task_names.DOWNLOAD)
        assert task is not None
        again = await asyncio.wait_for(task, 20)
        assert again.downloaded == 10
        assert_exact(tmp_path, ks)
        assert window.downloads.waiting_rows() == []
        assert not SessionStore().path.exists()


async def test_a_full_disk_stops_with_a_banner_keeps_parts_and_resumes_after_restart(
    make_window: WindowFactory,
    demo_server: DemoServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = await env_token_window(make_window, demo_server, monkeypatch)
    ks = keys(4, "512K", "disk")
    await window.ids.add_text(text_of(ks))
    real_write = PartFile.write
    monkeypatch.setattr(PartFile, "write", disk_full_after(600_000))
    summary = await download(window, tmp_path, concurrency=2)
    assert summary is not None
    assert summary.downloaded < 4
    banner = window.banners.banner("download")
    assert banner is not None
    assert "disk is full" in banner.text
    assert "Show in folder" in banner.button_texts()
    assert parts(tmp_path)
    saved = SessionStore().load()
    assert saved is not None
    assert saved.has_unfinished

    # The next window offers the list; resuming finishes it from the partial files.
    monkeypatch.setattr(PartFile, "write", real_write)
    await window.aclose()
    second = await env_token_window(make_window, demo_server, monkeypatch)
    offered = await second.downloads.restore_session()
    assert offered is not None
    offer = second.banners.banner(RESUME_BANNER)
    assert offer is not None
    assert offer.button_texts() == ["Resume", "Discard"]
    assert second.model.rowCount() == 4
    asked = len(demo_server.state.stats.downloads)
    offer.click("Resume")
    task = second.tasks.get(task_names.DOWNLOAD)
    assert task is not None
    await asyncio.wait_for(task, 20)
    assert_exact(tmp_path, ks)
    assert not parts(tmp_path)
    later = demo_server.state.stats.downloads[asked:]
    assert any(d.range and not d.range.startswith("bytes=0-") for d in later)
    assert not SessionStore().path.exists()


# --- the list survives the window -----------------------------------------------------------


async def test_closing_mid_download_keeps_the_list_and_the_next_window_resumes_it(
    make_window: WindowFactory,
    demo_server: DemoServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    window = await env_token_window(make_window, demo_server, monkeypatch)
    ks = keys(3, "2M", "closed")
    small = keys(2, "8K", "small")
    await window.ids.add_text(text_of(small + ks))
    controller = window.downloads
    rows = controller.rows_to_download()[0]
    options = DownloadOptions(dest=tmp_path, concurrency=2, limit_rate=2 << 20)
    window.tasks.start(task_names.DOWNLOAD, controller.download_rows(rows, options))

    def big_parts() -> list[Path]:
        # Under RECORDED_FROM, a file's bytes come in the engine's own folder
        # (.tcb-gui/tmp) and move beside its name as its .part when the run stops.
        return [p for p in parts(tmp_path) if p.name.startswith("closed-") and p.stat().st_size]

    await wait_until(lambda: len(big_parts()) == 2, 15)
    # While it runs, Ctrl+D says a download is running instead of opening a second one.
    assert window.downloads.show_dialog() is None
    assert "A download is running" in window.message_label.text()
    await window.aclose()  # what closing the window does: tasks cancelled and awaited
    await asyncio.sleep(0.05)
    gc.collect()
    assert "Task was destroyed" not in caplog.text
    assert "Exception in callback" not in caplog.text

    saved = SessionStore().load()
    assert saved is not None
    assert saved.options() == options
    assert "sign=" not in SessionStore().path.read_text("utf-8")
    assert DEMO_TOKEN not in SessionStore().path.read_text("utf-8")
    left = {f.fileid for f in saved.unfinished()}
    assert {PROD.fileid(k) for k in ks} <= left
    kept = big_parts()
    assert len(kept) == 2
    assert all(p.parent.name == "size-2M" for p in kept)  # beside their names, to resume

    second = await env_token_window(make_window, demo_server, monkeypatch)
    await second.ids.add_text(text_of(small))  # rows already listed are not added twice
    offered = await second.downloads.restore_session()
    assert offered is not None
    assert second.model.rowCount() == 5
    paused = [r for r in second.model.rows() if r.download and r.download.state is FileState.PAUSED]
    assert {r.fileid.raw for r in paused} == left
    banner = second.banners.banner(RESUME_BANNER)
    assert banner is not None
    assert "did not finish" in banner.text
    assert str(tmp_path) in banner.text

    summary = await second.downloads.resume_session()
    assert summary is not None
    # (A small file may have been saved just as the window closed: then it is complete.)
    assert summary.downloaded + summary.skipped == len(left)
    assert summary.downloaded >= 3
    assert_exact(tmp_path, ks + small)
    # The partial files were continued, not started over.
    for part in kept:
        key = str(part.relative_to(tmp_path / PROD.env))[: -len(".part")]
        ranges = [d.range for d in demo_server.state.stats.downloads if d.key == key]
        assert any(r and not r.startswith("bytes=0-") for r in ranges), key
    assert not SessionStore().path.exists()


async def test_discarding_the_offered_list_forgets_it(window: MainWindow, tmp_path: Path) -> None:
    ks = keys(3)
    store = SessionStore()
    write_saved_list(
        store.path,
        tmp_path,
        {"fileid": PROD.fileid(ks[0]), "state": "done", "bytes_done": 65536},
        {"fileid": PROD.fileid(ks[1]), "state": "downloading", "bytes_done": 100},
        {"fileid": PROD.fileid(ks[2]), "state": "queued"},
    )
    offered = await window.downloads.restore_session()
    assert offered is not None
    banner = window.banners.banner(RESUME_BANNER)
    assert banner is not None
    assert "2 files are left (1 complete)" in banner.text
    assert [cell_text(window, r) for r in window.model.rows()] == [
        "Saved",
        "Paused",
        "Paused",
    ]
    banner.click("Discard")
    await wait_until(lambda: window.downloads.offered is None and not store.path.exists(), 5)
    await wait_until(lambda: "discarded" in window.message_label.text(), 5)
    assert window.banners.banner(RESUME_BANNER) is None
    assert [cell_text(window, r) for r in window.model.rows()] == ["Saved", "Pending", "Pending"]
    assert await window.downloads.restore_session() is None


async def test_a_finished_or_damaged_list_is_not_offered(window: MainWindow) -> None:
    store = SessionStore()
    store.path.parent.mkdir(parents=True, exist_ok=True)
    store.path.write_text("{not json", "utf-8")
    assert await window.downloads.restore_session() is None
    assert window.banners.banner(RESUME_BANNER) is None
    assert window.model.rowCount() == 0


def test_part_path_is_what_the_tests_look_for(tmp_path: Path) -> None:
    # The tests above find partial files by their suffix; keep them honest.
    assert part_path(tmp_path / "a.bin").name.endswith(".part")


async def test_rows_of_an_environment_the_account_does_not_have_are_left_out(
    make_window: WindowFactory, demo_server: DemoServer
) -> None:
    """Asked again, they are refused again (-501005): like a missing file, they are left
    out of "rows that have or can get a link" rather than cost a call to fail once more."""
    window = await demo_window(make_window, demo_server)
    ks = keys(3)
    await window.ids.add_text(text_of(ks) + "\ncloud://nosuch-env-9z.nosuch-bucket/a.bin")
    await window.resolver.resolve_rows()
    rows, selected, excluded = window.downloads.rows_to_download()
    assert not selected
    assert excluded == 1
    assert [r.fileid.key for r in rows] == ks
    dialog = window.downloads.show_dialog()
    assert dialog is not None
    assert dialog.left_out.text() == (
        "1 row is left out: the service said its file does not exist, may not be read, or "
        "is in an environment this account does not have."
    )
    dialog.reject()
