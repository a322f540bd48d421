"""``tcb-gui download`` end to end (DESIGN §1.5, §3, §4): the real command against the
demo service over loopback; every file compared byte for byte with ``samples.file_bytes``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tcb_gui.cli import build_parser
from tcb_gui.core.client import RetryPolicy
from tcb_gui.core.fileids import parse_fileid
from tcb_gui.core.quota import PREVIEW_THRESHOLD_CALLS
from tcb_gui.demo import samples
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import EXPIRED_TOKEN
from tests.e2e.cli_helpers import (
    expected_ok,
    files_under,
    id_lines,
    run_cli,
    run_subprocess,
    sample_ids,
    serve,
)

REPORT_FIELDS = [
    "fileid", "ok", "path", "bytes", "errmsg", "verified", "integrity", "encoding", "repaired"
]  # fmt: skip
# gen/size-3M is 3 MiB; at 2 MiB/s (K/M are 1024-based) it needs ~1.5 s, less the
# limiter's 0.25 s burst allowance: a full second is a loose lower bound.
RATE_LIMITED_KEY = "gen/size-3M/rate-limited.bin"
MIN_RATE_LIMITED_S = 1.0
PART_SUFFIX = ".part"
MANIFEST = ".tcb-gui-manifest.json"


def download_args(server: DemoServer, dest: Path, *extra: str) -> list[str]:
    return ["download", "--base-url", server.base_url, "--dest", str(dest), *extra]


def read_report(path: Path, ids: list[str]) -> list[dict[str, object]]:
    records: list[dict[str, object]] = json.loads(path.read_text("utf-8"))
    assert [r["fileid"] for r in records] == ids
    for record in records:
        assert list(record) == REPORT_FIELDS
    return records


def expected_bytes(fileid: str) -> bytes:
    fid = parse_fileid(fileid)
    return samples.file_bytes(fid.bucket, fid.key)


def assert_byte_exact(records: list[dict[str, object]], dest: Path) -> None:
    """Every ok record names a file inside ``dest`` holding exactly the object's bytes."""
    root = dest.resolve()
    for record in records:
        if not record["ok"]:
            continue
        path = Path(str(record["path"]))
        assert path.resolve().is_relative_to(root), path
        data = path.read_bytes()
        assert data == expected_bytes(str(record["fileid"])), record["fileid"]
        assert record["bytes"] == len(data)


def gets(server: DemoServer) -> int:
    return sum(1 for d in server.state.stats.downloads if d.method == "GET")


def no_leftovers(dest: Path) -> None:
    assert not [p for p in files_under(dest) if p.name.endswith((PART_SUFFIX, ".part.json"))]


