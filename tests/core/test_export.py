"""Exports: the columns and formats of DESIGN §4, in the order given."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from tcb_gui.core.client import LinkResult
from tcb_gui.core.errors import ErrorKind, InputError
from tcb_gui.core.export import (
    COLUMNS,
    export_results,
    is_working,
    iso_utc,
    write_export,
)
from tcb_gui.core.fileids import parse_fileid

NOW = datetime(2026, 11, 29, 6, 0, 0, tzinfo=UTC)


def _results() -> list[LinkResult]:
    ok = parse_fileid('cloud://prod-1.b-prod-1-1/图片/a b,"c".png')
    failed = parse_fileid("cloud://prod-1.b-prod-1-1/missing.txt")
    expired = parse_fileid("cloud://test-2.b-test-2-2/old.bin")
    return [
        LinkResult(
            ok,
            True,
            0,
            "ok",
            "https://b.tcb.qcloud.la/%E5%9B%BE%E7%89%87/a%20b,%22c%22.png?sign=s&t=1",
            NOW + timedelta(hours=2),
        ),
        LinkResult(failed, False, -503003, "File does not exist\tnow", None, None, ErrorKind.FILE),
        LinkResult(expired, True, 0, "ok", "https://b/old.bin?sign=s&t=0", NOW - timedelta(1)),
    ]


def test_json_has_every_field_in_input_order() -> None:
    data = json.loads(export_results(_results(), "json", now=NOW))
    assert [d["fileid"] for d in data] == [r.fileid.raw for r in _results()]
    assert list(data[0]) == list(COLUMNS)
    assert data[0]["expires_at"] == "2026-11-29T08:00:00Z"
    assert data[0]["env"] == "prod-1"
    assert data[1] == {
        "fileid": "cloud://prod-1.b-prod-1-1/missing.txt",
        "env": "prod-1",
        "ok": False,
        "status": -503003,
        "errmsg": "File does not exist\tnow",
        "download_url": None,
        "expires_at": None,
    }


def test_csv_round_trips_through_the_csv_module() -> None:
    text = export_results(_results(), "csv", now=NOW)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(COLUMNS)
    assert rows[1][0] == 'cloud://prod-1.b-prod-1-1/图片/a b,"c".png'
    assert rows[2][2:4] == ["false", "-503003"]
    assert len(rows) == 4


def test_tsv_keeps_one_line_per_row() -> None:
    text = export_results(_results(), "tsv", now=NOW)
    lines = text.splitlines()
    assert len(lines) == 4
    assert all(line.count("\t") == len(COLUMNS) - 1 for line in lines)
    assert lines[2].split("\t")[4] == "File does not exist now"


def test_urls_lists_only_working_links() -> None:
    assert export_results(_results(), "urls", now=NOW) == _results()[0].download_url + "\n"


def test_is_working_and_iso() -> None:
    ok, failed, expired = _results()
    assert is_working(ok, NOW)
    assert not is_working(failed, NOW)
    assert not is_working(expired, NOW)
    assert iso_utc(None) is None


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="xml"):
        export_results([], "xml")


def test_atomic_write_replaces_whole_file(tmp_path) -> None:
    target = tmp_path / "out.json"
    target.write_text("old")
    write_export(target, "new content")
    assert target.read_text() == "new content"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_atomic_write_to_missing_folder_is_an_input_error(tmp_path) -> None:
    with pytest.raises(InputError, match="Cannot write"):
        write_export(tmp_path / "nope" / "out.csv", "x")
