"""``core.download_states`` and ``core.download_progress``: what the window shows of a
download, without the engine.

``core.downloads`` (and its ``records``) re-export the very same objects; importing the
states loads neither the engine nor ``httpx`` nor ``asyncio``, and not the progress
records either (the window's first frame needs the states only).
"""

from __future__ import annotations

import pytest

from tcb_gui.core import download_progress, download_states, downloads
from tcb_gui.core.downloads import records
from tests.probe import run_probe

STATES = ("FileState", "Integrity", "Layout", "OnExists")
PROGRESS = ("FileProgress", "TotalProgress")


@pytest.mark.parametrize("name", STATES + PROGRESS)
def test_the_engine_re_exports_the_same_objects(name: str) -> None:
    home = download_states if name in STATES else download_progress
    assert getattr(downloads, name) is getattr(home, name)
    assert getattr(records, name) is getattr(home, name)


def test_the_states_load_without_the_engine_or_the_progress_records() -> None:
    heavy = (
        "httpx",
        "asyncio",
        "tcb_gui.core.client",
        "tcb_gui.core.downloads",
        "tcb_gui.core.download_progress",
    )
    probe = (
        "import sys, tcb_gui.core.download_states;"
        f"print(','.join(m for m in {heavy!r} if m in sys.modules))"
    )
    assert run_probe(probe).strip() == ""
