"""Retry failed downloads (the panel's button, Ctrl+Shift+D) follows core's one rule
(``download_states.retry_can_help``): it leaves out only the service's last word on a file
(here "File does not exist", asked for by the download itself), and says so in the panel,
never silently. A folder that may not be written is taken once the operator fixed it; the
row menu's Retry download asks for a left-out file anyway."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from tcb_gui.core.fileids import parse_fileid
from tcb_gui.demo.samples import PROD
from tcb_gui.demo.server import DemoServer
from tests.ui.conftest import WindowFactory
from tests.ui.test_downloads_window import download, env_token_window, keys, text_of
from tests.ui.test_retry_kinds import refuse_writes

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only

MISSING = "no/such/file.bin"


async def test_retry_failed_leaves_out_only_the_services_last_word_and_says_so(
    make_window: WindowFactory,
    demo_server: DemoServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = await env_token_window(make_window, demo_server, monkeypatch)
    locked = keys(2, "512K", "locked")
    # Not resolved first: the download asks for its link and hears it does not exist.
    await window.ids.add_text(text_of(locked) + "\n" + PROD.fileid(MISSING))
    with monkeypatch.context() as patch:
        refuse_writes(patch, PermissionError(errno.EACCES, "Permission denied"))
        summary = await download(window, tmp_path)
    assert summary is not None
    assert (summary.failed, summary.downloaded) == (3, 0)
    controller, panel = window.downloads, window.downloads.panel
    missing = window.model.row_for(parse_fileid(PROD.fileid(MISSING)))
    assert missing is not None
    assert missing.download is not None
    assert missing.download.errmsg.startswith("File does not exist")

    worth, left_out = controller.retry_rows()
    assert [r.fileid.key for r in worth] == locked  # the folder: fixable, so taken
    assert left_out == 1
    assert panel.retry_button.isEnabled()
    assert panel.not_retried == 1
    assert "1 failed file left out of Retry failed: the service gave it its last word" in (
        panel.detail_label.text()
    )

    # The folder is writable again (the patch is gone): Retry failed takes the two.
    retried = await controller.retry_failed()
    assert retried is not None
    assert (retried.downloaded, retried.failed, retried.stopped) == (2, 0, 0)
    assert missing.download.errmsg.startswith("File does not exist")  # not asked again
    assert "1 failed file left out of Retry failed" in panel.detail_label.text()
    assert not panel.retry_button.isVisible()  # this run had no failure

    # Nothing left worth retrying: said, and no run.
    assert await controller.retry_failed() is None
    assert window.message_label.text().startswith("No failed downloads worth retrying: ")
    assert "Retry download in the row's menu asks anyway." in window.message_label.text()

    # The row menu's Retry download asks anyway.
    again = await controller.retry_failed([missing])
    assert again is not None
    assert (again.failed, again.downloaded) == (1, 0)
    assert not panel.retry_button.isEnabled()
    assert "asks anyway" in panel.retry_button.toolTip()
