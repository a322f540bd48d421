"""The Requests view draws a download call the operator paused or cancelled as what it
was: "cancelled", not drawn as a failure, its errmsg "Paused" in the window's language,
and no advice to check the network. It showed every such call as a red "stop" with
errmsg "CancelledError", in English in the Chinese window too."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tcb_gui.core.trace import CallKind, Outcome, TraceEvent, TraceHub
from tcb_gui.ui.requests_view import Column, RequestsWindow, details_text
from tests.ui.test_requests_view import event

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only

FILE_CALL = {
    "kind": CallKind.FILE,
    "method": "GET",
    "endpoint": "/download/b/p.bin",
    "url": "https://cdn.test/download/b/p.bin?sign=***",
    "errcode": None,
    "ids": 1,
    "body": None,
}


def left(n: int, words: str, http_status: int | None = 200) -> TraceEvent:
    return event(n, outcome=Outcome.CANCELLED, errmsg=words, http_status=http_status, **FILE_CALL)


def shown(qtbot, *events: TraceEvent) -> RequestsWindow:
    hub = TraceHub()
    window = RequestsWindow(hub)
    qtbot.addWidget(window)
    for e in events:
        hub.emit(e)
    window.show()
    qtbot.waitUntil(lambda: window.model.rowCount() == len(events), timeout=2000)
    return window


def test_a_paused_call_is_not_drawn_as_a_failure(qtbot) -> None:
    failed = event(1, outcome=Outcome.FAILED, http_status=404, **FILE_CALL)
    window = shown(qtbot, failed, left(2, "Paused"), left(3, "Cancelled", http_status=None))
    model = window.model
    red = model.data(model.index(2, Column.OUTCOME), Qt.ItemDataRole.ForegroundRole)
    assert red is not None  # the 404 (oldest, last row) is drawn as a failure
    for row, words in ((0, "Cancelled"), (1, "Paused")):
        index = model.index(row, Column.OUTCOME)
        assert index.data() == "cancelled"
        assert model.data(index, Qt.ItemDataRole.ForegroundRole) is None
        assert model.data(index, Qt.ItemDataRole.ToolTipRole) is None
        details = details_text(model.event_at(row))  # type: ignore[arg-type]
        assert f"errmsg: {words}" in details
        assert "CancelledError" not in details
        assert "No answer" not in details


def test_a_paused_call_speaks_chinese(zh, qtbot) -> None:
    window = shown(qtbot, left(1, "Paused"), left(2, "Cancelled", http_status=None))
    model = window.model
    assert model.index(0, Column.OUTCOME).data() == "已取消"
    cancelled = details_text(model.event_at(0))  # type: ignore[arg-type]
    paused = details_text(model.event_at(1))  # type: ignore[arg-type]
    assert "错误信息（errmsg）：已取消" in cancelled
    assert "错误信息（errmsg）：已暂停" in paused
    assert "Paused" not in paused
    assert "服务没有应答" not in paused + cancelled
