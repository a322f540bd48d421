"""Light and dark themes: the Fusion style with a carefully chosen palette.

``Settings.theme`` is "light", "dark" or "system". Every choice uses Fusion, the one Qt
style that draws every control from the palette alone, so the same palette reads the
same on Linux, Windows and macOS, and the status colours (``ui.palette``) are tuned
against known backgrounds. "system" picks the light or the dark palette from the OS's
colour scheme (``QStyleHints.colorScheme()``, Qt 6.5+) and follows it when it changes;
where the platform cannot tell (Unknown), light.

The dark palette is a soft charcoal, not black (pure black behind light text smears on
many screens and makes the selection glare); text is off-white. Contrast (WCAG 2.1):
text on window/base ≥ 11:1, placeholder and muted text ≥ 4.5:1, links ≥ 7:1, white on
the selection ≥ 5:1, disabled text ≈ 3.5:1 (readable, yet clearly inactive). The light
palette mirrors it. ``tests/ui/test_theme_a11y.py`` checks these numbers.

Icons follow automatically (``ui.icons`` draws in the palette in use at paint time).

``TcbStyle`` (``ui/tcb_style.py``, after the window's first paint; until then plain
Fusion, the app made in it by ``make_application``) is Fusion with two corrections: the
frame of an unticked checkbox or radio button is drawn in a colour with at least 3:1
against the window and the field (WCAG's non-text contrast; Fusion's own frame all but
vanishes on the dark palette), and dialog buttons carry no icons (Fusion's fallback
icons on OK/Cancel look dated and say nothing the words do not).
"""

from __future__ import annotations

from typing import Final, NamedTuple

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication
from shiboken6 import isValid

from tcb_gui.core.settings import THEMES
from tcb_gui.ui.icons import clear_cache as clear_icon_cache

THEME_SYSTEM: Final = "system"
THEME_LIGHT: Final = "light"
THEME_DARK: Final = "dark"
STYLE_NAME: Final = "Fusion"

Role = QPalette.ColorRole
Group = QPalette.ColorGroup


class PaletteSpec(NamedTuple):
    """The colours of one theme: every role for active windows, and the disabled ones."""

    colours: dict[QPalette.ColorRole, str]
    disabled: dict[QPalette.ColorRole, str]
    inactive_highlight: str


LIGHT: Final = PaletteSpec(
    colours={
        Role.Window: "#f3f4f6",
        Role.WindowText: "#1f2328",
        Role.Base: "#ffffff",
        Role.AlternateBase: "#f6f7f9",
        Role.Text: "#1f2328",
        Role.Button: "#f9fafb",
        Role.ButtonText: "#1f2328",
        Role.BrightText: "#ffffff",
        # Fusion draws bevels and frames from these.
        Role.Light: "#ffffff",
        Role.Midlight: "#e9ebee",
        Role.Mid: "#c4c8ce",
        Role.Dark: "#9aa0a8",
        Role.Shadow: "#6b7280",
        Role.Highlight: "#2563eb",
        Role.HighlightedText: "#ffffff",
        Role.Accent: "#2563eb",
        Role.Link: "#1d4ed8",
        Role.LinkVisited: "#6d28d9",
        Role.ToolTipBase: "#2b2f36",
        Role.ToolTipText: "#f3f4f6",
        Role.PlaceholderText: "#6b7280",
    },
    disabled={
        Role.WindowText: "#80868f",
        Role.Text: "#80868f",
        Role.ButtonText: "#80868f",
        Role.Button: "#eef0f2",
        Role.Base: "#f6f7f9",
        Role.Highlight: "#c9ced6",
        Role.HighlightedText: "#4b5563",
        Role.PlaceholderText: "#9aa0a8",
    },
    # A selection in a window without focus stays visible, but quieter.
    inactive_highlight="#5b86ee",
)

DARK: Final = PaletteSpec(
    colours={
        Role.Window: "#25282d",
        Role.WindowText: "#e3e6ea",
        Role.Base: "#1d2024",
        Role.AlternateBase: "#23262b",
        Role.Text: "#e3e6ea",
        Role.Button: "#31353b",
        Role.ButtonText: "#e3e6ea",
        Role.BrightText: "#ffffff",
        Role.Light: "#4a4f57",
        Role.Midlight: "#3d424a",
        Role.Mid: "#565c65",
        Role.Dark: "#16181b",
        Role.Shadow: "#0b0c0e",
        Role.Highlight: "#2f6bd0",
        Role.HighlightedText: "#ffffff",
        Role.Accent: "#3b82f6",
        Role.Link: "#7ab3ff",
        Role.LinkVisited: "#c4a5ff",
        Role.ToolTipBase: "#3a3f46",
        Role.ToolTipText: "#eef0f2",
        Role.PlaceholderText: "#9aa1aa",
    },
    disabled={
        Role.WindowText: "#7d838c",
        Role.Text: "#7d838c",
        Role.ButtonText: "#7d838c",
        Role.Button: "#2a2d32",
        Role.Base: "#222529",
        Role.Highlight: "#3d424a",
        Role.HighlightedText: "#a0a6ae",
        Role.PlaceholderText: "#6b717a",
    },
    inactive_highlight="#2b5aa8",
)


