"""What is left of today's link-call quota between two checks: what the last
``quota/get`` said, less the link calls this process has made since.

Why an estimate: ``quota/get`` (``TcbClient.check_token``) is the only place the
service's count comes from, and it is asked at start, on F5, after a token is saved and
before a big run. Between two checks the number it gave only goes stale: after a
100,000-ID resolve (2,000 calls) the badge went on saying "1,000,000 calls left today",
overstating by 2,000 what an operator decides the next run by. Every
``batchdownloadfile`` call counts one against the day's quota (docs/WECHAT_API.md#quota),
and this process sees each of its own calls (``core.trace``), so it can say what is left
as far as it knows: ``QuotaGauge`` listens to the trace hub and counts them.

Which calls count: every ``batchdownloadfile`` attempt the service may have received,
whatever it answered (retries, refused tokens, 45009 included): "every call counts
against the quota" is why a link request is never sent again behind the caller's back
(``core/wire.py``, ``exchange``), and counting one too many errs towards less left, never
more. Only an attempt that never left this machine is not counted: no connection could
be made (``not_sent``). ``quota/get`` itself is a call on another path: not counted.

The day: the quota's numbers are the day's ("当天", the quota/get page in
docs/WECHAT_API.md#quota) and 45009 waits for the next one; WeChat's day is China
Standard Time (UTC+8, no daylight saving, ``QUOTA_TIMEZONE``). A check from before the
last midnight there says nothing about today: the reading is then ``stale`` and gives no
number until the next check, rather than carry yesterday's count over.

What the estimate cannot see: other callers of the same account's quota (a production
server, another copy of this app). So it is marked as an estimate with the time of its
check, and a run that made many calls ends with one more ``quota/get``
(``RECHECK_AFTER_CALLS``; the page calls it the cheap check): the service's own word.

Both faces say it in the same words (``calls_left_words``): the badge's "~998,000 calls
left today", and the line the command line prints on stderr after ``resolve`` and
``download`` (``RunQuota``). A command-line run is a process of its own, so it counts
on from the reading the last one left: the last reading of each profile (its service
and API path) is kept in ``<state dir>/quota.json`` (``record_reading``), as ``token
check``, ``doctor`` and every run that had one leave it, and a run resumes from it when
it is today's (``recorded_reading``). No call is ever made just for this line.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from tcb_gui.core.atomicfile import locked, read_small, write_bytes_atomic
from tcb_gui.core.client import Quota, TokenCheck
from tcb_gui.core.errors import TokenState
from tcb_gui.core.netmessages import describe_transport_error
from tcb_gui.core.quota import PREVIEW_THRESHOLD_CALLS
from tcb_gui.core.service_modes import ApiMode, validate_base_url
from tcb_gui.core.trace import CallKind, TraceEvent

if TYPE_CHECKING:
    import httpx

    from tcb_gui.core.quota import QuotaPreview
    from tcb_gui.core.trace import TraceHub
else:
    from tcb_gui.core.lazy_httpx import httpx  # imported at its first use

log = logging.getLogger(__name__)

# WeChat's day: China Standard Time, UTC+8 all year.
QUOTA_TIMEZONE: Final = timezone(timedelta(hours=8), "UTC+8")
# The link endpoints whose calls the quota counts (one quota per path).
LINK_PATHS: Final = frozenset(mode.cgi_path for mode in ApiMode)
# A run that made more link calls than this asks quota/get once when it ends: the same
# size past which a run asks it before it starts (core.quota). Smaller runs leave the
# estimate, which is then off by at most the calls of other callers.
RECHECK_AFTER_CALLS: Final = PREVIEW_THRESHOLD_CALLS


# What the client's trace says of an attempt that never reached the service: no
# connection was made (core.netmessages' words, as ``TracedCall`` emits them). Worded
# once asked for: only a call that failed without an answer needs it, and wording needs
# httpx's error classes, which a command-line run imports only then.
@cache
def not_sent() -> frozenset[str]:
    return frozenset(
        describe_transport_error(error)
        for error in (
            httpx.ConnectError(""),
            httpx.ConnectTimeout(""),
            httpx.PoolTimeout(""),
        )
    )


# A link call answered so says today's quota is used up: the service's own word, newer
# than any check before it (core.errors: 45009).
QUOTA_USED_UP: Final = 45009


def quota_day(moment: datetime) -> date:
    """The day of WeChat's quota ``moment`` falls on (midnight to midnight, UTC+8)."""
    return moment.astimezone(QUOTA_TIMEZONE).date()


