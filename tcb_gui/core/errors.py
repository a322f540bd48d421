"""The error catalogue: every failure is classified here, once.

The UI and the command line only render what this module decides: the kind of a
failure (what the program does next) and a message that says what happened and what
the user can do. Codes and their meaning come from WECHAT_API.md §2 (the official
error-code pages of the WeChat Open Platform and CloudBase).
"""

from __future__ import annotations

import ipaddress
import re
import string
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any, Final, NamedTuple

# --- messages a user may see -----------------------------------------------------------
#
# Core speaks English (the command line prints it, reports and history keep it). The
# window shows the same messages translated, without Qt here: every message core may hand
# to a user is registered below, either whole (``message``) or as a template with named
# parts (``MessageTemplate``). ``ui/core_text.py`` looks the English text up in this
# registry and translates the template, keeping the variable parts (codes, counts, names,
# the service's own words) as they are and translating the parts that are themselves
# registered messages (``nested``).

_FORMATTER = string.Formatter()


class _Template(NamedTuple):
    """``MessageTemplate``'s fields."""

    text: str
    nested: frozenset[str] = frozenset()
    or_data: frozenset[str] = frozenset()


class MessageTemplate(_Template):
    """An English message with ``{named}`` parts, registered when it is created.

    ``nested`` names the parts that hold another registered message (a reason, a
    problem), which a translation translates too; every other part is data. ``or_data``
    names nested parts that may instead hold data (the system's own words for a rarer
    failure, where core has words of its own for the common ones): such a part is
    translated when it is a message of ours and kept as it is otherwise.

    A ``NamedTuple`` checked and registered in ``__new__``: records made on the way to
    the first paint or the first request are not frozen dataclasses
    (docs/ARCHITECTURE.md#start-up).
    """

    __slots__ = ()

    def __new__(
        cls,
        text: str,
        nested: frozenset[str] = frozenset(),
        or_data: frozenset[str] = frozenset(),
    ) -> MessageTemplate:
        self = super().__new__(cls, text, nested, or_data)
        missing = (nested | or_data) - set(self.fields)
        if missing:
            raise ValueError(f"nested parts not in the template: {sorted(missing)}")
        if not or_data <= nested:
            raise ValueError(f"or_data parts must be nested: {sorted(or_data)}")
        known = _REGISTRY.get(text)
        if known is not None and (known.nested, known.or_data) != (nested, or_data):
            raise ValueError(f"registered twice, differently: {text!r}")
        _REGISTRY.setdefault(text, self)
        return self

    def _replace(self, **changes: Any) -> MessageTemplate:
        """Checked and registered as made (a NamedTuple's own skips ``__new__``)."""
        return MessageTemplate(**{**self._asdict(), **changes})

    @property
    def fields(self) -> tuple[str, ...]:
        """The names of the parts, in order of first appearance."""
        return tuple(dict.fromkeys(template_fields(self.text)))

    def format(self, **parts: object) -> str:
        """The English message with ``parts`` filled in."""
        return self.text.format(**parts)


def template_fields(text: str) -> list[str]:
    """The field names of a ``str.format`` template, in order, repeats kept."""
    return [name for _, name, _, _ in _FORMATTER.parse(text) if name is not None]


_REGISTRY: dict[str, MessageTemplate] = {}


def message(text: str) -> str:
    """Register a message without variable parts; return it unchanged."""
    if template_fields(text):
        raise ValueError(f"a message with parts needs a MessageTemplate: {text!r}")
    MessageTemplate(text)
    return text


def messages() -> tuple[MessageTemplate, ...]:
    """Every registered message, in the order registered.

    A module registers its messages when it is imported; ``ui/core_text.py`` imports
    every core module whose messages reach the window.
    """
    return tuple(_REGISTRY.values())


def _register(texts: Iterable[str]) -> None:
    for text in texts:
        message(text)


