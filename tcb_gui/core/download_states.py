"""What a download shows: where files go, what happens to existing ones, each file's state
and the run's progress, as plain enums and records.

The window's table, delegates and panel need these before its first paint; the engine
(``core.downloads``, with ``httpx`` and ``asyncio``) is not needed until a download
starts, so they live here, apart from it (docs/ARCHITECTURE.md#start-up).
``core.downloads`` re-exports every name here; they are the same objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tcb_gui.core.fileids import FileId


class Layout(StrEnum):
    """Where files go inside the folder (``--layout``)."""

    TREE = "tree"  # <dest>/<env>/<key path>
    FLAT = "flat"  # <dest>/<last segment of the key>


class OnExists(StrEnum):
    """What to do when the target already exists (``--on-exists``)."""

    SKIP = "skip"
    RENAME = "rename"
    OVERWRITE = "overwrite"


class FileState(StrEnum):
    QUEUED = "queued"
    DOWNLOADING = "downloading"
    PAUSED = "paused"
    DONE = "done"
    SKIPPED = "skipped"  # already complete on disk
    FAILED = "failed"
    CANCELLED = "cancelled"


class Integrity(StrEnum):
    """How a saved file was checked against the one in storage."""

    VERIFIED = "verified"  # its CRC-64 matched the storage's (x-cos-hash-crc64ecma)
    SIZE_CHECKED = "size checked"  # no checksum offered: its length matched the announced one
    # Neither a checksum nor a length was announced (a chunked or close-ended body): its
    # framing ended as it should, and there was nothing to check the bytes against.
    UNCHECKED = "unchecked"


@dataclass(frozen=True, slots=True)
class FileProgress:
    """One file's progress, as the UI and the CLI show it."""

    fileid: FileId
    state: FileState
    path: Path | None  # the final target (known once chosen), None before or if unsafe
    bytes_done: int
    bytes_total: int | None  # None while unknown
    speed: float  # bytes/s, sliding average
    errmsg: str
    resumed_from: int  # bytes kept from an earlier try or run (0 if none)
    index: int = 0  # position in the run's input
    integrity: Integrity | None = None  # once DONE or SKIPPED


@dataclass(frozen=True, slots=True)
class TotalProgress:
    files_done: int  # done or skipped
    files_failed: int
    files_total: int
    bytes_done: int
    bytes_total: int  # of the files whose size is known so far
    speed: float  # bytes/s over all transfers, sliding average
    eta: float | None  # seconds left for the bytes still to come; None while unknown
    paused: bool = False
    files_verified: int = 0  # of files_done, those whose CRC-64 matched
    # True while some files' sizes are unknown: bytes_total then extrapolates from the
    # files whose size is known once they are at least 1 in progress.MAX_EXTRAPOLATION
    # (shown as an estimate, "about …"), and is 0 before (no total claimed: the faces
    # show the bytes so far).
    total_estimated: bool = False
