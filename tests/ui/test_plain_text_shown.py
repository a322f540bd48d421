"""Names, keys and the service's words are shown as they are, never as HTML.

Qt takes a label's or a tooltip's text that looks like HTML for HTML: a key such as
``a<b>c</b>.png`` showed as a bold "ac.png" (another file's name, to the eye), and a
host's words could draw what they liked in the window. Labels that show such text are
plain text; tooltips hand it over escaped (``formatting.plain_tip``)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tcb_gui.core.fileids import parse_fileid
from tcb_gui.ui.formatting import plain_tip
from tcb_gui.ui.main_window import MainWindow
from tcb_gui.ui.palette import Tone
from tcb_gui.ui.results_model import Column

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only

HTML_KEY = "cloud://demo-prod-7g3k.7072-demo-prod-7g3k-1314114854/a<b>c</b>.png"
PLAIN_KEY = "cloud://demo-prod-7g3k.7072-demo-prod-7g3k-1314114854/gen/a b.png"


def test_a_tooltip_that_looks_like_html_is_escaped_and_others_stay_as_they_are() -> None:
    escaped = plain_tip("a<b>c</b>.png")
    assert escaped is not None
    assert "&lt;b&gt;c&lt;/b&gt;" in escaped
    assert "<b>" not in escaped
    assert plain_tip("gen/a b.png") == "gen/a b.png"
    assert plain_tip("") == ""
    assert plain_tip(None) is None


async def test_a_rows_tooltips_show_its_key_character_for_character(window: MainWindow) -> None:
    await window.ids.add_text(f"{HTML_KEY}\n{PLAIN_KEY}")
    model = window.model
    tips = {}
    for row in range(model.rowCount()):
        index = model.index(row, Column.FILE)
        tips[model.data(index, Qt.ItemDataRole.DisplayRole)] = model.data(
            index, Qt.ItemDataRole.ToolTipRole
        )
    html_tip = next(tip for text, tip in tips.items() if "<b>" in text)
    assert "&lt;b&gt;c&lt;/b&gt;" in html_tip
    assert parse_fileid(PLAIN_KEY).raw in tips.values()


async def test_banners_and_the_status_line_are_plain_text(window: MainWindow) -> None:
    window.notifier.show_banner("test", Tone.WARNING, "<b>not bold</b> <img src='x.png'>")
    banner = window.banners.banner("test")
    assert banner is not None
    assert banner.label.textFormat() is Qt.TextFormat.PlainText
    assert banner.text == "<b>not bold</b> <img src='x.png'>"
    assert window.message_label.textFormat() is Qt.TextFormat.PlainText
