"""The shared client's SSL context: certifi's roots (or those ``SSL_CERT_FILE`` and
``SSL_CERT_DIR`` name) read at the first TLS connection, never skipped
(``core.trust.DeferredTrustContext``)."""

from __future__ import annotations

import asyncio
import os
import shutil
import ssl
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import certifi
import httpx
import pytest

from tcb_gui.core.httpclient import api_url, make_http_client, make_run_client
from tcb_gui.core.trust import DeferredTrustContext
from tests.probe import REPO, run_probe
from tests.tls_helpers import loopback_certificate


def _context_of(http: httpx.AsyncClient) -> ssl.SSLContext:
    context = http._transport._pool._ssl_context  # type: ignore[attr-defined]
    assert isinstance(context, ssl.SSLContext)
    return context


def _roots(context: ssl.SSLContext) -> int:
    """Roots in the context now, without making a deferred context read them."""
    return ssl.SSLContext.cert_store_stats(context)["x509_ca"]


async def test_a_new_client_reads_no_roots_yet_and_checks_certificates_and_names() -> None:
    async with make_http_client() as http:
        context = _context_of(http)
        assert isinstance(context, DeferredTrustContext)
        assert _roots(context) == 0
        assert context.verify_mode is ssl.CERT_REQUIRED
        assert context.check_hostname


def test_the_first_tls_connection_reads_the_same_roots_as_httpx_would() -> None:
    context = DeferredTrustContext()
    context.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname="example.com")
    reference = ssl.create_default_context(cafile=certifi.where())
    assert _roots(context) == _roots(reference) > 0
    assert context.options == reference.options
    assert context.minimum_version == reference.minimum_version
    assert context.verify_flags == reference.verify_flags


def test_asking_for_the_roots_reads_them() -> None:
    assert DeferredTrustContext().cert_store_stats()["x509_ca"] > 0
    assert DeferredTrustContext().get_ca_certs()


async def test_an_explicit_verify_is_kept() -> None:
    mine = ssl.create_default_context()
    async with make_http_client(verify=mine) as http:
        assert _context_of(http) is mine


async def test_an_https_call_to_an_untrusted_certificate_is_refused(
    tls_url: tuple[Path, str],
) -> None:
    cert, url = tls_url
    async with make_http_client() as http:
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            await http.post(url, json={})
    trusting = ssl.create_default_context(cafile=str(cert))
    async with make_http_client(verify=trusting) as http:
        assert (await http.post(url, json={})).status_code == 200


async def test_a_command_line_run_client_sends_over_the_wire_with_deferred_roots() -> None:
    from tcb_gui.core.wire_transport import WireTransport

    async with make_run_client() as http:
        transport = http._transport
        assert isinstance(transport, WireTransport)
        context = transport.ssl_context()
        assert isinstance(context, DeferredTrustContext)
        assert context.verify_mode is ssl.CERT_REQUIRED
        assert context.check_hostname
    given = httpx.MockTransport(lambda request: httpx.Response(200))
    async with make_run_client(transport=given) as http:
        assert http._transport is given


@pytest.mark.parametrize(
    "token", ["abc-DEF_123", "a+b/c=d", "x*y~z.!", "中文 tok", "%41&access_token=x"]
)
async def test_both_clients_put_the_token_in_the_query_alike(token: str) -> None:
    """The command line's client builds its request URL without httpx, as httpx would."""
    address = "https://api.example/tcb/batchdownloadfile"
    async with make_http_client() as window, make_run_client() as command_line:
        made = api_url(command_line, address, {"access_token": token})
        assert isinstance(made, str)
        assert made == str(api_url(window, address, {"access_token": token}))


def test_a_command_line_run_client_imports_no_httpcore() -> None:
    probe = (
        "import sys; from tcb_gui.core.httpclient import make_run_client; make_run_client();"
        "print(','.join(m for m in ('httpcore', 'h11', 'anyio') if m in sys.modules))"
    )
    assert run_probe(probe).strip() == ""


async def _tls_url(cert_folder: Path) -> AsyncIterator[tuple[Path, str]]:
    """A loopback https server with a new self-signed certificate: (its file, a URL)."""
    cert, served = await loopback_certificate(cert_folder)

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
            await writer.drain()
        except (OSError, asyncio.IncompleteReadError, ssl.SSLError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0, ssl=served)
    try:
        yield cert, f"https://127.0.0.1:{server.sockets[0].getsockname()[1]}/tcb/x"
    finally:
        server.close()
        await server.wait_closed()


@pytest.fixture
async def tls_url(tmp_path: Path) -> AsyncIterator[tuple[Path, str]]:
    async for pair in _tls_url(tmp_path):
        yield pair


@pytest.mark.parametrize("make", [make_http_client, make_run_client])
async def test_ssl_cert_file_names_the_roots_to_trust_instead_of_certifis(
    make: Any, tls_url: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, url = tls_url
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    async with make() as http:
        assert (await http.post(url, json={})).status_code == 200
        # ... and only them: certifi's public roots are not read as well.
        context = DeferredTrustContext()
        assert context.cert_store_stats()["x509_ca"] == 1
    monkeypatch.delenv("SSL_CERT_FILE")
    async with make() as http:
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            await http.post(url, json={})


async def test_ssl_cert_dir_names_a_folder_of_hashed_certificates(
    tls_url: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to name a certificate by its hash")
    cert, url = tls_url
    hashed = (
        await asyncio.to_thread(
            subprocess.run,
            ["openssl", "x509", "-hash", "-noout", "-in", str(cert)],
            capture_output=True, text=True, check=True,
        )
    ).stdout.strip()  # fmt: skip
    folder = tmp_path / "roots"
    folder.mkdir()
    shutil.copy(cert, folder / f"{hashed}.0")
    monkeypatch.setenv("SSL_CERT_DIR", str(folder))
    async with make_run_client() as http:
        assert (await http.post(url, json={})).status_code == 200


@pytest.mark.parametrize("which", ["missing", "not a certificate"])
async def test_unreadable_named_roots_trust_nothing_and_say_why(
    which: str, tls_url: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, url = tls_url
    named = tmp_path / "roots.pem"
    if which == "not a certificate":
        named.write_text("hello\n")
    monkeypatch.setenv("SSL_CERT_FILE", str(named))
    for make in (make_http_client, make_run_client):
        async with make() as http:
            with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                await http.post(url, json={})
    context = DeferredTrustContext()
    context.load_roots()
    assert _roots(context) == 0  # not certifi's either
    assert context.trust_problem is not None
    assert context.trust_problem.startswith("the certificates SSL_CERT_FILE names cannot be read (")
    assert context.trust_problem.endswith(f"): {named}")


def test_the_environment_is_not_read_when_python_is_told_to_ignore_it(tmp_path: Path) -> None:
    probe = (
        "from tcb_gui.core.trust import DeferredTrustContext;"
        "print(DeferredTrustContext().cert_store_stats()['x509_ca'] > 1)"
    )
    env = {"SSL_CERT_FILE": str(tmp_path / "missing.pem"), "PATH": os.environ["PATH"]}
    done = subprocess.run(
        [sys.executable, "-E", "-c", probe],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"  # certifi's roots, the variable unread
