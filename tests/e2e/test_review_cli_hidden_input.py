"""How ``token set`` reads the secret. On a terminal whose echo cannot be turned off,
``getpass`` would warn and then read the token in plain sight: the command refuses
instead and saves nothing. From a file an editor saved (a BOM, UTF-16) it reads the
token itself."""

from __future__ import annotations

import codecs
import getpass
import io
import sys

import pytest

from tcb_gui.core.tokens import KEYRING_SERVICE, app_secret_user
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DEMO_APPID, DEMO_APPSECRET, DEMO_TOKEN
from tests.e2e.cli_helpers import _logging_restored, run_cli
from tests.memory_keyring import MemoryKeyring

USAGE = 2


class Terminal(io.StringIO):
    """What the user types, on something that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def echo_cannot_be_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    """``getpass`` as it behaves where termios cannot turn the echo off: its fallback."""
    monkeypatch.setattr(getpass, "getpass", getpass.fallback_getpass)


@pytest.mark.usefixtures("echo_cannot_be_hidden")
@pytest.mark.parametrize(
    ("argv", "typed", "entry"),
    [
        (["token", "set"], DEMO_TOKEN, "default"),
        (
            ["token", "set", "--appsecret", "--appid", DEMO_APPID],
            DEMO_APPSECRET,
            app_secret_user("default"),
        ),
    ],
)
def test_a_secret_is_not_read_where_the_terminal_would_show_it(
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,
    argv: list[str],
    typed: str,
    entry: str,
) -> None:
    from tcb_gui.cli import main

    terminal = Terminal(typed + "\n")
    monkeypatch.setattr(sys, "stdin", terminal)  # where the fallback reads from
    stderr = io.StringIO()
    with _logging_restored():
        code = main([*argv, "--base-url", "http://127.0.0.1:9"], stdin=terminal, stderr=stderr)
    assert code == USAGE
    assert "This terminal cannot hide what is typed" in stderr.getvalue()
    assert terminal.tell() == 0  # nothing was read
    assert (KEYRING_SERVICE, entry) not in memory_keyring.store


@pytest.mark.parametrize(
    "encoded",
    [
        codecs.BOM_UTF8 + DEMO_TOKEN.encode() + b"\r\n",  # Notepad's UTF-8
        codecs.BOM_UTF16_LE + f"{DEMO_TOKEN}\r\n".encode("utf-16-le"),  # PowerShell 5's >
    ],
    ids=["utf-8-bom", "utf-16"],
)
def test_a_token_file_an_editor_saved_gives_the_token(
    demo_server: DemoServer, memory_keyring: MemoryKeyring, encoded: bytes
) -> None:
    run = run_cli(["token", "set", "--base-url", demo_server.base_url], stdin=encoded, token=None)
    assert run.code == 0, run.stderr
    assert memory_keyring.store[(KEYRING_SERVICE, "default")] == DEMO_TOKEN
