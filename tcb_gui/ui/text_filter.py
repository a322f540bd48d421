"""The filter box: typing into it stays smooth however long the list.

Re-filtering asks about every row, ~150–300 ms at 100,000 rows (``bench/window.py``):
done at each keystroke, typing "012345" would hold the window for a second and a half.
Short lists still filter as each key is typed; long ones once typing pauses, at once on
Enter, and clearing the box always shows every row again at once.

The window's shortcuts work from the box, where Ctrl+F leaves the focus: a line edit
claims the keys of the platform's line bindings before any shortcut sees them (on X11
Ctrl+E is "end of line", which swallowed Export), so the box lets go of every key the
window has an action for, except the keys that edit its text (Ctrl+A/C/V/X/Z/Y, and
typing, Home, End, Backspace, Delete without Ctrl).
"""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import QEvent, QKeyCombination, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QLineEdit

from tcb_gui.ui.results_proxy import ResultsProxy

# Up to this many rows a refilter takes a few milliseconds: no need to wait.
IMMEDIATE_MAX_ROWS = 10_000
# The pause that ends a burst of typing (keys come ~100–200 ms apart).
TYPING_PAUSE_MS = 250
# Keys that stay the box's even where the window has the same shortcut: Ctrl+C copies
# the typed text (not links), Ctrl+V pastes into the box, Ctrl+Z undoes the typing.
TEXT_KEYS: Final = (
    QKeySequence.StandardKey.SelectAll,
    QKeySequence.StandardKey.Copy,
    QKeySequence.StandardKey.Cut,
    QKeySequence.StandardKey.Paste,
    QKeySequence.StandardKey.Undo,
    QKeySequence.StandardKey.Redo,
)
# Without one of these a key types or moves the cursor, and is the box's.
COMMAND_MODIFIERS: Final = (
    Qt.KeyboardModifier.ControlModifier
    | Qt.KeyboardModifier.AltModifier
    | Qt.KeyboardModifier.MetaModifier
)


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
        edit.installEventFilter(self)

    @property
    def pending(self) -> bool:
        """Whether typed text waits for the pause before it filters."""
        return self._timer.isActive()

    def apply(self) -> None:
        """Filter by the box's text now."""
        self._timer.stop()
        self._proxy.set_text_filter(self._edit.text())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and self.window_takes(event)
        ):
            event.ignore()  # not the box's: the shortcut fires
            return True
        return super().eventFilter(watched, event)

    def window_takes(self, event: QKeyEvent) -> bool:
        """Whether ``event`` is a shortcut of one of the window's actions and no key that
        edits the box's text."""
        if not event.modifiers() & COMMAND_MODIFIERS:
            return False
        if any(event.matches(key) for key in TEXT_KEYS):
            return False
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        pressed = QKeySequence(QKeyCombination(modifiers, Qt.Key(event.key())))
        return any(
            pressed == shortcut
            for action in self._edit.window().actions()
            if action.shortcutContext() is not Qt.ShortcutContext.WidgetShortcut
            for shortcut in action.shortcuts()
        )

    def _changed(self, text: str) -> None:
        source = self._proxy.sourceModel()
        rows = source.rowCount() if source is not None else 0
        if rows <= IMMEDIATE_MAX_ROWS or not text.strip():
            self.apply()
        else:
            self._timer.start()
