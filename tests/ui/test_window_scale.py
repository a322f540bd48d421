"""What keeps the window smooth at 100,000 rows, checked for behaviour (the timings
themselves are bench/window.py's): bounded change signals, a proxy that re-checks rows
only while filtering, the filter text derived on demand, expiry kept per request, the
history encoded in steps, the button pixmaps, cached tone colours, the held collector,
a filter box that waits for a pause in typing on long lists, resolving in slices."""

from __future__ import annotations

import asyncio
import gc
import threading
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPalette
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from tcb_gui.core.client import LinkResult
from tcb_gui.core.errors import ErrorKind, ServiceError
from tcb_gui.core.fileids import FileId, parse_fileid
from tcb_gui.core.history import ROWS_PER_LINE, HistoryStore, new_entry_id
from tcb_gui.core.resolve_run import ResolveRun
from tcb_gui.ui import gc_freeze, text_filter
from tcb_gui.ui.button_cache import ButtonPairCache
from tcb_gui.ui.history_writer import COUNT_STEP, save_in_steps
from tcb_gui.ui.palette import Tone, tone_color
from tcb_gui.ui.results_model import (
    MAX_SPANS_PER_FLUSH,
    Column,
    ResultsModel,
    RowState,
    _coalesce,
    _spans,
)
from tcb_gui.ui.results_proxy import ResultsProxy, StatusFilter

BUCKET = "7072-prod-4gkv-1314114854"


def fid(n: int, env: str = "prod-4gkv") -> FileId:
    return parse_fileid(f"cloud://{env}.{BUCKET}/Photos/{n:06d}.JPG")


def ok(f: FileId, expires_at: datetime) -> LinkResult:
    url = f"https://{BUCKET}.tcb.qcloud.la/Photos/{f.key}?sign=Abc&t=1"
    return LinkResult(f, True, 0, "ok", url, expires_at)


def failed(f: FileId) -> LinkResult:
    return LinkResult(f, False, -503003, "File does not exist", None, None, ErrorKind.FILE)


@pytest.fixture
def model(qapp: QApplication) -> ResultsModel:
    return ResultsModel()


# --- change signals -----------------------------------------------------------------------


def test_coalesced_spans_cover_every_change_and_join_the_narrowest_gaps() -> None:
    # Three clusters far apart, each of scattered rows (alternating environments).
    positions = [*range(0, 200, 2), *range(50_000, 50_200, 2), *range(99_000, 99_100, 3)]
    spans = _coalesce(_spans(positions), 3)
    assert spans == [(0, 198), (50_000, 50_198), (99_000, 99_099)]
    many = _spans(positions)
    assert len(many) > MAX_SPANS_PER_FLUSH
    joined = _coalesce(many, MAX_SPANS_PER_FLUSH)
    assert len(joined) == MAX_SPANS_PER_FLUSH
    covered = {p for first, last in joined for p in range(first, last + 1)}
    assert set(positions) <= covered
    # Far less than one span from the first change to the last.
    assert len(covered) < 1_000 < positions[-1] - positions[0]
    assert _coalesce(_spans([1, 2, 3, 7]), 4) == [(1, 3), (7, 7)]


def test_a_flush_signals_scattered_rows_without_the_rows_between(model: ResultsModel) -> None:
    ids = [fid(n) for n in range(20_000)]
    model.append_ids(ids)
    model.flush()
    changed: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda tl, br, _roles=(): changed.append((tl.row(), br.row())))
    expires = datetime.now(UTC) + timedelta(hours=2)
    # Every other row of two far-apart stretches, as two environments' batches land.
    model.apply_results(ok(ids[n], expires) for n in [*range(0, 400, 2), *range(19_000, 19_400, 2)])
    model.flush()
    assert len(changed) <= MAX_SPANS_PER_FLUSH
    signalled = sum(last - first + 1 for first, last in changed)
    assert signalled < 1_000  # not rows 0..19,398


# --- the proxy ------------------------------------------------------------------------------


class CountingProxy(ResultsProxy):
    def __init__(self) -> None:
        super().__init__()
        self.asked = 0

    def filterAcceptsRow(
        self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex
    ) -> bool:
        self.asked += 1
        return super().filterAcceptsRow(source_row, source_parent)


