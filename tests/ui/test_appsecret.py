"""Mini program mode in the window, against the demo's cgi-bin/stable_token over loopback."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tcb_gui.core.client import ApiMode
from tcb_gui.core.downloads import DownloadOptions
from tcb_gui.core.errors import TokenState
from tcb_gui.core.settings import Profile, settings_path
from tcb_gui.core.tokens import KEYRING_SERVICE, TokenSource, app_secret_user
from tcb_gui.demo.samples import PROD
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DEMO_APPID, DEMO_APPSECRET, DemoConfig, DemoState
from tcb_gui.ui import task_names
from tcb_gui.ui.main_window import MainWindow
from tcb_gui.ui.palette import Tone
from tests.memory_keyring import MemoryKeyring
from tests.ui.conftest import WindowFactory, wait_until

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only

WRONG_SECRET = "0" * 32


async def mini_window(make_window: WindowFactory, server: DemoServer) -> MainWindow:
    window = make_window()
    profile = Profile(name="mini", base_url=server.base_url).with_appsecret(DEMO_APPID)
    await window.tokens.save_profile(profile)
    return window


def ids_text(count: int) -> str:
    return "\n".join(PROD.fileid(f"gen/mini-{n:04d}.bin") for n in range(count))


async def test_appid_and_secret_give_a_valid_badge_and_resolve_with_tcb(
    make_window: WindowFactory, demo_server: DemoServer, memory_keyring: MemoryKeyring
) -> None:
    window = await mini_window(make_window, demo_server)
    badge = window.token_panel.badge
    assert badge.state is TokenState.NOT_SET
    assert badge.text == "No AppSecret"
    assert window.token_panel.set_button.text() == "Set AppSecret…"
    assert window.token_panel.clear_button.text() == "Clear AppSecret"
    assert DEMO_APPID in window.token_panel.where.full_text()

    dialog = window.tokens.show_token_dialog()  # the panel's button, in mini program mode
    assert dialog.windowTitle() == "Set AppSecret"
    dialog.edit.setText(f" {DEMO_APPSECRET} ")
    dialog.accept()
    await wait_until(lambda: badge.state is TokenState.VALID, 10)
    assert memory_keyring.store[(KEYRING_SERVICE, app_secret_user("mini"))] == DEMO_APPSECRET
    assert badge.text.startswith("Token valid — stable token, renews automatically · ")
    assert badge.text.endswith(" min left")
    assert badge.info.source is TokenSource.KEYRING
    assert "AppSecret: in keyring" in badge.toolTip()
    assert window.tasks.running(task_names.STABLE_TOKEN)  # renewal kept as a named task
    assert demo_server.state.stats.requests["stable_token"] == 1

    await window.ids.add_text(ids_text(75))
    await window.resolver.resolve_rows()
    counts = window.model.counts()
    assert (counts.ok, counts.failed) == (75, 0)
    assert demo_server.state.stats.requests["tcb/batchdownloadfile"] == 2  # 50 + 25
    assert demo_server.state.stats.requests["componenttcb/batchdownloadfile"] == 0
    assert demo_server.state.stats.requests["stable_token"] == 1  # the token was reused
    assert window.session.profile.api is ApiMode.TCB
    text = settings_path().read_text(encoding="utf-8")
    assert DEMO_APPSECRET not in text
    assert demo_server.state.stable_token not in text  # type: ignore[operator]


async def test_a_wrong_secret_turns_the_badge_red_in_appsecret_words(
    make_window: WindowFactory, demo_server: DemoServer
) -> None:
    window = await mini_window(make_window, demo_server)
    await window.tokens.stable.save_secret(WRONG_SECRET)
    badge = window.token_panel.badge
    assert badge.state is TokenState.INVALID
    assert badge.tone is Tone.DANGER
    assert badge.text == "AppSecret rejected"
    assert "AppSecret" in badge.toolTip()
    banner = window.banners.banner("token")
    assert banner is not None
    assert "AppSecret" in banner.text
    assert "Set AppSecret…" in banner.button_texts()
    # Resolving does not start; the rows wait for a working AppSecret.
    await window.ids.add_text(ids_text(3))
    await window.resolver.resolve_rows()
    assert window.model.counts().paused == 3
    run = window.banners.banner("run")
    assert run is not None
    assert "Resume" in run.button_texts()
    assert demo_server.state.stats.requests["tcb/batchdownloadfile"] == 0


async def test_an_ip_off_the_allowlist_is_said_in_plain_words(
    make_window: WindowFactory,
) -> None:
    state = DemoState(DemoConfig())
    state.ip_allowlisted = False
    with DemoServer(state) as server:
        window = await mini_window(make_window, server)
        await window.tokens.stable.save_secret(DEMO_APPSECRET)
        badge = window.token_panel.badge
        assert badge.state is TokenState.NOT_ALLOWED
        assert badge.text == "IP not on the allowlist"
        assert "IP allowlist" in badge.toolTip() or "allowlist" in badge.toolTip()
        banner = window.banners.banner("token")
        assert banner is not None
        assert "IP address is not on the mini program's IP allowlist" in banner.text
        # Fixed on the WeChat side, a check (F5) turns it green.
        state.ip_allowlisted = True
        await window.tokens.check_token()
        assert badge.state is TokenState.VALID
        assert window.banners.banner("token") is None
        await window.aclose()


async def test_the_token_is_renewed_before_it_ends(make_window: WindowFactory) -> None:
    # Tokens of 5 s, renewed with a fifth of their life left: within a few seconds.
    state = DemoState(DemoConfig(stable_token_expires_in=5, stable_token_renew_before=2))
    with DemoServer(state) as server:
        window = await mini_window(make_window, server)
        await window.tokens.stable.save_secret(DEMO_APPSECRET)
        first = state.stable_token
        assert window.token_panel.badge.state is TokenState.VALID
        await wait_until(lambda: state.stable_token != first, 15)
        await wait_until(lambda: window.session.credentials().current() == state.stable_token, 5)
        assert window.token_panel.badge.state is TokenState.VALID
        await window.aclose()


async def test_switching_to_a_token_profile_stops_the_renewal(
    make_window: WindowFactory, demo_server: DemoServer
) -> None:
    window = await mini_window(make_window, demo_server)
    await window.tokens.stable.save_secret(DEMO_APPSECRET)
    assert window.tasks.running(task_names.STABLE_TOKEN)
    await window.tokens.switch_profile("default")
    assert not window.tasks.running(task_names.STABLE_TOKEN)
    assert window.session.stable is None
    assert window.token_panel.set_button.text() == "Set token…"
    assert window.token_panel.badge.text == "No token"


async def test_clear_appsecret(
    make_window: WindowFactory, demo_server: DemoServer, memory_keyring: MemoryKeyring
) -> None:
    window = await mini_window(make_window, demo_server)
    await window.tokens.stable.save_secret(DEMO_APPSECRET)
    await window.tokens.clear_token()  # the panel's Clear AppSecret
    assert (KEYRING_SERVICE, app_secret_user("mini")) not in memory_keyring.store
    assert window.token_panel.badge.state is TokenState.NOT_SET
    assert not window.tasks.running(task_names.STABLE_TOKEN)


async def test_the_profile_dialog_switches_to_appsecret(
    make_window: WindowFactory, demo_server: DemoServer, memory_keyring: MemoryKeyring
) -> None:
    window = make_window(base_url=demo_server.base_url)
    dialog = window.tokens.show_profile_dialog()
    editor = dialog.editor
    editor.appsecret_radio.setChecked(True)
    editor.appid_edit.setText(DEMO_APPID)
    editor.secret_edit.setText(DEMO_APPSECRET)
    dialog.accept()
    task = window.tasks.get("profile")
    assert task is not None
    await task
    assert window.session.profile.uses_appsecret
    assert memory_keyring.store[(KEYRING_SERVICE, app_secret_user("default"))] == DEMO_APPSECRET
    assert window.token_panel.badge.state is TokenState.VALID


async def test_a_lapsed_stable_token_is_fetched_again_to_download_and_resolve(
    make_window: WindowFactory, tmp_path: Path
) -> None:
    """The laptop slept past the stable token's end (the renewal loop had no chance): the
    next download fetches one new token with the AppSecret instead of waiting for one."""
    moment = [time.time()]

    def now() -> float:
        return moment[0]

    state = DemoState(DemoConfig(), now=now)
    with DemoServer(state) as server:
        window = make_window()
        window.tokens.stable.clock = now  # the provider and the demo share one clock
        profile = Profile(name="mini", base_url=server.base_url).with_appsecret(DEMO_APPID)
        await window.tokens.save_profile(profile)
        await window.tokens.stable.save_secret(DEMO_APPSECRET)
        assert window.token_panel.badge.state is TokenState.VALID
        assert state.stats.requests["stable_token"] == 1
        window.tasks.cancel(task_names.STABLE_TOKEN)  # asleep: no renewal ran
        moment[0] += 7_300  # past the end of the 2-hour token
        assert window.session.credentials().current() is None

        keys = [f"gen/size-4K/lapsed-{n}.bin" for n in range(5)]
        await window.ids.add_text("\n".join(PROD.fileid(k) for k in keys))
        rows = list(window.model.rows())
        summary = await window.downloads.download_rows(rows, DownloadOptions(dest=tmp_path))
        assert summary is not None
        assert (summary.downloaded, summary.waiting, summary.failed) == (5, 0, 0)
        assert state.stats.requests["stable_token"] == 2  # one new token, no more
        assert window.banners.banner("download") is None

        # Resolving after another lapse fetches again, the same way.
        window.tasks.cancel(task_names.STABLE_TOKEN)
        moment[0] += 7_300
        await window.ids.add_text(ids_text(3))
        await window.resolver.resolve_rows()
        assert window.model.counts().paused == 0
        assert window.model.counts().ok == 8
        assert state.stats.requests["stable_token"] == 3
        await window.aclose()
