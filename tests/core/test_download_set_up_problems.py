"""Write failures a retry meets again are set-up problems (CONFIG: no retry is offered),
told with what is in the way: a file larger than the folder's file system takes (EFBIG,
a FAT32 stick's 4 GiB), a file where a folder of the file's path goes (named), a folder
where the file goes, a path too long. Other write failures stay retryable."""

from __future__ import annotations

import errno
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tcb_gui.core.downloads import Downloader, DownloadOptions, DownloadOutcome, FileOps
from tcb_gui.core.errors import ErrorKind
from tests.core.test_downloads import ENV, FAST_RETRY, FakeCdn, Refresher, Refusing, good


@pytest.fixture
def cdn() -> FakeCdn:
    return FakeCdn()


@pytest.fixture
async def http(cdn: FakeCdn) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(cdn.handler)) as client:
        yield client


async def download(
    http: httpx.AsyncClient, cdn: FakeCdn, dest: Path, key: str, files: FileOps | None = None
) -> DownloadOutcome:
    cdn.add(key, 2_000_000)  # a .part from the first byte
    options = DownloadOptions(dest=dest, retry=FAST_RETRY)
    downloader = Downloader(http, Refresher(cdn), options, files=files)
    (outcome,) = await downloader.run([good(cdn, key)])
    assert outcome.report()["errmsg"] == outcome.errmsg  # the command line's words
    return outcome


async def test_a_file_where_a_folder_goes_is_named(
    http: httpx.AsyncClient, cdn: FakeCdn, tmp_path: Path
) -> None:
    blocker = tmp_path / ENV / "images"
    blocker.parent.mkdir(parents=True)
    blocker.write_bytes(b"in the way")

    outcome = await download(http, cdn, tmp_path, "images/2024/a.bin")

    assert not outcome.ok
    assert outcome.kind is ErrorKind.CONFIG
    assert outcome.errmsg == (
        f"Cannot write a.bin: {blocker} is a file where a folder of that name is needed. "
        "Move or rename that file, or choose another download folder."
    )
    assert blocker.read_bytes() == b"in the way"


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (
            OSError(errno.EFBIG, "File too large"),
            "Cannot write a.bin: File too large. The disk of {folder} does not take files "
            "this large (a FAT32 disk takes at most 4 GiB per file): choose a download "
            "folder on another disk.",
        ),
        (
            IsADirectoryError(errno.EISDIR, "Is a directory"),
            "Cannot write a.bin: Is a directory. A folder of that name is in the way: move "
            "or rename it, or choose another download folder.",
        ),
        (
            OSError(errno.ENAMETOOLONG, "File name too long"),
            "Cannot write a.bin: File name too long. Choose a download folder with a "
            "shorter path, or the flat layout (every file directly in the folder).",
        ),
    ],
)
async def test_a_write_a_retry_meets_again_says_what_is_in_the_way(
    http: httpx.AsyncClient, cdn: FakeCdn, tmp_path: Path, error: OSError, words: str
) -> None:
    outcome = await download(http, cdn, tmp_path, "sub/a.bin", Refusing(error))

    assert not outcome.ok
    assert outcome.kind is ErrorKind.CONFIG
    assert outcome.errmsg == words.format(folder=tmp_path / ENV / "sub")


async def test_a_write_failure_a_retry_may_get_past_stays_retryable(
    http: httpx.AsyncClient, cdn: FakeCdn, tmp_path: Path
) -> None:
    outcome = await download(
        http, cdn, tmp_path, "sub/a.bin", Refusing(OSError(errno.EIO, "Input/output error"))
    )

    assert outcome.kind is ErrorKind.FILE
    assert outcome.errmsg == "Cannot write a.bin: Input/output error"
