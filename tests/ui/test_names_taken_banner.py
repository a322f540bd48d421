"""The window says when a profile of its own cannot be saved because another writer
added one whose name reads alike by case (``Session.names_taken``), with the way out
(Settings… to rename it), and stops saying so once that is no longer the case."""

from __future__ import annotations

import dataclasses

import pytest

from tcb_gui.core.settings import Profile, Settings, load_settings, save_settings, update_settings
from tcb_gui.ui.main_window import MainWindow
from tcb_gui.ui.settings_dialog import SettingsChange
from tcb_gui.ui.token_presenter import NAME_DROPPED_BANNER, NAME_TAKEN_BANNER
from tests.ui.conftest import WindowFactory

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only

MINE = Profile(name="prod", base_url="https://a.example.com")
THEIRS = Profile(name="Prod", base_url="https://b.example.com")


async def name_taken_meanwhile(make_window: WindowFactory, *, select: bool = True) -> MainWindow:
    """A window that adds "prod" (switched to, or not) and saves, after the command line
    added "Prod" to the file."""
    save_settings(Settings())
    window = make_window(settings=load_settings())
    update_settings(lambda s: s.put_profile(THEIRS))  # the command line, meanwhile
    window.session.put_profile(MINE, select=select)  # New profile…
    await window.session.save_settings()
    return window


async def test_a_name_taken_elsewhere_is_said_with_the_way_out(make_window: WindowFactory) -> None:
    window = await name_taken_meanwhile(make_window)
    session = window.session
    assert session.names_taken == {"prod": "Prod"}
    banner = window.banners.banner(NAME_TAKEN_BANNER)
    assert banner is not None
    assert "“Prod” was added in another window" in banner.text
    assert "“prod” cannot be saved" in banner.text
    assert "Settings…" in banner.button_texts()

    session.select_profile("Prod")  # the user takes theirs: "prod" leaves the list
    await session.save_settings()
    assert session.names_taken == {}
    assert window.banners.banner(NAME_TAKEN_BANNER) is None


async def test_the_banner_goes_once_the_profile_is_renamed_in_settings(
    make_window: WindowFactory,
) -> None:
    """The banner's own advice: Settings, rename "prod" to "prod2". The list does not
    change by the save (the rename did), the name is free: the banner goes."""
    window = await name_taken_meanwhile(make_window)
    session = window.session
    assert window.banners.banner(NAME_TAKEN_BANNER) is not None
    live = session.settings
    renamed = live.copy()
    del renamed.profiles["prod"]
    renamed.profiles["prod2"] = dataclasses.replace(MINE, name="prod2")
    renamed.current_profile = "prod2"
    change = SettingsChange(settings=renamed, base=live.copy(), renames={"prod": "prod2"})
    await window.tokens.apply_settings(change)
    assert session.names_taken == {}
    assert sorted(load_settings().profiles) == ["Prod", "default", "prod2"]
    assert window.banners.banner(NAME_TAKEN_BANNER) is None


async def test_settings_asks_for_the_rename_the_banner_asks_for(
    make_window: WindowFactory,
) -> None:
    """While "prod" cannot be saved, Settings' OK points at "prod" (not at the other
    writer's "Prod") and says what to do; renamed there, OK goes through."""
    window = await name_taken_meanwhile(make_window)
    dialog = window.tokens.show_settings_dialog()
    dialog.history_spin.setValue(dialog.history_spin.value() + 1)
    dialog.accept()
    assert dialog.change() is None
    words = dialog.error.text()
    assert words.startswith("Profile “prod”: Another window or the command line added “Prod”")
    assert "rename it" in words
    assert dialog.editor.name_edit.text() == "prod"  # the draft in question is shown
    dialog.editor.name_edit.setText("prod2")
    dialog.accept()
    assert dialog.change() is not None


async def test_a_profile_not_in_use_dropped_by_the_name_rule_is_said(
    make_window: WindowFactory,
) -> None:
    """ "prod" was added here (not switched to) while another writer added "Prod": the
    file keeps theirs, the window's leaves its list, and a banner says so."""
    window = await name_taken_meanwhile(make_window, select=False)
    session = window.session
    assert session.names_dropped == {"prod": "Prod"}
    assert "prod" not in session.profile_names()
    banner = window.banners.banner(NAME_DROPPED_BANNER)
    assert banner is not None
    assert banner.text.startswith("Profile “prod” was not saved: another window")
    assert window.banners.banner(NAME_TAKEN_BANNER) is None
