"""The request trace as a file, a bounded buffer, shell commands and plain words.

* ``TraceWriter`` — ``--trace FILE``: one JSON line per HTTP attempt (the fields of
  ``TraceEvent.record()``), written and flushed as each attempt ends, so a run that is
  killed still leaves every line it made. The file is opened when the writer is made:
  an unwritable path fails before any request is sent (``OSError``).
* ``TraceBuffer`` — the newest ``MAX_EVENTS`` events (a ring buffer), for the window's
  Requests view: however long the run, memory stays bounded.
* ``curl_command`` — "Copy as curl": the call as a shell command, with the token as
  ``$TCB_ACCESS_TOKEN`` and the AppSecret as ``$TCB_APP_SECRET``.
* ``explain`` — an answer's errcode (or HTTP status, or network failure) in plain words,
  with the section of docs/WECHAT_API.md it comes from.

Nothing here ever writes a secret: events are redacted where they are made
(``core.trace``), and every line is scrubbed again here (registered secrets, credential
query parameters, credential fields of a JSON body), so a slip upstream stays harmless.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, BinaryIO, Final

from tcb_gui.core.errors import (
    MessageTemplate,
    classify_credential_errcode,
    classify_errcode,
    message,
)
from tcb_gui.core.redact import REDACTED, redact
from tcb_gui.core.trace import CallKind, Outcome, TraceEvent

if TYPE_CHECKING:
    pass

# How many events the window keeps: at 50 IDs a call, the last 250,000 IDs' calls.
MAX_EVENTS: Final = 5_000
# The shell variables "Copy as curl" puts where the secrets were (tokens.TOKEN_ENV and
# tokens.APP_SECRET_ENV: the variables the app itself reads).
TOKEN_VARIABLE: Final = "TCB_ACCESS_TOKEN"
SECRET_VARIABLE: Final = "TCB_APP_SECRET"

# JSON body fields that hold a credential, whatever the endpoint.
_SECRET_FIELDS: Final = frozenset(
    {
        "secret",
        "appsecret",
        "app_secret",
        "component_appsecret",
        "component_verify_ticket",
        "access_token",
        "component_access_token",
        "authorizer_access_token",
        "authorizer_refresh_token",
    }
)
_TOKEN_PARAM_RE: Final = re.compile(r"([?&]access_token=)[^&#]*")
_SIGN_PARAM_RE: Final = re.compile(r"([?&]sign=)[^&#]*")


# ---------------------------------------------------------------------------------------
# Safe records
# ---------------------------------------------------------------------------------------


def _scrub_value(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: (REDACTED if str(key).lower() in _SECRET_FIELDS else _scrub_value(item))
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_scrub_value(item) for item in value]
    if isinstance(value, str):
        return redact(value)
    return value


def scrub_body(body: str | None) -> str | None:
    """A request body without credentials: JSON credential fields become ``***``."""
    if body is None:
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return redact(body)
    return json.dumps(_scrub_value(data), ensure_ascii=False, separators=(",", ":"))


def safe_record(event: TraceEvent) -> dict[str, Any]:
    """``event.record()`` scrubbed once more: the URL, the errmsg and the body."""
    record = event.record()
    record["url"] = redact(event.url)
    if event.errmsg is not None:
        record["errmsg"] = redact(event.errmsg)
    record["body"] = scrub_body(event.body)
    return record


def trace_line(event: TraceEvent) -> str:
    """The event as one JSON line (no newline)."""
    return json.dumps(safe_record(event), ensure_ascii=False, separators=(",", ":"))


# ---------------------------------------------------------------------------------------
# The file
# ---------------------------------------------------------------------------------------


class TraceWriter:
    """``--trace FILE``: a ``TraceHub`` listener writing one line per event as it comes.

    Opening happens here, so an unwritable path raises ``OSError`` before the run.
    Unbuffered: each line reaches the file when it is written. Safe to call from
    several threads; a write that fails (disk full) stops the trace, never the run, and
    the line it cut short is taken back off the file: what is left is whole lines, each
    one JSON document, as readers of the format expect.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: BinaryIO | None = open(path, "wb", buffering=0)  # noqa: SIM115 - the run's
        self._lock = threading.Lock()
        self._size = 0  # bytes of the whole lines written
        self.lines = 0
        self.error: OSError | None = None

    def __call__(self, event: TraceEvent) -> None:
        data = (trace_line(event) + "\n").encode("utf-8")
        with self._lock:
            file = self._file
            if file is None:
                return
            try:
                view = memoryview(data)
                while view:  # a raw write may take part of it (the disk filling up)
                    view = view[file.write(view) or 0 :]
            except OSError as exc:
                self.error = exc
                with contextlib.suppress(OSError):
                    file.truncate(self._size)  # frees what it cut, on a full disk too
                self._close()
                return
            self._size += len(data)
            self.lines += 1

    def _close(self) -> None:
        file, self._file = self._file, None
        if file is not None:
            try:
                file.close()
            except OSError as exc:
                self.error = self.error or exc

    def close(self) -> None:
        with self._lock:
            self._close()

    def __enter__(self) -> TraceWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def write_trace(path: Path, events: Iterable[TraceEvent]) -> int:
    """Save ``events`` as JSON lines (the window's "Save trace…"); the number written."""
    count = 0
    with TraceWriter(path) as writer:
        for event in events:
            writer(event)
            count += 1
    if writer.error is not None:
        raise writer.error
    return count


