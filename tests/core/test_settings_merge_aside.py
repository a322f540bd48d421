"""A merging save (``save_settings(..., since=...)``: the window's, ``token set``'s)
writes over the file as another writer left it; what it cannot carry over is kept
beside it as ``settings.json.bad`` first, as ``load_settings`` keeps it: a newer
version's fields, parts that had to be repaired, a whole file that is not settings."""

from __future__ import annotations

import json
from pathlib import Path

from tcb_gui.core.settings import (
    SETTINGS_VERSION,
    Settings,
    load_settings,
    save_settings,
    settings_path,
)


def bad_copy() -> Path:
    return settings_path().with_name("settings.json.bad")


def opened_window() -> tuple[Settings, Settings]:
    save_settings(Settings())
    window = load_settings()
    return window, window.copy()


def test_a_newer_versions_file_is_kept_before_a_merge_writes_over_it() -> None:
    window, since = opened_window()
    newer = json.loads(settings_path().read_text("utf-8"))
    newer["version"] = SETTINGS_VERSION + 1
    newer["proxy"] = "http://proxy.example.com:3128"
    newer["profiles"]["default"]["region"] = "ap-shanghai"
    newer["language"] = "zh_CN"
    raw = json.dumps(newer).encode("utf-8")
    settings_path().write_bytes(raw)
    window.theme = "dark"
    save_settings(window, since=since)
    assert bad_copy().read_bytes() == raw  # nothing the newer version wrote is lost
    saved = load_settings()
    assert (saved.theme, saved.language) == ("dark", "zh_CN")  # merged on top of it


def test_a_corrupt_file_is_kept_before_a_merge_writes_over_it() -> None:
    window, since = opened_window()
    raw = b'{"profiles": {"work": {"api": "tcb"}}, "theme": "light", oops'
    settings_path().write_bytes(raw)
    window.language = "en"
    save_settings(window, since=since)
    assert bad_copy().read_bytes() == raw
    assert load_settings().language == "en"


def test_a_partly_invalid_file_is_kept_before_a_merge_writes_over_it() -> None:
    window, since = opened_window()
    partly = json.loads(settings_path().read_text("utf-8"))
    partly["history_size"] = "many"
    raw = json.dumps(partly).encode("utf-8")
    settings_path().write_bytes(raw)
    window.theme = "light"
    save_settings(window, since=since)
    assert bad_copy().read_bytes() == raw


def test_a_merge_over_a_sound_file_keeps_nothing_aside() -> None:
    window, since = opened_window()
    window.theme = "dark"
    save_settings(window, since=since)
    assert not bad_copy().exists()


def test_a_file_with_a_secret_in_it_is_not_copied_by_a_merge() -> None:
    window, since = opened_window()
    planted = json.loads(settings_path().read_text("utf-8"))
    planted["access_token"] = "pasted-by-hand"
    settings_path().write_text(json.dumps(planted), "utf-8")
    window.theme = "dark"
    save_settings(window, since=since)
    assert not bad_copy().exists()
    assert "pasted-by-hand" not in settings_path().read_text("utf-8")
