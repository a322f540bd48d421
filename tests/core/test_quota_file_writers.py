"""Two writers of today's quota readings at once (core.quota_gauge.record_reading): two
command-line runs, or a run and the window, each read, merge and replace
``quota.json`` under its lock, so neither replaces the file with a copy that lacks the
other's newer reading. Real processes, many interleaved writes."""

from __future__ import annotations

import json
import multiprocessing
import os
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tcb_gui.core import atomicfile
from tcb_gui.core.client import ApiMode, Quota
from tcb_gui.core.quota_gauge import (
    MAX_RECORD_BYTES,
    QuotaPlace,
    QuotaReading,
    merged_reading,
    record_reading,
    recorded_reading,
)

CHECKED_AT = datetime(2026, 12, 5, 8, 17, 5, tzinfo=UTC)  # 16:17:05 in Beijing
QUOTA = Quota(daily_limit=1_000_000, used=0, remain=1_000_000)
BASE_URL = "https://api.weixin.qq.com"
WRITERS = 4
ROUNDS = 60
# Brackets nested far deeper than Python's recursion limit, in a file under the size cap.
NESTED = min(MAX_RECORD_BYTES // 2 - 2, 50_000)


def place(profile: str) -> QuotaPlace:
    return QuotaPlace(profile, BASE_URL, ApiMode.COMPONENT.cgi_path)


def clock() -> datetime:
    return CHECKED_AT + timedelta(hours=1)


def _own_place_writer(file: str, number: int, start: float) -> None:
    """Keep a newer reading of this writer's own profile, round after round."""
    while time.time() < start:
        time.sleep(0.001)
    for round_ in range(1, ROUNDS + 1):
        reading = QuotaReading(QUOTA, CHECKED_AT + timedelta(seconds=round_), number)
        record_reading(place(f"p{number}"), reading, file=Path(file), clock=clock)


def _shared_place_writer(file: str, start: float) -> None:
    """A run after a run on one profile: count on from the kept reading, one call each."""
    while time.time() < start:
        time.sleep(0.001)
    shared = place("shared")
    for _ in range(ROUNDS):
        kept = recorded_reading(shared, file=Path(file), clock=clock)
        assert kept is not None
        mine = QuotaReading(kept.checked, kept.checked_at, kept.calls_since + 1)
        record_reading(shared, mine, since=kept, file=Path(file), clock=clock)


def _run_all(target: object, args: list[tuple[object, ...]]) -> None:
    context = multiprocessing.get_context("fork")
    processes = [context.Process(target=target, args=a) for a in args]  # type: ignore[arg-type]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0


def test_writers_at_once_each_keep_their_newest_reading(tmp_path: Path) -> None:
    """Each writer keeps its own profile's reading, newer each round: at the end every
    profile holds its last one. A writer that replaced the file with what it read before
    another's write would drop that profile or put an older reading back."""
    file = tmp_path / "state" / "quota.json"
    start = time.time() + 0.3
    _run_all(_own_place_writer, [(str(file), n, start) for n in range(WRITERS)])
    last = CHECKED_AT + timedelta(seconds=ROUNDS)
    for number in range(WRITERS):
        kept = recorded_reading(place(f"p{number}"), file=file, clock=clock)
        assert kept == QuotaReading(QUOTA, last, number), number


def test_runs_at_once_on_one_profile_add_up_their_calls(tmp_path: Path) -> None:
    """Runs on one profile counting on from the same check: every call each made is in
    the kept count (an estimate that errs towards less left, never more)."""
    file = tmp_path / "quota.json"
    record_reading(place("shared"), QuotaReading(QUOTA, CHECKED_AT), file=file, clock=clock)
    start = time.time() + 0.3
    _run_all(_shared_place_writer, [(str(file), start) for _ in range(WRITERS)])
    kept = recorded_reading(place("shared"), file=file, clock=clock)
    assert kept is not None
    assert kept.calls_since == WRITERS * ROUNDS


def test_the_newer_check_wins_whichever_writes_last(tmp_path: Path) -> None:
    file = tmp_path / "quota.json"
    newer = QuotaReading(Quota(1_000, 10, 990), CHECKED_AT + timedelta(minutes=5))
    older = QuotaReading(QUOTA, CHECKED_AT, calls_since=3)
    record_reading(place("p"), newer, file=file, clock=clock)
    assert record_reading(place("p"), older, file=file, clock=clock) == newer
    assert recorded_reading(place("p"), file=file, clock=clock) == newer


def test_merging_from_one_check() -> None:
    base = QuotaReading(QUOTA, CHECKED_AT, 5)
    other = QuotaReading(QUOTA, CHECKED_AT, 9)  # another run: 4 calls
    mine = QuotaReading(QUOTA, CHECKED_AT, 7)  # this one: 2 calls
    assert merged_reading(other, mine, base).calls_since == 11
    assert merged_reading(None, mine, base) == mine
    # Without knowing where this writer started, the larger count: no call twice.
    assert merged_reading(other, mine).calls_since == 9


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"not json",
        b'{"version": 9, "readings": []}',
        b"\xff\xfe\x00garbage",
        b"[1, 2]",
        b"[" * NESTED + b"]" * NESTED,  # json.loads raises RecursionError
    ],
)
def test_a_damaged_or_foreign_file_is_replaced_by_the_reading(
    tmp_path: Path, content: bytes
) -> None:
    file = tmp_path / "quota.json"
    file.write_bytes(content)
    reading = QuotaReading(QUOTA, CHECKED_AT, 2)
    assert record_reading(place("p"), reading, file=file, clock=clock) == reading
    assert recorded_reading(place("p"), file=file, clock=clock) == reading
    assert json.loads(file.read_text("utf-8"))["version"] == 1


