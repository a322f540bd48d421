"""The demo CDN, in-process: signed links, Range, ETag, If-Range, expiry and faults."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastcrc import crc64

from tcb_gui.core.client import LinkResult, RetryPolicy, TcbClient
from tcb_gui.core.download_run import DownloadRun, no_link_yet
from tcb_gui.core.downloads import DownloadOptions
from tcb_gui.core.fileids import parse_fileid
from tcb_gui.core.trace import CallKind, Outcome, TraceEvent, TraceHub
from tcb_gui.demo import samples
from tcb_gui.demo.samples import PROD, TEST, file_bytes, file_etag, file_size
from tcb_gui.demo.service import (
    DEMO_TOKEN,
    DemoConfig,
    DemoIncompleteBody,
    DemoState,
    create_app,
    file_crc64,
)
from tests.demo.conftest import BASE_URL, Clock
from tests.demo.helpers import encode_link, encode_uri, link

README = "docs/README.txt"


def _downloadable_keys(env: samples.DemoEnv) -> list[str]:
    keys = []
    for fid in samples.sample_ids():
        prefix = f"cloud://{env.env}.{env.bucket}/"
        if fid.startswith(prefix):
            key = fid[len(prefix) :]
            if not samples.is_private(key) and file_size(env.bucket, key) is not None:
                keys.append(key)
    return keys


async def test_full_download(client: httpx.AsyncClient) -> None:
    url = await link(client, "图片/春节 海报.png")
    response = await client.get(encode_uri(url))
    size = file_size(PROD.bucket, "图片/春节 海报.png")
    assert response.status_code == 200
    assert response.content == file_bytes(PROD.bucket, "图片/春节 海报.png")
    assert len(response.content) == size
    assert response.headers["content-length"] == str(size)
    assert response.headers["content-type"] == "image/png"
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["etag"] == file_etag(PROD.bucket, "图片/春节 海报.png")
    assert "content-range" not in response.headers


async def test_every_sample_file_downloads_with_a_full_encoding(
    client: httpx.AsyncClient,
) -> None:
    """Any key, hostile ones included, is reachable once the client encodes it fully."""
    for env in (PROD, TEST):
        for key in _downloadable_keys(env):
            url = encode_link(await link(client, key, env=env))
            response = await client.get(url)
            assert response.status_code == 200, (key, url, response.text)
            assert response.content == file_bytes(env.bucket, key), key


@pytest.mark.parametrize(
    "key",
    [
        "special/a+b&c=d;e,f@g$h.txt",
        "special/what?.txt",
        "special/50% off.txt",
        "special/price $5 & up.txt",
        "图片/春节 海报.png",
        "a\\b.txt",
        "hostile/dir. /name.",
        "long/" + "很长的文件名" * 30 + ".txt",
    ],
)
async def test_links_work_raw_and_encode_uri_encoded(client: httpx.AsyncClient, key: str) -> None:
    """A raw '?' in the key, encodeURI's output and the raw link itself are all accepted."""
    url = await link(client, key)
    expected = file_bytes(PROD.bucket, key)
    for variant in (url, encode_uri(url), encode_link(url)):
        response = await client.get(variant)
        assert response.status_code == 200, (variant, response.text)
        assert response.content == expected


async def test_raw_hash_or_dot_segments_cannot_work(client: httpx.AsyncClient) -> None:
    """Documented limits: '#' starts a fragment, '..' is normalised away by the client."""
    for key in ("special/#tag.txt", "../../etc/passwd"):
        url = await link(client, key)
        assert (await client.get(url)).status_code in (403, 404)
        assert (await client.get(encode_link(url))).status_code == 200


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-99", 0, 100),
        ("bytes=100-", 100, None),
        ("bytes=-50", -50, None),
        ("bytes=10-10", 10, 11),
        ("bytes=5-999999999", 5, None),
        ("bytes=-999999999", 0, None),
        (" bytes = 7 - 9 ", 7, 10),
    ],
)
async def test_ranges(client: httpx.AsyncClient, header: str, start: int, end: int | None) -> None:
    url = encode_uri(await link(client, README))
    whole = file_bytes(PROD.bucket, README)
    size = len(whole)
    response = await client.get(url, headers={"Range": header})
    expected = whole[start:end]
    first = start % size
    assert response.status_code == 206
    assert response.content == expected
    assert response.headers["content-length"] == str(len(expected))
    assert response.headers["content-range"] == f"bytes {first}-{first + len(expected) - 1}/{size}"


