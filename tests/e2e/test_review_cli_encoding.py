"""Links and IDs on a stdout whose locale cannot spell them: English Windows encodes a
redirected stdout as cp1252 and translates every LF to CRLF. ``resolve`` must still
write every row, as the same UTF-8 bytes ``--output FILE`` holds."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from tcb_gui.cli import main
from tcb_gui.demo import samples
from tcb_gui.demo.server import DemoServer
from tests.e2e.cli_helpers import (
    REPO,
    SUBPROCESS_TIMEOUT_S,
    _logging_restored,
    id_lines,
    run_cli,
    subprocess_env,
    table_rows,
)

# Keys of the demo with characters no Western code page has.
CHINESE_KEYS = ["图片/春节 海报.png", "docs/年度报告 2023.pdf"]


def chinese_ids() -> list[str]:
    return [samples.PROD.fileid(key) for key in CHINESE_KEYS] + [
        samples.PROD.fileid("images/2024/01/IMG_0101.jpg")
    ]


def test_a_cp1252_stdout_gets_every_row_as_utf8(demo_server: DemoServer, tmp_path: Path) -> None:
    ids = chinese_ids()
    done = subprocess.run(
        [sys.executable, "-m", "tcb_gui.cli", "resolve", "--base-url", demo_server.base_url],
        input=id_lines(ids),
        capture_output=True,
        env=subprocess_env(tmp_path, extra={"PYTHONIOENCODING": "cp1252"}),
        cwd=REPO,
        timeout=SUBPROCESS_TIMEOUT_S,
        check=False,
    )
    messages = done.stderr.decode("cp1252", "replace")  # stderr keeps the locale's encoding
    assert done.returncode == 0, messages
    assert "Traceback" not in messages
    assert [row["fileid"] for row in table_rows(done.stdout.decode("utf-8"), "tsv")] == ids


def test_a_windows_like_stdout_holds_the_bytes_of_the_output_file(
    demo_server: DemoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = chinese_ids()
    raw = io.BytesIO()
    # What Windows gives a redirected stdout: its ANSI code page, LF written as CRLF.
    windows_stdout = io.TextIOWrapper(raw, encoding="cp1252", newline="\r\n")
    monkeypatch.setattr(sys, "stdout", windows_stdout)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(id_lines(ids))))
    monkeypatch.setenv("TCB_ACCESS_TOKEN", "demo-component-token")
    args = ["resolve", "--base-url", demo_server.base_url, "--format", "csv"]
    with _logging_restored():
        assert main([*args, "--max-age", "600"], stderr=io.StringIO()) == 0
    windows_stdout.flush()
    out = tmp_path / "links.csv"
    assert run_cli([*args, "--output", str(out)], stdin=id_lines(ids)).code == 0
    printed, saved = raw.getvalue(), out.read_bytes()
    assert b"\r\r\n" not in printed
    assert printed.count(b"\r\n") == saved.count(b"\r\n") == len(ids) + 1
    header = saved.split(b"\r\n", 1)[0]
    assert printed.startswith(header + b"\r\n")
    for fid in ids:
        assert fid.encode("utf-8") in printed
