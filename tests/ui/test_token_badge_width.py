"""The token strip when it is squeezed: the badge between its shortest and its full text
(the pill hugs the words it shows, on the right next to the token's buttons, with no
empty tinted stretch; it drops the least useful words first), and the profile's address
beside it (a shorter form whole, or nothing, never "co…35")."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage

from tcb_gui.core.client import Quota
from tcb_gui.core.errors import TokenState
from tcb_gui.core.service_modes import ApiMode
from tcb_gui.core.settings import Profile
from tcb_gui.core.tokens import TokenSource
from tcb_gui.ui.palette import tone_tint
from tcb_gui.ui.token_badge import BadgeInfo, TokenBadge
from tcb_gui.ui.token_panel import ElidedLabel, TokenPanel


def _near(a: QColor, b: QColor) -> bool:
    return all(abs(x - y) <= 12 for x, y in zip(a.getRgb()[:3], b.getRgb()[:3], strict=True))


def _valid_session_badge(qtbot) -> TokenBadge:
    badge = TokenBadge()
    qtbot.addWidget(badge)
    badge.set_info(
        BadgeInfo(
            TokenState.VALID,
            TokenSource.SESSION,
            quota=Quota(daily_limit=1_000_000, used=0, remain=1_000_000),
            time_left=7_100,
        )
    )
    return badge


def test_a_squeezed_badge_drops_where_the_token_came_from_first_then_the_quota(
    qtbot,
) -> None:
    badge = _valid_session_badge(qtbot)
    height = badge.sizeHint().height()
    assert (
        badge.text == "Token valid · 1,000,000 calls left today · ~1 h 58 min left · session only"
    )
    seen = []
    for width in range(badge.sizeHint().width(), badge.minimumSizeHint().width() - 1, -4):
        badge.resize(width, height)
        if badge.shown_text() not in seen:
            seen.append(badge.shown_text())
    assert seen == [
        badge.text,
        "Token valid · 1,000,000 calls left today · ~1 h 58 min left",
        "Token valid · ~1 h 58 min left",
        "Token valid",
    ]


def test_a_squeezed_badge_paints_only_the_pill_of_its_words(qtbot) -> None:
    badge = _valid_session_badge(qtbot)
    full, least = badge.sizeHint().width(), badge.minimumSizeHint().width()
    assert least < full
    width = (full + least) // 2  # too narrow for the full words, wider than the short
    badge.resize(width, badge.sizeHint().height())
    shown = badge.shown_text()
    assert shown != badge.text  # a shorter form
    image: QImage = badge.grab().toImage()
    tint = tone_tint(badge.tone, badge.palette())
    row = 6  # inside the pill's top edge, above the words
    # The pill ends at the right edge, next to the token's buttons ...
    assert _near(image.pixelColor(width - 12, row), tint)
    # ... and starts where its words need it to: left of that the window shows.
    assert not _near(image.pixelColor(8, row), tint)


def test_the_address_shows_a_shorter_form_whole_or_nothing(qtbot) -> None:
    label = ElidedLabel()
    qtbot.addWidget(label)
    label.show()  # a hidden label hears of its new width only when shown
    full = "componenttcb · http://127.0.0.1:33467"
    label.set_full_text(full, ("componenttcb · 127.0.0.1:33467", "componenttcb"))
    metrics = label.fontMetrics()
    shown = {}
    for text in (full, "componenttcb · 127.0.0.1:33467", "componenttcb"):
        label.resize(metrics.horizontalAdvance(text), 20)
        shown[text] = label.text()
    assert shown == {text: text for text in shown}
    label.resize(metrics.horizontalAdvance("componenttcb") - 1, 20)
    assert label.text() == metrics.elidedText(
        "componenttcb", Qt.TextElideMode.ElideRight, label.width()
    )
    assert label.text().startswith("component")
    label.resize(metrics.horizontalAdvance("co…"), 20)
    assert label.text() == ""
    assert label.toolTip() == full  # the whole address is still a hover away


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_the_profile_line_keeps_its_note_in_the_shorter_forms(qtbot) -> None:
    panel = TokenPanel()
    qtbot.addWidget(panel)
    panel.show()
    profile = Profile(name="p", api=ApiMode.TCB, base_url="https://tcb.example.com")
    panel.set_profile_details(profile, overridden=True)
    where = panel.where
    note = "(from the command line)"
    assert where.full_text() == f"tcb · https://tcb.example.com {note}"
    where.resize(where.fontMetrics().horizontalAdvance(f"tcb · tcb.example.com {note}"), 20)
    assert where.text() == f"tcb · tcb.example.com {note}"
    where.resize(where.fontMetrics().horizontalAdvance(f"tcb {note}"), 20)
    assert where.text() == f"tcb {note}"
