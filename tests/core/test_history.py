"""core.history: lists saved and read back, the last N kept, nothing secret written."""

from __future__ import annotations

import json
import os
import stat
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tcb_gui.core.client import LinkResult
from tcb_gui.core.errors import ErrorKind, InputError
from tcb_gui.core.fileids import FileId, parse_fileid
from tcb_gui.core.history import (
    CURRENT_FILE,
    FILE_SUFFIX,
    ROWS_PER_LINE,
    HistoryEntry,
    HistoryStore,
    history_dir,
    new_entry_id,
    validate_entry_id,
)
from tcb_gui.core.redact import register_secret
from tcb_gui.core.settings import app_dirs

ENV = "prod-4gkv.7072-prod-4gkv-1314114854"
NOW = 1_800_000_000.0


def fid(key: str) -> FileId:
    return parse_fileid(f"cloud://{ENV}/{key}")


def ok(fileid: FileId, expires: float = NOW + 7200) -> LinkResult:
    url = f"https://7072-prod.tcb.qcloud.la/{fileid.key}?sign=abc123&t={int(expires)}"
    return LinkResult(fileid, True, 0, "ok", url, datetime.fromtimestamp(expires, UTC))


def failed(fileid: FileId, kind: ErrorKind = ErrorKind.FILE) -> LinkResult:
    return LinkResult(fileid, False, -503003, "File does not exist", None, None, kind)


def save(store: HistoryStore, entry_id: str, rows: list, **options: object) -> HistoryEntry:
    """``HistoryStore.save`` from (fileid, result) pairs."""
    return store.save(entry_id, [f for f, _ in rows], [r for _, r in rows], **options)  # type: ignore[arg-type]


@pytest.fixture
def store() -> HistoryStore:
    return HistoryStore()


def test_the_folder_is_under_the_data_dir() -> None:
    assert history_dir() == app_dirs().data / "history"
    assert HistoryStore().directory == history_dir()


def test_round_trip_keeps_every_state_and_field(store: HistoryStore) -> None:
    a, b, c = fid("a/图片 1.png"), fid("b,c;d.txt"), fid("c/e.bin")
    rows = [(a, ok(a)), (b, failed(b, ErrorKind.NETWORK)), (c, None)]
    entry = save(
        store, "20270115-080000-abcdef", rows, created_at=NOW - 60, profile="prod", now=NOW
    )
    assert (entry.total, entry.ok, entry.failed, entry.pending) == (3, 1, 1, 1)
    loaded = store.load(entry.id)
    assert loaded.entry == entry
    assert loaded.skipped == 0
    assert loaded.ids == [a, b, c]
    assert loaded.results == [ok(a), failed(b, ErrorKind.NETWORK), None]
    assert loaded.results[0] is not None
    assert loaded.results[0].expires_at == datetime.fromtimestamp(NOW + 7200, UTC)


def test_the_file_is_json_lines_with_a_header_and_owner_only(store: HistoryStore) -> None:
    ids = [fid(f"k/{n}") for n in range(ROWS_PER_LINE + 5)]
    entry = save(store, new_entry_id(NOW), [(f, None) for f in ids], created_at=NOW)
    path = store.path_of(entry.id)
    assert path.parent == history_dir()
    assert path.name.endswith(FILE_SUFFIX)
    lines = path.read_text(encoding="utf-8").splitlines()
    header = json.loads(lines[0])
    assert header["format"] == "tcb-gui-history"
    assert header["total"] == len(ids)
    assert [len(json.loads(line)) for line in lines[1:]] == [ROWS_PER_LINE, 5]
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


def test_entries_are_newest_first_and_read_only_headers(store: HistoryStore) -> None:
    for n in range(3):
        save(
            store,
            f"2027011{n}-080000-00000{n}",
            [(fid(f"x/{n}"), None)],
            created_at=NOW,
            now=NOW + n,
        )
    entries = store.entries()
    assert [e.id for e in entries] == [
        "20270112-080000-000002",
        "20270111-080000-000001",
        "20270110-080000-000000",
    ]
    # A list whose rows are garbage is still listed: only its header is read.
    path = store.path_of(entries[0].id)
    path.write_text(path.read_text().splitlines()[0] + "\n{not json\n", encoding="utf-8")
    assert len(store.entries()) == 3


