"""Fuzzing at the boundaries (issue 6, item 5): where outside data enters the program.

What ``test_fileids``, ``test_client_fuzz`` and ``test_paths`` already cover (``find_ids``
on hostile text, ``decode_input`` on small blobs, one fixed answer per resolve, keys under
a plain folder) is not repeated. Here:

* **ID intake**: any bytes through ``read_ids_from_stream`` in any chunking, with small
  size limits and read errors, agreeing with ``decode_input`` + ``find_ids``; the same
  text in every encoding an operator has gives the same IDs; line-end conventions do not
  change what is found.
* **The client**: a scripted service (``httpx.MockTransport``) giving each call its own
  answer — any status, headers and bytes, or a JSON answer shaped from the request with
  IDs renamed, dropped, repeated, reordered, foreign or broken — to ``resolve`` and
  ``resolve_all`` over several environments and batches: only ``TcbError`` escapes,
  every ID ends in exactly one result, none through the client's internal-error safety
  net, and no link is swapped; ``check_token`` always answers a token state.
* **Paths**: any env and key under a folder holding links that lead out, in a loop, or
  stay inside: a path inside the folder, or ``UnsafePathError`` exactly when a link on
  the way leads out.
* **Downloads**: a scripted CDN with any status, garbage Content-Length / Content-Range /
  Content-Type / Content-Encoding, redirects anywhere, cut or padded bodies, to a one-file
  ``Downloader.run``: only DONE or FAILED, nothing written outside the folder, a saved
  file always as long as the last answer declared, and byte-exact when the answers with a
  body told the truth.

Examples are derandomised (fixed seeds) and no example database is written.
"""

from __future__ import annotations

import asyncio
import codecs
import hashlib
import io
import json
import os
import re
import tempfile
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO, cast

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tcb_gui.core.client import LinkResult, RetryPolicy, TcbClient, TokenCheck
from tcb_gui.core.downloads import Downloader, DownloadOptions, FileState
from tcb_gui.core.errors import ErrorKind, InputError, TcbError, TokenState
from tcb_gui.core.fileids import (
    SNIFF_BYTES,
    FileId,
    IdScan,
    decode_input,
    find_ids,
    parse_fileid,
    read_ids_from_path,
    read_ids_from_stream,
)
from tcb_gui.core.paths import (
    NAME_MAX_BYTES,
    UnsafePathError,
    part_path,
    relative_path_for,
    target_path,
)

# The budget: each property ≤ ~200 examples, the file well under 30 s.
FUZZ = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# Costlier examples (an event loop, a folder and a download engine each).
FUZZ_SLOW = settings(FUZZ, max_examples=150)
# A hang (a worker died and nobody told the consumer) fails the example, not the suite.
DEADLINE_S = 5.0
# Tries kept short: the retry paths are walked without waiting.
QUICK_RETRY = RetryPolicy(max_tries=3, base_delay=0.0001, max_delay=0.0001)


def run(coro: Any) -> Any:
    """One example's coroutine on its own short event loop, under a deadline."""

    async def bounded() -> Any:
        async with asyncio.timeout(DEADLINE_S):
            return await coro

    return asyncio.run(bounded())


# =========================================================================================
# ID intake
# =========================================================================================

_ID_FRAGMENTS = st.sampled_from(
    [
        "cloud://env-a.b-1/x.png",
        "cloud://env-a.b-1/图片/春节 海报.png",
        "cloud://env-b.b-2/a+b&c=d;e,f@g$h.txt",
        "cloud://",
        "\r\n",
        "\n",
        "\r",
        "\t",
        ",",
        '"',
        "序号,文件ID,备注",
        '{"fileID": "',
        '"}',
        "\ufeff",
        "\x00",
        "\x1b[31m",
        "INFO ",
        " ",
    ]
)
TEXTS = st.one_of(
    st.text(max_size=200),
    st.lists(st.one_of(_ID_FRAGMENTS, st.text(max_size=4)), max_size=40).map("".join),
)
# (codec, byte order mark written before the text).
_CODECS = [
    ("utf-8", b""),
    ("utf-8", codecs.BOM_UTF8),
    ("utf-16-le", codecs.BOM_UTF16_LE),
    ("utf-16-be", codecs.BOM_UTF16_BE),
    ("utf-16-le", b""),
    ("utf-32-le", codecs.BOM_UTF32_LE),
    ("gb18030", b""),
]


def _encoded(text: str, codec: tuple[str, bytes]) -> bytes:
    name, bom = codec
    errors = "replace" if name == "gb18030" else "surrogatepass"  # lone surrogates: bad bytes
    return bom + text.encode(name, errors)