def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the retry logic, shrink the waits (for tests about outcomes, not timing)."""
    monkeypatch.setattr(RetryPolicy, "delay", lambda self, attempt: 0.01)


# -- the sample list ------------------------------------------------------------------------

GEN_KEYS = ["gen/size-300K/下载 测试.bin", "gen/size-1K/a b/c+d&e.txt", "gen/plain.txt"]


def test_sample_list_downloads_byte_exact_and_a_rerun_transfers_nothing(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    ids = sample_ids() + [samples.TEST.fileid(k) for k in GEN_KEYS]
    dest, report = tmp_path / "files", tmp_path / "report.json"
    run = run_cli(download_args(demo_server, dest, "--report", str(report)), stdin=id_lines(ids))

    assert run.code == 1, run.stderr  # missing, private and wrong-env files fail
    assert run.stdout == ""
    records = read_report(report, ids)
    for record in records:
        fileid = str(record["fileid"])
        assert record["ok"] is expected_ok(fileid), record
        if not record["ok"]:
            assert record["path"] is None
            assert record["errmsg"]
    assert_byte_exact(records, dest)
    # Ordinary keys land at DEST/<env>/<key>.
    for fileid in [samples.PROD.fileid("图片/春节 海报.png"), samples.TEST.fileid(GEN_KEYS[1])]:
        fid = parse_fileid(fileid)
        record = next(r for r in records if r["fileid"] == fileid)
        assert Path(str(record["path"])) == dest / fid.env / fid.key
    # Hostile keys stayed inside DEST; nothing was written anywhere else.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["files", "report.json"]
    assert not (tmp_path / "etc").exists()
    no_leftovers(dest)
    ok_paths = {Path(str(r["path"])) for r in records if r["ok"]}
    assert {p for p in files_under(dest) if p.name != MANIFEST} == ok_paths

    before = gets(demo_server)
    mtimes = {p: p.stat().st_mtime_ns for p in ok_paths}
    again = run_cli(
        download_args(demo_server, dest, "--report", str(tmp_path / "again.json")),
        stdin=id_lines(ids),
    )
    assert again.code == run.code
    assert gets(demo_server) == before  # not one byte fetched again
    # The same report, but for the request id the service appends to its errmsg.
    fields = ("fileid", "ok", "path", "bytes")
    assert [tuple(r[f] for f in fields) for r in read_report(tmp_path / "again.json", ids)] == [
        tuple(r[f] for f in fields) for r in records
    ]
    assert {p: p.stat().st_mtime_ns for p in ok_paths} == mtimes


def test_flat_layout_keeps_every_file_and_confines_hostile_keys(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    keys = [
        "gen/one/same name.txt",
        "gen/two/same name.txt",
        "../../etc/passwd",
        "hostile/./x/../y.txt",
        "a\\b.txt",
        "hostile/NUL",
    ]
    ids = [samples.PROD.fileid(k) for k in keys]
    dest, report = tmp_path / "flat", tmp_path / "report.json"
    run = run_cli(
        download_args(demo_server, dest, "--layout", "flat", "--report", str(report)),
        stdin=id_lines(ids),
    )
    assert run.code == 0, run.stderr
    records = read_report(report, ids)
    assert_byte_exact(records, dest)
    paths = [Path(str(r["path"])) for r in records]
    assert all(p.parent == dest for p in paths)  # flat: straight in the folder
    assert len(set(paths)) == len(paths)  # same names told apart, none overwritten
    assert [p.name for p in paths[:2]] == ["same name.txt", "same name (1).txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["flat", "report.json"]


# -- existing files --------------------------------------------------------------------------

MINE = b"my own notes, not the cloud file\n"


@pytest.mark.parametrize("on_exists", ["skip", "rename", "overwrite"])
def test_an_existing_different_file_is_destroyed_only_with_overwrite(
    demo_server: DemoServer, tmp_path: Path, on_exists: str
) -> None:
    fileid = samples.PROD.fileid("docs/README.txt")
    fid = parse_fileid(fileid)
    dest, report = tmp_path / "dest", tmp_path / "report.json"
    existing = dest / fid.env / fid.key
    existing.parent.mkdir(parents=True)
    existing.write_bytes(MINE)
    argv = ["--report", str(report)]
    if on_exists != "skip":  # skip is the default
        argv += ["--on-exists", on_exists]
    run = run_cli(download_args(demo_server, dest, *argv), stdin=id_lines([fileid]))

    assert run.code == 0, run.stderr
    [record] = read_report(report, [fileid])
    assert_byte_exact([record], dest)
    if on_exists == "overwrite":
        assert Path(str(record["path"])) == existing
    else:
        assert existing.read_bytes() == MINE
        assert Path(str(record["path"])) == existing.with_name("README (1).txt")
    assert len([p for p in files_under(dest) if p.name != MANIFEST]) == (
        1 if on_exists == "overwrite" else 2
    )


# -- rate limit ------------------------------------------------------------------------------


@pytest.mark.parametrize("rate", ["fast", "0", "-2M", "2X"])
def test_a_bad_limit_rate_exits_2_before_any_request(
    demo_server: DemoServer, tmp_path: Path, rate: str
) -> None:
    ids = [samples.PROD.fileid("gen/rate.txt")]
    run = run_cli(
        download_args(demo_server, tmp_path / "dest", f"--limit-rate={rate}"), stdin=id_lines(ids)
    )
    assert run.code == 2
    assert "rate" in run.stderr.lower()
    assert not demo_server.state.stats.requests
    assert not (tmp_path / "dest").exists()


def test_limit_rate_slows_the_transfer(demo_server: DemoServer, tmp_path: Path) -> None:
    fileid = samples.PROD.fileid(RATE_LIMITED_KEY)
    report = tmp_path / "report.json"
    run = run_cli(
        download_args(
            demo_server, tmp_path / "dest", "--limit-rate", "2M", "--report", str(report)
        ),
        stdin=id_lines([fileid]),
    )
    assert run.code == 0, run.stderr
    assert_byte_exact(read_report(report, [fileid]), tmp_path / "dest")
    assert run.seconds >= MIN_RATE_LIMITED_S


# -- faults and failures ---------------------------------------------------------------------


def test_bodies_cut_midway_still_arrive_byte_exact_in_a_real_process(tmp_path: Path) -> None:
    ids = [samples.PROD.fileid(f"gen/size-200K/cut/{n:02d}.bin") for n in range(16)]
    ids += [samples.TEST.fileid(f"gen/size-64K/cut/{n:02d}.bin") for n in range(8)]
    dest, report = tmp_path / "dest", tmp_path / "report.json"
    with serve(download_cut_rate=0.5) as server:
        run = run_subprocess(
            download_args(server, dest, "--report", str(report), "--concurrency", "8"),
            home=tmp_path / "home",
            stdin=id_lines(ids),
        )
        cuts = server.state.stats.faults["cut"]
        ranged = [d for d in server.state.stats.downloads if d.range and d.status == 206]
    assert run.code == 0, run.stderr
    records = read_report(report, ids)
    assert all(r["ok"] for r in records)
    assert_byte_exact(records, dest)
    no_leftovers(dest)
    assert cuts >= 4  # about half of 24 files were cut
    assert len(ranged) >= cuts  # and each resumed with a Range request


def test_expired_token_exits_3_without_printing_it(demo_server: DemoServer, tmp_path: Path) -> None:
    ids = [samples.PROD.fileid("gen/expired.txt")]
    report = tmp_path / "report.json"
    run = run_cli(
        download_args(demo_server, tmp_path / "dest", "--report", str(report)),
        stdin=id_lines(ids),
        token=EXPIRED_TOKEN,
    )
    assert run.code == 3
    assert "expired" in run.stderr
    assert EXPIRED_TOKEN not in run.printed
    assert EXPIRED_TOKEN not in report.read_text("utf-8")
    assert not files_under(tmp_path / "dest")
    assert not gets(demo_server)


@pytest.mark.parametrize("where", ["link request", "file transfer"])
def test_service_failure_after_retries_exits_4(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """DESIGN §4: exit 4 for a service or network failure after retries, as ``resolve``."""
    fast_backoff(monkeypatch)
    ids = [samples.PROD.fileid("gen/down/a.txt"), samples.PROD.fileid("gen/down/b.txt")]
    report = tmp_path / "report.json"
    config = {"fault_rate": 1.0, "fault_kinds": ("html502",)} if where == "link request" else {}
    with serve(**config) as server:
        if where == "file transfer":
            server.state.script_faults("download", ["500"] * 20)
        run = run_cli(
            download_args(server, tmp_path / "dest", "--report", str(report)),
            stdin=id_lines(ids),
        )
    records = read_report(report, ids)
    assert not any(r["ok"] for r in records)
    assert all("gave up after" in str(r["errmsg"]) for r in records)
    assert run.code == 4, run.stderr


def test_dest_that_is_a_file_exits_2(demo_server: DemoServer, tmp_path: Path) -> None:
    dest = tmp_path / "not-a-folder"
    dest.write_bytes(MINE)
    run = run_cli(
        download_args(demo_server, dest), stdin=id_lines([samples.PROD.fileid("gen/x.txt")])
    )
    assert run.code == 2
    assert "not a folder" in run.stderr
    assert dest.read_bytes() == MINE
    assert not demo_server.state.stats.requests


def test_the_exit_hook_is_registered_once_per_process(
    demo_server: DemoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hook that spares the tear-down (``cli._at_exit``: ``gc.freeze``, and
    ``os._exit`` when the process is the command) is registered at exit once, however
    many runs a process makes; main() called in a process of its own leaves it at the
    freeze (tests/e2e/test_cli_exit.py has the process)."""
    import atexit

    from tcb_gui import cli

    hooks: list[object] = []
    monkeypatch.setattr(atexit, "register", hooks.append)
    monkeypatch.setattr(cli, "_exit_registered", False)
    ids = [i for i in sample_ids() if expected_ok(i)][:1]
    for n in range(2):
        run = run_cli(download_args(demo_server, tmp_path / str(n)), stdin=id_lines(ids))
        assert run.code == 0, run.stderr
    assert hooks == [cli._at_exit]
    assert cli._leave_with is None


