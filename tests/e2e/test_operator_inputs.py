"""Operators' real inputs (issue 6, item 2), each through ``tcb-gui resolve`` against the
demo service over loopback.

One list of 500 IDs (keys with spaces, Chinese, ``+&=;,@$``, quotes, backslashes and the
sample set's hostile names) in the shapes operators really hand over: a Windows text file
(UTF-8 with BOM and CRLF), UTF-16 from Notepad, a GB18030 CSV exported by Excel on
Chinese Windows, a JSON export with ``fileID`` nested anywhere, and application logs. Each
must give all its IDs, exactly, in order, with the right summary. Then the inputs that
must be refused or summarised: a 50 MB random binary, empty files, only duplicates, and a
list mixing environments.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import random
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tcb_gui.demo import samples
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import STATUS_INVALID_ENV
from tests.e2e.cli_helpers import (
    REPO,
    SUBPROCESS_TIMEOUT_S,
    CliRun,
    assert_link_for,
    expected_ok,
    run_cli,
    sample_ids,
    subprocess_env,
)

LIST_SIZE = 500
JSON_FIELDS = ["fileid", "env", "ok", "status", "errmsg", "download_url", "expires_at"]
# Generated keys (every gen/ key exists in both demo envs) with what operators' keys hold.
GEN_KEYS = (
    "gen/报表 {n}/订单 {n:04d}.csv",
    "gen/a+b&c=d;e,f@g$h/{n}.bin",
    "gen/user@example.com/{n} (copy).txt",
    "gen/引号/说“明” {n}.txt",
    'gen/quotes/say "hi" {n}.txt',
    "gen/it's/{n}.png",
    "gen/back\\slash/{n}.txt",
    "gen/plain/{n:05d}.jpg",
)
# The refused binary (issue 6: "a 50 MB random binary refused with exit 2 in under 15 s
# and 400 MB"). Time and memory are bounded loosely: a shared machine must not flake.
BINARY_BYTES = 50 * 1024 * 1024
MAX_REFUSAL_S = 15.0
MAX_REFUSAL_RSS = 400 * 1024 * 1024
# ru_maxrss is in KiB on Linux.
RU_MAXRSS_UNIT = 1024


def operator_list() -> list[str]:
    """500 unique IDs the demo resolves: the sample list's good ones, then generated keys
    of both environments."""
    ids = [fid for fid in sample_ids() if expected_ok(fid)]
    n = 0
    while len(ids) < LIST_SIZE:
        env = samples.PROD if n % 2 else samples.TEST
        ids.append(env.fileid(GEN_KEYS[n % len(GEN_KEYS)].format(n=n)))
        n += 1
    assert len(set(ids)) == LIST_SIZE
    return ids


IDS = operator_list()


def resolve_file(server: DemoServer, path: Path, *extra: str) -> CliRun:
    return run_cli(
        ["resolve", "--base-url", server.base_url, "--format", "json", str(path), *extra]
    )


def assert_resolved_exactly(run: CliRun, ids: list[str]) -> None:
    """Exit 0, and one record per ID, in input order, each with its own link."""
    assert run.code == 0, run.stderr
    records = json.loads(run.stdout)
    assert [r["fileid"] for r in records] == ids
    for record in records:
        assert list(record) == JSON_FIELDS
        assert record["ok"] is True, record
        assert_link_for(record["fileid"], record["download_url"])


def summary_line(run: CliRun) -> str:
    lines = [line for line in run.stderr.splitlines() if line.startswith("Read ")]
    assert len(lines) == 1, run.stderr
    return lines[0]


# -- the five shapes --------------------------------------------------------------------------


def windows_text_file() -> bytes:
    """Notepad's "UTF-8 with BOM", CRLF line ends."""
    return codecs.BOM_UTF8 + "".join(f"{fid}\r\n" for fid in IDS).encode("utf-8")


def utf16_text_file() -> bytes:
    """Notepad's "Unicode": UTF-16 LE with a BOM, CRLF line ends."""
    return codecs.BOM_UTF16_LE + "".join(f"{fid}\r\n" for fid in IDS).encode("utf-16-le")


@pytest.mark.parametrize(
    "make", [windows_text_file, utf16_text_file], ids=["utf8-bom-crlf", "utf16le-bom"]
)
def test_plain_lists_in_windows_encodings(
    demo_server: DemoServer, tmp_path: Path, make: Callable[[], bytes]
) -> None:
    path = tmp_path / "ids.txt"
    path.write_bytes(make())
    run = resolve_file(demo_server, path)
    assert_resolved_exactly(run, IDS)
    assert summary_line(run) == f"Read {LIST_SIZE} IDs"


