"""Property tests: link encoding for any key, and a response parser that never crashes.

Each resolve example runs on its own short event loop (``asyncio.run``) under a fresh
respx mock, so hypothesis can drive hundreds of them in a few seconds.
"""

from __future__ import annotations

import asyncio
import json
import re
import ssl
import string
from contextlib import aclosing
from urllib.parse import unquote, urlsplit

import httpx
import pytest
import respx
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tcb_gui.core.client import (
    DEFAULT_BASE_URL,
    LinkResult,
    RetryPolicy,
    TcbClient,
    encode_link,
    encode_url,
    make_http_client,
)
from tcb_gui.core.errors import ErrorKind, TcbError
from tcb_gui.core.fileids import FileId, parse_fileid

TOKEN = "79_FuzzTOKEN-0123456789abcdefghijklmnop"
URL = DEFAULT_BASE_URL + "/componenttcb/batchdownloadfile"
BUCKET = "7465-env-f-1258717764"
IDS = [parse_fileid(f"cloud://env-f.{BUCKET}/dir/{n}.png") for n in range(3)]
# Two quick tries: enough to walk the retry path, cheap enough for many examples.
FUZZ_RETRY = RetryPolicy(max_tries=2, base_delay=0.0001, max_delay=0.0001)
# A hang (a worker died, nobody told the consumer) must fail the example, not the suite.
RESOLVE_DEADLINE = 2.0
# A '.' or '..' segment left raw in a path (RFC 3986 §5.2.4 would remove it).
_DOT_SEGMENT_RE = re.compile(r"/\.{1,2}(?=/|\Z)")
_SSL_CONTEXT = ssl.create_default_context()

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# ---------------------------------------------------------------------------------------
# encode_link / encode_url
# ---------------------------------------------------------------------------------------

keys = st.text(min_size=1, max_size=40)
signs = st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=16)
expiries = st.integers(min_value=0, max_value=2**32)


def link(key: str, sign: str, expiry: int) -> str:
    """The shape the service sends: the key raw, then the signature query."""
    return f"https://{BUCKET}.tcb.qcloud.la/{key}?sign={sign}&t={expiry}"


@FUZZ
@given(key=keys, sign=signs, expiry=expiries)
@example(key="a b/图片 #1?.png", sign="s", expiry=1)
@example(key="?sign=x&t=2", sign="s", expiry=1)
@example(key="a?t=9#?", sign="s", expiry=1)
@example(key="100% [x]", sign="s", expiry=1)
@example(key="//..\\CON.", sign="s", expiry=1)
@example(key="p/a%20b.txt", sign="s", expiry=1)
@example(key="p/%2e%2e/x.txt", sign="s", expiry=1)
@example(key="%", sign="s", expiry=1)
def test_encoded_link_is_a_valid_url_pointing_at_the_same_key(
    key: str, sign: str, expiry: int
) -> None:
    encoded = encode_link(link(key, sign, expiry))

    assert encoded.isascii()
    assert not any(ch.isspace() for ch in encoded)
    parsed = httpx.URL(encoded)
    assert parsed.scheme == "https"
    assert parsed.host == f"{BUCKET}.tcb.qcloud.la"
    assert parsed.params["sign"] == sign
    assert parsed.params["t"] == str(expiry)
    parts = urlsplit(encoded)
    assert parts.query == f"sign={sign}&t={expiry}"
    assert parts.fragment == ""
    # Every key, "%41" and "%2e%2e" in it included: the server decodes the path once.
    assert unquote(parts.path) == "/" + key
    assert _DOT_SEGMENT_RE.search(parts.path) is None  # no client would keep one


@FUZZ
@given(key=keys, sign=signs, expiry=expiries)
def test_an_encoded_link_is_final(key: str, sign: str, expiry: int) -> None:
    once = encode_link(link(key, sign, expiry))
    assert encode_url(once) == once


@FUZZ
@given(text=st.text(max_size=60))
def test_encoding_takes_any_text(text: str) -> None:
    for encoded in (encode_url(text), encode_link(text)):
        assert encoded.isascii()
        assert " " not in encoded


