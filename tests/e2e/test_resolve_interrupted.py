"""Ctrl+C during `tcb-gui resolve` keeps the links that already came back.

They were paid for with today's quota: the output file holds them, each ID the run did
not get to says "Not resolved: interrupted by Ctrl+C", stderr says the run stopped, and
the exit status is 130. Before, an interrupted run wrote nothing at all."""

from __future__ import annotations

import csv
from pathlib import Path

from tcb_gui.core.errors import INTERRUPTED
from tcb_gui.core.exit_status import ExitStatus
from tests.e2e.cli_helpers import id_lines, interrupt_subprocess, mixed_ids, serve


def test_ctrl_c_writes_the_links_already_received_and_exits_130(tmp_path: Path) -> None:
    ids = mixed_ids(prod=1_500, test=0)  # 30 calls of 50 IDs
    out = tmp_path / "links.tsv"
    inputs = tmp_path / "ids.txt"
    inputs.write_bytes(id_lines(ids))
    with serve(latency_ms=150) as server:
        argv = ["resolve", "--base-url", server.base_url, "--concurrency", "2"]
        argv += ["--output", str(out), str(inputs)]
        calls = server.state.stats.requests
        # A few answers are in, most of the list is not.
        run = interrupt_subprocess(
            argv,
            home=tmp_path,
            ready=lambda: calls["componenttcb/batchdownloadfile"] >= 4,
            what="a link call reached the service",
        )
    err = run.stderr
    assert run.code == ExitStatus.INTERRUPTED, err
    assert "Traceback" not in err
    assert f"Stopped: {INTERRUPTED}" in err
    with out.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file, delimiter="\t"))
    assert [r["fileid"] for r in rows] == ids  # every ID, in input order
    ready = [r for r in rows if r["ok"] == "true"]
    left = [r for r in rows if r["ok"] != "true"]
    assert ready, "no link kept"
    assert all(r["download_url"].startswith("http") for r in ready)
    assert left, "the run ended before the interrupt"
    assert {r["errmsg"] for r in left} == {f"Not resolved: {INTERRUPTED}"}
