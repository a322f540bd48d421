"""Mini program mode: ``StableTokenProvider`` against exact HTTP cases (respx), a fake
clock, and the demo service; plus where the AppSecret and the AppID are kept.

The provider's clock and sleep are injected, so renewals hours apart run in milliseconds
and the assertions are exact.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import ssl
import traceback
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import keyring
import pytest
import respx
from keyring.backends import fail

from tcb_gui.core.client import (
    DEFAULT_BASE_URL,
    QUOTA_PATH,
    ApiMode,
    Quota,
    RetryPolicy,
    TcbClient,
    make_http_client,
)
from tcb_gui.core.errors import (
    CREDENTIAL_ERRCODES,
    ERRCODES,
    ErrorKind,
    InputError,
    KeyringUnavailableError,
    ServiceError,
    TcbError,
    TokenError,
    TokenState,
    classify_credential_errcode,
)
from tcb_gui.core.fileids import parse_fileid
from tcb_gui.core.settings import (
    AUTH_APPSECRET,
    AUTH_TOKEN,
    Profile,
    Settings,
    load_settings,
    save_settings,
    settings_path,
    validate_appid,
)
from tcb_gui.core.stable_token import (
    RENEWAL_MARGIN_S,
    SECRET_PLACEHOLDER,
    STABLE_TOKEN_PATH,
    StableTokenProvider,
    check_credentials,
)
from tcb_gui.core.tokens import (
    APP_SECRET_ENV,
    KEYRING_SERVICE,
    TOKEN_ENV,
    AppSecretInfo,
    TokenSource,
    TokenStore,
    app_secret_user,
    clean_app_secret,
)
from tcb_gui.core.trace import CallKind, Outcome, TraceEvent, TraceHub
from tcb_gui.demo import samples
from tcb_gui.demo.service import DEMO_APPID, DEMO_APPSECRET, DemoConfig, DemoState, create_app
from tests.memory_keyring import MemoryKeyring

APPID = "wx1234567890abcdef"
# Distinctive, so a leak anywhere is unambiguous; long enough for redact.register_secret.
SECRET = "5ec7e7aaaabbbbccccddddeeeeffff09"
TOKEN_A = "83_STABLEtokenAAAA-0123456789abcdefXYZ"
TOKEN_B = "83_STABLEtokenBBBB-0123456789abcdefXYZ"
URL = DEFAULT_BASE_URL + STABLE_TOKEN_PATH
QUOTA_URL = DEFAULT_BASE_URL + QUOTA_PATH
START = 1_700_000_000.0
LIFE = 7200
FAST = RetryPolicy(max_tries=4, base_delay=0.001, max_delay=0.002)
_SSL_CONTEXT = ssl.create_default_context()


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Sleeper:
    """A sleep that moves the fake clock instead of waiting, and remembers each wait."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.clock.advance(seconds)
        await asyncio.sleep(0)


@pytest.fixture(autouse=True)
def no_app_secret_from_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(APP_SECRET_ENV, raising=False)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sleeper(clock: Clock) -> Sleeper:
    return Sleeper(clock)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with make_http_client(verify=_SSL_CONTEXT) as client:
        yield client


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False, assert_all_mocked=True) as mock:
        yield mock


@pytest.fixture
def make(
    http: httpx.AsyncClient, clock: Clock, sleeper: Sleeper
) -> Callable[..., StableTokenProvider]:
    def build(**options: Any) -> StableTokenProvider:
        options.setdefault("appid", APPID)
        secret = options.pop("secret_value", SECRET)
        options.setdefault("secret", lambda: secret)
        return StableTokenProvider(http, retry=FAST, clock=clock, sleep=sleeper, **options)

    return build


def grant(token: str = TOKEN_A, expires_in: Any = LIFE) -> httpx.Response:
    return httpx.Response(200, json={"access_token": token, "expires_in": expires_in})


def error(code: int, errmsg: str = "error rid: 1234") -> httpx.Response:
    return httpx.Response(200, json={"errcode": code, "errmsg": errmsg})


def in_turn(*steps: httpx.Response | type[Exception]) -> Callable[[httpx.Request], Any]:
    remaining = list(steps)

    def effect(request: httpx.Request) -> httpx.Response:
        step = remaining.pop(0) if len(remaining) > 1 else remaining[0]
        if isinstance(step, type):
            raise step("mocked failure", request=request)  # type: ignore[call-arg]
        return step

    return effect


def body_of(request: httpx.Request) -> dict[str, Any]:
    data = json.loads(request.content)
    assert isinstance(data, dict)
    return data


def assert_hidden(error: BaseException, *secrets: str) -> None:
    """Nothing a user or a log could see of ``error`` holds any of ``secrets``."""
    texts = [
        str(error),
        repr(error),
        repr(error.args),
        getattr(error, "detail", ""),
        "".join(traceback.format_exception(error)),
    ]
    assert error.__cause__ is None
    assert error.__context__ is None
    for secret in secrets:
        for text in texts:
            assert secret not in text


