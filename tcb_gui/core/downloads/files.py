"""The files a download writes: part files, sidecars, publishing, fsync.

Everything here refuses to follow a symlink planted at one of our names. ``FileOps`` is
the seam the engine writes through: a test swaps one operation (a short write, a full
disk) by passing a subclass instead of patching private functions. During a run every
operation of ``FileOps`` below the download folder goes through the handle of its folder
(``paths.ConfinedFolder.at``): a folder swapped for a link meanwhile redirects nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hashlib
import json
import os
import queue
import re
import stat
import threading
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Final, NamedTuple

from tcb_gui.core import paths
from tcb_gui.core.atomicfile import read_small as read_small
from tcb_gui.core.atomicfile import write_bytes_atomic
from tcb_gui.core.downloads import messages as msg
from tcb_gui.core.downloads.records import FileFailed

SIDECAR_SUFFIX = ".json"
SIDECAR_FORMAT = "tcb-gui-part/2"
# errno values that mean "no room left": the run stops instead of failing file after file.
DISK_FULL_ERRNOS: Final = frozenset({errno.ENOSPC, errno.EDQUOT})
# errno values that mean "this folder may not be written": trying again fails the same
# way until its permissions change or another folder is chosen (the words say which).
NOT_PERMITTED_ERRNOS: Final = frozenset({errno.EACCES, errno.EPERM})
READ_ONLY_ERRNOS: Final = frozenset({errno.EROFS})
# More errno values a retry meets again, each with words that name the obstacle: a file
# larger than the folder's file system takes (FAT32: 4 GiB), a file where a folder of the
# file's path goes (or a folder where the file goes), a path too long for the system.
TOO_LARGE_ERRNOS: Final = frozenset({errno.EFBIG})
NOT_A_FOLDER_ERRNOS: Final = frozenset({errno.ENOTDIR, errno.EEXIST})
IS_A_FOLDER_ERRNOS: Final = frozenset({errno.EISDIR})
NAME_TOO_LONG_ERRNOS: Final = frozenset({errno.ENAMETOOLONG})
# Never open through a symlink planted at a .part or sidecar name; O_BINARY: on Windows a
# descriptor is in text mode without it (newlines would be rewritten).
NO_FOLLOW: Final = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
# Opening a FIFO planted at one of our names to read it would wait for a writer (for
# ever, on the event loop's thread for a sidecar); O_NONBLOCK opens it at once, and it is
# then refused as no regular file. No effect on regular files.
NO_WAIT: Final = getattr(os, "O_NONBLOCK", 0)
# A sidecar is a few hundred bytes; anything far larger is not ours.
SIDECAR_MAX_BYTES: Final = 16 * 1024
# A partial file asks the system to start writing its bytes to the disk every this many
# bytes, so the fsync before its rename has little left to do and a large download does
# not fill the page cache first and wait for the disk after. One posix_fadvise DONTNEED
# over this step and the DROP_BEHIND bytes before it: this step's dirty pages start their
# writeback (in the background), and those before it that are written by now leave the
# cache (DONTNEED drops only clean pages: asked once, while still dirty, they stayed).
# A 1 GiB download then leaves some 400-550 MB in the cache instead of all of it (the
# rest was still on its way to the disk when last asked), taking less of the memory the
# user's other files are cached in; its time is unchanged.
WRITEBACK_EVERY: Final = 2 * 1024 * 1024
DROP_BEHIND: Final = 4 * WRITEBACK_EVERY
_DONTNEED: Final = getattr(os, "POSIX_FADV_DONTNEED", None)


def start_writeback(fd: int, start: int, length: int) -> None:
    """Ask the system to write a range of a file to the disk now, in the background, and
    to drop it from the cache once written (a no-op where that cannot be asked)."""
    if _DONTNEED is not None:
        with contextlib.suppress(OSError):
            os.posix_fadvise(fd, start, length, _DONTNEED)


def variant(path: Path, n: int) -> Path:
    """``name (n).ext`` beside ``path``, named exactly as ``paths.unique_path`` names it."""
    return paths.numbered_path(path, n)


def is_variant_of(candidate: Path, target: Path) -> bool:
    """Whether ``candidate`` is ``target`` or one of its ``name (n).ext`` names."""
    if candidate == target:
        return True
    if candidate.parent != target.parent:
        return False
    match = re.fullmatch(
        r".* \((\d{1,6})\)" + re.escape(paths.split_extension(target.name)[1]), candidate.name
    )
    return match is not None and variant(target, int(match[1])) == candidate


def regular_size(path: Path) -> int | None:
    """The size of a regular file (not following symlinks), or None."""
    try:
        st = path.lstat()
    except FileNotFoundError:
        return None
    return st.st_size if stat.S_ISREG(st.st_mode) else None


def short_name(name: str, suffix: str) -> str:
    """``name + suffix``, or a hash of ``name`` + suffix where that would be too long."""
    if len((name + suffix).encode("utf-8", "surrogatepass")) <= paths.NAME_MAX_BYTES:
        return name + suffix
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:24]
    return f".{digest}{suffix}"


def sidecar_path(part: Path) -> Path:
    """``<target>.part.json``: what the ``.part`` was downloaded from (validator, size)."""
    return part.with_name(short_name(part.name, SIDECAR_SUFFIX))


def move_no_clobber(source: Path, target: Path) -> bool:
    """Move ``source`` to ``target`` unless something is there already (False then).

    A hard link fails rather than replace a file that appeared at ``target``; where the
    file system has no hard links, ``target`` is checked, then ``source`` renamed.
    (``FileOps.move_no_clobber`` does the same through the folders' handles.)
    """
    src = paths.Where(None, None, os.fspath(source), os.fspath(source.parent))
    dst = paths.Where(None, None, os.fspath(target), os.fspath(target.parent))
    return _move_no_clobber(src, dst)


def remove_quietly(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


class PartMeta(NamedTuple):
    """A sidecar's content: which file the ``.part`` holds and what the server said of it.

    A ``.part`` is resumed only under a sidecar naming the same file ID, with a validator
    the server confirms; anything else at a ``.part`` name is not ours and is left alone.
    """

    fileid: str
    validator: str | None  # strong ETag, else Last-Modified: sent as If-Range, compared
    total: int | None
    crc64: int | None = None  # the storage's CRC-64 of the whole file, when it sent one
    encoding: str | None = None  # the host's Content-Encoding of the saved bytes


def _optional_int(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


def _optional_str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def read_sidecar(path: Path) -> PartMeta | None:
    """The sidecar at ``path``, or None if there is none or it is not one of ours."""
    return parse_sidecar(read_small(path, SIDECAR_MAX_BYTES))


def parse_sidecar(data: bytes | None) -> PartMeta | None:
    """A sidecar's bytes read, or None if they are not one of ours."""
    if data is None:
        return None
    try:
        obj = json.loads(data)
        fileid = obj["fileid"]
    except (ValueError, KeyError, TypeError):
        return None
    if not isinstance(fileid, str):
        return None
    return PartMeta(
        fileid,
        _optional_str(obj.get("validator")),
        _optional_int(obj.get("total")),
        _optional_int(obj.get("crc64")),
        _optional_str(obj.get("encoding")),
    )


def sidecar_bytes(meta: PartMeta) -> bytes:
    body = {
        "format": SIDECAR_FORMAT,
        "fileid": meta.fileid,
        "validator": meta.validator,
        "total": meta.total,
        "crc64": meta.crc64,
        "encoding": meta.encoding,
    }
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


class PartFile:
    """A partial file opened for writing at ``offset``, never through a symlink.

    Written with ``os.write`` straight from the caller's buffer (each network read is
    one write: no buffering layer, no copy). ``buffer_size`` is accepted for the
    ``FileOps`` seam and unused.

    With ``write_in_background`` its writes are made by a worker thread instead, so the
    event loop receives while the thread writes (two cores at work on a large body): the
    file lends buffers of its own (``lend``) that the connection reads into, and each
    full one is handed to the thread, in order, without a copy. Everything that looks at
    the file (``drain``, ``sync``, ``stat``, ``close``, ``abandon``) first waits for the
    writes handed over so far; a write's error is raised by the next ``write`` or by
    ``drain``.
    """

    def __init__(
        self, path: Path, offset: int, buffer_size: int = 0, *, at: paths.Where | None = None
    ) -> None:
        """Open ``path`` (with ``at``: ``at.name`` in the folder handle ``at.dir_fd``)."""
        self.path = path
        name, dir_fd = (at.name, at.dir_fd) if at is not None else (os.fspath(path), None)
        self._fd: int | None = None
        self._flushed = offset  # bytes up to here were handed to writeback
        self._position = offset
        # Where writeback requests go (fd, start, length): done here when None.
        self.writeback: Callable[[int, int, int], None] | None = None
        self._background: _BackgroundWrites | None = None
        flags = os.O_WRONLY | os.O_CREAT | NO_FOLLOW
        if offset == 0:
            # Usually nothing is there: a new file, empty and regular by construction.
            try:
                self._fd = os.open(name, flags | os.O_EXCL, 0o666, dir_fd=dir_fd)
            except FileExistsError:
                pass
            else:
                return
        fd = os.open(name, flags, 0o666, dir_fd=dir_fd)
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise FileFailed(msg.NOT_REGULAR.format(name=path.name))
            if offset or st.st_size:
                os.ftruncate(fd, offset)
                os.lseek(fd, offset, os.SEEK_SET)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    # -- writes by a worker thread -------------------------------------------------------

    def write_in_background(
        self,
        buffers: list[bytearray],
        loop: asyncio.AbstractEventLoop,
        *,
        full: Callable[[], None],
        room: Callable[[], None],
    ) -> None:
        """From now on, writes go to a worker thread (class docstring). ``full`` is called
        (on the loop) when every buffer waits to be written, ``room`` once one is free
        again: the caller pauses and resumes reading with them."""
        if self._fd is None or self._background is not None:
            return
        background = _BackgroundWrites(self._write_now, buffers, loop, full, room)
        self._background = background
        # A daemon: a file left undrained by a bug must not hold the interpreter's exit.
        threading.Thread(target=background.run, name="download-write", daemon=True).start()

    @property
    def in_background(self) -> bool:
        return self._background is not None

    def lend(self) -> memoryview | None:
        """A free buffer of this file for the next read (``wire.Lend``), or None."""
        background = self._background
        return background.lend() if background is not None else None

    def drain(self) -> list[bytearray]:
        """Wait for the background writes (raising the first one's error); return the
        buffers, which this file no longer uses. Nothing to wait for otherwise."""
        background, self._background = self._background, None
        if background is None:
            return []
        return background.finish()

    def write(self, data: bytes | bytearray | memoryview) -> None:
        background = self._background
        if background is not None:
            background.write(data)
            return
        self._write_now(data)

    def _write_now(self, data: bytes | bytearray | memoryview) -> None:
        fd = self._fd
        if fd is None:
            raise ValueError("write to a closed part file")
        size = len(data)
        done = os.write(fd, data)
        if done < size:
            view = memoryview(data)[done:]
            while view:
                view = view[os.write(fd, view) :]
        self._position += size
        if self._position - self._flushed >= WRITEBACK_EVERY:
            start = max(0, self._flushed - DROP_BEHIND)  # and the steps before
            self._flushed = self._position
            if self.writeback is not None:
                self.writeback(fd, start, self._position - start)
            else:
                start_writeback(fd, start, self._position - start)

    def flush(self) -> None:
        """Nothing is buffered here; kept for callers of the buffered version."""

    def sync(self) -> None:
        """fsync: the bytes written so far are on the disk when this returns."""
        self.drain()
        if self._fd is None:
            raise ValueError("sync of a closed part file")
        os.fsync(self._fd)

    def stat(self) -> os.stat_result:
        """The file as the file system has it: its size is what reached it."""
        self.drain()
        if self._fd is None:
            raise ValueError("stat of a closed part file")
        return os.fstat(self._fd)

    def close(self) -> None:
        self.drain()
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)

    def sync_and_close(self) -> None:
        self.drain()
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def abandon(self) -> None:
        """Close after a failure, keeping whatever reached the file (a later try resumes
        from the file's real size)."""
        with contextlib.suppress(OSError, ValueError):
            self.drain()
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)