def excel_export(column: int, *, unicode_text: bool) -> bytes:
    """What Excel on Chinese Windows saves as "CSV (逗号分隔)": GB18030 (its ANSI code page
    936), CRLF, a header, cells quoted only when they hold a comma or a quote (quotes
    doubled), and the empty line it leaves at the end. With ``unicode_text``, its
    "Unicode 文本" instead: the same table tab-separated, in UTF-16 LE with a BOM."""
    rng = random.Random(column)
    notes = ["", "已核对", "见附件, 第 2 页", '客户说"加急"', "备注：含，中文逗号", "a, b\tc"]
    header = ["序号", "文件ID", "备注"]
    header.insert(column, header.pop(1))
    buffer = io.StringIO(newline="")
    # QUOTE_MINIMAL and "\r\n", as Excel writes them.
    writer = csv.writer(buffer, dialect="excel-tab" if unicode_text else "excel")
    writer.writerow(header)
    for n, fid in enumerate(IDS, start=1):
        row = [str(n), rng.choice(notes)]
        row.insert(column, fid)
        writer.writerow(row)
    text = buffer.getvalue() + "\r\n"
    if unicode_text:
        return codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    return text.encode("gb18030")


@pytest.mark.parametrize("column", [1, 0, 2], ids=["middle", "first", "last"])
@pytest.mark.parametrize("unicode_text", [False, True], ids=["csv-gb18030", "unicode-text"])
def test_excel_exports_from_chinese_windows(
    demo_server: DemoServer, tmp_path: Path, column: int, unicode_text: bool
) -> None:
    data = excel_export(column, unicode_text=unicode_text)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # really GB18030 or UTF-16, not UTF-8 in disguise
    path = tmp_path / ("导出.txt" if unicode_text else "导出.csv")
    path.write_bytes(data)
    run = resolve_file(demo_server, path)
    assert_resolved_exactly(run, IDS)
    assert summary_line(run) == f"Read {LIST_SIZE} IDs (1 line without an ID)"  # the header


def test_excel_csv_with_notes_spanning_lines_before_the_id_column(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    """Alt+Enter in an Excel cell: the note holds line breaks (written raw inside its
    quotes), and here quotes and commas too; the IDs, some with commas in their keys, are
    in the column after it. Every ID must come out whole: cutting one at a comma makes a
    different, valid-looking ID (a link to the wrong file, or "does not exist")."""
    notes = ["", '第一行\n客户说"加急", 第二行', "见附件,\n第 2 页", "待补充\n稍后再填,", '\n"b",']
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, dialect="excel")
    writer.writerow(["序号", "备注", "文件ID"])
    for n, fid in enumerate(IDS, start=1):
        writer.writerow([str(n), notes[n % len(notes)], fid])
    path = tmp_path / "导出.csv"
    path.write_bytes((buffer.getvalue() + "\r\n").encode("gb18030"))
    run = resolve_file(demo_server, path)
    assert_resolved_exactly(run, IDS)
    summary = summary_line(run)
    assert summary.startswith(f"Read {LIST_SIZE} IDs")
    assert "malformed" not in summary
    assert "duplicate" not in summary


def json_export() -> object:
    """An admin console's export: ``fileID`` at several depths, lists in objects in lists,
    and other strings around (some mentioning cloud storage, none an ID)."""
    rng = random.Random(4)
    pages: list[dict[str, object]] = []
    ids = iter(IDS)
    for page_number, chunk in enumerate(range(0, LIST_SIZE, 40)):
        records: list[object] = []
        for _ in range(min(40, LIST_SIZE - chunk)):
            fid = next(ids)
            shape = rng.randrange(4)
            if shape == 0:
                records.append({"fileID": fid, "size": rng.randrange(10**6)})
            elif shape == 1:
                records.append({"detail": {"file": {"name": "x", "fileID": fid}, "tags": []}})
            elif shape == 2:
                records.append({"versions": [{"v": 1, "files": [{"fileID": fid}]}]})
            else:
                records.append([{"owner": "运营", "attachment": {"meta": [{"fileID": fid}]}}])
        pages.append({"page": page_number, "note": "cloud storage export", "records": records})
    return {"errcode": 0, "exported_by": "console", "data": {"pages": pages}}


@pytest.mark.parametrize("style", ["pretty-utf8", "ascii-escaped", "php-escaped-slashes"])
def test_json_export_with_file_ids_nested_anywhere(
    demo_server: DemoServer, tmp_path: Path, style: str
) -> None:
    doc = json_export()
    if style == "pretty-utf8":
        text = json.dumps(doc, ensure_ascii=False, indent=2)
    elif style == "ascii-escaped":
        text = json.dumps(doc)  # \u56fe… and \" escapes
    else:
        # PHP's json_encode writes "\/" for every "/" (only ever inside strings).
        text = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).replace("/", "\\/")
    path = tmp_path / "export.json"
    path.write_text(text, "utf-8")
    run = resolve_file(demo_server, path)
    assert_resolved_exactly(run, IDS)
    assert summary_line(run) == f"Read {LIST_SIZE} IDs"


