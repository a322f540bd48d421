"""A Link life or At once typed in the toolbar sticks.

They were written to the profile only when a resolve started, so Settings… OK (any
change), a profile switch or a restart put the profile's old values back in the toolbar
and the next download or Refresh expired silently asked for 2-hour links. Now a change
is kept in the profile at once and written to the settings file after a short pause.
"""

from __future__ import annotations

import pytest

from tcb_gui.core.settings import Profile, Settings, load_settings
from tcb_gui.ui import task_names
from tcb_gui.ui.main_window import MainWindow
from tcb_gui.ui.settings_dialog import SettingsChange
from tests.ui.conftest import WindowFactory, wait_until

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only

DAY = 86_400


def two_profiles() -> Settings:
    settings = Settings()
    settings.put_profile(Profile(name="default", base_url="https://a.example.com"))
    settings.put_profile(Profile(name="other", base_url="https://b.example.com", max_age=600))
    settings.select_profile("default")
    return settings


def saved_run_options() -> tuple[int, int]:
    profile = load_settings().current()
    return profile.max_age, profile.concurrency


def toolbar(window: MainWindow) -> tuple[int, int]:
    return window.max_age_spin.value(), window.concurrency_spin.value()


async def typed(window: MainWindow) -> None:
    """One day and 8 at once typed in the toolbar, and written to the file."""
    assert toolbar(window) != (DAY, 8)
    window.max_age_spin.setValue(DAY)
    window.concurrency_spin.setValue(8)
    await wait_until(lambda: saved_run_options() == (DAY, 8), 5)


async def test_settings_ok_and_a_profile_switch_show_the_typed_values_back(
    make_window: WindowFactory,
) -> None:
    window = make_window(settings=two_profiles())
    await typed(window)
    # Settings… OK with an unrelated change (history size): the toolbar stays.
    base = window.session.settings.copy()
    edited = base.copy()
    edited.history_size = base.history_size + 1
    await window.tokens.apply_settings(SettingsChange(settings=edited, base=base))
    assert load_settings().history_size == base.history_size + 1
    assert toolbar(window) == (DAY, 8)
    # Away to another profile (its own values) and back.
    await window.tokens.switch_profile("other")
    assert window.max_age_spin.value() == 600
    await window.tokens.switch_profile("default")
    assert toolbar(window) == (DAY, 8)
    assert load_settings().profiles["other"].max_age == 600  # the other's untouched


async def test_a_restart_shows_the_typed_values(make_window: WindowFactory) -> None:
    window = make_window(settings=two_profiles())
    await typed(window)
    assert not window.tasks.running(task_names.RESOLVE)  # no resolve wrote them
    again = make_window(settings=load_settings())
    assert toolbar(again) == (DAY, 8)