ENCODED = st.builds(_encoded, TEXTS, st.sampled_from(_CODECS))
INPUT_BYTES = st.one_of(
    st.binary(max_size=3_000),
    ENCODED,
    # Cut anywhere, mid-character included.
    st.builds(lambda data, cut: data[:cut], ENCODED, st.integers(0, 600)),
    # Text, then something else glued on.
    st.builds(lambda head, tail: head + tail, ENCODED, st.binary(max_size=300)),
)


class ChunkedStream:
    """A binary stream answering each read with at most the next drawn size, optionally
    failing after some reads (a pipe that breaks, a network drive that goes away)."""

    def __init__(self, data: bytes, sizes: Sequence[int], fail_after: int | None) -> None:
        self._data = data
        self._sizes = list(sizes) or [len(data) or 1]
        self._position = 0
        self._reads = 0
        self._fail_after = fail_after

    def read(self, size: int = -1) -> bytes:
        if self._fail_after is not None and self._reads >= self._fail_after:
            raise OSError(5, "Input/output error")
        limit = self._sizes[self._reads % len(self._sizes)]
        self._reads += 1
        want = limit if size < 0 else min(size, limit)
        chunk = self._data[self._position : self._position + want]
        self._position += len(chunk)
        return chunk


def _scan_or_error(call: Any) -> IdScan | str:
    """The scan, or the InputError's message; anything else escapes and fails the test."""
    try:
        result: IdScan = call()
    except InputError as exc:
        message = exc.message
    else:
        return result
    assert message
    return message


def _same_scan(a: IdScan, b: IdScan) -> bool:
    return (a.ids, a.duplicates, a.lines_without_id, a.malformed, a.total_lines) == (
        b.ids,
        b.duplicates,
        b.lines_without_id,
        b.malformed,
        b.total_lines,
    )


@FUZZ
@given(
    data=INPUT_BYTES,
    sizes=st.lists(st.integers(1, 5_000), max_size=4),
    max_bytes=st.sampled_from([None, 1, 100, 2_000]),
)
@example(data=codecs.BOM_UTF16_LE + b"c\x00l", sizes=[1], max_bytes=None)
@example(data=b"\xff\xfe\x00\x00\x00\x00\x11\x00", sizes=[3], max_bytes=None)
def test_any_bytes_in_any_chunks_read_as_decode_and_find_would(
    data: bytes, sizes: list[int], max_bytes: int | None
) -> None:
    limit = {} if max_bytes is None else {"max_bytes": max_bytes}
    streamed = _scan_or_error(
        lambda: read_ids_from_stream(cast(BinaryIO, ChunkedStream(data, sizes, None)), "x", **limit)
    )
    if max_bytes is not None and len(data) > max_bytes:
        assert isinstance(streamed, str)
        assert "larger than" in streamed
        return
    whole = _scan_or_error(lambda: find_ids(decode_input(data, "x"), source="x"))
    if len(data) < SNIFF_BYTES:  # read whole either way: the same answer
        if isinstance(whole, str):
            assert streamed == whole
        else:
            assert isinstance(streamed, IdScan)
            assert _same_scan(streamed, whole)


@FUZZ
@given(data=INPUT_BYTES, fail_after=st.integers(0, 3), sizes=st.lists(st.integers(1, 64)))
def test_a_stream_that_breaks_is_an_input_error(
    data: bytes, fail_after: int, sizes: list[int]
) -> None:
    stream = ChunkedStream(data, sizes or [7], fail_after)
    outcome = _scan_or_error(lambda: read_ids_from_stream(cast(BinaryIO, stream), "the pipe"))
    if isinstance(outcome, str):
        assert "the pipe" in outcome


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz-inputs")


@FUZZ
@given(data=INPUT_BYTES)
def test_a_file_reads_as_the_same_bytes_on_a_stream(scratch: Path, data: bytes) -> None:
    path = scratch / "input.txt"
    path.write_bytes(data)
    from_file = _scan_or_error(lambda: read_ids_from_path(path))
    from_stream = _scan_or_error(lambda: read_ids_from_stream(io.BytesIO(data), str(path)))
    if isinstance(from_file, str):
        assert from_stream == from_file
    else:
        assert isinstance(from_stream, IdScan)
        assert _same_scan(from_file, from_stream)


# Text (no NUL: with NULs, UTF-8 without a BOM may pass for UTF-16, and is binary anyway).
_ENCODABLE_TEXT = TEXTS.map(
    lambda text: text.encode("utf-8", "ignore").decode("utf-8").replace("\x00", "")
)


