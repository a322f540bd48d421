"""History in the window: the list comes back after a restart, the last N kept, big lists."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import TypeVar

import pytest

from tcb_gui.core.client import LinkResult
from tcb_gui.core.fileids import parse_fileid
from tcb_gui.core.history import HistoryStore, history_dir, new_entry_id
from tcb_gui.demo.samples import PROD
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DEMO_TOKEN
from tcb_gui.ui import history as history_module
from tcb_gui.ui import task_names
from tcb_gui.ui.main_window import MainWindow
from tcb_gui.ui.results_model import RowState
from tests.ui.conftest import WindowFactory, wait_until

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only

T = TypeVar("T")


def ids_text(count: int, prefix: str = "gen/file") -> str:
    return "\n".join(PROD.fileid(f"{prefix}-{n:05d}.bin") for n in range(count))


async def token_window(make_window: WindowFactory, server: DemoServer) -> MainWindow:
    window = make_window(base_url=server.base_url)
    await window.tokens.save_token(DEMO_TOKEN)
    return window


def snapshot(window: MainWindow) -> list[tuple[str, RowState, str | None, str]]:
    rows = sorted(window.model.rows(), key=lambda r: r.index)
    return [
        (r.fileid.raw, r.state, r.url, r.result.errmsg if r.result is not None else "")
        for r in rows
    ]


async def test_the_list_comes_back_after_a_restart(
    make_window: WindowFactory, demo_server: DemoServer
) -> None:
    first = await token_window(make_window, demo_server)
    missing = PROD.fileid("no/such/file.png")
    await first.ids.add_text(ids_text(60) + "\n" + missing)
    await first.resolver.resolve_rows()
    await first.ids.add_text(ids_text(3, "gen/later"))  # added after the run: still pending
    before = snapshot(first)
    assert {state for _, state, _, _ in before} == {RowState.OK, RowState.FAILED, RowState.PENDING}
    await first.aclose()  # what the app does on quit: the last changes are saved

    text = next(history_dir().glob("*.jsonl")).read_text(encoding="utf-8")
    assert DEMO_TOKEN not in text  # links yes, the token never

    second = make_window(base_url=demo_server.base_url)
    assert await second.history.restore_last()
    assert snapshot(second) == before
    counts = second.model.counts()
    assert (counts.ok, counts.failed, counts.pending, counts.expired) == (60, 1, 3, 0)
    assert "Restored the last list: 64 IDs" in second.message_label.text()
    assert second.counts_label.text() == "64 IDs · 60 ready · 1 failed · 3 to resolve"
    assert not second.history.dirty  # restoring is not a change worth saving again


async def test_expired_links_come_back_expired_and_refresh_works(
    make_window: WindowFactory, demo_server: DemoServer
) -> None:
    ids = [parse_fileid(PROD.fileid(f"gen/old-{n}.bin")) for n in range(5)]
    past = datetime.fromtimestamp(time.time() - 60, UTC)
    rows = [
        (fid, LinkResult(fid, True, 0, "ok", f"{demo_server.base_url}/x/{n}?t=1", past))
        for n, fid in enumerate(ids)
    ]
    HistoryStore().save(
        new_entry_id(), [f for f, _ in rows], [r for _, r in rows], created_at=time.time() - 7200
    )

    window = await token_window(make_window, demo_server)
    assert await window.history.restore_last()
    counts = window.model.counts()
    assert (counts.ok, counts.expired, counts.working) == (5, 5, 0)
    assert "5 links expired" in window.message_label.text()
    assert window.refresh_button.isEnabled()
    assert all(r.working_url is None for r in window.model.rows())

    window.refresh_button.click()
    task = window.tasks.get("resolve")
    assert task is not None
    await task
    counts = window.model.counts()
    assert (counts.ok, counts.expired, counts.working) == (5, 0, 5)
    assert all(r.url and r.url.startswith(demo_server.base_url) for r in window.model.rows())
    # The renewed links are what the history keeps now.
    await window.history.save_now()
    entry = HistoryStore().entries()[0]
    loaded = HistoryStore().load(entry.id)
    assert all(r is not None and r.expires_at and r.expires_at > past for r in loaded.results)


async def test_changes_are_saved_a_few_seconds_later(
    make_window: WindowFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(history_module, "SAVE_DELAY_MS", 50)
    window = make_window()
    await window.ids.add_text(ids_text(10))
    await wait_until(lambda: HistoryStore().entries(), 10)
    entry = HistoryStore().entries()[0]
    assert (entry.id, entry.total, entry.pending) == (window.history.entry_id, 10, 10)
    await window.ids.add_text(ids_text(15))  # 5 new, 10 duplicates
    await wait_until(lambda: HistoryStore().entries()[0].total == 15, 10)
    assert len(HistoryStore().entries()) == 1  # the same list, saved again


async def test_clearing_starts_a_new_list_and_keeps_the_old(make_window: WindowFactory) -> None:
    window = make_window()
    await window.ids.add_text(ids_text(4))
    await window.history.save_now()
    first_id = window.history.entry_id
    window.clear_rows()
    assert window.model.rowCount() == 0
    assert window.history.entry_id is None
    await wait_until(lambda: HistoryStore().current_id() is None, 10)
    await window.ids.add_text(ids_text(2, "gen/second"))
    await window.history.save_now()
    assert window.history.entry_id != first_id
    assert [e.total for e in HistoryStore().entries()] == [2, 4]
    # Cleared again and closed: the next start is empty, the lists stay in History.
    window.clear_rows()
    await window.aclose()
    assert HistoryStore().current_id() is None
    second = make_window()
    assert not await second.history.restore_last()
    assert second.model.rowCount() == 0
    second.history.menu.aboutToShow.emit()
    labels = [a.text() for a in second.history.menu.actions()]
    assert len(labels) == 2
    assert labels[0].startswith("gen/second-00000.bin — 2 IDs · ")  # named by its first key
    assert labels[1].startswith("gen/file-00000.bin — 4 IDs · ")


async def test_only_the_last_n_lists_are_kept(make_window: WindowFactory) -> None:
    window = make_window()
    window.session.settings.history_size = 3
    window.history.set_keep(3)
    for n in range(5):
        await window.ids.add_text(ids_text(n + 1, f"gen/list{n}"))
        await window.history.save_now()
        window.clear_rows()
    await wait_until(lambda: HistoryStore().current_id() is None, 10)
    await window.history.refresh_entries()
    assert [e.total for e in window.history.entries] == [5, 4, 3]
    assert len(list(history_dir().glob("*.jsonl"))) == 3


async def test_the_history_menu_reopens_an_earlier_list(make_window: WindowFactory) -> None:
    window = make_window()
    await window.ids.add_text(ids_text(7, "gen/first"))
    await window.history.save_now()
    first = window.history.entry_id
    window.clear_rows()
    await window.ids.add_text(ids_text(3, "gen/second"))
    await window.history.save_now()
    await window.history.refresh_entries()

    menu = window.history.menu
    menu.aboutToShow.emit()
    actions = menu.actions()
    assert [a.text().split(" · ")[0].split(" — ")[-1] for a in actions] == ["3 IDs", "7 IDs"]
    assert actions[0].isChecked()  # the list on screen
    assert "not resolved" in actions[1].toolTip()
    actions[1].trigger()
    task = window.tasks.get(task_names.HISTORY_OPEN)
    assert task is not None
    assert await task
    assert window.history.entry_id == first
    assert window.model.rowCount() == 7
    assert HistoryStore().current_id() == first
    menu.aboutToShow.emit()
    assert [a.isChecked() for a in menu.actions()] == [False, True]


async def test_history_off_saves_nothing(make_window: WindowFactory) -> None:
    window = make_window()
    window.history.set_keep(0)
    await window.ids.add_text(ids_text(3))
    assert await window.history.save_now() is None
    await window.aclose()
    assert HistoryStore().entries() == []


async def test_demo_lists_are_not_kept(window: MainWindow) -> None:
    await window.tokens.start_demo()
    assert window.model.rowCount() > 0
    assert await window.history.save_now() is None
    assert HistoryStore().entries() == []


async def test_a_hundred_thousand_rows_save_and_load_off_the_ui_thread(
    make_window: WindowFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    main = threading.current_thread()
    threads: list[str] = []
    for name in ("save", "load"):
        real = getattr(HistoryStore, name)

        def spy(self, *args, _real=real, _name=name, **kwargs):  # type: ignore[no-untyped-def]
            if threading.current_thread() is main:
                threads.append(f"{_name} on the UI thread")
            return _real(self, *args, **kwargs)

        monkeypatch.setattr(HistoryStore, name, spy)

    count = 100_000
    ids = [parse_fileid(PROD.fileid(f"gen/size-1K/f-{n:06d}.bin")) for n in range(count)]
    expires = datetime.fromtimestamp(time.time() + 3600, UTC)
    window = make_window()
    for start in range(0, count, 10_000):
        window.model.append_ids(ids[start : start + 10_000])
    window.model.apply_results(
        LinkResult(f, True, 0, "ok", f"https://cdn.example/{f.key}?sign=s&t=1", expires)
        for f in ids[::2]
    )
    window.model.flush()

    # A ticker on the loop measures how long the window would stand still.
    async def stalls(work: Awaitable[T]) -> tuple[T, float, float]:
        gaps = [0.0]
        stop = asyncio.Event()

        async def ticker() -> None:
            last = time.perf_counter()
            while not stop.is_set():
                await asyncio.sleep(0.005)
                now = time.perf_counter()
                gaps.append(now - last)
                last = now

        tick = asyncio.ensure_future(ticker())
        started = time.perf_counter()
        result = await work
        took = time.perf_counter() - started
        stop.set()
        await tick
        return result, took, max(gaps)

    entry, save_s, save_stall = await stalls(window.history.save_now())
    await window.aclose()
    second = make_window()
    restored, load_s, load_stall = await stalls(second.history.restore_last())

    assert threads == []  # every read and write ran in a worker thread
    assert restored
    assert entry is not None
    assert (entry.total, entry.ok) == (count, count // 2)
    counts = second.model.counts()
    assert (counts.total, counts.ok, counts.pending) == (count, count // 2, count // 2)
    print(
        f"\n100,000 rows: save {save_s:.2f} s (longest loop stall {save_stall * 1000:.0f} ms), "
        f"restore {load_s:.2f} s (longest stall {load_stall * 1000:.0f} ms)"
    )


async def test_restore_runs_first_then_what_follows(make_window: WindowFactory) -> None:
    """At start the list comes back before an unfinished download is offered on it."""
    first = make_window()
    await first.ids.add_text(ids_text(4))
    await first.aclose()
    second = make_window()
    seen: list[int] = []
    second.history.request_restore(then=lambda: seen.append(second.model.rowCount()))
    task = second.tasks.get(task_names.HISTORY_RESTORE)
    assert task is not None
    await task
    assert seen == [4]


async def test_the_menu_says_why_nothing_is_kept(make_window: WindowFactory) -> None:
    """An operator who resolved lists in the demo, or turned keeping off, opened History
    to "No saved lists yet", as if they would be kept and something had gone wrong."""
    window = make_window()
    menu = window.history.menu
    menu.aboutToShow.emit()
    assert [a.text() for a in menu.actions()] == ["No saved lists yet"]
    window.history.set_keep(0)
    menu.aboutToShow.emit()
    assert [a.text() for a in menu.actions()] == [
        "No lists are kept (Settings ▸ Downloads && history ▸ Recent lists kept)"
    ]
    window.history.set_keep(10)
    await window.tokens.start_demo()
    assert window.model.rowCount() > 0
    menu.aboutToShow.emit()
    assert [a.text() for a in menu.actions()] == ["Lists of the demo are not kept"]
    assert not any(a.isEnabled() for a in menu.actions())
