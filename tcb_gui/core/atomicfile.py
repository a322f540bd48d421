"""Whole-file writes: readers see the old file or the new one, never half of one.

A temporary file beside the target (created 0600 by ``mkstemp``, so the content is never
readable by others even briefly), fsync, then ``os.replace``. Used for settings, history,
the download list and exports.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

# Private files: settings, history and download lists are the user's alone.
PRIVATE_FILE_MODE = 0o600


def write_bytes_atomic(path: Path, content: bytes, *, mode: int = PRIVATE_FILE_MODE) -> None:
    """Replace ``path`` with ``content`` in one step. Raises ``OSError`` on failure, and
    then leaves no temporary file behind."""
    _write(path, "wb", lambda handle: handle.write(content), mode=mode)


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


def _write(
    path: Path,
    open_mode: str,
    write: Callable[..., object],
    *,
    mode: int,
    encoding: str | None = None,
) -> None:
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    tmp = Path(tmp_name)
    try:
        newline = "" if encoding else None
        with os.fdopen(fd, open_mode, encoding=encoding, newline=newline) as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        if mode != PRIVATE_FILE_MODE:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
