"""``BufferPool``: small files' buffers used again, never more kept than asked."""

from __future__ import annotations

import itertools
from pathlib import Path

from tcb_gui.core.downloads.files import POOLED_FROM, BufferPool, MemoryPart


def test_a_buffer_given_back_is_handed_out_again_for_a_file_of_its_size_class() -> None:
    pool = BufferPool(keep=2)
    first = pool.take(1_000_000)
    assert len(first) == 1 << 20  # rounded up to a power of two
    pool.give(first)
    assert pool.take(700_000) is first  # same class: 512 KiB < size <= 1 MiB
    assert pool.take(700_000) is not first  # handed out once only


def test_other_size_classes_get_their_own_buffers() -> None:
    pool = BufferPool(keep=2)
    big = pool.take(1 << 20)
    pool.give(big)
    small = pool.take(100_000)
    assert small is not big
    assert len(small) == 128 * 1024


def test_at_most_keep_buffers_wait_per_size_class() -> None:
    pool = BufferPool(keep=2)
    buffers = [pool.take(1 << 20) for _ in range(3)]
    for buffer in buffers:
        pool.give(buffer)
    again = {id(pool.take(1 << 20)) for _ in range(3)}
    assert len(again & {id(b) for b in buffers}) == 2


def test_tiny_and_odd_buffers_are_not_kept() -> None:
    pool = BufferPool(keep=4)
    tiny = pool.take(POOLED_FROM - 1)
    assert len(tiny) == POOLED_FROM - 1
    pool.give(tiny)
    pool.give(bytearray(300_000))  # not a size class
    assert pool.take(POOLED_FROM - 1) is not tiny
    assert len(pool.take(300_000)) == 512 * 1024


def test_a_memory_part_on_a_used_buffer_shows_only_its_own_bytes() -> None:
    pool = BufferPool(keep=1)
    part = MemoryPart(Path("a"), 200_000, pool.take(200_000))
    part.write(b"x" * 200_000)
    pool.give(part.release())
    assert part.buffer == bytearray()
    again = MemoryPart(Path("b"), 150_000, pool.take(150_000))
    again.write(b"y" * 1000)
    again.write(b"z" * 149_000)
    assert bytes(again.view()) == b"y" * 1000 + b"z" * 149_000


async def test_background_writes_land_in_order_and_reading_waits_for_room(
    tmp_path: Path,
) -> None:
    """A part file writing in the background: lent buffers and other bytes land in
    order; with every buffer waiting, ``full`` asks the reader to stop, ``room`` to go
    on; ``drain`` hands the buffers back."""
    import asyncio
    import time

    from tcb_gui.core.downloads.files import PartFile

    class Slow(PartFile):
        def _write_now(self, data: bytes | bytearray | memoryview) -> None:
            time.sleep(0.005)
            super()._write_now(data)

    body = bytes(range(256)) * 2000  # 512,000 bytes
    part = Slow(tmp_path / "f.part", 0)
    events: list[str] = []
    go_on = asyncio.Event()
    go_on.set()

    def full() -> None:
        events.append("full")
        go_on.clear()

    def room() -> None:
        events.append("room")
        go_on.set()

    buffers = [bytearray(10_000) for _ in range(3)]
    part.write_in_background(buffers, asyncio.get_running_loop(), full=full, room=room)
    part.write(memoryview(body)[:123])  # bytes from elsewhere (a connection's own buffer)
    done = 123
    while done < len(body):
        await go_on.wait()
        lent = part.lend()
        assert lent is not None
        size = min(len(lent), 7_000, len(body) - done)
        lent[:size] = body[done : done + size]  # what a read into the lent buffer does
        part.write(lent[:size])
        done += size
    assert sorted(map(id, part.drain())) == sorted(map(id, buffers))
    part.close()

    assert (tmp_path / "f.part").read_bytes() == body
    assert "full" in events
    assert "room" in events


