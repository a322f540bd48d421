"""Mini program mode: the app gets its own access token from the appid and the appsecret.

A profile with ``auth == "appsecret"`` (``core.settings.Profile``) keeps its mini
program's AppID in the settings and its AppSecret in the keyring
(``TokenStore.current_app_secret``). ``StableTokenProvider`` turns them into a mini
program ``access_token`` through WeChat's ``POST cgi-bin/stable_token`` (WECHAT_API.md
§4), caches it and renews it before it ends. That token works with ``ApiMode.TCB``
(``/tcb/batchdownloadfile``). The *stable* token is used, never ``cgi-bin/token``: asking
for it in normal mode does not end the token other holders of the app (a production
server) are using.

How the window (or any caller on an asyncio loop) uses it::

    info = await store.acurrent_app_secret(profile.name)        # keyring off the loop
    provider = StableTokenProvider(
        http, base_url=profile.base_url, appid=profile.appid, secret=lambda: info.secret
    )
    check = await provider.check()       # TokenCheck for the badge (see below)
    renewal = asyncio.create_task(provider.run_renewal(), name="tcb-stable-token")
    client = TcbClient(http, provider.current, base_url=..., api=ApiMode.TCB)
    ...
    renewal.cancel()                     # on close or when the profile changes

* ``await get(force_refresh=False)`` — the token; fetched when there is none or it is
  within the renewal margin of its end, else the cached one. Concurrent callers share one
  request. When a renewal fails while the cached token is still valid, that token is
  returned (the failure goes to ``last_error`` and ``on_change``). Otherwise failures
  raise ``TokenError`` when the AppID/AppSecret is wrong or missing (state ``INVALID`` or
  ``NOT_SET``; ``code`` 40013, 40125, …) and ``ServiceError`` for the rest: kind
  ``CONFIG`` for 40164 (IP not on the allowlist) and 45009 (quota), ``NETWORK`` when the
  service could not be reached after retries, ``CLIENT``/``REQUEST`` otherwise. The
  constructor raises ``InputError`` for a malformed AppID or base URL. Messages come from
  ``errors.CREDENTIAL_ERRCODES`` and are meant for the user as they are.
  ``force_refresh=True`` asks WeChat for a new token and ends the old one after a grace
  (at most 20 a day): only for a token that leaked or that the service rejects.
* ``current()`` — sync, for ``TcbClient``'s token supplier: the cached token while it is
  still valid, else None (the client then stops with "no token"; ``await get()``).
* ``expires_at`` (UTC ``datetime``) and ``time_left()`` (seconds) — the badge's exact
  countdown; None before the first token.
* ``await run_renewal()`` — a loop to keep as a named task: it fetches a token at once if
  there is none, then renews each one ``renewal_margin()`` before its end; failures back
  off (5 s doubling to 5 min) and keep trying, so a fixed allowlist or a new AppSecret is
  picked up by itself. It never raises except on cancellation.
* ``last_error`` and ``on_change`` — the last failure (None after a success), and a
  callback run (on the loop) after every fetch that succeeded or failed: connect the
  badge here. It must not raise; it is given nothing, read the properties.
* ``invalidate(token)`` — after the service rejected ``token`` (40001/42001 from a
  call): forget it so the next ``get()`` asks WeChat again.
* ``await check()`` — a ``client.TokenCheck`` for the badge: gets a token (a credential
  error becomes ``INVALID``/``NOT_SET``; 40164 and the other IP answers ``NOT_ALLOWED``;
  network or quota ``UNREACHABLE``), then asks ``quota/get`` for today's quota of
  ``/tcb/batchdownloadfile``. ``check_credentials(...)`` does the same without keeping a
  provider.

* ``deadline`` — seconds one ``stable_token`` request may take in all, connect, headers
  and body (``client.API_DEADLINE_S``); past it the try is retried like a dropped
  connection. ``retry`` — the tries of one fetch (``TOKEN_RETRY``: 4).
* ``trace`` — a ``core.trace.TraceHub`` told about every request (kind ``token``), its
  body with the AppSecret replaced by ``$TCB_APP_SECRET``; ``check()`` traces its
  ``quota/get`` too.

``secret`` is called (on the loop, so it must not block: no keyring call inside) each time
a token is fetched, so a new AppSecret takes effect at the next renewal. Neither the secret
nor any token is logged, put in an exception or shown in a repr: both are registered with
``core.redact`` before use, the secret only travels in the request body, and failures keep
no exception context that could hold the request.

Times come from ``clock`` (wall-clock ``time.time`` by default, not the monotonic clock:
it keeps counting while the machine sleeps, and so does the token's life).
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from tcb_gui.core.client import (
    API_DEADLINE_S,
    DEFAULT_BASE_URL,
    PAST_DEADLINE,
    ApiMode,
    RetryPolicy,
    TcbClient,
    TokenCheck,
    TracedCall,
    _check_seconds,
    _service_text,
    seconds_text,
    validate_base_url,
)
from tcb_gui.core.errors import (
    NETWORK_ERROR,
    NETWORK_ERROR_BARE,
    ErrorKind,
    MessageTemplate,
    ServiceError,
    TcbError,
    TokenError,
    TokenState,
    classify_credential_errcode,
    errcode_message,
    message,
    with_detail,
)
from tcb_gui.core.httpclient import AnswerHead, post_for_answer
from tcb_gui.core.netmessages import describe_transport_error
from tcb_gui.core.redact import install_log_redaction, register_secret
from tcb_gui.core.settings import validate_appid
from tcb_gui.core.tokens import MAX_TOKEN_LENGTH, TOKEN_LIFETIME_S
from tcb_gui.core.trace import CANCELLED, CallKind, Outcome, TraceHub

if TYPE_CHECKING:
    import httpx

    from tcb_gui.core.wire import HttpClient
else:
    from tcb_gui.core.lazy_httpx import httpx  # imported at its first use

log = logging.getLogger(__name__)

STABLE_TOKEN_PATH: Final = "/cgi-bin/stable_token"
GRANT_TYPE: Final = "client_credential"
# getStableAccessToken docs: in normal mode WeChat hands out a new token only in the last
# 5 minutes of the old one's life, and both stay valid meanwhile. Renewing 4 minutes before
# the end lands inside that window (earlier, the same token would come back) and leaves
# the old token usable for requests already in flight.
RENEWAL_MARGIN_S: Final = 240.0
# A short-lived token (the demo service set up by tests) renews with a fifth of its life
# left, so the margin never swallows the whole life.
RENEWAL_FRACTION: Final = 0.2
# The renewal loop wakes at least this often and compares with the wall clock: the event
# loop's monotonic clock stops while the machine sleeps, the token's life does not.
RENEWAL_POLL_S: Final = 60.0
# After a failed renewal: 5 s, doubling, at most 5 minutes (a user fixing the IP allowlist
# sees it work within minutes; a wrong secret costs one call every 5 minutes).
RENEWAL_BACKOFF_BASE_S: Final = 5.0
RENEWAL_BACKOFF_MAX_S: Final = 300.0
RENEWAL_MIN_WAIT_S: Final = 1.0
# getStableAccessToken docs: "expires_in … 目前是7200秒之内的值"; a larger value is clipped.
MAX_EXPIRES_IN_S: Final = float(TOKEN_LIFETIME_S)
# Tries of one token request: a fetch blocks the run that needs the token, and a cached
# token still valid is used meanwhile; the renewal loop keeps trying on its own.
TOKEN_RETRY: Final = RetryPolicy(max_tries=4)
# The body the trace shows: the AppSecret as the variable "Copy as curl" expects it in.
SECRET_PLACEHOLDER: Final = "$TCB_APP_SECRET"

_NO_SECRET = message(
    "No AppSecret is set for this mini program profile. Save it (tcb-gui token set "
    "--appsecret reads it from stdin) or set the TCB_APP_SECRET variable."
)
_VALID = message("The AppID and AppSecret work: WeChat gave an access token for the tcb API.")
_NO_ANSWER = message("no answer from the service")
_GAVE_UP = MessageTemplate(
    "Could not get an access token from WeChat: {problem}; gave up after {tries} tries. "
    "Check the network and the base URL.",
    nested=frozenset({"problem"}),
)
_BAD_ERRCODE = message("The token service sent an answer with an unreadable error code")
_NO_USABLE_TOKEN = message("The token service sent an answer without a usable token")
_HTTP_STATUS = MessageTemplate("The token service answered HTTP {status}")
_HTTP_STATUS_STOP = MessageTemplate("The token service answered HTTP {status}. Check the base URL.")
_UNREADABLE = message("The token service sent an unreadable (non-JSON or cut) answer")

SecretSupplier = Callable[[], "str | None"]


@dataclass(frozen=True, slots=True, repr=False)
class _Grant:
    """A token as the service answered it. Its repr never shows the token."""

    token: str
    expires_in: float
    sent_at: float  # clock() when the request left: the life counts from there

    def __repr__(self) -> str:
        return f"_Grant(expires_in={self.expires_in}, sent_at={self.sent_at})"


class _Retry(Exception):
    """One try failed in a way worth retrying; the message is for the user."""


def _expires_in(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            return None
    if not isinstance(value, int) or value <= 0:
        return None
    return min(float(value), MAX_EXPIRES_IN_S)


def _is_token(value: object) -> bool:
    return (
        isinstance(value, str)
        and 0 < len(value) <= MAX_TOKEN_LENGTH
        and all(ch.isprintable() and not ch.isspace() for ch in value)
    )


class StableTokenProvider:
    """Access tokens of one mini program from its AppID and AppSecret (module docstring)."""

    def __init__(
        self,
        http: HttpClient,
        *,
        base_url: str = DEFAULT_BASE_URL,
        appid: str,
        secret: SecretSupplier,
        retry: RetryPolicy | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        on_change: Callable[[], None] | None = None,
        deadline: float = API_DEADLINE_S,
        trace: TraceHub | None = None,
    ) -> None:
        install_log_redaction()
        self._http = http
        self.base_url = validate_base_url(base_url)
        self.appid = validate_appid(appid)
        self._secret = secret
        self.retry = retry or TOKEN_RETRY
        self.deadline = _check_seconds("deadline", deadline)
        self.trace = trace
        self._clock = clock
        self._sleep = sleep
        self.on_change = on_change
        self._token: str | None = None
        self._expires: float | None = None  # clock() time the cached token ends
        self._lifetime = 0.0  # expires_in of the cached token
        self._generation = 0  # bumped by every successful fetch
        self._last_error: TcbError | None = None
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        held = "yes" if self._token else "no"
        return f"StableTokenProvider(appid={self.appid!r}, token held={held})"

    # -- the cached token ---------------------------------------------------------------

    def current(self) -> str | None:
        """The cached token while it is valid, else None. Never blocks, never fetches."""
        if self._token is None or self._expires is None or self._clock() >= self._expires:
            return None
        return self._token

    @property
    def expires_at(self) -> datetime | None:
        """When the cached token ends (UTC), or None without one."""
        if self._token is None or self._expires is None:
            return None
        return datetime.fromtimestamp(self._expires, UTC)

    def time_left(self) -> float | None:
        """Seconds until the cached token ends (0 once it has), or None without one."""
        if self._token is None or self._expires is None:
            return None
        return max(0.0, self._expires - self._clock())

    def renewal_margin(self) -> float:
        """How long before its end the cached token is renewed."""
        return min(RENEWAL_MARGIN_S, RENEWAL_FRACTION * self._lifetime)

    @property
    def last_error(self) -> TcbError | None:
        """Why the last fetch failed; None once one succeeded."""
        return self._last_error

    def invalidate(self, token: str | None = None) -> None:
        """Forget the cached token (only if it is still ``token``, when given)."""
        if token is None or token == self._token:
            self._token = None
            self._expires = None
            self._lifetime = 0.0

    def _fresh(self) -> str | None:
        """The cached token if it is not yet due for renewal."""
        left = self.time_left()
        if left is None or left <= self.renewal_margin():
            return None
        return self._token

    # -- fetching -----------------------------------------------------------------------

    async def get(self, *, force_refresh: bool = False) -> str:
        """A valid token: the cached one, or a new one from the service (module docstring)."""
        if not force_refresh:
            token = self._fresh()
            if token is not None:
                return token
        generation = self._generation
        async with self._lock:
            if self._generation != generation:
                # Another caller fetched while this one waited: share its answer.
                shared = self.current()
                if shared is not None:
                    return shared
            try:
                grant = await self._fetch(force_refresh)
            except TcbError as error:
                self._last_error = error
                # A renewal that failed while the cached token still works is reported
                # (last_error, on_change) but does not stop the caller.
                fallback = None if force_refresh else self.current()
                self._notify()
                if fallback is None:
                    raise
                log.info("renewing the stable token failed, the current one still works")
                return fallback
            if grant.token != self._token:
                self._lifetime = grant.expires_in
            # else the same token came back with less time left: its margin stays that of
            # its whole life, or each answer would shrink the margin and the renewal
            # would creep towards the end instead of happening.
            self._token = grant.token
            self._expires = grant.sent_at + grant.expires_in
            self._generation += 1
            self._last_error = None
        log.info("got a stable token for %s, valid for %d s", self.appid, grant.expires_in)
        self._notify()
        return grant.token

    def _notify(self) -> None:
        if self.on_change is None:
            return
        try:
            self.on_change()
        except Exception:
            log.exception("the stable token listener failed")

    async def _fetch(self, force_refresh: bool) -> _Grant:
        secret = self._secret()
        if not secret or not secret.strip():
            raise TokenError(_NO_SECRET, state=TokenState.NOT_SET)
        secret = secret.strip()
        register_secret(secret)
        fields: dict[str, object] = {
            "grant_type": GRANT_TYPE,
            "appid": self.appid,
            "secret": secret,
            "force_refresh": force_refresh,
        }
        body = json.dumps(fields).encode("utf-8")
        shown = json.dumps({**fields, "secret": SECRET_PLACEHOLDER}).encode("utf-8")
        problem = _NO_ANSWER
        for attempt in range(self.retry.max_tries):
            if attempt:
                await self._sleep(self.retry.delay(attempt - 1))
            # Expiry counts from when the request left: never later than WeChat's own.
            sent_at = self._clock()
            log.debug(
                "stable_token for %s (force_refresh=%s, try %d)",
                self.appid,
                force_refresh,
                attempt + 1,
            )
            call = TracedCall(
                self.trace,
                CallKind.TOKEN,
                STABLE_TOKEN_PATH,
                self.base_url + STABLE_TOKEN_PATH,
                attempt + 1,
                shown,
            )
            try:
                grant = await self._try_once(body, sent_at, call)
            except _Retry as retry:
                problem = str(retry)
                last = attempt + 1 >= self.retry.max_tries
                call.emit(Outcome.GAVE_UP if last else Outcome.RETRY, problem)
                log.info("stable_token for %s: %s (try %d)", self.appid, problem, attempt + 1)
                continue
            except TcbError as error:
                stops = isinstance(error, TokenError) or error.kind is ErrorKind.CONFIG
                call.emit(Outcome.STOP if stops else Outcome.FAILED, error.message)
                raise
            except BaseException:
                call.emit(Outcome.CANCELLED, CANCELLED)
                raise
            call.emit(Outcome.OK)
            return grant
        raise ServiceError(
            _GAVE_UP.format(problem=problem.rstrip("."), tries=self.retry.max_tries),
            kind=ErrorKind.NETWORK,
        )

    async def _try_once(self, body: bytes, sent_at: float, call: TracedCall) -> _Grant:
        """One request; _Retry for transient failures, typed errors for the rest.

        The whole exchange ends within ``deadline`` seconds. Typed errors are raised
        outside ``except`` blocks, so they carry no context (the httpx request holds the
        secret in its body).
        """
        failure: str | None = None
        response: AnswerHead | None = None
        content = b""
        try:
            async with asyncio.timeout(self.deadline):
                response, content = await post_for_answer(
                    self._http,
                    self.base_url + STABLE_TOKEN_PATH,
                    content=body,
                    headers={"Content-Type": "application/json"},
                )
        except TimeoutError:
            late = PAST_DEADLINE.format(seconds=seconds_text(self.deadline))
            failure = NETWORK_ERROR.format(problem=late)
        except httpx.HTTPError as exc:
            failure = describe_transport_error(exc)
        finally:
            call.finished()
        if response is None:
            raise _Retry(failure or NETWORK_ERROR_BARE)
        call.http_status = response.status_code
        data = self._decode(response, content)
        code = data.get("errcode", 0)
        if isinstance(code, str) and code.strip().lstrip("-").isdigit():
            code = int(code)
        if isinstance(code, bool) or not isinstance(code, int):
            raise _Retry(_BAD_ERRCODE)
        call.errcode = code
        if code != 0:
            raw = data.get("errmsg")
            call.errmsg = _service_text(raw) if raw else None
            raise self._error(code, data)
        token = data.get("access_token")
        expires_in = _expires_in(data.get("expires_in"))
        if not _is_token(token) or expires_in is None:
            raise _Retry(_NO_USABLE_TOKEN)
        assert isinstance(token, str)
        register_secret(token)
        return _Grant(token, expires_in, sent_at)

    @staticmethod
    def _decode(response: AnswerHead, content: bytes) -> dict[str, Any]:
        status = response.status_code
        if status == 429 or status >= 500:
            raise _Retry(_HTTP_STATUS.format(status=status))
        if status != 200:
            raise ServiceError(
                _HTTP_STATUS_STOP.format(status=status),
                kind=ErrorKind.REQUEST,
                code=status,
            )
        try:
            data = json.loads(content)
        except (ValueError, RecursionError):
            data = None
        if not isinstance(data, dict):
            raise _Retry(_UNREADABLE)
        return data

    def _error(self, code: int, data: dict[str, Any]) -> TcbError | _Retry:
        info = classify_credential_errcode(code)
        raw = data.get("errmsg")
        detail = _service_text(raw) if raw else ""
        if info.kind is ErrorKind.RETRYABLE:
            return _Retry(info.message)
        if info.kind is ErrorKind.TOKEN:
            state = info.token_state or TokenState.INVALID
            return TokenError(info.message, state=state, code=code, detail=detail)
        message = errcode_message(info, detail)  # 40164: with the IP to allowlist
        if info.kind is ErrorKind.REQUEST and detail:
            message = with_detail(message, detail)  # an unknown code: the service's words help
        return ServiceError(message, kind=info.kind, code=code, detail=detail)

    # -- keeping it fresh ---------------------------------------------------------------

    async def run_renewal(self) -> None:
        """Fetch a token now if there is none, then renew each before it ends. Forever."""
        failures = 0
        while True:
            if failures:
                await self._sleep(self._backoff(failures))
            else:
                due_in = self._due_in()
                if due_in > 0:
                    await self._sleep(min(due_in, RENEWAL_POLL_S))
                    continue
            if self._due_in() > 0:
                failures = 0  # renewed by another caller of get() meanwhile
                continue
            try:
                await self.get()
            except TcbError as error:
                log.info("renewing the stable token failed: %s", error.message)
                failures += 1
                continue
            except Exception:
                # A bug must not end the renewal: log it and try again later.
                log.exception("unexpected failure renewing the stable token")
                failures += 1
                continue
            # A token still inside the margin came back (WeChat's clock and ours differ):
            # ask again after a pause, not at once.
            failures = 0 if self._due_in() > 0 else failures + 1

    def _due_in(self) -> float:
        """Seconds until the cached token is due for renewal; 0 when it is (or none)."""
        left = self.time_left()
        return 0.0 if left is None else max(0.0, left - self.renewal_margin())

    def _backoff(self, failures: int) -> float:
        ceiling = min(RENEWAL_BACKOFF_MAX_S, RENEWAL_BACKOFF_BASE_S * 2 ** (failures - 1))
        left = self.time_left()
        if left is not None and left > 0:
            # Try again before the token ends, not after (at most one try a second).
            ceiling = max(min(ceiling, left), RENEWAL_MIN_WAIT_S)
        return float(ceiling * random.uniform(0.5, 1.0))

    # -- the badge ----------------------------------------------------------------------

    async def check(self) -> TokenCheck:
        """Whether the AppID and AppSecret give a working token, and today's quota."""
        check: TokenCheck | None = None
        for _ in range(2):  # a second round only when a cached token was rejected
            try:
                token = await self.get()
            except TcbError as error:
                return _check_from_error(error)
            client = TcbClient(
                self._http,
                self.current,
                base_url=self.base_url,
                api=ApiMode.TCB,
                deadline=self.deadline,
                trace=self.trace,
            )
            check = await client.check_token()
            if check.state not in (TokenState.INVALID, TokenState.EXPIRED):
                break
            # Ended or replaced elsewhere (a forced refresh): ask WeChat again once.
            self.invalidate(token)
        assert check is not None
        if check.state is TokenState.VALID:
            return TokenCheck(check.state, _VALID, check.checked_at, check.quota, check.code)
        return check


def _check_from_error(error: TcbError) -> TokenCheck:
    now = datetime.now(UTC)
    if isinstance(error, TokenError):
        return TokenCheck(error.state, error.message, now, None, error.code)
    state = TokenState.UNREACHABLE
    if error.code is not None:
        state = classify_credential_errcode(error.code).token_state or state
    return TokenCheck(state, error.message, now, None, error.code)


async def check_credentials(
    http: HttpClient,
    *,
    base_url: str = DEFAULT_BASE_URL,
    appid: str,
    secret: SecretSupplier,
) -> TokenCheck:
    """``StableTokenProvider.check`` for a one-off check (no provider kept)."""
    provider = StableTokenProvider(http, base_url=base_url, appid=appid, secret=secret)
    return await provider.check()
