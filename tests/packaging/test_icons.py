"""The app icon: SVG sources, committed PNGs in step with them, and the .ico/.icns
containers readable with the sizes each platform looks for."""

from __future__ import annotations

import struct
from pathlib import Path

import make_icons
import pytest
import spec_support as support
from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QColor, QImage, QImageReader
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

# The tile's blue (top-left stop of the gradient) and the cloud's white.
TILE_BLUE = QColor("#3d8bff")
CLOUD_WHITE = QColor("#ffffff")
COLOUR_TOLERANCE = 40


def _close(a: QColor, b: QColor) -> bool:
    pairs = ((a.red(), b.red()), (a.green(), b.green()), (a.blue(), b.blue()))
    return all(abs(x - y) <= COLOUR_TOLERANCE for x, y in pairs)


def _png(data: bytes) -> QImage:
    image = QImage.fromData(data)
    assert not image.isNull()
    return image


@pytest.mark.parametrize("name", [support.ICON_MASTER, *support.ICON_HINTED.values()], ids=str)
def test_svg_sources_are_valid_and_square(root: Path, qapp: QApplication, name: str) -> None:
    renderer = QSvgRenderer(str(root / support.ICON_DIR / name))
    assert renderer.isValid()
    box = renderer.viewBoxF()
    assert box.width() == box.height() > 0


def test_hinted_drawings_are_drawn_on_their_own_grid(root: Path, qapp: QApplication) -> None:
    for size, name in support.ICON_HINTED.items():
        box = QSvgRenderer(str(root / support.ICON_DIR / name)).viewBoxF()
        assert box.width() == size, name


@pytest.mark.parametrize("size", support.ICON_SIZES)
def test_png_sizes_exist_and_show_the_icon(root: Path, qapp: QApplication, size: int) -> None:
    image = _png((root / support.ICON_DIR / f"tcb-gui-{size}.png").read_bytes())
    assert (image.width(), image.height()) == (size, size)
    assert image.hasAlphaChannel()
    assert image.pixelColor(0, 0).alpha() == 0  # transparent outside the rounded tile
    # Blue tile near the top-left corner, white cloud just above the centre.
    inset = max(2, size // 6)
    assert _close(image.pixelColor(inset, inset), TILE_BLUE)
    assert _close(image.pixelColor(size // 2, size * 3 // 8), CLOUD_WHITE)


def test_committed_files_match_the_svg_sources(qapp: QApplication) -> None:
    # Fails after an SVG edit until `python packaging/make_icons.py` is run and committed.
    assert make_icons.stale_files() == []


def test_images_match_notices_a_changed_drawing(qapp: QApplication) -> None:
    original = make_icons.render_png(48)
    image = _png(original)
    for x in range(10, 30):
        for y in range(10, 30):
            image.setPixelColor(x, y, QColor("red"))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]
    assert make_icons.images_match(original, original)
    assert not make_icons.images_match(original, bytes(data.data()))


def test_windows_icon_holds_every_size_as_png(root: Path, qapp: QApplication) -> None:
    data = (root / support.WINDOWS_ICON).read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", data, 0)
    assert (reserved, kind, count) == (0, 1, len(make_icons.ICO_SIZES))
    sizes = []
    for i in range(count):
        width, height, _colours, _res, planes, bpp, length, offset = struct.unpack_from(
            "<BBBBHHII", data, 6 + 16 * i
        )
        side = width or 256  # 0 means 256
        assert height == width
        assert (planes, bpp) == (1, 32)
        image = _png(data[offset : offset + length])
        assert (image.width(), image.height()) == (side, side)
        sizes.append(side)
    assert sizes == sorted(make_icons.ICO_SIZES)
    # Qt's own ICO reader agrees.
    reader = QImageReader(str(root / support.WINDOWS_ICON), b"ico")
    assert reader.imageCount() == count


def test_macos_icon_holds_the_retina_and_standard_sizes(root: Path, qapp: QApplication) -> None:
    data = (root / support.MACOS_ICON).read_bytes()
    magic, total = struct.unpack_from(">4sI", data, 0)
    assert magic == b"icns"
    assert total == len(data)
    found = {}
    offset = 8
    while offset < total:
        kind, length = struct.unpack_from(">4sI", data, offset)
        image = _png(data[offset + 8 : offset + length])
        found[kind] = image.width()
        assert image.width() == image.height()
        offset += length
    assert offset == total
    assert found == dict(make_icons.ICNS_TYPES)
    assert found[b"ic10"] == 1024  # 512@2x: the Finder's and the Dock's largest


def test_ico_and_icns_writers_frame_their_input() -> None:
    pngs = {16: b"a" * 5, 256: b"b" * 7}
    ico = make_icons.ico_bytes(pngs)
    assert struct.unpack_from("<HHH", ico, 0) == (0, 1, 2)
    first = struct.unpack_from("<BBBBHHII", ico, 6)
    second = struct.unpack_from("<BBBBHHII", ico, 22)
    assert first[0] == 16
    assert second[0] == 0  # 256 is stored as 0
    assert ico[first[7] : first[7] + first[6]] == b"a" * 5
    assert ico[second[7] : second[7] + second[6]] == b"b" * 7
    assert len(ico) == 6 + 2 * 16 + 5 + 7
