"""Safe local paths: every sanitising rule, confinement to the folder, unique names.

The rules are checked here with an independent formulation (regexes below), not by
calling the module's own helpers, so a wrong rule in the module shows up as a failure.
"""

from __future__ import annotations

import os
import re
import sys
import unicodedata
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tcb_gui.core.errors import ErrorKind, TcbError
from tcb_gui.core.paths import (
    MAX_RELATIVE_PATH_UNITS,
    NAME_MAX_BYTES,
    PART_SUFFIX,
    SEGMENT_MAX_BYTES,
    ConfinedFolder,
    UnsafePathError,
    check_inside,
    ensure_parent,
    is_case_insensitive,
    part_path,
    path_key,
    relative_path_for,
    sanitize_segment,
    split_extension,
    target_path,
    unique_path,
)

FORBIDDEN = re.compile(r'[/\\:*?"<>|\x00-\x1f\x7f]')
RESERVED = re.compile(r"(CON|PRN|AUX|NUL|COM[0-9¹²³]|LPT[0-9¹²³]) *(\..*)?", re.IGNORECASE)
HASH_TAG = re.compile(r"~[0-9a-f]{12}")


def utf8(text: str) -> int:
    return len(text.encode("utf-8"))


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def assert_safe_segment(segment: str) -> None:
    assert segment not in ("", ".", "..")
    assert not FORBIDDEN.search(segment), segment
    assert not RESERVED.fullmatch(segment), segment
    assert not segment.endswith((".", " ")), segment
    assert segment == segment.strip()
    assert utf8(segment) <= SEGMENT_MAX_BYTES  # encodes: no lone surrogates
    assert unicodedata.is_normalized("NFC", segment)


# --- sanitize_segment ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("segment", "expected"),
    [
        ("report.pdf", "report.pdf"),
        ("..", "__"),  # a traversal never survives
        (".", "_"),
        ("", "_"),
        ("...", "___"),
        ("   ", "_"),
        (". .", "_"),
        ("a\\b.txt", "a_b.txt"),
        ("C:", "C_"),
        ('a:*?"<>|b', "a_______b"),
        ("a\x00b", "a_b"),
        ("tab\there\n", "tab_here_"),  # controls are replaced, even at the ends
        ("\x7f", "_"),
        ("\x85next", "_next"),  # C1 control (NEL)
        ("\ud800x", "_x"),  # lone surrogate: cannot be written to any file system
        ("CON", "_CON"),
        ("CON.txt", "_CON.txt"),
        ("nul", "_nul"),
        ("Aux.tar.gz", "_Aux.tar.gz"),
        ("com1", "_com1"),
        ("COM¹", "_COM¹"),
        ("lpt².log", "_lpt².log"),
        ("LPT9", "_LPT9"),
        ("nul .txt", "_nul .txt"),
        ("CONIN$", "_CONIN$"),
        ("COM10", "COM10"),
        ("CONSOLE.txt", "CONSOLE.txt"),
        ("nullable", "nullable"),
        ("name. ", "name"),
        ("name...", "name"),
        ("  padded name  ", "padded name"),
        ("\u3000全角空格\u3000", "全角空格"),
        ("%2e%2e", "%2e%2e"),  # percent-encoding is literal text, not a dot
        (".bashrc", ".bashrc"),
        ("..foo", "..foo"),
        ("e\u0301t\u0301e\u0301.txt", "ét\u0301é.txt"),  # NFC
        ("\u202egnp.exe", "\u202egnp.exe"),  # RTL override allowed (format char)
        ("a\u200bb\u200dc\u200f", "a\u200bb\u200dc\u200f"),  # zero-width allowed
        ("图片 a|b.png", "图片 a_b.png"),
    ],
)
def test_sanitize_segment_rules(segment: str, expected: str) -> None:
    assert sanitize_segment(segment) == expected


