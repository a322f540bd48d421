"""``verify`` → ``download`` repairs: a damaged copy of this program's own download is
replaced where it is, not kept beside a good copy.

Bug: a file an earlier run saved (the folder's manifest records it for its file ID, with
its size and CRC-64) that no longer matched (bit rot, a bad copy) was taken for "a
different existing file": the download went to ``name (1).ext``, the damaged file stayed
at ``<env>/<key>``, and the manifest now pointed at the copy, so ``verify`` said every
file was verified. Now the download replaces the damaged file, and says so; a user's file
the manifest does not give to the ID is still kept, the download beside it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from tcb_gui.core.downloads import messages as msg
from tcb_gui.core.downloads.integrity import RunningCrc64
from tcb_gui.demo import samples
from tcb_gui.demo.server import DemoServer
from tests.e2e.cli_helpers import CliRun, id_lines, run_cli

FLIPPED = "gen/size-300K/repair/flipped.bin"  # one byte changed, same size
CUT = "gen/size-1K/repair/cut.bin"  # cut short
INTACT = "gen/size-1K/repair/intact.bin"
KEYS = [FLIPPED, CUT, INTACT]
IDS = [samples.PROD.fileid(key) for key in KEYS]


def download(server: DemoServer, dest: Path, ids: list[str], report: Path) -> CliRun:
    argv = ["download", "--base-url", server.base_url, "--dest", str(dest)]
    return run_cli([*argv, "--report", str(report)], stdin=id_lines(ids))


def saved(dest: Path, key: str) -> Path:
    return dest / samples.PROD.env / key


def stored(key: str) -> bytes:
    return samples.file_bytes(samples.PROD.bucket, key)


def test_a_damaged_copy_of_our_own_download_is_replaced_in_place(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    dest, report = tmp_path / "files", tmp_path / "report.json"
    assert download(demo_server, dest, IDS, report).code == 0
    flipped = bytearray(saved(dest, FLIPPED).read_bytes())
    flipped[5] ^= 0xFF
    saved(dest, FLIPPED).write_bytes(flipped)
    saved(dest, CUT).write_bytes(stored(CUT)[:100])
    checked = run_cli(["verify", str(dest)])
    assert checked.code == 1
    assert "checksum mismatch" in checked.stderr
    assert "size mismatch" in checked.stderr

    run = download(demo_server, dest, IDS, report)

    assert run.code == 0, run.printed
    for key in KEYS:
        assert saved(dest, key).read_bytes() == stored(key)
    copies = [p.name for p in saved(dest, FLIPPED).parent.iterdir()]
    assert copies == ["flipped.bin"]  # no "flipped (1).bin" beside the damaged file
    assert sorted(p.name for p in saved(dest, CUT).parent.iterdir()) == [
        "cut.bin",
        "intact.bin",
    ]
    assert f"2 saved: {msg.REPLACED_DAMAGED}\n" in run.stderr
    records = {r["fileid"]: r for r in json.loads(report.read_text("utf-8"))}
    for key, repaired in [(FLIPPED, True), (CUT, True), (INTACT, False)]:
        record = records[samples.PROD.fileid(key)]
        assert record["ok"] is True
        assert record["repaired"] is repaired
        assert Path(record["path"]) == saved(dest, key)
    # The manifest records the repaired files where they are: verify checks those.
    verified = run_cli(["verify", str(dest)])
    assert verified.code == 0, verified.printed
    assert "Checked 3 files: 3 verified" in verified.stderr


def test_a_file_the_manifest_does_not_give_to_the_id_is_kept(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    dest, report = tmp_path / "files", tmp_path / "report.json"
    mine = saved(dest, CUT)
    mine.parent.mkdir(parents=True)
    mine.write_bytes(b"a user's own notes, not the file in storage")
    # A record of another ID does not make this file the ID's own either.
    assert download(demo_server, dest, [samples.PROD.fileid(INTACT)], report).code == 0

    run = download(demo_server, dest, [samples.PROD.fileid(CUT)], report)

    assert run.code == 0, run.printed
    assert mine.read_bytes() == b"a user's own notes, not the file in storage"
    beside = mine.with_name("cut (1).bin")
    assert beside.read_bytes() == stored(CUT)
    (record,) = json.loads(report.read_text("utf-8"))
    assert record["repaired"] is False
    assert Path(record["path"]) == beside
    assert msg.REPLACED_DAMAGED not in run.stderr


def test_a_copy_still_as_recorded_is_not_taken_for_damaged(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    """The manifest's copy with its recorded size and checksum, where the storage now
    holds another version (here: the record says the storage's checksum was another):
    not damaged, so not replaced; the new version goes beside it, as before."""
    dest, report = tmp_path / "files", tmp_path / "report.json"
    fileid = samples.PROD.fileid(FLIPPED)
    assert download(demo_server, dest, [fileid], report).code == 0
    manifest_file = dest / ".tcb-gui" / ".tcb-gui-manifest.json"
    manifest = json.loads(manifest_file.read_text("utf-8"))
    old = bytes(reversed(stored(FLIPPED)))  # the "earlier version": same size
    saved(dest, FLIPPED).write_bytes(old)
    st = os.stat(saved(dest, FLIPPED))
    manifest["files"][fileid]["mtime_ns"] = st.st_mtime_ns - 1  # not vouched as complete
    crc = RunningCrc64()
    crc.update(old)
    manifest["files"][fileid]["crc64"] = crc.value
    manifest_file.write_text(json.dumps(manifest), "utf-8")

    run = download(demo_server, dest, [fileid], report)

    assert run.code == 0, run.printed
    assert saved(dest, FLIPPED).read_bytes() == old
    assert saved(dest, FLIPPED).with_name("flipped (1).bin").read_bytes() == stored(FLIPPED)
    (record,) = json.loads(report.read_text("utf-8"))
    assert record["repaired"] is False
