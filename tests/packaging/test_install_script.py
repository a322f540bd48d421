"""packaging/linux/install.sh: puts the desktop entry, metainfo and icons under a prefix
(from a checkout and from a bundle), quotes odd Exec paths, and removes them again."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import spec_support as support

SCRIPT_TIMEOUT_S = 30


def _install(script: Path, *args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
    }
    return subprocess.run(
        ["sh", str(script), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=SCRIPT_TIMEOUT_S,
        check=False,
    )


def _entry(path: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(path, encoding="utf-8")
    return parser["Desktop Entry"]


def _installed(share: Path) -> list[Path]:
    icons = share / "icons" / "hicolor"
    return [
        share / "applications" / f"{support.APP_ID}.desktop",
        share / "metainfo" / f"{support.APP_ID}.metainfo.xml",
        icons / "scalable" / "apps" / f"{support.APP_ID}.svg",
        *(icons / f"{s}x{s}" / "apps" / f"{support.APP_ID}.png" for s in support.ICON_SIZES),
    ]


def test_installs_and_uninstalls_under_a_prefix(root: Path, tmp_path: Path) -> None:
    script = root / support.LINUX_INSTALLER
    result = _install(script, "--prefix", str(tmp_path / "usr"), home=tmp_path)
    assert result.returncode == 0, result.stderr
    share = tmp_path / "usr" / "share"
    for path in _installed(share):
        assert path.is_file(), path
    # Each PNG goes to the folder of its own size.
    png_256 = share / "icons/hicolor/256x256/apps" / f"{support.APP_ID}.png"
    assert png_256.read_bytes() == (root / support.ICON_DIR / "tcb-gui-256.png").read_bytes()
    desktop = share / "applications" / f"{support.APP_ID}.desktop"
    assert _entry(desktop)["Exec"] == "tcb-gui %F"  # from a checkout: the command on PATH
    if shutil.which("desktop-file-validate"):
        check = subprocess.run(
            ["desktop-file-validate", str(desktop)],
            capture_output=True,
            text=True,
            timeout=SCRIPT_TIMEOUT_S,
            check=False,
        )
        assert check.returncode == 0, check.stdout

    result = _install(script, "--prefix", str(tmp_path / "usr"), "--uninstall", home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert [p for p in _installed(share) if p.exists()] == []


def test_defaults_to_the_users_data_home(root: Path, tmp_path: Path) -> None:
    result = _install(root / support.LINUX_INSTALLER, home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / ".local/share/applications" / f"{support.APP_ID}.desktop").is_file()


def test_from_a_bundle_the_entry_starts_that_bundle(root: Path, tmp_path: Path) -> None:
    # The bundle's layout: <dir>/tcb-gui and <dir>/_internal/<same paths as the tree>.
    bundle = tmp_path / "Apps" / "tcb gui"  # a space, as in a real user's folder names
    internal = bundle / "_internal"
    for relative in (
        support.LINUX_INSTALLER,
        support.DESKTOP_FILE,
        support.METAINFO_FILE,
        *(
            f"{support.ICON_DIR}/{name}"
            for name in ["tcb-gui.svg", *(f"tcb-gui-{s}.png" for s in support.ICON_SIZES)]
        ),
    ):
        (internal / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / relative, internal / relative)
    exe = bundle / "tcb-gui"
    exe.write_text("#!/bin/sh\n", encoding="utf-8")
    exe.chmod(0o755)

    result = _install(
        internal / support.LINUX_INSTALLER, "--prefix", str(tmp_path / "p"), home=tmp_path
    )
    assert result.returncode == 0, result.stderr
    entry = _entry(tmp_path / "p/share/applications" / f"{support.APP_ID}.desktop")
    assert entry["Exec"] == f'"{exe}" %F'
    assert entry["TryExec"] == str(exe)


def test_exec_quotes_reserved_characters(root: Path, tmp_path: Path) -> None:
    odd = '/opt/a "b" $c/tcb-gui'
    result = _install(
        root / support.LINUX_INSTALLER,
        "--prefix",
        str(tmp_path / "p"),
        "--exec",
        odd,
        home=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    desktop = tmp_path / "p/share/applications" / f"{support.APP_ID}.desktop"
    # Desktop Entry spec: quoted, with " and $ backslash-escaped, and every backslash
    # doubled again by the file's string escaping.
    assert _entry(desktop)["Exec"] == '"/opt/a \\\\"b\\\\" \\\\$c/tcb-gui" %F'


@pytest.mark.parametrize("args", [["--bogus"], ["--prefix"]])
def test_rejects_bad_options(root: Path, tmp_path: Path, args: list[str]) -> None:
    result = _install(root / support.LINUX_INSTALLER, *args, home=tmp_path)
    assert result.returncode == 2
    assert "usage" in result.stderr
    assert not (tmp_path / ".local").exists()