def test_a_background_write_error_is_raised_by_the_next_write_or_the_drain(
    tmp_path: Path,
) -> None:
    import asyncio
    import errno

    import pytest

    from tcb_gui.core.downloads.files import PartFile

    class Failing(PartFile):
        def _write_now(self, data: bytes | bytearray | memoryview) -> None:
            raise OSError(errno.ENOSPC, "No space left on device")

    loop = asyncio.new_event_loop()
    try:
        part = Failing(tmp_path / "g.part", 0)
        part.write_in_background([bytearray(1000)], loop, full=lambda: None, room=lambda: None)
        part.write(b"x" * 10)
        with pytest.raises(OSError, match="No space left") as caught:
            part.drain()
        assert caught.value.errno == errno.ENOSPC
        part.abandon()  # closes quietly
    finally:
        loop.close()


def test_each_writeback_request_also_covers_the_steps_before(tmp_path: Path) -> None:
    """Every WRITEBACK_EVERY bytes a part file asks for writeback of the new step and of
    the DROP_BEHIND bytes before it (written by now, their pages leave the cache), from
    where it resumed on; the bytes on disk are the bytes written."""
    from tcb_gui.core.downloads.files import DROP_BEHIND, WRITEBACK_EVERY, PartFile

    step = WRITEBACK_EVERY
    chunk = bytes(range(256)) * 1024  # 256 KiB
    asked: list[tuple[int, int]] = []
    path = tmp_path / "big.part"
    resumed_at = 3 * step + 5
    path.write_bytes(b"\xab" * resumed_at)
    part = PartFile(path, resumed_at)
    part.writeback = lambda _fd, start, length: asked.append((start, start + length))
    written = 0
    for _ in range(5 * step // len(chunk)):
        part.write(chunk)
        written += len(chunk)
    part.close()
    assert path.stat().st_size == resumed_at + written
    assert path.read_bytes()[resumed_at : resumed_at + len(chunk)] == chunk
    # The first request reaches back DROP_BEHIND before the resume point; each later one
    # DROP_BEHIND before where the one before it ended (its new bytes start there).
    assert len(asked) >= 4
    assert asked[0] == (max(0, resumed_at - DROP_BEHIND), asked[0][1])
    assert asked[0][1] - resumed_at >= step
    for before, after in itertools.pairwise(asked):
        assert after[0] == max(0, before[1] - DROP_BEHIND)
        assert after[1] - before[1] >= step
    assert asked[-1][1] <= resumed_at + written


async def test_a_file_held_in_memory_gives_its_buffer_back_once_written(
    tmp_path: Path,
) -> None:
    """The buffer serves the next file as soon as the bytes are in the file (a new 1 MiB
    buffer costs its page faults), not once the file is durable and in place: by the
    time the file is moved to its name, its buffer is back in the pool."""
    from collections.abc import Callable

    import httpx

    from tcb_gui.core.downloads import Downloader, DownloadOptions, FileOps
    from tests.core.test_downloads import ENV, FAST_RETRY, FakeCdn, Refresher, good

    written: list[MemoryPart] = []
    released_when_placed: list[bool] = []

    class Watching(FileOps):
        def write_whole(self, part: MemoryPart, *, sync: bool = True) -> None:
            super().write_whole(part, sync=sync)
            written.append(part)

        def publish(
            self,
            part: Path,
            final: Path,
            *,
            replace: bool,
            reserved: Callable[[Path], bool] = lambda _: False,
        ) -> Path:
            [memory] = [m for m in written if m.path == part]
            released_when_placed.append(memory.buffer == bytearray())
            return super().publish(part, final, replace=replace, reserved=reserved)

    cdn = FakeCdn()
    bodies = {key: cdn.add(key, 300_000 + n) for n, key in enumerate(["a.bin", "b.bin"])}
    options = DownloadOptions(dest=tmp_path, retry=FAST_RETRY, concurrency=2)
    async with httpx.AsyncClient(transport=httpx.MockTransport(cdn.handler)) as http:
        downloader = Downloader(http, Refresher(cdn), options, files=Watching())
        outcomes = await downloader.run([good(cdn, key) for key in bodies])

    assert [o.ok for o in outcomes] == [True, True], [o.errmsg for o in outcomes]
    for key, body in bodies.items():
        assert (tmp_path / ENV / key).read_bytes() == body
    assert released_when_placed == [True, True]
