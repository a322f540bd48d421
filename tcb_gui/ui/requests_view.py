"""The Requests view: every HTTP attempt of this session, newest sent first, in plain words.

``RequestsWindow(hub, parent)`` listens to the session's ``core.trace.TraceHub`` from the
moment it is made (make it at start-up; its widgets are built the first time it is
shown); Esc or the platform's Close shortcut (Ctrl+W) hides it. Its ``RequestsModel``
keeps at most ``MAX_EVENTS`` calls, the ones sent last, so a 100,000-ID resolve cannot
grow it without bound, and takes new events in batches on a timer
(``FLUSH_INTERVAL_MS``) while the window is visible: an emit from the client is one list
append, whatever the window is doing; while it is hidden the calls waiting are cut back
to the ``MAX_EVENTS`` sent last each time they reach ``PENDING_FACTOR`` times that (one
sort of a nearly sorted list per ``MAX_EVENTS`` calls). Rows are in the order of the Time
column, when each call was sent: a call is heard when it ends, so a long one (a file)
that ends after shorter ones sent later goes in below them, where its time puts it —
found by bisection and inserted a few rows from the top, not by sorting the table. The
bound keeps the newest sent, whichever order they were heard in.

Columns: time, kind, endpoint, env, IDs, HTTP status, errcode, outcome, ms, attempt.
An errcode (or an HTTP failure, or no answer) is explained in plain words with the
section of docs/WECHAT_API.md it comes from, in its tooltip and in the details below
the table. "Copy as curl" puts the selected call on the clipboard as a shell command
with ``$TCB_ACCESS_TOKEN`` / ``$TCB_APP_SECRET`` where the secrets were; "Save trace…"
writes the calls held as JSON lines, the format of ``tcb-gui resolve --trace`` and its
order too: as each call was heard (when it ended), which ``--trace`` cannot change (it
writes each line as the call ends, so a killed run keeps them all). A saved trace is
then the lines a ``--trace`` file of the session has, less those older than the bound.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from bisect import bisect_right
from enum import IntEnum
from operator import itemgetter
from pathlib import Path
from typing import Any, Final
from urllib.parse import unquote

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
)
from PySide6.QtGui import (
    QAction,
    QBrush,
    QColor,
    QGuiApplication,
    QHideEvent,
    QKeySequence,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from tcb_gui.core.trace import CallKind, Outcome, TraceEvent, TraceHub
from tcb_gui.core.trace_file import MAX_EVENTS, curl_command, explain, scrub_body, write_trace
from tcb_gui.ui.core_text import core_text
from tcb_gui.ui.formatting import fmt_int, plain_tip, plural
from tcb_gui.ui.service_notes import ServiceNotes, section_words

# New events reach the table at most this often: a burst of thousands is one insert.
FLUSH_INTERVAL_MS: Final = 250
# A flush whose calls go to more places than this (calls heard far out of the order they
# were sent in) puts them on top in one insert and then sorts, as one layout change.
MAX_INSERT_SPANS: Final = 64
# While nothing takes them in (the window hidden), the calls waiting may reach this many
# times the bound before the oldest sent are dropped: a sort per ``max_events`` calls.
PENDING_FACTOR: Final = 2
# The details pane shows at most this much of a request body.
MAX_BODY_CHARS: Final = 4_000
SHORTCUT: Final = "Ctrl+Shift+R"
# The window's size when first shown, and what a title bar and borders take beside it.
DEFAULT_SIZE: Final = (1000, 560)
FRAME_ALLOWANCE: Final = 40

_Index = QModelIndex | QPersistentModelIndex


class Column(IntEnum):
    TIME = 0
    KIND = 1
    ENDPOINT = 2
    ENV = 3
    IDS = 4
    HTTP = 5
    ERRCODE = 6
    OUTCOME = 7
    MS = 8
    ATTEMPT = 9


# The English headers, marked for lupdate; ``headerData`` shows them translated.
HEADERS: Final = tuple(
    str(text)
    for text in (
        QT_TRANSLATE_NOOP("RequestsView", "Time"),
        QT_TRANSLATE_NOOP("RequestsView", "Kind"),
        QT_TRANSLATE_NOOP("RequestsView", "Endpoint"),
        QT_TRANSLATE_NOOP("RequestsView", "Env"),
        QT_TRANSLATE_NOOP("RequestsView", "IDs"),
        QT_TRANSLATE_NOOP("RequestsView", "HTTP"),
        QT_TRANSLATE_NOOP("RequestsView", "errcode"),
        QT_TRANSLATE_NOOP("RequestsView", "Outcome"),
        QT_TRANSLATE_NOOP("RequestsView", "ms"),
        QT_TRANSLATE_NOOP("RequestsView", "Attempt"),
    )
)
# What the Time and ms headers mean, in their tooltips: the rows are in the Time's order.
HEADER_TIPS: Final[dict[Column, str]] = {
    Column.TIME: str(
        QT_TRANSLATE_NOOP("RequestsView", "When the call was sent; the newest sent are on top")
    ),
    Column.MS: str(QT_TRANSLATE_NOOP("RequestsView", "How long the call took, in milliseconds")),
}
# The Kind and Outcome cells' words (core's values are the English ones, as in a trace file).
_KIND_WORDS: Final[dict[CallKind, object]] = {
    CallKind.API: QT_TRANSLATE_NOOP("RequestsView", "api"),
    CallKind.TOKEN: QT_TRANSLATE_NOOP("RequestsView", "token"),
    CallKind.FILE: QT_TRANSLATE_NOOP("RequestsView", "file"),
}
_OUTCOME_WORDS: Final[dict[Outcome, object]] = {
    Outcome.OK: QT_TRANSLATE_NOOP("RequestsView", "ok"),
    Outcome.RETRY: QT_TRANSLATE_NOOP("RequestsView", "retry"),
    Outcome.RENEW_TOKEN: QT_TRANSLATE_NOOP("RequestsView", "renew-token"),
    Outcome.STOP: QT_TRANSLATE_NOOP("RequestsView", "stop"),
    Outcome.FAILED: QT_TRANSLATE_NOOP("RequestsView", "failed"),
    Outcome.GAVE_UP: QT_TRANSLATE_NOOP("RequestsView", "gave-up"),
    Outcome.CANCELLED: QT_TRANSLATE_NOOP("RequestsView", "cancelled"),
}
# Each column sized for a typical value (the endpoint takes the rest).
_COLUMN_SAMPLES: Final = {
    Column.TIME: "00:00:00.000",
    Column.KIND: "token",
    Column.ENV: "demo-prod-7g3k-x",
    Column.IDS: "IDs 50",
    Column.HTTP: "HTTP 00",
    Column.ERRCODE: "-501001",
    Column.OUTCOME: "renew-token",
    Column.MS: "00,000",
    Column.ATTEMPT: "Attempt",
}
_NUMERIC: Final = frozenset({Column.IDS, Column.HTTP, Column.ERRCODE, Column.MS, Column.ATTEMPT})
# A call left before its end (Outcome.CANCELLED: paused, cancelled) is drawn plain: the
# operator asked for it, nothing failed.
_BAD_OUTCOMES: Final = frozenset({Outcome.STOP, Outcome.FAILED, Outcome.GAVE_UP})
_RETRY_OUTCOMES: Final = frozenset({Outcome.RETRY, Outcome.RENEW_TOKEN})
_BAD_COLOUR: Final = QColor(200, 40, 40)
_RETRY_COLOUR: Final = QColor(190, 120, 0)


def _words(source: object) -> str:
    """A text marked with ``QT_TRANSLATE_NOOP("RequestsView", …)``, translated."""
    return QCoreApplication.translate("RequestsView", str(source))


def kind_text(kind: CallKind) -> str:
    return _words(_KIND_WORDS.get(kind, kind.value))


def outcome_text(outcome: Outcome) -> str:
    return _words(_OUTCOME_WORDS.get(outcome, outcome.value))


# A call held: when it was sent (the Time column, the table's order), the how-many-th
# heard it was (ties of the send time, and Save trace's order), and the call. As a
# tuple, the order of the table is the tuples' own: the event is never compared.
_Held = tuple[float, int, TraceEvent]
_sent = itemgetter(0)
_heard = itemgetter(1)


def _time_text(stamp: float) -> str:
    local = time.localtime(stamp)
    return time.strftime("%H:%M:%S", local) + f".{int(stamp % 1 * 1000):03d}"


def endpoint_text(event: TraceEvent) -> str:
    """The path called, as a reader knows it: a file's key in its own letters
    ("/download/…/图片/测试.png", not "%E5%9B%BE…"), unless decoding it would show
    something else than text (bytes that are not UTF-8, a line break, a control)."""
    path = event.endpoint
    if event.kind is not CallKind.FILE or "%" not in path:
        return path
    try:
        readable = unquote(path, errors="strict")
    except UnicodeDecodeError:
        return path
    return readable if readable.isprintable() else path


def cell_text(event: TraceEvent, column: Column) -> str:
    """What a cell shows."""
    if column is Column.TIME:
        return _time_text(event.time)
    if column is Column.KIND:
        return kind_text(event.kind)
    if column is Column.ENDPOINT:
        return endpoint_text(event)
    if column is Column.ENV:
        return event.env or ""
    if column is Column.IDS:
        return "" if event.ids is None else f"{event.ids:,}"
    if column is Column.HTTP:
        return "—" if event.http_status is None else str(event.http_status)
    if column is Column.ERRCODE:
        return "" if event.errcode is None else str(event.errcode)
    if column is Column.OUTCOME:
        return outcome_text(event.outcome)
    if column is Column.MS:
        return f"{event.duration_ms:,.0f}"
    return str(event.attempt)


def explanation_text(event: TraceEvent) -> str:
    """The plain words of an event's answer and where the docs say so; empty for an ok."""
    words = explain(event)
    if words is None:
        return ""
    see = QCoreApplication.translate("RequestsView", "(See {source}.)").format(
        source=section_words(words.section)
    )
    return f"{core_text(words.text)}\n{see}"


