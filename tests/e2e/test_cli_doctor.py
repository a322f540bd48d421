"""``tcb-gui doctor`` end to end against the demo service over loopback: the lines and the
exit status for a good token, a rejected one, the other family's, a missing one, an IP
off the allowlist, a used-up quota, an unreachable host and a skewed clock; mini program
mode; never a secret printed."""

from __future__ import annotations

import io
import socket
from pathlib import Path

import pytest

from tcb_gui.cli import main
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import (
    DEMO_APPID,
    DEMO_APPSECRET,
    DEMO_TCB_TOKEN,
    DEMO_TOKEN,
    EXPIRED_TOKEN,
)
from tests.e2e.cli_helpers import CliRun, _logging_restored, run_cli, run_subprocess, serve
from tests.memory_keyring import MemoryKeyring

NAMES = ["Service", "Clock", "Token", "API mode", "IP allowlist", "Quota today", "Keyring"]
BAD_TOKEN = "not-a-real-token-4b1d"


def doctor(server: DemoServer | None, *extra: str, token: str | None = DEMO_TOKEN) -> CliRun:
    base = server.base_url if server is not None else closed_port_url()
    return run_cli(["doctor", "--base-url", base, *extra], token=token)


def closed_port_url() -> str:
    """A loopback address nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def lines(run: CliRun) -> dict[str, str]:
    """Each check's line (with its next step, if any), by name, checking the order."""
    found: dict[str, str] = {}
    current = ""
    for line in run.stdout.splitlines()[1:]:
        if line.startswith("    → "):
            found[current] += "\n" + line
            continue
        mark, _, rest = line.partition(" ")
        name, sep, _ = rest.partition(":")
        if mark in ("✓", "✗", "!", "–") and sep:
            current = name
            found[name] = line
    assert list(found) == NAMES, run.stdout
    return found


def marks(run: CliRun) -> dict[str, str]:
    return {name: line[0] for name, line in lines(run).items()}


