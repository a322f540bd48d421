"""Where the app keeps its files, and the user's preferences and profiles.

Preferences live in one small JSON file, ``app_dirs().config / "settings.json"``, written
atomically with mode 0600. Secrets never go there (docs/ARCHITECTURE.md#behaviour): the
data model has no token field, and ``save_settings`` refuses any
secret-like key as a second guard. Tokens live in the OS keyring (``core.tokens``).

A profile gets its token in one of two ways (``Profile.auth``): ``"token"``, a token the
user pastes (the keyring or ``TCB_ACCESS_TOKEN``), or ``"appsecret"``, a mini program
whose appid is kept here and whose appsecret is kept in the keyring; the app then fetches
a stable token itself (``core.stable_token``). Such a token is a mini program
``access_token``, so an appsecret profile always uses ``api = tcb``.

Two writers at once (the window holds its settings for as long as it is open while the
command line's ``token set`` changes a profile) each write only what they changed, on top
of the file's content at that moment (``save_settings(..., since=...)``,
``update_settings``), under the file's lock (``atomicfile.locked``): one writer's change
never undoes another's, and a field both changed is the last writer's.

Loading is lenient: a missing file gives defaults; a corrupt or partly invalid file gives
defaults for the bad parts, never a crash, and the original is kept beside it as
``settings.json.bad`` so nothing the user wrote is silently lost. Building settings in code
is strict: invalid values raise ``InputError``.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import logging
import math
import os
import re
import stat
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final, NamedTuple

from tcb_gui.core.auth_mode import AuthMode
from tcb_gui.core.download_limits import (
    DEFAULT_DOWNLOAD_CONCURRENCY as DEFAULT_DOWNLOAD_CONCURRENCY,
)
from tcb_gui.core.download_limits import MAX_DOWNLOAD_CONCURRENCY as MAX_DOWNLOAD_CONCURRENCY
from tcb_gui.core.errors import InputError, MessageTemplate, message
from tcb_gui.core.export_formats import ExportFormat
from tcb_gui.core.service_modes import (
    DEFAULT_BASE_URL,
    DEFAULT_CONCURRENCY,
    DEFAULT_MAX_AGE,
    MAX_CONCURRENCY,
    MAX_MAX_AGE,
    MIN_MAX_AGE,
    ApiMode,
    validate_base_url,
)

log = logging.getLogger(__name__)

APP_NAME: Final = "tcb-gui"
# Portable use and tests: when set, config/data/cache/state are subfolders of it.
HOME_ENV: Final = "TCB_GUI_HOME"
SETTINGS_FILE: Final = "settings.json"
BAD_SUFFIX: Final = ".bad"
SETTINGS_VERSION: Final = 1
# Owner-only: the file names the user's profiles and base URLs.
FILE_MODE: Final = 0o600
DIR_MODE: Final = 0o700

DEFAULT_PROFILE: Final = "default"
# The demo session's profile (``tcb-gui --demo``, Try the demo): never saved, and named
# as no saved profile can be ("(" is never in a profile name), so a user's own profile
# called "demo" stays theirs while the demo runs: listed, chosen and given its token apart.
DEMO_SESSION_PROFILE: Final = "(demo)"
# A profile name is also the keyring user name and appears in menus: keep it short and
# printable. Letters of any script (operators name profiles in Chinese), digits, and a
# few separators; no leading/trailing space.
MAX_PROFILE_NAME_LENGTH: Final = 64
_PROFILE_NAME_RE = re.compile(r"[^\W_](?:[\w .@-]*[\w.@-])?\Z")

LANGUAGES: Final = ("system", "en", "zh_CN")
THEMES: Final = ("system", "light", "dark")


# The names stay for callers.
AUTH_TOKEN: Final = AuthMode.TOKEN  # a pasted token (keyring or TCB_ACCESS_TOKEN)
AUTH_APPSECRET: Final = AuthMode.APPSECRET  # appid + AppSecret in the keyring → stable token
AUTH_MODES: Final = tuple(m.value for m in AuthMode)
# A mini program AppID: "wx" and 16 hex digits (WeChat MP console, 开发管理 → 开发设置).
# (Compiled by re when first checked: most profiles have no AppID.)
_APPID_PATTERN = r"wx[0-9a-fA-F]{16}\Z"
DOWNLOAD_LAYOUTS: Final = ("tree", "flat")  # tcb-gui download --layout
ON_EXISTS_CHOICES: Final = ("skip", "rename", "overwrite")  # tcb-gui download --on-exists
EXPORT_FORMATS: Final = tuple(f.value for f in ExportFormat)
HIDEABLE_COLUMNS: Final = ("env", "expires", "link")  # the window's optional columns
DEFAULT_HISTORY_SIZE: Final = 10
# Recent lists in menus; beyond this they stop being useful to scan.
MAX_HISTORY_SIZE: Final = 100
# Qt's saveGeometry() is well under 100 bytes; this bounds a hand-edited file.
MAX_GEOMETRY_LENGTH: Final = 4096
# A settings file is a few KB (a hundred profiles are about 30 KB); anything past this
# is not one, and is not read whole.
MAX_SETTINGS_BYTES: Final = 1 << 20

# Keys that must never reach the settings file (docs/ARCHITECTURE.md#behaviour).
_SECRET_KEY_RE = re.compile(r"token|secret|passw|credential|api_?key", re.IGNORECASE)
_ALLOWED_SECRET_LIKE_KEYS: Final = frozenset({"token_saved_at"})


# --- directories ---------------------------------------------------------------------


class AppDirs(NamedTuple):
    """The app's folders. Not created here: call ``ensure_dir`` before writing."""

    config: Path
    data: Path
    cache: Path
    state: Path