def details_text(event: TraceEvent) -> str:
    """The details pane: everything known of one call, no secret in it."""
    lines = [
        QCoreApplication.translate(
            "RequestsView", "{method} {endpoint} — attempt {attempt}, {outcome}, {ms} ms"
        ).format(
            method=event.method,
            endpoint=endpoint_text(event),
            attempt=event.attempt,
            outcome=outcome_text(event.outcome),
            ms=f"{event.duration_ms:,.0f}",
        ),
    ]
    explained = explanation_text(event)
    if explained:
        lines += ["", explained]
    lines += ["", f"URL: {event.url}"]
    if event.http_status is not None:
        lines.append(
            QCoreApplication.translate("RequestsView", "HTTP status: {status}").format(
                status=event.http_status
            )
        )
    if event.errcode is not None:
        lines.append(
            QCoreApplication.translate("RequestsView", "errcode: {errcode}").format(
                errcode=event.errcode
            )
        )
    if event.errmsg:
        # The service's own errmsg stays as it came; one of ours (a call that got no
        # answer: "Network error: could not connect") is said in the window's language.
        lines.append(
            QCoreApplication.translate("RequestsView", "errmsg: {errmsg}").format(
                errmsg=core_text(event.errmsg)
            )
        )
    if event.bytes is not None:
        lines.append(
            QCoreApplication.translate("RequestsView", "bytes received: {n}").format(
                n=f"{event.bytes:,}"
            )
        )
    body = scrub_body(event.body)
    if body:
        with contextlib.suppress(ValueError):
            body = json.dumps(json.loads(body), ensure_ascii=False, indent=2)
        if len(body) > MAX_BODY_CHARS:
            more = QCoreApplication.translate("RequestsView", "… ({n} more characters)").format(
                n=f"{len(body) - MAX_BODY_CHARS:,}"
            )
            body = body[:MAX_BODY_CHARS] + "\n" + more
        lines += ["", QCoreApplication.translate("RequestsView", "Body sent:"), body]
    return "\n".join(lines)


