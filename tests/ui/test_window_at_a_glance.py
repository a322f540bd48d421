"""Issue 11, "a window an operator can read at a glance": one test per item of "What is
wrong today", reading models and widgets (not pixels), against the demo service over
loopback where a service is needed."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QItemSelectionModel, QObject, QRect, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QKeySequence, QPaintEvent, QRegion
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMenu, QStyle

from tcb_gui.core.downloads import TotalProgress
from tcb_gui.core.errors import TokenState
from tcb_gui.core.export import ExportFormat
from tcb_gui.core.fileids import parse_fileid
from tcb_gui.core.tokens import TokenSource
from tcb_gui.demo.samples import PROD, sample_list_text
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DEMO_TOKEN
from tcb_gui.ui import task_names
from tcb_gui.ui.download_cells import DownloadSummary
from tcb_gui.ui.download_dialog import DownloadDialog
from tcb_gui.ui.downloads_panel import DownloadsPanel
from tcb_gui.ui.export_dialog import ExportDialog
from tcb_gui.ui.main_window import MainWindow
from tcb_gui.ui.palette import Tone, contrast_ratio, indicator_border
from tcb_gui.ui.results_model import Column, Row
from tcb_gui.ui.results_proxy import StatusFilter
from tcb_gui.ui.settings_dialog import SettingsDialog
from tcb_gui.ui.single_instance import InstanceServer, hand_over
from tcb_gui.ui.tcb_style import TcbStyle
from tcb_gui.ui.theme import apply_theme, dark_palette, theme_manager
from tcb_gui.ui.token_badge import BadgeInfo, TokenBadge
from tests.ui.conftest import WindowFactory, demo_window, wait_until

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only
ROOT = Path(__file__).resolve().parents[2]


async def resolved_samples(make_window: WindowFactory, server: DemoServer) -> MainWindow:
    window = await demo_window(make_window, server)
    await window.ids.add_text(sample_list_text(), source="samples")
    await window.resolver.resolve_rows()
    window.model.flush()
    return window


def row_of(window: MainWindow, key: str, env: str | None = None) -> Row:
    for row in window.model.rows():
        if row.fileid.key == key and (env is None or row.fileid.env == env):
            return row
    raise KeyError(key)


def status(window: MainWindow, row: Row, role: int = Qt.ItemDataRole.DisplayRole) -> str:
    return window.model.index(row.pos, Column.STATUS).data(role)


def focus_row(window: MainWindow, row: Row, column: Column = Column.FILE) -> None:
    source = window.model.index(row.pos, column)
    index = window.proxy.mapFromSource(source)
    window.view.setCurrentIndex(index)
    window.view.setFocus()


# --- 1. why a file failed ------------------------------------------------------------------


async def test_1_the_status_says_the_specific_outcome_and_the_reason_is_one_key_away(
    make_window: WindowFactory, demo_server: DemoServer, qtbot
) -> None:
    window = await resolved_samples(make_window, demo_server)
    expected = {
        "private/keys/server-1.pem": "No permission",
        "deleted/old-1.jpg": "Not found",
        "uploads/user_001/avatar.png": "Wrong environment",
        "archive/old.txt": "Unknown environment",
        "images/2024/01/IMG_0101.jpg": "Ready",
    }
    for key, words in expected.items():
        row = row_of(window, key, "demo-prod-7g3k" if key != "archive/old.txt" else None)
        assert status(window, row) == words, key
    # The reason is no longer red text cut short in the Link column.
    denied = row_of(window, "private/keys/server-1.pem")
    assert window.model.index(denied.pos, Column.LINK).data() == ""
    tip = status(window, denied, Qt.ItemDataRole.ToolTipRole)
    assert "STORAGE_EXCEED_AUTHORITY" in tip  # the service's own words, whole
    assert "permission rules" in tip  # and what to do

    # One keypress: Return on a row without a link opens the details pane with it all.
    window.set_details_shown(False)
    focus_row(window, denied)
    qtbot.keyClick(window.view, Qt.Key.Key_Return)
    assert window.details.isVisible()
    text = window.details.text()
    assert text.startswith("private/keys/server-1.pem — No permission")
    assert "STORAGE_EXCEED_AUTHORITY" in text
    assert denied.fileid.raw in text
    # Ctrl+I hides and shows it; it follows the current row.
    window.act_details.trigger()
    assert not window.details.isVisible()
    window.act_details.trigger()
    missing = row_of(window, "deleted/old-1.jpg", "demo-prod-7g3k")
    focus_row(window, missing)
    assert window.details.text().startswith("deleted/old-1.jpg — Not found")


# --- 2. truthful progress --------------------------------------------------------------------


def test_2_progress_is_of_the_whole_run_and_time_left_is_a_duration(qtbot) -> None:
    panel = DownloadsPanel()
    qtbot.addWidget(panel)
    panel.start(Path("/data/out"), 6)
    # Sizes still coming: the total is an estimate, and says so.
    early = TotalProgress(0, 0, 6, 54 << 20, 240 << 20, 10 << 20, 18.6, total_estimated=True)
    panel.set_progress(early)
    assert panel.detail_label.text() == (
        "0 of 6 files · 54.0 MiB of about 240.0 MiB · 10.0 MiB/s · 19 s left"
    )
    # Time left is a duration: 0 is "a few seconds", never a link's "expired".
    panel.set_progress(TotalProgress(5, 0, 6, 239 << 20, 240 << 20, 10 << 20, 0.0))
    assert "expired" not in panel.detail_label.text()
    assert panel.detail_label.text().endswith("a few seconds left")
    panel.set_progress(TotalProgress(1, 0, 6, 1 << 20, 240 << 20, 40 * 1024, 6100.0))
    assert panel.detail_label.text().endswith("1 h 42 min left")
    # Paused, cancelled and finished runs say so in the headline.
    panel.set_progress(TotalProgress(2, 0, 6, 80 << 20, 240 << 20, 0.0, None, paused=True))
    assert panel.title_label.text() == "Paused: 2 of 6 files saved in /data/out"
    panel.finish(DownloadSummary(Path("/data/out"), 2, 80 << 20, stopped=4, cancelled=True))
    assert panel.title_label.text() == "Cancelled: 2 of 6 files saved (80.0 MiB)"
    panel.finish(DownloadSummary(Path("/data/out"), 6, 240 << 20))
    assert panel.title_label.text() == "Finished: 6 files downloaded (240.0 MiB)"


async def test_2_a_six_file_run_at_two_at_a_time_shows_the_full_total_from_its_first_report(
    make_window: WindowFactory, demo_server: DemoServer, tmp_path: Path
) -> None:
    from tcb_gui.core.downloads import DownloadOptions

    window = await demo_window(make_window, demo_server)
    size = 2 << 20
    await window.ids.add_text("\n".join(PROD.fileid(f"gen/size-2M/six-{n}.bin") for n in range(6)))
    reports: list[tuple[TotalProgress, str]] = []
    panel = window.downloads_panel
    real = panel.set_progress

    def spy(total: TotalProgress) -> None:
        real(total)
        reports.append((total, panel.detail_label.text()))

    panel.set_progress = spy  # type: ignore[method-assign]
    rows = window.downloads.rows_to_download()[0]
    options = DownloadOptions(dest=tmp_path, concurrency=2, limit_rate=8 << 20)
    summary = await window.downloads.download_rows(rows, options)
    assert summary is not None
    assert summary.downloaded == 6
    moving = [(t, text) for t, text in reports if t.bytes_done > 0]
    first, first_text = moving[0]
    assert first.bytes_total == 6 * size  # all six, not the two started
    assert "of about 12.0 MiB" in first_text or "of 12.0 MiB" in first_text
    assert all("expired" not in text for _t, text in reports)


# --- 3. the table at ordinary sizes ----------------------------------------------------------


async def test_3_copy_and_open_stay_in_view_at_960_px_after_a_download(
    make_window: WindowFactory, demo_server: DemoServer, tmp_path: Path
) -> None:
    from tcb_gui.core.downloads import DownloadOptions

    window = await demo_window(make_window, demo_server)
    await window.ids.add_text("\n".join(PROD.fileid(f"gen/size-1K/t-{n}.bin") for n in range(8)))
    await window.resolver.resolve_rows()
    summary = await window.downloads.download_rows(
        window.downloads.rows_to_download()[0], DownloadOptions(dest=tmp_path)
    )
    assert summary is not None
    assert [c.name for c in Column] == [
        "NUMBER",
        "FILE",
        "ENV",
        "STATUS",
        "EXPIRES",
        "LINK",
        "ACTIONS",
    ]  # no Download column: the download is the row's Status
    view = window.view
    for width in (960, 1200, 1400):
        window.resize(width, 700)
        await asyncio.sleep(0.1)
        assert not view.horizontalScrollBar().isVisible(), width
        x = view.columnViewportPosition(Column.ACTIONS)
        cell = view.visualRect(view.model().index(0, Column.ACTIONS))
        rects = view.actions_delegate.button_rects(cell, view.fontMetrics())
        assert x >= 0
        for rect in rects.values():
            assert rect.right() <= view.viewport().width(), width
        assert status(window, window.model.row_at(0)) == "Verified"
        if width >= 1200:
            assert not view.isColumnHidden(Column.LINK)  # room for it: shown
    window.resize(960, 700)
    await asyncio.sleep(0.05)
    assert view.isColumnHidden(Column.LINK)  # optional: it gives way first
    # The header's menu hides or shows the optional columns.
    menu = view.column_menu()
    assert [a.text() for a in menu.actions()] == ["Env", "Expires in", "Link"]
    menu.actions()[0].trigger()
    assert view.isColumnHidden(Column.ENV)
    assert window.prefs.get("hidden_columns") == ["env"]


# --- 4. what Ctrl+D downloads ------------------------------------------------------------


async def test_4_the_dialog_says_what_downloads_and_lets_you_switch(
    make_window: WindowFactory, demo_server: DemoServer, tmp_path: Path
) -> None:
    window = await demo_window(make_window, demo_server)
    keys = [f"gen/size-1K/s-{n}.bin" for n in range(5)]
    await window.ids.add_text("\n".join(PROD.fileid(k) for k in keys))
    # An earlier click left one row selected, scrolled away or not.
    flags = (
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
    )
    window.view.selectionModel().select(window.proxy.index(3, 0), flags)
    dialog = window.downloads.show_dialog()
    assert isinstance(dialog, DownloadDialog)
    assert dialog.all_radio.isChecked()  # one selected row is no choice: all, said so
    assert dialog.all_radio.text() == "&All 5 rows that have or can get a link"
    assert dialog.selected_radio.isEnabled()
    assert dialog.selected_radio.text() == "The 1 &selected row"
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert ok.text() == "Download 5 files"
    dialog.selected_radio.setChecked(True)
    assert ok.text() == "Download 1 file"
    dialog.folder_edit.setText(str(tmp_path))
    ok.click()
    task = window.tasks.get(task_names.DOWNLOAD)
    assert task is not None
    summary = await asyncio.wait_for(task, 20)
    assert summary.downloaded == 1
    assert [r.fileid.key for r in window.model.rows() if r.download] == [keys[3]]
    # After it, the rest is offered too (Download the rest after a Cancel is in
    # test_downloads_window): "all" again downloads what is left.
    again = window.downloads.show_dialog()
    assert again is not None
    assert again.all_radio.isChecked()
    again.reject()


# --- 5. exports that do what they say -------------------------------------------------------


async def test_5_the_format_follows_the_name_the_bom_and_the_folder_are_remembered(
    make_window: WindowFactory, demo_server: DemoServer, tmp_path: Path
) -> None:
    window = await demo_window(make_window, demo_server)
    await window.ids.add_paths([_ids_file(tmp_path, "orders.txt", 3)])
    await window.resolver.resolve_rows()
    window.prefs.set("export_dir", str(tmp_path))
    dialog = window.choose_export()
    assert isinstance(dialog, ExportDialog)
    # Starts in the last folder, with the list's name and the date.
    suggested = dialog.path()
    assert suggested.parent == tmp_path
    assert suggested.name.startswith("orders 2")  # not "orders.txt 2026-…": no list extension
    assert suggested.suffix == ".csv"
    # Typing another extension switches the format; choosing a format, the extension.
    dialog.path_edit.setText(str(tmp_path / "export2.json"))
    assert dialog.fmt() is ExportFormat.JSON
    dialog.format_combo.setCurrentIndex(dialog.format_combo.findData("tsv"))
    assert dialog.path().name == "export2.tsv"
    dialog.path_edit.setText(str(tmp_path / "export2.json"))
    assert not dialog.bom_box.isEnabled()  # JSON with a BOM breaks JSON readers
    dialog.accept()
    task = window.tasks.get(task_names.EXPORT)
    assert task is not None
    await task
    records = json.loads((tmp_path / "export2.json").read_text("utf-8"))
    assert len(records) == 3
    assert "json" in window.message_label.text()

    # CSV with a BOM for Excel: written, and remembered with the folder and the format.
    other = tmp_path / "for-excel"
    other.mkdir()
    dialog = window.choose_export()
    assert dialog is not None
    assert dialog.fmt() is ExportFormat.JSON  # the last format
    dialog.path_edit.setText(str(other / "中文.csv"))
    dialog.bom_box.setChecked(True)
    dialog.accept()
    task = window.tasks.get(task_names.EXPORT)
    assert task is not None
    await task
    data = (other / "中文.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    third = window.choose_export()
    assert third is not None
    assert third.path().parent == other
    assert third.bom_box.isChecked()
    third.reject()


def _ids_file(folder: Path, name: str, count: int) -> Path:
    path = folder / name
    path.write_text("\n".join(PROD.fileid(f"gen/size-1K/e-{n}.bin") for n in range(count)), "utf-8")
    return path


# --- 6. messages that agree ----------------------------------------------------------------


async def test_6_the_banner_says_what_the_badge_says(
    make_window: WindowFactory, demo_server: DemoServer, window: MainWindow
) -> None:
    await window.ids.add_text(PROD.fileid("gen/size-1K/w.bin"))
    await window.resolver.resolve_rows()  # no token
    badge = window.token_panel.badge
    banner = window.banners.banner("run")
    assert badge.state is TokenState.NOT_SET
    assert banner is not None
    assert banner.text.startswith("Set a token first")
    # The badge learns the service is out of reach: the banner follows, not contradicts.
    window.tokens.show_state(TokenState.UNREACHABLE, "no answer")
    banner = window.banners.banner("run")
    assert banner is not None
    assert "cannot be reached" in banner.text
    assert "Check connection…" in banner.button_texts()
    assert window.model.words.text(window.model.row_at(0)) == "Waiting for token"


async def test_6_where_a_token_is_kept_is_said_the_same_everywhere(
    make_window: WindowFactory, demo_server: DemoServer
) -> None:
    import keyring
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())  # restored by the memory_keyring fixture
    window = make_window(base_url=demo_server.base_url)
    dialog = window.tokens.show_token_dialog()
    assert "session only" in dialog.findChildren(type(window.counts_label))[0].text()
    dialog.reject()
    await window.tokens.save_token(DEMO_TOKEN)
    keyring_banner = window.banners.banner("keyring")
    assert keyring_banner is not None
    assert "session only" in keyring_banner.text
    assert "session only" in window.message_label.text()  # not "Token saved"
    assert "saved" not in window.message_label.text().lower().split("session")[0]
    assert window.token_panel.badge.info.source is TokenSource.SESSION


async def test_6_the_demo_token_dialog_promises_no_keyring(
    make_window: WindowFactory, demo_server: DemoServer
) -> None:
    window = await demo_window(make_window, demo_server)
    dialog = window.tokens.show_token_dialog()
    words = " ".join(label.text() for label in dialog.findChildren(type(window.counts_label)))
    assert "demo" in words
    assert "kept in the system keyring" not in words
    dialog.reject()


async def test_6_another_list_from_history_forgets_the_last_download_and_resolved_lists_say_so(
    make_window: WindowFactory, demo_server: DemoServer, tmp_path: Path
) -> None:
    from tcb_gui.core.downloads import DownloadOptions

    window = await demo_window(make_window, demo_server)
    await window.ids.add_text(PROD.fileid("gen/size-1K/h.bin"))
    await window.resolver.resolve_rows()
    await window.resolver.resolve_rows()
    assert window.message_label.text() == "Every ID is resolved already."  # not "add IDs"
    await window.downloads.download_rows(window.model.rows(), DownloadOptions(dest=tmp_path))
    assert window.downloads_panel.isVisible()
    window.history.clear_list()  # what opening another list does to the model: a reset
    assert not window.downloads_panel.isVisible()


# --- 7. recoverable actions ------------------------------------------------------------------


async def test_7_clear_and_remove_can_be_undone_and_history_names_what_became_of_a_list(
    make_window: WindowFactory, demo_server: DemoServer, qtbot
) -> None:
    window = await resolved_samples(make_window, demo_server)
    total = window.model.rowCount()
    failed = window.model.counts().failed
    window.clear_button.click()
    assert window.model.rowCount() == 0
    banner = window.banners.banner("undo")
    assert banner is not None
    assert banner.button_texts() == ["Undo"]
    assert window.act_undo.isEnabled()
    window.act_undo.trigger()
    assert window.model.rowCount() == total
    assert window.model.counts().failed == failed  # states and links came back too
    assert window.banners.banner("undo") is None

    # Remove selected rows with Delete; Ctrl+Z puts them back.
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for proxy_row in (0, 2, 4):
        window.view.selectionModel().select(window.proxy.index(proxy_row, 0), flags)
    window.view.setFocus()
    assert window.act_remove.shortcut() == QKeySequence(QKeySequence.StandardKey.Delete)
    window.act_remove.trigger()
    assert window.model.rowCount() == total - 3
    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.model.rowCount() == total
    assert [r.index for r in window.model.rows()][:5] == [0, 1, 2, 3, 4]

    # History entries say what became of the list, not just "250 IDs · date".
    from tcb_gui.core.history import HistoryEntry

    entry = HistoryEntry("e", 1.0, 1.0, total=250, ok=235, failed=15)
    label = window.history.entry_label(entry)
    assert label.startswith("250 IDs: 235 ready, 15 failed · ")


# --- 8. copy with a filter ---------------------------------------------------------------


async def test_8_ctrl_shift_c_copies_the_links_shown_and_the_count_says_how_many(
    make_window: WindowFactory, demo_server: DemoServer, qtbot, clipboard
) -> None:
    window = await resolved_samples(make_window, demo_server)
    total = window.model.rowCount()
    window.proxy.set_text_filter("images/2024/01/")
    window.model.flush()
    shown = window.proxy.rowCount()
    assert 0 < shown < total
    window._update_counts()
    assert window.counts_label.text().startswith(f"{shown} of {total} shown")
    window.view.setFocus()
    qtbot.keyClick(
        window.view,
        Qt.Key.Key_C,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    lines = QApplication.clipboard().text().splitlines()
    assert len(lines) == shown
    assert lines == [window.proxy.row_at(r).url for r in range(shown)]
    assert "of the rows shown" in window.message_label.text()


# --- 9. first impression --------------------------------------------------------------------


async def test_9_try_the_demo_sits_below_the_hint_whatever_the_viewport_does(
    window: MainWindow,
) -> None:
    view = window.view
    view.set_demo_offer(True)
    await asyncio.sleep(0.05)

    def clear_of_the_hint() -> bool:
        _top, hint_bottom = view._empty_layout(view.viewport().rect())
        button = view.demo_button.geometry()
        return button.top() >= hint_bottom and button.bottom() <= view.viewport().height()

    assert view.demo_button.isVisible()
    assert clear_of_the_hint()
    # The viewport changes without the view doing so (a taller header, a banner).
    view.horizontalHeader().setMinimumHeight(90)
    await asyncio.sleep(0.05)
    assert clear_of_the_hint()
    window.notifier.show_banner("run", Tone.WARNING, "A banner " * 8)
    await asyncio.sleep(0.05)
    assert clear_of_the_hint()


async def test_9_the_hint_is_painted_again_where_it_moves_for_the_demo_button(
    window: MainWindow, qtbot
) -> None:
    """The offer arrives after the first paint (the token check): the hint moves up to
    make room, so its new place must be repainted, not only the button's rectangle."""
    view = window.view
    viewport = view.viewport()
    qtbot.waitExposed(window)
    await asyncio.sleep(0.05)
    painted = QRegion()

    class PaintSpy(QObject):
        def eventFilter(self, _watched: QObject, event: QEvent) -> bool:
            nonlocal painted
            if isinstance(event, QPaintEvent):
                painted = painted.united(event.region())
            return False

    spy = PaintSpy()
    viewport.installEventFilter(spy)
    try:
        view.set_demo_offer(True)
        await asyncio.sleep(0.05)
    finally:
        viewport.removeEventFilter(spy)
    top, hint_bottom = view._empty_layout(viewport.rect())
    hint_band = QRect(0, top, viewport.width(), hint_bottom - top)
    assert view.demo_button.isVisible()
    assert painted.contains(hint_band)


