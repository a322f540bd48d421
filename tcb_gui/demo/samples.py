"""The demo service's storage: two environments, a sample set of files, deterministic bytes.

Nothing is stored. A file is a (bucket, key) pair with a size; its content is computed:
byte ``i`` is a pure function of ``(bucket, key, i)``, so any range of any file can be
produced on the fly, at memory speed, and a test can recompute what it should have got.

Content is built from 64 KiB blocks. Block ``n`` of a file is a 64 KiB window, at an
offset chosen by hashing (file, n), of one of 16 variants of a shared pseudo-random
128 KiB pool (the variant also chosen by that hash). So a block's bytes almost never
appear at another offset of the file (a misplaced range or a resumed download glued at
the wrong offset is detected), two files differ, and producing a chunk is a zero-copy
slice per block plus one join (several GB/s).

Keys under ``gen/`` exist in every demo environment without being listed, for tests and
benchmarks: ``gen/size-<N>[K|M|G]/<anything>`` has N bytes (binary multiples: K = 1024),
any other ``gen/<anything>`` has 1024 bytes.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

SCHEME = "cloud://"


@dataclass(frozen=True, slots=True)
class DemoEnv:
    """One demo environment and its storage bucket (``<hex>-<env>-<appid>``, WECHAT_API §3)."""

    env: str
    bucket: str

    def fileid(self, key: str) -> str:
        return f"{SCHEME}{self.env}.{self.bucket}/{key}"


PROD = DemoEnv("demo-prod-7g3k", "7072-demo-prod-7g3k-1314114854")
TEST = DemoEnv("demo-test-2b9x", "7465-demo-test-2b9x-1258717764")
ENVIRONMENTS: tuple[DemoEnv, ...] = (PROD, TEST)
BUCKETS: frozenset[str] = frozenset(e.bucket for e in ENVIRONMENTS)

# An environment the service does not know: a request for it answers -501005.
UNKNOWN_ENV = DemoEnv("demo-gone-0000", "6f6c-demo-gone-0000-1250000000")

PRIVATE_FOLDER = "private"
GEN_PREFIX = "gen/"
# Size of any gen/ file without an explicit size-<N> folder.
GEN_DEFAULT_SIZE = 1024
# Upper bound for gen/size-<N>: 1 TiB is far beyond any test, and keeps sizes sane.
GEN_MAX_SIZE = 1 << 40
_GEN_SIZE_RE = re.compile(r"gen/size-(\d{1,13})([KMG]?)/")
_GEN_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}

# Content generation: 64 KiB windows of 16 variants of a 128 KiB pool (module docstring).
BLOCK_SIZE = 1 << 16
_POOL_VARIANTS = 16
_MASK64 = (1 << 64) - 1
# Chunk size for streaming a file: large chunks keep per-send overhead negligible.
STREAM_CHUNK = 256 * 1024


def env_by_name(env: str) -> DemoEnv | None:
    for candidate in ENVIRONMENTS:
        if candidate.env == env:
            return candidate
    return None


def is_private(key: str) -> bool:
    """Whether a key lies under a ``private/`` folder (at any depth): no permission."""
    folders = key.split("/")[:-1]
    return PRIVATE_FOLDER in folders


def gen_size(key: str) -> int | None:
    """The size of a generated ``gen/`` key, or None if the key is not under ``gen/``."""
    if not key.startswith(GEN_PREFIX):
        return None
    match = _GEN_SIZE_RE.match(key)
    if match is None:
        return GEN_DEFAULT_SIZE
    size = int(match.group(1)) * _GEN_UNITS[match.group(2)]
    return size if size <= GEN_MAX_SIZE else None


def file_size(bucket: str, key: str) -> int | None:
    """The size of a stored file, or None if there is no such file."""
    if bucket not in BUCKETS:
        return None
    size = _sample_sizes().get((bucket, key))
    if size is not None:
        return size
    if not _utf8_encodable(key):
        return None
    return gen_size(key)


def file_etag(bucket: str, key: str) -> str | None:
    """A strong ETag (quoted) for the file's content, or None if there is no such file."""
    size = file_size(bucket, key)
    if size is None:
        return None
    digest = hashlib.blake2b(_name(bucket, key) + b"\0" + str(size).encode(), digest_size=12)
    return f'"{digest.hexdigest()}"'


