"""Downloads in the window: drives ``core.downloads.Downloader`` for the rows of the table.

The controller owns one run at a time. Its plain coroutines — ``download_rows``,
``retry_failed``, ``resume_waiting``, ``restore_session``, ``resume_session`` — are what
slots start as named tasks and what tests await. Progress arrives from the engine as
plain data at a bounded rate (``PROGRESS_INTERVAL``); each report becomes frozen
``DownloadCell`` values on the changed rows only, and the results model turns those into
ranged ``dataChanged`` on its own coalescing timer, so 10,000 rows downloading cost a
few dozen cell updates a second.

The list survives the app: ``core.download_session`` keeps it in the state folder at the
start of a run, every few seconds, and at the end. A list left unfinished (the window
closed, the process killed, the disk full, the token refused) is offered on the next
start with Resume / Discard; resuming reuses the ``.part`` files.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QHeaderView, QMenu

from tcb_gui.core.client import LinkResult, TcbClient
from tcb_gui.core.download_session import (
    DownloadSession,
    SessionFile,
    SessionRecorder,
    SessionStore,
    next_revision,
)
from tcb_gui.core.downloads import (
    DiskFullError,
    Downloader,
    DownloadOptions,
    DownloadOutcome,
    FileProgress,
    FileState,
    TotalProgress,
)
from tcb_gui.core.errors import ErrorKind, InputError, TokenError
from tcb_gui.core.fileids import FileId, parse_fileid
from tcb_gui.ui.core_text import core_text
from tcb_gui.ui.download_dialog import DownloadDialog
from tcb_gui.ui.downloads_panel import (
    CellTexts,
    DownloadCell,
    DownloadDelegate,
    DownloadsPanel,
    DownloadSummary,
    plural_format,
)
from tcb_gui.ui.formatting import fmt_int
from tcb_gui.ui.icons import Glyph, icon
from tcb_gui.ui.palette import Tone
from tcb_gui.ui.results_model import Column, Row, RowState

if TYPE_CHECKING:
    from tcb_gui.ui.main_window import MainWindow

log = logging.getLogger(__name__)

DOWNLOAD_TASK = "download"
SAVE_TASK = "download-save"
RESTORE_TASK = "download-restore"
BANNER = "download"
RESUME_BANNER = "download-resume"
# How often the engine reports progress (seconds); the model coalesces again on its own
# 150 ms timer, so this is the rate rows visibly move at.
PROGRESS_INTERVAL = 0.25
DOWNLOAD_COLUMN_WIDTH = 180
# Rows added or marked per step when a saved list of many files is brought back.
RESTORE_BATCH = 2_000


@contextlib.contextmanager
def loop_asyncgen_hooks() -> Iterator[None]:
    """While a run lasts, let the loop close abandoned async generators.

    Pausing or cancelling a transfer leaves httpx's body iterators suspended. asyncio's
    own loops install hooks (``sys.set_asyncgen_hooks``) so such generators are closed on
    the loop; qasync's loop never installs them, so the garbage collector would finalise
    them off the loop ("async generator ignored GeneratorExit"). The previous hooks come
    back when the run ends (a later loop must not inherit this one's).
    """
    loop = asyncio.get_running_loop()
    firstiter = getattr(loop, "_asyncgen_firstiter_hook", None)
    finalizer = getattr(loop, "_asyncgen_finalizer_hook", None)
    previous = sys.get_asyncgen_hooks()
    if firstiter is None or finalizer is None or previous.firstiter is not None:
        yield  # asyncio's own loop, or someone installed hooks: leave them be
        return
    sys.set_asyncgen_hooks(firstiter=firstiter, finalizer=finalizer)
    try:
        yield
    finally:
        sys.set_asyncgen_hooks(*previous)


def is_dead(row: Row) -> bool:
    """A row the service answered for good (e.g. "file does not exist"): not downloadable."""
    result = row.result
    return row.state is RowState.FAILED and result is not None and result.kind is ErrorKind.FILE


def link_for(row: Row) -> LinkResult:
    """What the engine starts from: the row's link, or nothing yet (it fetches one)."""
    if row.result is not None:
        return row.result
    return LinkResult(row.fileid, False, None, "", None, None, ErrorKind.NETWORK)


def summarise(dest: Path, outcomes: Sequence[DownloadOutcome], waiting: int = 0) -> DownloadSummary:
    """Counts of one run. ``waiting``: files a token error stopped (they are neither
    failed nor stopped: they go on once the token works)."""
    downloaded = [o for o in outcomes if o.state is FileState.DONE]
    token_stop = waiting > 0
    return DownloadSummary(
        dest=dest,
        downloaded=len(downloaded),
        downloaded_bytes=sum(o.bytes for o in downloaded),
        skipped=sum(1 for o in outcomes if o.state is FileState.SKIPPED),
        failed=sum(
            1
            for o in outcomes
            if o.state is FileState.FAILED and not (token_stop and o.kind is ErrorKind.TOKEN)
        ),
        stopped=0 if token_stop else sum(1 for o in outcomes if o.state is FileState.CANCELLED),
        waiting=waiting,
    )


class DownloadController(QObject):
    """Downloads of the window's rows: the dialog, the run, the panel, the saved list."""

    finished = Signal(object)  # DownloadSummary, after every run

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.model = window.model
        self.texts = CellTexts(self)
        self.store = SessionStore()
        self.panel = DownloadsPanel(window.centralWidget())
        self.delegate = DownloadDelegate(window.view)
        self.last_summary: DownloadSummary | None = None
        self.last_options: DownloadOptions | None = None
        self.offered: DownloadSession | None = None  # a saved list offered for resuming
        self._downloader: Downloader | None = None
        self._recorder: SessionRecorder | None = None
        self._rate_text = ""
        self._user_cancelled = False
        self._token_error: TokenError | None = None
        self._setup_column()
        panel = self.panel
        panel.pauseRequested.connect(self.pause)
        panel.resumeRequested.connect(self.resume)
        panel.cancelRequested.connect(self.cancel)
        panel.showFolderRequested.connect(lambda: self.show_folder())
        panel.retryRequested.connect(self.request_retry_failed)
        self.model.countsChanged.connect(self.update_actions)
        self.model.modelReset.connect(self._model_reset)
        window.download_button.clicked.connect(lambda _checked=False: self.show_dialog())
        self.update_actions()

    def _setup_column(self) -> None:
        view = self.window.view
        view.setItemDelegateForColumn(Column.DOWNLOAD, self.delegate)
        header = view.horizontalHeader()
        header.setSectionResizeMode(Column.DOWNLOAD, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(Column.DOWNLOAD, DOWNLOAD_COLUMN_WIDTH)
        # Right after Status: the two state columns read together.
        header.moveSection(
            header.visualIndex(Column.DOWNLOAD), header.visualIndex(Column.STATUS) + 1
        )
        view.setColumnHidden(Column.DOWNLOAD, True)  # until there is a download to show

    # --- state ------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._downloader is not None

    @property
    def downloader(self) -> Downloader | None:
        return self._downloader

    @property
    def paused(self) -> bool:
        return self._downloader is not None and self._downloader.paused

    def _show_column(self) -> None:
        self.window.view.setColumnHidden(Column.DOWNLOAD, False)

    def _model_reset(self) -> None:
        if not self.running:
            self.window.view.setColumnHidden(Column.DOWNLOAD, True)

    def update_actions(self) -> None:
        window = self.window
        enabled = not self.running and self.model.rowCount() > 0
        window.download_button.setEnabled(enabled)
        window.act_download.setEnabled(not self.running)

    def _status(self, text: str) -> None:
        if not self.window._closed:
            self.window.show_status(text)

    # --- which rows -------------------------------------------------------------------

    def rows_to_download(self) -> tuple[list[Row], bool, int]:
        """(rows, from the selection?, rows left out because their file cannot be had)."""
        selected = self.window.selected_rows()
        rows = selected if selected else list(self.model.rows())
        rows = sorted(rows, key=lambda r: r.index)
        keep = [r for r in rows if not is_dead(r)]
        return keep, bool(selected), len(rows) - len(keep)

    # --- the dialog -------------------------------------------------------------------

    def show_dialog(self) -> DownloadDialog | None:
        """Ctrl+D: choose the folder and options, then download (selection, else all)."""
        if self.running:
            self._status(self.tr("A download is running: pause or cancel it first."))
            return None
        rows, selected, excluded = self.rows_to_download()
        if not rows:
            self._status(
                self.tr("Nothing to download: none of these files can be had.")
                if excluded
                else self.tr("Nothing to download yet: add IDs first.")
            )
            return None
        dialog = DownloadDialog(
            self.window.session.settings,
            files=len(rows),
            selected=selected,
            excluded=excluded,
            rate_text=self._rate_text,
            parent=self.window,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def accepted() -> None:
            options = dialog.options()
            if options is None:
                return
            self._rate_text = dialog.rate_text()
            dialog.apply_to(self.window.session.settings)
            self.window.tasks.start(
                DOWNLOAD_TASK, self.download_rows(rows, options, save_settings=True), replace=False
            )

        dialog.accepted.connect(accepted)
        dialog.open()
        return dialog

    # --- the run ----------------------------------------------------------------------

    def _refresher(
        self, client: TcbClient
    ) -> Callable[[Sequence[FileId]], Awaitable[list[LinkResult]]]:
        model = self.model

        async def refresh(ids: Sequence[FileId]) -> list[LinkResult]:
            results = await client.resolve_all(ids)
            # Rows that had no link (or an expired one) show the link they got.
            useful = [r for r in results if r.ok or r.kind is ErrorKind.FILE]
            if useful:
                model.apply_results(useful)
            return results

        return refresh

    async def download_rows(
        self,
        rows: Sequence[Row],
        options: DownloadOptions,
        *,
        keep: Sequence[SessionFile] = (),
        save_settings: bool = False,
    ) -> DownloadSummary | None:
        """Download ``rows`` with ``options``; returns what the run did (None if it could not
        start). ``keep`` are files of a resumed list that stay in the saved list as they were."""
        if self.running:
            return None
        todo = sorted((r for r in rows if self.model.row_for(r.fileid) is r), key=lambda r: r.index)
        if not todo:
            return None
        window = self.window
        session = window.session
        if save_settings and not window._closed:
            try:
                await session.save_settings()
            except (InputError, OSError) as exc:
                log.warning("could not save the download settings: %s", type(exc).__name__)
        if not session.token.is_set:
            await window._reload_token_quietly()
        await session.aopen_http()
        client = session.client(max_age=window.max_age_spin.value())
        downloader = Downloader(
            session.http,
            self._refresher(client),
            options,
            on_progress=self._on_progress,
            progress_interval=PROGRESS_INTERVAL,
        )
        recorder = SessionRecorder(
            DownloadSession.start(options, [r.fileid.raw for r in todo], keep=keep)
        )
        self._downloader, self._recorder = downloader, recorder
        self._token_error = None
        self._user_cancelled = False
        self.last_options = options
        self.offered = None
        window.banners.hide_topic(BANNER)
        window.banners.hide_topic(RESUME_BANNER)
        queued = self.texts.queued()
        for start in range(0, len(todo), RESTORE_BATCH):
            self.model.set_downloads((r, queued) for r in todo[start : start + RESTORE_BATCH])
        self._show_column()
        self.panel.start(options.dest, len(todo))
        self.update_actions()
        disk_full: DiskFullError | None = None
        try:
            await self._save(recorder)  # a kill from now on is offered for resuming
            with loop_asyncgen_hooks():
                outcomes = await downloader.run([link_for(r) for r in todo])
        except DiskFullError as exc:
            outcomes, disk_full = list(exc.outcomes), exc
        except InputError as exc:
            # The folder could not be made: nothing was downloaded.
            self._downloader = self._recorder = None
            self.model.set_downloads((r, None) for r in todo)
            self.panel.hide()
            window.banners.show_message(BANNER, Tone.DANGER, core_text(exc.message))
            await asyncio.to_thread(self.store.clear, next_revision())
            self.update_actions()
            return None
        except asyncio.CancelledError:
            # The window is closing: the engine stopped every transfer and kept the partial
            # files; the list stays on disk so the next start offers to resume it.
            self._downloader = None
            await self._save(recorder)
            raise
        finally:
            self._downloader = None
            if not window._closed:
                self.update_actions()
        summary = await self._settle(todo, outcomes, recorder, options, disk_full)
        self.update_actions()
        return summary

    def _on_progress(self, files: Sequence[FileProgress], total: TotalProgress) -> None:
        downloader = self._downloader
        if downloader is not None and self._token_error is None:
            error = downloader.refresh_error
            if isinstance(error, TokenError):
                # Like resolving: stop, keep what is done, wait for a working token.
                self._token_error = error
                downloader.cancel()
        row_for = self.model.row_for
        cell = self.texts.cell
        changes: list[tuple[Row, DownloadCell | None]] = []
        for p in files:
            row = row_for(p.fileid)
            if row is not None:
                changes.append((row, cell(p)))
        if changes:
            self.model.set_downloads(changes)
        recorder = self._recorder
        if recorder is not None:
            recorder.update(files)
            if recorder.due() and not self.window._closed:
                self.window.tasks.start(SAVE_TASK, self._save(recorder), replace=False)
        self.panel.set_progress(total)

    async def _save(self, recorder: SessionRecorder) -> None:
        snapshot = recorder.snapshot()
        try:
            await asyncio.to_thread(self.store.save, snapshot)
        except OSError as exc:
            # Not fatal: the .part files still resume; only the offer after a restart is lost.
            log.warning("could not save the download list: %s", type(exc).__name__)

    async def _settle(
        self,
        rows: Sequence[Row],
        outcomes: Sequence[DownloadOutcome],
        recorder: SessionRecorder,
        options: DownloadOptions,
        disk_full: DiskFullError | None,
    ) -> DownloadSummary:
        window = self.window
        token_error = self._token_error
        if disk_full is not None:
            # The file that met the full disk failed only because of it: like the others
            # stopped by it, it resumes from its partial file next time.
            outcomes = [
                replace(o, state=FileState.CANCELLED, kind=None)
                if o.state is FileState.FAILED and o.errmsg == disk_full.message
                else o
                for o in outcomes
            ]
            interrupted: list[tuple[Row, DownloadCell | None]] = [
                (row, self.texts.restate(row.download, FileState.CANCELLED))
                for row, o in zip(rows, outcomes, strict=True)
                if o.state is FileState.CANCELLED
                and row.download is not None
                and row.download.state is FileState.FAILED
            ]
            self.model.set_downloads(interrupted)
        recorder.apply_outcomes(outcomes)
        waiting: list[Row] = []
        if token_error is not None:
            for row, outcome in zip(rows, outcomes, strict=True):
                stopped = outcome.state is FileState.CANCELLED or (
                    outcome.state is FileState.FAILED and outcome.kind is ErrorKind.TOKEN
                )
                if stopped and self.model.row_for(row.fileid) is row:
                    waiting.append(row)
            self.model.set_downloads((r, self.texts.waiting_for_token(r.download)) for r in waiting)
            recorder.set_state(
                (r.fileid for r in waiting), FileState.PAUSED, "Waiting for a valid token"
            )
        self.model.flush()
        summary = summarise(options.dest, outcomes, len(waiting))
        self._recorder = None
        if self._user_cancelled or not recorder.has_unfinished:
            # Cancelled on purpose, or nothing left to do: no list to offer next time.
            await asyncio.to_thread(self.store.clear, next_revision())
        else:
            await self._save(recorder)
        self.last_summary = summary
        if window._closed:
            return summary
        self.panel.finish(summary)
        if token_error is not None:
            window._badge(token_error.state, token_error.message)
            window.banners.show_message(
                BANNER,
                Tone.DANGER,
                plural_format(
                    len(waiting),
                    self.tr(
                        "Downloads paused: {reason} 1 file is waiting; finished files are kept."
                    ),
                    self.tr(
                        "Downloads paused: {reason} {n} files are waiting; finished files are kept."
                    ),
                    reason=core_text(token_error.message),
                ),
                [
                    (self.tr("Set token…"), window.show_token_dialog),
                    (self.tr("Resume downloads"), self.request_resume_waiting),
                ],
            )
            from tcb_gui.ui.main_window import CHECK_TASK

            window.tasks.start(CHECK_TASK, window._check_after_error(token_error.state))
        elif disk_full is not None:
            window.banners.show_message(
                BANNER,
                Tone.DANGER,
                core_text(disk_full.message),
                [(self.tr("Show in folder"), lambda: self.show_folder())],
            )
        # Failed files need no banner: the panel says how many and offers the retry, and
        # each row's tooltip says why.
        self._status(self.panel.summary_text(summary))
        self.finished.emit(summary)
        return summary

    # --- control ----------------------------------------------------------------------

    def pause(self) -> None:
        downloader = self._downloader
        if downloader is not None:
            downloader.pause()
            self.panel.set_paused(True)

    def resume(self) -> None:
        downloader = self._downloader
        if downloader is not None:
            downloader.resume()
            self.panel.set_paused(False)

    def cancel(self) -> None:
        """Stop the run; finished files stay, partial files are kept for a later download."""
        downloader = self._downloader
        if downloader is not None:
            self._user_cancelled = True
            downloader.cancel()

    # --- again ------------------------------------------------------------------------

    def _rows_in(self, wanted: Callable[[DownloadCell], bool]) -> list[Row]:
        return sorted(
            (r for r in self.model.rows() if r.download is not None and wanted(r.download)),
            key=lambda r: r.index,
        )

    def failed_rows(self) -> list[Row]:
        return self._rows_in(lambda c: c.state is FileState.FAILED and not c.waiting_for_token)

    def waiting_rows(self) -> list[Row]:
        return self._rows_in(lambda c: c.waiting_for_token)

    def request_retry_failed(self) -> None:
        self.window.tasks.start(DOWNLOAD_TASK, self.retry_failed(), replace=False)

    def request_resume_waiting(self) -> None:
        self.window.tasks.start(DOWNLOAD_TASK, self.resume_waiting(), replace=False)

    async def retry_failed(self, rows: Sequence[Row] | None = None) -> DownloadSummary | None:
        """Download the failed rows again, with the last run's folder and options."""
        todo = list(rows) if rows is not None else self.failed_rows()
        return await self._again(todo, self.tr("No failed downloads to retry."))

    async def resume_waiting(self) -> DownloadSummary | None:
        """Go on with the files a token error stopped (after the token was fixed)."""
        return await self._again(self.waiting_rows(), self.tr("No downloads are waiting."))

    async def _again(self, rows: list[Row], nothing: str) -> DownloadSummary | None:
        if self.running:
            self._status(self.tr("A download is running: pause or cancel it first."))
            return None
        options = self.last_options
        if not rows or options is None:
            self._status(nothing)
            return None
        self.window.banners.hide_topic(BANNER)
        return await self.download_rows(rows, options)

    # --- the list of the last session ---------------------------------------------------

    def request_restore(self) -> None:
        self.window.tasks.start(RESTORE_TASK, self.restore_session())

    async def restore_session(self) -> DownloadSession | None:
        """At start: bring back an unfinished list, show it, and offer Resume / Discard."""
        saved = await asyncio.to_thread(self.store.load)
        if saved is None or self.running or self.window._closed:
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
        self._show_column()
        self.offered = saved
        self.last_options = saved.options()
        unfinished = len(saved.unfinished())
        complete = len(saved.complete())
        self.window.banners.show_message(
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
        return saved

    def request_resume_session(self) -> None:
        self.window.tasks.start(DOWNLOAD_TASK, self.resume_session(), replace=False)

    def request_discard_session(self) -> None:
        self.window.tasks.start(RESTORE_TASK, self.discard_session())

    async def resume_session(self) -> DownloadSummary | None:
        """Download what the offered list has left, with its folder and options."""
        saved = self.offered
        if saved is None or self.running:
            return None
        self.window.banners.hide_topic(RESUME_BANNER)
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
        self.window.banners.hide_topic(RESUME_BANNER)
        await asyncio.to_thread(self.store.clear, next_revision())
        if saved is None:
            return
        changes: list[tuple[Row, DownloadCell | None]] = []
        for f in saved.unfinished():
            row = self.model.row_for(parse_fileid(f.fileid))
            if row is not None:
                changes.append((row, None))
        self.model.set_downloads(changes)
        self._status(self.tr("The unfinished download list was discarded."))

    # --- the folder ---------------------------------------------------------------------

    def show_folder(self, folder: Path | None = None) -> bool:
        """Open ``folder`` (default: the last download's) in the file manager."""
        target = folder if folder is not None else self.panel.dest
        if target is None:
            return False
        if not target.is_dir():
            self._status(self.tr("The folder {path} does not exist.").format(path=target))
            return False
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(target))):
            self._status(self.tr("No file manager could open {path}.").format(path=target))
            return False
        return True

    def show_row_in_folder(self, row: Row) -> bool:
        cell = row.download
        if cell is None or not cell.finished or cell.path is None:
            return False
        return self.show_folder(cell.path.parent)

    def extend_menu(self, menu: QMenu, rows: Sequence[Row]) -> None:
        """The row menu's download entries: Show in folder, Retry download."""
        finished = [r for r in rows if r.download is not None and r.download.finished]
        failed = [
            r
            for r in rows
            if r.download is not None
            and r.download.state is FileState.FAILED
            and not r.download.waiting_for_token
        ]
        if not finished and not failed:
            return
        menu.addSeparator()
        show = menu.addAction(icon(Glyph.FOLDER), self.tr("Show in folder"))
        show.setEnabled(bool(finished) and finished[0].download is not None)
        if finished:
            first = finished[0]
            show.triggered.connect(lambda: self.show_row_in_folder(first))
        retry = menu.addAction(self.tr("Retry download"))
        retry.setEnabled(bool(failed) and not self.running and self.last_options is not None)
        retry.triggered.connect(
            lambda: self.window.tasks.start(DOWNLOAD_TASK, self.retry_failed(failed), replace=False)
        )
