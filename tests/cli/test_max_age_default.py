"""``--max-age``'s default is the profile's link life (Settings), and ``--help`` says so
rather than a fixed 7200."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tcb_gui.core.settings import Profile, Settings, save_settings
from tcb_gui.demo import samples
from tcb_gui.demo.server import DemoServer
from tests.e2e.cli_helpers import id_lines, run_cli


@pytest.mark.parametrize("command", ["resolve", "download"])
def test_help_says_the_default_is_the_profiles_link_life(command: str) -> None:
    run = run_cli([command, "--help"])
    assert run.code == 0
    text = " ".join(run.stdout.split())
    assert "default: the profile's link life, 7200 unless changed in Settings" in text
    assert "default 7200)" not in text


def test_without_max_age_a_link_lives_as_long_as_the_profile_says(
    demo_server: DemoServer,
) -> None:
    settings = Settings()
    settings.put_profile(
        Profile(name="default", base_url=demo_server.base_url, api="component", max_age=600)
    )
    save_settings(settings)
    asked = datetime.now(UTC)
    fileid = samples.PROD.fileid("gen/00001.jpg")
    run = run_cli(["resolve", "--format", "json"], stdin=id_lines([fileid]))
    assert run.code == 0, run.stderr
    expires = datetime.fromisoformat(json.loads(run.stdout)[0]["expires_at"])
    assert timedelta(seconds=590) < expires - asked < timedelta(seconds=610)
