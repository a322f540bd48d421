"""Links out: resolve against the demo service over loopback, copy, open, export, pause."""

from __future__ import annotations

import asyncio
import csv
import json
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, QPoint, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication

from tcb_gui.core.errors import ErrorKind, TokenState
from tcb_gui.core.export import ExportFormat
from tcb_gui.demo.samples import PROD
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DEMO_TOKEN, DemoConfig, DemoState
from tcb_gui.ui import task_names
from tcb_gui.ui.drop import DropPayload
from tcb_gui.ui.main_window import MainWindow
from tcb_gui.ui.results_model import Column, RowState
from tests.ui.conftest import WindowFactory, demo_window, wait_until

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only


def ids_text(count: int, prefix: str = "gen/size-1K/file") -> str:
    return "\n".join(PROD.fileid(f"{prefix}-{n:05d}.bin") for n in range(count))


async def test_resolve_then_copy_links_with_the_keyboard(
    make_window: WindowFactory, demo_server: DemoServer, qtbot, clipboard
) -> None:
    window = await demo_window(make_window, demo_server)
    missing = PROD.fileid("no/such/file.png")
    await window.ids.add_text(ids_text(120) + "\n" + missing)
    await window.resolver.resolve_rows()
    counts = window.model.counts()
    assert (counts.ok, counts.failed, counts.pending) == (120, 1, 0)
    assert max(demo_server.state.stats.batch_sizes) <= 50
    row = window.model.row_for(window.model.rows()[0].fileid)
    assert row is not None
    assert row.url is not None
    assert row.url.startswith("http://127.0.0.1")
    assert window.counts_label.text() == "121 IDs · 120 ready · 1 failed"

    window.activateWindow()
    window.view.setFocus()
    # Ctrl+Shift+C: every working link, one per line, in input order.
    qtbot.keyClick(
        window.view,
        Qt.Key.Key_C,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    lines = QApplication.clipboard().text().splitlines()
    expected = [r.url for r in sorted(window.model.rows(), key=lambda r: r.index) if r.url]
    assert lines == expected
    assert len(lines) == 120

    # Ctrl+C: the selected rows' links only.
    selection = window.view.selectionModel()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for proxy_row in (2, 5):
        selection.select(window.proxy.index(proxy_row, 0), flags)
    qtbot.keyClick(window.view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.clipboard().text().splitlines() == [
        window.proxy.row_at(2).url,
        window.proxy.row_at(5).url,
    ]


async def test_ctrl_return_resolves(
    make_window: WindowFactory, demo_server: DemoServer, qtbot
) -> None:
    window = await demo_window(make_window, demo_server)
    await window.ids.add_text(ids_text(30))
    window.activateWindow()
    qtbot.keyClick(window.view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    task = window.tasks.get(task_names.RESOLVE)
    assert task is not None
    await asyncio.wait_for(task, 20)
    assert window.model.counts().ok == 30
    assert not window.progress.isVisible()


async def test_token_error_pauses_and_resume_finishes_without_repeats(
    make_window: WindowFactory,
) -> None:
    state = DemoState(DemoConfig(latency_ms=40))
    with DemoServer(state) as server:
        window = await demo_window(make_window, server)
        window.concurrency_spin.setValue(1)
        total = 400
        await window.ids.add_text(ids_text(total))
        task = window.tasks.start(task_names.RESOLVE, window.resolver.resolve_rows())
        assert task is not None
        await wait_until(lambda: window.model.counts().ok >= 100, 20)
        state.expire_token(DEMO_TOKEN)
        await asyncio.wait_for(task, 20)

        counts = window.model.counts()
        assert counts.paused > 0
        assert counts.ok + counts.paused == total
        assert counts.failed == 0
        assert counts.resolving == 0
        # The badge turned red at once, and a check of the token was started.
        check_task = window.tasks.get("check-token")
        assert check_task is not None
        await asyncio.wait_for(check_task, 10)
        assert window.token_panel.badge.state is TokenState.EXPIRED
        banner = window.banners.banner("run")
        assert banner is not None
        assert "waiting" in banner.text
        paused_row = window.model.rows_in(RowState.PAUSED)[0]
        index = window.model.index(paused_row.pos, Column.STATUS)
        assert index.data() == "Waiting for token"
        # Exported as the command line prints the same run: "Not resolved: <why>".
        exported = {r.fileid.raw: r for r in window.links.results()}
        waiting = [exported[r.fileid.raw] for r in window.model.rows_in(RowState.PAUSED)]
        assert len({r.errmsg for r in waiting}) == 1
        assert waiting[0].errmsg.startswith("Not resolved: The access token has expired")
        assert {(r.ok, r.kind) for r in waiting} == {(False, ErrorKind.TOKEN)}

        # A fresh token: the badge turns valid and the banner offers Resume.
        state.add_token("fresh-demo-token", "component")
        await window.tokens.save_token("fresh-demo-token")
        assert window.token_panel.badge.state is TokenState.VALID
        banner = window.banners.banner("run")
        assert banner is not None
        assert "Resume" in banner.button_texts()

        asked_before = sum(state.stats.batch_sizes)
        paused = counts.paused
        await window.resolver.resolve_rows()
        assert window.model.counts().ok == total
        # Only the rows that were waiting were asked for again.
        assert sum(state.stats.batch_sizes) - asked_before == paused


async def test_a_service_stop_fails_the_rest_in_the_command_line_s_words(
    make_window: WindowFactory, tmp_path: Path
) -> None:
    state = DemoState(DemoConfig(daily_limit=2))  # the third request meets the quota
    with DemoServer(state) as server:
        window = await demo_window(make_window, server)
        window.concurrency_spin.setValue(1)
        await window.ids.add_text(ids_text(150))
        await window.resolver.resolve_rows()
        counts = window.model.counts()
        assert (counts.ok, counts.failed, counts.paused) == (100, 50, 0)
        errmsgs = {r.result.errmsg for r in window.model.rows_in(RowState.FAILED) if r.result}
        assert len(errmsgs) == 1
        errmsg = errmsgs.pop()
        assert errmsg.startswith("Not resolved: Today's API quota")
        banner = window.banners.banner("run")
        assert banner is not None
        assert "quota" in banner.text
        path = tmp_path / "out.json"
        assert await window.links.export_to(path, ExportFormat.JSON) == 150
        records = json.loads(path.read_text(encoding="utf-8"))
        assert records[-1]["errmsg"] == errmsg
        await window.aclose()


async def test_resolve_asked_during_a_paste_takes_the_pasted_ids(
    make_window: WindowFactory, demo_server: DemoServer, monkeypatch
) -> None:
    """Ctrl+V then Ctrl+Return at once: the paste is still being read off the loop when
    the resolve starts, and the run waits for it rather than finding nothing to do."""
    import threading

    import tcb_gui.ui.ids_presenter as ids_presenter

    window = await demo_window(make_window, demo_server)
    release = threading.Event()
    real = ids_presenter.find_ids

    def slow_find(text: str, **kwargs: object):
        assert release.wait(10)  # held until the resolve has been asked for
        return real(text, **kwargs)

    monkeypatch.setattr(ids_presenter, "find_ids", slow_find)
    text = ids_text(1_500)
    assert len(text) > ids_presenter.INLINE_PARSE_MAX_CHARS  # read in a thread
    window.ids.add_payload(DropPayload(text=text), "the clipboard")
    window.resolver.request_resolve()
    await wait_until(lambda: "once the IDs being added are in" in window.message_label.text(), 10)
    assert window.model.rowCount() == 0  # the paste is not in yet
    release.set()
    await wait_until(lambda: window.model.counts().ok == 1_500, 20)
    assert demo_server.state.stats.requests["componenttcb/batchdownloadfile"] == 30
    await window.aclose()


async def test_cancel_puts_unfinished_rows_back_to_pending(make_window: WindowFactory) -> None:
    with DemoServer(DemoState(DemoConfig(latency_ms=60))) as server:
        window = await demo_window(make_window, server)
        window.concurrency_spin.setValue(1)
        await window.ids.add_text(ids_text(300))
        window.resolver.request_resolve()
        await wait_until(lambda: window.model.counts().ok >= 50, 20)
        assert window.cancel_button.isVisible()
        window.cancel_button.click()
        await wait_until(lambda: not window.run_active, 10)
        counts = window.model.counts()
        assert counts.resolving == 0
        assert counts.pending == 300 - counts.ok
        assert "Cancelled" in window.message_label.text()


async def test_open_refuses_anything_but_http(window: MainWindow, monkeypatch) -> None:
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    assert not window.links.open_link("file:///etc/passwd")
    assert not window.links.open_link("javascript:alert(1)")
    assert not window.links.open_link("ftp://example.com/x")
    assert opened == []
    # An already-encoded link opens as it is: %XX kept, not encoded twice.
    link = "https://b.tcb.qcloud.la/%E5%9B%BE%E7%89%87/a%20b.png?sign=x%2By&t=1"
    assert window.links.open_link(link)
    assert [bytes(u.toEncoded().data()).decode() for u in opened] == [link]


async def test_delegate_buttons_copy_and_open_with_mouse_and_keys(
    make_window: WindowFactory, demo_server: DemoServer, qtbot, clipboard, monkeypatch
) -> None:
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    window = await demo_window(make_window, demo_server)
    await window.ids.add_text(PROD.fileid("图片/春节 海报.png"))
    await window.resolver.resolve_rows()
    row = window.proxy.row_at(0)
    assert row.url is not None
    assert "%E6%98%A5" in row.url

    view = window.view
    index = window.proxy.index(0, Column.ACTIONS)
    cell = view.visualRect(index)
    rects = view.actions_delegate.button_rects(cell, view.fontMetrics())
    copy_center = next(iter(rects.values())).center()
    open_center = list(rects.values())[1].center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=copy_center)
    assert QApplication.clipboard().text() == row.url
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=open_center)
    assert [bytes(u.toEncoded().data()).decode() for u in opened] == [row.url]

    # Keyboard: Space copies, Enter opens, on the focused Actions cell.
    QApplication.clipboard().clear()
    view.setFocus()
    view.setCurrentIndex(index)
    qtbot.keyClick(view, Qt.Key.Key_Space)
    assert QApplication.clipboard().text() == row.url
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert len(opened) == 2
    # A click next to the buttons does nothing.
    qtbot.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(cell.right() - 2, cell.center().y())
    )
    assert len(opened) == 2


