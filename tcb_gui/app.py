"""The window mode: a QApplication on a qasync event loop, one HTTP client, clean exit.

Order matters for a quick first paint: Qt and the window come first; the token check,
the HTTP client (created on first use) and the demo service start after the window is
shown. Shutdown is explicit: closing the window (or Ctrl+Q) sets an event; the main
coroutine then cancels and awaits every task, closes the HTTP client, stops the demo
service, and only then returns. ``quitOnLastWindowClosed`` is off so Qt never ends its
loop under a running coroutine ("Event loop stopped before Future completed").

One window per user (``ui.single_instance``): a second ``tcb-gui [FILE…]`` hands its
files to the running window, which comes to the front, and exits 0. A start with its
own session options (``--demo``, ``--base-url``, ``--api``, ``--profile``) opens a
window of its own.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from tcb_gui.core.exit_status import ExitStatus
from tcb_gui.core.startup import collection_paused
from tcb_gui.ui import qt_workarounds

# Before the window's modules: PySide6 looks at each of them as it is imported.
qt_workarounds.fast_feature_scan()

if TYPE_CHECKING:
    from tcb_gui.ui.main_window import MainWindow

APP_NAME = "TCB Links"
# The .desktop file id (packaging/linux): docks match the window to its menu entry.
DESKTOP_FILE = "io.github.tcblinks.TcbLinks"
# The longest the start waits for the window's first frame before building the rest (a
# window never exposed, on a screen that is off, paints nothing).
FIRST_PAINT_TIMEOUT_MS = 1_000
# Said on stderr when Qt leaves its loop under an open window (the display went away).
DISPLAY_LOST = (
    "tcb-gui: the window lost its display (the X server or the desktop session ended) and closed"
)


def run(
    *,
    demo: bool = False,
    base_url: str | None = None,
    api: str | None = None,
    profile: str | None = None,
    argv: list[str] | None = None,
    files: Sequence[str] = (),
) -> int:
    """Open the window and run until it is closed; the return value is the exit code.

    ``files`` (from ``tcb-gui list.txt`` or a file manager) are added once it shows.
    """
    started = time.perf_counter()
    # Up to the first paint everything built lives on: no garbage collection meanwhile.
    with collection_paused():
        qt_workarounds.apply()  # before any widget exists
        app = QApplication.instance()
        if app is None:
            from tcb_gui.ui.theme import make_application

            app = make_application(argv if argv is not None else sys.argv[:1])
        assert isinstance(app, QApplication)
        app.setApplicationName(APP_NAME)
        app.setApplicationDisplayName(APP_NAME)
        app.setDesktopFileName(DESKTOP_FILE)
        app.setQuitOnLastWindowClosed(False)

        from tcb_gui.ui.single_instance import claim, hand_over, release, server_name

        own_session = demo or base_url is not None or api is not None or profile is not None
        instance_name = server_name()  # asked, claimed and listened on under one name
        if not own_session and hand_over(files, name=instance_name):
            return ExitStatus.OK  # the running window took the files
        # This is the window now: later starts queue on its socket until it listens.
        claimed = None if own_session else claim(instance_name)

        # Phase 1, before the first paint: the settings, translators, theme and the view of
        # the window (no presenter, no asyncio, no API client, no download engine).
        from tcb_gui.core.errors import InputError
        from tcb_gui.core.service_modes import ApiMode
        from tcb_gui.core.settings import load_settings
        from tcb_gui.core.tokens import TokenStore, adopt_environment_secrets
        from tcb_gui.ui.i18n import install_translators
        from tcb_gui.ui.main_window import MainWindow
        from tcb_gui.ui.session import Overrides, Session

        # Open and Show in folder start other programs, which inherit the environment.
        adopt_environment_secrets()
        settings = load_settings()
        install_translators(app, settings.language)
        from tcb_gui.ui.theme import apply_theme

        theme = apply_theme(settings.theme, plain_style=True)  # TcbStyle after the first paint
        try:
            if profile is not None:
                settings.select_profile(profile)
            overrides = Overrides(base_url=base_url, api=ApiMode(api) if api else None)
            session = Session(settings, TokenStore(), overrides=overrides)
        except (InputError, ValueError) as exc:
            release(claimed)
            message = exc.message if isinstance(exc, InputError) else str(exc)
            sys.stderr.write(f"tcb-gui: error: {message}\n")
            return ExitStatus.USAGE
        window = MainWindow(session, deferred=True)
        window.started_at = started
        window.show()
        wait_for_first_paint(window)

    # Phase 2, once the first frame is on the screen: the presenters, actions and menus
    # (with them asyncio, the API client and the download engine), then the loop. What
    # the user did meanwhile waits in Qt's queue and is handled once the loop runs.
    theme.install_style()
    window.finish()
    from tcb_gui.ui.single_instance import InstanceServer

    # Later starts hand their files over from now on.
    instance = InstanceServer(app, name=instance_name)
    instance.listen(claimed)
    instance.filesReceived.connect(
        lambda paths: window.ids.add_files_later([Path(p) for p in paths])
    )
    instance.raiseRequested.connect(lambda: bring_to_front(window))
    import asyncio

    ended = False  # main returned or raised
    left_first = False  # Qt left its loop while main still waited on the window

    async def until_closed() -> int:
        nonlocal ended
        try:
            return await main(window, demo=demo, files=files)
        finally:
            ended = True

    def leaving() -> None:
        nonlocal left_first
        left_first = left_first or not ended

    app.aboutToQuit.connect(leaving)
    try:
        with asyncio.Runner(loop_factory=lambda: qt_workarounds.event_loop(app)) as runner:
            try:
                return runner.run(until_closed())
            except RuntimeError:
                # Qt left its event loop under the open window: the X server or the
                # desktop session went away (Qt says so on stderr first), and the loop
                # ends mid-step ("stopped before Future completed", "no running event
                # loop"). Not a bug of ours to report; what the list and a download had
                # was kept as it went (the history, the download's own state on disk).
                if not left_first:
                    raise
                # The tasks go with the loop as the runner closes: an unfinished one (the
                # last session's list being read, say) may raise as it is torn down.
                window.tasks.abandon()
        sys.stderr.write(DISPLAY_LOST + "\n")
        return ExitStatus.SOME_FAILED
    finally:
        app.aboutToQuit.disconnect(leaving)
        instance.close()


def wait_for_first_paint(window: MainWindow, timeout_ms: int = FIRST_PAINT_TIMEOUT_MS) -> bool:
    """Run Qt's events until ``window`` has painted its first frame (or ``timeout_ms``
    passed: a window that is never exposed paints nothing); True if it painted."""
    if window.first_paint_at is not None:
        return True
    loop = QEventLoop()
    window.on_first_paint(loop.quit)
    # A timer of the loop's own (gone with it); singleShot with a context object would
    # look its slot up through QMetaMethod, whose enums cost 0.3 ms before the paint.
    deadline = QTimer(loop)
    deadline.setSingleShot(True)
    deadline.timeout.connect(loop.quit)
    deadline.start(timeout_ms)
    # Keys and clicks that come before the first frame stay in Qt's queue: handled now,
    # they would find no action (``finish`` makes them) and be lost. The loop after
    # ``finish`` takes them, so an early Ctrl+V pastes.
    loop.exec(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
    window.on_first_paint(None)
    return window.first_paint_at is not None


def bring_to_front(window: MainWindow) -> None:
    """Show the window over the others (another start handed it files)."""
    if window.isMinimized():
        window.showNormal()
    window.show()
    window.raise_()
    window.activateWindow()


async def main(window: MainWindow, *, demo: bool = False, files: Sequence[str] = ()) -> int:
    """Show ``window``, start its first tasks, and wait until it asks to close."""
    import asyncio

    closing = asyncio.Event()
    window.set_shutdown_hook(closing.set)
    window.tokens.show_pending()  # its check starts after the first paint
    window.show()
    # One loop turn so the first frame is painted before anything else starts.
    await asyncio.sleep(0)
    from tcb_gui.ui.crash import install_crash_reports

    install_crash_reports(window.notifier)  # unexpected errors: a redacted report and a banner
    from tcb_gui.ui.gc_freeze import settle_long_lived

    # What exists now (modules, classes, the window) lives as long as the app: frozen
    # out of the collector's way, a full pass set off at any later moment walks only
    # newer objects (~1 ms, not the ~30 ms that froze a paste; bench/window.py).
    settle_long_lived()
    if demo or files:
        # Fresh samples or the files asked for; earlier lists stay in the History menu.
        window.downloads.request_restore()  # offers to resume a download the last run left
    else:
        # The list open last time, with its links, then an unfinished download of it.
        window.history.request_restore(then=window.downloads.request_restore)
    if demo:
        window.tokens.request_demo()
    else:
        window.tokens.request_check()
    if files:
        await window.ids.add_paths([Path(f) for f in files])
    await closing.wait()
    await window.aclose()
    window.close()  # now accepted: the window is closed
    return ExitStatus.OK


if __name__ == "__main__":
    raise SystemExit(run(demo="--demo" in sys.argv[1:]))
