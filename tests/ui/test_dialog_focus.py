"""After a dialog closes, the keyboard is the window's again: a real Ctrl+E opens the
Export dialog, a real Esc closes it, and the next keys typed (Ctrl+F, then a filter)
reach the main window, on X11 under a window manager (openbox), as on an operator's
desktop (``tests/ui/dialog_focus_x11.py`` drives it with ``xdotool``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.ui.xvfb_child import run_on_xvfb

pytestmark = [
    pytest.mark.xvfb,
    pytest.mark.skipif(
        not all(shutil.which(tool) for tool in ("xvfb-run", "xdotool", "openbox")),
        reason="needs xvfb-run, xdotool and openbox",
    ),
]


def test_the_keys_after_a_dialog_closes_go_to_the_window(tmp_path: Path) -> None:
    facts = run_on_xvfb("tests.ui.dialog_focus_x11", home=tmp_path).facts
    assert facts["active"]
    assert facts["focused_by_manager"]
    assert facts["dialog_opened"]
    assert facts["dialog_closed"]
    assert facts["window_active_again"]
    assert facts["typed_into_filter"], facts["filter"]
