"""One resolve of a list, as both faces run it: results as they come, one stop policy.

``ResolveRun.stream()`` yields each request's results as it completes. A token error or
a service stop (quota, configuration, the IP allowlist, or nothing good from the service
for the client's ``give_up_after`` seconds) ends the stream without raising:
``stop`` says why, ``unresolved`` lists the IDs left without an answer, and
``stopped_results()`` gives them one row each with one wording ("Not resolved: …"), so
the command line's output and the window's export of the same run are the same. The
window keeps those rows waiting for a working token; the command line prints them.

Big lists are handed to the client a slice at a time (``RESOLVE_SLICE``): the client
de-duplicates and groups IDs in one synchronous step, ~30 ms per 100,000 IDs, the
longest stall of a 100,000-row run in the window (bench/window.py). Between slices the
requests in flight drain once, about one round trip per slice: ~1 % of a big run.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from tcb_gui.core.errors import (
    ErrorKind,
    MessageTemplate,
    RunInterrupted,
    ServiceError,
    TcbError,
    TokenError,
)
from tcb_gui.core.exit_status import ExitStatus, status_for_run

if TYPE_CHECKING:
    from tcb_gui.core.client import LinkResult
    from tcb_gui.core.fileids import FileId

RESOLVE_SLICE = 20_000

NOT_RESOLVED = MessageTemplate("Not resolved: {reason}", nested=frozenset({"reason"}))


class Resolver(Protocol):
    """What a run uses of ``TcbClient``."""

    def resolve(self, ids: Sequence[FileId]) -> AsyncGenerator[list[LinkResult], None]: ...


@dataclass(slots=True)
class ResolveProgress:
    total: int
    done: int = 0
    failed: int = 0


class ResolveRun:
    """Resolve ``ids`` once through ``client`` (a ``TcbClient``)."""

    def __init__(
        self, client: Resolver, ids: Sequence[FileId], *, slice_size: int = RESOLVE_SLICE
    ) -> None:
        self._client = client
        # Unique IDs in input order (of their first occurrence): a slice boundary must
        # not split duplicates.
        unique: dict[str, FileId] = {}
        for fileid in ids:
            unique.setdefault(fileid.raw, fileid)
        self.ids: list[FileId] = list(unique.values())
        self._slice = slice_size
        self.progress = ResolveProgress(total=len(self.ids))
        self.stop: TcbError | None = None
        self._answered: set[str] = set()
        self._failed_kinds: list[ErrorKind | None] = []

    async def stream(self) -> AsyncGenerator[list[LinkResult], None]:
        """Each request's results as it completes; ends early (``stop`` set) on a token
        error or when the service stops the run."""
        progress = self.progress
        try:
            for start in range(0, len(self.ids), self._slice):
                batches = self._client.resolve(self.ids[start : start + self._slice])
                async with contextlib.aclosing(batches):
                    async for batch in batches:
                        for result in batch:
                            self._answered.add(result.fileid.raw)
                            if not result.ok:
                                progress.failed += 1
                                self._failed_kinds.append(result.kind)
                        progress.done += len(batch)
                        yield batch
        except (TokenError, ServiceError) as error:
            self.stop = error

    def interrupt(self) -> None:
        """The user stopped the run (the stream was cancelled, Ctrl+C): the links that
        came back are kept, paid for with quota, and the IDs without an answer say so."""
        self.stop = RunInterrupted()

    @property
    def unresolved(self) -> list[FileId]:
        """IDs without an answer (after a stop), in input order."""
        return [f for f in self.ids if f.raw not in self._answered]

    def stopped_results(self) -> list[LinkResult]:
        """One row for each unresolved ID, saying why the run stopped."""
        from tcb_gui.core.client import NO_ANSWER, LinkResult

        stop = self.stop
        reason = stop.message if stop is not None else NO_ANSWER
        kind = stop.kind if stop is not None else ErrorKind.NETWORK
        text = NOT_RESOLVED.format(reason=reason)
        return [LinkResult(f, False, None, text, None, None, kind) for f in self.unresolved]

    async def run(self) -> list[LinkResult]:
        """The whole run: every ID's result in input order, stopped ones included."""
        by_id: dict[str, LinkResult] = {}
        async with contextlib.aclosing(self.stream()) as batches:
            async for batch in batches:
                for result in batch:
                    by_id[result.fileid.raw] = result
        for result in self.stopped_results():
            by_id[result.fileid.raw] = result
        return [by_id[f.raw] for f in self.ids]

    @property
    def exit_status(self) -> ExitStatus:
        kinds = list(self._failed_kinds)
        if self.stop is None and len(self._answered) < len(self.ids):
            kinds.append(ErrorKind.NETWORK)  # the stream left IDs unanswered
        return status_for_run(self.stop, kinds)
