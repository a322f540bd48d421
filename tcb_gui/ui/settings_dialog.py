"""Settings (File ▸ Settings…, Ctrl+,): profiles, downloads, history, language and theme.

The dialog edits a copy: nothing changes until OK, and Cancel leaves everything as it
was. OK validates every profile (a bad base URL, AppID or AppSecret keeps the dialog
open with the reason beside the field) and hands a ``SettingsChange`` to
``TokenPresenter.apply_settings``; ``apply_settings_change`` applies it: keyring moves
for renamed and removed profiles and new AppSecrets (worker threads), the settings file
(``core.settings.save_settings`` in a worker thread), the theme and the profile in use
(the window then applies the history size).

Language: the window's strings are set when each widget is built, so a new language
applies at the next start (the window says so); it is not switched half-way, which
would leave a mix of two languages on screen. Any ``tcb_gui_<locale>.qm`` that appears
in ``tcb_gui/resources/translations`` is picked up then (``ui.i18n``).

``ProfileEditor`` (one profile's fields) is shared with the Edit profile dialog.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable, Coroutine, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from tcb_gui.core.client import (
    DEFAULT_BASE_URL,
    DEFAULT_CONCURRENCY,
    DEFAULT_MAX_AGE,
    MAX_CONCURRENCY,
    ApiMode,
    validate_base_url,
)
from tcb_gui.core.credentials import AuthMode, SecretPlace, secret_place
from tcb_gui.core.download_states import Layout, OnExists
from tcb_gui.core.errors import InputError, KeyringUnavailableError
from tcb_gui.core.settings import (
    DEFAULT_PROFILE,
    MAX_DOWNLOAD_CONCURRENCY,
    MAX_HISTORY_SIZE,
    Profile,
    Settings,
    merge_profile,
    merge_settings,
    profile_name_key,
    validate_appid,
    validate_profile_name,
)
from tcb_gui.core.tokens import TokenStore, clean_app_secret
from tcb_gui.ui import task_names
from tcb_gui.ui.core_text import core_text
from tcb_gui.ui.download_dialog import choice_words
from tcb_gui.ui.duration_spin import DurationSpinBox
from tcb_gui.ui.palette import Tone, tone_color
from tcb_gui.ui.theme import apply_theme

if TYPE_CHECKING:
    from tcb_gui.ui.notifier import Notifier
    from tcb_gui.ui.session import Session
    from tcb_gui.ui.tasks import TaskKeeper

log = logging.getLogger(__name__)

MIN_WIDTH = 640
# Tall enough for the profile editor's wrapped notes without squeezing them.
MIN_HEIGHT = 540
# Room for "23 h 59 min" in the link-life spin box (as in the main window).
SPIN_WIDTH = 110
# Names offered for a new profile: "profile 2", "profile 3", …
NEW_PROFILE_STEM = "profile"
# Languages by their own names (never translated: a user must recognise their own).
LANGUAGE_NAMES = {"en": "English", "zh_CN": "简体中文"}


def _error_label(parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    palette = label.palette()
    palette.setColor(label.foregroundRole(), tone_color(Tone.DANGER))
    label.setPalette(palette)
    label.hide()
    return label


def _muted_label(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setWordWrap(True)
    # PlaceholderText follows the palette (light or dark) and keeps 4.5:1 in ours.
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    # As wide as the form's field column: a wrapped label left at its own size hint
    # breaks a short note (and Chinese text, which wraps anywhere) after a few words.
    label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    return label


# --- one profile -------------------------------------------------------------------------


@dataclass(slots=True, repr=False)
class ProfileDraft:
    """A profile being edited. ``new_secret`` is an AppSecret typed here: it goes to the
    keyring on OK, never into the settings."""

    original: str | None  # its name in the saved settings; None for a new profile
    name: str
    auth: AuthMode = AuthMode.TOKEN
    api: ApiMode = ApiMode.COMPONENT
    appid: str = ""
    base_url: str = DEFAULT_BASE_URL
    max_age: int = DEFAULT_MAX_AGE
    concurrency: int = DEFAULT_CONCURRENCY
    token_saved_at: float | None = None
    new_secret: str = field(default="", repr=False)

    @classmethod
    def of(cls, profile: Profile) -> ProfileDraft:
        return cls(
            original=profile.name,
            name=profile.name,
            auth=profile.auth,
            api=profile.api,
            appid=profile.appid or "",
            base_url=profile.base_url,
            max_age=profile.max_age,
            concurrency=profile.concurrency,
            token_saved_at=profile.token_saved_at,
        )

    def __repr__(self) -> str:
        secret = "<hidden>" if self.new_secret else "None"
        return f"ProfileDraft(name={self.name!r}, auth={self.auth!r}, new_secret={secret})"

    def build(self) -> Profile:
        """The profile, or ``InputError`` (the same rules as the settings file)."""
        appsecret = self.auth is AuthMode.APPSECRET
        appid: str | None = self.appid.strip() or None
        if not appsecret and appid is not None:
            try:
                appid = validate_appid(appid)
            except InputError:
                appid = None  # a half-typed AppID of a token profile is not kept
        return Profile(
            name=self.name,
            api=ApiMode.TCB if appsecret else self.api,
            base_url=self.base_url.strip(),
            max_age=self.max_age,
            concurrency=self.concurrency,
            # A renamed profile keeps its token (it moves in the keyring with it).
            token_saved_at=self.token_saved_at,
            auth=self.auth,
            appid=appid,
        )


class ProfileEditor(QWidget):
    """The fields of one profile: name, how it gets its token, API, base URL, defaults."""

    nameEdited = Signal(str)

    def __init__(self, parent: QWidget | None = None, *, keep: SecretPlace | None = None) -> None:
        super().__init__(parent)
        # Where a token or AppSecret saved now is kept: the words promise only that
        # (core.credentials.secret_place; the demo saves no profile's secret).
        if keep is None or keep is SecretPlace.DEMO:
            keep = secret_place(TokenStore())  # the keyring this process uses
        self._keep = keep
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.name_edit = QLineEdit(self)
        self.name_edit.setPlaceholderText(self.tr("e.g. production"))
        self.name_edit.setMaxLength(64)
        self.name_edit.textEdited.connect(self.nameEdited.emit)
        form.addRow(self.tr("&Name:"), self.name_edit)

        auth_box = QWidget(self)
        auth_row = QVBoxLayout(auth_box)
        auth_row.setContentsMargins(0, 0, 0, 0)
        auth_row.setSpacing(2)
        # Short choices (they do not wrap: at 960 px a long one was cut off); where the
        # secret is kept is said in the note under the fields, which wraps.
        self.token_radio = QRadioButton(self.tr("Access &token (pasted)"))
        self.appsecret_radio = QRadioButton(self.tr("AppID + App&Secret (stable token)"))
        self.appsecret_radio.setToolTip(self.tr("The app gets a stable token itself"))
        self.auth_group = QButtonGroup(self)
        for radio in (self.token_radio, self.appsecret_radio):
            radio.setParent(auth_box)
            self.auth_group.addButton(radio)
            auth_row.addWidget(radio)
        self.token_radio.setChecked(True)
        self.token_radio.toggled.connect(self._auth_changed)
        auth_label = QLabel(self.tr("Gets its token with:"), self)
        auth_label.setBuddy(self.token_radio)
        form.addRow(auth_label, auth_box)

        self.api_combo = QComboBox(self)
        self.api_combo.addItem(self.tr("Third-party platform (componenttcb)"), ApiMode.COMPONENT)
        self.api_combo.addItem(self.tr("Mini program (tcb)"), ApiMode.TCB)
        self.api_combo.setToolTip(
            self.tr("Which API the token belongs to; a mini program AppSecret always uses tcb")
        )
        form.addRow(self.tr("&API:"), self.api_combo)

        self.appid_edit = QLineEdit(self)
        self.appid_edit.setPlaceholderText("wx1234567890abcdef")
        # Longer than an AppID: a paste with a space or a BOM before it is not cut short
        # (the spaces go when it is checked).
        self.appid_edit.setMaxLength(64)
        self.appid_label = QLabel(self.tr("App&ID:"), self)
        self.appid_label.setBuddy(self.appid_edit)
        form.addRow(self.appid_label, self.appid_edit)

        secret_box = QWidget(self)
        secret_row = QHBoxLayout(secret_box)
        secret_row.setContentsMargins(0, 0, 0, 0)
        self.secret_edit = QLineEdit(secret_box)
        self.secret_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret_edit.setClearButtonEnabled(True)
        self.secret_edit.setInputMethodHints(
            Qt.InputMethodHint.ImhHiddenText
            | Qt.InputMethodHint.ImhSensitiveData
            | Qt.InputMethodHint.ImhNoPredictiveText
        )
        # Nested in a row with its Show box, the field does not get its label's name.
        self.secret_edit.setAccessibleName(self.tr("AppSecret"))
        secret_row.addWidget(self.secret_edit, 1)
        self.secret_show = QCheckBox(self.tr("Sho&w"), secret_box)
        self.secret_show.setToolTip(self.tr("Show the AppSecret as you type it"))
        self.secret_show.toggled.connect(self._toggle_echo)
        secret_row.addWidget(self.secret_show)
        self.secret_label = QLabel(self.tr("AppS&ecret:"), self)
        self.secret_label.setBuddy(self.secret_edit)
        form.addRow(self.secret_label, secret_box)
        self.secret_status = _muted_label("", self)
        self.secret_status.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        form.addRow("", self.secret_status)

        self.url_edit = QLineEdit(self)
        self.url_edit.setPlaceholderText(DEFAULT_BASE_URL)
        self.url_edit.setToolTip(
            self.tr("https:// address of the service (plain http only for this computer)")
        )
        form.addRow(self.tr("&Base URL:"), self.url_edit)
        self.max_age_spin = DurationSpinBox(self)
        self.max_age_spin.setMinimumWidth(SPIN_WIDTH)
        form.addRow(self.tr("&Link life (max age):"), self.max_age_spin)
        self.concurrency_spin = QSpinBox(self)
        self.concurrency_spin.setRange(1, MAX_CONCURRENCY)
        self.concurrency_spin.setToolTip(self.tr("Requests in flight at once (1–32)"))
        form.addRow(self.tr("&Requests at once:"), self.concurrency_spin)
        self._secret_saved: bool | None = None
        self._auth_changed()

    # -- draft <-> fields ------------------------------------------------------------

    def load(self, draft: ProfileDraft, *, name_editable: bool = True) -> None:
        self.name_edit.setText(draft.name)
        self.name_edit.setReadOnly(not name_editable)
        self.name_edit.setToolTip(
            ""
            if name_editable
            else self.tr("The default profile keeps its name; add a profile for another name.")
        )
        appsecret = draft.auth is AuthMode.APPSECRET
        (self.appsecret_radio if appsecret else self.token_radio).setChecked(True)
        self.api_combo.setCurrentIndex(max(0, self.api_combo.findData(draft.api)))
        self.appid_edit.setText(draft.appid)
        self.secret_edit.setText(draft.new_secret)
        self.url_edit.setText(draft.base_url)
        self.max_age_spin.setValue(draft.max_age)
        self.concurrency_spin.setValue(draft.concurrency)
        self._auth_changed()

    def store(self, draft: ProfileDraft) -> None:
        """Copy the fields into ``draft`` (no validation: that happens on OK)."""
        if not self.name_edit.isReadOnly():
            draft.name = self.name_edit.text().strip()
        draft.auth = AuthMode.APPSECRET if self.appsecret_radio.isChecked() else AuthMode.TOKEN
        if draft.auth is AuthMode.TOKEN:
            # Item data comes back as a plain str (QVariant drops the enum type).
            draft.api = ApiMode(str(self.api_combo.currentData()))
        draft.appid = self.appid_edit.text().strip()
        draft.new_secret = self.secret_edit.text().strip()
        draft.base_url = self.url_edit.text().strip()
        draft.max_age = self.max_age_spin.value()
        draft.concurrency = self.concurrency_spin.value()

    def set_secret_saved(self, saved: bool | None) -> None:
        """Say whether an AppSecret is already in the keyring (None: not known yet)."""
        self._secret_saved = saved
        self._auth_changed()

    # -- behaviour -------------------------------------------------------------------

    def _toggle_echo(self, show: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if show else QLineEdit.EchoMode.Password
        self.secret_edit.setEchoMode(mode)

    def _auth_changed(self) -> None:
        appsecret = self.appsecret_radio.isChecked()
        if appsecret:
            self.api_combo.setCurrentIndex(max(0, self.api_combo.findData(ApiMode.TCB)))
        self.api_combo.setEnabled(not appsecret)
        for widget in (
            self.appid_label,
            self.appid_edit,
            self.secret_label,
            self.secret_edit,
            self.secret_show,
        ):
            widget.setEnabled(appsecret)
        if not appsecret and self._keep is SecretPlace.KEYRING:
            self.secret_status.setText(
                self.tr(
                    "Paste the token itself in the main window (Set token…); it is kept in "
                    "the system keyring, never in a file."
                )
            )
        elif not appsecret:
            self.secret_status.setText(
                self.tr(
                    "Paste the token itself in the main window (Set token…). No keyring "
                    "answers on this computer, so it is kept for this session only (never "
                    "in a file)."
                )
            )
        elif self._secret_saved:
            self.secret_status.setText(
                self.tr("An AppSecret is saved in the keyring; leave the field empty to keep it.")
            )
        elif self._secret_saved is None:
            self.secret_status.setText(
                self.tr("Leave the field empty to keep the AppSecret already saved, if any.")
            )
        elif self._keep is SecretPlace.KEYRING:
            self.secret_status.setText(
                self.tr(
                    "No AppSecret is saved yet. Copy it from the WeChat MP console "
                    "(开发管理 → 开发设置); it is kept in the system keyring, never in a file."
                )
            )
        else:
            self.secret_status.setText(
                self.tr(
                    "No AppSecret is saved yet. Copy it from the WeChat MP console "
                    "(开发管理 → 开发设置). No keyring answers on this computer, so it is "
                    "kept for this session only (never in a file): enter it again after a "
                    "restart, or set TCB_APP_SECRET."
                )
            )
        self.secret_edit.setPlaceholderText(
            self.tr("(unchanged)") if self._secret_saved else self.tr("32 letters and digits")
        )

    def focus_field(self, which: str) -> None:
        widget = {
            "name": self.name_edit,
            "appid": self.appid_edit,
            "secret": self.secret_edit,
            "url": self.url_edit,
        }.get(which, self.name_edit)
        widget.setFocus(Qt.FocusReason.OtherFocusReason)
        if isinstance(widget, QLineEdit):
            widget.selectAll()


class DraftError(Exception):
    """A draft that cannot be saved: which profile, which field, and why."""

    def __init__(self, draft: ProfileDraft, which: str, message: str) -> None:
        super().__init__(message)
        self.draft = draft
        self.which = which
        self.message = message


def validate_draft(
    draft: ProfileDraft, taken: set[str], *, added_elsewhere: Iterable[str] = ()
) -> tuple[Profile, str | None]:
    """The profile and a cleaned new AppSecret (or None), else ``DraftError``. Its name
    must not read like (``profile_name_key``) one in ``taken`` (names the dialog shows)
    or in ``added_elsewhere`` (profiles another writer added while the dialog was open,
    which it does not show: the words say where that one came from)."""
    try:
        validate_profile_name(draft.name)
    except InputError as exc:
        raise DraftError(draft, "name", core_text(exc.message)) from None
    key = profile_name_key(draft.name)
    same = next((name for name in taken if profile_name_key(name) == key), None)
    if same is not None:
        raise DraftError(
            draft,
            "name",
            QCoreApplication.translate(
                "SettingsDialog", "A profile named “{name}” exists already."
            ).format(name=same),
        )
    same = next((name for name in added_elsewhere if profile_name_key(name) == key), None)
    if same is not None:
        raise DraftError(
            draft,
            "name",
            QCoreApplication.translate(
                "SettingsDialog",
                "A profile named “{name}” was added in another window or on the command "
                "line while Settings was open; pick another name.",
            ).format(name=same),
        )
    try:
        validate_base_url(draft.base_url)
    except InputError as exc:
        raise DraftError(draft, "url", core_text(exc.message)) from None
    secret: str | None = None
    if draft.auth is AuthMode.APPSECRET:
        try:
            validate_appid(draft.appid)
        except InputError as exc:
            raise DraftError(draft, "appid", core_text(exc.message)) from None
        if draft.new_secret:
            try:
                secret = clean_app_secret(draft.new_secret)
            except InputError as exc:
                raise DraftError(draft, "secret", core_text(exc.message)) from None
    try:
        return draft.build(), secret
    except InputError as exc:
        raise DraftError(draft, "name", core_text(exc.message)) from None


def edited_on_live(edited: Profile, opened: Profile, live: Profile) -> Profile:
    """A saved profile as a dialog that edited it hands it back (Settings OK, Edit
    profile's Save): the fields the user changed there (``edited`` against ``opened``, the
    profile as the dialog opened on it) on top of ``live``, the profile as the window
    holds it now, with whatever another writer changed meanwhile and the window took in
    (the file merge's rule, ``core.settings.merge_profile``). ``edited`` may carry a new
    name (a rename in Settings)."""
    if edited == opened:
        return live
    merged = merge_profile(live, dataclasses.replace(edited, name=opened.name), opened)
    return dataclasses.replace(merged, name=edited.name)


# --- what OK hands to the window ---------------------------------------------------------


@dataclass(frozen=True, slots=True, repr=False)
class SettingsChange:
    """The edited settings and the keyring work they need. Secrets never in the repr.

    ``base`` is the window's settings as they were at OK, which ``settings`` was built on:
    what differs between the two is what the user changed, and only that is applied, on
    top of the window's settings as they are then (``apply_settings_change``)."""

    settings: Settings
    base: Settings
    renames: dict[str, str] = field(default_factory=dict)  # old name -> new name
    removed: tuple[str, ...] = ()
    secrets: dict[str, str] = field(default_factory=dict, repr=False)  # profile -> AppSecret
    language_changed: bool = False

    def __repr__(self) -> str:
        return (
            f"SettingsChange(profiles={sorted(self.settings.profiles)!r}, "
            f"renames={self.renames!r}, removed={self.removed!r}, "
            f"secrets for={sorted(self.secrets)!r})"
        )


def _copy_settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, profiles=dict(settings.profiles))


