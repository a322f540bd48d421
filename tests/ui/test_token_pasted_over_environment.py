"""Started with ``TCB_ACCESS_TOKEN``, a token pasted in the window is the one it uses.

The window took the variable's token first for good: once it expired, Set token… said
the new token was kept, the badge still read "Token expired · from environment", every
Resume paused again on "Paste a fresh token and resume", and Clear token told the user
to unset a variable the window had already taken out of its environment. Against the
demo service over loopback, as an operator meets it.
"""

from __future__ import annotations

import pytest

from tcb_gui.core.errors import TokenState
from tcb_gui.core.tokens import TOKEN_ENV, TokenSource, adopt_environment_secrets
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DEMO_TOKEN, EXPIRED_TOKEN
from tcb_gui.ui.main_window import MainWindow
from tcb_gui.ui.resolve_presenter import BANNER
from tcb_gui.ui.results_model import RowState
from tests.ui.conftest import WindowFactory, wait_until
from tests.ui.test_downloads_window import keys, text_of

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only


async def paused_on_the_variables_expired_token(
    make_window: WindowFactory, server: DemoServer, monkeypatch: pytest.MonkeyPatch
) -> MainWindow:
    """A window started with an expired ``TCB_ACCESS_TOKEN`` (taken out of its
    environment as ``app.run`` does), its list paused by the token."""
    monkeypatch.setenv(TOKEN_ENV, EXPIRED_TOKEN)
    adopt_environment_secrets()
    window = make_window(base_url=server.base_url)
    await window.ids.add_text(text_of(keys(3, "4K", "env")))
    await window.resolver.resolve_rows()
    assert window.model.counts().paused == 3
    badge = window.token_panel.badge
    assert (badge.state, badge.info.source) == (TokenState.EXPIRED, TokenSource.ENVIRONMENT)
    return window


async def test_a_pasted_token_replaces_the_variables_and_resume_resolves(
    make_window: WindowFactory, demo_server: DemoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = await paused_on_the_variables_expired_token(make_window, demo_server, monkeypatch)
    await window.tokens.save_token(DEMO_TOKEN)
    badge = window.token_panel.badge
    assert (badge.state, badge.info.source) == (TokenState.VALID, TokenSource.KEYRING)
    assert "from environment" not in badge.text
    banner = window.banners.banner(BANNER)
    assert banner is not None
    assert banner.text.startswith("The token works. Resume")
    banner.click("Resume")
    await wait_until(lambda: window.model.counts().ok == 3, 10)
    assert window.model.rows_in(RowState.PAUSED) == []


async def test_clear_token_after_the_variable_leaves_none_and_asks_nothing_impossible(
    make_window: WindowFactory, demo_server: DemoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = await paused_on_the_variables_expired_token(make_window, demo_server, monkeypatch)
    await window.tokens.clear_token()
    assert window.token_panel.badge.state is TokenState.NOT_SET
    status = window.message_label.text()
    assert "unset" not in status
    assert status.startswith("Token cleared for profile “default”")
    banner = window.banners.banner(BANNER)
    assert banner is not None
    assert banner.text.startswith("Set a token first")
    # And a token pasted after it is used, not the variable's again.
    await window.tokens.save_token(DEMO_TOKEN)
    assert window.token_panel.badge.state is TokenState.VALID
    await window.tokens.clear_token()
    assert window.token_panel.badge.state is TokenState.NOT_SET
    assert window.message_label.text() == "Token cleared for profile “default”."
