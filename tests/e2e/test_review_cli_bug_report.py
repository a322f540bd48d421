"""An unexpected exception in a command (a bug) prints its traceback redacted, as the
window's crash report does: exception text can hold a whole request URL with
``access_token=`` (httpx puts URLs in its errors) or a secret a service echoed."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tcb_gui import cli
from tcb_gui.core.client import make_http_client
from tests.e2e.cli_helpers import run_cli

TOKEN = "Rv5Ug7Xk+bug/Tok=3Ws8Ln-Pq6Zt2Ya"
ECHO_BASE_URL = "http://127.0.0.1:9"  # loopback; never reached (the transport raises)


class UnexpectedFailure(RuntimeError):
    """Something no layer expects, quoting the request it failed on."""


def test_an_unexpected_error_prints_a_redacted_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(request: httpx.Request) -> httpx.Response:
        raise UnexpectedFailure(f"cannot handle {request.url} (token {TOKEN})")

    def client_that_explodes(**kwargs: Any) -> httpx.AsyncClient:
        return make_http_client(transport=httpx.MockTransport(explode), **kwargs)

    monkeypatch.setattr(cli, "make_http_client", client_that_explodes)
    run = run_cli(["token", "check", "--base-url", ECHO_BASE_URL], token=TOKEN)
    assert run.code == 1
    assert "unexpected error, a bug in TCB Links" in run.stderr
    assert "UnexpectedFailure: cannot handle http://127.0.0.1:9/" in run.stderr
    assert "access_token=***" in run.stderr
    assert TOKEN not in run.printed
    assert TOKEN[:8] not in run.printed
    assert TOKEN[-8:] not in run.printed
