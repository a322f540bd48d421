"""Status colours that read well on both light and dark palettes.

A state is never told by colour alone (every badge and status also has words and an
icon); the colours only make a long list scannable. Values are Tailwind's 600/400
steps, which keep at least 4.5:1 contrast against white and against a dark window.
"""

from __future__ import annotations

from enum import Enum

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

# Window lightness below this (0..255) counts as a dark theme.
DARK_LIGHTNESS_THRESHOLD = 128
# Alpha of the tinted background behind a badge or banner in a dark theme.
DARK_TINT_ALPHA = 56


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
    Tone.DANGER: ("#dc2626", "#fee2e2", "#f87171"),
}


def is_dark(palette: QPalette | None = None) -> bool:
    if palette is None:
        palette = QApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < DARK_LIGHTNESS_THRESHOLD


def tone_color(tone: Tone, palette: QPalette | None = None) -> QColor:
    """The text/icon colour of a tone for the current palette."""
    light, _tint, dark = _COLOURS[tone]
    return QColor(dark if is_dark(palette) else light)


def tone_tint(tone: Tone, palette: QPalette | None = None) -> QColor:
    """A soft background for a badge or banner of this tone."""
    _light, tint, dark = _COLOURS[tone]
    if is_dark(palette):
        colour = QColor(dark)
        colour.setAlpha(DARK_TINT_ALPHA)
        return colour
    return QColor(tint)
