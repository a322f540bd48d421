"""The token badge's quota after runs (ui.token_presenter over core.quota_gauge), against
the demo service over loopback: after a resolve or a download it says the last check less
the link calls made since, as an estimate with that check's time; a run of many calls
ends with one quota/get (the service's word, calls from elsewhere included); nothing is
carried over WeChat's midnight."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tcb_gui.core import quota_gauge
from tcb_gui.core.downloads import DownloadOptions
from tcb_gui.demo.samples import PROD
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DemoConfig, DemoState
from tcb_gui.ui import task_names
from tcb_gui.ui.main_window import MainWindow
from tests.ui.conftest import WindowFactory, demo_window, wait_until

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only

BATCH_API = "componenttcb/batchdownloadfile"


async def window_with_ids(make_window: WindowFactory, server: DemoServer, n: int) -> MainWindow:
    window = await demo_window(make_window, server)
    ids = [PROD.fileid(f"gen/size-1K/qb-{i:05d}.bin") for i in range(n)]
    await window.ids.add_text("\n".join(ids))
    return window


def quota_asked(state: DemoState) -> int:
    return state.stats.requests.get("quota/get", 0)


async def test_after_a_resolve_the_badge_says_what_is_left_as_an_estimate(
    make_window: WindowFactory,
) -> None:
    """The operator's report, smaller: 500 IDs are 10 calls; the badge no longer says
    what it said before them, and F5 then confirms its number."""
    state = DemoState(DemoConfig())
    with DemoServer(state) as server:
        window = await window_with_ids(make_window, server, 500)
        badge = window.tokens.panel.badge
        assert "· 1,000,000 calls left today ·" in badge.text
        checked_at = badge.info.checked_at
        assert checked_at is not None
        asked = quota_asked(state)
        await window.resolver.resolve_rows()
        assert window.model.counts().ok == 500
        assert state.stats.requests[BATCH_API] == 10
        assert "· ~999,990 calls left today ·" in badge.text
        tip = badge.toolTip()
        assert "Quota today: about 10 of 1,000,000 used, 999,990 left" in tip
        when = checked_at.astimezone().strftime("%H:%M:%S")
        assert f"Estimated: the check at {when} less the 10 link calls made here since." in tip
        assert "not counted" in tip  # what it cannot see
        assert quota_asked(state) == asked  # a small run: no call to say it
        # F5: the service's own word is the estimate, and no longer marked as one.
        await window.tokens.check_token()
        assert "· 999,990 calls left today ·" in badge.text
        assert "about" not in badge.toolTip()


async def test_a_run_of_many_calls_ends_with_the_services_word(
    make_window: WindowFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over RECHECK_AFTER_CALLS calls (200; 5 here, not to make 10,000 IDs) one quota/get
    follows the run: calls made elsewhere meanwhile show up, which no estimate can see."""
    monkeypatch.setattr(quota_gauge, "RECHECK_AFTER_CALLS", 5)
    state = DemoState(DemoConfig())
    with DemoServer(state) as server:
        window = await window_with_ids(make_window, server, 500)
        badge = window.tokens.panel.badge
        asked = quota_asked(state)
        state.used += 1_000  # a production server using the same account meanwhile
        await window.resolver.resolve_rows()
        assert state.stats.requests[BATCH_API] == 10
        await wait_until(lambda: quota_asked(state) == asked + 1, 10)
        await wait_until(lambda: "· 998,990 calls left today ·" in badge.text, 10)
        assert "about" not in badge.toolTip()
        assert not window.tasks.running(task_names.CHECK_TOKEN)


async def test_a_downloads_link_calls_count_too(make_window: WindowFactory, tmp_path: Path) -> None:
    state = DemoState(DemoConfig())
    with DemoServer(state) as server:
        window = await window_with_ids(make_window, server, 100)  # no links yet: 2 calls
        badge = window.tokens.panel.badge
        rows = window.downloads.rows_to_download()[0]
        summary = await window.downloads.download_rows(rows, DownloadOptions(dest=tmp_path))
        assert summary is not None
        assert summary.downloaded == 100
        assert state.stats.requests[BATCH_API] == 2
        assert "· ~999,998 calls left today ·" in badge.text


async def test_after_midnight_in_beijing_yesterdays_count_is_not_shown(
    make_window: WindowFactory,
) -> None:
    state = DemoState(DemoConfig(daily_limit=10_000, used_at_start=9_000))
    with DemoServer(state) as server:
        window = await window_with_ids(make_window, server, 50)
        badge = window.tokens.panel.badge
        await window.resolver.resolve_rows()
        assert "· ~999 calls left today ·" in badge.text
        checked_at = badge.info.checked_at
        assert checked_at is not None
        # The next day in Beijing (a window left open overnight): the tick shows it.
        tomorrow = datetime.now(quota_gauge.QUOTA_TIMEZONE).replace(
            hour=0, minute=0, second=1
        ) + timedelta(days=1)
        window.tokens.gauge.clock = lambda: tomorrow.astimezone(UTC)
        window.tokens.tick()
        assert "calls left today" not in badge.text
        assert badge.text.startswith("Token valid · ~")  # the token itself still valid
        tip = badge.toolTip()
        assert "Today's quota: not checked yet" in tip
        assert "midnight (Beijing time)" in tip
        assert checked_at.astimezone().strftime("%Y-%m-%d %H:%M") in tip
        assert "999" not in tip


async def test_check_connection_hands_its_quota_to_the_badge(make_window: WindowFactory) -> None:
    """Check connection… asks quota/get as well: the badge takes its numbers, so the two
    say the same (it kept its estimate until F5 before)."""
    state = DemoState(DemoConfig())
    with DemoServer(state) as server:
        window = await window_with_ids(make_window, server, 500)
        badge = window.tokens.panel.badge
        await window.resolver.resolve_rows()
        assert "· ~999,990 calls left today ·" in badge.text
        state.used += 7  # calls made elsewhere with the account: the badge cannot see
        asked = quota_asked(state)
        dialog = await window._open_doctor()
        await wait_until(lambda: not dialog.running and dialog.checks, 10)
        assert quota_asked(state) == asked + 1
        quota_line = dialog.list.item(dialog.list.count() - 2).text()
        assert "999,983" in quota_line
        assert "· 999,983 calls left today ·" in badge.text
        assert "about" not in badge.toolTip()
        dialog.close()
