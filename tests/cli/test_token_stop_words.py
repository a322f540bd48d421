"""The command line says what works there when the token stops it.

It printed the window's words, "Stopped: The access token has expired (tokens live 2
hours). Paste a fresh token and resume.": a script has nothing to paste into and no run
to resume. It names ``TCB_ACCESS_TOKEN`` and ``tcb-gui token set`` and says to run the
command again (``core.errors.command_line_words``); the window keeps its own words.
Against the demo service over loopback.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tcb_gui.core.errors import ERRCODES, ErrorKind, command_line_words
from tcb_gui.core.exit_status import ExitStatus
from tcb_gui.demo.samples import PROD
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import EXPIRED_TOKEN
from tests.e2e.cli_helpers import run_cli

# The window's remedies, which a shell cannot follow.
WINDOW_WORDS = ("Paste", "paste", "Set token…", "resume")
AGAIN = (
    "Run the command again with a fresh token: in TCB_ACCESS_TOKEN, or saved with "
    "'tcb-gui token set' (TCB_ACCESS_TOKEN, when set, wins over it)."
)


def test_every_token_message_has_command_line_words() -> None:
    shared = [info.message for info in ERRCODES.values() if info.kind is ErrorKind.TOKEN]
    assert any("Paste a fresh token" in text for text in shared)  # the window's, kept
    for text in shared:
        said = command_line_words(text)
        assert not any(words in said for words in WINDOW_WORDS), said
    assert command_line_words("Network error") == "Network error"  # others as they are


def test_resolve_stopped_by_an_expired_token_says_to_run_it_again(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    ids = tmp_path / "ids.txt"
    ids.write_text(PROD.fileid("gen/size-4K/a.bin") + "\n", encoding="utf-8")
    run = run_cli(["resolve", str(ids), "--base-url", demo_server.base_url], token=EXPIRED_TOKEN)
    assert run.code == ExitStatus.TOKEN
    assert (
        "Stopped: The access token has expired (tokens live 2 hours). " + AGAIN + "\n" in run.stderr
    )
    assert not any(words in run.stderr for words in WINDOW_WORDS)


@pytest.mark.parametrize("token", [EXPIRED_TOKEN, "not-a-token-at-all"])
def test_token_check_of_a_refused_token_says_what_works_in_a_shell(
    demo_server: DemoServer, token: str
) -> None:
    run = run_cli(["token", "check", "--base-url", demo_server.base_url], token=token)
    assert run.code == ExitStatus.TOKEN
    assert AGAIN in run.stdout
    assert not any(words in run.stdout for words in WINDOW_WORDS)


def test_download_stopped_by_an_expired_token_says_to_run_it_again(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    ids = tmp_path / "ids.txt"
    ids.write_text(PROD.fileid("gen/size-4K/a.bin") + "\n", encoding="utf-8")
    run = run_cli(
        ["download", str(ids), "--base-url", demo_server.base_url, "--dest", str(tmp_path / "d")],
        token=EXPIRED_TOKEN,
    )
    assert run.code == ExitStatus.TOKEN
    assert (
        "Stopped: The access token has expired (tokens live 2 hours). " + AGAIN + "\n" in run.stderr
    )
    assert "Paste a fresh token and resume" not in run.stderr
