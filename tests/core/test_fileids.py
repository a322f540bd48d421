"""ID intake: parsing, finding IDs in every input shape, decoding, refusing binary/huge."""

from __future__ import annotations

import codecs
import csv
import io
import json
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tcb_gui.core.errors import ErrorKind, InputError
from tcb_gui.core.fileids import (
    MALFORMED_TEXT_MAX,
    MAX_INPUT_BYTES,
    MAX_KEY_BYTES,
    SNIFF_BYTES,
    FileId,
    IdCollector,
    IdScan,
    InvalidFileIdError,
    Malformed,
    decode_input,
    find_ids,
    merge_scans,
    parse_fileid,
    read_ids_from_path,
    read_ids_from_stream,
    summary,
    trim_end,
)

PROD = "cloud://prod-4gkv.7072-prod-4gkv-1314114854"
TEST = "cloud://test2-4a89da.7465-test2-4a89da-1258717764"


def raws(scan: IdScan) -> list[str]:
    return [fid.raw for fid in scan.ids]


# --------------------------------------------------------------------------- parse


def test_parse_splits_env_bucket_and_key() -> None:
    fid = parse_fileid(f"{PROD}/images/a b/图片.png")
    assert fid == FileId(
        raw=f"{PROD}/images/a b/图片.png",
        env="prod-4gkv",
        bucket="7072-prod-4gkv-1314114854",
        key="images/a b/图片.png",
    )
    assert str(fid) == fid.raw


@pytest.mark.parametrize(
    "key",
    [
        "a b,c+d&e=f;g@h$i|j.png",
        "../../etc/passwd",
        "/leading/slash",
        "dir\\back\\slash.txt",
        "CON",
        "trailing dots...",
        "deep/" * 40 + "x",
        "é" * (MAX_KEY_BYTES // 2),  # exactly the limit: 2 bytes a character
    ],
)
def test_parse_accepts_keys_the_service_allows(key: str) -> None:
    assert parse_fileid(f"{PROD}/{key}").key == key


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("https://x.y/z", "does not start with cloud://"),
        (" cloud://e.b/x", "does not start with cloud://"),
        ("cloud://e.b", "has no file path"),
        ("cloud://e.b/", "has no file path"),
        ("cloud://eb/x", "has no '.' between the environment ID and the bucket"),
        ("cloud:///x", "has no environment ID or bucket"),
        ("cloud://.b/x", "no environment ID"),
        ("cloud://Prod.b/x", "lowercase letters"),
        ("cloud://pr_od.b/x", "lowercase letters"),
        ("cloud://-prod.b/x", "lowercase letters"),
        ("cloud://e./x", "invalid bucket"),
        ("cloud://e.b b/x", "invalid bucket"),
        ("cloud://e.-b/x", "invalid bucket"),
        ("cloud://e.b/a\tb", "control characters"),
        ("cloud://e.b/a\x00b", "control characters"),
        ("cloud://e.b/a\x85b", "control characters"),
        ("cloud://e.b/a\u2028b", "control characters"),
        ("cloud://e.b/a\ud800b", "control characters"),
        ("cloud://e.b/" + "图" * 284, f"longer than {MAX_KEY_BYTES} bytes"),  # 852 bytes
        ("cloud://e." + "b" * 252 + "/x", "longer than 253 characters"),
    ],
)
def test_parse_rejects_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(InvalidFileIdError) as caught:
        parse_fileid(text)
    assert reason in caught.value.reason
    assert caught.value.text == text


# --------------------------------------------------------------------------- plain lists


def test_plain_list_with_every_line_ending_blank_lines_bom_and_padding() -> None:
    text = (
        f"\ufeff{PROD}/a.png\r\n"
        f"{PROD}/b c.png   \r\n"
        "\r\n"
        f"   {TEST}/图片 1.png\r"
        "\t \n"
        f"\u3000{PROD}/d,e.png\n"
        f"\ufeff  {PROD}/a.png\n"
    )
    scan = find_ids(text)
    assert raws(scan) == [
        f"{PROD}/a.png",
        f"{PROD}/b c.png",
        f"{TEST}/图片 1.png",
        f"{PROD}/d,e.png",
    ]
    assert (scan.duplicates, scan.lines_without_id, scan.malformed) == (1, 0, ())
    assert scan.total_lines == 7


def test_empty_and_blank_inputs_give_nothing() -> None:
    for text in ("", "\n", "\r\n\r\n", "   \t\n\ufeff"):
        scan = find_ids(text)
        assert (scan.ids, scan.duplicates, scan.lines_without_id, scan.malformed) == (
            (),
            0,
            0,
            (),
        )
    assert find_ids("").total_lines == 0
    assert find_ids("\n\n").total_lines == 2


def test_only_duplicates_keep_one() -> None:
    scan = find_ids(f"{PROD}/x.png\n" * 5)
    assert raws(scan) == [f"{PROD}/x.png"]
    assert scan.duplicates == 4