# ---------------------------------------------------------------------------------------
# fetching and caching
# ---------------------------------------------------------------------------------------


async def test_fetches_once_and_caches(
    router: respx.MockRouter, make: Callable[..., StableTokenProvider], clock: Clock
) -> None:
    route = router.post(URL).mock(return_value=grant())
    provider = make()
    assert provider.current() is None
    assert provider.time_left() is None
    assert provider.expires_at is None
    assert await provider.get() == TOKEN_A
    assert await provider.get() == TOKEN_A
    assert route.call_count == 1
    request = route.calls.last.request
    # The secret travels in the JSON body only: never in the URL, where logs see it.
    assert request.url == httpx.URL(URL)
    assert request.headers["content-type"] == "application/json"
    assert body_of(request) == {
        "grant_type": "client_credential",
        "appid": APPID,
        "secret": SECRET,
        "force_refresh": False,
    }
    assert provider.current() == TOKEN_A
    assert provider.time_left() == LIFE
    assert provider.expires_at == datetime.fromtimestamp(START + LIFE, UTC)
    assert provider.last_error is None


async def test_current_ends_with_the_token(
    router: respx.MockRouter, make: Callable[..., StableTokenProvider], clock: Clock
) -> None:
    router.post(URL).mock(return_value=grant(expires_in=600))
    provider = make()
    await provider.get()
    clock.advance(599)
    assert provider.current() == TOKEN_A
    assert provider.time_left() == 1
    clock.advance(1)
    assert provider.current() is None
    assert provider.time_left() == 0


async def test_life_counts_from_when_the_request_left(
    make: Callable[..., StableTokenProvider], clock: Clock, router: respx.MockRouter
) -> None:
    def slow_answer(request: httpx.Request) -> httpx.Response:
        clock.advance(3)  # the answer took 3 s to arrive
        return grant()

    router.post(URL).mock(side_effect=slow_answer)
    provider = make()
    await provider.get()
    assert provider.time_left() == LIFE - 3


async def test_renews_within_the_margin_before_expiry(
    router: respx.MockRouter, make: Callable[..., StableTokenProvider], clock: Clock
) -> None:
    route = router.post(URL).mock(side_effect=in_turn(grant(TOKEN_A), grant(TOKEN_B)))
    provider = make()
    await provider.get()
    assert provider.renewal_margin() == RENEWAL_MARGIN_S
    # WeChat hands out a new token only in the last 5 minutes: the margin lies inside them.
    assert RENEWAL_MARGIN_S < 300
    clock.advance(LIFE - RENEWAL_MARGIN_S - 1)
    assert await provider.get() == TOKEN_A
    assert route.call_count == 1
    clock.advance(1)
    assert await provider.get() == TOKEN_B
    assert route.call_count == 2
    assert body_of(route.calls.last.request)["force_refresh"] is False
    assert provider.time_left() == LIFE


async def test_short_tokens_renew_with_a_fifth_left(
    router: respx.MockRouter, make: Callable[..., StableTokenProvider], clock: Clock
) -> None:
    route = router.post(URL).mock(side_effect=in_turn(grant(TOKEN_A, 100), grant(TOKEN_B)))
    provider = make()
    await provider.get()
    assert provider.renewal_margin() == 20
    clock.advance(79)
    assert await provider.get() == TOKEN_A
    clock.advance(1)
    assert await provider.get() == TOKEN_B
    assert route.call_count == 2


async def test_force_refresh_asks_even_with_a_fresh_token(
    router: respx.MockRouter, make: Callable[..., StableTokenProvider]
) -> None:
    route = router.post(URL).mock(side_effect=in_turn(grant(TOKEN_A), grant(TOKEN_B)))
    provider = make()
    await provider.get()
    assert await provider.get(force_refresh=True) == TOKEN_B
    assert body_of(route.calls.last.request)["force_refresh"] is True
    assert provider.current() == TOKEN_B


async def test_invalidate_forgets_only_the_rejected_token(
    router: respx.MockRouter, make: Callable[..., StableTokenProvider]
) -> None:
    route = router.post(URL).mock(side_effect=in_turn(grant(TOKEN_A), grant(TOKEN_B)))
    provider = make()
    await provider.get()
    provider.invalidate(TOKEN_B)  # not the cached one: nothing happens
    assert provider.current() == TOKEN_A
    provider.invalidate(TOKEN_A)
    assert provider.current() is None
    assert provider.time_left() is None
    assert await provider.get() == TOKEN_B
    assert route.call_count == 2


async def test_concurrent_callers_share_one_request(clock: Clock, sleeper: Sleeper) -> None:
    release = asyncio.Event()
    calls = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        await release.wait()
        return grant(f"{TOKEN_A}-{calls}")

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        provider = StableTokenProvider(
            http, appid=APPID, secret=lambda: SECRET, retry=FAST, clock=clock, sleep=sleeper
        )
        waiters = [asyncio.create_task(provider.get()) for _ in range(10)]
        forced = asyncio.create_task(provider.get(force_refresh=True))
        for _ in range(5):
            await asyncio.sleep(0)
        release.set()
        tokens = await asyncio.gather(*waiters, forced)
    assert calls == 1
    assert set(tokens) == {f"{TOKEN_A}-1"}