class ErrorKind(StrEnum):
    """What the program does about a failure."""

    TOKEN = "token"  # stop the run, ask for a valid token
    RETRYABLE = "retryable"  # back off with jitter and try again
    REQUEST = "request"  # this batch's files fail with the reason
    FILE = "file"  # one file failed (per-file status)
    # The set-up must change first (the account, its quota, a full disk, a folder that
    # may not be written, an environment the account does not have): nothing is retried,
    # and the message says what to do instead.
    CONFIG = "config"
    CLIENT = "client"  # our request was malformed: a bug, reported as such
    NETWORK = "network"  # network or service failure that outlived its retries
    INPUT = "input"  # the user's input or options


class TokenState(StrEnum):
    """The states the token badge shows (DESIGN §1.1)."""

    NOT_SET = "not_set"
    CHECKING = "checking"
    VALID = "valid"
    EXPIRED = "expired"
    INVALID = "invalid"
    MISSING = "missing"  # the service says no token was sent
    NOT_ALLOWED = "not_allowed"  # a real token, but not for this API or permission set
    UNREACHABLE = "unreachable"  # the check itself could not reach the service


class ErrorInfo(NamedTuple):
    """How one service errcode is handled."""

    kind: ErrorKind
    message: str
    token_state: TokenState | None = None


_TOKEN_INVALID = "The access token is not valid. Paste a fresh token (Set token…) and try again."
_TOKEN_EXPIRED = (
    "The access token has expired (tokens live 2 hours). Paste a fresh token and resume."
)
_TOKEN_MISSING = "The service received no access token. Set a token and try again."
# The command line's words for the token messages above, which name the window's remedy
# (Set token…, paste, resume): a shell has nothing to paste into and no run to resume, so
# they say what works there. Never shown in the window, so not registered for translation.
_AGAIN_WITH_A_TOKEN = (
    "Run the command again with a fresh token: in TCB_ACCESS_TOKEN, or saved with "
    "'tcb-gui token set' (TCB_ACCESS_TOKEN, when set, wins over it)."
)
COMMAND_LINE_TOKEN_WORDS: Final[Mapping[str, str]] = {
    _TOKEN_INVALID: f"The access token is not valid. {_AGAIN_WITH_A_TOKEN}",
    _TOKEN_EXPIRED: f"The access token has expired (tokens live 2 hours). {_AGAIN_WITH_A_TOKEN}",
    _TOKEN_MISSING: (
        "The service received no access token. Run the command again with a token: in "
        "TCB_ACCESS_TOKEN, or saved with 'tcb-gui token set'."
    ),
}
_NOT_ALLOWED = (
    "This token may not call this API. Check the API mode (component or tcb) of the "
    "profile and that the permission set for CloudBase is authorized."
)
_CLIENT_BUG = "The service rejected the request format (a bug in TCB Links; please report it)."

# IP allowlist answers (40164, 89503..89507) come from any API of the account, the token
# endpoint and batchdownloadfile / quota/get alike: one message wherever they appear.
_IP_NOT_ALLOWED = (
    "This computer's IP address is not on the mini program's IP allowlist. Add it in the "
    "WeChat MP console (开发管理 → 开发设置 → IP白名单), or run from an allowed machine."
)
_IP_REFUSED = (
    "The mini program's administrator refused calls from this computer's IP address. "
    "Try again in {wait}, or ask the administrator to add this IP to the IP allowlist "
    "(开发管理 → 开发设置 → IP白名单)."
)
_CLOUDBASE_QUOTA = (
    "The CloudBase environment's quota of read or write requests is used up. Nothing more "
    "can be resolved until it resets, or until the environment's plan is upgraded in the "
    "CloudBase console."
)
_BAD_PARAMETER = "The service rejected a parameter of this request."
_SYSTEM_ERROR = "The service reports a system error."

