"""Every HTTP attempt as plain data: what the Requests view, ``--trace FILE`` and
``tcb-gui doctor`` show. Emitted by the API client (each try, retries included), the
stable-token provider and the download engine (each link and file request).

A ``TraceEvent`` never holds a secret: URLs lose their ``access_token`` and link
signatures (``core.redact``) before an event is made, and the event redacts its URL and
endpoint once more itself (a link's path may hold the token); request bodies never carry
a token. ``TraceHub`` fans events out to listeners (a file writer, the window's ring
buffer); with no listener an emit costs one attribute check.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any, Final

from tcb_gui.core.errors import message
from tcb_gui.core.redact import redact

log = logging.getLogger(__name__)


class CallKind(StrEnum):
    API = "api"  # batchdownloadfile, quota/get
    TOKEN = "token"  # cgi-bin/stable_token
    FILE = "file"  # a download from the storage


class Outcome(StrEnum):
    OK = "ok"
    RETRY = "retry"  # transient: the same call is tried again
    RENEW_TOKEN = "renew-token"  # the token was refused; a fresh one is tried once
    STOP = "stop"  # the run stops (token, quota, configuration)
    FAILED = "failed"  # this call's files fail; the run goes on
    GAVE_UP = "gave-up"  # the last try of a transient failure
    # Left before its end, not failed: the operator paused or cancelled, or the run
    # stopped for another call's reason. The errmsg says which (PAUSED, CANCELLED…).
    CANCELLED = "cancelled"


# What a call left before its end says (its errmsg): the download was paused (the file
# resumes from its bytes), or the run was cancelled or stopped.
PAUSED: Final = message("Paused")
CANCELLED: Final = message("Cancelled")


@dataclass(frozen=True, slots=True)
class TraceEvent:
    """One request to the service or to a download host, as the request inspector and
    ``--trace`` show it (a dataclass: it redacts its addresses as it is made)."""

    time: float  # unix time the request was sent
    kind: CallKind
    method: str
    endpoint: str  # the path, e.g. /componenttcb/batchdownloadfile
    url: str  # redacted: no access_token, no signature
    attempt: int  # 1 for the first try
    outcome: Outcome
    duration_ms: float
    env: str | None = None
    ids: int | None = None  # file IDs in the request
    http_status: int | None = None
    errcode: int | None = None
    errmsg: str | None = None  # the service's words (redacted), or ours for a failure
    body: str | None = None  # the JSON sent (no secrets in it), for "Copy as curl"
    bytes: int | None = None  # body bytes received (file requests)

    def __post_init__(self) -> None:
        # The promise above, kept here whoever makes the event: a file call's endpoint is
        # its link's path, which a link service may have filled with the token.
        object.__setattr__(self, "endpoint", redact(self.endpoint))
        object.__setattr__(self, "url", redact(self.url))

    def record(self) -> dict[str, Any]:
        """The ``--trace`` JSON line's fields."""
        data = asdict(self)
        data["kind"] = self.kind.value
        data["outcome"] = self.outcome.value
        data["duration_ms"] = round(self.duration_ms, 1)
        return data


TraceListener = Callable[[TraceEvent], None]


class TraceHub:
    """Listeners of one process's calls; ``emit`` never raises into the caller."""

    def __init__(self) -> None:
        self._listeners: list[TraceListener] = []

    @property
    def active(self) -> bool:
        return bool(self._listeners)

    def add(self, listener: TraceListener) -> None:
        self._listeners.append(listener)

    def remove(self, listener: TraceListener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def emit(self, event: TraceEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("a trace listener failed")
