"""``wire.WireTransport``: the shared ``httpx`` client's API calls over the engine's own
HTTP/1.1 connections (``tcb-gui download``), against hand-written loopback answers."""

from __future__ import annotations

import asyncio
import gzip
import json
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from tcb_gui.core.httpclient import (
    MAX_API_ANSWER_BYTES,
    make_http_client,
    post_for_answer,
    ssl_context_of,
    usable_with,
)
from tcb_gui.core.malformed import MalformedAnswer
from tcb_gui.core.trust import DeferredTrustContext
from tcb_gui.core.wire_transport import WireTransport
from tests.tls_helpers import loopback_certificate

Answer = Callable[[bytes, bytes, asyncio.StreamWriter], Awaitable[None]]


class Served:
    def __init__(self) -> None:
        self.port = 0
        self.connections = 0
        self.requests: list[tuple[bytes, bytes]] = []  # (head, body)


@asynccontextmanager
async def serve(answer: Answer, context: ssl.SSLContext | None = None) -> AsyncIterator[Served]:
    served = Served()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        served.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                body = await reader.readexactly(length)
                served.requests.append((head, body))
                await answer(head, body, writer)
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)
    served.port = server.sockets[0].getsockname()[1]
    try:
        yield served
    finally:
        server.close()
        await server.wait_closed()


def json_answer(payload: object, *, extra: bytes = b"") -> Answer:
    data = json.dumps(payload).encode()

    async def answer(head: bytes, body: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n%b"
            b"Content-Length: %d\r\n\r\n%b" % (extra, len(data), data)
        )
        await writer.drain()

    return answer


def client(**kwargs: object) -> httpx.AsyncClient:
    return make_http_client(transport=WireTransport(DeferredTrustContext), **kwargs)


async def test_a_post_goes_out_as_httpx_built_it_and_the_answer_comes_back() -> None:
    async with serve(json_answer({"errcode": 0, "file_list": []})) as served, client() as http:
        url = f"http://127.0.0.1:{served.port}/tcb/batchdownloadfile?access_token=t%2Bk"
        response = await http.post(url, json={"env": "e", "file_list": [{"fileid": "x"}]})
        second = await http.post(url, json={"env": "e2"})

    assert response.status_code == 200
    assert response.json() == {"errcode": 0, "file_list": []}
    assert second.json() == {"errcode": 0, "file_list": []}
    assert served.connections == 1  # kept alive
    head, body = served.requests[0]
    lines = head.decode().split("\r\n")
    assert lines[0] == "POST /tcb/batchdownloadfile?access_token=t%2Bk HTTP/1.1"
    sent = dict(line.split(": ", 1) for line in lines[1:] if line)
    assert sent["Host"] == f"127.0.0.1:{served.port}"
    assert sent["Content-Type"] == "application/json"
    assert sent["User-Agent"].startswith("tcb-gui/")
    assert json.loads(body) == {"env": "e", "file_list": [{"fileid": "x"}]}
    assert int(sent["Content-Length"]) == len(body)


async def test_compressed_and_chunked_answers_are_read_as_httpx_reads_them() -> None:
    payload = json.dumps({"errcode": 0, "file_list": ["a"] * 500}).encode()
    packed = gzip.compress(payload)

    async def answer(head: bytes, body: bytes, writer: asyncio.StreamWriter) -> None:
        chunks = [packed[:100], packed[100:]]
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"
            + b"".join(b"%x\r\n%b\r\n" % (len(c), c) for c in chunks)
            + b"0\r\n\r\n"
        )
        await writer.drain()

    async with serve(answer) as served, client() as http:
        response = await http.get(f"http://127.0.0.1:{served.port}/x")
    assert response.json() == json.loads(payload)


