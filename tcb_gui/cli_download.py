"""``tcb-gui download``: a ``core.download_run.DownloadRun`` rendered to a terminal."""

from __future__ import annotations

import argparse
import asyncio
import json
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from tcb_gui.core.connection import client_for, open_credentials
from tcb_gui.core.download_run import (
    DownloadRun,
    DownloadRunResult,
    interrupted_run,
    no_link_yet,
    preview_download_quota,
)
from tcb_gui.core.downloads import (
    DownloadOptions,
    DownloadOutcome,
    FileProgress,
    Layout,
    OnExists,
    TotalProgress,
)
from tcb_gui.core.errors import InputError, command_line_words
from tcb_gui.core.exit_status import ExitStatus
from tcb_gui.core.export import write_export
from tcb_gui.core.fileids import FileId
from tcb_gui.core.httpclient import make_run_client
from tcb_gui.core.quota import command_line_gate
from tcb_gui.core.quota_gauge import QuotaPlace, RunQuota
from tcb_gui.core.ratelimit import parse_rate
from tcb_gui.core.startup import settle_collection, settled_run
from tcb_gui.core.trace import TraceHub
from tcb_gui.terminal import Progress, human_bytes, human_duration, shown_safely

if TYPE_CHECKING:
    from tcb_gui.core.connection import Connection


def _options(args: argparse.Namespace, conn: Connection) -> DownloadOptions:
    dest = Path(args.dest).expanduser()
    if dest.exists() and not dest.is_dir():
        raise InputError(f"--dest {dest} exists and is not a folder.")
    limit = parse_rate(args.limit_rate) if args.limit_rate else None
    return DownloadOptions(
        dest=dest,
        layout=Layout(args.layout),
        on_exists=OnExists(args.on_exists),
        concurrency=conn.download_concurrency,
        limit_rate=limit,
    )


class _ProgressPrinter:
    def __init__(self, stderr: TextIO) -> None:
        self.progress = Progress("Downloading", stderr)

    def __call__(self, files: Sequence[FileProgress], total: TotalProgress) -> None:
        detail = f"{human_bytes(total.bytes_done)}"
        if total.bytes_total:
            about = "about " if total.total_estimated else ""
            detail += f" of {about}{human_bytes(total.bytes_total)}"
        if total.speed is not None:  # not measured yet in the run's first moments
            detail += f" · {human_bytes(total.speed)}/s"
        if total.eta is not None:
            detail += f" · {human_duration(total.eta)} left"
        if total.files_failed:
            detail += f" · {total.files_failed:,} failed"
        if total.paused:
            detail += " · paused"
        # Files saved (done or already complete), as the window counts them: the failed
        # ones are said after it, never counted as done.
        self.progress.update(total.files_done, total.files_total, detail)


def _summary(result: DownloadRunResult) -> str:
    counts = result.counts()
    files = "file" if counts.downloaded == 1 else "files"
    parts = [f"Downloaded {counts.downloaded:,} {files} ({human_bytes(counts.downloaded_bytes)})"]
    if counts.verified:
        parts.append(f"{counts.verified:,} verified by checksum")
    if counts.skipped:
        parts.append(f"{counts.skipped:,} already complete")
    parts.append(f"{counts.failed:,} failed")
    if counts.waiting:
        parts.append(f"{counts.waiting:,} waiting for a valid token")
    elif counts.stopped:
        parts.append(f"{counts.stopped:,} stopped")
    return ", ".join(parts)


def _write_report(path: str | None, outcomes: Sequence[DownloadOutcome]) -> None:
    if path:
        records = [o.report() for o in outcomes]
        write_export(Path(path), json.dumps(records, ensure_ascii=False, indent=2) + "\n")


