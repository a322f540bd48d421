"""The window's shortcuts work from the filter box, where Ctrl+F leaves the focus
(ui/text_filter.py): "filter, then Ctrl+E" opens the export dialog, while the keys that
edit the box's text (Ctrl+A/C/V/Z, Home, End, Backspace) keep editing it.

A line edit claims the keys of the platform's line bindings before any shortcut sees
them. Under X11 that is Ctrl+E ("end of line"), which swallowed Export; the offscreen
platform has Windows' bindings, so ``X11LineKeys`` does here what QLineEdit does there:
it takes Ctrl+E (and Ctrl+U, Ctrl+K) for the box.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit

from tcb_gui.demo.samples import PROD
from tcb_gui.ui.export_dialog import ExportDialog
from tcb_gui.ui.main_window import MainWindow
from tests.ui.conftest import WindowFactory, wait_until
from tests.ui.xvfb_child import run_on_xvfb

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only

CTRL = Qt.KeyboardModifier.ControlModifier


class X11LineKeys(QObject):
    """Takes the keys X11's bindings give a line edit, as QLineEdit does under xcb:
    Ctrl+E end of line, Ctrl+U delete the line, Ctrl+K delete to its end."""

    KEYS = frozenset({Qt.Key.Key_E, Qt.Key.Key_U, Qt.Key.Key_K})

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.modifiers() == CTRL
            and event.key() in self.KEYS
        ):
            event.accept()  # the box's, as QLineEdit claims it: no shortcut fires
        return False


def _export_dialogs(window: MainWindow) -> list[ExportDialog]:
    return [d for d in window.findChildren(ExportDialog) if d.isVisible()]


async def _filtering(make_window: WindowFactory) -> tuple[MainWindow, QLineEdit]:
    """A window with 12 rows, "w1" typed into the filter box (4 rows shown), the X11 keys."""
    window = make_window()
    await window.ids.add_text("\n".join(PROD.fileid(f"gen/w{n}.bin") for n in range(12)))
    edit = window.filter_edit
    edit.installEventFilter(X11LineKeys(edit))
    window.activateWindow()
    await wait_until(window.isActiveWindow, 5)
    QTest.keyClick(window.view, Qt.Key.Key_F, CTRL)  # Ctrl+F, as an operator starts
    await wait_until(edit.hasFocus, 5)
    QTest.keyClicks(edit, "w1")
    await wait_until(lambda: window.proxy.rowCount() == 3, 5)  # w1, w10, w11
    return window, edit


async def test_ctrl_e_in_the_filter_box_opens_the_export_dialog(
    make_window: WindowFactory,
) -> None:
    window, edit = await _filtering(make_window)
    QTest.keyClick(edit, Qt.Key.Key_E, CTRL)
    await wait_until(lambda: _export_dialogs(window), 5)
    [dialog] = _export_dialogs(window)
    dialog.reject()
    assert edit.text() == "w1"


async def test_the_keys_that_edit_the_text_stay_the_boxs(
    make_window: WindowFactory, clipboard: object
) -> None:
    window, edit = await _filtering(make_window)
    rows = window.model.rowCount()
    QTest.keyClick(edit, Qt.Key.Key_Home)
    assert edit.cursorPosition() == 0
    QTest.keyClick(edit, Qt.Key.Key_End)
    assert edit.cursorPosition() == 2
    QTest.keyClick(edit, Qt.Key.Key_A, CTRL)
    assert edit.selectedText() == "w1"
    QTest.keyClick(edit, Qt.Key.Key_C, CTRL)  # copies the text, not the rows' links
    assert QApplication.clipboard().text() == "w1"
    QTest.keyClick(edit, Qt.Key.Key_End)
    QTest.keyClick(edit, Qt.Key.Key_Backspace)
    assert edit.text() == "w"
    QTest.keyClick(edit, Qt.Key.Key_Z, CTRL)  # undoes the typing, not a Delete of rows
    assert edit.text() == "w1"
    QApplication.clipboard().setText(PROD.fileid("gen/pasted.bin"))
    edit.selectAll()
    QTest.keyClick(edit, Qt.Key.Key_V, CTRL)  # into the box, not the list
    assert edit.text() == PROD.fileid("gen/pasted.bin")
    assert window.model.rowCount() == rows
    assert not _export_dialogs(window)


@pytest.mark.xvfb
@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="xvfb-run (package xvfb) is absent")
def test_under_x11_ctrl_e_in_the_filter_box_opens_the_export_dialog(tmp_path: Path) -> None:
    """The real bindings, where the operator met it: X11's, in a real window."""
    facts = run_on_xvfb("tests.ui.filter_keys_x11", home=tmp_path).facts
    assert facts["active"]
    assert "Ctrl+E" in facts["end_of_line"]  # the bindings that swallowed Export
    assert facts["export"]
    assert facts["text"] == "w1"
