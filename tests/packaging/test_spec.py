"""The PyInstaller spec without a build: it names every resource the project has, its
hidden imports exist, the Qt parts it leaves out are the unused ones, and the Windows and
macOS branches wire in their icon, version resource and Info.plist.

The spec is executed with recording stand-ins for PyInstaller's build classes, once per
platform, so its real code paths run in a second instead of a build's half minute.
"""

from __future__ import annotations

import importlib.util
import plistlib
import sys
import types
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Imported here, under the real platform: PyInstaller's modules read sys.platform once,
# at import, and the spec imports them while a test pretends to be Windows or macOS.
import PyInstaller.depend.bindepend
import PyInstaller.utils.hooks  # noqa: F401
import pytest
import spec_support as support
from PySide6.QtCore import QTranslator

import tcb_gui

SPEC = "packaging/tcb-gui.spec"


@dataclass
class Recorded:
    """What the spec handed to each PyInstaller class."""

    analysis: dict[str, Any] = field(default_factory=dict)
    exe: dict[str, Any] = field(default_factory=dict)
    collect: dict[str, Any] = field(default_factory=dict)
    bundle: dict[str, Any] | None = None
    datas: list[tuple[str, str, str]] = field(default_factory=list)
    binaries: list[tuple[str, str, str]] = field(default_factory=list)


# What a real analysis of this project collects, in PyInstaller's (dest, src, kind) form:
# a few of each kind the spec has to keep or leave out.
FAKE_BINARIES = [
    ("PySide6/Qt/lib/libQt6Core.so.6", "/nonexistent/libQt6Core.so.6", "BINARY"),
    ("PySide6/Qt/lib/libQt6Quick.so.6", "/nonexistent/libQt6Quick.so.6", "BINARY"),
    ("PySide6/Qt/plugins/platforms/libqxcb.so", "/nonexistent/libqxcb.so", "BINARY"),
    ("PySide6/Qt/plugins/platforms/libqeglfs.so", "/nonexistent/libqeglfs.so", "BINARY"),
    ("PySide6/QtWidgets.abi3.so", "/nonexistent/QtWidgets.abi3.so", "EXTENSION"),
]
FAKE_DATAS = [
    ("PySide6/Qt/translations/qtbase_de.qm", "/nonexistent/qtbase_de.qm", "DATA"),
    ("PySide6/Qt/translations/qtbase_zh_CN.qm", "/nonexistent/qtbase_zh_CN.qm", "DATA"),
]


def _run_spec(
    root: Path, workpath: Path, platform: str, monkeypatch: pytest.MonkeyPatch
) -> Recorded:
    recorded = Recorded()

    class Analysis:
        def __init__(self, scripts: list[str], **kwargs: Any) -> None:
            recorded.analysis = {"scripts": scripts, **kwargs}
            self.binaries = list(FAKE_BINARIES)
            self.datas = [(dest, src, "DATA") for src, dest in kwargs["datas"]] + FAKE_DATAS
            self.pure: list[Any] = []
            self.scripts: list[Any] = []

    def pyz(*_args: Any, **_kwargs: Any) -> object:
        return object()

    def exe(*_args: Any, **kwargs: Any) -> object:
        recorded.exe = kwargs
        return object()

    def collect(_exe: object, binaries: Any, datas: Any, **kwargs: Any) -> object:
        recorded.binaries, recorded.datas = list(binaries), list(datas)
        recorded.collect = kwargs
        return object()

    def bundle(_coll: object, **kwargs: Any) -> object:
        recorded.bundle = kwargs
        return object()

    monkeypatch.setattr(sys, "platform", platform)
    namespace = {
        "__name__": "__main__",
        "SPECPATH": str(root / "packaging"),
        "workpath": str(workpath),
        "DISTPATH": str(workpath / "dist"),
        "Analysis": Analysis,
        "PYZ": pyz,
        "EXE": exe,
        "COLLECT": collect,
        "BUNDLE": bundle,
    }
    code = compile((root / SPEC).read_text(encoding="utf-8"), SPEC, "exec")
    exec(code, namespace)  # the project's own spec, run as PyInstaller runs it
    return recorded