# --- 10. dark theme ----------------------------------------------------------------------


def test_10_unticked_boxes_are_visible_in_the_dark_theme_and_buttons_carry_no_icons(
    qapp,
) -> None:
    manager = apply_theme("dark")
    try:
        style = QApplication.style()
        assert isinstance(style, TcbStyle)
        palette = dark_palette()
        border = indicator_border(palette)
        for role in (palette.ColorRole.Base, palette.ColorRole.Window):
            assert contrast_ratio(border, palette.color(role)) >= 3.0
        hint = QStyle.StyleHint.SH_DialogButtonBox_ButtonsHaveIcons
        assert style.styleHint(hint) == 0
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        assert box.button(QDialogButtonBox.StandardButton.Ok).icon().isNull()
    finally:
        manager._theme = "system"
        manager._applied = False
        theme_manager().apply("light")


# --- 11. keyboard and menus ----------------------------------------------------------------


@pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise", "grabbing the keyboard")
async def test_11_return_space_shift_f10_and_the_shortcuts(
    make_window: WindowFactory, demo_server: DemoServer, qtbot, clipboard, monkeypatch
) -> None:
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    window = await resolved_samples(make_window, demo_server)
    ready = row_of(window, "images/2024/01/IMG_0101.jpg")
    focus_row(window, ready, Column.ENV)  # any column, not only Actions
    qtbot.keyClick(window.view, Qt.Key.Key_Return)
    assert [u.toString(QUrl.ComponentFormattingOption.FullyEncoded) for u in opened] == [ready.url]
    qtbot.keyClick(window.view, Qt.Key.Key_Space)
    assert QApplication.clipboard().text() == ready.url

    menus: list[QMenu] = []
    real = window._context_menu
    window.view.customContextMenuRequested.disconnect()
    window.view.customContextMenuRequested.connect(lambda pos: menus.append(real(pos)))
    qtbot.keyClick(window.view, Qt.Key.Key_F10, Qt.KeyboardModifier.ShiftModifier)
    assert len(menus) == 1
    assert menus[0] is not None
    texts = [a.text() for a in menus[0].actions() if a.text()]
    for wanted in ("Open link", "Copy link", "Details", "Download…", "Show in folder"):
        assert wanted in texts
    assert "Remove this row" in texts
    menus[0].close()

    shortcuts = {
        window.act_cancel: "Esc",
        window.act_retry: "Ctrl+R",
        window.act_refresh: "Ctrl+F5",
        window.act_pause: "Ctrl+P",
        window.act_cancel_download: "Shift+Esc",
        window.act_retry_downloads: "Ctrl+Shift+D",
        window.act_details: "Ctrl+I",
        window.act_requests: "Ctrl+Shift+R",
    }
    for action, keys in shortcuts.items():
        assert action.shortcut() == QKeySequence(keys), action.text()
    labels = [window.status_combo.itemText(i) for i in range(window.status_combo.count())]
    assert "Download failed" in labels


