"""Tell the operator when long work ends while they look elsewhere.

A resolve or a download that took longer than ``LONG_WORK_S`` and finishes while the
window is not the active one gets a desktop notification (``QSystemTrayIcon.showMessage``:
the freedesktop notification service on Linux, the notification centre on Windows and
macOS). Where the platform has no system tray (``isSystemTrayAvailable``), nothing is
shown; the window's own status line says the same in any case. The tray icon exists
only while it has something to say.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QSystemTrayIcon, QWidget

from tcb_gui.ui.icons import app_icon

# Work shorter than this ends while the operator still watches: no notification.
LONG_WORK_S: Final = 5.0
MESSAGE_MS: Final = 8_000
# The tray icon goes away this long after its message.
TRAY_LINGER_MS: Final = 10_000


@dataclass(frozen=True, slots=True)
class Notice:
    title: str
    text: str


class DoneNotifier(QObject):
    """Sends "finished" notices for a window (``sent`` keeps them, for tests)."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        self._tray: QSystemTrayIcon | None = None
        self.sent: list[Notice] = []
        self._linger = QTimer(self)
        self._linger.setObjectName("notify-linger")
        self._linger.setSingleShot(True)
        self._linger.setInterval(TRAY_LINGER_MS)
        self._linger.timeout.connect(self._hide_tray)

    def wanted(self, seconds: float) -> bool:
        """Whether work that took ``seconds`` deserves a notice now."""
        window = self._window
        return seconds >= LONG_WORK_S and not (window.isVisible() and window.isActiveWindow())

    def work_done(self, seconds: float, title: str, text: str) -> bool:
        """A notice for work that ended; True when one was shown."""
        if not self.wanted(seconds) or not QSystemTrayIcon.isSystemTrayAvailable():
            return False
        tray = self._tray
        if tray is None:
            tray = self._tray = QSystemTrayIcon(app_icon(), self)
            tray.setToolTip(self._window.windowTitle())
            tray.messageClicked.connect(self._raise_window)
            tray.activated.connect(lambda _reason: self._raise_window())
        tray.show()
        tray.showMessage(title, text, app_icon(), MESSAGE_MS)
        self.sent.append(Notice(title, text))
        self._linger.start()
        return True

    def _raise_window(self) -> None:
        window = self._window
        window.showNormal() if window.isMinimized() else window.show()
        window.raise_()
        window.activateWindow()

    def _hide_tray(self) -> None:
        if self._tray is not None:
            self._tray.hide()

    def close(self) -> None:
        self._linger.stop()
        self._hide_tray()
