"""Painted cells (no per-row widgets): the Copy and Open buttons, a download's bar.

A widget per row would cost 200,000 widgets at 100,000 rows; painting two rounded
rectangles per visible row costs nothing. ``ActionsDelegate`` tracks hover and press
itself and reports clicks as signals carrying the (proxy) index; the view forwards
keyboard activation (Return opens, Space copies, on any cell of the row).
``StatusDelegate`` paints the Status cell of a file that is downloading (or paused
part-way) as a slim bar with its words on it; every other Status cell is Qt's own
icon and text.
"""

from __future__ import annotations

from enum import Enum
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFontMetrics, QIcon, QMouseEvent, QPainter, QPalette, QPen
from PySide6.QtWidgets import QStyledItemDelegate, QWidget

from tcb_gui.core.download_states import FileState
from tcb_gui.ui.button_cache import ButtonPairCache
from tcb_gui.ui.icons import Glyph, icon
from tcb_gui.ui.palette import Tone, composite, is_dark, tone_color, tone_tint, with_contrast
from tcb_gui.ui.results_model import ROW_ROLE, Column, Row
from tcb_gui.ui.row_status import download_shown

if TYPE_CHECKING:
    from PySide6.QtWidgets import QStyle, QStyleOptionViewItem


# QStyle and its options are imported when a cell is first painted: making their Python
# types builds some twenty enums (~5 ms), which the window's empty first frame skips.
@cache
def _style() -> type[QStyle]:
    from PySide6.QtWidgets import QStyle

    return QStyle


@cache
def _view_item_option() -> type[QStyleOptionViewItem]:
    from PySide6.QtWidgets import QStyleOptionViewItem

    return QStyleOptionViewItem


# Geometry of the painted buttons, in device-independent pixels.
BUTTON_ICON = 14
BUTTON_PAD_X = 8
BUTTON_GAP = 6
BUTTON_INNER_GAP = 5
CELL_MARGIN_X = 6
CELL_MARGIN_Y = 3
BUTTON_RADIUS = 5.0
FOCUS_RING_WIDTH = 2
# A download's bar in the Status cell.
BAR_MARGIN_Y = 5
BAR_RADIUS = 4.0
# Alpha of the bar's fill over its tinted track: light enough that the words on top
# keep the text colour's contrast, strong enough to read the progress at a glance.
BAR_FILL_ALPHA = 96
BAR_BORDER_ALPHA = 150
_BAR_STATES = frozenset({FileState.DOWNLOADING, FileState.PAUSED})


class Button(Enum):
    COPY = "copy"
    OPEN = "open"


