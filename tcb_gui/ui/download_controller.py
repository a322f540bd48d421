"""Downloads in the window: renders a ``core.download_run.DownloadRun`` of the rows.

Core owns the run's rules: link refresh, the token stop, the disk-full stop, the saved
download list and the counts. The controller only renders them — each row's Status
("Downloading 45 %", "Verified", "Download failed: …"), the panel under the table, the
banners — and offers the saved list of an unfinished run at the next start (Resume /
Discard). The dialog says which rows download (the selected ones or all, switchable);
after a Cancel or failures, "Download the rest" and "Retry failed" go on with the last
run's folder and options; "Download the rest" is offered exactly while files the run
stopped before they finished (core's ``DownloadRunResult.stopped``) are still in the list
(``rest_rows``, ``rest_count``), a Retry failed in between keeping them on offer.
Retry failed takes the failed rows a retry can help (core's rule,
``download_states.retry_can_help``: all but the service's last word on a file), the
panel counting those it leaves out; the row menu's Retry download takes the rows it is
given. Its plain coroutines (``download_rows``, ``retry_failed``, ``download_rest``,
``resume_waiting``, ``restore_session``, ``resume_session``) are what slots start as
named tasks and tests await. Progress arrives at a bounded rate
(``PROGRESS_INTERVAL``) and becomes frozen ``DownloadCell`` values on the changed rows
only, which the results model signals on its own coalescing timer: 10,000 rows
downloading cost a few dozen cell updates a second.

Before a run, core counts the link calls it will make (``preview_download_quota``: the
rows without a usable link, less the files the folder already holds complete); over
``core.quota.PREVIEW_THRESHOLD_CALLS`` it asks quota/get once, the status line says
"This run needs N calls; M remain today.", and a run that would use the quota up starts
only if the operator says so (``confirm_quota``, by default ``ui.quota_question``'s
question, open in ``quota_box`` meanwhile). That answer, and the link calls the run
makes, keep the token badge's quota current; a run of many calls ends with one
``quota/get`` (``TokenPresenter.note_quota``, ``after_run``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMenu, QMessageBox

from tcb_gui.core.client import LinkResult
from tcb_gui.core.download_run import (
    DownloadRun,
    DownloadRunResult,
    no_link_yet,
    preview_download_quota,
)
from tcb_gui.core.download_session import DownloadSession, SessionFile, SessionStore, next_revision
from tcb_gui.core.download_states import retry_can_help
from tcb_gui.core.downloads import DownloadOptions, FileProgress, FileState, TotalProgress
from tcb_gui.core.errors import ErrorKind, InputError, TcbError, answered_for_good
from tcb_gui.core.fileids import parse_fileid
from tcb_gui.ui import task_names
from tcb_gui.ui.core_text import core_text
from tcb_gui.ui.download_cells import (
    CellTexts,
    DownloadCell,
    DownloadSummary,
    plural_format,
    summarise,
)
from tcb_gui.ui.download_dialog import DownloadDialog, Scope, ScopeCounts
from tcb_gui.ui.downloads_panel import DownloadsPanel
from tcb_gui.ui.formatting import fmt_int
from tcb_gui.ui.icons import Glyph, icon
from tcb_gui.ui.notifier import Notifier
from tcb_gui.ui.palette import Tone
from tcb_gui.ui.quota_question import ConfirmQuota, ask_quota, window_gate
from tcb_gui.ui.results_model import ResultsModel, Row, RowState
from tcb_gui.ui.results_view import ResultsView
from tcb_gui.ui.session import Session
from tcb_gui.ui.tasks import TaskKeeper
from tcb_gui.ui.token_presenter import TokenPresenter

if TYPE_CHECKING:
    from tcb_gui.core.client import TcbClient
    from tcb_gui.core.quota import QuotaPreview

log = logging.getLogger(__name__)

BANNER = "download"
RESUME_BANNER = "download-resume"
# How often the engine reports progress (seconds); the model coalesces again on its own
# 150 ms timer, so this is the rate rows visibly move at.
PROGRESS_INTERVAL = 0.25
# Ctrl+D starts from the selection only when several rows are selected: one selected row
# is as often the remains of a click as a choice (the dialog still offers it).
PREFER_SELECTION_FROM = 2
# Rows added or marked per step when a saved list of many files is brought back.
RESTORE_BATCH = 2_000


@dataclass(frozen=True, slots=True)
class _Before:
    """What a run changes as it starts, put back when it cannot start after all."""

    cells: list[tuple[Row, DownloadCell | None]]
    options: DownloadOptions | None
    rows: list[Row]
    result: DownloadRunResult | None
    stopped: list[Row]
    offered: DownloadSession | None
    summary: DownloadSummary | None  # the last run's, when the panel showed it
    rest: int


def is_dead(row: Row) -> bool:
    """A row the service answered for good: not downloadable ("file does not exist", or an
    environment or bucket the account does not have: asked again, refused again);
    core's rule (``errors.answered_for_good``), which Retry failed (Ctrl+R) follows too."""
    result = row.result
    return (
        row.state is RowState.FAILED
        and result is not None
        and answered_for_good(result.kind, result.errmsg)
    )


