"""Crash reports: an error in a slot, a thread, a task or a loop callback is written down
once, redacted, without frame locals, and said in a banner; the window goes on working."""

from __future__ import annotations

import asyncio
import gc
import stat
import sys
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from tcb_gui import app as tcb_app
from tcb_gui.core.errors import InputError
from tcb_gui.core.exit_status import ExitStatus
from tcb_gui.core.redact import register_secret
from tcb_gui.demo.samples import PROD
from tcb_gui.ui import crash
from tcb_gui.ui.crash import (
    CRASH_TOPIC,
    KEEP_REPORTS,
    MAX_REPORT_CHARS,
    CrashReporter,
    active_reporter,
    crash_dir,
    format_report,
    install_crash_reports,
    list_reports,
    write_report,
)
from tcb_gui.ui.main_window import MainWindow
from tests.ui.conftest import WindowFactory, wait_until

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only

# Distinctive, with characters that change when percent-encoded into a query string.
TOKEN = "Cr4shTok+en/Zq8Wv3=Lm5Np7Kx"
# A frame local of the failing code: a report holds source lines, never locals.
LOCAL_VALUE = "local-value-that-must-stay-in-memory-7731"
BASE_URL = "http://127.0.0.1:9/componenttcb/batchdownloadfile"


class Boom(RuntimeError):
    """The unexpected error the tests raise."""


def failing_request(where: str) -> None:
    """Fail the way httpx does: the whole URL, token included, in the exception text."""
    secret_local = LOCAL_VALUE  # noqa: F841 (must not reach the report)
    try:
        raise httpx.ConnectError(f"cannot reach {BASE_URL}?access_token={quote(TOKEN, safe='')}")
    except httpx.ConnectError as exc:
        raise Boom(f"{where} failed with token {TOKEN} at {BASE_URL}?access_token={TOKEN}") from exc


def assert_clean_report(path: Path, where: str) -> str:
    text = path.read_text(encoding="utf-8")
    for form in (TOKEN, quote(TOKEN, safe=""), LOCAL_VALUE):
        assert form not in text
    assert f"Where: {where}" in text
    assert "access_token=***" in text
    assert "Boom" in text
    assert "httpx.ConnectError" in text  # the cause is there, redacted
    assert "The above exception was the direct cause" in text
    assert "Traceback (most recent call last):" in text
    for line in ("App: TCB Links ", "Python: ", "Qt: 6.", "PySide6 6.", "Platform: "):
        assert line in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    return text


def crash_banner_text(window: MainWindow) -> str:
    banner = window.banners.banner(CRASH_TOPIC)
    assert banner is not None
    return banner.text


@pytest.fixture
async def reporter(window: MainWindow) -> AsyncIterator[CrashReporter]:
    register_secret(TOKEN)  # as the app does wherever it learns a token
    with install_crash_reports(window.notifier) as installed:
        yield installed
    assert active_reporter() is None


async def test_an_error_in_a_slot_gets_a_report_and_a_banner_and_the_window_goes_on(
    window: MainWindow, reporter: CrashReporter, capsys: pytest.CaptureFixture[str]
) -> None:
    def slot(text: str) -> None:
        failing_request("filtering")

    window.filter_edit.textChanged.connect(slot)
    window.filter_edit.setText("x")  # PySide hands the slot's exception to sys.excepthook
    window.filter_edit.textChanged.disconnect(slot)

    reports = list_reports()
    assert len(reports) == 1
    assert reports[0].parent == crash_dir()
    assert reports[0].name.startswith("crash-")
    assert reports[0].name.endswith("Z.log")
    assert_clean_report(reports[0], "main thread (a slot, an event handler or a callback)")
    await wait_until(lambda: window.banners.banner(CRASH_TOPIC) is not None, 5)
    text = crash_banner_text(window)
    assert text.startswith("TCB Links hit an unexpected error. A report was saved to ")
    assert str(reports[0]) in text
    assert text.endswith("nothing you resolved was lost.")
    banner = window.banners.banner(CRASH_TOPIC)
    assert banner is not None
    assert banner.button_texts() == ["Open report", "Show folder"]
    err = capsys.readouterr().err
    assert str(reports[0]) in err
    assert TOKEN not in err

    # The window goes on: IDs still come in, the filter still filters.
    outcome = await window.ids.add_text("\n".join(PROD.fileid(f"after/{n}.png") for n in range(3)))
    assert outcome.added == 3
    window.filter_edit.setText("after/1")
    assert window.proxy.rowCount() == 1
    assert window.isVisible()


async def test_a_dying_thread_gets_a_report_and_the_banner_on_the_gui_thread(
    window: MainWindow, reporter: CrashReporter
) -> None:
    thread = threading.Thread(target=failing_request, args=("a worker",), name="crash-worker")
    thread.start()
    thread.join(5)
    await wait_until(lambda: window.banners.banner(CRASH_TOPIC) is not None, 5)
    [report] = list_reports()
    assert_clean_report(report, "thread 'crash-worker'")
    assert str(report) in crash_banner_text(window)
    assert reporter.reports[0].path == report