async def test_11_download_failures_can_be_filtered_and_one_failure_is_named(
    make_window: WindowFactory, demo_server: DemoServer, tmp_path: Path
) -> None:
    from tcb_gui.core.downloads import DownloadOptions

    window = await demo_window(make_window, demo_server)
    keys = [f"gen/size-4K/f-{n}.bin" for n in range(4)]
    await window.ids.add_text("\n".join(PROD.fileid(k) for k in keys))
    await window.resolver.resolve_rows()
    demo_server.state.script_faults("download", ["html404"])
    summary = await window.downloads.download_rows(
        window.downloads.rows_to_download()[0], DownloadOptions(dest=tmp_path, concurrency=1)
    )
    assert summary is not None
    assert summary.failed == 1
    failed = window.downloads.failed_rows()[0]
    panel = window.downloads_panel
    assert f"Failed: {failed.fileid.key} — " in panel.detail_label.text()  # says which
    window.show_failed_downloads()
    assert window.proxy.status_filter is StatusFilter.DOWNLOAD_FAILED
    assert window.proxy.rowCount() == 1
    assert window.proxy.row_at(0) is failed
    assert status(window, failed).startswith("Download failed: ")
    assert window.counts_label.text().startswith("1 of 4 shown")


# --- 12. smaller ---------------------------------------------------------------------------


