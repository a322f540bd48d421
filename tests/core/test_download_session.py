"""The window's download list on disk: round trips, ordering of racing writes, leniency."""

from __future__ import annotations

import json
import os
import random
import stat
import threading
from pathlib import Path

import pytest

from tcb_gui.core import download_session as ds
from tcb_gui.core.download_session import (
    DownloadSession,
    SessionFile,
    SessionRecorder,
    SessionStore,
    next_revision,
    read_session,
    session_path,
)
from tcb_gui.core.downloads import (
    DownloadOptions,
    DownloadOutcome,
    FileProgress,
    FileState,
    Layout,
    OnExists,
)
from tcb_gui.core.errors import ErrorKind
from tcb_gui.core.fileids import parse_fileid

ENV = "prod-4gkv.7072-prod-4gkv-1314114854"


def fid(n: int) -> str:
    return f"cloud://{ENV}/photos/{n:04d} 照片.jpg"


def options(dest: Path, **kw: object) -> DownloadOptions:
    return DownloadOptions(dest=dest, **kw)  # type: ignore[arg-type]


def progress(n: int, state: FileState, done: int = 0, total: int | None = None, **kw: object):
    return FileProgress(
        fileid=parse_fileid(fid(n)),
        state=state,
        path=kw.get("path"),  # type: ignore[arg-type]
        bytes_done=done,
        bytes_total=total,
        speed=0.0,
        errmsg=str(kw.get("errmsg", "")),
        resumed_from=0,
        index=n,
    )


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_list_lives_in_the_state_folder(isolated_home: Path) -> None:
    assert session_path() == isolated_home / "state" / "downloads.json"
    assert SessionStore().path == session_path()


def test_round_trip_keeps_ids_options_and_states_but_no_links(tmp_path: Path) -> None:
    dest = tmp_path / "下载 folder"
    opts = DownloadOptions(
        dest=dest, layout=Layout.FLAT, on_exists=OnExists.RENAME, concurrency=7, limit_rate=2048
    )
    recorder = SessionRecorder(DownloadSession.start(opts, [fid(n) for n in range(4)], now=5.0))
    recorder.update(
        [
            progress(0, FileState.DONE, 10, 10, path=dest / "a.jpg"),
            progress(1, FileState.DOWNLOADING, 300, 1000),
            progress(2, FileState.FAILED, errmsg="No permission to read this file"),
        ]
    )
    store = SessionStore(tmp_path / "state" / "downloads.json")
    assert store.save(recorder.snapshot(now=9.0))

    mode = stat.S_IMODE(store.path.stat().st_mode)
    assert mode == 0o600
    text = store.path.read_text("utf-8")
    assert "照片" in text  # readable, not escaped
    assert "http" not in text
    assert "sign=" not in text

    loaded = store.load()
    assert loaded is not None
    assert loaded.options() == opts
    assert (loaded.started_at, loaded.updated_at) == (5.0, 9.0)
    by_id = {f.fileid: f for f in loaded.files}
    assert [f.fileid for f in loaded.files] == [fid(n) for n in range(4)]
    assert by_id[fid(0)] == SessionFile(fid(0), FileState.DONE, 10, 10, str(dest / "a.jpg"))
    assert by_id[fid(1)].bytes_done == 300
    assert by_id[fid(1)].bytes_total == 1000
    assert by_id[fid(2)].errmsg == "No permission to read this file"
    assert by_id[fid(3)] == SessionFile(fid(3))
    assert [f.fileid for f in loaded.unfinished()] == [fid(1), fid(3)]
    assert [f.fileid for f in loaded.complete()] == [fid(0)]
    assert loaded.has_unfinished
    assert "unfinished=2" in repr(loaded)


@pytest.mark.parametrize(
    ("state", "unfinished"),
    [
        (FileState.QUEUED, True),
        (FileState.DOWNLOADING, True),
        (FileState.PAUSED, True),
        (FileState.CANCELLED, True),
        (FileState.DONE, False),
        (FileState.SKIPPED, False),
        (FileState.FAILED, False),
    ],
)
def test_which_files_a_resumed_list_downloads(state: FileState, unfinished: bool) -> None:
    assert SessionFile(fid(1), state).unfinished is unfinished


