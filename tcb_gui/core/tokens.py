"""The token store: where the access token comes from, and the OS keyring behind it.

A token is found, in this order: the ``TCB_ACCESS_TOKEN`` environment variable (for
every profile), a token kept in memory for this session, the OS keyring. The window asks
in its own order (``current(..., set_here_wins=True)``): once the user set or cleared a
profile's token in it, the variable no longer counts for that profile (they replaced it,
and the window cannot unset a variable it took out of its own environment at start); the
command line keeps the variable first. In the keyring
each token is one entry with service ``KEYRING_SERVICE`` ("tcb-gui") and the **profile
name as the user name**, so profiles never share a token and other tools (``keyring get
tcb-gui default``, Seahorse, Keychain Access) show where it is.

With no usable keyring the token is kept for this session only and the caller is told so
plainly; it is never written to a file (README "Security", and Vorta's lesson about silent
plain-text fallbacks). Backends that are no real keyring (``fail``, ``null``, an empty
chainer, the ``keyrings.alt`` file backends) count as "no keyring".

**Mini program mode.** A profile may instead keep its mini program's AppSecret (the app
then fetches stable tokens itself, ``core.stable_token``). The AppSecret is found like a
token: the ``TCB_APP_SECRET`` variable, a session copy, the keyring, where it is the entry
with the same service and the user name ``f"{profile}#appsecret"``
(``app_secret_user``): ``#`` is never part of a profile name, so it can never be mistaken
for a profile's token. Same rules as tokens: no file fallback, no leaks.

Keyring calls block (D-Bus round trips, an unlock prompt): call the plain methods from a
worker thread, or await the ``a*`` wrappers. Access is serialised with a lock and the
backend is loaded on first use, as maestral does. Every backend failure becomes one
``KeyringUnavailableError`` whose text, args, cause and context cannot hold the token:
backend exceptions may quote what they were given (``UnicodeDecodeError`` holds the
bytes it could not decode), so only their type name is kept, and the new error is raised
outside the ``except`` block so it has no ``__context__``.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Final, NamedTuple, ParamSpec, TypeVar

if TYPE_CHECKING:  # keyring is imported on first use: it costs start-up time otherwise
    from keyring.backend import KeyringBackend

from tcb_gui.core.errors import InputError, KeyringUnavailableError, MessageTemplate, message
from tcb_gui.core.redact import register_secret
from tcb_gui.core.settings import validate_profile_name

log = logging.getLogger(__name__)

_P = ParamSpec("_P")
_R = TypeVar("_R")


async def _in_thread(func: Callable[_P, _R], /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
    """``asyncio.to_thread``, with asyncio imported when first awaited: the window loads
    this module before its first paint, and asyncio only after it."""
    import asyncio

    return await asyncio.to_thread(func, *args, **kwargs)


KEYRING_SERVICE: Final = "tcb-gui"
TOKEN_ENV: Final = "TCB_ACCESS_TOKEN"
APP_SECRET_ENV: Final = "TCB_APP_SECRET"
# Secrets the window took out of its environment when it started (adopt_environment_
# secrets): the programs it starts for Open and Show in folder (a browser, a file manager,
# and whatever those start) inherit its environment, and must not receive them. The
# command line starts no program and leaves its environment as it is.
_adopted: dict[str, str] = {}


def environment_secret(name: str) -> str:
    """The secret in variable ``name`` (stripped; "" when unset): the environment's, else
    what the window adopted from it at start."""
    return os.environ.get(name, "").strip() or _adopted.get(name, "")


def adopt_environment_secrets() -> None:
    """Move ``TCB_ACCESS_TOKEN`` and ``TCB_APP_SECRET`` out of this process's environment
    (``os.environ`` and the C library's, which child processes get) into memory, where
    ``environment_secret`` still finds them: the token still comes "from the environment"."""
    for name in (TOKEN_ENV, APP_SECRET_ENV):
        value = os.environ.pop(name, "").strip()
        if value:
            register_secret(value)
            _adopted[name] = value


def forget_adopted_secrets() -> None:
    """Drop what ``adopt_environment_secrets`` kept (tests start each from a clean slate)."""
    _adopted.clear()


# Appended to the profile name to make the AppSecret's keyring user name; profile names
# cannot hold "#" (settings.validate_profile_name).
APP_SECRET_USER_SUFFIX: Final = "#appsecret"
# docs/WECHAT_API.md#tokens: component_access_token, authorizer_access_token and access_token all
# live 7200 s.
TOKEN_LIFETIME_S: Final = 7200
# WeChat's access_token docs ask callers to reserve at least 512 characters; 8x headroom,
# and a pasted file or log is refused instead of stored.
MAX_TOKEN_LENGTH: Final = 4096
# A mini program AppSecret: 32 hex digits (WeChat MP console, 开发管理 → 开发设置).
_APP_SECRET_RE = re.compile(r"[0-9a-fA-F]{32}\Z")
# Read by keyring_available(); starts with "_", which no profile name may, so it never
# names a real entry.
PROBE_USER: Final = "__tcb_gui_probe__"

# "module.Class" of backends that store nothing, or store in a plain or self-made file.
_NOT_A_KEYRING: Final = frozenset(
    {
        "keyring.backends.fail.Keyring",
        "keyring.backends.null.Keyring",
        "keyrings.alt.file.PlaintextKeyring",
        "keyrings.alt.file.EncryptedKeyring",
    }
)

_NO_KEYRING_SET = message(
    "No system keyring is available (macOS Keychain, Windows Credential Locker, or a "
    "Secret Service such as GNOME Keyring or KWallet), so the token was not saved: "
    "it is kept for this session only."
)
_KEYRING_FAILED_SET = message(
    "The system keyring could not save the token (it may be locked, or its service is "
    "not running). The token is kept for this session only; unlock the keyring and save "
    "it again to keep it."
)
_KEYRING_FAILED_GET = message(
    "The system keyring could not be read (it may be locked, or its service is not "
    "running). Unlock it and try again, or paste the token for this session."
)
_KEYRING_FAILED_CLEAR = message(
    "The system keyring could not remove the saved token (it may be locked, or its "
    "service is not running). Unlock it and try again."
)


_NO_KEYRING_SET_SECRET = message(
    "No system keyring is available (macOS Keychain, Windows Credential Locker, or a "
    "Secret Service such as GNOME Keyring or KWallet), so the AppSecret was not saved: "
    "it is kept for this session only."
)
_KEYRING_FAILED_SET_SECRET = message(
    "The system keyring could not save the AppSecret (it may be locked, or its service is "
    "not running). It is kept for this session only; unlock the keyring and save it again "
    "to keep it."
)
_KEYRING_FAILED_GET_SECRET = message(
    "The system keyring could not be read (it may be locked, or its service is not "
    "running). Unlock it and try again, or enter the AppSecret for this session."
)
_KEYRING_FAILED_CLEAR_SECRET = message(
    "The system keyring could not remove the saved AppSecret (it may be locked, or its "
    "service is not running). Unlock it and try again."
)


_NO_SERVICE = message("The keyring service name is empty.")
_TOKEN_NOT_TEXT = message("The token must be text.")
_TOKEN_EMPTY = message("The token is empty. Paste the access token and try again.")
_TOKEN_TOO_LONG = MessageTemplate(
    "That is too long for an access token ({length} characters). Paste only the token."
)
_TOKEN_NOT_ONE_WORD = message(
    "The token holds spaces, line breaks or control characters. Paste only the token."
)
_SECRET_NOT_TEXT = message("The AppSecret must be text.")
_SECRET_EMPTY = message("The AppSecret is empty. Paste the mini program's AppSecret.")
_NOT_A_SECRET = message(
    "That is not a mini program AppSecret: it is 32 letters a-f and digits "
    "(WeChat MP console, 开发管理 → 开发设置 → AppSecret). Paste only the AppSecret."
)


class _Entry(NamedTuple):
    """One kind of secret kept per profile: its keyring user name and its words."""

    what: str  # for log lines: "token" or "appsecret"
    suffix: str  # keyring user name = profile name + suffix
    env: str
    no_keyring_set: str
    failed_set: str
    failed_get: str
    failed_clear: str

    def user(self, profile: str) -> str:
        return profile + self.suffix


_TOKEN_ENTRY = _Entry(
    what="token",
    suffix="",
    env=TOKEN_ENV,
    no_keyring_set=_NO_KEYRING_SET,
    failed_set=_KEYRING_FAILED_SET,
    failed_get=_KEYRING_FAILED_GET,
    failed_clear=_KEYRING_FAILED_CLEAR,
)
_SECRET_ENTRY = _Entry(
    what="appsecret",
    suffix=APP_SECRET_USER_SUFFIX,
    env=APP_SECRET_ENV,
    no_keyring_set=_NO_KEYRING_SET_SECRET,
    failed_set=_KEYRING_FAILED_SET_SECRET,
    failed_get=_KEYRING_FAILED_GET_SECRET,
    failed_clear=_KEYRING_FAILED_CLEAR_SECRET,
)


def app_secret_user(profile: str) -> str:
    """The keyring user name of ``profile``'s AppSecret (service ``KEYRING_SERVICE``)."""
    validate_profile_name(profile)
    return _SECRET_ENTRY.user(profile)


class TokenSource(StrEnum):
    """Where the token in use came from (shown beside the token badge)."""

    ENVIRONMENT = "environment"  # the TCB_ACCESS_TOKEN variable
    KEYRING = "keyring"  # the OS keyring entry of the profile
    SESSION = "session"  # kept in memory for this session only
    NONE = "none"


@dataclass(frozen=True, slots=True, repr=False)
class TokenInfo:
    """The token to use and where it came from. Its repr and str never show the token."""

    token: str | None = field(repr=False)
    source: TokenSource

    @property
    def is_set(self) -> bool:
        return bool(self.token)

    def __repr__(self) -> str:
        shown = "<hidden>" if self.token else "None"
        return f"TokenInfo(source={self.source.value!r}, token={shown})"

    __str__ = __repr__


def clean_token(token: str) -> str:
    """The token without surrounding whitespace; ``InputError`` if it cannot be one.

    Messages never quote the token.
    """
    if not isinstance(token, str):
        raise InputError(_TOKEN_NOT_TEXT)
    cleaned = token.strip()
    if not cleaned:
        raise InputError(_TOKEN_EMPTY)
    if len(cleaned) > MAX_TOKEN_LENGTH:
        raise InputError(_TOKEN_TOO_LONG.format(length=len(cleaned)))
    if any(ch.isspace() or not ch.isprintable() for ch in cleaned):
        raise InputError(_TOKEN_NOT_ONE_WORD)
    return cleaned


def clean_app_secret(secret: str) -> str:
    """The AppSecret without surrounding whitespace; ``InputError`` if it cannot be one.

    Messages never quote the secret.
    """
    if not isinstance(secret, str):
        raise InputError(_SECRET_NOT_TEXT)
    cleaned = secret.strip()
    if not cleaned:
        raise InputError(_SECRET_EMPTY)
    if not _APP_SECRET_RE.match(cleaned):
        raise InputError(_NOT_A_SECRET)
    return cleaned


@dataclass(frozen=True, slots=True, repr=False)
class AppSecretInfo:
    """The AppSecret to use and where it came from. Its repr and str never show it."""

    secret: str | None = field(repr=False)
    source: TokenSource

    @property
    def is_set(self) -> bool:
        return bool(self.secret)

    def __repr__(self) -> str:
        shown = "<hidden>" if self.secret else "None"
        return f"AppSecretInfo(source={self.source.value!r}, secret={shown})"

    __str__ = __repr__


def estimate_time_left(saved_at: float | None, now: float) -> float | None:
    """Seconds left of the token's 2-hour life, counted from when it was saved.

    An estimate: the token may have been issued before it was pasted. None when unknown.
    """
    if saved_at is None or not math.isfinite(saved_at):
        return None
    # A clock set back makes "now" earlier than "saved": never more than a full life.
    return min(float(TOKEN_LIFETIME_S), max(0.0, saved_at + TOKEN_LIFETIME_S - now))


def _qualified_name(obj: object) -> str:
    cls = type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


class TokenStore:
    """Tokens per profile: environment, then session memory, then the OS keyring.

    ``backend`` is for tests and special set-ups; by default the backend keyring
    chooses (``keyring.get_keyring()``) is loaded on first use.
    """

    def __init__(
        self, service: str = KEYRING_SERVICE, *, backend: KeyringBackend | None = None
    ) -> None:
        if not service:
            raise InputError(_NO_SERVICE)
        self._service = service
        self._injected = backend
        self._backend = backend
        self._lock = threading.Lock()  # serialises every keyring call
        self._session_lock = threading.Lock()
        self._session: dict[str, str] = {}
        # Keyring user names whose secret was set or cleared through this store: for
        # them ``set_here_wins`` passes over the environment's (held with _session_lock).
        self._replaced_here: set[str] = set()
        self._available: bool | None = None

    def __repr__(self) -> str:
        return f"TokenStore(service={self._service!r})"

    @property
    def service(self) -> str:
        return self._service

    # --- keyring backend (call with self._lock held) ----------------------------------

    def _load_backend(self) -> KeyringBackend | None:
        """The backend to store in, or None when it is no real keyring."""
        from keyring.backends.chainer import ChainerBackend

        if self._backend is None:
            import keyring

            self._backend = keyring.get_keyring()
            log.debug("keyring backend: %s", _qualified_name(self._backend))
        backend = self._backend
        if isinstance(backend, ChainerBackend):
            # The chainer writes to the first of its backends that accepts the call.
            chained: list[KeyringBackend] = list(backend.backends)
            if not chained:
                return None
            backend = chained[0]
        if _qualified_name(backend) in _NOT_A_KEYRING:
            return None
        return backend

    def _probe(self) -> bool:
        failure: str | None = None
        try:
            backend = self._load_backend()
            if backend is None:
                failure = "no keyring backend"
            else:
                backend.get_password(self._service, PROBE_USER)
        except Exception as exc:
            failure = type(exc).__name__
        if failure is not None:
            log.info("system keyring unavailable: %s", failure)
            return False
        return True

    def _unavailable(self, message: str, failure: str) -> KeyringUnavailableError:
        configured = self._backend
        where = _qualified_name(configured) if configured is not None else "no backend"
        # detail holds type names only: the backend's own message may quote the token.
        return KeyringUnavailableError(message, detail=f"{where}: {failure}")

    # --- blocking API -----------------------------------------------------------------

    def keyring_available(self, recheck: bool = False) -> bool:
        """Whether a real keyring answers. Cached; ``recheck`` asks the backend again
        (and reloads it, unless one was given to the constructor)."""
        with self._lock:
            if recheck:
                self._available = None
                self._backend = self._injected
            if self._available is None:
                self._available = self._probe()
            return self._available

    def get(self, profile: str) -> str | None:
        """The token saved in the keyring for ``profile``, or None.

        None as well when there is no keyring at all (nothing can have been saved);
        ``KeyringUnavailableError`` when there is one but it cannot be read.
        """
        return self._get(_TOKEN_ENTRY, profile)

    def set(self, profile: str, token: str) -> None:
        """Save ``token`` (surrounding whitespace stripped) in the keyring for ``profile``.

        Without a usable keyring the token is kept for this session only and
        ``KeyringUnavailableError`` says so; it is never written to a file.
        """
        validate_profile_name(profile)
        cleaned = clean_token(token)
        self._replace_here(_TOKEN_ENTRY, profile)
        self._set(_TOKEN_ENTRY, profile, cleaned)

    def clear(self, profile: str) -> None:
        """Forget the token of ``profile``: the session copy and the keyring entry (and,
        for ``current(..., set_here_wins=True)``, the environment's)."""
        validate_profile_name(profile)
        self._replace_here(_TOKEN_ENTRY, profile)
        self._clear(_TOKEN_ENTRY, profile)

    def set_session(self, profile: str, token: str) -> None:
        """Keep ``token`` in memory for ``profile`` until the program ends."""
        validate_profile_name(profile)
        cleaned = clean_token(token)
        self._replace_here(_TOKEN_ENTRY, profile)
        self._set_session(_TOKEN_ENTRY, profile, cleaned)

    def current(self, profile: str, *, set_here_wins: bool = False) -> TokenInfo:
        """The token to use for ``profile`` and its source.

        Order: ``TCB_ACCESS_TOKEN`` if non-empty, the session token, the keyring.
        ``set_here_wins`` (the window): once a token for ``profile`` was set or cleared
        through this store, the variable is passed over for it: what the user pasted is
        used, or nothing after a clear. Raises ``KeyringUnavailableError`` only when the
        keyring must be asked and fails.
        """
        value, source = self._current(_TOKEN_ENTRY, profile, set_here_wins=set_here_wins)
        return TokenInfo(value, source)

    # --- the AppSecret of a mini program profile (same rules as the token) -------------

    def get_app_secret(self, profile: str) -> str | None:
        """The AppSecret saved in the keyring for ``profile``, or None (see ``get``)."""
        return self._get(_SECRET_ENTRY, profile)

    def set_app_secret(self, profile: str, secret: str) -> None:
        """Save the AppSecret of ``profile`` in the keyring (see ``set``: without a
        keyring it is kept for this session and ``KeyringUnavailableError`` says so)."""
        validate_profile_name(profile)
        self._set(_SECRET_ENTRY, profile, clean_app_secret(secret))

    def clear_app_secret(self, profile: str) -> None:
        """Forget the AppSecret of ``profile``: the session copy and the keyring entry."""
        self._clear(_SECRET_ENTRY, profile)

    def current_app_secret(self, profile: str) -> AppSecretInfo:
        """The AppSecret to use for ``profile`` and its source.

        Order: ``TCB_APP_SECRET`` if non-empty, the session copy, the keyring.
        """
        value, source = self._current(_SECRET_ENTRY, profile)
        return AppSecretInfo(value, source)

    # --- renamed and removed profiles ----------------------------------------------------

    def move_profiles(
        self, renames: Mapping[str, str], removed: Iterable[str] = ()
    ) -> list[KeyringUnavailableError]:
        """Give renamed profiles' tokens and AppSecrets (keyring entries and session
        copies) their new names, and forget those of removed profiles, as one change.

        A name may be freed and taken in the same change (two profiles swap names, a
        removed profile's name goes to another): every value is read before any entry is
        cleared, and every name involved is cleared before any is written, so no profile
        ends up with another's secret. Returns the keyring's failures; a value that could
        not be read is left where it was.
        """
        for new in renames.values():
            validate_profile_name(new)
        problems: list[KeyringUnavailableError] = []
        unread: set[str] = set()
        # (entry, new name, keyring value, session value)
        carried: list[tuple[_Entry, str, str | None, str | None]] = []
        for old, new in renames.items():
            for entry in (_TOKEN_ENTRY, _SECRET_ENTRY):
                with self._session_lock:
                    session = self._session.get(entry.user(old))
                try:
                    stored = self._get(entry, old)
                except KeyringUnavailableError as exc:
                    problems.append(exc)
                    unread.add(old)
                    stored = None
                if stored or session:
                    carried.append((entry, new, stored, session))
        involved = dict.fromkeys([*removed, *renames, *renames.values()])
        for name in involved:
            for entry in (_TOKEN_ENTRY, _SECRET_ENTRY):
                if name in unread:  # its keyring entry stays; its session copy moved
                    with self._session_lock:
                        self._session.pop(entry.user(name), None)
                    continue
                try:
                    self._clear(entry, name)
                except KeyringUnavailableError as exc:
                    problems.append(exc)
        self._move_replaced(renames, involved)
        for entry, new, stored, session in carried:
            if stored:
                try:
                    self._set(entry, new, stored)
                except KeyringUnavailableError as exc:  # kept for this session instead
                    problems.append(exc)
            if session and session != stored:
                self._set_session(entry, new, session)
        return problems

    # --- one implementation for both kinds of secret -----------------------------------

    def _get(self, entry: _Entry, profile: str) -> str | None:
        validate_profile_name(profile)
        user = entry.user(profile)
        failure: str | None = None
        value: str | None = None
        with self._lock:
            backend: KeyringBackend | None = None
            try:
                backend = self._load_backend()
                if backend is not None:
                    value = backend.get_password(self._service, user)
            except Exception as exc:
                failure = type(exc).__name__
            if backend is None and failure is None:
                self._available = False
                return None
            self._available = failure is None
        if failure is not None:
            # info, not warning: the caller gets the error and decides how to show it.
            log.info("keyring read failed for profile %r: %s", profile, failure)
            raise self._unavailable(entry.failed_get, failure)
        if value is None:
            return None
        register_secret(value.strip())  # redacted from here on, wherever it shows up
        return value.strip() or None

    def _set(self, entry: _Entry, profile: str, cleaned: str) -> None:
        register_secret(cleaned)  # before any backend sees it: its errors may quote it
        user = entry.user(profile)
        failure: str | None = None
        message = entry.failed_set
        with self._lock:
            backend: KeyringBackend | None = None
            try:
                backend = self._load_backend()
                if backend is None:
                    failure = "no keyring backend"
                    message = entry.no_keyring_set
                else:
                    backend.set_password(self._service, user, cleaned)
                    # Read back: some backends accept a write and keep nothing.
                    if backend.get_password(self._service, user) != cleaned:
                        failure = f"{entry.what} not kept by the backend"
            except Exception as exc:
                failure = type(exc).__name__
            self._available = failure is None
        if failure is not None:
            self._set_session(entry, profile, cleaned)
            log.info(
                "keyring write failed for profile %r (%s); %s kept for this session",
                profile,
                failure,
                entry.what,
            )
            raise self._unavailable(message, failure)
        # The saved value is the one to use from now on, not an older session one.
        with self._session_lock:
            self._session.pop(user, None)
        log.info("%s saved in the keyring for profile %r", entry.what, profile)

    def _clear(self, entry: _Entry, profile: str) -> None:
        validate_profile_name(profile)
        user = entry.user(profile)
        with self._session_lock:
            self._session.pop(user, None)
        failure: str | None = None
        with self._lock:
            backend: KeyringBackend | None = None
            try:
                backend = self._load_backend()
                if backend is None:
                    return  # no keyring: nothing can have been saved there
                # Most backends raise this when there is no entry; checked just below.
                from keyring.errors import PasswordDeleteError

                with contextlib.suppress(PasswordDeleteError):
                    backend.delete_password(self._service, user)
                if backend.get_password(self._service, user) is not None:
                    failure = "entry still present"
            except Exception as exc:
                failure = type(exc).__name__
        if failure is not None:
            log.info("keyring delete failed for profile %r: %s", profile, failure)
            raise self._unavailable(entry.failed_clear, failure)
        log.info("%s cleared for profile %r", entry.what, profile)

    def _set_session(self, entry: _Entry, profile: str, cleaned: str) -> None:
        register_secret(cleaned)
        with self._session_lock:
            self._session[entry.user(profile)] = cleaned

    def _replace_here(self, entry: _Entry, profile: str) -> None:
        """The user set or cleared ``profile``'s secret through this store: from now on
        ``set_here_wins`` passes over the environment's for it."""
        with self._session_lock:
            self._replaced_here.add(entry.user(profile))

    def _move_replaced(self, renames: Mapping[str, str], involved: Iterable[str]) -> None:
        """``move_profiles``: a renamed profile keeps its mark under its new name; every
        other name involved (removed, freed, taken) loses its own."""
        with self._session_lock:
            marked = set(self._replaced_here)
            for name in involved:
                for entry in (_TOKEN_ENTRY, _SECRET_ENTRY):
                    self._replaced_here.discard(entry.user(name))
            for old, new in renames.items():
                for entry in (_TOKEN_ENTRY, _SECRET_ENTRY):
                    if entry.user(old) in marked:
                        self._replaced_here.add(entry.user(new))

    def _current(
        self, entry: _Entry, profile: str, *, set_here_wins: bool = False
    ) -> tuple[str | None, TokenSource]:
        validate_profile_name(profile)
        user = entry.user(profile)
        with self._session_lock:
            replaced = set_here_wins and user in self._replaced_here
        from_env = "" if replaced else environment_secret(entry.env)
        if from_env:
            register_secret(from_env)
            return from_env, TokenSource.ENVIRONMENT
        with self._session_lock:
            session = self._session.get(user)
        if session:
            return session, TokenSource.SESSION
        stored = self._get(entry, profile)
        if stored:
            return stored, TokenSource.KEYRING
        return None, TokenSource.NONE

    # --- async wrappers (the keyring blocks; keep it off the event loop) ----------------

    async def akeyring_available(self, recheck: bool = False) -> bool:
        return await _in_thread(self.keyring_available, recheck)

    async def aget(self, profile: str) -> str | None:
        return await _in_thread(self.get, profile)

    async def aset(self, profile: str, token: str) -> None:
        register_secret(token.strip())  # before the executor logs the call with its args
        await _in_thread(self.set, profile, token)

    async def aclear(self, profile: str) -> None:
        await _in_thread(self.clear, profile)

    async def acurrent(self, profile: str, *, set_here_wins: bool = False) -> TokenInfo:
        return await _in_thread(self.current, profile, set_here_wins=set_here_wins)

    async def aget_app_secret(self, profile: str) -> str | None:
        return await _in_thread(self.get_app_secret, profile)

    async def aset_app_secret(self, profile: str, secret: str) -> None:
        register_secret(secret.strip())  # before the executor logs the call with its args
        await _in_thread(self.set_app_secret, profile, secret)

    async def aclear_app_secret(self, profile: str) -> None:
        await _in_thread(self.clear_app_secret, profile)

    async def acurrent_app_secret(self, profile: str) -> AppSecretInfo:
        return await _in_thread(self.current_app_secret, profile)
