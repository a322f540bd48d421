"""Undo (Ctrl+Z) against what changed the list after a Delete or Clear: another list
opened from History, a resolve run that was going on, 50,000 rows at once."""

from __future__ import annotations

import time

import pytest

from tcb_gui.core.fileids import parse_fileid
from tcb_gui.demo.samples import PROD
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DEMO_TOKEN
from tcb_gui.ui import task_names
from tcb_gui.ui.main_window import MainWindow
from tcb_gui.ui.results_model import RowState
from tests.ui.conftest import WindowFactory, wait_until

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only


def ids_text(count: int, prefix: str) -> str:
    return "\n".join(PROD.fileid(f"{prefix}-{n:05d}.bin") for n in range(count))


def keys(window: MainWindow) -> list[str]:
    return sorted(r.fileid.key for r in window.model.rows())


async def resolving_window(make_window: WindowFactory, server: DemoServer) -> MainWindow:
    """A window with 2,000 IDs and a resolve run part way through them."""
    window = make_window(base_url=server.base_url)
    await window.tokens.save_token(DEMO_TOKEN)
    await window.ids.add_text(ids_text(2_000, "gen/size-1K/f"))
    window.resolver.request_resolve()
    assert window.tasks.get(task_names.RESOLVE) is not None
    await wait_until(
        lambda: window.model.counts().resolving > 0 and window.model.counts().ok > 0, interval=0
    )
    return window


async def test_opening_another_list_is_told(make_window: WindowFactory) -> None:
    window = make_window()
    await window.ids.add_text(ids_text(5, "gen/kept"))
    await window.history.save_now()
    kept = window.history.entry_id
    assert kept is not None
    told: list[int] = []
    window.history.listReplaced.connect(lambda: told.append(window.model.rowCount()))
    assert await window.history.open_entry(kept)  # on screen already: nothing happens
    assert told == []
    window.clear_rows()
    assert await window.history.open_entry(kept)
    assert told == [0]  # before its rows come in


async def test_a_delete_is_not_undone_into_another_list(make_window: WindowFactory) -> None:
    """Delete a row of list B, open list A from History, Ctrl+Z: B's row went into A
    (and was saved with it)."""
    window = make_window()
    await window.ids.add_text(ids_text(5, "gen/a"))
    await window.history.save_now()
    first = window.history.entry_id
    assert first is not None
    window.clear_rows()
    await window.ids.add_text(ids_text(3, "gen/b"))
    window.model.flush()
    assert window.remove_rows(list(window.model.rows())[:1]) == 1
    assert await window.history.open_entry(first)
    window.undo()
    assert keys(window) == [f"gen/a-{n:05d}.bin" for n in range(5)]


async def test_a_clear_during_a_resolve_is_undone_with_true_counts(
    make_window: WindowFactory, demo_server: DemoServer
) -> None:
    """Clear while resolving, Ctrl+Z: "2,000 IDs · 50 ready · 3,900 to resolve", and the
    emptied window counted 1,950 rows to resolve."""
    window = await resolving_window(make_window, demo_server)
    window.clear_rows()
    await wait_until(lambda: not window.tasks.running(task_names.RESOLVE))
    window.model.flush()
    counts = window.model.counts()
    assert (counts.total, counts.pending, counts.resolving) == (0, 0, 0)
    assert window.undo() == 2_000
    counts = window.model.counts()
    assert counts.total == counts.ok + counts.pending == 2_000
    assert counts.resolving == 0


async def test_rows_deleted_during_a_resolve_come_back_to_be_resolved(
    make_window: WindowFactory, demo_server: DemoServer
) -> None:
    """Delete rows while they resolve, let the run end, Ctrl+Z: they came back spinning
    "Resolving" for ever, and Resolve (Ctrl+Return) did not take them."""
    window = await resolving_window(make_window, demo_server)
    resolving = window.model.rows_in(RowState.RESOLVING)
    window.remove_rows(resolving)
    await wait_until(lambda: not window.tasks.running(task_names.RESOLVE))
    assert window.undo() == len(resolving)
    assert window.model.counts().resolving == 0


async def test_undo_of_a_delete_of_50000_rows(make_window: WindowFactory) -> None:
    window = make_window()
    ids = [parse_fileid(PROD.fileid(f"gen/many-{n:06d}.bin")) for n in range(100_000)]
    for start in range(0, len(ids), 10_000):
        window.model.append_ids(ids[start : start + 10_000])
    window.model.flush()
    every_other = list(window.model.rows())[::2]
    started = time.perf_counter()
    assert window.remove_rows(every_other) == 50_000
    removed = time.perf_counter()
    assert window.undo() == 50_000
    done = time.perf_counter()
    assert [r.fileid for r in sorted(window.model.rows(), key=lambda r: r.index)] == ids
    assert window.history.dirty  # saved again, whole
    entry = await window.history.save_now()
    assert entry is not None
    assert entry.total == 100_000
    print(f"\nDelete of 50,000 rows {removed - started:.2f} s, Undo {done - removed:.2f} s")