async def test_a_cancelled_caller_does_not_block_the_others(clock: Clock, sleeper: Sleeper) -> None:
    release = asyncio.Event()
    calls = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            await release.wait()
        return grant()

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        provider = StableTokenProvider(
            http, appid=APPID, secret=lambda: SECRET, retry=FAST, clock=clock, sleep=sleeper
        )
        first = asyncio.create_task(provider.get())
        await asyncio.sleep(0)
        second = asyncio.create_task(provider.get())
        await asyncio.sleep(0)
        first.cancel()
        assert await asyncio.wait_for(second, 5) == TOKEN_A
    assert calls == 2


# ---------------------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------------------


def test_credential_codes_are_classified_for_the_user() -> None:
    for code in (40013, 40125, 40243):
        info = classify_credential_errcode(code)
        assert info.kind is ErrorKind.TOKEN
        assert info.token_state is TokenState.INVALID
        assert "App" in info.message  # about the AppID/AppSecret …
        assert "token" not in info.message.lower().replace("access token", "")  # … not "the token"
    assert "AppSecret" in classify_credential_errcode(40125).message
    assert "AppID" in classify_credential_errcode(40013).message
    ip = classify_credential_errcode(40164)
    assert ip.kind is ErrorKind.CONFIG
    assert "IP allowlist" in ip.message
    assert "IP白名单" in ip.message
    assert classify_credential_errcode(40002).kind is ErrorKind.CLIENT
    assert classify_credential_errcode(-1).kind is ErrorKind.RETRYABLE
    assert classify_credential_errcode(45011).kind is ErrorKind.RETRYABLE
    assert "tokens" in classify_credential_errcode(45009).message
    assert classify_credential_errcode(12345).kind is ErrorKind.REQUEST
    # The shared table is untouched: these codes mean something else on other endpoints.
    assert ERRCODES[40001] != CREDENTIAL_ERRCODES[40001]
    assert not set(CREDENTIAL_ERRCODES) - {40001, 45009} & set(ERRCODES)


@pytest.mark.parametrize("code", sorted(CREDENTIAL_ERRCODES))
async def test_each_errcode_becomes_a_typed_error(
    code: int,
    router: respx.MockRouter,
    make: Callable[..., StableTokenProvider],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    route = router.post(URL).mock(return_value=error(code, f"says {SECRET} rid: 1"))
    provider = make()
    with pytest.raises(TcbError) as info:
        await provider.get()
    expected = CREDENTIAL_ERRCODES[code]
    assert info.value.message == expected.message
    assert info.value.code == code
    assert info.value.kind is expected.kind
    if expected.kind is ErrorKind.TOKEN:
        assert isinstance(info.value, TokenError)
        assert info.value.state is expected.token_state
    else:
        assert isinstance(info.value, ServiceError)
    assert route.call_count == 1  # none of these is worth a retry
    assert provider.last_error is info.value
    assert provider.current() is None
    # Even a service that echoed the secret cannot make it reach the user or a log.
    assert_hidden(info.value, SECRET)
    assert SECRET not in caplog.text


@pytest.mark.parametrize("code", [-1, 45011])
async def test_busy_service_is_retried(
    code: int, router: respx.MockRouter, make: Callable[..., StableTokenProvider], sleeper: Sleeper
) -> None:
    route = router.post(URL).mock(side_effect=in_turn(error(code), error(code), grant()))
    assert await make().get() == TOKEN_A
    assert route.call_count == 3
    assert len(sleeper.waits) == 2


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectError,
        httpx.ReadTimeout,
        httpx.RemoteProtocolError,
        httpx.Response(502, text="<html>bad gateway</html>"),
        httpx.Response(429),
        httpx.Response(200, text="{cut"),
        httpx.Response(200, json=["not", "an", "object"]),
        httpx.Response(200, json={"errcode": "junk"}),
        httpx.Response(200, json={"expires_in": 7200}),
        httpx.Response(200, json={"access_token": "", "expires_in": 7200}),
        httpx.Response(200, json={"access_token": "has space", "expires_in": 7200}),
        httpx.Response(200, json={"access_token": TOKEN_A}),
        httpx.Response(200, json={"access_token": TOKEN_A, "expires_in": 0}),
        httpx.Response(200, json={"access_token": TOKEN_A, "expires_in": True}),
        httpx.Response(200, json={"access_token": TOKEN_A, "expires_in": "soon"}),
    ],
)
async def test_transient_failures_are_retried_then_reported(
    failure: httpx.Response | type[Exception],
    router: respx.MockRouter,
    make: Callable[..., StableTokenProvider],
) -> None:
    route = router.post(URL).mock(side_effect=in_turn(failure, grant()))
    assert await make().get() == TOKEN_A
    assert route.call_count == 2

    route.side_effect = in_turn(failure)
    provider = make()
    with pytest.raises(ServiceError) as info:
        await provider.get()
    assert info.value.kind is ErrorKind.NETWORK
    assert "gave up after 4 tries" in info.value.message
    assert "Check the network and the base URL" in info.value.message
    assert_hidden(info.value, SECRET)


