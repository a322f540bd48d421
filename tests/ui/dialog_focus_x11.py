"""Open the Export dialog with a real Ctrl+E, close it with a real Esc, then type a
filter with real keys, on X11 under a window manager, and say where the keys went.

Run by ``test_dialog_focus`` under Xvfb with openbox (``QT_QPA_PLATFORM=xcb``): the keys
are X events from ``xdotool`` to whichever window the window manager made active, as an
operator's keyboard sends them, not events handed to a widget. Prints one line of facts.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable

from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

WAIT_S = 15.0
TYPED = "w7"


def wait(app: QApplication, done: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + WAIT_S
    while not done():
        if time.monotonic() > deadline:
            return False
        app.processEvents()
        QTest.qWait(20)
    return True


def keys(*args: str) -> None:
    subprocess.run(["xdotool", *args], check=True)


def active_window() -> str:
    found = subprocess.run(
        ["xdotool", "getactivewindow"], capture_output=True, text=True, check=False
    )
    return found.stdout.strip()


def main() -> int:
    manager = subprocess.Popen(
        [shutil.which("openbox") or "openbox"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
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
    facts: dict[str, object] = {"active": QTest.qWaitForWindowActive(window, 10_000)}
    # The window manager's own word that the window has the keyboard (it starts beside
    # the window; keys sent before would go to the root window).
    ours = str(int(window.winId()))
    facts["focused_by_manager"] = wait(app, lambda: active_window() == ours)

    def dialog() -> ExportDialog | None:
        shown = [d for d in window.findChildren(ExportDialog) if d.isVisible()]
        return shown[0] if shown else None

    keys("key", "ctrl+e")
    facts["dialog_opened"] = wait(app, lambda: dialog() is not None)
    keys("key", "Escape")
    facts["dialog_closed"] = wait(app, lambda: dialog() is None)
    facts["window_active_again"] = wait(app, lambda: QApplication.activeWindow() is window)
    keys("key", "ctrl+f")
    keys("type", "--delay", "30", TYPED)
    facts["typed_into_filter"] = wait(app, lambda: window.filter_edit.text() == TYPED)
    facts["filter"] = window.filter_edit.text()
    print(facts, flush=True)
    manager.kill()
    # The window's orderly close runs on the app's asyncio loop, which this probe has not
    # started: the facts are out, leave at once.
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
