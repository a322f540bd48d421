"""The records a command-line download makes before its first request: structure, not
timing (docs/ARCHITECTURE.md#start-up).

On Python 3.11 a frozen dataclass costs ~0.5 ms to make (``dataclasses`` compiles six
generated methods for it); a ``typing.NamedTuple`` ~0.1 ms. 38 of them came before a
download's first request. Immutable records that check nothing as they are made are
NamedTuples on that path; the frozen dataclasses left there each have a reason.
"""

from __future__ import annotations

from pathlib import Path

from tests.probe import FROZEN_RECORDS, run_probe

# Frozen dataclasses that stay on the way to the first request, and why.
KEPT = {
    # A tuple would hand the secret its repr hides to json.dumps, unpacking or indexing.
    "tcb_gui.core.tokens.TokenInfo",
    "tcb_gui.core.tokens.AppSecretInfo",
    # Its ``index`` field would hide a tuple's ``index()``.
    "tcb_gui.core.download_progress.FileProgress",
    # Its ``check`` is left out of comparisons (``field(compare=False)``).
    "tcb_gui.core.quota.QuotaPreview",
}

# `tcb-gui download` as the console script runs it, stopped at its first connection
# (an audit hook; the address is a closed loopback port, so nothing is sent).
_AT_FIRST_REQUEST = (
    FROZEN_RECORDS
    + """
import os, sys
from tcb_gui import cli

def at_connect(event, args):
    if event == "socket.connect":
        print("records:" + ",".join(frozen_records()), flush=True)
        os._exit(0)

sys.addaudithook(at_connect)
ids, dest = sys.argv[1:3]
cli.main(["download", "--api", "tcb", "--base-url", "http://127.0.0.1:9", "--dest", dest, ids])
print("no request")
"""
)


def _records_at_first_request(tmp_path: Path) -> set[str]:
    ids = tmp_path / "ids.txt"
    ids.write_text("cloud://prod-1a2b.7072-prod-1a2b-1300000000/a.txt\n", "utf-8")
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "TCB_GUI_HOME": str(tmp_path / "home"),
        "TCB_ACCESS_TOKEN": "probe-token",
    }
    output = run_probe(_AT_FIRST_REQUEST, str(ids), str(tmp_path / "dest"), env=env)
    line = output.strip().splitlines()[-1]
    assert line.startswith("records:"), output
    return {r for r in line.removeprefix("records:").split(",") if r}


def test_a_download_makes_no_frozen_dataclass_without_a_reason_before_its_first_request(
    tmp_path: Path,
) -> None:
    records = _records_at_first_request(tmp_path)
    assert records - KEPT == set(), "make these NamedTuples, or say in KEPT why not"


def test_the_probe_sees_the_frozen_dataclasses_that_are_kept(tmp_path: Path) -> None:
    """The probe above can fail: the kept ones on the path are found."""
    records = _records_at_first_request(tmp_path)
    assert {"tcb_gui.core.tokens.TokenInfo", "tcb_gui.core.download_progress.FileProgress"} <= (
        records
    )
