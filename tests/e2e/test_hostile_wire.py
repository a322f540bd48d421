"""A hostile storage host against the engine's own HTTP/1.1 client (``core/wire.py``).

A raw asyncio server on 127.0.0.1 writes the exact bytes each test scripts (framing a
well-behaved server never sends); the real engine downloads over the real shared client,
so file bodies go through ``wire``. A file reported ok must be the file's bytes; what the
host mangled is never saved under the file's name.
"""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastcrc import crc64

from tcb_gui.core.client import LinkResult, RetryPolicy, make_http_client
from tcb_gui.core.downloads import (
    CRC64_HEADER,
    Downloader,
    DownloadOptions,
    DownloadOutcome,
    Integrity,
)
from tcb_gui.core.fileids import FileId, parse_fileid

QUICK_RETRY = RetryPolicy(max_tries=2, base_delay=0.01, max_delay=0.02)
DATA = bytes(range(256)) * 40

# The bytes a request is answered with (the connection closes after them).
Answer = Callable[[str], bytes]


class RawHost:
    """Answers every request with ``answer(request head)``, then closes the connection."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.requests: list[str] = []
        self.port = 0
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> RawHost:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    def link(self, key: str) -> LinkResult:
        expires = datetime.now(UTC) + timedelta(hours=2)
        url = f"http://127.0.0.1:{self.port}/{key}?sign=s&t={int(expires.timestamp())}"
        return LinkResult(parse_fileid(f"cloud://env-a.b-1/{key}"), True, 0, "ok", url, expires)

    async def refresh(self, ids: Sequence[FileId]) -> list[LinkResult]:
        return [self.link(f.key) for f in ids]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            self.requests.append(head)
            writer.write(self.answer(head))
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with make_http_client() as client:
        yield client


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