def assert_no_secret(run: CliRun, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in run.printed


def test_a_good_token_is_ready_to_resolve(demo_server: DemoServer) -> None:
    run = doctor(demo_server)
    assert run.code == 0, run.stdout
    found = lines(run)
    assert run.stdout.splitlines()[0].startswith("Checking profile 'default': API mode component")
    for name in NAMES[:-1]:
        assert found[name].startswith("✓"), found[name]
    assert "from TCB_ACCESS_TOKEN, accepted" in found["Token"]
    assert "fits component (/componenttcb/batchdownloadfile)" in found["API mode"]
    assert "1,000,000 of 1,000,000 calls left today" in found["Quota today"]
    assert "connecting directly" in found["Service"]
    assert run.stdout.rstrip().splitlines()[-1].startswith("Ready to resolve.")
    assert_no_secret(run, DEMO_TOKEN)
    # Nothing spent: the doctor never calls batchdownloadfile.
    assert demo_server.state.used == 0
    assert demo_server.state.stats.requests["quota/get"] == 1


def test_the_keyring_line(demo_server: DemoServer, memory_keyring: MemoryKeyring) -> None:
    assert marks(doctor(demo_server))["Keyring"] == "✓"


@pytest.mark.parametrize(("token", "words"), [(BAD_TOKEN, "rejected"), (EXPIRED_TOKEN, "expired")])
def test_a_rejected_token_exits_3(demo_server: DemoServer, token: str, words: str) -> None:
    run = doctor(demo_server, token=token)
    assert run.code == 3
    found = lines(run)
    assert found["Token"].startswith(f"✗ Token: from TCB_ACCESS_TOKEN, {words}")
    assert "→ " in found["Token"]
    # A shell's next step, not the window's ("Paste a fresh token (Set token…)").
    assert "Run the command again with a fresh token" in found["Token"]
    assert "Set token…" not in run.stdout
    assert "Paste" not in run.stdout
    assert marks(run)["API mode"] == "–"
    assert "Not ready to resolve" in run.stdout
    assert_no_secret(run, token)


def test_a_missing_token_exits_3(demo_server: DemoServer) -> None:
    run = doctor(demo_server, token=None)
    assert run.code == 3
    found = lines(run)
    assert found["Token"].startswith("✗ Token: no token for profile 'default'")
    assert "tcb-gui token set" in found["Token"]
    assert marks(run)["Clock"] == "✓"  # the service's Date header came all the same


@pytest.mark.parametrize(
    ("token", "api", "fits"),
    [(DEMO_TCB_TOKEN, "component", "tcb"), (DEMO_TOKEN, "tcb", "component")],
)
def test_a_token_of_the_other_family_says_which_to_choose(
    demo_server: DemoServer, token: str, api: str, fits: str
) -> None:
    run = doctor(demo_server, "--api", api, token=token)
    assert run.code == 3
    found = lines(run)
    assert found["Token"].startswith(f"✓ Token: from TCB_ACCESS_TOKEN, a working {fits} token")
    mode = found["API mode"]
    assert mode.startswith(f"✗ API mode: the token fits {fits}")
    assert "76022" in mode
    assert f"Choose API mode {fits} (--api {fits}" in mode
    assert "component_access_token" in mode
    assert demo_server.state.stats.requests["quota/get"] == 2  # once per family
    assert_no_secret(run, token)


def test_an_ip_off_the_allowlist_names_the_address() -> None:
    with serve(deny_ip=True, reported_ip="203.0.113.7") as server:
        run = doctor(server)
    assert run.code == 4
    found = lines(run)
    ip = found["IP allowlist"]
    assert ip.startswith("✗ IP allowlist: calls from this computer are refused (40164)")
    assert "the service sees this computer as 203.0.113.7" in ip
    assert "→ Add 203.0.113.7 to " in ip
    assert marks(run)["Token"] == "–"


def test_a_used_up_quota_exits_4() -> None:
    with serve(daily_limit=500, used_at_start=500) as server:
        run = doctor(server)
    assert run.code == 4
    quota = lines(run)["Quota today"]
    assert quota.startswith("✗ Quota today: today's quota for /componenttcb/batchdownloadfile")
    assert "0 of 500 calls left, 500 used" in quota
    assert "resets tomorrow" in quota


def test_an_unreachable_host_exits_4() -> None:
    run = doctor(None)
    assert run.code == 4
    found = lines(run)
    assert found["Service"].startswith("✗ Service: 127.0.0.1 port ")
    assert "connection refused" in found["Service"]
    assert "→ Check the base URL" in found["Service"]
    for name in ("Clock", "Token", "API mode", "IP allowlist", "Quota today"):
        assert found[name].startswith(f"– {name}: not checked"), found[name]


# The Date header counts whole seconds: the offset read from it may be a second off.
@pytest.mark.parametrize(
    ("skew", "words"),
    [
        (600, ("10 min 0 s behind", "9 min 59 s behind", "10 min 1 s behind")),
        (-125, ("2 min 5 s ahead", "2 min 4 s ahead", "2 min 6 s ahead")),
    ],
)
def test_a_skewed_clock_is_a_warning(skew: float, words: tuple[str, ...]) -> None:
    with serve(clock_skew_s=skew) as server:
        run = doctor(server)
    assert run.code == 0  # a resolve still works
    clock = lines(run)["Clock"]
    # Marked as a warning, not with the ✗ of what stops a resolve.
    assert clock.startswith(tuple(f"! Clock: this computer's clock is {w}" for w in words))
    assert "NTP" in clock
    assert "✗" not in run.stdout
    assert run.stdout.splitlines()[-1] == "Ready to resolve. 1 warning above."


def test_a_terminal_without_the_marks_says_warn_for_a_warning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A terminal that cannot show ✓ ✗ → (a Windows console in cp1252) gets words: WARN
    for a warning, never FAIL."""
    monkeypatch.setenv("TCB_ACCESS_TOKEN", DEMO_TOKEN)
    terminal = io.TextIOWrapper(io.BytesIO(), encoding="cp1252")
    with serve(clock_skew_s=600) as server, _logging_restored():
        code = main(
            ["doctor", "--base-url", server.base_url], stdout=terminal, stderr=io.StringIO()
        )
    terminal.flush()
    printed = terminal.buffer.getvalue().decode("cp1252").splitlines()  # type: ignore[attr-defined]
    assert code == 0, printed
    marks = [line.split(" ", 1)[0] for line in printed[1:-1] if not line.startswith(" ")]
    assert marks == ["OK", "WARN", "OK", "OK", "OK", "OK", "OK"]  # the clock warns
    assert printed[2].startswith("WARN Clock: this computer's clock is ")
    assert printed[3].startswith("    -> Set the clock automatically (NTP)")
    assert printed[-1] == "Ready to resolve. 1 warning above."


def test_proxy_variables_are_named_never_their_values(
    demo_server: DemoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://user:hunter2@proxy.invalid:3128")
    run = doctor(demo_server)
    assert run.code == 0
    assert "tcb-gui does not use HTTPS_PROXY" in lines(run)["Service"]
    assert "hunter2" not in run.printed


# -- mini program mode ---------------------------------------------------------------------


def _mini_program(server: DemoServer, keyring: MemoryKeyring) -> None:
    saved = run_cli(
        ["token", "set", "--appsecret", "--appid", DEMO_APPID, "--base-url", server.base_url],
        stdin=DEMO_APPSECRET.encode(),
        token=None,
    )
    assert saved.code == 0, saved.stderr


def test_mini_program_mode_gets_a_stable_token_first(
    demo_server: DemoServer, memory_keyring: MemoryKeyring
) -> None:
    _mini_program(demo_server, memory_keyring)
    before = demo_server.state.stats.requests["stable_token"]
    run = doctor(demo_server, token=None)
    assert run.code == 0, run.stdout
    assert f"mini program {DEMO_APPID}" in run.stdout.splitlines()[0]
    assert "fits tcb (/tcb/batchdownloadfile)" in lines(run)["API mode"]
    assert demo_server.state.stats.requests["stable_token"] == before + 1
    assert_no_secret(run, DEMO_APPSECRET, demo_server.state.stable_token or "?")


def test_mini_program_mode_off_the_allowlist(
    demo_server: DemoServer, memory_keyring: MemoryKeyring
) -> None:
    _mini_program(demo_server, memory_keyring)
    demo_server.state.ip_allowlisted = False
    run = doctor(demo_server, token=None)
    assert run.code == 4
    ip = lines(run)["IP allowlist"]
    assert "the service sees this computer as 127.0.0.1" in ip
    assert "IP白名单" in ip
    assert_no_secret(run, DEMO_APPSECRET)


def test_mini_program_mode_with_a_wrong_appsecret(
    demo_server: DemoServer, memory_keyring: MemoryKeyring
) -> None:
    _mini_program(demo_server, memory_keyring)
    demo_server.state.app_secret = "0" * 32  # someone reset it in the MP console
    run = doctor(demo_server, token=None)
    assert run.code == 3
    token = lines(run)["Token"]
    assert token.startswith("✗ Token: stable_token refused the AppID and AppSecret (errcode 40125)")
    assert_no_secret(run, DEMO_APPSECRET)


# -- the command ---------------------------------------------------------------------------


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run_cli(["doctor", "--api", "nonsense"]).code == 2
    assert run_cli(["doctor", "--profile", "nosuch"]).code == 2
    unwritable = tmp_path / "missing" / "trace.jsonl"
    assert run_cli(["doctor", "--trace", str(unwritable)]).code == 2


def test_doctor_in_a_real_process_without_a_keyring(tmp_path: Path) -> None:
    with serve() as server:
        run = run_subprocess(["doctor", "--base-url", server.base_url], home=tmp_path)
    assert run.code == 0, run.printed
    assert marks(run)["Keyring"] == "!"  # a warning: TCB_ACCESS_TOKEN needs none
    assert DEMO_TOKEN not in run.printed
    helped = run_subprocess(["doctor", "--help"], home=tmp_path, token=None)
    assert helped.code == 0
    assert "Exit 0 when a resolve would work" in " ".join(helped.stdout.split())


_IMPORT_PROBE = """
import sys
import tcb_gui.cli
lazy = ("tcb_gui.core.doctor", "tcb_gui.core.trace_file", "tcb_gui.core.quota",
        "tcb_gui.cli_doctor", "tcb_gui.cli_download", "tcb_gui.ui.requests_view")
print(",".join(m for m in lazy if m in sys.modules))
"""


def test_doctor_and_trace_modules_are_imported_only_when_used() -> None:
    """``tcb-gui resolve`` starts light: nothing of doctor or --trace at import time."""
    import subprocess
    import sys

    from tests.e2e.cli_helpers import REPO

    probe = subprocess.run(
        [sys.executable, "-c", _IMPORT_PROBE],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip() == ""


def test_top_level_help_lists_the_commands_and_opening_files() -> None:
    run = run_cli(["--help"], token=None)
    assert run.code == 0
    text = " ".join(run.stdout.split())
    assert "tcb-gui FILE … opens the window with these lists" in text
    for command in ("resolve", "download", "verify", "token", "doctor", "demo-server"):
        assert command in text
