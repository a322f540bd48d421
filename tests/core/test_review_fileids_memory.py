"""Inputs full of malformed IDs (a 64 MiB file of ``cloud://x`` lines is ~6 million of
them): every one is counted, the first ``MAX_MALFORMED_KEPT`` are kept to show, and
finding them costs memory in proportion to the text, not a record per line on top."""

from __future__ import annotations

import tracemalloc

from tcb_gui.core.fileids import (
    MAX_MALFORMED_KEPT,
    IdCollector,
    find_ids,
    merge_scans,
)

PROD = "cloud://prod-1a2b.7072-prod-1a2b-1314114854"
# What finding IDs may hold at its peak per line of this input, beyond the text itself:
# the line (~60 bytes as a str) and its share of the line list. A record per malformed
# candidate, or a (number, line) pair per line, comes on top of that.
PEAK_BYTES_PER_LINE = 120


def malformed_lines(count: int) -> str:
    return "cloud://x\n" * count


def test_every_malformed_id_is_counted_and_the_first_are_kept() -> None:
    count = MAX_MALFORMED_KEPT * 3
    scan = find_ids(f"{PROD}/good.png\n" + malformed_lines(count), source="ids.txt")
    assert len(scan.ids) == 1
    assert len(scan.malformed) == MAX_MALFORMED_KEPT
    assert scan.malformed_count == count
    assert [m.line for m in scan.malformed[:2]] == [2, 3]  # the first ones, in order
    assert scan.summary() == f"1 ID ({count:,} malformed IDs)"


def test_a_collection_keeps_the_first_and_counts_all() -> None:
    collector = IdCollector()
    first = collector.add(find_ids(malformed_lines(MAX_MALFORMED_KEPT - 10), source="a"))
    assert first.malformed_count == MAX_MALFORMED_KEPT - 10
    second = collector.add(find_ids(malformed_lines(50), source="b"))
    assert second.malformed_count == 50
    total = collector.scan()
    assert len(total.malformed) == MAX_MALFORMED_KEPT
    assert total.malformed_count == MAX_MALFORMED_KEPT + 40
    assert [m.source for m in total.malformed[-11:]] == ["a"] + ["b"] * 10
    assert merge_scans(find_ids(malformed_lines(5)), find_ids(malformed_lines(7))).summary() == (
        "0 IDs (12 malformed IDs)"
    )
    collector.clear()
    assert collector.scan().malformed_count == 0


def test_memory_stays_in_proportion_to_the_text() -> None:
    lines = 200_000
    text = malformed_lines(lines)
    tracemalloc.start()
    try:
        scan = find_ids(text)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert scan.malformed_count == lines
    assert peak < lines * PEAK_BYTES_PER_LINE, f"{peak / lines:.0f} bytes a line"
