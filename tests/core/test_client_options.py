"""Options the engines take from a user, at their extremes: a number no rate can hold
is a rate like any other, never a traceback."""

from __future__ import annotations

import pytest

from tcb_gui.core.errors import InputError
from tcb_gui.core.ratelimit import MAX_RATE, TokenBucket, parse_rate


@pytest.mark.parametrize(
    "text", ["9" * 400, "9" * 400 + "G", "1" * 30 + "GiB/s", f"{MAX_RATE + 1}"]
)
def test_a_rate_beyond_any_link_is_the_largest_rate(text: str) -> None:
    """``--limit-rate 999…9`` (float infinity once multiplied) ended the command line
    with an OverflowError traceback, and the window's download dialog with a crash."""
    rate = parse_rate(text)
    assert rate == MAX_RATE
    assert TokenBucket(rate).take(1 << 40) == 0.0  # limits nothing


def test_rates_up_to_the_largest_are_as_written() -> None:
    assert parse_rate(f"{MAX_RATE}") == MAX_RATE
    assert parse_rate("1024G") == 1 << 40


@pytest.mark.parametrize("text", ["0", "0.5", "inf", "nan", "1e400", "-1"])
def test_what_is_no_rate_stays_refused(text: str) -> None:
    with pytest.raises(InputError):
        parse_rate(text)