async def test_expires_in_is_read_defensively(
    router: respx.MockRouter, make: Callable[..., StableTokenProvider]
) -> None:
    router.post(URL).mock(side_effect=in_turn(grant(expires_in="3600"), grant(expires_in=99999)))
    provider = make()
    await provider.get()
    assert provider.time_left() == 3600
    await provider.get(force_refresh=True)
    assert provider.time_left() == LIFE  # the docs: always within 7200 s


async def test_http_error_page_is_a_request_problem(
    router: respx.MockRouter, make: Callable[..., StableTokenProvider]
) -> None:
    route = router.post(URL).mock(return_value=httpx.Response(404, text="not found"))
    with pytest.raises(ServiceError, match=r"HTTP 404\. Check the base URL") as info:
        await make().get()
    assert info.value.kind is ErrorKind.REQUEST
    assert route.call_count == 1
    assert_hidden(info.value, SECRET)


@pytest.mark.parametrize("value", [None, "", "   "])
async def test_no_secret_means_no_request(
    value: str | None, router: respx.MockRouter, make: Callable[..., StableTokenProvider]
) -> None:
    route = router.post(URL).mock(return_value=grant())
    provider = make(secret=lambda: value)
    with pytest.raises(TokenError, match="No AppSecret") as info:
        await provider.get()
    assert info.value.state is TokenState.NOT_SET
    assert route.call_count == 0


async def test_a_new_secret_is_used_at_the_next_fetch(
    router: respx.MockRouter, make: Callable[..., StableTokenProvider]
) -> None:
    route = router.post(URL).mock(side_effect=in_turn(error(40125), grant()))
    secrets = [SECRET]
    provider = make(secret=lambda: secrets[-1])
    with pytest.raises(TokenError):
        await provider.get()
    secrets.append("0123456789abcdef0123456789abcdef")
    assert await provider.get() == TOKEN_A
    assert body_of(route.calls.last.request)["secret"] == secrets[-1]


def test_constructor_checks_appid_and_base_url(http: httpx.AsyncClient) -> None:
    with pytest.raises(InputError, match="not a mini program AppID"):
        StableTokenProvider(http, appid="wx123", secret=lambda: SECRET)
    with pytest.raises(InputError, match="Refusing plain http"):
        StableTokenProvider(
            http, base_url="http://api.example.com", appid=APPID, secret=lambda: SECRET
        )
    loopback = StableTokenProvider(
        http, base_url="http://127.0.0.1:8000/", appid=f" {APPID} ", secret=lambda: SECRET
    )
    assert loopback.base_url == "http://127.0.0.1:8000"
    assert loopback.appid == APPID


async def test_failed_renewal_keeps_the_working_token(
    router: respx.MockRouter, make: Callable[..., StableTokenProvider], clock: Clock
) -> None:
    route = router.post(URL).mock(side_effect=in_turn(grant(), error(40164)))
    changes: list[TcbError | None] = []
    provider = make()
    provider.on_change = lambda: changes.append(provider.last_error)
    await provider.get()
    clock.advance(LIFE - 100)  # due for renewal, still valid
    assert await provider.get() == TOKEN_A  # the renewal failed, the caller goes on
    assert route.call_count == 2
    assert isinstance(provider.last_error, ServiceError)
    assert provider.last_error.code == 40164
    assert changes == [None, provider.last_error]
    # Forcing, or once the token has ended, the failure reaches the caller.
    with pytest.raises(ServiceError, match="IP allowlist"):
        await provider.get(force_refresh=True)
    clock.advance(100)
    with pytest.raises(ServiceError, match="IP allowlist"):
        await provider.get()


async def test_a_failing_listener_does_not_break_get(
    router: respx.MockRouter, make: Callable[..., StableTokenProvider]
) -> None:
    router.post(URL).mock(return_value=grant())

    def broken() -> None:
        raise RuntimeError("listener bug")

    provider = make(on_change=broken)
    assert await provider.get() == TOKEN_A


async def test_nothing_secret_reaches_logs_reprs_or_errors(
    router: respx.MockRouter,
    make: Callable[..., StableTokenProvider],
    caplog: pytest.LogCaptureFixture,
    clock: Clock,
) -> None:
    caplog.set_level(logging.DEBUG)
    router.post(URL).mock(
        side_effect=in_turn(
            httpx.ConnectError, error(-1), grant(), error(40125, f"bad {TOKEN_A}"), grant()
        )
    )
    provider = make()
    assert await provider.get() == TOKEN_A
    clock.advance(LIFE)
    with pytest.raises(TokenError) as info:
        await provider.get()
    assert_hidden(info.value, SECRET, TOKEN_A)
    await provider.get()
    for text in (repr(provider), str(provider)):
        assert SECRET not in text
        assert TOKEN_A not in text
    assert caplog.records, "the provider and httpx log at DEBUG"
    assert any(STABLE_TOKEN_PATH in r.getMessage() for r in caplog.records)
    for record in caplog.records:
        message = record.getMessage()
        assert SECRET not in message
        assert TOKEN_A not in message