@pytest.mark.parametrize("header", ["bytes=5-2", "bytes=0-1,5-6", "items=0-1", "bytes=a-b", "0-1"])
async def test_unusable_range_headers_are_ignored(client: httpx.AsyncClient, header: str) -> None:
    url = encode_uri(await link(client, README))
    response = await client.get(url, headers={"Range": header})
    assert response.status_code == 200
    assert response.content == file_bytes(PROD.bucket, README)


@pytest.mark.parametrize("header", ["bytes={size}-", "bytes={size}-{size}", "bytes=-0"])
async def test_unsatisfiable_range(client: httpx.AsyncClient, header: str) -> None:
    size = file_size(PROD.bucket, README)
    url = encode_uri(await link(client, README))
    response = await client.get(url, headers={"Range": header.format(size=size)})
    assert response.status_code == 416
    assert response.headers["content-range"] == f"bytes */{size}"
    assert b"InvalidRange" in response.content


async def test_empty_file(client: httpx.AsyncClient) -> None:
    url = encode_uri(await link(client, "docs/empty.txt"))
    response = await client.get(url)
    assert (response.status_code, response.content) == (200, b"")
    assert response.headers["content-length"] == "0"
    ranged = await client.get(url, headers={"Range": "bytes=0-"})
    assert ranged.status_code == 416


async def test_if_range(client: httpx.AsyncClient) -> None:
    url = encode_uri(await link(client, README))
    etag = file_etag(PROD.bucket, README)
    assert etag is not None
    assert etag.startswith('"')
    assert not etag.startswith("W/")
    whole = file_bytes(PROD.bucket, README)
    matching = await client.get(url, headers={"Range": "bytes=10-", "If-Range": etag})
    assert (matching.status_code, matching.content) == (206, whole[10:])
    for stale in ('"0000"', f"W/{etag}", "Wed, 21 Oct 2015 07:28:00 GMT"):
        response = await client.get(url, headers={"Range": "bytes=10-", "If-Range": stale})
        assert (response.status_code, response.content) == (200, whole)


async def test_etag_is_per_content(client: httpx.AsyncClient) -> None:
    first = await client.get(encode_uri(await link(client, README)))
    again = await client.get(encode_uri(await link(client, README, max_age=60)))
    other = await client.get(encode_uri(await link(client, "docs/report final v1.pdf")))
    same_key_other_env = await client.get(
        encode_uri(await link(client, "docs/report final v1.pdf", env=TEST))
    )
    assert first.headers["etag"] == again.headers["etag"]
    etags = {r.headers["etag"] for r in (first, other, same_key_other_env)}
    assert len(etags) == 3


async def test_head(client: httpx.AsyncClient) -> None:
    url = encode_uri(await link(client, README))
    size = file_size(PROD.bucket, README)
    response = await client.head(url)
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == str(size)
    assert response.headers["etag"] == file_etag(PROD.bucket, README)
    ranged = await client.head(url, headers={"Range": "bytes=0-9"})
    assert (ranged.status_code, ranged.headers["content-length"]) == (206, "10")


async def test_without_range_support(clock: Clock) -> None:
    state = DemoState(DemoConfig(range_support=False), now=clock)
    transport = httpx.ASGITransport(app=create_app(state))
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as c:
        url = encode_uri(await link(c, README))
        response = await c.get(url, headers={"Range": "bytes=0-9"})
    assert response.status_code == 200
    assert response.content == file_bytes(PROD.bucket, README)
    assert response.headers["accept-ranges"] == "none"


async def test_link_expires_after_max_age(client: httpx.AsyncClient, clock: Clock) -> None:
    url = encode_uri(await link(client, README, max_age=10))
    clock.advance(10)
    assert (await client.get(url)).status_code == 200  # still valid at t itself
    clock.advance(1)
    response = await client.get(url)
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/xml"
    assert b"<Code>AccessDenied</Code>" in response.content
    assert b"expired" in response.content


