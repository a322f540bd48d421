"""The one shared HTTP client and the httpcore tuning it needs (used by the API client,
the token service, the downloader and doctor)."""

from __future__ import annotations

from typing import Any

import httpx

from tcb_gui import __version__
from tcb_gui.core.redact import install_log_redaction

HTTP_TIMEOUT = httpx.Timeout(connect=10.0, read=30.0, write=30.0, pool=60.0)
HTTP_LIMITS = httpx.Limits(max_connections=64, max_keepalive_connections=32)


# httpcore reads responses 64 KiB at a time; at hundreds of MB/s the Python work per
# read dominates. Reads of up to 1 MiB (only what the socket already holds) cut the
# client's CPU per GiB downloaded by about a third. httpcore has no per-client setting.
HTTP_READ_BYTES = 1 << 20


def _tune_httpcore_reads() -> None:
    try:
        from httpcore._async.http11 import AsyncHTTP11Connection
    except ImportError:  # another httpcore layout: keep its default
        return
    if getattr(AsyncHTTP11Connection, "READ_NUM_BYTES", HTTP_READ_BYTES) < HTTP_READ_BYTES:
        AsyncHTTP11Connection.READ_NUM_BYTES = HTTP_READ_BYTES


def make_http_client(**kwargs: Any) -> httpx.AsyncClient:
    """The one shared client: explicit timeouts and limits, no cookies kept between hosts."""
    install_log_redaction()
    _tune_httpcore_reads()
    options: dict[str, Any] = {
        "timeout": HTTP_TIMEOUT,
        "limits": HTTP_LIMITS,
        "follow_redirects": False,
        "headers": {"User-Agent": f"tcb-gui/{__version__}"},
        "trust_env": False,
    }
    options.update(kwargs)
    return httpx.AsyncClient(**options)
