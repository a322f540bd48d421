"""The window's small dialogs: set a token, paste IDs, edit a profile.

All are opened with ``open()`` and report through ``accepted``; none is ``exec()``-ed
(a nested event loop inside a coroutine re-enters asyncio).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tcb_gui.core.credentials import AuthMode, SecretPlace
from tcb_gui.core.errors import InputError
from tcb_gui.core.settings import Profile
from tcb_gui.core.tokens import clean_app_secret, clean_token
from tcb_gui.ui.core_text import core_text
from tcb_gui.ui.formatting import plural
from tcb_gui.ui.palette import Tone, tone_color
from tcb_gui.ui.settings_dialog import DraftError, ProfileDraft, ProfileEditor, validate_draft

# Live counting in the paste dialog re-parses the text; past this size it waits for Add.
LIVE_COUNT_MAX_CHARS = 200_000
LIVE_COUNT_DELAY_MS = 250


def _error_label(parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setWordWrap(True)
    palette = label.palette()
    palette.setColor(label.foregroundRole(), tone_color(Tone.DANGER))
    label.setPalette(palette)
    label.hide()
    return label


# Where a token set now is kept (core.credentials.secret_place): the dialog promises only
# that. The old name stays for callers.
KeepsToken = SecretPlace


class SetTokenDialog(QDialog):
    """A masked, paste-friendly secret field. ``token()`` is the trimmed secret.

    ``AuthMode.TOKEN`` asks for an access token; ``AuthMode.APPSECRET`` for the
    AppSecret of a mini program profile (``appid`` names it), checked as one. ``keep``
    says where the secret will be kept (``core.credentials.secret_place`` of the window's
    own store, which knows whether a keyring took a secret; never a fresh probe), and the
    dialog says so (never a keyring that is not there).
    """

    def __init__(
        self,
        profile: str,
        parent: QWidget | None = None,
        *,
        kind: AuthMode = AuthMode.TOKEN,
        appid: str | None = None,
        keep: SecretPlace,
    ) -> None:
        super().__init__(parent)
        self._appsecret = kind is AuthMode.APPSECRET
        self._clean = clean_app_secret if self._appsecret else clean_token
        self.setMinimumWidth(480)
        layout = QVBoxLayout(self)
        if self._appsecret and keep is SecretPlace.KEYRING:
            self.setWindowTitle(self.tr("Set AppSecret"))
            text = self.tr(
                "Paste the AppSecret of mini program {appid} for profile “{profile}” (WeChat "
                "MP console, 开发管理 → 开发设置). It is kept in the system keyring, never "
                "in a file; the app gets its access tokens with it."
            ).format(appid=appid or "", profile=profile)
        elif self._appsecret:
            self.setWindowTitle(self.tr("Set AppSecret"))
            text = self.tr(
                "Paste the AppSecret of mini program {appid} for profile “{profile}” (WeChat "
                "MP console, 开发管理 → 开发设置). No keyring answers on this computer, so "
                "it is kept for this session only (never in a file): paste it again after a "
                "restart, or set TCB_APP_SECRET. The app gets its access tokens with it."
            ).format(appid=appid or "", profile=profile)
        elif keep is SecretPlace.DEMO:
            self.setWindowTitle(self.tr("Set token"))
            text = self.tr(
                "Paste the access token for the demo service. It is kept for this session "
                "only, never in the keyring or a file."
            )
        elif keep is SecretPlace.SESSION:
            self.setWindowTitle(self.tr("Set token"))
            text = self.tr(
                "Paste the access token for profile “{profile}”. No keyring answers on this "
                "computer, so it is kept for this session only (never in a file): paste it "
                "again after a restart, or set TCB_ACCESS_TOKEN."
            ).format(profile=profile)
        else:
            self.setWindowTitle(self.tr("Set token"))
            text = self.tr(
                "Paste the access token for profile “{profile}”. It is kept in the system "
                "keyring, never in a file."
            ).format(profile=profile)
        intro = QLabel(text, self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        row = QHBoxLayout()
        self.edit = QLineEdit(self)
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit.setAccessibleName(self.tr("AppSecret") if self._appsecret else self.tr("Token"))
        intro.setBuddy(self.edit)
        self.edit.setPlaceholderText(
            self.tr("32 letters a–f and digits")
            if self._appsecret
            else self.tr("component_access_token or access_token")
        )
        self.edit.setClearButtonEnabled(True)
        # Not remembered by input methods or offered for autocompletion.
        self.edit.setInputMethodHints(
            Qt.InputMethodHint.ImhHiddenText
            | Qt.InputMethodHint.ImhSensitiveData
            | Qt.InputMethodHint.ImhNoPredictiveText
        )
        row.addWidget(self.edit, 1)
        self.paste_button = QPushButton(self.tr("&Paste"), self)
        self.paste_button.setToolTip(self.tr("Paste from the clipboard"))
        self.paste_button.clicked.connect(self._paste)
        row.addWidget(self.paste_button)
        layout.addLayout(row)
        self.show_box = QCheckBox(
            self.tr("&Show AppSecret") if self._appsecret else self.tr("&Show token"), self
        )
        self.show_box.toggled.connect(self._toggle_echo)
        layout.addWidget(self.show_box)
        self.error = _error_label(self)
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._token = ""

    def _toggle_echo(self, show: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if show else QLineEdit.EchoMode.Password
        self.edit.setEchoMode(mode)

    def _paste(self) -> None:
        self.edit.setText(QGuiApplication.clipboard().text().strip())
        self.edit.setFocus()

    def token(self) -> str:
        return self._token

    def accept(self) -> None:
        try:
            self._token = self._clean(self.edit.text())
        except InputError as exc:
            self.error.setText(core_text(exc.message))
            self.error.show()
            return
        self.edit.clear()  # do not keep the secret in the widget longer than needed
        super().accept()


class AddIdsDialog(QDialog):
    """Paste or type text with IDs; the count updates as you type."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Add IDs"))
        self.resize(640, 420)
        layout = QVBoxLayout(self)
        hint = QLabel(
            self.tr(
                "Paste text with cloud:// file IDs: one per line, a CSV or JSON export, or a "
                "log. Duplicates and lines without an ID are skipped."
            ),
            self,
        )
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.edit = QPlainTextEdit(self)
        self.edit.setPlaceholderText("cloud://prod-4gkv.7072-prod-4gkv-1314114854/images/a.png")
        self.edit.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        layout.addWidget(self.edit, 1)
        self.count_label = QLabel(self)
        layout.addWidget(self.count_label)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(self.tr("Add"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._count_timer = QTimer(self)
        self._count_timer.setObjectName("add-ids-count")
        self._count_timer.setSingleShot(True)
        self._count_timer.setInterval(LIVE_COUNT_DELAY_MS)
        self._count_timer.timeout.connect(self._update_count)
        self.edit.textChanged.connect(self._count_timer.start)
        self._update_count()

    def text(self) -> str:
        return self.edit.toPlainText()

    def _update_count(self) -> None:
        from tcb_gui.core.fileids import find_ids

        text = self.text()
        if not text.strip():
            self.count_label.setText(self.tr("No IDs yet"))
            return
        if len(text) > LIVE_COUNT_MAX_CHARS:
            self.count_label.setText(self.tr("Large text: IDs are counted when you press Add"))
            return
        scan = find_ids(text)
        self.count_label.setText(
            plural(len(scan.ids), self.tr("1 ID found"), self.tr("{n} IDs found"))
            if scan.ids
            else self.tr("No cloud:// IDs found yet")
        )


class ProfileDialog(QDialog):
    """One profile: name, how it gets its token (a pasted token, or an AppID with its
    AppSecret), API mode, base URL, link life and concurrency. The fields are the
    Settings dialog's ``ProfileEditor``; ``profile()`` and ``app_secret()`` after Save."""

    def __init__(
        self,
        profile: Profile | None,
        existing: list[str],
        parent: QWidget | None = None,
        *,
        keep: SecretPlace,
    ) -> None:
        super().__init__(parent)
        editing = profile is not None
        self.setWindowTitle(self.tr("Edit profile") if editing else self.tr("New profile"))
        self.setMinimumWidth(520)
        self._existing = set(existing)
        self._original = profile
        if profile is not None:
            self._draft = ProfileDraft.of(profile)
        else:
            self._draft = ProfileDraft(original=None, name="")
        layout = QVBoxLayout(self)
        # Where an AppSecret typed here (or a token set later) is kept, in its words.
        self.editor = ProfileEditor(self, keep=keep)
        # The name is the keyring entries' user name: renaming is done in Settings.
        self.editor.load(self._draft, name_editable=not editing)
        layout.addWidget(self.editor)
        # The fields tests and callers reach directly.
        self.name_edit = self.editor.name_edit
        self.api_combo = self.editor.api_combo
        self.url_edit = self.editor.url_edit
        self.max_age_spin = self.editor.max_age_spin
        self.concurrency_spin = self.editor.concurrency_spin
        self.error = _error_label(self)
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._profile: Profile | None = None
        self._secret: str | None = None

    def profile(self) -> Profile | None:
        return self._profile

    def opened(self) -> Profile | None:
        """The profile as the dialog opened on it (None for a new one): Save applies only
        what the user changed from it, on top of the profile as the window holds it then
        (``settings_dialog.edited_on_live``, as Settings OK does)."""
        return self._original

    def app_secret(self) -> str | None:
        """An AppSecret typed here (to go to the keyring), or None to keep the saved one."""
        return self._secret

    def set_secret_saved(self, saved: bool | None) -> None:
        self.editor.set_secret_saved(saved)

    def accept(self) -> None:
        self.editor.store(self._draft)
        taken = set() if self._original is not None else self._existing
        try:
            profile, secret = validate_draft(self._draft, taken)
        except DraftError as exc:
            self.error.setText(exc.message)
            self.error.show()
            self.editor.focus_field(exc.which)
            return
        self._profile = profile
        self._secret = secret
        self.editor.secret_edit.clear()  # not kept in the widget
        super().accept()
