"""The demo's ``cgi-bin/stable_token`` (mini program mode), in-process on the demo clock.

It must behave like WeChat's stable token (WECHAT_API.md §4 and the getStableAccessToken
docs): the same token while it is valid, a new one in its last minutes or on a forced
refresh, every documented error code, and tokens that really end on the demo's clock.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tcb_gui.core.settings import validate_appid
from tcb_gui.core.tokens import clean_app_secret
from tcb_gui.demo import samples
from tcb_gui.demo.service import (
    COMPONENT_PATH,
    DEMO_APPID,
    DEMO_APPSECRET,
    FORCE_REFRESH_DAILY_LIMIT,
    FORCE_REFRESH_GRACE_S,
    FORCE_REFRESH_MIN_INTERVAL_S,
    QUOTA_PATH,
    STABLE_TOKEN_PATH,
    STABLE_TOKEN_PREFIX,
    TCB_PATH,
    DemoConfig,
    DemoConnectionReset,
    DemoState,
    create_app,
)
from tests.demo.conftest import BASE_URL, Clock
from tests.demo.helpers import batch

LIFE = 7200
RENEW_BEFORE = 300


def credentials(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "grant_type": "client_credential",
        "appid": DEMO_APPID,
        "secret": DEMO_APPSECRET,
        "force_refresh": False,
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


async def stable_token(client: httpx.AsyncClient, **changes: Any) -> dict[str, Any]:
    response = await client.post(STABLE_TOKEN_PATH, json=credentials(**changes))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    data: dict[str, Any] = response.json()
    return data


async def token_of(client: httpx.AsyncClient, **changes: Any) -> tuple[str, int]:
    data = await stable_token(client, **changes)
    assert set(data) == {"access_token", "expires_in"}, data
    return data["access_token"], data["expires_in"]


async def quota_code(client: httpx.AsyncClient, token: str, cgi_path: str = TCB_PATH) -> int:
    response = await client.post(
        QUOTA_PATH, params={"access_token": token}, json={"cgi_path": cgi_path}
    )
    code: int = response.json()["errcode"]
    return code


def test_demo_credentials_look_real() -> None:
    assert validate_appid(DEMO_APPID) == DEMO_APPID
    assert DEMO_APPID.startswith("wx")
    assert len(DEMO_APPID) == 18
    assert clean_app_secret(DEMO_APPSECRET) == DEMO_APPSECRET


async def test_issues_a_tcb_token_that_works(client: httpx.AsyncClient, state: DemoState) -> None:
    token, expires_in = await token_of(client)
    assert expires_in == LIFE
    assert token.startswith(STABLE_TOKEN_PREFIX)
    assert state.stats.requests["stable_token"] == 1
    # A mini program access_token: the tcb API, not the third-party platform's.
    assert await quota_code(client, token) == 0
    assert await quota_code(client, token, COMPONENT_PATH) == 76022
    data = await batch(client, [samples.PROD.fileid("gen/00001.jpg")], token=token, path=TCB_PATH)
    assert data["errcode"] == 0
    assert data["file_list"][0]["status"] == 0
    refused = await batch(client, [samples.PROD.fileid("gen/00001.jpg")], token=token)
    assert refused["errcode"] == 48001


async def test_same_token_while_valid_then_a_new_one(
    client: httpx.AsyncClient, clock: Clock
) -> None:
    first, _ = await token_of(client)
    clock.advance(1000)
    again, left = await token_of(client)
    assert again == first
    assert left == LIFE - 1000
    # In its last 5 minutes a normal call gets a new token; the old one still works.
    clock.advance(LIFE - 1000 - RENEW_BEFORE)
    renewed, left = await token_of(client)
    assert renewed != first
    assert left == LIFE
    assert await quota_code(client, first) == 0
    assert await quota_code(client, renewed) == 0
    # The old one ends at its own expiry, the new one lives on.
    clock.advance(RENEW_BEFORE)
    assert await quota_code(client, first) == 42001
    assert await quota_code(client, renewed) == 0
    assert (await token_of(client))[0] == renewed


async def test_tokens_expire_on_the_demo_clock(client: httpx.AsyncClient, clock: Clock) -> None:
    token, _ = await token_of(client)
    clock.advance(LIFE - 1)
    assert await quota_code(client, token) == 0
    clock.advance(1)
    assert await quota_code(client, token) == 42001
    data = await batch(client, [samples.PROD.fileid("gen/00001.jpg")], token=token, path=TCB_PATH)
    assert data["errcode"] == 42001
    fresh, left = await token_of(client)
    assert fresh != token
    assert left == LIFE


@pytest.mark.parametrize(
    "config", [DemoConfig(stable_token_expires_in=5, stable_token_renew_before=2)]
)
async def test_expires_in_is_configurable(client: httpx.AsyncClient, clock: Clock) -> None:
    token, expires_in = await token_of(client)
    assert expires_in == 5
    clock.advance(2)
    assert (await token_of(client)) == (token, 3)
    clock.advance(1)  # 2 s left: inside renew_before
    renewed, expires_in = await token_of(client)
    assert renewed != token
    assert expires_in == 5
    clock.advance(2)
    assert await quota_code(client, token) == 42001
    assert await quota_code(client, renewed) == 0


async def test_force_refresh_issues_a_new_token_and_retires_the_old(
    client: httpx.AsyncClient, clock: Clock, state: DemoState
) -> None:
    first, _ = await token_of(client)
    second, left = await token_of(client, force_refresh=True)
    assert second != first
    assert left == LIFE
    # The previous token keeps a short grace, then ends.
    assert await quota_code(client, first) == 0
    # Forced again too soon: not refreshed ("否则不会刷新").
    clock.advance(FORCE_REFRESH_MIN_INTERVAL_S - 1)
    assert (await token_of(client, force_refresh=True))[0] == second
    clock.advance(1)
    third, _ = await token_of(client, force_refresh=True)
    assert third not in (first, second)
    # Two forced refreshes 30 s apart end a leaked token at once (the docs' advice).
    assert await quota_code(client, first) == 42001
    assert await quota_code(client, second) == 0
    clock.advance(FORCE_REFRESH_GRACE_S)
    assert await quota_code(client, second) == 42001
    assert await quota_code(client, third) == 0
    assert state.force_refreshes == 2
    # A normal call now returns the newest token.
    assert (await token_of(client))[0] == third


async def test_force_refreshes_are_limited_per_day(client: httpx.AsyncClient, clock: Clock) -> None:
    seen = set()
    for _ in range(FORCE_REFRESH_DAILY_LIMIT):
        seen.add((await token_of(client, force_refresh=True))[0])
        clock.advance(FORCE_REFRESH_MIN_INTERVAL_S)
    assert len(seen) == FORCE_REFRESH_DAILY_LIMIT
    data = await stable_token(client, force_refresh=True)
    assert data["errcode"] == 45009
    # Normal calls still work.
    assert (await token_of(client))[0] in seen


@pytest.mark.parametrize(
    ("changes", "errcode", "words"),
    [
        ({"appid": "wx0123456789abcdef"}, 40013, "invalid appid"),
        ({"secret": "0" * 32}, 40125, "invalid appsecret"),
        ({"grant_type": "authorization_code"}, 40002, "invalid grant_type"),
        ({"grant_type": None}, 40002, "invalid grant_type"),
        ({"appid": None}, 41002, "appid missing"),
        ({"appid": ""}, 41002, "appid missing"),
        ({"secret": None}, 41004, "appsecret missing"),
        ({"force_refresh": "yes"}, 40097, "invalid args"),
    ],
)
async def test_credential_errors(
    client: httpx.AsyncClient, state: DemoState, changes: dict[str, Any], errcode: int, words: str
) -> None:
    data = await stable_token(client, **changes)
    assert data["errcode"] == errcode
    assert data["errmsg"].startswith(words)
    assert "rid:" in data["errmsg"]  # WeChat's varying suffix
    assert "access_token" not in data
    assert state.stable_token is None


async def test_wrong_secret_after_a_reset(client: httpx.AsyncClient, state: DemoState) -> None:
    token, _ = await token_of(client)
    state.app_secret = "f" * 32  # someone reset the AppSecret in the MP console
    assert (await stable_token(client))["errcode"] == 40125
    assert (await token_of(client, secret="f" * 32))[0] == token


async def test_ip_not_on_the_allowlist(client: httpx.AsyncClient, state: DemoState) -> None:
    state.ip_allowlisted = False
    data = await stable_token(client)
    assert data["errcode"] == 40164
    assert "not in whitelist" in data["errmsg"]
    assert "invalid ip 127.0.0.1" in data["errmsg"]
    # Credentials are checked first, as the errcode a user sees should name the real fault.
    assert (await stable_token(client, secret="0" * 32))["errcode"] == 40125
    state.ip_allowlisted = True
    await token_of(client)


@pytest.mark.parametrize("config", [DemoConfig(stable_token_daily_limit=2)])
async def test_daily_quota(client: httpx.AsyncClient, state: DemoState) -> None:
    token, _ = await token_of(client)
    assert (await token_of(client))[0] == token
    data = await stable_token(client)
    assert data["errcode"] == 45009
    assert data["errmsg"].startswith("reach max api daily quota limit")
    assert state.stable_token_calls == 2


@pytest.mark.parametrize(
    ("body", "errcode"),
    [(b"", 44002), (b"{not json", 47001), (b"[1, 2]", 47001), (b"x" * (1 << 21), 40097)],
)
async def test_bad_bodies(client: httpx.AsyncClient, body: bytes, errcode: int) -> None:
    response = await client.post(STABLE_TOKEN_PATH, content=body)
    assert response.json()["errcode"] == errcode


async def test_get_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.get(STABLE_TOKEN_PATH)
    assert response.json()["errcode"] == 43002


async def test_scripted_faults(client: httpx.AsyncClient, state: DemoState) -> None:
    state.script_faults("stable_token", ["html502", "errcode-1", "truncated", "drop"])
    assert state.pending_faults("quota") == []  # each endpoint has its own script
    response = await client.post(STABLE_TOKEN_PATH, json=credentials())
    assert response.status_code == 502
    assert response.headers["content-type"].startswith("text/html")
    assert (await stable_token(client)) == {"errcode": -1, "errmsg": "system error"}
    response = await client.post(STABLE_TOKEN_PATH, json=credentials())
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)
    with pytest.raises(DemoConnectionReset):
        await client.post(STABLE_TOKEN_PATH, json=credentials())
    await token_of(client)
    assert state.stats.faults == {"html502": 1, "errcode-1": 1, "truncated": 1, "drop": 1}
    assert state.stats.requests["stable_token"] == 5


def test_script_faults_knows_the_endpoint(state: DemoState) -> None:
    with pytest.raises(ValueError, match="cannot fail as"):
        state.script_faults("stable_token", ["cut"])


@pytest.mark.parametrize(
    "changes",
    [
        {"stable_token_expires_in": 0},
        {"stable_token_expires_in": 10, "stable_token_renew_before": 10},
        {"stable_token_renew_before": -1},
        {"stable_token_daily_limit": -1},
    ],
)
def test_config_is_validated(changes: dict[str, int]) -> None:
    with pytest.raises(ValueError, match=r"stable_token|daily"):
        DemoConfig(**changes)  # type: ignore[arg-type]


async def test_over_real_loopback(demo_server: Any) -> None:
    """The route is served over TCP too (what the CLI and the window reach)."""
    async with httpx.AsyncClient(base_url=demo_server.base_url) as http:
        response = await http.post(STABLE_TOKEN_PATH, json=credentials())
    data = response.json()
    assert data["expires_in"] == LIFE
    assert demo_server.state.tokens[data["access_token"]] == "tcb"


async def test_tokens_are_seeded(clock: Clock) -> None:
    """Issued tokens follow the seed, like every other random choice of the demo."""
    tokens = []
    for _ in range(2):
        app = create_app(DemoState(now=clock))
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=BASE_URL
        ) as http:
            tokens.append((await token_of(http))[0])
    assert tokens[0] == tokens[1]  # deterministic per seed …
    other = create_app(DemoState(DemoConfig(seed=1), now=clock))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=other), base_url=BASE_URL
    ) as http:
        assert (await token_of(http))[0] != tokens[0]  # … and differ between seeds
