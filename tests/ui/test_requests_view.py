"""The Requests view (ui/requests_view.py): bounded, newest first, coalesced, each answer
explained with its docs section, "Copy as curl" and "Save trace…"; fed live by a real
resolve. And "Check connection…" (ui/doctor_dialog.py): the doctor's lines, live."""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QMessageBox

from tcb_gui.core.client import ApiMode, TcbClient
from tcb_gui.core.doctor import CheckName, DoctorSetup
from tcb_gui.core.fileids import parse_fileid
from tcb_gui.core.quota import QuotaPreview
from tcb_gui.core.settings import Profile
from tcb_gui.core.tokens import TokenInfo, TokenSource, TokenStore
from tcb_gui.core.trace import CallKind, Outcome, TraceEvent, TraceHub
from tcb_gui.core.trace_file import MAX_EVENTS, read_trace
from tcb_gui.demo import samples
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DEMO_TOKEN, DemoConfig, DemoState
from tcb_gui.ui.doctor_dialog import DoctorDialog, window_setup
from tcb_gui.ui.quota_question import quota_box, window_gate
from tcb_gui.ui.requests_view import (
    FLUSH_INTERVAL_MS,
    HEADERS,
    PENDING_FACTOR,
    Column,
    RequestsModel,
    RequestsWindow,
    details_text,
)
from tests.ui.conftest import WindowFactory, wait_until

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints", r"support raise\(\)")  # offscreen


def event(n: int = 1, **changes: object) -> TraceEvent:
    fields: dict[str, object] = {
        "time": 1_700_000_000.0 + n,
        "kind": CallKind.API,
        "method": "POST",
        "endpoint": "/componenttcb/batchdownloadfile",
        "url": "https://api.weixin.qq.com/componenttcb/batchdownloadfile?access_token=***",
        "attempt": n,
        "outcome": Outcome.OK,
        "duration_ms": 40.0,
        "env": "prod-1a2b",
        "ids": 50,
        "http_status": 200,
        "errcode": 0,
        "body": '{"env":"prod-1a2b","file_list":[]}',
    }
    fields.update(changes)
    return TraceEvent(**fields)  # type: ignore[arg-type]


def scrolled_down(qtbot, events: Iterable[TraceEvent]) -> tuple[RequestsWindow, TraceHub]:
    """A Requests window holding ``events``, scrolled down to about its 150th row (the
    operator reading an older call), and the hub that feeds it."""
    hub = TraceHub()
    window = RequestsWindow(hub)
    qtbot.addWidget(window)
    for item in events:
        hub.emit(item)
    window.show()
    window.resize(900, 500)
    window.model.flush()
    table = window.table
    assert table is not None
    qtbot.waitUntil(lambda: table.verticalScrollBar().maximum() > 150, timeout=2000)
    table.scrollTo(window.model.index(150, Column.TIME))
    qtbot.waitUntil(lambda: table.verticalScrollBar().value() > 0, timeout=2000)
    return window, hub


def cell(model: RequestsModel, row: int, column: Column, role: int = 0) -> object:
    return model.data(model.index(row, column), role or Qt.ItemDataRole.DisplayRole)


# -- the model ------------------------------------------------------------------------------


def test_it_holds_at_most_its_bound_newest_first(qapp) -> None:
    hub = TraceHub()
    model = RequestsModel(hub)
    most = 0
    for n in range(20_000):
        hub.emit(event(n))
        most = max(most, model.pending)
    assert most <= PENDING_FACTOR * MAX_EVENTS  # even unflushed, the queue is bounded
    model.flush()
    assert model.rowCount() == MAX_EVENTS
    assert model.total == 20_000
    assert cell(model, 0, Column.ATTEMPT) == "19999"
    assert cell(model, MAX_EVENTS - 1, Column.ATTEMPT) == str(20_000 - MAX_EVENTS)
    assert [e.attempt for e in model.events()[:2]] == [15_000, 15_001]  # oldest first


def test_a_burst_is_one_insert_and_the_oldest_leave_in_one_remove(qapp) -> None:
    model = RequestsModel(max_events=10)
    inserted: list[tuple[int, int]] = []
    removed: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _p, first, last: inserted.append((first, last)))
    model.rowsRemoved.connect(lambda _p, first, last: removed.append((first, last)))
    for n in range(7):
        model.add(event(n))
    assert model.flush() == 7
    for n in range(7, 13):
        model.add(event(n))
    assert model.flush() == 6
    assert model.flush() == 0
    assert inserted == [(0, 6), (0, 5)]
    assert removed == [(4, 6)]  # the 3 oldest of the 7, before the 6 new ones go on top
    assert [cell(model, r, Column.ATTEMPT) for r in range(10)] == [str(n) for n in range(12, 2, -1)]


