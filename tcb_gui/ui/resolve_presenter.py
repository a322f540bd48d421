"""Resolve: the rows' IDs through ``core.resolve_run.ResolveRun``, results into the model.

``resolve_rows`` is the plain coroutine the Resolve action, Retry failed, Refresh
expired and Resume start as the named task ``task_names.RESOLVE`` (one at a time) and
tests await. The run's stop policy is core's: a token error pauses the rows left
without an answer (they hold the run's "Not resolved: …" result, as the command line
prints it, and the next resolve picks them up); a service stop fails them with the same
words. Cancelling puts the rows in flight back to pending. Nothing resolved is asked for
again.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, Signal

from tcb_gui.core.errors import TokenError
from tcb_gui.core.resolve_run import ResolveProgress, ResolveRun
from tcb_gui.ui import task_names
from tcb_gui.ui.core_text import core_text
from tcb_gui.ui.formatting import fmt_int
from tcb_gui.ui.gc_freeze import settle_long_lived
from tcb_gui.ui.notifier import Notifier
from tcb_gui.ui.palette import Tone
from tcb_gui.ui.results_model import ResultsModel, Row, RowState
from tcb_gui.ui.session import Session
from tcb_gui.ui.tasks import TaskKeeper
from tcb_gui.ui.token_presenter import TokenPresenter

BANNER = "run"
# Rows marked per model change when a big run starts; the loop breathes between.
ROW_MARK_BATCH = 2_000
# Results recorded between two gc freezes during a run (see gc_freeze).
GC_SETTLE_EVERY = 2_000

# The run's options as the window shows them: (link life in seconds, requests at once).
RunOptions = Callable[[], tuple[int, int]]


class ResolvePresenter(QObject):
    """One resolve run at a time over the model's rows."""

    runningChanged = Signal(bool)
    progressed = Signal()  # ``progress`` moved

    def __init__(
        self,
        model: ResultsModel,
        notifier: Notifier,
        tasks: TaskKeeper,
        session: Session,
        tokens: TokenPresenter,
        options: RunOptions,
    ) -> None:
        super().__init__(model)
        self.model = model
        self.notifier = notifier
        self.tasks = tasks
        self.session = session
        self.tokens = tokens
        self._options = options
        self.progress: ResolveProgress | None = None  # of the run under way
        tokens.tokenWorks.connect(self._offer_resume)

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
        rows = [r for r in self.model.rows_in(RowState.FAILED) if r.retryable]
        if not rows:
            self.notifier.show_status(
                self.tr(
                    "No failures worth retrying: those files failed themselves "
                    "(use Retry in the row's menu to try anyway)."
                )
            )
            return
        self.start(rows)

    def request_refresh_expired(self) -> None:
        rows = [r for r in self.model.rows_in(RowState.OK) if r.expired]
        if not rows:
            self.notifier.show_status(self.tr("No expired links."))
            return
        self.start(rows)

    def cancel(self) -> None:
        self.tasks.cancel(task_names.RESOLVE)

    def _offer_resume(self) -> None:
        paused = self.model.counts().paused
        if paused and not self.running:
            self.notifier.show_banner(
                BANNER,
                Tone.INFO,
                self.tr("The token works. Resume to resolve the {n} waiting IDs.").format(
                    n=fmt_int(paused)
                ),
                [(self.tr("Resume"), self.request_resolve)],
            )

    # --- the run --------------------------------------------------------------------

    async def resolve_rows(self, rows: Sequence[Row] | None = None) -> None:
        """Resolve ``rows`` (default: every pending or paused row) through core."""
        if self.running:
            return
        model = self.model
        todo = list(rows) if rows is not None else model.rows_in(RowState.PENDING, RowState.PAUSED)
        if not todo:
            self.notifier.show_status(self.tr("Nothing to resolve: add IDs first."))
            return
        if not await self.tokens.prepare_run():
            model.set_state(todo, RowState.PAUSED)
            self.notifier.show_banner(
                BANNER,
                Tone.WARNING,
                self.tr("Set a token first: the service needs one to give out links."),
                self.tokens.token_actions(),
            )
            model.flush()
            return
        session = self.session
        max_age, concurrency = self._options()
        if session.update_run_options(max_age, concurrency):
            await session.save_settings()
        await session.aopen_http()
        client = session.client(max_age=max_age, concurrency=concurrency)
        run = ResolveRun(client, [r.fileid for r in todo])
        self.progress = run.progress
        self.notifier.hide_banner(BANNER)
        for start in range(0, len(todo), ROW_MARK_BATCH):
            model.set_state(todo[start : start + ROW_MARK_BATCH], RowState.RESOLVING)
            if len(todo) > ROW_MARK_BATCH:
                model.flush()  # small ranged updates, not one 100,000-row re-filter
                await asyncio.sleep(0)
        self.runningChanged.emit(True)
        try:
            settled_at = 0
            async with contextlib.aclosing(run.stream()) as batches:
                async for batch in batches:
                    model.apply_results(batch)
                    if run.progress.done - settled_at >= GC_SETTLE_EVERY:
                        settled_at = run.progress.done
                        settle_long_lived()
                    self.progressed.emit()
            self._settle(run)
        except asyncio.CancelledError:
            left = [r for r in todo if r.state is RowState.RESOLVING]
            model.set_state(left, RowState.PENDING)
            self.notifier.show_status(
                self.tr("Cancelled; {n} IDs were not resolved.").format(n=fmt_int(len(left)))
            )
            raise
        finally:
            self.progress = None
            model.flush()
            if not self.tasks.closing:
                self.runningChanged.emit(False)

    def _settle(self, run: ResolveRun) -> None:
        stop = run.stop
        if stop is None:
            progress = run.progress
            self.notifier.show_status(
                self.tr("Done: {ok} links, {failed} failed.").format(
                    ok=fmt_int(progress.done - progress.failed), failed=fmt_int(progress.failed)
                )
            )
            return
        stopped = run.stopped_results()  # "Not resolved: …", as the command line says
        if isinstance(stop, TokenError):
            self.model.pause_results(stopped)
            self.notifier.show_banner(
                BANNER,
                Tone.DANGER,
                self.tr("Paused: {reason} {n} IDs are waiting; nothing resolved is lost.").format(
                    reason=core_text(stop.message), n=fmt_int(len(stopped))
                ),
                [*self.tokens.token_actions(), (self.tr("Resume"), self.request_resolve)],
            )
            self.tokens.after_token_error(stop)
        else:
            self.model.apply_results(stopped)
            self.notifier.show_banner(BANNER, Tone.DANGER, core_text(stop.message))
