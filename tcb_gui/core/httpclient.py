"""The one shared HTTP client and the httpcore tuning it needs (used by the API client,
the token service, the downloader and doctor), and ``post_for_answer``: an API call's
answer read whole, in bounded memory, on any of them.

A command-line run's client (``make_run_client``) is a ``wire.RunClient``: its calls and
downloads go over the engine's own connections, and ``httpx`` (``core.lazy_httpx``) is
imported only if something else is asked of it.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import zlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final, Protocol
from urllib.parse import urlencode

from tcb_gui import __version__
from tcb_gui.core.netmessages import malformed
from tcb_gui.core.redact import install_log_redaction
from tcb_gui.core.trust import DeferredTrustContext, warmed
from tcb_gui.core.wire import RunClient, WireResponse

if TYPE_CHECKING:
    import httpx

    from tcb_gui.core.wire import HttpClient
else:
    from tcb_gui.core.lazy_httpx import httpx  # imported at its first use

log = logging.getLogger(__name__)

USER_AGENT: Final = f"tcb-gui/{__version__}"
# Seconds: connect, each read and write, waiting for a free connection (httpx.Timeout);
# a RunClient's answer must come whole within READ_TIMEOUT_S once its head is in.
CONNECT_TIMEOUT_S: Final = 10.0
READ_TIMEOUT_S: Final = 30.0
POOL_TIMEOUT_S: Final = 60.0
MAX_CONNECTIONS: Final = 64
MAX_KEEPALIVE: Final = 32


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
        "timeout": httpx.Timeout(
            connect=CONNECT_TIMEOUT_S,
            read=READ_TIMEOUT_S,
            write=READ_TIMEOUT_S,
            pool=POOL_TIMEOUT_S,
        ),
        "limits": httpx.Limits(
            max_connections=MAX_CONNECTIONS, max_keepalive_connections=MAX_KEEPALIVE
        ),
        "follow_redirects": False,
        "headers": {"User-Agent": USER_AGENT},
        "trust_env": False,
    }
    options.update(kwargs)
    if "verify" not in options and "transport" not in options:
        # A transport given brings its own checks (``WireTransport`` makes its context at
        # the first https connection): an SSL context here would only cost a millisecond.
        options["verify"] = DeferredTrustContext()
    return httpx.AsyncClient(**options)


def make_run_client(**kwargs: Any) -> HttpClient:
    """The shared client of one command-line run (resolve, download, token): a
    ``wire.RunClient``, its API calls and downloads on the engine's own HTTP/1.1
    connections, so that neither ``httpx``'s own modules nor ``httpcore``, ``h11`` and
    ``anyio`` are imported (~45 ms of a run that may last a third of a second);
    certificates are checked as by ``httpx``'s own transport, the roots read at the first
    TLS connection or, for a command that warmed them up (``trust.warm_up``), in a thread
    from its start. What it leaves to ``httpx`` goes to a client of ``make_http_client``
    over a ``WireTransport`` with the same SSL context. The window and ``doctor`` (which
    diagnoses the connection as the window makes it) keep ``httpx``'s own transport;
    respx mocks that one. Options given make an ``httpx`` client over a ``WireTransport``
    as before; a ``transport`` given wins."""
    if kwargs:
        if "transport" not in kwargs:
            from tcb_gui.core.wire_transport import WireTransport

            kwargs["transport"] = WireTransport(warmed)
        return make_http_client(**kwargs)
    install_log_redaction()

    def make_httpx(run: RunClient) -> httpx.AsyncClient:
        from tcb_gui.core.wire_transport import WireTransport

        return make_http_client(transport=WireTransport(run.ssl_context))

    return RunClient(user_agent=USER_AGENT, ssl_context=warmed, make_httpx=make_httpx)


def api_url(http: HttpClient, address: str, params: Mapping[str, str]) -> httpx.URL | str:
    """``address`` (no query of its own) with ``params`` as its query, for ``http``: as
    ``httpx`` encodes them, parsed by ``httpx`` only for an ``httpx`` client."""
    if type(http) is RunClient:
        return f"{address}?{urlencode(params)}"
    return httpx.URL(address, params=params)


def usable_with(http: HttpClient) -> bool:
    """Whether ``http`` is a plain client this module may stand in for on file bodies:
    a ``RunClient``, or an ``httpx`` client on ``httpx``'s own HTTP transport or a
    ``WireTransport`` (not a mock, not a proxy), no mounts, no event hooks."""
    if type(http) is RunClient:
        return True
    from tcb_gui.core.wire_transport import WireTransport  # httpx is in use already

    transport = getattr(http, "_transport", None)
    mounts = getattr(http, "_mounts", None)
    hooks = getattr(http, "event_hooks", None) or {}
    return (
        (type(transport) is httpx.AsyncHTTPTransport or type(transport) is WireTransport)
        and not mounts
        and not any(hooks.get(name) for name in ("request", "response"))
    )


def ssl_context_of(http: HttpClient) -> ssl.SSLContext:
    """The shared client's SSL context (its certificate checks), else a default one."""
    if type(http) is RunClient:
        return http.ssl_context()
    from tcb_gui.core.wire_transport import WireTransport  # httpx is in use already

    transport = getattr(http, "_transport", None)
    if isinstance(transport, WireTransport):
        return transport.ssl_context()
    pool = getattr(transport, "_pool", None)
    context = getattr(pool, "_ssl_context", None)
    if isinstance(context, ssl.SSLContext):
        return context
    return httpx.create_ssl_context()


