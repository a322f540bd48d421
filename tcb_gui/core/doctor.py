"""``tcb-gui doctor`` and the window's "Check connection…": every reason a resolve could
fail, checked one by one, each an answer with a next step.

``run_doctor(setup)`` yields one ``Check`` per line, always in the order of
``CheckName``: the service reachable (DNS, TCP, TLS; the proxy variables, which the app
does not use), the clock against the service's ``Date`` header, the token present and
accepted, which endpoint family it fits (component or tcb), the caller's IP on the
allowlist (40164), today's quota for ``batchdownloadfile`` and the keyring. A check that
cannot be made because an earlier one failed says so (``ok is None``). Each check's
``level`` gives its mark, the same in both faces (``MARKS``, or ``ASCII_MARKS`` where the
terminal cannot show them): ✓ works, ✗ stops a resolve, ! a warning, – not checked.

``exit_status(checks)`` is what a resolve would meet: ``OK`` when everything a resolve
needs works (a skewed clock or a missing keyring are warnings), ``TOKEN`` when the token
is missing, rejected or of the other family, ``SERVICE`` when the service cannot be
reached, refuses this computer's IP or today's quota is used up.

The calls are our own ``quota/get`` (and ``stable_token`` in mini program mode), not
the client's, because the doctor needs the raw answer: the ``Date`` header, the errcode
of the other family's ``cgi_path``, the IP in 40164's errmsg. One ``quota/get`` per
family at the most; no ``batchdownloadfile`` call, so no quota is spent. Qt-free: the
window shows the same ``Check`` records. Nothing printed or returned holds a secret.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import ssl
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final

import httpx

from tcb_gui.core.client import (
    MAX_IDS_PER_REQUEST,
    QUOTA_PATH,
    ApiMode,
    Quota,
    RetryPolicy,
    as_int,
    make_http_client,
    validate_base_url,
)
from tcb_gui.core.errors import (
    ErrorKind,
    MessageTemplate,
    ServiceError,
    TcbError,
    TokenError,
    classify_errcode,
    message,
)
from tcb_gui.core.exit_status import ExitStatus
from tcb_gui.core.httpclient import post_for_answer
from tcb_gui.core.netmessages import (
    TIMED_OUT,
    describe_transport_error,
    not_trusted_words,
    system_error_words,
)
from tcb_gui.core.redact import redact, register_secret
from tcb_gui.core.trace import CallKind, Outcome, TraceEvent, TraceHub
from tcb_gui.core.trace_file import reported_ip
from tcb_gui.core.trust import DeferredTrustContext

if TYPE_CHECKING:
    from tcb_gui.core.connection import Connection
    from tcb_gui.core.tokens import TokenStore

# Beyond this, link expiry countdowns and the stable token's renewal are visibly off
# (links are refreshed 60 s before their end).
CLOCK_TOLERANCE_S: Final = 60.0
# A doctor waits less than a run: a dead host should be said within seconds.
CONNECT_TIMEOUT_S: Final = 8.0
HTTP_TIMEOUT: Final = httpx.Timeout(15.0, connect=CONNECT_TIMEOUT_S)
# One retry for a blip; the doctor can be run again at any time.
_TRIES: Final = 2
PROXY_VARIABLES: Final = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY")
_TOKEN_ERRCODES: Final = frozenset({40001, 40014, 41001, 42001})
_WRONG_KIND_CODES: Final = frozenset({76022, 48001, 61007})
_IP_CODES: Final = frozenset({40164, 89503, 89506, 89507})
_FAMILY_WORDS: Final = message(
    "A component_access_token (a third-party platform's own environment) goes with "
    "componenttcb/…; a mini program's access_token, or an authorizer_access_token of an "
    "account that granted the platform the CloudBase permission set, goes with tcb/…"
)

# --- the words of the checks -----------------------------------------------------------
#
# Every detail and next step is registered (``core.errors``), so the window shows them in
# its language (``ui/core_text.py``) while the command line prints these English words.
# Parts named in ``nested`` hold another message registered here; the rest are data.

_WHY: Final = frozenset({"why"})
_SOURCE: Final = frozenset({"source"})
_FAMILY: Final = frozenset({"family"})

# Where the token came from
_UNREADABLE: Final = message("the keyring (unreadable)")
_SOURCE_WORDS: Final = {
    "environment": message("TCB_ACCESS_TOKEN"),
    "keyring": message("the keyring"),
    "session": message("this session"),
}
_FROM_STABLE_TOKEN: Final = MessageTemplate("stable_token with the AppID {appid}")
_THE_PROFILE: Final = message("the profile")

# Service
_NO_PROXY: Final = message("connecting directly (no proxy variables set)")
_PROXY_UNUSED: Final = MessageTemplate("connecting directly (tcb-gui does not use {names})")
_PROXY_STEP: Final = MessageTemplate(
    "{step} If this network reaches the internet only through the proxy in {name}, run "
    "tcb-gui where {host} can be reached directly.",
    nested=frozenset({"step"}),
)
_NOTE: Final = frozenset({"proxy_note"})
# {why} is one of the phrases below, or the system's own words for a rarer failure.
_WHY_NOTE: Final = _NOTE | _WHY
_DNS_FAILED: Final = MessageTemplate(
    "cannot find {host} (DNS: {why}); {proxy_note}", _WHY_NOTE, or_data=_WHY
)
_DNS_STEP: Final = MessageTemplate("Check the base URL ({base_url}) and this computer's DNS.")
_TCP_FAILED: Final = MessageTemplate(
    "{where} port {port} cannot be reached ({why}); {proxy_note}", _WHY_NOTE, or_data=_WHY
)
_TCP_STEP: Final = MessageTemplate("Check the base URL ({base_url}), the network and any firewall.")
_TLS_FAILED: Final = MessageTemplate(
    "{host} ({address}:{port}) answers, but TLS fails ({why}); {proxy_note}",
    _WHY_NOTE,
    or_data=_WHY,
)
_HANDSHAKE_TIMED_OUT: Final = message("the handshake timed out")
_NOT_TLS: Final = message("the port does not speak TLS (plain http?)")
# OpenSSL's reason for a plain answer to a TLS hello: before 3.2, then since.
_PLAIN_REPLY_REASONS: Final = frozenset({"WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE"})
_TLS_STEP: Final = message(
    "A network that inspects HTTPS (a company proxy or antivirus) or a wrong clock breaks "
    "TLS: try another network, and check the clock."
)
_SERVICE_OK_TLS: Final = MessageTemplate(
    "{where} — DNS {dns}, TCP {tcp}, TLS {tls}; {proxy_note}", _NOTE
)
_SERVICE_OK_PLAIN: Final = MessageTemplate(
    "{where} — DNS {dns}, TCP {tcp}, plain http (loopback only); {proxy_note}", _NOTE
)

# Not checked
_NOT_CHECKED: Final = message("not checked")
_NOT_CHECKED_WHY: Final = MessageTemplate("not checked: {why}", _WHY)
_NO_DATE: Final = message("no answer with a Date header")
_UNREACHABLE: Final = message("the service cannot be reached")
_WHY_FOUND_IN: Final = MessageTemplate("{why} (found in {source})", _WHY | _SOURCE)
_NO_TOKEN: Final = message("no token")
_NO_TOKEN_WORDS: Final = MessageTemplate("no token ({words})")
_IP_REFUSED_WHY: Final = message("the service refused this computer's IP")
_WHY_TOKEN_FOUND_IN: Final = MessageTemplate("{why} (token found in {source})", _WHY | _SOURCE)
_NO_QUOTA_ANSWER: Final = MessageTemplate("quota/get gave no answer ({problem})")
_OWN_QUOTA_USED: Final = message("quota/get's own quota is used up")
_ANSWERED: Final = MessageTemplate("quota/get answered {words}")
_NOT_ACCEPTED: Final = message("the token is not accepted")
_FITS_NEITHER: Final = message("the token fits neither API")

# Clock
_CLOCK_OK: Final = MessageTemplate("within {seconds} s of the service's")
_CLOCK_BEHIND: Final = MessageTemplate("this computer's clock is {amount} behind the service's")
_CLOCK_AHEAD: Final = MessageTemplate("this computer's clock is {amount} ahead of the service's")
_CLOCK_STEP: Final = message(
    "Set the clock automatically (NTP): link expiry times, the refresh of links before they "
    "end and the stable token's renewal are reckoned on this clock."
)

# Token
_FOUND_IN_WHY: Final = MessageTemplate("found in {source} — {why}", _SOURCE | _WHY)
_NO_API_STEP: Final = message(
    "The service answers TCP but not the API: check the base URL and run the check again."
)
_ACCEPTED: Final = MessageTemplate("from {source}, accepted", _SOURCE)
_WORKING: Final = MessageTemplate("from {source}, a working {api} token", _SOURCE)
_EXPIRED: Final = MessageTemplate("from {source}, expired ({words})", _SOURCE)
_REJECTED: Final = MessageTemplate("from {source}, rejected ({words})", _SOURCE)
_KNOWN: Final = MessageTemplate("from {source}, known to the service", _SOURCE)
_NO_SECRET: Final = MessageTemplate(
    "profile {profile} gets its token with the AppID {appid}, but no AppSecret is saved"
)
_NO_SECRET_STEP: Final = message(
    "Save it: tcb-gui token set --appsecret (reads it from stdin), or set TCB_APP_SECRET."
)
_NO_TOKEN_FOR: Final = MessageTemplate("no token for profile {profile}")
_NO_TOKEN_UNREADABLE: Final = MessageTemplate(
    "no token for profile {profile} (the keyring could not be read)"
)
_NO_TOKEN_STEP: Final = message(
    "Set one: tcb-gui token set (reads it from stdin), Set token… in the window, or "
    "TCB_ACCESS_TOKEN."
)
_MESSAGE: Final = frozenset({"message"})
_SECRET_REFUSED_CODE: Final = MessageTemplate(
    "stable_token refused the AppID and AppSecret (errcode {code}): {message}", _MESSAGE
)
_SECRET_REFUSED: Final = MessageTemplate(
    "stable_token refused the AppID and AppSecret: {message}", _MESSAGE
)
_SECRET_REFUSED_STEP: Final = message(
    "Copy the current AppSecret from the WeChat MP console and save it again (tcb-gui "
    "token set --appsecret)."
)
_NO_STABLE_TOKEN_CODE: Final = MessageTemplate(
    "no token from stable_token (errcode {code}): {message}", _MESSAGE
)
_NO_STABLE_TOKEN: Final = MessageTemplate("no token from stable_token: {message}", _MESSAGE)
_NO_STABLE_TOKEN_STEP: Final = message(
    "Run the check again later; if it persists, see the service's words above."
)

# API mode
_FITS: Final = MessageTemplate("the token fits {api} ({cgi_path})")
_FITS_OTHER: Final = MessageTemplate(
    "the token fits {other} ({other_path}), not the profile's {api} ({cgi_path} answered {words})"
)
_SWITCH_STEP: Final = MessageTemplate(
    "Choose API mode {other} ({switch}, or Edit profile… → API mode), or use a token for "
    "{api}. {family}.",
    _FAMILY,
)
_MINI_PROGRAM_STEP: Final = MessageTemplate(
    "A mini program's own token works with tcb only: keep API mode tcb. {family}.", _FAMILY
)
_FITS_NEITHER_WORDS: Final = MessageTemplate(
    "the token fits neither API: {cgi_path} answered {words}; {other_path} answered {other_words}"
)
_PERMISSION_STEP: Final = MessageTemplate(
    "{family}. For an authorised account, check that the platform was granted the "
    "CloudBase permission set (49 or 64).",
    _FAMILY,
)

# IP allowlist
_IP_OK: Final = message("the service accepts calls from this computer")
_IP_REFUSED: Final = MessageTemplate(
    "calls from this computer are refused (40164); {seen}", frozenset({"seen"})
)
_SEEN_AS: Final = MessageTemplate("the service sees this computer as {ip}")
_NO_ADDRESS: Final = message("the service names no address")
_MP_ALLOWLIST: Final = message(
    "the mini program's IP allowlist (WeChat MP console → 开发管理 → 开发设置 → IP白名单)"
)
_ACCOUNT_ALLOWLIST: Final = message(
    "the IP allowlist of the account the token belongs to (for a third-party platform: its "
    "development settings on the Open Platform)"
)
_WHERE: Final = frozenset({"where"})
_ADD_IP: Final = MessageTemplate(
    "Add {address} to {where}. Behind NAT or a proxy this is the network's public address, "
    "not this machine's own.",
    _WHERE,
)
_ADD_PUBLIC: Final = MessageTemplate(
    "Add this network's public address to {where}. Behind NAT or a proxy this is the "
    "network's public address, not this machine's own.",
    _WHERE,
)
_ASK_ADMIN: Final = message(
    "Ask the mini program's administrator to allow this computer's IP address."
)

# Quota
_NO_NUMBERS: Final = message("quota/get answered without numbers")
_USED_UP_OF_USED: Final = MessageTemplate(
    "today's quota for {cgi_path} is used up (0 of {limit} calls left, {used} used)"
)
_USED_UP_OF: Final = MessageTemplate(
    "today's quota for {cgi_path} is used up (0 of {limit} calls left)"
)
_USED_UP_USED: Final = MessageTemplate(
    "today's quota for {cgi_path} is used up (0 calls left, {used} used)"
)
_USED_UP: Final = MessageTemplate("today's quota for {cgi_path} is used up (0 calls left)")
_USED_UP_STEP: Final = message(
    "Nothing more can be resolved until the quota resets tomorrow, or the account owner "
    "resets it (cgi-bin/clear_quota)."
)
_LEFT_OF: Final = MessageTemplate(
    "{remain} of {limit} calls left today for {cgi_path} (up to {ids} IDs)"
)
_LEFT: Final = MessageTemplate("{remain} calls left today for {cgi_path} (up to {ids} IDs)")
_45009: Final = MessageTemplate("quota/get answered 45009 ({errmsg}): today's calls are used up")
_45009_STEP: Final = message(
    "Wait until the quota resets tomorrow, or ask the account owner to reset it."
)
_QUOTA_OTHER: Final = MessageTemplate(
    "not checked for {api}; for {other}: {detail}", frozenset({"detail"})
)

# Keyring
_KEYRING_OK: Final = MessageTemplate("{backend} answers")
_NO_KEYRING: Final = message(
    "no system keyring answers: tokens and AppSecrets cannot be saved (they are never "
    "written to a file)"
)
_NO_KEYRING_STEP: Final = message(
    "Set TCB_ACCESS_TOKEN (or TCB_APP_SECRET) in the shell, or start and unlock a keyring "
    "(GNOME Keyring, KWallet, the macOS Keychain, Windows Credential Locker)."
)


class Level(StrEnum):
    """What a check's line means for a resolve: the one word both faces mark it by."""

    OK = "ok"
    FAIL = "fail"  # a resolve would fail: its ExitStatus is the doctor's (exit_status)
    WARNING = "warning"  # worth fixing, but a resolve works (a skewed clock, no keyring)
    NOT_CHECKED = "not checked"  # an earlier check failed, or there was nothing to check


