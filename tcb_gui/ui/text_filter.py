"""The filter box: typing into it stays smooth however long the list.

Re-filtering asks about every row, ~150–300 ms at 100,000 rows (``bench/window.py``):
done at each keystroke, typing "012345" would hold the window for a second and a half.
Short lists still filter as each key is typed; long ones once typing pauses, at once on
Enter, and clearing the box always shows every row again at once.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QLineEdit

from tcb_gui.ui.results_proxy import ResultsProxy

# Up to this many rows a refilter takes a few milliseconds: no need to wait.
IMMEDIATE_MAX_ROWS = 10_000
# The pause that ends a burst of typing (keys come ~100–200 ms apart).
TYPING_PAUSE_MS = 250


class TextFilterInput(QObject):
    """Feeds ``edit``'s text to ``proxy.set_text_filter``, at once or after a pause."""

    def __init__(self, edit: QLineEdit, proxy: ResultsProxy) -> None:
        super().__init__(edit)
        self._edit = edit
        self._proxy = proxy
        self._timer = QTimer(self)
        self._timer.setObjectName("filter-typing")
        self._timer.setSingleShot(True)
        self._timer.setInterval(TYPING_PAUSE_MS)
        self._timer.timeout.connect(self.apply)
        edit.textChanged.connect(self._changed)
        edit.returnPressed.connect(self.apply)

    @property
    def pending(self) -> bool:
        """Whether typed text waits for the pause before it filters."""
        return self._timer.isActive()

    def apply(self) -> None:
        """Filter by the box's text now."""
        self._timer.stop()
        self._proxy.set_text_filter(self._edit.text())

    def _changed(self, text: str) -> None:
        source = self._proxy.sourceModel()
        rows = source.rowCount() if source is not None else 0
        if rows <= IMMEDIATE_MAX_ROWS or not text.strip():
            self.apply()
        else:
            self._timer.start()
