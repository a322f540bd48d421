"""The command line and the window are two faces of one engine: the same scripted service
(faults, a token refused in the middle of a run, missing and forbidden files) driven once
through ``tcb-gui resolve`` / ``download`` and once through the window's presenters gives
the same export and the same download report.

Each face gets its own demo service with the same script, so both meet the same answers
in the same order (one request at a time). Only what differs by the moment differs:
link signatures and expiry times (the demo signs with a key of its own), and the
download folder each face was given.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from PySide6.QtWidgets import QApplication

from tcb_gui.core.downloads import DownloadOptions
from tcb_gui.core.export import ExportFormat
from tcb_gui.core.settings import Profile, Settings
from tcb_gui.core.tokens import TokenStore
from tcb_gui.demo.samples import PROD, TEST
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DEMO_TOKEN, DemoConfig, DemoState
from tcb_gui.ui import qt_workarounds
from tcb_gui.ui.main_window import MainWindow
from tcb_gui.ui.session import Session
from tests.e2e.cli_helpers import TOKEN_ENV, run_cli

T = TypeVar("T")

# One request at a time: the order of answers is the order of requests.
CONCURRENCY = 1
STEP_TIMEOUT_S = 60.0


class ScriptedState(DemoState):
    """The demo service whose token is refused from the ``refuse_from``-th call of
    batchdownloadfile on (retries count), as when a token ends in the middle of a run."""

    def __init__(self, refuse_from: int | None = None) -> None:
        super().__init__(DemoConfig(seed=11))
        self.refuse_from = refuse_from
        self.batch_calls = 0

    def next_fault(self, endpoint: str) -> str | None:
        if endpoint == "batchdownloadfile":
            self.batch_calls += 1
            if self.batch_calls == self.refuse_from:
                self.expire_token(DEMO_TOKEN)
        return super().next_fault(endpoint)


def scripted_server(
    refuse_from: int | None = None, faults: dict[str, list[str]] | None = None
) -> DemoServer:
    state = ScriptedState(refuse_from)
    for endpoint, kinds in (faults or {}).items():
        state.script_faults(endpoint, kinds)
    return DemoServer(state)


def run_on_qt_loop(qapp: QApplication, flow: Callable[[], Awaitable[T]]) -> T:
    """``flow`` on the loop the app runs on."""
    qapp.setQuitOnLastWindowClosed(False)
    qt_workarounds.apply()
    with asyncio.Runner(loop_factory=lambda: qt_workarounds.event_loop(qapp)) as runner:
        return runner.run(asyncio.wait_for(flow(), STEP_TIMEOUT_S))  # type: ignore[arg-type]


def window_for(server: DemoServer) -> MainWindow:
    """A window on a profile pointing at ``server`` (the token from TCB_ACCESS_TOKEN)."""
    settings = Settings()
    settings.put_profile(Profile(name="default", base_url=server.base_url))
    window = MainWindow(Session(settings, TokenStore()))
    window.concurrency_spin.setValue(CONCURRENCY)
    return window


def comparable_export(text: str, base_url: str) -> list[dict[str, Any]]:
    """The JSON export, links without their signature and expiry (they differ by time)
    and with ``<service>`` for the address of the face's own demo service."""
    records: list[dict[str, Any]] = json.loads(text)
    for record in records:
        url = record["download_url"]
        if url is not None:
            assert url.startswith(base_url + "/"), url
            record["download_url"] = "<service>" + url.partition("?")[0][len(base_url) :]
        if record["expires_at"] is not None:
            record["expires_at"] = "<when>"
    return records


def comparable_report(records: list[dict[str, Any]], dest: Path) -> list[dict[str, Any]]:
    """A download report with the face's own folder as ``<dest>``."""
    for record in records:
        if record["path"] is not None:
            record["path"] = "<dest>/" + Path(record["path"]).relative_to(dest).as_posix()
    return records


# --- resolving ---------------------------------------------------------------------------

RESOLVE_IDS = [
    *(PROD.fileid(f"gen/parity/{n:03d}.bin") for n in range(10)),
    PROD.fileid("no/such/file-1.png"),
    PROD.fileid("private/secret-1.png"),
    *(TEST.fileid(f"gen/parity/{n:03d}.bin") for n in range(20)),
    PROD.fileid("no/such/file-2.png"),
    PROD.fileid("private/secret-2.png"),
    *(PROD.fileid(f"gen/parity/{n:03d}.bin") for n in range(10, 130)),
]
# Requests of 50 per environment, one at a time: the first meets two faults and is
# answered on its third try; the token is refused on the fifth call, so the third request
# and every one after it are never answered.
RESOLVE_FAULTS = {"batchdownloadfile": ["html502", "truncated"]}
RESOLVE_REFUSED_AT = 5


