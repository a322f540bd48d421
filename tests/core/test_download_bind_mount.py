"""Files under RECORDED_FROM are written in the engine's own folder and moved into place;
a sub-folder that is a bind mount of the same file system (Docker volumes, ``mount
--bind``) has the same device, yet refuses a link or rename across it (EXDEV). Such a file
is written beside its name instead, once per folder, and is saved, not failed."""

from __future__ import annotations

import errno
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tcb_gui.core.downloads import STATE_DIR_NAME, Downloader, DownloadOptions, FileOps
from tests.core.test_downloads import ENV, FAST_RETRY, FakeCdn, Refresher, good


@pytest.fixture
def cdn() -> FakeCdn:
    return FakeCdn()


class AnotherMount(FileOps):
    """Moves out of ``<dest>/.tcb-gui`` fail as across a mount point."""

    def __init__(self) -> None:
        self.refused: list[str] = []

    def _across(self, source: Path) -> None:
        if STATE_DIR_NAME in source.parts:
            self.refused.append(source.name)
            raise OSError(errno.EXDEV, "Invalid cross-device link")

    def publish(
        self,
        part: Path,
        final: Path,
        *,
        replace: bool,
        reserved: Callable[[Path], bool] = lambda _: False,
    ) -> Path:
        self._across(part)
        return super().publish(part, final, replace=replace, reserved=reserved)

    def move_no_clobber(self, source: Path, target: Path) -> bool:
        self._across(source)
        return super().move_no_clobber(source, target)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith((".part", ".json")))


async def test_files_in_a_bind_mounted_folder_are_saved_beside_their_names(
    cdn: FakeCdn, tmp_path: Path
) -> None:
    # First in its folder: one streamed to the engine's folder (over SMALL_FILE_BYTES),
    # one held in memory; then a tiny one that goes beside its name from the start.
    sizes = [("m/s.bin", 2_000_000), ("n/a.bin", 86_000), ("n/b.bin", 5)]
    data = {key: cdn.add(key, size) for key, size in sizes}
    files = AnotherMount()
    options = DownloadOptions(dest=tmp_path, retry=FAST_RETRY, concurrency=1)
    async with httpx.AsyncClient(transport=httpx.MockTransport(cdn.handler)) as http:
        downloader = Downloader(http, Refresher(cdn), options, files=files)
        outcomes = await downloader.run([good(cdn, key) for key in data])

    assert [o.ok for o in outcomes] == [True] * 3, [o.errmsg for o in outcomes]
    for key, body in data.items():
        assert (tmp_path / ENV / key).read_bytes() == body
    # Each file met the refusal once at most (files started meanwhile may meet it too;
    # later ones of the folder go beside their names from the start).
    assert {name.split(".")[0] for name in files.refused} >= {"s", "a"}
    assert len(set(files.refused)) == len(files.refused)
    assert leftovers(tmp_path / ENV / "m") == leftovers(tmp_path / ENV / "n") == []
