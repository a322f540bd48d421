"""Issue 10, the API client's half, against hostile servers over real loopback HTTP.

``HostileServer`` is a raw asyncio HTTP/1.1 server on 127.0.0.1 whose answers a test
scripts per request: a JSON answer, a body dripped a byte at a time, headers that never
come, a reset connection, a cut body. Each case here failed before the fix:

1. deadlines: a drip or a stall cannot hold a call past ``deadline``;
2. retries follow the service's health: an outage is waited out, a dead service stops
   the run after ``give_up_after``, a batch failing alone is given up alone;
3. and 4. are in ``test_client.py`` (exact link bytes) and ``tests/e2e/test_resolve_trust.py``;
5. a short token echoed back is redacted;
6. 40164 on a link request or the token check stops with the allowlist message and the IP;
7. one trace event per request the server saw, under random faults, with no secret in any.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import re
import socket
import struct
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tcb_gui.core.client import (
    BATCH_MAX_TRIES,
    QUOTA_PATH,
    LinkResult,
    RetryPolicy,
    TcbClient,
)
from tcb_gui.core.credentials import StableCredentials
from tcb_gui.core.errors import (
    ERRCODES,
    REFUSED_UNTIL_CHANGED,
    ErrorKind,
    InputError,
    ServiceError,
    TcbError,
    TokenError,
    TokenState,
)
from tcb_gui.core.fileids import FileId, parse_fileid
from tcb_gui.core.redact import REDACTED
from tcb_gui.core.resolve_run import ResolveRun
from tcb_gui.core.stable_token import SECRET_PLACEHOLDER, STABLE_TOKEN_PATH, StableTokenProvider
from tcb_gui.core.trace import CallKind, Outcome, TraceEvent, TraceHub

COMPONENT_PATH = "/componenttcb/batchdownloadfile"
TCB_PATH = "/tcb/batchdownloadfile"
TOKEN = "79_HostileTOKEN-0123456789abcdefghijklmnop-trust"
APPID = "wx0123456789abcdef"
APPSECRET = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
# Waits shrunk so a test counts tries instead of waiting for them.
FAST = RetryPolicy(max_tries=4, base_delay=0.001, max_delay=0.004)
QUICK = RetryPolicy(base_delay=0.001, max_delay=0.004)  # the default 12 tries
# A deadline short enough for tests, far above what a loopback answer needs.
DEADLINE = 0.5
# SO_LINGER on with timeout 0: close() sends a TCP reset.
_RESET = struct.pack("ii", 1, 0)


# ---------------------------------------------------------------------------------------
# a hostile server
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """One request as the server read it, head and whole body."""

    method: str
    target: str
    body: bytes
    received: float = field(default_factory=time.monotonic)

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def params(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(urlsplit(self.target).query).items()}

    def json(self) -> dict[str, Any]:
        data = json.loads(self.body)
        assert isinstance(data, dict)
        return data

    def fileids(self) -> list[str]:
        return [item["fileid"] for item in self.json()["file_list"]]


@dataclass(frozen=True)
class Send:
    """A whole answer (keep-alive)."""

    body: bytes
    status: int = 200
    content_type: str = "application/json"
    delay: float = 0.0

    @classmethod
    def json(cls, data: object, *, delay: float = 0.0) -> Send:
        return cls(json.dumps(data, ensure_ascii=False).encode(), delay=delay)


@dataclass(frozen=True)
class Drip:
    """Headers at once, then the body one byte every ``every`` seconds."""

    body: bytes
    every: float


@dataclass(frozen=True)
class Stall:
    """Nothing at all (not even a status line) for ``seconds``, then the connection closes."""

    seconds: float


@dataclass(frozen=True)
class SlowHeaders:
    """The status line, then one header byte every ``every`` seconds."""

    every: float


@dataclass(frozen=True)
class Drop:
    """The connection reset before any byte of an answer."""


@dataclass(frozen=True)
class Cut:
    """A complete HTTP message whose JSON stops halfway (Content-Length fits the cut)."""

    body: bytes


Reply = Send | Drip | Stall | SlowHeaders | Drop | Cut
Handler = Callable[[Request], "Reply | Awaitable[Reply]"]


class HostileServer:
    """Raw HTTP/1.1 on 127.0.0.1: each request answered as ``handler`` says."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[Request] = []
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.base_url = ""

    async def __aenter__(self) -> HostileServer:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    def paths(self) -> Counter[str]:
        return Counter(r.path for r in self.requests)

    def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.get_running_loop().create_task(self._serve(reader, writer))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while await self._one(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError, asyncio.CancelledError):
                await writer.wait_closed()

    async def _one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return False  # the client closed an idle connection
        length = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head)
        body = await reader.readexactly(int(length.group(1)) if length else 0)
        method, target, _ = head.split(b" ", 2)
        request = Request(method.decode(), target.decode(), body)
        self.requests.append(request)
        reply = self.handler(request)
        if not isinstance(reply, Send | Drip | Stall | SlowHeaders | Drop | Cut):
            reply = await reply
        if isinstance(reply, Send):
            if reply.delay:
                await asyncio.sleep(reply.delay)
            writer.write(_head(reply.status, len(reply.body), reply.content_type) + reply.body)
            await writer.drain()
            return True
        if isinstance(reply, Cut):
            cut = reply.body[: len(reply.body) // 2]
            writer.write(_head(200, len(cut), "application/json") + cut)
            await writer.drain()
            return True
        if isinstance(reply, Drop):
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _RESET)
            return False
        if isinstance(reply, Stall):
            await asyncio.sleep(reply.seconds)
            return False
        if isinstance(reply, SlowHeaders):
            writer.write(b"HTTP/1.1 200 OK\r\n")
            for byte in b"X-Padding: " + b"x" * 10_000:
                writer.write(bytes([byte]))
                await writer.drain()
                await asyncio.sleep(reply.every)
            return False
        writer.write(_head(200, len(reply.body), "application/json"))
        await writer.drain()
        for byte in reply.body:
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(reply.every)
        return False


