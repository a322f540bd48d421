"""The status line at the end of a resolve says the run's outcome, in words that agree
with its numbers: "Done: 1 link, 0 failed." (it said "1 links"), and after a run the
quota stopped "Stopped: 100 links, 0 failed, 10,000 not resolved." — it kept the line the
run started with, "This run needs 202 calls; 2 remain today.", as if nothing had
happened since. Against the demo service over loopback."""

from __future__ import annotations

import pytest

from tcb_gui.core.quota import QuotaPreview
from tcb_gui.demo.samples import PROD
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DEMO_TOKEN, DemoConfig, DemoState
from tcb_gui.ui.main_window import MainWindow
from tcb_gui.ui.resolve_presenter import BANNER
from tests.ui.conftest import WindowFactory, demo_window

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only

COUNT = 10_100  # 202 link calls: over the 200 the quota preview starts at


def status(window: MainWindow) -> str:
    return window.message_label.text()


async def test_one_link_is_one_link(make_window: WindowFactory, demo_server: DemoServer) -> None:
    window = await demo_window(make_window, demo_server)
    await window.ids.add_text(PROD.fileid("gen/size-1K/one.bin"))
    finished: list[str] = []
    window.resolver.finished.connect(lambda _seconds, text: finished.append(text))

    await window.resolver.resolve_rows()

    assert status(window) == "Done: 1 link, 0 failed."
    assert finished == ["Done: 1 link, 0 failed."]


async def test_a_run_the_quota_stopped_says_how_it_ended(make_window: WindowFactory) -> None:
    state = DemoState(DemoConfig(daily_limit=1_000, used_at_start=998))  # 2 calls remain
    with DemoServer(state) as server:
        window = await demo_window(make_window, server)
        ids = [PROD.fileid(f"gen/size-1K/rq-{n:05d}.bin") for n in range(COUNT)]
        await window.ids.add_text("\n".join(ids))
        asked: list[str] = []

        async def start_anyway(_preview: QuotaPreview) -> bool:
            asked.append(status(window))
            return True

        window.resolver._confirm_quota = start_anyway

        await window.resolver.resolve_rows()

        assert asked == ["This run needs 202 calls; 2 remain today."]
        counts = window.model.counts()
        assert (counts.ok, counts.failed) == (100, 10_000)
        assert status(window) == "Stopped: 100 links, 0 failed, 10,000 not resolved."
        banner = window.banners.banner(BANNER)
        assert banner is not None
        assert not banner.isHidden()  # why it stopped


async def test_a_run_a_token_error_paused_says_how_many_wait(make_window: WindowFactory) -> None:
    state = DemoState(DemoConfig())
    with DemoServer(state) as server:
        window = await demo_window(make_window, server)
        await window.ids.add_text(
            "\n".join(PROD.fileid(f"gen/size-1K/tq-{n}.bin") for n in range(3))
        )
        window.message_label.setText("This run needs 202 calls; 2 remain today.")  # as before it
        state.expire_token(DEMO_TOKEN)

        await window.resolver.resolve_rows()

        assert window.model.counts().paused == 3
        assert status(window) == "Paused: 0 links, 0 failed, 3 waiting."