async def test_12_one_word_for_one_thing(
    make_window: WindowFactory, demo_server: DemoServer, qtbot
) -> None:
    window = await demo_window(make_window, demo_server)
    await window.ids.add_text(PROD.fileid("gen/size-1K/r.bin"))
    await window.resolver.resolve_rows()
    window.model.flush()
    # "Ready" in the rows, the filter and the status row alike.
    assert status(window, window.model.row_at(0)) == "Ready"
    assert window.status_combo.itemText(1) == "Ready"
    assert window.counts_label.text() == "1 ID · 1 ready"
    # The download dialog and Settings name the options the same.
    dialog = window.downloads.show_dialog()
    assert dialog is not None
    settings = SettingsDialog(window.session.settings, window, in_demo=window.session.in_demo)
    qtbot.addWidget(settings)
    for ours, theirs in ((dialog.layout_combo, settings.layout_combo),):
        assert [ours.itemText(i) for i in range(ours.count())] == [
            theirs.itemText(i) for i in range(theirs.count())
        ]
    assert [dialog.exists_combo.itemText(i) for i in range(3)] == [
        settings.on_exists_combo.itemText(i) for i in range(3)
    ]
    all_text = " ".join(w.text() for w in dialog.findChildren(type(window.counts_label)))
    assert "cannot be had" not in all_text
    dialog.reject()
    # Settings says the window uses the demo, not "Profile in use: default" alone.
    assert settings.demo_note.isVisibleTo(settings)
    assert "Demo service" in settings.demo_note.text()
    # Time left reads alike on every badge.
    badge = TokenBadge()
    qtbot.addWidget(badge)
    badge.set_info(BadgeInfo(TokenState.VALID, stable=True, time_left=7140))
    assert "1 h 59 min left" in badge.text
    assert "119 min" not in badge.text
    badge.set_info(BadgeInfo(TokenState.VALID, time_left=7140))
    assert "~1 h 59 min left" in badge.text


