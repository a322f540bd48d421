"""``tcb-gui download`` lists as failed only the files its summary counts as failed.

Bug: under "Downloaded 5 files …, 0 failed, 15 waiting for a valid token" it printed
"15 failed: Not downloaded: The access token has expired …", and under "0 failed,
6 stopped" (a full disk) "4 failed: Stopped: the disk is full". The reasons are now
counted over core's failed files (``DownloadRunResult.failed``), as the window's are.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tcb_gui.core.downloads.files import PartFile
from tcb_gui.demo import samples
from tcb_gui.demo.server import DemoServer
from tests.core.test_downloads import disk_full_after
from tests.e2e.cli_helpers import id_lines, run_cli

FAILED_LINE = re.compile(r"^[\d,]+ failed: ", re.MULTILINE)


def download_args(server: DemoServer, dest: Path) -> list[str]:
    return ["download", "--base-url", server.base_url, "--dest", str(dest), "--concurrency", "2"]


def ids(size: str, n: int) -> list[str]:
    return [samples.PROD.fileid(f"gen/size-{size}/f-{i}.bin") for i in range(n)]


def test_files_waiting_for_a_token_are_not_listed_as_failed(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    run = run_cli(
        download_args(demo_server, tmp_path), stdin=id_lines(ids("8K", 4)), token="not-a-token"
    )
    assert run.code == 3, run.stderr
    assert "0 failed, 4 waiting for a valid token" in run.stderr
    assert not FAILED_LINE.search(run.stderr), run.stderr


def test_files_a_full_disk_stopped_are_not_listed_as_failed(
    demo_server: DemoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(PartFile, "write", disk_full_after(3 << 20))
    run = run_cli(download_args(demo_server, tmp_path), stdin=id_lines(ids("2M", 6)))
    stopped = re.search(r", 0 failed, ([\d,]+) stopped\n", run.stderr)
    assert stopped is not None, run.stderr
    assert int(stopped.group(1)) > 0
    assert not FAILED_LINE.search(run.stderr), run.stderr


def test_a_file_that_failed_is_listed_with_its_reason(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    missing = samples.PROD.fileid("no/such/file.bin")
    run = run_cli(download_args(demo_server, tmp_path), stdin=id_lines([*ids("8K", 2), missing]))
    assert run.code == 1, run.stderr
    assert ", 1 failed\n" in run.stderr
    assert FAILED_LINE.findall(run.stderr) == ["1 failed: "], run.stderr
