"""History under a hostile disk and a hurried operator: a save that fails, a list opened
while another is still coming in, a window closed during the restore, a smaller history
size, a Clear undone before its first save, a file cut short or unreadable, names with "&"."""

from __future__ import annotations

import asyncio
import errno
from pathlib import Path
from typing import Any

import pytest

from tcb_gui.core.history import HistoryStore
from tcb_gui.demo.samples import PROD
from tcb_gui.ui import history as history_module
from tcb_gui.ui import task_names
from tcb_gui.ui.main_window import MainWindow
from tests.ui.conftest import WindowFactory, wait_until

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only


def ids_text(count: int, prefix: str) -> str:
    return "\n".join(PROD.fileid(f"{prefix}-{n:05d}.bin") for n in range(count))


def history_banner(window: MainWindow) -> str:
    banner = window.banners.banner("history")
    return banner.text if banner is not None else ""


def full_disk(_store: HistoryStore, *_args: Any, **_kwargs: Any) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


async def test_a_save_that_failed_is_tried_again_at_close(
    make_window: WindowFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk was full at the throttled save; the operator freed space and quit. The
    list counted as saved and was never written: the next start had nothing."""
    window = make_window()
    real = HistoryStore.save_encoded
    monkeypatch.setattr(HistoryStore, "save_encoded", full_disk)
    await window.ids.add_text(ids_text(5, "gen/full"))
    assert await window.history.save_now() is None
    assert "No space left on device" in history_banner(window)
    assert window.history.dirty
    monkeypatch.setattr(HistoryStore, "save_encoded", real)
    await window.ids.add_text(ids_text(6, "gen/full"))  # one more: saved a moment later
    assert await window.history.save_now() is not None
    assert history_banner(window) == ""  # no warning left that it is not saved
    await window.aclose()
    assert [e.total for e in HistoryStore().entries()] == [6]


async def test_opening_a_list_keeps_the_one_on_screen_when_it_cannot_be_saved(
    make_window: WindowFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = make_window()
    await window.ids.add_text(ids_text(5, "gen/older"))
    await window.history.save_now()
    older = window.history.entry_id
    assert older is not None
    window.clear_rows()
    await window.ids.add_text(ids_text(3, "gen/new"))
    monkeypatch.setattr(HistoryStore, "save_encoded", full_disk)
    assert not await window.history.open_entry(older)
    assert sorted(r.fileid.key for r in window.model.rows())[0] == "gen/new-00000.bin"
    assert window.model.rowCount() == 3
    assert "No space left on device" in history_banner(window)


async def test_a_list_opened_while_another_comes_in_overwrites_nothing(
    make_window: WindowFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """History ▸ A, then History ▸ B before A was all in: the half of A on screen was
    saved over the list that had been open before it."""
    monkeypatch.setattr(history_module, "RESTORE_BATCH", 10)
    window = make_window()
    saved: dict[str, str] = {}
    for name, count in (("a", 500), ("b", 300), ("x", 7)):
        if window.model.rowCount():
            window.clear_rows()
        await window.ids.add_text(ids_text(count, f"gen/{name}"))
        await window.history.save_now()
        assert window.history.entry_id is not None
        saved[name] = window.history.entry_id
    window.history.request_open(saved["a"])
    await wait_until(lambda: 50 < window.model.rowCount() < 500, interval=0)
    window.history.request_open(saved["b"])
    task = window.tasks.get(task_names.HISTORY_OPEN)
    assert task is not None
    assert await task
    assert (window.history.entry_id, window.model.rowCount()) == (saved["b"], 300)
    await window.aclose()
    store = HistoryStore()
    totals = {name: len(store.load(entry_id).ids) for name, entry_id in saved.items()}
    assert totals == {"a": 500, "b": 300, "x": 7}
    assert store.current_id() == saved["b"]


async def test_closing_during_the_restore_keeps_the_whole_list(
    make_window: WindowFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Quit while the last list was still coming back: the part on screen was saved as
    a new list and made current, so the next start showed only that part."""
    monkeypatch.setattr(history_module, "RESTORE_BATCH", 10)
    first = make_window()
    await first.ids.add_text(ids_text(500, "gen/big"))
    await first.aclose()
    second = make_window()
    second.history.request_restore()
    await wait_until(lambda: 50 < second.model.rowCount() < 500, interval=0)
    await second.aclose()
    store = HistoryStore()
    assert [e.total for e in store.entries()] == [500]
    third = make_window()
    assert await third.history.restore_last()
    assert third.model.rowCount() == 500


async def test_a_smaller_history_keeps_the_list_on_screen(make_window: WindowFactory) -> None:
    """An earlier list reopened, then Settings ▸ Recent lists kept: 1. The reopened list
    (saved longest ago) was deleted and the next start showed another one."""
    window = make_window()
    await window.ids.add_text(ids_text(5, "gen/reopened"))
    await window.history.save_now()
    reopened = window.history.entry_id
    assert reopened is not None
    window.clear_rows()
    await window.ids.add_text(ids_text(3, "gen/later"))
    await window.history.save_now()
    assert await window.history.open_entry(reopened)
    window.history.set_keep(1)
    task = window.tasks.get(task_names.HISTORY_PRUNE)
    assert task is not None
    await task
    assert [e.id for e in window.history.entries] == [reopened]
    await window.aclose()
    assert HistoryStore().current_id() == reopened


async def test_a_clear_undone_before_the_first_save_is_kept_once(
    make_window: WindowFactory,
) -> None:
    window = make_window()
    await window.ids.add_text(ids_text(5, "gen/once"))
    window.clear_rows()  # before the throttled save: the clear saves it
    await wait_until(lambda: HistoryStore().entries(), 10)
    await asyncio.sleep(0)
    assert window.undo() == 5
    await window.aclose()
    assert [e.total for e in HistoryStore().entries()] == [5]


async def test_a_list_cut_short_says_how_many_rows_are_missing(
    make_window: WindowFactory,
) -> None:
    first = make_window()
    await first.ids.add_text(ids_text(2_500, "gen/cut"))
    await first.aclose()
    store = HistoryStore()
    entry_id = store.current_id()
    assert entry_id is not None
    path = store.path_of(entry_id)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:3]), encoding="utf-8")  # ends with a whole line
    second = make_window()
    assert await second.history.restore_last()
    assert second.model.rowCount() == 2_000
    assert history_banner(second) == (
        "500 rows of the saved list could not be read and were left out."
    )


