"""The Requests view (Ctrl+Shift+R) and Check connection… in Simplified Chinese.

With the committed translation installed as the app installs it, the windows' titles,
column headers, buttons, tooltips, status words and the doctor's check names, details,
next steps and summary are Chinese (the details and next steps are core's registered
messages, translated by ``ui/core_text.py``; the command line keeps core's English, word
for word); what stays is data (URLs, curl, HTTP status numbers, errcodes, the service's
errmsg, timings, API paths). Without the translation the same assertions fail: they name
the Chinese words, not "anything but English".
"""

from __future__ import annotations

import asyncio
import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from tcb_gui.core.client import ApiMode
from tcb_gui.core.doctor import Check, CheckName, DoctorSetup, describe_setup, summary
from tcb_gui.core.exit_status import ExitStatus
from tcb_gui.core.quota import QuotaPreview
from tcb_gui.core.settings import Profile
from tcb_gui.core.tokens import TokenInfo, TokenSource, TokenStore
from tcb_gui.core.trace import CallKind, Outcome, TraceHub
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DEMO_TOKEN, DemoConfig, DemoState
from tcb_gui.ui.doctor_dialog import DoctorDialog, window_setup
from tcb_gui.ui.quota_question import quota_box
from tcb_gui.ui.requests_view import Column, RequestsWindow, details_text
from tests.e2e.cli_helpers import run_cli
from tests.ui.test_requests_view import event, run_dialog
from tests.ui.test_translation_zh import EnglishLeft

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints", r"support raise\(\)")  # offscreen

# Names and data these windows show as they are (beside test_translation_zh's list).
DATA = {"HTTP", "tcb-gui --trace", "default"}
# The doctor's data: timings, the loopback's scheme, API paths and mode, the keyring's name.
DOCTOR_DATA = DATA | {
    "DNS",
    "TCP",
    "ms",
    "http",
    "component",
    "/componenttcb/batchdownloadfile",
    "memory keyring MemoryKeyring",
}


def test_the_requests_view_speaks_chinese(zh, qtbot) -> None:
    hub = TraceHub()
    window = RequestsWindow(hub)
    qtbot.addWidget(window)
    hub.emit(event(1))
    expired = {"errcode": 42001, "errmsg": "access_token expired"}
    hub.emit(event(2, attempt=1, outcome=Outcome.RENEW_TOKEN, **expired))
    refused = {"kind": CallKind.FILE, "http_status": 403, "errcode": None}
    hub.emit(event(3, attempt=1, outcome=Outcome.RETRY, **refused))
    window.show()
    assert window.table is not None
    assert window.count_label is not None
    assert window.details is not None
    model = window.model
    assert model.rowCount() == 3

    assert window.windowTitle() == "请求记录"
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in Column]
    assert headers == [
        "时间",
        "类型",
        "接口",
        "环境",
        "ID 数",
        "HTTP",
        "错误码",
        "结果",
        "毫秒",
        "尝试",
    ]
    assert [window.copy_button.text(), window.save_button.text(), window.clear_button.text()] == [
        "复制为 curl 命令",
        "保存请求记录…",
        "清空",
    ]
    assert window.count_label.text() == "3 次调用"
    assert window.details.placeholderText() == "选择一次调用，即可查看其应答的通俗说明。"
    # Newest first: the file GET, the refused token, the ok.
    assert [model.data(model.index(r, Column.KIND)) for r in range(3)] == ["文件", "接口", "接口"]
    assert [model.data(model.index(r, Column.OUTCOME)) for r in range(3)] == [
        "重试",
        "换新令牌",
        "成功",
    ]
    # A header fits its column (Chinese words can be wider than the column's values).
    header = window.table.horizontalHeader()
    for column in (Column.IDS, Column.ATTEMPT, Column.MS):
        title = str(model.headerData(column, Qt.Orientation.Horizontal))
        assert header.fontMetrics().horizontalAdvance(title) <= window.table.columnWidth(column)

    # The details pane and the tooltips: our words and core's registered message in
    # Chinese; the URL, the errmsg and the body as they are.
    window.table.setCurrentIndex(model.index(1, 0))
    details = window.details.toPlainText()
    assert details == details_text(model.event_at(1))  # type: ignore[arg-type]
    assert "第 1 次尝试，换新令牌" in details
    assert "access_token 已过期" in details  # core's 42001 message, via core_text
    assert "（参见 帮助 ▸ 服务说明 ▸ Tokens。）" in details
    assert "错误码（errcode）：42001" in details
    assert "发送的请求体：" in details
    tip = model.data(model.index(0, Column.HTTP), Qt.ItemDataRole.ToolTipRole)
    assert "参见" in str(tip)

    check = EnglishLeft(DATA)
    check.walk(window, "requests")
    # The details minus data: the method, the docs anchor, the API's own field names
    # (errcode, errmsg), the service's errmsg and the JSON body sent.
    words = details.split("发送的请求体：")[0].replace("access_token expired", " ")
    details_data = EnglishLeft(DATA | {"POST", "Tokens", "errcode", "errmsg"})
    details_data.check("details", words)
    details_data.assert_clean(at_least=1)
    check.assert_clean(at_least=12)


