"""Where ``resolve`` and ``download`` write, when it is not a plain file: a pipe or
device given as ``--output`` / ``--report``, a folder given there, and standard streams
that are closed or full. Each gets a clear message and the right exit status, before any
quota is spent where that can be known in advance, and never a traceback."""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tcb_gui.demo.server import DemoServer
from tests.e2e.cli_helpers import (
    CliRun,
    id_lines,
    mixed_ids,
    run_cli,
    run_process,
)

BATCH_API = "componenttcb/batchdownloadfile"
USAGE = 2


def resolve_args(server: DemoServer, *extra: str) -> list[str]:
    return ["resolve", "--base-url", server.base_url, *extra]


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    """A named pipe and a reader already waiting on it (non-blocking, so a writer can
    open it and what it writes stays in the pipe for the test to read)."""
    path = tmp_path / "links.pipe"
    os.mkfifo(path)
    reader = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        yield path, reader
    finally:
        os.close(reader)


def read_pipe(reader: int) -> str:
    chunks = []
    while True:
        try:
            chunk = os.read(reader, 65536)
        except BlockingIOError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode("utf-8")


def run_with_streams(
    argv: list[str], home: Path, *, shell_redirects: str, stdin: bytes | None = None
) -> CliRun:
    """``tcb-gui ARGV`` as a real process started by ``sh`` with ``shell_redirects``
    applied (``<&-`` closes stdin, ``>&-`` stdout, ``2>&-`` stderr)."""
    shell = ["sh", "-c", f'exec "$@" {shell_redirects}', "sh"]
    done = run_process([*shell, sys.executable, "-m", "tcb_gui.cli", *argv], home, stdin)
    return CliRun(done.returncode, done.stdout.decode(), done.stderr.decode(), 0.0)


# -- --output / --report that are not plain files --------------------------------------------


def test_output_into_a_named_pipe_is_written_into_not_replaced(
    demo_server: DemoServer, fifo: tuple[Path, int]
) -> None:
    path, reader = fifo
    ids = mixed_ids(3, 2, seed=5)
    run = run_cli(
        resolve_args(demo_server, "--format", "urls", "--output", str(path)), stdin=id_lines(ids)
    )
    assert run.code == 0, run.stderr
    assert stat.S_ISFIFO(os.stat(path).st_mode), "the pipe was replaced by a file"
    links = read_pipe(reader).splitlines()
    assert len(links) == len(ids)
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no temporary file


def test_download_report_into_a_named_pipe(
    demo_server: DemoServer, fifo: tuple[Path, int], tmp_path: Path
) -> None:
    path, reader = fifo
    ids = mixed_ids(2, 1, seed=6)
    run = run_cli(
        [
            "download",
            "--base-url",
            demo_server.base_url,
            "--dest",
            str(tmp_path / "files"),
            "--report",
            str(path),
        ],
        stdin=id_lines(ids),
    )
    assert run.code == 0, run.stderr
    assert stat.S_ISFIFO(os.stat(path).st_mode)
    assert '"fileid"' in read_pipe(reader)


