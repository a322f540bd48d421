"""``tcb-gui WORD …`` where WORD is a mistyped command ("verfy", "resolv") is refused with
the commands named (exit 2), not a window opened on a file that is not there; and where no
display can be used (Linux, no DISPLAY or WAYLAND_DISPLAY, a Qt platform that needs one)
the window's path says so in one line (exit 2) instead of Qt's abort (SIGABRT, 134)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import tcb_gui.app
from tests.e2e.cli_helpers import run_cli

COMMANDS = "'resolve', 'download', 'verify', 'token', 'doctor', 'demo-server'"


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, object]]:
    """The windows ``tcb-gui`` opened (none is shown: ``app.run`` is replaced)."""
    windows: list[dict[str, object]] = []

    def fake_run(**kwargs: object) -> int:
        windows.append(kwargs)
        return 0

    monkeypatch.setattr(tcb_gui.app, "run", fake_run)
    return windows


@pytest.mark.parametrize(
    ("argv", "word"),
    [
        (["verfy", "d1"], "verfy"),
        (["resolv", "ids.txt"], "resolv"),
        (["--profile", "ops", "downlaod", "ids.txt"], "downlaod"),
    ],
)
def test_a_mistyped_command_is_a_usage_error_naming_the_commands(
    argv: list[str],
    word: str,
    opened: list[dict[str, object]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    run = run_cli(argv)
    assert run.code == 2
    assert f"invalid choice: '{word}' (choose from {COMMANDS})" in run.stderr
    assert opened == []


@pytest.mark.parametrize("argv", [["verfy"], ["--", "verfy"], ["lists"], ["verify.txt"]])
def test_a_file_or_a_word_unlike_a_command_still_opens_the_window(
    argv: list[str],
    opened: list[dict[str, object]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "verfy").write_text("cloud://a.b/c\n", "utf-8")  # a list named so exists
    assert run_cli(argv).code == 0
    assert opened[0]["files"] == [argv[-1]]


@pytest.fixture
def headless(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """A Linux server: no display, QT_QPA_PLATFORM unset."""
    monkeypatch.setattr(sys, "platform", "linux")
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.parametrize("platform", [None, "xcb", "wayland;xcb"])
@pytest.mark.parametrize("argv", [[], ["ids.txt"], ["--demo"]])
def test_without_a_display_the_window_says_so_instead_of_aborting(
    headless: pytest.MonkeyPatch,
    platform: str | None,
    argv: list[str],
    opened: list[dict[str, object]],
) -> None:
    if platform is not None:
        headless.setenv("QT_QPA_PLATFORM", platform)
    run = run_cli(argv)
    assert run.code == 2
    assert "cannot open the window here: there is no display" in run.stderr
    assert "tcb-gui resolve" in run.stderr
    assert len(run.stderr.splitlines()) == 1
    assert opened == []


@pytest.mark.parametrize(
    ("variable", "value"),
    [("QT_QPA_PLATFORM", "offscreen"), ("DISPLAY", ":0"), ("WAYLAND_DISPLAY", "wayland-0")],
)
def test_a_display_or_a_platform_needing_none_opens_the_window(
    headless: pytest.MonkeyPatch, variable: str, value: str, opened: list[dict[str, object]]
) -> None:
    headless.setenv(variable, value)
    assert run_cli([]).code == 0
    assert len(opened) == 1
