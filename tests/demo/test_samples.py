"""The demo storage: the sample set, and content that is a pure function of (file, offset)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tcb_gui.core.fileids import parse_fileid
from tcb_gui.demo import samples
from tcb_gui.demo.samples import (
    PROD,
    TEST,
    file_bytes,
    file_etag,
    file_size,
    gen_size,
    iter_file_bytes,
    sample_ids,
    sample_list_text,
)

BIG = "gen/size-2M/big.bin"
BIG_SIZE = 2 << 20


def _keys(env: samples.DemoEnv) -> list[str]:
    prefix = f"cloud://{env.env}.{env.bucket}/"
    return [f[len(prefix) :] for f in sample_ids() if f.startswith(prefix)]


def test_sample_set_shape() -> None:
    ids = sample_ids()
    assert 200 <= len(ids) <= 500
    assert len(set(ids)) == len(ids)
    assert ids == sample_ids()  # fixed order
    parsed = [parse_fileid(f) for f in ids]  # every one is a valid ID
    assert {p.env for p in parsed} == {PROD.env, TEST.env, samples.UNKNOWN_ENV.env}
    assert len(_keys(PROD)) > 100
    assert len(_keys(TEST)) > 80


def test_sample_set_holds_the_hard_cases() -> None:
    keys = _keys(PROD) + _keys(TEST)
    assert "图片/春节 海报.png" in keys
    assert any(" " in k for k in keys)
    assert any(k.count("/") >= 8 for k in keys)
    for char in "+&=;,@$?#%":
        assert any(char in k for k in keys), char
    for hostile in ("../../etc/passwd", "/abs/x", "a\\b.txt", "CON.txt", "hostile/name. "):
        assert hostile in keys
    assert any(len(segment) > 255 for k in keys for segment in k.split("/"))
    assert any(
        len(segment.encode()) > 255 and not segment.isascii()
        for k in keys
        for segment in k.split("/")
    )
    private = [k for k in keys if samples.is_private(k)]
    missing = [k for k in _keys(PROD) if file_size(PROD.bucket, k) is None]
    assert len(private) >= 4
    assert len(missing) >= 3
    # private files exist: the service refuses them, it does not pretend they are gone
    assert all(file_size(PROD.bucket, k) is not None for k in private if k in _keys(PROD))


def test_sizes_are_small_and_fixed() -> None:
    sizes = [file_size(PROD.bucket, k) for k in _keys(PROD) if not k.startswith("gen/")]
    present = [s for s in sizes if s is not None]
    assert min(present) == 0  # docs/empty.txt
    assert max(present) <= 400 * 1024
    assert sum(1 for s in present if s < 10 * 1024) >= 10
    assert file_size(PROD.bucket, "图片/春节 海报.png") == file_size(
        PROD.bucket, "图片/春节 海报.png"
    )


def test_list_text_is_ready_to_paste() -> None:
    text = sample_list_text()
    lines = text.splitlines()
    assert text.endswith("\n")
    assert all(line.startswith("cloud://") for line in lines)
    assert lines == [f for f in sample_ids() if not f.endswith(" ")]
    assert len(lines) == len(sample_ids()) - 1  # only hostile/name. is left out


@pytest.mark.parametrize(
    ("key", "size"),
    [
        ("gen/a.bin", 1024),
        ("gen/size-10/x", 10),
        ("gen/size-0/x", 0),
        ("gen/size-3K/x", 3 * 1024),
        ("gen/size-2M/dir/x", 2 << 20),
        ("gen/size-5G/x", 5 << 30),
        ("gen/size-10", 1024),
        ("gen/size-1X/x", 1024),
        ("gen/size-99999999G/x", None),
        ("other/size-10/x", None),
    ],
)
def test_gen_sizes(key: str, size: int | None) -> None:
    assert gen_size(key) == size
    assert file_size(TEST.bucket, key) == size


def test_gen_files_exist_only_in_demo_buckets() -> None:
    assert file_size(PROD.bucket, "gen/x") == 1024
    assert file_size(samples.UNKNOWN_ENV.bucket, "gen/x") is None
    assert file_size("7072-other-1", "gen/x") is None


def test_private_folders() -> None:
    assert samples.is_private("private/a.txt")
    assert samples.is_private("reports/private/q3.docx")
    assert not samples.is_private("private")  # a file named so, not a folder
    assert not samples.is_private("privateer/a.txt")


def test_content_is_deterministic_and_distinct() -> None:
    whole = file_bytes(PROD.bucket, BIG)
    assert len(whole) == BIG_SIZE
    assert whole == file_bytes(PROD.bucket, BIG, 0, BIG_SIZE)
    assert whole != file_bytes(TEST.bucket, BIG)  # same key, other env
    assert whole[:4096] != file_bytes(PROD.bucket, "gen/size-2M/other.bin", 0, 4096)
    # No 64 KiB block repeats: a range glued at the wrong block is detected.
    heads = {whole[n : n + 64] for n in range(0, BIG_SIZE, samples.BLOCK_SIZE)}
    assert len(heads) == BIG_SIZE // samples.BLOCK_SIZE
    assert len(set(whole)) == 256  # looks random, not a repeated pattern
    with pytest.raises(KeyError):
        file_bytes(PROD.bucket, "deleted/old-1.jpg")


@settings(max_examples=60, deadline=None)
@given(
    start=st.integers(0, BIG_SIZE),
    length=st.integers(0, 300_000),
    chunk=st.sampled_from([1, 1000, 65_536, 262_144]),
)
def test_any_range_is_a_slice_of_the_whole(start: int, length: int, chunk: int) -> None:
    end = min(BIG_SIZE, start + length)
    whole = _big()
    pieces = list(iter_file_bytes(PROD.bucket, BIG, start, end, chunk))
    assert b"".join(pieces) == whole[start:end]
    assert all(piece for piece in pieces)
    assert all(len(piece) < chunk + samples.BLOCK_SIZE for piece in pieces)


@settings(max_examples=60, deadline=None)
@given(a=st.integers(0, BIG_SIZE - 4096), b=st.integers(0, BIG_SIZE - 4096))
def test_misplaced_ranges_differ(a: int, b: int) -> None:
    whole = _big()
    assert (whole[a : a + 4096] == whole[b : b + 4096]) == (a == b)


def test_invalid_ranges() -> None:
    with pytest.raises(ValueError, match="invalid byte range"):
        list(iter_file_bytes(PROD.bucket, BIG, 10, 5))
    with pytest.raises(ValueError, match="invalid byte range"):
        list(iter_file_bytes(PROD.bucket, BIG, -1, 5))
    assert list(iter_file_bytes(PROD.bucket, BIG, 7, 7)) == []


def test_etags() -> None:
    etag = file_etag(PROD.bucket, "docs/README.txt")
    assert etag == file_etag(PROD.bucket, "docs/README.txt")
    assert etag is not None
    assert etag.startswith('"')
    assert etag.endswith('"')
    assert etag != file_etag(TEST.bucket, "gen/size-1K/x")
    assert file_etag(PROD.bucket, "deleted/old-1.jpg") is None


_BIG_CACHE: list[bytes] = []


def _big() -> bytes:
    if not _BIG_CACHE:
        _BIG_CACHE.append(file_bytes(PROD.bucket, BIG))
    return _BIG_CACHE[0]