def _head(status: int, length: int, content_type: str) -> bytes:
    return (
        f"HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {length}\r\nConnection: keep-alive\r\n\r\n"
    ).encode()


@contextlib.asynccontextmanager
async def hostile(handler: Handler) -> AsyncIterator[HostileServer]:
    async with HostileServer(handler) as server:
        yield server


# ---------------------------------------------------------------------------------------
# a plausible service
# ---------------------------------------------------------------------------------------

BUCKET = "7465-env-t-1258717764"


def ids_in(env: str, count: int, prefix: str = "f") -> list[FileId]:
    return [parse_fileid(f"cloud://{env}.{BUCKET}/{prefix}/{n}.png") for n in range(count)]


def link_for(fileid: str) -> str:
    key = fileid.split(f"{BUCKET}/", 1)[1]
    return f"https://{BUCKET}.tcb.qcloud.la/{key}?sign=s1g&t=1700000000"


def answer(request: Request) -> Send:
    """Every requested ID answered with its link."""
    items = [
        {"fileid": fid, "status": 0, "errmsg": "ok", "download_url": link_for(fid)}
        for fid in request.fileids()
    ]
    return Send.json({"errcode": 0, "errmsg": "ok", "file_list": items})


def error(code: int, errmsg: str = "error") -> Send:
    return Send.json({"errcode": code, "errmsg": f"{errmsg} rid: 65f0a1b2-0c3d4e5f-6a7b8c9d"})


HTML_502 = Send(b"<html><body>502 Bad Gateway</body></html>", 502, "text/html")


def client_for(
    http: httpx.AsyncClient, server: HostileServer, token: str = TOKEN, **options: Any
) -> TcbClient:
    options.setdefault("retry", FAST)
    return TcbClient(http, lambda: token, base_url=server.base_url, **options)


async def collect(client: TcbClient, ids: list[FileId]) -> tuple[list[LinkResult], TcbError | None]:
    yielded: list[LinkResult] = []
    try:
        async with aclosing(client.resolve(ids)) as stream:
            async for batch in stream:
                yielded.extend(batch)
    except TcbError as exc:
        return yielded, exc
    return yielded, None


# ---------------------------------------------------------------------------------------
# 1. deadlines
# ---------------------------------------------------------------------------------------


def first_then(reply: Reply, then: Callable[[Request], Reply] = answer) -> Handler:
    """``reply`` for the first request, ``then`` for the others."""
    seen: list[Request] = []

    def handler(request: Request) -> Reply:
        seen.append(request)
        return reply if len(seen) == 1 else then(request)

    return handler