def iter_file_bytes(
    bucket: str, key: str, start: int, end: int, chunk_size: int = STREAM_CHUNK
) -> Iterator[bytes]:
    """Bytes ``start`` .. ``end - 1`` of a file's content, in chunks of about ``chunk_size``.

    Defined for any (bucket, key): existence and size are the caller's business.
    """
    if start < 0 or end < start:
        raise ValueError(f"invalid byte range {start}..{end}")
    seed = _file_seed(bucket, key)
    pieces: list[memoryview] = []
    pending = 0
    position = start
    while position < end:
        index, offset = divmod(position, BLOCK_SIZE)
        stop = min(end - position, BLOCK_SIZE - offset) + offset
        block = _block(seed, index)
        piece = block[offset:stop]
        pieces.append(piece)
        pending += len(piece)
        position += len(piece)
        if pending >= chunk_size:
            yield b"".join(pieces)
            pieces.clear()
            pending = 0
    if pieces:
        yield b"".join(pieces)


def file_bytes(bucket: str, key: str, start: int = 0, end: int | None = None) -> bytes:
    """Bytes ``start`` .. ``end - 1`` of a file (``end`` None: to the end of the file)."""
    if end is None:
        size = file_size(bucket, key)
        if size is None:
            raise KeyError(f"no demo file {key!r} in bucket {bucket!r}")
        end = size
    return b"".join(iter_file_bytes(bucket, key, start, end))


def sample_ids() -> list[str]:
    """The sample set as cloud file IDs, in a fixed order.

    Holds existing files of both environments, files under ``private/`` (no permission),
    IDs of files that do not exist, one ID whose bucket belongs to the other environment,
    one ID of an unknown environment, and hostile keys for download tests.
    """
    return list(_sample_ids())


def sample_list_text() -> str:
    """The sample IDs as a ready-to-paste list, one per line.

    Keys that end in whitespace are left out: editors and list parsers trim line ends,
    so such a line would not survive a paste (they stay in ``sample_ids()``).
    """
    return "".join(f"{fid}\n" for fid in _sample_ids() if not fid[-1].isspace())


# -- internals ----------------------------------------------------------------------------


def _utf8_encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates from a hostile JSON body
        return False
    return True


def _name(bucket: str, key: str) -> bytes:
    return f"{bucket}/{key}".encode("utf-8", "surrogatepass")


def _file_seed(bucket: str, key: str) -> int:
    return int.from_bytes(hashlib.blake2b(_name(bucket, key), digest_size=8).digest(), "little")


def _mix(value: int) -> int:
    """splitmix64's finaliser: a cheap, well-spread 64-bit hash."""
    value = (value ^ (value >> 30)) * 0xBF58476D1CE4E5B9 & _MASK64
    value = (value ^ (value >> 27)) * 0x94D049BB133111EB & _MASK64
    return value ^ (value >> 31)


@cache
def _pool(variant: int) -> memoryview:
    """Variant ``variant`` of the shared pool; built on first use (2 MiB for all 16)."""
    base = hashlib.shake_256(b"tcb-gui demo content pool v1").digest(2 * BLOCK_SIZE)
    shift = variant * 0x9D  # odd multiples spread the 16 byte-substitutions apart
    table = bytes((value + shift) & 0xFF for value in range(256))
    return memoryview(base.translate(table))


def _block(seed: int, index: int) -> memoryview:
    mixed = _mix((seed + index * 0x9E3779B97F4A7C15) & _MASK64)
    offset = mixed % BLOCK_SIZE
    return _pool((mixed >> 32) % _POOL_VARIANTS)[offset : offset + BLOCK_SIZE]


# Sizes of sample files: small, like the images and documents operators really store.
_KB = 1024
_SIZE_RANGES = {
    "image": (40 * _KB, 400 * _KB),
    "doc": (20 * _KB, 300 * _KB),
    "text": (200, 8 * _KB),
}
_SAMPLE_SEED = 20240210


@dataclass(frozen=True, slots=True)
class _Sample:
    env: DemoEnv
    key: str
    size: int | None  # None: listed in sample_ids() but not stored


def _kind_of(key: str) -> str:
    lowered = key.lower()
    if lowered.endswith((".png", ".jpg", ".jpeg", ".gif", ".mp4")):
        return "image"
    if lowered.endswith((".pdf", ".xlsx", ".docx", ".zip", ".csv")):
        return "doc"
    return "text"


def _hostile_keys() -> list[str]:
    """Keys that must not become paths as they are (DESIGN §3, WECHAT_API §3)."""
    return [
        "../../etc/passwd",
        "/abs/x",
        "a\\b.txt",
        "CON.txt",
        "hostile/NUL",
        "hostile/com1.log",
        "hostile/name. ",
        "hostile/dir. /name.",
        "hostile/./x/../y.txt",
        'hostile/a:b*c?d"e<f>g|h.txt',
        "hostile//double//slash.txt",
        "long/" + "x" * 300 + ".bin",
        "long/" + "很长的文件名" * 30 + ".txt",
    ]


