"""A spin box for a link's life in seconds that reads as "2 h" and accepts "90 min"."""

from __future__ import annotations

import re

from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QSpinBox, QWidget

from tcb_gui.core.service_modes import DEFAULT_MAX_AGE, MAX_MAX_AGE, MIN_MAX_AGE
from tcb_gui.ui.formatting import (
    SECONDS_PER_DAY,
    SECONDS_PER_HOUR,
    SECONDS_PER_MINUTE,
    duration_unit_words,
    fmt_duration,
)

# Arrow steps: below an hour by minutes, above by a quarter hour.
STEP_SMALL = SECONDS_PER_MINUTE
STEP_LARGE = 15 * SECONDS_PER_MINUTE

_UNITS = {
    "d": SECONDS_PER_DAY,
    "h": SECONDS_PER_HOUR,
    "min": SECONDS_PER_MINUTE,
    "m": SECONDS_PER_MINUTE,
    "s": 1,
    "": 1,
}


def _units() -> dict[str, int]:
    """English units, plus the words the current translation shows ("2 小时")."""
    return {**duration_unit_words(), **_UNITS}


def _part_re(units: dict[str, int]) -> re.Pattern[str]:
    # Longest first, so "min" is not read as "m" followed by "in".
    words = sorted((re.escape(u) for u in units if u), key=len, reverse=True)
    return re.compile(rf"(\d+)\s*({'|'.join(words)})?", re.IGNORECASE)


def parse_duration(text: str) -> int | None:
    """ "2 h", "1 h 30 min", "90 min", "45s", "7200" → seconds; None if unreadable."""
    cleaned = text.strip()
    if not cleaned:
        return None
    units = _units()
    total = 0
    position = 0
    for match in _part_re(units).finditer(cleaned):
        if cleaned[position : match.start()].strip():
            return None
        total += int(match.group(1)) * units[(match.group(2) or "").casefold()]
        position = match.end()
    if position == 0 or cleaned[position:].strip():
        return None
    return total


class DurationSpinBox(QSpinBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        self._shown = ""  # the text textFromValue last gave
        super().__init__(parent)
        self.setRange(MIN_MAX_AGE, MAX_MAX_AGE)
        self.setValue(DEFAULT_MAX_AGE)
        self.setAccelerated(True)
        self.setKeyboardTracking(False)
        self.setToolTip(
            self.tr("How long each link works: 1 s to 1 day (type e.g. “2 h” or “90 min”)")
        )

    def textFromValue(self, value: int) -> str:
        text = fmt_duration(value)
        self._shown = text
        return text

    def valueFromText(self, text: str) -> int:
        parsed = parse_duration(text)
        return self.value() if parsed is None else parsed

    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        # Qt checks each text it has just had formatted (setRange, setValue, the arrows):
        # a value it clamped to the range reads back as itself, with no need to parse
        # (the first parse compiles the pattern and looks up the units' words, ~1 ms on
        # the way to the first frame).
        if text == self._shown:
            return (QValidator.State.Acceptable, text, pos)
        parsed = parse_duration(text)
        if parsed is None:
            return (QValidator.State.Intermediate, text, pos)
        if MIN_MAX_AGE <= parsed <= MAX_MAX_AGE:
            return (QValidator.State.Acceptable, text, pos)
        return (QValidator.State.Intermediate, text, pos)

    def stepBy(self, steps: int) -> None:
        step = STEP_SMALL if self.value() < SECONDS_PER_HOUR else STEP_LARGE
        value = self.value() + steps * step
        # Snap to whole steps so "2 h" + one step reads "2 h 15 min", not "2 h 14 min".
        value = max(MIN_MAX_AGE, min(MAX_MAX_AGE, round(value / step) * step or MIN_MAX_AGE))
        self.setValue(value)
