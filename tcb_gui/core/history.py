"""Recent lists of IDs and what became of them, kept across restarts (issue 5 item 6).

Each list is one file, ``app_dirs().data / "history" / "<id>.jsonl"``, written atomically
(a temp file beside it, fsync, rename; mode 0600). The format is JSON lines:

* line 1, the header: ``{"format": "tcb-gui-history", "version": 1, "id", "created_at",
  "updated_at", "total", "ok", "failed", "profile"}`` (times are unix seconds). Menus
  read only this line, so listing the history stays cheap however big the lists are.
* every further line: a JSON array of up to ``ROWS_PER_LINE`` rows in input order, each
  ``[fileid, state, status, errmsg, download_url, expires_at, kind]`` where ``state`` is
  ``"pending"``, ``"ok"`` or ``"failed"`` and ``expires_at`` is unix seconds or null,
  and an eighth element when the row's file was downloaded: the download's outcome, an
  object with the keys of the download list's files (``core.download_session``):
  ``{"state", "bytes_done", "bytes_total", "path", "errmsg", "kind", "integrity"}``,
  only ``state`` always there. Kept are the outcomes a run leaves
  (``KEPT_DOWNLOAD_STATES``: saved, already saved, failed with core's kind and message,
  stopped part way); a download under way or waiting is the download list's to bring
  back. Rows without one are written as before, and a file written before outcomes were
  kept reads as rows without one.

Chunked lines keep both directions fast and friendly to a UI thread: one C-level
``json`` call per line (100,000 rows save and load in well under a second) that holds
the GIL only for a few milliseconds at a time, and a damaged line costs only its own rows.

What is kept: IDs, per-row state, links, expiry, the service's messages, each file's
download outcome (where it was saved and how it was checked, or why it failed). Never a
token: there is no field for one, links carrying ``access_token=`` are dropped, and
messages pass through ``core.redact`` first. ``current.json`` names the list that was
open when the app last saved, so the next start brings back exactly that list (or none
after the user cleared it). ``HistoryStore.prune`` keeps the newest ``keep`` lists.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import math
import os
import re
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Final, Protocol, TextIO

from tcb_gui.core.atomicfile import write_text_atomic
from tcb_gui.core.client import LinkResult
from tcb_gui.core.download_session import COMPLETE_STATES, SessionFile
from tcb_gui.core.download_states import FileState, Integrity
from tcb_gui.core.errors import ErrorKind, InputError, MessageTemplate, message
from tcb_gui.core.fileids import FileId, InvalidFileIdError, parse_fileid
from tcb_gui.core.redact import redact
from tcb_gui.core.settings import (
    DEFAULT_HISTORY_SIZE,
    DIR_MODE,
    FILE_MODE,
    MAX_HISTORY_SIZE,
    app_dirs,
)

log = logging.getLogger(__name__)

HISTORY_DIRNAME: Final = "history"
FORMAT_NAME: Final = "tcb-gui-history"
FORMAT_VERSION: Final = 1
FILE_SUFFIX: Final = ".jsonl"
CURRENT_FILE: Final = "current.json"
# Rows per JSON line: big enough that a 100,000-row list is 100 json calls, small enough
# that each call holds the GIL for ~2 ms (a UI thread beside the worker stays smooth).
ROWS_PER_LINE: Final = 1_000
# A header line is a few hundred bytes; refuse to read a runaway first line.
MAX_HEADER_BYTES: Final = 64 * 1024
# The service's errmsg for one file is a short sentence; bound what a file may inject.
MAX_ERRMSG_CHARS: Final = 2_000
# A saved file's path: PATH_MAX on Linux; longer is not one the engine wrote.
MAX_PATH_CHARS: Final = 4_096
# The download outcomes a row keeps: what a run leaves a file in. A download still
# queued, under way or paused is the download list's (``core.download_session``), which
# brings it back with Resume.
KEPT_DOWNLOAD_STATES: Final = frozenset(
    {FileState.DONE, FileState.SKIPPED, FileState.FAILED, FileState.CANCELLED}
)
# A temporary file of a save (``atomicfile``) older than this was left by a crash: a
# save takes seconds, and another window (``--profile``) may be writing one right now.
STALE_TEMP_S: Final = 3_600
# Entry ids: "<UTC yyyymmdd-hhmmss>-<6 hex>", sortable and safe as file names.
_ENTRY_ID_RE = re.compile(r"\d{8}-\d{6}-[0-9a-f]{6}\Z")
_ID_TIME_FORMAT: Final = "%Y%m%d-%H%M%S"
_ID_RANDOM_BYTES: Final = 3
_GONE = message("That list is no longer in the history.")
_NOT_AN_ENTRY = message("That is not a history entry.")
_BAD_SIZE = MessageTemplate("History size must be a whole number from 0 to {high}.")
_UNREADABLE = message("That list in the history cannot be read.")
# Credentials that must never be written into a history file (docs/ARCHITECTURE.md#behaviour).
_TOKEN_PARAM_RE = re.compile(r"(?i)(?:^|[?&])[a-z_]*access_token=")

_KINDS: Final = frozenset(kind.value for kind in ErrorKind)
_KEPT_STATES: Final = {state.value: state for state in KEPT_DOWNLOAD_STATES}
_INTEGRITIES: Final = {integrity.value: integrity for integrity in Integrity}


class KeptDownload(Protocol):
    """What a row's download outcome is kept from: core's ``SessionFile``, or the
    window's cell of the row, which has the same fields (read as they are: no copy is
    made per row of a big list)."""

    @property
    def state(self) -> FileState: ...
    @property
    def bytes_done(self) -> int: ...
    @property
    def bytes_total(self) -> int | None: ...
    @property
    def path(self) -> str | os.PathLike[str] | None: ...
    @property
    def errmsg(self) -> str: ...
    @property
    def kind(self) -> ErrorKind | None: ...
    @property
    def integrity(self) -> Integrity | None: ...


class SavedState(StrEnum):
    """A row's state as kept: in-flight and paused rows come back as pending."""

    PENDING = "pending"
    OK = "ok"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One saved list, as its header describes it (what a menu shows)."""

    id: str
    created_at: float  # unix seconds
    updated_at: float
    total: int
    ok: int
    failed: int
    profile: str | None = None
    name: str = ""  # what the list was opened from (a file name) or its first key

    @property
    def pending(self) -> int:
        return self.total - self.ok - self.failed


@dataclass(frozen=True, slots=True)
class HistoryList:
    """A list read back: ``results[i]`` belongs to ``ids[i]`` (None: not resolved yet),
    and so does ``downloads[i]`` (None: no download outcome kept)."""

    entry: HistoryEntry
    ids: list[FileId] = field(default_factory=list)
    results: list[LinkResult | None] = field(default_factory=list)
    skipped: int = 0  # rows that could not be read (a damaged line counts once)
    downloads: list[SessionFile | None] = field(default_factory=list)

    @property
    def left_out(self) -> int:
        """Rows of the saved list that did not come back: those skipped, or those its
        header counts beyond the rows read, whichever is more (a damaged line's rows, a
        file cut short at a line's end)."""
        return max(self.skipped, self.entry.total - len(self.ids))


# --- entry ids and paths ---------------------------------------------------------------


def history_dir() -> Path:
    """``app_dirs().data / "history"`` (not created here)."""
    return app_dirs().data / HISTORY_DIRNAME


def new_entry_id(now: float | None = None) -> str:
    """A fresh entry id for a list started at ``now`` (unix seconds)."""
    moment = datetime.fromtimestamp(time.time() if now is None else now, UTC)
    return f"{moment.strftime(_ID_TIME_FORMAT)}-{secrets.token_hex(_ID_RANDOM_BYTES)}"


def validate_entry_id(entry_id: object) -> str:
    """``entry_id`` if it is one this module makes, else ``InputError`` (no path tricks)."""
    if not isinstance(entry_id, str) or not _ENTRY_ID_RE.match(entry_id):
        raise InputError(_NOT_AN_ENTRY)
    return entry_id


# --- rows ----------------------------------------------------------------------------


# Plain strings for the hot loops (an enum member's ``.value`` costs a descriptor call).
_PENDING: Final = SavedState.PENDING.value
_OK: Final = SavedState.OK.value
_FAILED: Final = SavedState.FAILED.value
_ROW_FIELDS: Final = 7
_PENDING_TAIL: Final = (_PENDING, None, "", None, None, None)


def _carries_token(url: str | None) -> bool:
    # Not a download link the service would give; never keep what may be a token.
    return url is not None and "token=" in url.lower() and bool(_TOKEN_PARAM_RE.search(url))


def _saved_state(result: LinkResult | None) -> str:
    """The state a row is kept in (``_row_to_json``'s rule, without building the row)."""
    if result is None:
        return _PENDING
    if not result.ok:
        return _FAILED
    return _PENDING if _carries_token(result.download_url) else _OK


def saved_counts(results: Sequence[LinkResult | None]) -> tuple[int, int]:
    """(ok, failed): how many of ``results`` ``encode_rows`` saves as ok and as failed."""
    states = Counter(map(_saved_state, results))
    return states[_OK], states[_FAILED]


def encode_rows(
    ids: Sequence[FileId],
    results: Sequence[LinkResult | None],
    downloads: Sequence[KeptDownload | None] | None = None,
) -> str:
    """One history line (no newline): ``results[i]`` and ``downloads[i]`` of ``ids[i]``,
    at most ``ROWS_PER_LINE`` rows, for ``HistoryStore.save_encoded``."""
    if len(ids) != len(results) or (downloads is not None and len(downloads) != len(ids)):
        raise ValueError("ids, results and downloads differ in length")
    rows = [_row_to_json(f, r) for f, r in zip(ids, results, strict=True)]
    if downloads is not None:
        for row, kept in zip(rows, downloads, strict=True):
            if kept is not None and kept.state in KEPT_DOWNLOAD_STATES:
                row.append(_download_to_json(kept))
    return _ENCODER.encode(rows)


def _download_to_json(kept: KeptDownload) -> dict[str, Any]:
    """A row's download outcome: only what differs from a bare one (as the download
    list writes its files), its message redacted like the service's. The enums go in as
    they are: a ``StrEnum`` is its value to ``json`` (``.value`` costs a descriptor call
    per row)."""
    state = kept.state
    item: dict[str, Any] = {"state": state}
    if kept.bytes_done:
        item["bytes_done"] = kept.bytes_done
    if kept.bytes_total is not None:
        item["bytes_total"] = kept.bytes_total
    if kept.path is not None:
        item["path"] = os.fspath(kept.path)
    if kept.errmsg:
        item["errmsg"] = redact(kept.errmsg)[:MAX_ERRMSG_CHARS]
    if kept.kind is not None and state is FileState.FAILED:
        item["kind"] = kept.kind
    if kept.integrity is not None and state in COMPLETE_STATES:
        item["integrity"] = kept.integrity
    return item


def _byte_count(value: object) -> int | None:
    return value if type(value) is int and value >= 0 else None


def _text(value: object) -> str:
    return value if type(value) is str else ""


def _download_from_json(raw: str, item: object) -> SessionFile | None:
    """A row's download outcome read back; None when there is none, or it is not one
    this module wrote (the row itself still loads)."""
    if type(item) is not dict:
        return None
    state = _KEPT_STATES.get(_text(item.get("state")))
    if state is None:
        return None
    path: str | None = _text(item.get("path"))
    if not path or len(path) > MAX_PATH_CHARS or "\x00" in path:
        path = None
    kind = _text(item.get("kind"))
    return SessionFile(
        fileid=raw,
        state=state,
        bytes_done=_byte_count(item.get("bytes_done")) or 0,
        bytes_total=_byte_count(item.get("bytes_total")),
        path=path,
        errmsg=_text(item.get("errmsg"))[:MAX_ERRMSG_CHARS],
        kind=ErrorKind(kind) if state is FileState.FAILED and kind in _KINDS else None,
        integrity=_INTEGRITIES.get(_text(item.get("integrity")))
        if state in COMPLETE_STATES
        else None,
    )


def _row_to_json(fileid: FileId, result: LinkResult | None) -> list[Any]:
    if result is None:
        return [fileid.raw, *_PENDING_TAIL]
    url = result.download_url if result.ok else None
    if _carries_token(url):
        return [fileid.raw, *_PENDING_TAIL]
    errmsg = result.errmsg
    if errmsg and errmsg != "ok":
        errmsg = redact(errmsg)[:MAX_ERRMSG_CHARS]
    expires = result.expires_at.timestamp() if result.expires_at is not None else None
    kind = result.kind
    return [
        fileid.raw,
        _OK if result.ok else _FAILED,
        result.status,
        errmsg,
        url,
        expires,
        None if kind is None else kind.value,
    ]


def _optional_int(value: object) -> int | None:
    return value if type(value) is int else None


# Rows of one request share their expiry: 100,000 rows hold a few thousand distinct ones.
@functools.lru_cache(maxsize=4096)
def _expiry(value: object) -> datetime | None:
    if type(value) is not float and type(value) is not int:
        return None
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _row_from_json(
    item: object,
) -> tuple[FileId, LinkResult | None, SessionFile | None] | None:
    """A row read back (its ID, result and download outcome), or None when it is not
    one this module wrote."""
    if type(item) is not list or not item or type(item[0]) is not str:
        return None
    try:
        fileid = parse_fileid(item[0])
    except InvalidFileIdError:
        return None
    download = None
    if len(item) != _ROW_FIELDS:
        if len(item) > _ROW_FIELDS:
            download = _download_from_json(fileid.raw, item[_ROW_FIELDS])
        item = [*item[:_ROW_FIELDS], *([None] * (_ROW_FIELDS - len(item)))]
    _raw, state, status, errmsg, url, expires, kind = item
    if state == _PENDING or state is None:
        return fileid, None, download
    if type(errmsg) is not str:
        errmsg = ""
    elif len(errmsg) > MAX_ERRMSG_CHARS:
        errmsg = errmsg[:MAX_ERRMSG_CHARS]
    if state == _OK:
        if type(url) is not str or not url.startswith(("https://", "http://")):
            return fileid, None, download  # an "ok" without a usable link: resolve it again
        result = LinkResult(fileid, True, _optional_int(status), errmsg, url, _expiry(expires))
        return fileid, result, download
    if state == _FAILED:
        error_kind = ErrorKind(kind) if type(kind) is str and kind in _KINDS else None
        result = LinkResult(fileid, False, _optional_int(status), errmsg, None, None, error_kind)
        return fileid, result, download
    return None


# --- headers -------------------------------------------------------------------------


def _header(entry: HistoryEntry) -> dict[str, Any]:
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "id": entry.id,
        "created_at": entry.created_at,
        "updated_at": entry.updated_at,
        "total": entry.total,
        "ok": entry.ok,
        "failed": entry.failed,
        "profile": entry.profile,
        "name": entry.name,
    }


# A list's name is a label in a menu: one line, and short.
MAX_NAME_CHARS = 120


def _list_name(value: object) -> str:
    if not isinstance(value, str):
        return ""
    return " ".join(value.split())[:MAX_NAME_CHARS]


def _number(data: dict[str, Any], key: str) -> float:
    value = data.get(key)
    if (
        not isinstance(value, int | float)
        or isinstance(value, bool)
        or not math.isfinite(value)
        or value < 0
    ):
        raise ValueError(key)
    return float(value)


def _count(data: dict[str, Any], key: str) -> int:
    value = data.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(key)
    return value


def _entry_from_header(line: str, entry_id: str) -> HistoryEntry | None:
    try:
        data = json.loads(line)
        if (
            not isinstance(data, dict)
            or data.get("format") != FORMAT_NAME
            or data.get("version") != FORMAT_VERSION
            or data.get("id") != entry_id
        ):
            return None
        profile = data.get("profile")
        return HistoryEntry(
            id=entry_id,
            created_at=_number(data, "created_at"),
            updated_at=_number(data, "updated_at"),
            total=_count(data, "total"),
            ok=_count(data, "ok"),
            failed=_count(data, "failed"),
            profile=profile if isinstance(profile, str) else None,
            name=_list_name(data.get("name")),
        )
    except (ValueError, RecursionError):
        return None


# --- files ---------------------------------------------------------------------------


def _write_atomic(path: Path, write: Callable[[TextIO], object]) -> None:
    """Call ``write(handle)`` on a temp file beside ``path``, then rename it into place."""
    path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    write_text_atomic(path, write, mode=FILE_MODE)


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


class HistoryStore:
    """The history folder: save, list, load and prune lists. Thread-safe; blocking.

    Call it from a worker thread (``asyncio.to_thread``): a big list takes a few hundred
    milliseconds to write or read.
    """

    def __init__(self, directory: Path | None = None, *, keep: int = DEFAULT_HISTORY_SIZE) -> None:
        self.directory = directory if directory is not None else history_dir()
        self.keep = keep
        # Saves may overlap (a throttled save still writing when the window closes):
        # one at a time, so the newest snapshot is always the one left on disk.
        self._lock = threading.Lock()

    @property
    def keep(self) -> int:
        return self._keep

    @keep.setter
    def keep(self, value: int) -> None:
        if (
            not isinstance(value, int)
            or isinstance(value, bool)
            or not 0 <= value <= MAX_HISTORY_SIZE
        ):
            raise InputError(_BAD_SIZE.format(high=MAX_HISTORY_SIZE))
        self._keep = value

    def path_of(self, entry_id: str) -> Path:
        return self.directory / f"{validate_entry_id(entry_id)}{FILE_SUFFIX}"

    # -- writing ----------------------------------------------------------------------

    def save(
        self,
        entry_id: str,
        ids: Sequence[FileId],
        results: Sequence[LinkResult | None],
        *,
        created_at: float,
        profile: str | None = None,
        name: str = "",
        now: float | None = None,
        downloads: Sequence[KeptDownload | None] | None = None,
    ) -> HistoryEntry:
        """Write a list (``results[i]`` and ``downloads[i]`` of ``ids[i]``, input order)
        as ``entry_id``, make it current, prune.

        Rows are encoded a line at a time: a 100,000-row list never exists as one big
        structure of JSON-ready objects (which would also wake the cyclic garbage
        collector for a full pass). With ``keep == 0`` (history turned off) nothing is
        written and every kept list is deleted.
        """
        if len(ids) != len(results) or (downloads is not None and len(downloads) != len(ids)):
            raise ValueError("ids, results and downloads differ in length")
        if self._keep == 0:
            return self.save_encoded(
                entry_id,
                (),
                total=len(ids),
                ok=0,
                failed=0,
                created_at=created_at,
                profile=profile,
                name=name,
                now=now,
            )
        ok, failed = saved_counts(results)
        lines = (
            encode_rows(
                ids[start : start + ROWS_PER_LINE],
                results[start : start + ROWS_PER_LINE],
                None if downloads is None else downloads[start : start + ROWS_PER_LINE],
            )
            for start in range(0, len(ids), ROWS_PER_LINE)
        )
        return self.save_encoded(
            entry_id,
            lines,
            total=len(ids),
            ok=ok,
            failed=failed,
            created_at=created_at,
            profile=profile,
            name=name,
            now=now,
        )

    def save_encoded(
        self,
        entry_id: str,
        lines: Iterable[str],
        *,
        total: int,
        ok: int,
        failed: int,
        created_at: float,
        profile: str | None = None,
        name: str = "",
        now: float | None = None,
    ) -> HistoryEntry:
        """``save`` for rows already encoded by ``encode_rows`` (a line per
        ``ROWS_PER_LINE`` rows, input order; ``ok`` and ``failed`` from ``saved_counts``).

        ``lines`` is read as the file is written, so it may be fed a line at a time by
        another thread: the window encodes on its event loop in short steps (encoding in
        a worker would hold the GIL the UI thread needs for every paint) and this writes
        in a worker. If ``lines`` raises, the file on disk is left as it was.
        """
        path = self.path_of(entry_id)
        if self._keep == 0:
            # History is off: nothing is written, and what was kept goes.
            with self._lock:
                self._prune_locked(0, protect=None)
            return HistoryEntry(entry_id, created_at, created_at, total, 0, 0, profile, name)
        entry = HistoryEntry(
            id=entry_id,
            created_at=created_at,
            updated_at=time.time() if now is None else now,
            total=total,
            ok=ok,
            failed=failed,
            profile=profile,
            name=_list_name(name),
        )

        def write(handle: TextIO) -> None:
            handle.write(_ENCODER.encode(_header(entry)))
            handle.write("\n")
            for line in lines:
                handle.write(line)
                handle.write("\n")

        with self._lock:
            _write_atomic(path, write)
            self._write_current(entry_id)
            self._prune_locked(self._keep, protect=entry_id)
        return entry

    def set_current(self, entry_id: str | None) -> None:
        """Name the list the next start restores (None: start with an empty list)."""
        if entry_id is not None:
            validate_entry_id(entry_id)
        with self._lock:
            self._write_current(entry_id)

    def _write_current(self, entry_id: str | None) -> None:
        text = _ENCODER.encode({"id": entry_id}) + "\n"
        _write_atomic(self.directory / CURRENT_FILE, lambda handle: handle.write(text))

    def delete(self, entry_id: str) -> None:
        with self._lock:
            self.path_of(entry_id).unlink(missing_ok=True)

    def prune(self, keep: int | None = None, *, protect: str | None = None) -> list[str]:
        """Delete all but the newest ``keep`` lists (default: ``self.keep``); return ids.

        ``protect`` (the list on screen) stays and counts towards ``keep``, unless
        ``keep`` is 0 (history off: every list goes)."""
        keep = self._keep if keep is None else keep
        with self._lock:
            return self._prune_locked(keep, protect=protect if keep > 0 else None)

    def _prune_locked(self, keep: int, protect: str | None) -> list[str]:
        entries = self._entries_locked()
        removed: list[str] = []
        # The list just saved always stays, and counts towards ``keep``.
        kept = 1 if protect is not None and any(e.id == protect for e in entries) else 0
        for entry in entries:  # newest first
            if entry.id == protect:
                continue
            if kept < keep:
                kept += 1
                continue
            with contextlib.suppress(OSError):
                self.path_of(entry.id).unlink(missing_ok=True)
                removed.append(entry.id)
        if keep == 0:
            # No history kept: nothing to restore either.
            with contextlib.suppress(OSError):
                (self.directory / CURRENT_FILE).unlink(missing_ok=True)
        self._sweep_stale_temps()
        return removed

    def _sweep_stale_temps(self) -> None:
        """Delete what a save cut short by a crash left (``.<name>.<random>.tmp``, up to
        a list's size each): nothing lists or reads them."""
        cutoff = time.time() - STALE_TEMP_S
        with contextlib.suppress(OSError):
            for path in self.directory.iterdir():
                name = path.name
                if not (name.startswith(".") and name.endswith(".tmp")):
                    continue
                with contextlib.suppress(OSError):
                    if path.is_file() and path.stat().st_mtime < cutoff:
                        path.unlink()

    # -- reading ----------------------------------------------------------------------

    def entries(self) -> list[HistoryEntry]:
        """Every readable list, most recently saved first."""
        with self._lock:
            return self._entries_locked()

    def _entries_locked(self) -> list[HistoryEntry]:
        try:
            names = [p for p in self.directory.iterdir() if p.name.endswith(FILE_SUFFIX)]
        except FileNotFoundError:
            return []
        except OSError as exc:
            log.warning("cannot list the history folder: %s", type(exc).__name__)
            return []
        entries: list[HistoryEntry] = []
        for path in names:
            entry_id = path.name[: -len(FILE_SUFFIX)]
            if not _ENTRY_ID_RE.match(entry_id):
                continue
            entry = self._read_header(path, entry_id)
            if entry is not None:
                entries.append(entry)
        entries.sort(key=lambda e: (e.updated_at, e.id), reverse=True)
        return entries

    @staticmethod
    def _read_header(path: Path, entry_id: str) -> HistoryEntry | None:
        try:
            with path.open("r", encoding="utf-8") as handle:
                line = handle.readline(MAX_HEADER_BYTES)
        except (OSError, UnicodeDecodeError):
            return None
        entry = _entry_from_header(line, entry_id)
        if entry is None:
            log.warning("skipping an unreadable history file")
        return entry

    def current_id(self) -> str | None:
        """The list to restore at start: the one named current, else the newest.

        None when the user last cleared the list (or there is no history). A named list
        whose file is there but cannot be read is still the one named (``load`` then
        says so), never silently another.
        """
        try:
            data = json.loads((self.directory / CURRENT_FILE).read_text(encoding="utf-8"))
        except FileNotFoundError:
            data = None
        except (OSError, UnicodeDecodeError, ValueError, RecursionError):
            data = None
        entries = self.entries()
        known = {e.id for e in entries}
        if isinstance(data, dict) and "id" in data:
            named = data["id"]
            if named is None:
                return None
            if isinstance(named, str) and (named in known or self._is_there(named)):
                return named
        return entries[0].id if entries else None

    def _is_there(self, entry_id: str) -> bool:
        try:
            return self.path_of(entry_id).exists()
        except (InputError, OSError):
            return False

    def load(self, entry_id: str) -> HistoryList:
        """Read list ``entry_id``; damaged rows are skipped and counted, never fatal.

        ``InputError`` when the list does not exist or its header is unreadable.
        """
        path = self.path_of(entry_id)
        try:
            handle = path.open("r", encoding="utf-8")
        except OSError:
            raise InputError(_GONE) from None
        ids: list[FileId] = []
        results: list[LinkResult | None] = []
        downloads: list[SessionFile | None] = []
        skipped = 0
        with handle:
            try:
                entry = _entry_from_header(handle.readline(MAX_HEADER_BYTES), entry_id)
            except UnicodeDecodeError:
                entry = None
            if entry is None:
                raise InputError(_UNREADABLE)
            seen: set[str] = set()
            while True:
                try:
                    line = handle.readline()
                except UnicodeDecodeError:
                    skipped += 1
                    break
                if not line:
                    break
                if not line.strip():
                    continue
                try:
                    items = json.loads(line)
                except (ValueError, RecursionError):
                    items = None
                if not isinstance(items, list):
                    skipped += 1  # a damaged line: its rows are gone, the rest is kept
                    continue
                for item in items:
                    row = _row_from_json(item)
                    if row is None or row[0].raw in seen:
                        skipped += 1
                        continue
                    seen.add(row[0].raw)
                    ids.append(row[0])
                    results.append(row[1])
                    downloads.append(row[2])
        return HistoryList(
            entry=entry, ids=ids, results=results, skipped=skipped, downloads=downloads
        )
