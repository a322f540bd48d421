"""Core's messages in the window's language (``tcb_gui/ui/core_text.py``).

* Every message core registers is listed for lupdate and has a finished Chinese
  translation; core raises no user message it did not register.
* A whole message comes back translated; a templated one keeps its variable parts (codes,
  counts, names, the service's own words) and translates the messages nested in it.
* Text core never registered, and everything while the window is in English, comes back
  unchanged.
"""

from __future__ import annotations

import ast
import importlib.util
import itertools
import re
import string
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QCoreApplication, Qt, QTranslator

from tcb_gui.core.client import LinkResult, RetryPolicy, TcbClient
from tcb_gui.core.downloads import Downloader, DownloadOptions
from tcb_gui.core.errors import (
    ERRCODES,
    ErrorKind,
    InputError,
    MessageTemplate,
    classify_errcode,
    file_status_message,
    message,
    messages,
    template_fields,
)
from tcb_gui.core.fileids import decode_input, parse_fileid, read_ids_from_path
from tcb_gui.core.paths import UnsafePathError
from tcb_gui.core.settings import validate_profile_name
from tcb_gui.core.tokens import clean_token
from tcb_gui.ui import core_text as core_text_module
from tcb_gui.ui.core_text import CONTEXT, SOURCES, CoreCatalogue, core_text, load_core_messages
from tcb_gui.ui.results_model import Column, ResultsModel
from tcb_gui.ui.results_proxy import ResultsProxy
from tests.probe import run_probe

ROOT = Path(__file__).resolve().parents[2]
TS = ROOT / "resources" / "translations" / "tcb_gui_zh_CN.ts"
_CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]")
_FORMATTER = string.Formatter()


