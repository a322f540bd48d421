"""Crash reports: an unexpected error is written down, redacted, and said plainly.

An error nobody handled reaches the top through one of four doors, and each is watched:

- ``sys.excepthook``: PySide reports an exception raised in a slot or an event handler
  through it (and Python does for an uncaught one on the main thread);
- ``threading.excepthook``: a worker thread that died;
- the asyncio loop's exception handler: a failing ``call_soon`` callback, or a task whose
  error nobody retrieved;
- the window's named tasks: ``TaskKeeper`` hands a failure to the window's error
  handler, which calls ``report_crash`` for anything that is not one of the project's
  own errors.

Each writes one report to ``<state dir>/crash/crash-<UTC timestamp>.log`` (0600; the
newest ``KEEP_REPORTS`` are kept) with the app, Python, Qt and PySide6 versions, the
platform and the traceback. Every line goes through ``core.redact.redact``: httpx puts
whole URLs, ``access_token=`` included, into its exception text. Frame locals are never
included (``traceback`` formats source lines only). Then a banner says what happened and
where the report is; the app goes on, because a failed slot or task leaves the rest of
the window working and nothing resolved is kept only in the failed code.

One reporter per process: the hooks are process-wide. ``install_crash_reports(notifier)``
installs it, ``uninstall()`` (or leaving its ``with`` block) puts the previous hooks back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import platform
import sys
import threading
import traceback
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import PySide6
from PySide6.QtCore import QObject, QUrl, Signal, qVersion
from PySide6.QtGui import QDesktopServices

from tcb_gui import __version__
from tcb_gui.core.redact import install_log_redaction, redact
from tcb_gui.core.settings import app_dirs, ensure_dir
from tcb_gui.ui.palette import Tone

if TYPE_CHECKING:
    from tcb_gui.ui.notifier import Notifier

log = logging.getLogger(__name__)

CRASH_DIR_NAME = "crash"
REPORT_PREFIX = "crash-"
REPORT_SUFFIX = ".log"
# Enough history to see a pattern, little enough never to matter on disk.
KEEP_REPORTS = 10
# Private to the user: a report names their files and folders.
REPORT_FILE_MODE = 0o600
# A runaway exception text (a whole response body in a message) is cut in the middle; a
# traceback worth reading is far shorter.
MAX_REPORT_CHARS = 256 * 1024
# The banner's topic: a second crash replaces the first banner instead of piling up.
CRASH_TOPIC = "crash"
# "%f" keeps two reports within one second apart; the name sorts by time.
_STAMP_FORMAT = "%Y%m%dT%H%M%S.%fZ"

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


@dataclass(frozen=True, slots=True)
class CrashReport:
    """One unexpected error as reported: where its report went (None if it could not be
    written, ``reason`` says why), the error's type name and where it happened."""

    path: Path | None
    error: str
    where: str
    reason: str = ""
    repeated: bool = False  # the same error was reported before; no second file


def crash_dir() -> Path:
    """Where crash reports are kept (created on the first report)."""
    return app_dirs().state / CRASH_DIR_NAME


def list_reports(directory: Path | None = None) -> list[Path]:
    """The crash reports in ``directory`` (default ``crash_dir()``), oldest first."""
    folder = crash_dir() if directory is None else directory
    found: list[tuple[int, str, Path]] = []
    for path in folder.glob(f"{REPORT_PREFIX}*{REPORT_SUFFIX}"):
        with contextlib.suppress(OSError):  # removed meanwhile by another instance
            found.append((path.stat().st_mtime_ns, path.name, path))
    return [path for _, _, path in sorted(found)]


def versions() -> list[tuple[str, str]]:
    """What a developer needs to reproduce a crash: versions and platform."""
    frozen = " (bundled)" if getattr(sys, "frozen", False) else ""
    return [
        ("App", f"TCB Links {__version__}{frozen}"),
        ("Python", f"{platform.python_implementation()} {sys.version.split()[0]}"),
        ("Qt", f"{qVersion()} (PySide6 {PySide6.__version__})"),
        ("Platform", f"{platform.platform()} ({platform.machine() or 'unknown machine'})"),
    ]


def format_report(error: BaseException, where: str, when: datetime | None = None) -> str:
    """The text of a report on ``error``, redacted. Source lines, never frame locals."""
    moment = (when or datetime.now(UTC)).astimezone(UTC)
    lines = [
        "TCB Links crash report",
        "",
        f"When: {moment.isoformat(timespec='seconds')}",
        f"Where: {where}",
        *(f"{name}: {value}" for name, value in versions()),
        "",
    ]
    trace = "".join(traceback.format_exception(error))
    if len(trace) > MAX_REPORT_CHARS:
        half = MAX_REPORT_CHARS // 2
        cut = len(trace) - 2 * half
        trace = f"{trace[:half]}\n[… {cut} characters cut …]\n{trace[-half:]}"
    return redact("\n".join(lines) + trace)