def test_mixed_environments_keep_input_order() -> None:
    lines = [f"{PROD}/1", f"{TEST}/2", f"{PROD}/3", f"{TEST}/4"]
    scan = find_ids("\n".join(lines))
    assert raws(scan) == lines
    assert [fid.env for fid in scan.ids] == ["prod-4gkv", "test2-4a89da"] * 2


def test_a_line_led_by_an_id_keeps_spaces_and_commas_up_to_a_tab() -> None:
    scan = find_ids(f"{PROD}/报告 (终稿), v2.pdf\tsize 12\t{TEST}/x y.png\n")
    assert raws(scan) == [f"{PROD}/报告 (终稿), v2.pdf", f"{TEST}/x y.png"]
    assert scan.lines_without_id == 0


def test_several_ids_on_one_line_split_at_separators() -> None:
    scan = find_ids(f"{PROD}/a b.png {PROD}/c.png, {TEST}/d e.png;{TEST}/f.png | {PROD}/g")
    assert raws(scan) == [
        f"{PROD}/a b.png",
        f"{PROD}/c.png",
        f"{TEST}/d e.png",
        f"{TEST}/f.png",
        f"{PROD}/g",
    ]


def test_an_id_inside_a_key_after_slash_is_part_of_it() -> None:
    scan = find_ids(f"{PROD}/mirror/cloud://old/x.png")
    assert raws(scan) == [f"{PROD}/mirror/cloud://old/x.png"]


def test_list_markers_before_an_id_are_skipped() -> None:
    text = f"1. {PROD}/a b.png\n2) {PROD}/c d.png\n- {PROD}/e f.png\n• {PROD}/g.png\n7:{PROD}/h i"
    assert raws(find_ids(text)) == [
        f"{PROD}/a b.png",
        f"{PROD}/c d.png",
        f"{PROD}/e f.png",
        f"{PROD}/g.png",
        f"{PROD}/h i",
    ]


def test_lines_without_an_id_are_counted_not_blank_ones() -> None:
    scan = find_ids(f"# my list\n\n{PROD}/a.png\nnothing here\n   \n{PROD}/b.png\n")
    assert scan.lines_without_id == 2
    assert len(scan.ids) == 2
    assert scan.total_lines == 6


# --------------------------------------------------------------------------- malformed


def test_malformed_ids_are_reported_with_line_numbers_and_not_counted_as_missing() -> None:
    text = f"{PROD}/ok.png\r\ncloud://Bad.b/x\r\n\r\ncloud://e.b\r\nok line\r\ncloud://e.b/a\x01b\n"
    scan = find_ids(text, source="list.txt")
    assert raws(scan) == [f"{PROD}/ok.png"]
    assert [(m.line, m.text, m.source) for m in scan.malformed] == [
        (2, "cloud://Bad.b/x", "list.txt"),
        (4, "cloud://e.b", "list.txt"),
        (6, "cloud://e.b/a\x01b", "list.txt"),
    ]
    assert [m.reason for m in scan.malformed] == [
        "environment ID may hold only lowercase letters, digits and '-'",
        "has no file path after the bucket",
        "file path holds control characters",
    ]
    assert scan.lines_without_id == 1  # "ok line"; malformed lines are reported as such
    assert scan.total_lines == 6


def test_a_runaway_malformed_candidate_is_cut() -> None:
    scan = find_ids("cloud://BAD.b/" + "x" * 10_000)
    (bad,) = scan.malformed
    assert len(bad.text) == MALFORMED_TEXT_MAX
    assert bad.text.endswith("…")


# --------------------------------------------------------------------------- log text


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("2026-11-01 12:00:01 INFO fetched cloud://env.b/x.png ok", ["cloud://env.b/x.png"]),
        ("[2026-11-01 12:00:01] WARN cloud://env.b/x.png: not found", ["cloud://env.b/x.png"]),
        ("see (cloud://e.b/a(1).png).", ["cloud://e.b/a(1).png"]),
        ("[link](cloud://e.b/y.png)!", ["cloud://e.b/y.png"]),
        ("<cloud://e.b/z.png> and {cloud://e.b/w.png}", ["cloud://e.b/z.png", "cloud://e.b/w.png"]),
        ("「cloud://e.b/图 片.png」已下载", ["cloud://e.b/图 片.png"]),
        (
            "“cloud://e.b/a b.png”, ‘cloud://e.b/c d.png’",
            ["cloud://e.b/a b.png", "cloud://e.b/c d.png"],
        ),
        ("《cloud://e.b/x.png》", ["cloud://e.b/x.png"]),
        ("文件 cloud://e.b/图片.png，已下载。", ["cloud://e.b/图片.png"]),
        ("\x1b[32mOK\x1b[0m cloud://e.b/a.png\x1b[0m", ["cloud://e.b/a.png"]),
        ("a=cloud://e.b/x.png&b=2", ["cloud://e.b/x.png&b=2"]),
        ("id='cloud://e.b/a b.png' size=3", ["cloud://e.b/a b.png"]),
        ('msg="cloud://e.b/a b.png" size=3', ["cloud://e.b/a b.png"]),
        ("`cloud://e.b/code.png`", ["cloud://e.b/code.png"]),
    ],
)
def test_log_lines(line: str, expected: list[str]) -> None:
    scan = find_ids(line)
    assert raws(scan) == expected
    assert scan.malformed == ()