# --- the dialog --------------------------------------------------------------------------


class SettingsDialog(QDialog):
    """Edits a copy of ``settings``; ``change()`` holds the result after OK."""

    def __init__(
        self,
        settings: Settings,
        parent: QWidget | None = None,
        *,
        in_demo: bool = False,
        keep: SecretPlace | None = None,
        names_taken: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Settings"))
        self._in_demo = in_demo
        # The window's profiles whose name another writer's profile took in the file
        # (``Session.names_taken``): OK asks for them to be renamed first.
        self._names_taken = dict(names_taken or {})
        self._keep = keep  # where secrets typed here are kept (core.credentials)
        self.setMinimumSize(MIN_WIDTH, MIN_HEIGHT)
        self._original = settings
        # The settings as the dialog opened on them. OK hands back only what the user
        # changed here (each field of a profile, each preference) on top of the settings
        # the window holds then: the command line may have changed them meanwhile, and
        # the window taken that in (core.settings, ui.session).
        self._opened = _copy_settings(settings)
        self._drafts = [ProfileDraft.of(p) for p in settings.profiles.values()]
        self._shown: ProfileDraft | None = None
        self._change: SettingsChange | None = None
        self._saved_secrets: set[str] | None = None

        layout = QVBoxLayout(self)
        self.tabs = QTabWidget(self)
        self.tabs.setAccessibleName(self.tr("Settings sections"))
        self.tabs.addTab(self._build_profiles_tab(), self.tr("&Profiles"))
        self.tabs.addTab(self._build_downloads_tab(settings), self.tr("Downloads && &history"))
        self.tabs.addTab(self._build_appearance_tab(settings), self.tr("Appearan&ce"))
        layout.addWidget(self.tabs)
        self.error = _error_label(self)
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        self._fill_profile_list(select=settings.current_profile)
        self._fill_in_use(settings.current_profile)

    # -- building --------------------------------------------------------------------

    def _build_profiles_tab(self) -> QWidget:
        page = QWidget(self)
        outer = QVBoxLayout(page)
        top = QFormLayout()
        self.in_use_combo = QComboBox(page)
        self.in_use_combo.setToolTip(self.tr("The profile the main window uses"))
        top.addRow(self.tr("Profile in &use:"), self.in_use_combo)
        # The demo is not a saved profile: the window says "Demo service", and so does
        # this tab, instead of naming a profile the window is not using now.
        self.demo_note = _muted_label(
            self.tr(
                "The window now uses the Demo service, for this session only. The profile "
                "chosen here is used when you leave the demo (pick it in the Profile list)."
            ),
            page,
        )
        self.demo_note.setVisible(self._in_demo)
        top.addRow("", self.demo_note)
        outer.addLayout(top)

        row = QHBoxLayout()
        left = QVBoxLayout()
        list_label = QLabel(self.tr("Pro&files:"), page)
        left.addWidget(list_label)
        self.profile_list = QListWidget(page)
        self.profile_list.setAccessibleName(self.tr("Profiles"))
        self.profile_list.setAccessibleDescription(
            self.tr("Choose a profile to edit its settings on the right")
        )
        self.profile_list.setMaximumWidth(200)
        list_label.setBuddy(self.profile_list)
        self.profile_list.currentRowChanged.connect(self._profile_selected)
        left.addWidget(self.profile_list, 1)
        buttons = QHBoxLayout()
        self.add_button = QPushButton(self.tr("A&dd"), page)
        self.add_button.setToolTip(self.tr("Add a profile"))
        self.add_button.clicked.connect(self.add_profile)
        buttons.addWidget(self.add_button)
        self.remove_button = QPushButton(self.tr("Re&move"), page)
        self.remove_button.setToolTip(
            self.tr("Remove the selected profile and forget its token and AppSecret")
        )
        self.remove_button.clicked.connect(self.remove_profile)
        buttons.addWidget(self.remove_button)
        left.addLayout(buttons)
        row.addLayout(left)
        self.editor = ProfileEditor(page, keep=self._keep)
        self.editor.nameEdited.connect(self._name_edited)
        row.addWidget(self.editor, 1)
        outer.addLayout(row, 1)
        return page

    def _build_downloads_tab(self, settings: Settings) -> QWidget:
        # The same words as the Download dialog's (download_dialog.choice_words).
        words = choice_words()
        page = QWidget(self)
        form = QFormLayout(page)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        folder_box = QWidget(page)
        folder_row = QHBoxLayout(folder_box)
        folder_row.setContentsMargins(0, 0, 0, 0)
        self.folder_edit = QLineEdit(settings.download_dir or "", folder_box)
        self.folder_edit.setPlaceholderText(self.tr("Ask when downloading"))
        self.folder_edit.setAccessibleName(self.tr("Download folder"))
        folder_row.addWidget(self.folder_edit, 1)
        self.folder_button = QPushButton(self.tr("C&hoose…"), folder_box)
        self.folder_button.setToolTip(self.tr("Choose the download folder"))
        self.folder_button.setAccessibleName(self.tr("Choose the download folder"))
        self.folder_button.clicked.connect(self.choose_folder)
        folder_row.addWidget(self.folder_button)
        folder_label = QLabel(self._field(words["folder"]), page)
        folder_label.setBuddy(self.folder_edit)
        form.addRow(folder_label, folder_box)

        self.layout_combo = QComboBox(page)
        for layout in Layout:
            self.layout_combo.addItem(words[layout.value], layout.value)
        self.layout_combo.setCurrentIndex(
            max(0, self.layout_combo.findData(settings.download_layout))
        )
        form.addRow(self._field(words["layout"]), self.layout_combo)

        self.on_exists_combo = QComboBox(page)
        for exists in OnExists:
            self.on_exists_combo.addItem(words[exists.value], exists.value)
        self.on_exists_combo.setCurrentIndex(
            max(0, self.on_exists_combo.findData(settings.on_exists))
        )
        form.addRow(self._field(words["exists"]), self.on_exists_combo)

        self.download_concurrency_spin = QSpinBox(page)
        self.download_concurrency_spin.setRange(1, MAX_DOWNLOAD_CONCURRENCY)
        self.download_concurrency_spin.setValue(settings.download_concurrency)
        self.download_concurrency_spin.setToolTip(
            words["concurrency_tip"].format(low=1, high=MAX_DOWNLOAD_CONCURRENCY)
        )
        form.addRow(self._field(words["concurrency"]), self.download_concurrency_spin)

        self.history_spin = QSpinBox(page)
        self.history_spin.setRange(0, MAX_HISTORY_SIZE)
        self.history_spin.setSpecialValueText(self.tr("Off"))
        self.history_spin.setValue(settings.history_size)
        self.history_spin.setToolTip(
            self.tr("Lists (with their links) brought back after a restart; 0 keeps none")
        )
        form.addRow(self.tr("&Recent lists kept:"), self.history_spin)
        return page

    def _field(self, label: str) -> str:
        """A form label from a shared word: "Layout" → "Layout:"."""
        return self.tr("{label}:").format(label=label)

    def _build_appearance_tab(self, settings: Settings) -> QWidget:
        page = QWidget(self)
        form = QFormLayout(page)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.language_combo = QComboBox(page)
        self.language_combo.addItem(self.tr("Same as the system"), "system")
        for code, name in LANGUAGE_NAMES.items():
            self.language_combo.addItem(name, code)
        self.language_combo.setCurrentIndex(max(0, self.language_combo.findData(settings.language)))
        form.addRow(self.tr("&Language:"), self.language_combo)
        form.addRow(
            "", _muted_label(self.tr("A new language applies when TCB Links restarts."), page)
        )
        self.theme_combo = QComboBox(page)
        self.theme_combo.addItem(self.tr("Same as the system"), "system")
        self.theme_combo.addItem(self.tr("Light"), "light")
        self.theme_combo.addItem(self.tr("Dark"), "dark")
        self.theme_combo.setCurrentIndex(max(0, self.theme_combo.findData(settings.theme)))
        form.addRow(self.tr("&Theme:"), self.theme_combo)
        return page

    # -- profiles --------------------------------------------------------------------

    def drafts(self) -> list[ProfileDraft]:
        self._store_shown()
        return list(self._drafts)

    def _fill_profile_list(self, select: str | None = None) -> None:
        self.profile_list.blockSignals(True)
        self.profile_list.clear()
        for draft in self._drafts:
            item = QListWidgetItem(draft.name or self.tr("(no name)"))
            self.profile_list.addItem(item)
        self.profile_list.blockSignals(False)
        index = next((i for i, d in enumerate(self._drafts) if d.name == select), 0)
        self._shown = None
        self.profile_list.setCurrentRow(index)
        self._profile_selected(index)

    def _fill_in_use(self, current: object = None) -> None:
        """Refill "Profile in use", keeping ``current`` (a name or a draft's id) chosen."""
        combo = self.in_use_combo
        wanted = current if current is not None else combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        for draft in self._drafts:
            combo.addItem(draft.name or self.tr("(no name)"), id(draft))
            if draft.original == wanted or draft.name == wanted or id(draft) == wanted:
                combo.setCurrentIndex(combo.count() - 1)
        combo.blockSignals(False)
        if combo.currentIndex() < 0:
            combo.setCurrentIndex(0)

    def _in_use_draft(self) -> ProfileDraft:
        key = self.in_use_combo.currentData()
        return next((d for d in self._drafts if id(d) == key), self._drafts[0])

    def _store_shown(self) -> None:
        if self._shown is not None:
            self.editor.store(self._shown)

    def _profile_selected(self, row: int) -> None:
        self._store_shown()
        if not 0 <= row < len(self._drafts):
            self._shown = None
            return
        draft = self._drafts[row]
        self._shown = draft
        self.editor.load(draft, name_editable=draft.original != DEFAULT_PROFILE)
        self.editor.set_secret_saved(
            None
            if self._saved_secrets is None
            else (draft.original is not None and draft.original in self._saved_secrets)
        )
        self.remove_button.setEnabled(draft.original != DEFAULT_PROFILE)

    def _name_edited(self, text: str) -> None:
        row = self.profile_list.currentRow()
        if self._shown is None or not 0 <= row < len(self._drafts):
            return
        self._shown.name = text.strip()
        label = self._shown.name or self.tr("(no name)")
        item = self.profile_list.item(row)
        if item is not None:
            item.setText(label)
        index = self.in_use_combo.findData(id(self._shown))
        if index >= 0:
            self.in_use_combo.setItemText(index, label)

    def select_profile(self, name: str) -> None:
        for row, draft in enumerate(self._drafts):
            if draft.name == name:
                self.profile_list.setCurrentRow(row)
                return

    def add_profile(self) -> ProfileDraft:
        self._store_shown()
        names = {d.name for d in self._drafts}
        number = 2
        while f"{NEW_PROFILE_STEM} {number}" in names:
            number += 1
        base = self._shown or self._drafts[0]
        draft = ProfileDraft(
            original=None,
            name=f"{NEW_PROFILE_STEM} {number}",
            base_url=base.base_url,
            max_age=base.max_age,
            concurrency=base.concurrency,
        )
        self._drafts.append(draft)
        in_use = self._in_use_draft()
        self._fill_profile_list(select=draft.name)
        self._fill_in_use(id(in_use))
        self.editor.focus_field("name")
        return draft

    def remove_profile(self) -> None:
        row = self.profile_list.currentRow()
        if not 0 <= row < len(self._drafts):
            return
        draft = self._drafts[row]
        if draft.original == DEFAULT_PROFILE:
            return
        in_use = self._in_use_draft()
        self._shown = None  # do not store the editor into the removed draft
        del self._drafts[row]
        if in_use is draft:
            in_use = self._drafts[0]
        self._fill_profile_list(select=self._drafts[max(0, row - 1)].name)
        self._fill_in_use(id(in_use))

    def set_saved_secrets(self, names: Iterable[str]) -> None:
        """Which saved profiles have an AppSecret in the keyring (read off the UI thread)."""
        self._saved_secrets = set(names)
        if self._shown is not None:
            self.editor.set_secret_saved(
                self._shown.original is not None and self._shown.original in self._saved_secrets
            )

    # -- downloads -------------------------------------------------------------------

    def choose_folder(self) -> QFileDialog:
        dialog = QFileDialog(self, self.tr("Download folder"))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        if self.folder_edit.text().strip():
            dialog.setDirectory(self.folder_edit.text().strip())
        dialog.fileSelected.connect(self.folder_edit.setText)
        dialog.open()
        return dialog

    # -- OK / Cancel -----------------------------------------------------------------

    def change(self) -> SettingsChange | None:
        """What OK produced (None before OK, or after Cancel)."""
        return self._change

    def _show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()

    def accept(self) -> None:
        self._store_shown()
        try:
            change = self._build_change()
        except DraftError as exc:
            self.tabs.setCurrentIndex(0)
            self.profile_list.setCurrentRow(self._drafts.index(exc.draft))
            self._show_error(
                self.tr("Profile “{name}”: {reason}").format(
                    name=exc.draft.name or self.tr("(no name)"), reason=exc.message
                )
            )
            self.editor.focus_field(exc.which)
            return
        except InputError as exc:
            self._show_error(core_text(exc.message))
            return
        self.error.hide()
        self._change = change
        self.editor.secret_edit.clear()  # the secret lives in the change, not the widget
        super().accept()

    def _build_change(self) -> SettingsChange:
        live, opened = self._original, self._opened
        # Added by another writer while the dialog was open: kept, and their names taken.
        added = {n: p for n, p in live.profiles.items() if n not in opened.profiles}
        profiles: dict[str, Profile] = {}
        secrets: dict[str, str] = {}
        renames: dict[str, str] = {}
        kept: set[str] = set()
        for draft in self._drafts:
            other = self._names_taken.get(draft.original or "")
            if other is not None and profile_name_key(draft.name) == profile_name_key(other):
                raise DraftError(
                    draft,
                    "name",
                    self.tr(
                        "Another window or the command line added “{other}”, so this "
                        "profile cannot be saved under this name: rename it (or remove it)."
                    ).format(other=other),
                )
        # A pair of names alike by case already in the file (an older version's, or typed
        # by hand) is kept as it is: an unchanged name is checked only against names new
        # or renamed here, so Settings is not refused until one of the pair is renamed.
        changed: set[str] = set()
        for draft in self._drafts:
            unchanged = draft.original is not None and draft.name == draft.original
            taken = changed if unchanged else set(profiles)
            profile, secret = validate_draft(draft, taken, added_elsewhere=added)
            if not unchanged:
                changed.add(profile.name)
            if draft.original is not None:
                kept.add(draft.original)
                on_live = self._on_live(draft, profile, secret)
                if on_live is None:
                    continue
                profile = on_live
            profiles[profile.name] = profile
            if secret is not None:
                secrets[profile.name] = secret
            if draft.original is not None and draft.original != profile.name:
                renames[draft.original] = profile.name
        profiles.update(added)
        # Only what the user removed here: not a profile the window took in meanwhile.
        removed = tuple(name for name in opened.profiles if name not in kept)
        folder = self.folder_edit.text().strip() or None

        def chosen(name: str, value: object) -> Any:
            """The user's choice if made here, else the window's value now."""
            return value if value != getattr(opened, name) else getattr(live, name)

        settings = dataclasses.replace(
            _copy_settings(live),
            profiles=profiles,
            current_profile=self._in_use_draft().name,
            language=chosen("language", str(self.language_combo.currentData())),
            theme=chosen("theme", str(self.theme_combo.currentData())),
            download_dir=chosen("download_dir", folder),
            download_layout=chosen("download_layout", str(self.layout_combo.currentData())),
            on_exists=chosen("on_exists", str(self.on_exists_combo.currentData())),
            download_concurrency=chosen(
                "download_concurrency", self.download_concurrency_spin.value()
            ),
            history_size=chosen("history_size", self.history_spin.value()),
        )
        return SettingsChange(
            settings=settings,
            base=_copy_settings(live),
            renames=renames,
            removed=removed,
            secrets=secrets,
            language_changed=settings.language != live.language,
        )

    def _on_live(self, draft: ProfileDraft, profile: Profile, secret: str | None) -> Profile | None:
        """A saved profile as OK hands it back: the fields the user changed here on top of
        the profile as the window holds it now (``edited_on_live``). None for one another
        writer removed while the dialog was open and the user left alone here (not
        brought back)."""
        assert draft.original is not None
        was = self._opened.profiles[draft.original]
        now = self._original.profiles.get(draft.original)
        if now is None:
            untouched = profile == was and secret is None
            return None if untouched and draft is not self._in_use_draft() else profile
        return edited_on_live(profile, was, now)


# --- applying a change (the window's side) -----------------------------------------------


async def saved_secret_profiles(store: TokenStore, names: Iterable[str]) -> set[str]:
    """Profiles whose AppSecret is in the keyring (off the loop; unreadable = unknown)."""

    def read() -> set[str]:
        found: set[str] = set()
        for name in names:
            try:
                if store.get_app_secret(name):
                    found.add(name)
            except KeyringUnavailableError:
                continue
        return found

    return await asyncio.to_thread(read)


def _move_secrets(store: TokenStore, renames: dict[str, str], removed: Iterable[str]) -> list[str]:
    """Move renamed profiles' keyring entries, forget removed ones; return the problems."""
    try:
        failures = store.move_profiles(renames, removed)
    except InputError as exc:
        return [core_text(exc.message)]
    return [core_text(exc.message) for exc in failures]


def _save_secrets(store: TokenStore, secrets: dict[str, str]) -> list[str]:
    problems: list[str] = []
    for name, secret in secrets.items():
        try:
            store.set_app_secret(name, secret)
        except (KeyringUnavailableError, InputError) as exc:
            # Without a keyring the store keeps it for this session and says so.
            problems.append(core_text(exc.message))
    return problems


def _identity(profile: Profile) -> tuple[object, ...]:
    return (profile.name, profile.api, profile.base_url, profile.auth, profile.appid)


async def apply_settings_change(
    session: Session,
    change: SettingsChange,
    notifier: Notifier,
    *,
    on_profile_change: Callable[[], object] = lambda: None,
) -> bool:
    """Apply what the dialog produced to the keyring, the settings file and the theme;
    True when the profile in use changed where or how its token comes from (it is then
    selected again: ``on_profile_change`` runs first, to stop a run that used it)."""
    old = session.settings
    before = old.current() if old.current_profile in old.profiles else None
    store = session.store
    # The keyring first: a renamed profile's token is under its new name before the
    # settings name it, and a new AppSecret is there before its profile asks for it. A
    # failure is said in the banner below; the settings apply all the same (as chosen).
    problems = await asyncio.to_thread(_move_secrets, store, change.renames, change.removed)
    problems += await asyncio.to_thread(_save_secrets, store, change.secrets)
    # A save during those awaits (seconds behind an unlock prompt) may have taken in
    # another writer's change: only what OK changed applies, on top of the settings as
    # the window holds them now (the file merge's rule).
    new = merge_settings(old, change.settings, change.base)
    # Update in place: the window and its presenters hold this very object.
    for item in dataclasses.fields(Settings):
        setattr(old, item.name, getattr(new, item.name))
    after = old.current()
    # Link life and concurrency need no new token; anything about where and how the
    # token comes from does, and so does a profile removed (its token forgotten) and
    # made anew under the same name.
    profile_changed = (
        before is None
        or before.name in change.removed
        or _identity(before) != _identity(after)
        or after.name in change.secrets
        or after.name in change.renames.values()
    )
    if profile_changed and not session.in_demo:
        on_profile_change()
        session.select_profile(after.name)
    await session.save_settings()
    apply_theme(old.theme)
    if problems:
        notifier.show_banner("keyring", Tone.WARNING, "\n".join(dict.fromkeys(problems)))
    if change.language_changed:
        notifier.show_banner(
            "language",
            Tone.INFO,
            QCoreApplication.translate(
                "SettingsDialog", "The new language applies the next time TCB Links starts."
            ),
        )
    return profile_changed


def open_settings_dialog(
    parent: QWidget,
    session: Session,
    tasks: TaskKeeper,
    apply: Callable[[SettingsChange], Coroutine[Any, Any, object]],
) -> SettingsDialog:
    """Open Settings over ``parent`` (``open()``, never ``exec()``); OK runs ``apply``."""
    keep = secret_place(session.store)
    dialog = SettingsDialog(
        session.settings,
        parent,
        in_demo=session.in_demo,
        keep=keep,
        names_taken=session.names_taken,
    )
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def accepted() -> None:
        change = dialog.change()
        if change is not None:
            tasks.start(task_names.SETTINGS, apply(change))

    async def fill_secrets() -> None:
        names = list(session.settings.profiles)
        found = await saved_secret_profiles(session.store, names)
        if shiboken6.isValid(dialog) and dialog.isVisible():  # not closed meanwhile
            dialog.set_saved_secrets(found)

    dialog.accepted.connect(accepted)
    dialog.open()
    tasks.start(task_names.SETTINGS_SECRETS, fill_secrets())
    return dialog
