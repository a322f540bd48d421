"""Processes of a benchmark: servers in the background, measured clients in the foreground.

Servers (the demo service, nginx) and every measured client run in their own process
and their own session, so a client's CPU time and peak memory are its own and a stop
can signal a whole process group. Every process started here is registered and stopped
on the way out, also after Ctrl+C or an error (``stop_all``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

import httpx

LOOPBACK = "127.0.0.1"
# How long a server may take to answer its first request, and to exit after SIGTERM.
READY_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0
_READY_POLL = 0.05
# ru_maxrss is in KiB on Linux (getrusage(2)).
_RU_MAXRSS_UNIT = 1024


# GNU time reports its child's peak RSS from a fork of a ~2 MB process. ``wait4``'s own
# ru_maxrss cannot be used: Linux carries the high-water mark of the forked parent (this
# Python process, tens of MB) over exec into the child's figure.
GNU_TIME = "/usr/bin/time"
_TIME_FORMAT = "maxrss=%M"


@dataclass(frozen=True, slots=True)
class Usage:
    """What one finished client process cost: wall time, its own CPU time, its peak RSS."""

    wall: float
    user: float
    system: float
    max_rss: int  # bytes
    returncode: int
    # False when GNU time is missing: max_rss is then at least this process's own RSS.
    rss_exact: bool = True

    @property
    def cpu(self) -> float:
        return self.user + self.system


class ProcessFailed(RuntimeError):
    """A measured command exited non-zero: its result must not be reported as a number."""


def free_port() -> int:
    """A TCP port free on loopback right now (the server binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


def _signal_group(proc: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signum)


def run_measured(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    stdin: Path | None = None,
    stdout: Path | None = None,
    stderr: Path | None = None,
    timeout: float = 600.0,
    check: bool = True,
) -> Usage:
    """Run a command to its end and measure it: wall time, CPU time and peak RSS.

    CPU time comes from ``wait4``: the resources of exactly this child (and of any
    children it waited for, here GNU time's own few milliseconds), unlike
    ``RUSAGE_CHILDREN``, which sums every child ever. Peak RSS comes from GNU time.
    """
    name = argv[0]
    rss_exact = os.path.exists(GNU_TIME)
    with contextlib.ExitStack() as files:
        if rss_exact:
            rss_file = files.enter_context(tempfile.NamedTemporaryFile("r", suffix=".time"))
            argv = [GNU_TIME, "-f", _TIME_FORMAT, "-o", rss_file.name, *argv]
        stdin_file = files.enter_context(open(stdin, "rb")) if stdin else subprocess.DEVNULL
        out_file = files.enter_context(open(stdout, "wb")) if stdout else subprocess.DEVNULL
        err_file = files.enter_context(open(stderr, "wb")) if stderr else subprocess.DEVNULL
        started = time.perf_counter()
        proc = subprocess.Popen(
            list(argv),
            env=dict(env) if env is not None else None,
            cwd=cwd,
            stdin=stdin_file,
            stdout=out_file,
            stderr=err_file,
            start_new_session=True,
        )
        watchdog = threading.Timer(timeout, _signal_group, (proc, signal.SIGKILL))
        watchdog.start()
        try:
            _, status, rusage = os.wait4(proc.pid, 0)
        except BaseException:  # Ctrl+C while waiting: take the client down with us
            _signal_group(proc, signal.SIGKILL)
            proc.wait()
            raise
        finally:
            watchdog.cancel()
        wall = time.perf_counter() - started
        max_rss = rusage.ru_maxrss * _RU_MAXRSS_UNIT
        if rss_exact:
            # GNU time writes "Command exited with non-zero status N" first on failures.
            lines = [x for x in rss_file.read().splitlines() if x.startswith("maxrss=")]
            if lines:
                max_rss = int(lines[-1].removeprefix("maxrss=")) * _RU_MAXRSS_UNIT
            else:
                rss_exact = False
    proc.returncode = os.waitstatus_to_exitcode(status)
    usage = Usage(
        wall=wall,
        user=rusage.ru_utime,
        system=rusage.ru_stime,
        max_rss=max_rss,
        returncode=proc.returncode,
        rss_exact=rss_exact,
    )
    if check and usage.returncode != 0:
        where = f" (see {stderr})" if stderr else ""
        raise ProcessFailed(f"{name} … exited {usage.returncode}{where}")
    return usage


class Service:
    """A server in its own process and session, stopped on exit whatever happens."""

    _running: list[Service] = []  # noqa: RUF012 — a process-wide registry, on purpose

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        ready_url: str,
        *,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        log: Path | None = None,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.ready_url = ready_url
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        self.log = log
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Service:
        out = open(self.log, "wb") if self.log else subprocess.DEVNULL  # noqa: SIM115
        try:
            self._proc = subprocess.Popen(
                self.argv,
                env=self.env,
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            if self.log:
                out.close()  # type: ignore[union-attr]
        Service._running.append(self)
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self) -> None:
        assert self._proc is not None
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            if self._proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited {self._proc.returncode} at start")
            try:
                # Any HTTP answer means it accepts requests; the status does not matter.
                httpx.get(self.ready_url, timeout=1.0, trust_env=False)
                return
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{self.name} did not answer at {self.ready_url}") from None
                time.sleep(_READY_POLL)

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def stop(self) -> None:
        """SIGTERM to the group, SIGKILL if it lingers; safe to call twice."""
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            _signal_group(proc, signal.SIGTERM)
            try:
                proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                _signal_group(proc, signal.SIGKILL)
                proc.wait()
        self._proc = None
        with contextlib.suppress(ValueError):
            Service._running.remove(self)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @classmethod
    def stop_all(cls) -> None:
        for service in list(reversed(cls._running)):
            service.stop()


def process_cpu(pid: int | None) -> float | None:
    """User + system CPU seconds a running process has used so far (Linux ``/proc``)."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    # After "pid (comm)": state is field 3, utime 14 and stime 15 (proc(5)).
    ticks = int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def venv_command(name: str) -> list[str]:
    """A console script of the running interpreter's environment (``.venv/bin/tcb-gui``)."""
    script = Path(sys.executable).parent / name
    if script.exists():
        return [str(script)]
    if name == "tcb-gui":
        return [sys.executable, "-m", "tcb_gui"]
    raise FileNotFoundError(f"{name} is not installed next to {sys.executable}")
