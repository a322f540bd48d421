"""Help ▸ Service notes (ui/service_notes.py): docs/WECHAT_API.md in the window, carried
by the package so an installed program shows it too, opened at the section that explains
a call (Requests view) or a check (Check connection…)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QWidget

from tcb_gui.core.client import ApiMode
from tcb_gui.core.doctor import DoctorSetup
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DEMO_TOKEN, DemoConfig, DemoState
from tcb_gui.ui.doctor_dialog import DoctorDialog
from tcb_gui.ui.main_window import MainWindow
from tcb_gui.ui.requests_view import Column, RequestsWindow
from tcb_gui.ui.service_notes import (
    NOTES_PATH,
    ServiceNotes,
    anchor_of,
    headings,
    notes_headings,
    section_words,
)
from tests.ui.conftest import wait_until
from tests.ui.test_requests_view import event, run_dialog

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints", r"support raise\(\)")  # offscreen

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "WECHAT_API.md"
# Where core names a section of the notes: an explanation of a call, a doctor's check.
SECTION_SOURCES = ("tcb_gui/core/trace_file.py", "tcb_gui/core/doctor.py")


def test_the_package_carries_the_notes_as_docs_has_them() -> None:
    assert NOTES_PATH.is_relative_to(ROOT / "tcb_gui" / "resources")
    assert NOTES_PATH.read_bytes() == DOCS.read_bytes()


def test_every_section_core_names_is_a_heading_of_the_notes() -> None:
    named = {
        anchor
        for source in SECTION_SOURCES
        for anchor in re.findall(r'"(#[a-z][a-z0-9-]*)"', (ROOT / source).read_text("utf-8"))
    }
    assert {"#error-codes", "#quota", "#tokens", "#downloads"} <= named
    assert named <= set(notes_headings())


def test_the_notes_render_whole(qtbot) -> None:
    """Every heading of the Markdown is a heading of the rendered notes, with its text,
    and the prose after each table is still there: a raw ``<IP>`` outside a code span
    once made Qt (and GitHub) drop every plain word from there on."""
    notes = ServiceNotes(None)
    qtbot.addWidget(notes)
    text = DOCS.read_text("utf-8")
    assert list(notes._heading_blocks()) == list(headings(text).values())
    shown = notes.browser.toPlainText()
    for words in ("parsed by", "Sources: shared API notes", "The message ends"):
        assert words in shown
    outside_code = re.sub(r"`[^`]*`", "", text)
    assert not re.search(r"<[A-Za-z][^>]*>", outside_code)


def test_anchors_are_githubs() -> None:
    assert anchor_of("Error codes") == "#error-codes"
    assert anchor_of("File IDs") == "#file-ids"
    text = "# Title\n\n```\n# not a heading\n```\n\n## Quota\n### Error codes ##\n"
    assert headings(text) == {"#title": "Title", "#quota": "Quota", "#error-codes": "Error codes"}


def test_a_tooltip_names_the_section_as_the_window_shows_it(qapp) -> None:
    assert section_words("#quota") == "Help ▸ Service notes ▸ Quota"
    assert section_words("#no-such-section") == "Help ▸ Service notes"
    assert section_words("") == "Help ▸ Service notes"


def test_the_notes_open_at_a_section_and_follow_their_own_links(qtbot) -> None:
    owner = QWidget()
    qtbot.addWidget(owner)
    owner.show()
    notes = ServiceNotes.open_at(owner, "#quota")
    qtbot.waitExposed(notes)
    assert not notes.missing
    assert notes.current_heading() == "Quota"
    assert "batchdownloadfile" in notes.browser.toPlainText()
    # One notes window per top-level window: asked again, the same one moves.
    assert ServiceNotes.open_at(owner, "#file-ids") is notes
    assert notes.current_heading() == "File IDs"
    # A link inside the notes to one of their sections is followed in place.
    notes.browser.anchorClicked.emit(QUrl("#tokens"))
    assert notes.current_heading() == "Tokens"
    assert not notes.show_section("#no-such-section")
    assert notes.current_heading() == "Tokens"


def test_an_installation_without_the_notes_says_so(qtbot, tmp_path: Path) -> None:
    notes = ServiceNotes(None, path=tmp_path / "WECHAT_API.md")
    qtbot.addWidget(notes)
    assert notes.missing
    assert "not part of this installation" in notes.browser.toPlainText()
    assert not notes.show_section("#quota")


async def test_help_service_notes_opens_them_with_f1(window: MainWindow, qtbot) -> None:
    action = window.act_notes
    assert action.shortcut() == QKeySequence(QKeySequence.StandardKey.HelpContents)
    titles = [a.text() for a in window.menuBar().actions()]
    assert titles[-1] == "&Help"
    assert action in window.menuBar().actions()[-1].menu().actions()
    action.trigger()
    notes = window.findChild(ServiceNotes)
    assert notes is not None
    await wait_until(notes.isVisible)
    assert notes.current_heading() == "The WeChat CloudBase service, as TCB Links relies on it"


def test_the_requests_view_opens_the_notes_at_the_selected_calls_section(qtbot) -> None:
    from tcb_gui.core.trace import TraceHub

    hub = TraceHub()
    window = RequestsWindow(hub)
    qtbot.addWidget(window)
    hub.emit(event(1, errcode=40001, errmsg="invalid credential"))
    hub.emit(event(2, errcode=76022, endpoint="/cgi-bin/openapi/quota/get"))
    window.show()
    window.model.flush()
    assert window.table is not None
    newest = window.model.index(0, Column.ERRCODE)  # the quota call
    tip = str(window.model.data(newest, Qt.ItemDataRole.ToolTipRole))
    assert "(See Help ▸ Service notes ▸ Quota.)" in tip
    window.table.setCurrentIndex(window.model.index(1, 0))  # the 40001: a token
    notes = window.show_notes()
    assert notes.parent() is window
    assert notes.current_heading() == "Tokens"
    window.table.setCurrentIndex(window.model.index(0, 0))
    window.notes_button.click()
    assert notes.current_heading() == "Quota"


async def test_check_connection_opens_the_notes_at_the_check_to_look_at(qtbot) -> None:
    with DemoServer(DemoState(DemoConfig(deny_ip=True, reported_ip="198.51.100.9"))) as server:
        setup = DoctorSetup(
            server.base_url, ApiMode.COMPONENT, "default", token=DEMO_TOKEN, token_source="x"
        )
        dialog: DoctorDialog = await run_dialog(qtbot, setup)
    ip = dialog.list.item(4)
    assert ip.text().startswith("✗ IP allowlist")
    assert ip.toolTip() == "See Help ▸ Service notes ▸ Error codes."
    dialog.notes_button.click()  # the first check to look at: the IP allowlist
    notes = dialog.findChild(ServiceNotes)
    assert notes is not None
    assert notes.current_heading() == "Error codes"
    ServiceNotes.open_at(dialog, "#tokens")
    dialog.list.itemDoubleClicked.emit(ip)
    assert notes.current_heading() == "Error codes"
