"""``atomicfile.locked``'s lock on each platform: the bounded retry loop around the
platform's try-lock (``_acquire``), and the Windows lock (one byte's
``msvcrt.locking`` on ``<name>.lock``), driven here through a stand-in ``msvcrt`` that
keeps byte locks as Windows does (another descriptor's attempt is refused)."""

from __future__ import annotations

import errno
import os
import sys
import time
import types
from pathlib import Path

import pytest

from tcb_gui.core import atomicfile


class FakeMsvcrt(types.ModuleType):
    """``msvcrt.locking`` for one byte: held per file, refused to other descriptors."""

    LK_UNLCK = 0
    LK_NBLCK = 2

    def __init__(self) -> None:
        super().__init__("msvcrt")
        self.holders: dict[tuple[int, int], int] = {}
        self.calls: list[tuple[int, int, int]] = []

    def locking(self, fd: int, mode: int, nbytes: int) -> None:
        assert nbytes == 1
        position = os.lseek(fd, 0, os.SEEK_CUR)
        assert position == 0  # the same byte every time
        self.calls.append((fd, mode, nbytes))
        stat = os.fstat(fd)
        key = (stat.st_dev, stat.st_ino)
        if mode == self.LK_NBLCK:
            if key in self.holders:
                raise PermissionError(errno.EACCES, "Permission denied")
            self.holders[key] = fd
        elif mode == self.LK_UNLCK:
            if self.holders.get(key) != fd:
                raise PermissionError(errno.EACCES, "Permission denied")
            del self.holders[key]


@pytest.fixture
def windows_locks(monkeypatch: pytest.MonkeyPatch) -> FakeMsvcrt:
    """No ``fcntl`` (an import fails, as on Windows), and a stand-in ``msvcrt``."""
    fake = FakeMsvcrt()
    monkeypatch.setitem(sys.modules, "fcntl", None)  # type: ignore[arg-type]
    monkeypatch.setitem(sys.modules, "msvcrt", fake)
    return fake


def test_windows_takes_one_byte_of_the_lock_file_and_frees_it(
    tmp_path: Path, windows_locks: FakeMsvcrt
) -> None:
    target = tmp_path / "settings.json"
    with atomicfile.locked(target) as held:
        assert held
        assert (tmp_path / "settings.json.lock").exists()
        assert len(windows_locks.holders) == 1
        began = time.monotonic()
        with atomicfile.locked(target, wait=0.1) as second:
            assert not second  # another writer holds it: waited, then without it
        assert time.monotonic() - began >= 0.1
    assert windows_locks.holders == {}  # released
    with atomicfile.locked(target, wait=0) as again:
        assert again
    modes = [mode for _fd, mode, _n in windows_locks.calls]
    assert modes.count(FakeMsvcrt.LK_UNLCK) == 2


def test_the_lock_is_tried_again_until_it_is_free() -> None:
    answers = iter([False, False, True])
    assert atomicfile._acquire(0, 5.0, lambda fd: next(answers)) is atomicfile._Lock.HELD


def test_the_wait_is_bounded() -> None:
    tries: list[float] = []

    def busy(fd: int) -> bool:
        tries.append(time.monotonic())
        return False

    began = time.monotonic()
    assert atomicfile._acquire(0, 0.05, busy) is atomicfile._Lock.BUSY
    assert 0.05 <= time.monotonic() - began < 2
    assert len(tries) >= 2  # tried again in between, not once and given up


def test_a_file_system_without_locks_is_not_waited_for() -> None:
    def no_locks(fd: int) -> bool:
        raise OSError(errno.ENOLCK, "No locks available")

    began = time.monotonic()
    assert atomicfile._acquire(0, 5.0, no_locks) is atomicfile._Lock.NO_LOCKS
    assert time.monotonic() - began < 1


def test_another_lock_error_is_not_taken_for_a_file_system_without_locks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """An I/O error on the lock file is said as a warning (the write goes on without
    the lock), not hidden at debug level as if the file system had no locks."""

    def broken(fd: int) -> bool:
        raise OSError(errno.EIO, "Input/output error")

    assert atomicfile._acquire(0, 5.0, broken) is atomicfile._Lock.FAILED
    monkeypatch.setattr(
        atomicfile, "_platform_locker", lambda: atomicfile._Locker(broken, lambda fd: None)
    )
    with (
        caplog.at_level("DEBUG", logger=atomicfile.log.name),
        atomicfile.locked(tmp_path / "settings.json") as held,
    ):
        assert not held
    words = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert words == [("WARNING", "could not lock settings.json; writing without the lock")]


def test_no_lock_at_all_where_the_platform_has_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "fcntl", None)  # type: ignore[arg-type]
    monkeypatch.setitem(sys.modules, "msvcrt", None)  # type: ignore[arg-type]
    with atomicfile.locked(tmp_path / "settings.json") as held:
        assert not held


def no_locks_here(fd: int) -> bool:
    raise OSError(errno.ENOLCK, "No locks available")


def test_a_file_system_without_locks_is_not_called_another_writer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """NFS without lockd and the like: every save goes unlocked, said at debug level
    only, never as a writer holding the lock."""
    monkeypatch.setattr(
        atomicfile, "_platform_locker", lambda: atomicfile._Locker(no_locks_here, lambda fd: None)
    )
    with (
        caplog.at_level("DEBUG", logger=atomicfile.log.name),
        atomicfile.locked(tmp_path / "settings.json") as held,
    ):
        assert not held
    words = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert words == [
        ("DEBUG", "no locks on the file system of settings.json; writing without the lock")
    ]


def test_another_writer_holding_the_lock_is_warned_about(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(
        atomicfile,
        "_platform_locker",
        lambda: atomicfile._Locker(lambda fd: False, lambda fd: None),
    )
    with (
        caplog.at_level("DEBUG", logger=atomicfile.log.name),
        atomicfile.locked(tmp_path / "settings.json", wait=0) as held,
    ):
        assert not held
    words = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert words == [
        ("WARNING", "settings.json stayed locked by another writer; writing without the lock")
    ]