def _load_compile_script() -> ModuleType:
    """``resources/translations/compile.py`` (a script, not a package module)."""
    path = ROOT / "resources" / "translations" / "compile.py"
    spec = importlib.util.spec_from_file_location("tcb_translations_compile_ct", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


translations = _load_compile_script()


def _chinese() -> dict[str, str]:
    """The committed .ts's CoreText entries: English source → Chinese."""
    found = {}
    for entry in translations.read_messages(TS):
        if entry.context == CONTEXT:
            assert entry.kind == "", f"{entry.source!r} is {entry.kind}"
            found[entry.source] = entry.translations[0]
    return found


ZH = _chinese()
load_core_messages()  # as the window does before its first translation
REGISTERED = {m.text: m for m in messages()}
WHOLE = sorted(text for text, m in REGISTERED.items() if not m.fields)
TEMPLATES = sorted((m for m in REGISTERED.values() if m.fields), key=lambda m: m.text)


def registered(text: str) -> MessageTemplate:
    return REGISTERED[text]


# --- the catalogue is complete ------------------------------------------------------------


def test_sources_list_every_registered_message_once() -> None:
    assert len(SOURCES) == len(set(SOURCES))
    assert set(SOURCES) == set(REGISTERED)
    assert len(REGISTERED) > 150


def test_every_registered_message_has_a_finished_chinese_translation() -> None:
    assert set(ZH) == set(REGISTERED)
    for text, chinese in ZH.items():
        assert chinese != text, f"{text!r} is not translated"
        words = re.search("[A-Za-z]{2,}", re.sub(r"\{[^{}]*\}", "", text))
        assert _CJK.search(chinese) or not words, f"{text!r} → {chinese!r} is not Chinese"
        fields = sorted(template_fields(text))
        assert sorted(template_fields(chinese)) == fields, f"{text!r} → {chinese!r}"


def test_nested_parts_are_fields_of_their_template() -> None:
    with pytest.raises(ValueError, match="nested"):
        MessageTemplate("{a} and {b}", nested=frozenset({"c"}))
    with pytest.raises(ValueError, match="or_data parts must be nested"):
        MessageTemplate("{a} or {b}", nested=frozenset({"a"}), or_data=frozenset({"b"}))
    with pytest.raises(ValueError, match="MessageTemplate"):
        message("{a} has parts")
    for template in TEMPLATES:
        assert all(name.isidentifier() for name in template.fields), template.text


def test_a_template_made_again_is_the_registered_one_and_may_not_differ() -> None:
    """``MessageTemplate`` checks and registers in ``__new__`` (a NamedTuple): made again
    alike it equals the registered one and leaves it there; made again differently it is
    refused before anything is registered."""
    nested = next(t for t in TEMPLATES if t.nested)
    again = MessageTemplate(nested.text, nested=nested.nested, or_data=nested.or_data)
    assert again == nested
    assert {m.text: m for m in messages()}[nested.text] is REGISTERED[nested.text]
    with pytest.raises(ValueError, match="registered twice, differently"):
        MessageTemplate(nested.text)
    with pytest.raises(ValueError, match="registered twice, differently"):
        nested._replace(nested=frozenset())  # checked as made, not past its checks
    assert {m.text: m for m in messages()}[nested.text] is REGISTERED[nested.text]


def test_a_part_that_may_hold_data_keeps_it_only_where_allowed(zh) -> None:
    """The doctor's {why} is a phrase of ours or the system's words (``or_data``); the
    token check's nested reason must be a message of ours, else the line stays as is."""
    refused = "x port 1 cannot be reached (Operation not permitted); connecting directly "
    assert core_text(refused + "(no proxy variables set)") == (
        "无法连接 x 的 1 端口（Operation not permitted）；直接连接（未设置代理变量）"
    )
    assert core_text("not checked: the system said no") == "not checked: the system said no"


_PROBE_REGISTRY = """
import importlib, pkgutil
import tcb_gui.core
import tcb_gui.ui.core_text
tcb_gui.ui.core_text.load_core_messages()
from tcb_gui.core.errors import messages
seen = len(messages())
for info in pkgutil.walk_packages(tcb_gui.core.__path__, "tcb_gui.core."):
    importlib.import_module(info.name)
print(seen, len(messages()))
"""


def test_core_text_imports_every_module_that_registers_messages() -> None:
    """A core module core_text forgot to import would register its messages too late."""
    seen, everything = run_probe(_PROBE_REGISTRY).split()
    assert seen == everything


# Classes whose message a user may see: core's errors and its internal "try again" /
# "this file failed" exceptions, whose text ends up in a result or an error.
_MESSAGE_CARRIERS = {
    "TcbError",
    "InputError",
    "TokenError",
    "ServiceError",
    "KeyringUnavailableError",
    "UnsafePathError",
    "DiskFullError",
    "_Transient",
    "_Retry",
    "_Stop",
    "_FileFailed",
    "_LinkRejected",
    "LinkResult",
    "TokenCheck",
}
# The saved download list's own checks: a damaged list is logged and set aside, never
# shown (ui/download_controller.py), so its diagnostics stay English only.
_NEVER_SHOWN = {"download_session.py"}


def _is_literal_text(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and bool(node.value)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return _is_literal_text(node.left) or _is_literal_text(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr == "format" and _is_literal_text(node.func.value)
    return False


def test_core_hands_users_no_message_it_did_not_register() -> None:
    """A literal message in a raise or a result would reach the window in English."""
    found = []
    for path in sorted((ROOT / "tcb_gui" / "core").glob("*.py")):
        if path.name in _NEVER_SHOWN:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name not in _MESSAGE_CARRIERS:
                continue
            said = [k.value for k in node.keywords if k.arg in ("message", "errmsg")]
            for arg in [*node.args, *said]:
                if _is_literal_text(arg):
                    found.append(f"{path.name}:{node.lineno}: {ast.unparse(arg)[:80]}")
    assert found == [], "register these (errors.message / MessageTemplate):\n" + "\n".join(found)


def test_the_scan_sees_literal_messages() -> None:
    assert _is_literal_text(ast.parse('f"{a} failed"', mode="eval").body)
    assert _is_literal_text(ast.parse('"x: " + y', mode="eval").body)
    assert _is_literal_text(ast.parse('"{a} failed".format(a=1)', mode="eval").body)
    assert not _is_literal_text(ast.parse("_GAVE_UP.format(a=1)", mode="eval").body)
    assert not _is_literal_text(ast.parse('""', mode="eval").body)


# --- in Chinese ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def zh_qm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("qm")
    (built,) = translations.compile_all(out, [TS])
    return built


@pytest.fixture
def zh(qapp, zh_qm: Path) -> Iterator[None]:
    """Our zh_CN catalogue installed, removed after."""
    translator = QTranslator()
    assert translator.load(str(zh_qm))
    QCoreApplication.installTranslator(translator)
    try:
        yield
    finally:
        QCoreApplication.removeTranslator(translator)


def test_whole_messages_come_back_translated(zh) -> None:
    for text in WHOLE:
        assert core_text(text) == ZH[text]


# Data: never a registered message (a digit in each), no field syntax, no full stop.
_DATA = st.from_regex(r"[A-Za-z0-9 _/-]{0,12}[0-9][A-Za-z0-9 _/-]{0,12}", fullmatch=True)
# Messages core nests without their full stop are phrases: pick those.
_PHRASES = sorted(text for text in WHOLE if not text.endswith("."))


def _expected(chinese: str, parts: dict[str, str], conversions: dict[str, str]) -> str:
    out = []
    for literal, name, _spec, _conversion in _FORMATTER.parse(chinese):
        out.append(literal)
        if name is not None:
            out.append(conversions.get(name, parts[name]))
    return "".join(out)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_templates_keep_their_parts_and_translate_nested_messages(zh, data) -> None:
    template = data.draw(st.sampled_from(TEMPLATES))
    parts: dict[str, str] = {}
    shown: dict[str, str] = {}
    for name in template.fields:
        if name in template.nested:
            phrase = data.draw(st.sampled_from(_PHRASES))
            parts[name], shown[name] = phrase, ZH[phrase]
        else:
            parts[name] = data.draw(_DATA)
    english = template.format(**parts)
    # What the English shows for a part ({path!r} quotes it) is what the Chinese keeps.
    for _literal, name, _spec, conversion in _FORMATTER.parse(template.text):
        if name is not None and name not in shown:
            shown[name] = repr(parts[name]) if conversion == "r" else parts[name]
    assert core_text(english) == _expected(ZH[template.text], parts, shown)


def test_no_two_nested_phrases_can_be_told_apart_wrongly(zh) -> None:
    """Every template with two or more nested messages, with every combination of the
    phrases core nests (the property test above samples them; this tries them all): the
    window finds each part where the English put it. "found in {source}; {why}" failed
    here, as a why-phrase holds "; " itself."""
    for template in (t for t in TEMPLATES if len(t.nested & set(t.fields)) >= 2):
        nested = [name for name in template.fields if name in template.nested]
        plain = {name: "x1" for name in template.fields if name not in template.nested}
        for combo in itertools.product(_PHRASES, repeat=len(nested)):
            parts = {**plain, **dict(zip(nested, combo, strict=True))}
            shown = {**plain, **{name: ZH[parts[name]] for name in nested}}
            for _literal, name, _spec, conversion in _FORMATTER.parse(template.text):
                if name in plain and conversion == "r":
                    shown[name] = repr(parts[name])
            english = template.format(**parts)
            assert core_text(english) == _expected(ZH[template.text], parts, shown), english


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        (
            file_status_message(-503003, "STORAGE_FILE_NONEXIST"),
            "文件不存在（STORAGE_FILE_NONEXIST）",
        ),
        (file_status_message(-503002, "ok"), "无权读取此文件"),
        (file_status_message(-7, ""), "服务对此文件返回状态 -7"),
        (classify_errcode(12345).message, "服务返回错误 12345。"),
        (
            registered("{reason} (gave up after {tries} tries)").format(
                reason=registered("{reason}; it was not saved").format(
                    reason=registered(
                        "The server sent an HTML page ({media_type}) instead of the file"
                    ).format(media_type="text/html")
                ),
                tries=5,
            ),
            "服务器返回的是 HTML 网页（text/html），而不是文件；未保存（尝试 5 次后放弃）",
        ),
        (
            # "{message} ({detail})" around "Network error: {error}", not one long error.
            "Network error: ConnectError (refused)",
            "网络错误：ConnectError（refused）",
        ),
        (
            # A full stop the nesting dropped, and one the template's own 。 replaces.
            "The service reports 'system busy'; gave up after 4 tries",
            "服务报告“系统繁忙”；尝试 4 次后放弃",
        ),
        (
            "Could not check the token: The service reports 'system busy'.. Check the network "
            "and the base URL.",
            "无法检查令牌：服务报告“系统繁忙”。请检查网络和服务地址。",
        ),
        (
            # Check connection…: the system's failures in the doctor's own words.
            "127.0.0.1 port 1 cannot be reached (connection refused); connecting directly "
            "(no proxy variables set)",
            "无法连接 127.0.0.1 的 1 端口（连接被拒绝）；直接连接（未设置代理变量）",
        ),
        (
            "localhost (127.0.0.1:8443) answers, but TLS fails (the certificate is not "
            "trusted: it is self-signed); connecting directly (no proxy variables set)",
            "localhost（127.0.0.1:8443）有应答，但 TLS 失败（证书不受信任：为自签名证书）；"
            "直接连接（未设置代理变量）",
        ),
        (
            # A rarer failure keeps the system's own words, inside the translated line.
            "cannot find example.com (DNS: Something rare); connecting directly (no proxy "
            "variables set)",
            "找不到 example.com（DNS：Something rare）；直接连接（未设置代理变量）",
        ),
    ],
)
def test_composed_messages(zh, english: str, chinese: str) -> None:
    assert core_text(english) == chinese


UNKNOWN = [
    "",
    "STORAGE_FILE_NONEXIST",
    "file does not exist",
    "File does not exist!",
    "gave up after 4 tries",
    "The dog ate it (errcode 5)",  # "{message} (errcode {code})" needs a message of ours
    "Something (else)",
    "文件不存在",
    "a (b (c (d (e (f (g (h (i (j (k (l (m (n (o (p))))))))))))))))",
]


@pytest.mark.parametrize("text", UNKNOWN)
def test_unknown_text_passes_through(zh, text: str) -> None:
    assert core_text(text) == text


def test_english_is_core_s_own_words(qapp) -> None:
    for text in [*WHOLE, *(t.text for t in TEMPLATES), *UNKNOWN]:
        assert core_text(text) is text


def test_a_language_change_is_not_served_from_the_cache(qapp, zh_qm: Path) -> None:
    text = file_status_message(-503003, "STORAGE_FILE_NONEXIST")
    assert core_text(text) == text
    translator = QTranslator()
    assert translator.load(str(zh_qm))
    QCoreApplication.installTranslator(translator)
    try:
        assert core_text(text) == "文件不存在（STORAGE_FILE_NONEXIST）"
    finally:
        QCoreApplication.removeTranslator(translator)
    assert core_text(text) == text


def test_the_cache_stays_bounded(zh, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(core_text_module, "CACHE_LIMIT", 8)
    for n in range(50):
        assert core_text(f"The service answered error {n}.") == f"服务返回错误 {n}。"
    assert len(core_text_module._cache) <= 8


def test_nesting_is_bounded() -> None:
    """A reason nested deeper than MAX_NESTING is not read (texts are not trusted)."""
    wrap = registered("{reason}; starting over")
    deep = wrap.format(reason="Too many redirects")
    for _ in range(core_text_module.MAX_NESTING + 1):
        deep = wrap.format(reason=deep)
    catalogue = CoreCatalogue(messages())
    assert catalogue.translate(deep) is None
    assert catalogue.translate(wrap.format(reason="Too many redirects")) is not None


# --- what core really says, translated ------------------------------------------------------

FAST = RetryPolicy(max_tries=2, base_delay=0.001, max_delay=0.002)
BASE = "https://api.weixin.qq.com"
ID = parse_fileid("cloud://prod-4gkv.7072-prod-4gkv-1314114854/images/a.png")


async def _resolve_with(handler) -> LinkResult:
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        client = TcbClient(http, lambda: "demo-token", base_url=BASE, retry=FAST)
        (result,) = await client.resolve_all([ID])
        return result


async def test_the_client_s_failures_read_in_chinese(zh) -> None:
    busy = await _resolve_with(lambda r: httpx.Response(200, json={"errcode": -1, "errmsg": "x"}))
    assert core_text(busy.errmsg) == "服务报告“系统繁忙”；尝试 2 次后放弃"
    silent = await _resolve_with(
        lambda r: httpx.Response(200, json={"errcode": 0, "errmsg": "ok", "file_list": []})
    )
    assert core_text(silent.errmsg) == "服务没有返回此文件的结果；尝试 2 次后放弃"
    invalid = await _resolve_with(
        lambda r: httpx.Response(200, json={"errcode": 40097, "errmsg": "invalid args"})
    )
    assert core_text(invalid.errmsg) == (
        "服务认为这批请求无效（通常是其中有格式错误的云文件 ID）。（错误码 40097：invalid args）"
    )

    async with httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(502))) as h:
        check = await TcbClient(h, lambda: "demo-token", base_url=BASE, retry=FAST).check_token()
    assert core_text(check.message) == "无法检查令牌：服务返回 HTTP 502。请检查网络和服务地址。"
    expired = ERRCODES[42001].message
    assert (
        core_text(expired) == "access_token 已过期（令牌有效期为 2 小时）。请粘贴新的令牌后继续。"
    )


