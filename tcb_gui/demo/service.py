"""A local stand-in of the WeChat CloudBase storage API (docs/WECHAT_API.md), as an ASGI app.

It speaks the real protocol at the real paths relative to its base URL:

* ``POST /componenttcb/batchdownloadfile`` and ``POST /tcb/batchdownloadfile``
  (``?access_token=``; body ``{"env", "file_list": [{"fileid", "max_age"}]}``);
* ``POST /cgi-bin/openapi/quota/get`` (body ``{"cgi_path"}``);
* ``POST /cgi-bin/stable_token`` (body ``{"grant_type": "client_credential", "appid",
  "secret", "force_refresh"}``): mini program mode. With ``DEMO_APPID`` and
  ``DEMO_APPSECRET`` it issues ``tcb`` tokens that expire after
  ``DemoConfig.stable_token_expires_in`` on the demo's clock. Like the real stable token
  (the getStableAccessToken docs): a normal call returns the same token while it has more
  than ``stable_token_renew_before`` seconds left, else a new one (the old one stays valid
  until its own expiry); ``force_refresh`` issues a new token at once (the previous one
  keeps at most ``FORCE_REFRESH_GRACE_S``, older ones end), at most
  ``FORCE_REFRESH_DAILY_LIMIT`` a day and not within ``FORCE_REFRESH_MIN_INTERVAL_S`` of
  the last one (then the current token comes back unchanged). Errors: 40002 grant_type,
  41002/41004 appid/secret missing, 40013 wrong appid, 40125 wrong secret, 40164 when
  ``DemoState.ip_allowlisted`` is False, 45009 past ``stable_token_daily_limit`` calls
  (or past the daily force refreshes: the demo's guess, the docs name no code for it);
* ``GET|HEAD /download/<bucket>/<key>?sign=…&t=…`` — the "CDN" behind the links it hands
  out, with Range, ETag and If-Range, answering 403 once a link is past its ``max_age``.

**What ``tcb-gui doctor`` checks**, switched on in ``DemoConfig``: ``deny_ip`` (40164 from
stable_token and from every call with an access token, errmsg naming ``reported_ip`` or
the caller's address), ``used_at_start`` (today's quota already used: equal to
``daily_limit``, quota/get answers ``remain: 0`` and batchdownloadfile 45009),
``clock_skew_s`` (every answer's ``Date`` header is the demo's clock plus this). A token
of the other family answers as the docs say (WECHAT_API.md #tokens, #quota): 48001 from
the other family's batchdownloadfile, 76022 from quota/get for the other family's
``cgi_path``.

Like WeChat, every errcode answer is HTTP 200 with ``{"errcode", "errmsg"}``, and errmsg
carries a varying ``rid`` suffix, so clients must match on the number.

**Download links** come back unencoded, as the real service does: raw spaces, Chinese,
``+&=;,@$``, even ``?`` and ``#`` from the key. The download route rebuilds the request
target from the raw path and query string, takes everything before the last ``?sign=``
as the key, and percent-decodes it once (UTF-8). So it accepts a key sent raw, encoded
like JavaScript ``encodeURI`` (``%20``, ``%E5…``; ``?`` left raw) or fully encoded
(``%3F``). A ``#`` must arrive as ``%23``: a raw ``#`` starts the URL fragment, which
clients never send, so such a link cannot work unencoded (same as on the real CDN).
A ``%`` in a key must arrive as ``%25``, and ``.``/``..`` path segments as ``%2E``/``%2E%2E``
(clients remove raw dot segments, RFC 3986 §5.2.4).

**Faults.** API calls (``batchdownloadfile``, ``quota``) fail at ``DemoConfig.fault_rate``
(seeded) or as scripted with ``DemoState.script_faults`` (endpoints
``batchdownloadfile``, ``quota``, ``stable_token``); what an httpx client observes:

* ``html502`` — HTTP 502, ``text/html`` gateway error page.
* ``errcode-1`` — HTTP 200, ``{"errcode": -1, "errmsg": "system error"}``.
* ``drop`` — over TCP (``DemoServer``): the connection is reset (RST) after the request
  was read and before any byte of a response; httpx raises ``httpx.ReadError``
  (``RemoteProtocolError`` on some platforms). In-process (``httpx.ASGITransport``) the
  app raises ``DemoConnectionReset``, an ``httpx.ReadError``.
* ``truncated`` — HTTP 200, ``application/json``, a complete HTTP message whose JSON text
  stops halfway (Content-Length matches the cut body): the JSON fails to parse.
* ``slow`` — the normal answer, after ``DemoConfig.slow_seconds``; httpx raises
  ``httpx.ReadTimeout`` if its read timeout is shorter (over TCP only: ASGITransport
  applies no timeouts).

Download faults (the next GET downloads as scripted, and the first GET of a file chosen
by ``download_cut_rate``): ``cut`` (Content-Length of the full answer, then the
connection closes after about half of it: httpx raises ``RemoteProtocolError``
"peer closed connection without sending complete message body"; in-process the app
raises ``DemoIncompleteBody``, a ``RemoteProtocolError``), ``html200`` (200 with an HTML
error page instead of the file), ``html404`` (404 HTML page), ``403`` (403 XML
AccessDenied, as if the link had expired), ``500`` (500 XML InternalError), ``badcrc``
(the file as it is, with a wrong ``x-cos-hash-crc64ecma``).

Like COS, every download answer (200, 206, HEAD) carries ``x-cos-hash-crc64ecma``: the
CRC-64/XZ of the whole file, in decimal.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import ipaddress
import json
import mimetypes
import random
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any, Literal, Protocol
from urllib.parse import parse_qs, unquote_to_bytes
from xml.sax.saxutils import escape

import httpx
from fastcrc import crc64
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send

from tcb_gui.demo import samples

DEMO_TOKEN = "demo-component-token"
DEMO_TCB_TOKEN = "demo-tcb-token"
EXPIRED_TOKEN = "demo-expired-token"
# Mini program credentials of the demo, shaped like real ones: an AppID is "wx" and 16 hex
# digits, an AppSecret 32 hex digits.
DEMO_APPID = "wxdec0de0000000001"
DEMO_APPSECRET = "dec0de5ec7e70000000000000000cafe"
# Tokens the demo's stable_token endpoint issues start with this.
STABLE_TOKEN_PREFIX = "demo-stable-"

ApiKind = Literal["component", "tcb"]
COMPONENT: ApiKind = "component"
TCB: ApiKind = "tcb"

COMPONENT_PATH = "/componenttcb/batchdownloadfile"
TCB_PATH = "/tcb/batchdownloadfile"
QUOTA_PATH = "/cgi-bin/openapi/quota/get"
STABLE_TOKEN_PATH = "/cgi-bin/stable_token"
DOWNLOAD_PREFIX = "/download/"

# cgi_paths quota/get knows (docs/WECHAT_API.md), with the token kind each belongs to.
KNOWN_CGI_PATHS: dict[str, ApiKind] = {
    "/componenttcb/batchdownloadfile": COMPONENT,
    "/componenttcb/batchdeletefile": COMPONENT,
    "/componenttcb/uploadfile": COMPONENT,
    "/tcb/batchdownloadfile": TCB,
    "/tcb/batchdeletefile": TCB,
    "/tcb/uploadfile": TCB,
}

# "一次最多 50 个" — official batchdownloadfile docs; the service rejects 51.
MAX_FILES_PER_REQUEST = 50
# max_age in seconds: old docs give one day as default and maximum.
MIN_MAX_AGE = 1
MAX_MAX_AGE = 86_400
# A batch of 50 IDs is a few KB; anything near this is not a real client.
MAX_API_BODY = 1 << 20

API_FAULT_KINDS: tuple[str, ...] = ("html502", "errcode-1", "drop", "truncated", "slow")
DOWNLOAD_FAULT_KINDS: tuple[str, ...] = ("cut", "html200", "html404", "403", "500", "badcrc")
# COS's header with the CRC-64/XZ (ECMA-182) of the whole object, decimal.
CRC64_HEADER = b"x-cos-hash-crc64ecma"
FAULT_ENDPOINTS: dict[str, tuple[str, ...]] = {
    "batchdownloadfile": API_FAULT_KINDS,
    "quota": API_FAULT_KINDS,
    "stable_token": API_FAULT_KINDS,
    "download": DOWNLOAD_FAULT_KINDS,
}

# getStableAccessToken docs: tokens live at most 7200 s; in normal mode the platform hands
# out a new token in the last 5 minutes of the old one's life (so expires_in >= 300).
STABLE_TOKEN_LIFETIME_S = 7200
STABLE_TOKEN_RENEW_BEFORE_S = 300
# Same docs: 10,000 calls a minute and 500,000 a day; force_refresh at most 20 a day and
# at least 30 s apart ("否则不会刷新"); old and new tokens overlap for 5 minutes.
STABLE_TOKEN_DAILY_LIMIT = 500_000
FORCE_REFRESH_DAILY_LIMIT = 20
FORCE_REFRESH_MIN_INTERVAL_S = 30.0
FORCE_REFRESH_GRACE_S = 300.0

# Per-file answers (docs/WECHAT_API.md; the misspelling is the service's own).
STATUS_OK = 0
STATUS_NONEXIST = -503003
STATUS_NO_PERMISSION = -503002
STATUS_INVALID_ENV = -501005

# A skew beyond a year is a typo, not a test.
MAX_CLOCK_SKEW_S = 366 * 86_400.0

_JSON = b"application/json; encoding=utf-8"  # what api.weixin.qq.com sends
_XML = b"application/xml"
_HTML = b"text/html; charset=utf-8"


@dataclass(frozen=True, slots=True)
class DemoConfig:
    """Switches of the demo service. Rates are fractions 0..1, drawn from ``seed``."""

    latency_ms: float = 0
    fault_rate: float = 0.0
    fault_kinds: tuple[str, ...] = API_FAULT_KINDS
    download_cut_rate: float = 0.0
    range_support: bool = True
    daily_limit: int = 1_000_000
    seed: int = 0
    # How long a "slow" fault holds its answer; a few seconds exercises client timeouts.
    slow_seconds: float = 3.0
    # Where download links point instead of this service's own download route, e.g. a
    # static server (nginx) holding the files under ``/download/<bucket>/<key>``: lets
    # benchmarks measure a neutral server. None: the service's own base URL.
    download_base_url: str | None = None
    # cgi-bin/stable_token: the life of the tokens it issues, how long before their end a
    # normal call gets a new one, and calls allowed (tests make all of them small).
    stable_token_expires_in: int = STABLE_TOKEN_LIFETIME_S
    stable_token_renew_before: int = STABLE_TOKEN_RENEW_BEFORE_S
    stable_token_daily_limit: int = STABLE_TOKEN_DAILY_LIMIT
    # What ``tcb-gui doctor`` checks, made to go wrong on purpose:
    # calls already counted against ``daily_limit`` when the service starts (equal to it:
    # today's quota is used up, quota/get says remain 0, batchdownloadfile answers 45009);
    used_at_start: int = 0
    # seconds the service's clock (its ``Date`` header) is ahead of this machine's
    # (negative: behind);
    clock_skew_s: float = 0.0
    # the caller's IP is not on the allowlist: stable_token and every call with an access
    # token answer 40164, whose errmsg names ``reported_ip`` (default: the caller's own
    # address, as the service sees it).
    deny_ip: bool = False
    reported_ip: str | None = None

    def __post_init__(self) -> None:
        if self.latency_ms < 0 or self.slow_seconds < 0:
            raise ValueError("latency_ms and slow_seconds must not be negative")
        for name in ("fault_rate", "download_cut_rate"):
            rate = getattr(self, name)
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, not {rate}")
        unknown = set(self.fault_kinds) - set(API_FAULT_KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}; known: {API_FAULT_KINDS}")
        if self.fault_rate > 0 and not self.fault_kinds:
            raise ValueError("fault_rate > 0 needs at least one fault kind")
        if self.daily_limit < 0 or self.stable_token_daily_limit < 0:
            raise ValueError("daily limits must not be negative")
        if not 0 <= self.used_at_start <= self.daily_limit:
            raise ValueError("used_at_start must be 0..daily_limit")
        if abs(self.clock_skew_s) > MAX_CLOCK_SKEW_S:
            raise ValueError(f"clock_skew_s must be within ±{MAX_CLOCK_SKEW_S:.0f} seconds")
        if self.reported_ip is not None:
            try:
                ipaddress.ip_address(self.reported_ip)
            except ValueError:
                wrong = self.reported_ip
                raise ValueError(f"reported_ip is not an IP address: {wrong!r}") from None
        if self.stable_token_expires_in < 1:
            raise ValueError("stable_token_expires_in must be at least 1 second")
        if not 0 <= self.stable_token_renew_before < self.stable_token_expires_in:
            raise ValueError("stable_token_renew_before must be 0..stable_token_expires_in - 1")
        base = self.download_base_url
        if base is not None and (
            not base.startswith(("http://", "https://")) or base.endswith("/") or "?" in base
        ):
            raise ValueError(
                f"download_base_url must be an http(s) URL without a trailing '/' or query, "
                f"not {base!r}"
            )


@dataclass(frozen=True, slots=True)
class DownloadRecord:
    """One request to the download route, as the service saw and answered it."""

    method: str
    bucket: str
    key: str
    range: str | None  # the Range header as sent
    if_range: str | None
    status: int
    fault: str | None


@dataclass(slots=True)
class DemoStats:
    """What the service saw; tests and benchmarks read it."""

    # Requests per endpoint: "componenttcb/batchdownloadfile", "tcb/batchdownloadfile",
    # "quota/get", "stable_token", "download".
    requests: Counter[str] = field(default_factory=Counter)
    # Number of file_list items of each batchdownloadfile request that had a list.
    batch_sizes: list[int] = field(default_factory=list)
    in_flight: int = 0  # batchdownloadfile requests being handled now
    max_in_flight: int = 0
    faults: Counter[str] = field(default_factory=Counter)  # faults served, by kind
    downloads: list[DownloadRecord] = field(default_factory=list)


class ConnectionControl(Protocol):
    """Access to the TCP connection a request came on; provided by the server (DemoServer)."""

    def reset(self, scope: Scope) -> bool:
        """Abort the connection with a TCP reset now; False if it cannot be found."""
        ...

    def close(self, scope: Scope) -> bool:
        """Close the connection after what was sent is flushed; False if not found."""
        ...


class DemoConnectionReset(httpx.ReadError):
    """In-process stand-in for a connection reset (the ``drop`` fault under ASGITransport)."""


class DemoIncompleteBody(httpx.RemoteProtocolError):
    """In-process stand-in for a body cut midway (the ``cut`` fault under ASGITransport)."""


class DemoState:
    """Config, clock, tokens, quota, scripted faults and counters of one demo service."""

    def __init__(
        self, config: DemoConfig | None = None, now: Callable[[], float] = time.time
    ) -> None:
        self.config = config if config is not None else DemoConfig()
        self.now = now
        self.stats = DemoStats()
        # batchdownloadfile calls counted against daily_limit
        self.used = self.config.used_at_start
        self.tokens: dict[str, ApiKind] = {DEMO_TOKEN: COMPONENT, DEMO_TCB_TOKEN: TCB}
        self.expired: set[str] = {EXPIRED_TOKEN}
        # Tokens that end at a time on the demo's clock (those stable_token issued).
        self.token_expiry: dict[str, float] = {}
        # Mini program mode: the credentials stable_token accepts (a test may "reset the
        # AppSecret"), whether the caller's IP is on the allowlist, and what was issued.
        self.appid = DEMO_APPID
        self.app_secret = DEMO_APPSECRET
        self.ip_allowlisted = not self.config.deny_ip
        # Whether calls with an access token (batchdownloadfile, quota/get) are accepted
        # from the caller's IP; ``ip_allowlisted`` is the same for stable_token.
        self.api_ip_allowlisted = not self.config.deny_ip
        self.stable_token: str | None = None  # the newest token issued
        self.stable_token_calls = 0  # counted against stable_token_daily_limit
        self.force_refreshes = 0
        self.last_force_refresh: float | None = None
        self._issued = 0
        # Set by the server that runs the app; None in-process.
        self.connections: ConnectionControl | None = None
        self._scripted: dict[str, deque[str]] = {name: deque() for name in FAULT_ENDPOINTS}
        self._fault_rng = random.Random(self.config.seed)
        self._shuffle_rng = random.Random(self.config.seed + 1)
        self._cut_done: set[tuple[str, str]] = set()
        self._rid = 0
        seed_bytes = str(self.config.seed).encode()
        self._sign_key = hashlib.blake2b(b"tcb-gui demo link signing key:" + seed_bytes).digest()

    # -- what tests call ------------------------------------------------------------------

    def script_faults(self, endpoint: str, kinds: Iterable[str]) -> None:
        """Make the next calls to ``endpoint`` fail in exactly these ways, in order."""
        allowed = FAULT_ENDPOINTS.get(endpoint)
        if allowed is None:
            raise ValueError(f"unknown endpoint {endpoint!r}; known: {sorted(FAULT_ENDPOINTS)}")
        kinds = list(kinds)
        wrong = [k for k in kinds if k not in allowed]
        if wrong:
            raise ValueError(f"{endpoint} cannot fail as {wrong}; known: {allowed}")
        self._scripted[endpoint].extend(kinds)

    def pending_faults(self, endpoint: str) -> list[str]:
        return list(self._scripted[endpoint])

    def expire_token(self, token: str) -> None:
        self.expired.add(token)

    def add_token(self, token: str, api: ApiKind) -> None:
        if api not in (COMPONENT, TCB):
            raise ValueError(f"api must be 'component' or 'tcb', not {api!r}")
        self.tokens[token] = api
        self.expired.discard(token)

    def issue_stable_token(self) -> str:
        """A new ``tcb`` token that ends ``stable_token_expires_in`` from now."""
        self._issued += 1
        tail = hashlib.blake2b(
            b"stable token %d" % self._issued, key=self._sign_key, digest_size=18
        ).hexdigest()
        token = f"{STABLE_TOKEN_PREFIX}{self._issued}-{tail}"
        self.add_token(token, TCB)
        self.token_expiry[token] = self.now() + self.config.stable_token_expires_in
        self.stable_token = token
        return token

    def sign(self, bucket: str, key: str, expires: int) -> str:
        """The ``sign`` of a download link (HMAC of bucket, key and expiry)."""
        message = f"{bucket}\n{key}\n{expires}".encode("utf-8", "surrogatepass")
        # Keyed BLAKE2 is a MAC by design, and one C call: links are cheap to sign.
        return hashlib.blake2b(message, key=self._sign_key, digest_size=16).hexdigest()

    # -- used by the app ------------------------------------------------------------------

    def next_fault(self, endpoint: str) -> str | None:
        scripted = self._scripted[endpoint]
        if scripted:
            return scripted.popleft()
        rate = self.config.fault_rate
        if endpoint != "download" and rate > 0 and self._fault_rng.random() < rate:
            return self._fault_rng.choice(self.config.fault_kinds)
        return None

    def should_cut(self, bucket: str, key: str) -> bool:
        """Whether this file's first download is cut (deterministic per file and seed)."""
        rate = self.config.download_cut_rate
        if rate <= 0 or (bucket, key) in self._cut_done:
            return False
        name = f"{self.config.seed}\n{bucket}\n{key}".encode("utf-8", "surrogatepass")
        draw = int.from_bytes(hashlib.blake2b(name, digest_size=8).digest(), "little")
        return draw < rate * (1 << 64)

    def mark_cut(self, bucket: str, key: str) -> None:
        self._cut_done.add((bucket, key))

    def shuffled(self, count: int) -> list[int]:
        """A seeded permutation of ``range(count)``; never the identity for count > 1."""
        order = list(range(count))
        self._shuffle_rng.shuffle(order)
        if count > 1 and order == sorted(order):
            order = order[1:] + order[:1]
        return order

    def rid(self) -> str:
        """A request id like the suffix WeChat appends to every errmsg."""
        self._rid += 1
        return hashlib.blake2b(b"%d" % self._rid, digest_size=12).hexdigest()


