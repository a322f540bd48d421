"""Settings OK first does its keyring work (a renamed profile's token moves, a removed
one's is forgotten) in a worker thread, which can wait seconds behind an unlock prompt.
A save of the window's that ends meanwhile takes in another writer's change (``tcb-gui
token set``); applying the dialog's settings afterwards keeps it: only what the user
changed in the dialog applies, on top of the settings as the window holds them then."""

from __future__ import annotations

import asyncio
import threading

import pytest

from tcb_gui.core.settings import load_settings, update_settings
from tcb_gui.core.tokens import KEYRING_SERVICE
from tcb_gui.ui import settings_dialog
from tcb_gui.ui.session import Session
from tcb_gui.ui.settings_dialog import SettingsChange, SettingsDialog, apply_settings_change
from tests.memory_keyring import MemoryKeyring
from tests.ui.conftest import wait_until
from tests.ui.test_settings_dialog_meanwhile import Notes, with_work

# How long a held keyring move may wait for the test to let it go.
HOLD_SECONDS = 10.0


def ok(qtbot, session: Session, edit) -> SettingsChange:  # type: ignore[no-untyped-def]
    dialog = SettingsDialog(session.settings)
    qtbot.addWidget(dialog)
    edit(dialog)
    dialog.accept()
    change = dialog.change()
    assert change is not None, dialog.error.text()
    return change


async def apply_with_token_set_meanwhile(
    session: Session, change: SettingsChange, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Apply ``change`` while its keyring move is held; meanwhile ``token set`` writes
    the default profile's token time and a save of the window's takes it in."""
    moving, release = threading.Event(), threading.Event()
    move = settings_dialog._move_secrets

    def held_move(*args):  # type: ignore[no-untyped-def]
        moving.set()
        assert release.wait(HOLD_SECONDS)
        return move(*args)

    monkeypatch.setattr(settings_dialog, "_move_secrets", held_move)
    monkeypatch.setattr(settings_dialog, "apply_theme", lambda theme: None)
    applying = asyncio.ensure_future(apply_settings_change(session, change, Notes()))  # type: ignore[arg-type]
    try:
        await wait_until(moving.is_set)
        update_settings(lambda s: s.set_token_saved_at("default", 2_000.0))
        await session.save_settings()
        assert session.settings.profiles["default"].token_saved_at == 2_000.0
    finally:
        release.set()
    await applying


async def test_a_change_taken_in_during_the_keyring_work_stays(
    qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = with_work()

    def dark(dialog: SettingsDialog) -> None:
        dialog.theme_combo.setCurrentIndex(dialog.theme_combo.findData("dark"))

    change = ok(qtbot, session, dark)
    await apply_with_token_set_meanwhile(session, change, monkeypatch)
    saved = load_settings()
    assert (saved.theme, saved.profiles["default"].token_saved_at) == ("dark", 2_000.0)
    live = session.settings
    assert (live.theme, live.profiles["default"].token_saved_at) == ("dark", 2_000.0)


async def test_a_rename_moves_the_token_and_keeps_a_change_taken_in_meanwhile(
    qtbot, monkeypatch: pytest.MonkeyPatch, memory_keyring: MemoryKeyring
) -> None:
    session = with_work()
    memory_keyring.store[(KEYRING_SERVICE, "work")] = "works-token"

    def rename(dialog: SettingsDialog) -> None:
        dialog.select_profile("work")
        dialog.editor.name_edit.setText("job")

    change = ok(qtbot, session, rename)
    assert change.renames == {"work": "job"}
    await apply_with_token_set_meanwhile(session, change, monkeypatch)
    saved = load_settings()
    assert sorted(saved.profiles) == ["default", "job"]
    assert saved.profiles["default"].token_saved_at == 2_000.0
    assert sorted(session.settings.profiles) == ["default", "job"]
    assert memory_keyring.store.get((KEYRING_SERVICE, "job")) == "works-token"
    assert (KEYRING_SERVICE, "work") not in memory_keyring.store