def _special_keys() -> list[str]:
    """Keys with characters that links carry raw (WECHAT_API §1) or that URLs reserve."""
    return [
        "special/a+b&c=d;e,f@g$h.txt",
        "special/price $5 & up.txt",
        "special/user@example.com.json",
        "special/q=1;v=2,3.txt",
        "special/50% off.txt",
        "special/what?.txt",
        "special/#tag.txt",
        "special/pipe|name.txt",
        "special/paren (1) [2] {3}.txt",
        "special/quote's.txt",
        "special/tilde~and!bang*.txt",
    ]


def _build_samples() -> tuple[_Sample, ...]:
    rng = random.Random(_SAMPLE_SEED)

    def sized(env: DemoEnv, key: str) -> _Sample:
        low, high = _SIZE_RANGES[_kind_of(key)]
        return _Sample(env, key, rng.randint(low, high))

    def missing(env: DemoEnv, key: str) -> _Sample:
        return _Sample(env, key, None)

    prod: list[_Sample] = []
    for month in range(1, 13):
        for n in range(1, 6):
            prod.append(sized(PROD, f"images/2024/{month:02d}/IMG_{month * 100 + n:04d}.jpg"))
    prod += [sized(PROD, "图片/春节 海报.png"), sized(PROD, "图片/端午 龙舟.jpg")]
    prod += [sized(PROD, f"图片/元宵节/灯笼 {n}.jpg") for n in range(1, 9)]
    prod += [sized(PROD, f"docs/report final v{n}.pdf") for n in range(1, 9)]
    prod += [sized(PROD, "docs/年度报告 2023.pdf"), sized(PROD, "docs/README.txt")]
    prod.append(_Sample(PROD, "docs/empty.txt", 0))
    for month in range(1, 7):
        for n in range(1, 6):
            prod.append(sized(PROD, f"exports/orders/2024-{month:02d}/orders-{n:03d}.csv"))
    prod.append(sized(PROD, "a/b/c/d/e/f/g/h/i/j/deep file.txt"))
    prod.append(sized(PROD, "深/层/目/录/第 7 层/说明.txt"))
    prod += [sized(PROD, key) for key in _special_keys()]
    prod += [sized(PROD, key) for key in _hostile_keys()]
    prod += [sized(PROD, f"private/keys/server-{n}.pem") for n in range(1, 4)]
    prod.append(sized(PROD, "private/salary 2024.xlsx"))
    prod.append(sized(PROD, "reports/private/q3 draft.docx"))
    prod += [missing(PROD, f"deleted/old-{n}.jpg") for n in range(1, 4)]
    prod.append(missing(PROD, "images/2023/IMG_9999.jpg"))
    prod.append(missing(PROD, "图片/已删除.png"))
    prod.append(_Sample(PROD, "gen/size-300K/sample.bin", gen_size("gen/size-300K/sample.bin")))

    test: list[_Sample] = []
    for n in range(1, 81):
        test.append(sized(TEST, f"uploads/user_{n:03d}/avatar.png"))
    test += [sized(TEST, f"logs/2024/app-{n:02d}.log") for n in range(1, 16)]
    test += [sized(TEST, "图片/测试.png"), sized(TEST, "docs/report final v1.pdf")]
    test += [sized(TEST, "fixtures/空格 和 中文/数据 1.json")]
    test.append(sized(TEST, "private/test-secret.txt"))
    test += [missing(TEST, "uploads/user_999/avatar.png"), missing(TEST, "logs/2019/app.log")]
    return tuple(prod + test)


@cache
def _samples() -> tuple[_Sample, ...]:
    return _build_samples()


@cache
def _sample_sizes() -> dict[tuple[str, str], int]:
    return {(s.env.bucket, s.key): s.size for s in _samples() if s.size is not None}


@cache
def _sample_ids() -> tuple[str, ...]:
    ids = [s.env.fileid(s.key) for s in _samples()]
    # The env part says prod but the bucket is test's: the service answers INVALIID_ENV.
    ids.append(f"{SCHEME}{PROD.env}.{TEST.bucket}/uploads/user_001/avatar.png")
    ids.append(UNKNOWN_ENV.fileid("archive/old.txt"))
    return tuple(ids)