async def test_check_connection_speaks_chinese(zh, qtbot) -> None:
    with DemoServer() as server:
        setup = await window_setup(
            Profile(name="default", base_url=server.base_url),
            TokenInfo(DEMO_TOKEN, TokenSource.SESSION),
            TokenStore(),
        )
        dialog = await run_dialog(qtbot, setup)
        command_line = await asyncio.to_thread(run_cli, ["doctor", "--base-url", server.base_url])
    assert dialog.windowTitle() == "检查连接"
    assert dialog.heading.text().startswith("正在检查配置 'default'：接口类型 第三方平台（")
    assert dialog.again_button.text() == "重新检查"
    assert dialog.copy_button.text() == "复制"
    assert "不含任何密钥" in dialog.copy_button.toolTip()
    box = dialog.findChild(QDialogButtonBox)
    assert box is not None
    assert box.button(QDialogButtonBox.StandardButton.Close).text() == "关闭"  # Qt's own
    names = [dialog.list.item(i).text().split("：", 1)[0] for i in range(dialog.list.count())]
    assert names == [
        "✓ 服务",
        "✓ 时钟",
        "✓ 令牌",
        "✓ 接口类型",
        "✓ IP 白名单",
        "✓ 今日额度",
        "✓ 密钥环",
    ]
    assert dialog.summary.text() == "可以开始解析。"
    assert dialog.ready

    # Each check's detail is core's registered message, in Chinese; the data as it is.
    rows = [dialog.list.item(i).text() for i in range(dialog.list.count())]
    assert re.fullmatch(
        r"✓ 服务：127\.0\.0\.1:\d+ — 耗时 DNS \d+ ms，TCP \d+ ms，明文 http（仅限本机回环）；"
        r"直接连接（未设置代理变量）",
        rows[0],
    ), rows[0]
    assert rows[1:5] == [
        "✓ 时钟：与服务的时钟相差不超过 1 秒",
        "✓ 令牌：来自本次会话，已被接受",
        "✓ 接口类型：令牌适用于 component（/componenttcb/batchdownloadfile）",
        "✓ IP 白名单：服务接受来自本机的调用",
    ]
    assert rows[5] == (
        "✓ 今日额度：/componenttcb/batchdownloadfile 今日剩余 1,000,000 次调用，"
        "共 1,000,000 次（最多 50,000,000 个 ID）"
    )
    assert rows[6].startswith("✓ 密钥环：")
    assert rows[6].endswith(" 有应答")
    check = EnglishLeft(DOCTOR_DATA)
    check.walk(dialog, "doctor")
    for n, row in enumerate(rows):
        check.check(f"doctor row {n}", row)
    check.assert_clean(at_least=13)

    # In English they are the command line's lines, word for word (the same server; the
    # token is in TCB_ACCESS_TOKEN there, in this session here; timings differ).
    assert command_line.code == 0, command_line.stdout

    def same(text: str) -> str:
        return re.sub(r"\d+ ms", "N ms", text).replace("this session", "TCB_ACCESS_TOKEN")

    printed = command_line.stdout.splitlines()[1 : 1 + len(CheckName)]
    assert [same(c.line()) for c in dialog.checks] == [same(line) for line in printed]


async def test_check_connection_says_what_blocks_in_chinese(zh, qtbot) -> None:
    with DemoServer(DemoState(DemoConfig(deny_ip=True, reported_ip="198.51.100.9"))) as server:
        setup = DoctorSetup(
            server.base_url, ApiMode.COMPONENT, "default", token=DEMO_TOKEN, token_source="x"
        )
        dialog = await run_dialog(qtbot, setup)
    assert dialog.summary.text() == (
        "尚不能解析：请先解决上方标有 ✗ 的问题，然后重新检查。（IP 白名单）"
    )
    row = dialog.list.item(4)
    assert row.text().startswith("✗ IP 白名单：")
    assert "\n    → " in row.text()  # the next step (core's words) under a failure
    assert row.toolTip() == "参见 帮助 ▸ 服务说明 ▸ Error codes。"
    assert dialog.text().splitlines()[0] == dialog.heading.text()  # "Copy" copies what is shown


async def test_a_refused_connection_is_said_in_chinese(zh, qtbot) -> None:
    with DemoServer() as server:
        base_url = server.base_url  # a loopback port that is closed once stopped
    setup = DoctorSetup(base_url, ApiMode.COMPONENT, "default", token=DEMO_TOKEN, token_source="x")
    dialog = await run_dialog(qtbot, setup)
    row = dialog.list.item(0).text()
    assert re.match(r"✗ 服务：无法连接 127\.0\.0\.1 的 \d+ 端口（连接被拒绝）；直接连接", row), row
    check = EnglishLeft(DOCTOR_DATA)
    check.check("refused service row", row)
    check.assert_clean(at_least=1)


