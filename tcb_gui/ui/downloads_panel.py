"""Downloads in the window: each row's progress, painted, and the overall bar.

A row's download is a ``DownloadCell``: plain, frozen data (state, bytes, speed, the words
to show) that the controller builds from the engine's ``FileProgress`` and the results
model keeps on the row. ``DownloadDelegate`` paints it in the Download column: a slim
bar with its percentage and speed while a file moves, an icon and a word once it has
settled. ``DownloadsPanel`` is the strip under the table with the overall bar (files,
bytes, speed, time left), Pause / Resume / Cancel, and the summary with Show in folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

from PySide6.QtCore import (
    QLocale,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from tcb_gui.core.download_session import SessionFile
from tcb_gui.core.downloads import FileProgress, FileState, TotalProgress
from tcb_gui.ui.banner import paint_tone_frame
from tcb_gui.ui.core_text import core_text
from tcb_gui.ui.formatting import fmt_countdown, fmt_int, plural
from tcb_gui.ui.icons import Glyph, icon
from tcb_gui.ui.palette import Tone, tone_color, tone_tint
from tcb_gui.ui.results_model import ROW_ROLE, Row

# Geometry of a painted row bar, in device-independent pixels.
CELL_MARGIN_X = 6
CELL_MARGIN_Y = 5
BAR_RADIUS = 4.0
STATUS_ICON = 16
ICON_GAP = 6
# Alpha of a row bar's fill over its tinted track: light enough that the words on top
# keep the text colour's contrast, strong enough to read the percentage at a glance.
BAR_FILL_ALPHA = 96
BAR_BORDER_ALPHA = 150
# The overall bar counts in thousandths: smooth for any size (QProgressBar is 32-bit).
BAR_STEPS: Final = 1000
PANEL_RADIUS = 6.0
PANEL_ICON = 20

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
_BAR_STATES: Final = frozenset({FileState.DOWNLOADING, FileState.PAUSED})
_LOOK: Final = {
    FileState.QUEUED: (Glyph.PENDING, Tone.NEUTRAL),
    FileState.DOWNLOADING: (Glyph.RESOLVING, Tone.INFO),
    FileState.PAUSED: (Glyph.PAUSED, Tone.WARNING),
    FileState.DONE: (Glyph.OK, Tone.SUCCESS),
    FileState.SKIPPED: (Glyph.OK, Tone.NEUTRAL),
    FileState.FAILED: (Glyph.FAILED, Tone.DANGER),
    FileState.CANCELLED: (Glyph.PENDING, Tone.NEUTRAL),
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
    speed: float = 0.0
    path: Path | None = None
    errmsg: str = ""
    text: str = ""
    tooltip: str = ""
    waiting_for_token: bool = False

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

    @property
    def total(self) -> int:
        return self.downloaded + self.skipped + self.failed + self.stopped + self.waiting


class CellTexts(QObject):
    """Turns engine progress into ``DownloadCell`` with translated words."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._queued = DownloadCell(
            FileState.QUEUED,
            text=self.tr("Queued"),
            tooltip=self.tr("Waiting for its turn"),
        )

    def queued(self) -> DownloadCell:
        """The cell of every file not started yet (shared: 10,000 rows, one object)."""
        return self._queued

    def _percent(self, done: int, total: int | None) -> str | None:
        if not total:
            return None
        return self.tr("{percent}%").format(percent=min(100, done * 100 // total))

    def _amount(self, done: int, total: int | None) -> str:
        if total:
            return self.tr("{done} of {total}").format(done=fmt_size(done), total=fmt_size(total))
        return fmt_size(done)

    def cell(self, p: FileProgress) -> DownloadCell:
        """The cell of the engine's progress report of one file."""
        return self._make(p.state, p.bytes_done, p.bytes_total, p.speed, p.path, p.errmsg)

    def restate(self, old: DownloadCell, state: FileState) -> DownloadCell:
        """``old`` moved to ``state``, its bytes and path kept."""
        return self._make(state, old.bytes_done, old.bytes_total, 0.0, old.path, "")

    def _make(
        self,
        state: FileState,
        bytes_done: int,
        bytes_total: int | None,
        speed_bps: float,
        path: Path | None,
        errmsg: str,
    ) -> DownloadCell:
        where = str(path) if path is not None else ""
        percent = self._percent(bytes_done, bytes_total)
        amount = self._amount(bytes_done, bytes_total)
        if state is FileState.QUEUED and not bytes_done:
            return self._queued
        if state is FileState.DOWNLOADING:
            speed = self.tr("{size}/s").format(size=fmt_size(int(speed_bps)))
            if percent is None and not bytes_done:
                text = self.tr("Starting…")
            elif speed_bps >= 1:
                text = self.tr("{progress} · {speed}").format(
                    progress=percent or fmt_size(bytes_done), speed=speed
                )
            else:
                text = percent or fmt_size(bytes_done)
            tip = self.tr("Downloading: {amount} at {speed}").format(amount=amount, speed=speed)
        elif state is FileState.PAUSED:
            text = (
                self.tr("Paused · {percent}").format(percent=percent)
                if percent
                else self.tr("Paused")
            )
            tip = self.tr("Paused with {amount} saved; Resume goes on from there.").format(
                amount=amount
            )
        elif state is FileState.DONE:
            text = self.tr("Done · {size}").format(size=fmt_size(bytes_done))
            tip = self.tr("Downloaded to {path}").format(path=where)
        elif state is FileState.SKIPPED:
            text = self.tr("Already complete")
            tip = self.tr("Already complete on disk ({size}): {path}").format(
                size=fmt_size(bytes_done), path=where
            )
        elif state is FileState.FAILED:
            text = self.tr("Failed")
            tip = core_text(errmsg) if errmsg else self.tr("The download failed.")
        elif state is FileState.CANCELLED:
            text = (
                self.tr("Stopped · {percent}").format(percent=percent)
                if percent and bytes_done
                else self.tr("Stopped")
            )
            tip = self.tr(
                "Stopped before the end; downloading again resumes from {amount}."
            ).format(amount=fmt_size(bytes_done))
        else:
            text = self.tr("Queued")
            tip = self.tr("Waiting for its turn")
        if where and state in (FileState.DOWNLOADING, FileState.PAUSED, FileState.CANCELLED):
            tip += "\n" + where
        return DownloadCell(
            state=state,
            bytes_done=bytes_done,
            bytes_total=bytes_total,
            speed=speed_bps if state is FileState.DOWNLOADING else 0.0,
            path=path,
            errmsg=errmsg,
            text=text,
            tooltip=tip,
        )

    def waiting_for_token(self, old: DownloadCell | None) -> DownloadCell:
        """A file stopped because the token failed: it goes on once the token works."""
        done = old.bytes_done if old is not None else 0
        total = old.bytes_total if old is not None else None
        percent = self._percent(done, total)
        return DownloadCell(
            state=FileState.PAUSED,
            bytes_done=done,
            bytes_total=total,
            path=old.path if old is not None else None,
            text=self.tr("Waiting for a valid token"),
            tooltip=(
                self.tr("Set a valid token, then Resume: this file goes on from {percent}.").format(
                    percent=percent
                )
                if percent and done
                else self.tr("Set a valid token, then Resume to download this file.")
            ),
            waiting_for_token=True,
        )

    def from_session(self, f: SessionFile) -> DownloadCell:
        """A file of a list saved by an earlier run of the app."""
        # Whatever an unfinished file was doing when the app went away, it is paused now.
        state = FileState.PAUSED if f.unfinished else f.state
        path = Path(f.path) if f.path else None
        return self._make(state, f.bytes_done, f.bytes_total, 0.0, path, f.errmsg)


# --- the row bar ---------------------------------------------------------------------------


class DownloadDelegate(QStyledItemDelegate):
    """Paints the Download column from the row's ``DownloadCell``."""

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        fm = option.fontMetrics
        return QSize(fm.horizontalAdvance("100% · 999.9 MiB/s") + 4 * CELL_MARGIN_X, fm.height())

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        widget = opt.widget
        style = widget.style() if widget is not None else None
        if style is not None:
            # The row's own background (selection, alternate colour), as other cells draw it.
            style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, opt, painter, widget)
        row = index.data(ROW_ROLE)
        cell = row.download if isinstance(row, Row) else None
        if cell is None:
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = opt.rect.adjusted(CELL_MARGIN_X, 0, -CELL_MARGIN_X, 0)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        if cell.state in _BAR_STATES and not cell.waiting_for_token:
            self._paint_bar(painter, rect, opt, cell)
        else:
            self._paint_settled(painter, rect, opt, cell, selected)
        painter.restore()

    @staticmethod
    def _paint_bar(
        painter: QPainter,
        rect: QRect,
        opt: QStyleOptionViewItem,
        cell: DownloadCell,
    ) -> None:
        palette = opt.palette
        tone = Tone.INFO if cell.state is FileState.DOWNLOADING else Tone.WARNING
        height = min(rect.height() - 2 * CELL_MARGIN_Y, opt.fontMetrics.height() + 4)
        bar = QRect(rect.left(), rect.center().y() - height // 2 + 1, rect.width(), height)
        colour = tone_color(tone, palette)
        border = QColor(colour)
        border.setAlpha(BAR_BORDER_ALPHA)
        fill = QColor(colour)
        fill.setAlpha(BAR_FILL_ALPHA)
        outline = QRectF(bar).adjusted(0.5, 0.5, -0.5, -0.5)
        painter.setPen(QPen(border, 1))
        painter.setBrush(tone_tint(tone, palette))
        painter.drawRoundedRect(outline, BAR_RADIUS, BAR_RADIUS)
        fraction = cell.fraction or 0.0
        if fraction > 0:
            filled = QRectF(outline)
            filled.setWidth(outline.width() * fraction)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(fill)
            painter.drawRoundedRect(filled, BAR_RADIUS, BAR_RADIUS)
        text = opt.fontMetrics.elidedText(cell.text, Qt.TextElideMode.ElideRight, bar.width() - 6)
        # One text colour over track and fill alike (the fill is translucent), selected or
        # not: the track's tint hides the selection colour in light themes, and dark themes
        # draw light text on both.
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        painter.drawText(bar, int(Qt.AlignmentFlag.AlignCenter), text)

    @staticmethod
    def _paint_settled(
        painter: QPainter,
        rect: QRect,
        opt: QStyleOptionViewItem,
        cell: DownloadCell,
        selected: bool,
    ) -> None:
        glyph, tone = _LOOK[cell.state]
        if cell.waiting_for_token:
            glyph, tone = Glyph.PAUSED, Tone.DANGER
        size = STATUS_ICON
        icon_rect = QRect(rect.left(), rect.center().y() - size // 2 + 1, size, size)
        icon(glyph, tone).paint(painter, icon_rect, Qt.AlignmentFlag.AlignCenter)
        palette = opt.palette
        if selected:
            colour = palette.color(QPalette.ColorRole.HighlightedText)
        elif tone is Tone.NEUTRAL:
            colour = palette.color(QPalette.ColorRole.Text)
        else:
            colour = tone_color(tone, palette)
        text_rect = QRect(
            icon_rect.right() + 1 + ICON_GAP,
            rect.top(),
            rect.right() - icon_rect.right() - ICON_GAP,
            rect.height(),
        )
        text = opt.fontMetrics.elidedText(cell.text, Qt.TextElideMode.ElideRight, text_rect.width())
        painter.setPen(colour)
        painter.drawText(
            text_rect, int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft), text
        )


# --- the overall bar -----------------------------------------------------------------------


class DownloadsPanel(QWidget):
    """The strip under the table while downloads run, and their summary afterwards."""

    pauseRequested = Signal()
    resumeRequested = Signal()
    cancelRequested = Signal()
    showFolderRequested = Signal()
    retryRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("downloads-panel")
        self.tone = Tone.INFO
        self.dest: Path | None = None
        self.summary: DownloadSummary | None = None
        self.paused = False
        outer = QHBoxLayout(self)
        outer.setContentsMargins(12, 8, 8, 8)
        outer.setSpacing(10)
        self._icon = QLabel(self)
        self._icon.setFixedSize(PANEL_ICON, PANEL_ICON)
        outer.addWidget(self._icon, 0, Qt.AlignmentFlag.AlignTop)
        column = QVBoxLayout()
        column.setSpacing(4)
        self.title_label = QLabel(self)
        self.title_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
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
        self.detail_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        column.addWidget(self.detail_label)
        outer.addLayout(column, 1)
        buttons = QHBoxLayout()
        buttons.setSpacing(6)
        self.pause_button = QPushButton(icon(Glyph.PAUSED), self.tr("Pause"), self)
        self.pause_button.setToolTip(self.tr("Pause the downloads; partial files are kept"))
        self.pause_button.clicked.connect(self._toggle_pause)
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        self.cancel_button.setToolTip(
            self.tr("Stop the downloads; finished files stay, partial files resume next time")
        )
        self.cancel_button.clicked.connect(self.cancelRequested)
        self.folder_button = QPushButton(icon(Glyph.FOLDER), self.tr("Show in folder"), self)
        self.folder_button.clicked.connect(self.showFolderRequested)
        self.retry_button = QPushButton(self.tr("Retry failed downloads"), self)
        self.retry_button.clicked.connect(self.retryRequested)
        self.close_button = QToolButton(self)
        self.close_button.setText("✕")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip(self.tr("Dismiss"))
        self.close_button.clicked.connect(self.hide)
        for button in (
            self.pause_button,
            self.cancel_button,
            self.folder_button,
            self.retry_button,
        ):
            buttons.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
        buttons.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        outer.addLayout(buttons)
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
        self._set_tone(Tone.INFO, Glyph.RESOLVING)
        self.title_label.setText(
            plural_format(
                files,
                self.tr("Downloading 1 file to {folder}"),
                self.tr("Downloading {n} files to {folder}"),
                folder=dest,
            )
        )
        self.title_label.setToolTip(str(dest))
        self.bar.setValue(0)
        self.bar.show()
        self.detail_label.setText(self.tr("Starting…"))
        self._show_buttons(running=True)
        self.pause_button.setText(self.tr("Pause"))
        self.pause_button.setIcon(icon(Glyph.PAUSED))
        self.show()

    def set_progress(self, total: TotalProgress) -> None:
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

    def progress_text(self, total: TotalProgress) -> str:
        files = self.tr("{done} of {total} files").format(
            done=fmt_int(total.files_done), total=fmt_int(total.files_total)
        )
        parts = [files]
        if total.bytes_total:
            parts.append(
                self.tr("{done} of {total}").format(
                    done=fmt_size(total.bytes_done), total=fmt_size(total.bytes_total)
                )
            )
        if total.paused:
            parts.append(self.tr("paused"))
        else:
            parts.append(self.tr("{size}/s").format(size=fmt_size(int(total.speed))))
            if total.eta is not None and total.speed > 0:
                parts.append(self.tr("{time} left").format(time=fmt_countdown(total.eta)))
        if total.files_failed:
            parts.append(self.tr("{n} failed").format(n=fmt_int(total.files_failed)))
        return " · ".join(parts)

    def set_paused(self, paused: bool) -> None:
        self.paused = paused
        if paused:
            self.pause_button.setText(self.tr("Resume"))
            self.pause_button.setIcon(icon(Glyph.PLAY, Tone.INFO))
            self._set_tone(Tone.WARNING, Glyph.PAUSED)
        else:
            self.pause_button.setText(self.tr("Pause"))
            self.pause_button.setIcon(icon(Glyph.PAUSED))
            self._set_tone(Tone.INFO, Glyph.RESOLVING)

    def _toggle_pause(self) -> None:
        if self.paused:
            self.resumeRequested.emit()
        else:
            self.pauseRequested.emit()

    def summary_text(self, summary: DownloadSummary) -> str:
        files = plural(summary.downloaded, self.tr("1 file"), self.tr("{n} files"))
        return self.tr(
            "Downloaded {files} ({size}), {complete} already complete, {failed} failed"
        ).format(
            files=files,
            size=fmt_size(summary.downloaded_bytes),
            complete=fmt_int(summary.skipped),
            failed=fmt_int(summary.failed),
        )

    def finish(self, summary: DownloadSummary) -> None:
        """The run is over: say what it did, and offer the folder and retries."""
        self.summary = summary
        self.dest = summary.dest
        self.paused = False
        self.title_label.setText(self.summary_text(summary))
        notes = [self.tr("Saved in {folder}").format(folder=summary.dest)]
        if summary.waiting:
            notes.append(
                plural(
                    summary.waiting,
                    self.tr("1 file waits for a valid token"),
                    self.tr("{n} files wait for a valid token"),
                )
            )
        if summary.stopped:
            notes.append(
                plural(
                    summary.stopped,
                    self.tr("1 file was stopped before the end (downloading again resumes it)"),
                    self.tr(
                        "{n} files were stopped before the end (downloading again resumes them)"
                    ),
                )
            )
        self.detail_label.setText(" · ".join(notes))
        if summary.failed and not (summary.downloaded or summary.skipped):
            self._set_tone(Tone.DANGER, Glyph.FAILED)  # nothing got through
        elif summary.failed or summary.waiting:
            self._set_tone(Tone.WARNING, Glyph.WARNING)
        elif summary.stopped:
            self._set_tone(Tone.NEUTRAL, Glyph.INFO)
        else:
            self._set_tone(Tone.SUCCESS, Glyph.OK)
        self.bar.hide()
        self._show_buttons(running=False)
        self.retry_button.setVisible(summary.failed > 0)
        self.show()

    def _show_buttons(self, *, running: bool) -> None:
        self.pause_button.setVisible(running)
        self.cancel_button.setVisible(running)
        self.folder_button.setVisible(not running)
        self.retry_button.setVisible(False)
        self.close_button.setVisible(not running)

    def paintEvent(self, event: QPaintEvent) -> None:
        paint_tone_frame(self, self.tone, PANEL_RADIUS)
