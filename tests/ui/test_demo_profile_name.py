"""A user's own profile called "demo" and the demo session (ui.session.DEMO_PROFILE):
the demo's profile has a name no saved profile can take, so while the demo runs the
user's "demo" is listed apart, can be switched to, keeps its own token, and can be made
anew; a settings file that already holds one loads and works as any other profile."""

from __future__ import annotations

import json

import pytest
from PySide6.QtWidgets import QDialogButtonBox

from tcb_gui.core.credentials import secret_place
from tcb_gui.core.errors import InputError
from tcb_gui.core.settings import (
    DEMO_SESSION_PROFILE,
    Profile,
    Settings,
    load_settings,
    save_settings,
    settings_path,
)
from tcb_gui.core.tokens import KEYRING_SERVICE, TokenSource
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DEMO_TOKEN
from tcb_gui.ui.dialogs import ProfileDialog
from tcb_gui.ui.main_window import MainWindow
from tcb_gui.ui.session import DEMO_PROFILE
from tests.memory_keyring import MemoryKeyring
from tests.ui.conftest import WindowFactory

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only

USERS_URL = "https://tcb.example.com"
USERS_TOKEN = "users-own-demo-profile-token"


def settings_with_a_demo_profile(memory_keyring: MemoryKeyring) -> None:
    """A file as an older version left it: a profile of the user's named "demo"."""
    settings = Settings()
    settings.put_profile(Profile(name="demo", api="tcb", base_url=USERS_URL))  # type: ignore[arg-type]
    save_settings(settings)
    memory_keyring.store[(KEYRING_SERVICE, "demo")] = USERS_TOKEN


def combo_entries(window: MainWindow) -> list[tuple[str, str]]:
    combo = window.token_panel.profile_combo
    return [(combo.itemText(i), combo.itemData(i)) for i in range(combo.count())]


def test_the_demo_sessions_name_is_one_no_saved_profile_can_take() -> None:
    assert DEMO_PROFILE == DEMO_SESSION_PROFILE
    settings = Settings()
    settings.profiles[DEMO_PROFILE] = Profile(name=DEMO_PROFILE)
    with pytest.raises(InputError):
        save_settings(settings)
    settings_path().parent.mkdir(parents=True, exist_ok=True)
    settings_path().write_text(
        json.dumps({"version": 1, "profiles": {DEMO_PROFILE: {}, "demo": {}}}), "utf-8"
    )
    assert sorted(load_settings().profiles) == ["default", "demo"]


async def test_a_saved_demo_profile_loads_and_stays_the_users_during_the_demo(
    make_window: WindowFactory, demo_server: DemoServer, memory_keyring: MemoryKeyring
) -> None:
    settings_with_a_demo_profile(memory_keyring)
    assert load_settings().profiles["demo"].base_url == USERS_URL  # loaded, not dropped
    window = make_window(settings=load_settings())
    session = window.session
    session.use_demo(demo_server, DEMO_TOKEN)
    window.tokens.apply_profile()
    entries = combo_entries(window)
    assert ("Demo service", DEMO_PROFILE) in entries
    assert ("demo", "demo") in entries
    assert len(entries) == 3  # default, the user's demo, the demo service
    # A new demo token, set while the demo runs, is the demo session's alone.
    await window.tokens.save_token("another-demo-token")
    assert session.token.token == "another-demo-token"
    assert memory_keyring.store[(KEYRING_SERVICE, "demo")] == USERS_TOKEN
    # Switching to the user's own "demo" leaves the demo for it, with its own token.
    profile = session.select_profile("demo")
    assert not session.in_demo
    assert (profile.name, profile.base_url) == ("demo", USERS_URL)
    token = await session.reload_token()
    assert (token.token, token.source) == (USERS_TOKEN, TokenSource.KEYRING)
    await session.save_settings()
    saved = json.loads(settings_path().read_text("utf-8"))
    assert saved["current_profile"] == "demo"
    assert saved["profiles"]["demo"]["base_url"] == USERS_URL
    assert DEMO_PROFILE not in saved["profiles"]


async def test_a_new_profile_called_demo_can_be_made_during_the_demo(
    make_window: WindowFactory, qtbot, demo_server: DemoServer
) -> None:
    window = make_window(settings=load_settings())
    session = window.session
    session.use_demo(demo_server, DEMO_TOKEN)
    window.tokens.apply_profile()
    dialog = ProfileDialog(None, session.profile_names(), keep=secret_place(session.store))
    qtbot.addWidget(dialog)
    dialog.name_edit.setText("demo")
    dialog.url_edit.setText(demo_server.base_url)
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save).click()
    assert not dialog.error.isVisibleTo(dialog), dialog.error.text()
    profile = dialog.profile()
    assert profile is not None
    assert profile.name == "demo"
    await window.tokens.save_profile(profile)
    assert not session.in_demo
    assert session.profile.name == "demo"
    assert session.token.token is None  # not the demo session's token
    assert load_settings().profiles["demo"].base_url == demo_server.base_url
