"""The results table: one row record per cloud file ID, in a ``QAbstractTableModel``.

Rows are plain Python objects the model owns and updates in place (a 100,000-row run
would otherwise allocate a new record per state change). State moves explicitly:
Pending → Resolving → Ok | Failed, or → Paused when a token error stopped the run (a
paused row holds the run's "Not resolved: …" result, which an export writes as the
command line does; resolving it again starts it afresh).

Changes are coalesced: callers mark rows dirty, and one named timer turns the dirty
rows into a few ranged ``dataChanged`` signals. New rows arrive with one
``beginInsertRows`` per batch. Sorting reorders the row list itself (with Python
comparisons on the same keys ``SORT_ROLE`` exposes) because a Python ``lessThan``
costs seconds at 100,000 rows; see ``results_proxy``.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)

from tcb_gui.core.errors import ErrorKind
from tcb_gui.ui.core_text import core_text
from tcb_gui.ui.formatting import fmt_countdown
from tcb_gui.ui.icons import Glyph, icon
from tcb_gui.ui.palette import Tone, tone_color

if TYPE_CHECKING:
    from tcb_gui.core.client import LinkResult
    from tcb_gui.core.fileids import FileId
    from tcb_gui.ui.download_cells import DownloadCell

# Coalescing window for row updates: 100–250 ms keeps 100,000 rows smooth and live.
FLUSH_INTERVAL_MS = 150
# Past this many separate dirty spans, one covering range is cheaper to signal.
MAX_SPANS_PER_FLUSH = 64

SORT_ROLE = int(Qt.ItemDataRole.UserRole) + 1
ROW_ROLE = int(Qt.ItemDataRole.UserRole) + 2

# A paint asks ``data`` ~1,000 times (each visible cell, for each of the roles a
# delegate reads): roles as plain ints, and the ones it has nothing for answered first,
# keep that under a few milliseconds at 100,000 rows (bench/window.py).
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_DECORATION = int(Qt.ItemDataRole.DecorationRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_ACCESSIBLE_TEXT = int(Qt.ItemDataRole.AccessibleTextRole)
_ANSWERED_ROLES = frozenset(
    {
        _DISPLAY,
        _DECORATION,
        _TOOLTIP,
        _FOREGROUND,
        _ALIGNMENT,
        _ACCESSIBLE_TEXT,
        SORT_ROLE,
        ROW_ROLE,
    }
)
_ALIGN_NUMBER = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_ALIGN_TEXT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
_CELL_FLAGS = (
    Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
)

AnyIndex = QModelIndex | QPersistentModelIndex


class Column(IntEnum):
    NUMBER = 0
    FILE = 1
    ENV = 2
    STATUS = 3
    LINK = 4
    EXPIRES = 5
    ACTIONS = 6
    DOWNLOAD = 7  # shown after Status once a download starts (download_controller)


_COLUMN_COUNT = len(Column)


class RowState(IntEnum):
    """A row's place in its life. The order is the order of the Status sort."""

    FAILED = 0
    PAUSED = 1
    PENDING = 2
    RESOLVING = 3
    OK = 4


# Failures a "Retry failed" is worth: the network, the service, or a rejected batch.
RETRYABLE_KINDS = frozenset({ErrorKind.NETWORK, ErrorKind.REQUEST, ErrorKind.RETRYABLE})


class Row:
    """One ID and what became of it. Mutated only by ``ResultsModel``."""

    __slots__ = (
        "download",
        "expired",
        "expires_ts",
        "fileid",
        "index",
        "pos",
        "result",
        "search",
        "state",
    )

    def __init__(self, index: int, fileid: FileId) -> None:
        self.index = index  # input order, shown 1-based in "#"
        self.fileid = fileid
        self.state = RowState.PENDING
        self.result: LinkResult | None = None
        self.expires_ts: float | None = None  # epoch seconds, for cheap countdowns
        self.expired = False  # an Ok link whose expiry has passed (kept by tick())
        self.pos = index  # current position in the model (changes when sorted)
        # What the text filter matches, kept only where it cannot be derived cheaply
        # (failed rows: with the reason as shown); see search_text.
        self.search: str | None = None
        self.download: DownloadCell | None = None  # the file's download, if any

    def search_text(self) -> str:
        """What the text filter matches, casefolded: the ID, the link or the message.

        Made when asked (a filter change reads it once per row): kept for 100,000
        resolved rows it took ~25 MB.
        """
        if self.search is not None:
            return self.search
        result = self.result
        if result is None:
            return self.fileid.raw.casefold()
        return " ".join((self.fileid.raw, result.download_url or "", result.errmsg)).casefold()

    @property
    def url(self) -> str | None:
        return self.result.download_url if self.result is not None and self.result.ok else None

    @property
    def working_url(self) -> str | None:
        """The link if it should still work: resolved and not past its expiry."""
        return None if self.expired else self.url

    @property
    def retryable(self) -> bool:
        return (
            self.state is RowState.FAILED
            and self.result is not None
            and self.result.kind in RETRYABLE_KINDS
        )

    def __repr__(self) -> str:
        return f"Row({self.index}, {self.fileid.raw!r}, {self.state.name})"


