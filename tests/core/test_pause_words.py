"""A pause or a cancel the operator asked for is no failure: the file calls it leaves
before their end are traced as "cancelled" with words ("Paused", "Cancelled"), never as a
red "stop" with Python's "CancelledError", in the window and in ``--trace`` alike."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tcb_gui.core.downloads import DiskFullError, Downloader, DownloadOptions, FileOps
from tcb_gui.core.errors import messages
from tcb_gui.core.trace import CallKind, Outcome, TraceEvent, TraceHub
from tcb_gui.core.trace_file import explain, read_trace, trace_line, write_trace
from tests.core.test_downloads import (
    FAST_RETRY,
    FakeCdn,
    Refresher,
    WritesThrough,
    disk_full_after,
    done_bytes,
    good,
    wait_for,
)

# The fields of a --trace line, as README documents them: a reader's keys stay the same.
FIELDS = {
    "time",
    "kind",
    "method",
    "endpoint",
    "url",
    "env",
    "ids",
    "http_status",
    "errcode",
    "errmsg",
    "duration_ms",
    "attempt",
    "outcome",
    "body",
    "bytes",
}


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


def traced(
    http: httpx.AsyncClient,
    cdn: FakeCdn,
    dest: Path,
    *,
    concurrency: int = 1,
    files: FileOps | None = None,
) -> tuple[Downloader, list[TraceEvent]]:
    events: list[TraceEvent] = []
    hub = TraceHub()
    hub.add(events.append)
    options = DownloadOptions(dest=dest, retry=FAST_RETRY, concurrency=concurrency)
    downloader = Downloader(
        http, Refresher(cdn), options, progress_interval=0.05, files=files, trace=hub
    )
    return downloader, events


def left(events: list[TraceEvent]) -> list[TraceEvent]:
    return [e for e in events if e.kind is CallKind.FILE and e.outcome is not Outcome.OK]


async def test_a_pause_leaves_its_call_as_paused_not_as_a_failure(
    http: httpx.AsyncClient, cdn: FakeCdn, tmp_path: Path
) -> None:
    cdn.add("p.bin", 2_000_000)
    downloader, events = traced(http, cdn, tmp_path / "out")
    run = asyncio.create_task(downloader.run([good(cdn, "p.bin")]))
    await wait_for(lambda: done_bytes(downloader) >= 200_000)

    downloader.pause()
    await wait_for(lambda: bool(left(events)))
    downloader.resume()
    outcomes = await asyncio.wait_for(run, 10)

    assert outcomes[0].ok
    (paused,) = left(events)
    assert (paused.outcome, paused.errmsg) == (Outcome.CANCELLED, "Paused")
    assert explain(paused) is None  # not "No answer from the service … check the network"
    assert [e.outcome for e in events if e.kind is CallKind.FILE] == [
        Outcome.CANCELLED,
        Outcome.OK,
    ]


async def test_a_cancel_leaves_its_call_as_cancelled_in_words(
    http: httpx.AsyncClient, cdn: FakeCdn, tmp_path: Path
) -> None:
    cdn.add("c.bin", 2_000_000)
    downloader, events = traced(http, cdn, tmp_path / "out")
    run = asyncio.create_task(downloader.run([good(cdn, "c.bin")]))
    await wait_for(lambda: done_bytes(downloader) > 0)

    downloader.cancel()
    await asyncio.wait_for(run, 10)

    (cancelled,) = left(events)
    assert (cancelled.outcome, cancelled.errmsg) == (Outcome.CANCELLED, "Cancelled")
    assert explain(cancelled) is None


async def test_a_cancel_while_paused_says_cancelled(
    http: httpx.AsyncClient, cdn: FakeCdn, tmp_path: Path
) -> None:
    cdn.add("q.bin", 2_000_000)
    downloader, events = traced(http, cdn, tmp_path / "out")
    run = asyncio.create_task(downloader.run([good(cdn, "q.bin"), good(cdn, "q.bin")]))
    await wait_for(lambda: done_bytes(downloader) > 0)
    downloader.pause()
    await wait_for(lambda: bool(left(events)))
    downloader.cancel()
    await asyncio.wait_for(run, 10)

    assert [e.errmsg for e in left(events)] == ["Paused"]  # nothing was in flight after


async def test_a_full_disk_is_the_failure_and_the_calls_it_ended_say_so(
    http: httpx.AsyncClient, cdn: FakeCdn, tmp_path: Path
) -> None:
    for key in ("f1.bin", "f2.bin"):
        cdn.add(key, 2_000_000)
    downloader, events = traced(
        http, cdn, tmp_path / "out", concurrency=2, files=WritesThrough(disk_full_after(750_000))
    )
    with pytest.raises(DiskFullError):
        await downloader.run([good(cdn, "f1.bin"), good(cdn, "f2.bin")])

    calls = left(events)
    assert {e.errmsg for e in calls} == {"Stopped: the disk is full"}  # not "OSError"
    assert Outcome.STOP in {e.outcome for e in calls}  # the call that met it
    assert {e.outcome for e in calls} <= {Outcome.STOP, Outcome.CANCELLED}  # others: ended


def test_the_words_are_registered_for_the_window() -> None:
    registered = {m.text for m in messages()}
    assert {"Paused", "Cancelled"} <= registered


def test_a_cancelled_line_keeps_every_field_a_reader_knows(tmp_path: Path) -> None:
    event = TraceEvent(
        time=1_700_000_000.0,
        kind=CallKind.FILE,
        method="GET",
        endpoint="/download/b/p.bin",
        url="https://cdn.test/download/b/p.bin?sign=***",
        attempt=1,
        outcome=Outcome.CANCELLED,
        duration_ms=120.0,
        env="env-a",
        ids=1,
        http_status=200,
        errmsg="Paused",
        bytes=200_000,
    )
    record = json.loads(trace_line(event))
    assert set(record) == FIELDS
    assert (record["outcome"], record["errmsg"]) == ("cancelled", "Paused")
    path = tmp_path / "trace.jsonl"
    write_trace(path, [event])
    assert read_trace(path) == [record]
