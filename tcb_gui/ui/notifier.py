"""How presenters speak to the user: the status line and the banners, nothing else.

Presenters take a ``Notifier`` instead of the window; ``WindowNotifier`` is the
window's, over its status label and ``BannerArea``. Once the window closes it stays
quiet, so a task that ends during shutdown has no widget to reach for.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import shiboken6
from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QLabel

from tcb_gui.ui.banner import Action, BannerArea
from tcb_gui.ui.palette import Tone

STATUS_MESSAGE_MS = 10_000


class Notifier(Protocol):
    def show_status(self, text: str, timeout_ms: int = STATUS_MESSAGE_MS) -> None: ...

    def show_banner(
        self, topic: str, tone: Tone, text: str, actions: Sequence[Action] = ()
    ) -> None: ...

    def hide_banner(self, topic: str) -> None: ...


class WindowNotifier(QObject):
    """The status line (cleared after a while) and the banner area of a window."""

    def __init__(self, label: QLabel, banners: BannerArea) -> None:
        super().__init__(label)
        self._label = label
        self._banners = banners
        self.closed = False
        self._timer = QTimer(self)
        self._timer.setObjectName("status-message")
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(label.clear)

    def close(self) -> None:
        """The window is closing: say nothing more."""
        self.closed = True
        self._timer.stop()

    def _gone(self) -> bool:
        return self.closed or not shiboken6.isValid(self._banners)

    def show_status(self, text: str, timeout_ms: int = STATUS_MESSAGE_MS) -> None:
        if self._gone():
            return
        self._label.setText(text)
        if timeout_ms:
            self._timer.start(timeout_ms)
        else:
            self._timer.stop()

    def show_banner(
        self, topic: str, tone: Tone, text: str, actions: Sequence[Action] = ()
    ) -> None:
        if not self._gone():
            self._banners.show_message(topic, tone, text, actions)

    def hide_banner(self, topic: str) -> None:
        if not self._gone():
            self._banners.hide_topic(topic)
