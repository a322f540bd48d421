"""The command line: the window by default, and the same runs headless (README).

It parses options and renders the core layer to a terminal: ``core.connection`` picks the
profile and credentials, ``core.resolve_run`` / ``core.download_run`` do the work, and
``core.exit_status`` says how the process ends.

Mini program mode: a profile set up with ``tcb-gui token set --appsecret --appid wx…``
(the AppSecret read from stdin, kept in the keyring) gets its access token from
``cgi-bin/stable_token`` for every ``resolve``/``download``/``token check`` and uses the
tcb API. The AppSecret comes from ``TCB_APP_SECRET``, else the keyring. An explicit
``TCB_ACCESS_TOKEN`` wins over the profile's AppID and AppSecret (and then any ``--api``
may be given). Wrong AppID/AppSecret exits 3; an IP not on the allowlist, a used-up quota
or an unreachable service exits 4.
"""

from __future__ import annotations

import io
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import aclosing, contextmanager, redirect_stderr, redirect_stdout, suppress
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, NoReturn, TextIO, cast

from tcb_gui import __version__
from tcb_gui.core.startup import pause_collection, resume_collection, settle_collection, settled_run

# The engine (the API client, httpx, asyncio, the runs) is imported by the commands that
# use it, never at import time: plain `tcb-gui` opens the window without it, so the
# window paints sooner (docs/ARCHITECTURE.md#start-up). So are argparse (the window and
# `--version` need no parser), logging (configured once options are read), getpass, and
# the error catalogue and exit statuses (`tcb-gui --version` imports none of these).
if TYPE_CHECKING:
    import argparse

    from tcb_gui.core.client import LinkResult, TokenCheck
    from tcb_gui.core.connection import Connection
    from tcb_gui.core.credentials import Credentials
    from tcb_gui.core.fileids import FileId
    from tcb_gui.core.quota_gauge import QuotaPlace
    from tcb_gui.core.resolve_run import ResolveRun
    from tcb_gui.core.tokens import TokenStore
    from tcb_gui.core.trace import TraceHub
    from tcb_gui.core.wire import HttpClient


def make_http_client(**kwargs: Any) -> HttpClient:
    """The run's HTTP client (``core.httpclient``), imported when a command needs it."""
    from tcb_gui.core.httpclient import make_run_client

    return make_run_client(**kwargs)


class UsageError(Exception):
    """A bad option or argument: exit 2 with the message."""


class _AbsentStream(io.TextIOBase):
    """A standard stream the process was started without: Python sets ``sys.stdin``,
    ``sys.stdout`` or ``sys.stderr`` to None when its descriptor was closed (``<&-``,
    ``>&-``, ``2>&-``, some service managers). Reads find nothing and writes go nowhere,
    so progress and messages cost nothing; a command that needs the stream itself (IDs
    from stdin, links to stdout) refuses before any request."""

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> str:
        return ""

    def write(self, text: str) -> int:
        return len(text)


def _absent_stream() -> TextIO:
    return cast("TextIO", _AbsentStream())


class _StreamOver(io.TextIOBase):
    """A text stream written through to another (``stream``), which says what its
    encoding is and whether it is a terminal; a subclass says what a failed write is."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    @property
    def encoding(self) -> str | None:  # type: ignore[override]
        return getattr(self._stream, "encoding", None)

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        try:
            return self._stream.isatty()
        except (OSError, ValueError):
            return False


class _MessageStream(_StreamOver):
    """stderr as the commands use it, for progress and messages: a write that fails (a
    full disk behind ``2>> log``, a pipe closed early) is dropped, so what a run does
    and writes to stdout or ``--output`` never depends on whether its progress could be
    shown. Control characters are shown, never sent to the terminal
    (``terminal.shown_safely``): the program's own progress line needs none."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__(stream)
        self._broken = False

    def write(self, text: str) -> int:
        if not self._broken:
            try:
                if not text.isprintable():  # the usual message needs no closer look
                    from tcb_gui.terminal import shown_safely

                    text = shown_safely(text)
                self._stream.write(text)
            except (OSError, ValueError):
                self._give_up()
        return len(text)

    def flush(self) -> None:
        if not self._broken:
            try:
                self._stream.flush()
            except (OSError, ValueError):
                self._give_up()

    def _give_up(self) -> None:
        # Closed, so that what is still buffered is not flushed again at exit (which
        # would fail once more and turn the exit status into 120).
        self._broken = True
        with suppress(OSError, ValueError):
            self._stream.close()


class _ResultStream(_StreamOver):
    """stdout as the one-shot commands write their results (links, the doctor's lines,
    a token check, a folder's check): a write or flush that fails (a full disk behind
    ``>``, ``/dev/full``) is an ``InputError`` naming it, not a traceback called a bug;
    a closed pipe stays ``BrokenPipeError`` (the reader has all it wanted)."""

    def write(self, text: str) -> int:
        with self._failing_as_input_error():
            self._stream.write(text)
        return len(text)

    def flush(self) -> None:
        with self._failing_as_input_error():
            self._stream.flush()

    @contextmanager
    def _failing_as_input_error(self) -> Iterator[None]:
        from tcb_gui.core.errors import InputError

        try:
            yield
        except BrokenPipeError:
            raise
        except OSError as exc:
            # What is still buffered would fail again when the interpreter flushes it.
            with suppress(OSError, ValueError):
                self._stream.close()
            raise InputError(
                f"Cannot write the results to standard output: {exc.strerror or exc}."
            ) from None


def _max_age(text: str) -> int:
    import argparse

    from tcb_gui.core.service_modes import MAX_MAX_AGE, MIN_MAX_AGE

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number of seconds: {text!r}") from None
    if not MIN_MAX_AGE <= value <= MAX_MAX_AGE:
        raise argparse.ArgumentTypeError(f"must be {MIN_MAX_AGE}..{MAX_MAX_AGE} seconds")
    return value


