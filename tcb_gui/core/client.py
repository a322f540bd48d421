"""The CloudBase storage API client: IDs in, download links out, as they arrive.

One long-lived ``httpx.AsyncClient`` is shared by everything (DESIGN §2). ``resolve``
groups IDs by environment, sends at most 50 per request, keeps several requests in
flight, retries transient failures with jittered backoff, and streams results to the
caller as each request completes. Every ID ends in exactly one ``LinkResult``.

**Deadlines.** Every API call (connect, headers and the whole body) must end within
``deadline`` seconds (``API_DEADLINE_S``); httpx's own timeouts are per read, so without
it a service sending a byte every 29 s could hold a call for ever. A call past its
deadline is a transient failure like a dropped connection.

**Retries follow the service's health** (issue 10). A transient failure (HTTP 429/5xx,
a cut or non-JSON body, errcode -1 and the other retryable codes, a network error, the
deadline) is retried after 0.5 s × 2ⁿ with jitter, at most ``RetryPolicy.max_delay``
apart, and:

* the run **stops** (``ServiceError``, kind network: exit 4, the IDs not yet answered
  left unresolved) once nothing good has come back from the service for
  ``give_up_after`` seconds (``GIVE_UP_AFTER_S``), counted from the last good answer of
  any call, or from the start of ``resolve``. A good answer is any answer the client
  can act on: a file list, or an error that is not transient.
* a batch is **given up alone** (its IDs fail as network failures, "gave up after N
  tries") after ``RetryPolicy.max_tries`` failures that count (``BATCH_MAX_TRIES``). A
  failure counts when the service gave some good answer since this batch's previous
  failure (the service works, this batch does not: a batch that always comes back cut,
  say), or when no other batch of the run is in flight (nothing else can tell). So
  random failures at any rate below "all of them" give nothing up while other calls
  succeed, an outage waits for the service up to ``give_up_after``, and a batch that
  fails on its own ends after ``max_tries`` tries. An answer that leaves some IDs out is
  good, and a try of its batch.

A rejected token is renewed once per request when the credentials can (not a try).

**Trace.** With a ``TraceHub``, every HTTP attempt (retries and fresh-token retries
included) becomes one ``core.trace.TraceEvent``: redacted URL, the JSON body sent (no
secret in it), status, errcode, errmsg, duration and what the client did next.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import random
import re
import time
from collections.abc import AsyncGenerator, Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from tcb_gui.core.credentials import Credentials, StaticCredentials
from tcb_gui.core.errors import (
    NETWORK_ERROR,
    REFUSED_UNTIL_CHANGED,
    ErrorInfo,
    ErrorKind,
    InputError,
    MessageTemplate,
    ServiceError,
    TcbError,
    TokenError,
    TokenState,
    classify_errcode,
    errcode_message,
    failure_words,
    file_status_message,
    message,
    with_detail,
)
from tcb_gui.core.fileids import FileId
from tcb_gui.core.httpclient import AnswerHead, api_url, post_for_answer
from tcb_gui.core.httpclient import make_http_client as make_http_client  # callers take it here
from tcb_gui.core.netmessages import (
    UNTRUSTED_STOP,
    certificate_failure,
    describe_transport_error,
)
from tcb_gui.core.redact import install_log_redaction, redact

# The light facts live apart (the settings load them before the window's first paint);
# re-exported here, where callers have always found them.
from tcb_gui.core.service_modes import API_DEADLINE_S as API_DEADLINE_S
from tcb_gui.core.service_modes import DEFAULT_BASE_URL as DEFAULT_BASE_URL
from tcb_gui.core.service_modes import DEFAULT_CONCURRENCY as DEFAULT_CONCURRENCY
from tcb_gui.core.service_modes import DEFAULT_MAX_AGE as DEFAULT_MAX_AGE
from tcb_gui.core.service_modes import GIVE_UP_AFTER_S as GIVE_UP_AFTER_S
from tcb_gui.core.service_modes import MAX_CONCURRENCY as MAX_CONCURRENCY
from tcb_gui.core.service_modes import MAX_IDS_PER_REQUEST as MAX_IDS_PER_REQUEST
from tcb_gui.core.service_modes import MAX_MAX_AGE as MAX_MAX_AGE
from tcb_gui.core.service_modes import MIN_MAX_AGE as MIN_MAX_AGE
from tcb_gui.core.service_modes import QUOTA_PATH as QUOTA_PATH
from tcb_gui.core.service_modes import ApiMode as ApiMode
from tcb_gui.core.service_modes import is_loopback_host as is_loopback_host
from tcb_gui.core.service_modes import validate_base_url as validate_base_url
from tcb_gui.core.trace import CANCELLED, CallKind, Outcome, TraceEvent, TraceHub

if TYPE_CHECKING:
    import httpx

    from tcb_gui.core.wire import HttpClient
else:
    from tcb_gui.core.lazy_httpx import httpx  # imported at its first use

log = logging.getLogger(__name__)


# Supplies the current token at the moment of each request (it may be replaced mid-run
# after a token error). Returns None when no token is set.
TokenSupplier = Callable[[], "str | None"]


class LinkResult(NamedTuple):
    """The definitive outcome for one ID."""

    fileid: FileId
    ok: bool
    status: int | None  # the service's per-file status, None when it never answered
    errmsg: str
    download_url: str | None  # percent-encoded, safe to fetch, copy and open
    expires_at: datetime | None  # UTC; request sent + max_age
    kind: ErrorKind | None = None  # None when ok


class Quota(NamedTuple):
    daily_limit: int
    used: int
    remain: int


class TokenCheck(NamedTuple):
    """The answer of ``check_token``: what the badge shows."""

    state: TokenState
    message: str
    checked_at: datetime
    quota: Quota | None = None
    code: int | None = None


# ---------------------------------------------------------------------------------------
# URLs
# ---------------------------------------------------------------------------------------

# encodeURI's unescaped set (ECMA-262 §19.2.6.5) plus '%' for existing escapes.
_URI_NEEDS_ESCAPE_RE = re.compile(r"%(?![0-9A-Fa-f]{2})|[^A-Za-z0-9;,/?:@&=+$\-_.!~*'()#%]")
# The scheme and authority: the same, and '[' ']' around an IPv6 literal host
# (RFC 3986 §3.2.2), which must reach the client as they are.
_ORIGIN_NEEDS_ESCAPE_RE = re.compile(r"%(?![0-9A-Fa-f]{2})|[^A-Za-z0-9;,/?:@&=+$\-_.!~*'()#%\[\]]")
# In the path of a link, '?' and '#' belong to the key (they cannot start a query there).
_PATH_NEEDS_ESCAPE_RE = re.compile(r"%(?![0-9A-Fa-f]{2})|[^A-Za-z0-9;,/:@&=+$\-_.!~*'()%]")
# The path of a link as the service sends it is the key itself, raw: a '%' there is a
# literal character of the key (docs/WECHAT_API.md#file-ids) and becomes '%25'.
_KEY_NEEDS_ESCAPE_RE = re.compile(r"[^A-Za-z0-9;,/:@&=+$\-_.!~*'()]")
# The query the service appends to every link; a key may itself hold '?', so the link's
# query starts at the last '?' followed by these parameters.
_LINK_QUERY_RE = re.compile(r"\?(?=(?:[^?]*&)?(?:sign|t)=)[^?]*\Z")


_DOT_SEGMENTS = {".": "%2E", "..": "%2E%2E"}

# The start of an encoded link that can be fetched: http(s), an optional user part, a host
# (a name or IPv4 address, or an IPv6 one in brackets) and an optional port, then the
# path, the query or the end. No http(s) URI has an empty host (RFC 9110 §4.2.1); one
# whose host held spaces or line breaks has them encoded here, and no client can reach it.
_FETCHABLE_LINK_RE = re.compile(
    r"https?://(?:[^/?#@\[\]]*@)?(?:(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)|\[[0-9A-Fa-f:.]+\])"
    r"(?::(?P<port>[0-9]{1,5}))?(?:[/?#]|\Z)"
)
# What DNS can hold (RFC 1035 §2.3.4): no resolver looks up a longer name or label.
MAX_HOST_NAME_CHARS: Final = 253
MAX_HOST_LABEL_CHARS: Final = 63


def _fetchable(link: str) -> bool:
    """Whether ``link`` (encoded) is one that can be fetched (``_FETCHABLE_LINK_RE``), with
    a host name DNS can hold (labels of 1 to 63 characters, 253 in all; an ``xn--`` label
    that decodes) and a port from 1 to 65535. Anything else could only fail each time it
    is tried, and in a connection's host lookup, not as a refused link: it is refused
    here, where the row says why."""
    match = _FETCHABLE_LINK_RE.match(link)
    if match is None:
        return False
    port = match["port"]
    if port is not None and not 0 < int(port) < 65536:
        return False
    name = match["name"]
    if name is None:  # an IPv6 address
        return True
    labels = name.removesuffix(".")
    if len(labels) > MAX_HOST_NAME_CHARS or not all(
        0 < len(label) <= MAX_HOST_LABEL_CHARS for label in labels.split(".")
    ):
        return False
    if "xn--" in name.lower():
        try:  # decoding the name is the check (every client decodes it)
            return bool(httpx.URL(link).host)
        except (httpx.InvalidURL, UnicodeError):  # idna.IDNAError is a UnicodeError
            return False
    return True


def _escape_match(match: re.Match[str]) -> str:
    return "".join(f"%{byte:02X}" for byte in match.group(0).encode("utf-8"))


def _encode(url: str, path_escape: re.Pattern[str]) -> str:
    """``url`` split into origin, path and query, each encoded by its own rule."""
    scheme_sep = url.find("://")
    if scheme_sep < 0:
        return _URI_NEEDS_ESCAPE_RE.sub(_escape_match, url)
    ends = [i for i in (url.find("/", scheme_sep + 3), url.find("?", scheme_sep + 3)) if i >= 0]
    if not ends:
        return _ORIGIN_NEEDS_ESCAPE_RE.sub(_escape_match, url)
    origin, rest = url[: min(ends)], url[min(ends) :]
    query_match = _LINK_QUERY_RE.search(rest)
    if query_match is None:
        # No recognisable signature: the first '?' starts the query, as in any URL.
        cut = rest.find("?")
        path, query = (rest, "") if cut < 0 else (rest[:cut], rest[cut:])
    else:
        path, query = rest[: query_match.start()], query_match.group(0)
    path = path_escape.sub(_escape_match, path)
    if "/." in path:
        # '.' and '..' segments of a key would be removed by every client and browser
        # (RFC 3986 §5.2.4) and fetch another object; encoded, they reach the server.
        path = "/".join(_DOT_SEGMENTS.get(seg, seg) for seg in path.split("/"))
    # The query is the service's own (its signature): kept as sent, only characters no
    # URL may hold are encoded.
    query = _URI_NEEDS_ESCAPE_RE.sub(_escape_match, query)
    return _ORIGIN_NEEDS_ESCAPE_RE.sub(_escape_match, origin) + path + query


def encode_link(url: str) -> str:
    """Percent-encode a link exactly as the service returned it (raw, the key unencoded).

    Like JavaScript ``encodeURI`` (spaces, Chinese and other unsafe characters as UTF-8
    ``%XX``), with the corrections of docs/WECHAT_API.md#file-ids: in the path, which is
    the key, a ``%`` is a literal character (``%25``: a key ``a%20b.txt`` is not
    ``a b.txt``), a ``?`` or ``#`` belongs to the key (``%3F``, ``%23``), and ``.`` /
    ``..`` segments are encoded so they reach the server. The query (``?sign=…&t=…``) is
    the service's and stays as sent; an IPv6 host keeps its brackets. The result is
    final: ``encode_url`` leaves it as it is.
    """
    if (
        url.count("?") <= 1
        and "#" not in url
        and "%" not in url
        and "/." not in url
        and not _URI_NEEDS_ESCAPE_RE.search(url)
    ):
        return url  # the common case: nothing to encode
    return _encode(url, _KEY_NEEDS_ESCAPE_RE)


def encode_url(url: str) -> str:
    """Make any link safe to fetch without changing what it points at.

    For a link that may already be encoded (one ``encode_link`` made, or one from
    elsewhere): ``%XX`` already present is kept, everything else as in ``encode_link``
    (unsafe characters, ``?`` / ``#`` in the path, dot segments, IPv6 brackets).
    """
    if (
        url.count("?") <= 1
        and "#" not in url
        and "/." not in url
        and not _URI_NEEDS_ESCAPE_RE.search(url)
    ):
        return url  # the common case: nothing to encode
    return _encode(url, _PATH_NEEDS_ESCAPE_RE)


# ---------------------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------------------

# Generous read timeout: a 50-file batch can take seconds on a busy service.
# API_DEADLINE_S and GIVE_UP_AFTER_S (core.service_modes, imported above) bound every
# call and the whole run's patience.
# Failures that count before one batch is given up alone (module docstring): at 30 %
# random faults twelve in a row happen once in two million batches; with the 8 s cap the
# backoff alone spans about a minute.
BATCH_MAX_TRIES: Final = 12


class RetryPolicy(NamedTuple):
    """Backoff for transient failures: 0.5 s × 2ⁿ with jitter, capped (DESIGN §3).

    ``max_tries`` bounds the tries of one request; for ``TcbClient`` the failures of one
    batch that count (module docstring), for the others every try.
    """

    max_tries: int = BATCH_MAX_TRIES
    base_delay: float = 0.5
    max_delay: float = 8.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed try number ``attempt`` (0-based), with jitter."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** min(attempt, 62)))
        return float(ceiling * random.uniform(0.5, 1.0))


class _Transient(Exception):
    """One try failed in a way worth retrying; the message is for the user."""


class _Stop(Exception):
    """The whole run must stop (token or account problem).

    ``partial`` carries results the stopped batch had already received, so nothing
    resolved before the stop is lost.
    """

    def __init__(self, error: TcbError) -> None:
        super().__init__(error.message)
        self.error = error
        self.partial: list[LinkResult] = []


class _Answer(NamedTuple):
    """A parsed errcode-0 response: per-file items keyed by ID, plus unnamed leftovers."""

    by_id: dict[str, dict[str, Any]]
    unnamed: list[dict[str, Any]]


_JSON_HEADERS = {"Content-Type": "application/json"}
# Request URLs kept parsed; a few per token, a handful of tokens per session.
_URL_CACHE_SIZE = 16
_ID_KEYS = ("fileid", "fileID", "files")
# 40097 / -501007 name the batch as invalid, often because of one bad ID: split the
# batch in halves to isolate it instead of failing 49 good IDs with it. But once this many
# single IDs were refused so, each in a request of its own, and no request of the run was
# answered, the refusal is not about an ID (the service refuses every request): splitting
# on would spend 99 calls of the quota for every 50 IDs, so batches refused after that
# fail whole, until a request is answered.
_SPLITTABLE_CODES = frozenset({40097, -501007})
SPLIT_FUTILE_AFTER: Final = 8


_HTTP_STATUS = MessageTemplate("The service answered HTTP {status}")
_HTTP_STATUS_STOP = MessageTemplate("The service answered HTTP {status}. Check the base URL.")
_UNREADABLE = message("The service sent an unreadable (non-JSON or cut) answer")
_BAD_SHAPE = message("The service sent an answer of an unexpected shape")
_BAD_ERRCODE = message("The service sent an answer with an unreadable error code")
_NO_FILE_LIST = message("The service's answer has no file list")
_BAD_REDIRECT = message("The service redirected to an invalid address. Check the base URL.")
_NOT_HTTP_LINK = message("The service returned a link that is not http(s)")
# The download engine's words for the same link (core.downloads.messages.BAD_LINK).
_BAD_LINK = message("The download link is not a valid URL")
_NO_LINK = message("The service returned no link for this file")
# A batch the service refused as a whole: its reason, errcode and own words.
_BATCH_FAILED = MessageTemplate("{message} (errcode {code})", nested=frozenset({"message"}))
_BATCH_FAILED_DETAIL = MessageTemplate(
    "{message} (errcode {code}: {detail})", nested=frozenset({"message"})
)
NO_ANSWER = message("no answer from the service")
# A call that outlived its deadline (the seconds are data).
PAST_DEADLINE = MessageTemplate("no whole answer within {seconds} s")
# The run's stop when nothing good came back for give_up_after seconds.
NOTHING_GOOD = MessageTemplate(
    "Nothing good came back from the service for {seconds} s (last: {problem}). "
    "Check the network and the base URL, then try the rest again.",
    nested=frozenset({"problem"}),
)
NO_ANSWER_FOR_FILE = message("no answer from the service for this file")
# The last problem of a batch that failed every try (its full stop dropped).
GAVE_UP = MessageTemplate("{problem}; gave up after {tries} tries", nested=frozenset({"problem"}))
_INTERNAL_ERROR = message("Internal error while reading the service's answer")
TOKEN_WORKS = message("The token works for this API.")
_CHECK_FAILED = MessageTemplate("The token check failed: {reason}", nested=frozenset({"reason"}))
_CHECK_UNREACHABLE = MessageTemplate(
    "Could not check the token: {problem}. Check the network and the base URL.",
    nested=frozenset({"problem"}),
)


def _decode_json(response: AnswerHead, content: bytes) -> dict[str, Any]:
    """The JSON object of a response (``content``, its body), or _Transient for anything
    else (HTML, cut, junk)."""
    if response.status_code == 429 or response.status_code >= 500:
        raise _Transient(_HTTP_STATUS.format(status=response.status_code))
    if response.status_code != 200:
        raise _Stop(
            ServiceError(
                _HTTP_STATUS_STOP.format(status=response.status_code),
                kind=ErrorKind.REQUEST,
                code=response.status_code,
            )
        )
    try:
        data = json.loads(content)
    except (ValueError, RecursionError):
        raise _Transient(_UNREADABLE) from None
    if not isinstance(data, dict):
        raise _Transient(_BAD_SHAPE)
    return data


def _errcode(data: dict[str, Any]) -> int:
    code = data.get("errcode", 0)
    if isinstance(code, bool):
        return 0
    if isinstance(code, int):
        return code
    if isinstance(code, str):
        try:
            return int(code.strip())
        except ValueError:
            pass
    raise _Transient(_BAD_ERRCODE)


# Service text shown to users is cut to this length (errmsg may carry long hints).
_MAX_SERVICE_TEXT = 300


def _service_text(value: object) -> str:
    """Text from the service made safe to show and print: valid Unicode, no secrets."""
    text = str(value).encode("utf-8", "replace").decode("utf-8")
    return redact(text)[:_MAX_SERVICE_TEXT]


def _service_errmsg(data: dict[str, Any]) -> str:
    msg = data.get("errmsg")
    return _service_text(msg) if msg else ""


def _item_id(item: dict[str, Any]) -> str | None:
    for key in _ID_KEYS:
        value = item.get(key)
        if isinstance(value, str):
            return value
    return None


def _parse_answer(data: dict[str, Any]) -> _Answer:
    items = data.get("file_list")
    if not isinstance(items, list):
        raise _Transient(_NO_FILE_LIST)
    by_id: dict[str, dict[str, Any]] = {}
    unnamed: list[dict[str, Any]] = []
    for position, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        fid = _item_id(item)
        if fid is None:
            unnamed.append({**item, "_position": position})
        else:
            by_id.setdefault(fid, item)
    return _Answer(by_id, unnamed)


def as_int(value: object) -> int | None:
    """A whole number the service sent as a number or a numeric string (never a bool)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


# ---------------------------------------------------------------------------------------
# The trace
# ---------------------------------------------------------------------------------------


def seconds_text(value: float) -> str:
    """A number of seconds as messages show it: ``60``, ``0.5``."""
    return f"{value:g}"


class TracedCall:
    """One HTTP attempt as ``core.trace`` shows it, emitted once with what came of it.

    ``url`` and ``body`` are redacted when the event is made (no token, no signature; the
    caller hands a body without secrets). Without an active hub nothing is built.
    """

    __slots__ = (
        "_hub",
        "_started",
        "_took",
        "attempt",
        "body",
        "emitted",
        "endpoint",
        "env",
        "errcode",
        "errmsg",
        "http_status",
        "ids",
        "kind",
        "sent",
        "url",
    )

    def __init__(
        self,
        hub: TraceHub | None,
        kind: CallKind,
        endpoint: str,
        url: httpx.URL | str,
        attempt: int,
        body: bytes | None,
        *,
        env: str | None = None,
        ids: int | None = None,
    ) -> None:
        self._hub = hub
        self.kind = kind
        self.endpoint = endpoint
        self.url = url
        self.attempt = attempt
        self.body = body
        self.env = env
        self.ids = ids
        self.sent = time.time()
        self._started = time.perf_counter()
        self._took: float | None = None
        self.http_status: int | None = None
        self.errcode: int | None = None
        self.errmsg: str | None = None
        self.emitted = False

    def finished(self) -> None:
        """The exchange is over (answer read, or failed): its duration is fixed."""
        if self._took is None:
            self._took = time.perf_counter() - self._started

    def emit(self, outcome: Outcome, problem: str | None = None) -> None:
        """Send the event (once): the service's errmsg, else ``problem``."""
        if self.emitted:
            return
        self.emitted = True
        hub = self._hub
        if hub is None or not hub.active:
            return
        self.finished()
        errmsg = self.errmsg or problem
        hub.emit(
            TraceEvent(
                time=self.sent,
                kind=self.kind,
                method="POST",
                endpoint=self.endpoint,
                url=redact(str(self.url)),
                attempt=self.attempt,
                outcome=outcome,
                duration_ms=(self._took or 0.0) * 1000.0,
                env=self.env,
                ids=self.ids,
                http_status=self.http_status,
                errcode=self.errcode,
                errmsg=redact(errmsg) if errmsg else None,
                body=None if self.body is None else redact(self.body.decode("utf-8", "replace")),
            )
        )


# ---------------------------------------------------------------------------------------
# The client
# ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Run:
    """One ``resolve``: when it started, how many of its batches are being worked on, and
    the answers already received by batches a stop cut short (``orphans``: a batch whose
    answer left IDs out is cancelled while it asks for them again)."""

    started: float
    in_flight: int = 0
    orphans: list[LinkResult] = field(default_factory=list)
    answered: int = 0  # requests answered with errcode 0
    refused_alone: int = 0  # single IDs refused with a splittable code, each on its own

    def splitting_helps(self) -> bool:
        """Whether a batch refused as invalid is worth splitting (``_SPLITTABLE_CODES``)."""
        return self.answered > 0 or self.refused_alone < SPLIT_FUTILE_AFTER


_BAD_MAX_AGE = MessageTemplate("max age must be {low}..{high} seconds")
_BAD_CONCURRENCY = MessageTemplate("concurrency must be 1..{high}")
_BAD_SECONDS = MessageTemplate("{name} must be a number of seconds above 0")


def _check_seconds(name: str, value: float) -> float:
    if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
        raise InputError(_BAD_SECONDS.format(name=name))
    return float(value)


class TcbClient:
    """Resolves cloud file IDs to download links through batchdownloadfile.

    ``deadline``: seconds one API call may take in all (``API_DEADLINE_S``);
    ``give_up_after``: seconds without a good answer before a run stops
    (``GIVE_UP_AFTER_S``); ``retry``: the backoff and ``max_tries`` of one batch;
    ``trace``: where every HTTP attempt is reported; ``clock``: monotonic seconds (tests).
    """

    def __init__(
        self,
        http: HttpClient,
        token: Credentials | TokenSupplier,
        *,
        base_url: str = DEFAULT_BASE_URL,
        api: ApiMode | str = ApiMode.COMPONENT,
        max_age: int = DEFAULT_MAX_AGE,
        concurrency: int = DEFAULT_CONCURRENCY,
        retry: RetryPolicy | None = None,
        deadline: float = API_DEADLINE_S,
        give_up_after: float = GIVE_UP_AFTER_S,
        trace: TraceHub | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not MIN_MAX_AGE <= max_age <= MAX_MAX_AGE:
            raise InputError(_BAD_MAX_AGE.format(low=MIN_MAX_AGE, high=MAX_MAX_AGE))
        if not 1 <= concurrency <= MAX_CONCURRENCY:
            raise InputError(_BAD_CONCURRENCY.format(high=MAX_CONCURRENCY))
        install_log_redaction()
        self._http = http
        self.credentials = token if isinstance(token, Credentials) else StaticCredentials(token)
        self.base_url = validate_base_url(base_url)
        self.api = ApiMode(api)
        self.max_age = max_age
        self.concurrency = concurrency
        self.retry = retry or RetryPolicy()
        self.deadline = _check_seconds("deadline", deadline)
        self.give_up_after = _check_seconds("give_up_after", give_up_after)
        self.trace = trace
        self._clock = clock
        # clock() of the last good answer from the service, any call (module docstring).
        self._last_good: float | None = None
        self._urls: dict[tuple[str, str], httpx.URL | str] = {}

    # -- requests --------------------------------------------------------------------

    async def _current_token(self) -> str:
        """The credentials' token for the next request; _Stop when there is none to be had."""
        try:
            return await self.credentials.token()
        except (TokenError, ServiceError) as error:
            raise _Stop(error) from None

    def _url(self, path: str, token: str) -> httpx.URL | str:
        """The request URL with the token in the query, made once per path and token
        (parsing it for each of thousands of requests is measurable)."""
        key = (path, token)
        url = self._urls.get(key)
        if url is None:
            if len(self._urls) >= _URL_CACHE_SIZE:  # tokens replaced many times over
                self._urls.clear()
            url = self._urls[key] = api_url(
                self._http, self.base_url + path, {"access_token": token}
            )
        return url

    def _call(self, path: str, token: str, attempt: int, body: bytes, **data: Any) -> TracedCall:
        return TracedCall(
            self.trace, CallKind.API, path, self._url(path, token), attempt, body, **data
        )

    async def _post_json(self, call: TracedCall, body: bytes, token: str) -> dict[str, Any]:
        """One try: POST, then the JSON object answered. _Transient/_Stop on failure.

        The whole exchange, body included, ends within ``deadline`` seconds; the answer
        is read within ``httpclient.MAX_API_ANSWER_BYTES``."""
        try:
            async with asyncio.timeout(self.deadline):
                response, content = await post_for_answer(
                    self._http, self._url(call.endpoint, token), content=body, headers=_JSON_HEADERS
                )
        except TimeoutError:
            late = PAST_DEADLINE.format(seconds=seconds_text(self.deadline))
            raise _Transient(NETWORK_ERROR.format(problem=late)) from None
        except httpx.TransportError as exc:
            if certificate_failure(exc) is not None:
                # The same certificate fails every try (a proxy that inspects HTTPS, a
                # wrong clock): the run stops at once and says so, instead of retrying
                # "could not connect" until it gives up.
                # A network failure, as when the service stays silent (exit 4; the rows
                # say "Network error", not an account problem).
                problem = UNTRUSTED_STOP.format(problem=describe_transport_error(exc))
                raise _Stop(ServiceError(problem, kind=ErrorKind.NETWORK)) from None
            raise _Transient(describe_transport_error(exc)) from None
        except httpx.HTTPError as exc:
            raise _Transient(describe_transport_error(exc)) from None
        except httpx.InvalidURL:
            # httpx builds the next request of any 3xx: an unparsable Location fails here.
            raise _Stop(ServiceError(_BAD_REDIRECT, kind=ErrorKind.REQUEST)) from None
        finally:
            call.finished()
        call.http_status = response.status_code
        return _decode_json(response, content)

    def _good(self) -> None:
        """The service gave an answer the client can act on."""
        self._last_good = self._clock()

    def _counts(self, since: float, run: _Run) -> bool:
        """Whether a batch's failure counts towards its tries (module docstring)."""
        last_good = self._last_good
        return run.in_flight <= 1 or (last_good is not None and last_good > since)

    def _silent_for(self, run: _Run, now: float) -> float:
        """Seconds since the last good answer (or since the run started)."""
        last_good = self._last_good
        return now - (run.started if last_good is None else max(last_good, run.started))

    # -- resolve ---------------------------------------------------------------------

    def _batches(self, ids: Sequence[FileId]) -> list[tuple[str, list[FileId]]]:
        """Unique IDs grouped by env (first-seen env order), MAX_IDS_PER_REQUEST each."""
        by_env: dict[str, list[FileId]] = {}
        seen: set[str] = set()
        for fid in ids:
            if fid.raw in seen:
                continue
            seen.add(fid.raw)
            by_env.setdefault(fid.env, []).append(fid)
        return [
            (env, group[start : start + MAX_IDS_PER_REQUEST])
            for env, group in by_env.items()
            for start in range(0, len(group), MAX_IDS_PER_REQUEST)
        ]

    def _file_result(self, fid: FileId, item: dict[str, Any], expires: datetime) -> LinkResult:
        """One file's result; ``expires`` is the batch's (request sent + max_age)."""
        status = as_int(item.get("status"))
        raw_msg = item.get("errmsg")
        if raw_msg is None:
            errmsg = ""
        elif raw_msg == "ok":  # nearly every item: nothing to clean
            errmsg = "ok"
        else:
            errmsg = _service_text(raw_msg)
        url = item.get("download_url")
        if status == 0 and isinstance(url, str) and url.strip():
            try:
                link = encode_link(url.strip())
            except UnicodeEncodeError:  # a lone surrogate: no valid URL can hold it
                link = ""
            if _fetchable(link):
                return LinkResult(fid, True, 0, errmsg or "ok", link, expires)
            why = _BAD_LINK if link.startswith(("https://", "http://")) else _NOT_HTTP_LINK
            return LinkResult(fid, False, status, why, None, None, ErrorKind.FILE)
        if status is None or status == 0:
            return LinkResult(
                fid,
                False,
                status,
                failure_words(errmsg) or _NO_LINK,
                None,
                None,
                ErrorKind.FILE,
            )
        return LinkResult(
            fid, False, status, file_status_message(status, errmsg), None, None, ErrorKind.FILE
        )

    async def _request_batch(self, env: str, batch: list[FileId], run: _Run) -> list[LinkResult]:
        """Resolve one batch to one result per ID, retrying transient failures."""
        done: list[LinkResult] = []
        try:
            return await self._fill_batch(env, batch, done, run)
        except _Stop as stop:
            stop.partial = done + stop.partial
            raise
        except asyncio.CancelledError:
            run.orphans += done  # resolve hands them out after a stop
            raise

    async def _fill_batch(
        self, env: str, batch: list[FileId], done: list[LinkResult], run: _Run
    ) -> list[LinkResult]:
        """The retry loop of ``_request_batch``; answers collect in ``done`` as they come.

        The rules (when a failure counts, when the run stops) are the module docstring's.
        """
        pending = list(batch)
        path = self.api.cgi_path
        counted = 0  # failures that count towards retry.max_tries
        failures = 0  # failed tries so far, for the backoff
        sent = 0  # requests sent for this batch: the trace's attempt numbers
        renewed = False  # a fresh token is tried once per request (core.credentials)
        since = self._clock()  # a good answer after this makes the next failure count
        wait = False
        while True:
            if wait:
                await asyncio.sleep(self.retry.delay(failures - 1))
            wait = True
            token = await self._current_token()
            body = json.dumps(
                {
                    "env": env,
                    "file_list": [{"fileid": f.raw, "max_age": self.max_age} for f in pending],
                },
                ensure_ascii=False,
            ).encode("utf-8")
            sent += 1
            call = self._call(path, token, sent, body, env=env, ids=len(pending))
            sent_at = datetime.now(UTC)
            problem: str | None = None
            answer: _Answer | None = None
            try:
                data = await self._post_json(call, body, token)
                code = call.errcode = _errcode(data)
                if code == 0:
                    answer = _parse_answer(data)
                    run.answered += 1
            except _Transient as exc:
                problem = str(exc)
            except _Stop as stop:
                call.emit(Outcome.STOP, stop.error.message)
                raise
            except asyncio.CancelledError:
                call.emit(Outcome.CANCELLED, CANCELLED)
                raise
            except Exception:
                call.emit(Outcome.FAILED, _INTERNAL_ERROR)
                raise
            if problem is None and code != 0:
                detail = call.errmsg = _service_errmsg(data)
                info = classify_errcode(code)
                if info.kind is ErrorKind.RETRYABLE:
                    problem = info.message
                else:
                    self._good()
                    if (
                        info.kind is ErrorKind.TOKEN
                        and not renewed
                        and self.credentials.rejected(token)
                    ):
                        renewed = True
                        wait = False  # a fresh token is not a try of the batch
                        call.emit(Outcome.RENEW_TOKEN)
                        continue
                    return done + await self._refused(call, env, pending, run, code, info, detail)
            partial = problem is None
            if partial:
                assert answer is not None
                self._good()
                pending = self._take_answers(pending, answer, sent_at, done)
                if not pending:
                    call.emit(Outcome.OK)
                    return done
                problem = NO_ANSWER_FOR_FILE
            assert problem is not None
            now = self._clock()
            if partial or self._counts(since, run):
                counted += 1
            since = now
            failures += 1
            if not partial and self._silent_for(run, now) >= self.give_up_after:
                call.emit(Outcome.STOP, problem)
                silent = NOTHING_GOOD.format(
                    seconds=seconds_text(self.give_up_after), problem=problem.rstrip(".")
                )
                raise _Stop(ServiceError(silent, kind=ErrorKind.NETWORK))
            if counted >= self.retry.max_tries:
                call.emit(Outcome.GAVE_UP, problem)
                message = GAVE_UP.format(problem=problem.rstrip("."), tries=self.retry.max_tries)
                return done + [
                    LinkResult(f, False, None, message, None, None, ErrorKind.NETWORK)
                    for f in pending
                ]
            call.emit(Outcome.RETRY, problem)
            log.info("batch of %d in %s: %s (try %d)", len(pending), env, problem, sent)

    async def _refused(
        self,
        call: TracedCall,
        env: str,
        pending: list[FileId],
        run: _Run,
        code: int,
        info: ErrorInfo,
        detail: str,
    ) -> list[LinkResult]:
        """A whole request refused for good: the run stops, or the batch is split, or its
        IDs fail with the reason."""
        if info.kind is ErrorKind.TOKEN:
            call.emit(Outcome.STOP)
            state = info.token_state or TokenState.INVALID
            raise _Stop(TokenError(info.message, state=state, code=code, detail=detail))
        if info.kind is ErrorKind.CONFIG:
            call.emit(Outcome.STOP)
            text = errcode_message(info, detail)
            raise _Stop(ServiceError(text, kind=info.kind, code=code, detail=detail))
        if code in _SPLITTABLE_CODES:
            if len(pending) == 1:
                run.refused_alone += 1
            elif run.splitting_helps():
                call.emit(Outcome.RETRY)  # asked again in halves
                return await self._split(env, pending, run)
        call.emit(Outcome.FAILED)
        message = (
            _BATCH_FAILED_DETAIL.format(message=info.message, code=code, detail=detail)
            if detail
            else _BATCH_FAILED.format(message=info.message, code=code)
        )
        if info.kind is ErrorKind.CLIENT:
            kind = ErrorKind.CLIENT
        elif code in REFUSED_UNTIL_CHANGED:
            kind = ErrorKind.CONFIG  # asked again, refused again: the IDs must change
        else:
            kind = ErrorKind.REQUEST
        return [LinkResult(f, False, None, message, None, None, kind) for f in pending]

    def _take_answers(
        self, pending: list[FileId], answer: _Answer, sent_at: datetime, done: list[LinkResult]
    ) -> list[FileId]:
        """Move answered IDs into ``done``; return those still without an answer."""
        left: list[FileId] = []
        expires = sent_at + timedelta(seconds=self.max_age)
        for position, fid in enumerate(pending):
            item = answer.by_id.get(fid.raw)
            if item is None:
                item = self._positional_item(answer, position, len(pending))
            if item is None:
                left.append(fid)
            else:
                done.append(self._file_result(fid, item, expires))
        return left

    @staticmethod
    def _positional_item(answer: _Answer, position: int, count: int) -> dict[str, Any] | None:
        """An item without an ID is trusted by position only when nothing else is off."""
        if not answer.unnamed or answer.by_id or len(answer.unnamed) != count:
            return None
        item = answer.unnamed[position]
        return item if item.get("_position") == position else None

    async def _split(self, env: str, batch: list[FileId], run: _Run) -> list[LinkResult]:
        middle = len(batch) // 2
        first = await self._request_batch(env, batch[:middle], run)
        try:
            second = await self._request_batch(env, batch[middle:], run)
        except _Stop as stop:
            stop.partial = first + stop.partial
            raise
        except asyncio.CancelledError:
            run.orphans += first
            raise
        return first + second

    async def resolve(self, ids: Sequence[FileId]) -> AsyncGenerator[list[LinkResult], None]:
        """Yield each request's results as it completes (see the module docstring).

        Stops with TokenError or ServiceError (``.unresolved`` = IDs without a result)
        when the token or the account cannot go on, or when nothing good came back from
        the service for ``give_up_after`` seconds.
        """
        batches = self._batches(ids)
        if not batches:
            return
        queue: asyncio.Queue[tuple[str, list[FileId]]] = asyncio.Queue()
        for batch in batches:
            queue.put_nowait(batch)
        results: asyncio.Queue[list[LinkResult] | _Stop] = asyncio.Queue()
        run = _Run(started=self._clock())

        async def worker() -> None:
            while True:
                try:
                    env, batch = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                run.in_flight += 1
                try:
                    results.put_nowait(await self._request_batch(env, batch, run))
                except _Stop as stop:
                    results.put_nowait(stop)
                    return
                except Exception:
                    # A bug must not hang the run: this batch fails, the others go on.
                    log.exception("unexpected failure resolving a batch of %d", len(batch))
                    message = _INTERNAL_ERROR
                    results.put_nowait(
                        [
                            LinkResult(f, False, None, message, None, None, ErrorKind.CLIENT)
                            for f in batch
                        ]
                    )
                finally:
                    run.in_flight -= 1

        workers = [
            asyncio.create_task(worker(), name=f"tcb-resolve-{n}")
            for n in range(min(self.concurrency, len(batches)))
        ]
        answered: set[str] = set()
        remaining = len(batches)
        try:
            while remaining:
                item = await results.get()
                if isinstance(item, _Stop):
                    await _cancel_all(workers)
                    if item.partial:
                        answered.update(r.fileid.raw for r in item.partial)
                        yield item.partial
                    # Batches that finished while we were stopping are still good, and so
                    # are the answers the batches cut short had received.
                    while not results.empty():
                        late = results.get_nowait()
                        if isinstance(late, list):
                            answered.update(r.fileid.raw for r in late)
                            yield late
                    orphans = [r for r in run.orphans if r.fileid.raw not in answered]
                    if orphans:
                        answered.update(r.fileid.raw for r in orphans)
                        yield orphans
                    error = item.error
                    error.unresolved = tuple(
                        f for _, batch in batches for f in batch if f.raw not in answered
                    )
                    raise error
                remaining -= 1
                answered.update(r.fileid.raw for r in item)
                yield item
        finally:
            await _cancel_all(workers)

    async def resolve_all(self, ids: Sequence[FileId]) -> list[LinkResult]:
        """Every result, in input order (duplicates answered once, at first sight)."""
        by_id: dict[str, LinkResult] = {}
        async with aclosing(self.resolve(ids)) as stream:
            async for batch in stream:
                for result in batch:
                    by_id[result.fileid.raw] = result
        order: dict[str, None] = dict.fromkeys(f.raw for f in ids)
        return [by_id[raw] for raw in order]

    # -- token -----------------------------------------------------------------------

    async def check_token(self) -> TokenCheck:
        """Ask quota/get whether the token works for this API, and today's quota.

        A rejected token is renewed once when the credentials can, as for a link request
        (a mini program's cached stable token ended by a refresh elsewhere is not the
        user's to fix: the run would renew it, and so does the check)."""
        now = datetime.now(UTC)
        tries = 2  # a quick check: one retry for a blip, the badge can be refreshed any time
        problem = ""
        body = json.dumps({"cgi_path": self.api.cgi_path}).encode("utf-8")
        attempt = 0  # failed tries; the request with a fresh token is not one
        sent = 0
        renewed = False
        wait = False
        while attempt < tries:
            if wait:
                await asyncio.sleep(self.retry.delay(0))
            wait = True
            again = Outcome.RETRY if attempt + 1 < tries else Outcome.GAVE_UP
            try:
                token = await self.credentials.token()
            except TokenError as error:
                return TokenCheck(error.state, error.message, now, None, error.code)
            except ServiceError as error:
                return TokenCheck(
                    TokenState.UNREACHABLE, error.message, datetime.now(UTC), None, error.code
                )
            sent += 1
            call = self._call(QUOTA_PATH, token, sent, body)
            try:
                data = await self._post_json(call, body, token)
                code = call.errcode = _errcode(data)
            except _Transient as exc:
                problem = str(exc)
                call.emit(again, problem)
                attempt += 1
                continue
            except _Stop as stop:
                call.emit(Outcome.STOP, stop.error.message)
                return TokenCheck(
                    TokenState.UNREACHABLE, stop.error.message, datetime.now(UTC), None, None
                )
            except BaseException:
                call.emit(Outcome.CANCELLED, CANCELLED)
                raise
            checked = datetime.now(UTC)
            detail = call.errmsg = _service_errmsg(data)
            if code == 0:
                self._good()
                call.emit(Outcome.OK)
                return TokenCheck(
                    TokenState.VALID,
                    TOKEN_WORKS,
                    checked,
                    _parse_quota(data.get("quota")),
                    0,
                )
            info = classify_errcode(code)
            if info.kind is ErrorKind.RETRYABLE:
                problem = info.message
                call.emit(again, problem)
                attempt += 1
                continue
            self._good()
            if info.kind is ErrorKind.TOKEN and not renewed and self.credentials.rejected(token):
                renewed = True
                wait = False
                call.emit(Outcome.RENEW_TOKEN)
                continue
            call.emit(Outcome.FAILED)
            if info.token_state is not None:
                text = errcode_message(info, detail)
                return TokenCheck(info.token_state, text, checked, None, code)
            return TokenCheck(
                TokenState.UNREACHABLE,
                _CHECK_FAILED.format(reason=with_detail(info.message, detail)),
                checked,
                None,
                code,
            )
        return TokenCheck(
            TokenState.UNREACHABLE,
            _CHECK_UNREACHABLE.format(problem=problem),
            datetime.now(UTC),
        )


def _parse_quota(value: object) -> Quota | None:
    if not isinstance(value, dict):
        return None
    numbers = [as_int(value.get(k)) for k in ("daily_limit", "used", "remain")]
    if any(n is None for n in numbers):
        return None
    daily_limit, used, remain = (int(n or 0) for n in numbers)
    return Quota(daily_limit, used, remain)


async def _cancel_all(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
