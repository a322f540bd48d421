"""Build, refresh and check the app's translations.

    python resources/translations/compile.py            compile every *.ts here into
                                                         tcb_gui/resources/translations/*.qm
    python resources/translations/compile.py --update   refresh the *.ts from the sources
                                                         (pyside6-lupdate over tcb_gui/**/*.py)
    python resources/translations/compile.py --check    exit 1 when a *.ts is out of date
                                                         or has unfinished or wrong entries

The ``.ts`` files (``tcb_gui_<locale>.ts``) are the translators' sources and are
committed; the ``.qm`` files are built (``ui/i18n.py`` loads
``tcb_gui/resources/translations/tcb_gui_<locale>.qm``, ``packaging/spec_support.py``
compiles the same sources into the bundle) and never committed.

``--check`` compares messages, not line numbers: the ``.ts`` is kept without source
locations so that editing code elsewhere in a file does not make it stale.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PACKAGE = "tcb_gui"
# Where ui/i18n.py looks for compiled catalogues (TRANSLATIONS_DIR there).
QM_DIR = ROOT / PACKAGE / "resources" / "translations"
CATALOGUE = "tcb_gui"
TS_NAME = re.compile(rf"^{CATALOGUE}_(?P<locale>[A-Za-z]{{2,3}}(?:_[A-Za-z]{{2,4}})?)\.ts$")

# lupdate options: no source locations (line numbers churn with every edit) and no
# obsolete entries (a message the code no longer has is not kept around as "vanished").
LUPDATE_OPTIONS = ("-locations", "none", "-no-obsolete", "-silent")

# Qt's argument markers (%1 … %99, %L1, %n, %Ln) and Python's str.format fields ({n},
# {m:02d}); a translation must keep the same multiset of both.
_QT_ARG = re.compile(r"%L?(?:\d{1,2}|n)")
_FORMAT_FIELD = re.compile(r"\{[^{}]*\}")
# "&&" is a literal ampersand; "&x" marks the mnemonic x.
_MNEMONIC = re.compile(r"&(&|.)", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Message:
    """One message of a ``.ts`` file, as the translation check sees it."""

    context: str
    source: str
    comment: str  # the disambiguation, part of the key
    numerus: bool
    kind: str  # "" (finished), "unfinished", "vanished" or "obsolete"
    translations: tuple[str, ...]  # one, or the numerus forms

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.context, self.source, self.comment)


def find_tool(name: str) -> str:
    """PySide6's ``pyside6-<name>`` beside this Python, else on PATH."""
    here = Path(sys.executable).parent
    for candidate in (here / f"pyside6-{name}", here / f"pyside6-{name}.exe"):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    for command in (f"pyside6-{name}", name):
        found = shutil.which(command)
        if found:
            return found
    raise FileNotFoundError(f"no pyside6-{name}: install PySide6 (pip install -e '.[dev]')")


def translation_sources(folder: Path = HERE) -> list[Path]:
    return sorted(p for p in folder.glob("*.ts") if TS_NAME.match(p.name))


def python_sources(root: Path = ROOT) -> list[Path]:
    """The files lupdate reads: every module of the package."""
    return sorted(
        p for p in (root / PACKAGE).rglob("*.py") if "__pycache__" not in p.relative_to(root).parts
    )


def qm_path(ts: Path, out_dir: Path = QM_DIR) -> Path:
    return out_dir / ts.with_suffix(".qm").name


def compile_all(out_dir: Path = QM_DIR, sources: Iterable[Path] | None = None) -> list[Path]:
    """``pyside6-lrelease`` every ``.ts`` into ``out_dir``; return the ``.qm`` files."""
    tool = find_tool("lrelease")
    out_dir.mkdir(parents=True, exist_ok=True)
    built = []
    for ts in translation_sources() if sources is None else sources:
        target = qm_path(ts, out_dir)
        # Built beside it and renamed over it: a window running from this checkout has the
        # old file mapped, and rewriting it in place turned that window half English.
        fresh = target.with_name(f".{target.name}.new")
        subprocess.run(  # noqa: S603 (Qt's tool, paths from this project)
            [tool, "-silent", str(ts), "-qm", str(fresh)], check=True, stdin=subprocess.DEVNULL
        )
        os.replace(fresh, target)
        built.append(target)
    return built


def run_lupdate(ts: Path, sources: Sequence[Path] | None = None) -> None:
    """Create or refresh ``ts`` from the Python sources (existing translations kept)."""
    files = python_sources() if sources is None else list(sources)
    subprocess.run(  # noqa: S603 (Qt's tool, paths from this project)
        [find_tool("lupdate"), *LUPDATE_OPTIONS, *map(str, files), "-ts", str(ts)],
        check=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
    )


