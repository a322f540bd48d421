"""The token store over the in-memory keyring, failing keyrings and leaky backends."""

from __future__ import annotations

import logging
import os
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail, null
from keyring.errors import KeyringLocked, PasswordSetError

from tcb_gui.core.errors import InputError, KeyringUnavailableError
from tcb_gui.core.redact import redact
from tcb_gui.core.tokens import (
    KEYRING_SERVICE,
    TOKEN_LIFETIME_S,
    TokenInfo,
    TokenSource,
    TokenStore,
    clean_token,
    estimate_time_left,
)
from tests.memory_keyring import MemoryKeyring

TOKEN = "71_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-tokenA"
TOKEN_B = "71_ZyXwVuTsRqPoNmLkJiHgFeDcBa9876543210-tokenB"


def _assert_no_file_holds(root: Path, secret: str) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path


def _assert_error_hides(err: BaseException, secret: str) -> None:
    assert secret not in str(err)
    assert secret not in repr(err)
    assert all(secret not in repr(arg) for arg in err.args)
    assert err.__cause__ is None
    assert err.__context__ is None
    assert secret not in "".join(traceback.format_exception(err))
    assert all(secret not in repr(v) for v in vars(err).values())


class LeakyKeyring(KeyringBackend):
    """A backend whose errors quote what it was given, like a careless real one."""

    priority = 1

    def get_password(self, service: str, username: str) -> str | None:
        raise UnicodeDecodeError("utf-8", TOKEN.encode(), 0, 1, f"bad secret {TOKEN}")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise PasswordSetError(f"could not store {password!r} for {username}")

    def delete_password(self, service: str, username: str) -> None:
        raise KeyringLocked(f"locked while deleting {TOKEN}")


class ForgetfulKeyring(MemoryKeyring):
    """Accepts every write and keeps nothing."""

    def set_password(self, service: str, username: str, password: str) -> None:
        return None


def test_set_get_clear_per_profile(memory_keyring: MemoryKeyring) -> None:
    store = TokenStore()
    assert store.keyring_available()
    store.set("default", f"  {TOKEN}\r\n")
    store.set("prod", TOKEN_B)
    assert store.get("default") == TOKEN
    assert store.get("prod") == TOKEN_B
    # One entry per profile, the profile name as keyring user name.
    assert memory_keyring.store == {
        (KEYRING_SERVICE, "default"): TOKEN,
        (KEYRING_SERVICE, "prod"): TOKEN_B,
    }
    assert store.current("prod") == TokenInfo(TOKEN_B, TokenSource.KEYRING)

    store.clear("default")
    assert store.get("default") is None
    assert store.get("prod") == TOKEN_B
    assert store.current("default") == TokenInfo(None, TokenSource.NONE)
    store.clear("default")  # clearing nothing is fine


def test_a_second_store_sees_saved_tokens() -> None:
    TokenStore().set("default", TOKEN)
    assert TokenStore().current("default").token == TOKEN


@pytest.mark.parametrize("bad", ["", "   \n", "two\nlines", "has space", "ctl\x07", "x" * 4097])
def test_set_refuses_what_cannot_be_a_token(bad: str, memory_keyring: MemoryKeyring) -> None:
    store = TokenStore()
    with pytest.raises(InputError) as info:
        store.set("default", bad)
    if bad.strip():
        assert bad.strip() not in str(info.value)
    with pytest.raises(InputError):
        store.set_session("default", bad)
    assert memory_keyring.store == {}


def test_invalid_profile_name_is_refused() -> None:
    with pytest.raises(InputError):
        TokenStore().set("", TOKEN)
    with pytest.raises(InputError):
        TokenStore().get("__tcb_gui_probe__")


