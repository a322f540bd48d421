"""The strip under the table while files download, and what the run did afterwards.

``DownloadsPanel`` says the truth about a run: its headline names the state
("Downloading 196 files to …", "Paused: …", "Cancelled: …", "Finished: …"); the detail
line counts files and bytes against the total of the whole run — "of about 240 MiB"
while some sizes are still unknown (core extrapolates, ``TotalProgress.total_estimated``),
or only the bytes "so far" while too few files are sized for a total worth saying (core
then gives none: ``progress.MAX_EXTRAPOLATION``) — with the speed and the time left as a
duration (``formatting.fmt_eta``, never the link-expiry countdown). Afterwards it names
a single failed file and its reason, or offers "Show failed", "Retry failed" and
"Download the rest" — enabled while files of the run are left to fetch (``rest``, which
the controller counts again when rows leave the list), and saying how many. Failed files
Retry failed leaves out (the service's last word on them: core's
``download_states.retry_can_help``) are counted in the notes (``not_retried``), never
dropped silently; with none worth retrying the button is greyed out and says why.

Each row's own progress is its Status cell (``delegates.StatusDelegate``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSpacerItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from tcb_gui.core.download_progress import TotalProgress
from tcb_gui.ui.banner import paint_tone_frame
from tcb_gui.ui.download_cells import DownloadSummary, fmt_size, plural_format
from tcb_gui.ui.formatting import fmt_eta, fmt_int, plain_tip, plural
from tcb_gui.ui.icons import Glyph, icon
from tcb_gui.ui.narrow import StackingRow
from tcb_gui.ui.palette import Tone

# The overall bar counts in thousandths: smooth for any size (QProgressBar is 32-bit).
BAR_STEPS: Final = 1000
PANEL_RADIUS = 6.0
PANEL_ICON = 20
# Narrower than this, the title and details would wrap a word or two a line beside the
# buttons: the buttons go under them instead.
TEXT_LEAST_WIDTH = 260


class DownloadsPanel(QWidget):
    """The strip under the table while downloads run, and their summary afterwards."""

    pauseRequested = Signal()
    resumeRequested = Signal()
    cancelRequested = Signal()
    showFolderRequested = Signal()
    retryRequested = Signal()
    restRequested = Signal()  # download what a cancelled or stopped run left
    showFailedRequested = Signal()  # show the rows whose download failed

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("downloads-panel")
        self.tone = Tone.INFO
        self.dest: Path | None = None
        self.summary: DownloadSummary | None = None
        self.paused = False
        self.last: TotalProgress | None = None  # the latest report of the run under way
        self.rest = 0  # files of the ended run that "Download the rest" would fetch
        self.not_retried = 0  # failed files that Retry failed leaves out
        self._files = 0
        outer = QHBoxLayout(self)
        outer.setContentsMargins(12, 8, 8, 8)
        outer.setSpacing(10)
        self._icon = QLabel(self)
        self._icon.setFixedSize(PANEL_ICON, PANEL_ICON)
        outer.addWidget(self._icon, 0, Qt.AlignmentFlag.AlignTop)
        column = QVBoxLayout()
        column.setSpacing(4)
        self.title_label = QLabel(self)
        self.title_label.setTextFormat(Qt.TextFormat.PlainText)  # a folder's name, as it is
        self.title_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.title_label.setWordWrap(True)
        self.title_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        font = self.title_label.font()
        font.setWeight(font.Weight.DemiBold)
        self.title_label.setFont(font)
        column.addWidget(self.title_label)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, BAR_STEPS)
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(8)
        self.bar.setAccessibleName(self.tr("Download progress"))
        column.addWidget(self.bar)
        self.detail_label = QLabel(self)
        self.detail_label.setTextFormat(Qt.TextFormat.PlainText)  # a file's name, a host's words
        self.detail_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail_label.setWordWrap(True)
        self.detail_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        column.addWidget(self.detail_label)
        # The text's least readable width: narrower, the buttons go under it (StackingRow).
        column.addSpacerItem(QSpacerItem(TEXT_LEAST_WIDTH, 0, QSizePolicy.Policy.Minimum))
        buttons = QHBoxLayout()
        buttons.setSpacing(6)
        self.pause_button = QPushButton(icon(Glyph.PAUSED), self.tr("Pause"), self)
        self.pause_button.setToolTip(
            self.tr("Pause the downloads; partial files are kept (Ctrl+P)")
        )
        self.pause_button.clicked.connect(self._toggle_pause)
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        self.cancel_button.setToolTip(
            self.tr(
                "Stop the downloads; finished files stay, partial files resume next time "
                "(Shift+Esc)"
            )
        )
        self.cancel_button.clicked.connect(self.cancelRequested)
        self.failed_button = QPushButton(self.tr("Show failed"), self)
        self.failed_button.setToolTip(self.tr("Show only the rows whose download failed"))
        self.failed_button.clicked.connect(self.showFailedRequested)
        self.retry_button = QPushButton(self.tr("Retry failed"), self)
        self.retry_button.setToolTip(
            self.tr("Download the failed files again, into the same folder (Ctrl+Shift+D)")
        )
        self.retry_button.clicked.connect(self.retryRequested)
        self.rest_button = QPushButton(self.tr("Download the rest"), self)
        self.rest_button.setEnabled(False)
        self.rest_button.clicked.connect(self.restRequested)
        self.folder_button = QPushButton(icon(Glyph.FOLDER), self.tr("Show in folder"), self)
        self.folder_button.clicked.connect(self.showFolderRequested)
        self.close_button = QToolButton(self)
        self.close_button.setText("✕")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip(self.tr("Dismiss"))
        self.close_button.clicked.connect(self.hide)
        for button in (
            self.pause_button,
            self.cancel_button,
            self.failed_button,
            self.retry_button,
            self.rest_button,
            self.folder_button,
        ):
            buttons.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
        buttons.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        buttons.addStretch(0)
        outer.addLayout(StackingRow(column, buttons, spacing=10), 1)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.hide()

    # --- states ---------------------------------------------------------------------

    def _set_tone(self, tone: Tone, glyph: Glyph) -> None:
        self.tone = tone
        self._icon.setPixmap(icon(glyph, tone).pixmap(PANEL_ICON, PANEL_ICON))
        self.update()

    def start(self, dest: Path, files: int) -> None:
        """A run begins: ``files`` files into ``dest``."""
        self.dest = dest
        self.summary = None
        self.paused = False
        self.last = None
        self.rest = 0
        self.not_retried = 0
        self._files = files
        self._set_tone(Tone.INFO, Glyph.RESOLVING)
        self.title_label.setText(self.headline())
        self.title_label.setToolTip(plain_tip(str(dest)))
        self.bar.setValue(0)
        self.bar.show()
        self.detail_label.setText(self.tr("Starting…"))
        self._show_buttons(running=True)
        self.pause_button.setText(self.tr("Pause"))
        self.pause_button.setIcon(icon(Glyph.PAUSED))
        self.show()

    def headline(self) -> str:
        """What the run is doing, said first: downloading, or paused."""
        dest = self.dest if self.dest is not None else ""
        if self.paused:
            last = self.last
            done = last.files_done if last is not None else 0
            # "saved", not "downloaded": the count holds the files already there, as
            # the Cancelled and Finished headlines count them.
            return plural_format(
                self._files,
                self.tr("Paused: {done} of 1 file saved in {folder}"),
                self.tr("Paused: {done} of {n} files saved in {folder}"),
                done=fmt_int(done),
                folder=dest,
            )
        return plural_format(
            self._files,
            self.tr("Downloading 1 file to {folder}"),
            self.tr("Downloading {n} files to {folder}"),
            folder=dest,
        )

    def set_progress(self, total: TotalProgress) -> None:
        self.last = total
        if total.bytes_total > 0:
            value = total.bytes_done * BAR_STEPS // total.bytes_total
        elif total.files_total:
            value = (total.files_done + total.files_failed) * BAR_STEPS // total.files_total
        else:
            value = 0
        self.bar.setValue(max(0, min(BAR_STEPS, value)))
        self.detail_label.setText(self.progress_text(total))
        if total.paused != self.paused:
            self.set_paused(total.paused)
        elif self.paused and self.summary is None:
            # Files in flight when Pause was pressed go on to the disk: the headline's
            # count follows them, as the line under it does.
            self.title_label.setText(self.headline())

    def progress_text(self, total: TotalProgress) -> str:
        """Files and bytes of the whole run, speed and time left: "67 of 196 files ·
        13.1 MiB of about 240.0 MiB · 992.8 KiB/s · 3 min 40 s left"."""
        parts = [
            self.tr("{done} of {total} files").format(
                done=fmt_int(total.files_done), total=fmt_int(total.files_total)
            )
        ]
        if total.bytes_total > 0 and total.total_estimated:
            parts.append(
                self.tr("{done} of about {total}").format(
                    done=fmt_size(total.bytes_done), total=fmt_size(total.bytes_total)
                )
            )
        elif total.bytes_total > 0:
            parts.append(
                self.tr("{done} of {total}").format(
                    done=fmt_size(total.bytes_done), total=fmt_size(total.bytes_total)
                )
            )
        elif total.bytes_done:
            parts.append(self.tr("{done} so far").format(done=fmt_size(total.bytes_done)))
        if total.paused:
            parts.append(self.tr("paused"))
        elif total.speed is not None:  # not measured yet in the run's first moments
            parts.append(self.tr("{size}/s").format(size=fmt_size(int(total.speed))))
            if total.eta is not None and total.speed > 0:
                parts.append(self.tr("{time} left").format(time=fmt_eta(total.eta)))
        if total.files_failed:
            parts.append(self.tr("{n} failed").format(n=fmt_int(total.files_failed)))
        return " · ".join(parts)

    def set_paused(self, paused: bool) -> None:
        self.paused = paused
        if paused:
            self.pause_button.setText(self.tr("Resume"))
            self.pause_button.setIcon(icon(Glyph.PLAY, Tone.INFO))
            self.pause_button.setToolTip(self.tr("Go on with the downloads (Ctrl+P)"))
            self._set_tone(Tone.WARNING, Glyph.PAUSED)
        else:
            self.pause_button.setText(self.tr("Pause"))
            self.pause_button.setIcon(icon(Glyph.PAUSED))
            self.pause_button.setToolTip(
                self.tr("Pause the downloads; partial files are kept (Ctrl+P)")
            )
            self._set_tone(Tone.INFO, Glyph.RESOLVING)
        if self.summary is None and self.dest is not None:
            self.title_label.setText(self.headline())

    def _toggle_pause(self) -> None:
        if self.paused:
            self.resumeRequested.emit()
        else:
            self.pauseRequested.emit()

    # --- the end ----------------------------------------------------------------------

    def summary_text(self, summary: DownloadSummary) -> str:
        """The headline of a run that ended: finished, cancelled, or waiting for a token."""
        saved = summary.downloaded + summary.skipped
        if summary.waiting:
            return plural_format(
                summary.total,
                self.tr("Paused for a valid token: {saved} of 1 file saved"),
                self.tr("Paused for a valid token: {saved} of {n} files saved"),
                saved=fmt_int(saved),
            )
        if summary.disk_full or summary.cancelled or summary.stopped:
            if summary.disk_full:
                # Not the user's Cancel: say what stopped it (the banner says what to do).
                one = self.tr("Stopped, the disk is full: {saved} of 1 file saved")
                many = self.tr("Stopped, the disk is full: {saved} of {n} files saved")
            elif summary.cancelled:
                one = self.tr("Cancelled: {saved} of 1 file saved")
                many = self.tr("Cancelled: {saved} of {n} files saved")
            else:
                one = self.tr("Stopped: {saved} of 1 file saved")
                many = self.tr("Stopped: {saved} of {n} files saved")
            text = plural_format(summary.total, one, many, saved=fmt_int(saved))
            if summary.downloaded_bytes:
                text = self.tr("{text} ({size})").format(
                    text=text, size=fmt_size(summary.downloaded_bytes)
                )
            return text
        if summary.downloaded:
            text = plural_format(
                summary.downloaded,
                self.tr("Finished: 1 file downloaded ({size})"),
                self.tr("Finished: {n} files downloaded ({size})"),
                size=fmt_size(summary.downloaded_bytes),
            )
        else:
            text = self.tr("Finished: nothing new downloaded")
        extras = []
        if summary.skipped:
            extras.append(self.tr("{n} already there").format(n=fmt_int(summary.skipped)))
        if summary.failed:
            extras.append(self.tr("{n} failed").format(n=fmt_int(summary.failed)))
        if extras:
            text = self.tr("{text}; {extras}").format(text=text, extras=self.tr(", ").join(extras))
        return text

    def failure_text(self, summary: DownloadSummary) -> str:
        """Which file failed and why, when one did; how to see them, when several did."""
        if not summary.failed:
            return ""
        if summary.failed == 1 and summary.first_failure is not None:
            key, reason = summary.first_failure
            return self.tr("Failed: {file} — {reason}").format(file=key, reason=reason)
        if summary.shared_failure:
            # One reason for all (a quota used up, a service gone): said here, not
            # behind Show failed.
            return self.tr("{n} files failed: {reason}").format(
                n=fmt_int(summary.failed), reason=summary.shared_failure
            )
        return plural(
            summary.failed,
            self.tr("1 file failed: Show failed lists it with its reason."),
            self.tr("{n} files failed: Show failed lists them with their reasons."),
        )

    def finish(
        self,
        summary: DownloadSummary,
        rest: int | None = None,
        *,
        retryable: int | None = None,
        not_retried: int = 0,
    ) -> None:
        """The run is over: say what it did, and offer the folder and what is left.
        ``rest``: how many files "Download the rest" would fetch (the controller's count;
        by default the files the run stopped). ``retryable`` / ``not_retried``: how many
        failed files of the list Retry failed would take (by default the run's failed
        ones) and leave out (the controller's count, by core's rule)."""
        self.summary = summary
        self.dest = summary.dest
        self.paused = False
        self.last = None
        self.rest = summary.stopped if rest is None else rest
        self.not_retried = not_retried
        self.title_label.setText(self.summary_text(summary))
        self._show_notes(summary)
        if summary.failed and not (summary.downloaded or summary.skipped):
            self._set_tone(Tone.DANGER, Glyph.FAILED)  # nothing got through
        elif summary.failed or summary.waiting or summary.disk_full:
            self._set_tone(Tone.WARNING, Glyph.WARNING)
        elif summary.stopped or summary.cancelled or self.rest:
            self._set_tone(Tone.NEUTRAL, Glyph.INFO)  # not all done: no green tick
        else:
            self._set_tone(Tone.SUCCESS, Glyph.OK)
        self.bar.hide()
        self._show_buttons(running=False)
        self.failed_button.setVisible(summary.failed > 1)
        self.retry_button.setVisible(summary.failed > 0)
        worth = summary.failed if retryable is None else retryable
        self.retry_button.setEnabled(worth > 0)
        self.retry_button.setToolTip(
            self.tr("Download the failed files again, into the same folder (Ctrl+Shift+D)")
            if worth
            else self.tr(
                "The service gave the failed files its last word: Retry download in a row's "
                "menu asks anyway"
            )
        )
        self._show_rest(summary)
        self.show()

    def set_rest(self, rest: int) -> None:
        """What is left to fetch changed (rows left the list, or came back)."""
        self.rest = rest
        if self.summary is not None:
            self._show_notes(self.summary)
            self._show_rest(self.summary)

    def _show_rest(self, summary: DownloadSummary) -> None:
        # Shown after a run cut short, enabled while something of it is left to fetch:
        # greyed out once the rows it would take were removed from the list.
        rest = self.rest
        self.rest_button.setVisible(summary.stopped > 0 or rest > 0)
        self.rest_button.setEnabled(rest > 0)
        if rest:
            # Not "this run's": after a Retry failed the rest holds the files the run
            # before it stopped too.
            tip = plural(
                rest,
                self.tr("Go on with the 1 file not finished yet, into the same folder"),
                self.tr("Go on with the {n} files not finished yet, into the same folder"),
            )
        else:
            tip = self.tr("Nothing of this run is left to download")
        self.rest_button.setToolTip(tip)

    def _show_notes(self, summary: DownloadSummary) -> None:
        notes = []
        failure = self.failure_text(summary)
        if failure:
            notes.append(failure)
        if self.not_retried:
            notes.append(
                plural(
                    self.not_retried,
                    self.tr(
                        "1 failed file left out of Retry failed: the service gave it its last "
                        "word (not found, no permission, or an unknown environment)"
                    ),
                    self.tr(
                        "{n} failed files left out of Retry failed: the service gave them its "
                        "last word (not found, no permission, or an unknown environment)"
                    ),
                )
            )
        if summary.repaired:
            notes.append(
                plural(
                    summary.repaired,
                    self.tr("1 damaged copy replaced"),
                    self.tr("{n} damaged copies replaced"),
                )
            )
        if summary.waiting:
            notes.append(
                plural(
                    summary.waiting,
                    self.tr("1 file waits for a valid token"),
                    self.tr("{n} files wait for a valid token"),
                )
            )
        if self.rest:
            notes.append(
                plural(
                    self.rest,
                    self.tr("1 file not finished (Download the rest resumes it)"),
                    self.tr("{n} files not finished (Download the rest resumes them)"),
                )
            )
        elif summary.stopped:
            notes.append(
                plural(
                    summary.stopped,
                    self.tr("1 file not finished, no longer in the list"),
                    self.tr("{n} files not finished, no longer in the list"),
                )
            )
        if summary.downloaded or summary.skipped:
            notes.append(self.tr("Saved in {folder}").format(folder=summary.dest))
        else:
            notes.append(self.tr("Folder: {folder}").format(folder=summary.dest))
        self.detail_label.setText(" · ".join(notes))

    def reset(self) -> None:
        """Forget the last run (another list is shown)."""
        self.summary = None
        self.dest = None
        self.last = None
        self.rest = 0
        self.not_retried = 0
        self.rest_button.setEnabled(False)
        self.hide()

    def _show_buttons(self, *, running: bool) -> None:
        self.pause_button.setVisible(running)
        self.cancel_button.setVisible(running)
        self.folder_button.setVisible(not running)
        self.failed_button.setVisible(False)
        self.retry_button.setVisible(False)
        self.rest_button.setVisible(False)
        self.rest_button.setEnabled(False)
        self.close_button.setVisible(not running)

    def paintEvent(self, event: QPaintEvent) -> None:
        paint_tone_frame(self, self.tone, PANEL_RADIUS)
