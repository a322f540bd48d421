"""``tcb-gui FILE ...`` opens the window with those lists (a file manager's Open with)."""

from __future__ import annotations

import pytest

from tcb_gui import cli


@pytest.mark.parametrize(
    ("argv", "options", "files"),
    [
        (["ids.txt"], [], ["ids.txt"]),
        (["a.txt", "b.csv"], [], ["a.txt", "b.csv"]),
        (
            ["--base-url", "http://127.0.0.1:1", "a.txt"],
            ["--base-url", "http://127.0.0.1:1"],
            ["a.txt"],
        ),
        (["--profile", "ops", "--demo", "x.json"], ["--profile", "ops", "--demo"], ["x.json"]),
        (["resolve", "a.txt"], ["resolve", "a.txt"], []),
        (["--profile", "ops", "token", "check"], ["--profile", "ops", "token", "check"], []),
        (["--demo"], ["--demo"], []),
        ([], [], []),
    ],
)
def test_files_are_split_from_window_options(
    argv: list[str], options: list[str], files: list[str]
) -> None:
    assert cli._split_window_files(argv) == (options, files)


def test_window_receives_the_files(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, object] = {}

    def fake_run(**kwargs: object) -> int:
        seen.update(kwargs)
        return 0

    import tcb_gui.app

    monkeypatch.setattr(tcb_gui.app, "run", fake_run)
    assert cli.main(["--api", "tcb", "list one.txt", "b.csv"]) == 0
    assert seen["files"] == ["list one.txt", "b.csv"]
    assert seen["api"] == "tcb"