def test_output_that_is_a_folder_is_refused_before_any_request(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    ids = id_lines(mixed_ids(3, 0))
    run = run_cli(resolve_args(demo_server, "--output", str(folder)), stdin=ids)
    assert run.code == USAGE
    assert f"Cannot write {folder}: it is a folder" in run.stderr
    assert demo_server.state.stats.requests[BATCH_API] == 0  # no quota spent on lost results


def test_download_report_that_is_a_folder_is_refused_before_any_download(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    dest, report = tmp_path / "files", str(tmp_path)
    run = run_cli(
        ["download", "--base-url", demo_server.base_url, "--dest", str(dest), "--report", report],
        stdin=id_lines(mixed_ids(2, 0)),
    )
    assert run.code == USAGE
    assert "it is a folder" in run.stderr
    assert demo_server.state.stats.requests[BATCH_API] == 0
    assert not dest.exists()


# -- closed or failing standard streams ---------------------------------------------------------


def test_closed_stdin_is_named_not_a_traceback(demo_server: DemoServer, tmp_path: Path) -> None:
    for command in (resolve_args(demo_server), ["download", "--dest", str(tmp_path / "d")]):
        run = run_with_streams(command, tmp_path, shell_redirects="<&-")
        assert run.code == USAGE, run.stderr
        assert "Standard input is closed" in run.stderr
        assert "Traceback" not in run.stderr
    token = run_with_streams(["token", "set"], tmp_path, shell_redirects="<&-")
    assert token.code == USAGE
    assert "Traceback" not in token.stderr


def test_closed_stdout_refuses_a_resolve_before_any_request(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    ids = tmp_path / "ids.txt"
    ids.write_bytes(id_lines(mixed_ids(3, 1)))
    run = run_with_streams(resolve_args(demo_server, str(ids)), tmp_path, shell_redirects=">&-")
    assert run.code == USAGE, run.stderr
    assert "Standard output is closed" in run.stderr
    assert "Traceback" not in run.stderr
    assert demo_server.state.stats.requests[BATCH_API] == 0
    # With --output the closed stdout does not matter; doctor still answers by its status.
    out = tmp_path / "links.tsv"
    saved = run_with_streams(
        resolve_args(demo_server, str(ids), "-o", str(out)), tmp_path, shell_redirects=">&-"
    )
    assert saved.code == 0, saved.stderr
    assert len(out.read_text("utf-8").splitlines()) == 5
    doctor = run_with_streams(
        ["doctor", "--base-url", demo_server.base_url], tmp_path, shell_redirects=">&-"
    )
    assert "Traceback" not in doctor.stderr
    assert doctor.code in (0, 3, 4)


def test_closed_stderr_still_gives_the_links(demo_server: DemoServer, tmp_path: Path) -> None:
    ids = mixed_ids(4, 2, seed=3)
    run = run_with_streams(
        resolve_args(demo_server, "--format", "urls"),
        tmp_path,
        shell_redirects="2>&-",
        stdin=id_lines(ids),
    )
    assert run.code == 0
    assert len(run.stdout.splitlines()) == len(ids)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_stdout_is_named_not_a_traceback(demo_server: DemoServer, tmp_path: Path) -> None:
    ids = tmp_path / "ids.txt"
    ids.write_bytes(id_lines(mixed_ids(3, 1)))
    # The shell opens the device for the process: nothing is created or replaced in /dev.
    run = run_with_streams(
        resolve_args(demo_server, str(ids)), tmp_path, shell_redirects=">/dev/full"
    )
    assert run.code == USAGE, run.stderr
    assert "Cannot write the results to standard output: No space left on device" in run.stderr
    assert "Traceback" not in run.stderr
    assert "Exception ignored" not in run.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("command", [["doctor"], ["token", "check"]])
def test_every_command_names_a_full_stdout(
    demo_server: DemoServer, tmp_path: Path, command: list[str]
) -> None:
    """The doctor's lines and a token check go to stdout as resolve's links do: a full
    disk behind ``>`` is named (exit 2), not an unexpected error with a traceback."""
    run = run_with_streams(
        [*command, "--base-url", demo_server.base_url], tmp_path, shell_redirects=">/dev/full"
    )
    assert run.code == USAGE, run.stderr
    assert "Cannot write the results to standard output: No space left on device" in run.stderr
    assert "Traceback" not in run.stderr
    assert "bug in TCB Links" not in run.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_stderr_does_not_stop_the_run(demo_server: DemoServer, tmp_path: Path) -> None:
    """Progress and messages that cannot be written (a full disk behind ``2>> log``) are
    dropped; the links still come out and the status is the run's."""
    ids = mixed_ids(4, 2, seed=8)
    run = run_with_streams(
        resolve_args(demo_server, "--format", "urls"),
        tmp_path,
        shell_redirects="2>/dev/full",
        stdin=id_lines(ids),
    )
    assert run.code == 0
    assert len(run.stdout.splitlines()) == len(ids)
