"""A row's download as the window shows it: frozen cells and the words on them.

A ``DownloadCell`` is plain data (state, bytes, speed, the words to show) that
``CellTexts`` builds from the engine's ``FileProgress``; the results model keeps it on
the row, its words become the row's Status ("Downloading 45 %", "Verified", "Download
failed: …") and ``delegates.StatusDelegate`` paints a moving file's bar.
``DownloadSummary`` is what one run did, as the panel says it (from core's
``DownloadCounts``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

from PySide6.QtCore import QLocale, QObject

from tcb_gui.core.download_progress import FileProgress
from tcb_gui.core.download_states import FileState, Integrity
from tcb_gui.core.errors import ErrorKind
from tcb_gui.ui.core_text import core_text
from tcb_gui.ui.formatting import fmt_int

if TYPE_CHECKING:
    from tcb_gui.core.download_run import DownloadCounts
    from tcb_gui.core.download_session import SessionFile

# Sort order of the Download column: failures first, as in the Status column.
_STATE_ORDER: Final = {
    FileState.FAILED: 0,
    FileState.CANCELLED: 1,
    FileState.PAUSED: 2,
    FileState.QUEUED: 3,
    FileState.DOWNLOADING: 4,
    FileState.SKIPPED: 5,
    FileState.DONE: 6,
}


def plural_format(n: int, one: str, many: str, **fields: object) -> str:
    """Like ``formatting.plural``, for templates with more fields than ``{n}``."""
    return (one if n == 1 else many).format(n=fmt_int(n), **fields)


def fmt_size(n: int) -> str:
    """Bytes in IEC units in the user's locale: "12.3 MiB", "1.2 GiB"."""
    return QLocale().formattedDataSize(max(0, n), 1, QLocale.DataSizeFormat.DataSizeIecFormat)


@dataclass(frozen=True, slots=True)
class DownloadCell:
    """One row's download, as shown. Built by ``CellTexts``; never mutated."""

    state: FileState
    bytes_done: int = 0
    bytes_total: int | None = None
    speed: float | None = None  # bytes/s while downloading, once measured
    path: Path | None = None
    errmsg: str = ""
    text: str = ""
    tooltip: str = ""
    waiting_for_token: bool = False
    integrity: Integrity | None = None  # how a saved file was checked
    kind: ErrorKind | None = None  # why it failed, once the run has ended (core's word)

    @property
    def fraction(self) -> float | None:
        if self.state in (FileState.DONE, FileState.SKIPPED):
            return 1.0
        if not self.bytes_total:
            return None
        return min(1.0, self.bytes_done / self.bytes_total)

    @property
    def sort_key(self) -> tuple[int, float]:
        return (_STATE_ORDER[self.state], self.fraction or 0.0)

    @property
    def finished(self) -> bool:
        """Saved on disk (downloaded now or complete from before)."""
        return self.state in (FileState.DONE, FileState.SKIPPED)


@dataclass(frozen=True, slots=True)
class DownloadSummary:
    """What one run did, for the panel and the tests."""

    dest: Path
    downloaded: int = 0
    downloaded_bytes: int = 0
    skipped: int = 0
    failed: int = 0
    stopped: int = 0  # cancelled, or interrupted by a full disk
    waiting: int = 0  # paused until the token works again
    repaired: int = 0  # of those downloaded: saved over a damaged copy of an earlier run's
    cancelled: bool = False  # by the user
    disk_full: bool = False  # stopped because the folder's disk filled up
    first_failure: tuple[str, str] | None = None  # (file, reason) of the first failed file
    shared_failure: str | None = None  # the reason, when every failed file failed for it

    @property
    def total(self) -> int:
        return self.downloaded + self.skipped + self.failed + self.stopped + self.waiting


def summarise(
    dest: Path,
    counts: DownloadCounts,
    *,
    cancelled: bool = False,
    disk_full: bool = False,
    first_failure: tuple[str, str] | None = None,
    shared_failure: str | None = None,
) -> DownloadSummary:
    """The summary of a run into ``dest`` from core's counts of it."""
    return DownloadSummary(
        dest=dest,
        downloaded=counts.downloaded,
        downloaded_bytes=counts.downloaded_bytes,
        skipped=counts.skipped,
        failed=counts.failed,
        stopped=counts.stopped,
        waiting=counts.waiting,
        repaired=counts.repaired,
        cancelled=cancelled,
        disk_full=disk_full,
        first_failure=first_failure,
        shared_failure=shared_failure,
    )


