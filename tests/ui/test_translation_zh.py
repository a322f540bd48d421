"""The Simplified Chinese translation: complete, current, well formed, and what users see.

* The committed ``tcb_gui_zh_CN.ts`` holds every message lupdate finds in the code, each
  finished, with its placeholders and mnemonic kept; every literal handed to ``tr()`` or
  ``QCoreApplication.translate`` is one lupdate can see (a helper or an alias hides it).
* With the translation installed, the window, every dialog, the badge in every state,
  the table, the downloads panel and the menus show no English words except names
  (TCB, ID, URL, access_token, AppID, …), data (profile names, links, file names, the
  service's own errmsg such as STORAGE_FILE_NONEXIST) and keys (Ctrl+V). That includes
  core's messages (token checks, per-file errors, keyring and input refusals, download
  failures), shown through ``ui/core_text.py``. A visible string added without a
  translation fails here.
* The language follows ``Settings.language``: 简体中文, English, or the system's.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import pytest
from PySide6.QtCore import QCoreApplication, QLocale, QModelIndex, Qt, QTranslator
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QSpinBox,
    QTableView,
    QTabWidget,
    QWidget,
)

from tcb_gui.core.client import Quota
from tcb_gui.core.credentials import AuthMode, SecretPlace
from tcb_gui.core.downloads import FileProgress, FileState, TotalProgress
from tcb_gui.core.errors import CREDENTIAL_ERRCODES, ERRCODES, TokenState, messages
from tcb_gui.core.fileids import parse_fileid
from tcb_gui.core.history import HistoryEntry
from tcb_gui.core.settings import Settings, load_settings
from tcb_gui.core.tokens import TokenSource
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DEMO_TOKEN, EXPIRED_TOKEN
from tcb_gui.ui import task_names
from tcb_gui.ui.dialogs import SetTokenDialog
from tcb_gui.ui.download_cells import DownloadSummary
from tcb_gui.ui.download_dialog import default_download_dir
from tcb_gui.ui.duration_spin import parse_duration
from tcb_gui.ui.formatting import fmt_countdown, fmt_duration
from tcb_gui.ui.i18n import install_translators
from tcb_gui.ui.main_window import MainWindow
from tcb_gui.ui.results_model import Column, RowState
from tcb_gui.ui.settings_dialog import SettingsDialog
from tcb_gui.ui.token_badge import BadgeInfo
from tests.ui.conftest import WindowFactory, wait_until

# The offscreen platform cannot do these for a window or a popup menu; harmless here.
pytestmark = pytest.mark.qt_log_ignore(
    "propagateSizeHints", r"support raise\(\)", "support grabbing the keyboard"
)

ROOT = Path(__file__).resolve().parents[2]
TS = ROOT / "resources" / "translations" / "tcb_gui_zh_CN.ts"
# Issue 5: "a complete Simplified Chinese translation (at least 60 strings)".
MIN_MESSAGES = 60


def _load_compile_script() -> ModuleType:
    """``resources/translations/compile.py`` (a script, not a package module)."""
    path = ROOT / "resources" / "translations" / "compile.py"
    spec = importlib.util.spec_from_file_location("tcb_translations_compile", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


translations = _load_compile_script()


# --- the .ts file -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def code_messages() -> list:
    """What lupdate finds in the sources now."""
    return translations.current_messages()


def test_the_committed_ts_is_complete_and_current(code_messages: list) -> None:
    assert len(code_messages) >= MIN_MESSAGES
    problems = translations.ts_problems(TS, code_messages)
    assert problems == [], "\n".join(problems) + "\n(run resources/translations/compile.py)"
    committed = translations.read_messages(TS)
    assert len(committed) == len(code_messages)
    assert all(m.kind == "" for m in committed)


def test_the_script_check_agrees(code_messages: list) -> None:
    assert translations.check() == []


# Calls whose string literals are translatable: x.tr("…"), QCoreApplication.translate("C", "…").
_TR_NAMES = {"tr", "_tr", "translate", "tr_", "_"}


def _literal(node: ast.expr) -> str | None:
    """A string literal (adjacent literals joined), else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


