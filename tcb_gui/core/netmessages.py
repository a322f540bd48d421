"""One wording for network failures, shared by the API client and the download engine.

``describe_transport_error`` turns an httpx error into a registered, translatable
sentence. Errors without words of their own are named by type, with the error's text as
detail: any URL in that text loses its query first, and every secret is redacted (a
hostile host may echo the token in a header the detail quotes), so a signed link or a
token never reaches a message.

``MalformedAnswer`` (``core.malformed``, raised through ``malformed``) is what the
engine's own client (``core.wire``) raises for an answer that breaks HTTP/1.1 (its head,
its framing, bytes nobody asked for): a ``RemoteProtocolError`` still, so every handler
of those takes it, but worded as the host's fault with what was wrong as detail, never
as a cut connection (which would send a user to check a network that works).

Nothing here touches ``httpx`` before a failure is worded: a command-line run imports it
only then (``core.lazy_httpx``).
"""

from __future__ import annotations

import errno
import re
import socket
import ssl
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Final

from tcb_gui.core.errors import (
    NETWORK_ERROR,
    NETWORK_ERROR_TYPE,
    MessageTemplate,
    message,
    with_detail,
)
from tcb_gui.core.redact import redact

if TYPE_CHECKING:
    import httpx
else:
    from tcb_gui.core.lazy_httpx import httpx  # imported at its first use


def malformed(text: str) -> httpx.RemoteProtocolError:
    """A ``MalformedAnswer`` saying ``text`` (``core.malformed``, imported with ``httpx``
    at the first one)."""
    from tcb_gui.core.malformed import MalformedAnswer

    return MalformedAnswer(text)


MALFORMED = message("the host's answer was malformed")

# Most specific first: ConnectTimeout is also a TimeoutException, and so on. By class
# name, the classes looked up once a failure is worded.
_TRANSPORT_PHRASES: Final = (
    ("ConnectTimeout", message("connection timed out")),
    ("ReadTimeout", message("the service took too long to answer")),
    ("WriteTimeout", message("sending the request timed out")),
    ("PoolTimeout", message("no free connection")),
    ("ConnectError", message("could not connect")),
    ("RemoteProtocolError", message("the connection was cut")),
    ("ReadError", message("the connection broke while reading")),
)


@cache
def _transport_words() -> dict[type[httpx.HTTPError], str]:
    return {getattr(httpx, name): words for name, words in _TRANSPORT_PHRASES}


TIMED_OUT: Final = message("timed out")
# The commonest failures by the system's error number, in words the window translates
# (the system's own words are English whatever the window's language): the doctor's, and
# what a connection that could not be made says.
_DNS_PHRASES: Final = (
    ("EAI_NONAME", message("no such host name")),
    ("EAI_AGAIN", message("no answer from the DNS server in time")),
    ("EAI_FAIL", message("the DNS server failed")),
    ("EAI_NODATA", message("the name has no address")),
)


def words_by_number(phrases: Sequence[tuple[str, str]], names: object) -> dict[int, str]:
    """``phrases`` by the number each name has in ``names`` (a module); names it lacks are
    left out, and of two names for one number (Windows defines EAI_NODATA as EAI_NONAME)
    the first phrase wins."""
    table: dict[int, str] = {}
    for name, words in phrases:
        if hasattr(names, name):
            table.setdefault(getattr(names, name), words)
    return table


DNS_WORDS: Final = words_by_number(_DNS_PHRASES, socket)
CONNECT_WORDS: Final = {
    errno.ECONNREFUSED: message("connection refused"),
    errno.ETIMEDOUT: TIMED_OUT,
    errno.ENETUNREACH: message("the network is unreachable"),
    errno.EHOSTUNREACH: message("no route to the host"),
    errno.ECONNRESET: message("the connection was reset"),
}
_REASON: Final = frozenset({"reason"})
NOT_TRUSTED: Final = MessageTemplate(
    "the certificate is not trusted: {reason}", _REASON, or_data=_REASON
)
# OpenSSL's X509_V_ERR_* codes (ssl.SSLCertVerificationError.verify_code).
CERT_WORDS: Final = {
    9: message("it is not valid yet"),
    10: message("it has expired"),
    18: message("it is self-signed"),
    19: message("a self-signed certificate is in its chain"),
    20: message("its issuer is not known to this computer"),
    62: message("it is for another host name"),
}
# What a run says when the service's certificate failed its check: no try can pass it.
UNTRUSTED_STOP: Final = MessageTemplate(
    "{problem}. Trying again cannot help: a network that inspects HTTPS (a company proxy "
    "or antivirus) needs its certificates named in SSL_CERT_FILE, and a wrong clock "
    "breaks TLS too.",
    nested=frozenset({"problem"}),
)
# An error's own text is detail, not a story: a line is enough.
MAX_DETAIL_CHARS: Final = 200
_URL_QUERY_RE: Final = re.compile(r"(https?://[^\s?#'\"]+)[?#][^\s'\"]*")


