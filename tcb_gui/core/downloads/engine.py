"""``Downloader``: one list of links to files on disk, resumable, several at once.

How a file goes (the package docstring has the whole story): a name inside the folder,
the existing-file rule, a partial file that can only be ours, a streamed transfer with
retries, link refreshes and checked resumes, then length and checksum checks and an
atomic rename.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import stat
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NoReturn, cast

import httpx

from tcb_gui.core import paths
from tcb_gui.core.client import LinkResult
from tcb_gui.core.downloads import messages as msg
from tcb_gui.core.downloads.files import (
    DISK_FULL_ERRNOS,
    FileOps,
    PartFile,
    PartMeta,
    read_sidecar,
    regular_size,
    remove_quietly,
    sidecar_bytes,
    sidecar_path,
    variant,
)
from tcb_gui.core.downloads.folderlock import FolderLock
from tcb_gui.core.downloads.httpchecks import (
    REDIRECT_STATUSES,
    SNIFF_BYTES,
    TRANSIENT_STATUSES,
    content_encoding,
    content_length,
    html_refusal,
    is_encoded,
    link_query_expiry,
    media_type,
    parse_content_range,
    protect_dot_segments,
    raw_body,
    safe_url,
    strong_validator,
)
from tcb_gui.core.downloads.integrity import RunningCrc64, crc64_header, crc64_of_file
from tcb_gui.core.downloads.manifest import STATE_DIR_NAME, Manifest
from tcb_gui.core.downloads.progress import DEFAULT_PROGRESS_INTERVAL, Job, ProgressBook
from tcb_gui.core.downloads.records import (
    FINAL_STATES,
    MIN_PROGRESS_BYTES,
    DiskFullError,
    DownloadOptions,
    DownloadOutcome,
    FileFailed,
    FileProgress,
    FileState,
    Integrity,
    Layout,
    LinkRejected,
    OnExists,
    ProgressCallback,
    RefreshLinks,
    TotalProgress,
    Transient,
)
from tcb_gui.core.downloads.refresher import LinkRefresher
from tcb_gui.core.errors import ErrorKind, InputError, TcbError
from tcb_gui.core.netmessages import describe_transport_error
from tcb_gui.core.ratelimit import TokenBucket
from tcb_gui.core.redact import install_log_redaction

# One logger for the whole package: the name users and tests filter on.
log = logging.getLogger("tcb_gui.core.downloads")

# Fresh links refused in a row (403 each time) before the file is given up.
MAX_LINK_REFRESHES = 2
# A link this close to its expiry is refreshed before use rather than after a 403.
LINK_EXPIRY_MARGIN = timedelta(seconds=60)
# Redirects followed per request (to http(s) only); a CDN needs one or two.
MAX_REDIRECTS = 5
# The manifest of completed files is saved at most this often during a run.
MANIFEST_SAVE_SECONDS = 2.0
# A file whose CRC-64 does not match is downloaded again this many times, then failed.
CHECKSUM_RETRIES = 1
# Names tried for a file's partial file (<name>.part, <name>.1.part, …) when the usual
# one is another key's or holds somebody else's bytes.
MAX_PART_NAMES = 100


class _ChecksumMismatch(Exception):
    def __init__(self, got: int, expected: int) -> None:
        super().__init__(got, expected)
        self.got = got
        self.expected = expected


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
        files: FileOps | None = None,
    ) -> None:
        install_log_redaction()  # httpx logs every URL at INFO: keep `sign=` out of logs
        self._http = http
        self._options = options
        self._interval = progress_interval
        self._now = clock
        self._files = files if files is not None else FileOps()
        self._refresher = LinkRefresher(refresh)
        self._limiter = TokenBucket(options.limit_rate) if options.limit_rate else None
        self._dest = options.dest
        self._manifest = Manifest(options.dest, self._files)
        self._state_dir = options.dest / STATE_DIR_NAME
        self._lock = FolderLock(options.dest, self._state_dir)
        self._book = ProgressBook(on_progress)
        self._taken: set[str] = set()  # paths.path_key of every name given out in this run
        self._case_insensitive = False  # probed on the folder by _prepare
        self._active: set[asyncio.Task[None]] = set()
        self._running = asyncio.Event()
        self._running.set()
        self._stopping = False
        self._discard = False
        self._disk_full: DiskFullError | None = None
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
        for task in list(self._active):
            task.cancel()
        self._book.touch_active()

    def resume(self) -> None:
        self._running.set()

    def cancel(self, *, discard_partial: bool = False) -> None:
        """End the run. Partial files are kept for a later run unless ``discard_partial``."""
        self._stopping = True
        self._discard = discard_partial
        self._running.set()  # wake paused workers so they can finish
        for task in list(self._active):
            task.cancel()

    def total_progress(self) -> TotalProgress:
        return self._book.totals(paused=self.paused)

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
            await asyncio.to_thread(self._prepare)
        except BaseException:
            await asyncio.to_thread(self._lock.release)
            raise
        queue = deque(job for job in book.jobs if job.state is FileState.QUEUED)
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
            for job in book.jobs:
                if job.state not in FINAL_STATES:
                    book.set_state(job, FileState.CANCELLED)
            if self._discard:
                await asyncio.to_thread(self._discard_partials)
            try:
                await self._manifest.save(final=True)
            finally:
                await asyncio.to_thread(self._lock.release)
            book.emit(final=True, paused=self.paused)
        outcomes = [self._outcome(job) for job in book.jobs]
        if self._disk_full is not None:
            self._disk_full.outcomes = tuple(outcomes)
            raise self._disk_full
        return outcomes

    def _prepare(self) -> None:
        """Runs in a thread: the folder, the manifest, and every file's name (input order)."""
        try:
            self._dest.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(
                msg.CANNOT_CREATE.format(dest=self._dest, reason=exc.strerror)
            ) from None
        self._make_state_dir()
        self._lock.acquire()  # FolderBusyError: another run writes here
        self._case_insensitive = paths.is_case_insensitive(self._dest)
        # The engine's own folder is never a key's name (flat layout: ".tcb-gui (1)").
        self._taken.add(self._key(self._state_dir))
        self._manifest.load()
        book = self._book
        skip = self._options.on_exists is OnExists.SKIP
        layout: paths.Layout = "flat" if self._options.layout is Layout.FLAT else "tree"
        for job in book.jobs:
            try:
                target = paths.target_path(self._dest, job.fileid.env, job.fileid.key, layout)
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
                verified = entry.crc64 is not None
                book.set_integrity(job, Integrity.VERIFIED if verified else Integrity.SIZE_CHECKED)
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

    def _make_state_dir(self) -> None:
        """``<dest>/.tcb-gui``, a real folder (never a link to elsewhere)."""
        state = self._state_dir
        reason: str | None = None
        try:
            state.mkdir(exist_ok=True)
            if not stat.S_ISDIR(state.lstat().st_mode):
                reason = "a file of that name is in the way"
        except OSError as exc:
            reason = exc.strerror or str(exc)
        if reason is not None:
            raise InputError(msg.CANNOT_CREATE.format(dest=state, reason=reason))

    def _key(self, path: Path) -> str:
        return paths.path_key(path, case_insensitive=self._case_insensitive)

    def _needs_link(self, job: Job) -> bool:
        link = job.link
        if link is None or not link.ok or not link.download_url:
            return True
        return self._expiring(link, link.download_url)

    @staticmethod
    def _dead_link(job: Job) -> bool:
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
        expiry = link_query_expiry(url)
        return expiry is not None and expiry <= now

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
            self._active.add(task)
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
                self._active.discard(task)

    async def _download(self, job: Job) -> None:
        try:
            await self._download_file(job)
        except FileFailed as exc:
            self._book.fail(job, exc.message, exc.kind)
        except OSError as exc:
            if exc.errno in DISK_FULL_ERRNOS:
                self._on_disk_full(job, exc)
            else:
                where = job.out.name if job.out else job.fileid.key
                self._book.fail(
                    job, msg.CANNOT_WRITE.format(path=where, reason=exc.strerror or exc)
                )

    def _on_disk_full(self, job: Job, exc: OSError) -> None:
        message = msg.DISK_FULL.format(dest=self._dest, reason=exc.strerror or msg.NO_SPACE)
        self._book.fail(job, message)
        if self._disk_full is None:
            self._disk_full = DiskFullError(message)
            log.error("%s", message)
        self._stopping = True
        self._running.set()
        for task in list(self._active):
            if task is not asyncio.current_task():
                task.cancel()

    async def _download_file(self, job: Job) -> None:
        """Get one file to disk: link, existing-file rule, transfer with retries."""
        policy = self._options.retry
        tries = 0
        refusals = 0
        self._book.set_state(job, FileState.DOWNLOADING)
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
            except LinkRejected as exc:
                if job.bytes_done > kept_before:
                    refusals = 0
                refusals += 1
                if refusals > MAX_LINK_REFRESHES:
                    raise FileFailed(msg.EVEN_FRESH.format(reason=exc.message)) from None
                log.info("%s: %s; fetching a fresh link", job.fileid.raw, exc.message)
                job.link = None
            except Transient as exc:
                if job.bytes_done > kept_before:
                    tries = 0
                tries += 1
                if tries >= policy.max_tries:
                    raise FileFailed(
                        msg.GAVE_UP.format(reason=exc.message, tries=tries), ErrorKind.NETWORK
                    ) from None
                delay = policy.delay(tries - 1)
                log.info("%s: %s; retrying in %.1f s", job.fileid.raw, exc.message, delay)
                await asyncio.sleep(delay)

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

    def _settle_existing(self, job: Job, target: Path, remote: int | None) -> None:
        n = 0
        candidate = target
        while os.path.lexists(candidate):
            size = regular_size(candidate)
            if remote is not None and size == remote:
                log.info("%s: already complete at %s", job.fileid.raw, candidate.name)
                job.out = candidate
                self._book.set_total(job, remote)
                self._book.set_done(job, remote)
                self._manifest.record(job.fileid, candidate)
                self._book.set_integrity(job, Integrity.SIZE_CHECKED)
                self._book.set_state(job, FileState.SKIPPED)
                return
            n += 1
            candidate = variant(target, n)
            while self._key(candidate) in self._taken:
                n += 1
                candidate = variant(target, n)
        self._taken.add(self._key(candidate))
        job.out = candidate

    async def _probe_size(self, job: Job, url: str) -> int | None:
        """The remote size from a one-byte range request (no body worth the name)."""
        async with self._get(job, url, {"Range": "bytes=0-0"}) as response:
            if response.status_code in (206, 416):
                parsed = parse_content_range(response.headers.get("content-range"))
                return parsed[2] if parsed else None
            return None if is_encoded(response) else content_length(response)

    # -- HTTP ------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def _get(
        self, job: Job, url: str, headers: dict[str, str]
    ) -> AsyncIterator[httpx.Response]:
        """GET ``url`` streamed, following redirects to http(s) only; statuses classified."""
        current = protect_dot_segments(url)
        for _ in range(MAX_REDIRECTS + 1):
            try:
                parsed = httpx.URL(current)
            except (httpx.InvalidURL, TypeError):
                raise FileFailed(msg.BAD_LINK) from None
            if parsed.scheme not in ("http", "https") or not parsed.host:
                raise FileFailed(msg.NOT_HTTP)
            log.debug("GET %s %s", safe_url(parsed), headers.get("Range", ""))
            request = self._http.build_request(
                "GET", parsed, headers={"Accept-Encoding": "identity", **headers}
            )
            try:
                response = await self._http.send(request, stream=True, follow_redirects=False)
            except httpx.TransportError as exc:
                raise Transient(describe_transport_error(exc)) from None
            except httpx.InvalidURL:
                # httpx builds the next request of any 3xx, even unfollowed: a Location
                # it cannot parse ("javascript:…") fails here.
                raise FileFailed(msg.BAD_REDIRECT) from None
            try:
                location = response.headers.get("location")
                if response.status_code in REDIRECT_STATUSES and location:
                    try:
                        current = str(parsed.join(location))
                    except (httpx.InvalidURL, TypeError, ValueError):
                        raise FileFailed(msg.BAD_REDIRECT) from None
                    continue
                self._check_status(job, response, current)
                yield response
                return
            finally:
                await response.aclose()
        raise FileFailed(msg.TOO_MANY_REDIRECTS)

    def _check_status(self, job: Job, response: httpx.Response, url: str) -> None:
        status = response.status_code
        if status in (200, 206):
            refusal = html_refusal(job.fileid.key, media_type(response), None)
            if refusal:
                raise Transient(msg.NOT_SAVED.format(reason=refusal))
            return
        if status == 416:
            return
        reason = f"{status} {response.reason_phrase}".strip()
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
            meta = read_sidecar(sidecar_path(part))
            return part, meta if meta is not None and meta.fileid == job.fileid.raw else None
        out = job.out
        assert out is not None
        for n in range(MAX_PART_NAMES):
            part = paths.part_path(out if n == 0 else out.with_name(f"{out.name}.{n}"))
            sidecar = sidecar_path(part)
            keys = (self._key(part), self._key(sidecar))
            if keys[0] in self._taken or keys[1] in self._taken:
                continue
            meta = read_sidecar(sidecar)
            if meta is not None and meta.fileid != job.fileid.raw:
                continue  # another file's partial download: left for it
            if meta is None and (os.path.lexists(sidecar) or os.path.lexists(part)):
                continue  # not written by us (a browser's .part, a user's file)
            if n > 0:
                log.info("%s: %s is not ours; using %s", job.fileid.raw, out.name, part.name)
            self._taken.update(keys)
            job.part = part
            return part, meta
        raise FileFailed(msg.NO_PART_NAME.format(name=out.name))

    async def _transfer(self, job: Job, url: str) -> None:
        out = job.out
        assert out is not None
        book = self._book
        paths.ensure_parent(out, self._dest)
        part, meta = self._claim_part(job)
        sidecar = sidecar_path(part)
        # Only bytes a server can vouch for are kept: ours, with a validator to check.
        offset = regular_size(part) or 0 if meta is not None and meta.validator else 0
        if meta is not None and meta.total is not None:
            if offset > meta.total:
                offset = 0
            elif offset == meta.total and offset > 0:
                # Complete but never renamed (stopped between fsync and rename).
                book.set_total(job, meta.total)
                book.set_done(job, offset)
                job.encoding = meta.encoding
                await self._finish(job, part, sidecar, None, None, meta.crc64)
                return

        headers: dict[str, str] = {}
        if offset > 0 and meta is not None and meta.validator:
            headers["Range"] = f"bytes={offset}-"
            headers["If-Range"] = meta.validator
        async with self._get(job, url, headers) as response:
            start, total = self._body_range(job, response, offset, meta)
            expected = crc64_header(response)
            if expected is None and start and meta is not None:
                expected = meta.crc64
            if start is None:
                # 416 with the whole file already here: only the rename is left.
                book.set_done(job, offset)
                job.encoding = meta.encoding if meta is not None else None
                await self._finish(job, part, sidecar, None, None, expected)
                return
            if start == 0 and offset > 0:
                log.info("%s: the server sent the whole file; starting over", job.fileid.raw)
            elif start > 0 and job.resumed_from == 0:
                job.resumed_from = start
            job.encoding = content_encoding(response)
            new_meta = PartMeta(
                job.fileid.raw, strong_validator(response), total, expected, job.encoding
            )
            if new_meta != meta:
                self._files.write_small(sidecar, sidecar_bytes(new_meta))
            book.set_total(job, total)
            book.set_done(job, start)
            crc: RunningCrc64 | None = None
            if expected is not None:
                # The CRC-64 covers the whole file: read the kept bytes once.
                kept = await asyncio.to_thread(crc64_of_file, part, start) if start else 0
                crc = RunningCrc64(kept)
            writer = self._files.open_part(part, start, self._options.chunk_size)
            try:
                written = await self._stream_body(job, response, writer, start, total, crc)
            except BaseException:
                writer.abandon()
                raise
        if total is not None and written != total:
            writer.abandon()
            if written > total:
                remove_quietly(part)
                book.set_done(job, 0)
                raise Transient(msg.TOO_MUCH.format(total=msg.human_bytes(total)))
            raise Transient(
                msg.ENDED_EARLY.format(
                    written=msg.human_bytes(written), total=msg.human_bytes(total)
                )
            )
        await self._finish(job, part, sidecar, writer, crc, expected)

    def _body_range(
        self, job: Job, response: httpx.Response, offset: int, meta: PartMeta | None
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
            if total is not None and offset == total and self._continues(response, meta):
                self._book.set_total(job, total)
                return None, total
            raise self._restart(job, msg.NO_REST)
        if status == 206:
            if parsed is None or parsed[0] != offset:
                raise self._restart(job, msg.OTHER_PART)
            total = parsed[2]
            if total is not None and parsed[1] != total - 1:
                raise self._restart(job, msg.OTHER_PART)
            if offset > 0 and not self._continues(response, meta, total):
                # The validator, size or checksum differ (or the server names none): the
                # file changed on the server, whatever If-Range was supposed to do.
                raise self._restart(job, msg.CHANGED)
            return offset, total
        return 0, content_length(response)

    @staticmethod
    def _continues(
        response: httpx.Response, meta: PartMeta | None, total: int | None = None
    ) -> bool:
        """Whether ``response`` is of the same file version as the kept bytes."""
        if meta is None or not meta.validator:
            return False
        if strong_validator(response) != meta.validator:
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

    @staticmethod
    def _remove_part(job: Job) -> None:
        """Delete our partial file and its sidecar (the name stays reserved for the job)."""
        if job.part is not None:
            remove_quietly(job.part)
            remove_quietly(sidecar_path(job.part))

    async def _stream_body(
        self,
        job: Job,
        response: httpx.Response,
        writer: PartFile,
        start: int,
        total: int | None,
        crc: RunningCrc64 | None,
    ) -> int:
        written = start
        limiter = self._limiter
        book = self._book
        loop = asyncio.get_running_loop()
        stall = self._options.stall_seconds
        # The first bytes of a body starting at 0 are held back until we know it is
        # not an HTML error page, so such a page never reaches the disk.
        head: bytearray | None = bytearray() if start == 0 else None
        kind = media_type(response)
        key = job.fileid.key
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
                progress = 0
                async for chunk in chunks:
                    progress += len(chunk)
                    if progress >= MIN_PROGRESS_BYTES:
                        progress = 0
                        deadline.reschedule(loop.time() + stall)
                    if head is not None:
                        head += chunk
                        if len(head) < SNIFF_BYTES:
                            continue
                        chunk, head = bytes(head), None
                        self._refuse_html(key, kind, chunk)
                    writer.write(chunk)
                    if crc is not None:
                        crc.update(chunk)
                    size = len(chunk)
                    written += size
                    book.add_bytes(job, size)
                    if total is not None and written > total:
                        break
                    if limiter is not None:
                        # Our own rate limit is no lack of progress.
                        left = (deadline.when() or loop.time()) - loop.time()
                        deadline.reschedule(None)
                        await limiter.acquire(size)
                        deadline.reschedule(loop.time() + max(left, 0.0))
        except httpx.HTTPError as exc:
            writer.flush()
            raise Transient(
                msg.CUT_AFTER.format(
                    reason=describe_transport_error(exc), written=msg.human_bytes(written)
                )
            ) from None
        except TimeoutError:
            writer.flush()
            stalled = msg.STALLED.format(seconds=f"{stall:g}")
            raise Transient(
                msg.CUT_AFTER.format(reason=stalled, written=msg.human_bytes(written))
            ) from None
        if head is not None:
            self._refuse_html(key, kind, bytes(head))
            writer.write(bytes(head))
            if crc is not None:
                crc.update(bytes(head))
            written += len(head)
            book.add_bytes(job, len(head))
        writer.flush()
        return written

    @staticmethod
    def _refuse_html(key: str, kind: str, head: bytes) -> None:
        refusal = html_refusal(key, kind, head)
        if refusal:
            raise Transient(msg.NOT_SAVED.format(reason=refusal))

    async def _finish(
        self,
        job: Job,
        part: Path,
        sidecar: Path,
        writer: PartFile | None,
        crc: RunningCrc64 | None,
        expected: int | None,
    ) -> None:
        """fsync, check length and checksum, rename into place atomically, fsync the folder."""
        out = job.out
        assert out is not None
        replace = self._options.on_exists is OnExists.OVERWRITE
        total = job.bytes_total
        files = self._files

        def reserved(path: Path) -> bool:
            return self._key(path) in self._taken

        def finish() -> Path:
            if writer is not None:
                writer.sync_and_close()
            else:
                files.fsync_file(part)
            # What reached the disk, not what we counted, decides.
            size = os.lstat(part).st_size
            if total is not None and size != total:
                raise Transient(
                    msg.PART_SIZE.format(size=msg.human_bytes(size), total=msg.human_bytes(total))
                )
            if expected is not None:
                got = crc.value if crc is not None else crc64_of_file(part)
                if got != expected:
                    raise _ChecksumMismatch(got, expected)
            final = files.publish(part, out, replace=replace, reserved=reserved)
            files.fsync_dir(final.parent)
            remove_quietly(sidecar)
            return final

        publishing = asyncio.ensure_future(asyncio.to_thread(finish))
        try:
            final = await asyncio.shield(publishing)
        except asyncio.CancelledError:
            # Paused or cancelled while the rename was under way in a thread: let it
            # land and record it, so a resume does not download the file a second time.
            await asyncio.wait([publishing])
            if not publishing.cancelled() and publishing.exception() is None:
                self._published(job, publishing.result(), expected)
            raise
        except _ChecksumMismatch as exc:
            self._on_checksum_mismatch(job, exc)
        self._published(job, final, expected)

    def _on_checksum_mismatch(self, job: Job, exc: _ChecksumMismatch) -> NoReturn:
        """The bytes are not the file in storage: never published; fetched once more."""
        self._remove_part(job)
        self._book.set_done(job, 0)
        mismatch = msg.CHECKSUM_MISMATCH.format(got=exc.got, expected=exc.expected)
        job.checksum_retries += 1
        if job.checksum_retries > CHECKSUM_RETRIES:
            raise FileFailed(msg.NOT_SAVED.format(reason=mismatch))
        raise Transient(msg.DOWNLOADING_AGAIN.format(reason=mismatch))

    def _published(self, job: Job, final: Path, crc64: int | None) -> None:
        if final != job.out:
            self._taken.add(self._key(final))
            job.out = final  # a file appeared at the name meanwhile: "(n)" was taken
        self._manifest.record(job.fileid, final, crc64)
        self._book.set_integrity(
            job, Integrity.VERIFIED if crc64 is not None else Integrity.SIZE_CHECKED
        )
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
        )
