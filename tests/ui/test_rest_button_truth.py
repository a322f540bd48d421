"""The "Download the rest" button says the truth: enabled exactly while files of the
last run are left to fetch (those it stopped before they finished, still in the list),
and saying how many; disabled when everything is saved, when the rest came down, when
the rows it would take were removed. Real runs against the demo service over loopback."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tcb_gui.core.downloads import DownloadOptions, FileState
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DEMO_TOKEN
from tcb_gui.ui import task_names
from tcb_gui.ui.download_cells import DownloadSummary
from tcb_gui.ui.main_window import MainWindow
from tcb_gui.ui.palette import Tone
from tcb_gui.ui.results_model import Row
from tests.ui.conftest import WindowFactory, demo_window, wait_until
from tests.ui.test_downloads_window import assert_exact, download, keys, moving, text_of

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only

SMALL, BIG = keys(2, "4K", "rest"), keys(3, "1M", "rest")


async def cancelled_run(window: MainWindow, dest: Path) -> tuple[DownloadSummary, list[Row]]:
    """Two small files, then three big ones at a slow rate, one at a time: Cancel once a
    big one is moving. The small ones are saved; the rest is stopped, partial or unstarted."""
    await window.ids.add_text(text_of(SMALL + BIG))
    controller = window.downloads
    rows = controller.rows_to_download()[0]
    options = DownloadOptions(dest=dest, concurrency=1, limit_rate=512 << 10)
    task = window.tasks.start(task_names.DOWNLOAD, controller.download_rows(rows, options))
    assert task is not None

    await wait_until(lambda: moving(rows), 15)
    controller.panel.cancel_button.click()
    summary = await asyncio.wait_for(task, 10)
    assert summary is not None
    return summary, rows


def offered(window: MainWindow) -> bool:
    """Whether "Download the rest" is on offer: the panel's button and the Downloads
    menu's item always agree."""
    button = window.downloads_panel.rest_button.isEnabled()
    assert window.act_rest.isEnabled() == button
    return button


def unfinished(rows: list[Row]) -> list[Row]:
    return [r for r in rows if r.download is None or not r.download.finished]


async def test_a_complete_run_leaves_nothing_to_download(
    make_window: WindowFactory, demo_server: DemoServer, tmp_path: Path
) -> None:
    window = await demo_window(make_window, demo_server)
    await window.ids.add_text(text_of(keys(4, "8K", "whole")))
    summary = await download(window, tmp_path)
    assert summary is not None
    assert (summary.downloaded, summary.stopped) == (4, 0)
    controller, panel = window.downloads, window.downloads_panel
    assert controller.rest_rows() == []
    assert not offered(window)  # nothing is left: nothing to offer
    assert not panel.rest_button.isVisible()
    assert "Download the rest" not in panel.detail_label.text()

    # Run again over the same folder: every file is already there (skipped), still nothing.
    again = await download(window, tmp_path)
    assert again is not None
    assert again.skipped == 4
    assert controller.rest_rows() == []
    assert not offered(window)


async def test_a_cancelled_run_offers_the_rest_by_count_until_it_came_down(
    make_window: WindowFactory, demo_server: DemoServer, tmp_path: Path
) -> None:
    window = await demo_window(make_window, demo_server)
    summary, rows = await cancelled_run(window, tmp_path)
    controller, panel = window.downloads, window.downloads_panel
    left = unfinished(rows)
    assert summary.cancelled
    assert 0 < summary.stopped == len(left)  # core's word and the rows agree
    assert controller.rest_rows() == left
    assert panel.rest_button.isVisible()
    assert offered(window)
    n = len(left)
    files = "1 file" if n == 1 else f"{n} files"
    assert panel.rest_button.toolTip() == (
        f"Go on with the {files} not finished yet, into the same folder"
    )
    assert f"{files} not finished (Download the rest resumes" in panel.detail_label.text()

    # Download the rest takes exactly those, and then nothing is left.
    again = await controller.download_rest()
    assert again is not None
    assert again.downloaded == n
    assert_exact(tmp_path, SMALL + BIG)
    assert controller.rest_rows() == []
    assert not offered(window)
    assert "Download the rest" not in panel.detail_label.text()


