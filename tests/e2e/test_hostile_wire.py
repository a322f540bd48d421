"""A hostile storage host against the engine's own HTTP/1.1 client (``core/wire.py``).

A raw asyncio server on 127.0.0.1 writes the exact bytes each test scripts (framing a
well-behaved server never sends); the real engine downloads over the real shared client,
so file bodies go through ``wire``. A file reported ok must be the file's bytes; what the
host mangled is never saved under the file's name.
"""

from __future__ import annotations

import asyncio
import gzip
import socket
import ssl
import struct
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from fastcrc import crc64

from tcb_gui.core.client import RetryPolicy
from tcb_gui.core.downloads import (
    CRC64_HEADER,
    Downloader,
    DownloadOptions,
    DownloadOutcome,
    FileState,
    Integrity,
    VerifyState,
    verify_folder,
)
from tcb_gui.core.trace import Outcome, TraceEvent, TraceHub
from tcb_gui.core.wire import WireClient, parse_target
from tests.e2e.loopback_host import ScriptedHost
from tests.tls_helpers import loopback_certificate

QUICK_RETRY = RetryPolicy(max_tries=2, base_delay=0.01, max_delay=0.02)
DATA = bytes(range(256)) * 40

# The bytes a request is answered with (the connection closes after them).
Answer = Callable[[str], bytes]


class RawHost(ScriptedHost):
    """Answers every request with ``answer(request head)``, then closes the connection."""

    def __init__(self, answer: Answer) -> None:
        super().__init__(lambda _n, head: answer(head))


async def download(
    http: httpx.AsyncClient, answer: Answer, dest: Path, retry: RetryPolicy = QUICK_RETRY
) -> DownloadOutcome:
    async with RawHost(answer) as host:
        opts = DownloadOptions(dest=dest, retry=retry)
        downloader = Downloader(http, host.refresh, opts, progress_interval=0.02)
        (outcome,) = await downloader.run([host.link("f.bin")])
    return outcome


def files_in(dest: Path) -> list[str]:
    return sorted(p.name for p in dest.rglob("*") if p.is_file() and ".tcb-gui" not in p.parts)


@pytest.mark.parametrize("coding", ["gzip, chunked", "gzip", "identity"])
async def test_a_transfer_coding_other_than_chunked_is_never_saved(
    http: httpx.AsyncClient, tmp_path: Path, coding: str
) -> None:
    # Undoing only "chunked" of "gzip, chunked" (or reading "gzip" to the close) would
    # leave gzip data that is not the file, with no length to tell.
    packed = gzip.compress(DATA)
    body = packed
    if coding.endswith("chunked"):
        body = f"{len(packed):x}\r\n".encode() + packed + b"\r\n0\r\n\r\n"
    head = f"HTTP/1.1 200 OK\r\nTransfer-Encoding: {coding}\r\n"
    answer = (head + "Content-Type: application/octet-stream\r\n\r\n").encode() + body

    outcome = await download(http, lambda _: answer, tmp_path)

    assert not outcome.ok
    assert files_in(tmp_path) == []  # refused at the head: not even a partial file


@pytest.mark.parametrize("size", [b"0x10", b"1_0", b"+10", b"-0"])
async def test_a_chunk_size_that_is_not_plain_hex_is_refused(
    http: httpx.AsyncClient, tmp_path: Path, size: bytes
) -> None:
    # int(..., 16) reads each of these; HTTP allows hex digits only (RFC 9112 §7.1).
    answer = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    answer += size + b"\r\n" + DATA[:16] + b"\r\n0\r\n\r\n"

    outcome = await download(http, lambda _: answer, tmp_path)

    assert not outcome.ok
    assert "f.bin" not in files_in(tmp_path)


