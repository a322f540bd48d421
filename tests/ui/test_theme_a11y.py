"""Themes (light, dark, system) and accessibility: contrast, focus, names, tab order, DPI."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, QSize, Qt
from PySide6.QtGui import QAccessible, QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLabel,
    QWidget,
)

from tcb_gui.demo.samples import PROD
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DEMO_TOKEN
from tcb_gui.ui import task_names
from tcb_gui.ui.icons import Glyph, _render, icon
from tcb_gui.ui.main_window import MainWindow
from tcb_gui.ui.palette import (
    MIN_TEXT_CONTRAST,
    Tone,
    contrast_ratio,
    tone_color,
    tone_text_on_tint,
)
from tcb_gui.ui.results_model import Column, RowState
from tcb_gui.ui.tcb_style import TcbStyle
from tcb_gui.ui.theme import apply_theme, dark_palette, light_palette
from tests.ui.conftest import WindowFactory, wait_until

# Offscreen platform only: it cannot resize to hints or raise a tooltip.
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints", r"support raise\(\)")

ROOT = Path(__file__).resolve().parents[2]
Role = QPalette.ColorRole
Group = QPalette.ColorGroup
STATUS_TONES = (Tone.SUCCESS, Tone.WARNING, Tone.DANGER, Tone.INFO)


def colour(palette: QPalette, role: QPalette.ColorRole, group=Group.Active) -> QColor:
    return palette.color(group, role)


# --- palettes ----------------------------------------------------------------------------


@pytest.mark.parametrize("make", [light_palette, dark_palette], ids=["light", "dark"])
def test_palette_contrast(make) -> None:
    palette = make()
    window, base = colour(palette, Role.Window), colour(palette, Role.Base)
    assert contrast_ratio(colour(palette, Role.WindowText), window) >= 7
    assert contrast_ratio(colour(palette, Role.Text), base) >= 7
    assert contrast_ratio(colour(palette, Role.ButtonText), colour(palette, Role.Button)) >= 7
    assert contrast_ratio(colour(palette, Role.PlaceholderText), base) >= MIN_TEXT_CONTRAST
    assert contrast_ratio(colour(palette, Role.Link), base) >= MIN_TEXT_CONTRAST
    assert contrast_ratio(colour(palette, Role.LinkVisited), base) >= MIN_TEXT_CONTRAST
    assert (
        contrast_ratio(colour(palette, Role.HighlightedText), colour(palette, Role.Highlight))
        >= MIN_TEXT_CONTRAST
    )
    assert contrast_ratio(colour(palette, Role.ToolTipText), colour(palette, Role.ToolTipBase)) >= 7
    # Disabled text: readable (3:1), yet clearly weaker than enabled text.
    disabled = colour(palette, Role.WindowText, Group.Disabled)
    assert (
        3
        <= contrast_ratio(disabled, window)
        < contrast_ratio(colour(palette, Role.WindowText), window)
    )


def test_dark_is_dark_but_not_black() -> None:
    window = colour(dark_palette(), Role.Window)
    base = colour(dark_palette(), Role.Base)
    assert window.lightness() < 60
    assert min(base.red(), base.green(), base.blue()) > 16  # never pure black


@pytest.mark.parametrize("make", [light_palette, dark_palette], ids=["light", "dark"])
def test_status_colours_are_readable_and_distinct(make) -> None:
    palette = make()
    backgrounds = [colour(palette, r) for r in (Role.Base, Role.AlternateBase, Role.Window)]
    tones = {tone: tone_color(tone, palette) for tone in Tone}
    for tone, value in tones.items():
        for background in backgrounds:
            assert contrast_ratio(value, background) >= MIN_TEXT_CONTRAST, (tone, background)
        on_tint = tone_text_on_tint(tone, palette)
        assert on_tint.isValid()
    # Working, expired, failed and in-progress differ in hue, not just lightness.
    hues = {tone: tones[tone].hslHue() for tone in STATUS_TONES}
    for a in STATUS_TONES:
        for b in STATUS_TONES:
            if a is not b:
                gap = abs(hues[a] - hues[b])
                assert min(gap, 360 - gap) >= 25, (a, b, hues)
    assert tones[Tone.NEUTRAL].hslSaturation() < 80  # grey for pending


def test_badge_words_stay_readable_on_their_tint() -> None:
    from tcb_gui.ui.palette import composite, tone_tint

    for palette in (light_palette(), dark_palette()):
        window = colour(palette, Role.Window)
        for tone in Tone:
            background = composite(tone_tint(tone, palette), window)
            text = tone_text_on_tint(tone, palette)
            assert contrast_ratio(text, background) >= MIN_TEXT_CONTRAST


# --- switching ---------------------------------------------------------------------------


def test_switching_themes_changes_the_palette_and_the_status_colours(qapp) -> None:
    manager = apply_theme("light")
    style = QApplication.style()
    assert isinstance(style, TcbStyle)
    assert style.baseStyle().name().lower() == "fusion"
    light_window = QApplication.palette().color(Role.Window)
    light_ok = tone_color(Tone.SUCCESS)
    light_icon = icon(Glyph.OK, Tone.SUCCESS).pixmap(QSize(16, 16), 1.0).toImage()
    assert not manager.dark

    apply_theme("dark")
    assert manager.dark
    dark_window = QApplication.palette().color(Role.Window)
    assert dark_window.lightness() < 60 < light_window.lightness()
    assert tone_color(Tone.SUCCESS) != light_ok
    dark_icon = icon(Glyph.OK, Tone.SUCCESS).pixmap(QSize(16, 16), 1.0).toImage()
    assert dark_icon != light_icon  # the same QIcon draws in the new palette's colour
    with pytest.raises(ValueError, match="theme"):
        apply_theme("sepia")


def test_system_follows_the_colour_scheme_and_explicit_choices_do_not(qapp) -> None:
    hints = QGuiApplication.styleHints()
    manager = apply_theme("system")
    start_dark = manager.dark
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert manager.dark
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert not manager.dark
    apply_theme("light")
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert not manager.dark  # the user chose light
    assert start_dark is (hints.colorScheme() == Qt.ColorScheme.Dark)


async def test_the_table_uses_the_palette_in_force(
    make_window: WindowFactory, demo_server: DemoServer
) -> None:
    window = await demo_window(make_window, demo_server)
    index = window.proxy.index(0, Column.STATUS)
    apply_theme("light")
    light = window.proxy.data(index, Qt.ItemDataRole.ForegroundRole)
    apply_theme("dark")
    dark = window.proxy.data(index, Qt.ItemDataRole.ForegroundRole)
    assert light != dark
    base = QApplication.palette().color(Role.Base)
    assert contrast_ratio(dark, base) >= MIN_TEXT_CONTRAST


# --- icons at any pixel ratio ----------------------------------------------------------


@pytest.mark.parametrize("scale", [1.0, 1.5, 2.0, 3.0])
def test_icons_are_drawn_at_the_device_pixel_ratio(qapp, scale: float) -> None:
    apply_theme("light")
    pixmap = icon(Glyph.COPY, Tone.NEUTRAL).pixmap(QSize(14, 14), scale)
    side = round(14 * scale)
    assert (pixmap.width(), pixmap.height()) == (side, side)
    assert pixmap.devicePixelRatio() == pytest.approx(scale)
    # Drawn at that size, not a smaller bitmap scaled up.
    direct = _render(Glyph.COPY, tone_color(Tone.NEUTRAL), side).toImage()
    assert pixmap.toImage().convertToFormat(direct.format()) == direct


def test_a_scale_factor_of_two_gives_a_crisp_window(tmp_path: Path) -> None:
    """QT_SCALE_FACTOR=2 (a high-DPI screen): the window renders at 2x, icons included."""
    script = tmp_path / "hidpi.py"
    script.write_text(HIDPI_SCRIPT, encoding="utf-8")
    env = dict(os.environ, QT_SCALE_FACTOR="2", QT_QPA_PLATFORM="offscreen")
    env["PYTHONPATH"] = str(ROOT)
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    env["TCB_GUI_HOME"] = str(tmp_path / "home")
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout.strip().splitlines()[-1])
    assert facts["dpr"] == 2
    assert facts["icon"] == [28, 28, 2.0]
    assert facts["grab"][2] == 2.0
    from tcb_gui.ui.main_window import MIN_WIDTH

    assert facts["grab"][0] >= 2 * MIN_WIDTH  # the window's least width, at 2x


HIDPI_SCRIPT = """
import json
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QApplication
app = QApplication([])
from tcb_gui.core.settings import Settings
from tcb_gui.core.tokens import TokenStore
from tcb_gui.ui.icons import Glyph, icon
from tcb_gui.ui.main_window import MainWindow
from tcb_gui.ui.session import Session
window = MainWindow(Session(Settings(), TokenStore()))
window.show()
app.processEvents()
pixmap = icon(Glyph.COPY).pixmap(QSize(14, 14))
grab = window.grab()
print(json.dumps({
    "dpr": app.devicePixelRatio(),
    "icon": [pixmap.width(), pixmap.height(), pixmap.devicePixelRatio()],
    "grab": [grab.width(), grab.height(), grab.devicePixelRatio()],
}))
"""


# --- keyboard and screen readers -------------------------------------------------------


async def demo_window(make_window: WindowFactory, server: DemoServer) -> MainWindow:
    window = make_window(base_url=server.base_url)
    await window.tokens.save_token(DEMO_TOKEN)
    ids = [PROD.fileid(f"gen/a11y-{n}.bin") for n in range(6)] + [PROD.fileid("no/such.png")]
    await window.ids.add_text("\n".join(ids))
    await window.resolver.resolve_rows()
    return window


def accessible_name(widget: QWidget) -> str:
    interface = QAccessible.queryAccessibleInterface(widget)
    return interface.text(QAccessible.Text.Name).strip() if interface is not None else ""


def interactive_widgets(window: QWidget) -> list[QWidget]:
    """Every control a keyboard user should be able to reach right now."""
    found = []
    for widget in window.findChildren(QWidget):
        if not widget.isVisible() or not widget.isEnabled() or widget.window() is not window:
            continue
        if not widget.focusPolicy() & Qt.FocusPolicy.TabFocus or widget.focusProxy():
            continue
        if isinstance(widget.parentWidget(), QAbstractSpinBox | QComboBox):
            continue  # the line edit inside a spin box or combo box
        found.append(widget)
    return found


async def tab_walk(window: MainWindow, qtbot, start: QWidget, backwards: bool = False):
    start.setFocus(Qt.FocusReason.TabFocusReason)
    await wait_until(start.hasFocus, 5)
    walk = [start]
    key = Qt.Key.Key_Backtab if backwards else Qt.Key.Key_Tab
    modifier = Qt.KeyboardModifier.ShiftModifier if backwards else Qt.KeyboardModifier.NoModifier
    for _ in range(100):
        qtbot.keyClick(QApplication.focusWidget(), key, modifier)
        current = QApplication.focusWidget()
        if current is start:
            return walk
        walk.append(current)
    raise AssertionError("Tab never came back to where it started")


async def test_tab_reaches_every_control_in_screen_order_and_each_has_a_name(
    make_window: WindowFactory, demo_server: DemoServer, qtbot
) -> None:
    window = await demo_window(make_window, demo_server)
    window.banners.show_message("test", Tone.WARNING, "Something to act on", [("Fix it", print)])
    window.activateWindow()
    await wait_until(window.isActiveWindow, 5)
    await asyncio.sleep(0.05)  # the tab order follows the new banner on the next turn

    panel = window.token_panel
    walk = await tab_walk(window, qtbot, panel.profile_combo)
    reachable = interactive_widgets(window)
    missing = [w for w in reachable if w not in walk]
    assert missing == [], [(type(w).__name__, accessible_name(w)) for w in missing]
    for widget in walk:
        visible_text = widget.text() if isinstance(widget, QAbstractButton) else ""
        assert accessible_name(widget) or visible_text, type(widget).__name__

    banner = window.banners.banner("test")
    assert banner is not None
    landmarks = [
        panel.profile_combo,
        panel.profile_button,
        panel.badge,
        panel.set_button,
        window.add_button,
        window.max_age_spin,
        window.concurrency_spin,
        next(b for b in walk if isinstance(b, QAbstractButton) and b.text() == "Fix it"),
        window.filter_edit,
        window.status_combo,
        window.copy_all_button,
        window.view,
    ]
    positions = [walk.index(w) for w in landmarks]
    assert positions == sorted(positions)
    # Names a screen reader reads for the controls without words of their own.
    assert accessible_name(panel.profile_button) == "Profile actions"
    assert accessible_name(panel.badge) == "Token state"
    assert accessible_name(window.view) == "Results"
    assert accessible_name(window.filter_edit) == "Filter rows"
    assert accessible_name(window.max_age_spin) == "Link life"  # from its label (buddy)
    close = [b for b in banner.findChildren(QAbstractButton) if b.text() == "✕"]
    assert [accessible_name(b) for b in close] == ["Dismiss"]

    backwards = await tab_walk(window, qtbot, panel.profile_combo, backwards=True)
    assert backwards[1:] == list(reversed(walk[1:]))


async def test_label_mnemonics_move_the_focus(make_window: WindowFactory, qtbot) -> None:
    window = make_window()
    window.activateWindow()
    await wait_until(window.isActiveWindow, 5)
    for label in window.findChildren(QLabel):
        buddy = label.buddy()
        if buddy is not None and "&" in label.text():
            letter = label.text()[label.text().index("&") + 1]
            qtbot.keyClick(window, letter.lower(), Qt.KeyboardModifier.AltModifier)
            assert QApplication.focusWidget() in (buddy, buddy.focusProxy()), label.text()
    assert window.max_age_spin.hasFocus() or window.concurrency_spin.hasFocus()


async def test_the_badge_takes_focus_and_space_checks_again(
    make_window: WindowFactory, demo_server: DemoServer, qtbot
) -> None:
    window = make_window(base_url=demo_server.base_url)
    await window.tokens.save_token(DEMO_TOKEN)
    badge = window.token_panel.badge
    window.activateWindow()
    await wait_until(window.isActiveWindow, 5)
    badge.setFocus(Qt.FocusReason.TabFocusReason)
    await wait_until(badge.hasFocus, 5)
    unfocused = QWidget.grab(window.token_panel.badge).toImage()
    before = demo_server.state.stats.requests["quota/get"]
    qtbot.keyClick(badge, Qt.Key.Key_Space)
    task = window.tasks.get(task_names.CHECK_TOKEN)
    assert task is not None
    await task
    assert demo_server.state.stats.requests["quota/get"] == before + 1
    # The focus ring is drawn: the focused badge looks different from an unfocused one.
    window.view.setFocus()
    await wait_until(lambda: not badge.hasFocus(), 5)
    assert QWidget.grab(badge).toImage() != unfocused


@pytest.mark.parametrize("theme", ["light", "dark"])
async def test_the_painted_buttons_show_keyboard_focus_on_a_selected_row(
    make_window: WindowFactory, demo_server: DemoServer, theme: str
) -> None:
    apply_theme(theme)
    window = await demo_window(make_window, demo_server)
    view = window.view
    row = next(i for i in range(window.proxy.rowCount()) if window.proxy.row_at(i).url)
    assert window.proxy.row_at(row).state is RowState.OK
    index = window.proxy.index(row, Column.ACTIONS)
    window.activateWindow()
    await wait_until(window.isActiveWindow, 5)
    view.setFocus(Qt.FocusReason.TabFocusReason)
    view.selectionModel().setCurrentIndex(
        index,
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    await wait_until(view.hasFocus, 5)
    cell = view.visualRect(index)
    rects = view.actions_delegate.button_rects(cell, view.fontMetrics())
    ring = rects[next(iter(rects))].united(rects[list(rects)[-1]]).adjusted(-2, -2, 2, 2)
    image = view.viewport().grab().toImage()
    scale = image.devicePixelRatio()
    x = round((ring.left() + 0.5) * scale)
    y = round(ring.center().y() * scale)
    ring_pixel = image.pixelColor(x, y)
    selection = QApplication.palette().color(Role.Highlight)
    # The ring (HighlightedText) stands out against the selection behind it.
    assert contrast_ratio(ring_pixel, selection) >= 3, (ring_pixel.name(), selection.name())


@pytest.mark.parametrize("theme", ["light", "dark"])
async def test_the_current_cell_shows_keyboard_focus(
    make_window: WindowFactory, theme: str
) -> None:
    apply_theme(theme)
    window = make_window()
    await window.ids.add_text("\n".join(PROD.fileid(f"gen/focus-{n}.bin") for n in range(5)))
    view = window.view
    window.activateWindow()
    await wait_until(window.isActiveWindow, 5)
    view.setFocus(Qt.FocusReason.TabFocusReason)
    await wait_until(view.hasFocus, 5)
    index = window.proxy.index(2, Column.FILE)
    view.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.NoUpdate)
    rect = view.visualRect(index)
    image = view.viewport().grab().toImage()
    scale = image.devicePixelRatio()
    edge = image.pixelColor(int((rect.left() + 1) * scale), round(rect.center().y() * scale))
    inside = image.pixelColor(round((rect.left() + 6) * scale), round(rect.center().y() * scale))
    assert contrast_ratio(edge, inside) >= 3, (edge.name(), inside.name())
    view.clearFocus()
    await wait_until(lambda: not view.hasFocus(), 5)
    image = view.viewport().grab().toImage()
    edge = image.pixelColor(int((rect.left() + 1) * scale), round(rect.center().y() * scale))
    assert contrast_ratio(edge, inside) < 1.5  # no ring without focus


async def test_settings_can_be_used_with_the_keyboard(make_window: WindowFactory, qtbot) -> None:
    window = make_window()
    dialog = window.tokens.show_settings_dialog()
    dialog.activateWindow()
    await wait_until(dialog.isActiveWindow, 5)
    for page in range(dialog.tabs.count()):
        dialog.tabs.setCurrentIndex(page)
        dialog.editor.appsecret_radio.setChecked(True)  # every profile field enabled
        tab_bar = dialog.tabs.tabBar()
        walk = await tab_walk(window, qtbot, tab_bar)
        missing = [w for w in interactive_widgets(dialog) if w not in walk]
        assert missing == [], [(type(w).__name__, accessible_name(w)) for w in missing]
        for widget in walk:
            text = widget.text() if isinstance(widget, QAbstractButton) else ""
            assert accessible_name(widget) or text or widget is tab_bar, type(widget).__name__
    dialog.reject()
