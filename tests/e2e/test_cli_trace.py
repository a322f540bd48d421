"""``--trace FILE`` end to end: one JSON line per HTTP attempt the demo service saw (retries
included, under 20 % faults), with every field, and never a token, an AppSecret or a link
signature; an unwritable path refused before any request."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tcb_gui.core.trace_file import read_trace
from tcb_gui.demo import samples
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DEMO_APPID, DEMO_APPSECRET, DEMO_TOKEN
from tests.e2e.cli_helpers import id_lines, mixed_ids, run_cli, run_subprocess, serve
from tests.memory_keyring import MemoryKeyring

BATCH = "/componenttcb/batchdownloadfile"
QUOTA = "/cgi-bin/openapi/quota/get"
FIELDS = {
    "time",
    "kind",
    "method",
    "endpoint",
    "url",
    "attempt",
    "outcome",
    "duration_ms",
    "env",
    "ids",
    "http_status",
    "errcode",
    "errmsg",
    "body",
    "bytes",
}
OUTCOMES = {"ok", "retry", "renew-token", "stop", "failed", "gave-up", "cancelled"}


def resolve(server: DemoServer, trace: Path, *extra: str, ids: list[str], **kw: Any) -> Any:
    argv = ["resolve", "--base-url", server.base_url, "--trace", str(trace), *extra]
    return run_cli(argv, stdin=id_lines(ids), **kw)


def assert_no_secret(path: Path, *secrets: str) -> None:
    text = path.read_text("utf-8")
    for secret in secrets:
        assert secret not in text
    for record in read_trace(path):
        assert "sign=" not in record["url"] or "sign=***" in record["url"]


def test_one_line_per_attempt_the_service_saw_under_a_fifth_of_faults(tmp_path: Path) -> None:
    ids = mixed_ids(1_500, 500)  # 40 calls, two environments
    trace = tmp_path / "trace.jsonl"
    with serve(fault_rate=0.2, seed=3, slow_seconds=0.2, latency_ms=5) as server:
        run = resolve(server, trace, "--concurrency", "4", "--format", "json", ids=ids)
        stats = server.state.stats
    assert run.code in (0, 4), run.stderr
    records = read_trace(trace)
    batch = [r for r in records if r["endpoint"] == BATCH]
    assert len(batch) == stats.requests["componenttcb/batchdownloadfile"]
    assert len(records) == sum(stats.requests.values())  # nothing else was called
    failing = sum(n for kind, n in stats.faults.items() if kind != "slow")
    assert failing > 0
    assert sum(r["outcome"] in ("retry", "gave-up") for r in batch) == failing
    assert Counter(r["ids"] for r in batch if r["outcome"] == "ok")[50] >= 38
    assert {r["env"] for r in batch} == {samples.PROD.env, samples.TEST.env}
    for record in records:
        assert set(record) == FIELDS, record
        assert record["kind"] == "api"
        assert record["method"] == "POST"
        assert record["outcome"] in OUTCOMES
        assert record["attempt"] >= 1
        assert record["duration_ms"] >= 0
        assert "access_token=***" in record["url"]
    # Every fault left its mark: an HTTP 502, an errcode -1, and answers with none.
    assert any(r["http_status"] == 502 for r in batch) == bool(stats.faults["html502"])
    assert any(r["errcode"] == -1 for r in batch) == bool(stats.faults["errcode-1"])
    dropped = [r for r in batch if r["http_status"] is None]
    assert len(dropped) == stats.faults["drop"]
    assert all(r["errmsg"] for r in dropped)
    # Attempt numbers count up per batch: every retry is a later attempt.
    assert max(r["attempt"] for r in batch) >= 2
    assert_no_secret(trace, DEMO_TOKEN)


def test_the_trace_is_written_as_the_run_goes(tmp_path: Path) -> None:
    """Lines are in the file before the run ends (line-buffered, flushed per line)."""
    trace = tmp_path / "trace.jsonl"
    seen: list[int] = []
    with serve(latency_ms=20) as server:
        original = server.state.next_fault

        def peek(endpoint: str) -> str | None:
            if trace.exists():
                seen.append(len(trace.read_text("utf-8").splitlines()))
            return original(endpoint)

        server.state.next_fault = peek  # type: ignore[method-assign]
        ids = [samples.PROD.fileid(f"gen/live/{n:04d}.txt") for n in range(500)]
        run = resolve(server, trace, "--concurrency", "1", ids=ids)
    assert run.code == 0, run.stderr
    assert seen[0] == 0
    assert seen[-1] == 9  # the 10th call saw the 9 before it already in the file


def test_a_big_list_traces_its_quota_preview(tmp_path: Path) -> None:
    ids = [samples.PROD.fileid(f"gen/big/{n:05d}.txt") for n in range(10_050)]
    trace = tmp_path / "trace.jsonl"
    with serve() as server:
        run = resolve(server, trace, "--concurrency", "8", "--format", "urls", ids=ids)
    assert run.code == 0, run.stderr
    records = read_trace(trace)
    assert records[0]["endpoint"] == QUOTA
    assert json.loads(records[0]["body"]) == {"cgi_path": BATCH}
    assert sum(r["endpoint"] == BATCH for r in records) == 201


def test_mini_program_mode_traces_the_token_requests_without_the_appsecret(
    tmp_path: Path, demo_server: DemoServer, memory_keyring: MemoryKeyring
) -> None:
    saved = run_cli(
        ["token", "set", "--appsecret", "--appid", DEMO_APPID, "--base-url", demo_server.base_url],
        stdin=DEMO_APPSECRET.encode(),
        token=None,
    )
    assert saved.code == 0, saved.stderr
    demo_server.state.script_faults("stable_token", ["html502"])
    trace = tmp_path / "trace.jsonl"
    ids = [samples.PROD.fileid("docs/README.txt")]
    run = resolve(demo_server, trace, ids=ids, token=None)
    assert run.code == 0, run.stderr
    records = read_trace(trace)
    token_lines = [r for r in records if r["kind"] == "token"]
    assert [(r["attempt"], r["outcome"], r["http_status"]) for r in token_lines] == [
        (1, "retry", 502),
        (2, "ok", 200),
    ]
    assert token_lines[0]["endpoint"] == "/cgi-bin/stable_token"
    assert json.loads(token_lines[0]["body"])["secret"] == "***"
    assert [r["endpoint"] for r in records if r["kind"] == "api"] == ["/tcb/batchdownloadfile"]
    assert_no_secret(trace, DEMO_APPSECRET, demo_server.state.stable_token or "?")


@pytest.mark.parametrize("where", ["missing/trace.jsonl", "."])
def test_an_unwritable_trace_is_refused_before_any_request(
    tmp_path: Path, demo_server: DemoServer, where: str
) -> None:
    target = tmp_path / where
    ids = [samples.PROD.fileid("docs/README.txt")]
    for command in ("resolve", "download"):
        extra = ["--dest", str(tmp_path / "files")] if command == "download" else []
        argv = [command, "--base-url", demo_server.base_url, "--trace", str(target), *extra]
        run = run_cli(argv, stdin=id_lines(ids))
        assert run.code == 2, run.stderr
        assert "cannot write the trace to" in run.stderr
    assert sum(demo_server.state.stats.requests.values()) == 0


def test_a_token_refused_mid_run_is_traced_as_a_stop(tmp_path: Path) -> None:
    trace = tmp_path / "trace.jsonl"
    with serve() as server:
        server.state.expire_token(DEMO_TOKEN)
        run = resolve(server, trace, ids=[samples.PROD.fileid("docs/README.txt")])
    assert run.code == 3
    (record,) = read_trace(trace)
    assert (record["errcode"], record["outcome"]) == (42001, "stop")
    assert "access_token expired" in record["errmsg"]


def test_trace_from_a_real_process(tmp_path: Path) -> None:
    trace = tmp_path / "trace.jsonl"
    with serve() as server:
        run = run_subprocess(
            ["resolve", "--base-url", server.base_url, "--trace", str(trace)],
            home=tmp_path,
            stdin=id_lines([samples.PROD.fileid("docs/README.txt")]),
        )
    assert run.code == 0, run.stderr
    assert [r["outcome"] for r in read_trace(trace)] == ["ok"]
    assert DEMO_TOKEN not in trace.read_text("utf-8")


def test_download_traces_link_requests_and_every_file_request(tmp_path: Path) -> None:
    """Each link request and each file request (retries, ranges after a cut, a link
    refused with 403 and asked again) is one line; no link signature is kept."""
    ids = [samples.PROD.fileid(f"gen/size-64K/trace/{n:03d}.bin") for n in range(30)]
    trace = tmp_path / "trace.jsonl"
    with serve(download_cut_rate=0.3, seed=2) as server:
        server.state.script_faults("download", ["403", "500"])
        run = run_cli(
            [
                "download",
                "--base-url",
                server.base_url,
                "--dest",
                str(tmp_path / "files"),
                "--trace",
                str(trace),
            ],
            stdin=id_lines(ids),
        )
        stats = server.state.stats
    assert run.code == 0, run.stderr
    records = read_trace(trace)
    files = [r for r in records if r["kind"] == "file"]
    links = [r for r in records if r["endpoint"] == BATCH]
    assert len(files) == stats.requests["download"]
    assert len(links) == stats.requests["componenttcb/batchdownloadfile"]
    assert len(records) == len(files) + len(links)
    assert len(links) >= 2  # the first links, then a fresh one for the 403
    assert {r["http_status"] for r in files} >= {200, 403, 500}
    assert any(r["http_status"] == 206 for r in files)  # a cut file resumed by range
    for record in files:
        assert set(record) == FIELDS
        assert record["endpoint"].startswith("/download/")
        assert record["env"] == samples.PROD.env
        assert record["ids"] == 1
        assert record["outcome"] in OUTCOMES
    assert sum(r["bytes"] or 0 for r in files) >= 30 * 65_536  # cut parts and the rest
    text = trace.read_text("utf-8")
    assert re.search(r"sign=(?!\*\*\*)", text) is None
    assert DEMO_TOKEN not in text
