"""A folder of the download swapped for a link to elsewhere while the run writes: nothing
lands outside the download folder, and the file's outcome says which path was refused.

Whoever may write in the download folder may, mid-run, rename ``photos`` away and put a
link named ``photos`` in its place, pointing at a folder they cannot write themselves
(another user's ``~/.config/autostart``). The engine's writes go through folder handles
opened when the run first needed each folder, so they stay on the real folder; a file
whose folder no longer is where its path says is not reported saved there: it fails,
naming that path, and what it received stays in the real folder as a partial file that a
later run resumes once the folder is back.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tcb_gui.core import paths
from tcb_gui.core.client import RetryPolicy
from tcb_gui.core.downloads import (
    SMALL_FILE_BYTES,
    STATE_DIR_NAME,
    Downloader,
    DownloadOptions,
    DownloadOutcome,
    FileOps,
    PartFile,
    sidecar_path,
)
from tests.e2e.loopback_host import LoopbackHost

needs_handles = pytest.mark.skipif(not paths.FOLDER_HANDLES, reason="no dir_fd calls here")

QUICK_RETRY = RetryPolicy(max_tries=3, base_delay=0.01, max_delay=0.05)
SMALL = 64 * 1024  # held in memory, written whole under the engine's folder, then moved
LARGE = SMALL_FILE_BYTES + 512 * 1024  # written to its .part beside the target


def body_of(key: str, size: int) -> bytes:
    return (key.encode() * (size // len(key) + 1))[:size]


class Host(LoopbackHost):
    """Serves every key with a body of the size its name says (``big`` or not), with a
    strong ETag and ranges (``bytes=N-``): what a kept partial file resumes from."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[tuple[str, int]] = []  # key, first byte

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).decode()
                key = head.split(" ", 2)[1].split("?", 1)[0].lstrip("/")
                data = body_of(key, LARGE if "big" in key else SMALL)
                start = 0
                for line in head.split("\r\n"):
                    if line.lower().startswith("range: bytes="):
                        start = int(line.split("=", 1)[1].split("-", 1)[0])
                self.asked.append((key, start))
                status = b"200 OK" if start == 0 else b"206 Partial Content"
                ranged = b"Content-Range: bytes %d-%d/%d\r\n" % (start, len(data) - 1, len(data))
                writer.write(
                    b'HTTP/1.1 %s\r\nETag: "v1"\r\n%sContent-Length: %d\r\n\r\n'
                    % (status, ranged if start else b"", len(data) - start)
                )
                writer.write(data[start:])
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def listing(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` with its bytes (links not followed)."""
    found = {}
    for root, _dirs, names in os.walk(folder):
        for name in names:
            path = Path(root, name)
            found[os.path.relpath(path, folder)] = path.read_bytes()
    return found


def open_fds() -> int | None:
    """How many files this process has open (None where /proc does not say)."""
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        return None


def swap_for_link(folder: Path, outside: Path) -> Path:
    """What an attacker does: the real folder renamed away, a link in its place."""
    moved = folder.with_name(folder.name + ".real")
    folder.rename(moved)
    folder.symlink_to(outside, target_is_directory=True)
    return moved


async def download(
    http: httpx.AsyncClient, host: Host, dest: Path, keys: list[str], files: FileOps | None = None
) -> list[DownloadOutcome]:
    options = DownloadOptions(dest=dest, retry=QUICK_RETRY, concurrency=1)
    downloader = Downloader(http, host.refresh, options, files=files)
    return await downloader.run([host.link(key) for key in keys])


class SwapsOnce(FileOps):
    """Runs ``swap`` once, right before the operation the test names."""

    def __init__(self, when: str, swap: Callable[[], object]) -> None:
        self.when = when
        self._swap: Callable[[], object] | None = swap

    def _maybe(self, moment: str) -> None:
        if moment == self.when and self._swap is not None:
            swap, self._swap = self._swap, None
            swap()

    def open_part(self, path: Path, offset: int, buffer_size: int) -> PartFile:
        self._maybe("open")
        return super().open_part(path, offset, buffer_size)

    def publish(
        self,
        part: Path,
        final: Path,
        *,
        replace: bool,
        reserved: Callable[[Path], bool] = lambda _: False,
    ) -> Path:
        self._maybe("publish")
        return super().publish(part, final, replace=replace, reserved=reserved)


@needs_handles
@pytest.mark.parametrize("when", ["open", "publish"])
@pytest.mark.parametrize("key", ["photos/big.bin", "photos/small.bin"])
async def test_a_folder_swapped_for_a_link_mid_run_gets_nothing_written_outside(
    http: httpx.AsyncClient, tmp_path: Path, when: str, key: str
) -> None:
    dest, outside = tmp_path / "dest", tmp_path / "someone-else"
    outside.mkdir()
    (outside / "theirs.txt").write_bytes(b"not yours")
    photos = dest / "env-a" / "photos"
    photos.mkdir(parents=True)  # there when the run starts (and looks)
    moved: list[Path] = []

    files = SwapsOnce(when, lambda: moved.append(swap_for_link(photos, outside)))
    async with Host() as host:
        (outcome,) = await download(http, host, dest, [key], files)

    assert moved, "the swap happened"
    assert listing(outside) == {"theirs.txt": b"not yours"}
    # A clear failure naming the path refused, not "saved as photos/…" (a path that now
    # leads to someone else's folder).
    assert not outcome.ok
    assert f"{photos / Path(key).name}" in outcome.errmsg
    assert "outside the download folder" in outcome.errmsg
    # What was received is kept in the real folder, for a later run to resume.
    name = Path(key).name
    part = moved[0] / f"{name}.part"
    kept = listing(moved[0])
    assert name not in kept
    assert kept[part.name] == body_of(key, len(kept[part.name]))
    assert sidecar_path(part).name in kept

    # Once the folder is back, the next run finishes the file from what was kept (all of
    # it here: it only has to be put in place, no byte is asked for again).
    size = LARGE if "big" in key else SMALL
    photos.unlink()
    moved[0].rename(photos)
    async with Host() as host:
        (again,) = await download(http, host, dest, [key])
    assert again.ok, again.errmsg
    kept_bytes = len(kept[part.name])
    assert host.asked == ([] if kept_bytes == size else [(key, kept_bytes)])
    assert listing(photos) == {name: body_of(key, size)}


@needs_handles
async def test_a_folder_made_by_the_run_refuses_a_link_put_in_its_place_before_its_first_file(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    """``b/`` is swapped before the run ever opened it (the first file was in ``a/``):
    opening it, one component at a time, refuses the link."""
    dest, outside = tmp_path / "dest", tmp_path / "someone-else"
    outside.mkdir()
    (dest / "env-a" / "a").mkdir(parents=True)
    b = dest / "env-a" / "b"

    def plant() -> None:
        # b did not exist when the run looked: it appears as a link.
        b.symlink_to(outside, target_is_directory=True)

    files = SwapsOnce("open", plant)
    async with Host() as host:
        first, second = await download(http, host, dest, ["a/big.bin", "b/big.bin"], files)

    assert first.ok, first.errmsg
    assert listing(outside) == {}
    assert not second.ok
    assert f"{b / 'big.bin'}" in second.errmsg


@needs_handles
async def test_the_engine_s_own_folder_swapped_mid_run_cleans_and_writes_nothing_outside(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    """``.tcb-gui`` (the lock, the manifest, the temporary files the run empties at its
    end) swapped for a link to a folder with a ``tmp`` and a ``lock`` of its own: the end
    of the run deletes and writes nothing there."""
    dest, outside = tmp_path / "dest", tmp_path / "someone-else"
    (outside / "tmp").mkdir(parents=True)
    (outside / "tmp" / "precious.txt").write_bytes(b"keep me")
    (outside / "lock").write_bytes(b"{}")
    before = listing(outside)
    dest.mkdir()

    files = SwapsOnce("open", lambda: swap_for_link(dest / STATE_DIR_NAME, outside))
    async with Host() as host:
        outcomes = await download(http, host, dest, ["x/big.bin", "x/small.bin"], files)

    assert listing(outside) == before
    assert all(o.ok for o in outcomes), [o.errmsg for o in outcomes]
    assert (dest / "env-a" / "x" / "big.bin").read_bytes() == body_of("x/big.bin", LARGE)


async def test_where_the_system_has_no_dir_fd_calls_files_are_saved_by_path(
    http: httpx.AsyncClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows: no folder handles, every operation by path, as before them."""
    monkeypatch.setattr(paths, "FOLDER_HANDLES", False)
    dest = tmp_path / "dest"
    keys = ["a/big.bin", "a/b/small.bin", "small.bin"]
    async with Host() as host:
        outcomes = await download(http, host, dest, keys)
    assert all(o.ok for o in outcomes), [o.errmsg for o in outcomes]
    for key, outcome in zip(keys, outcomes, strict=True):
        assert outcome.path == dest / "env-a" / key
        assert outcome.path.read_bytes() == body_of(key, LARGE if "big" in key else SMALL)
    assert sorted(os.listdir(dest / STATE_DIR_NAME)) == [".tcb-gui-manifest.json"]


@needs_handles
async def test_a_run_through_more_folders_than_it_keeps_handles_of_saves_every_file(
    http: httpx.AsyncClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Handles closed and opened again as the run moves from folder to folder (four kept
    open here), while worker threads still put earlier files in place: every file lands,
    and every handle is closed at the end."""
    monkeypatch.setattr(paths, "_handle_budget", lambda: 4)
    dest = tmp_path / "dest"
    keys = [f"f{n % 13}/g{n % 5}/{n}.bin" for n in range(60)] + ["big/big.bin"]
    fds = open_fds()
    async with Host() as host:
        options = DownloadOptions(dest=dest, retry=QUICK_RETRY, concurrency=8)
        outcomes = await Downloader(http, host.refresh, options).run(
            [host.link(key) for key in keys]
        )
    assert all(o.ok for o in outcomes), [o.errmsg for o in outcomes if not o.ok]
    for key, outcome in zip(keys, outcomes, strict=True):
        assert outcome.path == dest / "env-a" / key
        assert outcome.path.read_bytes() == body_of(key, LARGE if "big" in key else SMALL)
    if fds is not None:
        assert open_fds() == fds
