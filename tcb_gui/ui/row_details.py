"""The details pane under the table: everything about the current row, in full.

The Status column says the outcome in a word or two; this pane (View ▸ Row details,
Ctrl+I) says the rest for the row the keyboard or the mouse is on: the status with the
whole reason and what to do about it, the cloud file ID, the link and when it expires,
and where the file was saved and how it was checked. The text is selectable, so a
reason can be copied into a support request. It reads one row, so it costs nothing at
100,000 rows; it is refreshed when that row changes.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from tcb_gui.ui.banner import paint_tone_frame
from tcb_gui.ui.download_cells import fmt_size
from tcb_gui.ui.formatting import fmt_countdown, plain_tip
from tcb_gui.ui.icons import icon
from tcb_gui.ui.palette import Tone
from tcb_gui.ui.results_model import ResultsModel, Row, RowState

ICON_SIZE = 18
RADIUS = 6.0


class RowDetails(QWidget):
    """The pane. ``show_row(row)`` fills it; ``closed`` asks the window to hide it."""

    closed = Signal()

    def __init__(self, model: ResultsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("row-details")
        self.model = model
        self.row: Row | None = None
        self.tone = Tone.NEUTRAL
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 6, 6)
        layout.setSpacing(10)
        self._icon = QLabel(self)
        self._icon.setFixedSize(ICON_SIZE, ICON_SIZE)
        layout.addWidget(self._icon, 0, Qt.AlignmentFlag.AlignTop)
        column = QVBoxLayout()
        column.setSpacing(2)
        self.title = QLabel(self)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        font = self.title.font()
        font.setWeight(font.Weight.DemiBold)
        self.title.setFont(font)
        column.addWidget(self.title)
        self.body = QLabel(self)
        self.body.setTextFormat(Qt.TextFormat.PlainText)
        self.body.setWordWrap(True)
        self.body.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.body.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        column.addWidget(self.body)
        layout.addLayout(column, 1)
        self.close_button = QToolButton(self)
        self.close_button.setText("✕")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip(self.tr("Hide the details (Ctrl+I)"))
        self.close_button.clicked.connect(self.closed)
        layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.setAccessibleName(self.tr("Row details"))
        self.show_row(None)

    # --- content ----------------------------------------------------------------------

    def show_row(self, row: Row | None) -> None:
        self.row = row
        if row is None:
            self._icon.clear()
            self.tone = Tone.NEUTRAL
            self.title.setText(self.tr("No row selected"))
            self.body.setText(
                self.tr(
                    "Select a row to see its status in full: why it failed and what to do, "
                    "its link and expiry, where it was saved."
                )
            )
            self.update()
            return
        words = self.model.words
        glyph, tone = words.look(row)
        self.tone = tone if tone in (Tone.DANGER, Tone.WARNING) else Tone.NEUTRAL
        self._icon.setPixmap(icon(glyph, tone).pixmap(ICON_SIZE, ICON_SIZE))
        self.title.setText(
            self.tr("{file} — {status}").format(file=row.fileid.key, status=words.short_text(row))
        )
        self.title.setToolTip(plain_tip(row.fileid.key))
        self.body.setText("\n".join(self.lines(row)))
        self.update()

    def lines(self, row: Row) -> list[str]:
        """The pane's lines under the title, as plain text."""
        words = self.model.words
        lines = []
        reason = words.reason(row)
        if reason:
            lines.append(reason)
        hint = words.hint(row)
        if hint:
            lines.append(hint)
        cell = row.download
        if cell is not None and cell.finished and cell.path is not None:
            checked = words.integrity_words(cell.integrity)
            saved = self.tr("Saved to {path} ({size})").format(
                path=cell.path, size=fmt_size(cell.bytes_done)
            )
            lines.append(
                self.tr("{saved}: {checked}").format(saved=saved, checked=checked)
                if checked
                else saved
            )
        elif cell is not None and cell.tooltip and not cell.errmsg:
            lines.append(cell.tooltip.replace("\n", " · "))
        url = row.url
        if url and row.state is RowState.OK and row.expires_ts is not None:
            left = row.expires_ts - time.time()
            expiry = (
                self.tr("expired")
                if row.expired or left <= 0
                else self.tr("expires in {t}").format(t=fmt_countdown(left))
            )
            lines.append(self.tr("Link ({expiry}): {url}").format(expiry=expiry, url=url))
        lines.append(self.tr("ID: {id}").format(id=row.fileid.raw))
        return lines

    def refresh(self) -> None:
        """The row shown changed (or left the list)."""
        row = self.row
        if row is not None and self.model.row_for(row.fileid) is not row:
            row = None
        self.show_row(row)

    def text(self) -> str:
        """Everything the pane says, as plain text (tests, Copy)."""
        return f"{self.title.text()}\n{self.body.text()}"

    def paintEvent(self, event: QPaintEvent) -> None:
        paint_tone_frame(self, self.tone, RADIUS)
