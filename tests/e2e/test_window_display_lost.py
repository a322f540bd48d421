"""The window's display goes away under it (the X server dies, the desktop session ends,
an SSH connection's forwarded display drops): the app says so and exits 1, instead of
calling it a bug of its own with a traceback. A real window on a real Xvfb, killed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tcb_gui.app import DISPLAY_LOST
from tests.e2e.cli_helpers import REPO

pytestmark = [
    pytest.mark.xvfb,
    pytest.mark.skipif(
        not (shutil.which("Xvfb") and shutil.which("xdotool")), reason="needs Xvfb and xdotool"
    ),
]

START_S = 30.0
EXIT_S = 30.0


def start_xvfb() -> tuple[subprocess.Popen[bytes], str]:
    """An Xvfb on a display number of its own choosing (-displayfd), and that display."""
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as answer:
        number = answer.readline().strip()
    assert number.isdigit(), "Xvfb did not say its display"
    return server, f":{number}"


def window_shown(display: str) -> bool:
    found = subprocess.run(
        ["xdotool", "search", "--onlyvisible", "--name", "TCB"],
        env=dict(os.environ, DISPLAY=display),
        capture_output=True,
        check=False,
    )
    return bool(found.stdout.strip())


def test_a_window_whose_display_dies_says_so_and_exits_1(tmp_path: Path) -> None:
    server, display = start_xvfb()
    env = dict(
        os.environ,
        DISPLAY=display,
        QT_QPA_PLATFORM="xcb",
        TCB_GUI_HOME=str(tmp_path / "home"),
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
    )
    env.pop("TCB_ACCESS_TOKEN", None)
    app = subprocess.Popen(
        [sys.executable, "-m", "tcb_gui", "--demo"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + START_S
        while not window_shown(display):
            assert app.poll() is None, app.communicate()
            assert time.monotonic() < deadline, "no window appeared"
            time.sleep(0.2)
        server.kill()
        server.wait()
        _out, err = app.communicate(timeout=EXIT_S)
    finally:
        for process in (app, server):
            if process.poll() is None:
                process.kill()
                process.communicate()
    text = err.decode("utf-8", "replace")
    assert app.returncode == 1, text
    assert DISPLAY_LOST in text
    assert "Traceback" not in text
    assert "a bug in TCB Links" not in text
