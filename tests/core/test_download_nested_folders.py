"""Download folders inside one another are locked against each other.

Bug: a run into ``D`` (tree layout) and one into ``D/<env>/gen/size-4K`` (flat) at the same
time both took their own folder's lock and wrote the same ``<name>.part`` under the same
sidecar, resuming each other's bytes. Now a run is refused with the folder-busy error
when a live run holds a folder above its own, or one below it that its files go into;
a lock file a dead run left, and a held folder the run does not write into, stop
nothing. Real runs over loopback against the demo service.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tcb_gui.core.client import TcbClient
from tcb_gui.core.download_run import DownloadRun, no_link_yet
from tcb_gui.core.downloads import DownloadOptions, FolderBusyError, Layout
from tcb_gui.core.downloads.folderlock import FolderLock
from tcb_gui.core.downloads.manifest import STATE_DIR_NAME
from tcb_gui.core.fileids import parse_fileid
from tcb_gui.demo.samples import PROD, file_bytes
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DEMO_TOKEN

KEYS = [f"gen/size-4K/nested-{n}.bin" for n in range(3)]
BATCH = "componenttcb/batchdownloadfile"


def a_run(
    http: httpx.AsyncClient,
    server: DemoServer,
    dest: Path,
    layout: Layout,
    keys: list[str] = KEYS,
    **options: Any,
) -> DownloadRun:
    client = TcbClient(http, lambda: DEMO_TOKEN, base_url=server.base_url)
    links = [no_link_yet(parse_fileid(PROD.fileid(key))) for key in keys]
    opts = DownloadOptions(dest=dest, layout=layout, **options)
    return DownloadRun(http, client, opts, links)


@pytest.fixture
def hold() -> Iterator[list[FolderLock]]:
    """``hold(folder)``: another run writing into ``folder`` (its lock held here)."""
    held: list[FolderLock] = []
    yield held
    for lock in held:
        lock.release()


def held_by_another_run(held: list[FolderLock], folder: Path) -> Path:
    (folder / STATE_DIR_NAME).mkdir(parents=True)
    lock = FolderLock(folder, folder / STATE_DIR_NAME)
    lock.acquire()
    held.append(lock)
    return folder


def busy_words(folder: Path) -> str:
    return f"Another download is writing into {folder} (process {os.getpid()} on "


def nothing_written(server: DemoServer, dest: Path) -> None:
    assert not server.state.stats.downloads
    assert server.state.stats.requests[BATCH] == 0  # not even a link asked for
    assert not list(dest.rglob("*.part"))
    assert not (dest / STATE_DIR_NAME / "lock").exists()  # its own lock given back


async def test_a_run_inside_a_folder_another_run_holds_is_refused(
    http: httpx.AsyncClient, demo_server: DemoServer, hold: list[FolderLock], tmp_path: Path
) -> None:
    outer = held_by_another_run(hold, tmp_path / "D")
    inner = outer / PROD.env / "gen" / "size-4K"
    with pytest.raises(FolderBusyError) as refused:
        await a_run(http, demo_server, inner, Layout.FLAT).run()
    assert refused.value.message.startswith(busy_words(outer))
    assert refused.value.pid == os.getpid()
    nothing_written(demo_server, inner)


async def test_a_run_whose_files_go_into_a_folder_another_run_holds_is_refused(
    http: httpx.AsyncClient, demo_server: DemoServer, hold: list[FolderLock], tmp_path: Path
) -> None:
    outer = tmp_path / "D"
    inner = held_by_another_run(hold, outer / PROD.env / "gen" / "size-4K")
    with pytest.raises(FolderBusyError) as refused:
        await a_run(http, demo_server, outer, Layout.TREE).run()
    assert refused.value.message.startswith(busy_words(inner))
    nothing_written(demo_server, outer)


async def test_a_held_folder_between_the_run_and_its_files_is_met_too(
    http: httpx.AsyncClient, demo_server: DemoServer, hold: list[FolderLock], tmp_path: Path
) -> None:
    outer = tmp_path / "D"
    between = held_by_another_run(hold, outer / PROD.env)
    with pytest.raises(FolderBusyError) as refused:
        await a_run(http, demo_server, outer, Layout.TREE).run()
    assert refused.value.message.startswith(busy_words(between))


async def test_held_folders_the_run_does_not_write_into_and_dead_locks_stop_nothing(
    http: httpx.AsyncClient, demo_server: DemoServer, hold: list[FolderLock], tmp_path: Path
) -> None:
    outer = tmp_path / "D"
    held_by_another_run(hold, outer / PROD.env / "gen" / "elsewhere")  # no file goes there
    held_by_another_run(hold, tmp_path / "beside")
    dead = tmp_path / STATE_DIR_NAME  # a run into tmp_path that crashed long ago
    dead.mkdir()
    (dead / "lock").write_text(json.dumps({"pid": 1, "host": "here", "started": 0}))

    result = await a_run(http, demo_server, outer, Layout.TREE).run()

    assert result.counts().downloaded == len(KEYS)
    for key in KEYS:
        assert (outer / PROD.env / key).read_bytes() == file_bytes(PROD.bucket, key)


async def test_a_flat_run_inside_a_tree_run_under_way_is_refused_and_the_first_ends_whole(
    http: httpx.AsyncClient, demo_server: DemoServer, tmp_path: Path
) -> None:
    outer = tmp_path / "D"
    # Streamed to a .part (files up to 1 MiB are held in memory and written whole at the
    # end), slowly enough to be under way for a few seconds.
    keys = [f"gen/size-2M/pair-{n}.bin" for n in range(2)]
    first = asyncio.ensure_future(
        a_run(http, demo_server, outer, Layout.TREE, keys, limit_rate=1024 * 1024).run()
    )
    deadline = time.monotonic() + 10
    while not list(outer.rglob("*.part")):  # under way: its first part file is written
        assert time.monotonic() < deadline
        assert not first.done()
        await asyncio.sleep(0.01)

    inner = outer / PROD.env / "gen" / "size-2M"
    with pytest.raises(FolderBusyError) as refused:
        await a_run(http, demo_server, inner, Layout.FLAT, keys).run()
    assert refused.value.message.startswith(busy_words(outer))

    result = await asyncio.wait_for(first, 30)
    assert result.counts().downloaded == len(keys)
    for key in keys:
        assert (outer / PROD.env / key).read_bytes() == file_bytes(PROD.bucket, key)
