"""``tcb-gui token set|check|clear`` end to end (DESIGN §1.1, §4): the token comes from
stdin, lives only in the keyring, is checked against the demo service's quota/get, and is
never echoed. In-process runs use the in-memory keyring of ``tests/conftest.py``."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tcb_gui.core.settings import Profile, Settings, save_settings
from tcb_gui.core.tokens import KEYRING_SERVICE
from tcb_gui.demo import samples
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DEMO_TCB_TOKEN, DEMO_TOKEN, EXPIRED_TOKEN
from tests.e2e.cli_helpers import (
    contains_anywhere,
    id_lines,
    run_cli,
    run_subprocess,
    serve,
)
from tests.memory_keyring import MemoryKeyring

# Distinctive, so a leak anywhere is unambiguous.
SECRET = "cmpt-Tok3n_e2e-9QwErTy7UiOp"


def token_args(server: DemoServer | str, action: str, *extra: str) -> list[str]:
    base_url = server if isinstance(server, str) else server.base_url
    return ["token", action, "--base-url", base_url, *extra]


def free_loopback_url() -> str:
    """A loopback address where nothing listens (connection refused at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_set_check_use_and_clear(demo_server: DemoServer, memory_keyring: MemoryKeyring) -> None:
    demo_server.state.add_token(SECRET, "component")

    saved = run_cli(token_args(demo_server, "set"), stdin=f"  {SECRET}\n".encode(), token=None)
    assert saved.code == 0, saved.stderr
    assert memory_keyring.store == {(KEYRING_SERVICE, "default"): SECRET}
    assert "Saved the token for profile 'default' in the system keyring." in saved.stderr
    assert "Token valid" in saved.stderr  # checked right after saving
    assert SECRET not in saved.printed

    checked = run_cli(token_args(demo_server, "check"), token=None)
    assert checked.code == 0, checked.stderr
    assert checked.stdout.startswith("Token valid")
    assert "Quota today: 1,000,000 of 1,000,000 calls left." in checked.stdout
    assert "(source: keyring)" in checked.stdout
    assert SECRET not in checked.printed

    # The saved token is what resolve uses when TCB_ACCESS_TOKEN is not set.
    ids = [samples.PROD.fileid("gen/token/a.txt")]
    resolved = run_cli(
        ["resolve", "--base-url", demo_server.base_url, "--format", "urls"],
        stdin=id_lines(ids),
        token=None,
    )
    assert resolved.code == 0, resolved.stderr
    assert len(resolved.stdout.splitlines()) == 1
    assert SECRET not in resolved.printed

    cleared = run_cli(token_args(demo_server, "clear"), token=None)
    assert cleared.code == 0
    assert memory_keyring.store == {}
    gone = run_cli(token_args(demo_server, "check"), token=None)
    assert gone.code == 3
    assert "No token" in gone.stderr


def test_check_reports_the_quota_left(memory_keyring: MemoryKeyring) -> None:
    with serve(daily_limit=10) as server:
        ids = [samples.PROD.fileid(f"gen/quota/{n}.txt") for n in range(120)]  # 3 calls
        run_cli(["resolve", "--base-url", server.base_url], stdin=id_lines(ids))
        checked = run_cli(token_args(server, "check"))
    assert checked.code == 0
    assert "Quota today: 7 of 10 calls left." in checked.stdout
    assert "(source: environment)" in checked.stdout
    assert DEMO_TOKEN not in checked.printed


@pytest.mark.parametrize(
    ("token", "api", "code", "message"),
    [
        (EXPIRED_TOKEN, "component", 3, "Token expired"),
        (SECRET, "component", 3, "Token invalid"),  # not known to the service
        (DEMO_TCB_TOKEN, "component", 3, "Token not allowed"),
        (DEMO_TOKEN, "tcb", 3, "Token not allowed"),
        (DEMO_TCB_TOKEN, "tcb", 0, "Token valid"),
    ],
)
def test_check_exit_codes_by_token_state(
    demo_server: DemoServer, token: str, api: str, code: int, message: str
) -> None:
    run = run_cli(token_args(demo_server, "check", "--api", api), token=token)
    assert run.code == code, run.printed
    assert run.stdout.startswith(message)
    assert token not in run.printed
    assert demo_server.state.stats.requests["quota/get"] == 1


@pytest.mark.parametrize(("token", "api"), [(DEMO_TCB_TOKEN, "component"), (DEMO_TOKEN, "tcb")])
def test_a_token_of_the_other_family_points_at_doctor(
    demo_server: DemoServer, token: str, api: str
) -> None:
    run = run_cli(token_args(demo_server, "check", "--api", api), token=token)
    assert run.code == 3
    assert "Run 'tcb-gui doctor' to see which API mode this token fits." in run.stdout
    doctor = run_cli(["doctor", "--base-url", demo_server.base_url, "--api", api], token=token)
    other = "tcb" if api == "component" else "component"
    assert f"Choose API mode {other}" in doctor.stdout


@pytest.mark.parametrize("where", ["service failing", "nothing listening"])
def test_check_exits_4_when_the_service_cannot_be_reached(where: str) -> None:
    if where == "nothing listening":
        run = run_cli(token_args(free_loopback_url(), "check"))
    else:
        with serve(fault_rate=1.0, fault_kinds=("html502",)) as server:
            run = run_cli(token_args(server, "check"))
    assert run.code == 4
    assert run.stdout.startswith("Token unreachable")
    assert "Run 'tcb-gui doctor' to check the connection step by step." in run.stdout
    assert DEMO_TOKEN not in run.printed


def test_set_refuses_empty_or_garbled_input(
    demo_server: DemoServer, memory_keyring: MemoryKeyring
) -> None:
    empty = run_cli(token_args(demo_server, "set"), stdin=b"\n  \n", token=None)
    assert empty.code == 2
    assert "No token on standard input" in empty.stderr
    pasted_twice = f"{SECRET} {SECRET}\n".encode()
    garbled = run_cli(token_args(demo_server, "set"), stdin=pasted_twice, token=None)
    assert garbled.code == 2
    assert SECRET not in garbled.printed
    assert memory_keyring.store == {}
    assert not demo_server.state.stats.requests


def test_profiles_keep_their_own_tokens(
    demo_server: DemoServer, memory_keyring: MemoryKeyring
) -> None:
    settings = Settings()
    # The profile's own base URL is used when --base-url is not given.
    settings.put_profile(Profile(name="work", base_url=demo_server.base_url))
    save_settings(settings)

    saved = run_cli(
        ["token", "set", "--profile", "work"], stdin=DEMO_TOKEN.encode() + b"\n", token=None
    )
    assert saved.code == 0, saved.stderr
    assert memory_keyring.store == {(KEYRING_SERVICE, "work"): DEMO_TOKEN}
    assert run_cli(["token", "check", "--profile", "work"], token=None).code == 0
    other = run_cli(token_args(demo_server, "check"), token=None)  # the default profile
    assert other.code == 3
    unknown = run_cli(token_args(demo_server, "set", "--profile", "nope"), stdin=b"x" * 20)
    assert unknown.code == 2
    assert "No profile named 'nope'" in unknown.stderr
    assert memory_keyring.store == {(KEYRING_SERVICE, "work"): DEMO_TOKEN}


def test_no_keyring_set_exits_2_and_writes_the_token_nowhere(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    """A real process with keyring's "fail" backend: nothing may fall back to a file."""
    demo_server.state.add_token(SECRET, "component")
    home = tmp_path / "home"
    home.mkdir()
    run = run_subprocess(
        token_args(demo_server, "set"), home=home, token=None, stdin=f"{SECRET}\n".encode()
    )
    assert run.code == 2
    assert "no system keyring" in run.stderr.lower()
    assert "Saved" not in run.stderr  # kept nowhere, not even for this run
    assert "TCB_ACCESS_TOKEN" in run.stderr  # says what to do instead
    assert SECRET not in run.printed
    assert not contains_anywhere(home, SECRET)
    assert not contains_anywhere(tmp_path, SECRET)

    # Nothing was kept for the next process either.
    check = run_subprocess(token_args(demo_server, "check"), home=home, token=None)
    assert check.code == 3


def test_check_in_a_real_process_with_the_environment_token(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    demo_server.state.add_token(SECRET, "component")
    run = run_subprocess(token_args(demo_server, "check"), home=tmp_path, token=SECRET)
    assert run.code == 0, run.stderr
    assert run.stdout.startswith("Token valid")
    assert "(source: environment)" in run.stdout
    assert SECRET not in run.printed
    assert not contains_anywhere(tmp_path, SECRET)