@pytest.mark.parametrize("fmt", [ExportFormat.CSV, ExportFormat.JSON, ExportFormat.URLS])
async def test_export_writes_valid_files(
    make_window: WindowFactory, demo_server: DemoServer, tmp_path: Path, fmt: ExportFormat
) -> None:
    window = await demo_window(make_window, demo_server)
    await window.ids.add_text(ids_text(5) + "\n" + PROD.fileid("no/such.png"))
    await window.resolver.resolve_rows()
    await window.ids.add_text(PROD.fileid("later.png"))  # never resolved: exported as such
    path = tmp_path / f"out{fmt.suffix}"
    assert await window.links.export_to(path, fmt) == (5 if fmt is ExportFormat.URLS else 7)
    text = path.read_text(encoding="utf-8")
    if fmt is ExportFormat.JSON:
        records = json.loads(text)
        assert [r["ok"] for r in records] == [True] * 5 + [False, False]
        assert records[6]["errmsg"] == "Not resolved yet"
    elif fmt is ExportFormat.CSV:
        rows = list(csv.DictReader(text.splitlines()))
        assert len(rows) == 7
        assert rows[0]["download_url"].startswith("http://127.0.0.1")
    else:
        assert len(text.splitlines()) == 5


async def test_export_to_an_unwritable_place_says_so(window: MainWindow, tmp_path: Path) -> None:
    await window.ids.add_text(PROD.fileid("a.png"))
    assert await window.links.export_to(tmp_path / "missing-dir" / "x.csv", ExportFormat.CSV) == 0
    banner = window.banners.banner("export")
    assert banner is not None
    assert "Could not export" in banner.text


async def test_resolve_without_a_token_asks_for_one(window: MainWindow) -> None:
    await window.ids.add_text(PROD.fileid("a.png"))
    await window.resolver.resolve_rows()
    banner = window.banners.banner("run")
    assert banner is not None
    assert "Set a token first" in banner.text
    assert window.model.counts().paused == 1
