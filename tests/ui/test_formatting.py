"""How durations and counts read."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QValidator

from tcb_gui.ui.duration_spin import DurationSpinBox, parse_duration
from tcb_gui.ui.formatting import fmt_countdown, fmt_duration, fmt_int


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (7200, "2 h"),
        (86400, "1 d"),
        (5400, "1 h 30 min"),
        (3661, "1 h 1 min 1 s"),
        (7201, "2 h 1 s"),
        (2700, "45 min"),
        (90, "1 min 30 s"),
        (1, "1 s"),
    ],
)
def test_fmt_duration(qapp, seconds: int, text: str) -> None:
    assert fmt_duration(seconds) == text
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("left", "text"),
    [(7199.9, "1 h 59 min"), (245, "4 min 05 s"), (42.7, "42 s"), (0, "expired"), (-3, "expired")],
)
def test_fmt_countdown(qapp, left: float, text: str) -> None:
    assert fmt_countdown(left) == text


def test_fmt_int_groups_digits(qapp) -> None:
    assert fmt_int(1204) == "1,204"


@pytest.mark.parametrize("text", ["", "two hours", "5 x", "h"])
def test_parse_duration_rejects_nonsense(text: str) -> None:
    assert parse_duration(text) is None


def test_duration_spin_box_reads_and_steps(qtbot) -> None:
    box = DurationSpinBox()
    qtbot.addWidget(box)
    assert box.text() == "2 h"
    box.stepBy(1)
    assert box.value() == 7200 + 900
    box.lineEdit().setText("90 min")
    box.interpretText()
    assert box.value() == 5400
    box.setValue(10**6)
    assert box.value() == 86400


def test_duration_spin_box_knows_its_own_text_and_parses_what_is_typed(
    qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The texts Qt has the box format (range, value, steps) are taken as they are: no
    parse on the way to the first frame. What the user types is parsed and checked."""
    from tcb_gui.ui import duration_spin

    parsed: list[str] = []
    real = duration_spin.parse_duration
    monkeypatch.setattr(
        duration_spin, "parse_duration", lambda text: parsed.append(text) or real(text)
    )
    box = DurationSpinBox()
    qtbot.addWidget(box)
    box.stepBy(1)
    assert (box.text(), parsed) == ("2 h 15 min", [])
    assert box.validate("90 min", 6)[0] is QValidator.State.Acceptable
    assert box.validate("2 d", 3)[0] is QValidator.State.Intermediate  # over a day
    assert box.validate("2 h 15", 6)[0] is QValidator.State.Acceptable
    assert parsed == ["90 min", "2 d", "2 h 15"]