# WECHAT_API.md §2 (and the CloudBase errcode page it names for -5010xx / -6010xx).
# Matched on the number only: errmsg carries varying suffixes.
ERRCODES: dict[int, ErrorInfo] = {
    -1: ErrorInfo(ErrorKind.RETRYABLE, "The service reports 'system busy'."),
    -1000: ErrorInfo(ErrorKind.RETRYABLE, _SYSTEM_ERROR),
    45009: ErrorInfo(
        ErrorKind.CONFIG,
        "Today's API quota for this account is used up. Nothing more can be resolved "
        "until the quota resets tomorrow (or ask the account owner to reset it).",
    ),
    45011: ErrorInfo(ErrorKind.RETRYABLE, "The per-minute call limit was reached."),
    40001: ErrorInfo(ErrorKind.TOKEN, _TOKEN_INVALID, TokenState.INVALID),
    40014: ErrorInfo(ErrorKind.TOKEN, _TOKEN_INVALID, TokenState.INVALID),
    41001: ErrorInfo(ErrorKind.TOKEN, _TOKEN_MISSING, TokenState.MISSING),
    42001: ErrorInfo(ErrorKind.TOKEN, _TOKEN_EXPIRED, TokenState.EXPIRED),
    48001: ErrorInfo(ErrorKind.TOKEN, _NOT_ALLOWED, TokenState.NOT_ALLOWED),
    61007: ErrorInfo(ErrorKind.TOKEN, _NOT_ALLOWED, TokenState.NOT_ALLOWED),
    76022: ErrorInfo(ErrorKind.TOKEN, _NOT_ALLOWED, TokenState.NOT_ALLOWED),
    40097: ErrorInfo(
        ErrorKind.REQUEST,
        "The service rejected this batch as invalid (often a malformed file ID in it).",
    ),
    40101: ErrorInfo(ErrorKind.REQUEST, "The service says a required parameter is missing."),
    43002: ErrorInfo(ErrorKind.CLIENT, _CLIENT_BUG),
    44002: ErrorInfo(ErrorKind.CLIENT, _CLIENT_BUG),
    47001: ErrorInfo(ErrorKind.CLIENT, _CLIENT_BUG),
    76021: ErrorInfo(ErrorKind.CLIENT, _CLIENT_BUG),
    85088: ErrorInfo(
        ErrorKind.CONFIG,
        "CloudBase is not enabled for this account. Enable CloudBase (云开发) for the "
        "mini program, or authorize it for the third-party platform.",
    ),
    -501001: ErrorInfo(ErrorKind.RETRYABLE, "CloudBase reports a system error."),
    -501002: ErrorInfo(ErrorKind.RETRYABLE, "CloudBase timed out."),
    -501003: ErrorInfo(ErrorKind.RETRYABLE, "The CloudBase request quota was reached."),
    -501004: ErrorInfo(ErrorKind.RETRYABLE, "The CloudBase concurrency limit was reached."),
    -501005: ErrorInfo(
        ErrorKind.REQUEST,
        "The service does not know this environment ID. Check the env part of the IDs.",
    ),
    -501007: ErrorInfo(ErrorKind.REQUEST, _BAD_PARAMETER),
    -501009: ErrorInfo(
        ErrorKind.REQUEST,
        "The service says a resource of this request is invalid or does not exist. Check "
        "the bucket part of the IDs.",
    ),
    -501015: ErrorInfo(ErrorKind.CONFIG, _CLOUDBASE_QUOTA),  # read requests
    -501016: ErrorInfo(ErrorKind.CONFIG, _CLOUDBASE_QUOTA),  # write requests
    -501017: ErrorInfo(
        ErrorKind.CONFIG,
        "The CloudBase environment has run out of storage space (see the CloudBase console).",
    ),
    # "资源不可用": may pass (a restart, a move); retried, bounded like any transient failure.
    -501018: ErrorInfo(ErrorKind.RETRYABLE, "CloudBase reports the resource is unavailable."),
    -501019: ErrorInfo(ErrorKind.TOKEN, _NOT_ALLOWED, TokenState.NOT_ALLOWED),  # 未授权操作
    -501020: ErrorInfo(ErrorKind.REQUEST, _BAD_PARAMETER),  # unknown parameter error
    -501021: ErrorInfo(ErrorKind.CLIENT, _CLIENT_BUG),  # operation not supported
    -601001: ErrorInfo(ErrorKind.RETRYABLE, _SYSTEM_ERROR),  # WeChat back end: system error
    -601002: ErrorInfo(ErrorKind.REQUEST, _BAD_PARAMETER),  # system parameter error
    -601003: ErrorInfo(ErrorKind.RETRYABLE, _SYSTEM_ERROR),  # system network error
    40164: ErrorInfo(ErrorKind.CONFIG, _IP_NOT_ALLOWED, TokenState.NOT_ALLOWED),
    89503: ErrorInfo(
        ErrorKind.CONFIG,
        "WeChat asked the mini program's administrator to confirm calls from this "
        "computer's IP address. Try again once the administrator has approved it.",
        TokenState.NOT_ALLOWED,
    ),
    89506: ErrorInfo(ErrorKind.CONFIG, _IP_REFUSED.format(wait="24 hours"), TokenState.NOT_ALLOWED),
    89507: ErrorInfo(ErrorKind.CONFIG, _IP_REFUSED.format(wait="1 hour"), TokenState.NOT_ALLOWED),
}

