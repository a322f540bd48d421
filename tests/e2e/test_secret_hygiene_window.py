"""Secret hygiene of the window (issue 6, item 4; the command line's half is
``test_secret_hygiene_cli``).

The window is driven through everything a user does with a token, with the root logger,
httpx and httpcore at DEBUG, captured by a handler and written to a log file: the token
typed into the Set-token dialog (kept in the keyring), F5, IDs in, resolving with the
service failing on the way, a token the service says has expired and the good one back
(resume), exports, downloads (one run finished, one left half-way and resumed by the next
window), Settings → OK, a crash report, the next window restoring the list and the token,
and mini program mode with an AppID and AppSecret. Then the token — raw, percent-encoded,
its first and last 8 characters — the expired one, the AppSecret and the stable token the
service issued must be in no log record, no log file, nothing printed (fd level), no text
the window shows (labels, buttons, tooltips, banners, every cell), nothing under
``TCB_GUI_HOME`` (config, data, cache, state: every file, binary-safe, UTF-8 and
UTF-16), no export or download, and no exception text: every exception raised in Python
code on the window's thread (or a Python thread started meanwhile) is recorded by a
trace function as it is raised. The same with a real Secret Service, and with no keyring
at all (the token is then kept for the session only, which the window says).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
import threading
from collections.abc import Awaitable, Callable, Iterable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar
from urllib.parse import quote, quote_plus

import httpx
import keyring
import pytest
from keyring.backends import fail
from PySide6.QtCore import QAbstractItemModel, QItemSelection, QItemSelectionModel, Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QLineEdit, QWidget

from tcb_gui.core.download_session import SessionStore
from tcb_gui.core.downloads import DownloadOptions, FileState
from tcb_gui.core.errors import TokenState
from tcb_gui.core.export import ExportFormat
from tcb_gui.core.history import history_dir
from tcb_gui.core.settings import Profile, Settings, load_settings, settings_path
from tcb_gui.core.tokens import KEYRING_SERVICE, TokenSource, TokenStore, app_secret_user
from tcb_gui.demo.samples import PROD, file_bytes
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DEMO_APPID
from tcb_gui.ui import qt_workarounds, task_names
from tcb_gui.ui.crash import CRASH_TOPIC, CrashReporter, install_crash_reports, list_reports
from tcb_gui.ui.dialogs import SetTokenDialog
from tcb_gui.ui.download_controller import RESUME_BANNER
from tcb_gui.ui.main_window import MainWindow
from tcb_gui.ui.results_model import RowState
from tcb_gui.ui.session import Session
from tcb_gui.ui.settings_dialog import SettingsDialog
from tests.core.test_secret_service import _items as secret_service_items
from tests.core.test_secret_service import secret_service_bus  # noqa: F401 (fixture)
from tests.log_capture import LogCapture
from tests.memory_keyring import MemoryKeyring

pytestmark = [
    pytest.mark.qt_log_ignore("propagateSizeHints"),  # offscreen platform only
    pytest.mark.timeout(90),
]

# Distinctive, base64-shaped: '+', '/' and '=' change when percent-encoded into a URL.
TOKEN = "Wn7Hq2Zk+winTok/Ld4Rp8Xv=Mc3Js6Ty"
# A second token, which the service knows but says has expired.
OLD_TOKEN = "Pb6Ty1Uw+oldTok/Gh5Jk2Lq=Zx8Cv4Bn"
# The mini program's AppSecret: 32 hex digits, as WeChat issues them.
APP_SECRET = "5ec2e7a1b9c4d3f60718293a4b5c6d7e"
PREFIX_CHARS = 8
HTTP_LOGGERS = ("httpx", "httpcore")
STEP_TIMEOUT_S = 20.0

T = TypeVar("T")


def forms(secret: str, *, ends: bool = True) -> dict[str, str]:
    """Every form of ``secret`` that must never show up."""
    found = {
        "raw": secret,
        "percent-encoded": quote(secret, safe=""),
        "percent-encoded, '/' kept": quote(secret),
        "form-encoded": quote_plus(secret),
    }
    if ends:
        found[f"first {PREFIX_CHARS}"] = secret[:PREFIX_CHARS]
        found[f"last {PREFIX_CHARS}"] = secret[-PREFIX_CHARS:]
    return found


class PlantedError(httpx.ConnectError):
    """The unexpected error the crash step raises: like httpx's own, its text holds the
    whole URL with the token. Its text is planted, so the exception check skips it; the
    crash report and the log lines written about it are checked like everything else."""


# --- what the run leaves behind --------------------------------------------------------


class RaisedExceptions:
    """The text of every exception raised in Python code while installed: on this thread
    and on Python threads started meanwhile. Worker threads Qt started (the loop's
    executor) are not traced; what fails there reaches the loop and is raised again here."""

    def __init__(self, skip: tuple[type[BaseException], ...]) -> None:
        self.skip = skip
        self.texts: list[str] = []
        # The last exception recorded, held: an id() alone could be reused by the next
        # exception once this one is freed, and that one would go unrecorded.
        self._last: BaseException | None = None
        self._previous: Any = None

    def _trace(self, frame: FrameType, event: str, arg: Any) -> Any:
        frame.f_trace_lines = False  # only calls and exceptions: keeps the run quick
        if event == "exception":
            error = arg[1]
            # One exception passing up through several frames is recorded once.
            if error is not self._last and not isinstance(error, self.skip):
                self._last = error
                try:
                    self.texts.append(f"{type(error).__qualname__}: {error} {error.args!r}")
                except Exception:  # an exception whose str() fails has no text to leak
                    self.texts.append(type(error).__qualname__)
        return self._trace

    def __enter__(self) -> RaisedExceptions:
        self._previous = sys.gettrace()
        sys.settrace(self._trace)
        threading.settrace(self._trace)
        return self

    def __exit__(self, *exc: object) -> None:
        sys.settrace(self._previous)
        threading.settrace(None)  # type: ignore[arg-type,unused-ignore]


class Evidence:
    """Everything the window said, logged or printed, and the folders it wrote to."""

    def __init__(self, logs: LogCapture, log_file: Path, home: Path) -> None:
        self.logs = logs
        self.log_file = log_file
        self.roots = [home]
        self.texts: dict[str, str] = {}
        # StopIteration and its kin are how generators hand back values (httpx's auth
        # flow returns the request, URL and all): control flow, not error text.
        self.raised = RaisedExceptions(
            skip=(PlantedError, StopIteration, StopAsyncIteration, GeneratorExit)
        )

    def window(self, window: MainWindow, step: str) -> None:
        """Keep what ``window`` shows now: every widget's words and every cell."""
        self.texts[f"window after {step}"] = "\n".join(_shown_texts(window))

    def leaks(self, secret: str, *, ends: bool = True) -> list[str]:
        """Where a form of ``secret`` was found, with a little context for each."""
        found = []
        texts = {
            **self.texts,
            **{f"log record {n}": t for n, t in enumerate(self.logs.texts)},
            **{f"exception {n}": t for n, t in enumerate(self.raised.texts)},
        }
        for where, text in texts.items():
            for name, form in forms(secret, ends=ends).items():
                at = text.find(form)
                if at >= 0:
                    found.append(
                        f"{where} ({name}): {text[:60]!r} …{text[max(0, at - 80) : at + 40]!r}…"
                    )
        found += [f"{path}: {name}" for path, name in leaks_in_files(secret, self.roots, ends)]
        return found

    def assert_clean(self, *secrets: str, ends: bool = True) -> None:
        for secret in secrets:
            leaks = self.leaks(secret, ends=ends)
            assert not leaks, "\n".join(leaks[:40])


