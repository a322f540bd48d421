"""The download engine: links in, files on disk, safely and resumably (DESIGN §1.5, §3).

One ``Downloader`` runs one list of files over the shared ``httpx.AsyncClient``:

* **Where.** Each file goes to ``paths.target_path(dest, env, key, layout)`` (sanitised and
  confined inside ``dest``). Two files of one run that land on the same name (flat layout,
  or keys that sanitise alike) get ``name (1).ext`` … in input order, so a re-run picks the
  same names again.
* **Existing files.** ``skip`` (default): a file this engine completed earlier is recognised
  from a small manifest (``.tcb-gui-manifest.json`` in ``dest``: file ID → relative path,
  size, mtime) and skipped with *no request at all*. An existing file the manifest does not
  vouch for costs one ``Range: bytes=0-0`` probe (a single body byte) to learn the remote
  size: equal → kept and counted done; different → kept, and the download goes beside it
  as ``name (1).ext``. ``rename``: always a fresh name. ``overwrite``: replaced atomically.
  Nothing different is destroyed unless ``overwrite`` was asked for.
* **Transfer.** Streamed into ``<target>.part`` in chunks (memory stays flat whatever the
  size). A ``.part`` from an earlier run or an earlier try resumes with ``Range`` and, when
  a strong validator was recorded in the sidecar ``<target>.part.json``, ``If-Range`` (a
  part without one resumes on ``Range`` alone, as ``curl -C -`` and aria2c do). A 200
  instead of a 206 starts the file over. The length is verified against Content-Length /
  Content-Range, then the file is fsynced and renamed into place atomically, and the
  directory fsynced.
* **Failures.** Network errors, 5xx, 429 and cut bodies retry with jittered backoff and
  resume from the last byte written (attempts that made progress do not count against the
  limit). A 403 — or a 400/404 on a link past its expiry — fetches a fresh link (requests of
  concurrent files coalesced, at most 50 IDs a call) and goes on. An HTML page where a file
  was expected is never saved. A full disk stops everything with ``DiskFullError``, keeping
  the partial files for the next run. Any other 4xx, or an ``OSError`` on one file, fails
  that file with a message that says why.
* **Control.** ``pause()`` cancels the transfers in flight (their ``.part`` files stay) and
  starts no new one; ``resume()`` goes on with ``Range``; ``cancel()`` ends the run, keeping
  the partial files unless asked to discard them.
* **Progress** reaches ``on_progress`` every ``progress_interval`` seconds at most (plus
  once at the end), as plain data: the files that changed and the totals, with speeds
  averaged over a sliding window and a time left.

Signed links are never logged whole: only scheme, host and path (never ``sign=``).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hashlib
import json
import logging
import mimetypes
import os
import re
import stat
import threading
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, Final, cast

import httpx

from tcb_gui.core import paths
from tcb_gui.core.client import (
    DEFAULT_CONCURRENCY,
    MAX_IDS_PER_REQUEST,
    LinkResult,
    RetryPolicy,
    encode_url,
)
from tcb_gui.core.errors import (
    NETWORK_ERROR,
    NETWORK_ERROR_TYPE,
    ErrorKind,
    InputError,
    MessageTemplate,
    TcbError,
    message,
    with_detail,
)
from tcb_gui.core.fileids import FileId
from tcb_gui.core.ratelimit import TokenBucket
from tcb_gui.core.redact import install_log_redaction

log = logging.getLogger(__name__)

# Issue 4: "a queue with bounded concurrency (default 4, 1..16)".
DEFAULT_DOWNLOAD_CONCURRENCY = 4
MIN_DOWNLOAD_CONCURRENCY = 1
MAX_DOWNLOAD_CONCURRENCY = 16
# Write buffer per transfer: few syscalls, and 16 transfers still hold only 4 MiB.
DEFAULT_CHUNK_SIZE = 256 * 1024
# DESIGN §3: 0.5 s × 2ⁿ with jitter, capped. Tries count only attempts that made no
# progress: a connection cut after some bytes resumes and starts the count again.
DOWNLOAD_RETRY = RetryPolicy(max_tries=5, base_delay=0.5, max_delay=8.0)
# Fresh links refused in a row (403 each time) before the file is given up.
MAX_LINK_REFRESHES = 2
# A link this close to its expiry is refreshed before use rather than after a 403.
LINK_EXPIRY_MARGIN = timedelta(seconds=60)
# The service takes at most 50 IDs a request (client.MAX_IDS_PER_REQUEST); refresh calls
# run at most this many at once, like the resolver's own default.
REFRESH_BATCH = MAX_IDS_PER_REQUEST
REFRESH_CONCURRENCY = DEFAULT_CONCURRENCY
# How long the refresher waits for other files' needs before sending (coalescing window).
REFRESH_COALESCE_SECONDS = 0.05
# Redirects followed per request (to http(s) only); a CDN needs one or two.
MAX_REDIRECTS = 5
# Sliding window of the speed average, in seconds.
SPEED_WINDOW_SECONDS = 5.0
DEFAULT_PROGRESS_INTERVAL = 0.2
# The manifest of completed files is saved at most this often during a run.
MANIFEST_SAVE_SECONDS = 2.0
MANIFEST_NAME = ".tcb-gui-manifest.json"
MANIFEST_VERSION = 1
SIDECAR_SUFFIX = ".json"
# Bytes looked at to recognise an HTML page at the start of a body.
SNIFF_BYTES = 512
HTML_EXTENSIONS: Final = frozenset({".htm", ".html", ".xhtml", ".shtml"})
# errno values that mean "no room left": the run stops instead of failing file after file.
DISK_FULL_ERRNOS: Final = frozenset({errno.ENOSPC, errno.EDQUOT})
# Never open through a symlink planted at a .part or sidecar name; O_BINARY: on Windows a
# descriptor is in text mode without it (newlines would be rewritten).
_NO_FOLLOW: Final = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
_TRANSIENT_STATUSES: Final = frozenset({408, 425, 429})
_REDIRECT_STATUSES: Final = frozenset({301, 302, 303, 307, 308})
_CONTENT_RANGE_RE = re.compile(r"\s*bytes\s+(?:(\d+)-(\d+)|\*)\s*/\s*(\d+|\*)\s*\Z", re.IGNORECASE)
_HTML_START_RE = re.compile(rb"\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>])", re.I | re.S)


class Layout(StrEnum):
    """Where files go inside the folder (DESIGN §4 ``--layout``)."""

    TREE = "tree"  # <dest>/<env>/<key path>
    FLAT = "flat"  # <dest>/<last segment of the key>


class OnExists(StrEnum):
    """What to do when the target already exists (DESIGN §4 ``--on-exists``)."""

    SKIP = "skip"
    RENAME = "rename"
    OVERWRITE = "overwrite"


class FileState(StrEnum):
    QUEUED = "queued"
    DOWNLOADING = "downloading"
    PAUSED = "paused"
    DONE = "done"
    SKIPPED = "skipped"  # already complete on disk
    FAILED = "failed"
    CANCELLED = "cancelled"


_FINAL_STATES: Final = frozenset(
    {FileState.DONE, FileState.SKIPPED, FileState.FAILED, FileState.CANCELLED}
)


_BAD_CONCURRENCY = MessageTemplate("Download concurrency must be {low}..{high}, not {n}.")
_BAD_RATE = message("The rate limit must be at least one byte per second.")
_BAD_CHUNK = message("The chunk size must be positive.")
_NO_TRIES = message("At least one try is needed.")


@dataclass(frozen=True, slots=True)
class DownloadOptions:
    dest: Path
    layout: Layout = Layout.TREE
    on_exists: OnExists = OnExists.SKIP
    concurrency: int = DEFAULT_DOWNLOAD_CONCURRENCY
    limit_rate: int | None = None  # bytes per second over all transfers; None = unlimited
    chunk_size: int = DEFAULT_CHUNK_SIZE
    retry: RetryPolicy = DOWNLOAD_RETRY

    def __post_init__(self) -> None:
        if not MIN_DOWNLOAD_CONCURRENCY <= self.concurrency <= MAX_DOWNLOAD_CONCURRENCY:
            raise InputError(
                _BAD_CONCURRENCY.format(
                    low=MIN_DOWNLOAD_CONCURRENCY, high=MAX_DOWNLOAD_CONCURRENCY, n=self.concurrency
                )
            )
        if self.limit_rate is not None and self.limit_rate < 1:
            raise InputError(_BAD_RATE)
        if self.chunk_size < 1:
            raise InputError(_BAD_CHUNK)
        if self.retry.max_tries < 1:
            raise InputError(_NO_TRIES)


@dataclass(frozen=True, slots=True)
class FileProgress:
    """One file's progress, as the UI and the CLI show it."""

    fileid: FileId
    state: FileState
    path: Path | None  # the final target (known once chosen), None before or if unsafe
    bytes_done: int
    bytes_total: int | None  # None while unknown
    speed: float  # bytes/s, sliding average
    errmsg: str
    resumed_from: int  # bytes kept from an earlier try or run (0 if none)
    index: int = 0  # position in the run's input