# The mark of each level, and its word where the terminal cannot show the mark: ✗ only
# for what stops a resolve, so a warning never reads as a failure.
MARKS: Final = {Level.OK: "✓", Level.FAIL: "✗", Level.WARNING: "!", Level.NOT_CHECKED: "–"}
ASCII_MARKS: Final = {
    Level.OK: "OK",
    Level.FAIL: "FAIL",
    Level.WARNING: "WARN",
    Level.NOT_CHECKED: "--",
}
ARROW: Final = "→"  # before a next step
ASCII_ARROW: Final = "->"


class CheckName(StrEnum):
    """The checks, in the order they are shown."""

    SERVICE = "Service"
    CLOCK = "Clock"
    TOKEN = "Token"
    API_MODE = "API mode"
    IP = "IP allowlist"
    QUOTA = "Quota today"
    KEYRING = "Keyring"


@dataclass(frozen=True, slots=True)
class Check:
    """One line of the doctor: what was checked, how it went, and what to do about it."""

    name: CheckName
    ok: bool | None  # None: not checked (an earlier check failed, or nothing to check)
    detail: str
    next_step: str = ""
    # What this failure means for a resolve: OK for a warning.
    blocks: ExitStatus = ExitStatus.OK
    section: str = ""  # the docs/WECHAT_API.md anchor behind it, if any
    # The quota check's numbers for the profile's own API, and when they were asked:
    # the window's badge counts from them as from its own check (core.quota_gauge).
    quota: Quota | None = None
    quota_asked_at: datetime | None = None

    @property
    def level(self) -> Level:
        if self.ok is None:
            return Level.NOT_CHECKED
        if self.ok:
            return Level.OK
        return Level.WARNING if self.blocks is ExitStatus.OK else Level.FAIL

    @property
    def mark(self) -> str:
        return MARKS[self.level]

    def line(self, *, ascii_only: bool = False) -> str:
        """``✓ Name: detail``, and ``→ next step`` on a second line for a failure, a
        warning or a check not made."""
        mark = ASCII_MARKS[self.level] if ascii_only else self.mark
        arrow = ASCII_ARROW if ascii_only else ARROW
        text = f"{mark} {self.name.value}: {self.detail}"
        if self.next_step and self.ok is not True:
            text += f"\n    {arrow} {self.next_step}"
        return text


