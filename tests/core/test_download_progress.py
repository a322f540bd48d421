"""The run's totals tell the truth: the byte total covers every file of the run from the
first report that has enough sizes to say one (an estimate, said as such, until every size
is known; ``test_truthful_totals`` for a list that starts with its biggest files), and
time left counts the bytes still to come."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from tcb_gui.core.client import TcbClient, make_http_client
from tcb_gui.core.download_run import DownloadRun, no_link_yet
from tcb_gui.core.downloads import DownloadOptions, FileProgress, TotalProgress, progress
from tcb_gui.core.fileids import parse_fileid
from tcb_gui.demo import samples
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DEMO_TOKEN, DemoConfig, DemoState

SIZE = 2 * 1024 * 1024


async def test_six_files_two_at_a_time_show_the_whole_total(tmp_path: Path) -> None:
    reports: list[TotalProgress] = []

    def progress(files: Sequence[FileProgress], total: TotalProgress) -> None:
        reports.append(total)

    ids = [parse_fileid(samples.PROD.fileid(f"gen/size-2M/f{n}.bin")) for n in range(6)]
    # Latency keeps the run long enough for several reports while files are unsized.
    with DemoServer(DemoState(DemoConfig(latency_ms=30))) as server:
        async with make_http_client() as http:
            client = TcbClient(http, lambda: DEMO_TOKEN, base_url=server.base_url)
            run = DownloadRun(
                http,
                client,
                DownloadOptions(dest=tmp_path, concurrency=2),
                [no_link_yet(f) for f in ids],
                on_progress=progress,
                progress_interval=0.01,
            )
            result = await run.run()
    assert result.counts().downloaded == 6
    sized = [r for r in reports if r.bytes_total]
    assert sized, reports
    # From the first report that claims a total on, it is the run's: 6 × 2 MiB.
    assert {r.bytes_total for r in sized} == {6 * SIZE}
    assert any(r.total_estimated for r in sized)  # said as an estimate at first …
    assert not reports[-1].total_estimated  # … and exact once every size is known
    assert reports[-1].bytes_done == 6 * SIZE
    for r in sized:
        if r.eta is not None and r.speed:
            # The bytes left at the speed, or longer when the files left at the file rate
            # take longer (tests/core/test_download_estimate.py).
            assert r.eta >= (r.bytes_total - r.bytes_done) / r.speed - 1e-6
    # The last report gives the run's average speed: a short run's sliding window would
    # have said 0 B/s (the command line printed "200.0 MiB of 200.0 MiB · 0 B/s").
    assert reports[-1].speed is not None
    assert reports[-1].speed > 0


def test_the_final_totals_give_the_runs_average_speed(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [100.0]
    monkeypatch.setattr(progress.time, "monotonic", lambda: clock[0])
    book = progress.ProgressBook(None)
    book.start([])
    book._received = 50 * 1024 * 1024  # bytes came in …
    book.sample(100.1)  # … faster than one sample of the sliding window: it says nothing
    clock[0] = 102.0  # two seconds into the run
    assert book.totals(paused=False).speed is None  # not measured, not "0 B/s"
    final = book.totals(paused=False, final=True)
    assert final.speed == 25 * 1024 * 1024
    assert final.eta is None  # nothing left to wait for
