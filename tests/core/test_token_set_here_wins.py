"""A token set or cleared in the window replaces ``TCB_ACCESS_TOKEN`` for its profile.

Started with the variable, the window never used a token pasted in it: the store put the
environment first, so after the variable's 2-hour token expired every run paused again
on "Paste a fresh token and resume", and Clear token asked the user to unset a variable
the window had already taken out of its environment. The window asks in its own order
(``set_here_wins``); the command line keeps the variable first.
"""

from __future__ import annotations

import keyring
import pytest
from keyring.backends import fail

from tcb_gui.core.errors import KeyringUnavailableError
from tcb_gui.core.tokens import TOKEN_ENV, TokenSource, TokenStore, adopt_environment_secrets
from tests.memory_keyring import MemoryKeyring

FROM_VARIABLE = "71_variable-token-0123456789abcdef"
PASTED = "71_pasted-token-0123456789abcdef"


@pytest.fixture
def variable(monkeypatch: pytest.MonkeyPatch) -> None:
    """``TCB_ACCESS_TOKEN`` set, then taken out of the environment as the window does."""
    monkeypatch.setenv(TOKEN_ENV, FROM_VARIABLE)
    adopt_environment_secrets()


def found(store: TokenStore, profile: str = "default", **order: bool) -> tuple[object, ...]:
    info = store.current(profile, **order)
    return info.token, info.source


def test_a_token_pasted_in_the_window_wins_over_the_variable(
    variable: None, memory_keyring: MemoryKeyring
) -> None:
    store = TokenStore()
    assert found(store, set_here_wins=True) == (FROM_VARIABLE, TokenSource.ENVIRONMENT)
    store.set("default", PASTED)
    assert found(store, set_here_wins=True) == (PASTED, TokenSource.KEYRING)
    # The command line's order is unchanged: the variable first.
    assert found(store) == (FROM_VARIABLE, TokenSource.ENVIRONMENT)
    # Another profile still uses the variable; so does another process (a new store).
    assert found(store, "other", set_here_wins=True) == (FROM_VARIABLE, TokenSource.ENVIRONMENT)
    assert found(TokenStore(), set_here_wins=True) == (FROM_VARIABLE, TokenSource.ENVIRONMENT)


def test_without_a_keyring_the_pasted_token_wins_for_the_session(variable: None) -> None:
    keyring.set_keyring(fail.Keyring())  # restored by the memory_keyring fixture
    store = TokenStore()
    with pytest.raises(KeyringUnavailableError):
        store.set("default", PASTED)
    assert found(store, set_here_wins=True) == (PASTED, TokenSource.SESSION)
    store.clear("default")
    store.set_session("default", PASTED)
    assert found(store, set_here_wins=True) == (PASTED, TokenSource.SESSION)


def test_clear_leaves_no_token_not_the_variable(variable: None) -> None:
    store = TokenStore()
    store.set("default", PASTED)
    store.clear("default")
    assert found(store, set_here_wins=True) == (None, TokenSource.NONE)
    assert found(store) == (FROM_VARIABLE, TokenSource.ENVIRONMENT)
    # Cleared while the variable's token was the one in use: the same.
    store.clear("other")
    assert found(store, "other", set_here_wins=True) == (None, TokenSource.NONE)


def test_a_renamed_profile_keeps_its_pasted_token_over_the_variable(
    variable: None, memory_keyring: MemoryKeyring
) -> None:
    store = TokenStore()
    store.set("default", PASTED)
    assert store.move_profiles({"default": "prod"}) == []
    assert found(store, "prod", set_here_wins=True) == (PASTED, TokenSource.KEYRING)
    # The name freed is a new profile's: the variable's token, as for any other.
    assert found(store, "default", set_here_wins=True) == (
        FROM_VARIABLE,
        TokenSource.ENVIRONMENT,
    )
    store.move_profiles({}, removed=["prod"])
    assert found(store, "prod", set_here_wins=True) == (FROM_VARIABLE, TokenSource.ENVIRONMENT)
