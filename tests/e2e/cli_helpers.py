"""Running ``tcb-gui`` in tests: in-process through ``cli.main`` or as a real subprocess,
against the demo service over loopback, and reading what it printed."""

from __future__ import annotations

import csv
import io
import logging
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from unittest import mock
from urllib.parse import unquote, urlsplit

from tcb_gui.cli import main
from tcb_gui.core.export import COLUMNS
from tcb_gui.core.fileids import parse_fileid
from tcb_gui.demo import samples
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DEMO_TOKEN, DemoConfig, DemoState

REPO = Path(__file__).resolve().parents[2]
TOKEN_ENV = "TCB_ACCESS_TOKEN"
# A subprocess is never allowed to find the developer's real keyring: the "fail" backend
# is keyring's own "there is no keyring" (tokens then come from TCB_ACCESS_TOKEN only).
NO_KEYRING_BACKEND = "keyring.backends.fail.Keyring"
# Generous: a subprocess run is ~0.5 s, the slowest (6,000 IDs) a few seconds.
SUBPROCESS_TIMEOUT_S = 90.0
# How long an interrupt test waits for the run to reach the point it is interrupted at.
INTERRUPT_WAIT_S = 30.0
# Where a demo link's key starts: <base>/download/<bucket>/<key>?sign=…&t=…
DOWNLOAD_PREFIX = "/download/"


@dataclass(frozen=True, slots=True)
class CliRun:
    """What one run of the command printed and returned."""

    code: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def printed(self) -> str:
        return self.stdout + self.stderr


def serve(**config: object) -> DemoServer:
    """A demo server (not started) with this ``DemoConfig``."""
    return DemoServer(DemoState(DemoConfig(**config)))  # type: ignore[arg-type]


@contextmanager
def _token_env(token: str | None) -> Iterator[None]:
    values = {TOKEN_ENV: token} if token is not None else {}
    with mock.patch.dict(os.environ, values):
        if token is None:
            os.environ.pop(TOKEN_ENV, None)
        yield


@contextmanager
def _logging_restored() -> Iterator[None]:
    """``main`` configures the root logger for its run; give other tests theirs back."""
    root = logging.getLogger()
    httpx_logger = logging.getLogger("httpx")
    handlers, level, httpx_level = list(root.handlers), root.level, httpx_logger.level
    try:
        yield
    finally:
        for handler in [h for h in root.handlers if h not in handlers]:
            root.removeHandler(handler)
        root.setLevel(level)
        httpx_logger.setLevel(httpx_level)


def run_cli(argv: Sequence[str], *, stdin: bytes = b"", token: str | None = DEMO_TOKEN) -> CliRun:
    """``tcb-gui ARGV`` in this process, the token (if any) in ``TCB_ACCESS_TOKEN``."""
    stdout, stderr = io.StringIO(), io.StringIO()
    stdin_stream = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    started = time.monotonic()
    with _token_env(token), _logging_restored():
        code = main(list(argv), stdin=stdin_stream, stdout=stdout, stderr=stderr)
    return CliRun(code, stdout.getvalue(), stderr.getvalue(), time.monotonic() - started)


def subprocess_env(
    home: Path, token: str | None = DEMO_TOKEN, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """A minimal environment: no proxies, no real keyring, config under ``home``."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "PYTHONIOENCODING": "utf-8",
        "TCB_GUI_HOME": str(home),
        "PYTHON_KEYRING_BACKEND": NO_KEYRING_BACKEND,
    }
    if token is not None:
        env[TOKEN_ENV] = token
    env.update(extra or {})
    return env


def run_subprocess(
    argv: Sequence[str],
    *,
    home: Path,
    token: str | None = DEMO_TOKEN,
    stdin: bytes = b"",
    extra_env: Mapping[str, str] | None = None,
) -> CliRun:
    """``python -m tcb_gui.cli ARGV`` as a real process (pipes, so stderr is no TTY)."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "tcb_gui.cli", *argv],
        input=stdin,
        capture_output=True,
        env=subprocess_env(home, token, extra_env),
        cwd=REPO,
        timeout=SUBPROCESS_TIMEOUT_S,
        check=False,
    )
    return CliRun(
        done.returncode,
        done.stdout.decode("utf-8"),
        done.stderr.decode("utf-8"),
        time.monotonic() - started,
    )


# The end of a probe program for ``run_program``: its first argument says how the command
# line runs, as the process (``run``: the console script's way) or as ``main`` called and
# returned from (what a test or an embedding program does); the rest are the command's.
RUN_OR_MAIN = """
how = sys.argv.pop(1)
sys.argv[0] = "tcb-gui"
if how == "run":
    cli.run()
raise SystemExit(cli.main())
"""


def run_program(
    program: str, args: Sequence[str], home: Path, stdin: bytes | None = b""
) -> subprocess.CompletedProcess[bytes]:
    """``python -c PROGRAM ARGS…``, a probe around the command line, as a real process in
    the repository with ``subprocess_env(home)``."""
    return run_process([sys.executable, "-c", program, *args], home, stdin)