class CellTexts(QObject):
    """Turns engine progress into ``DownloadCell`` with translated words."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._queued = DownloadCell(
            FileState.QUEUED,
            text=self.tr("Queued"),
            tooltip=self.tr("Waiting for its turn to download"),
        )

    def queued(self) -> DownloadCell:
        """The cell of every file not started yet (shared: 10,000 rows, one object)."""
        return self._queued

    @staticmethod
    def percent(done: int, total: int | None) -> int | None:
        if not total:
            return None
        return min(100, done * 100 // total)

    def _amount(self, done: int, total: int | None) -> str:
        if total:
            return self.tr("{done} of {total}").format(done=fmt_size(done), total=fmt_size(total))
        return fmt_size(done)

    def cell(self, p: FileProgress) -> DownloadCell:
        """The cell of the engine's progress report of one file."""
        return self._make(
            p.state, p.bytes_done, p.bytes_total, p.speed, p.path, p.errmsg, p.integrity
        )

    def restate(self, old: DownloadCell, state: FileState) -> DownloadCell:
        """``old`` moved to ``state``, its bytes and path kept."""
        return self._make(state, old.bytes_done, old.bytes_total, None, old.path, "", None)

    def _make(
        self,
        state: FileState,
        bytes_done: int,
        bytes_total: int | None,
        speed_bps: float | None,
        path: Path | None,
        errmsg: str,
        integrity: Integrity | None,
    ) -> DownloadCell:
        where = str(path) if path is not None else ""
        percent = self.percent(bytes_done, bytes_total)
        amount = self._amount(bytes_done, bytes_total)
        if state is FileState.QUEUED and not bytes_done:
            return self._queued
        if state is FileState.DOWNLOADING:
            if percent is None:
                text = self.tr("Downloading…")
            elif percent >= 100:
                # Every byte is in: the file is being checked and made durable.
                text = self.tr("Finishing…")
            else:
                text = self.tr("Downloading {percent} %").format(percent=percent)
            if speed_bps is None:  # not timed yet: no "0 B/s" for a transfer just begun
                tip = self.tr("Downloading: {amount}").format(amount=amount)
            else:
                speed = self.tr("{size}/s").format(size=fmt_size(int(speed_bps)))
                tip = self.tr("Downloading: {amount} at {speed}").format(amount=amount, speed=speed)
        elif state is FileState.PAUSED:
            text = (
                self.tr("Paused at {percent} %").format(percent=percent)
                if percent is not None and bytes_done
                else self.tr("Paused")
            )
            tip = self.tr("Paused with {amount} saved; Resume goes on from there.").format(
                amount=amount
            )
        elif state is FileState.DONE:
            verified = integrity is Integrity.VERIFIED
            text = self.tr("Verified") if verified else self.tr("Saved")
            tip = (
                self.tr("Saved to {path} ({size}); its CRC-64 checksum matches the storage's.")
                if verified
                else self.tr("Saved to {path} ({size}).")
            ).format(path=where, size=fmt_size(bytes_done))
        elif state is FileState.SKIPPED:
            text = self.tr("Already saved")
            tip = self.tr("Already complete on disk ({size}): {path}").format(
                size=fmt_size(bytes_done), path=where
            )
        elif state is FileState.FAILED:
            reason = core_text(errmsg) if errmsg else self.tr("unknown reason")
            text = self.tr("Download failed: {reason}").format(reason=reason)
            tip = where
        elif state is FileState.CANCELLED:
            text = (
                self.tr("Stopped at {percent} %").format(percent=percent)
                if percent is not None and bytes_done
                else self.tr("Stopped")
            )
            # bytes_done is what the engine kept on the disk (core's word): none kept,
            # none claimed.
            tip = (
                self.tr("Stopped before the end; downloading again resumes from {amount}.").format(
                    amount=fmt_size(bytes_done)
                )
                if bytes_done
                else self.tr("Stopped before the end; downloading again starts from the beginning.")
            )
        else:
            return self._queued
        if where and state in (FileState.DOWNLOADING, FileState.PAUSED, FileState.CANCELLED):
            tip += "\n" + where
        return DownloadCell(
            state=state,
            bytes_done=bytes_done,
            bytes_total=bytes_total,
            speed=speed_bps if state is FileState.DOWNLOADING else None,
            path=path,
            errmsg=errmsg,
            text=text,
            tooltip=tip,
            integrity=integrity if state in (FileState.DONE, FileState.SKIPPED) else None,
        )

    def waiting_for_token(self, old: DownloadCell | None) -> DownloadCell:
        """A file stopped because the token failed: it goes on once the token works."""
        done = old.bytes_done if old is not None else 0
        total = old.bytes_total if old is not None else None
        percent = self.percent(done, total)
        return DownloadCell(
            state=FileState.PAUSED,
            bytes_done=done,
            bytes_total=total,
            path=old.path if old is not None else None,
            text=self.tr("Waiting for token"),
            tooltip=(
                self.tr(
                    "Set a valid token, then Resume: this file goes on from {percent} %."
                ).format(percent=percent)
                if percent is not None and done
                else self.tr("Set a valid token, then Resume to download this file.")
            ),
            waiting_for_token=True,
        )

    def from_session(self, f: SessionFile) -> DownloadCell:
        """A file of a list saved by an earlier run of the app."""
        # Whatever an unfinished file was doing when the app went away, it is paused now.
        state = FileState.PAUSED if f.unfinished else f.state
        path = Path(f.path) if f.path else None
        # A saved file says how it was checked (Verified stays Verified after a restart);
        # one whose list did not keep that reads as saved, never as verified.
        integrity = f.integrity if f.complete else None
        return self._make(state, f.bytes_done, f.bytes_total, 0.0, path, f.errmsg, integrity)
