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
from collections.abc import Callable, Iterable, Sequence
from enum import IntEnum
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)

from tcb_gui.core.download_states import FileState
from tcb_gui.core.errors import answered_for_good
from tcb_gui.ui.formatting import fmt_countdown, plain_tip
from tcb_gui.ui.icons import icon
from tcb_gui.ui.palette import Tone, tone_color
from tcb_gui.ui.row_status import RowState, StatusWords, download_shown, failure_of

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
    """The table's columns, left to right. A download's state is part of Status (no
    column of its own squeezes the others); Link may be hidden (``ResultsView``)."""

    NUMBER = 0
    FILE = 1
    ENV = 2
    STATUS = 3
    EXPIRES = 4
    LINK = 5
    ACTIONS = 6


_COLUMN_COUNT = len(Column)

__all__ = ["Column", "Counts", "ResultsModel", "Row", "RowState"]


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
        """What the text filter matches of the row's own text, casefolded: the ID, the
        link up to its query, a failure's message (its Status words are the model's:
        ``ResultsModel.text_matcher``). Not the query: its signature and time are random
        characters, in which "f1999" found a row of another file.

        Made when asked (a filter change reads it once per row): kept for 100,000
        resolved rows it took ~25 MB.
        """
        if self.search is not None:
            return self.search
        result = self.result
        if result is None:
            return self.fileid.raw.casefold()
        link = (result.download_url or "").partition("?")[0]
        # An answer's "ok" is shown nowhere: it would find every resolved row.
        message = "" if result.ok else result.errmsg
        return " ".join((self.fileid.raw, link, message)).casefold()

    @property
    def url(self) -> str | None:
        return self.result.download_url if self.result is not None and self.result.ok else None

    @property
    def working_url(self) -> str | None:
        """The link if it should still work: resolved and not past its expiry."""
        return None if self.expired else self.url

    @property
    def retryable(self) -> bool:
        """A failure Retry failed (Ctrl+R) takes: any but the service's last word on the
        file (core's rule), so rows a stopped run never asked for are taken too."""
        result = self.result
        return (
            self.state is RowState.FAILED
            and result is not None
            and not answered_for_good(result.kind, result.errmsg)
        )

    def __repr__(self) -> str:
        return f"Row({self.index}, {self.fileid.raw!r}, {self.state.name})"


class Counts(NamedTuple):
    total: int
    pending: int
    resolving: int
    ok: int
    failed: int
    paused: int
    expired: int
    saved: int = 0  # downloaded (or already complete on disk)
    download_failed: int = 0
    downloading: int = 0  # queued, moving, paused, or waiting for a token

    @property
    def working(self) -> int:
        """Rows whose link is ready to use (resolved, not expired): "ready"."""
        return self.ok - self.expired


class DownloadKind(IntEnum):
    """How a row's download counts in ``Counts``."""

    NONE = 0
    SAVED = 1
    FAILED = 2
    ACTIVE = 3


def download_kind(cell: DownloadCell | None) -> DownloadKind:
    if cell is None:
        return DownloadKind.NONE
    if cell.state in (FileState.DONE, FileState.SKIPPED):
        return DownloadKind.SAVED
    if cell.state is FileState.FAILED and not cell.waiting_for_token:
        return DownloadKind.FAILED
    if cell.state is FileState.CANCELLED:
        return DownloadKind.NONE
    return DownloadKind.ACTIVE


