"""``core.startup``: the collector off during start-up, given back when it ends, and
never turned on where the program itself had turned it off."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from tcb_gui.core.startup import (
    collection_paused,
    pause_collection,
    resume_collection,
    settle_collection,
    settled_run,
)


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    was = gc.isenabled()
    yield
    resume_collection()
    (gc.enable if was else gc.disable)()


def test_off_inside_and_on_again_after() -> None:
    gc.enable()
    with collection_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_on_again_after_an_error() -> None:
    gc.enable()
    with pytest.raises(RuntimeError), collection_paused():
        raise RuntimeError("start-up failed")
    assert gc.isenabled()


def test_a_collector_the_program_turned_off_stays_off() -> None:
    gc.disable()
    pause_collection()
    with collection_paused():
        assert not gc.isenabled()
    resume_collection()
    assert not gc.isenabled()


def test_a_pause_before_the_block_ends_with_it() -> None:
    """The command line pauses first thing; the window's first paint (the block's end)
    ends the start-up it began."""
    gc.enable()
    pause_collection()
    assert not gc.isenabled()
    with collection_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_resume_without_a_pause_changes_nothing() -> None:
    gc.enable()
    resume_collection()
    assert gc.isenabled()
    gc.disable()
    resume_collection()
    assert not gc.isenabled()


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()  # a test before this one may have frozen what it made
    yield
    gc.unfreeze()


def test_settling_freezes_what_the_start_up_built_and_turns_the_collector_on(
    unfrozen: None,
) -> None:
    gc.enable()
    pause_collection()
    built = [[n] for n in range(1_000)]  # what a start-up makes and keeps
    settle_collection()
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(built)
    # Out of every generation's reach: the run's collections no longer walk them.
    assert all(o is not built[0] for o in gc.get_objects())


def test_settling_without_a_pause_changes_nothing(unfrozen: None) -> None:
    gc.enable()
    settle_collection()
    assert gc.get_freeze_count() == 0
    gc.disable()  # the program's own choice
    settle_collection()
    assert not gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_a_settled_run_runs_with_the_collector_on(unfrozen: None) -> None:
    async def inside() -> bool:
        return gc.isenabled()

    gc.enable()
    pause_collection()
    assert settled_run(inside()) is True
    assert gc.get_freeze_count() > 0


class _Counted:
    """A run's result that counts how often it is spelled out."""

    def __init__(self) -> None:
        self.reprs = 0

    def __repr__(self) -> str:
        self.reprs += 1
        return "_Counted()"


def test_a_settled_run_hands_its_result_back_without_spelling_it_out(unfrozen: None) -> None:
    """asyncio.run's SIGINT handler holds its task; on the way out ``signal.getsignal``
    tries ``Handlers(handler)`` and the caught ``ValueError`` reprs the handler, the task
    and the task's result: a download's every outcome. The result goes round that task."""
    import signal

    result = _Counted()

    async def inside() -> _Counted:
        return result

    # asyncio.run puts in its handler only over Python's own, as a command has it.
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        assert settled_run(inside()) is result
    finally:
        signal.signal(signal.SIGINT, before)
    assert result.reprs == 0


def test_a_settled_run_raises_what_its_coroutine_raises(unfrozen: None) -> None:
    async def failing() -> None:
        raise LookupError("the run's own error")

    with pytest.raises(LookupError, match="the run's own error"):
        settled_run(failing())
