"""Export never writes over a file without asking (ui/export_dialog.py): a path that holds a
file asks "<name> already exists. Replace it?" (Cancel keeps the dialog open with the path),
and the suggested name is never one already taken, so accepting the suggestion twice in a
minute keeps both exports."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from tcb_gui.core.export import ExportFormat
from tcb_gui.demo.samples import PROD
from tcb_gui.ui import task_names
from tcb_gui.ui.export_dialog import ExportDialog, suggested_name
from tests.ui.conftest import WindowFactory

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only

KEPT = "IMPORTANT DATA\n"


def _answer(dialog: ExportDialog, button: QMessageBox.StandardButton | None) -> None:
    """Click Replace (``None``) or ``button`` in the open question."""
    box = dialog.replace_box
    assert box is not None
    assert box.isVisible()
    if button is None:
        [clicked] = [b for b in box.buttons() if box.buttonRole(b) is box.ButtonRole.AcceptRole]
    else:
        clicked = box.button(button)
    clicked.click()


def test_a_typed_file_that_exists_is_replaced_only_when_the_operator_says_so(
    qtbot, tmp_path: Path
) -> None:
    target = tmp_path / "important.csv"
    target.write_text(KEPT, encoding="utf-8")
    dialog = ExportDialog(rows=3, folder=tmp_path, list_name="orders.txt")
    qtbot.addWidget(dialog)
    dialog.open()
    dialog.path_edit.setText(str(target))

    dialog.accept()
    box = dialog.replace_box
    assert box is not None
    assert box.text() == "important.csv already exists. Replace it?"
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)
    # Cancel: back in the dialog, the path as typed, nothing chosen.
    _answer(dialog, QMessageBox.StandardButton.Cancel)
    assert dialog.replace_box is None
    assert dialog.isVisible()
    assert dialog.chosen() is None
    assert dialog.path() == target

    dialog.accept()
    _answer(dialog, None)
    assert dialog.chosen() == (target, ExportFormat.CSV, False)
    assert dialog.result() == ExportDialog.DialogCode.Accepted
    assert target.read_text(encoding="utf-8") == KEPT  # the dialog itself writes nothing


def test_a_new_file_is_taken_without_a_question(qtbot, tmp_path: Path) -> None:
    dialog = ExportDialog(rows=3, folder=tmp_path, list_name="orders.txt")
    qtbot.addWidget(dialog)
    dialog.open()
    dialog.path_edit.setText(str(tmp_path / "new.json"))
    dialog.accept()
    assert dialog.replace_box is None
    assert dialog.chosen() == (tmp_path / "new.json", ExportFormat.JSON, False)


def test_the_suggested_name_is_never_a_file_already_there(qtbot, tmp_path: Path) -> None:
    # The names of this minute and the next (a test that runs across a minute's end).
    now = datetime.now()
    taken = {
        tmp_path / suggested_name("orders.txt", ExportFormat.CSV, at)
        for at in (now, now + timedelta(minutes=1))
    }
    for path in taken:
        path.write_text(KEPT, encoding="utf-8")
    dialog = ExportDialog(rows=3, folder=tmp_path, list_name="orders.txt")
    qtbot.addWidget(dialog)
    suggested = dialog.path()
    assert suggested.parent == tmp_path
    assert suggested not in taken
    assert not suggested.exists()
    assert suggested.name.startswith("orders 2")
    assert suggested.name.endswith(" (1).csv")


async def test_accepting_the_suggestion_twice_keeps_both_exports(
    make_window: WindowFactory, tmp_path: Path
) -> None:
    window = make_window()
    await window.ids.add_text("\n".join(PROD.fileid(f"gen/x{n}.bin") for n in range(3)))
    window.prefs.set("export_dir", str(tmp_path))
    written = []
    for _ in range(2):
        dialog = window.choose_export()
        assert dialog is not None
        written.append(dialog.path())
        dialog.accept()
        assert dialog.replace_box is None  # the suggestion is free: no question
        task = window.tasks.get(task_names.EXPORT)
        assert task is not None
        await task
    assert written[0] != written[1]
    for path in written:
        assert len(path.read_text(encoding="utf-8").splitlines()) == 4  # header + 3 rows


def test_a_file_the_save_dialog_already_let_replace_is_not_asked_about_twice(
    qtbot, tmp_path: Path
) -> None:
    target = tmp_path / "important.csv"
    target.write_text(KEPT, encoding="utf-8")
    dialog = ExportDialog(rows=3, folder=tmp_path, list_name="orders.txt")
    qtbot.addWidget(dialog)
    dialog.open()
    chooser = dialog.browse()  # Choose…: the system's Save dialog asks there
    chooser.fileSelected.emit(str(target))
    chooser.reject()
    assert dialog.path() == target
    dialog.accept()
    assert dialog.replace_box is None
    assert dialog.chosen() == (target, ExportFormat.CSV, False)
