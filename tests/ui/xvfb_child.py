"""Run a module of the tests in a child process on its own Xvfb server (``xvfb-run``),
as the real xcb platform: what the offscreen platform cannot show (X11's key bindings,
a window manager-less real paint). The child prints its facts as one Python literal on
its last line of output."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SCREEN = "-screen 0 1400x900x24"
TIMEOUT_S = 90


@dataclass(frozen=True, slots=True)
class ChildRun:
    facts: dict[str, Any]
    stderr: str


def run_on_xvfb(module: str, *args: str, home: Path) -> ChildRun:
    """``python -m MODULE ARGS`` under ``xvfb-run``, with ``home`` as TCB_GUI_HOME, no
    token in its environment and no real keyring (the window must open without one)."""
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="xcb",
        TCB_GUI_HOME=str(home),
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        PYTHONPATH=str(ROOT),
    )
    env.pop("TCB_ACCESS_TOKEN", None)
    result = subprocess.run(
        ["xvfb-run", "-a", "-s", SCREEN, sys.executable, "-m", module, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return ChildRun(ast.literal_eval(result.stdout.strip().splitlines()[-1]), result.stderr)
