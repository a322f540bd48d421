"""How numbers and durations read in the window: "1,204", "2 h", "1 h 59 min", "42 s".

Every word goes through ``QCoreApplication.translate`` so a translation can reword it.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLocale

SECONDS_PER_MINUTE = 60
SECONDS_PER_HOUR = 3_600
SECONDS_PER_DAY = 86_400

_CONTEXT = "Formatting"


def _tr(text: str) -> str:
    return QCoreApplication.translate(_CONTEXT, text)


def fmt_int(n: int) -> str:
    """A count with digit grouping in the user's locale ("1,204"); the C locale groups too."""
    locale = QLocale()
    if locale.language() == QLocale.Language.C:
        # The C locale omits group separators, which makes big counts hard to read.
        return f"{n:,}"
    return locale.toString(n)


def plural(n: int, one: str, many: str) -> str:
    """Pick the English singular or plural template and fill in ``{n}``.

    Both templates must already be translated (``tr("1 ID")``, ``tr("{n} IDs")``);
    languages without plural forms translate both alike.
    """
    return (one if n == 1 else many).format(n=fmt_int(n))


def fmt_duration(seconds: float) -> str:
    """A compact, exact duration for a setting: "2 h", "1 h 30 min", "90 s" → "1 min 30 s".

    Every non-zero unit is shown, so the text reads back to the same number of seconds.
    """
    total = max(0, round(seconds))
    if total and total % SECONDS_PER_DAY == 0:
        return _tr("{n} d").format(n=total // SECONDS_PER_DAY)
    hours, rest = divmod(total, SECONDS_PER_HOUR)
    minutes, secs = divmod(rest, SECONDS_PER_MINUTE)
    parts = []
    if hours:
        parts.append(_tr("{n} h").format(n=hours))
    if minutes:
        parts.append(_tr("{n} min").format(n=minutes))
    if secs or not parts:
        parts.append(_tr("{n} s").format(n=secs))
    return " ".join(parts)


def fmt_countdown(seconds_left: float) -> str:
    """Time left on a link: "1 h 59 min", "4 min 05 s", "42 s", or "expired"."""
    if seconds_left <= 0:
        return _tr("expired")
    total = int(seconds_left)  # floor: never promise a second the link does not have
    hours, rest = divmod(total, SECONDS_PER_HOUR)
    minutes, secs = divmod(rest, SECONDS_PER_MINUTE)
    if hours:
        return _tr("{h} h {m:02d} min").format(h=hours, m=minutes)
    if minutes:
        return _tr("{m} min {s:02d} s").format(m=minutes, s=secs)
    return _tr("{n} s").format(n=secs)
