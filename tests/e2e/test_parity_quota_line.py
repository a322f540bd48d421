"""After a run both faces say what is left of today's quota, in the same words from the same
core code (``core.quota_gauge``): the window's badge "~N calls left today", and one line
on the command line's stderr after ``resolve`` and ``download`` when a reading exists —
the run's own quota/get, or the one ``token check``, ``doctor`` or an earlier run kept
for the profile today. Never a call just for this line; stdout stays the links alone.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tcb_gui.core.client import Quota
from tcb_gui.core.errors import TokenState
from tcb_gui.core.quota import PREVIEW_THRESHOLD_CALLS
from tcb_gui.core.quota_gauge import QuotaReading, calls_left_words
from tcb_gui.demo import samples
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DEMO_TOKEN
from tcb_gui.ui.token_badge import BadgeInfo, TokenBadge
from tests.e2e.cli_helpers import TOKEN_ENV, id_lines, run_cli, serve
from tests.e2e.test_parity import run_on_qt_loop, window_for

PER_REQUEST = 50
BATCH_API = "componenttcb/batchdownloadfile"
SMALL = [samples.PROD.fileid(f"gen/{n:05d}.jpg") for n in range(120)]  # 3 link calls
# Requests a resolve of SMALL has in flight at most: one per batch.
IN_FLIGHT = 3


def resolve(server: DemoServer, ids: list[str]) -> tuple[int, str, str]:
    run = run_cli(
        ["resolve", "--base-url", server.base_url, "--format", "urls"], stdin=id_lines(ids)
    )
    return run.code, run.stdout, run.stderr


def last_line(text: str) -> str:
    return text.rstrip("\n").rsplit("\n", 1)[-1]


def test_a_run_after_token_check_ends_with_the_estimate_on_stderr() -> None:
    with serve(daily_limit=1_000, used_at_start=100) as server:
        check = run_cli(["token", "check", "--base-url", server.base_url])
        assert check.code == 0, check.printed
        code, stdout, stderr = resolve(server, SMALL)
        second = resolve(server, SMALL)
        stats = server.state.stats
    assert code == 0, stderr
    assert last_line(stderr) == "~897 calls left today"  # 900 at the check, less 3 calls
    assert "calls left" not in stdout
    assert len(stdout.splitlines()) == len(SMALL)  # only the links
    # The next run counts on from where this one ended, not from the check.
    assert last_line(second[2]) == "~894 calls left today"
    assert stats.requests["quota/get"] == 1  # the token check's: none for the line


def test_without_a_reading_nothing_is_said_and_nothing_asked(demo_server: DemoServer) -> None:
    code, _stdout, stderr = resolve(demo_server, SMALL)
    assert code == 0, stderr
    assert "calls left today" not in stderr
    assert demo_server.state.stats.requests.get("quota/get", 0) == 0


def test_a_big_run_counts_from_its_own_quota_get() -> None:
    ids = [samples.PROD.fileid(f"gen/big/{n:05d}.txt") for n in range(10_050)]  # 201 calls
    assert len(ids) == (PREVIEW_THRESHOLD_CALLS + 1) * PER_REQUEST
    with serve(daily_limit=1_000) as server:
        code, _stdout, stderr = resolve(server, ids)
        stats = server.state.stats
    assert code == 0, stderr
    assert "This run needs 201 calls; 1,000 remain today.\n" in stderr
    assert last_line(stderr) == "~799 calls left today"
    assert stats.requests["quota/get"] == 1
    assert stats.requests[BATCH_API] == 201


def test_download_says_it_too_after_doctor_kept_a_reading(tmp_path: Path) -> None:
    with serve(daily_limit=1_000, used_at_start=10) as server:
        doctor = run_cli(["doctor", "--base-url", server.base_url])
        assert "990 of 1,000 calls left today" in doctor.stdout, doctor.printed
        run = run_cli(
            ["download", "--base-url", server.base_url, "--dest", str(tmp_path / "files")],
            stdin=id_lines(SMALL[:60]),
        )
        calls = server.state.stats.requests[BATCH_API]
    assert run.code == 0, run.stderr
    assert last_line(run.stderr) == f"~{990 - calls:,} calls left today"


def test_a_refused_token_leaves_the_reading_to_count_on(tmp_path: Path) -> None:
    """A run stopped by the token still made its calls: they are counted, and said."""
    with serve(daily_limit=1_000) as server:
        run_cli(["token", "check", "--base-url", server.base_url])
        run = run_cli(
            ["resolve", "--base-url", server.base_url], stdin=id_lines(SMALL), token="nope"
        )
        calls = server.state.stats.requests.get(BATCH_API, 0)
    assert run.code == 3
    line = last_line(run.stderr)
    match = re.fullmatch(r"~([\d,]+) calls left today", line)
    assert match is not None, line
    left = int(match[1].replace(",", ""))
    # Every call that may have reached the service counts; a request cancelled by the
    # stop may never have arrived, so the estimate may be lower, never higher.
    assert 1_000 - calls - IN_FLIGHT <= left <= 1_000 - calls


def test_the_window_badge_says_the_same_words(qapp) -> None:
    badge = TokenBadge()
    at = datetime(2026, 12, 5, 8, 17, 5, tzinfo=UTC)
    quota = Quota(daily_limit=1_000_000, used=0, remain=1_000_000)
    for reading in (QuotaReading(quota, at), QuotaReading(quota, at, calls_since=2_000)):
        info = BadgeInfo(
            TokenState.VALID, quota=reading.quota, checked_at=at, quota_reading=reading
        )
        badge.set_info(info)
        assert badge._calls_left(info) == calls_left_words(reading)


def badge_after_check_and_resolve(qapp, server: DemoServer) -> str:
    """The window's badge after a token check and a resolve of SMALL on ``server``."""

    async def flow() -> str:
        window = window_for(server)
        try:
            await window.tokens.check_token()
            await window.ids.add_text("\n".join(SMALL))
            await window.resolver.resolve_rows()
            window.tokens.show_quota()
            return window.tokens.panel.badge.text
        finally:
            await window.aclose()
            window.deleteLater()

    return run_on_qt_loop(qapp, flow)


def test_the_window_and_the_command_line_say_the_same_after_the_same_run(
    qapp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A check, then a resolve of the same list on the same service: the badge and the
    command line's last line say the same number in the same words."""
    with serve(daily_limit=1_000, used_at_start=100) as server:
        run_cli(["token", "check", "--base-url", server.base_url])
        _code, _stdout, stderr = resolve(server, SMALL)
    cli_line = last_line(stderr)

    monkeypatch.setenv(TOKEN_ENV, DEMO_TOKEN)
    with serve(daily_limit=1_000, used_at_start=100) as server:
        badge = badge_after_check_and_resolve(qapp, server)
    assert cli_line == "~897 calls left today"
    assert cli_line in badge, badge


def test_the_command_line_counts_on_from_the_windows_last_reading(
    qapp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The window keeps its readings for the profile as the command line does: a check and
    a resolve in the window, then a resolve on the command line, which ends counting on
    from where the window's badge was (no quota/get of its own)."""
    monkeypatch.setenv(TOKEN_ENV, DEMO_TOKEN)
    with serve(daily_limit=1_000, used_at_start=100) as server:
        badge = badge_after_check_and_resolve(qapp, server)
        _code, _stdout, stderr = resolve(server, SMALL)
        asked = server.state.stats.requests["quota/get"]
    assert "~897 calls left today" in badge, badge
    assert last_line(stderr) == "~894 calls left today"
    assert asked == 1  # the window's check: none for the command line's line