# ---------------------------------------------------------------------------------------
# the renewal loop
# ---------------------------------------------------------------------------------------


async def run_until(
    provider: StableTokenProvider, done: Callable[[], bool], limit: int = 2000
) -> None:
    task = asyncio.create_task(provider.run_renewal(), name="test-renewal")
    try:
        for _ in range(limit):
            await asyncio.sleep(0)
            if done():
                return
            assert not task.done(), task
        raise AssertionError("the renewal loop did not get there")
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def test_renewal_loop_keeps_a_token_at_all_times(
    router: respx.MockRouter, make: Callable[..., StableTokenProvider], clock: Clock
) -> None:
    tokens = [f"{TOKEN_A}-{n}" for n in range(5)]
    route = router.post(URL).mock(side_effect=in_turn(*(grant(t) for t in tokens)))
    seen: list[tuple[float, str | None, float | None]] = []
    provider = make()
    provider.on_change = lambda: seen.append((clock.now, provider.current(), provider.time_left()))
    await run_until(provider, lambda: route.call_count == 5)
    # A token at once, then each renewed with the margin left, never after it ended.
    assert [token for _, token, _ in seen] == tokens
    times = [now - START for now, _, _ in seen]
    step = LIFE - RENEWAL_MARGIN_S
    assert times == [0, step, 2 * step, 3 * step, 4 * step]
    assert all(left == LIFE for _, _, left in seen)


async def test_renewal_loop_backs_off_and_recovers(
    router: respx.MockRouter,
    make: Callable[..., StableTokenProvider],
    clock: Clock,
    sleeper: Sleeper,
) -> None:
    route = router.post(URL).mock(
        side_effect=in_turn(error(40164), error(40164), error(40164), grant())
    )
    errors: list[TcbError | None] = []
    provider = make()
    provider.on_change = lambda: errors.append(provider.last_error)
    await run_until(provider, lambda: provider.current() is not None)
    assert route.call_count == 4
    assert [e.code if e else None for e in errors] == [40164, 40164, 40164, None]
    # Backoff with jitter: 5 s, 10 s, 20 s ceilings, each at least half its ceiling.
    waits = sleeper.waits[:3]
    for wait, ceiling in zip(waits, [5, 10, 20], strict=True):
        assert ceiling / 2 <= wait <= ceiling


async def test_renewal_loop_never_stops_on_errors(
    router: respx.MockRouter, make: Callable[..., StableTokenProvider], sleeper: Sleeper
) -> None:
    route = router.post(URL).mock(side_effect=in_turn(error(40125)))
    provider = make()
    await run_until(provider, lambda: route.call_count >= 12)
    assert max(sleeper.waits) <= 300  # capped at 5 minutes
    assert max(sleeper.waits) >= 150


async def test_renewal_loop_does_not_spin_on_an_unrenewed_token(
    router: respx.MockRouter, make: Callable[..., StableTokenProvider], clock: Clock
) -> None:
    # WeChat's clock lags ours: asked inside our margin, it gives the same token back.
    def same_token(request: httpx.Request) -> httpx.Response:
        left = START + LIFE - clock.now
        return grant(TOKEN_A, math.ceil(left)) if left > 0 else grant(TOKEN_B)

    route = router.post(URL).mock(side_effect=same_token)
    provider = make()
    await run_until(provider, lambda: provider.current() == TOKEN_B)
    assert route.call_count < 20


async def test_renewal_loop_wakes_up_to_check_the_wall_clock(
    router: respx.MockRouter, make: Callable[..., StableTokenProvider], sleeper: Sleeper
) -> None:
    route = router.post(URL).mock(return_value=grant())
    provider = make()
    await run_until(provider, lambda: route.call_count == 1 and len(sleeper.waits) >= 3)
    assert max(sleeper.waits) <= 60


# ---------------------------------------------------------------------------------------
# the badge's check
# ---------------------------------------------------------------------------------------

QUOTA = {"daily_limit": 500, "used": 20, "remain": 480}


async def test_check_valid_with_quota(
    router: respx.MockRouter, make: Callable[..., StableTokenProvider]
) -> None:
    router.post(URL).mock(return_value=grant())
    quota = router.post(QUOTA_URL).mock(
        return_value=httpx.Response(200, json={"errcode": 0, "quota": QUOTA})
    )
    check = await make().check()
    assert check.state is TokenState.VALID
    assert check.quota == Quota(500, 20, 480)
    assert "AppID and AppSecret work" in check.message
    request = quota.calls.last.request
    assert request.url.params["access_token"] == TOKEN_A
    assert body_of(request) == {"cgi_path": "/tcb/batchdownloadfile"}


