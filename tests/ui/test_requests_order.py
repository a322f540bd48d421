"""The Requests view's rows are in the order of its Time column, newest sent first: a call
is heard when it ends, and a long one (a file, a slow answer) that ends after shorter
calls sent later goes in below them, where its time puts it — in one flush or over
several, within the bound, with the rows being read held in place."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import QModelIndex, Qt

from tcb_gui.core.client import TcbClient
from tcb_gui.core.fileids import parse_fileid
from tcb_gui.core.trace import CallKind, Outcome, TraceEvent, TraceHub
from tcb_gui.core.trace_file import MAX_EVENTS, TraceWriter, read_trace, write_trace
from tcb_gui.demo import samples
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DEMO_TOKEN, DemoConfig, DemoState
from tcb_gui.ui.requests_view import (
    MAX_INSERT_SPANS,
    PENDING_FACTOR,
    Column,
    RequestsModel,
    RequestsWindow,
)
from tests.ui.conftest import wait_until
from tests.ui.test_requests_view import cell, event, scrolled_down

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints", r"support raise\(\)")  # offscreen


def sent(n: float, **changes: object) -> TraceEvent:
    """A call sent ``n`` seconds after the first; its Attempt column names it."""
    return event(0, time=1_700_000_000.0 + n, attempt=int(n * 10), **changes)


def shown(model: RequestsModel) -> list[str]:
    return [str(cell(model, r, Column.ATTEMPT)) for r in range(model.rowCount())]


def assert_time_order(model: RequestsModel) -> None:
    """Down the table, the Time column never goes forward (it reads as sorted)."""
    times = [str(cell(model, r, Column.TIME)) for r in range(model.rowCount())]
    assert times == sorted(times, reverse=True)
    stamps = [e.time for e in model.events()]
    assert stamps == sorted(stamps)


def test_a_long_call_heard_last_goes_below_the_calls_sent_after_it(qapp) -> None:
    model = RequestsModel()
    inserted: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _p, first, last: inserted.append((first, last)))
    # A file call sent at 1 s takes 3 s; the API calls sent at 2, 2.5 and 3 s end first.
    for n in (2, 2.5, 3):
        model.add(sent(n))
    model.add(sent(1, kind=CallKind.FILE, duration_ms=3_000.0))
    assert model.flush() == 4
    assert shown(model) == ["30", "25", "20", "10"]
    assert_time_order(model)

    # Over two flushes: the calls sent at 5 and 6 s are in; the one sent at 4 s comes after.
    model.add(sent(5))
    model.add(sent(6))
    model.flush()
    model.add(sent(4, kind=CallKind.FILE, duration_ms=2_500.0))
    model.add(sent(7))
    inserted.clear()
    assert model.flush() == 2
    assert shown(model) == ["70", "60", "50", "40", "30", "25", "20", "10"]
    assert_time_order(model)
    assert inserted == [(0, 0), (3, 3)]  # on top, then a few rows down: no reset, no sort


def test_the_bound_keeps_the_calls_sent_last(qapp) -> None:
    model = RequestsModel(max_events=4)
    removed: list[tuple[int, int]] = []
    model.rowsRemoved.connect(lambda _p, first, last: removed.append((first, last)))
    for n in (1, 2, 3, 4):
        model.add(sent(n))
    model.flush()
    # Heard now: one sent before everything held (it would be the oldest: it does not
    # come in), one sent between (the oldest held, 1, leaves for it), and a new one.
    model.add(sent(0.5))
    model.add(sent(2.5))
    model.add(sent(5))
    assert model.flush() == 3
    assert shown(model) == ["50", "40", "30", "25"]
    assert removed == [(2, 3)]  # 2 and 1, the oldest sent, from the bottom
    assert model.total == 7
    assert_time_order(model)


def test_many_places_at_once_still_end_in_order(qapp) -> None:
    model = RequestsModel()
    for n in range(0, 400, 2):
        model.add(sent(n))
    model.flush()
    # Every odd second, heard at once: more places than one insert each is worth.
    late = list(range(1, 400, 4))
    assert len(late) > MAX_INSERT_SPANS
    for n in late:
        model.add(sent(n))
    resets: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))
    assert model.flush() == len(late)
    assert resets == []
    assert model.rowCount() == 200 + len(late)
    assert_time_order(model)


def test_the_call_being_read_and_the_selected_one_stay_put(qtbot) -> None:
    window, hub = scrolled_down(
        qtbot, (sent(n, endpoint=f"/download/b/f{n:04d}.bin") for n in range(0, 600, 2))
    )
    table = window.table
    assert table is not None
    top = table.rowAt(0)
    reading = window.model.event_at(top)
    assert reading is not None
    table.setCurrentIndex(window.model.index(top + 3, Column.TIME))
    picked = window.selected_event()
    assert picked is not None

    # Long calls heard late: one far below the rows being read, one among them, one
    # above them; and a new one on top.
    at, chosen = reading.time - 1_700_000_000.0, picked.time - 1_700_000_000.0
    for late in (at - 101, chosen + 1, at + 51):
        hub.emit(sent(late, endpoint="/download/b/late.bin"))
    hub.emit(sent(700, endpoint="/download/b/new.bin"))
    qtbot.waitUntil(lambda: window.model.pending == 0, timeout=2000)
    assert window.model.rowCount() == 304
    assert window.model.event_at(table.rowAt(0)) is reading  # in place, under the eyes
    assert window.selected_event() is picked
    assert_time_order(window.model)


def test_far_out_of_order_calls_keep_the_selection(qtbot) -> None:
    hub = TraceHub()
    window = RequestsWindow(hub)
    qtbot.addWidget(window)
    for n in range(0, 400, 2):
        hub.emit(sent(n))
    window.open()
    table = window.table
    assert table is not None
    table.setCurrentIndex(window.model.index(120, Column.TIME))
    picked = window.selected_event()
    assert picked is not None
    for n in range(1, 400, 4):
        hub.emit(sent(n))
    qtbot.waitUntil(lambda: window.model.pending == 0, timeout=2000)
    assert window.selected_event() is picked
    assert table.currentIndex() != QModelIndex()
    assert_time_order(window.model)


async def test_a_slow_answer_sent_first_is_shown_below_the_later_ones(qtbot) -> None:
    # A real resolve: the answer to the batch that reaches the service first is slow,
    # the others' come at once. Which batch that is depends on how the four requests in
    # flight arrive; whichever it is, it is listed where its send time puts it.
    hub = TraceHub()
    window = RequestsWindow(hub)
    qtbot.addWidget(window)
    window.open()
    ids = [parse_fileid(samples.PROD.fileid(f"gen/order/{n:04d}.txt")) for n in range(200)]
    with DemoServer(DemoState(DemoConfig(slow_seconds=0.6))) as server:
        server.state.script_faults("batchdownloadfile", ["slow"])
        async with httpx.AsyncClient() as http:
            client = TcbClient(http, DEMO_TOKEN, base_url=server.base_url, trace=hub)
            results = await client.resolve_all(ids)
        seen = server.state.stats.requests["componenttcb/batchdownloadfile"]
    assert all(r.ok for r in results)
    assert seen == 4
    await wait_until(lambda: window.model.rowCount() == seen, 5)
    model = window.model
    slowest = max(model.events(), key=lambda e: e.duration_ms)
    assert slowest.duration_ms >= 500
    assert slowest.outcome is Outcome.OK
    heard_last = max(model.events(), key=lambda e: e.time + e.duration_ms / 1000)
    assert heard_last is slowest
    sent_after = sum(e.time > slowest.time for e in model.events())
    assert model.event_at(sent_after) is slowest  # below every call sent after it
    assert_time_order(model)


def test_the_time_header_says_the_rows_follow_it(qapp) -> None:
    model = RequestsModel()
    tip = Qt.ItemDataRole.ToolTipRole
    assert "sent" in model.headerData(Column.TIME, Qt.Orientation.Horizontal, tip)
    assert "took" in model.headerData(Column.MS, Qt.Orientation.Horizontal, tip)
    assert model.headerData(Column.KIND, Qt.Orientation.Horizontal, tip) is None


def test_while_hidden_the_bound_keeps_the_calls_sent_last(qtbot) -> None:
    # The window never shown: nothing takes the calls in. A long call sent before all
    # the others is heard last, after more than the bound of shorter ones.
    hub = TraceHub()
    window = RequestsWindow(hub)
    qtbot.addWidget(window)
    model = window.model
    count = MAX_EVENTS + 10
    for n in range(1, count + 1):
        hub.emit(sent(n))
    early = sent(0, kind=CallKind.FILE, duration_ms=float(count * 1000))
    hub.emit(early)
    window.open()
    assert model.pending == 0
    assert model.rowCount() == MAX_EVENTS
    assert model.row_of(early) is None  # sent first: the oldest, left out
    stamps = [e.time - 1_700_000_000.0 for e in model.events()]
    assert stamps == [float(n) for n in range(11, count + 1)]  # the MAX_EVENTS sent last
    assert model.total == count + 1
    assert window.count_label is not None
    assert window.count_label.text() == f"The newest {MAX_EVENTS:,} of {count + 1:,} calls"


def test_the_calls_waiting_stay_bounded_and_keep_the_sent_last(qapp) -> None:
    # Many times the bound heard with nothing flushing: the queue is cut back by send
    # time each time it reaches its cap, never by when a call was heard.
    bound = 50
    model = RequestsModel(max_events=bound)
    everything = []
    most = 0
    for n in range(1, 20 * bound + 1):
        # Every tenth call a long one sent well before the calls heard around it.
        e = sent(n - 3 * bound if n % 10 == 0 else n)
        everything.append(e)
        model.add(e)
        most = max(most, model.pending)
    assert most <= PENDING_FACTOR * bound
    model.flush()
    newest = sorted(everything, key=lambda e: e.time)[-bound:]
    assert model.events() == newest
    assert_time_order(model)


def test_save_trace_writes_the_lines_of_trace_in_its_order(qtbot, tmp_path: Path) -> None:
    # The same calls heard by --trace's writer and by the window: the saved file is the
    # --trace file, line for line, though the view lists them by send time.
    hub = TraceHub()
    window = RequestsWindow(hub)
    qtbot.addWidget(window)
    cli = tmp_path / "cli.jsonl"
    with TraceWriter(cli) as writer:
        hub.add(writer)
        for n in (2, 2.5, 3):
            hub.emit(sent(n))
        hub.emit(sent(1, kind=CallKind.FILE, duration_ms=3_000.0))  # sent first, heard last
        hub.emit(sent(4))
        hub.emit(sent(4))  # sent at the same moment: kept as heard
        hub.remove(writer)
    window.open()
    assert shown(window.model) == ["40", "40", "30", "25", "20", "10"]
    saved = tmp_path / "saved.jsonl"
    assert window.save_trace(saved) == 6
    assert saved.read_text(encoding="utf-8") == cli.read_text(encoding="utf-8")
    assert [r["attempt"] for r in read_trace(saved)] == [20, 25, 30, 10, 40, 40]


def test_a_saved_trace_over_the_bound_is_the_trace_less_the_oldest_sent(
    qapp, tmp_path: Path
) -> None:
    hub = TraceHub()
    model = RequestsModel(hub, max_events=4)
    cli = tmp_path / "cli.jsonl"
    with TraceWriter(cli) as writer:
        hub.add(writer)
        for n in (3, 1, 5, 2, 6, 4, 0.5):
            hub.emit(sent(n))
            if n == 5:
                model.flush()
        hub.remove(writer)
    model.flush()
    saved = tmp_path / "saved.jsonl"
    assert write_trace(saved, model.heard()) == 4
    lines = cli.read_text(encoding="utf-8").splitlines()
    kept = saved.read_text(encoding="utf-8").splitlines()
    assert kept == [line for line in lines if line in kept]  # --trace's order
    assert [r["attempt"] for r in read_trace(saved)] == [30, 50, 60, 40]  # the 4 sent last
