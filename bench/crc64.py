"""CRC-64/XZ (the ``x-cos-hash-crc64ecma`` of COS) of a benchmark file, computed once.

The verification benchmark needs the value nginx sends with the 1 GiB file. A fast
library is used when one is installed (the engine's own choice will be); otherwise
numpy, which the plots already need: the file is cut into blocks whose CRCs advance side
by side eight bytes a step (slice-by-8 tables), and the block CRCs are joined pairwise by
the linear map "append n zero bytes". About 7 s per GiB here, against minutes for a
byte-at-a-time loop in Python. Only the benchmark uses it, never a measured tool.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

POLY = 0xC96C5795D7870F42  # ECMA-182, reflected
MASK = (1 << 64) - 1
CHECK = 0x995DC9BBDF1939FA  # CRC-64/XZ of b"123456789"
# Bytes each block covers (a multiple of 8) and bytes read at a time (a multiple of it).
BLOCK = 4096
CHUNK = 64 << 20

_U64 = np.uint64


def _table() -> np.ndarray:
    table = np.zeros(256, dtype=_U64)
    for i in range(256):
        crc = i
        for _ in range(8):
            crc = (crc >> 1) ^ (POLY if crc & 1 else 0)
        table[i] = crc
    return table


T0 = _table()
# Slice-by-8: T[k][i] is byte i followed by k zero bytes.
TABLES = [T0]
for _ in range(7):
    prev = TABLES[-1]
    TABLES.append((prev >> _U64(8)) ^ T0[(prev & _U64(0xFF)).astype(np.intp)])


def _bytes_raw(reg: int, data: bytes) -> int:
    """The CRC register after ``data`` (no final xor), a byte at a time (short tails)."""
    table = [int(x) for x in T0]
    for b in data:
        reg = table[(reg ^ b) & 0xFF] ^ (reg >> 8)
    return reg


class _Linear:
    """A GF(2)-linear map of the 64-bit register, as eight byte tables."""

    def __init__(self, tables: np.ndarray) -> None:
        self.tables = tables  # (8, 256) uint64

    @classmethod
    def one_zero_byte(cls) -> _Linear:
        # reg → T0[reg & 0xff] ^ (reg >> 8), applied to every byte value at every position.
        tables = np.zeros((8, 256), dtype=_U64)
        values = np.arange(256, dtype=_U64)
        for k in range(8):
            regs = values << _U64(8 * k)
            tables[k] = T0[(regs & _U64(0xFF)).astype(np.intp)] ^ (regs >> _U64(8))
        return cls(tables)

    def apply(self, regs: np.ndarray) -> np.ndarray:
        out = np.zeros_like(regs)
        for k in range(8):
            out ^= self.tables[k][((regs >> _U64(8 * k)) & _U64(0xFF)).astype(np.intp)]
        return out

    def then(self, other: _Linear) -> _Linear:
        """``other`` after ``self``."""
        return _Linear(other.apply(self.tables.reshape(-1)).reshape(8, 256))


class _Shifts:
    """The map "append n zero bytes" for any n, from squarings of the one-byte map."""

    def __init__(self) -> None:
        self._powers = [_Linear.one_zero_byte()]  # 1, 2, 4, … bytes
        self._cache: dict[int, _Linear] = {}

    def __call__(self, n: int) -> _Linear:
        if n in self._cache:
            return self._cache[n]
        result: _Linear | None = None
        bit = 0
        while n >> bit:
            while len(self._powers) <= bit:
                last = self._powers[-1]
                self._powers.append(last.then(last))
            if (n >> bit) & 1:
                power = self._powers[bit]
                result = power if result is None else result.then(power)
            bit += 1
        assert result is not None
        self._cache[n] = result
        return result


_SHIFTS = _Shifts()


def _chunk_raw(data: bytes) -> int:
    """The register after ``data`` (len a multiple of BLOCK) starting from zero."""
    words = np.frombuffer(data, dtype="<u8").reshape(-1, BLOCK // 8)
    columns = np.ascontiguousarray(words.T)  # step i: word i of every block
    regs = np.zeros(columns.shape[1], dtype=_U64)
    # The register's bytes, lowest first (little-endian), as table indices.
    octets = regs.view(np.uint8).reshape(-1, 8)
    acc = np.empty_like(regs)
    for column in columns:
        regs ^= column
        np.take(TABLES[7], octets[:, 0], out=acc)
        for k in range(1, 8):
            acc ^= TABLES[7 - k][octets[:, k]]
        regs[:] = acc
    # Join neighbours: reg(AB) = shift_len(B)(reg(A)) ^ reg(B), level by level.
    length = BLOCK
    while len(regs) > 1:
        if len(regs) % 2:
            regs = np.concatenate([np.zeros(1, dtype=_U64), regs])  # a leading zero block
        left, right = regs[0::2], regs[1::2]
        regs = _SHIFTS(length).apply(left) ^ right
        length *= 2
    return int(regs[0])


def crc64_numpy(chunks: Iterable[bytes]) -> int:
    reg = MASK
    tail = b""
    for piece in chunks:
        data = tail + piece if tail else piece
        whole = len(data) - len(data) % BLOCK
        if whole:
            block_reg = _chunk_raw(data[:whole])
            # The running register shifted past the chunk, then the chunk's own.
            reg = int(_SHIFTS(whole).apply(np.array([reg], dtype=_U64))[0]) ^ block_reg
        tail = data[whole:]
    reg = _bytes_raw(reg, tail)
    return reg ^ MASK


def _library() -> tuple[str, Callable[[Iterable[bytes]], int]] | None:
    """A fast CRC-64/XZ from an installed library, checked against the standard value."""

    def anycrc() -> Callable[[Iterable[bytes]], int]:
        module = importlib.import_module("anycrc")

        def run(chunks: Iterable[bytes]) -> int:
            model = module.Model("CRC64-XZ")
            value = 0
            for chunk in chunks:
                value = model.update(chunk)
            return int(value)

        return run

    def fastcrc() -> Callable[[Iterable[bytes]], int]:
        module = importlib.import_module("fastcrc")

        def run(chunks: Iterable[bytes]) -> int:
            value: int | None = None
            for chunk in chunks:
                value = module.crc64.xz(chunk, initial=value)
            return int(value if value is not None else module.crc64.xz(b""))

        return run

    def crcmod() -> Callable[[Iterable[bytes]], int]:
        module = importlib.import_module("crcmod.predefined")

        def run(chunks: Iterable[bytes]) -> int:
            crc = module.Crc("crc-64-xz")
            for chunk in chunks:
                crc.update(chunk)
            return int(crc.crcValue)

        return run

    candidates: list[tuple[str, Callable[[], Callable[[Iterable[bytes]], int]]]] = [
        ("anycrc", anycrc),
        ("fastcrc", fastcrc),
        ("crcmod", crcmod),
    ]
    for name, make in candidates:
        try:
            run = make()
            if run([b"1234", b"56789"]) == CHECK:
                return name, run
        except Exception:  # missing or a different API: try the next
            continue
    return None


def crc64_file(path: Path, read_size: int = CHUNK) -> tuple[int, str]:
    """(CRC-64/XZ of the file, what computed it)."""

    def chunks() -> Iterable[bytes]:
        with open(path, "rb") as handle:
            while chunk := handle.read(read_size):
                yield chunk

    found = _library()
    if found is not None:
        name, run = found
        return run(chunks()), name
    return crc64_numpy(chunks()), "numpy"
