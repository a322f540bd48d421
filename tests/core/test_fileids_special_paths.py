"""What a path given as a list of IDs may be, per face (``fileids.read_ids_from_path``'s
``reads``): the window reads files only, and refuses a named pipe without waiting for
its writer (it waited for ever), a device (``/dev/zero`` never ends), a socket or a
folder by name and kind; the command line still reads a pipe (``tcb-gui resolve
<(…)``) and stops an endless device or pipe at its limits."""

from __future__ import annotations

import functools
import os
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tcb_gui.core.errors import InputError
from tcb_gui.core.fileids import (
    COMMAND_LINE_READS,
    WINDOW_READS,
    IdScan,
    read_ids_from_path,
)

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX special files")

PROD = "cloud://prod-4gkv.7072-prod-4gkv-1314114854"
# Long enough for a reader that waits for ever to show as one, short enough for a test.
WAIT_S = 10


def refusal(call: Callable[[], IdScan]) -> str:
    """The message of the ``InputError`` ``call`` raises, in a thread given ``WAIT_S``."""
    outcome: list[BaseException | IdScan] = []
    thread = threading.Thread(target=lambda: outcome.append(_run(call)), daemon=True)
    thread.start()
    thread.join(WAIT_S)
    assert not thread.is_alive(), "the read is still waiting"
    (result,) = outcome
    assert isinstance(result, InputError), result
    return result.message


def _run(call: Callable[[], IdScan]) -> BaseException | IdScan:
    try:
        return call()
    except BaseException as exc:
        return exc


@pytest.fixture
def unix_socket(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "s.sock"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(os.fspath(path))
        yield path


def test_the_window_refuses_a_named_pipe_without_waiting_for_a_writer(fifo: Path) -> None:
    message = refusal(lambda: read_ids_from_path(fifo, reads=WINDOW_READS))
    assert message.startswith(f"{fifo} is a named pipe, not a file")


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_the_window_refuses_an_endless_device_by_name(device: str) -> None:
    message = refusal(lambda: read_ids_from_path(device, reads=WINDOW_READS))
    assert message.startswith(f"{device} is a device, not a file")


def test_the_window_refuses_a_socket_and_a_folder(unix_socket: Path, tmp_path: Path) -> None:
    assert refusal(lambda: read_ids_from_path(unix_socket, reads=WINDOW_READS)) == (
        f"{unix_socket} is a socket, not a file with IDs."
    )
    assert refusal(lambda: read_ids_from_path(tmp_path, reads=WINDOW_READS)) == (
        f"{tmp_path} is a folder, not a file with IDs."
    )


def test_the_window_reads_a_file_through_a_link(tmp_path: Path) -> None:
    path = tmp_path / "ids.txt"
    path.write_text(f"{PROD}/a.png\n", encoding="utf-8")
    link = tmp_path / "link.txt"
    link.symlink_to(path)
    assert [f.raw for f in read_ids_from_path(link, reads=WINDOW_READS).ids] == [f"{PROD}/a.png"]


def test_the_command_line_reads_a_pipe_as_process_substitution_hands_it() -> None:
    read_end, write_end = os.pipe()
    try:
        os.write(write_end, f"{PROD}/a.png\n{PROD}/b.png\n".encode())
        os.close(write_end)
        scan = read_ids_from_path(f"/dev/fd/{read_end}")  # what <(…) names
    finally:
        os.close(read_end)
    assert [f.raw for f in scan.ids] == [f"{PROD}/a.png", f"{PROD}/b.png"]
    assert COMMAND_LINE_READS > WINDOW_READS


def test_the_command_line_waits_for_a_named_pipes_writer(fifo: Path) -> None:
    def write() -> None:
        with fifo.open("w", encoding="utf-8") as pipe:
            pipe.write(f"{PROD}/late.png\n")

    writer = threading.Timer(0.2, write)
    writer.start()
    scan = read_ids_from_path(fifo)
    writer.join()
    assert [f.raw for f in scan.ids] == [f"{PROD}/late.png"]


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_the_command_line_stops_an_endless_device_at_its_first_chunk(device: str) -> None:
    assert refusal(lambda: read_ids_from_path(device)).startswith(
        f"{device} is not a text file (it looks like binary data)."
    )


def test_the_command_line_stops_an_endless_pipe_of_text_at_the_limit(fifo: Path) -> None:
    stop = threading.Event()

    def write() -> None:
        try:
            with fifo.open("wb") as pipe:
                while not stop.is_set():
                    pipe.write(f"{PROD}/again.png\n".encode() * 1_000)
        except BrokenPipeError:
            pass  # the reader gave up: what the test waits for

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    try:
        message = refusal(lambda: read_ids_from_path(fifo, max_bytes=1024 * 1024))
    finally:
        stop.set()
    writer.join(WAIT_S)
    assert message.startswith(f"{fifo} is larger than 1 MiB, the limit for a list of IDs.")


def test_the_command_line_refuses_a_socket_and_a_folder(unix_socket: Path, tmp_path: Path) -> None:
    assert "is a socket" in refusal(lambda: read_ids_from_path(unix_socket))
    assert "is a folder" in refusal(lambda: read_ids_from_path(tmp_path))


def test_neither_face_reads_a_disk() -> None:
    disk = next(
        (d for d in ("/dev/loop0", "/dev/sda", "/dev/vda") if Path(d).is_block_device()), ""
    )
    if not disk:
        pytest.skip("no block device to name")
    for reads in (WINDOW_READS, COMMAND_LINE_READS):
        assert refusal(functools.partial(read_ids_from_path, disk, reads=reads)) == (
            f"{disk} is a disk device, not a file with IDs."
        )
