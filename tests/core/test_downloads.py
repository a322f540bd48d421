"""The download engine against a scripted CDN on ``httpx.MockTransport`` (no sockets)."""

from __future__ import annotations

import asyncio
import errno
import hashlib
import itertools
import json
import logging
import os
import subprocess
import sys
from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tcb_gui.core.client import LinkResult, RetryPolicy
from tcb_gui.core.downloads import (
    MAX_DOWNLOAD_CONCURRENCY,
    SMALL_FILE_BYTES,
    STATE_DIR_NAME,
    DiskFullError,
    Downloader,
    DownloadOptions,
    DownloadOutcome,
    FileOps,
    FileProgress,
    FileState,
    Layout,
    OnExists,
    PartFile,
    TotalProgress,
    engine,
    html_refusal,
    manifest_path,
    protect_dot_segments,
    safe_url,
    sidecar_path,
)
from tcb_gui.core.downloads.syncer import Placing, Syncer
from tcb_gui.core.errors import ErrorKind, InputError, TokenError, TokenState
from tcb_gui.core.fileids import FileId, parse_fileid
from tcb_gui.core.paths import part_path
from tcb_gui.core.ratelimit import TokenBucket, parse_rate

ENV = "env-a"
BUCKET = "bucket-1"
HOST = "cdn.test"
FAST_RETRY = RetryPolicy(max_tries=3, base_delay=0.001, max_delay=0.005)


def content_of(key: str, size: int) -> bytes:
    """Deterministic, non-repeating bytes for a key."""
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(f"{key}:{counter}".encode()).digest()
        counter += 1
    return bytes(out[:size])


def etag_of(data: bytes) -> str:
    return '"' + hashlib.md5(data).hexdigest() + '"'


class CutStream(httpx.AsyncByteStream):
    """A body sent in pieces; may stop with a network error, or wait on a gate."""

    def __init__(
        self,
        data: bytes,
        *,
        piece: int,
        cut_after: int | None = None,
        gate: asyncio.Event | None = None,
        delay: float = 0.0,
    ) -> None:
        self._data = data
        self._piece = piece
        self._cut_after = cut_after
        self._gate = gate
        self._delay = delay

    async def __aiter__(self) -> AsyncIterator[bytes]:
        sent = 0
        limit = len(self._data) if self._cut_after is None else self._cut_after
        while sent < limit:
            if self._gate is not None:
                await self._gate.wait()
            if self._delay:
                await asyncio.sleep(self._delay)
            chunk = self._data[sent : min(limit, sent + self._piece)]
            sent += len(chunk)
            yield chunk
        if self._cut_after is not None:
            raise httpx.RemoteProtocolError("peer closed connection without sending complete body")