class _TrCalls(ast.NodeVisitor):
    """(context, source, where) of every translation call, the context as Qt sees it."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.classes: list[str] = []
        self.found: list[tuple[str | None, str, str]] = []

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.classes.append(node.name)
        self.generic_visit(node)
        self.classes.pop()

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        where = f"{self.filename}:{node.lineno}"
        if name == "translate" and len(node.args) >= 2:
            context, source = _literal(node.args[0]), _literal(node.args[1])
            if source is not None:
                self.found.append((context, source, where))
        elif name in _TR_NAMES and node.args:
            source = _literal(node.args[0])
            if source is not None:
                is_self_tr = (
                    isinstance(func, ast.Attribute)
                    and isinstance(func.value, ast.Name)
                    and func.value.id == "self"
                    and name == "tr"
                )
                # self.tr: the class it is written in (PySide also tries base classes at
                # run time, so the lexical class always finds it). Anything else: no
                # context lupdate could know.
                context = self.classes[-1] if is_self_tr and self.classes else None
                self.found.append((context, source, where))
        self.generic_visit(node)


def test_every_translatable_literal_is_one_lupdate_extracts(code_messages: list) -> None:
    """A helper (``_tr("…")``) or an alias (``tr = self.tr``) hides strings from lupdate:
    they would never be translated, and the .ts check above could not tell."""
    extracted = {(m.context, m.source) for m in code_messages}
    missed = []
    for path in translations.python_sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = _TrCalls(path.relative_to(ROOT).as_posix())
        calls.visit(tree)
        for context, source, where in calls.found:
            if context is None or (context, source) not in extracted:
                missed.append(f"{where}: {source!r} (context {context!r})")
    assert missed == [], "lupdate cannot see these:\n" + "\n".join(missed)


_CJK = "\u3400-\u4dbf\u4e00-\u9fff"
# ASCII sentence punctuation touching a Chinese character ("文件," or "，." …).
_ASCII_PUNCT_BY_CJK = re.compile(rf"[{_CJK}][,.;:!?]|[,;:!?][{_CJK}]")
# ASCII brackets around Chinese text; "(&F)" is the one ASCII form Chinese UIs use.
_ASCII_PAREN_BY_CJK = re.compile(rf"[{_CJK}]\((?!&)|\((?=[{_CJK}])|[{_CJK}]\)")


def style_problems(source: str, translation: str) -> list[str]:
    """Chinese typography: full-width sentence punctuation, the source's ending kept."""
    problems = []
    if _ASCII_PUNCT_BY_CJK.search(translation):
        problems.append("ASCII punctuation next to Chinese text (use ，。：；！？)")
    if _ASCII_PAREN_BY_CJK.search(translation):
        problems.append("ASCII brackets around Chinese text (use （）, or (&X) for mnemonics)")
    if "..." in translation:
        problems.append("three dots instead of …")
    if source.endswith("…") and not translation.endswith("…"):
        problems.append("the source ends with … (opens a dialog); the translation must too")
    if source.endswith(":") and not translation.endswith("："):
        problems.append("a form label ends with ：")
    if source.endswith(".") and not translation.endswith("。"):
        problems.append("a sentence ends with 。")
    if "&" in source and "&&" not in source and re.search(r"\(&\w\)(?!$|：$|…$)", translation):
        problems.append("the mnemonic (&X) goes at the end of the text")
    return problems


def test_translations_follow_chinese_typography() -> None:
    bad = []
    for message in translations.read_messages(TS):
        for text in message.translations:
            bad += [
                f"{message.source!r} → {text!r}: {p}" for p in style_problems(message.source, text)
            ]
    assert bad == [], "\n".join(bad)


@pytest.mark.parametrize(
    ("source", "translation", "expected"),
    [
        ("Saved.", "已保存。", []),
        ("Saved.", "已保存.", ["ASCII punctuation", "ends with 。"]),
        ("A, B", "甲,乙", ["ASCII punctuation"]),
        ("Export…", "导出...", ["ASCII punctuation", "three dots", "ends with …"]),
        ("&Name:", "名称(&N)：", []),
        ("&Name:", "名称(&N):", ["ends with ：", "mnemonic"]),
        ("Files (*.txt)", "列表文件 (*.txt)", []),
        ("Note (read)", "说明(只读)", ["ASCII brackets"]),
        ("&File", "(&F)文件", ["mnemonic"]),
    ],
)
def test_the_typography_check_catches_what_it_should(
    source: str, translation: str, expected: list[str]
) -> None:
    problems = style_problems(source, translation)
    assert len(problems) == len(expected)
    for problem, words in zip(problems, expected, strict=True):
        assert words in problem


def _message(**fields: object):
    defaults: dict[str, object] = {
        "context": "C",
        "source": "Added {n} IDs from %1",
        "comment": "",
        "numerus": False,
        "kind": "",
        "translations": ("从 %1 添加了 {n} 个 ID",),
    }
    return translations.Message(**{**defaults, **fields})


