"""The collector during a ``tcb-gui`` process's start-up (``core.startup``), on real
processes against the demo service over loopback.

``cli.run`` pauses the cyclic collector first thing; a one-shot command settles as its run
begins: what the start-up built (~200 modules, the parsed input) is frozen out of the
collector's reach and the collector is on for the run. The demo service settles before it
serves (it runs until stopped). ``main`` called and returned from (a test, an embedding
program) pauses nothing and freezes nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tcb_gui.demo.server import DemoServer
from tests.e2e.cli_helpers import RUN_OR_MAIN, id_lines, run_program, sample_ids

# Says on fd 2 whether the collector was on while the command line set up its logging
# (the start-up) and, as the run began (asyncio.run; the demo service's serve), whether it
# was on and how many objects were frozen.
PROGRAM = (
    """
import asyncio, gc, os, sys
from tcb_gui import cli

def say(text):
    os.write(2, (text + "\\n").encode())

configure = cli._configure_logging

def configure_and_say(*args, **kwargs):
    configure(*args, **kwargs)
    say(f"start-up collector on: {gc.isenabled()}")

cli._configure_logging = configure_and_say
run = asyncio.run

def run_and_say(main, **kwargs):
    say(f"run collector on: {gc.isenabled()} frozen: {gc.get_freeze_count()}")
    return run(main, **kwargs)

asyncio.run = run_and_say

def serve_and_say(args):
    say(f"run collector on: {gc.isenabled()} frozen: {gc.get_freeze_count()}")
    return 0

cli.cmd_demo_server = serve_and_say
"""
    + RUN_OR_MAIN
)

# Far fewer than the start-up makes (tens of thousands), far more than a run's own few.
MANY_FROZEN = 10_000


def command(how: str, argv: list[str], tmp_path: Path, stdin: bytes = b"") -> str:
    done = run_program(PROGRAM, [how, *argv], tmp_path / "home", stdin)
    err = done.stderr.decode("utf-8")
    assert done.returncode == 0, err
    return err


def said(err: str, what: str) -> str:
    (line,) = [line for line in err.splitlines() if line.startswith(what)]
    return line.removeprefix(what).strip()


def frozen_at_the_run(err: str) -> tuple[bool, int]:
    on, frozen = said(err, "run collector on:").split(" frozen: ")
    return on == "True", int(frozen)


@pytest.mark.parametrize("kind", ["resolve", "download", "doctor"])
def test_a_command_starts_without_collections_and_runs_with_them(
    demo_server: DemoServer, tmp_path: Path, kind: str
) -> None:
    ids = sample_ids()[:3]
    argv = [kind, "--base-url", demo_server.base_url]
    argv += {
        "resolve": ["--format", "urls", "-"],
        "download": ["--dest", str(tmp_path / "out"), "-"],
        "doctor": [],
    }[kind]
    err = command("run", argv, tmp_path, id_lines(ids))
    assert said(err, "start-up collector on:") == "False"
    on, frozen = frozen_at_the_run(err)
    assert on
    assert frozen > MANY_FROZEN


def test_the_demo_service_settles_before_it_serves(tmp_path: Path) -> None:
    err = command("run", ["demo-server", "--port", "0"], tmp_path)
    assert said(err, "start-up collector on:") == "False"
    on, frozen = frozen_at_the_run(err)
    assert on
    assert frozen > MANY_FROZEN


def test_main_called_and_returned_from_pauses_and_freezes_nothing(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    argv = ["resolve", "--base-url", demo_server.base_url, "--format", "urls", "-"]
    err = command("main", argv, tmp_path, id_lines(sample_ids()[:3]))
    assert said(err, "start-up collector on:") == "True"
    assert frozen_at_the_run(err) == (True, 0)
