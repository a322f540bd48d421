"""The window's small dialogs: set a token, paste IDs, edit a profile.

All are opened with ``open()`` and report through ``accepted``; none is ``exec()``-ed
(a nested event loop inside a coroutine re-enters asyncio).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from tcb_gui.core.client import MAX_CONCURRENCY, ApiMode
from tcb_gui.core.errors import InputError
from tcb_gui.core.settings import Profile
from tcb_gui.core.tokens import clean_token
from tcb_gui.ui.duration_spin import DurationSpinBox
from tcb_gui.ui.formatting import plural
from tcb_gui.ui.palette import Tone, tone_color

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


class SetTokenDialog(QDialog):
    """A masked, paste-friendly token field. ``token()`` is the trimmed token."""

    def __init__(self, profile: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Set token"))
        self.setMinimumWidth(480)
        layout = QVBoxLayout(self)
        intro = QLabel(
            self.tr(
                "Paste the access token for profile “{profile}”. It is kept in the system "
                "keyring, never in a file."
            ).format(profile=profile),
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        row = QHBoxLayout()
        self.edit = QLineEdit(self)
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit.setPlaceholderText(self.tr("component_access_token or access_token"))
        self.edit.setClearButtonEnabled(True)
        # Not remembered by input methods or offered for autocompletion.
        self.edit.setInputMethodHints(
            Qt.InputMethodHint.ImhHiddenText
            | Qt.InputMethodHint.ImhSensitiveData
            | Qt.InputMethodHint.ImhNoPredictiveText
        )
        row.addWidget(self.edit, 1)
        self.paste_button = QPushButton(self.tr("Paste"), self)
        self.paste_button.setToolTip(self.tr("Paste the token from the clipboard"))
        self.paste_button.clicked.connect(self._paste)
        row.addWidget(self.paste_button)
        layout.addLayout(row)
        self.show_box = QCheckBox(self.tr("Show token"), self)
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
            self._token = clean_token(self.edit.text())
        except InputError as exc:
            self.error.setText(exc.message)
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
    """Name, API mode, base URL and default link life of a profile."""

    def __init__(
        self, profile: Profile | None, existing: list[str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        editing = profile is not None
        self.setWindowTitle(self.tr("Edit profile") if editing else self.tr("New profile"))
        self.setMinimumWidth(460)
        base = profile or Profile()
        self._existing = set(existing)
        self._original = profile
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.name_edit = QLineEdit(base.name if editing else "", self)
        self.name_edit.setReadOnly(editing)  # the name is the keyring entry's user name
        self.name_edit.setPlaceholderText(self.tr("e.g. production"))
        form.addRow(self.tr("Name"), self.name_edit)
        self.api_combo = QComboBox(self)
        self.api_combo.addItem(self.tr("Third-party platform (componenttcb)"), ApiMode.COMPONENT)
        self.api_combo.addItem(self.tr("Mini program (tcb)"), ApiMode.TCB)
        self.api_combo.setCurrentIndex(0 if base.api is ApiMode.COMPONENT else 1)
        form.addRow(self.tr("API"), self.api_combo)
        self.url_edit = QLineEdit(base.base_url, self)
        form.addRow(self.tr("Base URL"), self.url_edit)
        self.max_age_spin = DurationSpinBox(self)
        self.max_age_spin.setValue(base.max_age)
        form.addRow(self.tr("Link life (max age)"), self.max_age_spin)
        self.concurrency_spin = QSpinBox(self)
        self.concurrency_spin.setRange(1, MAX_CONCURRENCY)
        self.concurrency_spin.setValue(base.concurrency)
        form.addRow(self.tr("Requests at once"), self.concurrency_spin)
        layout.addLayout(form)
        self.error = _error_label(self)
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._profile: Profile | None = None

    def profile(self) -> Profile | None:
        return self._profile

    def accept(self) -> None:
        name = self.name_edit.text().strip()
        if self._original is None and name in self._existing:
            self.error.setText(self.tr("A profile named “{name}” exists.").format(name=name))
            self.error.show()
            return
        try:
            self._profile = Profile(
                name=name,
                api=self.api_combo.currentData(),
                base_url=self.url_edit.text().strip(),
                max_age=self.max_age_spin.value(),
                concurrency=self.concurrency_spin.value(),
                token_saved_at=self._original.token_saved_at if self._original else None,
            )
        except InputError as exc:
            self.error.setText(exc.message)
            self.error.show()
            return
        super().accept()
