"""Take the window's screenshots in docs/screenshots/ (run under a display, e.g. Xvfb).

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python docs/screenshots/make.py

Each configuration (size × theme × language) runs in a process of its own, because the
language is chosen when the app starts: the real window over the built-in demo service,
driven through its presenters, grabbed at three moments —

* ``failures-…``: the sample list resolved, sorted by Status (every kind of failure
  first), one failure selected with its details pane;
* ``downloading-…``: the list downloading at a limited speed, part-way;
* ``finished-…``: the download over, with files the service refused (scripted faults),
  the failed rows shown with their reasons.

It also refreshes the pictures the README shows (window-results, window-empty,
download-progress, download-finished, window-dark, window-zh_CN, window-zh_CN-dark,
token-badges). PNGs are reduced to 256 colours with ImageMagick when it is installed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SIZES = ((960, 700), (1400, 900))
THEMES = ("light", "dark")
LANGUAGES = ("en", "zh_CN")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--one", nargs=4, metavar=("W", "H", "THEME", "LANG"))
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args()
    if args.one:
        width, height, theme, language = args.one
        return asyncio_main(int(width), int(height), theme, language, args.out)
    for width, height in SIZES:
        for theme in THEMES:
            for language in LANGUAGES:
                env = dict(os.environ, TCB_GUI_HOME=tempfile.mkdtemp(prefix="tcb-shots-"))
                command = [sys.executable, __file__, "--one", str(width), str(height)]
                command += [theme, language, "--out", str(args.out)]
                print("…", width, height, theme, language, flush=True)
                subprocess.run(command, check=True, env=env, cwd=ROOT)  # noqa: S603 (ourselves)
    convert = shutil.which("convert")
    if convert:
        for png in sorted(args.out.glob("*.png")):
            reduce = [convert, str(png), "-strip", "-colors", "256", f"PNG8:{png}"]
            subprocess.run(reduce, check=True)  # noqa: S603 (ImageMagick on our own files)
    return 0


def asyncio_main(width: int, height: int, theme: str, language: str, out: Path) -> int:
    from PySide6.QtWidgets import QApplication

    from tcb_gui.ui import qt_workarounds

    qt_workarounds.apply()
    app = QApplication([sys.argv[0]])
    app.setApplicationName("TCB Links")
    app.setQuitOnLastWindowClosed(False)
    from tcb_gui.ui.i18n import install_translators
    from tcb_gui.ui.theme import apply_theme

    install_translators(app, language)
    apply_theme(theme)
    with asyncio.Runner(loop_factory=lambda: qt_workarounds.event_loop(app)) as runner:
        runner.run(shoot(width, height, theme, language, out))
    return 0


async def settle(seconds: float = 0.3) -> None:
    """Let the loop paint and lay out (never processEvents() inside a coroutine: qasync
    would step other tasks from within this one)."""
    await asyncio.sleep(seconds)


async def shoot(width: int, height: int, theme: str, language: str, out: Path) -> None:
    from tcb_gui.core.downloads import DownloadOptions
    from tcb_gui.core.settings import Settings
    from tcb_gui.core.tokens import TokenStore
    from tcb_gui.demo.samples import PROD
    from tcb_gui.demo.server import DemoServer
    from tcb_gui.demo.service import DEMO_TOKEN, DemoState
    from tcb_gui.ui import task_names
    from tcb_gui.ui.main_window import MainWindow
    from tcb_gui.ui.results_model import Column
    from tcb_gui.ui.results_proxy import StatusFilter
    from tcb_gui.ui.session import Session

    tag = f"{width}x{height}-{theme}-{language}"
    state = DemoState()
    settings = Settings(language=language, theme=theme)
    with DemoServer(state) as server, tempfile.TemporaryDirectory() as folder:
        window = MainWindow(Session(settings, TokenStore()))
        window.resize(width, height)
        window.show()
        await window.tokens.check_token()  # no token yet: the empty table offers the demo
        await settle()
        if width == 1400 and language == "en" and theme == "light":
            window.grab().save(str(out / "window-empty.png"))
        window.session.use_demo(server, DEMO_TOKEN)
        await window.tokens.start_demo()
        window.notifier.hide_banner("demo")
        await window.resolver.resolve_rows()
        window.model.flush()
        window.notifier.show_status("")

        # 1. Every failure kind first, one of them explained.
        window.view.sortByColumn(Column.STATUS, _ascending())
        await settle()
        denied = next(r for r in window.model.rows() if r.fileid.key.endswith("server-2.pem"))
        window.view.setCurrentIndex(window.proxy.mapFromSource(window.model.index(denied.pos, 1)))
        window.view.setFocus()
        await settle()
        window.grab().save(str(out / f"failures-{tag}.png"))
        if width == 1400 and theme == "light" and language == "en":
            window.grab().save(str(out / "window-results.png"))
        if width == 1400 and language == "zh_CN":
            name = "window-zh_CN.png" if theme == "light" else "window-zh_CN-dark.png"
            window.grab().save(str(out / name))
        if width == 1400 and theme == "dark" and language == "en":
            window.grab().save(str(out / "window-dark.png"))

        # 2. A download part-way: a few bigger files, at a limited speed.
        window.view.sortByColumn(Column.NUMBER, _ascending())
        window.view.clearSelection()
        window.details.show_row(None)
        window._place_details()
        big = [PROD.fileid(f"gen/size-8M/video-{n}.mp4") for n in range(1, 7)]
        await window.ids.add_text("\n".join(big), source="big files")
        await window.resolver.resolve_rows()
        window.notifier.show_status("")
        moving = [r for r in window.model.rows() if r.fileid.raw in set(big)]
        options = DownloadOptions(dest=Path(folder) / "a", concurrency=3, limit_rate=6 << 20)
        run = window.downloads.download_rows(moving, options)
        task = window.tasks.start(task_names.DOWNLOAD, run)
        await asyncio.sleep(2.0)
        window.view.scrollToBottom()
        await settle(0.4)
        window.grab().save(str(out / f"downloading-{tag}.png"))
        if width == 1400 and theme == "light" and language == "en":
            window.grab().save(str(out / "download-progress.png"))
        window.downloads.cancel()
        if task is not None:
            await task
        rows = window.downloads.rows_to_download()[0]

        # 3. A download that ended with failures: the service refused a few files.
        state.script_faults("download", ["html404", "html404", "html404"])
        options = DownloadOptions(dest=Path(folder) / "b", concurrency=4)
        await window.downloads.download_rows(rows, options)
        window.show_failed_downloads()
        window.status_combo.setCurrentIndex(0)  # all rows again, failures first:
        window.view.sortByColumn(Column.STATUS, _ascending())
        await settle()
        failed = window.downloads.failed_rows()
        if failed:
            index = window.proxy.mapFromSource(window.model.index(failed[0].pos, 1))
            window.view.setCurrentIndex(index)
            window.view.scrollTo(index)
        window.view.setFocus()
        await settle()
        window.grab().save(str(out / f"finished-{tag}.png"))
        if width == 1400 and theme == "light" and language == "en":
            window.grab().save(str(out / "download-finished.png"))
            await badges(out)
        assert StatusFilter.DOWNLOAD_FAILED  # the filter the panel's "Show failed" sets
        await window.aclose()
        window.close()


def _ascending():  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt

    return Qt.SortOrder.AscendingOrder


async def badges(out: Path) -> None:
    """Every state of the token badge, one under the other."""
    from datetime import UTC, datetime

    from PySide6.QtWidgets import QVBoxLayout, QWidget

    from tcb_gui.core.client import Quota
    from tcb_gui.core.errors import TokenState
    from tcb_gui.core.tokens import TokenSource
    from tcb_gui.ui.token_badge import BadgeInfo, TokenBadge

    strip = QWidget()
    layout = QVBoxLayout(strip)
    quota = Quota(daily_limit=1_000_000, used=3_204, remain=996_796)
    for state in TokenState:
        badge = TokenBadge(strip)
        badge.set_info(
            BadgeInfo(
                state,
                source=TokenSource.KEYRING,
                quota=quota if state is TokenState.VALID else None,
                time_left=6_300.0 if state is TokenState.VALID else None,
                checked_at=datetime.now(UTC),
            )
        )
        layout.addWidget(badge)
    stable = TokenBadge(strip)
    stable.set_info(BadgeInfo(TokenState.VALID, stable=True, time_left=7_020.0))
    layout.addWidget(stable)
    strip.show()
    await settle()
    strip.grab().save(str(out / "token-badges.png"))
    strip.close()


if __name__ == "__main__":
    raise SystemExit(main())
