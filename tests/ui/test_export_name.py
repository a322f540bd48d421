"""The export's proposed file name (ui/export_dialog.py): the list's name without the
extension of the file it came from, then the date and the format's own extension."""

from __future__ import annotations

from datetime import datetime

import pytest

from tcb_gui.core.export import ExportFormat
from tcb_gui.ui.export_dialog import suggested_name

MOMENT = datetime(2026, 12, 5, 16, 17)


@pytest.mark.parametrize(
    ("list_name", "fmt", "expected"),
    [
        # The operator's case: a list opened from 100k.txt.
        ("100k.txt", ExportFormat.CSV, "100k 2026-12-05 1617.csv"),
        ("orders.CSV", ExportFormat.JSON, "orders 2026-12-05 1617.json"),
        ("访问日志.log", ExportFormat.CSV, "访问日志 2026-12-05 1617.csv"),
        # Several files: each name loses its extension.
        ("a.txt, b.csv, c.json…", ExportFormat.CSV, "a, b, c… 2026-12-05 1617.csv"),
        # Dots that are no extension stay.
        ("1.5k IDs", ExportFormat.CSV, "1.5k IDs 2026-12-05 1617.csv"),
        ("release v1.2", ExportFormat.CSV, "release v1.2 2026-12-05 1617.csv"),
        ("demo samples", ExportFormat.CSV, "demo samples 2026-12-05 1617.csv"),
        # A name that is nothing but an extension falls back to the app's.
        (".txt", ExportFormat.CSV, "tcb-links 2026-12-05 1617.csv"),
    ],
)
def test_the_proposed_name_drops_the_lists_file_extension(
    list_name: str, fmt: ExportFormat, expected: str
) -> None:
    assert suggested_name(list_name, fmt, MOMENT) == expected