def strip_url_queries(text: str) -> str:
    """``text`` with the query and fragment of every http(s) URL in it removed."""
    return _URL_QUERY_RE.sub(r"\1", text)


def describe_transport_error(exc: BaseException) -> str:
    """A network failure in words: "Network error: could not connect", "Network error:
    the certificate is not trusted: it is self-signed"; for a malformed answer, or an
    error with no words of its own, its (query-free) text too."""
    failed_check = certificate_failure(exc)
    if failed_check is not None:
        # Under httpx's ConnectError: "could not connect" sent people to a network that
        # works, when the host's certificate (or a proxy's) is what failed.
        return NETWORK_ERROR.format(problem=not_trusted_words(failed_check))
    if isinstance(exc, httpx.ConnectError):
        # The system's reason when there is one: a name that is not found is not a
        # refused connection, and neither is a network that is down.
        why = connection_failure_words(exc)
        if why is not None:
            return NETWORK_ERROR.format(problem=why)
    from tcb_gui.core.malformed import MalformedAnswer

    if isinstance(exc, MalformedAnswer):
        # What was wrong ("malformed chunk size") is the host operator's clue.
        return with_detail(NETWORK_ERROR.format(problem=MALFORMED), _detail(exc))
    for cls, words in _transport_words().items():
        if isinstance(exc, cls):
            return NETWORK_ERROR.format(problem=words)
    return with_detail(NETWORK_ERROR_TYPE.format(error=type(exc).__name__), _detail(exc))


def certificate_failure(exc: BaseException) -> ssl.SSLCertVerificationError | None:
    """The certificate check that failed under ``exc`` (among its causes, or the error
    it replaced: ``raise … from None`` keeps that as its context), if one did."""
    for cause in _causes(exc):
        if isinstance(cause, ssl.SSLCertVerificationError):
            return cause
    return None


def connection_failure_words(exc: BaseException) -> str | None:
    """Why a connection could not be made, in our words, from the system's error under
    ``exc`` (among its causes): "no such host name", "connection refused"…; None when
    there is none we have words for."""
    for cause in _causes(exc):
        # The nearest with words: anyio's "All connection attempts failed" (no errno)
        # stands over the refusal that says why.
        words = system_error_words(cause) if isinstance(cause, OSError) else None
        if words is not None:
            return words
    return None


def system_error_words(exc: OSError) -> str | None:
    """Our words for a name lookup's or a connection's system error (``DNS_WORDS``,
    ``CONNECT_WORDS``), or None when we have none."""
    if isinstance(exc, socket.gaierror):
        return DNS_WORDS.get(exc.errno) if exc.errno is not None else None
    if exc.errno in CONNECT_WORDS:
        return CONNECT_WORDS[exc.errno]
    # Windows' own numbers for some (WinError 1225 for a refusal) are not errno's.
    if isinstance(exc, ConnectionRefusedError):
        return CONNECT_WORDS[errno.ECONNREFUSED]
    if isinstance(exc, ConnectionResetError):
        return CONNECT_WORDS[errno.ECONNRESET]
    return None


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and what it was raised from or in place of, nearest first."""
    chain: list[BaseException] = []
    cause: BaseException | None = exc
    while cause is not None and all(cause is not seen for seen in chain):
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    return chain


def not_trusted_words(exc: ssl.SSLCertVerificationError) -> str:
    """A failed certificate check in words: "the certificate is not trusted: it is
    self-signed", and so on."""
    reason = CERT_WORDS.get(exc.verify_code) or exc.verify_message or str(exc)
    return NOT_TRUSTED.format(reason=reason)


def _detail(exc: BaseException) -> str:
    # Redacted before it is cut: a token cut in half would no longer be recognised.
    return redact(strip_url_queries(str(exc)))[:MAX_DETAIL_CHARS]