def _hold_lock(file: str, held: object, release: object) -> None:
    with atomicfile.locked(Path(file)) as got:
        assert got
        held.set()  # type: ignore[attr-defined]
        release.wait(30)  # type: ignore[attr-defined]


def test_a_writer_that_holds_the_lock_too_long_delays_a_run_briefly_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hung writer (a stopped process) does not stop a run: after the short wait the
    reading is kept without the lock."""
    monkeypatch.setattr(atomicfile, "LOCK_WAIT_S", 0.2)
    file = tmp_path / "quota.json"
    context = multiprocessing.get_context("fork")
    held, release = context.Event(), context.Event()
    holder = context.Process(target=_hold_lock, args=(str(file), held, release))
    holder.start()
    try:
        assert held.wait(10)
        began = time.monotonic()
        reading = QuotaReading(QUOTA, CHECKED_AT)
        record_reading(place("p"), reading, file=file, clock=clock)
        assert 0.2 <= time.monotonic() - began < 5
        assert recorded_reading(place("p"), file=file, clock=clock) == reading
    finally:
        release.set()
        holder.join(10)


def test_the_lock_file_is_private(tmp_path: Path) -> None:
    file = tmp_path / "quota.json"
    record_reading(place("p"), QuotaReading(QUOTA, CHECKED_AT), file=file, clock=clock)
    lock = tmp_path / "quota.json.lock"
    assert lock.exists()
    assert os.stat(lock).st_mode & 0o777 == 0o600


def test_a_fifo_at_the_readings_name_is_passed_over_not_waited_for(tmp_path: Path) -> None:
    """A FIFO planted at quota.json would stop every run that reads it for ever (a read
    waits for a writer); it is opened without waiting, refused, and the run goes on."""
    file = tmp_path / "quota.json"
    os.mkfifo(file)
    done = threading.Event()
    found: list[object] = []

    def read() -> None:
        found.append(recorded_reading(place("default"), file=file))
        done.set()

    threading.Thread(target=read, daemon=True).start()
    assert done.wait(5.0), "reading the readings waited on a FIFO"
    assert found == [None]


def test_a_huge_readings_file_is_not_read_whole(tmp_path: Path) -> None:
    file = tmp_path / "quota.json"
    with file.open("wb") as out:
        out.truncate(MAX_RECORD_BYTES + 1)
    assert recorded_reading(place("default"), file=file) is None