@FUZZ
@given(text=_ENCODABLE_TEXT)
@example(text="序号,文件ID\ncloud://env-a.b-1/图片/春节 海报.png,x\n")
def test_every_encoding_operators_have_gives_the_same_ids(text: str) -> None:
    """UTF-8 with and without BOM, UTF-16 LE/BE and UTF-32 with a BOM, and GB18030 when it
    cannot be mistaken for UTF-8: one text, one answer (or the same refusal)."""
    forms = [codecs.BOM_UTF8 + text.encode(), codecs.BOM_UTF16_LE + text.encode("utf-16-le")]
    forms += [codecs.BOM_UTF16_BE + text.encode("utf-16-be")]
    forms += [codecs.BOM_UTF32_LE + text.encode("utf-32-le")]
    gb = text.encode("gb18030")
    try:
        gb.decode("utf-8")
    except UnicodeDecodeError:
        forms.append(gb)
    reference = _scan_or_error(lambda: find_ids(decode_input(text.encode(), "x"), source="x"))
    for data in forms:
        outcome = _scan_or_error(lambda data=data: find_ids(decode_input(data, "x"), source="x"))
        if isinstance(reference, str):
            assert isinstance(outcome, str)
        else:
            assert isinstance(outcome, IdScan), outcome
            assert outcome.ids == reference.ids
            assert outcome.duplicates == reference.duplicates


@FUZZ
@given(text=TEXTS)
@example(text='序号,文件ID\n1,"cloud://e-1.b/a,b.png"\n')
def test_line_end_conventions_do_not_change_the_ids_found(text: str) -> None:
    """Lines end at \\n, \\r\\n or \\r (fileids docstring): Unix, Windows and old Mac files of
    one list hold the same IDs."""
    unix = text.replace("\r\n", "\n").replace("\r", "\n")
    expected = find_ids(unix)
    for newline in ("\r\n", "\r"):
        found = find_ids(unix.replace("\n", newline))
        assert found.ids == expected.ids
        assert found.duplicates == expected.duplicates
        assert found.lines_without_id == expected.lines_without_id
        assert [m.text for m in found.malformed] == [m.text for m in expected.malformed]


# =========================================================================================
# The client
# =========================================================================================

BASE_URL = "https://api.example.test"
ENVS = ("env-a", "env-b", "env-c")
# 150 IDs over three environments: batches of 50, splitting on 40097, several at once.
POOL = [parse_fileid(f"cloud://{ENVS[n % 3]}.b-{n % 3}/dir {n}/图 {n}.png") for n in range(150)]
INDEX = {fid.raw: n for n, fid in enumerate(POOL)}
FOREIGN_ID = "cloud://env-z.b-9/not/requested.png"
_MARKER_RE = re.compile(r"/k(\d+)/")

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=10)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["status", "errmsg", "download_url", "x"]), inner, max_size=3
        )
    ),
    max_leaves=8,
)


def _link(marker: int, extra: str = "") -> str:
    """A raw link like the service's, naming the pool index it was made for."""
    return f"https://b.tcb.qcloud.la/k{marker}/图 x{extra}.png?sign=s&t=1"


@dataclass(frozen=True, slots=True)
class Raw:
    """Any status, headers and bytes."""

    status: int
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True, slots=True)
class Shaped:
    """A JSON answer built from the request: one plan per requested ID (cycled)."""

    errcode: object
    plans: tuple[str, ...]
    shuffle: int  # 0: request order; else a seed
    extra_items: tuple[object, ...]
    status: int = 200


ITEM_PLANS = st.sampled_from(
    [
        "ok",
        "ok",
        "ok-fileID",
        "ok-files",
        "ok-status-str",
        "ok-twice",
        "failed",
        "failed-weird",
        "omitted",
        "not-a-dict",
        "no-link",
        "ftp-link",
        "unnamed",
        "foreign",
        "wrong-types",
    ]
)
ERRCODES = st.sampled_from(
    [
        *(0, 0, 0, "0", -1, 45011, 40097, -501007, -501005, 40001, 42001, 48001, 45009),
        *(85088, 43002, 99_999, None, "x", 1.5, True, 2**70),
    ]
)
RAW_STATUSES = st.sampled_from([200, 201, 204, 301, 302, 307, 400, 403, 404, 429, 500, 502])
HEADER_VALUES = st.one_of(
    st.sampled_from(["application/json", "text/html", "gzip", "deflate", "br", "x-nope", ""]),
    st.sampled_from(["https://elsewhere.test/x", "/moved", "javascript:alert(1)", "http://[::1"]),
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=12),
)
HEADERS = st.dictionaries(
    st.sampled_from(["content-type", "content-encoding", "content-length", "location", "x-any"]),
    HEADER_VALUES,
    max_size=3,
)
# The client's safety net for its own bugs: a result carrying it means an exception
# nobody classified (client.resolve's worker).
INTERNAL_ERROR = "Internal error"
REPLIES = st.one_of(
    st.builds(
        Shaped,
        ERRCODES,
        st.lists(ITEM_PLANS, min_size=1, max_size=6).map(tuple),
        st.integers(0, 3),
        st.lists(json_values, max_size=2).map(tuple),
    ),
    st.builds(Raw, RAW_STATUSES, HEADERS, st.binary(max_size=120)),
    st.builds(
        Raw,
        st.just(200),
        HEADERS,
        json_values.map(lambda v: json.dumps(v).encode()),
    ),
)


