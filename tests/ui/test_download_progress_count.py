"""The live file count of a download is the same figure in both faces: files saved.

Bug: with 15 of 250 files failed, the command line said "250/250" (failed counted as
done) and the window "235 of 250 files". Both now count core's ``files_done`` (saved or
already complete), and say the failed ones after it.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tcb_gui.cli_download import _ProgressPrinter
from tcb_gui.core.downloads import FileState, TotalProgress
from tcb_gui.core.downloads.progress import Job, ProgressBook
from tcb_gui.core.fileids import parse_fileid
from tcb_gui.demo.samples import PROD
from tcb_gui.ui.downloads_panel import DownloadsPanel

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only

FILES = 10


def a_run_with_failures() -> TotalProgress:
    """Ten files: four saved, one already complete, two failed, three to go."""
    book = ProgressBook(None)
    book.start([Job(n, parse_fileid(PROD.fileid(f"f/{n}.bin")), None) for n in range(FILES)])
    states = [FileState.DONE] * 4 + [FileState.SKIPPED] + [FileState.FAILED] * 2
    for job, state in zip(book.jobs, states, strict=False):
        book.set_state(job, state)
    return book.totals(paused=False)


def test_both_faces_count_the_files_saved_and_say_the_failed_after(qtbot) -> None:
    total = a_run_with_failures()
    panel = DownloadsPanel()
    qtbot.addWidget(panel)
    panel.start(Path("/data/out"), FILES)
    panel.set_progress(total)
    shown = panel.detail_label.text()
    assert shown.startswith("5 of 10 files · ")
    assert shown.endswith(" · 2 failed")
    err = io.StringIO()
    _ProgressPrinter(err)([], total)
    printed = err.getvalue()
    assert printed.startswith("Downloading: 5/10 · "), printed  # was 7/10
    assert " · 2 failed · " in printed
