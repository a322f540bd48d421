"""One writer per download folder: ``<dest>/.tcb-gui/lock``.

The lock file names its holder (process ID, host name, start time) so a refused run can
say which run is in the way. Mutual exclusion itself is an OS lock on that file
(``flock`` on POSIX, ``msvcrt.locking`` on Windows), which the system drops when the
holder dies: a lock file left by a crash is taken over at once, with no guessing from
process IDs. A lock file written on another host is respected unless its lock is free
*and* it names this host, since network file systems do not always carry OS locks across
machines: the message then says which file to delete once that run is over.

Folders inside one another are one folder to the lock: a run into ``D`` (tree layout)
and one into ``D/env-a/k`` (flat) write the same ``D/env-a/k/<name>.part`` under the
same sidecar. Having taken its own lock, a run is refused (``FolderBusyError``, naming
the other run's folder) when a live run holds the lock of a folder above its own, or of
a folder below it that it writes into (or one between). Cheap: a look at one lock file
per folder above, and per folder its files go into, never a walk of the folder's tree.
Each run takes its own lock before it looks, so of two starting together at least one
sees the other.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import stat
import sys
import time
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Final, NamedTuple

from tcb_gui.core import paths
from tcb_gui.core.downloads import messages as msg
from tcb_gui.core.downloads.files import NO_FOLLOW, FileOps
from tcb_gui.core.downloads.records import FolderBusyError
from tcb_gui.core.errors import InputError

log = logging.getLogger("tcb_gui.core.downloads")

LOCK_NAME: Final = "lock"
# A lock file holds a short JSON object; more is not ours.
_LOCK_MAX_BYTES: Final = 4096
# Windows locks byte ranges and forbids reading a locked range: lock one byte far past
# the content, so a refused run can still read who holds the folder.
_WIN_LOCK_OFFSET: Final = 1 << 30
# Rounds of "the lock file was replaced while we took it" before giving up.
_ACQUIRE_ROUNDS: Final = 5


class Holder(NamedTuple):
    pid: int | None
    host: str
    started: float | None

    @classmethod
    def read(cls, data: bytes) -> Holder | None:
        try:
            obj = json.loads(data)
            pid, host, started = obj.get("pid"), obj.get("host"), obj.get("started")
        except (ValueError, AttributeError):
            return None
        return cls(
            pid if isinstance(pid, int) and not isinstance(pid, bool) else None,
            host if isinstance(host, str) else "",
            float(started) if isinstance(started, int | float) else None,
        )

    def describe(self) -> dict[str, str]:
        started = (
            datetime.fromtimestamp(self.started).strftime("%Y-%m-%d %H:%M:%S")
            if self.started is not None
            else "?"
        )
        return {
            "pid": str(self.pid) if self.pid is not None else "?",
            "host": self.host or "?",
            "started": started,
        }


def _os_lock(fd: int) -> bool:
    """Take the OS lock on ``fd`` without waiting; False if another holds it."""
    try:
        if sys.platform == "win32":
            import msvcrt

            os.lseek(fd, _WIN_LOCK_OFFSET, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _os_unlock(fd: int) -> None:
    with contextlib.suppress(OSError):
        if sys.platform == "win32":
            import msvcrt

            os.lseek(fd, _WIN_LOCK_OFFSET, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_UN)


def _read_fd(fd: int) -> bytes:
    os.lseek(fd, 0, os.SEEK_SET)
    return os.read(fd, _LOCK_MAX_BYTES)


def _live_holder(lock: Path) -> Holder | None:
    """Who holds the lock file ``lock`` when a live run does (its OS lock is taken);
    None when there is none, it is no regular file, or the run that wrote it is over."""
    flags = NO_FOLLOW | getattr(os, "O_NONBLOCK", 0)
    try:
        # Read-write where allowed: over NFS an exclusive lock needs a file open for
        # writing, and a read-only look would take a crashed run's file for a live one.
        fd = os.open(lock, os.O_RDWR | flags)
    except PermissionError:
        try:
            fd = os.open(lock, os.O_RDONLY | flags)
        except OSError:
            return None
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        if _os_lock(fd):  # free: nobody writes there
            _os_unlock(fd)
            return None
        return Holder.read(_read_fd(fd)) or Holder(None, "", None)
    finally:
        os.close(fd)


class FolderLock:
    """The lock of one download folder, held from ``acquire`` to ``release``, reached
    through the folder handles of ``files`` (a run's: the engine's folder swapped for a
    link meanwhile redirects nothing)."""

    def __init__(self, dest: Path, state_dir: Path, files: FileOps | None = None) -> None:
        self.dest = dest
        self.path = state_dir / LOCK_NAME
        self._files = files if files is not None else FileOps()
        self._fd: int | None = None

    def acquire(self, writes_into: Iterable[PurePosixPath] = ()) -> None:
        """Take the folder or raise ``FolderBusyError`` naming the run that has it, or
        the run that holds a folder above it or one below it the run ``writes_into``
        (folders relative to this one; the module docstring)."""
        self._take_own()
        try:
            self._refuse_overlaps(writes_into)
        except BaseException:
            self.release()
            raise

    def _refuse_overlaps(self, writes_into: Iterable[PurePosixPath]) -> None:
        for folder in self._overlapping(writes_into):
            lock = folder / self.path.parent.name / LOCK_NAME
            holder = _live_holder(lock)
            if holder is not None:
                text = msg.FOLDER_BUSY.format(dest=folder, lock=lock, **holder.describe())
                raise FolderBusyError(
                    text, pid=holder.pid, host=holder.host, started=holder.started
                )

    def _overlapping(self, writes_into: Iterable[PurePosixPath]) -> Iterator[Path]:
        """Every folder above this one, then each folder below it that ``writes_into``
        names and those between, once."""
        yield from Path(os.path.realpath(self.dest)).parents
        seen: set[PurePosixPath] = set()
        for folder in writes_into:
            while folder.name and folder not in seen:
                seen.add(folder)
                yield self.dest / folder
                folder = folder.parent

    def _take_own(self) -> None:
        me = Holder(os.getpid(), socket.gethostname(), time.time())
        for _ in range(_ACQUIRE_ROUNDS):
            try:
                with self._files.at(self.path) as where:
                    fd = os.open(
                        where.name, os.O_RDWR | os.O_CREAT | NO_FOLLOW, 0o644, dir_fd=where.dir_fd
                    )
            except OSError as exc:
                raise InputError(
                    msg.CANNOT_LOCK.format(dest=self.dest, reason=exc.strerror or exc)
                ) from None
            except paths.UnsafePathError as exc:
                raise InputError(
                    msg.CANNOT_LOCK.format(dest=self.dest, reason=exc.message)
                ) from None
            try:
                if self._take(fd, me):
                    self._fd = fd
                    return
            except BaseException:
                os.close(fd)
                raise
            os.close(fd)  # replaced while we took it: once more with the new file
        raise InputError(msg.CANNOT_LOCK.format(dest=self.dest, reason="the lock kept changing"))

    def _take(self, fd: int, me: Holder) -> bool:
        """True: ``fd`` is the lock and ours now; False: try again with a fresh open."""
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise InputError(msg.CANNOT_LOCK.format(dest=self.dest, reason="not a regular file"))
        if not _os_lock(fd):
            raise self._busy(Holder.read(_read_fd(fd)), elsewhere=False)
        try:
            if not self._still_at_path(fd):
                _os_unlock(fd)
                return False
            earlier = Holder.read(_read_fd(fd))
            if earlier is not None and earlier.host and earlier.host != me.host:
                # Its OS lock may not reach us over a network file system.
                raise self._busy(earlier, elsewhere=True)
            if earlier is not None and earlier.pid is not None:
                log.info("Taking over the lock of %s left by process %s", self.dest, earlier.pid)
            body = json.dumps({"pid": me.pid, "host": me.host, "started": me.started})
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, body.encode("utf-8"))
        except BaseException:
            _os_unlock(fd)
            raise
        return True

    def _still_at_path(self, fd: int) -> bool:
        try:
            here = self._files.lstat(self.path)
        except (FileNotFoundError, paths.UnsafePathError):
            return False
        mine = os.fstat(fd)
        return (here.st_dev, here.st_ino) == (mine.st_dev, mine.st_ino)

    def _busy(self, holder: Holder | None, *, elsewhere: bool) -> FolderBusyError:
        holder = holder or Holder(None, "", None)
        template = msg.FOLDER_BUSY_ELSEWHERE if elsewhere else msg.FOLDER_BUSY
        text = template.format(dest=self.dest, lock=self.path, **holder.describe())
        return FolderBusyError(text, pid=holder.pid, host=holder.host, started=holder.started)

    def release(self) -> None:
        """Give the folder back: the file goes first, then the OS lock with the descriptor."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            if self._still_at_path(fd):
                self._files.remove(self.path)
        finally:
            _os_unlock(fd)
            os.close(fd)
