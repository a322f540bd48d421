"""A stopped file's progress is what a later run resumes from, never the bytes it had
received: a small file held in memory that a full disk kept from being written has
nothing on the disk, and the full disk's words claim kept partial files only when some
were kept. Both faces render these (the window's Stopped cell, the command line's line).
"""

from __future__ import annotations

import asyncio
import errno
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tcb_gui.core.downloads import (
    SMALL_FILE_BYTES,
    DiskFullError,
    Downloader,
    DownloadOptions,
    FileState,
    PartFile,
)
from tcb_gui.core.paths import part_path
from tests.core.test_downloads import (
    ENV,
    FAST_RETRY,
    FakeCdn,
    Refresher,
    WritesThrough,
    disk_full_after,
    done_bytes,
    good,
    wait_for,
)


@pytest.fixture
def cdn() -> FakeCdn:
    cdn = FakeCdn()
    cdn.piece = 20_000
    cdn.delay = 0.002
    return cdn


@pytest.fixture
async def http(cdn: FakeCdn) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(cdn.handler)) as client:
        yield client


def no_room(part: PartFile, data: bytes) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def make(http: httpx.AsyncClient, cdn: FakeCdn, dest: Path, write: WritesThrough) -> Downloader:
    options = DownloadOptions(dest=dest, retry=FAST_RETRY, concurrency=2)
    return Downloader(http, Refresher(cdn), options, progress_interval=0.02, files=write)


def part_size(dest: Path, key: str) -> int:
    part = part_path(dest / ENV / key)
    return part.stat().st_size if part.exists() else 0


async def test_small_files_a_full_disk_kept_from_the_disk_are_stopped_at_nothing(
    http: httpx.AsyncClient, cdn: FakeCdn, tmp_path: Path
) -> None:
    # Both are held in memory; not one byte of them finds room on the disk, neither as
    # the file nor as its partial file.
    cdn.add("a.bin", 100_000)
    cdn.add("b.bin", 900_000)
    assert SMALL_FILE_BYTES >= 900_000
    downloader = make(http, cdn, tmp_path, WritesThrough(no_room))

    with pytest.raises(DiskFullError) as caught:
        await downloader.run([good(cdn, "a.bin"), good(cdn, "b.bin")])

    error = caught.value
    assert "disk is full" in error.message
    assert "partial files were kept" not in error.message
    assert part_size(tmp_path, "a.bin") == part_size(tmp_path, "b.bin") == 0
    assert [p.bytes_done for p in downloader.progress()] == [0, 0]
    assert not any(o.ok for o in error.outcomes)
    # The file that met the full disk is told with the run's words (download_run then
    # counts it stopped, like the other).
    assert error.message in {o.errmsg for o in error.outcomes}


async def test_a_full_disk_keeps_what_it_can_and_each_file_shows_what_was_kept(
    http: httpx.AsyncClient, cdn: FakeCdn, tmp_path: Path
) -> None:
    # A large file streams to its .part until the disk fills; a small one in memory then
    # has no room for its bytes: the large one resumes from its .part, the small one
    # from nothing.
    cdn.add("large.bin", 2_000_000)
    cdn.add("small.bin", 900_000)
    downloader = make(http, cdn, tmp_path, WritesThrough(disk_full_after(400_000)))

    with pytest.raises(DiskFullError) as caught:
        await downloader.run([good(cdn, "large.bin"), good(cdn, "small.bin")])

    assert "partial files were kept" in caught.value.message
    large, small = downloader.progress()
    assert large.bytes_done == part_size(tmp_path, "large.bin") > 0
    assert small.bytes_done == part_size(tmp_path, "small.bin") == 0
    assert small.state is FileState.CANCELLED


async def test_a_small_file_cancelled_midway_shows_the_bytes_written_to_its_part(
    http: httpx.AsyncClient, cdn: FakeCdn, tmp_path: Path
) -> None:
    # The operator's Cancel writes what memory held to the .part: those bytes resume.
    cdn.add("s.bin", 600_000)
    downloader = make(http, cdn, tmp_path, WritesThrough(PartFile.write))
    run = asyncio.create_task(downloader.run([good(cdn, "s.bin")]))
    await wait_for(lambda: done_bytes(downloader) >= 100_000)
    downloader.cancel()
    (outcome,) = await run

    assert outcome.state is FileState.CANCELLED
    (progress,) = downloader.progress()
    assert progress.bytes_done == part_size(tmp_path, "s.bin") >= 100_000


async def test_small_files_stopped_while_being_put_in_place_show_nothing_kept(
    http: httpx.AsyncClient, cdn: FakeCdn, tmp_path: Path
) -> None:
    # All in memory and handed to the writers together; each one the full disk stops
    # cancels the others again while they wait for their writes: they still end as
    # what is on the disk (nothing), not as the bytes they had received.
    keys = [f"s{i}.bin" for i in range(6)]
    for key in keys:
        cdn.add(key, 200_000)
    cdn.delay = 0.0
    options = DownloadOptions(dest=tmp_path, retry=FAST_RETRY, concurrency=len(keys))
    downloader = Downloader(
        http, Refresher(cdn), options, progress_interval=0.02, files=WritesThrough(no_room)
    )

    with pytest.raises(DiskFullError):
        await downloader.run([good(cdn, key) for key in keys])

    assert [p.bytes_done for p in downloader.progress()] == [0] * len(keys)
