"""Which certificates a TLS connection trusts, and reading them ahead of the first one.

``DeferredTrustContext`` is httpx's default SSL context with its roots read at its first
TLS connection; ``warm_up`` starts reading them in a thread as a command starts, for the
command line's run client to take (``warmed``).
"""

from __future__ import annotations

import contextlib
import os
import ssl
import sys
import threading
from typing import Any

# Where certificates to trust instead of certifi's may be named, as OpenSSL, curl, git and
# httpx read them: a PEM bundle and a hashed folder (a company's TLS-inspecting proxy, a
# private mirror). The one thing taken from the environment: proxies are not (trust_env).
CERT_FILE_VARIABLE = "SSL_CERT_FILE"
CERT_DIR_VARIABLE = "SSL_CERT_DIR"


def trust_from_environment() -> tuple[str | None, str | None]:
    """``SSL_CERT_FILE`` and ``SSL_CERT_DIR`` when set (and Python reads its environment)."""
    if sys.flags.ignore_environment:
        return None, None
    return (
        os.environ.get(CERT_FILE_VARIABLE) or None,
        os.environ.get(CERT_DIR_VARIABLE) or None,
    )


class DeferredTrustContext(ssl.SSLContext):
    """httpx's default SSL context (``ssl.create_default_context(cafile=certifi.where())``:
    TLS client, certificates and host names checked against certifi's roots) that reads
    the roots at its first TLS connection instead of when the client is made. The roots
    are those named by ``SSL_CERT_FILE``/``SSL_CERT_DIR`` instead when either is set, as
    for ``httpx`` with ``trust_env``. Roots named but unreadable leave the context with none
    (every certificate then fails its check, as for an unknown issuer: nothing is trusted
    that was not asked for) and ``trust_problem`` says why, for the doctor to tell.

    Reading certifi's bundle takes 15–30 ms; a run against plain-http hosts (the demo
    service, a local mirror) never needs it. Every TLS connection, by httpcore, asyncio
    or the engine's own ``wire`` client, starts from ``wrap_bio`` or ``wrap_socket``, and
    both load the roots first: no handshake ever runs without them, and checks are never
    weakened (``check_hostname`` and ``CERT_REQUIRED`` are set from the start)."""

    _trust_lock = threading.Lock()

    def __new__(cls) -> DeferredTrustContext:
        return super().__new__(cls, ssl.PROTOCOL_TLS_CLIENT)

    def __init__(self) -> None:
        self._roots_loaded = False
        # Why the roots named by the environment could not be read (after load_roots).
        self.trust_problem: str | None = None
        # As ssl.create_default_context: a key log for debugging when asked for.
        keylog = os.environ.get("SSLKEYLOGFILE")
        if keylog and not sys.flags.ignore_environment:
            self.keylog_filename = keylog

    def load_roots(self) -> None:
        """Read the roots now (once; any thread): the environment's, else certifi's."""
        if self._roots_loaded:
            return
        with self._trust_lock:
            if not self._roots_loaded:
                cafile, capath = trust_from_environment()
                if cafile or capath:
                    self._load_named_roots(cafile, capath)
                else:
                    import certifi

                    self.load_verify_locations(cafile=certifi.where())
                self._roots_loaded = True

    def _load_named_roots(self, cafile: str | None, capath: str | None) -> None:
        # Raising here would leave the caller's socket open (asyncio and anyio wrap after
        # connecting), so a bad bundle becomes an empty store and a word for the doctor.
        named = CERT_FILE_VARIABLE if cafile else CERT_DIR_VARIABLE
        try:
            self.load_verify_locations(cafile=cafile, capath=capath)
        except (OSError, ssl.SSLError) as exc:
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            self.trust_problem = (
                f"the certificates {named} names cannot be read ({why}): {cafile or capath}"
            )

    def wrap_bio(self, *args: Any, **kwargs: Any) -> ssl.SSLObject:
        self.load_roots()
        return super().wrap_bio(*args, **kwargs)

    def wrap_socket(self, *args: Any, **kwargs: Any) -> ssl.SSLSocket:
        self.load_roots()
        return super().wrap_socket(*args, **kwargs)

    def get_ca_certs(self, binary_form: bool = False) -> Any:
        self.load_roots()
        return super().get_ca_certs(binary_form)

    def cert_store_stats(self) -> dict[str, int]:
        self.load_roots()
        return super().cert_store_stats()


# The context warm_up began reading, with the trust settings it read them under.
_warm: tuple[tuple[str | None, str | None], DeferredTrustContext] | None = None
_warm_lock = threading.Lock()


def warm_up() -> None:
    """Start reading the certificate roots now, in a thread, for a command about to make
    https requests: its first handshake then does not wait for them (15–30 ms, or more
    on a slow disk). OpenSSL parses the bundle without holding the interpreter lock, so
    the command's imports and set-up go on meanwhile. ``warmed()`` hands the context
    over; until then another call does nothing."""
    global _warm
    with _warm_lock:
        if _warm is not None:
            return
        context = DeferredTrustContext()
        _warm = (trust_from_environment(), context)
    threading.Thread(target=_read_roots, args=(context,), name="tls-roots", daemon=True).start()


def _read_roots(context: DeferredTrustContext) -> None:
    # A failure here is met again, and raised where it always was, when the first TLS
    # connection reads the roots itself (they are marked read only once they were).
    with contextlib.suppress(Exception):
        context.load_roots()


def warmed() -> DeferredTrustContext:
    """The context ``warm_up`` began reading (once), if the trust settings it read them
    under still hold; else a new one, its roots read at its first TLS connection."""
    global _warm
    with _warm_lock:
        warm, _warm = _warm, None
    if warm is not None and warm[0] == trust_from_environment():
        return warm[1]
    return DeferredTrustContext()