def test_long_chinese_name_keeps_extension_and_whole_characters() -> None:
    name = "图" * 100 + ".png"  # 304 bytes
    result = sanitize_segment(name)
    assert utf8(result) <= SEGMENT_MAX_BYTES
    assert utf8(result + PART_SUFFIX) <= NAME_MAX_BYTES
    assert result.endswith(".png")
    stem = result.removesuffix(".png")
    assert HASH_TAG.search(stem)
    kept = HASH_TAG.sub("", stem)
    assert kept == "图" * len(kept)
    assert len(kept) > 70


def test_long_names_sharing_a_prefix_stay_distinct() -> None:
    a = sanitize_segment("x" * 300 + "A.txt")
    b = sanitize_segment("x" * 300 + "B.txt")
    assert a != b
    assert utf8(a) <= SEGMENT_MAX_BYTES
    assert utf8(b) <= SEGMENT_MAX_BYTES


def test_truncation_keeps_combining_marks_with_their_base() -> None:
    # "q́" has no precomposed form, so it stays two code points after NFC.
    result = sanitize_segment("q\u0301" * 200)
    stem = HASH_TAG.sub("", result)
    assert stem.endswith("q\u0301")
    assert stem == "q\u0301" * (len(stem) // 2)


def test_four_byte_characters_are_never_split() -> None:
    result = sanitize_segment("😀" * 100)
    assert utf8(result) <= SEGMENT_MAX_BYTES
    assert set(HASH_TAG.sub("", result)) == {"😀"}


def test_a_cut_leaving_a_device_name_is_still_escaped() -> None:
    # The stem before the first dot is "CON" after any cut: still a device name.
    result = sanitize_segment("CON." + "x" * 300)
    assert result.startswith("_CON.")
    assert_safe_segment(result)


@pytest.mark.parametrize(
    ("name", "stem", "ext"),
    [
        ("photo.jpg", "photo", ".jpg"),
        ("archive.tar.gz", "archive", ".tar.gz"),
        ("archive.TAR.XZ", "archive", ".TAR.XZ"),
        (".tar.gz", ".tar", ".gz"),
        (".bashrc", ".bashrc", ""),
        (".config.json", ".config", ".json"),
        ("README", "README", ""),
        ("v1.2 beta", "v1.2 beta", ""),
        ("dot.", "dot.", ""),
        ("a." + "x" * 30, "a." + "x" * 30, ""),
    ],
)
def test_split_extension(name: str, stem: str, ext: str) -> None:
    assert split_extension(name) == (stem, ext)


# --- relative_path_for -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "layout", "expected"),
    [
        ("images/a b/图片.png", "tree", "prod/images/a b/图片.png"),
        ("../../etc/passwd", "tree", "prod/__/__/etc/passwd"),
        ("/abs/x", "tree", "prod/abs/x"),
        ("a\\b.txt", "tree", "prod/a/b.txt"),
        ("C:\\Windows\\x", "tree", "prod/C_/Windows/x"),
        ("a/./b", "tree", "prod/a/b"),
        ("a//b", "tree", "prod/a/b"),
        ("a/b/", "tree", "prod/a/b"),
        ("..", "tree", "prod/__"),
        ("...", "tree", "prod/___"),
        ("/", "tree", "prod/_"),
        ("./.", "tree", "prod/_"),
        ("%2e%2e/x", "tree", "prod/%2e%2e/x"),
        ("dir/CON.txt", "tree", "prod/dir/_CON.txt"),
        ("dir/nul", "tree", "prod/dir/_nul"),
        ("dir/name. ", "tree", "prod/dir/name"),
        ("a\x00b/c", "tree", "prod/a_b/c"),
        ("../../etc/passwd", "flat", "passwd"),
        ("a\\b.txt", "flat", "b.txt"),
        ("dir/..", "flat", "__"),
        ("dir/", "flat", "dir"),
        ("/", "flat", "_"),
    ],
)
def test_relative_path_rules(key: str, layout: str, expected: str) -> None:
    assert relative_path_for("prod", key, layout) == PurePosixPath(expected)  # type: ignore[arg-type]