def test_environment_takes_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    store = TokenStore()
    store.set("default", TOKEN)
    store.set_session("other", TOKEN_B)
    monkeypatch.setenv("TCB_ACCESS_TOKEN", " env-token-123 \n")
    for profile in ("default", "other", "unset"):
        info = store.current(profile)
        assert info.source is TokenSource.ENVIRONMENT
        assert info.token == "env-token-123"
    # The environment token is never stored.
    assert store.get("unset") is None
    monkeypatch.setenv("TCB_ACCESS_TOKEN", "   ")
    assert store.current("default") == TokenInfo(TOKEN, TokenSource.KEYRING)


def test_session_tokens(memory_keyring: MemoryKeyring) -> None:
    store = TokenStore()
    store.set("default", TOKEN)
    store.set_session("default", f"{TOKEN_B}\n")
    assert store.current("default") == TokenInfo(TOKEN_B, TokenSource.SESSION)
    assert store.get("default") == TOKEN  # the keyring entry is untouched
    assert TokenStore().current("default").source is TokenSource.KEYRING  # memory only
    # Saving a token makes it the one in use again.
    store.set("default", TOKEN)
    assert store.current("default").source is TokenSource.KEYRING
    store.set_session("default", TOKEN_B)
    store.clear("default")
    assert store.current("default") == TokenInfo(None, TokenSource.NONE)
    assert memory_keyring.store == {}
    assert TOKEN_B not in repr(store)


@pytest.mark.parametrize("backend_cls", [fail.Keyring, null.Keyring, ForgetfulKeyring])
def test_no_keyring_keeps_token_for_session_only(
    backend_cls: type[KeyringBackend], isolated_home: Path, tmp_path: Path
) -> None:
    keyring.set_keyring(backend_cls())
    store = TokenStore()
    assert store.keyring_available() is (backend_cls is ForgetfulKeyring)
    with pytest.raises(KeyringUnavailableError, match="session only") as info:
        store.set("default", TOKEN)
    _assert_error_hides(info.value, TOKEN)
    assert store.keyring_available() is False
    # Still usable for this session, and never written to a file.
    assert store.current("default") == TokenInfo(TOKEN, TokenSource.SESSION)
    assert TokenStore().current("default") == TokenInfo(None, TokenSource.NONE)
    _assert_no_file_holds(isolated_home, TOKEN)
    _assert_no_file_holds(tmp_path, TOKEN)
    store.clear("default")
    assert store.current("default").source is TokenSource.NONE


def test_fail_backend_message_says_no_keyring() -> None:
    keyring.set_keyring(fail.Keyring())
    with pytest.raises(KeyringUnavailableError, match="No system keyring is available") as info:
        TokenStore().set("default", TOKEN)
    assert "keyring.backends.fail.Keyring" in info.value.detail


def test_leaky_backend_errors_do_not_carry_the_token(
    caplog: pytest.LogCaptureFixture, isolated_home: Path
) -> None:
    caplog.set_level(logging.DEBUG)
    store = TokenStore(backend=LeakyKeyring())
    assert store.keyring_available() is False
    with pytest.raises(KeyringUnavailableError, match="session only") as set_info:
        store.set("default", TOKEN)
    with pytest.raises(KeyringUnavailableError) as get_info:
        store.get("default")
    with pytest.raises(KeyringUnavailableError) as clear_info:
        store.clear("default")
    store.set_session("default", TOKEN)
    assert store.current("default").token == TOKEN  # the session copy needs no keyring
    with pytest.raises(KeyringUnavailableError) as current_info:
        TokenStore(backend=LeakyKeyring()).current("default")
    for info in (set_info, get_info, clear_info, current_info):
        _assert_error_hides(info.value, TOKEN)
        assert "LeakyKeyring" in info.value.detail
    assert "PasswordSetError" in set_info.value.detail
    assert "UnicodeDecodeError" in get_info.value.detail
    assert TOKEN not in caplog.text
    assert "default" in caplog.text  # profile names are logged, tokens never
    _assert_no_file_holds(isolated_home, TOKEN)


