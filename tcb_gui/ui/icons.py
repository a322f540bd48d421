"""Icons drawn with QPainter: crisp at any scale, themed, and no files to ship or lose.

An icon is a ``QIcon`` over ``GlyphEngine``, which draws the glyph at the exact device
pixel size asked for (a 14 px icon on a 2x screen is drawn at 28 px, never scaled up
from a smaller bitmap) in its tone's colour for the palette in use when it is painted,
so icons follow a switch between light and dark without being rebuilt. Drawn pixmaps
are cached per (size, scale, mode, darkness).
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QIcon,
    QIconEngine,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import QApplication

from tcb_gui.ui.palette import Tone, is_dark, tone_color

# Pixel sizes an icon is rendered at; Qt picks the nearest for the device pixel ratio.
ICON_SIZES = (16, 20, 24, 32, 48)
APP_ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)
# Drawing happens on a 24-unit grid, scaled to the pixmap.
GRID = 24.0


class Glyph(Enum):
    OK = "ok"
    FAILED = "failed"
    PENDING = "pending"
    RESOLVING = "resolving"
    PAUSED = "paused"
    EXPIRED = "expired"
    COPY = "copy"
    OPEN = "open"
    KEY = "key"
    ADD = "add"
    FOLDER = "folder"
    PLAY = "play"
    INFO = "info"
    WARNING = "warning"


# Opacity of a disabled icon (QIcon.Mode.Disabled): visibly inactive, still recognisable.
DISABLED_OPACITY = 0.38
# Drawn pixmaps kept per engine; a window asks for a handful of sizes.
MAX_PIXMAPS_PER_ICON = 32

# (glyph, tone) -> (icon, its engine). PySide6 hands the engine to C++, but its Python
# overrides live only as long as the Python object: keep both for the app's lifetime.
# Glyphs drawn as a coloured shape with white marks (the rest are coloured lines).
FILLED_GLYPHS = frozenset({Glyph.OK, Glyph.FAILED, Glyph.PAUSED, Glyph.INFO, Glyph.WARNING})

_cache: dict[tuple[Glyph, Tone], tuple[QIcon, GlyphEngine]] = {}
_clones: list[GlyphEngine] = []


class GlyphEngine(QIconEngine):
    """Draws one glyph in one tone at whatever device pixel size is asked for."""

    def __init__(self, glyph: Glyph, tone: Tone) -> None:
        super().__init__()
        self.glyph = glyph
        self.tone = tone
        self._pixmaps: dict[tuple[int, int, int, QIcon.Mode, bool], QPixmap] = {}

    def clone(self) -> QIconEngine:
        engine = GlyphEngine(self.glyph, self.tone)
        _clones.append(engine)  # see _cache: the Python side must outlive the icon
        return engine

    def key(self) -> str:
        return "tcb-glyph"

    def isNull(self) -> bool:
        return False

    def actualSize(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QSize:
        side = min(size.width(), size.height())
        return QSize(side, side)

    def availableSizes(
        self, mode: QIcon.Mode = QIcon.Mode.Normal, state: QIcon.State = QIcon.State.Off
    ) -> list[QSize]:
        return [QSize(s, s) for s in ICON_SIZES]

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return self.scaledPixmap(size, mode, state, 1.0)

    def scaledPixmap(
        self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float
    ) -> QPixmap:
        """``size`` is in device-independent pixels; the pixmap has ``scale`` x as many."""
        side = min(size.width(), size.height())
        scale = max(1.0, float(scale))
        dark = is_dark()
        key = (side, size.width(), round(scale * 100), mode, dark)
        cached = self._pixmaps.get(key)
        if cached is not None:
            return cached
        if len(self._pixmaps) >= MAX_PIXMAPS_PER_ICON:
            self._pixmaps.clear()
        pixels = max(1, round(side * scale))
        pixmap = _render(self.glyph, _colour(self.glyph, self.tone, mode), pixels)
        pixmap.setDevicePixelRatio(pixels / side if side else 1.0)
        self._pixmaps[key] = pixmap
        return pixmap

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        device = painter.device()
        scale = device.devicePixelRatioF() if device is not None else 1.0
        side = min(rect.width(), rect.height())
        if side <= 0:
            return
        pixmap = self.scaledPixmap(QSize(side, side), mode, state, scale)
        target = QRect(0, 0, side, side)
        target.moveCenter(rect.center())
        painter.drawPixmap(target, pixmap)

    def forget(self) -> None:
        self._pixmaps.clear()


def _colour(glyph: Glyph, tone: Tone, mode: QIcon.Mode) -> QColor:
    if mode == QIcon.Mode.Selected and glyph not in FILLED_GLYPHS:
        # On a selected row line glyphs take the selection's text colour, like the
        # words beside them (a blue ring on a blue selection would vanish); filled
        # discs keep their colour, their white marks still stand out.
        return QApplication.palette().color(QPalette.ColorRole.HighlightedText)
    colour = tone_color(tone)
    if mode == QIcon.Mode.Disabled:
        colour.setAlphaF(DISABLED_OPACITY)
    return colour


def icon(glyph: Glyph, tone: Tone = Tone.NEUTRAL) -> QIcon:
    """The icon for a glyph in a tone's colour (for the palette in use when painted)."""
    cached = _cache.get((glyph, tone))
    if cached is not None:
        return cached[0]
    engine = GlyphEngine(glyph, tone)
    result = QIcon(engine)
    _cache[(glyph, tone)] = (result, engine)
    return result


