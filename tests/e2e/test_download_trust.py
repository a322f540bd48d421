"""Downloads you can trust (issue 10): hostile hosts and names over real loopback HTTP.

Each test serves files from a small HTTP/1.1 server on 127.0.0.1 whose misbehaviour the
test scripts (ignoring If-Range, changing the file, gzip regardless of Accept-Encoding,
stalling, wrong checksums), runs the real engine over the real ``httpx`` client, and
compares every byte on disk. A file reported ok must be the file on the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import gzip
import hashlib
import json
import os
import socket
import threading
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from fastcrc import crc64

from tcb_gui.core.client import RetryPolicy, TcbClient
from tcb_gui.core.downloads import (
    CRC64_HEADER,
    MANIFEST_NAME,
    STATE_DIR_NAME,
    Downloader,
    DownloadOptions,
    DownloadOutcome,
    FileOps,
    FileState,
    FolderBusyError,
    Integrity,
    Layout,
    PartFile,
    VerifyState,
    verify_folder,
)
from tcb_gui.core.errors import ErrorKind
from tcb_gui.core.fileids import FileId, parse_fileid
from tcb_gui.demo import samples
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DEMO_TOKEN, DemoConfig, DemoState
from tests.e2e.loopback_host import LoopbackHost

ENV = "env-a"
BUCKET = "bucket-1"
QUICK_RETRY = RetryPolicy(max_tries=4, base_delay=0.01, max_delay=0.02)


def content_of(key: str, size: int, version: int = 1) -> bytes:
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(f"{key}:{version}:{counter}".encode()).digest()
        counter += 1
    return bytes(out[:size])


def fid(key: str) -> FileId:
    return parse_fileid(f"cloud://{ENV}.{BUCKET}/{key}")


# -- a scriptable HTTP/1.1 server -----------------------------------------------------------


@dataclass
class Request:
    method: str
    key: str
    headers: dict[str, str]


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    # Bytes of the body actually sent before the connection closes (None: all).
    cut_after: int | None = None
    # After the first ``burst`` bytes, the rest in pieces of ``piece`` bytes with
    # ``pause`` seconds between them (a trickle).
    burst: int = 0
    piece: int | None = None
    pause: float = 0.0


Handler = Callable[[Request], Awaitable[Reply] | Reply]


class Loopback(LoopbackHost):
    """One handler answers every GET; each request is recorded."""

    def __init__(self, handler: Handler) -> None:
        super().__init__()
        self.handler = handler
        self.requests: list[Request] = []

    def fileid_of(self, key: str) -> FileId:
        return fid(key)

    def gets(self, key: str) -> list[Request]:
        return [r for r in self.requests if r.key == key]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            line, *lines = head.decode("latin-1").split("\r\n")
            method, target, _ = line.split(" ", 2)
            headers = {}
            for text in lines:
                if ":" in text:
                    name, _, value = text.partition(":")
                    headers[name.strip().lower()] = value.strip()
            request = Request(method, target.split("?", 1)[0].lstrip("/"), headers)
            self.requests.append(request)
            reply = self.handler(request)
            if not isinstance(reply, Reply):
                reply = await reply
            await self._send(writer, reply)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    @staticmethod
    async def _send(writer: asyncio.StreamWriter, reply: Reply) -> None:
        headers = {"content-length": str(len(reply.body)), "connection": "close"}
        headers.update(reply.headers)
        head = f"HTTP/1.1 {reply.status} X\r\n" + "".join(
            f"{k}: {v}\r\n" for k, v in headers.items()
        )
        writer.write(head.encode("latin-1") + b"\r\n")
        # With cut_after, the connection closes early: fewer bytes than announced.
        body = reply.body if reply.cut_after is None else reply.body[: reply.cut_after]
        writer.write(body[: reply.burst])
        piece = reply.piece or len(body) or 1
        for start in range(reply.burst, len(body), piece):
            writer.write(body[start : start + piece])
            await writer.drain()
            if reply.pause:
                await asyncio.sleep(reply.pause)
        await writer.drain()


def serve_file(
    request: Request,
    data: bytes,
    *,
    etag: str = '"v1"',
    honour_if_range: bool = True,
    extra: dict[str, str] | None = None,
) -> Reply:
    """A well-behaved answer (200, or 206 for a single ``bytes=N-`` range)."""
    headers = {"etag": etag, "content-type": "application/octet-stream", **(extra or {})}
    wanted = request.headers.get("range")
    if_range = request.headers.get("if-range")
    if wanted and (not honour_if_range or if_range in (None, etag)):
        start = int(wanted.removeprefix("bytes=").split("-")[0])
        if start >= len(data):
            return Reply(416, {"content-range": f"bytes */{len(data)}"})
        headers["content-range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
        return Reply(206, headers, data[start:])
    return Reply(200, headers, data)


async def run(
    http: httpx.AsyncClient,
    server: Loopback,
    keys: Sequence[str],
    dest: Path,
    **options: object,
) -> list[DownloadOutcome]:
    opts = DownloadOptions(dest=dest, retry=QUICK_RETRY, **options)  # type: ignore[arg-type]
    downloader = Downloader(http, server.refresh, opts, progress_interval=0.02)
    return await downloader.run([server.link(k) for k in keys])


def saved(dest: Path, key: str) -> Path:
    return dest / ENV / Path(*key.split("/"))


def crc_header(data: bytes) -> dict[str, str]:
    return {CRC64_HEADER: str(crc64.xz(data))}


# -- 1. partial files that can only be ours ------------------------------------------------


async def test_keys_named_like_a_part_file_and_its_file_are_both_saved_whole(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    files = {
        "data/foo.part": content_of("a", 70_000),
        "data/foo": content_of("b", 90_000),
        "data/foo.part.json": content_of("c", 500),
    }
    async with Loopback(lambda r: serve_file(r, files[r.key])) as server:
        for order in (list(files), list(reversed(files))):
            dest = tmp_path / f"d{len(order)}{order[0].count('.')}"
            outcomes = await run(http, server, order, dest, concurrency=1)
            assert all(o.ok for o in outcomes), outcomes
            for key, data in files.items():
                assert saved(dest, key).read_bytes() == data, key


async def test_a_part_file_of_somebody_else_is_left_alone(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    data = content_of("f", 100_000)
    theirs = b"a browser's half download, not ours" * 100
    async with Loopback(lambda r: serve_file(r, data)) as server:
        target = saved(tmp_path, "p/file.bin")
        target.parent.mkdir(parents=True)
        target.with_name("file.bin.part").write_bytes(theirs)

        outcomes = await run(http, server, ["p/file.bin"], tmp_path)

    assert outcomes[0].ok
    assert target.read_bytes() == data
    assert target.with_name("file.bin.part").read_bytes() == theirs
    assert all("range" not in r.headers for r in server.requests)  # nothing "resumed"


async def test_a_part_whose_sidecar_names_another_file_is_not_resumed(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    data = content_of("g", 50_000)
    async with Loopback(lambda r: serve_file(r, data)) as server:
        target = saved(tmp_path, "p/g.bin")
        target.parent.mkdir(parents=True)
        part = target.with_name("g.bin.part")
        part.write_bytes(b"x" * 1000)
        sidecar = {"fileid": fid("p/other.bin").raw, "validator": '"v1"', "total": 50_000}
        target.with_name("g.bin.part.json").write_text(json.dumps(sidecar))

        outcomes = await run(http, server, ["p/g.bin"], tmp_path)

    assert outcomes[0].ok
    assert target.read_bytes() == data
    assert all("range" not in r.headers for r in server.requests)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
@pytest.mark.parametrize("planted", ["sidecar", "manifest"])
async def test_a_named_pipe_at_one_of_the_engines_names_stops_nothing(
    http: httpx.AsyncClient, tmp_path: Path, planted: str
) -> None:
    # Opening a FIFO to read it waits for a writer: on the event loop's thread (a sidecar)
    # that froze the whole run (and the window), in a thread (the manifest) the run.
    data = content_of("q", 2_000_000)  # a large file: its partial file has a sidecar
    target = saved(tmp_path, "q/q.bin")
    target.parent.mkdir(parents=True)
    (tmp_path / STATE_DIR_NAME).mkdir()
    pipe = target.with_name("q.bin.part.json")
    if planted == "manifest":
        pipe = tmp_path / STATE_DIR_NAME / MANIFEST_NAME
    os.mkfifo(pipe)
    rescued = threading.Event()

    def rescue() -> None:  # without the fix: let each blocked open go on, and say so
        if finished.wait(5):
            return
        rescued.set()
        while not finished.wait(0.1):
            with contextlib.suppress(OSError):
                os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))

    finished = threading.Event()
    threading.Thread(target=rescue, daemon=True).start()
    try:
        async with Loopback(lambda r: serve_file(r, data)) as server:
            outcomes = await run(http, server, ["q/q.bin"], tmp_path)
    finally:
        finished.set()

    assert not rescued.is_set()
    assert outcomes[0].ok
    assert target.read_bytes() == data


async def test_flat_keys_named_like_the_engines_own_files_are_kept(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    keys = [
        "x/.tcb-gui-manifest.json",
        "x/.tcb-gui-manifest.json.tmp",
        f"x/{STATE_DIR_NAME}",
        "x/plain.bin",
    ]
    files = {k: content_of(k, 3000 + i) for i, k in enumerate(keys)}
    async with Loopback(lambda r: serve_file(r, files[r.key])) as server:
        first = await run(http, server, keys, tmp_path, layout=Layout.FLAT)
        second = await run(http, server, keys, tmp_path, layout=Layout.FLAT)

    for outcomes in (first, second):
        assert all(o.ok for o in outcomes), outcomes
        for key, outcome in zip(keys, outcomes, strict=True):
            assert outcome.path is not None
            assert outcome.path.read_bytes() == files[key], key
    assert [o.path for o in first] == [o.path for o in second]
    assert first[2].path != tmp_path / STATE_DIR_NAME  # steered away from the engine's folder
    assert (tmp_path / STATE_DIR_NAME / MANIFEST_NAME).is_file()


async def test_a_manifest_at_the_old_place_still_skips_files(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    data = content_of("old", 4000)
    async with Loopback(lambda r: serve_file(r, data)) as server:
        await run(http, server, ["o/old.bin"], tmp_path)
        manifest = (tmp_path / STATE_DIR_NAME / MANIFEST_NAME).read_bytes()
        (tmp_path / STATE_DIR_NAME / MANIFEST_NAME).unlink()
        (tmp_path / ".tcb-gui-manifest.json").write_bytes(manifest)
        server.requests.clear()

        outcomes = await run(http, server, ["o/old.bin"], tmp_path)

    assert outcomes[0].state is FileState.SKIPPED
    assert server.requests == []


# -- 2. one writer per folder -----------------------------------------------------------------


async def test_a_second_run_into_a_busy_folder_is_refused_and_names_the_first(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    data = content_of("busy", 200_000)
    gate = asyncio.Event()

    asked = asyncio.Event()

    async def slow(request: Request) -> Reply:
        asked.set()
        await gate.wait()
        return serve_file(request, data)

    async with Loopback(slow) as server:
        first = asyncio.create_task(run(http, server, ["b/busy.bin"], tmp_path))
        await asyncio.wait_for(asked.wait(), 10)
        with pytest.raises(FolderBusyError) as caught:
            await run(http, server, ["b/busy.bin"], tmp_path)
        gate.set()
        outcomes = await first

    error = caught.value
    assert error.kind is ErrorKind.INPUT
    assert str(os.getpid()) in error.message
    assert socket.gethostname() in error.message
    assert outcomes[0].ok
    assert saved(tmp_path, "b/busy.bin").read_bytes() == data
    assert not (tmp_path / STATE_DIR_NAME / "lock").exists()  # released at the end


async def test_a_lock_left_by_a_dead_run_is_taken_over(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    data = content_of("stale", 1000)
    state = tmp_path / STATE_DIR_NAME
    state.mkdir()
    dead = {"pid": 2**22 + 12345, "host": socket.gethostname(), "started": 1.0}
    (state / "lock").write_text(json.dumps(dead))
    async with Loopback(lambda r: serve_file(r, data)) as server:
        outcomes = await run(http, server, ["s/stale.bin"], tmp_path)

    assert outcomes[0].ok
    assert not (state / "lock").exists()


# -- 3. validators checked -------------------------------------------------------------------


async def test_a_file_changed_behind_a_server_ignoring_if_range_starts_over(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    old, new = content_of("c", 300_000, 1), content_of("c", 300_000, 2)
    replies = 0

    def handler(request: Request) -> Reply:
        nonlocal replies
        replies += 1
        if replies == 1:
            reply = serve_file(request, old, etag='"v1"')
            reply.cut_after = 100_000
            return reply
        return serve_file(request, new, etag='"v2"', honour_if_range=False)

    async with Loopback(handler) as server:
        outcomes = await run(http, server, ["c/changed.bin"], tmp_path)

    assert outcomes[0].ok
    assert saved(tmp_path, "c/changed.bin").read_bytes() == new
    assert server.requests[1].headers.get("if-range") == '"v1"'


async def test_a_206_without_the_validator_of_the_kept_bytes_starts_over(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    old, new = content_of("r", 200_000, 1), content_of("r", 200_000, 2)
    replies = 0

    def handler(request: Request) -> Reply:
        nonlocal replies
        replies += 1
        if replies == 1:
            return Reply(200, {"etag": '"v1"'}, old, cut_after=50_000)
        if replies == 2:
            # Ignores If-Range and names no validator: the bytes may be of another file.
            rng = f"bytes 50000-{len(new) - 1}/{len(new)}"
            return Reply(206, {"content-range": rng}, new[50_000:])
        return serve_file(request, new, etag='"v2"')

    async with Loopback(handler) as server:
        outcomes = await run(http, server, ["r/r.bin"], tmp_path)

    assert outcomes[0].ok
    assert saved(tmp_path, "r/r.bin").read_bytes() == new


async def test_a_new_version_never_inherits_the_old_versions_kept_bytes(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    old, new = content_of("n", 2_000_000, 1), content_of("n", 2_000_000, 2)
    replies = 0

    def handler(request: Request) -> Reply:
        nonlocal replies
        replies += 1
        if replies == 1:
            reply = serve_file(request, old, etag='"v1"')
            reply.cut_after = 1_500_000
            return reply
        return serve_file(request, new, etag='"v2"')

    class FailsOnce(FileOps):
        """The partial file cannot be opened when the new version starts over (too many
        open files, a permission changed, or the run killed right there)."""

        opened = 0

        def open_part(self, path: Path, offset: int, buffer_size: int) -> PartFile:
            self.opened += 1
            if self.opened == 2:
                raise OSError(errno.EMFILE, "Too many open files")
            return super().open_part(path, offset, buffer_size)

    key = "n/new.bin"
    async with Loopback(handler) as server:
        opts = DownloadOptions(dest=tmp_path, retry=QUICK_RETRY)
        first = Downloader(http, server.refresh, opts, files=FailsOnce())
        (failed,) = await first.run([server.link(key)])
        assert not failed.ok
        outcomes = await run(http, server, [key], tmp_path)

    # The second run resumes only bytes of the version its sidecar names: none of v1's.
    assert outcomes[0].ok
    assert saved(tmp_path, key).read_bytes() == new


async def test_a_resume_answered_by_a_part_of_unknown_end_is_never_ok(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    data = content_of("u", 300_000)
    replies = 0

    def handler(request: Request) -> Reply:
        nonlocal replies
        replies += 1
        if replies == 1:
            return Reply(200, {"etag": '"v1"'}, data, cut_after=100_000)
        if replies == 2:
            # The same validator, but only 50 kB more, of a file whose size it does not
            # name ("*"): the first answer said 300 kB.
            rng = "bytes 100000-149999/*"
            return Reply(206, {"etag": '"v1"', "content-range": rng}, data[100_000:150_000])
        return serve_file(request, data)

    async with Loopback(handler) as server:
        outcomes = await run(http, server, ["u/u.bin"], tmp_path)

    assert outcomes[0].ok
    assert saved(tmp_path, "u/u.bin").read_bytes() == data
    assert [r.headers.get("range") for r in server.requests] == [None, "bytes=100000-", None]


async def test_a_part_sent_for_a_plain_request_is_never_saved_as_the_file(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    data = content_of("p", 300_000)

    def handler(request: Request) -> Reply:
        # No Range was asked; the host sends the first 100 kB of a file of unknown size.
        rng = "bytes 0-99999/*"
        return Reply(206, {"etag": '"v1"', "content-range": rng}, data[:100_000])

    async with Loopback(handler) as server:
        outcomes = await run(http, server, ["p/p.bin"], tmp_path)

    assert not outcomes[0].ok
    assert "a different part of the file" in outcomes[0].errmsg
    assert not saved(tmp_path, "p/p.bin").exists()


# -- 4. raw bytes only ---------------------------------------------------------------------


async def test_a_gzip_bomb_is_saved_as_sent_never_expanded(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    bomb = gzip.compress(b"\0" * (32 << 20), compresslevel=9)

    def handler(request: Request) -> Reply:
        assert request.headers.get("accept-encoding") == "identity"
        headers = {"content-encoding": "gzip", "content-type": "application/octet-stream"}
        return Reply(200, headers, bomb)

    async with Loopback(handler) as server:
        outcomes = await run(http, server, ["z/bomb.bin"], tmp_path)

    outcome = outcomes[0]
    assert outcome.ok
    assert saved(tmp_path, "z/bomb.bin").read_bytes() == bomb
    assert outcome.bytes == len(bomb)
    assert outcome.encoding == "gzip"
    assert outcome.report()["encoding"] == "gzip"


async def test_an_encoded_body_shorter_than_announced_is_never_ok(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    raw = gzip.compress(content_of("e", 100_000))

    def handler(request: Request) -> Reply:
        return Reply(200, {"content-encoding": "gzip"}, raw, cut_after=len(raw) // 2)

    async with Loopback(handler) as server:
        outcomes = await run(http, server, ["e/e.bin"], tmp_path)

    assert not outcomes[0].ok
    assert not saved(tmp_path, "e/e.bin").exists()


# -- 5. minimum progress ---------------------------------------------------------------------


async def test_a_body_that_trickles_is_given_up_and_resumed(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    data = content_of("t", 200_000)
    replies = 0

    def handler(request: Request) -> Reply:
        nonlocal replies
        replies += 1
        reply = serve_file(request, data)
        if replies == 1:
            # 20 kB at once, then 100 bytes every 50 ms: alive, never done (3 s in all).
            reply.burst, reply.piece, reply.pause = 20_000, 100, 0.05
            reply.cut_after = 20_000 + 6_000
        return reply

    async with Loopback(handler) as server:
        started = asyncio.get_running_loop().time()
        outcomes = await run(http, server, ["t/t.bin"], tmp_path, stall_seconds=0.5)
        elapsed = asyncio.get_running_loop().time() - started

    assert outcomes[0].ok
    assert saved(tmp_path, "t/t.bin").read_bytes() == data
    assert len(server.requests) == 2
    assert server.requests[1].headers["range"].startswith("bytes=")
    assert elapsed < 2.5


# -- 6. integrity ----------------------------------------------------------------------------


async def test_a_file_with_a_matching_crc64_is_verified(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    data = content_of("v", 150_000)
    plain = content_of("p", 1000)

    def handler(request: Request) -> Reply:
        if request.key == "v/plain.bin":
            return serve_file(request, plain)
        return serve_file(request, data, extra=crc_header(data))

    async with Loopback(handler) as server:
        outcomes = await run(http, server, ["v/v.bin", "v/plain.bin"], tmp_path)

    verified, plain_outcome = outcomes
    assert verified.ok
    assert verified.integrity is Integrity.VERIFIED
    assert verified.report()["verified"] is True
    assert plain_outcome.ok
    assert plain_outcome.integrity is Integrity.SIZE_CHECKED
    assert plain_outcome.report()["verified"] is False


async def test_the_crc64_covers_bytes_kept_from_an_earlier_attempt(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    data = content_of("k", 300_000)
    replies = 0

    def handler(request: Request) -> Reply:
        nonlocal replies
        replies += 1
        reply = serve_file(request, data, extra=crc_header(data))
        if replies == 1:
            reply.cut_after = 120_000
        return reply

    async with Loopback(handler) as server:
        outcomes = await run(http, server, ["k/k.bin"], tmp_path)

    assert outcomes[0].ok
    assert outcomes[0].integrity is Integrity.VERIFIED
    assert len(server.requests) == 2
    assert "range" in server.requests[1].headers


async def test_a_wrong_crc64_downloads_once_more_then_fails_plainly(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    data = content_of("w", 80_000)
    wrong = {CRC64_HEADER: str(crc64.xz(data) ^ 1)}
    async with Loopback(lambda r: serve_file(r, data, extra=wrong)) as server:
        outcomes = await run(http, server, ["w/w.bin"], tmp_path)

    outcome = outcomes[0]
    assert not outcome.ok
    assert "checksum" in outcome.errmsg
    assert outcome.report()["verified"] is None
    assert len(server.requests) == 2
    assert not saved(tmp_path, "w/w.bin").exists()
    assert not [p for p in saved(tmp_path, "w/w.bin").parent.iterdir()]


async def test_a_corrupted_body_is_caught_and_fetched_again(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    data = content_of("b", 80_000)
    replies = 0

    def handler(request: Request) -> Reply:
        nonlocal replies
        replies += 1
        body = data if replies > 1 else data[:1000] + b"X" + data[1001:]
        return Reply(200, {"etag": '"v1"', **crc_header(data)}, body)

    async with Loopback(handler) as server:
        outcomes = await run(http, server, ["b/b.bin"], tmp_path)

    assert outcomes[0].ok
    assert outcomes[0].integrity is Integrity.VERIFIED
    assert saved(tmp_path, "b/b.bin").read_bytes() == data


async def test_verify_folder_rechecks_every_file_of_the_manifest(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    files = {f"f/{n}.bin": content_of(n, 20_000) for n in ("a", "b", "c", "d")}
    files["f/plain.bin"] = content_of("plain", 500)

    def handler(request: Request) -> Reply:
        data = files[request.key]
        extra = {} if request.key == "f/plain.bin" else crc_header(data)
        return serve_file(request, data, extra=extra)

    async with Loopback(handler) as server:
        outcomes = await run(http, server, list(files), tmp_path)
    assert all(o.ok for o in outcomes)

    flipped = saved(tmp_path, "f/b.bin")
    body = bytearray(flipped.read_bytes())
    body[5] ^= 0xFF
    flipped.write_bytes(bytes(body))
    saved(tmp_path, "f/c.bin").unlink()
    saved(tmp_path, "f/d.bin").write_bytes(b"short")

    results = {r.fileid: r for r in await asyncio.to_thread(verify_folder, tmp_path)}
    states = {key: results[fid(key).raw].state for key in files}
    assert states == {
        "f/a.bin": VerifyState.VERIFIED,
        "f/b.bin": VerifyState.CHECKSUM_MISMATCH,
        "f/c.bin": VerifyState.MISSING,
        "f/d.bin": VerifyState.SIZE_MISMATCH,
        "f/plain.bin": VerifyState.SIZE_CHECKED,
    }
    assert results[fid("f/a.bin").raw].ok
    assert not results[fid("f/b.bin").raw].ok
    assert all(r.message for r in results.values())


async def test_an_existing_file_of_the_same_size_is_skipped_only_when_its_checksum_matches(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    data = content_of("x", 50_000)
    older = bytearray(data)
    older[-1] ^= 0xFF  # another version of the file, byte for byte as long
    mine, theirs = saved(tmp_path, "x/older.bin"), saved(tmp_path, "x/same.bin")
    mine.parent.mkdir(parents=True)
    mine.write_bytes(older)
    theirs.write_bytes(data)

    def handler(request: Request) -> Reply:
        return serve_file(request, data, extra=crc_header(data))

    async with Loopback(handler) as server:
        outcomes = await run(http, server, ["x/older.bin", "x/same.bin"], tmp_path)

    replaced, same = outcomes
    # The user's file stays as it was; the file in storage goes beside it.
    assert mine.read_bytes() == older
    assert replaced.ok
    assert replaced.state is FileState.DONE
    assert replaced.path == mine.with_name("older (1).bin")
    assert replaced.path.read_bytes() == data
    assert replaced.integrity is Integrity.VERIFIED
    # The same bytes are complete already: skipped, and now known to match.
    assert same.state is FileState.SKIPPED
    assert same.path == theirs
    assert same.integrity is Integrity.VERIFIED
    assert [r.headers.get("range") for r in server.gets("x/same.bin")] == ["bytes=0-0"]


# -- 7. the demo service: checksums, and a wrong one ------------------------------------------


async def test_demo_files_are_verified_and_a_wrong_checksum_is_never_ok(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    keys = ["docs/README.txt", "gen/size-3M/a.bin", "gen/size-3M/b.bin"]
    ids = [parse_fileid(f"cloud://{samples.PROD.env}.{samples.PROD.bucket}/{k}") for k in keys]
    state = DemoState(DemoConfig())
    with DemoServer(state) as server:
        client = TcbClient(http, lambda: DEMO_TOKEN, base_url=server.base_url)
        links = await client.resolve_all(ids)
        options = DownloadOptions(dest=tmp_path, retry=QUICK_RETRY)
        first = await Downloader(http, client.resolve_all, options).run(links[:1])
        # a.bin: one wrong checksum (fetched again, then verified); b.bin: wrong twice.
        state.script_faults("download", ["badcrc"])
        ok_file = (await Downloader(http, client.resolve_all, options).run(links[1:2]))[0]
        state.script_faults("download", ["badcrc", "badcrc"])
        bad_file = (await Downloader(http, client.resolve_all, options).run(links[2:]))[0]

    assert ok_file.ok
    assert ok_file.integrity is Integrity.VERIFIED
    assert ok_file.path is not None
    assert ok_file.path.read_bytes() == samples.file_bytes(samples.PROD.bucket, keys[1])
    assert not bad_file.ok
    assert "checksum" in bad_file.errmsg
    assert first[0].integrity is Integrity.VERIFIED
    faults = [(r.key, r.fault) for r in state.stats.downloads if r.method == "GET"]
    assert faults == [
        (keys[0], None),
        (keys[1], "badcrc"),
        (keys[1], None),
        (keys[2], "badcrc"),
        (keys[2], "badcrc"),
    ]
