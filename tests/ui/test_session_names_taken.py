"""Two profiles whose names differ only by case cannot both be in the file (they would
share a keyring entry on Windows: ``profile_name_key``). When another writer added
"Prod" while this window made and selected "prod", the file's merge drops this window's:
the window keeps using "prod" until it switches profiles or closes, says so in the log,
and never writes it again (each save would be dropped again, with a repair warning every
time)."""

from __future__ import annotations

import logging

import pytest

from tcb_gui.core.settings import Profile, Settings, load_settings, save_settings
from tcb_gui.core.tokens import TokenStore
from tcb_gui.ui.session import Session

MINE = Profile(name="prod", base_url="https://a.example.com")
THEIRS = Profile(name="Prod", base_url="https://b.example.com")


async def window_on_a_name_taken_elsewhere() -> Session:
    save_settings(Settings())
    session = Session(load_settings(), TokenStore())
    before = load_settings()  # another writer adds "Prod" meanwhile
    after = before.copy()
    after.put_profile(THEIRS)
    save_settings(after, since=before)
    session.put_profile(MINE)  # New profile…, selected
    await session.save_settings()
    return session


async def test_the_profile_in_use_stays_but_is_never_written_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        session = await window_on_a_name_taken_elsewhere()
    assert session.names_taken == {"prod": "Prod"}
    assert session.profile == MINE  # still the one in use here
    assert any("cannot be saved" in r.getMessage() for r in caplog.records)
    disk = load_settings()
    assert list(disk.profiles) == ["default", "Prod"]
    assert disk.profiles["Prod"] == THEIRS

    caplog.clear()
    with caplog.at_level(logging.WARNING):
        session.update_run_options(MINE.max_age + 60, 2)
        await session.save_settings()
        await session.save_settings()
    assert [r.getMessage() for r in caplog.records] == []  # not dropped again, nor said again
    disk = load_settings()
    assert list(disk.profiles) == ["default", "Prod"]
    assert disk.current_profile == "default"
    assert session.profile.name == "prod"
    assert session.profile.max_age == MINE.max_age + 60


async def test_switching_away_drops_it_from_the_list(caplog: pytest.LogCaptureFixture) -> None:
    session = await window_on_a_name_taken_elsewhere()
    session.select_profile("Prod")
    with caplog.at_level(logging.WARNING):
        await session.save_settings()
    assert session.profile_names() == ["default", "Prod"]
    assert session.names_taken == {}
    assert any("was dropped" in r.getMessage() for r in caplog.records)
    assert load_settings().current_profile == "Prod"


async def test_written_once_the_other_name_is_gone() -> None:
    session = await window_on_a_name_taken_elsewhere()
    before = load_settings()  # the other writer removes "Prod"
    after = before.copy()
    del after.profiles["Prod"]
    save_settings(after, since=before)
    await session.save_settings()  # learns that the name is free
    await session.save_settings()
    assert session.names_taken == {}
    disk = load_settings()
    assert disk.profiles["prod"] == MINE
    assert disk.current_profile == "prod"
