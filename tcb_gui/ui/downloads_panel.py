"""Downloads in the window, painted: each row's progress and the overall bar.

``DownloadDelegate`` paints a row's ``DownloadCell`` (``download_cells``) in the
Download column: a slim bar with its percentage and speed while a file moves, an icon
and a word once it has settled. ``DownloadsPanel`` is the strip under the table with the
overall bar (files, bytes, speed, time left), Pause / Resume / Cancel, and the summary
with Show in folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from PySide6.QtCore import (
    QModelIndex,
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

from tcb_gui.core.downloads import FileState, TotalProgress
from tcb_gui.ui.banner import paint_tone_frame
from tcb_gui.ui.download_cells import DownloadCell, DownloadSummary, fmt_size, plural_format
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
