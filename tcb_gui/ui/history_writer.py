"""Save the window's list to the history without holding up the window.

Encoding 100,000 rows is ~0.3 s of Python work, and Python work needs the GIL
throughout. Done in a worker thread (as it was), it made the UI thread wait for the
GIL at every call into Python (a paint calls the model's ``data()`` about a thousand
times), so the window froze for 150–250 ms at each save of a big list
(``bench/window.py``). Here the rows are counted and encoded on the event loop, a few
milliseconds per step, and a worker thread only writes the lines it is handed (file
I/O, which releases the GIL). A row's download outcome goes with it: core reads the
row's download cell as it is (``core.history.KeptDownload``), no copy made per row.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import threading
from collections.abc import Iterator, Sequence
from operator import attrgetter
from queue import SimpleQueue
from typing import TYPE_CHECKING

from tcb_gui.core.history import (
    ROWS_PER_LINE,
    HistoryEntry,
    HistoryStore,
    encode_rows,
    saved_counts,
)
from tcb_gui.ui.results_model import RowState

if TYPE_CHECKING:
    from tcb_gui.core.client import LinkResult
    from tcb_gui.core.fileids import FileId
    from tcb_gui.ui.download_cells import DownloadCell
    from tcb_gui.ui.results_model import Row

# Rows counted per step on the event loop (~3 ms each; encoding goes a line at a time).
COUNT_STEP = 10_000


class _Abandoned(Exception):
    """The save was cancelled: the writer stops, and the file stays as it was."""


def snapshot(
    rows: Sequence[Row], *, paused: bool = False
) -> tuple[list[FileId], list[LinkResult | None], list[DownloadCell | None]]:
    """IDs, results and download cells in input order, read now (a row's result and
    cell are replaced whole, so each row is consistent). C-level loops: a few
    milliseconds at 100,000 rows.

    ``paused``: some rows wait for a token; they are kept as not resolved (their "Not
    resolved: …" result is the stopped run's word, not the file's), at one more pass.
    """
    ordered = sorted(rows, key=attrgetter("index"))
    results: list[LinkResult | None] = list(map(attrgetter("result"), ordered))
    if paused:
        waiting = RowState.PAUSED
        results = [None if row.state is waiting else row.result for row in ordered]
    cells: list[DownloadCell | None] = list(map(attrgetter("download"), ordered))
    return list(map(attrgetter("fileid"), ordered)), results, cells


async def save_in_steps(
    store: HistoryStore,
    entry_id: str,
    ids: Sequence[FileId],
    results: Sequence[LinkResult | None],
    *,
    created_at: float,
    profile: str | None,
    name: str = "",
    cells: Sequence[DownloadCell | None] | None = None,
) -> HistoryEntry:
    """``store.save`` with the Python work on the event loop in short steps; ``cells``
    are the rows' downloads (``snapshot``), whose outcomes are kept with them.

    Raises what the store raises (``OSError``, ``InputError``). Cancelled, it stops the
    writer and waits for it, so the file on disk is as it was when it returns.
    """
    ok = failed = 0
    for start in range(0, len(results), COUNT_STEP):
        step_ok, step_failed = saved_counts(results[start : start + COUNT_STEP])
        ok += step_ok
        failed += step_failed
        await asyncio.sleep(0)

    queue: SimpleQueue[str | BaseException | None] = SimpleQueue()

    def lines() -> Iterator[str]:
        while (item := queue.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item

    save = functools.partial(
        store.save_encoded,
        entry_id,
        lines(),
        total=len(ids),
        ok=ok,
        failed=failed,
        created_at=created_at,
        profile=profile,
        name=name,
    )
    # Set by the writer's thread the moment it fails: the loop sees it at its next line,
    # whereas the writer's future is marked done only after the loop has run the
    # callback the thread posts, which a busy loop or machine puts off for many lines.
    failed_now = threading.Event()

    def write() -> HistoryEntry:
        try:
            return save()
        except BaseException:
            failed_now.set()
            raise

    writer = asyncio.get_running_loop().run_in_executor(None, write)
    try:
        for start in range(0, len(ids), ROWS_PER_LINE):
            if failed_now.is_set() or writer.done():
                break  # it failed (a full disk, no permission): its error is raised below
            stop = start + ROWS_PER_LINE
            downloads = None if cells is None else cells[start:stop]
            queue.put(encode_rows(ids[start:stop], results[start:stop], downloads))
            await asyncio.sleep(0)  # the window paints and handles input between lines
    except BaseException:
        queue.put(_Abandoned())
        # Its outcome is taken here whatever happens, so none is reported as lost.
        writer.add_done_callback(lambda done: done.cancelled() or done.exception())
        # The writer stops at the next line; once this returns, the file is as it was.
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await asyncio.shield(writer)
        raise
    queue.put(None)
    return await writer