def create_app(state: DemoState | None = None) -> Starlette:
    """The demo service as an ASGI app; its state is ``app.state.demo``."""
    demo = state if state is not None else DemoState()
    api = _Api(demo)
    download = _Download(demo)
    routes = [
        Route(COMPONENT_PATH, _Endpoint(api.batch_component)),
        Route(TCB_PATH, _Endpoint(api.batch_tcb)),
        Route(QUOTA_PATH, _Endpoint(api.quota)),
        Route(STABLE_TOKEN_PATH, _Endpoint(api.stable_token)),
        Route(DOWNLOAD_PREFIX + "{rest:path}", _Endpoint(download)),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(_DateHeader, state=demo)])
    app.state.demo = demo
    return app


class _DateHeader:
    """Every answer carries ``Date`` from the demo's clock plus ``clock_skew_s``, as the
    real service's answers carry its own time (``tcb-gui doctor`` compares clocks)."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], state: DemoState):
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_dated(message: Message) -> None:
            if message["type"] == "http.response.start":
                stamp = self.state.now() + self.state.config.clock_skew_s
                date = formatdate(stamp, usegmt=True).encode("ascii")
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"date"]
                message = {**message, "headers": [*headers, (b"date", date)]}
            await send(message)

        await self.app(scope, receive, send_dated)


# -- plumbing -------------------------------------------------------------------------------

Handler = Callable[[Scope, Receive, Send], Awaitable[None]]


class _Endpoint:
    """Wraps a coroutine function so Starlette routes to it as a raw ASGI app."""

    __slots__ = ("_handler",)

    def __init__(self, handler: Handler) -> None:
        self._handler = handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._handler(scope, receive, send)


async def _respond(
    send: Send,
    status: int,
    body: bytes,
    content_type: bytes,
    extra: Iterable[tuple[bytes, bytes]] = (),
) -> None:
    headers = [
        (b"content-type", content_type),
        (b"content-length", str(len(body)).encode()),
        *extra,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The request body, or None if it exceeds ``limit``."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message: Message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _wait_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


def _dump(payload: Mapping[str, Any]) -> bytes:
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate echoed from a hostile request
        return json.dumps(payload, separators=(",", ":")).encode("ascii")


def _html_page(status: int, title: str) -> bytes:
    return (
        f"<html>\r\n<head><title>{status} {title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{status} {title}</h1></center>\r\n<hr><center>stgw</center>\r\n"
        "</body>\r\n</html>\r\n"
    ).encode()


def _xml_error(code: str, message: str, resource: str, request_id: str) -> bytes:
    return (
        "<?xml version='1.0' encoding='utf-8' ?>\n<Error>\n"
        f"\t<Code>{escape(code)}</Code>\n\t<Message>{escape(message)}</Message>\n"
        f"\t<Resource>{escape(resource)}</Resource>\n\t<RequestId>{request_id}</RequestId>\n"
        "</Error>\n"
    ).encode("utf-8", "surrogatepass")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def _base_url(scope: Scope) -> str:
    """The service's own base URL as the client addressed it (for download links)."""
    host = _header(scope, b"host")
    if not host:
        server = scope.get("server") or ("127.0.0.1", 80)
        host = f"[{server[0]}]:{server[1]}" if ":" in server[0] else f"{server[0]}:{server[1]}"
    return f"{scope.get('scheme', 'http')}://{host}"


