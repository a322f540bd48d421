"""Press Ctrl+E in the filter box of the real window under X11 and say what happened.

Run by ``test_filter_box_shortcuts`` under Xvfb (``QT_QPA_PLATFORM=xcb``), where a line
edit's key bindings are X11's (Ctrl+E "end of line"), as an operator's desktop has them.
Prints one line of facts: the bindings, whether the export dialog opened, the box's text.
"""

from __future__ import annotations

import os
import sys

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

ACTIVE_WAIT_MS = 10_000


def main() -> int:
    app = QApplication(sys.argv[:1])
    from tcb_gui.core.fileids import parse_fileid
    from tcb_gui.core.settings import Settings
    from tcb_gui.core.tokens import TokenStore
    from tcb_gui.demo.samples import PROD
    from tcb_gui.ui.export_dialog import ExportDialog
    from tcb_gui.ui.main_window import MainWindow
    from tcb_gui.ui.session import Session

    window = MainWindow(Session(Settings(), TokenStore()))
    window.model.append_ids(parse_fileid(PROD.fileid(f"gen/w{n}.bin")) for n in range(12))
    window.show()
    window.activateWindow()
    active = QTest.qWaitForWindowActive(window, ACTIVE_WAIT_MS)
    edit = window.filter_edit
    window.focus_filter()
    QTest.keyClicks(edit, "w1")
    QTest.keyClick(edit, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    app.processEvents()
    bindings = QKeySequence.keyBindings(QKeySequence.StandardKey.MoveToEndOfLine)
    facts = {
        "active": active,
        "end_of_line": [k.toString() for k in bindings],
        "export": any(d.isVisible() for d in window.findChildren(ExportDialog)),
        "text": edit.text(),
    }
    print(facts, flush=True)
    # The window's orderly close runs on the app's asyncio loop, which this probe has not
    # started: the facts are out, leave at once.
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
