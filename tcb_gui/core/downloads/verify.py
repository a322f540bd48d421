"""``verify_folder``: check a download folder again against its manifest.

Every file the manifest lists must still be there, a regular file inside the folder,
with the size it had; when the storage offered a CRC-64 at download time, the file's
CRC-64 must still match it. A file whose answer announced neither a CRC-64 nor a size is
``unchecked``: its size is as saved, and nothing ever vouched for more. Blocking (it
reads every file): run it in a worker thread.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from tcb_gui.core import paths
from tcb_gui.core.downloads import messages as msg
from tcb_gui.core.downloads.files import FileOps
from tcb_gui.core.downloads.integrity import crc64_of_file
from tcb_gui.core.downloads.manifest import Manifest, ManifestEntry
from tcb_gui.core.errors import InputError


class VerifyState(StrEnum):
    VERIFIED = "verified"  # the CRC-64 recorded at download time matches
    SIZE_CHECKED = "size checked"  # no CRC-64 was recorded; the size matches
    UNCHECKED = "unchecked"  # saved with nothing announced to check it against; size as saved
    MISSING = "missing"
    SIZE_MISMATCH = "size mismatch"
    CHECKSUM_MISMATCH = "checksum mismatch"
    UNREADABLE = "unreadable"
    RECORD_DAMAGED = "record damaged"  # its manifest record could not be read: not checked


_GOOD = frozenset({VerifyState.VERIFIED, VerifyState.SIZE_CHECKED, VerifyState.UNCHECKED})


@dataclass(frozen=True, slots=True)
class VerifyResult:
    fileid: str  # the raw cloud:// ID
    path: Path
    state: VerifyState
    message: str  # registered: the window shows it translated

    @property
    def ok(self) -> bool:
        return self.state in _GOOD


def verify_folder(dest: Path) -> list[VerifyResult]:
    """Check every file of ``dest``'s manifest (in manifest order; records it could not
    read after them, as not checked). ``InputError`` when the folder has no manifest of
    this program, or one that cannot be used at all."""
    manifest = Manifest(dest, FileOps())
    if not (os.path.lexists(manifest.path) or os.path.lexists(manifest.legacy_path)):
        raise InputError(msg.NO_MANIFEST.format(dest=dest))
    manifest.load()
    if manifest.problem is not None:
        # "Checked 0 files" (exit 0) would vouch for a folder nothing was checked in.
        raise InputError(msg.MANIFEST_DAMAGED.format(dest=dest, problem=manifest.problem))
    results = [_check(manifest, raw, entry) for raw, entry in manifest.entries.items()]
    return results + [
        VerifyResult(raw, dest, VerifyState.RECORD_DAMAGED, msg.VERIFY_RECORD_DAMAGED)
        for raw in manifest.damaged_records
    ]


def _check(manifest: Manifest, raw: str, entry: ManifestEntry) -> VerifyResult:
    path = manifest.file_of(entry)
    if path is None:
        return VerifyResult(raw, manifest.dest, VerifyState.MISSING, msg.VERIFY_MISSING)
    try:
        paths.check_inside(path, manifest.dest)
        st = path.lstat()
    except (OSError, paths.UnsafePathError):
        return VerifyResult(raw, path, VerifyState.MISSING, msg.VERIFY_MISSING)
    if not stat.S_ISREG(st.st_mode):
        return VerifyResult(raw, path, VerifyState.MISSING, msg.VERIFY_MISSING)
    if st.st_size != entry.size:
        text = msg.VERIFY_SIZE.format(
            size=msg.human_bytes(st.st_size), expected=msg.human_bytes(entry.size)
        )
        return VerifyResult(raw, path, VerifyState.SIZE_MISMATCH, text)
    if entry.crc64 is None and not entry.sized:
        return VerifyResult(raw, path, VerifyState.UNCHECKED, msg.VERIFY_UNCHECKED)
    if entry.crc64 is None:
        return VerifyResult(raw, path, VerifyState.SIZE_CHECKED, msg.VERIFY_SIZE_OK)
    try:
        crc = crc64_of_file(path)
    except OSError as exc:
        text = msg.VERIFY_UNREADABLE.format(reason=exc.strerror or exc)
        return VerifyResult(raw, path, VerifyState.UNREADABLE, text)
    if crc != entry.crc64:
        return VerifyResult(raw, path, VerifyState.CHECKSUM_MISMATCH, msg.VERIFY_CHECKSUM)
    return VerifyResult(raw, path, VerifyState.VERIFIED, msg.VERIFY_OK)
