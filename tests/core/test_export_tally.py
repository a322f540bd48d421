"""An export counts what it wrote: the window says "Exported 0 links" for a links file
holding none, and why the rest were left out, not the rows it handed over."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tcb_gui.core.client import LinkResult
from tcb_gui.core.export import ExportFormat, ExportTally, export_results
from tests.core.test_export_downloaders import NOW, result


def rows() -> list[LinkResult]:
    ready = result("ready.txt", "https://x.example/r?sign=s&t=1")
    expired = result("old.txt", "https://x.example/o?sign=s&t=1")._replace(expires_at=NOW)
    return [ready, expired, result("gone.txt", None, ok=False)]


@pytest.mark.parametrize("fmt", [ExportFormat.URLS, ExportFormat.ARIA2, ExportFormat.CURL])
def test_a_links_export_counts_the_links_it_wrote_and_why_it_left_rows_out(
    fmt: ExportFormat,
) -> None:
    tally = ExportTally()
    text = export_results(rows(), fmt, now=NOW, tally=tally)
    assert (tally.written, tally.expired, tally.no_link) == (1, 1, 1)
    assert text.count("https://x.example/") == 1


@pytest.mark.parametrize("fmt", [ExportFormat.JSON, ExportFormat.CSV, ExportFormat.TSV])
def test_a_table_counts_every_row(fmt: ExportFormat) -> None:
    tally = ExportTally()
    export_results(rows(), fmt, now=NOW - timedelta(hours=1), tally=tally)
    assert (tally.written, tally.expired, tally.no_link) == (3, 0, 0)
