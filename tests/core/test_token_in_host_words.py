"""The token never leaves through a storage host's words or a link's path.

A link service may build links from the query it received (the token in it), and a
storage host may echo the request target in its reason phrase: the words a failed file
shows and the ``endpoint`` a file call's trace event carries are redacted where they are
made, so the report, stderr, the window and ``--trace`` never see the token.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from tcb_gui.core.client import LinkResult
from tcb_gui.core.downloads import Downloader, DownloadOptions
from tcb_gui.core.downloads.httpchecks import MAX_REASON_CHARS, status_words
from tcb_gui.core.redact import register_secret
from tcb_gui.core.trace import CallKind, Outcome, TraceEvent, TraceHub
from tests.e2e.loopback_host import LoopbackHost

TOKEN = "host-words-token-0123456789abcdef"
DATA = b"file bytes " * 50


class PathTokenHost(LoopbackHost):
    """Links whose first path segment is the token (as a careless link service might make
    them); each file is served whole."""

    def link(self, key: str, scheme: str = "http") -> LinkResult:
        expires = datetime.now(UTC) + timedelta(hours=2)
        url = f"http://127.0.0.1:{self.port}/{TOKEN}/{key}?t={int(expires.timestamp())}"
        return LinkResult(self.fileid_of(key), True, 0, "ok", url, expires)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%b" % (len(DATA), DATA))
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def test_a_file_call_s_trace_endpoint_never_holds_the_token(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    register_secret(TOKEN)
    hub = TraceHub()
    events: list[TraceEvent] = []
    hub.add(events.append)
    async with PathTokenHost() as host:
        downloader = Downloader(http, host.refresh, DownloadOptions(dest=tmp_path), trace=hub)
        (outcome,) = await downloader.run([host.link("d/f.bin")])
    assert outcome.ok, outcome.errmsg
    (event,) = events
    assert event.kind is CallKind.FILE
    assert event.endpoint == "/***/d/f.bin"
    assert TOKEN not in repr(event.record())


def test_an_event_made_with_the_token_in_its_path_does_not_keep_it() -> None:
    register_secret(TOKEN)
    event = TraceEvent(
        time=0.0,
        kind=CallKind.FILE,
        method="GET",
        endpoint=f"/{TOKEN}/x.bin",
        url=f"https://h.test/{TOKEN}/x.bin?sign=abc",
        attempt=1,
        outcome=Outcome.OK,
        duration_ms=1.0,
    )
    assert (event.endpoint, event.url) == ("/***/x.bin", "https://h.test/***/x.bin?sign=***")


def test_a_reason_phrase_echoing_the_token_is_shown_redacted_and_bounded() -> None:
    register_secret(TOKEN)
    echo = f"Bad request for /files/x.bin?access_token={TOKEN}&sign=s1g"
    response = httpx.Response(400, extensions={"reason_phrase": echo.encode()})
    assert status_words(response) == "400 Bad request for /files/x.bin?access_token=***&sign=***"
    long = httpx.Response(502, extensions={"reason_phrase": b"x" * 10_000 + TOKEN.encode()})
    assert len(status_words(long)) == MAX_REASON_CHARS
    assert status_words(httpx.Response(404)) == "404 Not Found"
