"""The Actions cell's pair of painted buttons, drawn once per look and then copied.

Every visible row without hover or press shows the same Copy and Open buttons, but
painting them (antialiased rounded rectangles, icons, text) cost ~0.3 ms a row: a third
of a repaint of the table, and the table repaints several times a second while a
100,000-row list resolves (``bench/window.py``). A pixmap per look (size, device pixel
ratio, palette, font, enabled) turns each row into one ``drawPixmap``; the row under the
mouse is still painted live by the delegate.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QPainter, QPalette, QPixmap

if TYPE_CHECKING:
    from PySide6.QtWidgets import QStyleOptionViewItem

B = TypeVar("B")
# (painter, rect, button, palette, dark, enabled, hovered, pressed)
PaintButton = Callable[[QPainter, QRect, B, QPalette, bool, bool, bool, bool], None]

# Looks kept at once: light and dark, enabled and greyed, a font or two.
MAX_LOOKS = 16


class ButtonPairCache:
    def __init__(self) -> None:
        self._pixmaps: dict[tuple[object, ...], QPixmap] = {}

    def draw(
        self,
        painter: QPainter,
        rects: Mapping[B, QRect],
        opt: QStyleOptionViewItem,
        dark: bool,
        enabled: bool,
        paint_button: PaintButton[B],
    ) -> None:
        """Paint the buttons at ``rects`` (neither hovered nor pressed) with ``painter``."""
        area = QRect()
        for rect in rects.values():
            area = area.united(rect)
        if area.isEmpty():
            return
        device = painter.device()
        ratio = device.devicePixelRatioF() if device is not None else 1.0
        font = painter.font()
        palette = opt.palette
        layout = tuple(
            (r.x() - area.x(), r.y() - area.y(), r.width(), r.height()) for r in rects.values()
        )
        key = (layout, round(ratio * 100), palette.cacheKey(), font.key(), dark, enabled)
        pixmap = self._pixmaps.get(key)
        if pixmap is None:
            pixmap = QPixmap(math.ceil(area.width() * ratio), math.ceil(area.height() * ratio))
            pixmap.setDevicePixelRatio(ratio)
            pixmap.fill(Qt.GlobalColor.transparent)
            canvas = QPainter(pixmap)
            canvas.setRenderHints(painter.renderHints())
            canvas.setFont(font)
            canvas.translate(-area.x(), -area.y())
            for button, rect in rects.items():
                paint_button(canvas, rect, button, palette, dark, enabled, False, False)
            canvas.end()
            if len(self._pixmaps) >= MAX_LOOKS:
                self._pixmaps.clear()
            self._pixmaps[key] = pixmap
        painter.drawPixmap(area.topLeft(), pixmap)
