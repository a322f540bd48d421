"""Progress bookkeeping: each file's state and bytes, run totals, speeds, reports.

``ProgressBook`` keeps the aggregates incrementally, so a tick costs O(files changed),
and hands ``on_progress`` plain data (``FileProgress``, ``TotalProgress``).
"""

from __future__ import annotations

import logging
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from tcb_gui.core.client import LinkResult
from tcb_gui.core.downloads.records import (
    FileProgress,
    FileState,
    Integrity,
    ProgressCallback,
    TotalProgress,
)
from tcb_gui.core.errors import ErrorKind
from tcb_gui.core.fileids import FileId

# States in which a file will never report its size.
_ENDED_UNSIZED = frozenset({FileState.FAILED, FileState.CANCELLED})
# A file still to be taken to an end, and the ends that count in the file rate.
_UNDER_WAY = frozenset({FileState.QUEUED, FileState.DOWNLOADING, FileState.PAUSED})
_FINISHED = frozenset({FileState.DONE, FileState.FAILED})

log = logging.getLogger("tcb_gui.core.downloads")

# Sliding window of the speed average, in seconds.
SPEED_WINDOW_SECONDS = 5.0
DEFAULT_PROGRESS_INTERVAL = 0.2
# Sizes come as files start, so the files sized first are the list's first files, not a
# sample of it: extrapolating from 2 big files of 200 said "about 5.2 GiB" of a 96 MiB
# run. The byte total extrapolates only once at least 1 in this many of the files still
# counted are sized; it can then overstate the run at most this many times (were every
# file not sized yet empty). Before that no total is claimed: the bytes so far are.
MAX_EXTRAPOLATION = 4
# The files not sized yet are reckoned at the mean size of the files sized most recently
# (the later half of them), never more than the mean of them all. A list's first files are
# often its few big ones (a folder's samples, then 20,000 small files: the mean of all said
# "about 162 MiB" of a 57 MiB run), and the files still to come are more like the last ones
# sized than the first; in a shuffled list the two means are alike.
RECENT_SHARE = 2  # the later 1/RECENT_SHARE of the files sized


class SpeedMeter:
    """Bytes/s over a sliding window of (time, cumulative bytes) samples."""

    __slots__ = ("_samples", "_window")

    def __init__(self, window: float = SPEED_WINDOW_SECONDS) -> None:
        self._window = window
        self._samples: deque[tuple[float, int]] = deque()

    def sample(self, now: float, total: int) -> None:
        self._samples.append((now, total))
        while len(self._samples) > 2 and now - self._samples[1][0] >= self._window:
            self._samples.popleft()

    def speed(self) -> float | None:
        """Bytes/s over the window; None until two samples some time apart were taken."""
        if len(self._samples) < 2:
            return None
        (t0, b0), (t1, b1) = self._samples[0], self._samples[-1]
        return (b1 - b0) / (t1 - t0) if t1 > t0 else None

    def reset(self) -> None:
        self._samples.clear()


@dataclass(slots=True, eq=False)
class Job:
    """One file of the run, as the engine works on it."""

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
    meter: SpeedMeter = field(default_factory=SpeedMeter)
    part: Path | None = None  # our partial file, once claimed (reserved for the run)
    integrity: Integrity | None = None  # how the saved file was checked
    encoding: str | None = None  # the host's Content-Encoding of the saved bytes
    repairs: bool = False  # ``out`` is this ID's own earlier download, damaged: replaced
    checksum_retries: int = 0  # downloads started over after a CRC-64 mismatch
    finishing: bool = False  # all bytes in: being made durable and put in place
    part_on_disk: bool = False  # our partial file (``part``) exists
    sidecar_on_disk: bool = False  # its sidecar exists
    tries: int = 0  # attempts in a row that made no progress (the retry count)
    kept_before: int = 0  # bytes kept when the current attempt started
    requests: int = 0  # HTTP requests made for this file (the trace's attempt number)
    body_received: int = 0  # body bytes of the current request (the trace's bytes)

    @property
    def shown_path(self) -> Path | None:
        return self.out or self.planned


