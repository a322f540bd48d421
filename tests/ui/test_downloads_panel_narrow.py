"""The downloads panel at half a screen: with every button of a finished run on offer
(Show failed, Retry failed, Download the rest, Show in folder), its title and details kept
some 130 px beside them and wrapped a word or two a line. Narrower than the text's least
width and the buttons together, the buttons go under the text; wide enough, beside it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tcb_gui.ui.download_cells import DownloadSummary
from tcb_gui.ui.downloads_panel import TEXT_LEAST_WIDTH, DownloadsPanel
from tcb_gui.ui.main_window import MIN_WIDTH

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only

# The panel's width in a window of MIN_WIDTH (the window's side margins taken off).
NARROW = MIN_WIDTH - 28
WIDE = 960 - 28


def finished_panel(qtbot) -> DownloadsPanel:
    panel = DownloadsPanel()
    qtbot.addWidget(panel)
    summary = DownloadSummary(
        dest=Path("/home/op/Downloads/TCB Links"),
        downloaded=180,
        downloaded_bytes=10**9,
        failed=12,
        stopped=8,
        cancelled=True,
    )
    panel.finish(summary, rest=8)
    panel.show()
    return panel


def laid_out(panel: DownloadsPanel, width: int) -> None:
    panel.resize(width, panel.sizeHint().height())
    panel.resize(width, panel.heightForWidth(width))


@pytest.mark.parametrize("width", [NARROW, 760])
def test_at_half_a_screen_the_buttons_go_under_the_text(qtbot, width: int) -> None:
    panel = finished_panel(qtbot)
    laid_out(panel, width)
    assert panel.title_label.width() >= TEXT_LEAST_WIDTH
    title = panel.title_label.geometry()
    for button in (panel.failed_button, panel.retry_button, panel.rest_button):
        assert button.isVisible()
        assert button.geometry().top() > title.bottom()  # under the text
        assert panel.rect().contains(button.geometry())


def test_wide_enough_the_buttons_stay_beside_the_text(qtbot) -> None:
    panel = finished_panel(qtbot)
    laid_out(panel, WIDE)
    assert panel.title_label.width() >= TEXT_LEAST_WIDTH
    assert panel.retry_button.geometry().left() > panel.title_label.geometry().right()