def read_messages(ts: Path) -> list[Message]:
    """Every message of a ``.ts`` file (finished or not)."""
    messages = []
    # The project's own files (or lupdate's output), not untrusted input.
    for context in ET.parse(ts).getroot().iter("context"):  # noqa: S314
        name = context.findtext("name") or ""
        for node in context.iter("message"):
            translation = node.find("translation")
            kind = "unfinished"
            texts: tuple[str, ...] = ()
            if translation is not None:
                kind = translation.get("type", "")
                forms = translation.findall("numerusform")
                texts = tuple(f.text or "" for f in forms) if forms else (translation.text or "",)
            messages.append(
                Message(
                    context=name,
                    source=node.findtext("source") or "",
                    comment=node.findtext("comment") or "",
                    numerus=node.get("numerus") == "yes",
                    kind=kind,
                    translations=texts,
                )
            )
    return messages


def current_messages(sources: Sequence[Path] | None = None) -> list[Message]:
    """What lupdate finds in the sources now (into a scratch file)."""
    with tempfile.TemporaryDirectory(prefix="tcb-lupdate-") as scratch:
        ts = Path(scratch) / f"{CATALOGUE}_xx.ts"
        run_lupdate(ts, sources)
        return read_messages(ts)


def placeholders(text: str) -> Counter[str]:
    return Counter(_QT_ARG.findall(text) + _FORMAT_FIELD.findall(text))


def mnemonics(text: str) -> list[str]:
    """The mnemonic letters of ``text`` (upper case), "&&" not counted."""
    return [m.upper() for m in _MNEMONIC.findall(text) if m != "&"]


def message_problems(message: Message) -> list[str]:
    """What is wrong with one translated message, in words (empty when it is fine)."""
    where = f"{message.context}: {message.source!r}"
    if message.kind in ("vanished", "obsolete"):
        return [f"{where} is {message.kind} (the code no longer has it)"]
    if message.kind == "unfinished":
        return [f"{where} is unfinished"]
    problems = []
    if not message.translations or not all(t.strip() for t in message.translations):
        problems.append(f"{where} has an empty translation")
    want = placeholders(message.source)
    for text in message.translations:
        if text and placeholders(text) != want:
            problems.append(
                f"{where}: placeholders {sorted(placeholders(text).elements())} "
                f"!= {sorted(want.elements())} in {text!r}"
            )
        if text and mnemonics(text) != mnemonics(message.source):
            problems.append(f"{where}: mnemonic {mnemonics(text)} != source's in {text!r}")
        if message.numerus and "%n" in message.source and "%n" not in text:
            problems.append(f"{where}: numerus form without %n: {text!r}")
    return problems


def ts_problems(ts: Path, expected: Sequence[Message]) -> list[str]:
    """Why ``ts`` does not match the messages the sources have now."""
    have = {m.key: m for m in read_messages(ts)}
    wanted = {m.key for m in expected}
    problems = []
    for key in sorted(wanted - have.keys()):
        problems.append(f"{key[0]}: {key[1]!r} is missing (run compile.py --update)")
    for key in sorted(have.keys() - wanted):
        problems.append(f"{key[0]}: {key[1]!r} is no longer in the code (run --update)")
    for key in sorted(have.keys() & wanted):
        problems.extend(message_problems(have[key]))
    numerus = {m.key for m in expected if m.numerus}
    for key in sorted(numerus & have.keys()):
        if not have[key].numerus:
            problems.append(f"{key[0]}: {key[1]!r} must be a numerus entry")
    return problems


def check(sources: Sequence[Path] | None = None) -> list[str]:
    """Problems of every ``.ts`` here against the current sources."""
    tss = translation_sources()
    if not tss:
        return [f"no {CATALOGUE}_<locale>.ts in {HERE.relative_to(ROOT).as_posix()}"]
    expected = current_messages(sources)
    return [f"{ts.name}: {p}" for ts in tss for p in ts_problems(ts, expected)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--update", action="store_true", help="refresh the .ts from the code")
    group.add_argument("--check", action="store_true", help="fail if a .ts is not complete")
    parser.add_argument(
        "--out", type=Path, default=QM_DIR, help="folder for the .qm files (default: the package)"
    )
    args = parser.parse_args(argv)
    if args.update:
        for ts in translation_sources():
            run_lupdate(ts)
            print(f"updated {ts.relative_to(ROOT).as_posix()}")
        return 0
    if args.check:
        problems = check()
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print(f"{len(problems)} translation problem(s)", file=sys.stderr)
            return 1
        print("translations complete and current")
        return 0
    for qm in compile_all(args.out):
        print(f"compiled {qm.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
