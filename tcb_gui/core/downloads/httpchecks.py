"""Reading a download response: ranges, lengths, encodings, validators, HTML pages.

Pure functions over ``httpx`` responses and headers, no I/O. Signed links are shown in
logs by ``safe_url`` only (scheme, host and path: the signature stays out).
"""

from __future__ import annotations

import functools
import mimetypes
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final, Protocol
from urllib.parse import unquote_plus

from tcb_gui.core.client import encode_url
from tcb_gui.core.downloads import messages as msg
from tcb_gui.core.redact import redact
from tcb_gui.core.wire import MAX_SIZE_DIGITS

if TYPE_CHECKING:
    import httpx
else:
    from tcb_gui.core.lazy_httpx import httpx  # imported at its first use

# Bytes looked at to recognise an HTML page at the start of a body.
SNIFF_BYTES = 512
HTML_EXTENSIONS: Final = frozenset({".htm", ".html", ".xhtml", ".shtml"})
TRANSIENT_STATUSES: Final = frozenset({408, 425, 429})
REDIRECT_STATUSES: Final = frozenset({301, 302, 303, 307, 308})
# Most characters of a host's reason phrase shown (like the service's errmsg, a line).
MAX_REASON_CHARS: Final = 200
# Sizes of at most MAX_SIZE_DIGITS digits (no file is larger than 2**63 bytes): a longer
# one is unreadable, as int() of over 4,300 digits would raise.
_CONTENT_RANGE_RE = re.compile(
    rf"\s*bytes\s+(?:(\d{{1,{MAX_SIZE_DIGITS}}})-(\d{{1,{MAX_SIZE_DIGITS}}})|\*)"
    rf"\s*/\s*(\d{{1,{MAX_SIZE_DIGITS}}}|\*)\s*\Z",
    re.IGNORECASE,
)
_HTML_START_RE = re.compile(rb"\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>])", re.I | re.S)


class HeaderLookup(Protocol):
    def get(self, key: str, default: Any = None, /) -> Any: ...


class ResponseHead(Protocol):
    """What the checks read of a response: ``httpx.Response`` and the engine's own
    ``wire.WireResponse`` both are one (header names looked up in lower case)."""

    @property
    def status_code(self) -> int: ...

    @property
    def reason_phrase(self) -> str: ...

    @property
    def headers(self) -> HeaderLookup: ...


def safe_url(url: str | httpx.URL) -> str:
    """A link fit for logs: scheme, host and path only (the signature stays out)."""
    try:
        parsed = httpx.URL(str(url))
    except (httpx.InvalidURL, TypeError):
        return "<invalid url>"
    path = parsed.raw_path.split(b"?", 1)[0].decode("ascii", "replace")
    return f"{parsed.scheme}://{parsed.netloc.decode('ascii', 'replace')}{path}"


def status_words(response: ResponseHead) -> str:
    """The status and reason phrase as a failed file shows them ("404 Not Found"): the
    phrase is the host's own text, and a host may echo the request target, signed link
    and token included, so it is redacted (before it is cut, or a cut token would no
    longer be recognised) and bounded like the service's errmsg."""
    text = f"{response.status_code} {response.reason_phrase}".strip()
    return redact(text)[:MAX_REASON_CHARS]


def parse_content_range(value: str | None) -> tuple[int | None, int | None, int | None] | None:
    """``bytes a-b/total`` → (a, b, total); ``*`` parts are None; None if unreadable."""
    if not value:
        return None
    match = _CONTENT_RANGE_RE.match(value)
    if match is None:
        return None
    start = int(match[1]) if match[1] is not None else None
    end = int(match[2]) if match[2] is not None else None
    total = int(match[3]) if match[3] != "*" else None
    return start, end, total


def content_length(response: ResponseHead) -> int | None:
    value = response.headers.get("content-length")
    if value is None:
        return None
    value = value.strip()
    # isascii: str.isdigit() accepts "²" and other digits int() refuses; a length of more
    # digits than any file's size is no length (int() would refuse over 4,300 of them).
    if not value.isascii() or not value.isdigit() or len(value) > MAX_SIZE_DIGITS:
        return None
    return int(value)


def is_encoded(response: ResponseHead) -> bool:
    """Whether the body carries a Content-Encoding other than identity."""
    return content_encoding(response) is not None