class ResultsModel(QAbstractTableModel):
    """Rows of IDs and their links. Emits ``countsChanged`` after each coalesced flush."""

    countsChanged = Signal()
    # The whole list was taken for another (``take_all``: Clear, a kept list opened).
    # Not the reset of a ``remove`` of many runs of rows or of a ``restore`` (Undo): those
    # only take rows out or put them back, and what watches the list keeps its state.
    emptied = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Row] = []
        self._by_raw: dict[str, Row] = {}
        self._next_index = 0
        self._state_counts = dict.fromkeys(RowState, 0)
        self._expired_count = 0
        self._download_counts = dict.fromkeys(DownloadKind, 0)
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
            Column.EXPIRES: self.tr("Expires in"),
            Column.LINK: self.tr("Link"),
            Column.ACTIONS: self.tr("Actions"),
        }
        self.words = StatusWords(self)
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
            glyph, tone = self.words.look(row)
            return icon(glyph, tone)
        if role == _FOREGROUND:
            if column == Column.STATUS:
                return tone_color(self.words.look(row)[1])
            if column == Column.EXPIRES and row.expired:
                return tone_color(Tone.WARNING)
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
        d = self._download_counts
        return Counts(
            total=len(self._rows),
            pending=c[RowState.PENDING],
            resolving=c[RowState.RESOLVING],
            ok=c[RowState.OK],
            failed=c[RowState.FAILED],
            paused=c[RowState.PAUSED],
            expired=self._expired_count,
            saved=d[DownloadKind.SAVED],
            download_failed=d[DownloadKind.FAILED],
            downloading=d[DownloadKind.ACTIVE],
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
        self.take_all()

    def take_all(self) -> list[Row]:
        """Empty the model; return its rows (display order) for ``restore``."""
        taken = self._rows
        self.beginResetModel()
        self._rows = []
        self._by_raw = {}
        self._next_index = 0
        self._state_counts = dict.fromkeys(RowState, 0)
        self._expired_count = 0
        self._download_counts = dict.fromkeys(DownloadKind, 0)
        self._expiring = {}
        self._expiry_heap = []
        self._dirty.clear()
        self.endResetModel()
        self.revision += 1
        self._schedule()
        self.emptied.emit()
        return taken

    def remove(self, rows: Iterable[Row]) -> list[Row]:
        """Remove ``rows`` (those of this model); return them, in input order, for
        ``restore``. Few contiguous spans are removed as such; many, in one reset (not
        ``emptied``: the list is the same one)."""
        own = self._by_raw
        gone = sorted({r.pos for r in rows if own.get(r.fileid.raw) is r})
        if not gone:
            return []
        removed = [self._rows[p] for p in gone]
        spans = _spans(gone)
        if len(spans) <= MAX_SPANS_PER_FLUSH:
            for first, last in reversed(spans):
                self.beginRemoveRows(QModelIndex(), first, last)
                del self._rows[first : last + 1]
                self.endRemoveRows()
        else:
            self.beginResetModel()
            drop = set(gone)
            self._rows = [r for p, r in enumerate(self._rows) if p not in drop]
            self.endResetModel()
        for row in removed:
            self._uncount(row)
            del own[row.fileid.raw]
            self._dirty.discard(row)
        for pos in range(gone[0], len(self._rows)):
            self._rows[pos].pos = pos
        self.revision += 1
        self._schedule()
        return sorted(removed, key=lambda r: r.index)

    def restore(self, rows: Sequence[Row]) -> int:
        """Put back rows taken by ``take_all`` or ``remove`` (an undo), in input order
        among the rows there; an ID added again meanwhile keeps its new row. Returns how
        many came back. One model reset (not ``emptied``)."""
        own = self._by_raw
        back = [r for r in rows if r.fileid.raw not in own]
        if not back:
            return 0
        self.beginResetModel()
        merged = sorted([*self._rows, *back], key=lambda r: r.index)
        for pos, row in enumerate(merged):
            row.pos = pos
        self._rows = merged
        now = time.time()
        for row in back:
            own[row.fileid.raw] = row
            self._state_counts[row.state] += 1
            self._download_counts[download_kind(row.download)] += 1
            row.expired = False
            if row.state is RowState.OK and row.expires_ts is not None:
                ts = row.expires_ts
                group = self._expiring.get(ts)
                if group is None:
                    group = self._expiring[ts] = []
                    heapq.heappush(self._expiry_heap, ts)
                group.append(row)
                if ts <= now:
                    row.expired = True
                    self._expired_count += 1
        self._next_index = max(self._next_index, max(r.index for r in back) + 1)
        self._sorted_by = None
        self.endResetModel()
        self.revision += 1
        self._schedule()
        return len(back)

    def _uncount(self, row: Row) -> None:
        self._state_counts[row.state] -= 1
        if row.expired:
            self._expired_count -= 1
        self._download_counts[download_kind(row.download)] -= 1

    def set_state(self, rows: Iterable[Row], state: RowState) -> None:
        """Move rows to Pending, Resolving or Paused (a result moves them to Ok/Failed)."""
        own = self._by_raw
        for row in rows:
            if row.state is state:
                continue
            if own.get(row.fileid.raw) is not row:
                # Taken by a Clear or Delete: counted again when Undo puts it back.
                row.state, row.result, row.expires_ts, row.search = state, None, None, None
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
            row.search = None if result.ok else self._failed_search(row.fileid.raw, result)
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

    def keep_results(self, results: Iterable[tuple[Row, LinkResult]]) -> None:
        """Record results on rows a Clear or Delete took out (a download fetched their
        links meanwhile): Undo puts them back with their links, counted then."""
        own = self._by_raw
        for row, result in results:
            if own.get(row.fileid.raw) is row:
                continue  # in the list: apply_results' business
            row.result = result
            row.state = RowState.OK if result.ok else RowState.FAILED
            row.search = None if result.ok else self._failed_search(row.fileid.raw, result)
            expires_at = result.expires_at if result.ok else None
            row.expires_ts = expires_at.timestamp() if expires_at is not None else None

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
            row.search = _failed_search(row.fileid.raw, result.errmsg, self.words.waiting)
            self._state_counts[RowState.PAUSED] += 1
            self._dirty.add(row)
        self.revision += 1
        self._schedule()

    def set_downloads(self, changes: Iterable[tuple[Row, DownloadCell | None]]) -> None:
        """Record rows' download states; signalled with the next coalesced flush. A row a
        Clear or Delete took out keeps its state too, counted when Undo puts it back."""
        counts = self._download_counts
        own = self._by_raw
        for row, cell in changes:
            if own.get(row.fileid.raw) is row:
                old, new = download_kind(row.download), download_kind(cell)
                if old is not new:
                    counts[old] -= 1
                    counts[new] += 1
                self._dirty.add(row)
            row.download = cell
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

    def _failed_search(self, raw: str, result: LinkResult) -> str:
        return _failed_search(raw, result.errmsg, self.words.failures[failure_of(result)])

    def status_text(self, row: Row) -> str:
        """The Status column's words for ``row`` (``row_status``)."""
        return self.words.text(row)

    def text_matcher(self, needle: str) -> Callable[[Row], bool]:
        """The text filter: whether ``needle`` (casefolded) is in what a row shows, its
        ID, link or message (``Row.search_text``) or its Status as the column says it
        now, in the window's language ("Verified", "Downloading 45 %", "Ready").
        Derived when asked, never kept: a row's Status changes, and the proxy asks
        again for the rows each flush signals while a filter is set. One function with
        its lookups made once: Qt asks it of each of 100,000 rows."""
        status_of = self.words.text

        def shows(row: Row) -> bool:
            return needle in row.search_text() or needle in status_of(row).casefold()

        return shows

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
            # Only links: a failure's reason is the Status column's tooltip and the
            # details pane's, whole, not red text cut short here.
            return row.url or ""
        if column == Column.EXPIRES:
            if row.expires_ts is None or row.state is not RowState.OK:
                return ""
            return fmt_countdown(row.expires_ts - time.time())
        return None

    def _tooltip(self, row: Row, column: int) -> str | None:
        return plain_tip(self._tooltip_text(row, column))

    def _tooltip_text(self, row: Row, column: int) -> str | None:
        if column == Column.FILE:
            return row.fileid.raw
        if column == Column.STATUS:
            return self.words.tooltip(row)
        if column == Column.LINK:
            return row.url
        if column == Column.EXPIRES and row.result is not None and row.result.expires_at:
            return row.result.expires_at.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
        if column == Column.ACTIONS:
            return self._copy_open
        return None


# The Status sort: what needs attention first, finished files last.
_DOWNLOAD_RANK: Final = {
    FileState.FAILED: 1,
    FileState.CANCELLED: 5,
    FileState.PAUSED: 5,
    FileState.QUEUED: 5,
    FileState.DOWNLOADING: 5,
    FileState.SKIPPED: 7,
    FileState.DONE: 7,
}
_STATE_RANK: Final = {
    RowState.FAILED: 0,
    RowState.PAUSED: 2,
    RowState.PENDING: 3,
    RowState.RESOLVING: 4,
    RowState.OK: 6,
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
        cell = download_shown(row)
        if cell is not None:
            if cell.waiting_for_token:
                return (2, 0.0)
            return (_DOWNLOAD_RANK[cell.state], cell.fraction or 0.0)
        if row.state is RowState.OK:
            # Expired links sort before working ones.
            return (6, 0.0 if row.expired else 1.0)
        return (_STATE_RANK[row.state], 0.0)
    if column == Column.LINK:
        url = row.url
        return (0, url) if url else (1, "")
    if column == Column.EXPIRES:
        # Rows without an expiry go last in ascending order.
        return (0, row.expires_ts) if row.expires_ts is not None else (1, 0.0)
    if column == Column.ACTIONS:
        return 0 if row.url else 1
    return row.index


def _failed_search(raw: str, errmsg: str, word: str = "") -> str:
    """A failed row's filter text: found by core's words, by those the window shows and
    by its Status ("no permission")."""
    from tcb_gui.ui.core_text import core_text  # not before the first paint: no row fails

    shown = core_text(errmsg)
    if shown != errmsg:
        errmsg = f"{errmsg} {shown}"
    return " ".join((raw, word, errmsg)).casefold()


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
