"""aria2 and curl exports save two keys that sanitise alike (``a:b.txt``, ``a_b.txt``) where
``tcb-gui download`` saves them, "name (n).ext" in input order, not both to one path
(``curl -K`` would keep one file and lose the other without a word)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tcb_gui.core.export import ExportFormat, export_results
from tcb_gui.demo import samples
from tcb_gui.demo.server import DemoServer
from tests.core.test_export_downloaders import NOW, result
from tests.e2e.cli_helpers import id_lines, run_cli

CLASHING = ("gen/c/a:b.txt", "gen/c/a_b.txt")


def outputs(text: str, fmt: ExportFormat) -> list[str]:
    if fmt is ExportFormat.ARIA2:
        return [
            line.removeprefix("  out=") for line in text.splitlines() if line.startswith("  out=")
        ]
    return [
        line[len('output = "') : -1] for line in text.splitlines() if line.startswith("output =")
    ]


@pytest.mark.parametrize("fmt", [ExportFormat.ARIA2, ExportFormat.CURL])
def test_keys_that_sanitise_alike_get_the_downloads_numbered_names(fmt: ExportFormat) -> None:
    rows = [result(key, f"https://x.example/{n}?sign=s&t=1") for n, key in enumerate(CLASHING)]
    assert outputs(export_results(rows, fmt, now=NOW), fmt) == [
        "prod-1a2b/gen/c/a_b.txt",
        "prod-1a2b/gen/c/a_b (1).txt",
    ]


def test_a_row_without_a_link_still_takes_its_name() -> None:
    """A download names every file in input order, one it then fails too: the export's
    later files keep the names the download gives them."""
    rows = [result(CLASHING[0], None, ok=False), result(CLASHING[1], "https://x.example/1")]
    text = export_results(rows, ExportFormat.CURL, now=NOW)
    assert outputs(text, ExportFormat.CURL) == ["prod-1a2b/gen/c/a_b (1).txt"]


def test_curl_saves_each_file_where_download_saves_it(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    ids = [samples.PROD.fileid(key) for key in CLASHING]
    (tmp_path / "ids.txt").write_bytes(id_lines(ids))
    base = ["--base-url", demo_server.base_url, str(tmp_path / "ids.txt")]
    config = tmp_path / "links.curl"
    resolved = run_cli(["resolve", *base, "--format", "curl", "--output", str(config)])
    assert resolved.code == 0, resolved.printed
    by_curl = tmp_path / "curl"
    by_curl.mkdir()
    subprocess.run(
        ["curl", "-sS", "--fail", "-K", str(config)], cwd=by_curl, check=True, timeout=60
    )
    by_download = tmp_path / "download"
    downloaded = run_cli(["download", *base, "--dest", str(by_download)])
    assert downloaded.code == 0, downloaded.printed

    def saved(folder: Path) -> dict[str, bytes]:
        return {
            p.relative_to(folder).as_posix(): p.read_bytes()
            for p in folder.rglob("*")
            if p.is_file() and ".tcb-gui" not in p.parts
        }

    assert saved(by_curl) == saved(by_download)
    env = samples.PROD.env
    assert saved(by_curl)[f"{env}/gen/c/a_b (1).txt"] == samples.file_bytes(
        samples.PROD.bucket, CLASHING[1]
    )
