"""A start claims the one-window socket before its window is built (Linux).

Between a first start finding nobody and its window listening (after the first paint)
lies the building of the window: a second start then used to find nobody too and open a
second window. ``claim()`` binds the socket file at once; a start arriving before the
window listens waits in its queue and is answered once ``InstanceServer.listen`` takes
the socket over.
"""

from __future__ import annotations

import os
import socket
import stat
import sys
import threading
import uuid
from pathlib import Path

import pytest

from tcb_gui.ui.single_instance import (
    InstanceServer,
    _fnv1a_64,
    claim,
    hand_over,
    release,
    server_name,
    socket_path,
)
from tests.probe import run_probe

from .conftest import wait_until

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the early claim is Linux's"
)


def _file_there(name: str) -> bool:
    return os.path.exists(socket_path(name))


@pytest.fixture
def name() -> str:
    return f"tcb-gui-test-{uuid.uuid4().hex[:12]}"


async def test_a_start_before_the_window_listens_waits_and_is_answered(
    qtbot, name: str, tmp_path: Path
) -> None:
    claimed = claim(name)
    assert claimed is not None
    handed: list[bool] = []
    second = threading.Thread(
        target=lambda: handed.append(hand_over([str(tmp_path / "ids.txt")], name=name))
    )
    second.start()  # connects at once, sends, waits for the "ok"
    server = InstanceServer(name=name)
    got: list[list[str]] = []
    server.filesReceived.connect(got.append)
    try:
        assert server.listen(claimed)
        assert server.listening
        await wait_until(lambda: bool(got) and not second.is_alive(), 10)
    finally:
        second.join(10)
        server.close()
    assert handed == [True]
    assert got == [[str(tmp_path / "ids.txt")]]
    assert not _file_there(name)  # closed: the file goes with it


def test_the_claimed_socket_is_the_owners_alone(name: str) -> None:
    claimed = claim(name)
    assert claimed is not None
    try:
        mode = stat.S_IMODE(os.stat(socket_path(name)).st_mode)
        assert mode & 0o077 == 0, oct(mode)
    finally:
        release(claimed)
    assert not os.path.exists(socket_path(name))


def test_a_file_left_by_an_app_that_died_is_replaced(name: str) -> None:
    dead = claim(name)
    assert dead is not None
    dead.close()  # died: the file stays, nobody listens
    assert os.path.exists(socket_path(name))
    assert hand_over([], name=name) is False  # nobody answers there
    claimed = claim(name)
    assert claimed is not None
    release(claimed)


def test_the_name_is_fnv1a_of_the_user_and_folders(monkeypatch, tmp_path: Path) -> None:
    # FNV-1a 64's published test values.
    assert _fnv1a_64(b"") == 0xCBF29CE484222325
    assert _fnv1a_64(b"a") == 0xAF63DC4C8601EC8C
    assert _fnv1a_64(b"foobar") == 0x85944171F73967E8
    monkeypatch.setenv("TCB_GUI_HOME", str(tmp_path / "one"))
    one = server_name()
    monkeypatch.setenv("TCB_GUI_HOME", str(tmp_path / "two"))
    two = server_name()
    assert one != two  # a portable home has a window of its own
    assert one.startswith("tcb-gui-")
    assert len(one) == len("tcb-gui-") + 16
    monkeypatch.setenv("TCB_GUI_HOME", str(tmp_path / "one"))
    assert server_name() == one  # and the same one every start


def test_the_module_loads_where_python_has_no_unix_sockets() -> None:
    """Windows' Python has no AF_UNIX: importing the module (and so starting the window)
    must not need it; only Linux's path makes such a socket."""
    probe = (
        "import _socket\n"
        "del _socket.AF_UNIX\n"
        "import tcb_gui.ui.single_instance as s\n"
        "print(s.server_name().startswith('tcb-gui-'))\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    assert run_probe(probe, env=env).strip() == "True"


def test_a_socket_something_still_listens_on_is_not_taken(name: str) -> None:
    """A window that did not answer in time still listens: a later start does not take
    its socket file (nor the starts queued on it) from it."""
    holder = claim(name)
    assert holder is not None
    try:
        assert claim(name) is None
        assert _file_there(name)
        # The holder's socket is still the one at that name: a start reaches it.
        with socket.socket(socket.AF_UNIX) as probe:
            probe.connect(socket_path(name))
    finally:
        release(holder)
