"""Results out: JSON, CSV, TSV and plain link lists, the same bytes from the command line
and the window (README "Command line")."""

from __future__ import annotations

import io
import json
import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tcb_gui.core.errors import InputError, MessageTemplate
from tcb_gui.core.export_formats import ExportFormat

if TYPE_CHECKING:
    from tcb_gui.core.client import LinkResult

COLUMNS = ("fileid", "env", "ok", "status", "errmsg", "download_url", "expires_at")


def iso_utc(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a 'Z', to the second: ``2026-11-29T06:01:54Z``."""
    if moment is None:
        return None
    m = moment if moment.tzinfo is UTC else moment.astimezone(UTC)
    return f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}Z"


def is_working(result: LinkResult, now: datetime | None = None) -> bool:
    """A link that can be used now: resolved and not past its expiry."""
    if not result.ok or not result.download_url:
        return False
    if result.expires_at is None:
        return True
    return result.expires_at > (now or datetime.now(UTC))


class _Records:
    """Builds the record of each row once; an expiry time shared by a whole batch is
    formatted once (100,000 rows carry about 2,000 distinct expiry times)."""

    __slots__ = ("_iso",)

    def __init__(self) -> None:
        self._iso: dict[datetime, str | None] = {}

    def expiry(self, moment: datetime | None) -> str | None:
        if moment is None:
            return None
        text = self._iso.get(moment)
        if text is None:
            text = self._iso[moment] = iso_utc(moment)
        return text

    def record(self, result: LinkResult) -> dict[str, Any]:
        return {
            "fileid": result.fileid.raw,
            "env": result.fileid.env,
            "ok": result.ok,
            "status": result.status,
            "errmsg": result.errmsg,
            "download_url": result.download_url,
            "expires_at": self.expiry(result.expires_at),
        }

    def cells(self, result: LinkResult) -> list[str]:
        """The CSV/TSV cells of a row, each on one line."""
        return [
            result.fileid.raw,
            result.fileid.env,
            "true" if result.ok else "false",
            "" if result.status is None else str(result.status),
            _one_line(result.errmsg),
            result.download_url or "",
            self.expiry(result.expires_at) or "",
        ]


# Control characters other than tab and line breaks: C0, DEL and C1.
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def shown_safely(text: str) -> str:
    """``text`` with its control characters (but tab and line breaks) written as ``\\x1b``
    and the like. What the faces print or export repeats what inputs and the service
    said (a malformed ID from a list, the service's errmsg), and an escape sequence in it
    would drive the reader's terminal: retitle it, clear it, hide or rewrite lines."""
    if text.isprintable():
        return text
    return _CONTROL_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _one_line(text: str) -> str:
    """Tabs and line breaks would break TSV rows (IDs and links never hold them); other
    control characters are shown safely (``tcb-gui resolve`` writes TSV to the terminal
    by default)."""
    if text.isprintable():
        return text
    if "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\t", " ").replace("\r", " ").replace("\n", " ")
    return shown_safely(text)


# Formats that hold working links only (a row without one is left out), not every row.
LINK_FORMATS = frozenset({ExportFormat.URLS, ExportFormat.ARIA2, ExportFormat.CURL})


@dataclass(slots=True)
class ExportTally:
    """What an export wrote, counted as it writes: ``written`` records (rows, or links for
    ``LINK_FORMATS``); the rows a links export left out because their link has expired
    (``expired``: a refresh renews them) or because they have none (``no_link``: failed or
    not resolved). The faces say it, not the number of rows they handed over."""

    written: int = 0
    expired: int = 0
    no_link: int = 0

    def working(self, result: LinkResult, moment: datetime) -> bool:
        """Whether a links export writes ``result``, counted either way."""
        if is_working(result, moment):
            self.written += 1
            return True
        if result.ok and result.download_url:
            self.expired += 1
        else:
            self.no_link += 1
        return False


def iter_export(
    results: Iterable[LinkResult],
    fmt: ExportFormat | str,
    *,
    now: datetime | None = None,
    tally: ExportTally | None = None,
) -> Iterator[str]:
    """The export as chunks of text, rows in the order given: written as they come, a
    100,000-row export never exists as one string. ``tally`` counts what it writes."""
    fmt = ExportFormat(fmt)
    records = _Records()
    counted = ExportTally() if tally is None else tally
    moment = now or datetime.now(UTC)
    if fmt in (ExportFormat.ARIA2, ExportFormat.CURL):
        yield from _downloader_input(results, fmt, records, moment, counted)
    elif fmt is ExportFormat.URLS:
        for r in results:
            if counted.working(r, moment):
                yield f"{r.download_url}\n"
    elif fmt is ExportFormat.JSON:
        # The same text as json.dumps(list, indent=2), one record at a time.
        first = True
        for r in results:
            body = json.dumps(records.record(r), ensure_ascii=False, indent=2)
            yield ("[\n  " if first else ",\n  ") + body.replace("\n", "\n  ")
            first = False
            counted.written += 1
        yield "[]\n" if first else "\n]\n"
    elif fmt is ExportFormat.TSV:
        # Plain tab-separated lines, no quoting: keys may hold quotes, never tabs.
        yield "\t".join(COLUMNS) + "\n"
        for r in results:
            yield "\t".join(records.cells(r)) + "\n"
            counted.written += 1
    else:
        import csv  # only here: the settings and the command line import this module

        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for r in results:
            writer.writerow(records.cells(r))
            counted.written += 1
            if buffer.tell() > _CSV_CHUNK:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()


def _downloader_input(
    results: Iterable[LinkResult],
    fmt: ExportFormat,
    records: _Records,
    moment: datetime,
    tally: ExportTally,
) -> Iterator[str]:
    """Working links as another downloader's input: each with a comment saying when it
    expires, and the file's path as ``tcb-gui download`` would save it (``<env>/<key>``,
    sanitised: a key from the service never names a place outside the folder).

    Two keys that sanitise alike (``a:b.txt``, ``a_b.txt``) get the download's
    "name (n).ext" (``paths.unique_path``, the engine's rule), in input order over every
    row (a download names a file it then fails, or whose link it renews, too), compared
    as the platform's usual file system compares names: else curl writes both to one
    path and keeps one."""
    from tcb_gui.core import paths

    if fmt is ExportFormat.CURL:
        yield "# curl -K this-file: each url is saved to its output path\ncreate-dirs\n"
    else:
        yield "# aria2c -i this-file: each link is saved to its out= path\n"
    fold = paths.default_case_insensitive()
    taken: set[str] = set()
    for r in results:
        target = Path(paths.relative_path_for(r.fileid.env, r.fileid.key, "tree"))
        # Nothing on disk to look at: only the names this export gave before count.
        path = paths.unique_path(target, taken, case_insensitive=fold, lexists=_nowhere)
        if not tally.working(r, moment) or r.download_url is None:
            continue
        expiry = records.expiry(r.expires_at)
        note = f"link expires {expiry}" if expiry else "link does not expire"
        yield f"# {r.fileid.raw} · {note}\n"
        out = path.as_posix()
        if fmt is ExportFormat.ARIA2:
            yield f"{r.download_url}\n  out={out}\n"
        else:
            yield f'url = "{_curl_quote(r.download_url)}"\noutput = "{_curl_quote(out)}"\n'


def _nowhere(_path: Path) -> bool:
    return False


def _curl_quote(text: str) -> str:
    """A curl config string: backslash and double quote escaped, no line breaks."""
    return _one_line(text).replace("\\", "\\\\").replace('"', '\\"')


# CSV rows are handed out in chunks of about this many characters.
_CSV_CHUNK = 1 << 16
_CANNOT_WRITE = MessageTemplate("Cannot write {path}: {reason}")


def export_results(
    results: Iterable[LinkResult],
    fmt: ExportFormat | str,
    *,
    now: datetime | None = None,
    tally: ExportTally | None = None,
) -> str:
    """The text of an export, rows in the order given; ``tally`` counts what it holds."""
    return "".join(iter_export(results, fmt, now=now, tally=tally))


def is_stream_target(path: Path) -> bool:
    """Whether ``path`` names something that exists and is neither a file nor a folder: a
    pipe, a terminal, ``/dev/stdout``, ``/dev/null``, a shell's ``>(…)``. Such a target is
    written into, never replaced."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def write_export(path: Path, text: str | Iterable[str]) -> None:
    """Write an export (or report) whole or not at all; a failure is an ``InputError``
    naming the file. Like every file the app writes, it is private (0600): links are
    signed and work for anyone who has them.

    A pipe or device (``is_stream_target``) is written into as it is: a file renamed
    over it would replace ``/dev/null`` itself for a root user (and fail for anyone
    else, who may not create files in ``/dev``), and the reader of a pipe would get
    nothing."""
    from tcb_gui.core import atomicfile

    try:
        if is_stream_target(path):
            with open(path, "w", encoding="utf-8", newline="") as handle:
                handle.writelines([text] if isinstance(text, str) else text)
        elif isinstance(text, str):
            atomicfile.write_text_atomic(Path(path), text)
        else:
            atomicfile.write_text_atomic(Path(path), lambda handle: handle.writelines(text))
    except OSError as exc:
        raise InputError(_CANNOT_WRITE.format(path=path, reason=exc.strerror or exc)) from None