def _item(plan: str, fid: str, position: int) -> list[object]:
    """The file_list entries one plan makes for the requested ``fid``."""
    marker = INDEX[fid]
    ok = {"fileid": fid, "status": 0, "errmsg": "ok", "download_url": _link(marker)}
    match plan:
        case "ok":
            return [ok]
        case "ok-fileID":
            return [{"fileID": fid, "status": 0, "download_url": _link(marker)}]
        case "ok-files":
            return [{"files": fid, "status": 0, "download_url": _link(marker)}]
        case "ok-status-str":
            return [{**ok, "status": " 0 "}]
        case "ok-twice":
            return [ok, dict(ok)]
        case "failed":
            return [{"fileid": fid, "status": -503003, "errmsg": "STORAGE_FILE_NONEXIST"}]
        case "failed-weird":
            return [{"fileid": fid, "status": "STORAGE_EXCEED_AUTHORITY", "errmsg": None}]
        case "omitted":
            return []
        case "not-a-dict":
            return [fid]
        case "no-link":
            return [{"fileid": fid, "status": 0, "download_url": ""}]
        case "ftp-link":
            return [{"fileid": fid, "status": 0, "download_url": "ftp://b/x.png"}]
        case "unnamed":
            return [{"status": 0, "download_url": _link(marker), "_pos": position}]
        case "foreign":
            return [{"fileid": FOREIGN_ID, "status": 0, "download_url": _link(999)}]
        case _:  # wrong-types
            return [{"fileid": fid, "status": [0], "download_url": {"u": 1}, "errmsg": 7}]


def _shaped_body(reply: Shaped, request: httpx.Request) -> bytes:
    sent = json.loads(request.content)
    requested = [entry["fileid"] for entry in sent.get("file_list", [])]
    items: list[object] = []
    for position, fid in enumerate(requested):
        items += _item(reply.plans[position % len(reply.plans)], fid, position)
    items += list(reply.extra_items)
    # Shuffled only when every item names its ID: unnamed items are trusted by position.
    if reply.shuffle and "unnamed" not in reply.plans:
        order = sorted(
            range(len(items)), key=lambda i: hashlib.md5(f"{reply.shuffle}:{i}".encode()).digest()
        )
        items = [items[i] for i in order]
    answer = {"errcode": reply.errcode, "errmsg": "ok", "file_list": items}
    return json.dumps(answer, ensure_ascii=False).encode()


class ScriptedService:
    """Answers call N with reply N of the script, then correctly."""

    def __init__(self, script: Sequence[Raw | Shaped]) -> None:
        self._script = list(script)
        self.calls = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        reply = self._script[self.calls] if self.calls < len(self._script) else None
        self.calls += 1
        if reply is None and request.url.path.endswith("/quota/get"):
            quota = {"daily_limit": 10, "used": 1, "remain": 9}
            return httpx.Response(200, json={"errcode": 0, "quota": quota})
        if reply is None:
            reply = Shaped(0, ("ok",), 0, ())
        if isinstance(reply, Raw):
            # Bytes, as they come off the wire (httpx decodes them as it would a socket's).
            headers = {k.encode(): v.encode("latin-1") for k, v in reply.headers.items()}
            return httpx.Response(reply.status, headers=headers, content=reply.body)
        return httpx.Response(reply.status, content=_shaped_body(reply, request))


async def _resolve_both(
    script: Sequence[Raw | Shaped], ids: list[FileId]
) -> tuple[list[LinkResult], TcbError | None, list[LinkResult] | TcbError]:
    """What ``resolve`` yielded (and the error it stopped with), and ``resolve_all``'s
    answer, each against a fresh copy of the scripted service."""

    def client(http: httpx.AsyncClient) -> TcbClient:
        return TcbClient(http, lambda: "tok3n-fuzz", base_url=BASE_URL, retry=QUICK_RETRY)

    streamed: list[LinkResult] = []
    stopped: TcbError | None = None
    transport = httpx.MockTransport(ScriptedService(script))
    async with httpx.AsyncClient(transport=transport) as http:
        try:
            async with aclosing(client(http).resolve(ids)) as stream:
                async for batch in stream:
                    streamed.extend(batch)
        except TcbError as exc:
            stopped = exc
    transport = httpx.MockTransport(ScriptedService(script))
    async with httpx.AsyncClient(transport=transport) as http:
        try:
            whole: list[LinkResult] | TcbError = await client(http).resolve_all(ids)
        except TcbError as exc:
            whole = exc
    return streamed, stopped, whole


