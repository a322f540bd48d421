"""Resolve: the rows' IDs through ``core.resolve_run.ResolveRun``, results into the model.

``resolve_rows`` is the plain coroutine the Resolve action, Retry failed, Refresh
expired and Resume start as the named task ``task_names.RESOLVE`` (one at a time) and
tests await. The run's stop policy is core's: a token error pauses the rows left
without an answer (they hold the run's "Not resolved: …" result, as the command line
prints it, and the next resolve picks them up); a service stop fails them with the same
words. Cancelling puts the rows in flight back to pending. Nothing resolved is asked for
again.

While rows wait for a token, the "run" banner says what the token badge says — not set,
rejected, being checked, out of reach, or working again — and is reworded whenever the
badge changes (``TokenPresenter.stateChanged``), so the two never disagree. Before a list
that needs hundreds of calls, today's quota is asked once (``core.quota``): the status
line says "This run needs N calls; M remain today." and a run that would use it up
starts only if the operator says so (``confirm_quota``). That answer, and the calls the
run makes, keep the token badge's quota current; a run of many calls ends with one
``quota/get`` (``TokenPresenter.note_quota``, ``after_run``).

While the service gives nothing but failures worth trying again (the network is down,
it is busy), core keeps trying for up to ``GIVE_UP_AFTER_S``; the status line says so
once a few seconds have passed that way ("Retrying: no answer for 12 s (Network error:
could not connect); gives up at 2 min.", short enough for a narrow window), read
from the run's calls as the trace hub reports them, so the window never looks hung.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from tcb_gui.core.errors import TokenError, TokenState
from tcb_gui.core.quota import QuotaPreview, preview_quota
from tcb_gui.core.resolve_run import ResolveProgress, ResolveRun
from tcb_gui.core.service_modes import GIVE_UP_AFTER_S
from tcb_gui.core.trace import CallKind, Outcome, TraceEvent
from tcb_gui.ui import task_names
from tcb_gui.ui.banner import Action
from tcb_gui.ui.core_text import core_text
from tcb_gui.ui.download_cells import plural_format
from tcb_gui.ui.formatting import fmt_duration, fmt_int
from tcb_gui.ui.gc_freeze import settle_long_lived
from tcb_gui.ui.heap import release_freed_memory
from tcb_gui.ui.notifier import Notifier
from tcb_gui.ui.palette import Tone
from tcb_gui.ui.quota_question import ConfirmQuota, window_gate
from tcb_gui.ui.results_model import ResultsModel, Row, RowState
from tcb_gui.ui.session import Session
from tcb_gui.ui.tasks import TaskKeeper
from tcb_gui.ui.token_presenter import TokenPresenter

if TYPE_CHECKING:
    from tcb_gui.core.client import TcbClient
    from tcb_gui.core.fileids import FileId

BANNER = "run"
# Rows marked per model change when a big run starts; the loop breathes between.
ROW_MARK_BATCH = 2_000
# Results recorded between two gc freezes during a run (see gc_freeze).
GC_SETTLE_EVERY = 2_000
# How often the status line looks at the service's silence during a run, how long it
# stays silent before the line says so (one retry is normal), and how long that line
# lasts once answers come back.
SILENCE_CHECK_MS = 1_000
SILENCE_SHOWN_AFTER_S = 3.0
SILENCE_MESSAGE_MS = 2_000


class ServiceSilence:
    """The run's API calls as the trace reports them: since when the service has given
    nothing but failures worth trying again, and the words of the last one."""

    def __init__(self) -> None:
        self.since: float | None = None
        self.problem = ""

    def __call__(self, event: TraceEvent) -> None:
        if event.kind is not CallKind.API:
            return
        if event.outcome in (Outcome.RETRY, Outcome.GAVE_UP):
            if self.since is None:
                self.since = time.monotonic()
            if event.errmsg:
                self.problem = event.errmsg
            elif event.http_status is not None:
                self.problem = f"HTTP {event.http_status}"
        else:  # an answer the client could act on
            self.since = None

    def seconds(self) -> float:
        return 0.0 if self.since is None else time.monotonic() - self.since


# The run's options as the window shows them: (link life in seconds, requests at once).
RunOptions = Callable[[], tuple[int, int]]


class ResolvePresenter(QObject):
    """One resolve run at a time over the model's rows."""

    runningChanged = Signal(bool)
    progressed = Signal()  # ``progress`` moved
    finished = Signal(float, str)  # seconds the run took, what it did (not when cancelled)

    def __init__(
        self,
        model: ResultsModel,
        notifier: Notifier,
        tasks: TaskKeeper,
        session: Session,
        tokens: TokenPresenter,
        options: RunOptions,
        confirm_quota: ConfirmQuota | None = None,
    ) -> None:
        super().__init__(model)
        self.model = model
        self.notifier = notifier
        self.tasks = tasks
        self.session = session
        self.tokens = tokens
        self._options = options
        self._confirm_quota = confirm_quota
        self.progress: ResolveProgress | None = None  # of the run under way
        self.quota: QuotaPreview | None = None  # the last run's preview, when it had one
        tokens.stateChanged.connect(lambda _info: self.show_waiting())
        self._silence = ServiceSilence()
        self._silence_timer = QTimer(self)
        self._silence_timer.setObjectName("service-silence")
        self._silence_timer.setInterval(SILENCE_CHECK_MS)
        self._silence_timer.timeout.connect(self._say_silence)

    @property
    def running(self) -> bool:
        return self.progress is not None

    # --- slots ----------------------------------------------------------------------

    def request_resolve(self) -> None:
        if self.running:
            self.notifier.show_status(self.tr("Already resolving."))
            return
        self.start(None)

    def start(self, rows: Sequence[Row] | None) -> None:
        self.tasks.start(task_names.RESOLVE, self.resolve_rows(rows), replace=False)

    def request_retry_failed(self) -> None:
        rows = self._retryable()
        if not rows:
            self.notifier.show_status(self._nothing_to_retry())
            return
        self.start(rows)

    def _retryable(self) -> list[Row]:
        """The failed rows Retry failed takes (``Row.retryable``, core's rule)."""
        return [r for r in self.model.rows_in(RowState.FAILED) if r.retryable]

    def _nothing_to_retry(self) -> str:
        if not self.model.counts().failed:
            return self.tr("No failures to retry.")
        return self.tr(
            "No failures worth retrying: the service gave those files its last word (not "
            "found, no permission, or an environment it does not know). Resolve again in "
            "the row's menu asks anyway."
        )

    def request_refresh_expired(self) -> None:
        rows = [r for r in self.model.rows_in(RowState.OK) if r.expired]
        if not rows:
            self.notifier.show_status(self.tr("No expired links."))
            return
        self.start(rows)

    def cancel(self) -> None:
        self.tasks.cancel(task_names.RESOLVE)

    def show_waiting(self) -> None:
        """Say why rows wait, in the words of the token badge's state (the one source of
        the token's state), with what to do; nothing when no row waits."""
        paused = self.model.counts().paused
        if not paused or self.running:
            return
        info = self.tokens.badge_info
        state = info.state
        n = fmt_int(paused)
        resume: Action = (self.tr("Resume"), self.request_resolve)
        actions: list[Action]
        if state is TokenState.VALID:
            tone = Tone.INFO
            text = self.tr("The token works. Resume to resolve the {n} waiting IDs.").format(n=n)
            actions = [resume]
        elif state is TokenState.CHECKING:
            tone = Tone.INFO
            text = self.tr("Checking the token… {n} IDs are waiting.").format(n=n)
            actions = []
        elif state is TokenState.NOT_SET:
            tone = Tone.WARNING
            text = self.tr(
                "Set a token first: the service needs one to give out links. {n} IDs are waiting."
            ).format(n=n)
            actions = self.tokens.token_actions()
        elif state is TokenState.UNREACHABLE:
            tone = Tone.WARNING
            text = self.tr(
                "The service cannot be reached, so the token cannot be checked. {n} IDs are "
                "waiting; Resume once the connection is back."
            ).format(n=n)
            actions = [*self.tokens.connection_actions(), resume]
        else:
            tone = Tone.DANGER
            reason = core_text(info.message) if info.message else self.tokens.state_words(info)
            text = self.tr(
                "Paused: {reason} {n} IDs are waiting; nothing resolved is lost."
            ).format(reason=reason, n=n)
            actions = [*self.tokens.token_actions(), resume]
        self.notifier.show_banner(BANNER, tone, text, actions)

    # --- the run --------------------------------------------------------------------

    async def _after_ids_coming_in(self) -> None:
        """Resolve asked for while a paste, a drop or a file is still being read: the
        run waits for those IDs, so Ctrl+V then Ctrl+Return resolves what was pasted."""
        coming = [
            *self.tasks.running_under(task_names.ADD_TEXT),
            *self.tasks.running_under(task_names.ADD_FILES),
        ]
        if coming:
            self.notifier.show_status(self.tr("Resolving once the IDs being added are in…"))
            await asyncio.wait(coming)

    async def resolve_rows(self, rows: Sequence[Row] | None = None) -> None:
        """Resolve ``rows`` (default: every pending or paused row) through core."""
        if self.running:
            return
        if rows is None:
            await self._after_ids_coming_in()
        model = self.model
        todo = list(rows) if rows is not None else model.rows_in(RowState.PENDING, RowState.PAUSED)
        if not todo:
            self.notifier.show_status(self._nothing_to_resolve())
            return
        if not await self.tokens.prepare_run():
            model.set_state(todo, RowState.PAUSED)
            model.flush()
            self.show_waiting()
            return
        session = self.session
        max_age, concurrency = self._options()
        if session.update_run_options(max_age, concurrency):
            await session.save_settings()
        await session.aopen_http()
        client = session.client(max_age=max_age, concurrency=concurrency)
        ids = [r.fileid for r in todo]
        if not await self._quota_allows(client, ids):
            return
        started = time.monotonic()
        run = ResolveRun(client, ids)
        self.progress = run.progress
        self.notifier.hide_banner(BANNER)
        for start in range(0, len(todo), ROW_MARK_BATCH):
            model.set_state(todo[start : start + ROW_MARK_BATCH], RowState.RESOLVING)
            if len(todo) > ROW_MARK_BATCH:
                model.flush()  # small ranged updates, not one 100,000-row re-filter
                await asyncio.sleep(0)
        self.runningChanged.emit(True)
        self._silence = silence = ServiceSilence()
        session.trace.add(silence)
        self._silence_timer.start()
        calls_before = self.tokens.gauge.calls
        try:
            settled_at = 0
            async with contextlib.aclosing(run.stream()) as batches:
                async for batch in batches:
                    model.apply_results(batch)
                    if run.progress.done - settled_at >= GC_SETTLE_EVERY:
                        settled_at = run.progress.done
                        settle_long_lived()
                    self.progressed.emit()
            self._settle(run, time.monotonic() - started)
            # Rows a Delete took during the run got no result: Undo brings them back
            # to be resolved, not spinning.
            left = [r for r in todo if r.state is RowState.RESOLVING]
            if left:
                model.set_state(left, RowState.PENDING)
        except asyncio.CancelledError:
            left = [r for r in todo if r.state is RowState.RESOLVING]
            model.set_state(left, RowState.PENDING)
            self.notifier.show_status(
                self.tr("Cancelled; {n} IDs were not resolved.").format(n=fmt_int(len(left)))
            )
            raise
        finally:
            self._silence_timer.stop()
            session.trace.remove(silence)
            self.progress = None
            model.flush()
            if not self.tasks.closing:
                self.runningChanged.emit(False)
            self.tokens.after_run(self.tokens.gauge.calls - calls_before)
            release_freed_memory()  # the run's answers and batches, back to the system

    def _say_silence(self) -> None:
        """During a run: say that the service is not answering, once it has been a while."""
        silence = self._silence
        seconds = silence.seconds()
        if not self.running or seconds < SILENCE_SHOWN_AFTER_S:
            return
        problem = core_text(silence.problem) if silence.problem else self.tr("no answer")
        self.notifier.show_status(
            self.tr("Retrying: no answer for {time} ({problem}); gives up at {limit}.").format(
                time=fmt_duration(int(seconds)),
                problem=problem,
                limit=fmt_duration(GIVE_UP_AFTER_S),
            ),
            SILENCE_MESSAGE_MS,
        )

    def _nothing_to_resolve(self) -> str:
        counts = self.model.counts()
        if counts.resolving:
            return self.tr("Already resolving.")
        if not counts.total:
            return self.tr("Nothing to resolve: add IDs first.")
        # Ctrl+R is named only when it would take a row, so the two never send the
        # operator to each other.
        retryable = counts.failed > 0 and any(
            r.retryable for r in self.model.rows_in(RowState.FAILED)
        )
        if retryable and counts.expired:
            return self.tr(
                "Every ID has its answer. Retry failed (Ctrl+R) asks again for the failures; "
                "Refresh expired (Ctrl+F5) renews old links."
            )
        if retryable:
            return self.tr(
                "Every ID has its answer. Retry failed (Ctrl+R) asks again for the failures."
            )
        if counts.failed and counts.expired:
            return self.tr(
                "Every ID has its answer, the failures the service's last word (Resolve "
                "again in the row's menu asks anyway). Refresh expired (Ctrl+F5) renews old "
                "links."
            )
        if counts.failed:
            return self._nothing_to_retry()
        if counts.expired:
            return self.tr(
                "Every ID is resolved. Refresh expired (Ctrl+F5) renews the expired links."
            )
        return self.tr("Every ID is resolved already.")

    async def _quota_allows(self, client: TcbClient, ids: list[FileId]) -> bool:
        """Ask today's quota once before a big run; False when the operator declines."""
        self.quota = None
        if self._confirm_quota is None:
            return True
        asked = datetime.now(UTC)
        self.quota = await preview_quota(client, ids)
        if self.quota is not None and self.quota.check is not None:
            self.tokens.note_quota(self.quota.check, asked)
        return await window_gate(self.quota, self.notifier, self._confirm_quota)

    def _settle(self, run: ResolveRun, seconds: float = 0.0) -> None:
        stop = run.stop
        progress = run.progress
        links = progress.done - progress.failed
        failed = fmt_int(progress.failed)
        if stop is None:
            done = plural_format(
                links,
                self.tr("Done: 1 link, {failed} failed."),
                self.tr("Done: {n} links, {failed} failed."),
                failed=failed,
            )
            self.notifier.show_status(done)
            self.finished.emit(seconds, done)
            return
        stopped = run.stopped_results()  # "Not resolved: …", as the command line says
        # The run's outcome replaces the line it started with (the quota preview's "This
        # run needs N calls; M remain today." would otherwise outlive it); the banner says
        # why it stopped.
        left = fmt_int(len(stopped))
        if isinstance(stop, TokenError):
            self.notifier.show_status(
                plural_format(
                    links,
                    self.tr("Paused: 1 link, {failed} failed, {left} waiting."),
                    self.tr("Paused: {n} links, {failed} failed, {left} waiting."),
                    failed=failed,
                    left=left,
                )
            )
            self.model.pause_results(stopped)
            self.model.flush()
            # The badge takes the service's word first; the banner says the same.
            self.tokens.after_token_error(stop)
            self.progress = None
            self.show_waiting()
        else:
            self.notifier.show_status(
                plural_format(
                    links,
                    self.tr("Stopped: 1 link, {failed} failed, {left} not resolved."),
                    self.tr("Stopped: {n} links, {failed} failed, {left} not resolved."),
                    failed=failed,
                    left=left,
                )
            )
            self.model.apply_results(stopped)
            self.notifier.show_banner(BANNER, Tone.DANGER, core_text(stop.message))
        self.finished.emit(seconds, core_text(stop.message))
