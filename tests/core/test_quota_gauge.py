"""Today's quota between checks (core.quota_gauge): the last quota/get less the link calls
made since, counted from the trace hub — every attempt the service may have received,
whatever its answer, none that never left — and nothing carried over WeChat's midnight
(UTC+8)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tcb_gui.core.client import ApiMode, Quota, RetryPolicy, TcbClient, TokenCheck
from tcb_gui.core.errors import ServiceError, TokenState
from tcb_gui.core.fileids import FileId, parse_fileid
from tcb_gui.core.netmessages import describe_transport_error
from tcb_gui.core.quota import PREVIEW_THRESHOLD_CALLS, QuotaPreview, preview_quota
from tcb_gui.core.quota_gauge import (
    QUOTA_TIMEZONE,
    RECHECK_AFTER_CALLS,
    QuotaGauge,
    QuotaPlace,
    QuotaReading,
    RunQuota,
    calls_left_words,
    is_link_call,
    quota_day,
    record_reading,
    recorded_reading,
    worth_rechecking,
)
from tcb_gui.core.service_modes import QUOTA_PATH
from tcb_gui.core.trace import CallKind, Outcome, TraceEvent, TraceHub
from tcb_gui.demo import samples
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DEMO_TOKEN, DemoConfig, DemoState

COMPONENT = ApiMode.COMPONENT.cgi_path
TCB = ApiMode.TCB.cgi_path
CHECKED_AT = datetime(2026, 12, 5, 8, 17, 5, tzinfo=UTC)  # 16:17:05 in Beijing
QUOTA = Quota(daily_limit=1_000_000, used=0, remain=1_000_000)


def valid(quota: Quota = QUOTA, at: datetime = CHECKED_AT) -> TokenCheck:
    return TokenCheck(TokenState.VALID, "ok", at, quota, 0)


def call(
    at: datetime = CHECKED_AT + timedelta(seconds=1), endpoint: str = COMPONENT, **changes: object
) -> TraceEvent:
    fields: dict[str, object] = {
        "time": at.timestamp(),
        "kind": CallKind.API,
        "method": "POST",
        "endpoint": endpoint,
        "url": f"https://api.weixin.qq.com{endpoint}",
        "attempt": 1,
        "outcome": Outcome.OK,
        "duration_ms": 40.0,
        "http_status": 200,
        "errcode": 0,
    }
    fields.update(changes)
    return TraceEvent(**fields)  # type: ignore[arg-type]


def gauge_at(now: datetime) -> QuotaGauge:
    return QuotaGauge(clock=lambda: now)


# --- which calls count -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"attempt": 2, "outcome": Outcome.RETRY, "http_status": 502, "errcode": None},
        {"outcome": Outcome.STOP, "errcode": 45009, "errmsg": "reach max api daily quota limit"},
        {"outcome": Outcome.RENEW_TOKEN, "errcode": 40001, "errmsg": "invalid credential"},
        {"outcome": Outcome.FAILED, "errcode": 40097, "errmsg": "invalid args"},
        # Sent, then no answer: the service may have counted it.
        {
            "outcome": Outcome.RETRY,
            "http_status": None,
            "errcode": None,
            "errmsg": describe_transport_error(httpx.ReadTimeout("")),
        },
        {
            "outcome": Outcome.RETRY,
            "http_status": None,
            "errcode": None,
            "errmsg": describe_transport_error(httpx.RemoteProtocolError("")),
        },
        {"outcome": Outcome.FAILED, "http_status": None, "errcode": None, "errmsg": "cancelled"},
    ],
    ids=["ok", "http-502", "45009", "token-refused", "40097", "read-timeout", "cut", "cancelled"],
)
def test_every_link_call_the_service_may_have_received_counts(changes: dict) -> None:
    assert is_link_call(call(**changes))


@pytest.mark.parametrize(
    "event",
    [
        call(endpoint=QUOTA_PATH),  # the check itself: another API, another quota
        call(kind=CallKind.TOKEN, endpoint="/cgi-bin/stable_token"),
        call(kind=CallKind.FILE, endpoint="/download/x"),
        *(
            call(
                outcome=Outcome.RETRY,
                http_status=None,
                errcode=None,
                errmsg=describe_transport_error(error),
            )
            for error in (
                httpx.ConnectError("refused"),
                httpx.ConnectTimeout(""),
                httpx.PoolTimeout(""),
            )
        ),
    ],
    ids=["quota-get", "stable-token", "file", "could-not-connect", "connect-timeout", "pool"],
)
def test_what_is_no_link_call_or_never_left_is_not_counted(event: TraceEvent) -> None:
    assert not is_link_call(event)


def test_the_estimate_is_the_check_less_the_calls_on_its_path_since_it_was_asked() -> None:
    gauge = gauge_at(CHECKED_AT + timedelta(minutes=5))
    gauge(call(at=CHECKED_AT - timedelta(seconds=30)))  # before the check: in its numbers
    assert gauge.reading() is None  # nothing checked yet
    asked = CHECKED_AT - timedelta(seconds=1)
    gauge.checked(valid(Quota(1_000_000, 250, 999_750)), asked, COMPONENT)
    for _ in range(2_000):
        gauge(call())
    gauge(call(endpoint=TCB))  # the other API's quota
    gauge(call(endpoint=QUOTA_PATH))
    reading = gauge.reading()
    assert reading is not None
    assert reading.calls_since == 2_000
    assert reading.estimated
    assert not reading.stale
    assert reading.quota == Quota(1_000_000, 2_250, 997_750)
    assert reading.checked_at == CHECKED_AT
    assert gauge.calls == 2_002  # every link call seen, for a run to count its own


def test_a_fresh_check_starts_over_and_a_check_without_numbers_forgets() -> None:
    gauge = gauge_at(CHECKED_AT)
    gauge.checked(valid(), CHECKED_AT, COMPONENT)
    gauge(call())
    gauge.checked(valid(Quota(1_000_000, 1, 999_999)), CHECKED_AT, COMPONENT)
    reading = gauge.reading()
    assert reading == QuotaReading(Quota(1_000_000, 1, 999_999), CHECKED_AT, 0, False)
    assert not reading.estimated
    assert reading.quota == reading.checked
    gauge.checked(TokenCheck(TokenState.EXPIRED, "expired", CHECKED_AT), CHECKED_AT, COMPONENT)
    assert gauge.reading() is None
    gauge.checked(valid(), CHECKED_AT, COMPONENT)
    gauge.checked(TokenCheck(TokenState.VALID, "ok", CHECKED_AT, None), CHECKED_AT, COMPONENT)
    assert gauge.reading() is None  # valid, but no number: none shown


def test_the_estimate_stops_at_nothing_left() -> None:
    reading = QuotaReading(Quota(500, 498, 2), CHECKED_AT, calls_since=7)
    assert reading.quota == Quota(500, 500, 0)


def test_a_link_call_refused_for_the_quota_means_nothing_is_left() -> None:
    """The service's 45009 is its own word, newer than the check: the badge (and the
    command line's last line) says 0 left, not the check less the calls made here."""
    gauge = gauge_at(CHECKED_AT + timedelta(minutes=5))
    gauge.checked(valid(Quota(1_000_000, 100, 999_900)), CHECKED_AT, COMPONENT)
    for _ in range(20):
        gauge(call())
    refused_at = CHECKED_AT + timedelta(seconds=30)
    gauge(call(at=refused_at, outcome=Outcome.STOP, errcode=45009, errmsg="quota limit"))
    gauge(call(at=refused_at + timedelta(seconds=1), outcome=Outcome.STOP, errcode=45009))
    reading = gauge.reading()
    assert reading is not None
    assert reading.quota == Quota(1_000_000, 1_000_000, 0)
    assert not reading.estimated
    assert reading.checked_at == refused_at + timedelta(seconds=1)  # the latest word
    assert calls_left_words(reading) == "0 calls left today"
    assert gauge.calls == 22