def user_agent_of(http: HttpClient) -> str:
    """The ``User-Agent`` the shared client sends."""
    if type(http) is RunClient:
        return http.user_agent
    return http.headers.get("user-agent") or "tcb-gui"


class AnswerHead(Protocol):
    """What callers read of an answer besides its body: ``httpx``'s or the wire's."""

    @property
    def status_code(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str]: ...


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
    http: HttpClient,
    url: httpx.URL | str,
    *,
    content: bytes,
    headers: dict[str, str],
    params: dict[str, str] | None = None,
    http_timeout: httpx.Timeout | float | None = None,
) -> tuple[AnswerHead, bytes]:
    """POST ``content`` and read the answer whole: the response (status, headers) and its
    body, decoded. Over ``MAX_API_ANSWER_BYTES``, as sent or decoded, it stops reading and
    raises ``MalformedAnswer`` (an ``httpx.TransportError``, worded by
    ``netmessages.describe_transport_error`` as the wire transport words the same
    failure); a coding that does not inflate raises ``httpx.DecodingError``, as httpx."""
    sent = {**headers, "Accept-Encoding": API_ACCEPT_ENCODING}
    if type(http) is RunClient and params is None and http_timeout is None:
        answer = await http.wire_post(str(url), content, sent)
        if answer is not None:
            # The line httpx logs for each request, for -v (the token is redacted).
            status, reason = answer.status_code, answer.reason_phrase
            log.info('HTTP Request: POST %s "HTTP/1.1 %d %s"', url, status, reason)
            return answer, await _read_answer(answer)
    options: dict[str, Any] = {} if http_timeout is None else {"timeout": http_timeout}
    async with http.stream(
        "POST", url, content=content, headers=sent, params=params, **options
    ) as response:
        if response.is_stream_consumed:
            # A body handed over whole, decoded already (httpx.MockTransport, tests).
            if len(response.content) > MAX_API_ANSWER_BYTES:
                raise malformed(TOO_LARGE)
            return response, response.content
        body = _AnswerBody()
        async for piece in response.aiter_raw():
            body.take(piece)
    return response, body.decoded(response.headers.get("content-encoding"))


async def _read_answer(response: WireResponse) -> bytes:
    """A ``RunClient`` answer's body, whole and decoded, as ``post_for_answer`` reads one
    from ``httpx``: within ``MAX_API_ANSWER_BYTES`` and ``READ_TIMEOUT_S``."""
    body = _AnswerBody()
    try:
        async with asyncio.timeout(READ_TIMEOUT_S):
            await response.read_body(body.take)
    except TimeoutError:
        raise httpx.ReadTimeout("the answer stopped coming") from None
    finally:
        await response.aclose()
    return body.decoded(response.headers.get("content-encoding"))


class _AnswerBody:
    """An answer's body as it comes, refused past ``MAX_API_ANSWER_BYTES``."""

    __slots__ = ("_pieces", "_size")

    def __init__(self) -> None:
        self._pieces: list[bytes] = []
        self._size = 0

    def take(self, piece: bytes | memoryview) -> None:
        self._size += len(piece)
        if self._size > MAX_API_ANSWER_BYTES:
            raise malformed(TOO_LARGE)
        self._pieces.append(bytes(piece))

    def decoded(self, coding: str | None) -> bytes:
        """The body, its content codings undone (``_decoded``)."""
        body = b"".join(self._pieces)
        return _decoded(body, coding) if coding else body


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
        raise malformed(TOO_LARGE)
    return out