@pytest.mark.parametrize(
    ("fields", "complaint"),
    [
        ({}, None),
        ({"kind": "unfinished"}, "unfinished"),
        ({"kind": "vanished"}, "vanished"),
        ({"kind": "obsolete"}, "obsolete"),
        ({"translations": ("",)}, "empty"),
        ({"translations": ("添加了 {n} 个 ID",)}, "placeholders"),
        ({"translations": ("从 %1 添加了 {count} 个 ID",)}, "placeholders"),
        ({"source": "&File", "translations": ("文件",)}, "mnemonic"),
        ({"source": "&File", "translations": ("文件(&W)",)}, "mnemonic"),
        ({"source": "&File", "translations": ("文件(&F)",)}, None),
        ({"source": "Downloads && &history", "translations": ("下载与历史(&H)",)}, None),
        ({"source": "%n file(s)", "numerus": True, "translations": ("%n 个文件",)}, None),
        ({"source": "%n file(s)", "numerus": True, "translations": ("",)}, "empty"),
        ({"source": "%n file(s)", "numerus": True, "translations": ("几个文件",)}, "%n"),
    ],
)
def test_the_message_check_catches_what_it_should(
    fields: dict[str, object], complaint: str | None
) -> None:
    problems = translations.message_problems(_message(**fields))
    if complaint is None:
        assert problems == []
    else:
        assert any(complaint in p for p in problems), problems


def test_a_stale_ts_is_reported(tmp_path: Path, code_messages: list) -> None:
    """A message the code dropped, and one the .ts lacks, both make --check fail."""
    stale = tmp_path / "tcb_gui_zh_CN.ts"
    text = TS.read_text(encoding="utf-8")
    dropped = code_messages[0]
    source = re.escape(dropped.source.replace("&", "&amp;").replace("<", "&lt;"))
    text, count = re.subn(
        rf"\s*<message>\s*<source>{source}</source>.*?</message>", "", text, count=1, flags=re.S
    )
    assert count == 1
    text = text.replace(
        "</context>",
        "<message><source>Gone from the code</source><translation>已删</translation>"
        "</message></context>",
        1,
    )
    stale.write_text(text, encoding="utf-8")
    problems = translations.ts_problems(stale, code_messages)
    assert any("is missing" in p and dropped.source in p for p in problems)
    assert any("no longer in the code" in p and "Gone from the code" in p for p in problems)


# --- with the translation installed -------------------------------------------------------


def _uninstall(installed: list[QTranslator], locale: QLocale) -> None:
    for translator in installed:
        QCoreApplication.removeTranslator(translator)
    QLocale.setDefault(locale)


# Words that stay as they are in the Chinese UI (names, formats, units, key names).
ALLOWED_WORDS = {
    "TCB",
    "Links",  # the product's name, "TCB Links", is not translated
    "Esc",
    "BOM",
    "UTF",
    "Excel",
    "Windows",
    "FILE",  # aria2c -i FILE, curl -K FILE
    "aria2",
    "aria2c",
    "curl",
    "ID",
    "URL",
    "AppID",
    "AppSecret",
    "CSV",
    "JSON",
    "TSV",
    "IP",
    "http",
    "https",
    "componenttcb",
    "tcb",
    "Ctrl",
    "Shift",
    "Enter",
    "Return",
    "MiB",
    "KiB",
    "GiB",
    "English",  # the language list names each language in its own words
    "txt",
    "csv",
    "tsv",
    "json",
    "log",
}
_NOT_WORDS = [
    re.compile(r"[a-z][a-z0-9+.-]*://\S*"),  # links and cloud:// IDs
    re.compile(r"\b\w*_\w*\b"),  # access_token, TCB_ACCESS_TOKEN
    re.compile(r"\b\w*\d\w*\b"),  # 2M, wx1234…, prod-4gkv
    re.compile(r"\b[\w-]+(?:\.[A-Za-z0-9-]+)+\b"),  # a.png, api.weixin.qq.com
    re.compile(r"\.[A-Za-z]+\b"),  # .part
    re.compile(r"(?:/[\w.-]+)+"),  # paths
]


def english_words(text: str, data: set[str]) -> list[str]:
    """Words of two or more Latin letters that are neither allowed nor data."""
    for name in sorted(data, key=len, reverse=True):
        text = text.replace(name, " ")
    for pattern in _NOT_WORDS:
        text = pattern.sub(" ", text)
    return [w for w in re.findall(r"[A-Za-z]{2,}", text) if w not in ALLOWED_WORDS]


