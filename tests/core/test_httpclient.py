"""The shared client's SSL context: certifi's roots read at the first TLS connection,
never skipped (``core.httpclient.DeferredTrustContext``)."""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path

import certifi
import httpx
import pytest

from tcb_gui.core.httpclient import DeferredTrustContext, make_http_client, make_run_client
from tests.probe import run_probe
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


async def test_an_https_call_to_an_untrusted_certificate_is_refused(tmp_path: Path) -> None:
    cert, served = await loopback_certificate(tmp_path)

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
    port = server.sockets[0].getsockname()[1]
    url = f"https://127.0.0.1:{port}/tcb/batchdownloadfile"
    try:
        async with make_http_client() as http:
            with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                await http.post(url, json={})
        trusting = ssl.create_default_context(cafile=str(cert))
        async with make_http_client(verify=trusting) as http:
            assert (await http.post(url, json={})).status_code == 200
    finally:
        server.close()
        await server.wait_closed()


async def test_a_command_line_run_client_sends_over_the_wire_with_deferred_roots() -> None:
    from tcb_gui.core.wire import WireTransport

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


def test_a_command_line_run_client_imports_no_httpcore() -> None:
    probe = (
        "import sys; from tcb_gui.core.httpclient import make_run_client; make_run_client();"
        "print(','.join(m for m in ('httpcore', 'h11', 'anyio') if m in sys.modules))"
    )
    assert run_probe(probe).strip() == ""