def _cdn(request: httpx.Request) -> httpx.Response:
    if request.url.path.endswith("/missing.png"):
        return httpx.Response(404)
    if request.url.path.endswith("/page.png"):
        return httpx.Response(200, headers={"Content-Type": "text/html"}, content=b"<html>")
    return httpx.Response(200, content=b"fine")


async def test_the_downloader_s_failures_read_in_chinese(zh, tmp_path: Path) -> None:
    expires = datetime.now(UTC) + timedelta(hours=2)

    def link(key: str) -> LinkResult:
        fileid = parse_fileid(f"cloud://prod-4gkv.7072-prod-4gkv-1314114854/{key}")
        url = f"https://7072-prod-4gkv-1314114854.tcb.qcloud.la/{key}?sign=s&t={int(expires.timestamp())}"
        return LinkResult(fileid, True, 0, "ok", url, expires)

    async def no_refresh(ids):
        return [LinkResult(i, False, None, "gone", None, None, ErrorKind.FILE) for i in ids]

    items = [link("missing.png"), link("page.png"), link("ok.txt")]
    async with httpx.AsyncClient(transport=httpx.MockTransport(_cdn)) as http:
        options = DownloadOptions(dest=tmp_path, retry=FAST)
        missing, page, ok = await Downloader(http, no_refresh, options).run(items)
    assert ok.ok
    assert core_text(missing.errmsg) == "服务器上没有此文件（404 Not Found）"
    assert core_text(page.errmsg) == (
        "服务器返回的是 HTML 网页（text/html），而不是文件；未保存（尝试 2 次后放弃）"
    )


