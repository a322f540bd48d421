"""A run over a folder where an earlier run's file was damaged replaces it, and core
counts it (``DownloadCounts.repaired``), for both faces to say."""

from __future__ import annotations

from pathlib import Path

from tcb_gui.core.client import TcbClient, make_http_client
from tcb_gui.core.download_run import DownloadRun, DownloadRunResult, no_link_yet
from tcb_gui.core.downloads import DownloadOptions, FileState
from tcb_gui.core.fileids import parse_fileid
from tcb_gui.demo import samples
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DEMO_TOKEN

KEYS = ["gen/size-64K/repair/a.bin", "gen/size-64K/repair/b.bin"]


async def download(server: DemoServer, dest: Path) -> DownloadRunResult:
    ids = [parse_fileid(samples.PROD.fileid(k)) for k in KEYS]
    async with make_http_client() as http:
        client = TcbClient(http, lambda: DEMO_TOKEN, base_url=server.base_url)
        run = DownloadRun(http, client, DownloadOptions(dest=dest), [no_link_yet(f) for f in ids])
        return await run.run()


async def test_a_damaged_file_is_downloaded_again_over_itself_and_counted(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    first = await download(demo_server, tmp_path)
    assert first.counts().repaired == 0
    damaged = tmp_path / samples.PROD.env / KEYS[0]
    data = bytearray(damaged.read_bytes())
    data[-1] ^= 0x01
    damaged.write_bytes(data)

    result = await download(demo_server, tmp_path)

    assert [o.state for o in result.outcomes] == [FileState.DONE, FileState.SKIPPED]
    assert result.outcomes[0].path == damaged
    assert result.outcomes[0].repaired
    assert not result.outcomes[1].repaired
    assert result.counts().repaired == 1
    assert damaged.read_bytes() == samples.file_bytes(samples.PROD.bucket, KEYS[0])
