"""A ``--report`` that cannot be written after the run does not hide what the run did.

Bug: with the disk full by the end of a download that saved every file, ``tcb-gui
download --report`` printed only "tcb-gui: Cannot write rep.json: No space left on
device" and exited 2 ("usage or input error"): no summary, no failures. The summary is
now said first, then the report's failure, and the status is the run's own, or 1 (not
everything asked for was done) when every file got through.
"""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from tcb_gui.core import atomicfile
from tcb_gui.demo import samples
from tcb_gui.demo.server import DemoServer
from tests.e2e.cli_helpers import id_lines, run_cli


def the_disk_fills_for(report: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Writing ``report`` meets a full disk (the check before the run still passes)."""
    real = atomicfile.write_text_atomic

    def write(path: Path, *args: object, **kw: object) -> None:
        if Path(path) == report:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(path, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(atomicfile, "write_text_atomic", write)


def download(server: DemoServer, dest: Path, report: Path, ids: list[str], **kw: str):
    argv = ["download", "--base-url", server.base_url, "--dest", str(dest)]
    return run_cli([*argv, "--report", str(report)], stdin=id_lines(ids), **kw)


def test_the_summary_comes_first_then_the_report_failure(
    demo_server: DemoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = tmp_path / "report.json"
    the_disk_fills_for(report, monkeypatch)
    ids = [samples.PROD.fileid(f"gen/{n:05d}.jpg") for n in range(3)]
    run = download(demo_server, tmp_path / "out", report, ids)
    summary = run.stderr.index("Downloaded 3 files")
    failure = run.stderr.index(
        f"tcb-gui: The report was not written. Cannot write {report}: No space left on device\n"
    )
    assert summary < failure
    assert run.code == 1  # not 2: nothing was wrong with the command
    assert not report.exists()


def test_a_run_stopped_by_the_token_keeps_its_own_status(
    demo_server: DemoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = tmp_path / "report.json"
    the_disk_fills_for(report, monkeypatch)
    ids = [samples.PROD.fileid(f"gen/{n:05d}.jpg") for n in range(2)]
    run = download(demo_server, tmp_path / "out", report, ids, token="not-a-token")
    assert "0 failed, 2 waiting for a valid token\n" in run.stderr
    assert "The report was not written." in run.stderr
    assert run.code == 3  # the token's, as without a report
