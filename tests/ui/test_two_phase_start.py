"""The window in two steps, as ``app.run`` builds it (docs/ARCHITECTURE.md#start-up).

``MainWindow(session, deferred=True)`` is the first frame: the real window on its empty
model, the profile, "Checking…", the menu titles, an empty list's buttons off, and no
presenter yet; ``finish()`` adds the rest, after which it is the window
``MainWindow(session)`` builds at once. A close asked before the app's loop runs is
kept until the app can close it.
"""

from __future__ import annotations

import asyncio

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QApplication

from tcb_gui.core.errors import TokenState
from tcb_gui.core.settings import Settings
from tcb_gui.core.tokens import TokenStore
from tcb_gui.ui.main_window import MainWindow
from tcb_gui.ui.session import Session

from .conftest import run_until_first_paint, wait_until


def _menu_titles(window: MainWindow) -> list[str]:
    return [action.text() for action in window.menuBar().actions()]


async def test_the_first_frame_is_the_whole_window_and_finish_adds_the_rest(qtbot) -> None:
    whole = MainWindow(Session(Settings(), TokenStore()))
    first = MainWindow(Session(Settings(), TokenStore()), deferred=True)
    for window in (whole, first):
        qtbot.addWidget(window)
    try:
        assert not hasattr(first, "tokens")
        assert not hasattr(first, "resolver")
        assert _menu_titles(first) == _menu_titles(whole)
        assert all(not action.menu().actions() for action in first.menuBar().actions())
        assert first.token_panel.badge.info.state is TokenState.CHECKING
        assert not first.token_panel.clear_button.isEnabled()
        for name in ("resolve_button", "download_button", "export_button", "clear_button"):
            assert getattr(first, name).isEnabled() == getattr(whole, name).isEnabled(), name
        assert first.max_age_spin.value() == whole.max_age_spin.value()
        assert first.concurrency_spin.value() == whole.concurrency_spin.value()
        assert first.token_panel.profile_combo.currentText() == "default"
        # Not in the first frame (its PNGs made into the X window's icon cost 6 ms of
        # show()), nor the parts it does not show.
        assert not first.testAttribute(Qt.WidgetAttribute.WA_SetWindowIcon)
        assert not hasattr(first, "downloads_panel")
        assert not hasattr(first, "banners")

        first.finish()
        first.finish()  # once only
        assert _menu_titles(first) == _menu_titles(whole)
        assert [len(a.menu().actions()) for a in first.menuBar().actions()] == [
            len(a.menu().actions()) for a in whole.menuBar().actions()
        ]
        assert first.act_quit.shortcut().toString() == "Ctrl+Q"
        assert first.filter_edit.isClearButtonEnabled()
        assert first.testAttribute(Qt.WidgetAttribute.WA_SetWindowIcon)
        assert not first.windowIcon().isNull()
        assert not QApplication.windowIcon().isNull()
        assert first.downloads_panel.parentWidget() is first.centralWidget()
        # In the places MainWindow(session) gives them: the banners above the filter bar,
        # the row details and the downloads panel under the list.
        layout = first.centralWidget().layout()
        whole_layout = whole.centralWidget().layout()
        assert layout.indexOf(first.banners) == whole_layout.indexOf(whole.banners)
        assert layout.indexOf(first.details) == whole_layout.indexOf(whole.details)
        assert layout.indexOf(first.downloads_panel) == whole_layout.indexOf(whole.downloads_panel)
    finally:
        for window in (whole, first):
            await window.aclose()
            window.close()


@pytest.mark.qt_log_ignore("propagateSizeHints")
async def test_a_close_before_the_loop_runs_is_kept_until_the_app_can_close(qtbot) -> None:
    window = MainWindow(Session(Settings(), TokenStore()), deferred=True)
    qtbot.addWidget(window)
    window.show()
    assert not window.close()  # still starting: refused for now, remembered
    assert window.isVisible()
    window.finish()
    closing = asyncio.Event()
    window.set_shutdown_hook(closing.set)  # the app's loop runs: the close goes ahead
    await wait_until(closing.is_set, 5)
    await window.aclose()
    assert window.close()