@pytest.mark.parametrize(
    "slow",
    [
        # A byte of body every 0.2 s: each read is quick, the whole answer never ends.
        Drip(b'{"errcode": 0, "errmsg": "ok", "file_list": []}' * 20, every=0.2),
        Stall(seconds=30.0),  # no status line at all
        SlowHeaders(every=0.2),  # headers that never end
    ],
    ids=["drip", "stall", "slow-headers"],
)
async def test_a_slow_answer_is_cut_at_the_deadline_and_retried(
    http: httpx.AsyncClient, slow: Reply
) -> None:
    ids = ids_in("env-t", 3)
    hub, events = traced()
    async with hostile(first_then(slow)) as server:
        client = client_for(http, server, deadline=DEADLINE, trace=hub)
        started = time.monotonic()

        results = await client.resolve_all(ids)

        took = time.monotonic() - started
    assert [r.ok for r in results] == [True, True, True]
    assert len(server.requests) == 2
    assert DEADLINE <= took < DEADLINE + 2.0
    first = events[0]
    assert first.outcome is Outcome.RETRY
    assert first.errmsg == f"Network error: no whole answer within {DEADLINE:g} s"
    assert DEADLINE * 1000 <= first.duration_ms < (DEADLINE + 1.0) * 1000
    assert events[1].outcome is Outcome.OK


async def test_a_service_that_always_drips_stops_the_run_in_bounded_time(
    http: httpx.AsyncClient,
) -> None:
    drip = Drip(b'{"errcode": 0, "file_list": []}' * 50, every=0.1)
    ids = ids_in("env-t", 120)  # three batches in flight: none is given up alone
    async with hostile(lambda request: drip) as server:
        client = client_for(http, server, deadline=0.3, give_up_after=1.0, concurrency=3)
        started = time.monotonic()

        yielded, stop = await collect(client, ids)

        took = time.monotonic() - started
    assert yielded == []
    assert isinstance(stop, ServiceError)
    assert stop.kind is ErrorKind.NETWORK
    assert stop.message.startswith("Nothing good came back from the service for 1 s")
    assert "no whole answer within 0.3 s" in stop.message
    assert list(stop.unresolved) == ids
    # The bound: give_up_after, plus one deadline and one backoff at most.
    assert 1.0 <= took < 1.0 + 0.3 + FAST.max_delay + 1.0


async def test_the_token_request_has_a_deadline_too(http: httpx.AsyncClient) -> None:
    grant = Send.json({"access_token": "stable-" + uuid.uuid4().hex, "expires_in": 7200})
    drip = Drip(b'{"access_token": "x", "expires_in": 7200}' * 10, every=0.2)
    async with hostile(first_then(drip, lambda request: grant)) as server:
        provider = StableTokenProvider(
            http, base_url=server.base_url, appid=APPID, secret=lambda: APPSECRET,
            retry=FAST, deadline=DEADLINE,
        )  # fmt: skip
        started = time.monotonic()

        token = await provider.get()

        took = time.monotonic() - started
    assert token.startswith("stable-")
    assert len(server.requests) == 2
    assert DEADLINE <= took < DEADLINE + 2.0


@pytest.mark.parametrize("value", [0, -1.0, float("nan"), float("inf")])
async def test_deadline_and_give_up_after_must_be_positive_seconds(
    http: httpx.AsyncClient, value: float
) -> None:
    with pytest.raises(InputError, match="deadline must be"):
        TcbClient(http, lambda: TOKEN, deadline=value)
    with pytest.raises(InputError, match="give_up_after must be"):
        TcbClient(http, lambda: TOKEN, give_up_after=value)
    with pytest.raises(InputError, match="deadline must be"):
        StableTokenProvider(http, appid=APPID, secret=lambda: APPSECRET, deadline=value)


# ---------------------------------------------------------------------------------------
# 2. retries that follow the service's health
# ---------------------------------------------------------------------------------------


async def test_an_outage_is_waited_out_while_nothing_good_comes_back(
    http: httpx.AsyncClient,
) -> None:
    # Before issue 10 every batch in flight gave up after 4 tries during the outage.
    outage = [0.0, 0.0]

    def handler(request: Request) -> Reply:
        now = time.monotonic()
        if not outage[0] and len(server.requests) > 4:
            outage[:] = [now, now + 0.6]  # the service is down for 0.6 s
        if outage[0] <= now < outage[1]:
            return HTML_502
        return answer(request)

    ids = ids_in("env-t", 50 * 12)
    async with hostile(handler) as server:
        client = client_for(http, server, concurrency=4, give_up_after=5.0)

        results = await client.resolve_all(ids)

    assert all(r.ok for r in results), Counter(r.errmsg for r in results if not r.ok)
    failed = sum(1 for r in server.requests if outage[0] <= r.received < outage[1])
    assert failed > 4 * FAST.max_tries  # far more failures than one batch's tries


