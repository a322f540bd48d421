"""Whole-file writes: readers see the old file or the new one, never half of one.

A temporary file beside the target (created 0600 and exclusively by ``mkstemp``, so the
content is never readable by others even briefly and no planted file or symlink is
followed), fsync, then ``os.replace``. Used for settings, history, the download list,
exports, and the download engine's sidecars and manifest.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Callable
from pathlib import Path
from typing import Final, TextIO

# Private files: settings, history and download lists are the user's alone.
PRIVATE_FILE_MODE = 0o600
# The longest file name most file systems take (ext4, APFS, NTFS in UTF-16 units).
NAME_MAX_BYTES: Final = 255
# mkstemp adds 8 random characters; with the dots and ".tmp" the name grows by this.
_TEMP_OVERHEAD: Final = 1 + 1 + 8 + len(".tmp")
# Random temporary names tried in a folder handle (as mkstemp tries) before giving up.
_TEMP_ATTEMPTS: Final = 100
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