def test_flushing_twenty_thousand_calls_is_quick(qapp) -> None:
    """What the window pays for a 100,000-ID resolve's calls, all at once, per flush."""
    model = RequestsModel()
    for n in range(20_000):
        model.add(event(n))
    started = time.perf_counter()
    model.flush()
    for n in range(500):  # a later flush: the usual case during a run
        model.add(event(n))
    model.flush()
    assert time.perf_counter() - started < 0.5


def test_columns_and_cells(qapp) -> None:
    model = RequestsModel()
    model.add(event(3, http_status=None, errcode=None, outcome=Outcome.RETRY, errmsg="cut"))
    model.flush()
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in Column] == list(HEADERS)
    assert HEADERS == (
        "Time",
        "Kind",
        "Endpoint",
        "Env",
        "IDs",
        "HTTP",
        "errcode",
        "Outcome",
        "ms",
        "Attempt",
    )
    texts = [cell(model, 0, c) for c in Column]
    assert texts[1:] == [
        "api",
        "/componenttcb/batchdownloadfile",
        "prod-1a2b",
        "50",
        "—",
        "",
        "retry",
        "40",
        "3",
    ]
    assert len(str(texts[0])) == len("12:34:56.789")
    assert cell(model, 0, Column.OUTCOME, Qt.ItemDataRole.ForegroundRole) is not None


@pytest.mark.parametrize(
    ("changes", "words", "section"),
    [
        (
            {"errcode": 40164, "errmsg": "invalid ip 203.0.113.7 ipv6 ::ffff:203.0.113.7, no"},
            "The service saw the address 203.0.113.7",
            "Help ▸ Service notes ▸ Error codes",
        ),
        (
            {"errcode": 76022, "endpoint": "/cgi-bin/openapi/quota/get"},
            "does not fit this API",
            "Help ▸ Service notes ▸ Quota",
        ),
        (
            {"errcode": 45009},
            "quota for this account is used up",
            "Help ▸ Service notes ▸ Error codes",
        ),
        ({"errcode": None, "http_status": 502}, "HTTP 502", "Help ▸ Service notes ▸ Error codes"),
    ],
)
def test_each_errcode_is_explained_with_its_docs_section(
    qapp, changes: dict[str, object], words: str, section: str
) -> None:
    model = RequestsModel()
    model.add(event(**changes))
    model.flush()
    tip = str(cell(model, 0, Column.ERRCODE, Qt.ItemDataRole.ToolTipRole))
    assert words in tip
    assert f"(See {section}.)" in tip
    details = details_text(model.events()[0])
    assert words in details
    assert section in details


def test_a_plain_success_has_no_explanation(qapp) -> None:
    model = RequestsModel()
    model.add(event())
    model.flush()
    assert cell(model, 0, Column.ERRCODE, Qt.ItemDataRole.ToolTipRole) is None


# -- the window -----------------------------------------------------------------------------


def test_the_window_fills_on_a_timer_only_while_shown(qtbot, tmp_path: Path, clipboard) -> None:
    hub = TraceHub()
    window = RequestsWindow(hub)
    qtbot.addWidget(window)
    hub.emit(event(1))
    assert window.table is None  # nothing built until first shown
    window.open()
    assert window.model.rowCount() == 1  # flushed on show
    for n in range(2, 6):
        hub.emit(event(n, errcode=40001, outcome=Outcome.STOP, errmsg="invalid credential"))
    assert window.model.rowCount() == 1
    qtbot.waitUntil(lambda: window.model.rowCount() == 5, timeout=FLUSH_INTERVAL_MS * 8)
    assert window.count_label is not None
    assert window.count_label.text() == "5 calls"

    assert window.table is not None
    window.table.setCurrentIndex(window.model.index(0, 0))
    assert window.details is not None
    assert "Paste a fresh token" in window.details.toPlainText()
    command = window.copy_as_curl()
    assert "${TCB_ACCESS_TOKEN}" in command
    assert QApplication.clipboard().text() == command + "\n"

    saved = tmp_path / "trace.jsonl"
    assert window.save_trace(saved) == 5
    assert [r["attempt"] for r in read_trace(saved)] == [1, 2, 3, 4, 5]

    window.hide()
    hub.emit(event(6))
    qtbot.wait(FLUSH_INTERVAL_MS * 3)
    assert window.model.rowCount() == 5  # hidden: queued, not inserted
    window.clear()
    assert window.model.rowCount() == 0
    window.dispose()
    hub.emit(event(7))
    assert window.model.pending == 0  # no longer listening