@dataclass
class FakeCdn:
    """Files by key, served with Range/ETag/If-Range, links that expire, scripted faults."""

    files: dict[str, bytes] = field(default_factory=dict)
    range_support: bool = True
    faults: deque[str] = field(default_factory=deque)
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    piece: int = 64 * 1024
    gate: asyncio.Event | None = None
    delay: float = 0.0
    requests: list[httpx.Request] = field(default_factory=list)

    def add(self, key: str, size: int) -> bytes:
        self.files[key] = content_of(key, size)
        return self.files[key]

    def link(self, key: str, *, valid_for: timedelta = timedelta(hours=2)) -> str:
        expires = int((self.now + valid_for).timestamp())
        return f"https://{HOST}/{key}?sign=s3cr3t&t={expires}"

    def gets(self, key: str | None = None) -> list[httpx.Request]:
        return [r for r in self.requests if key is None or r.url.path.lstrip("/") == key]

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        key = request.url.path.lstrip("/")
        if int(request.url.params.get("t", "0")) < self.now.timestamp():
            return httpx.Response(403, content=b"<Error>Request has expired</Error>")
        fault = self.faults.popleft() if self.faults else None
        if fault in ("403", "500", "404"):
            return httpx.Response(int(fault), content=b"<Error/>")
        if fault == "html200":
            page = b"<!DOCTYPE html><html><body>Oops</body></html>"
            return httpx.Response(200, content=page, headers={"content-type": "text/html"})
        if fault == "html-sniff":
            page = b"<html><body>Not found</body></html>"
            return httpx.Response(200, content=page)
        if key not in self.files:
            return httpx.Response(404, content=b"<Error>NoSuchKey</Error>")
        data = self.files[key]
        etag = etag_of(data)
        start, status = 0, 200
        headers = {"etag": etag, "content-type": "application/octet-stream"}
        wanted = request.headers.get("range")
        if_range = request.headers.get("if-range")
        if self.range_support and wanted and (if_range is None or if_range == etag):
            first, _, last = wanted.removeprefix("bytes=").partition("-")
            start = int(first)
            if start >= len(data):
                headers["content-range"] = f"bytes */{len(data)}"
                return httpx.Response(416, headers=headers)
            end = min(int(last), len(data) - 1) if last else len(data) - 1
            status = 206
            headers["content-range"] = f"bytes {start}-{end}/{len(data)}"
            body = data[start : end + 1]
        else:
            body = data
        headers["content-length"] = str(len(body))
        cut_after = len(body) // 2 if fault == "cut" else None
        if fault == "short":
            # Announces the full length, ends cleanly early (a proxy that lost the tail).
            return httpx.Response(status, headers=headers, content=body[: len(body) // 2])
        if fault == "long":
            return httpx.Response(status, headers=headers, content=body + b"extra")
        stream = CutStream(
            body, piece=self.piece, cut_after=cut_after, gate=self.gate, delay=self.delay
        )
        return httpx.Response(status, headers=headers, stream=stream)


@dataclass
class Refresher:
    """Stands in for ``TcbClient.resolve_all``: fresh links from the fake CDN."""

    cdn: FakeCdn
    calls: list[list[str]] = field(default_factory=list)
    error: Exception | None = None

    async def __call__(self, ids: Sequence[FileId]) -> list[LinkResult]:
        self.calls.append([f.raw for f in ids])
        await asyncio.sleep(0)
        if self.error is not None:
            raise self.error
        expires = self.cdn.now + timedelta(hours=2)
        return [
            LinkResult(f, True, 0, "ok", self.cdn.link(f.key), expires)
            if f.key in self.cdn.files
            else LinkResult(f, False, -503003, "File does not exist", None, None, ErrorKind.FILE)
            for f in ids
        ]


def fid(key: str) -> FileId:
    return parse_fileid(f"cloud://{ENV}.{BUCKET}/{key}")


def good(cdn: FakeCdn, key: str) -> LinkResult:
    return LinkResult(fid(key), True, 0, "ok", cdn.link(key), cdn.now + timedelta(hours=2))


class Refusing(FileOps):
    """The folder refuses every partial file with ``error``."""

    def __init__(self, error: OSError) -> None:
        self.error = error

    def open_part(self, path: Path, offset: int, buffer_size: int) -> PartFile:
        raise self.error


@pytest.fixture
def cdn() -> FakeCdn:
    return FakeCdn()


@pytest.fixture
async def http(cdn: FakeCdn) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(cdn.handler)) as client:
        yield client


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    return tmp_path / "out"


def make(
    http: httpx.AsyncClient,
    cdn: FakeCdn,
    dest: Path,
    refresher: Refresher | None = None,
    on_progress: Callable[[Sequence[FileProgress], TotalProgress], None] | None = None,
    progress_interval: float = 0.05,
    files: FileOps | None = None,
    **options: object,
) -> Downloader:
    opts = DownloadOptions(dest=dest, retry=FAST_RETRY, **options)  # type: ignore[arg-type]
    return Downloader(
        http,
        refresher or Refresher(cdn),
        opts,
        on_progress=on_progress,
        progress_interval=progress_interval,
        files=files,
    )


def disk_full_after(limit: int) -> Callable[[PartFile, bytes], None]:
    """A ``PartFile.write`` that writes until more than ``limit`` bytes went through, then
    meets a full disk (ENOSPC): for ``WritesThrough``, or patched over ``PartFile.write``."""
    real = PartFile.write
    written = 0

    def write(part: PartFile, data: bytes) -> None:
        nonlocal written
        if written > limit:
            raise OSError(errno.ENOSPC, "No space left on device")
        written += len(data)
        real(part, data)

    return write


class WritesThrough(FileOps):
    """File operations whose part files write through ``write(part, data)``."""

    def __init__(self, write: Callable[[PartFile, bytes], None]) -> None:
        self.write = write

    def open_part(self, path: Path, offset: int, buffer_size: int) -> PartFile:
        ops = self

        class Part(PartFile):
            def write(self, data: bytes) -> None:
                ops.write(self, data)

        return Part(path, offset, buffer_size)


def done_bytes(downloader: Downloader) -> int:
    """Bytes of the first file kept so far (0 before the run has planned its files)."""
    files = downloader.progress()
    return files[0].bytes_done if files else 0


def tree(dest: Path, key: str) -> Path:
    return dest / ENV / key


def part_files(dest: Path) -> list[Path]:
    return list(dest.rglob("*.part"))


def leftovers(dest: Path) -> list[str]:
    return sorted(
        p.name for p in dest.rglob("*") if p.name.endswith((".part", ".part.json", ".tmp"))
    )


# ---------------------------------------------------------------------------------------
# The basics
# ---------------------------------------------------------------------------------------


async def test_downloads_files_byte_exact_into_tree_layout(
    http: httpx.AsyncClient, cdn: FakeCdn, dest: Path
) -> None:
    data = {key: cdn.add(key, size) for key, size in [("a/one.bin", 300_000), ("two.txt", 10)]}
    data["empty.dat"] = cdn.add("empty.dat", 0)
    items = [good(cdn, key) for key in data]

    outcomes = await make(http, cdn, dest).run(items)

    assert [o.fileid for o in outcomes] == [i.fileid for i in items]
    for outcome, (key, body) in zip(outcomes, data.items(), strict=True):
        assert outcome.ok
        assert outcome.state is FileState.DONE
        assert outcome.path == tree(dest, key)
        assert outcome.bytes == len(body)
        assert tree(dest, key).read_bytes() == body
    assert leftovers(dest) == []
    report = outcomes[0].report()
    assert list(report) == [
        "fileid", "ok", "path", "bytes", "errmsg", "verified", "integrity", "encoding",
        "repaired",
    ]  # fmt: skip
    assert report["verified"] is False  # no checksum offered: the size was checked
    assert report["integrity"] == "size checked"
    assert report["path"] == str(tree(dest, "a/one.bin"))
    assert json.loads(json.dumps(report))["ok"] is True


async def test_options_are_validated(dest: Path) -> None:
    for bad in (0, MAX_DOWNLOAD_CONCURRENCY + 1):
        with pytest.raises(InputError):
            DownloadOptions(dest=dest, concurrency=bad)
    with pytest.raises(InputError):
        DownloadOptions(dest=dest, limit_rate=0)
    for stall in (0, -1.0, float("nan")):
        with pytest.raises(InputError):
            DownloadOptions(dest=dest, stall_seconds=stall)


# ---------------------------------------------------------------------------------------
# Resuming
# ---------------------------------------------------------------------------------------


def plant_part(dest: Path, key: str, data: bytes, *, etag: str | None, total: int | None) -> Path:
    target = tree(dest, key)
    target.parent.mkdir(parents=True, exist_ok=True)
    part = part_path(target)
    part.write_bytes(data)
    sidecar_path(part).write_text(
        json.dumps({"fileid": fid(key).raw, "validator": etag, "total": total})
    )
    return part


async def test_a_part_from_an_earlier_run_resumes_with_range_and_if_range(
    http: httpx.AsyncClient, cdn: FakeCdn, dest: Path
) -> None:
    body = cdn.add("big.bin", 500_000)
    plant_part(dest, "big.bin", body[:123_456], etag=etag_of(body), total=len(body))
    seen: list[FileProgress] = []

    def on_progress(files: Sequence[FileProgress], _total: TotalProgress) -> None:
        seen.extend(files)

    outcomes = await make(http, cdn, dest, on_progress=on_progress).run([good(cdn, "big.bin")])

    assert outcomes[0].ok
    (request,) = cdn.gets("big.bin")
    assert request.headers["range"] == "bytes=123456-"
    assert request.headers["if-range"] == etag_of(body)
    assert tree(dest, "big.bin").read_bytes() == body
    assert seen[-1].resumed_from == 123_456
    assert leftovers(dest) == []


async def test_200_instead_of_206_starts_the_file_over(
    http: httpx.AsyncClient, cdn: FakeCdn, dest: Path
) -> None:
    cdn.range_support = False
    body = cdn.add("f.bin", 200_000)
    # The old part holds different bytes: had they been kept, the file would be wrong.
    plant_part(dest, "f.bin", b"x" * 50_000, etag=etag_of(body), total=len(body))

    outcomes = await make(http, cdn, dest).run([good(cdn, "f.bin")])

    assert outcomes[0].ok
    assert cdn.gets("f.bin")[0].headers["range"] == "bytes=50000-"
    assert tree(dest, "f.bin").read_bytes() == body


async def test_changed_file_fails_if_range_and_is_downloaded_whole(
    http: httpx.AsyncClient, cdn: FakeCdn, dest: Path
) -> None:
    body = cdn.add("f.bin", 100_000)
    plant_part(dest, "f.bin", b"old" * 1000, etag='"stale-etag"', total=len(body))

    await make(http, cdn, dest).run([good(cdn, "f.bin")])

    assert cdn.gets("f.bin")[0].headers["if-range"] == '"stale-etag"'
    assert tree(dest, "f.bin").read_bytes() == body


async def test_cut_connection_resumes_from_the_last_byte_written(
    http: httpx.AsyncClient, cdn: FakeCdn, dest: Path
) -> None:
    body = cdn.add("cut.bin", 400_000)
    cdn.piece = 10_000
    cdn.faults.extend(["cut", "cut"])

    outcomes = await make(http, cdn, dest).run([good(cdn, "cut.bin")])

    assert outcomes[0].ok
    ranges = [r.headers.get("range") for r in cdn.gets("cut.bin")]
    # Cut at 200,000; then the rest (200,000 bytes) cut at half again.
    assert ranges == [None, "bytes=200000-", "bytes=300000-"]
    assert tree(dest, "cut.bin").read_bytes() == body


async def test_short_body_is_never_complete_and_resumes(
    http: httpx.AsyncClient, cdn: FakeCdn, dest: Path
) -> None:
    body = cdn.add("s.bin", 100_000)
    cdn.faults.append("short")

    outcomes = await make(http, cdn, dest).run([good(cdn, "s.bin")])

    assert outcomes[0].ok
    assert [r.headers.get("range") for r in cdn.gets("s.bin")] == [None, "bytes=50000-"]
    assert tree(dest, "s.bin").read_bytes() == body


async def test_length_mismatch_that_persists_fails_without_a_target(
    http: httpx.AsyncClient, cdn: FakeCdn, dest: Path
) -> None:
    cdn.add("long.bin", 1000)
    cdn.faults.extend(["long"] * 5)

    outcomes = await make(http, cdn, dest).run([good(cdn, "long.bin")])

    assert not outcomes[0].ok
    assert outcomes[0].state is FileState.FAILED
    assert "more than the announced" in outcomes[0].errmsg
    assert "gave up after 3 tries" in outcomes[0].errmsg
    assert not tree(dest, "long.bin").exists()


# ---------------------------------------------------------------------------------------
# Error pages, links that expire, errors
# ---------------------------------------------------------------------------------------


async def test_html_error_page_is_never_saved(
    http: httpx.AsyncClient, cdn: FakeCdn, dest: Path
) -> None:
    body = cdn.add("photo.png", 5_000)
    cdn.faults.extend(["html200", "html-sniff"])

    outcomes = await make(http, cdn, dest).run([good(cdn, "photo.png")])

    assert outcomes[0].ok
    assert len(cdn.gets("photo.png")) == 3
    assert tree(dest, "photo.png").read_bytes() == body


async def test_persistent_html_page_fails_the_file_and_writes_nothing(
    http: httpx.AsyncClient, cdn: FakeCdn, dest: Path
) -> None:
    cdn.add("doc.pdf", 5_000)
    cdn.faults.extend(["html-sniff"] * 3)

    outcomes = await make(http, cdn, dest).run([good(cdn, "doc.pdf")])

    assert not outcomes[0].ok
    assert "HTML page" in outcomes[0].errmsg
    target = tree(dest, "doc.pdf")
    assert not target.exists()
    part = part_path(target)
    assert not part.exists() or b"<html" not in part.read_bytes()


def test_html_rule() -> None:
    page = b"\xef\xbb\xbf  <!-- x --><!DOCTYPE HTML><html></html>"
    assert html_refusal("a/b.png", "text/html", None)
    assert html_refusal("a/b", "text/html", None)  # no extension: the type decides
    assert html_refusal("a/b.png", "image/png", page)  # a PNG never starts like that
    assert html_refusal("a/b.zip", "", b"<html><body>")  # no type: sniffed
    assert html_refusal("a/b.html", "text/html", page) is None
    assert html_refusal("a/B.HTM", "", page) is None
    assert html_refusal("a/notes.txt", "text/plain", page) is None  # text: user's content
    assert html_refusal("a/data.json", "application/json", page) is None
    assert html_refusal("a/b.png", "image/png", b"\x89PNG\r\n") is None


def test_a_body_that_does_not_look_like_html_never_reads_the_type_table() -> None:
    # The system's MIME files are read on the table's first use (~3 ms on the way to
    # the first file): only a body that starts like a page needs the extension's type.
    probe = (
        "import mimetypes\n"
        "from tcb_gui.core.downloads import html_refusal\n"
        "assert html_refusal('a/b.png', 'image/png', b'\\x89PNG\\r\\n') is None\n"
        "assert html_refusal('a/b.bin', 'application/octet-stream', b'PK\\x03\\x04') is None\n"
        "assert not mimetypes.inited\n"
        "assert html_refusal('a/b.png', 'image/png', b'<html>')\n"
        "assert mimetypes.inited\n"
    )
    subprocess.run([sys.executable, "-c", probe], check=True, timeout=60)


async def test_403_on_an_expired_link_fetches_a_fresh_one(
    http: httpx.AsyncClient, cdn: FakeCdn, dest: Path
) -> None:
    body = cdn.add("x.bin", 1000)
    item = good(cdn, "x.bin")
    cdn.now += timedelta(hours=3)  # the CDN's clock: the link has expired there
    refresher = Refresher(cdn)

    outcomes = await make(http, cdn, dest, refresher).run([item])

    assert outcomes[0].ok
    assert refresher.calls == [[fid("x.bin").raw]]
    assert [r.url.params["sign"] for r in cdn.gets("x.bin")] == ["s3cr3t", "s3cr3t"]
    assert tree(dest, "x.bin").read_bytes() == body


async def test_links_missing_or_expiring_are_refreshed_together_50_at_a_time(
    http: httpx.AsyncClient, cdn: FakeCdn, dest: Path
) -> None:
    keys = [f"k/{i:03}.bin" for i in range(120)]
    for key in keys:
        cdn.add(key, 100)
    soon = cdn.now + timedelta(seconds=5)  # inside the expiry margin
    items = [
        LinkResult(fid(k), True, 0, "ok", cdn.link(k), soon)
        if i % 2
        else LinkResult(fid(k), False, None, "no answer", None, None, ErrorKind.NETWORK)
        for i, k in enumerate(keys)
    ]
    refresher = Refresher(cdn)

    outcomes = await make(http, cdn, dest, refresher, concurrency=8).run(items)

    assert all(o.ok for o in outcomes)
    assert sorted(len(c) for c in refresher.calls) == [20, 50, 50]
    assert sorted(r for c in refresher.calls for r in c) == sorted(f.raw for f in map(fid, keys))
    assert len(cdn.requests) == 120  # no request wasted on a stale link


async def test_per_file_failures_are_final_and_not_refreshed(
    http: httpx.AsyncClient, cdn: FakeCdn, dest: Path
) -> None:
    cdn.add("ok.bin", 10)
    missing = LinkResult(
        fid("gone.bin"), False, -503003, "File does not exist", None, None, ErrorKind.FILE
    )
    refresher = Refresher(cdn)

    outcomes = await make(http, cdn, dest, refresher).run([missing, good(cdn, "ok.bin")])

    assert [o.ok for o in outcomes] == [False, True]
    assert outcomes[0].errmsg == "File does not exist"
    assert refresher.calls == []


async def test_refused_refresh_fails_the_files_that_needed_a_link(
    http: httpx.AsyncClient, cdn: FakeCdn, dest: Path
) -> None:
    cdn.add("ok.bin", 10)
    cdn.add("stale.bin", 10)
    refresher = Refresher(cdn, error=TokenError("The token expired.", state=TokenState.EXPIRED))
    stale = LinkResult(fid("stale.bin"), False, None, "no answer", None, None, ErrorKind.NETWORK)
    downloader = make(http, cdn, dest, refresher)

    outcomes = await downloader.run([stale, good(cdn, "ok.bin")])

    assert [o.ok for o in outcomes] == [False, True]
    assert outcomes[0].errmsg == "The token expired."
    assert isinstance(downloader.refresh_error, TokenError)


async def test_transient_errors_retry_and_other_4xx_fail_clearly(
    http: httpx.AsyncClient, cdn: FakeCdn, dest: Path
) -> None:
    body = cdn.add("r.bin", 100)
    cdn.faults.extend(["500", "500"])
    outcomes = await make(http, cdn, dest).run([good(cdn, "r.bin")])
    assert outcomes[0].ok
    assert tree(dest, "r.bin").read_bytes() == body

    missing = good(cdn, "nope.bin")
    outcomes = await make(http, cdn, dest / "2").run([missing])
    assert not outcomes[0].ok
    assert "not on the server (404" in outcomes[0].errmsg
    assert "s3cr3t" not in outcomes[0].errmsg


async def test_only_http_links_are_fetched(
    http: httpx.AsyncClient, cdn: FakeCdn, dest: Path
) -> None:
    item = LinkResult(
        fid("f.bin"), True, 0, "ok", "file:///etc/passwd", cdn.now + timedelta(hours=1)
    )
    outcomes = await make(http, cdn, dest).run([item])
    assert not outcomes[0].ok
    assert "not http(s)" in outcomes[0].errmsg
    assert cdn.requests == []


async def test_redirect_to_another_scheme_is_refused(dest: Path, cdn: FakeCdn) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"location": "file:///etc/passwd"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        outcomes = await make(client, cdn, dest).run([good(cdn, "f.bin")])
    assert not outcomes[0].ok
    assert "not http(s)" in outcomes[0].errmsg


def test_dot_segments_of_a_key_survive_in_the_link() -> None:
    url = "https://h.test/b/../../etc/./passwd?sign=a/../b&t=1"
    assert (
        protect_dot_segments(url) == "https://h.test/b/%2E%2E/%2E%2E/etc/%2E/passwd?sign=a/../b&t=1"
    )
    assert httpx.URL(protect_dot_segments(url)).raw_path.startswith(b"/b/%2E%2E/%2E%2E/etc/")
    assert protect_dot_segments("https://h.test/a..b/.x") == "https://h.test/a..b/.x"


async def test_the_length_on_disk_is_verified_before_the_rename(
    http: httpx.AsyncClient, cdn: FakeCdn, dest: Path
) -> None:
    # Over SMALL_FILE_BYTES: streamed to its .part, one write per piece received.
    body = cdn.add("v.bin", 3_000_000)
    cdn.piece = 1_000_000
    calls = 0

    def lossy_write(part: PartFile, data: bytes) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            return  # the tail "written" but never on disk (a lying file system)
        PartFile.write(part, data)

    outcomes = await make(http, cdn, dest, files=WritesThrough(lossy_write)).run(
        [good(cdn, "v.bin")]
    )

    assert outcomes[0].ok
    assert [r.headers.get("range") for r in cdn.gets("v.bin")] == [None, "bytes=2000000-"]
    assert tree(dest, "v.bin").read_bytes() == body


async def test_a_small_file_is_checked_on_disk_too_and_resumes_from_what_reached_it(
    http: httpx.AsyncClient, cdn: FakeCdn, dest: Path
) -> None:
    """A small file is written whole from memory by a worker; what reached the disk, not
    what was received, decides, and the bytes that did reach it are kept."""
    body = cdn.add("w.bin", 600_000)
    assert len(body) <= SMALL_FILE_BYTES
    calls = 0

    def lossy_write(part: PartFile, data: bytes) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            return  # the tail "written", never on disk (a lying file system)
        PartFile.write(part, data)

    outcomes = await make(http, cdn, dest, files=WritesThrough(lossy_write)).run(
        [good(cdn, "w.bin")]
    )

    assert outcomes[0].ok
    kept = 2 * 256 * 1024  # written whole in pieces of 256 KiB: the first two
    assert [r.headers.get("range") for r in cdn.gets("w.bin")] == [None, f"bytes={kept}-"]
    assert tree(dest, "w.bin").read_bytes() == body
    assert leftovers(dest) == []


async def test_no_signed_url_reaches_the_logs(
    http: httpx.AsyncClient, cdn: FakeCdn, dest: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cdn.add("l.bin", 1000)
    cdn.faults.extend(["cut", "500", "403"])
    caplog.set_level(logging.DEBUG)

    outcomes = await make(http, cdn, dest).run([good(cdn, "l.bin")])

    assert outcomes[0].ok
    assert "cdn.test/l.bin" in caplog.text  # the requests were logged...
    assert "s3cr3t" not in caplog.text  # ...never with their signature


def test_logged_urls_hide_the_signature() -> None:
    assert safe_url("https://h.test/a%20b.png?sign=abc&t=1") == "https://h.test/a%20b.png"


async def test_a_symlinked_part_is_never_written_through(
    http: httpx.AsyncClient, cdn: FakeCdn, dest: Path, tmp_path: Path
) -> None:
    cdn.add("f.bin", 100)
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"precious")
    target = tree(dest, "f.bin")
    target.parent.mkdir(parents=True)
    part_path(target).symlink_to(outside)

    outcomes = await make(http, cdn, dest).run([good(cdn, "f.bin")])

    # Not our partial file: left as it is, the download goes to a name of its own.
    assert outcomes[0].ok
    assert target.read_bytes() == cdn.files["f.bin"]
    assert outside.read_bytes() == b"precious"
    assert part_path(target).is_symlink()


async def test_a_symlink_at_our_own_part_name_is_never_written_through(
    http: httpx.AsyncClient, cdn: FakeCdn, dest: Path, tmp_path: Path
) -> None:
    body = cdn.add("f.bin", 100)
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"precious")
    part = plant_part(dest, "f.bin", b"", etag=etag_of(body), total=len(body))
    part.unlink()
    part.symlink_to(outside)  # under a sidecar that looks like ours

    outcomes = await make(http, cdn, dest).run([good(cdn, "f.bin")])

    assert not outcomes[0].ok
    assert outside.read_bytes() == b"precious"


