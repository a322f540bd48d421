"""The machine a run measured, read at run time (the report never hard-codes it)."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from importlib import metadata
from pathlib import Path

import psutil

GIB = 1 << 30
# Words of a tool's version line worth showing ("nginx version: nginx/1.22.1").
VERSION_WORDS = 3


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _os_name() -> str:
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return platform.system()


def tool_version(argv: list[str]) -> str | None:
    """The first line a tool prints about its version, or None if it is not installed."""
    if shutil.which(argv[0]) is None:
        return None
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    # nginx prints its version on stderr.
    text = (done.stdout or done.stderr).strip()
    if not text:
        return None
    # "curl 7.88.1 (x86_64-pc-linux-gnu) libcurl/…": the name and version are enough.
    return " ".join(text.splitlines()[0].split()[:VERSION_WORDS])


def _package(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def describe() -> list[tuple[str, str]]:
    """(what, value) rows for the report's machine table."""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    cores = psutil.cpu_count(logical=False) or os.cpu_count() or 0
    threads = os.cpu_count() or 0
    rows = [
        ("CPU", _cpu_model()),
        ("cores", f"{cores} ({threads} logical)"),
        ("RAM", f"{psutil.virtual_memory().total / GIB:.1f} GiB"),
        ("OS", f"{_os_name()} (Linux {platform.release()})"),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("load average at start (1, 5, 15 min)", load),
        (
            "packages",
            f"httpx {_package('httpx')}, uvicorn {_package('uvicorn')}, "
            f"wechatpy {_package('wechatpy')}, requests {_package('requests')}",
        ),
    ]
    rows.append(
        (
            "measured with",
            "wall: monotonic clock around the process; CPU: `wait4` rusage of the process; "
            + (
                "peak RSS: GNU time's %M"
                if os.path.exists("/usr/bin/time")
                else "peak RSS: `wait4` (GNU time missing: includes the launcher's own RSS)"
            ),
        )
    )
    for argv in (["nginx", "-v"], ["aria2c", "--version"], ["curl", "--version"]):
        version = tool_version(argv)
        rows.append((argv[0], version if version else "not installed"))
    return rows