def test_nothing_selected_copies_nothing(qtbot, clipboard) -> None:
    window = RequestsWindow(TraceHub())
    qtbot.addWidget(window)
    window.open()
    assert window.copy_as_curl() == ""
    assert QApplication.clipboard().text() == ""


async def test_a_real_resolve_fills_it_one_row_per_attempt_the_service_saw(qtbot) -> None:
    hub = TraceHub()
    window = RequestsWindow(hub)
    qtbot.addWidget(window)
    window.open()
    ids = [parse_fileid(samples.PROD.fileid(f"gen/view/{n:04d}.txt")) for n in range(2_000)]
    with DemoServer(DemoState(DemoConfig(fault_rate=0.2, seed=5, slow_seconds=0.1))) as server:
        async with httpx.AsyncClient() as http:
            client = TcbClient(http, DEMO_TOKEN, base_url=server.base_url, trace=hub)
            results = await client.resolve_all(ids)
        seen = server.state.stats.requests["componenttcb/batchdownloadfile"]
        faults = sum(server.state.stats.faults.values())
    assert all(r.ok for r in results)
    await wait_until(lambda: window.model.rowCount() == seen)
    assert faults > 0
    outcomes = [cell(window.model, r, Column.OUTCOME) for r in range(seen)]
    assert outcomes.count("ok") == 40
    assert DEMO_TOKEN not in "".join(details_text(e) for e in window.model.events())


# -- check connection… --------------------------------------------------------------------


async def run_dialog(qtbot, setup: DoctorSetup) -> DoctorDialog:
    dialog = DoctorDialog(setup, store=TokenStore())
    qtbot.addWidget(dialog)
    dialog.show()  # starts the checks
    await wait_until(lambda: len(dialog.checks) == len(CheckName) and not dialog.running, 20)
    return dialog


async def test_check_connection_shows_the_doctors_lines(qtbot, clipboard) -> None:
    with DemoServer() as server:
        setup = await window_setup(
            Profile(name="default", base_url=server.base_url),
            TokenInfo(DEMO_TOKEN, TokenSource.SESSION),
            TokenStore(),
        )
        dialog = await run_dialog(qtbot, setup)
    assert setup.token_source == "this session"
    assert dialog.ready
    assert dialog.list.count() == len(CheckName)
    assert dialog.list.item(2).text() == "✓ Token: from this session, accepted"
    assert dialog.summary.text().startswith("Ready to resolve.")
    dialog.copy_lines()
    copied = QApplication.clipboard().text()
    assert "✓ API mode: the token fits component" in copied
    assert DEMO_TOKEN not in copied


async def test_check_connection_says_what_is_wrong(qtbot) -> None:
    with DemoServer(DemoState(DemoConfig(deny_ip=True, reported_ip="198.51.100.9"))) as server:
        setup = DoctorSetup(
            server.base_url, ApiMode.COMPONENT, "default", token=DEMO_TOKEN, token_source="x"
        )
        dialog = await run_dialog(qtbot, setup)
        assert not dialog.ready
        ip = dialog.check(CheckName.IP)
        assert ip is not None
        assert ip.ok is False
        assert "198.51.100.9" in ip.detail
        assert "(IP allowlist)" in dialog.summary.text()
        row = [dialog.list.item(i) for i in range(dialog.list.count())][4]
        assert row.text().startswith("✗ IP allowlist")
        assert "→ Add 198.51.100.9" in row.text()
        assert row.toolTip() == "See Help ▸ Service notes ▸ Error codes."
        # Fixed on the WeChat side: "Check again" turns it green.
        server.state.api_ip_allowlisted = True
        dialog.again_button.click()
        await wait_until(lambda: not dialog.running and dialog.ready)
    assert dialog.check(CheckName.IP) is not None


async def test_without_a_token_the_dialog_says_so(qtbot) -> None:
    with DemoServer() as server:
        setup = await window_setup(
            Profile(name="default", base_url=server.base_url),
            TokenInfo(None, TokenSource.NONE),
            TokenStore(),
        )
        dialog = await run_dialog(qtbot, setup)
    token = dialog.check(CheckName.TOKEN)
    assert token is not None
    assert token.ok is False
    assert "Set token…" in token.next_step
    assert "(Token)" in dialog.summary.text()


async def test_closing_the_dialog_mid_check_cancels_the_checks(qtbot) -> None:
    from tcb_gui.ui.tasks import TaskKeeper

    keeper = TaskKeeper()
    with DemoServer(DemoState(DemoConfig(latency_ms=400))) as server:
        setup = DoctorSetup(
            server.base_url, ApiMode.COMPONENT, "default", token=DEMO_TOKEN, token_source="x"
        )
        dialog = DoctorDialog(
            setup, store=TokenStore(), runner=lambda name, coro: keeper.start(name, coro)
        )
        qtbot.addWidget(dialog)
        dialog.show()
        await wait_until(lambda: len(dialog.checks) == 1)  # the service line; quota/get waits
        task = keeper.get("doctor")
        assert task is not None
        dialog.reject()
        await wait_until(task.done)
    assert task.cancelled()
    assert not dialog.running
    assert len(dialog.checks) == 1