def test_only_the_newest_lists_are_kept(store: HistoryStore) -> None:
    store.keep = 3
    ids = []
    for n in range(6):
        entry = save(
            store, new_entry_id(NOW + n), [(fid(f"x/{n}"), None)], created_at=NOW, now=NOW + n
        )
        ids.append(entry.id)
    assert [e.id for e in store.entries()] == ids[:-4:-1]
    assert len(list(store.directory.glob(f"*{FILE_SUFFIX}"))) == 3
    # Pruning by hand (a smaller history size in Settings) drops the oldest.
    assert store.prune(2) == [ids[3]]
    assert [e.id for e in store.entries()] == [ids[5], ids[4]]


def test_the_list_being_saved_is_never_pruned(store: HistoryStore) -> None:
    store.keep = 1
    old = save(store, new_entry_id(), [(fid("a"), None)], created_at=NOW, now=NOW + 100)
    # Saved with an older time (a clock that jumped back), it is still kept.
    new = save(store, new_entry_id(), [(fid("b"), None)], created_at=NOW, now=NOW)
    assert [e.id for e in store.entries()] == [new.id]
    assert not store.path_of(old.id).exists()


def test_keep_zero_turns_history_off(store: HistoryStore) -> None:
    save(store, new_entry_id(), [(fid("a"), None)], created_at=NOW)
    store.keep = 0
    save(store, new_entry_id(), [(fid("b"), None)], created_at=NOW)
    assert store.entries() == []
    assert store.current_id() is None
    with pytest.raises(InputError):
        store.keep = 101


def test_current_is_the_last_saved_or_none_after_a_clear(store: HistoryStore) -> None:
    assert store.current_id() is None
    first = save(store, new_entry_id(), [(fid("a"), None)], created_at=NOW, now=NOW + 2)
    second = save(store, new_entry_id(), [(fid("b"), None)], created_at=NOW, now=NOW + 1)
    assert store.current_id() == second.id  # the one saved last, not the newest time
    store.set_current(None)  # the user cleared the list
    assert store.current_id() is None
    store.set_current(first.id)
    assert store.current_id() == first.id
    # A missing or damaged pointer falls back to the most recent list.
    (store.directory / CURRENT_FILE).write_text("{", encoding="utf-8")
    assert store.current_id() == first.id
    (store.directory / CURRENT_FILE).unlink()
    store.delete(first.id)
    assert store.current_id() == second.id


def test_no_token_reaches_the_file(store: HistoryStore) -> None:
    secret = "tok-" + "s3cr3t" * 8
    register_secret(secret)
    a, b, c = fid("a"), fid("b"), fid("c")
    leaky_link = LinkResult(a, True, 0, "ok", f"https://x.test/a?access_token={secret}", None)
    leaky_message = LinkResult(
        b, False, None, f"POST https://api.test/x?access_token={secret} failed", None, None
    )
    entry = save(
        store, new_entry_id(), [(a, leaky_link), (b, leaky_message), (c, ok(c))], created_at=NOW
    )
    text = store.path_of(entry.id).read_text(encoding="utf-8")
    assert secret not in text
    assert "access_token=***" in text
    loaded = store.load(entry.id)
    assert loaded.results[0] is None  # a link that carried a token is resolved again
    assert entry.ok == 1  # and not counted as working