class _BackgroundWrites:
    """A part file's writes by a worker thread, in order, from its own buffers.

    On the loop: ``lend`` hands out a free buffer for the next read; ``write`` queues it
    (or copies bytes from elsewhere into free buffers, waiting for one if it must) and
    calls ``full`` when no buffer is left. The worker writes each queued buffer, hands it
    back and, if the loop is waiting for room, calls ``room`` on the loop. ``finish``
    (any thread) waits for the queue to empty and the worker to stop."""

    def __init__(
        self,
        write: Callable[[memoryview], None],
        buffers: list[bytearray],
        loop: asyncio.AbstractEventLoop,
        full: Callable[[], None],
        room: Callable[[], None],
    ) -> None:
        self._write = write
        self._all = list(buffers)
        self._free: deque[bytearray] = deque(buffers)
        self._returned: queue.SimpleQueue[bytearray] = queue.SimpleQueue()
        self._jobs: queue.SimpleQueue[tuple[bytearray, int] | None] = queue.SimpleQueue()
        self._loop = loop
        self._full = full
        self._room = room
        self._lent: bytearray | None = None
        self._waiting = False  # reading paused until a buffer comes back
        self._finished = False
        self._stopped = threading.Event()
        self.error: BaseException | None = None

    # -- the loop's side -----------------------------------------------------------------

    def _reclaim(self) -> None:
        returned = self._returned
        while not returned.empty():
            self._free.append(returned.get_nowait())

    def lend(self) -> memoryview | None:
        if self.error is not None:
            return None
        if self._lent is None:
            self._reclaim()
            if not self._free:
                return None
            self._lent = self._free.popleft()
        return memoryview(self._lent)

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self.error is not None:
            raise self.error
        lent = self._lent
        if lent is not None and isinstance(data, memoryview) and data.obj is lent:
            # Read into the buffer lent for it: from its start (the connection fills a
            # lent buffer from its first byte and hands over what it read at once).
            self._lent = None
            self._jobs.put((lent, len(data)))
        else:
            view = memoryview(data)
            while view:
                buffer = self._take()
                size = min(len(buffer), len(view))
                buffer[:size] = view[:size]
                self._jobs.put((buffer, size))
                view = view[size:]
        self._reclaim()
        if not self._free and self._lent is None and not self._waiting:
            self._waiting = True
            self._reclaim()  # the worker may have handed one back meanwhile
            if self._free:
                self._waiting = False
            else:
                self._full()

    def _take(self) -> bytearray:
        lent, self._lent = self._lent, None
        if lent is not None:
            return lent
        self._reclaim()
        if self._free:
            return self._free.popleft()
        return self._returned.get()  # rare: bytes that were not read into a lent buffer

    def _on_room(self) -> None:
        if self._waiting and not self._finished:
            self._waiting = False
            self._reclaim()
            self._room()

    # -- the worker ----------------------------------------------------------------------

    def run(self) -> None:
        try:
            while True:
                job = self._jobs.get()
                if job is None:
                    return
                buffer, size = job
                if self.error is None:
                    try:
                        self._write(memoryview(buffer)[:size])
                    except BaseException as exc:  # raised on the loop by the next write
                        self.error = exc
                self._returned.put(buffer)
                if self._waiting:
                    with contextlib.suppress(RuntimeError):  # the loop is closed
                        self._loop.call_soon_threadsafe(self._on_room)
        finally:
            self._stopped.set()

    def finish(self) -> list[bytearray]:
        if not self._finished:
            self._finished = True
            self._jobs.put(None)
        self._stopped.wait()
        if self.error is not None:
            raise self.error
        return self._all


