"""The command line over the application layer: download concurrency from the settings,
a folder another run holds, ``tcb-gui verify`` and an unwritable report path."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tcb_gui.core.downloads import MAX_DOWNLOAD_CONCURRENCY, STATE_DIR_NAME
from tcb_gui.core.downloads.folderlock import FolderLock
from tcb_gui.core.settings import Settings, save_settings
from tcb_gui.demo import samples
from tcb_gui.demo.server import DemoServer
from tests.e2e.cli_helpers import id_lines, run_cli, sample_ids


def download_args(server: DemoServer, dest: Path, *extra: str) -> list[str]:
    return ["download", "--base-url", server.base_url, "--dest", str(dest), *extra]


def test_download_concurrency_is_bounded_like_the_engine(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    """Bug: --concurrency took 1..32, then the download refused anything above its bound."""
    too_many = str(MAX_DOWNLOAD_CONCURRENCY + 1)
    run = run_cli(download_args(demo_server, tmp_path, "--concurrency", too_many), stdin=b"x")
    assert run.code == 2
    assert f"must be 1..{MAX_DOWNLOAD_CONCURRENCY}" in run.stderr
    assert not list(tmp_path.iterdir())  # refused before anything was read or written


def test_download_concurrency_follows_the_settings(
    demo_server: DemoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bug: `tcb-gui download` ignored the settings and always ran 4 files at once."""
    save_settings(Settings(download_concurrency=2))
    seen: list[int] = []
    from tcb_gui.core import download_run

    original = download_run.Downloader.__init__

    def spy(self: object, http: object, refresh: object, options: object, **kw: object) -> None:
        seen.append(options.concurrency)  # type: ignore[attr-defined]
        original(self, http, refresh, options, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(download_run.Downloader, "__init__", spy)
    ids = sample_ids()[:3]
    run = run_cli(download_args(demo_server, tmp_path / "out"), stdin=id_lines(ids))
    assert run.code == 0, run.stderr
    assert seen == [2]


def test_a_folder_another_run_holds_is_refused_with_its_name(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    dest = tmp_path / "out"
    (dest / STATE_DIR_NAME).mkdir(parents=True)
    lock = FolderLock(dest, dest / STATE_DIR_NAME)
    lock.acquire()
    try:
        run = run_cli(download_args(demo_server, dest), stdin=id_lines(sample_ids()[:2]))
    finally:
        lock.release()
    assert run.code == 2, run.stderr
    assert str(os.getpid()) in run.stderr
    assert not demo_server.state.stats.downloads


def test_an_unwritable_report_is_refused_before_any_download(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    report = tmp_path / "missing-folder" / "report.json"
    dest = tmp_path / "out"
    run = run_cli(
        download_args(demo_server, dest, "--report", str(report)), stdin=id_lines(sample_ids()[:2])
    )
    assert run.code == 2
    assert "does not exist" in run.stderr
    assert not dest.exists()
    assert not demo_server.state.stats.downloads


def test_verify_rechecks_a_downloaded_folder(demo_server: DemoServer, tmp_path: Path) -> None:
    dest = tmp_path / "out"
    report = tmp_path / "report.json"
    ids = [samples.PROD.fileid(f"gen/{n:05d}.jpg") for n in range(4)]
    done = run_cli(download_args(demo_server, dest, "--report", str(report)), stdin=id_lines(ids))
    assert done.code == 0, done.stderr
    records = json.loads(report.read_text("utf-8"))
    assert all(r["verified"] is True for r in records)  # the demo sends CRC-64s
    assert "verified by checksum" in done.stderr

    good = run_cli(["verify", str(dest)])
    assert good.code == 0, good.stderr
    assert "Checked 4 files: 4 verified" in good.stderr

    victim = Path(records[1]["path"])
    data = bytearray(victim.read_bytes())
    data[0] ^= 0xFF  # same size, other bytes: only the checksum can tell
    victim.write_bytes(bytes(data))
    bad = run_cli(["verify", str(dest)])
    assert bad.code == 1
    assert str(victim) in bad.stdout


def test_verify_of_a_folder_without_a_manifest_is_a_usage_error(tmp_path: Path) -> None:
    run = run_cli(["verify", str(tmp_path)])
    assert run.code == 2
    assert run.stderr.strip()


@pytest.mark.parametrize(
    ("damage", "said"),
    [
        (b"", "it is not the JSON TCB Links writes"),
        (b'{"version": 2, "files": {"cloud://x.y/a": {"pa', "it is not the JSON TCB Links writes"),
        (b'{"version": 99, "files": {}}', "a version this TCB Links does not know: 99"),
        (b'{"version": 2, "files": []}', "it is not the JSON TCB Links writes"),
    ],
)
def test_verify_of_a_damaged_manifest_checks_nothing_and_says_so(
    demo_server: DemoServer, tmp_path: Path, damage: bytes, said: str
) -> None:
    """A manifest cut short, emptied or of another version was read as no files at all:
    'Checked 0 files', exit 0, as if the folder were fine."""
    dest = tmp_path / "out"
    ids = [samples.PROD.fileid(f"gen/{n:05d}.jpg") for n in range(3)]
    assert run_cli(download_args(demo_server, dest), stdin=id_lines(ids)).code == 0
    (dest / ".tcb-gui" / ".tcb-gui-manifest.json").write_bytes(damage)
    run = run_cli(["verify", str(dest)])
    assert run.code == 2
    assert "cannot be used" in run.stderr
    assert said in run.stderr
    assert "Checked 0 files" not in run.stderr


def test_verify_names_records_it_could_not_read_as_not_checked(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    dest = tmp_path / "out"
    ids = [samples.PROD.fileid(f"gen/{n:05d}.jpg") for n in range(3)]
    assert run_cli(download_args(demo_server, dest), stdin=id_lines(ids)).code == 0
    manifest = dest / ".tcb-gui" / ".tcb-gui-manifest.json"
    data = json.loads(manifest.read_text("utf-8"))
    damaged = ids[1]
    data["files"][damaged]["size"] = "many"
    manifest.write_text(json.dumps(data), "utf-8")
    run = run_cli(["verify", str(dest)])
    assert run.code == 1
    assert "Checked 3 files: 1 record damaged, 2 verified" in run.stderr
    assert "Its record in the manifest is damaged: the file was not checked" in run.stdout