def test_calls_after_a_quota_refusal_leave_nothing_left_as_the_services_word() -> None:
    """Calls already in flight when the 45009 came (cancelled, or refused in turn) cannot
    make "0 calls left today" an estimate: nothing is left until the quota day ends."""
    gauge = gauge_at(CHECKED_AT + timedelta(minutes=5))
    gauge.checked(valid(Quota(1_000_000, 100, 999_900)), CHECKED_AT, COMPONENT)
    refused_at = CHECKED_AT + timedelta(seconds=30)
    gauge(call(at=refused_at, outcome=Outcome.STOP, errcode=45009, errmsg="quota limit"))
    later = refused_at + timedelta(seconds=1)
    for _ in range(3):
        gauge(
            call(
                at=later, outcome=Outcome.FAILED, http_status=None, errcode=None, errmsg="cancelled"
            )
        )
    reading = gauge.reading()
    assert reading is not None
    assert reading.calls_since == 3
    assert reading.quota == Quota(1_000_000, 1_000_000, 0)
    assert not reading.estimated
    assert calls_left_words(reading) == "0 calls left today"
    # A check that still leaves some counts the calls down as before: an estimate.
    assert QuotaReading(Quota(500, 499, 1), CHECKED_AT, calls_since=3).estimated


def test_a_quota_refusal_on_another_path_or_before_the_check_changes_nothing() -> None:
    gauge = gauge_at(CHECKED_AT + timedelta(minutes=5))
    gauge.checked(valid(), CHECKED_AT, COMPONENT)
    gauge(call(endpoint=TCB, errcode=45009, outcome=Outcome.STOP))
    gauge(call(at=CHECKED_AT - timedelta(seconds=5), errcode=45009, outcome=Outcome.STOP))
    reading = gauge.reading()
    assert reading is not None
    assert reading.quota == QUOTA