def test_the_proxy_rechecks_changed_rows_only_while_a_filter_is_set(model: ResultsModel) -> None:
    ids = [fid(n) for n in range(300)]
    model.append_ids(ids)
    model.flush()
    proxy = CountingProxy()
    proxy.setSourceModel(model)
    assert proxy.rowCount() == 300
    assert not proxy.dynamicSortFilter()
    expires = datetime.now(UTC) + timedelta(hours=2)

    proxy.asked = 0
    model.apply_results(ok(f, expires) for f in ids[:100])
    model.flush()
    assert proxy.asked == 0  # nothing filtered: no row needs a look
    assert proxy.rowCount() == 300

    proxy.set_status_filter(StatusFilter.PENDING)
    assert proxy.dynamicSortFilter()
    assert proxy.rowCount() == 200
    proxy.asked = 0
    model.apply_results(ok(f, expires) for f in ids[100:150])
    model.flush()
    assert 0 < proxy.asked < 300  # only the changed rows, and they leave the view
    assert proxy.rowCount() == 150

    proxy.set_status_filter(StatusFilter.ALL)
    assert not proxy.dynamicSortFilter()
    assert proxy.rowCount() == 300


def test_the_text_filter_finds_ids_links_and_messages_in_any_case(model: ResultsModel) -> None:
    ids = [fid(n) for n in range(4)]
    model.append_ids(ids)
    expires = datetime.now(UTC) + timedelta(hours=2)
    model.apply_results([ok(ids[0], expires), failed(ids[1])])
    model.flush()
    proxy = ResultsProxy()
    proxy.setSourceModel(model)

    def shown(text: str) -> list[int]:
        proxy.set_text_filter(text)
        return [proxy.row_at(r).index for r in range(proxy.rowCount())]

    assert shown("QCLOUD.LA/photos/photos/") == [0]  # the link, whatever the case
    assert shown("sign=abc") == []  # not its query: a random signature and time
    assert shown("does not EXIST") == [1]  # the message
    assert shown("photos/000003.jpg") == [3]  # the ID of a pending row
    assert shown("000000.jpg https://") == [0]  # across the ID's end into the link
    row = model.row_for(ids[0])
    assert row is not None
    model.set_state([row], RowState.PENDING)  # back to pending: the link is gone
    model.flush()
    assert shown("qcloud.la") == []
    assert shown("") == [0, 1, 2, 3]


# --- expiry -------------------------------------------------------------------------------


def test_rows_of_one_request_expire_together_once(model: ResultsModel) -> None:
    ids = [fid(n) for n in range(120)]
    model.append_ids(ids)
    soon = datetime.now(UTC) + timedelta(seconds=30)
    later = soon + timedelta(hours=1)
    model.apply_results(ok(f, soon) for f in ids[:50])  # one request: one expiry
    model.apply_results(ok(f, later) for f in ids[50:100])
    assert len(model._expiry_heap) == 2  # per request, not per row
    renewed = model.row_for(ids[0])
    assert renewed is not None
    model.apply_results([ok(ids[0], later)])  # re-resolved: its old expiry is stale
    model.flush()

    assert model.tick(now=soon.timestamp() - 1) == 0
    assert model.tick(now=soon.timestamp() + 1) == 49
    assert not renewed.expired
    assert model.tick(now=soon.timestamp() + 2) == 0  # counted once
    assert model.counts().expired == 49
    assert model.tick(now=later.timestamp() + 1) == 51
    model.clear()
    assert model.tick(now=later.timestamp() + 10) == 0


# --- history ------------------------------------------------------------------------------


