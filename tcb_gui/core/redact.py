"""Keep secrets out of every log line, message and exception text.

The token travels in the query string (``?access_token=``), and httpx logs request
URLs at INFO. Rather than trusting every logger to behave, the record factory redacts
each record as it is created, for all loggers (httpx and httpcore included).
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Any
from urllib.parse import quote, quote_plus

REDACTED = "***"
# Query parameters that carry a credential: the token, and a download link's signature.
_SECRET_PARAMS_RE = re.compile(
    r"(?i)((?:access_token|component_access_token|authorizer_access_token|secret|sign)=)"
    r"[^&\s\"'<>#]*"
)
# A registered secret is redacted whatever its length. One shorter than this is redacted
# only where it stands alone (no letter or digit right before or after it), so a short
# test token such as "abc12" echoed back by a service is hidden, while the same letters
# inside an ordinary word ("abc123", "xabc12") are left alone.
WHOLE_WORD_BELOW = 6
_WORD_EDGE = "A-Za-z0-9"

_lock = threading.Lock()
_secrets: set[str] = set()  # every form of every registered secret
_ordered: tuple[str, ...] = ()  # the long ones, longest first (replaced whole, lock-free)
_short_re: re.Pattern[str] | None = None  # the short ones as whole words, or None
_installed = False
_formatter = logging.Formatter()


def register_secret(secret: str | None) -> None:
    """Remember a secret so it is redacted wherever it shows up, as is or URL-encoded
    (a service may echo the query string it received). Any length: see WHOLE_WORD_BELOW.
    Log redaction is installed here too: a secret is registered before anything that
    might log it runs (an executor logs its call's arguments at DEBUG)."""
    global _ordered, _short_re
    install_log_redaction()
    if not secret or secret in _secrets or secret in REDACTED:
        return  # nothing to hide, known already, or "*" (which would redact "***" again)
    forms = {secret, quote(secret, safe=""), quote(secret), quote_plus(secret)}
    with _lock:
        _secrets.update(forms)
        _ordered = tuple(
            sorted((s for s in _secrets if len(s) >= WHOLE_WORD_BELOW), key=len, reverse=True)
        )
        short = sorted((s for s in _secrets if len(s) < WHOLE_WORD_BELOW), key=len, reverse=True)
        _short_re = (
            re.compile(
                f"(?<![{_WORD_EDGE}])(?:{'|'.join(map(re.escape, short))})(?![{_WORD_EDGE}])"
            )
            if short
            else None
        )


def redact(text: str) -> str:
    """``text`` with every registered secret and credential parameter replaced.

    Known secrets go first, longest first: the parameter rule alone would mask only
    part of a token that itself contains ``sign=``. Short ones go as whole words.
    """
    for secret in _ordered:
        if secret in text:
            text = text.replace(secret, REDACTED)
    short = _short_re
    if short is not None:
        text = short.sub(REDACTED, text)
    if "=" not in text:
        # No parameter to mask (each ends in "="): a link request's JSON body, 5 KB for
        # 50 IDs, took the pattern ~260 µs to scan, the check ~0.1 µs.
        return text
    return _SECRET_PARAMS_RE.sub(lambda m: m.group(1) + REDACTED, text)


def _redacting_factory(previous: Any) -> Any:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to logging's own handling
            return record
        clean = redact(message)
        if clean != message or record.args:
            record.msg = clean
            record.args = None
        # Tracebacks print exception text and URLs (with access_token=): format them
        # now, redacted; handlers reuse exc_text instead of formatting again.
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(_formatter.formatException(record.exc_info))
        if record.exc_text:
            # Formatters print exc_text; the live exception would still hold the token for
            # any handler that formats it again (JSON loggers do) or keeps the record.
            record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return record

    return factory


def install_log_redaction() -> None:
    """Redact every log record created from now on (idempotent, process-wide)."""
    global _installed
    if _installed:  # every request registers its token: no lock once installed
        return
    with _lock:
        if _installed:
            return
        logging.setLogRecordFactory(_redacting_factory(logging.getLogRecordFactory()))
        _installed = True