async def test_12_a_second_start_hands_its_files_to_the_running_window(
    window: MainWindow, tmp_path: Path
) -> None:
    server = InstanceServer(window)
    assert server.listen()
    got: list[list[str]] = []
    server.filesReceived.connect(got.append)
    server.filesReceived.connect(lambda paths: window.ids.add_files_later([Path(p) for p in paths]))
    ids = tmp_path / "handed.txt"
    ids.write_text(PROD.fileid("gen/size-1K/handed.bin") + "\n", "utf-8")
    # A second start: another process, the same user and folders.
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tcb_gui", str(ids), cwd=str(ROOT), env=env
    )
    code = await asyncio.wait_for(process.wait(), 60)
    assert code == 0
    await wait_until(lambda: window.model.rowCount() == 1, 10)
    assert got == [[str(ids)]]
    assert window.model.row_at(0).fileid == parse_fileid(PROD.fileid("gen/size-1K/handed.bin"))
    server.close()
    # With nothing listening, a start hands nothing over (it opens its own window).
    assert not hand_over([str(ids)], name=server.name + "-gone")


def test_12_the_chinese_title_keeps_the_product_name() -> None:
    ts = (ROOT / "resources" / "translations" / "tcb_gui_zh_CN.ts").read_text("utf-8")
    assert "TCB 链接工具" not in ts
    assert "<source>TCB Links</source>\n        <translation>TCB Links</translation>" in ts