def content_encoding(response: ResponseHead) -> str | None:
    """The body's Content-Encoding (lower case), or None for the bytes as stored."""
    value: str = response.headers.get("content-encoding", "").strip().lower()
    return value if value not in ("", "identity") else None


def raw_body(response: httpx.Response) -> AsyncIterator[bytes]:
    """The body's bytes as sent (never decoded), chunk by chunk.

    A response built in memory (``httpx.Response(content=…)``, as mock transports make
    them) was read when it was created; its stream can be read again, as given.
    """
    stream = response.stream
    if response.is_stream_consumed and isinstance(stream, httpx.AsyncByteStream):
        return stream.__aiter__()
    return response.aiter_raw()


def media_type(response: ResponseHead) -> str:
    value: str = response.headers.get("content-type", "")
    return value.split(";", 1)[0].strip().lower()


def _key_extension(key: str) -> str:
    name = key.rsplit("/", 1)[-1]
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""


def _expects_binary(key: str) -> bool:
    """True when the key's extension names a type that can never start with ``<html``."""
    return _binary_extension(_key_extension(key))


@functools.lru_cache(maxsize=256)
def _binary_extension(extension: str) -> bool:
    guessed, _ = mimetypes.guess_type("x" + extension, strict=False)
    if guessed is None:
        return False
    textual = ("xml", "json", "javascript", "svg", "html")
    return not guessed.startswith("text/") and not any(t in guessed for t in textual)


def html_refusal(key: str, media_type: str, head: bytes | None) -> str | None:
    """Why this response is an HTML page and not the file, or None if it may be the file.

    The rule: a key ending in .htm/.html/.xhtml/.shtml may be HTML, always. Otherwise a
    ``text/html`` or ``application/xhtml+xml`` Content-Type is refused. A body that starts
    with ``<!DOCTYPE html`` or ``<html`` is refused when no Content-Type was sent, or when
    the key's extension names a non-text type (an image, an archive, a video…), which can
    never start that way. A text-like file (``.txt``, ``.json``, no extension) served with
    a non-HTML type is kept whatever it holds: its content is the user's business.
    """
    if _key_extension(key) in HTML_EXTENSIONS:
        return None
    if media_type in ("text/html", "application/xhtml+xml"):
        return msg.HTML_PAGE_TYPED.format(media_type=media_type)
    # The sniff first: the type table behind _expects_binary is read from the system's
    # files on its first use (~3 ms), which a body that does not look like HTML, nearly
    # every one, never needs.
    sniffed = head is not None and _HTML_START_RE.match(head.removeprefix(b"\xef\xbb\xbf"))
    if sniffed and (not media_type or _expects_binary(key)):
        return msg.HTML_PAGE
    return None


def strong_validator(response: ResponseHead) -> str | None:
    """The value for If-Range: a strong ETag, else Last-Modified (RFC 9110 §13.1.5)."""
    etag: str | None = response.headers.get("etag")
    if etag and not etag.startswith(("W/", "w/")):
        return etag
    modified: str | None = response.headers.get("last-modified")
    return modified or None


def protect_dot_segments(url: str) -> str:
    """``url`` with ``.`` and ``..`` path segments percent-encoded.

    A key may hold ``..`` or ``.`` segments (``docs/WECHAT_API.md``, download links); every
    HTTP client removes such segments from a URL before sending it (RFC 3986 §5.2.4),
    which would fetch another object. Encoded as ``%2E`` they reach the server, which
    decodes them back. The client encodes every link it hands out this way
    (``client.encode_url``, which leaves an already encoded link as it is); this covers
    links from anywhere else.
    """
    return encode_url(url)


def link_query_expiry(url: str) -> datetime | None:
    """The ``t=<unix seconds>`` expiry CloudBase links carry (``docs/WECHAT_API.md``)."""
    query = url.partition("#")[0].partition("?")[2]
    value: str | None = None
    for field in query.split("&"):
        name, _, text = field.partition("=")
        if name == "t" or unquote_plus(name) == "t":
            value = unquote_plus(text)
            break
    if value is None or not value.isascii() or not value.isdigit():
        return None
    try:
        return datetime.fromtimestamp(int(value), UTC)
    except (OverflowError, OSError, ValueError):
        return None