@pytest.fixture
def linux_build(root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Recorded:
    return _run_spec(root, tmp_path, "linux", monkeypatch)


def _project_resources(root: Path) -> Iterator[Path]:
    """Every file the bundle must carry, found on disk (not from the spec's lists)."""
    for folder in (root / support.ICON_DIR, root / support.PACKAGE_RESOURCES):
        if folder.is_dir():
            for path in folder.rglob("*"):
                if path.is_file() and path.suffix not in {".py", ".pyc"}:
                    yield path
    for path in (root / support.LINUX_DIR).iterdir():
        if path.suffix in {".desktop", ".xml", ".sh"}:
            yield path


def test_spec_names_every_resource_that_exists(root: Path, linux_build: Recorded) -> None:
    bundled = {(Path(src).resolve(), dest) for dest, src, _kind in linux_build.datas}
    for path in _project_resources(root):
        if (
            path.parent.name == "translations"
            and path.suffix == ".qm"
            and any(support.translation_sources(root))
        ):
            continue  # replaced by the .qm compiled from its .ts, checked below
        relative_folder = path.parent.relative_to(root).as_posix()
        # PyInstaller's datas name the folder; COLLECT's entries name the file.
        assert (path.resolve(), f"{relative_folder}/{path.name}") in bundled or (
            path.resolve(),
            relative_folder,
        ) in bundled, f"{path.relative_to(root)} is not in the bundle"
    for _dest, src, _kind in linux_build.datas:
        if not src.startswith("/nonexistent"):
            assert Path(src).exists(), src  # a file, or a folder (keyring's dist-info)


def test_spec_bundles_every_translation_source_compiled(root: Path, linux_build: Recorded) -> None:
    dests = {dest for dest, _src, _kind in linux_build.datas}
    for source in support.translation_sources(root):
        assert f"{support.PACKAGE_RESOURCES}/translations" in dests or any(
            d.endswith(source.with_suffix(".qm").name) for d in dests
        )


def test_spec_analyses_the_launcher_with_the_hidden_imports(
    root: Path, linux_build: Recorded
) -> None:
    analysis = linux_build.analysis
    assert analysis["scripts"] == [str(root / support.ENTRY_SCRIPT)]
    assert analysis["pathex"] == [str(root)]
    assert set(support.hidden_imports("linux")) <= set(analysis["hiddenimports"])
    assert {"keyring.backends.SecretService", "uvicorn.lifespan.on", "qasync"} <= set(
        analysis["hiddenimports"]
    )
    assert {"tkinter", "matplotlib", "numpy", "wechatpy", "pytest", "hypothesis"} <= set(
        analysis["excludes"]
    )
    # keyring finds its backends through its installed metadata.
    assert any("keyring-" in dest and ".dist-info" in dest for dest, *_ in linux_build.datas)


def test_spec_leaves_out_unused_qt_parts(linux_build: Recorded) -> None:
    binaries = {dest for dest, _src, _kind in linux_build.binaries}
    assert "PySide6/Qt/lib/libQt6Core.so.6" in binaries
    assert "PySide6/Qt/plugins/platforms/libqxcb.so" in binaries
    assert "PySide6/QtWidgets.abi3.so" in binaries
    assert "PySide6/Qt/lib/libQt6Quick.so.6" not in binaries
    assert "PySide6/Qt/plugins/platforms/libqeglfs.so" not in binaries
    datas = {dest for dest, _src, _kind in linux_build.datas}
    assert "PySide6/Qt/translations/qtbase_de.qm" not in datas


def test_spec_builds_the_one_folder_bundle_named_tcb_gui(linux_build: Recorded) -> None:
    assert linux_build.exe["name"] == "tcb-gui"
    assert linux_build.exe["exclude_binaries"] is True  # one folder, not one file
    assert linux_build.exe["console"] is True
    assert linux_build.collect["name"] == "tcb-gui"
    assert linux_build.collect["strip"] is True
    assert linux_build.bundle is None
    assert "icon" not in linux_build.exe


def test_spec_on_windows_sets_the_icon_and_version_resource(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build = _run_spec(root, tmp_path, "win32", monkeypatch)
    assert build.exe["icon"] == str(root / support.WINDOWS_ICON)
    assert build.exe["hide_console"] == "hide-early"
    version_file = Path(build.exe["version"])
    assert version_file.parent == tmp_path
    text = version_file.read_text(encoding="utf-8")
    assert f"StringStruct('ProductVersion', '{tcb_gui.__version__}')" in text
    assert build.collect["strip"] is False


def test_spec_on_macos_builds_an_app_with_icon_and_info_plist(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build = _run_spec(root, tmp_path, "darwin", monkeypatch)
    assert build.bundle is not None
    assert build.bundle["name"] == "TCB Links.app"
    assert build.bundle["bundle_identifier"] == support.APP_ID
    assert build.bundle["icon"] == str(root / support.MACOS_ICON)
    plist = build.bundle["info_plist"]
    assert plist["CFBundleShortVersionString"] == tcb_gui.__version__
    assert plist["CFBundleIdentifier"] == support.APP_ID
    assert plist["NSHighResolutionCapable"] is True
    assert build.collect["strip"] is False


# --- spec_support -------------------------------------------------------------------


def test_version_is_read_from_the_package(root: Path) -> None:
    assert support.read_version(root) == tcb_gui.__version__


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("0.1.0", (0, 1, 0, 0)),
        ("1.2", (1, 2, 0, 0)),
        ("2.10.3.4", (2, 10, 3, 4)),
        ("1.0.0rc2", (1, 0, 0, 0)),
        ("1.4.0.dev3", (1, 4, 0, 0)),
    ],
)
def test_version_tuple(version: str, expected: tuple[int, int, int, int]) -> None:
    assert support.version_tuple(version) == expected


@pytest.mark.parametrize("version", ["", "dev", "70000.0"])
def test_version_tuple_refuses_what_windows_cannot_hold(version: str) -> None:
    with pytest.raises(ValueError, match="version"):
        support.version_tuple(version)


def test_windows_version_resource_is_what_pyinstaller_reads(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # PyInstaller's reader imports pefile and pywin32, which only Windows installs; the
    # parsing and encoding it does here need neither.
    if importlib.util.find_spec("pefile") is None:
        monkeypatch.setitem(sys.modules, "pefile", types.ModuleType("pefile"))
    import PyInstaller.compat

    monkeypatch.setattr(PyInstaller.compat, "win32api", None, raising=False)
    monkeypatch.delitem(sys.modules, "PyInstaller.utils.win32.versioninfo", raising=False)
    from PyInstaller.utils.win32 import versioninfo

    path = tmp_path / "version_info.txt"
    path.write_text(support.windows_version_text(root, "3.2.1"), encoding="utf-8")
    info = versioninfo.load_version_info_from_text_file(str(path))
    assert isinstance(info, versioninfo.VSVersionInfo)
    assert (info.ffi.fileVersionMS, info.ffi.fileVersionLS) == ((3 << 16) | 2, 1 << 16)
    raw = info.toRaw()
    for text in ("3.2.1", "TCB Links", "tcb-gui.exe"):
        assert text.encode("utf-16-le") in raw
    monkeypatch.delitem(sys.modules, "PyInstaller.utils.win32.versioninfo", raising=False)


def test_info_plist_file_leaves_the_version_to_the_spec(root: Path) -> None:
    with (root / support.MACOS_INFO_PLIST).open("rb") as handle:
        committed = plistlib.load(handle)
    assert "CFBundleShortVersionString" not in committed  # never stale in the tree
    keys = support.info_plist(root, "1.2.3rc1")
    assert keys["CFBundleShortVersionString"] == "1.2.3rc1"
    assert keys["CFBundleVersion"] == "1.2.3"
    assert keys["CFBundleName"] == support.APP_NAME


@pytest.mark.parametrize("platform", ["linux", "win32", "darwin"])
def test_hidden_imports_exist(platform: str) -> None:
    # A misspelt hidden import is silently ignored by PyInstaller; catch it here.
    for name in support.hidden_imports(platform):
        top = name.split(".")[0]
        if platform != sys.platform and name.startswith("keyring.backends."):
            # Backends of other platforms import, but their native APIs are missing.
            assert importlib.util.find_spec(name) is not None, name
            continue
        assert importlib.util.find_spec(top) is not None, name
        assert importlib.util.find_spec(name) is not None, name


@pytest.mark.parametrize(
    ("dest", "kept"),
    [
        ("PySide6/Qt/lib/libQt6Core.so.6", True),
        ("PySide6/Qt/lib/libQt6Gui.so.6", True),
        ("PySide6/Qt/lib/libQt6Widgets.so.6", True),
        ("PySide6/Qt/lib/libQt6Svg.so.6", True),
        ("PySide6/Qt/lib/libQt6DBus.so.6", True),
        ("PySide6/Qt/lib/libQt6XcbQpa.so.6", True),
        ("PySide6/Qt/lib/libQt6WaylandClient.so.6", True),
        ("PySide6/Qt/lib/libicudata.so.73", True),
        ("PySide6/Qt/plugins/platforms/libqxcb.so", True),
        ("PySide6/Qt/plugins/platforms/libqwayland.so", True),
        ("PySide6/Qt/plugins/platforms/libqoffscreen.so", True),
        ("PySide6/Qt/plugins/imageformats/libqsvg.so", True),
        ("PySide6/Qt/plugins/iconengines/libqsvgicon.so", True),
        ("PySide6/Qt/plugins/platformthemes/libqxdgdesktopportal.so", True),
        ("PySide6/Qt/plugins/wayland-shell-integration/libxdg-shell.so", True),
        ("PySide6/plugins/platforms/qwindows.dll", True),
        ("PySide6/Qt6Widgets.dll", True),
        ("PySide6/Qt/plugins/platforms/libqcocoa.dylib", True),
        ("PySide6/Qt/lib/QtWidgets.framework/Versions/A/QtWidgets", True),
        ("PySide6/QtCore.abi3.so", True),
        ("libpython3.11.so.1.0", True),
        ("PySide6/Qt/lib/libQt6Quick.so.6", False),
        ("PySide6/Qt/lib/libQt6QuickControls2Basic.so.6", False),
        ("PySide6/Qt/lib/libQt6Qml.so.6", False),
        ("PySide6/Qt/lib/libQt6QmlModels.so.6", False),
        ("PySide6/Qt/lib/libQt6Pdf.so.6", False),
        ("PySide6/Qt/lib/libQt6VirtualKeyboard.so.6", False),
        ("PySide6/Qt/lib/libQt6WaylandCompositor.so.6", False),
        ("PySide6/Qt6Quick.dll", False),
        ("PySide6/opengl32sw.dll", False),
        ("PySide6/Qt/lib/QtQuick.framework/Versions/A/QtQuick", False),
        ("PySide6/Qt/plugins/platforms/libqeglfs.so", False),
        ("PySide6/Qt/plugins/platforms/libqvnc.so", False),
        ("PySide6/Qt/plugins/platforminputcontexts/libqtvirtualkeyboardplugin.so", False),
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", False),
        ("PySide6/Qt/plugins/imageformats/libqpdf.so", False),
        ("PySide6/Qt/plugins/tls/libqopensslbackend.so", False),
        ("PySide6/Qt/plugins/sqldrivers/libqsqlite.so", False),
    ],
)
def test_exclusion_reason(dest: str, kept: bool) -> None:
    reason = support.exclusion_reason(dest, {"zh_CN"})
    assert (reason is None) == kept, reason


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("qtbase_zh_CN.qm", True),
        ("qt_zh_CN.qm", True),
        ("qtbase_zh.qm", True),
        ("qtbase_zh_TW.qm", False),
        ("qtbase_de.qm", False),
        ("qt_help_zh_CN.qm", True),
    ],
)
def test_qt_translations_follow_the_apps_languages(name: str, kept: bool) -> None:
    dest = f"PySide6/Qt/translations/{name}"
    assert (support.exclusion_reason(dest, {"zh_CN"}) is None) == kept
    assert support.exclusion_reason(dest, set()) is not None


