"""core/doctor: the service check (DNS, TCP, TLS), the clock offset, the exit status and
the setup's secrecy, without the command line."""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
import ssl
from collections.abc import AsyncIterator
from email.utils import formatdate
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tcb_gui.core.client import ApiMode
from tcb_gui.core.doctor import (
    CLOCK_TOLERANCE_S,
    Check,
    CheckName,
    DoctorSetup,
    Level,
    check_service,
    clock_offset,
    collect,
    exit_status,
    proxy_variables,
    summary,
    warnings,
)
from tcb_gui.core.errors import messages
from tcb_gui.core.exit_status import ExitStatus
from tcb_gui.core.netmessages import words_by_number
from tcb_gui.core.trace import CallKind, TraceEvent, TraceHub
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DEMO_TOKEN


def _self_signed(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


async def _tls_server(folder: Path) -> AsyncIterator[int]:
    cert, key = _self_signed(folder)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()


async def test_an_untrusted_certificate_fails_the_tls_step(tmp_path: Path) -> None:
    servers = _tls_server(tmp_path)
    port = await anext(servers)
    try:
        check = await check_service(f"https://localhost:{port}", environ={})
    finally:
        await servers.aclose()
    assert check.ok is False
    assert check.blocks is ExitStatus.SERVICE
    assert "answers, but TLS fails (the certificate is not trusted: it is self-signed);" in (
        check.detail
    )
    assert "inspects HTTPS" in check.next_step


async def test_the_tls_step_trusts_what_every_request_trusts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The doctor checks TLS with the shared client's roots: those ``SSL_CERT_FILE``
    names when it is set (a company's TLS-inspecting proxy), and says when it names
    something unreadable."""
    servers = _tls_server(tmp_path)
    port = await anext(servers)
    try:
        monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "cert.pem"))
        trusted = await check_service(f"https://localhost:{port}", environ={})
        monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
        unreadable = await check_service(f"https://localhost:{port}", environ={})
    finally:
        await servers.aclose()
    assert trusted.ok, trusted.detail
    assert ", TLS " in trusted.detail
    assert not unreadable.ok
    assert "TLS fails (the certificates SSL_CERT_FILE names cannot be read " in unreadable.detail
    assert "missing.pem" in unreadable.detail


async def test_tls_to_a_plain_http_port_says_so(demo_server: DemoServer) -> None:
    plain = demo_server.base_url.replace("http://", "https://")
    check = await check_service(plain, environ={})
    assert check.ok is False
    assert "TLS fails (the port does not speak TLS (plain http?));" in check.detail


async def test_a_closed_port_is_refused_in_words_the_window_translates() -> None:
    with DemoServer() as server:
        base_url = server.base_url  # a loopback port that is closed once stopped
    check = await check_service(base_url, environ={})
    assert check.ok is False
    assert "cannot be reached (connection refused);" in check.detail
    assert "connection refused" in {m.text for m in messages()}


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (socket.gaierror(socket.EAI_AGAIN, "Temporary failure"), "no answer from the DNS"),
        (TimeoutError(), "timed out"),
        (socket.gaierror(-9999, "Something rare"), "Something rare"),  # the system's words
    ],
)
async def test_dns_failures_in_words(
    monkeypatch: pytest.MonkeyPatch, error: OSError, words: str
) -> None:
    def fails(*args: Any, **kwargs: Any) -> Any:
        raise error

    monkeypatch.setattr(socket, "getaddrinfo", fails)
    check = await check_service("https://api.example.invalid", environ={})
    assert f"(DNS: {words}" in check.detail


async def test_a_name_that_does_not_resolve(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_such_host(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    check = await check_service("https://api.example.invalid", environ={"https_proxy": "x"})
    assert check.ok is False
    assert check.detail.startswith("cannot find api.example.invalid (DNS: no such host name)")
    assert "tcb-gui does not use HTTPS_PROXY" in check.detail
    assert "through the proxy in HTTPS_PROXY" in check.next_step


async def test_a_reachable_loopback_service(demo_server: DemoServer) -> None:
    check = await check_service(demo_server.base_url, environ={})
    assert check.ok is True
    assert "plain http (loopback only)" in check.detail
    assert "no proxy variables set" in check.detail


def test_proxy_variables_in_either_case() -> None:
    assert proxy_variables({"https_proxy": "a", "ALL_PROXY": "b", "HTTP_PROXY": " "}) == [
        "HTTPS_PROXY",
        "ALL_PROXY",
    ]
    assert proxy_variables({}) == []


@pytest.mark.parametrize("skew", [0, 59, -59, 61, -3600])
def test_clock_offset_from_the_date_header(skew: int) -> None:
    sent = 1_700_000_000.2
    date = formatdate(sent + skew, usegmt=True)
    offset = clock_offset(date, sent, sent + 0.1)
    assert offset is not None
    assert abs(offset - skew) <= 1.0
    assert (abs(offset) > CLOCK_TOLERANCE_S) == (abs(skew) > CLOCK_TOLERANCE_S)


@pytest.mark.parametrize("date", [None, "", "yesterday", "Mon, 99 Foo 2024"])
def test_no_offset_without_a_readable_date(date: str | None) -> None:
    assert clock_offset(date, 1.0, 2.0) is None


def _check(name: CheckName, ok: bool | None, blocks: ExitStatus = ExitStatus.OK) -> Check:
    return Check(name, ok, "detail", "next", blocks)


def test_exit_status_is_that_of_the_first_blocking_failure() -> None:
    checks = [
        _check(CheckName.KEYRING, False),
        _check(CheckName.QUOTA, False, ExitStatus.SERVICE),
        _check(CheckName.TOKEN, False, ExitStatus.TOKEN),
        _check(CheckName.CLOCK, False),
    ]
    assert exit_status(checks) is ExitStatus.TOKEN
    assert exit_status(checks[:2]) is ExitStatus.SERVICE
    assert exit_status([checks[0], checks[3]]) is ExitStatus.OK
    assert summary([checks[0], checks[3]]) == "Ready to resolve. 2 warnings above."
    assert summary(checks).startswith("Not ready to resolve")


def test_lines_and_their_ascii_form() -> None:
    failed = _check(CheckName.TOKEN, False, ExitStatus.TOKEN)
    assert failed.line() == "✗ Token: detail\n    → next"
    assert failed.line(ascii_only=True) == "FAIL Token: detail\n    -> next"
    assert _check(CheckName.TOKEN, True).line() == "✓ Token: detail"
    assert _check(CheckName.TOKEN, None).line() == "– Token: detail\n    → next"


def test_a_warning_is_marked_apart_from_what_stops_a_resolve() -> None:
    """✗ means "this stops you": a failure a resolve gets past is a warning, !."""
    clock = _check(CheckName.CLOCK, False)
    assert clock.level is Level.WARNING
    assert clock.line() == "! Clock: detail\n    → next"
    assert clock.line(ascii_only=True) == "WARN Clock: detail\n    -> next"
    token = _check(CheckName.TOKEN, False, ExitStatus.TOKEN)
    assert token.level is Level.FAIL
    assert [c.level for c in (_check(CheckName.IP, True), _check(CheckName.IP, None))] == [
        Level.OK,
        Level.NOT_CHECKED,
    ]
    assert warnings([clock, token, _check(CheckName.KEYRING, False)]) == 2
    assert summary([clock, token], ascii_only=True) == (
        "Not ready to resolve: fix the FAIL lines above, then run the check again."
    )


def test_the_setup_never_shows_its_secrets() -> None:
    setup = DoctorSetup(
        "https://api.weixin.qq.com",
        ApiMode.TCB,
        "default",
        token="tok-3141592653",
        appid="wx0123456789abcdef",
        app_secret="f" * 32,
    )
    assert "tok-3141592653" not in repr(setup)
    assert "f" * 32 not in repr(setup)


async def test_every_call_goes_to_the_trace(demo_server: DemoServer) -> None:
    events: list[TraceEvent] = []
    hub = TraceHub()
    hub.add(events.append)
    setup = DoctorSetup(
        demo_server.base_url, ApiMode.TCB, "default", token=DEMO_TOKEN, token_source="a test"
    )
    checks = await collect(setup, trace=hub)
    assert [c.name for c in checks] == list(CheckName)
    assert len(events) == 2  # quota/get for tcb (76022), then for component
    assert [e.errcode for e in events] == [76022, 0]
    for event in events:
        assert event.kind is CallKind.API
        assert event.endpoint == "/cgi-bin/openapi/quota/get"
        assert DEMO_TOKEN not in repr(event)


def test_two_names_for_one_dns_number_keep_the_first_phrase() -> None:
    """Windows defines EAI_NODATA as EAI_NONAME: "no such host name" must stay."""
    windows = SimpleNamespace(EAI_NONAME=11001, EAI_AGAIN=11002, EAI_NODATA=11001)
    table = words_by_number(
        [("EAI_NONAME", "no such host"), ("EAI_AGAIN", "later"), ("EAI_NODATA", "no address")],
        windows,
    )
    assert table == {11001: "no such host", 11002: "later"}  # EAI_FAIL: not there, left out


@pytest.mark.parametrize("reason", ["WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE"])
async def test_a_plain_answer_to_tls_is_named_on_every_openssl(
    monkeypatch: pytest.MonkeyPatch, demo_server: DemoServer, reason: str
) -> None:
    async def plain_answer(*args: Any, **kwargs: Any) -> None:
        error = ssl.SSLError(1, "[SSL] record layer failure")
        error.reason = reason  # OpenSSL 3.2 and later say RECORD_LAYER_FAILURE
        raise error

    monkeypatch.setattr(asyncio.StreamWriter, "start_tls", plain_answer)
    plain = demo_server.base_url.replace("http://", "https://")
    check = await check_service(plain, environ={})
    assert "TLS fails (the port does not speak TLS (plain http?));" in check.detail


@pytest.mark.parametrize(
    ("error", "words"),
    [
        # Windows' numbers for these are not errno's: the class says what happened.
        (ConnectionRefusedError(1225, "The remote computer refused it"), "connection refused"),
        (
            ConnectionResetError(10054, "An existing connection was closed"),
            "the connection was reset",
        ),
        (OSError(1, "Operation not permitted"), "Operation not permitted"),  # system's words
    ],
)
async def test_connection_failures_in_words(
    monkeypatch: pytest.MonkeyPatch, error: OSError, words: str
) -> None:
    async def fails(*args: Any, **kwargs: Any) -> Any:
        raise error

    monkeypatch.setattr(asyncio, "open_connection", fails)
    check = await check_service("http://127.0.0.1:9", environ={})
    assert check.ok is False
    assert f"cannot be reached ({words}" in check.detail


async def test_the_quota_check_carries_the_numbers_of_the_profiles_own_api(
    demo_server: DemoServer,
) -> None:
    """What the window's badge counts from (Check connection… hands them over); when the
    token fits only the other API, those numbers are not the profile's and stay out."""
    import time

    from tcb_gui.core.client import Quota

    before = time.time()
    own = DoctorSetup(
        demo_server.base_url, ApiMode.COMPONENT, "default", token=DEMO_TOKEN, token_source="t"
    )
    (quota,) = [c for c in await collect(own) if c.name is CheckName.QUOTA]
    assert quota.ok
    assert quota.quota == Quota(1_000_000, 0, 1_000_000)
    assert quota.quota_asked_at is not None
    assert before <= quota.quota_asked_at.timestamp() <= time.time()
    other = DoctorSetup(
        demo_server.base_url, ApiMode.TCB, "default", token=DEMO_TOKEN, token_source="t"
    )
    (quota,) = [c for c in await collect(other) if c.name is CheckName.QUOTA]
    assert quota.quota is None
    assert quota.quota_asked_at is None
