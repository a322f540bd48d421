"""Where the access token comes from, behind one interface both faces use.

Every request asks ``Credentials.token()`` at the moment it is sent, so a token set,
renewed or fetched while a run lasts is used by the next request. When the service
rejects a token, ``rejected(token)`` forgets it and says whether one fresh token is worth
a try; the API client then retries that request once, else the run stops with a token
error. That rule ("rejected → forget → fetch again once → else stop") lives here only.

Two kinds (``AuthMode``):

- ``TOKEN``: a token the user pasted (keyring or this session) or ``TCB_ACCESS_TOKEN``.
  Nothing can renew it: a rejection stops the run and the user is asked for a new one.
- ``APPSECRET``: a mini program profile; the token comes from ``cgi-bin/stable_token``
  with the AppID and AppSecret (``core.stable_token``), fetched whenever the cached one
  has lapsed (after a laptop slept past its end, say) and fetched anew once after a
  rejection. See docs/WECHAT_API.md#tokens.

Where a token or an AppSecret saved now is kept (``secret_place``) is said in the same
words wherever it is asked for (the token and profile dialogs, ``token set``): the system
keyring only when one answers; with none, this program's memory until it ends, never a
file (``core.tokens``).

A new credential kind is a subclass with ``_obtain`` (and ``_forget`` when it can be
renewed); ``docs/ARCHITECTURE.md`` says where it is chosen.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Protocol

from tcb_gui.core.auth_mode import AuthMode
from tcb_gui.core.errors import TokenError, TokenState, message
from tcb_gui.core.redact import register_secret


class TokenProvider(Protocol):
    """What is used of ``core.stable_token.StableTokenProvider``."""

    def current(self) -> str | None: ...

    async def get(self) -> str: ...

    def invalidate(self, token: str | None = None) -> None: ...


__all__ = [
    "AuthMode",
    "Credentials",
    "SecretPlace",
    "StableCredentials",
    "StaticCredentials",
    "TokenProvider",
    "secret_place",
]


class SecretPlace(StrEnum):
    """Where a token or an AppSecret saved now is kept: what the faces may promise."""

    KEYRING = "keyring"  # the system keyring (Keychain, Credential Locker, Secret Service)
    SESSION = "session"  # no keyring answers: this program's memory, until it ends
    DEMO = "demo"  # the demo session's token: that session only


class KeyringProbe(Protocol):
    """What is used of ``core.tokens.TokenStore``."""

    def keyring_available(self, recheck: bool = False) -> bool: ...


def secret_place(store: KeyringProbe, *, demo: bool = False) -> SecretPlace:
    """Where a secret saved now through ``store`` (``core.tokens.TokenStore``) would be
    kept: the keyring only when a real one answers (the store's judgement: the
    ``fail``/``null``/plain-file backends are none); else this session. Blocking the
    first time a store is asked (it reads the keyring once), cached then."""
    if demo:
        return SecretPlace.DEMO
    return SecretPlace.KEYRING if store.keyring_available() else SecretPlace.SESSION


NO_TOKEN = message("No access token is set. Set one for this profile, or set TCB_ACCESS_TOKEN.")

# Rejected tokens remembered so each is renewed at most once (a run sees a handful).
_REMEMBERED_REJECTIONS = 64


class Credentials:
    """A token for each request; a rejected token forgotten and renewed at most once."""

    #: Whether a fresh token can be had without asking the user.
    renewable = False

    def __init__(self) -> None:
        self._renewed: dict[str, None] = {}

    async def token(self) -> str:
        """The token to send now; ``TokenError`` (not set, or not obtainable) otherwise."""
        token = await self._obtain()
        if not token:
            raise TokenError(NO_TOKEN, state=TokenState.NOT_SET)
        register_secret(token)
        return token

    def current(self) -> str | None:
        """The token at hand without any I/O (None when none is, or it has lapsed)."""
        raise NotImplementedError

    def rejected(self, token: str) -> bool:
        """The service refused ``token``: forget it (once per token: requests in flight
        with it all come back refused). True when a fresh token may be tried, which only
        kinds that can renew themselves offer; a caller tries it once per request."""
        if not self.renewable:
            return False
        if token not in self._renewed:
            if len(self._renewed) >= _REMEMBERED_REJECTIONS:
                self._renewed.pop(next(iter(self._renewed)))
            self._renewed[token] = None
            self._forget(token)
        return True

    async def _obtain(self) -> str | None:
        raise NotImplementedError

    def _forget(self, token: str) -> None:
        """Drop a rejected token so the next ``token()`` fetches another."""


class StaticCredentials(Credentials):
    """A token given by the user: pasted, from the keyring, or ``TCB_ACCESS_TOKEN``.

    ``supplier`` is read at every request, so a window whose user sets a new token in the
    middle of a run hands the new one to the next request.
    """

    def __init__(self, supplier: Callable[[], str | None] | str | None) -> None:
        super().__init__()
        if supplier is None or isinstance(supplier, str):
            fixed = supplier
            self._supplier: Callable[[], str | None] = lambda: fixed
        else:
            self._supplier = supplier

    def __repr__(self) -> str:
        return f"StaticCredentials(set={'yes' if self.current() else 'no'})"

    def current(self) -> str | None:
        return self._supplier() or None

    async def _obtain(self) -> str | None:
        return self.current()


class StableCredentials(Credentials):
    """A mini program's stable token: fetched when the cached one lapsed or was refused."""

    renewable = True

    def __init__(self, provider: TokenProvider) -> None:
        super().__init__()
        self.provider = provider

    def __repr__(self) -> str:
        return f"StableCredentials({self.provider!r})"

    def current(self) -> str | None:
        return self.provider.current()

    async def _obtain(self) -> str | None:
        # get() returns the cached token while it is fresh and fetches one otherwise;
        # a wrong AppSecret or an IP off the allowlist raises (TokenError / ServiceError).
        return await self.provider.get()

    def _forget(self, token: str) -> None:
        # A plain fetch returns the token WeChat holds valid now (another caller may have
        # renewed it). force_refresh is not used: it is limited per day and ends the token
        # every other user of the mini program holds (docs/WECHAT_API.md#tokens).
        self.provider.invalidate(token)
