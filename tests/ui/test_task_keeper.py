"""``ui.tasks.TaskKeeper``: a task's failure is reported (logged, and handed to the
window), except when the tasks are torn down with a loop that stopped for good (the
display went away: ``abandon``), where what they raise is a consequence, not a bug.

CI saw the second once: the X server killed while the last session's list was being
read, and "task download-restore failed" with a traceback under "the window lost its
display" (tests/e2e/test_window_display_lost.py)."""

from __future__ import annotations

import asyncio
import logging

import pytest

from tcb_gui.ui.tasks import TaskKeeper


async def failing() -> None:
    await asyncio.sleep(0)
    raise RuntimeError("no running event loop")


async def test_a_failure_is_logged_and_reported(caplog: pytest.LogCaptureFixture) -> None:
    reported: list[str] = []
    keeper = TaskKeeper(on_error=lambda name, error: reported.append(f"{name}: {error}"))
    task = keeper.start("restore", failing())
    assert task is not None
    with caplog.at_level(logging.DEBUG, logger="tcb_gui.ui.tasks"):
        await asyncio.wait([task])
        await asyncio.sleep(0)  # the done-callback
    assert reported == ["restore: no running event loop"]
    assert [r.levelno for r in caplog.records] == [logging.ERROR]


async def test_an_abandoned_keepers_failures_are_neither_logged_as_such_nor_reported(
    caplog: pytest.LogCaptureFixture,
) -> None:
    reported: list[str] = []
    keeper = TaskKeeper(on_error=lambda name, error: reported.append(name))
    task = keeper.start("restore", failing())
    assert task is not None
    keeper.abandon()
    with caplog.at_level(logging.DEBUG, logger="tcb_gui.ui.tasks"):
        await asyncio.wait([task])
        await asyncio.sleep(0)
    assert reported == []
    assert all(r.levelno < logging.WARNING for r in caplog.records)
    assert keeper.closing
    late = failing()
    assert keeper.start("later", late) is None  # nothing new starts
