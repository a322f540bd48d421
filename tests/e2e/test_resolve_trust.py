"""Issue 10 end to end: resolves against the demo service over real loopback HTTP.

Each case failed before the fix: a key holding a literal ``%XX`` got a link to another
object (reported ok); an IPv6 host in a link came back as ``%5B::1%5D``; 40164 on a link
request ended as "answered error 40164" instead of the allowlist message with the IP; a
dead service was tried four times per batch instead of being waited for up to a bound.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import httpx
import pytest

from tcb_gui.core.client import LinkResult, RetryPolicy, TcbClient, make_http_client
from tcb_gui.core.credentials import StableCredentials
from tcb_gui.core.errors import ERRCODES, ErrorKind, ServiceError
from tcb_gui.core.fileids import parse_fileid
from tcb_gui.core.resolve_run import ResolveRun
from tcb_gui.core.stable_token import StableTokenProvider
from tcb_gui.demo import samples
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DEMO_APPID, DEMO_APPSECRET, DEMO_TOKEN
from tests.e2e.cli_helpers import assert_link_for, serve

QUICK = RetryPolicy(base_delay=0.001, max_delay=0.004)
ALLOWLIST = ERRCODES[40164].message

# Keys whose '%' is a character of the name: each a different object from its decoded
# twin (the demo's gen/ keys exist under any name, with bytes derived from the name).
PERCENT_KEYS = [
    "gen/pct/a%20b.txt",  # not "a b.txt"
    "gen/pct/%2e%2e/x.txt",  # not "gen/x.txt"
    "gen/pct/%2E/y.txt",  # not "gen/pct/y.txt"
    "gen/pct/a%41.bin",  # not "aA.bin"
    "gen/pct/100%.txt",
    "gen/pct/%25/z.txt",  # "%25" itself, not "%"
    "gen/pct/q%3Fx=1%23.txt",  # not "q?x=1#.txt"
]


@pytest.fixture(scope="module")
def demo() -> Iterator[DemoServer]:
    with serve() as server:
        yield server


async def resolve(server: DemoServer, fileids: list[str], **options: object) -> list[LinkResult]:
    async with make_http_client() as http:
        client = TcbClient(http, lambda: DEMO_TOKEN, base_url=server.base_url, **options)  # type: ignore[arg-type]
        return await client.resolve_all([parse_fileid(f) for f in fileids])


def test_a_key_holding_a_literal_percent_escape_fetches_its_own_object(demo: DemoServer) -> None:
    ids = [samples.PROD.fileid(key) for key in PERCENT_KEYS]

    async def main() -> list[tuple[LinkResult, bytes]]:
        results = await resolve(demo, ids)
        async with httpx.AsyncClient() as http:
            fetched = [await http.get(r.download_url or "") for r in results]
        for response in fetched:
            assert response.status_code == 200, (response.url, response.text[:200])
        return [(r, f.content) for r, f in zip(results, fetched, strict=True)]

    for (result, body), key in zip(asyncio.run(main()), PERCENT_KEYS, strict=True):
        assert result.ok, result
        assert result.download_url is not None
        assert_link_for(result.fileid.raw, result.download_url)  # decoded once: the key
        assert body == samples.file_bytes(samples.PROD.bucket, key), key
    # The twins really are other objects: fetching those would have been wrong bytes.
    twin = samples.file_bytes(samples.PROD.bucket, "gen/pct/a b.txt")
    assert twin != samples.file_bytes(samples.PROD.bucket, "gen/pct/a%20b.txt")


def test_an_ipv6_link_host_keeps_its_brackets() -> None:
    # Links pointing at an IPv6 literal host (never contacted: only the link is checked).
    with serve(download_base_url="http://[::1]:8443") as server:
        [result] = asyncio.run(resolve(server, [samples.PROD.fileid("gen/v6/a b.txt")]))

    assert result.ok
    assert result.download_url is not None
    assert result.download_url.startswith("http://[::1]:8443/download/")
    assert "%5B" not in result.download_url
    url = httpx.URL(result.download_url)
    assert url.host == "::1"
    assert url.port == 8443
    assert url.raw_path.startswith(f"/download/{samples.PROD.bucket}/gen/v6/a%20b.txt?".encode())


def test_40164_on_a_link_request_stops_the_run_with_the_allowlist_message() -> None:
    ids = [parse_fileid(samples.PROD.fileid(f"gen/ip/{n}.txt")) for n in range(60)]

    async def main() -> ResolveRun:
        async with make_http_client() as http:
            client = TcbClient(http, lambda: DEMO_TOKEN, base_url=server.base_url)
            run = ResolveRun(client, ids)
            await run.run()
            return run

    with serve(deny_ip=True, reported_ip="203.0.113.7") as server:
        run = asyncio.run(main())
        calls = sum(server.state.stats.requests.values())

    assert isinstance(run.stop, ServiceError)
    assert run.stop.kind is ErrorKind.CONFIG
    assert run.stop.code == 40164
    assert run.stop.message == f"{ALLOWLIST} WeChat saw this computer's address as 203.0.113.7."
    assert run.exit_status == 4
    rows = run.stopped_results()
    assert len(rows) == len(ids)
    assert {r.errmsg for r in rows} == {f"Not resolved: {run.stop.message}"}
    assert calls <= 2  # stopped at the first answer of each request in flight, no retries


def test_40164_on_stable_token_reads_the_same() -> None:
    async def main() -> ResolveRun:
        async with make_http_client() as http:
            provider = StableTokenProvider(
                http, base_url=server.base_url, appid=DEMO_APPID, secret=lambda: DEMO_APPSECRET
            )
            client = TcbClient(
                http, StableCredentials(provider), base_url=server.base_url, api="tcb"
            )
            run = ResolveRun(client, [parse_fileid(samples.PROD.fileid("gen/ip/x.txt"))])
            await run.run()
            return run

    with serve(deny_ip=True, reported_ip="2001:db8::5") as server:
        run = asyncio.run(main())

    assert run.stop is not None
    assert run.stop.message == f"{ALLOWLIST} WeChat saw this computer's address as 2001:db8::5."
    assert run.exit_status == 4


def test_a_dead_service_stops_the_run_within_the_configured_bound() -> None:
    ids = [parse_fileid(samples.TEST.fileid(f"gen/dead/{n}.txt")) for n in range(500)]
    give_up_after = 0.6

    async def main() -> ResolveRun:
        async with make_http_client() as http:
            client = TcbClient(
                http,
                lambda: DEMO_TOKEN,
                base_url=server.base_url,
                retry=QUICK,
                concurrency=4,
                give_up_after=give_up_after,
            )
            run = ResolveRun(client, ids)
            await run.run()
            return run

    faults = ("html502", "errcode-1", "drop", "truncated")
    with serve(fault_rate=1.0, fault_kinds=faults) as server:
        started = time.monotonic()
        run = asyncio.run(main())
        took = time.monotonic() - started

    assert isinstance(run.stop, ServiceError)
    assert run.stop.kind is ErrorKind.NETWORK
    assert run.stop.message.startswith(
        f"Nothing good came back from the service for {give_up_after:g} s (last: "
    )
    assert run.exit_status == 4
    assert len(run.stopped_results()) == len(ids)
    assert give_up_after <= took < give_up_after + 2.0