@dataclass(frozen=True, slots=True)
class Counts:
    total: int
    pending: int
    resolving: int
    ok: int
    failed: int
    paused: int
    expired: int

    @property
    def working(self) -> int:
        return self.ok - self.expired


class ResultsModel(QAbstractTableModel):
    """Rows of IDs and their links. Emits ``countsChanged`` after each coalesced flush."""

    countsChanged = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Row] = []
        self._by_raw: dict[str, Row] = {}
        self._next_index = 0
        self._state_counts = dict.fromkeys(RowState, 0)
        self._expired_count = 0
        # Ok rows by the moment their link expires (a request's rows share it), and those
        # moments earliest first: a few thousand entries for 100,000 rows, where an entry
        # per row took ~9 MB.
        self._expiring: dict[float, list[Row]] = {}
        self._expiry_heap: list[float] = []
        self._dirty: set[Row] = set()
        # Bumped by every change to rows; a sort of unchanged rows is not redone.
        self._version = 0
        # Bumped when what rows hold changes (IDs, states, results), not by expiry ticks
        # or download progress: the history saves the list when this moves.
        self.revision = 0
        self._sorted_by: tuple[Column, Qt.SortOrder, int] | None = None
        self._counts_dirty = False
        self._flush_timer = QTimer(self)
        self._flush_timer.setObjectName("results-flush")
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(FLUSH_INTERVAL_MS)
        self._flush_timer.timeout.connect(self.flush)
        self._headers = {
            Column.NUMBER: self.tr("#"),
            Column.FILE: self.tr("File"),
            Column.ENV: self.tr("Env"),
            Column.STATUS: self.tr("Status"),
            Column.LINK: self.tr("Link"),
            Column.EXPIRES: self.tr("Expires in"),
            Column.ACTIONS: self.tr("Actions"),
            Column.DOWNLOAD: self.tr("Download"),
        }
        self._status_words = {
            RowState.PENDING: self.tr("Pending"),
            RowState.RESOLVING: self.tr("Resolving…"),
            RowState.OK: self.tr("Ready"),
            RowState.FAILED: self.tr("Failed"),
            RowState.PAUSED: self.tr("Waiting for a valid token"),
        }
        self._expired_word = self.tr("Link expired")
        self._copy_open = self.tr("Copy link (Space) · Open link (Enter)")

    # --- Qt model interface -------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else _COLUMN_COUNT

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return _CELL_FLAGS

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(Column):
            if role == Qt.ItemDataRole.DisplayRole:
                return self._headers[Column(section)]
            return None
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return section + 1
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in _ANSWERED_ROLES or not index.isValid():
            return None
        row_number = index.row()
        if row_number >= len(self._rows):
            return None
        row = self._rows[row_number]
        column = index.column()
        if role == _DISPLAY:
            return self._display(row, column)
        if role == _ALIGNMENT:
            return _ALIGN_NUMBER if column in (Column.NUMBER, Column.EXPIRES) else _ALIGN_TEXT
        if role == SORT_ROLE:
            return sort_key(row, Column(column))
        if role == ROW_ROLE:
            return row
        if role == _TOOLTIP:
            return self._tooltip(row, column)
        if role == _DECORATION:
            if column != Column.STATUS:
                return None
            glyph, tone = self._status_look(row)
            return icon(glyph, tone)
        if role == _FOREGROUND:
            if column == Column.STATUS:
                return tone_color(self._status_look(row)[1])
            if column == Column.EXPIRES and row.expired:
                return tone_color(Tone.WARNING)
            if column == Column.LINK and row.state is RowState.FAILED:
                return tone_color(Tone.DANGER)
            return None
        if role == _ACCESSIBLE_TEXT:
            if column == Column.ACTIONS:
                return self._copy_open
            return self._display(row, column)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Reorder the rows by ``SORT_ROLE`` of ``column``, compared in Python."""
        if not 0 <= column < len(Column):
            return
        col = Column(column)
        if self._sorted_by == (col, order, self._version):
            # QTableView.sortByColumn sorts, then the header's indicator asks again.
            return
        # PySide6 exposes these signals without arguments (no parents, no hint).
        self.layoutAboutToBeChanged.emit()
        old_rows = self._rows
        # sorted() is stable, and the index tie-break keeps equal keys in input order
        # both ways; reverse=True keeps that order too.
        new_rows = sorted(
            old_rows,
            key=lambda r: (sort_key(r, col), r.index),
            reverse=order == Qt.SortOrder.DescendingOrder,
        )
        for pos, row in enumerate(new_rows):
            row.pos = pos
        persistent = self.persistentIndexList()
        self.changePersistentIndexList(
            persistent,
            [self.index(old_rows[i.row()].pos, i.column()) for i in persistent],
        )
        self._rows = new_rows
        self.layoutChanged.emit()
        self._sorted_by = (col, order, self._version)

    # --- reading --------------------------------------------------------------------

    def row_at(self, position: int) -> Row:
        return self._rows[position]

    def rows(self) -> Sequence[Row]:
        """All rows in display order (read-only view: do not mutate)."""
        return self._rows

    def rows_in(self, *states: RowState) -> list[Row]:
        """Rows in the given states, in input order."""
        wanted = set(states)
        return sorted((r for r in self._rows if r.state in wanted), key=lambda r: r.index)

    def row_for(self, fileid: FileId) -> Row | None:
        return self._by_raw.get(fileid.raw)

    def counts(self) -> Counts:
        c = self._state_counts
        return Counts(
            total=len(self._rows),
            pending=c[RowState.PENDING],
            resolving=c[RowState.RESOLVING],
            ok=c[RowState.OK],
            failed=c[RowState.FAILED],
            paused=c[RowState.PAUSED],
            expired=self._expired_count,
        )

    # --- changing -------------------------------------------------------------------

    def append_ids(self, ids: Iterable[FileId]) -> tuple[int, int]:
        """Append new IDs as Pending rows in one insert; return (added, duplicates skipped)."""
        fresh: list[Row] = []
        duplicates = 0
        seen = self._by_raw
        batch_raw: set[str] = set()
        for fileid in ids:
            raw = fileid.raw
            if raw in seen or raw in batch_raw:
                duplicates += 1
                continue
            batch_raw.add(raw)
            fresh.append(Row(self._next_index + len(fresh), fileid))
        if not fresh:
            return 0, duplicates
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
        for offset, row in enumerate(fresh):
            row.pos = first + offset
            seen[row.fileid.raw] = row
        self._rows.extend(fresh)
        self._next_index += len(fresh)
        self._state_counts[RowState.PENDING] += len(fresh)
        self.endInsertRows()
        self.revision += 1
        self._schedule()
        return len(fresh), duplicates

    def clear(self) -> None:
        self.beginResetModel()
        self._rows = []
        self._by_raw = {}
        self._next_index = 0
        self._state_counts = dict.fromkeys(RowState, 0)
        self._expired_count = 0
        self._expiring = {}
        self._expiry_heap = []
        self._dirty.clear()
        self.endResetModel()
        self.revision += 1
        self._schedule()

    def set_state(self, rows: Iterable[Row], state: RowState) -> None:
        """Move rows to Pending, Resolving or Paused (a result moves them to Ok/Failed)."""
        for row in rows:
            if row.state is state:
                continue
            self._leave_state(row)
            row.state = state
            row.result = None
            row.expires_ts = None
            row.search = None
            self._state_counts[state] += 1
            self._dirty.add(row)
        self.revision += 1
        self._schedule()

    def apply_results(self, results: Iterable[LinkResult]) -> int:
        """Record results for rows of this model; return how many rows they updated."""
        updated = 0
        now = time.time()
        last_expires_at: object = None
        ts = 0.0
        for result in results:
            row = self._by_raw.get(result.fileid.raw)
            if row is None:
                continue  # cleared while the run was in flight
            self._leave_state(row)
            row.result = result
            row.state = RowState.OK if result.ok else RowState.FAILED
            self._state_counts[row.state] += 1
            row.search = None if result.ok else _failed_search(row.fileid.raw, result.errmsg)
            if result.ok and result.expires_at is not None:
                if result.expires_at is not last_expires_at:  # a request's rows share it
                    last_expires_at, ts = result.expires_at, result.expires_at.timestamp()
                row.expires_ts = ts
                group = self._expiring.get(ts)
                if group is None:
                    group = self._expiring[ts] = []
                    heapq.heappush(self._expiry_heap, ts)
                group.append(row)
                if ts <= now:
                    row.expired = True
                    self._expired_count += 1
            self._dirty.add(row)
            updated += 1
        self.revision += 1
        self._schedule()
        return updated

    def pause_results(self, results: Iterable[LinkResult]) -> None:
        """Rows a token error left unresolved: Paused (a later resolve picks them up),
        holding the stopped run's result ("Not resolved: …") for exports and tooltips."""
        for result in results:
            row = self._by_raw.get(result.fileid.raw)
            if row is None:
                continue
            self._leave_state(row)
            row.state = RowState.PAUSED
            row.result = result
            row.expires_ts = None
            row.search = _failed_search(row.fileid.raw, result.errmsg)
            self._state_counts[RowState.PAUSED] += 1
            self._dirty.add(row)
        self.revision += 1
        self._schedule()

    def set_downloads(self, changes: Iterable[tuple[Row, DownloadCell | None]]) -> None:
        """Record rows' download states; signalled with the next coalesced flush."""
        for row, cell in changes:
            row.download = cell
            self._dirty.add(row)
        self._schedule()

    def tick(self, now: float | None = None) -> int:
        """Mark links whose expiry has passed; return how many just expired."""
        if now is None:
            now = time.time()
        heap = self._expiry_heap
        newly = 0
        while heap and heap[0] <= now:
            ts = heapq.heappop(heap)
            for row in self._expiring.pop(ts, ()):
                # Stale entries (the row was re-resolved or cleared) are skipped.
                if row.state is RowState.OK and row.expires_ts == ts and not row.expired:
                    if self._by_raw.get(row.fileid.raw) is not row:
                        continue
                    row.expired = True
                    self._expired_count += 1
                    self._dirty.add(row)
                    newly += 1
        if newly:
            self._schedule()
        return newly

    def flush(self) -> None:
        """Signal every pending change now, as a few ranged ``dataChanged``."""
        self._flush_timer.stop()
        if self._dirty:
            positions = sorted(r.pos for r in self._dirty if r.pos < len(self._rows))
            self._dirty.clear()
            last_column = len(Column) - 1
            spans = _coalesce(_spans(positions), MAX_SPANS_PER_FLUSH)
            for first, last in spans:
                self.dataChanged.emit(self.index(first, 0), self.index(last, last_column))
        if self._counts_dirty:
            self._counts_dirty = False
            self.countsChanged.emit()

    # --- internals ------------------------------------------------------------------

    def _leave_state(self, row: Row) -> None:
        self._state_counts[row.state] -= 1
        if row.expired:
            row.expired = False
            self._expired_count -= 1

    def _schedule(self) -> None:
        self._version += 1
        self._counts_dirty = True
        if not self._flush_timer.isActive():
            self._flush_timer.start()

    def _status_look(self, row: Row) -> tuple[Glyph, Tone]:
        if row.state is RowState.OK:
            return (Glyph.EXPIRED, Tone.WARNING) if row.expired else (Glyph.OK, Tone.SUCCESS)
        return _STATUS_LOOK[row.state]

    def status_text(self, row: Row) -> str:
        if row.state is RowState.OK and row.expired:
            return self._expired_word
        return self._status_words[row.state]

    def _display(self, row: Row, column: int) -> str | None:
        if column == Column.NUMBER:
            return str(row.index + 1)
        if column == Column.FILE:
            return row.fileid.key
        if column == Column.ENV:
            return row.fileid.env
        if column == Column.STATUS:
            return self.status_text(row)
        if column == Column.LINK:
            result = row.result
            if result is None:
                return ""
            return result.download_url or core_text(result.errmsg)
        if column == Column.EXPIRES:
            if row.expires_ts is None or row.state is not RowState.OK:
                return ""
            return fmt_countdown(row.expires_ts - time.time())
        if column == Column.DOWNLOAD:
            return row.download.text if row.download is not None else ""
        return None

    def _tooltip(self, row: Row, column: int) -> str | None:
        if column == Column.FILE:
            return row.fileid.raw
        if column == Column.STATUS:
            if row.state is RowState.PAUSED:
                return self.tr("Set a valid token, then Resume to resolve this file.")
            result = row.result
            if result is not None and not result.ok:
                return core_text(result.errmsg) or self.status_text(row)
            return self.status_text(row)
        if column == Column.LINK:
            result = row.result
            if result is None:
                return None
            return result.download_url or core_text(result.errmsg)
        if column == Column.EXPIRES and row.result is not None and row.result.expires_at:
            return row.result.expires_at.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
        if column == Column.ACTIONS:
            return self._copy_open
        if column == Column.DOWNLOAD and row.download is not None:
            return row.download.tooltip
        return None


