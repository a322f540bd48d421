"""A partial file the run did not create is never cut, written into or removed, even one
another program (a browser) puts at a name the run wants after the run listed the folder:
the file goes on under the next name (README: "a `.part` left by a browser or another
program is left alone")."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tcb_gui.core.downloads import Downloader, DownloadOptions
from tests.core.test_downloads import ENV, FAST_RETRY, FakeCdn, Refresher, good, wait_for

FOREIGN = b"a browser's half download, not ours\n" * 1000


@pytest.fixture
def cdn() -> FakeCdn:
    cdn = FakeCdn()
    cdn.gate = asyncio.Event()
    return cdn


@pytest.fixture
async def http(cdn: FakeCdn) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(cdn.handler)) as client:
        yield client


def plant(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def names_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize("name", ["big.bin.part", "big.bin.part.json"])
async def test_a_file_put_at_a_partial_file_s_name_after_the_folder_was_listed_is_left_alone(
    http: httpx.AsyncClient, cdn: FakeCdn, tmp_path: Path, name: str
) -> None:
    cdn.add("d/first.bin", 100_000)
    big = cdn.add("d/big.bin", 3_000_000)  # streamed to its .part from the first byte
    options = DownloadOptions(dest=tmp_path, retry=FAST_RETRY, concurrency=1)
    downloader = Downloader(http, Refresher(cdn), options, progress_interval=0.02)
    run = asyncio.create_task(downloader.run([good(cdn, "d/first.bin"), good(cdn, "d/big.bin")]))
    # The folder has been listed: the first file is on its way, held at the gate.
    await wait_for(lambda: len(cdn.requests) == 1)
    foreign = tmp_path / ENV / "d" / name
    plant(foreign, FOREIGN)
    assert cdn.gate is not None
    cdn.gate.set()
    outcomes = await run

    assert [o.ok for o in outcomes] == [True, True]
    assert (tmp_path / ENV / "d" / "big.bin").read_bytes() == big
    assert foreign.read_bytes() == FOREIGN
    assert names_in(foreign.parent) == sorted(["big.bin", name, "first.bin"])
