"""The data a download run takes and gives: options, states, progress and outcomes.

Immutable records (``DownloadOptions`` a frozen dataclass that checks itself,
``DownloadOutcome`` a NamedTuple: docs/ARCHITECTURE.md#start-up; the progress records
re-exported from ``core.download_progress``) and enums, shared by the engine, the window
and the command line (``docs/ARCHITECTURE.md``, downloads).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, NamedTuple

from tcb_gui.core.client import LinkResult, RetryPolicy
from tcb_gui.core.download_limits import (
    DEFAULT_DOWNLOAD_CONCURRENCY as DEFAULT_DOWNLOAD_CONCURRENCY,
)
from tcb_gui.core.download_limits import MAX_DOWNLOAD_CONCURRENCY as MAX_DOWNLOAD_CONCURRENCY
from tcb_gui.core.download_limits import MIN_DOWNLOAD_CONCURRENCY as MIN_DOWNLOAD_CONCURRENCY

# What the window shows lives apart (its states are needed before the first paint, the
# engine is not); re-exported here, where callers have always found it.
from tcb_gui.core.download_progress import FileProgress as FileProgress
from tcb_gui.core.download_progress import TotalProgress as TotalProgress
from tcb_gui.core.download_states import FileState as FileState
from tcb_gui.core.download_states import Integrity as Integrity
from tcb_gui.core.download_states import Layout as Layout
from tcb_gui.core.download_states import OnExists as OnExists
from tcb_gui.core.downloads import messages as msg
from tcb_gui.core.errors import ErrorKind, InputError, TcbError
from tcb_gui.core.fileids import FileId

# Kept for the FileOps seam (PartFile's buffer_size); partial files are unbuffered now.
DEFAULT_CHUNK_SIZE = 256 * 1024
# docs/ARCHITECTURE.md (errors): 0.5 s × 2ⁿ with jitter, capped. Tries count only
# attempts that made no progress: a connection cut after some bytes resumes and starts
# the count again.
DOWNLOAD_RETRY = RetryPolicy(max_tries=5, base_delay=0.5, max_delay=8.0)
# A malformed answer (the host broke HTTP; not a cut) is tried once more: a proxy's glitch
# may pass, but a host that answers so answers so again, and more tries only delay the
# failure by their backoff.
MALFORMED_TRIES = 2
# Minimum progress of a body: at least MIN_PROGRESS_BYTES every STALL_SECONDS, or the
# attempt is given up and retried (resuming). The HTTP read timeout alone lets a server
# trickle a byte every 29 s for ever. Time spent in our own rate limit does not count.
STALL_SECONDS = 30.0
MIN_PROGRESS_BYTES = 16 * 1024


FINAL_STATES: Final = frozenset(
    {FileState.DONE, FileState.SKIPPED, FileState.FAILED, FileState.CANCELLED}
)


@dataclass(frozen=True, slots=True)
class DownloadOptions:
    """How one download run goes; the concurrency is checked when it is made."""

    dest: Path
    layout: Layout = Layout.TREE
    on_exists: OnExists = OnExists.SKIP
    concurrency: int = DEFAULT_DOWNLOAD_CONCURRENCY
    limit_rate: int | None = None  # bytes per second over all transfers; None = unlimited
    chunk_size: int = DEFAULT_CHUNK_SIZE
    retry: RetryPolicy = DOWNLOAD_RETRY
    stall_seconds: float = STALL_SECONDS

    def __post_init__(self) -> None:
        if not MIN_DOWNLOAD_CONCURRENCY <= self.concurrency <= MAX_DOWNLOAD_CONCURRENCY:
            raise InputError(
                msg.BAD_CONCURRENCY.format(
                    low=MIN_DOWNLOAD_CONCURRENCY, high=MAX_DOWNLOAD_CONCURRENCY, n=self.concurrency
                )
            )
        if self.limit_rate is not None and self.limit_rate < 1:
            raise InputError(msg.BAD_RATE)
        if self.chunk_size < 1:
            raise InputError(msg.BAD_CHUNK)
        if self.retry.max_tries < 1:
            raise InputError(msg.NO_TRIES)
        if not self.stall_seconds > 0:
            raise InputError(msg.BAD_STALL)


class DownloadOutcome(NamedTuple):
    fileid: FileId
    ok: bool
    path: Path | None
    bytes: int
    errmsg: str
    state: FileState
    kind: ErrorKind | None = None  # why it failed: FILE, NETWORK (gave up), REQUEST, …
    integrity: Integrity | None = None  # how the saved file was checked (None unless ok)
    # The host's Content-Encoding when it compressed the file anyway: the bytes were
    # saved as sent (never expanded), so the file is e.g. gzip data. None: as stored.
    encoding: str | None = None
    # Saved over a damaged copy of this file that an earlier run had saved at ``path``
    # (the folder's manifest recorded it; it no longer had the recorded size or CRC-64).
    repaired: bool = False

    @property
    def verified(self) -> bool | None:
        """True: checksum matched; False: saved, not by checksum (``integrity`` says how,
        if at all); None: failed."""
        return None if self.integrity is None else self.integrity is Integrity.VERIFIED

    @property
    def notes(self) -> tuple[str, ...]:
        """What a user should know about a saved file besides ok (registered messages)."""
        notes: tuple[str, ...] = (msg.REPLACED_DAMAGED,) if self.repaired else ()
        if self.encoding:
            notes += (msg.HOST_ENCODED.format(encoding=self.encoding),)
        return notes

    def report(self) -> dict[str, Any]:
        """The ``--report`` record."""
        return {
            "fileid": self.fileid.raw,
            "ok": self.ok,
            "path": str(self.path) if self.path is not None else None,
            "bytes": self.bytes,
            "errmsg": self.errmsg,
            "verified": self.verified,
            # "verified", "size checked", "unchecked" (nothing was announced to check the
            # file against), or None when it was not saved.
            "integrity": self.integrity.value if self.integrity is not None else None,
            "encoding": self.encoding,
            # true: it replaced a damaged copy an earlier run had saved at "path".
            "repaired": self.repaired,
        }


class DiskFullError(TcbError):
    """The disk filled up: the run stopped, partial files were kept and will resume."""

    kind = ErrorKind.CONFIG

    def __init__(self, message: str, *, outcomes: Sequence[DownloadOutcome] = ()) -> None:
        super().__init__(message)
        self.outcomes: tuple[DownloadOutcome, ...] = tuple(outcomes)


class FolderBusyError(TcbError):
    """Another run is writing into the download folder; this one did not start."""

    kind = ErrorKind.INPUT

    def __init__(self, message: str, *, pid: int | None, host: str, started: float | None) -> None:
        super().__init__(message)
        self.pid = pid
        self.host = host
        self.started = started


ProgressCallback = Callable[[Sequence[FileProgress], TotalProgress], None]
RefreshLinks = Callable[[Sequence[FileId]], Awaitable[Sequence[LinkResult]]]


# What one attempt at a file ends with (inside the engine; never reaches a caller).


class AttemptError(Exception):
    def __init__(self, message: str, kind: ErrorKind = ErrorKind.FILE) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind  # why the file failed, for the caller's exit code


class Transient(AttemptError):
    """Try again after a backoff, resuming from the bytes on disk."""


class Malformed(Transient):
    """The host's answer was malformed (``core.malformed.MalformedAnswer``): tried
    ``MALFORMED_TRIES`` times at most."""


def tries_allowed(retry: RetryPolicy, error: AttemptError) -> int:
    """Attempts without progress that ``error`` may take before the file is given up."""
    if isinstance(error, Malformed):
        return min(retry.max_tries, MALFORMED_TRIES)
    return retry.max_tries


class LinkRejected(AttemptError):
    """The link no longer works: fetch a fresh one and go on."""


class FileFailed(AttemptError):
    """This file cannot be downloaded; the others go on."""