def test_index_outside_the_rows(qapp) -> None:
    model = RequestsModel()
    assert model.data(QModelIndex()) is None
    assert model.event_at(3) is None


# -- the quota question --------------------------------------------------------------------


def test_the_quota_question_says_what_the_command_line_says(qtbot) -> None:
    preview = QuotaPreview(2_001, 2_000, 10_000)
    box = quota_box(preview)
    qtbot.addWidget(box)
    assert box.text() == "This run needs 2,001 calls; 2,000 remain today."
    assert "after about 100,000 IDs" in box.informativeText()
    roles = {b.text(): box.buttonRole(b) for b in box.buttons()}
    assert roles["Start anyway"] is QMessageBox.ButtonRole.AcceptRole
    assert box.defaultButton() is box.escapeButton()  # Enter and Esc both cancel


class _Status:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def show_status(self, text: str, timeout_ms: int = 0) -> None:
        self.lines.append(text)


async def test_the_window_asks_only_when_the_run_would_not_fit() -> None:
    asked: list[QuotaPreview] = []

    async def declines(preview: QuotaPreview) -> bool:
        asked.append(preview)
        return False

    status = _Status()
    assert await window_gate(None, status, declines)  # a small run: nothing said or asked
    assert status.lines == []
    assert asked == []
    fits = QuotaPreview(201, 5_000)
    assert await window_gate(fits, status, declines)
    assert status.lines == ["This run needs 201 calls; 5,000 remain today."]
    assert asked == []
    unknown = QuotaPreview(300, None, None, "no answer")
    assert await window_gate(unknown, status, declines)  # unknown is not "too many"
    assert asked == []
    too_many = QuotaPreview(2_001, 2_000, 10_000)
    assert not await window_gate(too_many, status, declines)
    assert asked == [too_many]
    assert status.lines[-1] == "Not started: This run needs 2,001 calls; 2,000 remain today."


def test_the_window_fits_a_small_screen(qtbot) -> None:
    """Shown on a screen narrower than its default width (the offscreen screen is
    800 x 600; a 1920 px screen at 200 % is 960), it stays on the screen, its buttons
    with it."""
    window = RequestsWindow(TraceHub())
    qtbot.addWidget(window)
    window.open()
    qtbot.waitExposed(window)
    free = window.screen().availableGeometry()
    assert free.width() < 1000  # the default width would not fit
    assert window.width() <= free.width()
    assert window.height() <= free.height()
    right = window.clear_button.mapTo(window, window.clear_button.rect().topRight()).x()
    assert right < window.width()


@pytest.mark.parametrize("shortcut", ["Esc", "platform-close"])
def test_the_window_closes_from_the_keyboard(qtbot, shortcut: str) -> None:
    """Without a window manager (no title bar) the keyboard is the only way out: Esc, as
    the dialogs close, and the platform's Close (Ctrl+W here). Closing only hides it."""
    if shortcut == "Esc":
        key, modifiers = Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier
    else:
        close = QKeySequence.keyBindings(QKeySequence.StandardKey.Close)[0][0]
        key, modifiers = close.key(), close.keyboardModifiers()
    hub = TraceHub()
    window = RequestsWindow(hub)
    qtbot.addWidget(window)
    window.open()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2_000)
    assert window.table is not None
    window.table.setFocus()
    qtbot.keyClick(window.table, key, modifiers)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=2_000)
    hub.emit(event(1))
    window.open()
    assert window.model.rowCount() == 1  # still listening, the calls kept


async def test_esc_in_the_requests_window_closes_it_not_the_main_windows_resolve(
    qtbot, make_window: WindowFactory
) -> None:
    """The main window's Esc cancels resolving; pressed in the Requests window it closes
    that window and nothing else."""
    window = make_window()
    cancelled: list[bool] = []
    window.act_cancel.triggered.connect(lambda: cancelled.append(True))
    window.act_cancel.setEnabled(True)  # as while a resolve runs
    requests = window.requests
    assert requests is not None
    window.show_requests()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is requests, timeout=2_000)
    assert requests.table is not None
    qtbot.keyClick(requests.table, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not requests.isVisible(), timeout=2_000)
    assert cancelled == []
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2_000)
    qtbot.keyClick(window.view, Qt.Key.Key_Escape)
    assert cancelled == [True]