def worth_retrying(row: Row) -> bool:
    """A failed download Retry failed (Ctrl+Shift+D) takes: any but the service's last word
    on the file (core's rule, ``download_states.retry_can_help``). The row menu's Retry
    download takes the rows it is given all the same."""
    cell = row.download
    return cell is not None and retry_can_help(cell.kind, cell.errmsg, row.result)


def link_for(row: Row) -> LinkResult:
    """What the engine starts from: the row's link, or nothing yet (it fetches one)."""
    result = row.result
    return (
        result
        if result is not None and row.state is not RowState.PAUSED
        else no_link_yet(row.fileid)
    )


class DownloadController(QObject):
    """Downloads of the model's rows: the dialog, the run's rendering, the saved list."""

    finished = Signal(object)  # DownloadSummary, after every run
    runningChanged = Signal(bool)
    startingChanged = Signal(bool)  # the settings, token and quota question before a run
    pausedChanged = Signal(bool)

    def __init__(
        self,
        model: ResultsModel,
        notifier: Notifier,
        tasks: TaskKeeper,
        session: Session,
        tokens: TokenPresenter,
        *,
        view: ResultsView,
        panel: DownloadsPanel,
        selection: Callable[[], list[Row]],
        max_age: Callable[[], int],
        shown: Callable[[], Sequence[Row] | None] = lambda: None,
        store: SessionStore | None = None,
        confirm_quota: ConfirmQuota | None = None,
    ) -> None:
        super().__init__(model)
        self.model = model
        self.notifier = notifier
        self.tasks = tasks
        self.session = session
        self.tokens = tokens
        self.view = view
        self.panel = panel
        self._selection = selection
        # The rows a filter shows (None without one): the window's, as Copy and Export.
        self._shown = shown
        self._max_age = max_age
        self.texts = CellTexts(self)
        self.store = store if store is not None else SessionStore()
        self.last_result: DownloadRunResult | None = None  # core's word on the last run
        self.last_options: DownloadOptions | None = None
        self.last_rows: list[Row] = []  # the rows of the last run, in input order
        # The last run's rows core said it stopped before they finished (its result's
        # ``stopped``); what "Download the rest" takes is those still in the list
        # (``rest_rows``), counted again when rows leave or come back.
        self._stopped: list[Row] = []
        self._rest: list[Row] = []
        self._rest_stale = False
        self.last_duration = 0.0  # seconds the last run took (the notification reads it)
        self.offered: DownloadSession | None = None  # a saved list offered for resuming
        self.run: DownloadRun | None = None
        # The rows of the run under way, by ID: a row a Clear or Delete took out still
        # follows its file, so an Undo puts it back saying what became of it.
        self._run_rows: dict[str, Row] = {}
        self._total: TotalProgress | None = None  # the last report, until the model's flush
        self._rate_text = ""
        self._confirm_quota = confirm_quota if confirm_quota is not None else self.ask_quota
        self.quota: QuotaPreview | None = None  # the last run's preview, when it had one
        self.quota_box: QMessageBox | None = None  # the quota question, while it is open
        self._starting = False  # between "download" and the run: the quota, the question
        panel.pauseRequested.connect(self.pause)
        panel.resumeRequested.connect(self.resume)
        panel.cancelRequested.connect(self.cancel)
        panel.showFolderRequested.connect(lambda: self.show_folder())
        panel.retryRequested.connect(self.request_retry_failed)
        panel.restRequested.connect(self.request_rest)
        # Another list (Clear, a kept list opened) forgets the run; a reset that only
        # takes rows out (a Delete of many runs of rows) or puts them back (an Undo) keeps
        # it, and the rest is counted again at the next countsChanged.
        model.emptied.connect(self.list_replaced)
        model.modelReset.connect(self._rows_moved)
        model.rowsRemoved.connect(self._rows_moved)
        model.rowsInserted.connect(self._rows_moved)
        model.countsChanged.connect(self._show_rest)
        model.countsChanged.connect(self._show_total)

    # --- state ------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.run is not None

    @property
    def starting(self) -> bool:
        """Between "download" and the run (the quota question may be open): the run's
        profile and token are already chosen."""
        return self._starting

    def _set_starting(self, starting: bool) -> None:
        self._starting = starting
        if not self.tasks.closing:
            self.startingChanged.emit(starting)

    @property
    def paused(self) -> bool:
        return self.run is not None and self.run.paused

    def list_replaced(self) -> None:
        """Another list is in the table (Clear, History): the last run's summary and its
        rest are not about it. A run under way keeps its panel."""
        if not self.running:
            self.panel.reset()
            self.last_rows = []
            self._forget_rest()

    def _set_run(self, run: DownloadRun | None) -> None:
        self.run = run
        if not self.tasks.closing:
            self.runningChanged.emit(run is not None)

    # --- which rows -------------------------------------------------------------------

    @staticmethod
    def _downloadable(rows: Sequence[Row]) -> tuple[list[Row], int]:
        """The rows that can download, in input order, and how many were left out."""
        ordered = sorted(rows, key=lambda r: r.index)
        keep = [r for r in ordered if not is_dead(r)]
        return keep, len(ordered) - len(keep)

    def rows_to_download(self) -> tuple[list[Row], bool, int]:
        """What Ctrl+D offers first: (rows, from the selection?, rows left out because the
        service said their files do not exist or may not be read)."""
        selected = self._selection()
        if len(selected) >= PREFER_SELECTION_FROM:
            rows, left_out = self._downloadable(selected)
            return rows, True, left_out
        rows, left_out = self._downloadable(self.model.rows())
        return rows, False, left_out

    # --- the dialog -------------------------------------------------------------------

    def show_dialog(self, rows: Sequence[Row] | None = None) -> DownloadDialog | None:
        """Ctrl+D: which rows (the selection, the rows a filter shows, or all, said and
        switchable), the folder and options, then download. ``rows``: the row menu's rows,
        offered first."""
        if self._starting:
            self.notifier.show_status(
                self.tr("A download is about to start: answer its question first.")
            )
            return None
        if self.running:
            self.notifier.show_status(self.tr("A download is running: pause or cancel it first."))
            return None
        every, every_out = self._downloadable(self.model.rows())
        chosen = list(rows) if rows is not None else self._selection()
        picked, picked_out = self._downloadable(chosen)
        filtered = self._shown()
        shown, shown_out = self._downloadable(filtered or [])
        if not every:
            self.notifier.show_status(
                self.tr(
                    "Nothing to download: the service said none of these files exist or may "
                    "be read."
                )
                if every_out
                else self.tr("Nothing to download yet: add IDs first.")
            )
            return None
        settings = self.session.settings
        dialog = DownloadDialog(
            settings,
            everything=ScopeCounts(len(every), every_out),
            selected=ScopeCounts(len(picked), picked_out) if chosen else None,
            shown=ScopeCounts(len(shown), shown_out) if filtered is not None else None,
            prefer_selected=rows is not None or len(chosen) >= PREFER_SELECTION_FROM,
            rate_text=self._rate_text,
            parent=self.view.window(),
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def accepted() -> None:
            options = dialog.options()
            if options is None:
                return
            self._rate_text = dialog.rate_text()
            dialog.apply_to(settings)
            todo = {Scope.SELECTED: picked, Scope.SHOWN: shown}.get(dialog.scope(), every)
            self.tasks.start(
                task_names.DOWNLOAD,
                self.download_rows(todo, options, save_settings=True),
                replace=False,
            )

        dialog.accepted.connect(accepted)
        dialog.open()
        return dialog

    # --- the run ----------------------------------------------------------------------

    async def download_rows(
        self,
        rows: Sequence[Row],
        options: DownloadOptions,
        *,
        keep: Sequence[SessionFile] = (),
        save_settings: bool = False,
        still_left: Sequence[Row] = (),
    ) -> DownloadSummary | None:
        """Download ``rows`` with ``options``; returns what the run did (None if it could not
        start). ``keep`` are files of a resumed list that stay in the saved list as they were.
        ``still_left``: rows the run before left unfinished that this one does not take (a
        Retry failed after a Cancel); "Download the rest" still offers them afterwards.
        A run that would use up today's quota starts only if the operator says so."""
        if self.running or self._starting:
            return None
        model = self.model
        todo = sorted((r for r in rows if model.row_for(r.fileid) is r), key=lambda r: r.index)
        if not todo:
            return None
        self._set_starting(True)
        try:
            client = await self._prepare(todo, options, save_settings=save_settings)
        finally:
            self._set_starting(False)
        if client is None or self.tasks.closing:
            return None
        # The question may stay open a while: rows removed meanwhile are not downloaded,
        # and a link a resolve gave a row meanwhile is used (not asked for again).
        todo = [r for r in todo if model.row_for(r.fileid) is r]
        if not todo:
            return None
        links = [link_for(r) for r in todo]
        return await self._run(todo, options, client, links, keep, still_left)

    async def _prepare(
        self, todo: list[Row], options: DownloadOptions, *, save_settings: bool
    ) -> TcbClient | None:
        """The settings saved, the token ready, today's quota asked when the run is big:
        the client to run with, or None when the operator declined."""
        session = self.session
        if save_settings and not self.tasks.closing:
            try:
                await session.save_settings()
            except (InputError, OSError) as exc:
                log.warning("could not save the download settings: %s", type(exc).__name__)
        # The credentials fetch a mini program's token if the cached one lapsed; a pasted
        # one missing stops the run at its first link request, as resolving does.
        await self.tokens.prepare_run()
        await session.aopen_http()
        client = session.client(max_age=self._max_age())
        self.quota = None  # not the last run's, should the preview fail
        asked = datetime.now(UTC)
        self.quota = await preview_download_quota(client, options, [link_for(r) for r in todo])
        if self.quota is not None and self.quota.check is not None:
            self.tokens.note_quota(self.quota.check, asked)
        if not await window_gate(self.quota, self.notifier, self._confirm_quota):
            return None
        return client

    async def ask_quota(self, preview: QuotaPreview) -> bool:
        """The question (``ui.quota_question``) over the window: start anyway, or not."""

        def shown(box: QMessageBox | None) -> None:
            self.quota_box = box

        return await ask_quota(preview, self.view.window(), shown=shown)

    async def _run(
        self,
        todo: list[Row],
        options: DownloadOptions,
        client: TcbClient,
        links: list[LinkResult],
        keep: Sequence[SessionFile],
        still_left: Sequence[Row] = (),
    ) -> DownloadSummary | None:
        session, model = self.session, self.model
        run = DownloadRun(
            session.http,
            client,
            options,
            links,
            on_progress=self.show_progress,
            progress_interval=PROGRESS_INTERVAL,
            on_links=self._links_came,
            store=self.store,
            keep=keep,
            trace=session.trace,
        )
        before = self._before(todo)  # put back should the run not start
        self.last_options = options
        self.last_rows = todo
        self.last_result = None  # until this run's comes: not the rows of another
        self._forget_rest()
        self.offered = None
        self.notifier.hide_banner(BANNER)
        self.notifier.hide_banner(RESUME_BANNER)
        queued = self.texts.queued()
        for start in range(0, len(todo), RESTORE_BATCH):
            model.set_downloads((r, queued) for r in todo[start : start + RESTORE_BATCH])
        self.panel.start(options.dest, len(todo))
        started = time.monotonic()
        self._run_rows = {r.fileid.raw: r for r in todo}
        self._total = None
        self._set_run(run)
        calls_before = self.tokens.gauge.calls
        try:
            result = await run.run()
        except TcbError as exc:
            if exc.kind is not ErrorKind.INPUT:
                raise
            # The run did not start (the folder could not be made, or another run is
            # writing into it): nothing was downloaded, so all is as it was, and the
            # banner says why in core's words, as the command line does.
            self._put_back(before)
            self.notifier.show_banner(BANNER, Tone.DANGER, core_text(exc.message))
            return None
        finally:
            self.last_duration = time.monotonic() - started
            self._run_rows = {}
            self._total = None
            self._set_run(None)
        summary = self._settle(todo, result, options.dest, still_left)
        self.tokens.after_run(self.tokens.gauge.calls - calls_before)
        return summary

    def _before(self, rows: Sequence[Row]) -> _Before:
        return _Before(
            cells=[(r, r.download) for r in rows],
            options=self.last_options,
            rows=self.last_rows,
            result=self.last_result,
            stopped=self._stopped,
            offered=self.offered,
            summary=None if self.panel.isHidden() else self.panel.summary,
            rest=self.panel.rest,
        )

    def _put_back(self, before: _Before) -> None:
        """A run that did not start: its rows, the last run's summary and rest, and a
        saved list on offer (core kept it) are back as they were before it."""
        self.model.set_downloads(before.cells)
        self.last_options = before.options
        self.last_rows = before.rows
        self.last_result = before.result
        self._stopped = before.stopped
        self._rest_stale = True
        if before.summary is not None:
            self._finish_panel(before.summary, before.rest)
        else:
            self.panel.hide()
        if before.offered is not None:
            self._offer(before.offered)

    def _links_came(self, results: list[LinkResult]) -> None:
        model = self.model
        model.apply_results(results)  # rows without a link show the one they got
        # A row of the run a Clear or Delete took out gets its link too, for an Undo.
        run_rows = self._run_rows
        away = [
            (row, result)
            for result in results
            if (row := run_rows.get(result.fileid.raw)) is not None
            and model.row_for(result.fileid) is not row
        ]
        if away:
            model.keep_results(away)

    def show_progress(self, files: Sequence[FileProgress], total: TotalProgress) -> None:
        """Each changed file's cell on its row of the run, whether the list holds that
        row now or a Clear or Delete took it out (Undo puts it back as it is then), and
        on the row the list holds for that ID if it is another (the ID added again).
        The panel shows the report with the rows' states, at the model's next flush
        (``_show_total``): its count and the status bar's "saved" are then the same
        report's in every frame."""
        run_rows = self._run_rows
        row_for = self.model.row_for
        cell = self.texts.cell
        changes: list[tuple[Row, DownloadCell | None]] = []
        for p in files:
            shown = cell(p)
            row = run_rows.get(p.fileid.raw)
            if row is not None:
                changes.append((row, shown))
            listed = row_for(p.fileid)
            if listed is not None and listed is not row:
                changes.append((listed, shown))
        if changes:
            self.model.set_downloads(changes)  # flushed on the model's timer
            self._total = total
        elif self._total is not None:
            self._total = total  # a flush is due: shown with it
        else:
            self.panel.set_progress(total)

    def _show_total(self) -> None:
        """The model signalled the rows of the last report: the panel says it too."""
        total, self._total = self._total, None
        if total is not None and self.running:
            self.panel.set_progress(total)

    def _settle(
        self,
        rows: Sequence[Row],
        result: DownloadRunResult,
        dest: Path,
        still_left: Sequence[Row] = (),
    ) -> DownloadSummary:
        model = self.model
        texts = self.texts
        changes: list[tuple[Row, DownloadCell | None]] = []
        if result.disk_full is not None:
            # The file that met the full disk is stopped like the others (core's word):
            # its cell moves from Failed to Stopped, bytes kept.
            for row, outcome in zip(rows, result.outcomes, strict=True):
                cell = row.download
                if (
                    outcome.state is FileState.CANCELLED
                    and cell is not None
                    and cell.state is FileState.FAILED
                ):
                    changes.append((row, texts.restate(cell, FileState.CANCELLED)))
        # Rows a Clear or Delete took out are settled too: an Undo puts them back.
        for i in sorted(result.waiting):
            row = rows[i]
            changes.append((row, texts.waiting_for_token(row.download)))
        failed = [(rows[i], result.outcomes[i]) for i in result.failed]
        for row, o in failed:
            # Why it failed, in core's classes: the details pane offers a retry only
            # where one can help (not for a quota used up until tomorrow).
            cell = row.download
            if cell is not None and cell.state is FileState.FAILED and cell.kind is not o.kind:
                changes.append((row, replace(cell, kind=o.kind)))
        model.set_downloads(changes)
        model.flush()
        first_failure = (
            (failed[0][0].fileid.key, core_text(failed[0][1].errmsg)) if failed else None
        )
        reasons = {o.errmsg for _row, o in failed}
        shared_failure = core_text(reasons.pop()) if len(reasons) == 1 else None
        summary = summarise(
            dest,
            result.counts(),
            cancelled=result.cancelled,
            disk_full=result.disk_full is not None,
            first_failure=first_failure,
            shared_failure=shared_failure,
        )
        self.last_result = result
        taken = {id(r) for r in rows}
        self._stopped = sorted(
            [*(r for r in still_left if id(r) not in taken), *(rows[i] for i in result.stopped)],
            key=lambda r: r.index,
        )
        self._rest_stale = True
        if self.tasks.closing:
            return summary
        self._finish_panel(summary, len(self.rest_rows()))
        token_stop = result.token_stop
        if token_stop is not None:
            self.tokens.after_token_error(token_stop)
            self.notifier.show_banner(
                BANNER,
                Tone.DANGER,
                plural_format(
                    summary.waiting,
                    self.tr(
                        "Downloads paused: {reason} 1 file is waiting; finished files are kept."
                    ),
                    self.tr(
                        "Downloads paused: {reason} {n} files are waiting; finished files are kept."
                    ),
                    reason=core_text(token_stop.message),
                ),
                [
                    (self.tr("Set token…"), self.tokens.show_token_dialog),
                    (self.tr("Resume downloads"), self.request_resume_waiting),
                ],
            )
        elif result.disk_full is not None:
            self.notifier.show_banner(
                BANNER,
                Tone.DANGER,
                core_text(result.disk_full.message),
                # This run's folder: the panel forgets it when another list is shown.
                [(self.tr("Show in folder"), lambda: self.show_folder(dest))],
            )
        # Failed files need no banner: the panel names one, or offers to show them, and
        # each row's Status says why.
        self.notifier.show_status(self.panel.summary_text(summary))
        self.finished.emit(summary)
        return summary

    # --- control ----------------------------------------------------------------------

    def pause(self) -> None:
        run = self.run
        if run is not None:
            run.pause()
            self._restate_total(paused=True)
            self.panel.set_paused(True)
            self.pausedChanged.emit(True)

    def toggle_pause(self) -> None:
        """Ctrl+P: pause a moving run, resume a paused one."""
        if self.paused:
            self.resume()
        else:
            self.pause()

    def resume(self) -> None:
        run = self.run
        if run is not None:
            run.resume()
            self._restate_total(paused=False)
            self.panel.set_paused(False)
            self.pausedChanged.emit(False)

    def _restate_total(self, *, paused: bool) -> None:
        """A report still waiting for the model's flush was made before Pause or Resume:
        shown then, it would take the panel back to what the run was."""
        if self._total is not None:
            self._total = self._total._replace(paused=paused)

    def cancel(self) -> None:
        """Stop the run; finished files stay, partial files are kept for a later download."""
        run = self.run
        if run is not None:
            run.cancel()

    # --- again ------------------------------------------------------------------------

    def _rows_in(self, wanted: Callable[[DownloadCell], bool]) -> list[Row]:
        return sorted(
            (r for r in self.model.rows() if r.download is not None and wanted(r.download)),
            key=lambda r: r.index,
        )

    def failed_rows(self) -> list[Row]:
        return self._rows_in(lambda c: c.state is FileState.FAILED and not c.waiting_for_token)

    def retry_rows(self) -> tuple[list[Row], int]:
        """What Retry failed takes: the failed rows worth retrying (``worth_retrying``), and
        how many failed rows it leaves out."""
        failed = self.failed_rows()
        worth = [r for r in failed if worth_retrying(r)]
        return worth, len(failed) - len(worth)

    def _finish_panel(self, summary: DownloadSummary, rest: int) -> None:
        """The panel's summary of a run, with what Retry failed would take and leave."""
        worth, left_out = self.retry_rows()
        self.panel.finish(summary, rest, retryable=len(worth), not_retried=left_out)

    def waiting_rows(self) -> list[Row]:
        return self._rows_in(lambda c: c.waiting_for_token)

    def rest_rows(self) -> list[Row]:
        """What "Download the rest" takes: the files the last run stopped before they
        finished (core's word: cancelled, never started, or stopped by a full disk), that
        are still in the list. Not failed ones (Retry failed), nor those waiting for a
        token (Resume downloads). Empty while a run is under way."""
        if self._rest_stale:
            model = self.model
            self._rest = [
                r
                for r in self._stopped
                if model.row_for(r.fileid) is r
                and r.download is not None
                and not r.download.finished
                and r.download.state is not FileState.FAILED
                and not r.download.waiting_for_token
            ]
            self._rest_stale = False
        return list(self._rest)

    def rest_count(self) -> int:
        """How many files "Download the rest" would take (the panel and the menu say it)."""
        return len(self.rest_rows())

    def _forget_rest(self) -> None:
        self._stopped = []
        self._rest = []
        self._rest_stale = False

    def _rows_moved(self, *_range: object) -> None:
        # Counted again when asked (at the next countsChanged, say): during rowsRemoved
        # the model still holds the rows it is taking out.
        if self._stopped:
            self._rest_stale = True

    def _show_rest(self) -> None:
        if not self._stopped or self.running or self.tasks.closing:
            return
        left = self.rest_count()
        if left != self.panel.rest:
            self.panel.set_rest(left)

    def request_rest(self) -> None:
        self.tasks.start(task_names.DOWNLOAD, self.download_rest(), replace=False)

    async def download_rest(self) -> DownloadSummary | None:
        """Go on with what the last run left (after Cancel or a full disk)."""
        return await self._again(self.rest_rows(), self.tr("Nothing is left to download."))

    def request_retry_failed(self) -> None:
        self.tasks.start(task_names.DOWNLOAD, self.retry_failed(), replace=False)

    def request_resume_waiting(self) -> None:
        self.tasks.start(task_names.DOWNLOAD, self.resume_waiting(), replace=False)

    async def retry_failed(self, rows: Sequence[Row] | None = None) -> DownloadSummary | None:
        """Download the failed rows again, with the last run's folder and options: ``rows``
        (the row menu's Retry download: whatever they failed of), or those worth retrying
        (Retry failed: the panel says how many it left out, and why)."""
        if rows is not None:
            return await self._again(list(rows), self.tr("No failed downloads to retry."))
        todo, left_out = self.retry_rows()
        if left_out and not todo and not self.running:
            self.notifier.show_status(
                self.tr(
                    "No failed downloads worth retrying: the service gave those files its "
                    "last word (not found, no permission, or an environment it does not "
                    "know). Retry download in the row's menu asks anyway."
                )
            )
            return None
        return await self._again(todo, self.tr("No failed downloads to retry."))

    async def resume_waiting(self) -> DownloadSummary | None:
        """Go on with the files a token error stopped (after the token was fixed)."""
        return await self._again(self.waiting_rows(), self.tr("No downloads are waiting."))

    async def _again(self, rows: list[Row], nothing: str) -> DownloadSummary | None:
        if self.running:
            self.notifier.show_status(self.tr("A download is running: pause or cancel it first."))
            return None
        options = self.last_options
        if not rows:
            self.notifier.show_status(nothing)
            return None
        if options is None:
            # Rows the history brought back after a restart: no run of this session names
            # their folder, so it is asked for as Ctrl+D does, these rows offered first.
            self.show_dialog(rows)
            return None
        self.notifier.hide_banner(BANNER)
        taken = {id(r) for r in rows}
        left = [r for r in self.rest_rows() if id(r) not in taken]
        return await self.download_rows(rows, options, still_left=left)

    # --- the list of the last session ---------------------------------------------------

    def request_restore(self) -> None:
        self.tasks.start(task_names.DOWNLOAD_RESTORE, self.restore_session())

    async def restore_session(self) -> DownloadSession | None:
        """At start: bring back an unfinished list, show it, and offer Resume / Discard."""
        saved = await asyncio.to_thread(self.store.load)
        if saved is None or self.running or self.tasks.closing:
            return None
        if not saved.has_unfinished:
            await asyncio.to_thread(self.store.clear, next_revision())
            return None
        ids = [parse_fileid(f.fileid) for f in saved.files]
        for start in range(0, len(ids), RESTORE_BATCH):
            self.model.append_ids(ids[start : start + RESTORE_BATCH])
            await asyncio.sleep(0)  # the window paints between batches
        changes: list[tuple[Row, DownloadCell | None]] = []
        for f, fileid in zip(saved.files, ids, strict=True):
            row = self.model.row_for(fileid)
            if row is not None:
                changes.append((row, self.texts.from_session(f)))
        self.model.set_downloads(changes)
        self._offer(saved)
        return saved

    def _offer(self, saved: DownloadSession) -> None:
        """The banner offering a saved list of an unfinished run: Resume or Discard."""
        self.offered = saved
        self.last_options = saved.options()
        unfinished = len(saved.unfinished())
        complete = len(saved.complete())
        self.notifier.show_banner(
            RESUME_BANNER,
            Tone.INFO,
            plural_format(
                unfinished,
                self.tr(
                    "A download to {folder} did not finish: 1 file is left ({done} complete). "
                    "Resume goes on from the partial files."
                ),
                self.tr(
                    "A download to {folder} did not finish: {n} files are left ({done} "
                    "complete). Resume goes on from the partial files."
                ),
                folder=saved.dest,
                done=fmt_int(complete),
            ),
            [
                (self.tr("Resume"), self.request_resume_session),
                (self.tr("Discard"), self.request_discard_session),
            ],
        )

    def request_resume_session(self) -> None:
        self.tasks.start(task_names.DOWNLOAD, self.resume_session(), replace=False)

    def request_discard_session(self) -> None:
        self.tasks.start(task_names.DOWNLOAD_RESTORE, self.discard_session())

    async def resume_session(self) -> DownloadSummary | None:
        """Download what the offered list has left, with its folder and options."""
        saved = self.offered
        if saved is None or self.running:
            return None
        self.notifier.hide_banner(RESUME_BANNER)
        rows = []
        for f in saved.unfinished():
            row = self.model.row_for(parse_fileid(f.fileid))
            if row is not None:
                rows.append(row)
        kept = [f for f in saved.files if not f.unfinished]
        return await self.download_rows(rows, saved.options(), keep=kept)

    async def discard_session(self) -> None:
        """Forget the offered list (its partial files stay and would resume if downloaded)."""
        saved, self.offered = self.offered, None
        self.notifier.hide_banner(RESUME_BANNER)
        await asyncio.to_thread(self.store.clear, next_revision())
        if saved is None:
            return
        changes: list[tuple[Row, DownloadCell | None]] = []
        for f in saved.unfinished():
            row = self.model.row_for(parse_fileid(f.fileid))
            if row is not None:
                changes.append((row, None))
        self.model.set_downloads(changes)
        self.notifier.show_status(self.tr("The unfinished download list was discarded."))

    # --- the folder ---------------------------------------------------------------------

    def show_folder(self, folder: Path | None = None) -> bool:
        """Open ``folder`` (default: the last download's) in the file manager."""
        target = folder if folder is not None else self.panel.dest
        if target is None:
            return False
        if not target.is_dir():
            self.notifier.show_status(
                self.tr("The folder {path} does not exist.").format(path=target)
            )
            return False
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(target))):
            self.notifier.show_status(
                self.tr("No file manager could open {path}.").format(path=target)
            )
            return False
        return True

    def show_row_in_folder(self, row: Row) -> bool:
        cell = row.download
        if cell is None or not cell.finished or cell.path is None:
            return False
        return self.show_folder(cell.path.parent)

    def extend_menu(self, menu: QMenu, rows: Sequence[Row]) -> None:
        """The row menu's download entries: Download…, Show in folder, Retry download."""
        menu.addSeparator()
        download = menu.addAction(icon(Glyph.FOLDER), self.tr("Download…"))
        download.setEnabled(not self.running and any(not is_dead(r) for r in rows))
        chosen = list(rows)
        download.triggered.connect(lambda: self.show_dialog(chosen))
        finished = [r for r in rows if r.download is not None and r.download.finished]
        show = menu.addAction(self.tr("Show in folder"))
        show.setEnabled(bool(finished))
        if finished:
            first = finished[0]
            show.triggered.connect(lambda: self.show_row_in_folder(first))
        failed = [
            r
            for r in rows
            if r.download is not None
            and r.download.state is FileState.FAILED
            and not r.download.waiting_for_token
        ]
        if failed:
            retry = menu.addAction(self.tr("Retry download"))
            retry.setEnabled(not self.running)
            retry.triggered.connect(
                lambda: self.tasks.start(
                    task_names.DOWNLOAD, self.retry_failed(failed), replace=False
                )
            )
