"""One response body on its way to disk: sniffed, counted, checksummed, written.

``BodySink.feed`` takes each piece of a body as it arrives, from ``httpx`` (``aiter_raw``)
or straight from a connection's read buffer (``wire``, synchronously, with a
``memoryview`` valid only during the call): the same checks either way. ``Stall`` is the
minimum-progress rule for bodies read from the wire; the ``httpx`` path keeps an
``asyncio.timeout`` with the same rule (``Downloader._read_httpx``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from tcb_gui.core.downloads import messages as msg
from tcb_gui.core.downloads.files import MemoryPart, Writer
from tcb_gui.core.downloads.httpchecks import SNIFF_BYTES, html_refusal
from tcb_gui.core.downloads.integrity import RunningCrc64
from tcb_gui.core.downloads.progress import Job, ProgressBook
from tcb_gui.core.downloads.records import MIN_PROGRESS_BYTES, Transient

Buffer = bytes | bytearray | memoryview


class TooMuch(Transient):
    """More bytes than the file has: the partial file is not worth keeping."""


class Stalled(Exception):
    """No ``MIN_PROGRESS_BYTES`` within the stall time (raised into a wire response)."""


def refuse_html(key: str, kind: str, head: bytes) -> None:
    refusal = html_refusal(key, kind, head)
    if refusal:
        raise Transient(msg.NOT_SAVED.format(reason=refusal))


class BodySink:
    """Writes a body to ``writer`` from byte ``start`` of the file.

    A body starting at 0 is held back until its first ``SNIFF_BYTES`` show it is no HTML
    error page, so such a page never reaches the disk. More bytes than ``total`` raise
    ``TooMuch``. ``mark`` is the loop time of the last ``MIN_PROGRESS_BYTES`` of progress
    (``marked`` says it moved since last looked at). ``resumable``: the bytes written
    are kept for a later try (the answer named a validator to resume them under).
    """

    __slots__ = (
        "_book",
        "_clock",
        "_head",
        "_job",
        "_key",
        "_kind",
        "_progress",
        "_start",
        "crc",
        "mark",
        "marked",
        "resumable",
        "total",
        "writer",
        "written",
    )

    def __init__(
        self,
        job: Job,
        book: ProgressBook,
        writer: Writer,
        *,
        start: int,
        total: int | None,
        crc: RunningCrc64 | None,
        kind: str,
        clock: Callable[[], float],
        resumable: bool = False,
    ) -> None:
        self._job = job
        self._book = book
        self.writer = writer
        self.written = start
        self._start = start
        self.total = total
        self.crc = crc
        self._head: bytearray | None = bytearray() if start == 0 else None
        self._kind = kind
        self._key = job.fileid.key
        self._clock = clock
        self._progress = 0
        self.mark = clock()
        self.marked = False
        self.resumable = resumable

    @property
    def held(self) -> int:
        """Bytes that arrived but are held back for the sniff (not written yet)."""
        head = self._head
        return len(head) if head is not None else 0

    def feed(self, data: Buffer) -> None:
        size = len(data)
        self._job.body_received += size
        self._progress += size
        if self._progress >= MIN_PROGRESS_BYTES:
            self._progress = 0
            self.mark = self._clock()
            self.marked = True
        head = self._head
        if head is not None:
            # Only the first SNIFF_BYTES are looked at (and copied, when they come in
            # pieces); the rest of a large read is written from the read buffer as it is.
            if not head and size >= SNIFF_BYTES:
                self._head = None
                refuse_html(self._key, self._kind, bytes(data[:SNIFF_BYTES]))
            else:
                wanted = SNIFF_BYTES - len(head)
                head += data[:wanted]
                if len(head) < SNIFF_BYTES:
                    return
                self._head = None
                refuse_html(self._key, self._kind, bytes(head))
                self._write(head, len(head))
                if size <= wanted:
                    return
                data, size = data[wanted:], size - wanted
        self._write(data, size)

    def lend(self) -> memoryview | None:
        """Where the body's next bytes may be received (``wire.Lend``) instead of copied:
        a small file's memory at the right place, or a free buffer of a part file that
        writes in the background (once the first bytes were sniffed); else None."""
        writer = self.writer
        head = self._head
        if isinstance(writer, MemoryPart):
            held = len(head) if head is not None else 0  # fed, not written yet
            return writer.lend(self.written - self._start + held)
        return writer.lend() if head is None else None

    def end(self) -> None:
        """The body is complete: a short one held back is checked and written now."""
        head, self._head = self._head, None
        if head is not None:
            refuse_html(self._key, self._kind, bytes(head))
            if head:
                self._write(head, len(head))

    def _write(self, data: Buffer, size: int) -> None:
        self.writer.write(data)
        if self.crc is not None:
            self.crc.update(data)
        self.written += size
        self._book.add_bytes(self._job, size)
        total = self.total
        if total is not None and self.written > total:
            raise TooMuch(msg.TOO_MUCH.format(total=msg.human_bytes(total)))


class Stall:
    """Fails ``fail`` when ``sink.mark`` has not moved for ``seconds`` (one timer, moved
    only when it fires: no work per read)."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        sink: BodySink,
        seconds: float,
        fail: Callable[[BaseException], None],
    ) -> None:
        self._loop = loop
        self._sink = sink
        self._seconds = seconds
        self._fail = fail
        self._handle = loop.call_at(sink.mark + seconds, self._check)

    def _check(self) -> None:
        due = self._sink.mark + self._seconds
        if self._loop.time() >= due:
            self._fail(Stalled())
        else:
            self._handle = self._loop.call_at(due, self._check)

    def cancel(self) -> None:
        self._handle.cancel()
