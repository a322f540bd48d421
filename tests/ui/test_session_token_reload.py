"""A token read again (off-thread) is the profile's it was read for: a read that ends
after a switch to another profile is dropped, never handed to that profile's runs, even
a profile of the same name made anew; and the caller then gets the token of the profile
in use now, not "no token"."""

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

    async def acurrent(self, profile: str, *, set_here_wins: bool = False) -> TokenInfo:
        gate = self.gate.get(profile)
        if gate is not None:
            await gate.wait()
        token = self.tokens.get(profile)
        return TokenInfo(token, TokenSource.KEYRING if token else TokenSource.NONE)


class ReadThenSlowStore(SlowStore):
    """The keyring answered at once; handing the answer back waits (a busy loop)."""

    async def acurrent(self, profile: str, *, set_here_wins: bool = False) -> TokenInfo:
        token = self.tokens.get(profile)
        gate = self.gate.pop(profile, None)
        if gate is not None:
            await gate.wait()
        return TokenInfo(token, TokenSource.KEYRING if token else TokenSource.NONE)


def on_a_of_two() -> tuple[Session, SlowStore]:
    """A session on profile "a" of "a" and "b", each with its token in a slow store."""
    settings = Settings()
    settings.put_profile(Profile(name="a", base_url="https://a.example.com"))
    settings.put_profile(Profile(name="b", base_url="https://b.example.com"))
    settings.select_profile("a")
    store = SlowStore({"a": "token-of-a", "b": "token-of-b"})
    return Session(settings, store), store


async def test_a_read_ending_after_a_switch_is_dropped() -> None:
    session, store = on_a_of_two()
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


async def test_a_read_for_a_profile_made_anew_under_its_name_is_dropped() -> None:
    """Settings removed "a" (its token forgotten) and made a new "a" for another service
    while a run's read of the old one waited: the old token never goes to the new one."""
    settings = Settings()
    settings.put_profile(Profile(name="a", base_url="https://a.example.com"))
    settings.select_profile("a")
    store = ReadThenSlowStore({"a": "token-of-the-old-a"})
    session = Session(settings, store)
    store.gate["a"] = gate = asyncio.Event()
    late = asyncio.create_task(session.reload_token())
    await asyncio.sleep(0)
    del store.tokens["a"]  # forgotten with the profile
    session.put_profile(Profile(name="a", base_url="https://new-a.example.com"))
    gate.set()
    read = await late
    assert read.token is None
    assert session.token.token is None
    assert session.credentials().current() is None


async def test_a_dropped_read_gives_the_token_of_the_profile_now_in_use() -> None:
    """A run's read of "a" ends after a switch to "b" and before the switch's own read:
    the run is told b's token, not that none is set."""
    session, store = on_a_of_two()
    store.gate["a"], store.gate["b"] = asyncio.Event(), asyncio.Event()
    late = asyncio.create_task(session.reload_token())  # the run's read, waiting
    await asyncio.sleep(0)
    session.select_profile("b")
    own = asyncio.create_task(session.reload_token())  # the switch's own read, waiting
    store.gate["a"].set()
    await asyncio.sleep(0.05)
    assert not late.done() or late.result().token == "token-of-b"
    store.gate["b"].set()
    assert (await late).token == "token-of-b"
    assert (await own).token == "token-of-b"
    assert session.token.token == "token-of-b"
