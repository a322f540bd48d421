"""``core.startup``: the collector off during start-up, given back when it ends, and
never turned on where the program itself had turned it off."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from tcb_gui.core.startup import collection_paused, pause_collection, resume_collection


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
