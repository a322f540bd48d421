"""Tokens the service ends while the app holds them: the mini program's stable token
ended by a refresh elsewhere (another server of the same mini program forcing a new one),
in tcb mode, against the demo service on its own clock.

A link request renews such a token once and goes on (core.credentials); the token check
(the badge, F5, ``tcb-gui token check``) must read it the same way, not call a token
"expired" that the app renews by itself and that the user has no way to paste.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tcb_gui.core.client import TcbClient
from tcb_gui.core.credentials import StableCredentials
from tcb_gui.core.errors import TokenState
from tcb_gui.core.fileids import parse_fileid
from tcb_gui.core.stable_token import StableTokenProvider
from tcb_gui.demo import samples
from tcb_gui.demo.service import (
    DEMO_APPID,
    DEMO_APPSECRET,
    FORCE_REFRESH_MIN_INTERVAL_S,
    STABLE_TOKEN_PATH,
    DemoConfig,
    DemoState,
    create_app,
)

BASE_URL = "http://127.0.0.1:8421"


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def state(clock: Clock) -> DemoState:
    return DemoState(DemoConfig(), now=clock)


@pytest.fixture
async def http(state: DemoState) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(state))
    async with httpx.AsyncClient(transport=transport) as client:
        yield client


async def refreshed_elsewhere(http: httpx.AsyncClient, clock: Clock) -> None:
    """Another holder of the AppSecret forces two new tokens 30 s apart: every token
    issued before them ends at once (the docs' advice after a leak)."""
    body = {
        "grant_type": "client_credential",
        "appid": DEMO_APPID,
        "secret": DEMO_APPSECRET,
        "force_refresh": True,
    }
    for _ in range(2):
        answer = (await http.post(BASE_URL + STABLE_TOKEN_PATH, json=body)).json()
        assert "access_token" in answer, answer
        clock.now += FORCE_REFRESH_MIN_INTERVAL_S


async def held_then_ended(http: httpx.AsyncClient, clock: Clock) -> tuple[TcbClient, str]:
    provider = StableTokenProvider(
        http, base_url=BASE_URL, appid=DEMO_APPID, secret=lambda: DEMO_APPSECRET
    )
    credentials = StableCredentials(provider)
    held = await credentials.token()
    await refreshed_elsewhere(http, clock)
    assert provider.current() == held  # the app still holds it, fresh by its own clock
    return TcbClient(http, credentials, base_url=BASE_URL, api="tcb"), held


async def test_the_token_check_renews_a_stable_token_ended_elsewhere(
    http: httpx.AsyncClient, clock: Clock, state: DemoState
) -> None:
    client, held = await held_then_ended(http, clock)

    check = await client.check_token()

    assert (check.state, check.code) == (TokenState.VALID, 0), check
    assert check.quota is not None
    assert client.credentials.current() == state.stable_token != held


async def test_a_link_request_renews_it_too(
    http: httpx.AsyncClient, clock: Clock, state: DemoState
) -> None:
    client, held = await held_then_ended(http, clock)
    fid = parse_fileid(samples.PROD.fileid("gen/renewed.bin"))

    (result,) = await client.resolve_all([fid])

    assert result.ok, result
    assert client.credentials.current() == state.stable_token != held


async def test_a_token_the_fresh_one_cannot_replace_is_still_reported(
    http: httpx.AsyncClient, clock: Clock, state: DemoState
) -> None:
    """Renewed once, not for ever: a service that refuses every token is said so."""
    client, _ = await held_then_ended(http, clock)
    state.expire_token(state.stable_token or "")

    check = await client.check_token()

    assert check.state is TokenState.EXPIRED
    assert check.code == 42001