def test_input_and_path_errors_read_in_chinese(zh, tmp_path: Path) -> None:
    def message_of(call) -> str:
        with pytest.raises((InputError, UnsafePathError)) as caught:
            call()
        return caught.value.message

    binary = message_of(lambda: decode_input(b"\x00\x01\x02binary", "list.bin"))
    assert core_text(binary) == (
        "list.bin 不是文本文件（看起来是二进制数据）。请打开包含云文件 ID 的文本、CSV、TSV、"
        "JSON 或 log 文件。"
    )
    folder = message_of(lambda: read_ids_from_path(tmp_path))
    assert core_text(folder) == f"{tmp_path} 是文件夹，不是包含 ID 的文件。"
    long = message_of(lambda: clean_token("x" * 5000))
    assert core_text(long) == "内容过长，不是 access_token（5000 个字符）。请只粘贴令牌。"
    name = message_of(lambda: validate_profile_name("!bad"))
    assert core_text(name).startswith("配置名称 '!bad' 无效：")

    def unsafe() -> None:
        raise UnsafePathError(Path("prod/a.png"), Path("/downloads"))

    assert core_text(message_of(unsafe)).startswith(
        "未保存 'prod/a.png'：它会落在下载文件夹 '/downloads' 之外"
    )


def test_the_table_shows_and_finds_failures_in_chinese(zh) -> None:
    """The Status says what became of the file, and its tooltip why, in the window's
    language (the Link column holds links only); the filter finds a failure by those
    words as well as by the service's."""
    missing = parse_fileid("cloud://prod-4gkv.7072-prod-4gkv-1314114854/a/missing.png")
    working = parse_fileid("cloud://prod-4gkv.7072-prod-4gkv-1314114854/a/here.png")
    model = ResultsModel()
    model.append_ids([missing, working])
    errmsg = file_status_message(-503003, "STORAGE_FILE_NONEXIST")
    url = "https://7072-prod-4gkv-1314114854.tcb.qcloud.la/a/here.png?sign=s&t=1"
    model.apply_results(
        [
            LinkResult(missing, False, -503003, errmsg, None, None, ErrorKind.FILE),
            LinkResult(working, True, 0, "ok", url, datetime.now(UTC) + timedelta(hours=2)),
        ]
    )
    model.flush()
    row = model.row_for(missing)
    assert row is not None
    shown = "文件不存在（STORAGE_FILE_NONEXIST）"
    assert model.data(model.index(row.index, Column.LINK)) == ""
    status = model.index(row.index, Column.STATUS)
    assert model.data(status) == "文件不存在"
    tip = model.data(status, Qt.ItemDataRole.ToolTipRole)
    assert tip.splitlines()[:2] == ["文件不存在", shown]
    proxy = ResultsProxy()
    proxy.setSourceModel(model)
    for needle in ("不存在", "storage_file_nonexist", "does not exist"):
        proxy.set_text_filter(needle)
        assert [r.fileid for r in proxy.visible_rows()] == [missing], needle
    proxy.set_text_filter("here.png")
    assert [r.fileid for r in proxy.visible_rows()] == [working]
