"""The two faces against the demo service's hostile switches (``tcb-gui demo-server
--help``): an IP not on the allowlist (40164), today's quota used up (45009) and running
out part way. The same list, with a duplicate and a malformed ID, through ``tcb-gui
resolve`` / ``download`` and through the window's presenters gives the same IDs taken,
the same export and the same download report: which files failed, with which reason.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from tcb_gui.core.downloads import DownloadOptions
from tcb_gui.core.export import ExportFormat
from tcb_gui.demo.samples import PROD, TEST
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DEMO_TOKEN, DemoConfig, DemoState
from tests.e2e.cli_helpers import TOKEN_ENV, run_cli
from tests.e2e.test_parity import (
    CONCURRENCY,
    comparable_export,
    comparable_report,
    run_on_qt_loop,
    window_for,
)

IDS = [
    *(PROD.fileid(f"gen/hostile/{n:03d}.bin") for n in range(60)),
    PROD.fileid("no/such/file.png"),
    TEST.fileid("gen/hostile/t.bin"),
]
# The list as a file: one ID twice and one malformed, both dropped with a word.
LIST_TEXT = "\n".join([*IDS, IDS[0], "cloud://no-bucket"]) + "\n"

SWITCHES = {
    "ip not allowed": {"deny_ip": True},
    "quota used up": {"daily_limit": 100, "used_at_start": 100},
    "quota runs out": {"daily_limit": 100, "used_at_start": 99},  # one call, then 45009
}


def server_for(switches: dict[str, Any]) -> DemoServer:
    return DemoServer(DemoState(DemoConfig(**switches)))


@pytest.mark.parametrize("case", list(SWITCHES))
def test_resolve_takes_and_exports_the_same(
    qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    ids_file = tmp_path / "ids.txt"
    ids_file.write_text(LIST_TEXT, encoding="utf-8")
    with server_for(SWITCHES[case]) as server:
        out = tmp_path / "cli.json"
        argv = ["resolve", str(ids_file), "--base-url", server.base_url, "--format", "json"]
        cli = run_cli([*argv, "--concurrency", str(CONCURRENCY), "--output", str(out)])
        cli_records = comparable_export(out.read_text(encoding="utf-8"), server.base_url)
    assert cli.code == 4, cli.stderr
    assert "Read 62 IDs (1 duplicate, 1 malformed ID)\n" in cli.stderr

    monkeypatch.setenv(TOKEN_ENV, DEMO_TOKEN)
    with server_for(SWITCHES[case]) as server:

        async def flow() -> list[dict[str, Any]]:
            window = window_for(server)
            try:
                taken = await window.ids.add_paths([ids_file])
                assert (taken.added, taken.duplicates, taken.malformed) == (62, 1, 1)
                await window.resolver.resolve_rows()
                path = tmp_path / "window.json"
                assert await window.links.export_to(path, ExportFormat.JSON) == len(IDS)
                return comparable_export(path.read_text(encoding="utf-8"), server.base_url)
            finally:
                await window.aclose()
                window.deleteLater()

        window_records = run_on_qt_loop(qapp, flow)
    assert window_records == cli_records
    failed = [r for r in cli_records if not r["ok"]]
    assert failed
    assert all(r["errmsg"].startswith("Not resolved: ") for r in failed)


@pytest.mark.parametrize("case", list(SWITCHES))
def test_download_reports_the_same(
    qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    ids_file = tmp_path / "ids.txt"
    ids_file.write_text("\n".join(IDS) + "\n", encoding="utf-8")
    cli_dest, report = tmp_path / "cli", tmp_path / "report.json"
    with server_for(SWITCHES[case]) as server:
        argv = ["download", str(ids_file), "--base-url", server.base_url, "--dest", str(cli_dest)]
        cli = run_cli([*argv, "--concurrency", str(CONCURRENCY), "--report", str(report)])
        cli_records = json.loads(report.read_text(encoding="utf-8"))
    assert cli.code == 4, cli.stderr

    monkeypatch.setenv(TOKEN_ENV, DEMO_TOKEN)
    window_dest = tmp_path / "window"
    with server_for(SWITCHES[case]) as server:

        async def flow() -> list[Any]:
            window = window_for(server)
            try:
                await window.ids.add_text("\n".join(IDS))
                rows = sorted(window.model.rows(), key=lambda r: r.index)
                options = DownloadOptions(dest=window_dest, concurrency=CONCURRENCY)
                assert await window.downloads.download_rows(rows, options) is not None
                result = window.downloads.last_result
                assert result is not None
                return json.loads(json.dumps([o.report() for o in result.outcomes]))
            finally:
                await window.aclose()
                window.deleteLater()

        window_records = run_on_qt_loop(qapp, flow)
    window_report = comparable_report(window_records, window_dest)
    cli_report = comparable_report(cli_records, cli_dest)
    if case == "quota runs out":
        # The links come in one batch per environment and 50 IDs, asked for together:
        # which one the service answered before the quota ran out depends on which
        # request reached it first, in each face independently. Either face must show
        # exactly one batch's worth of answers and the quota's word for every other file.
        assert _outcomes(window_report) in ONE_BATCH_ANSWERED, window_report
        assert _outcomes(cli_report) in ONE_BATCH_ANSWERED, cli_report
    else:
        assert window_report == cli_report
        assert not any(r["ok"] for r in cli_records)


def _one_batch_answered() -> list[Counter[tuple[Any, ...]]]:
    quota = (
        False,
        0,
        "Today's API quota for this account is used up. Nothing more can be resolved "
        "until the quota resets tomorrow (or ask the account owner to reset it).",
        None,
        None,
    )
    saved = (True, 1024, "", True, "verified")
    missing = (False, 0, "File does not exist (STORAGE_FILE_NONEXIST)", None, None)
    return [
        Counter({saved: 50, quota: len(IDS) - 50}),  # the first 50 of PROD
        Counter({saved: 10, missing: 1, quota: len(IDS) - 11}),  # the rest of PROD
        Counter({saved: 1, quota: len(IDS) - 1}),  # the one TEST file
    ]


ONE_BATCH_ANSWERED = _one_batch_answered()


def _outcomes(report: list[dict[str, Any]]) -> Counter[tuple[Any, ...]]:
    """Each outcome of a report, counted, whichever file it was."""
    return Counter(
        (r["ok"], r["bytes"], r["errmsg"], r["verified"], r["integrity"]) for r in report
    )
