"""``tcb-gui resolve`` as a real process against a hostile service on loopback: what it
prints, exits with and leaves on disk when the service echoes the token in a malformed
answer, or sends a compressed answer that would inflate to hundreds of MiB.
"""

from __future__ import annotations

import json
import socket
import threading
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tcb_gui.core.exit_status import ExitStatus
from tcb_gui.demo import samples
from tests.e2e.cli_helpers import contains_anywhere, id_lines, run_subprocess

TOKEN = "hostile-cli-token-0123456789abcdefXYZ"
IDS = [samples.PROD.fileid(f"gen/hostile/{n}.bin") for n in range(3)]
# Seconds the run waits for one good answer before it stops (exit 4): short, it never comes.
PATIENCE = ["--deadline", "5", "--give-up-after", "2"]


class RawService:
    """A loopback HTTP service that answers every request with the same bytes."""

    def __init__(self, answer: Callable[[], bytes]) -> None:
        self._answer = answer
        self._closing = threading.Event()
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.base_url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            conn, _ = self._sock.accept()
            if self._closing.is_set():
                conn.close()
                return
            with conn:
                try:
                    conn.settimeout(5)
                    head = b""
                    while b"\r\n\r\n" not in head:
                        piece = conn.recv(65536)
                        if not piece:
                            break
                        head += piece
                    conn.sendall(self._answer())
                except OSError:
                    pass  # the client hung up on an answer it would not read

    def close(self) -> None:
        self._closing.set()
        socket.create_connection(self._sock.getsockname()).close()  # wakes accept()
        self._thread.join(5)
        self._sock.close()


@pytest.fixture
def raw_service() -> Iterator[Callable[[Callable[[], bytes]], RawService]]:
    services: list[RawService] = []

    def start(answer: Callable[[], bytes]) -> RawService:
        services.append(RawService(answer))
        return services[-1]

    yield start
    for service in services:
        service.close()


def resolve(service: RawService, home: Path) -> tuple[int, str]:
    run = run_subprocess(
        ["resolve", "--base-url", service.base_url, "--format", "json", *PATIENCE],
        home=home,
        token=TOKEN,
        stdin=id_lines(IDS),
    )
    return run.code, run.printed


def test_a_head_echoing_the_token_leaves_it_nowhere(
    raw_service: Callable[[Callable[[], bytes]], RawService], tmp_path: Path
) -> None:
    """The engine's transport quotes the Transfer-Encoding it refuses; the service set
    it to the token it was sent. Neither the output nor any file the run keeps (history,
    state) may hold it."""
    head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: %s\r\n\r\n" % TOKEN.encode()
    service = raw_service(lambda: head)
    code, printed = resolve(service, tmp_path)
    assert code == ExitStatus.SERVICE
    assert "unsupported Transfer-Encoding '***'" in printed
    assert TOKEN not in printed
    assert contains_anywhere(tmp_path, TOKEN) == []


def gzip_of_padding(size: int) -> bytes:
    """A gzip answer inflating to an errcode-0 answer of about ``size`` bytes."""
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = b"a" * (16 * 1024 * 1024)
    parts = [packer.compress(b'{"errcode":0,"errmsg":"')]
    parts += [packer.compress(block) for _ in range(size // len(block))]
    parts += [packer.compress(b'","file_list":[]}'), packer.flush()]
    return b"".join(parts)


def test_a_gzip_answer_inflating_to_256_mib_is_refused_not_inflated(
    raw_service: Callable[[Callable[[], bytes]], RawService], tmp_path: Path
) -> None:
    body = gzip_of_padding(256 * 1024 * 1024)
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
    answer = head + b"Content-Length: %d\r\n\r\n" % len(body) + body
    service = raw_service(lambda: answer)
    code, printed = resolve(service, tmp_path)
    assert code == ExitStatus.SERVICE
    assert "the answer is too large" in printed
    out = printed[: printed.rindex("]") + 1]
    assert [r["fileid"] for r in json.loads(out)] == IDS
