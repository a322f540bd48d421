"""The window's remembered choices live in the settings file: export folder, format and
BOM, hidden columns, the details pane; a bad value in the file is repaired, not fatal."""

from __future__ import annotations

import json

import pytest

from tcb_gui.core.errors import InputError
from tcb_gui.core.settings import Settings, load_settings, save_settings, settings_path


def test_window_prefs_round_trip() -> None:
    settings = Settings(
        export_dir="/tmp/exports",
        export_format="json",
        export_bom=True,
        hidden_columns=("link", "env", "link"),
        details_pane=False,
    )
    save_settings(settings)
    back = load_settings()
    assert (back.export_dir, back.export_format, back.export_bom) == ("/tmp/exports", "json", True)
    assert back.hidden_columns == ("link", "env")
    assert back.details_pane is False


def test_bad_window_prefs_in_the_file_fall_back_to_defaults() -> None:
    save_settings(Settings())
    data = json.loads(settings_path().read_text("utf-8"))
    data.update(export_format="xlsx", export_bom="yes", hidden_columns=["status"])
    settings_path().write_text(json.dumps(data), "utf-8")
    back = load_settings()
    assert (back.export_format, back.export_bom, back.hidden_columns) == ("csv", False, ())


def test_bad_window_prefs_in_code_are_refused() -> None:
    with pytest.raises(InputError):
        Settings(export_format="xlsx")
    with pytest.raises(InputError):
        Settings(hidden_columns=("status",))
