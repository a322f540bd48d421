"""Folder handles of a download folder (``paths.ConfinedFolder.at``): opened one component
at a time from the folder's own handle, never through a link, a bounded number kept open,
none closed under an operation that uses it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tcb_gui.core import paths
from tcb_gui.core.downloads import FileOps
from tcb_gui.core.paths import FOLDER_HANDLES, ConfinedFolder, UnsafePathError

pytestmark = pytest.mark.skipif(not FOLDER_HANDLES, reason="no dir_fd calls on this system")


def open_fds() -> int:
    return len(os.listdir(f"/proc/{os.getpid()}/fd"))


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    folder = tmp_path / "dest"
    folder.mkdir()
    return folder


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    return folder


def test_a_handle_stays_on_its_folder_when_the_path_is_swapped_for_a_link(
    dest: Path, outside: Path
) -> None:
    folder = ConfinedFolder(dest)
    (dest / "a").mkdir()
    with folder.at(dest / "a" / "x") as where:
        (dest / "a").rename(dest / "a.real")
        (dest / "a").symlink_to(outside)
        fd = os.open(where.name, os.O_WRONLY | os.O_CREAT, 0o600, dir_fd=where.dir_fd)
        os.close(fd)
        assert not where.leads_here()  # the path says "a", the file is in "a.real"
    folder.close()

    assert os.listdir(outside) == []
    assert os.listdir(dest / "a.real") == ["x"]


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts /proc/self/fd")
def test_handles_are_bounded_and_one_evicted_is_reopened_refusing_a_link(
    dest: Path, outside: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(paths, "_handle_budget", lambda: 3)
    names = [f"f{n}" for n in range(20)]
    folder = ConfinedFolder(dest)
    before = open_fds()
    for name in names:
        with folder.at(dest / name / "x", create=True):
            pass
    assert open_fds() - before <= 3  # the download folder's own and the two latest
    # f0's handle was closed long ago; its folder is now a link: reopening refuses it.
    (dest / "f0").rmdir()
    (dest / "f0").symlink_to(outside)
    with pytest.raises(UnsafePathError) as caught, folder.at(dest / "f0" / "x"):
        pass
    assert os.fspath(dest / "f0" / "x") in caught.value.message
    folder.close()
    assert open_fds() == before


def test_no_handle_is_closed_while_an_operation_holds_it(
    dest: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(paths, "_handle_budget", lambda: 2)
    folder = ConfinedFolder(dest)
    with folder.at(dest / "held" / "x", create=True) as held:
        identity = os.fstat(held.dir_fd).st_ino if held.dir_fd is not None else None
        for n in range(10):
            # Every handle but the download folder's is held: over the limit, none closed.
            with folder.at(dest / f"other{n}" / "x", create=True) as other:
                assert other.dir_fd is not None
                assert os.fstat(other.dir_fd).st_ino == (dest / f"other{n}").stat().st_ino
        assert held.dir_fd is not None
        assert os.fstat(held.dir_fd).st_ino == identity == (dest / "held").stat().st_ino
    folder.close()


def test_a_link_inside_the_folder_there_when_the_run_looked_is_followed(dest: Path) -> None:
    """A user's own link to another folder inside the download folder keeps working:
    its real path, resolved when the run looked, is walked."""
    (dest / "real").mkdir()
    (dest / "alias").symlink_to(dest / "real")
    folder = ConfinedFolder(dest)
    folder.check(dest / "alias" / "x")
    files = FileOps()
    files.folder = folder
    files.write_small(dest / "alias" / "x", b"data")
    folder.close()
    assert (dest / "real" / "x").read_bytes() == b"data"
    assert os.listdir(dest / "real") == ["x"]  # no temporary file left beside it


def test_the_download_folder_itself_may_be_a_link(tmp_path: Path) -> None:
    """The user chose it: it is resolved once, only what is below it is protected."""
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "chosen").symlink_to(real)
    folder = ConfinedFolder(tmp_path / "chosen")
    folder.ensure_parent(tmp_path / "chosen" / "sub" / "x")
    folder.close()
    assert (real / "sub").is_dir()


def test_a_folder_made_by_the_run_is_never_made_through_a_link(dest: Path, outside: Path) -> None:
    """``a/b`` does not exist when the run looks; ``a`` becomes a link before the run
    makes ``b``: nothing is made in the folder the link points to."""
    (dest / "a").mkdir()
    folder = ConfinedFolder(dest)
    target = dest / "a" / "b" / "x"
    folder.check(target)
    (dest / "a").rmdir()
    (dest / "a").symlink_to(outside)
    with pytest.raises(UnsafePathError) as caught:
        folder.ensure_parent(target)
    folder.close()
    assert os.fspath(target) in caught.value.message
    assert os.listdir(outside) == []


@pytest.mark.parametrize(("soft", "kept"), [(256, 64), (1024, 256), (65536, 256), (20, 8)])
def test_handles_kept_open_are_a_quarter_of_the_open_files_limit_at_most(
    monkeypatch: pytest.MonkeyPatch, soft: int, kept: int
) -> None:
    """macOS allows 256 open files by default: 256 folder handles would leave none for
    the connections and the files being written."""
    import resource

    monkeypatch.setattr(resource, "getrlimit", lambda _which: (soft, resource.RLIM_INFINITY))
    assert paths._handle_budget() == kept


@pytest.mark.parametrize("mode", [0o600, 0o644])
def test_an_atomic_write_in_a_folder_handle_replaces_the_file_whole(dest: Path, mode: int) -> None:
    from tcb_gui.core.atomicfile import write_bytes_atomic

    (dest / "x").write_bytes(b"old")
    before = (dest / "x").stat().st_ino
    fd = os.open(dest, os.O_RDONLY | os.O_DIRECTORY)
    try:
        write_bytes_atomic(Path("x"), b"new", mode=mode, dir_fd=fd)
    finally:
        os.close(fd)
    assert (dest / "x").read_bytes() == b"new"
    assert (dest / "x").stat().st_ino != before  # a new file renamed over: never half-written
    assert (dest / "x").stat().st_mode & 0o777 == mode
    assert os.listdir(dest) == ["x"]