def test_log_line_with_several_ids_and_sentence_punctuation() -> None:
    scan = find_ids("done: cloud://e.b/a.png, cloud://e.b/b.png; cloud://e.b/c.png.")
    assert raws(scan) == ["cloud://e.b/a.png", "cloud://e.b/b.png", "cloud://e.b/c.png"]


def test_log_line_with_json_escapes() -> None:
    scan = find_ids('INFO {"fileID":"cloud:\\/\\/e.b\\/\\u56fe \\"1\\".png","n":1} done')
    assert raws(scan) == ['cloud://e.b/图 "1".png']


def test_unclosed_quotation_marks_fall_back_to_the_unquoted_rule() -> None:
    text = (
        "「cloud://e.b/b c.png」 then 「cloud://e.b/a.png ok \"cloud://e.b/c.png 'cloud://e.b/d.png"
    )
    assert raws(find_ids(text)) == [
        "cloud://e.b/b c.png",
        "cloud://e.b/a.png",
        "cloud://e.b/c.png",
        "cloud://e.b/d.png",
    ]


def test_an_endless_unquoted_run_is_malformed_and_scanning_goes_on() -> None:
    scan = find_ids(f"x cloud://e.b/{'a' * 5_000} y {PROD}/after.png")
    assert raws(scan) == [f"{PROD}/after.png"]
    (bad,) = scan.malformed
    assert bad.reason == f"file path is longer than {MAX_KEY_BYTES} bytes"


def test_a_bare_scheme_in_prose_is_reported_as_malformed() -> None:
    scan = find_ids("the url cloud:// is the scheme")
    assert scan.ids == ()
    assert [(m.line, m.text) for m in scan.malformed] == [(1, "cloud://")]
    assert scan.lines_without_id == 0


# --------------------------------------------------------------------------- JSON


def test_json_document_any_key_any_nesting_with_escapes() -> None:
    doc = {
        "errcode": 0,
        "file_list": [
            {"fileid": f"{PROD}/图片/a b.png", "max_age": 7200},
            {"fileID": f"{PROD}/c,d.png"},
            {"files": [f"{TEST}/e.png", {"deeper": {"fileID": f'{TEST}/f "q".png'}}]},
        ],
        f"{TEST}/as-a-key.png": True,
        "note": f"also in prose: {PROD}/g.png, see",
        "bad": "cloud://NOPE.b/x",
        "dup": f"{PROD}/c,d.png",
    }
    text = json.dumps(doc, indent=2)  # ensure_ascii: Chinese as \\uXXXX
    text = text.replace("/", "\\/")  # as PHP writes it
    scan = find_ids(text)
    assert raws(scan) == [
        f"{PROD}/图片/a b.png",
        f"{PROD}/c,d.png",
        f"{TEST}/e.png",
        f'{TEST}/f "q".png',
        f"{TEST}/as-a-key.png",
        f"{PROD}/g.png",
    ]
    assert scan.duplicates == 1
    assert scan.lines_without_id == 0  # JSON layout lines are not records
    (bad,) = scan.malformed
    assert bad.text == "cloud://NOPE.b/x"
    assert text.splitlines()[bad.line - 1].strip().startswith('"bad"')


def test_json_string_holding_several_lines_and_ids() -> None:
    text = json.dumps({"paste": f"{PROD}/a b.png\n{PROD}/c.png\tx\n1. {TEST}/d.png"})
    assert raws(find_ids(text)) == [f"{PROD}/a b.png", f"{PROD}/c.png", f"{TEST}/d.png"]


def test_json_lines() -> None:
    text = "\n".join(
        [
            json.dumps({"fileID": f"{PROD}/a b.png", "size": 1}),
            json.dumps({"fileID": f"{PROD}/图.png"}, ensure_ascii=False),
            json.dumps({"other": 1}),
            json.dumps(f"{TEST}/quoted, string.png"),
        ]
    )
    scan = find_ids(text)
    assert raws(scan) == [f"{PROD}/a b.png", f"{PROD}/图.png", f"{TEST}/quoted, string.png"]
    assert scan.lines_without_id == 1


def test_json_encoded_twice() -> None:
    inner = json.dumps({"fileID": f"{PROD}/a b.png"})
    assert raws(find_ids(json.dumps({"payload": inner}))) == [f"{PROD}/a b.png"]


