"""What the window takes in of another writer's change to the settings file when it
saves (``ui.session.Session._take_in``): per field, as the file's merge does, so a
profile this window changed while its save was being written keeps the other writer's
change to its other fields, and the window's next save does not undo it."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from tcb_gui.core import settings as core_settings
from tcb_gui.core.settings import (
    Profile,
    Settings,
    load_settings,
    save_settings,
    update_settings,
)
from tcb_gui.core.tokens import TokenStore
from tcb_gui.ui import session as session_module
from tcb_gui.ui.main_window import MainWindow
from tcb_gui.ui.session import Session
from tests.ui.conftest import WindowFactory

ELSEWHERE = "https://tcb.example.com"


def while_writing(patch: pytest.MonkeyPatch, change: Callable[[], object]) -> None:
    """The window's next save runs ``change`` (an edit in the window) once the file is
    written, before the save ends: an edit made while the save was in flight."""

    def save(settings: Settings, *, since: Settings | None = None) -> Settings:
        written = core_settings.save_settings(settings, since=since)
        change()
        return written

    patch.setattr(session_module, "save_settings", save)


async def test_a_profile_changed_during_a_save_keeps_the_other_writers_fields(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = Settings()
    settings.set_token_saved_at("default", 1_000.0)
    save_settings(settings)
    session = Session(load_settings(), TokenStore())
    update_settings(lambda s: s.set_token_saved_at("default", 2_000.0))  # token set

    live = session.settings
    max_age = live.current().max_age + 60
    with monkeypatch.context() as patch:
        while_writing(
            patch, lambda: live.put_profile(dataclasses.replace(live.current(), max_age=max_age))
        )
        await session.save_settings()
    assert load_settings().current().token_saved_at == 2_000.0
    assert live.current().token_saved_at == 2_000.0  # taken in per field
    assert live.current().max_age == max_age  # the window's own edit stays

    await session.save_settings()  # writes the window's edit, and only that
    saved = load_settings().current()
    assert (saved.token_saved_at, saved.max_age) == (2_000.0, max_age)


def combo_names(window: MainWindow) -> list[str]:
    combo = window.token_panel.profile_combo
    return [combo.itemData(i) for i in range(combo.count())]


@pytest.mark.qt_log_ignore("propagateSizeHints")
async def test_the_strip_shows_what_a_save_took_in(make_window: WindowFactory) -> None:
    """Another window removes a profile and the command line moves the one in use; the
    window's next save (a run's start, any caller) takes both in, and its profile strip
    then lists what the file holds and says where the profile now points."""
    settings = Settings()
    settings.put_profile(Profile(name="old"))
    save_settings(settings)
    window = make_window(settings=load_settings())
    assert combo_names(window) == ["default", "old"]
    update_settings(lambda s: s.remove_profile("old"))
    update_settings(lambda s: s.put_profile(dataclasses.replace(s.current(), base_url=ELSEWHERE)))
    window.session.settings.theme = "dark"  # something of its own to save
    assert await window.session.save_settings()
    assert combo_names(window) == ["default"]
    assert ELSEWHERE in window.token_panel.where.full_text()
    assert not await window.session.save_settings()  # nothing more taken in


async def test_the_profile_in_use_changed_here_comes_back_after_a_removal_elsewhere() -> None:
    """Another window removed the profile this one uses: this window keeps it, and once it
    changes it (a run with another link life), the file has it again with that change,
    instead of the change being dropped without a word."""
    settings = Settings()
    settings.put_profile(Profile(name="work"))
    settings.select_profile("work")
    save_settings(settings)
    session = Session(load_settings(), TokenStore())
    update_settings(lambda s: s.remove_profile("work"))
    session.settings.theme = "dark"
    await session.save_settings()
    assert "work" not in load_settings().profiles
    assert session.profile.name == "work"  # kept here: its token is loaded
    assert session.update_run_options(max_age=900, concurrency=3)
    await session.save_settings()
    saved = load_settings()
    assert saved.profiles["work"].max_age == 900
    assert saved.current_profile == "default"  # the other writer's choice stays its own
    assert "work" in session.settings.profiles


async def test_a_profile_removed_elsewhere_and_left_alone_here_stays_removed() -> None:
    settings = Settings()
    settings.put_profile(Profile(name="work"))
    save_settings(settings)
    session = Session(load_settings(), TokenStore())
    update_settings(lambda s: s.remove_profile("work"))
    assert session.update_run_options(max_age=900, concurrency=3)  # "default", not "work"
    await session.save_settings()
    assert sorted(load_settings().profiles) == ["default"]
    assert sorted(session.settings.profiles) == ["default"]