@pytest.mark.parametrize(
    "tamper",
    [
        lambda u: u.replace("sign=", "sign=0"),
        lambda u: u.rpartition("&t=")[0] + "&t=9999999999",
        lambda u: u.rpartition("?sign=")[0],
        lambda u: u.replace("README", "readme"),
        lambda u: u.replace("&t=", "&t=x"),
    ],
)
async def test_bad_signature_is_403(client: httpx.AsyncClient, tamper: Any) -> None:
    url = encode_uri(await link(client, README))
    response = await client.get(tamper(url))
    assert response.status_code == 403
    assert b"AccessDenied" in response.content


async def test_unknown_bucket_and_method(client: httpx.AsyncClient) -> None:
    url = encode_uri(await link(client, README))
    response = await client.get(url.replace(PROD.bucket, "7072-nosuch-1"))
    assert response.status_code == 404
    assert b"NoSuchBucket" in response.content
    assert (await client.post(url)).status_code == 405


async def test_generated_files(client: httpx.AsyncClient) -> None:
    key = "gen/size-3K/any name/文件.bin"
    url = encode_uri(await link(client, key, env=TEST))
    response = await client.get(url, headers={"Range": "bytes=1000-1999"})
    assert response.headers["content-range"] == "bytes 1000-1999/3072"
    assert response.content == file_bytes(TEST.bucket, key, 1000, 2000)
    response = await client.get(encode_uri(await link(client, "gen/whatever.bin")))
    assert len(response.content) == samples.GEN_DEFAULT_SIZE


async def test_download_records(client: httpx.AsyncClient, state: DemoState) -> None:
    url = encode_uri(await link(client, README))
    await client.get(url, headers={"Range": "bytes=0-9"})
    await client.head(url)
    records = state.stats.downloads
    assert [(r.method, r.key, r.range, r.status) for r in records] == [
        ("GET", README, "bytes=0-9", 206),
        ("HEAD", README, None, 200),
    ]
    assert state.stats.requests["download"] == 2


async def test_scripted_download_faults(client: httpx.AsyncClient, state: DemoState) -> None:
    url = encode_uri(await link(client, README))
    whole = file_bytes(PROD.bucket, README)
    state.script_faults("download", ["html200", "html404", "403", "500", "cut"])

    html200 = await client.get(url)
    assert html200.status_code == 200
    assert html200.headers["content-type"].startswith("text/html")
    assert html200.content != whole
    assert b"<html>" in html200.content

    html404 = await client.get(url)
    assert html404.status_code == 404
    assert b"<html>" in html404.content

    denied = await client.get(url)
    assert denied.status_code == 403
    assert b"AccessDenied" in denied.content

    broken = await client.get(url)
    assert broken.status_code == 500
    assert b"InternalError" in broken.content

    with pytest.raises(httpx.RemoteProtocolError) as raised:
        await client.get(url)
    assert isinstance(raised.value, DemoIncompleteBody)
    assert f"received {len(whole) // 2} bytes, expected {len(whole)}" in str(raised.value)

    assert (await client.get(url)).content == whole
    assert [r.fault for r in state.stats.downloads] == [
        "html200", "html404", "403", "500", "cut", None,
    ]  # fmt: skip


async def test_every_answer_carries_the_whole_files_crc64_as_cos_does(
    client: httpx.AsyncClient,
) -> None:
    url = encode_uri(await link(client, README))
    whole = file_bytes(PROD.bucket, README)
    expected = str(crc64.xz(whole))  # CRC-64/XZ: COS's "crc64ecma"
    assert file_crc64(PROD.bucket, README) == int(expected)
    full = await client.get(url)
    part = await client.get(url, headers={"Range": "bytes=10-"})
    head = await client.head(url)
    assert full.headers["x-cos-hash-crc64ecma"] == expected
    assert part.status_code == 206
    assert part.headers["x-cos-hash-crc64ecma"] == expected  # of the file, not the range
    assert head.headers["x-cos-hash-crc64ecma"] == expected


async def test_the_badcrc_fault_sends_the_file_with_a_wrong_checksum(
    client: httpx.AsyncClient, state: DemoState
) -> None:
    url = encode_uri(await link(client, README))
    whole = file_bytes(PROD.bucket, README)
    state.script_faults("download", ["badcrc"])

    bad = await client.get(url)
    good = await client.get(url)

    assert bad.content == good.content == whole
    assert bad.headers["x-cos-hash-crc64ecma"] != good.headers["x-cos-hash-crc64ecma"]
    assert good.headers["x-cos-hash-crc64ecma"] == str(crc64.xz(whole))
    assert [r.fault for r in state.stats.downloads] == ["badcrc", None]