async def test_a_dead_service_stops_the_run_after_give_up_after(
    http: httpx.AsyncClient,
) -> None:
    ids = ids_in("env-t", 50 * 10)
    async with hostile(lambda request: HTML_502) as server:
        client = client_for(http, server, concurrency=4, give_up_after=0.5)
        run = ResolveRun(client, ids)
        started = time.monotonic()

        results = await run.run()

        took = time.monotonic() - started
    assert isinstance(run.stop, ServiceError)
    assert run.exit_status == 4
    assert 0.5 <= took < 0.5 + FAST.max_delay + 1.0
    assert all(not r.ok for r in results)
    # Batches in flight together tell an outage: none was given up alone.
    assert not [r for r in results if "gave up" in r.errmsg]
    assert {r.errmsg for r in results} == {
        "Not resolved: Nothing good came back from the service for 0.5 s (last: The "
        "service answered HTTP 502). Check the network and the base URL, then try "
        "the rest again."
    }
    assert len(server.requests) > 4 * FAST.max_tries


async def test_a_batch_that_fails_alone_is_given_up_alone(http: httpx.AsyncClient) -> None:
    # A deterministic per-batch failure: this batch always comes back cut, the others fine.
    poisoned = ids_in("env-bad", 30)

    def handler(request: Request) -> Reply:
        if request.json()["env"] == "env-bad":
            return Cut(answer(request).body)
        return answer(request)

    good = ids_in("env-t", 50 * 20)
    async with hostile(handler) as server:
        client = client_for(http, server, retry=QUICK, concurrency=4, give_up_after=30.0)
        run = ResolveRun(client, poisoned + good)  # its batch goes first
        started = time.monotonic()

        results = await run.run()

        took = time.monotonic() - started
    assert run.stop is None
    assert run.exit_status == 4  # network failures after retries
    by_id = {r.fileid.raw: r for r in results}
    assert all(by_id[f.raw].ok for f in good)
    for fid in poisoned:
        result = by_id[fid.raw]
        assert result.kind is ErrorKind.NETWORK
        assert result.errmsg == (
            "The service sent an unreadable (non-JSON or cut) answer; "
            f"gave up after {BATCH_MAX_TRIES} tries"
        )
    bad_calls = [r for r in server.requests if r.json()["env"] == "env-bad"]
    assert len(bad_calls) >= BATCH_MAX_TRIES
    assert took < 5.0


async def test_an_answer_that_always_leaves_an_id_out_ends_in_bounded_tries(
    http: httpx.AsyncClient,
) -> None:
    ids = ids_in("env-t", 5)

    def handler(request: Request) -> Reply:
        reply = json.loads(answer(request).body)
        reply["file_list"] = [i for i in reply["file_list"] if not i["fileid"].endswith("/4.png")]
        return Send.json(reply)

    async with hostile(handler) as server:
        client = client_for(http, server, retry=QUICK, concurrency=2, give_up_after=30.0)

        results = await client.resolve_all(ids)

    assert [r.ok for r in results] == [True] * 4 + [False]
    assert results[4].errmsg == (
        f"no answer from the service for this file; gave up after {BATCH_MAX_TRIES} tries"
    )
    assert len(server.requests) == BATCH_MAX_TRIES


async def test_random_failures_give_nothing_up_while_the_service_answers(
    http: httpx.AsyncClient,
) -> None:
    # 35 % of all calls fail at random. Before issue 10, four failures in a row (one
    # batch in 70) gave that batch up; now twelve counted ones would (one in 300,000).
    rng = random.Random(10)
    faults = [HTML_502, error(-1, "system error"), Drop(), None]

    def handler(request: Request) -> Reply:
        if rng.random() < 0.35:
            fault = rng.choice(faults)
            return fault if fault is not None else Cut(answer(request).body)
        return answer(request)

    ids = ids_in("env-t", 50 * 100)
    async with hostile(handler) as server:
        client = client_for(http, server, retry=QUICK, concurrency=8, give_up_after=30.0)
        run = ResolveRun(client, ids)

        results = await run.run()

    assert all(r.ok for r in results), Counter(r.errmsg for r in results if not r.ok)
    assert run.exit_status == 0
    assert len(server.requests) > 130  # the faults really happened


