"""The window at half a screen (``MIN_WIDTH``, 680 px: half of a 1366 px laptop is 683)
and up to 960 px, in English and in Chinese: every control shown lies inside the window,
at least as wide as its least width, and none is drawn over another; with no rows, and
with a resolved list downloaded (the downloads panel and banners showing). The rows give
way as ``ui/narrow.py`` says: buttons keep their icon and move their words to the
tooltip and accessible name, the list's buttons go under the filter, Env steps aside."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QPoint, QRect
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QProgressBar,
    QSizePolicy,
    QToolTip,
    QWidget,
)

from tcb_gui.core.client import Quota
from tcb_gui.core.downloads import DownloadOptions
from tcb_gui.core.errors import TokenState
from tcb_gui.core.settings import Profile, Settings
from tcb_gui.core.tokens import TokenSource
from tcb_gui.demo.samples import PROD
from tcb_gui.demo.server import DemoServer
from tcb_gui.ui.main_window import MIN_WIDTH, MainWindow
from tcb_gui.ui.narrow import words_shown
from tcb_gui.ui.palette import Tone
from tcb_gui.ui.results_model import Column
from tcb_gui.ui.token_badge import BadgeInfo, TokenBadge
from tests.ui.conftest import WindowFactory, demo_window

# Offscreen platform only (the tooltip's raise() too).
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints", r"support raise\(\)")

WIDTHS = (MIN_WIDTH, 800, 960)
CONTROLS = (
    QAbstractButton,
    QComboBox,
    QLineEdit,
    QAbstractSpinBox,
    QLabel,
    QProgressBar,
    TokenBadge,
    QAbstractScrollArea,
)


@pytest.fixture(params=["en", "zh"])
def language(request: pytest.FixtureRequest) -> str:
    """English, or 简体中文 installed as the app does at start."""
    if request.param == "zh":
        request.getfixturevalue("zh")
    return str(request.param)


async def settle(window: MainWindow, width: int) -> None:
    window.resize(width, 700)
    for _ in range(4):  # a row that changes its buttons or stacks lays out once more
        await asyncio.sleep(0.02)
        QApplication.processEvents()


def _inside_a_control(widget: QWidget, top: QWidget) -> bool:
    """A part of a combo box, spin box or table (its editor, scroll bars, viewport)."""
    parent = widget.parentWidget()
    while parent is not None and parent is not top:
        if isinstance(parent, (QComboBox, QAbstractSpinBox, QAbstractScrollArea)):
            return True
        parent = parent.parentWidget()
    return False


def shown_controls(window: MainWindow) -> list[QWidget]:
    top = window.centralWidget()
    return [
        w
        for w in top.findChildren(QWidget)
        if isinstance(w, CONTROLS) and w.isVisibleTo(window) and not _inside_a_control(w, top)
    ]


def _name(widget: QWidget) -> str:
    text = getattr(widget, "text", "")
    return f"{type(widget).__name__} {text() if callable(text) else text!r}"


def whole(widget: QWidget) -> bool:
    """Whether ``widget`` has the width its words need (a profile's name, not "De…")."""
    return widget.width() >= widget.sizeHint().width()


def problems(window: MainWindow) -> list[str]:
    """Controls outside the window, narrower than their least width, or over another."""
    found = []
    area = window.rect()
    controls = shown_controls(window)
    boxes = {}
    for w in controls:
        box = QRect(w.mapTo(window, QPoint(0, 0)), w.size())
        boxes[w] = box
        name = _name(w)
        if not area.contains(box):
            found.append(f"{name} at {box} is outside the window {area}")
        least = w.minimumSizeHint().width()
        ignored = w.sizePolicy().horizontalPolicy() is QSizePolicy.Policy.Ignored
        if not ignored and w.width() < least:
            found.append(f"{name} is {w.width()} px wide, less than its least {least}")
    for i, a in enumerate(controls):
        for b in controls[i + 1 :]:
            if a.parentWidget() is b.parentWidget() and boxes[a].intersects(boxes[b]):
                found.append(f"{_name(a)} {boxes[a]} overlaps {_name(b)} {boxes[b]}")
    return found


async def test_no_rows_every_control_fits_from_half_a_screen_to_960(
    make_window: WindowFactory, language: str
) -> None:
    window = make_window()
    assert window.minimumWidth() == MIN_WIDTH == 680
    for width in WIDTHS:
        await settle(window, width)
        assert window.width() == width
        assert problems(window) == [], (language, width)
        assert whole(window.token_panel.profile_combo), (language, width)


async def test_a_downloaded_list_every_control_fits_from_half_a_screen_to_960(
    make_window: WindowFactory, demo_server: DemoServer, tmp_path: Path, language: str
) -> None:
    window = await demo_window(make_window, demo_server)
    await window.ids.add_text("\n".join(PROD.fileid(f"gen/size-1K/n-{n}.bin") for n in range(6)))
    await window.resolver.resolve_rows()
    summary = await window.downloads.download_rows(
        window.downloads.rows_to_download()[0], DownloadOptions(dest=tmp_path)
    )
    assert summary is not None
    window.banners.show_message(
        "narrow",
        Tone.WARNING,
        "A banner with two buttons, as long as a keyring problem's words can be, that "
        "wraps over lines rather than widening the window.",
        [("Settings…", lambda: None), ("Try again", lambda: None)],
    )
    window.view.selectRow(0)  # the row's details pane under the list
    assert window.downloads_panel.isVisibleTo(window)
    assert window.details.isVisibleTo(window)
    for width in WIDTHS:
        await settle(window, width)
        assert problems(window) == [], (language, width)
        assert whole(window.token_panel.profile_combo), (language, width)  # "Demo service"


async def test_the_run_bar_s_buttons_keep_their_icon_and_say_their_words_elsewhere(
    make_window: WindowFactory,
) -> None:
    window = make_window()
    await settle(window, 960)
    buttons = [window.open_button, window.add_button, window.download_button]
    assert all(words_shown(b) for b in buttons)
    await settle(window, MIN_WIDTH)
    open_button = window.open_button
    assert not words_shown(open_button)
    assert open_button.text() == ""
    assert not open_button.icon().isNull()
    assert open_button.accessibleName() == "Open list…"
    assert open_button.toolTip() == "Open list…\nOpen files with IDs (Ctrl+O)"
    assert window.resolve_button.text() == "Resolve"  # the run's own button keeps its words
    await settle(window, 960)
    assert open_button.text() == "Open list…"
    assert open_button.toolTip() == "Open files with IDs (Ctrl+O)"


async def test_the_list_s_buttons_go_under_the_filter_when_narrow(
    make_window: WindowFactory,
) -> None:
    window = make_window()
    await settle(window, 960)
    assert window.retry_button.y() == window.filter_edit.y()
    await settle(window, MIN_WIDTH)
    assert window.retry_button.y() > window.filter_edit.y() + window.filter_edit.height()
    assert window.clear_button.geometry().right() == window.filter_edit.parentWidget().width() - 15


async def test_env_steps_aside_for_the_file_and_comes_back(make_window: WindowFactory) -> None:
    window = make_window()
    view = window.view
    await settle(window, 960)
    assert not view.isColumnHidden(Column.ENV)
    await settle(window, MIN_WIDTH)
    assert view.isColumnHidden(Column.ENV)
    shown = sum(view.columnWidth(c) for c in Column if not view.isColumnHidden(c))
    assert shown == view.viewport().width()  # every column in view: File takes Env's room
    assert view.columnWidth(Column.FILE) > view.horizontalHeader().minimumSectionSize()
    await settle(window, 960)
    assert not view.isColumnHidden(Column.ENV)
    assert window.prefs.get("hidden_columns") in (None, [], ())  # not the user's choice


async def test_a_long_status_message_ends_in_an_ellipsis_with_the_whole_in_its_tooltip(
    make_window: WindowFactory,
) -> None:
    window = make_window()
    await settle(window, MIN_WIDTH)
    label = window.message_label
    whole = "Saved 12 files in /home/operator/Downloads/TCB Links/demo-prod-7g3k " * 3
    label.setText(whole)
    await settle(window, MIN_WIDTH)
    assert label.text() == whole
    assert label.width() < label.fontMetrics().horizontalAdvance(whole)
    centre = label.rect().center()
    QApplication.sendEvent(
        label, QHelpEvent(QEvent.Type.ToolTip, centre, label.mapToGlobal(centre))
    )
    assert QToolTip.text() == whole
    QToolTip.hideText()


def _mini_program_window(make_window: WindowFactory, name: str) -> MainWindow:
    settings = Settings()
    settings.put_profile(Profile(name=name).with_appsecret("wx1234567890abcdef"))
    settings.select_profile(name)
    return make_window(settings=settings)


async def test_a_mini_program_profile_with_a_long_name_fits_half_a_screen(
    make_window: WindowFactory, language: str
) -> None:
    name = "Production account of the operations team in Shanghai"
    window = _mini_program_window(make_window, name)
    panel = window.token_panel
    await settle(window, MIN_WIDTH)
    assert problems(window) == [], language
    assert not words_shown(panel.set_button)
    assert panel.set_button.accessibleName() == panel.tr("Set AppSecret…")
    combo = panel.profile_combo
    assert combo.currentText() == name  # whole: only its painting is cut short
    assert combo.width() < combo.sizeHint().width()
    centre = combo.rect().center()
    QApplication.sendEvent(
        combo, QHelpEvent(QEvent.Type.ToolTip, centre, combo.mapToGlobal(centre))
    )
    assert QToolTip.text().startswith(name + "\n")
    QToolTip.hideText()
    panel.set_appsecret_mode(False)  # words changed while only the icon shows
    assert panel.set_button.text() == ""
    assert panel.set_button.accessibleName() == panel.tr("Set token…")
    await settle(window, 1600)
    assert panel.set_button.text() == panel.tr("Set token…")
    assert panel.set_button.accessibleName() == ""  # its words again, as Qt reads them
    assert whole(combo)


async def test_the_badge_says_less_before_set_token_drops_its_words(
    make_window: WindowFactory,
) -> None:
    window = make_window()
    panel = window.token_panel
    panel.badge.set_info(
        BadgeInfo(
            TokenState.VALID,
            TokenSource.SESSION,
            quota=Quota(daily_limit=1_000_000, used=0, remain=1_000_000),
            time_left=7_100,
        )
    )
    await settle(window, 960)
    assert words_shown(panel.set_button)
    assert panel.badge.shown_text() != panel.badge.text  # it gave way instead
    await settle(window, MIN_WIDTH)
    assert words_shown(panel.set_button)  # "Token valid" and every word fit at 680
    assert problems(window) == []