def leaks_in_files(secret: str, roots: Iterable[Path], ends: bool = True) -> list[tuple[str, str]]:
    """(path, form) for every file under ``roots`` holding a form of ``secret`` in its
    name or its bytes (UTF-8 or UTF-16), symlinks not followed."""
    found = []
    for root in roots:
        for path in sorted(root.rglob("*")):
            is_file = path.is_file() and not path.is_symlink()
            data = path.read_bytes() if is_file else b""
            for name, form in forms(secret, ends=ends).items():
                encoded = (form.encode(codec) for codec in ("utf-8", "utf-16-le", "utf-16-be"))
                if form in path.name or any(blob in data for blob in encoded):
                    found.append((str(path), name))
    return found


def _shown_texts(window: MainWindow) -> Iterator[str]:
    yield window.windowTitle()
    for widget in [window, *window.findChildren(QWidget)]:
        yield widget.toolTip()
        yield widget.statusTip()
        yield widget.accessibleName()
        yield widget.accessibleDescription()
        if isinstance(widget, QLabel | QAbstractButton | QLineEdit):
            yield widget.text()  # the Set-token field is emptied as soon as it is saved
    badge = window.token_panel.badge
    yield badge.text
    yield from _cells(window.model)


def _cells(model: QAbstractItemModel) -> Iterator[str]:
    roles = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole)
    for row in range(model.rowCount()):
        for column in range(model.columnCount()):
            index = model.index(row, column)
            for role in roles:
                value = index.data(role)
                if value is not None:
                    yield str(value)


