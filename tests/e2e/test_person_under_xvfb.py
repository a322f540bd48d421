"""The window used as a person would: a real X server, real keyboard and clipboard, a
real Secret Service on the session bus, and the service over real loopback HTTP.

Paste 2,000 IDs with Ctrl+V, resolve with Ctrl+Return, and Ctrl+Shift+C must put
exactly the working links on the clipboard; Ctrl+Q quits with exit code 0.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from tcb_gui.demo import samples
from tcb_gui.demo.service import DEMO_TOKEN

TOOLS = ("Xvfb", "xdotool", "xclip", "dbus-run-session", "gnome-keyring-daemon")
MISSING = [tool for tool in TOOLS if shutil.which(tool) is None]

pytestmark = [
    pytest.mark.xvfb,
    pytest.mark.skipif(bool(MISSING), reason=f"needs {', '.join(MISSING)} (.ci/run installs them)"),
]

WORKING = 1_990
FAILING = 10
# Generous: two shared cores, an X server, a keyring daemon and the service.
WAIT_S = 60.0


def _ids() -> list[str]:
    ids = [samples.PROD.fileid(f"gen/person/{i:05d}.bin") for i in range(1_900)]
    ids += [samples.TEST.fileid(f"gen/person/{i:05d}.bin") for i in range(90)]
    ids += [samples.PROD.fileid(f"deleted/gone-{i}.jpg") for i in range(FAILING)]
    return [str(i) for i in ids]


@pytest.fixture
def display() -> Iterator[str]:
    """A private Xvfb display, found free by trying numbers."""
    for number in range(120, 160):
        if Path(f"/tmp/.X11-unix/X{number}").exists() or Path(f"/tmp/.X{number}-lock").exists():
            continue
        server = subprocess.Popen(
            ["Xvfb", f":{number}", "-screen", "0", "1400x900x24", "-nolisten", "tcp"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and server.poll() is None:
            if Path(f"/tmp/.X11-unix/X{number}").exists():
                break
            time.sleep(0.05)
        if server.poll() is None:
            try:
                yield f":{number}"
            finally:
                server.terminate()
                server.wait(timeout=10)
            return
    pytest.fail("no free X display number")


def _x(display: str, *args: str, stdin: bytes | None = None) -> str:
    env = {**os.environ, "DISPLAY": display}
    done = subprocess.run(args, env=env, input=stdin, capture_output=True, timeout=20, check=False)
    return done.stdout.decode("utf-8", "replace")


def _set_clipboard(display: str, text: str) -> subprocess.Popen[bytes]:
    # xclip keeps serving the selection until another client takes it.
    owner = subprocess.Popen(
        ["xclip", "-selection", "clipboard", "-quiet", "-loops", "1"],
        env={**os.environ, "DISPLAY": display},
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    assert owner.stdin is not None
    owner.stdin.write(text.encode())
    owner.stdin.close()
    return owner


def _clipboard(display: str) -> str:
    return _x(display, "xclip", "-selection", "clipboard", "-o")


def test_paste_resolve_copy_working_links_and_quit(
    display: str, demo_server, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "DISPLAY": display,
        "QT_QPA_PLATFORM": "xcb",
        "TCB_ACCESS_TOKEN": DEMO_TOKEN,
        "TCB_GUI_HOME": str(tmp_path / "home"),
        "HOME": str(tmp_path),  # gnome-keyring keeps its keyrings under HOME
        "XDG_DATA_HOME": str(tmp_path / "xdg-data"),
    }
    env.pop("PYTHON_KEYRING_BACKEND", None)
    script = (
        "echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; "
        f'exec "{sys.executable}" -m tcb_gui --base-url {demo_server.base_url}'
    )
    app = subprocess.Popen(
        ["dbus-run-session", "--", "sh", "-c", script],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # one process group: the bus, the keyring and the app
    )
    owner = None
    try:
        window = _x(display, "xdotool", "search", "--sync", "--onlyvisible", "--name", "TCB")
        window_id = window.split()[0]
        # A click gives the window the keyboard focus (there is no window manager).
        _x(display, "xdotool", "mousemove", "--window", window_id, "600", "400", "click", "1")
        ids = _ids()
        owner = _set_clipboard(display, "\n".join(ids) + "\n")
        _x(display, "xdotool", "key", "ctrl+v")
        time.sleep(1.0)
        _x(display, "xdotool", "key", "ctrl+Return")

        links: list[str] = []
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            time.sleep(0.5)
            _x(display, "xdotool", "key", "ctrl+shift+c")
            time.sleep(0.2)
            links = [line for line in _clipboard(display).splitlines() if line]
            if len(links) >= WORKING and all(line.startswith("http") for line in links):
                break
        assert len(links) == WORKING, f"{len(links)} links on the clipboard"
        assert len(set(links)) == WORKING
        keys = {unquote(urlsplit(link).path).split("/", 3)[3] for link in links}
        expected = {i.split("/", 3)[3] for i in ids[:WORKING]}
        assert keys == expected  # exactly the working ones: no failed ID, none missing
        # The minimal number of requests: 1,910 IDs in one env, 90 in the other, 50 each.
        assert demo_server.state.stats.requests["componenttcb/batchdownloadfile"] == 39 + 2

        _x(display, "xdotool", "key", "ctrl+q")
        assert app.wait(timeout=WAIT_S) == 0
        stderr = app.stderr.read().decode("utf-8", "replace") if app.stderr else ""
        assert DEMO_TOKEN not in stderr
    finally:
        if owner is not None and owner.poll() is None:
            owner.kill()
            owner.wait()
        # dbus-run-session ends the bus; the keyring daemon (and the app, on failure)
        # may outlive it: end the whole group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(app.pid, signal.SIGTERM)
        if app.poll() is None:
            try:
                app.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(app.pid, signal.SIGKILL)
                app.wait()
        for stream in (app.stdout, app.stderr):
            if stream is not None:
                stream.close()