def exit_status(checks: list[Check]) -> ExitStatus:
    """The status a resolve would meet: that of the first failure that blocks it."""
    order = list(CheckName)
    for check in sorted(checks, key=lambda c: order.index(c.name)):
        if check.level is Level.FAIL:
            return check.blocks
    return ExitStatus.OK


def warnings(checks: list[Check]) -> int:
    """How many checks failed without stopping a resolve (marked ``!``)."""
    return sum(1 for c in checks if c.level is Level.WARNING)


def summary(checks: list[Check], *, ascii_only: bool = False) -> str:
    status = exit_status(checks)
    if status is ExitStatus.OK:
        text = "Ready to resolve."
        count = warnings(checks)
        if count:
            text += f" {count} warning{'s' if count > 1 else ''} above."
        return text
    mark = ASCII_MARKS[Level.FAIL] if ascii_only else MARKS[Level.FAIL]
    return f"Not ready to resolve: fix the {mark} lines above, then run the check again."


# ---------------------------------------------------------------------------------------
# What to check
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DoctorSetup:
    """Where to check and with which credentials. Its repr never shows a secret."""

    base_url: str
    api: ApiMode
    profile: str
    token: str | None = field(default=None, repr=False)
    token_source: str = ""  # in words: "TCB_ACCESS_TOKEN", "the keyring", …
    # Mini program mode: a token is fetched with these (cgi-bin/stable_token).
    appid: str | None = None
    app_secret: str | None = field(default=None, repr=False)
    secret_source: str = ""

    @property
    def mini_program(self) -> bool:
        return self.token is None and self.appid is not None


