"""``WireTransport``: ``core.wire``'s connections under an ``httpx.AsyncClient``.

A command-line run's client (``wire.RunClient``) makes its API calls and downloads on the
engine's own connections without ``httpx``. What it leaves to ``httpx`` (a link with a
user part, which ``httpx`` sends as credentials as the window does; a test asking for the
``httpx`` API) goes through this transport: requests go out exactly as ``httpx`` built
them, answers are handed back as ``httpx`` responses whose bodies stream from the
connection (``_StreamedBody``). ``httpcore``, ``h11`` and ``anyio`` are then never
imported. The window and the tests' mocked clients keep ``httpx``'s own transport.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections import deque
from collections.abc import AsyncIterator, Callable
from typing import Final

import httpx

from tcb_gui.core.wire import (
    DEFAULT_PORTS,
    RECV_BUFFER,
    TOKEN_RE,
    Target,
    WireClient,
    WireResponse,
)

# Bytes of a streamed answer that may wait for its reader: reading pauses beyond them, and
# goes on once the reader has taken all but a quarter of them.
STREAM_QUEUE_BYTES: Final = 4 * RECV_BUFFER


class _StreamedBody(httpx.AsyncByteStream):
    """An answer's body as its connection reads it, piece by piece: a file's bytes reach
    the disk as they come and a cut keeps what arrived (its resume asks for the rest), in
    bounded memory whatever the size, and an API caller stops reading at its own bound
    (``httpclient.post_for_answer``). A wait for the next piece longer than the request's
    ``read`` timeout is a ``ReadTimeout``, as a read is for ``httpx``'s own transport."""

    def __init__(self, response: WireResponse, read_timeout: float | None) -> None:
        self._response = response
        self._timeout = read_timeout
        self._pieces: deque[bytes] = deque()
        self._queued = 0
        self._paused = False
        self._reading: asyncio.Future[None] | None = None
        self._news: asyncio.Future[None] | None = None

    def _take(self, piece: memoryview) -> None:
        self._pieces.append(bytes(piece))
        self._queued += len(piece)
        if self._queued >= STREAM_QUEUE_BYTES and not self._paused:
            self._paused = True
            self._response.pause_reading()
        self._tell()

    def _tell(self, _done: object = None) -> None:
        news, self._news = self._news, None
        if news is not None and not news.done():
            news.set_result(None)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self._reading is not None:
            raise httpx.StreamConsumed()
        reading = self._reading = asyncio.ensure_future(self._response.read_body(self._take))
        reading.add_done_callback(self._tell)
        pieces = self._pieces
        while True:
            while pieces:
                piece = pieces.popleft()
                self._queued -= len(piece)
                if self._paused and self._queued <= STREAM_QUEUE_BYTES // 4:
                    self._paused = False
                    self._response.resume_reading()
                yield piece
            if reading.done():
                reading.result()  # the body's error, if it ended with one
                return
            news = self._news = asyncio.get_running_loop().create_future()
            try:
                async with asyncio.timeout(self._timeout):
                    await news
            except TimeoutError:
                raise httpx.ReadTimeout("the answer stopped coming") from None

    async def aclose(self) -> None:
        """Stop reading (a body left unread closes its connection), then give the
        connection back or close it (``WireResponse.aclose``)."""
        reading = self._reading
        if reading is not None:
            if not reading.done():
                self._response.fail(httpx.ReadError("the answer was not read to its end"))
            with contextlib.suppress(httpx.HTTPError, asyncio.CancelledError):
                await reading
        await self._response.aclose()


class WireTransport(httpx.AsyncBaseTransport):
    """An ``httpx`` transport on ``WireClient`` connections (module docstring).

    ``ssl_context`` makes the context of the first TLS connection (certificates and host
    names checked as by ``httpx``'s own transport); ``ssl_context()`` hands the same one
    to the download engine. Answers are streamed (``_StreamedBody``): a file body that the
    engine's own ``get`` does not take (a link with a user part, which ``httpx`` sends as
    credentials as the window does) is downloaded as any other, to disk and resumable.
    """

    def __init__(self, ssl_context: Callable[[], ssl.SSLContext], *, max_idle: int = 32) -> None:
        self._make_ssl = ssl_context
        self._ssl: ssl.SSLContext | None = None
        self._wire = WireClient(user_agent="", ssl_context=self.ssl_context, max_idle=max_idle)

    def ssl_context(self) -> ssl.SSLContext:
        if self._ssl is None:
            self._ssl = self._make_ssl()
        return self._ssl

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        scheme = url.scheme
        if scheme not in DEFAULT_PORTS:
            raise httpx.UnsupportedProtocol(f"unsupported URL scheme {scheme!r}")
        host = url.raw_host.decode("ascii")
        port = url.port or DEFAULT_PORTS[scheme]
        if not 0 < port < 65536:
            # httpx takes any number of digits; a connection would raise OverflowError.
            raise httpx.InvalidURL(f"invalid port {port}")
        path = url.raw_path.decode("ascii")
        target = Target(scheme, host, port, host, path)
        body = await request.aread()
        head = [request.method.encode("ascii"), b" ", url.raw_path, b" HTTP/1.1\r\n"]
        for name, value in request.headers.raw:
            if b"\r" in value or b"\n" in value or not TOKEN_RE.match(name):
                raise httpx.LocalProtocolError(f"invalid header {name!r}")
            head += (name, b": ", value, b"\r\n")
        head += (b"\r\n", body)
        timeouts = request.extensions.get("timeout", {})
        # Kept on the wire's response for nothing but its path: the query holds the token.
        response = await self._wire.exchange(target, b"".join(head), url.path, resend=False)
        stream: httpx.AsyncByteStream
        if request.method == "HEAD":
            response.close_connection()  # no body follows, whatever its length says
            await response.aclose()
            stream = httpx.ByteStream(b"")
        else:
            stream = _StreamedBody(response, timeouts.get("read"))
        return httpx.Response(
            response.status_code,
            headers=list(response.headers.items()),
            stream=stream,
            extensions={
                "http_version": b"HTTP/1.1",
                "reason_phrase": response.reason_phrase.encode("latin-1", "replace"),
            },
        )

    async def aclose(self) -> None:
        self._wire.close()