class ProgressBook:
    """The run's jobs and their totals; every change to a job goes through here."""

    def __init__(self, on_progress: ProgressCallback | None) -> None:
        self.jobs: list[Job] = []
        self._on_progress = on_progress
        self._dirty: dict[int, Job] = {}
        self._downloading: dict[int, Job] = {}
        self.counts: dict[FileState, int] = dict.fromkeys(FileState, 0)
        self._bytes_done = 0
        self._bytes_total = 0
        self._received = 0
        self._verified = 0
        self._sized = 0  # jobs whose size is known
        # Bytes of the files sized so far, summed in the order their sizes came (a size
        # as first known): the later ones' mean is a sum's difference.
        self._sized_sums: list[int] = []
        self._unsized_ended = 0  # jobs that failed or stopped before their size was known
        self._meter = SpeedMeter()
        # Files this run took to an end (done or failed; not those found complete), and
        # their rate: a list of small files is bound by what each file costs, not by
        # bytes, so the time left is also reckoned in files (``totals``).
        self._finished = 0
        self._files_meter = SpeedMeter()
        self._started = time.monotonic()

    def start(self, jobs: list[Job]) -> None:
        self.jobs = jobs
        self._started = time.monotonic()
        self.counts[FileState.QUEUED] = len(jobs)

    def set_state(self, job: Job, state: FileState) -> None:
        if job.state is state:
            return
        self.counts[job.state] -= 1
        self.counts[state] += 1
        if job.bytes_total is None:
            self._unsized_ended += (state in _ENDED_UNSIZED) - (job.state in _ENDED_UNSIZED)
        if state in _FINISHED and job.state in _UNDER_WAY:
            self._finished += 1
        job.state = state
        if state is FileState.DOWNLOADING:
            self._downloading[job.index] = job
        else:
            self._downloading.pop(job.index, None)
            job.meter.reset()
        self._dirty[job.index] = job

    def fail(self, job: Job, message: str, kind: ErrorKind = ErrorKind.FILE) -> None:
        job.errmsg = message
        job.kind = kind
        log.info("%s: %s", job.fileid.raw, message)
        self.set_state(job, FileState.FAILED)
        self._dirty[job.index] = job

    def set_total(self, job: Job, total: int | None) -> None:
        self._bytes_total += (total or 0) - (job.bytes_total or 0)
        if job.bytes_total is None and total is not None:
            self._sized_sums.append((self._sized_sums[-1] if self._sized_sums else 0) + total)
        known, was_known = total is not None, job.bytes_total is not None
        if known != was_known:
            self._sized += 1 if known else -1
            if job.state in _ENDED_UNSIZED:
                self._unsized_ended += -1 if known else 1
        job.bytes_total = total
        self._dirty[job.index] = job

    def set_done(self, job: Job, done: int) -> None:
        self._bytes_done += done - job.bytes_done
        job.bytes_done = done
        self._dirty[job.index] = job

    def add_bytes(self, job: Job, size: int) -> None:
        job.bytes_done += size
        job.received += size
        self._bytes_done += size
        self._received += size
        self._dirty[job.index] = job

    def set_integrity(self, job: Job, integrity: Integrity) -> None:
        if job.integrity is Integrity.VERIFIED:
            self._verified -= 1
        if integrity is Integrity.VERIFIED:
            self._verified += 1
        job.integrity = integrity
        self._dirty[job.index] = job

    def touch_active(self) -> None:
        """Report every transfer in flight at the next emit (e.g. all paused at once)."""
        for job in self._downloading.values():
            self._dirty[job.index] = job

    def sample(self, now: float) -> None:
        """Feed the speed meters (the run's and each transfer's) at time ``now``."""
        self._meter.sample(now, self._received)
        self._files_meter.sample(now, self._finished)
        for job in self._downloading.values():
            job.meter.sample(now, job.received)
            self._dirty[job.index] = job

    def snapshot(self, job: Job) -> FileProgress:
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
            integrity=job.integrity,
        )

    def totals(self, *, paused: bool, final: bool = False) -> TotalProgress:
        """The run so far. While some files' sizes are unknown (their answers have not
        come yet), the byte total is the sizes known and, for each file not sized yet, the
        mean size of the files sized last (``RECENT_SHARE``), so it covers every file of
        the run (``total_estimated``), once they are at least 1 in ``MAX_EXTRAPOLATION``
        of the files; until then it is 0, with no time left: the faces say the bytes so
        far and count files, rather than a total 50 times too big.
        The speed is the sliding window's while the run goes on, None until the window has
        two samples (a face then says no speed rather than "0 B/s" of a run only just
        started); the ``final`` report gives the run's average (bytes received over the
        run's time; None when nothing was received), where the window would have emptied
        or never filled in a short run. So does the rate of files ended. The time left is
        the longer of the bytes left at the byte speed and the files left at the file rate:
        after a few large files the bytes left of 10,000 small ones go at the large files'
        speed, yet each small file costs a request, a reply and a sync of its own, which
        only the file rate sees."""
        if final:
            elapsed = time.monotonic() - self._started
            speed = self._received / elapsed if self._received and elapsed > 0 else None
            files_speed = self._finished / elapsed if self._finished and elapsed > 0 else 0.0
        else:
            speed = self._meter.speed()
            files_speed = self._files_meter.speed() or 0.0
        total = self._bytes_total
        unsized = len(self.jobs) - self._sized - self._unsized_ended
        claimed = unsized <= 0 or self._sized + unsized <= MAX_EXTRAPOLATION * self._sized
        if not claimed:
            total = 0  # too few sizes yet to say what the run comes to
        elif unsized > 0:
            sums = self._sized_sums
            recent = max(1, len(sums) // RECENT_SHARE)
            recent_bytes = sums[-1] - (sums[-recent - 1] if len(sums) > recent else 0)
            # Whole numbers: never more than the mean of all, so the bound holds to the byte.
            if recent_bytes * self._sized < self._bytes_total * recent:
                total += unsized * recent_bytes // recent
            else:
                total += unsized * self._bytes_total // self._sized
        left = total - self._bytes_done
        # Nothing is left to wait for once the run has ended, nor known without a total.
        eta = left / speed if speed and left >= 0 and claimed and not final else None
        if eta is not None and files_speed > 0:
            eta = max(eta, self._files_left() / files_speed)
        return TotalProgress(
            files_done=self.counts[FileState.DONE] + self.counts[FileState.SKIPPED],
            files_failed=self.counts[FileState.FAILED],
            files_total=len(self.jobs),
            bytes_done=self._bytes_done,
            bytes_total=total,
            speed=speed,
            eta=eta,
            files_speed=files_speed,
            paused=paused,
            files_verified=self._verified,
            total_estimated=unsized > 0,
        )

    def _files_left(self) -> float:
        """Files still to end, a file under way counted for the share of it still to come
        (three files of 2 MiB each almost in are not three files' work)."""
        left = float(self.counts[FileState.QUEUED] + self.counts[FileState.PAUSED])
        for job in self._downloading.values():
            total = job.bytes_total
            left += 1.0 if not total else max(0.0, 1.0 - job.bytes_done / total)
        return left

    def emit(self, *, final: bool, paused: bool) -> None:
        if self._on_progress is None:
            self._dirty.clear()
            return
        if not self._dirty and not final:
            return
        changed = [self.snapshot(job) for job in self._dirty.values()]
        self._dirty.clear()
        try:
            self._on_progress(changed, self.totals(paused=paused, final=final))
        except Exception:
            # A faulty progress view must not stop the downloads.
            log.exception("The download progress callback failed")