def app_dirs() -> AppDirs:
    """The platform's folders for "tcb-gui", or subfolders of ``$TCB_GUI_HOME`` if set."""
    home = os.environ.get(HOME_ENV, "").strip()
    if home:
        base = Path(home).expanduser().absolute()
        return AppDirs(
            config=base / "config", data=base / "data", cache=base / "cache", state=base / "state"
        )
    import platformdirs  # here: with TCB_GUI_HOME (tests, portable use) it is not needed

    dirs = platformdirs.PlatformDirs(APP_NAME, appauthor=False)
    return AppDirs(
        config=dirs.user_config_path,
        data=dirs.user_data_path,
        cache=dirs.user_cache_path,
        state=dirs.user_state_path,
    )


def ensure_dir(path: Path) -> Path:
    """Create ``path`` (owner-only where it is new) and return it."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    return path


def settings_path() -> Path:
    return app_dirs().config / SETTINGS_FILE


# --- validation ----------------------------------------------------------------------


_NO_NAME = message("A profile needs a name.")
_NAME_TOO_LONG = MessageTemplate("A profile name may have at most {limit} characters.")
_BAD_NAME = MessageTemplate(
    "Invalid profile name {name!r}: use letters, digits, spaces and . _ @ -, "
    "starting with a letter or digit."
)
_URL_NOT_TEXT = message("The service address (base URL) must be text.")
_APPID_NOT_TEXT = message("The AppID must be text.")
_NOT_AN_APPID = message(
    "That is not a mini program AppID: it is wx followed by 16 letters a-f and "
    "digits, e.g. wx1234567890abcdef (WeChat MP console, 开发管理 → 开发设置)."
)
_APPSECRET_NEEDS_APPID = message(
    "A mini program (appid + appsecret) profile needs the mini program's AppID."
)
_BAD_API_MODE = MessageTemplate("The API mode must be one of: {modes}.")
_NOT_IN_RANGE = MessageTemplate(
    "{what} must be a whole number from {low} to {high}.", nested=frozenset({"what"})
)
_NOT_A_CHOICE = MessageTemplate("{what} must be one of: {choices}.", nested=frozenset({"what"}))
# What _int_in_range and _choice call the values they check (nested in their messages).
_AUTH = message("How the profile gets its token (auth)")
_MAX_AGE = message("Link lifetime (max age)")
_CONCURRENCY = message("Concurrency")
_LANGUAGE = message("Language")
_THEME = message("Theme")
_DOWNLOAD_LAYOUT = message("Download layout")
_ON_EXISTS = message("When a file exists")
_DOWNLOAD_CONCURRENCY = message("Download concurrency")
_HISTORY_SIZE = message("History size")
_EXPORT_FORMAT = message("Export format")
_EXPORT_BOM = message("UTF-8 BOM in exports")
_DETAILS_PANE = message("Details pane")
_HIDDEN_COLUMNS = message("Hidden columns")
_NOT_A_BOOL = MessageTemplate("{what} must be true or false.", nested=frozenset({"what"}))
_BAD_GEOMETRY = message("The window geometry is not valid.")
_GEOMETRY_NOT_BASE64 = message("The window geometry is not valid base64.")
_BAD_DOWNLOAD_DIR = message("The download folder is not a valid path.")
_BAD_SAVED_AT = message("token_saved_at must be a unix time or None.")
_NO_DEFAULT_PROFILE = MessageTemplate("The settings must hold a {name!r} profile.")
_MISFILED_PROFILE = MessageTemplate("Profile {name!r} is stored under the wrong name.")
_NO_SUCH_PROFILE = MessageTemplate("There is no profile named {name!r}.")
_NOT_A_PROFILE = message("Not a profile.")
_DEFAULT_STAYS = message("The default profile cannot be removed.")
_NAME_ALIKE = MessageTemplate(
    "A profile named {other!r} exists already: {name!r} differs from it only in case, and "
    "some keyrings (Windows) keep such names as one. Pick another name."
)
_SECRET_LIKE = MessageTemplate(
    "Refusing to write secret-like fields to the settings file: {fields}"
)
_APPSECRET_NEEDS_TCB = message(
    "A mini program (appid + appsecret) profile gets a mini program "
    "access_token, which works with the tcb API only: set the API mode to tcb."
)


def validate_profile_name(name: object) -> str:
    """Return ``name`` if it is a valid profile name, else raise ``InputError``."""
    if not isinstance(name, str) or not name:
        raise InputError(_NO_NAME)
    if len(name) > MAX_PROFILE_NAME_LENGTH:
        raise InputError(_NAME_TOO_LONG.format(limit=MAX_PROFILE_NAME_LENGTH))
    if not _PROFILE_NAME_RE.match(name) and not _valid_with_marks(name):
        raise InputError(_BAD_NAME.format(name=name))
    return name


def _valid_with_marks(name: str) -> bool:
    """A name whose letters carry combining marks (Hindi "हिन्दी", Thai "ผลิต", an accent
    typed or pasted decomposed): letters for the rule above, which ``re`` cannot say
    (``\\w`` takes no marks). A mark must follow a character of the name."""
    if name.isascii():
        return False
    import unicodedata  # only for names the plain rule refused

    if unicodedata.category(name[0]).startswith("M"):
        return False
    bare = "".join(c for c in name if not unicodedata.category(c).startswith("M"))
    return _PROFILE_NAME_RE.match(bare) is not None


def profile_name_key(name: str) -> str:
    """What two profile names must not share: "Prod" and "prod" (or "Café" typed in two
    Unicode forms) read alike in a menu, and Windows' Credential Locker treats keyring
    entries whose names differ only by case as one, so such profiles would share a token."""
    if name.isascii():  # NFKC leaves ASCII as it is: no import on the way to the window
        return name.casefold()
    import unicodedata

    return unicodedata.normalize("NFKC", name).casefold()


def alike_profile(name: str, names: Iterable[str], *, renaming: str | None = None) -> str | None:
    """The profile in ``names`` that ``name`` reads like (``profile_name_key``), other than
    ``renaming`` (the profile being renamed: "prod" may become "Prod"), or None."""
    key = profile_name_key(name)
    return next((n for n in names if n != renaming and profile_name_key(n) == key), None)


def check_new_profile_name(name: str, names: Iterable[str], *, renaming: str | None = None) -> str:
    """``name`` for a profile created, or renamed from ``renaming``, among ``names``; else
    ``InputError`` naming the existing profile it reads like: the one rule both faces'
    profile dialogs render."""
    validate_profile_name(name)
    other = alike_profile(name, names, renaming=renaming)
    if other is not None:
        raise InputError(_NAME_ALIKE.format(name=name, other=other))
    return name


def _base_url(value: object) -> str:
    """``https://`` URLs, or ``http://`` on loopback only: the client's rule (README "Security")."""
    if not isinstance(value, str):
        raise InputError(_URL_NOT_TEXT)
    return validate_base_url(value)


