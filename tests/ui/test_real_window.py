"""A real window on a real X server (Xvfb), through the app's own start and quit path."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.ui.xvfb_child import run_on_xvfb


@pytest.mark.xvfb
@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="xvfb-run (package xvfb) is absent")
def test_real_window_opens_paints_and_quits(tmp_path: Path) -> None:
    shot = tmp_path / "window.png"
    run = run_on_xvfb("tests.ui.window_smoke", str(shot), home=tmp_path / "home")
    facts = run.facts
    assert "TCB" in facts["title"]
    width, height = facts["size"]
    assert width >= 800
    assert height >= 500
    assert facts["colours"] > 5
    assert shot.stat().st_size > 10_000
    for noise in ("Task was destroyed", "Traceback", "QWidget", "Event loop stopped"):
        assert noise not in run.stderr
