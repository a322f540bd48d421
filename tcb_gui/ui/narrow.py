"""How the window's rows give way when the window is narrow (down to ``MIN_WIDTH``, half
of a 1366 px screen), so that nothing is cut off or drawn over its neighbour:

- ``GivingRow``: a row whose buttons drop their words, one by one in the order given,
  while the row is narrower than it would be with every word shown. A button that has
  dropped them keeps its icon, and its words stay its accessible name and lead its
  tooltip.
- ``StackingRow``: a row of two parts that puts the second under the first while the
  row is narrower than both side by side.
- ``EndElidedLabel``: one line of text that ends in "…" rather than being cut off, the
  whole in its tooltip.

The rows decide in ``setGeometry`` from the width they are given and change something only
when the decision changes, so a layout pass never asks for another one.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRect, QSize, Qt
from PySide6.QtGui import QHelpEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPushButton,
    QToolTip,
    QWidget,
)

# A button's words kept while it shows only its icon (Qt properties on the button), and
# whether its accessible name is those words (set here, so taken back here).
WORDS = "tcbWords"
TIP = "tcbTip"
NAMED = "tcbNamed"


def words_shown(button: QPushButton) -> bool:
    return button.property(WORDS) is None


def show_words(button: QPushButton, shown: bool) -> None:
    """Show ``button``'s words beside its icon, or only its icon: then the words lead its
    tooltip and stay its accessible name (a screen reader says the same either way)."""
    if shown == words_shown(button):
        return
    if shown:
        button.setText(str(button.property(WORDS)))
        button.setToolTip(str(button.property(TIP)))
        if button.property(NAMED):
            button.setAccessibleName("")
        for name in (WORDS, TIP, NAMED):
            button.setProperty(name, None)
        return
    words, tip = button.text(), button.toolTip()
    button.setProperty(NAMED, not button.accessibleName())
    button.setText("")
    _keep_words(button, words, tip)


def set_words(button: QPushButton, words: str, tip: str) -> None:
    """Give ``button`` new words and tooltip, shown or kept as ``show_words`` left it."""
    if words_shown(button):
        button.setText(words)
        button.setToolTip(tip)
        return
    _keep_words(button, words, tip)
    button.updateGeometry()  # its row measures the words it would show


def _keep_words(button: QPushButton, words: str, tip: str) -> None:
    button.setProperty(WORDS, words)
    button.setProperty(TIP, tip)
    plain = words.replace("&&", "\0").replace("&", "").replace("\0", "&")
    if button.property(NAMED):
        button.setAccessibleName(plain)
    button.setToolTip(f"{plain}\n{tip}" if tip else plain)


class _Probe:
    """Measures a push button as it would be with other words: a button of its own, never
    shown, with the same icon and font (the row's buttons are not touched)."""

    def __init__(self) -> None:
        self._button: QPushButton | None = None

    def width(self, button: QPushButton, words: str) -> int:
        probe = self._button
        if probe is None:
            probe = self._button = QPushButton()
        # The app's style, as the window's buttons have (asking a widget for its style
        # costs ~5 ms before the first paint: ui/theme).
        if probe.font() != button.font():
            probe.setFont(button.font())
        probe.setIcon(button.icon())
        probe.setIconSize(button.iconSize())
        probe.setText(words)
        return probe.sizeHint().width()


class GivingRow(QHBoxLayout):
    """A row whose ``give_way`` buttons show only their icons, in that order, as far as
    it takes for the row to fit its width (see the module docstring). The row's other
    parts that can narrow (a token badge that says less) do so first; those
    ``kept_whole`` (a profile's name, fixed at its preferred width) narrow last, given a
    maximum width only while the row cannot fit them whole."""

    def __init__(self) -> None:
        super().__init__()
        self._buttons: list[QPushButton] = []
        self._whole: list[QWidget] = []
        self._probe = _Probe()

    def give_way(self, *buttons: QPushButton) -> None:
        self._buttons.extend(buttons)
        self.invalidate()

    def keep_whole(self, *widgets: QWidget) -> None:
        self._whole.extend(widgets)
        self.invalidate()

    def _saving(self, button: QPushButton) -> int:
        """How much narrower ``button`` is with its icon alone than with its words."""
        words = button.text() if words_shown(button) else str(button.property(WORDS))
        full = self._probe.width(button, words)
        return max(0, full - self._probe.width(button, ""))

    def _shown(self) -> tuple[list[QPushButton], list[QWidget]]:
        return (
            [b for b in self._buttons if not b.isHidden()],
            [w for w in self._whole if not w.isHidden()],
        )

    def minimumSize(self) -> QSize:
        size = super().minimumSize()
        buttons, whole = self._shown()
        width = size.width() - sum(self._saving(b) for b in buttons if words_shown(b))
        width -= sum(max(0, _counted(w) - w.minimumSizeHint().width()) for w in whole)
        return QSize(width, size.height())

    def setGeometry(self, rect: QRect) -> None:
        buttons, whole = self._shown()
        savings = [self._saving(b) for b in buttons]
        # The row's least width with every word shown and what is kept whole whole, less
        # what each button gives up in turn; then what is kept whole gives up the rest.
        width = (
            super().minimumSize().width()
            + sum(s for b, s in zip(buttons, savings, strict=True) if not words_shown(b))
            + sum(w.sizeHint().width() - _counted(w) for w in whole)
        )
        for button, saving in zip(buttons, savings, strict=True):
            fits = width <= rect.width()
            show_words(button, fits)
            if not fits:
                width -= saving
        for widget in whole:
            over = width - rect.width()
            hint = widget.sizeHint().width()
            most = max(widget.minimumSizeHint().width(), hint - over) if over > 0 else _ANY
            if widget.maximumWidth() != most:
                widget.setMaximumWidth(most)
            width -= hint - min(hint, most)
        super().setGeometry(rect)


_ANY = 16_777_215  # QWIDGETSIZE_MAX: no maximum


def _counted(widget: QWidget) -> int:
    """The width a fixed-width widget takes in its row: its preferred, or its maximum."""
    return min(widget.sizeHint().width(), widget.maximumWidth())


class StackingRow(QBoxLayout):
    """Two parts side by side, or the second under the first while the row is narrower
    than the first's least width and the second's preferred one together."""

    def __init__(self, first: QLayout, second: QLayout, spacing: int) -> None:
        super().__init__(QBoxLayout.Direction.LeftToRight)
        self.setSpacing(spacing)
        self.first, self.second = first, second
        self.addLayout(first, 1)
        self.addLayout(second)

    def stacked(self) -> bool:
        return self.direction() is QBoxLayout.Direction.TopToBottom

    def minimumSize(self) -> QSize:
        first, second = self.first.minimumSize(), self.second.minimumSize()
        size = super().minimumSize()
        return QSize(max(first.width(), second.width()), size.height())

    def setGeometry(self, rect: QRect) -> None:
        side_by_side = (
            self.first.minimumSize().width() + self.spacing() + self.second.sizeHint().width()
        )
        direction = (
            QBoxLayout.Direction.LeftToRight
            if rect.width() >= side_by_side
            else QBoxLayout.Direction.TopToBottom
        )
        if direction is not self.direction():
            self.setDirection(direction)
        super().setGeometry(rect)


class EndElidedLabel(QLabel):
    """A one-line label that, while its text is wider than it, shows the start of it and
    "…" instead of a cut-off fragment, and then its tooltip gives the whole. ``text()``
    stays the whole (tests, screen readers)."""

    def _elided(self) -> str | None:
        """The text as shown, when the whole does not fit; else None."""
        text = self.text()
        width = self.contentsRect().width()
        metrics = self.fontMetrics()
        if "\n" in text or metrics.horizontalAdvance(text) <= width:
            return None
        return metrics.elidedText(text, Qt.TextElideMode.ElideRight, width)

    def paintEvent(self, event: QPaintEvent) -> None:
        elided = self._elided()
        if elided is None:
            super().paintEvent(event)
            return
        painter = QPainter(self)
        self.style().drawItemText(
            painter,
            self.contentsRect(),
            int(self.alignment()),
            self.palette(),
            self.isEnabled(),
            elided,
            self.foregroundRole(),
        )

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and not self.toolTip():
            if self._elided() is None:
                QToolTip.hideText()
            else:
                assert isinstance(event, QHelpEvent)
                QToolTip.showText(event.globalPos(), self.text(), self)
            return True
        return super().event(event)