def test_text_that_only_looks_like_json_is_read_as_lines() -> None:
    text = f"[2026-11-01] start\n{PROD}/a b.png\n{{not json {PROD}/c.png\n"
    scan = find_ids(text)
    assert raws(scan) == [f"{PROD}/a b.png", f"{PROD}/c.png"]
    assert scan.lines_without_id == 1


def test_deeply_nested_json_does_not_crash() -> None:
    text = "[" * 100_000 + f'"{PROD}/a.png"' + "]" * 100_000
    assert raws(find_ids(text)) == [f"{PROD}/a.png"]


# --------------------------------------------------------------------------- CSV / TSV


def test_csv_with_header_ids_in_any_column_quoted_commas() -> None:
    rows = [
        ["name", "fileID", "backup"],
        ["a, the first", f"{PROD}/a,b.png", f"{TEST}/a.png"],
        ["b", f'{PROD}/say "hi".png', ""],
        [f"{TEST}/in name column.png", "", "x"],
        ["c", f"  {PROD}/padded.png  ", ""],
    ]
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    scan = find_ids(buf.getvalue())
    assert raws(scan) == [
        f"{PROD}/a,b.png",
        f"{TEST}/a.png",
        f'{PROD}/say "hi".png',
        f"{TEST}/in name column.png",
        f"{PROD}/padded.png",
    ]
    assert scan.lines_without_id == 1  # the header
    assert scan.total_lines == 5


def test_csv_with_header_reads_a_bare_id_field_up_to_its_comma() -> None:
    text = f"fileID,size,type\n{PROD}/a.png,12,image/png\n{PROD}/b c.png,13,image/png\n"
    assert raws(find_ids(text)) == [f"{PROD}/a.png", f"{PROD}/b c.png"]


def test_csv_row_that_does_not_fit_the_table_is_a_plain_line() -> None:
    rows = "\n".join(f"{PROD}/{i}.png,{i}" for i in range(20))
    text = f"fileID,size\n{rows}\n{PROD}/odd, name, here.png\n"
    scan = find_ids(text)
    assert raws(scan)[-1] == f"{PROD}/odd, name, here.png"
    assert len(scan.ids) == 21


def test_semicolon_csv_with_header() -> None:
    text = f"Datei;fileID\nx;{PROD}/a b.png\ny;{PROD}/c.png\n"
    assert raws(find_ids(text)) == [f"{PROD}/a b.png", f"{PROD}/c.png"]


def test_headerless_csv_ids_in_later_or_quoted_columns() -> None:
    text = f'1,{PROD}/a b.png,12\n2,"{PROD}/c, d.png",13\n"{PROD}/e, f.png",14\n'
    assert raws(find_ids(text)) == [f"{PROD}/a b.png", f"{PROD}/c, d.png", f"{PROD}/e, f.png"]


def test_headerless_bare_first_column_is_the_whole_line_as_specified() -> None:
    # Indistinguishable from a list whose keys hold commas (DESIGN §1.2): the line wins.
    assert raws(find_ids(f"{PROD}/a.png,12\n")) == [f"{PROD}/a.png,12"]


def test_tsv_quoted_and_unquoted() -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, dialect="excel-tab")
    writer.writerow(["n", "fileID"])
    writer.writerow(["1", f"{PROD}/a b, c.png"])
    writer.writerow(["2", f'{PROD}/q"uote.png'])
    scan = find_ids(buf.getvalue())
    assert raws(scan) == [f"{PROD}/a b, c.png", f'{PROD}/q"uote.png']


def test_gb18030_csv_from_excel_with_chinese_headers() -> None:
    text = (
        "序号,文件名,云文件ID,备注\r\n"
        f"1,图片一,{PROD}/图片/一 号.png,无\r\n"
        f'2,"报告，终稿",{TEST}/报告/终稿 v2.pdf,"含逗号, 的备注"\r\n'
        f"3,{PROD}/在第二列.png,,\r\n"
    )
    data = text.encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # the fixture really is not UTF-8
    scan = find_ids(decode_input(data, "导出.csv"))
    assert raws(scan) == [
        f"{PROD}/图片/一 号.png",
        f"{TEST}/报告/终稿 v2.pdf",
        f"{PROD}/在第二列.png",
    ]
    assert scan.lines_without_id == 1


# --------------------------------------------------------------------------- summary


@pytest.mark.parametrize(
    ("ids", "duplicates", "without", "malformed", "expected"),
    [
        (0, 0, 0, 0, "0 IDs"),
        (1, 0, 0, 0, "1 ID"),
        (1_204, 3, 2, 0, "1,204 IDs (3 duplicates, 2 lines without an ID)"),
        (2, 1, 1, 1, "2 IDs (1 duplicate, 1 line without an ID, 1 malformed ID)"),
        (1_000_000, 12_345, 0, 2, "1,000,000 IDs (12,345 duplicates, 2 malformed IDs)"),
    ],
)
def test_summary(ids: int, duplicates: int, without: int, malformed: int, expected: str) -> None:
    fid = parse_fileid(f"{PROD}/x")
    scan = IdScan(
        ids=(fid,) * ids,
        duplicates=duplicates,
        lines_without_id=without,
        malformed=(Malformed(1, "cloud://x", "bad"),) * malformed,
        total_lines=0,
    )
    assert summary(scan) == expected
    assert scan.summary() == expected


