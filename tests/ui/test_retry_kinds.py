"""After a download, a failed row is offered "Retry failed downloads (Ctrl+Shift+D) to
try it again" only where trying again can help. A folder that may not be written and an
environment the service does not know (errcode -501005) failed the same way on every
retry; their rows now say what to do instead (in Chinese too), from core's kind."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from tcb_gui.core.downloads.files import PartFile
from tcb_gui.core.errors import answered_for_good
from tcb_gui.demo.server import DemoServer
from tcb_gui.ui.main_window import MainWindow
from tests.core.test_retry_kinds import refused_with
from tests.ui.conftest import WindowFactory
from tests.ui.test_downloads_window import download, env_token_window, keys, text_of

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only

RETRY = "Retry failed downloads"
UNKNOWN = "cloud://nosuch-env-9z.nosuch-bucket/gen/size-4K/elsewhere.bin"


def refuse_writes(monkeypatch: pytest.MonkeyPatch, error: OSError) -> None:
    def write(self: PartFile, data: bytes) -> None:
        raise error

    monkeypatch.setattr(PartFile, "write", write)


async def details_after_download(
    window: MainWindow, dest: Path, *, failed: int, downloaded: int = 0
) -> str:
    """Download every row into ``dest``; the details pane of the first failed row."""
    summary = await download(window, dest)
    assert summary is not None
    assert (summary.failed, summary.downloaded) == (failed, downloaded)
    window.show_details_of(window.downloads.failed_rows()[0])
    return window.details.text()


async def test_a_folder_that_may_not_be_written_is_not_offered_a_retry(
    make_window: WindowFactory,
    demo_server: DemoServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = await env_token_window(make_window, demo_server, monkeypatch)
    await window.ids.add_text(text_of(keys(2, "512K", "locked")))
    refuse_writes(monkeypatch, PermissionError(errno.EACCES, "Permission denied"))
    details = await details_after_download(window, tmp_path, failed=2)
    assert "Permission denied. Make " in details
    assert "writable for you, or choose another download folder." in details
    assert RETRY not in details


async def test_an_unknown_environment_is_not_offered_a_retry(
    make_window: WindowFactory,
    demo_server: DemoServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = await env_token_window(make_window, demo_server, monkeypatch)
    await window.ids.add_text(UNKNOWN + "\n" + text_of(keys(1, "4K", "known")))
    details = await details_after_download(window, tmp_path, failed=1, downloaded=1)
    assert "Check the env part of the IDs" in details
    assert RETRY not in details


async def test_a_read_only_disk_says_what_to_do_in_chinese(
    zh,
    make_window: WindowFactory,
    demo_server: DemoServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = await env_token_window(make_window, demo_server, monkeypatch)
    await window.ids.add_text(text_of(keys(1, "512K", "ro")))
    refuse_writes(monkeypatch, OSError(errno.EROFS, "Read-only file system"))
    details = await details_after_download(window, tmp_path, failed=1)
    assert "请选择位于可写磁盘上的下载文件夹。" in details
    assert "Ctrl+Shift+D" not in details


async def test_a_resolve_does_not_offer_a_retry_for_an_unknown_environment() -> None:
    """The window's Retry failed (Ctrl+R) takes rows a retry may help (core's rule): not
    a batch refused for an environment the account does not have."""
    unknown, rejected = await refused_with(-501005), await refused_with(40097)
    assert answered_for_good(unknown.kind, unknown.errmsg)
    assert not answered_for_good(rejected.kind, rejected.errmsg)


async def test_a_file_the_service_says_is_gone_is_not_offered_a_retry(
    make_window: WindowFactory,
    demo_server: DemoServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A row with no link yet whose link the download asks for and the service refuses
    for the file (not found): its details say what to check, not to try again."""
    window = await env_token_window(make_window, demo_server, monkeypatch)
    await window.ids.add_text(text_of(["no/such/file.bin", *keys(1, "4K", "here")]))
    details = await details_after_download(window, tmp_path, failed=1, downloaded=1)
    assert "it was deleted, moved, or the ID has a typo" in details
    assert RETRY not in details
