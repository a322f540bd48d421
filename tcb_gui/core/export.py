"""Results out: JSON, CSV, TSV and plain link lists (DESIGN §4), shared by CLI and window."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from tcb_gui.core import atomicfile
from tcb_gui.core.client import LinkResult
from tcb_gui.core.errors import InputError

COLUMNS = ("fileid", "env", "ok", "status", "errmsg", "download_url", "expires_at")


class ExportFormat(StrEnum):
    JSON = "json"
    CSV = "csv"
    TSV = "tsv"
    URLS = "urls"

    @property
    def suffix(self) -> str:
        return ".txt" if self is ExportFormat.URLS else f".{self.value}"


def iso_utc(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a 'Z', to the second: ``2026-11-29T06:01:54Z``."""
    if moment is None:
        return None
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def is_working(result: LinkResult, now: datetime | None = None) -> bool:
    """A link that can be used now: resolved and not past its expiry."""
    if not result.ok or not result.download_url:
        return False
    if result.expires_at is None:
        return True
    return result.expires_at > (now or datetime.now(UTC))


def result_record(result: LinkResult) -> dict[str, Any]:
    return {
        "fileid": result.fileid.raw,
        "env": result.fileid.env,
        "ok": result.ok,
        "status": result.status,
        "errmsg": result.errmsg,
        "download_url": result.download_url,
        "expires_at": iso_utc(result.expires_at),
    }


def _flat(value: object) -> str:
    """A cell value on one line: tabs and line breaks would break TSV rows."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).replace("\t", " ").replace("\r", " ").replace("\n", " ")


def export_results(
    results: Iterable[LinkResult], fmt: ExportFormat | str, *, now: datetime | None = None
) -> str:
    """The text of an export, rows in the order given."""
    fmt = ExportFormat(fmt)
    rows: Sequence[LinkResult] = list(results)
    if fmt is ExportFormat.JSON:
        return json.dumps([result_record(r) for r in rows], ensure_ascii=False, indent=2) + "\n"
    if fmt is ExportFormat.URLS:
        moment = now or datetime.now(UTC)
        return "".join(f"{r.download_url}\n" for r in rows if is_working(r, moment))
    if fmt is ExportFormat.TSV:
        # Plain tab-separated lines, no quoting: keys may hold quotes, never tabs.
        lines = ["\t".join(COLUMNS)]
        lines += ["\t".join(_flat(result_record(r)[c]) for c in COLUMNS) for r in rows]
        return "\n".join(lines) + "\n"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for r in rows:
        record = result_record(r)
        writer.writerow(_flat(record[c]) for c in COLUMNS)
    return buffer.getvalue()


def write_export(path: Path, text: str) -> None:
    """Write an export (or report) whole or not at all; a failure is an ``InputError``
    naming the file. Like every file the app writes, it is private (0600): links are
    signed and work for anyone who has them."""
    try:
        atomicfile.write_text_atomic(Path(path), text)
    except OSError as exc:
        raise InputError(f"Cannot write {path}: {exc.strerror or exc}") from None
