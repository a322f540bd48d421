"""Render the app icon's PNG sizes, the Windows .ico and the macOS .icns from the SVGs.

    .venv/bin/python packaging/make_icons.py           write the files (commit them)
    .venv/bin/python packaging/make_icons.py --check   exit 1 if a committed file is stale

The outputs are committed, so building the bundle needs no converter. Sizes 16, 24, 32
come from drawings fitted to their pixel grid (the master's strokes would fall between
pixels there); every other size comes from the master. Rendering uses Qt's SVG renderer,
which PySide6-Essentials includes; the .ico and .icns containers are written here
(both hold PNG images, which Windows Vista+ and macOS 10.7+ read).
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import spec_support as support

ROOT = Path(__file__).resolve().parent.parent

# Sizes in the Windows icon: the shell picks 16-48 for lists, 256 for large views.
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# ICONDIR header: reserved 0, type 1 (icon), image count. ICONDIRENTRY is 16 bytes.
_ICO_HEADER = struct.Struct("<HHH")
_ICO_ENTRY = struct.Struct("<BBBBHHII")
_ICO_TYPE_ICON = 1
_ICO_BITS_PER_PIXEL = 32
# An ICONDIRENTRY stores 256 as 0 (the width field is one byte).
_ICO_SIZE_BYTE_LIMIT = 256

# .icns element types holding PNG data, and the pixel size each one holds
# (Apple's "icns" format: ic11-ic14 are the @2x variants of 16, 32, 128 and 256).
ICNS_TYPES = (
    (b"icp4", 16),
    (b"ic11", 32),
    (b"icp5", 32),
    (b"ic12", 64),
    (b"icp6", 64),
    (b"ic07", 128),
    (b"ic13", 256),
    (b"ic08", 256),
    (b"ic14", 512),
    (b"ic09", 512),
    (b"ic10", 1024),
)
_ICNS_HEADER = struct.Struct(">4sI")

# --check tolerance: the renderer's anti-aliasing may differ by a step or two between Qt
# versions; a changed drawing moves far more than this.
CHECK_MAX_CHANNEL_DELTA = 8
CHECK_MAX_DIFFERENT_FRACTION = 0.01


@dataclass(frozen=True, slots=True)
class Output:
    """One file this script writes, and its bytes."""

    path: Path
    data: bytes


def _app() -> object:
    # QImage painting needs a QGuiApplication; no display is needed for that.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    return QGuiApplication.instance() or QGuiApplication(sys.argv[:1])


def source_for(size: int) -> Path:
    """The drawing a size is rendered from."""
    name = support.ICON_HINTED.get(size, support.ICON_MASTER)
    return ROOT / support.ICON_DIR / name


def render_png(size: int) -> bytes:
    """The icon at ``size`` pixels as PNG bytes."""
    _app()
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(source_for(size)))
    if not renderer.isValid():
        raise RuntimeError(f"cannot read {source_for(size)}")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    # PySide6 6.12 takes the format as str at run time; its stubs say bytes.
    if not image.save(buffer, "PNG"):  # type: ignore[call-overload]
        raise RuntimeError(f"cannot encode the {size} px icon")
    buffer.close()
    return bytes(data.data())


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    """A Windows .ico holding the given square PNGs."""
    sizes = sorted(pngs)
    offset = _ICO_HEADER.size + _ICO_ENTRY.size * len(sizes)
    header = _ICO_HEADER.pack(0, _ICO_TYPE_ICON, len(sizes))
    entries, images = [], []
    for size in sizes:
        side = 0 if size >= _ICO_SIZE_BYTE_LIMIT else size
        data = pngs[size]
        entries.append(_ICO_ENTRY.pack(side, side, 0, 0, 1, _ICO_BITS_PER_PIXEL, len(data), offset))
        images.append(data)
        offset += len(data)
    return header + b"".join(entries) + b"".join(images)


def icns_bytes(pngs: dict[int, bytes]) -> bytes:
    """A macOS .icns holding the PNG of each size ``ICNS_TYPES`` names."""
    body = b"".join(
        _ICNS_HEADER.pack(kind, _ICNS_HEADER.size + len(pngs[size])) + pngs[size]
        for kind, size in ICNS_TYPES
    )
    return _ICNS_HEADER.pack(b"icns", _ICNS_HEADER.size + len(body)) + body


def png_path(size: int) -> Path:
    return ROOT / support.ICON_DIR / f"tcb-gui-{size}.png"


def outputs() -> list[Output]:
    """Every file this script owns, freshly rendered."""
    sizes = {*support.ICON_SIZES, *ICO_SIZES, *(size for _kind, size in ICNS_TYPES)}
    pngs = {size: render_png(size) for size in sorted(sizes)}
    files = [Output(png_path(size), pngs[size]) for size in support.ICON_SIZES]
    files.append(Output(ROOT / support.WINDOWS_ICON, ico_bytes({s: pngs[s] for s in ICO_SIZES})))
    files.append(Output(ROOT / support.MACOS_ICON, icns_bytes(pngs)))
    return files


def images_match(expected_png: bytes, actual_png: bytes) -> bool:
    """Whether two PNGs show the same picture, up to anti-aliasing noise."""
    _app()
    from PySide6.QtGui import QImage

    a = QImage.fromData(expected_png).convertToFormat(QImage.Format.Format_RGBA8888)
    b = QImage.fromData(actual_png).convertToFormat(QImage.Format.Format_RGBA8888)
    if a.isNull() or b.isNull() or a.size() != b.size():
        return False
    pa, pb = bytes(a.constBits()), bytes(b.constBits())
    pixels = a.width() * a.height()
    different = 0
    for i in range(0, len(pa), 4):
        if max(abs(x - y) for x, y in zip(pa[i : i + 4], pb[i : i + 4], strict=True)) > (
            CHECK_MAX_CHANNEL_DELTA
        ):
            different += 1
    return different <= pixels * CHECK_MAX_DIFFERENT_FRACTION


def stale_files() -> list[Path]:
    """Committed PNGs that no longer show what the SVGs draw, and missing outputs."""
    stale = []
    for output in outputs():
        missing = not output.path.is_file()
        if missing or (
            output.path.suffix == ".png" and not images_match(output.path.read_bytes(), output.data)
        ):
            stale.append(output.path)
    return stale


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="only report stale files")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_files()
        for path in stale:
            print(f"stale: {path.relative_to(ROOT)}")
        return 1 if stale else 0
    for output in outputs():
        output.path.parent.mkdir(parents=True, exist_ok=True)
        output.path.write_bytes(output.data)
        print(f"wrote {output.path.relative_to(ROOT)} ({len(output.data):,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
