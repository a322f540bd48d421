"""Download speed limit (``--limit-rate``): one token bucket shared by every transfer.

``parse_rate`` reads the option's text. The single-letter suffixes ``K``, ``M`` and ``G``
are binary (1024-based), as in curl's ``--limit-rate`` and aria2c's
``--max-overall-download-limit``, so ``2M`` means the same to all three tools. The
explicit unit spellings are honoured as written: ``KiB``/``MiB``/``GiB`` are binary,
``kB``/``MB``/``GB`` decimal (SI). An optional ``/s`` may follow (``500K/s``).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable

from tcb_gui.core.errors import InputError, MessageTemplate

KIB = 1024
# The bucket may bank at most this many seconds of unused rate, so an idle transfer
# cannot burst far above the limit when it resumes.
BURST_SECONDS = 0.25
# Below this the limiter would sleep for slivers shorter than the loop's timer resolution.
MIN_RATE = 1
# 1 PiB/s: faster than any link. A larger rate limits nothing more; taken as this one
# (``9`` written 400 times is float infinity, which no whole number holds).
MAX_RATE = 1 << 50

_RATE_RE = re.compile(
    r"\s*(?P<num>\d+(?:\.\d+)?|\.\d+)\s*(?P<unit>[kmg]i?b?|b)?\s*(?:/\s*s(?:ec)?)?\s*\Z",
    re.IGNORECASE,
)
_POWERS = {"k": 1, "m": 2, "g": 3}
_UNREADABLE_RATE = MessageTemplate(
    "Cannot read the rate {text!r}: use a number of bytes per second, optionally "
    "with K, M or G (1024-based), e.g. 2M or 500K."
)
_RATE_TOO_LOW = MessageTemplate("The rate {text!r} is below one byte per second.")


def parse_rate(text: str) -> int:
    """Bytes per second from ``"2M"``, ``"500K/s"``, ``"1.5MiB"``, ``"10MB"`` or ``"65536"``.

    Raises ``InputError`` for anything else, and for zero (there is no "unlimited" spelling:
    leave the option out instead). Rates over ``MAX_RATE`` are taken as ``MAX_RATE``.
    """
    match = _RATE_RE.match(text)
    if match is None:
        raise InputError(_UNREADABLE_RATE.format(text=text))
    number = float(match["num"])
    unit = (match["unit"] or "").lower()
    multiplier = 1
    if unit and unit != "b":
        power = _POWERS[unit[0]]
        # "kb"/"mb"/"gb" (two letters, no "i") are the SI units; every other spelling is binary.
        base = 1000 if unit.endswith("b") and "i" not in unit else KIB
        multiplier = base**power
    rate = int(min(number * multiplier, MAX_RATE))
    if rate < MIN_RATE:
        raise InputError(_RATE_TOO_LOW.format(text=text))
    return rate


Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class TokenBucket:
    """A byte-rate limiter shared by concurrent transfers on one event loop.

    ``acquire(n)`` is called after ``n`` bytes were received. The bucket may go into debt:
    the caller then sleeps until the debt is paid, so the long-run rate is exact whatever
    the chunk sizes, and later callers queue behind the debt (roughly first come, first
    served). The clock and sleep are injectable so tests run on a fake clock.
    """

    def __init__(
        self,
        rate: int,
        *,
        burst: float | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if rate < MIN_RATE:
            raise ValueError("rate must be at least one byte per second")
        self.rate = rate
        self.capacity = burst if burst is not None else rate * BURST_SECONDS
        self._clock = clock
        self._sleep = sleep
        self._tokens = self.capacity
        self._stamp = clock()

    def _refill(self) -> None:
        now = self._clock()
        elapsed = max(0.0, now - self._stamp)
        self._stamp = now
        self._tokens = min(self.capacity, self._tokens + elapsed * self.rate)

    def take(self, nbytes: int) -> float:
        """Account for ``nbytes`` just received; the seconds to wait before reading on
        (0 while the bucket is not in debt). For callers that pause a transport instead
        of sleeping."""
        if nbytes <= 0:
            return 0.0
        self._refill()
        self._tokens -= nbytes
        return -self._tokens / self.rate if self._tokens < 0 else 0.0

    async def acquire(self, nbytes: int) -> None:
        """Account for ``nbytes`` just received; sleep while the bucket is in debt."""
        wait = self.take(nbytes)
        if wait > 0:
            await self._sleep(wait)
