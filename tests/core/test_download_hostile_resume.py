"""A hostile or odd storage host against the engine's resume and its partial files.

A raw asyncio server on 127.0.0.1 answers each request with the exact bytes a test
scripts; the real engine downloads over the app's client. A file reported ok must be
the whole file; what another program put beside it is never touched.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import httpx

from tcb_gui.core.client import RetryPolicy
from tcb_gui.core.downloads import Downloader, DownloadOptions, DownloadOutcome
from tests.e2e.loopback_host import LoopbackHost

QUICK_RETRY = RetryPolicy(max_tries=3, base_delay=0.01, max_delay=0.02)
DATA = bytes(range(256)) * 400  # 100 KiB: held in memory until it is written whole

# The bytes the n-th request (from 1, its head given) is answered with; the connection
# closes after them.
Answer = Callable[[int, str], bytes]


class RawHost(LoopbackHost):
    def __init__(self, answer: Answer) -> None:
        super().__init__()
        self.answer = answer
        self.requests: list[str] = []

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            self.requests.append(head)
            writer.write(self.answer(len(self.requests), head))
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def ranges(host: RawHost) -> list[str | None]:
    """The Range each request asked for (None: the whole file)."""
    found: list[str | None] = []
    for head in host.requests:
        line = next((x for x in head.split("\r\n") if x.lower().startswith("range:")), None)
        found.append(line.split(":", 1)[1].strip() if line else None)
    return found


def whole(data: bytes, headers: str = 'ETag: "v1"\r\n') -> bytes:
    return f"HTTP/1.1 200 OK\r\nContent-Length: {len(data)}\r\n{headers}\r\n".encode() + data


def cut(data: bytes, after: int, headers: str = 'ETag: "v1"\r\n') -> bytes:
    """A 200 announcing all of ``data`` that sends only its first ``after`` bytes."""
    return whole(data, headers)[: -len(data) + after]


async def download(
    http: httpx.AsyncClient, host: RawHost, dest: Path, retry: RetryPolicy = QUICK_RETRY
) -> DownloadOutcome:
    opts = DownloadOptions(dest=dest, retry=retry)
    downloader = Downloader(http, host.refresh, opts, progress_interval=0.02)
    (outcome,) = await downloader.run([host.link("f.bin")])
    return outcome


async def test_a_416_naming_the_kept_size_of_a_larger_file_never_makes_the_cut_complete(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    # A cache that kept a cut copy (same ETag) answers the resume "you have it all" at
    # the cut; the sidecar recorded a file twice as large: the file starts over.
    half = len(DATA) // 2

    def answer(n: int, head: str) -> bytes:
        if n == 1:
            return cut(DATA, half)
        if n == 2:
            return (
                f'HTTP/1.1 416 Range Not Satisfiable\r\nETag: "v1"\r\n'
                f"Content-Range: bytes */{half}\r\nContent-Length: 0\r\n\r\n"
            ).encode()
        return whole(DATA)

    async with RawHost(answer) as host:
        outcome = await download(http, host, tmp_path)

    assert ranges(host) == [None, f"bytes={half}-", None]
    assert outcome.ok, outcome.errmsg
    assert outcome.path is not None
    assert outcome.path.read_bytes() == DATA