@dataclass(frozen=True, slots=True)
class TotalProgress:
    files_done: int  # done or skipped
    files_failed: int
    files_total: int
    bytes_done: int
    bytes_total: int  # of the files whose size is known so far
    speed: float  # bytes/s over all transfers, sliding average
    eta: float | None  # seconds left for the known bytes; None while speed is unknown
    paused: bool = False


@dataclass(frozen=True, slots=True)
class DownloadOutcome:
    fileid: FileId
    ok: bool
    path: Path | None
    bytes: int
    errmsg: str
    state: FileState
    kind: ErrorKind | None = None  # why it failed: FILE, NETWORK (gave up), REQUEST, …

    def report(self) -> dict[str, Any]:
        """The ``--report`` record (DESIGN §4): exactly these five fields."""
        return {
            "fileid": self.fileid.raw,
            "ok": self.ok,
            "path": str(self.path) if self.path is not None else None,
            "bytes": self.bytes,
            "errmsg": self.errmsg,
        }


class DiskFullError(TcbError):
    """The disk filled up: the run stopped, partial files were kept and will resume."""

    kind = ErrorKind.CONFIG

    def __init__(self, message: str, *, outcomes: Sequence[DownloadOutcome] = ()) -> None:
        super().__init__(message)
        self.outcomes: tuple[DownloadOutcome, ...] = tuple(outcomes)


ProgressCallback = Callable[[Sequence[FileProgress], TotalProgress], None]
RefreshLinks = Callable[[Sequence[FileId]], Awaitable[Sequence[LinkResult]]]


# ---------------------------------------------------------------------------------------
# What a file's failure says (registered: the window shows them translated)
# ---------------------------------------------------------------------------------------

_NESTED_REASON = frozenset({"reason"})
_HTML_PAGE_TYPED = MessageTemplate(
    "The server sent an HTML page ({media_type}) instead of the file"
)
_HTML_PAGE = message("The server sent an HTML page instead of the file")
_NOT_SAVED = MessageTemplate("{reason}; it was not saved", nested=_NESTED_REASON)
_BAD_LINK = message("The download link is not a valid URL")
_NOT_HTTP = message("Refusing to fetch a link that is not http(s)")
_BAD_REDIRECT = message("The server redirected to an invalid address")
_TOO_MANY_REDIRECTS = message("Too many redirects")
_LINK_REFUSED = MessageTemplate("The server refused the link ({status})")
_LINK_EXPIRED = MessageTemplate("The link has expired ({status})")
_SERVER_ANSWERED = MessageTemplate("The server answered {status}")
_NOT_ON_SERVER = MessageTemplate("The file is not on the server ({status})")
_EVEN_FRESH = MessageTemplate("{reason}, even with a fresh link", nested=_NESTED_REASON)
_GAVE_UP = MessageTemplate("{reason} (gave up after {tries} tries)", nested=_NESTED_REASON)
_TOO_MUCH = MessageTemplate("The server sent more than the announced {total}; starting over")
_ENDED_EARLY = MessageTemplate("The download ended early ({written} of {total}); resuming")
_STARTING_OVER = MessageTemplate("{reason}; starting over", nested=_NESTED_REASON)
_NO_REST = message("The server could not serve the rest of the file")
_OTHER_PART = message("The server sent a different part of the file")
_CHANGED = message("The file changed on the server")
_CUT_AFTER = MessageTemplate("{reason} after {written}; resuming", nested=_NESTED_REASON)
_PART_SIZE = MessageTemplate("The partial file holds {size}, not {total}")
_CANNOT_WRITE = MessageTemplate("Cannot write {path}: {reason}")
_NOT_REGULAR = MessageTemplate("{name} is not a regular file; refusing to write it")
_CANNOT_CREATE = MessageTemplate("Cannot create the folder {dest}: {reason}")
_DISK_FULL = MessageTemplate(
    "The disk is full: {dest} has no room left ({reason}); partial files were kept and "
    "will resume. Free some space and run the download again."
)
_NO_SPACE = "no space"  # the reason when the system gives none (kept in English: data)
_STOPPED_DISK_FULL = message("Stopped: the disk is full")
_CANCELLED = message("Cancelled")
_NO_DOWNLOAD_LINK = message("No download link.")
_SERVICE_GAVE_NO_LINK = message("The service gave no download link.")
_REFRESH_INTERNAL = message("Could not fetch a fresh link (internal error).")
_REFRESH_NO_ANSWER = message("No answer from the service.")
_TRANSPORT_WORDS: dict[type[httpx.HTTPError], str] = {
    httpx.ConnectTimeout: message("connecting timed out"),
    httpx.ReadTimeout: message("the server stopped sending"),
    httpx.WriteTimeout: message("sending the request timed out"),
    httpx.PoolTimeout: message("no free connection"),
    httpx.ConnectError: message("could not connect"),
    httpx.RemoteProtocolError: message("the connection was cut"),
    httpx.ReadError: message("the connection broke"),
}

# ---------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------


def safe_url(url: str | httpx.URL) -> str:
    """A link fit for logs: scheme, host and path only (the signature stays out)."""
    try:
        parsed = httpx.URL(str(url))
    except (httpx.InvalidURL, TypeError):
        return "<invalid url>"
    path = parsed.raw_path.split(b"?", 1)[0].decode("ascii", "replace")
    return f"{parsed.scheme}://{parsed.netloc.decode('ascii', 'replace')}{path}"


_URL_QUERY_RE = re.compile(r"(https?://[^\s?#'\"]+)[?#][^\s'\"]*")


def _describe(exc: BaseException) -> str:
    """A transport error in words, with any URL's query cut off."""
    for cls, text in _TRANSPORT_WORDS.items():
        if isinstance(exc, cls):
            return NETWORK_ERROR.format(problem=text)
    detail = _URL_QUERY_RE.sub(r"\1", str(exc))[:200]
    return with_detail(NETWORK_ERROR_TYPE.format(error=type(exc).__name__), detail)