# -- the quota preview (as resolve's: tests/e2e/test_cli_resolve.py) ------------------------

BATCH_API = "componenttcb/batchdownloadfile"
PER_REQUEST = 50  # WECHAT_API §1: at most 50 IDs a link request


def big_list(count: int) -> list[str]:
    return [samples.PROD.fileid(f"gen/big/{n:05d}.txt") for n in range(count)]


@pytest.mark.parametrize("folder", ["missing", "empty"])
def test_a_download_over_todays_quota_is_refused_with_exit_4_writing_nothing(
    tmp_path: Path, folder: str
) -> None:
    ids = big_list(PREVIEW_THRESHOLD_CALLS * PER_REQUEST + 1)  # 201 link calls
    dest, report = tmp_path / "files", tmp_path / "report.json"
    if folder == "empty":
        dest.mkdir()
    with serve(daily_limit=1_000, used_at_start=850) as server:
        run = run_cli(download_args(server, dest, "--report", str(report)), stdin=id_lines(ids))
        stats = server.state.stats
    assert run.code == 4, run.stderr
    assert "This run needs 201 calls; 150 remain today.\n" in run.stderr
    assert "tcb-gui: Not started. It would stop with today's quota used up after about 7,500 " in (
        run.stderr
    )
    assert run.stderr.rstrip().endswith("Pass --ignore-quota to start anyway.")
    assert stats.requests["quota/get"] == 1
    assert stats.requests[BATCH_API] == 0  # not one link asked for
    assert not stats.downloads
    # Nothing in the folder: no lock, no manifest, no .tcb-gui; no report either.
    assert (list(dest.iterdir()) == []) if folder == "empty" else not dest.exists()
    assert not report.exists()


