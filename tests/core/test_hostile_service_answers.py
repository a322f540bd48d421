"""A hostile or broken service's answers over real loopback HTTP, on both transports the
app uses (the window's httpx transport, the command line's ``core.wire``): answers too
large to read, compressed answers that inflate past any honest size, a head that echoes
the token, and links that no client can fetch. Every ID still ends with a true outcome,
in bounded memory.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import httpx
import pytest

from tcb_gui.core.client import LinkResult, RetryPolicy, TcbClient
from tcb_gui.core.errors import TcbError
from tcb_gui.core.fileids import parse_fileid
from tcb_gui.core.httpclient import (
    API_ACCEPT_ENCODING,
    MAX_API_ANSWER_BYTES,
    make_http_client,
    make_run_client,
)

TOKEN = "hostile-answers-token-0123456789abcdef"
ONE_TRY = RetryPolicy(max_tries=1, base_delay=0.001, max_delay=0.002)
TOO_LARGE = "Network error: the host's answer was malformed (the answer is too large)"
IDS = [parse_fileid(f"cloud://env1.7465-env1-1258717764/f/{n}.png") for n in range(3)]
MIB = 1024 * 1024


def good_answer(ids: list[str]) -> bytes:
    items = [
        {
            "fileid": raw,
            "status": 0,
            "errmsg": "ok",
            "download_url": "https://7465-env1-1258717764.tcb.qcloud.la/"
            + raw.rsplit("/", 2)[-2]
            + "/"
            + raw.rsplit("/", 1)[-1]
            + "?sign=s1g&t=1700000000",
        }
        for raw in ids
    ]
    return json.dumps({"errcode": 0, "errmsg": "ok", "file_list": items}).encode()


def padded_answer(size: int) -> bytes:
    """A well-formed errcode-0 answer of about ``size`` bytes (one long errmsg)."""
    return b'{"errcode":0,"errmsg":"' + b"a" * size + b'","file_list":[]}'


@dataclass
class Reply:
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    chunked: bool = False
    raw: bytes | None = None  # written as it is instead of an answer made of the above


@dataclass
class Service:
    """A loopback HTTP/1.1 service answering each request with ``reply(request ids)``."""

    reply: Callable[[list[str]], Reply]
    seen_headers: list[dict[str, str]] = field(default_factory=list)
    base_url: str = ""

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")[1:]
            headers = {
                k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines if x)
            }
            self.seen_headers.append(headers)
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            ids = [item["fileid"] for item in json.loads(body)["file_list"]]
            reply = self.reply(ids)
            if reply.raw is not None:
                writer.write(reply.raw)
                await writer.drain()
                return
            out = [b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"]
            out += [f"{k}: {v}\r\n".encode() for k, v in reply.headers.items()]
            if reply.chunked:
                writer.write(b"".join(out) + b"Transfer-Encoding: chunked\r\n\r\n")
                for start in range(0, len(reply.body), 64 * 1024):
                    piece = reply.body[start : start + 64 * 1024]
                    writer.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                    await writer.drain()
                writer.write(b"0\r\n\r\n")
            else:
                out.append(b"Content-Length: %d\r\n\r\n" % len(reply.body))
                writer.write(b"".join(out) + reply.body)
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client hung up on an answer it would not read: what is tested
        finally:
            writer.close()


Serve = Callable[[Callable[[list[str]], Reply]], Awaitable[Service]]


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    servers: list[asyncio.Server] = []

    async def start(reply: Callable[[list[str]], Reply]) -> Service:
        service = Service(reply)
        server = await asyncio.start_server(service.handle, "127.0.0.1", 0)
        servers.append(server)
        service.base_url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        return service

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()


TRANSPORTS = {"window": make_http_client, "command line": make_run_client}


@pytest.fixture(params=list(TRANSPORTS))
async def http(request: pytest.FixtureRequest) -> AsyncIterator[httpx.AsyncClient]:
    async with TRANSPORTS[request.param]() as client:
        yield client


async def resolve(http: httpx.AsyncClient, service: Service) -> list[LinkResult]:
    client = TcbClient(http, lambda: TOKEN, base_url=service.base_url, retry=ONE_TRY)
    return await client.resolve_all(IDS)


def gzipped(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=6)


async def test_an_answer_inflating_far_past_any_honest_size_is_refused_in_bounded_memory(
    serve: Serve, http: httpx.AsyncClient
) -> None:
    """A 64 KiB gzip answer that inflates to 64 MiB: refused, never inflated whole (read
    whole, a 1 MiB one would take a GiB and freeze the window while it is parsed)."""
    bomb = gzipped(padded_answer(64 * MIB))
    assert len(bomb) < MIB
    service = await serve(lambda ids: Reply(bomb, {"Content-Encoding": "gzip"}))
    tracemalloc.start()
    try:
        results = await resolve(http, service)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [r.fileid for r in results] == IDS
    for result in results:
        assert not result.ok
        assert result.errmsg.startswith(TOO_LARGE), result.errmsg
    assert peak < 4 * MAX_API_ANSWER_BYTES


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_an_answer_larger_than_the_bound_is_not_read_on(
    serve: Serve, http: httpx.AsyncClient, chunked: bool
) -> None:
    big = padded_answer(MAX_API_ANSWER_BYTES + MIB)
    service = await serve(lambda ids: Reply(big, chunked=chunked))
    results = await resolve(http, service)
    assert [r.fileid for r in results] == IDS
    assert all(not r.ok and r.errmsg.startswith(TOO_LARGE) for r in results), results


@pytest.mark.parametrize(
    ("coding", "encode"),
    [
        ("gzip", gzipped),
        ("deflate", zlib.compress),  # zlib-wrapped, as the standard says
        ("deflate", lambda data: zlib.compress(data, wbits=-zlib.MAX_WBITS)),  # raw
        ("identity", lambda data: data),
        ("x-unknown", lambda data: data),  # left as it is, as httpx leaves it
    ],
    ids=["gzip", "deflate", "raw-deflate", "identity", "unknown"],
)
async def test_compressed_answers_of_honest_size_are_read(
    serve: Serve,
    http: httpx.AsyncClient,
    coding: str,
    encode: Callable[[bytes], bytes],
) -> None:
    service = await serve(lambda ids: Reply(encode(good_answer(ids)), {"Content-Encoding": coding}))
    results = await resolve(http, service)
    assert [(r.fileid, r.ok) for r in results] == [(f, True) for f in IDS], results
    assert results[2].download_url == (
        "https://7465-env1-1258717764.tcb.qcloud.la/f/2.png?sign=s1g&t=1700000000"
    )


async def test_only_codings_inflated_within_the_bound_are_asked_for(
    serve: Serve, http: httpx.AsyncClient
) -> None:
    service = await serve(lambda ids: Reply(good_answer(ids)))
    await resolve(http, service)
    assert [h["accept-encoding"] for h in service.seen_headers] == [API_ACCEPT_ENCODING]
    assert API_ACCEPT_ENCODING == "gzip, deflate"


async def test_a_corrupt_gzip_answer_is_a_network_failure_not_a_crash(
    serve: Serve, http: httpx.AsyncClient
) -> None:
    service = await serve(
        lambda ids: Reply(b"\x1f\x8b\x08\x00junk-that-is-not-deflate", {"Content-Encoding": "gzip"})
    )
    results = await resolve(http, service)
    for result in results:
        assert not result.ok
        assert result.errmsg.startswith("Network error: DecodingError"), result.errmsg
        assert "Internal error" not in result.errmsg


@pytest.mark.parametrize(
    "head",
    [
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: %s\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: %s\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n%s\r\n",
        b"%s 200 OK\r\n\r\n",
        b"HTTP/1.1 302 Found\r\nLocation: http://[%s\r\nContent-Length: 0\r\n\r\n",
    ],
    ids=["transfer-encoding", "content-length", "chunk-size", "status-line", "location"],
)
async def test_a_malformed_head_echoing_the_token_never_carries_it_into_a_result(
    serve: Serve, http: httpx.AsyncClient, head: bytes
) -> None:
    """The service knows the token (it was sent one); words about its malformed answer
    quote what was wrong, and they reach the command line's output, reports and history."""
    service = await serve(lambda ids: Reply(b"", raw=head % TOKEN.encode()))
    client = TcbClient(http, lambda: TOKEN, base_url=service.base_url, retry=ONE_TRY)
    try:
        words = [r.errmsg for r in await client.resolve_all(IDS)]
    except TcbError as stop:
        words = [stop.message, str(stop)]
    assert words
    for text in words:
        assert TOKEN not in text, text
        assert TOKEN[8:24] not in text, text


