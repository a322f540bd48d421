"""The one shared HTTP client and the httpcore tuning it needs (used by the API client,
the token service, the downloader and doctor), and ``post_for_answer``: an API call's
answer read whole, in bounded memory, on either transport.
"""

from __future__ import annotations

import os
import ssl
import sys
import threading
import zlib
from typing import Any, Final

import httpx

from tcb_gui import __version__
from tcb_gui.core.netmessages import MalformedAnswer
from tcb_gui.core.redact import install_log_redaction

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


# Where certificates to trust instead of certifi's may be named, as OpenSSL, curl, git and
# httpx read them: a PEM bundle and a hashed folder (a company's TLS-inspecting proxy, a
# private mirror). The one thing taken from the environment: proxies are not (trust_env).
CERT_FILE_VARIABLE = "SSL_CERT_FILE"
CERT_DIR_VARIABLE = "SSL_CERT_DIR"


def trust_from_environment() -> tuple[str | None, str | None]:
    """``SSL_CERT_FILE`` and ``SSL_CERT_DIR`` when set (and Python reads its environment)."""
    if sys.flags.ignore_environment:
        return None, None
    return (
        os.environ.get(CERT_FILE_VARIABLE) or None,
        os.environ.get(CERT_DIR_VARIABLE) or None,
    )


class DeferredTrustContext(ssl.SSLContext):
    """httpx's default SSL context (``ssl.create_default_context(cafile=certifi.where())``:
    TLS client, certificates and host names checked against certifi's roots) that reads
    the roots at its first TLS connection instead of when the client is made. The roots
    are those named by ``SSL_CERT_FILE``/``SSL_CERT_DIR`` instead when either is set, as
    for ``httpx`` with ``trust_env``. Roots named but unreadable leave the context with none
    (every certificate then fails its check, as for an unknown issuer: nothing is trusted
    that was not asked for) and ``trust_problem`` says why, for the doctor to tell.

    Reading certifi's bundle takes 15–30 ms; a run against plain-http hosts (the demo
    service, a local mirror) never needs it. Every TLS connection, by httpcore, asyncio
    or the engine's own ``wire`` client, starts from ``wrap_bio`` or ``wrap_socket``, and
    both load the roots first: no handshake ever runs without them, and checks are never
    weakened (``check_hostname`` and ``CERT_REQUIRED`` are set from the start)."""

    _trust_lock = threading.Lock()

    def __new__(cls) -> DeferredTrustContext:
        return super().__new__(cls, ssl.PROTOCOL_TLS_CLIENT)

    def __init__(self) -> None:
        self._roots_loaded = False
        # Why the roots named by the environment could not be read (after load_roots).
        self.trust_problem: str | None = None
        # As ssl.create_default_context: a key log for debugging when asked for.
        keylog = os.environ.get("SSLKEYLOGFILE")
        if keylog and not sys.flags.ignore_environment:
            self.keylog_filename = keylog

    def load_roots(self) -> None:
        """Read the roots now (once; any thread): the environment's, else certifi's."""
        if self._roots_loaded:
            return
        with self._trust_lock:
            if not self._roots_loaded:
                cafile, capath = trust_from_environment()
                if cafile or capath:
                    self._load_named_roots(cafile, capath)
                else:
                    import certifi

                    self.load_verify_locations(cafile=certifi.where())
                self._roots_loaded = True

    def _load_named_roots(self, cafile: str | None, capath: str | None) -> None:
        # Raising here would leave the caller's socket open (asyncio and anyio wrap after
        # connecting), so a bad bundle becomes an empty store and a word for the doctor.
        named = CERT_FILE_VARIABLE if cafile else CERT_DIR_VARIABLE
        try:
            self.load_verify_locations(cafile=cafile, capath=capath)
        except (OSError, ssl.SSLError) as exc:
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            self.trust_problem = (
                f"the certificates {named} names cannot be read ({why}): {cafile or capath}"
            )

    def wrap_bio(self, *args: Any, **kwargs: Any) -> ssl.SSLObject:
        self.load_roots()
        return super().wrap_bio(*args, **kwargs)

    def wrap_socket(self, *args: Any, **kwargs: Any) -> ssl.SSLSocket:
        self.load_roots()
        return super().wrap_socket(*args, **kwargs)

    def get_ca_certs(self, binary_form: bool = False) -> Any:
        self.load_roots()
        return super().get_ca_certs(binary_form)

    def cert_store_stats(self) -> dict[str, int]:
        self.load_roots()
        return super().cert_store_stats()


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
    roots read at the first TLS connection. The window and ``doctor`` (which diagnoses
    the connection as the window makes it) keep ``httpx``'s own transport; respx mocks
    that one. A ``transport`` given wins."""
    from tcb_gui.core.wire import WireTransport

    if "transport" not in kwargs:
        kwargs["transport"] = WireTransport(DeferredTrustContext)
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