def big_list(count: int) -> tuple[list[FileId], list[LinkResult | None]]:
    ids = [fid(n, env=("prod-4gkv", "test-9xyz")[n % 2]) for n in range(count)]
    expires = datetime.now(UTC) + timedelta(hours=2)
    results: list[LinkResult | None] = []
    for n, f in enumerate(ids):
        results.append(None if n % 5 == 4 else failed(f) if n % 7 == 3 else ok(f, expires))
    return ids, results


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def body(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()[1:]


async def test_a_save_in_steps_writes_what_a_plain_save_writes(tmp_path: Path) -> None:
    count = 2 * COUNT_STEP + ROWS_PER_LINE // 2  # several counting steps, a short last line
    ids, results = big_list(count)
    plain = HistoryStore(tmp_path / "plain")
    stepped = HistoryStore(tmp_path / "stepped")
    entry_id = new_entry_id(1_000.0)
    expected = await asyncio.to_thread(plain.save, entry_id, ids, results, created_at=5.0)
    entry = await save_in_steps(stepped, entry_id, ids, results, created_at=5.0, profile=None)
    assert (entry.total, entry.ok, entry.failed) == (expected.total, expected.ok, expected.failed)
    assert body(stepped.path_of(entry_id)) == body(plain.path_of(entry_id))
    loaded = await asyncio.to_thread(stepped.load, entry_id)
    assert loaded.ids == ids
    assert stepped.current_id() == entry_id


async def test_a_cancelled_save_leaves_the_saved_list_as_it_was(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path)
    entry_id = new_entry_id(1_000.0)
    small_ids, small_results = big_list(10)
    await save_in_steps(store, entry_id, small_ids, small_results, created_at=1.0, profile=None)
    before = store.path_of(entry_id).read_text(encoding="utf-8")

    ids, results = big_list(20 * ROWS_PER_LINE)
    task = asyncio.ensure_future(
        save_in_steps(store, entry_id, ids, results, created_at=1.0, profile=None)
    )
    for _ in range(5):  # a few steps in: counted, some lines handed to the writer
        await asyncio.sleep(0)
    assert not task.done()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert store.path_of(entry_id).read_text(encoding="utf-8") == before
    assert listing(tmp_path) == sorted([store.path_of(entry_id).name, "current.json"])


# --- painting -------------------------------------------------------------------------------


def test_the_button_pair_is_painted_once_per_look(qapp: QApplication) -> None:
    cache = ButtonPairCache()
    painted: list[tuple[str, bool, bool, bool]] = []

    def paint_button(
        painter: QPainter,
        rect: QRect,
        button: str,
        palette: QPalette,
        dark: bool,
        enabled: bool,
        hovered: bool,
        pressed: bool,
    ) -> None:
        painted.append((button, enabled, hovered, pressed))
        painter.fillRect(rect, QColor("#336699"))

    image = QImage(300, 200, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor("white"))
    painter = QPainter(image)
    option = QStyleOptionViewItem()
    option.palette = QApplication.palette()
    for top in range(0, 150, 30):  # five rows, same look
        rects = {"copy": QRect(10, top + 3, 60, 24), "open": QRect(76, top + 3, 60, 24)}
        cache.draw(painter, rects, option, False, True, paint_button)
    rects = {"copy": QRect(10, 153, 60, 24), "open": QRect(76, 153, 60, 24)}
    cache.draw(painter, rects, option, False, False, paint_button)  # greyed: another look
    painter.end()
    assert painted == [
        ("copy", True, False, False),
        ("open", True, False, False),
        ("copy", False, False, False),
        ("open", False, False, False),
    ]
    for y in (15, 75, 135, 165):  # every row got its buttons
        assert image.pixelColor(40, y) == QColor("#336699")
        assert image.pixelColor(100, y) == QColor("#336699")
    assert image.pixelColor(73, 15) == QColor("white")  # the gap between them


def test_tone_colours_follow_a_palette_change(qapp: QApplication) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    original = app.palette()
    light = tone_color(Tone.SUCCESS)
    try:
        dark = QPalette(original)
        for role in (
            QPalette.ColorRole.Window,
            QPalette.ColorRole.Base,
            QPalette.ColorRole.AlternateBase,
        ):
            dark.setColor(role, QColor("#1e1e1e"))
        app.setPalette(dark)
        on_dark = tone_color(Tone.SUCCESS)
        assert on_dark != light
        assert on_dark.lightness() > light.lightness()
        on_dark.setAlpha(10)  # callers get their own copy
        assert tone_color(Tone.SUCCESS).alpha() == 255
    finally:
        app.setPalette(original)
    assert tone_color(Tone.SUCCESS) == light


def test_only_the_status_column_has_an_icon(model: ResultsModel) -> None:
    model.append_ids([fid(1)])
    assert model.index(0, Column.STATUS).data(Qt.ItemDataRole.DecorationRole) is not None
    assert model.index(0, Column.FILE).data(Qt.ItemDataRole.DecorationRole) is None
    assert model.index(0, Column.FILE).data(Qt.ItemDataRole.FontRole) is None
    assert model.index(0, Column.NUMBER).data(Qt.ItemDataRole.TextAlignmentRole) == int(
        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    )


# --- the collector ----------------------------------------------------------------------------


def test_the_collector_is_held_across_threads_and_restored() -> None:
    was_enabled = gc.isenabled()
    gc.enable()
    try:
        started, release = threading.Event(), threading.Event()

        def worker() -> None:
            with gc_freeze.collector_held():
                started.set()
                release.wait(10)

        thread = threading.Thread(target=worker)
        thread.start()
        assert started.wait(10)
        with gc_freeze.collector_held():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the worker still holds it
        release.set()
        thread.join(10)
        assert gc.isenabled()

        gc.disable()  # off before: stays off after
        with gc_freeze.collector_held():
            pass
        assert not gc.isenabled()
    finally:
        (gc.enable if was_enabled else gc.disable)()


def test_long_lived_results_are_frozen() -> None:
    before = gc.get_freeze_count()
    made = gc_freeze.make_long_lived(lambda n: [[i] for i in range(n)], 1_000)
    assert len(made) == 1_000
    assert gc.get_freeze_count() >= before + 1_000


# --- the filter box -----------------------------------------------------------------------


def test_a_long_list_filters_once_typing_pauses(
    qtbot: QtBot, model: ResultsModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(text_filter, "IMMEDIATE_MAX_ROWS", 5)
    monkeypatch.setattr(text_filter, "TYPING_PAUSE_MS", 50)
    model.append_ids(fid(n) for n in range(10))
    proxy = ResultsProxy()
    proxy.setSourceModel(model)
    edit = QLineEdit()
    qtbot.addWidget(edit)
    feed = text_filter.TextFilterInput(edit, proxy)

    QTest.keyClicks(edit, "000003")
    assert feed.pending
    assert proxy.rowCount() == 10  # not a refilter per key
    qtbot.waitUntil(lambda: proxy.rowCount() == 1, timeout=5_000)
    assert not feed.pending

    edit.setText("000004.jpg")
    assert feed.pending
    qtbot.keyClick(edit, Qt.Key.Key_Return)  # Enter: at once
    assert not feed.pending
    assert [proxy.row_at(0).index] == [4]

    edit.clear()  # clearing shows every row at once
    assert not feed.pending
    assert proxy.rowCount() == 10

    monkeypatch.setattr(text_filter, "IMMEDIATE_MAX_ROWS", 100)  # a short list: per key
    QTest.keyClicks(edit, "000007")
    assert not feed.pending
    assert proxy.rowCount() == 1


# --- resolving in slices ------------------------------------------------------------------


class SlicedClient:
    """Stands in for TcbClient.resolve: answers in requests of 10, records its calls."""

    def __init__(self, fail_at: int | None = None) -> None:
        self.calls: list[list[int]] = []
        self.closed = 0
        self.fail_at = fail_at

    async def resolve(self, ids: Sequence[FileId]) -> AsyncGenerator[list[LinkResult], None]:
        self.calls.append([int(f.key[-10:-4]) for f in ids])
        try:
            expires = datetime.now(UTC) + timedelta(hours=2)
            for start in range(0, len(ids), 10):
                if self.fail_at is not None and len(self.calls) - 1 == self.fail_at:
                    raise ServiceError("quota used up")
                await asyncio.sleep(0)
                yield [ok(f, expires) for f in ids[start : start + 10]]
        finally:
            self.closed += 1


async def test_a_big_list_goes_to_the_engine_in_slices_in_order() -> None:
    ids = [fid(n) for n in range(120)]
    client = SlicedClient()
    run = ResolveRun(client, ids, slice_size=50)
    got = [r.fileid for batch in await collect(run.stream()) for r in batch]
    assert got == ids
    assert [len(c) for c in client.calls] == [50, 50, 20]
    assert client.calls[1][0] == 50
    assert client.closed == 3


async def test_an_error_in_a_slice_ends_the_run_and_closes_the_stream() -> None:
    ids = [fid(n) for n in range(120)]
    client = SlicedClient(fail_at=1)
    run = ResolveRun(client, ids, slice_size=50)
    got = await collect(run.stream())
    assert isinstance(run.stop, ServiceError)  # the run stops; the window shows why
    assert sum(len(batch) for batch in got) == 50
    assert run.unresolved == ids[50:]
    assert len(client.calls) == 2
    assert client.closed == 2

    early = SlicedClient()
    stream = ResolveRun(early, ids, slice_size=50).stream()
    await anext(stream)
    await stream.aclose()  # the window cancelled: the engine's stream is closed too
    assert early.closed == 1


async def collect(
    stream: AsyncIterator[list[LinkResult]], into: list[list[LinkResult]] | None = None
) -> list[list[LinkResult]]:
    batches = [] if into is None else into
    async for batch in stream:
        batches.append(batch)
    return batches
