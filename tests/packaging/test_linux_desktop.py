"""The .desktop entry and the AppStream metainfo: valid for the freedesktop tools, and in
step with the app (its id, command, version and window class)."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import tomllib
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest
import spec_support as support

import tcb_gui

TOOL_TIMEOUT_S = 30
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _desktop(root: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(root / support.DESKTOP_FILE, encoding="utf-8")
    return parser["Desktop Entry"]


def _metainfo(root: Path) -> ET.Element:
    return ET.parse(root / support.METAINFO_FILE).getroot()


def _run(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} is not installed (Debian: desktop-file-utils, appstream)")
    return subprocess.run(
        [path, *args], capture_output=True, text=True, timeout=TOOL_TIMEOUT_S, check=False
    )


def test_desktop_file_passes_desktop_file_validate(root: Path) -> None:
    result = _run("desktop-file-validate", str(root / support.DESKTOP_FILE))
    assert result.returncode == 0, result.stdout + result.stderr
    # Not even a hint: one main category (Network), so the app shows once in menus.
    problems = result.stdout.splitlines()
    assert problems == []


def test_metainfo_passes_appstreamcli_validate(root: Path) -> None:
    result = _run("appstreamcli", "validate", "--no-net", str(root / support.METAINFO_FILE))
    assert result.returncode == 0, result.stdout + result.stderr
    # Errors (E:) and warnings (W:) fail; infos (I:) differ between appstream versions
    # (0.16 does not know <developer>, 1.0 asks for it) and are allowed.
    problems = [line for line in result.stdout.splitlines() if line.startswith(("E:", "W:"))]
    assert problems == []


def test_desktop_entry_starts_the_app_by_its_command_and_names_it(root: Path) -> None:
    entry = _desktop(root)
    pyproject = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    command = next(iter(pyproject["project"]["scripts"]))
    assert command == support.EXE_NAME
    assert entry["Type"] == "Application"
    assert entry["Exec"].split()[0] == command
    assert entry["TryExec"] == command
    assert entry["Name"] == support.APP_NAME
    assert entry["Icon"] == support.APP_ID
    assert entry["Terminal"] == "false"
    assert entry["Categories"].split(";")[:2] == ["Network", "FileTransfer"]
    # Lists are opened in the window: `tcb-gui FILE ...` (Exec=tcb-gui %F).
    assert set(entry["MimeType"].rstrip(";").split(";")) >= {"text/plain", "text/csv"}
    assert entry["Name[zh_CN]"] == "TCB 链接"
    assert "云" in entry["Comment[zh_CN]"]
    assert "云开发" in entry["Keywords[zh_CN]"].split(";")


def test_desktop_entry_matches_the_windows_x11_class(root: Path) -> None:
    # Qt names an X11 window's class after QCoreApplication.applicationName, which the
    # app sets to its display name; docks group windows under the entry by this key.
    from tcb_gui import app

    assert _desktop(root)["StartupWMClass"] == app.APP_NAME


def test_metainfo_describes_this_app(root: Path) -> None:
    component = _metainfo(root)
    assert component.get("type") == "desktop-application"
    assert component.findtext("id") == support.APP_ID
    assert component.findtext("metadata_license") == "CC0-1.0"
    pyproject = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    assert component.findtext("project_license") == pyproject["project"]["license"]["text"]
    launchable = component.find("launchable")
    assert launchable is not None
    assert launchable.get("type") == "desktop-id"
    assert launchable.text == Path(support.DESKTOP_FILE).name
    assert [b.text for b in component.iterfind("provides/binary")] == [support.EXE_NAME]
    assert component.find("content_rating") is not None
    names = {n.get(XML_LANG): n.text for n in component.iterfind("name")}
    assert names == {None: support.APP_NAME, "zh-CN": "TCB 链接"}
    # No screenshot or URL points at a host this project does not control.
    assert component.find("screenshots") is None
    assert all("http" not in (el.text or "") for el in component.iter())


def test_metainfo_lists_the_current_version_first(root: Path) -> None:
    releases = list(_metainfo(root).iterfind("releases/release"))
    assert releases, "no <release>"
    newest = releases[0]
    assert newest.get("version") == tcb_gui.__version__
    dates = [date.fromisoformat(r.get("date", "")) for r in releases]
    assert dates == sorted(dates, reverse=True)


def test_metainfo_translations_pair_up(root: Path) -> None:
    # Every English paragraph and list item is followed by its Simplified Chinese one.
    description = _metainfo(root).find("description")
    assert description is not None
    for tag, parent in (("p", description), ("li", description.find("ul"))):
        assert parent is not None
        items = parent.findall(tag)
        assert len(items) >= 2
        assert len(items) % 2 == 0
        assert [el.get(XML_LANG) for el in items] == [None, "zh-CN"] * (len(items) // 2)