# ---------------------------------------------------------------------------------------
# Links no client can fetch
# ---------------------------------------------------------------------------------------


def _linked(link: object) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        ids = [item["fileid"] for item in json.loads(request.content)["file_list"]]
        items = [{"fileid": raw, "status": 0, "download_url": link} for raw in ids]
        return httpx.Response(200, json={"errcode": 0, "errmsg": "ok", "file_list": items})

    return handler


async def _one(link: object) -> LinkResult:
    transport = httpx.MockTransport(_linked(link))
    async with httpx.AsyncClient(transport=transport) as http:
        client = TcbClient(http, lambda: TOKEN, base_url="https://api.test", retry=ONE_TRY)
        (result,) = await client.resolve_all(IDS[:1])
    return result


@pytest.mark.parametrize(
    "link",
    [
        "https://",
        "http://",
        "https:///f/0.png?sign=s&t=1",
        "https://?sign=s&t=1",
        "https://#frag",
        "https://host with spaces.la/f/0.png",
        "https://evil.test\r\nSet-Cookie: a=b/f/0.png",
        "https://[::1/f/0.png",
        "https://a@b@c.test/f/0.png",
        "https://-/f/0.png",
    ],
)
async def test_an_http_link_without_a_valid_host_is_refused_with_its_reason(link: str) -> None:
    """Handed out as working, it would be copied, exported and opened as a link; no client
    can fetch it (RFC 9110 §4.2.1: no http(s) URI has an empty host)."""
    result = await _one(link)
    assert (result.ok, result.download_url) == (False, None)
    assert result.errmsg == "The download link is not a valid URL"


