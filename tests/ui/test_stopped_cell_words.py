"""A stopped file's cell says where downloading it again goes on from: the bytes core
says were kept on the disk, or the beginning when none were (a small file held in memory
that a full disk kept from being written), never the bytes it had received."""

from __future__ import annotations

from pathlib import Path

from tcb_gui.core.download_progress import FileProgress
from tcb_gui.core.download_states import FileState
from tcb_gui.core.fileids import parse_fileid
from tcb_gui.ui.download_cells import CellTexts

FILEID = parse_fileid("cloud://prod-4gkv.7072-prod-4gkv-1314114854/docs/b.pdf")


def stopped(kept: int) -> FileProgress:
    return FileProgress(FILEID, FileState.CANCELLED, Path("/d/b.pdf"), kept, 524_288, 0.0, "", 0)


def test_a_file_stopped_with_nothing_kept_starts_again_from_the_beginning(qtbot) -> None:
    cell = CellTexts().cell(stopped(0))

    assert cell.text == "Stopped"
    assert cell.tooltip.startswith(
        "Stopped before the end; downloading again starts from the beginning."
    )
    assert "resumes" not in cell.tooltip


def test_a_file_stopped_with_bytes_kept_resumes_from_them(qtbot) -> None:
    cell = CellTexts().cell(stopped(131_072))

    assert cell.text == "Stopped at 25 %"
    assert cell.tooltip.startswith(
        "Stopped before the end; downloading again resumes from 128.0 KiB."
    )
