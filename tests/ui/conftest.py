"""UI test fixtures: async tests run on a qasync loop over the test QApplication.

pytest-asyncio asks ``pytest_asyncio_loop_factories`` for the loop of each async test
in this folder, so ``await window.resolver.resolve_rows()`` runs on the same Qt event loop the
app uses: timers fire, signals are delivered, worker threads report back. Async tests
wait with ``wait_until`` (never ``qtbot.wait*``, whose nested Qt loop would re-enter
asyncio from inside a running task).
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QLocale, QTranslator
from PySide6.QtWidgets import QApplication

from tcb_gui.core.settings import Profile, Settings
from tcb_gui.core.tokens import TokenStore
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DEMO_TOKEN
from tcb_gui.ui import qt_workarounds
from tcb_gui.ui.main_window import MainWindow
from tcb_gui.ui.session import Session

# Keeps an application this module had to create alive for the whole session (a
# QApplication whose last Python reference goes away is destroyed).
_created_app: list[QApplication] = []


def pytest_asyncio_loop_factories(config: pytest.Config, item: pytest.Item):
    def qasync_loop() -> asyncio.AbstractEventLoop:
        app = QApplication.instance()
        if app is None:
            app = QApplication([])
            _created_app.append(app)
        # As in the app: closing a window must not end Qt's loop under a coroutine.
        assert isinstance(app, QApplication)
        app.setQuitOnLastWindowClosed(False)
        qt_workarounds.apply()
        return qt_workarounds.event_loop(app)

    return {"qasync": qasync_loop}


async def wait_until(
    predicate: Callable[[], object], seconds: float = 10.0, interval: float = 0.01
) -> None:
    """Let the loop run until ``predicate()`` is true; fail after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds} s waiting for {predicate}")
        await asyncio.sleep(interval)


WindowFactory = Callable[..., MainWindow]


async def demo_window(make_window: WindowFactory, server: DemoServer) -> MainWindow:
    """A window on ``server`` as "Try the demo" sets it up, its token checked."""
    window = make_window()
    window.session.use_demo(server, DEMO_TOKEN)
    window.tokens.apply_profile()
    await window.tokens.check_token()
    return window


@pytest.fixture(autouse=True)
def collect_qt_garbage() -> Iterator[None]:
    """Collect each test's leftover Qt objects now, on the main thread.

    Left to the cyclic collector they would be freed whenever it next runs, possibly in
    a worker thread (an ``asyncio.to_thread`` call), where destroying a QObject with
    timers is an error and can crash.
    """
    yield
    gc.collect()


@pytest.fixture(autouse=True)
def restore_theme(qapp) -> Iterator[None]:
    """A theme changes the whole app (the settings dialog's dark theme, theme tests): put
    the style and palette back after every test, so no test sees another's colours."""
    from PySide6.QtGui import QPalette

    from tcb_gui.ui.tcb_style import TcbStyle
    from tcb_gui.ui.theme import STYLE_NAME, theme_manager

    palette = QPalette(QApplication.palette())
    ours = isinstance(QApplication.style(), TcbStyle)
    style = QApplication.style().name()
    yield
    manager = theme_manager()
    manager._theme = "system"
    manager._applied = False
    if ours:
        QApplication.setStyle(TcbStyle(STYLE_NAME))
    else:
        QApplication.setStyle(style)
    QApplication.setPalette(palette)


@pytest.fixture
async def make_window(qtbot) -> AsyncIterator[WindowFactory]:
    """Build shown windows over fresh settings; each is closed cleanly (tasks awaited)."""
    windows: list[MainWindow] = []

    def factory(
        *,
        base_url: str | None = None,
        store: TokenStore | None = None,
        settings: Settings | None = None,
    ) -> MainWindow:
        """``settings`` (e.g. ``load_settings()``, the file a test wrote), else fresh ones
        with ``base_url`` for the default profile."""
        if settings is None:
            settings = Settings()
            if base_url is not None:
                settings.put_profile(Profile(name="default", base_url=base_url))
        session = Session(settings, store or TokenStore())
        window = MainWindow(session)
        window.show()
        windows.append(window)
        return window

    yield factory
    for window in windows:
        await window.aclose()
        window.close()
        window.deleteLater()
    await asyncio.sleep(0.01)  # let Qt process the deferred deletes


@pytest.fixture
async def window(make_window: WindowFactory) -> MainWindow:
    return make_window()


@pytest.fixture
def clipboard(qapp) -> Iterator[object]:
    board = QApplication.clipboard()
    board.clear()
    yield board
    board.clear()


@pytest.fixture(scope="session")
def zh_qm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The committed .ts compiled as the build does, into a scratch folder."""
    from tests.ui.test_translation_zh import TS, translations

    out = tmp_path_factory.mktemp("qm")
    built = translations.compile_all(out, [TS])
    assert [p.name for p in built] == ["tcb_gui_zh_CN.qm"]
    return out


@pytest.fixture
def zh(qapp, zh_qm: Path) -> Iterator[list[QTranslator]]:
    """简体中文 installed as the app does at start (ours and Qt's own), removed after."""
    from tcb_gui.ui.i18n import install_translators

    locale = QLocale()
    installed = install_translators(qapp, "zh_CN", zh_qm)
    try:
        assert len(installed) == 2  # tcb_gui_zh_CN.qm and Qt's qtbase_zh_CN.qm
        yield installed
    finally:
        for translator in installed:
            QCoreApplication.removeTranslator(translator)
        QLocale.setDefault(locale)


def run_until_first_paint(
    monkeypatch: pytest.MonkeyPatch, at_paint: Callable[[MainWindow], None], **run_args: object
) -> None:
    """``app.run(**run_args)`` up to its first paint, where ``at_paint(window)`` runs; then
    it stops there. No other window is asked to take over, and what run() sets on the
    shared QApplication is put back (the tests after run on the same one)."""
    from tcb_gui import app as app_module
    from tcb_gui.ui.theme import theme_manager

    def first_paint(window: MainWindow, timeout_ms: int = 0) -> bool:
        at_paint(window)
        raise SystemExit(7)  # stop here: the rest of run() is not the test's

    monkeypatch.setattr(app_module, "wait_for_first_paint", first_paint)
    monkeypatch.setattr("tcb_gui.ui.single_instance.hand_over", lambda files, **_: False)
    monkeypatch.setattr("tcb_gui.ui.single_instance.claim", lambda name=None: None)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    name, quits = app.applicationName(), app.quitOnLastWindowClosed()
    display, desktop = app.applicationDisplayName(), app.desktopFileName()
    try:
        with pytest.raises(SystemExit):
            app_module.run(**run_args)  # type: ignore[arg-type]
    finally:
        # Stopped before the first paint: the theme is still plain Fusion; TcbStyle, as
        # run() would put it in after the paint.
        theme_manager().install_style()
        app.setApplicationName(name)
        app.setApplicationDisplayName(display)
        app.setDesktopFileName(desktop)
        app.setQuitOnLastWindowClosed(quits)
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, MainWindow):
                widget.close()
                widget.deleteLater()
