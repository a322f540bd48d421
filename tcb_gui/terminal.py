"""Progress on stderr for the command line: a live bar on a terminal, a line every few
seconds otherwise (README "Command line"), so logs of scripted runs stay readable."""

from __future__ import annotations

import shutil
import sys
import time
from typing import TextIO

from tcb_gui.core.export import shown_safely

__all__ = ["Progress", "human_bytes", "human_duration", "shown_safely"]

# How often a non-terminal stream gets a progress line.
LOG_INTERVAL_S = 5.0
# How often the live bar is redrawn at most.
TTY_INTERVAL_S = 0.1


def human_bytes(count: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(count) < 1024 or unit == "GiB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} GiB"  # unreachable, keeps mypy content


def human_duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


class Progress:
    """One progress line, redrawn in place on a terminal, logged periodically elsewhere."""

    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())
        self.started = time.monotonic()
        self._last = 0.0
        self._drawn = False

    def update(self, done: int, total: int, detail: str = "", *, force: bool = False) -> None:
        now = time.monotonic()
        interval = TTY_INTERVAL_S if self.live else LOG_INTERVAL_S
        if not force and now - self._last < interval:
            return
        self._last = now
        elapsed = human_duration(now - self.started)
        text = f"{self.label}: {done:,}/{total:,}"
        if detail:
            text += f" · {detail}"
        text += f" · {elapsed}"
        if self.live:
            width = shutil.get_terminal_size((80, 20)).columns
            bar_width = max(10, min(30, width - len(text) - 4))
            filled = int(bar_width * done / total) if total else bar_width
            line = f"[{'#' * filled}{'.' * (bar_width - filled)}] {text}"
            self.stream.write("\r" + line[: width - 1].ljust(width - 1))
            self._drawn = True
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def finish(self, message: str) -> None:
        if self.live and self._drawn:
            # Blanked with spaces, not an escape sequence: the command line's stderr shows
            # control characters instead of sending them (cli._MessageStream).
            width = shutil.get_terminal_size((80, 20)).columns
            self.stream.write("\r" + " " * (width - 1) + "\r")
        self.stream.write(message + "\n")
        self.stream.flush()
