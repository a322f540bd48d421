"""``tcb-gui resolve`` end to end (DESIGN §4): the real command against the demo service
over loopback, in this process through ``cli.main`` and, for key cases, as a subprocess."""

from __future__ import annotations

import io
import json
import math
import os
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tcb_gui import __version__
from tcb_gui.cli import build_parser, main
from tcb_gui.core.client import BATCH_MAX_TRIES, DEFAULT_CONCURRENCY, RetryPolicy
from tcb_gui.core.quota import PREVIEW_THRESHOLD_CALLS
from tcb_gui.demo import samples
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import (
    API_FAULT_KINDS,
    DEMO_TCB_TOKEN,
    DEMO_TOKEN,
    EXPIRED_TOKEN,
    STATUS_INVALID_ENV,
    STATUS_NO_PERMISSION,
    STATUS_NONEXIST,
    DemoStats,
)
from tests.e2e.cli_helpers import (
    assert_link_for,
    contains_anywhere,
    expected_ok,
    id_lines,
    mixed_ids,
    run_cli,
    run_subprocess,
    sample_ids,
    serve,
    table_rows,
)

JSON_FIELDS = ["fileid", "env", "ok", "status", "errmsg", "download_url", "expires_at"]
# The contract's batch limit (WECHAT_API §1: at most 50 IDs a request).
PER_REQUEST = 50
# The client's backoff: 0.5 s × 2ⁿ with jitter in [0.5, 1] → after tries 1, 2, 3 at least
# 0.25 + 0.5 + 1.0 seconds pass before the 4th.
MIN_BACKOFF_OF_FOUR_TRIES_S = 1.75
# The demo's fault kinds that fail a request (``slow`` only delays a correct answer).
FAILING_FAULTS = frozenset({"html502", "errcode-1", "drop", "truncated"})
BATCH_API = "componenttcb/batchdownloadfile"
# Found by replaying DemoState's seeded fault draws (random.Random(seed): random() < rate,
# then choice(kinds)): at 20 % the draws go none, truncated, html502, errcode-1, drop,
# none. With one request in flight, batch 1 succeeds, batch 2 fails three times in a row.
GIVE_UP_SEED = 4035


def resolve_args(server: DemoServer, *extra: str) -> list[str]:
    return ["resolve", "--base-url", server.base_url, *extra]


def reset_stats(server: DemoServer) -> DemoStats:
    server.state.stats = DemoStats()
    return server.state.stats


def parse_json_output(text: str, ids: list[str]) -> list[dict[str, object]]:
    """The JSON list, checked for exactly the contract's fields and input order."""
    records = json.loads(text)
    assert isinstance(records, list)
    assert [r["fileid"] for r in records] == ids
    for record in records:
        assert list(record) == JSON_FIELDS
    return records


def assert_all_resolved(records: list[dict[str, object]]) -> None:
    for record in records:
        assert record["ok"] is True, record
        assert record["status"] == 0
        assert isinstance(record["download_url"], str)
        assert_link_for(str(record["fileid"]), record["download_url"])


