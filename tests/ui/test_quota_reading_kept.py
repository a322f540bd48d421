"""The window keeps today's quota reading for the command line (``TokenPresenter
.keep_reading``, ``Session.keep_quota_reading``) in its writer thread: a writer holding
``quota.json``'s lock never stops the window, and closing the window waits for the last
reading to be written. A write that failed leaves the window counting its calls from
the last reading it did keep, so the next write adds them all."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tcb_gui.core import quota_gauge
from tcb_gui.core.client import ApiMode, Quota, TokenCheck
from tcb_gui.core.errors import TokenState
from tcb_gui.core.quota_gauge import QuotaPlace, QuotaReading, recorded_reading
from tcb_gui.core.trace import CallKind, Outcome, TraceEvent
from tcb_gui.ui import task_names
from tcb_gui.ui.main_window import MainWindow
from tests.ui.conftest import WindowFactory, wait_until

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only

QUOTA = Quota(daily_limit=1_000_000, used=10, remain=999_990)
# Longer than a slot may hold the window; far shorter than the test's own timeout.
HELD_S = 2.0
# Long enough that a close not waiting for the write returns before it ends.
SLOW_WRITE_S = 0.3
RUN_CALLS = 7


def link_call(path: str) -> TraceEvent:
    """One link call that the service answered (as the gauge hears it)."""
    return TraceEvent(
        time.time() + 1,
        CallKind.API,
        "POST",
        path,
        "u",
        1,
        Outcome.OK,
        5.0,
        http_status=200,
        errcode=0,
    )


def checked(window: MainWindow) -> QuotaReading:
    """A check's numbers on the window's gauge (as the badge's check leaves them)."""
    asked = datetime.now(UTC)
    check = TokenCheck(TokenState.VALID, "", asked, QUOTA)
    window.tokens.gauge.checked(check, asked, window.session.profile.api.cgi_path)
    reading = window.tokens.gauge.reading()
    assert reading is not None
    return reading


def place_of(window: MainWindow) -> QuotaPlace:
    profile = window.session.profile
    return QuotaPlace.of(profile.name, profile.base_url, profile.api)


async def test_keeping_a_reading_never_waits_on_the_window(
    make_window: WindowFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = make_window()
    release = threading.Event()
    real = quota_gauge.record_reading

    def held(*args: object, **kwargs: object) -> object:  # another writer holds the lock
        release.wait(HELD_S)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(quota_gauge, "record_reading", held)
    reading = checked(window)
    began = time.monotonic()
    window.tokens.keep_reading()
    assert time.monotonic() - began < HELD_S / 2
    release.set()
    await wait_until(lambda: recorded_reading(place_of(window)) is not None, seconds=10)
    assert recorded_reading(place_of(window)) == reading


async def test_closing_the_window_waits_for_the_last_reading(
    make_window: WindowFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command line run right after the window closes counts on from its badge: the
    write, held until the close has begun and slow after that, is in the file when
    ``aclose`` returns."""
    window = make_window()
    closing = threading.Event()
    real_write = quota_gauge.record_reading

    def held(*args: object, **kwargs: object) -> object:
        closing.wait(HELD_S)
        time.sleep(SLOW_WRITE_S)  # a close that does not wait returns before this ends
        return real_write(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(quota_gauge, "record_reading", held)
    real_close = window.session.aclose

    async def close_session() -> None:
        closing.set()
        await real_close()

    monkeypatch.setattr(window.session, "aclose", close_session)
    reading = checked(window)
    window.tokens.keep_reading()
    await window.aclose()
    assert closing.is_set()
    assert recorded_reading(place_of(window)) == reading


async def test_a_run_the_close_cancels_keeps_its_calls(make_window: WindowFactory) -> None:
    """A run's ``after_run`` keeps nothing while tasks close; the close keeps its calls."""
    window = make_window()
    checked(window)
    first = window.tokens.keep_reading()
    assert first is not None
    await asyncio.wait_for(asyncio.wrap_future(first), 10)
    gauge = window.tokens.gauge
    path = window.session.profile.api.cgi_path
    started = asyncio.Event()

    async def run() -> None:  # as a resolve or download ends (``finally: after_run``)
        before = gauge.calls
        try:
            for _ in range(RUN_CALLS):
                gauge(link_call(path))
            started.set()
            await asyncio.Event().wait()
        finally:
            window.tokens.after_run(gauge.calls - before)

    window.tasks.start(task_names.RESOLVE, run())
    await asyncio.wait_for(started.wait(), 10)
    assert gauge.reading().calls_since == RUN_CALLS  # type: ignore[union-attr]
    await window.aclose()
    kept = recorded_reading(place_of(window))
    assert kept is not None
    assert kept.calls_since == RUN_CALLS


async def test_a_failed_write_leaves_the_next_one_counting_from_the_last_kept(
    make_window: WindowFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = make_window()
    sinces: list[QuotaReading | None] = []
    real = quota_gauge.record_reading

    def flaky(
        place: QuotaPlace, reading: QuotaReading, *, since: QuotaReading | None = None
    ) -> QuotaReading | None:
        sinces.append(since)
        if len(sinces) == 1:
            return None  # the file could not be written (logged by core)
        return real(place, reading, since=since)

    monkeypatch.setattr(quota_gauge, "record_reading", flaky)
    checked(window)
    for _ in range(3):
        write = window.tokens.keep_reading()
        assert write is not None
        await asyncio.wait_for(asyncio.wrap_future(write), 10)
    assert sinces[:2] == [None, None]  # not the reading that was never written
    assert sinces[2] is not None  # the written one is what the next counts from


def test_a_reading_that_cannot_be_written_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(quota_gauge, "write_bytes_atomic", refused)
    place = QuotaPlace.of("default", "https://api.weixin.qq.com", ApiMode.COMPONENT)
    reading = QuotaReading(QUOTA, datetime.now(UTC))
    assert quota_gauge.record_reading(place, reading, file=tmp_path / "quota.json") is None


async def test_a_write_that_raises_is_logged(
    make_window: WindowFactory, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Nobody reads the writer's future: an exception in it is said in the log."""
    window = make_window()

    def broken(*args: object, **kwargs: object) -> None:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(quota_gauge, "record_reading", broken)
    checked(window)
    write = window.tokens.keep_reading()
    assert write is not None
    with caplog.at_level(logging.ERROR, logger="tcb_gui.ui.session"):
        await asyncio.wait_for(asyncio.wrap_future(write), 10)
    [record] = [r for r in caplog.records if r.name == "tcb_gui.ui.session"]
    assert "quota reading" in record.getMessage()
    assert "RecursionError" in caplog.text  # the traceback (redacted once the app logs)
