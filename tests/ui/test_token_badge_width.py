"""The token badge between its shortest and its full text: the pill hugs the words it
shows, on the right next to the token's buttons, with no empty tinted stretch."""

from __future__ import annotations

from PySide6.QtGui import QColor, QImage

from tcb_gui.core.client import Quota
from tcb_gui.core.errors import TokenState
from tcb_gui.core.tokens import TokenSource
from tcb_gui.ui.palette import tone_tint
from tcb_gui.ui.token_badge import BadgeInfo, TokenBadge


def _near(a: QColor, b: QColor) -> bool:
    return all(abs(x - y) <= 12 for x, y in zip(a.getRgb()[:3], b.getRgb()[:3], strict=True))


def test_a_squeezed_badge_paints_only_the_pill_of_its_words(qtbot) -> None:
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