async def test_a_key_escaping_through_a_symlink_fails_alone(
    http: httpx.AsyncClient, cdn: FakeCdn, dest: Path, tmp_path: Path
) -> None:
    cdn.add("evil/f.bin", 10)
    cdn.add("fine.bin", 10)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (dest / ENV).mkdir(parents=True)
    (dest / ENV / "evil").symlink_to(elsewhere)

    outcomes = await make(http, cdn, dest).run([good(cdn, "evil/f.bin"), good(cdn, "fine.bin")])

    assert [o.ok for o in outcomes] == [False, True]
    assert "outside the download folder" in outcomes[0].errmsg
    assert list(elsewhere.iterdir()) == []


# ---------------------------------------------------------------------------------------
# Disk full
# ---------------------------------------------------------------------------------------


async def test_disk_full_stops_everything_and_keeps_the_partial_files(
    http: httpx.AsyncClient, cdn: FakeCdn, dest: Path
) -> None:
    keys = [f"d{i}.bin" for i in range(6)]
    for key in keys:
        cdn.add(key, 2_000_000)  # over SMALL_FILE_BYTES: streamed to their .part files
    cdn.piece = 250_000
    write = disk_full_after(750_000)
    full = WritesThrough(write)
    with pytest.raises(DiskFullError) as caught:
        await make(http, cdn, dest, concurrency=2, files=full).run([good(cdn, k) for k in keys])

    error = caught.value
    assert "disk is full" in str(error)
    assert "partial files were kept" in str(error)
    assert len(error.outcomes) == len(keys)
    assert not any(o.ok for o in error.outcomes)
    assert {o.state for o in error.outcomes} <= {FileState.FAILED, FileState.CANCELLED}
    assert len(cdn.requests) <= 3  # nothing new was started after the disk filled up
    parts = part_files(dest)
    assert parts
    assert all(p.stat().st_size > 0 for p in parts)
    assert not any(tree(dest, k).exists() for k in keys)

    # With room again, the same run resumes the partial files instead of starting over.
    cdn.requests.clear()
    outcomes = await make(http, cdn, dest).run([good(cdn, k) for k in keys])
    assert all(o.ok for o in outcomes)
    assert any(r.headers.get("range") for r in cdn.requests)
    for key in keys:
        assert tree(dest, key).read_bytes() == cdn.files[key]


