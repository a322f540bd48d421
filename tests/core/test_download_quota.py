"""The quota preview before a download (core.download_run, core.downloads.linkneeds): the
link calls a download makes are counted from the files that still need a link, and the
count is what a real run against the demo service then sends."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tcb_gui.core.client import LinkResult, TcbClient
from tcb_gui.core.download_run import (
    DownloadRun,
    download_calls_needed,
    no_link_yet,
    preview_download_quota,
)
from tcb_gui.core.downloads import DownloadOptions, Layout, OnExists, link_needs
from tcb_gui.core.downloads.manifest import STATE_DIR_NAME
from tcb_gui.core.errors import ErrorKind
from tcb_gui.core.fileids import FileId, parse_fileid
from tcb_gui.core.quota import (
    PREVIEW_THRESHOLD_CALLS,
    QuotaPreview,
    QuotaRefused,
    command_line_gate,
)
from tcb_gui.demo import samples
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DEMO_TOKEN, DemoConfig, DemoState

BATCH_API = "componenttcb/batchdownloadfile"
PER_CALL = 50  # WECHAT_API §1: at most 50 IDs a request


def fids(env: samples.DemoEnv, count: int, start: int = 0) -> list[FileId]:
    return [parse_fileid(env.fileid(f"gen/dq/{n:05d}.txt")) for n in range(start, start + count)]


def fresh(ids: Sequence[FileId]) -> list[LinkResult]:
    return [no_link_yet(f) for f in ids]


def linked(fid: FileId, expires_at: datetime) -> LinkResult:
    url = f"https://{fid.bucket}.tcb.example/{fid.key}"
    return LinkResult(fid, True, 0, "ok", url, expires_at)


def batch_calls(server: DemoServer) -> int:
    return server.state.stats.requests.get(BATCH_API, 0)


async def download(
    http: httpx.AsyncClient, server: DemoServer, options: DownloadOptions, ids: Sequence[FileId]
) -> int:
    """Download ``ids`` for real; the link calls the run made."""
    before = batch_calls(server)
    client = TcbClient(http, lambda: DEMO_TOKEN, base_url=server.base_url)
    result = await DownloadRun(http, client, options, fresh(ids)).run()
    assert all(o.ok for o in result.outcomes), [o.errmsg for o in result.outcomes if not o.ok]
    return batch_calls(server) - before


# --- what needs a call --------------------------------------------------------------------


def test_every_file_without_a_link_counts_per_environment(tmp_path: Path) -> None:
    ids = fids(samples.PROD, 120) + fids(samples.TEST, 30)
    options = DownloadOptions(dest=tmp_path / "new")
    assert download_calls_needed(options, fresh(ids)) == 3 + 1
    assert download_calls_needed(options, fresh(ids * 2)) == 4  # duplicates once
    assert download_calls_needed(options, []) == 0


def test_rows_that_hold_a_usable_link_need_no_call(tmp_path: Path) -> None:
    options = DownloadOptions(dest=tmp_path)
    ids = fids(samples.PROD, 100)
    now = datetime.now(UTC)
    good = [linked(f, now + timedelta(hours=1)) for f in ids[:60]]
    expiring = [linked(f, now + timedelta(seconds=30)) for f in ids[60:70]]  # inside the margin
    dead = [
        LinkResult(f, False, 1, "STORAGE_FILE_NONEXIST", None, None, ErrorKind.FILE)
        for f in ids[70:80]
    ]
    retryable = [
        LinkResult(f, False, None, "timed out", None, None, ErrorKind.NETWORK) for f in ids[80:]
    ]
    assert download_calls_needed(options, good) == 0
    assert download_calls_needed(options, dead) == 0  # the service said so: not asked again
    needs = link_needs([*good, *expiring, *dead, *retryable], options)
    assert needs.first == tuple(ids[60:70]) + tuple(ids[80:])
    assert needs.after_plan == ()


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every path under ``folder`` with its size and modification time (ns)."""
    return {
        str(p.relative_to(folder)): (p.lstat().st_size, p.lstat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
    }


async def test_counting_writes_nothing(http: httpx.AsyncClient, tmp_path: Path) -> None:
    dest = tmp_path / "not-yet"
    download_calls_needed(DownloadOptions(dest=dest), fresh(fids(samples.PROD, 20)))
    assert not dest.exists()
    dest.mkdir()
    download_calls_needed(DownloadOptions(dest=dest), fresh(fids(samples.PROD, 20)))
    assert list(dest.iterdir()) == []
    # A folder an earlier run left (its manifest, its files, one of them gone since):
    # the count reads them all and changes nothing.
    ids = fids(samples.PROD, 30)
    options = DownloadOptions(dest=tmp_path / "done")
    with DemoServer(DemoState()) as server:
        await download(http, server, options, ids)
    (options.dest / ids[0].env / ids[0].key).unlink()
    before = _snapshot(options.dest)
    assert any(name.startswith(STATE_DIR_NAME) for name in before)  # the manifest is there
    needs = link_needs(fresh(ids + fids(samples.PROD, 5, start=700)), options)
    assert needs.after_plan == (ids[0],)  # the folder was read: the gone file found
    assert _snapshot(options.dest) == before


async def test_files_already_complete_in_the_folder_need_no_call(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    ids = fids(samples.PROD, 120) + fids(samples.TEST, 60)
    options = DownloadOptions(dest=tmp_path)
    with DemoServer(DemoState()) as server:
        predicted = download_calls_needed(options, fresh(ids))
        assert predicted == 3 + 2
        assert await download(http, server, options, ids) == predicted
        # Done: a re-run asks nothing, and says so before it starts.
        assert download_calls_needed(options, fresh(ids)) == 0
        assert await download(http, server, options, ids) == 0
        # 10 new files and 5 old ones removed: the new ones at once, the removed ones
        # once the plan has found them gone, two rounds, as the engine sends them.
        for f in ids[:5]:
            (tmp_path / f.env / f.key).unlink()
        more = ids + fids(samples.PROD, 10, start=500)
        needs = link_needs(fresh(more), options)
        assert needs.first == tuple(more[-10:])
        assert needs.after_plan == tuple(ids[:5])
        predicted = download_calls_needed(options, fresh(more))
        assert predicted == 2
        assert await download(http, server, options, more) == predicted


@pytest.mark.parametrize("on_exists", [OnExists.RENAME, OnExists.OVERWRITE])
async def test_only_skip_trusts_what_the_folder_holds(
    http: httpx.AsyncClient, tmp_path: Path, on_exists: OnExists
) -> None:
    ids = fids(samples.PROD, 60)
    with DemoServer(DemoState()) as server:
        await download(http, server, DownloadOptions(dest=tmp_path), ids)
        again = DownloadOptions(dest=tmp_path, on_exists=on_exists)
        assert download_calls_needed(again, fresh(ids)) == 2
        assert await download(http, server, again, ids) == 2


async def test_names_that_clash_are_followed_as_the_plan_gives_them(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    """Keys with one file name in a flat folder: the second is "same (1).txt". Once both
    are complete neither needs a call; with the first one gone, only it does."""
    ids = [parse_fileid(samples.PROD.fileid(f"gen/{d}/same.txt")) for d in ("x", "y", "z")]
    options = DownloadOptions(dest=tmp_path, layout=Layout.FLAT)
    with DemoServer(DemoState()) as server:
        assert await download(http, server, options, ids) == 1
        names = sorted(n for n in os.listdir(tmp_path) if n != STATE_DIR_NAME)
        assert names == ["same (1).txt", "same (2).txt", "same.txt"]
        assert download_calls_needed(options, fresh(ids)) == 0
        (tmp_path / "same.txt").unlink()
        assert link_needs(fresh(ids), options).after_plan == (ids[0],)
        assert await download(http, server, options, ids) == 1


# --- the preview ----------------------------------------------------------------------------


async def test_exactly_at_the_threshold_asks_nothing_one_over_asks_once(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    at = fids(samples.PROD, PREVIEW_THRESHOLD_CALLS * PER_CALL)  # 200 calls
    over = fids(samples.PROD, PREVIEW_THRESHOLD_CALLS * PER_CALL + 1)  # 201 calls
    options = DownloadOptions(dest=tmp_path)
    with DemoServer(DemoState(DemoConfig(daily_limit=5_000, used_at_start=4_900))) as server:
        client = TcbClient(http, lambda: DEMO_TOKEN, base_url=server.base_url)
        assert await preview_download_quota(client, options, fresh(at)) is None
        assert server.state.stats.requests.get("quota/get", 0) == 0
        preview = await preview_download_quota(client, options, fresh(over))
        assert preview == QuotaPreview(201, 100, 5_000)
        assert preview.exceeds
        assert server.state.stats.requests["quota/get"] == 1
        assert batch_calls(server) == 0


async def test_files_in_the_folder_can_bring_a_big_list_under_the_threshold(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    ids = fids(samples.PROD, PREVIEW_THRESHOLD_CALLS * PER_CALL + 1)  # 201 calls when new
    options = DownloadOptions(dest=tmp_path)
    with DemoServer(DemoState()) as server:
        await download(http, server, options, ids[:PER_CALL])  # the first 50 are complete
        client = TcbClient(http, lambda: DEMO_TOKEN, base_url=server.base_url)
        assert download_calls_needed(options, fresh(ids)) == PREVIEW_THRESHOLD_CALLS
        assert await preview_download_quota(client, options, fresh(ids)) is None
        assert server.state.stats.requests.get("quota/get", 0) == 0


async def test_rows_with_links_are_not_counted_against_the_threshold(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    ids = fids(samples.PROD, 15_000) + fids(samples.TEST, 1_000)
    later = datetime.now(UTC) + timedelta(hours=1)
    rows = [linked(f, later) for f in ids[:5_000]] + fresh(ids[5_000:])  # 200 + 20 calls
    with DemoServer(DemoState()) as server:
        client = TcbClient(http, lambda: DEMO_TOKEN, base_url=server.base_url)
        preview = await preview_download_quota(client, DownloadOptions(dest=tmp_path), rows)
    assert preview is not None
    assert preview.needed == 200 + 20
    assert not preview.exceeds


# --- the command line's rule, shared by resolve and download -------------------------------


def test_the_command_line_gate() -> None:
    said: list[str] = []
    command_line_gate(None, said.append, ignore=False)
    assert said == []
    command_line_gate(QuotaPreview(300, 5_000), said.append, ignore=False)
    assert said == ["This run needs 300 calls; 5,000 remain today."]
    said.clear()
    over = QuotaPreview(201, 150)
    with pytest.raises(QuotaRefused) as refused:
        command_line_gate(over, said.append, ignore=False)
    assert said == ["This run needs 201 calls; 150 remain today."]
    assert refused.value.message == over.refusal
    assert refused.value.message.startswith("Not started. It would stop with today's quota")
    assert refused.value.message.endswith("Pass --ignore-quota to start anyway.")
    said.clear()
    command_line_gate(over, said.append, ignore=True)
    assert said[1].startswith("Starting anyway (--ignore-quota). It would stop")


def test_a_refusal_exits_4() -> None:
    from tcb_gui.core.exit_status import ExitStatus, status_for_error

    assert status_for_error(QuotaRefused(QuotaPreview(201, 150))) is ExitStatus.SERVICE