async def test_removing_the_unfinished_rows_leaves_nothing_to_download(
    make_window: WindowFactory, demo_server: DemoServer, tmp_path: Path
) -> None:
    window = await demo_window(make_window, demo_server)
    _summary, rows = await cancelled_run(window, tmp_path)
    controller, panel = window.downloads, window.downloads_panel
    left = unfinished(rows)
    assert offered(window)

    # One of them goes: the count follows.
    assert window.remove_rows(left[:1]) == 1
    await wait_until(lambda: controller.rest_rows() == left[1:], 2)
    n = len(left) - 1
    if n:
        files = "1 file" if n == 1 else f"{n} files"
        assert f"Go on with the {files} " in panel.rest_button.toolTip()
        assert offered(window)

    # All of them go: nothing of the run is left to download.
    window.remove_rows(left[1:])
    await wait_until(lambda: not panel.rest_button.isEnabled(), 2)
    assert not offered(window)
    assert controller.rest_rows() == []
    assert panel.rest_button.toolTip() == "Nothing of this run is left to download"
    assert "Download the rest" not in panel.detail_label.text()
    assert "no longer in the list" in panel.detail_label.text()
    assert await controller.download_rest() is None
    assert window.message_label.text() == "Nothing is left to download."


async def test_failed_files_are_retried_not_downloaded_as_the_rest(
    make_window: WindowFactory, demo_server: DemoServer, tmp_path: Path
) -> None:
    # A run that ends with a failure has nothing "left": Retry failed is its offer.
    window = await demo_window(make_window, demo_server)
    await window.ids.add_text(text_of(keys(3, "4K", "flop")))
    demo_server.state.script_faults("download", ["html404"])
    summary = await download(window, tmp_path, concurrency=1)
    assert summary is not None
    assert (summary.failed, summary.stopped) == (1, 0)
    panel = window.downloads_panel
    assert panel.retry_button.isVisible()
    assert window.downloads.rest_rows() == []
    assert not offered(window)


async def test_retrying_a_failure_keeps_the_rest_on_offer(
    make_window: WindowFactory, demo_server: DemoServer, tmp_path: Path
) -> None:
    # Cancelled with one failure among the files: Retry failed first, and the files the
    # Cancel stopped are still there to download afterwards.
    window = await demo_window(make_window, demo_server)
    demo_server.state.script_faults("download", ["html404"])
    summary, rows = await cancelled_run(window, tmp_path)
    controller, panel = window.downloads, window.downloads_panel
    assert summary.failed == 1
    left = [r for r in unfinished(rows) if r.download.state is not FileState.FAILED]
    assert controller.rest_rows() == left
    assert panel.retry_button.isVisible()

    again = await controller.retry_failed()
    assert again is not None
    assert (again.downloaded, again.failed) == (1, 0)
    assert controller.rest_rows() == left
    assert panel.rest_button.isVisible()
    assert offered(window)
    n = len(left)
    files = "1 file" if n == 1 else f"{n} files"
    # The retry finished all it took: the words are not about "this run".
    assert panel.rest_button.toolTip() == (
        f"Go on with the {files} not finished yet, into the same folder"
    )
    assert panel.tone is not Tone.SUCCESS  # "Finished", but not everything is there

    last = await controller.download_rest()
    assert last is not None
    assert last.downloaded == n
    assert_exact(tmp_path, SMALL + BIG)
    assert not offered(window)
    assert panel.tone is Tone.SUCCESS


def rest_shown(window: MainWindow, rows: list[Row]) -> bool:
    """The rest is exactly ``rows``, and the panel, its button and the menu say so."""
    panel = window.downloads_panel
    n = len(rows)
    files = "1 file" if n == 1 else f"{n} files"
    return (
        window.downloads.rest_rows() == rows
        and window.downloads.rest_count() == n
        and panel.isVisible()
        and panel.rest == n
        and offered(window)
        and panel.rest_button.toolTip().startswith(f"Go on with the {files} ")
    )