async def test_disk_full_while_small_files_are_written_keeps_what_reached_the_disk(
    http: httpx.AsyncClient, cdn: FakeCdn, dest: Path
) -> None:
    keys = [f"m{i}.bin" for i in range(6)]
    for key in keys:
        cdn.add(key, 400_000)
    write = disk_full_after(150_000)
    with pytest.raises(DiskFullError) as caught:
        await make(http, cdn, dest, concurrency=2, files=WritesThrough(write)).run(
            [good(cdn, k) for k in keys]
        )

    assert not any(o.ok for o in caught.value.outcomes)
    assert not any(tree(dest, k).exists() for k in keys)
    parts = part_files(dest)
    assert parts  # the piece that reached the disk became a partial file
    assert all(p.stat().st_size > 0 for p in parts)
    assert list((dest / STATE_DIR_NAME).glob("tmp/*")) == []

    cdn.requests.clear()
    outcomes = await make(http, cdn, dest).run([good(cdn, k) for k in keys])
    assert all(o.ok for o in outcomes)
    assert any(r.headers.get("range") for r in cdn.requests)
    for key in keys:
        assert tree(dest, key).read_bytes() == cdn.files[key]
    assert leftovers(dest) == []


async def test_unwritable_part_fails_that_file_only(
    http: httpx.AsyncClient, cdn: FakeCdn, dest: Path
) -> None:
    cdn.add("dir.bin", 10)
    cdn.add("open.bin", 10)

    class Refusing(FileOps):
        """An OSError other than a full disk for one file's partial file."""

        def open_part(self, path: Path, offset: int, buffer_size: int) -> PartFile:
            if path.name.startswith("dir.bin"):
                raise PermissionError(13, "Permission denied")
            return super().open_part(path, offset, buffer_size)

    outcomes = await make(http, cdn, dest, files=Refusing()).run(
        [good(cdn, "dir.bin"), good(cdn, "open.bin")]
    )

    assert [o.ok for o in outcomes] == [False, True]
    assert outcomes[0].errmsg.startswith("Cannot write")