def is_link_call(event: TraceEvent) -> bool:
    """Whether ``event`` is a ``batchdownloadfile`` attempt the service may have received
    (the module docstring: whatever its answer)."""
    if event.kind is not CallKind.API or event.endpoint not in LINK_PATHS:
        return False
    return event.http_status is not None or event.errmsg not in not_sent()


class QuotaReading(NamedTuple):
    """Today's quota as far as this process knows: ``checked`` at ``checked_at``, less
    ``calls_since`` link calls (on the checked path) made since it was asked."""

    checked: Quota
    checked_at: datetime
    calls_since: int = 0
    stale: bool = False  # checked before the last midnight (UTC+8): today's is unknown

    @property
    def quota(self) -> Quota | None:
        """What is left now: the check less the calls since; None when ``stale``."""
        if self.stale:
            return None
        calls = self.calls_since
        if not calls:
            return self.checked
        checked = self.checked
        return Quota(
            checked.daily_limit,
            min(checked.daily_limit, checked.used + calls),
            max(0, checked.remain - calls),
        )

    @property
    def estimated(self) -> bool:
        """Whether ``quota`` is the check less calls, not the service's own number. A
        check that left nothing (a ``45009`` among them) stays exact whatever calls follow
        it, until the quota day ends (``stale``): the service refuses them and counts none,
        so "0 calls left today" is its own word, not "~0"."""
        return not self.stale and self.calls_since > 0 and self.checked.remain > 0


def _now() -> datetime:
    return datetime.now(UTC)


class QuotaGauge:
    """A ``TraceHub`` listener counting link calls, and the last check to count from.

    ``checked`` takes each ``quota/get`` answer (a check without a number forgets the
    last one: the service no longer confirms it); ``reading`` says what is left now.
    ``calls`` counts every link call seen, for a run to tell how many it made.
    """

    def __init__(self, clock: Callable[[], datetime] = _now) -> None:
        self.clock = clock  # a test moves it past midnight
        self.calls = 0  # link calls seen, every path, since this gauge was made
        self._checked: Quota | None = None
        self._checked_at: datetime | None = None
        self._path = ""
        self._since = 0.0  # unix time the check was asked: calls sent from then on count
        self._calls_since = 0

    def checked(self, check: TokenCheck, asked_at: datetime, path: str) -> None:
        """A ``quota/get`` answer for ``path`` (``ApiMode.cgi_path``), asked at
        ``asked_at``: calls sent from then on are the ones its numbers do not hold."""
        if check.state is not TokenState.VALID or check.quota is None:
            self.forget()
            return
        self._checked = check.quota
        self._checked_at = check.checked_at
        self._path = path
        self._since = asked_at.timestamp()
        self._calls_since = 0

    def resume(self, reading: QuotaReading, path: str) -> None:
        """Count on from a reading kept from before (an earlier run of the command
        line): its check and the calls it had counted, and the calls from now on."""
        self._checked = reading.checked
        self._checked_at = reading.checked_at
        self._path = path
        self._since = self.clock().timestamp()
        self._calls_since = reading.calls_since

    def forget(self) -> None:
        self._checked = None
        self._checked_at = None
        self._path = ""
        self._calls_since = 0

    def __call__(self, event: TraceEvent) -> None:
        if not is_link_call(event):
            return
        self.calls += 1
        if event.endpoint != self._path or event.time < self._since:
            return
        checked = self._checked
        if event.errcode == QUOTA_USED_UP and checked is not None:
            # Nothing is left, whatever the last check less the calls since would say
            # (calls made elsewhere with the account used the rest).
            limit = checked.daily_limit
            self._checked = Quota(limit, limit, 0)
            self._checked_at = datetime.fromtimestamp(event.time, UTC)
            self._since = event.time
            self._calls_since = 0
        else:
            self._calls_since += 1

    def reading(self) -> QuotaReading | None:
        """Today's quota as far as this process knows; None before any good check."""
        checked, checked_at = self._checked, self._checked_at
        if checked is None or checked_at is None:
            return None
        stale = quota_day(checked_at) != quota_day(self.clock())
        return QuotaReading(checked, checked_at, self._calls_since, stale)


