"""What goes into the PyInstaller bundle, kept apart from the spec so tests can check it.

``tcb-gui.spec`` imports this module; ``tests/packaging`` imports it too, without running
PyInstaller. Nothing here imports Qt or PyInstaller at module level.
"""

from __future__ import annotations

import ast
import os
import plistlib
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

APP_ID = "io.github.tcblinks.TcbLinks"
APP_NAME = "TCB Links"
EXE_NAME = "tcb-gui"
# The launcher script PyInstaller analyses (outside the package, see launcher.py).
ENTRY_SCRIPT = "packaging/launcher.py"

# Icon sources and the PNG sizes rendered from them (freedesktop hicolor sizes up to 512).
ICON_DIR = "resources/icons/app"
ICON_MASTER = "tcb-gui.svg"
# Pixel-fitted drawings for the sizes where the master's strokes blur (see make_icons.py).
ICON_HINTED = {16: "tcb-gui-16px.svg", 24: "tcb-gui-24px.svg", 32: "tcb-gui-32px.svg"}
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
WINDOWS_ICON = "packaging/windows/tcb-gui.ico"
MACOS_ICON = "packaging/macos/tcb-gui.icns"
WINDOWS_VERSION_TEMPLATE = "packaging/windows/version_info.txt"
MACOS_INFO_PLIST = "packaging/macos/Info.plist"

LINUX_DIR = "packaging/linux"
DESKTOP_FILE = f"{LINUX_DIR}/{APP_ID}.desktop"
METAINFO_FILE = f"{LINUX_DIR}/{APP_ID}.metainfo.xml"
LINUX_INSTALLER = f"{LINUX_DIR}/install.sh"

# Package data the app reads at run time through paths next to its modules
# (ui/i18n.py: tcb_gui/resources/translations/tcb_gui_<locale>.qm).
PACKAGE_RESOURCES = "tcb_gui/resources"
APP_TRANSLATION = re.compile(r"^tcb_gui_(?P<lang>[A-Za-z]{2,3}(?:_[A-Za-z]{2,4})?)\.qm$")
# Translation sources (issue 5): compiled into PACKAGE_RESOURCES/translations.
TRANSLATION_SOURCES = "resources/translations"

# Modules loaded by name at run time, which PyInstaller's import analysis cannot see.
HIDDEN_IMPORTS_COMMON = (
    # keyring picks a backend through its "keyring.backends" entry points.
    "keyring.backends.chainer",
    "keyring.backends.fail",
    "keyring.backends.null",
    # uvicorn resolves "auto" loops and protocols, and the lifespan, by import string.
    "uvicorn.logging",
    "uvicorn.loops.auto",
    "uvicorn.loops.asyncio",
    "uvicorn.protocols.http.auto",
    "uvicorn.protocols.http.h11_impl",
    "uvicorn.protocols.http.httptools_impl",
    "uvicorn.protocols.websockets.auto",
    "uvicorn.lifespan.on",
    "uvicorn.lifespan.off",
    "httptools",
    "h11",
    "qasync",
)
HIDDEN_IMPORTS_BY_PLATFORM = {
    "linux": (
        "keyring.backends.SecretService",
        "keyring.backends.kwallet",
        "keyring.backends.libsecret",
        "secretstorage",
        "jeepney",
        "jeepney.io.blocking",
    ),
    "darwin": ("keyring.backends.macOS",),
    "win32": ("keyring.backends.Windows",),
}
# Distributions whose metadata is read at run time (keyring's entry points).
METADATA_PACKAGES = ("keyring",)

