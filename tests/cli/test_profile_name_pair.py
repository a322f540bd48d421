"""A settings file written before profile names were compared ignoring case may hold
"Prod" and "prod". The command line loads it as it is: each profile keeps its own
keyring entry and settings, nothing is dropped, and a third spelling is an unknown
profile that the error names the existing ones beside."""

from __future__ import annotations

import json

from tcb_gui.core.settings import load_settings, settings_path
from tcb_gui.core.tokens import KEYRING_SERVICE
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DEMO_TOKEN
from tests.e2e.cli_helpers import run_cli
from tests.memory_keyring import MemoryKeyring


def _write_pair(base_url: str) -> None:
    settings_path().parent.mkdir(parents=True, exist_ok=True)
    profile = {"base_url": base_url, "api": "component"}
    data = {"version": 1, "profiles": {"default": {}, "Prod": profile, "prod": profile}}
    settings_path().write_text(json.dumps(data), encoding="utf-8")


def test_token_set_keeps_each_profile_of_a_pair_apart(
    demo_server: DemoServer, memory_keyring: MemoryKeyring
) -> None:
    _write_pair(demo_server.base_url)
    for name in ("Prod", "prod"):
        run = run_cli(["token", "set", "--profile", name], stdin=DEMO_TOKEN.encode(), token=None)
        assert run.code == 0, run.stderr
        assert f"Saved the token for profile {name!r}" in run.stderr
    assert set(memory_keyring.store) == {(KEYRING_SERVICE, "Prod"), (KEYRING_SERVICE, "prod")}
    settings = load_settings()
    assert sorted(settings.profiles) == ["Prod", "default", "prod"]
    assert settings.profiles["Prod"].token_saved_at is not None
    assert settings.profiles["prod"].token_saved_at is not None


def test_a_third_spelling_is_refused_naming_the_pair(demo_server: DemoServer) -> None:
    _write_pair(demo_server.base_url)
    run = run_cli(["token", "check", "--profile", "PROD"])
    assert run.code == 2, run.stderr
    assert "No profile named 'PROD'" in run.stderr
    assert "Prod, default, prod" in run.stderr