def test_ignore_quota_starts_the_download_anyway(tmp_path: Path) -> None:
    ids = big_list(PREVIEW_THRESHOLD_CALLS * PER_REQUEST + 1)
    dest = tmp_path / "files"
    with serve(daily_limit=1_000, used_at_start=998) as server:  # 2 calls remain
        run = run_cli(download_args(server, dest, "--ignore-quota"), stdin=id_lines(ids))
        stats = server.state.stats
    assert "This run needs 201 calls; 2 remain today.\n" in run.stderr
    assert "Starting anyway (--ignore-quota). It would stop" in run.stderr
    assert run.code == 4  # stopped by 45009 once the quota ran out
    assert "Stopped: " in run.stderr
    assert stats.requests[BATCH_API] >= 2
    saved = [p for p in files_under(dest) if p.name != MANIFEST]
    assert len(saved) == 2 * PER_REQUEST  # what the two calls left today gave links for


def test_files_complete_from_an_earlier_run_are_not_counted(tmp_path: Path) -> None:
    """201 calls for the whole list, but the first 50 files are in the folder already:
    200 calls, no preview; quota/get is not asked."""
    ids = big_list(PREVIEW_THRESHOLD_CALLS * PER_REQUEST + 1)
    dest = tmp_path / "files"
    with serve() as server:
        first = run_cli(download_args(server, dest), stdin=id_lines(ids[:PER_REQUEST]))
        assert first.code == 0, first.stderr
    with serve(daily_limit=1_000, used_at_start=1_000) as server:  # nothing remains
        run = run_cli(download_args(server, dest), stdin=id_lines(ids))
        stats = server.state.stats
    assert stats.requests.get("quota/get", 0) == 0
    assert "remain today" not in run.stderr
    assert stats.requests[BATCH_API] >= 1  # it started (and met the used-up quota)
    assert run.code == 4


def test_a_small_download_asks_no_quota(demo_server: DemoServer, tmp_path: Path) -> None:
    ids = [samples.PROD.fileid(k) for k in GEN_KEYS]
    run = run_cli(download_args(demo_server, tmp_path / "files"), stdin=id_lines(ids))
    assert run.code == 0, run.stderr
    assert demo_server.state.stats.requests.get("quota/get", 0) == 0
    assert "remain today" not in run.stderr


def test_ignore_quota_means_the_same_for_resolve_and_download() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    helps = {
        name: next(a.help for a in sub.choices[name]._actions if a.dest == "ignore_quota")
        for name in ("resolve", "download")
    }
    assert helps["resolve"] == helps["download"]
    assert "today's quota" in helps["download"]
