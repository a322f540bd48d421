"""One hostile answer never ends a run: a size of thousands of digits in a head, or a link
or redirect to a host name no resolver takes or a port no socket has, fails that one file
(or, handed out by the link service, that one row) with words; the other files are saved.

Python refuses ``int()`` of a decimal of over 4,300 digits (``ValueError``), the name
lookup's IDNA encoding a label of over 63 letters (``UnicodeError``), and a socket a port
over 65535 (``OverflowError``): none of them is an error a caller of a transport expects.
Real loopback hosts answer with the exact bytes each test scripts, over the command
line's client (``make_run_client``: file bodies and redirects on ``core.wire``).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from tcb_gui.core.client import LinkResult, RetryPolicy, TcbClient
from tcb_gui.core.downloads import Downloader, DownloadOptions
from tcb_gui.core.downloads.httpchecks import content_length, parse_content_range
from tcb_gui.core.fileids import parse_fileid
from tcb_gui.core.httpclient import make_run_client
from tcb_gui.core.malformed import MalformedAnswer
from tcb_gui.core.wire import WireClient, parse_target
from tests.e2e.loopback_host import LoopbackHost

QUICK_RETRY = RetryPolicy(max_tries=2, base_delay=0.01, max_delay=0.02)
DATA = b"good bytes " * 100
HUGE = "9" * 5000  # over int()'s 4,300 digits
LONG_LABEL = "a" * 70  # DNS labels hold at most 63


def whole(data: bytes) -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%b" % (len(data), data)


class ScriptedHost(LoopbackHost):
    """``hostile.bin`` is answered with ``hostile(port)``; every other key with its file."""

    def __init__(self, hostile: Callable[[int], bytes]) -> None:
        super().__init__()
        self.hostile = hostile

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            target = head.split(b" ", 2)[1]
            writer.write(self.hostile(self.port) if b"/hostile.bin" in target else whole(DATA))
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@pytest.fixture
async def run_http() -> AsyncIterator[httpx.AsyncClient]:
    """The command line's client: file bodies and redirects over ``core.wire``."""
    async with make_run_client() as client:
        yield client


async def download_all(http: httpx.AsyncClient, host: ScriptedHost, dest: Path) -> list[str]:
    """The hostile file first, then three good ones, one at a time: each outcome's words
    ("ok" for a file saved whole), in that order."""
    links = [host.link("d/hostile.bin")] + [host.link(f"d/{n}.bin") for n in range(3)]
    opts = DownloadOptions(dest=dest, retry=QUICK_RETRY, concurrency=1)
    outcomes = await Downloader(http, host.refresh, opts, progress_interval=0.02).run(links)
    for outcome in outcomes[1:]:
        assert outcome.ok, outcome.errmsg
        assert outcome.path is not None
        assert outcome.path.read_bytes() == DATA
    assert not outcomes[0].ok
    return [o.errmsg for o in outcomes]


@pytest.mark.parametrize(
    "answer",
    [
        f"HTTP/1.1 200 OK\r\nContent-Length: {HUGE}\r\n\r\nx",
        f"HTTP/1.1 200 OK\r\nContent-Length: 1{'0' * 19}\r\n\r\nx",  # 2**63 < it
    ],
    ids=["5000-digits", "20-digits"],
)
async def test_a_content_length_of_absurd_length_fails_that_file_as_malformed(
    run_http: httpx.AsyncClient, tmp_path: Path, answer: str
) -> None:
    async with ScriptedHost(lambda port: answer.encode()) as host:
        words = await download_all(run_http, host, tmp_path)
    assert words[0].startswith("Network error: the host's answer was malformed")
    assert "malformed Content-Length" in words[0]


async def test_a_content_range_of_absurd_length_fails_that_file(
    run_http: httpx.AsyncClient, tmp_path: Path
) -> None:
    answer = f"HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-0/{HUGE}\r\n"
    answer += "Content-Length: 1\r\n\r\nx"
    async with ScriptedHost(lambda port: answer.encode()) as host:
        await download_all(run_http, host, tmp_path)


def test_sizes_of_more_digits_than_any_file_are_unreadable_not_an_error() -> None:
    assert parse_content_range(f"bytes 0-0/{HUGE}") is None
    assert parse_content_range(f"bytes {HUGE}-{HUGE}/*") is None
    assert parse_content_range(f"bytes */{'9' * 19}") == (None, None, 10**19 - 1)
    response = httpx.Response(200, headers={"Content-Length": HUGE})
    assert content_length(response) is None
    assert content_length(httpx.Response(200, headers={"Content-Length": " 12 "})) == 12


