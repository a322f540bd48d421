"""Serve the demo service over real HTTP with uvicorn: in a background thread, or alone.

``DemoServer`` is what tests, benchmarks and ``tcb-gui --demo`` use; ``serve`` is
``tcb-gui demo-server``. The socket is bound and listening before uvicorn is imported or
started (``DemoServer.bind``), so the port (0 picks a free one) and ``base_url`` are
known at once, and a client that connects from then on waits in the socket's queue and
is answered once uvicorn serves, never refused. So the window can switch to the demo the
moment it asks for it: a run started in the service's first second (uvicorn's imports
and start, on a busy machine a second or more) then goes to the demo, not to the
profile left, where it stopped with "no token"; and a command run right after
``demo-server`` printed its address is answered.

The server also gives the app access to each request's TCP connection
(``DemoState.connections``), so the ``drop`` and ``cut`` faults are real: a reset or an
early close on the wire, not an error page.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import struct
import sys
import threading
import time
import warnings
from types import TracebackType
from typing import TYPE_CHECKING, Any, TextIO

from starlette.types import Scope

from tcb_gui.demo import samples
from tcb_gui.demo.service import (
    DEMO_APPID,
    DEMO_APPSECRET,
    DEMO_TCB_TOKEN,
    DEMO_TOKEN,
    EXPIRED_TOKEN,
    DemoConfig,
    DemoState,
    create_app,
)

if TYPE_CHECKING:
    import uvicorn

DEFAULT_HOST = "127.0.0.1"
# How long start() waits for uvicorn to accept connections, and stop() for it to end.
START_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0
# Requests still running when stop() is called get this long before being cancelled.
GRACEFUL_SHUTDOWN = 1
_POLL_INTERVAL = 0.005
# SO_LINGER on, timeout 0: close() sends a TCP reset instead of a FIN.
_LINGER_RESET = struct.pack("ii", 1, 0)
# Connections queued before uvicorn accepts them (uvicorn's own default backlog).
BACKLOG = 2048


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` names this machine only (127.0.0.0/8, ::1, localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _base_url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def _bind(host: str, port: int) -> socket.socket:
    family, kind, proto, _, address = socket.getaddrinfo(
        host.strip("[]"), port, type=socket.SOCK_STREAM
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(BACKLOG)  # connections wait for uvicorn from now on, never refused
    except OSError:
        sock.close()
        raise
    return sock


def _uvicorn_server(state: DemoState) -> uvicorn.Server:
    """A uvicorn server for ``state`` (imported here: uvicorn is most of the start-up)."""
    import uvicorn

    config = uvicorn.Config(
        create_app(state),
        log_config=None,  # leave the application's logging alone
        log_level="warning",
        access_log=False,
        lifespan="off",
        ws="none",  # no websocket stack: nothing to import, nothing to warn
        server_header=False,
        date_header=False,  # the app sends its own, from the demo's clock (clock_skew_s)
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN,
    )
    return uvicorn.Server(config)


class _UvicornConnections:
    """``ConnectionControl`` over a running uvicorn server's open connections."""

    def __init__(self, server: uvicorn.Server) -> None:
        self._server = server

    def _transport(self, scope: Scope) -> Any:
        client = scope.get("client")
        if client is None:
            return None
        peer = tuple(client)
        # Runs on the server's own loop, so the set is not changing under us.
        for protocol in self._server.server_state.connections:
            if getattr(protocol, "client", None) == peer:
                return getattr(protocol, "transport", None)
        return None

    def reset(self, scope: Scope) -> bool:
        transport = self._transport(scope)
        if transport is None:
            return False
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RESET)
        transport.abort()
        return True

    def close(self, scope: Scope) -> bool:
        transport = self._transport(scope)
        if transport is None:
            return False
        transport.close()  # flushes what was written, then FIN
        return True


