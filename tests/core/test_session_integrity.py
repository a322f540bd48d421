"""The saved download list keeps how each saved file was checked.

A file that ended Verified (its CRC-64 matched the storage's) must not come back as
merely Saved after a restart; a list written before the check was kept reads as unknown,
never as verified.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tcb_gui.core.download_session import (
    DownloadSession,
    SessionFile,
    SessionRecorder,
    SessionStore,
)
from tcb_gui.core.downloads import (
    DownloadOptions,
    DownloadOutcome,
    FileProgress,
    FileState,
    Integrity,
)
from tcb_gui.core.fileids import parse_fileid

ENV = "prod-4gkv.7072-prod-4gkv-1314114854"


def fid(n: int) -> str:
    return f"cloud://{ENV}/photos/{n:04d}.jpg"


def progress(n: int, state: FileState, integrity: Integrity | None = None) -> FileProgress:
    return FileProgress(
        fileid=parse_fileid(fid(n)),
        state=state,
        path=Path(f"/d/{n}.jpg"),
        bytes_done=10,
        bytes_total=10,
        speed=0.0,
        errmsg="",
        resumed_from=0,
        index=n,
        integrity=integrity,
    )


def saved_and_loaded(tmp_path: Path, recorder: SessionRecorder) -> DownloadSession:
    store = SessionStore(tmp_path / "downloads.json")
    assert store.save(recorder.snapshot())
    loaded = store.load()
    assert loaded is not None
    return loaded


def test_each_kind_of_check_survives_a_save_and_a_load(tmp_path: Path) -> None:
    recorder = SessionRecorder(
        DownloadSession.start(DownloadOptions(dest=tmp_path), [fid(n) for n in range(5)])
    )
    recorder.update(
        [
            progress(0, FileState.DONE, Integrity.VERIFIED),
            progress(1, FileState.DONE, Integrity.SIZE_CHECKED),
            progress(2, FileState.DONE, Integrity.UNCHECKED),
            progress(3, FileState.SKIPPED, Integrity.VERIFIED),
            progress(4, FileState.DOWNLOADING),
        ]
    )
    loaded = saved_and_loaded(tmp_path, recorder)
    assert [f.integrity for f in loaded.files] == [
        Integrity.VERIFIED,
        Integrity.SIZE_CHECKED,
        Integrity.UNCHECKED,
        Integrity.VERIFIED,
        None,
    ]
    # Written as the words --report uses; nothing for a file not saved yet.
    entries = json.loads((tmp_path / "downloads.json").read_text("utf-8"))["files"]
    assert [e.get("integrity") for e in entries] == [
        "verified",
        "size checked",
        "unchecked",
        "verified",
        None,
    ]


def test_the_runs_final_word_carries_the_check(tmp_path: Path) -> None:
    recorder = SessionRecorder(
        DownloadSession.start(DownloadOptions(dest=tmp_path), [fid(0), fid(1), fid(2)])
    )
    recorder.update([progress(0, FileState.DOWNLOADING), progress(1, FileState.DOWNLOADING)])
    recorder.apply_outcomes(
        [
            DownloadOutcome(
                parse_fileid(fid(0)),
                True,
                Path("/d/0.jpg"),
                10,
                "",
                FileState.DONE,
                integrity=Integrity.VERIFIED,
            ),
            DownloadOutcome(
                parse_fileid(fid(1)),
                True,
                Path("/d/1.jpg"),
                10,
                "",
                FileState.SKIPPED,
                integrity=Integrity.SIZE_CHECKED,
            ),
            DownloadOutcome(parse_fileid(fid(2)), False, None, 0, "stopped", FileState.CANCELLED),
        ]
    )
    loaded = saved_and_loaded(tmp_path, recorder)
    assert [f.integrity for f in loaded.files] == [
        Integrity.VERIFIED,
        Integrity.SIZE_CHECKED,
        None,
    ]


def test_a_file_downloaded_again_forgets_its_old_check(tmp_path: Path) -> None:
    recorder = SessionRecorder(DownloadSession.start(DownloadOptions(dest=tmp_path), [fid(0)]))
    recorder.update([progress(0, FileState.DONE, Integrity.VERIFIED)])
    recorder.update([progress(0, FileState.DOWNLOADING)])
    assert recorder.snapshot().files[0].integrity is None
    recorder.update([progress(0, FileState.DONE, Integrity.VERIFIED)])
    recorder.set_state([parse_fileid(fid(0))], FileState.PAUSED, "Waiting for a valid token")
    assert recorder.snapshot().files[0].integrity is None


def test_a_resumed_list_keeps_the_check_of_its_complete_files(tmp_path: Path) -> None:
    kept = [SessionFile(fid(0), FileState.DONE, 10, 10, "/d/0.jpg", integrity=Integrity.VERIFIED)]
    session = DownloadSession.start(DownloadOptions(dest=tmp_path), [fid(1)], keep=kept)
    assert session.files[0].integrity is Integrity.VERIFIED


def write_saved_list(path: Path, dest: Path, *entries: dict[str, object]) -> Path:
    """A saved download list at ``path`` as version 1 writes it, with ``entries`` as files
    (the tests of the window's restore write one too)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {
                "format": "tcb-gui-downloads",
                "version": 1,
                "dest": str(dest),
                "layout": "tree",
                "on_exists": "skip",
                "concurrency": 4,
                "limit_rate": None,
                "started_at": 1.0,
                "updated_at": 2.0,
                "files": list(entries),
            }
        ),
        "utf-8",
    )
    return path


def older_list(tmp_path: Path, *entries: dict[str, object]) -> Path:
    return write_saved_list(tmp_path / "downloads.json", tmp_path, *entries)


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        # Written before the check was kept: unknown, never verified.
        ({"state": "done", "bytes_done": 10}, None),
        ({"state": "skipped", "bytes_done": 10}, None),
        # A word this version does not know (a later one's), or not a word: unknown.
        ({"state": "done", "integrity": "sha256 matched"}, None),
        ({"state": "done", "integrity": True}, None),
        # A check belongs to a saved file only.
        ({"state": "downloading", "integrity": "verified"}, None),
        ({"state": "failed", "integrity": "verified"}, None),
        ({"state": "done", "integrity": "verified"}, Integrity.VERIFIED),
        ({"state": "skipped", "integrity": "unchecked"}, Integrity.UNCHECKED),
    ],
)
def test_a_list_that_does_not_say_how_a_file_was_checked_reads_as_unknown(
    tmp_path: Path, entry: dict[str, object], expected: Integrity | None
) -> None:
    path = older_list(tmp_path, {"fileid": fid(0), **entry}, {"fileid": fid(1), "state": "queued"})
    loaded = SessionStore(path).load()
    assert loaded is not None  # the rest of the list is still offered
    assert loaded.files[0].integrity is expected
    assert loaded.files[0].state is FileState(entry["state"])
