"""Rows a Clear or Delete took out while they downloaded, put back by Undo, say what became
of their files: Verified once the run saved them, still moving while it goes on. They
used to come back frozen at the "Downloading 37 %" of the moment they were taken out.
Real runs against the demo service over loopback."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tcb_gui.core.downloads import DownloadOptions, FileState
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DemoConfig, DemoState
from tcb_gui.ui import task_names
from tcb_gui.ui.main_window import MainWindow
from tcb_gui.ui.results_model import Row, RowState
from tests.ui.conftest import WindowFactory, demo_window, wait_until
from tests.ui.test_downloads_window import assert_exact, cell_text, keys, moving, text_of

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only

KEYS = keys(4, "1M", "undo")


async def slow_run(window: MainWindow, dest: Path) -> tuple[asyncio.Task, list[Row]]:
    """Four files at a slow rate, all at once, under way (bytes on disk) on return."""
    await window.ids.add_text(text_of(KEYS))
    controller = window.downloads
    rows = controller.rows_to_download()[0]
    options = DownloadOptions(dest=dest, concurrency=4, limit_rate=1 << 20)
    task = window.tasks.start(task_names.DOWNLOAD, controller.download_rows(rows, options))
    assert task is not None
    await wait_until(lambda: moving(rows), 15)
    return task, rows


def words(window: MainWindow, rows: list[Row]) -> list[str]:
    return [cell_text(window, r) for r in rows]


async def test_rows_cleared_mid_download_come_back_verified(
    make_window: WindowFactory, demo_server: DemoServer, tmp_path: Path
) -> None:
    window = await demo_window(make_window, demo_server)
    task, rows = await slow_run(window, tmp_path)
    window.clear_rows()
    assert window.model.rowCount() == 0
    summary = await asyncio.wait_for(task, 15)
    assert summary is not None
    assert summary.downloaded == 4
    assert_exact(tmp_path, KEYS)

    assert window.undo() == 4
    assert words(window, rows) == ["Verified"] * 4  # was "Downloading NN %" for good
    assert window.model.counts().saved == 4
    assert "4 saved" in window.counts_label.text()


async def test_rows_deleted_mid_download_follow_the_run_and_come_back_as_it_is(
    make_window: WindowFactory, demo_server: DemoServer, tmp_path: Path
) -> None:
    window = await demo_window(make_window, demo_server)
    task, rows = await slow_run(window, tmp_path)
    taken = rows[:2]
    assert window.remove_rows(taken) == 2
    at_removal = [r.download for r in taken]
    # Out of the list, they still follow their files; put back while the run goes on,
    # they say how far those are now (in words: a cell whose speed was only just
    # measured reads as it did).
    await wait_until(
        lambda: any(r.download.text != c.text for r, c in zip(taken, at_removal, strict=True)),
        10,
    )
    assert window.undo() == 2
    assert words(window, taken) == [r.download.text for r in taken]
    assert words(window, taken) != [c.text for c in at_removal]
    assert window.remove_rows(taken) == 2
    summary = await asyncio.wait_for(task, 15)
    assert summary is not None
    assert summary.downloaded == 4
    assert window.model.counts().saved == 2  # the rows out of the list are not counted

    assert window.undo() == 2
    assert [r.download.state for r in rows] == [FileState.DONE] * 4
    assert words(window, rows) == ["Verified"] * 4
    assert window.model.counts().saved == 4


async def test_rows_cleared_before_the_run_had_their_links_come_back_with_them(
    make_window: WindowFactory, tmp_path: Path
) -> None:
    """Rows without a link yet: the run asks for them, and they are out of the list
    when the answer comes."""
    with DemoServer(DemoState(DemoConfig(latency_ms=300))) as server:
        window = await demo_window(make_window, server)
        await window.ids.add_text(text_of(KEYS))
        controller = window.downloads
        rows = controller.rows_to_download()[0]
        assert {r.state for r in rows} == {RowState.PENDING}
        options = DownloadOptions(dest=tmp_path, concurrency=4)
        task = window.tasks.start(task_names.DOWNLOAD, controller.download_rows(rows, options))
        assert task is not None
        await wait_until(lambda: controller.running, 10)
        window.clear_rows()  # the link request is on its way
        summary = await asyncio.wait_for(task, 15)
        assert summary is not None
        assert summary.downloaded == 4

        assert window.undo() == 4
        assert {r.state for r in rows} == {RowState.OK}
        assert all(r.url is not None and f"/{r.fileid.key}?" in r.url for r in rows)
        assert words(window, rows) == ["Verified"] * 4
        counts = window.model.counts()
        assert (counts.ok, counts.pending, counts.saved) == (4, 0, 4)
