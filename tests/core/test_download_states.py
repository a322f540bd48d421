"""``core.download_states``: what the window shows of a download, without the engine.

``core.downloads`` (and its ``records``) re-export the very same objects, and importing
the states loads neither the engine nor ``httpx`` nor ``asyncio``.
"""

from __future__ import annotations

import pytest

from tcb_gui.core import download_states, downloads
from tcb_gui.core.downloads import records
from tests.probe import run_probe

NAMES = ("FileProgress", "FileState", "Integrity", "Layout", "OnExists", "TotalProgress")


@pytest.mark.parametrize("name", NAMES)
def test_the_engine_re_exports_the_same_objects(name: str) -> None:
    assert getattr(downloads, name) is getattr(download_states, name)
    assert getattr(records, name) is getattr(download_states, name)


def test_the_states_load_without_the_engine() -> None:
    heavy = ("httpx", "asyncio", "tcb_gui.core.client", "tcb_gui.core.downloads")
    probe = (
        "import sys, tcb_gui.core.download_states;"
        f"print(','.join(m for m in {heavy!r} if m in sys.modules))"
    )
    assert run_probe(probe).strip() == ""