def test_summary_of_a_real_scan() -> None:
    text = f"header\n{PROD}/a\n{PROD}/a\ncloud://X.b/c\n{PROD}/b\n"
    assert find_ids(text).summary() == "2 IDs (1 duplicate, 1 line without an ID, 1 malformed ID)"


# --------------------------------------------------------------------------- merging


def test_collector_keeps_first_seen_order_and_counts_repeats_across_inputs() -> None:
    collector = IdCollector()
    first = collector.add_text(f"{PROD}/a\n{PROD}/b\n{PROD}/a\nnote\n", source="one.txt")
    assert raws(first) == [f"{PROD}/a", f"{PROD}/b"]
    assert first.duplicates == 1
    second = collector.add(find_ids(f"{TEST}/c\n{PROD}/b\ncloud://BAD.x/y\n", source="two"))
    assert raws(second) == [f"{TEST}/c"]  # only what is new
    assert second.duplicates == 1
    assert len(collector) == 3
    assert f"{PROD}/b" in collector
    assert parse_fileid(f"{TEST}/c") in collector
    assert f"{TEST}/zzz" not in collector
    assert 42 not in collector
    total = collector.scan()
    assert [fid.raw for fid in collector.ids] == [f"{PROD}/a", f"{PROD}/b", f"{TEST}/c"]
    assert (total.duplicates, total.lines_without_id, total.total_lines) == (2, 1, 7)
    assert [(m.source, m.line) for m in total.malformed] == [("two", 3)]
    collector.clear()
    assert len(collector) == 0
    assert collector.scan() == IdScan((), 0, 0, (), 0)


def test_merge_scans() -> None:
    a = find_ids(f"{PROD}/1\n{PROD}/2\n")
    b = find_ids(f"{PROD}/2\n{PROD}/3\n{PROD}/3\n")
    merged = merge_scans(a, b)
    assert raws(merged) == [f"{PROD}/1", f"{PROD}/2", f"{PROD}/3"]
    assert merged.duplicates == 2
    assert merged.total_lines == 5
    assert merge_scans() == IdScan((), 0, 0, (), 0)


# --------------------------------------------------------------------------- decoding

SAMPLE = f"文件ID\n{PROD}/图片/a b.png\n{TEST}/x.png\n"


@pytest.mark.parametrize(
    "data",
    [
        SAMPLE.encode("utf-8"),
        codecs.BOM_UTF8 + SAMPLE.encode("utf-8"),
        SAMPLE.encode("utf-16"),  # BOM, native order
        codecs.BOM_UTF16_LE + SAMPLE.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + SAMPLE.encode("utf-16-be"),
        SAMPLE.encode("utf-32"),
        SAMPLE.encode("utf-16-le"),  # no BOM: found by its NUL bytes
        SAMPLE.encode("utf-16-be"),
        SAMPLE.encode("gb18030"),
    ],
    ids=[
        "utf8",
        "utf8-bom",
        "utf16",
        "utf16le-bom",
        "utf16be-bom",
        "utf32",
        "utf16le-nobom",
        "utf16be-nobom",
        "gb18030",
    ],
)
def test_decode_supported_encodings(data: bytes) -> None:
    text = decode_input(data, "ids.txt")
    assert text == SAMPLE
    assert raws(find_ids(text)) == [f"{PROD}/图片/a b.png", f"{TEST}/x.png"]


def test_decode_keeps_ansi_colours_of_logs() -> None:
    line = f"\x1b[32mINFO\x1b[0m fetched {PROD}/a.png\n"
    assert decode_input((line * 50).encode()) == line * 50


def test_decode_empty() -> None:
    assert decode_input(b"") == ""


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"cloud://e.b/x\x00\x01\x02\x03" * 10, "binary"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b"PK\x03\x04\x14\x00\x00\x00\x08\x00", "binary"),
        (bytes(range(1, 32)) * 20, "binary"),  # controls, no NUL: still binary
        # Neither UTF-8 nor GB18030, yet text (no controls): its encoding is named.
        (b"ok \xff\x80 bad" * 10, "not in an encoding TCB Links reads"),
        (codecs.BOM_UTF16_LE + b"a\x00b", "UTF-16"),  # odd length after the BOM
        (codecs.BOM_UTF8 + b"ok \xff\xfe", "UTF-8"),
    ],
)
def test_decode_refuses_binary_and_undecodable_naming_the_input(data: bytes, words: str) -> None:
    with pytest.raises(InputError) as caught:
        decode_input(data, "upload.bin")
    message = str(caught.value)
    assert message.startswith("upload.bin ")
    assert words in message
    assert caught.value.kind is ErrorKind.INPUT


