"""Fresh links for files whose link expired or was refused, asked for in batches."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable

from tcb_gui.core.client import DEFAULT_CONCURRENCY, MAX_IDS_PER_REQUEST, LinkResult
from tcb_gui.core.downloads import messages as msg
from tcb_gui.core.downloads.records import RefreshLinks
from tcb_gui.core.errors import ErrorKind, TcbError
from tcb_gui.core.fileids import FileId

log = logging.getLogger("tcb_gui.core.downloads")

# The service takes at most 50 IDs a request (client.MAX_IDS_PER_REQUEST); refresh calls
# run at most this many at once, like the resolver's own default.
REFRESH_BATCH = MAX_IDS_PER_REQUEST
REFRESH_CONCURRENCY = DEFAULT_CONCURRENCY
# How long the refresher waits for other files' needs before sending (coalescing window).
REFRESH_COALESCE_SECONDS = 0.05


class LinkRefresher:
    """Collects the files that need a fresh link and asks for them together.

    Needs arriving within a short window are sent as one call of up to 50 IDs; more calls
    run side by side, at most ``REFRESH_CONCURRENCY``. A refresh that fails as a whole
    (token rejected, service down) answers each waiting file with a failed result; the
    first such error is kept in ``error`` for the caller to report.
    """

    def __init__(self, refresh: RefreshLinks) -> None:
        self._refresh = refresh
        self._futures: dict[str, asyncio.Future[LinkResult]] = {}
        self._queue: list[FileId] = []
        self._task: asyncio.Task[None] | None = None
        self._limit = asyncio.Semaphore(REFRESH_CONCURRENCY)
        self.error: TcbError | None = None
        self.calls: list[int] = []  # batch sizes, for tests and logs

    def _want(self, fileid: FileId, *, eager: bool = False) -> asyncio.Future[LinkResult]:
        future = self._futures.get(fileid.raw)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self._futures[fileid.raw] = future
            self._queue.append(fileid)
            if self._task is None or self._task.done():
                self._task = asyncio.create_task(self._flush(eager), name="download-link-refresh")
        return future

    def prefetch(self, ids: Iterable[FileId]) -> None:
        """Ask for these links now (the start of a run): no coalescing wait."""
        for fileid in ids:
            self._want(fileid, eager=True)

    async def get(self, fileid: FileId) -> LinkResult:
        # Shielded: a paused transfer abandons the wait, but the answer is kept for it.
        result = await asyncio.shield(self._want(fileid))
        self._futures.pop(fileid.raw, None)
        return result

    async def _flush(self, eager: bool) -> None:
        # A prefetch is sent at once (the rest of it joins the queue meanwhile); needs
        # that come one by one wait a moment for the others.
        await asyncio.sleep(0 if eager else REFRESH_COALESCE_SECONDS)
        while self._queue:
            queue, self._queue = self._queue, []
            # One environment per batch (the service answers one environment per request,
            # so a mixed batch would cost a request per environment in it), batches in
            # the order of their first file: links still come in about input order.
            batches: list[list[FileId]] = []
            open_batch: dict[str, list[FileId]] = {}
            for fileid in queue:
                batch = open_batch.get(fileid.env)
                if batch is None or len(batch) >= REFRESH_BATCH:
                    batch = open_batch[fileid.env] = []
                    batches.append(batch)
                batch.append(fileid)
            await asyncio.gather(*(self._call(batch) for batch in batches))

    async def _call(self, batch: list[FileId]) -> None:
        async with self._limit:
            self.calls.append(len(batch))
            try:
                results = await self._refresh(batch)
            except TcbError as exc:
                self.error = self.error or exc
                results = [
                    LinkResult(fid, False, None, exc.message, None, None, exc.kind) for fid in batch
                ]
            except Exception:
                log.exception("Fetching fresh download links failed")
                results = [
                    LinkResult(
                        fid, False, None, msg.REFRESH_INTERNAL, None, None, ErrorKind.NETWORK
                    )
                    for fid in batch
                ]
        by_id = {r.fileid.raw: r for r in results}
        for fid in batch:
            future = self._futures.get(fid.raw)
            if future is None or future.done():
                continue
            result = by_id.get(fid.raw) or LinkResult(
                fid, False, None, msg.REFRESH_NO_ANSWER, None, None, ErrorKind.NETWORK
            )
            future.set_result(result)

    async def close(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