@pytest.fixture
def evidence(isolated_home: Path, tmp_path: Path) -> Iterator[Evidence]:
    """Root, httpx and httpcore at DEBUG, kept in memory and in a log file under
    ``TCB_GUI_HOME`` (as someone debugging a problem would run it)."""
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in ("", *HTTP_LOGGERS)}
    capture = LogCapture()
    log_file = isolated_home / "state" / "debug.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    to_file = logging.FileHandler(log_file, encoding="utf-8")
    to_file.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    for name in ("", *HTTP_LOGGERS):
        logging.getLogger(name).setLevel(logging.DEBUG)
    root.addHandler(capture)
    root.addHandler(to_file)
    found = Evidence(capture, log_file, isolated_home)
    found.roots.append(tmp_path)  # exports and downloads
    try:
        yield found
    finally:
        root.removeHandler(capture)
        root.removeHandler(to_file)
        to_file.close()
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


# --- driving the window ------------------------------------------------------------------


def run_on_qt_loop(qapp: QApplication, flow: Callable[[], Awaitable[T]]) -> T:
    """Run ``flow`` on a qasync loop over the test QApplication, as the app runs."""
    qapp.setQuitOnLastWindowClosed(False)
    qt_workarounds.apply()
    with asyncio.Runner(loop_factory=lambda: qt_workarounds.event_loop(qapp)) as runner:
        return runner.run(flow())  # type: ignore[arg-type]


async def wait_until(predicate: Callable[[], object], seconds: float = STEP_TIMEOUT_S) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {seconds} s waiting for {predicate}")
        await asyncio.sleep(0.01)


async def finish(window: MainWindow, task_name: str) -> Any:
    task = window.tasks.get(task_name)
    assert task is not None, task_name
    return await asyncio.wait_for(task, STEP_TIMEOUT_S)


def open_window(store: TokenStore, settings: Settings | None = None) -> MainWindow:
    """A window as the app builds one: the settings on disk unless given."""
    window = MainWindow(Session(settings if settings is not None else load_settings(), store))
    window.show()
    return window


async def close_window(window: MainWindow) -> None:
    """What Ctrl+Q does: tasks cancelled and awaited, the last changes saved."""
    await window.aclose()
    window.close()
    window.deleteLater()
    await asyncio.sleep(0.01)  # let Qt process the deferred delete
    gc.collect()  # here, on the GUI thread, not later in a worker


def visible_token_dialog(window: MainWindow) -> SetTokenDialog:
    found = [w for w in window.findChildren(SetTokenDialog) if w.isVisible()]
    assert len(found) == 1
    return found[0]


async def type_secret(qtbot: Any, window: MainWindow, secret: str) -> None:
    """The panel's Set token… (or Set AppSecret…) button, typed in, Save."""
    window.token_panel.set_button.click()
    dialog = visible_token_dialog(window)
    assert dialog.edit.echoMode() is QLineEdit.EchoMode.Password
    qtbot.keyClicks(dialog.edit, secret)
    dialog.accept()
    assert dialog.edit.text() == ""
    await finish(window, "save-token")


def badge_state(window: MainWindow) -> TokenState:
    return window.token_panel.badge.state


async def press_f5(qtbot: Any, window: MainWindow) -> TokenState:
    window.activateWindow()
    await wait_until(window.isActiveWindow, 5)  # shortcuts need an active window
    qtbot.keyClick(window.view, Qt.Key.Key_F5)
    await finish(window, task_names.CHECK_TOKEN)
    return window.token_panel.badge.state


def ids_text(keys: Iterable[str]) -> str:
    return "\n".join(PROD.fileid(k) for k in keys)


def small_keys(prefix: str, count: int) -> list[str]:
    return [f"gen/size-3K/{prefix}-{n:02d}.bin" for n in range(count)]


