"""The application layer both faces drive: credentials, resolve and download runs, exit
statuses. The window and the command line only render these; see tests/e2e/test_parity.py
for the two faces side by side."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import respx

from tcb_gui.core.client import RetryPolicy, TcbClient
from tcb_gui.core.credentials import (
    NO_TOKEN,
    Credentials,
    StableCredentials,
    StaticCredentials,
)
from tcb_gui.core.download_run import DownloadRun, no_link_yet
from tcb_gui.core.downloads import DownloadOptions, FileState
from tcb_gui.core.errors import (
    ErrorKind,
    InputError,
    KeyringUnavailableError,
    ServiceError,
    TcbError,
    TokenError,
    TokenState,
)
from tcb_gui.core.exit_status import (
    ExitStatus,
    status_for_error,
    status_for_failures,
    status_for_run,
)
from tcb_gui.core.fileids import parse_fileid
from tcb_gui.core.resolve_run import ResolveRun
from tcb_gui.core.stable_token import StableTokenProvider
from tcb_gui.demo import samples
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DEMO_APPID, DEMO_APPSECRET, DEMO_TOKEN, DemoState

BASE = "https://api.example.test"
QUICK = RetryPolicy(max_tries=3, base_delay=0.001, max_delay=0.002)
IDS = [parse_fileid(f"cloud://prod-1a2b.7072-prod-1a2b-1300000000/f/{n}.txt") for n in range(120)]


def _answer(request: httpx.Request) -> httpx.Response:
    body = json.loads(request.content)
    return httpx.Response(
        200,
        json={
            "errcode": 0,
            "file_list": [
                {"fileid": f["fileid"], "status": 0, "errmsg": "ok", "download_url": "https://x/y"}
                for f in body["file_list"]
            ],
        },
    )


class Rotating(Credentials):
    """Hands out token-1, then token-2 after a rejection: a renewable kind."""

    renewable = True

    def __init__(self) -> None:
        super().__init__()
        self.generation = 1
        self.fetches = 0

    def current(self) -> str | None:
        return f"token-{self.generation}"

    async def _obtain(self) -> str | None:
        self.fetches += 1
        return self.current()

    def _forget(self, token: str) -> None:
        self.generation += 1


# --- credentials ----------------------------------------------------------------------


async def test_static_credentials_without_a_token_stop_with_not_set() -> None:
    credentials = StaticCredentials(None)
    with pytest.raises(TokenError) as caught:
        await credentials.token()
    assert caught.value.state is TokenState.NOT_SET
    assert caught.value.message == NO_TOKEN
    assert not credentials.rejected("anything")  # a pasted token cannot renew itself


async def test_static_credentials_read_the_supplier_at_every_request() -> None:
    held = ["first"]
    credentials = StaticCredentials(lambda: held[0])
    assert await credentials.token() == "first"
    held[0] = "second"  # the user set a new token mid-run
    assert await credentials.token() == "second"


def test_a_rejected_token_is_forgotten_once() -> None:
    credentials = Rotating()
    assert credentials.rejected("token-1")
    assert credentials.generation == 2
    # Other requests in flight with it come back refused too: they try the fresh one.
    assert credentials.rejected("token-1")
    assert credentials.generation == 2
    assert credentials.rejected("token-2")
    assert credentials.generation == 3
    assert not StaticCredentials("pasted-token").rejected("pasted-token")


@respx.mock
async def test_client_retries_a_batch_once_with_a_fresh_token(http: httpx.AsyncClient) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        token = request.url.params["access_token"]
        seen.append(token)
        if token == "token-1":
            return httpx.Response(200, json={"errcode": 40001, "errmsg": "invalid credential"})
        return _answer(request)

    respx.post(f"{BASE}/tcb/batchdownloadfile").mock(side_effect=handler)
    credentials = Rotating()
    client = TcbClient(http, credentials, base_url=BASE, api="tcb", retry=QUICK)
    results = await client.resolve_all(IDS[:10])
    assert all(r.ok for r in results)
    assert seen == ["token-1", "token-2"]


@respx.mock
async def test_client_stops_when_the_fresh_token_is_refused_too(http: httpx.AsyncClient) -> None:
    respx.post(f"{BASE}/tcb/batchdownloadfile").mock(
        return_value=httpx.Response(200, json={"errcode": 40001, "errmsg": "invalid credential"})
    )
    credentials = Rotating()
    client = TcbClient(http, credentials, base_url=BASE, api="tcb", retry=QUICK, concurrency=1)
    run = ResolveRun(client, IDS[:10])
    results = await run.run()
    assert isinstance(run.stop, TokenError)
    assert credentials.generation == 2  # one fresh token per request, then stop
    assert all(r.errmsg.startswith("Not resolved: ") for r in results)
    assert run.exit_status is ExitStatus.TOKEN


# --- resolve runs ---------------------------------------------------------------------


@respx.mock
async def test_a_token_stop_mid_run_keeps_answers_and_words_the_rest_once(
    http: httpx.AsyncClient,
) -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            return _answer(request)
        return httpx.Response(200, json={"errcode": 42001, "errmsg": "access_token expired"})

    respx.post(f"{BASE}/componenttcb/batchdownloadfile").mock(side_effect=handler)
    client = TcbClient(http, lambda: "tok", base_url=BASE, concurrency=1, retry=QUICK)
    run = ResolveRun(client, IDS, slice_size=60)  # two slices: the stop ends both
    results = await run.run()
    assert [r.fileid for r in results] == IDS
    assert sum(r.ok for r in results) == 50
    assert isinstance(run.stop, TokenError)
    assert run.stop.state is TokenState.EXPIRED
    assert len(run.unresolved) == 70
    stopped = results[50:]
    assert {r.errmsg for r in stopped} == {f"Not resolved: {run.stop.message}"}
    assert {r.kind for r in stopped} == {ErrorKind.TOKEN}
    assert run.progress.done == 50
    assert run.exit_status is ExitStatus.TOKEN


@respx.mock
async def test_duplicates_across_slices_are_resolved_once(http: httpx.AsyncClient) -> None:
    route = respx.post(f"{BASE}/componenttcb/batchdownloadfile").mock(side_effect=_answer)
    client = TcbClient(http, lambda: "tok", base_url=BASE)
    ids = IDS[:30] + IDS[:30]
    run = ResolveRun(client, ids, slice_size=20)
    results = await run.run()
    assert [r.fileid for r in results] == IDS[:30]
    sent = [
        f["fileid"] for call in route.calls for f in json.loads(call.request.content)["file_list"]
    ]
    assert sorted(sent) == sorted(f.raw for f in IDS[:30])
    assert run.exit_status is ExitStatus.OK


# --- exit statuses --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (TokenError("t", state=TokenState.INVALID), ExitStatus.TOKEN),
        (ServiceError("s"), ExitStatus.SERVICE),
        (InputError("i"), ExitStatus.USAGE),
        (KeyringUnavailableError("k"), ExitStatus.USAGE),
        (TcbError("other"), ExitStatus.SOME_FAILED),
        (KeyboardInterrupt(), ExitStatus.INTERRUPTED),
    ],
)
def test_every_error_maps_to_one_status(error: BaseException, status: ExitStatus) -> None:
    assert status_for_error(error) is status


def test_failures_decide_between_files_and_the_service() -> None:
    assert status_for_failures([]) is ExitStatus.OK
    assert status_for_failures([ErrorKind.FILE]) is ExitStatus.SOME_FAILED
    assert status_for_failures([ErrorKind.FILE, ErrorKind.NETWORK]) is ExitStatus.SERVICE
    assert (
        status_for_run(TokenError("t", state=TokenState.INVALID), [ErrorKind.FILE])
        is ExitStatus.TOKEN
    )


# --- download runs --------------------------------------------------------------------


async def test_a_lapsed_stable_token_is_fetched_again_for_a_download(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    """Bug: a mini program profile whose cached stable token had lapsed (a laptop asleep
    past its end) paused every file with "No access token is set"."""
    now = [1_000_000.0]
    with DemoServer(DemoState()) as server:
        provider = StableTokenProvider(
            http,
            base_url=server.base_url,
            appid=DEMO_APPID,
            secret=lambda: DEMO_APPSECRET,
            clock=lambda: now[0],
        )
        await provider.get()
        now[0] += 3 * 3600  # the cached token has ended
        assert provider.current() is None
        client = TcbClient(http, StableCredentials(provider), base_url=server.base_url, api="tcb")
        files = [samples.PROD.fileid(f"gen/{n:05d}.jpg") for n in range(3)]
        run = DownloadRun(
            http,
            client,
            DownloadOptions(dest=tmp_path),
            [no_link_yet(parse_fileid(f)) for f in files],
        )
        result = await run.run()
        assert [o.state for o in result.outcomes] == [FileState.DONE] * 3, result.outcomes
        assert result.exit_status is ExitStatus.OK
        assert server.state.stats.requests["stable_token"] == 2  # one new token, once


async def test_a_refused_token_stops_a_download_and_the_rest_waits(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    with DemoServer(DemoState()) as server:
        client = TcbClient(http, lambda: "not-a-demo-token", base_url=server.base_url)
        files = [parse_fileid(samples.PROD.fileid(f"gen/{n:05d}.jpg")) for n in range(4)]
        run = DownloadRun(http, client, DownloadOptions(dest=tmp_path), map(no_link_yet, files))
        result = await run.run()
    assert isinstance(result.token_stop, TokenError)
    assert result.waiting == frozenset(range(4))
    assert {o.errmsg for o in result.outcomes} == {f"Not downloaded: {result.stop.message}"}
    counts = result.counts()
    assert (counts.waiting, counts.failed, counts.downloaded) == (4, 0, 0)
    assert result.exit_status is ExitStatus.TOKEN


async def test_a_download_with_a_working_token_saves_every_file(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    with DemoServer(DemoState()) as server:
        client = TcbClient(http, lambda: DEMO_TOKEN, base_url=server.base_url)
        files = [parse_fileid(samples.PROD.fileid(f"gen/{n:05d}.jpg")) for n in range(4)]
        seen: list[int] = []
        run = DownloadRun(
            http,
            client,
            DownloadOptions(dest=tmp_path),
            [no_link_yet(f) for f in files],
            on_links=lambda links: seen.append(len(links)),
        )
        result = await run.run()
    assert result.counts().downloaded == 4
    assert sum(seen) == 4  # the new links are handed to the face that shows them
    for f, outcome in zip(files, result.outcomes, strict=True):
        assert outcome.path is not None
        assert outcome.path.read_bytes() == samples.file_bytes(f.bucket, f.key)