async def test_eleven_failures_in_a_row_are_retried_while_others_succeed(
    http: httpx.AsyncClient,
) -> None:
    # Batch n fails its first n % 12 tries (every way a call can fail), then answers.
    # Before issue 10 every batch unlucky four times in a row was given up.
    tries: Counter[str] = Counter()
    faults = [HTML_502, error(-1, "system error"), Drop()]

    def handler(request: Request) -> Reply:
        first = request.fileids()[0]
        tries[first] += 1
        batch = int(first.rsplit("/", 1)[1].split(".")[0]) // 50
        if tries[first] <= batch % BATCH_MAX_TRIES:
            return faults[tries[first] % len(faults)]
        return answer(request)

    ids = ids_in("env-t", 50 * 24)
    async with hostile(handler) as server:
        client = client_for(http, server, retry=QUICK, concurrency=6, give_up_after=30.0)

        results = await client.resolve_all(ids)

    assert all(r.ok for r in results), Counter(r.errmsg for r in results if not r.ok)
    assert max(tries.values()) == BATCH_MAX_TRIES  # eleven failures, then the answer


# ---------------------------------------------------------------------------------------
# 5. a short token echoed back
# ---------------------------------------------------------------------------------------


async def test_a_short_token_echoed_by_the_service_is_redacted_everywhere(
    http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    short = "Zt" + uuid.uuid4().hex[:3]  # five characters, like a test account's token
    word = re.compile(rf"(?<![A-Za-z0-9]){short}(?![A-Za-z0-9])")

    def handler(request: Request) -> Reply:
        echoed = f"invalid args, token {request.params['access_token']} refused"
        if request.path == QUOTA_PATH:
            return error(40001, echoed)
        if request.json()["env"] == "env-a":
            return error(40097, echoed)
        return error(40101, f"missing: {short}")

    caplog.set_level(logging.DEBUG)
    hub, events = traced()
    ids = ids_in("env-a", 1) + ids_in("env-b", 2)
    async with hostile(handler) as server:
        client = client_for(http, server, token=short, trace=hub)
        results = await client.resolve_all(ids)
        check = await client.check_token()

    texts = [r.errmsg for r in results] + [check.message, caplog.text]
    texts += [json.dumps(event.record()) for event in events]
    assert all(not r.ok for r in results)
    assert f"token {REDACTED} refused" in results[0].errmsg
    for text in texts:
        assert not word.search(text), text


# ---------------------------------------------------------------------------------------
# 6. 40164 and the codes of the CloudBase errcode page
# ---------------------------------------------------------------------------------------

IP_ERRMSG = "invalid ip 203.0.113.7 ipv6 ::ffff:203.0.113.7, not in whitelist"
ALLOWLIST = ERRCODES[40164].message


async def test_40164_on_a_link_request_stops_with_the_allowlist_message_and_the_ip(
    http: httpx.AsyncClient,
) -> None:
    ids = ids_in("env-t", 120)

    def handler(request: Request) -> Reply:
        return answer(request) if len(server.requests) == 1 else error(40164, IP_ERRMSG)

    async with hostile(handler) as server:
        run = ResolveRun(client_for(http, server, concurrency=1), ids)
        results = await run.run()

    stop = run.stop
    assert isinstance(stop, ServiceError)
    assert stop.kind is ErrorKind.CONFIG
    assert stop.code == 40164
    assert stop.message == f"{ALLOWLIST} WeChat saw this computer's address as 203.0.113.7."
    assert "IP白名单" in stop.message
    assert run.exit_status == 4
    assert [r.ok for r in results] == [True] * 50 + [False] * 70
    assert results[-1].errmsg == f"Not resolved: {stop.message}"
    assert len(server.requests) == 2  # nothing retried


async def test_40164_on_the_token_check_names_the_ip(http: httpx.AsyncClient) -> None:
    async with hostile(lambda request: error(40164, IP_ERRMSG)) as server:
        check = await client_for(http, server).check_token()

    assert check.state is TokenState.NOT_ALLOWED
    assert check.code == 40164
    assert check.message.endswith("WeChat saw this computer's address as 203.0.113.7.")


async def test_40164_from_stable_token_names_the_ip(http: httpx.AsyncClient) -> None:
    async with hostile(lambda request: error(40164, IP_ERRMSG)) as server:
        provider = StableTokenProvider(
            http, base_url=server.base_url, appid=APPID, secret=lambda: APPSECRET, retry=FAST
        )
        with pytest.raises(ServiceError) as caught:
            await provider.get()

    assert caught.value.kind is ErrorKind.CONFIG
    assert caught.value.message == f"{ALLOWLIST} WeChat saw this computer's address as 203.0.113.7."


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (-501015, ErrorKind.CONFIG),  # read request quota used up: stop, retry nothing
        (-501016, ErrorKind.CONFIG),
        (-501017, ErrorKind.CONFIG),
        (89503, ErrorKind.CONFIG),
        (-501019, ErrorKind.TOKEN),
    ],
)
async def test_cloudbase_quota_and_permission_codes_stop_the_run(
    http: httpx.AsyncClient, code: int, kind: ErrorKind
) -> None:
    ids = ids_in("env-t", 3)
    async with hostile(lambda request: error(code, "quota")) as server:
        run = ResolveRun(client_for(http, server), ids)
        await run.run()

    assert run.stop is not None
    assert run.stop.kind is kind
    assert run.stop.message == ERRCODES[code].message
    assert len(server.requests) == 1
    assert run.exit_status == (3 if kind is ErrorKind.TOKEN else 4)