def crash_in_a_slot(window: MainWindow, base_url: str, token: str) -> None:
    """An unexpected error in a slot, its text holding the URL with the token."""

    def slot(_text: str) -> None:
        url = f"{base_url}/componenttcb/batchdownloadfile?access_token={quote(token, safe='')}"
        raise PlantedError(f"All connection attempts failed: {url} (token {token})")

    window.filter_edit.textChanged.connect(slot)
    try:
        window.filter_edit.setText("crash")
    finally:
        window.filter_edit.textChanged.disconnect(slot)
        window.filter_edit.clear()


def assert_clean_crash_report(window: MainWindow, reporter: CrashReporter) -> Path:
    [report] = reporter.reports
    assert report.path is not None
    assert report.path in list_reports()
    text = report.path.read_text(encoding="utf-8")
    assert "PlantedError" in text
    assert "access_token=***" in text
    banner = window.banners.banner(CRASH_TOPIC)
    assert banner is not None
    assert str(report.path) in banner.text
    return report.path


# --- the flows ---------------------------------------------------------------------------


def test_every_window_flow_leaves_no_trace_of_the_secrets(
    qapp: QApplication,
    qtbot: Any,
    demo_server: DemoServer,
    memory_keyring: MemoryKeyring,
    evidence: Evidence,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
) -> None:
    state = demo_server.state
    state.add_token(TOKEN, "component")
    state.add_token(OLD_TOKEN, "component")
    state.expire_token(OLD_TOKEN)
    state.app_secret = APP_SECRET
    base_url = demo_server.base_url
    exports = tmp_path / "exports"
    exports.mkdir()
    dest = tmp_path / "downloads"
    first_keys, later_keys = small_keys("first", 12), small_keys("later", 6)
    big_keys = [f"gen/size-2M/big-{n}.bin" for n in range(2)]

    async def first_window() -> None:
        settings = Settings()
        settings.put_profile(Profile(name="default", base_url=base_url))
        window = open_window(TokenStore(), settings)
        reporter = install_crash_reports(window.notifier)  # as the app's main() does
        try:
            # The token, typed into the Set-token dialog: saved in the keyring, checked.
            await type_secret(qtbot, window, TOKEN)
            assert memory_keyring.store == {(KEYRING_SERVICE, "default"): TOKEN}
            assert badge_state(window) is TokenState.VALID
            assert await press_f5(qtbot, window) is TokenState.VALID
            evidence.window(window, "setting the token")

            # IDs in; resolve while the service fails in every way it can.
            outcome = await window.ids.add_text(ids_text(first_keys))
            assert outcome.added == len(first_keys)
            state.script_faults("batchdownloadfile", ["html502", "drop", "truncated"])
            await window.resolver.resolve_rows()
            assert window.model.counts().ok == len(first_keys)
            evidence.window(window, "resolving")

            # An expired token: the run pauses; the good one back, and it resumes.
            await type_secret(qtbot, window, OLD_TOKEN)
            assert badge_state(window) is TokenState.EXPIRED
            await window.ids.add_text(ids_text(later_keys))
            await window.resolver.resolve_rows()
            assert window.model.counts().paused == len(later_keys)
            run_banner = window.banners.banner("run")
            assert run_banner is not None
            assert run_banner.text.startswith("Paused:")
            evidence.window(window, "the token error")
            await type_secret(qtbot, window, TOKEN)
            assert badge_state(window) is TokenState.VALID
            await window.resolver.resolve_rows()
            counts = window.model.counts()
            assert (counts.ok, counts.paused) == (len(first_keys) + len(later_keys), 0)
            evidence.window(window, "resuming")

            # Exports.
            for fmt in (ExportFormat.CSV, ExportFormat.JSON, ExportFormat.URLS):
                rows = await window.links.export_to(exports / f"links{fmt.suffix}", fmt)
                assert rows == len(first_keys) + len(later_keys)

            # Ctrl+D's dialog: a few files, with a lost link and a cut body on the way.
            state.script_faults("download", ["403", "cut"])
            chosen = QItemSelection(window.proxy.index(0, 0), window.proxy.index(3, 0))
            flags = QItemSelectionModel.SelectionFlag
            window.view.selectionModel().select(chosen, flags.ClearAndSelect | flags.Rows)
            dialog = window.downloads.show_dialog()
            assert dialog is not None
            dialog.folder_edit.setText(str(dest))
            dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
            summary = await finish(window, task_names.DOWNLOAD)
            assert (summary.downloaded, summary.failed) == (4, 0)
            evidence.window(window, "downloading")

            # Settings → OK.
            settings_dialog = window.tokens.show_settings_dialog()
            assert isinstance(settings_dialog, SettingsDialog)
            settings_dialog.history_spin.setValue(settings_dialog.history_spin.value() + 1)
            settings_dialog.accept()
            await finish(window, task_names.SETTINGS)

            # An unexpected error: a report, redacted, and a banner.
            crash_in_a_slot(window, base_url, TOKEN)
            await wait_until(lambda: window.banners.banner(CRASH_TOPIC) is not None)
            assert_clean_crash_report(window, reporter)
            evidence.window(window, "the crash")

            # A download left half-way when the window closes: its list is kept.
            await window.ids.add_text(ids_text(big_keys))
            await window.resolver.resolve_rows()
            big_rows = [r for r in window.model.rows() if r.fileid.key in big_keys]
            options = DownloadOptions(dest=dest, concurrency=2, limit_rate=2 << 20)
            window.tasks.start(
                task_names.DOWNLOAD, window.downloads.download_rows(big_rows, options)
            )
            await wait_until(lambda: any(p.stat().st_size for p in dest.rglob("big-*.part")))
        finally:
            reporter.uninstall()
            await close_window(window)

    async def second_window() -> None:
        window = open_window(TokenStore())
        try:
            # History: the list comes back; the token from the keyring works.
            assert await window.history.restore_last()
            assert window.model.rowCount() == len(first_keys) + len(later_keys) + 2
            assert await press_f5(qtbot, window) is TokenState.VALID
            assert window.session.token.source is TokenSource.KEYRING
            # The unfinished download is offered and finished.
            assert await window.downloads.restore_session() is not None
            assert window.banners.banner(RESUME_BANNER) is not None
            summary = await window.downloads.resume_session()
            assert summary is not None
            assert summary.failed == 0
            done = {
                r.fileid.key
                for r in window.model.rows()
                if r.download is not None and r.download.state is FileState.DONE
            }
            assert done >= set(big_keys)
            for key in big_keys:
                assert (dest / PROD.env / key).read_bytes() == file_bytes(PROD.bucket, key)
            evidence.window(window, "restoring")

            # Mini program mode: the AppSecret, typed in; the service's stable token.
            profile = Profile(name="mini", base_url=base_url).with_appsecret(DEMO_APPID)
            await window.tokens.save_profile(profile)
            await type_secret(qtbot, window, APP_SECRET)
            assert memory_keyring.store[(KEYRING_SERVICE, app_secret_user("mini"))] == APP_SECRET
            await wait_until(lambda: badge_state(window) is TokenState.VALID)
            tcb_calls = state.stats.requests["tcb/batchdownloadfile"]
            await window.ids.add_text(ids_text(small_keys("mini", 5)))
            await window.resolver.resolve_rows()
            mini = [r for r in window.model.rows() if "/mini-" in r.fileid.key]
            assert [r.state for r in mini] == [RowState.OK] * 5
            assert state.stats.requests["tcb/batchdownloadfile"] == tcb_calls + 1
            assert await press_f5(qtbot, window) is TokenState.VALID
            evidence.window(window, "mini program mode")
        finally:
            await close_window(window)

    with evidence.raised:
        run_on_qt_loop(qapp, first_window)
        # What the closed window left: its list, the unfinished download, the settings.
        assert history_dir().is_dir()
        assert SessionStore().path.is_file()
        assert settings_path().is_file()
        evidence.assert_clean(TOKEN, OLD_TOKEN)
        run_on_qt_loop(qapp, second_window)

    printed = capfd.readouterr()
    evidence.texts["stdout"] = printed.out
    evidence.texts["stderr"] = printed.err
    stable_token = state.stable_token
    assert stable_token is not None

    # The checks below look at something: requests were logged, redacted, in the file too.
    assert {"httpx", "tcb_gui.core.client", "tcb_gui.ui.crash"} <= evidence.logs.names
    assert any(name.startswith("httpcore.") for name in evidence.logs.names)
    assert any("access_token=***" in text for text in evidence.logs.texts)
    assert "access_token=***" in evidence.log_file.read_text("utf-8")
    assert len(list_reports()) == 1
    assert any("TokenError" in text for text in evidence.raised.texts)
    assert len(list(dest.rglob("*.bin"))) == 6
    evidence.assert_clean(TOKEN, OLD_TOKEN, APP_SECRET)
    # Its first characters are the service's prefix ("demo-stable-"), shared by all.
    evidence.assert_clean(stable_token, ends=False)
    assert not evidence.leaks(stable_token[-PREFIX_CHARS:], ends=False)