def _menu_texts(menu: QMenu, where: str) -> Iterator[tuple[str, str]]:
    yield f"{where} title", menu.title()
    for action in menu.actions():
        yield f"{where} ▸ action", action.text()
        yield f"{where} ▸ action tip", action.toolTip()
        yield f"{where} ▸ status tip", action.statusTip()
        if action.menu() is not None:
            yield from _menu_texts(action.menu(), f"{where} ▸ {action.text()}")


def widget_texts(root: QWidget) -> Iterator[tuple[str, str]]:
    """(where, text) of every string ``root`` and its widgets show or speak."""
    for widget in [root, *root.findChildren(QWidget)]:
        ancestors = []
        parent = widget
        while parent is not None:
            ancestors.append(parent)
            parent = parent.parentWidget()
        if any(isinstance(w, QFileDialog) for w in ancestors):
            continue  # Qt's own dialog, translated by Qt
        where = f"{type(widget).__name__}({widget.objectName()})"
        if widget.isWindow():
            yield f"{where} window title", widget.windowTitle()
        yield f"{where} tooltip", widget.toolTip()
        yield f"{where} accessible name", widget.accessibleName()
        yield f"{where} accessible description", widget.accessibleDescription()
        yield f"{where} status tip", widget.statusTip()
        if isinstance(widget, (QLabel, QAbstractButton)):
            yield f"{where} text", widget.text()
        if isinstance(widget, (QLineEdit, QPlainTextEdit)):
            yield f"{where} placeholder", widget.placeholderText()
        if isinstance(widget, QComboBox):
            for i in range(widget.count()):
                yield f"{where} item {i}", widget.itemText(i)
        if isinstance(widget, QAbstractSpinBox):
            yield f"{where} text", widget.text()
            yield f"{where} special value", widget.specialValueText()
        if isinstance(widget, QSpinBox):
            yield f"{where} affixes", widget.prefix() + widget.suffix()
        if isinstance(widget, QTabWidget):
            for i in range(widget.count()):
                yield f"{where} tab {i}", widget.tabText(i)
        if isinstance(widget, QGroupBox):
            yield f"{where} title", widget.title()
        if isinstance(widget, QMenu):
            yield from _menu_texts(widget, where)
        if isinstance(widget, QTableView) and widget.model() is not None:
            model = widget.model()
            for column in range(model.columnCount(QModelIndex())):
                yield (
                    f"{where} header {column}",
                    str(model.headerData(column, Qt.Orientation.Horizontal) or ""),
                )
        for action in widget.actions():
            yield f"{where} action", action.text()
            yield f"{where} action tip", action.toolTip()
            if action.menu() is not None:
                yield from _menu_texts(action.menu(), f"{where} ▸ {action.text()}")


class EnglishLeft:
    """Collects texts that still hold English words, with where they were seen."""

    def __init__(self, data: set[str]) -> None:
        self.data = set(data)
        self.seen = 0
        self.problems: list[str] = []

    def check(self, where: str, text: str, *, minus: str = "") -> None:
        if minus:
            text = text.replace(minus, " ")  # a core or service message, shown as it is
        if not text.strip():
            return
        self.seen += 1
        words = english_words(text, self.data)
        if words:
            self.problems.append(f"{where}: {words} in {text!r}")

    def walk(self, root: QWidget, label: str, *, minus: str = "") -> None:
        for where, text in widget_texts(root):
            self.check(f"{label} {where}", text, minus=minus)

    def assert_clean(self, at_least: int) -> None:
        assert self.problems == [], "English left in the Chinese UI:\n" + "\n".join(self.problems)
        assert self.seen >= at_least


def test_the_english_check_catches_what_it_should() -> None:
    data = {"default"}
    assert english_words("设置令牌…", data) == []
    assert english_words("按 Ctrl+Shift+C 复制 · F5 检查", data) == []
    assert english_words("粘贴 access_token 或 TCB_ACCESS_TOKEN（2M, 500K）", data) == []
    assert english_words("cloud://prod-4gkv.7072/a b.png 与 https://api.weixin.qq.com", data) == []
    assert english_words("配置 default 的 AppID 与 AppSecret", data) == []
    assert english_words("Set token…", data) == ["Set", "token"]
    assert english_words("已复制 1 个 link", data) == ["link"]


