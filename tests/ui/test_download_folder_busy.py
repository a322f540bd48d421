"""A download into a folder another run is writing into, in the window.

Bug: the panel stayed "Downloading 3 files to … | Starting…" with Pause and Cancel,
every row stayed Queued, the only word was "Something went wrong (download): …", and
the saved list of an unfinished download (offered at start) was deleted. The command
line said "Another download is writing into …", exit 2. Now the window says the same,
in the download banner, and all is as it was before the run: the rows, the last run's
panel, and the offered list.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tcb_gui.core.download_session import SessionStore
from tcb_gui.core.downloads import STATE_DIR_NAME, DownloadOptions
from tcb_gui.core.downloads.folderlock import FolderLock
from tcb_gui.demo.samples import PROD
from tcb_gui.demo.server import DemoServer
from tcb_gui.ui import task_names
from tcb_gui.ui.download_controller import BANNER, RESUME_BANNER
from tcb_gui.ui.main_window import MainWindow
from tests.core.test_session_integrity import write_saved_list
from tests.ui.conftest import WindowFactory, demo_window, wait_until
from tests.ui.test_downloads_window import cell_text, keys, text_of

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only


async def start_and_wait(window: MainWindow, coro: object) -> None:
    """As the window starts a download: a named task, its errors the window's."""
    window.tasks.start(task_names.DOWNLOAD, coro, replace=False)  # type: ignore[arg-type]
    await wait_until(lambda: not window.tasks.running(task_names.DOWNLOAD), 10)


def says_busy(window: MainWindow, dest: Path) -> None:
    banner = window.banners.banner(BANNER)
    assert banner is not None
    assert banner.text.startswith(f"Another download is writing into {dest} (process {os.getpid()}")
    assert banner.text.endswith("Wait until it ends, or choose another folder.")
    assert window.banners.banner("error") is None


async def test_a_busy_folder_is_said_in_the_download_banner_and_the_rows_are_back(
    make_window: WindowFactory, demo_server: DemoServer, held: Path
) -> None:
    window = await demo_window(make_window, demo_server)
    await window.ids.add_text(text_of(keys(3)))
    await window.resolver.resolve_rows()
    before = [cell_text(window, r) for r in window.model.rows()]
    assert before == ["Ready"] * 3
    controller = window.downloads
    rows = controller.rows_to_download()[0]
    await start_and_wait(window, controller.download_rows(rows, DownloadOptions(dest=held)))
    says_busy(window, held)
    assert not controller.running
    assert window.downloads_panel.isHidden()  # not "Downloading 3 files … Starting…"
    window.model.flush()
    assert [cell_text(window, r) for r in window.model.rows()] == before
    assert window.model.counts().downloading == 0
    assert not demo_server.state.stats.downloads


async def test_resuming_into_a_busy_folder_keeps_the_list_on_offer(
    make_window: WindowFactory, demo_server: DemoServer, held: Path
) -> None:
    ks = keys(3)
    store = SessionStore()
    write_saved_list(
        store.path,
        held,
        {"fileid": PROD.fileid(ks[0]), "state": "done", "bytes_done": 65536},
        {"fileid": PROD.fileid(ks[1]), "state": "downloading", "bytes_done": 100},
        {"fileid": PROD.fileid(ks[2]), "state": "queued"},
    )
    window = await demo_window(make_window, demo_server)
    controller = window.downloads
    offered = await controller.restore_session()
    assert offered is not None
    cells = [cell_text(window, r) for r in window.model.rows()]
    assert cells == ["Saved", "Paused", "Paused"]
    await start_and_wait(window, controller.resume_session())
    says_busy(window, held)
    kept = store.load()  # a restart offers it again
    assert kept is not None
    assert kept.files == offered.files
    offer = window.banners.banner(RESUME_BANNER)  # and so does this window, now
    assert offer is not None
    assert "2 files are left (1 complete)" in offer.text
    assert controller.offered is offered
    window.model.flush()
    assert [cell_text(window, r) for r in window.model.rows()] == cells
    assert window.downloads_panel.isHidden()


async def test_a_retry_into_a_busy_folder_keeps_the_last_runs_panel(
    make_window: WindowFactory, demo_server: DemoServer, tmp_path: Path
) -> None:
    window = await demo_window(make_window, demo_server)
    await window.ids.add_text(text_of(keys(2)) + "\n" + PROD.fileid("no/such/file.bin"))
    controller = window.downloads
    dest = tmp_path / "out"
    rows = window.model.rows()  # the missing file too: it fails
    summary = await controller.download_rows(rows, DownloadOptions(dest=dest))
    assert summary is not None
    assert summary.failed == 1
    panel = window.downloads_panel
    title, last = panel.title_label.text(), controller.last_result
    lock = FolderLock(dest, dest / STATE_DIR_NAME)
    lock.acquire()
    try:
        # The row menu's Retry download: Retry failed leaves out a file the service said
        # does not exist (core's retry_can_help).
        await start_and_wait(window, controller.retry_failed(controller.failed_rows()))
    finally:
        lock.release()
    says_busy(window, dest)
    assert not panel.isHidden()
    assert panel.title_label.text() == title
    assert panel.retry_button.isVisibleTo(panel)
    assert controller.last_result is last
    assert [r.fileid.key for r in controller.failed_rows()] == ["no/such/file.bin"]