def _refusal(data: bytes, name: str = "ids.txt") -> str:
    with pytest.raises(InputError) as caught:
        decode_input(data, name)
    assert caught.value.kind is ErrorKind.INPUT
    return str(caught.value)


def test_a_windows_1252_file_is_refused_as_text_naming_its_line_and_byte() -> None:
    """A list saved as Windows-1252 / Latin-1 ("café") is text in an encoding this
    program does not read, not "binary data": the refusal says where and how to fix it."""
    data = f"{PROD}/a.png\n{PROD}/menu/café.png\n".encode("cp1252")
    message = _refusal(data)
    assert "binary" not in message
    assert message == (
        "ids.txt is text, but not in an encoding TCB Links reads (UTF-8, UTF-16 or "
        "GB18030): line 2 has the byte 0xE9 (“é” in Windows-1252 / Latin-1). Save the "
        "file as UTF-8 and try again."
    )


def test_windows_1252_that_happens_to_decode_as_gb18030_is_not_misread() -> None:
    """ "Zürich" / "naïve" in Windows-1252: each accented byte and the ASCII letter after
    it form a GB18030 character, so the file decoded as Chinese and its keys were
    silently mangled ("Z黵ich"). It is refused like any other Windows-1252 file."""
    data = f"{PROD}/Zürich/naïve.png\r\n".encode("cp1252")
    assert data.decode("gb18030")  # the silent misreading this guards against
    message = _refusal(data)
    assert "line 1 has the byte 0xFC (“ü” in Windows-1252 / Latin-1)" in message


def test_utf8_with_a_stray_windows_1252_byte_is_not_read_as_gb18030() -> None:
    """A UTF-8 list with one line pasted in from a Windows-1252 file decoded whole as
    GB18030: every Chinese key silently became other characters ("图片" as "鍥剧墖")."""
    data = f"{PROD}/图片/a.png\n{PROD}/说明.png\n".encode() + b"# Z\xfcrich\n"
    assert "鍥剧墖" in data.decode("gb18030")  # the silent misreading this guards against
    message = _refusal(data)
    assert "line 3 has the byte 0xFC (“ü” in Windows-1252 / Latin-1)" in message


def test_a_byte_windows_1252_does_not_define_is_named_without_a_reading() -> None:
    message = _refusal(b"ok \x81 line\n" * 20)
    assert "line 1 has the byte 0x81. Save the file as UTF-8" in message


@pytest.mark.parametrize(
    "text",
    [
        f"{PROD}/朱镕基/讲话.png\n",  # 镕 is GBK's (its second byte is ASCII), the rest GB2312
        "文件ID,说明\r\n" + "".join(f"{PROD}/資料/檔案{i}.png,繁體\r\n" for i in range(50)),
    ],
)
def test_chinese_with_gbk_characters_still_reads_as_gb18030(text: str) -> None:
    assert decode_input(text.encode("gb18030"), "ids.csv") == text