def _assert_link_is_its_own(result: LinkResult) -> None:
    assert result.download_url is not None
    assert result.download_url.startswith(("https://", "http://"))
    assert result.download_url.isascii()
    assert " " not in result.download_url
    marker = _MARKER_RE.search(result.download_url)
    assert marker is not None, result
    assert int(marker[1]) == INDEX[result.fileid.raw], "a link answered another ID"


@FUZZ_SLOW
@given(
    script=st.lists(REPLIES, max_size=6),
    picks=st.lists(st.integers(0, len(POOL) - 1), min_size=1, max_size=120),
)
@example(script=[Shaped(0, ("unnamed",), 0, ())], picks=[0, 3, 6])
@example(script=[Shaped(40097, ("ok",), 0, ())] * 6, picks=list(range(0, 150, 3)))
@example(script=[Raw(200, {"content-encoding": "gzip"}, b"{}")], picks=[1])
@example(script=[Raw(302, {"location": "javascript:alert(1)"}, b"")], picks=[1])
def test_any_answers_end_every_id_once_with_its_own_link(
    script: list[Raw | Shaped], picks: list[int]
) -> None:
    ids = [POOL[n] for n in picks]  # repeats included: answered once, at first sight
    unique = list(dict.fromkeys(ids))
    streamed, stopped, whole = run(_resolve_both(script, ids))

    answered = [r.fileid for r in streamed]
    assert len(answered) == len(set(answered)), "an ID was answered twice"
    unresolved = [f for f in stopped.unresolved if isinstance(f, FileId)] if stopped else []
    assert len(unresolved) == len(stopped.unresolved if stopped else [])
    assert set(answered).isdisjoint(unresolved)
    assert sorted(f.raw for f in answered + unresolved) == sorted(f.raw for f in unique)
    for result in streamed:
        if result.ok:
            assert result.kind is None
            _assert_link_is_its_own(result)
        else:
            assert isinstance(result.kind, ErrorKind)
            assert result.download_url is None
            assert result.errmsg
            assert INTERNAL_ERROR not in result.errmsg, "an unclassified exception"
    if isinstance(whole, list):
        assert [r.fileid for r in whole] == unique
        for result in whole:
            if result.ok:
                _assert_link_is_its_own(result)


async def _check(script: Sequence[Raw | Shaped]) -> TokenCheck:
    transport = httpx.MockTransport(ScriptedService(script))
    async with httpx.AsyncClient(transport=transport) as http:
        client = TcbClient(http, lambda: "tok3n-fuzz", base_url=BASE_URL, retry=QUICK_RETRY)
        return await client.check_token()


QUOTAS = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {"daily_limit": json_scalars, "used": json_scalars, "remain": json_scalars}
    ),
)


@FUZZ
@given(
    replies=st.lists(
        st.one_of(
            st.builds(Raw, RAW_STATUSES, HEADERS, st.binary(max_size=80)),
            st.builds(
                lambda code, quota, status: Raw(
                    status, {}, json.dumps({"errcode": code, "quota": quota}).encode()
                ),
                ERRCODES,
                QUOTAS,
                st.sampled_from([200, 200, 500]),
            ),
        ),
        min_size=1,
        max_size=3,
    )
)
@example(replies=[Raw(302, {"location": "javascript:alert(1)"}, b"")])
def test_any_answer_to_a_token_check_is_a_token_state(replies: list[Raw | Shaped]) -> None:
    """The badge's check never raises: whatever comes back is one of its states."""
    check = run(_check(replies))
    assert isinstance(check, TokenCheck)
    assert isinstance(check.state, TokenState)
    assert check.message


# =========================================================================================
# Paths
# =========================================================================================

# Names as relative_path_for writes them (sanitised): links planted there.
_LINKS_OUT = ("out", "_", "__", "prod/out", "prod/__", "deep/er/out")
_LINKS_IN = ("in", "prod/in")
_LOOPS = ("loop", "prod/loop")

_SEGMENTS = st.one_of(
    st.sampled_from(["out", "in", "loop", "prod", "deep", "er", "..", ".", "", "_", "__"]),
    st.text(max_size=8),
)
ENV_TEXT = st.one_of(
    st.sampled_from(["prod", "out", "in", "loop", "..", "", "/", "a/b"]), st.text(max_size=12)
)
KEY_TEXT = st.one_of(
    st.text(max_size=30),
    st.lists(_SEGMENTS, max_size=6).map("/".join),
    st.lists(_SEGMENTS, max_size=6).map("\\".join),
)


