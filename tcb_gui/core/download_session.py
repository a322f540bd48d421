"""The window's download list, kept on disk so closing or killing the app loses nothing.

What is kept (``<state dir>/downloads.json``): the cloud file IDs of the list, the folder
and options of the run, each file's last known state and byte counts, and how a saved file
was checked (its ``Integrity``: a list written before that was kept reads as unknown, so a
restored row never claims more than the run knew). What is never
kept: the token (it lives in the keyring only) and the download links (they are signed
and expire; a resumed list asks for fresh ones). The partial files themselves are the
truth about the bytes: the engine resumes each ``.part`` with ``Range`` whatever this
file says, so a session a little out of date costs nothing but a stale percentage.

Writes are atomic (a temporary file, fsync, ``os.replace``) and ordered: ``SessionStore``
drops a snapshot older than the last one written or cleared, so a slow periodic write
finishing after the final one cannot bring back an out-of-date or finished list.
Reading is lenient: a missing, corrupt or foreign file reads as "no unfinished list".
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final

from tcb_gui.core.atomicfile import write_bytes_atomic
from tcb_gui.core.downloads import (
    MAX_DOWNLOAD_CONCURRENCY,
    MIN_DOWNLOAD_CONCURRENCY,
    DownloadOptions,
    DownloadOutcome,
    FileProgress,
    FileState,
    Integrity,
    Layout,
    OnExists,
)
from tcb_gui.core.errors import ErrorKind, InputError
from tcb_gui.core.fileids import FileId, parse_fileid
from tcb_gui.core.settings import app_dirs, ensure_dir

log = logging.getLogger(__name__)

SESSION_FILE: Final = "downloads.json"
SESSION_FORMAT: Final = "tcb-gui-downloads"
SESSION_VERSION: Final = 1
# Saved at most this often while a run goes on (plus at its start and end). A kill loses
# at most this much bookkeeping; the bytes are safe in the .part files either way.
SAVE_INTERVAL_SECONDS: Final = 3.0
# 100,000 IDs of a few hundred bytes each stay far below this; more is not our file.
MAX_SESSION_BYTES: Final = 256 * 1024 * 1024
# Owner-only, like the settings file: the list names the user's files and folders.
FILE_MODE: Final = 0o600
# An error message kept per file; the engine's messages are a line or two.
MAX_ERRMSG_CHARS: Final = 1000

# States a resumed list downloads again. FAILED is final (retried on request only);
# CANCELLED means "stopped before the end" (the window closed, the disk filled up).
UNFINISHED_STATES: Final = frozenset(
    {FileState.QUEUED, FileState.DOWNLOADING, FileState.PAUSED, FileState.CANCELLED}
)
COMPLETE_STATES: Final = frozenset({FileState.DONE, FileState.SKIPPED})


# Revisions order the snapshots of every run of this process (see ``SessionStore``).
_REVISIONS = itertools.count(1)


def next_revision() -> int:
    """A revision newer than every one handed out before in this process."""
    return next(_REVISIONS)


def session_path() -> Path:
    """Where the window keeps its download list (under the platform's state folder)."""
    return app_dirs().state / SESSION_FILE


@dataclass(frozen=True, slots=True)
class SessionFile:
    """One file of the list as last seen. ``fileid`` is the raw ``cloud://`` ID."""

    fileid: str
    state: FileState = FileState.QUEUED
    bytes_done: int = 0
    bytes_total: int | None = None
    path: str | None = None  # the saved file (or its planned name), once known
    errmsg: str = ""
    kind: ErrorKind | None = None  # why it failed, when FAILED
    # How the saved file was checked, when DONE or SKIPPED; None otherwise, and for a
    # file of a list saved before this was kept (unknown: never read as verified).
    integrity: Integrity | None = None

    @property
    def unfinished(self) -> bool:
        return self.state in UNFINISHED_STATES

    @property
    def complete(self) -> bool:
        return self.state in COMPLETE_STATES


@dataclass(frozen=True, slots=True)
class DownloadSession:
    """A download list and the options it runs with."""

    dest: Path
    layout: Layout
    on_exists: OnExists
    concurrency: int
    limit_rate: int | None
    files: tuple[SessionFile, ...]
    started_at: float  # unix time the list was started
    updated_at: float  # unix time of this snapshot
    revision: int = 0  # from next_revision(): orders the writes of snapshots

    @classmethod
    def start(
        cls,
        options: DownloadOptions,
        fileids: Iterable[str],
        *,
        keep: Sequence[SessionFile] = (),
        now: float | None = None,
    ) -> DownloadSession:
        """A new list of ``fileids`` (queued) run with ``options``.

        ``keep`` are files of an earlier list carried over as they were (a resumed list
        keeps its complete files, so the whole list survives another interruption).
        """
        stamp = time.time() if now is None else now
        files: dict[str, SessionFile] = {f.fileid: f for f in keep}
        for raw in fileids:
            files[raw] = SessionFile(raw)
        return cls(
            dest=options.dest,
            layout=options.layout,
            on_exists=options.on_exists,
            concurrency=options.concurrency,
            limit_rate=options.limit_rate,
            files=tuple(files.values()),
            started_at=stamp,
            updated_at=stamp,
        )

    def options(self) -> DownloadOptions:
        """The engine options this list runs with."""
        return DownloadOptions(
            dest=self.dest,
            layout=self.layout,
            on_exists=self.on_exists,
            concurrency=self.concurrency,
            limit_rate=self.limit_rate,
        )

    def unfinished(self) -> list[SessionFile]:
        """Files still to download, in list order."""
        return [f for f in self.files if f.unfinished]

    def complete(self) -> list[SessionFile]:
        return [f for f in self.files if f.complete]

    @property
    def has_unfinished(self) -> bool:
        return any(f.unfinished for f in self.files)

    def __repr__(self) -> str:
        return (
            f"DownloadSession(dest={str(self.dest)!r}, files={len(self.files)}, "
            f"unfinished={len(self.unfinished())}, revision={self.revision})"
        )


# --- JSON --------------------------------------------------------------------------------


def session_to_json(session: DownloadSession) -> dict[str, Any]:
    return {
        "format": SESSION_FORMAT,
        "version": SESSION_VERSION,
        "dest": str(session.dest),
        "layout": session.layout.value,
        "on_exists": session.on_exists.value,
        "concurrency": session.concurrency,
        "limit_rate": session.limit_rate,
        "started_at": session.started_at,
        "updated_at": session.updated_at,
        "files": [_file_to_json(f) for f in session.files],
    }


def _file_to_json(f: SessionFile) -> dict[str, Any]:
    item: dict[str, Any] = {"fileid": f.fileid, "state": f.state.value}
    # Only what differs from a fresh entry: 100,000 queued files stay a small file.
    if f.bytes_done:
        item["bytes_done"] = f.bytes_done
    if f.bytes_total is not None:
        item["bytes_total"] = f.bytes_total
    if f.path is not None:
        item["path"] = f.path
    if f.errmsg:
        item["errmsg"] = f.errmsg
    if f.kind is not None:
        item["kind"] = f.kind.value
    if f.integrity is not None:
        item["integrity"] = f.integrity.value
    return item


def _count(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InputError(f"{what} must be a non-negative integer")
    return value


def _stamp(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError("a time stamp must be a number")
    return float(value)


def _file_from_json(item: object) -> SessionFile:
    if not isinstance(item, Mapping):
        raise InputError("a file entry must be an object")
    raw = item.get("fileid")
    if not isinstance(raw, str):
        raise InputError("a file entry needs its fileid")
    parse_fileid(raw)  # raises InputError for anything that is not a cloud:// ID
    total = item.get("bytes_total")
    path = item.get("path")
    errmsg = item.get("errmsg", "")
    kind = item.get("kind")
    if path is not None and not isinstance(path, str):
        raise InputError("a file path must be text")
    if not isinstance(errmsg, str):
        raise InputError("an error message must be text")
    try:
        state = FileState(item.get("state", FileState.QUEUED.value))
        error_kind = ErrorKind(kind) if kind is not None else None
    except ValueError:
        raise InputError("unknown file state or error kind") from None
    return SessionFile(
        fileid=raw,
        state=state,
        bytes_done=_count(item.get("bytes_done", 0), "bytes_done"),
        bytes_total=None if total is None else _count(total, "bytes_total"),
        path=path,
        errmsg=errmsg[:MAX_ERRMSG_CHARS],
        kind=error_kind,
        integrity=_integrity(item.get("integrity"), state),
    )


def _integrity(value: object, state: FileState) -> Integrity | None:
    """How a complete file was checked; None (unknown) when the entry does not say, says
    what this version does not know, or is of a file not complete."""
    if state not in COMPLETE_STATES or not isinstance(value, str):
        return None
    try:
        return Integrity(value)
    except ValueError:
        return None


def session_from_json(data: object) -> DownloadSession:
    """Read a session from parsed JSON; ``InputError`` if it is not one of ours."""
    if not isinstance(data, Mapping) or data.get("format") != SESSION_FORMAT:
        raise InputError("not a download list of TCB Links")
    if data.get("version") != SESSION_VERSION:
        raise InputError(f"download list version {data.get('version')!r} is not supported")
    dest = data.get("dest")
    if not isinstance(dest, str) or not dest.strip() or "\x00" in dest:
        raise InputError("the download folder is missing")
    limit = data.get("limit_rate")
    concurrency = data.get("concurrency")
    if not isinstance(concurrency, int) or isinstance(concurrency, bool):
        raise InputError("concurrency must be an integer")
    if not MIN_DOWNLOAD_CONCURRENCY <= concurrency <= MAX_DOWNLOAD_CONCURRENCY:
        raise InputError("concurrency is out of range")
    files = data.get("files")
    if not isinstance(files, list):
        raise InputError("the list of files is missing")
    try:
        layout = Layout(str(data.get("layout")))
        on_exists = OnExists(str(data.get("on_exists")))
    except ValueError:
        raise InputError("unknown layout or on-exists choice") from None
    return DownloadSession(
        dest=Path(dest),
        layout=layout,
        on_exists=on_exists,
        concurrency=concurrency,
        limit_rate=None if limit is None else max(1, _count(limit, "limit_rate")),
        files=tuple(_file_from_json(item) for item in files),
        started_at=_stamp(data.get("started_at", 0.0)),
        updated_at=_stamp(data.get("updated_at", 0.0)),
    )


# --- the file ----------------------------------------------------------------------------


def read_session(path: Path) -> DownloadSession | None:
    """The list saved at ``path``, or None if there is none or it cannot be read."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_SESSION_BYTES + 1)
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("cannot read the download list (%s)", type(exc).__name__)
        return None
    if len(raw) > MAX_SESSION_BYTES:
        log.warning("ignoring an oversized download list (%d bytes)", len(raw))
        return None
    try:
        return session_from_json(json.loads(raw.decode("utf-8")))
    except (UnicodeDecodeError, ValueError, RecursionError):
        log.warning("ignoring a download list that is not valid JSON")
    except InputError as exc:
        log.warning("ignoring an unusable download list: %s", exc.message)
    return None


class SessionStore:
    """One session file, written from worker threads in order.

    ``save`` and ``clear`` take the snapshot's revision; anything not newer than the last
    revision written or cleared is dropped, so writes racing in threads can only ever
    leave the newest state on disk.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else session_path()
        self._lock = threading.Lock()
        self._last_revision = -1

    def load(self) -> DownloadSession | None:
        return read_session(self.path)

    def save(self, session: DownloadSession) -> bool:
        """Write ``session`` atomically; False if a newer state was already written."""
        content = json.dumps(session_to_json(session), ensure_ascii=False, separators=(",", ":"))
        with self._lock:
            if session.revision <= self._last_revision:
                return False
            ensure_dir(self.path.parent)
            write_bytes_atomic(self.path, content.encode("utf-8"), mode=FILE_MODE)
            self._last_revision = session.revision
            return True

    def clear(self, revision: int | None = None) -> bool:
        """Forget the list (the file goes). With a revision, snapshots taken before it can
        no longer bring it back, and a newer snapshot already written is kept."""
        with self._lock:
            if revision is not None:
                if revision <= self._last_revision:
                    return False
                self._last_revision = revision
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
            return True


# --- keeping the list up to date during a run -------------------------------------------


class SessionRecorder:
    """The list in memory, updated from the engine's progress; says when to save it.

    Runs on the event loop (no locks): ``update`` costs O(changed files), ``snapshot``
    O(files) and is called at most every ``interval`` seconds.
    """

    def __init__(
        self,
        session: DownloadSession,
        *,
        interval: float = SAVE_INTERVAL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._base = session
        self._files: dict[str, SessionFile] = {f.fileid: f for f in session.files}
        self._interval = interval
        self._clock = clock
        self._saved_at: float | None = None
        self._dirty = True

    @property
    def dirty(self) -> bool:
        return self._dirty

    def due(self) -> bool:
        """Whether a save is worth doing now (changes, and the interval has passed)."""
        if not self._dirty:
            return False
        return self._saved_at is None or self._clock() - self._saved_at >= self._interval

    def file(self, fileid: str) -> SessionFile | None:
        return self._files.get(fileid)

    def update(self, progress: Iterable[FileProgress]) -> None:
        for p in progress:
            raw = p.fileid.raw
            old = self._files.get(raw)
            if old is None:
                continue  # not of this list
            self._files[raw] = SessionFile(
                fileid=raw,
                state=p.state,
                bytes_done=p.bytes_done,
                bytes_total=p.bytes_total,
                path=str(p.path) if p.path is not None else old.path,
                errmsg=p.errmsg[:MAX_ERRMSG_CHARS],
                kind=old.kind if p.state is FileState.FAILED else None,
                integrity=p.integrity if p.state in COMPLETE_STATES else None,
            )
            self._dirty = True

    def apply_outcomes(self, outcomes: Iterable[DownloadOutcome]) -> None:
        """The run's final word on each file (sizes, paths, reasons and failure kinds)."""
        for o in outcomes:
            raw = o.fileid.raw
            old = self._files.get(raw)
            if old is None:
                continue
            self._files[raw] = replace(
                old,
                state=o.state,
                bytes_done=o.bytes if o.ok else old.bytes_done,
                path=str(o.path) if o.path is not None else old.path,
                errmsg=o.errmsg[:MAX_ERRMSG_CHARS],
                kind=o.kind,
                integrity=o.integrity if o.state in COMPLETE_STATES else None,
            )
            self._dirty = True

    def set_state(self, fileids: Iterable[FileId], state: FileState, errmsg: str = "") -> None:
        """Move files to ``state`` (e.g. paused, waiting for a valid token)."""
        for fileid in fileids:
            old = self._files.get(fileid.raw)
            if old is not None:
                self._files[fileid.raw] = replace(
                    old, state=state, errmsg=errmsg, kind=None, integrity=None
                )
                self._dirty = True

    def snapshot(self, now: float | None = None) -> DownloadSession:
        """The list as it stands, with a new revision; resets the save interval."""
        self._saved_at = self._clock()
        self._dirty = False
        return replace(
            self._base,
            files=tuple(self._files.values()),
            updated_at=time.time() if now is None else now,
            revision=next_revision(),
        )

    @property
    def has_unfinished(self) -> bool:
        return any(f.unfinished for f in self._files.values())
