"""``tcb-gui download``: the download engine on the command line (DESIGN §1.5, §4)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from tcb_gui.core.client import LinkResult, TcbClient, make_http_client
from tcb_gui.core.downloads import (
    MAX_DOWNLOAD_CONCURRENCY,
    DiskFullError,
    Downloader,
    DownloadOptions,
    DownloadOutcome,
    FileProgress,
    FileState,
    Layout,
    OnExists,
    TotalProgress,
)
from tcb_gui.core.errors import ErrorKind, InputError, TokenError
from tcb_gui.core.export import write_export
from tcb_gui.core.fileids import FileId
from tcb_gui.core.ratelimit import parse_rate
from tcb_gui.terminal import Progress, human_bytes, human_duration

if TYPE_CHECKING:
    from tcb_gui.cli import Connection

EXIT_OK, EXIT_SOME_FAILED, EXIT_TOKEN, EXIT_SERVICE = 0, 1, 3, 4


def _options(args: argparse.Namespace) -> DownloadOptions:
    dest = Path(args.dest).expanduser()
    if dest.exists() and not dest.is_dir():
        raise InputError(f"--dest {dest} exists and is not a folder.")
    limit = parse_rate(args.limit_rate) if args.limit_rate else None
    concurrency = args.concurrency or 4
    if concurrency > MAX_DOWNLOAD_CONCURRENCY:
        raise InputError(f"Downloads run at most {MAX_DOWNLOAD_CONCURRENCY} files at once.")
    return DownloadOptions(
        dest=dest,
        layout=Layout(args.layout),
        on_exists=OnExists(args.on_exists),
        concurrency=concurrency,
        limit_rate=limit,
    )


class _ProgressPrinter:
    def __init__(self, stderr: TextIO) -> None:
        self.progress = Progress("Downloading", stderr)

    def __call__(self, files: Sequence[FileProgress], total: TotalProgress) -> None:
        detail = f"{human_bytes(total.bytes_done)}"
        if total.bytes_total:
            detail += f" of {human_bytes(total.bytes_total)}"
        detail += f" · {human_bytes(total.speed)}/s"
        if total.eta is not None:
            detail += f" · {human_duration(total.eta)} left"
        if total.files_failed:
            detail += f" · {total.files_failed:,} failed"
        if total.paused:
            detail += " · paused"
        done = total.files_done + total.files_failed
        self.progress.update(done, total.files_total, detail)


def _summary(outcomes: Sequence[DownloadOutcome]) -> str:
    states = Counter(o.state for o in outcomes)
    fetched = sum(o.bytes for o in outcomes if o.state is FileState.DONE)
    parts = [f"Downloaded {states[FileState.DONE]:,} files ({human_bytes(fetched)})"]
    if states[FileState.SKIPPED]:
        parts.append(f"{states[FileState.SKIPPED]:,} already complete")
    failed = sum(not o.ok for o in outcomes)
    parts.append(f"{failed:,} failed")
    return ", ".join(parts)


def _write_report(path: str | None, outcomes: Sequence[DownloadOutcome]) -> None:
    if path:
        records = [o.report() for o in outcomes]
        write_export(Path(path), json.dumps(records, ensure_ascii=False, indent=2) + "\n")


async def download_ids(
    conn: Connection,
    token: str | None,
    ids: Sequence[FileId],
    options: DownloadOptions,
    stderr: TextIO,
    *,
    app_secret: str | None = None,
) -> tuple[list[DownloadOutcome], Downloader]:
    """Download ``ids``; with ``app_secret`` (mini program mode) the stable token is
    fetched here and renewed before it expires for as long as the run lasts."""
    async with make_http_client() as http, contextlib.AsyncExitStack() as stack:
        supplier: Callable[[], str | None] = lambda: token  # noqa: E731
        if app_secret is not None:
            from tcb_gui.core.stable_token import StableTokenProvider

            provider = StableTokenProvider(
                http, base_url=conn.base_url, appid=conn.appid or "", secret=lambda: app_secret
            )
            await provider.get()
            renewal = asyncio.create_task(provider.run_renewal(), name="stable-token-renewal")
            stack.push_async_callback(_cancel, renewal)
            supplier = provider.current
        client = TcbClient(
            http,
            supplier,
            base_url=conn.base_url,
            api=conn.api,
            max_age=conn.max_age,
            concurrency=conn.concurrency,
        )
        # No links yet: the engine asks for them in batches, and only for the files it
        # still has to fetch (complete files from an earlier run need no request at all).
        pending = [LinkResult(f, False, None, "", None, None, ErrorKind.NETWORK) for f in ids]
        printer = _ProgressPrinter(stderr)
        downloader = Downloader(http, client.resolve_all, options, on_progress=printer)
        try:
            outcomes = await downloader.run(pending)
        finally:
            printer.progress.finish("")
        return outcomes, downloader


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


def run_download(
    args: argparse.Namespace,
    conn: Connection,
    token: str | None,
    ids: Sequence[FileId],
    stderr: TextIO,
    *,
    app_secret: str | None = None,
) -> int:
    options = _options(args)
    try:
        outcomes, downloader = asyncio.run(
            download_ids(conn, token, ids, options, stderr, app_secret=app_secret)
        )
    except DiskFullError as error:
        _write_report(args.report, error.outcomes)
        stderr.write(f"{error.message}\n{_summary(error.outcomes)}\n")
        return EXIT_SOME_FAILED
    _write_report(args.report, outcomes)
    stderr.write(_summary(outcomes) + "\n")
    reasons = Counter(o.errmsg for o in outcomes if not o.ok)
    for reason, count in reasons.most_common(5):
        stderr.write(f"{count:,} failed: {reason}\n")
    stop = downloader.refresh_error
    if stop is not None:
        stderr.write(f"Stopped: {stop.message}\n")
        return EXIT_TOKEN if isinstance(stop, TokenError) else EXIT_SERVICE
    failed = [o for o in outcomes if not o.ok]
    if any(o.kind in (ErrorKind.NETWORK, ErrorKind.RETRYABLE) for o in failed):
        return EXIT_SERVICE  # the service or the network gave out after retries
    return EXIT_SOME_FAILED if failed else EXIT_OK
