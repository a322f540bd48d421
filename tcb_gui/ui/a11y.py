"""Keyboard and screen-reader support for the main window.

* **Tab order** follows the screen, top to bottom, left to right: the profile and token
  strip, the run bar, the banners' buttons, the filter bar, the table, the downloads
  panel, the status row. Widgets made later (a banner's buttons, the downloads panel)
  would otherwise join the end of Qt's focus chain, so the order is applied again
  whenever those areas gain children or show.
* **Names**: controls without visible text get an accessible name (and a description
  where the name alone is not enough); a button drawn with a symbol ("✕", "⋯") takes its
  tooltip as its name, so a screen reader says "Dismiss", not "multiplication x".
* **Focus**: every focusable control shows focus (Fusion draws it for standard
  controls; the badge and the table's painted buttons draw their own rings).
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import pairwise
from typing import Protocol

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QWidget,
)

from tcb_gui.ui.banner import BannerArea
from tcb_gui.ui.results_view import ResultsView
from tcb_gui.ui.token_panel import TokenPanel

OBJECT_NAME = "a11y"


class AccessibleWindow(Protocol):
    """The parts of the main window whose order and names are kept here."""

    def window(self) -> QWidget: ...

    @property
    def token_panel(self) -> TokenPanel: ...
    @property
    def banners(self) -> BannerArea: ...
    @property
    def add_button(self) -> QPushButton: ...
    @property
    def open_button(self) -> QPushButton: ...
    @property
    def max_age_spin(self) -> QSpinBox: ...
    @property
    def concurrency_spin(self) -> QSpinBox: ...
    @property
    def resolve_button(self) -> QPushButton: ...
    @property
    def download_button(self) -> QPushButton: ...
    @property
    def filter_edit(self) -> QLineEdit: ...
    @property
    def status_combo(self) -> QComboBox: ...
    @property
    def retry_button(self) -> QPushButton: ...
    @property
    def refresh_button(self) -> QPushButton: ...
    @property
    def copy_all_button(self) -> QPushButton: ...
    @property
    def export_button(self) -> QPushButton: ...
    @property
    def clear_button(self) -> QPushButton: ...
    @property
    def view(self) -> ResultsView: ...
    @property
    def downloads_panel(self) -> QWidget: ...
    @property
    def progress(self) -> QProgressBar: ...
    @property
    def counts_label(self) -> QLabel: ...
    @property
    def message_label(self) -> QLabel: ...
    @property
    def cancel_button(self) -> QPushButton: ...


def is_symbol_text(text: str) -> bool:
    """True for button text with no letter or digit in any script ("✕", "⋯", "")."""
    return not any(ch.isalnum() for ch in text.replace("&", ""))


def name_symbol_buttons(root: QWidget) -> int:
    """Give every symbol-only button under ``root`` its tooltip as accessible name."""
    named = 0
    for button in root.findChildren(QAbstractButton):
        if button.accessibleName() or not button.toolTip():
            continue
        if is_symbol_text(button.text()):
            button.setAccessibleName(button.toolTip())
            named += 1
    return named


def focusable_in_screen_order(container: QWidget) -> list[QWidget]:
    """``container``'s descendants that take Tab focus, top to bottom, left to right."""
    top = container.window()
    found = [
        w
        for w in container.findChildren(QWidget)
        if w.focusPolicy() & Qt.FocusPolicy.TabFocus and w.focusProxy() is None
    ]

    def place(widget: QWidget) -> tuple[int, int]:
        corner = widget.mapTo(top, QPoint(0, 0))
        return corner.y(), corner.x()

    return sorted(found, key=place)


def set_tab_order(widgets: Iterable[QWidget | None]) -> None:
    chain = [w for w in widgets if w is not None]
    for first, second in pairwise(chain):
        QWidget.setTabOrder(first, second)


class WindowAccessibility(QObject):
    """Keeps the main window's tab order and accessible names right as it changes."""

    def __init__(self, window: AccessibleWindow) -> None:
        super().__init__(window.window())
        self.setObjectName(OBJECT_NAME)
        self.window = window
        self._pending = QTimer(self)
        self._pending.setObjectName("a11y-refresh")
        self._pending.setSingleShot(True)
        self._pending.setInterval(0)
        self._pending.timeout.connect(self.refresh)
        self._name_controls()
        for area in self._dynamic_areas():
            area.installEventFilter(self)
            for child in area.findChildren(QWidget):
                child.installEventFilter(self)
        self.refresh()

    def _dynamic_areas(self) -> list[QWidget]:
        return [self.window.banners, self.window.downloads_panel]

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.ChildAdded:
            child = event.child()  # type: ignore[attr-defined]
            if isinstance(child, QWidget):
                child.installEventFilter(self)  # a banner's buttons come later
            self._pending.start()
        elif kind == QEvent.Type.Show:
            self._pending.start()
        return False

    def _name_controls(self) -> None:
        window = self.window
        window.filter_edit.setAccessibleName(self.tr("Filter rows"))
        window.filter_edit.setAccessibleDescription(
            self.tr("Shows only rows whose ID, link or message contains this text (Ctrl+F)")
        )
        window.status_combo.setAccessibleName(self.tr("Show rows by status"))
        # Tab leaves the table (arrow keys move between cells): with Qt's default, Tab
        # walks every cell of every row and traps keyboard users in a long list.
        window.view.setTabKeyNavigation(False)
        window.view.setAccessibleName(self.tr("Results"))
        window.view.setAccessibleDescription(
            self.tr(
                "One row per cloud file ID: its status, expiry and link. Enter opens the "
                "current row's link (or shows why it has none), Space copies it, Shift+F10 "
                "opens the row menu; Ctrl+C copies the selected links."
            )
        )
        window.progress.setAccessibleName(self.tr("Resolve progress"))
        window.counts_label.setAccessibleName(self.tr("Counts"))
        window.message_label.setAccessibleName(self.tr("Status message"))
        panel = window.token_panel
        panel.profile_button.setAccessibleName(self.tr("Profile actions"))
        panel.where.setAccessibleName(self.tr("API and service address"))

    def refresh(self) -> None:
        """Name new symbol buttons and put the focus chain back in screen order."""
        name_symbol_buttons(self.window.window())
        set_tab_order(self.screen_order())

    def screen_order(self) -> list[QWidget]:
        window = self.window
        panel = window.token_panel
        order: list[QWidget] = [
            panel.profile_combo,
            panel.profile_button,
            panel.badge,
            panel.set_button,
            panel.check_button,
            panel.clear_button,
            window.add_button,
            window.open_button,
            window.max_age_spin,
            window.concurrency_spin,
            window.resolve_button,
            window.download_button,
        ]
        order += focusable_in_screen_order(window.banners)
        order += [
            window.filter_edit,
            window.status_combo,
            window.retry_button,
            window.refresh_button,
            window.copy_all_button,
            window.export_button,
            window.clear_button,
            window.view,
            window.view.demo_button,
        ]
        for area in self._dynamic_areas()[1:]:
            order += focusable_in_screen_order(area)
        order.append(window.cancel_button)
        return order


def install(window: AccessibleWindow) -> WindowAccessibility:
    """Set up the window's names and tab order, and keep them right as it changes."""
    return WindowAccessibility(window)
