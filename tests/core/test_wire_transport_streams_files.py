"""On the command line, a file whose link the engine's own ``get`` does not take (a user
part in it, sent by ``httpx`` as credentials as in the window) still streams to disk
through ``WireTransport``: a cut keeps what arrived and the next try asks for the rest,
however large the file. A host name with "_" takes the engine's own ``get``.

A raw asyncio host on 127.0.0.1 answers with the exact bytes each test scripts; the
engine runs over the command line's client (``make_run_client``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tcb_gui.core.client import RetryPolicy
from tcb_gui.core.downloads import Downloader, DownloadOptions
from tcb_gui.core.httpclient import make_run_client
from tcb_gui.core.wire import parse_target
from tests.e2e.loopback_host import LoopbackHost

QUICK_RETRY = RetryPolicy(max_tries=3, base_delay=0.01, max_delay=0.02)
DATA = bytes(range(256)) * (12 * 1024)  # 3 MiB: written to its .part as it comes
CUT_AT = 2 * 1024 * 1024


class UserPartHost(LoopbackHost):
    """The link redirects to ``http://user@127.0.0.1:<port>/real/…``; the first answer
    there is cut after ``CUT_AT`` bytes, every later one honours Range."""

    def __init__(self) -> None:
        super().__init__()
        self.heads: list[str] = []

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            target = head.split(" ", 2)[1]
            if not target.startswith("/real/"):
                where = f"http://user@127.0.0.1:{self.port}/real{target}"
                writer.write(f"HTTP/1.1 302 Found\r\nLocation: {where}\r\n\r\n".encode())
            else:
                self.heads.append(head)
                writer.write(self._answer(head, len(self.heads)))
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    def _answer(self, head: str, n: int) -> bytes:
        etag = 'ETag: "v1"\r\n'
        ranged = next((x for x in head.split("\r\n") if x.lower().startswith("range:")), None)
        if ranged is None:
            answer = f"HTTP/1.1 200 OK\r\nContent-Length: {len(DATA)}\r\n{etag}\r\n".encode()
            return answer + (DATA[:CUT_AT] if n == 1 else DATA)
        start = int(ranged.split("=", 1)[1].rstrip("-"))
        return (
            f"HTTP/1.1 206 Partial Content\r\nContent-Length: {len(DATA) - start}\r\n"
            f"Content-Range: bytes {start}-{len(DATA) - 1}/{len(DATA)}\r\n{etag}\r\n"
        ).encode() + DATA[start:]


@pytest.fixture
async def run_http() -> AsyncIterator[httpx.AsyncClient]:
    async with make_run_client() as client:
        yield client


def ranges(heads: list[str]) -> list[str | None]:
    found: list[str | None] = []
    for head in heads:
        line = next((x for x in head.split("\r\n") if x.lower().startswith("range:")), None)
        found.append(line.split(":", 1)[1].strip() if line else None)
    return found


async def test_a_cut_file_behind_a_user_part_link_resumes_from_what_arrived(
    run_http: httpx.AsyncClient, tmp_path: Path
) -> None:
    async with UserPartHost() as host:
        opts = DownloadOptions(dest=tmp_path, retry=QUICK_RETRY)
        downloader = Downloader(run_http, host.refresh, opts, progress_interval=0.02)
        (outcome,) = await downloader.run([host.link("d/f.bin")])

    assert outcome.ok, outcome.errmsg
    assert outcome.path is not None
    assert outcome.path.read_bytes() == DATA
    first, resumed = ranges(host.heads)  # two requests to the file, no more
    assert first is None
    assert resumed is not None
    assert resumed != "bytes=0-"  # what arrived was kept, only the rest was asked for
    # httpx sent the link's user part as credentials, as it does in the window.
    assert "\r\nauthorization: basic " in host.heads[0].lower()


def test_a_host_name_with_an_underscore_takes_the_engine_s_own_get() -> None:
    target = parse_target("https://my_cdn.example.com/a.bin?sign=s")
    assert target is not None
    assert (target.host, target.port, target.path) == ("my_cdn.example.com", 443, "/a.bin?sign=s")
