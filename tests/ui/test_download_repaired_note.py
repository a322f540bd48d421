"""The window says when a download replaced a damaged copy of an earlier run's file (the
command line's "N saved: Replaced a damaged copy: …"), and the file is whole again.
Against the demo service over loopback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tcb_gui.demo.server import DemoServer
from tests.ui.conftest import WindowFactory
from tests.ui.test_downloads_window import (
    assert_exact,
    download,
    env_token_window,
    keys,
    target,
    text_of,
)

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only


async def test_a_damaged_copy_replaced_is_noted_in_the_panel(
    make_window: WindowFactory,
    demo_server: DemoServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = await env_token_window(make_window, demo_server, monkeypatch)
    wanted = keys(2, "48K", "mend")
    await window.ids.add_text(text_of(wanted))
    first = await download(window, tmp_path)
    assert first is not None
    assert first.downloaded == 2
    assert "copy replaced" not in window.downloads_panel.detail_label.text()

    damaged = target(tmp_path, wanted[0])
    data = bytearray(damaged.read_bytes())
    data[5] ^= 0xFF  # bit rot, or a bad copy back from a backup
    damaged.write_bytes(bytes(data))

    again = await download(window, tmp_path)

    assert again is not None
    assert again.repaired == 1
    assert "1 damaged copy replaced" in window.downloads_panel.detail_label.text()
    assert_exact(tmp_path, wanted)
