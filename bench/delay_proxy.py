"""A download host far away: a TCP proxy that holds every HTTP request for a fixed delay.

``python -m bench.delay_proxy --port P --upstream http://127.0.0.1:N --delay-ms 40``
listens on loopback and forwards each connection to the upstream (nginx), holding every
request it sees — a request head, with any ``Content-Length`` body — for the delay before
passing it on. The answer's first byte therefore comes at least that much later, on a
fresh connection as on a reused one; answers flow back untouched, with flow control. A new
connection costs no extra delay (over the internet it would cost one more round trip, and
TLS one or two more), so the figures are kind to tools that open a connection per file.

Requests on one connection leave in order, each no earlier than ``delay`` after it
arrived. A body sent without ``Content-Length`` (chunked uploads) is passed on as it comes,
without further delays on that connection; downloads never send one.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from urllib.parse import urlsplit

HEAD_END = b"\r\n\r\n"
MAX_HEAD = 64 * 1024
# Outgoing buffer per side before the other side stops being read (flow control).
HIGH_WATER = 1 << 20
LOW_WATER = 256 * 1024


class _Upstream(asyncio.Protocol):
    """The proxy's connection to the upstream: answers go straight to the client."""

    def __init__(self, client: _Client) -> None:
        self.client = client
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.set_write_buffer_limits(HIGH_WATER, LOW_WATER)
        self.client.upstream_ready(transport)

    def data_received(self, data: bytes) -> None:
        self.client.send_to_client(data)

    def connection_lost(self, exc: Exception | None) -> None:
        self.client.upstream_closed()

    # The upstream cannot take more requests right now: stop reading the client.
    def pause_writing(self) -> None:
        self.client.pause_client_reading()

    def resume_writing(self) -> None:
        self.client.resume_client_reading()


class _Client(asyncio.Protocol):
    """One client connection: requests held for the delay, answers passed back."""

    def __init__(self, upstream: tuple[str, int], delay: float) -> None:
        self.upstream_addr = upstream
        self.delay = delay
        self.loop = asyncio.get_running_loop()
        self.transport: asyncio.Transport | None = None
        self.upstream: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.body_left = 0  # bytes of the current request's body still to come
        self.raw = False  # a body of unknown length: pass everything on as it comes
        self.pending: list[bytes] = []  # released before the upstream was connected
        self.last_release = 0.0
        self.closed = False

    # -- client side -------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.set_write_buffer_limits(HIGH_WATER, LOW_WATER)
        host, port = self.upstream_addr
        task = self.loop.create_task(
            self.loop.create_connection(lambda: _Upstream(self), host, port)
        )
        task.add_done_callback(self._connected)

    def _connected(self, task: asyncio.Future[tuple[asyncio.Transport, _Upstream]]) -> None:
        if task.cancelled() or task.exception() is not None:
            self._close_all()

    def data_received(self, data: bytes) -> None:
        if self.raw:
            self._release(data)
            return
        self.buffer += data
        while self.buffer:
            if self.body_left:
                take = bytes(self.buffer[: self.body_left])
                del self.buffer[: len(take)]
                self.body_left -= len(take)
                self._schedule(take)
                continue
            end = self.buffer.find(HEAD_END)
            if end < 0:
                if len(self.buffer) > MAX_HEAD:
                    self._close_all()
                return
            head = bytes(self.buffer[: end + len(HEAD_END)])
            del self.buffer[: len(head)]
            length, chunked = _body_framing(head)
            self.body_left = length
            self._schedule(head)
            if chunked:
                self.raw = True
                rest, self.buffer = bytes(self.buffer), bytearray()
                if rest:
                    self._schedule(rest)
                return

    def _schedule(self, data: bytes) -> None:
        """Pass ``data`` on ``delay`` after now, and never before what came earlier."""
        at = max(self.loop.time() + self.delay, self.last_release)
        self.last_release = at
        self.loop.call_at(at, self._release, data)

    def _release(self, data: bytes) -> None:
        if self.closed:
            return
        if self.upstream is None:
            self.pending.append(data)
        else:
            self.upstream.write(data)

    def connection_lost(self, exc: Exception | None) -> None:
        self._close_all()

    # Answers pile up faster than the client reads them: stop reading the upstream.
    def pause_writing(self) -> None:
        if self.upstream is not None:
            self.upstream.pause_reading()

    def resume_writing(self) -> None:
        if self.upstream is not None:
            self.upstream.resume_reading()

    # -- called by the upstream side ---------------------------------------------------

    def upstream_ready(self, transport: asyncio.Transport) -> None:
        if self.closed:
            transport.close()
            return
        self.upstream = transport
        for data in self.pending:
            transport.write(data)
        self.pending.clear()

    def send_to_client(self, data: bytes) -> None:
        if self.transport is not None and not self.closed:
            self.transport.write(data)

    def upstream_closed(self) -> None:
        # close() sends what is still buffered first.
        if self.transport is not None:
            self.transport.close()
        self.closed = True

    def pause_client_reading(self) -> None:
        if self.transport is not None:
            self.transport.pause_reading()

    def resume_client_reading(self) -> None:
        if self.transport is not None:
            self.transport.resume_reading()

    def _close_all(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()
        if self.upstream is not None:
            self.upstream.close()


def _body_framing(head: bytes) -> tuple[int, bool]:
    """(Content-Length, chunked?) of a request head."""
    length, chunked = 0, False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length" and value.strip().isdigit():
            length = int(value.strip())
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    return length, chunked


async def serve(host: str, port: int, upstream: tuple[str, int], delay: float) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: _Client(upstream, delay), host, port, backlog=1024)
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with server:
        await stop.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.delay_proxy", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True, help="http://HOST:PORT")
    parser.add_argument("--delay-ms", type=float, default=40.0)
    args = parser.parse_args(argv)
    parts = urlsplit(args.upstream)
    if parts.hostname is None or parts.port is None:
        parser.error("--upstream must be http://HOST:PORT")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.host, args.port, (parts.hostname, parts.port), args.delay_ms / 1e3))
    return 0


if __name__ == "__main__":
    sys.exit(main())
