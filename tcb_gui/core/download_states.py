"""What a download shows: where files go, what happens to existing ones and each file's
state, as plain enums (the progress records are in ``core.download_progress``).

The window's table, delegates and panel need these before its first paint; the engine
(``core.downloads``, with ``httpx`` and ``asyncio``) is not needed until a download
starts, so they live here, apart from it (docs/ARCHITECTURE.md#start-up).
``core.downloads`` re-exports every name here; they are the same objects.

``retry_can_help`` is the one rule of which failed downloads a retry of failed files
takes (the window's Retry failed, Ctrl+Shift+D).
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tcb_gui.core.errors import ErrorKind, answered_for_good

if TYPE_CHECKING:
    from tcb_gui.core.client import LinkResult


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
