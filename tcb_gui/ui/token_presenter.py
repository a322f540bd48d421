"""The token and the profile: the badge, the token dialogs, profiles, settings, demo.

``TokenPresenter`` renders the token strip (``TokenPanel``: profiles, badge, buttons)
and runs the token's coroutines — ``check_token``, ``save_token``, ``clear_token``,
``switch_profile``, ``save_profile``, ``apply_settings``, ``start_demo`` — which slots
start as named tasks (``task_names``) and tests await. A mini program profile's token
comes from its AppSecret (``appsecret.StableTokens``); where a request's token comes
from is ``Session.credentials()``, never decided here.

Runs report a refused token with ``after_token_error``: the badge turns red at once
and is checked against the service again.

Today's quota on the badge is ``core.quota_gauge``'s reading: the last ``quota/get``
(each check here, and the one a big run asks before it starts, ``note_quota``) less the
link calls made since, counted from the session's trace hub as they happen and shown
once a second (``tick``), marked as an estimate. A run that made more than
``RECHECK_AFTER_CALLS`` calls ends with one quiet ``quota/get`` (``after_run``), so the
badge then holds the service's own word again; the page calls it the cheap check
(docs/WECHAT_API.md#quota), one call after hundreds.
Each reading is also kept for the profile (``keep_reading``), so the command line's
next ``resolve`` or ``download`` ends with the same number counted on from it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal

from tcb_gui.core.client import Quota, TokenCheck
from tcb_gui.core.credentials import SecretPlace, secret_place
from tcb_gui.core.errors import InputError, KeyringUnavailableError, TokenError, TokenState
from tcb_gui.core.quota_gauge import QuotaGauge, QuotaPlace, worth_rechecking
from tcb_gui.core.settings import profile_name_key
from tcb_gui.core.tokens import TokenSource
from tcb_gui.ui import task_names
from tcb_gui.ui.appsecret import StableTokens, check_from_error
from tcb_gui.ui.banner import Action
from tcb_gui.ui.core_text import core_text
from tcb_gui.ui.notifier import Notifier
from tcb_gui.ui.palette import Tone
from tcb_gui.ui.session import DEMO_PROFILE, Session
from tcb_gui.ui.tasks import TaskKeeper
from tcb_gui.ui.token_badge import BadgeInfo
from tcb_gui.ui.token_panel import TokenPanel

if TYPE_CHECKING:
    from concurrent.futures import Future

    from tcb_gui.core.settings import Profile
    from tcb_gui.demo.server import DemoServer

    # The dialogs are imported when first opened, not on the way to the first paint.
    from tcb_gui.ui.dialogs import ProfileDialog, SetTokenDialog
    from tcb_gui.ui.settings_dialog import SettingsChange, SettingsDialog

KEYRING_BANNER = "keyring"
# The save of a link life or request count typed in the toolbar (this presenter's own).
RUN_OPTIONS_TASK = "save-run-options"
# How long the toolbar's values rest before they are written: typing "3600" is four
# changes, and the arrows repeat; one save for the lot.
RUN_OPTIONS_PAUSE_S = 0.5
TOKEN_BANNER = "token"
PROFILE_BANNER = "profile"
NAME_TAKEN_BANNER = "profile-name"
NAME_DROPPED_BANNER = "profile-dropped"

# What starting the demo loads into an empty list: (text, where it came from).
SampleLoader = Callable[[str, str], Awaitable[object]]


class TokenPresenter(QObject):
    """The profile in use and its token, on the token strip and in banners."""

    profileApplied = Signal(object)  # Profile: the window shows its run options
    demoOfferChanged = Signal(bool)  # offer the demo on the empty table
    tokenWorks = Signal()  # a check found the token valid
    stateChanged = Signal(object)  # BadgeInfo: what the badge now says (one source)
    settingsApplied = Signal(object)  # Settings, after the Settings dialog's OK
    connectionCheckRequested = Signal()  # "Check connection…" from a banner

    def __init__(
        self,
        session: Session,
        panel: TokenPanel,
        notifier: Notifier,
        tasks: TaskKeeper,
        *,
        load_samples: SampleLoader | None = None,
    ) -> None:
        super().__init__(panel)
        self.session = session
        self.panel = panel
        self.notifier = notifier
        self.tasks = tasks
        self._load_samples = load_samples
        self._run_options_unsaved = False
        # Mini program profiles: AppID + AppSecret. Dialogs open over the token strip.
        self.stable = StableTokens(session, notifier, tasks, self, panel)
        # Today's quota between checks: the last check less the link calls made since.
        self.gauge = QuotaGauge()
        session.trace.add(self.gauge)
        # Any save (a run's start, the exit's) may take in another writer's profiles.
        session.on_taken_in = self._profiles_taken_in
        panel.setTokenRequested.connect(self.show_token_dialog)
        panel.clearTokenRequested.connect(self.request_clear_token)
        panel.checkRequested.connect(self.request_check)
        panel.profileChosen.connect(self.request_profile)
        panel.editProfileRequested.connect(self.show_profile_dialog)
        panel.newProfileRequested.connect(lambda: self.show_profile_dialog(new=True))

    # --- the strip ------------------------------------------------------------------

    def apply_profile(self) -> None:
        """Show the profile in use: the profile list, where it points, its run options."""
        self.show_profiles()
        self.profileApplied.emit(self.session.profile)

    def show_profiles(self) -> None:
        """The strip's profile list and where the profile in use points, and nothing
        else: what another writer's change taken in by a save may have changed, shown
        without touching the run options of a run under way."""
        session = self.session
        profile = session.profile
        self.panel.set_profiles(
            session.profile_names(),
            profile.name,
            DEMO_PROFILE if session.in_demo else None,
        )
        overridden = not session.in_demo and (
            session.overrides.base_url is not None or session.overrides.api is not None
        )
        self.panel.set_profile_details(profile, overridden)

    def _profiles_taken_in(self) -> None:
        if shiboken6.isValid(self.panel):  # a save may end after the window closed
            self.show_profiles()
            self._show_names_taken()

    def _show_names_taken(self) -> None:
        """Say so while a profile of this window cannot be saved because another writer
        added one whose name reads alike (``Session.names_taken``); gone once renamed."""
        for name, other in self.session.names_dropped.items():
            self.notifier.show_banner(
                NAME_DROPPED_BANNER,
                Tone.WARNING,
                self.tr(
                    "Profile “{name}” was not saved: another window or the command line "
                    "added “{other}”, a name that reads the same. Add yours again under "
                    "another name."
                ).format(name=name, other=other),
            )
        taken = self.session.names_taken
        if not taken:
            self.notifier.hide_banner(NAME_TAKEN_BANNER)
            return
        name, other = next(iter(taken.items()))
        self.notifier.show_banner(
            NAME_TAKEN_BANNER,
            Tone.WARNING,
            self.tr(
                "A profile named “{other}” was added in another window or on the command "
                "line, so “{name}” cannot be saved: this window uses it until you switch "
                "profiles or close it. Rename it in Settings to keep it."
            ).format(other=other, name=name),
            [(self.tr("Settings…"), self.show_settings_dialog)],
        )

    @property
    def badge_info(self) -> BadgeInfo:
        """What the badge says: the one source of the token's state for banners, the
        status line and dialogs."""
        return self.panel.badge.info

    def state_words(self, info: BadgeInfo) -> str:
        return self.panel.badge.words(info.state)

    def set_badge(self, info: BadgeInfo, *, can_clear: bool) -> None:
        old = self.panel.badge.info
        info = self._with_quota(info)
        self.panel.badge.set_info(info)
        self.panel.clear_button.setEnabled(can_clear)
        no_token = info.state is TokenState.NOT_SET and not info.stable
        self.demoOfferChanged.emit(no_token and not self.session.in_demo)
        if (old.state, old.message, old.code) != (info.state, info.message, info.code):
            self.stateChanged.emit(info)

    def show_pending(self) -> None:
        """Until the first check: "Checking…" with nothing to clear. The saved token is
        read after the window's first paint, so "No token" then might be wrong."""
        self.set_badge(BadgeInfo(TokenState.CHECKING, stable=self.stable.active), can_clear=False)

    def show_state(
        self, state: TokenState, message: str = "", check: TokenCheck | None = None
    ) -> None:
        """The badge of a pasted token (a mini program's is ``stable.show``)."""
        token = self.session.token
        self.set_badge(
            BadgeInfo(
                state=state,
                source=token.source,
                message=message,
                quota=check.quota if check is not None else None,
                time_left=self.session.time_left() if state is TokenState.VALID else None,
                checked_at=check.checked_at if check is not None else None,
            ),
            can_clear=token.source is not TokenSource.NONE,
        )

    def tick(self) -> None:
        """Once a second: the valid token's time left, and what is left of today's quota."""
        badge = self.panel.badge
        if badge.state is TokenState.VALID:
            info = self._with_quota(badge.info)
            left = self.session.time_left()
            if left is not None:
                info = _with_time_left(info, left)
            if info != badge.info:
                badge.set_info(info)

    # --- the toolbar's run options ------------------------------------------------------

    def keep_max_age(self, seconds: int) -> None:
        """Link life changed in the toolbar: the profile's from now on (``keep_run_options``)."""
        self._keep_run_options(max_age=seconds)

    def keep_concurrency(self, count: int) -> None:
        """At once changed in the toolbar: the profile's from now on."""
        self._keep_run_options(concurrency=count)

    def _keep_run_options(self, **options: int) -> None:
        """Into the profile at once (what ``apply_profile`` shows back), to the file after
        a short pause; closing the window before it saves the settings anyway."""
        if self.session.keep_run_options(**options):
            self._run_options_unsaved = True
            self.tasks.start(RUN_OPTIONS_TASK, self._save_run_options(), replace=False)

    async def _save_run_options(self) -> None:
        while self._run_options_unsaved:  # a change during the save is saved after it
            await asyncio.sleep(RUN_OPTIONS_PAUSE_S)
            self._run_options_unsaved = False
            await self.session.save_settings()

    # --- today's quota ---------------------------------------------------------------

    def _with_quota(self, info: BadgeInfo) -> BadgeInfo:
        """``info`` with the gauge's quota: for a valid token the gauge is the one source
        of the number (a check's own number reaches it through ``note_quota``)."""
        if info.state is not TokenState.VALID:
            return info
        reading = self.gauge.reading()
        quota = reading.quota if reading is not None else None
        if (quota, reading) == (info.quota, info.quota_reading):
            return info
        return info._replace(quota=quota, quota_reading=reading)

    def note_quota(self, check: TokenCheck, asked_at: datetime) -> None:
        """A ``quota/get`` answer, asked at ``asked_at``, for the profile's API: what the
        badge counts today's quota from (no number in it: no number shown)."""
        self.gauge.checked(check, asked_at, self.session.profile.api.cgi_path)
        self.show_quota()
        self.keep_reading()

    def keep_reading(self) -> Future[None] | None:
        """Keep the gauge's reading for the profile, where the command line's next run
        counts on from it (``core.quota_gauge.RunQuota``; not for the demo's service), in
        the session's writer thread (``Session.keep_quota_reading``: never waits on the
        file's lock here). The write's future, when one was started."""
        reading = self.gauge.reading()
        if reading is None or reading.stale or self.session.in_demo:
            return None
        profile = self.session.profile
        place = QuotaPlace.of(profile.name, profile.base_url, profile.api)
        return self.session.keep_quota_reading(place, reading)

    def note_checked_quota(self, quota: Quota, asked_at: datetime) -> None:
        """Numbers ``quota/get`` gave elsewhere in the window (Check connection…), for the
        profile's API: the badge counts from them, so both say the same."""
        self.note_quota(TokenCheck(TokenState.VALID, "", asked_at, quota), asked_at)

    def show_quota(self) -> None:
        """The badge's quota as the gauge now says (``tick`` does it once a second)."""
        badge = self.panel.badge
        info = self._with_quota(badge.info)
        if info != badge.info:
            badge.set_info(info)

    def after_run(self, calls: int) -> None:
        """A resolve or download that made ``calls`` link calls has ended: the badge says
        what is left at once, and after many calls the service is asked once (unless a
        check is under way)."""
        if self.tasks.closing:
            return
        self.show_quota()
        self.keep_reading()
        if not worth_rechecking(calls):
            return
        if self.badge_info.state is not TokenState.VALID:
            return  # the run's own stop has the badge checked (after_token_error)
        self.tasks.start(task_names.CHECK_TOKEN, self.recheck_quota(), replace=False)

    async def recheck_quota(self) -> None:
        """One quiet ``quota/get`` for the badge's number. An answer without one changes
        nothing: the badge's state is the token checks' business, and the estimate,
        marked as one, stays until the next check."""
        asked = datetime.now(UTC)
        check = await self.session.client().check_token()
        if check.state is TokenState.VALID and check.quota is not None:
            self.note_quota(check, asked)

    def token_actions(self) -> list[Action]:
        """The buttons of a banner that asks for a working token."""
        if self.stable.active:
            return self.stable.actions()
        return [(self.tr("Set token…"), self.show_token_dialog)]

    def connection_actions(self) -> list[Action]:
        """The buttons of a banner about a service out of reach."""
        return [(self.tr("Check connection…"), self.connectionCheckRequested.emit)]

    def keeps_in_keyring(self) -> bool:
        """Whether a token set now would be kept in the keyring (not the demo, and a
        keyring answered the last time it was asked)."""
        return self.secret_place() is SecretPlace.KEYRING

    def secret_place(self) -> SecretPlace:
        """Where a token or AppSecret set now is kept (core.credentials decides)."""
        return secret_place(self.session.store, demo=self.session.in_demo)

    # --- before and after runs -------------------------------------------------------

    async def prepare_run(self) -> bool:
        """Before a run: the provider of a mini program profile, or the pasted token read
        again (off-thread): a token set from the command line (``tcb-gui token set``) while
        the window was open is the one the run sends, and the badge asks the service about
        it. False when a pasted token is missing (the badge says so); a mini program's token
        is fetched by the run's first request."""
        if self.stable.active:
            await self.stable.sync()
            return True
        before = self.session.token
        await self.reload_quietly()
        if not self.session.token.is_set:
            self.show_state(TokenState.NOT_SET)
            return False
        if before.is_set and self.session.token.token != before.token:
            self.tasks.start(task_names.CHECK_TOKEN, self.check_token())
        return True

    async def reload_quietly(self) -> None:
        """Read the pasted token again; a missing keyring is said in a banner."""
        try:
            await self.session.reload_token()
        except KeyringUnavailableError as exc:
            self.notifier.show_banner(KEYRING_BANNER, Tone.WARNING, core_text(exc.message))

    def after_token_error(self, error: TokenError) -> None:
        """A run was stopped by the token: say so on the badge, then ask the service."""
        if self.stable.active:
            self.stable.show(check_from_error(error))
        else:
            self.show_state(error.state, error.message)
        self.tasks.start(task_names.CHECK_TOKEN, self._check_after_error(error.state))

    async def _check_after_error(self, state: TokenState) -> None:
        check = await self.check_token()
        if check.state is TokenState.UNREACHABLE and not self.stable.active:
            self.show_state(state)  # the service's own word stands until it can be asked

    # --- checking and keeping the token ----------------------------------------------

    def request_check(self) -> None:
        self.tasks.start(task_names.CHECK_TOKEN, self.check_token())

    def request_clear_token(self) -> None:
        self.tasks.start(task_names.CLEAR_TOKEN, self.clear_token())

    def request_profile(self, name: str) -> None:
        self.tasks.start(task_names.PROFILE, self.switch_profile(name))

    def request_demo(self) -> None:
        self.tasks.start(task_names.DEMO, self.start_demo(), replace=False)

    async def check_token(self) -> TokenCheck:
        """Reload the token (keyring off-thread) and ask the service what it thinks of it."""
        if self.stable.active:
            asked = datetime.now(UTC)
            check = await self.stable.check()
            self.note_quota(check, asked)
        else:
            self.stable.stop()
            check = await self._check_pasted()
        if check.state is TokenState.VALID:
            self.tokenWorks.emit()
        return check

    async def _check_pasted(self) -> TokenCheck:
        await self.reload_quietly()
        if not self.session.token.is_set:
            check = TokenCheck(
                TokenState.NOT_SET,
                self.tr("No token is set for this profile."),
                datetime.now(UTC),
            )
            self.gauge.forget()
            self.show_state(TokenState.NOT_SET, check.message)
            return check
        self.show_state(TokenState.CHECKING, self.tr("Asking the service…"))
        await self.session.aopen_http()
        asked = datetime.now(UTC)
        check = await self.session.client().check_token()
        self.gauge.checked(check, asked, self.session.profile.api.cgi_path)
        self.show_state(check.state, check.message, check)
        self.keep_reading()
        return check

    async def save_token(self, token: str) -> None:
        """Keep ``token`` for the current profile (keyring, else this session) and check it."""
        session = self.session
        profile = session.profile.name
        store = session.store
        notifier = self.notifier
        if session.in_demo:
            # The demo profile is not a saved one: its token is the session's alone (never
            # in the store, where it could stand for a saved profile's).
            session.use_demo_token(token)
            session.note_session_token(profile)
        else:
            try:
                await store.aset(profile, token)
            except KeyringUnavailableError as exc:
                # The store kept the token for this session; say so plainly, everywhere.
                session.note_session_token(profile)
                notifier.show_banner(KEYRING_BANNER, Tone.WARNING, core_text(exc.message))
                kept = self.tr(
                    "Token kept for this session only (no keyring): profile “{name}”."
                ).format(name=profile)
            except InputError as exc:
                notifier.show_banner(TOKEN_BANNER, Tone.DANGER, core_text(exc.message))
                return
            else:
                notifier.hide_banner(KEYRING_BANNER)
                session.settings.set_token_saved_at(profile, time.time())
                await session.save_settings()
                kept = self.tr("Token saved in the keyring for profile “{name}”.").format(
                    name=profile
                )
        if session.in_demo:
            kept = self.tr("Token kept for this demo session.")
        notifier.hide_banner(TOKEN_BANNER)
        notifier.show_status(kept)
        await self.check_token()

    async def clear_token(self) -> None:
        """Forget the profile's token: the one pasted (keyring or session), and the
        ``TCB_ACCESS_TOKEN`` one for this window (``TokenStore.current``, ``set_here_wins``):
        the window took the variable out of its environment at start, so nobody could
        unset it; after a clear the profile has no token until one is set."""
        if self.stable.active:
            await self.stable.clear_secret()
            return
        session = self.session
        profile = session.profile.name
        if session.in_demo:
            self.notifier.show_status(
                self.tr("The demo token cannot be cleared; switch profiles instead.")
            )
            return
        from_variable = session.token.source is TokenSource.ENVIRONMENT
        try:
            await session.store.aclear(profile)
        except KeyringUnavailableError as exc:
            self.notifier.show_banner(KEYRING_BANNER, Tone.WARNING, core_text(exc.message))
        else:
            session.settings.set_token_saved_at(profile, None)
            await session.save_settings()
        await self.check_token()
        if from_variable:
            cleared = self.tr(
                "Token cleared for profile “{name}”: this window no longer uses "
                "TCB_ACCESS_TOKEN for it (until TCB Links is started again)."
            )
        else:
            cleared = self.tr("Token cleared for profile “{name}”.")
        self.notifier.show_status(cleared.format(name=profile))

    # --- profiles -------------------------------------------------------------------

    async def switch_profile(self, name: str) -> None:
        self.tasks.cancel(task_names.RESOLVE)  # its rows go back to pending
        self.session.select_profile(name)
        if not self.session.in_demo:
            await self.session.save_settings()
        self.apply_profile()
        await self.check_token()

    async def save_profile(
        self, profile: Profile, app_secret: str | None = None, *, opened: Profile | None = None
    ) -> None:
        """Save ``profile`` and use it. ``opened``: the saved profile as the Edit profile
        dialog opened on it; then only the fields changed from it apply, on top of the
        profile as the window holds it now (another writer's change taken in while the
        dialog was open stays; ``settings_dialog.edited_on_live``). Without it the profile
        is a new one, not saved when a profile the window holds already reads as its name."""
        from tcb_gui.ui.settings_dialog import edited_on_live

        if opened is None:
            # What other writers saved since this window last read the file first: a new
            # profile must not replace one of theirs (nor its keyring entries).
            await self.session.save_settings()
            if self._name_taken_meanwhile(profile.name):
                return
        if app_secret is not None:
            try:
                await self.session.store.aset_app_secret(profile.name, app_secret)
            except KeyringUnavailableError as exc:  # kept for this session; say so
                self.notifier.show_banner(KEYRING_BANNER, Tone.WARNING, core_text(exc.message))
            self.stable.stop()  # the next token comes from the new AppSecret
        # After the keyring's await: the window may have taken in a change during it.
        live = None if opened is None else self.session.settings.profiles.get(opened.name)
        if opened is not None and live is not None:
            profile = edited_on_live(profile, opened, live)
        self.session.put_profile(profile)
        await self.session.save_settings()
        self.apply_profile()
        await self.check_token()

    def _name_taken_meanwhile(self, name: str) -> bool:
        """A new profile's name that a profile the window holds (one another window or the
        command line added, taken in by the last save) already reads as: saving would
        replace that profile and its keyring entries, so nothing is saved and the banner
        says why."""
        key = profile_name_key(name)
        names = self.session.settings.profiles
        taken = next((n for n in names if profile_name_key(n) == key), None)
        if taken is None:
            return False
        self.notifier.show_banner(
            PROFILE_BANNER,
            Tone.WARNING,
            self.tr(
                "A profile named “{name}” was added in another window or on the command "
                "line; nothing was saved. Add yours under another name."
            ).format(name=taken),
        )
        return True

    async def apply_settings(self, change: SettingsChange) -> None:
        """What the Settings dialog's OK changed: keyring, file, theme, profile, token."""
        from tcb_gui.ui.settings_dialog import apply_settings_change

        profile_changed = await apply_settings_change(
            self.session,
            change,
            self.notifier,
            on_profile_change=lambda: self.tasks.cancel(task_names.RESOLVE),
        )
        self.settingsApplied.emit(self.session.settings)
        self.apply_profile()
        self.notifier.show_status(QCoreApplication.translate("SettingsDialog", "Settings saved."))
        if profile_changed:
            await self.check_token()

    async def start_demo(self, *, load_samples: bool = True) -> None:
        """Start the built-in demo service and point the window at it: a profile switch,
        so a resolve being prepared for the profile left stops first, as switch_profile
        does (the window offers the demo only while nothing runs)."""
        session = self.session
        if not session.in_demo:
            self.tasks.cancel(task_names.RESOLVE)  # its rows go back to pending
        if session.demo is None:
            # On the demo from now, before anything else runs: its address listens at
            # once, so a run started while the service starts goes to it and is answered
            # once it serves (on the profile left it stopped with "no token"). Loading
            # the demo's modules here pauses the window once, as opening a dialog does;
            # uvicorn loads and starts in a worker.
            server, token = _bound_demo_server()
            session.use_demo(server, token)
            self.apply_profile()
            try:
                await asyncio.to_thread(server.start)
            except BaseException:
                server.stop()  # what waits on the address is refused, not left hanging
                raise
            if self.tasks.closing:
                await asyncio.to_thread(server.stop)
                return
        elif not session.in_demo:
            # Left for a saved profile: back onto the running demo service and its token,
            # never the demo's banner and samples over the user's own service and token.
            session.reenter_demo()
        self.apply_profile()
        assert session.demo is not None
        self.notifier.show_banner(
            "demo",
            Tone.INFO,
            self.tr(
                "Demo mode: a local stand-in of the service at {url}, with a demo token for "
                "this session. Press Ctrl+Return to resolve."
            ).format(url=session.demo.base_url),
        )
        if load_samples and self._load_samples is not None:
            from tcb_gui.demo.samples import sample_list_text

            await self._load_samples(sample_list_text(), self.tr("demo samples"))
        await self.check_token()

    # --- dialogs --------------------------------------------------------------------

    def show_token_dialog(self) -> SetTokenDialog:
        from tcb_gui.ui.dialogs import SetTokenDialog

        if self.stable.active:
            return self.stable.show_secret_dialog()
        dialog = SetTokenDialog(self.session.profile.name, self.panel, keep=self.secret_place())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(
            lambda: self.tasks.start(task_names.SAVE_TOKEN, self.save_token(dialog.token()))
        )
        dialog.open()
        return dialog

    def show_profile_dialog(self, new: bool = False) -> ProfileDialog:
        from tcb_gui.ui.dialogs import ProfileDialog

        session = self.session
        current = None if new or session.in_demo else session.settings.current()
        keep = secret_place(session.store)  # a profile saved here is a saved one
        dialog = ProfileDialog(current, session.profile_names(), self.panel, keep=keep)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def saved() -> None:
            profile = dialog.profile()
            if profile is not None:
                save = self.save_profile(profile, dialog.app_secret(), opened=dialog.opened())
                self.tasks.start(task_names.PROFILE, save)

        dialog.accepted.connect(saved)
        dialog.open()
        return dialog

    def show_settings_dialog(self) -> SettingsDialog:
        from tcb_gui.ui.settings_dialog import open_settings_dialog

        return open_settings_dialog(
            self.panel.window(), self.session, self.tasks, self.apply_settings
        )


def _with_time_left(info: BadgeInfo, left: float) -> BadgeInfo:
    return info._replace(time_left=left)


def _bound_demo_server() -> tuple[DemoServer, str]:
    """The demo service's address, listening but not yet serving (quick: ``start``
    imports and runs uvicorn)."""
    from tcb_gui.demo.server import DemoServer
    from tcb_gui.demo.service import DEMO_TOKEN

    return DemoServer().bind(), DEMO_TOKEN
