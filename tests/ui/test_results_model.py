"""The results model and its proxy: Qt's model checks, states, coalescing, sort, filter."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import QModelIndex, Qt

from tcb_gui.core.client import LinkResult
from tcb_gui.core.errors import ErrorKind
from tcb_gui.core.fileids import FileId, parse_fileid
from tcb_gui.ui.results_model import (
    FLUSH_INTERVAL_MS,
    MAX_SPANS_PER_FLUSH,
    ROW_ROLE,
    SORT_ROLE,
    Column,
    ResultsModel,
    RowState,
)
from tcb_gui.ui.results_proxy import ResultsProxy, StatusFilter

ENV = "prod-4gkv"
BUCKET = "7072-prod-4gkv-1314114854"


def fid(key: str, env: str = ENV) -> FileId:
    return parse_fileid(f"cloud://{env}.{BUCKET}/{key}")


def ok(f: FileId, seconds: float = 7200) -> LinkResult:
    url = f"https://{BUCKET}.tcb.qcloud.la/{f.key}?sign=abc&t=1"
    return LinkResult(f, True, 0, "ok", url, datetime.now(UTC) + timedelta(seconds=seconds))


def failed(f: FileId, kind: ErrorKind = ErrorKind.FILE) -> LinkResult:
    return LinkResult(f, False, -503003, "File does not exist", None, None, kind)


@pytest.fixture
def model(qapp) -> ResultsModel:
    return ResultsModel()


def mixed(model: ResultsModel) -> list[FileId]:
    """Eight rows: ok, ok-expired, failed (file), failed (network), pending, resolving,
    paused, and a Chinese key that is ok."""
    ids = [fid(f"a/{n}.png") for n in range(7)] + [fid("图片/春节 海报.png")]
    model.append_ids(ids)
    rows = [model.row_for(f) for f in ids]
    model.apply_results([ok(ids[0]), ok(ids[1], seconds=-5), failed(ids[2])])
    model.apply_results([failed(ids[3], ErrorKind.NETWORK), ok(ids[7])])
    model.set_state([rows[5]], RowState.RESOLVING)
    model.set_state([rows[6]], RowState.PAUSED)
    model.flush()
    return ids


def test_model_passes_qt_model_checks(qtmodeltester, model: ResultsModel) -> None:
    mixed(model)
    qtmodeltester.check(model, force_py=True)


def test_proxy_passes_qt_model_checks(qtmodeltester, model: ResultsModel) -> None:
    mixed(model)
    proxy = ResultsProxy()
    proxy.setSourceModel(model)
    proxy.set_status_filter(StatusFilter.FAILED)
    qtmodeltester.check(proxy, force_py=True)
    proxy.set_status_filter(StatusFilter.ALL)
    proxy.set_text_filter("春节")
    qtmodeltester.check(proxy, force_py=True)


def test_states_counts_and_display(model: ResultsModel) -> None:
    ids = mixed(model)
    counts = model.counts()
    assert (counts.total, counts.ok, counts.failed, counts.pending) == (8, 3, 2, 1)
    assert (counts.resolving, counts.paused, counts.expired, counts.working) == (1, 1, 1, 2)

    def cell(f: FileId, column: Column, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        row = model.row_for(f)
        assert row is not None
        return model.index(row.pos, column).data(role)

    assert cell(ids[0], Column.STATUS) == "Ready"
    assert cell(ids[1], Column.STATUS) == "Link expired"
    assert cell(ids[1], Column.EXPIRES) == "expired"
    # The Status says the specific outcome; its tooltip the whole reason and what to do.
    assert cell(ids[2], Column.STATUS) == "Not found"
    tip = str(cell(ids[2], Column.STATUS, Qt.ItemDataRole.ToolTipRole))
    assert tip.startswith("Not found\nFile does not exist\nThe file is not in this environment")
    assert cell(ids[2], Column.LINK) == ""  # a failure's reason is not a link
    assert cell(ids[3], Column.STATUS) == "Network error"
    assert cell(ids[6], Column.STATUS) == "Waiting for token"
    assert cell(ids[7], Column.FILE) == "图片/春节 海报.png"
    assert cell(ids[7], Column.FILE, Qt.ItemDataRole.ToolTipRole) == ids[7].raw
    assert cell(ids[0], Column.NUMBER) == "1"
    assert str(cell(ids[0], Column.EXPIRES)).startswith("1 h 59 min")
    row = model.row_for(ids[3])
    assert row is not None
    assert row.retryable
    row = model.row_for(ids[2])
    assert row is not None
    assert not row.retryable


def test_duplicates_are_skipped_and_counted(model: ResultsModel) -> None:
    a, b = fid("a.png"), fid("b.png")
    assert model.append_ids([a, b, a]) == (2, 1)
    assert model.append_ids([b, fid("c.png")]) == (1, 1)
    assert [r.fileid.key for r in model.rows()] == ["a.png", "b.png", "c.png"]
    assert [r.index for r in model.rows()] == [0, 1, 2]


def test_rows_are_inserted_once_per_batch(qtbot, model: ResultsModel) -> None:
    inserts: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _p, first, last: inserts.append((first, last)))
    model.append_ids(fid(f"{n}.png") for n in range(1000))
    model.append_ids(fid(f"{n}.png") for n in range(1000, 1500))
    assert inserts == [(0, 999), (1000, 1499)]


def test_updates_are_coalesced_into_ranged_data_changed(qtbot, model: ResultsModel) -> None:
    ids = [fid(f"{n}.png") for n in range(200)]
    model.append_ids(ids)
    model.flush()
    changes: list[tuple[int, int, int, int]] = []
    model.dataChanged.connect(
        lambda tl, br, _roles=(): changes.append((tl.row(), br.row(), tl.column(), br.column()))
    )
    model.apply_results(ok(f) for f in ids[10:60])
    model.apply_results(ok(f) for f in ids[60:110])
    model.apply_results([failed(ids[150])])
    assert changes == []  # nothing until the timer fires
    with qtbot.waitSignal(model.countsChanged, timeout=FLUSH_INTERVAL_MS * 10):
        pass
    last = len(Column) - 1
    assert changes == [(10, 109, 0, last), (150, 150, 0, last)]


def test_sort_by_status_uses_python_comparisons(model: ResultsModel) -> None:
    ids = mixed(model)
    proxy = ResultsProxy()
    proxy.setSourceModel(model)
    proxy.sort(Column.STATUS, Qt.SortOrder.AscendingOrder)
    states = [proxy.row_at(r).state for r in range(proxy.rowCount())]
    assert states == sorted(states)  # RowState order: failed, paused, pending, resolving, ok
    first_ok = states.index(RowState.OK)
    assert proxy.row_at(first_ok).fileid == ids[1]  # expired sorts before working links
    proxy.sort(Column.NUMBER, Qt.SortOrder.DescendingOrder)
    assert [proxy.row_at(r).index for r in range(proxy.rowCount())] == list(range(7, -1, -1))
    # Positions stay consistent after a sort: updates land on the right rows.
    model.apply_results([failed(ids[4])])
    model.flush()
    row = model.row_for(ids[4])
    assert row is not None
    assert model.index(row.pos, Column.STATUS).data() == "Not found"


def test_sort_keys_are_exact_for_big_numbers(model: ResultsModel) -> None:
    a, b = fid("a.png"), fid("b.png")
    model.append_ids([a, b])
    # Expiry timestamps far past 2**31 seconds must not be truncated or wrap.
    far = datetime(2200, 1, 1, tzinfo=UTC)
    model.apply_results(
        [
            LinkResult(a, True, 0, "ok", "https://x/a", far + timedelta(seconds=1)),
            LinkResult(b, True, 0, "ok", "https://x/b", far),
        ]
    )
    model.flush()
    model.sort(Column.EXPIRES, Qt.SortOrder.AscendingOrder)
    assert [r.fileid.key for r in model.rows()] == ["b.png", "a.png"]
    key = model.index(0, Column.EXPIRES).data(SORT_ROLE)
    assert key == (0, far.timestamp())


def test_sort_keeps_selection_on_the_same_rows(qtbot, model: ResultsModel) -> None:
    from PySide6.QtCore import QPersistentModelIndex

    ids = mixed(model)
    row = model.row_for(ids[6])
    assert row is not None
    persistent = QPersistentModelIndex(model.index(row.pos, Column.FILE))
    model.sort(Column.STATUS, Qt.SortOrder.DescendingOrder)
    assert persistent.data(ROW_ROLE) is row
    assert persistent.row() == row.pos


def test_filters(model: ResultsModel) -> None:
    ids = mixed(model)
    proxy = ResultsProxy()
    proxy.setSourceModel(model)

    def visible() -> set[FileId]:
        return {r.fileid for r in proxy.visible_rows()}

    proxy.set_status_filter(StatusFilter.WORKING)
    assert visible() == {ids[0], ids[7]}
    proxy.set_status_filter(StatusFilter.EXPIRED)
    assert visible() == {ids[1]}
    proxy.set_status_filter(StatusFilter.FAILED)
    assert visible() == {ids[2], ids[3]}
    proxy.set_status_filter(StatusFilter.PENDING)
    assert visible() == {ids[4], ids[5], ids[6]}
    proxy.set_status_filter(StatusFilter.ALL)
    proxy.set_text_filter("  春节 ")
    assert visible() == {ids[7]}
    proxy.set_text_filter("does not exist")  # errmsg is searchable
    assert visible() == {ids[2], ids[3]}
    proxy.set_text_filter("")
    assert len(visible()) == 8


def test_rows_leave_a_status_filter_as_they_change(qtbot, model: ResultsModel) -> None:
    ids = [fid(f"{n}.png") for n in range(5)]
    model.append_ids(ids)
    proxy = ResultsProxy()
    proxy.setSourceModel(model)
    proxy.set_status_filter(StatusFilter.PENDING)
    assert proxy.rowCount() == 5
    model.apply_results([ok(ids[1]), ok(ids[3])])
    model.flush()
    assert proxy.rowCount() == 3


def test_tick_marks_links_that_just_expired(qtbot, model: ResultsModel) -> None:
    a, b = fid("a.png"), fid("b.png")
    model.append_ids([a, b])
    model.apply_results([ok(a, seconds=30), ok(b, seconds=3600)])
    model.flush()
    assert model.counts().expired == 0
    assert model.tick(time.time() + 60) == 1
    model.flush()
    assert model.counts().expired == 1
    row = model.row_for(a)
    assert row is not None
    assert row.expired
    assert row.working_url is None
    # A re-resolved row is fresh again; its old expiry no longer counts.
    model.set_state([row], RowState.RESOLVING)
    model.apply_results([ok(a, seconds=3600)])
    assert model.counts().expired == 0
    assert model.tick(time.time() + 120) == 0


def test_clear_empties_everything(qtbot, model: ResultsModel) -> None:
    mixed(model)
    model.clear()
    assert model.rowCount() == 0
    assert model.counts().total == 0
    assert model.row_for(fid("a/0.png")) is None
    assert model.append_ids([fid("a/0.png")]) == (1, 0)


def test_only_taking_the_whole_list_says_emptied(model: ResultsModel) -> None:
    """A Delete of many runs of rows and an Undo reset the model too, but the list is
    the same one: only ``take_all`` (Clear, another list) says ``emptied``."""
    ids = [fid(f"e/{n}.bin") for n in range(MAX_SPANS_PER_FLUSH * 3)]
    model.append_ids(ids)
    resets: list[int] = []
    emptied: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))
    model.emptied.connect(lambda: emptied.append(model.rowCount()))
    removed = model.remove(list(model.rows())[::2])  # more runs than removed one by one
    assert (len(resets), emptied) == (1, [])
    assert model.restore(removed) == len(removed)
    assert (len(resets), emptied) == (2, [])
    taken = model.take_all()
    assert (len(resets), emptied) == (3, [0])
    model.restore(taken)  # an Undo of the Clear
    model.clear()
    assert emptied == [0, 0]


def test_invalid_indexes_answer_nothing(model: ResultsModel) -> None:
    mixed(model)
    assert model.data(QModelIndex()) is None
    assert model.rowCount(model.index(0, 0)) == 0
