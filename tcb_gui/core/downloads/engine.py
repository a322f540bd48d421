"""``Downloader``: one list of links to files on disk, resumable, several at once.

How a file goes (the package docstring has the whole story): a name inside the folder,
the existing-file rule, a partial file that can only be ours, a transfer holding one of
``concurrency`` slots (``wire`` or ``httpx``, the same checks in ``body``) with retries,
link refreshes and checked resumes; then, outside the slot, the file made durable and put
in place by worker threads (``syncer``): fsync, length and checksum on the disk, an
atomic move to its name, its folder fsynced.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import re
import stat
import sys
import time
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, NamedTuple, NoReturn, cast
from urllib.parse import urlsplit

from tcb_gui.core import paths
from tcb_gui.core.client import LinkResult
from tcb_gui.core.downloads import messages as msg
from tcb_gui.core.downloads.body import BodySink, Stall, Stalled, TooMuch
from tcb_gui.core.downloads.files import (
    DISK_FULL_ERRNOS,
    IS_A_FOLDER_ERRNOS,
    NAME_TOO_LONG_ERRNOS,
    NOT_A_FOLDER_ERRNOS,
    NOT_PERMITTED_ERRNOS,
    READ_ONLY_ERRNOS,
    SIDECAR_MAX_BYTES,
    TOO_LARGE_ERRNOS,
    WRITEBACK_EVERY,
    BufferPool,
    FileOps,
    MemoryPart,
    PartFile,
    PartMeta,
    Writer,
    short_name,
    sidecar_bytes,
    sidecar_path,
    variant,
)
from tcb_gui.core.downloads.folderlock import FolderLock
from tcb_gui.core.downloads.httpchecks import (
    REDIRECT_STATUSES,
    TRANSIENT_STATUSES,
    ResponseHead,
    content_encoding,
    content_length,
    html_refusal,
    is_encoded,
    media_type,
    parse_content_range,
    protect_dot_segments,
    raw_body,
    safe_url,
    status_words,
    strong_validator,
)
from tcb_gui.core.downloads.integrity import RunningCrc64, crc64_header, crc64_of_fd
from tcb_gui.core.downloads.linkneeds import dead_link, expiring, needs_link
from tcb_gui.core.downloads.manifest import STATE_DIR_NAME, Manifest
from tcb_gui.core.downloads.progress import DEFAULT_PROGRESS_INTERVAL, Job, ProgressBook
from tcb_gui.core.downloads.records import (
    FINAL_STATES,
    MIN_PROGRESS_BYTES,
    AttemptError,
    DiskFullError,
    DownloadOptions,
    DownloadOutcome,
    FileFailed,
    FileProgress,
    FileState,
    Integrity,
    Layout,
    LinkRejected,
    Malformed,
    OnExists,
    ProgressCallback,
    RefreshLinks,
    TotalProgress,
    Transient,
    tries_allowed,
)
from tcb_gui.core.downloads.refresher import LinkRefresher
from tcb_gui.core.downloads.syncer import Placed, Placing, Syncer
from tcb_gui.core.errors import ErrorKind, InputError, TcbError
from tcb_gui.core.httpclient import ssl_context_of, usable_with, user_agent_of
from tcb_gui.core.netmessages import certificate_failure, describe_transport_error
from tcb_gui.core.ratelimit import TokenBucket
from tcb_gui.core.redact import install_log_redaction, redact
from tcb_gui.core.trace import CANCELLED, PAUSED, CallKind, Outcome, TraceEvent, TraceHub
from tcb_gui.core.wire import (
    Target,
    WireClient,
    WireResponse,
    parse_target,
)

if TYPE_CHECKING:
    import httpx
else:
    from tcb_gui.core.lazy_httpx import httpx  # imported at its first use

# One logger for the whole package: the name users and tests filter on.
log = logging.getLogger("tcb_gui.core.downloads")

# Fresh links refused in a row (403 each time) before the file is given up.
MAX_LINK_REFRESHES = 2
# Longest validator (ETag, Last-Modified) kept for a resume: a CloudBase/COS ETag is
# under 100 characters and an HTTP date 29; a sidecar must stay well within
# files.SIDECAR_MAX_BYTES, the most the engine reads back.
MAX_VALIDATOR_CHARS = 1024
# What a validator may hold to be sent back as If-Range: visible ASCII, inner spaces
# (an HTTP date); RFC 9110 entity-tag characters are a subset.
_SENDABLE = re.compile(r"[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?")
# The highest TCP port (RFC 793): a link's port above it can only fail.
MAX_PORT = 65_535
# Redirects followed per request (to http(s) only); a CDN needs one or two.
MAX_REDIRECTS = 5
# The manifest of completed files is saved at most this often during a run.
MANIFEST_SAVE_SECONDS = 2.0
# A file whose CRC-64 does not match is downloaded again this many times, then failed.
CHECKSUM_RETRIES = 1
# Names tried for a file's partial file (<name>.part, <name>.1.part, …) when the usual
# one is another key's or holds somebody else's bytes.
MAX_PART_NAMES = 100
# Files under RECORDED_FROM that start from nothing are written in the engine's own
# folder (``<dest>/.tcb-gui/tmp``) and moved into place whole: no sidecar, no ``.part``
# beside the target, unless the transfer is interrupted (a cut, a pause, a stop, a full
# disk: then what came moves to its ``.part`` with a sidecar and resumes from there). Up
# to SMALL_FILE_BYTES the body is held in memory and written by a worker; above, it is
# streamed to the temporary file as it comes. Files of RECORDED_FROM or more get their
# ``.part`` and sidecar from the start, so that even a crash mid-transfer (a kill, a
# power cut: nothing runs to move the bytes) resumes them; a crash costs a smaller file
# its bytes, at most RECORDED_FROM. Measured here: a sidecar written at the start costs
# a file two more files created, an fsync-free atomic write and a removal, ~0.5 ms of
# CPU on the event loop; 40 x 5 MiB went from 0.39 to 0.37 s (21 interleaved runs).
SMALL_FILE_BYTES = 1 << 20
RECORDED_FROM = 8 << 20
TMP_DIR_NAME = "tmp"
# A body at least this large read from the wire while another such body is being
# received is written by a worker thread (the event loop receives meanwhile: two cores
# at work), through this many buffers of this size lent to the connection
# (``PartFile.write_in_background``). Measured here: 4 x 100 MiB at once 0.52 -> 0.45 s;
# a lone large body gains nothing (1 GiB: the loop's own writes were as fast), 5 MiB
# bodies lost a little (the hand-overs cost more than the overlap gave).
BACKGROUND_WRITES_FROM = 8 * 1024 * 1024
BACKGROUND_BUFFERS = 4
BACKGROUND_BUFFER_BYTES = 512 * 1024
# A file whose bytes are all in no longer holds one of the ``concurrency`` transfer slots
# while it is made durable and put in place (fsync, move, folder fsync, in threads); up
# to this many such files on top of the transfers in flight.
FINISH_AHEAD = 16

if TYPE_CHECKING:
    from typing import TypeAlias

    from tcb_gui.core.wire import HttpClient

    Response: TypeAlias = httpx.Response | WireResponse


class _Pending(NamedTuple):
    """A file whose bytes are all in, waiting to be made durable and put in place."""

    source: Path  # where the bytes are (or go): the partial file, or a temporary name
    writer: Writer | None  # None: a complete partial file found on disk
    crc: RunningCrc64 | None
    expected: int | None  # the storage's CRC-64
    meta: PartMeta | None  # what a sidecar would say, should the bytes have to be kept


class _PartSize(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


class _ChecksumMismatch(Exception):
    def __init__(self, got: int, expected: int) -> None:
        super().__init__(got, expected)
        self.got = got
        self.expected = expected


class Downloader:
    """Downloads one list of files; ``run`` once, control with pause/resume/cancel."""

    def __init__(
        self,
        http: HttpClient,
        refresh: RefreshLinks,
        options: DownloadOptions,
        *,
        on_progress: ProgressCallback | None = None,
        progress_interval: float = DEFAULT_PROGRESS_INTERVAL,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        files: FileOps | None = None,
        trace: TraceHub | None = None,
    ) -> None:
        install_log_redaction()  # httpx logs every URL at INFO: keep `sign=` out of logs
        self._http = http
        self._trace = trace
        # File bodies go over the engine's own HTTP/1.1 connections when ``http`` is a
        # plain client (``wire``); through ``http`` itself otherwise (mocks, proxies).
        self._wire: WireClient | None = None
        if usable_with(http):
            self._wire = WireClient(
                user_agent=user_agent_of(http),
                ssl_context=lambda: ssl_context_of(http),
                max_idle=max(options.concurrency, 4),
            )
        self._options = options
        self._interval = progress_interval
        self._now = clock
        self._files = files if files is not None else FileOps()
        self._refresher = LinkRefresher(refresh)
        self._limiter = TokenBucket(options.limit_rate) if options.limit_rate else None
        self._dest = options.dest
        self._manifest = Manifest(options.dest, self._files)
        self._state_dir = options.dest / STATE_DIR_NAME
        self._lock = FolderLock(options.dest, self._state_dir, self._files)
        self._tmp_dir = self._state_dir / TMP_DIR_NAME
        self._tmp_device: int | None = None  # st_dev of the tmp folder, None: unusable
        self._same_device: dict[Path, bool] = {}  # folder → on the tmp folder's device
        self._folder: paths.ConfinedFolder | None = None  # made by _prepare
        self._syncer = Syncer(self._files)
        self._buffers = BufferPool(options.concurrency + FINISH_AHEAD)
        self._large_bodies = 0  # bodies of BACKGROUND_WRITES_FROM or more being received
        self._expiries: dict[str, datetime | None] = {}  # link → its t= expiry
        self._book = ProgressBook(on_progress)
        self._taken: set[str] = set()  # paths.path_key of every name given out in this run
        self._relative: list[PurePosixPath] | None = None  # every file's, by _relative_paths
        self._case_insensitive = False  # probed on the folder by _prepare
        self._active: dict[asyncio.Task[None], Job] = {}
        self._slots = asyncio.Semaphore(options.concurrency)  # transfers in flight
        self._running = asyncio.Event()
        self._running.set()
        self._stopping = False
        self._discard = False
        self._disk_full: DiskFullError | None = None
        self._disk_full_reason = ""
        self._started = False

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
        for task, job in list(self._active.items()):
            if not job.finishing:  # one being put in place lands (milliseconds)
                task.cancel()
        self._book.touch_active()

    def resume(self) -> None:
        self._running.set()

    def cancel(self, *, discard_partial: bool = False) -> None:
        """End the run. Partial files are kept for a later run unless ``discard_partial``."""
        self._stopping = True
        self._discard = discard_partial
        self._running.set()  # wake paused workers so they can finish
        for task, job in list(self._active.items()):
            if not job.finishing:
                task.cancel()

    def total_progress(self) -> TotalProgress:
        return self._book.totals(paused=self.paused)

    def outcomes(self) -> list[DownloadOutcome]:
        """Every file's outcome now, in input order: what a run cancelled from outside
        (Ctrl+C cancels its task, so ``run`` returns nothing) did before it stopped."""
        return [self._outcome(job) for job in self._book.jobs]

    def progress(self) -> list[FileProgress]:
        """Every file's progress now, in input order (for a view opened mid-run)."""
        return [self._book.snapshot(job) for job in self._book.jobs]

    # -- the run -----------------------------------------------------------------------

    async def run(self, items: Sequence[LinkResult]) -> list[DownloadOutcome]:
        """Download every item; outcomes in input order.

        Raises ``DiskFullError`` (with ``.outcomes``) when the disk fills up. A refused
        refresh (token, quota) fails the files that needed a link; see ``refresh_error``.
        """
        if self._started:
            raise RuntimeError("a Downloader runs once; make a new one")
        self._started = True
        book = self._book
        book.start([Job(i, item.fileid, item) for i, item in enumerate(items)])
        try:
            await asyncio.to_thread(self._prepare_folder)
            # Links for files the folder's manifest does not know are asked for now,
            # while the names are worked out: the first answer comes back meanwhile.
            known = self._manifest.entries if self._options.on_exists is OnExists.SKIP else {}
            early = [
                job.fileid
                for job in book.jobs
                if job.fileid.raw not in known
                and self._needs_link(job)
                and not self._dead_link(job)
            ]
            self._refresher.prefetch(early)
            await asyncio.to_thread(self._plan)
        except BaseException:
            await self._syncer.close()
            await asyncio.to_thread(self._lock.release)
            self._close_folder()
            raise
        queue = deque(job for job in book.jobs if job.state is FileState.QUEUED)
        asked = {fileid.raw for fileid in early}
        self._refresher.prefetch(
            job.fileid
            for job in queue
            if job.fileid.raw not in asked and self._needs_link(job) and not self._dead_link(job)
        )
        ticker = asyncio.create_task(self._tick(), name="download-progress")
        runners = self._options.concurrency + FINISH_AHEAD
        workers = [
            asyncio.create_task(self._worker(queue), name=f"download-worker-{n}")
            for n in range(min(runners, len(queue)))
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
            await self._syncer.close()
            if self._wire is not None:
                self._wire.close()
            for job in book.jobs:
                if job.state not in FINAL_STATES:
                    book.set_state(job, FileState.CANCELLED)
            if self._discard:
                await asyncio.to_thread(self._discard_partials)
            try:
                await self._manifest.save(final=True)
            finally:
                await asyncio.to_thread(self._clean_tmp, True)
                await asyncio.to_thread(self._lock.release)
                self._close_folder()
            if self._disk_full is not None:
                self._word_disk_full()
            book.emit(final=True, paused=self.paused)
        outcomes = [self._outcome(job) for job in book.jobs]
        if self._disk_full is not None:
            self._disk_full.outcomes = tuple(outcomes)
            raise self._disk_full
        return outcomes

    def _prepare(self) -> None:
        """Runs in a thread: the folder and every file's name (both steps at once)."""
        self._prepare_folder()
        self._plan()

    def _prepare_folder(self) -> None:
        """Runs in a thread: the folder, its lock and its manifest. From here on, every
        file operation below the folder goes through its folders' handles (``FileOps``)."""
        try:
            self._dest.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(
                msg.CANNOT_CREATE.format(dest=self._dest, reason=exc.strerror)
            ) from None
        self._folder = self._files.folder = paths.ConfinedFolder(self._dest)
        self._make_state_dir()
        # FolderBusyError: another run writes here, or in a folder above or one below
        # that this run's files go into.
        below = {str(rel).rpartition("/")[0] for rel in self._relative_paths()}
        self._lock.acquire(PurePosixPath(folder) for folder in below if folder)
        self._case_insensitive = paths.is_case_insensitive(self._dest)
        # The engine's own folder is never a key's name (flat layout: ".tcb-gui (1)").
        self._taken.add(self._key(self._state_dir))
        self._manifest.load()
        self._clean_tmp(False)

    def _plan(self) -> None:
        """Runs in a thread: every file's name (input order), or its skip; and how files
        are made durable (after the first link request has gone: that takes ctypes)."""
        folder = self._folder
        assert folder is not None  # made by _prepare_folder
        self._syncer.group_sync_in(self._dest)
        book = self._book
        skip = self._options.on_exists is OnExists.SKIP
        relative = self._relative_paths()
        if sys.platform.startswith("linux") and not self._case_insensitive:
            # One listing per folder instead of an lstat per name later (what is absent
            # needs no further look; byte-for-byte names only).
            dest = os.fspath(self._dest)
            folder.scan(
                dict.fromkeys(os.path.join(dest, os.path.dirname(str(rel))) for rel in relative)
            )
        for job, rel in zip(book.jobs, relative, strict=True):
            try:
                target = folder.target_for(rel)
            except paths.UnsafePathError as exc:
                book.fail(job, exc.message)
                continue
            vouched = self._manifest.vouched(job.fileid, target) if skip else None
            if vouched is not None and self._key(vouched[0]) not in self._taken:
                path, entry = vouched
                job.planned = job.out = path
                self._taken.add(self._key(path))
                book.set_total(job, entry.size)
                book.set_done(job, entry.size)
                book.set_integrity(job, _integrity(entry.crc64, entry.sized))
                book.set_state(job, FileState.SKIPPED)
                continue
            # Same name as an earlier file of this run: "name (n).ext", decided by input
            # order alone (not by what is on disk), so a re-run gives the same names.
            n = 0
            candidate = target
            while self._key(candidate) in self._taken:
                n += 1
                candidate = variant(target, n)
            job.planned = candidate
            self._taken.add(self._key(candidate))
            if not self._needs_link(job):
                continue
            if self._dead_link(job):
                link = job.link
                book.fail(
                    job,
                    link.errmsg if link else msg.NO_DOWNLOAD_LINK,
                    (link.kind if link else None) or ErrorKind.FILE,
                )

    def _relative_paths(self) -> list[PurePosixPath]:
        """Every file's path relative to the folder, in input order (worked out once)."""
        if self._relative is None:
            layout: paths.Layout = "flat" if self._options.layout is Layout.FLAT else "tree"
            self._relative = [
                paths.relative_path_for(j.fileid.env, j.fileid.key, layout) for j in self._book.jobs
            ]
        return self._relative

    def _make_state_dir(self) -> None:
        """``<dest>/.tcb-gui``, a real folder (never a link to elsewhere)."""
        state = self._state_dir
        reason: str | None = None
        try:
            self._files.make_folder(state)
            if not stat.S_ISDIR(self._files.lstat(state).st_mode):
                reason = "a file of that name is in the way"
        except OSError as exc:
            reason = exc.strerror or str(exc)
        except paths.UnsafePathError:  # a link to elsewhere
            reason = "a file of that name is in the way"
        if reason is not None:
            raise InputError(msg.CANNOT_CREATE.format(dest=state, reason=reason))

    def _clean_tmp(self, last: bool) -> None:
        """Empty the engine's temporary folder (whatever is there is ours: left by a try
        that was stopped, or by a run that crashed, and never a complete file on its own);
        at the start, make it; at the end, remove it."""
        tmp = self._tmp_dir
        files = self._files
        try:
            if not last:
                files.make_folder(tmp)
            st = files.lstat(tmp)
        except (OSError, paths.UnsafePathError):
            self._tmp_device = None
            return
        if not stat.S_ISDIR(st.st_mode):
            self._tmp_device = None
            return
        self._tmp_device = None if last else st.st_dev
        try:
            for name in files.files_in(tmp):
                files.remove(tmp / name)
            if last:
                files.remove_folder(tmp)
        except OSError as exc:
            log.debug("Could not clean %s: %s", tmp, exc.strerror or exc)
        except paths.UnsafePathError as exc:
            log.debug("Could not clean %s: %s", tmp, exc.message)

    def _tmp_usable(self, folder: Path) -> bool:
        """Whether a finished temporary file can be moved into ``folder`` (same device)."""
        if self._tmp_device is None:
            return False
        same = self._same_device.get(folder)
        if same is None:
            try:
                same = self._files.stat_folder(folder).st_dev == self._tmp_device
            except (OSError, paths.UnsafePathError):
                same = False
            self._same_device[folder] = same
        return same

    def _key(self, path: Path) -> str:
        return paths.path_key(path, case_insensitive=self._case_insensitive)

    def _close_folder(self) -> None:
        """The run is over: its folder handles are closed."""
        if self._folder is not None:
            self._folder.close()

    def _needs_link(self, job: Job) -> bool:
        return needs_link(job.link, self._now(), self._expiries)

    @staticmethod
    def _dead_link(job: Job) -> bool:
        return dead_link(job.link)

    def _expiring(self, link: LinkResult | None, url: str) -> bool:
        return expiring(link, url, self._now(), self._expiries)

    async def _worker(self, queue: deque[Job]) -> None:
        while queue and not self._stopping:
            await self._running.wait()
            if self._stopping or not queue:
                return
            job = queue.popleft()
            await self._process(job)

    async def _process(self, job: Job) -> None:
        while True:
            await self._running.wait()
            if self._stopping:
                return
            task = asyncio.create_task(self._download(job), name=f"download-{job.index}")
            self._active[task] = job
            try:
                await task
                return
            except asyncio.CancelledError:
                current = asyncio.current_task()
                if current is not None and current.cancelling():
                    raise
                if self._stopping or job.state in FINAL_STATES:
                    return
                # Paused: the part file stays; resume() retries with Range.
                self._book.set_state(job, FileState.PAUSED)
            finally:
                self._active.pop(task, None)

    async def _download(self, job: Job) -> None:
        try:
            await self._download_file(job)
        except FileFailed as exc:
            self._book.fail(job, exc.message, exc.kind)
        except paths.UnsafePathError as exc:
            # A folder of the file's path was swapped for a link (or moved) during the
            # run: nothing was written through it (FileOps goes through handles).
            self._book.fail(job, exc.message)
        except OSError as exc:
            if exc.errno in DISK_FULL_ERRNOS:
                self._on_disk_full(job, exc)
            else:
                self._cannot_write(job, exc)

    def _cannot_write(self, job: Job, exc: OSError) -> None:
        """Fail a file its folder refused. A folder that may not be written (permissions,
        a read-only disk), a file larger than its file system takes, a file in the way
        of a folder (or a folder in the way of the file), a path too long: each refuses
        again on a retry. Their words say what is in the way and what to do instead, and
        their kind (CONFIG: the set-up must change) keeps a retry from being offered."""
        where = job.out.name if job.out else job.fileid.key
        reason = exc.strerror or str(exc)
        target = job.out or job.planned
        folder = target.parent if target is not None else self._dest
        code = exc.errno
        blocker = self._file_in_the_way(target) if code in NOT_A_FOLDER_ERRNOS else None
        if code in NOT_PERMITTED_ERRNOS:
            words = msg.NOT_PERMITTED.format(path=where, reason=reason, folder=folder)
        elif code in READ_ONLY_ERRNOS:
            words = msg.READ_ONLY.format(path=where, reason=reason)
        elif code in TOO_LARGE_ERRNOS:
            words = msg.TOO_LARGE_FOR_DISK.format(path=where, reason=reason, folder=folder)
        elif blocker is not None:
            words = msg.FILE_IN_THE_WAY.format(path=where, blocker=blocker)
        elif code in IS_A_FOLDER_ERRNOS:
            words = msg.FOLDER_IN_THE_WAY.format(path=where, reason=reason)
        elif code in NAME_TOO_LONG_ERRNOS:
            words = msg.PATH_TOO_LONG.format(path=where, reason=reason)
        else:
            self._book.fail(job, msg.CANNOT_WRITE.format(path=where, reason=reason))
            return
        self._book.fail(job, words, ErrorKind.CONFIG)

    def _file_in_the_way(self, target: Path | None) -> Path | None:
        """The first of the folders above ``target`` (below the download folder) that is
        something else than a folder, or None. Only looked at, never written through."""
        if target is None:
            return None
        dest = self._dest
        try:
            parts = target.parent.relative_to(dest).parts
        except ValueError:
            return None
        path = dest
        for part in parts:
            path = path / part
            try:
                st = os.lstat(path)
            except OSError:
                return None  # missing (made meanwhile?): nothing to name
            if not stat.S_ISDIR(st.st_mode):
                return path
        return None

    def _on_disk_full(self, job: Job, exc: OSError) -> None:
        reason = exc.strerror or msg.NO_SPACE
        message = msg.DISK_FULL.format(dest=self._dest, reason=reason)
        self._book.fail(job, message)
        if self._disk_full is None:
            self._disk_full = DiskFullError(message)
            self._disk_full_reason = reason
            log.error("%s", message)
        self._stopping = True
        self._running.set()
        for task in list(self._active):
            if task is not asyncio.current_task():
                task.cancel()

    def _word_disk_full(self) -> None:
        """Once every file has stopped: the full disk's words say partial files were
        kept only when some were (a small file held in memory has nothing on the disk,
        and its bytes may not have found room to be written out)."""
        error = self._disk_full
        assert error is not None
        jobs = self._book.jobs
        unfinished = [j for j in jobs if j.state not in (FileState.DONE, FileState.SKIPPED)]
        if any(j.part_on_disk and j.bytes_done for j in unfinished):
            return
        message = msg.DISK_FULL_NONE_KEPT.format(dest=self._dest, reason=self._disk_full_reason)
        for job in unfinished:
            if job.errmsg == error.message:  # the file that met the full disk: its words
                self._book.fail(job, message, job.kind or ErrorKind.FILE)
        self._disk_full = DiskFullError(message)

    async def _download_file(self, job: Job) -> None:
        """Get one file to disk: link, existing-file rule, transfer with retries.

        A transfer holds one of the ``concurrency`` slots until its last byte is in;
        making the file durable and putting it in place (``_finish``) does not.
        """
        policy = self._options.retry
        tries = 0
        refusals = 0
        while True:
            url = await self._usable_link(job)
            # Progress = more of the file kept on disk than before this attempt.
            job.kept_before = job.bytes_done
            job.tries = tries
            try:
                async with self._slots:
                    if self._stopping:
                        return
                    self._book.set_state(job, FileState.DOWNLOADING)
                    if job.out is None:
                        await self._choose_output(job, url)
                        if job.state is FileState.SKIPPED:
                            return
                    pending = await self._transfer(job, url)
                job.finishing = True
                try:
                    await self._finish(job, pending)
                finally:
                    job.finishing = False
                return
            except LinkRejected as exc:
                if _progressed(job):
                    refusals = 0
                refusals += 1
                if refusals > MAX_LINK_REFRESHES:
                    raise FileFailed(msg.EVEN_FRESH.format(reason=exc.message)) from None
                log.info("%s: %s; fetching a fresh link", job.fileid.raw, exc.message)
                job.link = None
            except Transient as exc:
                if _progressed(job):
                    tries = 0
                tries += 1
                if tries >= tries_allowed(policy, exc):
                    raise FileFailed(
                        msg.GAVE_UP.format(reason=exc.message, tries=tries), ErrorKind.NETWORK
                    ) from None
                delay = policy.delay(tries - 1)
                log.info("%s: %s; retrying in %.1f s", job.fileid.raw, exc.message, delay)
                await asyncio.sleep(delay)
            # A file that failed while being put in place was not stopped by a pause.
            await self._running.wait()
            if self._stopping:
                return

    async def _usable_link(self, job: Job) -> str:
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
                raise FileFailed(
                    link.errmsg or msg.SERVICE_GAVE_NO_LINK,
                    link.kind or ErrorKind.FILE,
                )
        assert link.download_url is not None
        return link.download_url

    # -- existing files --------------------------------------------------------------

    async def _choose_output(self, job: Job, url: str) -> None:
        """Apply the existing-file rule: set ``job.out``, or mark the file skipped."""
        target = job.planned
        assert target is not None
        on_exists = self._options.on_exists
        assert self._folder is not None
        if on_exists is OnExists.OVERWRITE or not self._folder.lexists(target):
            job.out = target
            return
        if on_exists is OnExists.RENAME:
            job.out = paths.unique_path(
                target,
                self._taken,
                case_insensitive=self._case_insensitive,
                lexists=self._folder.lexists,
            )
            return
        # skip: the same size (and checksum, when the storage sends one) means complete;
        # this ID's own earlier download that no longer is what was recorded is damaged,
        # and replaced; anything else is kept, and the download goes beside it (a "(n)"
        # name that earlier runs may already have completed).
        remote, crc64 = await self._probe_size(job, url)
        await self._settle_existing(job, target, remote, crc64)

    async def _settle_existing(
        self, job: Job, target: Path, remote: int | None, crc64: int | None
    ) -> None:
        found, free = self._existing_copies(target)
        unmatched: set[Path] = set()  # of the remote's size, but not of its checksum
        for candidate, size in found:
            if remote is not None and size == remote:
                if await self._matches(candidate, crc64):
                    log.info("%s: already complete at %s", job.fileid.raw, candidate.name)
                    job.out = candidate
                    self._book.set_total(job, remote)
                    self._book.set_done(job, remote)
                    self._manifest.record(job.fileid, candidate, crc64)
                    self._book.set_integrity(job, _integrity(crc64, sized=True))
                    self._book.set_state(job, FileState.SKIPPED)
                    return
                unmatched.add(candidate)
        damaged = await self._damaged_own_copy(job, found, crc64, unmatched)
        if damaged is not None and damaged != target and self._key(damaged) in self._taken:
            damaged = None  # given to another file while checksums were read
        if damaged is not None:
            log.info("%s: %s is damaged; replacing it", job.fileid.raw, damaged.name)
            self._taken.add(self._key(damaged))
            job.out = damaged
            job.repairs = True
            return
        if self._key(free) in self._taken:  # given to another file while checksums were read
            _, free = self._existing_copies(target)
        self._taken.add(self._key(free))
        job.out = free

    async def _damaged_own_copy(
        self,
        job: Job,
        found: list[tuple[Path, int | None]],
        remote_crc64: int | None,
        unmatched: set[Path],
    ) -> Path | None:
        """The existing file the folder's manifest records as this ID's own earlier
        download, when it no longer has the size or CRC-64 recorded then (bit rot, a bad
        copy): damaged, not a different file, so the download replaces it. None for a
        file the manifest does not give to this ID, or one still as recorded (another
        version of the file than the storage's now, say): kept, as any other."""
        entry = self._manifest.entries.get(job.fileid.raw)
        recorded = self._manifest.file_of(entry) if entry is not None else None
        if entry is None or recorded is None:
            return None
        for candidate, size in found:
            if size is None or self._key(candidate) != self._key(recorded):
                continue
            if size != entry.size:
                return candidate
            if entry.crc64 is None:
                return None  # nothing recorded to tell damage from another version
            if entry.crc64 == remote_crc64 and candidate in unmatched:
                return candidate  # just read: not the recorded checksum
            try:
                crc = await asyncio.to_thread(self._crc64_of, candidate)
            except (OSError, paths.UnsafePathError):
                return None
            return candidate if crc != entry.crc64 else None
        return None

    def _existing_copies(self, target: Path) -> tuple[list[tuple[Path, int | None]], Path]:
        """What is at ``target`` and its ``(n)`` names (each with its size if a regular
        file), in order, up to the first name that is free and no other file's."""
        found: list[tuple[Path, int | None]] = []
        n = 0
        candidate = target
        files = self._files
        while files.lexists(candidate):
            found.append((candidate, files.regular_size(candidate)))
            n += 1
            candidate = variant(target, n)
            while self._key(candidate) in self._taken:
                n += 1
                candidate = variant(target, n)
        return found, candidate

    async def _probe_size(self, job: Job, url: str) -> tuple[int | None, int | None]:
        """The remote size and CRC-64 from a one-byte range request (no body worth the
        name); None for what the answer does not tell."""
        async with self._get(job, url, {"Range": "bytes=0-0"}) as response:
            crc64 = crc64_header(response)
            if response.status_code in (206, 416):
                parsed = parse_content_range(response.headers.get("content-range"))
                return (parsed[2] if parsed else None), crc64
            if is_encoded(response):
                return None, crc64
            return content_length(response), crc64

    async def _matches(self, path: Path, crc64: int | None) -> bool:
        """Whether the file at ``path`` has the storage's CRC-64 (True when none is known):
        a file of the right size may still be another version of it."""
        if crc64 is None:
            return True
        try:
            return await asyncio.to_thread(self._crc64_of, path) == crc64
        except (OSError, paths.UnsafePathError):
            return False

    def _crc64_of(self, path: Path, length: int | None = None) -> int:
        """``crc64_of_file``, through the folder's handle."""
        return crc64_of_fd(self._files.open_read(path), length)

    # -- HTTP ------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def _get(self, job: Job, url: str, headers: dict[str, str]) -> AsyncIterator[Response]:
        """GET ``url`` streamed, following redirects to http(s) only; statuses classified."""
        current = protect_dot_segments(url)
        invalid = msg.BAD_LINK  # the words for an address no request can go to
        for _ in range(MAX_REDIRECTS + 1):
            target = parse_target(current) if self._wire is not None else None
            if target is None:
                # The host name is read here too: one that IDNA refuses ("xn--") raises
                # UnicodeError (a ValueError), and a port over 65535 would reach the
                # system's connect() (OverflowError): the file's failure, not the run's.
                try:
                    parsed = httpx.URL(current)
                    scheme, host, port = parsed.scheme, parsed.host, parsed.port
                except (httpx.InvalidURL, TypeError, ValueError):
                    raise FileFailed(invalid) from None
                if scheme not in ("http", "https") or not host:
                    raise FileFailed(msg.NOT_HTTP)
                if port is not None and not 0 < port <= MAX_PORT:
                    raise FileFailed(invalid)
            if log.isEnabledFor(logging.DEBUG):
                log.debug("GET %s %s", safe_url(current), headers.get("Range", ""))
            job.requests += 1
            job.body_received = 0
            tracing = self._trace is not None and self._trace.active
            sent_at = time.time() if tracing else 0.0
            started = time.perf_counter() if tracing else 0.0
            try:
                response = await self._send(target, current, headers)
            except BaseException as exc:
                if tracing:
                    self._emit(job, current, sent_at, started, None, exc)
                raise
            requested = current
            try:
                location = response.headers.get("location")
                if response.status_code in REDIRECT_STATUSES and location:
                    try:
                        current = str(httpx.URL(current).join(location))
                    except (httpx.InvalidURL, TypeError, ValueError):
                        raise FileFailed(msg.BAD_REDIRECT) from None
                    invalid = msg.BAD_REDIRECT
                    if tracing:
                        self._emit(job, requested, sent_at, started, response, None)
                    continue
                self._check_status(job, response, current)
                yield response
            except BaseException as exc:
                if tracing:
                    self._emit(job, requested, sent_at, started, response, exc)
                raise
            else:
                if tracing:
                    self._emit(job, requested, sent_at, started, response, None)
                return
            finally:
                await response.aclose()
        raise FileFailed(msg.TOO_MANY_REDIRECTS)

    async def _send(self, target: Target | None, url: str, headers: dict[str, str]) -> Response:
        wire = self._wire
        try:
            if wire is not None and target is not None:
                return await wire.get(target, list(headers.items()), url)
            request = self._http.build_request(
                "GET", url, headers={"Accept-Encoding": "identity", **headers}
            )
            return await self._http.send(request, stream=True, follow_redirects=False)
        except httpx.TransportError as exc:
            words = describe_transport_error(exc)
            if certificate_failure(exc) is not None:
                # The same certificate fails every try: the file fails now, as a network
                # failure (exit 4; Retry failed takes it once the trust is fixed).
                raise FileFailed(words, kind=ErrorKind.NETWORK) from None
            raise _failure(exc)(words) from None
        except httpx.InvalidURL:
            # httpx builds the next request of any 3xx, even unfollowed: a Location
            # it cannot parse ("javascript:…") fails here.
            raise FileFailed(msg.BAD_REDIRECT) from None

    def _emit(
        self,
        job: Job,
        url: str,
        sent_at: float,
        started: float,
        response: Response | None,
        error: BaseException | None,
    ) -> None:
        """One ``TraceEvent`` for one request of the engine (the link's signature out)."""
        hub = self._trace
        if hub is None:
            return
        errmsg: str | None = None
        if error is None:
            outcome = Outcome.OK
        elif isinstance(error, Transient):
            last = job.tries + 1 >= tries_allowed(self._options.retry, error)
            outcome = Outcome.GAVE_UP if last and not _progressed(job) else Outcome.RETRY
        elif isinstance(error, LinkRejected):
            outcome = Outcome.RETRY
        elif isinstance(error, asyncio.CancelledError):
            # Left on the operator's word (or for another file's full disk): not a
            # failure of this call, and said in words, not as Python's class name.
            outcome = Outcome.CANCELLED
        elif isinstance(error, OSError) and error.errno in DISK_FULL_ERRNOS:
            outcome = Outcome.STOP
        else:
            outcome = Outcome.FAILED
        if error is not None:
            errmsg = redact(self._call_words(error))
        try:
            endpoint = urlsplit(url).path
        except ValueError:
            endpoint = ""
        hub.emit(
            TraceEvent(
                time=sent_at,
                kind=CallKind.FILE,
                method="GET",
                endpoint=endpoint,
                url=redact(url),
                attempt=job.requests,
                outcome=outcome,
                duration_ms=(time.perf_counter() - started) * 1e3,
                env=job.fileid.env,
                ids=1,
                http_status=response.status_code if response is not None else None,
                errmsg=errmsg,
                bytes=job.body_received,
            )
        )

    def _call_words(self, error: BaseException) -> str:
        """What a file call that ended with ``error`` says in the trace."""
        if isinstance(error, AttemptError):
            return error.message
        if isinstance(error, asyncio.CancelledError):
            if self._disk_full is not None:
                return msg.STOPPED_DISK_FULL
            if self.paused and not self._stopping:
                return PAUSED  # the file resumes from its bytes
            return CANCELLED  # cancel(), a stop for the token, the run's task cancelled
        if isinstance(error, OSError) and error.errno in DISK_FULL_ERRNOS:
            return msg.STOPPED_DISK_FULL
        if isinstance(error, OSError) and error.strerror:
            return error.strerror  # the system's words ("Permission denied")
        if isinstance(error, TcbError):
            return error.message  # paths.UnsafePathError
        return type(error).__name__

    def _check_status(self, job: Job, response: ResponseHead, url: str) -> None:
        status = response.status_code
        if status in (200, 206):
            refusal = html_refusal(job.fileid.key, media_type(response), None)
            if refusal:
                raise Transient(msg.NOT_SAVED.format(reason=refusal))
            return
        if status == 416:
            return
        reason = status_words(response)  # host text: redacted, bounded
        if status == 403:
            raise LinkRejected(msg.LINK_REFUSED.format(status=reason))
        if status in (400, 404) and self._expiring(job.link, url):
            raise LinkRejected(msg.LINK_EXPIRED.format(status=reason))
        if status in TRANSIENT_STATUSES or status >= 500:
            raise Transient(msg.SERVER_ANSWERED.format(status=reason))
        if status == 404:
            raise FileFailed(msg.NOT_ON_SERVER.format(status=reason))
        raise FileFailed(msg.SERVER_ANSWERED.format(status=reason))

    # -- transfer --------------------------------------------------------------------

    def _claim_part(self, job: Job) -> tuple[Path, PartMeta | None]:
        """Our partial file for ``job`` and its sidecar's content (None: start afresh).

        The first time, a name is chosen: ``<name>.part``, else ``<name>.<n>.part``, the
        first that no file of this run uses (as its name, partial file or sidecar) and
        that holds either nothing or a partial file of this very file ID under our own
        sidecar. Whatever else sits at such a name is somebody else's and stays as it is.
        """
        part = job.part
        if part is not None:
            if not job.sidecar_on_disk:
                return part, None
            meta = self._files.read_sidecar(sidecar_path(part))
            return part, meta if meta is not None and meta.fileid == job.fileid.raw else None
        out = job.out
        folder = self._folder
        assert out is not None
        assert folder is not None
        for n in range(MAX_PART_NAMES):
            part = paths.part_path(out if n == 0 else out.with_name(f"{out.name}.{n}"))
            sidecar = sidecar_path(part)
            keys = (self._key(part), self._key(sidecar))
            if keys[0] in self._taken or keys[1] in self._taken:
                continue
            meta = None if folder.absent(sidecar) else self._files.read_sidecar(sidecar)
            if meta is not None and meta.fileid != job.fileid.raw:
                continue  # another file's partial download: left for it
            if meta is None and (folder.lexists(sidecar) or folder.lexists(part)):
                continue  # not written by us (a browser's .part, a user's file)
            if n > 0:
                log.info("%s: %s is not ours; using %s", job.fileid.raw, out.name, part.name)
            self._taken.update(keys)
            job.part = part
            job.sidecar_on_disk = meta is not None
            job.part_on_disk = meta is not None and folder.lexists(part)
            return part, meta
        raise FileFailed(msg.NO_PART_NAME.format(name=out.name))

    async def _transfer(self, job: Job, url: str) -> _Pending:
        """One attempt at the bytes: a request (resuming what is kept) and its body
        written; returns what ``_finish`` needs to put the file in place."""
        out = job.out
        folder = self._folder
        assert out is not None
        assert folder is not None
        book = self._book
        folder.ensure_parent(out)
        part, meta = self._claim_part(job)
        # Only bytes a server can vouch for are kept: ours, with a validator to check (a
        # file that appeared at the name after it was claimed is not ours).
        ours = meta is not None and _sendable(meta.validator) is not None and job.part_on_disk
        offset = self._files.regular_size(part) or 0 if ours else 0
        if meta is not None and meta.total is not None:
            if offset > meta.total:
                offset = 0
            elif offset == meta.total and offset > 0:
                # Complete but never renamed (stopped between fsync and rename).
                book.set_total(job, meta.total)
                book.set_done(job, offset)
                job.encoding = meta.encoding
                return _Pending(part, None, None, meta.crc64, meta)

        headers: dict[str, str] = {}
        if offset > 0 and meta is not None and meta.validator:
            headers["Range"] = f"bytes={offset}-"
            headers["If-Range"] = meta.validator
        async with self._get(job, url, headers) as response:
            start, total = self._body_range(job, response, offset, meta)
            expected = crc64_header(response)
            if expected is None and start != 0 and meta is not None:
                # The kept bytes go on (or are all there: 416): the checksum recorded
                # with them still covers the file.
                expected = meta.crc64
            if start is None:
                # 416 with the whole file already here: only the rename is left.
                book.set_done(job, offset)
                job.encoding = meta.encoding if meta is not None else None
                return _Pending(part, None, None, expected, meta)
            if start == 0 and offset > 0:
                log.info("%s: the server sent the whole file; starting over", job.fileid.raw)
            elif start > 0 and job.resumed_from == 0:
                job.resumed_from = start
            job.encoding = content_encoding(response)
            new_meta = PartMeta(
                job.fileid.raw, _sendable(strong_validator(response)), total, expected, job.encoding
            )
            if job.encoding and len(sidecar_bytes(new_meta)) > SIDECAR_MAX_BYTES:
                # Host text too long to be read back (a Content-Encoding of kilobytes;
                # the file ID and a kept validator are bounded): the sidecar still says
                # the partial file is ours, and nothing resumes.
                new_meta = PartMeta(job.fileid.raw, None, total, expected)
            book.set_total(job, total)
            book.set_done(job, start)
            crc: RunningCrc64 | None = None
            if expected is not None:
                # The CRC-64 covers the whole file: read the kept bytes once.
                kept = await asyncio.to_thread(self._crc64_of, part, start) if start else 0
                crc = RunningCrc64(kept)
            writer = self._open_writer(job, part, start, total, new_meta, meta)
            loop = asyncio.get_running_loop()
            sink = BodySink(
                job,
                book,
                writer,
                start=start,
                total=total,
                crc=crc,
                kind=media_type(response),
                clock=loop.time,
                resumable=new_meta.validator is not None,
            )
            try:
                if isinstance(response, WireResponse):
                    await self._read_wire(sink, response)
                else:
                    await self._read_httpx(sink, response)
            except TooMuch:
                self._drop(job, writer)
                raise
            except BaseException:
                self._keep(job, writer, new_meta)
                raise
        written = sink.written
        if total is not None and written != total:
            self._keep(job, writer, new_meta)
            raise Transient(
                msg.ENDED_EARLY.format(
                    written=msg.human_bytes(written), total=msg.human_bytes(total)
                )
            )
        return _Pending(writer.path, writer, crc, expected, new_meta)

    def _open_writer(
        self,
        job: Job,
        part: Path,
        start: int,
        total: int | None,
        meta: PartMeta,
        old_meta: PartMeta | None,
    ) -> Writer:
        """Where the body goes. A file under ``RECORDED_FROM`` that starts from nothing:
        to a temporary name in the engine's folder, held in memory up to
        ``SMALL_FILE_BYTES`` (then written whole by a worker), else streamed there.
        Anything else: to its partial file, under its sidecar."""
        out = job.out
        assert out is not None
        if (
            start == 0
            and total is not None
            and total < RECORDED_FROM
            and not job.part_on_disk
            and self._tmp_usable(out.parent)
        ):
            tmp = self._tmp_dir / short_name(f"{out.name}.{job.index}", ".part")
            if total <= SMALL_FILE_BYTES:
                return MemoryPart(tmp, total, self._buffers.take(total))
            streamed = self._files.open_part(tmp, 0, self._options.chunk_size)
            streamed.writeback = self._syncer.writeback
            return streamed
        while True:
            try:
                writer = self._part_writer(job, part, start, meta, old_meta)
            except FileExistsError:
                # Another program's file appeared at the partial file's name or its
                # sidecar's after the folder was listed: it stays as it is (never cut,
                # replaced or removed), and the file goes on from 0 under the next free
                # name, as ``_claim_part`` would have given it. (A resume, ``start`` > 0,
                # has both files already: nothing is created for it.)
                if start:
                    raise
                log.info("%s: %s appeared meanwhile; not ours", job.fileid.raw, part.name)
                self._remove_part(job)  # what is ours there (just written); the name stays reserved
                job.part = None
                part, old_meta = self._claim_part(job)
                continue
            writer.writeback = self._syncer.writeback
            job.part_on_disk = True
            return writer

    def _part_writer(
        self, job: Job, part: Path, start: int, meta: PartMeta, old_meta: PartMeta | None
    ) -> PartFile:
        """The partial file ``part`` opened at ``start`` under its sidecar. One that is
        not ours yet is created only where nothing is (``FileExistsError`` else)."""
        chunk = self._options.chunk_size
        # A partial file already there is cut to ``start`` first: its bytes past it (of
        # an earlier try, maybe of another version) must be gone before a new sidecar
        # vouches for the file; else a stop right between the two would resume them.
        writer = self._files.open_part(part, start, chunk) if job.part_on_disk else None
        try:
            if meta != old_meta or not job.sidecar_on_disk:
                self._write_sidecar(job, part, meta)
            if writer is None:
                self._files.create_new(part)
                writer = self._files.open_part(part, start, chunk)
        except BaseException:
            if writer is not None:
                writer.abandon()
            raise
        return writer

    def _write_sidecar(self, job: Job, part: Path, meta: PartMeta) -> None:
        """Write ``part``'s sidecar. One the job has not written yet is first created
        where nothing is (``FileExistsError`` else): a file another program put at that
        name after the folder was listed is never replaced."""
        sidecar = sidecar_path(part)
        if not job.sidecar_on_disk:
            self._files.create_new(sidecar)
            job.sidecar_on_disk = True  # ours from here on (removed with the part)
        self._files.write_small(sidecar, sidecar_bytes(meta))

    def _keep(self, job: Job, writer: Writer, meta: PartMeta | None) -> None:
        """After an interruption: the bytes received stay for a later try, which resumes
        from the partial file's real size. What a small file had (written under its
        temporary name, else still in memory) becomes the job's partial file, sidecar
        first (a sidecar without its file costs nothing). The file's progress is then
        what a resume starts from, not what was received: a small file's bytes that
        could not be written (a full disk) are not on the disk, and both faces show
        the file's progress as the place it goes on from."""
        writer.abandon()
        try:
            self._move_kept(job, writer, meta)
        finally:
            self._book.set_done(job, self._resumable(job, meta))

    def _resumable(self, job: Job, meta: PartMeta | None) -> int:
        """The bytes a later try resumes from: our partial file's size, under a sidecar
        with a validator to check them (``_transfer``'s rule); else 0."""
        part = job.part
        if part is None or not (job.part_on_disk and job.sidecar_on_disk):
            return 0
        if meta is None or not meta.validator:
            return 0
        try:
            return self._files.regular_size(part) or 0
        except (OSError, paths.UnsafePathError):
            return 0

    def _move_kept(self, job: Job, writer: Writer, meta: PartMeta | None) -> None:
        """``_keep``'s moves: a small file's bytes to the job's partial file."""
        part = job.part
        tmp = writer.path
        if part is None or tmp == part:
            return
        files = self._files
        held = files.regular_size(tmp)
        memory = writer if isinstance(writer, MemoryPart) else None
        try:
            if meta is None or not meta.validator or not (held or (memory and memory.length)):
                return  # nothing a later try could resume from
            sidecar = sidecar_path(part)
            self._write_sidecar(job, part, meta)
            if held:
                kept = files.move_no_clobber(tmp, part)
            else:
                assert memory is not None
                kept = self._spill(part, memory.view())
            if kept:
                job.part_on_disk = True
            else:
                files.remove(sidecar)  # never beside a file that is not ours
                job.sidecar_on_disk = False
        except (OSError, paths.UnsafePathError) as exc:
            log.info("%s: could not keep the partial file: %s", job.fileid.raw, exc)
        finally:
            files.remove(tmp)

    def _spill(self, part: Path, data: memoryview) -> bool:
        """Write bytes held in memory to a partial file that is not there yet."""
        files = self._files
        try:
            files.create_new(part)  # never over a file that appeared there meanwhile
        except FileExistsError:
            return False
        writer = files.open_part(part, 0, self._options.chunk_size)
        try:
            writer.write(data)
        except OSError:
            writer.abandon()
            if files.regular_size(part):
                return True  # a part of the bytes is still a start
            files.remove(part)
            return False
        writer.abandon()
        return True

    def _drop(self, job: Job, writer: Writer) -> None:
        """Bytes not worth keeping (more than the file has): gone, the file starts over."""
        writer.abandon()
        if writer.path != job.part:
            self._files.remove(writer.path)
        self._remove_part(job)
        self._book.set_done(job, 0)

    def _body_range(
        self, job: Job, response: ResponseHead, offset: int, meta: PartMeta | None
    ) -> tuple[int | None, int | None]:
        """Where the body starts and the file's total size; (None, _) = already complete.

        A range answer must continue exactly the bytes kept: the same validator, size,
        checksum and encoding as the sidecar recorded, starting where asked and running
        to the end. Anything else starts the file over.
        """
        status = response.status_code
        parsed = parse_content_range(response.headers.get("content-range"))
        if status == 416:
            total = parsed[2] if parsed else None
            # The whole file is here only if it is the size the sidecar recorded: a
            # host that kept a cut copy (same validator) must not make the cut complete.
            if total is not None and offset == total and self._continues(response, meta, total):
                self._book.set_total(job, total)
                return None, total
            raise self._restart(job, msg.NO_REST)
        if status == 206:
            if parsed is None or parsed[0] != offset:
                raise self._restart(job, msg.OTHER_PART)
            total = parsed[2]
            # The part must run to the end of a file of known size ("bytes 0-499/*" may
            # be the first 500 bytes of anything): else nothing could tell it complete.
            if total is None or parsed[1] != total - 1:
                raise self._restart(job, msg.OTHER_PART)
            if offset > 0 and not self._continues(response, meta, total):
                # The validator, size or checksum differ (or the server names none): the
                # file changed on the server, whatever If-Range was supposed to do.
                raise self._restart(job, msg.CHANGED)
            return offset, total
        return 0, content_length(response)

    @staticmethod
    def _continues(response: ResponseHead, meta: PartMeta | None, total: int | None = None) -> bool:
        """Whether ``response`` is of the same file version as the kept bytes."""
        if meta is None or not meta.validator:
            return False
        if _sendable(strong_validator(response)) != meta.validator:
            return False
        if total is not None and meta.total is not None and total != meta.total:
            return False
        if content_encoding(response) != meta.encoding:
            return False
        announced = crc64_header(response)
        return announced is None or meta.crc64 is None or announced == meta.crc64

    def _restart(self, job: Job, why: str) -> Transient:
        self._remove_part(job)
        self._book.set_done(job, 0)
        return Transient(msg.STARTING_OVER.format(reason=why))

    def _remove_part(self, job: Job) -> None:
        """Delete our partial file and its sidecar (the name stays reserved for the job)."""
        if job.part is not None:
            if job.part_on_disk:
                self._files.remove(job.part)
            if job.sidecar_on_disk:
                self._files.remove(sidecar_path(job.part))
        job.part_on_disk = job.sidecar_on_disk = False

    async def _read_httpx(self, sink: BodySink, response: httpx.Response) -> None:
        """The body through ``httpx``, chunk by chunk."""
        limiter = self._limiter
        loop = asyncio.get_running_loop()
        stall = self._options.stall_seconds
        try:
            # aiter_raw: the bytes as sent. A host that compresses anyway ("Accept-
            # Encoding: identity" ignored) gets its compressed bytes saved, never
            # expanded: memory and disk stay bounded by what came over the wire, and the
            # length check applies to those bytes.
            # aclosing: loops without asyncio's async-generator hooks (qasync) would
            # otherwise leave a paused transfer's iterator to the garbage collector.
            body = cast(AsyncGenerator[bytes, None], raw_body(response))
            async with (
                contextlib.aclosing(body) as chunks,
                asyncio.timeout_at(loop.time() + stall) as deadline,
            ):
                async for chunk in chunks:
                    sink.feed(chunk)
                    if sink.marked:
                        sink.marked = False
                        deadline.reschedule(loop.time() + stall)
                    if limiter is not None:
                        # Our own rate limit is no lack of progress.
                        left = (deadline.when() or loop.time()) - loop.time()
                        deadline.reschedule(None)
                        await limiter.acquire(len(chunk))
                        deadline.reschedule(loop.time() + max(left, 0.0))
            sink.end()
        except httpx.HTTPError as exc:
            raise self._cut(sink, describe_transport_error(exc), exc) from None
        except TimeoutError:
            raise self._cut(sink, msg.STALLED.format(seconds=f"{stall:g}")) from None

    async def _read_wire(self, sink: BodySink, response: WireResponse) -> None:
        """The body from the engine's own connection: each read written as it lands."""
        loop = asyncio.get_running_loop()
        stall = self._options.stall_seconds
        limiter = self._limiter
        feed = sink.feed
        resume_at = 0.0  # loop time until which the rate limit holds reading back
        if limiter is not None:

            def limited(data: memoryview) -> None:
                nonlocal resume_at
                feed(data)
                wait = limiter.take(len(data))
                if wait > 0:
                    # Our own rate limit is no lack of progress.
                    response.pause_reading()
                    sink.mark += wait
                    resume_at = loop.time() + wait
                    loop.call_later(wait, response.resume_reading)

            reader = limited
        else:
            reader = feed
        watchdog = Stall(loop, sink, stall, response.fail)
        try:
            # A small file held in memory is received straight into it; a large one's
            # writes are made by a worker thread, from buffers the connection reads into.
            writer = sink.writer
            lend = None
            if isinstance(writer, MemoryPart):
                lend = sink.lend
            elif (
                limiter is None
                and sink.total is not None
                and sink.total - sink.written >= BACKGROUND_WRITES_FROM
                and self._large_bodies > 0
            ):
                take = self._buffers.take
                writer.write_in_background(
                    [take(BACKGROUND_BUFFER_BYTES) for _ in range(BACKGROUND_BUFFERS)],
                    loop,
                    full=response.pause_reading,
                    room=response.resume_reading,
                )
                lend = sink.lend
            large = sink.total is not None and sink.total - sink.written >= BACKGROUND_WRITES_FROM
            self._large_bodies += large
            try:
                await response.read_body(reader, lend)
            finally:
                self._large_bodies -= large
            sink.end()
            if resume_at > loop.time():
                # The last bytes put us in debt: the transfer slot waits the debt out, as
                # reading would have (else small files would slip past the limit).
                await asyncio.sleep(resume_at - loop.time())
        except httpx.HTTPError as exc:
            raise self._cut(sink, describe_transport_error(exc), exc) from None
        except Stalled:
            raise self._cut(sink, msg.STALLED.format(seconds=f"{stall:g}")) from None
        finally:
            watchdog.cancel()

    @staticmethod
    def _cut(sink: BodySink, reason: str, exc: BaseException | None = None) -> Transient:
        """A body that ended before its end: how far it came (bytes held back for the
        sniff arrived too), and whether the next try resumes (bytes written under a
        validator) or starts over."""
        came = msg.human_bytes(sink.written + sink.held)
        if sink.resumable and sink.written:
            return _failure(exc)(msg.CUT_AFTER.format(reason=reason, written=came))
        return _failure(exc)(msg.CUT_STARTING_OVER.format(reason=reason, written=came))

    async def _finish(self, job: Job, pending: _Pending) -> None:
        """Make the file durable and put it in place, in a worker thread (``Syncer``):
        fsync it (a small one is first written whole), check its length and checksum on
        the disk, move it to its name atomically (never over another file unless asked),
        fsync its folder together with the other files finishing meanwhile. Only then is
        it done."""
        out = job.out
        assert out is not None
        source, writer, crc, expected = (
            pending.source,
            pending.writer,
            pending.crc,
            pending.expected,
        )
        total = job.bytes_total
        files = self._files
        # Over what is at its name only when asked, or over this ID's own damaged copy.
        replace = self._options.on_exists is OnExists.OVERWRITE or job.repairs
        sidecar = sidecar_path(job.part) if job.part is not None and job.sidecar_on_disk else None
        taken = self._taken
        fold = self._case_insensitive
        buffers = self._buffers

        def reserved(path: Path) -> bool:
            return paths.path_key(path, case_insensitive=fold) in taken

        def write(sync: bool) -> None:
            if isinstance(writer, MemoryPart):
                files.write_whole(writer, sync=sync)
                # The bytes are in the file: the buffer serves the next file now, not once
                # this one is in place (each new 1 MiB buffer costs its page faults,
                # ~0.6 ms here). What follows reads the file, if anything.
                buffers.give(writer.release())
                return
            if isinstance(writer, PartFile):
                for buffer in writer.drain():  # the background writes, all on the disk
                    buffers.give(buffer)
            if sync:
                sync_bytes()

        def sync_bytes() -> None:
            if isinstance(writer, PartFile):
                writer.sync()
            else:
                files.fsync_file(source)

        def finish() -> Placed:
            if isinstance(writer, PartFile):
                try:
                    st = writer.stat()
                finally:
                    writer.abandon()
            else:
                st = files.lstat(source)
            # What reached the disk, not what we counted, decides.
            if total is not None and st.st_size != total:
                raise _PartSize(st.st_size)
            if expected is not None:
                got = crc.value if crc is not None else self._crc64_of(source)
                if got != expected:
                    raise _ChecksumMismatch(got, expected)
            final = files.publish(source, out, replace=replace, reserved=reserved)
            if sidecar is not None:
                files.remove(sidecar)
            return final, st

        if isinstance(writer, MemoryPart):
            unsynced = writer.length
        elif writer is not None:
            unsynced = min(total or 0, WRITEBACK_EVERY)
        else:
            unsynced = 0
        grouped = self._tmp_usable(out.parent)  # on the folder's own file system
        placing = self._syncer.place(Placing(write, sync_bytes, finish, unsynced, grouped))
        try:
            final, st = await asyncio.shield(placing)
        except asyncio.CancelledError:
            # Paused or cancelled while the file was being put in place in a thread: let
            # it land and record it, so a resume does not download the file a second time.
            # Cancelled again meanwhile (each file a full disk stops cancels the others):
            # still wait, or a small file's bytes, in memory only, would be neither
            # placed nor kept, and its progress would claim them.
            while not placing.done():
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.wait([placing])
            if placing.exception() is None:
                self._published(job, source, *placing.result(), expected)
            else:
                self._unplaced(job, pending, placing.exception())
            raise
        except BaseException as exc:
            if writer is not None and source != job.part and _crosses_mount(exc):
                beside = await asyncio.to_thread(self._beside_target, job, pending, writer)
                if beside is not None:
                    await self._finish(job, beside)
                    return
            self._unplaced(job, pending, exc)
            raise
        self._published(job, source, final, st, expected)

    def _beside_target(self, job: Job, pending: _Pending, writer: Writer) -> _Pending | None:
        """Runs in a thread: a file that could not be moved from the engine's folder to
        its own (a bind mount of the same file system: one device, yet no link or rename
        across it) is written as its partial file beside its name instead, and put in
        place from there; the folder's later files go that way from the start. None:
        that name was taken meanwhile, or the bytes could not be read back (the file
        fails as it would have)."""
        out, part = job.out, job.part
        assert out is not None
        assert part is not None  # claimed before the body was read
        self._same_device[out.parent] = False
        log.info("%s: %s is another mount; writing beside it", job.fileid.raw, out.parent)
        files = self._files
        memory = writer if isinstance(writer, MemoryPart) and writer.length else None
        # A streamed file (under RECORDED_FROM), or one held in memory that was written
        # already (its buffer given back), is read back whole from its temporary name.
        data = memory.view() if memory is not None else files.read_small(writer.path, RECORDED_FROM)
        files.remove(writer.path)
        if data is None:
            return None
        try:
            if pending.meta is not None:  # the partial file is ours, should we stop
                self._write_sidecar(job, part, pending.meta)
        except FileExistsError:  # not ours: left alone
            return None
        if not self._spill(part, memoryview(data)):
            files.remove(sidecar_path(part))  # never beside a file that is not ours
            job.sidecar_on_disk = False
            return None
        job.part_on_disk = True
        if memory is not None:
            self._buffers.give(memory.release())
        return _Pending(part, None, pending.crc, pending.expected, pending.meta)

    def _unplaced(self, job: Job, pending: _Pending, exc: BaseException | None) -> NoReturn:
        """A file that could not be put in place: keep what a later try can resume
        from, or start it over, and say why."""
        if isinstance(exc, _ChecksumMismatch):
            if pending.writer is not None:
                pending.writer.abandon()
            self._on_checksum_mismatch(job, pending.source, exc)
        if pending.writer is not None:
            self._keep(job, pending.writer, pending.meta)
        if isinstance(exc, _PartSize):
            total = job.bytes_total or 0
            raise Transient(
                msg.PART_SIZE.format(size=msg.human_bytes(exc.size), total=msg.human_bytes(total))
            ) from None
        raise exc if exc is not None else asyncio.CancelledError()

    def _on_checksum_mismatch(self, job: Job, source: Path, exc: _ChecksumMismatch) -> NoReturn:
        """The bytes are not the file in storage: never published; fetched once more."""
        if source != job.part:
            self._files.remove(source)
        self._remove_part(job)
        self._book.set_done(job, 0)
        mismatch = msg.CHECKSUM_MISMATCH.format(got=exc.got, expected=exc.expected)
        job.checksum_retries += 1
        if job.checksum_retries > CHECKSUM_RETRIES:
            raise FileFailed(msg.NOT_SAVED.format(reason=mismatch))
        raise Transient(msg.DOWNLOADING_AGAIN.format(reason=mismatch))

    def _published(
        self, job: Job, source: Path, final: Path, st: os.stat_result, crc64: int | None
    ) -> None:
        if source == job.part:
            job.part_on_disk = False
        job.sidecar_on_disk = False
        if final != job.out:
            self._taken.add(self._key(final))
            job.out = final  # a file appeared at the name meanwhile: "(n)" was taken
        # No total: the answer announced no size (chunked, or ended by the close).
        sized = job.bytes_total is not None
        self._manifest.record_stat(
            job.fileid, final, st.st_size, st.st_mtime_ns, crc64, sized=sized
        )
        self._book.set_integrity(job, _integrity(crc64, sized))
        log.info("%s: saved as %s", job.fileid.raw, final)
        self._book.set_state(job, FileState.DONE)

    def _discard_partials(self) -> None:
        for job in self._book.jobs:
            if job.state not in (FileState.DONE, FileState.SKIPPED):
                self._remove_part(job)

    # -- progress --------------------------------------------------------------------

    async def _tick(self) -> None:
        loop = asyncio.get_running_loop()
        last_save = loop.time()
        while True:
            await asyncio.sleep(self._interval)
            now = loop.time()
            self._book.sample(now)
            self._book.emit(final=False, paused=self.paused)
            if self._manifest.changed and now - last_save >= MANIFEST_SAVE_SECONDS:
                last_save = now
                await self._manifest.save()

    def _outcome(self, job: Job) -> DownloadOutcome:
        ok = job.state in (FileState.DONE, FileState.SKIPPED)
        errmsg = job.errmsg
        if job.state is FileState.CANCELLED and not errmsg:
            errmsg = msg.STOPPED_DISK_FULL if self._disk_full is not None else msg.CANCELLED
        return DownloadOutcome(
            fileid=job.fileid,
            ok=ok,
            path=job.out if ok else None,
            bytes=job.bytes_done if ok else 0,
            errmsg="" if ok else errmsg,
            state=job.state,
            kind=None if ok else (job.kind or ErrorKind.FILE),
            integrity=job.integrity if ok else None,
            encoding=job.encoding if ok else None,
            repaired=job.repairs and job.state is FileState.DONE,
        )


def _failure(exc: BaseException | None) -> type[Transient]:
    """What a transport error makes of an attempt: a malformed answer is tried less often
    than a cut (``tries_allowed``)."""
    from tcb_gui.core.malformed import MalformedAnswer  # with httpx, as exc's class was

    return Malformed if isinstance(exc, MalformedAnswer) else Transient


def _sendable(validator: str | None) -> str | None:
    """``validator`` if it can be sent back as If-Range and kept in a sidecar, else None.

    A host's ETag (or Last-Modified) is the only thing that ties kept bytes to a version
    of the file. One with bytes a request may not carry (a bare CR, other controls) would
    fail every resume before it is sent, run after run; one of more than
    ``MAX_VALIDATOR_CHARS`` would make the sidecar larger than the engine reads back.
    Such a file is treated as one without a validator: its bytes are never resumed, it
    starts over from 0. Resuming without If-Range would splice two versions whenever the
    file changed, which only a CRC-64 (not always sent) could catch, and only at the end.
    """
    if validator is None or len(validator) > MAX_VALIDATOR_CHARS:
        return None
    return validator if _SENDABLE.fullmatch(validator) else None


def _progressed(job: Job) -> bool:
    """Whether the attempt just made kept at least ``MIN_PROGRESS_BYTES`` more of the file
    (what a resume starts from): only that gives the file its tries back. Any progress
    at all would let a host that sends a byte per connection keep it going for ever
    (the stall rule measures within one body only)."""
    return job.bytes_done - job.kept_before >= MIN_PROGRESS_BYTES


def _crosses_mount(exc: BaseException) -> bool:
    """Whether ``exc`` is a link or rename refused across mount points (EXDEV)."""
    return isinstance(exc, OSError) and exc.errno == errno.EXDEV


def _integrity(crc64: int | None, sized: bool) -> Integrity:
    """How a saved file was checked: against the storage's CRC-64, against the size its
    answer announced, or against nothing (neither came: a chunked or close-ended body)."""
    if crc64 is not None:
        return Integrity.VERIFIED
    return Integrity.SIZE_CHECKED if sized else Integrity.UNCHECKED