async def test_undo_of_a_delete_brings_the_rest_back(
    make_window: WindowFactory, demo_server: DemoServer, tmp_path: Path
) -> None:
    # Undo puts the rows back in one model reset: that is the same list, not another.
    window = await demo_window(make_window, demo_server)
    _summary, rows = await cancelled_run(window, tmp_path)
    controller = window.downloads
    left = unfinished(rows)
    run_rows = list(controller.last_rows)
    assert rest_shown(window, left)

    assert window.remove_rows(left[:1]) == 1
    await wait_until(lambda: controller.rest_rows() == left[1:], 2)
    resets: list[int] = []
    window.model.modelReset.connect(lambda: resets.append(1))
    assert window.undo() == 1
    assert resets  # the path the fix is about
    await wait_until(lambda: rest_shown(window, left), 2)
    assert controller.last_rows == run_rows
    assert window.downloads_panel.rest_button.isVisible()

    # And the rest it offers comes down.
    again = await controller.download_rest()
    assert again is not None
    assert again.downloaded == len(left)
    assert_exact(tmp_path, SMALL + BIG)
    assert not offered(window)


async def test_deleting_many_scattered_rows_keeps_the_rest(
    make_window: WindowFactory, demo_server: DemoServer, tmp_path: Path
) -> None:
    # Every second one of 200 other rows: more runs than the model removes one by one,
    # so it resets; none of the rest went.
    window = await demo_window(make_window, demo_server)
    _summary, rows = await cancelled_run(window, tmp_path)
    controller = window.downloads
    left = unfinished(rows)
    await window.ids.add_text(text_of(keys(200, "4K", "other")))
    window.model.flush()
    others = [r for r in window.model.rows() if r not in rows]
    assert len(others) == 200
    scattered = others[::2]
    resets: list[int] = []
    window.model.modelReset.connect(lambda: resets.append(1))
    assert window.remove_rows(scattered) == 100
    assert resets  # removed in one reset (more than MAX_SPANS_PER_FLUSH runs)
    await wait_until(lambda: rest_shown(window, left), 2)

    # Undo of that Delete: still the same run's rest.
    assert window.undo() == 100
    await wait_until(lambda: rest_shown(window, left), 2)
    assert controller.last_rows == sorted(rows, key=lambda r: r.index)


async def test_clear_forgets_the_run(
    make_window: WindowFactory, demo_server: DemoServer, tmp_path: Path
) -> None:
    window = await demo_window(make_window, demo_server)
    await cancelled_run(window, tmp_path)
    controller, panel = window.downloads, window.downloads_panel
    assert offered(window)
    window.clear_rows()
    window.model.flush()  # the menu follows at the model's next flush
    assert not panel.isVisible()
    assert controller.last_rows == []
    assert controller.rest_rows() == []
    assert not offered(window)

    # Its Undo puts the rows back, but the run stays forgotten (another list came and
    # went: the panel does not come back half true).
    assert window.undo() > 0
    window.model.flush()
    assert not panel.isVisible()
    assert controller.rest_rows() == []
    assert not offered(window)


async def test_opening_another_list_forgets_the_run(
    make_window: WindowFactory, demo_server: DemoServer, tmp_path: Path
) -> None:
    # Not "Try the demo": the demo keeps no history.
    window = make_window(base_url=demo_server.base_url)
    await window.tokens.save_token(DEMO_TOKEN)
    await window.ids.add_text(text_of(keys(3, "4K", "kept")))
    await window.history.save_now()
    kept = window.history.entry_id
    assert kept is not None
    window.clear_rows()
    await cancelled_run(window, tmp_path)
    controller, panel = window.downloads, window.downloads_panel
    assert offered(window)

    assert await window.history.open_entry(kept)
    window.model.flush()
    assert not panel.isVisible()
    assert window.model.rowCount() == 3
    assert controller.last_rows == []
    assert controller.rest_rows() == []
    assert not offered(window)