# --- what to build, beside the twelve items ----------------------------------------------


@pytest.mark.qt_log_ignore("propagateSizeHints", "systemTrayWindowChanged")
async def test_a_long_job_that_ends_in_the_background_is_notified(
    window: MainWindow, monkeypatch
) -> None:
    from PySide6.QtWidgets import QSystemTrayIcon

    notifier = window.done_notifier
    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: True))
    monkeypatch.setattr(window, "isActiveWindow", lambda: False)
    window.resolver.finished.emit(2.0, "Done: 3 links, 0 failed.")
    assert notifier.sent == []  # a few seconds: the operator is still there
    window.resolver.finished.emit(42.0, "Done: 250 links, 15 failed.")
    assert [(n.title, n.text) for n in notifier.sent] == [
        ("Resolving finished", "Done: 250 links, 15 failed.")
    ]
    monkeypatch.setattr(window, "isActiveWindow", lambda: True)
    window.resolver.finished.emit(42.0, "Done again.")
    assert len(notifier.sent) == 1  # the window is in front: nothing to tell
    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: False))
    monkeypatch.setattr(window, "isActiveWindow", lambda: False)
    window.resolver.finished.emit(42.0, "No tray.")
    assert len(notifier.sent) == 1  # no system tray: the status line says it


async def test_a_big_resolve_asks_today_s_quota_once_and_asks_before_using_it_up(
    make_window: WindowFactory,
) -> None:
    from tcb_gui.demo.service import DemoConfig, DemoState

    state = DemoState(DemoConfig(daily_limit=150))
    with DemoServer(state) as server:
        window = await demo_window(make_window, server)
        ids = [PROD.fileid(f"gen/size-1K/q-{n:05d}.bin") for n in range(10_100)]  # 202 calls
        await window.ids.add_text("\n".join(ids))
        asked = state.stats.requests.get("quota/get", 0)
        task = window.tasks.start(task_names.RESOLVE, window.resolver.resolve_rows())
        await wait_until(lambda: window.quota_box is not None, 20)
        box = window.quota_box
        assert box is not None
        assert box.text() == "This run needs 202 calls; 150 remain today."
        assert window.message_label.text() == box.text()
        assert state.stats.requests.get("quota/get", 0) == asked + 1  # asked once
        box.reject()  # Cancel is the default
        assert task is not None
        await asyncio.wait_for(task, 10)
        assert window.model.counts().pending == 10_100  # nothing was asked for
        assert state.stats.requests.get("componenttcb/batchdownloadfile", 0) == 0
        assert window.message_label.text().startswith("Not started: This run needs 202")


@pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")
async def test_the_requests_view_and_check_connection_are_one_shortcut_away(
    make_window: WindowFactory, demo_server: DemoServer
) -> None:
    window = await demo_window(make_window, demo_server)
    await window.ids.add_text(PROD.fileid("gen/size-1K/req.bin"))
    await window.resolver.resolve_rows()
    assert window.requests is not None
    window.act_requests.trigger()
    assert window.requests.isVisible()
    await wait_until(lambda: window.requests.model.rowCount() > 0, 5)  # the resolve's call
    window.requests.hide()
    window.act_doctor.trigger()
    from tcb_gui.ui.doctor_dialog import DoctorDialog

    await wait_until(lambda: bool(window.findChildren(DoctorDialog)), 10)
    dialog = window.findChildren(DoctorDialog)[0]
    await wait_until(lambda: bool(dialog.checks) and not dialog.running, 20)
    assert dialog.ready
    dialog.reject()