def test_damaged_rows_are_skipped_and_counted(store: HistoryStore) -> None:
    ids = [fid(f"d/{n}") for n in range(2 * ROWS_PER_LINE + 3)]
    entry = save(store, new_entry_id(), [(f, ok(f)) for f in ids], created_at=NOW)
    path = store.path_of(entry.id)
    lines = path.read_text(encoding="utf-8").splitlines()
    second = json.loads(lines[2])
    second[0] = ["cloud://no-bucket"]  # a malformed ID
    second[1] = 42  # not a row
    lines[1] = lines[1][: len(lines[1]) // 2]  # a cut line: its rows are lost
    lines[2] = json.dumps(second)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    loaded = store.load(entry.id)
    assert loaded.skipped == 3
    assert len(loaded.ids) == ROWS_PER_LINE - 2 + 3
    assert loaded.ids[0] == ids[ROWS_PER_LINE + 2]


def test_odd_rows_come_back_as_something_safe(store: HistoryStore) -> None:
    entry = save(store, new_entry_id(), [(fid("a"), None)], created_at=NOW)
    path = store.path_of(entry.id)
    header = path.read_text(encoding="utf-8").splitlines()[0]
    rows = [
        [fid("ok-no-url").raw, "ok", 0, "ok", "javascript:alert(1)", NOW, None],
        [fid("short").raw, "failed"],
        [fid("weird-kind").raw, "failed", "x", 5, None, "soon", "nonsense"],
        [fid("unknown-state").raw, "exploded"],
        [fid("huge-expiry").raw, "ok", 0, "ok", "https://x.test/a", 1e300, None],
        [fid("a").raw, "ok", 0, "ok", "https://x.test/a", NOW, None],
        [fid("a").raw],  # a duplicate of the row above
    ]
    path.write_text(f"{header}\n{json.dumps(rows)}\n", encoding="utf-8")
    loaded = store.load(entry.id)
    got = dict(zip((f.key for f in loaded.ids), loaded.results, strict=True))
    assert got["ok-no-url"] is None
    assert got["short"] == LinkResult(fid("short"), False, None, "", None, None, None)
    assert got["weird-kind"] == LinkResult(fid("weird-kind"), False, None, "", None, None, None)
    assert "unknown-state" not in got
    assert got["huge-expiry"] is not None
    assert got["huge-expiry"].expires_at is None
    assert loaded.skipped == 2


def test_unreadable_lists(store: HistoryStore, tmp_path: Path) -> None:
    with pytest.raises(InputError):
        store.load(new_entry_id())
    for bad in ("../../settings", "x", "20270101-000000-ABCDEF", 7):
        with pytest.raises(InputError):
            validate_entry_id(bad)
    entry = save(store, new_entry_id(), [(fid("a"), None)], created_at=NOW)
    path = store.path_of(entry.id)
    path.write_text('{"format": "something else"}\n[]\n', encoding="utf-8")
    assert store.entries() == []
    with pytest.raises(InputError, match="cannot be read"):
        store.load(entry.id)
    path.write_bytes(b"\xff\xfe not utf-8")
    assert store.entries() == []
    # Files that are not lists are ignored.
    (store.directory / "notes.jsonl").write_text("{}\n", encoding="utf-8")
    assert store.entries() == []
    assert HistoryStore(tmp_path / "missing").entries() == []


def test_a_hundred_thousand_rows(store: HistoryStore) -> None:
    ids = [fid(f"gen/size-1K/file-{n:06d}.bin") for n in range(100_000)]
    rows = [(f, ok(f) if n % 10 else failed(f)) for n, f in enumerate(ids)]
    started = time.perf_counter()
    entry = save(store, new_entry_id(), rows, created_at=NOW)
    saved = time.perf_counter()
    loaded = store.load(entry.id)
    done = time.perf_counter()
    assert (entry.total, entry.ok, entry.failed) == (100_000, 90_000, 10_000)
    assert loaded.ids == ids
    assert loaded.results[1] == rows[1][1]
    assert loaded.results[0] == rows[0][1]
    print(
        f"100,000 rows: save {saved - started:.2f} s, load {done - saved:.2f} s, "
        f"{store.path_of(entry.id).stat().st_size / 1e6:.1f} MB"
    )


def test_new_entry_ids_sort_by_time() -> None:
    first = new_entry_id(NOW)
    later = new_entry_id(NOW + timedelta(days=1).total_seconds())
    assert validate_entry_id(first) == first
    assert first < later
    assert first.startswith("20270115-080000-")


_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
_key = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30).filter(
    lambda k: not k.startswith("/")
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(key=_key, errmsg=_text, status=st.none() | st.integers(-(2**40), 2**40))
def test_any_key_and_message_survive(
    store: HistoryStore, key: str, errmsg: str, status: int | None
) -> None:
    try:
        fileid = fid(key)
    except ValueError:
        return  # not a valid ID: never in a list
    result = LinkResult(fileid, False, status, errmsg, None, None, ErrorKind.FILE)
    entry = save(store, new_entry_id(), [(fileid, result)], created_at=NOW)
    loaded = store.load(entry.id)
    assert loaded.ids == [fileid]
    got = loaded.results[0]
    assert got is not None
    assert (got.status, got.kind) == (status, ErrorKind.FILE)
    assert got.errmsg == errmsg or "***" in got.errmsg  # redaction may touch "sign=…"


def test_ids_and_results_must_pair_up(store: HistoryStore) -> None:
    with pytest.raises(ValueError, match="length"):
        store.save(new_entry_id(), [fid("a")], [], created_at=NOW)


def test_a_list_keeps_its_name_on_one_short_line(store: HistoryStore) -> None:
    a = fid("a/1.png")
    entry = save(
        store, "20270115-080000-abcdef", [(a, None)], created_at=NOW, name="ids\n\tof  Dec.txt"
    )
    assert entry.name == "ids of Dec.txt"
    assert store.load(entry.id).entry.name == "ids of Dec.txt"
    long = save(store, "20270115-080001-abcdef", [(a, None)], created_at=NOW, name="x" * 500)
    assert len(long.name) == 120


def test_a_smaller_history_keeps_the_protected_list(store: HistoryStore) -> None:
    """The list on screen (reopened, so saved longest ago) outlives a smaller history
    size; with the history off, it goes too."""
    ids = [
        save(store, new_entry_id(), [(fid(f"p/{n}"), None)], created_at=NOW, now=NOW + n).id
        for n in range(3)
    ]
    assert store.prune(1, protect=ids[0]) == [ids[2], ids[1]]
    assert [e.id for e in store.entries()] == [ids[0]]
    assert store.prune(0, protect=ids[0]) == [ids[0]]
    assert store.entries() == []


def test_a_file_cut_short_says_how_many_rows_it_lost(store: HistoryStore) -> None:
    """Cut at a line's end, a list came back 1,000 rows short and said nothing; cut
    inside a line, it said one row was left out."""
    ids = [fid(f"cut/{n}") for n in range(2 * ROWS_PER_LINE + 5)]
    entry = save(store, new_entry_id(), [(f, None) for f in ids], created_at=NOW)
    path = store.path_of(entry.id)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:3]), encoding="utf-8")  # the last line is gone
    loaded = store.load(entry.id)
    assert (len(loaded.ids), loaded.skipped, loaded.left_out) == (2 * ROWS_PER_LINE, 0, 5)
    path.write_text("".join(lines[:2]) + lines[2][:100], encoding="utf-8")
    loaded = store.load(entry.id)
    assert (loaded.skipped, loaded.left_out) == (1, ROWS_PER_LINE + 5)