# --- the day ---------------------------------------------------------------------------------


def test_the_quota_day_is_beijings_not_utcs_nor_the_machines() -> None:
    assert QUOTA_TIMEZONE.utcoffset(None) == timedelta(hours=8)
    # 15:59 UTC is 23:59 in Beijing; 16:00 UTC is the next day there.
    assert quota_day(datetime(2026, 12, 5, 15, 59, tzinfo=UTC)).day == 5
    assert quota_day(datetime(2026, 12, 5, 16, 0, tzinfo=UTC)).day == 6


@pytest.mark.parametrize(
    ("checked_at", "now", "stale"),
    [
        # Same UTC date, but Beijing's midnight between them: yesterday's count.
        (
            datetime(2026, 12, 5, 15, 0, tzinfo=UTC),
            datetime(2026, 12, 5, 16, 0, 1, tzinfo=UTC),
            True,
        ),
        # Different UTC dates, the same day in Beijing: the count stands.
        (datetime(2026, 12, 5, 16, 30, tzinfo=UTC), datetime(2026, 12, 6, 1, 0, tzinfo=UTC), False),
        (CHECKED_AT, CHECKED_AT + timedelta(days=1), True),
    ],
    ids=["midnight-in-beijing", "midnight-in-utc-only", "a-day-later"],
)
def test_a_check_from_before_midnight_in_beijing_gives_no_number_today(
    checked_at: datetime, now: datetime, stale: bool
) -> None:
    gauge = gauge_at(now)
    gauge.checked(valid(Quota(1_000_000, 998_000, 2_000), checked_at), checked_at, COMPONENT)
    gauge(call(at=checked_at + timedelta(seconds=1)))
    reading = gauge.reading()
    assert reading is not None
    assert reading.stale is stale
    if stale:
        assert reading.quota is None  # not yesterday's 1,999 left, nor a reset guessed
        assert not reading.estimated
    else:
        assert reading.quota == Quota(1_000_000, 998_001, 1_999)


def test_a_run_is_rechecked_after_as_many_calls_as_it_is_previewed_before() -> None:
    assert RECHECK_AFTER_CALLS == PREVIEW_THRESHOLD_CALLS
    assert not worth_rechecking(RECHECK_AFTER_CALLS)
    assert worth_rechecking(RECHECK_AFTER_CALLS + 1)


# --- against the demo service ------------------------------------------------------------------


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def fids(count: int) -> list[FileId]:
    return [parse_fileid(samples.PROD.fileid(f"gen/qg/{n:05d}.txt")) for n in range(count)]


async def test_after_a_run_the_estimate_is_what_quota_get_then_says(
    http: httpx.AsyncClient,
) -> None:
    """The operator's case, smaller: the badge's number after a resolve is the service's."""
    hub = TraceHub()
    gauge = QuotaGauge()
    hub.add(gauge)
    with DemoServer(DemoState(DemoConfig(used_at_start=1_000))) as server:
        client = TcbClient(http, DEMO_TOKEN, base_url=server.base_url, trace=hub)
        asked = datetime.now(UTC)
        gauge.checked(await client.check_token(), asked, client.api.cgi_path)
        results = await client.resolve_all(fids(2_000))
        assert all(r.ok for r in results)
        reading = gauge.reading()
        after = await client.check_token()
    assert reading is not None
    assert reading.estimated
    assert reading.calls_since == 40
    assert reading.quota == after.quota == Quota(1_000_000, 1_040, 998_960)


