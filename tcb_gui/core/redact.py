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
# Shortest secret worth tracking verbatim; shorter strings would redact ordinary words.
_MIN_SECRET_LEN = 6

_lock = threading.Lock()
_secrets: set[str] = set()
_ordered: tuple[str, ...] = ()  # _secrets, longest first (replaced whole, read lock-free)
_installed = False
_formatter = logging.Formatter()


def register_secret(secret: str | None) -> None:
    """Remember a secret so it is redacted wherever it shows up, as is or URL-encoded
    (a service may echo the query string it received)."""
    global _ordered
    if not secret or len(secret) < _MIN_SECRET_LEN:
        return
    forms = {secret, quote(secret, safe=""), quote(secret), quote_plus(secret)}
    with _lock:
        _secrets.update(forms)
        _ordered = tuple(sorted(_secrets, key=len, reverse=True))


def redact(text: str) -> str:
    """``text`` with every registered secret and credential parameter replaced.

    Known secrets go first, longest first: the parameter rule alone would mask only
    part of a token that itself contains ``sign=``.
    """
    for secret in _ordered:
        if secret in text:
            text = text.replace(secret, REDACTED)
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
    with _lock:
        if _installed:
            return
        logging.setLogRecordFactory(_redacting_factory(logging.getLogRecordFactory()))
        _installed = True