def _human_bytes(n: int) -> str:
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"  # pragma: no cover - the loop always returns


def _parse_content_range(value: str | None) -> tuple[int | None, int | None, int | None] | None:
    """``bytes a-b/total`` → (a, b, total); ``*`` parts are None; None if unreadable."""
    if not value:
        return None
    match = _CONTENT_RANGE_RE.match(value)
    if match is None:
        return None
    start = int(match[1]) if match[1] is not None else None
    end = int(match[2]) if match[2] is not None else None
    total = int(match[3]) if match[3] != "*" else None
    return start, end, total


def _content_length(response: httpx.Response) -> int | None:
    value = response.headers.get("content-length")
    # isascii: str.isdigit() accepts "²" and other digits int() refuses.
    if value is None or not value.strip().isascii() or not value.strip().isdigit():
        return None
    return int(value)


def _is_encoded(response: httpx.Response) -> bool:
    return response.headers.get("content-encoding", "identity").strip().lower() not in (
        "",
        "identity",
    )


def _media_type(response: httpx.Response) -> str:
    value: str = response.headers.get("content-type", "")
    return value.split(";", 1)[0].strip().lower()


def _key_extension(key: str) -> str:
    name = key.rsplit("/", 1)[-1]
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""


def _expects_html(key: str) -> bool:
    return _key_extension(key) in HTML_EXTENSIONS


def _expects_binary(key: str) -> bool:
    """True when the key's extension names a type that can never start with ``<html``."""
    guessed, _ = mimetypes.guess_type("x" + _key_extension(key), strict=False)
    if guessed is None:
        return False
    textual = ("xml", "json", "javascript", "svg", "html")
    return not guessed.startswith("text/") and not any(t in guessed for t in textual)


def html_refusal(key: str, media_type: str, head: bytes | None) -> str | None:
    """Why this response is an HTML page and not the file, or None if it may be the file.

    The rule: a key ending in .htm/.html/.xhtml/.shtml may be HTML, always. Otherwise a
    ``text/html`` or ``application/xhtml+xml`` Content-Type is refused. A body that starts
    with ``<!DOCTYPE html`` or ``<html`` is refused when no Content-Type was sent, or when
    the key's extension names a non-text type (an image, an archive, a video…), which can
    never start that way. A text-like file (``.txt``, ``.json``, no extension) served with
    a non-HTML type is kept whatever it holds: its content is the user's business.
    """
    if _expects_html(key):
        return None
    if media_type in ("text/html", "application/xhtml+xml"):
        return _HTML_PAGE_TYPED.format(media_type=media_type)
    if head is not None and (not media_type or _expects_binary(key)):
        sniffed = head.removeprefix(b"\xef\xbb\xbf")
        if _HTML_START_RE.match(sniffed):
            return _HTML_PAGE
    return None


def _strong_validator(response: httpx.Response) -> str | None:
    """The value for If-Range: a strong ETag, else Last-Modified (RFC 9110 §13.1.5)."""
    etag: str | None = response.headers.get("etag")
    if etag and not etag.startswith(("W/", "w/")):
        return etag
    modified: str | None = response.headers.get("last-modified")
    return modified or None


def protect_dot_segments(url: str) -> str:
    """``url`` with ``.`` and ``..`` path segments percent-encoded.

    A key may hold ``..`` or ``.`` segments (WECHAT_API.md §3); every HTTP client removes
    such segments from a URL before sending it (RFC 3986 §5.2.4), which would fetch
    another object. Encoded as ``%2E`` they reach the server, which decodes them back.
    The client encodes every link it hands out this way (``client.encode_url``, which
    leaves an already encoded link as it is); this covers links from anywhere else.
    """
    return encode_url(url)


def _link_query_expiry(url: str) -> datetime | None:
    """The ``t=<unix seconds>`` expiry CloudBase links carry (WECHAT_API.md §3)."""
    try:
        value = httpx.URL(url).params.get("t")
    except (httpx.InvalidURL, TypeError):
        return None
    if value is None or not value.isdigit():
        return None
    try:
        return datetime.fromtimestamp(int(value), UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _variant(path: Path, n: int) -> Path:
    """``name (n).ext`` beside ``path``, named exactly as ``paths.unique_path`` names it."""
    return paths.numbered_path(path, n)


def _is_variant_of(candidate: Path, target: Path) -> bool:
    """Whether ``candidate`` is ``target`` or one of its ``name (n).ext`` names."""
    if candidate == target:
        return True
    if candidate.parent != target.parent:
        return False
    match = re.fullmatch(
        r".* \((\d{1,6})\)" + re.escape(paths.split_extension(target.name)[1]), candidate.name
    )
    return match is not None and _variant(target, int(match[1])) == candidate


def _regular_size(path: Path) -> int | None:
    """The size of a regular file (not following symlinks), or None."""
    try:
        st = path.lstat()
    except FileNotFoundError:
        return None
    return st.st_size if stat.S_ISREG(st.st_mode) else None


def _short_name(name: str, suffix: str) -> str:
    """``name + suffix``, or a hash of ``name`` + suffix where that would be too long."""
    if len((name + suffix).encode("utf-8", "surrogatepass")) <= paths.NAME_MAX_BYTES:
        return name + suffix
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:24]
    return f".{digest}{suffix}"


def sidecar_path(part: Path) -> Path:
    """``<target>.part.json``: what the ``.part`` was downloaded from (validator, size)."""
    return part.with_name(_short_name(part.name, SIDECAR_SUFFIX))


def _write_atomic(path: Path, data: bytes) -> None:
    """Write a small file so readers see the old or the new content, never half."""
    tmp = path.with_name(_short_name(path.name, ".tmp"))
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _NO_FOLLOW, 0o666)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def _read_small(path: Path, limit: int) -> bytes | None:
    """A small regular file's bytes, refusing symlinks and anything over ``limit``."""
    try:
        fd = os.open(path, os.O_RDONLY | _NO_FOLLOW)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode) or os.fstat(fd).st_size > limit:
            return None
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read(limit + 1)
    except OSError:
        return None
    finally:
        os.close(fd)


