"""The manifest of completed files in a download folder: a re-run skips them unasked.

``<dest>/.tcb-gui/.tcb-gui-manifest.json`` maps each file ID to its path (relative,
``/``-separated), size, modification time and, when the storage offered one, the CRC-64
it was verified against; ``"sized": false`` when its answer announced no size either
(nothing was checked; records without the key, as older versions wrote them, had one).
The ``.tcb-gui`` folder is reserved in every run's name table, so no key is ever saved
there (a key of that name gets ``.tcb-gui (1)``). A manifest at
the place older versions kept it, ``<dest>/.tcb-gui-manifest.json``, is still read (never
written or removed: in a flat folder that name may be a user's file).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import stat
import threading
from pathlib import Path
from typing import Final, NamedTuple

from tcb_gui.core import paths
from tcb_gui.core.downloads import messages as msg
from tcb_gui.core.downloads.files import FileOps, is_variant_of
from tcb_gui.core.fileids import FileId

log = logging.getLogger("tcb_gui.core.downloads")

# The engine's own folder inside the download folder: the manifest and the lock.
STATE_DIR_NAME = ".tcb-gui"
MANIFEST_NAME = ".tcb-gui-manifest.json"
LEGACY_MANIFEST_NAME = MANIFEST_NAME  # directly in <dest>, before the .tcb-gui folder
MANIFEST_VERSION = 2
_READABLE_VERSIONS: Final = frozenset({1, MANIFEST_VERSION})
# A manifest of 100,000 files is about 20 MB; anything far larger is not ours.
MANIFEST_MAX_BYTES: Final = 256 * 1024 * 1024


class ManifestEntry(NamedTuple):
    path: str  # relative to dest, '/'-separated
    size: int
    mtime_ns: int
    crc64: int | None = None  # the storage's CRC-64 the file matched, if it had one
    sized: bool = True  # its size was announced (and matched) when it was saved


def manifest_path(dest: Path) -> Path:
    return dest / STATE_DIR_NAME / MANIFEST_NAME


class Manifest:
    """What this engine completed in ``dest``: lets a re-run skip with no request at all.

    Only ever used to *skip* a file (never to write one), and only when the recorded file
    is still there with the recorded size and modification time, inside ``dest``, under
    the name this run would give it. Saved atomically; merged with the copy on disk so two
    runs into one folder add up rather than overwrite each other.
    """

    def __init__(self, dest: Path, files: FileOps) -> None:
        self.dest = dest
        self.path = manifest_path(dest)
        self._root = os.path.join(os.fspath(dest), "")  # "<dest>/": what paths start with
        self.legacy_path = dest / LEGACY_MANIFEST_NAME
        self.entries: dict[str, ManifestEntry] = {}
        self.changed: dict[str, ManifestEntry] = {}  # completed in this run, not yet saved
        self._files = files
        self._write_lock = threading.Lock()
        # What the last load could not use (a run only skips less; verify says so): why
        # the whole file was unusable (a registered message), and records it had to drop.
        self.problem: str | None = None
        self.damaged_records: list[str] = []

    def _read(self) -> dict[str, ManifestEntry]:
        self.problem, self.damaged_records = None, []
        files = self._files
        path = self.path if files.lexists(self.path) else self.legacy_path
        data = files.read_small(path, MANIFEST_MAX_BYTES)
        if data is None:
            if files.lexists(path):
                self.problem = msg.MANIFEST_NOT_READABLE
            return {}
        try:
            obj = json.loads(data)
            version = obj.get("version")
            if version not in _READABLE_VERSIONS:
                self.problem = msg.MANIFEST_VERSION.format(version=str(version)[:40])
                return {}
            files = obj["files"]
        except (ValueError, KeyError, TypeError, AttributeError):
            self.problem = msg.MANIFEST_NOT_JSON
            return {}
        entries: dict[str, ManifestEntry] = {}
        if not isinstance(files, dict):
            self.problem = msg.MANIFEST_NOT_JSON
            return entries
        for raw, rec in files.items():
            try:
                crc = rec.get("crc64")
                entry = ManifestEntry(
                    str(rec["path"]),
                    int(rec["size"]),
                    int(rec["mtime_ns"]),
                    None if crc is None else int(crc),
                    rec.get("sized") is not False,
                )
            except (KeyError, TypeError, ValueError, AttributeError):
                self.damaged_records.append(str(raw))
                continue
            entries[raw] = entry
        return entries

    def load(self) -> None:
        self.entries = self._read()

    def file_of(self, entry: ManifestEntry) -> Path | None:
        """Where an entry's file is, or None if the entry points outside the folder."""
        rel = Path(*entry.path.split("/")) if entry.path else None
        if rel is None or rel.is_absolute() or ".." in rel.parts or rel.drive:
            return None
        return self.dest / rel

    def vouched(self, fileid: FileId, target: Path) -> tuple[Path, ManifestEntry] | None:
        """The earlier complete copy of ``fileid`` at ``target`` (or a ``(n)`` variant)."""
        entry = self.entries.get(fileid.raw)
        if entry is None:
            return None
        candidate = self.file_of(entry)
        if candidate is None or not is_variant_of(candidate, target):
            return None
        try:
            st = self._files.lstat(candidate)
        except (OSError, paths.UnsafePathError):
            return None
        if not stat.S_ISREG(st.st_mode) or st.st_size != entry.size:
            return None
        if st.st_mtime_ns != entry.mtime_ns:
            return None
        return candidate, entry

    def record(self, fileid: FileId, path: Path, crc64: int | None = None) -> None:
        try:
            st = self._files.lstat(path)
            rel = path.relative_to(self.dest)
        except (OSError, ValueError, paths.UnsafePathError):
            return
        entry = ManifestEntry("/".join(rel.parts), st.st_size, st.st_mtime_ns, crc64)
        self.entries[fileid.raw] = entry
        self.changed[fileid.raw] = entry

    def record_stat(
        self,
        fileid: FileId,
        path: Path,
        size: int,
        mtime_ns: int,
        crc64: int | None = None,
        *,
        sized: bool = True,
    ) -> None:
        """``record`` with the size and modification time already known (no ``lstat``);
        ``sized``: whether the answer announced the size the file was checked against."""
        text, root = os.fspath(path), self._root
        if not text.startswith(root):
            return
        rel = text[len(root) :]
        entry = ManifestEntry(
            rel.replace(os.sep, "/") if os.sep != "/" else rel, size, mtime_ns, crc64, sized
        )
        self.entries[fileid.raw] = entry
        self.changed[fileid.raw] = entry

    async def save(self, *, final: bool = False) -> None:
        """Write what is known now, atomically, in a worker thread.

        The periodic saves write this run's view (entries loaded at the start plus the
        files completed since); the final one first merges what another run into the
        same folder may have saved meanwhile. Whatever a crash loses costs one probe per
        file next time, never a wrong skip.
        """
        if not self.changed:
            return
        # Snapshots taken on the loop thread: the worker thread reads only these.
        changed, self.changed = self.changed, {}
        entries = dict(self.entries)
        try:
            saved = await asyncio.to_thread(self._write, entries, changed if final else None)
        except asyncio.CancelledError:
            self.changed = {**changed, **self.changed}  # the final save writes them
            raise
        if not saved:
            self.changed = {**changed, **self.changed}

    def _write(
        self, entries: dict[str, ManifestEntry], merge: dict[str, ManifestEntry] | None
    ) -> bool:
        # A cancelled save's thread may still be writing when the final one starts.
        with self._write_lock:
            if merge is not None:
                entries = {**self._read(), **merge}
            files = {raw: _entry_json(e) for raw, e in entries.items()}
            body = {"version": MANIFEST_VERSION, "files": files}
            try:
                self._files.write_small(
                    self.path, json.dumps(body, ensure_ascii=False).encode("utf-8")
                )
            except OSError as exc:
                log.warning("Could not save the download manifest: %s", exc.strerror or exc)
                return False
            except paths.UnsafePathError as exc:  # its folder swapped for a link
                log.warning("Could not save the download manifest: %s", exc.message)
                return False
            return True


def _entry_json(entry: ManifestEntry) -> dict[str, object]:
    item: dict[str, object] = {"path": entry.path, "size": entry.size, "mtime_ns": entry.mtime_ns}
    if entry.crc64 is not None:
        item["crc64"] = entry.crc64
    if not entry.sized:
        item["sized"] = False
    return item