def build_palette(spec: PaletteSpec) -> QPalette:
    """A complete ``QPalette`` from a spec: every role in every group is set."""
    palette = QPalette()
    for role, value in spec.colours.items():
        palette.setColor(Group.All, role, QColor(value))
    for role, value in spec.disabled.items():
        palette.setColor(Group.Disabled, role, QColor(value))
    palette.setColor(Group.Inactive, Role.Highlight, QColor(spec.inactive_highlight))
    return palette


def light_palette() -> QPalette:
    return build_palette(LIGHT)


def dark_palette() -> QPalette:
    return build_palette(DARK)


def system_prefers_dark() -> bool:
    """Whether the OS asks for a dark colour scheme (False when it cannot say)."""
    hints = QGuiApplication.styleHints()
    return hints.colorScheme() == Qt.ColorScheme.Dark


class ThemeManager(QObject):
    """Applies a theme to the application and, for "system", follows the OS."""

    changed = Signal()  # after a palette was applied

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self._app = app
        self._theme = THEME_SYSTEM
        self._dark = False
        self._applied = False
        self._plain = False  # Fusion itself until install_style(): see apply_theme
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._scheme_changed)

    @property
    def theme(self) -> str:
        return self._theme

    @property
    def dark(self) -> bool:
        """Whether the dark palette is in use."""
        return self._dark

    def apply(self, theme: str) -> None:
        """Use ``theme`` ("system", "light" or "dark") from now on."""
        if theme not in THEMES:
            raise ValueError(f"unknown theme {theme!r}; known: {', '.join(THEMES)}")
        self._theme = theme
        self._request_scheme(theme)
        dark = system_prefers_dark() if theme == THEME_SYSTEM else theme == THEME_DARK
        self._set_palette(dark)

    def _request_scheme(self, theme: str) -> None:
        # Qt 6.8+: tell the platform too, so native parts (title bars, file dialogs where
        # the platform draws them) match the chosen scheme. Unsupported platforms ignore it.
        hints = QGuiApplication.styleHints()
        if theme == THEME_SYSTEM:
            hints.unsetColorScheme()
        else:
            hints.setColorScheme(
                Qt.ColorScheme.Dark if theme == THEME_DARK else Qt.ColorScheme.Light
            )

    def install_style(self) -> None:
        """``TcbStyle`` from now on (after ``apply_theme(…, plain_style=True)``)."""
        from tcb_gui.ui.tcb_style import TcbStyle

        self._plain = False
        if not isinstance(self._app.style(), TcbStyle):
            self._app.setStyle(TcbStyle(STYLE_NAME))

    def _set_palette(self, dark: bool) -> None:
        app = self._app
        if self._plain:
            # An app make_application made is in Fusion from its start: asking Qt which
            # style it has would build QStyle's enums before the first paint.
            if app is not _made_in_fusion() and app.style().name().lower() != (STYLE_NAME.lower()):
                app.setStyle(STYLE_NAME)
        else:
            from tcb_gui.ui.tcb_style import TcbStyle

            if not isinstance(app.style(), TcbStyle):
                app.setStyle(TcbStyle(STYLE_NAME))
        if self._applied and dark == self._dark:
            return
        self._dark = dark
        self._applied = True
        clear_icon_cache()
        app.setPalette(dark_palette() if dark else light_palette())
        self.changed.emit()

    def _scheme_changed(self, scheme: Qt.ColorScheme) -> None:
        if self._theme == THEME_SYSTEM:
            self._set_palette(scheme == Qt.ColorScheme.Dark)


_fusion_app: list[QApplication] = []  # the QApplication make_application made, if any


def _made_in_fusion() -> QApplication | None:
    return _fusion_app[0] if _fusion_app else None


def make_application(argv: list[str]) -> QApplication:
    """The app's ``QApplication``, in Fusion (``-style``) from its first widget on: every
    theme is Fusion, and so nothing asks Qt for its style before the first paint."""
    app = QApplication([*argv[:1], "-style", STYLE_NAME, *argv[1:]])
    _fusion_app[:] = [app]
    return app


_managers: list[ThemeManager] = []  # the one of the running QApplication


def theme_manager() -> ThemeManager:
    """The application's theme manager (created on first use)."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        raise RuntimeError("the theme needs a QApplication")
    # Kept here, not looked up among the app's children: that would wrap each of them
    # in Python, the app's style among them, building QStyle's enums before the paint.
    for manager in _managers:
        if isValid(manager) and manager.parent() is app:
            return manager
    manager = ThemeManager(app)
    _managers[:] = [manager]
    return manager


def apply_theme(theme: str, *, plain_style: bool = False) -> ThemeManager:
    """Apply ``theme`` to the running application; return its manager.

    ``plain_style``: Fusion itself until ``install_style()`` (``app.run``, before the
    window's first paint). The main window looks the same in both: ``TcbStyle`` changes
    only check boxes, radio buttons and dialog buttons, which it does not show, and
    Fusion draws it without a call into Python for every style hint and frame."""
    manager = theme_manager()
    if plain_style and not manager._applied:
        manager._plain = True
    manager.apply(theme)
    return manager
