"""Status colours that read well on both light and dark palettes.

A state is never told by colour alone (every badge and status also has words and an
icon); the colours only make a long list scannable. Values are Tailwind's 600-700/400
steps. Whatever the palette (ours from ``ui.theme`` or one the platform supplies), a
tone's text colour is checked against the palette's Base, AlternateBase and Window and
nudged lighter or darker until it reaches WCAG's 4.5:1 for normal text; the badge's
text is checked against its own tinted background the same way.
"""

from __future__ import annotations

from enum import Enum
from functools import lru_cache
from typing import Final

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

# Window lightness below this (0..255) counts as a dark theme.
DARK_LIGHTNESS_THRESHOLD = 128
# Alpha of the tinted background behind a badge or banner in a dark theme.
DARK_TINT_ALPHA = 56
# WCAG 2.1 success criterion 1.4.3 (AA): 4.5:1 for normal-size text.
MIN_TEXT_CONTRAST = 4.5
# Lightness steps (HSL, 0..255) tried when nudging a colour to reach a contrast.
CONTRAST_STEP = 6
# sRGB relative luminance (WCAG 2.1 definition): linear below this, a power curve above.
_SRGB_LINEAR_LIMIT = 0.04045


class Tone(Enum):
    NEUTRAL = "neutral"
    INFO = "info"
    SUCCESS = "success"
    WARNING = "warning"
    DANGER = "danger"


# tone -> (foreground on light, tint on light, foreground on dark)
_COLOURS: dict[Tone, tuple[str, str, str]] = {
    Tone.NEUTRAL: ("#4b5563", "#f3f4f6", "#9ca3af"),
    Tone.INFO: ("#2563eb", "#dbeafe", "#60a5fa"),
    Tone.SUCCESS: ("#15803d", "#dcfce7", "#4ade80"),
    Tone.WARNING: ("#b45309", "#fef3c7", "#fbbf24"),
    # Between red-600 and red-700: red-600 falls just short of 4.5:1 on striped rows.
    Tone.DANGER: ("#c81e1e", "#fee2e2", "#f87171"),
}


def is_dark(palette: QPalette | None = None) -> bool:
    if palette is None:
        palette = QApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < DARK_LIGHTNESS_THRESHOLD


def _channel(value: float) -> float:
    return value / 12.92 if value <= _SRGB_LINEAR_LIMIT else ((value + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: QColor) -> float:
    """WCAG 2.1 relative luminance of an opaque colour (0 black … 1 white)."""
    return (
        0.2126 * _channel(colour.redF())
        + 0.7152 * _channel(colour.greenF())
        + 0.0722 * _channel(colour.blueF())
    )


def contrast_ratio(a: QColor, b: QColor) -> float:
    """WCAG 2.1 contrast ratio of two opaque colours, 1 … 21."""
    la, lb = relative_luminance(a), relative_luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def composite(top: QColor, bottom: QColor) -> QColor:
    """``top`` (maybe translucent) painted over opaque ``bottom``."""
    alpha = top.alphaF()
    return QColor.fromRgbF(
        top.redF() * alpha + bottom.redF() * (1 - alpha),
        top.greenF() * alpha + bottom.greenF() * (1 - alpha),
        top.blueF() * alpha + bottom.blueF() * (1 - alpha),
    )


def with_contrast(
    colour: QColor, backgrounds: list[QColor], minimum: float = MIN_TEXT_CONTRAST
) -> QColor:
    """``colour``, made lighter (on dark backgrounds) or darker until it reaches
    ``minimum`` against every background, keeping its hue."""
    result = QColor(colour)
    if not backgrounds:
        return result
    darkest = min(relative_luminance(b) for b in backgrounds)
    lighten = darkest < 0.18  # a dark background: move towards white
    hue, saturation, lightness, alpha = (
        result.hslHue(),
        result.hslSaturation(),
        result.lightness(),
        result.alpha(),
    )
    while min(contrast_ratio(result, b) for b in backgrounds) < minimum:
        lightness += CONTRAST_STEP if lighten else -CONTRAST_STEP
        if not 0 <= lightness <= 255:
            break
        result = QColor.fromHsl(hue, saturation, lightness, alpha)
    return result


@lru_cache(maxsize=256)
def _readable(tone: Tone, dark: bool, backgrounds: tuple[int, ...]) -> int:
    light, _tint, dark_value = _COLOURS[tone]
    colour = with_contrast(
        QColor(dark_value if dark else light), [QColor.fromRgb(rgb) for rgb in backgrounds]
    )
    return colour.rgba()


# tone_color's answers by (tone, palette contents): the results table asks for every
# status cell it paints, and reading the palette's colours each time took ~10 µs.
_tone_rgba: dict[tuple[Tone, int], int] = {}
_TONE_CACHE_SIZE = 64


def tone_color(tone: Tone, palette: QPalette | None = None) -> QColor:
    """The text/icon colour of a tone, readable on the palette's Base, AlternateBase and
    Window (at least 4.5:1)."""
    if palette is None:
        palette = QApplication.palette()
    key = (tone, palette.cacheKey())  # a new key whenever the palette's contents change
    rgba = _tone_rgba.get(key)
    if rgba is None:
        roles = (
            QPalette.ColorRole.Base,
            QPalette.ColorRole.AlternateBase,
            QPalette.ColorRole.Window,
        )
        backgrounds = tuple(palette.color(role).rgb() for role in roles)
        rgba = _readable(tone, is_dark(palette), backgrounds)
        if len(_tone_rgba) >= _TONE_CACHE_SIZE:
            _tone_rgba.clear()
        _tone_rgba[key] = rgba
    return QColor.fromRgba(rgba)


def tone_text_on_tint(tone: Tone, palette: QPalette | None = None) -> QColor:
    """A tone's text colour for use on its own tint (badges, banners), at least 4.5:1."""
    if palette is None:
        palette = QApplication.palette()
    window = palette.color(QPalette.ColorRole.Window)
    background = composite(tone_tint(tone, palette), window)
    return with_contrast(tone_color(tone, palette), [background])


def tone_tint(tone: Tone, palette: QPalette | None = None) -> QColor:
    """A soft background for a badge or banner of this tone."""
    _light, tint, dark = _COLOURS[tone]
    if is_dark(palette):
        colour = QColor(dark)
        colour.setAlpha(DARK_TINT_ALPHA)
        return colour
    return QColor(tint)


# WCAG 2.1 SC 1.4.11: a control's boundary needs 3:1 against what is around it.
MIN_CONTROL_CONTRAST: Final = 3.0


def indicator_border(palette: QPalette) -> QColor:
    """The frame of a checkbox or radio button: the palette's Mid, moved until it has
    3:1 against the field (Base) and the window (Window)."""
    enabled = QPalette.ColorGroup.Active
    role = QPalette.ColorRole
    backgrounds = [palette.color(enabled, role.Base), palette.color(enabled, role.Window)]
    return with_contrast(palette.color(enabled, role.Mid), backgrounds, MIN_CONTROL_CONTRAST)
