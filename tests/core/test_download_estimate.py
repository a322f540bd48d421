"""The run's estimated byte total and time left, with big files and many small ones.

Bug: 20,000 small files after a folder's few big samples showed "42.4 MiB of about
162.5 MiB · 1 min 23 s left"; the run ended 10 s later at 57 MiB. The files not sized yet
were reckoned at the mean of every size known, which the big files that came first
swelled 3 to 8 times. They are now reckoned at the mean of the files sized most recently
(never more than the mean of all, so ``MAX_EXTRAPOLATION`` still bounds it), which both
faces render as they did ("about …", time left).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

import pytest

from tcb_gui.core.client import TcbClient, make_http_client
from tcb_gui.core.download_run import DownloadRun, no_link_yet
from tcb_gui.core.downloads import DownloadOptions, FileProgress, FileState, TotalProgress
from tcb_gui.core.downloads.progress import Job, ProgressBook
from tcb_gui.core.fileids import parse_fileid
from tcb_gui.demo import samples
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DEMO_TOKEN

KIB, MIB, GIB = 1 << 10, 1 << 20, 1 << 30


def book_of(count: int) -> ProgressBook:
    book = ProgressBook(None)
    book.start(
        [Job(n, parse_fileid(samples.PROD.fileid(f"f/{n}.bin")), None) for n in range(count)]
    )
    return book


def saved(book: ProgressBook, sizes: Sequence[int]) -> None:
    """The book's first files sized and saved, in order."""
    for job, size in zip(book.jobs, sizes, strict=False):
        book.set_total(job, size)
        book.set_done(job, size)
        book.set_state(job, FileState.DONE)


def test_small_files_after_a_few_big_ones_are_not_reckoned_at_the_big_ones_size() -> None:
    # The review's run: 20 big files first, then 20,000 of 1 KiB; 5,020 saved so far.
    sizes = [8 * MIB] * 20 + [KIB] * 20_000
    truth = sum(sizes)
    book = book_of(len(sizes))
    saved(book, sizes[:5_020])
    book._meter.sample(0.0, 0)
    book._meter.sample(1.0, int(1.4 * MIB))  # 1.4 MiB/s

    totals = book.totals(paused=False)

    assert totals.total_estimated
    # Was 657 MiB of a 180 MiB run (each file left at the 33.6 KiB mean), 6 min left.
    assert totals.bytes_total == truth
    left = truth - sum(sizes[:5_020])
    assert totals.eta == pytest.approx(left / (1.4 * MIB), rel=0.01)  # some 10 s


def sized(book: ProgressBook, sizes: Sequence[int]) -> None:
    for job, size in zip(book.jobs, sizes, strict=True):
        book.set_total(job, size)


def totals_after(
    sizes: Sequence[int], *, saved_first: int, byte_speed: int, files_per_s: int
) -> TotalProgress:
    """A run of files of ``sizes`` (all sized), its first ones saved, moving at these
    rates over the last second."""
    book = book_of(len(sizes))
    sized(book, sizes)
    saved(book, sizes[:saved_first])
    book._meter.sample(0.0, 0)
    book._meter.sample(1.0, byte_speed)
    book._files_meter.sample(0.0, 0)
    book._files_meter.sample(1.0, files_per_s)
    return book.totals(paused=False)


def test_the_time_left_of_many_small_files_is_reckoned_in_files_too() -> None:
    # 4 big files went by at 40 MiB/s; 10,000 files of 1 KiB are left, which end at 500 a
    # second (a request, a reply and a sync each): their 10 MiB at 40 MiB/s said 0.25 s.
    sizes = [64 * MIB] * 4 + [KIB] * 10_000

    totals = totals_after(sizes, saved_first=4, byte_speed=40 * MIB, files_per_s=500)

    assert totals.files_speed == 500
    assert totals.eta == pytest.approx(10_000 / 500)  # 20 s, not 0.25


def test_big_files_left_are_still_reckoned_in_bytes() -> None:
    sizes = [KIB] * 100 + [GIB] * 4

    # The small files ended at 100 a second.
    totals = totals_after(sizes, saved_first=100, byte_speed=100 * MIB, files_per_s=100)

    assert totals.eta == pytest.approx(4 * GIB / (100 * MIB))  # 41 s, not 0.04


def test_the_file_rate_counts_files_this_run_took_to_an_end() -> None:
    book = book_of(5)
    book.sample(0.0)
    done, failed, skipped, paused, cancelled = book.jobs
    book.set_state(done, FileState.DOWNLOADING)
    book.set_state(done, FileState.DONE)
    book.set_state(failed, FileState.FAILED)
    book.set_state(skipped, FileState.SKIPPED)  # complete from an earlier run: no cost
    book.set_state(paused, FileState.PAUSED)
    book.set_state(cancelled, FileState.CANCELLED)
    book.sample(2.0)

    assert book.totals(paused=False).files_speed == pytest.approx(2 / 2.0)
    # The run's own average once it is over.
    assert book._finished == 2


def test_files_under_way_count_for_what_is_left_of_them() -> None:
    book = book_of(4)
    sized(book, [MIB] * 4)
    for job in book.jobs[:2]:
        book.set_state(job, FileState.DOWNLOADING)
        book.set_done(job, 3 * MIB // 4)

    assert book._files_left() == pytest.approx(2 + 2 * 0.25)


def test_a_shuffled_list_is_still_reckoned_at_its_mean() -> None:
    rng = random.Random(12)
    sizes = [rng.choice([KIB, 64 * KIB, 4 * MIB]) for _ in range(2_000)]
    truth = sum(sizes)
    book = book_of(len(sizes))
    saved(book, sizes[:1_000])

    estimate = book.totals(paused=False).bytes_total

    assert 0.8 * truth <= estimate <= 1.2 * truth


async def test_a_real_run_of_big_then_small_files_claims_a_close_total(tmp_path: Path) -> None:
    reports: list[TotalProgress] = []

    def progress(files: Sequence[FileProgress], total: TotalProgress) -> None:
        reports.append(total)

    keys = [f"gen/size-2M/estimate/big-{n}.bin" for n in range(4)]
    keys += [f"gen/size-1K/estimate/small-{n:03d}.bin" for n in range(300)]
    truth = 4 * 2 * MIB + 300 * KIB
    ids = [parse_fileid(samples.PROD.fileid(k)) for k in keys]
    with DemoServer() as server:
        async with make_http_client() as http:
            client = TcbClient(http, lambda: DEMO_TOKEN, base_url=server.base_url)
            run = DownloadRun(
                http,
                client,
                # The big files hold 4 of the 8 transfers a good while: the small ones
                # are sized meanwhile, and a total is claimed before the run ends.
                DownloadOptions(dest=tmp_path, concurrency=8, limit_rate=4 * MIB),
                [no_link_yet(f) for f in ids],
                on_progress=progress,
                progress_interval=0.01,
            )
            result = await run.run()
    assert result.counts().downloaded == len(keys)
    estimated = [r.bytes_total for r in reports if r.total_estimated and r.bytes_total]
    assert estimated, "no total was claimed while sizes were still coming"
    # The mean of every size known said up to 4 times the truth here.
    assert max(estimated) <= 1.25 * truth
    assert reports[-1].bytes_total == truth
