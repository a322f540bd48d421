"""Sort and filter the results: a ``QSortFilterProxyModel`` that thinks in Python.

Filtering reads the row records directly (no QVariant round trips). Sorting is passed
to the source model, which orders its rows with Python comparisons on ``SORT_ROLE``
keys: exact for any integer or tuple, and ~0.1 s for 100,000 rows where a Python
``lessThan`` called by Qt's merge sort takes several seconds. The proxy itself
therefore never sorts (its own sort column stays -1), it only hides rows.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

from tcb_gui.core.download_states import FileState
from tcb_gui.ui.results_model import ResultsModel, Row, RowState


class StatusFilter(Enum):
    ALL = "all"
    READY = "ready"  # resolved, link not yet expired
    WORKING = "ready"  # the old name of READY
    FAILED = "failed"  # no link: the service said why
    PENDING = "pending"  # not done yet: pending, resolving or waiting for a token
    EXPIRED = "expired"  # resolved, but the link's time is up
    SAVED = "saved"  # downloaded (or already complete on disk)
    DOWNLOAD_FAILED = "download-failed"


_NOT_DONE = frozenset({RowState.PENDING, RowState.RESOLVING, RowState.PAUSED})


_SAVED = frozenset({FileState.DONE, FileState.SKIPPED})


# Looked up once: ``StatusFilter.ALL`` costs ~70 ns a time on Python 3.11, and a filter
# asks it of each of 100,000 rows.
_ALL = StatusFilter.ALL


def status_matches(row: Row, wanted: StatusFilter) -> bool:
    if wanted is _ALL:
        return True
    if wanted is StatusFilter.SAVED:
        return row.download is not None and row.download.state in _SAVED
    if wanted is StatusFilter.DOWNLOAD_FAILED:
        cell = row.download
        return cell is not None and cell.state is FileState.FAILED and not cell.waiting_for_token
    if wanted is StatusFilter.READY:
        return row.state is RowState.OK and not row.expired
    if wanted is StatusFilter.EXPIRED:
        return row.state is RowState.OK and row.expired
    if wanted is StatusFilter.FAILED:
        return row.state is RowState.FAILED
    return row.state in _NOT_DONE


def _accept_none(_source_row: int) -> bool:
    return False


class ResultsProxy(QSortFilterProxyModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._needle = ""
        # The filter as one function of a source row, made at each change of it.
        self._accepts: Callable[[int], bool] = _accept_none
        self._status = StatusFilter.ALL
        self._source: ResultsModel | None = None
        # True while no filter is set: every row passes without a look at it.
        self._accept_all = True
        # While a filter is set, a row's filter is re-checked when its data changes
        # (rows leave "Pending" as they resolve). With none, that re-check would still
        # call filterAcceptsRow (Python) for every row of every dataChanged range: at
        # 100,000 rows a single flush held the window ~100 ms (bench/window.py).
        self.setDynamicSortFilter(False)

    @property
    def filtering(self) -> bool:
        """Whether a filter hides rows (text or status)."""
        return not self._accept_all

    @property
    def status_filter(self) -> StatusFilter:
        return self._status

    def setSourceModel(self, model: ResultsModel) -> None:  # type: ignore[override]
        self._source = model
        self._accepts = self._filter(self._needle, self._status)
        super().setSourceModel(model)

    def set_text_filter(self, text: str) -> None:
        needle = text.strip().casefold()
        if needle != self._needle:
            self._refilter(needle, self._status)

    def set_status_filter(self, status: StatusFilter) -> None:
        if status is not self._status:
            self._refilter(self._needle, status)

    def _refilter(self, needle: str, status: StatusFilter) -> None:
        filtering = bool(needle) or status is not StatusFilter.ALL
        accepts = self._filter(needle, status)
        if hasattr(self, "endFilterChange"):  # Qt ≥ 6.10: the non-deprecated way
            self.beginFilterChange()
            self._needle, self._status, self._accepts = needle, status, accepts
            self._accept_all = not filtering
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self._needle, self._status, self._accepts = needle, status, accepts
            self._accept_all = not filtering
            self.invalidateRowsFilter()
        # Switched after the filter change: turning it on re-lays out the rows shown,
        # now only those that passed (before, it was all 100,000).
        self.setDynamicSortFilter(filtering)

    def _filter(self, needle: str, status: StatusFilter) -> Callable[[int], bool]:
        """Whether a source row passes the status and the text filter: one function
        with its lookups made once, since Qt asks it of each of 100,000 rows."""
        source = self._source
        if source is None:
            return _accept_none
        row_at = source.row_at
        shows = source.text_matcher(needle) if needle else None

        def accepts(source_row: int) -> bool:
            row = row_at(source_row)
            return status_matches(row, status) and (shows is None or shows(row))

        return accepts

    def filterAcceptsRow(
        self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex
    ) -> bool:
        if self._accept_all:  # first: Qt asks once per row, 100,000 times a refilter
            return True
        if source_parent.isValid():
            return False
        return self._accepts(source_row)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if self._source is not None:
            self._source.flush()  # sort what the user sees, including pending updates
            self._source.sort(column, order)

    def row_at(self, proxy_row: int) -> Row:
        """The row record behind a proxy row."""
        assert self._source is not None
        return self._source.row_at(self.mapToSource(self.index(proxy_row, 0)).row())

    def rows_for(self, indexes: list[QModelIndex]) -> list[Row]:
        """Distinct row records behind proxy indexes, in view order."""
        assert self._source is not None
        proxy_rows = sorted({i.row() for i in indexes if i.isValid()})
        return [self.row_at(r) for r in proxy_rows]

    def visible_rows(self) -> list[Row]:
        """Every row that passes the filter, in view order."""
        return [self.row_at(r) for r in range(self.rowCount())]