def validate_api_mode(value: object) -> ApiMode:
    """An ``ApiMode``, or its value as a string; else ``InputError``."""
    if isinstance(value, ApiMode):
        return value
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return ApiMode(value)
    modes = ", ".join(m.value for m in ApiMode)
    raise InputError(_BAD_API_MODE.format(modes=modes))


def _int_in_range(value: object, low: int, high: int, what: str) -> int:
    # bool is an int subclass; True is not a concurrency.
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise InputError(_NOT_IN_RANGE.format(what=what, low=low, high=high))
    return value


def _choice(value: object, choices: tuple[str, ...], what: str) -> str:
    if not isinstance(value, str) or value not in choices:
        raise InputError(_NOT_A_CHOICE.format(what=what, choices=", ".join(choices)))
    return value


def validate_appid(value: object) -> str:
    """A mini program AppID (surrounding spaces removed), else ``InputError``."""
    if not isinstance(value, str):
        raise InputError(_APPID_NOT_TEXT)
    appid = value.strip()
    if not re.match(_APPID_PATTERN, appid):
        raise InputError(_NOT_AN_APPID)
    return appid


def _optional_appid(value: object) -> str | None:
    return None if value is None else validate_appid(value)


def _validate_geometry(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > MAX_GEOMETRY_LENGTH:
        raise InputError(_BAD_GEOMETRY)
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise InputError(_GEOMETRY_NOT_BASE64) from None
    return value


def _bool(value: object, what: str) -> bool:
    if not isinstance(value, bool):
        raise InputError(_NOT_A_BOOL.format(what=what))
    return value


def _hidden_columns(value: object) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or any(v not in HIDEABLE_COLUMNS for v in value):
        choices = ", ".join(HIDEABLE_COLUMNS)
        raise InputError(_NOT_A_CHOICE.format(what=_HIDDEN_COLUMNS, choices=choices))
    return tuple(dict.fromkeys(value))


def _validate_download_dir(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or "\x00" in value:
        raise InputError(_BAD_DOWNLOAD_DIR)
    return value


# --- data ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Profile:
    """One account set-up: which API, which service, and link options.

    ``token_saved_at`` is the unix time the user last saved a token for this profile, to
    estimate the time left of its 2-hour life; the token itself lives in the keyring.

    ``auth`` is ``"token"`` (a pasted token) or ``"appsecret"`` (the app fetches a stable
    token with ``appid`` and the appsecret kept in the keyring). An appsecret profile needs
    an ``appid`` and uses ``api = tcb``; ``with_appsecret`` builds one from any profile.
    ``appid`` is not secret; it may stay set on a token profile (to switch back later).
    """

    name: str = DEFAULT_PROFILE
    api: ApiMode = ApiMode.COMPONENT
    base_url: str = DEFAULT_BASE_URL
    max_age: int = DEFAULT_MAX_AGE
    concurrency: int = DEFAULT_CONCURRENCY
    token_saved_at: float | None = None
    auth: AuthMode = AuthMode.TOKEN
    appid: str | None = None

    def __post_init__(self) -> None:
        if self.name != DEMO_SESSION_PROFILE:  # the one profile that is never saved
            validate_profile_name(self.name)
        # A plain "component"/"tcb" string (a combo box, the command line) is fine.
        object.__setattr__(self, "api", validate_api_mode(self.api))
        object.__setattr__(self, "auth", AuthMode(_choice(self.auth, AUTH_MODES, _AUTH)))
        object.__setattr__(self, "appid", _optional_appid(self.appid))
        if self.auth is AuthMode.APPSECRET:
            if self.appid is None:
                raise InputError(_APPSECRET_NEEDS_APPID)
            if self.api is not ApiMode.TCB:
                raise InputError(_APPSECRET_NEEDS_TCB)
        object.__setattr__(self, "base_url", _base_url(self.base_url))
        _int_in_range(self.max_age, MIN_MAX_AGE, MAX_MAX_AGE, _MAX_AGE)
        _int_in_range(self.concurrency, 1, MAX_CONCURRENCY, _CONCURRENCY)
        saved: object = self.token_saved_at
        if saved is not None:
            if (
                not isinstance(saved, int | float)
                or isinstance(saved, bool)
                or not math.isfinite(saved)
                or saved < 0
            ):
                raise InputError(_BAD_SAVED_AT)
            object.__setattr__(self, "token_saved_at", float(saved))

    @property
    def uses_appsecret(self) -> bool:
        return self.auth is AuthMode.APPSECRET

    def with_appsecret(self, appid: str) -> Profile:
        """This profile switched to appid + appsecret (and so to the tcb API)."""
        return replace(self, auth=AuthMode.APPSECRET, appid=validate_appid(appid), api=ApiMode.TCB)

    def with_token(self) -> Profile:
        """This profile switched back to a pasted token (appid and API mode kept)."""
        return replace(self, auth=AuthMode.TOKEN)


def _default_profiles() -> dict[str, Profile]:
    return {DEFAULT_PROFILE: Profile()}


@dataclass(slots=True)
class Settings:
    """The user's preferences. ``profiles`` always holds ``"default"``."""

    profiles: dict[str, Profile] = field(default_factory=_default_profiles)
    current_profile: str = DEFAULT_PROFILE
    language: str = "system"
    theme: str = "system"
    download_dir: str | None = None
    download_layout: str = "tree"
    on_exists: str = "skip"
    download_concurrency: int = DEFAULT_DOWNLOAD_CONCURRENCY
    history_size: int = DEFAULT_HISTORY_SIZE
    window_geometry: str | None = None  # base64 of QWidget.saveGeometry(); opaque here
    # The window's export dialog: the last folder, format and UTF-8 BOM choice (Excel).
    export_dir: str | None = None
    export_format: str = "csv"
    export_bom: bool = False
    # Optional columns the user hid, and whether the details pane shows.
    hidden_columns: tuple[str, ...] = ()
    details_pane: bool = True

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raise ``InputError`` if any value is out of bounds (settings built in code)."""
        if not isinstance(self.profiles, dict) or DEFAULT_PROFILE not in self.profiles:
            raise InputError(_NO_DEFAULT_PROFILE.format(name=DEFAULT_PROFILE))
        for key, profile in self.profiles.items():
            if not isinstance(profile, Profile) or profile.name != key:
                raise InputError(_MISFILED_PROFILE.format(name=key))
            validate_profile_name(key)  # never the demo session's
        if self.current_profile not in self.profiles:
            raise InputError(_NO_SUCH_PROFILE.format(name=self.current_profile))
        _choice(self.language, LANGUAGES, _LANGUAGE)
        _choice(self.theme, THEMES, _THEME)
        _validate_download_dir(self.download_dir)
        _choice(self.download_layout, DOWNLOAD_LAYOUTS, _DOWNLOAD_LAYOUT)
        _choice(self.on_exists, ON_EXISTS_CHOICES, _ON_EXISTS)
        _int_in_range(self.download_concurrency, 1, MAX_DOWNLOAD_CONCURRENCY, _DOWNLOAD_CONCURRENCY)
        _int_in_range(self.history_size, 0, MAX_HISTORY_SIZE, _HISTORY_SIZE)
        _validate_geometry(self.window_geometry)
        _validate_download_dir(self.export_dir)
        _choice(self.export_format, EXPORT_FORMATS, _EXPORT_FORMAT)
        _bool(self.export_bom, _EXPORT_BOM)
        self.hidden_columns = _hidden_columns(self.hidden_columns)
        _bool(self.details_pane, _DETAILS_PANE)

    def current(self) -> Profile:
        return self.profiles[self.current_profile]

    def copy(self) -> Settings:
        """A copy whose profiles can change without changing these (profiles are frozen)."""
        return replace(self, profiles=dict(self.profiles))

    def put_profile(self, profile: Profile) -> None:
        """Add ``profile`` or replace the one with its name. A new name that reads like a
        profile's here is refused (``check_new_profile_name``); a pair an older file
        already holds stays, each replaced under its own name."""
        if not isinstance(profile, Profile):
            raise InputError(_NOT_A_PROFILE)
        if profile.name not in self.profiles:
            check_new_profile_name(profile.name, self.profiles)
        self.profiles[profile.name] = profile

    def select_profile(self, name: str) -> Profile:
        if name not in self.profiles:
            raise InputError(_NO_SUCH_PROFILE.format(name=name))
        self.current_profile = name
        return self.profiles[name]

    def remove_profile(self, name: str) -> None:
        """Remove a profile; the current one falls back to "default"."""
        if name == DEFAULT_PROFILE:
            raise InputError(_DEFAULT_STAYS)
        if name not in self.profiles:
            raise InputError(_NO_SUCH_PROFILE.format(name=name))
        del self.profiles[name]
        if self.current_profile == name:
            self.current_profile = DEFAULT_PROFILE

    def set_token_saved_at(self, name: str, saved_at: float | None) -> Profile:
        """Record when a token was saved for ``name`` (None once it is cleared)."""
        if name not in self.profiles:
            raise InputError(_NO_SUCH_PROFILE.format(name=name))
        profile = replace(self.profiles[name], token_saved_at=saved_at)
        self.profiles[name] = profile
        return profile


# --- JSON ----------------------------------------------------------------------------


def _profile_to_json(profile: Profile) -> dict[str, Any]:
    return {
        "api": profile.api.value,
        "base_url": profile.base_url,
        "max_age": profile.max_age,
        "concurrency": profile.concurrency,
        "token_saved_at": profile.token_saved_at,
        "auth": profile.auth.value,
        "appid": profile.appid,
    }


def settings_to_json(settings: Settings) -> dict[str, Any]:
    """The file's content; every field is named here, so nothing unlisted is written."""
    return {
        "version": SETTINGS_VERSION,
        "current_profile": settings.current_profile,
        "profiles": {name: _profile_to_json(p) for name, p in settings.profiles.items()},
        "language": settings.language,
        "theme": settings.theme,
        "download_dir": settings.download_dir,
        "download_layout": settings.download_layout,
        "on_exists": settings.on_exists,
        "download_concurrency": settings.download_concurrency,
        "history_size": settings.history_size,
        "window_geometry": settings.window_geometry,
        "export_dir": settings.export_dir,
        "export_format": settings.export_format,
        "export_bom": settings.export_bom,
        "hidden_columns": list(settings.hidden_columns),
        "details_pane": settings.details_pane,
    }


def _secret_like_keys(data: object, path: str = "") -> list[str]:
    """Every key (as a dotted path) that looks like it could hold a secret."""
    found: list[str] = []
    if isinstance(data, Mapping):
        for key, value in data.items():
            where = f"{path}.{key}" if path else str(key)
            if _SECRET_KEY_RE.search(str(key)) and key not in _ALLOWED_SECRET_LIKE_KEYS:
                found.append(where)
            found.extend(_secret_like_keys(value, where))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found.extend(_secret_like_keys(value, f"{path}[{index}]"))
    return found


class _Loader:
    """Parses a settings document leniently, noting each part it had to repair."""

    def __init__(self) -> None:
        self.repairs: list[str] = []

    def take(self, data: Mapping[str, Any], key: str, default: Any, check: Any) -> Any:
        if key not in data:
            return default
        try:
            return check(data[key])
        except InputError:
            self.repairs.append(key)
            return default

    def profile(self, name: object, raw: object) -> Profile | None:
        try:
            validate_profile_name(name)
        except InputError:
            self.repairs.append(f"profiles[{name!r}]")
            return None
        assert isinstance(name, str)
        if not isinstance(raw, Mapping):
            self.repairs.append(f"profiles.{name}")
            return Profile(name=name)
        fields: dict[str, Any] = {}
        checks: dict[str, Any] = {
            "api": validate_api_mode,
            "base_url": _base_url,
            "max_age": lambda v: _int_in_range(v, MIN_MAX_AGE, MAX_MAX_AGE, "max_age"),
            "concurrency": lambda v: _int_in_range(v, 1, MAX_CONCURRENCY, "concurrency"),
            "token_saved_at": lambda v: Profile(token_saved_at=v).token_saved_at,
            # Files written before mini program mode have neither: token auth, no appid.
            "auth": lambda v: _choice(v, AUTH_MODES, "auth"),
            "appid": _optional_appid,
        }
        for key, check in checks.items():
            if key not in raw:
                continue
            try:
                fields[key] = check(raw[key])
            except InputError:
                self.repairs.append(f"profiles.{name}.{key}")
        if fields.get("auth") == AuthMode.APPSECRET:
            if fields.get("appid") is None:
                # Nothing to fetch a token with: back to a pasted token.
                self.repairs.append(f"profiles.{name}.auth")
                fields["auth"] = AuthMode.TOKEN
            elif fields.get("api", ApiMode.COMPONENT) is not ApiMode.TCB:
                self.repairs.append(f"profiles.{name}.api")
                fields["api"] = ApiMode.TCB
        return Profile(name=name, **fields)

    def settings(self, data: Mapping[str, Any], *, kept: Collection[str] | None = None) -> Settings:
        """``kept``: the names whose pairs stay (a merge passes the file's own names);
        None keeps every name ``data`` holds."""
        profiles = _default_profiles()
        raw_profiles = data.get("profiles", {})
        if isinstance(raw_profiles, Mapping):
            taken = {profile_name_key(name): name for name in profiles}
            for name, raw in raw_profiles.items():
                profile = self.profile(name, raw)
                if profile is None:
                    continue
                # Names that read alike ("Prod", "prod") would share a keyring entry
                # (profile_name_key). A file that holds both (written before the rule, or
                # by hand) keeps both: dropping one would lose it. In a merge the file's
                # own come first, and a saving writer's new name alike to one stays out,
                # as a dialog refuses it (check_new_profile_name).
                key = profile_name_key(profile.name)
                first = taken.setdefault(key, profile.name)
                if first != profile.name and kept is not None and profile.name not in kept:
                    self.repairs.append(f"profiles[{name!r}]")
                    continue
                profiles[profile.name] = profile
        else:
            self.repairs.append("profiles")
        current = data.get("current_profile", DEFAULT_PROFILE)
        if not isinstance(current, str) or current not in profiles:
            self.repairs.append("current_profile")
            current = DEFAULT_PROFILE
        defaults = Settings()
        return Settings(
            profiles=profiles,
            current_profile=current,
            language=self.take(
                data, "language", defaults.language, lambda v: _choice(v, LANGUAGES, "")
            ),
            theme=self.take(data, "theme", defaults.theme, lambda v: _choice(v, THEMES, "")),
            download_dir=self.take(
                data, "download_dir", defaults.download_dir, _validate_download_dir
            ),
            download_layout=self.take(
                data,
                "download_layout",
                defaults.download_layout,
                lambda v: _choice(v, DOWNLOAD_LAYOUTS, ""),
            ),
            on_exists=self.take(
                data, "on_exists", defaults.on_exists, lambda v: _choice(v, ON_EXISTS_CHOICES, "")
            ),
            download_concurrency=self.take(
                data,
                "download_concurrency",
                defaults.download_concurrency,
                lambda v: _int_in_range(v, 1, MAX_DOWNLOAD_CONCURRENCY, ""),
            ),
            history_size=self.take(
                data,
                "history_size",
                defaults.history_size,
                lambda v: _int_in_range(v, 0, MAX_HISTORY_SIZE, ""),
            ),
            window_geometry=self.take(
                data, "window_geometry", defaults.window_geometry, _validate_geometry
            ),
            export_dir=self.take(data, "export_dir", defaults.export_dir, _validate_download_dir),
            export_format=self.take(
                data,
                "export_format",
                defaults.export_format,
                lambda v: _choice(v, EXPORT_FORMATS, ""),
            ),
            export_bom=self.take(data, "export_bom", defaults.export_bom, lambda v: _bool(v, "")),
            hidden_columns=self.take(
                data, "hidden_columns", defaults.hidden_columns, _hidden_columns
            ),
            details_pane=self.take(
                data, "details_pane", defaults.details_pane, lambda v: _bool(v, "")
            ),
        )


def _atomic_write(path: Path, content: bytes) -> None:
    from tcb_gui.core.atomicfile import write_bytes_atomic

    ensure_dir(path.parent)
    write_bytes_atomic(path, content, mode=FILE_MODE)


def save_settings(settings: Settings, *, since: Settings | None = None) -> Settings:
    """Validate and write the settings file atomically (mode 0600), under its lock.

    With ``since`` (the settings as this writer last read or wrote them), only what
    changed from ``since`` is written, on top of the file's content now
    (``merge_settings``): what another writer changed meanwhile stays. Without it the
    file is replaced by ``settings`` whole. Returns what was written."""
    # Here, not on import: the window reads its settings before its first frame and
    # writes them only later (the module's lock record and enum, ~1 ms).
    from tcb_gui.core.atomicfile import locked

    settings.validate()
    path = settings_path()
    ensure_dir(path.parent)
    with locked(path):
        written = settings
        if since is not None:
            on_disk = _read_current(path)
            if on_disk is not None:
                written = merge_settings(on_disk, settings, since)
        data = settings_to_json(written)
        secret_like = _secret_like_keys(data)
        if secret_like:
            # Unreachable with this data model; guards against a field added later.
            raise InputError(_SECRET_LIKE.format(fields=", ".join(secret_like)))
        content = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
        _atomic_write(path, content.encode("utf-8"))
    return written


def update_settings(change: Callable[[Settings], object]) -> Settings:
    """Apply ``change`` to the settings and save just that change, on top of the file's
    content (the command line's ``token set``: a window open meanwhile keeps its own
    changes, and its next save keeps this one). Returns what was written."""
    before = load_settings()
    after = before.copy()
    change(after)
    return save_settings(after, since=before)


def merge_settings(on_disk: Settings, mine: Settings, since: Settings) -> Settings:
    """``on_disk`` with what ``mine`` changed from ``since``: each preference, each profile
    added or removed, each field of a profile; the rest as ``on_disk`` has it. A profile
    another writer removed is not brought back by a change of one of its fields, unless
    it is the profile ``mine`` is using: a window on it keeps it, and its change (a new
    token's time, the link life) would otherwise be lost without a word."""
    result = settings_to_json(on_disk)
    ours = settings_to_json(mine)
    base = settings_to_json(since)
    for key, value in ours.items():
        if key not in ("version", "profiles") and value != base.get(key):
            result[key] = value
    profiles: dict[str, dict[str, Any]] = result["profiles"]
    base_profiles: dict[str, dict[str, Any]] = base["profiles"]
    our_profiles: dict[str, dict[str, Any]] = ours["profiles"]
    for name in dict.fromkeys([*base_profiles, *our_profiles]):
        was, now = base_profiles.get(name), our_profiles.get(name)
        if now is None:
            if name != DEFAULT_PROFILE:
                profiles.pop(name, None)  # removed (or renamed) here
        elif was is None:
            profiles[name] = now  # added (or renamed to) here
        elif name in profiles:
            _take_changed_fields(profiles[name], now, was)
        elif name == mine.current_profile and now != was:
            profiles[name] = now  # removed elsewhere, changed here while in use here
    loader = _Loader()
    merged = loader.settings(result, kept=on_disk.profiles)
    if loader.repairs:  # the two changes do not fit together (an AppID mode half-set)
        log.warning("settings merged with repairs: %s", ", ".join(loader.repairs))
    return merged


def merge_profile(on_disk: Profile, mine: Profile, since: Profile) -> Profile:
    """``on_disk`` with the fields ``mine`` changed from ``since``, as ``merge_settings``
    merges a profile both writers have: what a window takes in of another writer's change
    to a profile it changed itself meanwhile (``ui.session``)."""
    result = _profile_to_json(on_disk)
    _take_changed_fields(result, _profile_to_json(mine), _profile_to_json(since))
    loader = _Loader()
    merged = loader.profile(on_disk.name, result)
    if loader.repairs:  # the two changes do not fit together (an AppID mode half-set)
        log.warning("profile merged with repairs: %s", ", ".join(loader.repairs))
    assert merged is not None  # the name is a saved profile's, valid
    return merged


def _take_changed_fields(result: dict[str, Any], now: dict[str, Any], was: dict[str, Any]) -> None:
    """Into ``result``, each field (of a profile's JSON) that ``now`` has changed from ``was``."""
    for key, value in now.items():
        if value != was.get(key):
            result[key] = value


def _read_current(path: Path) -> Settings | None:
    """The settings file as it is now, read leniently: what a merging save writes over.
    Whatever that write would lose of it (a newer version's fields, parts repaired, a
    whole file that is not settings) is kept beside it first, as ``load_settings`` keeps
    it (``_parse``). None when there is no usable file, and then the saving writer's
    settings are written whole."""
    try:
        raw = _read_settings_file(path)
    except OSError:
        return None
    if len(raw) > MAX_SETTINGS_BYTES:
        log.warning("the settings file is larger than %d bytes: not settings", MAX_SETTINGS_BYTES)
        _move_aside(path)
        return None
    settings, _repaired = _parse(path, raw)
    return settings


def _parse(path: Path, raw: bytes) -> tuple[Settings | None, bool]:
    """The settings in ``raw`` (read from ``path``), read leniently: defaults for the bad
    parts, None when the whole is not settings; and whether the file needs writing again
    (repaired). What this version writing over the file would lose (parts it repaired, a
    newer version's fields it does not know) is first kept as ``settings.json.bad``, so
    nothing the user wrote is silently lost; a file holding secret-like keys is never
    copied (the secret would be)."""
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        data = None
    loader = _Loader()
    settings: Settings | None = None
    secret_like: list[str] = []
    if isinstance(data, Mapping):
        settings = loader.settings(data)
        secret_like = _secret_like_keys(data)
    else:
        loader.repairs.append("<whole file>")
    if secret_like:
        # Someone put a secret in the file by hand: rewrite it without, and do not copy
        # the secret into a .bad file.
        log.warning("removed secret-like fields from the settings file: %s", secret_like)
        return settings, True
    if loader.repairs:
        log.warning("repaired invalid settings (defaults used): %s", ", ".join(loader.repairs))
        _keep_aside(path, raw)
        return settings, True
    if _newer_version(data):
        # What this version does not know is dropped at its next save: keep the file as
        # the newer one wrote it (not rewritten when only read: a command line run that
        # saves nothing leaves it as it is).
        log.warning("the settings file was written by a newer version of %s", APP_NAME)
        _keep_aside(path, raw)
    return settings, False


def _keep_aside(path: Path, raw: bytes) -> None:
    bad = path.with_name(path.name + BAD_SUFFIX)
    try:
        _atomic_write(bad, raw)
    except OSError as exc:
        log.warning("could not keep a copy of the bad settings file: %s", type(exc).__name__)
    else:
        log.warning("kept the previous settings file as %s", bad.name)


class NotARegularFileError(OSError):
    """Something other than a file at the settings file's name (a FIFO, a device)."""


def _read_settings_file(path: Path) -> bytes:
    """At most ``MAX_SETTINGS_BYTES + 1`` bytes of the settings file. Opened without
    blocking and checked to be a regular file: a FIFO put at its name would stop the
    start for ever, and a link to a device (``/dev/zero``) would never end."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as file:
        if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
            raise NotARegularFileError(path.name)
        return file.read(MAX_SETTINGS_BYTES + 1)


def _move_aside(path: Path) -> None:
    """Keep a file too large to be settings whole beside it (renamed, not copied)."""
    bad = path.with_name(path.name + BAD_SUFFIX)
    try:
        os.replace(path, bad)
    except OSError as exc:
        log.warning("could not keep the previous settings file: %s", type(exc).__name__)
    else:
        log.warning("kept the previous settings file as %s", bad.name)


def load_settings() -> Settings:
    """Read the settings file; never fails on a bad file (see the module docstring)."""
    path = settings_path()
    try:
        raw = _read_settings_file(path)
    except FileNotFoundError:
        return Settings()
    except OSError as exc:
        log.warning("cannot read the settings file (%s); using defaults", type(exc).__name__)
        return Settings()
    if len(raw) > MAX_SETTINGS_BYTES:
        log.warning(
            "the settings file is larger than %d bytes: not settings; using defaults",
            MAX_SETTINGS_BYTES,
        )
        _move_aside(path)
        settings = Settings()
        try:
            save_settings(settings)
        except OSError as exc:
            log.warning("could not rewrite the settings: %s", type(exc).__name__)
        return settings

    parsed, repaired = _parse(path, raw)
    settings = Settings() if parsed is None else parsed
    if not repaired:
        return settings
    try:
        save_settings(settings)
    except OSError as exc:
        log.warning("could not rewrite the repaired settings: %s", type(exc).__name__)
    return settings


def _newer_version(data: object) -> bool:
    version = data.get("version") if isinstance(data, Mapping) else None
    return type(version) is int and version > SETTINGS_VERSION
