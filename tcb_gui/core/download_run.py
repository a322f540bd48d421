"""One download of a list, as both faces run it.

``DownloadRun`` drives ``core.downloads.Downloader`` and owns the rules around it:

- links: the engine asks for them in batches, only for the files it still has to fetch
  (``TcbClient.resolve_all``, so the token comes from the run's credentials at each
  request); ``on_links`` hears every useful answer, so the window can show new links;
- a token stop: the service refusing the token (after one renewal, for kinds that can
  renew) stops the whole run at once; files not yet finished wait for a working token
  (``waiting``) and keep their partial files;
- a service stop (quota, account) fails the files that needed a link and lets the rest
  finish; the run's ``stop`` says why;
- a full disk stops the run; the file that met it and every unfinished one resume later;
- Ctrl+C on the command line (``interrupted_run``): the files saved so far count as
  saved, every unfinished one says "Not downloaded: interrupted by Ctrl+C", exit 130;
- today's quota (``preview_download_quota``, before the run): the link calls the run
  will make, counted from the files that still need a link (``downloads.link_needs``:
  not those with a good link, nor those the folder already holds complete), and, over
  ``core.quota.PREVIEW_THRESHOLD_CALLS``, quota/get asked once; the faces then refuse
  or ask as they do before a resolve;
- the saved download list (``core.download_session``), when a ``SessionStore`` is given:
  saved at the start, every few seconds, and at the end (cleared when nothing is left
  or the user cancelled), so a run cut short is offered again after a restart; a run
  that could not start (its folder busy or not writable) leaves the list it found.

``DownloadRunResult`` holds the outcomes in input order, the stop, the counts both faces
print and one exit status.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, NamedTuple

from tcb_gui.core.downloads import (
    DiskFullError,
    Downloader,
    DownloadOptions,
    DownloadOutcome,
    FileProgress,
    FileState,
    ProgressCallback,
    TotalProgress,
    link_needs,
)
from tcb_gui.core.downloads.linkneeds import wanting_links
from tcb_gui.core.errors import (
    ErrorKind,
    MessageTemplate,
    RunInterrupted,
    ServiceError,
    TcbError,
    TokenError,
)
from tcb_gui.core.exit_status import ExitStatus, status_for_run
from tcb_gui.core.quota import (
    PREVIEW_THRESHOLD_CALLS,
    QuotaPreview,
    calls_needed,
    needs_preview,
    preview_calls,
)

# The saved download list (core.download_session) is the window's: imported when a run is
# given a store, so `tcb-gui download` starts without it.
if TYPE_CHECKING:
    from tcb_gui.core.client import LinkResult, TcbClient
    from tcb_gui.core.download_session import (
        DownloadSession,
        SessionFile,
        SessionRecorder,
        SessionStore,
    )
    from tcb_gui.core.fileids import FileId
    from tcb_gui.core.trace import TraceHub
    from tcb_gui.core.wire import HttpClient

log = logging.getLogger(__name__)

DEFAULT_PROGRESS_INTERVAL = 0.25
NOT_DOWNLOADED = MessageTemplate("Not downloaded: {reason}", nested=frozenset({"reason"}))
WAITING_FOR_TOKEN = "Waiting for a valid token"  # the saved list's note (data, English)


def no_link_yet(fileid: FileId) -> LinkResult:
    """What the engine starts from for a file without a link: it fetches one."""
    from tcb_gui.core.client import LinkResult

    return LinkResult(fileid, False, None, "", None, None, ErrorKind.NETWORK)


def download_calls_needed(options: DownloadOptions, links: Sequence[LinkResult]) -> int:
    """The ``batchdownloadfile`` calls a run of ``links`` into ``options.dest`` makes as it
    starts: per environment, a call per 50 files that still need a link, in the engine's
    two rounds (``downloads.link_needs``). Reads the folder, writes nothing; blocking."""
    needs = link_needs(links, options)
    return calls_needed(needs.first) + calls_needed(needs.after_plan)


async def preview_download_quota(
    client: TcbClient,
    options: DownloadOptions,
    links: Sequence[LinkResult],
    *,
    threshold: int = PREVIEW_THRESHOLD_CALLS,
) -> QuotaPreview | None:
    """Before a download: over ``threshold`` link calls, ask quota/get once; else None.

    Nothing is asked, and the folder is not read, when even every file without a good
    link would not come to ``threshold`` calls; otherwise the folder's manifest is read
    (in a worker thread) so that files complete from an earlier run are not counted.
    """

    def needed() -> int | None:  # in a worker thread: 100,000 rows take a good 0.1 s
        if not needs_preview(calls_needed(wanting_links(links)), threshold):
            return None
        return download_calls_needed(options, links)

    calls = await asyncio.to_thread(needed)
    if calls is None:
        return None
    return await preview_calls(client, calls, threshold=threshold)


def interrupted_run(
    ids: Sequence[FileId], outcomes: Sequence[DownloadOutcome] = ()
) -> DownloadRunResult:
    """The user stopped the run (Ctrl+C: its task was cancelled), ``outcomes`` being what
    the engine had done by then (none if it had not started): the files saved stay saved,
    those failed keep their reasons, and every other one says "Not downloaded:
    interrupted by Ctrl+C" (it resumes from its partial file next time). Exit status 130,
    as an interrupted resolve."""
    stop = RunInterrupted()
    reason = NOT_DOWNLOADED.format(reason=stop.message)
    if len(outcomes) != len(ids):
        outcomes = [
            DownloadOutcome(fileid, False, None, 0, "", FileState.CANCELLED) for fileid in ids
        ]
    settled = [
        o if o.ok or o.state is FileState.FAILED else o._replace(errmsg=reason, kind=stop.kind)
        for o in outcomes
    ]
    return DownloadRunResult(settled, stop=stop, cancelled=True)


class DownloadCounts(NamedTuple):
    """What a run did, as both faces summarise it."""

    downloaded: int = 0
    downloaded_bytes: int = 0
    verified: int = 0  # saved or already complete, CRC-64 matched the storage's
    skipped: int = 0  # already complete
    failed: int = 0
    stopped: int = 0  # cancelled, or stopped by a full disk (they resume later)
    waiting: int = 0  # stopped by a token error: they go on once the token works
    repaired: int = 0  # of those downloaded: saved over a damaged copy of an earlier run's

    @property
    def total(self) -> int:
        return self.downloaded + self.skipped + self.failed + self.stopped + self.waiting


class DownloadRunResult(NamedTuple):
    outcomes: list[DownloadOutcome]
    stop: TcbError | None = None  # token or service stop of the link requests
    disk_full: DiskFullError | None = None
    cancelled: bool = False  # by the user
    waiting: frozenset[int] = frozenset()  # outcome indices

    @property
    def token_stop(self) -> TokenError | None:
        return self.stop if isinstance(self.stop, TokenError) else None

    @property
    def stopped(self) -> list[int]:
        """The files stopped before they finished, by outcome index: cancelled, or by a
        full disk. They resume on the next run ("Download the rest"); those waiting for a
        token are not among them, nor failed ones."""
        waiting = self.waiting
        return [
            i
            for i, o in enumerate(self.outcomes)
            if o.state is FileState.CANCELLED and i not in waiting
        ]

    @property
    def failed(self) -> list[int]:
        """The files that failed, by outcome index: what both faces count and list as
        failed, with their reasons. Not those stopped before they finished (``stopped``:
        they resume) nor those waiting for a token (``waiting``)."""
        waiting = self.waiting
        return [
            i
            for i, o in enumerate(self.outcomes)
            if o.state is FileState.FAILED and i not in waiting
        ]

    def counts(self) -> DownloadCounts:
        downloaded = [o for o in self.outcomes if o.state is FileState.DONE]
        states = [o.state for i, o in enumerate(self.outcomes) if i not in self.waiting]
        return DownloadCounts(
            downloaded=len(downloaded),
            downloaded_bytes=sum(o.bytes for o in downloaded),
            verified=sum(o.verified is True for o in self.outcomes),
            skipped=states.count(FileState.SKIPPED),
            failed=len(self.failed),
            stopped=len(self.stopped),
            waiting=len(self.waiting),
            repaired=sum(o.repaired for o in downloaded),
        )

    @property
    def exit_status(self) -> ExitStatus:
        if self.token_stop is not None:
            return ExitStatus.TOKEN
        failed = [o.kind for o in self.outcomes if not o.ok]
        if self.disk_full is not None:
            return ExitStatus.SOME_FAILED
        return status_for_run(self.stop, failed)


class DownloadRun:
    """Download ``links`` (one per file; a failed one means "fetch a link") once."""

    def __init__(
        self,
        http: HttpClient,
        client: TcbClient,
        options: DownloadOptions,
        links: Sequence[LinkResult],
        *,
        on_progress: ProgressCallback | None = None,
        progress_interval: float = DEFAULT_PROGRESS_INTERVAL,
        on_links: Callable[[list[LinkResult]], None] | None = None,
        store: SessionStore | None = None,
        keep: Sequence[SessionFile] = (),
        trace: TraceHub | None = None,
    ) -> None:
        self.options = options
        self.links = list(links)
        self._client = client
        self._on_progress = on_progress
        self._on_links = on_links
        self._store = store
        self._stop: TcbError | None = None
        self._cancelled = False
        self._recorder: SessionRecorder | None = None
        self._saving: asyncio.Task[None] | None = None
        if store is not None:
            from tcb_gui.core.download_session import DownloadSession, SessionRecorder

            ids = [r.fileid.raw for r in self.links]
            self._recorder = SessionRecorder(DownloadSession.start(options, ids, keep=keep))
        self.downloader = Downloader(
            http,
            self._refresh,
            options,
            on_progress=self._progress,
            progress_interval=progress_interval,
            trace=trace,
        )

    # -- control -----------------------------------------------------------------------

    @property
    def paused(self) -> bool:
        return self.downloader.paused

    def pause(self) -> None:
        self.downloader.pause()

    def resume(self) -> None:
        self.downloader.resume()

    def cancel(self) -> None:
        """Stop on the user's word: finished files stay, partial files are kept."""
        self._cancelled = True
        self.downloader.cancel()

    @property
    def stop(self) -> TcbError | None:
        return self._stop

    def interrupt(self) -> DownloadRunResult:
        """The result of a run whose task was cancelled by Ctrl+C (``interrupted_run``)."""
        result = interrupted_run([r.fileid for r in self.links], self.downloader.outcomes())
        self._stop = result.stop
        return result

    # -- the run -----------------------------------------------------------------------

    async def _refresh(self, ids: Sequence[FileId]) -> list[LinkResult]:
        try:
            results = await self._client.resolve_all(ids)
        except TokenError as error:
            if self._stop is None or not isinstance(self._stop, TokenError):
                self._stop = error
            self.downloader.cancel()  # like resolving: stop, keep what is done
            raise
        except ServiceError as error:
            self._stop = self._stop or error
            raise
        if self._on_links is not None:
            useful = [r for r in results if r.ok or r.kind is ErrorKind.FILE]
            if useful:
                self._on_links(useful)
        return results

    def _progress(self, files: Sequence[FileProgress], total: TotalProgress) -> None:
        recorder = self._recorder
        if recorder is not None:
            recorder.update(files)
            if recorder.due() and (self._saving is None or self._saving.done()):
                self._saving = asyncio.ensure_future(self._save())
        if self._on_progress is not None:
            self._on_progress(files, total)

    async def _save(self) -> None:
        recorder, store = self._recorder, self._store
        if recorder is None or store is None:
            return
        snapshot = recorder.snapshot()
        try:
            await asyncio.to_thread(store.save, snapshot)
        except OSError as exc:
            # Not fatal: the .part files still resume; only the offer after a restart is lost.
            log.warning("could not save the download list: %s", type(exc).__name__)

    async def run(self) -> DownloadRunResult:
        """Run to the end. A ``TcbError`` of kind ``INPUT`` when the run cannot start: the
        folder cannot be made, or another run is writing into it (``FolderBusyError``).
        Nothing was downloaded then, and the saved list is the one found before (an
        unfinished download of another time is still offered). A window closing cancels
        the task: the engine stops every transfer, keeps the partial files, and the list
        stays saved."""
        disk_full: DiskFullError | None = None
        earlier = await self._saved_before()
        try:
            await self._save()  # a kill from now on is offered for resuming
            outcomes = await self.downloader.run(self.links)
        except DiskFullError as error:
            outcomes, disk_full = list(error.outcomes), error
        except asyncio.CancelledError:
            await self._save()
            raise
        except TcbError:
            await self._put_back(earlier)
            raise
        finally:
            if self._saving is not None:
                await asyncio.gather(self._saving, return_exceptions=True)
        result = self._settle(outcomes, disk_full)
        await self._finish_saved_list(result)
        return result

    async def _saved_before(self) -> DownloadSession | None:
        """The list saved before this run, to put back should the run not start."""
        store = self._store
        return None if store is None else await asyncio.to_thread(store.load)

    async def _put_back(self, earlier: DownloadSession | None) -> None:
        """The run did not start: the saved list goes back to what it was before."""
        store = self._store
        if store is None:
            return
        from tcb_gui.core.download_session import next_revision

        try:
            if earlier is None:
                await asyncio.to_thread(store.clear, next_revision())
            else:
                await asyncio.to_thread(store.save, replace(earlier, revision=next_revision()))
        except OSError as exc:
            log.warning("could not put the download list back: %s", type(exc).__name__)

    def _settle(
        self, outcomes: list[DownloadOutcome], disk_full: DiskFullError | None
    ) -> DownloadRunResult:
        if disk_full is not None:
            # The file that met the full disk failed only because of it: like the others
            # stopped by it, it resumes from its partial file next time.
            outcomes = [
                o._replace(state=FileState.CANCELLED, kind=None)
                if o.state is FileState.FAILED and o.errmsg == disk_full.message
                else o
                for o in outcomes
            ]
        waiting: set[int] = set()
        stop = self._stop
        if isinstance(stop, TokenError):
            reason = NOT_DOWNLOADED.format(reason=stop.message)
            for i, o in enumerate(outcomes):
                if o.state is FileState.CANCELLED or (
                    o.state is FileState.FAILED and o.kind is ErrorKind.TOKEN
                ):
                    waiting.add(i)
                    outcomes[i] = o._replace(
                        state=FileState.CANCELLED, kind=ErrorKind.TOKEN, errmsg=reason
                    )
        return DownloadRunResult(
            outcomes,
            stop=stop,
            disk_full=disk_full,
            cancelled=self._cancelled,
            waiting=frozenset(waiting),
        )

    async def _finish_saved_list(self, result: DownloadRunResult) -> None:
        recorder, store = self._recorder, self._store
        if recorder is None or store is None:
            return
        recorder.apply_outcomes(result.outcomes)
        if result.waiting:
            recorder.set_state(
                (result.outcomes[i].fileid for i in result.waiting),
                FileState.PAUSED,
                WAITING_FOR_TOKEN,
            )
        if result.cancelled or not recorder.has_unfinished:
            # Cancelled on purpose, or nothing left to do: no list to offer next time.
            from tcb_gui.core.download_session import next_revision

            await asyncio.to_thread(store.clear, next_revision())
        else:
            await self._save()
