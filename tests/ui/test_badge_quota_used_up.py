"""The token badge with today's quota used up: it was green ("Token valid · 0 calls left
today") while the service refused every resolve and download. It warns now, in the
warning tone and glyph, and is green again once calls are left. Against the demo
service over loopback."""

from __future__ import annotations

import pytest

from tcb_gui.demo.samples import PROD
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DemoConfig, DemoState
from tcb_gui.ui.icons import Glyph
from tcb_gui.ui.palette import Tone
from tests.ui.conftest import WindowFactory, demo_window

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only


async def test_no_calls_left_today_is_a_warning(make_window: WindowFactory) -> None:
    state = DemoState(DemoConfig(daily_limit=1_000, used_at_start=1_000))
    with DemoServer(state) as server:
        window = await demo_window(make_window, server)
        badge = window.tokens.panel.badge
        assert "· 0 calls left today" in badge.text
        assert badge.tone is Tone.WARNING
        assert badge.glyph is Glyph.WARNING


async def test_the_run_that_uses_the_last_calls_turns_it_to_a_warning(
    make_window: WindowFactory,
) -> None:
    state = DemoState(DemoConfig(daily_limit=1_000, used_at_start=999))  # one call left
    with DemoServer(state) as server:
        window = await demo_window(make_window, server)
        badge = window.tokens.panel.badge
        assert "· 1 call left today" in badge.text  # one, not "1 calls"
        assert badge.tone is Tone.SUCCESS
        assert badge.glyph is Glyph.OK
        await window.ids.add_text(PROD.fileid("gen/size-1K/last.bin"))
        await window.resolver.resolve_rows()
        assert window.model.counts().ok == 1
        assert "· ~0 calls left today" in badge.text
        assert badge.tone is Tone.WARNING
