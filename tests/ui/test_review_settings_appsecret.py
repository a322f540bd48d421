"""Two mini program profiles: a provider left behind by a profile switch (a download
that started before it still holds it) never gets the other profile's AppSecret."""

from __future__ import annotations

import pytest

from tcb_gui.core.errors import TokenError, TokenState
from tcb_gui.core.settings import Profile
from tcb_gui.core.tokens import KEYRING_SERVICE, app_secret_user
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DEMO_APPID, DEMO_APPSECRET
from tests.memory_keyring import MemoryKeyring
from tests.ui.conftest import WindowFactory

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only

OTHER_APPID = "wxfedcba9876543210"
OTHER_SECRET = "fedcba9876543210fedcba9876543210"


async def test_a_provider_left_behind_never_gets_the_next_profiles_appsecret(
    make_window: WindowFactory, demo_server: DemoServer, memory_keyring: MemoryKeyring
) -> None:
    window = make_window()
    url = demo_server.base_url
    memory_keyring.store[(KEYRING_SERVICE, app_secret_user("mini"))] = DEMO_APPSECRET
    memory_keyring.store[(KEYRING_SERVICE, app_secret_user("other"))] = OTHER_SECRET
    window.session.settings.put_profile(
        Profile(name="other", base_url=url).with_appsecret(OTHER_APPID)
    )
    await window.tokens.save_profile(Profile(name="mini", base_url=url).with_appsecret(DEMO_APPID))
    first = window.session.stable
    assert first is not None
    assert first.current() is not None
    await window.tokens.switch_profile("other")
    assert window.session.stable is not first
    # A run started on "mini" holds ``first``; its token is refused and fetched anew.
    first.invalidate()
    with pytest.raises(TokenError) as info:
        await first.get()
    # Not "other"'s AppSecret sent with "mini"'s AppID: no AppSecret at all.
    assert info.value.state is TokenState.NOT_SET


async def test_a_provider_left_behind_by_a_token_profile_still_renews(
    make_window: WindowFactory, demo_server: DemoServer, memory_keyring: MemoryKeyring
) -> None:
    """No other AppSecret was read: a download of "mini" still renews its token."""
    window = make_window()
    memory_keyring.store[(KEYRING_SERVICE, app_secret_user("mini"))] = DEMO_APPSECRET
    profile = Profile(name="mini", base_url=demo_server.base_url).with_appsecret(DEMO_APPID)
    await window.tokens.save_profile(profile)
    first = window.session.stable
    assert first is not None
    await window.tokens.switch_profile("default")
    first.invalidate()
    assert await first.get()
