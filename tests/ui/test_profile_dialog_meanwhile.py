"""Edit profile… stays open while another writer changes the settings file (``tcb-gui
token set`` writes the token's time) and the window takes that in with a save of its
own. Save applies only the fields the user changed in the dialog, on top of the profile
as the window holds it then: the rule Settings OK follows
(``settings_dialog.edited_on_live``, test_settings_dialog_meanwhile)."""

from __future__ import annotations

import dataclasses

import pytest

from tcb_gui.core.settings import Settings, load_settings, save_settings, update_settings
from tcb_gui.core.tokens import KEYRING_SERVICE, app_secret_user
from tcb_gui.ui import task_names
from tcb_gui.ui.main_window import MainWindow
from tests.memory_keyring import MemoryKeyring
from tests.ui.conftest import WindowFactory

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def window_on_saved(make_window: WindowFactory) -> MainWindow:
    settings = Settings()
    settings.set_token_saved_at("default", 1_000.0)
    save_settings(settings)
    return make_window(settings=load_settings())


async def meanwhile(window: MainWindow, change) -> None:  # type: ignore[no-untyped-def]
    """Another writer's change, taken in by a save of the window's (a run's start)."""
    update_settings(change)
    await window.session.save_settings()


async def save(window: MainWindow, dialog) -> None:  # type: ignore[no-untyped-def]
    dialog.accept()
    assert dialog.profile() is not None, dialog.error.text()
    task = window.tasks.get(task_names.PROFILE)
    assert task is not None
    await task


async def test_a_field_left_alone_keeps_the_other_writers_change(
    make_window: WindowFactory,
) -> None:
    window = window_on_saved(make_window)
    dialog = window.tokens.show_profile_dialog()
    await meanwhile(window, lambda s: s.set_token_saved_at("default", 2_000.0))
    assert window.session.settings.current().token_saved_at == 2_000.0
    life = dialog.max_age_spin.value() + 60
    dialog.max_age_spin.setValue(life)
    await save(window, dialog)
    saved = load_settings().profiles["default"]
    assert (saved.token_saved_at, saved.max_age) == (2_000.0, life)
    live = window.session.settings.profiles["default"]
    assert (live.token_saved_at, live.max_age) == (2_000.0, life)


async def test_a_field_changed_here_wins_over_the_other_writers_change_to_it(
    make_window: WindowFactory,
) -> None:
    window = window_on_saved(make_window)
    dialog = window.tokens.show_profile_dialog()
    before = window.session.settings.current()

    def both(s: Settings) -> None:
        s.put_profile(dataclasses.replace(s.current(), concurrency=3, max_age=600))
        s.set_token_saved_at("default", 2_000.0)

    await meanwhile(window, both)
    dialog.concurrency_spin.setValue(before.concurrency + 1)
    await save(window, dialog)
    saved = load_settings().profiles["default"]
    # Mine: the concurrency changed here; theirs: the link life and the token's time.
    assert (saved.concurrency, saved.max_age, saved.token_saved_at) == (
        before.concurrency + 1,
        600,
        2_000.0,
    )


async def test_a_new_profile_does_not_replace_one_another_writer_added_meanwhile(
    make_window: WindowFactory, memory_keyring: MemoryKeyring
) -> None:
    """New profile… is open; the command line adds "Prod" (with its AppSecret in the
    keyring) and the window takes it in. Saving a new "prod" here would replace that
    profile and its keyring entry: nothing is saved, and the banner says why."""
    from tcb_gui.core.settings import Profile

    window = window_on_saved(make_window)
    dialog = window.tokens.show_profile_dialog(new=True)
    theirs = Profile(name="Prod", base_url="https://tcb.example.com")
    await meanwhile(window, lambda s: s.put_profile(theirs))
    memory_keyring.store[(KEYRING_SERVICE, app_secret_user("Prod"))] = "theirs"
    dialog.name_edit.setText("prod")
    await save(window, dialog)
    assert load_settings().profiles.get("Prod") == theirs
    assert "prod" not in load_settings().profiles
    assert memory_keyring.store[(KEYRING_SERVICE, app_secret_user("Prod"))] == "theirs"
    assert window.session.settings.current_profile == "default"
    banner = window.banners.banner("profile")
    assert banner is not None
    assert "“Prod” was added in another window" in banner.text


async def test_a_new_profile_does_not_replace_one_saved_before_the_window_read_it(
    make_window: WindowFactory, memory_keyring: MemoryKeyring
) -> None:
    """The command line saved "prod" (and its AppSecret) after the window last read the
    file and before New profile… was opened: the window learns of it when it saves, so it
    saves first, then checks the name."""
    from tcb_gui.core.settings import Profile

    window = window_on_saved(make_window)
    theirs = Profile(name="prod", base_url="https://b.example.com")
    update_settings(lambda s: s.put_profile(theirs))
    memory_keyring.store[(KEYRING_SERVICE, app_secret_user("prod"))] = "c" * 32
    mine = Profile(name="prod", base_url="https://a.example.com")
    await window.tokens.save_profile(mine, "d" * 32)  # New profile…, Save
    assert load_settings().profiles["prod"] == theirs
    assert memory_keyring.store[(KEYRING_SERVICE, app_secret_user("prod"))] == "c" * 32
    banner = window.banners.banner("profile")
    assert banner is not None
    assert "“prod” was added in another window" in banner.text