# --- the credential endpoint (cgi-bin/stable_token) -----------------------------------
#
# Codes of the token endpoint (WECHAT_API.md §4; the getStableAccessToken page and the
# global error-code page of the WeChat docs). Kept apart from ERRCODES: they answer a
# request for a token made with the mini program's appid and appsecret, so a bad value
# is a problem with the appid/appsecret, not with "the token". Codes not listed here
# (-1, 45011, 43002, 44002, 47001, the IP allowlist's 40164 and 89503..89507, …) mean what
# ERRCODES says.

_MP_SETTINGS = "WeChat MP console (开发管理 → 开发设置)"
_BAD_APPID = (
    f"WeChat does not know this AppID. Check the mini program's AppID in the {_MP_SETTINGS}: "
    "it is wx followed by 16 letters and digits. Then save it again."
)
_BAD_APPSECRET = (
    "WeChat rejected the AppSecret for this AppID. Copy the current AppSecret from the "
    "WeChat MP console (开发管理 → 开发设置 → AppSecret) and save it again; it changes "
    "whenever someone resets it."
)
_CREDENTIALS_BUG = (
    "The token service rejected the request format (a bug in TCB Links; please report it)."
)

CREDENTIAL_ERRCODES: dict[int, ErrorInfo] = {
    # The global error-code page: "获取 access_token 时 AppSecret 错误" comes back as 40001.
    40001: ErrorInfo(ErrorKind.TOKEN, _BAD_APPSECRET, TokenState.INVALID),
    40002: ErrorInfo(ErrorKind.CLIENT, _CREDENTIALS_BUG),  # invalid grant_type
    40013: ErrorInfo(ErrorKind.TOKEN, _BAD_APPID, TokenState.INVALID),
    40125: ErrorInfo(ErrorKind.TOKEN, _BAD_APPSECRET, TokenState.INVALID),
    40243: ErrorInfo(
        ErrorKind.TOKEN,
        f"The AppSecret of this mini program is frozen. Unfreeze it in the {_MP_SETTINGS}, "
        "then try again.",
        TokenState.INVALID,
    ),
    41002: ErrorInfo(
        ErrorKind.TOKEN,
        "No AppID was sent. Set the mini program's AppID for this profile.",
        TokenState.NOT_SET,
    ),
    41004: ErrorInfo(
        ErrorKind.TOKEN,
        "No AppSecret was sent. Save the mini program's AppSecret for this profile.",
        TokenState.NOT_SET,
    ),
    45009: ErrorInfo(
        ErrorKind.CONFIG,
        "WeChat hands out no more access tokens to this mini program today (the daily "
        "quota of token requests is used up). Try again tomorrow, or ask the account owner "
        "to reset the quota.",
    ),
}


_UNKNOWN_CREDENTIAL_CODE = MessageTemplate("The token service answered error {errcode}.")


