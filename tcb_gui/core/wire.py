"""A small HTTP/1.1 client for file bodies: one request per connection at a time, kept alive.

The engine asks the storage host for files with it instead of ``httpx`` when the shared
client is a plain one (``httpclient.usable_with``): no proxy, no mock transport, no event
hooks. It does only what a download needs, with little work per request and per read:

* **Requests.** ``GET`` with ``Host``, ``User-Agent`` (the shared client's),
  ``Accept-Encoding: identity`` and the caller's ``Range``/``If-Range``; nothing else is
  ever sent (no cookies, no credentials). Redirects are the caller's business.
* **Connections.** Kept alive per origin (scheme, host, port) and reused LIFO, at most
  ``max_idle`` idle ones each. A reused connection that the server had closed meanwhile
  (it answers nothing) is replaced by a fresh one at once, once, for a ``GET`` (idempotent);
  never for the link service's ``POST`` (``WireTransport``): the server may have seen it.
  TLS uses the shared client's SSL context (certificate checks as for every request).
* **Responses.** Heads up to 64 KiB (lines ending in CRLF or a bare LF), interim ``1xx``
  answers skipped; bodies framed by ``Content-Length``, ``chunked`` (no other transfer
  coding is accepted) or a clean end of the connection (a reset, or a TLS stream ended
  without close_notify, is a cut), never decoded: the bytes as sent. A connection goes
  back to the pool only after a complete body under HTTP/1.1
  keep-alive; anything else (a body left unread, extra bytes, ``Connection: close``)
  closes it.
* **Bodies.** ``asyncio.BufferedProtocol``: the transport reads straight into one reused
  buffer per connection (up to ``RECV_BUFFER``) and each read is handed to the caller's sink
  synchronously, as a ``memoryview`` valid only during the call: no task switch, future or
  copy per read. The sink may pause and resume reading (rate limits) or fail the response.
  A caller that holds the whole body in memory may lend its own buffer (``Lend``): a body
  framed by ``Content-Length`` is then read straight into it, where its bytes belong, and
  the sink is handed views of that buffer (never more than the announced length).

Errors are ``httpx`` exceptions (``ConnectError``, ``ReadTimeout``, ``RemoteProtocolError``,
``ReadError``…), so callers word them as for any other request
(``core.netmessages.describe_transport_error``). An answer that breaks the rules above (a
malformed head or framing, another transfer coding, a ``101``, bytes nobody asked for) is
a ``MalformedAnswer``, a ``RemoteProtocolError`` of its own: the host's fault, not a cut.

``RunClient`` is a command-line run's shared client (``httpclient.make_run_client``):
its API calls are POSTs on these connections (``wire_post``) and its downloads take them
too, so a run that goes well never imports ``httpx`` (``core.lazy_httpx``: ~16 ms of a
``tcb-gui download``'s way to its first request). Anything else asked of it (a link with
a user part, which ``httpx`` sends as credentials as the window does) goes to an
``httpx`` client it makes at that moment, over ``wire_transport.WireTransport``: the
same kind of connections under ``httpx``, so ``httpcore``, ``h11`` and ``anyio`` are not
imported either. The window and the tests' mocked clients keep ``httpx``'s own
transport.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import ssl
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, NamedTuple, cast

from tcb_gui.core.netmessages import malformed

if TYPE_CHECKING:
    import httpx
else:
    from tcb_gui.core.lazy_httpx import httpx  # imported at its first use

# One buffer per connection; a read takes whatever the socket holds, up to its size. It
# starts small (heads and small files) and grows for a body larger than it.
RECV_BUFFER: Final = 1 << 20
FIRST_BUFFER: Final = 128 * 1024
# Largest response head accepted (status line and headers).
MAX_HEAD_BYTES: Final = 64 * 1024
# The shared client's own limits (core.client.HTTP_TIMEOUT): connect, then the head.
CONNECT_TIMEOUT: Final = 10.0
HEAD_TIMEOUT: Final = 30.0
# Bytes of an unwanted body (an error page, a redirect) read to keep the connection.
DRAIN_LIMIT: Final = 64 * 1024
# Longest chunk-size line of a chunked body.
MAX_CHUNK_LINE: Final = 1024
# Most digits of a size in a head (Content-Length, Content-Range): no file is larger than
# 2**63 bytes (19 digits). More is a hostile answer, and int() refuses a decimal of over
# 4,300 digits with a ValueError (sys.int_max_str_digits) that no caller expects.
MAX_SIZE_DIGITS: Final = 19

Sink = Callable[[memoryview], None]
# Where the next bytes of a body may be read into (the caller's memory), or None.
Lend = Callable[[], memoryview | None]

# What may stand in a request target as it is: RFC 3986 pchar, "/", "?" and "%XX".
_TARGET_RE: Final = re.compile(r"/[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]*\Z")
_BAD_PERCENT_RE: Final = re.compile(r"%(?![0-9A-Fa-f]{2})")
# A host name as links carry them: letters, digits, "-", "." and "_" (not in RFC 952
# names, yet in DNS and in CDN host names; every resolver and TLS library takes it).
_HOST_RE: Final = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9\-._]*[A-Za-z0-9])?\Z")
_IPV6_RE: Final = re.compile(r"\[[0-9A-Fa-f:.]+\]\Z")
TOKEN_RE: Final = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")
_HEX_RE: Final = re.compile(rb"[0-9A-Fa-f]+\Z")
# Lines of a response head end in CRLF, or in a bare LF from some servers (RFC 9112 §2.2;
# curl and h11 take those too): read as CRLF, never as part of a line, or the head would
# end at the first CRLF CRLF in the body and the bytes before it be lost.
_LINE_END_RE: Final = re.compile(rb"\r?\n")
_HEAD_END_RE: Final = re.compile(rb"\r?\n\r?\n")
DEFAULT_PORTS: Final = {"http": 80, "https": 443}
_NO_BODY_STATUSES: Final = frozenset({204, 304})


class Target(NamedTuple):
    """A link taken apart once: where to connect and what to ask for."""

    scheme: str  # "http" or "https"
    host: str  # to connect to: a name, an IPv4 or an IPv6 address (no brackets)
    port: int
    authority: str  # the Host header: as in the link, the port only when not the default
    path: str  # the request target: path and query, as the link has them

    @property
    def origin(self) -> tuple[str, str, int]:
        return (self.scheme, self.host, self.port)


def parse_target(url: str) -> Target | None:
    """``url`` as a ``Target``, or None when it is anything but a plain http(s) link
    that needs no further encoding (those go through ``httpx``, which knows them all)."""
    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in DEFAULT_PORTS:
        return None
    slash = rest.find("/")
    authority, path = (rest, "/") if slash < 0 else (rest[:slash], rest[slash:])
    if "#" in path or "@" in authority:
        return None
    if "?" in authority:
        return None
    if not _TARGET_RE.match(path) or _BAD_PERCENT_RE.search(path):
        return None
    host, port_text = authority, ""
    if authority.startswith("["):
        end = authority.find("]")
        if end < 0:
            return None
        host, port_text = authority[: end + 1], authority[end + 1 :]
        if port_text and not port_text.startswith(":"):
            return None
        port_text = port_text[1:]
        if not _IPV6_RE.match(host):
            return None
        connect_host = host[1:-1]
    else:
        host, _, port_text = authority.partition(":")
        if not _HOST_RE.match(host):
            return None
        connect_host = host.lower()
    default = DEFAULT_PORTS[scheme]
    if port_text:
        if not port_text.isascii() or not port_text.isdigit() or len(port_text) > 5:
            return None
        port = int(port_text)
        if not 0 < port < 65536:
            return None
    else:
        port = default
    shown = host.lower() if port == default else f"{host.lower()}:{port}"
    return Target(scheme, connect_host, port, shown, path)


class _State:
    IDLE = 0  # in the pool, or between requests
    HEAD = 1  # waiting for a response head
    READY = 2  # head received, body not asked for yet (reading paused)
    BODY = 3  # body streaming to the sink
    DONE = 4  # body complete
    BROKEN = 5  # closed or unusable


class _Connection(asyncio.BufferedProtocol):
    """One HTTP/1.1 connection: a request, its head, its body, then maybe the next."""

    def __init__(self, origin: tuple[str, str, int]) -> None:
        self.origin = origin
        self.transport: asyncio.Transport | None = None
        self.state = _State.IDLE
        self.reusable = False
        self.used = 0  # requests sent on it
        self._buffer = bytearray(FIRST_BUFFER)
        self._view = memoryview(self._buffer)
        self._fill = 0  # head bytes in the buffer
        self._scanned = 0  # head bytes searched for the blank line so far
        self._waiter: asyncio.Future[None] | None = None
        self._error: BaseException | None = None
        self.received = 0  # bytes read since the request was sent
        # The head, once received
        self.status = 0
        self.reason = ""
        self.headers: dict[str, str] = {}
        self._head_end = 0  # where the body's first bytes start in the buffer
        # Body framing
        self._sink: Sink | None = None
        self._length: int | None = None  # bytes of body left (length framing)
        self._chunked = False
        self._until_close = False
        self._chunk_left = 0  # data bytes left in the current chunk
        self._chunk_phase = 0  # 0 size line, 1 data, 2 CRLF after data, 3 trailers
        self._line = bytearray()
        self._eof = False  # the server closed after the head, before the body was asked for
        self._cut: BaseException | None = None  # …and how, when not cleanly (an RST, no TLS close)
        self._lend: Lend | None = None  # the caller's memory for a length-framed body
        self._lent: memoryview | None = None  # what the read in progress goes into
        self.body_bytes = 0

    # -- asyncio callbacks ------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # Not always an asyncio.Transport subclass (uvloop's are not), always one in kind.
        self.transport = cast(asyncio.Transport, transport)

    def get_buffer(self, sizehint: int) -> memoryview:
        if self.state == _State.HEAD or self.state == _State.READY:
            return self._view[self._fill :]
        left = self._length
        if self.state == _State.BODY and self._lend is not None and left:
            lent = self._lend()
            if lent:
                # Never more than the body: what follows it is not the caller's.
                self._lent = lent[:left] if len(lent) > left else lent
                return self._lent
        self._lent = None
        return self._view

    def buffer_updated(self, nbytes: int) -> None:
        self.received += nbytes
        lent, self._lent = self._lent, None
        try:
            if self.state == _State.BODY:
                self._body(lent[:nbytes] if lent is not None else self._view[:nbytes])
            elif self.state == _State.HEAD:
                self._fill += nbytes
                self._parse_head()
                if self.state == _State.READY and self._fill >= len(self._buffer):
                    # The read that brought the head filled the buffer too (a fast host,
                    # a busy loop; over TLS one read takes every record that is in): no
                    # room until the body is asked for. An empty buffer handed to asyncio
                    # reads as the end of a TLS stream, or a fatal error on plain TCP.
                    self.pause_reading()
            elif self.state == _State.READY:
                # Body bytes before anyone asked for them: kept after the head.
                self._fill += nbytes
                if self._fill >= len(self._buffer):
                    self.pause_reading()
            else:
                # Bytes nobody asked for (after a body, or while idle): not reusable.
                self._break(malformed("unexpected data from the server"))
        except BaseException as exc:  # handed to the waiting request
            self._break(exc)

    def eof_received(self) -> bool:
        if self.state == _State.READY:
            self._eof = True  # the body, or what there is of it, is in the buffer
            self._cut = self._unclean_tls_end()
        elif self.state == _State.BODY and self._until_close:
            cut = self._unclean_tls_end()
            if cut is not None:
                self._break(cut)
            else:
                self.reusable = False
                self._complete()
        elif self.state == _State.BODY:
            self._break(
                httpx.RemoteProtocolError(
                    "peer closed connection without sending complete message body"
                )
            )
        elif self.state == _State.HEAD:
            self._break(
                httpx.RemoteProtocolError("Server disconnected without sending a response.")
            )
        else:
            self.state = _State.BROKEN
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        if self.state == _State.READY:
            if not self._eof:  # no end of the stream first: a reset is no end of a body
                self._eof = True
                if exc is not None:
                    self._cut = httpx.ReadError(str(exc) or type(exc).__name__)
            self.reusable = False
            return
        if self.state in (_State.HEAD, _State.BODY):
            error: BaseException = (
                httpx.ReadError(str(exc) or type(exc).__name__)
                if exc is not None
                else httpx.RemoteProtocolError("the server closed the connection")
            )
            self._set_error(error)
        self.state = _State.BROKEN
        self.reusable = False

    def _unclean_tls_end(self) -> BaseException | None:
        """For a TLS connection whose peer ended the stream: an error unless the peer sent
        TLS's close_notify first. A bare TCP close is what a cut, or an attacker on the
        path truncating a body that only the close ends, looks like (RFC 8446 §6.1)."""
        transport = self.transport
        ssl_object = transport.get_extra_info("ssl_object") if transport is not None else None
        if ssl_object is None:
            return None
        try:
            # After close_notify a read gives b"" (asyncio has passed every byte on).
            if ssl_object.read(1) == b"":
                return None
        except (OSError, ValueError):  # SSLWantReadError: it ended without close_notify
            pass
        return httpx.ReadError("the connection was closed without TLS close_notify")

    # -- the request ----------------------------------------------------------------------

    def send(self, request: bytes) -> None:
        assert self.transport is not None
        self.state = _State.HEAD
        self.reusable = False
        self.received = 0
        self.body_bytes = 0
        self._fill = self._scanned = 0
        self._error = None
        self._eof = False
        self._cut = None
        self._sink = None
        self._lend = self._lent = None
        self.used += 1
        self.transport.write(request)
        if not self.transport.is_reading():
            self.transport.resume_reading()

    async def head(self) -> None:
        if self.state == _State.HEAD:
            await self._wait()
        if self.state != _State.READY:
            raise self._error or httpx.RemoteProtocolError("the connection broke")

    def _parse_head(self) -> None:
        while True:
            buffer, start, fill = self._buffer, max(0, self._scanned - 3), self._fill
            blank = buffer.find(b"\r\n\r\n", start, fill)
            stop = fill if blank < 0 else blank
            if buffer.find(b"\n\n", start, stop) >= 0 or buffer.find(b"\n\r\n", start, stop) >= 0:
                # Bare LFs before any CRLF CRLF (rare): the general search, only then.
                found = _HEAD_END_RE.search(buffer, start, fill)
                assert found is not None
                blank, end = found.start(), found.end()
            elif blank < 0:
                self._scanned = fill
                if fill >= MAX_HEAD_BYTES:
                    raise malformed("the response head is too large")
                return
            else:
                end = blank + 4
            self._read_head(bytes(self._view[:blank]))
            if 100 <= self.status < 200:
                if self.status == 101:
                    raise malformed("the server switched protocols")
                # An interim answer (100 Continue, 103 Early Hints): the real one follows.
                rest = self._fill - end
                self._buffer[:rest] = bytes(self._view[end : self._fill])
                self._fill, self._scanned = rest, 0
                continue
            self._head_end = end
            self.state = _State.READY
            self._wake()
            return

    def _read_head(self, head: bytes) -> None:
        """``head``: the status line and header lines, without the blank line."""
        lines = head.split(b"\r\n")
        if head.count(b"\n") >= len(lines):  # some lines end in a bare LF
            lines = _LINE_END_RE.split(head)
        version, _, rest = lines[0].partition(b" ")
        code, _, reason = rest.partition(b" ")
        if not version.startswith(b"HTTP/1.") or len(code) != 3 or not code.isdigit():
            raise malformed("not an HTTP/1.1 response")
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, colon, value = line.partition(b":")
            if not colon or not TOKEN_RE.match(name):
                raise malformed("malformed response header")
            key = name.decode("ascii").lower()
            text = value.strip(b" \t").decode("latin-1")
            headers[key] = f"{headers[key]}, {text}" if key in headers else text
        self.status = int(code)
        self.reason = reason.decode("latin-1", "replace").strip()
        self.headers = headers
        connection = {t.strip().lower() for t in headers.get("connection", "").split(",")}
        self.reusable = version == b"HTTP/1.1" and "close" not in connection
        self._frame()

    def _frame(self) -> None:
        self._length = None
        self._chunked = self._until_close = False
        self._chunk_left = self._chunk_phase = 0
        self._line.clear()
        if self.status in _NO_BODY_STATUSES:
            self._length = 0
            return
        coding = self.headers.get("transfer-encoding")
        if coding is not None:
            # Only "chunked" is ever undone here; any other coding ("gzip, chunked",
            # "gzip") would leave bytes that are not the file's (RFC 9112 §6.1: never
            # sent to a client that did not ask for it with TE).
            if coding.strip().lower() != "chunked":
                raise malformed(f"unsupported Transfer-Encoding {coding!r}")
            self._chunked = True
            return
        length = self.headers.get("content-length")
        if length is None:
            self._until_close = True
            self.reusable = False
            return
        values = {v.strip() for v in length.split(",")}
        if len(values) != 1:
            raise malformed("conflicting Content-Length")
        (value,) = values
        if not value.isascii() or not value.isdigit() or len(value) > MAX_SIZE_DIGITS:
            raise malformed("malformed Content-Length")
        self._length = int(value)

    # -- the body -------------------------------------------------------------------------

    async def read_body(self, sink: Sink, lend: Lend | None = None) -> None:
        """Stream the body to ``sink``; return when it is complete (or raise). With
        ``lend``, a body framed by ``Content-Length`` is read into the caller's memory."""
        if self.state != _State.READY:
            raise self._error or httpx.RemoteProtocolError("no response to read")
        self._sink = sink
        self._lend = lend if self._length is not None else None
        self.state = _State.BODY
        start, end = self._head_end, self._fill
        if self._length == 0:
            if end > start:
                self.reusable = False
            self._complete()
        elif end > start:
            self._body(self._view[start:end])
        if self.state == _State.BODY and self._eof:
            if self._cut is not None:
                self._break(self._cut)
            elif self._until_close:
                self._complete()
            else:
                self._break(
                    httpx.RemoteProtocolError(
                        "peer closed connection without sending complete message body"
                    )
                )
        if self.state == _State.BODY:
            left = self._length
            wanted = RECV_BUFFER if left is None else min(RECV_BUFFER, left)
            if wanted > len(self._buffer) and self._lend is None:
                # A larger body: larger reads (the leftover above is consumed already).
                self._buffer = bytearray(wanted)
                self._view = memoryview(self._buffer)
            assert self.transport is not None
            self.transport.resume_reading()
            await self._wait()
        elif self.state == _State.BROKEN:
            raise self._error or httpx.RemoteProtocolError("the connection broke")

    def _body(self, data: memoryview) -> None:
        if self._length is not None:
            size = len(data)
            take = self._length if size > self._length else size
            if take:
                self._length -= take
                self.body_bytes += take
                assert self._sink is not None
                self._sink(data[:take] if take < size else data)
            if size > take:
                self.reusable = False  # more than announced: the rest is not ours to read
            if self._length == 0 and self.state == _State.BODY:
                self._complete()
        elif self._chunked:
            self._dechunk(data)
        else:
            self.body_bytes += len(data)
            assert self._sink is not None
            self._sink(data)

    def _dechunk(self, data: memoryview) -> None:
        sink = self._sink
        assert sink is not None
        pos, size = 0, len(data)
        while pos < size and self.state == _State.BODY:
            if self._chunk_phase == 1:  # data
                take = min(self._chunk_left, size - pos)
                self._chunk_left -= take
                self.body_bytes += take
                sink(data[pos : pos + take])
                pos += take
                if self._chunk_left == 0:
                    self._chunk_phase = 2
                continue
            # A line: the chunk size, the CRLF after data, or a trailer.
            end = bytes(data[pos : min(size, pos + MAX_CHUNK_LINE)]).find(b"\n")
            if end < 0:
                self._line += data[pos:]
                pos = size
                if len(self._line) > MAX_CHUNK_LINE:
                    raise malformed("malformed chunked body")
                continue
            self._line += data[pos : pos + end + 1]
            pos += end + 1
            line = bytes(self._line).rstrip(b"\r\n")
            self._line.clear()
            if self._chunk_phase == 0:
                size_text = line.split(b";", 1)[0].strip(b" \t")
                # Hex digits only: int() would also take "-2", "0x10" or "1_0".
                if not _HEX_RE.match(size_text):
                    raise malformed("malformed chunk size")
                self._chunk_left = int(size_text, 16)
                self._chunk_phase = 1 if self._chunk_left else 3
            elif self._chunk_phase == 2:
                if line:
                    raise malformed("malformed chunked body")
                self._chunk_phase = 0
            elif not line:  # the blank line after the trailers
                if pos < size:
                    self.reusable = False
                self._complete()

    @property
    def closed_by_peer(self) -> bool:
        return self._eof

    def drain_later(self) -> bool:
        """Whether the rest of an unwanted body is small enough to read and discard."""
        left = self._length
        return (
            self.state == _State.READY
            and self.reusable
            and left is not None
            and left - (self._fill - self._head_end) <= DRAIN_LIMIT
        )

    # -- control from the caller ------------------------------------------------------------

    def pause_reading(self) -> None:
        if self.transport is not None and self.transport.is_reading():
            self.transport.pause_reading()

    def resume_reading(self) -> None:
        if self.transport is not None and self.state == _State.BODY:
            self.transport.resume_reading()

    def fail(self, exc: BaseException) -> None:
        """End the request in progress with ``exc`` (a stall, a refused body)."""
        self._break(exc)

    def abort(self) -> None:
        self.state = _State.BROKEN
        self.reusable = False
        if self.transport is not None:
            self.transport.abort()

    # -- helpers ----------------------------------------------------------------------------

    def _complete(self) -> None:
        self.state = _State.DONE
        self._sink = None
        self._lend = None
        self._wake()

    def _break(self, exc: BaseException) -> None:
        self._set_error(exc)
        self.abort()

    def _set_error(self, exc: BaseException) -> None:
        if self._error is None:
            self._error = exc
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)

    def _wake(self) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def _wait(self) -> None:
        if self._error is not None:
            raise self._error
        waiter = asyncio.get_running_loop().create_future()
        self._waiter = waiter
        try:
            await waiter
        finally:
            self._waiter = None