def assert_minimal_batches(stats: DemoStats, per_env: dict[str, int]) -> None:
    """One request per 50 IDs per env, every request as full as possible."""
    expected: list[int] = []
    for count in per_env.values():
        expected += [PER_REQUEST] * (count // PER_REQUEST)
        if count % PER_REQUEST:
            expected.append(count % PER_REQUEST)
    assert sorted(stats.batch_sizes) == sorted(expected)
    assert stats.requests[BATCH_API] == sum(math.ceil(n / PER_REQUEST) for n in per_env.values())


def env_counts(ids: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for fid in ids:
        env = fid.removeprefix("cloud://").partition(".")[0]
        counts[env] = counts.get(env, 0) + 1
    return counts


def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the retry logic, shrink the waits (for tests about outcomes, not timing)."""
    monkeypatch.setattr(RetryPolicy, "delay", lambda self, attempt: 0.01)


# -- the sample list ------------------------------------------------------------------------


def test_sample_list_as_json_in_input_order_with_per_file_failures(demo_server: DemoServer) -> None:
    ids = sample_ids()
    before = datetime.now(UTC).replace(microsecond=0)
    run = run_cli(
        resolve_args(demo_server, "-", "--format", "json", "--max-age", "600"),
        stdin=id_lines(ids),
    )
    after = datetime.now(UTC)

    assert run.code == 1, run.stderr  # some files failed, nothing else went wrong
    records = parse_json_output(run.stdout, ids)
    statuses: dict[str, object] = {}
    for record in records:
        fileid = str(record["fileid"])
        assert record["env"] == fileid.removeprefix("cloud://").partition(".")[0]
        assert record["ok"] is expected_ok(fileid), record
        if record["ok"]:
            assert record["errmsg"] == "ok"
            assert_link_for(fileid, str(record["download_url"]))
            expires = datetime.strptime(str(record["expires_at"]), "%Y-%m-%dT%H:%M:%SZ")
            expires = expires.replace(tzinfo=UTC)
            assert before + timedelta(seconds=600) <= expires <= after + timedelta(seconds=600)
        else:
            assert record["download_url"] is None
            assert record["expires_at"] is None
            assert record["errmsg"]
            statuses[fileid] = record["status"]
    prod = samples.PROD
    assert statuses[prod.fileid("deleted/old-1.jpg")] == STATUS_NONEXIST
    assert statuses[prod.fileid("private/salary 2024.xlsx")] == STATUS_NO_PERMISSION
    assert statuses[f"cloud://{prod.env}.{samples.TEST.bucket}/uploads/user_001/avatar.png"] == (
        STATUS_INVALID_ENV
    )
    # A whole-request failure (unknown env) has no per-file status.
    assert statuses[samples.UNKNOWN_ENV.fileid("archive/old.txt")] is None
    assert "failed: File does not exist" in run.stderr


# -- 6,000 IDs in two environments -----------------------------------------------------------

SIX_THOUSAND = mixed_ids(3_510, 2_490)  # 71 + 50 requests, the last of each env partial


def test_six_thousand_ids_in_every_format_with_minimal_requests(tmp_path: Path) -> None:
    ids = SIX_THOUSAND
    per_env = env_counts(ids)
    assert len(set(ids)) == 6_000
    assert len(per_env) == 2
    with serve(latency_ms=50) as server:
        # JSON from a real process, written to a file.
        stats = reset_stats(server)
        out = tmp_path / "links.json"
        run = run_subprocess(
            [*resolve_args(server, "--concurrency", "8", "--format", "json"), "--output", str(out)],
            home=tmp_path / "home",
            stdin=id_lines(ids),
        )
        assert run.code == 0, run.stderr
        assert run.stdout == ""
        assert_all_resolved(parse_json_output(out.read_text("utf-8"), ids))
        assert_minimal_batches(stats, per_env)
        assert 4 <= stats.max_in_flight <= 8

        for fmt in ("csv", "tsv", "urls"):
            stats = reset_stats(server)
            run = run_cli(
                resolve_args(server, "--concurrency", "8", "--format", fmt), stdin=id_lines(ids)
            )
            assert run.code == 0, run.stderr
            assert_minimal_batches(stats, per_env)
            assert 4 <= stats.max_in_flight <= 8
            if fmt == "urls":
                links = run.stdout.splitlines()
                assert len(links) == len(ids)
                for fileid, link in zip(ids, links, strict=True):
                    assert_link_for(fileid, link)
                continue
            rows = table_rows(run.stdout, fmt)
            assert [r["fileid"] for r in rows] == ids
            for row in rows:
                assert (row["ok"], row["status"], row["errmsg"]) == ("true", "0", "ok")
                assert row["env"] == row["fileid"].removeprefix("cloud://").partition(".")[0]
                assert_link_for(row["fileid"], row["download_url"])
                assert row["expires_at"].endswith("Z")


def test_six_thousand_ids_with_a_fifth_of_calls_failing_lose_nothing() -> None:
    ids = SIX_THOUSAND
    # slow_seconds: the "slow" fault still holds answers, for less time than the default.
    with serve(latency_ms=50, fault_rate=0.2, seed=0, slow_seconds=1.0) as server:
        run = run_cli(
            resolve_args(server, "--concurrency", "8", "--format", "json"), stdin=id_lines(ids)
        )
        stats = server.state.stats
    records = parse_json_output(run.stdout, ids)  # every ID exactly once, in input order
    assert set(stats.faults) == set(API_FAULT_KINDS)  # every kind of fault was served
    failing = sum(stats.faults[kind] for kind in FAILING_FAULTS)
    failed = [r for r in records if not r["ok"]]
    for record in records:
        if record["ok"]:
            assert_link_for(str(record["fileid"]), str(record["download_url"]))
    if not failed:
        assert run.code == 0, run.stderr
        # Each failed call was retried exactly once more; nothing else was re-sent.
        assert stats.requests[BATCH_API] == 121 + failing
    else:  # a batch unlucky four times in a row: a network failure after retries
        assert run.code == 4, run.stderr
        for record in failed:
            assert "gave up after 4 tries" in str(record["errmsg"])
            assert record["status"] is None


def test_a_batch_failing_in_a_row_is_retried_with_real_backoff() -> None:
    """Four failures in a row of one batch (the only one in flight): each counts, the
    waits between them grow, and the fifth try gets the links."""
    prod = [samples.PROD.fileid(f"gen/give-up/{n:03d}.txt") for n in range(100)]
    test = [samples.TEST.fileid(f"gen/give-up/{n:03d}.txt") for n in range(50)]
    ids = prod + test
    with serve(fault_rate=0.2, seed=GIVE_UP_SEED) as server:
        run = run_cli(
            resolve_args(server, "--concurrency", "1", "--format", "json"), stdin=id_lines(ids)
        )
        stats = server.state.stats
    assert run.code == 0, run.stderr
    assert_all_resolved(parse_json_output(run.stdout, ids))
    assert set(stats.faults) == FAILING_FAULTS  # batch 2's four, in a row
    assert stats.requests[BATCH_API] == 3 + sum(stats.faults.values())
    assert run.seconds >= MIN_BACKOFF_OF_FOUR_TRIES_S  # real backoff between the tries


def test_a_batch_failing_every_try_gives_up_alone_with_exit_4(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first batch fails BATCH_MAX_TRIES times with nothing else in flight: it is
    given up alone, the others resolve, and the run ends with exit 4."""
    fast_backoff(monkeypatch)
    ids = [samples.PROD.fileid(f"gen/give-up/{n:03d}.txt") for n in range(150)]
    with serve() as server:
        server.state.script_faults(
            "batchdownloadfile", ["truncated", "html502"] * (BATCH_MAX_TRIES // 2)
        )
        run = run_cli(
            resolve_args(server, "--concurrency", "1", "--format", "json"), stdin=id_lines(ids)
        )
        stats = server.state.stats
    assert run.code == 4, run.stderr
    records = parse_json_output(run.stdout, ids)
    gave_up = [r for r in records if not r["ok"]]
    assert [r["fileid"] for r in gave_up] == ids[:50]  # exactly the first batch
    for record in gave_up:
        assert f"gave up after {BATCH_MAX_TRIES} tries" in str(record["errmsg"])
    assert_all_resolved([r for r in records if r["ok"]])
    assert stats.requests[BATCH_API] == BATCH_MAX_TRIES + 2
    assert "50 failed" in run.stderr


# -- exit codes ------------------------------------------------------------------------------


def test_service_down_exits_4_after_the_batch_tries(monkeypatch: pytest.MonkeyPatch) -> None:
    fast_backoff(monkeypatch)
    ids = [samples.PROD.fileid("gen/down.txt")]
    with serve(fault_rate=1.0, fault_kinds=("html502",)) as server:
        run = run_cli(resolve_args(server), stdin=id_lines(ids))
        stats = server.state.stats
    assert run.code == 4
    assert stats.requests[BATCH_API] == BATCH_MAX_TRIES
    rows = table_rows(run.stdout, "tsv")
    assert [(r["fileid"], r["ok"], r["download_url"]) for r in rows] == [(ids[0], "false", "")]
    assert "HTTP 502" in rows[0]["errmsg"]
    assert "failed" in run.stderr


def test_daily_quota_reached_exits_4_keeping_what_was_resolved() -> None:
    ids = [samples.PROD.fileid(f"gen/quota/{n}.txt") for n in range(120)]
    with serve(daily_limit=1) as server:
        run = run_cli(
            resolve_args(server, "--concurrency", "1", "--format", "json"), stdin=id_lines(ids)
        )
        stats = server.state.stats
    assert run.code == 4
    assert "quota" in run.stderr.lower()
    records = parse_json_output(run.stdout, ids)
    assert_all_resolved(records[:50])  # the batch before the quota ran out is kept
    assert not any(r["ok"] for r in records[50:])
    assert stats.requests[BATCH_API] == 2  # stopped at once: nothing retried


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("empty stdin", "No cloud file IDs found"),
        ("no IDs in file", "No cloud file IDs found"),
        ("binary file", "binary"),
        ("binary stdin", "binary"),
        ("missing file", "Cannot read"),
        ("max-age 0", "--max-age"),
        ("concurrency 99", "--concurrency"),
        ("format xml", "--format"),
        ("plain http", "Refusing plain http"),
        ("unknown env", "None of the IDs belong"),
    ],
)
def test_usage_and_input_errors_exit_2(
    demo_server: DemoServer, tmp_path: Path, case: str, message: str
) -> None:
    good = id_lines(sample_ids()[:3])
    binary = tmp_path / "photo.jpg"
    binary.write_bytes(random.Random(5).randbytes(300_000))
    no_ids = tmp_path / "notes.txt"
    no_ids.write_text("nothing to see\nhere either\n", "utf-8")
    argv, stdin = {
        "empty stdin": (resolve_args(demo_server), b""),
        "no IDs in file": (resolve_args(demo_server, str(no_ids)), b""),
        "binary file": (resolve_args(demo_server, str(binary)), b""),
        "binary stdin": (resolve_args(demo_server, "-"), binary.read_bytes()),
        "missing file": (resolve_args(demo_server, str(tmp_path / "absent.txt")), b""),
        "max-age 0": (resolve_args(demo_server, "--max-age", "0"), good),
        "concurrency 99": (resolve_args(demo_server, "--concurrency", "99"), good),
        "format xml": (resolve_args(demo_server, "--format", "xml"), good),
        "plain http": (["resolve", "--base-url", "http://example.com"], good),
        "unknown env": (resolve_args(demo_server, "--env", "nope-0000"), good),
    }[case]
    run = run_cli(argv, stdin=stdin)
    assert run.code == 2
    assert message in run.stderr
    assert run.stdout == ""
    assert not demo_server.state.stats.requests  # refused before anything was sent


def test_plain_http_base_url_refused_by_a_real_process(tmp_path: Path) -> None:
    run = run_subprocess(
        ["resolve", "--base-url", "http://10.1.2.3:8080"],
        home=tmp_path,
        stdin=id_lines(sample_ids()[:1]),
    )
    assert run.code == 2
    assert "Refusing plain http" in run.stderr
    assert DEMO_TOKEN not in run.printed


@pytest.mark.parametrize(
    ("token", "api", "message"),
    [
        (None, "component", "No access token"),
        ("not-a-valid-token-7Hq2", "component", "not valid"),
        (EXPIRED_TOKEN, "component", "expired"),
        (DEMO_TCB_TOKEN, "component", "may not call this API"),
        (DEMO_TOKEN, "tcb", "may not call this API"),
    ],
)
def test_token_problems_exit_3_and_never_print_the_token(
    demo_server: DemoServer, token: str | None, api: str, message: str
) -> None:
    ids = sample_ids()[:60]
    run = run_cli(resolve_args(demo_server, "--api", api), stdin=id_lines(ids), token=token)
    assert run.code == 3
    assert message in run.stderr
    if token is not None:
        assert token not in run.printed
        # The run stopped at the first answer: no ID was resolved, none is missing.
        rows = table_rows(run.stdout, "tsv")
        assert [r["fileid"] for r in rows] == ids
        assert all(r["ok"] == "false" and "Not resolved" in r["errmsg"] for r in rows)
    else:
        assert not demo_server.state.stats.requests


def test_tcb_token_works_in_tcb_mode(demo_server: DemoServer) -> None:
    ids = mixed_ids(30, 30)
    run = run_cli(
        resolve_args(demo_server, "--api", "tcb", "--format", "json"),
        stdin=id_lines(ids),
        token=DEMO_TCB_TOKEN,
    )
    assert run.code == 0, run.stderr
    assert_all_resolved(parse_json_output(run.stdout, ids))
    assert demo_server.state.stats.requests == {"tcb/batchdownloadfile": 2}


# -- the token stays secret ------------------------------------------------------------------

# Distinctive, with characters that change when percent-encoded into the query string.
SECRET = "tcb+Secr/et=Zq8Xw7Vu6Ts5Rr4"
SECRET_FORMS = (SECRET, "tcb%2BSecr%2Fet%3DZq8Xw7Vu6Ts5Rr4", "Zq8Xw7Vu6Ts5Rr4")


def assert_secret_absent(text: str) -> None:
    for form in SECRET_FORMS:
        assert form not in text


def test_token_absent_from_output_file_and_verbose_logs(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    demo_server.state.add_token(SECRET, "component")
    out = tmp_path / "links.json"
    ids = sample_ids()[:20]
    run = run_cli(
        resolve_args(demo_server, "--verbose", "--format", "json", "--output", str(out)),
        stdin=id_lines(ids),
        token=SECRET,
    )
    assert run.code == 0, run.stderr
    assert run.stdout == ""
    # Verbose logs do show the requests (so the check below has something to look at).
    assert "access_token=***" in run.stderr
    assert_secret_absent(run.stderr)
    assert_secret_absent(out.read_text("utf-8"))
    parse_json_output(out.read_text("utf-8"), ids)


def test_invalid_token_not_printed_by_a_real_process(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    out = tmp_path / "links.csv"
    run = run_subprocess(
        [*resolve_args(demo_server, "--verbose", "--format", "csv"), "-o", str(out)],
        home=tmp_path / "home",
        token=SECRET,  # unknown to the service: 40001
        stdin=id_lines(sample_ids()[:5]),
    )
    assert run.code == 3
    assert "not valid" in run.stderr
    assert "access_token=***" in run.stderr
    assert_secret_absent(run.printed)
    assert_secret_absent(out.read_text("utf-8"))
    assert not contains_anywhere(tmp_path, "Zq8Xw7Vu6Ts5Rr4")


# -- inputs ----------------------------------------------------------------------------------


def test_env_filter_keeps_only_that_environment(demo_server: DemoServer) -> None:
    ids = mixed_ids(70, 60, seed=3)
    wanted = [f for f in ids if f.startswith(f"cloud://{samples.TEST.env}.")]
    run = run_cli(
        resolve_args(demo_server, "--env", samples.TEST.env, "--format", "json"),
        stdin=id_lines(ids),
    )
    assert run.code == 0, run.stderr
    assert_all_resolved(parse_json_output(run.stdout, wanted))
    assert "Keeping 60 IDs of env" in run.stderr
    assert "70 skipped" in run.stderr
    assert sorted(demo_server.state.stats.batch_sizes) == [10, 50]


def test_dash_and_no_arguments_both_read_stdin(demo_server: DemoServer) -> None:
    ids = mixed_ids(5, 5, seed=11)
    dash = run_cli(resolve_args(demo_server, "-", "--format", "urls"), stdin=id_lines(ids))
    bare = run_cli(resolve_args(demo_server, "--format", "urls"), stdin=id_lines(ids))
    assert dash.code == bare.code == 0
    for run in (dash, bare):
        links = run.stdout.splitlines()
        assert len(links) == len(ids)
        for fileid, link in zip(ids, links, strict=True):
            assert_link_for(fileid, link)


def test_several_inputs_merged_in_order_with_duplicates_counted(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    a = [samples.PROD.fileid(f"gen/merge/{n}.txt") for n in range(6)]
    b = [samples.TEST.fileid(f"gen/merge/{n}.txt") for n in range(4)]
    first = tmp_path / "first.txt"
    first.write_text("\n".join([a[0], a[1], a[0], "a line without an ID", a[2]]) + "\n", "utf-8")
    second = tmp_path / "second.csv"
    second.write_text(
        "name,fileid\n" + "".join(f"x,{fid}\n" for fid in [b[0], a[1], b[1], a[3]]), "utf-8"
    )
    stdin = id_lines([a[2], b[2], a[4], b[0]])
    run = run_cli(
        resolve_args(demo_server, str(first), "-", str(second), "--format", "json"), stdin=stdin
    )
    assert run.code == 0, run.stderr
    order = [a[0], a[1], a[2], b[2], a[4], b[0], b[1], a[3]]
    assert_all_resolved(parse_json_output(run.stdout, order))
    # Repeats: a0 in first; a2 from stdin; b0 and a1 in second. No-ID lines: the CSV
    # header and the note in first.
    assert "Read 8 IDs (4 duplicates, 2 lines without an ID)" in run.stderr


@pytest.mark.parametrize("encoding", ["gb18030", "utf-16", "utf-8-sig"])
def test_input_files_in_operators_encodings(
    demo_server: DemoServer, tmp_path: Path, encoding: str
) -> None:
    ids = [
        samples.PROD.fileid("图片/春节 海报.png"),
        samples.PROD.fileid("docs/年度报告 2023.pdf"),
        samples.TEST.fileid("fixtures/空格 和 中文/数据 1.json"),
        samples.PROD.fileid("深/层/目/录/第 7 层/说明.txt"),
    ]
    path = tmp_path / f"ids-{encoding}.txt"
    # "utf-16" writes a BOM, as Notepad and Excel do.
    path.write_bytes(("文件列表\r\n" + "\r\n".join(ids) + "\r\n").encode(encoding))
    run = run_cli(resolve_args(demo_server, str(path), "--format", "json"))
    assert run.code == 0, run.stderr
    assert_all_resolved(parse_json_output(run.stdout, ids))
    assert "Read 4 IDs (1 line without an ID)" in run.stderr


def test_output_file_replaced_atomically_and_nothing_on_stdout(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    out = tmp_path / "links.tsv"
    out.write_text("the previous export\n", "utf-8")
    keep = tmp_path / "hardlink-to-previous"
    os.link(out, keep)
    ids = mixed_ids(3, 3, seed=2)
    run = run_cli(resolve_args(demo_server, "--output", str(out)), stdin=id_lines(ids))
    assert run.code == 0, run.stderr
    assert run.stdout == ""
    rows = table_rows(out.read_text("utf-8"), "tsv")
    assert [r["fileid"] for r in rows] == ids
    # Renamed into place, not rewritten in place: the old inode still holds the old text.
    assert keep.read_text("utf-8") == "the previous export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hardlink-to-previous", "links.tsv"]


def test_progress_on_stderr_when_not_a_terminal(demo_server: DemoServer, tmp_path: Path) -> None:
    ids = mixed_ids(60, 40, seed=4)
    run = run_subprocess(
        resolve_args(demo_server, "--format", "urls"), home=tmp_path, stdin=id_lines(ids)
    )
    assert run.code == 0, run.stderr
    lines = run.stderr.splitlines()
    assert "\r" not in run.stderr
    assert "\x1b" not in run.stderr
    assert lines[0] == "Read 100 IDs"
    assert any(line.startswith("Resolving: ") and "/100" in line for line in lines)
    assert lines[-1] == "Resolved 100 of 100 IDs (0 failed)"
    assert len(run.stdout.splitlines()) == 100


# -- the command itself ----------------------------------------------------------------------


def test_version_and_help_from_a_real_process(tmp_path: Path) -> None:
    version = run_subprocess(["--version"], home=tmp_path, token=None)
    assert (version.code, version.stdout) == (0, f"tcb-gui {__version__}\n")
    helped = run_subprocess(["resolve", "--help"], home=tmp_path, token=None)
    assert helped.code == 0
    for option in ("--format", "--output", "--env", "--max-age", "--concurrency", "--base-url"):
        assert option in helped.stdout


def test_main_writes_to_the_streams_it_is_given(capsys: pytest.CaptureFixture[str]) -> None:
    """In-process callers pass their own streams; nothing may go to the process's own."""
    out, err = io.StringIO(), io.StringIO()
    code = _main_exit(["--version"], out, err)
    assert (code, out.getvalue()) == (0, f"tcb-gui {__version__}\n")
    code = _main_exit(["resolve", "--format", "xml"], io.StringIO(), err)
    assert code == 2
    assert "usage: tcb-gui resolve" in err.getvalue()
    assert capsys.readouterr() == ("", "")


def _main_exit(argv: list[str], out: io.StringIO, err: io.StringIO) -> int:
    """``main``'s exit code, also when it leaks argparse's SystemExit."""
    try:
        return main(argv, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0)


def test_top_level_connection_options_reach_the_subcommand() -> None:
    """``tcb-gui --base-url URL resolve``: the URL must not be silently dropped (the token
    would then go to the default service instead)."""
    args = build_parser().parse_args(["--base-url", "https://proxy.example", "resolve"])
    assert args.base_url == "https://proxy.example"
    args = build_parser().parse_args(["--api", "tcb", "token", "check"])
    assert args.api == "tcb"


# -- the quota preview ----------------------------------------------------------------------


def big_list(count: int) -> list[str]:
    return [samples.PROD.fileid(f"gen/big/{n:05d}.txt") for n in range(count)]


def test_a_list_within_the_threshold_starts_without_asking() -> None:
    ids = big_list(PREVIEW_THRESHOLD_CALLS * PER_REQUEST)  # exactly 200 calls
    with serve() as server:
        run = run_cli(resolve_args(server, "--format", "urls"), stdin=id_lines(ids))
        stats = server.state.stats
    assert run.code == 0, run.stderr
    assert stats.requests["quota/get"] == 0
    assert "remain today" not in run.stderr


def test_a_big_list_says_how_many_calls_it_needs_and_how_many_remain() -> None:
    ids = big_list(PREVIEW_THRESHOLD_CALLS * PER_REQUEST + 1)  # 201 calls
    with serve(daily_limit=1_000) as server:
        run = run_cli(resolve_args(server, "--format", "urls"), stdin=id_lines(ids))
        stats = server.state.stats
    assert run.code == 0, run.stderr
    assert "This run needs 201 calls; 1,000 remain today.\n" in run.stderr
    assert stats.requests["quota/get"] == 1
    assert stats.requests[BATCH_API] == 201


def test_a_list_over_todays_quota_is_refused_with_exit_4() -> None:
    ids = big_list(10_050)
    with serve(daily_limit=1_000, used_at_start=850) as server:
        run = run_cli(resolve_args(server, "--format", "urls"), stdin=id_lines(ids))
        stats = server.state.stats
    assert run.code == 4
    assert "This run needs 201 calls; 150 remain today." in run.stderr
    assert "Not started. It would stop with today's quota used up after about 7,500 IDs" in (
        run.stderr
    )
    assert "--ignore-quota" in run.stderr
    assert run.stdout == ""
    assert stats.requests[BATCH_API] == 0  # not one call spent


def test_ignore_quota_starts_anyway_and_keeps_what_it_got() -> None:
    ids = big_list(10_050)
    with serve(daily_limit=1_000, used_at_start=850) as server:
        run = run_cli(
            resolve_args(server, "--format", "urls", "--ignore-quota", "--concurrency", "1"),
            stdin=id_lines(ids),
        )
        stats = server.state.stats
    assert run.code == 4  # stopped by 45009 once the quota ran out
    assert "Starting anyway (--ignore-quota)." in run.stderr
    assert len(run.stdout.splitlines()) == 150 * PER_REQUEST
    assert stats.requests[BATCH_API] == 151


def test_a_rejected_token_is_left_to_the_run_to_report() -> None:
    ids = big_list(10_050)
    with serve() as server:
        run = run_cli(resolve_args(server), stdin=id_lines(ids), token="not-a-token-at-all")
        stats = server.state.stats
    assert run.code == 3
    assert "today's quota is unknown" in run.stderr
    # The run stopped at its first answer: at most the calls already in flight were sent.
    assert 1 <= stats.requests[BATCH_API] <= DEFAULT_CONCURRENCY


# -- what reaches the terminal ------------------------------------------------------------


def test_escape_sequences_from_the_input_or_the_service_never_drive_the_terminal(
    demo_server: DemoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A list may hold a malformed ID with an escape sequence in it (it is printed as
    malformed), and the service's errmsg is printed as a failure's reason and in the TSV
    written to the terminal: their control characters are shown, never sent."""
    from tcb_gui.demo import service

    hostile = "\x1b]0;pwned\x07\x1b[2J"
    real_failed = service._failed
    monkeypatch.setattr(
        service, "_failed", lambda f, status, errmsg: real_failed(f, status, hostile + errmsg)
    )
    lines = [samples.PROD.fileid("no/such/file.png"), f"cloud://e.b/x{hostile}"]
    # Enough text around it that the list is not taken for binary data.
    lines += [samples.PROD.fileid(f"gen/{n:05d}.jpg") for n in range(48)]
    run = run_cli(resolve_args(demo_server), stdin=id_lines(lines))
    assert run.code == 1, run.stderr
    for text in (run.stdout, run.stderr):
        assert not any(ch in text for ch in "\x1b\x07"), repr(text)
    shown = "\\x1b]0;pwned\\x07\\x1b[2J"
    assert "not a valid cloud file ID (file path holds control characters): " in run.stderr
    assert f"cloud://e.b/x{shown}" in run.stderr
    assert f"{shown}STORAGE_FILE_NONEXIST" in run.stderr  # the reason of the failure
    assert f"{shown}STORAGE_FILE_NONEXIST" in run.stdout  # its TSV cell
