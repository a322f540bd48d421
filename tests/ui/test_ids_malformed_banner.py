"""The window names the malformed IDs it refused, with their line and core's reason, as
the command line lists them: it only counted them ("Added 2 IDs (5 malformed IDs)"), and
a list of nothing but malformed IDs was called "No cloud:// IDs found"."""

from __future__ import annotations

from pathlib import Path

import pytest

from tcb_gui.ui.ids_presenter import BANNER, MALFORMED_SHOWN
from tcb_gui.ui.main_window import MainWindow
from tcb_gui.ui.palette import Tone

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only

GOOD = "cloud://demo-prod-7g3k.7072-demo-prod-7g3k-1314114854/gen/a.png"
UPPER = "cloud://Demo_Prod.7072-demo-prod-7g3k-1314114854/a.png"
NO_BUCKET = "cloud://demo-prod-7g3k/b.png"


def input_banner(window: MainWindow) -> tuple[Tone, str]:
    banner = window.banners.banner(BANNER)
    assert banner is not None
    assert not banner.isHidden()
    return banner.tone, banner.text


async def test_a_list_of_only_malformed_ids_names_each_with_its_reason(
    window: MainWindow, tmp_path: Path
) -> None:
    path = tmp_path / "allmal.txt"
    path.write_text(f"{UPPER}\n{NO_BUCKET}\n", encoding="utf-8")
    outcome = await window.ids.add_paths([path])
    assert (outcome.added, outcome.malformed) == (0, 2)
    tone, text = input_banner(window)
    assert tone is Tone.WARNING
    assert text.splitlines() == [
        "Found 2 cloud:// IDs, none of them valid:",
        "allmal.txt, line 1: environment ID may hold only lowercase letters, digits and '-': "
        + UPPER,
        "allmal.txt, line 2: has no '.' between the environment ID and the bucket: " + NO_BUCKET,
    ]
    assert "No cloud:// IDs found" not in text


async def test_the_first_few_are_named_and_the_rest_counted(window: MainWindow) -> None:
    bad = [f"cloud://Bad.b/{n}.png" for n in range(MALFORMED_SHOWN + 2)]
    outcome = await window.ids.add_text("\n".join([GOOD, *bad]), source="the clipboard")
    assert (outcome.added, outcome.malformed) == (1, MALFORMED_SHOWN + 2)
    tone, text = input_banner(window)
    assert tone is Tone.WARNING
    lines = text.splitlines()
    assert lines[0] == f"{MALFORMED_SHOWN + 2} malformed IDs were not added:"
    assert lines[1] == (
        "Line 2: environment ID may hold only lowercase letters, digits and '-': "
        "cloud://Bad.b/0.png"
    )
    assert len(lines) == 1 + MALFORMED_SHOWN + 1
    assert lines[-1] == "… and 2 more malformed IDs"
    assert "Added 1 ID" in window.message_label.text()


async def test_good_ids_alone_leave_no_banner(window: MainWindow) -> None:
    await window.ids.add_text(UPPER)
    await window.ids.add_text(GOOD)
    banner = window.banners.banner(BANNER)
    assert banner is None or banner.isHidden()


async def test_the_chinese_window_names_the_line_and_reason_in_chinese(
    zh, window: MainWindow
) -> None:
    """The reasons are core's messages, translated where the banner shows them."""
    await window.ids.add_text("cloud://demo-prod-7g3k/b.png")
    _tone, text = input_banner(window)
    lines = text.splitlines()
    assert lines[0] == "找到 1 个 cloud:// ID，但它无效："
    assert lines[1] == "第 1 行：环境 ID 与存储桶之间缺少“.”：cloud://demo-prod-7g3k/b.png"


async def test_a_long_refused_id_is_shown_by_its_start_and_end(window: MainWindow) -> None:
    """A key of hundreds of characters would run past the window's edge: the banner shows
    its start and its end around "…" (the command line prints it whole)."""
    long_id = "cloud://Demo_Prod.7072-x/" + "folder" * 20 + "/tail-of-the-key.png"  # 165
    await window.ids.add_text(long_id)
    _tone, text = input_banner(window)
    shown = text.splitlines()[1].rsplit(": ", 1)[1]
    assert shown.startswith("cloud://Demo_Prod.7072-x/folder")
    assert shown.endswith("/tail-of-the-key.png")
    assert "…" in shown
    assert len(shown) == 120