async def test_head_does_not_consume_scripted_faults(
    client: httpx.AsyncClient, state: DemoState
) -> None:
    url = encode_uri(await link(client, README))
    state.script_faults("download", ["500"])
    assert (await client.head(url)).status_code == 200
    assert (await client.get(url)).status_code == 500


async def _cut_keys(seed: int, rate: float, clock: Clock, keys: list[str]) -> set[str]:
    state = DemoState(DemoConfig(download_cut_rate=rate, seed=seed), now=clock)
    transport = httpx.ASGITransport(app=create_app(state))
    cut = set()
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as c:
        for key in keys:
            url = encode_uri(await link(c, key))
            try:
                first = await c.get(url)
            except httpx.RemoteProtocolError:
                cut.add(key)
            else:
                assert first.content == file_bytes(PROD.bucket, key)
            # Only the first download of a file is cut: a retry gets it all.
            assert (await c.get(url)).content == file_bytes(PROD.bucket, key)
    return cut


async def test_cut_rate_is_per_file_and_seeded(clock: Clock) -> None:
    keys = [f"gen/size-{n + 2}/f{n}.bin" for n in range(40)]
    assert await _cut_keys(0, 1.0, clock, keys[:5]) == set(keys[:5])
    half = await _cut_keys(5, 0.5, clock, keys)
    assert 5 <= len(half) <= 35
    assert half == await _cut_keys(5, 0.5, clock, keys)
    assert half != await _cut_keys(6, 0.5, clock, keys)
    assert await _cut_keys(0, 0.0, clock, keys[:5]) == set()


async def test_every_file_request_of_a_download_is_one_trace_event_without_its_signature(
    client: httpx.AsyncClient, state: DemoState, tmp_path: Path
) -> None:
    """``DownloadRun(trace=…)``: one FILE event per GET the storage saw, retries and
    refusals included, each with the link's path, its status, its outcome and its bytes,
    and never a signature."""
    keys = [README, "图片/春节 海报.png", "gen/size-300K/traced.bin"]
    ids = [parse_fileid(PROD.fileid(key)) for key in keys]
    state.script_faults("download", ["500", "cut", "403", "html200"])
    hub = TraceHub()
    events: list[TraceEvent] = []
    hub.add(events.append)
    links: list[LinkResult] = []
    api = TcbClient(client, lambda: DEMO_TOKEN, base_url=BASE_URL)
    retry = RetryPolicy(max_tries=5, base_delay=0.001, max_delay=0.01)
    options = DownloadOptions(dest=tmp_path, retry=retry)
    run = DownloadRun(
        client, api, options, [no_link_yet(f) for f in ids], on_links=links.extend, trace=hub
    )

    result = await run.run()

    assert all(o.ok for o in result.outcomes), [o.errmsg for o in result.outcomes]
    gets = [r for r in state.stats.downloads if r.method == "GET"]
    files = [e for e in events if e.kind is CallKind.FILE]
    assert len(files) == len(gets) == len(keys) + 4
    # In process (ASGI) the cut body fails the request itself: no status, a retry.
    statuses = sorted(e.http_status for e in files if e.http_status is not None)
    assert statuses == sorted(r.status for r in gets if r.fault != "cut")
    assert {e.outcome for e in files} == {Outcome.OK, Outcome.RETRY}
    signatures = {
        value
        for found in links
        for value in parse_qs(urlsplit(found.download_url or "").query).get("sign", [])
    }
    assert signatures
    for event in files:
        assert event.method == "GET"
        assert event.endpoint.startswith("/download/")
        assert "?" not in event.endpoint
        assert event.attempt >= 1
        assert event.duration_ms >= 0
        text = json.dumps(event.record(), ensure_ascii=False)
        assert not any(sign in text for sign in signatures)
        assert "sign=***" in event.url
    done = [e for e in files if e.outcome is Outcome.OK and e.http_status == 200]
    sizes = {file_size(PROD.bucket, key) for key in keys}
    assert {e.bytes for e in done} <= sizes | {0}
