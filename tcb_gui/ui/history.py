"""The window's side of the history: the list comes back after a restart.

``HistoryController`` watches the results model. A few seconds after the list changes
(and when the window closes) it saves the list — IDs, states, links, expiry, messages,
each file's download outcome (Verified, Saved, Download failed and why, Stopped part
way, and where the file went), never a token — through ``core.history``: the rows are
encoded on the event loop a line at a time and a worker thread writes the file
(``history_writer`` says why). A download changes no row's resolve state, so the list
also counts as changed when its download counts move (a run's start and its end always
do). At start, ``restore_last`` brings back the list that was open (links past their
expiry show as expired, and Refresh expired renews them; downloads as they ended, so
the status filter's Saved and Download failed find them after a restart). The History
menu lists the kept lists by their name (the file they came from, or their first file)
and what became of them ("ids.txt — 180 IDs: 165 ready, 15 failed · 5 Dec 06:54") to
reopen one. Clearing the list starts a new entry and the cleared one stays in the
history; until something else is added, Undo puts it back as it was (``undo_clear``).
A save that fails (a full disk) leaves the list unsaved: it is tried again at the next
change and at close, and History opens no other list over it. A list stopped part way
in (another opened, the window closing) is dropped, never saved as if whole.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Final

from PySide6.QtCore import QDateTime, QLocale, QObject, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu, QWidget

from tcb_gui.core.download_progress import FileProgress
from tcb_gui.core.errors import InputError
from tcb_gui.core.history import HistoryEntry, HistoryList, HistoryStore, new_entry_id
from tcb_gui.ui import task_names
from tcb_gui.ui.core_text import core_text
from tcb_gui.ui.download_cells import CellTexts, DownloadCell
from tcb_gui.ui.formatting import fmt_int, plain_tip, plural
from tcb_gui.ui.gc_freeze import settle_long_lived
from tcb_gui.ui.heap import release_freed_memory
from tcb_gui.ui.history_writer import save_in_steps, snapshot
from tcb_gui.ui.palette import Tone
from tcb_gui.ui.results_model import ResultsModel, Row

if TYPE_CHECKING:
    from tcb_gui.core.download_session import SessionFile
    from tcb_gui.core.fileids import FileId
    from tcb_gui.ui.notifier import Notifier
    from tcb_gui.ui.session import Session
    from tcb_gui.ui.tasks import TaskKeeper

log = logging.getLogger(__name__)

# Save this long after the first change of a burst (a throttle, not a debounce: a long
# run still saves every few seconds instead of only at its end).
SAVE_DELAY_MS = 3_000
# Rows put back into the model per step; the window paints between steps.
RESTORE_BATCH = 2_000
# Kept download outcomes put back per step: each is worded with its path and sizes
# (~20 µs, where a row of a batch above costs a few), so a step stays a few ms.
RESTORE_CELLS_STEP = 250
# What the list held when it was last saved: the model's revision (IDs, states, results)
# and its download counts (saved, failed, under way), which downloads move instead.
SaveMark = tuple[int, ...]
# A mark no list has: the list differs from what was saved.
UNSAVED: Final[SaveMark] = ()


def _load_long_lived(store: HistoryStore, entry_id: str) -> HistoryList:
    """``store.load`` for a list that will live in the table (in a worker thread).

    Its 100,000s of objects are cycle-free and long-lived: the cyclic collector is held
    off while they are made (its full passes would walk them all, holding the GIL for
    hundreds of ms) and they are frozen out of its reach afterwards, as ``gc_freeze``
    does for rows.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        loaded = store.load(entry_id)
        gc.freeze()
    finally:
        if was_enabled:
            gc.enable()
    return loaded


@dataclass(frozen=True, slots=True)
class ClearedList:
    """What Clear took, for Undo: the rows and where they were saved."""

    rows: list[Row]
    entry_id: str | None
    created_at: float | None
    name: str


def entry_name(entry: HistoryEntry) -> str:
    """The name a kept list was saved under ("" for lists saved before names were)."""
    return entry.name