@pytest.mark.secret_service
def test_a_token_in_a_real_secret_service_leaves_no_trace(
    qapp: QApplication,
    qtbot: Any,
    secret_service_bus: str,  # noqa: F811 (the fixture imported above)
    monkeypatch: pytest.MonkeyPatch,
    demo_server: DemoServer,
    evidence: Evidence,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
) -> None:
    from keyring.backends import SecretService

    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", secret_service_bus)
    keyring.set_keyring(SecretService.Keyring())  # put back by the memory_keyring fixture
    demo_server.state.add_token(TOKEN, "component")
    base_url = demo_server.base_url
    keys = small_keys("ss", 8)

    async def first_window() -> None:
        settings = Settings()
        settings.put_profile(Profile(name="default", base_url=base_url))
        window = open_window(TokenStore(), settings)
        reporter = install_crash_reports(window.notifier)
        try:
            await type_secret(qtbot, window, TOKEN)
            assert window.banners.banner("keyring") is None  # saved, not session-only
            assert len(secret_service_items("default")) == 1
            assert await press_f5(qtbot, window) is TokenState.VALID
            await window.ids.add_text(ids_text(keys))
            await window.resolver.resolve_rows()
            assert window.model.counts().ok == len(keys)
            await window.links.export_to(tmp_path / "links.json", ExportFormat.JSON)
            crash_in_a_slot(window, base_url, TOKEN)
            await wait_until(lambda: window.banners.banner(CRASH_TOPIC) is not None)
            assert_clean_crash_report(window, reporter)
            evidence.window(window, "the first window")
        finally:
            reporter.uninstall()
            await close_window(window)

    async def second_window() -> None:
        # A new store and backend: the token is read back over D-Bus.
        keyring.set_keyring(SecretService.Keyring())
        window = open_window(TokenStore())
        try:
            assert await window.history.restore_last()
            assert await press_f5(qtbot, window) is TokenState.VALID
            assert window.session.token.source is TokenSource.KEYRING
            assert window.model.counts().ok == len(keys)
            evidence.window(window, "the second window")
            await window.tokens.clear_token()
            assert secret_service_items("default") == []
        finally:
            await close_window(window)

    with evidence.raised:
        run_on_qt_loop(qapp, first_window)
        run_on_qt_loop(qapp, second_window)
    printed = capfd.readouterr()
    evidence.texts["stdout"] = printed.out
    evidence.texts["stderr"] = printed.err
    assert any("access_token=***" in text for text in evidence.logs.texts)
    assert keyring.get_keyring().__class__.__module__ == "keyring.backends.SecretService"
    evidence.assert_clean(TOKEN)