async def download_ids(
    conn: Connection,
    ids: Sequence[FileId],
    options: DownloadOptions,
    stderr: TextIO,
    *,
    trace: TraceHub | None = None,
    ignore_quota: bool = False,
) -> tuple[DownloadRunResult, str]:
    """Download ``ids``; the links are asked for as the engine needs them, with the token
    of the run's credentials at each request (a stable token renews itself). Also what is
    left of today's quota in the token badge's words ("" without a reading:
    ``core.quota_gauge.RunQuota``).

    A run whose link calls come to more than ``core.quota.PREVIEW_THRESHOLD_CALLS`` is
    checked against today's quota first: ``core.quota.QuotaRefused`` when it does not fit
    (unless ``ignore_quota``), before any link call and before the folder is touched."""
    from tcb_gui.core.tokens import TokenStore

    def notice(text: str) -> None:
        stderr.write(text + "\n")

    hub = trace or TraceHub()  # the quota gauge counts the run's link calls on it
    quota = RunQuota(QuotaPlace(conn.profile, conn.base_url, conn.api.cgi_path), hub)
    run: DownloadRun | None = None
    try:
        # The API calls go over the engine's own connections (``core.httpclient``).
        async with make_run_client() as http:
            credentials = await open_credentials(conn, TokenStore(), http, notice, trace)
            client = client_for(conn, http, credentials, hub)
            # No links yet: complete files from an earlier run need no request at all.
            links = [no_link_yet(f) for f in ids]
            asked = datetime.now(UTC)
            preview = await preview_download_quota(client, options, links)
            quota.preview(preview, asked)
            command_line_gate(preview, notice, ignore=ignore_quota)
            printer = _ProgressPrinter(stderr)
            run = DownloadRun(http, client, options, links, on_progress=printer, trace=trace)
            try:
                result = await run.run()
            finally:
                printer.progress.finish("")
    except asyncio.CancelledError:
        # Ctrl+C (asyncio.run cancels this task): the run's result all the same, so the
        # summary and --report say what this run saved and what it did not, exit 130.
        # A second Ctrl+C while writing them stops at once.
        result = run.interrupt() if run is not None else interrupted_run(ids)
    finally:
        words = quota.finish()
    return result, words


def run_download(
    args: argparse.Namespace,
    conn: Connection,
    ids: Sequence[FileId],
    stderr: TextIO,
    *,
    trace: TraceHub | None = None,
) -> int:
    options = _options(args, conn)
    result, quota_words = settled_run(
        download_ids(conn, ids, options, stderr, trace=trace, ignore_quota=args.ignore_quota)
    )
    if result.disk_full is not None:
        stderr.write(f"{result.disk_full.message}\n")
    stderr.write(_summary(result) + "\n")
    # The failed files of the summary's count (core's), not those stopped or waiting:
    # the lines above say why those did not finish.
    reasons = Counter(result.outcomes[i].errmsg for i in result.failed)
    for reason, count in reasons.most_common(5):
        stderr.write(f"{count:,} failed: {reason}\n")
    notes = Counter(note for o in result.outcomes if o.ok for note in o.notes)
    for note, count in notes.most_common(5):
        stderr.write(f"{count:,} saved: {note}\n")
    if result.stop is not None:
        stderr.write(f"Stopped: {command_line_words(result.stop.message)}\n")
    status = result.exit_status
    try:
        _write_report(args.report, result.outcomes)
    except InputError as exc:
        # Written last, so what the run did is said above it (the path was checked before
        # the run: this is a disk filled meanwhile and the like). Not a usage error: the
        # run's own status, or "some failed" when every file got through.
        stderr.write(f"tcb-gui: The report was not written. {exc.message}\n")
        if status is ExitStatus.OK:
            status = ExitStatus.SOME_FAILED
    if quota_words:
        stderr.write(quota_words + "\n")
    return status


def run_verify(folder: str, stdout: TextIO, stderr: TextIO) -> int:
    """``tcb-gui verify DIR``: every file of the folder's manifest checked again."""
    from tcb_gui.core.downloads import verify_folder

    settle_collection()  # the start-up is over: the files are read now
    results = verify_folder(Path(folder).expanduser())
    bad = [r for r in results if not r.ok]
    for r in bad:
        stdout.write(shown_safely(f"✗ {r.path}: {r.message}") + "\n")
    states = Counter(r.state.value for r in results)
    detail = ", ".join(f"{n:,} {state}" for state, n in sorted(states.items()))
    stderr.write(f"Checked {len(results):,} files: {detail or 'none'}\n")
    return ExitStatus.SOME_FAILED if bad else ExitStatus.OK
