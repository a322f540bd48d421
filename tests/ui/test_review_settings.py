"""Settings under an operator's edits: profiles that swap names, a removed profile's name
given to another, the profile in use removed and made anew — no profile ever ends up
with another's token."""

from __future__ import annotations

import pytest

from tcb_gui.core.settings import Profile
from tcb_gui.core.tokens import KEYRING_SERVICE, TokenSource, app_secret_user
from tcb_gui.ui import task_names
from tcb_gui.ui.main_window import MainWindow
from tcb_gui.ui.settings_dialog import SettingsDialog
from tests.memory_keyring import MemoryKeyring
from tests.ui.conftest import WindowFactory

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only

TOKEN_A = "71_token-of-profile-a-0123456789"
TOKEN_B = "71_token-of-profile-b-9876543210"


async def apply(window: MainWindow, dialog: SettingsDialog) -> None:
    dialog.accept()
    task = window.tasks.get(task_names.SETTINGS)
    assert task is not None
    await task


def rename(dialog: SettingsDialog, old: str, new: str) -> None:
    dialog.select_profile(old)
    dialog.editor.name_edit.setText(new)
    dialog.editor.nameEdited.emit(new)


async def test_two_profiles_that_swap_names_keep_their_own_tokens(
    make_window: WindowFactory, memory_keyring: MemoryKeyring
) -> None:
    window = make_window()
    window.session.settings.put_profile(Profile(name="a", base_url="https://a.example.com"))
    window.session.settings.put_profile(Profile(name="b", base_url="https://b.example.com"))
    memory_keyring.store[(KEYRING_SERVICE, "a")] = TOKEN_A
    memory_keyring.store[(KEYRING_SERVICE, "b")] = TOKEN_B
    dialog = window.tokens.show_settings_dialog()
    rename(dialog, "a", "tmp")
    rename(dialog, "b", "a")
    rename(dialog, "tmp", "b")
    await apply(window, dialog)
    profiles = window.session.settings.profiles
    # The token goes with the profile (its service), whatever it is called now.
    assert profiles["b"].base_url == "https://a.example.com"
    assert memory_keyring.store[(KEYRING_SERVICE, "b")] == TOKEN_A
    assert memory_keyring.store[(KEYRING_SERVICE, "a")] == TOKEN_B


async def test_a_removed_profiles_name_given_to_another_keeps_its_token(
    make_window: WindowFactory, memory_keyring: MemoryKeyring
) -> None:
    window = make_window()
    window.session.settings.put_profile(Profile(name="a"))
    window.session.settings.put_profile(Profile(name="b"))
    memory_keyring.store[(KEYRING_SERVICE, "a")] = TOKEN_A
    memory_keyring.store[(KEYRING_SERVICE, "b")] = TOKEN_B
    dialog = window.tokens.show_settings_dialog()
    dialog.select_profile("b")
    dialog.remove_profile()
    rename(dialog, "a", "b")
    await apply(window, dialog)
    assert memory_keyring.store == {(KEYRING_SERVICE, "b"): TOKEN_A}


async def test_the_profile_in_use_removed_and_made_anew_does_not_keep_its_token(
    make_window: WindowFactory, memory_keyring: MemoryKeyring
) -> None:
    window = make_window()
    session = window.session
    session.settings.put_profile(Profile(name="b"))
    memory_keyring.store[(KEYRING_SERVICE, "b")] = TOKEN_B
    session.select_profile("b")
    await session.reload_token()
    assert session.token.token == TOKEN_B
    dialog = window.tokens.show_settings_dialog()
    dialog.select_profile("b")
    dialog.remove_profile()
    draft = dialog.add_profile()
    dialog.editor.name_edit.setText("b")
    dialog.editor.nameEdited.emit("b")
    dialog.in_use_combo.setCurrentIndex(dialog.in_use_combo.findData(id(draft)))
    await apply(window, dialog)
    assert session.settings.current_profile == "b"
    assert memory_keyring.store == {}
    # "Remove … and forget its token": the window does not go on with it either.
    assert session.token.token is None
    assert session.token.source is TokenSource.NONE


@pytest.mark.parametrize(
    ("existing", "typed"), [("prod", "Prod"), ("Café", "Cafe\u0301"), ("生产", "生产")]
)
async def test_a_name_that_differs_only_by_case_or_form_is_refused(
    make_window: WindowFactory, existing: str, typed: str
) -> None:
    """Windows' Credential Locker takes "Prod" and "prod" for one keyring entry: two such
    profiles would share (and overwrite) one token; in a menu they read alike anyway."""
    window = make_window()
    window.session.settings.put_profile(Profile(name=existing))
    dialog = window.tokens.show_settings_dialog()
    dialog.add_profile()
    dialog.editor.name_edit.setText(typed)
    dialog.accept()
    assert dialog.isVisible()
    assert f"“{existing}” exists" in dialog.error.text()
    dialog.reject()
    new = window.tokens.show_profile_dialog(new=True)
    new.name_edit.setText(typed)
    new.accept()
    assert new.isVisible()
    assert f"“{existing}” exists" in new.error.text()
    new.reject()


SECRET = "0123456789abcdef0123456789abcdef"
APPID = "wx0123456789abcdef"


async def test_an_appid_pasted_with_spaces_around_it_is_taken(
    make_window: WindowFactory, memory_keyring: MemoryKeyring
) -> None:
    """The AppID field held 18 characters: " wx0123456789abcdef" pasted from a web page
    lost its last digit and was refused as "not a mini program AppID"."""
    window = make_window()
    dialog = window.tokens.show_settings_dialog()
    dialog.add_profile()
    editor = dialog.editor
    editor.name_edit.setText("mini")
    editor.appsecret_radio.setChecked(True)
    editor.appid_edit.setText(f"  {APPID}  ")
    editor.secret_edit.setText(f" {SECRET}\r\n")
    await apply(window, dialog)
    assert window.session.settings.profiles["mini"].appid == APPID
    assert memory_keyring.store[(KEYRING_SERVICE, app_secret_user("mini"))] == SECRET