def test_the_quota_question_speaks_chinese(zh, qtbot) -> None:
    box = quota_box(QuotaPreview(2_001, 2_000, 10_000))
    qtbot.addWidget(box)
    assert box.windowTitle() == "今日调用额度"
    texts = {b.text() for b in box.buttons()}
    assert "仍然开始" in texts
    assert "取消" in texts  # Qt's own
    assert box.text() == "本次需要调用 2,001 次；今日还剩 2,000 次。"
    assert box.informativeText().startswith("处理约 100,000 个 ID 后今日额度就会用完")


def test_without_the_translation_both_are_english(qtbot) -> None:
    """The control: the assertions above name words only the translation supplies."""
    window = RequestsWindow(TraceHub())
    qtbot.addWidget(window)
    assert window.windowTitle() == "Requests"
    assert window.model.headerData(0, Qt.Orientation.Horizontal) == "Time"
    setup = DoctorSetup("https://api.weixin.qq.com", ApiMode.COMPONENT, "p")
    dialog = DoctorDialog(setup)
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "Check connection"
    assert dialog.again_button.text() == "Check again"
    assert dialog.heading.text() == describe_setup(setup)  # the command line's first line
    mini = DoctorSetup("https://api.weixin.qq.com", ApiMode.TCB, "p", appid="wx1")
    assert dialog.setup_text(mini) == describe_setup(mini)
    # In English the lines and the summary are the command line's, word for word.
    blocked = Check(CheckName.TOKEN, False, "no token", "Set one.", ExitStatus.TOKEN)
    warned = Check(CheckName.KEYRING, False, "no keyring", "Start one.")
    fine = Check(CheckName.CLOCK, True, "within 1 s")
    for check in (blocked, warned, fine):
        assert dialog.line(check) == check.line()
    assert dialog.summary_text([fine]) == summary([fine])
    assert dialog.summary_text([fine, warned]) == summary([fine, warned])
    assert dialog.summary_text([warned, warned]) == summary([warned, warned])
    assert dialog.summary_text([blocked, warned]) == summary([blocked, warned]) + " (Token)"


def test_a_call_that_got_no_answer_says_why_in_chinese(zh, qtbot) -> None:
    """A network failure's errmsg is not the service's: it is core's registered message
    ("Network error: could not connect"), and a Chinese window says it in Chinese. The
    service's own errmsg still stays as it came."""
    hub = TraceHub()
    window = RequestsWindow(hub)
    qtbot.addWidget(window)
    no_answer = {"http_status": None, "errcode": None, "body": ""}
    hub.emit(
        event(1, outcome=Outcome.RETRY, errmsg="Network error: could not connect", **no_answer)
    )
    hub.emit(event(2, errcode=40001, outcome=Outcome.STOP, errmsg="invalid credential"))
    window.show()
    model = window.model
    assert model.rowCount() == 2
    network = details_text(model.event_at(1))  # type: ignore[arg-type]
    assert "错误信息（errmsg）：网络错误：无法连接" in network
    assert "could not connect" not in network.split("（参见")[1]
    service = details_text(model.event_at(0))  # type: ignore[arg-type]
    assert "错误信息（errmsg）：invalid credential" in service


def test_the_plain_words_of_every_kind_of_answer_are_chinese(zh) -> None:
    """``core.trace_file.explain``'s words (the Requests view's "what it means") are
    registered messages: a Chinese window says them in Chinese, data kept."""
    from tcb_gui.ui.requests_view import explanation_text

    file_call = {"kind": CallKind.FILE, "method": "GET", "errcode": None, "body": None}
    cases = {
        "存储中没有此文件": event(1, http_status=404, outcome=Outcome.FAILED, **file_call),
        "存储返回 HTTP 410。": event(2, http_status=410, outcome=Outcome.FAILED, **file_call),
        "返回 HTTP 502：繁忙或出错": event(3, http_status=502, errcode=None, outcome=Outcome.RETRY),
        "服务没有应答（网络错误：无法连接）": event(
            4,
            http_status=None,
            errcode=None,
            outcome=Outcome.RETRY,
            errmsg="Network error: could not connect",
        ),
        "这是最后一次尝试。": event(
            5, errcode=None, outcome=Outcome.GAVE_UP, errmsg="STORAGE_BUSY right now"
        ),
        "服务看到的地址是 203.0.113.7": event(
            6, errcode=40164, outcome=Outcome.STOP, errmsg="invalid ip 203.0.113.7 ipv6 ::"
        ),
    }
    for expected, call in cases.items():
        shown = explanation_text(call)
        assert expected in shown, shown
        words = shown.split("\n")[0]
        english = re.sub(r"STORAGE_BUSY right now|HTTP|URL|tcb-gui doctor", "", words)
        assert not re.search(r"[A-Za-z]{3,}", english), words