def read_trace(path: Path) -> list[dict[str, Any]]:
    """The records of a trace file (tests, tools)."""
    with path.open(encoding="utf-8") as file:
        return [json.loads(line) for line in file if line.strip()]


# ---------------------------------------------------------------------------------------
# Credentials that report their token requests
# ---------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------
# The ring buffer
# ---------------------------------------------------------------------------------------


class TraceBuffer:
    """The newest ``maxlen`` events, oldest dropped first; a ``TraceHub`` listener.

    ``total`` counts every event ever added, so a reader can tell how many arrived since
    it last looked (``since``) without keeping its own copy.
    """

    def __init__(self, maxlen: int = MAX_EVENTS) -> None:
        if maxlen < 1:
            raise ValueError("maxlen must be at least 1")
        self.maxlen = maxlen
        self._events: deque[TraceEvent] = deque(maxlen=maxlen)
        self._lock = threading.Lock()
        self.total = 0

    def __call__(self, event: TraceEvent) -> None:
        with self._lock:
            self._events.append(event)
            self.total += 1

    def __len__(self) -> int:
        return len(self._events)

    def events(self) -> list[TraceEvent]:
        """The events held, oldest first."""
        with self._lock:
            return list(self._events)

    def since(self, seen_total: int) -> tuple[list[TraceEvent], int]:
        """Events added after the reader had seen ``seen_total`` (at most ``maxlen``,
        oldest first), and the new total to remember."""
        with self._lock:
            new = min(self.total - seen_total, len(self._events))
            if new <= 0:
                return [], self.total
            start = len(self._events) - new
            return [self._events[i] for i in range(start, len(self._events))], self.total

    def clear(self) -> None:
        with self._lock:
            self._events.clear()


# ---------------------------------------------------------------------------------------
# Copy as curl
# ---------------------------------------------------------------------------------------

# Stand-ins that survive JSON and quoting (private-use characters); replaced by the
# variable once the text is quoted.
_TOKEN_MARK: Final = "\ue000token\ue000"
_SECRET_MARK: Final = "\ue000secret\ue000"