class _ApiError(Exception):
    """A whole-request errcode answer."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(errcode, errmsg)
        self.errcode = errcode
        self.errmsg = errmsg


# -- the API ---------------------------------------------------------------------------------


class _Api:
    def __init__(self, state: DemoState) -> None:
        self.state = state

    async def batch_component(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._batch(scope, receive, send, COMPONENT, "componenttcb/batchdownloadfile")

    async def batch_tcb(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._batch(scope, receive, send, TCB, "tcb/batchdownloadfile")

    async def _batch(
        self, scope: Scope, receive: Receive, send: Send, api: ApiKind, name: str
    ) -> None:
        state = self.state
        stats = state.stats
        stats.requests[name] += 1
        stats.in_flight += 1
        stats.max_in_flight = max(stats.max_in_flight, stats.in_flight)
        try:
            await self._serve(scope, receive, send, "batchdownloadfile", api)
        finally:
            stats.in_flight -= 1

    async def quota(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.state.stats.requests["quota/get"] += 1
        await self._serve(scope, receive, send, "quota", None)

    async def stable_token(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.state.stats.requests["stable_token"] += 1
        await self._serve(scope, receive, send, "stable_token", None)

    async def _serve(
        self, scope: Scope, receive: Receive, send: Send, endpoint: str, api: ApiKind | None
    ) -> None:
        state = self.state
        if scope["method"] != "POST":
            await self._answer(send, {"errcode": 43002, "errmsg": self._msg("require POST method")})
            return
        body = await _read_body(receive, MAX_API_BODY)
        if state.config.latency_ms > 0:
            await asyncio.sleep(state.config.latency_ms / 1000)
        fault = state.next_fault(endpoint)
        if fault is not None:
            state.stats.faults[fault] += 1
        if fault == "drop":
            await self._drop(scope, receive)
            return
        if fault == "html502":
            await _respond(send, 502, _html_page(502, "Bad Gateway"), _HTML)
            return
        if fault == "errcode-1":
            await self._answer(send, {"errcode": -1, "errmsg": "system error"})
            return
        try:
            if endpoint == "stable_token":
                if body is None:
                    raise _ApiError(40097, "invalid args, hint: request body too large")
                payload = self._stable_token_answer(scope, body)
            else:
                payload = self._token_answer(scope, body, api)
        except _ApiError as error:
            payload = {"errcode": error.errcode, "errmsg": self._msg(error.errmsg)}
        if fault == "slow":
            await asyncio.sleep(state.config.slow_seconds)
        encoded = _dump(payload)
        if fault == "truncated":
            encoded = encoded[: len(encoded) // 2]
        await _respond(send, 200, encoded, _JSON)

    def _ip_refused(self, scope: Scope) -> _ApiError:
        """40164, naming the address the service saw (as the real errmsg does)."""
        ip = self.state.config.reported_ip or (scope.get("client") or ("127.0.0.1", 0))[0]
        mapped = ip if ":" in ip else f"::ffff:{ip}"
        return _ApiError(40164, f"invalid ip {ip} ipv6 {mapped}, not in whitelist")

    def _token_answer(
        self, scope: Scope, body: bytes | None, api: ApiKind | None
    ) -> dict[str, Any]:
        """The answer of an endpoint called with ``?access_token=`` (batch or quota)."""
        token = self._token(scope)
        if not self.state.api_ip_allowlisted:
            raise self._ip_refused(scope)
        if body is None:
            raise _ApiError(40097, "invalid args, hint: request body too large")
        if api is not None:
            return self._batch_answer(scope, token, api, body)
        return self._quota_answer(token, body)

    def _stable_token_answer(self, scope: Scope, body: bytes) -> dict[str, Any]:
        """cgi-bin/stable_token: a mini program access_token for appid + secret."""
        state = self.state
        data = self._json_object(body)
        if data.get("grant_type") != "client_credential":
            raise _ApiError(40002, "invalid grant_type")
        appid, secret = data.get("appid"), data.get("secret")
        if appid is None or appid == "":
            raise _ApiError(41002, "appid missing")
        if secret is None or secret == "":
            raise _ApiError(41004, "appsecret missing")
        if appid != state.appid:
            raise _ApiError(40013, "invalid appid")
        if secret != state.app_secret:
            raise _ApiError(40125, "invalid appsecret")
        if not state.ip_allowlisted:
            raise self._ip_refused(scope)
        force = data.get("force_refresh", False)
        if not isinstance(force, bool):
            raise _ApiError(40097, "invalid args, hint: force_refresh must be a boolean")
        config = state.config
        if state.stable_token_calls >= config.stable_token_daily_limit:
            raise _ApiError(45009, "reach max api daily quota limit")
        state.stable_token_calls += 1
        now = state.now()
        token = state.stable_token
        left = state.token_expiry[token] - now if token is not None else 0.0
        if force:
            recent = state.last_force_refresh
            if (
                token is not None
                and recent is not None
                and now - recent < (FORCE_REFRESH_MIN_INTERVAL_S)
            ):
                pass  # "否则不会刷新": too soon after the last one, nothing changes
            elif state.force_refreshes >= FORCE_REFRESH_DAILY_LIMIT:
                raise _ApiError(45009, "reach max api daily quota limit (force_refresh)")
            else:
                state.force_refreshes += 1
                state.last_force_refresh = now
                self._retire_stable_tokens(now)
                token = state.issue_stable_token()
        elif token is None or left <= config.stable_token_renew_before:
            token = state.issue_stable_token()  # the old one keeps its own expiry
        assert token is not None
        expires_in = max(1, int(state.token_expiry[token] - now))
        return {"access_token": token, "expires_in": expires_in}

    def _retire_stable_tokens(self, now: float) -> None:
        """Before a forced refresh: the newest token gets a short grace, older ones end."""
        state = self.state
        for token, expiry in state.token_expiry.items():
            if not token.startswith(STABLE_TOKEN_PREFIX) or expiry <= now:
                continue
            if token == state.stable_token:
                state.token_expiry[token] = min(expiry, now + FORCE_REFRESH_GRACE_S)
            else:
                state.token_expiry[token] = now

    async def _answer(self, send: Send, payload: Mapping[str, Any]) -> None:
        await _respond(send, 200, _dump(payload), _JSON)

    async def _drop(self, scope: Scope, receive: Receive) -> None:
        connections = self.state.connections
        if connections is not None and connections.reset(scope):
            # Return only once the server has seen the connection go, so it does not
            # complain that the app sent no response.
            await _wait_disconnect(receive)
            return
        raise DemoConnectionReset("[Errno 104] Connection reset by peer (demo fault: drop)")

    def _msg(self, text: str) -> str:
        return f"{text} rid: {self.state.rid()}"

    def _token(self, scope: Scope) -> str:
        """The access_token of the query string; a missing one answers 41001."""
        query = parse_qs(bytes(scope.get("query_string", b"")).decode("latin-1"))
        values = query.get("access_token")
        if not values or not values[0]:
            raise _ApiError(41001, "access_token missing")
        return values[0]

    def _token_kind(self, token: str) -> ApiKind:
        """The API family of a known, unexpired token; 42001 or 40001 otherwise."""
        state = self.state
        if token in state.expired:
            raise _ApiError(42001, "access_token expired")
        expiry = state.token_expiry.get(token)
        if expiry is not None and state.now() >= expiry:
            raise _ApiError(42001, "access_token expired")
        kind = state.tokens.get(token)
        if kind is None:
            raise _ApiError(40001, "invalid credential, access_token is invalid or not latest")
        return kind

    @staticmethod
    def _json_object(body: bytes) -> dict[str, Any]:
        if not body.strip():
            raise _ApiError(44002, "empty post data")
        try:
            data = json.loads(body)
        except ValueError:  # also UnicodeDecodeError
            raise _ApiError(47001, "data format error") from None
        if not isinstance(data, dict):
            raise _ApiError(47001, "data format error")
        return data

    def _quota_answer(self, token: str, body: bytes) -> dict[str, Any]:
        state = self.state
        kind = self._token_kind(token)
        cgi_path = self._json_object(body).get("cgi_path")
        if cgi_path is None or cgi_path == "":
            raise _ApiError(40101, "missing parameter, hint: [cgi_path]")
        api = KNOWN_CGI_PATHS.get(cgi_path) if isinstance(cgi_path, str) else None
        if api is None:
            raise _ApiError(76021, "cgi_path not found, please check")
        if api != kind:
            raise _ApiError(76022, "could not use this cgi_path, no permission")
        limit = state.config.daily_limit
        quota = {"daily_limit": limit, "used": state.used, "remain": max(0, limit - state.used)}
        return {"errcode": 0, "errmsg": "ok", "quota": quota}

    def _batch_answer(self, scope: Scope, token: str, api: ApiKind, body: bytes) -> dict[str, Any]:
        state = self.state
        if self._token_kind(token) != api:
            raise _ApiError(48001, "api unauthorized")
        if state.used >= state.config.daily_limit:
            raise _ApiError(45009, "reach max api daily quota limit")
        state.used += 1
        data = self._json_object(body)
        env = data.get("env")
        file_list = data.get("file_list")
        if isinstance(file_list, list):
            state.stats.batch_sizes.append(len(file_list))
        if env is None or env == "" or file_list is None:
            missing = "env" if env is None or env == "" else "file_list"
            raise _ApiError(40101, f"missing parameter, hint: [{missing}]")
        if not isinstance(env, str) or not isinstance(file_list, list):
            raise _ApiError(40097, "invalid args, hint: env must be a string, file_list a list")
        if not file_list:
            raise _ApiError(40097, "invalid args, hint: file_list is empty")
        if len(file_list) > MAX_FILES_PER_REQUEST:
            raise _ApiError(
                40097,
                f"invalid args, hint: file_list can contain at most {MAX_FILES_PER_REQUEST} "
                f"items, got {len(file_list)}",
            )
        requests: list[tuple[str, tuple[str, str, str], int]] = []
        for item in file_list:
            if not isinstance(item, dict):
                raise _ApiError(40097, "invalid args, hint: file_list items must be objects")
            fileid = item.get("fileid")
            max_age = item.get("max_age")
            if not isinstance(fileid, str) or not fileid:
                raise _ApiError(40097, "invalid args, hint: fileid missing or not a string")
            parts = _split_fileid(fileid)
            if parts is None:
                raise _ApiError(40097, "invalid args, hint: invalid fileid")
            if (
                not isinstance(max_age, int)
                or isinstance(max_age, bool)
                or not MIN_MAX_AGE <= max_age <= MAX_MAX_AGE
            ):
                raise _ApiError(
                    40097, f"invalid args, hint: max_age must be {MIN_MAX_AGE}..{MAX_MAX_AGE}"
                )
            requests.append((fileid, parts, max_age))
        demo_env = samples.env_by_name(env)
        if demo_env is None:
            raise _ApiError(-501005, "invalid env")
        base = state.config.download_base_url or _base_url(scope)
        now = state.now()
        answers = [
            self._file_answer(demo_env, fid, parts, age, base, now) for fid, parts, age in requests
        ]
        order = state.shuffled(len(answers))
        return {"errcode": 0, "errmsg": "ok", "file_list": [answers[i] for i in order]}

    def _file_answer(
        self,
        env: samples.DemoEnv,
        fileid: str,
        parts: tuple[str, str, str],
        max_age: int,
        base: str,
        now: float,
    ) -> dict[str, Any]:
        id_env, bucket, key = parts
        if id_env != env.env or bucket != env.bucket:
            return _failed(fileid, STATUS_INVALID_ENV, "INVALIID_ENV")
        if samples.is_private(key):
            return _failed(fileid, STATUS_NO_PERMISSION, "STORAGE_EXCEED_AUTHORITY")
        if samples.file_size(bucket, key) is None:
            return _failed(fileid, STATUS_NONEXIST, "STORAGE_FILE_NONEXIST")
        expires = int(now) + max_age
        sign = self.state.sign(bucket, key, expires)
        url = f"{base}{DOWNLOAD_PREFIX}{bucket}/{key}?sign={sign}&t={expires}"
        return {"fileid": fileid, "download_url": url, "status": STATUS_OK, "errmsg": "ok"}


def _failed(fileid: str, status: int, errmsg: str) -> dict[str, Any]:
    return {"fileid": fileid, "download_url": "", "status": status, "errmsg": errmsg}


def _split_fileid(fileid: str) -> tuple[str, str, str] | None:
    """(env, bucket, key) of ``cloud://env.bucket/key``, or None if it is not one."""
    if not fileid.startswith(samples.SCHEME):
        return None
    host, slash, key = fileid[len(samples.SCHEME) :].partition("/")
    env, dot, bucket = host.partition(".")
    if not (slash and key and dot and env and bucket):
        return None
    return env, bucket, key


