"""core/wire: a first read that fills the connection's whole buffer with the head and the
start of the body (a fast host, a busy loop; over TLS, one read drains every record that
is in) leaves the connection reading nothing until the body is asked for, and the body
then arrives whole on a kept-alive connection, over plain TCP and over TLS."""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tcb_gui.core.wire import WireClient, parse_target
from tests.tls_helpers import loopback_certificate

BODY = bytes(range(256)) * 1200  # 300 KiB: more than a connection's first buffer
REQUESTS = 4


class _Server:
    """One connection, answered from a thread: each request's head and whole body in one
    ``sendall`` (so they wait in the socket together while the client's loop is busy)."""

    def __init__(self, context: ssl.SSLContext | None) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.context = context
        self.accepted = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        raw, _ = self.listener.accept()
        self.accepted += 1
        conn = self.context.wrap_socket(raw, server_side=True) if self.context else raw
        with conn:
            head = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(BODY)
            for _ in range(REQUESTS):
                received = b""
                while b"\r\n\r\n" not in received:
                    data = conn.recv(4096)
                    if not data:
                        return
                    received += data
                conn.sendall(head + BODY)


@pytest.fixture
def server_for(tmp_path: Path) -> Iterator[dict[str, object]]:
    made: dict[str, object] = {}
    yield made
    for server in made.values():
        assert isinstance(server, _Server)
        server.listener.close()


@pytest.mark.parametrize("scheme", ["http", "https"])
async def test_a_full_first_read_keeps_the_connection_and_the_body_whole(
    scheme: str, tmp_path: Path, server_for: dict[str, object]
) -> None:
    served: ssl.SSLContext | None = None
    trusting: ssl.SSLContext | None = None
    if scheme == "https":
        cert, served = await loopback_certificate(tmp_path)
        trusting = ssl.create_default_context(cafile=str(cert))
    server = _Server(served)
    server_for[scheme] = server
    server.thread.start()
    url = f"{scheme}://127.0.0.1:{server.port}/file.bin"
    target = parse_target(url)
    assert target is not None
    context = trusting or ssl.create_default_context()
    client = WireClient(user_agent="test", ssl_context=lambda: context)
    loop = asyncio.get_running_loop()
    try:
        for _ in range(REQUESTS):
            # The loop is busy while the answer comes in: the first read finds all of it.
            loop.call_soon(time.sleep, 0.2)
            response = await client.get(target, [], url)
            await asyncio.sleep(0.2)  # the head is in; nobody has asked for the body yet
            received = bytearray()
            await response.read_body(received.extend)
            await response.aclose()
            assert bytes(received) == BODY
    finally:
        client.close()
    assert client.connections_opened == 1
    assert server.accepted == 1
