"""A settings file that already holds "Prod" and "prod" (written before names were
compared ignoring case) opens in the window with both: listed, each switched to with its
own set-up, and both still in the file after the window saves."""

from __future__ import annotations

import json

import pytest

from tcb_gui.core.settings import load_settings, settings_path
from tests.ui.conftest import WindowFactory, wait_until

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only


def write_pair(current: str = "default") -> None:
    """A settings file from before names were compared without case: "Prod" and "prod"
    side by side, ``current`` in use."""
    settings_path().parent.mkdir(parents=True, exist_ok=True)
    profiles = {
        "default": {},
        "Prod": {"base_url": "https://a.example.com"},
        "prod": {"base_url": "https://b.example.com"},
    }
    data = {"version": 1, "current_profile": current, "profiles": profiles}
    settings_path().write_text(json.dumps(data), encoding="utf-8")


async def test_a_pair_from_an_older_file_is_listed_and_used_apart(
    make_window: WindowFactory,
) -> None:
    write_pair(current="Prod")
    window = make_window(settings=load_settings())
    combo = window.token_panel.profile_combo
    listed = [combo.itemData(i) for i in range(combo.count())]
    assert sorted(listed) == ["Prod", "default", "prod"]
    assert "a.example.com" in window.token_panel.where.full_text()

    await window.tokens.switch_profile("prod")
    assert window.session.profile.name == "prod"
    assert "b.example.com" in window.token_panel.where.full_text()
    await window.session.save_settings()
    assert sorted(load_settings().profiles) == ["Prod", "default", "prod"]


async def test_settings_ok_saves_beside_a_pair_from_an_older_file(
    make_window: WindowFactory,
) -> None:
    """The pair stays as it is: Settings' OK for another change is not refused until one
    of them is renamed, and both are still in the file after it."""
    write_pair()
    window = make_window(settings=load_settings())
    dialog = window.tokens.show_settings_dialog()
    dialog.history_spin.setValue(dialog.history_spin.value() + 1)
    dialog.accept()
    await wait_until(lambda: not dialog.isVisible(), 5)
    assert dialog.error.text() == ""
    saved = load_settings()
    assert sorted(saved.profiles) == ["Prod", "default", "prod"]
    assert saved.history_size == window.session.settings.history_size


async def test_a_name_alike_one_of_the_pair_is_still_refused(make_window: WindowFactory) -> None:
    write_pair()
    window = make_window(settings=load_settings())
    dialog = window.tokens.show_settings_dialog()
    dialog.add_profile()
    dialog.editor.name_edit.setText("PROD")
    dialog.accept()
    assert dialog.isVisible()
    assert "exists" in dialog.error.text()
    dialog.reject()