def test_orphaned_libraries_are_only_those_nothing_kept_needs() -> None:
    needs = {
        "libqgtk3.so": [
            "libgtk-3.so.0",
            "libglib-2.0.so.0",
            "libQt6Gui.so.6",
            "libQt6DBus.so.6",
        ],
        "libgtk-3.so.0": ["libgdk-3.so.0", "libglib-2.0.so.0"],
        "libgdk-3.so.0": ["libcairo.so.2"],
        "libqxcb.so": ["libQt6XcbQpa.so.6"],
        "libQt6Gui.so.6": ["libglib-2.0.so.0"],
    }
    kept = ["libqxcb.so", "libQt6XcbQpa.so.6", "libQt6Gui.so.6", "libglib-2.0.so.0",
            "libgtk-3.so.0", "libgdk-3.so.0", "libcairo.so.2", "libQt6DBus.so.6"]  # fmt: skip
    orphans = support.orphaned_libraries(needs, kept, {"libqgtk3.so"})
    # glib stays (Qt needs it); Qt's own libraries are never orphans, even one that only
    # the dropped plugin linked (DBus here): EXCLUDED_QT_LIBRARIES decides those.
    assert orphans == {"libgtk-3.so.0", "libgdk-3.so.0", "libcairo.so.2"}


@pytest.mark.parametrize(
    ("filename", "name"),
    [
        ("libQt6Core.so.6", "Core"),
        ("libqt6core.so.6", "core"),
        ("Qt6Widgets.dll", "Widgets"),
        ("qt6widgets.dll", "widgets"),
        ("QtQuick.framework", "Quick"),
        ("libglib-2.0.so.0", None),
        ("libqxcb.so", None),
        ("QtCore.abi3.so", None),
    ],
)
def test_qt_library_name(filename: str, name: str | None) -> None:
    assert support.qt_library_name(filename) == name


