"""Drops onto the window: what a drag carries, and the highlight shown while it hovers.

File managers put ``text/uri-list`` (file URLs) on the drag; editors and browsers put
``text/plain``. Local files win when both are there (a file manager also offers the
paths as text); remote URLs are not fetched.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QMimeData, QRectF, Qt
from PySide6.QtGui import QFont, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from tcb_gui.ui.palette import Tone, tone_color, tone_tint

OVERLAY_MARGIN = 10
OVERLAY_RADIUS = 14.0
OVERLAY_TINT_ALPHA = 150


@dataclass(frozen=True, slots=True)
class DropPayload:
    paths: tuple[Path, ...] = ()
    text: str | None = None

    @property
    def empty(self) -> bool:
        return not self.paths and not self.text


def payload_from_mime(mime: QMimeData | None) -> DropPayload:
    """Local files from ``text/uri-list``, else the ``text/plain`` text."""
    if mime is None:
        return DropPayload()
    if mime.hasUrls():
        paths = tuple(Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile())
        if paths:
            return DropPayload(paths=paths)
    if mime.hasText():
        text = mime.text()
        if text.strip():
            return DropPayload(text=text)
    return DropPayload()


class DropOverlay(QWidget):
    """A tinted, dashed frame over the window while something droppable hovers."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self._title = self.tr("Drop to add IDs")
        self._hint = self.tr("Files (txt, csv, tsv, json, log) or text with cloud:// IDs")
        self.hide()

    def show_over(self) -> None:
        """Cover the parent widget and show."""
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())
        self.raise_()
        self.show()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(
            OVERLAY_MARGIN, OVERLAY_MARGIN, -OVERLAY_MARGIN, -OVERLAY_MARGIN
        )
        tint = tone_tint(Tone.INFO, self.palette())
        tint.setAlpha(max(tint.alpha() if tint.alpha() < 255 else 0, OVERLAY_TINT_ALPHA))
        accent = tone_color(Tone.INFO, self.palette())
        pen = QPen(accent, 3)
        pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(tint)
        painter.drawRoundedRect(rect, OVERLAY_RADIUS, OVERLAY_RADIUS)
        font = QFont(self.font())
        font.setPointSizeF(self.font().pointSizeF() * 1.6)
        font.setWeight(QFont.Weight.DemiBold)
        painter.setFont(font)
        painter.setPen(accent)
        middle = rect.center().y()
        painter.drawText(
            QRectF(rect.left(), middle - 40, rect.width(), 40),
            int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom),
            self._title,
        )
        painter.setFont(self.font())
        painter.drawText(
            QRectF(rect.left(), middle + 6, rect.width(), 30),
            int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop),
            self._hint,
        )
        painter.end()