class DemoServer:
    """The demo service on loopback, in a background daemon thread.

    ``with DemoServer() as server:`` starts it; ``server.base_url`` is its address and
    ``server.state`` its ``DemoState``.
    """

    def __init__(
        self, state: DemoState | None = None, host: str = DEFAULT_HOST, port: int = 0
    ) -> None:
        if not is_loopback_host(host):
            warnings.warn(
                f"the demo service is meant for loopback only; binding to {host!r} exposes "
                "its demo tokens to the network",
                UserWarning,
                stacklevel=2,
            )
        self.state = state if state is not None else DemoState()
        self.host = host
        self._requested_port = port
        self._socket: socket.socket | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self.port = port

    @property
    def base_url(self) -> str:
        if self._socket is None:
            raise RuntimeError("the demo server is not started")
        return _base_url(self.host, self.port)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def bind(self) -> DemoServer:
        """Claim the address and listen, without serving yet (quick: uvicorn is neither
        imported nor started): ``base_url`` is known from now on, and what connects is
        answered once ``start`` runs. ``start`` binds when this was not called."""
        if self._socket is None:
            sock = _bind(self.host, self._requested_port)
            self._socket = sock
            self.port = sock.getsockname()[1]
        return self

    def start(self) -> DemoServer:
        """Start serving; returns once the server accepts connections."""
        if self._thread is not None:
            raise RuntimeError("the demo server is already started")
        self.bind()
        sock = self._socket
        assert sock is not None
        server = _uvicorn_server(self.state)
        self._server = server
        self.state.connections = _UvicornConnections(server)
        self._error = None
        self._thread = threading.Thread(
            target=self._run, args=(server, sock), name=f"tcb-demo-server-{self.port}", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the demo server did not start") from self._error
            time.sleep(_POLL_INTERVAL)
        return self

    def _run(self, server: uvicorn.Server, sock: socket.socket) -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # reported by start(); a thread cannot raise to it
            self._error = exc

    def stop(self) -> None:
        """Stop serving and wait for the thread; safe to call twice."""
        server, thread, sock = self._server, self._thread, self._socket
        if server is not None:
            server.should_exit = True
        if thread is not None:
            thread.join(STOP_TIMEOUT)
            if thread.is_alive() and server is not None:
                server.force_exit = True
                thread.join(STOP_TIMEOUT)
        if sock is not None:
            sock.close()
        self.state.connections = None
        self._server = self._thread = self._socket = None

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = _base_url(self.host, self.port) if self._socket is not None else "stopped"
        return f"<DemoServer {where}>"


def banner(base_url: str) -> str:
    """What ``serve`` prints first: where the service runs and how to use it."""
    sample = samples.PROD.fileid("图片/春节 海报.png")
    return (
        f"TCB Links demo service: {base_url}\n"
        f"  component token (componenttcb/…): {DEMO_TOKEN}\n"
        f"  tcb token (tcb/…):                {DEMO_TCB_TOKEN}\n"
        f"  an expired token:                 {EXPIRED_TOKEN}\n"
        f"  mini program AppID / AppSecret:   {DEMO_APPID} / {DEMO_APPSECRET}\n"
        f"  sample ID: {sample}\n"
        f"Try:  TCB_ACCESS_TOKEN={DEMO_TOKEN} tcb-gui resolve --base-url {base_url} ids.txt\n"
        "Press Ctrl+C to stop.\n"
    )


def serve(host: str, port: int, config: DemoConfig, out: TextIO | None = None) -> None:
    """Run the demo service in the foreground until Ctrl+C (``tcb-gui demo-server``)."""
    stream = out if out is not None else sys.stdout
    if not is_loopback_host(host):
        print(
            f"warning: binding the demo service to {host!r}, not loopback: anyone who can "
            "reach it sees its demo tokens and files",
            file=sys.stderr,
        )
    state = DemoState(config)
    sock = _bind(host, port)
    try:
        base_url = _base_url(host, sock.getsockname()[1])
        stream.write(banner(base_url))
        stream.flush()
        server = _uvicorn_server(state)
        state.connections = _UvicornConnections(server)
        # uvicorn shuts down on Ctrl+C, then re-raises the signal it handled.
        with contextlib.suppress(KeyboardInterrupt):
            server.run(sockets=[sock])
    finally:
        sock.close()