def write_report(
    error: BaseException,
    where: str,
    *,
    directory: Path | None = None,
    keep: int = KEEP_REPORTS,
    when: datetime | None = None,
) -> Path:
    """Write a report on ``error``; keep the newest ``keep``. ``OSError`` if it cannot."""
    moment = (when or datetime.now(UTC)).astimezone(UTC)
    folder = ensure_dir(crash_dir() if directory is None else directory)
    text = format_report(error, where, moment)
    stamp = moment.strftime(_STAMP_FORMAT)
    for attempt in range(100):
        suffix = f"-{attempt}" if attempt else ""
        path = folder / f"{REPORT_PREFIX}{stamp}{suffix}{REPORT_SUFFIX}"
        try:
            # O_EXCL: never follow or reuse a file that is already there.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, REPORT_FILE_MODE)
        except FileExistsError:
            continue
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        break
    else:
        raise FileExistsError(f"no free crash report name in {folder}")
    prune_reports(folder, keep)
    return path


def prune_reports(directory: Path, keep: int = KEEP_REPORTS) -> None:
    """Remove all but the newest ``keep`` reports in ``directory``."""
    reports = list_reports(directory)
    for old in reports[: max(0, len(reports) - keep)]:
        with contextlib.suppress(OSError):
            old.unlink()


def _signature(error: BaseException) -> tuple[str, str, int]:
    """The same error from the same line: one report is enough."""
    tb = error.__traceback__
    filename, lineno = "", 0
    while tb is not None:
        filename, lineno = tb.tb_frame.f_code.co_filename, tb.tb_lineno
        tb = tb.tb_next
    return (type(error).__qualname__, filename, lineno)