def _shell_word(text: str) -> str:
    """``text`` as one POSIX shell word, in single quotes, the variables put back in
    (``'…'"${TCB_ACCESS_TOKEN}"'…'``). Nothing inside single quotes is expanded, ``!``
    included: in double quotes an interactive bash or zsh expands ``!#`` (the line so
    far) or ``!!`` (the last command) when the command is pasted, and a storage key
    holding ``x!#;cmd;#`` would then end the quoting and run ``cmd``."""
    quoted = "'" + text.replace("'", "'\\''") + "'"
    quoted = quoted.replace(_TOKEN_MARK, "'\"${" + TOKEN_VARIABLE + "}\"'")
    quoted = quoted.replace(_SECRET_MARK, "'\"${" + SECRET_VARIABLE + "}\"'")
    return quoted


def _curl_body(event: TraceEvent) -> str | None:
    if event.body is None:
        return None
    try:
        data = json.loads(event.body)
    except ValueError:
        return scrub_body(event.body)
    data = _scrub_value(data)
    if isinstance(data, dict):
        for key in list(data):
            if str(key).lower() in _SECRET_FIELDS:
                is_token = "token" in str(key).lower()
                data[key] = _TOKEN_MARK if is_token else _SECRET_MARK
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def curl_command(event: TraceEvent) -> str:
    """The call as a curl command line; no secret in it (see the module docstring)."""
    url = redact(event.url)
    if event.kind is CallKind.FILE:
        url = _SIGN_PARAM_RE.sub(lambda m: m.group(1) + REDACTED, url)
        option = "-I" if event.method.upper() == "HEAD" else "-O"
        note = (
            "# The link's signature is not kept (sign=***): resolve the ID again for a "
            "working link.\n"
        )
        return f"{note}curl -sS {option} {_shell_word(url)}"
    if event.kind is CallKind.API:
        if _TOKEN_PARAM_RE.search(url):
            url = _TOKEN_PARAM_RE.sub(lambda m: m.group(1) + _TOKEN_MARK, url)
        else:
            url += ("&" if "?" in url else "?") + "access_token=" + _TOKEN_MARK
    parts = ["curl", "-sS", "-X", event.method.upper() or "POST", _shell_word(url)]
    body = _curl_body(event)
    if body is not None:
        parts += ["-H", "'Content-Type: application/json'", "--data-raw", _shell_word(body)]
    return " ".join(parts)


# ---------------------------------------------------------------------------------------
# Plain words
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Explanation:
    """What an answer means, and which section of docs/WECHAT_API.md says more (the
    window's Help ▸ Service notes shows that file: ``ui.service_notes``)."""

    text: str
    section: str  # an anchor of docs/WECHAT_API.md, e.g. "#error-codes"


_QUOTA_CODES: Final = frozenset({76021, 76022, 76003})
_IP_RE: Final = re.compile(r"invalid ip ([0-9A-Fa-f.:]+)")

_FILE_STATUS_WORDS: Final[dict[int, str]] = {
    403: message(
        "The storage refused the link: it expired (past its t=) or its signature does "
        "not match. A fresh link is asked for and the download resumes."
    ),
    404: message("The storage has no such file, or the link was garbled on the way."),
    416: message(
        "The range asked for starts at the end of the file: the file is already complete."
    ),
    500: message("The storage failed to answer; the request is tried again."),
}
# The words of explain(), registered so that the window shows them in its language
# (ui/core_text): the parts are data (a status, an address) or the words of an answer,
# which are ours (core.netmessages, core.errors) or the service's own (or_data).
_WORDS: Final = frozenset({"words"})
_STORAGE_HTTP: Final = MessageTemplate("The storage answered HTTP {status}.")
_SERVICE_BUSY: Final = MessageTemplate(
    "The service (or a gateway in front of it) answered HTTP {status}: busy or failing. "
    "The call is tried again with a growing pause."
)
_SERVICE_ELSEWHERE: Final = MessageTemplate(
    "The service answered HTTP {status}, which the API never does: the base URL probably "
    "points at something else."
)
_NO_ANSWER: Final = MessageTemplate(
    "No answer from the service ({words}). Check the network, the base URL and any "
    "proxy: tcb-gui doctor checks them one by one.",
    _WORDS,
    or_data=_WORDS,
)
_NO_ANSWER_WORDS: Final = message("no answer")
_TRIED_AGAIN: Final = MessageTemplate("{words}. It is tried again.", _WORDS, or_data=_WORDS)
_LAST_TRY: Final = MessageTemplate("{words}. That was its last try.", _WORDS, or_data=_WORDS)
_IP_SEEN: Final = MessageTemplate(
    "{words} The service saw the address {ip}: that is the one to add.", _WORDS
)
_ACCOUNT_TYPE: Final = message(
    "The token's account type does not fit this API: a component_access_token goes with "
    "componenttcb/…, a mini program's access_token or an authorizer_access_token with "
    "tcb/…. Choose the other API mode, or use the other token."
)
_UNKNOWN_CGI_PATH: Final = message("quota/get does not know this cgi_path (a bug in TCB Links).")
_MALFORMED_CGI_PATH: Final = message("quota/get found the cgi_path malformed (a bug in TCB Links).")
_TOKEN_FOR_API: Final = MessageTemplate(
    "{words} A component_access_token works only with componenttcb/…; a mini program's "
    "access_token or an authorizer_access_token with tcb/….",
    _WORDS,
)


