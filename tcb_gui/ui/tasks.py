"""Named asyncio tasks that the window keeps referenced and cancels on close.

A task nobody references can be garbage-collected mid-flight, and a task nobody awaits
hides its exception; here every task has a name, a strong reference until it ends, and a
done-callback that reports failures. Starting a task under a name that is running
replaces (cancels) the old one, as FeelUOwn's pre-emptive tasks do, unless asked not to.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable, Coroutine
from typing import Any

log = logging.getLogger(__name__)

ErrorHandler = Callable[[str, BaseException], None]


class TaskKeeper:
    def __init__(self, on_error: ErrorHandler | None = None) -> None:
        self._tasks: dict[str, asyncio.Task[Any]] = {}
        self._on_error = on_error
        self._closing = False
        self._abandoned = False  # the loop under the tasks is going away (abandon)
        self._counter = 0

    @property
    def closing(self) -> bool:
        """The window is closing: tasks are being cancelled and no new one starts."""
        return self._closing

    def start(
        self, name: str, coro: Coroutine[Any, Any, Any], *, replace: bool = True
    ) -> asyncio.Task[Any] | None:
        """Run ``coro`` as task ``name``. With ``replace=False`` a running task of that
        name is kept and ``coro`` is dropped (returns None)."""
        if self._closing:
            coro.close()
            return None
        old = self._tasks.get(name)
        if old is not None and not old.done():
            if not replace:
                coro.close()
                return None
            old.cancel()
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks[name] = task
        task.add_done_callback(functools.partial(self._finished, name))
        return task

    def start_unique(self, prefix: str, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any] | None:
        """Run ``coro`` under a fresh name ``prefix-N`` (several may run at once)."""
        self._counter += 1
        return self.start(f"{prefix}-{self._counter}", coro)

    def get(self, name: str) -> asyncio.Task[Any] | None:
        task = self._tasks.get(name)
        return task if task is not None and not task.done() else None

    def running(self, name: str) -> bool:
        return self.get(name) is not None

    def running_under(self, prefix: str) -> list[asyncio.Task[Any]]:
        """The live tasks ``start_unique(prefix, ...)`` started."""
        return [
            task
            for name, task in self._tasks.items()
            if name.startswith(f"{prefix}-") and not task.done()
        ]

    def cancel(self, name: str) -> bool:
        task = self.get(name)
        if task is None:
            return False
        task.cancel()
        return True

    def _finished(self, name: str, task: asyncio.Task[Any]) -> None:
        if self._tasks.get(name) is task:
            del self._tasks[name]
        if task.cancelled():
            return
        error = task.exception()
        if error is not None and self._abandoned:
            # Torn down with a loop that stopped under it: a consequence, not a bug.
            log.debug("task %s ended with %r as the loop went away", name, error)
            return
        if error is not None:
            log.error("task %s failed", name, exc_info=error)
            if self._on_error is not None and not self._closing:
                self._on_error(name, error)

    def abandon(self) -> None:
        """The event loop under the tasks stopped for good (the window's display went
        away): no new task starts, and what the tasks raise as they are torn down with
        the loop is neither reported nor logged as a failure (app.run says why the
        window closed)."""
        self._closing = True
        self._abandoned = True

    async def aclose(self) -> None:
        """Cancel every task and wait for each to finish its cleanup."""
        self._closing = True
        tasks = [t for t in self._tasks.values() if not t.done()]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
