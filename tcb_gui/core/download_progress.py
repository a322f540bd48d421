"""A download's progress as the window and the command line show it: each file's
(``FileProgress``) and the run's (``TotalProgress``).

Apart from ``download_states`` (the enums the window's table needs before its first
paint): these two records are first needed when a download reports. ``FileProgress``
stays a frozen dataclass (about half a millisecond to make on Python 3.11): its
``index`` field would hide a tuple's ``index()``. ``core.downloads`` re-exports both;
they are the same objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from tcb_gui.core.download_states import FileState, Integrity

if TYPE_CHECKING:
    from tcb_gui.core.fileids import FileId


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


class TotalProgress(NamedTuple):
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
