"""core.history keeps each row's download outcome: where the file was saved and how it
was checked, or why its download failed (core's kind and message), or how far a stopped
one got. A list saved before outcomes were kept still loads, as rows without one."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tcb_gui.core.client import LinkResult
from tcb_gui.core.download_session import SessionFile
from tcb_gui.core.download_states import FileState, Integrity
from tcb_gui.core.errors import ErrorKind
from tcb_gui.core.fileids import FileId, parse_fileid
from tcb_gui.core.history import HistoryStore, new_entry_id
from tcb_gui.core.redact import register_secret

ENV = "prod-4gkv.7072-prod-4gkv-1314114854"
NOW = 1_800_000_000.0


def fid(key: str) -> FileId:
    return parse_fileid(f"cloud://{ENV}/{key}")


def ok(fileid: FileId) -> LinkResult:
    url = f"https://7072-prod.tcb.qcloud.la/{fileid.key}?sign=abc123&t=1"
    return LinkResult(fileid, True, 0, "ok", url, datetime.fromtimestamp(NOW + 7200, UTC))


def ok_row(fileid: FileId) -> list[object]:
    """A resolved row as the history has always written it (seven fields)."""
    return [fileid.raw, "ok", 0, "ok", f"https://x.tcb.qcloud.la/{fileid.key}?s=1", NOW, None]


def write_list(store: HistoryStore, rows: list[list[object]]) -> str:
    """A list file written by hand, as this or an earlier version wrote it."""
    entry_id = new_entry_id(NOW)
    header = {
        "format": "tcb-gui-history",
        "version": 1,
        "id": entry_id,
        "created_at": NOW,
        "updated_at": NOW,
        "total": len(rows),
        "ok": 0,
        "failed": 0,
        "profile": None,
        "name": "ids.txt",
    }
    path = store.path_of(entry_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{json.dumps(header)}\n{json.dumps(rows)}\n", encoding="utf-8")
    return entry_id


@pytest.fixture
def store(tmp_path: Path) -> HistoryStore:
    return HistoryStore(tmp_path / "history")


def test_download_outcomes_come_back_as_they_were_saved(store: HistoryStore) -> None:
    ids = [fid(k) for k in ("verified.bin", "failed.bin", "stopped.bin", "there.bin", "q.bin")]
    verified, failed, stopped, there, moving = ids
    kept = [
        SessionFile(
            verified.raw,
            FileState.DONE,
            4096,
            4096,
            "/dl/verified.bin",
            integrity=Integrity.VERIFIED,
        ),
        SessionFile(
            failed.raw,
            FileState.FAILED,
            path="/dl/failed.bin",
            errmsg="The file is not on the server (404 Not Found)",
            kind=ErrorKind.FILE,
        ),
        SessionFile(stopped.raw, FileState.CANCELLED, 1024, 8192, "/dl/stopped.bin"),
        SessionFile(
            there.raw, FileState.SKIPPED, 10, 10, "/dl/there.bin", integrity=Integrity.SIZE_CHECKED
        ),
    ]
    # Under way when saved: the download list brings it back, not the history.
    under_way = SessionFile(moving.raw, FileState.DOWNLOADING, 5, 10, "/dl/q.bin")
    entry_id = new_entry_id(NOW)
    store.save(entry_id, ids, [ok(f) for f in ids], created_at=NOW, downloads=[*kept, under_way])

    loaded = store.load(entry_id)

    assert loaded.ids == ids
    assert loaded.downloads == [*kept, None]
    assert loaded.results == [ok(f) for f in ids]  # the links stay too


def test_rows_without_a_download_are_written_as_before(store: HistoryStore) -> None:
    a, b = fid("a.bin"), fid("b.bin")
    entry_id = new_entry_id(NOW)
    store.save(entry_id, [a, b], [ok(a), None], created_at=NOW, downloads=[None, None])
    rows = json.loads(store.path_of(entry_id).read_text(encoding="utf-8").splitlines()[1])
    assert [len(row) for row in rows] == [7, 7]


def test_a_list_saved_before_outcomes_were_kept_still_loads(store: HistoryStore) -> None:
    a, b = fid("old/a.bin"), fid("old/b.bin")
    failed = [b.raw, "failed", -503003, "File does not exist", None, None, "file"]
    entry_id = write_list(store, [ok_row(a), failed])

    loaded = store.load(entry_id)

    assert loaded.ids == [a, b]
    assert loaded.downloads == [None, None]
    assert loaded.skipped == 0
    assert [r.ok if r is not None else None for r in loaded.results] == [True, False]


@pytest.mark.parametrize(
    "outcome",
    [
        "done",
        ["done"],
        {"state": "downloading", "bytes_done": 5},
        {"state": "exploded"},
        {"state": ["done"]},
        {"path": "/dl/x.bin"},
    ],
)
def test_an_outcome_not_written_here_is_left_out_and_the_row_stays(
    store: HistoryStore, outcome: object
) -> None:
    a = fid("a.bin")
    entry_id = write_list(store, [[*ok_row(a), outcome]])

    loaded = store.load(entry_id)

    assert loaded.ids == [a]
    assert loaded.downloads == [None]
    assert loaded.results[0] is not None


def test_odd_fields_of_an_outcome_read_as_unknown(store: HistoryStore) -> None:
    a = fid("a.bin")
    odd = {
        "state": "done",
        "bytes_done": -5,
        "bytes_total": "10",
        "path": "x" * 5000,
        "errmsg": 7,
        "kind": "file",
        "integrity": "magic",
    }
    entry_id = write_list(store, [[*ok_row(a), odd]])

    (kept,) = store.load(entry_id).downloads

    # Saved, with nothing claimed that the file did not say plainly: not verified, no
    # path, no failure kind on a saved file.
    assert kept == SessionFile(a.raw, FileState.DONE)


def test_no_token_reaches_the_file_through_a_download_message(store: HistoryStore) -> None:
    secret = "tok-" + "d0wnl0ad" * 6
    register_secret(secret)
    a = fid("a.bin")
    leaky = SessionFile(
        a.raw, FileState.FAILED, errmsg=f"GET https://x.test/a?access_token={secret} failed"
    )
    entry_id = new_entry_id(NOW)
    store.save(entry_id, [a], [ok(a)], created_at=NOW, downloads=[leaky])
    assert secret not in store.path_of(entry_id).read_text(encoding="utf-8")
    (kept,) = store.load(entry_id).downloads
    assert kept is not None
    assert kept.state is FileState.FAILED