async def test_the_window_and_its_dialogs_speak_chinese(
    zh, make_window: WindowFactory, demo_server: DemoServer, tmp_path: Path
) -> None:
    window = make_window()
    check = EnglishLeft(set(window.session.profile_names()))
    assert window.windowTitle() == "TCB Links"  # the product name is not translated
    assert window.menuBar().actions()[0].text() == "文件(&F)"

    # No token yet: badge, the demo offer, the empty table.
    await window.tokens.check_token()
    check.walk(window, "window without a token")
    view = window.view
    for attribute in ("_empty_title", "_empty_hint", "_filtered_title", "_filtered_hint"):
        check.check(f"table's empty state {attribute}", getattr(view, attribute))
    overlay = window.drop_overlay
    check.check("drop overlay", f"{overlay._title} {overlay._hint}")
    await window.resolver.resolve_rows()  # nothing to resolve
    check.check("status", window.message_label.text())

    # A mini program profile's strip: AppSecret instead of a token.
    strip = window.token_panel
    strip.set_appsecret_mode(True)
    check.walk(strip, "token strip (AppSecret profile)")
    for caption, _action in window.tokens.stable.actions():
        check.check("AppSecret banner button", caption)
    strip.set_appsecret_mode(False)

    # A token-less run: the banner that asks for a token, with its button.
    await window.ids.add_text(PROD_IDS, source=window.tr("the clipboard"))
    await window.resolver.resolve_rows()
    assert window.banners.banner("run") is not None
    check.walk(window.banners, "token banner")

    # The demo service: samples resolved to a mix of working and failed rows.
    demo = make_window()
    demo.session.use_demo(demo_server, DEMO_TOKEN)
    await demo.tokens.start_demo()
    await demo.resolver.resolve_rows()
    await wait_until(lambda: demo.model.counts().ok > 0)
    counts = demo.model.counts()
    assert counts.ok  # a mix of working and failed rows, as the screenshots show
    assert counts.failed
    check.data |= set(demo.session.profile_names())
    badge = demo.token_panel.badge
    assert badge.info.message  # core's "the token works": translated, not subtracted
    check.walk(demo, "demo window")
    check.check("demo status", demo.message_label.text())
    check.check("demo counts", demo.counts_label.text())
    model = demo.model
    for row in model.rows():
        index = model.index(row.index, Column.STATUS)
        check.check("status cell", str(model.data(index)))
        result = row.result
        if result is not None and not result.ok:  # a working row's link is data
            words = service_words(result.errmsg)
            tip = model.data(index, Qt.ItemDataRole.ToolTipRole)
            check.check("status tooltip", str(tip or ""), minus=words)
            link = model.index(row.index, Column.LINK)
            check.check("link cell", str(model.data(link)), minus=words)
            tip = model.data(link, Qt.ItemDataRole.ToolTipRole)
            check.check("link tooltip", str(tip or ""), minus=words)
        check.check(
            "actions tooltip",
            str(
                model.data(model.index(row.index, Column.ACTIONS), Qt.ItemDataRole.ToolTipRole)
                or ""
            ),
        )
    for state in RowState:
        rows = [r for r in model.rows() if r.state is state]
        if rows:
            continue
        row = model.rows()[0]
        model.set_state([row], state)
        check.check(f"status {state.name}", model.status_text(row))
        tip = model.data(model.index(row.index, Column.STATUS), Qt.ItemDataRole.ToolTipRole)
        check.check(f"status tooltip {state.name}", str(tip or ""))
    delegate = demo.view.actions_delegate
    check.check("row buttons", " ".join(delegate._labels.values()))

    # The row menu.
    demo.view.selectRow(0)
    demo._context_menu(demo.view.visualRect(demo.proxy.index(0, 0)).center())
    menus = [m for m in demo.findChildren(QMenu) if m.isVisible()]
    assert menus
    for menu in menus:
        check.walk(menu, "row menu")
        menu.close()

    # Every dialog.
    dialogs: list[QDialog] = [
        demo.show_add_dialog(),
        window.tokens.show_token_dialog(),
        SetTokenDialog(
            "default",
            window,
            kind=AuthMode.APPSECRET,
            appid="wx0123456789abcdef",
            keep=SecretPlace.KEYRING,
        ),
        window.tokens.show_profile_dialog(),
        window.tokens.show_profile_dialog(new=True),
    ]
    settings = window.tokens.show_settings_dialog()
    dialogs.append(settings)
    download = demo.downloads.show_dialog()
    assert download is not None
    dialogs.append(download)
    for dialog in dialogs:
        check.walk(dialog, type(dialog).__name__)
    add = dialogs[0]
    add.edit.setPlainText(PROD_IDS)
    add._update_count()
    check.check("add dialog count", add.count_label.text())
    # The profile editor's other states (AppID + AppSecret; an AppSecret saved or not).
    editor = settings.editor
    editor.appsecret_radio.setChecked(True)
    for saved in (None, True, False):
        editor.set_secret_saved(saved)
        check.walk(editor, f"profile editor (AppSecret saved: {saved})")
    # The download dialog's refusals.
    check.data.add(str(default_download_dir()))  # a path, shown as the example
    for folder, rate in (("", ""), ("relative/folder", ""), (str(tmp_path), "很快")):
        download.folder_edit.setText(folder)
        download.limit_box.setChecked(bool(rate))
        download.rate_edit.setText(rate)
        download.accept()
        check.check("download dialog error", download.error.text())
    for dialog in dialogs:
        dialog.reject()

    # The export dialog, and the system's file dialog it opens: our words are translated.
    exporter = demo.choose_export()
    assert exporter is not None
    check.data.add(str(exporter.path()))  # a file name: data
    check.walk(exporter, "export dialog")
    for fmt in range(exporter.format_combo.count()):
        exporter.format_combo.setCurrentIndex(fmt)
        check.check("export note", exporter.note.text())
        check.data.add(str(exporter.path()))
    chooser = exporter.browse()
    check.check("export chooser title", chooser.windowTitle())
    for name_filter in chooser.nameFilters():
        check.check("export filter", name_filter)
    chooser.reject()
    exporter.reject()

    # The badge in every state, for token and AppSecret profiles.
    quota = Quota(daily_limit=10_000, used=12, remain=9_988)
    for stable in (False, True):
        for state in TokenState:
            said = badge_message(state, stable=stable)
            for source in TokenSource:
                badge.set_info(
                    BadgeInfo(
                        state,
                        source=source,
                        message=said,
                        quota=quota,
                        time_left=5_000.0,
                        checked_at=datetime.now(UTC),
                        stable=stable,
                    )
                )
                where = f"badge {state.name} {source.name} stable={stable}"
                check.check(f"{where} text", badge.text)
                check.check(f"{where} tooltip", badge.toolTip())
    for code in (40164, 40013):
        badge.set_info(BadgeInfo(TokenState.INVALID, stable=True, code=code))
        check.check(f"badge code {code}", badge.text)

    # The downloads panel and the per-row download cells.
    panel = demo.downloads.panel
    panel.start(tmp_path, 3)
    panel.set_progress(TotalProgress(1, 1, 3, 5_000_000, 9_000_000, 2_000_000.0, 2.0))
    check.walk(panel, "downloads panel (running)")
    panel.set_paused(True)
    panel.set_progress(TotalProgress(1, 1, 3, 5_000_000, 9_000_000, 0.0, None, paused=True))
    check.walk(panel, "downloads panel (paused)")
    panel.finish(DownloadSummary(tmp_path, 2, 9_000_000, 1, 1, 1, 1))
    check.walk(panel, "downloads panel (finished)")
    texts = demo.downloads.texts
    fileid = parse_fileid(PROD_IDS.splitlines()[0])
    for state in FileState:
        for done, total in ((0, None), (4_096, 8_192)):
            cell = texts.cell(
                FileProgress(fileid, state, tmp_path / "a.png", done, total, 1_024.0, "", 0)
            )
            check.check(f"download cell {state.name}", f"{cell.text}\n{cell.tooltip}")
    check.data.add(NO_SPACE)
    for errmsg in DOWNLOAD_FAILURES:
        cell = texts.cell(FileProgress(fileid, FileState.FAILED, None, 0, None, 0.0, errmsg, 0))
        check.check("download cell failed", f"{cell.text}\n{cell.tooltip}")
    for old in (None, texts.cell(FileProgress(fileid, FileState.PAUSED, None, 10, 20, 0, "", 0))):
        cell = texts.waiting_for_token(old)
        check.check("download cell waiting for a token", f"{cell.text}\n{cell.tooltip}")

    # The History menu, empty and with a list.
    history = demo.history
    check.walk(history.menu, "history menu")
    entry = HistoryEntry("e1", 1_700_000_000.0, 1_700_000_000.0, 12, 9, 2, "default")
    check.check("history entry", history.entry_label(entry))
    check.check("history entry details", history.entry_details(entry))
    assert "月" in history.entry_label(entry)

    check.assert_clean(at_least=400)


