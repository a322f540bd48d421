"""``TcbStyle``: Fusion with visible checkbox and radio frames and no dialog button icons
(``ui.theme`` explains why; ``install_style`` puts it in place after the first paint).

A module of its own: defining a ``QProxyStyle`` makes PySide build ``QStyle`` and its
some twenty enums (~5 ms), which the window's first frame does not need.
"""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QPainter, QPen
from PySide6.QtWidgets import (
    QProxyStyle,
    QStyle,
    QStyleFactory,
    QStyleHintReturn,
    QStyleOption,
    QWidget,
)

from tcb_gui.ui.palette import indicator_border

_INDICATORS: Final = (
    QStyle.PrimitiveElement.PE_IndicatorCheckBox,
    QStyle.PrimitiveElement.PE_IndicatorRadioButton,
)


class TcbStyle(QProxyStyle):
    """Fusion, with visible checkbox and radio frames and no dialog button icons."""

    def __init__(self, base: str) -> None:
        """Over a new ``base`` style (``ui.theme.STYLE_NAME``: Fusion)."""
        super().__init__(QStyleFactory.create(base))

    def drawPrimitive(
        self,
        element: QStyle.PrimitiveElement,
        option: QStyleOption,
        painter: QPainter,
        widget: QWidget | None = None,
    ) -> None:
        super().drawPrimitive(element, option, painter, widget)
        if element not in _INDICATORS:
            return
        enabled = bool(option.state & QStyle.StateFlag.State_Enabled)
        if not enabled:
            return
        palette = option.palette
        rect = QRectF(option.rect).adjusted(0.5, 0.5, -0.5, -0.5)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(indicator_border(palette), 1.2))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        if element == QStyle.PrimitiveElement.PE_IndicatorRadioButton:
            painter.drawEllipse(rect.adjusted(0.5, 0.5, -0.5, -0.5))
        else:
            painter.drawRoundedRect(rect.adjusted(0.5, 0.5, -0.5, -0.5), 2, 2)
        painter.restore()

    def styleHint(
        self,
        hint: QStyle.StyleHint,
        option: QStyleOption | None = None,
        widget: QWidget | None = None,
        returnData: QStyleHintReturn | None = None,
    ) -> int:
        if hint == QStyle.StyleHint.SH_DialogButtonBox_ButtonsHaveIcons:
            return 0
        return super().styleHint(hint, option, widget, returnData)
