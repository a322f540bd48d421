"""How numbers and durations read in the window: "1,204", "2 h", "1 h 59 min", "42 s".

Every word goes through ``QCoreApplication.translate`` so a translation can reword it.
"""

from __future__ import annotations

from typing import overload

from PySide6.QtCore import QCoreApplication, QLocale
from PySide6.QtGui import Qt

SECONDS_PER_MINUTE = 60
SECONDS_PER_HOUR = 3_600
SECONDS_PER_DAY = 86_400

# The words below are written out as QCoreApplication.translate("Formatting", "…") calls,
# not through a helper: lupdate only finds literal calls of Qt's own functions.


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
    day, hour, minute, second = _duration_templates()
    total = max(0, round(seconds))
    if total and total % SECONDS_PER_DAY == 0:
        return day.format(n=total // SECONDS_PER_DAY)
    hours, rest = divmod(total, SECONDS_PER_HOUR)
    minutes, secs = divmod(rest, SECONDS_PER_MINUTE)
    parts = []
    if hours:
        parts.append(hour.format(n=hours))
    if minutes:
        parts.append(minute.format(n=minutes))
    if secs or not parts:
        parts.append(second.format(n=secs))
    return " ".join(parts)


def _duration_templates() -> tuple[str, str, str, str]:
    """Day, hour, minute and second as ``fmt_duration`` writes them ("{n} h")."""
    return (
        QCoreApplication.translate("Formatting", "{n} d"),
        QCoreApplication.translate("Formatting", "{n} h"),
        QCoreApplication.translate("Formatting", "{n} min"),
        QCoreApplication.translate("Formatting", "{n} s"),
    )


def duration_unit_words() -> dict[str, int]:
    """The unit words of the current translation and their seconds ("小时" → 3600).

    So a duration shown in the user's language ("2 小时") reads back as a number.
    """
    seconds = (SECONDS_PER_DAY, SECONDS_PER_HOUR, SECONDS_PER_MINUTE, 1)
    words = {}
    for template, unit in zip(_duration_templates(), seconds, strict=True):
        word = template.replace("{n}", "").strip().casefold()
        if word and not any(ch.isdigit() for ch in word):
            words[word] = unit
    return words


def fmt_countdown(seconds_left: float) -> str:
    """Time left on a link: "1 h 59 min", "4 min 05 s", "42 s", or "expired"."""
    if seconds_left <= 0:
        return QCoreApplication.translate("Formatting", "expired")
    total = int(seconds_left)  # floor: never promise a second the link does not have
    hours, rest = divmod(total, SECONDS_PER_HOUR)
    minutes, secs = divmod(rest, SECONDS_PER_MINUTE)
    if hours:
        return QCoreApplication.translate("Formatting", "{h} h {m:02d} min").format(
            h=hours, m=minutes
        )
    if minutes:
        return QCoreApplication.translate("Formatting", "{m} min {s:02d} s").format(
            m=minutes, s=secs
        )
    return QCoreApplication.translate("Formatting", "{n} s").format(n=secs)


# Below this many seconds, time left reads "a few seconds": a countdown to the second
# only jitters there.
FEW_SECONDS = 10
# Below this, the seconds are shown with the minutes ("4 min 05 s"); above, minutes only.
SECONDS_SHOWN_BELOW = 10 * SECONDS_PER_MINUTE


def fmt_eta(seconds: float) -> str:
    """Time still needed for work under way: "a few seconds", "42 s", "4 min 05 s",
    "25 min", "1 h 20 min". A duration, never "expired" (that is a link's word,
    ``fmt_countdown``): 0 means the work is about done."""
    total = max(0, round(seconds))
    if total < FEW_SECONDS:
        return QCoreApplication.translate("Formatting", "a few seconds")
    if total < SECONDS_PER_MINUTE:
        return QCoreApplication.translate("Formatting", "{n} s").format(n=total)
    if total < SECONDS_SHOWN_BELOW:
        minutes, secs = divmod(total, SECONDS_PER_MINUTE)
        return QCoreApplication.translate("Formatting", "{m} min {s:02d} s").format(
            m=minutes, s=secs
        )
    minutes = round(total / SECONDS_PER_MINUTE)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return QCoreApplication.translate("Formatting", "{h} h {m:02d} min").format(
            h=hours, m=minutes
        )
    return QCoreApplication.translate("Formatting", "{n} min").format(n=minutes)


@overload
def plain_tip(text: str) -> str: ...
@overload
def plain_tip(text: None) -> None: ...
def plain_tip(text: str | None) -> str | None:
    """``text`` as a tooltip must show it, character for character. Qt takes a tooltip
    that looks like HTML for HTML: a key ``a<b>c</b>.png`` would show as a bold "ac.png",
    and a service's errmsg could draw whatever it liked. Such a text is handed over
    escaped; any other as it is (no cost for the usual names and words)."""
    if text and Qt.mightBeRichText(text):
        return Qt.convertFromPlainText(text)
    return text
