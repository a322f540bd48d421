"""The window killed mid-download offers to resume, and resuming finishes every file.

The real app (``tcb_gui.app.run``) runs in a child process on the offscreen platform,
driven by ``window_download_driver.py``, against the demo service in this process over
loopback. The first child starts a rate-limited download and is killed with SIGKILL once
its partial files hold data; the second opens on the same state folder, must offer the
unfinished list, and, resumed, must end with every file byte-exact, fetched with Range
from where the partial files stopped.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tcb_gui.core.download_session import SessionStore, session_path
from tcb_gui.core.paths import part_path
from tcb_gui.demo.samples import PROD, file_size, iter_file_bytes
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DEMO_TOKEN

REPO = Path(__file__).resolve().parents[2]
DRIVER = "tests.e2e.window_download_driver"
KEYS = [f"gen/size-24M/window-kill-{n}.bin" for n in range(3)]
RATE = 12 << 20  # bytes/s over all files: a few seconds in all, killed after ~1 s
# Enough bytes in every partial file that resuming is plainly not starting over.
KILL_AFTER_BYTES = 1 << 20
STEP_TIMEOUT_S = 25


def child_env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        TCB_GUI_HOME=str(home),
        TCB_ACCESS_TOKEN=DEMO_TOKEN,
        QT_QPA_PLATFORM="offscreen",
        # The token comes from the environment: no keyring is asked for anything.
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        PYTHONPATH=str(REPO),
    )
    return env


def digest_of_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def digest_of_sample(key: str) -> str:
    size = file_size(PROD.bucket, key)
    assert size is not None
    h = hashlib.sha256()
    for chunk in iter_file_bytes(PROD.bucket, key, 0, size):
        h.update(chunk)
    return h.hexdigest()


def events(stdout: str) -> dict[str, dict[str, object]]:
    found: dict[str, dict[str, object]] = {}
    for line in stdout.splitlines():
        if line.startswith("{"):
            event = json.loads(line)
            found[str(event["event"])] = event
    return found


def test_killed_window_offers_to_resume_and_finishes_byte_exact(
    demo_server: DemoServer, tmp_path: Path, isolated_home: Path
) -> None:
    dest = tmp_path / "downloads"
    env = child_env(isolated_home)
    targets = [dest / PROD.env / key for key in KEYS]
    parts = [part_path(t) for t in targets]
    base = demo_server.base_url

    # 1. Start a download in the window, then kill the process without warning.
    child = subprocess.Popen(
        [
            *(sys.executable, "-m", DRIVER, "start", "--base-url", base, "--dest", str(dest)),
            *("--rate", str(RATE), "--keys", *KEYS),
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + STEP_TIMEOUT_S
        while not (
            all(p.exists() and p.stat().st_size >= KILL_AFTER_BYTES for p in parts)
            and session_path().exists()
        ):
            if child.poll() is not None:
                pytest.fail(f"the window exited early: {child.communicate()}")
            if time.monotonic() > deadline:
                pytest.fail("the partial files never filled")
            time.sleep(0.05)
    finally:
        child.send_signal(signal.SIGKILL)
        out, _ = child.communicate(timeout=10)
    assert child.returncode == -signal.SIGKILL
    assert "started" in events(out)
    kept = {p: p.stat().st_size for p in parts}
    assert all(0 < size < 24 << 20 for size in kept.values())
    saved = SessionStore().load()
    assert saved is not None
    assert {f.fileid for f in saved.unfinished()} == {PROD.fileid(k) for k in KEYS}
    assert saved.limit_rate == RATE
    text = session_path().read_text("utf-8")
    assert DEMO_TOKEN not in text
    assert "sign=" not in text
    before = len(demo_server.state.stats.downloads)

    # 2. Open the window again: it offers the list; Resume finishes it.
    result = subprocess.run(
        [sys.executable, "-m", DRIVER, "resume", "--base-url", base],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    seen = events(result.stdout)
    offered = seen["offered"]
    assert offered["buttons"] == ["Resume", "Discard"]
    assert offered["unfinished"] == 3
    assert offered["rows"] == 3
    assert "did not finish" in str(offered["banner"])
    assert str(dest) in str(offered["banner"])
    done = seen["finished"]
    assert (done["downloaded"], done["failed"], done["stopped"]) == (3, 0, 0)
    for noise in ("Traceback", "Task was destroyed", "Event loop stopped", "Exception ignored"):
        assert noise not in result.stderr, result.stderr

    for key, t, p in zip(KEYS, targets, parts, strict=True):
        assert digest_of_file(t) == digest_of_sample(key), key
        assert not p.exists()
        # Resumed from where the killed run left its partial file (not from byte 0).
        ranges = [
            d.range
            for d in demo_server.state.stats.downloads[before:]
            if d.key == key and d.status == 206
        ]
        assert ranges, key
        start = int(str(ranges[0]).removeprefix("bytes=").split("-")[0])
        assert 0 < start <= kept[p], (key, ranges, kept[p])
    assert not session_path().exists()  # finished: nothing offered on the next start