# -- downloads -------------------------------------------------------------------------------


class _Download:
    """The CDN behind the links: signed GET/HEAD with Range, ETag and If-Range."""

    def __init__(self, state: DemoState) -> None:
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = self.state
        state.stats.requests["download"] += 1
        method = scope["method"]
        range_header = _header(scope, b"range")
        if_range = _header(scope, b"if-range")
        request_id = state.rid()
        bucket, key, query = _split_target(scope)

        async def reply(
            status: int, body: bytes, content_type: bytes, fault: str | None = None
        ) -> None:
            state.stats.downloads.append(
                DownloadRecord(method, bucket, key, range_header, if_range, status, fault)
            )
            extra = [(b"x-cos-request-id", request_id.encode())]
            await _respond(send, status, body, content_type, extra)

        def xml(code: str, message: str) -> bytes:
            return _xml_error(code, message, f"/{key}", request_id)

        if method not in ("GET", "HEAD"):
            await reply(405, xml("MethodNotAllowed", "The specified method is not allowed"), _XML)
            return
        if bucket not in samples.BUCKETS:
            await reply(404, xml("NoSuchBucket", "The specified bucket does not exist"), _XML)
            return
        expires = _link_expiry(state, bucket, key, query)
        if expires is None:
            await reply(403, xml("AccessDenied", "Request has invalid signature"), _XML)
            return
        if state.now() > expires:
            await reply(403, xml("AccessDenied", "Request has expired"), _XML)
            return
        size = samples.file_size(bucket, key)
        etag = samples.file_etag(bucket, key)
        if size is None or etag is None:
            await reply(404, xml("NoSuchKey", "The specified key does not exist"), _XML)
            return

        fault = state.next_fault("download") if method == "GET" else None
        if fault is not None:
            state.stats.faults[fault] += 1
        if fault == "html200":
            await reply(200, _html_page(404, "Not Found"), _HTML, fault)
            return
        if fault == "html404":
            await reply(404, _html_page(404, "Not Found"), _HTML, fault)
            return
        if fault == "403":
            await reply(403, xml("AccessDenied", "Request has expired"), _XML, fault)
            return
        if fault == "500":
            await reply(500, xml("InternalError", "We encountered an internal error"), _XML, fault)
            return

        start, end, status = 0, size, 200
        content_range: bytes | None = None
        ranges_ok = state.config.range_support
        # If-Range: serve the range only if the client's copy is this very content.
        if ranges_ok and range_header is not None and (if_range in (None, etag)):
            wanted = _parse_range(range_header, size)
            if wanted is _UNSATISFIABLE:
                state.stats.downloads.append(
                    DownloadRecord(method, bucket, key, range_header, if_range, 416, None)
                )
                body = xml("InvalidRange", "The requested range is not satisfiable")
                extra = [
                    (b"content-range", f"bytes */{size}".encode()),
                    (b"etag", etag.encode()),
                    (b"x-cos-request-id", request_id.encode()),
                ]
                await _respond(send, 416, body, _XML, extra)
                return
            if isinstance(wanted, tuple):
                start, end = wanted
                status = 206
                content_range = f"bytes {start}-{end - 1}/{size}".encode()
        length = end - start
        crc = file_crc64(bucket, key)
        if fault == "badcrc":
            crc ^= 1
        headers = [
            (b"content-type", _content_type(key)),
            (b"content-length", str(length).encode()),
            (b"etag", etag.encode()),
            (b"accept-ranges", b"bytes" if ranges_ok else b"none"),
            (CRC64_HEADER, str(crc).encode()),
            (b"x-cos-request-id", request_id.encode()),
        ]
        if content_range is not None:
            headers.append((b"content-range", content_range))

        cut_at: int | None = None
        if method == "GET" and length >= 2:
            if fault == "cut":
                cut_at = length // 2
            elif fault is None and state.should_cut(bucket, key):
                state.mark_cut(bucket, key)
                state.stats.faults["cut"] += 1
                fault, cut_at = "cut", length // 2
        state.stats.downloads.append(
            DownloadRecord(method, bucket, key, range_header, if_range, status, fault)
        )
        await send({"type": "http.response.start", "status": status, "headers": headers})
        if method == "HEAD" or length == 0:
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        stop = end if cut_at is None else start + cut_at
        for chunk in samples.iter_file_bytes(bucket, key, start, stop):
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        if cut_at is not None:
            await self._cut(scope, receive, cut_at, length)
            return
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _cut(self, scope: Scope, receive: Receive, sent: int, length: int) -> None:
        connections = self.state.connections
        if connections is not None and connections.close(scope):
            await _wait_disconnect(receive)
            return
        raise DemoIncompleteBody(
            "peer closed connection without sending complete message body: "
            f"received {sent} bytes, expected {length} (demo fault: cut)"
        )


