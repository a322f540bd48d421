"""Settings… stays open while another writer changes the settings file (``tcb-gui token
set``, another window) and the window takes that in with a save of its own. OK hands
back only what the user changed in the dialog, per field of each profile and per
preference, on top of what the window holds then; it removes only the profiles the user
removed in it: a profile added elsewhere meanwhile stays (with its secrets), and one
removed elsewhere is not brought back."""

from __future__ import annotations

import asyncio

from PySide6.QtWidgets import QDialog

from tcb_gui.core.settings import Profile, Settings, load_settings, save_settings, update_settings
from tcb_gui.core.tokens import KEYRING_SERVICE, TokenStore
from tcb_gui.ui.session import Session
from tcb_gui.ui.settings_dialog import SettingsDialog, apply_settings_change
from tests.memory_keyring import MemoryKeyring


class Notes:
    """A notifier that shows nothing (apply_settings_change's banners)."""

    def show_banner(self, *args: object) -> None:
        pass


def open_dialog(qtbot, session: Session) -> SettingsDialog:
    dialog = SettingsDialog(session.settings)
    qtbot.addWidget(dialog)
    return dialog


def meanwhile(session: Session, change) -> None:  # type: ignore[no-untyped-def]
    """Another writer's change, taken in by a save of the window's (a run's start)."""
    update_settings(change)
    asyncio.run(session.save_settings())


def ok(session: Session, dialog: SettingsDialog) -> Settings:
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted, dialog.error.text()
    change = dialog.change()
    assert change is not None
    asyncio.run(apply_settings_change(session, change, Notes()))  # type: ignore[arg-type]
    return load_settings()


def with_work() -> Session:
    settings = Settings()
    settings.put_profile(Profile(name="work"))
    settings.set_token_saved_at("default", 1_000.0)
    save_settings(settings)
    return Session(load_settings(), TokenStore())


def test_a_profile_edited_here_keeps_the_other_writers_change_to_its_other_fields(
    qtbot,
) -> None:
    session = with_work()
    dialog = open_dialog(qtbot, session)
    meanwhile(session, lambda s: s.set_token_saved_at("default", 2_000.0))
    dialog.select_profile("default")
    life = dialog.editor.max_age_spin.value() + 60
    dialog.editor.max_age_spin.setValue(life)
    saved = ok(session, dialog)
    assert saved.profiles["default"].token_saved_at == 2_000.0
    assert saved.profiles["default"].max_age == life
    assert session.settings.profiles["default"].token_saved_at == 2_000.0


def test_a_preference_left_alone_here_keeps_the_other_writers_change(qtbot) -> None:
    session = with_work()
    dialog = open_dialog(qtbot, session)
    meanwhile(session, lambda s: setattr(s, "theme", "dark"))
    dialog.history_spin.setValue(3)
    saved = ok(session, dialog)
    assert (saved.theme, saved.history_size) == ("dark", 3)


def test_a_profile_added_elsewhere_meanwhile_is_not_removed(
    qtbot, memory_keyring: MemoryKeyring
) -> None:
    session = with_work()
    dialog = open_dialog(qtbot, session)
    memory_keyring.store[(KEYRING_SERVICE, "staging")] = "stagings-token"
    meanwhile(session, lambda s: s.put_profile(Profile(name="staging")))
    assert "staging" in session.settings.profiles
    dialog.theme_combo.setCurrentIndex(dialog.theme_combo.findData("light"))
    saved = ok(session, dialog)
    assert "staging" in saved.profiles
    assert "staging" in session.settings.profiles
    assert memory_keyring.store[(KEYRING_SERVICE, "staging")] == "stagings-token"


def test_a_profile_removed_elsewhere_meanwhile_is_not_brought_back(qtbot) -> None:
    session = with_work()
    dialog = open_dialog(qtbot, session)
    meanwhile(session, lambda s: s.remove_profile("work"))
    assert "work" not in session.settings.profiles
    dialog.theme_combo.setCurrentIndex(dialog.theme_combo.findData("light"))
    saved = ok(session, dialog)
    assert sorted(saved.profiles) == ["default"]
    assert saved.theme == "light"


def test_a_profile_removed_here_is_removed_with_its_secrets(
    qtbot, memory_keyring: MemoryKeyring
) -> None:
    session = with_work()
    memory_keyring.store[(KEYRING_SERVICE, "work")] = "works-token"
    dialog = open_dialog(qtbot, session)
    dialog.select_profile("work")
    dialog.remove_profile()
    saved = ok(session, dialog)
    assert sorted(saved.profiles) == ["default"]
    assert (KEYRING_SERVICE, "work") not in memory_keyring.store


def test_a_name_another_writer_took_meanwhile_is_refused_here(qtbot) -> None:
    session = with_work()
    dialog = open_dialog(qtbot, session)
    meanwhile(session, lambda s: s.put_profile(Profile(name="staging")))
    dialog.add_profile()
    dialog.editor.name_edit.setText("Staging")
    dialog.accept()
    assert dialog.change() is None
    # Not shown in the dialog's list: the words say where it came from.
    assert "“staging” was added in another window or on the command line" in (dialog.error.text())