PROD_IDS = (
    "cloud://prod-4gkv.7072-prod-4gkv-1314114854/images/a.png\n"
    "cloud://prod-4gkv.7072-prod-4gkv-1314114854/docs/b.pdf\n"
)


def core_message(text: str, **parts: object) -> str:
    """A message exactly as core registers and sends it (found by its English text)."""
    template = {m.text: m for m in messages()}[text]
    return template.format(**parts)


def badge_message(state: TokenState, *, stable: bool) -> str:
    """What core tells the badge in ``state`` (a token, or a mini program's AppSecret)."""
    if state is TokenState.CHECKING:
        return ""
    if state is TokenState.VALID:
        return core_message(
            "The AppID and AppSecret work: WeChat gave an access token for the tcb API."
            if stable
            else "The token works for this API."
        )
    if state is TokenState.UNREACHABLE:
        return core_message(
            "Could not check the token: {problem}. Check the network and the base URL.",
            problem=core_message("Network error: {problem}", problem="could not connect"),
        )
    if state is TokenState.NOT_SET:
        if stable:
            return CREDENTIAL_ERRCODES[41004].message
        return core_message(
            "No access token is set. Set one for this profile, or set TCB_ACCESS_TOKEN."
        )
    codes = {
        TokenState.EXPIRED: 42001,
        TokenState.INVALID: 40125 if stable else 40001,
        TokenState.MISSING: 41001,
        TokenState.NOT_ALLOWED: 40164 if stable else 48001,
    }
    table = CREDENTIAL_ERRCODES if stable and codes[state] in CREDENTIAL_ERRCODES else ERRCODES
    return table[codes[state]].message


