"""CRC-64 of downloaded bytes, as Tencent COS (CloudBase storage) announces it.

COS sends ``x-cos-hash-crc64ecma`` with every object that has one: the CRC-64/XZ of the
whole object (ECMA-182 polynomial, reflected, init and xorout all ones: Go's
``crc64.ECMA`` table with ``crc64.Update``), in decimal. ETag is no MD5 for COS
(multipart uploads), so it is never used as a checksum. ``fastcrc`` computes it (SIMD,
about 10 GB/s), chunk by chunk, so a transfer keeps one running value.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Final

from fastcrc import crc64

from tcb_gui.core.downloads.files import NO_FOLLOW

if TYPE_CHECKING:
    from tcb_gui.core.downloads.httpchecks import ResponseHead

CRC64_HEADER: Final = "x-cos-hash-crc64ecma"
_CRC64_MAX: Final = (1 << 64) - 1
# Bytes read at a time when a file on disk is checked again.
READ_CHUNK: Final = 1024 * 1024


def crc64_header(response: ResponseHead) -> int | None:
    """The CRC-64 the response announces for the whole object, or None (none, unreadable)."""
    value = response.headers.get(CRC64_HEADER)
    if value is None:
        return None
    text = value.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 20:
        return None
    number = int(text)
    return number if number <= _CRC64_MAX else None


class RunningCrc64:
    """CRC-64/XZ of the bytes fed so far; ``value`` is the checksum of all of them."""

    __slots__ = ("value",)

    def __init__(self, value: int = 0) -> None:
        self.value = value  # the CRC-64/XZ of the empty string is 0

    def update(self, data: bytes | bytearray | memoryview) -> None:
        self.value = crc64.xz(data, initial=self.value)


def crc64_of_file(path: Path, length: int | None = None) -> int:
    """CRC-64/XZ of the first ``length`` bytes of a file (all of it when None), read in
    chunks and never through a symlink. Raises ``OSError``."""
    return crc64_of_fd(os.open(path, os.O_RDONLY | NO_FOLLOW), length)


def crc64_of_fd(fd: int, length: int | None = None) -> int:
    """``crc64_of_file`` of a file opened for reading (``fd``, closed here)."""
    crc = RunningCrc64()
    with os.fdopen(fd, "rb") as handle:
        left = length
        while left is None or left > 0:
            chunk = handle.read(READ_CHUNK if left is None else min(READ_CHUNK, left))
            if not chunk:
                break
            crc.update(chunk)
            if left is not None:
                left -= len(chunk)
    return crc.value
