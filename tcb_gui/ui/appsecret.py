"""Mini program mode in the window: the profile's AppID + AppSecret give the token.

When the profile in use has ``auth`` ``AuthMode.APPSECRET`` (``core.settings.Profile``),
the window never asks for a token. ``StableTokens`` reads the AppSecret (keyring,
session or ``TCB_APP_SECRET``; off the loop), keeps one
``core.stable_token.StableTokenProvider`` for the profile (``Session.stable``, which
``Session.credentials()`` wraps for every request, fetching a token when the cached one
has lapsed) and runs its renewal loop as the named task ``task_names.STABLE_TOKEN``.

What the user sees: the badge says "Token valid — stable token, renews automatically ·
N min left"; the Set/Clear token buttons become Set/Clear AppSecret; a wrong AppID or
AppSecret, an IP missing from the mini program's allowlist or a used-up quota turn the
badge red and put the reason in plain words in its tooltip and in a banner.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QWidget

from tcb_gui.core.client import TokenCheck
from tcb_gui.core.credentials import AuthMode, secret_place
from tcb_gui.core.errors import (
    InputError,
    KeyringUnavailableError,
    TcbError,
    TokenError,
    TokenState,
    classify_credential_errcode,
)
from tcb_gui.core.stable_token import StableTokenProvider
from tcb_gui.core.tokens import AppSecretInfo, TokenInfo, TokenSource
from tcb_gui.ui import task_names
from tcb_gui.ui.core_text import core_text
from tcb_gui.ui.notifier import Notifier
from tcb_gui.ui.palette import Tone
from tcb_gui.ui.session import Session
from tcb_gui.ui.tasks import TaskKeeper
from tcb_gui.ui.token_badge import BadgeInfo

if TYPE_CHECKING:
    from tcb_gui.ui.dialogs import SetTokenDialog  # imported when first opened

log = logging.getLogger(__name__)

BANNER_TOPIC = "token"
# Badge states that deserve a banner: the user has something to fix.
_PROBLEM_STATES = frozenset(
    {TokenState.INVALID, TokenState.NOT_ALLOWED, TokenState.EXPIRED, TokenState.MISSING}
)

Action = tuple[str, Callable[[], object]]


class TokenHost(Protocol):
    """What ``StableTokens`` asks of the token presenter that holds it."""

    def set_badge(self, info: BadgeInfo, *, can_clear: bool) -> None: ...

    async def check_token(self) -> TokenCheck: ...

    def show_settings_dialog(self) -> object: ...


def check_from_error(error: TcbError) -> TokenCheck:
    """What the badge shows for a failed token fetch (``StableTokenProvider`` errors)."""
    now = datetime.now(UTC)
    if isinstance(error, TokenError):
        return TokenCheck(error.state, error.message, now, None, error.code)
    state = TokenState.UNREACHABLE
    if error.code is not None:
        state = classify_credential_errcode(error.code).token_state or state
    return TokenCheck(state, error.message, now, None, error.code)


class StableTokens:
    """The window's mini program token: provider, renewal task, badge and banners."""

    def __init__(
        self,
        session: Session,
        notifier: Notifier,
        tasks: TaskKeeper,
        host: TokenHost,
        dialog_parent: QWidget,
    ) -> None:
        self.session = session
        self.notifier = notifier
        self.tasks = tasks
        self.host = host
        self._parent = dialog_parent
        self.provider: StableTokenProvider | None = None
        self._key: tuple[str, str, str] | None = None  # (profile, appid, base URL)
        self._secret = AppSecretInfo(None, TokenSource.NONE)
        self._secret_key: tuple[str, str, str] | None = None  # whose AppSecret that is
        self._last_check: TokenCheck | None = None
        # The providers' clock (a test moves it past a token's end).
        self.clock: Callable[[], float] = time.time

    # --- which profile --------------------------------------------------------------

    @property
    def active(self) -> bool:
        """Whether the profile in use gets its token from an AppID and AppSecret."""
        session = self.session
        return not session.in_demo and session.profile.uses_appsecret

    async def sync(self) -> StableTokenProvider | None:
        """Match the provider to the profile in use (None when it is a token profile)."""
        session = self.session
        if not self.active:
            self.stop()
            return None
        profile = session.profile
        assert profile.appid is not None  # an appsecret profile always has one
        key = (profile.name, profile.appid, profile.base_url)
        try:
            self._secret = await session.store.acurrent_app_secret(profile.name)
        except KeyringUnavailableError as exc:
            self._secret = AppSecretInfo(None, TokenSource.NONE)
            self.notifier.show_banner("keyring", Tone.WARNING, core_text(exc.message))
        self._secret_key = key
        if self.provider is None or key != self._key:
            self.stop()
            http = await session.aopen_http()
            self.provider = StableTokenProvider(
                http,
                base_url=profile.base_url,
                appid=profile.appid,
                secret=self._secret_of(key),
                clock=self.clock,
                on_change=self._changed,
                trace=self.session.trace,
            )
            self._key = key
        session.stable = self.provider
        if self._secret.is_set and not self.tasks.running(task_names.STABLE_TOKEN):
            self.tasks.start(task_names.STABLE_TOKEN, self.provider.run_renewal())
        return self.provider

    def _secret_of(self, key: tuple[str, str, str]) -> Callable[[], str | None]:
        """The AppSecret for a provider of ``key``, read when it fetches a token: None
        once another mini program profile's has been read. A run that started before a
        profile switch still holds its provider, which must not send the next profile's
        AppSecret with its own AppID (and to its own service)."""
        return lambda: self._secret.secret if self._secret_key == key else None

    def stop(self) -> None:
        """Forget the provider and end its renewal (a token profile, or a new AppSecret)."""
        self.tasks.cancel(task_names.STABLE_TOKEN)
        self.provider = None
        self._key = None
        self._last_check = None
        self.session.stable = None

    # --- checking and showing -------------------------------------------------------

    async def check(self) -> TokenCheck:
        """Get a token with the AppID and AppSecret and ask for today's quota."""
        provider = await self.sync()
        if provider is None or not self._secret.is_set:
            check = TokenCheck(
                TokenState.NOT_SET,
                QCoreApplication.translate(
                    "StableTokens",
                    "No AppSecret is saved for this mini program profile. Set it (Set "
                    "AppSecret…), or set the TCB_APP_SECRET variable.",
                ),
                datetime.now(UTC),
            )
            self.show(check)
            return check
        self._badge(
            TokenState.CHECKING,
            QCoreApplication.translate("StableTokens", "Asking WeChat for a stable token…"),
        )
        check = await provider.check()
        self.show(check)
        return check

    def show(self, check: TokenCheck) -> None:
        """Put a check's result on the badge (and a banner when something must be fixed)."""
        self._last_check = check
        session = self.session
        provider = self.provider
        token = provider.current() if provider is not None else None
        session.token = TokenInfo(token, self._secret.source if token else TokenSource.NONE)
        self._badge(check.state, check.message, check)
        notifier = self.notifier
        shown = core_text(check.message)
        if check.state in _PROBLEM_STATES:
            notifier.show_banner(BANNER_TOPIC, Tone.DANGER, shown, self.actions())
        elif check.state is TokenState.UNREACHABLE and check.code is not None:
            # Quota used up and the like: not the network, something to wait for or fix.
            notifier.show_banner(BANNER_TOPIC, Tone.WARNING, shown, self.actions())
        else:
            notifier.hide_banner(BANNER_TOPIC)

    def _badge(self, state: TokenState, message: str, check: TokenCheck | None = None) -> None:
        provider = self.provider
        valid = state is TokenState.VALID
        self.host.set_badge(
            BadgeInfo(
                state=state,
                source=self._secret.source,
                message=message,
                quota=check.quota if check is not None else None,
                time_left=provider.time_left() if valid and provider is not None else None,
                checked_at=check.checked_at if check is not None else None,
                stable=True,
                code=check.code if check is not None else None,
            ),
            can_clear=self._secret.is_set,
        )

    def _changed(self) -> None:
        """The provider fetched a token (renewal) or failed to: keep the badge current."""
        provider = self.provider
        if provider is None or self.tasks.running(task_names.CHECK_TOKEN):
            return  # a check is under way and will show its own result
        error = provider.last_error
        if error is not None:
            if provider.current() is None:
                self.show(check_from_error(error))
            return  # the old token still works: the next renewal tries again
        last = self._last_check
        check = TokenCheck(
            TokenState.VALID,
            last.message if last is not None and last.state is TokenState.VALID else "",
            datetime.now(UTC),
            last.quota if last is not None else None,
        )
        self.show(check)

    def actions(self) -> list[Action]:
        return [
            (QCoreApplication.translate("StableTokens", "Set AppSecret…"), self.show_secret_dialog),
            (
                QCoreApplication.translate("StableTokens", "Settings…"),
                self.host.show_settings_dialog,
            ),
        ]

    # --- the AppSecret --------------------------------------------------------------

    def show_secret_dialog(self) -> SetTokenDialog:
        from tcb_gui.ui.dialogs import SetTokenDialog

        session = self.session
        profile = session.profile
        dialog = SetTokenDialog(
            profile.name,
            self._parent,
            kind=AuthMode.APPSECRET,
            appid=profile.appid,
            keep=secret_place(session.store, demo=session.in_demo),
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(
            lambda: self.tasks.start(task_names.SAVE_TOKEN, self.save_secret(dialog.token()))
        )
        dialog.open()
        return dialog

    async def save_secret(self, secret: str) -> None:
        """Keep the AppSecret (keyring, else this session), then get a token with it."""
        name = self.session.profile.name
        store = self.session.store
        notifier = self.notifier
        try:
            await store.aset_app_secret(name, secret)
        except KeyringUnavailableError as exc:
            notifier.show_banner("keyring", Tone.WARNING, core_text(exc.message))
        except InputError as exc:
            notifier.show_banner(BANNER_TOPIC, Tone.DANGER, core_text(exc.message))
            return
        else:
            notifier.hide_banner("keyring")
        self.stop()  # a new AppSecret: the next token is fetched with it
        notifier.show_status(
            QCoreApplication.translate(
                "StableTokens", "AppSecret saved for profile “{name}”."
            ).format(name=name)
        )
        await self.host.check_token()

    async def clear_secret(self) -> None:
        name = self.session.profile.name
        try:
            await self.session.store.aclear_app_secret(name)
        except KeyringUnavailableError as exc:
            self.notifier.show_banner("keyring", Tone.WARNING, core_text(exc.message))
        self.stop()
        check = await self.host.check_token()
        if check.state is not TokenState.NOT_SET:
            self.notifier.show_status(
                QCoreApplication.translate(
                    "StableTokens",
                    "The AppSecret comes from TCB_APP_SECRET; unset it to stop using it.",
                )
            )
        else:
            self.notifier.show_status(
                QCoreApplication.translate(
                    "StableTokens", "AppSecret cleared for profile “{name}”."
                ).format(name=name)
            )