@functools.lru_cache(maxsize=4096)
def file_crc64(bucket: str, key: str) -> int:
    """The CRC-64/XZ of a stored file (computed once: about 0.2 s per GiB)."""
    crc = 0
    for chunk in samples.iter_file_bytes(bucket, key, 0, samples.file_size(bucket, key) or 0):
        crc = crc64.xz(chunk, initial=crc)
    return crc


def _link_expiry(
    state: DemoState, bucket: str, key: str, query: Mapping[str, list[str]]
) -> int | None:
    """The expiry of a correctly signed link, or None if the signature does not match."""
    sign = query.get("sign", [""])[0]
    expires_text = query.get("t", [""])[0]
    if not expires_text.isascii() or not expires_text.isdigit():
        return None
    expires = int(expires_text)
    expected = state.sign(bucket, key, expires)
    if not hmac.compare_digest(sign.encode("ascii", "replace"), expected.encode()):
        return None
    return expires


class _Unsatisfiable:
    pass


_UNSATISFIABLE = _Unsatisfiable()


def _parse_range(header: str, size: int) -> tuple[int, int] | _Unsatisfiable | None:
    """``(start, end_exclusive)`` of a single byte range, unsatisfiable, or None to ignore.

    RFC 9110 §14.2: a malformed Range header is ignored (full 200). Several ranges are
    also answered with the full body, which the RFC allows.
    """
    unit, _, spec = header.strip().partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, dash, last = spec.strip().partition("-")
    first, last = first.strip(), last.strip()
    if not dash or (first and not first.isdigit()) or (last and not last.isdigit()):
        return None
    if not first:
        if not last:
            return None
        suffix = int(last)
        if suffix == 0 or size == 0:
            return _UNSATISFIABLE
        return max(0, size - suffix), size
    start = int(first)
    if last and int(last) < start:
        return None
    if start >= size:
        return _UNSATISFIABLE
    end = size if not last else min(size, int(last) + 1)
    return start, end