class MemoryPart:
    """A small file's bytes held in memory until they are written whole, at once, by a
    worker thread (``FileOps.write_whole``): nothing touches the disk before that.

    ``buffer`` may be one used before (``BufferPool``): only its first ``length`` bytes,
    this file's, are ever read."""

    def __init__(self, path: Path, size: int, buffer: bytearray | None = None) -> None:
        self.path = path  # where the bytes will be written (a temporary name)
        self.buffer = buffer if buffer is not None else bytearray(size)
        self.length = 0

    def release(self) -> bytearray:
        """The buffer, taken away from this part (for ``BufferPool.give``)."""
        buffer, self.buffer = self.buffer, bytearray()
        self.length = 0
        return buffer

    def lend(self, position: int) -> memoryview | None:
        """The buffer from ``position`` on, for bytes to be received straight into it
        (``wire.Lend``); ``write`` is then handed views of it, in order, and copies
        nothing."""
        if position >= len(self.buffer):
            return None
        return memoryview(self.buffer)[position:]

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if isinstance(data, memoryview) and data.obj is self.buffer:
            # Received in place (``lend``): the bytes are where they belong already.
            self.length += len(data)
            return
        end = self.length + len(data)
        if end > len(self.buffer):
            self.buffer.extend(bytes(end - len(self.buffer)))
        self.buffer[self.length : end] = data
        self.length = end

    def abandon(self) -> None:
        """Nothing open to close."""

    def view(self) -> memoryview:
        return memoryview(self.buffer)[: self.length]


