"""Files handed over together, some refused (not text, not an encoding the window reads):
the status line named every file as a source of what was added ("Added 1 ID from
hugeline.txt, latin1.txt, bin.dat") while the banner above said two were refused. It
names only the files that were read, and a new list is named after those."""

from __future__ import annotations

from pathlib import Path

import pytest

from tcb_gui.ui.ids_presenter import BANNER
from tcb_gui.ui.main_window import MainWindow
from tcb_gui.ui.palette import Tone

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only

PROD = "cloud://demo-prod-7g3k.7072-demo-prod-7g3k-1314114854"


async def test_the_status_line_names_only_the_files_read(
    window: MainWindow, tmp_path: Path
) -> None:
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes(f"{PROD}/caf\xe9.png\n".encode("latin-1"))
    good = tmp_path / "good.txt"
    good.write_text(f"{PROD}/a.png\n", encoding="utf-8")
    binary = tmp_path / "bin.dat"
    binary.write_bytes(bytes(range(256)) * 8)
    named: list[str] = []
    window.ids._name_list = named.append

    outcome = await window.ids.add_paths([latin1, good, binary])

    assert outcome.added == 1
    banner = window.banners.banner(BANNER)
    assert banner is not None
    assert banner.tone is Tone.DANGER
    assert len(banner.text.splitlines()) == 2  # both refusals, by name
    assert window.message_label.text() == "Added 1 ID from good.txt"
    assert named == ["good.txt"]


async def test_when_every_file_is_refused_no_file_is_named(
    window: MainWindow, tmp_path: Path
) -> None:
    binary = tmp_path / "bin.dat"
    binary.write_bytes(bytes(range(256)) * 8)

    outcome = await window.ids.add_paths([binary])

    assert outcome.added == 0
    assert window.message_label.text() == "Added 0 IDs"