def _ranged(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        import argparse

        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be {low}..{high}")
        return value

    return parse


def _add_connection_options(parser: argparse.ArgumentParser, *, sub: bool = False) -> None:
    # On a subcommand these must not reset what was given before it
    # (`tcb-gui --base-url URL resolve`): absent means "not given here".
    import argparse

    from tcb_gui.core.service_modes import DEFAULT_BASE_URL, ApiMode

    extra: dict[str, Any] = {"default": argparse.SUPPRESS} if sub else {}
    parser.add_argument("--base-url", help=f"API base URL (default {DEFAULT_BASE_URL})", **extra)
    parser.add_argument("--api", choices=[m.value for m in ApiMode], help="API mode", **extra)
    parser.add_argument("--profile", help="profile name (default: the current profile)", **extra)


def _add_ignore_quota(parser: argparse.ArgumentParser) -> None:
    """``resolve`` and ``download``: a run over today's quota is refused (exit 4) unless…"""
    parser.add_argument(
        "--ignore-quota",
        action="store_true",
        help="start even when the list needs more calls than remain of today's quota",
    )


def _add_common_options(parser: argparse.ArgumentParser, *, concurrency_help: str) -> None:
    from tcb_gui.core.download_limits import MAX_DOWNLOAD_CONCURRENCY
    from tcb_gui.core.service_modes import (
        API_DEADLINE_S,
        DEFAULT_MAX_AGE,
        GIVE_UP_AFTER_S,
        MAX_CONCURRENCY,
        MAX_MAX_AGE,
        MIN_MAX_AGE,
    )

    _add_connection_options(parser, sub=True)
    parser.add_argument("--env", help="only IDs of this environment")
    parser.add_argument(
        "--max-age",
        type=_max_age,
        help=f"link lifetime in seconds ({MIN_MAX_AGE}..{MAX_MAX_AGE}, default: the "
        f"profile's link life, {DEFAULT_MAX_AGE} unless changed in Settings)",
    )
    high = MAX_DOWNLOAD_CONCURRENCY if parser.prog.endswith("download") else MAX_CONCURRENCY
    parser.add_argument(
        "--concurrency", type=_ranged(1, high), help=concurrency_help.format(high=high)
    )
    parser.add_argument(
        "--deadline",
        type=_seconds,
        metavar="SECONDS",
        help=f"time one API call may take, all of it (default {API_DEADLINE_S:g})",
    )
    parser.add_argument(
        "--give-up-after",
        type=_seconds,
        metavar="SECONDS",
        help="stop (exit 4) when no API call has had a good answer for this long; "
        f"retries go on until then (default {GIVE_UP_AFTER_S:g})",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")


def _seconds(text: str) -> float:
    import argparse

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value < 1e6:
        raise argparse.ArgumentTypeError("must be a number of seconds above 0")
    return value


_TRACE_HELP = (
    "write one JSON line per HTTP attempt to FILE as it happens: endpoint, env, IDs, HTTP "
    "status, errcode, duration, attempt, outcome (never a token, AppSecret or link signature)"
)


def build_parser() -> argparse.ArgumentParser:
    import argparse

    from tcb_gui.core.export_formats import ExportFormat

    class _Parser(argparse.ArgumentParser):
        def error(self, message: str) -> None:  # type: ignore[override]
            self.print_usage(sys.stderr)  # sys.stderr is redirected by main() to its stream
            raise UsageError(message)

    parser = _Parser(
        prog="tcb-gui",
        description="TCB Links: WeChat CloudBase cloud file IDs in, download links or files out. "
        "Without a command it opens the window.",
        epilog="tcb-gui FILE …  opens the window with these lists (any text, CSV, JSON or "
        "log file holding cloud:// IDs), as a file manager's Open with does.",
    )
    parser.add_argument("--version", action="version", version=f"tcb-gui {__version__}")
    parser.add_argument(
        "--demo", action="store_true", help="open the window on the built-in demo service"
    )
    _add_connection_options(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    resolve = commands.add_parser(
        "resolve", help="print download links for the IDs in files or stdin"
    )
    resolve.add_argument("inputs", nargs="*", metavar="INPUT", help='files; none or "-" = stdin')
    resolve.add_argument(
        "--format",
        choices=[f.value for f in ExportFormat],
        help="default: the one --output's extension names (.json, .csv, .tsv, .txt for "
        "urls, .aria2, .curl), as the window's export does; else tsv",
    )
    resolve.add_argument(
        "--output", "-o", help='write here instead of stdout ("-": stdout, as for INPUT)'
    )
    resolve.add_argument("--trace", metavar="FILE", help=_TRACE_HELP)
    _add_ignore_quota(resolve)
    _add_common_options(
        resolve, concurrency_help="requests in flight (1..{high}, default: the profile's)"
    )

    download = commands.add_parser("download", help="download the files behind the IDs")
    download.add_argument("inputs", nargs="*", metavar="INPUT", help='files; none or "-" = stdin')
    download.add_argument("--dest", required=True, help="destination folder")
    download.add_argument("--report", help="write a JSON report here")
    download.add_argument("--layout", choices=["tree", "flat"], default="tree")
    download.add_argument(
        "--on-exists",
        choices=["skip", "rename", "overwrite"],
        default="skip",
        help="when a file is already where one is saved. skip (default): a complete copy "
        "of the same file is left as it is (running the same command again transfers "
        "nothing); a different file is kept and the new one saved beside it as "
        "'name (1).ext'. rename: always save beside it, as 'name (1).ext', "
        "'name (2).ext'… overwrite: replace what is there (destructive)",
    )
    download.add_argument("--limit-rate", help="total bandwidth limit, e.g. 500K or 2M")
    download.add_argument("--trace", metavar="FILE", help=_TRACE_HELP)
    _add_ignore_quota(download)
    _add_common_options(
        download,
        concurrency_help="files downloading at once (1..{high}, default: the settings')",
    )

    verify = commands.add_parser(
        "verify", help="check a download folder's files against its manifest (size, CRC-64)"
    )
    verify.add_argument("folder", metavar="DIR", help="a folder tcb-gui download wrote to")

    token = commands.add_parser("token", help="set, check or clear the profile's token")
    token.add_argument("action", choices=["set", "check", "clear"])
    token.add_argument(
        "--appsecret",
        action="store_true",
        help="mini program mode: set reads the AppSecret from stdin and the profile then "
        "fetches its own tokens; check/clear act on the saved AppSecret",
    )
    token.add_argument("--appid", help="the mini program's AppID (wx + 16 hex), with --appsecret")
    _add_connection_options(token, sub=True)

    doctor = commands.add_parser(
        "doctor",
        help="check the connection, clock, token, API mode, IP allowlist, quota and keyring",
        description="One line per check: ✓ works, ✗ stops a resolve, ! a warning, – not "
        "checked; the next step under each ✗ and !. Exit 0 "
        "when a resolve would work, 3 when the token is missing or rejected (or fits the "
        "other API mode), 4 when the service cannot be reached or refuses this computer "
        "or today's quota is used up, 2 on usage errors.",
    )
    _add_connection_options(doctor, sub=True)
    doctor.add_argument("--trace", metavar="FILE", help=_TRACE_HELP)
    doctor.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")

    demo = commands.add_parser(
        "demo-server",
        help="run the demo service in the foreground",
        description="A local stand-in of the CloudBase API with sample files, demo tokens "
        "and switches to make what 'tcb-gui doctor' checks go wrong on purpose.",
    )
    demo.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    demo.add_argument(
        "--port",
        type=_ranged(0, 65535),
        default=0,
        help="port to listen on (default 0: a free one, printed at start)",
    )
    demo.add_argument(
        "--latency-ms",
        type=float,
        default=0.0,
        metavar="MS",
        help="delay every API answer by this many milliseconds (default 0)",
    )
    demo.add_argument(
        "--fault-rate",
        type=float,
        default=0.0,
        metavar="F",
        help="fraction 0..1 of API calls that fail (HTML 502, errcode -1, dropped "
        "connection, cut JSON or a slow answer; default 0)",
    )
    demo.add_argument(
        "--seed", type=int, default=0, help="seed of the fault draws and answer order"
    )
    demo.add_argument(
        "--daily-limit",
        type=_ranged(0, 10**9),
        default=None,
        metavar="N",
        help="batchdownloadfile calls allowed a day (default 1,000,000); past it: 45009",
    )
    demo.add_argument(
        "--quota-used",
        type=_ranged(0, 10**9),
        default=0,
        metavar="N",
        help="calls already used today at start; equal to --daily-limit: the quota is "
        "used up (quota/get says remain 0, batchdownloadfile answers 45009)",
    )
    demo.add_argument(
        "--deny-ip",
        action="store_true",
        help="the caller's IP is not on the allowlist: every call answers 40164 naming it",
    )
    demo.add_argument(
        "--reported-ip",
        metavar="IP",
        help="with --deny-ip: the address the 40164 answer names (default: the caller's)",
    )
    demo.add_argument(
        "--clock-skew",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="the service's clock (its Date header) runs this far ahead of this machine's; "
        "negative: behind (default 0)",
    )
    return parser


# ---------------------------------------------------------------------------------------
# Shared pieces
# ---------------------------------------------------------------------------------------


def _connection(args: argparse.Namespace, *, pasting_token: bool = False) -> Connection:
    from tcb_gui.core.connection import connection_for
    from tcb_gui.core.settings import load_settings

    download = getattr(args, "command", None) == "download"
    return connection_for(
        load_settings(),
        profile=args.profile,
        base_url=args.base_url,
        api=args.api,
        max_age=getattr(args, "max_age", None),
        concurrency=None if download else getattr(args, "concurrency", None),
        download_concurrency=getattr(args, "concurrency", None) if download else None,
        deadline=getattr(args, "deadline", None),
        give_up_after=getattr(args, "give_up_after", None),
        pasting_token=pasting_token,
    )


async def _credentials(
    conn: Connection, http: HttpClient, stderr: TextIO, trace: TraceHub | None = None
) -> Credentials:
    from tcb_gui.core.connection import open_credentials
    from tcb_gui.core.tokens import TokenStore

    def notice(text: str) -> None:
        stderr.write(text + "\n")

    return await open_credentials(conn, TokenStore(), http, notice, trace)


def _read_inputs(inputs: Sequence[str], stdin: TextIO, stderr: TextIO) -> list[FileId]:
    from tcb_gui.core import fileids
    from tcb_gui.core.errors import InputError

    sources = list(inputs) or ["-"]
    collector = fileids.IdCollector()
    for source in sources:
        if source == "-":
            if isinstance(stdin, _AbsentStream):
                raise InputError(
                    "Standard input is closed: name the files with the IDs, or give the "
                    "IDs on standard input."
                )
            stream = getattr(stdin, "buffer", None) or io.BytesIO(stdin.read().encode())
            scan = fileids.read_ids_from_stream(stream, "standard input")
        else:
            scan = fileids.read_ids_from_path(Path(source))
        collector.add(scan)
    scan = collector.scan()
    for bad in scan.malformed[:10]:
        where = f"{bad.source}:{bad.line}" if bad.source else f"line {bad.line}"
        stderr.write(f"{where}: not a valid cloud file ID ({bad.reason}): {bad.text}\n")
    if scan.malformed_count > 10:
        stderr.write(f"… and {scan.malformed_count - 10:,} more malformed IDs\n")
    stderr.write(f"Read {fileids.summary(scan)}\n")
    if not scan.ids:
        raise InputError(
            "No cloud file IDs found in the input (they look like cloud://env.bucket/path)."
        )
    return list(scan.ids)


def _filter_env(ids: list[FileId], env: str | None, stderr: TextIO) -> list[FileId]:
    from tcb_gui.core.errors import InputError

    if not env:
        return ids
    kept = [f for f in ids if f.env == env]
    if len(kept) != len(ids):
        stderr.write(f"Keeping {len(kept):,} IDs of env {env} ({len(ids) - len(kept):,} skipped)\n")
    if not kept:
        raise InputError(f"None of the IDs belong to the environment {env!r}.")
    return kept


@contextmanager
def _trace_to(path: str | None, stderr: TextIO) -> Iterator[TraceHub | None]:
    """``--trace FILE``: a hub writing to FILE, opened now (exit 2 when it cannot be)."""
    if not path:
        yield None
        return
    from tcb_gui.core.trace import TraceHub
    from tcb_gui.core.trace_file import TraceWriter

    try:
        writer = TraceWriter(Path(path).expanduser())
    except OSError as exc:
        raise UsageError(f"cannot write the trace to {path}: {exc.strerror or exc}") from None
    hub = TraceHub()
    hub.add(writer)
    try:
        yield hub
    finally:
        hub.remove(writer)
        writer.close()
        if writer.error is not None:
            why = writer.error.strerror or writer.error
            stderr.write(f"tcb-gui: the trace stopped after {writer.lines:,} lines: {why}\n")


async def resolve_ids(
    conn: Connection,
    ids: Sequence[FileId],
    stderr: TextIO,
    *,
    trace: TraceHub | None = None,
    ignore_quota: bool = False,
) -> tuple[list[LinkResult], ResolveRun, str]:
    """Resolve with progress on stderr: every ID's result in input order, the run, and
    what is left of today's quota in the token badge's words ("" without a reading:
    ``core.quota_gauge.RunQuota``). A list over ``core.quota.PREVIEW_THRESHOLD_CALLS``
    calls is checked against today's quota first (``core.quota.QuotaRefused`` when it
    does not fit, unless ``ignore_quota``)."""
    import asyncio
    from datetime import UTC, datetime

    from tcb_gui.core.connection import client_for
    from tcb_gui.core.quota import command_line_gate, preview_quota
    from tcb_gui.core.quota_gauge import RunQuota
    from tcb_gui.core.resolve_run import ResolveRun
    from tcb_gui.core.trace import TraceHub
    from tcb_gui.terminal import Progress

    hub = trace or TraceHub()  # the quota gauge counts the run's link calls on it
    quota = RunQuota(quota_place(conn), hub)
    try:
        async with make_http_client() as http:
            client = client_for(conn, http, await _credentials(conn, http, stderr, trace), hub)
            asked = datetime.now(UTC)
            preview = await preview_quota(client, ids)
            quota.preview(preview, asked)
            command_line_gate(preview, lambda line: stderr.write(line + "\n"), ignore=ignore_quota)
            progress = Progress("Resolving", stderr)
            run = ResolveRun(client, ids)
            by_id: dict[str, LinkResult] = {}
            try:
                async with aclosing(run.stream()) as batches:
                    async for batch in batches:
                        for result in batch:
                            by_id[result.fileid.raw] = result
                        state = run.progress
                        progress.update(state.done, state.total, f"{state.failed:,} failed")
            except asyncio.CancelledError:
                # Ctrl+C (asyncio.run cancels this task): the links already received were
                # paid for with quota; they are written with the rest "Not resolved", exit
                # 130. A second Ctrl+C while writing them stops at once.
                run.interrupt()
    finally:
        words = quota.finish()
    for result in run.stopped_results():
        by_id[result.fileid.raw] = result
    results = [by_id[f.raw] for f in run.ids]
    ok = sum(r.ok for r in results)
    progress.finish(f"Resolved {ok:,} of {len(results):,} IDs ({len(results) - ok:,} failed)")
    return results, run, words


def quota_place(conn: Connection) -> QuotaPlace:
    """Whose quota a run of ``conn`` counts against (``core.quota_gauge``)."""
    from tcb_gui.core.quota_gauge import QuotaPlace

    return QuotaPlace.of(conn.profile, conn.base_url, conn.api)


def _check_writable(output: str | None) -> None:
    """Refuse an output file that cannot be written before any quota is spent on it."""
    from tcb_gui.core.errors import InputError
    from tcb_gui.core.export import is_stream_target

    if not output:
        return
    target = Path(output).expanduser()
    if target.is_dir():
        raise InputError(f"Cannot write {output}: it is a folder. Name a file in it.")
    if is_stream_target(target):  # a pipe or /dev/stdout: written into, not replaced
        if not os.access(target, os.W_OK):
            raise InputError(f"Cannot write {output}: no permission to write to it.")
        return
    folder = target.resolve().parent
    if not folder.is_dir():
        raise InputError(f"Cannot write {output}: the folder {folder} does not exist.")
    if not os.access(folder, os.W_OK):
        raise InputError(f"Cannot write {output}: no permission to write in {folder}.")


def _check_folder(folder: str) -> None:
    """``verify DIR``: a folder that is not there, or a file, said as such, not as a
    folder with "no record of downloaded files" (which sends the user looking for one)."""
    from tcb_gui.core.errors import InputError

    path = Path(folder).expanduser()
    if not path.is_dir():  # a link to a folder is one
        what = "is not a folder" if os.path.lexists(path) else "does not exist"
        raise InputError(f"{path} {what}: name the folder tcb-gui download wrote to.")


def cmd_resolve(args: argparse.Namespace, stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    from tcb_gui.core.errors import InputError, command_line_words
    from tcb_gui.core.export import iter_export, write_export
    from tcb_gui.core.export_formats import ExportFormat, format_for

    conn = _connection(args)
    output = None if args.output == "-" else args.output  # "-" is stdout, as for INPUT
    fmt = args.format or (output and format_for(Path(output))) or ExportFormat.TSV
    _check_writable(output)
    if not output and isinstance(stdout, _AbsentStream):
        raise InputError(
            "Standard output is closed: write the results to a file with --output FILE."
        )
    with _trace_to(args.trace, stderr) as trace:
        ids = _filter_env(_read_inputs(args.inputs, stdin, stderr), args.env, stderr)
        # A run that would use up today's quota raises QuotaRefused: main() says why, exit 4.
        results, run, quota_words = settled_run(
            resolve_ids(conn, ids, stderr, trace=trace, ignore_quota=args.ignore_quota)
        )
    chunks = iter_export(results, fmt)
    if output:
        write_export(Path(output), chunks)
    else:
        _write_stdout(stdout, chunks)
    if run.stop is not None:
        stderr.write(f"Stopped: {command_line_words(run.stop.message)}\n")
    else:
        _report_failures(results, stderr)
    if quota_words:
        stderr.write(quota_words + "\n")
    return run.exit_status


def _write_stdout(stdout: TextIO, chunks: Iterable[str]) -> None:
    """The results to standard output; a failed write (a full disk behind ``>``) is an
    ``InputError`` naming it, not a traceback (a closed pipe stays ``BrokenPipeError``:
    the reader has all it wanted)."""
    from tcb_gui.core.errors import InputError

    try:
        stdout.writelines(chunks)
        stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        # What is still buffered would fail again when the interpreter flushes it at exit.
        with suppress(OSError, ValueError):
            stdout.close()
        raise InputError(
            f"Cannot write the results to standard output: {exc.strerror or exc}."
        ) from None


def _report_failures(results: Sequence[LinkResult], stderr: TextIO) -> None:
    reasons: dict[str, int] = {}
    for r in results:
        if not r.ok:
            reasons[r.errmsg] = reasons.get(r.errmsg, 0) + 1
    for reason, count in sorted(reasons.items(), key=lambda kv: -kv[1])[:5]:
        stderr.write(f"{count:,} failed: {reason}\n")


# What 'tcb-gui doctor' adds to a token check that failed, by its TokenState's value.
_DOCTOR_HINTS = {
    "not_allowed": " Run 'tcb-gui doctor' to see which API mode this token fits.",
    "unreachable": " Run 'tcb-gui doctor' to check the connection step by step.",
}


def _describe_check(check: TokenCheck) -> str:
    from tcb_gui.core.errors import command_line_words

    text = f"Token {check.state.value.replace('_', ' ')}: {command_line_words(check.message)}"
    if check.quota is not None:
        q = check.quota
        text += f" Quota today: {q.remain:,} of {q.daily_limit:,} calls left."
    return text + _DOCTOR_HINTS.get(check.state.value, "")


def _keep_quota(conn: Connection, check: TokenCheck) -> None:
    """The quota a check found, kept for the next run's "~N calls left today"."""
    from tcb_gui.core.quota_gauge import record_check

    record_check(quota_place(conn), check)


async def _check(conn: Connection, token: str) -> TokenCheck:
    from tcb_gui.core.client import TcbClient

    async with make_http_client() as http:
        client = TcbClient(http, lambda: token, base_url=conn.base_url, api=conn.api)
        return await client.check_token()


def cmd_token(args: argparse.Namespace, stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    from tcb_gui.core.auth_mode import AuthMode
    from tcb_gui.core.client import ApiMode
    from tcb_gui.core.connection import explicit_token
    from tcb_gui.core.errors import InputError, KeyringUnavailableError
    from tcb_gui.core.exit_status import ExitStatus
    from tcb_gui.core.tokens import TokenStore
    from tcb_gui.terminal import shown_safely

    conn = _connection(args, pasting_token=args.action == "set" and not args.appsecret)
    store = TokenStore()
    if args.appid and not (args.appsecret and args.action == "set"):
        raise UsageError("--appid goes with 'token set --appsecret'")
    if args.appsecret and args.action == "set" and conn.api is not ApiMode.TCB and args.api:
        raise UsageError("a token got with the AppSecret works with --api tcb only")
    if args.appsecret or (conn.auth is AuthMode.APPSECRET and args.action != "set"):
        if args.action == "set":
            return _set_app_secret(args, conn, stdin, stderr)
        if args.action == "clear":
            store.clear_app_secret(conn.profile)
            stderr.write(_cleared(store, "AppSecret", conn.profile))
            return ExitStatus.OK
        if not args.appsecret and explicit_token() is not None:
            stderr.write("Checking TCB_ACCESS_TOKEN (it wins over the profile's AppSecret).\n")
        else:
            return _check_app_secret(conn, stdout, stderr)
    if args.action == "set":
        token = _read_secret(stdin, stderr, "Access token").strip()
        if not token:
            raise InputError("No token on standard input; nothing was saved.")
        try:
            store.set(conn.profile, token)
        except KeyringUnavailableError:
            why = (
                "the system keyring could not save it (it may be locked, or its service is "
                "not running)"
                if store.keyring_available(recheck=True)
                else "no system keyring is available"
            )
            stderr.write(
                f"tcb-gui: the token was not saved: {why}. It is never written to a file; "
                "set TCB_ACCESS_TOKEN for this shell instead.\n"
            )
            return ExitStatus.USAGE
        # Only a keyring write that was read back gets here: a run keeps nothing for
        # later in memory, so without a keyring token set refuses (above).
        stderr.write(f"Saved the token for profile {conn.profile!r} in the system keyring.\n")
        if conn.auth is AuthMode.APPSECRET:
            _set_profile_auth(conn.profile, None)
            stderr.write(
                f"Profile {conn.profile!r} now uses this token instead of fetching its own "
                "with the AppID and AppSecret.\n"
            )
        _remember_token_saved(conn.profile, time.time())
        check = settled_run(_check(conn, token))
        _keep_quota(conn, check)
        stderr.write(_describe_check(check) + "\n")
        return _check_exit_code(check)
    if args.action == "clear":
        store.clear(conn.profile)
        _remember_token_saved(conn.profile, None)
        stderr.write(_cleared(store, "token", conn.profile))
        return ExitStatus.OK
    info = store.current(conn.profile)
    if not info.token:
        stderr.write(
            f"No token for profile {conn.profile!r}: set one with 'tcb-gui token set' "
            "or TCB_ACCESS_TOKEN.\n"
        )
        return ExitStatus.TOKEN
    check = settled_run(_check(conn, info.token))
    _keep_quota(conn, check)
    stdout.write(shown_safely(_describe_check(check) + f" (source: {info.source.value})") + "\n")
    return _check_exit_code(check)


def _cleared(store: TokenStore, what: str, profile: str) -> str:
    """What ``token clear`` did: without a keyring nothing was kept in one (``token set``
    refuses there), so nothing was removed from one either."""
    if store.keyring_available():
        return f"Removed the {what} of profile {profile!r} from the keyring.\n"
    return (
        f"No system keyring is available, so no {what} of profile {profile!r} was kept "
        "in one: there was nothing to remove.\n"
    )


# A piped secret is read up to this much: a token is at most 4,096 characters
# (core.tokens.MAX_TOKEN_LENGTH), so a file piped in by mistake is not read whole.
_SECRET_READ_LIMIT = 64 * 1024


def _read_piped_secret(stdin: TextIO) -> str:
    """A secret piped in or redirected from a file, decoded as lists of IDs are: the
    file an editor saved (UTF-8 with a BOM from Notepad, UTF-16 from PowerShell's ``>``)
    gives the secret, not a BOM glued to it or the locale's reading of UTF-16 bytes."""
    from tcb_gui.core.fileids import decode_input

    buffer = getattr(stdin, "buffer", None)
    if buffer is None:  # a text stream handed to main()
        return stdin.read(_SECRET_READ_LIMIT).lstrip("\ufeff")
    return decode_input(buffer.read(_SECRET_READ_LIMIT), "standard input")


def _read_secret(stdin: TextIO, stderr: TextIO, what: str) -> str:
    """A secret from stdin: typed with the echo off on a terminal, else read whole.

    Where the terminal's echo cannot be turned off, ``getpass`` would warn and read the
    secret in plain sight (on the screen, in the scrollback, in a screen recording):
    refused instead, with the way that works there."""
    if not stdin.isatty():
        return _read_piped_secret(stdin)
    import getpass
    import warnings

    from tcb_gui.core.errors import InputError

    with warnings.catch_warnings():
        warnings.simplefilter("error", getpass.GetPassWarning)
        try:
            return getpass.getpass(f"{what} (input hidden): ", stream=stderr)
        except getpass.GetPassWarning:
            raise InputError(
                f"This terminal cannot hide what is typed, so the {what} was not read. "
                "Give it on standard input instead: add '< FILE' to the command, FILE "
                "holding only the secret."
            ) from None


def _set_app_secret(
    args: argparse.Namespace, conn: Connection, stdin: TextIO, stderr: TextIO
) -> int:
    """``token set --appsecret``: keep the AppSecret, then switch the profile (not before:
    without a keyring it stays as it was), check them."""

    from tcb_gui.core.auth_mode import AuthMode
    from tcb_gui.core.client import ApiMode
    from tcb_gui.core.errors import InputError, KeyringUnavailableError
    from tcb_gui.core.exit_status import ExitStatus
    from tcb_gui.core.settings import validate_appid
    from tcb_gui.core.tokens import TokenStore, clean_app_secret

    appid = validate_appid(args.appid) if args.appid else conn.require_appid()
    secret = _read_secret(stdin, stderr, "Mini program AppSecret").strip()
    if not secret:
        raise InputError("No AppSecret on standard input; nothing was saved.")
    secret = clean_app_secret(secret)
    store = TokenStore()
    before = store.get_app_secret(conn.profile)
    try:
        store.set_app_secret(conn.profile, secret)
    except KeyringUnavailableError:
        # The profile stays as it was: one that works with a pasted token keeps working.
        stderr.write(
            "tcb-gui: no system keyring is available, so the AppSecret was not saved (it is "
            "never written to a file). Set TCB_APP_SECRET for this shell instead.\n"
        )
        return ExitStatus.USAGE
    try:
        _set_profile_auth(conn.profile, appid)
    except BaseException:
        # The profile could not be switched (settings not writable): the keyring goes back
        # to what it held, so no AppSecret is left behind for a profile that does not use it.
        if before is None:
            store.clear_app_secret(conn.profile)
        else:
            store.set_app_secret(conn.profile, before)
        raise
    stderr.write(f"Saved the AppSecret for profile {conn.profile!r} in the system keyring.\n")
    conn = conn._replace(auth=AuthMode.APPSECRET, appid=appid, api=ApiMode.TCB)
    stderr.write(
        f"Profile {conn.profile!r} now gets its tokens with the AppID {appid} (tcb API).\n"
    )
    check, left = settled_run(_check_credentials(conn, secret))
    _keep_quota(conn, check)
    stderr.write(_describe_credentials(check, left) + "\n")
    return _credentials_exit_code(check)


def _check_app_secret(conn: Connection, stdout: TextIO, stderr: TextIO) -> int:
    from tcb_gui.core.exit_status import ExitStatus
    from tcb_gui.core.tokens import TokenStore
    from tcb_gui.terminal import shown_safely

    conn.require_appid()
    info = TokenStore().current_app_secret(conn.profile)
    if not info.secret:
        stderr.write(
            f"No AppSecret for profile {conn.profile!r}: save it with 'tcb-gui token set "
            "--appsecret' or set TCB_APP_SECRET.\n"
        )
        return ExitStatus.TOKEN
    check, left = settled_run(_check_credentials(conn, info.secret))
    _keep_quota(conn, check)
    source = f" (source: AppSecret from the {info.source.value})"
    stdout.write(shown_safely(_describe_credentials(check, left) + source) + "\n")
    return _credentials_exit_code(check)


async def _check_credentials(conn: Connection, secret: str) -> tuple[TokenCheck, float | None]:
    """The badge's check of the AppID and AppSecret, and the time left of the token."""
    from tcb_gui.core.stable_token import StableTokenProvider

    async with make_http_client() as http:
        provider = StableTokenProvider(
            http, base_url=conn.base_url, appid=conn.require_appid(), secret=lambda: secret
        )
        check = await provider.check()
        return check, provider.time_left()


def _describe_credentials(check: TokenCheck, left: float | None) -> str:
    from tcb_gui.core.errors import TokenState

    text = _describe_check(check)
    if check.state is TokenState.VALID and left is not None:
        minutes = int(left // 60)
        text += f" The token ends in {minutes // 60} h {minutes % 60:02d} min."
    return text


def _credentials_exit_code(check: TokenCheck) -> int:
    """3 for a wrong or missing AppID/AppSecret; 4 when WeChat or the network refuses."""
    from tcb_gui.core.errors import ErrorKind, TokenState, classify_credential_errcode
    from tcb_gui.core.exit_status import ExitStatus

    if check.state is TokenState.VALID:
        return ExitStatus.OK
    if check.state is TokenState.UNREACHABLE:
        return ExitStatus.SERVICE
    if check.code is not None and classify_credential_errcode(check.code).kind is ErrorKind.CONFIG:
        return ExitStatus.SERVICE  # 40164 IP allowlist and the like: not the credentials' fault
    return ExitStatus.TOKEN


def _set_profile_auth(profile: str, appid: str | None) -> None:
    """Switch ``profile`` to appid + AppSecret (``appid``), or back to a pasted token."""
    from tcb_gui.core.settings import Settings, update_settings

    def switch(settings: Settings) -> None:
        current = settings.profiles.get(profile)
        if current is not None:
            settings.put_profile(current.with_appsecret(appid) if appid else current.with_token())

    try:
        # Only this change, on top of the file: a window open meanwhile keeps its own.
        update_settings(switch)
    except OSError as exc:  # a read-only config folder and the like
        from tcb_gui.core.errors import InputError
        from tcb_gui.core.settings import settings_path

        raise InputError(
            f"Cannot save the settings to {settings_path()}: {exc.strerror or exc}. "
            f"Profile {profile!r} was not changed."
        ) from None


def _check_exit_code(check: TokenCheck) -> int:
    from tcb_gui.core.errors import TokenState
    from tcb_gui.core.exit_status import ExitStatus

    if check.state is TokenState.VALID:
        return ExitStatus.OK
    return ExitStatus.SERVICE if check.state is TokenState.UNREACHABLE else ExitStatus.TOKEN


def _remember_token_saved(profile: str, saved_at: float | None) -> None:
    """When the token was saved: the window estimates its 2-hour life from this."""
    from tcb_gui.core.settings import Settings, update_settings

    def note(settings: Settings) -> None:
        if profile in settings.profiles:
            settings.set_token_saved_at(profile, saved_at)

    try:
        update_settings(note)
    except OSError as exc:  # bookkeeping only: the token itself is saved or cleared
        import logging

        logging.getLogger(__name__).warning(
            "could not note in the settings when the token was saved (%s)",
            exc.strerror or type(exc).__name__,
        )


def cmd_download(args: argparse.Namespace, stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    from tcb_gui.cli_download import run_download

    conn = _connection(args)
    _check_writable(args.report)
    with _trace_to(args.trace, stderr) as trace:
        ids = _filter_env(_read_inputs(args.inputs, stdin, stderr), args.env, stderr)
        return run_download(args, conn, ids, stderr, trace=trace)


def cmd_doctor(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from tcb_gui.cli_doctor import run_doctor_command

    conn = _connection(args)
    with _trace_to(args.trace, stderr) as trace:
        return run_doctor_command(conn, stdout, stderr, trace)


def demo_config(args: argparse.Namespace) -> Any:
    """The ``DemoConfig`` of ``tcb-gui demo-server``'s options (UsageError when wrong)."""
    import math

    from tcb_gui.demo.service import DemoConfig

    if not 0.0 <= args.fault_rate <= 1.0:
        raise UsageError("--fault-rate must be between 0 and 1")
    if not 0 <= args.latency_ms < math.inf:
        raise UsageError("--latency-ms must be a number of milliseconds, not negative")
    if not math.isfinite(args.clock_skew):
        raise UsageError("--clock-skew must be a number of seconds")
    if args.reported_ip and not args.deny_ip:
        raise UsageError("--reported-ip goes with --deny-ip")
    options: dict[str, Any] = {
        "latency_ms": args.latency_ms,
        "fault_rate": args.fault_rate,
        "seed": args.seed,
        "used_at_start": args.quota_used,
        "clock_skew_s": args.clock_skew,
        "deny_ip": args.deny_ip,
        "reported_ip": args.reported_ip,
    }
    if args.daily_limit is not None:
        options["daily_limit"] = args.daily_limit
    try:
        return DemoConfig(**options)
    except ValueError as exc:
        raise UsageError(str(exc).replace("used_at_start", "--quota-used")) from None


def cmd_demo_server(args: argparse.Namespace) -> int:
    from tcb_gui.core.exit_status import ExitStatus
    from tcb_gui.demo.server import serve

    config = demo_config(args)
    try:
        serve(args.host, args.port, config)
    except OSError as exc:  # the port is taken, the host has no such address, …
        where = f"{args.host}:{args.port}"
        raise UsageError(f"cannot run the demo service on {where}: {exc.strerror or exc}") from None
    return ExitStatus.OK


# Qt platforms that draw on a display server: on Linux without DISPLAY or
# WAYLAND_DISPLAY they abort the process (SIGABRT, Qt's "no Qt platform plugin could be
# initialized") before any word of ours. Others (offscreen, vnc, eglfs…) need none.
_DISPLAY_PLATFORMS = ("xcb", "wayland")


def _no_display() -> bool:
    """Whether the window cannot open here: Linux, no display, and a Qt platform that
    needs one (``QT_QPA_PLATFORM`` unset picks xcb or wayland)."""
    if not sys.platform.startswith("linux"):
        return False
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return False
    chosen = os.environ.get("QT_QPA_PLATFORM", "")
    # "wayland;xcb" tries each in turn; "xcb:option" names options after the platform.
    platforms = [p.split(":", 1)[0].strip() for p in chosen.split(";") if p.strip()]
    return all(p.startswith(_DISPLAY_PLATFORMS) for p in platforms)


def cmd_window(args: argparse.Namespace | SimpleNamespace, files: Sequence[str] = ()) -> int:
    if _no_display():
        raise UsageError(
            "cannot open the window here: there is no display (neither DISPLAY nor "
            "WAYLAND_DISPLAY is set). Without one, use the command line: tcb-gui resolve, "
            "download, verify, doctor or token (tcb-gui --help)."
        )
    if args.base_url:
        from tcb_gui.core.client import validate_base_url

        validate_base_url(args.base_url)
    from tcb_gui.app import run

    return run(
        demo=args.demo, base_url=args.base_url, api=args.api, profile=args.profile, files=files
    )


# What the parser gives `tcb-gui` without options: the window, the current profile (the
# same attributes as the parser's Namespace, without importing argparse).
_WINDOW_DEFAULTS = SimpleNamespace(command=None, demo=False, base_url=None, api=None, profile=None)


def _open_window(args: argparse.Namespace | SimpleNamespace, files: Sequence[str]) -> int:
    # The window's settings module (and what it brings) before Qt: PySide6 inspects every
    # module imported after it, so the same imports cost more once it is loaded. The app's
    # folders too: without TCB_GUI_HOME they need platformdirs, which the settings import
    # only when asked for them. getpass is ui.single_instance's (the hand-over to a
    # running window, before the first paint), which the commands do not need.
    pause_collection()  # until the first paint (app.run gives it back there)
    try:
        import getpass  # noqa: F401

        from tcb_gui.core.settings import app_dirs

        app_dirs()
        return cmd_window(args, files)
    finally:
        resume_collection()  # a window that never painted (an error) gives it back here


_COMMANDS = frozenset({"resolve", "download", "verify", "token", "doctor", "demo-server"})
# Top-level options that take a value, so their value is not mistaken for a file.
_VALUE_OPTIONS = frozenset({"--base-url", "--api", "--profile"})
# How close a word must be to a command to be taken for a mistyped one (difflib's ratio:
# "verfy" is 0.91 of "verify", "resolv" 0.92 of "resolve").
_MISTYPED_CUTOFF = 0.75


def _mistyped_command(word: str) -> bool:
    """Whether the first word, taken for a list to open, is rather a mistyped command
    ("verfy", "resolv"): not a file that exists, no folder or extension in it, and close
    to a command's name. The parser then refuses it, naming the commands (exit 2),
    instead of a window opened on a file that is not there."""
    if os.sep in word or "/" in word or "." in word or os.path.lexists(word):
        return False
    import difflib

    return bool(difflib.get_close_matches(word, _COMMANDS, n=1, cutoff=_MISTYPED_CUTOFF))


def _split_window_files(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """``tcb-gui [options] FILE ...`` opens the window with those lists (a file manager's
    "Open with"): the options, and the files, when the first word is not a command.
    Options may also follow the files (``tcb-gui ids.txt --demo``); after ``--`` every
    word is a file, for a name that starts with ``-``."""
    options: list[str] = []
    files: list[str] = []
    expect_value = only_files = False
    for token in argv:
        if expect_value:
            options.append(token)
            expect_value = False
        elif only_files or (not token.startswith("-") and token != "-"):
            if not files and not only_files and (token in _COMMANDS or _mistyped_command(token)):
                return list(argv), []
            files.append(token)
        elif token == "--":
            only_files = True
        else:
            options.append(token)
            expect_value = token in _VALUE_OPTIONS
    return options, files


_LOG_HANDLER_NAME = "tcb-gui-cli"


def _configure_logging(stderr: TextIO, *, verbose: bool) -> None:
    """Warnings (or, with -v, details) to stderr; every record passes the redactor."""
    import logging

    from tcb_gui.core.redact import install_log_redaction

    install_log_redaction()
    handler = logging.StreamHandler(stderr)
    handler.setFormatter(logging.Formatter("tcb-gui: %(message)s"))
    handler.set_name(_LOG_HANDLER_NAME)
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _LOG_HANDLER_NAME]:
        root.removeHandler(old)  # main() called again in one process (tests)
    root.addHandler(handler)
    root.setLevel(logging.INFO if verbose else logging.WARNING)
    # httpx logs every request at INFO; that is detail, not progress (and main() may run
    # again in one process: tests).
    logging.getLogger("httpx").setLevel(logging.NOTSET if verbose else logging.WARNING)


# Commands that run once and end: the process exits right after (not the window,
# not the demo service).
_ONE_SHOT_COMMANDS = frozenset({"resolve", "download", "verify", "token", "doctor"})
_exit_registered = False  # _at_exit is registered (once per process)
EXIT_UNFLUSHED = 120  # Python's own status when stdout cannot be flushed at exit
_one_shot_ran = False  # a command of _ONE_SHOT_COMMANDS ran in this process
# The status ``run`` leaves the process with once a one-shot command is done (None: the
# interpreter's own exit, as after main() called in a test).
_leave_with: int | None = None


def _register_exit_hook() -> None:
    """Register ``_at_exit``, once per process. ``run`` does it first thing, so that
    only hooks registered before it (none of this program's) would run after it."""
    global _exit_registered
    if not _exit_registered:
        import atexit

        _exit_registered = True
        atexit.register(_at_exit)


def _skip_collection_at_exit() -> None:
    """A one-shot command starts: at exit, the interpreter's tear-down is spared.

    The tear-down after a command walks every object of the run and of ~200 imported
    modules: 20–40 ms of collections (``gc.freeze`` spares them) and 5–8 ms more of module
    clean-up (leaving with ``os._exit`` spares that too) in a command that resolves or
    downloads in a third of a second. Nothing is skipped that matters: by then the command
    has closed its files, sockets and threads itself and written its output and report;
    the interpreter has waited for any thread still running, and the exit hooks registered
    after ``_at_exit`` (files to clean up, ``weakref.finalize``, ``logging``) have run."""
    global _one_shot_ran
    _one_shot_ran = True
    _register_exit_hook()


def _at_exit() -> None:
    """The last exit hook after a one-shot command: with a status from ``run``, flush
    what is left to flush and leave at once; without one (main() called in a test),
    freeze the collector for the tear-down that follows. Nothing after the window or
    the demo service (their toolkit tears down as Python does)."""
    if not _one_shot_ran:
        return
    status = _leave_with
    if status is None:
        import gc

        gc.freeze()
        return
    import logging

    logging.shutdown()  # when imported before the hook was registered, it would run later
    with suppress(Exception):  # nothing more can be said there
        if sys.stderr is not None:
            sys.stderr.flush()
    try:
        if sys.stdout is not None and not sys.stdout.closed:
            sys.stdout.flush()  # main() flushed the results; this is only a safety net
    except BrokenPipeError:
        pass  # the reader had all it wanted
    except OSError:
        status = status or EXIT_UNFLUSHED  # as Python exits when its own flush fails
    os._exit(status)


def _prepare_stdout(stdout: TextIO) -> None:
    """The process' own stdout made fit for any ID and link: into a file or a pipe it
    writes UTF-8 with the lines as given, the same bytes as ``--output FILE`` (English
    Windows would encode a redirected stdout as cp1252 and stop at the first Chinese key,
    and turn CSV's CRLF into CR CR LF); on a terminal its own encoding, with what it
    cannot show escaped instead of a crash. A stream handed to ``main`` is left alone."""
    if stdout is not sys.stdout or not isinstance(stdout, io.TextIOWrapper):
        return
    try:
        if stdout.isatty():
            stdout.reconfigure(errors="backslashreplace")
        else:
            stdout.reconfigure(encoding="utf-8", errors="strict", newline="\n")
    except (OSError, ValueError):
        pass  # a closed or detached stream: its first write says so


def _print_version(stdout: TextIO) -> int:
    """``tcb-gui --version``: what the parser's version action prints, without building the
    parser or importing anything else (ExitStatus.OK, 0, even when stdout is closed)."""
    with suppress(BrokenPipeError):
        stdout.write(f"tcb-gui {__version__}\n")
    return 0


def main(
    argv: Sequence[str] | None = None,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    stdin = stdin or sys.stdin or _absent_stream()
    stdout = stdout or sys.stdout or _absent_stream()
    stderr = cast("TextIO", _MessageStream(stderr or sys.stderr or _absent_stream()))
    arguments, files = _split_window_files(list(sys.argv[1:] if argv is None else argv))
    if arguments == ["--version"]:
        return _print_version(stdout)

    from tcb_gui.core.errors import TcbError, command_line_words
    from tcb_gui.core.exit_status import ExitStatus, status_for_error

    try:
        if not arguments:
            # Plain `tcb-gui` (or `tcb-gui FILE…`): the window, without building the
            # command line's parser or importing its engine first.
            _configure_logging(stderr, verbose=False)
            return _open_window(_WINDOW_DEFAULTS, files)
        parser = build_parser()
        # --help, --version and usage lines go to the streams main() was given.
        with redirect_stdout(stdout), redirect_stderr(stderr):
            try:
                args = parser.parse_args(arguments)
            except SystemExit as exc:  # --help / --version
                return exc.code if isinstance(exc.code, int) else ExitStatus.OK
        _configure_logging(stderr, verbose=getattr(args, "verbose", False))
        if args.command in _ONE_SHOT_COMMANDS:
            _skip_collection_at_exit()
            _warm_trust(args)
            _prepare_stdout(stdout)
            # (A stream the process was started without stays what it is: it never fails.)
            absent = isinstance(stdout, _AbsentStream)
            results = stdout if absent else cast("TextIO", _ResultStream(stdout))
            status = _run_one_shot(args, stdin, results, stderr)
            results.flush()  # what is still buffered fails here, named, not at exit
            return status
        if args.command == "demo-server":
            settle_collection()  # it serves until stopped: no start-up left to spare
            return cmd_demo_server(args)
        return _open_window(args, files)
    except UsageError as exc:
        stderr.write(f"tcb-gui: error: {exc}\n")
        return ExitStatus.USAGE
    except (TcbError, KeyboardInterrupt) as exc:
        text = command_line_words(exc.message) if isinstance(exc, TcbError) else "interrupted"
        stderr.write(f"tcb-gui: {text}\n")
        return status_for_error(exc)
    except BrokenPipeError:
        return ExitStatus.OK
    except Exception:
        _report_bug(stderr)
        return ExitStatus.SOME_FAILED  # what Python exits with after an uncaught exception


def _warm_trust(args: argparse.Namespace) -> None:
    """A resolve or download that will talk https (the service's address, unless one in
    plain http is given) has its certificate roots read in a thread from now on
    (``core.trust.warm_up``), while the rest of the command is imported and set up."""
    if args.command not in ("resolve", "download"):
        return
    base_url = args.base_url
    if base_url is not None and not base_url.lower().startswith("https:"):
        return
    from tcb_gui.core.trust import warm_up

    warm_up()


def _report_bug(stderr: TextIO) -> None:
    """An unexpected exception: its traceback, redacted, as the window's crash report is.
    Exception text may hold a URL with ``access_token=`` or a link's signature (httpx
    puts whole URLs in its errors), or a secret the service echoed back."""
    import traceback

    from tcb_gui.core.redact import redact, register_secret
    from tcb_gui.core.tokens import APP_SECRET_ENV, TOKEN_ENV

    for variable in (TOKEN_ENV, APP_SECRET_ENV):
        register_secret(os.environ.get(variable, "").strip())
    stderr.write(
        "tcb-gui: unexpected error, a bug in TCB Links: please report it with these lines.\n"
        + redact(traceback.format_exc())
    )


def _run_one_shot(args: argparse.Namespace, stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    """One of ``_ONE_SHOT_COMMANDS``, its results to ``stdout``; its exit status."""
    if args.command == "resolve":
        return cmd_resolve(args, stdin, stdout, stderr)
    if args.command == "download":
        return cmd_download(args, stdin, stdout, stderr)
    if args.command == "verify":
        from tcb_gui.cli_download import run_verify

        _check_folder(args.folder)
        return run_verify(args.folder, stdout, stderr)
    if args.command == "token":
        return cmd_token(args, stdin, stdout, stderr)
    return cmd_doctor(args, stdout, stderr)


def run() -> NoReturn:
    """The ``tcb-gui`` command as a process (the console script, ``python -m tcb_gui``,
    the bundle): ``main`` with this process's arguments and streams, then its exit status.
    After a one-shot command the process leaves without the interpreter's tear-down
    (``_at_exit``); the window and the demo service exit as Python does."""
    global _leave_with
    _register_exit_hook()
    # No collections while the command starts (core.startup): a one-shot command settles
    # as its run begins, the window at its first paint, the demo service before it serves.
    pause_collection()
    try:
        status = main()
    finally:
        resume_collection()  # whatever the path took (an error before its run, say)
    if _one_shot_ran:
        _leave_with = int(status)
    raise SystemExit(status)


if __name__ == "__main__":
    run()