# Python packages that are installed in a developer's venv but never used by the app.
EXCLUDED_MODULES = (
    "tkinter",
    "_tkinter",
    "matplotlib",
    "numpy",
    "PIL",
    "wechatpy",
    "pytest",
    "_pytest",
    "pytestqt",
    "hypothesis",
    "respx",
    "mypy",
    "ruff",
    "IPython",
    "setuptools",
    "pkg_resources",
    # Qt bindings the app does not import (their hooks would pull their Qt libraries).
    "PySide6.QtQml",
    "PySide6.QtQuick",
    "PySide6.QtQuickControls2",
    "PySide6.QtQuickWidgets",
    "PySide6.QtQuickTest",
    "PySide6.QtQmlFeatures",
    "PySide6.QtLabsStyleKit",
    "PySide6.QtPdf",
    "PySide6.QtPdfWidgets",
    "PySide6.QtWebEngineCore",
    "PySide6.QtWebEngineWidgets",
    "PySide6.QtMultimedia",
    "PySide6.QtCharts",
    "PySide6.QtDataVisualization",
    "PySide6.QtBluetooth",
    "PySide6.QtNfc",
    "PySide6.QtSensors",
    "PySide6.QtSerialPort",
    "PySide6.QtSql",
    "PySide6.QtTest",
    "PySide6.QtDesigner",
    "PySide6.QtHelp",
    "PySide6.QtUiTools",
    "PySide6.QtOpenGL",
    "PySide6.QtOpenGLWidgets",
    "PySide6.QtPrintSupport",
    "PySide6.QtConcurrent",
    "PySide6.QtXml",
)

# Qt libraries the window does not need: Qt Quick/QML (pulled in by the virtual keyboard
# and vector-image plugins), PDF, designer, tests, SQL, the Wayland compositor side, and
# the eglfs device layer. Matched against the library's module name (Qt6<Name>).
EXCLUDED_QT_LIBRARIES = (
    "Qml",
    "Quick",
    "Labs",
    "Lottie",
    "Pdf",
    "VirtualKeyboard",
    "Designer",
    "Help",
    "Test",
    "Sql",
    "UiTools",
    "WaylandCompositor",
    "WaylandEglCompositor",
    "WlShellIntegration",
    "EglFS",
    "EglFsKms",
    "Multimedia",
    "WebEngine",
    "3D",
    "Charts",
    "DataVisualization",
    "Bluetooth",
    "Nfc",
    "Sensors",
    "SerialPort",
    "OpenGLWidgets",
    "PrintSupport",
)
# Qt plugin folders (or folder/name prefixes) to leave out, with why.
EXCLUDED_QT_PLUGINS = (
    "platforms/libqeglfs",  # embedded full-screen EGL, never a desktop session
    "platforms/libqminimalegl",
    "platforms/libqlinuxfb",
    "platforms/libqvnc",
    "platforms/libqvkkhrdisplay",
    "egldeviceintegrations",
    "generic",  # evdev/tuio input for eglfs
    "platforminputcontexts/libqtvirtualkeyboardplugin",  # pulls in all of Qt Quick
    "platformthemes/libqgtk3",  # would bundle the build machine's GTK 3 stack
    "imageformats/libqpdf",
    "imageformats/libqtiff",
    "imageformats/libqwebp",
    "imageformats/libqtga",
    "imageformats/libqwbmp",
    "vectorimageformats",
    "qmltooling",
    "sqldrivers",
    "designer",
    "printsupport",
    "tls",  # QtNetwork's TLS; HTTP goes through httpx
    "networkinformation",
    "wayland-graphics-integration-server",
    "wayland-shell-integration/libwl-shell-plugin",
    "wayland-shell-integration/libivi-shell",
    "wayland-shell-integration/libfullscreen-shell-v1",
    "wayland-shell-integration/libqt-shell",
)

# Case-insensitive: the spec compares case-folded names (Windows spells DLLs freely).
_QT_LIBRARY = re.compile(
    r"^(?:lib)?Qt6?(?P<name>[A-Za-z0-9]+?)(?:\.framework|\.so(?:\.\d+)*|\.dll)$", re.IGNORECASE
)
_QT_TRANSLATION = re.compile(r"^qt[a-z_]*?_(?P<lang>[a-z]{2,3}(?:_[A-Za-z]{2,4})?)\.qm$")


@dataclass(frozen=True, slots=True)
class Exclusion:
    """Why one collected file stays out of the bundle."""

    dest: str
    reason: str