# An ID can stand unquoted in log text when nothing in it ends a bare ID there: no
# whitespace, quotes, <>, backticks, Chinese sentence punctuation, and no trailing
# punctuation or unmatched closer (fileids module docstring, "log text").
_BARE_SAFE_RE = re.compile(r"[^\s\"'`<>，。；、！？“”‘’「」『』《》]+")
_TRAILING = ".,;:!?…)]}"


def log_lines() -> tuple[str, int, int]:
    """An application log: (text, lines without an ID, duplicate mentions)."""
    rng = random.Random(11)
    levels = ["INFO", "DEBUG", "WARN", "ERROR"]
    lines: list[str] = []
    without = duplicates = 0
    for n, fid in enumerate(IDS):
        stamp = f"2026-03-{1 + n // 200:02d} 12:{n // 60 % 60:02d}:{n % 60:02d},{n % 1000:03d}"
        level = levels[n % len(levels)]
        bare = _BARE_SAFE_RE.fullmatch(fid) is not None and fid[-1] not in _TRAILING
        if n % 25 == 0:
            lines.append(f"{stamp} INFO  [main] batch {n // 25} started (pid {4000 + n})")
            without += 1
        if bare and n % 3 == 0:
            tail = rng.choice([".", ",", ";", "!", ":", " ok", " in 35 ms"])
            lines.append(f"{stamp} {level} [worker-{n % 4}] fetched {fid}{tail}")
        elif "'" not in fid and n % 3 == 1:
            lines.append(f"[{stamp}] {level} upload failed for '{fid}'; giving up.")
        elif n % 3 == 2:
            event = json.dumps({"event": "download", "fileID": fid}, ensure_ascii=False)
            lines.append(f"{stamp} {level} event={event}")
        else:
            lines.append(f"{stamp} {level} retrying {json.dumps(fid, ensure_ascii=False)}…")
        if n % 40 == 39:
            # A retry that names an ID seen before: a duplicate, not a new ID.
            earlier = json.dumps(IDS[n - 7], ensure_ascii=False)
            lines.append(f"{stamp} WARN retry 2/4 for {earlier} after HTTP 502")
            duplicates += 1
    lines.append("2026-03-03 13:00:00,000 INFO  [main] done, 500 files, exit 0")
    without += 1
    return "\n".join(lines) + "\n", without, duplicates


def test_application_log_lines(demo_server: DemoServer, tmp_path: Path) -> None:
    text, without, duplicates = log_lines()
    path = tmp_path / "app.log"
    path.write_text(text, "utf-8")
    run = resolve_file(demo_server, path)
    assert_resolved_exactly(run, IDS)
    assert summary_line(run) == (
        f"Read {LIST_SIZE} IDs ({duplicates} duplicates, {without} lines without an ID)"
    )


# -- refused: a 50 MB random binary -----------------------------------------------------------


