"""Finished files made durable and put in place by worker threads, many per hand-over.

A file's last steps wait on the disk (its fsync, the move to its name, its folder's
fsync), so they run in threads of their own while the event loop goes on with other
transfers. ``Syncer.place`` queues one file's steps (a function returning the name the
file got) and returns a future; a worker takes everything queued so far as one batch,
runs each file's steps, then fsyncs every folder that received a name in the batch once,
and hands the whole batch back to the loop at once. A file's future resolves only after
that folder fsync: a file reported done is durable under its name. While the workers
are busy the next batch grows, and with it the number of files sharing one folder fsync
(group commit).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Final

from tcb_gui.core.downloads.files import FileOps, start_writeback

# Threads putting files in place. One, while the files are small: each system call of a
# worker costs a hand-over of the interpreter lock with the event loop, so two workers
# creating and linking small files in one folder cost more CPU than they save. More,
# while enough bytes wait to be written and synced that the disk, not the hand-overs,
# decides.
SYNC_WORKERS: Final = 3
MORE_WORKERS_FROM_BYTES: Final = 2 * 1024 * 1024

Placed = tuple[Path, os.stat_result]  # the name a file got, and what it is on disk
Work = Callable[[], Placed]
_Item = tuple[Work, "asyncio.Future[Placed]"]


class Syncer:
    def __init__(self, files: FileOps, workers: int = SYNC_WORKERS) -> None:
        self._files = files
        self._workers = workers
        self._queue: list[_Item] = []
        self._queued_bytes = 0
        self._busy = 0
        self._executor: ThreadPoolExecutor | None = None
        self._flusher: ThreadPoolExecutor | None = None  # writeback hints, in order
        self._idle: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.batches = 0  # hand-overs so far (for tests and measurements)
        self.folder_syncs = 0  # folder fsyncs so far

    def place(self, work: Work, size: int = 0) -> asyncio.Future[Placed]:
        """Run ``work`` (fsync, checks, the move to a name) in a worker thread; the future
        resolves once the folder of the name it returns is fsynced too. ``size``: the
        bytes it still has to write or sync, roughly."""
        loop = self._loop
        if loop is None:
            loop = self._loop = asyncio.get_running_loop()
        future: asyncio.Future[Placed] = loop.create_future()
        self._queue.append((work, future))
        self._queued_bytes += size
        if self._wants_worker():
            self._launch(loop)
        return future

    def _wants_worker(self) -> bool:
        if not self._queue or self._busy >= self._workers:
            return False
        return self._busy == 0 or self._queued_bytes >= MORE_WORKERS_FROM_BYTES

    def _launch(self, loop: asyncio.AbstractEventLoop) -> None:
        batch, self._queue = self._queue, []
        self._queued_bytes = 0
        if self._executor is None:
            self._executor = ThreadPoolExecutor(self._workers, "download-fsync")
        self._busy += 1
        if self._idle is not None:
            self._idle.clear()
        self._executor.submit(self._run, loop, batch)

    def _run(self, loop: asyncio.AbstractEventLoop, batch: list[_Item]) -> None:
        results: list[Placed | BaseException] = []
        try:
            folders: set[Path] = set()
            for work, _ in batch:
                try:
                    placed = work()
                except BaseException as exc:  # handed to the future of that file
                    results.append(exc)
                else:
                    results.append(placed)
                    folders.add(placed[0].parent)
            for folder in folders:
                self._files.fsync_dir(folder)
            self.folder_syncs += len(folders)
            self.batches += 1
        finally:
            loop.call_soon_threadsafe(self._done, loop, batch, results)

    def _done(
        self,
        loop: asyncio.AbstractEventLoop,
        batch: list[_Item],
        results: list[Placed | BaseException],
    ) -> None:
        self._busy -= 1
        for index, (_, future) in enumerate(batch):
            if future.done():
                continue
            result = results[index] if index < len(results) else RuntimeError("worker stopped")
            if isinstance(result, BaseException):
                future.set_exception(result)
            else:
                future.set_result(result)
        if self._wants_worker():
            self._launch(loop)
        elif self._busy == 0 and self._idle is not None:
            self._idle.set()

    def writeback(self, fd: int, start: int, length: int) -> None:
        """Start writing a range of an open file to the disk, from a worker thread (the
        CPU it takes is not the event loop's). Works on a duplicate of ``fd``, so the
        file may be closed meanwhile."""
        try:
            copy = os.dup(fd)
        except OSError:
            return
        if self._flusher is None:
            self._flusher = ThreadPoolExecutor(1, "download-writeback")
        self._flusher.submit(_writeback, copy, start, length)

    async def close(self) -> None:
        """Wait for the batches under way, then stop the workers."""
        while self._busy:
            self._idle = asyncio.Event()
            await self._idle.wait()
        for executor in (self._executor, self._flusher):
            if executor is not None:
                executor.shutdown(wait=False)
        self._executor = self._flusher = None


def _writeback(fd: int, start: int, length: int) -> None:
    try:
        start_writeback(fd, start, length)
    finally:
        os.close(fd)