class CrashReporter(QObject):
    """The process's crash hooks, and the banner (through ``notifier``) that tells the user."""

    # A CrashReport, delivered on the thread the reporter lives in (the GUI thread).
    reported = Signal(object)
    _deliver = Signal(object)

    def __init__(
        self,
        notifier: Notifier | None = None,
        *,
        directory: Path | None = None,
        keep: int = KEEP_REPORTS,
    ) -> None:
        # No parent: the hooks may outlive the window (kept alive by ``_active``).
        super().__init__()
        self.notifier = notifier
        self.directory = directory
        self.keep = keep
        self.reports: list[CrashReport] = []
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, str, int], CrashReport] = {}
        self._reporting = threading.local()
        self._installed = False
        self._previous_excepthook: Any = None
        self._previous_thread_hook: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._previous_loop_handler: Any = None
        # Queued when emitted from a worker thread: the banner is built on the GUI thread.
        self._deliver.connect(self._show)

    # --- hooks ----------------------------------------------------------------------

    def install(self) -> CrashReporter:
        """Watch every door (see the module docstring). Idempotent."""
        global _active
        if self._installed:
            return self
        install_log_redaction()  # the log lines written alongside are redacted too
        self._previous_excepthook = sys.excepthook
        self._previous_thread_hook = threading.excepthook
        sys.excepthook = self._excepthook
        threading.excepthook = self._thread_excepthook
        with contextlib.suppress(RuntimeError):  # no running loop: the three others only
            loop = asyncio.get_running_loop()
            self._previous_loop_handler = loop.get_exception_handler()
            loop.set_exception_handler(self._loop_handler)
            self._loop = loop
        self._installed = True
        _active = self
        return self

    def uninstall(self) -> None:
        """Put back the hooks that were there before ``install``."""
        global _active
        if not self._installed:
            return
        if sys.excepthook == self._excepthook:
            sys.excepthook = self._previous_excepthook
        if threading.excepthook == self._thread_excepthook:
            threading.excepthook = self._previous_thread_hook
        loop = self._loop
        if loop is not None and not loop.is_closed():
            # Unconditionally: qasync keeps the handler where get_exception_handler()
            # does not look (it always answers None), so "is it still ours?" cannot be
            # asked there.
            loop.set_exception_handler(self._previous_loop_handler)
        self._loop = None
        self._installed = False
        if _active is self:
            _active = None

    def __enter__(self) -> CrashReporter:
        return self.install()

    def __exit__(self, *exc: object) -> None:
        self.uninstall()

    def _excepthook(
        self, kind: type[BaseException], error: BaseException, tb: TracebackType | None
    ) -> None:
        if not issubclass(kind, Exception):
            # KeyboardInterrupt, SystemExit: not a crash; the usual handling.
            self._previous_excepthook(kind, error, tb)
            return
        self.report(
            error.with_traceback(tb), "main thread (a slot, an event handler or a callback)"
        )

    def _thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        error = args.exc_value
        if error is None or not isinstance(error, Exception):
            self._previous_thread_hook(args)  # SystemExit is silent there, as by default
            return
        name = args.thread.name if args.thread is not None else "?"
        self.report(error.with_traceback(args.exc_traceback), f"thread {name!r}")

    def _loop_handler(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        error = context.get("exception")
        if not isinstance(error, Exception):
            # A warning with no exception (a task destroyed while pending, an unclosed
            # transport): logged as asyncio would, through the redacting log records.
            previous = self._previous_loop_handler
            if previous is not None:
                previous(loop, context)
            else:
                loop.default_exception_handler(context)
            return
        message = str(context.get("message") or "unhandled error in the event loop")
        task = context.get("task") or context.get("future")
        where = f"event loop: {message}"
        if isinstance(task, asyncio.Task):
            where = f"task {task.get_name()!r} ({message})"
        self.report(error, where)

    # --- reporting --------------------------------------------------------------------

    def report(self, error: BaseException, where: str) -> CrashReport | None:
        """Write a report on ``error`` and tell the user. Safe from any thread; never
        raises (a failure to report is itself only said on stderr)."""
        if getattr(self._reporting, "active", False):
            return None  # an error while reporting an error: do not loop
        self._reporting.active = True
        try:
            report = self._record(error, where)
            log.error(
                "unexpected error in %s; report: %s",
                where,
                report.path or report.reason,
                exc_info=(type(error), error, error.__traceback__),
            )
            _say_on_stderr(report)
            self._deliver.emit(report)
            return report
        except Exception as failure:  # the last line of defence must not throw
            _say_on_stderr(CrashReport(None, type(error).__name__, where, type(failure).__name__))
            return None
        finally:
            self._reporting.active = False

    def _record(self, error: BaseException, where: str) -> CrashReport:
        signature = _signature(error)
        with self._lock:
            earlier = self._seen.get(signature)
            if earlier is not None:
                # A slot that fails on every paint would otherwise write reports all day.
                return CrashReport(earlier.path, earlier.error, where, earlier.reason, True)
            try:
                path: Path | None = write_report(
                    error, where, directory=self.directory, keep=self.keep
                )
                reason = ""
            except OSError as exc:
                path, reason = None, exc.strerror or type(exc).__name__
            report = CrashReport(path, type(error).__name__, where, reason)
            self._seen[signature] = report
            self.reports.append(report)
            return report

    # --- telling the user -----------------------------------------------------------

    def _show(self, report: CrashReport) -> None:
        self.reported.emit(report)
        notifier = self.notifier
        if report.repeated or notifier is None:
            return
        actions: list[tuple[str, Any]] = []
        if report.path is not None:
            text = self.tr(
                "TCB Links hit an unexpected error. A report was saved to {path}; nothing "
                "you resolved was lost."
            ).format(path=report.path)
            path = report.path
            actions.append((self.tr("Open report"), lambda: _open_local(path)))
            actions.append((self.tr("Show folder"), lambda: _open_local(path.parent)))
        else:
            text = self.tr(
                "TCB Links hit an unexpected error ({error}). The report could not be saved "
                "({reason}); nothing you resolved was lost."
            ).format(error=report.error, reason=report.reason)
        notifier.show_banner(CRASH_TOPIC, Tone.DANGER, text, actions)


_active: CrashReporter | None = None


def install_crash_reports(
    notifier: Notifier | None = None, *, directory: Path | None = None
) -> CrashReporter:
    """Install a crash reporter telling ``notifier`` (call with the loop running)."""
    if _active is not None:
        _active.uninstall()
    return CrashReporter(notifier, directory=directory).install()


def active_reporter() -> CrashReporter | None:
    return _active


def report_crash(error: BaseException, where: str) -> bool:
    """Report ``error`` through the installed reporter; False when there is none."""
    reporter = _active
    if reporter is None:
        return False
    reporter.report(error, where)
    return True


def _open_local(path: Path) -> bool:
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def _say_on_stderr(report: CrashReport) -> None:
    stream = sys.stderr
    if stream is None:  # a windowed bundle has no console
        return
    where = report.path if report.path is not None else f"not saved: {report.reason}"
    with contextlib.suppress(Exception):
        stream.write(redact(f"tcb-gui: unexpected {report.error} in {report.where} ({where})\n"))
        stream.flush()