@pytest.mark.parametrize(
    "link",
    ["javascript:alert(1)//https://x", "data:text/html,hi", "/f/0.png", "file:///etc/passwd"],
)
async def test_a_link_that_is_not_http_is_refused_as_such(link: str) -> None:
    result = await _one(link)
    assert (result.ok, result.errmsg) == (False, "The service returned a link that is not http(s)")


@pytest.mark.parametrize(
    ("link", "handed_out"),
    [
        (
            "https://b.tcb.qcloud.la/f/0.png?sign=s&t=1",
            "https://b.tcb.qcloud.la/f/0.png?sign=s&t=1",
        ),
        ("https://[::1]:8443/f/0.png", "https://[::1]:8443/f/0.png"),
        ("http://127.0.0.1:9/f/0.png", "http://127.0.0.1:9/f/0.png"),
        ("https://b.tcb.qcloud.la./a b.png", "https://b.tcb.qcloud.la./a%20b.png"),
        ("https://b.tcb.qcloud.la?sign=s&t=1", "https://b.tcb.qcloud.la?sign=s&t=1"),
        ("https://b.tcb.qcloud.la", "https://b.tcb.qcloud.la"),
        ("https://user@b_1.test/x", "https://user@b_1.test/x"),
    ],
)
async def test_links_with_a_host_are_handed_out(link: str, handed_out: str) -> None:
    result = await _one(link)
    assert (result.ok, result.download_url) == (True, handed_out)
    assert httpx.URL(handed_out).host


# ---------------------------------------------------------------------------------------
# Per-file outcomes mixed in one answer
# ---------------------------------------------------------------------------------------

_NO_LINK = "The service returned no link for this file"
LINK = "https://7465-env1-1258717764.tcb.qcloud.la/f/0.png?sign=s1g&t=1700000000"
# (the item the service sends for one ID, beside its fileid) -> (ok, status, reason)
MIXED = [
    ({"status": 0, "errmsg": "ok", "download_url": LINK}, (True, 0, "ok")),
    (
        {"status": -503003, "errmsg": "STORAGE_FILE_NONEXIST", "download_url": ""},
        (False, -503003, "File does not exist (STORAGE_FILE_NONEXIST)"),
    ),
    (
        {"status": -503002, "errmsg": "STORAGE_EXCEED_AUTHORITY"},
        (False, -503002, "No permission to read this file (STORAGE_EXCEED_AUTHORITY)"),
    ),
    ({"status": -1, "errmsg": "busy"}, (False, -1, "busy")),
    # A broken service's "ok" beside a failure is no reason: the failure says why.
    ({"status": 0, "errmsg": "ok", "download_url": ""}, (False, 0, _NO_LINK)),
    ({"status": 0, "errmsg": "OK"}, (False, 0, _NO_LINK)),
    ({"status": -7, "errmsg": "ok"}, (False, -7, "The service answered status -7 for this file")),
    ({"status": -503003, "errmsg": "ok"}, (False, -503003, "File does not exist")),
    ({"status": "STORAGE_FILE_NONEXIST", "errmsg": " ok "}, (False, None, _NO_LINK)),
]


async def test_per_file_outcomes_mixed_in_one_answer_each_keep_their_own_reason() -> None:
    ids = [parse_fileid(f"cloud://env1.7465-env1-1258717764/f/{n}.png") for n in range(len(MIXED))]

    def handler(request: httpx.Request) -> httpx.Response:
        raws = [item["fileid"] for item in json.loads(request.content)["file_list"]]
        items = [{"fileid": raw, **plan} for raw, (plan, _) in zip(raws, MIXED, strict=True)]
        items.reverse()  # matched by ID, not by position
        return httpx.Response(200, json={"errcode": 0, "errmsg": "ok", "file_list": items})

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        client = TcbClient(http, lambda: TOKEN, base_url="https://api.test", retry=ONE_TRY)
        results = await client.resolve_all(ids)
    assert [(r.ok, r.status, r.errmsg) for r in results] == [want for _, want in MIXED]
    assert results[0].download_url == LINK
