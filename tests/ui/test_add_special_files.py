"""Ctrl+O, a drop or ``tcb-gui FILE…`` naming a named pipe, a device or a folder: the
window reads files only (``fileids.WINDOW_READS``). A pipe without a writer held the
add-files task (and a worker thread) for ever; now each such path is refused by name and
kind in the input banner, the files beside it are added, and the list stays."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from tcb_gui.ui.ids_presenter import BANNER
from tcb_gui.ui.main_window import MainWindow
from tcb_gui.ui.palette import Tone

pytestmark = [
    pytest.mark.qt_log_ignore("propagateSizeHints"),  # offscreen platform only
    pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX special files"),
]

PROD = "cloud://demo-prod-7g3k.7072-demo-prod-7g3k-1314114854"


async def test_a_pipe_a_device_and_a_folder_are_refused_by_name_and_the_list_stays(
    window: MainWindow, fifo: Path, tmp_path: Path
) -> None:
    await window.ids.add_text(f"{PROD}/kept/a.png\n{PROD}/kept/b.png", source="the clipboard")
    good = tmp_path / "more.txt"
    good.write_text(f"{PROD}/kept/a.png\n{PROD}/new/c.png\n", encoding="utf-8")
    folder = tmp_path / "photos"
    folder.mkdir()

    outcome = await asyncio.wait_for(
        window.ids.add_paths([fifo, Path("/dev/zero"), folder, good]), 10
    )

    assert outcome.added == 1
    assert [row.fileid.key for row in window.model.rows()] == [
        "kept/a.png",
        "kept/b.png",
        "new/c.png",
    ]
    banner = window.banners.banner(BANNER)
    assert banner is not None
    assert not banner.isHidden()
    assert banner.tone is Tone.DANGER
    assert banner.text.splitlines() == [
        f"{fifo} is a named pipe, not a file: reading it could wait for ever. Save the IDs "
        "in a file and add that file.",
        "/dev/zero is a device, not a file: reading it may never end. Save the IDs in a file "
        "and add that file.",
        f"{folder} is a folder, not a file with IDs.",
    ]