def classify_credential_errcode(errcode: int) -> ErrorInfo:
    """The handling of an errcode from the token endpoint (``cgi-bin/stable_token``)."""
    info = CREDENTIAL_ERRCODES.get(errcode)
    if info is not None:
        return info
    if errcode in ERRCODES:
        return ERRCODES[errcode]
    return ErrorInfo(ErrorKind.REQUEST, _UNKNOWN_CREDENTIAL_CODE.format(errcode=errcode))


# Per-file statuses seen from the SDKs (WECHAT_API.md §2); any other non-zero status is
# shown with the service's own errmsg.
FILE_STATUS_MESSAGES: dict[int, str] = {
    -503003: "File does not exist",
    -503002: "No permission to read this file",
    -503001: "Storage request failed",
    -501005: "File belongs to another environment",
}

_UNKNOWN_CODE = MessageTemplate("The service answered error {errcode}.")
_UNKNOWN_FILE_STATUS = MessageTemplate("The service answered status {status} for this file")
# A message followed by the service's (or the system's) own words, which stay as they are.
WITH_DETAIL = MessageTemplate("{message} ({detail})", nested=frozenset({"message"}))


# A transport failure: a problem in words (registered by the module that words it), or
# the exception's type name when there are no words for it.
NETWORK_ERROR = MessageTemplate("Network error: {problem}", nested=frozenset({"problem"}))
NETWORK_ERROR_TYPE = MessageTemplate("Network error: {error}")
NETWORK_ERROR_BARE = message("Network error")


def with_detail(message: str, detail: str) -> str:
    """``message (detail)``, or ``message`` alone when there is no detail."""
    return WITH_DETAIL.format(message=message, detail=detail) if detail else message


# 40164's errmsg names the address WeChat saw ("invalid ip 203.0.113.7 ipv6
# ::ffff:203.0.113.7, not in whitelist rid: …"): the public exit address the allowlist
# needs, which the user cannot easily find otherwise (WECHAT_API.md#error-codes). Compiled
# by re (and kept in its cache) when first met, not on every start.
_CALLER_IP_PATTERN = r"(?i)\binvalid ip:?\s*([0-9a-f:.]{2,45})"
IP_NOT_ALLOWED_SEEN = MessageTemplate(
    "{message} WeChat saw this computer's address as {ip}.", nested=frozenset({"message"})
)


def caller_ip(errmsg: str) -> str | None:
    """The caller's IP address as an allowlist refusal's errmsg names it, else None."""
    match = re.search(_CALLER_IP_PATTERN, errmsg)
    if match is None:
        return None
    try:
        return str(ipaddress.ip_address(match.group(1).rstrip(".:")))
    except ValueError:
        return None


def errcode_message(info: ErrorInfo, errmsg: str) -> str:
    """``info.message`` for the user; an allowlist refusal also says which IP to add."""
    ip = caller_ip(errmsg) if info.message == _IP_NOT_ALLOWED else None
    return IP_NOT_ALLOWED_SEEN.format(message=info.message, ip=ip) if ip else info.message


def command_line_words(message: str) -> str:
    """``message`` as the command line says it: a token message that names the window's
    remedy in words that work in a shell (``COMMAND_LINE_TOKEN_WORDS``); any other as it
    is. The window shows the message itself (translated by ``ui.core_text``)."""
    return COMMAND_LINE_TOKEN_WORDS.get(message, message)


def classify_errcode(errcode: int) -> ErrorInfo:
    """The handling of a whole-request errcode; unknown codes fail the batch."""
    info = ERRCODES.get(errcode)
    if info is not None:
        return info
    return ErrorInfo(ErrorKind.REQUEST, _UNKNOWN_CODE.format(errcode=errcode))