@pytest.mark.parametrize(
    ("answer", "state"),
    [
        (error(40125), TokenState.INVALID),
        (error(40013), TokenState.INVALID),
        (error(40164), TokenState.NOT_ALLOWED),
        (error(89503), TokenState.NOT_ALLOWED),
        (error(45009), TokenState.UNREACHABLE),
        (httpx.Response(503), TokenState.UNREACHABLE),
    ],
)
async def test_check_failures(
    answer: httpx.Response,
    state: TokenState,
    router: respx.MockRouter,
    make: Callable[..., StableTokenProvider],
) -> None:
    router.post(URL).mock(return_value=answer)
    quota = router.post(QUOTA_URL).mock(return_value=httpx.Response(200, json={"errcode": 0}))
    check = await make().check()
    assert check.state is state
    assert check.quota is None
    assert quota.call_count == 0
    if answer.status_code == 200:
        code = answer.json()["errcode"]
        assert check.code == code
        assert check.message == classify_credential_errcode(code).message


async def test_check_fetches_again_when_the_token_was_replaced(
    router: respx.MockRouter, make: Callable[..., StableTokenProvider]
) -> None:
    tokens = router.post(URL).mock(side_effect=in_turn(grant(TOKEN_A), grant(TOKEN_B)))

    def quota_answer(request: httpx.Request) -> httpx.Response:
        if request.url.params["access_token"] == TOKEN_A:
            return error(40001)  # ended by a forced refresh somewhere else
        return httpx.Response(200, json={"errcode": 0, "quota": QUOTA})

    router.post(QUOTA_URL).mock(side_effect=quota_answer)
    provider = make()
    check = await provider.check()
    assert check.state is TokenState.VALID
    assert tokens.call_count == 2
    assert provider.current() == TOKEN_B


async def test_check_credentials_in_one_call(
    router: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    router.post(URL).mock(return_value=error(40125))
    check = await check_credentials(http, appid=APPID, secret=lambda: SECRET)
    assert check.state is TokenState.INVALID
    assert "AppSecret" in check.message


# ---------------------------------------------------------------------------------------
# against the demo service
# ---------------------------------------------------------------------------------------


async def test_against_the_demo_service(clock: Clock, sleeper: Sleeper) -> None:
    config = DemoConfig(stable_token_expires_in=100, stable_token_renew_before=30)
    state = DemoState(config, now=clock)
    transport = httpx.ASGITransport(app=create_app(state))
    base = "http://127.0.0.1:8421"
    async with httpx.AsyncClient(transport=transport) as http:
        provider = StableTokenProvider(
            http,
            base_url=base,
            appid=DEMO_APPID,
            secret=lambda: DEMO_APPSECRET,
            clock=clock,
            sleep=sleeper,
        )
        check = await provider.check()
        assert check.state is TokenState.VALID
        first = provider.current()
        assert first is not None
        client = TcbClient(http, provider.current, base_url=base, api=ApiMode.TCB)
        ids = [parse_fileid(samples.PROD.fileid("gen/00002.jpg"))]
        assert (await client.resolve_all(ids))[0].ok
        # Renewed inside the demo's own renewal window, and the new token works.
        clock.advance(100 - provider.renewal_margin())
        second = await provider.get()
        assert second != first
        clock.advance(provider.renewal_margin())
        assert state.token_expiry[first] <= clock.now
        assert (await client.resolve_all(ids))[0].ok
        state.ip_allowlisted = False
        with pytest.raises(ServiceError, match="IP allowlist") as info:
            await provider.get(force_refresh=True)
        assert_hidden(info.value, DEMO_APPSECRET, second)


async def test_demo_drop_over_real_loopback_is_retried(demo_server: Any) -> None:
    demo_server.state.script_faults("stable_token", ["drop", "html502"])
    async with make_http_client() as http:
        provider = StableTokenProvider(
            http,
            base_url=demo_server.base_url,
            appid=DEMO_APPID,
            secret=lambda: DEMO_APPSECRET,
            retry=FAST,
        )
        token = await provider.get()
    assert demo_server.state.tokens[token] == "tcb"
    assert demo_server.state.stats.requests["stable_token"] == 3


# ---------------------------------------------------------------------------------------
# where the AppSecret and the AppID are kept
# ---------------------------------------------------------------------------------------


def test_app_secret_lives_in_the_keyring_beside_the_token(memory_keyring: MemoryKeyring) -> None:
    store = TokenStore()
    store.set("default", TOKEN_A)
    store.set_app_secret("default", f"  {SECRET}\n")
    store.set_app_secret("prod", DEMO_APPSECRET)
    assert app_secret_user("default") == "default#appsecret"
    assert memory_keyring.store == {
        (KEYRING_SERVICE, "default"): TOKEN_A,
        (KEYRING_SERVICE, "default#appsecret"): SECRET,
        (KEYRING_SERVICE, "prod#appsecret"): DEMO_APPSECRET,
    }
    assert store.get_app_secret("default") == SECRET
    assert store.current_app_secret("prod") == AppSecretInfo(DEMO_APPSECRET, TokenSource.KEYRING)
    assert store.current("default").token == TOKEN_A  # the token is a separate entry
    store.clear_app_secret("default")
    assert store.get_app_secret("default") is None
    assert store.current("default").token == TOKEN_A
    assert (KEYRING_SERVICE, "default") in memory_keyring.store
    store.clear("default")
    assert store.get_app_secret("prod") == DEMO_APPSECRET
    store.clear_app_secret("default")  # clearing nothing is fine


def test_app_secret_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, memory_keyring: MemoryKeyring
) -> None:
    store = TokenStore()
    store.set_app_secret("default", SECRET)
    monkeypatch.setenv(APP_SECRET_ENV, f" {DEMO_APPSECRET} ")
    assert store.current_app_secret("default") == AppSecretInfo(
        DEMO_APPSECRET, TokenSource.ENVIRONMENT
    )
    assert store.current_app_secret("other") == AppSecretInfo(
        DEMO_APPSECRET, TokenSource.ENVIRONMENT
    )
    # The two variables are independent.
    assert store.current("default") == store.current("default")
    monkeypatch.setenv(TOKEN_ENV, TOKEN_A)
    assert store.current_app_secret("default").source is TokenSource.ENVIRONMENT
    assert store.current("default").token == TOKEN_A


