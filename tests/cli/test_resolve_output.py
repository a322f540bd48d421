"""``tcb-gui resolve --output FILE``: without ``--format`` the file's extension names the
format, by the window's export rule (``core.export.format_for``), so ``links.json`` holds
JSON in both faces; ``--output -`` is standard output, as ``-`` is standard input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tcb_gui.core.export import COLUMNS
from tcb_gui.demo import samples
from tcb_gui.demo.server import DemoServer
from tests.e2e.cli_helpers import id_lines, run_cli

IDS = [samples.PROD.fileid(f"gen/{n:05d}.jpg") for n in range(3)]


def resolve(server: DemoServer, *extra: str) -> list[str]:
    return ["resolve", "--base-url", server.base_url, *extra]


def test_the_extension_of_output_names_the_format(demo_server: DemoServer, tmp_path: Path) -> None:
    as_json, as_links, unknown = tmp_path / "x.json", tmp_path / "x.txt", tmp_path / "x.out"
    for out in (as_json, as_links, unknown):
        run = run_cli(resolve(demo_server, "--output", str(out)), stdin=id_lines(IDS))
        assert run.code == 0, run.stderr
    assert [r["fileid"] for r in json.loads(as_json.read_text("utf-8"))] == IDS
    assert [line.split("?")[0][-9:] for line in as_links.read_text("utf-8").splitlines()] == [
        "00000.jpg",
        "00001.jpg",
        "00002.jpg",
    ]
    assert unknown.read_text("utf-8").startswith("\t".join(COLUMNS) + "\n")  # tsv


def test_an_explicit_format_wins_over_the_extension(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    out = tmp_path / "x.json"
    run = run_cli(resolve(demo_server, "--format", "csv", "-o", str(out)), stdin=id_lines(IDS))
    assert run.code == 0, run.stderr
    assert out.read_bytes().startswith((",".join(COLUMNS) + "\r\n").encode())


def test_output_dash_is_standard_output(
    demo_server: DemoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    run = run_cli(resolve(demo_server, "--format", "urls", "--output", "-"), stdin=id_lines(IDS))
    assert run.code == 0, run.stderr
    assert len(run.stdout.splitlines()) == 3
    assert list(tmp_path.iterdir()) == []  # no file named "-"


def test_help_names_the_default_format() -> None:
    run = run_cli(["resolve", "--help"])
    assert run.code == 0
    assert "--output's extension" in " ".join(run.stdout.split())
    assert "else tsv" in " ".join(run.stdout.split())
