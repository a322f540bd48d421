"""What, where and how to download: the rows, folder, layout, existing files, files at
once, speed limit.

The dialog says what will download and lets you switch: "The 12 selected rows", "The 4
rows shown" (while a filter is on, and then first unless rows were picked on purpose:
``row_scope.first_scope``) or "All 196 rows that have or can get a link" (``Scope``); rows
the service said cannot be downloaded are left out, and it says how many. Opened with
``open()`` (never ``exec()``); the window reads ``options()`` and ``scope()`` once
``accepted`` fires. The choices start from the settings and ``apply_to`` writes them back,
and ``ChoiceWords`` names them for this dialog and the Settings dialog alike, so the two
always agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QStandardPaths, Qt
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
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from tcb_gui.core.downloads import (
    DEFAULT_DOWNLOAD_CONCURRENCY,
    MAX_DOWNLOAD_CONCURRENCY,
    MIN_DOWNLOAD_CONCURRENCY,
    DownloadOptions,
    Layout,
    OnExists,
)
from tcb_gui.core.errors import InputError
from tcb_gui.core.ratelimit import parse_rate
from tcb_gui.core.settings import Settings
from tcb_gui.ui.core_text import core_text
from tcb_gui.ui.download_cells import plural_format
from tcb_gui.ui.palette import Tone, tone_color
from tcb_gui.ui.row_scope import Scope, first_scope

# Scope lives in row_scope (Export offers the same rows); the download controller takes
# it from here with the rest of the dialog.
__all__ = ["DownloadDialog", "Scope", "ScopeCounts", "choice_words", "default_download_dir"]

# A folder of its own inside the user's Downloads, so a bulk download never mixes with
# whatever else lives there.
DEFAULT_SUBFOLDER = "TCB Links"


@dataclass(frozen=True, slots=True)
class ScopeCounts:
    """How many rows a scope downloads, and how many of its rows are left out (the
    service said their files do not exist, may not be read, or are in an environment the
    account does not have)."""

    files: int
    left_out: int = 0


def choice_words() -> dict[str, str]:
    """The words of the download options, shared by this dialog and Settings."""
    return {
        "folder": QCoreApplication.translate("DownloadChoices", "Download &folder"),
        "layout": QCoreApplication.translate("DownloadChoices", "&Layout"),
        Layout.TREE.value: QCoreApplication.translate(
            "DownloadChoices", "Keep the cloud folders: <folder>/<env>/<path>"
        ),
        Layout.FLAT.value: QCoreApplication.translate(
            "DownloadChoices", "Every file directly in the folder"
        ),
        "exists": QCoreApplication.translate("DownloadChoices", "If a file &exists"),
        OnExists.SKIP.value: QCoreApplication.translate(
            "DownloadChoices", "Skip complete files; save different ones beside them"
        ),
        OnExists.RENAME.value: QCoreApplication.translate(
            "DownloadChoices", "Save under a new name: name (1).ext"
        ),
        OnExists.OVERWRITE.value: QCoreApplication.translate(
            "DownloadChoices", "Overwrite: replace existing files (destructive)"
        ),
        "concurrency": QCoreApplication.translate("DownloadChoices", "Files at &once"),
        "concurrency_tip": QCoreApplication.translate(
            "DownloadChoices", "How many files download side by side ({low}–{high})"
        ),
        "speed": QCoreApplication.translate("DownloadChoices", "Speed"),
    }


def default_download_dir() -> Path:
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DownloadLocation)
    return (Path(base) if base else Path.home()) / DEFAULT_SUBFOLDER


def _coloured_label(parent: QWidget, tone: Tone) -> QLabel:
    label = QLabel(parent)
    label.setWordWrap(True)
    palette = label.palette()
    palette.setColor(label.foregroundRole(), tone_color(tone))
    label.setPalette(palette)
    label.hide()
    return label


class DownloadDialog(QDialog):
    """The download options, and which rows: ``selected`` (None when no row is selected),
    ``shown`` (the rows a filter shows, None without a filter) or ``everything``;
    ``prefer_selected`` (rows picked on purpose) picks the first choice shown."""

    def __init__(
        self,
        settings: Settings,
        *,
        everything: ScopeCounts,
        selected: ScopeCounts | None = None,
        shown: ScopeCounts | None = None,
        prefer_selected: bool = False,
        rate_text: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Download files"))
        self.setMinimumWidth(560)
        self._options: DownloadOptions | None = None
        self._built = False
        self._counts = {Scope.ALL: everything}
        if selected is not None:
            self._counts[Scope.SELECTED] = selected
        if shown is not None:
            self._counts[Scope.SHOWN] = shown
        words = choice_words()
        layout = QVBoxLayout(self)

        what = QLabel(self.tr("Download:"), self)
        layout.addWidget(what)
        self.scope_group = QButtonGroup(self)
        self.selected_radio = QRadioButton(self)
        self.shown_radio = QRadioButton(self)
        self.all_radio = QRadioButton(self)
        self.all_radio.setText(
            plural_format(
                everything.files,
                self.tr("&All 1 row that has or can get a link"),
                self.tr("&All {n} rows that have or can get a link"),
            )
        )
        if selected is not None:
            self.selected_radio.setText(
                plural_format(
                    selected.files,
                    self.tr("The 1 &selected row"),
                    self.tr("The {n} &selected rows"),
                )
            )
        else:
            self.selected_radio.setText(self.tr("The &selected rows (none selected)"))
            self.selected_radio.setEnabled(False)
        self.selected_radio.setEnabled(selected is not None and selected.files > 0)
        self.shown_radio.setText(
            plural_format(
                shown.files if shown is not None else 0,
                self.tr("The 1 row s&hown that has or can get a link"),
                self.tr("The {n} rows s&hown that have or can get a link"),
            )
        )
        self.shown_radio.setVisible(shown is not None)
        self.shown_radio.setEnabled(shown is not None and shown.files > 0)
        choices = QVBoxLayout()
        choices.setContentsMargins(12, 0, 0, 0)
        for radio in (self.selected_radio, self.shown_radio, self.all_radio):
            self.scope_group.addButton(radio)
            choices.addWidget(radio)
        layout.addLayout(choices)
        first = first_scope(
            filtering=shown is not None and shown.files > 0,
            prefer_selected=prefer_selected and selected is not None,
        )
        radios = {
            Scope.SELECTED: self.selected_radio,
            Scope.SHOWN: self.shown_radio,
            Scope.ALL: self.all_radio,
        }
        radios[first].setChecked(True)
        self.left_out = QLabel(self)
        self.left_out.setWordWrap(True)
        self.left_out.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        layout.addWidget(self.left_out)
        self.scope_group.buttonToggled.connect(lambda *_: self._scope_changed())
        self._scope_changed()

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        folder_row = QHBoxLayout()
        self.folder_edit = QLineEdit(settings.download_dir or str(default_download_dir()), self)
        self.folder_edit.setToolTip(self.tr("Files are saved inside this folder"))
        folder_row.addWidget(self.folder_edit, 1)
        self.browse_button = QPushButton(self.tr("Choose…"), self)
        self.browse_button.clicked.connect(self._browse)
        folder_row.addWidget(self.browse_button)
        folder_label = QLabel(words["folder"], self)
        folder_label.setBuddy(self.folder_edit)
        form.addRow(folder_label, folder_row)

        self.layout_combo = QComboBox(self)
        for choice in Layout:
            self.layout_combo.addItem(words[choice.value], choice)
        self.layout_combo.setCurrentIndex(
            max(0, self.layout_combo.findData(Layout(settings.download_layout)))
        )
        form.addRow(words["layout"], self.layout_combo)

        self.exists_combo = QComboBox(self)
        for exists in OnExists:
            self.exists_combo.addItem(words[exists.value], exists)
        self.exists_combo.setCurrentIndex(
            max(0, self.exists_combo.findData(OnExists(settings.on_exists)))
        )
        form.addRow(words["exists"], self.exists_combo)
        self.overwrite_warning = _coloured_label(self, Tone.DANGER)
        self.overwrite_warning.setText(
            self.tr(
                "Existing files with the same names will be replaced, and what they held "
                "is lost. Choose Skip to keep them."
            )
        )
        form.addRow("", self.overwrite_warning)
        self.exists_combo.currentIndexChanged.connect(self._exists_changed)

        self.concurrency_spin = QSpinBox(self)
        self.concurrency_spin.setRange(MIN_DOWNLOAD_CONCURRENCY, MAX_DOWNLOAD_CONCURRENCY)
        self.concurrency_spin.setValue(
            min(MAX_DOWNLOAD_CONCURRENCY, settings.download_concurrency)
            or DEFAULT_DOWNLOAD_CONCURRENCY
        )
        self.concurrency_spin.setToolTip(
            words["concurrency_tip"].format(
                low=MIN_DOWNLOAD_CONCURRENCY, high=MAX_DOWNLOAD_CONCURRENCY
            )
        )
        form.addRow(words["concurrency"], self.concurrency_spin)

        rate_row = QHBoxLayout()
        self.limit_box = QCheckBox(self.tr("Limit the speed to"), self)
        rate_row.addWidget(self.limit_box)
        self.rate_edit = QLineEdit(rate_text, self)
        self.rate_edit.setPlaceholderText("2M")
        self.rate_edit.setMaximumWidth(110)
        self.rate_edit.setToolTip(
            self.tr("Bytes per second over all files, e.g. 500K or 2M (K, M and G are 1024-based)")
        )
        rate_row.addWidget(self.rate_edit)
        rate_row.addWidget(QLabel(self.tr("per second"), self))
        rate_row.addStretch(1)
        self.limit_box.setChecked(bool(rate_text))
        self.rate_edit.setEnabled(bool(rate_text))
        self.limit_box.toggled.connect(self._limit_toggled)
        form.addRow(words["speed"], rate_row)
        layout.addLayout(form)

        note = QLabel(
            self.tr(
                "Partial files end in .part and resume where they stopped, even after the "
                "app was closed."
            ),
            self,
        )
        note.setWordWrap(True)
        note.setEnabled(False)  # muted: a hint, not a control
        layout.addWidget(note)
        self.error = _coloured_label(self, Tone.DANGER)
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._built = True
        self._scope_changed()
        self._exists_changed()

    # --- reading --------------------------------------------------------------------

    def options(self) -> DownloadOptions | None:
        """The accepted options (None until accepted)."""
        return self._options

    def scope(self) -> Scope:
        """Which rows: the selected ones, the ones shown, or all."""
        if self.selected_radio.isChecked():
            return Scope.SELECTED
        return Scope.SHOWN if self.shown_radio.isChecked() else Scope.ALL

    def files(self) -> int:
        """How many files the chosen scope downloads."""
        return self._counts[self.scope()].files

    # Qt hands a StrEnum stored as item data back as a plain str.
    def chosen_layout(self) -> Layout:
        return Layout(self.layout_combo.currentData())

    def chosen_on_exists(self) -> OnExists:
        return OnExists(self.exists_combo.currentData())

    def rate_text(self) -> str:
        return self.rate_edit.text().strip() if self.limit_box.isChecked() else ""

    def apply_to(self, settings: Settings) -> None:
        """Remember the accepted choices as the next download's defaults."""
        options = self._options
        if options is None:
            return
        settings.download_dir = str(options.dest)
        settings.download_layout = options.layout.value
        settings.on_exists = options.on_exists.value
        settings.download_concurrency = options.concurrency

    # --- slots ----------------------------------------------------------------------

    def _scope_changed(self) -> None:
        counts = self._counts.get(self.scope(), ScopeCounts(0))
        if counts.left_out:
            self.left_out.setText(
                plural_format(
                    counts.left_out,
                    self.tr(
                        "1 row is left out: the service said its file does not exist, may "
                        "not be read, or is in an environment this account does not have."
                    ),
                    self.tr(
                        "{n} rows are left out: the service said their files do not exist, "
                        "may not be read, or are in an environment this account does not have."
                    ),
                )
            )
        self.left_out.setVisible(bool(counts.left_out))
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok) if self._built else None
        if ok is not None:
            ok.setText(
                plural_format(
                    counts.files, self.tr("Download 1 file"), self.tr("Download {n} files")
                )
            )
            ok.setEnabled(counts.files > 0)

    def _exists_changed(self) -> None:
        self.overwrite_warning.setVisible(self.chosen_on_exists() is OnExists.OVERWRITE)

    def _limit_toggled(self, on: bool) -> None:
        self.rate_edit.setEnabled(on)
        if on:
            self.rate_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def _browse(self) -> QFileDialog:
        dialog = QFileDialog(self, self.tr("Choose the download folder"))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        current = Path(self.folder_edit.text().strip()).expanduser()
        if current.is_dir():
            dialog.setDirectory(str(current))
        dialog.fileSelected.connect(self.folder_edit.setText)
        dialog.open()
        return dialog

    def _fail(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()

    def accept(self) -> None:
        text = self.folder_edit.text().strip()
        if not text:
            self._fail(self.tr("Choose a folder to save the files in."))
            return
        dest = Path(text).expanduser()
        if not dest.is_absolute():
            self._fail(
                self.tr("Give the folder as a full path, e.g. {example}.").format(
                    example=default_download_dir()
                )
            )
            return
        if dest.exists() and not dest.is_dir():
            self._fail(self.tr("{path} is a file, not a folder.").format(path=dest))
            return
        limit: int | None = None
        if self.limit_box.isChecked():
            try:
                limit = parse_rate(self.rate_edit.text())
            except InputError:
                self._fail(
                    self.tr(
                        "Cannot read the speed limit “{text}”: use bytes per second, "
                        "optionally with K, M or G, e.g. 500K or 2M."
                    ).format(text=self.rate_edit.text().strip())
                )
                return
        try:
            self._options = DownloadOptions(
                dest=dest,
                layout=self.chosen_layout(),
                on_exists=self.chosen_on_exists(),
                concurrency=self.concurrency_spin.value(),
                limit_rate=limit,
            )
        except InputError as exc:
            self._fail(core_text(exc.message))
            return
        self.error.hide()
        super().accept()
