"""Download outcomes survive a restart: after a download, quitting and starting again
(a new window on the same TCB_GUI_HOME) brought every row back as "Ready", and the
status filter's Saved and Download failed found nothing. The saved list keeps each
row's outcome (Verified and where, Download failed and why), and it is saved a few
seconds after a run ends, as a resolve's results are. Against the demo service over
loopback."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from tcb_gui.core.download_states import FileState
from tcb_gui.core.downloads import DownloadOptions
from tcb_gui.core.errors import ErrorKind
from tcb_gui.core.history import HistoryStore
from tcb_gui.demo.samples import PROD
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DEMO_TOKEN
from tcb_gui.ui import history as history_module
from tcb_gui.ui.main_window import MainWindow
from tcb_gui.ui.results_model import Column, Row
from tcb_gui.ui.results_proxy import StatusFilter
from tests.ui.conftest import WindowFactory, wait_until

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only

KEYS = [f"gen/size-4K/hd-{n}.bin" for n in range(4)]
NOT_THERE = "Download failed: The file is not on the server (404 Not Found)"


async def token_window(make_window: WindowFactory, server: DemoServer) -> MainWindow:
    """A window on a saved profile pointing at the demo (the demo's own lists are not
    kept)."""
    window = make_window(base_url=server.base_url)
    await window.tokens.save_token(DEMO_TOKEN)
    return window


def status(window: MainWindow, row: Row) -> str:
    return window.model.index(row.pos, Column.STATUS).data()


def tip(window: MainWindow, row: Row) -> str:
    return window.model.index(row.pos, Column.STATUS).data(Qt.ItemDataRole.ToolTipRole)


def by_key(window: MainWindow) -> dict[str, Row]:
    return {row.fileid.key: row for row in window.model.rows()}


async def downloaded_window(
    make_window: WindowFactory, server: DemoServer, dest: Path
) -> MainWindow:
    """Four files downloaded, the second one refused by the storage (404)."""
    window = await token_window(make_window, server)
    await window.ids.add_text("\n".join(PROD.fileid(k) for k in KEYS))
    await window.resolver.resolve_rows()
    server.state.script_faults("download", ["html404"])
    summary = await window.downloads.download_rows(
        window.downloads.rows_to_download()[0], DownloadOptions(dest=dest, concurrency=1)
    )
    assert summary is not None
    assert (summary.downloaded, summary.failed) == (3, 1)
    return window


async def test_after_a_restart_rows_show_verified_and_download_failed_with_the_reason(
    make_window: WindowFactory, demo_server: DemoServer, tmp_path: Path
) -> None:
    first = await downloaded_window(make_window, demo_server, tmp_path)
    before = {key: status(first, row) for key, row in by_key(first).items()}
    tips_before = {key: tip(first, row) for key, row in by_key(first).items()}
    assert sorted(before.values()) == [NOT_THERE, "Verified", "Verified", "Verified"]
    failed_key = next(key for key, text in before.items() if text == NOT_THERE)
    await first.aclose()  # what the app does on quit

    second = make_window(base_url=demo_server.base_url)
    assert await second.history.restore_last()

    rows = by_key(second)
    assert {key: status(second, row) for key, row in rows.items()} == before
    # Where each file went and how it was checked, as the run said it.
    assert {key: tip(second, row) for key, row in rows.items()} == tips_before
    assert f"Saved to {tmp_path / PROD.env / KEYS[3]} (4.0 KiB)" in tips_before[KEYS[3]]
    failed = rows[failed_key]
    assert failed.download is not None
    assert failed.download.kind is ErrorKind.FILE  # core's class of the failure, kept
    counts = second.model.counts()
    assert (counts.ok, counts.saved, counts.download_failed) == (4, 3, 1)
    second.proxy.set_status_filter(StatusFilter.DOWNLOAD_FAILED)
    assert [second.proxy.row_at(i) for i in range(second.proxy.rowCount())] == [failed]
    second.proxy.set_status_filter(StatusFilter.SAVED)
    assert second.proxy.rowCount() == 3
    assert not second.history.dirty  # restoring is not a change worth saving again


async def test_the_outcome_is_saved_soon_after_the_run_without_another_change(
    make_window: WindowFactory,
    demo_server: DemoServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A download changes no row's resolve state: the list still counts as changed, so
    a window that is killed later loses nothing of it."""
    monkeypatch.setattr(history_module, "SAVE_DELAY_MS", 50)
    window = await downloaded_window(make_window, demo_server, tmp_path)

    def kept_states() -> list[FileState | None]:
        entries = HistoryStore().entries()
        if not entries:
            return []
        loaded = HistoryStore().load(entries[0].id)
        return sorted((d.state for d in loaded.downloads if d is not None), key=str)

    await wait_until(lambda: len(kept_states()) == 4, 10)
    assert kept_states() == [FileState.DONE] * 3 + [FileState.FAILED]
    await wait_until(lambda: not window.history.dirty, 10)  # and nothing more to save


async def test_retry_after_a_restart_asks_for_the_folder_with_the_failed_rows(
    make_window: WindowFactory, demo_server: DemoServer, tmp_path: Path
) -> None:
    """No run of the new session names a folder: Retry failed (Ctrl+Shift+D) opens the
    Download dialog with the restored failed rows offered, instead of answering "No
    failed downloads to retry." beside rows that say they failed."""
    from tcb_gui.ui.download_dialog import DownloadDialog, Scope

    first = await downloaded_window(make_window, demo_server, tmp_path)
    await first.aclose()
    second = make_window(base_url=demo_server.base_url)
    assert await second.history.restore_last()
    failed = [r for r in second.model.rows() if r.download and r.download.state is FileState.FAILED]
    assert len(failed) == 1

    await second.downloads.retry_failed(failed)

    dialogs = [d for d in second.findChildren(DownloadDialog) if d.isVisible()]
    assert len(dialogs) == 1
    assert dialogs[0].scope() is Scope.SELECTED  # the failed row, offered first
    dialogs[0].reject()