class RequestsModel(QAbstractTableModel):
    """The ``max_events`` calls sent last, newest sent first; new ones arrive through
    ``flush``. Calls sent at the same moment keep the order they were heard in.

    ``add`` may be called from any thread (an append under a lock, and now and then
    the cut back to the calls sent last); everything else runs on the GUI thread.
    """

    def __init__(
        self,
        hub: TraceHub | None = None,
        parent: QWidget | None = None,
        *,
        max_events: int = MAX_EVENTS,
    ) -> None:
        super().__init__(parent)
        if max_events < 1:
            raise ValueError("max_events must be at least 1")
        self.max_events = max_events
        # Oldest sent first (row 0 of the table is the last of it): the calls heard go
        # on at its end, or a little before it, cheaply; the oldest leave from its start.
        self._rows: list[_Held] = []
        # Heard, not yet in the table; cut back to the ``max_events`` sent last whenever
        # it reaches ``PENDING_FACTOR`` times that (by send time, not by when heard: a
        # long call sent early and heard last does not push out calls sent after it).
        self._pending: list[_Held] = []
        self._pending_cap = PENDING_FACTOR * max_events
        self._lock = threading.Lock()
        self.total = 0  # calls heard since start (or the last clear)
        self._hub: TraceHub | None = None
        if hub is not None:
            self.attach(hub)

    # -- the hub --------------------------------------------------------------------------

    def attach(self, hub: TraceHub) -> None:
        self.detach()
        hub.add(self.add)
        self._hub = hub

    def detach(self) -> None:
        if self._hub is not None:
            self._hub.remove(self.add)
            self._hub = None

    def add(self, event: TraceEvent) -> None:
        """A ``TraceHub`` listener: queued until the next ``flush``."""
        with self._lock:
            pending = self._pending
            pending.append((event.time, self.total, event))
            self.total += 1
            if len(pending) >= self._pending_cap:
                pending.sort()  # nearly in order already: close to one pass
                del pending[: len(pending) - self.max_events]

    @property
    def pending(self) -> int:
        return len(self._pending)

    def flush(self) -> int:
        """Move the queued events into the table; how many came. Those sent after every
        call held are one insert at the top; a call heard after later-sent ones goes
        where its send time puts it (one insert per place)."""
        if not self._pending:
            return 0
        with self._lock:
            new, self._pending = self._pending, []
        came = len(new)
        new.sort()  # by send time, then as heard
        rows = self._rows
        if came >= self.max_events:
            self.beginResetModel()
            merged = sorted([*rows, *new])
            self._rows = merged[-self.max_events :]
            self.endResetModel()
            return came
        # The oldest sent go first, of the calls held and the new ones together.
        overflow = len(rows) + came - self.max_events
        if overflow > 0:
            held_out = new_out = 0
            while held_out + new_out < overflow:
                if new_out < came and (held_out >= len(rows) or new[new_out] < rows[held_out]):
                    new_out += 1
                else:
                    held_out += 1
            if held_out:
                last = len(rows) - 1
                self.beginRemoveRows(QModelIndex(), last - held_out + 1, last)
                del rows[:held_out]
                self.endRemoveRows()
            del new[:new_out]
        if not new:
            return came
        # Where each goes among the rows held (non-decreasing, as ``new`` is sorted).
        spans: list[tuple[int, list[_Held]]] = []
        for held in new:
            at = bisect_right(rows, held)
            if spans and spans[-1][0] == at:
                spans[-1][1].append(held)
            else:
                spans.append((at, [held]))
        if len(spans) > MAX_INSERT_SPANS:
            self._insert_and_sort(new)
            return came
        # From the top down: a place lower in the table is not moved by those above it.
        for at, span in reversed(spans):
            first = len(rows) - at
            self.beginInsertRows(QModelIndex(), first, first + len(span) - 1)
            rows[at:at] = span
            self.endInsertRows()
        return came

    def _insert_and_sort(self, new: list[_Held]) -> None:
        """Calls heard far out of order: on top in one insert, then into their places as
        one layout change (the selection and the current call follow their rows)."""
        rows = self._rows
        self.beginInsertRows(QModelIndex(), 0, len(new) - 1)
        rows.extend(new)
        self.endInsertRows()
        self.layoutAboutToBeChanged.emit()
        kept = self.persistentIndexList()
        held = [self.event_at(index.row()) for index in kept]
        rows.sort()
        moved = []
        for index, event in zip(kept, held, strict=True):
            row = self.row_of(event) if event is not None else None
            moved.append(QModelIndex() if row is None else self.index(row, index.column()))
        self.changePersistentIndexList(kept, moved)
        self.layoutChanged.emit()

    def clear(self) -> None:
        self.beginResetModel()
        self._rows.clear()
        with self._lock:
            self._pending = []
            self.total = 0
        self.endResetModel()

    # -- reading ---------------------------------------------------------------------------

    def event_at(self, row: int) -> TraceEvent | None:
        rows = self._rows
        if 0 <= row < len(rows):
            return rows[len(rows) - 1 - row][2]
        return None

    def row_of(self, event: TraceEvent) -> int | None:
        """The row showing ``event`` (None when it is not held): a bisection by its time."""
        rows = self._rows
        at = bisect_right(rows, event.time, key=_sent) - 1
        while at >= 0 and rows[at][0] == event.time:
            if rows[at][2] is event:
                return len(rows) - 1 - at
            at -= 1
        return None

    def events(self) -> list[TraceEvent]:
        """The calls held, oldest sent first (the table's order, bottom up)."""
        return [held[2] for held in self._rows]

    def heard(self) -> list[TraceEvent]:
        """The calls held in the order they were heard, as ``--trace`` writes them."""
        return [held[2] for held in sorted(self._rows, key=_heard)]

    # -- QAbstractTableModel ---------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation is not Qt.Orientation.Horizontal or not 0 <= section < len(HEADERS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return _words(HEADERS[section])
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = HEADER_TIPS.get(Column(section))
            return _words(tip) if tip is not None else None
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        event = self.event_at(index.row())
        if event is None:
            return None
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return cell_text(event, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column in (Column.ERRCODE, Column.HTTP, Column.OUTCOME):
                return plain_tip(explanation_text(event)) or None
            if column is Column.ENDPOINT:
                return plain_tip(event.url)
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and column in _NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and column is Column.OUTCOME:
            if event.outcome in _BAD_OUTCOMES:
                return QBrush(_BAD_COLOUR)
            if event.outcome in _RETRY_OUTCOMES:
                return QBrush(_RETRY_COLOUR)
        if role == Qt.ItemDataRole.UserRole:
            return event
        return None


class RequestsWindow(QWidget):
    """A tool window over a ``RequestsModel`` (module docstring). Closing it only hides
    it (no delete-on-close): the calls stay, and it keeps listening."""

    def __init__(self, hub: TraceHub, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle(self.tr("Requests"))
        self.setObjectName("requests_window")
        self.model = RequestsModel(hub, self)
        self._timer = QTimer(self)
        self._timer.setInterval(FLUSH_INTERVAL_MS)
        self._timer.timeout.connect(self._refresh)
        self._built = False
        self.table: QTableView | None = None
        self.details: QPlainTextEdit | None = None
        self.count_label: QLabel | None = None
        # Closed from the keyboard: Esc, as every dialog of the app closes, and the
        # platform's Close (Ctrl+W; Cmd+W on macOS, Ctrl+F4 too on Windows). Without a
        # window manager there is no title bar to close it by.
        self.close_action = QAction(self)  # in no menu: no words to show
        self.close_action.setShortcuts(
            [
                QKeySequence(Qt.Key.Key_Escape),
                *QKeySequence.keyBindings(QKeySequence.StandardKey.Close),
            ]
        )
        self.close_action.triggered.connect(self.close)
        self.addAction(self.close_action)

    # -- building (first show) ------------------------------------------------------------

    def _build(self) -> None:
        self._built = True
        # No larger than the screen's free area less a window frame: a 960 px wide
        # screen cut the last column and the Clear button off at 1000.
        width, height = DEFAULT_SIZE
        screen = self.screen()
        if screen is not None:
            free = screen.availableGeometry()
            width = min(width, free.width() - FRAME_ALLOWANCE)
            height = min(height, free.height() - FRAME_ALLOWANCE)
        self.resize(width, height)
        table = QTableView(self)
        table.setModel(self.model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        # A file call's endpoint is "/download/<bucket>/<key>": cut at its end, every row
        # of a download read the same bucket; the middle goes, the file's name stays.
        table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        table.verticalHeader().setVisible(False)
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 6)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(Column.ENDPOINT, QHeaderView.ResizeMode.Stretch)
        metrics = table.fontMetrics()
        header_metrics = header.fontMetrics()
        for column, sample in _COLUMN_SAMPLES.items():
            # A translated header may be wider than the column's values.
            title = str(self.model.headerData(column, Qt.Orientation.Horizontal) or "")
            width = max(metrics.horizontalAdvance(sample), header_metrics.horizontalAdvance(title))
            table.setColumnWidth(column, width + 16)
        table.selectionModel().currentRowChanged.connect(self._show_details)
        table.doubleClicked.connect(lambda _index: self.copy_as_curl())
        self.table = table

        details = QPlainTextEdit(self)
        details.setReadOnly(True)
        details.setPlaceholderText(self.tr("Select a call to see its answer in plain words."))
        self.details = details

        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(table)
        splitter.addWidget(details)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)

        self.count_label = QLabel(self)
        copy = QPushButton(self.tr("Copy as curl"), self)
        copy.setToolTip(
            self.tr("The selected call as a curl command: the token as $TCB_ACCESS_TOKEN")
        )
        copy.clicked.connect(self.copy_as_curl)
        save = QPushButton(self.tr("Save trace…"), self)
        save.setToolTip(
            self.tr("Save the calls listed here as JSON lines (as tcb-gui --trace writes)")
        )
        save.clicked.connect(self.choose_save_path)
        clear = QPushButton(self.tr("Clear"), self)
        clear.clicked.connect(self.clear)
        notes = QPushButton(self.tr("Service notes"), self)
        notes.setToolTip(
            self.tr(
                "What the service's answers mean, at the section that explains the selected call"
            )
        )
        notes.clicked.connect(self.show_notes)
        self.notes_button = notes
        buttons = QHBoxLayout()
        buttons.addWidget(self.count_label, 1)
        for button in (notes, copy, save, clear):
            buttons.addWidget(button)
        self.copy_button, self.save_button, self.clear_button = copy, save, clear

        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addLayout(buttons)
        self._update_count()

    # -- showing ---------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        if not self._built:
            self._build()
        self._refresh()
        self._timer.start()
        super().showEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:
        self._timer.stop()
        super().hideEvent(event)

    def open(self) -> None:
        """Show and raise it (the menu entry and its shortcut)."""
        self.show()
        self.raise_()
        self.activateWindow()

    def _refresh(self) -> None:
        table = self.table
        bar = table.verticalScrollBar() if table is not None else None
        held = bar.value() if bar is not None else 0
        # Someone is reading older calls: newer ones arrive above them, and without this
        # the rows under their eyes slid down by a run's worth every flush. The call at
        # the top of the view stays there (calls that go in below it move nothing). At
        # the top the view stays there and shows the newest as they come.
        top = table.rowAt(0) if table is not None and held > 0 else -1
        reading = self.model.event_at(top)
        came = self.model.flush()
        if not came:
            return
        if table is not None and bar is not None and reading is not None:
            row = self.model.row_of(reading)
            if row is not None and row != top:
                step = (
                    1
                    if table.verticalScrollMode() is QAbstractItemView.ScrollMode.ScrollPerItem
                    else table.verticalHeader().defaultSectionSize()
                )
                bar.setValue(held + (row - top) * step)
        self._update_count()

    def _update_count(self) -> None:
        if self.count_label is None:
            return
        held, total = self.model.rowCount(), self.model.total
        text = plural(held, self.tr("1 call"), self.tr("{n} calls"))
        if total > held:
            text = self.tr("The newest {held} of {total} calls").format(
                held=f"{held:,}", total=f"{total:,}"
            )
        self.count_label.setText(text)

    def _show_details(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self.details is None:
            return
        event = self.model.event_at(current.row()) if current.isValid() else None
        self.details.setPlainText("" if event is None else details_text(event))

    # -- actions ---------------------------------------------------------------------------

    def selected_event(self) -> TraceEvent | None:
        if self.table is None:
            return None
        current = self.table.currentIndex()
        return self.model.event_at(current.row()) if current.isValid() else None

    def show_notes(self) -> ServiceNotes:
        """Service notes: the project's account of the service, at the section that
        explains the selected call (the top when none is selected or it went well)."""
        event = self.selected_event()
        words = explain(event) if event is not None else None
        return ServiceNotes.open_at(self, words.section if words is not None else "")

    def copy_as_curl(self) -> str:
        """The selected call onto the clipboard as a curl command ("" when none)."""
        event = self.selected_event()
        if event is None:
            return ""
        command = curl_command(event)
        QGuiApplication.clipboard().setText(command + "\n")
        return command

    def save_trace(self, path: Path) -> int:
        """The calls held as JSON lines at ``path``, in the order ``--trace`` writes them
        (as each was heard); how many."""
        self.model.flush()
        return write_trace(path, self.model.heard())

    def choose_save_path(self) -> None:
        name, _filter = QFileDialog.getSaveFileName(
            self,
            self.tr("Save trace"),
            "tcb-gui-trace.jsonl",
            self.tr("JSON lines (*.jsonl)") + ";;" + self.tr("All files (*)"),
        )
        if not name:
            return
        try:
            count = self.save_trace(Path(name))
        except OSError as exc:
            QMessageBox.warning(
                self,
                self.tr("Save trace"),
                self.tr("Could not save the trace: {reason}").format(reason=exc.strerror),
            )
            return
        if self.count_label is not None:
            one, many = self.tr("Saved 1 call to {path}"), self.tr("Saved {n} calls to {path}")
            saved = (one if count == 1 else many).format(n=fmt_int(count), path=name)
            self.count_label.setText(saved)

    def clear(self) -> None:
        self.model.clear()
        if self.details is not None:
            self.details.clear()
        self._update_count()

    def dispose(self) -> None:
        """Stop listening (when the main window closes)."""
        self._timer.stop()
        self.model.detach()
