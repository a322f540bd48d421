"""The token badge: the token's state in colour, words, an icon and a tooltip.

Colour is never the only signal: the words say the state, and the tooltip says what the
service answered, today's quota, the estimated time left of the token's 2-hour life,
where the token came from and when it was last checked. Where the window is narrow the
badge says less (the state and the time left, then the state alone), never cut off.
Time left reads the same for a pasted and a stable token ("1 h 59 min left"; "~" when
it is an estimate). So does the quota: "~998,000 calls left today" is the last check less
the link calls made since (``core.quota_gauge``, decided there), and its tooltip says
so, with the time of that check; after midnight (UTC+8) it shows no number until the
next check.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from PySide6.QtCore import QPoint, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QFocusEvent,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from tcb_gui.core.errors import TokenState
from tcb_gui.core.tokens import TokenSource
from tcb_gui.ui.formatting import fmt_countdown, fmt_int, plural
from tcb_gui.ui.icons import Glyph, icon
from tcb_gui.ui.palette import Tone, tone_color, tone_text_on_tint, tone_tint

if TYPE_CHECKING:
    from datetime import datetime

    from tcb_gui.core.client import Quota
    from tcb_gui.core.quota_gauge import QuotaReading

PAD_X = 10
PAD_Y = 4
ICON_SIZE = 14
ICON_GAP = 6
RADIUS = 11.0
# Width of the keyboard focus ring drawn around the badge (room is kept for it).
FOCUS_RING = 2

TONES: dict[TokenState, Tone] = {
    TokenState.NOT_SET: Tone.NEUTRAL,
    TokenState.CHECKING: Tone.INFO,
    TokenState.VALID: Tone.SUCCESS,
    TokenState.EXPIRED: Tone.DANGER,
    TokenState.INVALID: Tone.DANGER,
    TokenState.MISSING: Tone.DANGER,
    TokenState.NOT_ALLOWED: Tone.DANGER,
    TokenState.UNREACHABLE: Tone.WARNING,
}

GLYPHS: dict[TokenState, Glyph] = {
    TokenState.NOT_SET: Glyph.KEY,
    TokenState.CHECKING: Glyph.RESOLVING,
    TokenState.VALID: Glyph.OK,
    TokenState.EXPIRED: Glyph.EXPIRED,
    TokenState.INVALID: Glyph.FAILED,
    TokenState.MISSING: Glyph.FAILED,
    TokenState.NOT_ALLOWED: Glyph.WARNING,
    TokenState.UNREACHABLE: Glyph.WARNING,
}


# Codes of the token endpoint that mean "not from this computer's IP" (errors.py).
IP_CODES = frozenset({40164, 89503, 89506, 89507})
APPID_CODES = frozenset({40013})
SECONDS_PER_MINUTE = 60


class BadgeInfo(NamedTuple):
    """Everything the badge shows.

    ``stable``: the token comes from the profile's AppID + AppSecret (mini program
    mode); ``source`` is then where the AppSecret came from, ``time_left`` is exact, and
    ``code`` (the token endpoint's errcode) picks the words for a failure.
    ``quota_reading``: how ``quota`` was arrived at, when it is the last check less the
    calls made since (estimated) or unknown since midnight (stale).
    """

    state: TokenState
    source: TokenSource = TokenSource.NONE
    message: str = ""
    quota: Quota | None = None
    time_left: float | None = None  # seconds, estimated (exact for a stable token)
    checked_at: datetime | None = None
    stable: bool = False
    code: int | None = None
    quota_reading: QuotaReading | None = None


def quota_used_up(info: BadgeInfo) -> bool:
    """A valid token with no link calls left today: every resolve and download is
    refused until the quota resets, so the badge warns instead of looking all well."""
    return info.state is TokenState.VALID and info.quota is not None and info.quota.remain <= 0


class TokenBadge(QWidget):
    """The badge. Reachable with Tab: focused, it shows its details (the tooltip) and
    Space or Enter checks the token again (``activated``)."""

    activated = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.setAccessibleName(self.tr("Token state"))
        self._words = {
            TokenState.NOT_SET: self.tr("No token"),
            TokenState.CHECKING: self.tr("Checking…"),
            TokenState.VALID: self.tr("Token valid"),
            TokenState.EXPIRED: self.tr("Token expired"),
            TokenState.INVALID: self.tr("Token invalid"),
            TokenState.MISSING: self.tr("No token received"),
            TokenState.NOT_ALLOWED: self.tr("Not allowed for this API"),
            TokenState.UNREACHABLE: self.tr("Service unreachable"),
        }
        # Mini program mode: the same states, said in terms of the AppID and AppSecret.
        self._stable_words = {
            TokenState.NOT_SET: self.tr("No AppSecret"),
            TokenState.INVALID: self.tr("AppSecret rejected"),
            TokenState.MISSING: self.tr("No AppSecret"),
        }
        self._ip_words = self.tr("IP not on the allowlist")
        self._appid_words = self.tr("AppID rejected")
        self._info = BadgeInfo(TokenState.NOT_SET)
        self._text = ""
        self._shorter: list[str] = []  # what it says when there is less room
        self.set_info(self._info)

    @property
    def info(self) -> BadgeInfo:
        return self._info

    @property
    def state(self) -> TokenState:
        return self._info.state

    @property
    def text(self) -> str:
        return self._text

    @property
    def tone(self) -> Tone:
        return Tone.WARNING if quota_used_up(self._info) else TONES[self._info.state]

    @property
    def glyph(self) -> Glyph:
        return Glyph.WARNING if quota_used_up(self._info) else GLYPHS[self._info.state]

    def words(self, state: TokenState) -> str:
        return self._words[state]

    def _state_words(self, info: BadgeInfo) -> str:
        if info.stable:
            if info.code in IP_CODES:
                return self._ip_words
            if info.code in APPID_CODES:
                return self._appid_words
            if info.state in self._stable_words:
                return self._stable_words[info.state]
        return self._words[info.state]

    def set_info(self, info: BadgeInfo) -> None:
        self._info = info
        self._text = self._compose_text(info)
        self._shorter = self._compose_shorter(info)
        tip = self._compose_tooltip(info)
        self.setToolTip(tip)
        self.setAccessibleDescription(tip)
        self.updateGeometry()
        self.update()

    def _source_words(self, source: TokenSource) -> str:
        if source is TokenSource.ENVIRONMENT:
            return self.tr("from environment")
        if source is TokenSource.SESSION:
            return self.tr("session only")
        if source is TokenSource.KEYRING:
            return self.tr("in keyring")
        return ""

    def _time_left(self, info: BadgeInfo) -> str:
        """ "1 h 59 min left" (exact, a stable token) or "~1 h 59 min left" (estimated)."""
        if info.time_left is None:
            return ""
        if info.stable:
            return self.tr("{t} left").format(t=fmt_countdown(info.time_left))
        return self.tr("~{t} left").format(t=fmt_countdown(info.time_left))

    def _calls_left(self, info: BadgeInfo) -> str:
        """ "998,000 calls left today", or "~998,000 …" when it is an estimate."""
        assert info.quota is not None
        remain = info.quota.remain
        reading = info.quota_reading
        if reading is not None and reading.estimated:
            return plural(remain, self.tr("~1 call left today"), self.tr("~{n} calls left today"))
        return plural(remain, self.tr("1 call left today"), self.tr("{n} calls left today"))

    def _quota_lines(self, info: BadgeInfo) -> list[str]:
        """The tooltip's quota: the numbers, and how they were arrived at."""
        reading = info.quota_reading
        if reading is not None and reading.stale:
            return [
                self.tr(
                    "Today's quota: not checked yet. It reset at midnight (Beijing time) "
                    "after the last check, {when}."
                ).format(when=reading.checked_at.astimezone().strftime("%Y-%m-%d %H:%M"))
            ]
        q = info.quota
        if q is None:
            return []
        if reading is None or not reading.estimated:
            return [
                self.tr("Quota today: {used} of {limit} used, {remain} left").format(
                    used=fmt_int(q.used), limit=fmt_int(q.daily_limit), remain=fmt_int(q.remain)
                )
            ]
        when = reading.checked_at.astimezone().strftime("%H:%M:%S")
        calls = reading.calls_since
        since = (
            self.tr("Estimated: the check at {when} less the link call made here since.")
            if calls == 1
            else self.tr("Estimated: the check at {when} less the {n} link calls made here since.")
        )
        return [
            self.tr("Quota today: about {used} of {limit} used, {remain} left").format(
                used=fmt_int(q.used), limit=fmt_int(q.daily_limit), remain=fmt_int(q.remain)
            ),
            since.format(when=when, n=fmt_int(calls)),
            self.tr("Calls made elsewhere with this account are not counted."),
        ]

    def _compose_shorter(self, info: BadgeInfo) -> list[str]:
        """Shorter forms, longest first, each dropping what matters least of what is left:
        where the token came from, then today's quota, then the time left."""
        state = self._state_words(info)
        left = self._time_left(info) if info.state is TokenState.VALID else ""
        forms: list[str] = []
        if info.state is TokenState.VALID and not info.stable and info.quota is not None:
            calls = self._calls_left(info)
            forms.append(" · ".join(part for part in (state, calls, left) if part))
        if left:
            forms.append(self.tr("{state} · {left}").format(state=state, left=left))
        forms.append(state)
        shorter: list[str] = []
        for form in forms:
            if form != self._text and form not in shorter:
                shorter.append(form)
        return shorter

    def shown_text(self) -> str:
        """What the badge shows at its present width."""
        fm = QFontMetrics(self._font())
        room = self.width() - (PAD_X * 2 + ICON_SIZE + ICON_GAP + 2 * FOCUS_RING + 2)
        for text in (self._text, *self._shorter):
            if fm.horizontalAdvance(text) <= room:
                return text
        return (self._shorter or [self._text])[-1]

    def _compose_text(self, info: BadgeInfo) -> str:
        if info.stable and info.state is TokenState.VALID:
            text = self.tr("{state} — stable token, renews automatically").format(
                state=self._words[info.state]
            )
            if info.time_left is not None:
                text += " · " + self._time_left(info)
            if info.source in (TokenSource.ENVIRONMENT, TokenSource.SESSION):
                text += " · " + self._source_words(info.source)
            return text
        parts = [self._state_words(info)]
        if info.state is TokenState.VALID:
            if info.quota is not None:
                parts.append(self._calls_left(info))
            if info.time_left is not None:
                parts.append(self._time_left(info))
        if info.state is not TokenState.NOT_SET and info.source in (
            TokenSource.ENVIRONMENT,
            TokenSource.SESSION,
        ):
            parts.append(self._source_words(info.source))
        return " · ".join(parts)

    def _compose_tooltip(self, info: BadgeInfo) -> str:
        lines = [self._state_words(info)]
        if info.message:
            # Not before the first paint: "Checking…" says nothing of core's.
            from tcb_gui.ui.core_text import core_text

            lines.append(core_text(info.message))
        lines.extend(self._quota_lines(info))
        if info.time_left is not None and info.stable:
            lines.append(
                self.tr(
                    "Time left of the token WeChat issued: {t}; a new one is fetched a few "
                    "minutes before it ends."
                ).format(t=fmt_countdown(info.time_left))
            )
        elif info.time_left is not None:
            lines.append(
                self.tr("Estimated time left of its 2-hour life: {t}").format(
                    t=fmt_countdown(info.time_left)
                )
            )
        source = self._source_words(info.source)
        if source and info.stable:
            lines.append(self.tr("AppSecret: {source}").format(source=source))
        elif source:
            lines.append(self.tr("Source: {source}").format(source=source))
        if info.checked_at is not None:
            lines.append(
                self.tr("Last checked: {when}").format(
                    when=info.checked_at.astimezone().strftime("%H:%M:%S")
                )
            )
        if info.state is TokenState.NOT_SET and info.stable:
            lines.append(
                self.tr("Set the AppSecret (Token ▸ Set AppSecret…) or set TCB_APP_SECRET.")
            )
        elif info.state is TokenState.NOT_SET:
            lines.append(self.tr("Set a token (Token ▸ Set token…) or set TCB_ACCESS_TOKEN."))
        else:
            lines.append(self.tr("Press F5 to check again."))
        return "\n".join(lines)

    # --- painting -------------------------------------------------------------------

    def _font(self) -> QFont:
        font = QFont(self.font())
        font.setWeight(QFont.Weight.DemiBold)
        return font

    def sizeHint(self) -> QSize:
        fm = QFontMetrics(self._font())
        ring = 2 * FOCUS_RING
        height = max(fm.height(), ICON_SIZE) + PAD_Y * 2 + 2 + ring
        return QSize(self._pill_width(self._text), height)

    def minimumSizeHint(self) -> QSize:
        short = (self._shorter or [self._text])[-1]
        return QSize(self._pill_width(short), self.sizeHint().height())

    # --- keyboard -------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.activated.emit()
            event.accept()
            return
        super().keyPressEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.update()
        if event.reason() in (
            Qt.FocusReason.TabFocusReason,
            Qt.FocusReason.BacktabFocusReason,
            Qt.FocusReason.ShortcutFocusReason,
        ):
            # Keyboard users get the details a mouse user gets by hovering.
            QToolTip.showText(self.mapToGlobal(QPoint(0, self.height())), self.toolTip(), self)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        QToolTip.hideText()
        self.update()

    def _pill_width(self, text: str) -> int:
        """The badge's width for ``text``: padding, icon, words and the focus ring."""
        fm = QFontMetrics(self._font())
        width = PAD_X * 2 + ICON_SIZE + ICON_GAP + fm.horizontalAdvance(text) + 2
        return width + 2 * FOCUS_RING

    def paintEvent(self, event: QPaintEvent) -> None:
        tone = self.tone
        shown = self.shown_text()
        # Given more room than a shorter form needs (but too little for the longer one),
        # the pill hugs its words, on the right next to the token's buttons: no empty
        # tinted stretch after them.
        box = QRect(self.rect())
        box.setLeft(max(0, box.width() - self._pill_width(shown)))
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self.hasFocus():
            ring = QPen(self.palette().color(QPalette.ColorRole.Accent), FOCUS_RING)
            painter.setPen(ring)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            half = FOCUS_RING / 2
            outer = QRectF(box).adjusted(half, half, -half, -half)
            painter.drawRoundedRect(outer, RADIUS + FOCUS_RING, RADIUS + FOCUS_RING)
        inset = FOCUS_RING + 0.5
        rect = QRectF(box).adjusted(inset, inset, -inset, -inset)
        border = tone_color(tone, self.palette())
        border.setAlpha(120)
        painter.setPen(QPen(border, 1))
        painter.setBrush(tone_tint(tone, self.palette()))
        painter.drawRoundedRect(rect, RADIUS, RADIUS)
        top = (self.height() - ICON_SIZE) // 2
        icon(self.glyph, tone).paint(
            painter,
            box.left() + PAD_X + FOCUS_RING,
            top,
            ICON_SIZE,
            ICON_SIZE,
            Qt.AlignmentFlag.AlignCenter,
        )
        painter.setFont(self._font())
        # The words sit on the tint: checked against it, not just the window.
        painter.setPen(tone_text_on_tint(tone, self.palette()))
        text_rect = box.adjusted(
            PAD_X + ICON_SIZE + ICON_GAP + FOCUS_RING, 0, -PAD_X - FOCUS_RING, 0
        )
        painter.drawText(
            text_rect,
            int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
            shown,
        )
        painter.end()
