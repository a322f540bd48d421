"""A hostile or odd storage host against the engine's resume and its partial files.

A raw asyncio server on 127.0.0.1 answers each request with the exact bytes a test
scripts; the real engine downloads over the app's client. A file reported ok must be
the whole file; what another program put beside it is never touched.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from tcb_gui.core.client import RetryPolicy
from tcb_gui.core.downloads import (
    SMALL_FILE_BYTES,
    Downloader,
    DownloadOptions,
    DownloadOutcome,
    engine,
    sidecar_path,
)
from tcb_gui.core.downloads.files import PartMeta, sidecar_bytes
from tests.e2e.loopback_host import ScriptedHost as RawHost

QUICK_RETRY = RetryPolicy(max_tries=3, base_delay=0.01, max_delay=0.02)
DATA = bytes(range(256)) * 400  # 100 KiB: held in memory until it is written whole


def ranges(host: RawHost) -> list[str | None]:
    """The Range each request asked for (None: the whole file)."""
    found: list[str | None] = []
    for head in host.requests:
        line = next((x for x in head.split("\r\n") if x.lower().startswith("range:")), None)
        found.append(line.split(":", 1)[1].strip() if line else None)
    return found


def whole(data: bytes, headers: str = 'ETag: "v1"\r\n') -> bytes:
    return f"HTTP/1.1 200 OK\r\nContent-Length: {len(data)}\r\n{headers}\r\n".encode() + data


def cut(data: bytes, after: int, headers: str = 'ETag: "v1"\r\n') -> bytes:
    """A 200 announcing all of ``data`` that sends only its first ``after`` bytes."""
    return whole(data, headers)[: -len(data) + after]


async def download(
    http: httpx.AsyncClient, host: RawHost, dest: Path, retry: RetryPolicy = QUICK_RETRY
) -> DownloadOutcome:
    opts = DownloadOptions(dest=dest, retry=retry)
    downloader = Downloader(http, host.refresh, opts, progress_interval=0.02)
    (outcome,) = await downloader.run([host.link("f.bin")])
    return outcome


async def test_a_416_naming_the_kept_size_of_a_larger_file_never_makes_the_cut_complete(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    # A cache that kept a cut copy (same ETag) answers the resume "you have it all" at
    # the cut; the sidecar recorded a file twice as large: the file starts over.
    half = len(DATA) // 2

    def answer(n: int, head: str) -> bytes:
        if n == 1:
            return cut(DATA, half)
        if n == 2:
            return (
                f'HTTP/1.1 416 Range Not Satisfiable\r\nETag: "v1"\r\n'
                f"Content-Range: bytes */{half}\r\nContent-Length: 0\r\n\r\n"
            ).encode()
        return whole(DATA)

    async with RawHost(answer) as host:
        outcome = await download(http, host, tmp_path)

    assert ranges(host) == [None, f"bytes={half}-", None]
    assert outcome.ok, outcome.errmsg
    assert outcome.path is not None
    assert outcome.path.read_bytes() == DATA


BIG = bytes(range(256)) * 8192  # 2 MiB: over SMALL_FILE_BYTES, streamed as it comes


@pytest.mark.parametrize("etag", ['"ab\rcd"', '"ab\x01cd"', '"' + "e" * 20_000 + '"'])
async def test_a_validator_that_cannot_be_sent_back_is_never_resumed_on(
    http: httpx.AsyncClient, tmp_path: Path, etag: str
) -> None:
    # An ETag a request may not carry (a bare CR, a control) or too long to keep in a
    # sidecar: resuming under it would fail every try before it is sent (and every
    # later run), or leave a sidecar the engine cannot read back. The file starts over.
    header = f"ETag: {etag}\r\n"

    def answer(n: int, head: str) -> bytes:
        return cut(BIG, len(BIG) // 2, header) if n == 1 else whole(BIG, header)

    async with RawHost(answer) as host:
        outcome = await download(http, host, tmp_path)

    assert ranges(host) == [None, None]
    assert outcome.ok, outcome.errmsg
    assert outcome.path is not None
    assert outcome.path.read_bytes() == BIG


# A file with its .part and sidecar from the first byte (RECORDED_FROM or more) leaves
# them when cut; a smaller one, streamed to the engine's folder, keeps only bytes a later
# try can resume from: nothing, when the host names no validator that can be sent back.
LEFT_WHEN_CUT = [
    pytest.param(True, ["f.bin.part", "f.bin.part.json"], id="recorded from the start"),
    pytest.param(False, [], id="streamed to the engine's folder"),
]


def record_from_start(monkeypatch: pytest.MonkeyPatch, recorded: bool) -> None:
    assert len(BIG) < engine.RECORDED_FROM
    if recorded:
        monkeypatch.setattr(engine, "RECORDED_FROM", SMALL_FILE_BYTES + 1)


@pytest.mark.parametrize(("recorded", "left"), LEFT_WHEN_CUT)
async def test_a_file_cut_under_an_unusable_validator_takes_its_own_name_again(
    http: httpx.AsyncClient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    recorded: bool,
    left: list[str],
) -> None:
    # The sidecar written stays readable: the next run knows the .part as its own and
    # reuses the name, instead of leaving one more stray .part and sidecar per run.
    record_from_start(monkeypatch, recorded)
    header = 'ETag: "' + "e" * 20_000 + '"\r\n'

    async with RawHost(lambda n, head: cut(BIG, len(BIG) // 2, header)) as host:
        first = await download(http, host, tmp_path)
        second = await download(http, host, tmp_path)

    assert not first.ok
    assert not second.ok
    folder = tmp_path / "env-a"
    assert sorted(p.name for p in folder.iterdir()) == left


async def test_a_part_kept_under_such_a_validator_by_an_earlier_version_starts_over(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    part = tmp_path / "env-a" / "f.bin.part"
    part.parent.mkdir(parents=True)
    part.write_bytes(BIG[:1000])
    async with RawHost(lambda n, head: whole(BIG)) as host:
        meta = PartMeta(host.fileid_of("f.bin").raw, '"ab\rcd"', len(BIG))
        sidecar_path(part).write_bytes(sidecar_bytes(meta))
        outcome = await download(http, host, tmp_path)

    assert ranges(host) == [None]
    assert outcome.ok, outcome.errmsg
    assert outcome.path is not None
    assert outcome.path.read_bytes() == BIG


@pytest.mark.parametrize(
    ("data", "after", "headers", "words"),
    [
        # Held back for the HTML sniff (the first 512 bytes): arrived, never written.
        (DATA[:1000], 500, 'ETag: "v1"\r\n', "after 500 B; starting over"),
        # Written, but with no validator nothing can be resumed under.
        (BIG, 1_048_576, "", "after 1.0 MiB; starting over"),
        (BIG, 1_048_576, 'ETag: "v1"\r\n', "after 1.0 MiB; resuming"),
    ],
)
async def test_a_cut_says_how_far_the_body_came_and_whether_it_resumes(
    http: httpx.AsyncClient, tmp_path: Path, data: bytes, after: int, headers: str, words: str
) -> None:
    retry = RetryPolicy(max_tries=1, base_delay=0.01, max_delay=0.02)
    async with RawHost(lambda n, head: cut(data, after, headers)) as host:
        outcome = await download(http, host, tmp_path, retry)

    assert not outcome.ok
    assert words in outcome.errmsg


async def test_a_host_that_sends_a_byte_per_connection_uses_up_the_tries(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    # Every resume is a correct 206 that brings one byte, then the connection closes:
    # each is progress, too little to give the file its tries back (README "Never
    # stuck"); the file fails instead of going on for hours.
    def answer(n: int, head: str) -> bytes:
        if n == 1:
            return cut(DATA, 600)
        start = int(head.split("Range: bytes=", 1)[1].split("-", 1)[0])
        return (
            f'HTTP/1.1 206 Partial Content\r\nETag: "v1"\r\nContent-Length: {len(DATA) - start}'
            f"\r\nContent-Range: bytes {start}-{len(DATA) - 1}/{len(DATA)}\r\n\r\n"
        ).encode() + DATA[start : start + 1]

    async with RawHost(answer) as host, asyncio.timeout(10):
        outcome = await download(http, host, tmp_path)

    assert not outcome.ok
    assert len(host.requests) == QUICK_RETRY.max_tries


@pytest.mark.parametrize(("recorded", "left"), LEFT_WHEN_CUT)
async def test_a_sidecar_stays_readable_whatever_encoding_the_host_names(
    http: httpx.AsyncClient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    recorded: bool,
    left: list[str],
) -> None:
    # A Content-Encoding of kilobytes (saved as sent, the encoding recorded) would make
    # the sidecar larger than the engine reads back: the next run would leave one more
    # stray .part and sidecar beside the file. The part stays known as ours.
    record_from_start(monkeypatch, recorded)
    header = 'ETag: "v1"\r\nContent-Encoding: ' + "x" * 20_000 + "\r\n"

    async with RawHost(lambda n, head: cut(BIG, len(BIG) // 2, header)) as host:
        await download(http, host, tmp_path)
        second = await download(http, host, tmp_path)

    assert not second.ok
    folder = tmp_path / "env-a"
    assert sorted(p.name for p in folder.iterdir()) == left
