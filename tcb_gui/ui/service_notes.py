"""Help ▸ Service notes: the project's account of the CloudBase service, in the window.

The Requests view and "Check connection…" explain an answer in plain words and name the
section of the service notes that says more (``core.trace_file.Explanation.section``,
``core.doctor.Check.section``: GitHub-style anchors such as ``#quota``). The notes are
``docs/WECHAT_API.md``, which the package carries as
``tcb_gui/resources/docs/WECHAT_API.md`` (a link to the one file in a checkout, a copy in
a wheel or a bundle), so an installed program shows them as a checkout does.

``ServiceNotes.open_at(parent, section)`` opens one notes window per top-level window (or
raises it) at that section; ``section_words(section)`` is how a tooltip names it
(``Help ▸ Service notes ▸ Quota``).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Final

from PySide6.QtCore import QCoreApplication, QUrl
from PySide6.QtGui import QDesktopServices, QTextBlock, QTextCursor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

NOTES_PATH: Final = Path(__file__).resolve().parent.parent / "resources" / "docs" / "WECHAT_API.md"
NOTES_NAME: Final = "WECHAT_API.md"
_HEADING_RE: Final = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$")
_OBJECT_NAME: Final = "serviceNotes"


def anchor_of(heading: str) -> str:
    """A heading's GitHub-style anchor: ``"Error codes"`` → ``"#error-codes"``."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return "#" + text.replace(" ", "-")


def read_notes(path: Path = NOTES_PATH) -> str | None:
    """The notes' Markdown, or None when this installation has none to show."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def headings(text: str) -> dict[str, str]:
    """Anchor → heading text, for every heading of the notes (outside code blocks)."""
    found: dict[str, str] = {}
    fenced = False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
            continue
        match = None if fenced else _HEADING_RE.match(line)
        if match:
            found.setdefault(anchor_of(match[1]), match[1])
    return found


@functools.cache
def notes_headings() -> dict[str, str]:
    """``headings`` of this installation's notes (read once; empty without notes)."""
    text = read_notes()
    return {} if text is None else headings(text)


def section_words(section: str) -> str:
    """Where a tooltip sends the reader: ``Help ▸ Service notes ▸ Quota``; the notes
    alone when the section is not one of theirs."""
    where = QCoreApplication.translate("ServiceNotes", "Help ▸ Service notes")
    title = notes_headings().get(section) if section else None
    return where if title is None else f"{where} ▸ {title}"


class ServiceNotes(QDialog):
    """The notes, read-only, with links inside them followed in place."""

    def __init__(self, parent: QWidget | None = None, path: Path = NOTES_PATH) -> None:
        super().__init__(parent)
        self.setObjectName(_OBJECT_NAME)
        self.setWindowTitle(self.tr("Service notes"))
        self.setModal(False)
        self.resize(760, 600)
        self.browser = QTextBrowser(self)
        self.browser.setOpenLinks(False)  # followed by _follow: anchors, web pages
        self.browser.anchorClicked.connect(self._follow)
        text = read_notes(path)
        self.missing = text is None
        if text is None:
            self.browser.setPlainText(
                self.tr("The service notes ({name}) are not part of this installation.").format(
                    name=NOTES_NAME
                )
            )
            text = ""
        else:
            self.browser.setMarkdown(text)
        self._headings = headings(text)
        intro = QLabel(
            self.tr(
                "How TCB Links uses the CloudBase service: endpoints, tokens, the daily "
                "quota, error codes, file IDs and download links."
            ),
            self,
        )
        intro.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.browser, 1)
        layout.addWidget(buttons)

    @classmethod
    def open_at(cls, parent: QWidget, section: str = "") -> ServiceNotes:
        """The notes window of ``parent``'s top-level window, shown and raised, at
        ``section`` (an anchor such as ``#quota``) when it is one of theirs."""
        owner = parent.window()
        notes = owner.findChild(ServiceNotes, _OBJECT_NAME)
        if notes is None:
            notes = cls(owner)
        notes.show()  # first: the text is laid out at the window's width
        notes.raise_()
        notes.activateWindow()
        if section:
            notes.show_section(section)
        return notes

    def show_section(self, section: str) -> bool:
        """Scroll so that the heading of ``section`` is at the top; False if none."""
        title = self._headings.get(section)
        block = self._heading_blocks().get(title) if title is not None else None
        if block is None:
            return False
        self.browser.setTextCursor(QTextCursor(block))
        top = self.browser.document().documentLayout().blockBoundingRect(block).top()
        self.browser.verticalScrollBar().setValue(int(top))
        return True

    def current_heading(self) -> str:
        """The first heading in view (the one scrolled to, where the end of the notes
        allowed it to reach the top); else the heading of the section shown."""
        layout = self.browser.document().documentLayout()
        top = self.browser.verticalScrollBar().value()
        bottom = top + self.browser.viewport().height()
        above = ""
        for title, block in self._heading_blocks().items():
            at = layout.blockBoundingRect(block).top()
            if at >= top - 1:
                return title if at < bottom else above
            above = title
        return above

    def _heading_blocks(self) -> dict[str, QTextBlock]:
        """Each heading's text → its block, in the order of the notes."""
        blocks: dict[str, QTextBlock] = {}
        block = self.browser.document().begin()
        while block.isValid():
            if block.blockFormat().headingLevel() > 0:
                blocks.setdefault(block.text().strip(), block)
            block = block.next()
        return blocks

    def _follow(self, url: QUrl) -> None:
        if url.scheme() in ("http", "https"):
            QDesktopServices.openUrl(url)
        elif not url.scheme() and not url.path() and url.fragment():
            self.show_section("#" + url.fragment())
