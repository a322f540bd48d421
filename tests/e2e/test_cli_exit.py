"""How the ``tcb-gui`` process ends after a one-shot command (``cli.run``).

The command's process leaves with ``os._exit`` once its work is done, sparing the
interpreter's tear-down of ~200 modules (5–8 ms of a run of a third of a second). What
must still hold, checked on real processes against the demo service over loopback: every
line of output reaches the pipe, the exit status is the command's, exit hooks registered
during the run still run, and nothing else changes for the window's way out.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tcb_gui.demo.server import DemoServer
from tests.e2e.cli_helpers import (
    REPO,
    RUN_OR_MAIN,
    SUBPROCESS_TIMEOUT_S,
    expected_ok,
    id_lines,
    mixed_ids,
    run_program,
    subprocess_env,
)

# A process that runs the command as ``run`` (the console script) or as ``main`` called
# and returned from (what a test or an embedding program does), and says on fd 2 whether
# the interpreter tore its modules down (an object held by a module goes with it) and
# whether an exit hook registered during the run ran.
PROGRAM = (
    """
import atexit, os, sys
from tcb_gui import cli

class Loud:
    def __del__(self, write=os.write):
        write(2, b"torn down\\n")

cli.loud = Loud()
configure = cli._configure_logging

def configure_and_hook(*args, **kwargs):
    configure(*args, **kwargs)
    atexit.register(os.write, 2, b"hook ran\\n")

cli._configure_logging = configure_and_hook
"""
    + RUN_OR_MAIN
)

TORN_DOWN = "torn down"
HOOK_RAN = "hook ran"


def command(
    how: str, argv: list[str], tmp_path: Path, stdin: bytes = b""
) -> subprocess.CompletedProcess[bytes]:
    return run_program(PROGRAM, [how, *argv], tmp_path / "home", stdin)


def resolve_argv(server: DemoServer) -> list[str]:
    return ["resolve", "--base-url", server.base_url, "--format", "urls", "-"]


def test_a_command_leaves_without_the_tear_down_and_with_all_its_output(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    ids = mixed_ids(1_500, 1_500)
    done = command("run", resolve_argv(demo_server), tmp_path, id_lines(ids))
    err = done.stderr.decode("utf-8")
    assert done.returncode == 0, err
    links = done.stdout.decode("utf-8").splitlines()
    assert len(links) == sum(map(expected_ok, ids)) == 3_000  # every line reached the pipe
    assert all(link.startswith("http://") for link in links)
    assert HOOK_RAN in err
    assert TORN_DOWN not in err


def test_main_returned_from_tears_down_as_python_does(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    """The same command through ``main``: the interpreter's own exit (so the probe above
    can see a tear-down when there is one)."""
    ids = mixed_ids(20, 20)
    done = command("main", resolve_argv(demo_server), tmp_path, id_lines(ids))
    err = done.stderr.decode("utf-8")
    assert done.returncode == 0, err
    assert len(done.stdout.splitlines()) == 40
    assert HOOK_RAN in err
    assert TORN_DOWN in err


@pytest.mark.parametrize(
    ("argv", "stdin", "status"),
    [
        # Some IDs failed (DESIGN §4: 1): a file the demo does not have.
        (["resolve", "-"], b"cloud://demo-prod-7g3k.7072-demo-prod-7g3k-1314114854/nope\n", 1),
        # No IDs at all: a usage error (2).
        (["resolve", "-"], b"not an id\n", 2),
        # A bad option: argparse's usage error (2), before any command runs.
        (["resolve", "--no-such-option"], b"", 2),
    ],
)
def test_the_exit_status_is_the_commands(
    demo_server: DemoServer, tmp_path: Path, argv: list[str], stdin: bytes, status: int
) -> None:
    argv = [*argv[:1], "--base-url", demo_server.base_url, *argv[1:]]
    done = command("run", argv, tmp_path, stdin)
    assert done.returncode == status, done.stderr.decode("utf-8")
    if argv[-1] == "-":
        assert TORN_DOWN not in done.stderr.decode("utf-8")


def test_a_reader_that_goes_away_early_ends_the_command_quietly(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    """``tcb-gui resolve … | head -1``: the links after the first have nowhere to go; the
    command still ends with its status and no traceback."""
    ids = mixed_ids(3_000, 3_000)
    with subprocess.Popen(
        [sys.executable, "-c", PROGRAM, "run", *resolve_argv(demo_server)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=subprocess_env(tmp_path / "home"),
        cwd=REPO,
    ) as process:
        assert process.stdin is not None
        assert process.stdout is not None
        assert process.stderr is not None
        process.stdin.write(id_lines(ids))
        process.stdin.close()
        first = process.stdout.readline()
        process.stdout.close()
        err = process.stderr.read().decode("utf-8")
        status = process.wait(timeout=SUBPROCESS_TIMEOUT_S)
    assert first.startswith(b"http://")
    assert status == 0, err
    assert "Traceback" not in err
    assert "Exception ignored" not in err


class _Unflushable:
    """A stdout whose last flush fails as a full disk (or a closed pipe) makes it fail."""

    closed = False

    def __init__(self, error: OSError) -> None:
        self.error = error

    def flush(self) -> None:
        raise self.error


@pytest.mark.parametrize(
    ("error", "left", "status"),
    [
        (OSError(28, "No space left on device"), 0, 120),  # as Python's own exit says it
        (OSError(28, "No space left on device"), 3, 3),  # a failure already said stays
        (BrokenPipeError(32, "Broken pipe"), 0, 0),  # the reader had all it wanted
    ],
)
def test_the_last_flush_failing_is_not_a_silent_success(
    monkeypatch: pytest.MonkeyPatch, error: OSError, left: int, status: int
) -> None:
    """main() flushes the results itself (a failure there is named, exit 2); the exit
    hook's own flush is a safety net that must not turn lost output into exit 0."""
    import gc
    import logging

    from tcb_gui import cli

    exits: list[int] = []
    # Not in this test process: the freeze and logging's shutdown are the hook's own.
    monkeypatch.setattr(gc, "freeze", lambda: None)
    monkeypatch.setattr(logging, "shutdown", lambda: None)
    monkeypatch.setattr(cli, "_one_shot_ran", True)
    monkeypatch.setattr(cli, "_leave_with", left)
    monkeypatch.setattr(sys, "stdout", _Unflushable(error))
    monkeypatch.setattr(cli.os, "_exit", exits.append)
    cli._at_exit()
    assert exits == [status]
