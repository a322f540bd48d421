"""What one window works with: settings, the current profile, its credentials, the HTTP
client.

Plain Python, no widgets, so it reads the same in tests. A pasted token is cached here
after each (off-thread) keyring read; it is never logged or shown (``TokenInfo``'s repr
hides it). ``credentials()`` is the one place the window chooses where a request's token
comes from (``core.credentials``): the stable token of a mini program profile, else the
pasted one. Resolving, downloading and the token check all use it through ``client()``.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, NamedTuple

from tcb_gui.core.credentials import Credentials, StableCredentials, StaticCredentials
from tcb_gui.core.service_modes import ApiMode, validate_base_url
from tcb_gui.core.settings import (
    DEFAULT_PROFILE,
    DEMO_SESSION_PROFILE,
    Profile,
    Settings,
    merge_profile,
    profile_name_key,
    save_settings,
)
from tcb_gui.core.tokens import TokenInfo, TokenSource, TokenStore, estimate_time_left

# The API client, httpx and asyncio are imported when first used: the window builds its
# session before its first paint (docs/ARCHITECTURE.md#start-up).
if TYPE_CHECKING:
    import asyncio
    from concurrent.futures import Future, ThreadPoolExecutor

    import httpx

    from tcb_gui.core.client import TcbClient
    from tcb_gui.core.quota_gauge import QuotaPlace, QuotaReading
    from tcb_gui.core.stable_token import StableTokenProvider
    from tcb_gui.core.trace import TraceHub
    from tcb_gui.demo.server import DemoServer

log = logging.getLogger(__name__)

# A name no saved profile can take: a user's own "demo" profile is another profile.
DEMO_PROFILE = DEMO_SESSION_PROFILE


class Overrides(NamedTuple):
    """Command-line options that apply to this window only (never saved)."""

    base_url: str | None = None
    api: ApiMode | None = None


class Session:
    def __init__(
        self,
        settings: Settings,
        store: TokenStore,
        *,
        overrides: Overrides | None = None,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.settings = settings
        # The settings as this window last read or wrote them: its saves write only what
        # it changed from these (another writer may have changed the file meanwhile).
        self._saved = settings.copy()
        self._save_lock: asyncio.Lock | None = None
        # This window's profiles the file cannot take: another writer's profile has a
        # name alike by case (``profile_name_key``), so the file's merge drops ours. Kept
        # here while in use, never written (each save would be dropped again).
        self._names_taken: dict[str, str] = {}
        self._names_dropped: dict[str, str] = {}
        self.store = store
        self.overrides = overrides or Overrides()
        if self.overrides.base_url is not None:
            validate_base_url(self.overrides.base_url)
        self.token = TokenInfo(None, TokenSource.NONE)
        self.demo: DemoServer | None = None
        self._demo_profile: Profile | None = None
        self._demo_token: str | None = None
        self._session_token_at: dict[str, float] = {}
        # Bumped at every change of the profile in use (a switch, the demo, the profile
        # edited or taken in from another writer): a token read that ends in another
        # generation was for a profile no longer in use, even one of the same name
        # (removed with its token and made anew elsewhere).
        self._generation = 0
        self._http = http
        self._owns_http = http is None
        self._closed = False
        # Mini program mode (ui.appsecret): the token comes from this provider, which
        # fetches and renews it with the profile's AppID and AppSecret.
        self.stable: StableTokenProvider | None = None
        self._stable_credentials: StableCredentials | None = None
        # Called (on the event loop) when a save took in another writer's change to what
        # the profile strip shows: the profiles listed, or the one in use.
        self.on_taken_in: Callable[[], object] | None = None
        # Today's quota readings kept for the command line: one writer thread, and what
        # it last wrote for each place (touched in that thread only).
        self._reading_writer: ThreadPoolExecutor | None = None
        self._kept_readings: dict[QuotaPlace, QuotaReading] = {}

    @cached_property
    def trace(self) -> TraceHub:
        """Every HTTP attempt of this window (the client, the stable token, downloads),
        for the Requests view; with no listener an emit costs one check. Made when first
        asked for (the Requests view, after the window's first paint)."""
        from tcb_gui.core.trace import TraceHub

        return TraceHub()

    # --- profile --------------------------------------------------------------------

    @property
    def profile(self) -> Profile:
        """The profile in use, with command-line overrides applied."""
        if self._demo_profile is not None:
            return self._demo_profile
        profile = self.settings.current()
        if self.overrides.base_url is not None:
            profile = dataclasses.replace(profile, base_url=self.overrides.base_url)
        if self.overrides.api is not None:
            profile = dataclasses.replace(profile, api=self.overrides.api)
        return profile

    @property
    def in_demo(self) -> bool:
        return self._demo_profile is not None

    def profile_names(self) -> list[str]:
        names = list(self.settings.profiles)
        if self._demo_profile is not None:
            names.append(DEMO_PROFILE)
        return names

    def select_profile(self, name: str) -> Profile:
        """Switch profiles (leaving the demo if it was on); the token must be reloaded."""
        if name == DEMO_PROFILE and self._demo_profile is not None:
            return self._demo_profile
        self._demo_profile = None
        self.settings.select_profile(name)
        self._generation += 1
        self.token = TokenInfo(None, TokenSource.NONE)
        self.stable = None  # another profile, another provider (ui.appsecret)
        return self.profile

    def put_profile(self, profile: Profile, *, select: bool = True) -> None:
        self.settings.put_profile(profile)
        if select:
            self.select_profile(profile.name)
        elif profile.name == self.settings.current_profile:
            self._generation += 1

    def update_run_options(self, max_age: int, concurrency: int) -> bool:
        """Keep the last used link life and concurrency as the profile's defaults."""
        return self.keep_run_options(max_age=max_age, concurrency=concurrency)

    def keep_run_options(
        self, *, max_age: int | None = None, concurrency: int | None = None
    ) -> bool:
        """A link life or request count typed in the toolbar, kept at once as the profile's
        (the demo's, for this session): Settings OK, a profile change and a restart show it
        back, and a download or Refresh expired uses it. Per field, so a profile's own
        values shown back in the toolbar change nothing. True when a saved profile changed
        (the caller saves the settings)."""
        if self._demo_profile is not None:
            self._demo_profile = _with_run_options(self._demo_profile, max_age, concurrency)
            return False
        current = self.settings.current()
        kept = _with_run_options(current, max_age, concurrency)
        if kept == current:
            return False
        self.settings.put_profile(kept)
        return True

    async def save_settings(self) -> bool:
        """Write what this window changed to the settings file, off the event loop (a
        copy, so edits cannot race it), on top of what the file holds now: a change the
        command line made while the window was open (``token set``) is kept, and taken
        into this window's settings (``core.settings.save_settings``, ``since``).

        True when what was taken in changed the profiles listed or the one in use (a
        profile another window removed, ``token set --appsecret``'s mode); every caller's
        window then hears it through ``on_taken_in``, so none has to re-render itself."""
        import asyncio

        if self._save_lock is None:
            self._save_lock = asyncio.Lock()
        async with self._save_lock:  # one save at a time: each counts from the last
            snapshot = self._to_write()
            written = await asyncio.to_thread(save_settings, snapshot, since=self._saved)
            shown = self._shown()
            taken_before = dict(self._names_taken)
            self._note_names_taken(snapshot, written)
            self._saved = self._take_in(snapshot, written)
            for name in self._names_taken:
                self._saved.profiles.pop(name, None)
                if self._saved.current_profile == name:
                    self._saved.current_profile = written.current_profile
            now = self._shown()
            # A name taken or freed (a rename here) is shown too: the window's banner.
            changed = now != shown or self._names_taken != taken_before
            if now[1] != shown[1]:
                self._generation += 1  # the profile in use was changed elsewhere
        if changed and self.on_taken_in is not None:
            self.on_taken_in()
        return changed

    @property
    def names_dropped(self) -> dict[str, str]:
        """This window's profiles (not the one in use) the last save dropped because
        another writer's profile took their name in the file, each with that name."""
        return dict(self._names_dropped)

    @property
    def names_taken(self) -> dict[str, str]:
        """This window's profiles whose name another writer's profile took in the file,
        each with that profile's name ("prod": "Prod"): in use here, never written."""
        return dict(self._names_taken)

    def _to_write(self) -> Settings:
        """This window's settings as a save writes them: without a profile whose name
        the file has taken (the one in use here then stays the file's, as last read)."""
        snapshot = self.settings.copy()
        for name in self._names_taken:
            snapshot.profiles.pop(name, None)
        if snapshot.current_profile not in snapshot.profiles:
            saved = self._saved.current_profile
            snapshot.current_profile = saved if saved in snapshot.profiles else DEFAULT_PROFILE
        return snapshot

    def _note_names_taken(self, snapshot: Settings, written: Settings) -> None:
        """Find this window's profiles the file's name rule dropped: another writer added
        a profile whose name is alike by case (they would share a keyring entry on
        Windows). The one in use stays for this session, unwritten; another goes."""
        live = self.settings
        theirs = {profile_name_key(name): name for name in written.profiles}
        self._names_dropped = {}
        for name in dict.fromkeys([*snapshot.profiles, *self._names_taken]):
            other = theirs.get(profile_name_key(name))
            if name not in live.profiles or name in written.profiles or other is None:
                self._names_taken.pop(name, None)  # gone here, or the file has room again
                continue
            if name == live.current_profile:
                if self._names_taken.get(name) != other:
                    log.warning(
                        "profile %r cannot be saved: another writer added %r, a name alike "
                        "by case; this window uses it until it switches profiles or closes",
                        name,
                        other,
                    )
                self._names_taken[name] = other
            else:
                log.warning(
                    "profile %r was dropped: another writer added %r, a name alike by case",
                    name,
                    other,
                )
                live.profiles.pop(name)
                self._names_taken.pop(name, None)
                self._names_dropped[name] = other

    def _shown(self) -> tuple[list[str], Profile]:
        """What the profile strip shows: the profiles listed, and the one in use."""
        return self.profile_names(), self.profile

    def _take_in(self, snapshot: Settings, written: Settings) -> Settings:
        """Take what another writer changed (in ``written``, not in ``snapshot``) into
        this window's settings, but nothing this window changed while the file was being
        written, and not the profile in use (this window's choice; kept even if another
        writer removed it). Returns the settings this window now counts its changes from."""
        live = self.settings
        for item in dataclasses.fields(Settings):
            name = item.name
            if name in ("profiles", "current_profile"):
                continue
            if getattr(live, name) == getattr(snapshot, name):
                setattr(live, name, getattr(written, name))
        for name in dict.fromkeys([*written.profiles, *snapshot.profiles]):
            mine, before = live.profiles.get(name), snapshot.profiles.get(name)
            theirs = written.profiles.get(name)
            if mine == before:
                if theirs is not None:
                    live.profiles[name] = theirs
                elif name != live.current_profile:
                    live.profiles.pop(name, None)
            elif mine is not None and before is not None and theirs is not None:
                # Changed here meanwhile: per field, as the file's merge does, so the next
                # save (counting from ``written``) writes only this window's own edits.
                live.profiles[name] = merge_profile(theirs, mine, before)
            # else added or removed here meanwhile, or changed here and removed by the
            # other writer: kept as it is here, and the next save writes it (a profile
            # removed elsewhere comes back with this window's change: merge_settings)
        since = written.copy()
        since.current_profile = snapshot.current_profile
        for name in (snapshot.current_profile, live.current_profile):
            if name not in since.profiles and name in snapshot.profiles:
                since.profiles[name] = snapshot.profiles[name]
        return since

    # --- token ----------------------------------------------------------------------

    async def reload_token(self) -> TokenInfo:
        """Read the token for the current profile (environment, session, keyring): once
        the user set or cleared the profile's token in this window, what they set (or
        nothing) wins over ``TCB_ACCESS_TOKEN`` (``TokenStore.current``, ``set_here_wins``)."""
        while True:
            if self._demo_profile is not None and self._demo_token is not None:
                # The demo token wins over TCB_ACCESS_TOKEN: that one is for the real service.
                self.token = TokenInfo(self._demo_token, TokenSource.SESSION)
                return self.token
            generation = self._generation
            token = await self.store.acurrent(self.profile.name, set_here_wins=True)
            if self._generation == generation:
                self.token = token
                return self.token
            # The profile in use changed meanwhile: this token must never stand for the
            # one in use now (it would go to that service), and the caller (a run about
            # to start) asks about the one in use now: read its token.
            log.debug("a token read for a profile no longer in use was dropped")

    def credentials(self) -> Credentials:
        """Where the next request's token comes from: the mini program's stable token
        (fetched anew when the cached one lapsed or was refused), else the pasted one."""
        provider = self.stable
        if provider is None:
            # Bound to the profile in use now: a run that outlives a switch to another
            # profile must not send that profile's token to its own service.
            name = self.profile.name
            return StaticCredentials(
                lambda: self.token.token if self.profile.name == name else None
            )
        held = self._stable_credentials
        if held is None or held.provider is not provider:
            held = self._stable_credentials = StableCredentials(provider)
        return held

    def note_session_token(self, profile: str) -> None:
        self._session_token_at[profile] = time.time()

    def token_saved_at(self) -> float | None:
        """When the token in use was pasted, if known (the environment's is not)."""
        if self.token.source is TokenSource.SESSION:
            return self._session_token_at.get(self.profile.name)
        if self.token.source is TokenSource.KEYRING:
            return self.profile.token_saved_at
        return None

    def time_left(self, now: float | None = None) -> float | None:
        if self.stable is not None:
            return self.stable.time_left()  # exact: WeChat said when it ends
        return estimate_time_left(self.token_saved_at(), time.time() if now is None else now)

    # --- demo -----------------------------------------------------------------------

    def use_demo(self, server: DemoServer, token: str) -> None:
        """Point this session at the demo service (its address listens; it may still be
        starting), with its token for this session."""
        current = self.settings.current()
        self.demo = server
        self._demo_profile = Profile(
            name=DEMO_PROFILE,
            api=ApiMode.COMPONENT,
            base_url=server.base_url,
            max_age=current.max_age,
            concurrency=current.concurrency,
        )
        self._demo_token = token
        self._session_token_at[DEMO_PROFILE] = time.time()
        self._generation += 1
        self.token = TokenInfo(token, TokenSource.SESSION)
        self.stable = None

    def reenter_demo(self) -> None:
        """Back into the demo left by a switch to a saved profile: the same running
        service, with the token this session kept for it (never the saved profile's)."""
        if self.demo is None or self._demo_token is None:
            raise RuntimeError("no demo service was started in this session")
        pasted_at = self._session_token_at.get(DEMO_PROFILE)
        self.use_demo(self.demo, self._demo_token)
        if pasted_at is not None:
            self._session_token_at[DEMO_PROFILE] = pasted_at

    def use_demo_token(self, token: str) -> None:
        """Replace the demo session's token (the demo profile is never saved)."""
        from tcb_gui.core.redact import register_secret
        from tcb_gui.core.tokens import clean_token

        token = clean_token(token)
        register_secret(token)
        self._demo_token = token
        self.token = TokenInfo(token, TokenSource.SESSION)

    # --- today's quota ----------------------------------------------------------------

    def keep_quota_reading(self, place: QuotaPlace, reading: QuotaReading) -> Future[None] | None:
        """Keep ``reading`` as ``place``'s, where the command line's next run counts on
        from it (``core.quota_gauge.record_reading``), in this window's one writer thread:
        the file's lock may be waited for (up to 2 s), never on the event loop; one write
        at a time, each counting on from the last reading that was written. None once
        the session is closed (``aclose`` waits for the writes started before)."""
        if self._closed:
            return None
        if self._reading_writer is None:
            from concurrent.futures import ThreadPoolExecutor

            self._reading_writer = ThreadPoolExecutor(1, thread_name_prefix="quota-reading")
        return self._reading_writer.submit(self._keep_quota_reading, place, reading)

    def _keep_quota_reading(self, place: QuotaPlace, reading: QuotaReading) -> None:
        """In the writer thread. What this window last kept there is ``since``: its calls
        beyond it add to what a command line run kept meanwhile from the same check
        (``core.quota_gauge.merged_reading``). A write that failed leaves ``since`` as it
        was, so the next one adds these calls too."""
        from tcb_gui.core.quota_gauge import record_reading

        since = self._kept_readings.get(place)
        try:
            kept = record_reading(place, reading, since=since)
        except Exception:  # nobody reads the future: said here, or never
            log.exception("keeping today's quota reading failed")
            return
        if kept is not None:
            self._kept_readings[place] = reading

    # --- HTTP -----------------------------------------------------------------------

    @property
    def http(self) -> httpx.AsyncClient:
        """The one HTTP client, created on first use (keeps start-up light)."""
        if self._closed:
            raise RuntimeError("the session is closed")
        if self._http is None:
            from tcb_gui.core.client import make_http_client

            self._http = make_http_client()
        return self._http

    async def aopen_http(self) -> httpx.AsyncClient:
        """Create the HTTP client in a worker thread: loading the CA certificates and
        httpcore's lazy imports takes ~100 ms that the window should not wait for."""
        import asyncio

        if self._http is None and not self._closed:
            client = await asyncio.to_thread(_make_warm_client)
            if self._http is None and not self._closed:
                self._http = client
            else:
                await client.aclose()
        return self.http

    def client(self, *, max_age: int | None = None, concurrency: int | None = None) -> TcbClient:
        from tcb_gui.core.client import TcbClient

        profile = self.profile
        return TcbClient(
            self.http,
            self.credentials(),
            base_url=profile.base_url,
            api=profile.api,
            max_age=profile.max_age if max_age is None else max_age,
            concurrency=profile.concurrency if concurrency is None else concurrency,
            trace=self.trace,
        )

    async def aclose(self) -> None:
        """Close the HTTP client (if ours) and stop the demo service."""
        if self._closed:
            return
        self._closed = True
        if self._http is not None and self._owns_http:
            await self._http.aclose()
        self._http = None
        demo, self.demo = self.demo, None
        if demo is not None:
            import asyncio

            await asyncio.to_thread(demo.stop)
        writer, self._reading_writer = self._reading_writer, None
        if writer is not None:  # the last run's reading is in the file before the window goes
            import asyncio

            await asyncio.to_thread(writer.shutdown)


def _with_run_options(profile: Profile, max_age: int | None, concurrency: int | None) -> Profile:
    """``profile`` with the run options given (None: its own)."""
    return dataclasses.replace(
        profile,
        max_age=profile.max_age if max_age is None else max_age,
        concurrency=profile.concurrency if concurrency is None else concurrency,
    )


def _make_warm_client() -> httpx.AsyncClient:
    from tcb_gui.core.client import make_http_client

    client = make_http_client()
    # Modules httpcore imports on the first request; importing them here keeps that
    # first request from pausing the window.
    import anyio._backends._asyncio
    import anyio.streams.tls  # noqa: F401
    import httpcore._backends.anyio  # noqa: F401

    return client
