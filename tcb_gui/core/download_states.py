"""What a download shows: where files go, what happens to existing ones, each file's state
and the run's progress, as plain enums and records.

The window's table, delegates and panel need these before its first paint; the engine
(``core.downloads``, with ``httpx`` and ``asyncio``) is not needed until a download
starts, so they live here, apart from it (docs/ARCHITECTURE.md#start-up).
``core.downloads`` re-exports every name here; they are the same objects.

``retry_can_help`` is the one rule of which failed downloads a retry of failed files
takes (the window's Retry failed, Ctrl+Shift+D).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from tcb_gui.core.errors import ErrorKind, answered_for_good

if TYPE_CHECKING:
    from tcb_gui.core.client import LinkResult
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
    # Bytes/s, sliding average; None until measured (a transfer's first moments): no face
    # says "0 B/s" of a file that has not been timed yet.
    speed: float | None
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
    # Bytes/s over all transfers, sliding average; None until measured (the run's first
    # moments, or a final report of a run that received nothing). 0 is a measured stall.
    speed: float | None
    # Seconds left: the longer of the bytes left at ``speed`` and the files left at
    # ``files_speed``; None while unknown (no total claimed yet, nothing moving).
    eta: float | None
    paused: bool = False
    files_speed: float = 0.0  # files ended (done or failed) per second, sliding average
    files_verified: int = 0  # of files_done, those whose CRC-64 matched
    # True while some files' sizes are unknown: bytes_total then extrapolates from the
    # files whose size is known once they are at least 1 in progress.MAX_EXTRAPOLATION
    # (shown as an estimate, "about …"), and is 0 before (no total claimed: the faces
    # show the bytes so far).
    total_estimated: bool = False


def retry_can_help(kind: ErrorKind | None, errmsg: str, answer: LinkResult | None) -> bool:
    """Whether a retry of failed files takes a file whose download failed with ``kind``
    and ``errmsg``; ``answer`` is the link service's last answer for the file, if any.

    Left out is only what no retry can change, whatever the operator does: the service's
    last word on the file (``errors.answered_for_good``, the rule a resolve's Retry failed
    follows): the link service answered that it does not exist, may not be read or is of
    another environment (``answer``), or the download's own link request was refused for
    an environment or bucket the account does not have (kind CONFIG, errcode -501005 /
    -501009). Everything else is taken, for the operator may have fixed it outside the app
    before asking: the network or a busy host, today's quota (it resets, or the account
    owner clears it) or the IP allowlist, a folder that may not be written, a read-only or
    full disk, a file or folder in the way, a path too long, a host's refusal or a
    checksum that did not match. The engine's own failures of kind FILE (the host's
    answers, the disk's) are not the service's word on the file: they are taken.
    """
    if answer is not None and not answer.ok and answered_for_good(answer.kind, answer.errmsg):
        return False
    return not (kind is ErrorKind.CONFIG and answered_for_good(kind, errmsg))
