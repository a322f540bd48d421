"""Fixtures shared by every test: isolation from the real machine, and the demo service."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import keyring
import pytest

from tests.memory_keyring import MemoryKeyring

if TYPE_CHECKING:
    import httpx

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# `make test` runs the suite on every core (pytest-xdist, --dist loadgroup). The tests
# that start an X server (marked xvfb) run one after another on one worker: two
# `xvfb-run -a` started at the same moment can both pick the same free display number.
X_SERVER_GROUP = "x-server"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("xvfb") is not None:
            item.add_marker(pytest.mark.xdist_group(X_SERVER_GROUP))


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Config, data, cache and state dirs in a temporary folder; no token from outside;
    certifi's roots, not a bundle the machine names (``SSL_CERT_FILE``/``SSL_CERT_DIR``)."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("TCB_GUI_HOME", str(home))
    for name in ("TCB_ACCESS_TOKEN", "TCB_APP_SECRET", "SSL_CERT_FILE", "SSL_CERT_DIR"):
        monkeypatch.delenv(name, raising=False)
    from tcb_gui.core.tokens import forget_adopted_secrets

    forget_adopted_secrets()  # what a window started in an earlier test took in
    yield home
    forget_adopted_secrets()


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    """Every test gets an empty in-memory keyring unless it asks for a real one."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def demo_server():
    """The demo service over real loopback HTTP, fresh state for each test."""
    from tcb_gui.demo.server import DemoServer

    with DemoServer() as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    """The app's HTTP client (``core.httpclient.make_http_client``), closed after the
    test; a test file needing another (its own TLS context) defines its own ``http``."""
    from tcb_gui.core.httpclient import make_http_client

    async with make_http_client() as client:
        yield client


@pytest.fixture
def held(tmp_path: Path) -> Iterator[Path]:
    """A download folder another run is writing into (its lock held here)."""
    from tcb_gui.core.downloads.folderlock import FolderLock
    from tcb_gui.core.downloads.manifest import STATE_DIR_NAME

    dest = tmp_path / "busy"
    (dest / STATE_DIR_NAME).mkdir(parents=True)
    lock = FolderLock(dest, dest / STATE_DIR_NAME)
    lock.acquire()
    yield dest
    lock.release()


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[Path]:
    """A named pipe nobody writes to; a reader still waiting on it is let go after."""
    path = tmp_path / "ids.fifo"
    os.mkfifo(path)
    yield path
    with contextlib.suppress(OSError):  # ENXIO: nobody waits on it
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))  # ends a waiting open: EOF
