"""Two writers of the settings file at once: the window holds its settings for as long as
it is open, while the command line (``tcb-gui token set``, ``token set --appsecret``)
changes a profile. Each writes only what it changed, on top of the file's content at
that moment (core.settings.save_settings ``since``, update_settings; ui.session's
save): neither undoes the other, and one field changed by both is the last writer's."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import socket
import time
from pathlib import Path

from tcb_gui.core.auth_mode import AuthMode
from tcb_gui.core.settings import (
    Profile,
    Settings,
    load_settings,
    save_settings,
    settings_path,
    update_settings,
)
from tcb_gui.core.tokens import TokenStore
from tcb_gui.demo.service import DEMO_APPID, DEMO_APPSECRET
from tcb_gui.ui.session import Session
from tests.e2e.cli_helpers import run_subprocess
from tests.memory_keyring import MemoryKeyring
from tests.ui.test_settings_dialog_meanwhile import Notes

WRITERS = 4
ROUNDS = 25


def two_profiles() -> None:
    settings = Settings()
    settings.put_profile(Profile(name="work"))
    save_settings(settings)


def refused_url() -> str:
    """A loopback address where nothing listens (connection refused at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def on_disk() -> dict[str, object]:
    data: dict[str, object] = json.loads(settings_path().read_text("utf-8"))
    return data


def test_two_writers_of_different_fields_both_keep_their_change() -> None:
    two_profiles()
    first = load_settings()
    first_read = first.copy()
    second = load_settings()
    second_read = second.copy()
    second.theme = "dark"
    second.set_token_saved_at("work", 1_000.0)
    save_settings(second, since=second_read)
    first.language = "zh_CN"
    first.download_concurrency = 7
    written = save_settings(first, since=first_read)
    saved = load_settings()
    assert (saved.theme, saved.language, saved.download_concurrency) == ("dark", "zh_CN", 7)
    assert saved.profiles["work"].token_saved_at == 1_000.0
    assert written.theme == "dark"  # what was written, handed back to the writer


def test_one_field_changed_by_both_is_the_last_writers() -> None:
    first = load_settings()
    first_read = first.copy()
    second = load_settings()
    second_read = second.copy()
    second.theme = "dark"
    save_settings(second, since=second_read)
    first.theme = "light"
    save_settings(first, since=first_read)
    assert load_settings().theme == "light"
    second_again = load_settings()
    read = second_again.copy()
    second_again.theme = "dark"
    save_settings(second_again, since=read)
    assert load_settings().theme == "dark"


def test_a_profile_removed_by_one_and_a_field_changed_by_the_other() -> None:
    """Removing a profile stands against a change of another profile, and a new profile
    added by one writer is not dropped by the other's save."""
    two_profiles()
    window = load_settings()
    window_read = window.copy()
    update_settings(lambda s: s.put_profile(Profile(name="staging")))
    window.remove_profile("work")
    save_settings(window, since=window_read)
    assert sorted(load_settings().profiles) == ["default", "staging"]


def _note_token_saved(number: int, start: float) -> None:
    while time.time() < start:
        time.sleep(0.001)
    for round_ in range(ROUNDS):
        name = f"p{number}"
        update_settings(lambda s, n=name, r=round_: s.set_token_saved_at(n, float(r)))


def test_command_line_writers_at_once_lose_nothing() -> None:
    """Real processes, each noting its own profile's token time again and again (what
    ``token set`` does): every profile ends with its writer's last value."""
    settings = Settings()
    for number in range(WRITERS):
        settings.put_profile(Profile(name=f"p{number}"))
    save_settings(settings)
    context = multiprocessing.get_context("fork")
    start = time.time() + 0.3
    processes = [context.Process(target=_note_token_saved, args=(n, start)) for n in range(WRITERS)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(60)
        assert process.exitcode == 0
    saved = load_settings()
    for number in range(WRITERS):
        assert saved.profiles[f"p{number}"].token_saved_at == float(ROUNDS - 1), number


def test_the_window_keeps_what_the_command_line_changed_meanwhile(
    isolated_home: Path, memory_keyring: MemoryKeyring
) -> None:
    """The window is open; ``tcb-gui token set --appsecret --profile work`` (a real
    process) switches "work" to its AppID; then the window saves its own change (the
    link life it last used). Both are in the file, and the window now knows the profile's
    new mode: its next save does not switch it back."""
    two_profiles()
    session = Session(load_settings(), TokenStore(backend=memory_keyring))
    cli = run_subprocess(
        [
            *("token", "set", "--appsecret", "--appid", DEMO_APPID, "--profile", "work"),
            *("--base-url", refused_url()),  # the check after saving fails at once
        ],
        home=isolated_home,
        token=None,
        stdin=f"{DEMO_APPSECRET}\n".encode(),
        # A keyring in the subprocess's memory: the profile is switched once it kept it.
        extra_env={"PYTHON_KEYRING_BACKEND": "tests.memory_keyring.MemoryKeyring"},
    )
    assert "Saved the AppSecret" in cli.stderr, cli.stderr
    assert "now gets its tokens with the AppID" in cli.stderr, cli.stderr
    assert DEMO_APPSECRET not in cli.printed
    assert session.update_run_options(max_age=600, concurrency=3)
    asyncio.run(session.save_settings())
    saved = load_settings()
    assert saved.profiles["work"].auth is AuthMode.APPSECRET
    assert saved.profiles["work"].appid == DEMO_APPID
    assert (saved.current().max_age, saved.current().concurrency) == (600, 3)
    assert session.settings.profiles["work"].auth is AuthMode.APPSECRET
    session.settings.theme = "dark"
    asyncio.run(session.save_settings())
    assert load_settings().profiles["work"].auth is AuthMode.APPSECRET
    data = on_disk()
    assert data["theme"] == "dark"


def test_the_window_keeps_its_profile_in_use_when_another_writer_changes_it() -> None:
    """Another window chose another profile: this window stays on its own (it has that
    profile's token loaded) and does not write its choice back unless it changes it."""
    two_profiles()
    session = Session(load_settings(), TokenStore())
    update_settings(lambda s: s.select_profile("work"))
    session.settings.theme = "dark"
    asyncio.run(session.save_settings())
    assert session.settings.current_profile == "default"
    assert on_disk()["current_profile"] == "work"
    # The window's own switches (each saved, as TokenPresenter.switch_profile does).
    update_settings(lambda s: s.select_profile("default"))
    session.select_profile("work")
    asyncio.run(session.save_settings())
    assert on_disk()["current_profile"] == "work"
    session.select_profile("default")
    asyncio.run(session.save_settings())
    assert on_disk()["current_profile"] == "default"


def test_settings_ok_keeps_a_profile_the_command_line_changed_while_it_was_open(
    qtbot,
) -> None:
    """Settings… is open; ``token set`` notes a new token's time on "work"; the window
    saves something else meanwhile (and so takes that in); the user changes only the
    theme and presses OK: "work" keeps the command line's change."""
    from tcb_gui.ui.settings_dialog import SettingsDialog, apply_settings_change

    two_profiles()
    session = Session(load_settings(), TokenStore())
    dialog = SettingsDialog(session.settings)
    qtbot.addWidget(dialog)
    update_settings(lambda s: s.set_token_saved_at("work", 1_234.0))
    session.update_run_options(max_age=900, concurrency=2)
    asyncio.run(session.save_settings())
    assert session.settings.profiles["work"].token_saved_at == 1_234.0
    dialog.theme_combo.setCurrentIndex(dialog.theme_combo.findData("dark"))
    dialog.accept()
    change = dialog.change()
    assert change is not None
    asyncio.run(apply_settings_change(session, change, Notes()))  # type: ignore[arg-type]
    saved = load_settings()
    assert saved.theme == "dark"
    assert saved.profiles["work"].token_saved_at == 1_234.0
    assert saved.current().max_age == 900