def binary_file(path: Path, kind: str) -> Path:
    data = random.Random(50).randbytes(BINARY_BYTES)
    if kind == "no NUL bytes":
        data = data.replace(b"\x00", b"\x01")
    elif kind == "IDs then binary":
        # Passes the sniff of the first 64 KiB: the refusal comes after reading it all.
        head = "".join(f"{fid}\n" for fid in IDS).encode("utf-8")
        head = (head * (1 + 2 * 65_536 // len(head)))[: 2 * 65_536]
        data = head + data[len(head) :]
    path.write_bytes(data)
    return path


# Runs the command as its own child and reports that child's peak RSS. A fresh small
# process in between matters: Linux keeps ru_maxrss across fork and exec, so a child
# forked straight from pytest would report pytest's own size.
_MEASURE = """
import resource, subprocess, sys
code = subprocess.call(sys.argv[2:])
with open(sys.argv[1], "w") as out:
    out.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
raise SystemExit(code)
"""


def run_measured(argv: list[str], home: Path, stdin: Path | None) -> tuple[CliRun, int]:
    """``python -m tcb_gui.cli ARGV`` as a real process: the run and its peak RSS (bytes)."""
    peak = home / "peak-rss.txt"
    command = [sys.executable, "-c", _MEASURE, str(peak), sys.executable, "-m", "tcb_gui.cli"]
    started = time.monotonic()
    with stdin.open("rb") if stdin else open(os.devnull, "rb") as in_file:
        done = subprocess.run(
            [*command, *argv],
            stdin=in_file,
            capture_output=True,
            env=subprocess_env(home),
            cwd=REPO,
            timeout=SUBPROCESS_TIMEOUT_S,
            check=False,
        )
    run = CliRun(
        done.returncode,
        done.stdout.decode("utf-8"),
        done.stderr.decode("utf-8"),
        time.monotonic() - started,
    )
    return run, int(peak.read_text("ascii")) * RU_MAXRSS_UNIT


@pytest.mark.parametrize("kind", ["random", "no NUL bytes", "IDs then binary"])
@pytest.mark.parametrize("via", ["file", "stdin"])
def test_fifty_megabytes_of_binary_refused_quickly_in_bounded_memory(
    demo_server: DemoServer, tmp_path: Path, kind: str, via: str
) -> None:
    blob = binary_file(tmp_path / "photo.raw", kind)
    home = tmp_path / "home"
    home.mkdir()
    argv = ["resolve", "--base-url", demo_server.base_url]
    run, peak_rss = run_measured(
        [*argv, str(blob)] if via == "file" else [*argv, "-"],
        home,
        None if via == "file" else blob,
    )
    assert run.code == 2, run.stderr
    assert "not a text file (it looks like binary data)" in run.stderr
    assert run.stdout == ""
    assert run.seconds < MAX_REFUSAL_S
    assert peak_rss < MAX_REFUSAL_RSS, f"peak RSS {peak_rss / 2**20:.0f} MiB"
    assert not demo_server.state.stats.requests  # refused before anything was sent


# -- empty, only duplicates, environments mixed -----------------------------------------------


@pytest.mark.parametrize(
    "data",
    [b"", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, b"\r\n\r\n  \r\n\t\r\n"],
    ids=["empty", "utf8-bom-only", "utf16-bom-only", "blank-lines"],
)
def test_empty_files_are_refused_with_a_clear_message(
    demo_server: DemoServer, tmp_path: Path, data: bytes
) -> None:
    path = tmp_path / "ids.txt"
    path.write_bytes(data)
    run = resolve_file(demo_server, path)
    assert run.code == 2
    assert run.stdout == ""
    assert run.stderr.splitlines() == [
        "Read 0 IDs",
        "tcb-gui: No cloud file IDs found in the input (they look like cloud://env.bucket/path).",
    ]
    assert not demo_server.state.stats.requests


def test_a_file_of_only_duplicates_resolves_one_id_once(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    fid = samples.PROD.fileid("图片/春节 海报.png")
    path = tmp_path / "ids.txt"
    path.write_bytes(codecs.BOM_UTF8 + f"{fid}\r\n".encode() * LIST_SIZE)
    run = resolve_file(demo_server, path)
    assert_resolved_exactly(run, [fid])
    assert summary_line(run) == f"Read 1 ID ({LIST_SIZE - 1} duplicates)"
    assert demo_server.state.stats.batch_sizes == [1]


def test_a_list_mixing_environments(demo_server: DemoServer, tmp_path: Path) -> None:
    prod, test = samples.PROD, samples.TEST
    wrong_bucket = f"cloud://{prod.env}.{test.bucket}/uploads/user_001/avatar.png"
    unknown = samples.UNKNOWN_ENV.fileid("archive/old.txt")
    ids = [
        prod.fileid("gen/mix/1.txt"),
        test.fileid("gen/mix/1.txt"),
        unknown,
        prod.fileid("图片/春节 海报.png"),
        wrong_bucket,
        test.fileid("图片/测试.png"),
        samples.UNKNOWN_ENV.fileid("archive/older.txt"),
    ]
    path = tmp_path / "mixed.txt"
    path.write_text("\n".join(ids) + "\n", "utf-8")

    run = resolve_file(demo_server, path)

    assert run.code == 1  # some files failed; the service and the token were fine
    records = json.loads(run.stdout)
    assert [r["fileid"] for r in records] == ids
    assert [r["ok"] for r in records] == [True, True, False, True, False, True, False]
    assert [r["env"] for r in records] == [
        prod.env,
        test.env,
        samples.UNKNOWN_ENV.env,
        prod.env,
        prod.env,
        test.env,
        samples.UNKNOWN_ENV.env,
    ]
    assert records[4]["status"] == STATUS_INVALID_ENV
    assert "does not know this environment" in records[2]["errmsg"]
    lines = run.stderr.splitlines()
    assert lines[0] == "Read 7 IDs"
    assert lines[-3] == "Resolved 4 of 7 IDs (3 failed)"
    assert lines[-2].startswith(
        "2 failed: The service does not know this environment ID. Check the env part of the IDs."
    )
    assert lines[-1] == "1 failed: File belongs to another environment (INVALIID_ENV)"
    # One request per environment, never one mixing them.
    assert sorted(demo_server.state.stats.batch_sizes) == [2, 2, 3]

    only_test = resolve_file(demo_server, path, "--env", test.env)
    assert_resolved_exactly(only_test, [ids[1], ids[5]])
    assert f"Keeping 2 IDs of env {test.env} (5 skipped)" in only_test.stderr