# Bytes written per call when a small file is written whole.
WRITE_PIECE: Final = 256 * 1024
# Smallest buffer a BufferPool keeps: below it a fresh bytearray costs next to nothing.
POOLED_FROM: Final = 64 * 1024


class BufferPool:
    """Buffers of small files handed out again once their file is on the disk.

    A fresh bytearray of 1 MiB is zero-filled and its pages faulted in as the body
    arrives: about 0.15 ms of the event loop's time per file, a tenth of what a 1 MiB
    file costs in all. A buffer used before has none of that. Buffers come in powers of
    two from ``POOLED_FROM``; at most ``keep`` of each size wait here (no more than the
    files that were in memory at once, so the pool adds nothing to the peak).
    """

    def __init__(self, keep: int) -> None:
        self._keep = keep
        self._free: dict[int, list[bytearray]] = {}
        self._lock = threading.Lock()  # buffers come back from worker threads too

    @staticmethod
    def _size_class(size: int) -> int:
        return 1 << max(size - 1, POOLED_FROM - 1).bit_length()

    def take(self, size: int) -> bytearray:
        if size < POOLED_FROM:
            return bytearray(size)
        capacity = self._size_class(size)
        with self._lock:
            free = self._free.get(capacity)
            if free:
                return free.pop()
        return bytearray(capacity)

    def give(self, buffer: bytearray) -> None:
        capacity = len(buffer)
        if capacity < POOLED_FROM or capacity != self._size_class(capacity):
            return
        with self._lock:
            free = self._free.setdefault(capacity, [])
            if len(free) < self._keep:
                free.append(buffer)