@pytest.mark.parametrize(
    "bad", ["", "  ", "short", SECRET + "0", SECRET[:-1] + "g", "a b" * 11, TOKEN_A]
)
def test_what_cannot_be_an_app_secret_is_refused(bad: str) -> None:
    with pytest.raises(InputError) as info:
        TokenStore().set_app_secret("default", bad)
    if bad.strip():
        assert bad.strip() not in info.value.message


def test_no_keyring_keeps_the_app_secret_for_the_session(isolated_home: Path) -> None:
    keyring.set_keyring(fail.Keyring())
    store = TokenStore()
    with pytest.raises(KeyringUnavailableError, match="AppSecret was not saved") as info:
        store.set_app_secret("default", SECRET)
    assert_hidden(info.value, SECRET)
    assert store.current_app_secret("default") == AppSecretInfo(SECRET, TokenSource.SESSION)
    assert store.current("default").source is TokenSource.NONE
    assert TokenStore().current_app_secret("default").source is TokenSource.NONE
    for path in isolated_home.rglob("*"):
        assert not path.is_file() or SECRET.encode() not in path.read_bytes()
    store.clear_app_secret("default")
    assert store.current_app_secret("default").source is TokenSource.NONE


def test_app_secret_info_hides_the_secret() -> None:
    info = AppSecretInfo(SECRET, TokenSource.KEYRING)
    assert SECRET not in repr(info)
    assert SECRET not in str(info)
    assert info.is_set
    assert not AppSecretInfo(None, TokenSource.NONE).is_set


async def test_async_wrappers(memory_keyring: MemoryKeyring) -> None:
    store = TokenStore()
    await store.aset_app_secret("default", SECRET)
    assert await store.aget_app_secret("default") == SECRET
    assert (await store.acurrent_app_secret("default")).secret == SECRET
    await store.aclear_app_secret("default")
    assert memory_keyring.store == {}


def test_clean_app_secret() -> None:
    assert clean_app_secret(f"\t{SECRET.upper()} \n") == SECRET.upper()


@pytest.mark.parametrize("appid", ["wx123", "wx1234567890abcdeg", "xx1234567890abcdef", "", 42])
def test_appid_shape(appid: object) -> None:
    with pytest.raises(InputError):
        validate_appid(appid)


def test_profile_round_trip_with_appsecret(isolated_home: Path) -> None:
    settings = Settings()
    settings.put_profile(Profile(name="mini").with_appsecret(f" {APPID} "))
    save_settings(settings)
    text = settings_path().read_text(encoding="utf-8")
    data = json.loads(text)
    assert data["profiles"]["mini"]["auth"] == AUTH_APPSECRET
    assert data["profiles"]["mini"]["appid"] == APPID
    assert data["profiles"]["mini"]["api"] == "tcb"
    assert data["profiles"]["default"]["auth"] == AUTH_TOKEN
    loaded = load_settings()
    assert loaded == settings
    mini = loaded.profiles["mini"]
    assert mini.uses_appsecret
    assert mini.api is ApiMode.TCB
    back = mini.with_token()
    assert (back.auth, back.appid, back.api) == (AUTH_TOKEN, APPID, ApiMode.TCB)


