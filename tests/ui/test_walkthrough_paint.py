"""What an operator reads off the painted table, found by using the real window.

A downloading file's Status is a bar with its words on it ("Downloading 16 %"). On a
selected row, in the light theme, those words were painted in the selection's text
colour (white) on the bar's pale tint: unreadable, for exactly the row the operator
picked to watch.

After a download with failures the panel says "Show failed lists them with their
reasons"; the list it showed said "Download failed: Cannot …" on every row, the reasons
cut off by the Status column's width.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, QRect
from PySide6.QtGui import QColor, QImage

from tcb_gui.core.download_progress import FileProgress, TotalProgress
from tcb_gui.core.download_states import FileState
from tcb_gui.core.fileids import parse_fileid
from tcb_gui.demo.samples import PROD
from tcb_gui.ui.delegates import BAR_MARGIN_Y, CELL_MARGIN_X
from tcb_gui.ui.main_window import MainWindow
from tcb_gui.ui.palette import contrast_ratio
from tcb_gui.ui.results_model import Column
from tcb_gui.ui.results_view import MIN_FILE_WIDTH
from tcb_gui.ui.theme import apply_theme
from tests.ui.conftest import WindowFactory, wait_until

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only

KEYS = [f"gen/size-30M/watch-{n}.bin" for n in range(4)]


async def _downloading(window: MainWindow, state: FileState) -> None:
    await window.ids.add_text("\n".join(PROD.fileid(k) for k in KEYS))
    reports = [
        FileProgress(
            fileid=parse_fileid(PROD.fileid(k)),
            state=state,
            path=Path("/d") / k,
            bytes_done=0 if state is FileState.DOWNLOADING else 3_000,
            bytes_total=10_000,
            speed=1e6,
            errmsg="",
            resumed_from=0,
            index=n,
        )
        for n, k in enumerate(KEYS)
    ]
    window.downloads.show_progress(reports, TotalProgress(0, 0, len(KEYS), 0, 0, 0.0, None))
    window.model.flush()


def _best_contrast(image: QImage, area: QRect, scale: float, background: QColor) -> float:
    """The strongest contrast of any pixel in ``area`` against ``background``: the
    words' strokes, where there are words."""
    best = 1.0
    for y in range(round(area.top() * scale), round(area.bottom() * scale)):
        for x in range(round(area.left() * scale), round(area.right() * scale)):
            best = max(best, contrast_ratio(image.pixelColor(x, y), background))
    return best


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("state", [FileState.DOWNLOADING, FileState.PAUSED])
async def test_a_selected_rows_bar_keeps_its_words_readable(
    make_window: WindowFactory, theme: str, state: FileState
) -> None:
    apply_theme(theme)
    window = make_window()
    await _downloading(window, state)
    view = window.view
    index = window.proxy.index(1, Column.STATUS)
    assert window.proxy.row_at(1).download.state is state
    view.selectionModel().setCurrentIndex(
        window.proxy.index(1, Column.FILE),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    await wait_until(lambda: view.selectionModel().isRowSelected(1), 5)
    cell = view.visualRect(index)
    assert cell.isValid()
    image = view.viewport().grab().toImage()
    scale = image.devicePixelRatio()
    # The bar's track, inside its border at its right end (the fill, 0 or 30 %, and
    # the words, centred, stop short of it), where the words stand.
    track = image.pixelColor(
        round((cell.right() - CELL_MARGIN_X - 3) * scale), round(cell.center().y() * scale)
    )
    words = cell.adjusted(
        CELL_MARGIN_X + 40, BAR_MARGIN_Y + 3, -CELL_MARGIN_X - 40, -BAR_MARGIN_Y - 3
    )
    assert _best_contrast(image, words, scale, track) >= 4.5
    # The same words on a row that is not selected read as well (nothing lost there).
    plain = view.visualRect(window.proxy.index(2, Column.STATUS))
    track = image.pixelColor(
        round((plain.right() - CELL_MARGIN_X - 3) * scale), round(plain.center().y() * scale)
    )
    words = plain.adjusted(
        CELL_MARGIN_X + 40, BAR_MARGIN_Y + 3, -CELL_MARGIN_X - 40, -BAR_MARGIN_Y - 3
    )
    assert _best_contrast(image, words, scale, track) >= 4.5


async def test_show_failed_shows_the_reasons_whole(make_window: WindowFactory) -> None:
    window = make_window()
    window.resize(1400, 800)
    await window.ids.add_text("\n".join(PROD.fileid(k) for k in KEYS))
    reason = "Cannot write {name}: Not a directory"
    reports = [
        FileProgress(
            fileid=parse_fileid(PROD.fileid(k)),
            state=FileState.FAILED if n % 2 else FileState.DONE,
            path=Path("/d") / k,
            bytes_done=0,
            bytes_total=10_000,
            speed=0.0,
            errmsg=reason.format(name=Path(k).name) if n % 2 else "",
            resumed_from=0,
            index=n,
        )
        for n, k in enumerate(KEYS)
    ]
    window.downloads.show_progress(reports, TotalProgress(0, 0, len(KEYS), 0, 0, 0.0, None))
    window.model.flush()
    view = window.view
    await wait_until(lambda: view.viewport().width() > 1000, 5)
    window.show_failed_downloads()
    assert window.proxy.rowCount() == 2
    index = window.proxy.index(0, Column.STATUS)
    words = str(index.data())
    assert words == "Download failed: Cannot write watch-1.bin: Not a directory"
    # The cell holds its icon and its words: nothing elided.
    assert view.columnWidth(Column.STATUS) >= view.sizeHintForColumn(Column.STATUS)
    assert view.columnWidth(Column.STATUS) > view.fontMetrics().horizontalAdvance(words)
    # File keeps its room beside it.
    assert view.columnWidth(Column.FILE) >= MIN_FILE_WIDTH