def test_resolve_exports_the_same_from_both_faces(
    qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids_file = tmp_path / "ids.txt"
    ids_file.write_text("\n".join(RESOLVE_IDS) + "\n", encoding="utf-8")

    with scripted_server(RESOLVE_REFUSED_AT, RESOLVE_FAULTS) as server:
        out = tmp_path / "cli.json"
        cli = run_cli(
            [
                "resolve",
                str(ids_file),
                "--base-url",
                server.base_url,
                "--concurrency",
                str(CONCURRENCY),
                "--format",
                "json",
                "--output",
                str(out),
            ]
        )
        assert cli.code == 3, cli.stderr  # the token was refused: exit status 3
        cli_records = comparable_export(out.read_text(encoding="utf-8"), server.base_url)

    monkeypatch.setenv(TOKEN_ENV, DEMO_TOKEN)
    with scripted_server(RESOLVE_REFUSED_AT, RESOLVE_FAULTS) as server:

        async def flow() -> list[dict[str, Any]]:
            window = window_for(server)
            try:
                await window.ids.add_text(ids_file.read_text(encoding="utf-8"))
                await window.resolver.resolve_rows()
                path = tmp_path / "window.json"
                assert await window.links.export_to(path, ExportFormat.JSON) == len(RESOLVE_IDS)
                assert window.model.counts().paused > 0  # they wait for a working token
                return comparable_export(path.read_text(encoding="utf-8"), server.base_url)
            finally:
                await window.aclose()
                window.deleteLater()

        window_records = run_on_qt_loop(qapp, flow)

    assert window_records == cli_records
    # What the script made happen, so the comparison is not of two empty lists.
    by_id = {r["fileid"]: r for r in cli_records}
    assert sum(r["ok"] for r in cli_records) == 96  # two requests' worth, less four
    assert by_id[PROD.fileid("no/such/file-1.png")]["status"] is not None
    assert by_id[PROD.fileid("private/secret-2.png")]["ok"] is False
    stopped = [r for r in cli_records if r["errmsg"].startswith("Not resolved: ")]
    assert len(stopped) == len(RESOLVE_IDS) - 100
    assert all("expired" in r["errmsg"] for r in stopped)


# --- downloading -------------------------------------------------------------------------

FIRST = [PROD.fileid(f"gen/size-48K/parity-{n:02d}.bin") for n in range(6)]
DEAD = [
    PROD.fileid("no/such/download-1.bin"),
    PROD.fileid("private/download-1.bin"),
]
LATER = [PROD.fileid(f"gen/size-16K/parity-later-{n:02d}.bin") for n in range(3)]
# The first run: a link request and three transfers meet faults and are tried again.
DOWNLOAD_FAULTS = {"batchdownloadfile": ["errcode-1"], "download": ["cut", "500", "html200"]}


def cli_download(server: DemoServer, ids: list[str], dest: Path, tmp_path: Path) -> tuple[int, Any]:
    ids_file = tmp_path / "download-ids.txt"
    ids_file.write_text("\n".join(ids) + "\n", encoding="utf-8")
    report = tmp_path / "report.json"
    run = run_cli(
        [
            "download",
            str(ids_file),
            "--base-url",
            server.base_url,
            "--concurrency",
            str(CONCURRENCY),
            "--dest",
            str(dest),
            "--report",
            str(report),
        ]
    )
    return run.code, json.loads(report.read_text(encoding="utf-8"))


async def window_download(server: DemoServer, ids: list[str], dest: Path) -> list[Any]:
    """A fresh window (as after a restart: no links known) downloads ``ids``."""
    window = window_for(server)
    try:
        await window.ids.add_text("\n".join(ids))
        rows = sorted(window.model.rows(), key=lambda r: r.index)
        options = DownloadOptions(dest=dest, concurrency=CONCURRENCY)
        summary = await window.downloads.download_rows(rows, options)
        assert summary is not None
        result = window.downloads.last_result
        assert result is not None
        return json.loads(json.dumps([o.report() for o in result.outcomes]))
    finally:
        await window.aclose()
        window.deleteLater()


def test_download_reports_are_the_same_from_both_faces(
    qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first_ids = FIRST[:3] + DEAD + FIRST[3:]
    again_ids = first_ids + LATER

    cli_dest = tmp_path / "cli"
    with scripted_server(faults=DOWNLOAD_FAULTS) as server:
        code, cli_first = cli_download(server, first_ids, cli_dest, tmp_path)
        assert code == 1  # two files cannot be had
        server.state.expire_token(DEMO_TOKEN)  # the token ends between the two runs
        code, cli_again = cli_download(server, again_ids, cli_dest, tmp_path)
        assert code == 3

    monkeypatch.setenv(TOKEN_ENV, DEMO_TOKEN)
    window_dest = tmp_path / "window"
    with scripted_server(faults=DOWNLOAD_FAULTS) as server:
        window_first = run_on_qt_loop(qapp, lambda: window_download(server, first_ids, window_dest))
        server.state.expire_token(DEMO_TOKEN)
        window_again = run_on_qt_loop(qapp, lambda: window_download(server, again_ids, window_dest))

    assert comparable_report(window_first, window_dest) == comparable_report(cli_first, cli_dest)
    assert comparable_report(window_again, window_dest) == comparable_report(cli_again, cli_dest)
    # The script happened: six files saved, the two dead ones failed for good, and after the
    # token ended the saved files were still complete while the others wait for a token.
    assert [r["ok"] for r in cli_first] == [True] * 3 + [False] * 2 + [True] * 3
    assert [r["ok"] for r in cli_again] == (
        [True] * 3 + [False] * 2 + [True] * 3 + [False] * len(LATER)
    )
    waiting = [r for r in cli_again if not r["ok"]]
    assert all(r["errmsg"].startswith("Not downloaded: ") for r in waiting)