# ---------------------------------------------------------------------------------------
# Existing files
# ---------------------------------------------------------------------------------------


async def test_rerun_makes_no_request_for_complete_files(
    http: httpx.AsyncClient, cdn: FakeCdn, dest: Path
) -> None:
    keys = ["a.bin", "b/c.bin"]
    for key in keys:
        cdn.add(key, 5_000)
    await make(http, cdn, dest).run([good(cdn, k) for k in keys])
    assert manifest_path(dest).is_file()
    cdn.requests.clear()

    outcomes = await make(http, cdn, dest).run([good(cdn, k) for k in keys])

    assert cdn.requests == []
    assert [o.state for o in outcomes] == [FileState.SKIPPED, FileState.SKIPPED]
    assert all(o.ok and o.bytes == 5_000 for o in outcomes)


async def test_skip_probes_an_unknown_existing_file_with_one_byte(
    http: httpx.AsyncClient, cdn: FakeCdn, dest: Path
) -> None:
    body = cdn.add("same.bin", 5_000)
    target = tree(dest, "same.bin")
    target.parent.mkdir(parents=True)
    target.write_bytes(body)
    stamp = target.stat().st_mtime_ns

    outcomes = await make(http, cdn, dest).run([good(cdn, "same.bin")])

    assert outcomes[0].state is FileState.SKIPPED
    assert outcomes[0].path == target
    (probe,) = cdn.requests
    assert probe.headers["range"] == "bytes=0-0"
    assert target.stat().st_mtime_ns == stamp
    cdn.requests.clear()
    await make(http, cdn, dest).run([good(cdn, "same.bin")])
    assert cdn.requests == []  # now vouched for by the manifest


