"""Profile names that differ only by case ("Prod", "prod") read alike and would share a
keyring entry on Windows (``profile_name_key``): no new one is added beside the other. A
file that already holds both (an older version, a hand edit) keeps both; two writers
adding such names at once end with the one whose save came first."""

from __future__ import annotations

import json
import logging

import pytest

from tcb_gui.core.settings import (
    Profile,
    Settings,
    load_settings,
    save_settings,
    settings_path,
    update_settings,
)


def test_a_file_with_two_names_that_read_alike_keeps_both() -> None:
    settings_path().parent.mkdir(parents=True, exist_ok=True)
    raw = json.dumps(
        {
            "version": 1,
            "profiles": {
                "Prod": {"base_url": "https://prod.example.com"},
                "prod": {"base_url": "https://other.example.com"},
                "Default": {},
            },
        }
    ).encode("utf-8")
    settings_path().write_bytes(raw)
    settings = load_settings()
    assert sorted(settings.profiles) == ["Default", "Prod", "default", "prod"]
    assert settings.profiles["Prod"].base_url == "https://prod.example.com"
    assert settings.profiles["prod"].base_url == "https://other.example.com"
    assert settings_path().read_bytes() == raw  # nothing repaired, nothing rewritten
    assert not settings_path().with_name("settings.json.bad").exists()


def test_two_writers_adding_names_that_read_alike_keep_the_first_saved(
    caplog: pytest.LogCaptureFixture,
) -> None:
    save_settings(Settings())
    window = load_settings()
    window_read = window.copy()
    update_settings(lambda s: s.put_profile(Profile(name="Prod", base_url="https://a.example.com")))
    window.put_profile(Profile(name="prod", base_url="https://b.example.com"))
    with caplog.at_level(logging.WARNING, logger="tcb_gui.core.settings"):
        written = save_settings(window, since=window_read)
    assert sorted(written.profiles) == ["Prod", "default"]
    assert sorted(load_settings().profiles) == ["Prod", "default"]
    assert load_settings().profiles["Prod"].base_url == "https://a.example.com"
    assert "prod" in caplog.text  # said in the log, not dropped silently