def clear_cache() -> None:
    """Forget drawn pixmaps (they are also keyed by the palette's darkness)."""
    for _icon, engine in _cache.values():
        engine.forget()
    for engine in _clones:
        engine.forget()


def _render(glyph: Glyph, colour: QColor, size: int) -> QPixmap:
    """The glyph drawn on a ``size`` x ``size`` device-pixel canvas."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.scale(size / GRID, size / GRID)
    _DRAW[glyph](painter, colour)
    painter.end()
    return pixmap


def _pen(colour: QColor, width: float = 2.0) -> QPen:
    pen = QPen(colour, width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


def _disc(p: QPainter, colour: QColor) -> None:
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(colour)
    p.drawEllipse(QRectF(2, 2, 20, 20))


def _ring(p: QPainter, colour: QColor) -> None:
    p.setPen(_pen(colour))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawEllipse(QRectF(3, 3, 18, 18))


def _draw_ok(p: QPainter, c: QColor) -> None:
    _disc(p, c)
    p.setPen(_pen(QColor("white"), 2.4))
    path = QPainterPath(QPointF(7.5, 12.5))
    path.lineTo(10.5, 15.5)
    path.lineTo(16.5, 9)
    p.drawPath(path)


def _draw_failed(p: QPainter, c: QColor) -> None:
    _disc(p, c)
    p.setPen(_pen(QColor("white"), 2.4))
    p.drawLine(QPointF(8.5, 8.5), QPointF(15.5, 15.5))
    p.drawLine(QPointF(15.5, 8.5), QPointF(8.5, 15.5))


def _draw_pending(p: QPainter, c: QColor) -> None:
    _ring(p, c)
    p.setPen(_pen(c))
    p.drawLine(QPointF(12, 12), QPointF(12, 7.5))
    p.drawLine(QPointF(12, 12), QPointF(15, 14))


def _draw_resolving(p: QPainter, c: QColor) -> None:
    faint = QColor(c)
    faint.setAlpha(70)
    p.setPen(_pen(faint, 2.4))
    p.drawEllipse(QRectF(3.5, 3.5, 17, 17))
    p.setPen(_pen(c, 2.4))
    # Qt angles are in 1/16 degree.
    p.drawArc(QRectF(3.5, 3.5, 17, 17), 90 * 16, -120 * 16)


def _draw_paused(p: QPainter, c: QColor) -> None:
    _disc(p, c)
    p.setPen(_pen(QColor("white"), 2.6))
    p.drawLine(QPointF(9.5, 8), QPointF(9.5, 16))
    p.drawLine(QPointF(14.5, 8), QPointF(14.5, 16))


def _draw_expired(p: QPainter, c: QColor) -> None:
    # An hourglass: the link's time ran out.
    p.setPen(_pen(c, 1.8))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawLine(QPointF(7, 4), QPointF(17, 4))
    p.drawLine(QPointF(7, 20), QPointF(17, 20))
    path = QPainterPath(QPointF(8, 4))
    path.cubicTo(8, 10, 12, 10, 12, 12)
    path.cubicTo(12, 14, 8, 14, 8, 20)
    path.moveTo(16, 4)
    path.cubicTo(16, 10, 12, 10, 12, 12)
    path.cubicTo(12, 14, 16, 14, 16, 20)
    p.drawPath(path)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(c)
    sand = QPainterPath(QPointF(9.5, 19))
    sand.lineTo(14.5, 19)
    sand.lineTo(12, 16)
    sand.closeSubpath()
    p.drawPath(sand)


def _draw_copy(p: QPainter, c: QColor) -> None:
    p.setPen(_pen(c, 1.8))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawRoundedRect(QRectF(8.5, 8.5, 11, 12), 2, 2)
    path = QPainterPath(QPointF(15.5, 5.5))
    path.lineTo(15.5, 5)
    path.arcTo(QRectF(11.5, 3.5, 4, 4), 0, 90)
    path.lineTo(6.5, 3.5)
    path.arcTo(QRectF(4.5, 3.5, 4, 4), 90, 90)
    path.lineTo(4.5, 14.5)
    path.arcTo(QRectF(4.5, 12.5, 4, 4), 180, 90)
    p.drawPath(path)


def _draw_open(p: QPainter, c: QColor) -> None:
    p.setPen(_pen(c, 1.8))
    p.setBrush(Qt.BrushStyle.NoBrush)
    path = QPainterPath(QPointF(11, 5))
    path.lineTo(6.5, 5)
    path.arcTo(QRectF(4.5, 5, 4, 4), 90, 90)
    path.lineTo(4.5, 17.5)
    path.arcTo(QRectF(4.5, 15.5, 4, 4), 180, 90)
    path.lineTo(17.5, 19.5)
    path.arcTo(QRectF(15.5, 15.5, 4, 4), 270, 90)
    path.lineTo(19.5, 13)
    p.drawPath(path)
    p.drawLine(QPointF(11.5, 12.5), QPointF(19.5, 4.5))
    p.drawLine(QPointF(14, 4.5), QPointF(19.5, 4.5))
    p.drawLine(QPointF(19.5, 4.5), QPointF(19.5, 10))


def _draw_key(p: QPainter, c: QColor) -> None:
    p.setPen(_pen(c, 2.0))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawEllipse(QRectF(3.5, 9, 8, 8))
    p.drawLine(QPointF(11.5, 13), QPointF(20.5, 13))
    p.drawLine(QPointF(17.5, 13), QPointF(17.5, 16.5))
    p.drawLine(QPointF(20.5, 13), QPointF(20.5, 16))


def _draw_add(p: QPainter, c: QColor) -> None:
    p.setPen(_pen(c, 2.2))
    p.drawLine(QPointF(12, 5), QPointF(12, 19))
    p.drawLine(QPointF(5, 12), QPointF(19, 12))


def _draw_folder(p: QPainter, c: QColor) -> None:
    p.setPen(_pen(c, 1.8))
    p.setBrush(Qt.BrushStyle.NoBrush)
    path = QPainterPath(QPointF(3.5, 18))
    path.lineTo(3.5, 6.5)
    path.lineTo(9, 6.5)
    path.lineTo(11, 8.5)
    path.lineTo(20.5, 8.5)
    path.lineTo(20.5, 18)
    path.closeSubpath()
    p.drawPath(path)


def _draw_play(p: QPainter, c: QColor) -> None:
    p.setPen(_pen(c, 1.6))
    p.setBrush(c)
    path = QPainterPath(QPointF(8, 5.5))
    path.lineTo(18.5, 12)
    path.lineTo(8, 18.5)
    path.closeSubpath()
    p.drawPath(path)


def _draw_info(p: QPainter, c: QColor) -> None:
    _disc(p, c)
    p.setPen(_pen(QColor("white"), 2.4))
    p.drawLine(QPointF(12, 11), QPointF(12, 16.5))
    p.drawPoint(QPointF(12, 7.5))


def _draw_warning(p: QPainter, c: QColor) -> None:
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(c)
    path = QPainterPath(QPointF(12, 2.5))
    path.lineTo(22, 20.5)
    path.lineTo(2, 20.5)
    path.closeSubpath()
    p.drawPath(path)
    p.setPen(_pen(QColor("white"), 2.4))
    p.drawLine(QPointF(12, 9), QPointF(12, 13.5))
    p.drawPoint(QPointF(12, 17))


_DRAW = {
    Glyph.OK: _draw_ok,
    Glyph.FAILED: _draw_failed,
    Glyph.PENDING: _draw_pending,
    Glyph.RESOLVING: _draw_resolving,
    Glyph.PAUSED: _draw_paused,
    Glyph.EXPIRED: _draw_expired,
    Glyph.COPY: _draw_copy,
    Glyph.OPEN: _draw_open,
    Glyph.KEY: _draw_key,
    Glyph.ADD: _draw_add,
    Glyph.FOLDER: _draw_folder,
    Glyph.PLAY: _draw_play,
    Glyph.INFO: _draw_info,
    Glyph.WARNING: _draw_warning,
}


# The designed app icon (packaging/make_icons.py renders it); the same relative place
# in the source tree and in the PyInstaller bundle.
APP_ICON_DIR = Path(__file__).resolve().parent.parent.parent / "resources" / "icons" / "app"


def app_icon() -> QIcon:
    """The window icon: the designed PNGs when present, else a drawn stand-in."""
    pngs = sorted(APP_ICON_DIR.glob("tcb-gui-*.png")) if APP_ICON_DIR.is_dir() else []
    if pngs:
        designed = QIcon()
        for png in pngs:
            designed.addFile(str(png))
        return designed
    return _drawn_app_icon()


def _drawn_app_icon() -> QIcon:
    """A link over a cloud-blue rounded square (for installs without the resources)."""
    result = QIcon()
    for size in APP_ICON_SIZES:
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        p = QPainter(pixmap)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.scale(size / GRID, size / GRID)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("#2563eb"))
        p.drawRoundedRect(QRectF(1, 1, 22, 22), 5.5, 5.5)
        p.translate(12, 12)
        p.rotate(-45)
        p.setPen(_pen(QColor("white"), 2.2))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRoundedRect(QRectF(-8.5, -3, 9, 6), 3, 3)
        p.drawRoundedRect(QRectF(-0.5, -3, 9, 6), 3, 3)
        p.end()
        result.addPixmap(pixmap)
    return result