def test_a_resumed_list_carries_its_complete_files_over(tmp_path: Path) -> None:
    kept = [SessionFile(fid(0), FileState.DONE, 5, 5, "x"), SessionFile(fid(1), FileState.SKIPPED)]
    session = DownloadSession.start(options(tmp_path), [fid(2), fid(1)], keep=kept)
    assert [f.fileid for f in session.files] == [fid(0), fid(1), fid(2)]
    assert session.files[0] == kept[0]
    assert session.files[1] == SessionFile(fid(1))  # asked for again: queued again
    assert session.files[2].state is FileState.QUEUED


def test_recorder_saves_at_a_bounded_rate() -> None:
    clock = Clock()
    recorder = SessionRecorder(
        DownloadSession.start(options(Path("/tmp/x")), [fid(0), fid(1)]), interval=3.0, clock=clock
    )
    assert recorder.due()  # never saved: the start is worth saving at once
    first = recorder.snapshot()
    assert not recorder.due()
    recorder.update([progress(0, FileState.DOWNLOADING, 1, 9)])
    assert recorder.dirty
    assert not recorder.due()
    clock.now += 2.9
    assert not recorder.due()
    clock.now += 0.2
    assert recorder.due()
    second = recorder.snapshot()
    assert second.revision > first.revision
    assert second.files[0].bytes_done == 1
    clock.now += 10
    assert not recorder.due()  # nothing changed since


def test_recorder_ignores_files_of_other_lists_and_keeps_known_paths() -> None:
    recorder = SessionRecorder(DownloadSession.start(options(Path("/d")), [fid(0)]))
    recorder.update([progress(0, FileState.DOWNLOADING, 1, 2, path=Path("/d/a"))])
    recorder.update([progress(0, FileState.PAUSED, 1, 2), progress(9, FileState.DONE, 1, 1)])
    snap = recorder.snapshot()
    assert [f.fileid for f in snap.files] == [fid(0)]
    assert snap.files[0].path == "/d/a"
    assert snap.files[0].state is FileState.PAUSED
    assert recorder.file(fid(9)) is None


def test_outcomes_and_token_pauses_reach_the_list() -> None:
    recorder = SessionRecorder(DownloadSession.start(options(Path("/d")), [fid(0), fid(1), fid(2)]))
    recorder.apply_outcomes(
        [
            DownloadOutcome(parse_fileid(fid(0)), True, Path("/d/a"), 42, "", FileState.DONE, None),
            DownloadOutcome(
                parse_fileid(fid(1)),
                False,
                None,
                0,
                "Network error: could not connect (gave up after 5 tries)",
                FileState.FAILED,
                ErrorKind.NETWORK,
            ),
            DownloadOutcome(
                parse_fileid(fid(2)), False, None, 0, "token", FileState.FAILED, ErrorKind.TOKEN
            ),
        ]
    )
    recorder.set_state([parse_fileid(fid(2))], FileState.PAUSED, "Waiting for a valid token")
    snap = recorder.snapshot()
    assert snap.files[0] == SessionFile(fid(0), FileState.DONE, 42, None, "/d/a")
    assert snap.files[1].kind is ErrorKind.NETWORK
    assert snap.files[2] == SessionFile(
        fid(2), FileState.PAUSED, errmsg="Waiting for a valid token"
    )
    assert recorder.has_unfinished


def test_an_older_snapshot_never_overwrites_a_newer_one(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "downloads.json")
    recorder = SessionRecorder(DownloadSession.start(options(tmp_path), [fid(0)]))
    old = recorder.snapshot()
    recorder.update([progress(0, FileState.DONE, 3, 3)])
    new = recorder.snapshot()
    assert store.save(new)
    assert not store.save(old)
    loaded = store.load()
    assert loaded is not None
    assert loaded.files[0].state is FileState.DONE


def test_a_cleared_list_stays_cleared(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "downloads.json")
    recorder = SessionRecorder(DownloadSession.start(options(tmp_path), [fid(0)]))
    late = recorder.snapshot()  # taken before the end, written after it (a slow thread)
    assert store.clear(next_revision())
    assert not store.save(late)
    assert not store.path.exists()
    # A newer list than the clear is written, and an older clear does not remove it.
    stale_clear = next_revision()
    newer = recorder.snapshot()
    assert store.save(newer)
    assert not store.clear(stale_clear)
    assert store.path.exists()
    assert store.clear()  # no revision: always
    assert not store.path.exists()
    assert store.clear()  # nothing there: fine