async def test_a_well_framed_chunked_body_is_saved_byte_exact(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    chunks = b"".join(
        f"{len(DATA[i : i + 999]):X} ; name=x\r\n".encode() + DATA[i : i + 999] + b"\r\n"
        for i in range(0, len(DATA), 999)
    )
    answer = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n" + chunks + b"0\r\n\r\n"

    outcome = await download(http, lambda _: answer, tmp_path)

    assert outcome.ok, outcome.errmsg
    assert outcome.path is not None
    assert outcome.path.read_bytes() == DATA


async def test_bytes_kept_whole_under_a_checksum_are_checked_when_the_host_answers_416(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    crc = str(crc64.xz(DATA))
    damaged = bytearray(DATA)
    damaged[100] ^= 0xFF
    answers = 0

    def answer(head: str) -> bytes:
        nonlocal answers
        answers += 1
        if answers == 1:
            # No length, a checksum, and every byte (one of them damaged) before the
            # connection is cut, ahead of the last chunk.
            return (
                b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nETag: "v1"\r\n'
                + f"{CRC64_HEADER}: {crc}\r\n\r\n{len(DATA):x}\r\n".encode()
                + damaged
            )
        if answers == 2:
            # "You have it all", without the checksum this time.
            assert f"Range: bytes={len(DATA)}-" in head
            return (
                f'HTTP/1.1 416 Range Not Satisfiable\r\nETag: "v1"\r\n'
                f"Content-Range: bytes */{len(DATA)}\r\nContent-Length: 0\r\n\r\n"
            ).encode()
        return (
            f"HTTP/1.1 200 OK\r\nContent-Length: {len(DATA)}\r\n{CRC64_HEADER}: {crc}\r\n\r\n"
        ).encode() + DATA

    retry = RetryPolicy(max_tries=3, base_delay=0.01, max_delay=0.02)
    outcome = await download(http, answer, tmp_path, retry)

    assert outcome.ok, outcome.errmsg
    assert outcome.path is not None
    assert outcome.path.read_bytes() == DATA
    assert outcome.integrity is Integrity.VERIFIED
    assert answers == 3


@pytest.mark.parametrize("ends", [("\n", "\n"), ("\r\n", "\n"), ("\n", "\r\n")])
async def test_a_head_with_bare_line_feeds_loses_no_byte_of_the_body(
    http: httpx.AsyncClient, tmp_path: Path, ends: tuple[str, str]
) -> None:
    # Lines ending in LF alone (old or embedded servers; curl and h11 read them), and a
    # body holding CRLF CRLF: the head ends at its own blank line, not at the body's.
    line, blank = ends
    body = DATA[:1000] + b"\r\n\r\n" + DATA[1000:]
    head = f"HTTP/1.1 200 OK{line}Content-Length: {len(body)}{line}"
    answer = (head + f"Content-Type: application/octet-stream{line}{blank}").encode() + body

    outcome = await download(http, lambda _: answer, tmp_path)

    assert outcome.ok, outcome.errmsg
    assert outcome.path is not None
    assert outcome.path.read_bytes() == body


# -- a body that only the close ends -----------------------------------------------------


async def body_through_wire(
    serve: Callable[[asyncio.StreamWriter], Awaitable[None]],
    context: ssl.SSLContext | None = None,
    trust: ssl.SSLContext | None = None,
) -> bytearray:
    """The body of one GET read by ``WireClient``; ``read_body`` is asked for a moment
    after the head (as after a resume's checksum of the kept bytes, in a thread)."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        await serve(writer)

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)
    port = server.sockets[0].getsockname()[1]
    scheme = "https" if context is not None else "http"
    context_of = (lambda: trust) if trust is not None else ssl.create_default_context
    client = WireClient(user_agent="test", ssl_context=context_of)
    received = bytearray()
    try:
        target = parse_target(f"{scheme}://127.0.0.1:{port}/f.bin")
        assert target is not None
        response = await client.get(target, [], "f.bin")
        await asyncio.sleep(0.2)
        try:
            await response.read_body(received.extend)
        finally:
            await response.aclose()
    finally:
        client.close()
        server.close()
    return received


UNTIL_CLOSE = b"HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n"


async def test_a_reset_before_the_body_is_read_is_no_end_of_it() -> None:
    async def serve(writer: asyncio.StreamWriter) -> None:
        writer.write(UNTIL_CLOSE + DATA[:5000])
        await writer.drain()
        sock = writer.transport.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()  # an RST, not a FIN

    with pytest.raises(httpx.ReadError):
        await body_through_wire(serve)


@pytest.mark.parametrize("ready", [True, False], ids=["before-reading", "while-reading"])
async def test_a_tls_body_cut_without_close_notify_is_never_complete(
    tmp_path: Path, ready: bool
) -> None:
    cert, served = await loopback_certificate(tmp_path)
    trusting = ssl.create_default_context(cafile=str(cert))

    async def serve(writer: asyncio.StreamWriter) -> None:
        writer.write(UNTIL_CLOSE + DATA[:5000])
        await writer.drain()
        await asyncio.sleep(0.05 if ready else 0.4)
        # A TCP FIN with no TLS close_notify: a cut, or someone on the path truncating.
        writer.transport.get_extra_info("socket").shutdown(socket.SHUT_WR)
        await asyncio.sleep(0.5)
        writer.transport.abort()

    with pytest.raises(httpx.ReadError, match="close_notify"):
        await body_through_wire(serve, served, trusting)


async def test_a_tls_body_closed_with_close_notify_is_complete(tmp_path: Path) -> None:
    cert, served = await loopback_certificate(tmp_path)
    trusting = ssl.create_default_context(cafile=str(cert))

    async def serve(writer: asyncio.StreamWriter) -> None:
        writer.write(UNTIL_CLOSE + DATA)
        await writer.drain()
        writer.close()  # close_notify, then the close

    assert await body_through_wire(serve, served, trusting) == DATA


# -- what the user is told ---------------------------------------------------------------

MALFORMED = "Network error: the host's answer was malformed"
FIVE_TRIES = RetryPolicy(max_tries=5, base_delay=0.01, max_delay=0.02)
TYPED = "Content-Type: application/octet-stream\r\n"
OK_HEAD = "HTTP/1.1 200 OK\r\n" + TYPED


@pytest.mark.parametrize(
    ("answer", "what"),
    [
        (
            OK_HEAD + "Transfer-Encoding: gzip, chunked\r\n\r\n10\r\n" + "x" * 16 + "\r\n0\r\n\r\n",
            "unsupported Transfer-Encoding 'gzip, chunked'",
        ),
        (OK_HEAD + "Transfer-Encoding: chunked\r\n\r\n0x10\r\n", "malformed chunk size"),
        (OK_HEAD + "Content-Length: 5, 6\r\n\r\nabcde", "conflicting Content-Length"),
        (OK_HEAD + "Content-Length: -5\r\n\r\nabcde", "malformed Content-Length"),
        ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n", "server switched protocols"),
        ("HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n", "malformed response header"),
    ],
    ids=["gzip-chunked", "chunk-size", "two-lengths", "bad-length", "101", "header"],
)
async def test_a_malformed_answer_is_named_as_such_and_tried_once_more(
    http: httpx.AsyncClient, tmp_path: Path, answer: str, what: str
) -> None:
    hub = TraceHub()
    events: list[TraceEvent] = []
    hub.add(events.append)
    async with RawHost(lambda _: answer.encode()) as host:
        opts = DownloadOptions(dest=tmp_path, retry=FIVE_TRIES)
        downloader = Downloader(http, host.refresh, opts, progress_interval=0.02, trace=hub)
        (outcome,) = await downloader.run([host.link("f.bin")])

    assert not outcome.ok
    assert MALFORMED in outcome.errmsg
    assert what in outcome.errmsg  # what was wrong, for whoever runs the host
    assert "the connection was cut" not in outcome.errmsg
    assert "(gave up after 2 tries)" in outcome.errmsg
    assert len(host.requests) == 2  # not five: a host that answers so answers so again
    # The Requests view and --trace say the same, the second attempt as the last.
    assert [e.outcome for e in events] == [Outcome.RETRY, Outcome.GAVE_UP]
    assert all(MALFORMED in (e.errmsg or "") for e in events)


async def test_a_body_cut_short_is_still_a_cut_connection(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    answer = f"{OK_HEAD}Content-Length: {len(DATA)}\r\n\r\n".encode() + DATA[:5000]

    outcome = await download(http, lambda _: answer, tmp_path)

    assert not outcome.ok
    assert "Network error: the connection was cut" in outcome.errmsg
    assert "malformed" not in outcome.errmsg


def chunked(data: bytes, extra: str = "") -> bytes:
    body = f"{len(data):x}\r\n".encode() + data + b"\r\n0\r\n\r\n"
    return f"{OK_HEAD}Transfer-Encoding: chunked\r\n{extra}\r\n".encode() + body


@pytest.mark.parametrize(
    "answer",
    [chunked(DATA), f"HTTP/1.0 200 OK\r\n{TYPED}\r\n".encode() + DATA],
    ids=["chunked", "until-close"],
)
async def test_a_body_that_announced_no_size_is_saved_unchecked_not_size_checked(
    http: httpx.AsyncClient, tmp_path: Path, answer: bytes
) -> None:
    outcome = await download(http, lambda _: answer, tmp_path)

    assert outcome.ok, outcome.errmsg
    assert outcome.path is not None
    assert outcome.path.read_bytes() == DATA
    assert outcome.integrity is Integrity.UNCHECKED
    assert outcome.report()["integrity"] == "unchecked"
    assert outcome.report()["verified"] is False
    # The folder's record keeps it: checked again, or skipped by a re-run, it stays so.
    (checked,) = verify_folder(tmp_path)
    assert checked.state is VerifyState.UNCHECKED
    async with RawHost(lambda _: answer) as host:
        downloader = Downloader(http, host.refresh, DownloadOptions(dest=tmp_path))
        (again,) = await downloader.run([host.link("f.bin")])
    assert again.state is FileState.SKIPPED
    assert again.integrity is Integrity.UNCHECKED
    assert host.requests == []


async def test_a_chunked_body_with_a_checksum_is_verified_and_one_with_a_length_size_checked(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    with_crc = chunked(DATA, f"{CRC64_HEADER}: {crc64.xz(DATA)}\r\n")
    with_length = f"{OK_HEAD}Content-Length: {len(DATA)}\r\n\r\n".encode() + DATA

    verified = await download(http, lambda _: with_crc, tmp_path / "crc")
    sized = await download(http, lambda _: with_length, tmp_path / "length")

    assert verified.integrity is Integrity.VERIFIED
    assert sized.integrity is Integrity.SIZE_CHECKED
    assert verify_folder(tmp_path / "length")[0].state is VerifyState.SIZE_CHECKED
