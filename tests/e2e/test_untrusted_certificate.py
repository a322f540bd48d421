"""A service whose certificate fails its check (a proxy that inspects HTTPS, a
self-signed host, a wrong clock) is named as such, and the run stops at once.

It used to say "Network error: could not connect" (httpx's ConnectError) and retry until
it gave up two minutes later, sending the user to a network that works. Real TLS over
loopback: a host presenting a self-signed certificate, checked against certifi's roots.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tcb_gui.core import trust
from tcb_gui.core.client import ApiMode, TcbClient
from tcb_gui.core.errors import ErrorKind, ServiceError
from tcb_gui.core.exit_status import ExitStatus
from tcb_gui.core.fileids import parse_fileid
from tcb_gui.core.httpclient import make_http_client, make_run_client
from tcb_gui.core.netmessages import describe_transport_error
from tcb_gui.demo.service import DEMO_TOKEN
from tests.e2e.cli_helpers import id_lines, mixed_ids, run_cli
from tests.tls_helpers import loopback_certificate

NOT_TRUSTED = "Network error: the certificate is not trusted: it is self-signed"


class SelfSignedHost:
    """A TLS listener on loopback that presents a self-signed certificate and counts the
    handshakes it was offered (each ends with the client's alert)."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self._context = context
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.url = f"https://127.0.0.1:{self._listener.getsockname()[1]}"
        self.handshakes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            self.handshakes += 1
            conn.settimeout(5)
            try:
                with self._context.wrap_socket(conn, server_side=True):
                    pass
            except (ssl.SSLError, OSError):
                pass  # the client refused the certificate, as it should
            finally:
                conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._listener.close()


@pytest.fixture
def self_signed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SelfSignedHost]:
    # certifi's roots, as on a machine that names no bundle of its own.
    monkeypatch.delenv(trust.CERT_FILE_VARIABLE, raising=False)
    monkeypatch.delenv(trust.CERT_DIR_VARIABLE, raising=False)
    _, served = asyncio.run(loopback_certificate(tmp_path))
    host = SelfSignedHost(served)
    yield host
    host.close()


@pytest.mark.parametrize("make", [make_http_client, make_run_client], ids=["window", "cli"])
async def test_both_clients_name_the_certificate_not_the_connection(
    self_signed: SelfSignedHost, make: object
) -> None:
    async with make() as http:  # type: ignore[operator]
        with pytest.raises(httpx.ConnectError) as raised:
            await http.post(self_signed.url + "/tcb/batchdownloadfile", json={})
    assert describe_transport_error(raised.value) == NOT_TRUSTED


def test_a_resolve_stops_at_once_and_says_why(self_signed: SelfSignedHost) -> None:
    ids = mixed_ids(3, 0)  # one environment: one batch, one request
    argv = ["resolve", "--api", "tcb", "--base-url", self_signed.url, "--format", "urls", "-"]
    run = run_cli(argv, stdin=id_lines(ids))
    assert run.code == ExitStatus.SERVICE
    assert NOT_TRUSTED in run.stderr
    assert "Trying again cannot help" in run.stderr
    assert "SSL_CERT_FILE" in run.stderr
    assert "could not connect" not in run.stderr
    assert self_signed.handshakes == 1  # not retried


@pytest.mark.parametrize("make", [make_http_client, make_run_client], ids=["window", "cli"])
async def test_the_run_stops_as_a_network_failure(
    self_signed: SelfSignedHost, make: object
) -> None:
    """A network failure, as when the service stays silent: exit 4, and the window's rows
    say "Network error" (as CONFIG they said "Account problem")."""
    ids = [parse_fileid(fileid) for fileid in mixed_ids(3, 0)]  # one batch, one request
    async with make() as http:  # type: ignore[operator]
        client = TcbClient(http, lambda: DEMO_TOKEN, base_url=self_signed.url, api=ApiMode.TCB)
        with pytest.raises(ServiceError) as stopped:
            await client.resolve_all(ids)
    assert stopped.value.kind is ErrorKind.NETWORK
    assert stopped.value.message.startswith(NOT_TRUSTED + ". Trying again cannot help")