NO_SPACE = "No space left on device"  # the system's words (strerror), data
DOWNLOAD_FAILURES = [
    core_message(
        "{reason} (gave up after {tries} tries)",
        reason=core_message(
            "{reason} after {written}; resuming",
            reason=core_message(
                "Network error: {problem}", problem="the connection broke while reading"
            ),
            written="1.5 MiB",
        ),
        tries=5,
    ),
    core_message(
        "{reason}, even with a fresh link",
        reason=core_message("The link has expired ({status})", status="403"),
    ),
    core_message(
        "The disk is full: {dest} has no room left ({reason}); partial files were kept and "
        "will resume. Free some space and run the download again.",
        dest="/data/downloads",
        reason=NO_SPACE,
    ),
    core_message("Stopped: the disk is full"),
    core_message(
        "Not saving {path!r}: it would end up outside the download folder {dest!r} (a "
        "symbolic link on disk points elsewhere). Remove the link or choose another folder.",
        path="/data/downloads/prod-4gkv/a.png",
        dest="/data/downloads",
    ),
]
# The service's own words in a failed row's message ("… (errcode -501005: invalid env
# rid: …)"): data, shown as the service said them.
_SERVICE_WORDS = re.compile(r"\(errcode -?\d+: (.*)\)\Z", re.DOTALL)


def service_words(errmsg: str) -> str:
    match = _SERVICE_WORDS.search(errmsg)
    return match.group(1) if match else ""


# Names the keyring messages give, as the systems call them.
KEYRING_NAMES = {"macOS", "Windows", "GNOME Keyring", "KWallet", "Secret Service"}


async def test_core_messages_in_the_window_speak_chinese(
    zh, make_window: WindowFactory, demo_server: DemoServer, tmp_path: Path
) -> None:
    """Flows that put core's own words in front of the user: a run stopped by an expired
    token, no keyring, refused input in the token and profile dialogs, a binary list."""
    import keyring
    from keyring.backends import fail

    window = make_window()
    check = EnglishLeft(set(window.session.profile_names()))

    # An expired token: the badge, the run's banner, the waiting rows.
    window.session.use_demo(demo_server, EXPIRED_TOKEN)
    await window.tokens.start_demo()
    badge = window.token_panel.badge
    assert badge.state is TokenState.EXPIRED
    check.check("expired badge tooltip", badge.toolTip())
    await window.resolver.resolve_rows()
    banner = window.banners.banner("run")
    assert banner is not None
    assert "已过期" in banner.text
    check.walk(window.banners, "expired run banner")
    model = window.model
    for row in model.rows():
        tip = model.data(model.index(row.index, Column.STATUS), Qt.ItemDataRole.ToolTipRole)
        check.check("waiting row tooltip", str(tip or ""))

    # A list that is not text.
    binary = tmp_path / "ids.bin"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    check.data.add(str(binary))
    await window.ids.add_paths([binary])
    banner = window.banners.banner("input")
    assert banner is not None
    assert "二进制" in banner.text
    check.check("binary input banner", banner.text)

    # Refused input, in core's words, in the token and profile dialogs.
    dialog = window.tokens.show_token_dialog()
    dialog.edit.setText("two words")
    dialog.accept()
    assert dialog.isVisible()
    check.check("token dialog refusal", dialog.error.text())
    dialog.reject()
    profile_dialog = window.tokens.show_profile_dialog(new=True)
    profile_dialog.editor.name_edit.setText("-bad name")
    profile_dialog.accept()
    assert profile_dialog.isVisible()
    check.data.add("-bad name")
    check.check("profile dialog refusal", profile_dialog.error.text())
    profile_dialog.reject()

    # No system keyring: the token is kept for this session, and the window says so.
    keyring.set_keyring(fail.Keyring())  # restored by the memory_keyring fixture
    plain = make_window(base_url=demo_server.base_url)
    await plain.tokens.save_token(DEMO_TOKEN)
    banner = plain.banners.banner("keyring")
    assert banner is not None
    check.data |= KEYRING_NAMES
    check.walk(plain.banners, "no keyring banner")

    check.assert_clean(at_least=10)


