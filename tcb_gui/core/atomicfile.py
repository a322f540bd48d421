"""Whole-file writes: readers see the old file or the new one, never half of one.

A temporary file beside the target (created 0600 and exclusively by ``mkstemp``, so the
content is never readable by others even briefly and no planted file or symlink is
followed), fsync, then ``os.replace``. Used for settings, history, the download list,
exports, and the download engine's sidecars and manifest.

A file more than one process writes (the settings, today's quota readings) is read,
merged and replaced while its lock is held (``locked``): an advisory lock on
``<name>.lock`` beside it (``flock``; on Windows one byte's ``msvcrt.locking``), waited
for a short while only, so two writers at once cannot each replace the file with their
own copy and lose the other's change.
"""

from __future__ import annotations

import contextlib
import enum
import errno
import logging
import os
import stat
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Final, NamedTuple, TextIO

log = logging.getLogger(__name__)

# Private files: settings, history and download lists are the user's alone.
PRIVATE_FILE_MODE = 0o600
# The longest file name most file systems take (ext4, APFS, NTFS in UTF-16 units).
NAME_MAX_BYTES: Final = 255
# mkstemp adds 8 random characters; with the dots and ".tmp" the name grows by this.
_TEMP_OVERHEAD: Final = 1 + 1 + 8 + len(".tmp")
# Random temporary names tried in a folder handle (as mkstemp tries) before giving up.
_TEMP_ATTEMPTS: Final = 100
# How long a writer waits for another to finish with a shared file: a read, a merge and a
# replace take milliseconds, so this is only reached when the other writer hangs (a
# stopped process, a stale NFS lock); the write then goes ahead without the lock.
LOCK_WAIT_S: Final = 2.0
# How often the lock is tried again while another writer holds it.
LOCK_RETRY_S: Final = 0.005
LOCK_SUFFIX: Final = ".lock"
# Small files read back: never through a planted link, and a FIFO at the name opens at
# once (then refused as no regular file) instead of waiting for a writer for ever.
_NO_FOLLOW: Final = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
_NO_WAIT: Final = getattr(os, "O_NONBLOCK", 0)
# Never through a link planted at the temporary name; binary on Windows.
_NEW_FILE: Final = (
    os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
)


def write_bytes_atomic(
    path: Path,
    content: bytes,
    *,
    mode: int = PRIVATE_FILE_MODE,
    fsync: bool = True,
    dir_fd: int | None = None,
) -> None:
    """Replace ``path`` with ``content`` in one step. Raises ``OSError`` on failure, and
    then leaves no temporary file behind. ``fsync=False`` skips the flush to the disk
    for bookkeeping a crash may lose (the rename stays atomic). With ``dir_fd`` (a
    folder's descriptor) ``path`` is a name in that folder, and nothing is looked up by
    path: a folder on the way swapped for a link cannot redirect the write."""
    if dir_fd is not None:
        _write_at(dir_fd, os.fspath(path), content, mode=mode, fsync=fsync)
        return
    _write(path, "wb", lambda handle: handle.write(content), mode=mode, fsync=fsync)


def write_text_atomic(
    path: Path,
    content: str | Callable[[TextIO], object],
    *,
    mode: int = PRIVATE_FILE_MODE,
    encoding: str = "utf-8",
) -> None:
    """Replace ``path`` with text: a string, or whatever ``content(handle)`` writes."""
    write = content if callable(content) else (lambda handle: handle.write(content))
    _write(path, "w", write, mode=mode, encoding=encoding)


def _temp_prefix(name: str) -> str:
    """``.<name>.``, or a hash of the name where the temporary name would be too long."""
    if len(name.encode("utf-8", "surrogatepass")) + _TEMP_OVERHEAD <= NAME_MAX_BYTES:
        return f".{name}."
    import hashlib  # only for the rare name too long to prefix whole

    return "." + hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:24] + "."


def _write(
    path: Path,
    open_mode: str,
    write: Callable[..., object],
    *,
    mode: int,
    encoding: str | None = None,
    fsync: bool = True,
) -> None:
    import tempfile  # here, not at import: the settings load (before the window) without it

    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp_name = tempfile.mkstemp(prefix=_temp_prefix(path.name), suffix=".tmp", dir=directory)
    tmp = Path(tmp_name)
    try:
        newline = "" if encoding else None
        with os.fdopen(fd, open_mode, encoding=encoding, newline=newline) as handle:
            write(handle)
            handle.flush()
            if fsync:
                os.fsync(handle.fileno())
        if mode != PRIVATE_FILE_MODE:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _write_at(dir_fd: int, name: str, content: bytes, *, mode: int, fsync: bool) -> None:
    """``write_bytes_atomic`` in the folder ``dir_fd`` holds: ``mkstemp``'s exclusive
    0600 creation of a random name, by name in that folder."""
    import secrets  # with tempfile's: only when a file is written

    prefix = _temp_prefix(name)
    for _ in range(_TEMP_ATTEMPTS):
        tmp = f"{prefix}{secrets.token_hex(4)}.tmp"
        try:
            fd = os.open(tmp, _NEW_FILE, PRIVATE_FILE_MODE, dir_fd=dir_fd)
        except FileExistsError:
            continue
        break
    else:
        raise FileExistsError(errno.EEXIST, "No usable temporary file name found")  # as mkstemp
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            if mode != PRIVATE_FILE_MODE:
                os.fchmod(handle.fileno(), mode)
            if fsync:
                os.fsync(handle.fileno())
        os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp, dir_fd=dir_fd)
        raise


