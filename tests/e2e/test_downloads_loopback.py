"""The download engine end to end: the real client and the demo service over loopback TCP.

Links come from ``TcbClient.resolve_all`` against the demo's batchdownloadfile, files from
its CDN route (Range, ETag, If-Range, links that expire, real cut connections). Every
file is compared byte for byte with ``samples.file_bytes``.
"""

from __future__ import annotations

import asyncio
import errno
import os
import signal
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

import httpx
import pytest

from tcb_gui.core.client import LinkResult, RetryPolicy, TcbClient, make_http_client
from tcb_gui.core.downloads import (
    SNIFF_BYTES,
    STATE_DIR_NAME,
    Downloader,
    DownloadOptions,
    DownloadOutcome,
    FileOps,
    FileProgress,
    FileState,
    Integrity,
    ProgressCallback,
    TotalProgress,
    sidecar_path,
)
from tcb_gui.core.downloads.files import MemoryPart
from tcb_gui.core.downloads.integrity import RunningCrc64
from tcb_gui.core.errors import ErrorKind
from tcb_gui.core.fileids import FileId, parse_fileid
from tcb_gui.core.paths import part_path
from tcb_gui.core.trace import CallKind, Outcome, TraceEvent, TraceHub
from tcb_gui.demo import samples
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DEMO_TOKEN, DemoConfig, DemoState
from tests.e2e.loopback_host import LoopbackHost
from tests.tls_helpers import loopback_certificate

# Fast backoff: a cut body resumes at once instead of after half a second.
QUICK_RETRY = RetryPolicy(max_tries=5, base_delay=0.01, max_delay=0.05)
HELPER = Path(__file__).with_name("download_kill_helper.py")
REPO = Path(__file__).resolve().parents[2]


def serve(config: DemoConfig | None = None) -> DemoServer:
    return DemoServer(DemoState(config or DemoConfig()))


def client_for(http: httpx.AsyncClient, server: DemoServer) -> TcbClient:
    return TcbClient(http, lambda: DEMO_TOKEN, base_url=server.base_url)


async def download(
    http: httpx.AsyncClient,
    server: DemoServer,
    ids: Sequence[FileId],
    dest: Path,
    *,
    on_progress: ProgressCallback | None = None,
    trace: TraceHub | None = None,
    **options: object,
) -> list[DownloadOutcome]:
    """Resolve with the real client, then download, refreshing links through it."""
    client = client_for(http, server)
    links = await client.resolve_all(ids)
    opts = DownloadOptions(dest=dest, retry=QUICK_RETRY, **options)  # type: ignore[arg-type]
    downloader = Downloader(
        http,
        client.resolve_all,
        opts,
        on_progress=on_progress,
        progress_interval=0.02,
        trace=trace,
    )
    return await downloader.run(links)


def downloadable_samples() -> list[FileId]:
    """Sample IDs the demo serves (not private, not missing, bucket of their own env)."""
    found = []
    for raw in samples.sample_ids():
        fid = parse_fileid(raw)
        env = samples.env_by_name(fid.env)
        if env is None or env.bucket != fid.bucket or samples.is_private(fid.key):
            continue
        if samples.file_size(fid.bucket, fid.key) is not None:
            found.append(fid)
    return found


def gen_ids(count: int, prefix: str, env: samples.DemoEnv = samples.TEST) -> list[FileId]:
    return [parse_fileid(env.fileid(f"{prefix}/{n:03d}.bin")) for n in range(count)]


def expected(fid: FileId) -> bytes:
    return samples.file_bytes(fid.bucket, fid.key)


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def leftovers(dest: Path) -> list[Path]:
    return [p for p in dest.rglob("*") if p.name.endswith((".part", ".part.json", ".tmp"))]


def demo_gets(state: DemoState, key: str | None = None) -> list[tuple[str | None, int]]:
    return [
        (r.range, r.status)
        for r in state.stats.downloads
        if r.method == "GET" and (key is None or r.key == key)
    ]


