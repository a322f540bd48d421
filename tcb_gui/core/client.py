"""The CloudBase storage API client: IDs in, download links out, as they arrive.

One long-lived ``httpx.AsyncClient`` is shared by everything (DESIGN §2). ``resolve``
groups IDs by environment, sends at most 50 per request, keeps several requests in
flight, retries transient failures with jittered backoff, and streams results to the
caller as each request completes. Every ID ends in exactly one ``LinkResult``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import random
import re
from collections.abc import AsyncGenerator, Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import httpx

from tcb_gui import __version__
from tcb_gui.core.credentials import Credentials, StaticCredentials
from tcb_gui.core.errors import (
    ErrorKind,
    InputError,
    MessageTemplate,
    ServiceError,
    TcbError,
    TokenError,
    TokenState,
    classify_errcode,
    file_status_message,
    message,
    with_detail,
)
from tcb_gui.core.fileids import FileId
from tcb_gui.core.netmessages import describe_transport_error
from tcb_gui.core.redact import install_log_redaction, redact

log = logging.getLogger(__name__)


class ApiMode(StrEnum):
    """Which endpoint family the token belongs to (WECHAT_API.md §1)."""

    COMPONENT = "component"  # third-party platform: componenttcb/…, component_access_token
    TCB = "tcb"  # mini program: tcb/…, access_token or authorizer_access_token

    @property
    def cgi_path(self) -> str:
        return (
            "/componenttcb/batchdownloadfile"
            if self is ApiMode.COMPONENT
            else ("/tcb/batchdownloadfile")
        )


DEFAULT_BASE_URL = "https://api.weixin.qq.com"
QUOTA_PATH = "/cgi-bin/openapi/quota/get"
# "一次最多 50 个" — official batchdownloadfile docs; the service rejects 51.
MAX_IDS_PER_REQUEST = 50
# max_age in seconds; old docs give one day as default and maximum.
MIN_MAX_AGE = 1
MAX_MAX_AGE = 86_400
DEFAULT_MAX_AGE = 7_200
DEFAULT_CONCURRENCY = 4
MAX_CONCURRENCY = 32

# Supplies the current token at the moment of each request (it may be replaced mid-run
# after a token error). Returns None when no token is set.
TokenSupplier = Callable[[], "str | None"]


@dataclass(frozen=True, slots=True)
class LinkResult:
    """The definitive outcome for one ID."""

    fileid: FileId
    ok: bool
    status: int | None  # the service's per-file status, None when it never answered
    errmsg: str
    download_url: str | None  # percent-encoded, safe to fetch, copy and open
    expires_at: datetime | None  # UTC; request sent + max_age
    kind: ErrorKind | None = None  # None when ok


@dataclass(frozen=True, slots=True)
class Quota:
    daily_limit: int
    used: int
    remain: int


@dataclass(frozen=True, slots=True)
class TokenCheck:
    """The answer of ``check_token``: what the badge shows."""

    state: TokenState
    message: str
    checked_at: datetime
    quota: Quota | None = None
    code: int | None = None


# ---------------------------------------------------------------------------------------
# URLs
# ---------------------------------------------------------------------------------------

# Loopback hosts may use plain http (the demo service and tests); everything else https.
_LOOPBACK_NAMES = frozenset({"localhost", "::1", "[::1]"})

# encodeURI's unescaped set (ECMA-262 §19.2.6.5) plus '%' for existing escapes.
_URI_NEEDS_ESCAPE_RE = re.compile(r"%(?![0-9A-Fa-f]{2})|[^A-Za-z0-9;,/?:@&=+$\-_.!~*'()#%]")
# In the path of a link, '?' and '#' belong to the key (they cannot start a query there).
_PATH_NEEDS_ESCAPE_RE = re.compile(r"%(?![0-9A-Fa-f]{2})|[^A-Za-z0-9;,/:@&=+$\-_.!~*'()%]")
# The query the service appends to every link; a key may itself hold '?', so the link's
# query starts at the last '?' followed by these parameters.
_LINK_QUERY_RE = re.compile(r"\?(?=(?:[^?]*&)?(?:sign|t)=)[^?]*\Z")


_DOT_SEGMENTS = {".": "%2E", "..": "%2E%2E"}


def _escape_match(match: re.Match[str]) -> str:
    return "".join(f"%{byte:02X}" for byte in match.group(0).encode("utf-8"))


def encode_url(url: str) -> str:
    """Percent-encode a link the service returned raw, as the official SDKs do.

    Like JavaScript ``encodeURI`` (spaces, Chinese and other unsafe characters encoded,
    ``%XX`` already present kept), with one fix: a ``?`` or ``#`` inside the key is part
    of the path and is encoded, so the link still points at the right object.
    """
    if (
        url.count("?") <= 1
        and "#" not in url
        and "/." not in url
        and not _URI_NEEDS_ESCAPE_RE.search(url)
    ):
        return url  # the common case: nothing to encode
    scheme_sep = url.find("://")
    path_start = url.find("/", scheme_sep + 3) if scheme_sep >= 0 else -1
    if path_start < 0:
        return _URI_NEEDS_ESCAPE_RE.sub(_escape_match, url)
    origin, rest = url[:path_start], url[path_start:]
    query_match = _LINK_QUERY_RE.search(rest)
    if query_match is None:
        # No recognisable signature: the first '?' starts the query, as in any URL.
        cut = rest.find("?")
        path, query = (rest, "") if cut < 0 else (rest[:cut], rest[cut:])
    else:
        path, query = rest[: query_match.start()], query_match.group(0)
    path = _PATH_NEEDS_ESCAPE_RE.sub(_escape_match, path)
    if "/." in path:
        # '.' and '..' segments of a key would be removed by every client and browser
        # (RFC 3986 §5.2.4) and fetch another object; encoded, they reach the server.
        path = "/".join(_DOT_SEGMENTS.get(seg, seg) for seg in path.split("/"))
    query = _URI_NEEDS_ESCAPE_RE.sub(_escape_match, query)
    return _URI_NEEDS_ESCAPE_RE.sub(_escape_match, origin) + path + query


def is_loopback_host(host: str) -> bool:
    host = host.strip("[]").lower()
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_BAD_BASE_URL_DETAIL = MessageTemplate("Not a valid base URL: {url!r} ({error}).")
_BAD_BASE_URL = MessageTemplate("Not a valid base URL: {url!r}.")
_NOT_HTTPS = MessageTemplate("The base URL must be an https:// address, not {url!r}.")
_URL_EXTRAS = message("The base URL may not carry a user name, a query or a fragment.")
_PLAIN_HTTP = MessageTemplate(
    "Refusing plain http:// for {host}: the token would travel unencrypted. "
    "Use https:// (plain http is allowed only for loopback addresses)."
)


def validate_base_url(url: str) -> str:
    """The base URL without a trailing slash; https only, except loopback (DESIGN §3)."""
    text = url.strip()
    try:
        parsed = httpx.URL(text)
    except (httpx.InvalidURL, TypeError) as exc:
        raise InputError(_BAD_BASE_URL_DETAIL.format(url=text, error=exc)) from None
    if parsed.scheme not in ("https", "http") or not parsed.host:
        raise InputError(_NOT_HTTPS.format(url=text))
    if parsed.userinfo or "?" in text or "#" in text:
        raise InputError(_URL_EXTRAS)
    if "%" in parsed.host or any(c.isspace() for c in text):
        raise InputError(_BAD_BASE_URL.format(url=text))
    if parsed.scheme == "http" and not is_loopback_host(parsed.host):
        raise InputError(_PLAIN_HTTP.format(host=parsed.host))
    return text.rstrip("/")


# ---------------------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------------------

# Generous read timeout: a 50-file batch can take seconds on a busy service.
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
    """The one shared client: explicit timeouts and limits, no cookies kept between hosts."""
    install_log_redaction()
    _tune_httpcore_reads()
    options: dict[str, Any] = {
        "timeout": HTTP_TIMEOUT,
        "limits": HTTP_LIMITS,
        "follow_redirects": False,
        "headers": {"User-Agent": f"tcb-gui/{__version__}"},
        "trust_env": False,
    }
    options.update(kwargs)
    return httpx.AsyncClient(**options)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Backoff for transient failures: 0.5 s × 2ⁿ with jitter, capped (DESIGN §3)."""

    max_tries: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed try number ``attempt`` (0-based), with jitter."""
        ceiling = min(self.max_delay, self.base_delay * (2**attempt))
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


@dataclass(frozen=True, slots=True)
class _Answer:
    """A parsed errcode-0 response: per-file items keyed by ID, plus unnamed leftovers."""

    by_id: dict[str, dict[str, Any]]
    unnamed: list[dict[str, Any]]


_JSON_HEADERS = {"Content-Type": "application/json"}
# Request URLs kept parsed; a few per token, a handful of tokens per session.
_URL_CACHE_SIZE = 16
_ID_KEYS = ("fileid", "fileID", "files")
# 40097 / -501007 name the batch as invalid, often because of one bad ID: split the
# batch in halves to isolate it instead of failing 49 good IDs with it.
_SPLITTABLE_CODES = frozenset({40097, -501007})


_HTTP_STATUS = MessageTemplate("The service answered HTTP {status}")
_HTTP_STATUS_STOP = MessageTemplate("The service answered HTTP {status}. Check the base URL.")
_UNREADABLE = message("The service sent an unreadable (non-JSON or cut) answer")
_BAD_SHAPE = message("The service sent an answer of an unexpected shape")
_BAD_ERRCODE = message("The service sent an answer with an unreadable error code")
_NO_FILE_LIST = message("The service's answer has no file list")
_BAD_REDIRECT = message("The service redirected to an invalid address. Check the base URL.")
_NOT_HTTP_LINK = message("The service returned a link that is not http(s)")
_NO_LINK = message("The service returned no link for this file")
# A batch the service refused as a whole: its reason, errcode and own words.
_BATCH_FAILED = MessageTemplate("{message} (errcode {code})", nested=frozenset({"message"}))
_BATCH_FAILED_DETAIL = MessageTemplate(
    "{message} (errcode {code}: {detail})", nested=frozenset({"message"})
)
NO_ANSWER = message("no answer from the service")
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


def _decode_json(response: httpx.Response) -> dict[str, Any]:
    """The JSON object of a response, or _Transient for anything else (HTML, cut, junk)."""
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
        data = json.loads(response.content)
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


def _as_status(value: object) -> int | None:
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
# The client
# ---------------------------------------------------------------------------------------


class TcbClient:
    """Resolves cloud file IDs to download links through batchdownloadfile."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        token: Credentials | TokenSupplier,
        *,
        base_url: str = DEFAULT_BASE_URL,
        api: ApiMode | str = ApiMode.COMPONENT,
        max_age: int = DEFAULT_MAX_AGE,
        concurrency: int = DEFAULT_CONCURRENCY,
        retry: RetryPolicy | None = None,
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
        self._urls: dict[tuple[str, str], httpx.URL] = {}

    # -- requests --------------------------------------------------------------------

    async def _current_token(self) -> str:
        """The credentials' token for the next request; _Stop when there is none to be had."""
        try:
            return await self.credentials.token()
        except (TokenError, ServiceError) as error:
            raise _Stop(error) from None

    def _url(self, path: str, token: str) -> httpx.URL:
        """The request URL with the token in the query, parsed once per path and token
        (parsing it for each of thousands of requests is measurable)."""
        key = (path, token)
        url = self._urls.get(key)
        if url is None:
            if len(self._urls) >= _URL_CACHE_SIZE:  # tokens replaced many times over
                self._urls.clear()
            url = self._urls[key] = httpx.URL(self.base_url + path, params={"access_token": token})
        return url

    async def _post_json(self, path: str, body: dict[str, Any], token: str) -> dict[str, Any]:
        """One try: POST, then the JSON object answered. _Transient/_Stop on failure."""
        try:
            response = await self._http.post(
                self._url(path, token),
                content=json.dumps(body, ensure_ascii=False).encode("utf-8"),
                headers=_JSON_HEADERS,
            )
        except httpx.TransportError as exc:
            raise _Transient(describe_transport_error(exc)) from None
        except httpx.HTTPError as exc:
            raise _Transient(describe_transport_error(exc)) from None
        except httpx.InvalidURL:
            # httpx builds the next request of any 3xx: an unparsable Location fails here.
            raise _Stop(ServiceError(_BAD_REDIRECT, kind=ErrorKind.REQUEST)) from None
        return _decode_json(response)

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
        status = _as_status(item.get("status"))
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
                link = encode_url(url.strip())
            except UnicodeEncodeError:  # a lone surrogate: no valid URL can hold it
                link = ""
            if link.startswith(("https://", "http://")):
                return LinkResult(fid, True, 0, errmsg or "ok", link, expires)
            return LinkResult(fid, False, status, _NOT_HTTP_LINK, None, None, ErrorKind.FILE)
        if status is None or status == 0:
            return LinkResult(
                fid,
                False,
                status,
                errmsg or _NO_LINK,
                None,
                None,
                ErrorKind.FILE,
            )
        return LinkResult(
            fid, False, status, file_status_message(status, errmsg), None, None, ErrorKind.FILE
        )

    async def _request_batch(self, env: str, batch: list[FileId]) -> list[LinkResult]:
        """Resolve one batch to one result per ID, retrying transient failures."""
        done: list[LinkResult] = []
        try:
            return await self._fill_batch(env, batch, done)
        except _Stop as stop:
            stop.partial = done + stop.partial
            raise

    async def _fill_batch(
        self, env: str, batch: list[FileId], done: list[LinkResult]
    ) -> list[LinkResult]:
        """The retry loop of ``_request_batch``; answers collect in ``done`` as they come."""
        pending = list(batch)
        last_problem = NO_ANSWER
        attempt = 0
        renewed = False  # a fresh token is tried once per request (core.credentials)
        while attempt < self.retry.max_tries:
            if attempt:
                await asyncio.sleep(self.retry.delay(attempt - 1))
            attempt += 1
            body = {
                "env": env,
                "file_list": [{"fileid": f.raw, "max_age": self.max_age} for f in pending],
            }
            token = await self._current_token()
            sent_at = datetime.now(UTC)
            try:
                data = await self._post_json(self.api.cgi_path, body, token)
                code = _errcode(data)
                if code != 0:
                    info = classify_errcode(code)
                    detail = _service_errmsg(data)
                    if info.kind is ErrorKind.RETRYABLE:
                        raise _Transient(info.message)
                    if info.kind is ErrorKind.TOKEN:
                        if not renewed and self.credentials.rejected(token):
                            renewed = True
                            attempt -= 1  # a fresh token is not a try of the batch
                            continue
                        raise _Stop(
                            TokenError(
                                info.message,
                                state=info.token_state or TokenState.INVALID,
                                code=code,
                                detail=detail,
                            )
                        )
                    if info.kind is ErrorKind.CONFIG:
                        raise _Stop(
                            ServiceError(info.message, kind=info.kind, code=code, detail=detail)
                        )
                    if code in _SPLITTABLE_CODES and len(pending) > 1:
                        return done + await self._split(env, pending)
                    message = (
                        _BATCH_FAILED_DETAIL.format(message=info.message, code=code, detail=detail)
                        if detail
                        else _BATCH_FAILED.format(message=info.message, code=code)
                    )
                    kind = ErrorKind.CLIENT if info.kind is ErrorKind.CLIENT else ErrorKind.REQUEST
                    return done + [
                        LinkResult(f, False, None, message, None, None, kind) for f in pending
                    ]
                answer = _parse_answer(data)
            except _Transient as exc:
                last_problem = str(exc)
                log.info("batch of %d in %s: %s (try %d)", len(pending), env, exc, attempt)
                continue
            pending = self._take_answers(pending, answer, sent_at, done)
            if not pending:
                return done
            last_problem = NO_ANSWER_FOR_FILE
        message = GAVE_UP.format(problem=last_problem.rstrip("."), tries=self.retry.max_tries)
        return done + [
            LinkResult(f, False, None, message, None, None, ErrorKind.NETWORK) for f in pending
        ]

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

    async def _split(self, env: str, batch: list[FileId]) -> list[LinkResult]:
        middle = len(batch) // 2
        first = await self._request_batch(env, batch[:middle])
        try:
            second = await self._request_batch(env, batch[middle:])
        except _Stop as stop:
            stop.partial = first + stop.partial
            raise
        return first + second

    async def resolve(self, ids: Sequence[FileId]) -> AsyncGenerator[list[LinkResult], None]:
        """Yield each request's results as it completes (see the module docstring).

        Stops with TokenError or ServiceError (``.unresolved`` = IDs without a result)
        when the token or the account cannot go on.
        """
        batches = self._batches(ids)
        if not batches:
            return
        queue: asyncio.Queue[tuple[str, list[FileId]]] = asyncio.Queue()
        for batch in batches:
            queue.put_nowait(batch)
        results: asyncio.Queue[list[LinkResult] | _Stop] = asyncio.Queue()

        async def worker() -> None:
            while True:
                try:
                    env, batch = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                try:
                    results.put_nowait(await self._request_batch(env, batch))
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
                    # Batches that finished while we were stopping are still good.
                    while not results.empty():
                        late = results.get_nowait()
                        if isinstance(late, list):
                            answered.update(r.fileid.raw for r in late)
                            yield late
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
        """Ask quota/get whether the token works for this API, and today's quota."""
        now = datetime.now(UTC)
        tries = 2  # a quick check: one retry for a blip, the badge can be refreshed any time
        problem = ""
        for attempt in range(tries):
            if attempt:
                await asyncio.sleep(self.retry.delay(0))
            try:
                token = await self.credentials.token()
            except TokenError as error:
                return TokenCheck(error.state, error.message, now, None, error.code)
            except ServiceError as error:
                return TokenCheck(
                    TokenState.UNREACHABLE, error.message, datetime.now(UTC), None, error.code
                )
            try:
                data = await self._post_json(QUOTA_PATH, {"cgi_path": self.api.cgi_path}, token)
                code = _errcode(data)
            except _Transient as exc:
                problem = str(exc)
                continue
            except _Stop as stop:
                return TokenCheck(
                    TokenState.UNREACHABLE, stop.error.message, datetime.now(UTC), None, None
                )
            checked = datetime.now(UTC)
            if code == 0:
                return TokenCheck(
                    TokenState.VALID,
                    TOKEN_WORKS,
                    checked,
                    _parse_quota(data.get("quota")),
                    0,
                )
            info = classify_errcode(code)
            if info.token_state is not None:
                return TokenCheck(info.token_state, info.message, checked, None, code)
            if info.kind is ErrorKind.RETRYABLE:
                problem = info.message
                continue
            detail = _service_errmsg(data)
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


_BAD_MAX_AGE = MessageTemplate("max age must be {low}..{high} seconds")
_BAD_CONCURRENCY = MessageTemplate("concurrency must be 1..{high}")


def _parse_quota(value: object) -> Quota | None:
    if not isinstance(value, dict):
        return None
    numbers = [_as_status(value.get(k)) for k in ("daily_limit", "used", "remain")]
    if any(n is None for n in numbers):
        return None
    daily_limit, used, remain = (int(n or 0) for n in numbers)
    return Quota(daily_limit, used, remain)


async def _cancel_all(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
