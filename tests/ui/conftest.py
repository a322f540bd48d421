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

import pytest
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


@pytest.fixture
async def make_window(qtbot) -> AsyncIterator[WindowFactory]:
    """Build shown windows over fresh settings; each is closed cleanly (tasks awaited)."""
    windows: list[MainWindow] = []

    def factory(*, base_url: str | None = None, store: TokenStore | None = None) -> MainWindow:
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
