"""The demo service listens from the moment its address is known (``DemoServer.bind``,
before uvicorn is imported or started): a request made in its first second waits and is
answered once it serves, instead of being refused or, in the window, going to the
profile left ("no token")."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import COMPONENT_PATH, DEMO_TOKEN, QUOTA_PATH

ROOT = Path(__file__).resolve().parents[2]
WAIT_S = 20


def test_a_request_made_before_the_service_serves_is_answered_once_it_does() -> None:
    server = DemoServer().bind()
    answers: list[httpx.Response | BaseException] = []

    def ask() -> None:
        try:
            answers.append(
                httpx.post(
                    f"{server.base_url}{QUOTA_PATH}",
                    params={"access_token": DEMO_TOKEN},
                    json={"cgi_path": COMPONENT_PATH},
                    timeout=WAIT_S,
                )
            )
        except BaseException as exc:
            answers.append(exc)

    client = threading.Thread(target=ask)
    try:
        client.start()
        time.sleep(0.3)  # connected and sent: it waits, unanswered, in the socket's queue
        assert client.is_alive(), answers
        assert not server.running
        server.start()
        client.join(WAIT_S)
    finally:
        server.stop()
    (answer,) = answers
    assert isinstance(answer, httpx.Response), answer
    assert answer.json()["errcode"] == 0


def test_binding_is_quick_uvicorn_comes_with_start() -> None:
    code = (
        "import sys\n"
        "from tcb_gui.demo.server import DemoServer\n"
        "server = DemoServer().bind()\n"
        "print(server.base_url, 'uvicorn' in sys.modules)\n"
        "server.stop()\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert out.returncode == 0, out.stderr
    url, imported = out.stdout.split()
    assert url.startswith("http://127.0.0.1:")
    assert imported == "False"