@pytest.mark.parametrize("code", [-501009, -501020, -601002])
async def test_cloudbase_request_codes_fail_the_batch_with_their_reason(
    http: httpx.AsyncClient, code: int
) -> None:
    async with hostile(lambda request: error(code, "bad thing")) as server:
        results = await client_for(http, server).resolve_all(ids_in("env-t", 1))

    kind = ErrorKind.CONFIG if code in REFUSED_UNTIL_CHANGED else ErrorKind.REQUEST
    assert results[0].kind is kind
    assert results[0].errmsg.startswith(ERRCODES[code].message)
    assert f"errcode {code}" in results[0].errmsg
    assert len(server.requests) == 1


# ---------------------------------------------------------------------------------------
# 7. the trace
# ---------------------------------------------------------------------------------------


def traced() -> tuple[TraceHub, list[TraceEvent]]:
    hub = TraceHub()
    events: list[TraceEvent] = []
    hub.add(events.append)
    return hub, events


class FaultyService:
    """batchdownloadfile, quota/get and stable_token, a fifth of calls failing at random;
    one token refused once (40001) so a fresh token is tried."""

    KINDS = ("html502", "errcode-1", "drop", "truncated", "slow")

    def __init__(self, seed: int, rate: float = 0.2) -> None:
        self.rng = random.Random(seed)
        self.rate = rate
        self.issued: list[str] = []
        self.refused: set[str] = set()
        self.fault_of: dict[int, str] = {}  # request index -> fault served

    def __call__(self, request: Request) -> Reply:
        index = len(self.server.requests) - 1
        if request.path == TCB_PATH and not self.refused and index > 8:
            token = request.params["access_token"]
            self.refused.add(token)
            return error(40001, f"invalid credential, access_token is {token}")
        if self.rng.random() < self.rate:
            kind = self.KINDS[len(self.fault_of) % len(self.KINDS)]  # every kind, in turn
            self.fault_of[index] = kind
            if kind == "html502":
                return HTML_502
            if kind == "errcode-1":
                return error(-1, "system error")
            if kind == "drop":
                return Drop()
            if kind == "truncated":
                return Cut(self.good(request).body)
            good = self.good(request)
            return Send(good.body, delay=0.02)
        return self.good(request)

    def good(self, request: Request) -> Send:
        if request.path == STABLE_TOKEN_PATH:
            token = f"stable-{len(self.issued)}-" + uuid.uuid4().hex
            self.issued.append(token)
            return Send.json({"access_token": token, "expires_in": 7200})
        if request.path == QUOTA_PATH:
            quota = {"daily_limit": 100, "used": 1, "remain": 99}
            return Send.json({"errcode": 0, "errmsg": "ok", "quota": quota})
        return answer(request)

    server: HostileServer


