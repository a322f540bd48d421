"""What a download tells its user is what happened: a malformed answer is not a cut
connection, and a file whose answer announced no size was not "size checked".

The engine's side over real loopback is in ``tests/e2e/test_hostile_wire.py``; here the
words, the records and ``verify_folder`` on their own.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tcb_gui.core.download_states import FileState, Integrity
from tcb_gui.core.downloads import DownloadOutcome, VerifyState, verify_folder
from tcb_gui.core.downloads.files import FileOps
from tcb_gui.core.downloads.manifest import Manifest, manifest_path
from tcb_gui.core.downloads.records import (
    DOWNLOAD_RETRY,
    MALFORMED_TRIES,
    Malformed,
    Transient,
    tries_allowed,
)
from tcb_gui.core.fileids import FileId, parse_fileid
from tcb_gui.core.malformed import MalformedAnswer
from tcb_gui.core.netmessages import describe_transport_error

CUT = "Network error: the connection was cut"


def fid(key: str) -> FileId:
    return parse_fileid(f"cloud://env-a.b-1/{key}")


# -- the words of a malformed answer ------------------------------------------------------


@pytest.mark.parametrize(
    "what",
    [
        "malformed chunk size",
        "unsupported Transfer-Encoding 'gzip, chunked'",
        "conflicting Content-Length",
        "the server switched protocols",
    ],
)
def test_a_malformed_answer_says_so_with_what_was_wrong(what: str) -> None:
    words = describe_transport_error(MalformedAnswer(what))

    assert words == f"Network error: the host's answer was malformed ({what})"


def test_a_malformed_answer_is_still_a_remote_protocol_error() -> None:
    # Every existing ``except httpx.RemoteProtocolError`` (the wire's own resend of a
    # request on a connection closed while idle, the API client's retries) still holds.
    assert issubclass(MalformedAnswer, httpx.RemoteProtocolError)


@pytest.mark.parametrize(
    "cut",
    [
        "peer closed connection without sending complete message body",
        "Server disconnected without sending a response.",
        "the server closed the connection",
    ],
)
def test_a_genuine_cut_keeps_its_words(cut: str) -> None:
    assert describe_transport_error(httpx.RemoteProtocolError(cut)) == CUT


def test_a_malformed_answers_detail_loses_any_query() -> None:
    words = describe_transport_error(
        MalformedAnswer("bad redirect to https://cos.example/f.bin?sign=SECRET&t=1")
    )

    assert "SECRET" not in words
    assert "sign=" not in words
    assert "https://cos.example/f.bin" in words


def test_a_malformed_answer_is_tried_once_more_a_cut_as_often_as_the_policy_says() -> None:
    assert MALFORMED_TRIES == 2
    assert tries_allowed(DOWNLOAD_RETRY, Malformed("x")) == 2
    assert tries_allowed(DOWNLOAD_RETRY, Transient("x")) == DOWNLOAD_RETRY.max_tries == 5


# -- a file with nothing to check it against ----------------------------------------------


def test_the_report_names_how_each_saved_file_was_checked() -> None:
    def outcome(integrity: Integrity | None) -> dict[str, object]:
        ok = integrity is not None
        state = FileState.DONE if ok else FileState.FAILED
        path = Path("/d/f.bin") if ok else None
        return DownloadOutcome(fid("f.bin"), ok, path, 3, "", state, integrity=integrity).report()

    assert outcome(Integrity.VERIFIED)["integrity"] == "verified"
    assert outcome(Integrity.VERIFIED)["verified"] is True
    assert outcome(Integrity.SIZE_CHECKED)["integrity"] == "size checked"
    assert outcome(Integrity.SIZE_CHECKED)["verified"] is False
    assert outcome(Integrity.UNCHECKED)["integrity"] == "unchecked"
    assert outcome(Integrity.UNCHECKED)["verified"] is False
    assert outcome(None)["integrity"] is None


async def test_the_manifest_keeps_that_no_size_was_announced(tmp_path: Path) -> None:
    saved = tmp_path / "a.bin"
    saved.write_bytes(b"abc")
    st = saved.stat()
    manifest = Manifest(tmp_path, FileOps())
    (tmp_path / ".tcb-gui").mkdir()
    manifest.record_stat(fid("a.bin"), saved, 3, st.st_mtime_ns, None, sized=False)
    manifest.record_stat(fid("b.bin"), tmp_path / "b.bin", 3, st.st_mtime_ns, None)
    await manifest.save(final=True)

    files = json.loads(manifest_path(tmp_path).read_bytes())["files"]
    assert files[fid("a.bin").raw]["sized"] is False
    assert "sized" not in files[fid("b.bin").raw]  # as older versions wrote it
    again = Manifest(tmp_path, FileOps())
    again.load()
    assert again.entries[fid("a.bin").raw].sized is False
    assert again.entries[fid("b.bin").raw].sized is True


def _manifest_of(dest: Path, records: dict[str, dict[str, object]]) -> None:
    state = dest / ".tcb-gui"
    state.mkdir()
    body = {"version": 2, "files": records}
    (state / ".tcb-gui-manifest.json").write_text(json.dumps(body), encoding="utf-8")


def test_verify_says_unchecked_for_a_file_saved_without_a_size_or_checksum(
    tmp_path: Path,
) -> None:
    for name in ("unsized.bin", "old.bin"):
        (tmp_path / name).write_bytes(b"12345")
    _manifest_of(
        tmp_path,
        {
            fid("unsized.bin").raw: {
                "path": "unsized.bin",
                "size": 5,
                "mtime_ns": 0,
                "sized": False,
            },
            # A record of an older version: its size was announced and matched.
            fid("old.bin").raw: {"path": "old.bin", "size": 5, "mtime_ns": 0},
        },
    )

    results = {r.fileid: r for r in verify_folder(tmp_path)}

    unsized = results[fid("unsized.bin").raw]
    assert unsized.state is VerifyState.UNCHECKED
    assert unsized.ok  # nothing is wrong with it, as far as anyone can tell
    assert "size matches" not in unsized.message
    assert unsized.message == (
        "The size is as saved (no checksum or size was announced to check it against)"
    )
    assert results[fid("old.bin").raw].state is VerifyState.SIZE_CHECKED


def test_verify_still_finds_an_unchecked_file_that_changed_size(tmp_path: Path) -> None:
    (tmp_path / "unsized.bin").write_bytes(b"123")
    _manifest_of(
        tmp_path,
        {fid("u").raw: {"path": "unsized.bin", "size": 5, "mtime_ns": 0, "sized": False}},
    )

    (result,) = verify_folder(tmp_path)

    assert result.state is VerifyState.SIZE_MISMATCH
    assert not result.ok
