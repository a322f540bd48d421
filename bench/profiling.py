"""Where a client's CPU goes: a cProfile dump summarised as two report tables."""

from __future__ import annotations

import pstats
import sys
from dataclasses import dataclass, field
from pathlib import Path

# Rows of each profile table.
PROFILE_ROWS = 12
# C functions that run while modules are imported: loading code, building classes.
_IMPORT_BUILTINS = (
    "marshal.loads",
    "builtins.exec",
    "builtins.__build_class__",
    "_imp.",
)


def cprofile_argv(prof: Path, tcb_gui_args: list[str]) -> list[str]:
    """``python -m cProfile -o PROF -m tcb_gui ARGS…``: our command line under the profiler."""
    return [sys.executable, "-m", "cProfile", "-o", str(prof), "-m", "tcb_gui", *tcb_gui_args]


def _short(filename: str, project_root: Path) -> str:
    """A profile entry's file, without this machine's paths: ``httpx/_client.py``."""
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1]
    if "/lib/python3" in filename:  # the standard library: drop "…/lib/python3.11/"
        return filename.split("/lib/python3", 1)[1].split("/", 1)[-1]
    return filename.replace(str(project_root) + "/", "")


def _area(filename: str, function: str, project_root: Path) -> str:
    """What a function belongs to: one of our modules, a library, C built-ins, imports."""
    if filename == "~":
        # "<method 'strftime' of 'datetime.date' objects>", "<built-in method posix.stat>"
        if any(name in function for name in _IMPORT_BUILTINS):
            return "imports (start-up)"
        if " of '" in function:
            owner = function.split(" of '", 1)[1].split("'", 1)[0]
            return f"C methods of `{owner}`"
        return "C built-in functions (socket, select, stat, …)"
    if "importlib" in filename or filename.startswith("<frozen"):
        return "imports (start-up)"
    shown = _short(filename, project_root)
    if shown.startswith(("re/_parser.py", "re/_compiler.py")):
        return "regular expressions compiled (mostly at import)"
    if shown.startswith(("tcb_gui/", "bench/")):
        return f"`{shown}`"
    return f"{shown.split('/', 1)[0].removesuffix('.py')} (library)"


# Frames that hold the whole run, left out of the cumulative ranking: the interpreter
# running the module, the profiler, the event loop's entry points and the command line.
_WRAPPER_FILES = (
    "runpy.py",
    "cProfile.py",
    "profile.py",
    "asyncio/runners.py",
    "asyncio/events.py",
    "<string>",
)
_WRAPPER_FUNCTIONS = (
    "builtins.exec",
    "<module>",
    "run_until_complete",
    "run_forever",
    "_run_once",
    "'run' of '_contextvars.Context'",
)


@dataclass(frozen=True, slots=True)
class ProfileSummary:
    total: float  # seconds of own time in the dump
    areas: list[tuple[str, str, str]]  # (area, own s, share)
    functions: list[tuple[str, str, str, str]]  # (function, calls, own s, share)
    # (function, calls, cumulative s, share of the whole run's time); the wrappers of the
    # whole run and the import machinery left out (imports show among the areas)
    cumulative: list[tuple[str, str, str, str]] = field(default_factory=list)

    def top_area(self) -> str:
        return self.areas[0][0] if self.areas else "nothing"


def summarise(prof: Path, project_root: Path, rows: int = PROFILE_ROWS) -> ProfileSummary:
    stats = pstats.Stats(str(prof))
    entries = stats.stats  # type: ignore[attr-defined]
    total = sum(value[2] for value in entries.values()) or 1e-9
    by_area: dict[str, float] = {}
    for (filename, _, function), (_, _, own, _, _) in entries.items():
        key = _area(filename, function, project_root)
        by_area[key] = by_area.get(key, 0.0) + own
    areas = [
        (name, f"{own:.2f}", f"{own / total:.0%}")
        for name, own in sorted(by_area.items(), key=lambda kv: -kv[1])[:rows]
    ]

    def name(filename: str, line: int, function: str) -> str:
        shown = _short(filename, project_root)
        return f"`{function if filename == '~' else f'{shown}:{line} {function}'}`"

    functions = []
    for (filename, line, function), (_, calls, own, _, _) in sorted(
        entries.items(), key=lambda kv: -kv[1][2]
    )[:rows]:
        where = name(filename, line, function)
        functions.append((where, f"{calls:,}", f"{own:.2f}", f"{own / total:.0%}"))
    cumulative: list[tuple[str, str, str, str]] = []
    # The whole run: the outermost frame's cumulative time (own times miss the profiler's
    # gaps, and coroutines resumed many times count their frames more than once).
    whole = max((value[3] for value in entries.values()), default=total) or total
    for (filename, line, function), (_, calls, _, cum, _) in sorted(
        entries.items(), key=lambda kv: -kv[1][3]
    ):
        if len(cumulative) >= rows:
            break
        if filename.endswith(_WRAPPER_FILES) or any(w in function for w in _WRAPPER_FUNCTIONS):
            continue
        if "importlib" in filename or filename.startswith("<frozen"):
            continue
        if _short(filename, project_root) in ("tcb_gui/__main__.py", "tcb_gui/cli.py") and (
            function in ("main", "_main", "run")
        ):
            continue
        where = name(filename, line, function)
        cumulative.append((where, f"{calls:,}", f"{cum:.2f}", f"{cum / whole:.0%}"))
    return ProfileSummary(total, areas, functions, cumulative)
