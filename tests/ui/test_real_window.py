"""A real window on a real X server (Xvfb), through the app's own start and quit path."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.xvfb
@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="xvfb-run (package xvfb) is absent")
def test_real_window_opens_paints_and_quits(tmp_path: Path) -> None:
    shot = tmp_path / "window.png"
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="xcb",
        # No real keyring in the child: the window must still open (it says so plainly).
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        PYTHONPATH=str(ROOT),
    )
    env.pop("TCB_ACCESS_TOKEN", None)
    result = subprocess.run(
        [
            "xvfb-run",
            "-a",
            "-s",
            "-screen 0 1400x900x24",
            sys.executable,
            "-m",
            "tests.ui.window_smoke",
            str(shot),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    facts = ast.literal_eval(result.stdout.strip().splitlines()[-1])
    assert "TCB" in facts["title"]
    width, height = facts["size"]
    assert width >= 800
    assert height >= 500
    assert facts["colours"] > 5
    assert shot.stat().st_size > 10_000
    for noise in ("Task was destroyed", "Traceback", "QWidget", "Event loop stopped"):
        assert noise not in result.stderr
