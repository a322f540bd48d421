"""One window per user: a second ``tcb-gui FILE…`` hands its files to the first and exits.

The running app listens on a local socket (``QLocalServer``) named for the user and the
app's folders (``core.settings.app_dirs``, so a portable ``TCB_GUI_HOME`` has its own).
A second start connects (``QLocalSocket``), sends one line of JSON — the files, made
absolute, and a request to raise the window — waits for the "ok" that says they were
taken, and exits 0. When nothing answers, it becomes the one that listens (a socket
left by an app that died is removed first).

Nothing secret crosses the socket: file paths only. The socket is the user's own (on
Unix a file in a folder only they can write; QLocalServer's UserAccessOption).

Start-up (docs/ARCHITECTURE.md#start-up): on Linux the second start talks to the socket
file itself (where ``QLocalServer`` puts it: ``$TMPDIR`` or ``/tmp``), so asking costs no
``QtNetwork`` before the window's first paint; it does so with ``_socket``, the C module
under ``socket``, whose import builds the address-family and socket-type enums (~2.8 ms),
and the name is an FNV-1a hash, not SHA-256, whose ``hashlib`` loads OpenSSL (~2.8 ms):
the name only has to differ between users and folders, nothing about it is secret. The first start
claims the socket file at once (``claim``: bound and listening, owner-only, before its
window is built) and hands it to ``QLocalServer`` once the window is painted
(``InstanceServer.listen(claimed)``): a start in between waits in the socket's queue and
is answered then, instead of finding nobody and opening a second window.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import logging
import os
import sys
from _socket import socket as UnixSocket
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final

from PySide6.QtCore import QObject, Signal

from tcb_gui.core.settings import app_dirs

if TYPE_CHECKING:
    from PySide6.QtNetwork import QLocalSocket

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_MS: Final = 1_000
# A window that took a start's files answers at once; one still starting answers once
# its first frame is up (its queue holds the start meanwhile): well within this.
REPLY_TIMEOUT_MS: Final = 15_000
MAX_MESSAGE_BYTES: Final = 1 << 20
OK: Final = b"ok\n"
# FNV-1a's 64-bit parameters (server_name).
FNV_OFFSET: Final = 0xCBF2_9CE4_8422_2325
FNV_PRIME: Final = 0x0000_0100_0000_01B3
# Starts that may wait in the claimed socket's queue until the window listens.
CLAIM_BACKLOG: Final = 16


def server_name() -> str:
    """The socket's name: one per user and set of app folders."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no user name (some containers)
        user = ""
    key = f"{user}\0{app_dirs().state}".encode()
    return f"tcb-gui-{_fnv1a_64(key):016x}"


def _fnv1a_64(data: bytes) -> int:
    """FNV-1a, 64 bits: a well-spread hash of a short key, with nothing to import."""
    value = FNV_OFFSET
    for byte in data:
        value = ((value ^ byte) * FNV_PRIME) & 0xFFFF_FFFF_FFFF_FFFF
    return value


def hand_over(files: Sequence[str], *, name: str | None = None) -> bool:
    """Give ``files`` to a running window (which comes to the front); True when one took
    them. Blocking, for the moment before this process starts its own window."""
    name = name or server_name()
    paths = [str(Path(f).expanduser().absolute()) for f in files]
    message = json.dumps({"files": paths, "raise": True}).encode("utf-8") + b"\n"
    if sys.platform.startswith("linux"):
        taken = _hand_over_unix(socket_path(name), message)
    else:
        taken = _hand_over_qt(name, message)
    if taken is None:
        return False  # nobody listens
    if not taken:
        log.warning("the running window did not confirm the files it was handed")
    return taken


def socket_path(name: str) -> str:
    """Where ``QLocalServer`` listens under ``name`` on Unix (``QDir::tempPath()``)."""
    if name.startswith("/"):
        return name
    # Qt's own fallback; only connected to here, never created.
    folder = os.path.normpath(os.environ.get("TMPDIR") or "/tmp")  # noqa: S108
    return os.path.join(folder, name)


def claim(name: str | None = None) -> UnixSocket | None:
    """Linux: the socket file of ``name``, bound and listening now, for
    ``InstanceServer.listen`` to take over later; None elsewhere, or when it cannot be
    bound (``listen`` then binds as it always did).

    Call right after ``hand_over`` found nobody: a file still there that nothing listens
    on is one an app that died left behind, and is replaced (as ``InstanceServer.listen``
    replaces it); one something still listens on (a window that did not answer in time)
    is left alone, and so is that window's queue of starts."""
    if not sys.platform.startswith("linux"):
        return None
    path = socket_path(name or server_name())
    sock = _unix_socket()
    # Owner-only from the start, as QLocalServer's UserAccessOption makes it (the umask
    # is only ever made stricter meanwhile, whatever else runs).
    umask = os.umask(0o077)
    try:
        try:
            sock.bind(path)
        except OSError:
            if _listened_on(path):
                sock.close()
                log.info("a window that did not answer still listens: not claimed")
                return None
            with contextlib.suppress(FileNotFoundError):  # an app that died left it
                os.unlink(path)
            sock.bind(path)
        sock.listen(CLAIM_BACKLOG)
    except OSError as exc:
        sock.close()
        log.info("cannot claim the instance socket early (%s); listening later", exc)
        return None
    finally:
        os.umask(umask)
    return sock


def _listened_on(path: str) -> bool:
    """Whether something accepts connections on the socket file at ``path``."""
    probe = _unix_socket()
    try:
        probe.settimeout(CONNECT_TIMEOUT_MS / 1000)
        probe.connect(path)
    except OSError:  # refused (nothing listens), gone, or not a socket
        return False
    finally:
        probe.close()
    return True


def _unix_socket() -> UnixSocket:
    """A Unix-domain stream socket (Linux's path only: Windows' Python has no AF_UNIX)."""
    import _socket

    return UnixSocket(_socket.AF_UNIX, _socket.SOCK_STREAM)


def release(claimed: UnixSocket | None) -> None:
    """A claimed socket this start will not listen on after all: closed, file removed."""
    if claimed is None:
        return
    with contextlib.suppress(OSError):
        path = claimed.getsockname()
        if isinstance(path, str) and path:
            os.unlink(path)
    claimed.close()


def _hand_over_unix(path: str, message: bytes) -> bool | None:
    """``message`` over the socket file at ``path``: None when nothing listens there,
    else whether the "ok" came back."""
    sock = _unix_socket()
    try:
        sock.settimeout(CONNECT_TIMEOUT_MS / 1000)
        try:
            sock.connect(path)
        except OSError:
            return None
        reply = b""
        try:
            sock.sendall(message)
            sock.settimeout(REPLY_TIMEOUT_MS / 1000)
            while OK not in reply:
                chunk = sock.recv(len(OK))
                if not chunk:
                    break
                reply += chunk
        except OSError:  # timed out, or the window went away
            return OK in reply
        return OK in reply
    finally:
        sock.close()


def _hand_over_qt(name: str, message: bytes) -> bool | None:
    from PySide6.QtNetwork import QLocalSocket

    sock = QLocalSocket()
    sock.connectToServer(name)
    if not sock.waitForConnected(CONNECT_TIMEOUT_MS):
        return None
    sock.write(message)
    sock.flush()
    # flush() may have written it all; waitForBytesWritten is then False with nothing due.
    while sock.bytesToWrite() > 0:
        if not sock.waitForBytesWritten(CONNECT_TIMEOUT_MS):
            sock.abort()
            return None
    reply = b""
    while OK not in reply and sock.waitForReadyRead(REPLY_TIMEOUT_MS):
        reply += bytes(sock.readAll().data())
    sock.disconnectFromServer()
    return OK in reply


class InstanceServer(QObject):
    """Listens for later starts; ``filesReceived`` carries their files."""

    filesReceived = Signal(list)  # list[str] of absolute paths
    raiseRequested = Signal()

    def __init__(self, parent: QObject | None = None, *, name: str | None = None) -> None:
        super().__init__(parent)
        from PySide6.QtNetwork import QLocalServer

        self.name = name or server_name()
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._connected)
        self._buffers: dict[QLocalSocket, bytes] = {}

    def listen(self, claimed: UnixSocket | None = None) -> bool:
        """Start listening: on ``claimed`` (``claim()``'s socket, whose queued starts are
        answered now) when given, else on the name (taking over a socket an app that
        died left behind)."""
        if claimed is not None:
            if self._server.listen(claimed.fileno()):
                claimed.detach()  # the server's now: closed (and its file removed) by it
                return True
            log.warning("cannot take over the claimed socket: %s", self._server.errorString())
            claimed.close()
        if self._server.listen(self.name):
            return True
        self._server.removeServer(self.name)
        if self._server.listen(self.name):
            return True
        log.warning("cannot listen for other starts: %s", self._server.errorString())
        return False

    @property
    def listening(self) -> bool:
        return self._server.isListening()

    def close(self) -> None:
        self._server.close()

    def _connected(self) -> None:
        while self._server.hasPendingConnections():
            socket = self._server.nextPendingConnection()
            self._buffers[socket] = b""
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(lambda s=socket: self._gone(s))

    def _gone(self, socket: QLocalSocket) -> None:
        self._buffers.pop(socket, None)
        socket.deleteLater()

    def _read(self, socket: QLocalSocket) -> None:
        data = self._buffers.get(socket, b"") + bytes(socket.readAll().data())
        if len(data) > MAX_MESSAGE_BYTES:
            socket.abort()
            return
        if b"\n" not in data:
            self._buffers[socket] = data
            return
        line = data.split(b"\n", 1)[0]
        self._buffers[socket] = b""
        try:
            message = json.loads(line.decode("utf-8"))
            files = [str(f) for f in message.get("files", []) if isinstance(f, str)]
            lift = bool(message.get("raise", True))
        except (ValueError, AttributeError):
            socket.abort()
            return
        socket.write(OK)
        socket.flush()
        if lift:
            self.raiseRequested.emit()
        if files:
            self.filesReceived.emit(files)