@pytest.fixture(scope="module")
def linked_dest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A download folder holding links out of it, links inside it, and link loops."""
    root = tmp_path_factory.mktemp("paths")
    outside = root / "outside"
    outside.mkdir()
    (outside / "canary.txt").write_text("not yours", "utf-8")
    dest = root / "dest"
    (dest / "real").mkdir(parents=True)
    for name in _LINKS_OUT:
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        (dest / name).symlink_to(outside, target_is_directory=True)
    for name in _LINKS_IN:
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        (dest / name).symlink_to(dest / "real", target_is_directory=True)
    for name in _LOOPS:
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        (dest / name).symlink_to(dest / name)
    return dest


def _inside(path: Path, dest: Path) -> bool:
    root = os.path.realpath(dest)
    return os.path.realpath(path).startswith(root + os.sep)


def _leads_out(dest: Path, relative: Path) -> bool:
    """Whether some folder on the way (or the file itself) is a link leading out."""
    current = dest
    for part in relative.parts:
        current = current / part
        if current.is_symlink() and not _inside(current, dest):
            return True
    return False


@FUZZ
@given(env=ENV_TEXT, key=KEY_TEXT, layout=st.sampled_from(["tree", "flat"]))
@example(env="", key="x", layout="tree")  # the env becomes "_", a link out
@example(env="prod", key="../../x", layout="tree")
@example(env="x", key="loop/loop/f", layout="tree")
def test_any_env_and_key_stay_inside_or_are_refused_because_of_a_link(
    linked_dest: Path, env: str, key: str, layout: str
) -> None:
    relative = Path(relative_path_for(env, key, layout))  # type: ignore[arg-type]
    leads_out = _leads_out(linked_dest, relative)
    if leads_out:
        with pytest.raises(UnsafePathError):
            target_path(linked_dest, env, key, layout)  # type: ignore[arg-type]
        return
    path = target_path(linked_dest, env, key, layout)  # type: ignore[arg-type]
    assert path == linked_dest / relative
    assert _inside(path, linked_dest)
    part = part_path(path)
    assert part.parent == path.parent
    assert len(part.name.encode("utf-8")) <= NAME_MAX_BYTES
    assert _inside(part, linked_dest)
    assert (linked_dest.parent / "outside" / "canary.txt").read_text("utf-8") == "not yours"
    assert sorted(p.name for p in (linked_dest.parent / "outside").iterdir()) == ["canary.txt"]


# =========================================================================================
# Downloads
# =========================================================================================

HOST = "cdn.example.test"
ETAG = '"v1"'
DL_ENV = "env-d"
# Keys whose name decides how an HTML body is judged, and hostile ones.
DL_KEYS = st.sampled_from(
    [
        "data/file.bin",
        "photo.png",
        "notes.txt",
        "noext",
        "page.html",
        "../../escape.bin",
        "CON.txt",
        "a\\b/c.bin",
        "/abs/x.zip",
    ]
)
CONTENT_LENGTHS = st.one_of(
    st.none(),
    st.sampled_from(["-1", "1e3", " 12 ", "12, 12", "99999999999999999999", "", "²", "١٢"]),
    st.integers(0, 5_000).map(str),
)
CONTENT_RANGES = st.one_of(
    st.none(),
    st.sampled_from(["bytes */*", "bytes 5-2/10", "bits 0-1/2", "bytes 0-0/0", "bytes */٣"]),
    st.builds(
        lambda a, b, t: f"bytes {a}-{b}/{t}",
        st.integers(0, 3_000),
        st.integers(0, 3_000),
        st.one_of(st.integers(0, 3_000).map(str), st.just("*")),
    ),
)
CONTENT_TYPES = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "text/html",
            "text/html; charset=utf-8",
            "application/xhtml+xml",
            "application/octet-stream",
            "image/png",
            "TEXT/HTML",
            ";;",
            "",
        ]
    ),
)
CONTENT_ENCODINGS = st.one_of(st.none(), st.sampled_from(["gzip", "br", "x-nope", "identity"]))
LOCATIONS = st.sampled_from(
    [
        "https://cdn.example.test/moved.bin",
        "/relative/path.bin",
        "ftp://cdn.example.test/x",
        "javascript:alert(1)",
        "//other.example.test/x",
        "http://[::1",
        "",
        "file:///etc/passwd",
    ]
)


@dataclass(frozen=True, slots=True)
class Truthful:
    """The file as a CDN serves it: whole, or from the Range asked for."""


@dataclass(frozen=True, slots=True)
class CutShort:
    """Truthful headers, then the body stops after ``fraction`` of it (connection cut)."""

    fraction: float


@dataclass(frozen=True, slots=True)
class Status:
    status: int
    body: bytes
    content_type: str | None


@dataclass(frozen=True, slots=True)
class Redirect:
    status: int
    location: str


@dataclass(frozen=True, slots=True)
class Garbled:
    """A 200/206/416 with any headers and any body."""

    status: int
    content_length: str | None
    content_range: str | None
    content_type: str | None
    content_encoding: str | None
    body: bytes


CDN_REPLIES = st.one_of(
    st.just(Truthful()),
    st.builds(CutShort, st.floats(0.0, 0.99)),
    st.builds(
        Status,
        st.sampled_from([201, 204, 304, 400, 403, 404, 408, 410, 416, 429, 451, 500, 503, 599]),
        st.binary(max_size=60),
        CONTENT_TYPES,
    ),
    st.builds(Redirect, st.sampled_from([301, 302, 303, 307, 308]), LOCATIONS),
    st.builds(
        Garbled,
        st.sampled_from([200, 206, 416]),
        CONTENT_LENGTHS,
        CONTENT_RANGES,
        CONTENT_TYPES,
        CONTENT_ENCODINGS,
        st.one_of(st.binary(max_size=600), st.just(b"<!DOCTYPE html><html>x</html>")),
    ),
)


class _Body(httpx.AsyncByteStream):
    """A body read only when the client reads it, as off a socket (``content=`` would make
    httpx decode it at once, inside the transport)."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self._data:
            yield self._data