def _split_target(scope: Scope) -> tuple[str, str, dict[str, list[str]]]:
    """(bucket, key, query) from the raw request target; see the module docstring."""
    raw_path = bytes(scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape"))
    query_string = bytes(scope.get("query_string", b""))
    target = raw_path
    # Servers split the target at its first '?', which may belong to the key.
    if query_string and not raw_path.endswith(b"?" + query_string):
        target = raw_path + b"?" + query_string
    prefix = DOWNLOAD_PREFIX.encode()
    rest = target[target.find(prefix) + len(prefix) :] if prefix in target else b""
    bucket_raw, _, rest = rest.partition(b"/")
    marker = rest.rfind(b"?sign=")
    if marker < 0:
        key_raw, query_raw = rest, b""
    else:
        key_raw, query_raw = rest[:marker], rest[marker + 1 :]
    bucket = unquote_to_bytes(bucket_raw).decode("utf-8", "replace")
    key = unquote_to_bytes(key_raw).decode("utf-8", "surrogateescape")
    query = parse_qs(query_raw.decode("latin-1"))
    return bucket, key, query


def _content_type(key: str) -> bytes:
    guessed, _ = mimetypes.guess_type(key.rpartition("/")[2], strict=False)
    return (guessed or "application/octet-stream").encode("latin-1", "replace")
