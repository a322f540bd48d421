"""``BodySink``: the first ``SNIFF_BYTES`` of a body decide whether it is an HTML page,
however the body is cut into reads, and the bytes reach the writer as sent."""

from __future__ import annotations

from pathlib import Path

import pytest

from tcb_gui.core.downloads.body import BodySink
from tcb_gui.core.downloads.files import MemoryPart
from tcb_gui.core.downloads.httpchecks import SNIFF_BYTES
from tcb_gui.core.downloads.progress import Job, ProgressBook
from tcb_gui.core.downloads.records import Transient
from tcb_gui.core.fileids import parse_fileid

FILEID = "cloud://env-1.6576-env-1-1300000000/photos/a.jpg"
HTML = b"  <!DOCTYPE html><html><body>Access denied</body></html>" + b" " * 2000
BINARY = bytes(range(256)) * 4096  # 1 MiB that is no page


class CountingPart(MemoryPart):
    def __init__(self, size: int) -> None:
        super().__init__(Path("unused"), size)
        self.writes = 0
        self.sources: list[object] = []  # what each write was handed a view of

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.writes += 1
        self.sources.append(data.obj if isinstance(data, memoryview) else data)
        super().write(data)


def sink_for(size: int, kind: str = "") -> tuple[BodySink, CountingPart]:
    book = ProgressBook(None)
    job = Job(0, parse_fileid(FILEID), None)
    book.start([job])
    writer = CountingPart(size)
    sink = BodySink(job, book, writer, start=0, total=size, crc=None, kind=kind, clock=float)
    return sink, writer


def feed_in(sink: BodySink, body: bytes, cuts: list[int]) -> None:
    view = memoryview(body)
    for start, end in zip([0, *cuts], [*cuts, len(body)], strict=True):
        sink.feed(view[start:end])
    sink.end()


@pytest.mark.parametrize(
    "cuts",
    [[], [1], [100, 400], [SNIFF_BYTES - 1], [SNIFF_BYTES], [SNIFF_BYTES + 1], [3, 700]],
)
def test_an_html_page_is_refused_however_it_is_cut(cuts: list[int]) -> None:
    sink, writer = sink_for(len(HTML))
    with pytest.raises(Transient):
        feed_in(sink, HTML, cuts)
    assert writer.length == 0  # nothing of the page was written


@pytest.mark.parametrize(
    "cuts", [[], [1], [100, 400], [SNIFF_BYTES - 1], [SNIFF_BYTES], [3, 700, 500_000]]
)
def test_a_file_arrives_whole_however_it_is_cut(cuts: list[int]) -> None:
    sink, writer = sink_for(len(BINARY))
    feed_in(sink, BINARY, cuts)
    assert bytes(writer.view()) == BINARY
    assert sink.written == len(BINARY)


def test_a_large_first_read_is_written_in_one_piece() -> None:
    """The sniff looks at the first bytes without holding the read back or copying it."""
    sink, writer = sink_for(len(BINARY))
    feed_in(sink, BINARY, [])
    assert writer.writes == 1
    assert writer.sources == [BINARY]  # straight from the read buffer, not a copy


def test_a_short_body_is_checked_at_its_end() -> None:
    sink, writer = sink_for(40)
    with pytest.raises(Transient):
        feed_in(sink, b"<html><body>no</body></html>".ljust(40), [10])
    sink, writer = sink_for(40)
    feed_in(sink, b"GIF89a" + bytes(34), [10])
    assert bytes(writer.view()) == b"GIF89a" + bytes(34)
