"""The downloads panel and the status bar say one count of saved files.

Bugs: paused, the panel's headline kept the count of the moment Pause was pressed while
files in flight went on to the disk and the line under it and the status bar counted
them ("Paused: 15,099 of 20,235 files saved" over "15,291 of 20,235 files"); running,
the panel showed each report at once and the status bar's "saved" 150 ms later, so the
two never agreed during a run ("5,277 of 20,235 files" beside "4,922 saved").
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from tcb_gui.core.downloads import DownloadOptions, FileProgress, FileState, TotalProgress
from tcb_gui.demo.server import DemoServer
from tcb_gui.ui import task_names
from tcb_gui.ui.downloads_panel import DownloadsPanel
from tcb_gui.ui.main_window import MainWindow
from tests.ui.conftest import WindowFactory, demo_window, wait_until
from tests.ui.test_downloads_window import keys, moving, text_of

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only


def report(done: int, *, paused: bool) -> TotalProgress:
    return TotalProgress(done, 0, 10, done << 10, 10 << 10, 0.0, None, paused=paused)


def test_the_paused_headline_counts_the_files_that_finish_after_the_pause(qtbot) -> None:
    panel = DownloadsPanel()
    qtbot.addWidget(panel)
    panel.start(Path("/data/out"), 10)
    panel.set_progress(report(3, paused=False))
    panel.set_paused(True)  # Pause pressed: three files saved so far
    assert panel.title_label.text() == "Paused: 3 of 10 files saved in /data/out"
    panel.set_progress(report(5, paused=True))  # two in flight reached the disk
    assert panel.title_label.text() == "Paused: 5 of 10 files saved in /data/out"
    assert panel.detail_label.text().startswith("5 of 10 files · ")


def saved_in_panel(window: MainWindow) -> int:
    found = re.match(r"([\d,]+) of [\d,]+ files", window.downloads_panel.detail_label.text())
    return int(found[1].replace(",", "")) if found else 0


def saved_in_status_bar(window: MainWindow) -> int:
    found = re.search(r"([\d,]+) saved", window.counts_label.text())
    return int(found[1].replace(",", "")) if found else 0


async def test_the_panel_and_the_status_bar_count_the_same_files_in_every_frame(
    make_window: WindowFactory, demo_server: DemoServer, tmp_path: Path
) -> None:
    window = await demo_window(make_window, demo_server)
    await window.ids.add_text(text_of(keys(40, "32K", "both")))
    controller, panel = window.downloads, window.downloads_panel
    seen: list[tuple[int, int]] = []

    def look() -> None:
        # After the callback that changed the panel: what the next frame paints.
        seen.append((saved_in_panel(window), saved_in_status_bar(window)))

    shown = panel.set_progress

    def set_progress(total: TotalProgress) -> None:
        shown(total)
        asyncio.get_running_loop().call_soon(look)

    panel.set_progress = set_progress  # type: ignore[method-assign]
    rows = controller.rows_to_download()[0]
    options = DownloadOptions(dest=tmp_path, concurrency=2, limit_rate=256 << 10)
    task = window.tasks.start(task_names.DOWNLOAD, controller.download_rows(rows, options))
    assert task is not None
    summary = await asyncio.wait_for(task, 30)
    assert summary is not None
    assert summary.downloaded == 40
    assert len({done for done, _bar in seen}) > 3  # files finished across several reports
    assert [(done, bar) for done, bar in seen if done != bar] == []


async def test_a_report_made_before_pause_does_not_take_the_panel_back(
    make_window: WindowFactory, demo_server: DemoServer, tmp_path: Path
) -> None:
    window = await demo_window(make_window, demo_server)
    ks = keys(3, "3M", "flip")
    await window.ids.add_text(text_of(ks))
    controller, panel = window.downloads, window.downloads_panel
    rows = controller.rows_to_download()[0]
    options = DownloadOptions(dest=tmp_path, concurrency=3, limit_rate=1 << 20)
    task = window.tasks.start(task_names.DOWNLOAD, controller.download_rows(rows, options))
    assert task is not None
    await wait_until(lambda: moving(rows), 15)
    # A report of the moving run, its rows signalled at the model's next flush; Pause
    # is pressed before that flush.
    report = TotalProgress(0, 0, 3, 1 << 20, 9 << 20, 1e6, 8.0)
    moving_file = FileProgress(
        rows[0].fileid, FileState.DOWNLOADING, None, 1 << 20, 3 << 20, 1e6, "", 0
    )
    controller.show_progress([moving_file], report)
    controller.pause()
    window.model.flush()
    assert panel.paused
    assert panel.pause_button.text() == "Resume"  # was "Pause" again
    assert panel.title_label.text().startswith("Paused: ")
    assert "paused" in panel.detail_label.text()
    controller.cancel()
    await asyncio.wait_for(task, 10)
