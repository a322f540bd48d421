"""Plain-language banners above the table: what happened and what to do, with buttons.

Each banner has a topic ("keyring", "run", "input", …); showing a topic again replaces
its text, so messages never pile up.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from tcb_gui.ui.icons import Glyph, icon
from tcb_gui.ui.palette import Tone, tone_color, tone_tint

_GLYPHS = {
    Tone.NEUTRAL: Glyph.INFO,
    Tone.INFO: Glyph.INFO,
    Tone.SUCCESS: Glyph.OK,
    Tone.WARNING: Glyph.WARNING,
    Tone.DANGER: Glyph.FAILED,
}
ICON_SIZE = 18
RADIUS = 6.0

Action = tuple[str, Callable[[], object]]


class Banner(QWidget):
    def __init__(self, topic: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.topic = topic
        self.tone = Tone.INFO
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 8, 8)
        layout.setSpacing(10)
        self._icon = QLabel(self)
        self._icon.setFixedSize(ICON_SIZE, ICON_SIZE)
        layout.addWidget(self._icon, 0, Qt.AlignmentFlag.AlignTop)
        self.label = QLabel(self)
        # Plain text: names, IDs and the service's words are shown as they are, never as HTML.
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        layout.addWidget(self.label, 1)
        self._buttons = QHBoxLayout()
        self._buttons.setSpacing(6)
        self._action_buttons: list[QPushButton] = []
        layout.addLayout(self._buttons)
        self._close = QToolButton(self)
        self._close.setText("✕")
        self._close.setAutoRaise(True)
        self._close.setToolTip(self.tr("Dismiss"))
        self._close.clicked.connect(self.hide)
        layout.addWidget(self._close, 0, Qt.AlignmentFlag.AlignTop)

    @property
    def text(self) -> str:
        return self.label.text()

    def button_texts(self) -> list[str]:
        return [button.text() for button in self._action_buttons]

    def click(self, text: str) -> None:
        """Press the action button labelled ``text`` (tests, and keyboard users via mnemonics)."""
        for button in self._action_buttons:
            if button.text() == text:
                button.click()
                return
        raise KeyError(text)

    def set_message(self, tone: Tone, text: str, actions: Sequence[Action] = ()) -> None:
        self.tone = tone
        self._icon.setPixmap(icon(_GLYPHS[tone], tone).pixmap(ICON_SIZE, ICON_SIZE))
        self.label.setText(text)
        # removeWidget, not takeAt: a taken QLayoutItem handed to Python is freed twice.
        for old in self._action_buttons:
            self._buttons.removeWidget(old)
            old.deleteLater()
        self._action_buttons = []
        for caption, callback in actions:
            button = QPushButton(caption, self)
            button.clicked.connect(lambda _checked=False, cb=callback: cb())
            self._buttons.addWidget(button)
            self._action_buttons.append(button)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        paint_tone_frame(self, self.tone, RADIUS)


class BannerArea(QWidget):
    """A column of banners, one per topic, shown only while it has something to say."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(6)
        self._banners: dict[str, Banner] = {}
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

    def show_message(
        self, topic: str, tone: Tone, text: str, actions: Sequence[Action] = ()
    ) -> Banner:
        banner = self._banners.get(topic)
        if banner is None:
            banner = Banner(topic, self)
            self._banners[topic] = banner
            self._layout.addWidget(banner)
        banner.set_message(tone, text, actions)
        banner.show()
        return banner

    def hide_topic(self, topic: str) -> None:
        banner = self._banners.get(topic)
        if banner is not None:
            banner.hide()

    def banner(self, topic: str) -> Banner | None:
        """The banner of ``topic`` if it is showing."""
        banner = self._banners.get(topic)
        return banner if banner is not None and not banner.isHidden() else None


def paint_tone_frame(widget: QWidget, tone: Tone, radius: float) -> None:
    """A rounded frame tinted by ``tone``: banners and the downloads panel share it."""
    painter = QPainter(widget)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    rect = QRectF(widget.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
    border = tone_color(tone, widget.palette())
    border.setAlpha(110)
    painter.setPen(QPen(border, 1))
    painter.setBrush(tone_tint(tone, widget.palette()))
    painter.drawRoundedRect(rect, radius, radius)
    painter.end()
