"""The benchmark report: sections of tables, targets and plots, rendered to Markdown.

A benchmark module gets the ``Report``, opens a ``Section`` and fills it from what it
measured; nothing in the report is typed by hand. Commands are shown as a reader would
type them: the project's ``.venv/bin/…``, ``$WORK`` for the temporary folder and names
such as ``$DEMO`` for the servers' addresses, never this machine's absolute paths.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PASS = "**PASS**"
MISS = "**MISS**"
NOT_MEASURED = "n/a"


def plain_log_ticks(axis: Any) -> None:
    """Label a log axis with plain numbers ("200", not "2×10²"), minor ticks at 2 and 5 only."""
    from matplotlib.ticker import FuncFormatter

    def major(value: float, _: object) -> str:
        return f"{value:g}"

    def minor(value: float, _: object) -> str:
        text = f"{value:g}"
        return text if text.lstrip("0.")[:1] in ("2", "5") else ""

    axis.set_major_formatter(FuncFormatter(major))
    axis.set_minor_formatter(FuncFormatter(minor))


@dataclass(frozen=True, slots=True)
class Target:
    """One stated target next to the figure measured for it."""

    name: str
    measured: str
    goal: str
    passed: bool | None  # None: could not be measured yet (shown as n/a)

    @property
    def verdict(self) -> str:
        if self.passed is None:
            return NOT_MEASURED
        return PASS if self.passed else MISS


def md_table(
    headers: Sequence[str], rows: Sequence[Sequence[object]], *, numeric: bool = True
) -> str:
    """A Markdown table; the first column left-aligned, the others right-aligned if numeric."""

    def cell(value: object) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    align = [":---"] + [("---:" if numeric else ":---")] * (len(headers) - 1)
    lines = ["| " + " | ".join(cell(h) for h in headers) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


@dataclass(slots=True)
class Section:
    """One benchmark's part of the report, in the order things were added."""

    title: str
    report: Report
    blocks: list[str] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)

    def text(self, markdown: str) -> None:
        self.blocks.append(markdown.strip())

    def heading(self, title: str) -> None:
        self.blocks.append(f"### {title}")

    def commands(self, *argvs: Sequence[str] | str) -> None:
        """The exact commands that produced the figures, as a reader would type them."""
        lines = [a if isinstance(a, str) else self.report.shown(a) for a in argvs]
        self.blocks.append("```sh\n" + "\n".join(lines) + "\n```")

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
        self.blocks.append(md_table(headers, rows))

    def target(self, name: str, measured: str, goal: str, passed: bool | None) -> Target:
        """Record a target; ``targets_table`` renders those recorded so far."""
        target = Target(name, measured, goal, passed)
        self.targets.append(target)
        self.report.targets.append((self.title, target))
        return target

    def targets_table(self, targets: Sequence[Target] | None = None) -> None:
        chosen = self.targets if targets is None else targets
        rows = [(t.name, t.measured, t.goal, t.verdict) for t in chosen]
        self.blocks.append(md_table(["target", "measured", "goal", "result"], rows, numeric=False))

    def plot(self, path: Path, alt: str) -> None:
        relative = os.path.relpath(path, self.report.out_path.parent)
        self.blocks.append(f"![{alt}]({Path(relative).as_posix()})")

    def failed(self, what: str, error: BaseException) -> None:
        """A part that could not be measured says so instead of showing a number."""
        self.blocks.append(f"> **Not measured — {what}:** {type(error).__name__}: {error}")

    def render(self) -> str:
        return f"## {self.title}\n\n" + "\n\n".join(self.blocks) + "\n"


class Report:
    """Everything one ``python -m bench`` run found; ``write()`` renders it to Markdown."""

    def __init__(
        self,
        *,
        project_root: Path,
        out_path: Path,
        plot_dir: Path,
        quick: bool,
        command: str,
        install_missing: bool = True,
    ) -> None:
        self.project_root = project_root.resolve()
        self.out_path = out_path
        self.plot_dir = plot_dir
        self.quick = quick
        self.command = command
        # Benchmarks may apt-get install a missing peer tool (nginx, aria2c, curl).
        self.install_missing = install_missing
        self.intro: list[str] = []
        self.machine: list[tuple[str, str]] = []
        self.sections: list[Section] = []
        self.targets: list[tuple[str, Target]] = []
        self.footer: list[str] = []
        self._aliases: dict[str, str] = {}
        # Temporary data sits on the project's disk (benchmarks write GBs; /tmp may be
        # a small RAM disk elsewhere) in a git-ignored folder, deleted after each use.
        self.work_root = self.project_root / "bench" / "out"
        self.alias(str(Path(sys.executable).parent), ".venv/bin")
        self.alias(str(self.project_root), ".")

    # -- what benchmarks use -----------------------------------------------------------

    def section(self, title: str) -> Section:
        section = Section(title, self)
        self.sections.append(section)
        return section

    def alias(self, real: str, shown: str) -> None:
        """Show ``real`` (a path, an address) as ``shown`` in every command."""
        self._aliases[real] = shown

    def shown(self, argv: Sequence[str]) -> str:
        words = []
        for word in argv:
            # Longest first, so a temp folder inside the project wins over the project.
            for real in sorted(self._aliases, key=len, reverse=True):
                word = word.replace(real, self._aliases[real])
            words.append(word if word.startswith("$") else shlex.quote(word))
        return " ".join(words).replace("'$", "$")

    @contextlib.contextmanager
    def workdir(self, name: str) -> Iterator[Path]:
        """A fresh temporary folder on the project's disk, shown as ``$WORK``; deleted after."""
        self.work_root.mkdir(parents=True, exist_ok=True)
        path = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=self.work_root))
        self.alias(str(path), "$WORK")
        try:
            yield path
        finally:
            shutil.rmtree(path, ignore_errors=True)
            self._aliases.pop(str(path), None)

    def plot_path(self, name: str) -> Path:
        self.plot_dir.mkdir(parents=True, exist_ok=True)
        return self.plot_dir / name

    # -- output ------------------------------------------------------------------------

    def render(self) -> str:
        parts = ["# Benchmarks", *self.intro]
        parts.append("## The machine\n\n" + md_table(["", ""], self.machine, numeric=False))
        if self.targets:
            rows = [(where, t.name, t.measured, t.goal, t.verdict) for where, t in self.targets]
            parts.append(
                "## Targets at a glance\n\n"
                + md_table(
                    ["benchmark", "target", "measured", "goal", "result"], rows, numeric=False
                )
            )
        parts += [s.render().strip() for s in self.sections]
        parts += self.footer
        return "\n\n".join(p.strip() for p in parts) + "\n"

    def write(self) -> Path:
        self.out_path.parent.mkdir(parents=True, exist_ok=True)
        self.out_path.write_text(self.render(), encoding="utf-8")
        return self.out_path