def run_process(
    argv: Sequence[str], home: Path, stdin: bytes | None = b""
) -> subprocess.CompletedProcess[bytes]:
    """``argv`` as a real process in the repository with ``subprocess_env(home)``, its
    output captured."""
    return subprocess.run(
        argv,
        input=stdin,
        capture_output=True,
        env=subprocess_env(home),
        cwd=REPO,
        timeout=SUBPROCESS_TIMEOUT_S,
        check=False,
    )


def _sigint_as_at_a_terminal() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def interrupt_subprocess(
    argv: Sequence[str], *, home: Path, ready: Callable[[], bool], what: str
) -> CliRun:
    """``python -m tcb_gui.cli ARGV`` as a real process, sent SIGINT (Ctrl+C) once
    ``ready()`` holds (polled while it runs; ``what`` says what was awaited)."""
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "tcb_gui.cli", *argv],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=subprocess_env(home),
        cwd=REPO,
        # Ctrl+C as at a terminal, even when the tests themselves were started in the
        # background by a shell, which leaves SIGINT ignored for everything it starts
        # (and Python then installs no handler for it).
        preexec_fn=_sigint_as_at_a_terminal,
    )
    try:
        deadline = time.monotonic() + INTERRUPT_WAIT_S
        while not ready():
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, f"not in time: {what}"
            time.sleep(0.02)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=SUBPROCESS_TIMEOUT_S)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    return CliRun(
        process.returncode, out.decode("utf-8"), err.decode("utf-8"), time.monotonic() - started
    )


# -- inputs -------------------------------------------------------------------------------


def id_lines(ids: Sequence[str]) -> bytes:
    return "".join(f"{fid}\n" for fid in ids).encode("utf-8")


def gen_key(n: int) -> str:
    """A generated demo key (exists in every env) with spaces and Chinese now and then."""
    if n % 3 == 0:
        return f"gen/批次 {n % 7}/文件 {n:05d}.txt"
    if n % 3 == 1:
        return f"gen/folder {n % 11}/file {n:05d}.bin"
    return f"gen/{n:05d}.jpg"


def mixed_ids(prod: int, test: int, seed: int = 7) -> list[str]:
    """``prod`` IDs of PROD and ``test`` of TEST, all existing, shuffled together."""
    ids = [samples.PROD.fileid(gen_key(n)) for n in range(prod)]
    ids += [samples.TEST.fileid(gen_key(n)) for n in range(prod, prod + test)]
    random.Random(seed).shuffle(ids)
    return ids


def sample_ids() -> list[str]:
    """The demo's sample list as a user would paste it (keys ending in a space left out)."""
    return samples.sample_list_text().splitlines()


def expected_ok(fileid: str) -> bool:
    """Whether the demo resolves this ID to a link."""
    fid = parse_fileid(fileid)
    env = samples.env_by_name(fid.env)
    return (
        env is not None
        and env.bucket == fid.bucket
        and not samples.is_private(fid.key)
        and samples.file_size(fid.bucket, fid.key) is not None
    )


# -- outputs ------------------------------------------------------------------------------


def link_target(url: str) -> tuple[str, str]:
    """(bucket, key) a demo link points at, decoded as the demo's CDN route decodes it."""
    parts = urlsplit(url)
    assert parts.scheme == "http", url
    assert parts.path.startswith(DOWNLOAD_PREFIX), url
    assert not parts.fragment, url
    query = dict(p.split("=", 1) for p in parts.query.split("&"))
    assert set(query) == {"sign", "t"}, url
    bucket, _, key = parts.path[len(DOWNLOAD_PREFIX) :].partition("/")
    return unquote(bucket), unquote(key)


def assert_link_for(fileid: str, url: str) -> None:
    """The link is a valid, encoded URL for exactly this ID's object."""
    assert url.isascii(), url
    assert " " not in url, url
    fid = parse_fileid(fileid)
    assert link_target(url) == (fid.bucket, fid.key), (fileid, url)


def table_rows(text: str, fmt: str) -> list[dict[str, str]]:
    """Rows of a csv/tsv export, checking the header is exactly the contract's columns."""
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(text, newline="")))
    else:
        rows = [line.split("\t") for line in text.splitlines()]
    assert tuple(rows[0]) == COLUMNS, rows[0]
    for row in rows[1:]:
        assert len(row) == len(COLUMNS), row
    return [dict(zip(COLUMNS, row, strict=True)) for row in rows[1:]]


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def contains_anywhere(root: Path, needle: str) -> list[Path]:
    """Files under ``root`` whose bytes hold ``needle`` (UTF-8 or UTF-16) or whose path does."""
    forms = [needle.encode("utf-8"), needle.encode("utf-16-le")]
    hits = []
    for path in files_under(root):
        data = path.read_bytes()
        if needle in str(path) or any(form in data for form in forms):
            hits.append(path)
    return hits