_STATUS_LOOK: dict[RowState, tuple[Glyph, Tone]] = {
    RowState.PENDING: (Glyph.PENDING, Tone.NEUTRAL),
    RowState.RESOLVING: (Glyph.RESOLVING, Tone.INFO),
    RowState.FAILED: (Glyph.FAILED, Tone.DANGER),
    RowState.PAUSED: (Glyph.PAUSED, Tone.WARNING),
}


def sort_key(row: Row, column: Column) -> Any:
    """What ``SORT_ROLE`` returns: plain Python values, compared exactly (no 32-bit ints)."""
    if column == Column.NUMBER:
        return row.index
    if column == Column.FILE:
        return row.fileid.key.casefold()
    if column == Column.ENV:
        return row.fileid.env
    if column == Column.STATUS:
        # Expired links sort between failures and working links.
        if row.state is RowState.OK:
            return (int(RowState.OK), 0 if row.expired else 1)
        return (int(row.state), 0)
    if column == Column.LINK:
        result = row.result
        if result is None:
            return (1, "")
        return (0, result.download_url or result.errmsg)
    if column == Column.EXPIRES:
        # Rows without an expiry go last in ascending order.
        return (0, row.expires_ts) if row.expires_ts is not None else (1, 0.0)
    if column == Column.ACTIONS:
        return 0 if row.url else 1
    if column == Column.DOWNLOAD:
        return row.download.sort_key if row.download is not None else (-1, 0.0)
    return row.index


