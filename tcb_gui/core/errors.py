"""The error catalogue: every failure is classified here, once.

The UI and the command line only render what this module decides: the kind of a
failure (what the program does next) and a message that says what happened and what
the user can do. Codes and their meaning come from WECHAT_API.md §2 (the official
error-code pages of the WeChat Open Platform and CloudBase).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ErrorKind(StrEnum):
    """What the program does about a failure."""

    TOKEN = "token"  # stop the run, ask for a valid token
    RETRYABLE = "retryable"  # back off with jitter and try again
    REQUEST = "request"  # this batch's files fail with the reason
    FILE = "file"  # one file failed (per-file status)
    CONFIG = "config"  # account or quota problem: stop, nothing retried
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


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    """How one service errcode is handled."""

    kind: ErrorKind
    message: str
    token_state: TokenState | None = None


_TOKEN_INVALID = "The access token is not valid. Paste a fresh token (Set token…) and try again."
_TOKEN_EXPIRED = (
    "The access token has expired (tokens live 2 hours). Paste a fresh token and resume."
)
_TOKEN_MISSING = "The service received no access token. Set a token and try again."
_NOT_ALLOWED = (
    "This token may not call this API. Check the API mode (component or tcb) of the "
    "profile and that the permission set for CloudBase is authorized."
)
_CLIENT_BUG = "The service rejected the request format (a bug in TCB Links; please report it)."

# WECHAT_API.md §2. Matched on the number only: errmsg carries varying suffixes.
ERRCODES: dict[int, ErrorInfo] = {
    -1: ErrorInfo(ErrorKind.RETRYABLE, "The service reports 'system busy'."),
    -1000: ErrorInfo(ErrorKind.RETRYABLE, "The service reports a system error."),
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
    -501007: ErrorInfo(ErrorKind.REQUEST, "The service rejected a parameter of this request."),
}

# --- the credential endpoint (cgi-bin/stable_token) -----------------------------------
#
# Codes of the token endpoint (WECHAT_API.md §4; the getStableAccessToken page and the
# global error-code page of the WeChat docs). Kept apart from ERRCODES: they answer a
# request for a token made with the mini program's appid and appsecret, so a bad value
# is a problem with the appid/appsecret, not with "the token". Codes not listed here
# (-1, 45011, 43002, 44002, 47001, …) mean what ERRCODES says.

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
_IP_NOT_ALLOWED = (
    "This computer's IP address is not on the mini program's IP allowlist. Add it in the "
    "WeChat MP console (开发管理 → 开发设置 → IP白名单), or run from an allowed machine."
)
_IP_REFUSED = (
    "The mini program's administrator refused calls from this computer's IP address. "
    "Try again in {wait}, or ask the administrator to add this IP to the IP allowlist "
    "(开发管理 → 开发设置 → IP白名单)."
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
    40164: ErrorInfo(ErrorKind.CONFIG, _IP_NOT_ALLOWED, TokenState.NOT_ALLOWED),
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
    89503: ErrorInfo(
        ErrorKind.CONFIG,
        "WeChat asked the mini program's administrator to confirm calls from this "
        "computer's IP address. Try again once the administrator has approved it.",
        TokenState.NOT_ALLOWED,
    ),
    89506: ErrorInfo(ErrorKind.CONFIG, _IP_REFUSED.format(wait="24 hours"), TokenState.NOT_ALLOWED),
    89507: ErrorInfo(ErrorKind.CONFIG, _IP_REFUSED.format(wait="1 hour"), TokenState.NOT_ALLOWED),
}


def classify_credential_errcode(errcode: int) -> ErrorInfo:
    """The handling of an errcode from the token endpoint (``cgi-bin/stable_token``)."""
    info = CREDENTIAL_ERRCODES.get(errcode)
    if info is not None:
        return info
    if errcode in ERRCODES:
        return ERRCODES[errcode]
    return ErrorInfo(ErrorKind.REQUEST, f"The token service answered error {errcode}.")


# Per-file statuses seen from the SDKs (WECHAT_API.md §2); any other non-zero status is
# shown with the service's own errmsg.
FILE_STATUS_MESSAGES: dict[int, str] = {
    -503003: "File does not exist",
    -503002: "No permission to read this file",
    -503001: "Storage request failed",
    -501005: "File belongs to another environment",
}


def classify_errcode(errcode: int) -> ErrorInfo:
    """The handling of a whole-request errcode; unknown codes fail the batch."""
    info = ERRCODES.get(errcode)
    if info is not None:
        return info
    return ErrorInfo(ErrorKind.REQUEST, f"The service answered error {errcode}.")


def file_status_message(status: int, errmsg: str) -> str:
    known = FILE_STATUS_MESSAGES.get(status)
    if known and errmsg and errmsg.lower() != "ok":
        return f"{known} ({errmsg})"
    return known or errmsg or f"The service answered status {status} for this file"


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