async def test_every_request_the_server_saw_is_one_trace_event_without_secrets(
    http: httpx.AsyncClient,
) -> None:
    service = FaultyService(seed=7)
    hub, events = traced()
    ids = ids_in("env-t", 50 * 30) + ids_in("env-u", 70)
    async with hostile(service) as server:
        service.server = server
        provider = StableTokenProvider(
            http, base_url=server.base_url, appid=APPID, secret=lambda: APPSECRET,
            retry=QUICK, trace=hub,
        )  # fmt: skip
        client = TcbClient(
            http,
            StableCredentials(provider),
            base_url=server.base_url,
            api="tcb",
            retry=QUICK,
            concurrency=4,
            trace=hub,
        )
        results = await client.resolve_all(ids)
        check = await client.check_token()
        received = list(server.requests)

    assert all(r.ok for r in results)
    assert check.state is TokenState.VALID
    # Exactly one event per request the server received, and the faults were there.
    assert len(events) == len(received)
    assert Counter(e.endpoint for e in events) == Counter(r.path for r in received)
    assert set(service.fault_of.values()) == set(FaultyService.KINDS)
    outcomes = Counter(e.outcome for e in events)
    assert {Outcome.OK, Outcome.RETRY, Outcome.RENEW_TOKEN} <= set(outcomes)
    [refused] = service.refused
    assert refused != service.issued[-1]  # the refused token was replaced

    secrets = [APPSECRET, *service.issued]
    for event in events:
        record = json.dumps(event.record(), ensure_ascii=False)
        for secret in secrets:
            assert secret not in record, event
        assert event.method == "POST"
        assert event.time > 0
        assert event.duration_ms >= 0
        assert event.attempt >= 1
        assert event.body is not None
        body = json.loads(event.body)
        if event.kind is CallKind.TOKEN:
            assert event.endpoint == STABLE_TOKEN_PATH
            assert event.url == server.base_url + STABLE_TOKEN_PATH
            assert body == {
                "grant_type": "client_credential",
                "appid": APPID,
                "secret": SECRET_PLACEHOLDER,
                "force_refresh": False,
            }
            continue
        assert event.kind is CallKind.API
        assert event.url == f"{server.base_url}{event.endpoint}?access_token={REDACTED}"
        if event.endpoint == QUOTA_PATH:
            assert body == {"cgi_path": TCB_PATH}
            continue
        assert event.endpoint == TCB_PATH
        assert body["env"] == event.env
        assert len(body["file_list"]) == event.ids
        assert all(item["max_age"] == client.max_age for item in body["file_list"])

    # Each event says what the server did: no answer for a reset, the status otherwise,
    # the errcode when the JSON could be read.
    for event in events:
        if event.http_status is None:
            assert event.outcome in (Outcome.RETRY, Outcome.GAVE_UP)
            assert (event.errmsg or "").startswith("Network error")
        elif event.http_status == 502:
            assert event.outcome in (Outcome.RETRY, Outcome.GAVE_UP)
            assert event.errmsg in (
                "The service answered HTTP 502",
                "The token service answered HTTP 502",
            )
        if event.errcode == -1:
            assert event.outcome in (Outcome.RETRY, Outcome.GAVE_UP)
            assert (event.errmsg or "").startswith("system error")
        if event.errcode == 40001:
            assert event.outcome is Outcome.RENEW_TOKEN
            assert REDACTED in (event.errmsg or "")
    resets = sum(1 for kind in service.fault_of.values() if kind == "drop")
    assert sum(1 for e in events if e.http_status is None) == resets
    # The attempts of one batch are numbered 1, 2, … in the order they were sent.
    per_batch: dict[str, list[int]] = {}
    for event in events:
        if event.endpoint == TCB_PATH and event.body:
            first = json.loads(event.body)["file_list"][0]["fileid"]
            per_batch.setdefault(first, []).append(event.attempt)
    for attempts in per_batch.values():
        assert sorted(attempts) == list(range(1, len(attempts) + 1))


async def test_a_stop_is_traced_as_a_stop(http: httpx.AsyncClient) -> None:
    hub, events = traced()
    async with hostile(lambda request: error(42001, "access_token expired")) as server:
        _, stop = await collect(client_for(http, server, trace=hub), ids_in("env-t", 2))

    assert isinstance(stop, TokenError)
    [event] = events
    assert event.outcome is Outcome.STOP
    assert event.errcode == 42001
    assert event.http_status == 200
    assert (event.errmsg or "").startswith("access_token expired")


async def test_without_listeners_no_event_is_built(http: httpx.AsyncClient) -> None:
    hub = TraceHub()  # nobody listening
    async with hostile(answer) as server:
        results = await client_for(http, server, trace=hub).resolve_all(ids_in("env-t", 2))
    assert all(r.ok for r in results)