async def test_300_files_with_cut_bodies_then_a_rerun_that_requests_nothing(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    ids = downloadable_samples()
    ids += gen_ids(300 - len(ids), "gen/size-20K/batch")
    assert len(ids) == 300
    dest = tmp_path / "dest"
    with serve(DemoConfig(download_cut_rate=0.34, seed=4)) as server:
        state = server.state
        outcomes = await download(http, server, ids, dest, concurrency=8)

        failed = [(o.fileid.raw, o.errmsg) for o in outcomes if not o.ok]
        assert failed == []
        root = dest.resolve()
        for fid, outcome in zip(ids, outcomes, strict=True):
            assert outcome.fileid == fid
            assert outcome.state is FileState.DONE
            assert outcome.path is not None
            assert outcome.path.resolve().is_relative_to(root)
            assert outcome.path.read_bytes() == expected(fid), fid.raw
        # Plain keys (spaces, Chinese included) land under their own names.
        by_key = {o.fileid.key: o.path for o in outcomes}
        for key in ("图片/春节 海报.png", "docs/年度报告 2023.pdf", "special/price $5 & up.txt"):
            assert by_key[key] == dest / samples.PROD.env / key
        assert by_key["fixtures/空格 和 中文/数据 1.json"] == (
            dest / samples.TEST.env / "fixtures/空格 和 中文/数据 1.json"
        )
        # Hostile keys: sanitised, inside the folder, nothing beside it.
        assert by_key["../../etc/passwd"] == dest / samples.PROD.env / "__/__/etc/passwd"
        assert names(tmp_path) == ["dest"]
        assert leftovers(dest) == []
        # A third of the bodies were cut; each went on from its last byte with a Range,
        # except where the cut came inside the first bytes the engine holds back until
        # it knows the body is not an HTML page (then nothing was written: from 0).
        records = state.stats.downloads
        cut = [(i, r) for i, r in enumerate(records) if r.fault == "cut"]
        assert len(cut) >= 70
        for i, record in cut:
            following = next(r for r in records[i + 1 :] if r.key == record.key)
            size = samples.file_size(record.bucket, record.key) or 0
            if size // 2 >= SNIFF_BYTES:
                assert following.range == f"bytes={size // 2}-", record.key
                assert following.status == 206
            else:
                assert following.range is None

        before = len(state.stats.downloads)
        again = await download(http, server, ids, dest, concurrency=8)
        assert [o.state for o in again] == [FileState.SKIPPED] * 300
        assert [o.path for o in again] == [o.path for o in outcomes]
        assert len(state.stats.downloads) == before  # not one download request


async def test_an_existing_different_file_is_kept_and_the_new_one_goes_beside_it(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    readme = parse_fileid(samples.PROD.fileid("docs/README.txt"))
    same = parse_fileid(samples.PROD.fileid("docs/report final v1.pdf"))
    dest = tmp_path / "dest"
    mine = dest / readme.env / "docs" / "README.txt"
    mine.parent.mkdir(parents=True)
    mine.write_bytes(b"my own notes, not the server's")
    (dest / same.env / "docs" / "report final v1.pdf").write_bytes(expected(same))
    with serve() as server:
        outcomes = await download(http, server, [readme, same], dest)

        assert mine.read_bytes() == b"my own notes, not the server's"
        assert outcomes[0].path == mine.with_name("README (1).txt")
        assert outcomes[0].path.read_bytes() == expected(readme)
        assert outcomes[1].state is FileState.SKIPPED
        # The complete copy cost one probe of one byte, never the file's body.
        assert demo_gets(server.state, same.key) == [("bytes=0-0", 206)]


async def test_links_expiring_mid_run_are_refreshed(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    ids = gen_ids(24, "gen/size-200K/expiring")
    with serve() as server:
        state = server.state
        moved = False

        def on_progress(_files: Sequence[FileProgress], total: TotalProgress) -> None:
            nonlocal moved
            if not moved and total.files_done >= 4:
                moved = True
                state.now = lambda: time.time() + 3 * 3600  # every link given so far expires

        outcomes = await download(
            http, server, ids, tmp_path, on_progress=on_progress, concurrency=2, limit_rate=4 << 20
        )

        assert moved
        assert all(o.ok for o in outcomes), [o.errmsg for o in outcomes if not o.ok]
        for fid, outcome in zip(ids, outcomes, strict=True):
            assert outcome.path is not None
            assert outcome.path.read_bytes() == expected(fid)
        assert any(status == 403 for _, status in demo_gets(state))
        assert state.stats.requests["componenttcb/batchdownloadfile"] >= 2


async def test_a_server_without_range_support_still_completes(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    ids = gen_ids(20, "gen/size-300K/norange")
    with serve(DemoConfig(range_support=False, download_cut_rate=0.5, seed=1)) as server:
        outcomes = await download(http, server, ids, tmp_path, concurrency=4)

        assert all(o.ok for o in outcomes)
        for fid, outcome in zip(ids, outcomes, strict=True):
            assert outcome.path is not None
            assert outcome.path.read_bytes() == expected(fid)
        statuses = {status for _, status in demo_gets(server.state)}
        assert statuses == {200}
        assert server.state.stats.faults["cut"] >= 5
        assert leftovers(tmp_path) == []


async def test_error_pages_and_server_errors_are_never_saved(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    photo = parse_fileid(samples.PROD.fileid("图片/端午 龙舟.jpg"))
    gone = parse_fileid(samples.PROD.fileid("docs/report final v2.pdf"))
    with serve() as server:
        server.state.script_faults("download", ["html200", "500", "403"])
        outcomes = await download(http, server, [photo], tmp_path, concurrency=1)
        assert outcomes[0].ok
        assert outcomes[0].path is not None
        assert outcomes[0].path.read_bytes() == expected(photo)
        assert [s for _, s in demo_gets(server.state)] == [200, 500, 403, 200]

        server.state.script_faults("download", ["html404"])
        outcomes = await download(http, server, [gone], tmp_path, concurrency=1)
        assert not outcomes[0].ok
        assert "404" in outcomes[0].errmsg
        target = tmp_path / gone.env / "docs" / "report final v2.pdf"
        assert not target.exists()
        assert not part_path(target).exists()


async def kill_helper_once(
    server: DemoServer, fid: FileId, dest: Path, rate: int, far_enough: Callable[[], bool]
) -> None:
    """Run ``download_kill_helper.py`` on one file at ``rate`` bytes/s and SIGKILL it as
    soon as ``far_enough()`` (within 30 s)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen(  # noqa: ASYNC220 - a child to kill, not to wait for
        [sys.executable, str(HELPER), server.base_url, fid.raw, str(dest), str(rate)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(30):
            while not far_enough():
                assert child.poll() is None, child.stderr.read() if child.stderr else ""
                await asyncio.sleep(0.02)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        if child.stderr:
            child.stderr.close()
    assert child.returncode == -signal.SIGKILL


async def test_sigkill_mid_download_then_rerun_resumes_with_range(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    fid = parse_fileid(samples.TEST.fileid("gen/size-200M/killed.bin"))
    target = tmp_path / fid.env / fid.key
    part = part_path(target)
    with serve() as server:

        def far_enough() -> bool:
            return part.exists() and part.stat().st_size >= 6 << 20

        await kill_helper_once(server, fid, tmp_path, 16 << 20, far_enough)
        kept = part.stat().st_size
        assert 0 < kept < 200 << 20
        assert sidecar_path(part).exists()
        assert not target.exists()

        outcomes = await download(http, server, [fid], tmp_path)

        assert outcomes[0].ok
        gets = server.state.stats.downloads
        assert [r.range for r in gets if r.method == "GET"] == [None, f"bytes={kept}-"]
        assert gets[-1].status == 206
        assert gets[-1].if_range == samples.file_etag(fid.bucket, fid.key)
        assert target.stat().st_size == 200 << 20
        with target.open("rb") as f:
            for start in range(0, 200 << 20, 8 << 20):
                chunk = f.read(8 << 20)
                assert chunk == samples.file_bytes(fid.bucket, fid.key, start, start + len(chunk))
        assert leftovers(tmp_path) == []


async def test_sigkill_mid_download_of_a_file_without_a_sidecar_then_rerun_starts_it_over(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    # Under RECORDED_FROM a file streams into the engine's own folder with no sidecar:
    # killed, nothing runs to move its bytes beside its name. Nothing half-written is
    # ever under the file's name or its .part's; the next run clears the leftovers and
    # fetches the file whole.
    fid = parse_fileid(samples.TEST.fileid("gen/size-5M/killed.bin"))
    target = tmp_path / fid.env / fid.key
    tmp = tmp_path / STATE_DIR_NAME / "tmp"
    with serve() as server:

        def streamed() -> int:
            return sum(p.stat().st_size for p in tmp.glob("*.part")) if tmp.is_dir() else 0

        await kill_helper_once(server, fid, tmp_path, 1 << 20, lambda: streamed() >= 1 << 20)
        assert 0 < streamed() < 5 << 20
        assert not target.exists()
        assert not part_path(target).exists()
        assert not sidecar_path(part_path(target)).exists()

        outcomes = await download(http, server, [fid], tmp_path)

        assert outcomes[0].ok, outcomes[0].errmsg
        gets = server.state.stats.downloads
        assert [r.range for r in gets if r.method == "GET"] == [None, None]
        assert target.read_bytes() == samples.file_bytes(fid.bucket, fid.key, 0, 5 << 20)
        assert leftovers(tmp_path) == []
        assert not tmp.exists()


async def test_over_the_wire_every_file_request_is_one_trace_event_without_its_signature(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    ids = gen_ids(30, "gen/size-100K/traced")
    hub = TraceHub()
    events: list[TraceEvent] = []
    hub.add(events.append)
    with serve(DemoConfig(download_cut_rate=0.3, seed=7)) as server:
        server.state.script_faults("download", ["500", "403"])
        outcomes = await download(http, server, ids, tmp_path, concurrency=4, trace=hub)

        assert all(o.ok for o in outcomes)
        gets = [r for r in server.state.stats.downloads if r.method == "GET"]
        files = [e for e in events if e.kind is CallKind.FILE]
        assert len(files) == len(gets) > len(ids)
        assert sorted(e.http_status or 0 for e in files) == sorted(r.status for r in gets)
        assert {e.outcome for e in files} == {Outcome.OK, Outcome.RETRY}
        cut = [e for e in files if e.outcome is Outcome.RETRY and e.http_status == 200]
        assert cut
        assert all(0 < (e.bytes or 0) < 100 << 10 for e in cut)
        for event in files:
            assert "sign=***" in event.url
            assert event.endpoint.startswith("/download/")
            assert "?" not in event.endpoint


async def test_the_rate_limit_holds_for_small_files_over_the_wire(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    """Small bodies arrive in one read; the debt they leave is still waited out."""
    ids = gen_ids(16, "gen/size-100K/limited")
    rate = 2 << 20
    with serve() as server:
        started = time.monotonic()
        outcomes = await download(http, server, ids, tmp_path, concurrency=4, limit_rate=rate)
        elapsed = time.monotonic() - started

    assert all(o.ok for o in outcomes)
    total = 16 * (100 << 10)
    # The bucket starts with a quarter second of burst.
    assert elapsed >= (total - rate / 4) / rate * 0.9


# -- the engine's own HTTP/1.1 client (core.wire) against a raw server --------------------


Respond = Callable[[str, asyncio.StreamWriter], Awaitable[bool]]  # key → keep the connection


class RawServer(LoopbackHost):
    """Answers each request with hand-written bytes; counts connections and requests."""

    def __init__(self, respond: Respond, context: ssl.SSLContext | None = None) -> None:
        super().__init__(context)
        self.respond = respond
        self.connections = 0
        self.requests: list[str] = []

    async def refresh(self, ids: Sequence[FileId]) -> list[LinkResult]:
        raise AssertionError("no link should need refreshing")

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                key = head.split(b" ", 2)[1].decode().split("?", 1)[0].lstrip("/")
                self.requests.append(key)
                if not await self.respond(key, writer):
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def body_of(key: str, size: int) -> bytes:
    return (key.encode() * (size // max(1, len(key)) + 1))[:size]


async def wire_download(
    http: httpx.AsyncClient, server: RawServer, keys: Sequence[str], dest: Path, **options: object
) -> list[DownloadOutcome]:
    opts = DownloadOptions(dest=dest, retry=QUICK_RETRY, **options)  # type: ignore[arg-type]
    scheme = "https" if server.context is not None else "http"
    downloader = Downloader(http, server.refresh, opts)
    return await downloader.run([server.link(k, scheme) for k in keys])


async def test_the_wire_reads_chunked_interim_and_until_close_answers(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    async def respond(key: str, writer: asyncio.StreamWriter) -> bool:
        data = body_of(key, 300_000)
        if key == "chunked.bin":
            writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            for start in range(0, len(data), 70_001):
                piece = data[start : start + 70_001]
                writer.write(f"{len(piece):x};ext=1\r\n".encode() + piece + b"\r\n")
                await writer.drain()
            writer.write(b"0\r\nX-Trailer: yes\r\n\r\n")
            return True
        if key == "interim.bin":
            writer.write(
                b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n"
            )
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(data) + data)
            return True
        # Neither a length nor chunks: the body ends with the connection.
        writer.write(b"HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n")
        writer.write(data)
        await writer.drain()
        return False

    keys = ["chunked.bin", "interim.bin", "close.bin"]
    async with RawServer(respond) as server:
        outcomes = await wire_download(http, server, keys, tmp_path, concurrency=1)

    assert [o.ok for o in outcomes] == [True, True, True], [o.errmsg for o in outcomes]
    for key, outcome in zip(keys, outcomes, strict=True):
        assert outcome.path is not None
        assert outcome.path.read_bytes() == body_of(key, 300_000), key
    assert server.requests == keys  # each fetched once: nothing was cut


async def test_the_wire_keeps_connections_and_replaces_one_the_server_closed_meanwhile(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    served = 0

    async def respond(key: str, writer: asyncio.StreamWriter) -> bool:
        nonlocal served
        served += 1
        data = body_of(key, 20_000)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(data) + data)
        await writer.drain()
        # Every third answer, the server drops the kept-alive connection a moment later,
        # without saying so: the next request on it meets a closed connection.
        if served % 3 == 0:
            await asyncio.sleep(0.01)
            return False
        return True

    keys = [f"k/{n:02d}.bin" for n in range(30)]
    hub = TraceHub()
    events: list[TraceEvent] = []
    hub.add(events.append)
    async with RawServer(respond) as server:
        opts = DownloadOptions(dest=tmp_path, retry=QUICK_RETRY, concurrency=2)
        downloader = Downloader(http, server.refresh, opts, trace=hub)
        outcomes = await downloader.run([server.link(k) for k in keys])

    assert all(o.ok for o in outcomes)
    assert server.connections < len(keys)  # kept alive between files
    assert len(server.requests) == len(keys)  # a closed connection cost no file a retry
    assert {e.outcome for e in events} == {Outcome.OK}


async def test_the_wire_over_tls_checks_the_certificate_with_the_shared_clients_context(
    tmp_path: Path,
) -> None:
    cert, served = await loopback_certificate(tmp_path)

    async def respond(key: str, writer: asyncio.StreamWriter) -> bool:
        data = body_of(key, 2_500_000)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(data) + data)
        await writer.drain()
        return True

    trusting = ssl.create_default_context(cafile=str(cert))
    async with RawServer(respond, served) as server:
        async with make_http_client(verify=trusting) as http:
            outcomes = await wire_download(http, server, ["t/a.bin", "t/b.bin"], tmp_path / "ok")
        async with make_http_client() as http:  # the public roots: this certificate fails
            refused = await wire_download(http, server, ["t/c.bin"], tmp_path / "no")

    assert all(o.ok for o in outcomes)
    for outcome, key in zip(outcomes, ["t/a.bin", "t/b.bin"], strict=True):
        assert outcome.path is not None
        assert outcome.path.read_bytes() == body_of(key, 2_500_000)
    assert not refused[0].ok
    # Named for what failed (it was "could not connect", which sent users to a network
    # that works), and failed at once: every try would meet the same certificate.
    assert refused[0].errmsg == "Network error: the certificate is not trusted: it is self-signed"
    assert refused[0].kind is ErrorKind.NETWORK  # exit 4; Retry failed takes it


async def test_small_files_reuse_the_buffers_of_files_already_on_disk(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    """A small file's memory is handed to the next small file once its bytes are on the
    disk (``BufferPool``), and every file still gets exactly its own bytes."""
    sizes = [300_000, 280_000, 310_000, 500_000, 290_000, 65_536 * 3, 400_000, 100_000]
    keys = [f"r/{n}.bin" for n in range(len(sizes))]
    size_of = dict(zip(keys, sizes, strict=True))
    buffers: list[bytearray] = []  # kept alive, so two distinct buffers never share an id

    class Recording(FileOps):
        def write_whole(self, part: MemoryPart, *, sync: bool = True) -> None:
            buffers.append(part.buffer)
            super().write_whole(part, sync=sync)

    async def respond(key: str, writer: asyncio.StreamWriter) -> bool:
        # Time for the file before to be put in place (its buffer comes back then).
        await asyncio.sleep(0.1)
        data = body_of(key, size_of[key])
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(data) + data)
        await writer.drain()
        return True

    async with RawServer(respond) as server:
        opts = DownloadOptions(dest=tmp_path, retry=QUICK_RETRY, concurrency=1)
        downloader = Downloader(http, server.refresh, opts, files=Recording())
        outcomes = await downloader.run([server.link(k) for k in keys])

    assert all(o.ok for o in outcomes)
    for outcome, key in zip(outcomes, keys, strict=True):
        assert outcome.path is not None
        assert outcome.path.read_bytes() == body_of(key, size_of[key])
    assert len(buffers) == len(keys)
    assert len({id(b) for b in buffers}) < len(keys)  # some file reused a buffer


async def test_a_lent_buffer_receives_the_body_in_place_and_nothing_after_it(
    tmp_path: Path,
) -> None:
    """``wire``: with ``lend``, a length-framed body is read into the caller's memory (the
    sink is handed views of it), never past the announced length, whatever follows."""
    from tcb_gui.core.wire import WireClient, parse_target

    size = 700_000
    data = body_of("lent.bin", size)

    async def respond(key: str, writer: asyncio.StreamWriter) -> bool:
        head = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size
        writer.write(head + data[:100])  # a little of the body arrives with the head
        await writer.drain()
        await asyncio.sleep(0.05)
        writer.write(data[100:] + b"NOT THE FILE" * 1000)  # more than announced
        await writer.drain()
        return True

    memory = bytearray(b"\xee" * (size + 50_000))
    received: list[tuple[bool, int]] = []  # (in the lent memory, length) per piece
    where = 0

    def sink(piece: memoryview) -> None:
        nonlocal where
        in_place = piece.obj is memory
        if not in_place:
            memory[where : where + len(piece)] = piece
        received.append((in_place, len(piece)))
        where += len(piece)

    def lend() -> memoryview:
        return memoryview(memory)[where:]

    async with RawServer(respond) as server:
        wire = WireClient(user_agent="test", ssl_context=ssl.create_default_context)
        url = server.link("lent.bin").download_url
        assert url is not None
        target = parse_target(url)
        assert target is not None
        response = await wire.get(target, [], url)
        await response.read_body(sink, lend)
        await response.aclose()
        wire.close()

    assert bytes(memory[:size]) == data
    assert bytes(memory[size:]) == b"\xee" * 50_000  # nothing past the body
    assert sum(n for _, n in received) == size
    assert received[0] == (False, 100)  # what came with the head is handed over as is
    assert all(in_place for in_place, _ in received[1:])


LARGE = 12 * 1024 * 1024  # over BACKGROUND_WRITES_FROM: written by a worker thread


def large_answer(
    sizes: dict[str, int], *, crc: bool = False
) -> Callable[[str, asyncio.StreamWriter], Awaitable[bool]]:
    async def respond(key: str, writer: asyncio.StreamWriter) -> bool:
        data = body_of(key, sizes[key])
        running = RunningCrc64()
        running.update(data)
        checksum = b"X-Cos-Hash-Crc64ecma: %d\r\n" % running.value if crc else b""
        writer.write(b"HTTP/1.1 200 OK\r\n%bContent-Length: %d\r\n\r\n" % (checksum, len(data)))
        for start in range(0, len(data), 1 << 20):
            writer.write(data[start : start + (1 << 20)])
            await writer.drain()
        return True

    return respond


async def test_a_large_body_is_written_by_a_worker_thread_byte_exact(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    from tcb_gui.core.downloads import PartFile
    from tcb_gui.core.downloads.engine import BACKGROUND_WRITES_FROM

    assert LARGE >= BACKGROUND_WRITES_FROM
    sizes = {"big/a.bin": LARGE, "big/b.bin": LARGE + 12_345, "big/c.bin": 3_000_000}
    writers: dict[str, set[str]] = {}

    class Watched(PartFile):
        def _write_now(self, data: bytes | bytearray | memoryview) -> None:
            writers.setdefault(self.path.name, set()).add(threading.current_thread().name)
            super()._write_now(data)

    class Files(FileOps):
        def open_part(self, path: Path, offset: int, buffer_size: int) -> PartFile:
            return Watched(path, offset, buffer_size)

    async with RawServer(large_answer(sizes, crc=True)) as server:
        opts = DownloadOptions(dest=tmp_path, retry=QUICK_RETRY, concurrency=2)
        downloader = Downloader(http, server.refresh, opts, files=Files())
        outcomes = await downloader.run([server.link(k) for k in sizes])

    assert all(o.ok for o in outcomes)
    assert all(o.integrity is Integrity.VERIFIED for o in outcomes)  # CRC-64 as it streamed
    for outcome, (key, size) in zip(outcomes, sizes.items(), strict=True):
        assert outcome.path is not None
        assert outcome.path.read_bytes() == body_of(key, size)
    # The first large body is written by the event loop; one received meanwhile by a
    # worker thread (none of its writes by the loop); a small one always by the loop.
    # (c.bin, under RECORDED_FROM, streams to a temporary name in the engine's folder.)
    loop_thread = threading.current_thread().name
    large = sorted(sorted(writers[name]) for name in ("a.bin.part", "b.bin.part"))
    assert large == sorted([["download-write"], [loop_thread]])
    [smaller] = [name for name in writers if name.startswith("c.bin.")]
    assert writers[smaller] == {loop_thread}


async def test_a_full_disk_met_by_the_writing_thread_stops_the_run_keeping_the_part(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    from tcb_gui.core.downloads import DiskFullError, PartFile

    sizes = {"full/a.bin": LARGE}
    room = 5 * 1024 * 1024

    class Filling(PartFile):
        def _write_now(self, data: bytes | bytearray | memoryview) -> None:
            if self.stat_size() + len(data) > room:
                raise OSError(errno.ENOSPC, "No space left on device")
            super()._write_now(data)

        def stat_size(self) -> int:
            return os.path.getsize(self.path)

    class Files(FileOps):
        def open_part(self, path: Path, offset: int, buffer_size: int) -> PartFile:
            return Filling(path, offset, buffer_size)

    async with RawServer(large_answer(sizes)) as server:
        opts = DownloadOptions(dest=tmp_path, retry=QUICK_RETRY, concurrency=1)
        downloader = Downloader(http, server.refresh, opts, files=Files())
        with pytest.raises(DiskFullError) as caught:
            await downloader.run([server.link(k) for k in sizes])

    assert not caught.value.outcomes[0].ok
    part = tmp_path / "env-a" / "full" / "a.bin.part"
    kept = part.read_bytes()
    assert 0 < len(kept) <= room
    assert kept == body_of("full/a.bin", LARGE)[: len(kept)]  # in order, nothing skipped
    assert sidecar_path(part).exists()  # a later run resumes it