def test_with_no_keyring_the_token_is_for_the_session_only_and_written_nowhere(
    qapp: QApplication,
    qtbot: Any,
    demo_server: DemoServer,
    evidence: Evidence,
    isolated_home: Path,
    capfd: pytest.CaptureFixture[str],
) -> None:
    keyring.set_keyring(fail.Keyring())  # put back by the memory_keyring fixture
    demo_server.state.add_token(TOKEN, "component")
    base_url = demo_server.base_url

    async def flow() -> None:
        settings = Settings()
        settings.put_profile(Profile(name="default", base_url=base_url))
        window = open_window(TokenStore(), settings)
        try:
            await type_secret(qtbot, window, TOKEN)
            banner = window.banners.banner("keyring")
            assert banner is not None
            assert "No system keyring" in banner.text
            assert "session only" in banner.text
            badge = window.token_panel.badge
            assert badge.state is TokenState.VALID
            assert badge.text.endswith("session only")
            await window.ids.add_text(ids_text(small_keys("nokeyring", 4)))
            await window.resolver.resolve_rows()
            assert window.model.counts().ok == 4
            assert all(r.state is RowState.OK for r in window.model.rows())
            evidence.window(window, "setting the token")
        finally:
            await close_window(window)

    with evidence.raised:
        run_on_qt_loop(qapp, flow)
    printed = capfd.readouterr()
    evidence.texts["stdout"] = printed.out
    evidence.texts["stderr"] = printed.err
    assert settings_path().is_file()  # the window did write its files...
    assert any(history_dir().iterdir())
    evidence.assert_clean(TOKEN)  # ...and the token is in none of them
    assert any("KeyringUnavailableError" in text for text in evidence.raised.texts)