def test_env_is_one_safe_segment() -> None:
    assert relative_path_for("../x", "f", "tree") == PurePosixPath(".._x/f")
    assert relative_path_for("..", "f", "tree") == PurePosixPath("__/f")


def test_unknown_layout_is_refused() -> None:
    with pytest.raises(ValueError, match="layout"):
        relative_path_for("prod", "a", "nested")  # type: ignore[arg-type]


def test_a_path_that_fits_is_not_shortened() -> None:
    key = "/".join(["folder"] * 20) + "/file.txt"  # 147 units with the env
    path = relative_path_for("prod", key, "tree")
    assert str(path) == "prod/" + key
    assert not HASH_TAG.search(str(path))


def test_a_deep_path_is_shortened_with_a_hash_of_the_key() -> None:
    folders = [f"folder-number-{i:02d}" for i in range(40)]
    key_a = "/".join(folders) + "/file.txt"
    key_b = "/".join(folders) + "/file.txT"
    path_a = relative_path_for("prod", key_a, "tree")
    path_b = relative_path_for("prod", key_b, "tree")
    assert utf16_units(str(path_a)) <= MAX_RELATIVE_PATH_UNITS
    assert path_a.parts[:3] == ("prod", "folder-number-00", "folder-number-01")
    assert re.fullmatch(r"file~[0-9a-f]{12}\.txt", path_a.name)
    assert path_a != path_b


def test_long_folders_are_cut_and_deepest_dropped() -> None:
    key = "/".join(["长目录名" * 20] * 6) + "/" + "名" * 90 + ".mp4"
    path = relative_path_for("prod", key, "tree")
    assert utf16_units(str(path)) <= MAX_RELATIVE_PATH_UNITS
    assert path.parts[0] == "prod"
    assert 1 <= len(path.parts) - 2 < 6
    assert path.name.endswith(".mp4")
    assert HASH_TAG.search(path.name)
    for part in path.parts:
        assert_safe_segment(part)


def test_flat_layout_long_name_fits_the_budget() -> None:
    path = relative_path_for("prod", "dir/" + "a" * 240 + ".bin", "flat")
    assert len(path.parts) == 1
    assert utf16_units(path.name) <= MAX_RELATIVE_PATH_UNITS
    assert path.name.endswith(".bin")


def test_documented_collisions_are_the_only_ones_among_these() -> None:
    def tree(key: str) -> PurePosixPath:
        return relative_path_for("prod", key, "tree")

    # Documented: replaced characters, separators, dropped segments, trailing dots.
    assert tree("a:b") == tree("a_b") == tree("a*b")
    assert tree("a/b") == tree("a\\b") == tree("/a//./b")
    assert tree("a.") == tree("a")
    assert tree("..") == tree("__")
    # Not collisions: case, percent-encoding, dots inside names, long tails.
    assert tree("A") != tree("a")
    assert tree("%2e%2e") != tree("..")
    assert tree("a..b") != tree("a.b")
    assert tree("x" * 300 + "1") != tree("x" * 300 + "2")


# --- target_path, check_inside, ensure_parent -----------------------------------------


def test_target_path_joins_inside_dest(tmp_path: Path) -> None:
    path = target_path(tmp_path, "prod", "../../etc/passwd", "tree")
    assert path == tmp_path / "prod" / "__" / "__" / "etc" / "passwd"


