"""Drive the real app window (``tcb_gui.app.run``) through a download, for the kill test.

Used by ``test_window_kill_resume.py``, in a process of its own on the offscreen platform:

* ``start --base-url URL --dest DIR --rate RATE --keys KEY…``: open the window on the service at
  URL (token from ``TCB_ACCESS_TOKEN``), add the demo IDs of KEY…, and download them into
  DIR at RATE bytes/s; then wait to be killed.
* ``resume --base-url URL``: open the window; once it offers to resume the unfinished
  download, press Resume, wait for the end, and close the window the way a user does.

Each step is reported on stdout as one JSON object per line ("event": …).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

POLL_MS = 20
# Give up (and exit non-zero) if the window has not got this far by then.
DEADLINE_S = 60.0
EXIT_STUCK = 3


def say(**event: object) -> None:
    print(json.dumps(event, ensure_ascii=False), flush=True)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=("start", "resume"))
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--dest")
    parser.add_argument("--rate", type=int)
    parser.add_argument("--keys", nargs="+", default=[])
    args = parser.parse_args(argv)

    app = QApplication(sys.argv[:1])
    from tcb_gui import app as tcb_app
    from tcb_gui.core.downloads import DownloadOptions
    from tcb_gui.core.errors import TokenState
    from tcb_gui.demo.samples import PROD
    from tcb_gui.ui import task_names
    from tcb_gui.ui.download_cells import DownloadSummary
    from tcb_gui.ui.download_controller import RESUME_BANNER
    from tcb_gui.ui.main_window import MainWindow

    started = time.monotonic()
    stuck: list[str] = []
    step = {"done": False}

    def window() -> MainWindow | None:
        found = [w for w in app.topLevelWidgets() if isinstance(w, MainWindow)]
        return found[0] if found else None

    def finished(summary: DownloadSummary) -> None:
        say(
            event="finished",
            downloaded=summary.downloaded,
            skipped=summary.skipped,
            failed=summary.failed,
            stopped=summary.stopped,
        )
        win = window()
        if win is not None:
            win.close()  # the same path as Ctrl+Q: tasks, client and list closed cleanly

    def poll() -> None:
        win = window()
        if time.monotonic() - started > DEADLINE_S:
            stuck.append("deadline")
            app.exit(EXIT_STUCK)
            return
        ready = (
            win is not None
            and win.token_panel.badge.state is TokenState.VALID
            and not win.tasks.running(task_names.DOWNLOAD_RESTORE)
        )
        if not ready or win is None:
            QTimer.singleShot(POLL_MS, poll)
            return
        if args.mode == "start":
            start(win)
            return
        banner = win.banners.banner(RESUME_BANNER)
        if banner is None:
            QTimer.singleShot(POLL_MS, poll)
            return
        saved = win.downloads.offered
        say(
            event="offered",
            banner=banner.text,
            buttons=banner.button_texts(),
            files=len(saved.files) if saved else 0,
            unfinished=len(saved.unfinished()) if saved else 0,
            rows=win.model.rowCount(),
        )
        win.downloads.finished.connect(finished)
        banner.click("Resume")
        say(event="resumed", running=win.tasks.running(task_names.DOWNLOAD))

    def start(win: MainWindow) -> None:
        async def go() -> None:
            await win.ids.add_text("\n".join(PROD.fileid(k) for k in args.keys))
            rows = win.downloads.rows_to_download()[0]
            options = DownloadOptions(dest=Path(args.dest), concurrency=3, limit_rate=args.rate)
            win.tasks.start(task_names.DOWNLOAD, win.downloads.download_rows(rows, options))
            say(event="started", files=len(rows))

        if not step["done"]:
            step["done"] = True
            win.tasks.start("driver", go())

    QTimer.singleShot(0, poll)
    code = tcb_app.run(base_url=args.base_url, argv=sys.argv[:1])
    if stuck:
        say(event="stuck")
        return EXIT_STUCK
    return code


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
