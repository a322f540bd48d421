"""A run asks its own profile's service with its own profile's token: the profile cannot
be switched while a download runs (as while a resolve runs), and a run that outlives a
switch anyway (Settings removing the profile in use) sends no other profile's token."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tcb_gui.core.settings import Profile, Settings
from tcb_gui.core.tokens import TokenInfo, TokenSource, TokenStore
from tcb_gui.demo.server import DemoServer
from tcb_gui.ui.session import Session
from tests.ui.conftest import WindowFactory
from tests.ui.test_downloads_window import demo_window, download, keys, text_of

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only


async def test_the_profile_cannot_be_switched_while_a_download_runs(
    make_window: WindowFactory, demo_server: DemoServer, tmp_path: Path
) -> None:
    window = await demo_window(make_window, demo_server)
    await window.ids.add_text(text_of(keys(2, "512K", "switch")))
    combo = window.token_panel.profile_combo
    assert combo.isEnabled()
    started = asyncio.Event()
    window.downloads.runningChanged.connect(lambda running: running and started.set())
    run = asyncio.ensure_future(download(window, tmp_path, limit_rate=1024 * 1024))
    await asyncio.wait_for(started.wait(), 10)
    assert not combo.isEnabled()
    summary = await asyncio.wait_for(run, 30)
    assert summary is not None
    assert summary.downloaded == 2
    assert combo.isEnabled()


def test_a_run_never_sends_another_profiles_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TCB_ACCESS_TOKEN", raising=False)
    settings = Settings()
    settings.put_profile(Profile(name="a", base_url="https://a.example"))
    settings.put_profile(Profile(name="b", base_url="https://b.example"))
    session = Session(settings, TokenStore())
    session.select_profile("a")
    session.token = TokenInfo("token-of-profile-a-0123456789", TokenSource.SESSION)
    credentials = session.credentials()
    assert credentials.current() == "token-of-profile-a-0123456789"
    session.select_profile("b")
    session.token = TokenInfo("token-of-profile-b-0123456789", TokenSource.SESSION)
    assert credentials.current() is None  # a's run: not b's token, for a's service
    session.select_profile("a")
    session.token = TokenInfo("token-of-profile-a-0123456789", TokenSource.SESSION)
    assert credentials.current() == "token-of-profile-a-0123456789"