Writer = PartFile | MemoryPart  # where a body goes


class FileOps:
    """How the engine touches the disk. Subclass and pass to ``Downloader(files=…)`` to
    make one operation fail or misbehave in a test.

    ``folder`` is the run's download folder (set by the engine when the run starts):
    every operation on a path below it goes through the handle of the path's folder
    (``at``), opened from the download folder one component at a time without following
    a link; a folder swapped for a link during the run then redirects nothing, and a
    folder that is a link now is refused (``paths.UnsafePathError``). Without one, or
    where the system has no such calls (Windows), operations use paths.
    """

    folder: paths.ConfinedFolder | None = None

    def at(self, path: Path, *, create: bool = False) -> paths.Where:
        """Where an operation on ``path`` acts (``paths.ConfinedFolder.at``)."""
        folder = self.folder
        if folder is None:
            text = os.fspath(path)
            return paths.Where(None, None, text, os.path.dirname(text))
        return folder.at(path, create=create)

    def inside(self, directory: Path, *, create: bool = False) -> paths.Where:
        """The handle of ``directory`` itself (``paths.ConfinedFolder.inside``)."""
        folder = self.folder
        if folder is None:
            text = os.fspath(directory)
            return paths.Where(None, None, text, text)
        return folder.inside(directory, create=create)

    def open_part(self, path: Path, offset: int, buffer_size: int) -> PartFile:
        with self.at(path) as where:
            return PartFile(path, offset, buffer_size, at=where)

    def create_new(self, path: Path) -> None:
        """Create ``path`` empty where nothing is (``FileExistsError`` otherwise): a file
        the run did not create, even one that appeared after the folder was listed, is
        never opened for writing, cut or removed (``open_part`` at 0 cuts what is there)."""
        with self.at(path) as where:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | NO_FOLLOW
            fd = os.open(where.name, flags, 0o666, dir_fd=where.dir_fd)
        os.close(fd)

    def write_whole(self, part: MemoryPart, *, sync: bool = True) -> None:
        """Write a small file's bytes to ``part.path`` (a new file), fsynced unless told
        otherwise (a group sync follows). A failure leaves whatever was written there."""
        writer = self.open_part(part.path, 0, WRITE_PIECE)
        try:
            view = part.view()
            for start in range(0, len(view), WRITE_PIECE):
                writer.write(view[start : start + WRITE_PIECE])
            if sync:
                writer.sync()
        finally:
            writer.abandon()

    def write_small(self, path: Path, data: bytes) -> None:
        """Replace a small bookkeeping file atomically (sidecars, the manifest). Not
        fsynced: a crash may lose it, which costs a restart or a probe, never a wrong file."""
        with self.at(path) as where:
            write_bytes_atomic(Path(where.name), data, fsync=False, dir_fd=where.dir_fd)

    def read_small(self, path: Path, limit: int) -> bytes | None:
        """``read_small`` through the folder's handle (None: not there, not readable)."""
        try:
            with self.at(path) as where:
                return read_small(where.name, limit, dir_fd=where.dir_fd)
        except OSError:
            return None

    def read_sidecar(self, path: Path) -> PartMeta | None:
        """``read_sidecar`` through the folder's handle."""
        return parse_sidecar(self.read_small(path, SIDECAR_MAX_BYTES))

    def lstat(self, path: Path) -> os.stat_result:
        """``os.lstat``, through the folder's handle. Raises ``OSError``."""
        with self.at(path) as where:
            return os.stat(where.name, dir_fd=where.dir_fd, follow_symlinks=False)

    def lexists(self, path: Path) -> bool:
        """``os.path.lexists``, through the folder's handle."""
        try:
            self.lstat(path)
        except OSError:
            return False
        return True

    def regular_size(self, path: Path) -> int | None:
        """``regular_size``, through the folder's handle."""
        try:
            st = self.lstat(path)
        except FileNotFoundError:
            return None
        return st.st_size if stat.S_ISREG(st.st_mode) else None

    def open_read(self, path: Path) -> int:
        """A descriptor of the file at ``path`` for reading, never through a link."""
        with self.at(path) as where:
            return os.open(where.name, os.O_RDONLY | NO_FOLLOW, dir_fd=where.dir_fd)

    def remove(self, path: Path) -> None:
        """Delete the file at ``path`` if it is there (and reachable: a folder swapped
        for a link holds nothing of ours)."""
        with (
            contextlib.suppress(FileNotFoundError, paths.UnsafePathError),
            self.at(path) as where,
        ):
            os.unlink(where.name, dir_fd=where.dir_fd)

    def make_folder(self, directory: Path) -> None:
        """Make ``directory`` (and the folders above it) if missing, never through a
        link. Raises ``OSError`` (a file in the way), ``paths.UnsafePathError``."""
        if self.folder is not None and self.folder.uses_handles(directory / "_"):
            with self.inside(directory, create=True):
                return
        directory.mkdir(parents=True, exist_ok=True)

    def files_in(self, directory: Path) -> list[str]:
        """The names of what is in ``directory`` but folders (links, files…)."""
        with self.inside(directory) as where:
            listed = where.dir_fd if where.dir_fd is not None else where.name
            with os.scandir(listed) as entries:
                return [entry.name for entry in entries if not entry.is_dir(follow_symlinks=False)]

    def remove_folder(self, directory: Path) -> None:
        """Remove the empty folder ``directory``. Raises ``OSError``."""
        with self.at(directory) as where:
            os.rmdir(where.name, dir_fd=where.dir_fd)

    def stat_folder(self, directory: Path) -> os.stat_result:
        """What the folder ``directory`` is (its handle's, where there is one)."""
        with self.inside(directory) as where:
            if where.dir_fd is not None:
                return os.fstat(where.dir_fd)
            return os.stat(where.name)

    def move_no_clobber(self, source: Path, target: Path) -> bool:
        """``move_no_clobber``, through the folders' handles."""
        with self.at(source) as src, self.at(target) as dst:
            return _move_no_clobber(src, dst)

    def fsync_file(self, path: Path) -> None:
        fd = self.open_read(path)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def fsync_dir(self, directory: Path) -> None:
        """Make a rename durable; directories cannot be opened for fsync on Windows."""
        try:
            with self.inside(directory) as where:
                if where.dir_fd is not None:
                    with contextlib.suppress(OSError):
                        os.fsync(where.dir_fd)
                    return
        except (OSError, paths.UnsafePathError):
            return
        try:
            fd = os.open(directory, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(fd)
        except OSError:
            pass
        finally:
            os.close(fd)

    def publish(
        self,
        part: Path,
        final: Path,
        *,
        replace: bool,
        reserved: Callable[[Path], bool] = lambda _: False,
    ) -> Path:
        """Move the finished part into place atomically; return the path it got.

        With ``replace`` an existing file is replaced (``overwrite``). Otherwise the name
        must still be free at this instant: a hard link fails rather than clobber a file
        that appeared meanwhile, and the next ``(n)`` name not ``reserved`` for another
        file of the run is taken instead.

        The file goes into the folder its handle holds, and its path must still lead
        there once it is in place: a folder moved, or swapped for a link, while the file
        was being downloaded gets nothing under its path, the file is moved back (as
        ``part``) and ``paths.UnsafePathError`` raised.
        """
        with self.at(part) as src, self.at(final) as dst:
            if replace:
                os.replace(src.name, dst.name, src_dir_fd=src.dir_fd, dst_dir_fd=dst.dir_fd)
                self._still_there(src, dst, dst.name, final)
                return final
            candidate, n = final, 0
            while True:
                if n > 0 and reserved(candidate):
                    n += 1
                    candidate = variant(final, n)
                    continue
                name = _name_in(dst, candidate)
                try:
                    _link(src, dst, name)
                except FileExistsError:
                    n += 1
                    candidate = variant(final, n)
                    continue
                except OSError as exc:
                    if exc.errno in DISK_FULL_ERRNOS:
                        raise
                    # No hard links here (FAT, some network shares): check, then rename.
                    if _lexists(dst, name):
                        n += 1
                        candidate = variant(final, n)
                        continue
                    os.replace(src.name, name, src_dir_fd=src.dir_fd, dst_dir_fd=dst.dir_fd)
                    self._still_there(src, dst, name, candidate)
                    return candidate
                if not dst.leads_here():
                    with contextlib.suppress(OSError):
                        os.unlink(name, dir_fd=dst.dir_fd)
                    raise self._moved(candidate)
                os.unlink(src.name, dir_fd=src.dir_fd)
                return candidate

    def _still_there(self, src: paths.Where, dst: paths.Where, name: str, path: Path) -> None:
        """After a rename into ``dst``: move the file back unless ``dst``'s path still
        leads to its folder."""
        if dst.leads_here():
            return
        with contextlib.suppress(OSError):
            os.rename(name, src.name, src_dir_fd=dst.dir_fd, dst_dir_fd=src.dir_fd)
        raise self._moved(path)

    def _moved(self, path: Path) -> paths.UnsafePathError:
        folder = self.folder
        return paths.UnsafePathError(path, folder.dest if folder is not None else path.parent)


# linkat without following a link planted at the source's name, where the system can.
_LINK_NOFOLLOW: Final = os.link in os.supports_follow_symlinks


def _name_in(where: paths.Where, path: Path) -> str:
    """``path``'s name for ``where`` (a name beside ``where.name``): its last component
    with a folder handle, else the whole path."""
    return path.name if where.dir_fd is not None else os.fspath(path)


def _link(src: paths.Where, dst: paths.Where, name: str) -> None:
    if _LINK_NOFOLLOW:
        os.link(src.name, name, src_dir_fd=src.dir_fd, dst_dir_fd=dst.dir_fd, follow_symlinks=False)
    else:
        os.link(src.name, name, src_dir_fd=src.dir_fd, dst_dir_fd=dst.dir_fd)


def _lexists(where: paths.Where, name: str) -> bool:
    try:
        os.stat(name, dir_fd=where.dir_fd, follow_symlinks=False)
    except OSError:
        return False
    return True


def _move_no_clobber(src: paths.Where, dst: paths.Where) -> bool:
    """``move_no_clobber`` of ``src.name`` to ``dst.name``, each in its folder."""
    try:
        _link(src, dst, dst.name)
    except FileExistsError:
        return False
    except OSError as exc:
        if exc.errno in DISK_FULL_ERRNOS:
            raise
        if _lexists(dst, dst.name):
            return False
        os.replace(src.name, dst.name, src_dir_fd=src.dir_fd, dst_dir_fd=dst.dir_fd)
        return True
    os.unlink(src.name, dir_fd=src.dir_fd)
    return True