@pytest.mark.parametrize("text_before", [0, 200_000])
def test_random_bytes_without_nul_are_still_binary(text_before: int) -> None:
    """Random bytes are binary, also after a text start longer than the sniffed part."""
    head = (f"{PROD}/a.png\n" * (1 + text_before // 60)).encode()[:text_before]
    data = head + bytes(b or 1 for b in random.Random(3).randbytes(4_096))
    assert "not a text file (it looks like binary data)" in _refusal(data)


# --------------------------------------------------------------------------- reading


class CountingStream(io.RawIOBase):
    """A binary stream that records how much was read and can return short reads."""

    def __init__(self, data: bytes, *, max_read: int | None = None) -> None:
        self._data = io.BytesIO(data)
        self.bytes_read = 0
        self._max_read = max_read

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self._max_read is not None and (size < 0 or size > self._max_read):
            size = self._max_read
        chunk = self._data.read(size)
        self.bytes_read += len(chunk)
        return chunk


class FailingStream(io.RawIOBase):
    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        raise OSError(5, "Input/output error")


def test_random_blob_is_refused_from_its_first_chunk() -> None:
    blob = random.Random(7).randbytes(4 * 1024 * 1024)
    stream = CountingStream(blob)
    with pytest.raises(InputError, match="binary"):
        read_ids_from_stream(stream, "blob.bin")  # type: ignore[arg-type]
    assert stream.bytes_read <= SNIFF_BYTES


def test_random_blob_without_nul_bytes_is_refused_too() -> None:
    blob = random.Random(8).randbytes(2 * 1024 * 1024).replace(b"\x00", b"\x01")
    stream = CountingStream(blob)
    with pytest.raises(InputError, match="binary"):
        read_ids_from_stream(stream, "blob.bin")  # type: ignore[arg-type]
    assert stream.bytes_read <= SNIFF_BYTES


def test_binary_after_a_text_start_is_refused_when_read_whole() -> None:
    text = (f"{PROD}/a.png\n" * (SNIFF_BYTES // 40)).encode()
    stream = CountingStream(text + b"\x00\x01binary tail")
    with pytest.raises(InputError, match="binary"):
        read_ids_from_stream(stream, "mixed")  # type: ignore[arg-type]


def test_stream_over_the_limit_stops_reading() -> None:
    data = (f"{PROD}/a.png\n" * 2_000).encode()
    stream = CountingStream(data)
    with pytest.raises(InputError, match="larger than 1,000 bytes") as caught:
        read_ids_from_stream(stream, "stdin", max_bytes=1_000)  # type: ignore[arg-type]
    assert stream.bytes_read <= 1_001
    assert str(caught.value).startswith("stdin ")


def test_stream_with_short_reads_is_read_whole() -> None:
    lines = [f"{PROD}/图 {i}.png" for i in range(10_000)]
    data = "\n".join(lines).encode("utf-8")
    stream = CountingStream(data, max_read=333)  # cuts multi-byte characters apart
    scan = read_ids_from_stream(stream, "pipe")  # type: ignore[arg-type]
    assert raws(scan) == lines


def test_stream_read_error_is_an_input_error() -> None:
    with pytest.raises(InputError, match="Cannot read stdin: Input/output error"):
        read_ids_from_stream(FailingStream(), "stdin")  # type: ignore[arg-type]


def test_read_path(tmp_path: Path) -> None:
    path = tmp_path / "列表.csv"
    path.write_bytes(codecs.BOM_UTF8 + f"fileID\r\n{PROD}/a.png\r\ncloud://X.y/z\r\n".encode())
    scan = read_ids_from_path(path)
    assert raws(scan) == [f"{PROD}/a.png"]
    assert scan.malformed == (Malformed(3, "cloud://X.y/z", scan.malformed[0].reason, str(path)),)


def test_read_path_refuses_a_huge_file_before_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as file:
        file.truncate(MAX_INPUT_BYTES + 1)  # sparse: all NUL, so reading it would say binary
    with pytest.raises(InputError, match="larger than 64 MiB"):
        read_ids_from_path(path)


def test_read_path_with_a_small_limit(tmp_path: Path) -> None:
    path = tmp_path / "ids.txt"
    path.write_text(f"{PROD}/a.png\n" * 100, encoding="utf-8")
    with pytest.raises(InputError, match=r"larger than 1\.5 KiB"):
        read_ids_from_path(path, max_bytes=1536)
    assert len(read_ids_from_path(path, max_bytes=path.stat().st_size).ids) == 1


def test_read_path_refuses_binary_folders_and_missing_files(tmp_path: Path) -> None:
    blob = tmp_path / "photo.jpg"
    blob.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + random.Random(1).randbytes(100_000))
    with pytest.raises(InputError, match="not a text file"):
        read_ids_from_path(blob)
    with pytest.raises(InputError, match="is a folder"):
        read_ids_from_path(tmp_path)
    with pytest.raises(InputError, match=r"Cannot read .*missing\.txt"):
        read_ids_from_path(tmp_path / "missing.txt")


# --------------------------------------------------------------------------- properties

_KEY_CHARS = st.one_of(
    st.sampled_from(list("abcXYZ019 ,+&=;@$|.-_()[]{}'\"#%!~图片文件夹报告（终稿）【】，。")),
    st.characters(
        blacklist_categories=("Cc", "Cs", "Zl", "Zp"),
        blacklist_characters="/\x85",
    ),
)
_SEGMENT = st.one_of(st.just(".."), st.just("."), st.text(_KEY_CHARS, min_size=1, max_size=12))
ENVS = st.from_regex(r"[a-z0-9][a-z0-9-]{0,15}", fullmatch=True)
BUCKETS = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,30}", fullmatch=True)


@st.composite
def file_ids(draw: st.DrawFn) -> FileId:
    key = "/".join(draw(st.lists(_SEGMENT, min_size=1, max_size=6)))
    if draw(st.booleans()):
        key = "/" + key  # several '/' and a leading one
    # Documented limits of finding: trailing whitespace and invisible characters are
    # trimmed, and a key may not hold "cloud:" (another ID would start there).
    assume(key == trim_end(key) and "cloud:" not in key)
    assume(len(key.encode("utf-8", "surrogatepass")) <= MAX_KEY_BYTES)
    return parse_fileid(f"cloud://{draw(ENVS)}.{draw(BUCKETS)}/{key}")


def unique(ids: list[FileId]) -> list[FileId]:
    return list(dict.fromkeys(ids))


PROPERTY = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(st.lists(file_ids(), max_size=20), st.sampled_from(["\n", "\r\n", "\r"]))
def test_property_one_id_a_line_round_trips(ids: list[FileId], newline: str) -> None:
    scan = find_ids(newline.join(fid.raw for fid in ids))
    assert list(scan.ids) == unique(ids)
    assert scan.duplicates == len(ids) - len(unique(ids))
    assert (scan.lines_without_id, scan.malformed) == (0, ())


@PROPERTY
@given(
    st.lists(file_ids(), max_size=15),
    st.booleans(),
    st.sampled_from([None, 2]),
    st.sampled_from(["fileID", "fileid", "files"]),
)
def test_property_json_round_trips(
    ids: list[FileId], ascii_only: bool, indent: int | None, key: str
) -> None:
    doc = {"errcode": 0, "data": {"list": [{key: fid.raw, "n": i} for i, fid in enumerate(ids)]}}
    scan = find_ids(json.dumps(doc, ensure_ascii=ascii_only, indent=indent))
    assert list(scan.ids) == unique(ids)
    assert scan.duplicates == len(ids) - len(unique(ids))
    assert scan.malformed == ()


_CELL = st.text(
    st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters="\x85"),
    max_size=12,
).filter(lambda cell: "cloud:" not in cell)


@PROPERTY
@given(
    st.lists(st.tuples(file_ids(), _CELL, _CELL), max_size=15),
    st.integers(0, 2),
    st.sampled_from(["excel", "excel-tab"]),
)
def test_property_csv_written_by_the_csv_module_round_trips(
    rows: list[tuple[FileId, str, str]], column: int, dialect: str
) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, dialect=dialect)
    writer.writerow([*["名称", "note", "more"][:column], "fileID", *["x", "y"][column:]])
    for fid, a, b in rows:
        cells = [a, b]
        cells.insert(column, fid.raw)
        writer.writerow(cells)
    ids = [fid for fid, _a, _b in rows]
    scan = find_ids(buf.getvalue())
    assert list(scan.ids) == unique(ids)
    assert scan.duplicates == len(ids) - len(unique(ids))