def read_small(path: Path | str, limit: int, *, dir_fd: int | None = None) -> bytes | None:
    """A small regular file's bytes (a sidecar, the manifest, today's quota readings), or
    None when it is not there, not readable, a symlink, anything but a regular file (a
    FIFO planted at the name is opened without waiting, then refused), or over ``limit``
    bytes. ``path`` is a name in the folder ``dir_fd`` holds, when given."""
    try:
        fd = os.open(path, os.O_RDONLY | _NO_FOLLOW | _NO_WAIT, dir_fd=dir_fd)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode) or os.fstat(fd).st_size > limit:
            return None
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(limit + 1)
        return data if len(data) <= limit else None
    except OSError:
        return None
    finally:
        os.close(fd)


class _Locker(NamedTuple):
    """The platform's lock on a lock file's descriptor."""

    # True when held now, False while another process holds it; OSError: no locks here.
    try_lock: Callable[[int], bool]
    unlock: Callable[[int], None]


def _platform_locker() -> _Locker | None:
    """``flock`` (POSIX), else one byte's ``msvcrt.locking`` (Windows), else None."""
    try:
        import fcntl
    except ImportError:
        pass
    else:

        def try_flock(fd: int) -> bool:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            return True

        return _Locker(try_flock, lambda fd: fcntl.flock(fd, fcntl.LOCK_UN))
    try:
        import msvcrt
    except ImportError:
        return None
    # What msvcrt.locking raises for a byte another process holds (the CRT's words).
    busy = {errno.EACCES, getattr(errno, "EDEADLOCK", errno.EDEADLK)}

    def try_byte(fd: int) -> bool:
        os.lseek(fd, 0, os.SEEK_SET)  # msvcrt locks from the file's position
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined,unused-ignore]
        except OSError as exc:
            if exc.errno in busy:
                return False
            raise
        return True

    def unlock_byte(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined,unused-ignore]

    return _Locker(try_byte, unlock_byte)


@contextlib.contextmanager
def locked(path: Path, *, wait: float | None = None) -> Iterator[bool]:
    """Hold the advisory lock of ``path`` (``<name>.lock`` beside it) for a
    read-merge-replace of it; yields whether it is held. Another writer holding it is
    waited for up to ``wait`` seconds, never longer: the write then goes ahead unlocked
    (logged), as it does where the platform has no lock (``_platform_locker``: ``flock``,
    or on Windows one byte's ``msvcrt.locking``) or the lock file cannot be made (a
    read-only folder, whose write fails anyway). The lock file stays: removing it would
    let two writers lock two different files."""
    wait = LOCK_WAIT_S if wait is None else wait
    locker = _platform_locker()
    if locker is None:
        yield False
        return
    lock_path = path.with_name(path.name + LOCK_SUFFIX)
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except OSError as exc:
        log.debug("no lock for %s (%s)", path.name, type(exc).__name__)
        yield False
        return
    try:
        outcome = _acquire(fd, wait, locker.try_lock)
        held = outcome is _Lock.HELD
        if outcome is _Lock.BUSY:
            log.warning("%s stayed locked by another writer; writing without the lock", path.name)
        elif outcome is _Lock.NO_LOCKS:  # every save there: not worth a warning each time
            log.debug("no locks on the file system of %s; writing without the lock", path.name)
        elif outcome is _Lock.FAILED:
            log.warning("could not lock %s; writing without the lock", path.name)
        try:
            yield held
        finally:
            if held:
                with contextlib.suppress(OSError):  # closing the descriptor frees it too
                    locker.unlock(fd)
    finally:
        os.close(fd)


class _Lock(enum.Enum):
    """How an attempt at a lock ended."""

    HELD = enum.auto()
    BUSY = enum.auto()  # another writer held it for the whole wait
    NO_LOCKS = enum.auto()  # the file system has none (ENOLCK: NFS without lockd, …)
    FAILED = enum.auto()  # another error (EIO, EBADF…): said, then written without it


# What a file system without locks answers a lock with.
_NO_LOCK_ERRNOS: Final = frozenset(
    {errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, getattr(errno, "ENOTSUP", errno.EOPNOTSUPP)}
)


def _acquire(fd: int, wait: float, try_lock: Callable[[int], bool]) -> _Lock:
    """Lock ``fd`` exclusively, trying again until ``wait`` seconds have passed."""
    deadline = time.monotonic() + wait
    while True:
        try:
            if try_lock(fd):
                return _Lock.HELD
        except OSError as exc:
            return _Lock.NO_LOCKS if exc.errno in _NO_LOCK_ERRNOS else _Lock.FAILED
        if time.monotonic() >= deadline:
            return _Lock.BUSY
        time.sleep(LOCK_RETRY_S)
