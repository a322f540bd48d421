"""The demo service's API, in-process: it must speak WECHAT_API.md exactly."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from typing import Any

import httpx
import pytest

from tcb_gui.demo import samples
from tcb_gui.demo.samples import PROD, TEST
from tcb_gui.demo.service import (
    COMPONENT_PATH,
    DEMO_TCB_TOKEN,
    DEMO_TOKEN,
    EXPIRED_TOKEN,
    QUOTA_PATH,
    TCB_PATH,
    DemoConfig,
    DemoConnectionReset,
    DemoState,
    create_app,
)
from tests.demo.conftest import BASE_URL, START_TIME
from tests.demo.helpers import batch, batch_body


def _expected(env: samples.DemoEnv, fileid: str) -> tuple[int, str]:
    """(status, errmsg) the service must give ``fileid`` in a request for ``env``."""
    host, _, key = fileid.removeprefix("cloud://").partition("/")
    id_env, _, bucket = host.partition(".")
    if id_env != env.env or bucket != env.bucket:
        return -501005, "INVALIID_ENV"
    if samples.is_private(key):
        return -503002, "STORAGE_EXCEED_AUTHORITY"
    if samples.file_size(bucket, key) is None:
        return -503003, "STORAGE_FILE_NONEXIST"
    return 0, "ok"


def _ids_of(env: samples.DemoEnv) -> list[str]:
    return [f for f in samples.sample_ids() if f.startswith(f"cloud://{env.env}.")]


async def test_every_sample_id_gets_its_own_answer(client: httpx.AsyncClient) -> None:
    seen: Counter[str] = Counter()
    for env in (PROD, TEST):
        ids = _ids_of(env)
        for start in range(0, len(ids), 50):
            chunk = ids[start : start + 50]
            data = await batch(client, chunk, env=env.env)
            assert data["errcode"] == 0
            assert data["errmsg"] == "ok"
            assert sorted(item["fileid"] for item in data["file_list"]) == sorted(chunk)
            for item in data["file_list"]:
                seen[item["fileid"]] += 1
                status, errmsg = _expected(env, item["fileid"])
                assert (item["status"], item["errmsg"]) == (status, errmsg), item
                if status == 0:
                    assert item["download_url"].startswith(f"{BASE_URL}/download/{env.bucket}/")
                else:
                    assert item["download_url"] == ""
    statuses = Counter(_expected(PROD, f)[0] for f in _ids_of(PROD))
    # The sample set really exercises every per-file answer.
    assert statuses[0] > 100
    assert statuses[-503002] >= 3
    assert statuses[-503003] >= 3
    assert statuses[-501005] == 1
    assert all(count == 1 for count in seen.values())


async def test_links_are_unencoded_and_expire_after_max_age(client: httpx.AsyncClient) -> None:
    key = "图片/春节 海报.png"
    data = await batch(client, [PROD.fileid(key), PROD.fileid("special/a+b&c=d;e,f@g$h.txt")])
    urls = {item["fileid"]: item["download_url"] for item in data["file_list"]}
    url = urls[PROD.fileid(key)]
    assert url.startswith(f"{BASE_URL}/download/{PROD.bucket}/图片/春节 海报.png?sign=")
    assert url.endswith(f"&t={int(START_TIME) + 7200}")
    raw_special = urls[PROD.fileid("special/a+b&c=d;e,f@g$h.txt")]
    assert "/special/a+b&c=d;e,f@g$h.txt?sign=" in raw_special


async def test_links_use_the_host_the_client_called(state: DemoState) -> None:
    transport = httpx.ASGITransport(app=create_app(state))
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost:1234") as c:
        data = await batch(c, [PROD.fileid("docs/README.txt")], max_age=60)
    url = data["file_list"][0]["download_url"]
    assert url.startswith("http://localhost:1234/download/")
    assert url.endswith(f"&t={int(START_TIME) + 60}")


async def test_results_come_back_shuffled(client: httpx.AsyncClient) -> None:
    ids = [PROD.fileid(f"gen/order/{n}.bin") for n in range(50)]
    for size in (2, 3, 50):
        data = await batch(client, ids[:size])
        answered = [item["fileid"] for item in data["file_list"]]
        assert answered != ids[:size]
        assert sorted(answered) == sorted(ids[:size])


async def test_shuffle_is_seeded(clock: Any) -> None:
    orders = []
    for _ in range(2):
        state = DemoState(DemoConfig(seed=7), now=clock)
        transport = httpx.ASGITransport(app=create_app(state))
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as c:
            data = await batch(c, [PROD.fileid(f"gen/{n}") for n in range(20)])
        orders.append([item["fileid"] for item in data["file_list"]])
    assert orders[0] == orders[1]


@pytest.mark.parametrize(
    ("token", "path", "errcode"),
    [
        (DEMO_TOKEN, COMPONENT_PATH, 0),
        (DEMO_TCB_TOKEN, TCB_PATH, 0),
        (DEMO_TCB_TOKEN, COMPONENT_PATH, 48001),
        (DEMO_TOKEN, TCB_PATH, 48001),
        (EXPIRED_TOKEN, COMPONENT_PATH, 42001),
        (EXPIRED_TOKEN, TCB_PATH, 42001),
        ("not-a-token", COMPONENT_PATH, 40001),
        (None, COMPONENT_PATH, 41001),
        ("", TCB_PATH, 41001),
    ],
)
async def test_token_answers(
    client: httpx.AsyncClient, token: str | None, path: str, errcode: int
) -> None:
    data = await batch(client, [PROD.fileid("docs/README.txt")], token=token, path=path)
    assert data["errcode"] == errcode
    if errcode:
        assert "file_list" not in data
        assert " rid: " in data["errmsg"]  # a varying suffix: clients match the number


async def test_errmsg_suffix_varies(client: httpx.AsyncClient) -> None:
    first = await batch(client, ["cloud://x.y/z"], token="bad")
    second = await batch(client, ["cloud://x.y/z"], token="bad")
    assert first["errcode"] == second["errcode"] == 40001
    assert first["errmsg"] != second["errmsg"]


async def test_expire_and_add_tokens(client: httpx.AsyncClient, state: DemoState) -> None:
    fid = [PROD.fileid("docs/README.txt")]
    state.expire_token(DEMO_TOKEN)
    assert (await batch(client, fid))["errcode"] == 42001
    state.add_token("fresh-token", "component")
    assert (await batch(client, fid, token="fresh-token"))["errcode"] == 0
    state.add_token(DEMO_TOKEN, "component")  # a re-issued token works again
    assert (await batch(client, fid))["errcode"] == 0
    state.add_token("mini-program", "tcb")
    assert (await batch(client, fid, token="mini-program", path=TCB_PATH))["errcode"] == 0
    with pytest.raises(ValueError, match="component"):
        state.add_token("x", "other")  # type: ignore[arg-type]


async def _post(client: httpx.AsyncClient, path: str, **kwargs: Any) -> dict[str, Any]:
    response = await client.post(path, params={"access_token": DEMO_TOKEN}, **kwargs)
    assert response.status_code == 200  # WeChat answers errcodes with HTTP 200
    assert response.headers["content-type"].startswith("application/json")
    data: dict[str, Any] = response.json()
    return data


async def test_get_is_refused_with_43002(client: httpx.AsyncClient) -> None:
    for path in (COMPONENT_PATH, TCB_PATH, QUOTA_PATH):
        response = await client.get(path, params={"access_token": DEMO_TOKEN})
        assert response.status_code == 200
        assert response.json()["errcode"] == 43002


@pytest.mark.parametrize(
    ("body", "errcode"),
    [
        (b"", 44002),
        (b"   ", 44002),
        (b"{not json", 47001),
        (b"\xff\xfe", 47001),
        (b"[1, 2]", 47001),
        (b'{"file_list": []}', 40101),
        (b'{"env": "", "file_list": []}', 40101),
        (b'{"env": "demo-prod-7g3k"}', 40101),
        (b'{"env": "demo-prod-7g3k", "file_list": {}}', 40097),
        (b'{"env": "demo-prod-7g3k", "file_list": []}', 40097),
        (b'{"env": "demo-prod-7g3k", "file_list": ["cloud://a.b/c"]}', 40097),
        (b'{"env": "demo-prod-7g3k", "file_list": [{"max_age": 60}]}', 40097),
    ],
)
async def test_bad_bodies(client: httpx.AsyncClient, body: bytes, errcode: int) -> None:
    data = await _post(client, COMPONENT_PATH, content=body)
    assert data["errcode"] == errcode, data


async def test_at_most_50_files(client: httpx.AsyncClient) -> None:
    ids = [PROD.fileid(f"gen/n/{n}.bin") for n in range(51)]
    ok = await batch(client, ids[:50])
    assert ok["errcode"] == 0
    assert len(ok["file_list"]) == 50
    refused = await batch(client, ids)
    assert refused["errcode"] == 40097
    assert "at most 50" in refused["errmsg"]


@pytest.mark.parametrize("max_age", [0, -1, 86_401, "7200", 7200.5, True, None])
async def test_max_age_outside_range_is_refused(client: httpx.AsyncClient, max_age: Any) -> None:
    data = await batch(client, [PROD.fileid("docs/README.txt")], max_age=max_age)
    assert data["errcode"] == 40097


async def test_max_age_is_optional_nowhere(client: httpx.AsyncClient) -> None:
    body = {"env": PROD.env, "file_list": [{"fileid": PROD.fileid("docs/README.txt")}]}
    assert (await _post(client, COMPONENT_PATH, json=body))["errcode"] == 40097


@pytest.mark.parametrize("max_age", [1, 86_400])
async def test_max_age_bounds_are_accepted(client: httpx.AsyncClient, max_age: int) -> None:
    data = await batch(client, [PROD.fileid("docs/README.txt")], max_age=max_age)
    assert data["errcode"] == 0
    assert data["file_list"][0]["download_url"].endswith(f"&t={int(START_TIME) + max_age}")


async def test_unknown_env(client: httpx.AsyncClient) -> None:
    fid = samples.UNKNOWN_ENV.fileid("archive/old.txt")
    assert fid in samples.sample_ids()
    data = await batch(client, [fid], env=samples.UNKNOWN_ENV.env)
    assert data["errcode"] == -501005


async def test_id_of_another_env_fails_alone(client: httpx.AsyncClient) -> None:
    good, other = PROD.fileid("docs/README.txt"), TEST.fileid("图片/测试.png")
    data = await batch(client, [good, other], env=PROD.env)
    by_id = {item["fileid"]: item for item in data["file_list"]}
    assert by_id[good]["status"] == 0
    assert (by_id[other]["status"], by_id[other]["errmsg"]) == (-501005, "INVALIID_ENV")


async def test_json_keeps_chinese_raw(client: httpx.AsyncClient) -> None:
    response = await client.post(
        COMPONENT_PATH,
        params={"access_token": DEMO_TOKEN},
        json=batch_body(PROD.env, [PROD.fileid("图片/春节 海报.png")]),
    )
    assert "春节".encode() in response.content


async def test_hostile_json_is_answered(client: httpx.AsyncClient) -> None:
    body = b'{"env": "demo-prod-7g3k", "file_list": [{"fileid": "cloud://demo-prod-7g3k.' + (
        b'7072-demo-prod-7g3k-1314114854/gen/\\ud800", "max_age": 60}]}'
    )
    data = await _post(client, COMPONENT_PATH, content=body)
    assert data["errcode"] == 0
    assert data["file_list"][0]["status"] == -503003


# -- quota/get -----------------------------------------------------------------------------


async def _quota(client: httpx.AsyncClient, token: str | None, cgi_path: Any) -> dict[str, Any]:
    params = {"access_token": token} if token is not None else {}
    body = {"cgi_path": cgi_path} if cgi_path is not None else {}
    response = await client.post(QUOTA_PATH, params=params, json=body)
    assert response.status_code == 200
    data: dict[str, Any] = response.json()
    return data


async def test_quota_reports_use(client: httpx.AsyncClient, state: DemoState) -> None:
    first = await _quota(client, DEMO_TOKEN, COMPONENT_PATH)
    assert first == {
        "errcode": 0,
        "errmsg": "ok",
        "quota": {"daily_limit": 1_000_000, "used": 0, "remain": 1_000_000},
    }
    await batch(client, [PROD.fileid("docs/README.txt")])
    await batch(client, [PROD.fileid("docs/README.txt")], token="bad")  # not counted
    second = await _quota(client, DEMO_TOKEN, COMPONENT_PATH)
    assert second["quota"] == {"daily_limit": 1_000_000, "used": 1, "remain": 999_999}
    assert state.used == 1


@pytest.mark.parametrize(
    ("token", "cgi_path", "errcode"),
    [
        (DEMO_TCB_TOKEN, TCB_PATH, 0),
        (DEMO_TOKEN, TCB_PATH, 76022),
        (DEMO_TCB_TOKEN, COMPONENT_PATH, 76022),
        (DEMO_TOKEN, "/componenttcb/nosuchapi", 76021),
        (DEMO_TOKEN, 42, 76021),
        (DEMO_TOKEN, None, 40101),
        (EXPIRED_TOKEN, COMPONENT_PATH, 42001),
        ("bad", COMPONENT_PATH, 40001),
        (None, COMPONENT_PATH, 41001),
    ],
)
async def test_quota_answers(
    client: httpx.AsyncClient, token: str | None, cgi_path: Any, errcode: int
) -> None:
    assert (await _quota(client, token, cgi_path))["errcode"] == errcode


@pytest.mark.parametrize(("body", "errcode"), [(b"", 44002), (b"cgi_path", 47001)])
async def test_quota_bad_bodies(client: httpx.AsyncClient, body: bytes, errcode: int) -> None:
    assert (await _post(client, QUOTA_PATH, content=body))["errcode"] == errcode


async def test_daily_limit(clock: Any) -> None:
    state = DemoState(DemoConfig(daily_limit=2), now=clock)
    transport = httpx.ASGITransport(app=create_app(state))
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as c:
        fid = [PROD.fileid("docs/README.txt")]
        assert [(await batch(c, fid))["errcode"] for _ in range(3)] == [0, 0, 45009]
        quota = (await _quota(c, DEMO_TOKEN, COMPONENT_PATH))["quota"]
    assert quota == {"daily_limit": 2, "used": 2, "remain": 0}


# -- counters and latency -----------------------------------------------------------------


async def test_stats_count_requests_batches_and_in_flight(clock: Any) -> None:
    state = DemoState(DemoConfig(latency_ms=50), now=clock)
    transport = httpx.ASGITransport(app=create_app(state))
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as c:
        ids = [PROD.fileid(f"gen/{n}") for n in range(50)]
        started = time.perf_counter()
        sizes = [50, 50, 7, 1, 20, 3]
        await asyncio.gather(*(batch(c, ids[:n]) for n in sizes))
        elapsed = time.perf_counter() - started
        await batch(c, ids[:2], env=TEST.env, path=TCB_PATH, token=DEMO_TCB_TOKEN)
        await _quota(c, DEMO_TOKEN, COMPONENT_PATH)
    assert elapsed >= 0.05
    stats = state.stats
    # All six were in flight at once: the latency is awaited, it does not block the loop.
    assert stats.max_in_flight == len(sizes)
    assert stats.in_flight == 0
    assert sorted(stats.batch_sizes) == sorted([*sizes, 2])
    assert stats.requests == Counter(
        {"componenttcb/batchdownloadfile": 6, "tcb/batchdownloadfile": 1, "quota/get": 1}
    )


# -- faults --------------------------------------------------------------------------------


async def test_scripted_faults_in_order(client: httpx.AsyncClient, state: DemoState) -> None:
    state.script_faults("batchdownloadfile", ["html502", "errcode-1", "truncated", "drop"])
    ids = [PROD.fileid("docs/README.txt"), PROD.fileid("图片/春节 海报.png")]
    body = batch_body(PROD.env, ids)
    params = {"access_token": DEMO_TOKEN}

    response = await client.post(COMPONENT_PATH, params=params, json=body)
    assert response.status_code == 502
    assert response.headers["content-type"].startswith("text/html")
    assert "502 Bad Gateway" in response.text

    response = await client.post(COMPONENT_PATH, params=params, json=body)
    assert (response.status_code, response.json()) == (
        200,
        {"errcode": -1, "errmsg": "system error"},
    )

    response = await client.post(COMPONENT_PATH, params=params, json=body)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.content.startswith(b'{"errcode":0,"errmsg":"ok","file_list":[')
    assert int(response.headers["content-length"]) == len(response.content)
    with pytest.raises(json.JSONDecodeError):
        response.json()

    with pytest.raises(httpx.ReadError) as raised:
        await client.post(COMPONENT_PATH, params=params, json=body)
    assert isinstance(raised.value, DemoConnectionReset)

    assert state.pending_faults("batchdownloadfile") == []
    data = (await client.post(COMPONENT_PATH, params=params, json=body)).json()
    assert data["errcode"] == 0
    assert len(data["file_list"]) == 2
    assert state.stats.faults == Counter({"html502": 1, "errcode-1": 1, "truncated": 1, "drop": 1})


async def test_slow_fault_answers_late(clock: Any) -> None:
    state = DemoState(DemoConfig(slow_seconds=0.2), now=clock)
    state.script_faults("quota", ["slow"])
    transport = httpx.ASGITransport(app=create_app(state))
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as c:
        started = time.perf_counter()
        data = await _quota(c, DEMO_TOKEN, COMPONENT_PATH)
        assert time.perf_counter() - started >= 0.2
        assert data["errcode"] == 0
    assert state.pending_faults("quota") == []
    assert state.stats.faults == Counter({"slow": 1})


async def test_quota_faults_are_separate(client: httpx.AsyncClient, state: DemoState) -> None:
    state.script_faults("quota", ["errcode-1"])
    assert (await batch(client, [PROD.fileid("docs/README.txt")]))["errcode"] == 0
    assert (await _quota(client, DEMO_TOKEN, COMPONENT_PATH))["errcode"] == -1


def test_script_faults_validates(state: DemoState) -> None:
    with pytest.raises(ValueError, match="unknown endpoint"):
        state.script_faults("upload", ["drop"])
    with pytest.raises(ValueError, match="cannot fail"):
        state.script_faults("batchdownloadfile", ["cut"])
    with pytest.raises(ValueError, match="cannot fail"):
        state.script_faults("download", ["drop"])
    assert state.pending_faults("batchdownloadfile") == []


async def _outcomes(seed: int, clock: Any, calls: int) -> list[str]:
    config = DemoConfig(fault_rate=0.5, fault_kinds=("html502", "errcode-1"), seed=seed)
    state = DemoState(config, now=clock)
    transport = httpx.ASGITransport(app=create_app(state))
    outcomes = []
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as c:
        body = batch_body(PROD.env, [PROD.fileid("docs/README.txt")])
        for _ in range(calls):
            r = await c.post(COMPONENT_PATH, params={"access_token": DEMO_TOKEN}, json=body)
            outcomes.append("502" if r.status_code == 502 else str(r.json()["errcode"]))
    return outcomes


async def test_random_faults_are_seeded(clock: Any) -> None:
    first = await _outcomes(3, clock, 40)
    assert first == await _outcomes(3, clock, 40)
    assert set(first) == {"0", "-1", "502"}
    assert 8 <= first.count("0") <= 32


def test_config_is_validated() -> None:
    with pytest.raises(ValueError, match="fault_rate"):
        DemoConfig(fault_rate=1.5)
    with pytest.raises(ValueError, match="download_cut_rate"):
        DemoConfig(download_cut_rate=-0.1)
    with pytest.raises(ValueError, match="unknown fault kinds"):
        DemoConfig(fault_kinds=("html502", "cut"))
    with pytest.raises(ValueError, match="at least one"):
        DemoConfig(fault_rate=0.1, fault_kinds=())
    with pytest.raises(ValueError, match="negative"):
        DemoConfig(latency_ms=-1)
    assert DemoConfig().fault_kinds == ("html502", "errcode-1", "drop", "truncated", "slow")
