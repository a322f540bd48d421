"""After a run stopped for the account (today's quota, the IP allowlist), its "Not
resolved: …" rows are Retry failed's (Ctrl+R) once the operator has fixed the cause:
they were never asked for. Ctrl+R refused them as files that "failed themselves" and
Ctrl+Return sent the operator back to Ctrl+R, a loop only the row menu's Resolve again
broke. Only the service's last word on a file (not found, an environment it does not
know) is left alone, core's rule (``errors.answered_for_good``), and the refusal names
the menu item that exists."""

from __future__ import annotations

import pytest

from tcb_gui.demo.samples import PROD
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DemoConfig, DemoState
from tcb_gui.ui import task_names
from tcb_gui.ui.main_window import MainWindow
from tcb_gui.ui.results_model import RowState
from tests.ui.conftest import WindowFactory, wait_until
from tests.ui.test_downloads_window import env_token_window, keys, text_of

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only

UNKNOWN = "cloud://nosuch-env-9z.nosuch-bucket/gen/size-4K/elsewhere.bin"


def status(window: MainWindow) -> str:
    return window.message_label.text()


async def retry_failed(window: MainWindow) -> None:
    """Ctrl+R, and the resolve it starts, to its end."""
    window.act_retry.trigger()
    await wait_until(lambda: not window.tasks.running(task_names.RESOLVE), 20)


async def test_rows_a_quota_stop_left_are_resolved_by_ctrl_r_once_it_resets(
    make_window: WindowFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = DemoState(DemoConfig(daily_limit=1))  # one call of two, then 45009
    with DemoServer(state) as server:
        window = await env_token_window(make_window, server, monkeypatch)
        await window.ids.add_text(text_of(keys(100, "4K", "quota")))
        await window.resolver.resolve_rows()
        counts = window.model.counts()
        assert (counts.ok, counts.failed) == (50, 50)
        state.used = 0  # the next day
        await retry_failed(window)
        assert window.model.counts().ok == 100


async def test_rows_an_ip_allowlist_stop_left_are_resolved_once_it_is_fixed(
    make_window: WindowFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = DemoState(DemoConfig(deny_ip=True))
    with DemoServer(state) as server:
        window = await env_token_window(make_window, server, monkeypatch)
        await window.ids.add_text(text_of(keys(3, "4K", "ip")))
        await window.resolver.resolve_rows()
        assert window.model.counts().failed == 3
        state.ip_allowlisted = state.api_ip_allowlisted = True
        # Ctrl+Return names Ctrl+R, and Ctrl+R takes the rows.
        await window.resolver.resolve_rows()
        assert "Retry failed (Ctrl+R) asks again for the failures." in status(window)
        await retry_failed(window)
        assert window.model.counts().ok == 3


async def test_the_services_last_word_is_left_alone_and_the_words_name_resolve_again(
    make_window: WindowFactory, demo_server: DemoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = await env_token_window(make_window, demo_server, monkeypatch)
    await window.ids.add_text(UNKNOWN + "\n" + PROD.fileid("no/such/file.bin"))
    await window.resolver.resolve_rows()
    assert window.model.counts().failed == 2
    asked = demo_server.state.stats.requests.copy()
    window.resolver.request_retry_failed()
    assert not window.tasks.running(task_names.RESOLVE)
    assert demo_server.state.stats.requests == asked
    refusal = status(window)
    assert "Resolve again in the row's menu asks anyway." in refusal
    assert "Retry in the row's menu" not in refusal
    # Ctrl+Return does not send the operator to a Ctrl+R that would take nothing.
    await window.resolver.resolve_rows()
    assert "Ctrl+R" not in status(window)
    assert "Resolve again in the row's menu" in status(window)
    assert len(window.model.rows_in(RowState.FAILED)) == 2
