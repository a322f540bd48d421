"""Ctrl+C during `tcb-gui download --report FILE` writes this run's report.

Before, the report was written only at the end of a run, so an interrupted one left the
file as an earlier run had written it: a script reading it after `… || true` saw every
file ok, of another list. Now, as an interrupted resolve: the files saved so far are ok,
every one the run did not finish says "Not downloaded: interrupted by Ctrl+C", stderr
says the run stopped, and the exit status is 130."""

from __future__ import annotations

import json
import time
from pathlib import Path

from tcb_gui.core.errors import INTERRUPTED
from tcb_gui.core.exit_status import ExitStatus
from tcb_gui.demo import samples
from tests.e2e.cli_helpers import id_lines, interrupt_subprocess, serve

SMALL_KEYS = [f"gen/size-1K/ctrl-c/small {n}.bin" for n in range(3)]
# 3 × 8 MiB at 2 MiB/s over all transfers: some 12 s, far longer than the test waits.
LARGE_KEYS = [f"gen/size-8M/ctrl-c/large {n}.bin" for n in range(3)]
SMALL = [samples.PROD.fileid(key) for key in SMALL_KEYS]
LARGE = [samples.PROD.fileid(key) for key in LARGE_KEYS]


def test_ctrl_c_writes_this_runs_report_and_exits_130(tmp_path: Path) -> None:
    ids = SMALL + LARGE
    dest = tmp_path / "dest"
    report = tmp_path / "report.json"
    # An earlier run's report, every file of it ok: it must not survive this run.
    report.write_text(json.dumps([{"fileid": "cloud://old.run/file", "ok": True}]), "utf-8")
    inputs = tmp_path / "ids.txt"
    inputs.write_bytes(id_lines(ids))
    small_files = [dest / samples.PROD.env / key for key in SMALL_KEYS]
    with serve() as server:
        argv = ["download", "--base-url", server.base_url, "--dest", str(dest)]
        argv += ["--limit-rate", "2M", "--report", str(report), str(inputs)]

        def small_ones_saved() -> bool:
            # The small files are saved (durable under their names), the large ones not;
            # each is marked done just after it takes its name.
            if not all(path.exists() for path in small_files):
                return False
            time.sleep(0.3)
            return True

        run = interrupt_subprocess(
            argv, home=tmp_path, ready=small_ones_saved, what="the small files saved"
        )
    err = run.stderr
    assert run.code == ExitStatus.INTERRUPTED, err
    assert "Traceback" not in err
    assert f"Stopped: {INTERRUPTED}" in err
    records = json.loads(report.read_text("utf-8"))
    assert [r["fileid"] for r in records] == ids  # this run's list, in input order
    saved = {r["fileid"]: r for r in records if r["ok"]}
    assert set(saved) == set(SMALL)
    for key, path in zip(SMALL_KEYS, small_files, strict=True):
        assert Path(saved[samples.PROD.fileid(key)]["path"]).resolve() == path.resolve()
        assert path.read_bytes() == samples.file_bytes(samples.PROD.bucket, key)
    left = [r for r in records if not r["ok"]]
    assert [r["fileid"] for r in left] == LARGE
    assert {r["errmsg"] for r in left} == {f"Not downloaded: {INTERRUPTED}"}
    assert all(r["path"] is None for r in left)