def calls_left_words(reading: QuotaReading | None) -> str:
    """What is left today in the badge's words: "998,000 calls left today", "~998,000
    calls left today" when it is an estimate; "" when there is no number (none, or
    yesterday's)."""
    quota = reading.quota if reading is not None else None
    if reading is None or quota is None:
        return ""
    mark = "~" if reading.estimated else ""
    return f"{mark}{quota.remain:,} calls left today"


# ---------------------------------------------------------------------------------------
# The last reading of each profile, kept between runs of the command line
# ---------------------------------------------------------------------------------------

QUOTA_FILE: Final = "quota.json"
_RECORD_VERSION: Final = 1
# Readings kept (the newest): a profile, service and API path each.
MAX_RECORDED: Final = 32
# 32 readings are a few KiB; a file far larger is not ours.
MAX_RECORD_BYTES: Final = 256 * 1024


def quota_record_path() -> Path:
    from tcb_gui.core.settings import app_dirs

    return app_dirs().state / QUOTA_FILE


class QuotaPlace(NamedTuple):
    """Whose quota a reading is: a profile, the service it points at, the link path."""

    profile: str
    base_url: str
    path: str

    @classmethod
    def of(cls, profile: str, base_url: str, api: ApiMode) -> QuotaPlace:
        """The place of a run of ``profile`` against ``base_url`` with ``api``, the same
        for both faces (the address as the client sends to it)."""
        return cls(profile, validate_base_url(base_url), api.cgi_path)


def _load_records(file: Path) -> list[dict[str, Any]]:
    raw = read_small(file, MAX_RECORD_BYTES)
    if raw is None:
        # Not there (the first run), or nothing readings could be: a FIFO, a link, a file
        # far too large. The readings are a hint; they start again.
        if os.path.lexists(file):
            log.warning("could not read the last quota readings (not a small regular file)")
        return []
    try:
        data = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # RecursionError: brackets nested deep
        log.warning("could not read the last quota readings (%s)", type(exc).__name__)
        return []
    if not isinstance(data, dict) or data.get("version") != _RECORD_VERSION:
        return []
    readings = data.get("readings")
    return [r for r in readings if isinstance(r, dict)] if isinstance(readings, list) else []


def _is_place(record: dict[str, Any], place: QuotaPlace) -> bool:
    return (record.get("profile"), record.get("base_url"), record.get("path")) == (
        place.profile,
        place.base_url,
        place.path,
    )


def _reading_of(record: dict[str, Any]) -> QuotaReading | None:
    numbers: list[int] = []
    for name in ("daily_limit", "used", "remain", "calls_since"):
        value = record.get(name)
        if type(value) is not int or value < 0:
            return None
        numbers.append(value)
    limit, used, remain, calls = numbers
    try:
        checked_at = datetime.fromisoformat(str(record.get("checked_at")))
    except ValueError:
        return None
    if checked_at.tzinfo is None:
        return None
    return QuotaReading(Quota(limit, used, remain), checked_at, calls)


def recorded_reading(
    place: QuotaPlace, *, file: Path | None = None, clock: Callable[[], datetime] = _now
) -> QuotaReading | None:
    """The reading kept for ``place``, if it is today's (UTC+8); None otherwise."""
    for record in _load_records(file or quota_record_path()):
        if _is_place(record, place):
            reading = _reading_of(record)
            if reading is None or quota_day(reading.checked_at) != quota_day(clock()):
                return None
            return reading
    return None


def merged_reading(
    kept: QuotaReading | None, mine: QuotaReading, since: QuotaReading | None = None
) -> QuotaReading:
    """What a place's record becomes when a writer brings ``mine`` and the file holds
    ``kept`` (another process may have written it since this one last read or wrote it:
    ``since``). The newer check wins: the service's later word. Counted from the same
    check, each writer's own calls add up: ``mine``'s calls beyond ``since`` go on top of
    those ``kept`` holds (without ``since``, the larger count: it errs towards less left).
    """
    if kept is None or mine.checked_at > kept.checked_at:
        return mine
    if mine.checked_at < kept.checked_at:
        return kept
    if since is not None and since.checked_at == mine.checked_at:
        added = max(0, mine.calls_since - since.calls_since)
        calls = kept.calls_since + added
    else:
        calls = max(kept.calls_since, mine.calls_since)
    return QuotaReading(mine.checked, mine.checked_at, calls)


def _record_of(place: QuotaPlace, reading: QuotaReading) -> dict[str, Any]:
    checked = reading.checked
    return {
        "profile": place.profile,
        "base_url": place.base_url,
        "path": place.path,
        "daily_limit": checked.daily_limit,
        "used": checked.used,
        "remain": checked.remain,
        "checked_at": reading.checked_at.isoformat(),
        "calls_since": reading.calls_since,
    }


