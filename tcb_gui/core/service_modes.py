"""The service's light facts: which API, where, how long a link lives, how many at once.

``ApiMode``, the base URL, the limits a profile is checked against, the default
deadlines (the command line's help states them), and
``validate_base_url``: what the settings and the window's controls need, in a module of
their own so that loading the settings (before the window's first paint) does not load
the API client with ``httpx`` and ``asyncio`` (docs/ARCHITECTURE.md#start-up).
``core.client`` re-exports every name here; they are the same objects.
"""

from __future__ import annotations

import ipaddress
import re
from enum import StrEnum
from typing import Final

from tcb_gui.core.errors import InputError, MessageTemplate, message


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
# Every API call must end within this many seconds, connect, headers and body together
# (httpx's read timeout is per read: a byte every 29 s would pass it for ever). A 50-ID
# answer is a few KB: a minute is long past anything a working service needs.
API_DEADLINE_S: Final = 60.0
# A run gives up only when nothing good has come back from the service for this long
# (core.client's docstring). Two minutes ride out a gateway's restart or a short outage;
# past that the operator hears it (exit 4, IDs marked unresolved) instead of waiting blind.
GIVE_UP_AFTER_S: Final = 120.0

# Loopback hosts may use plain http (the demo service and tests); everything else https.
_LOOPBACK_NAMES = frozenset({"localhost", "::1", "[::1]"})


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

# A plain base URL every rule below accepts (a scheme, a host of ASCII letters, digits and
# hyphens, a port, a simple path): checked here without parsing it with httpx, so the
# settings load without it. Anything else goes through httpx's parser.
_PLAIN_BASE_URL_RE: Final = re.compile(
    r"(https?)://((?:[A-Za-z0-9-]+\.)*[A-Za-z0-9-]+)(?::([0-9]{1,5}))?(/[A-Za-z0-9._~/-]*)?",
    re.ASCII,
)
_MAX_PORT: Final = 65_535
# A host name as sent (IDN hosts in their xn-- form): letters, digits, hyphens, dots
# (and underscores, which some intranet names have).
_HOST_NAME_RE: Final = re.compile(r"[A-Za-z0-9._-]+", re.ASCII)
_IPV4_STYLE_RE: Final = re.compile(r"[0-9.]+", re.ASCII)


def _plainly_valid(text: str) -> bool:
    """True when ``text`` is a base URL of the plain shape that ``_checked_by_httpx``
    accepts too (tests/core/test_service_modes.py compares the two)."""
    match = _PLAIN_BASE_URL_RE.fullmatch(text)
    if match is None:
        return False
    scheme, host, port, _path = match.groups()
    if port is not None and not 0 < int(port) <= _MAX_PORT:
        return False
    if _IPV4_STYLE_RE.fullmatch(host):
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            return False
    return scheme == "https" or is_loopback_host(host)


def _checked_by_httpx(text: str) -> str:
    import httpx  # only for base URLs of an unusual shape

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
    port = parsed.port
    if port is not None and not 0 < port <= _MAX_PORT:
        raise InputError(_BAD_BASE_URL.format(url=text))
    raw_host = parsed.raw_host.decode("ascii", "replace")
    if not (_HOST_NAME_RE.fullmatch(raw_host) or ":" in raw_host):  # a name, or IPv6
        raise InputError(_BAD_BASE_URL.format(url=text))
    if parsed.scheme == "http" and not is_loopback_host(parsed.host):
        raise InputError(_PLAIN_HTTP.format(host=parsed.host))
    return text.rstrip("/")


def validate_base_url(url: str) -> str:
    """The base URL without a trailing slash; https only, except loopback (DESIGN §3)."""
    text = url.strip()
    if _plainly_valid(text):
        return text.rstrip("/")
    return _checked_by_httpx(text)