async def test_an_answer_that_stops_coming_is_a_read_timeout() -> None:
    async def answer(head: bytes, body: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{")
        await writer.drain()
        await asyncio.sleep(5)

    async with serve(answer) as served, client(timeout=httpx.Timeout(5.0, read=0.2)) as http:
        with pytest.raises(httpx.ReadTimeout):
            await http.get(f"http://127.0.0.1:{served.port}/slow")


async def test_a_server_that_closes_is_a_transport_error() -> None:
    async def answer(head: bytes, body: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{}")
        await writer.drain()
        writer.close()

    async with serve(answer) as served, client() as http:
        with pytest.raises(httpx.RemoteProtocolError):
            await http.get(f"http://127.0.0.1:{served.port}/cut")
    async with client() as http:
        with pytest.raises(httpx.ConnectError):
            await http.get(f"http://127.0.0.1:{served.port}/gone")


async def test_a_call_the_server_took_and_dropped_is_not_sent_again_behind_the_back() -> None:
    """The service's "drop": the request is read, then the connection is reset with no
    answer. On a kept-alive connection that looks like one closed while idle, which a GET
    may retry at once; a POST to the link service is not sent again here (it counts
    against the quota, and the caller's retry policy and trace must see each attempt)."""

    async def answer(head: bytes, body: bytes, writer: asyncio.StreamWriter) -> None:
        if len(served.requests) == 1:
            await json_answer({"errcode": 0})(head, body, writer)
        else:
            writer.transport.abort()

    async with serve(answer) as served, client() as http:
        url = f"http://127.0.0.1:{served.port}/tcb/batchdownloadfile"
        first = await http.post(url, json={"env": "e"})
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            await http.post(url, json={"env": "e"})
    assert first.json() == {"errcode": 0}
    assert len(served.requests) == 2  # the dropped call went out once


async def test_an_api_answer_is_read_no_further_than_the_callers_bound() -> None:
    """Answers stream: ``post_for_answer`` stops at its 4 MiB as soon as they are in, on
    this transport as on httpx's own; the rest of a larger answer is never waited for."""
    sent = MAX_API_ANSWER_BYTES + 512 * 1024

    async def answer(head: bytes, body: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % (2 * sent))
        writer.write(b"a" * sent)  # then nothing more until long after the read timeout
        await writer.drain()
        await asyncio.sleep(30)

    async with serve(answer) as served, client(timeout=httpx.Timeout(60.0)) as http:
        url = f"http://127.0.0.1:{served.port}/big"
        async with asyncio.timeout(10):
            with pytest.raises(MalformedAnswer, match="too large"):
                await post_for_answer(http, url, content=b"{}", headers={})


async def test_the_engine_takes_the_transport_for_its_own() -> None:
    async with client() as http:
        assert usable_with(http)
        context = ssl_context_of(http)
        assert isinstance(context, DeferredTrustContext)
        assert ssl_context_of(http) is context  # one context for the whole run


async def test_tls_checks_the_certificate(tmp_path: Path) -> None:
    cert, served_context = await loopback_certificate(tmp_path)

    def trusting() -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(cert))

    async with serve(json_answer({"ok": 1}), served_context) as served:
        url = f"https://127.0.0.1:{served.port}/t"
        async with client() as http:  # certifi's roots: this certificate is refused
            with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                await http.get(url)
        transport = WireTransport(trusting)
        async with make_http_client(transport=transport) as http:
            assert (await http.get(url)).json() == {"ok": 1}


async def test_the_read_timeout_is_for_each_wait_not_for_the_whole_answer() -> None:
    """A body that keeps coming, if slowly, is read to its end, as by httpx's own
    transport (a file's slow body is the engine's stall rule's business)."""
    pieces = [b"x" * 1000] * 6

    async def answer(head: bytes, body: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % sum(map(len, pieces)))
        for piece in pieces:
            await asyncio.sleep(0.15)
            writer.write(piece)
            await writer.drain()

    async with serve(answer) as served, client(timeout=httpx.Timeout(5.0, read=0.5)) as http:
        response = await http.get(f"http://127.0.0.1:{served.port}/slow-but-steady")
    assert response.content == b"".join(pieces)


async def test_an_answer_closed_before_its_end_closes_its_connection_only() -> None:
    big = b"y" * (3 * 1024 * 1024)

    async def answer(head: bytes, body: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%b" % (len(big), big))
        await writer.drain()

    async with serve(answer) as served, client() as http:
        url = f"http://127.0.0.1:{served.port}/big"
        async with http.stream("GET", url) as response:
            async for piece in response.aiter_raw():
                assert piece
                break
        again = await http.get(url)
    assert again.content == big
    assert served.connections == 2  # the one left mid-body was not reused
