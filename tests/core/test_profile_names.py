"""One rule for profile names that differ only in case ("Prod", "prod"): Windows'
Credential Locker keeps their keyring entries as one, so core refuses to create or
rename a profile to such a name, naming the profile it reads like; both faces render
that error. A file that already holds such a pair keeps both, and each stays usable."""

from __future__ import annotations

import json

import pytest

from tcb_gui.core.errors import InputError
from tcb_gui.core.settings import (
    Profile,
    Settings,
    check_new_profile_name,
    load_settings,
    save_settings,
    settings_path,
)


def _with(*names: str) -> Settings:
    settings = Settings()
    for name in names:
        settings.put_profile(Profile(name=name))
    return settings


@pytest.mark.parametrize(
    ("new", "existing"), [("Prod", "prod"), ("PROD", "prod"), ("CAFE\u0301", "café")]
)
def test_a_new_profile_alike_an_existing_one_is_refused_naming_it(new: str, existing: str) -> None:
    settings = _with("prod", "café")
    before = dict(settings.profiles)
    with pytest.raises(InputError) as caught:
        settings.put_profile(Profile(name=new))
    assert repr(existing) in caught.value.message
    assert "case" in caught.value.message
    assert settings.profiles == before


def test_the_default_profile_takes_no_alike_name_either() -> None:
    with pytest.raises(InputError, match="'default'"):
        Settings().put_profile(Profile(name="Default"))


def test_a_profile_is_replaced_under_its_own_name() -> None:
    settings = _with("Prod")
    settings.put_profile(Profile(name="Prod", max_age=600))
    assert settings.profiles["Prod"].max_age == 600


def test_a_rename_may_change_only_the_case_of_the_profile_renamed() -> None:
    names = ["default", "prod", "test"]
    assert check_new_profile_name("Prod", names, renaming="prod") == "Prod"
    with pytest.raises(InputError, match="'prod'"):
        check_new_profile_name("Prod", names, renaming="test")
    with pytest.raises(InputError, match="'test'"):
        check_new_profile_name("TEST", names)


def test_a_refused_name_is_refused_as_a_name_first() -> None:
    with pytest.raises(InputError, match="Invalid profile name"):
        check_new_profile_name("a/b", ["default"])


def _write_pair() -> bytes:
    settings_path().parent.mkdir(parents=True, exist_ok=True)
    raw = json.dumps(
        {
            "version": 1,
            "current_profile": "prod",
            "profiles": {
                "default": {},
                "Prod": {"base_url": "https://a.example.com"},
                "prod": {"base_url": "https://b.example.com"},
            },
        }
    ).encode("utf-8")
    settings_path().write_bytes(raw)
    return raw


def test_a_file_holding_a_pair_loads_both_and_saves_both_changed() -> None:
    _write_pair()
    settings = load_settings()
    assert settings.current_profile == "prod"
    assert settings.current().base_url == "https://b.example.com"
    read = settings.copy()
    settings.put_profile(Profile(name="Prod", base_url="https://a.example.com", max_age=60))
    settings.put_profile(Profile(name="prod", base_url="https://b.example.com", max_age=90))
    save_settings(settings, since=read)
    again = load_settings()
    assert {name: p.max_age for name, p in again.profiles.items() if name != "default"} == {
        "Prod": 60,
        "prod": 90,
    }


def test_a_pair_on_disk_takes_no_third_alike_name_from_a_saving_writer() -> None:
    save_settings(Settings())
    window = load_settings()
    read = window.copy()
    window.put_profile(Profile(name="PROD"))  # nothing alike here when it was added
    _write_pair()  # meanwhile, another writer (an older version) wrote the pair
    written = save_settings(window, since=read)
    assert sorted(written.profiles) == ["Prod", "default", "prod"]