def reported_ip(errmsg: str | None) -> str | None:
    """The address a 40164 errmsg names ("invalid ip 203.0.113.7 ipv6 …"), if any."""
    if not errmsg:
        return None
    found = _IP_RE.search(errmsg)
    return found.group(1).rstrip(".,") if found else None


def _errcode_words(event: TraceEvent, code: int) -> Explanation:
    if event.kind is CallKind.TOKEN:
        info = classify_credential_errcode(code)
    else:
        info = classify_errcode(code)
    text = info.message
    if code == 40164:
        info = classify_credential_errcode(code)
        text = info.message
        ip = reported_ip(event.errmsg)
        if ip:
            text = _IP_SEEN.format(words=text, ip=ip)
        return Explanation(text, "#error-codes")
    if code in _QUOTA_CODES and event.endpoint.endswith("quota/get"):
        if code == 76022:
            text = _ACCOUNT_TYPE
        elif code == 76021:
            text = _UNKNOWN_CGI_PATH
        else:
            text = _MALFORMED_CGI_PATH
        return Explanation(text, "#quota")
    if code in (48001, 61007):
        return Explanation(_TOKEN_FOR_API.format(words=text), "#tokens")
    if code in (40001, 40014, 41001, 42001) and event.kind is not CallKind.TOKEN:
        return Explanation(text, "#tokens")
    return Explanation(text, "#error-codes")


def explain(event: TraceEvent) -> Explanation | None:
    """The answer of ``event`` in plain words; None for a plain success, and for a call
    left before its end (its errmsg says why: "Paused"), which is not a failure."""
    if event.outcome is Outcome.CANCELLED:
        return None
    if event.errcode not in (None, 0):
        assert event.errcode is not None
        return _errcode_words(event, event.errcode)
    status = event.http_status
    if event.kind is CallKind.FILE:
        if status is not None and status in _FILE_STATUS_WORDS:
            return Explanation(_FILE_STATUS_WORDS[status], "#downloads")
        if status is not None and status >= 400:
            return Explanation(_STORAGE_HTTP.format(status=status), "#downloads")
    elif status is not None and status != 200:
        busy = status == 429 or status >= 500
        template = _SERVICE_BUSY if busy else _SERVICE_ELSEWHERE
        return Explanation(template.format(status=status), "#error-codes")
    if status is None and event.outcome is not Outcome.OK:
        words = event.errmsg or _NO_ANSWER_WORDS
        return Explanation(_NO_ANSWER.format(words=words), "#error-codes")
    if event.outcome in (Outcome.RETRY, Outcome.GAVE_UP) and event.errmsg:
        then = _LAST_TRY if event.outcome is Outcome.GAVE_UP else _TRIED_AGAIN
        return Explanation(then.format(words=event.errmsg.rstrip(".")), "#error-codes")
    return None