async def test_with_failures_the_estimate_never_says_more_than_the_service(
    http: httpx.AsyncClient,
) -> None:
    """Retries count: those the service counted (slow, cut answers) and those it may not
    have (a dropped connection, a 502 page). Less left than it says, never more."""
    hub = TraceHub()
    gauge = QuotaGauge()
    hub.add(gauge)
    config = DemoConfig(fault_rate=0.3, seed=11, slow_seconds=0.05)
    with DemoServer(DemoState(config)) as server:
        client = TcbClient(
            http,
            DEMO_TOKEN,
            base_url=server.base_url,
            trace=hub,
            retry=RetryPolicy(base_delay=0.01, max_delay=0.05),
        )
        gauge.checked(
            TokenCheck(TokenState.VALID, "ok", datetime.now(UTC), Quota(1_000_000, 0, 1_000_000)),
            datetime.now(UTC),
            client.api.cgi_path,
        )
        await client.resolve_all(fids(1_000))
        seen = server.state.stats.requests["componenttcb/batchdownloadfile"]
        counted_by_service = server.state.used
    reading = gauge.reading()
    assert reading is not None
    assert reading.quota is not None
    assert reading.calls_since == seen > 20  # every attempt that reached it
    assert counted_by_service < seen  # some faults were never counted there
    assert reading.quota.remain <= 1_000_000 - counted_by_service


async def test_calls_that_could_not_connect_are_not_counted() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    hub = TraceHub()
    gauge = QuotaGauge()
    events: list[TraceEvent] = []
    hub.add(gauge)
    hub.add(events.append)
    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as http:
        client = TcbClient(
            http,
            DEMO_TOKEN,
            base_url="http://127.0.0.1:9",
            trace=hub,
            retry=RetryPolicy(base_delay=0.01, max_delay=0.02),
            give_up_after=0.3,
        )
        gauge.checked(valid(at=datetime.now(UTC)), datetime.now(UTC), client.api.cgi_path)
        with pytest.raises(ServiceError, match="could not connect"):
            await client.resolve_all(fids(60))
    assert len([e for e in events if e.endpoint == COMPONENT]) >= 2  # tried, traced
    assert gauge.calls == 0
    reading = gauge.reading()
    assert reading is not None
    assert reading.quota == QUOTA


async def test_the_preview_before_a_big_run_keeps_the_check_it_asked(
    http: httpx.AsyncClient,
) -> None:
    with DemoServer(DemoState(DemoConfig(used_at_start=5))) as server:
        client = TcbClient(http, DEMO_TOKEN, base_url=server.base_url)
        preview = await preview_quota(client, fids(PREVIEW_THRESHOLD_CALLS * 50 + 1))
    assert preview is not None
    assert preview.check is not None
    assert preview.check.quota == Quota(1_000_000, 5, 999_995)
    assert preview.remain == 999_995


# --- the same words in both faces, and the reading kept between command-line runs ---------

HOME_PLACE = QuotaPlace("default", "https://api.weixin.qq.com", COMPONENT)


def test_the_words_are_the_badges() -> None:
    """ "998,000 calls left today" for the service's own number, "~…" for an estimate,
    nothing for yesterday's reading or none."""
    assert calls_left_words(QuotaReading(QUOTA, CHECKED_AT)) == "1,000,000 calls left today"
    estimate = QuotaReading(QUOTA, CHECKED_AT, calls_since=2_000)
    assert calls_left_words(estimate) == "~998,000 calls left today"
    assert calls_left_words(QuotaReading(QUOTA, CHECKED_AT, 3, stale=True)) == ""
    assert calls_left_words(None) == ""


def test_a_kept_reading_comes_back_for_its_place_only_and_only_today(tmp_path: Path) -> None:
    file = tmp_path / "quota.json"
    reading = QuotaReading(QUOTA, CHECKED_AT, calls_since=12)
    record_reading(HOME_PLACE, reading, file=file, clock=lambda: CHECKED_AT)
    assert file.stat().st_mode & 0o777 == 0o600
    same_day = CHECKED_AT + timedelta(hours=7)  # 23:17 in Beijing
    assert recorded_reading(HOME_PLACE, file=file, clock=lambda: same_day) == reading
    for other in (
        QuotaPlace("work", HOME_PLACE.base_url, COMPONENT),
        QuotaPlace("default", "http://127.0.0.1:8765", COMPONENT),
        QuotaPlace("default", HOME_PLACE.base_url, TCB),
    ):
        assert recorded_reading(other, file=file, clock=lambda: same_day) is None
    next_day = CHECKED_AT + timedelta(hours=8)  # 00:17 in Beijing: the quota reset
    assert recorded_reading(HOME_PLACE, file=file, clock=lambda: next_day) is None


