"""A few lines of Python run in a fresh interpreter from the project's root: what a
start imports, how a module loads without something. The probe must exit 0; its
standard output comes back."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run_probe(
    code: str, *args: str, env: Mapping[str, str] | None = None, timeout: float = 60
) -> str:
    """``python -c code args…``: its standard output (it must exit 0, else the test
    fails with what it wrote to standard error)."""
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout
