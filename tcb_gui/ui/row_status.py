"""What a row's Status says: the outcome in a word or two, its icon, and the full story.

One column tells the whole life of a file: "Pending", "Resolving…", "Ready", the
specific failure ("Not found", "No permission", "Wrong environment", "Token rejected",
"Network error", …), then its download ("Queued", "Downloading 45 %", "Saved",
"Verified", "Download failed: …"). The short words are what an operator scans for; the
full reason and what to do about it are one hover (the tooltip) or one keypress (the
details pane, Ctrl+I) away: ``StatusWords.details``.

A failed row's kind of failure is read from core's result once per distinct
(kind, status, message) — a batch's rows share one — so painting stays cheap.
"""

from __future__ import annotations

from enum import Enum, IntEnum
from typing import TYPE_CHECKING, Final, Protocol

from PySide6.QtCore import QObject

from tcb_gui.core.download_states import FileState, Integrity
from tcb_gui.core.errors import ERRCODES, ErrorKind, refused_errcode
from tcb_gui.ui.icons import Glyph
from tcb_gui.ui.palette import Tone

if TYPE_CHECKING:
    from tcb_gui.core.client import LinkResult
    from tcb_gui.ui.download_cells import DownloadCell


class RowState(IntEnum):
    """A row's place in its life. The order is the order of the Status sort."""

    FAILED = 0
    PAUSED = 1
    PENDING = 2
    RESOLVING = 3
    OK = 4


# The members ``resolve_text`` compares with, looked up once: ``RowState.OK`` costs ~70 ns
# a time on Python 3.11, and the text filter asks every row's words (100,000 a filter).
_OK, _FAILED, _RESOLVING, _PAUSED = (
    RowState.OK,
    RowState.FAILED,
    RowState.RESOLVING,
    RowState.PAUSED,
)


class Row(Protocol):
    """What the words need of a row (``results_model.Row``)."""

    @property
    def state(self) -> RowState: ...
    @property
    def result(self) -> LinkResult | None: ...
    @property
    def expired(self) -> bool: ...
    @property
    def download(self) -> DownloadCell | None: ...


class Failure(Enum):
    """Why a file has no link, as the Status column names it."""

    NOT_FOUND = "not_found"
    NO_PERMISSION = "no_permission"
    WRONG_ENV = "wrong_env"
    UNKNOWN_ENV = "unknown_env"
    STORAGE = "storage"
    BAD_LINK = "bad_link"
    TOKEN = "token"
    QUOTA = "quota"
    IP = "ip"
    ACCOUNT = "account"
    NETWORK = "network"
    BUSY = "busy"
    REJECTED = "rejected"
    BUG = "bug"
    OTHER = "other"


# Per-file statuses of batchdownloadfile (docs/WECHAT_API.md#error-codes).
_FILE_STATUS: Final = {
    -503003: Failure.NOT_FOUND,
    -503002: Failure.NO_PERMISSION,
    -501005: Failure.WRONG_ENV,
    -503001: Failure.STORAGE,
}
_REQUEST_CODES: Final = {
    -501005: Failure.UNKNOWN_ENV,
    -501009: Failure.UNKNOWN_ENV,
    45009: Failure.QUOTA,
    -501015: Failure.QUOTA,
    -501016: Failure.QUOTA,
    40164: Failure.IP,
    89503: Failure.IP,
    89506: Failure.IP,
    89507: Failure.IP,
}
# A run stopped by the account (quota, allowlist): its rows say "Not resolved: <why>".
_CONFIG_MESSAGES: Final = tuple(
    (ERRCODES[code].message, failure)
    for code, failure in _REQUEST_CODES.items()
    if code in ERRCODES and ERRCODES[code].kind is ErrorKind.CONFIG
)
_KIND_FAILURE: Final = {
    ErrorKind.TOKEN: Failure.TOKEN,
    ErrorKind.NETWORK: Failure.NETWORK,
    ErrorKind.RETRYABLE: Failure.BUSY,
    ErrorKind.REQUEST: Failure.REJECTED,
    ErrorKind.CONFIG: Failure.ACCOUNT,
    ErrorKind.CLIENT: Failure.BUG,
}
_cache: dict[tuple[ErrorKind | None, int | None, str], Failure] = {}
_CACHE_SIZE: Final = 512


def failure_of(result: LinkResult) -> Failure:
    """The kind of failure of a result without a link."""
    key = (result.kind, result.status, result.errmsg)
    found = _cache.get(key)
    if found is None:
        found = _classify(result)
        if len(_cache) >= _CACHE_SIZE:
            _cache.clear()
        _cache[key] = found
    return found


def _classify(result: LinkResult) -> Failure:
    kind = result.kind
    if kind is ErrorKind.FILE:
        if result.status in _FILE_STATUS:
            return _FILE_STATUS[result.status]
        return Failure.BAD_LINK if result.status == 0 else Failure.OTHER
    code = refused_errcode(result.errmsg)
    if code is not None:
        found = _REQUEST_CODES.get(code)
        if found is not None:
            return found
    if kind is ErrorKind.CONFIG:
        for text, failure in _CONFIG_MESSAGES:
            if text in result.errmsg:
                return failure
    return _KIND_FAILURE.get(kind, Failure.OTHER) if kind is not None else Failure.OTHER


_FAILURE_TONE: Final = {
    Failure.NETWORK: Tone.WARNING,
    Failure.BUSY: Tone.WARNING,
}

# Download states: their icon and colour in the Status column and the panel.
DOWNLOAD_LOOK: Final = {
    FileState.QUEUED: (Glyph.PENDING, Tone.NEUTRAL),
    FileState.DOWNLOADING: (Glyph.RESOLVING, Tone.INFO),
    FileState.PAUSED: (Glyph.PAUSED, Tone.WARNING),
    FileState.DONE: (Glyph.OK, Tone.SUCCESS),
    FileState.SKIPPED: (Glyph.OK, Tone.SUCCESS),
    FileState.FAILED: (Glyph.FAILED, Tone.DANGER),
    FileState.CANCELLED: (Glyph.PENDING, Tone.NEUTRAL),
}
# Cells that say more than the resolve state while the row is being resolved again.
ACTIVE_DOWNLOAD: Final = frozenset({FileState.QUEUED, FileState.DOWNLOADING, FileState.PAUSED})


def download_shown(row: Row) -> DownloadCell | None:
    """The row's download when it is what its Status says (module docstring)."""
    cell = row.download
    if cell is None:
        return None
    if cell.state in ACTIVE_DOWNLOAD or cell.waiting_for_token:
        return cell
    return None if row.state is _RESOLVING else cell


class StatusWords(QObject):
    """The translated words of the Status column and the details pane."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pending = self.tr("Pending")
        self.resolving = self.tr("Resolving…")
        self.ready = self.tr("Ready")
        self.expired = self.tr("Link expired")
        self.waiting = self.tr("Waiting for token")
        self.download_failed = self.tr("Download failed")
        self.failures = {
            Failure.NOT_FOUND: self.tr("Not found"),
            Failure.NO_PERMISSION: self.tr("No permission"),
            Failure.WRONG_ENV: self.tr("Wrong environment"),
            Failure.UNKNOWN_ENV: self.tr("Unknown environment"),
            Failure.STORAGE: self.tr("Storage error"),
            Failure.BAD_LINK: self.tr("No usable link"),
            Failure.TOKEN: self.tr("Token rejected"),
            Failure.QUOTA: self.tr("Quota used up"),
            Failure.IP: self.tr("IP not allowed"),
            Failure.ACCOUNT: self.tr("Account problem"),
            Failure.NETWORK: self.tr("Network error"),
            Failure.BUSY: self.tr("Service busy"),
            Failure.REJECTED: self.tr("Request refused"),
            Failure.BUG: self.tr("App error"),
            Failure.OTHER: self.tr("Failed"),
        }
        self.hints = {
            Failure.NOT_FOUND: self.tr(
                "The file is not in this environment: it was deleted, moved, or the ID has a typo."
            ),
            Failure.NO_PERMISSION: self.tr(
                "The storage's permission rules do not let this account read the file. "
                "Check the rules in the CloudBase console (存储 → 权限设置)."
            ),
            Failure.WRONG_ENV: self.tr(
                "The file belongs to another environment than the ID names. Check the "
                "environment ID in the file ID."
            ),
            Failure.UNKNOWN_ENV: self.tr(
                "The service does not know this environment for this token's account. Check "
                "the environment ID, or use the token of the account that owns it."
            ),
            Failure.TOKEN: self.tr("Set a valid token (Token ▸ Set token…), then Retry failed."),
            Failure.QUOTA: self.tr("Try again once the quota resets (usually the next day)."),
            Failure.IP: self.tr(
                "Add this computer's address to the IP allowlist in the WeChat MP console."
            ),
            Failure.NETWORK: self.tr("Retry failed (Ctrl+R) once the network is back."),
            Failure.BUSY: self.tr("Retry failed (Ctrl+R) in a moment."),
            Failure.REJECTED: self.tr("Retry failed (Ctrl+R) may help; the reason says more."),
        }

    # --- the Status cell ----------------------------------------------------------------

    def text(self, row: Row) -> str:
        cell = download_shown(row)
        if cell is not None:
            return cell.text
        return self.resolve_text(row)

    def short_text(self, row: Row) -> str:
        """The Status in a word or two, without a failed download's reason."""
        cell = download_shown(row)
        if cell is not None and cell.state is FileState.FAILED and not cell.waiting_for_token:
            return self.download_failed
        return self.text(row)

    def resolve_text(self, row: Row) -> str:
        """What the row's link came to, whatever its download did."""
        state = row.state
        if state is _OK:
            return self.expired if row.expired else self.ready
        if state is _FAILED and row.result is not None:
            return self.failures[failure_of(row.result)]
        if state is _RESOLVING:
            return self.resolving
        if state is _PAUSED:
            return self.waiting
        return self.pending

    def look(self, row: Row) -> tuple[Glyph, Tone]:
        cell = download_shown(row)
        if cell is not None:
            if cell.waiting_for_token:
                return Glyph.PAUSED, Tone.DANGER
            return DOWNLOAD_LOOK[cell.state]
        state = row.state
        if state is RowState.OK:
            return (Glyph.EXPIRED, Tone.WARNING) if row.expired else (Glyph.OK, Tone.SUCCESS)
        if state is RowState.FAILED:
            failure = failure_of(row.result) if row.result is not None else Failure.OTHER
            return Glyph.FAILED, _FAILURE_TONE.get(failure, Tone.DANGER)
        if state is RowState.RESOLVING:
            return Glyph.RESOLVING, Tone.INFO
        if state is RowState.PAUSED:
            return Glyph.PAUSED, Tone.WARNING
        return Glyph.PENDING, Tone.NEUTRAL

    # --- the full story ------------------------------------------------------------------

    def reason(self, row: Row) -> str:
        """The full reason of a failure (resolve or download), or "" when none."""
        from tcb_gui.ui.core_text import core_text  # not before the first paint: no row fails

        cell = download_shown(row)
        if cell is not None and cell.state is FileState.FAILED and cell.errmsg:
            return core_text(cell.errmsg)
        result = row.result
        if row.state in (RowState.FAILED, RowState.PAUSED) and result is not None:
            return core_text(result.errmsg)
        return ""

    def hint(self, row: Row) -> str:
        """What to do about a failed row ("" when nothing useful can be said)."""
        cell = download_shown(row)
        if cell is not None and cell.waiting_for_token:
            return self.tr("Set a valid token, then Resume downloads.")
        if cell is not None and cell.state is FileState.FAILED:
            if cell.kind is ErrorKind.CONFIG:
                # The reason says what to do (the quota resets tomorrow, the IP must be
                # allowed, the folder made writable, the environment ID checked): trying
                # again now fails the same way.
                return ""
            result = row.result
            if result is not None and not result.ok and result.kind is ErrorKind.FILE:
                # The service refused this file's link (not found, no permission): asked
                # again, it answers the same; say what to check instead.
                return self.hints.get(failure_of(result), "")
            return self.tr("Retry failed downloads (Ctrl+Shift+D) to try it again.")
        if row.state is RowState.PAUSED:
            return self.tr("Set a valid token, then Resume to resolve this file.")
        if row.state is RowState.FAILED and row.result is not None:
            return self.hints.get(failure_of(row.result), "")
        if row.state is RowState.OK and row.expired:
            return self.tr("Refresh expired (Ctrl+F5) gets a new link.")
        return ""

    def tooltip(self, row: Row) -> str:
        """The Status cell's tooltip: the words, the full reason, what to do."""
        lines = [self.text(row)]
        reason = self.reason(row)
        if reason and reason not in lines[0]:
            lines.append(reason)
        cell = download_shown(row)
        if cell is not None and cell.tooltip and cell.state is not FileState.FAILED:
            lines.append(cell.tooltip)
        hint = self.hint(row)
        if hint:
            lines.append(hint)
        return "\n".join(lines)

    def integrity_words(self, integrity: Integrity | None) -> str:
        if integrity is Integrity.VERIFIED:
            return self.tr("its CRC-64 checksum matches the storage's")
        if integrity is Integrity.SIZE_CHECKED:
            return self.tr("its size matches (the storage offered no checksum)")
        if integrity is Integrity.UNCHECKED:
            return self.tr("not checked (the storage announced neither a checksum nor a size)")
        return ""
