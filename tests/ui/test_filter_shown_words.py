"""The text filter ("Filter by ID, link or status") matches what a row shows.

Bugs: "Verified", "Ready", "Saved", "Download failed" found nothing (only a row that
failed to resolve had its Status words in the filter's text), and a key fragment found
rows of other files whose link signature happened to hold those characters
(``?sign=…f19999e…``), which "Copy the links shown" then copied.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tcb_gui.core.client import LinkResult
from tcb_gui.core.download_progress import FileProgress
from tcb_gui.core.download_states import FileState, Integrity
from tcb_gui.core.fileids import FileId, parse_fileid
from tcb_gui.ui.download_cells import CellTexts, DownloadCell
from tcb_gui.ui.results_model import ResultsModel, Row
from tcb_gui.ui.results_proxy import ResultsProxy, StatusFilter

BUCKET = "7072-prod-4gkv-1314114854"


def fid(key: str) -> FileId:
    return parse_fileid(f"cloud://prod-4gkv.{BUCKET}/{key}")


def ok(f: FileId, sign: str = "0a1b2c3d", seconds: float = 7200) -> LinkResult:
    url = f"https://{BUCKET}.tcb.qcloud.la/{f.key}?sign={sign}&t=1765000000"
    return LinkResult(f, True, 0, "ok", url, datetime.now(UTC) + timedelta(seconds=seconds))


def cell(
    texts: CellTexts,
    f: FileId,
    state: FileState,
    *,
    errmsg: str = "",
    integrity: Integrity | None = None,
) -> DownloadCell:
    """The cell of the engine's report of a file half way (or all the way when saved)."""
    done = 8192 if state is FileState.DONE else 4096
    progress = FileProgress(f, state, Path("/d") / f.key, done, 8192, 0.0, errmsg, 0, 0, integrity)
    return texts.cell(progress)


@pytest.fixture
def model(qapp) -> ResultsModel:
    return ResultsModel()


@pytest.fixture
def proxy(model: ResultsModel) -> ResultsProxy:
    proxy = ResultsProxy()
    proxy.setSourceModel(model)
    return proxy


def shown(proxy: ResultsProxy, text: str) -> list[str]:
    proxy.set_text_filter(text)
    return [r.fileid.key for r in proxy.visible_rows()]


def test_the_status_a_row_shows_is_found(model: ResultsModel, proxy: ResultsProxy) -> None:
    ids = [fid(f"k/{n}.bin") for n in range(6)]
    model.append_ids(ids)
    model.apply_results([ok(ids[0]), ok(ids[1], seconds=-5), ok(ids[2]), ok(ids[3])])
    model.apply_results([ok(ids[4])])
    texts = CellTexts()
    verified = cell(texts, ids[2], FileState.DONE, integrity=Integrity.VERIFIED)
    saved = cell(texts, ids[3], FileState.DONE)
    broken = cell(texts, ids[4], FileState.FAILED, errmsg="Connection reset")
    rows = [model.row_for(f) for f in ids]
    model.set_downloads([(rows[2], verified), (rows[3], saved), (rows[4], broken)])
    model.flush()
    assert shown(proxy, "Verified") == ["k/2.bin"]  # was none
    assert shown(proxy, "ready") == ["k/0.bin"]  # the downloaded ones say more
    assert shown(proxy, "LINK EXPIRED") == ["k/1.bin"]
    assert shown(proxy, "saved") == ["k/3.bin"]
    assert shown(proxy, "download failed") == ["k/4.bin"]
    assert shown(proxy, "connection reset") == ["k/4.bin"]
    assert shown(proxy, "pending") == ["k/5.bin"]
    # Whatever the Status says, in the window's language, finds the row.
    for row in model.rows():
        assert row in visible(proxy, model.status_text(row))


def visible(proxy: ResultsProxy, text: str) -> list[Row]:
    proxy.set_text_filter(text)
    return proxy.visible_rows()


def test_a_link_is_matched_up_to_its_query(model: ResultsModel, proxy: ResultsProxy) -> None:
    wanted, other = fid("gen/f19990.bin"), fid("gen/f08464.bin")
    model.append_ids([wanted, other])
    model.apply_results([ok(wanted), ok(other, sign="77f19999e0c4")])
    model.flush()
    assert shown(proxy, "f1999") == ["gen/f19990.bin"]  # was both
    assert shown(proxy, "tcb.qcloud.la/gen/f08464") == ["gen/f08464.bin"]  # the link's path
    assert shown(proxy, "sign=") == []
    assert shown(proxy, "ok") == []  # the service's "ok" is shown nowhere


def test_a_row_whose_status_changes_comes_and_goes(
    model: ResultsModel, proxy: ResultsProxy
) -> None:
    ids = [fid(f"c/{n}.bin") for n in range(3)]
    model.append_ids(ids)
    model.apply_results([ok(f) for f in ids])
    model.flush()
    assert shown(proxy, "verified") == []
    texts = CellTexts()
    done = cell(texts, ids[1], FileState.DONE, integrity=Integrity.VERIFIED)
    model.set_downloads([(model.row_for(ids[1]), done)])
    model.flush()
    assert [r.fileid.key for r in proxy.visible_rows()] == ["c/1.bin"]

    proxy.set_text_filter("ready")
    assert proxy.rowCount() == 2
    moving = cell(texts, ids[0], FileState.DOWNLOADING)
    model.set_downloads([(model.row_for(ids[0]), moving)])
    model.flush()
    assert [r.fileid.key for r in proxy.visible_rows()] == ["c/2.bin"]
    proxy.set_text_filter("downloading 50 %")
    assert [r.fileid.key for r in proxy.visible_rows()] == ["c/0.bin"]


def test_the_text_and_the_status_filter_together(model: ResultsModel, proxy: ResultsProxy) -> None:
    ids = [fid(f"t/{n}.bin") for n in range(4)]
    model.append_ids(ids)
    model.apply_results([ok(ids[0]), ok(ids[1], seconds=-5)])
    model.flush()
    proxy.set_status_filter(StatusFilter.READY)
    assert shown(proxy, "t/") == ["t/0.bin"]
    proxy.set_status_filter(StatusFilter.PENDING)
    assert shown(proxy, "pending") == ["t/2.bin", "t/3.bin"]
    assert shown(proxy, "ready") == []


def test_the_status_is_found_in_the_windows_language(zh) -> None:
    model = ResultsModel()  # its words made in Chinese
    proxy = ResultsProxy()
    proxy.setSourceModel(model)
    ids = [fid(f"z/{n}.bin") for n in range(3)]
    model.append_ids(ids)
    model.apply_results([ok(ids[0]), ok(ids[1])])
    verified = cell(CellTexts(), ids[1], FileState.DONE, integrity=Integrity.VERIFIED)
    model.set_downloads([(model.row_for(ids[1]), verified)])
    model.flush()
    assert model.status_text(model.row_for(ids[1])) == "已校验"
    assert shown(proxy, "已校验") == ["z/1.bin"]
    assert shown(proxy, "可用") == ["z/0.bin"]
    assert shown(proxy, "verified") == []
