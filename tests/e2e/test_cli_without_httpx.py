"""A command-line run that goes well never imports ``httpx``; one that fails words its
failure as ever (``core.lazy_httpx``, ``wire.RunClient``). Real processes against
the demo service over loopback, started as the console script starts them (``cli.run``)
and as ``main`` called and returned from.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tcb_gui.demo.server import DemoServer
from tests.e2e.cli_helpers import RUN_OR_MAIN, id_lines, run_program, sample_ids

# Says on fd 2, as the process ends, whether httpx (or httpcore) was loaded by then.
PROGRAM = (
    """
import atexit, os, sys
from tcb_gui import cli

def say():
    found = "httpx" in sys.modules, "httpcore" in sys.modules
    os.write(2, "httpx loaded: {} httpcore: {}\\n".format(*found).encode())

atexit.register(say)  # main called and returned from
leave = os._exit

def say_and_leave(code):  # run: a one-shot command leaves through os._exit
    say()
    leave(code)

os._exit = say_and_leave
"""
    + RUN_OR_MAIN
)


def command(how: str, argv: list[str], tmp_path: Path, stdin: bytes) -> tuple[int, str]:
    done = run_program(PROGRAM, [how, *argv], tmp_path / "home", stdin)
    return done.returncode, done.stderr.decode("utf-8")


def loaded(err: str) -> tuple[str, str]:
    (line,) = [line for line in err.splitlines() if line.startswith("httpx loaded:")]
    httpx_part, httpcore_part = line.removeprefix("httpx loaded: ").split(" httpcore: ")
    return httpx_part, httpcore_part


@pytest.mark.parametrize("how", ["run", "main"])
@pytest.mark.parametrize("kind", ["resolve", "download"])
def test_a_run_that_goes_well_never_imports_httpx(
    demo_server: DemoServer, tmp_path: Path, kind: str, how: str
) -> None:
    ids = sample_ids()[:6]
    argv = [kind, "--base-url", demo_server.base_url]
    argv += {
        "resolve": ["--format", "urls", "-"],
        "download": ["--dest", str(tmp_path / "out"), "-"],
    }[kind]
    code, err = command(how, argv, tmp_path, id_lines(ids))
    assert code == 0, err
    assert loaded(err) == ("False", "False")
    if kind == "download":
        saved = [
            p for p in (tmp_path / "out").rglob("*") if p.is_file() and ".tcb-gui" not in p.parts
        ]
        assert len(saved) == len(ids)


def test_a_run_that_cannot_connect_loads_httpx_to_say_why(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    argv = ["resolve", "--base-url", f"http://127.0.0.1:{port}", "--give-up-after", "1"]
    argv += ["--format", "urls", "-"]
    code, err = command("run", argv, tmp_path, id_lines(sample_ids()[:1]))
    assert code == 4, err  # a network failure (DESIGN: exit codes)
    assert "Network error: connection refused" in err
    assert loaded(err) == ("True", "False")
