"""Ctrl+D with a filter on offers and starts on "The N rows shown" (the rows Ctrl+Shift+C
copies from, the window's ``shown_rows``), and downloading them takes those rows only."""

from __future__ import annotations

from pathlib import Path

import pytest

from tcb_gui.demo.samples import PROD
from tcb_gui.demo.server import DemoServer
from tcb_gui.ui import task_names
from tcb_gui.ui.download_dialog import Scope
from tests.ui.conftest import WindowFactory, demo_window, wait_until

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only

KEYS = [f"gen/w{n}.bin" for n in range(12)]
SHOWN = {"gen/w1.bin", "gen/w10.bin", "gen/w11.bin"}  # what "w1" matches


async def test_ctrl_d_with_a_filter_downloads_the_rows_shown(
    make_window: WindowFactory, demo_server: DemoServer, tmp_path: Path
) -> None:
    window = await demo_window(make_window, demo_server)
    await window.ids.add_text("\n".join(PROD.fileid(key) for key in KEYS))
    await window.resolver.resolve_rows()
    window.view.selectionModel().clearSelection()
    window.filter_edit.setText("w1")
    window.text_filter.apply()
    assert window.proxy.rowCount() == len(SHOWN)

    dialog = window.downloads.show_dialog()
    assert dialog is not None
    assert dialog.shown_radio.isChecked()
    assert dialog.scope() is Scope.SHOWN
    assert dialog.files() == len(SHOWN)
    dialog.folder_edit.setText(str(tmp_path))
    dialog.accept()
    task = window.tasks.get(task_names.DOWNLOAD)
    assert task is not None
    await task
    await wait_until(lambda: not window.downloads.running, 30)
    downloaded = {r.fileid.key for r in window.model.rows() if r.download is not None}
    assert downloaded == SHOWN

    # Without a filter there is no such choice.
    window.filter_edit.clear()
    again = window.downloads.show_dialog()
    assert again is not None
    assert not again.shown_radio.isVisible()
    assert again.scope() is Scope.ALL
    again.reject()