async def test_a_failed_task_gets_a_report_but_the_projects_own_errors_do_not(
    window: MainWindow, reporter: CrashReporter
) -> None:
    async def unexpected() -> None:
        await asyncio.sleep(0)
        failing_request("a task")

    async def expected() -> None:
        raise InputError("That file has no IDs.")

    task = window.tasks.start("boom", unexpected())
    assert task is not None
    await wait_until(task.done, 5)
    await wait_until(lambda: window.banners.banner(CRASH_TOPIC) is not None, 5)
    [report] = list_reports()
    assert_clean_report(report, "task 'boom'")
    assert window.banners.banner("error") is None  # the crash banner says it instead

    # A classified error is no crash: its own message, in the usual banner.
    window.tasks.start("input", expected())
    await wait_until(lambda: window.banners.banner("error") is not None, 5)
    error_banner = window.banners.banner("error")
    assert error_banner is not None
    assert "That file has no IDs." in error_banner.text
    assert len(list_reports()) == 1


async def test_loop_callbacks_and_unretrieved_task_errors_get_reports(
    window: MainWindow, reporter: CrashReporter
) -> None:
    loop = asyncio.get_running_loop()
    loop.call_soon(failing_request, "a callback")
    await wait_until(lambda: len(list_reports()) == 1, 5)
    report = list_reports()[0]
    text = assert_clean_report(report, "event loop: Exception in callback")
    assert "failing_request" in text

    async def forgotten() -> None:
        await asyncio.sleep(0)
        raise ValueError(f"orphan task saw access_token={TOKEN}")

    task = loop.create_task(forgotten(), name="orphan")
    await wait_until(task.done, 5)
    del task
    gc.collect()  # asyncio says "Task exception was never retrieved" when it is freed
    await wait_until(lambda: len(list_reports()) == 2, 5)
    text = list_reports()[1].read_text(encoding="utf-8")
    assert "Where: task 'orphan' (Task exception was never retrieved)" in text
    assert TOKEN not in text
    assert "ValueError: orphan task saw access_token=***" in text


async def test_the_same_error_again_writes_no_second_report(
    window: MainWindow, reporter: CrashReporter
) -> None:
    for _ in range(3):
        reporter.report(_raised(), "main thread")
    assert len(list_reports()) == 1
    assert [r.repeated for r in reporter.reports] == [False]


async def test_a_report_that_cannot_be_written_is_still_said(
    window: MainWindow, tmp_path: Path
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the crash folder should be", encoding="utf-8")
    with CrashReporter(window.notifier, directory=blocked) as reporter:
        report = reporter.report(_raised(), "main thread")
        assert report is not None
        assert report.path is None
        assert report.reason
        await wait_until(lambda: window.banners.banner(CRASH_TOPIC) is not None, 5)
    text = crash_banner_text(window)
    assert text.startswith("TCB Links hit an unexpected error (Boom). The report could not be")
    assert "nothing you resolved was lost" in text


async def test_uninstall_puts_the_previous_hooks_back(
    window: MainWindow, caplog: pytest.LogCaptureFixture
) -> None:
    before = (sys.excepthook, threading.excepthook)
    reporter = install_crash_reports(window.notifier)
    assert sys.excepthook == reporter._excepthook
    assert threading.excepthook == reporter._thread_excepthook
    assert active_reporter() is reporter
    reporter.uninstall()
    assert (sys.excepthook, threading.excepthook) == before
    assert active_reporter() is None
    assert crash.report_crash(_raised(), "nowhere") is False  # nothing installed
    # The loop's errors go back to asyncio's own handling (a log line), not to a report.
    loop = asyncio.get_running_loop()
    loop.call_exception_handler({"message": "after uninstall", "exception": _raised()})
    assert "after uninstall" in caplog.text
    assert list_reports() == []


async def test_the_app_installs_the_reporter_for_its_window(make_window: WindowFactory) -> None:
    window = make_window()
    main = asyncio.get_running_loop().create_task(tcb_app.main(window))
    try:
        await wait_until(lambda: active_reporter() is not None, 5)
        reporter = active_reporter()
        assert reporter is not None
        assert reporter.notifier is window.notifier
        window.close()  # Ctrl+Q: the app's shutdown runs
        assert await asyncio.wait_for(main, 10) == ExitStatus.OK
    finally:
        reporter = active_reporter()
        if reporter is not None:
            reporter.uninstall()


def test_only_the_newest_reports_are_kept(tmp_path: Path) -> None:
    start = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    written = [
        write_report(
            _raised(), "main thread", directory=tmp_path, when=start + timedelta(seconds=s)
        )
        for s in range(KEEP_REPORTS + 3)
    ]
    kept = list_reports(tmp_path)
    assert len(kept) == KEEP_REPORTS
    assert set(kept) == set(written[3:])
    # Two reports in the same microsecond get two files.
    newest = start + timedelta(seconds=KEEP_REPORTS + 2)
    again = write_report(_raised(), "main thread", directory=tmp_path, when=newest)
    assert again != written[-1]
    assert written[-1].exists()
    assert again.exists()


def test_a_runaway_message_is_cut_in_the_middle() -> None:
    text = format_report(Boom("x" * (3 * MAX_REPORT_CHARS)), "main thread")
    assert len(text) < MAX_REPORT_CHARS + 10_000
    assert "characters cut" in text


def _raised() -> Boom:
    try:
        failing_request("again")
    except Boom as exc:
        return exc
    raise AssertionError("failing_request did not fail")