def _fsync_dir(directory: Path) -> None:
    """Make a rename durable; directories cannot be opened for fsync on Windows."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _remove_quietly(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


# ---------------------------------------------------------------------------------------
# Sidecar and manifest
# ---------------------------------------------------------------------------------------

_SIDECAR_MAX = 16 * 1024
# A manifest of 100,000 files is about 20 MB; anything far larger is not ours.
_MANIFEST_MAX = 256 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class _PartMeta:
    fileid: str
    validator: str | None
    total: int | None


def _read_sidecar(path: Path) -> _PartMeta | None:
    data = _read_small(path, _SIDECAR_MAX)
    if data is None:
        return None
    try:
        obj = json.loads(data)
        fileid = obj["fileid"]
        validator = obj.get("validator")
        total = obj.get("total")
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    if not isinstance(fileid, str):
        return None
    if validator is not None and not isinstance(validator, str):
        validator = None
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        total = None
    return _PartMeta(fileid, validator, total)


def _write_sidecar(path: Path, meta: _PartMeta) -> None:
    body = {"fileid": meta.fileid, "validator": meta.validator, "total": meta.total}
    _write_atomic(path, json.dumps(body, ensure_ascii=False).encode("utf-8"))


@dataclass(frozen=True, slots=True)
class _ManifestEntry:
    path: str  # relative to dest, '/'-separated
    size: int
    mtime_ns: int


class _Manifest:
    """What this engine completed in ``dest``: lets a re-run skip with no request at all.

    Only ever used to *skip* a file (never to write one), and only when the recorded file
    is still there with the recorded size and modification time, inside ``dest``, under
    the name this run would give it. Saved atomically; merged with the copy on disk so two
    runs into one folder add up rather than overwrite each other.
    """

    def __init__(self, dest: Path) -> None:
        self.dest = dest
        self.path = dest / MANIFEST_NAME
        self.entries: dict[str, _ManifestEntry] = {}
        self.changed: dict[str, _ManifestEntry] = {}  # completed in this run, not yet saved
        self._write_lock = threading.Lock()

    def _read(self) -> dict[str, _ManifestEntry]:
        data = _read_small(self.path, _MANIFEST_MAX)
        if data is None:
            return {}
        try:
            obj = json.loads(data)
            files = obj["files"] if obj.get("version") == MANIFEST_VERSION else {}
        except (ValueError, KeyError, TypeError, AttributeError):
            return {}
        entries: dict[str, _ManifestEntry] = {}
        if not isinstance(files, dict):
            return entries
        for raw, rec in files.items():
            try:
                entry = _ManifestEntry(str(rec["path"]), int(rec["size"]), int(rec["mtime_ns"]))
            except (KeyError, TypeError, ValueError):
                continue
            entries[raw] = entry
        return entries

    def load(self) -> None:
        self.entries = self._read()

    def vouched(self, fileid: FileId, target: Path) -> tuple[Path, int] | None:
        """The earlier complete copy of ``fileid`` at ``target`` (or a ``(n)`` variant)."""
        entry = self.entries.get(fileid.raw)
        if entry is None:
            return None
        rel = Path(*entry.path.split("/")) if entry.path else None
        if rel is None or rel.is_absolute() or ".." in rel.parts:
            return None
        candidate = self.dest / rel
        if not _is_variant_of(candidate, target):
            return None
        try:
            st = candidate.lstat()
        except OSError:
            return None
        if not stat.S_ISREG(st.st_mode) or st.st_size != entry.size:
            return None
        if st.st_mtime_ns != entry.mtime_ns:
            return None
        return candidate, entry.size

    def record(self, fileid: FileId, path: Path) -> None:
        try:
            st = path.lstat()
            rel = path.relative_to(self.dest)
        except (OSError, ValueError):
            return
        entry = _ManifestEntry("/".join(rel.parts), st.st_size, st.st_mtime_ns)
        self.entries[fileid.raw] = entry
        self.changed[fileid.raw] = entry

    async def save(self, *, final: bool = False) -> None:
        """Write what is known now, atomically, in a worker thread.

        The periodic saves write this run's view (entries loaded at the start plus the
        files completed since); the final one first merges what another run into the
        same folder may have saved meanwhile. Whatever a crash loses costs one probe per
        file next time, never a wrong skip.
        """
        if not self.changed:
            return
        # Snapshots taken on the loop thread: the worker thread reads only these.
        changed, self.changed = self.changed, {}
        entries = dict(self.entries)
        try:
            saved = await asyncio.to_thread(self._write, entries, changed if final else None)
        except asyncio.CancelledError:
            self.changed = {**changed, **self.changed}  # the final save writes them
            raise
        if not saved:
            self.changed = {**changed, **self.changed}

    def _write(
        self, entries: dict[str, _ManifestEntry], merge: dict[str, _ManifestEntry] | None
    ) -> bool:
        # A cancelled save's thread may still be writing when the final one starts.
        with self._write_lock:
            return self._write_locked(entries, merge)

    def _write_locked(
        self, entries: dict[str, _ManifestEntry], merge: dict[str, _ManifestEntry] | None
    ) -> bool:
        if merge is not None:
            entries = {**self._read(), **merge}
        files = {
            raw: {"path": e.path, "size": e.size, "mtime_ns": e.mtime_ns}
            for raw, e in entries.items()
        }
        body = {"version": MANIFEST_VERSION, "files": files}
        try:
            _write_atomic(self.path, json.dumps(body, ensure_ascii=False).encode("utf-8"))
        except OSError as exc:
            log.warning("Could not save the download manifest: %s", exc.strerror or exc)
            return False
        return True


# ---------------------------------------------------------------------------------------
# Progress bookkeeping
# ---------------------------------------------------------------------------------------


class _SpeedMeter:
    """Bytes/s over a sliding window of (time, cumulative bytes) samples."""

    __slots__ = ("_samples", "_window")

    def __init__(self, window: float = SPEED_WINDOW_SECONDS) -> None:
        self._window = window
        self._samples: deque[tuple[float, int]] = deque()

    def sample(self, now: float, total: int) -> None:
        self._samples.append((now, total))
        while len(self._samples) > 2 and now - self._samples[1][0] >= self._window:
            self._samples.popleft()

    def speed(self) -> float:
        if len(self._samples) < 2:
            return 0.0
        (t0, b0), (t1, b1) = self._samples[0], self._samples[-1]
        return (b1 - b0) / (t1 - t0) if t1 > t0 else 0.0

    def reset(self) -> None:
        self._samples.clear()


@dataclass(slots=True, eq=False)
class _Job:
    index: int
    fileid: FileId
    link: LinkResult | None
    planned: Path | None = None  # the name this run gives the file (after in-run dedupe)
    out: Path | None = None  # where the bytes go, once the existing-file rule decided
    state: FileState = FileState.QUEUED
    bytes_done: int = 0
    bytes_total: int | None = None
    errmsg: str = ""
    kind: ErrorKind | None = None  # why it failed (None unless FAILED)
    resumed_from: int = 0
    received: int = 0  # bytes received over the network in this run
    meter: _SpeedMeter = field(default_factory=_SpeedMeter)

    @property
    def shown_path(self) -> Path | None:
        return self.out or self.planned


# ---------------------------------------------------------------------------------------
# Internal outcomes of one attempt
# ---------------------------------------------------------------------------------------


class _AttemptError(Exception):
    def __init__(self, message: str, kind: ErrorKind = ErrorKind.FILE) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind  # why the file failed, for the caller's exit code


class _Transient(_AttemptError):
    """Try again after a backoff, resuming from the bytes on disk."""


class _LinkRejected(_AttemptError):
    """The link no longer works: fetch a fresh one and go on."""


class _FileFailed(_AttemptError):
    """This file cannot be downloaded; the others go on."""


# ---------------------------------------------------------------------------------------
# Fresh links, coalesced
# ---------------------------------------------------------------------------------------


class _LinkRefresher:
    """Collects the files that need a fresh link and asks for them together.

    Needs arriving within a short window are sent as one call of up to 50 IDs; more calls
    run side by side, at most ``REFRESH_CONCURRENCY``. A refresh that fails as a whole
    (token rejected, service down) answers each waiting file with a failed result; the
    first such error is kept in ``error`` for the caller to report.
    """

    def __init__(self, refresh: RefreshLinks) -> None:
        self._refresh = refresh
        self._futures: dict[str, asyncio.Future[LinkResult]] = {}
        self._queue: list[FileId] = []
        self._task: asyncio.Task[None] | None = None
        self._limit = asyncio.Semaphore(REFRESH_CONCURRENCY)
        self.error: TcbError | None = None
        self.calls: list[int] = []  # batch sizes, for tests and logs

    def _want(self, fileid: FileId) -> asyncio.Future[LinkResult]:
        future = self._futures.get(fileid.raw)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self._futures[fileid.raw] = future
            self._queue.append(fileid)
            if self._task is None or self._task.done():
                self._task = asyncio.create_task(self._flush(), name="download-link-refresh")
        return future

    def prefetch(self, ids: Iterable[FileId]) -> None:
        for fileid in ids:
            self._want(fileid)

    async def get(self, fileid: FileId) -> LinkResult:
        # Shielded: a paused transfer abandons the wait, but the answer is kept for it.
        result = await asyncio.shield(self._want(fileid))
        self._futures.pop(fileid.raw, None)
        return result

    async def _flush(self) -> None:
        await asyncio.sleep(REFRESH_COALESCE_SECONDS)
        while self._queue:
            queue, self._queue = self._queue, []
            batches = [queue[i : i + REFRESH_BATCH] for i in range(0, len(queue), REFRESH_BATCH)]
            await asyncio.gather(*(self._call(batch) for batch in batches))

    async def _call(self, batch: list[FileId]) -> None:
        async with self._limit:
            self.calls.append(len(batch))
            try:
                results = await self._refresh(batch)
            except TcbError as exc:
                self.error = self.error or exc
                failed = exc.message
                kind = exc.kind
                results = [LinkResult(fid, False, None, failed, None, None, kind) for fid in batch]
            except Exception:
                log.exception("Fetching fresh download links failed")
                results = [
                    LinkResult(
                        fid,
                        False,
                        None,
                        _REFRESH_INTERNAL,
                        None,
                        None,
                        ErrorKind.NETWORK,
                    )
                    for fid in batch
                ]
        by_id = {r.fileid.raw: r for r in results}
        for fid in batch:
            future = self._futures.get(fid.raw)
            if future is None or future.done():
                continue
            result = by_id.get(fid.raw) or LinkResult(
                fid, False, None, _REFRESH_NO_ANSWER, None, None, ErrorKind.NETWORK
            )
            future.set_result(result)

    async def close(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


# ---------------------------------------------------------------------------------------
# The part file
# ---------------------------------------------------------------------------------------


class _PartFile:
    """``<target>.part`` opened for writing at ``offset``, never through a symlink."""

    def __init__(self, path: Path, offset: int, buffer_size: int) -> None:
        flags = os.O_WRONLY | os.O_CREAT | _NO_FOLLOW
        fd = os.open(path, flags, 0o666)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise _FileFailed(_NOT_REGULAR.format(name=path.name))
            os.ftruncate(fd, offset)
            os.lseek(fd, offset, os.SEEK_SET)
        except BaseException:
            os.close(fd)
            raise
        self.path = path
        self._file = os.fdopen(fd, "wb", buffering=buffer_size)

    def write(self, data: bytes) -> None:
        self._file.write(data)

    def flush(self) -> None:
        self._file.flush()

    def sync_and_close(self) -> None:
        try:
            self._file.flush()
            os.fsync(self._file.fileno())
        finally:
            self._file.close()

    def abandon(self) -> None:
        """Close after a failure, keeping whatever reached the file (a later try resumes
        from the file's real size, so a buffer that could not be flushed costs nothing)."""
        with contextlib.suppress(OSError, ValueError):
            self._file.flush()
        with contextlib.suppress(OSError, ValueError):
            self._file.close()


def _publish(part: Path, final: Path, *, replace: bool) -> Path:
    """Move the finished part into place atomically; return the path it got.

    With ``replace`` an existing file is replaced (``overwrite``). Otherwise the name must
    still be free at this instant: a hard link fails rather than clobber a file that
    appeared meanwhile, and the next ``(n)`` name is taken instead.
    """
    if replace:
        os.replace(part, final)
        return final
    candidate, n = final, 0
    while True:
        try:
            os.link(part, candidate)
        except FileExistsError:
            n += 1
            candidate = _variant(final, n)
            continue
        except OSError as exc:
            if exc.errno in DISK_FULL_ERRNOS:
                raise
            # No hard links here (FAT, some network shares): check, then rename.
            if candidate.exists() or candidate.is_symlink():
                n += 1
                candidate = _variant(final, n)
                continue
            os.replace(part, candidate)
            return candidate
        os.unlink(part)
        return candidate


# ---------------------------------------------------------------------------------------
# The engine
# ---------------------------------------------------------------------------------------


class Downloader:
    """Downloads one list of files; ``run`` once, control with pause/resume/cancel."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        refresh: RefreshLinks,
        options: DownloadOptions,
        *,
        on_progress: ProgressCallback | None = None,
        progress_interval: float = DEFAULT_PROGRESS_INTERVAL,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        install_log_redaction()  # httpx logs every URL at INFO: keep `sign=` out of logs
        self._http = http
        self._options = options
        self._on_progress = on_progress
        self._interval = progress_interval
        self._now = clock
        self._refresher = _LinkRefresher(refresh)
        self._limiter = TokenBucket(options.limit_rate) if options.limit_rate else None
        self._dest = options.dest
        self._manifest = _Manifest(options.dest)
        self._jobs: list[_Job] = []
        self._taken: set[str] = set()  # paths.path_key of every name given out in this run
        self._case_insensitive = False  # probed on the folder by _prepare
        self._active: set[asyncio.Task[None]] = set()
        self._running = asyncio.Event()
        self._running.set()
        self._stopping = False
        self._discard = False
        self._disk_full: DiskFullError | None = None
        self._started = False
        # Progress aggregates, kept incrementally so a tick is O(changed files).
        self._dirty: dict[int, _Job] = {}
        self._downloading: dict[int, _Job] = {}
        self._counts: dict[FileState, int] = dict.fromkeys(FileState, 0)
        self._bytes_done = 0
        self._bytes_total = 0
        self._received = 0
        self._meter = _SpeedMeter()

    # -- control (callable from UI slots on the same loop) ---------------------------

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    @property
    def refresh_error(self) -> TcbError | None:
        """A failure of the link service met while refreshing links (token, quota…)."""
        return self._refresher.error

    def pause(self) -> None:
        """Stop the transfers in flight (their partial files stay) and start no new one."""
        if self._stopping or not self._running.is_set():
            return
        self._running.clear()
        for task in list(self._active):
            task.cancel()
        self._dirty_all_active()

    def resume(self) -> None:
        self._running.set()

    def cancel(self, *, discard_partial: bool = False) -> None:
        """End the run. Partial files are kept for a later run unless ``discard_partial``."""
        self._stopping = True
        self._discard = discard_partial
        self._running.set()  # wake paused workers so they can finish
        for task in list(self._active):
            task.cancel()

    # -- the run -----------------------------------------------------------------------

    async def run(self, items: Sequence[LinkResult]) -> list[DownloadOutcome]:
        """Download every item; outcomes in input order.

        Raises ``DiskFullError`` (with ``.outcomes``) when the disk fills up. A refused
        refresh (token, quota) fails the files that needed a link; see ``refresh_error``.
        """
        if self._started:
            raise RuntimeError("a Downloader runs once; make a new one")
        self._started = True
        self._jobs = [_Job(i, item.fileid, item) for i, item in enumerate(items)]
        self._counts[FileState.QUEUED] = len(self._jobs)
        await asyncio.to_thread(self._prepare)
        queue = deque(job for job in self._jobs if job.state is FileState.QUEUED)
        self._refresher.prefetch(
            job.fileid for job in queue if self._needs_link(job) and not self._dead_link(job)
        )
        ticker = asyncio.create_task(self._tick(), name="download-progress")
        workers = [
            asyncio.create_task(self._worker(queue), name=f"download-worker-{n}")
            for n in range(min(self._options.concurrency, len(queue)))
        ]
        try:
            await asyncio.gather(*workers)
        finally:
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            ticker.cancel()
            await asyncio.gather(ticker, return_exceptions=True)
            await self._refresher.close()
            for job in self._jobs:
                if job.state not in _FINAL_STATES:
                    self._set_state(job, FileState.CANCELLED)
            if self._discard:
                await asyncio.to_thread(self._discard_partials)
            await self._manifest.save(final=True)
            self._emit(final=True)
        outcomes = [self._outcome(job) for job in self._jobs]
        if self._disk_full is not None:
            self._disk_full.outcomes = tuple(outcomes)
            raise self._disk_full
        return outcomes

    def _prepare(self) -> None:
        """Runs in a thread: the folder, the manifest, and every file's name (input order)."""
        try:
            self._dest.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(_CANNOT_CREATE.format(dest=self._dest, reason=exc.strerror)) from None
        self._case_insensitive = paths.is_case_insensitive(self._dest)
        self._manifest.load()
        skip = self._options.on_exists is OnExists.SKIP
        layout: paths.Layout = "flat" if self._options.layout is Layout.FLAT else "tree"
        for job in self._jobs:
            try:
                target = paths.target_path(self._dest, job.fileid.env, job.fileid.key, layout)
            except paths.UnsafePathError as exc:
                self._fail(job, exc.message)
                continue
            vouched = self._manifest.vouched(job.fileid, target) if skip else None
            if vouched is not None and self._key(vouched[0]) not in self._taken:
                path, size = vouched
                job.planned = job.out = path
                self._taken.add(self._key(path))
                self._set_total(job, size)
                self._set_done(job, size)
                self._set_state(job, FileState.SKIPPED)
                continue
            # Same name as an earlier file of this run: "name (n).ext", decided by input
            # order alone (not by what is on disk), so a re-run gives the same names.
            n = 0
            candidate = target
            while self._key(candidate) in self._taken:
                n += 1
                candidate = _variant(target, n)
            job.planned = candidate
            self._taken.add(self._key(candidate))
            if not self._needs_link(job):
                continue
            if self._dead_link(job):
                link = job.link
                self._fail(
                    job,
                    link.errmsg if link else _NO_DOWNLOAD_LINK,
                    (link.kind if link else None) or ErrorKind.FILE,
                )

    def _key(self, path: Path) -> str:
        return paths.path_key(path, case_insensitive=self._case_insensitive)

    def _needs_link(self, job: _Job) -> bool:
        link = job.link
        if link is None or not link.ok or not link.download_url:
            return True
        return self._expiring(link, link.download_url)

    @staticmethod
    def _dead_link(job: _Job) -> bool:
        """A per-file answer (e.g. "file does not exist"): asking again would not help."""
        link = job.link
        return link is not None and not link.ok and link.kind is ErrorKind.FILE

    def _expiring(self, link: LinkResult | None, url: str) -> bool:
        now = self._now()
        if (
            link is not None
            and link.expires_at is not None
            and link.expires_at - LINK_EXPIRY_MARGIN <= now
        ):
            return True
        expiry = _link_query_expiry(url)
        return expiry is not None and expiry <= now

    async def _worker(self, queue: deque[_Job]) -> None:
        while queue and not self._stopping:
            await self._running.wait()
            if self._stopping or not queue:
                return
            job = queue.popleft()
            await self._process(job)

    async def _process(self, job: _Job) -> None:
        while True:
            await self._running.wait()
            if self._stopping:
                return
            task = asyncio.create_task(self._download(job), name=f"download-{job.index}")
            self._active.add(task)
            try:
                await task
                return
            except asyncio.CancelledError:
                current = asyncio.current_task()
                if current is not None and current.cancelling():
                    raise
                if self._stopping or job.state in _FINAL_STATES:
                    return
                # Paused: the part file stays; resume() retries with Range.
                self._set_state(job, FileState.PAUSED)
            finally:
                self._active.discard(task)

    async def _download(self, job: _Job) -> None:
        try:
            await self._download_file(job)
        except _FileFailed as exc:
            self._fail(job, exc.message, exc.kind)
        except OSError as exc:
            if exc.errno in DISK_FULL_ERRNOS:
                self._on_disk_full(job, exc)
            else:
                where = job.out.name if job.out else job.fileid.key
                self._fail(job, _CANNOT_WRITE.format(path=where, reason=exc.strerror or exc))

    def _on_disk_full(self, job: _Job, exc: OSError) -> None:
        message = _DISK_FULL.format(dest=self._dest, reason=exc.strerror or _NO_SPACE)
        self._fail(job, message)
        if self._disk_full is None:
            self._disk_full = DiskFullError(message)
            log.error("%s", message)
        self._stopping = True
        self._running.set()
        for task in list(self._active):
            if task is not asyncio.current_task():
                task.cancel()

    async def _download_file(self, job: _Job) -> None:
        """Get one file to disk: link, existing-file rule, transfer with retries."""
        policy = self._options.retry
        tries = 0
        refusals = 0
        self._set_state(job, FileState.DOWNLOADING)
        while True:
            url = await self._usable_link(job)
            # Progress = more of the file kept on disk than before this attempt.
            kept_before = job.bytes_done
            try:
                if job.out is None:
                    await self._choose_output(job, url)
                    if job.state is FileState.SKIPPED:
                        return
                await self._transfer(job, url)
                return
            except _LinkRejected as exc:
                if job.bytes_done > kept_before:
                    refusals = 0
                refusals += 1
                if refusals > MAX_LINK_REFRESHES:
                    raise _FileFailed(_EVEN_FRESH.format(reason=exc.message)) from None
                log.info("%s: %s; fetching a fresh link", job.fileid.raw, exc.message)
                job.link = None
            except _Transient as exc:
                if job.bytes_done > kept_before:
                    tries = 0
                tries += 1
                if tries >= policy.max_tries:
                    raise _FileFailed(
                        _GAVE_UP.format(reason=exc.message, tries=tries), ErrorKind.NETWORK
                    ) from None
                delay = policy.delay(tries - 1)
                log.info("%s: %s; retrying in %.1f s", job.fileid.raw, exc.message, delay)
                await asyncio.sleep(delay)

    async def _usable_link(self, job: _Job) -> str:
        link = job.link
        if (
            link is None
            or not link.ok
            or not link.download_url
            or self._expiring(link, link.download_url)
        ):
            link = await self._refresher.get(job.fileid)
            job.link = link
            if not link.ok or not link.download_url:
                raise _FileFailed(
                    link.errmsg or _SERVICE_GAVE_NO_LINK,
                    link.kind or ErrorKind.FILE,
                )
        assert link.download_url is not None
        return link.download_url

    # -- existing files --------------------------------------------------------------

    async def _choose_output(self, job: _Job, url: str) -> None:
        """Apply the existing-file rule: set ``job.out``, or mark the file skipped."""
        target = job.planned
        assert target is not None
        on_exists = self._options.on_exists
        if on_exists is OnExists.OVERWRITE or not os.path.lexists(target):  # noqa: ASYNC240
            job.out = target
            return
        if on_exists is OnExists.RENAME:
            job.out = paths.unique_path(
                target, self._taken, case_insensitive=self._case_insensitive
            )
            return
        # skip: the same size means complete; anything else is kept, and the download
        # goes beside it (a "(n)" name that earlier runs may already have completed).
        self._settle_existing(job, target, await self._probe_size(job, url))

    def _settle_existing(self, job: _Job, target: Path, remote: int | None) -> None:
        n = 0
        candidate = target
        while os.path.lexists(candidate):
            size = _regular_size(candidate)
            if remote is not None and size == remote:
                log.info("%s: already complete at %s", job.fileid.raw, candidate.name)
                job.out = candidate
                self._set_total(job, remote)
                self._set_done(job, remote)
                self._manifest.record(job.fileid, candidate)
                self._set_state(job, FileState.SKIPPED)
                return
            n += 1
            candidate = _variant(target, n)
            while self._key(candidate) in self._taken:
                n += 1
                candidate = _variant(target, n)
        self._taken.add(self._key(candidate))
        job.out = candidate

    async def _probe_size(self, job: _Job, url: str) -> int | None:
        """The remote size from a one-byte range request (no body worth the name)."""
        async with self._get(job, url, {"Range": "bytes=0-0"}) as response:
            if response.status_code == 206:
                parsed = _parse_content_range(response.headers.get("content-range"))
                return parsed[2] if parsed else None
            if response.status_code == 416:
                parsed = _parse_content_range(response.headers.get("content-range"))
                return parsed[2] if parsed else None
            return None if _is_encoded(response) else _content_length(response)

    # -- HTTP ------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def _get(
        self, job: _Job, url: str, headers: dict[str, str]
    ) -> AsyncIterator[httpx.Response]:
        """GET ``url`` streamed, following redirects to http(s) only; statuses classified."""
        current = protect_dot_segments(url)
        for _ in range(MAX_REDIRECTS + 1):
            try:
                parsed = httpx.URL(current)
            except (httpx.InvalidURL, TypeError):
                raise _FileFailed(_BAD_LINK) from None
            if parsed.scheme not in ("http", "https") or not parsed.host:
                raise _FileFailed(_NOT_HTTP)
            log.debug("GET %s %s", safe_url(parsed), headers.get("Range", ""))
            request = self._http.build_request(
                "GET", parsed, headers={"Accept-Encoding": "identity", **headers}
            )
            try:
                response = await self._http.send(request, stream=True, follow_redirects=False)
            except httpx.TransportError as exc:
                raise _Transient(_describe(exc)) from None
            except httpx.InvalidURL:
                # httpx builds the next request of any 3xx, even unfollowed: a Location
                # it cannot parse ("javascript:…") fails here.
                raise _FileFailed(_BAD_REDIRECT) from None
            try:
                location = response.headers.get("location")
                if response.status_code in _REDIRECT_STATUSES and location:
                    try:
                        current = str(parsed.join(location))
                    except (httpx.InvalidURL, TypeError, ValueError):
                        raise _FileFailed(_BAD_REDIRECT) from None
                    continue
                self._check_status(job, response, current)
                yield response
                return
            finally:
                await response.aclose()
        raise _FileFailed(_TOO_MANY_REDIRECTS)

    def _check_status(self, job: _Job, response: httpx.Response, url: str) -> None:
        status = response.status_code
        if status in (200, 206):
            refusal = html_refusal(job.fileid.key, _media_type(response), None)
            if refusal:
                raise _Transient(_NOT_SAVED.format(reason=refusal))
            return
        if status == 416:
            return
        reason = f"{status} {response.reason_phrase}".strip()
        if status == 403:
            raise _LinkRejected(_LINK_REFUSED.format(status=reason))
        if status in (400, 404) and self._expiring(job.link, url):
            raise _LinkRejected(_LINK_EXPIRED.format(status=reason))
        if status in _TRANSIENT_STATUSES or status >= 500:
            raise _Transient(_SERVER_ANSWERED.format(status=reason))
        if status == 404:
            raise _FileFailed(_NOT_ON_SERVER.format(status=reason))
        raise _FileFailed(_SERVER_ANSWERED.format(status=reason))

    # -- transfer --------------------------------------------------------------------

    async def _transfer(self, job: _Job, url: str) -> None:
        out = job.out
        assert out is not None
        paths.ensure_parent(out, self._dest)
        part = paths.part_path(out)
        sidecar = sidecar_path(part)
        meta = _read_sidecar(sidecar)
        if meta is not None and meta.fileid != job.fileid.raw:
            meta = None  # another file's leftovers under this name: not ours to resume
            _remove_quietly(sidecar)
            _remove_quietly(part)
        offset = _regular_size(part) or 0
        if meta is not None and meta.total is not None:
            if offset > meta.total:
                offset = 0
            elif offset == meta.total and offset > 0:
                # Complete but never renamed (stopped between fsync and rename).
                self._set_total(job, meta.total)
                self._set_done(job, offset)
                await self._finish(job, part, sidecar, None)
                return

        headers: dict[str, str] = {}
        if offset > 0:
            headers["Range"] = f"bytes={offset}-"
            if meta is not None and meta.validator:
                headers["If-Range"] = meta.validator
        async with self._get(job, url, headers) as response:
            known = meta.total if meta is not None else None
            start, total = self._body_range(job, response, offset, known)
            if start is None:
                # 416 with the whole file already here: only the rename is left.
                self._set_done(job, offset)
                await self._finish(job, part, sidecar, None)
                return
            if start == 0 and offset > 0:
                log.info("%s: the server sent the whole file; starting over", job.fileid.raw)
            elif start > 0 and job.resumed_from == 0:
                job.resumed_from = start
            validator = _strong_validator(response)
            new_meta = _PartMeta(job.fileid.raw, validator, total)
            if new_meta != meta:
                _write_sidecar(sidecar, new_meta)
            self._set_total(job, total)
            self._set_done(job, start)
            writer = _PartFile(part, start, self._options.chunk_size)
            try:
                written = await self._stream_body(job, response, writer, start, total)
            except BaseException:
                writer.abandon()
                raise
        if total is not None and written != total:
            writer.abandon()
            if written > total:
                _remove_quietly(part)
                self._set_done(job, 0)
                raise _Transient(_TOO_MUCH.format(total=_human_bytes(total)))
            raise _Transient(
                _ENDED_EARLY.format(written=_human_bytes(written), total=_human_bytes(total))
            )
        await self._finish(job, part, sidecar, writer)

    def _body_range(
        self, job: _Job, response: httpx.Response, offset: int, known_total: int | None
    ) -> tuple[int | None, int | None]:
        """Where the body starts and the file's total size; (None, _) = already complete."""
        status = response.status_code
        encoded = _is_encoded(response)
        if status == 416:
            parsed = _parse_content_range(response.headers.get("content-range"))
            total = parsed[2] if parsed else None
            if total is not None and offset == total:
                self._set_total(job, total)
                return None, total
            raise self._restart(job, _NO_REST)
        if status == 206:
            parsed = _parse_content_range(response.headers.get("content-range"))
            if parsed is None or parsed[0] != offset or encoded:
                raise self._restart(job, _OTHER_PART)
            if known_total is not None and parsed[2] is not None and parsed[2] != known_total:
                # No validator caught it, but the size did: the file changed on the server.
                raise self._restart(job, _CHANGED)
            return offset, parsed[2]
        return 0, None if encoded else _content_length(response)

    def _restart(self, job: _Job, why: str) -> _Transient:
        out = job.out
        if out is not None:
            part = paths.part_path(out)
            _remove_quietly(part)
            _remove_quietly(sidecar_path(part))
        self._set_done(job, 0)
        return _Transient(_STARTING_OVER.format(reason=why))

    async def _stream_body(
        self,
        job: _Job,
        response: httpx.Response,
        writer: _PartFile,
        start: int,
        total: int | None,
    ) -> int:
        written = start
        limiter = self._limiter
        # The first bytes of a body starting at 0 are held back until we know it is
        # not an HTML error page, so such a page never reaches the disk.
        head: bytearray | None = bytearray() if start == 0 else None
        media_type = _media_type(response)
        key = job.fileid.key
        try:
            # aiter_bytes: identity bodies pass through untouched; an encoded one (the
            # server ignored "Accept-Encoding: identity") is decoded, its length unchecked.
            # aclosing: loops without asyncio's async-generator hooks (qasync) would
            # otherwise leave a paused transfer's iterator to the garbage collector.
            body = cast(AsyncGenerator[bytes, None], response.aiter_bytes())
            async with contextlib.aclosing(body) as chunks:
                async for chunk in chunks:
                    if head is not None:
                        head += chunk
                        if len(head) < SNIFF_BYTES:
                            continue
                        chunk, head = bytes(head), None
                        self._refuse_html(key, media_type, chunk)
                    writer.write(chunk)
                    size = len(chunk)
                    written += size
                    self._add_bytes(job, size)
                    if total is not None and written > total:
                        break
                    if limiter is not None:
                        await limiter.acquire(size)
        except httpx.HTTPError as exc:
            writer.flush()
            raise _Transient(
                _CUT_AFTER.format(reason=_describe(exc), written=_human_bytes(written))
            ) from None
        if head is not None:
            self._refuse_html(key, media_type, bytes(head))
            writer.write(bytes(head))
            written += len(head)
            self._add_bytes(job, len(head))
        writer.flush()
        return written

    @staticmethod
    def _refuse_html(key: str, media_type: str, head: bytes) -> None:
        refusal = html_refusal(key, media_type, head)
        if refusal:
            raise _Transient(_NOT_SAVED.format(reason=refusal))

    async def _finish(self, job: _Job, part: Path, sidecar: Path, writer: _PartFile | None) -> None:
        """fsync, verify, rename into place atomically, fsync the folder."""
        out = job.out
        assert out is not None
        replace = self._options.on_exists is OnExists.OVERWRITE
        total = job.bytes_total

        def finish() -> Path:
            if writer is not None:
                writer.sync_and_close()
            else:
                fd = os.open(part, os.O_RDONLY | _NO_FOLLOW)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
            # What reached the disk, not what we counted, decides (DESIGN §3: verified).
            size = os.lstat(part).st_size
            if total is not None and size != total:
                raise _Transient(
                    _PART_SIZE.format(size=_human_bytes(size), total=_human_bytes(total))
                )
            final = _publish(part, out, replace=replace)
            _fsync_dir(final.parent)
            _remove_quietly(sidecar)
            return final

        publishing = asyncio.ensure_future(asyncio.to_thread(finish))
        try:
            final = await asyncio.shield(publishing)
        except asyncio.CancelledError:
            # Paused or cancelled while the rename was under way in a thread: let it
            # land and record it, so a resume does not download the file a second time.
            await asyncio.wait([publishing])
            if not publishing.cancelled() and publishing.exception() is None:
                self._published(job, publishing.result())
            raise
        self._published(job, final)

    def _published(self, job: _Job, final: Path) -> None:
        if final != job.out:
            self._taken.add(self._key(final))
            job.out = final  # a file appeared at the name meanwhile: "(n)" was taken
        self._manifest.record(job.fileid, final)
        log.info("%s: saved as %s", job.fileid.raw, final)
        self._set_state(job, FileState.DONE)

    def _discard_partials(self) -> None:
        for job in self._jobs:
            if job.state in (FileState.DONE, FileState.SKIPPED) or job.out is None:
                continue
            part = paths.part_path(job.out)
            _remove_quietly(part)
            _remove_quietly(sidecar_path(part))

    # -- bookkeeping -----------------------------------------------------------------

    def _set_state(self, job: _Job, state: FileState) -> None:
        if job.state is state:
            return
        self._counts[job.state] -= 1
        self._counts[state] += 1
        job.state = state
        if state is FileState.DOWNLOADING:
            self._downloading[job.index] = job
        else:
            self._downloading.pop(job.index, None)
            job.meter.reset()
        self._dirty[job.index] = job

    def _fail(self, job: _Job, message: str, kind: ErrorKind = ErrorKind.FILE) -> None:
        job.errmsg = message
        job.kind = kind
        log.info("%s: %s", job.fileid.raw, message)
        self._set_state(job, FileState.FAILED)
        self._dirty[job.index] = job

    def _set_total(self, job: _Job, total: int | None) -> None:
        self._bytes_total += (total or 0) - (job.bytes_total or 0)
        job.bytes_total = total
        self._dirty[job.index] = job

    def _set_done(self, job: _Job, done: int) -> None:
        self._bytes_done += done - job.bytes_done
        job.bytes_done = done
        self._dirty[job.index] = job

    def _add_bytes(self, job: _Job, size: int) -> None:
        job.bytes_done += size
        job.received += size
        self._bytes_done += size
        self._received += size
        self._dirty[job.index] = job

    def _dirty_all_active(self) -> None:
        for job in self._downloading.values():
            self._dirty[job.index] = job

    def _snapshot(self, job: _Job) -> FileProgress:
        path = job.shown_path if job.state is not FileState.FAILED else job.out
        return FileProgress(
            fileid=job.fileid,
            state=job.state,
            path=path,
            bytes_done=job.bytes_done,
            bytes_total=job.bytes_total,
            speed=job.meter.speed(),
            errmsg=job.errmsg,
            resumed_from=job.resumed_from,
            index=job.index,
        )

    def total_progress(self) -> TotalProgress:
        speed = self._meter.speed()
        left = self._bytes_total - self._bytes_done
        eta = left / speed if speed > 0 and left >= 0 else None
        return TotalProgress(
            files_done=self._counts[FileState.DONE] + self._counts[FileState.SKIPPED],
            files_failed=self._counts[FileState.FAILED],
            files_total=len(self._jobs),
            bytes_done=self._bytes_done,
            bytes_total=self._bytes_total,
            speed=speed,
            eta=eta,
            paused=self.paused,
        )

    def progress(self) -> list[FileProgress]:
        """Every file's progress now, in input order (for a view opened mid-run)."""
        return [self._snapshot(job) for job in self._jobs]

    async def _tick(self) -> None:
        loop = asyncio.get_running_loop()
        last_save = loop.time()
        while True:
            await asyncio.sleep(self._interval)
            now = loop.time()
            self._meter.sample(now, self._received)
            for job in self._downloading.values():
                job.meter.sample(now, job.received)
                self._dirty[job.index] = job
            self._emit(final=False)
            if self._manifest.changed and now - last_save >= MANIFEST_SAVE_SECONDS:
                last_save = now
                await self._manifest.save()

    def _emit(self, *, final: bool) -> None:
        if self._on_progress is None:
            self._dirty.clear()
            return
        if not self._dirty and not final:
            return
        changed = [self._snapshot(job) for job in self._dirty.values()]
        self._dirty.clear()
        try:
            self._on_progress(changed, self.total_progress())
        except Exception:
            # A faulty progress view must not stop the downloads.
            log.exception("The download progress callback failed")

    def _outcome(self, job: _Job) -> DownloadOutcome:
        ok = job.state in (FileState.DONE, FileState.SKIPPED)
        errmsg = job.errmsg
        if job.state is FileState.CANCELLED and not errmsg:
            errmsg = _STOPPED_DISK_FULL if self._disk_full is not None else _CANCELLED
        return DownloadOutcome(
            fileid=job.fileid,
            ok=ok,
            path=job.out if ok else None,
            bytes=job.bytes_done if ok else 0,
            errmsg="" if ok else errmsg,
            state=job.state,
            kind=None if ok else (job.kind or ErrorKind.FILE),
        )
