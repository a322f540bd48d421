"""A failed file's words hold the storage host's reason phrase redacted: a host that
echoes the request target (a link built with the token in its query) never puts the
token into the report, stderr, the window or the saved download list."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from tcb_gui.core.client import LinkResult
from tcb_gui.core.downloads import Downloader, DownloadOptions
from tcb_gui.core.redact import register_secret
from tests.e2e.loopback_host import LoopbackHost

TOKEN = "reason-words-token-0123456789abcdef"


class EchoHost(LoopbackHost):
    """Links with the token in their query; every request answered 400 with its target."""

    def link(self, key: str, scheme: str = "http") -> LinkResult:
        expires = datetime.now(UTC) + timedelta(hours=2)
        query = f"access_token={TOKEN}&t={int(expires.timestamp())}"
        url = f"http://127.0.0.1:{self.port}/{key}?{query}"
        return LinkResult(self.fileid_of(key), True, 0, "ok", url, expires)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            target = head.split(b" ", 2)[1].decode()
            answer = f"HTTP/1.1 400 Bad request for {target}\r\nContent-Length: 0\r\n\r\n"
            writer.write(answer.encode())
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def test_a_reason_phrase_echoing_the_link_never_shows_the_token(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    register_secret(TOKEN)
    async with EchoHost() as host:
        downloader = Downloader(http, host.refresh, DownloadOptions(dest=tmp_path))
        (outcome,) = await downloader.run([host.link("d/f.bin")])

    assert not outcome.ok
    assert "400 Bad request for /d/f.bin?access_token=***" in outcome.errmsg
    assert TOKEN not in outcome.errmsg
