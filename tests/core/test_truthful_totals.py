"""The run's byte total never claims a size far from the truth.

Sizes come as files start, so the first files sized are the list's first files, not a
sample of it. A list starting with two big files showed "22.1 MiB of about 5.2 GiB" (and
a matching time left) when the run came to 96 MiB: extrapolated from 2 files of 200.
Core now claims a total only once at least 1 in ``MAX_EXTRAPOLATION`` of the files are
sized, so a claimed total is at most that many times the truth; before that it claims
none (0, no time left) and both faces say the bytes so far.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tcb_gui.core.client import TcbClient, make_http_client
from tcb_gui.core.download_run import DownloadRun, no_link_yet
from tcb_gui.core.downloads import DownloadOptions, FileProgress, FileState, TotalProgress
from tcb_gui.core.downloads.progress import MAX_EXTRAPOLATION, Job, ProgressBook
from tcb_gui.core.fileids import parse_fileid
from tcb_gui.demo import samples
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DEMO_TOKEN, DemoConfig, DemoState

MIB = 1 << 20
# The walkthrough's list: two big files first, then 198 of the demo's small ones.
BIG = 29 * MIB
SMALL = 196_000


def book_of(count: int) -> ProgressBook:
    book = ProgressBook(None)
    book.start(
        [Job(n, parse_fileid(samples.PROD.fileid(f"f/{n}.bin")), None) for n in range(count)]
    )
    return book


def walkthrough_sizes() -> list[int]:
    return [BIG, BIG] + [SMALL] * 198


def test_two_big_files_of_two_hundred_claim_no_total() -> None:
    book = book_of(200)
    for job, size in zip(book.jobs[:2], walkthrough_sizes(), strict=False):
        book.set_state(job, FileState.DOWNLOADING)
        book.set_total(job, size)
    book.set_done(book.jobs[0], 11 * MIB)
    book.set_done(book.jobs[1], 11 * MIB)
    book._meter.sample(0.0, 0)
    book._meter.sample(1.0, 3 * MIB)  # 3 MiB/s
    totals = book.totals(paused=False)
    # Was: bytes_total 200 × 29 MiB = 5.7 GiB, and 30 minutes left.
    assert totals.bytes_total == 0
    assert totals.eta is None
    assert totals.bytes_done == 22 * MIB
    assert totals.total_estimated  # sizes are still coming


def test_a_claimed_total_is_never_more_than_max_extrapolation_times_the_truth() -> None:
    sizes = walkthrough_sizes()
    truth = sum(sizes)
    book = book_of(len(sizes))
    claimed = []
    for job, size in zip(book.jobs, sizes, strict=True):
        book.set_total(job, size)
        total = book.totals(paused=False).bytes_total
        if total:
            claimed.append(total)
    assert claimed[-1] == truth  # exact once every size is known
    assert max(claimed) <= MAX_EXTRAPOLATION * truth
    assert min(claimed) >= 2 * BIG  # never less than the sizes known
    # The first total claimed comes with a quarter of the files sized.
    assert len(claimed) == len(sizes) - len(sizes) // MAX_EXTRAPOLATION + 1


def test_files_that_ended_before_their_size_came_do_not_count() -> None:
    book = book_of(8)
    for job in book.jobs[:6]:
        book.fail(job, "Not found")
    book.set_total(book.jobs[6], 5 * MIB)
    # 1 sized of the 2 still counted: an estimate of both, said as one.
    totals = book.totals(paused=False)
    assert totals.bytes_total == 10 * MIB
    assert totals.total_estimated


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=1 << 34), min_size=1, max_size=60),
    st.data(),
)
def test_any_list_in_any_order_never_overstates_more_than_the_bound(
    sizes: list[int], data: st.DataObject
) -> None:
    order = data.draw(st.permutations(range(len(sizes))))
    book = book_of(len(sizes))
    truth = sum(sizes)
    known = 0
    for n in order:
        book.set_total(book.jobs[n], sizes[n])
        known += sizes[n]
        totals = book.totals(paused=False)
        if totals.bytes_total:
            assert known <= totals.bytes_total <= MAX_EXTRAPOLATION * truth
        else:
            assert totals.eta is None
    assert book.totals(paused=False).bytes_total == truth


async def test_a_run_starting_with_its_biggest_files_never_reports_a_swollen_total(
    tmp_path: Path,
) -> None:
    reports: list[TotalProgress] = []

    def progress(files: Sequence[FileProgress], total: TotalProgress) -> None:
        reports.append(total)

    keys = ["gen/size-4M/big-0.bin", "gen/size-4M/big-1.bin"]
    keys += [f"gen/size-16K/small-{n:02d}.bin" for n in range(30)]
    truth = 2 * 4 * MIB + 30 * 16 * 1024
    ids = [parse_fileid(samples.PROD.fileid(k)) for k in keys]
    with DemoServer(DemoState(DemoConfig(latency_ms=10))) as server:
        async with make_http_client() as http:
            client = TcbClient(http, lambda: DEMO_TOKEN, base_url=server.base_url)
            run = DownloadRun(
                http,
                client,
                DownloadOptions(dest=tmp_path, concurrency=2, limit_rate=8 * MIB),
                [no_link_yet(f) for f in ids],
                on_progress=progress,
                progress_interval=0.01,
            )
            result = await run.run()
    assert result.counts().downloaded == len(keys)
    # While only the two big files were sized, no total was claimed (it was 32 × 4 MiB).
    early = [r for r in reports if r.bytes_done and not r.files_done]
    assert early
    assert all(r.bytes_total == 0 and r.eta is None for r in early)
    assert max(r.bytes_total for r in reports) <= MAX_EXTRAPOLATION * truth
    assert reports[-1].bytes_total == truth
    assert not reports[-1].total_estimated