def setup_for(conn: Connection, store: TokenStore) -> DoctorSetup:
    """The setup of a command-line run of ``conn`` (tokens as ``core.connection`` finds
    them: ``TCB_ACCESS_TOKEN``, else the AppSecret of a mini program profile, else the
    profile's keyring token). Blocking: it may read the keyring."""
    from tcb_gui.core.connection import explicit_token, uses_stable_token
    from tcb_gui.core.errors import KeyringUnavailableError

    base = DoctorSetup(base_url=conn.base_url, api=conn.api, profile=conn.profile)
    explicit = explicit_token()
    if explicit is not None:
        return _with_token(base, explicit, "TCB_ACCESS_TOKEN")
    if uses_stable_token(conn):
        try:
            secret = store.current_app_secret(conn.profile)
        except KeyringUnavailableError:
            return _replace(base, appid=conn.appid, secret_source=_UNREADABLE)
        return _replace(
            base,
            appid=conn.appid,
            app_secret=secret.secret,
            secret_source=_SOURCE_WORDS.get(secret.source.value, secret.source.value)
            if secret.secret
            else "",
        )
    try:
        info = store.current(conn.profile)
    except KeyringUnavailableError:
        return _replace(base, token_source=_UNREADABLE)
    if not info.token:
        return base
    return _with_token(
        base, info.token, _SOURCE_WORDS.get(info.source.value, _SOURCE_WORDS["keyring"])
    )


def _with_token(setup: DoctorSetup, token: str, source: str) -> DoctorSetup:
    register_secret(token)
    return _replace(setup, token=token, token_source=source)


def _replace(setup: DoctorSetup, **changes: Any) -> DoctorSetup:
    from dataclasses import replace

    return replace(setup, **changes)


# ---------------------------------------------------------------------------------------
# The service: DNS, TCP, TLS
# ---------------------------------------------------------------------------------------


def proxy_variables(environ: dict[str, str] | None = None) -> list[str]:
    """The proxy variables set (names only: a value may hold a password)."""
    env = os.environ if environ is None else environ
    return [
        name
        for name in PROXY_VARIABLES
        if env.get(name, "").strip() or env.get(name.lower(), "").strip()
    ]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


async def check_service(base_url: str, *, environ: dict[str, str] | None = None) -> Check:
    """DNS, TCP and (for https) TLS to the base URL's host, timed."""
    url = httpx.URL(base_url)
    host = url.host
    https = url.scheme == "https"
    port = url.port or (443 if https else 80)
    proxies = proxy_variables(environ)
    proxy_note = _PROXY_UNUSED.format(names=", ".join(proxies)) if proxies else _NO_PROXY

    def proxy_step(step: str) -> str:
        return _PROXY_STEP.format(step=step, name=proxies[0], host=host) if proxies else step

    loop = asyncio.get_running_loop()
    started = time.monotonic()
    try:
        infos = await asyncio.wait_for(
            loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), CONNECT_TIMEOUT_S
        )
    except (OSError, TimeoutError) as exc:
        why = _connect_words(exc)
        return Check(
            CheckName.SERVICE,
            False,
            _DNS_FAILED.format(host=host, why=why, proxy_note=proxy_note),
            proxy_step(_DNS_STEP.format(base_url=base_url)),
            ExitStatus.SERVICE,
        )
    dns = time.monotonic() - started
    address = str(infos[0][4][0])
    started = time.monotonic()
    try:
        _reader, writer = await asyncio.wait_for(
            asyncio.open_connection(address, port), CONNECT_TIMEOUT_S
        )
    except (OSError, TimeoutError) as exc:
        why = _connect_words(exc)
        where = host if address == host else f"{host} ({address})"
        return Check(
            CheckName.SERVICE,
            False,
            _TCP_FAILED.format(where=where, port=port, why=why, proxy_note=proxy_note),
            proxy_step(_TCP_STEP.format(base_url=base_url)),
            ExitStatus.SERVICE,
        )
    tcp = time.monotonic() - started
    tls = ""
    try:
        if https:
            started = time.monotonic()
            context = DeferredTrustContext()  # the roots every request of ours trusts
            try:
                context.load_roots()
                if context.trust_problem:
                    raise ssl.SSLError(context.trust_problem)
                await asyncio.wait_for(
                    writer.start_tls(context, server_hostname=host), CONNECT_TIMEOUT_S
                )
            except (OSError, TimeoutError, ssl.SSLError) as exc:
                why = context.trust_problem or _tls_words(exc)
                return Check(
                    CheckName.SERVICE,
                    False,
                    _TLS_FAILED.format(
                        host=host, address=address, port=port, why=why, proxy_note=proxy_note
                    ),
                    proxy_step(_TLS_STEP),
                    ExitStatus.SERVICE,
                )
            tls = _ms(time.monotonic() - started)
    finally:
        writer.close()
        with contextlib.suppress(OSError, TimeoutError, ssl.SSLError):
            await asyncio.wait_for(writer.wait_closed(), 2.0)
    where = f"{host}:{port}" if address == host else f"{host} ({address}:{port})"
    timed = {"where": where, "dns": _ms(dns), "tcp": _ms(tcp), "proxy_note": proxy_note}
    detail = (_SERVICE_OK_TLS if tls else _SERVICE_OK_PLAIN).format(tls=tls, **timed)
    return Check(CheckName.SERVICE, True, detail)