class _HeadTimeout(Exception):
    """No response head within ``HEAD_TIMEOUT``."""


class WireResponse:
    """A response head with its connection; read the body once, then ``close``."""

    __slots__ = ("_client", "_conn", "url")

    def __init__(self, client: WireClient, conn: _Connection, url: str) -> None:
        self._client = client
        self._conn = conn
        self.url = url

    @property
    def status_code(self) -> int:
        return self._conn.status

    @property
    def reason_phrase(self) -> str:
        return self._conn.reason

    @property
    def headers(self) -> dict[str, str]:
        return self._conn.headers

    @property
    def body_bytes(self) -> int:
        """Body bytes received so far (the wire's, before any check)."""
        return self._conn.body_bytes

    async def read_body(self, sink: Sink, lend: Lend | None = None) -> None:
        await self._conn.read_body(sink, lend)

    def pause_reading(self) -> None:
        self._conn.pause_reading()

    def resume_reading(self) -> None:
        self._conn.resume_reading()

    def fail(self, exc: BaseException) -> None:
        self._conn.fail(exc)

    def close_connection(self) -> None:
        """Close the connection: nothing more is read from it."""
        self._conn.abort()

    async def aclose(self) -> None:
        """Give the connection back when its body was read whole; read and discard a
        small unread body first (an error page); otherwise close the connection."""
        conn = self._conn
        if conn.drain_later():
            with contextlib.suppress(httpx.HTTPError, TimeoutError):
                async with asyncio.timeout(HEAD_TIMEOUT):
                    await conn.read_body(_discard)
        self._client.release(conn)


