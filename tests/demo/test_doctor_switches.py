"""The demo's switches for what ``tcb-gui doctor`` checks: an IP off the allowlist (40164
naming the address), a used-up quota, a skewed clock (the Date header), and a token of
the other family (48001 on the other batchdownloadfile, 76022 on quota/get)."""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import pytest

from tcb_gui.cli import build_parser, demo_config
from tcb_gui.demo.samples import PROD
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import (
    COMPONENT_PATH,
    DEMO_APPID,
    DEMO_APPSECRET,
    DEMO_TCB_TOKEN,
    DEMO_TOKEN,
    QUOTA_PATH,
    STABLE_TOKEN_PATH,
    TCB_PATH,
    DemoConfig,
    DemoState,
    create_app,
)
from tests.demo.conftest import BASE_URL, START_TIME, Clock
from tests.demo.helpers import batch


def _client(state: DemoState) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(state)), base_url=BASE_URL
    )


async def _quota(client: httpx.AsyncClient, token: str, cgi_path: str) -> httpx.Response:
    return await client.post(
        QUOTA_PATH, params={"access_token": token}, json={"cgi_path": cgi_path}
    )


async def test_deny_ip_answers_40164_everywhere_naming_the_address(clock: Clock) -> None:
    state = DemoState(DemoConfig(deny_ip=True, reported_ip="203.0.113.7"), now=clock)
    async with _client(state) as client:
        quota = (await _quota(client, DEMO_TOKEN, COMPONENT_PATH)).json()
        listed = await batch(client, [PROD.fileid("docs/README.txt")])
        stable = (
            await client.post(
                STABLE_TOKEN_PATH,
                json={
                    "grant_type": "client_credential",
                    "appid": DEMO_APPID,
                    "secret": DEMO_APPSECRET,
                },
            )
        ).json()
    for answer in (quota, listed, stable):
        assert answer["errcode"] == 40164
        assert answer["errmsg"].startswith("invalid ip 203.0.113.7 ipv6 ::ffff:203.0.113.7")
    assert state.used == 0  # a refused call spends no quota


async def test_deny_ip_names_the_callers_own_address_by_default() -> None:
    with DemoServer(DemoState(DemoConfig(deny_ip=True))) as server:
        async with httpx.AsyncClient(base_url=server.base_url) as client:
            answer = (await _quota(client, DEMO_TOKEN, COMPONENT_PATH)).json()
    assert answer["errcode"] == 40164
    assert "invalid ip 127.0.0.1 " in answer["errmsg"]


async def test_a_used_up_quota_says_remain_0_and_refuses_calls(clock: Clock) -> None:
    state = DemoState(DemoConfig(daily_limit=300, used_at_start=300), now=clock)
    async with _client(state) as client:
        quota = (await _quota(client, DEMO_TOKEN, COMPONENT_PATH)).json()
        listed = await batch(client, [PROD.fileid("docs/README.txt")])
    assert quota["quota"] == {"daily_limit": 300, "used": 300, "remain": 0}
    assert listed["errcode"] == 45009


@pytest.mark.parametrize("skew", [0.0, 600.0, -3600.0])
async def test_every_answer_carries_the_demo_clock_plus_the_skew(clock: Clock, skew: float) -> None:
    state = DemoState(DemoConfig(clock_skew_s=skew), now=clock)
    async with _client(state) as client:
        answers = [
            await _quota(client, DEMO_TOKEN, COMPONENT_PATH),
            await client.get("/download/nosuchbucket/x"),
        ]
    for response in answers:
        (date,) = response.headers.get_list("date")
        assert parsedate_to_datetime(date).timestamp() == START_TIME + skew


def test_over_tcp_the_only_date_header_is_the_demos() -> None:
    with DemoServer(DemoState(DemoConfig(clock_skew_s=-7200))) as server:
        response = httpx.post(
            server.base_url + QUOTA_PATH,
            params={"access_token": DEMO_TOKEN},
            json={"cgi_path": COMPONENT_PATH},
        )
    (date,) = response.headers.get_list("date")
    assert abs(parsedate_to_datetime(date).timestamp() - (time.time() - 7200)) < 5


@pytest.mark.parametrize(
    ("token", "path", "cgi_path"),
    [(DEMO_TOKEN, TCB_PATH, TCB_PATH), (DEMO_TCB_TOKEN, COMPONENT_PATH, COMPONENT_PATH)],
)
async def test_a_token_of_the_other_family(
    client: httpx.AsyncClient, token: str, path: str, cgi_path: str
) -> None:
    """WECHAT_API.md #tokens and #quota: 48001 from the other batchdownloadfile, 76022
    from quota/get for the other family's cgi_path."""
    listed = await batch(client, [PROD.fileid("docs/README.txt")], token=token, path=path)
    assert listed["errcode"] == 48001
    assert (await _quota(client, token, cgi_path)).json()["errcode"] == 76022


@pytest.mark.parametrize(
    "config",
    [
        {"used_at_start": 11, "daily_limit": 10},
        {"used_at_start": -1},
        {"clock_skew_s": 400 * 86_400.0},
        {"reported_ip": "not-an-ip"},
    ],
)
def test_bad_switches_are_refused(config: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"used_at_start|clock_skew_s|reported_ip"):
        DemoConfig(**config)


# -- tcb-gui demo-server -------------------------------------------------------------------


def _demo_args(*argv: str) -> Any:
    return build_parser().parse_args(["demo-server", *argv])


def test_demo_server_options_make_the_config() -> None:
    config = demo_config(
        _demo_args(
            "--daily-limit",
            "50",
            "--quota-used",
            "50",
            "--deny-ip",
            "--reported-ip",
            "198.51.100.4",
            "--clock-skew",
            "-90",
            "--fault-rate",
            "0.2",
            "--seed",
            "3",
        )
    )
    assert config == DemoConfig(
        daily_limit=50,
        used_at_start=50,
        deny_ip=True,
        reported_ip="198.51.100.4",
        clock_skew_s=-90.0,
        fault_rate=0.2,
        seed=3,
    )
    assert demo_config(_demo_args()) == DemoConfig()


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--quota-used", "5", "--daily-limit", "4"], "--quota-used"),
        (["--reported-ip", "198.51.100.4"], "--deny-ip"),
        (["--fault-rate", "2"], "--fault-rate"),
        (["--deny-ip", "--reported-ip", "x"], "reported_ip"),
    ],
)
def test_demo_server_refuses_wrong_options(argv: list[str], words: str) -> None:
    from tcb_gui.cli import UsageError

    with pytest.raises(UsageError, match=words):
        demo_config(_demo_args(*argv))


def test_every_demo_server_option_has_help() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    demo = sub.choices["demo-server"]  # type: ignore[attr-defined]
    options = [a for a in demo._actions if a.option_strings and a.dest != "help"]
    assert len(options) >= 10
    for action in options:
        assert action.help, action.option_strings
