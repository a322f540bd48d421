"""``tcb-gui FILE … --demo``: options after the files still count as options (as after
any command), instead of being handed to the window as files named ``--demo``; after
``--`` every word is a file."""

from __future__ import annotations

import pytest

from tcb_gui import cli


@pytest.mark.parametrize(
    ("argv", "options", "files"),
    [
        (["ids.txt", "--demo"], ["--demo"], ["ids.txt"]),
        (["a.txt", "--profile", "ops", "b.csv"], ["--profile", "ops"], ["a.txt", "b.csv"]),
        (["a.txt", "--api=tcb"], ["--api=tcb"], ["a.txt"]),
        (
            ["--demo", "--", "-odd name.txt", "--profile"],
            ["--demo"],
            ["-odd name.txt", "--profile"],
        ),
        (["--", "resolve"], [], ["resolve"]),
    ],
)
def test_options_after_the_files(argv: list[str], options: list[str], files: list[str]) -> None:
    assert cli._split_window_files(argv) == (options, files)


def test_the_window_gets_demo_mode_when_it_follows_the_files(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: dict[str, object] = {}

    def fake_run(**kwargs: object) -> int:
        seen.update(kwargs)
        return 0

    import tcb_gui.app

    monkeypatch.setattr(tcb_gui.app, "run", fake_run)
    assert cli.main(["list one.txt", "--demo", "b.csv"]) == 0
    assert seen["files"] == ["list one.txt", "b.csv"]
    assert seen["demo"] is True


def test_an_unknown_option_after_the_files_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import tcb_gui.app

    monkeypatch.setattr(tcb_gui.app, "run", lambda **_: pytest.fail("the window opened"))
    assert cli.main(["ids.txt", "--bogus"]) == 2
    assert "unrecognized arguments: --bogus" in capsys.readouterr().err