def _discard(_data: memoryview) -> None:
    pass


class WireClient:
    """Kept-alive HTTP/1.1 connections per origin; ``get`` sends one request."""

    def __init__(
        self,
        *,
        user_agent: str,
        ssl_context: Callable[[], ssl.SSLContext],
        max_idle: int = 16,
    ) -> None:
        self._user_agent = user_agent
        self._ssl_context = ssl_context
        self._ssl: ssl.SSLContext | None = None
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}
        self.max_idle = max_idle
        self.connections_opened = 0

    async def get(
        self, target: Target, headers: Sequence[tuple[str, str]], url: str
    ) -> WireResponse:
        """Send ``GET`` for ``target``; return once the response head is in."""
        head = self._head("GET", target, [("Accept-Encoding", "identity"), *headers])
        return await self.exchange(target, head, url)

    async def post(
        self, target: Target, headers: Sequence[tuple[str, str]], content: bytes, url: str
    ) -> WireResponse:
        """Send ``POST`` with ``content`` for ``target``, never twice (the server may have
        received it: ``exchange``); return once the response head is in."""
        sized = [*headers, ("Content-Length", str(len(content)))]
        head = self._head("POST", target, sized)
        return await self.exchange(target, head + content, url, resend=False)

    def _head(self, method: str, target: Target, headers: Sequence[tuple[str, str]]) -> bytes:
        """A request head: ``Host``, ``User-Agent``, ``Accept``, ``Connection``, then
        ``headers`` (a name that is no token, or a value with a line break, is refused)."""
        lines = [
            f"{method} {target.path} HTTP/1.1\r\nHost: {target.authority}\r\n"
            f"User-Agent: {self._user_agent}\r\nAccept: */*\r\nConnection: keep-alive\r\n"
        ]
        for name, value in headers:
            if "\r" in value or "\n" in value:
                raise httpx.LocalProtocolError(f"invalid {name} header value")
            if not TOKEN_RE.match(name.encode("latin-1", "replace")):
                raise httpx.LocalProtocolError(f"invalid header {name!r}")
            lines.append(f"{name}: {value}\r\n")
        lines.append("\r\n")
        return "".join(lines).encode("latin-1")

    async def exchange(
        self, target: Target, request: bytes, url: str, *, resend: bool = True
    ) -> WireResponse:
        """Send ``request`` (its head and body, as bytes) to ``target``; return once the
        response head is in. With ``resend`` (file GETs), a kept-alive connection that
        answers nothing (closed by the server while it was idle) is replaced by a fresh
        one, once. Without it (the link service's POSTs) that is an error like any other:
        the server may have received the request (every call counts against the quota),
        so the caller's retry policy decides, and its trace shows the attempt."""
        loop = asyncio.get_running_loop()
        for _ in range(2 if resend else 1):
            conn = await self._acquire(target)
            reused = conn.used > 0
            conn.send(request)
            timer = loop.call_later(HEAD_TIMEOUT, conn.fail, _HeadTimeout())
            try:
                await conn.head()
            except _HeadTimeout:
                conn.abort()
                raise httpx.ReadTimeout("no answer from the server") from None
            except (httpx.RemoteProtocolError, httpx.ReadError):
                conn.abort()
                if resend and reused and conn.received == 0:
                    continue  # closed by the server while idle: once more, on a new one
                raise
            except BaseException:
                conn.abort()
                raise
            finally:
                timer.cancel()
            return WireResponse(self, conn, url)
        raise httpx.RemoteProtocolError("the server closed the connection")  # pragma: no cover

    async def _acquire(self, target: Target) -> _Connection:
        idle = self._idle.get(target.origin)
        while idle:
            conn = idle.pop()
            transport = conn.transport
            if conn.state == _State.IDLE and transport is not None and not transport.is_closing():
                return conn
            conn.abort()
        return await self._connect(target)

    async def _connect(self, target: Target) -> _Connection:
        loop = asyncio.get_running_loop()
        tls = target.scheme == "https"
        if tls and self._ssl is None:
            self._ssl = self._ssl_context()
        origin = target.origin
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT):
                transport, protocol = await loop.create_connection(
                    lambda: _Connection(origin),
                    target.host,
                    target.port,
                    ssl=self._ssl if tls else None,
                    server_hostname=target.host if tls else None,
                )
        except TimeoutError:
            raise httpx.ConnectTimeout("connection timed out") from None
        except (OSError, ssl.SSLError) as exc:
            raise httpx.ConnectError(str(exc) or type(exc).__name__) from None
        except UnicodeError:
            # A host name no resolver takes (a label of over 63 letters, an empty one):
            # the name lookup's IDNA encoding refuses it, as a name that is not found.
            raise httpx.ConnectError("the host name cannot be looked up") from None
        self.connections_opened += 1
        if protocol.transport is None:  # uvloop calls connection_made a moment later
            protocol.transport = transport
        return protocol

    def release(self, conn: _Connection) -> None:
        if conn.state == _State.DONE and conn.reusable and not conn.closed_by_peer:
            conn.state = _State.IDLE
            idle = self._idle.setdefault(conn.origin, [])
            if len(idle) < self.max_idle and conn.transport is not None:
                conn.transport.resume_reading()  # notice a close while idle
                idle.append(conn)
                return
        conn.abort()

    def close(self) -> None:
        for idle in self._idle.values():
            for conn in idle:
                conn.abort()
        self._idle.clear()