def _failed_search(raw: str, errmsg: str) -> str:
    """A failed row's filter text: found by core's words and by those the window shows."""
    shown = core_text(errmsg)
    if shown != errmsg:
        errmsg = f"{errmsg} {shown}"
    return " ".join((raw, "", errmsg)).casefold()


def _spans(positions: list[int]) -> list[tuple[int, int]]:
    """Sorted positions → inclusive (first, last) runs of consecutive numbers."""
    spans: list[tuple[int, int]] = []
    if not positions:
        return spans
    first = last = positions[0]
    for p in positions[1:]:
        if p == last + 1:
            last = p
            continue
        spans.append((first, last))
        first = last = p
    spans.append((first, last))
    return spans


def _coalesce(spans: list[tuple[int, int]], limit: int) -> list[tuple[int, int]]:
    """At most ``limit`` spans covering ``spans``, joined across the narrowest gaps.

    One span from the first to the last would also mark every row between them changed:
    while a filter is set, the proxy re-checks each (a Python call per row), so the
    rows signalled beyond those that changed are kept few.
    """
    if len(spans) <= limit:
        return spans
    by_width = sorted(range(1, len(spans)), key=lambda i: spans[i][0] - spans[i - 1][1])
    cuts = sorted(by_width[len(by_width) - (limit - 1) :])  # the widest gaps stay open
    merged: list[tuple[int, int]] = []
    start = 0
    for cut in [*cuts, len(spans)]:
        merged.append((spans[start][0], spans[cut - 1][1]))
        start = cut
    return merged