class ActionsDelegate(QStyledItemDelegate):
    """Paints Copy and Open in the Actions column; other columns paint as usual."""

    copyRequested = Signal(QModelIndex)
    openRequested = Signal(QModelIndex)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._labels = {Button.COPY: self.tr("Copy"), Button.OPEN: self.tr("Open")}
        self._hover: tuple[QPersistentModelIndex, Button] | None = None
        self._pressed: tuple[QPersistentModelIndex, Button] | None = None
        self._buttons = ButtonPairCache()

    # --- geometry -------------------------------------------------------------------

    def _button_width(self, fm: QFontMetrics, button: Button) -> int:
        return (
            BUTTON_PAD_X * 2
            + BUTTON_ICON
            + BUTTON_INNER_GAP
            + fm.horizontalAdvance(self._labels[button])
        )

    def button_rects(self, cell: QRect, fm: QFontMetrics) -> dict[Button, QRect]:
        top = cell.top() + CELL_MARGIN_Y
        height = max(0, cell.height() - 2 * CELL_MARGIN_Y)
        x = cell.left() + CELL_MARGIN_X
        rects: dict[Button, QRect] = {}
        for button in Button:
            width = self._button_width(fm, button)
            rects[button] = QRect(x, top, width, height)
            x += width + BUTTON_GAP
        return rects

    def preferred_width(self, fm: QFontMetrics) -> int:
        widths = sum(self._button_width(fm, b) for b in Button)
        return widths + BUTTON_GAP + 2 * CELL_MARGIN_X

    def button_at(self, cell: QRect, pos: QPoint, fm: QFontMetrics) -> Button | None:
        for button, rect in self.button_rects(cell, fm).items():
            if rect.contains(pos):
                return button
        return None

    # --- hover (fed by the view, which sees every mouse move) ---------------------------

    def set_hover(self, index: QModelIndex | None, button: Button | None) -> bool:
        """Remember which button the mouse is over; True if that changed."""
        new = (QPersistentModelIndex(index), button) if index is not None and button else None
        if new == self._hover:
            return False
        self._hover = new
        return True

    @staticmethod
    def _is(
        state: tuple[QPersistentModelIndex, Button] | None,
        index: QModelIndex | QPersistentModelIndex,
        button: Button,
    ) -> bool:
        return state is not None and state[1] is button and state[0] == QPersistentModelIndex(index)

    # --- painting -------------------------------------------------------------------

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        if index.column() == Column.ACTIONS:
            return QSize(self.preferred_width(option.fontMetrics), option.fontMetrics.height() + 12)
        return super().sizeHint(option, index)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        if index.column() != Column.ACTIONS:
            super().paint(painter, option, index)
            return
        opt = _view_item_option()(option)
        self.initStyleOption(opt, index)
        widget = opt.widget
        style = widget.style() if widget is not None else None
        if style is not None:
            # Selection and focus backgrounds exactly as the other cells draw them.
            style.drawPrimitive(
                _style().PrimitiveElement.PE_PanelItemViewItem, opt, painter, widget
            )
        row = index.data(ROW_ROLE)
        focus_cell = bool(opt.state & _style().StateFlag.State_HasFocus)
        if not isinstance(row, Row) or row.url is None:
            # No link, no buttons: an empty cell reads better than dead buttons. The
            # keyboard focus still shows.
            if focus_cell:
                painter.save()
                painter.setRenderHint(QPainter.RenderHint.Antialiasing)
                self._paint_focus_ring(painter, opt, opt.rect.adjusted(2, 2, -2, -2))
                painter.restore()
            return
        enabled = not row.expired  # an expired link is shown, but greyed
        palette = opt.palette
        dark = is_dark(palette)
        rects = self.button_rects(opt.rect, opt.fontMetrics)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        live = enabled and any(
            self._is(state, index, b) for state in (self._hover, self._pressed) for b in Button
        )
        if live:
            for button, rect in rects.items():
                hovered = self._is(self._hover, index, button)
                pressed = self._is(self._pressed, index, button)
                self._paint_button(painter, rect, button, palette, dark, enabled, hovered, pressed)
        else:
            # Every other row shows the same pair: painted once, then copied.
            self._buttons.draw(painter, rects, opt, dark, enabled, self._paint_button)
        if focus_cell:
            # The keyboard focus, and its hint: Space copies, Enter opens.
            outline = rects[Button.COPY].united(rects[Button.OPEN]).adjusted(-2, -2, 2, 2)
            self._paint_focus_ring(painter, opt, outline)
        painter.restore()

    @staticmethod
    def _paint_focus_ring(painter: QPainter, opt: QStyleOptionViewItem, rect: QRect) -> None:
        """A 2 px ring that stands out on a selected row (the selection is Highlight
        itself) as well as on a plain one."""
        palette = opt.palette
        selected = bool(opt.state & _style().StateFlag.State_Selected)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Accent
        painter.setPen(QPen(palette.color(role), FOCUS_RING_WIDTH))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(rect, BUTTON_RADIUS + 2, BUTTON_RADIUS + 2)

    def _paint_button(
        self,
        painter: QPainter,
        rect: QRect,
        button: Button,
        palette: QPalette,
        dark: bool,
        enabled: bool,
        hovered: bool,
        pressed: bool,
    ) -> None:
        base = palette.color(QPalette.ColorRole.Button)
        text = palette.color(QPalette.ColorRole.ButtonText)
        border = palette.color(QPalette.ColorRole.Mid)
        if pressed:
            fill = base.darker(125) if not dark else base.lighter(150)
        elif hovered:
            fill = base.darker(108) if not dark else base.lighter(130)
        else:
            fill = base
        if not enabled:
            fill = QColor(fill)
            fill.setAlpha(90)
            text = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText)
            border = QColor(border)
            border.setAlpha(90)
        elif hovered:
            border = palette.color(QPalette.ColorRole.Highlight)
        painter.setPen(border)
        painter.setBrush(fill)
        painter.drawRoundedRect(rect.adjusted(0, 0, -1, -1), BUTTON_RADIUS, BUTTON_RADIUS)
        glyph = Glyph.COPY if button is Button.COPY else Glyph.OPEN
        mode = QIcon.Mode.Normal if enabled else QIcon.Mode.Disabled
        icon_rect = QRect(
            rect.left() + BUTTON_PAD_X,
            rect.center().y() - BUTTON_ICON // 2 + 1,
            BUTTON_ICON,
            BUTTON_ICON,
        )
        icon(glyph, Tone.NEUTRAL).paint(painter, icon_rect, Qt.AlignmentFlag.AlignCenter, mode)
        painter.setPen(text)
        text_rect = QRect(
            icon_rect.right() + 1 + BUTTON_INNER_GAP,
            rect.top(),
            rect.right() - icon_rect.right() - BUTTON_INNER_GAP,
            rect.height(),
        )
        painter.drawText(
            text_rect,
            int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
            self._labels[button],
        )

    # --- clicks ---------------------------------------------------------------------

    def editorEvent(
        self,
        event: QEvent,
        model: QAbstractItemModel,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> bool:
        if index.column() != Column.ACTIONS or not isinstance(event, QMouseEvent):
            return super().editorEvent(event, model, option, index)
        if event.button() != Qt.MouseButton.LeftButton and event.type() != QEvent.Type.MouseMove:
            return False
        row = index.data(ROW_ROLE)
        if not isinstance(row, Row) or row.url is None:
            return False
        button = self.button_at(option.rect, event.position().toPoint(), option.fontMetrics)
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress:
            if button is None:
                return False
            self._pressed = (QPersistentModelIndex(index), button)
            self._repaint(option)
            return True  # keep the press from changing the selection under the button
        if kind == QEvent.Type.MouseButtonRelease:
            pressed, self._pressed = self._pressed, None
            self._repaint(option)
            if (
                pressed is None
                or button is not pressed[1]
                or pressed[0] != QPersistentModelIndex(index)
            ):
                return False
            signal = self.copyRequested if button is Button.COPY else self.openRequested
            signal.emit(_plain(index))
            return True
        if kind == QEvent.Type.MouseButtonDblClick:
            return button is not None  # a fast second click is not a double-click action
        return False

    def _repaint(self, option: QStyleOptionViewItem) -> None:
        widget = option.widget
        if widget is not None:
            viewport = getattr(widget, "viewport", None)
            target = viewport() if callable(viewport) else widget
            if isinstance(target, QObject) and isinstance(target, QWidget):
                target.update(option.rect)


def _plain(index: QModelIndex | QPersistentModelIndex) -> QModelIndex:
    if isinstance(index, QModelIndex):
        return index
    model = index.model()
    return model.index(index.row(), index.column()) if model is not None else QModelIndex()


class StatusDelegate(QStyledItemDelegate):
    """The Status column: a bar while the row's file downloads, else Qt's icon and text."""

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        # "Download failed: The server refused…": the words that matter come first.
        option.textElideMode = Qt.TextElideMode.ElideRight
        if option.state & _style().StateFlag.State_Selected:
            # A status colour on the selection colour reads badly: the selection's text
            # colour instead (the icon keeps the state's colour).
            palette = option.palette
            palette.setBrush(
                QPalette.ColorRole.Text, palette.brush(QPalette.ColorRole.HighlightedText)
            )
            option.palette = palette

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        row = index.data(ROW_ROLE)
        cell = download_shown(row) if isinstance(row, Row) else None
        moving = cell is not None and (
            cell.state is FileState.DOWNLOADING
            or (cell.state in _BAR_STATES and cell.bytes_done > 0)
        )
        if cell is None or not moving or cell.waiting_for_token:
            super().paint(painter, option, index)
            return
        opt = _view_item_option()(option)
        self.initStyleOption(opt, index)
        widget = opt.widget
        style = widget.style() if widget is not None else None
        if style is not None:
            # The row's own background (selection, alternate colour), as other cells draw it.
            style.drawPrimitive(
                _style().PrimitiveElement.PE_PanelItemViewItem, opt, painter, widget
            )
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = opt.rect.adjusted(CELL_MARGIN_X, 0, -CELL_MARGIN_X, 0)
        palette = opt.palette
        tone = Tone.INFO if cell.state is FileState.DOWNLOADING else Tone.WARNING
        height = min(rect.height() - 2 * BAR_MARGIN_Y, opt.fontMetrics.height() + 4)
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
        # not, readable on both as they are composed over this row's background. Not the
        # selection's text colour: the light theme's opaque tint hides the selection, and
        # white on it could not be read.
        if opt.state & _style().StateFlag.State_Selected:
            row_role = QPalette.ColorRole.Highlight
        elif opt.features & _view_item_option().ViewItemFeature.Alternate:
            row_role = QPalette.ColorRole.AlternateBase
        else:
            row_role = QPalette.ColorRole.Base
        row_background = palette.color(_colour_group(opt), row_role)
        painter.setPen(
            QColor.fromRgba(
                _bar_text_rgba(
                    colour.rgba(),
                    row_background.rgba(),
                    tone_tint(tone, palette).rgba(),
                    fill.rgba(),
                )
            )
        )
        painter.drawText(bar, int(Qt.AlignmentFlag.AlignCenter), text)
        painter.restore()


def _colour_group(opt: QStyleOptionViewItem) -> QPalette.ColorGroup:
    """The palette group the style paints this cell's background in (as Qt's styles pick
    it: an inactive window's selection has colours of its own)."""
    flags = _style().StateFlag
    if not opt.state & flags.State_Enabled:
        return QPalette.ColorGroup.Disabled
    if not opt.state & flags.State_Active:
        return QPalette.ColorGroup.Inactive
    return QPalette.ColorGroup.Active


@lru_cache(maxsize=64)
def _bar_text_rgba(colour: int, row: int, tint: int, fill: int) -> int:
    """The tone's colour, moved until its words read (4.5:1) on the bar's track and on its
    fill, both composed over the row's background (cached: a few keys per palette)."""
    track = composite(QColor.fromRgba(tint), QColor.fromRgba(row))
    backgrounds = [track, composite(QColor.fromRgba(fill), track)]
    return with_contrast(QColor.fromRgba(colour), backgrounds).rgba()
