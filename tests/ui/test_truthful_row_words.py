"""The window says how a saved file was checked, and nothing more than was checked: a
file whose answer announced neither a checksum nor a size is not "size matches"; a
malformed answer is not "the connection was cut" (in English and in Chinese)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tcb_gui.core.download_progress import FileProgress
from tcb_gui.core.download_states import FileState, Integrity
from tcb_gui.core.errors import NETWORK_ERROR, with_detail
from tcb_gui.core.fileids import parse_fileid
from tcb_gui.core.malformed import MalformedAnswer
from tcb_gui.core.netmessages import describe_transport_error
from tcb_gui.ui.core_text import core_text
from tcb_gui.ui.download_cells import CellTexts, DownloadCell
from tcb_gui.ui.results_model import ResultsModel
from tcb_gui.ui.row_details import RowDetails

FILEID = parse_fileid("cloud://prod-4gkv.7072-prod-4gkv-1314114854/docs/b.pdf")


def saved_cell(integrity: Integrity | None) -> DownloadCell:
    report = FileProgress(
        FILEID, FileState.DONE, Path("/d/b.pdf"), 2048, None, 0.0, "", 0, integrity=integrity
    )
    return CellTexts().cell(report)


def details_of(qtbot, cell: DownloadCell) -> list[str]:
    model = ResultsModel()
    model.append_ids([FILEID])
    row = model.row_at(0)
    model.set_downloads([(row, cell)])
    pane = RowDetails(model)
    qtbot.addWidget(pane)
    pane.show_row(row)
    return pane.lines(row)


def saved_line(lines: list[str], saved: str) -> str:
    (line,) = [line for line in lines if line.startswith(saved)]
    return line


def test_a_file_saved_with_nothing_to_check_it_against_says_so(qtbot) -> None:
    lines = details_of(qtbot, saved_cell(Integrity.UNCHECKED))

    line = saved_line(lines, "Saved to")
    assert line == (
        "Saved to /d/b.pdf (2.0 KiB): not checked (the storage announced neither a "
        "checksum nor a size)"
    )
    assert "size matches" not in line


@pytest.mark.parametrize(
    ("integrity", "words"),
    [
        (Integrity.VERIFIED, ": its CRC-64 checksum matches the storage's"),
        (Integrity.SIZE_CHECKED, ": its size matches (the storage offered no checksum)"),
    ],
)
def test_a_checked_file_keeps_its_words(qtbot, integrity: Integrity, words: str) -> None:
    line = saved_line(details_of(qtbot, saved_cell(integrity)), "Saved to")

    assert line == f"Saved to /d/b.pdf (2.0 KiB){words}"


def test_a_saved_file_with_no_word_on_its_check_has_no_dangling_colon(qtbot) -> None:
    line = saved_line(details_of(qtbot, saved_cell(None)), "Saved to")

    assert line == "Saved to /d/b.pdf (2.0 KiB)"


def test_the_chinese_window_says_not_checked_and_malformed(qtbot, zh) -> None:
    line = saved_line(details_of(qtbot, saved_cell(Integrity.UNCHECKED)), "已保存到")

    assert line == "已保存到 /d/b.pdf（2.0 KiB）：未校验（云存储既未提供校验值，也未告知大小）"
    malformed = describe_transport_error(MalformedAnswer("malformed chunk size"))
    assert malformed == with_detail(
        NETWORK_ERROR.format(problem="the host's answer was malformed"), "malformed chunk size"
    )
    assert core_text(malformed) == "网络错误：服务器的应答格式有误（malformed chunk size）"


def downloading_cell(speed: float | None) -> DownloadCell:
    report = FileProgress(FILEID, FileState.DOWNLOADING, Path("/d/b.pdf"), 1024, 4096, speed, "", 0)
    return CellTexts().cell(report)


def test_a_transfer_not_timed_yet_has_no_speed_in_its_tip(qtbot) -> None:
    # Its first moments: the meter has one sample, and the tip said "at 0 B/s".
    first = downloading_cell(None)
    assert first.tooltip.splitlines()[0] == "Downloading: 1.0 KiB of 4.0 KiB"
    assert first.text == "Downloading 25 %"
    timed = downloading_cell(2048.0)
    assert timed.tooltip.splitlines()[0] == "Downloading: 1.0 KiB of 4.0 KiB at 2.0 KiB/s"


def test_the_chinese_tip_of_a_transfer_not_timed_yet(qtbot, zh) -> None:
    assert downloading_cell(None).tooltip.splitlines()[0] == "下载中：1.0 KiB / 4.0 KiB"


def test_the_chinese_window_says_why_a_connection_failed(qtbot, zh) -> None:
    """The system's reason for a connection that could not be made, in our words
    (tests/core/test_connection_failure_words.py), is translated as the doctor's is."""
    import httpx

    try:
        try:
            raise ConnectionRefusedError(111, "Connection refused")
        except OSError as exc:
            raise httpx.ConnectError(str(exc)) from exc
    except httpx.ConnectError as error:
        refused = describe_transport_error(error)
    assert refused == "Network error: connection refused"
    shown = core_text(refused)
    assert shown.startswith("网络错误：")
    assert "connection refused" not in shown