class HistoryController(QObject):
    """Saves the window's list as it changes, restores it, and fills the History menu."""

    # Another list is coming into the table (History ▸ a kept list, or the last one at
    # start): what Undo holds belongs to the list before it.
    listReplaced = Signal()

    def __init__(
        self,
        model: ResultsModel,
        notifier: Notifier,
        tasks: TaskKeeper,
        session: Session,
        view: QWidget,
        store: HistoryStore | None = None,
    ) -> None:
        super().__init__(model)
        self.model = model
        self.notifier = notifier
        self.tasks = tasks
        self.session = session
        self.view = view  # not repainted while a kept list is put back
        settings = session.settings
        self.store = store if store is not None else HistoryStore(keep=settings.history_size)
        self.entry_id: str | None = None  # where the current list is saved
        self._created_at: float | None = None
        # The list's name: the file it came from, else its first file (``ids_presenter``).
        self.list_name = ""
        self._cells = CellTexts(self)  # a kept download's words, as a run words them
        self._saved_mark = self._mark()
        self._restoring = False
        self._closed = False
        self._entries: list[HistoryEntry] = []
        self._save_failed = False  # the "history" banner says a save failed
        # Disk work in request order: a cleared list's last save never lands after the
        # "nothing to restore" mark, nor the other way round.
        self._io = asyncio.Lock()
        self._pending: set[asyncio.Future[None]] = set()

        self._timer = QTimer(self)
        self._timer.setObjectName("history-save")
        self._timer.setSingleShot(True)
        self._timer.setInterval(SAVE_DELAY_MS)
        self._timer.timeout.connect(self._save_due)
        self.model.countsChanged.connect(self._model_changed)

        self.menu = QMenu(self.tr("Hi&story"), view.window())
        self.menu.setToolTipsVisible(True)
        self.menu.aboutToShow.connect(self._fill_menu)
        self._group = QActionGroup(self)

    # --- state ------------------------------------------------------------------------

    def _mark(self) -> SaveMark:
        counts = self.model.counts()
        return (self.model.revision, counts.saved, counts.download_failed, counts.downloading)

    @property
    def dirty(self) -> bool:
        """Whether the list changed since it was last saved (or restored)."""
        return self._mark() != self._saved_mark

    @property
    def entries(self) -> list[HistoryEntry]:
        """The kept lists as last read, most recent first."""
        return list(self._entries)

    def _enabled(self) -> bool:
        # Demo lists are throwaway (their links point at a stand-in that is gone later).
        return self.store.keep > 0 and not self.session.in_demo

    def _model_changed(self) -> None:
        if self._restoring or self._closed or not self._enabled():
            return
        if self.dirty and not self._timer.isActive():
            self._timer.start()

    def _save_due(self) -> None:
        if self.tasks.running(task_names.HISTORY_SAVE) or self._restoring:
            self._timer.start()  # one save at a time; try again shortly
            return
        self.tasks.start(task_names.HISTORY_SAVE, self.save_now())

    # --- saving -----------------------------------------------------------------------

    async def save_now(self) -> HistoryEntry | None:
        """Save the current list now (if it holds rows); return its entry."""
        if not self._enabled():
            self._saved_mark = self._mark()
            return None
        mark = self._mark()
        rows = list(self.model.rows())
        if not rows:
            self._saved_mark = mark
            return None
        if self.entry_id is None:
            self._created_at = time.time()
            self.entry_id = new_entry_id(self._created_at)
        entry = await self._write(self.entry_id, self._created_at or time.time(), rows)
        if entry is None:
            # Not saved (the banner says why): still unsaved, so the next change, a
            # Clear or the window's close tries again.
            return None
        self._saved_mark = mark
        if self.dirty and not self._closed and not self._timer.isActive():
            self._timer.start()  # it changed while the worker wrote
        return entry

    async def _write(
        self, entry_id: str, created_at: float, rows: Sequence[Row]
    ) -> HistoryEntry | None:
        profile = self.session.profile.name
        store = self.store
        paused = self.model.counts().paused > 0
        # Rows made since the last freeze (a run's results) join the frozen ones, so a
        # full collection set off by the encoding's allocations walks only those.
        settle_long_lived()

        async with self._io:
            try:
                # Encoded on the loop in short steps, written by a worker (history_writer).
                ids, results, cells = snapshot(rows, paused=paused)
                entry = await save_in_steps(
                    store,
                    entry_id,
                    ids,
                    results,
                    created_at=created_at,
                    profile=profile,
                    name=self.list_name or (ids[0].key if ids else ""),
                    cells=cells,
                )
                self._entries = await asyncio.to_thread(store.entries)
            except (OSError, InputError) as exc:
                if isinstance(exc, InputError):
                    reason = core_text(exc.message)
                else:
                    reason = exc.strerror or ""
                log.warning("could not save the list to the history: %s", type(exc).__name__)
                if not self._closed:
                    self._save_failed = True
                    self.notifier.show_banner(
                        "history",
                        Tone.WARNING,
                        self.tr("Could not save the list in the history: {reason}").format(
                            reason=reason or type(exc).__name__
                        ),
                    )
                return None
        release_freed_memory()  # the encoding's transient memory, back to the system
        if self._save_failed:
            self._save_failed = False  # saved now: the warning that it was not goes
            self.notifier.hide_banner("history")
        return entry

    def clear_list(self) -> ClearedList:
        """Empty the model for a new list; the old one is saved and stays in the history.
        Returns what was taken, for ``undo_clear``."""
        self._timer.stop()
        entry_id, created_at = self.entry_id, self._created_at
        unsaved = self.dirty and self.model.rowCount() > 0
        if unsaved and entry_id is None and self._enabled():
            # Named now, so an Undo saves the list where the clear saved it (not twice).
            created_at = time.time()
            entry_id = new_entry_id(created_at)
        rows_before = self.model.take_all()
        cleared = ClearedList(list(rows_before), entry_id, created_at, self.list_name)
        self.entry_id = None
        self._created_at = None
        self.list_name = ""
        self._saved_mark = self._mark()
        if not self._enabled():
            return cleared
        # Not a TaskKeeper task: closing the window right after a clear must not cancel
        # it (aclose waits for it instead).
        task = asyncio.ensure_future(
            self._finish_list(entry_id, created_at, list(rows_before) if unsaved else [])
        )
        self._pending.add(task)
        task.add_done_callback(self._finished)
        return cleared

    def undo_clear(self, cleared: ClearedList) -> int:
        """Put a cleared list back, saved where it was; only into an empty list."""
        if self.model.rowCount() or not cleared.rows:
            return 0
        back = self.model.restore(cleared.rows)
        self.entry_id = cleared.entry_id
        self._created_at = cleared.created_at
        self.list_name = cleared.name
        self._model_changed()  # saved again a few seconds later, as the current list
        return back

    def _finished(self, task: asyncio.Future[None]) -> None:
        self._pending.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("saving the cleared list failed", exc_info=task.exception())

    async def _finish_list(
        self, entry_id: str | None, created_at: float | None, rows: list[Row]
    ) -> None:
        if rows:
            if entry_id is None:
                created_at = time.time()
                entry_id = new_entry_id(created_at)
            await self._write(entry_id, created_at or time.time(), rows)
        async with self._io:
            # The next start opens an empty window, unless a new list was saved meanwhile.
            if self.entry_id is None:
                try:
                    await asyncio.to_thread(self.store.set_current, None)
                except OSError as exc:
                    log.warning("could not update the history: %s", type(exc).__name__)

    # --- restoring --------------------------------------------------------------------

    async def restore_last(self) -> bool:
        """Bring back the list that was open last time; False if there is none."""
        if self.store.keep == 0 or self.model.rowCount():
            return False
        async with self._io:
            try:
                entry_id = await asyncio.to_thread(self.store.current_id)
                if entry_id is None:
                    self._entries = await asyncio.to_thread(self.store.entries)
                    return False
                loaded = await asyncio.to_thread(_load_long_lived, self.store, entry_id)
                self._entries = await asyncio.to_thread(self.store.entries)
            except (OSError, InputError) as exc:
                log.warning("could not restore the last list: %s", type(exc).__name__)
                message = core_text(exc.message) if isinstance(exc, InputError) else str(exc)
                self.notifier.show_banner("history", Tone.WARNING, message)
                with contextlib.suppress(OSError):  # History still offers the others
                    self._entries = await asyncio.to_thread(self.store.entries)
                return False
        if self.model.rowCount():
            return False  # the user added IDs meanwhile: theirs win
        await self._show_list(loaded)
        counts = self.model.counts()
        message = plural(
            counts.total,
            self.tr("Restored the last list: 1 ID"),
            self.tr("Restored the last list: {n} IDs"),
        )
        if counts.expired:
            message += " · " + self.tr("{n} links expired (Refresh expired renews them)").format(
                n=fmt_int(counts.expired)
            )
        self.notifier.show_status(message)
        return True

    async def open_entry(self, entry_id: str) -> bool:
        """Replace the list with a kept one (the current list is saved first)."""
        if entry_id == self.entry_id and not self.dirty:
            return True
        running = self.tasks.get(task_names.RESOLVE)
        if running is not None:
            running.cancel()
            await asyncio.wait([running])  # its rows settle before the list is replaced
        unsaved = self.dirty and self._enabled() and self.model.rowCount() > 0
        if unsaved and await self.save_now() is None:
            return False  # not saved (the banner says why): the list on screen stays
        async with self._io:
            try:
                loaded = await asyncio.to_thread(_load_long_lived, self.store, entry_id)
                await asyncio.to_thread(self.store.set_current, entry_id)
            except (OSError, InputError) as exc:
                message = core_text(exc.message) if isinstance(exc, InputError) else str(exc)
                self.notifier.show_banner("history", Tone.WARNING, message)
                with contextlib.suppress(OSError):  # History still offers the others
                    self._entries = await asyncio.to_thread(self.store.entries)
                return False
        self.model.clear()
        await self._show_list(loaded)
        self.notifier.show_status(
            self.tr("Opened {list}").format(list=self.entry_label(loaded.entry))
        )
        return True

    async def _show_list(self, loaded: HistoryList) -> None:
        """Put a kept list into the model in batches; it becomes the current entry."""
        self._restoring = True
        self.listReplaced.emit()
        self._timer.stop()
        view = self.view
        # The table is painted once, at the end: repainting it after every batch would
        # cost more than building the rows.
        view.setUpdatesEnabled(False)
        shown = False
        added_meanwhile = False  # IDs the user added between batches: not in the file
        try:
            ids, results = loaded.ids, loaded.results
            settle_long_lived()
            for start in range(0, len(ids), RESTORE_BATCH):
                stop = start + RESTORE_BATCH
                self.model.append_ids(ids[start:stop])
                self.model.apply_results(r for r in results[start:stop] if r is not None)
                # Small ranged updates, not one 100,000-row re-filter at the end.
                self.model.flush()
                if stop < len(ids):
                    settle_long_lived()
                    revision = self.model.revision
                    await asyncio.sleep(0)  # the rest of the window stays responsive
                    added_meanwhile |= self.model.revision != revision
            kept = [(f, d) for f, d in zip(ids, loaded.downloads, strict=True) if d is not None]
            for start in range(0, len(kept), RESTORE_CELLS_STEP):
                self._show_downloads(kept[start : start + RESTORE_CELLS_STEP])
                self.model.flush()
                settle_long_lived()  # the cells live on in the rows
                revision = self.model.revision
                await asyncio.sleep(0)
                added_meanwhile |= self.model.revision != revision
            settle_long_lived()
            shown = True
        finally:
            if not shown:
                # Stopped part way (another list opened, the window closing): a part of
                # the list must never be saved, over the list before it or as a new one.
                self.model.clear()
                self.entry_id = None
                self._created_at = None
                self.list_name = ""
                self._saved_mark = self._mark()
            self._restoring = False
            view.setUpdatesEnabled(True)
        self.entry_id = loaded.entry.id
        self._created_at = loaded.entry.created_at
        self.list_name = entry_name(loaded.entry)
        self._saved_mark = UNSAVED if added_meanwhile else self._mark()
        self._model_changed()  # saved a few seconds later with what was added meanwhile
        # A warning about the list before (not read, not saved) is not about this one.
        self.notifier.hide_banner("history")
        self._save_failed = False
        if loaded.left_out:
            self.notifier.show_banner(
                "history",
                Tone.WARNING,
                self.tr("{n} rows of the saved list could not be read and were left out.").format(
                    n=fmt_int(loaded.left_out)
                ),
            )

    def _show_downloads(self, kept: Sequence[tuple[FileId, SessionFile]]) -> None:
        """Give rows their kept download outcome, worded as the run that left it did;
        a row a download started on meanwhile keeps what that run says."""
        changes: list[tuple[Row, DownloadCell | None]] = []
        for fileid, download in kept:
            row = self.model.row_for(fileid)
            if row is not None and row.download is None:
                changes.append((row, self._kept_cell(fileid, download)))
        self.model.set_downloads(changes)

    def _kept_cell(self, fileid: FileId, kept: SessionFile) -> DownloadCell:
        path = Path(kept.path) if kept.path else None
        cell = self._cells.cell(
            FileProgress(
                fileid,
                kept.state,
                path,
                kept.bytes_done,
                kept.bytes_total,
                0.0,
                kept.errmsg,
                0,
                integrity=kept.integrity,
            )
        )
        # Why it failed, in core's classes: Retry failed downloads leaves out what no
        # retry can help, after a restart as before it.
        return cell if kept.kind is None else replace(cell, kind=kept.kind)

    # --- settings and shutdown --------------------------------------------------------

    def set_keep(self, keep: int) -> None:
        """Apply a new history size (0 turns the history off and forgets it)."""
        if keep == self.store.keep:
            return
        self.store.keep = keep
        if keep == 0:
            self._timer.stop()
            self._saved_mark = self._mark()
        self.tasks.start(task_names.HISTORY_PRUNE, self._prune())

    async def _prune(self) -> None:
        async with self._io:
            try:
                # The list on screen stays, however old its last save.
                await asyncio.to_thread(self.store.prune, protect=self.entry_id)
                self._entries = await asyncio.to_thread(self.store.entries)
            except OSError as exc:
                log.warning("could not prune the history: %s", type(exc).__name__)

    async def refresh_entries(self) -> list[HistoryEntry]:
        async with self._io:
            self._entries = await asyncio.to_thread(self.store.entries)
        return self.entries

    async def aclose(self) -> None:
        """Save the list one last time (the window is closing)."""
        self._timer.stop()
        try:
            if self._pending:
                await asyncio.wait(list(self._pending))
            if self.dirty or await self._file_gone():
                await self.save_now()
        finally:
            self._closed = True

    async def _file_gone(self) -> bool:
        """Whether the list on screen lost its file meanwhile: pruned by another window
        sharing the history (``--profile``) that saved newer lists, or deleted by hand."""
        entry_id = self.entry_id
        if entry_id is None or not self.model.rowCount() or not self._enabled():
            return False
        path = self.store.path_of(entry_id)
        return not await asyncio.to_thread(path.exists)

    # --- the menu ---------------------------------------------------------------------

    def entry_label_date(self, entry: HistoryEntry) -> str:
        moment = QDateTime.fromSecsSinceEpoch(int(entry.updated_at))
        # "29 Nov 14:02" with the locale's month names; the pattern is translated too, as
        # languages order day and month differently.
        pattern = self.tr("d MMM HH:mm", "QDateTime format of the History menu's dates")
        return QLocale().toString(moment.toLocalTime(), pattern)

    def entry_outcome(self, entry: HistoryEntry) -> str:
        """ "180 IDs: 165 ready, 15 failed" """
        count = plural(entry.total, self.tr("1 ID"), self.tr("{n} IDs"))
        parts = []
        if entry.ok:
            parts.append(self.tr("{n} ready").format(n=fmt_int(entry.ok)))
        if entry.failed:
            parts.append(self.tr("{n} failed").format(n=fmt_int(entry.failed)))
        if entry.pending and entry.pending != entry.total:
            parts.append(self.tr("{n} not resolved").format(n=fmt_int(entry.pending)))
        if not parts:
            return count
        return self.tr("{count}: {outcome}").format(count=count, outcome=self.tr(", ").join(parts))

    def entry_label(self, entry: HistoryEntry) -> str:
        """ "ids.txt — 180 IDs: 165 ready, 15 failed · 5 Dec 06:54" """
        text = self.tr("{outcome} · {when}").format(
            outcome=self.entry_outcome(entry), when=self.entry_label_date(entry)
        )
        name = entry_name(entry)
        if name:
            text = self.tr("{name} — {rest}").format(name=name, rest=text)
        return text

    def entry_details(self, entry: HistoryEntry) -> str:
        parts = [
            self.tr("{n} with links").format(n=fmt_int(entry.ok)),
            self.tr("{n} failed").format(n=fmt_int(entry.failed)),
            self.tr("{n} not resolved").format(n=fmt_int(entry.pending)),
        ]
        if entry.profile:
            parts.append(self.tr("profile “{name}”").format(name=entry.profile))
        return " · ".join(parts)

    def _fill_menu(self) -> None:
        menu = self.menu
        menu.clear()
        for action in self._group.actions():
            self._group.removeAction(action)
        if not self._entries:
            # Say why the menu is empty: "yet" only while lists are being kept.
            if self.session.in_demo:
                why = self.tr("Lists of the demo are not kept")
            elif self.store.keep <= 0:
                why = self.tr(
                    "No lists are kept (Settings ▸ Downloads && history ▸ Recent lists kept)"
                )
            else:
                why = self.tr("No saved lists yet")
            empty = menu.addAction(why)
            empty.setEnabled(False)
            return
        for entry in self._entries:
            # "Q&A.txt" is a name, not a shortcut on "A".
            action = QAction(self.entry_label(entry).replace("&", "&&"), menu)
            action.setCheckable(True)
            action.setChecked(entry.id == self.entry_id)
            details = self.entry_details(entry)
            action.setToolTip(plain_tip(details))
            action.setStatusTip(details)
            action.triggered.connect(lambda _checked=False, eid=entry.id: self.request_open(eid))
            self._group.addAction(action)
            menu.addAction(action)

    def request_open(self, entry_id: str) -> None:
        self.tasks.start(task_names.HISTORY_OPEN, self.open_entry(entry_id))

    def request_restore(self, then: Callable[[], object] | None = None) -> None:
        """Restore the last list in a task; call ``then`` afterwards (restored or not)."""

        async def restore() -> None:
            try:
                await self.restore_last()
            finally:
                if then is not None and not self._closed:
                    then()

        self.tasks.start(task_names.HISTORY_RESTORE, restore())