async def test_skip_keeps_a_different_file_and_downloads_beside_it(
    http: httpx.AsyncClient, cdn: FakeCdn, dest: Path
) -> None:
    body = cdn.add("report.tar.gz", 5_000)
    target = tree(dest, "report.tar.gz")
    target.parent.mkdir(parents=True)
    target.write_bytes(b"mine, different")

    outcomes = await make(http, cdn, dest).run([good(cdn, "report.tar.gz")])

    beside = target.with_name("report (1).tar.gz")
    assert outcomes[0].ok
    assert outcomes[0].path == beside
    assert target.read_bytes() == b"mine, different"
    assert beside.read_bytes() == body
    cdn.requests.clear()
    again = await make(http, cdn, dest).run([good(cdn, "report.tar.gz")])
    assert again[0].path == beside
    assert cdn.requests == []

    # Even without the manifest, the copy beside is recognised (one probe, no body).
    manifest_path(dest).unlink()
    again = await make(http, cdn, dest).run([good(cdn, "report.tar.gz")])
    assert again[0].state is FileState.SKIPPED
    assert again[0].path == beside
    assert [r.headers.get("range") for r in cdn.requests] == ["bytes=0-0"]


async def test_rename_always_takes_a_new_name(
    http: httpx.AsyncClient, cdn: FakeCdn, dest: Path
) -> None:
    body = cdn.add("n.txt", 100)
    target = tree(dest, "n.txt")
    target.parent.mkdir(parents=True)
    target.write_bytes(body)

    outcomes = await make(http, cdn, dest, on_exists=OnExists.RENAME).run([good(cdn, "n.txt")])

    assert outcomes[0].path == target.with_name("n (1).txt")
    assert target.read_bytes() == body
    assert outcomes[0].path.read_bytes() == body


async def test_overwrite_replaces_the_file(
    http: httpx.AsyncClient, cdn: FakeCdn, dest: Path
) -> None:
    body = cdn.add("o.txt", 100)
    target = tree(dest, "o.txt")
    target.parent.mkdir(parents=True)
    target.write_bytes(b"old")

    outcomes = await make(http, cdn, dest, on_exists=OnExists.OVERWRITE).run([good(cdn, "o.txt")])

    assert outcomes[0].path == target
    assert target.read_bytes() == body
    assert sorted(p.name for p in target.parent.iterdir()) == ["o.txt"]


async def test_flat_layout_collisions_get_numbered_names_stable_across_runs(
    http: httpx.AsyncClient, cdn: FakeCdn, dest: Path
) -> None:
    keys = ["a/x.txt", "b/x.txt", "c/X.txt"]
    bodies = [cdn.add(k, 50 + i) for i, k in enumerate(keys)]

    outcomes = await make(http, cdn, dest, layout=Layout.FLAT).run([good(cdn, k) for k in keys])

    names = [o.path.name for o in outcomes if o.path]
    assert names[:2] == ["x.txt", "x (1).txt"]
    for outcome, body in zip(outcomes, bodies, strict=True):
        assert outcome.path is not None
        assert outcome.path.read_bytes() == body
        assert outcome.path.parent == dest
    cdn.requests.clear()
    again = await make(http, cdn, dest, layout=Layout.FLAT).run([good(cdn, k) for k in keys])
    assert [o.path for o in again] == [o.path for o in outcomes]
    assert cdn.requests == []


# ---------------------------------------------------------------------------------------
# Pause, resume, cancel
# ---------------------------------------------------------------------------------------


