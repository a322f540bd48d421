"""Where and how to talk to the service: a profile with the options given over it, and
the credentials for it. Used by the command line; the window's ``ui.session`` keeps its
own profile state (demo, overrides) and builds its credentials with ``credentials_for``.

The token of a run comes from, in order: ``TCB_ACCESS_TOKEN`` (it wins over a mini
program profile's AppID and AppSecret, and then any API mode may be used); for a mini
program profile (``AuthMode.APPSECRET``), a stable token fetched with the AppSecret from
``TCB_APP_SECRET`` or the keyring; else the profile's token in the keyring.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from tcb_gui.core.client import (
    API_DEADLINE_S,
    DEFAULT_BASE_URL,
    GIVE_UP_AFTER_S,
    ApiMode,
    TcbClient,
    validate_base_url,
)
from tcb_gui.core.credentials import AuthMode, Credentials, StableCredentials, StaticCredentials
from tcb_gui.core.errors import InputError, MessageTemplate, TokenError, TokenState
from tcb_gui.core.service_modes import DEFAULT_CONCURRENCY, DEFAULT_MAX_AGE

if TYPE_CHECKING:
    from tcb_gui.core.settings import Settings
    from tcb_gui.core.tokens import TokenStore
    from tcb_gui.core.trace import TraceHub
    from tcb_gui.core.wire import HttpClient

_NO_PROFILE = MessageTemplate("No profile named {name!r} (known: {known}).")
_APPSECRET_TCB_ONLY = MessageTemplate(
    "Profile {name!r} gets its token from the mini program's AppID and AppSecret; "
    "such a token works with --api tcb only."
)
_NO_TOKEN = MessageTemplate(
    "No access token for profile {name!r}. Set one with 'tcb-gui token set' (reads it "
    "from stdin) or the TCB_ACCESS_TOKEN variable."
)
_NO_SECRET = MessageTemplate(
    "No AppSecret for profile {name!r}. Save it with 'tcb-gui token set --appsecret' "
    "(reads it from stdin) or set the TCB_APP_SECRET variable."
)
EXPLICIT_WINS = "Using TCB_ACCESS_TOKEN (it wins over the profile's AppID and AppSecret)."
_NO_APPID = MessageTemplate(
    "Profile {name!r} has no AppID: set it with 'tcb-gui token set --appsecret --appid wx…'."
)


class Connection(NamedTuple):
    """Where and how to talk to the service, from options over the profile's settings."""

    profile: str
    base_url: str
    api: ApiMode
    max_age: int
    concurrency: int  # link requests in flight
    download_concurrency: int  # files downloading at once
    auth: AuthMode = AuthMode.TOKEN
    appid: str | None = None
    deadline: float = API_DEADLINE_S  # seconds one API call may take, all of it
    give_up_after: float = GIVE_UP_AFTER_S  # seconds without a good answer before a stop

    def require_appid(self) -> str:
        if not self.appid:
            raise InputError(_NO_APPID.format(name=self.profile))
        return self.appid


def explicit_token() -> str | None:
    """``TCB_ACCESS_TOKEN`` if set: it wins over a profile's AppID and AppSecret."""
    from tcb_gui.core.tokens import TOKEN_ENV, environment_secret

    return environment_secret(TOKEN_ENV) or None


def connection_for(
    settings: Settings,
    *,
    profile: str | None = None,
    base_url: str | None = None,
    api: str | None = None,
    max_age: int | None = None,
    concurrency: int | None = None,
    download_concurrency: int | None = None,
    deadline: float | None = None,
    give_up_after: float | None = None,
    pasting_token: bool = False,
) -> Connection:
    """The connection for ``profile`` (default: the current one) with options over it.
    ``pasting_token``: a token is being set, which switches a mini program profile back."""
    name = profile or settings.current_profile
    chosen = settings.profiles.get(name)
    if profile and chosen is None:
        known = ", ".join(sorted(settings.profiles)) or "none"
        raise InputError(_NO_PROFILE.format(name=profile, known=known))
    mode = ApiMode(api or (chosen.api if chosen else ApiMode.COMPONENT))
    auth = chosen.auth if chosen else AuthMode.TOKEN
    if (
        auth is AuthMode.APPSECRET
        and mode is not ApiMode.TCB
        and explicit_token() is None
        and not pasting_token
    ):
        raise InputError(_APPSECRET_TCB_ONLY.format(name=name))
    return Connection(
        profile=name,
        base_url=validate_base_url(base_url or (chosen.base_url if chosen else DEFAULT_BASE_URL)),
        api=mode,
        max_age=max_age or (chosen.max_age if chosen else DEFAULT_MAX_AGE),
        concurrency=concurrency or (chosen.concurrency if chosen else DEFAULT_CONCURRENCY),
        download_concurrency=download_concurrency or settings.download_concurrency,
        auth=auth,
        appid=chosen.appid if chosen else None,
        deadline=deadline or API_DEADLINE_S,
        give_up_after=give_up_after or GIVE_UP_AFTER_S,
    )


def uses_stable_token(conn: Connection) -> bool:
    """Whether a run of ``conn`` gets its token with the AppID and AppSecret."""
    return conn.auth is AuthMode.APPSECRET and explicit_token() is None


def credentials_for(
    conn: Connection,
    store: TokenStore,
    http: HttpClient,
    trace: TraceHub | None = None,
) -> Credentials:
    """The credentials of a run: ``TokenError`` at once when there is nothing to get a
    token with (no token, or no AppSecret), so no quota is spent on a hopeless run.
    ``trace`` hears every stable-token request."""
    if conn.auth is AuthMode.APPSECRET:
        explicit = explicit_token()
        if explicit is not None:
            return StaticCredentials(explicit)
        appid = conn.require_appid()
        secret = store.current_app_secret(conn.profile).secret
        if not secret:
            raise TokenError(_NO_SECRET.format(name=conn.profile), state=TokenState.NOT_SET)
        from tcb_gui.core.stable_token import StableTokenProvider

        provider = StableTokenProvider(
            http,
            base_url=conn.base_url,
            appid=appid,
            secret=lambda: secret,
            trace=trace,
            deadline=conn.deadline,
        )
        return StableCredentials(provider)
    token = store.current(conn.profile).token
    if not token:
        raise TokenError(_NO_TOKEN.format(name=conn.profile), state=TokenState.NOT_SET)
    return StaticCredentials(token)


async def open_credentials(
    conn: Connection,
    store: TokenStore,
    http: HttpClient,
    notice: Callable[[str], object] = lambda _text: None,
    trace: TraceHub | None = None,
) -> Credentials:
    """``credentials_for``, with a stable token fetched now: a wrong AppSecret or an IP off
    the allowlist is said before any ID is sent. ``notice`` hears which token wins."""
    if conn.auth is AuthMode.APPSECRET and explicit_token() is not None:
        notice(EXPLICIT_WINS)
    credentials = credentials_for(conn, store, http, trace)
    if credentials.renewable:
        await credentials.token()
    return credentials


def client_for(
    conn: Connection,
    http: HttpClient,
    credentials: Credentials,
    trace: TraceHub | None = None,
) -> TcbClient:
    """The API client of a command-line run of ``conn``."""
    return TcbClient(
        http,
        credentials,
        base_url=conn.base_url,
        api=conn.api,
        max_age=conn.max_age,
        concurrency=conn.concurrency,
        deadline=conn.deadline,
        give_up_after=conn.give_up_after,
        trace=trace,
    )