def test_compiled_translations_load_and_translate(root: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    sources = project / support.TRANSLATION_SOURCES
    sources.mkdir(parents=True)
    (sources / "tcb_gui_zh_CN.ts").write_text(
        """<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>MainWindow</name>
    <message>
        <source>Resolve</source>
        <translation>解析</translation>
    </message>
</context>
</TS>
""",
        encoding="utf-8",
    )
    compiled = support.compile_translations(project, tmp_path / "out")
    assert [p.name for p in compiled] == ["tcb_gui_zh_CN.qm"]
    translator = QTranslator()
    assert translator.load(str(compiled[0]))
    assert translator.translate("MainWindow", "Resolve") == "解析"
    assert support.shipped_languages(project) == {"zh_CN"}
    # The bundle takes the compiled file, not a stale one of the same name in the tree.
    stale = project / support.PACKAGE_RESOURCES / "translations" / "tcb_gui_zh_CN.qm"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"stale")
    (project / support.ICON_DIR).mkdir(parents=True)
    for linux_file in (support.DESKTOP_FILE, support.METAINFO_FILE, support.LINUX_INSTALLER):
        (project / linux_file).parent.mkdir(parents=True, exist_ok=True)
        (project / linux_file).write_text("x", encoding="utf-8")
    datas = support.bundle_datas(project, compiled)
    translations = [src for src, dest in datas if dest.endswith("translations")]
    assert translations == [str(compiled[0])]


def test_no_translation_sources_means_nothing_to_compile(tmp_path: Path) -> None:
    assert support.compile_translations(tmp_path, tmp_path / "out", lrelease="/bin/false") == []
    assert not (tmp_path / "out").exists()