_LOG_KEY = st.text(
    st.sampled_from(list("abcXYZ019-_+&=@$图片文件/.")), min_size=1, max_size=20
).filter(lambda key: key[-1] not in "./")


@PROPERTY
@given(st.lists(st.tuples(ENVS, _LOG_KEY), max_size=10), st.sampled_from([" ok", ".", "", ","]))
def test_property_ids_in_log_lines_round_trip(pairs: list[tuple[str, str]], tail: str) -> None:
    ids = [parse_fileid(f"cloud://{env}.b-1/{key}") for env, key in pairs]
    text = "\n".join(
        f"2026-11-01 12:00:{i % 60:02} INFO fetched {fid.raw}{tail}" for i, fid in enumerate(ids)
    )
    scan = find_ids(text)
    assert list(scan.ids) == unique(ids)
    assert scan.lines_without_id == 0


@PROPERTY
@given(st.lists(st.integers(0, 5), max_size=40))
def test_property_order_and_duplicate_counts(picks: list[int]) -> None:
    pool = [f"{PROD if i % 2 else TEST}/{i} 号.png" for i in range(6)]
    lines = [pool[i] for i in picks]
    scan = find_ids("\n".join(lines))
    assert raws(scan) == list(dict.fromkeys(lines))
    assert scan.duplicates == len(lines) - len(set(lines))


_NASTY = st.sampled_from(
    [
        "cloud://",
        "cloud:\\/\\/",
        "e.b/",
        "E.b/",
        '"',
        "'",
        ",",
        ";",
        "\t",
        "\n",
        "\r",
        " ",
        "{",
        "}",
        "[",
        "]",
        "(",
        ")",
        "\\",
        "\\u56fe",
        "\\ud800",
        "\ufeff",
        "1. ",
        ":",
        "\x00",
        "\ud800",
        "图",
        "fileID",
    ]
)


@PROPERTY
@given(st.one_of(st.text(), st.lists(st.one_of(_NASTY, st.text(max_size=3))).map("".join)))
def test_property_find_ids_never_raises_and_reports_consistently(text: str) -> None:
    scan = find_ids(text)
    assert len({fid.raw for fid in scan.ids}) == len(scan.ids)
    for fid in scan.ids:
        assert parse_fileid(fid.raw) == fid
    assert 0 <= scan.lines_without_id <= scan.total_lines
    for bad in scan.malformed:
        assert 1 <= bad.line <= max(scan.total_lines, 1)
        if len(bad.text) < MALFORMED_TEXT_MAX:  # else cut short, with "…"
            with pytest.raises(InvalidFileIdError):
                parse_fileid(bad.text)


@PROPERTY
@given(st.binary(max_size=2_000))
def test_property_decode_input_returns_text_or_input_error(data: bytes) -> None:
    try:
        text = decode_input(data, "x")
    except InputError as exc:
        message = str(exc)
    else:
        assert "\x00" not in text
        find_ids(text)
        return
    assert message.startswith("x ")
