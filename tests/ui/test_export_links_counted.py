"""A links export says how many links it wrote, not how many rows it was handed, and why
it left the others out; with expired links only, Ctrl+Shift+C points to Refresh expired
(Ctrl+F5), not to a resolve that would find nothing to do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tcb_gui.core.export import ExportFormat
from tcb_gui.demo.samples import PROD
from tcb_gui.demo.server import DemoServer
from tcb_gui.ui.main_window import MainWindow
from tests.ui.conftest import WindowFactory, demo_window

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only


async def expired_window(make_window: WindowFactory, server: DemoServer) -> MainWindow:
    """Three resolved rows whose links expired an hour ago (a list reopened from History
    the next day)."""
    window = await demo_window(make_window, server)
    await window.ids.add_text("\n".join(PROD.fileid(f"gen/e{n}.bin") for n in range(3)))
    await window.resolver.resolve_rows()
    past = datetime.now(UTC) - timedelta(hours=1)
    rows = window.model.rows()
    window.model.apply_results([r.result._replace(expires_at=past) for r in rows if r.result])
    window.model.flush()
    assert window.model.counts().expired == 3
    return window


@pytest.mark.parametrize("fmt", [ExportFormat.URLS, ExportFormat.ARIA2, ExportFormat.CURL])
async def test_an_export_of_expired_links_says_it_wrote_none_and_why(
    make_window: WindowFactory, demo_server: DemoServer, tmp_path: Path, fmt: ExportFormat
) -> None:
    window = await expired_window(make_window, demo_server)
    path = tmp_path / f"links{fmt.suffix}"
    assert await window.links.export_to(path, fmt) == 0
    assert "http" not in path.read_text(encoding="utf-8")
    assert window.message_label.text() == (
        f"Exported 0 links to {path} ({fmt.value}) (3 expired: Refresh expired, Ctrl+F5)"
    )


async def test_a_links_export_names_rows_without_a_link(
    make_window: WindowFactory, demo_server: DemoServer, tmp_path: Path
) -> None:
    window = await demo_window(make_window, demo_server)
    await window.ids.add_text(PROD.fileid("gen/a.bin") + "\n" + PROD.fileid("no/such.png"))
    await window.resolver.resolve_rows()
    path = tmp_path / "links.txt"
    assert await window.links.export_to(path, ExportFormat.URLS) == 1
    assert window.message_label.text() == (
        f"Exported 1 link to {path} (urls) (1 row without a link)"
    )
    assert await window.links.export_to(tmp_path / "all.csv", ExportFormat.CSV) == 2
    assert window.message_label.text().startswith("Exported 2 rows to ")


async def test_copying_only_expired_links_points_to_refresh_expired(
    make_window: WindowFactory, demo_server: DemoServer
) -> None:
    window = await expired_window(make_window, demo_server)
    assert window.links.copy_working_links() == 0
    assert window.message_label.text() == (
        "No ready links: 3 have expired. Refresh expired (Ctrl+F5) renews them."
    )