def test_durations_read_and_parse_in_chinese(zh) -> None:
    assert fmt_duration(7200) == "2 小时"
    assert fmt_duration(5400) == "1 小时 30 分钟"
    assert fmt_countdown(245) == "4 分 05 秒"
    assert fmt_countdown(0) == "已过期"
    # What the spin box shows reads back as the same number of seconds.
    for seconds in (7200, 5400, 3661, 86_400, 90):
        assert parse_duration(fmt_duration(seconds)) == seconds
    assert parse_duration("2 h") == 7200  # English units keep working


# --- switching the language ---------------------------------------------------------------


async def _choose_language(window: MainWindow, language: str) -> None:
    dialog = window.tokens.show_settings_dialog()
    combo = dialog.language_combo
    combo.setCurrentIndex(combo.findData(language))
    dialog.accept()
    task = window.tasks.get(task_names.SETTINGS)
    assert task is not None
    await task


@pytest.mark.parametrize(
    ("language", "title", "settings_title"),
    [("zh_CN", "TCB Links", "设置"), ("en", "TCB Links", "Settings")],
)
async def test_the_language_chosen_in_settings_is_the_next_start_s(
    make_window: WindowFactory, zh_qm: Path, qapp, language: str, title: str, settings_title: str
) -> None:
    """Settings ▸ Language applies at the next start (the window says so); that start
    installs the translation for the saved choice, or none for English."""
    start_in = "en" if language == "zh_CN" else "zh_CN"
    locale = QLocale()
    installed = install_translators(qapp, start_in, zh_qm)
    try:
        window = make_window()
        await _choose_language(window, language)
        assert load_settings().language == language
        banner = window.banners.banner("language")
        assert banner is not None  # "applies the next time …", in the language in use
    finally:
        _uninstall(installed, locale)

    # The next start: as app.run does, with the saved settings.
    installed = install_translators(qapp, load_settings().language, zh_qm)
    try:
        assert bool(installed) == (language == "zh_CN")
        again = make_window()
        assert again.windowTitle() == title
        dialog = SettingsDialog(load_settings(), again)
        assert dialog.windowTitle() == settings_title
        chosen = dialog.language_combo.currentText()
        assert chosen == {"zh_CN": "简体中文", "en": "English"}[language]
        dialog.deleteLater()
    finally:
        _uninstall(installed, locale)


_SYSTEM_PROBE = """
import sys
from pathlib import Path
from PySide6.QtWidgets import QApplication
from tcb_gui.core.settings import Settings
from tcb_gui.ui.i18n import install_translators
from tcb_gui.ui.settings_dialog import SettingsDialog
app = QApplication([])
installed = install_translators(app, "system", Path(sys.argv[1]))
dialog = SettingsDialog(Settings())
print(len(installed), dialog.windowTitle(), dialog.language_combo.currentText(), sep="|")
"""


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("zh_CN.UTF-8", ["2", "设置", "跟随系统"]),
        ("en_US.UTF-8", ["0", "Settings", "Same as the system"]),
    ],
)
def test_the_system_language_is_followed(zh_qm: Path, lang: str, expected: list[str]) -> None:
    """Settings ▸ Language ▸ Same as the system (the default): the desktop's language."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LC_")}
    env.update(QT_QPA_PLATFORM="offscreen", LANG=lang, LANGUAGE=lang.split(".")[0])
    probe = subprocess.run(
        [sys.executable, "-c", _SYSTEM_PROBE, str(zh_qm)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip().split("|") == expected


def test_settings_language_default_is_the_system_s() -> None:
    assert Settings().language == "system"
