"""Export and Download offer the rows a filter shows, as Copy does (ui/row_scope.py): with
"w1" in the filter box, Ctrl+E starts on "The 3 rows shown" and writes those 3 (the links
Ctrl+Shift+C copies, no others), the selected rows are a choice too, and the download
dialog offers and starts on the rows shown."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel
from PySide6.QtWidgets import QApplication

from tcb_gui.core.export import ExportFormat
from tcb_gui.core.settings import Settings
from tcb_gui.demo.samples import PROD
from tcb_gui.demo.server import DemoServer
from tcb_gui.ui import task_names
from tcb_gui.ui.download_dialog import DownloadDialog, Scope, ScopeCounts
from tcb_gui.ui.export_dialog import ExportDialog
from tcb_gui.ui.main_window import MainWindow
from tests.ui.conftest import WindowFactory, demo_window

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only

KEYS = [f"gen/w{n}.bin" for n in range(12)]
SHOWN = ["gen/w1.bin", "gen/w10.bin", "gen/w11.bin"]  # what "w1" matches


async def _resolved(make_window: WindowFactory, server: DemoServer) -> MainWindow:
    window = await demo_window(make_window, server)
    await window.ids.add_text("\n".join(PROD.fileid(key) for key in KEYS))
    await window.resolver.resolve_rows()
    assert window.model.counts().ok == len(KEYS)
    return window


async def _export(window: MainWindow, dialog: ExportDialog, path: Path) -> str:
    dialog.path_edit.setText(str(path))
    dialog.accept()
    task = window.tasks.get(task_names.EXPORT)
    assert task is not None
    await task
    return path.read_text(encoding="utf-8")  # noqa: ASYNC240 (a small file, once written)


def _keys(text: str) -> list[str]:
    return [row["fileid"].split("/", 3)[3] for row in csv.DictReader(io.StringIO(text))]


async def test_a_filter_makes_export_start_on_the_rows_shown_and_write_only_them(
    make_window: WindowFactory, demo_server: DemoServer, tmp_path: Path, clipboard: object
) -> None:
    window = await _resolved(make_window, demo_server)
    window.filter_edit.setText("w1")
    window.text_filter.apply()
    assert window.proxy.rowCount() == len(SHOWN)

    dialog = window.choose_export()
    assert dialog is not None
    assert dialog.shown_radio.isVisible()
    assert dialog.shown_radio.isChecked()
    assert dialog.scope() is Scope.SHOWN
    assert dialog.shown_radio.text() == "The 3 rows s&hown (the filter hides the others)"
    assert dialog.intro.text().startswith("Export 3 rows ")
    assert _keys(await _export(window, dialog, tmp_path / "shown.csv")) == SHOWN

    # The same rows Ctrl+Shift+C copies from: one place decides which rows are shown.
    assert window.links.copy_working_links() == len(SHOWN)
    copied = QApplication.clipboard().text().split()
    dialog = window.choose_export()
    assert dialog is not None
    dialog.format_combo.setCurrentIndex(dialog.format_combo.findData("urls"))
    links = (await _export(window, dialog, tmp_path / "shown.txt")).split()
    assert links == copied

    # All rows is still a choice.
    dialog = window.choose_export()
    assert dialog is not None
    dialog.all_radio.setChecked(True)
    assert dialog.intro.text().startswith("Export 12 rows ")
    assert len(_keys(await _export(window, dialog, tmp_path / "all.csv"))) == len(KEYS)


async def test_export_offers_the_selected_rows(
    make_window: WindowFactory, demo_server: DemoServer, tmp_path: Path
) -> None:
    window = await _resolved(make_window, demo_server)
    selection = window.view.selectionModel()
    selection.clearSelection()
    dialog = window.choose_export()
    assert dialog is not None
    # No filter, no selection: nothing to choose, every row.
    assert not dialog.all_radio.isVisible()
    assert dialog.scope() is Scope.ALL
    dialog.reject()

    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for row in (7, 2):
        selection.select(window.proxy.index(row, 0), flags)
    dialog = window.choose_export()
    assert dialog is not None
    assert dialog.selected_radio.text() == "The 2 s&elected rows"
    assert dialog.all_radio.isChecked()  # no filter: all rows first, as before
    assert not dialog.shown_radio.isVisible()
    dialog.selected_radio.setChecked(True)
    assert dialog.intro.text().startswith("Export 2 rows ")
    exported = _keys(await _export(window, dialog, tmp_path / "picked.csv"))
    assert exported == [KEYS[2], KEYS[7]]  # input order


def test_the_download_dialog_offers_and_starts_on_the_rows_shown(qtbot) -> None:
    dialog = DownloadDialog(
        Settings(), everything=ScopeCounts(12), shown=ScopeCounts(3, left_out=1)
    )
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.shown_radio.isVisible()
    assert dialog.shown_radio.isChecked()
    assert dialog.shown_radio.text() == "The 3 rows s&hown that have or can get a link"
    assert dialog.scope() is Scope.SHOWN
    assert dialog.files() == 3
    assert dialog.left_out.isVisible()  # the filter's own row left out is said
    dialog.all_radio.setChecked(True)
    assert dialog.files() == 12
    assert not dialog.left_out.isVisible()


def test_rows_picked_on_purpose_come_before_the_rows_shown(qtbot) -> None:
    dialog = DownloadDialog(
        Settings(),
        everything=ScopeCounts(12),
        selected=ScopeCounts(2),
        shown=ScopeCounts(3),
        prefer_selected=True,
    )
    qtbot.addWidget(dialog)
    assert dialog.scope() is Scope.SELECTED
    without_filter = DownloadDialog(Settings(), everything=ScopeCounts(12))
    qtbot.addWidget(without_filter)
    without_filter.show()
    assert not without_filter.shown_radio.isVisible()
    assert without_filter.scope() is Scope.ALL


def test_a_filter_hiding_every_row_starts_export_on_all_rows(qtbot, tmp_path: Path) -> None:
    # The choice is there, greyed out: exporting nothing is no first choice.
    dialog = ExportDialog(rows=12, folder=tmp_path, list_name="w", shown=0)
    qtbot.addWidget(dialog)
    assert not dialog.shown_radio.isEnabled()
    assert dialog.scope() is Scope.ALL
    assert dialog.fmt() is ExportFormat.CSV
