"""The CloudBase storage API client: IDs in, download links out, as they arrive.

One long-lived ``httpx.AsyncClient`` is shared by everything (DESIGN §2). ``resolve``
groups IDs by environment, sends at most 50 per request, keeps several requests in
flight, retries transient failures with jittered backoff, and streams results to the
caller as each request completes. Every ID ends in exactly one ``LinkResult``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tcb_gui.core.errors import ErrorKind, TokenState
from tcb_gui.core.fileids import FileId


class ApiMode(StrEnum):
    """Which endpoint family the token belongs to (WECHAT_API.md §1)."""

    COMPONENT = "component"  # third-party platform: componenttcb/…, component_access_token
    TCB = "tcb"  # mini program: tcb/…, access_token or authorizer_access_token

    @property
    def cgi_path(self) -> str:
        return "/componenttcb/batchdownloadfile" if self is ApiMode.COMPONENT else (
            "/tcb/batchdownloadfile"
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