def redirect_to(location: str) -> Callable[[int], bytes]:
    def answer(port: int) -> bytes:
        where = location.format(port=port)
        return f"HTTP/1.1 302 Found\r\nLocation: {where}\r\nContent-Length: 0\r\n\r\n".encode()

    return answer


@pytest.mark.parametrize(
    ("location", "words"),
    [
        (f"http://{LONG_LABEL}.test/hostile.bin", "Network error: could not connect"),
        ("http://127.0.0.1:99999/hostile.bin", "The server redirected to an invalid address"),
    ],
    ids=["long-label", "port-99999"],
)
async def test_a_redirect_no_connection_can_follow_fails_that_file(
    run_http: httpx.AsyncClient, tmp_path: Path, location: str, words: str
) -> None:
    async with ScriptedHost(redirect_to(location)) as host:
        errmsgs = await download_all(run_http, host, tmp_path)
    assert errmsgs[0].startswith(words), errmsgs[0]


async def test_the_wire_reports_a_host_name_no_resolver_takes_as_a_failed_connect() -> None:
    url = f"http://{LONG_LABEL}.test/x"
    target = parse_target(url)
    assert target is not None
    wire = WireClient(user_agent="test", ssl_context=lambda: pytest.fail("no TLS here"))
    with pytest.raises(httpx.ConnectError):
        await wire.get(target, [], url)


async def test_the_wire_transport_refuses_a_port_no_socket_has(
    run_http: httpx.AsyncClient,
) -> None:
    with pytest.raises(httpx.InvalidURL):
        await run_http.get("http://127.0.0.1:99999/x")


async def test_the_wire_refuses_a_content_length_of_absurd_length_as_malformed() -> None:
    async with ScriptedHost(
        lambda port: f"HTTP/1.1 200 OK\r\nContent-Length: {HUGE}\r\n\r\n".encode()
    ) as host:
        url = f"http://127.0.0.1:{host.port}/d/hostile.bin"
        target = parse_target(url)
        assert target is not None
        wire = WireClient(user_agent="test", ssl_context=lambda: pytest.fail("no TLS here"))
        try:
            with pytest.raises(MalformedAnswer, match="malformed Content-Length"):
                await wire.get(target, [], url)
        finally:
            wire.close()


# ---------------------------------------------------------------------------------------
# The link service handing out such links: refused at resolve, with words
# ---------------------------------------------------------------------------------------


async def resolved(link: str) -> LinkResult:
    def handler(request: httpx.Request) -> httpx.Response:
        ids = [item["fileid"] for item in json.loads(request.content)["file_list"]]
        items = [{"fileid": raw, "status": 0, "download_url": link} for raw in ids]
        return httpx.Response(200, json={"errcode": 0, "errmsg": "ok", "file_list": items})

    fid = parse_fileid("cloud://env1.7465-env1-1258717764/f/0.png")
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        client = TcbClient(http, lambda: "tok", base_url="https://api.test", retry=QUICK_RETRY)
        (result,) = await client.resolve_all([fid])
    return result


@pytest.mark.parametrize(
    "link",
    [
        f"https://{LONG_LABEL}.tcb.qcloud.la/x?sign=1",
        "https://a..tcb.qcloud.la/x?sign=1",
        "https://" + "a." * 126 + "bla/x",  # 255 characters: DNS names hold 253
        "http://127.0.0.1:99999/x",
        "http://127.0.0.1:0/x",
        "http://xn--/x",
        "http://XN--/x",
    ],
)
async def test_a_link_no_connection_can_reach_is_refused_at_resolve(link: str) -> None:
    result = await resolved(link)
    assert (result.ok, result.download_url) == (False, None)
    assert result.errmsg == "The download link is not a valid URL"


@pytest.mark.parametrize(
    "link",
    [
        f"https://{'a' * 63}.tcb.qcloud.la/x",
        "https://" + "a." * 125 + "bla./x",  # 253 characters and the root's dot
        "http://127.0.0.1:65535/x",
        "http://xn--bcher-kva.example/x",
    ],
)
async def test_a_link_at_the_limits_is_handed_out(link: str) -> None:
    result = await resolved(link)
    assert (result.ok, result.download_url) == (True, link)