def test_an_unreadable_current_list_is_not_swapped_for_another(store: HistoryStore) -> None:
    """The list open last had a damaged header: the next start brought back an older
    list instead, as if it were the last one, and said nothing."""
    older = save(store, new_entry_id(), [(fid("older"), None)], created_at=NOW, now=NOW)
    last = save(store, new_entry_id(), [(fid("last"), None)], created_at=NOW, now=NOW - 5)
    assert store.current_id() == last.id
    store.path_of(last.id).write_text("not json\n[]\n", encoding="utf-8")
    assert [e.id for e in store.entries()] == [older.id]
    assert store.current_id() == last.id
    with pytest.raises(InputError, match="cannot be read"):
        store.load(last.id)
    store.path_of(last.id).unlink()  # gone altogether: the newest kept list
    assert store.current_id() == older.id


def test_what_a_crash_left_half_written_is_swept(store: HistoryStore) -> None:
    """A save killed part way keeps the old list; its temporary file (as big as the
    list) stayed in the folder for ever."""
    entry = save(store, new_entry_id(), [(fid("kept"), None)], created_at=NOW)
    stale = store.directory / f".{entry.id}{FILE_SUFFIX}.k3x9q2ab.tmp"
    stale.write_text('{"format": "tcb-gui-history"', encoding="utf-8")
    old = time.time() - 2 * 3600
    os.utime(stale, (old, old))
    fresh = store.directory / f".{CURRENT_FILE}.p0w8e7rt.tmp"  # another window, saving now
    fresh.write_text("{", encoding="utf-8")
    notes = store.directory / "notes.tmp"  # not one of ours
    notes.write_text("mine", encoding="utf-8")
    os.utime(notes, (old, old))
    assert [f.key for f in store.load(entry.id).ids] == ["kept"]
    save(store, new_entry_id(), [(fid("next"), None)], created_at=NOW)
    assert not stale.exists()
    assert fresh.exists()
    assert notes.exists()
