"""IDs in: text and files become rows (paste, drop, open, type).

``add_text`` and ``add_paths`` are the plain coroutines the window's slots start as
named tasks (``task_names.ADD_TEXT`` / ``ADD_FILES``) and tests await. Big inputs are
parsed in a worker thread; rows go into the model in batches so the window paints
between them. The status line says what was taken: "Added 1,204 IDs (3 duplicates,
2 lines without an ID)"; the input banner names the first malformed IDs with their line
and core's reason, as the command line lists them, and never calls refused IDs "none
found".
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject

from tcb_gui.core.errors import InputError
from tcb_gui.core.fileids import (
    WINDOW_READS,
    FileId,
    IdScan,
    Malformed,
    find_ids,
    merge_scans,
    read_ids_from_path,
)
from tcb_gui.ui import task_names
from tcb_gui.ui.core_text import core_text
from tcb_gui.ui.drop import DropPayload
from tcb_gui.ui.formatting import plural
from tcb_gui.ui.gc_freeze import make_long_lived, settle_long_lived
from tcb_gui.ui.notifier import Notifier
from tcb_gui.ui.palette import Tone
from tcb_gui.ui.results_model import ResultsModel
from tcb_gui.ui.tasks import TaskKeeper

# Text longer than this is parsed in a worker thread (a few ms of regex work at most
# stays on the loop).
INLINE_PARSE_MAX_CHARS = 64 * 1024
# Rows inserted per model change while taking a huge list; the loop breathes between
# batches, so no single step holds the window for long.
ROW_INSERT_BATCH = 2_000
BANNER = "input"
# Malformed IDs the input banner names (the command line lists 10): a banner stays a
# few lines tall, and the count says how many more there were.
MALFORMED_SHOWN = 5
# A refused ID longer than this is shown by its start and end (the banner is one line
# per ID, and a long key would run past the window's edge); the command line prints it
# whole.
SHOWN_ID_CHARS = 120


def shortened(text: str) -> str:
    """``text`` whole, or its first and last characters around "…" when it is long."""
    if len(text) <= SHOWN_ID_CHARS:
        return text
    tail = SHOWN_ID_CHARS // 3
    return f"{text[: SHOWN_ID_CHARS - tail - 1]}…{text[-tail:]}"


@dataclass(slots=True)
class AddOutcome:
    """What one add (paste, drop, file) took."""

    added: int = 0
    duplicates: int = 0
    lines_without_id: int = 0
    malformed: int = 0
    refused: tuple[Malformed, ...] = ()  # the first MALFORMED_SHOWN malformed IDs
    from_files: bool = False  # the malformed IDs' lines are named with their file
    errors: list[str] = field(default_factory=list)


class IdsPresenter(QObject):
    """Finds IDs in what the user hands over and appends the new ones to the model."""

    def __init__(
        self,
        model: ResultsModel,
        notifier: Notifier,
        tasks: TaskKeeper,
        *,
        name_list: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(model)
        self.model = model
        self.notifier = notifier
        self.tasks = tasks
        # Told the list's name when files start an empty list (History, export names).
        self._name_list = name_list

    def add_payload(self, payload: DropPayload, source: str) -> None:
        """Take dropped or pasted files or text, in a task of their own."""
        if payload.paths:
            self.add_files_later([Path(p) for p in payload.paths])
        elif payload.text:
            self.tasks.start_unique(task_names.ADD_TEXT, self.add_text(payload.text, source=source))

    def add_files_later(self, paths: Sequence[Path]) -> None:
        self.tasks.start_unique(task_names.ADD_FILES, self.add_paths(list(paths)))

    async def add_text(self, text: str, *, source: str = "") -> AddOutcome:
        """Find IDs in ``text`` and append the new ones."""
        try:
            if len(text) > INLINE_PARSE_MAX_CHARS:
                scan = await asyncio.to_thread(make_long_lived, find_ids, text, source=source)
            else:
                scan = find_ids(text, source=source)
        except InputError as exc:
            outcome = AddOutcome(errors=[core_text(exc.message)])
            self._report(outcome, source)
            return outcome
        return await self._take_scan(scan, [], source)

    async def add_paths(self, paths: Sequence[Path]) -> AddOutcome:
        """Read IDs from files (off the loop); unreadable files are reported, not fatal.
        Files only (``WINDOW_READS``): a pipe, a device or a folder is refused by name."""
        scans: list[IdScan] = []
        read: list[Path] = []  # the files IDs may have come from: the refused are not named
        errors: list[str] = []
        for path in paths:
            try:
                scans.append(
                    await asyncio.to_thread(
                        make_long_lived, read_ids_from_path, path, reads=WINDOW_READS
                    )
                )
                read.append(path)
            except InputError as exc:
                errors.append(core_text(exc.message))
            except OSError as exc:
                errors.append(
                    self.tr("Cannot read {name}: {reason}").format(
                        name=path.name, reason=exc.strerror or type(exc).__name__
                    )
                )
        if len(scans) > 1:
            # Merging re-takes every ID (~30 ms at 100,000): not on the loop.
            scans = [await asyncio.to_thread(make_long_lived, merge_scans, *scans)]
        scan = scans[0] if scans else None
        names = ", ".join(p.name for p in read[:3]) + ("…" if len(read) > 3 else "")
        list_name = read[0].name if len(read) == 1 else names
        return await self._take_scan(scan, errors, names, list_name=list_name, from_files=True)

    async def _take_scan(
        self,
        scan: IdScan | None,
        errors: list[str],
        source: str,
        *,
        list_name: str = "",
        from_files: bool = False,
    ) -> AddOutcome:
        outcome = AddOutcome(errors=list(errors), from_files=from_files)
        new_list = scan is not None and scan.ids and self.model.rowCount() == 0
        if new_list and self._name_list is not None:
            self._name_list(list_name)
        if scan is not None:
            outcome.duplicates = scan.duplicates
            outcome.lines_without_id = scan.lines_without_id
            outcome.malformed = scan.malformed_count
            outcome.refused = scan.malformed[:MALFORMED_SHOWN]
            ids: tuple[FileId, ...] = scan.ids
            settle_long_lived()  # the parsed IDs live on in the rows
            for start in range(0, len(ids), ROW_INSERT_BATCH):
                added, dupes = self.model.append_ids(ids[start : start + ROW_INSERT_BATCH])
                outcome.added += added
                outcome.duplicates += dupes
                if start + ROW_INSERT_BATCH < len(ids):
                    settle_long_lived()
                    await asyncio.sleep(0)  # let the window paint between batches
            settle_long_lived()
        self._report(outcome, source)
        return outcome

    def _report(self, outcome: AddOutcome, source: str) -> None:
        parts = []
        if outcome.duplicates:
            parts.append(
                plural(outcome.duplicates, self.tr("1 duplicate"), self.tr("{n} duplicates"))
            )
        if outcome.lines_without_id:
            parts.append(
                plural(
                    outcome.lines_without_id,
                    self.tr("1 line without an ID"),
                    self.tr("{n} lines without an ID"),
                )
            )
        if outcome.malformed:
            parts.append(
                plural(outcome.malformed, self.tr("1 malformed ID"), self.tr("{n} malformed IDs"))
            )
        head = plural(outcome.added, self.tr("Added 1 ID"), self.tr("Added {n} IDs"))
        # Whole templates, not joined words: a translation may order and punctuate them.
        summary = (
            self.tr("{added} ({details})").format(added=head, details=self.tr(", ").join(parts))
            if parts
            else head
        )
        if source:
            summary = self.tr("{summary} from {source}").format(summary=summary, source=source)
        notifier = self.notifier
        refused = self._refused_lines(outcome)
        if outcome.errors:
            notifier.show_banner(BANNER, Tone.DANGER, "\n".join([*outcome.errors, *refused]))
        elif refused:
            notifier.show_banner(BANNER, Tone.WARNING, "\n".join(refused))
        elif outcome.added == 0 and not outcome.duplicates:
            notifier.show_banner(
                BANNER,
                Tone.WARNING,
                self.tr(
                    "No cloud:// IDs found in {source}. An ID looks like "
                    "cloud://env-id.bucket/path/file.png"
                ).format(source=source)
                if source
                else self.tr(
                    "No cloud:// IDs found. An ID looks like cloud://env-id.bucket/path/file.png"
                ),
            )
        else:
            notifier.hide_banner(BANNER)
        notifier.show_status(summary)

    def _refused_lines(self, outcome: AddOutcome) -> list[str]:
        """The banner's lines for the malformed IDs: a headline, then the first few with
        their line and core's reason ("Line 2: environment ID may hold only …: cloud://…").
        Nothing when there were none."""
        count = outcome.malformed
        if not count:
            return []
        if outcome.added == 0 and not outcome.duplicates:
            head = plural(
                count,
                self.tr("Found 1 cloud:// ID, but it is not valid:"),
                self.tr("Found {n} cloud:// IDs, none of them valid:"),
            )
        else:
            head = plural(
                count,
                self.tr("1 malformed ID was not added:"),
                self.tr("{n} malformed IDs were not added:"),
            )
        lines = [head]
        for bad in outcome.refused:
            reason = core_text(bad.reason)
            if outcome.from_files and bad.source:
                where = self.tr("{file}, line {line}").format(
                    file=Path(bad.source).name, line=bad.line
                )
            else:
                where = self.tr("Line {line}").format(line=bad.line)
            lines.append(
                self.tr("{where}: {reason}: {id}").format(
                    where=where, reason=reason, id=shortened(bad.text)
                )
            )
        more = count - len(outcome.refused)
        if more:
            lines.append(
                plural(
                    more,
                    self.tr("… and 1 more malformed ID"),
                    self.tr("… and {n} more malformed IDs"),
                )
            )
        return lines