async def wait_for(condition: Callable[[], bool], limit: float = 5.0) -> None:
    """Poll a condition on files and progress (which have no event to wait on)."""
    async with asyncio.timeout(limit):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.005)


@pytest.fixture
def recorded_from_start(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files over SMALL_FILE_BYTES get their .part and sidecar from their first byte, as
    files of RECORDED_FROM or more do (tests of that path keep their bodies small)."""
    monkeypatch.setattr(engine, "RECORDED_FROM", SMALL_FILE_BYTES + 1)


@pytest.mark.usefixtures("recorded_from_start")
async def test_pause_keeps_the_part_and_resume_continues_with_range(
    http: httpx.AsyncClient, cdn: FakeCdn, dest: Path
) -> None:
    body = cdn.add("p.bin", 2_000_000)  # over SMALL_FILE_BYTES: its .part from the start
    cdn.piece = 20_000
    cdn.delay = 0.002
    part = part_path(tree(dest, "p.bin"))
    downloader = make(http, cdn, dest, chunk_size=4096)
    run = asyncio.create_task(downloader.run([good(cdn, "p.bin")]))

    await wait_for(lambda: part.exists() and part.stat().st_size >= 200_000)
    downloader.pause()
    assert downloader.paused
    await asyncio.sleep(0.05)
    held = part.stat().st_size
    assert downloader.progress()[0].state is FileState.PAUSED
    await asyncio.sleep(0.05)
    assert part.stat().st_size == held  # nothing moves while paused
    downloader.resume()
    outcomes = await run

    assert outcomes[0].ok
    assert tree(dest, "p.bin").read_bytes() == body
    ranges = [r.headers.get("range") for r in cdn.gets("p.bin")]
    assert ranges == [None, f"bytes={held}-"]


@pytest.mark.usefixtures("recorded_from_start")
async def test_cancel_keeps_partial_files_unless_asked(
    http: httpx.AsyncClient, cdn: FakeCdn, dest: Path
) -> None:
    for key in ("c1.bin", "c2.bin", "c3.bin"):
        cdn.add(key, 2_000_000)
    cdn.piece = 20_000
    cdn.delay = 0.002
    items = [good(cdn, k) for k in ("c1.bin", "c2.bin", "c3.bin")]
    part = part_path(tree(dest, "c1.bin"))

    downloader = make(http, cdn, dest, concurrency=1, chunk_size=4096)
    run = asyncio.create_task(downloader.run(items))
    await wait_for(lambda: part.exists() and part.stat().st_size > 0)
    downloader.cancel()
    outcomes = await run
    assert [o.state for o in outcomes] == [FileState.CANCELLED] * 3
    assert [o.errmsg for o in outcomes] == ["Cancelled"] * 3
    assert part.stat().st_size > 0
    assert sidecar_path(part).exists()

    downloader = make(http, cdn, dest, concurrency=1, chunk_size=4096)
    run = asyncio.create_task(downloader.run(items))
    held = part.stat().st_size
    await wait_for(lambda: done_bytes(downloader) > held + 100_000)
    downloader.cancel(discard_partial=True)
    await run
    assert leftovers(dest) == []


@pytest.mark.parametrize("size", [600_000, 2_000_000], ids=["in memory", "streamed"])
async def test_a_smaller_file_paused_midway_keeps_its_bytes_and_resumes_with_range(
    http: httpx.AsyncClient, cdn: FakeCdn, dest: Path, size: int
) -> None:
    """Under RECORDED_FROM a file is written in the engine's own folder (held in memory
    up to SMALL_FILE_BYTES, streamed to a temporary file above), with no .part beside
    its name and no sidecar; interrupted, what it holds becomes its .part (with a
    sidecar) and the next try resumes from there."""
    body = cdn.add("s.bin", size)
    assert len(body) < engine.RECORDED_FROM
    cdn.piece = 20_000
    cdn.delay = 0.002
    part = part_path(tree(dest, "s.bin"))
    downloader = make(http, cdn, dest)
    run = asyncio.create_task(downloader.run([good(cdn, "s.bin")]))

    await wait_for(lambda: done_bytes(downloader) >= 100_000)
    assert not part.exists()  # on its way in .tcb-gui/tmp, not beside its name
    downloader.pause()
    await wait_for(lambda: part.exists())
    held = part.stat().st_size
    assert held >= 100_000
    assert sidecar_path(part).exists()
    assert list((dest / STATE_DIR_NAME / "tmp").iterdir()) == []
    downloader.resume()
    outcomes = await run

    assert outcomes[0].ok
    assert tree(dest, "s.bin").read_bytes() == body
    assert [r.headers.get("range") for r in cdn.gets("s.bin")] == [None, f"bytes={held}-"]
    assert leftovers(dest) == []
    assert not (dest / STATE_DIR_NAME / "tmp").exists()  # removed at the end of the run


async def test_cancel_while_paused_ends_the_run(
    http: httpx.AsyncClient, cdn: FakeCdn, dest: Path
) -> None:
    cdn.add("q.bin", 1_000_000)
    cdn.piece = 20_000
    cdn.delay = 0.002
    downloader = make(http, cdn, dest)
    run = asyncio.create_task(downloader.run([good(cdn, "q.bin")]))
    await wait_for(lambda: done_bytes(downloader) > 0)
    downloader.pause()
    await asyncio.sleep(0.02)
    downloader.cancel()
    outcomes = await asyncio.wait_for(run, 5)
    assert outcomes[0].state is FileState.CANCELLED


# ---------------------------------------------------------------------------------------
# Progress and rate
# ---------------------------------------------------------------------------------------


async def test_progress_is_bounded_in_rate_and_complete_at_the_end(
    http: httpx.AsyncClient, cdn: FakeCdn, dest: Path
) -> None:
    keys = [f"g{i}.bin" for i in range(4)]
    for key in keys:
        cdn.add(key, 400_000)
    cdn.piece = 4_000  # 400 chunks overall: far more chunks than events
    cdn.delay = 0.001
    events: list[tuple[float, list[FileProgress], TotalProgress]] = []
    loop = asyncio.get_running_loop()

    def on_progress(files: Sequence[FileProgress], total: TotalProgress) -> None:
        events.append((loop.time(), list(files), total))

    interval = 0.05
    start = loop.time()
    outcomes = await make(http, cdn, dest, on_progress=on_progress, progress_interval=interval).run(
        [good(cdn, k) for k in keys]
    )
    elapsed = loop.time() - start

    assert all(o.ok for o in outcomes)
    assert len(events) <= elapsed / interval + 2
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(events[:-1])]
    assert all(gap >= interval * 0.8 for gap in gaps)
    final = events[-1][2]
    assert (final.files_done, final.files_failed, final.files_total) == (4, 0, 4)
    assert final.bytes_done == final.bytes_total == 1_600_000
    assert any(t.speed and t.eta is not None for _, _, t in events[:-1])
    assert any(f.speed for _, files, _ in events for f in files)
    last_state = {f.index: f.state for _, files, _ in events for f in files}
    assert last_state == dict.fromkeys(range(4), FileState.DONE)


def test_parse_rate() -> None:
    assert parse_rate("65536") == 65_536
    assert parse_rate("500K") == 500 * 1024
    assert parse_rate("2M") == 2 * 1024**2
    assert parse_rate("2m/s") == 2 * 1024**2
    assert parse_rate("1.5MiB") == int(1.5 * 1024**2)
    assert parse_rate("10MB") == 10_000_000
    assert parse_rate("1G") == 1024**3
    assert parse_rate("3kB") == 3000
    for bad in ("", "fast", "-1M", "0", "2X", "1.2.3M", "0.1"):
        with pytest.raises(InputError):
            parse_rate(bad)


async def test_token_bucket_holds_the_rate_on_a_fake_clock() -> None:
    now = 0.0

    def clock() -> float:
        return now

    async def sleep(seconds: float) -> None:
        nonlocal now
        now += seconds

    bucket = TokenBucket(1000, burst=100, clock=clock, sleep=sleep)
    for _ in range(100):
        await bucket.acquire(100)  # 10,000 bytes at 1,000 B/s
    assert now == pytest.approx(9.9)  # the first 100 bytes came from the initial burst

    # Idle time banks at most the burst.
    now += 60
    before = now
    await bucket.acquire(100)
    assert now == before
    await bucket.acquire(500)
    assert now == pytest.approx(before + 0.5)


async def test_limit_rate_slows_the_transfer(
    http: httpx.AsyncClient, cdn: FakeCdn, dest: Path
) -> None:
    cdn.add("slow.bin", 500_000)
    cdn.piece = 16_384
    loop = asyncio.get_running_loop()
    start = loop.time()
    outcomes = await make(http, cdn, dest, limit_rate=1_000_000).run([good(cdn, "slow.bin")])
    elapsed = loop.time() - start
    assert outcomes[0].ok
    # 500 kB at 1 MB/s, less the quarter second of burst the bucket starts with.
    assert elapsed >= 0.2


def test_outcome_report_for_a_failure() -> None:
    outcome = DownloadOutcome(fid("f"), False, None, 0, "boom", FileState.FAILED)
    assert outcome.report() == {
        "fileid": fid("f").raw,
        "ok": False,
        "path": None,
        "bytes": 0,
        "errmsg": "boom",
        "verified": None,
        "integrity": None,
        "encoding": None,
        "repaired": False,
    }


# ---------------------------------------------------------------------------------------
# Durability: the order of a batch's steps
# ---------------------------------------------------------------------------------------


class RecordingGroup:
    def __init__(self, events: list[str], ok: bool = True) -> None:
        self.events = events
        self.ok = ok

    def sync(self) -> bool:
        self.events.append("group sync" if self.ok else "group sync failed")
        return self.ok

    def close(self) -> None:
        self.events.append("closed")


def recording_placing(events: list[str], name: str, folder: Path) -> Placing:
    def write(sync: bool) -> None:
        events.append(f"write {name}" + (" + fsync" if sync else ""))

    def finish() -> tuple[Path, os.stat_result]:
        events.append(f"link {name}")
        return folder / name, os.stat(folder)

    return Placing(write, lambda: events.append(f"fsync {name}"), finish)


@pytest.mark.parametrize("group_ok", [True, False])
async def test_no_name_is_made_before_every_byte_of_the_batch_is_durable(
    tmp_path: Path, group_ok: bool
) -> None:
    events: list[str] = []

    class Files(FileOps):
        def fsync_dir(self, directory: Path) -> None:
            events.append(f"fsync folder {directory.name}")

    syncer = Syncer(Files())
    syncer._group = RecordingGroup(events, group_ok)  # type: ignore[assignment]
    # Held back until all three are queued: one batch.
    syncer._busy = syncer._workers
    names = ("a", "b", "c", "d")
    futures = [syncer.place(recording_placing(events, n, tmp_path)) for n in names]
    syncer._busy = 0
    syncer._launch(asyncio.get_running_loop())
    placed = await asyncio.gather(*futures)
    await syncer.close()

    assert [p[0].name for p in placed] == list(names)
    writes = [f"write {n}" for n in names]
    links = [f"link {n}" for n in names]
    if group_ok:
        assert events == [*writes, "group sync", *links, "group sync", "closed"]
    else:  # no group sync after all: each file, then its folder, on its own
        fsyncs = [f"fsync {n}" for n in names]
        assert events == [
            *writes, "group sync failed", *fsyncs, *links, f"fsync folder {tmp_path.name}",
            "closed",
        ]  # fmt: skip


@pytest.mark.parametrize("group", [False, True])
async def test_a_lone_file_or_no_group_sync_means_an_fsync_per_file_and_folder(
    tmp_path: Path, group: bool
) -> None:
    events: list[str] = []

    class Files(FileOps):
        def fsync_dir(self, directory: Path) -> None:
            events.append(f"fsync folder {directory.name}")

    syncer = Syncer(Files())
    if group:  # a batch of one: a group sync would also wait for other programs' writes
        syncer._group = RecordingGroup(events)  # type: ignore[assignment]
    placed = await syncer.place(recording_placing(events, "a", tmp_path))
    await syncer.close()
    assert placed[0].name == "a"
    assert events[:3] == ["write a + fsync", "link a", f"fsync folder {tmp_path.name}"]