def test_symlinked_folder_pointing_outside_is_refused(tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    outside = tmp_path / "outside"
    dest.mkdir()
    outside.mkdir()
    (dest / "prod").symlink_to(outside, target_is_directory=True)
    with pytest.raises(UnsafePathError) as caught:
        target_path(dest, "prod", "images/a.png", "tree")
    assert isinstance(caught.value, TcbError)
    assert caught.value.kind is ErrorKind.FILE
    assert "outside the download folder" in str(caught.value)
    assert not (outside / "images").exists()


def test_symlinked_file_pointing_outside_is_refused(tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    (dest / "prod").mkdir(parents=True)
    secret = tmp_path / "secret.txt"
    secret.write_text("keep")
    (dest / "prod" / "a.txt").symlink_to(secret)
    with pytest.raises(UnsafePathError):
        target_path(dest, "prod", "a.txt", "tree")


def test_symlinks_that_stay_inside_are_fine(tmp_path: Path) -> None:
    real = tmp_path / "real"
    (real / "store").mkdir(parents=True)
    (real / "prod").symlink_to(real / "store", target_is_directory=True)
    alias = tmp_path / "alias"
    alias.symlink_to(real, target_is_directory=True)  # the chosen folder itself is a link
    path = target_path(alias, "prod", "x/y.bin", "tree")
    assert path == alias / "prod" / "x" / "y.bin"


def test_check_inside_refuses_dest_itself_for_a_file(tmp_path: Path) -> None:
    with pytest.raises(UnsafePathError):
        check_inside(tmp_path, tmp_path)
    assert check_inside(tmp_path, tmp_path, allow_dest=True) == Path(os.path.realpath(tmp_path))


def test_ensure_parent_creates_folders(tmp_path: Path) -> None:
    path = target_path(tmp_path, "prod", "a/b/c.txt", "tree")
    assert ensure_parent(path, tmp_path) == path
    assert (tmp_path / "prod" / "a" / "b").is_dir()
    assert not path.exists()


def test_ensure_parent_catches_a_link_planted_during_creation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dest = tmp_path / "dest"
    outside = tmp_path / "outside"
    dest.mkdir()
    outside.mkdir()
    path = target_path(dest, "prod", "sub/file.txt", "tree")  # checked: nothing on disk yet
    original_mkdir = Path.mkdir

    def racing_mkdir(self: Path, *args: object, **kwargs: object) -> None:
        if not (dest / "prod").exists():
            (dest / "prod").symlink_to(outside, target_is_directory=True)
        original_mkdir(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "mkdir", racing_mkdir)
    with pytest.raises(UnsafePathError):
        ensure_parent(path, dest)


# --- unique_path, part_path ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "first", "second"),
    [
        ("photo.jpg", "photo (1).jpg", "photo (2).jpg"),
        ("archive.tar.gz", "archive (1).tar.gz", "archive (2).tar.gz"),
        (".bashrc", ".bashrc (1)", ".bashrc (2)"),
        ("README", "README (1)", "README (2)"),
        ("v1.2 beta", "v1.2 beta (1)", "v1.2 beta (2)"),
    ],
)
def test_unique_path_against_existing_files(
    tmp_path: Path, name: str, first: str, second: str
) -> None:
    target = tmp_path / name
    assert unique_path(target, case_insensitive=False) == target
    target.write_bytes(b"0")
    assert unique_path(target, case_insensitive=False) == tmp_path / first
    (tmp_path / first).write_bytes(b"1")
    assert unique_path(target, case_insensitive=False) == tmp_path / second


def test_unique_path_against_names_taken_in_this_run(tmp_path: Path) -> None:
    taken: set[str] = set()
    target = tmp_path / "a.txt"
    got = [unique_path(target, taken, case_insensitive=False) for _ in range(3)]
    assert [p.name for p in got] == ["a.txt", "a (1).txt", "a (2).txt"]
    assert taken == {str(p) for p in got}
    assert not target.exists()


def test_unique_path_counts_a_broken_link_as_taken(tmp_path: Path) -> None:
    (tmp_path / "a.txt").symlink_to(tmp_path / "missing")
    assert unique_path(tmp_path / "a.txt", case_insensitive=False).name == "a (1).txt"


def test_unique_path_case_insensitive_collisions(tmp_path: Path) -> None:
    taken: set[str] = set()
    assert unique_path(tmp_path / "Photo.jpg", taken, case_insensitive=True).name == "Photo.jpg"
    again = unique_path(tmp_path / "photo.JPG", taken, case_insensitive=True)
    assert again.name == "photo (1).JPG"
    assert path_key(tmp_path / "PHOTO.jpg", case_insensitive=True) in taken

    sensitive: set[str] = set()
    unique_path(tmp_path / "Photo.jpg", sensitive, case_insensitive=False)
    other = unique_path(tmp_path / "photo.JPG", sensitive, case_insensitive=False)
    assert other.name == "photo.JPG"


def test_unique_path_default_follows_the_platform(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for platform, second in [("darwin", "report (1).pdf"), ("linux", "report.pdf")]:
        monkeypatch.setattr(sys, "platform", platform)
        taken: set[str] = set()
        assert unique_path(tmp_path / "Report.pdf", taken).name == "Report.pdf"
        assert unique_path(tmp_path / "report.pdf", taken).name == second


def test_unique_path_keeps_long_names_within_the_limit(tmp_path: Path) -> None:
    name = sanitize_segment("长" * 83 + ".txt")  # 253 bytes before the limit
    assert utf8(name) <= SEGMENT_MAX_BYTES
    taken = {path_key(tmp_path / name, case_insensitive=False)}
    result = unique_path(tmp_path / name, taken, case_insensitive=False)
    assert result.name.endswith(" (1).txt")
    assert utf8(result.name) <= SEGMENT_MAX_BYTES


def test_is_case_insensitive_agrees_with_a_manual_probe(tmp_path: Path) -> None:
    (tmp_path / "Probe").write_bytes(b"")
    assert is_case_insensitive(tmp_path) is (tmp_path / "pROBE").exists()
    assert list(tmp_path.iterdir()) == [tmp_path / "Probe"]  # the probe file is gone


def test_is_case_insensitive_falls_back_to_the_platform(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "missing"
    monkeypatch.setattr(sys, "platform", "win32")
    assert is_case_insensitive(missing) is True
    monkeypatch.setattr(sys, "platform", "linux")
    assert is_case_insensitive(missing) is False


def test_part_path_beside_the_target(tmp_path: Path) -> None:
    assert part_path(tmp_path / "a.txt") == tmp_path / "a.txt.part"
    longest = sanitize_segment("b" * 400 + ".bin")
    assert utf8(part_path(tmp_path / longest).name) <= NAME_MAX_BYTES
    assert part_path(tmp_path / longest).name == longest + PART_SUFFIX


def test_part_path_shortens_a_foreign_long_name(tmp_path: Path) -> None:
    one = part_path(tmp_path / ("c" * 254 + "1"))
    two = part_path(tmp_path / ("c" * 254 + "2"))
    assert one.parent == tmp_path
    assert utf8(one.name) <= NAME_MAX_BYTES
    assert one.name.endswith(PART_SUFFIX)
    assert one != two


# --- properties --------------------------------------------------------------------------

HOSTILE_CHARS = st.sampled_from(
    list('/\\.:*?"<>| \t\x00\x1f\x7f\x85\u3000\u202e\u200b\u200d\u0301\ud800\udfffſ¹²')
)
HOSTILE_WORDS = st.sampled_from(
    ["..", ".", "", "CON", "nul.txt", "com¹", "LPT9 .x", "...", " ", "a.", "%2e%2e", "~"]
)
ANY_TEXT = st.text(st.one_of(st.characters(), HOSTILE_CHARS), max_size=60)
REPEATED = st.builds(
    lambda unit, count: unit * count, st.text(min_size=1, max_size=4), st.integers(1, 120)
)
KEYS = st.one_of(
    ANY_TEXT,
    REPEATED,
    st.lists(st.one_of(HOSTILE_WORDS, ANY_TEXT, REPEATED), max_size=12).map("/".join),
    st.lists(st.one_of(HOSTILE_WORDS, ANY_TEXT), max_size=12).map("\\".join),
)


@pytest.fixture(scope="module")
def dest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("dest")


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(key=KEYS, layout=st.sampled_from(["tree", "flat"]), env=st.sampled_from(["prod", ".."]))
def test_any_key_gives_a_safe_path_inside_dest(dest: Path, key: str, layout: str, env: str) -> None:
    path = target_path(dest, env, key, layout)  # type: ignore[arg-type]
    root = str(dest.resolve())
    assert str(path.resolve()).startswith(root + os.sep)
    relative = path.relative_to(dest)
    assert utf16_units(relative.as_posix()) <= MAX_RELATIVE_PATH_UNITS
    assert len(relative.parts) >= 1
    for segment in relative.parts:
        assert_safe_segment(segment)


@given(segment=st.one_of(ANY_TEXT, REPEATED, HOSTILE_WORDS))
def test_sanitize_is_safe_and_idempotent(segment: str) -> None:
    once = sanitize_segment(segment)
    assert_safe_segment(once)
    assert sanitize_segment(once) == once


# "Reasonable" keys: no characters that are replaced, no dot-only or trailing-dot names,
# NFC-stable letters; long names and deep trees included to exercise shortening.
_NAME_CHARS = st.sampled_from(list("abcXYZ019-_ 图片文件测试"))
_NAME = st.builds(
    lambda stem, ext: stem.strip() + ext,
    st.text(_NAME_CHARS, min_size=1, max_size=120).filter(lambda s: s.strip()),
    st.sampled_from(["", ".txt", ".tar.gz", ".png"]),
)
_REASONABLE_KEY = st.lists(_NAME, min_size=1, max_size=25).map("/".join)


@settings(deadline=None)
@given(keys=st.lists(_REASONABLE_KEY, min_size=2, max_size=8, unique=True))
def test_distinct_reasonable_keys_get_distinct_tree_paths(keys: list[str]) -> None:
    paths = [relative_path_for("prod", key, "tree") for key in keys]
    assert len(set(paths)) == len(keys)


# --- ConfinedFolder: what a run already checked -------------------------------------------


def test_confined_folder_agrees_with_the_module_functions(tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    dest.mkdir()
    folder = ConfinedFolder(dest)
    for key in ("a/b.txt", "../../etc/passwd", "x/./y/../z.bin", "中文/文件.png"):
        assert folder.target_path("prod", key, "tree") == target_path(dest, "prod", key, "tree")
    made = folder.ensure_parent(dest / "prod" / "deep" / "er" / "f.bin")
    assert made.parent.is_dir()
    assert folder.ensure_parent(made) == made  # the folder is known now: nothing to make


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks need privileges on Windows")
def test_confined_folder_still_refuses_links_out_once_folders_are_known(tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    (dest / "prod").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    folder = ConfinedFolder(dest)
    folder.check(dest / "prod" / "ok.bin")  # the folder's real path is now remembered
    (dest / "prod" / "leaf.bin").symlink_to(outside / "x")
    with pytest.raises(UnsafePathError):
        folder.check(dest / "prod" / "leaf.bin")  # a file that is a link is resolved
    (dest / "gone").symlink_to(outside)
    with pytest.raises(UnsafePathError):
        folder.ensure_parent(dest / "gone" / "f.bin")


def test_a_listing_answers_absent_names_only(tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    (dest / "a").mkdir(parents=True)
    (dest / "a" / "there.bin").write_bytes(b"x")
    folder = ConfinedFolder(dest)
    folder.scan([str(dest / "a"), str(dest / "missing")])

    assert folder.absent(dest / "a" / "nothing.bin")
    assert not folder.absent(dest / "a" / "there.bin")
    assert folder.lexists(dest / "a" / "there.bin")
    assert folder.absent(dest / "missing" / "f.bin")  # a folder that was not there
    assert not folder.absent(dest / "elsewhere" / "f.bin")  # never listed: unknown
    (dest / "elsewhere").mkdir()
    (dest / "elsewhere" / "f.bin").write_bytes(b"y")
    assert folder.lexists(dest / "elsewhere" / "f.bin")  # unknown folders ask the disk