class _Cut(httpx.AsyncByteStream):
    def __init__(self, data: bytes) -> None:
        self._data = data

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self._data:
            yield self._data
        raise httpx.RemoteProtocolError("peer closed connection without sending complete body")


def _declared_total(status: int, headers: dict[str, str]) -> int | None:
    """The whole file's size the answer declares, read as strictly as HTTP allows."""
    encoded = headers.get("content-encoding", "identity").strip().lower() not in ("", "identity")
    if status == 200:
        value = headers.get("content-length", "").strip()
        return int(value) if value.isascii() and value.isdigit() and not encoded else None
    match = re.fullmatch(
        r"\s*bytes\s+(?:\d+-\d+|\*)\s*/\s*(\d+)\s*",
        headers.get("content-range", ""),
        re.ASCII | re.IGNORECASE,
    )
    return int(match[1]) if match else None


@dataclass
class ScriptedCdn:
    """Serves ``data`` by the script, then truthfully; records what it declared."""

    data: bytes
    script: list[object]
    calls: int = 0
    # (status, declared total, body honest) of every answer with a status a file can
    # come from (200, 206, 416), in order.
    content_answers: list[tuple[int, int | None, bool]] = field(default_factory=list)

    def truthful(self, request: httpx.Request, fraction: float | None) -> httpx.Response:
        size = len(self.data)
        headers = {"etag": ETAG, "content-type": "application/octet-stream"}
        start, status = 0, 200
        wanted = request.headers.get("range")
        if wanted:
            start = int(wanted.removeprefix("bytes=").partition("-")[0])
            if start >= size:
                headers["content-range"] = f"bytes */{size}"
                self.content_answers.append((416, size, True))
                return httpx.Response(416, headers=headers)
            status = 206
            headers["content-range"] = f"bytes {start}-{size - 1}/{size}"
        body = self.data[start:]
        headers["content-length"] = str(len(body))
        self.content_answers.append((status, size, True))
        if fraction is None:
            return httpx.Response(status, headers=headers, content=body)
        return httpx.Response(
            status, headers=headers, stream=_Cut(body[: int(len(body) * fraction)])
        )

    def __call__(self, request: httpx.Request) -> httpx.Response:
        reply = self.script[self.calls] if self.calls < len(self.script) else Truthful()
        self.calls += 1
        if isinstance(reply, Truthful):
            return self.truthful(request, None)
        if isinstance(reply, CutShort):
            return self.truthful(request, reply.fraction)
        if isinstance(reply, Redirect):
            return httpx.Response(reply.status, headers={"location": reply.location})
        if isinstance(reply, Status):
            headers = {"content-type": reply.content_type} if reply.content_type else {}
            return httpx.Response(reply.status, headers=headers, stream=_Body(reply.body))
        assert isinstance(reply, Garbled)
        headers = {}
        for name, value in (
            ("content-length", reply.content_length),
            ("content-range", reply.content_range),
            ("content-type", reply.content_type),
            ("content-encoding", reply.content_encoding),
        ):
            if value is not None:
                headers[name] = value
        honest = False
        self.content_answers.append((reply.status, _declared_total(reply.status, headers), honest))
        raw = {k.encode(): v.encode("utf-8") for k, v in headers.items()}
        return httpx.Response(reply.status, headers=raw, stream=_Body(reply.body))


