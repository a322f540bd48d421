"""Exports other downloaders read: an aria2 input file and a curl config, each link with
its expiry noted and a sanitised path; checked with the real aria2c and curl against the
demo service over loopback when they are installed."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tcb_gui.core.client import LinkResult
from tcb_gui.core.errors import ErrorKind
from tcb_gui.core.export import ExportFormat, export_results, write_export
from tcb_gui.core.fileids import parse_fileid

NOW = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=2)


def result(key: str, url: str | None, ok: bool = True) -> LinkResult:
    fid = parse_fileid(f"cloud://prod-1a2b.7072-prod-1a2b-1300000000/{key}")
    if not ok:
        return LinkResult(fid, False, -503003, "not found", None, None, ErrorKind.FILE)
    return LinkResult(fid, True, 0, "ok", url, LATER)


def test_aria2_input_names_each_link_its_path_and_expiry() -> None:
    rows = [
        result("a b/c.txt", "https://x.example/a%20b/c.txt?sign=s&t=1"),
        result("../../etc/passwd", "https://x.example/p?sign=s&t=1"),
        result("gone.txt", None, ok=False),
    ]
    text = export_results(rows, ExportFormat.ARIA2, now=NOW)
    assert "# cloud://prod-1a2b.7072-prod-1a2b-1300000000/a b/c.txt · link expires" in text
    assert "https://x.example/a%20b/c.txt?sign=s&t=1\n  out=prod-1a2b/a b/c.txt\n" in text
    assert "out=prod-1a2b/etc/passwd" in text or "out=prod-1a2b/__/__/etc/passwd" in text
    assert "gone.txt" not in text  # only working links
    assert ExportFormat.ARIA2.suffix == ".aria2"


def test_curl_config_quotes_what_curl_would_read_otherwise() -> None:
    rows = [result('q"uote\\d.txt', "https://x.example/q%22uote?sign=s&t=1")]
    text = export_results(rows, ExportFormat.CURL, now=NOW)
    assert text.startswith("# curl -K")
    assert "create-dirs\n" in text
    # The path is sanitised like a download's: no quote or backslash from a key reaches it.
    assert 'output = "prod-1a2b/q_uote/d.txt"' in text
    assert ExportFormat.CURL.suffix == ".curl"


@pytest.mark.parametrize("fmt", [ExportFormat.ARIA2, ExportFormat.CURL])
def test_the_peer_downloads_every_file_of_the_export(
    fmt: ExportFormat, demo_server: object, tmp_path: Path
) -> None:
    tool = "aria2c" if fmt is ExportFormat.ARIA2 else "curl"
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed")
    import asyncio

    from tcb_gui.core.client import TcbClient, make_http_client
    from tcb_gui.demo import samples
    from tcb_gui.demo.service import DEMO_TOKEN

    ids = [parse_fileid(samples.PROD.fileid(f"gen/{n:05d}.jpg")) for n in range(3)]

    async def links() -> list[LinkResult]:
        async with make_http_client() as http:
            client = TcbClient(http, lambda: DEMO_TOKEN, base_url=demo_server.base_url)  # type: ignore[attr-defined]
            return await client.resolve_all(ids)

    rows = asyncio.run(links())
    config = tmp_path / f"links{fmt.suffix}"
    write_export(config, export_results(rows, fmt))
    out = tmp_path / "out"
    out.mkdir()
    if fmt is ExportFormat.ARIA2:
        cmd = ["aria2c", "-q", "-i", str(config), "-d", str(out)]
    else:
        cmd = ["curl", "-sS", "--fail", "-K", str(config)]
    subprocess.run(cmd, cwd=out, check=True, timeout=60)
    for fid in ids:
        saved = out / fid.env / fid.key
        assert saved.read_bytes() == samples.file_bytes(fid.bucket, fid.key)
