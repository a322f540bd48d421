"""The token badge in every state, against the demo service; keyring and environment."""

from __future__ import annotations

import pytest
from keyring.backends import fail
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from tcb_gui.core.client import ApiMode
from tcb_gui.core.errors import TokenState
from tcb_gui.core.settings import Profile, settings_path
from tcb_gui.core.tokens import KEYRING_SERVICE, TokenSource
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DEMO_TCB_TOKEN, DEMO_TOKEN, EXPIRED_TOKEN
from tcb_gui.ui import task_names
from tcb_gui.ui.palette import Tone
from tests.memory_keyring import MemoryKeyring
from tests.ui.conftest import WindowFactory, wait_until

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only


async def test_not_set_offers_the_demo(make_window: WindowFactory, demo_server) -> None:
    window = make_window(base_url=demo_server.base_url)
    check = await window.tokens.check_token()
    badge = window.token_panel.badge
    assert check.state is TokenState.NOT_SET
    assert badge.state is TokenState.NOT_SET
    assert badge.text == "No token"
    assert badge.tone is Tone.NEUTRAL
    assert "Set a token" in badge.toolTip()
    assert window.view.demo_button.isVisible()
    assert demo_server.state.stats.requests["quota/get"] == 0  # nothing to ask without a token


async def test_valid_shows_quota_time_left_and_is_kept_in_the_keyring(
    make_window: WindowFactory, demo_server: DemoServer, memory_keyring: MemoryKeyring
) -> None:
    window = make_window(base_url=demo_server.base_url)
    await window.tokens.save_token(f"  {DEMO_TOKEN}\n")
    badge = window.token_panel.badge
    assert badge.state is TokenState.VALID
    assert badge.tone is Tone.SUCCESS
    assert badge.text.startswith("Token valid · 1,000,000 calls left today · ~")
    assert "session only" not in badge.text
    tip = badge.toolTip()
    assert "Quota today: 0 of 1,000,000 used, 1,000,000 left" in tip
    assert "Estimated time left of its 2-hour life: 1 h 59 min" in tip or "2 h" in tip
    assert "Source: in keyring" in tip
    assert "Last checked:" in tip
    assert memory_keyring.store[(KEYRING_SERVICE, "default")] == DEMO_TOKEN
    saved = settings_path().read_text(encoding="utf-8")
    assert DEMO_TOKEN not in saved
    assert '"token_saved_at":' in saved
    assert not window.view.demo_button.isVisible()


@pytest.mark.parametrize(
    ("token", "state", "words"),
    [
        (EXPIRED_TOKEN, TokenState.EXPIRED, "Token expired"),
        ("not-a-token-at-all", TokenState.INVALID, "Token invalid"),
        (DEMO_TCB_TOKEN, TokenState.NOT_ALLOWED, "Not allowed for this API"),
    ],
)
async def test_rejected_tokens_turn_the_badge_red(
    make_window: WindowFactory,
    demo_server: DemoServer,
    token: str,
    state: TokenState,
    words: str,
) -> None:
    window = make_window(base_url=demo_server.base_url)
    await window.tokens.save_token(token)
    badge = window.token_panel.badge
    assert badge.state is state
    assert badge.text == words
    assert badge.tone is Tone.DANGER
    assert len(badge.toolTip()) > len(words)  # the service's reason and what to do


async def test_tcb_profile_accepts_the_tcb_token(
    make_window: WindowFactory, demo_server: DemoServer
) -> None:
    window = make_window(base_url=demo_server.base_url)
    await window.tokens.save_profile(
        Profile(name="mini", api=ApiMode.TCB, base_url=demo_server.base_url)
    )
    assert window.session.profile.name == "mini"
    await window.tokens.save_token(DEMO_TCB_TOKEN)
    assert window.token_panel.badge.state is TokenState.VALID
    assert window.token_panel.where.full_text().startswith("tcb · http://127.0.0.1")


async def test_unreachable_service(make_window: WindowFactory) -> None:
    with DemoServer() as server:
        base_url = server.base_url  # a loopback port that is closed once stopped
    window = make_window(base_url=base_url)
    await window.tokens.save_token(DEMO_TOKEN)
    badge = window.token_panel.badge
    assert badge.state is TokenState.UNREACHABLE
    assert badge.text == "Service unreachable"
    assert badge.tone is Tone.WARNING