def _content(size: int) -> bytes:
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(b"fuzz:%d" % counter).digest()
        counter += 1
    return bytes(out[:size])


def _link_for(fid: FileId, n: int) -> LinkResult:
    expires = datetime.now(UTC) + timedelta(hours=2)
    url = f"https://{HOST}/{n}/file?sign=s&t={int(expires.timestamp())}"
    return LinkResult(fid, True, 0, "ok", url, expires)


async def _download(root: Path, fid: FileId, cdn: ScriptedCdn) -> list[Any]:
    refreshed = 0

    async def refresh(ids: Sequence[FileId]) -> list[LinkResult]:
        nonlocal refreshed
        refreshed += 1
        return [_link_for(f, refreshed) for f in ids]

    options = DownloadOptions(dest=root / "dest", retry=QUICK_RETRY, chunk_size=64)
    async with httpx.AsyncClient(transport=httpx.MockTransport(cdn)) as http:
        downloader = Downloader(http, refresh, options, progress_interval=0.001)
        return await downloader.run([_link_for(fid, 0)])


def _walk(root: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            yield Path(dirpath) / name


@FUZZ_SLOW
@given(
    key=DL_KEYS,
    size=st.one_of(st.integers(0, 2_000), st.sampled_from([0, 1, 511, 512, 513])),
    script=st.lists(CDN_REPLIES, max_size=5),
)
@example(key="data/file.bin", size=10, script=[Garbled(200, "²", None, None, None, b"x" * 10)])
@example(
    key="data/file.bin", size=100, script=[Garbled(206, "5", "bytes 0-4/5", None, None, b"12345")]
)
def test_any_cdn_answers_end_one_file_typed_inside_the_folder_and_as_declared(
    key: str, size: int, script: list[object]
) -> None:
    fid = parse_fileid(f"cloud://{DL_ENV}.b-1/{key}")
    data = _content(size)
    cdn = ScriptedCdn(data, script)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "outside").mkdir()
        outcomes = run(_download(root, fid, cdn))

        assert len(outcomes) == 1
        outcome = outcomes[0]
        assert outcome.state in (FileState.DONE, FileState.FAILED), outcome
        assert {p.name for p in root.iterdir()} == {"dest", "outside"}
        assert list((root / "outside").iterdir()) == []
        written = [p for p in _walk(root / "dest") if p.is_file()]
        for path in written:
            assert _inside(path, root / "dest"), path
        if outcome.state is FileState.FAILED:
            assert outcome.errmsg
            assert isinstance(outcome.kind, ErrorKind)
            assert outcome.path is None or not outcome.path.exists()
            return
        saved = Path(outcome.path)
        assert _inside(saved, root / "dest")
        body = saved.read_bytes()
        assert len(body) == outcome.bytes
        declared = [total for _, total, _ in cdn.content_answers]
        if declared and declared[-1] is not None:
            assert len(body) == declared[-1], "saved a file of another length than declared"
        if all(honest for _, _, honest in cdn.content_answers):
            assert body == data
        assert not [p for p in written if p.name.endswith((".part", ".part.json"))]


# Found by the property above; kept as plain cases so each failure names its bug.


def test_a_content_length_in_other_digits_is_not_a_crash() -> None:
    """'²'.isdigit() is true but int('²') raises: the engine must not fall over on it."""
    fid = parse_fileid(f"cloud://{DL_ENV}.b-1/data/file.bin")
    data = _content(10)
    cdn = ScriptedCdn(data, [Garbled(200, "²", None, None, None, data)])
    with tempfile.TemporaryDirectory() as tmp:
        [outcome] = run(_download(Path(tmp), fid, cdn))
        assert outcome.state is FileState.DONE, outcome
        assert Path(outcome.path).read_bytes() == data


@pytest.mark.parametrize("location", ["javascript:alert(1)", "http://[::1"])
def test_a_redirect_to_a_broken_location_fails_the_file_not_the_run(location: str) -> None:
    fid = parse_fileid(f"cloud://{DL_ENV}.b-1/data/file.bin")
    cdn = ScriptedCdn(_content(10), [Redirect(302, location)] * 10)
    with tempfile.TemporaryDirectory() as tmp:
        [outcome] = run(_download(Path(tmp), fid, cdn))
        assert outcome.state is FileState.FAILED, outcome
        assert outcome.errmsg
