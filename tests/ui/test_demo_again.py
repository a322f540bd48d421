"""Try the demo again after leaving the demo for a saved profile: the window goes back
onto the running demo service with the demo's token, never shows the demo's banner and
samples over the user's own service and token."""

from __future__ import annotations

import pytest

from tcb_gui.core.settings import Profile, Settings
from tcb_gui.core.tokens import KEYRING_SERVICE
from tcb_gui.demo.service import DEMO_TOKEN
from tests.memory_keyring import MemoryKeyring
from tests.ui.conftest import WindowFactory

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only

USERS_URL = "https://tcb.example.com"
USERS_TOKEN = "the-users-own-real-token"


async def test_try_the_demo_again_reenters_it_on_the_same_service(
    make_window: WindowFactory, memory_keyring: MemoryKeyring
) -> None:
    settings = Settings()
    settings.put_profile(Profile(name="default", base_url=USERS_URL))
    memory_keyring.store[(KEYRING_SERVICE, "default")] = USERS_TOKEN
    window = make_window(settings=settings)
    session = window.session
    await window.tokens.start_demo(load_samples=False)
    server = session.demo
    assert server is not None
    assert session.in_demo
    await window.tokens.switch_profile("default")
    assert not session.in_demo
    assert session.token.token == USERS_TOKEN

    await window.tokens.start_demo(load_samples=False)
    assert session.in_demo
    assert session.demo is server  # the running service, not a second one
    assert session.profile.base_url == server.base_url
    assert session.client().base_url == server.base_url
    assert session.token.token == DEMO_TOKEN
    assert await session.credentials().token() == DEMO_TOKEN  # what a run would send
    assert window.token_panel.profile_combo.currentData() == session.profile.name
