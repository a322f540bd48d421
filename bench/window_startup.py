"""Start a window, note when it is first painted, quit: ``python -m bench.window_startup``.

``ours`` runs what the ``tcb-gui`` command runs (``tcb_gui.cli.main`` with no
arguments: settings, theme, translators, the window, its first tasks) and quits through
Ctrl+Q's path once the main window has been painted on an exposed screen; ``bare`` is
the floor any PySide6 app starts from: a ``QMainWindow`` holding an empty
``QTableView``, nothing else. Each imports in the order its real program does (``tcb-gui``
loads its command line and what its window path imports before Qt, then Qt, whose
``QApplication`` this side makes where the command line opens the window): import order
matters, as PySide6 inspects every module imported after it. Run under an X server
(``QT_QPA_PLATFORM=xcb``) by ``bench/window.py``, which measures the process from the
outside; this side writes, as JSON on ``--output``:

* ``paint_epoch`` — wall-clock time (``time.time()``) of the main window's first paint
  event, which the parent compares with the moment it started the process;
* ``paint_ms`` — from this module's first line (nothing but the standard library
  imported) to that first paint, measured inside the process;
* ``run_to_paint_ms`` (ours) — from ``tcb_gui.app.run``'s start to that first paint.
"""

from __future__ import annotations

import time

# Before anything of Qt or the app is imported.
STARTED = time.perf_counter()

import argparse  # noqa: E402 — after the clock starts, on purpose
import json  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from pathlib import Path  # noqa: E402
from types import SimpleNamespace  # noqa: E402
from typing import TYPE_CHECKING  # noqa: E402

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication, QMainWindow

# Poll for the first paint this often; give up after DEADLINE_S.
POLL_MS = 5
DEADLINE_S = 30.0
EXIT_NOT_PAINTED = 3
BARE_SIZE = (1200, 740)  # the size our window opens at (main_window.DEFAULT_SIZE)


def _epoch_of(perf: float) -> float:
    """``time.time()`` at the moment ``time.perf_counter()`` read ``perf``."""
    return time.time() - (time.perf_counter() - perf)


def _watch(
    app: QApplication,
    find: Callable[[], QMainWindow | None],
    done: Callable[[QMainWindow], None],
    verdict: dict[str, float | str],
) -> None:
    """Poll until ``find()``'s window is exposed and painted, note it, call ``done``."""
    from PySide6.QtCore import QTimer

    def poll() -> None:
        window = find()
        handle = window.windowHandle() if window is not None else None
        painted = getattr(window, "first_paint_at", None)
        if window is not None and handle is not None and handle.isExposed() and painted:
            verdict["paint_ms"] = (painted - STARTED) * 1000
            verdict["paint_epoch"] = _epoch_of(painted)
            done(window)
            return
        if time.perf_counter() - STARTED > DEADLINE_S:
            verdict["error"] = "not exposed or not painted in time"
            app.exit(EXIT_NOT_PAINTED)
            return
        QTimer.singleShot(POLL_MS, poll)

    QTimer.singleShot(0, poll)


def run_bare(verdict: dict[str, float | str]) -> int:
    from PySide6.QtGui import QPaintEvent
    from PySide6.QtWidgets import QApplication, QMainWindow, QTableView

    class BareWindow(QMainWindow):
        """A QMainWindow with an empty QTableView; notes its first paint."""

        def __init__(self) -> None:
            super().__init__()
            self.first_paint_at: float | None = None
            self.setWindowTitle("bare PySide6")
            self.setCentralWidget(QTableView(self))
            self.resize(*BARE_SIZE)

        def paintEvent(self, event: QPaintEvent) -> None:
            if self.first_paint_at is None:
                self.first_paint_at = time.perf_counter()
            super().paintEvent(event)

    app = QApplication(sys.argv[:1])
    window = BareWindow()
    window.show()
    _watch(app, lambda: window, lambda w: app.quit(), verdict)
    return app.exec()


def run_ours(verdict: dict[str, float | str]) -> int:
    # As the console script: the command line first, then what its window path imports
    # before Qt (the settings), then Qt: Qt comes in where the command line opens the
    # window (cmd_window), so every import keeps the real program's order.
    from tcb_gui import cli

    open_window = cli.cmd_window

    def cmd_window_watched(
        args: argparse.Namespace | SimpleNamespace, files: Sequence[str] = ()
    ) -> int:
        from tcb_gui.ui.theme import make_application

        # The app's run() creates its QApplication unless one exists: this one, made
        # here as run() makes it (make_application) so the watch can be set up, is what
        # it uses.
        app = make_application(sys.argv[:1])

        def find() -> QMainWindow | None:
            from tcb_gui.ui.main_window import MainWindow

            windows = [w for w in app.topLevelWidgets() if isinstance(w, MainWindow)]
            return windows[0] if windows else None

        def done(window: QMainWindow) -> None:
            from tcb_gui.ui.main_window import MainWindow

            assert isinstance(window, MainWindow)
            assert window.first_paint_at is not None
            if window.started_at is not None:
                verdict["run_to_paint_ms"] = (window.first_paint_at - window.started_at) * 1000
            window.close()  # the same path as Ctrl+Q

        _watch(app, find, done, verdict)
        code: int = open_window(args, files)
        return code

    cli.cmd_window = cmd_window_watched
    code: int = cli.main([])
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.window_startup")
    parser.add_argument("kind", choices=("ours", "bare"))
    parser.add_argument("--output", required=True)
    args = parser.parse_args(argv)
    verdict: dict[str, float | str] = {}
    code = run_ours(verdict) if args.kind == "ours" else run_bare(verdict)
    Path(args.output).write_text(json.dumps(verdict), encoding="utf-8")
    return EXIT_NOT_PAINTED if "error" in verdict else code


if __name__ == "__main__":
    sys.exit(main())
