"""A run the service stops halfway (the token expires, the day's quota runs out) while
other batches are still asking: every link already received is handed out, whichever
batch received it, and only the IDs without an answer are left unresolved (DESIGN §1.3:
"a token error pauses the run … losing nothing already resolved").
"""

from __future__ import annotations

import asyncio
import json
from contextlib import aclosing

import httpx
import pytest

from tcb_gui.core.client import LinkResult, RetryPolicy, TcbClient
from tcb_gui.core.errors import ServiceError, TcbError, TokenError
from tcb_gui.core.fileids import FileId, parse_fileid

TOKEN = "hostile-stops-token-0123456789abcdef"
QUICK = RetryPolicy(base_delay=0.001, max_delay=0.002)
IDS = [parse_fileid(f"cloud://env1.7465-env1-1258717764/f/{n}.png") for n in range(100)]
FIRST, SECOND = IDS[:50], IDS[50:]
# The stopping answer comes this long after the first batch's first answer, and the
# first batch's next request is answered long after that: the stop finds it asking.
STOP_AFTER_S = 0.05
SLOW_S = 5.0


def items(raws: list[str]) -> list[dict[str, object]]:
    return [
        {"fileid": raw, "status": 0, "download_url": f"https://b.test/{raw.rsplit('/', 1)[1]}"}
        for raw in raws
    ]


async def run(transport: httpx.AsyncBaseTransport) -> tuple[list[LinkResult], TcbError]:
    """What ``resolve`` streamed, and the error it stopped with."""
    streamed: list[LinkResult] = []

    async def consume(client: TcbClient) -> None:
        async with aclosing(client.resolve(IDS)) as stream:
            async for batch in stream:
                streamed.extend(batch)

    async with httpx.AsyncClient(transport=transport) as http:
        client = TcbClient(
            http, lambda: TOKEN, base_url="https://api.test", concurrency=2, retry=QUICK
        )
        with pytest.raises(TcbError) as stopped:
            await consume(client)
    return streamed, stopped.value


def stopping(code: int, first_batch: object) -> httpx.MockTransport:
    """The second batch is refused with ``code``; ``first_batch(raws)`` answers the first."""

    async def handler(request: httpx.Request) -> httpx.Response:
        raws = [item["fileid"] for item in json.loads(request.content)["file_list"]]
        if raws[0] == SECOND[0].raw:
            await asyncio.sleep(STOP_AFTER_S)
            return httpx.Response(200, json={"errcode": code, "errmsg": "stop"})
        return await first_batch(raws)  # type: ignore[operator, no-any-return]

    return httpx.MockTransport(handler)


def assert_kept(streamed: list[LinkResult], stop: TcbError, kept: list[FileId]) -> None:
    links = {r.fileid: r for r in streamed}
    assert len(links) == len(streamed), "an ID answered twice"
    assert sorted(f.raw for f in links) == sorted(f.raw for f in kept)
    assert all(r.ok and r.download_url for r in streamed)
    unresolved = set(stop.unresolved)
    assert unresolved.isdisjoint(links)
    assert unresolved | set(links) == set(IDS), "an ID with no outcome at all"


@pytest.mark.parametrize(("code", "error"), [(42001, TokenError), (45009, ServiceError)])
async def test_links_of_a_batch_that_left_ids_out_survive_a_stop_elsewhere(
    code: int, error: type[TcbError]
) -> None:
    """The first batch's answer leaves two IDs out; it is asking for them again when the
    second batch's answer stops the run. Its 48 links were received: they are the
    user's, not 'unresolved' (which the window and the command line ask again, paying
    the quota twice, or, the quota gone, never hand out)."""

    async def first_batch(raws: list[str]) -> httpx.Response:
        if len(raws) == len(FIRST):
            return httpx.Response(200, json={"errcode": 0, "file_list": items(raws[:48])})
        await asyncio.sleep(SLOW_S)
        return httpx.Response(200, json={"errcode": 0, "file_list": items(raws)})

    streamed, stop = await run(stopping(code, first_batch))
    assert isinstance(stop, error)
    assert_kept(streamed, stop, FIRST[:48])
    assert set(stop.unresolved) == set(FIRST[48:]) | set(SECOND)


async def test_links_of_a_split_batch_survive_a_stop_elsewhere() -> None:
    """The first batch is refused as invalid (40097) and asked again in halves; the first
    half is answered, the second is being asked when the run stops."""

    async def first_batch(raws: list[str]) -> httpx.Response:
        if len(raws) == len(FIRST):
            return httpx.Response(200, json={"errcode": 40097, "errmsg": "invalid args"})
        if raws[0] == FIRST[0].raw:
            return httpx.Response(200, json={"errcode": 0, "file_list": items(raws)})
        await asyncio.sleep(SLOW_S)
        return httpx.Response(200, json={"errcode": 0, "file_list": items(raws)})

    streamed, stop = await run(stopping(42001, first_batch))
    assert isinstance(stop, TokenError)
    assert_kept(streamed, stop, FIRST[:25])
    assert set(stop.unresolved) == set(FIRST[25:]) | set(SECOND)


async def test_one_link_received_is_one_id_less_to_ask_again() -> None:
    """As few as one: resolve_all's stop leaves unresolved only what has no answer."""

    async def first_batch(raws: list[str]) -> httpx.Response:
        if len(raws) == len(FIRST):
            return httpx.Response(200, json={"errcode": 0, "file_list": items(raws[:1])})
        await asyncio.sleep(SLOW_S)
        return httpx.Response(200, json={"errcode": 0, "file_list": items(raws)})

    async with httpx.AsyncClient(transport=stopping(42001, first_batch)) as http:
        client = TcbClient(
            http, lambda: TOKEN, base_url="https://api.test", concurrency=2, retry=QUICK
        )
        with pytest.raises(TokenError) as stopped:
            await client.resolve_all(IDS)
    assert len(stopped.value.unresolved) == 99
