"""Where a token or AppSecret is kept, said truthfully: the system keyring only when one
answers (core.credentials.secret_place decides, once); with none (keyring's own
``fail`` backend), this session only, never "kept in the system keyring". The token and
AppSecret dialogs and the profile editor (Edit profile, Settings) render that decision."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import pytest
from keyring.backends import fail
from PySide6.QtWidgets import QLabel

from tcb_gui.core.credentials import AuthMode, SecretPlace, secret_place
from tcb_gui.core.settings import Profile, Settings
from tcb_gui.core.tokens import TokenStore
from tcb_gui.ui.dialogs import ProfileDialog, SetTokenDialog
from tcb_gui.ui.main_window import MainWindow
from tcb_gui.ui.settings_dialog import SettingsDialog
from tests.memory_keyring import MemoryKeyring
from tests.ui.conftest import WindowFactory

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only

APPID = "wx1234567890abcdef"
KEYRING_WORDS = "kept in the system keyring"
SESSION_WORDS = "kept for this session only"


@pytest.fixture
def no_keyring() -> Iterator[None]:
    """keyring's own "there is no keyring" backend, for this process."""
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


def words_of(widget: object) -> str:
    labels = widget.findChildren(QLabel)  # type: ignore[attr-defined]
    buttons = [widget.editor.token_radio] if hasattr(widget, "editor") else []  # type: ignore[attr-defined]
    return " ".join([*(label.text() for label in labels), *(b.text() for b in buttons)])


def appsecret_profile() -> Profile:
    return Profile(name="mini").with_appsecret(APPID)


def test_the_decision_follows_the_backend(memory_keyring: MemoryKeyring) -> None:
    assert secret_place(TokenStore(backend=memory_keyring)) is SecretPlace.KEYRING
    assert secret_place(TokenStore(backend=fail.Keyring())) is SecretPlace.SESSION
    assert secret_place(TokenStore(backend=memory_keyring), demo=True) is SecretPlace.DEMO
    assert secret_place(TokenStore()) is SecretPlace.KEYRING  # the process's: the memory one


def test_without_a_keyring_the_process_default_is_this_session(no_keyring: None) -> None:
    assert secret_place(TokenStore()) is SecretPlace.SESSION


@pytest.mark.parametrize("kind", [AuthMode.APPSECRET, AuthMode.TOKEN])
def test_the_set_dialogs_say_session_only_without_a_keyring(
    qtbot, no_keyring: None, kind: AuthMode
) -> None:
    """The AppSecret dialog (opened by a banner's Set AppSecret…, which says nothing of
    the keyring) and the token dialog ask core where the secret goes."""
    dialog = SetTokenDialog("mini", kind=kind, appid=APPID, keep=secret_place(TokenStore()))
    qtbot.addWidget(dialog)
    words = words_of(dialog)
    assert SESSION_WORDS in words
    assert KEYRING_WORDS not in words
    assert "never in a file" in words


@pytest.mark.parametrize("kind", [AuthMode.APPSECRET, AuthMode.TOKEN])
def test_the_set_dialogs_say_keyring_with_one(qtbot, kind: AuthMode) -> None:
    dialog = SetTokenDialog("mini", kind=kind, appid=APPID, keep=secret_place(TokenStore()))
    qtbot.addWidget(dialog)
    words = words_of(dialog)
    assert KEYRING_WORDS in words
    assert SESSION_WORDS not in words


def test_the_profile_editor_says_session_only_without_a_keyring(qtbot, no_keyring: None) -> None:
    dialog = ProfileDialog(
        appsecret_profile(), ["default", "mini"], keep=secret_place(TokenStore())
    )
    qtbot.addWidget(dialog)
    dialog.set_secret_saved(False)
    words = words_of(dialog)
    assert SESSION_WORDS in words
    assert KEYRING_WORDS not in words
    assert "TCB_APP_SECRET" in words
    dialog.editor.token_radio.setChecked(True)  # the token's note says the same
    words = words_of(dialog)
    assert SESSION_WORDS in words
    assert KEYRING_WORDS not in words


def test_the_profile_editor_says_keyring_with_one(qtbot) -> None:
    dialog = ProfileDialog(
        appsecret_profile(), ["default", "mini"], keep=secret_place(TokenStore())
    )
    qtbot.addWidget(dialog)
    dialog.set_secret_saved(False)
    words = words_of(dialog)
    assert KEYRING_WORDS in words
    assert SESSION_WORDS not in words
    dialog.editor.token_radio.setChecked(True)  # the token's note says the same
    words = words_of(dialog)
    assert KEYRING_WORDS in words
    assert SESSION_WORDS not in words


def test_the_settings_dialog_renders_the_place_it_is_given(qtbot) -> None:
    settings = Settings()
    settings.put_profile(appsecret_profile())
    settings.select_profile("mini")
    for place, present, absent in (
        (SecretPlace.SESSION, SESSION_WORDS, KEYRING_WORDS),
        (SecretPlace.KEYRING, KEYRING_WORDS, SESSION_WORDS),
    ):
        dialog = SettingsDialog(settings, keep=place)
        qtbot.addWidget(dialog)
        dialog.set_saved_secrets([])
        words = words_of(dialog)
        assert present in words
        assert absent not in words


async def test_the_windows_dialogs_ask_the_windows_store(make_window: WindowFactory) -> None:
    """The window's store has no keyring (the process's would have one): the profile
    dialog and the token dialog follow the store the window saves through."""
    window: MainWindow = make_window(store=TokenStore(backend=fail.Keyring()))
    profile_dialog = window.tokens.show_profile_dialog(new=True)
    profile_dialog.set_secret_saved(False)
    profile_dialog.editor.appsecret_radio.setChecked(True)
    assert SESSION_WORDS in words_of(profile_dialog)
    profile_dialog.reject()
    token_dialog = window.tokens.show_token_dialog()
    assert SESSION_WORDS in words_of(token_dialog)
    token_dialog.reject()
    # A mini program profile: Set token… opens the AppSecret dialog (ui.appsecret), which
    # asks the same store.
    settings = Settings()
    settings.put_profile(Profile(name="default").with_appsecret(APPID))
    mini = make_window(store=TokenStore(backend=fail.Keyring()), settings=settings)
    assert mini.tokens.stable.active
    secret_dialog = mini.tokens.show_token_dialog()
    words = words_of(secret_dialog)
    assert SESSION_WORDS in words
    assert KEYRING_WORDS not in words
    secret_dialog.reject()
