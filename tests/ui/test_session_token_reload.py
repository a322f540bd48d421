"""A token read again (off-thread) is the profile's it was read for: a read that ends
after a switch to another profile is dropped, never handed to that profile's runs."""

from __future__ import annotations

import asyncio

from tcb_gui.core.settings import Profile, Settings
from tcb_gui.core.tokens import TokenInfo, TokenSource, TokenStore
from tcb_gui.ui.session import Session


class SlowStore(TokenStore):
    """A keyring read that ends when the test says so (an unlock prompt, say)."""

    def __init__(self, tokens: dict[str, str]) -> None:
        super().__init__()
        self.tokens = tokens
        self.gate: dict[str, asyncio.Event] = {}

    async def acurrent(self, profile: str) -> TokenInfo:
        gate = self.gate.get(profile)
        if gate is not None:
            await gate.wait()
        token = self.tokens.get(profile)
        return TokenInfo(token, TokenSource.KEYRING if token else TokenSource.NONE)


async def test_a_read_ending_after_a_switch_is_dropped() -> None:
    settings = Settings()
    settings.put_profile(Profile(name="a", base_url="https://a.example.com"))
    settings.put_profile(Profile(name="b", base_url="https://b.example.com"))
    settings.select_profile("a")
    store = SlowStore({"a": "token-of-a", "b": "token-of-b"})
    session = Session(settings, store)
    store.gate["a"] = asyncio.Event()
    late = asyncio.create_task(session.reload_token())  # a run's read, waiting
    await asyncio.sleep(0)
    session.select_profile("b")
    assert (await session.reload_token()).token == "token-of-b"  # the switch's own read
    store.gate["a"].set()
    await late
    assert session.profile.name == "b"
    assert session.token.token == "token-of-b"
    assert await session.credentials().token() == "token-of-b"


async def test_a_read_for_the_profile_still_in_use_is_taken() -> None:
    settings = Settings()
    store = SlowStore({"default": "token-of-default"})
    session = Session(settings, store)
    assert (await session.reload_token()).token == "token-of-default"
    assert session.token.source is TokenSource.KEYRING
