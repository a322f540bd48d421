"""The window keeps the environment's secrets from the programs it starts (Open's
browser, Show in folder's file manager, and whatever those start inherit its
environment): ``app.run`` moves ``TCB_ACCESS_TOKEN`` and ``TCB_APP_SECRET`` out of the
process environment into memory, where the token is still found "from the environment"."""

from __future__ import annotations

import subprocess

import pytest

from tcb_gui.core.connection import explicit_token
from tcb_gui.core.tokens import APP_SECRET_ENV, TOKEN_ENV, TokenSource, TokenStore
from tcb_gui.ui.main_window import MainWindow
from tests.ui.conftest import run_until_first_paint

TOKEN = "env-token-kept-from-children-7f3a9c"
SECRET = "env-appsecret-kept-from-children-51d2"


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_programs_the_window_starts_never_get_the_environments_secrets(monkeypatch, qapp) -> None:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    monkeypatch.setenv(APP_SECRET_ENV, SECRET)
    seen: dict[str, object] = {}

    def at_paint(window: MainWindow) -> None:
        # What a program started now (a browser, a file manager) gets as its environment.
        seen["child"] = subprocess.run(["env"], capture_output=True, text=True).stdout
        seen["info"] = TokenStore().current("default")
        seen["explicit"] = explicit_token()

    run_until_first_paint(monkeypatch, at_paint)
    child = seen["child"]
    assert isinstance(child, str)
    assert "PATH=" in child
    assert TOKEN not in child
    assert SECRET not in child
    assert TOKEN_ENV not in child
    assert APP_SECRET_ENV not in child
    info = seen["info"]
    assert getattr(info, "source", None) is TokenSource.ENVIRONMENT
    assert seen["explicit"] == TOKEN