def test_appsecret_profiles_need_an_appid_and_the_tcb_api() -> None:
    with pytest.raises(InputError, match="needs the mini program's AppID"):
        Profile(auth=AUTH_APPSECRET)
    with pytest.raises(InputError, match="tcb API only"):
        Profile(auth=AUTH_APPSECRET, appid=APPID)  # the default API is component
    with pytest.raises(InputError, match="auth"):
        Profile(auth="password")
    with pytest.raises(InputError, match="AppID"):
        Profile(appid="wx-nope")
    assert Profile(auth=AUTH_APPSECRET, appid=APPID, api=ApiMode.TCB).uses_appsecret


def test_old_settings_files_still_load(isolated_home: Path) -> None:
    path = settings_path()
    path.parent.mkdir(parents=True)
    old = {
        "version": 1,
        "current_profile": "prod",
        "profiles": {"prod": {"api": "component", "max_age": 600}},
    }
    path.write_text(json.dumps(old), encoding="utf-8")
    settings = load_settings()
    prod = settings.profiles["prod"]
    assert (prod.auth, prod.appid, prod.max_age) == (AUTH_TOKEN, None, 600)
    assert not path.with_name(path.name + ".bad").exists()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # An appsecret profile on the component API: coerced to tcb.
        (
            {"api": "component", "auth": "appsecret", "appid": APPID},
            (AUTH_APPSECRET, APPID, ApiMode.TCB),
        ),
        # Nothing to fetch a token with: back to a pasted token.
        ({"api": "tcb", "auth": "appsecret"}, (AUTH_TOKEN, None, ApiMode.TCB)),
        ({"api": "tcb", "auth": "appsecret", "appid": "nope"}, (AUTH_TOKEN, None, ApiMode.TCB)),
        ({"auth": 7, "appid": APPID}, (AUTH_TOKEN, APPID, ApiMode.COMPONENT)),
    ],
)
def test_hand_edited_auth_is_repaired(
    isolated_home: Path, raw: dict[str, Any], expected: tuple[str, str | None, ApiMode]
) -> None:
    path = settings_path()
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"profiles": {"mini": raw}}), encoding="utf-8")
    mini = load_settings().profiles["mini"]
    assert (mini.auth, mini.appid, mini.api) == expected
    assert path.with_name(path.name + ".bad").exists()  # the user's file is kept aside
    assert load_settings().profiles["mini"] == mini  # and the repair was saved


def test_settings_file_never_holds_the_app_secret(
    isolated_home: Path, memory_keyring: MemoryKeyring
) -> None:
    TokenStore().set_app_secret("default", SECRET)
    settings = Settings()
    settings.put_profile(settings.current().with_appsecret(APPID))
    save_settings(settings)
    for path in isolated_home.rglob("*"):
        assert not path.is_file() or SECRET.encode() not in path.read_bytes()


# ---------------------------------------------------------------------------------------
# the trace (issue 10): every request, the AppSecret never in it
# ---------------------------------------------------------------------------------------


def _traced() -> tuple[TraceHub, list[TraceEvent]]:
    hub = TraceHub()
    events: list[TraceEvent] = []
    hub.add(events.append)
    return hub, events


async def test_every_token_request_is_traced_without_the_app_secret(
    router: respx.MockRouter, make: Callable[..., StableTokenProvider]
) -> None:
    router.post(URL).mock(
        side_effect=in_turn(
            httpx.Response(502, text="<html>bad gateway</html>"), httpx.ConnectError, grant()
        )
    )
    hub, events = _traced()

    assert await make(trace=hub).get() == TOKEN_A

    assert [e.outcome for e in events] == [Outcome.RETRY, Outcome.RETRY, Outcome.OK]
    assert [e.attempt for e in events] == [1, 2, 3]
    assert [e.http_status for e in events] == [502, None, 200]
    for event in events:
        assert event.kind is CallKind.TOKEN
        assert event.endpoint == STABLE_TOKEN_PATH
        assert event.url == URL
        assert event.body is not None
        assert json.loads(event.body)["secret"] == SECRET_PLACEHOLDER
        record = json.dumps(event.record())
        assert SECRET not in record
        assert TOKEN_A not in record


@pytest.mark.parametrize(
    ("answers", "outcomes"),
    [
        ([error(40125, "invalid appsecret")], [Outcome.STOP]),
        ([error(40164, "invalid ip 198.51.100.4, not in whitelist")], [Outcome.STOP]),
        ([error(-1)] * 4, [Outcome.RETRY] * 3 + [Outcome.GAVE_UP]),
    ],
)
async def test_a_failed_token_request_is_traced_with_what_came_of_it(
    router: respx.MockRouter,
    make: Callable[..., StableTokenProvider],
    answers: list[httpx.Response],
    outcomes: list[Outcome],
) -> None:
    router.post(URL).mock(side_effect=in_turn(*answers))
    hub, events = _traced()

    with pytest.raises(TcbError):
        await make(trace=hub).get()

    assert [e.outcome for e in events] == outcomes
    assert events[-1].errcode == json.loads(answers[-1].content)["errcode"]
    assert events[-1].errmsg == json.loads(answers[-1].content)["errmsg"]
