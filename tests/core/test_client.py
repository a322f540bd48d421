"""The resolve engine against exact HTTP cases (respx): every errcode, bad bodies, batching.

Each test mocks ``httpx`` with respx and drives ``TcbClient`` through a real
``httpx.AsyncClient``. Retries use a tiny backoff so the whole file runs in seconds.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import math
import random
import ssl
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import aclosing
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import respx

from tcb_gui.core.client import (
    DEFAULT_BASE_URL,
    MAX_IDS_PER_REQUEST,
    QUOTA_PATH,
    ApiMode,
    LinkResult,
    Quota,
    RetryPolicy,
    TcbClient,
    encode_link,
    encode_url,
    make_http_client,
    validate_base_url,
)
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

# Long enough to be tracked by redact.register_secret, and unique enough to grep for.
TOKEN = "79_TOKENsecretABCDEFghijklmnop0123456789-component"
COMPONENT_URL = DEFAULT_BASE_URL + "/componenttcb/batchdownloadfile"
TCB_URL = DEFAULT_BASE_URL + "/tcb/batchdownloadfile"
QUOTA_URL = DEFAULT_BASE_URL + QUOTA_PATH
# Tiny backoff: retries are counted, not waited for.
FAST = RetryPolicy(max_tries=4, base_delay=0.001, max_delay=0.002)
LINK_EXPIRY_PARAM = 1_700_000_000  # any plausible `t=` value of a signed link

# WECHAT_API.md §2, row by row, and the CloudBase errcode page for -5010xx / -6010xx.
RETRYABLE_CODES = [-1, -1000, 45011, -501001, -501002, -501003, -501004, -501018, -601001, -601003]
TOKEN_CODES = [
    (40001, TokenState.INVALID),
    (40014, TokenState.INVALID),
    (41001, TokenState.MISSING),
    (42001, TokenState.EXPIRED),
    (48001, TokenState.NOT_ALLOWED),
    (61007, TokenState.NOT_ALLOWED),
    (76022, TokenState.NOT_ALLOWED),
    (-501019, TokenState.NOT_ALLOWED),
]
# The IP allowlist's answers stop the run like a quota: the user must act first.
IP_CODES = [40164, 89503, 89506, 89507]
CONFIG_CODES = [45009, 85088, -501015, -501016, -501017, *IP_CODES]
REQUEST_CODES = [40097, 40101, -501005, -501007, -501009, -501020, -601002]
CLIENT_CODES = [43002, 44002, 47001, -501021]
CHECK_ONLY_CODES = [76021]  # quota/get's "bad cgi_path": only check_token meets it


# ---------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------


def fid(env: str, key: str) -> FileId:
    return parse_fileid(f"cloud://{env}.7465-{env}-1258717764/{key}")


def many(env: str, count: int, prefix: str = "f") -> list[FileId]:
    return [fid(env, f"{prefix}/{n}.png") for n in range(count)]


def link_for(raw: str) -> str:
    """The raw link the service would send for an ID (keys here are plain ASCII)."""
    parsed = parse_fileid(raw)
    return f"https://{parsed.bucket}.tcb.qcloud.la/{parsed.key}?sign=s1g&t={LINK_EXPIRY_PARAM}"


def body_of(request: httpx.Request) -> dict[str, Any]:
    data = json.loads(request.content)
    assert isinstance(data, dict)
    return data


def requested_ids(request: httpx.Request) -> list[str]:
    return [item["fileid"] for item in body_of(request)["file_list"]]


def ok_item(raw: str) -> dict[str, Any]:
    return {"fileid": raw, "download_url": link_for(raw), "status": 0, "errmsg": "ok"}


def answer(request: httpx.Request) -> httpx.Response:
    """A correct service: every requested ID answered with a link."""
    items = [ok_item(raw) for raw in requested_ids(request)]
    return httpx.Response(200, json={"errcode": 0, "errmsg": "ok", "file_list": items})


def error_response(code: int, errmsg: str = "error") -> httpx.Response:
    return httpx.Response(200, json={"errcode": code, "errmsg": errmsg})


def with_items(items: list[dict[str, Any]]) -> httpx.Response:
    return httpx.Response(200, json={"errcode": 0, "errmsg": "ok", "file_list": items})


Step = httpx.Response | type[httpx.TransportError] | Callable[[httpx.Request], httpx.Response]


def in_turn(*steps: Step) -> Callable[[httpx.Request], httpx.Response]:
    """A side effect taking ``steps`` one request at a time; the last one repeats."""
    remaining = list(steps)

    def effect(request: httpx.Request) -> httpx.Response:
        step = remaining.pop(0) if len(remaining) > 1 else remaining[0]
        if isinstance(step, httpx.Response):
            return step
        if isinstance(step, type):
            raise step("mocked failure", request=request)
        return step(request)

    return effect


def make_client(http: httpx.AsyncClient, **options: Any) -> TcbClient:
    options.setdefault("retry", FAST)
    token = options.pop("token", TOKEN)
    return TcbClient(http, lambda: token, **options)


async def collect(client: TcbClient, ids: list[FileId]) -> tuple[list[LinkResult], TcbError | None]:
    """Everything ``resolve`` yields, and the error it stopped with (if any)."""
    yielded: list[LinkResult] = []
    try:
        async with aclosing(client.resolve(ids)) as stream:
            async for batch in stream:
                yielded.extend(batch)
    except TcbError as exc:
        return yielded, exc
    return yielded, None


def by_raw(results: list[LinkResult]) -> dict[str, LinkResult]:
    return {r.fileid.raw: r for r in results}


def other_tasks() -> list[asyncio.Task[Any]]:
    current = asyncio.current_task()
    return [t for t in asyncio.all_tasks() if t is not current and not t.done()]


# Building a CA-loaded SSL context costs tens of milliseconds; respx never uses it, so
# one context serves every test's client.
_SSL_CONTEXT = ssl.create_default_context()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with make_http_client(verify=_SSL_CONTEXT) as client:
        yield client


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False, assert_all_mocked=True) as mock:
        yield mock


# ---------------------------------------------------------------------------------------
# the errcode table
# ---------------------------------------------------------------------------------------


def test_every_catalogued_errcode_is_covered_with_its_kind() -> None:
    tables = {
        ErrorKind.RETRYABLE: RETRYABLE_CODES,
        ErrorKind.TOKEN: [code for code, _ in TOKEN_CODES],
        ErrorKind.CONFIG: CONFIG_CODES,
        ErrorKind.REQUEST: REQUEST_CODES,
        ErrorKind.CLIENT: CLIENT_CODES + CHECK_ONLY_CODES,
    }
    covered = {code: kind for kind, codes in tables.items() for code in codes}
    assert covered == {code: info.kind for code, info in ERRCODES.items()}
    for code, state in TOKEN_CODES:
        assert ERRCODES[code].token_state is state


@pytest.mark.parametrize("code", RETRYABLE_CODES)
async def test_retryable_code_is_retried_until_it_succeeds(
    router: respx.MockRouter, http: httpx.AsyncClient, code: int
) -> None:
    route = router.post(COMPONENT_URL)
    route.side_effect = in_turn(error_response(code, "busy"), error_response(code, "busy"), answer)
    ids = many("env-a", 3)

    results = await make_client(http).resolve_all(ids)

    assert route.call_count == 3
    assert [r.ok for r in results] == [True, True, True]
    assert [r.download_url for r in results] == [link_for(f.raw) for f in ids]


@pytest.mark.parametrize("code", RETRYABLE_CODES)
async def test_retryable_code_gives_up_after_max_tries(
    router: respx.MockRouter, http: httpx.AsyncClient, code: int
) -> None:
    route = router.post(COMPONENT_URL).mock(return_value=error_response(code, "busy"))
    ids = many("env-a", 2)

    results = await make_client(http).resolve_all(ids)

    assert route.call_count == FAST.max_tries == 4
    for result in results:
        assert not result.ok
        assert result.kind is ErrorKind.NETWORK
        assert result.download_url is None
        assert result.expires_at is None
        assert "gave up after 4 tries" in result.errmsg


@pytest.mark.parametrize("code", RETRYABLE_CODES)
async def test_gave_up_message_does_not_claim_it_is_still_retrying(
    router: respx.MockRouter, http: httpx.AsyncClient, code: int
) -> None:
    # The final word on a row must not say "retrying" / "backing off": nothing is.
    router.post(COMPONENT_URL).mock(return_value=error_response(code, "busy"))

    [result] = await make_client(http).resolve_all(many("env-a", 1))

    assert "gave up" in result.errmsg
    assert "retrying" not in result.errmsg.lower()
    assert "backing off" not in result.errmsg.lower()


async def test_max_tries_is_honoured(router: respx.MockRouter, http: httpx.AsyncClient) -> None:
    route = router.post(COMPONENT_URL).mock(return_value=error_response(-1))
    policy = RetryPolicy(max_tries=2, base_delay=0.001)

    [result] = await make_client(http, retry=policy).resolve_all(many("env-a", 1))

    assert route.call_count == 2
    assert "gave up after 2 tries" in result.errmsg


def test_retry_delay_doubles_with_jitter_and_is_capped() -> None:
    policy = RetryPolicy()  # DESIGN §3: 0.5 s × 2ⁿ with jitter, capped
    for attempt in range(3):
        ceiling = 0.5 * 2**attempt
        for _ in range(50):
            assert ceiling / 2 <= policy.delay(attempt) <= ceiling
    assert all(policy.delay(20) <= policy.max_delay for _ in range(50))
    assert len({policy.delay(1) for _ in range(20)}) > 1  # jittered, not a fixed value


@pytest.mark.parametrize(("code", "state"), TOKEN_CODES)
async def test_token_code_stops_and_keeps_what_was_yielded(
    router: respx.MockRouter, http: httpx.AsyncClient, code: int, state: TokenState
) -> None:
    env_a, env_b, env_c = many("env-a", 60), many("env-b", 30), many("env-c", 20)

    def service(request: httpx.Request) -> httpx.Response:
        if body_of(request)["env"] == "env-b":
            return error_response(code, "token problem hint: [x]")
        return answer(request)

    route = router.post(COMPONENT_URL).mock(side_effect=service)
    # Concurrency 1: env-a's two batches, then env-b fails, env-c is never sent.
    client = make_client(http, concurrency=1)

    yielded, error = await collect(client, env_a + env_b + env_c)

    assert isinstance(error, TokenError)
    assert error.state is state
    assert error.code == code
    assert [r.fileid for r in yielded] == env_a
    assert all(r.ok for r in yielded)
    assert len(error.unresolved) == len(set(error.unresolved)) == 50
    assert set(error.unresolved) == set(env_b + env_c)
    assert route.call_count == 3  # a token error is never retried


async def test_token_error_on_first_batch_leaves_everything_unresolved(
    router: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    router.post(COMPONENT_URL).mock(return_value=error_response(42001, "access_token expired"))
    ids = many("env-a", 120)

    yielded, error = await collect(make_client(http, concurrency=1), ids)

    assert yielded == []
    assert isinstance(error, TokenError)
    assert error.state is TokenState.EXPIRED
    assert list(error.unresolved) == ids


async def test_token_error_on_a_retry_keeps_the_answers_already_received(
    router: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    # DESIGN §1.3: a token error pauses the run "losing nothing already resolved". The
    # first try answers 49 of 50; re-asking the 50th meets an expired token.
    ids = many("env-a", 50)
    first = with_items([ok_item(f.raw) for f in ids[:49]])
    router.post(COMPONENT_URL).side_effect = in_turn(first, error_response(42001, "expired"))

    yielded, error = await collect(make_client(http), ids)

    assert isinstance(error, TokenError)
    assert [r.fileid for r in yielded] == ids[:49]
    assert list(error.unresolved) == [ids[49]]


async def test_no_token_stops_before_any_request(
    router: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    route = router.post(COMPONENT_URL).mock(side_effect=answer)
    ids = many("env-a", 3)

    yielded, error = await collect(make_client(http, token=None), ids)

    assert yielded == []
    assert isinstance(error, TokenError)
    assert error.state is TokenState.NOT_SET
    assert list(error.unresolved) == ids
    assert route.call_count == 0


async def test_token_is_read_again_for_every_request(
    router: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    # A token replaced mid-run (after a token error) is used from the next request on.
    tokens = iter(["first-token-value-111", "second-token-value-222"])
    route = router.post(COMPONENT_URL).mock(side_effect=answer)
    client = TcbClient(http, lambda: next(tokens), retry=FAST, concurrency=1)

    await client.resolve_all(many("env-a", 60))

    sent = [call.request.url.params["access_token"] for call in route.calls]
    assert sent == ["first-token-value-111", "second-token-value-222"]


@pytest.mark.parametrize("code", CONFIG_CODES)
async def test_config_code_stops_with_service_error(
    router: respx.MockRouter, http: httpx.AsyncClient, code: int
) -> None:
    env_a, env_b = many("env-a", 50), many("env-b", 10)

    def service(request: httpx.Request) -> httpx.Response:
        if body_of(request)["env"] == "env-b":
            return error_response(code, "quota or setup")
        return answer(request)

    route = router.post(COMPONENT_URL).mock(side_effect=service)

    yielded, error = await collect(make_client(http, concurrency=1), env_a + env_b)

    assert isinstance(error, ServiceError)
    assert not isinstance(error, TokenError)
    assert error.kind is ErrorKind.CONFIG
    assert error.code == code
    assert str(error) == ERRCODES[code].message
    assert [r.fileid for r in yielded] == env_a
    assert list(error.unresolved) == env_b
    assert route.call_count == 2  # nothing retried


@pytest.mark.parametrize("code", REQUEST_CODES)
async def test_request_code_fails_only_that_batch(
    router: respx.MockRouter, http: httpx.AsyncClient, code: int
) -> None:
    env_a, env_b = many("env-a", 3), many("env-b", 3)

    def service(request: httpx.Request) -> httpx.Response:
        if body_of(request)["env"] == "env-b":
            return error_response(code, "invalid args hint: [Zq7Xy]")
        return answer(request)

    route = router.post(COMPONENT_URL).mock(side_effect=service)

    results = await make_client(http).resolve_all(env_a + env_b)

    assert [r.fileid for r in results] == env_a + env_b
    assert all(r.ok for r in results[:3])
    # Refused again whenever asked (an environment or bucket the account does not have):
    # CONFIG, no retry offered; the others REQUEST.
    kind = ErrorKind.CONFIG if code in REFUSED_UNTIL_CHANGED else ErrorKind.REQUEST
    for result in results[3:]:
        assert not result.ok
        assert result.kind is kind
        assert result.status is None
        assert result.download_url is None
        assert "invalid args hint: [Zq7Xy]" in result.errmsg
        assert str(code) in result.errmsg
    env_b_calls = [c for c in route.calls if body_of(c.request)["env"] == "env-b"]
    if code in (40097, -501007):
        assert len(env_b_calls) > 1  # split to find the bad ID (see the bisect test)
    else:
        assert len(env_b_calls) == 1  # not retried, not split


@pytest.mark.parametrize("code", [40097, -501007])
async def test_invalid_batch_is_bisected_down_to_the_bad_id(
    router: respx.MockRouter, http: httpx.AsyncClient, code: int
) -> None:
    ids = many("env-a", 50)
    bad = ids[37].raw

    def service(request: httpx.Request) -> httpx.Response:
        if bad in requested_ids(request):
            return error_response(code, "invalid args")
        return answer(request)

    route = router.post(COMPONENT_URL).mock(side_effect=service)

    results = await make_client(http).resolve_all(ids)

    failed = [r for r in results if not r.ok]
    assert [r.fileid.raw for r in failed] == [bad]
    assert failed[0].kind is ErrorKind.REQUEST
    assert sum(r.ok for r in results) == 49
    # Halving 50 needs ceil(log2 50) = 6 levels of two requests, plus the first one.
    assert route.call_count <= 1 + 2 * math.ceil(math.log2(50))


@pytest.mark.parametrize("code", CLIENT_CODES)
async def test_client_bug_code_fails_the_batch_as_client(
    router: respx.MockRouter, http: httpx.AsyncClient, code: int
) -> None:
    route = router.post(COMPONENT_URL).mock(return_value=error_response(code, "bad body"))

    results = await make_client(http).resolve_all(many("env-a", 4))

    assert route.call_count == 1
    assert all(not r.ok and r.kind is ErrorKind.CLIENT for r in results)
    assert all("bad body" in r.errmsg for r in results)


async def test_unknown_errcode_fails_the_batch_as_request(
    router: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    route = router.post(COMPONENT_URL).mock(return_value=error_response(99_999, "new thing"))

    results = await make_client(http).resolve_all(many("env-a", 2))

    assert route.call_count == 1
    assert all(r.kind is ErrorKind.REQUEST and not r.ok for r in results)
    assert all("99999" in r.errmsg and "new thing" in r.errmsg for r in results)


# ---------------------------------------------------------------------------------------
# HTTP level and malformed bodies
# ---------------------------------------------------------------------------------------

HTML_502 = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
TRANSIENT_RESPONSES: dict[str, Callable[[], httpx.Response]] = {
    "502-html": lambda: httpx.Response(502, text=HTML_502, headers={"Content-Type": "text/html"}),
    "503": lambda: httpx.Response(503),
    "429": lambda: httpx.Response(429, json={"errcode": 45011}),
    "non-json-200": lambda: httpx.Response(200, text="<html>maintenance</html>"),
    "truncated-json": lambda: httpx.Response(200, content=b'{"errcode": 0, "file_list": [{"fi'),
    "empty-200": lambda: httpx.Response(200, content=b""),
    "json-list": lambda: httpx.Response(200, json=[{"errcode": 0}]),
    "json-string": lambda: httpx.Response(200, json="ok"),
    "no-file-list": lambda: httpx.Response(200, json={"errcode": 0, "errmsg": "ok"}),
    "file-list-dict": lambda: httpx.Response(200, json={"errcode": 0, "file_list": {"a": 1}}),
    "file-list-null": lambda: httpx.Response(200, json={"errcode": 0, "file_list": None}),
    "file-list-string": lambda: httpx.Response(200, json={"errcode": 0, "file_list": "x"}),
    "errcode-word": lambda: httpx.Response(200, json={"errcode": "busy", "file_list": []}),
    "errcode-null": lambda: httpx.Response(200, json={"errcode": None, "file_list": []}),
    "errcode-string-busy": lambda: httpx.Response(200, json={"errcode": "-1"}),
    "not-utf8": lambda: httpx.Response(200, content=b'{"errcode": 0, "file_list": "\xff\xfe"}'),
}


@pytest.mark.parametrize("name", sorted(TRANSIENT_RESPONSES))
async def test_transient_answer_is_retried(
    router: respx.MockRouter, http: httpx.AsyncClient, name: str
) -> None:
    route = router.post(COMPONENT_URL)
    route.side_effect = in_turn(TRANSIENT_RESPONSES[name](), answer)

    results = await make_client(http).resolve_all(many("env-a", 3))

    assert route.call_count == 2
    assert all(r.ok for r in results)


@pytest.mark.parametrize("name", sorted(TRANSIENT_RESPONSES))
async def test_transient_answer_forever_ends_as_network_failure(
    router: respx.MockRouter, http: httpx.AsyncClient, name: str
) -> None:
    route = router.post(COMPONENT_URL).mock(side_effect=lambda _: TRANSIENT_RESPONSES[name]())
    ids = many("env-a", 3)

    results = await make_client(http).resolve_all(ids)

    assert route.call_count == 4
    assert [r.fileid for r in results] == ids
    assert all(r.kind is ErrorKind.NETWORK and "gave up after 4 tries" in r.errmsg for r in results)


@pytest.mark.parametrize("status", [400, 403, 404, 405])
async def test_client_side_http_status_stops_with_service_error(
    router: respx.MockRouter, http: httpx.AsyncClient, status: int
) -> None:
    route = router.post(COMPONENT_URL).mock(return_value=httpx.Response(status, text="nope"))
    ids = many("env-a", 3)

    yielded, error = await collect(make_client(http), ids)

    assert isinstance(error, ServiceError)
    assert error.code == status
    assert str(status) in str(error)
    assert yielded == []
    assert list(error.unresolved) == ids
    assert route.call_count == 1


async def test_errcode_as_numeric_string_is_understood(
    router: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    router.post(COMPONENT_URL).mock(return_value=httpx.Response(200, json={"errcode": "40001"}))

    _, error = await collect(make_client(http), many("env-a", 1))

    assert isinstance(error, TokenError)
    assert error.state is TokenState.INVALID


async def test_errcode_zero_as_string_reads_the_file_list(
    router: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    ids = many("env-a", 2)
    router.post(COMPONENT_URL).mock(
        return_value=httpx.Response(
            200, json={"errcode": "0", "file_list": [ok_item(f.raw) for f in ids]}
        )
    )

    results = await make_client(http).resolve_all(ids)

    assert all(r.ok for r in results)


@pytest.mark.parametrize(
    "exc", [httpx.ConnectError, httpx.ReadTimeout, httpx.RemoteProtocolError, httpx.ReadError]
)
async def test_transport_error_is_retried(
    router: respx.MockRouter, http: httpx.AsyncClient, exc: type[httpx.TransportError]
) -> None:
    route = router.post(COMPONENT_URL)
    route.side_effect = in_turn(exc, exc, answer)

    results = await make_client(http).resolve_all(many("env-a", 2))

    assert route.call_count == 3
    assert all(r.ok for r in results)


@pytest.mark.parametrize("exc", [httpx.ConnectError, httpx.ReadTimeout, httpx.RemoteProtocolError])
async def test_transport_error_forever_ends_as_network_failure(
    router: respx.MockRouter, http: httpx.AsyncClient, exc: type[httpx.TransportError]
) -> None:
    route = router.post(COMPONENT_URL).mock(side_effect=exc)

    [result] = await make_client(http).resolve_all(many("env-a", 1))

    assert route.call_count == 4
    assert result.kind is ErrorKind.NETWORK
    assert result.errmsg.startswith("Network error")
    assert "gave up after 4 tries" in result.errmsg


# ---------------------------------------------------------------------------------------
# parsing the answer
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["fileid", "fileID", "files"])
async def test_id_key_variants_are_accepted(
    router: respx.MockRouter, http: httpx.AsyncClient, key: str
) -> None:
    ids = many("env-a", 3)
    items = [
        {key: f.raw, "download_url": link_for(f.raw), "status": 0, "errmsg": "ok"} for f in ids
    ]
    router.post(COMPONENT_URL).mock(return_value=with_items(items))

    results = await make_client(http).resolve_all(ids)

    assert [r.download_url for r in results] == [link_for(f.raw) for f in ids]


async def test_shuffled_answer_is_matched_by_id(
    router: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    ids = many("env-a", 50)

    def service(request: httpx.Request) -> httpx.Response:
        items = [ok_item(raw) for raw in requested_ids(request)]
        random.Random(7).shuffle(items)
        return with_items(items)

    router.post(COMPONENT_URL).mock(side_effect=service)

    results = await make_client(http).resolve_all(ids)

    assert [r.fileid for r in results] == ids
    assert [r.download_url for r in results] == [link_for(f.raw) for f in ids]


async def test_items_without_ids_are_matched_by_position_only_when_counts_agree(
    router: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    ids = many("env-a", 3)
    unnamed = [{"download_url": link_for(f.raw), "status": 0} for f in ids]
    router.post(COMPONENT_URL).mock(return_value=with_items(unnamed))

    results = await make_client(http).resolve_all(ids)

    assert [r.download_url for r in results] == [link_for(f.raw) for f in ids]


async def test_ids_not_requested_are_ignored(
    router: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    ids = many("env-a", 2)
    stranger = fid("env-a", "not/asked.png").raw

    def service(request: httpx.Request) -> httpx.Response:
        items = [ok_item(stranger)] + [ok_item(raw) for raw in requested_ids(request)]
        return with_items(items)

    route = router.post(COMPONENT_URL).mock(side_effect=service)
    client = make_client(http)

    results = await client.resolve_all(ids)
    yielded, _ = await collect(client, ids)

    assert [r.fileid for r in results] == ids
    assert stranger not in by_raw(yielded)
    assert len(yielded) == 2
    assert route.call_count == 2  # one per resolve: nothing re-asked


async def test_omitted_id_is_asked_again_alone(
    router: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    ids = many("env-a", 5)
    missing = ids[2].raw
    route = router.post(COMPONENT_URL)
    partial = with_items([ok_item(f.raw) for f in ids if f.raw != missing])
    route.side_effect = in_turn(partial, answer)

    results = await make_client(http).resolve_all(ids)

    assert all(r.ok for r in results)
    assert route.call_count == 2
    assert requested_ids(route.calls[1].request) == [missing]


async def test_id_never_answered_ends_as_no_answer(
    router: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    ids = many("env-a", 4)
    missing = ids[1].raw

    def service(request: httpx.Request) -> httpx.Response:
        return with_items([ok_item(raw) for raw in requested_ids(request) if raw != missing])

    route = router.post(COMPONENT_URL).mock(side_effect=service)

    results = await make_client(http).resolve_all(ids)

    assert route.call_count == 4
    assert [r.ok for r in results] == [True, False, True, True]
    lost = results[1]
    assert lost.kind is ErrorKind.NETWORK
    assert "no answer from the service" in lost.errmsg
    assert lost.status is None
    assert lost.download_url is None


@pytest.mark.parametrize(
    ("status", "errmsg", "expected"),
    [
        (-503003, "STORAGE_FILE_NONEXIST", "File does not exist"),
        ("-503003", "", "File does not exist"),
        (-503002, "STORAGE_EXCEED_AUTHORITY", "No permission to read this file"),
        (-503001, "", "Storage request failed"),
        (-501005, "INVALIID_ENV", "File belongs to another environment"),
        (-123456, "something odd", "something odd"),
        (7, "", "status 7"),
    ],
)
async def test_failed_item_is_a_file_failure_with_a_message(
    router: respx.MockRouter,
    http: httpx.AsyncClient,
    status: int | str,
    errmsg: str,
    expected: str,
) -> None:
    [one, other] = many("env-a", 2)
    bad = {"fileid": one.raw, "download_url": "", "status": status, "errmsg": errmsg}
    router.post(COMPONENT_URL).mock(return_value=with_items([bad, ok_item(other.raw)]))

    first, second = await make_client(http).resolve_all([one, other])

    assert not first.ok
    assert first.kind is ErrorKind.FILE
    assert first.status == int(status)
    assert expected in first.errmsg
    assert first.download_url is None
    assert first.expires_at is None
    assert second.ok


@pytest.mark.parametrize(
    "extra",
    [
        {"download_url": ""},
        {"download_url": "   "},
        {"download_url": None},
        {},
        {"download_url": 42},
        {"download_url": "javascript:alert(1)"},
        {"download_url": "ftp://files.example/a.png"},
    ],
    ids=["empty", "blank", "null", "missing", "number", "javascript", "ftp"],
)
async def test_status_zero_without_a_usable_link_fails(
    router: respx.MockRouter, http: httpx.AsyncClient, extra: dict[str, Any]
) -> None:
    [one] = many("env-a", 1)
    router.post(COMPONENT_URL).mock(
        return_value=with_items([{"fileid": one.raw, "status": 0, "errmsg": "ok", **extra}])
    )

    [result] = await make_client(http).resolve_all([one])

    assert not result.ok
    assert result.kind is ErrorKind.FILE
    assert result.download_url is None
    assert result.expires_at is None


async def test_status_zero_as_string_is_ok(
    router: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    [one] = many("env-a", 1)
    item = {**ok_item(one.raw), "status": "0"}
    router.post(COMPONENT_URL).mock(return_value=with_items([item]))

    [result] = await make_client(http).resolve_all([one])

    assert result.ok
    assert result.status == 0
    assert result.kind is None


RAW_LINKS = [
    # (raw link from the service, what the user gets)
    (
        "https://b.tcb.qcloud.la/plain/a.png?sign=s&t=1",
        "https://b.tcb.qcloud.la/plain/a.png?sign=s&t=1",
    ),
    (
        "https://b.tcb.qcloud.la/a b/c d.png?sign=s&t=1",
        "https://b.tcb.qcloud.la/a%20b/c%20d.png?sign=s&t=1",
    ),
    (
        "https://b.tcb.qcloud.la/图片/照片.png?sign=s&t=1",
        "https://b.tcb.qcloud.la/%E5%9B%BE%E7%89%87/%E7%85%A7%E7%89%87.png?sign=s&t=1",
    ),
    (
        "https://b.tcb.qcloud.la/a+b&c=d;e,f@g$h.png?sign=s&t=1",
        "https://b.tcb.qcloud.la/a+b&c=d;e,f@g$h.png?sign=s&t=1",
    ),
    (
        "https://b.tcb.qcloud.la/what?.png?sign=s&t=1",
        "https://b.tcb.qcloud.la/what%3F.png?sign=s&t=1",
    ),
    (
        "https://b.tcb.qcloud.la/a?x=1.png?sign=s&t=1",
        "https://b.tcb.qcloud.la/a%3Fx=1.png?sign=s&t=1",
    ),
    (
        "https://b.tcb.qcloud.la/no#1.png?sign=s&t=1",
        "https://b.tcb.qcloud.la/no%231.png?sign=s&t=1",
    ),
    # Issue 10: a '%' in a key is a literal character of the key, so "%20" is not a
    # space and "%2e%2e" is not "..": both reach the storage as they are named.
    (
        "https://b.tcb.qcloud.la/literal%20percent.png?sign=s&t=1",
        "https://b.tcb.qcloud.la/literal%2520percent.png?sign=s&t=1",
    ),
    (
        "https://b.tcb.qcloud.la/p/%2e%2e/x.txt?sign=s&t=1",
        "https://b.tcb.qcloud.la/p/%252e%252e/x.txt?sign=s&t=1",
    ),
    (
        "https://b.tcb.qcloud.la/a%41.png?sign=s&t=1",
        "https://b.tcb.qcloud.la/a%2541.png?sign=s&t=1",
    ),
    # The query is the service's own: an escape in the signature stays as sent.
    (
        "https://b.tcb.qcloud.la/a%b.png?sign=x%2By%3D&t=1",
        "https://b.tcb.qcloud.la/a%25b.png?sign=x%2By%3D&t=1",
    ),
    (
        "https://b.tcb.qcloud.la/100% sure.png?sign=s&t=1",
        "https://b.tcb.qcloud.la/100%25%20sure.png?sign=s&t=1",
    ),
    ("https://b.tcb.qcloud.la/%zz.png?sign=s&t=1", "https://b.tcb.qcloud.la/%25zz.png?sign=s&t=1"),
    (
        'https://b.tcb.qcloud.la/[x]{y}|z\\w^`"<>.png?sign=s&t=1',
        "https://b.tcb.qcloud.la/%5Bx%5D%7By%7D%7Cz%5Cw%5E%60%22%3C%3E.png?sign=s&t=1",
    ),
    ("https://b.tcb.qcloud.la/a b.png", "https://b.tcb.qcloud.la/a%20b.png"),
    (
        "https://b.tcb.qcloud.la/a.png?sign=a b&t=1",
        "https://b.tcb.qcloud.la/a.png?sign=a%20b&t=1",
    ),
]


@pytest.mark.parametrize(("raw", "expected"), RAW_LINKS)
def test_encode_link_table(raw: str, expected: str) -> None:
    assert encode_link(raw) == expected
    assert encode_url(expected) == expected  # the result is final: no double encoding
    assert str(httpx.URL(expected)) == expected


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        # A link that may already be encoded (the downloader's guard): escapes are kept.
        (
            "https://h/already%20encoded.png?sign=s&t=1",
            "https://h/already%20encoded.png?sign=s&t=1",
        ),
        ("https://h/a b/../c.png?sign=s&t=1", "https://h/a%20b/%2E%2E/c.png?sign=s&t=1"),
        ("https://h/100% sure?sign=s&t=1", "https://h/100%25%20sure?sign=s&t=1"),
        # An IPv6 literal host keeps its brackets (issue 10: it became %5B::1%5D).
        ("http://[::1]:8080/a b.png?sign=s&t=1", "http://[::1]:8080/a%20b.png?sign=s&t=1"),
        ("http://[2001:db8::7]/x?sign=s&t=1", "http://[2001:db8::7]/x?sign=s&t=1"),
    ],
)
def test_encode_url_keeps_what_is_already_encoded(link: str, expected: str) -> None:
    assert encode_url(link) == expected
    assert encode_url(expected) == expected


@pytest.mark.parametrize(
    "host", ["[::1]:8080", "[::1]", "[2001:db8::7]:443", "[fe80::1%25eth0]:80", "127.0.0.1:9"]
)
def test_an_ip_literal_host_is_not_mangled(host: str) -> None:
    raw = f"http://{host}/dir/a b.png?sign=s&t=1"
    link = encode_link(raw)
    assert link == f"http://{host}/dir/a%20b.png?sign=s&t=1"
    parsed = httpx.URL(link)
    assert f"[{parsed.host}]" in host or parsed.host in host
    assert parsed.raw_path == b"/dir/a%20b.png?sign=s&t=1"


async def test_links_come_back_encoded(router: respx.MockRouter, http: httpx.AsyncClient) -> None:
    ids = [fid("env-a", raw.split(".la/", 1)[1].split("?sign", 1)[0]) for raw, _ in RAW_LINKS]
    items = [
        {"fileid": f.raw, "download_url": raw, "status": 0}
        for f, (raw, _) in zip(ids, RAW_LINKS, strict=True)
    ]
    router.post(COMPONENT_URL).mock(return_value=with_items(items))

    results = await make_client(http).resolve_all(ids)

    assert [r.download_url for r in results] == [expected for _, expected in RAW_LINKS]


async def test_expiry_is_the_time_sent_plus_max_age(
    router: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    max_age = 600
    received: list[datetime] = []

    async def slow_service(request: httpx.Request) -> httpx.Response:
        received.append(datetime.now(UTC))
        await asyncio.sleep(0.3)  # a slow answer must not stretch the expiry
        return answer(request)

    router.post(COMPONENT_URL).mock(side_effect=slow_service)
    before = datetime.now(UTC)

    [result] = await make_client(http, max_age=max_age).resolve_all(many("env-a", 1))

    assert result.expires_at is not None
    assert result.expires_at.tzinfo is not None
    assert before + timedelta(seconds=max_age) <= result.expires_at
    assert result.expires_at <= received[0] + timedelta(seconds=max_age)


# ---------------------------------------------------------------------------------------
# batching, concurrency, order
# ---------------------------------------------------------------------------------------


async def test_six_thousand_ids_in_two_envs_are_batched_by_env(
    router: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    # Interleaved envs, so grouping (not input runs) decides the batches.
    ids = [fid("env-a" if n % 7 < 4 else "env-b", f"dir/{n}.png") for n in range(6_000)]
    per_env = Counter(f.env for f in ids)
    route = router.post(COMPONENT_URL).mock(side_effect=answer)
    client = make_client(http, concurrency=8, max_age=3_600)

    results = await client.resolve_all(ids)

    assert [r.fileid for r in results] == ids
    assert all(r.ok for r in results)
    requests_per_env: Counter[str] = Counter()
    asked: Counter[str] = Counter()
    for call in route.calls:
        request = call.request
        body = body_of(request)
        assert set(body) == {"env", "file_list"}
        items = body["file_list"]
        assert 1 <= len(items) <= MAX_IDS_PER_REQUEST
        assert {parse_fileid(item["fileid"]).env for item in items} == {body["env"]}
        assert all(item["max_age"] == 3_600 for item in items)
        assert request.url.params["access_token"] == TOKEN
        assert list(request.url.params) == ["access_token"]
        assert TOKEN.encode() not in request.content
        assert request.headers["content-type"].startswith("application/json")
        requests_per_env[body["env"]] += 1
        asked.update(item["fileid"] for item in items)
    assert requests_per_env == {env: math.ceil(n / 50) for env, n in per_env.items()}
    assert set(asked.values()) == {1}  # every ID asked exactly once
    assert len(asked) == 6_000


async def test_duplicates_are_requested_once_and_order_is_first_sight(
    router: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    a, b, c = fid("env-a", "a.png"), fid("env-b", "b.png"), fid("env-a", "c.png")
    route = router.post(COMPONENT_URL).mock(side_effect=answer)

    results = await make_client(http).resolve_all([b, a, b, c, a])

    assert [r.fileid for r in results] == [b, a, c]
    asked = [raw for call in route.calls for raw in requested_ids(call.request)]
    assert sorted(asked) == sorted([a.raw, b.raw, c.raw])


async def test_empty_input_sends_nothing(router: respx.MockRouter, http: httpx.AsyncClient) -> None:
    route = router.post(COMPONENT_URL).mock(side_effect=answer)

    assert await make_client(http).resolve_all([]) == []
    assert route.call_count == 0


@pytest.mark.parametrize(("concurrency", "at_least", "at_most"), [(8, 4, 8), (1, 1, 1)])
async def test_concurrency_bounds_requests_in_flight(
    router: respx.MockRouter,
    http: httpx.AsyncClient,
    concurrency: int,
    at_least: int,
    at_most: int,
) -> None:
    in_flight = 0
    peak = 0

    async def service(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        try:
            await asyncio.sleep(0.02)
        finally:
            in_flight -= 1
        return answer(request)

    router.post(COMPONENT_URL).mock(side_effect=service)

    results = await make_client(http, concurrency=concurrency).resolve_all(many("env-a", 800))

    assert len(results) == 800
    assert at_least <= peak <= at_most


async def test_results_stream_as_each_request_completes(
    router: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    release = asyncio.Event()

    async def service(request: httpx.Request) -> httpx.Response:
        if body_of(request)["env"] == "env-slow":
            await release.wait()
        return answer(request)

    router.post(COMPONENT_URL).mock(side_effect=service)
    client = make_client(http, concurrency=2)
    order: list[str] = []

    async with aclosing(client.resolve(many("env-slow", 1) + many("env-fast", 1))) as stream:
        async for batch in stream:
            order.append(batch[0].fileid.env)
            release.set()

    assert order == ["env-fast", "env-slow"]


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"max_age": 0}, "max age"),
        ({"max_age": 86_401}, "max age"),
        ({"concurrency": 0}, "concurrency"),
        ({"concurrency": 33}, "concurrency"),
    ],
)
async def test_out_of_range_options_are_refused(
    http: httpx.AsyncClient, options: dict[str, int], words: str
) -> None:
    with pytest.raises(InputError, match=words):
        make_client(http, **options)


async def test_tcb_mode_uses_the_tcb_endpoint(
    router: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    component = router.post(COMPONENT_URL).mock(side_effect=answer)
    tcb = router.post(TCB_URL).mock(side_effect=answer)

    results = await make_client(http, api=ApiMode.TCB).resolve_all(many("env-a", 2))

    assert all(r.ok for r in results)
    assert (tcb.call_count, component.call_count) == (1, 0)


# ---------------------------------------------------------------------------------------
# cancellation
# ---------------------------------------------------------------------------------------


class HangingService:
    """Answers the first ``answer_first`` requests at once; the rest wait until cancelled.

    ``all_hanging`` is set once ``expect_hanging`` requests are waiting.
    """

    def __init__(self, answer_first: int = 0, expect_hanging: int = 1) -> None:
        self.answer_first = answer_first
        self.expect_hanging = expect_hanging
        self.started = 0
        self.cancelled = 0
        self.all_hanging = asyncio.Event()

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.started += 1
        if self.started <= self.answer_first:
            return answer(request)
        if self.started - self.answer_first >= self.expect_hanging:
            self.all_hanging.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        return answer(request)


async def test_cancelling_the_consumer_cancels_requests_in_flight(
    router: respx.MockRouter, http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    service = HangingService(expect_hanging=4)  # every worker waits on the service
    router.post(COMPONENT_URL).mock(side_effect=service)
    client = make_client(http, concurrency=4)

    task = asyncio.create_task(client.resolve_all(many("env-a", 400)))
    await asyncio.wait_for(service.all_hanging.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 5)  # TimeoutError instead if requests keep running

    assert service.started == 4
    assert service.cancelled == 4
    assert other_tasks() == []
    gc.collect()
    assert not [r for r in caplog.records if r.name == "asyncio"]


async def test_leaving_the_stream_early_leaves_no_tasks_behind(
    router: respx.MockRouter, http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    service = HangingService(answer_first=1)
    router.post(COMPONENT_URL).mock(side_effect=service)
    client = make_client(http, concurrency=4)
    seen: list[LinkResult] = []

    async with asyncio.timeout(5), aclosing(client.resolve(many("env-a", 400))) as stream:
        async for batch in stream:
            seen.extend(batch)
            break

    assert len(seen) == 50
    assert service.started >= 4
    assert service.cancelled == service.started - 1
    assert other_tasks() == []
    gc.collect()
    assert not [r for r in caplog.records if r.name == "asyncio"]


async def test_cancelling_during_backoff_leaves_no_tasks_behind(
    router: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    asked = asyncio.Event()

    def busy(request: httpx.Request) -> httpx.Response:
        asked.set()
        return error_response(-1)

    route = router.post(COMPONENT_URL).mock(side_effect=busy)
    slow = RetryPolicy(max_tries=4, base_delay=30.0, max_delay=30.0)
    task = asyncio.create_task(make_client(http, retry=slow).resolve_all(many("env-a", 3)))
    await asyncio.wait_for(asked.wait(), 5)
    await asyncio.sleep(0)  # let the worker reach its backoff sleep

    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 5)

    assert route.call_count == 1

    assert other_tasks() == []


# ---------------------------------------------------------------------------------------
# check_token
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", list(ApiMode))
async def test_check_token_valid_with_quota(
    router: respx.MockRouter, http: httpx.AsyncClient, mode: ApiMode
) -> None:
    route = router.post(QUOTA_URL).mock(
        return_value=httpx.Response(
            200,
            json={
                "errcode": 0,
                "errmsg": "ok",
                "quota": {"daily_limit": 100_000, "used": 250, "remain": 99_750},
            },
        )
    )
    before = datetime.now(UTC)

    check = await make_client(http, api=mode).check_token()

    assert check.state is TokenState.VALID
    assert check.quota == Quota(daily_limit=100_000, used=250, remain=99_750)
    assert check.code == 0
    assert before <= check.checked_at <= datetime.now(UTC)
    assert route.call_count == 1
    request = route.calls[0].request
    expected_path = {
        ApiMode.COMPONENT: "/componenttcb/batchdownloadfile",
        ApiMode.TCB: "/tcb/batchdownloadfile",
    }[mode]
    assert body_of(request) == {"cgi_path": expected_path}
    assert request.url.params["access_token"] == TOKEN
    assert TOKEN.encode() not in request.content


@pytest.mark.parametrize("quota", [None, "lots", {"daily_limit": 1}, {"used": "x"}])
async def test_check_token_valid_with_unreadable_quota(
    router: respx.MockRouter, http: httpx.AsyncClient, quota: object
) -> None:
    router.post(QUOTA_URL).mock(
        return_value=httpx.Response(200, json={"errcode": 0, "quota": quota})
    )

    check = await make_client(http).check_token()

    assert check.state is TokenState.VALID
    assert check.quota is None


@pytest.mark.parametrize(("code", "state"), TOKEN_CODES)
async def test_check_token_maps_token_codes(
    router: respx.MockRouter, http: httpx.AsyncClient, code: int, state: TokenState
) -> None:
    router.post(QUOTA_URL).mock(return_value=error_response(code, "rejected"))

    check = await make_client(http).check_token()

    assert check.state is state
    assert check.code == code
    assert check.quota is None
    assert check.message == ERRCODES[code].message


async def test_check_token_bad_cgi_path_is_a_failed_check(
    router: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    router.post(QUOTA_URL).mock(return_value=error_response(76021, "invalid cgi_path"))

    check = await make_client(http).check_token()

    assert check.state is TokenState.UNREACHABLE
    assert check.code == 76021
    assert "failed" in check.message
    assert "invalid cgi_path" in check.message


async def test_check_token_network_error_is_unreachable(
    router: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    route = router.post(QUOTA_URL).mock(side_effect=httpx.ConnectError)

    check = await make_client(http).check_token()

    assert check.state is TokenState.UNREACHABLE
    assert "could not connect" in check.message
    assert route.call_count == 2  # one quick retry for a blip


async def test_check_token_retries_a_busy_service(
    router: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    route = router.post(QUOTA_URL)
    route.side_effect = [
        httpx.Response(503),
        httpx.Response(200, json={"errcode": 0, "quota": {}}),
    ]

    check = await make_client(http).check_token()

    assert check.state is TokenState.VALID
    assert route.call_count == 2


async def test_check_token_http_404_is_unreachable(
    router: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    router.post(QUOTA_URL).mock(return_value=httpx.Response(404, text="not here"))

    check = await make_client(http).check_token()

    assert check.state is TokenState.UNREACHABLE
    assert "404" in check.message


async def test_check_token_without_token_sends_nothing(
    router: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    route = router.post(QUOTA_URL).mock(return_value=error_response(0))

    check = await make_client(http, token="").check_token()

    assert check.state is TokenState.NOT_SET
    assert route.call_count == 0


# ---------------------------------------------------------------------------------------
# base URL
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://api.weixin.qq.com", "https://api.weixin.qq.com"),
        ("https://api.weixin.qq.com/", "https://api.weixin.qq.com"),
        ("  https://proxy.example.com/wx/  ", "https://proxy.example.com/wx"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://127.8.9.10", "http://127.8.9.10"),
        ("http://localhost:9000/", "http://localhost:9000"),
        ("http://LOCALHOST", "http://LOCALHOST"),
        ("http://[::1]:8443", "http://[::1]:8443"),
    ],
)
def test_base_url_accepted(url: str, expected: str) -> None:
    assert validate_base_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com",
        "http://api.weixin.qq.com",
        "http://10.0.0.1",
        "http://192.168.1.1:8080",
        "http://[::2]",
        "http://localhost.example.com",
        "ftp://127.0.0.1",
        "file:///etc/passwd",
        "https://user:pw@api.weixin.qq.com",
        "https://user@api.weixin.qq.com",
        "https://api.weixin.qq.com/?x=1",
        "https://api.weixin.qq.com?",
        "https://api.weixin.qq.com#frag",
        "https://api.weixin.qq.com#",
        "api.weixin.qq.com",
        "",
        "https://",
        "https://exa mple.com",
    ],
)
def test_base_url_refused(url: str) -> None:
    with pytest.raises(InputError):
        validate_base_url(url)


async def test_client_refuses_plain_http_off_loopback(http: httpx.AsyncClient) -> None:
    with pytest.raises(InputError, match="http"):
        TcbClient(http, lambda: TOKEN, base_url="http://example.com")


async def test_client_sends_to_its_loopback_base_url(
    router: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    route = router.post("http://127.0.0.1:8765/componenttcb/batchdownloadfile").mock(
        side_effect=answer
    )

    results = await make_client(http, base_url="http://127.0.0.1:8765/").resolve_all(
        many("env-a", 1)
    )

    assert results[0].ok
    assert route.call_count == 1


# ---------------------------------------------------------------------------------------
# the token stays secret
# ---------------------------------------------------------------------------------------


def echo(text: str) -> str:
    """A service errmsg that echoes the token, both bare and as a query parameter."""
    return f"{text}, access_token={TOKEN}, rid: {TOKEN} hint: [QfRt]"


def assert_secret(error: BaseException) -> None:
    chain: list[BaseException] = []
    node: BaseException | None = error
    while node is not None and node not in chain:
        chain.append(node)
        node = node.__cause__ or node.__context__
    for exc in chain:
        for text in (str(exc), repr(exc), repr(exc.args), *map(str, vars(exc).values())):
            assert TOKEN not in text


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "tcb_gui", "asyncio"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def assert_logs_secret(caplog: pytest.LogCaptureFixture) -> None:
    assert caplog.records, "nothing was logged: the test would prove nothing"
    for record in caplog.records:
        assert TOKEN not in record.getMessage()
    assert TOKEN not in caplog.text


async def test_token_never_in_logs_results_or_errors_during_resolve(
    router: respx.MockRouter, http: httpx.AsyncClient, debug_logs: pytest.LogCaptureFixture
) -> None:
    env_a, env_b, env_c = many("env-a", 2), many("env-b", 2), many("env-c", 2)
    failing = env_a[1].raw

    def service(request: httpx.Request) -> httpx.Response:
        env = body_of(request)["env"]
        if env == "env-b":
            return error_response(40101, echo("missing parameter"))
        if env == "env-c":
            return error_response(40001, echo("invalid credential"))
        items = [ok_item(raw) for raw in requested_ids(request) if raw != failing]
        items.append({"fileid": failing, "status": -503003, "errmsg": echo("no file")})
        return with_items(items)

    route = router.post(COMPONENT_URL)
    route.side_effect = in_turn(httpx.Response(503), service)

    yielded, error = await collect(make_client(http, concurrency=1), env_a + env_b + env_c)

    assert isinstance(error, TokenError)
    assert_secret(error)
    assert error.detail  # the service's words are kept, minus the token
    assert "hint: [QfRt]" in error.detail
    assert len(yielded) == 4
    for result in yielded:
        assert TOKEN not in result.errmsg
        assert TOKEN not in repr(result)
    assert any("hint: [QfRt]" in r.errmsg for r in yielded)
    assert any("HTTP Request" in r.getMessage() for r in debug_logs.records)
    assert_logs_secret(debug_logs)


@pytest.mark.parametrize("code", [45009, 85088])
async def test_token_never_in_a_service_error(
    router: respx.MockRouter, http: httpx.AsyncClient, code: int
) -> None:
    router.post(COMPONENT_URL).mock(return_value=error_response(code, echo("quota")))

    _, error = await collect(make_client(http), many("env-a", 1))

    assert isinstance(error, ServiceError)
    assert_secret(error)


async def test_token_never_in_logs_or_messages_during_check_token(
    router: respx.MockRouter, http: httpx.AsyncClient, debug_logs: pytest.LogCaptureFixture
) -> None:
    route = router.post(QUOTA_URL)
    route.side_effect = in_turn(httpx.ReadTimeout, error_response(76021, echo("invalid cgi_path")))

    check = await make_client(http).check_token()

    assert check.state is TokenState.UNREACHABLE
    assert "invalid cgi_path" in check.message
    assert TOKEN not in check.message
    assert TOKEN not in repr(check)
    assert_logs_secret(debug_logs)


@pytest.mark.parametrize("code", [40097, -501007])
async def test_a_service_refusing_every_request_as_invalid_is_not_split_on_and_on(
    router: respx.MockRouter, http: httpx.AsyncClient, code: int
) -> None:
    """Refused down to single IDs with nothing ever answered, the refusal is not about
    an ID: the batches after that fail whole with the service's words instead of costing
    99 calls of the quota for every 50 IDs."""
    ids = many("env-a", 50 * 40)
    route = router.post(COMPONENT_URL).mock(return_value=error_response(code, "invalid args"))

    results = await make_client(http, concurrency=4).resolve_all(ids)

    assert [r.fileid for r in results] == ids
    assert all(not r.ok and r.kind is ErrorKind.REQUEST for r in results)
    assert all("invalid args" in r.errmsg and str(code) in r.errmsg for r in results)
    # Without the rule: 99 calls per batch of 50, 3,960 in all.
    assert route.call_count < 40 + 4 * 2 * 50


async def test_splitting_goes_on_while_other_requests_are_answered(
    router: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    """Many bad IDs, one in every batch: each is still found (SPLIT_FUTILE_AFTER counts
    only while nothing of the run was answered)."""
    ids = many("env-a", 50 * 12)
    bad = {ids[n * 50].raw for n in range(12)}  # first of each batch: found last

    def service(request: httpx.Request) -> httpx.Response:
        if bad & set(requested_ids(request)):
            return error_response(40097, "invalid args")
        return answer(request)

    router.post(COMPONENT_URL).mock(side_effect=service)

    results = await make_client(http, concurrency=4).resolve_all(ids)

    assert {r.fileid.raw for r in results if not r.ok} == bad
    assert sum(r.ok for r in results) == len(ids) - len(bad)