def test_racing_writers_leave_the_newest_state(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "downloads.json")
    recorder = SessionRecorder(DownloadSession.start(options(tmp_path), [fid(0)]))
    snapshots = []
    for n in range(40):
        recorder.update([progress(0, FileState.DOWNLOADING, n, 100)])
        snapshots.append(recorder.snapshot())
    random.Random(7).shuffle(snapshots)
    threads = [threading.Thread(target=store.save, args=(s,)) for s in snapshots]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    loaded = store.load()
    assert loaded is not None
    assert loaded.files[0].bytes_done == 39
    assert [p.name for p in tmp_path.iterdir()] == ["downloads.json"]  # no temp files


def test_a_failed_write_keeps_the_previous_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SessionStore(tmp_path / "downloads.json")
    recorder = SessionRecorder(DownloadSession.start(options(tmp_path), [fid(0)]))
    assert store.save(recorder.snapshot())
    before = store.path.read_bytes()

    def refuse(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    recorder.update([progress(0, FileState.DONE, 1, 1)])
    with pytest.raises(OSError, match="No space"):
        store.save(recorder.snapshot())
    assert store.path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["downloads.json"]


def _write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), "utf-8")
    return path


def _valid(tmp_path: Path) -> dict[str, object]:
    session = DownloadSession.start(options(tmp_path), [fid(0)])
    return ds.session_to_json(session)


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d.update(format="something else"),
        lambda d: d.update(version=99),
        lambda d: d.update(dest=""),
        lambda d: d.update(dest=None),
        lambda d: d.update(layout="spiral"),
        lambda d: d.update(on_exists="shred"),
        lambda d: d.update(concurrency=0),
        lambda d: d.update(concurrency=True),
        lambda d: d.update(limit_rate=-5),
        lambda d: d.update(files="all of them"),
        lambda d: d.update(files=[{"fileid": "not an id"}]),
        lambda d: d.update(files=[{"fileid": fid(0), "state": "exploded"}]),
        lambda d: d.update(files=[{"fileid": fid(0), "bytes_done": -1}]),
        lambda d: d.update(files=[{"fileid": fid(0), "path": 7}]),
        lambda d: d.update(files=[7]),
        lambda d: d.update(started_at="yesterday"),
    ],
)
def test_a_damaged_list_reads_as_none(tmp_path: Path, damage) -> None:
    data = _valid(tmp_path)
    assert read_session(_write(tmp_path / "ok.json", data)) is not None
    damage(data)
    assert read_session(_write(tmp_path / "bad.json", data)) is None


def test_unreadable_files_read_as_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert read_session(tmp_path / "missing.json") is None
    garbage = tmp_path / "garbage.json"
    garbage.write_bytes(b"\xff\xfe{not json")
    assert read_session(garbage) is None
    half = tmp_path / "half.json"
    half.write_text(json.dumps(_valid(tmp_path))[:40], "utf-8")
    assert read_session(half) is None
    assert read_session(tmp_path) is None  # a folder where the file should be
    big = _write(tmp_path / "big.json", _valid(tmp_path))
    monkeypatch.setattr(ds, "MAX_SESSION_BYTES", 10)
    assert read_session(big) is None


def test_long_error_messages_are_cut(tmp_path: Path) -> None:
    recorder = SessionRecorder(DownloadSession.start(options(tmp_path), [fid(0)]))
    recorder.update([progress(0, FileState.FAILED, errmsg="x" * 5000)])
    store = SessionStore(tmp_path / "d.json")
    store.save(recorder.snapshot())
    loaded = store.load()
    assert loaded is not None
    assert len(loaded.files[0].errmsg) == ds.MAX_ERRMSG_CHARS


def test_ten_thousand_queued_files_stay_a_small_file(tmp_path: Path) -> None:
    session = DownloadSession.start(options(tmp_path), [fid(n) for n in range(10_000)])
    store = SessionStore(tmp_path / "d.json")
    store.save(SessionRecorder(session).snapshot())
    assert os.path.getsize(store.path) < 1_000_000
    loaded = store.load()
    assert loaded is not None
    assert len(loaded.unfinished()) == 10_000
