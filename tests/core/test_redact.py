"""Secrets stay out of logs and messages: ``redact`` itself, the log record factory, and a
resolve and a token check over real loopback HTTP with every logger at DEBUG.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import re
import string
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tcb_gui.core.client import TcbClient, make_http_client
from tcb_gui.core.errors import ErrorKind, TokenError, TokenState
from tcb_gui.core.fileids import parse_fileid
from tcb_gui.core.redact import (
    _SECRET_PARAMS_RE,
    REDACTED,
    install_log_redaction,
    redact,
    register_secret,
)


def fresh_secret() -> str:
    """A secret no other test registered (the registry is process-wide)."""
    return f"sec-{uuid.uuid4().hex}"


# ---------------------------------------------------------------------------------------
# redact()
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "POST https://api.weixin.qq.com/tcb/batchdownloadfile?access_token=79_abc-DEF.ghi",
            "POST https://api.weixin.qq.com/tcb/batchdownloadfile?access_token=***",
        ),
        ("a?x=1&access_token=tok&y=2", "a?x=1&access_token=***&y=2"),
        ("?ACCESS_TOKEN=tok", "?ACCESS_TOKEN=***"),
        ("component_access_token=abc def", "component_access_token=*** def"),
        ("authorizer_access_token=abc#frag", "authorizer_access_token=***#frag"),
        ("stable_token secret=s3cr3t&appid=wx1", "stable_token secret=***&appid=wx1"),
        (
            "https://b.tcb.qcloud.la/a.png?sign=0f1e2d3c&t=1700000000",
            "https://b.tcb.qcloud.la/a.png?sign=***&t=1700000000",
        ),
        ('{"url": "x?access_token=tok"}', '{"url": "x?access_token=***"}'),
        ("url='x?access_token=tok'", "url='x?access_token=***'"),
        ("<a href=x?sign=abc>", "<a href=x?sign=***>"),
        ("nothing to hide here", "nothing to hide here"),
        ("access_token= missing", "access_token=*** missing"),
    ],
)
def test_redact_hides_credential_parameters(text: str, expected: str) -> None:
    assert redact(text) == expected


@given(st.text(alphabet=st.characters(blacklist_characters="=")))
def test_a_text_without_an_equals_sign_holds_no_credential_parameter(text: str) -> None:
    """``redact`` skips the parameter pattern for such a text (a link request's JSON
    body): every parameter it masks ends in "=", so there is nothing it would find."""
    assert _SECRET_PARAMS_RE.search(text) is None


def test_a_request_body_keeps_its_ids_and_still_loses_a_signature_in_one() -> None:
    body = json.dumps(
        {"env": "prod-1a2b", "file_list": [{"fileid": "cloud://e.b/x/sign.png", "max_age": 60}]}
    )
    assert redact(body) == body
    signed = body.replace("x/sign.png", "x/a.png?sign=0f1e")
    assert redact(signed) == body.replace("x/sign.png", "x/a.png?sign=***")


def test_redact_hides_every_occurrence_of_a_registered_secret() -> None:
    secret = fresh_secret()
    text = f"errmsg: invalid credential {secret}; again:{secret}!"
    assert redact(text) == text  # not yet registered

    register_secret(secret)

    assert redact(text) == f"errmsg: invalid credential {REDACTED}; again:{REDACTED}!"
    assert secret not in redact(f"token={secret}")


def fresh_short_secret(length: int) -> str:
    """A short secret no other test registered, a letter and digits like a test token."""
    # The registry is process-wide: no single letter, nothing a later test might print.
    # Digits after the "Q" only: "Q" + a letter could be "Qt", which every later crash
    # report's "Qt: 6.x" line would then show redacted.
    while True:
        candidate = "Q" + "".join(random.choices(string.digits, k=length - 1))
        if redact(candidate) == candidate:
            return candidate


def test_empty_secrets_are_not_tracked() -> None:
    register_secret("")
    register_secret(None)
    register_secret("*")  # would redact the redaction marker itself
    assert redact("ok, it is ok ***") == "ok, it is ok ***"


@pytest.mark.parametrize("length", [2, 3, 5])
def test_short_secrets_are_redacted_where_they_stand_alone(length: int) -> None:
    # Issue 10: a short token echoed back by the service was not redacted at all.
    secret = fresh_short_secret(length)
    echoed = f"invalid credential, access_token is {secret}, rid: {secret}-4a ({secret})"
    register_secret(secret)

    assert redact(echoed) == (
        f"invalid credential, access_token is {REDACTED}, rid: {REDACTED}-4a ({REDACTED})"
    )
    assert redact(f"x?access_token={secret}&t=1") == f"x?access_token={REDACTED}&t=1"
    # The same letters inside a longer word or number are ordinary text.
    inside = f"a{secret} {secret}9 {secret}{secret}"
    assert redact(inside) == inside


def test_a_short_secret_with_url_characters_is_redacted_in_every_form() -> None:
    secret = fresh_short_secret(3) + "/+"
    register_secret(secret)
    for form in (secret, secret.replace("/", "%2F").replace("+", "%2B")):
        assert redact(f"echo: {form} end") == f"echo: {REDACTED} end", form


def test_redact_is_idempotent() -> None:
    secret = fresh_secret()
    register_secret(secret)
    text = f"x?access_token={secret}&sign=abc {secret}"
    once = redact(text)
    assert redact(once) == once
    assert secret not in once


# ---------------------------------------------------------------------------------------
# the log record factory
# ---------------------------------------------------------------------------------------


def test_install_is_idempotent() -> None:
    install_log_redaction()
    factory = logging.getLogRecordFactory()
    install_log_redaction()
    assert logging.getLogRecordFactory() is factory


def test_log_records_are_redacted_as_they_are_created(caplog: pytest.LogCaptureFixture) -> None:
    install_log_redaction()
    secret = fresh_secret()
    register_secret(secret)
    caplog.set_level(logging.DEBUG)
    logger = logging.getLogger("tests.redact")

    logger.debug("POST %s", f"https://h/p?access_token={secret}")
    logger.info("echo: %s / %r", secret, {"token": secret})
    logger.warning(f"inline {secret}")
    logger.info("count %d of %s", 3, "plain")

    messages = [r.getMessage() for r in caplog.records]
    assert messages[:3] == [
        "POST https://h/p?access_token=***",
        f"echo: {REDACTED} / {{'token': '{REDACTED}'}}",
        f"inline {REDACTED}",
    ]
    assert messages[3] == "count 3 of plain"
    assert secret not in caplog.text
    assert all(r.args is None for r in caplog.records)


def test_a_broken_format_string_is_left_to_logging() -> None:
    install_log_redaction()
    make = logging.getLogRecordFactory()

    record = make("tests.redact", logging.INFO, __file__, 1, "%d items", ("x",), None)

    assert record.msg == "%d items"
    assert record.args == ("x",)


def test_a_logged_traceback_is_redacted(caplog: pytest.LogCaptureFixture) -> None:
    # `log.exception(...)` on an httpx error puts the request URL - token included - in
    # the formatted traceback, which the handler renders after the record was created.
    install_log_redaction()
    secret = fresh_secret()
    register_secret(secret)
    caplog.set_level(logging.DEBUG)
    request = httpx.Request("POST", f"https://api.weixin.qq.com/x?access_token={secret}")
    response = httpx.Response(404, request=request)

    try:
        response.raise_for_status()
    except httpx.HTTPStatusError:
        logging.getLogger("tests.redact").exception("quota check failed")

    assert "quota check failed" in caplog.text
    assert "HTTPStatusError" in caplog.text
    assert secret not in caplog.text


# ---------------------------------------------------------------------------------------
# a whole resolve and token check over real loopback HTTP, every logger at DEBUG
# ---------------------------------------------------------------------------------------

TOKEN = "79_LoopbackTOKEN-ZZ9plural-Z-alpha-0123456789abcdef"
ENV = "env-log"


def _echo(text: str) -> str:
    return f"{text}: access_token={TOKEN} ({TOKEN}) hint: [Lp0]"


@dataclass
class FakeService:
    """Canned answers from a raw asyncio HTTP server on 127.0.0.1, echoing the token."""

    quota_answers: list[dict[str, object]] = field(default_factory=list)
    token_rejected: bool = False
    paths: list[str] = field(default_factory=list)

    def reply(self, path: str, body: bytes) -> tuple[int, bytes]:
        self.paths.append(path)
        if path.startswith("/cgi-bin/openapi/quota/get"):
            return 200, json.dumps(self.quota_answers.pop(0)).encode()
        request = json.loads(body)
        if len(self.paths) == 1:
            return 503, b"<html>busy</html>"
        if self.token_rejected:
            return 200, json.dumps({"errcode": 40001, "errmsg": _echo("invalid")}).encode()
        if request["env"] != ENV:
            return 200, json.dumps({"errcode": 40101, "errmsg": _echo("missing")}).encode()
        items: list[dict[str, object]] = [
            {"fileid": item["fileid"], "status": -503003, "errmsg": _echo("no such file")}
            for item in request["file_list"]
        ]
        items[0] = {
            "fileid": items[0]["fileid"],
            "status": 0,
            "download_url": "https://b.tcb.qcloud.la/a.png?sign=xyz&t=1",
        }
        return 200, json.dumps({"errcode": 0, "errmsg": "ok", "file_list": items}).encode()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            match = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head)
            body = await reader.readexactly(int(match.group(1)) if match else 0)
            target = head.split(b" ", 2)[1].decode()
            status, payload = self.reply(target, body)
            writer.write(
                b"HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\nConnection: close\r\n\r\n%s"
                % (status, len(payload), payload)
            )
            await writer.drain()
        finally:
            writer.close()
            await writer.wait_closed()


@pytest.fixture
async def loopback() -> AsyncIterator[tuple[str, FakeService]]:
    service = FakeService()
    server = await asyncio.start_server(service.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"http://127.0.0.1:{port}", service
        server.close()
        await server.wait_closed()


async def test_no_token_in_debug_logs_over_real_http(
    loopback: tuple[str, FakeService], caplog: pytest.LogCaptureFixture
) -> None:
    base_url, service = loopback
    service.quota_answers = [
        {"errcode": 76021, "errmsg": _echo("bad cgi")},
        {"errcode": 42001, "errmsg": _echo("expired")},
    ]
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "tcb_gui", "asyncio"):
        caplog.set_level(logging.DEBUG, logger=name)
    ids = [parse_fileid(f"cloud://{ENV}.b-1/{n}.png") for n in range(3)]
    ids.append(parse_fileid("cloud://env-other.b-1/x.png"))

    async with make_http_client() as http:
        client = TcbClient(http, lambda: TOKEN, base_url=base_url, concurrency=1)
        results = await client.resolve_all(ids)
        first_check = await client.check_token()
        second_check = await client.check_token()

    assert [r.ok for r in results] == [True, False, False, False]
    assert results[1].kind is ErrorKind.FILE
    assert "File does not exist" in results[1].errmsg
    assert results[3].kind is ErrorKind.REQUEST
    assert "hint: [Lp0]" in results[3].errmsg
    assert first_check.state is TokenState.UNREACHABLE
    assert "hint: [Lp0]" in first_check.message
    assert second_check.state is TokenState.EXPIRED
    for text in [r.errmsg for r in results] + [first_check.message, second_check.message]:
        assert TOKEN not in text

    loggers = {record.name.split(".")[0] for record in caplog.records}
    assert {"httpx", "httpcore", "tcb_gui"} <= loggers  # real traffic, really logged
    assert any("access_token=***" in r.getMessage() for r in caplog.records)
    for record in caplog.records:
        assert TOKEN not in record.getMessage()
    assert TOKEN not in caplog.text
    assert len(service.paths) == 5  # 503, retry, other env, two token checks


async def test_token_error_over_real_http_holds_no_token(
    loopback: tuple[str, FakeService], caplog: pytest.LogCaptureFixture
) -> None:
    base_url, service = loopback
    service.token_rejected = True
    caplog.set_level(logging.DEBUG)
    ids = [parse_fileid(f"cloud://{ENV}.b-1/{n}.png") for n in range(3)]

    async with make_http_client() as http:
        client = TcbClient(http, lambda: TOKEN, base_url=base_url)
        with pytest.raises(TokenError) as caught:
            await client.resolve_all(ids)

    error = caught.value
    assert error.state is TokenState.INVALID
    assert "hint: [Lp0]" in error.detail
    assert list(error.unresolved) == ids
    for text in (str(error), repr(error), repr(error.args), error.message, error.detail):
        assert TOKEN not in text
    assert TOKEN not in caplog.text
