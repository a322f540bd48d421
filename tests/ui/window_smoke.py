"""Open the real window, check it was exposed and painted, grab it, quit with code 0.

Run by ``test_real_window`` under Xvfb (``QT_QPA_PLATFORM=xcb``); also handy by hand:
``xvfb-run -a python -m tests.ui.window_smoke shot.png``. Prints one line of facts.
"""

from __future__ import annotations

import sys
import time

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

# Give up if the window has not been painted by then.
DEADLINE_S = 20.0
POLL_MS = 20
EXIT_NOT_PAINTED = 3


def main(argv: list[str]) -> int:
    started = time.perf_counter()
    app = QApplication(argv[:1])
    from tcb_gui import app as tcb_app
    from tcb_gui.ui.main_window import MainWindow

    shot = argv[1] if len(argv) > 1 else None
    verdict: dict[str, object] = {}

    def poll() -> None:
        windows = [w for w in app.topLevelWidgets() if isinstance(w, MainWindow)]
        window = windows[0] if windows else None
        handle = window.windowHandle() if window is not None else None
        exposed = handle is not None and handle.isExposed()
        if window is not None and exposed and window.first_paint_at is not None:
            image = window.grab().toImage()
            verdict["painted_ms"] = round((window.first_paint_at - started) * 1000)
            verdict["size"] = (image.width(), image.height())
            verdict["title"] = window.windowTitle()
            # A painted window is not one flat colour.
            verdict["colours"] = len(
                {
                    image.pixel(x, y)
                    for x in range(0, image.width(), 37)
                    for y in range(0, image.height(), 29)
                }
            )
            if shot:
                image.save(shot)
            window.close()  # the same path as Ctrl+Q
            return
        if time.perf_counter() - started > DEADLINE_S:
            verdict["error"] = "not exposed or not painted in time"
            app.exit(EXIT_NOT_PAINTED)
            return
        QTimer.singleShot(POLL_MS, poll)

    QTimer.singleShot(0, poll)
    code = tcb_app.run(argv=argv[:1])
    print(verdict, flush=True)
    if "error" in verdict:
        return EXIT_NOT_PAINTED
    return code


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