# Whole-request refusals that come again for the same IDs and token: the IDs name an
# environment (or a bucket) the account does not have. The batch fails and the run goes
# on (ERRCODES: REQUEST), but asking again cannot help until the IDs or the token change
# (the message says which): the client gives its files the kind CONFIG, so neither a
# resolve nor a download offers them a retry.
REFUSED_UNTIL_CHANGED: Final = frozenset({-501005, -501009})
# A refused request's errcode as core words it: "… (errcode -501005)" or "… (errcode
# -501005: the service's words)" (client._BATCH_FAILED and _BATCH_FAILED_DETAIL).
_REFUSED_CODE_PATTERN: Final = r"\(errcode (-?\d+)"


def refused_errcode(errmsg: str) -> int | None:
    """The errcode of the refused request a failed result's errmsg names, else None."""
    match = re.search(_REFUSED_CODE_PATTERN, errmsg)
    return int(match.group(1)) if match is not None else None


def answered_for_good(kind: ErrorKind | None, errmsg: str) -> bool:
    """Whether a failed result is the service's last word, which asking again cannot
    change: the file's own answer (not found, no permission…) or an environment (or
    bucket) the account does not have.

    Every other failure is worth asking again once the operator says so: the network,
    a busy service, and the rows a run never asked for because the account stopped it
    ("Not resolved: …" after today's quota or the IP allowlist), which the operator fixes
    first. The window's Retry failed (Ctrl+R) and the downloads it offers go by this.
    """
    if kind is ErrorKind.FILE:
        return True
    return kind is ErrorKind.CONFIG and refused_errcode(errmsg) in REFUSED_UNTIL_CHANGED


def failure_words(errmsg: str) -> str:
    """The service's own words for a file that failed, without its "ok" (sent with a
    failure by a broken service: no reason, and a failed row must say why)."""
    return "" if errmsg.strip().lower() == "ok" else errmsg


def file_status_message(status: int, errmsg: str) -> str:
    known = FILE_STATUS_MESSAGES.get(status)
    words = failure_words(errmsg)
    if known and words:
        return with_detail(known, words)
    return known or words or _UNKNOWN_FILE_STATUS.format(status=status)


def _table_messages(*tables: Mapping[int, ErrorInfo]) -> list[str]:
    return [info.message for table in tables for info in table.values()]


_register(_table_messages(ERRCODES, CREDENTIAL_ERRCODES))
_register(FILE_STATUS_MESSAGES.values())


INTERRUPTED = message("interrupted by Ctrl+C")


class TcbError(Exception):
    """A classified failure. ``str()`` is the user-facing message; it never holds a token."""

    kind: ErrorKind = ErrorKind.REQUEST

    def __init__(self, message: str, *, code: int | None = None, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.detail = detail
        # When a run stops on this error: the IDs it did not get to (core.fileids.FileId).
        self.unresolved: tuple[object, ...] = ()


class RunInterrupted(TcbError):
    """The user stopped the run (Ctrl+C on the command line): what came back before is
    kept and written, the rest says it was not asked for. Exit status 130."""

    kind = ErrorKind.CLIENT

    def __init__(self) -> None:
        super().__init__(INTERRUPTED)


class InputError(TcbError):
    """Bad input or options: no IDs, binary or unreadable input, an invalid setting."""

    kind = ErrorKind.INPUT


class TokenError(TcbError):
    """The service rejected the token, or there is none. The run stops and asks."""

    kind = ErrorKind.TOKEN

    def __init__(
        self,
        message: str,
        *,
        state: TokenState,
        code: int | None = None,
        detail: str = "",
    ) -> None:
        super().__init__(message, code=code, detail=detail)
        self.state = state


class ServiceError(TcbError):
    """The service or the network failed after retries, or the account cannot proceed."""

    kind = ErrorKind.NETWORK

    def __init__(
        self,
        message: str,
        *,
        kind: ErrorKind = ErrorKind.NETWORK,
        code: int | None = None,
        detail: str = "",
    ) -> None:
        super().__init__(message, code=code, detail=detail)
        self.kind = kind


class KeyringUnavailableError(TcbError):
    """No usable OS keyring: the token can be kept for this session only."""

    kind = ErrorKind.CONFIG