def record_reading(
    place: QuotaPlace,
    reading: QuotaReading,
    *,
    since: QuotaReading | None = None,
    file: Path | None = None,
    clock: Callable[[], datetime] = _now,
) -> QuotaReading | None:
    """Keep ``reading`` as ``place``'s last one, merged with what the file holds now
    (``merged_reading``; ``since`` is the reading this writer last read or kept for
    ``place``); yesterday's readings of every place are dropped, other places' are kept
    as the file has them. Two processes at once (two runs, a run and the window) each
    read, merge and replace the file under its lock (``atomicfile.locked``), so neither
    loses the other's newer reading. Returns what was kept (``reading`` itself if the file
    could not be read), or None when nothing could be written: the writer's calls since
    ``since`` are then still to be added, by its next keep with the same ``since``.
    Bookkeeping: a file that cannot be written is logged, not raised."""
    from tcb_gui.core.settings import ensure_dir

    file = file or quota_record_path()
    today = quota_day(clock())
    try:
        ensure_dir(file.parent)
    except OSError as exc:
        log.warning("could not keep today's quota reading (%s)", exc.strerror or type(exc).__name__)
        return None
    with locked(file):
        kept: QuotaReading | None = None
        others: list[dict[str, Any]] = []
        for record in _load_records(file):
            old = _reading_of(record)
            if old is None or quota_day(old.checked_at) != today:
                continue
            if _is_place(record, place):
                kept = old if kept is None else merged_reading(kept, old)
            else:
                others.append(record)
        merged = merged_reading(kept, reading, since)
        records = [_record_of(place, merged), *others][:MAX_RECORDED]
        document = {"version": _RECORD_VERSION, "readings": records}
        try:
            # Bookkeeping a crash may lose: not worth a flush to the disk at the end of a run.
            content = json.dumps(document, ensure_ascii=False, indent=1) + "\n"
            write_bytes_atomic(file, content.encode("utf-8"), fsync=False)
        except OSError as exc:
            log.warning(
                "could not keep today's quota reading (%s)", exc.strerror or type(exc).__name__
            )
            return None
    return merged


def record_check(place: QuotaPlace, check: TokenCheck) -> None:
    """A ``quota/get`` answer with numbers, kept as ``place``'s reading (``token check``,
    ``doctor``); an answer without one leaves the record as it was."""
    if check.state is TokenState.VALID and check.quota is not None:
        record_reading(place, QuotaReading(check.quota, check.checked_at))


class RunQuota:
    """One command-line run's view of today's quota: the gauge counting the run's link
    calls (on ``hub``) from the reading kept for ``place`` or from the ``quota/get`` the
    run asks before it starts (``preview``); at the end, ``finish`` keeps the reading
    and gives the badge's words for it ("" without a reading: nothing is asked for it).
    """

    def __init__(
        self,
        place: QuotaPlace,
        hub: TraceHub,
        *,
        file: Path | None = None,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.place = place
        self._hub = hub
        self._file = file
        self.gauge = QuotaGauge(clock)
        kept = recorded_reading(place, file=file, clock=clock)
        # What this run counts on from: its own calls are the ones beyond it.
        self._since = kept
        if kept is not None:
            self.gauge.resume(kept, place.path)
        hub.add(self.gauge)

    def preview(self, preview: QuotaPreview | None, asked_at: datetime) -> None:
        """The run's own ``quota/get`` (before a big run), asked at ``asked_at``."""
        if preview is not None and preview.check is not None:
            self.gauge.checked(preview.check, asked_at, self.place.path)

    def finish(self) -> str:
        """Stop counting; keep the reading for the next run; its words ("" if none)."""
        self._hub.remove(self.gauge)
        reading = self.gauge.reading()
        if reading is None or reading.stale:
            return ""
        kept = record_reading(
            self.place, reading, since=self._since, file=self._file, clock=self.gauge.clock
        )
        # Another run's calls counted on the same check are left too: the line says so.
        if kept is None or kept.checked_at != reading.checked_at:
            kept = reading
        return calls_left_words(kept)


def worth_rechecking(calls: int) -> bool:
    """Whether a run that made ``calls`` link calls ends with one ``quota/get``."""
    return calls > RECHECK_AFTER_CALLS