# ---------------------------------------------------------------------------------------
# the response parser
# ---------------------------------------------------------------------------------------

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from([f.raw for f in IDS] + ["0", "-1", "40001", "ok", "https://x/y"])
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["fileid", "fileID", "files", "status", "errmsg", "download_url"])
            | st.text(max_size=8),
            inner,
            max_size=5,
        )
    ),
    max_leaves=20,
)
# Items that look like the real thing, with every field free to be wrong.
items = st.fixed_dictionaries(
    {},
    optional={
        "fileid": st.sampled_from([f.raw for f in IDS]) | json_scalars,
        "fileID": st.sampled_from([f.raw for f in IDS]),
        "status": st.sampled_from([0, "0", -503003, "STORAGE_FILE_NONEXIST", None, 1.5])
        | json_values,
        "errmsg": json_values,
        "download_url": st.sampled_from(
            ["https://b.tcb.qcloud.la/a b.png?sign=1&t=2", "", "ftp://x", "图"]
        )
        | json_values,
    },
)
errcodes = st.sampled_from([0, "0", -1, 40001, 45009, 40097, 43002, 99_999, None, "x", 1.0])
bodies = st.one_of(
    json_values.map(lambda value: json.dumps(value).encode()),
    st.fixed_dictionaries(
        {"errcode": errcodes, "file_list": json_values | st.lists(items, max_size=5)},
        optional={"errmsg": json_values},
    ).map(lambda value: json.dumps(value).encode()),
    st.binary(max_size=200),
)


async def _resolve() -> tuple[list[LinkResult], TcbError | None]:
    yielded: list[LinkResult] = []
    async with make_http_client(verify=_SSL_CONTEXT) as http:
        client = TcbClient(http, lambda: TOKEN, retry=FUZZ_RETRY, concurrency=2)
        try:
            async with asyncio.timeout(RESOLVE_DEADLINE):
                async with aclosing(client.resolve(IDS)) as stream:
                    async for batch in stream:
                        yielded.extend(batch)
        except TcbError as exc:
            return yielded, exc
    return yielded, None


def resolve_with_body(body: bytes, status: int = 200) -> tuple[list[LinkResult], TcbError | None]:
    with respx.mock(assert_all_mocked=True) as router:
        router.post(URL).mock(return_value=httpx.Response(status, content=body))
        return asyncio.run(_resolve())


def assert_every_id_ends_once(results: list[LinkResult], error: TcbError | None) -> None:
    answered = [r.fileid for r in results]
    assert len(answered) == len(set(answered)), "an ID was answered twice"
    unresolved: list[object] = list(error.unresolved) if error is not None else []
    assert set(answered).isdisjoint(unresolved)
    assert sorted(map(str, answered + unresolved)) == sorted(f.raw for f in IDS)
    for result in results:
        assert isinstance(result.fileid, FileId)
        if result.ok:
            assert result.kind is None
            assert result.download_url is not None
            assert result.download_url.startswith(("https://", "http://"))
            assert result.download_url.isascii()
            assert " " not in result.download_url
            assert result.expires_at is not None
        else:
            assert isinstance(result.kind, ErrorKind)
            assert result.download_url is None
            assert isinstance(result.errmsg, str)
            assert result.errmsg


@FUZZ
@given(body=bodies)
@example(body=b'{"errcode": 0, "file_list": [{"fileid": 1}, {"fileid": 2}, {}]}')
@example(body=b'{"errcode": 0, "file_list": [null, null, null]}')
@example(body=b'{"errcode": "40001 ", "file_list": []}')
@example(body=b'{"errcode": 1e400}')
@example(body=b"\xef\xbb\xbf{}")
def test_any_body_ends_every_id_in_exactly_one_result(body: bytes) -> None:
    results, error = resolve_with_body(body)
    assert_every_id_ends_once(results, error)


@pytest.mark.parametrize("status", [200, 201, 204, 302, 404, 500, 502])
def test_any_status_with_junk_ends_every_id(status: int) -> None:
    results, error = resolve_with_body(b"<html>\x00\xff</html>", status)
    assert_every_id_ends_once(results, error)


# Found by thinking about what json.loads can hand back; both used to escape as raw
# exceptions from a worker task and leave resolve() waiting forever.


def test_a_lone_surrogate_in_a_link_is_not_a_crash() -> None:
    # "\ud800" is valid JSON; it decodes to a str that cannot be encoded as UTF-8.
    item = f'{{"fileid": "{IDS[0].raw}", "status": 0, "download_url": "https://b/x\\ud800.png"}}'
    body = ('{"errcode": 0, "file_list": [' + item + "]}").encode()

    results, error = resolve_with_body(body)

    assert_every_id_ends_once(results, error)


def test_deeply_nested_json_is_not_a_crash() -> None:
    depth = 100_000  # far past the interpreter's recursion limit
    body = b'{"errcode": 0, "file_list": ' + b"[" * depth + b"]" * depth + b"}"

    results, error = resolve_with_body(body)

    assert_every_id_ends_once(results, error)