@pytest.mark.qt_log_ignore("propagateSizeHints")
async def test_a_whole_window_closes_at_once_without_a_hook(qtbot) -> None:
    window = MainWindow(Session(Settings(), TokenStore()))
    qtbot.addWidget(window)
    window.show()
    await window.aclose()
    assert window.close()
    QApplication.processEvents()
    assert not window.isVisible()


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_the_first_frame_is_built_without_garbage_collection(monkeypatch) -> None:
    """``app.run`` builds up to the first paint with the collector off, on again after."""
    import gc

    seen: list[bool] = []
    assert gc.isenabled()
    run_until_first_paint(monkeypatch, lambda window: seen.append(gc.isenabled()), demo=True)
    assert seen == [False]
    assert gc.isenabled()


def test_a_first_start_fits_the_screen(qtbot) -> None:
    """No saved geometry: the default size, but never taller than the screen's free
    height less a title bar, nor wider than its free width less the borders down to the
    window's minimum width (the offscreen screen is 800 x 600: the window takes its free
    width, as a screen 680 px or more wide lets it)."""
    from tcb_gui.ui.main_window import (
        DEFAULT_SIZE,
        MIN_WIDTH,
        SIDE_BORDER_ALLOWANCE,
        TITLE_BAR_ALLOWANCE,
    )

    window = MainWindow(Session(Settings(), TokenStore()), deferred=True)
    qtbot.addWidget(window)
    screen = window.screen()
    assert screen is not None
    free = screen.availableGeometry()
    assert window.height() == min(DEFAULT_SIZE[1], free.height() - TITLE_BAR_ALLOWANCE)
    room = free.width() - SIDE_BORDER_ALLOWANCE
    assert window.width() == max(MIN_WIDTH, min(DEFAULT_SIZE[0], room))
    assert MIN_WIDTH <= room == window.width()


@pytest.mark.parametrize(
    ("screen_size", "expected"),
    [
        ((640, 480), (680, 440)),
        ((683, 700), (680, 660)),
        ((960, 700), (944, 660)),
        ((1366, 728), (1200, 688)),
        ((2560, 1400), (1200, 740)),
    ],
)
def test_a_first_start_on_screens_of_every_size(
    qtbot, monkeypatch: pytest.MonkeyPatch, screen_size: tuple[int, int], expected: tuple[int, int]
) -> None:
    """A 960 px screen (1920 at 200 %) gets a window 16 px narrower than it, a laptop's
    short one a window 40 px shorter than its free height, a large one the default; half
    a 1366 px screen, or a screen narrower still, the window's minimum width."""

    class Screen:
        def availableGeometry(self) -> QRect:
            return QRect(0, 0, *screen_size)

    monkeypatch.setattr(MainWindow, "screen", lambda self: Screen())
    window = MainWindow(Session(Settings(), TokenStore()), deferred=True)
    qtbot.addWidget(window)
    assert (window.width(), window.height()) == expected


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_nothing_moves_when_finish_adds_the_hidden_parts(qtbot) -> None:
    """The first frame keeps the banners' place (and its spacing): the filter bar and
    the list stay where they are when finish() puts the parts in, where a window built
    in one go has them."""

    def places(window: MainWindow) -> tuple[int, int, int]:
        QApplication.processEvents()
        top = window.filter_edit.mapTo(window, window.filter_edit.rect().topLeft()).y()
        return top, window.view.geometry().y(), window.view.height()

    first = MainWindow(Session(Settings(), TokenStore()), deferred=True)
    whole = MainWindow(Session(Settings(), TokenStore()))
    for window in (first, whole):
        qtbot.addWidget(window)
        window.resize(1100, 700)
        window.show()
    before = places(first)
    first.finish()
    assert places(first) == before
    assert places(whole) == before