async def test_a_last_list_that_cannot_be_read_is_said_at_start(
    make_window: WindowFactory,
) -> None:
    first = make_window()
    await first.ids.add_text(ids_text(4, "gen/older"))
    await first.history.save_now()
    first.clear_rows()
    await first.ids.add_text(ids_text(2, "gen/last"))
    await first.aclose()
    store = HistoryStore()
    last = store.current_id()
    assert last is not None
    store.path_of(last).write_bytes(b"\x00\x01 not a list")
    second = make_window()
    assert not await second.history.restore_last()
    assert second.model.rowCount() == 0
    assert history_banner(second) == "That list in the history cannot be read."
    assert [e.total for e in second.history.entries] == [4]  # History still opens it
    assert await second.history.open_entry(second.history.entries[0].id)
    assert second.model.rowCount() == 4
    assert history_banner(second) == ""  # it was about the other list


async def test_history_names_lists_with_ampersands_and_chinese_as_they_are(
    make_window: WindowFactory, tmp_path: Path
) -> None:
    """A list opened from "R&D 订单.txt" was shown in History as "RD 订单.txt", its "&"
    taken for a keyboard shortcut on "D"."""
    window = make_window()
    source = tmp_path / "R&D 订单.txt"
    source.write_text(ids_text(3, "gen/订单"), encoding="utf-8")
    await window.ids.add_paths([source])
    await window.history.save_now()
    window.clear_rows()
    await window.ids.add_paths([source])  # the same file again: a second list
    await window.history.save_now()
    await window.history.refresh_entries()
    menu = window.history.menu
    menu.aboutToShow.emit()
    shown = [a.iconText() for a in menu.actions()]
    assert len(shown) == 2
    assert all(text.startswith("R&D 订单.txt — 3 IDs · ") for text in shown)


async def test_a_list_another_window_pruned_is_saved_again_at_close(
    make_window: WindowFactory,
) -> None:
    """Two windows share the history (one started with --profile): the other saved ten
    newer lists, pruning this one's, unchanged since; closing this window lost it."""
    window = make_window()
    await window.ids.add_text(ids_text(4, "gen/quiet"))
    await window.history.save_now()
    entry_id = window.history.entry_id
    assert entry_id is not None
    store = HistoryStore()
    store.path_of(entry_id).unlink()  # the other window's prune
    assert not window.history.dirty
    await window.aclose()
    assert [len(store.load(entry_id).ids)] == [4]
    assert store.current_id() == entry_id


async def test_ids_added_while_the_last_list_comes_back_are_kept(
    make_window: WindowFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file dropped on the window while the last list was still coming back joined
    the list but counted as saved: quitting then lost it from the next start."""
    monkeypatch.setattr(history_module, "RESTORE_BATCH", 10)
    first = make_window()
    await first.ids.add_text(ids_text(500, "gen/restored"))
    await first.aclose()
    second = make_window()
    second.history.request_restore()
    await wait_until(lambda: 50 < second.model.rowCount() < 500, interval=0)
    await second.ids.add_text(ids_text(3, "gen/dropped"))
    await wait_until(lambda: not second.tasks.running(task_names.HISTORY_RESTORE))
    assert second.model.rowCount() == 503
    assert second.history.dirty
    await second.aclose()
    store = HistoryStore()
    current = store.current_id()
    assert current is not None
    assert len(store.load(current).ids) == 503