class RunClient:
    """The shared client of one command-line run (``httpclient.make_run_client``).

    Its API calls are POSTs on this module's connections (``wire_post``, through
    ``httpclient.post_for_answer``) and the engine downloads on connections of its own
    kind (``httpclient.usable_with``): a run that goes well never imports ``httpx``.
    Anything else asked of it (an attribute it does not have: ``stream``, ``send``…) is asked of an
    ``httpx.AsyncClient`` it makes at that moment (``httpx_client``), with the settings of
    every shared client, over a ``wire_transport.WireTransport`` with the same SSL
    context: a link with a user part, which ``httpx`` sends as credentials as the window
    does, or a URL this module does not take.
    """

    def __init__(
        self,
        *,
        user_agent: str,
        ssl_context: Callable[[], ssl.SSLContext],
        make_httpx: Callable[[RunClient], httpx.AsyncClient],
        max_idle: int = 32,
    ) -> None:
        self.user_agent = user_agent
        self._make_ssl = ssl_context
        self._ssl: ssl.SSLContext | None = None
        self._make_httpx = make_httpx
        self._httpx: httpx.AsyncClient | None = None
        self.wire = WireClient(
            user_agent=user_agent, ssl_context=self.ssl_context, max_idle=max_idle
        )

    def ssl_context(self) -> ssl.SSLContext:
        """The SSL context of every TLS connection of the run (made at the first)."""
        if self._ssl is None:
            self._ssl = self._make_ssl()
        return self._ssl

    @property
    def httpx_client(self) -> httpx.AsyncClient:
        """The ``httpx`` client for what this one does not do, made at the first need."""
        if self._httpx is None:
            self._httpx = self._make_httpx(self)
        return self._httpx

    def __getattr__(self, name: str) -> Any:
        # Only for attributes this class lacks: the httpx client's (``stream``, ``send``).
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.httpx_client, name)

    async def wire_post(
        self, url: str, content: bytes, headers: Mapping[str, str]
    ) -> WireResponse | None:
        """POST ``content`` to ``url`` with ``headers`` (``WireClient.post``); return once
        the answer's head is in. None for a URL this module does not take
        (``parse_target``): the caller asks ``httpx_client``."""
        target = parse_target(url)
        if target is None:
            return None
        # The response keeps the URL without its query: that holds the token.
        return await self.wire.post(target, list(headers.items()), content, url.split("?")[0])

    async def aclose(self) -> None:
        self.wire.close()
        if self._httpx is not None:
            await self._httpx.aclose()

    async def __aenter__(self) -> RunClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


if TYPE_CHECKING:
    from typing import TypeAlias

    # What the API client, the engine and the runs take: the window's (and the tests')
    # ``httpx`` client, or a command-line run's.
    HttpClient: TypeAlias = httpx.AsyncClient | RunClient
