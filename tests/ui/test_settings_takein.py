"""What the window takes in of another writer's change to the settings file when it
saves (``ui.session.Session._take_in``): per field, as the file's merge does, so a
profile this window changed while its save was being written keeps the other writer's
change to its other fields, and the window's next save does not undo it."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from tcb_gui.core import settings as core_settings
from tcb_gui.core.settings import Settings, load_settings, save_settings, update_settings
from tcb_gui.core.tokens import TokenStore
from tcb_gui.ui import session as session_module
from tcb_gui.ui.session import Session


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
