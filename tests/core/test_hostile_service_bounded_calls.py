"""The calls beside the link requests — doctor's quota/get and the mini program's stable
token — read a hostile service's answer within the same bound as the link requests do
(``httpclient.post_for_answer``): a small gzip answer that inflates to tens of MiB is
refused as too large, in bounded memory, and never parsed whole."""

from __future__ import annotations

import asyncio
import gzip
import tracemalloc
from collections.abc import AsyncIterator

import pytest

from tcb_gui.core.client import RetryPolicy
from tcb_gui.core.doctor import _Caller
from tcb_gui.core.errors import TcbError
from tcb_gui.core.httpclient import MAX_API_ANSWER_BYTES, make_http_client
from tcb_gui.core.stable_token import StableTokenProvider

MIB = 1024 * 1024
BOMB = gzip.compress(b'{"errcode":0,"errmsg":"' + b"a" * (64 * MIB) + b'"}', compresslevel=6)


async def _answer_with_bomb(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.decode("latin-1").split("\r\n"):
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        await reader.readexactly(length)
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
            b"Connection: close\r\nContent-Length: %d\r\n\r\n" % len(BOMB) + BOMB
        )
        await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass  # the client hung up on an answer it would not read
    finally:
        writer.close()


@pytest.fixture
async def bomb_url() -> AsyncIterator[str]:
    server = await asyncio.start_server(_answer_with_bomb, "127.0.0.1", 0)
    yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    server.close()
    await server.wait_closed()


def test_the_bomb_is_small_on_the_wire_and_far_past_the_bound_inflated() -> None:
    assert len(BOMB) < MIB < 64 * MIB // 16
    assert 64 * MIB > 8 * MAX_API_ANSWER_BYTES


async def test_doctor_quota_check_refuses_an_answer_inflating_past_the_bound(
    bomb_url: str,
) -> None:
    async with make_http_client() as http:
        tracemalloc.start()
        try:
            answer = await _Caller(http, bomb_url, None).quota("bounded-calls-token", "/x")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert answer.errcode is None
    assert answer.quota is None
    assert "too large" in answer.problem, answer.problem
    assert peak < 4 * MAX_API_ANSWER_BYTES


async def test_stable_token_fetch_refuses_an_answer_inflating_past_the_bound(
    bomb_url: str,
) -> None:
    async with make_http_client() as http:
        provider = StableTokenProvider(
            http,
            base_url=bomb_url,
            appid="wx0123456789abcdef",
            secret=lambda: "bounded-calls-secret-0123456789ab",
            retry=RetryPolicy(max_tries=2, base_delay=0.001, max_delay=0.002),
        )
        tracemalloc.start()
        try:
            with pytest.raises(TcbError) as failure:
                await provider.get()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert "too large" in failure.value.message, failure.value.message
    assert peak < 4 * MAX_API_ANSWER_BYTES
