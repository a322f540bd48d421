"""Where and how to download: folder, layout, existing files, files at once, speed limit.

Opened with ``open()`` (never ``exec()``); the window reads ``options()`` once ``accepted``
fires. The choices start from the settings and ``apply_to`` writes them back, so this
dialog and the Settings dialog always agree.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt
from PySide6.QtWidgets import (
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

# A folder of its own inside the user's Downloads, so a bulk download never mixes with
# whatever else lives there.
DEFAULT_SUBFOLDER = "TCB Links"


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
    """The download options. ``files`` is how many rows will be downloaded."""

    def __init__(
        self,
        settings: Settings,
        *,
        files: int,
        selected: bool,
        excluded: int = 0,
        rate_text: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Download files"))
        self.setMinimumWidth(560)
        self._options: DownloadOptions | None = None
        layout = QVBoxLayout(self)

        if selected:
            what = plural_format(
                files,
                self.tr("Download the selected file."),
                self.tr("Download the {n} selected files."),
            )
        else:
            what = plural_format(
                files,
                self.tr("Download 1 file (every row that has or can get a link)."),
                self.tr("Download {n} files (every row that has or can get a link)."),
            )
        if excluded:
            left_out = plural_format(
                excluded,
                self.tr("1 row is left out: the service said its file cannot be had."),
                self.tr("{n} rows are left out: the service said their files cannot be had."),
            )
            # One template for the two sentences: languages join sentences differently.
            what = self.tr("{files} {left_out}").format(files=what, left_out=left_out)
        self.intro = QLabel(what, self)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        folder_row = QHBoxLayout()
        self.folder_edit = QLineEdit(settings.download_dir or str(default_download_dir()), self)
        self.folder_edit.setToolTip(self.tr("Files are saved inside this folder"))
        folder_row.addWidget(self.folder_edit, 1)
        self.browse_button = QPushButton(self.tr("Choose…"), self)
        self.browse_button.clicked.connect(self._browse)
        folder_row.addWidget(self.browse_button)
        folder_label = QLabel(self.tr("&Folder"), self)
        folder_label.setBuddy(self.folder_edit)
        form.addRow(folder_label, folder_row)

        self.layout_combo = QComboBox(self)
        self.layout_combo.addItem(
            self.tr("Keep the cloud folders: <folder>/<env>/<path>"), Layout.TREE
        )
        self.layout_combo.addItem(self.tr("Every file directly in the folder"), Layout.FLAT)
        self.layout_combo.setCurrentIndex(
            max(0, self.layout_combo.findData(Layout(settings.download_layout)))
        )
        form.addRow(self.tr("&Layout"), self.layout_combo)

        self.exists_combo = QComboBox(self)
        self.exists_combo.addItem(
            self.tr("Skip complete files; save different ones beside them"), OnExists.SKIP
        )
        self.exists_combo.addItem(self.tr("Save under a new name: name (1).ext"), OnExists.RENAME)
        self.exists_combo.addItem(
            self.tr("Overwrite: replace existing files (destructive)"), OnExists.OVERWRITE
        )
        self.exists_combo.setCurrentIndex(
            max(0, self.exists_combo.findData(OnExists(settings.on_exists)))
        )
        form.addRow(self.tr("If a file &exists"), self.exists_combo)
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
            self.tr("How many files download side by side ({low}–{high})").format(
                low=MIN_DOWNLOAD_CONCURRENCY, high=MAX_DOWNLOAD_CONCURRENCY
            )
        )
        form.addRow(self.tr("Files at &once"), self.concurrency_spin)

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
        form.addRow(self.tr("Speed"), rate_row)
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
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(self.tr("Download"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._exists_changed()

    # --- reading --------------------------------------------------------------------

    def options(self) -> DownloadOptions | None:
        """The accepted options (None until accepted)."""
        return self._options

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
