"""The downloads panel and the command line say the same about a run's size.

Both render core's ``TotalProgress``. A list starting with two big files of 200 showed
"22.1 MiB of about 5.2 GiB" and half an hour left for a 96 MiB run; until enough files
are sized to say a total, both now say the bytes so far and no time left, then the same
"about" total and time left.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tcb_gui.cli_download import _ProgressPrinter
from tcb_gui.core.downloads import FileState, TotalProgress
from tcb_gui.core.downloads.progress import MAX_EXTRAPOLATION, Job, ProgressBook
from tcb_gui.core.fileids import parse_fileid
from tcb_gui.demo.samples import PROD
from tcb_gui.ui.downloads_panel import BAR_STEPS, DownloadsPanel

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only

MIB = 1 << 20
FILES = 200


def command_line(total: TotalProgress) -> str:
    err = io.StringIO()
    _ProgressPrinter(err)([], total)
    return err.getvalue()


def book() -> ProgressBook:
    b = ProgressBook(None)
    b.start([Job(n, parse_fileid(PROD.fileid(f"f/{n}.bin")), None) for n in range(FILES)])
    b._meter.sample(0.0, 0)
    b._meter.sample(1.0, 3 * MIB)  # 3 MiB/s
    return b


def test_two_big_files_first_claim_no_total_in_either_face(qtbot) -> None:
    panel = DownloadsPanel()
    qtbot.addWidget(panel)
    panel.resize(960, 120)
    panel.start(Path("/data/out"), FILES)
    b = book()
    for job in b.jobs[:2]:
        b.set_state(job, FileState.DOWNLOADING)
        b.set_total(job, 29 * MIB)
        b.set_done(job, 11 * MIB)
    total = b.totals(paused=False)
    panel.set_progress(total)
    # Was "0 of 200 files · 22.0 MiB of about 5.7 GiB · 3.0 MiB/s · 32 min 6 s left".
    assert panel.detail_label.text() == "0 of 200 files · 22.0 MiB so far · 3.0 MiB/s"
    assert panel.bar.value() == 0  # by files: none is done
    line = command_line(total)
    assert "22.0 MiB · 3.0 MiB/s" in line
    assert "about" not in line
    assert "left" not in line


def test_once_enough_files_are_sized_both_faces_say_the_same_estimate(qtbot) -> None:
    panel = DownloadsPanel()
    qtbot.addWidget(panel)
    panel.start(Path("/data/out"), FILES)
    b = book()
    for job in b.jobs[:2]:
        b.set_total(job, 29 * MIB)
        b.set_done(job, 11 * MIB)
    for job in b.jobs[2 : FILES // MAX_EXTRAPOLATION]:
        b.set_total(job, 1 * MIB)
    total = b.totals(paused=False)
    assert total.total_estimated
    # 106 MiB sized over 50 files, 150 to come, each reckoned at the mean of the files
    # sized last (1 MiB: the two big ones at the top do not swell it): about 256 MiB.
    assert total.bytes_total == 256 * MIB
    panel.set_progress(total)
    assert panel.detail_label.text() == (
        "0 of 200 files · 22.0 MiB of about 256.0 MiB · 3.0 MiB/s · 1 min 18 s left"
    )
    assert panel.bar.value() == 22 * BAR_STEPS // 256
    line = command_line(total)
    assert "22.0 MiB of about 256.0 MiB · 3.0 MiB/s · 1m" in line


def test_a_speed_not_measured_yet_is_not_said_as_zero(qtbot) -> None:
    """The first report of a run comes before the speed meter has two samples: it was
    "0 B/s" in both faces (and the first line of a log), as if the run had stalled."""
    panel = DownloadsPanel()
    qtbot.addWidget(panel)
    panel.start(Path("/data/out"), FILES)
    b = ProgressBook(None)
    b.start([Job(n, parse_fileid(PROD.fileid(f"f/{n}.bin")), None) for n in range(FILES)])
    b._meter.sample(0.0, 0)  # one sample: no speed yet
    for job in b.jobs[:FILES]:
        b.set_total(job, 1 * MIB)
    b.set_state(b.jobs[0], FileState.DOWNLOADING)
    b.set_done(b.jobs[0], MIB // 2)
    total = b.totals(paused=False)
    assert total.speed is None
    assert total.eta is None
    panel.set_progress(total)
    assert panel.detail_label.text() == "0 of 200 files · 512.0 KiB of 200.0 MiB"
    line = command_line(total)
    assert "512.0 KiB of 200.0 MiB · 0s" in line
    assert "B/s" not in line
    # A stall the meter measured is said: 0 B/s is then the truth.
    b._meter.sample(1.0, 0)
    stalled = b.totals(paused=False)
    assert stalled.speed == 0.0
    panel.set_progress(stalled)
    assert panel.detail_label.text() == "0 of 200 files · 512.0 KiB of 200.0 MiB · 0 bytes/s"
    assert "512.0 KiB of 200.0 MiB · 0 B/s" in command_line(stalled)