def _connect_words(exc: BaseException) -> str:
    """A name lookup's or a connection's failure in words (core.netmessages')."""
    if isinstance(exc, TimeoutError):
        return TIMED_OUT
    words = system_error_words(exc) if isinstance(exc, OSError) else None
    return words or _system_words(exc)


def _tls_words(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return _HANDSHAKE_TIMED_OUT
    if isinstance(exc, ssl.SSLCertVerificationError):
        return not_trusted_words(exc)
    if isinstance(exc, ssl.SSLError) and exc.reason in _PLAIN_REPLY_REASONS:
        return _NOT_TLS
    return _system_words(exc)


def _system_words(exc: BaseException) -> str:
    """The system's own words for a failure without words of ours (English)."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


# ---------------------------------------------------------------------------------------
# The calls
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Answer:
    """One quota/get answer as the doctor needs it."""

    errcode: int | None  # None: no JSON errcode (an HTTP error or a garbled answer)
    errmsg: str
    http_status: int | None
    quota: dict[str, Any] | None
    offset: float | None  # service clock minus ours, from the Date header
    problem: str = ""  # why there is no answer (network), in words
    asked_at: float | None = None  # unix time the answered request was sent


def clock_offset(date_header: str | None, sent: float, received: float) -> float | None:
    """The service's clock minus ours, from its ``Date`` header (1 s resolution: the
    true time lies within the second it names, so its middle is taken)."""
    if not date_header:
        return None
    try:
        stamp = parsedate_to_datetime(date_header).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return stamp + 0.5 - (sent + received) / 2


class _Caller:
    """quota/get, raw, with one retry; each attempt goes to the trace."""

    def __init__(self, http: httpx.AsyncClient, base_url: str, trace: TraceHub | None) -> None:
        self.http = http
        self.base_url = base_url
        self.trace = trace
        self.offset: float | None = None  # from the first answer with a Date header

    async def quota(self, token: str | None, cgi_path: str) -> _Answer:
        body = json.dumps({"cgi_path": cgi_path})
        params = {"access_token": token} if token else {}
        answer = _Answer(None, "", None, None, None, "no answer")
        for attempt in range(1, _TRIES + 1):
            if attempt > 1:
                await asyncio.sleep(RetryPolicy().delay(0))
            answer = await self._once(params, body, attempt, last=attempt == _TRIES)
            if not _transient(answer):
                return answer
        return answer

    async def _once(self, params: dict[str, str], body: str, attempt: int, last: bool) -> _Answer:
        sent_wall = time.time()
        started = time.monotonic()
        url = self.base_url + QUOTA_PATH
        try:
            response, content = await post_for_answer(
                self.http,
                url,
                params=params,
                content=body.encode(),
                headers={"Content-Type": "application/json"},
                http_timeout=HTTP_TIMEOUT,
            )
        except httpx.HTTPError as exc:
            answer = _Answer(None, "", None, None, None, describe_transport_error(exc))
            self._emit(answer, body, attempt, last, sent_wall, started)
            return answer
        received = time.time()
        offset = clock_offset(response.headers.get("date"), sent_wall, received)
        if self.offset is None:
            self.offset = offset
        data: Any = None
        if response.status_code == 200:
            try:
                data = json.loads(content)
            except (ValueError, RecursionError):
                data = None
        if not isinstance(data, dict):
            problem = (
                f"HTTP {response.status_code}"
                if response.status_code != 200
                else "an unreadable answer"
            )
            answer = _Answer(None, "", response.status_code, None, offset, problem)
        else:
            raw = data.get("errcode", 0)
            code = 0 if isinstance(raw, bool) else as_int(raw)  # as client._errcode reads it
            msg = redact(str(data.get("errmsg") or ""))[:300]
            quota = data.get("quota") if isinstance(data.get("quota"), dict) else None
            answer = _Answer(code, msg, response.status_code, quota, offset, asked_at=sent_wall)
        self._emit(answer, body, attempt, last, sent_wall, started)
        return answer

    def _emit(
        self, answer: _Answer, body: str, attempt: int, last: bool, sent: float, started: float
    ) -> None:
        if self.trace is None or not self.trace.active:
            return
        if _transient(answer):
            outcome = Outcome.GAVE_UP if last else Outcome.RETRY
        elif answer.errcode == 0:
            outcome = Outcome.OK
        else:
            outcome = Outcome.FAILED
        self.trace.emit(
            TraceEvent(
                time=sent,
                kind=CallKind.API,
                method="POST",
                endpoint=QUOTA_PATH,
                url=f"{self.base_url}{QUOTA_PATH}?access_token=***",
                attempt=attempt,
                outcome=outcome,
                duration_ms=(time.monotonic() - started) * 1000,
                http_status=answer.http_status,
                errcode=answer.errcode,
                errmsg=answer.errmsg or answer.problem or None,
                body=body,
            )
        )


def _transient(answer: _Answer) -> bool:
    if answer.errcode is None:
        status = answer.http_status
        return status is None or status == 429 or status >= 500 or status == 200
    return classify_errcode(answer.errcode).kind is ErrorKind.RETRYABLE


def _other(api: ApiMode) -> ApiMode:
    return ApiMode.TCB if api is ApiMode.COMPONENT else ApiMode.COMPONENT


def _code_words(answer: _Answer) -> str:
    if answer.errcode is None:
        return answer.problem or "no answer"
    text = f"errcode {answer.errcode}"
    return f"{text}: {answer.errmsg}" if answer.errmsg else text


# ---------------------------------------------------------------------------------------
# The checks
# ---------------------------------------------------------------------------------------


def _clock_check(offset: float | None) -> Check:
    if offset is None:
        return _unchecked(CheckName.CLOCK, _NO_DATE)
    seconds = abs(offset)
    if seconds <= CLOCK_TOLERANCE_S:
        return Check(CheckName.CLOCK, True, _CLOCK_OK.format(seconds=max(1, round(seconds))))
    minutes, secs = divmod(round(seconds), 60)
    amount = f"{minutes} min {secs} s" if minutes else f"{secs} s"
    way = _CLOCK_BEHIND if offset > 0 else _CLOCK_AHEAD
    return Check(
        CheckName.CLOCK,
        False,
        way.format(amount=amount),
        _CLOCK_STEP,
        ExitStatus.OK,
        "#downloads",
    )


def _ip_failed(setup: DoctorSetup, errmsg: str) -> Check:
    ip = reported_ip(errmsg)
    seen = _SEEN_AS.format(ip=ip) if ip else _NO_ADDRESS
    where = _MP_ALLOWLIST if setup.mini_program or setup.api is ApiMode.TCB else _ACCOUNT_ALLOWLIST
    return Check(
        CheckName.IP,
        False,
        _IP_REFUSED.format(seen=seen),
        _ADD_IP.format(address=ip, where=where) if ip else _ADD_PUBLIC.format(where=where),
        ExitStatus.SERVICE,
        "#error-codes",
    )


def _quota_check(
    api: ApiMode, quota: dict[str, Any] | None, asked_at: float | None = None
) -> Check:
    """The quota line; with ``asked_at`` (the profile's own API) it carries the numbers."""
    check = _quota_words(api, quota)
    if asked_at is None or quota is None:
        return check
    remain, limit, used = (as_int(quota.get(k)) for k in ("remain", "daily_limit", "used"))
    if remain is None or limit is None or used is None:
        return check
    return replace(
        check,
        quota=Quota(limit, used, remain),
        quota_asked_at=datetime.fromtimestamp(asked_at, UTC),
    )


def _quota_words(api: ApiMode, quota: dict[str, Any] | None) -> Check:
    if quota is None:
        return Check(CheckName.QUOTA, None, _NO_NUMBERS)
    remain, limit, used = (as_int(quota.get(k)) for k in ("remain", "daily_limit", "used"))
    if remain is None:
        return Check(CheckName.QUOTA, None, _NO_NUMBERS)
    if remain <= 0:
        if limit is not None and used is not None:
            detail = _USED_UP_OF_USED.format(
                cgi_path=api.cgi_path, limit=f"{limit:,}", used=f"{used:,}"
            )
        elif limit is not None:
            detail = _USED_UP_OF.format(cgi_path=api.cgi_path, limit=f"{limit:,}")
        elif used is not None:
            detail = _USED_UP_USED.format(cgi_path=api.cgi_path, used=f"{used:,}")
        else:
            detail = _USED_UP.format(cgi_path=api.cgi_path)
        return Check(
            CheckName.QUOTA,
            False,
            detail,
            _USED_UP_STEP,
            ExitStatus.SERVICE,
            "#quota",
        )
    ids = remain * MAX_IDS_PER_REQUEST
    left = (
        _LEFT_OF.format(
            remain=f"{remain:,}", limit=f"{limit:,}", cgi_path=api.cgi_path, ids=f"{ids:,}"
        )
        if limit is not None
        else _LEFT.format(remain=f"{remain:,}", cgi_path=api.cgi_path, ids=f"{ids:,}")
    )
    return Check(CheckName.QUOTA, True, left)


async def _keyring_check(store: TokenStore | None) -> Check:
    if store is None:
        return Check(CheckName.KEYRING, None, _NOT_CHECKED)
    available = await asyncio.to_thread(store.keyring_available, True)
    if available:
        return Check(CheckName.KEYRING, True, _KEYRING_OK.format(backend=_backend_name()))
    return Check(CheckName.KEYRING, False, _NO_KEYRING, _NO_KEYRING_STEP)


def _backend_name() -> str:
    try:
        import keyring

        backend = keyring.get_keyring()
    except Exception:
        return _SOURCE_WORDS["keyring"]
    name = getattr(backend, "name", "") or type(backend).__name__
    return str(name)


def _missing_token(setup: DoctorSetup) -> Check:
    if setup.appid is not None:
        return Check(
            CheckName.TOKEN,
            False,
            _NO_SECRET.format(profile=repr(setup.profile), appid=setup.appid),
            _NO_SECRET_STEP,
            ExitStatus.TOKEN,
            "#tokens",
        )
    unreadable = setup.token_source == _UNREADABLE
    return Check(
        CheckName.TOKEN,
        False,
        (_NO_TOKEN_UNREADABLE if unreadable else _NO_TOKEN_FOR).format(profile=repr(setup.profile)),
        _NO_TOKEN_STEP,
        ExitStatus.TOKEN,
        "#tokens",
    )


def _unchecked(name: CheckName, why: str) -> Check:
    return Check(name, None, _NOT_CHECKED_WHY.format(why=why))


async def _stable_token(
    setup: DoctorSetup, http: httpx.AsyncClient, trace: TraceHub | None
) -> tuple[str | None, list[Check]]:
    """Mini program mode: a token from stable_token, or the checks saying why not."""
    from tcb_gui.core.stable_token import StableTokenProvider

    assert setup.appid is not None
    assert setup.app_secret
    secret = setup.app_secret
    register_secret(secret)
    provider = StableTokenProvider(
        http,
        base_url=setup.base_url,
        appid=setup.appid,
        secret=lambda: secret,
        retry=RetryPolicy(max_tries=_TRIES),
        trace=trace,
    )
    try:
        token = await provider.get()
    except TcbError as error:
        return None, _stable_token_failed(setup, error)
    return token, []


def _stable_token_failed(setup: DoctorSetup, error: TcbError) -> list[Check]:
    code = error.code
    if code in _IP_CODES:
        if code == 40164:
            ip_check = _ip_failed(setup, error.detail)
        else:
            ip_check = Check(
                CheckName.IP,
                False,
                error.message,
                _ASK_ADMIN,
                ExitStatus.SERVICE,
                "#error-codes",
            )
        return [_unchecked(CheckName.TOKEN, _IP_REFUSED_WHY), ip_check]
    if isinstance(error, TokenError):
        return [
            Check(
                CheckName.TOKEN,
                False,
                _SECRET_REFUSED_CODE.format(code=code, message=error.message)
                if code is not None
                else _SECRET_REFUSED.format(message=error.message),
                _SECRET_REFUSED_STEP,
                ExitStatus.TOKEN,
                "#error-codes",
            )
        ]
    assert isinstance(error, ServiceError)
    return [
        Check(
            CheckName.TOKEN,
            False,
            _NO_STABLE_TOKEN_CODE.format(code=code, message=error.message)
            if code is not None
            else _NO_STABLE_TOKEN.format(message=error.message),
            _NO_STABLE_TOKEN_STEP,
            ExitStatus.SERVICE,
            "#tokens",
        )
    ]


async def run_doctor(
    setup: DoctorSetup,
    *,
    store: TokenStore | None = None,
    http: httpx.AsyncClient | None = None,
    trace: TraceHub | None = None,
    environ: dict[str, str] | None = None,
) -> AsyncIterator[Check]:
    """Yield the checks in ``CheckName`` order as each is known (module docstring).

    ``store`` is asked whether a keyring answers; ``http`` defaults to a client made
    here (``make_http_client``: no proxy, as a run); ``trace`` hears every call made.
    """
    validate_base_url(setup.base_url)
    service = await check_service(setup.base_url, environ=environ)
    yield service
    if setup.token:
        register_secret(setup.token)
    if service.ok is not True:
        why = _UNREACHABLE
        yield _unchecked(CheckName.CLOCK, why)
        has_credentials = bool(setup.token or (setup.appid and setup.app_secret))
        if has_credentials:
            source = setup.token_source or setup.secret_source
            yield _unchecked(CheckName.TOKEN, _WHY_FOUND_IN.format(why=why, source=source))
        else:
            yield _missing_token(setup)
        for name in (CheckName.API_MODE, CheckName.IP, CheckName.QUOTA):
            yield _unchecked(name, why)
        yield await _keyring_check(store)
        return
    owned = http is None
    client = http if http is not None else make_http_client()
    try:
        async for check in _calls(setup, client, trace):
            yield check
    finally:
        if owned:
            await client.aclose()
    yield await _keyring_check(store)


async def _calls(
    setup: DoctorSetup, http: httpx.AsyncClient, trace: TraceHub | None
) -> AsyncIterator[Check]:
    """Clock, token, API mode, IP and quota, from stable_token and quota/get."""
    caller = _Caller(http, setup.base_url, trace)
    token = setup.token
    early: list[Check] = []
    if token is None and setup.appid is not None and setup.app_secret:
        token, early = await _stable_token(setup, http, trace)
    if token is None:
        # Still ask once without a token: the Date header, and that this is the API.
        probe = await caller.quota(None, setup.api.cgi_path)
        yield _clock_check(caller.offset)
        if early:
            yield from_list(early, CheckName.TOKEN) or _missing_token(setup)
            ip = from_list(early, CheckName.IP)
        else:
            yield _missing_token(setup)
            ip = None
        why = (
            _NO_TOKEN
            if probe.errcode is not None
            else _NO_TOKEN_WORDS.format(words=_code_words(probe))
        )
        yield _unchecked(CheckName.API_MODE, why)
        yield ip or _unchecked(CheckName.IP, why)
        yield _unchecked(CheckName.QUOTA, why)
        return
    register_secret(token)
    source = setup.token_source or (
        _FROM_STABLE_TOKEN.format(appid=setup.appid) if setup.appid else _THE_PROFILE
    )
    own = await caller.quota(token, setup.api.cgi_path)
    yield _clock_check(caller.offset)
    if own.errcode in _WRONG_KIND_CODES | _TOKEN_ERRCODES:
        other = await caller.quota(token, _other(setup.api).cgi_path)
        checks = _judge(setup, source, own, other)
    else:
        checks = _judge(setup, source, own, None)
    for check in checks:
        yield check


def from_list(checks: list[Check], name: CheckName) -> Check | None:
    for check in checks:
        if check.name is name:
            return check
    return None


def _judge(setup: DoctorSetup, source: str, own: _Answer, other: _Answer | None) -> list[Check]:
    """Token, API mode, IP and quota from the answers for both families' cgi_paths."""
    api = setup.api
    code = own.errcode
    if code is None:
        why = _NO_QUOTA_ANSWER.format(problem=own.problem)
        return [
            Check(
                CheckName.TOKEN,
                False,
                _FOUND_IN_WHY.format(source=source, why=why),
                _NO_API_STEP,
                ExitStatus.SERVICE,
            ),
            _unchecked(CheckName.API_MODE, why),
            _unchecked(CheckName.IP, why),
            _unchecked(CheckName.QUOTA, why),
        ]
    if code in _IP_CODES:
        ip_check = _ip_failed(setup, own.errmsg)
        why = _IP_REFUSED_WHY
        return [
            _unchecked(CheckName.TOKEN, _WHY_TOKEN_FOUND_IN.format(why=why, source=source)),
            _unchecked(CheckName.API_MODE, why),
            ip_check,
            _unchecked(CheckName.QUOTA, why),
        ]
    ip_ok = Check(CheckName.IP, True, _IP_OK)
    if code == 0:
        return [
            Check(CheckName.TOKEN, True, _ACCEPTED.format(source=source)),
            Check(CheckName.API_MODE, True, _FITS.format(api=api.value, cgi_path=api.cgi_path)),
            ip_ok,
            _quota_check(api, own.quota, own.asked_at),
        ]
    if code in _WRONG_KIND_CODES | _TOKEN_ERRCODES:
        return _family(setup, source, own, other, ip_ok)
    if code == 45009:
        return [
            Check(CheckName.TOKEN, True, _ACCEPTED.format(source=source)),
            _unchecked(CheckName.API_MODE, _OWN_QUOTA_USED),
            ip_ok,
            Check(
                CheckName.QUOTA,
                False,
                _45009.format(errmsg=own.errmsg),
                _45009_STEP,
                ExitStatus.SERVICE,
                "#quota",
            ),
        ]
    info = classify_errcode(code)
    why = _ANSWERED.format(words=_code_words(own))
    return [
        Check(
            CheckName.TOKEN,
            False,
            _FOUND_IN_WHY.format(source=source, why=why),
            info.message,
            ExitStatus.TOKEN if info.kind is ErrorKind.TOKEN else ExitStatus.SERVICE,
            "#error-codes",
        ),
        _unchecked(CheckName.API_MODE, why),
        ip_ok,
        _unchecked(CheckName.QUOTA, why),
    ]


def _family(
    setup: DoctorSetup, source: str, own: _Answer, other: _Answer | None, ip_ok: Check
) -> list[Check]:
    """The token was refused for the profile's family: does it fit the other one?"""
    api = setup.api
    other_api = _other(api)
    own_words = _code_words(own)
    if other is not None and other.errcode == 0:
        switch = "--api tcb" if other_api is ApiMode.TCB else "--api component"
        step = _SWITCH_STEP.format(
            other=other_api.value, switch=switch, api=api.value, family=_FAMILY_WORDS
        )
        if setup.mini_program:
            step = _MINI_PROGRAM_STEP.format(family=_FAMILY_WORDS)
        quota = _quota_check(other_api, other.quota)
        return [
            Check(CheckName.TOKEN, True, _WORKING.format(source=source, api=other_api.value)),
            Check(
                CheckName.API_MODE,
                False,
                _FITS_OTHER.format(
                    other=other_api.value,
                    other_path=other_api.cgi_path,
                    api=api.value,
                    cgi_path=api.cgi_path,
                    words=own_words,
                ),
                step,
                ExitStatus.TOKEN,
                "#endpoints",
            ),
            ip_ok,
            Check(
                CheckName.QUOTA,
                None,
                _QUOTA_OTHER.format(api=api.value, other=other_api.value, detail=quota.detail),
            ),
        ]
    if own.errcode in _TOKEN_ERRCODES and (other is None or other.errcode in _TOKEN_ERRCODES):
        assert own.errcode is not None
        info = classify_errcode(own.errcode)
        expired = own.errcode == 42001
        return [
            Check(
                CheckName.TOKEN,
                False,
                (_EXPIRED if expired else _REJECTED).format(source=source, words=own_words),
                info.message,
                ExitStatus.TOKEN,
                "#tokens",
            ),
            _unchecked(CheckName.API_MODE, _NOT_ACCEPTED),
            _unchecked(CheckName.IP, _NOT_ACCEPTED),
            _unchecked(CheckName.QUOTA, _NOT_ACCEPTED),
        ]
    other_words = _code_words(other) if other is not None else "not asked"
    return [
        Check(CheckName.TOKEN, True, _KNOWN.format(source=source)),
        Check(
            CheckName.API_MODE,
            False,
            _FITS_NEITHER_WORDS.format(
                cgi_path=api.cgi_path,
                words=own_words,
                other_path=other_api.cgi_path,
                other_words=other_words,
            ),
            _PERMISSION_STEP.format(family=_FAMILY_WORDS),
            ExitStatus.TOKEN,
            "#quota",
        ),
        ip_ok,
        _unchecked(CheckName.QUOTA, _FITS_NEITHER),
    ]


# ---------------------------------------------------------------------------------------
# Convenience
# ---------------------------------------------------------------------------------------


async def collect(
    setup: DoctorSetup,
    *,
    on_check: Callable[[Check], object] | None = None,
    **options: Any,
) -> list[Check]:
    """Every check, in order; ``on_check`` hears each as it is known."""
    checks: list[Check] = []
    async for check in run_doctor(setup, **options):
        checks.append(check)
        if on_check is not None:
            on_check(check)
    return checks


def describe_setup(setup: DoctorSetup) -> str:
    """The first line: which profile, API mode and base URL are checked."""
    mode = f"API mode {setup.api.value} ({setup.api.cgi_path})"
    how = f", mini program {setup.appid}" if setup.mini_program else ""
    return f"Checking profile {setup.profile!r}: {mode}{how}, {setup.base_url}"