async def test_token_from_the_environment(
    make_window: WindowFactory, demo_server: DemoServer, monkeypatch
) -> None:
    monkeypatch.setenv("TCB_ACCESS_TOKEN", DEMO_TOKEN)
    window = make_window(base_url=demo_server.base_url)
    await window.tokens.check_token()
    badge = window.token_panel.badge
    assert badge.state is TokenState.VALID
    assert badge.info.source is TokenSource.ENVIRONMENT
    assert badge.text.endswith("from environment")
    assert badge.info.time_left is None  # its age is unknown


async def test_no_keyring_keeps_the_token_for_the_session_only(
    make_window: WindowFactory, demo_server: DemoServer, monkeypatch
) -> None:
    import keyring

    keyring.set_keyring(fail.Keyring())  # restored by the memory_keyring fixture
    window = make_window(base_url=demo_server.base_url)
    await window.tokens.save_token(DEMO_TOKEN)
    banner = window.banners.banner("keyring")
    assert banner is not None
    assert "No system keyring" in banner.text
    assert "session only" in banner.text
    badge = window.token_panel.badge
    assert badge.state is TokenState.VALID
    assert badge.text.endswith("session only")
    assert not settings_path().exists() or DEMO_TOKEN not in settings_path().read_text()


async def test_set_token_dialog_is_masked_and_trims(
    make_window: WindowFactory, demo_server: DemoServer, qtbot
) -> None:
    window = make_window(base_url=demo_server.base_url)
    dialog = window.tokens.show_token_dialog()
    assert dialog.isVisible()
    assert dialog.edit.echoMode() is QLineEdit.EchoMode.Password
    dialog.show_box.setChecked(True)
    assert dialog.edit.echoMode() is QLineEdit.EchoMode.Normal
    dialog.edit.setText("   ")
    dialog.accept()
    assert dialog.isVisible()  # an empty token is refused in place
    assert dialog.error.isVisible()
    dialog.edit.setText(f"\t{DEMO_TOKEN}  ")
    dialog.accept()
    assert not dialog.isVisible()
    await wait_until(lambda: window.token_panel.badge.state is TokenState.VALID, 10)


async def test_f5_checks_again(make_window: WindowFactory, demo_server: DemoServer, qtbot) -> None:
    window = make_window(base_url=demo_server.base_url)
    await window.tokens.save_token(DEMO_TOKEN)
    before = demo_server.state.stats.requests["quota/get"]
    window.activateWindow()
    qtbot.keyClick(window.view, Qt.Key.Key_F5)
    task = window.tasks.get(task_names.CHECK_TOKEN)
    assert task is not None
    await task
    assert demo_server.state.stats.requests["quota/get"] == before + 1


async def test_clear_token_forgets_it(
    make_window: WindowFactory, demo_server: DemoServer, memory_keyring: MemoryKeyring
) -> None:
    window = make_window(base_url=demo_server.base_url)
    await window.tokens.save_token(DEMO_TOKEN)
    await window.tokens.clear_token()
    assert memory_keyring.store == {}
    assert window.token_panel.badge.state is TokenState.NOT_SET


async def test_try_the_demo_switches_this_session(window) -> None:
    await window.tokens.start_demo()
    assert window.session.in_demo
    assert window.model.rowCount() > 0
    assert window.token_panel.badge.state is TokenState.VALID
    assert window.token_panel.badge.text.endswith("session only")
    assert window.banners.banner("demo") is not None
    assert not window.view.demo_button.isVisible()


# A popup menu on the offscreen platform: it cannot raise it or grab the keyboard.
@pytest.mark.qt_log_ignore("propagateSizeHints", "support raise", "grabbing the keyboard")
def test_the_profile_button_opens_its_two_entries(make_window: WindowFactory, qtbot) -> None:
    """The "⋯" menu is filled as it first opens (no action before the first paint):
    opened, it offers Edit and New profile, each asking for its dialog; opened again, no
    entry is added twice."""
    window = make_window()
    panel = window.token_panel
    asked: list[str] = []
    panel.editProfileRequested.connect(lambda: asked.append("edit"))
    panel.newProfileRequested.connect(lambda: asked.append("new"))
    menu = panel.profile_button.menu()
    for _ in range(2):
        menu.popup(panel.profile_button.mapToGlobal(panel.profile_button.rect().bottomLeft()))
        qtbot.waitUntil(menu.isVisible)
        assert [a.text() for a in menu.actions()] == ["Edit profile…", "New profile…"]
        menu.close()
    menu.actions()[0].trigger()
    menu.actions()[1].trigger()
    assert asked == ["edit", "new"]