def test_backend_exceptions_are_caught_not_propagated(monkeypatch: pytest.MonkeyPatch) -> None:
    backend = MemoryKeyring()
    store = TokenStore(backend=backend)
    monkeypatch.setattr(backend, "get_password", _raise(RuntimeError(f"dbus said {TOKEN}")))
    with pytest.raises(KeyringUnavailableError) as info:
        store.current("default")
    _assert_error_hides(info.value, TOKEN)
    assert store.keyring_available() is False


def _raise(exc: Exception) -> Callable[..., None]:
    def raiser(*args: object) -> None:
        raise exc

    return raiser


def test_keyring_available_is_cached_and_can_be_rechecked() -> None:
    calls: list[str] = []

    class Counting(MemoryKeyring):
        def get_password(self, service: str, username: str) -> str | None:
            calls.append(username)
            return super().get_password(service, username)

    keyring.set_keyring(Counting())
    store = TokenStore()
    assert store.keyring_available()
    assert store.keyring_available()
    assert len(calls) == 1
    # The backend is loaded lazily: a new default keyring is picked up on recheck.
    keyring.set_keyring(fail.Keyring())
    assert store.keyring_available() is True
    assert store.keyring_available(recheck=True) is False
    assert len(calls) == 1


def test_keyring_calls_are_serialised() -> None:
    active = 0
    peak = 0
    guard = threading.Lock()

    class Slow(MemoryKeyring):
        def get_password(self, service: str, username: str) -> str | None:
            nonlocal active, peak
            with guard:
                active += 1
                peak = max(peak, active)
            time.sleep(0.01)
            with guard:
                active -= 1
            return super().get_password(service, username)

    store = TokenStore(backend=Slow())
    threads = [threading.Thread(target=store.get, args=(f"p{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert peak == 1


def test_chainer_without_backends_is_no_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    from keyring.backends import chainer

    monkeypatch.setattr(chainer.ChainerBackend, "backends", [])
    store = TokenStore(backend=chainer.ChainerBackend())
    assert store.keyring_available() is False
    with pytest.raises(KeyringUnavailableError, match="No system keyring"):
        store.set("default", TOKEN)
    assert store.get("default") is None


def test_token_info_hides_the_token() -> None:
    info = TokenInfo(TOKEN, TokenSource.KEYRING)
    for text in (repr(info), str(info), f"{info}", f"{info!r}", repr([info])):
        assert TOKEN not in text
        assert "keyring" in text
    assert "None" in repr(TokenInfo(None, TokenSource.NONE))
    assert info.is_set
    assert not TokenInfo(None, TokenSource.NONE).is_set


def test_clean_token() -> None:
    assert clean_token(f"\t{TOKEN} \n") == TOKEN
    # A byte-order mark from a pasted file is neither whitespace nor part of a token.
    with pytest.raises(InputError):
        clean_token(f"\ufeff{TOKEN}")


def test_estimate_time_left() -> None:
    assert TOKEN_LIFETIME_S == 7200
    assert estimate_time_left(None, 1000.0) is None
    assert estimate_time_left(1000.0, 1000.0) == 7200.0
    assert estimate_time_left(1000.0, 1000.0 + 3600) == 3600.0
    assert estimate_time_left(1000.0, 1000.0 + 7200) == 0.0
    assert estimate_time_left(1000.0, 1000.0 + 99_999) == 0.0
    assert estimate_time_left(5000.0, 1000.0) == 7200.0  # clock set back
    assert estimate_time_left(float("nan"), 1000.0) is None


async def test_async_wrappers(memory_keyring: MemoryKeyring) -> None:
    store = TokenStore()
    assert await store.akeyring_available()
    await store.aset("default", TOKEN)
    assert await store.aget("default") == TOKEN
    assert await store.acurrent("default") == TokenInfo(TOKEN, TokenSource.KEYRING)
    await store.aclear("default")
    assert await store.aget("default") is None
    assert memory_keyring.store == {}
    keyring.set_keyring(fail.Keyring())
    assert await store.akeyring_available(recheck=True) is False
    with pytest.raises(KeyringUnavailableError):
        await store.aset("default", TOKEN)
    assert (await store.acurrent("default")).source is TokenSource.SESSION


def test_secrets_adopted_from_the_environment_leave_it_and_still_count_as_from_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tcb_gui.core.connection import explicit_token
    from tcb_gui.core.tokens import (
        APP_SECRET_ENV,
        TOKEN_ENV,
        adopt_environment_secrets,
        environment_secret,
        forget_adopted_secrets,
    )

    monkeypatch.setenv(TOKEN_ENV, "  adopted-token-123456  ")
    monkeypatch.setenv(APP_SECRET_ENV, "adopted-secret-654321")
    adopt_environment_secrets()
    assert TOKEN_ENV not in os.environ
    assert APP_SECRET_ENV not in os.environ
    assert environment_secret(TOKEN_ENV) == "adopted-token-123456"
    assert explicit_token() == "adopted-token-123456"
    store = TokenStore(service="tcb-gui-test-adopt")
    info = store.current("default")
    assert (info.token, info.source) == ("adopted-token-123456", TokenSource.ENVIRONMENT)
    assert store.current_app_secret("default").secret == "adopted-secret-654321"
    assert redact("x adopted-token-123456 y") != "x adopted-token-123456 y"
    # A variable set again (the command line, a test) is read as it is now.
    monkeypatch.setenv(TOKEN_ENV, "newer-token-abcdef")
    assert environment_secret(TOKEN_ENV) == "newer-token-abcdef"
    forget_adopted_secrets()
    monkeypatch.delenv(TOKEN_ENV)
    assert environment_secret(TOKEN_ENV) == ""
    assert store.current("default").source is not TokenSource.ENVIRONMENT


SECRET_A = "0123456789abcdef0123456789abcdef"


def test_profiles_that_swap_names_swap_their_secrets(memory_keyring: MemoryKeyring) -> None:
    """Settings: "a" renamed "b" and "b" renamed "a" in one OK. Moved one by one, "a"
    (formerly "b") got "a"'s token and "b"'s was lost."""
    store = TokenStore()
    store.set("a", TOKEN)
    store.set("b", TOKEN_B)
    store.set_app_secret("a", SECRET_A)
    assert store.move_profiles({"a": "b", "b": "a"}) == []
    assert store.get("b") == TOKEN
    assert store.get("a") == TOKEN_B
    assert store.get_app_secret("b") == SECRET_A
    assert store.get_app_secret("a") is None


def test_a_removed_profiles_name_given_to_another_keeps_the_moved_token(
    memory_keyring: MemoryKeyring,
) -> None:
    """Remove "b", rename "a" to "b": the removal used to clear the token just moved."""
    store = TokenStore()
    store.set("a", TOKEN)
    store.set("b", TOKEN_B)
    store.set_app_secret("b", SECRET_A)
    assert store.move_profiles({"a": "b"}, ["b"]) == []
    assert memory_keyring.store == {(KEYRING_SERVICE, "b"): TOKEN}


def test_a_session_token_moves_with_its_renamed_profile() -> None:
    """Without a keyring the token lives in memory: a rename carries it too."""
    keyring.set_keyring(fail.Keyring())
    store = TokenStore()
    store.set_session("old", TOKEN)
    assert store.move_profiles({"old": "new"}) == []
    assert store.current("new") == TokenInfo(TOKEN, TokenSource.SESSION)
    assert store.current("old") == TokenInfo(None, TokenSource.NONE)


def test_moving_profiles_with_a_locked_keyring_reports_and_hides_the_token() -> None:
    keyring.set_keyring(LeakyKeyring())
    problems = TokenStore().move_profiles({"a": "b"}, ["c"])
    assert problems
    for error in problems:
        assert isinstance(error, KeyringUnavailableError)
        _assert_error_hides(error, TOKEN)