def test_keeping_a_reading_drops_yesterdays_and_keeps_the_other_places(tmp_path: Path) -> None:
    file = tmp_path / "quota.json"
    work = QuotaPlace("work", HOME_PLACE.base_url, COMPONENT)
    yesterday = CHECKED_AT - timedelta(days=1)
    record_reading(work, QuotaReading(QUOTA, yesterday), file=file, clock=lambda: yesterday)
    tcb = QuotaPlace("default", HOME_PLACE.base_url, TCB)
    record_reading(tcb, QuotaReading(QUOTA, CHECKED_AT), file=file, clock=lambda: CHECKED_AT)
    record_reading(HOME_PLACE, QuotaReading(QUOTA, CHECKED_AT), file=file, clock=lambda: CHECKED_AT)
    kept = json.loads(file.read_text("utf-8"))["readings"]
    assert [(r["profile"], r["path"]) for r in kept] == [("default", COMPONENT), ("default", TCB)]


@pytest.mark.parametrize(
    "content",
    [
        "",
        "not json",
        '{"version": 1, "readings": [{"profile": "default"}]}',
        '{"version": 9, "readings": []}',
        '{"version": 1, "readings": [{"profile": "default", "base_url": "https://api.weixin.'
        'qq.com", "path": "/componenttcb/batchdownloadfile", "daily_limit": 5, "used": -1, '
        '"remain": 5, "checked_at": "2026-12-05T08:17:05+00:00", "calls_since": 0}]}',
    ],
)
def test_a_damaged_record_gives_no_reading(tmp_path: Path, content: str) -> None:
    file = tmp_path / "quota.json"
    file.write_text(content, "utf-8")
    assert recorded_reading(HOME_PLACE, file=file, clock=lambda: CHECKED_AT) is None


def test_a_run_counts_on_from_the_kept_reading_and_keeps_where_it_ended(tmp_path: Path) -> None:
    """Each command-line run is a process of its own: the second run's estimate starts
    from what the first left, not from the check before both."""
    file = tmp_path / "quota.json"
    record_reading(
        HOME_PLACE, QuotaReading(QUOTA, CHECKED_AT, 3), file=file, clock=lambda: CHECKED_AT
    )
    now = CHECKED_AT + timedelta(minutes=5)
    hub = TraceHub()
    quota = RunQuota(HOME_PLACE, hub, file=file, clock=lambda: now)
    for _ in range(4):
        hub.emit(call(now + timedelta(seconds=1)))
    assert quota.finish() == "~999,993 calls left today"
    assert not hub.active  # the gauge stopped listening
    kept = recorded_reading(HOME_PLACE, file=file, clock=lambda: now)
    assert kept == QuotaReading(QUOTA, CHECKED_AT, 7)


def test_a_run_without_a_reading_says_nothing_and_keeps_nothing(tmp_path: Path) -> None:
    file = tmp_path / "quota.json"
    hub = TraceHub()
    quota = RunQuota(HOME_PLACE, hub, file=file, clock=lambda: CHECKED_AT)
    hub.emit(call())
    quota.preview(None, CHECKED_AT)  # a small run asks no quota/get
    assert quota.finish() == ""
    assert not file.exists()


def test_a_runs_own_quota_get_replaces_the_kept_reading(tmp_path: Path) -> None:
    file = tmp_path / "quota.json"
    record_reading(
        HOME_PLACE, QuotaReading(QUOTA, CHECKED_AT, 3), file=file, clock=lambda: CHECKED_AT
    )
    later = CHECKED_AT + timedelta(hours=1)
    hub = TraceHub()
    quota = RunQuota(HOME_PLACE, hub, file=file, clock=lambda: later)
    fresh = Quota(daily_limit=1_000, used=100, remain=900)
    preview = QuotaPreview(201, 900, 1_000, check=valid(fresh, later))
    quota.preview(preview, later)
    for _ in range(201):
        hub.emit(call(later + timedelta(seconds=1)))
    assert quota.finish() == "~699 calls left today"