def read_version(root: Path) -> str:
    """``tcb_gui.__version__``, read without importing the package."""
    tree = ast.parse((root / "tcb_gui" / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__version__" for t in node.targets)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            return node.value.value
    raise ValueError("tcb_gui/__init__.py has no literal __version__")


# A Windows version resource holds four 16-bit numbers.
_WINDOWS_VERSION_PARTS = 4
_WINDOWS_VERSION_MAX = 0xFFFF


def version_tuple(version: str) -> tuple[int, int, int, int]:
    """The four numbers of a Windows version resource: "1.2.3rc1" -> (1, 2, 3, 0)."""
    numbers: list[int] = []
    for part in version.split("."):
        match = re.match(r"\d+", part)
        if match is None:
            break
        numbers.append(int(match.group()))
        if match.end() != len(part):
            break  # a pre-release or local suffix ends the numeric part
    if not numbers:
        raise ValueError(f"version {version!r} does not start with a number")
    numbers = (numbers + [0] * _WINDOWS_VERSION_PARTS)[:_WINDOWS_VERSION_PARTS]
    if any(n > _WINDOWS_VERSION_MAX for n in numbers):
        raise ValueError(f"version {version!r} does not fit a Windows version resource")
    return numbers[0], numbers[1], numbers[2], numbers[3]


def windows_version_text(root: Path, version: str) -> str:
    """The version resource (PyInstaller's VSVersionInfo text) for ``version``."""
    template = (root / WINDOWS_VERSION_TEMPLATE).read_text(encoding="utf-8")
    return template.format(filevers=version_tuple(version), version=version)


def info_plist(root: Path, version: str) -> dict[str, Any]:
    """The macOS Info.plist keys: the committed file plus this build's version."""
    with (root / MACOS_INFO_PLIST).open("rb") as handle:
        keys: dict[str, Any] = plistlib.load(handle)
    keys["CFBundleShortVersionString"] = version
    keys["CFBundleVersion"] = ".".join(str(n) for n in version_tuple(version)[:3])
    return keys


def _files(folder: Path) -> Iterator[Path]:
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                yield path


def translation_sources(root: Path) -> list[Path]:
    """The translators' ``.ts`` files."""
    return sorted((root / TRANSLATION_SOURCES).glob("*.ts"))


def shipped_languages(root: Path) -> set[str]:
    """Languages the bundle carries an app translation for (``tcb_gui_<lang>``)."""
    names = [p.name for p in _files(root / PACKAGE_RESOURCES / "translations")]
    names += [p.with_suffix(".qm").name for p in translation_sources(root)]
    return {m.group("lang") for m in map(APP_TRANSLATION.match, names) if m is not None}


def find_lrelease() -> str:
    """Qt's ``lrelease``: PySide6's wrapper beside this Python, else one on PATH."""
    here = Path(sys.executable).parent
    for candidate in (here / "pyside6-lrelease", here / "pyside6-lrelease.exe"):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    for name in ("pyside6-lrelease", "lrelease"):
        found = shutil.which(name)
        if found:
            return found
    raise FileNotFoundError("no pyside6-lrelease: install PySide6 (pip install -e '.[dev]')")


def compile_translations(root: Path, out_dir: Path, lrelease: str | None = None) -> list[Path]:
    """Compile every ``.ts`` source to ``out_dir/<name>.qm``; return the ``.qm`` files.

    The bundle takes its translations from here, so it never carries a stale ``.qm``
    that happened to lie in the source tree.
    """
    sources = translation_sources(root)
    if not sources:
        return []
    tool = lrelease or find_lrelease()
    out_dir.mkdir(parents=True, exist_ok=True)
    compiled = []
    for source in sources:
        target = out_dir / source.with_suffix(".qm").name
        subprocess.run(  # noqa: S603 (fixed tool, paths from the project)
            [tool, "-silent", str(source), "-qm", str(target)],
            check=True,
            stdin=subprocess.DEVNULL,
        )
        compiled.append(target)
    return compiled


def bundle_datas(root: Path, compiled_translations: Iterable[Path] = ()) -> list[tuple[str, str]]:
    """(source file, folder in the bundle) for every data file the bundle carries.

    Folders keep their place relative to the project root, so code that finds a file
    next to its module (``tcb_gui/resources/...``) finds it in the bundle too, and
    ``packaging/linux/install.sh`` finds the icons at the same relative path. Compiled
    translations go to ``tcb_gui/resources/translations`` in place of any ``.qm`` of the
    same name in the tree.
    """
    fresh = {path.name: path for path in compiled_translations}
    translations_dest = f"{PACKAGE_RESOURCES}/translations"
    datas = []
    for path in [
        *_files(root / ICON_DIR),
        *_files(root / PACKAGE_RESOURCES),
        root / DESKTOP_FILE,
        root / METAINFO_FILE,
        root / LINUX_INSTALLER,
    ]:
        dest = path.parent.relative_to(root).as_posix()
        if path.suffix == ".py" or (dest == translations_dest and path.name in fresh):
            continue  # modules come from the analysis; stale .qm from the tree stay out
        datas.append((str(path), dest))
    datas += [(str(path), translations_dest) for path in fresh.values()]
    return datas


def hidden_imports(platform: str) -> list[str]:
    """Hidden imports for a ``sys.platform`` value."""
    key = "linux" if platform.startswith("linux") else platform
    return [*HIDDEN_IMPORTS_COMMON, *HIDDEN_IMPORTS_BY_PLATFORM.get(key, ())]


def qt_library_name(filename: str) -> str | None:
    """ "libQt6Quick.so.6" / "Qt6Quick.dll" / "QtQuick.framework" -> "Quick"; else None."""
    match = _QT_LIBRARY.match(filename)
    return match.group("name") if match else None


def exclusion_reason(dest: str, languages: Iterable[str]) -> str | None:
    """Why the collected file at bundle path ``dest`` stays out, or None to keep it."""
    parts = PurePosixPath(dest.replace("\\", "/")).parts
    if "PySide6" not in parts:
        return None
    inner = parts[parts.index("PySide6") + 1 :]
    if "plugins" in inner:
        plugin = "/".join(inner[inner.index("plugins") + 1 :])
        if plugin.startswith(EXCLUDED_QT_PLUGINS):
            return f"Qt plugin {plugin} is not used"
        return None
    if "translations" in inner:
        match = _QT_TRANSLATION.match(inner[-1])
        if match is None:
            return None
        lang = match.group("lang")
        # QTranslator.load tries "qtbase_zh_CN" and then "qtbase_zh": keep both forms.
        wanted = {form for w in languages for form in (w, w.split("_")[0])}
        if lang in wanted:
            return None
        return f"Qt translation {inner[-1]}: the app ships no {lang} translation"
    for part in inner:
        if part.startswith("opengl32sw"):
            # Windows' 20 MB software OpenGL fallback: the widgets never use OpenGL.
            return "software OpenGL fallback is not used"
        name = qt_library_name(part)
        if name is not None and name.startswith(EXCLUDED_QT_LIBRARIES):
            return f"Qt library {part} is not used"
    return None


def _closure(needs: Mapping[str, Iterable[str]], start: Iterable[str]) -> set[str]:
    seen: set[str] = set()
    stack = list(start)
    while stack:
        name = stack.pop()
        if name not in seen:
            seen.add(name)
            stack.extend(needs.get(name, ()))
    return seen


def orphaned_libraries(
    needs: Mapping[str, Iterable[str]], kept: Iterable[str], dropped: Iterable[str]
) -> set[str]:
    """Libraries collected only because something left out linked to them.

    ``needs`` maps a binary's file name to the file names it links to. A library that a
    dropped file needs stays if any kept binary other than such candidates still needs
    it (directly or through others), so nothing a kept file loads is ever removed. Qt's
    own libraries are never candidates: only ``EXCLUDED_QT_LIBRARIES`` leaves them out.
    """
    dropped = set(dropped)
    candidates = {
        name for name in _closure(needs, dropped) - dropped if qt_library_name(name) is None
    }
    roots = set(kept) - candidates
    return candidates - _closure(needs, roots)
