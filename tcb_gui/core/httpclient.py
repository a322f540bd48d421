"""The one shared HTTP client and the httpcore tuning it needs (used by the API client,
the token service, the downloader and doctor), and ``post_for_answer``: an API call's
answer read whole, in bounded memory, on either transport.
"""

from __future__ import annotations

import zlib
from typing import Any, Final

import httpx

from tcb_gui import __version__
from tcb_gui.core.netmessages import MalformedAnswer
from tcb_gui.core.redact import install_log_redaction
from tcb_gui.core.trust import DeferredTrustContext, warmed

HTTP_TIMEOUT = httpx.Timeout(connect=10.0, read=30.0, write=30.0, pool=60.0)
HTTP_LIMITS = httpx.Limits(max_connections=64, max_keepalive_connections=32)


# httpcore reads responses 64 KiB at a time; at hundreds of MB/s the Python work per
# read dominates. Reads of up to 1 MiB (only what the socket already holds) cut the
# client's CPU per GiB downloaded by about a third. httpcore has no per-client setting.
HTTP_READ_BYTES = 1 << 20


def _tune_httpcore_reads() -> None:
    try:
        from httpcore._async.http11 import AsyncHTTP11Connection
    except ImportError:  # another httpcore layout: keep its default
        return
    if getattr(AsyncHTTP11Connection, "READ_NUM_BYTES", HTTP_READ_BYTES) < HTTP_READ_BYTES:
        AsyncHTTP11Connection.READ_NUM_BYTES = HTTP_READ_BYTES


def make_http_client(**kwargs: Any) -> httpx.AsyncClient:
    """The one shared client: explicit timeouts and limits, no cookies kept between hosts;
    the certificate roots read only once an https URL is used (``DeferredTrustContext``)."""
    install_log_redaction()
    if "transport" not in kwargs:  # httpcore is not even imported under another transport
        _tune_httpcore_reads()
    options: dict[str, Any] = {
        "timeout": HTTP_TIMEOUT,
        "limits": HTTP_LIMITS,
        "follow_redirects": False,
        "headers": {"User-Agent": f"tcb-gui/{__version__}"},
        "trust_env": False,
    }
    options.update(kwargs)
    if "verify" not in options and "transport" not in options:
        # A transport given brings its own checks (``WireTransport`` makes its context at
        # the first https connection): an SSL context here would only cost a millisecond.
        options["verify"] = DeferredTrustContext()
    return httpx.AsyncClient(**options)


def make_run_client(**kwargs: Any) -> httpx.AsyncClient:
    """The shared client of one command-line run (resolve, download, token): as
    ``make_http_client``, with its requests on the engine's own HTTP/1.1 connections
    (``core.wire.WireTransport``), so ``httpcore``, ``h11`` and ``anyio`` are never
    imported (~25 ms of a run that may last a third of a second). Requests go out as
    ``httpx`` built them; certificates are checked as by ``httpx``'s own transport, the
    roots read at the first TLS connection or, for a command that warmed them up
    (``trust.warm_up``), in a thread from its start. The window and ``doctor`` (which diagnoses
    the connection as the window makes it) keep ``httpx``'s own transport; respx mocks
    that one. A ``transport`` given wins."""
    from tcb_gui.core.wire import WireTransport

    if "transport" not in kwargs:
        # The roots ``trust.warm_up`` began reading when the command started, if it did.
        kwargs["transport"] = WireTransport(warmed)
    return make_http_client(**kwargs)


# The largest API answer read, before and after decoding. Fifty items with the longest
# keys COS allows (850 bytes, Chinese escaped as \uXXXX) and their links are under
# 200 KiB; more is a broken or hostile service, and reading on would take the memory
# (a 1 MiB gzip answer inflates to 1 GiB) and, parsing it, the event loop the window
# paints on. core.wire streams answers too: reading stops at this bound on both transports.
MAX_API_ANSWER_BYTES: Final = 4 * 1024 * 1024
# The content codings asked for are those post_for_answer inflates within the bound
# (httpx would advertise more with brotli or zstandard installed, and inflate them whole).
API_ACCEPT_ENCODING: Final = "gzip, deflate"
TOO_LARGE: Final = "the answer is too large"


async def post_for_answer(
    http: httpx.AsyncClient,
    url: httpx.URL | str,
    *,
    content: bytes,
    headers: dict[str, str],
    params: dict[str, str] | None = None,
    http_timeout: httpx.Timeout | float | None = None,
) -> tuple[httpx.Response, bytes]:
    """POST ``content`` and read the answer whole: the response (status, headers) and its
    body, decoded. Over ``MAX_API_ANSWER_BYTES``, as sent or decoded, it stops reading and
    raises ``MalformedAnswer`` (an ``httpx.TransportError``, worded by
    ``netmessages.describe_transport_error`` as the wire transport words the same
    failure); a coding that does not inflate raises ``httpx.DecodingError``, as httpx."""
    sent = {**headers, "Accept-Encoding": API_ACCEPT_ENCODING}
    options: dict[str, Any] = {} if http_timeout is None else {"timeout": http_timeout}
    async with http.stream(
        "POST", url, content=content, headers=sent, params=params, **options
    ) as response:
        if response.is_stream_consumed:
            # A body handed over whole, decoded already (httpx.MockTransport, tests).
            if len(response.content) > MAX_API_ANSWER_BYTES:
                raise MalformedAnswer(TOO_LARGE)
            return response, response.content
        pieces: list[bytes] = []
        size = 0
        async for piece in response.aiter_raw():
            size += len(piece)
            if size > MAX_API_ANSWER_BYTES:
                raise MalformedAnswer(TOO_LARGE)
            pieces.append(piece)
    body = b"".join(pieces)
    coding = response.headers.get("content-encoding")
    return response, _decoded(body, coding) if coding else body


def _decoded(body: bytes, coding: str) -> bytes:
    """``body`` with its content codings undone (the last applied first), as httpx's own
    decoders would, within ``MAX_API_ANSWER_BYTES``. Codings httpx does not know are
    left as they are, as httpx leaves them."""
    for name in reversed(coding.split(",")):
        match name.strip().lower():
            case "gzip":
                body = _inflate(body, zlib.MAX_WBITS | 16)
            case "deflate":
                try:  # zlib-wrapped, as the standard says; raw deflate as some servers send
                    body = _inflate(body, zlib.MAX_WBITS)
                except httpx.DecodingError:
                    body = _inflate(body, -zlib.MAX_WBITS)
    return body


def _inflate(body: bytes, wbits: int) -> bytes:
    inflater = zlib.decompressobj(wbits)
    try:
        out = inflater.decompress(body, MAX_API_ANSWER_BYTES + 1)
    except zlib.error as exc:
        raise httpx.DecodingError(str(exc)) from None
    if len(out) > MAX_API_ANSWER_BYTES:
        raise MalformedAnswer(TOO_LARGE)
    return out
