"""``token set`` / ``clear`` where the settings cannot be written (a read-only or broken
config folder): the token itself is saved or removed and the command says what it could
not note; switching a profile to its AppSecret is refused before anything is kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from tcb_gui.core.tokens import KEYRING_SERVICE, app_secret_user
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DEMO_APPID, DEMO_APPSECRET, DEMO_TOKEN
from tests.e2e.cli_helpers import run_cli
from tests.memory_keyring import MemoryKeyring

USAGE = 2


@pytest.fixture
def broken_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """TCB_GUI_HOME names a file: no config folder can be made under it."""
    home = tmp_path / "home-is-a-file"
    home.write_text("not a folder\n")
    monkeypatch.setenv("TCB_GUI_HOME", str(home))


@pytest.mark.usefixtures("broken_config")
def test_token_set_and_clear_work_without_writable_settings(
    demo_server: DemoServer, memory_keyring: MemoryKeyring
) -> None:
    base = ["--base-url", demo_server.base_url]
    saved = run_cli(["token", "set", *base], stdin=f"{DEMO_TOKEN}\n".encode(), token=None)
    assert saved.code == 0, saved.stderr
    assert "could not note in the settings when the token was saved" in saved.stderr
    assert "Traceback" not in saved.stderr
    assert memory_keyring.store[(KEYRING_SERVICE, "default")] == DEMO_TOKEN
    cleared = run_cli(["token", "clear", *base], token=None)
    assert cleared.code == 0, cleared.stderr
    assert "Removed the token of profile 'default'" in cleared.stderr
    assert "Traceback" not in cleared.stderr
    assert (KEYRING_SERVICE, "default") not in memory_keyring.store


@pytest.mark.usefixtures("broken_config")
def test_appsecret_mode_is_refused_when_the_profile_cannot_be_saved(
    demo_server: DemoServer, memory_keyring: MemoryKeyring
) -> None:
    run = run_cli(
        ["token", "set", "--appsecret", "--appid", DEMO_APPID, "--base-url", demo_server.base_url],
        stdin=f"{DEMO_APPSECRET}\n".encode(),
        token=None,
    )
    assert run.code == USAGE
    assert "Cannot save the settings to" in run.stderr
    assert "Profile 'default' was not changed" in run.stderr
    assert "Traceback" not in run.stderr
    assert (KEYRING_SERVICE, app_secret_user("default")) not in memory_keyring.store
