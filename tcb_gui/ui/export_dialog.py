"""Export (Ctrl+E): a file name, a format that matches it, and an Excel-friendly option.

The format follows the extension typed ("links.json" writes JSON whatever was chosen
before) and the extension follows the format chosen, so a file never holds another
format than its name says. The dialog starts in the folder of the last export with a
name made of the list's name and the date ("ids 2026-12-05 0654.csv": a list opened from
``ids.txt`` without its extension, which would sit before the export's own), numbered
("… (1).csv", ``core.paths.unique_path``) when that file exists, so accepting the
suggestion twice in a minute keeps both exports. A file typed over is replaced only once
the operator says so ("… already exists. Replace it?"), as every Save dialog asks.
The rows are all of them, the ones a filter shows (first when a filter is on: what
Ctrl+Shift+C copies) or the selected ones (``row_scope``). "UTF-8 with BOM" (for Excel,
which reads a CSV without one in the system's code page and garbles 中文) and the format
are remembered. The formats are ``core.export.ExportFormat``'s: both faces write the
same bytes.
"""

from __future__ import annotations

import os
import re
from datetime import datetime
from pathlib import Path
from typing import Final

from PySide6.QtCore import QStandardPaths, Qt
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
    QMessageBox,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from tcb_gui.core.export_formats import ExportFormat, format_for
from tcb_gui.core.paths import unique_path
from tcb_gui.ui.download_cells import plural_format
from tcb_gui.ui.row_scope import Scope, first_scope

# Formats a spreadsheet opens: the BOM choice applies to them.
BOM_FORMATS: Final = frozenset({"csv", "tsv"})
# Characters a file name had better not hold on any system.
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')
MAX_STEM = 60
# A file's extension at the end of a list's name, or of one of the names a list of several
# files is named by ("a.txt, b.csv, c.log…"): a letter, then up to 4 letters or digits, so
# "1.5k IDs" or "v1.2" keep their dots.
_FILE_EXTENSION = re.compile(r"\.[^\W\d_][^\W_]{0,4}(?=$|, |…$)")


def list_stem(name: str) -> str:
    """A list's name without the extensions of the files it was opened from: "100k.txt"
    is "100k", "a.txt, b.csv" is "a, b"."""
    return _FILE_EXTENSION.sub("", name)


def safe_stem(name: str) -> str:
    """A list's name made fit for a file name (without its files' extensions)."""
    stem = _UNSAFE_NAME.sub(" ", list_stem(name)).strip(" .")
    return stem[:MAX_STEM].strip() or "tcb-links"


def suggested_name(list_name: str, fmt: ExportFormat, now: datetime | None = None) -> str:
    """ "<list name> <date time><suffix>": the list named, and a new name per export."""
    moment = now or datetime.now()
    return f"{safe_stem(list_name)} {moment:%Y-%m-%d %H%M}{fmt.suffix}"


def with_suffix(path: Path, fmt: ExportFormat) -> Path:
    """``path`` with ``fmt``'s extension instead of another format's (or added)."""
    if format_for(path) is not None:
        return path.with_suffix(fmt.suffix)
    return path.with_name(path.name + fmt.suffix)


def default_export_dir() -> Path:
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(base) if base else Path.home()


class ExportDialog(QDialog):
    """Where to export and as what; ``chosen()`` once accepted."""

    def __init__(
        self,
        *,
        rows: int,
        folder: Path,
        list_name: str,
        fmt: ExportFormat = ExportFormat.CSV,
        bom: bool = False,
        shown: int | None = None,
        selected: int = 0,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Export"))
        self.setMinimumWidth(600)
        self._labels = self.format_labels()
        layout = QVBoxLayout(self)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self._counts = {Scope.ALL: rows, Scope.SELECTED: selected}
        if shown is not None:
            self._counts[Scope.SHOWN] = shown
        layout.addLayout(self._scope_choices(rows, shown, selected))
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.format_combo = QComboBox(self)
        for member in ExportFormat:
            self.format_combo.addItem(self._labels.get(member.value, member.value), member.value)
        self.format_combo.setCurrentIndex(max(0, self.format_combo.findData(fmt.value)))
        form.addRow(self.tr("&Format"), self.format_combo)
        path_row = QHBoxLayout()
        # Never the name of a file already there: the last export, a minute ago, keeps it.
        suggestion = unique_path(folder / suggested_name(list_name, fmt))
        self.path_edit = QLineEdit(str(suggestion), self)
        self.path_edit.setToolTip(
            self.tr("The extension picks the format: .csv, .json, .tsv, .txt …")
        )
        path_row.addWidget(self.path_edit, 1)
        self.browse_button = QPushButton(self.tr("Choose…"), self)
        self.browse_button.clicked.connect(self.browse)
        path_row.addWidget(self.browse_button)
        file_label = QLabel(self.tr("F&ile"), self)
        file_label.setBuddy(self.path_edit)
        form.addRow(file_label, path_row)
        self.bom_box = QCheckBox(self.tr("UTF-8 with &BOM, for Excel"), self)
        self.bom_box.setToolTip(
            self.tr(
                "Excel on Windows reads a CSV without a BOM in the system's code page and "
                "garbles Chinese file names; with it, Excel reads UTF-8."
            )
        )
        self.bom_box.setChecked(bom)
        form.addRow("", self.bom_box)
        layout.addLayout(form)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.note.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        layout.addWidget(self.note)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.format_combo.currentIndexChanged.connect(self._format_chosen)
        self.path_edit.textChanged.connect(self._path_typed)
        self._chosen: tuple[Path, ExportFormat, bool] | None = None
        # The file the system's Save dialog already asked to replace; the question, open.
        self._replace_confirmed: Path | None = None
        self.replace_box: QMessageBox | None = None
        self._replacing: Path | None = None
        self._syncing = False
        self._update_note()

    def _scope_choices(self, rows: int, shown: int | None, selected: int) -> QVBoxLayout:
        """All rows, the rows a filter shows (only while one is on) and the selected rows;
        the rows shown first when a filter is on. Without a filter or a selection there is
        nothing to choose and the choices stay hidden."""
        self.all_radio = QRadioButton(
            plural_format(rows, self.tr("&All 1 row"), self.tr("&All {n} rows")), self
        )
        self.shown_radio = QRadioButton(
            plural_format(
                shown or 0,
                self.tr("The 1 row s&hown (the filter hides the others)"),
                self.tr("The {n} rows s&hown (the filter hides the others)"),
            ),
            self,
        )
        self.selected_radio = QRadioButton(
            plural_format(
                selected, self.tr("The 1 s&elected row"), self.tr("The {n} s&elected rows")
            ),
            self,
        )
        self.scope_group = QButtonGroup(self)
        choices = QVBoxLayout()
        choices.setContentsMargins(12, 0, 0, 0)
        for radio in (self.selected_radio, self.shown_radio, self.all_radio):
            self.scope_group.addButton(radio)
            choices.addWidget(radio)
        self.shown_radio.setVisible(shown is not None)
        self.shown_radio.setEnabled(bool(shown))
        self.selected_radio.setVisible(selected > 0)
        self.all_radio.setVisible(shown is not None or selected > 0)
        first = first_scope(filtering=bool(shown))  # a filter hiding every row: all
        {Scope.SHOWN: self.shown_radio, Scope.ALL: self.all_radio}[first].setChecked(True)
        self.scope_group.buttonToggled.connect(lambda *_: self._scope_changed())
        self._scope_changed()
        return choices

    def format_labels(self) -> dict[str, str]:
        """Each format as the combo names it (formats core adds later show their value)."""
        return {
            "csv": self.tr("CSV, for spreadsheets (.csv)"),
            "json": self.tr("JSON (.json)"),
            "tsv": self.tr("Tab-separated (.tsv)"),
            "urls": self.tr("Ready links only, one per line (.txt)"),
            "aria2": self.tr("aria2 input file: aria2c -i FILE (.aria2)"),
            "curl": self.tr("curl config: curl -K FILE (.curl)"),
        }

    # --- reading --------------------------------------------------------------------

    def fmt(self) -> ExportFormat:
        return ExportFormat(str(self.format_combo.currentData()))

    def path(self) -> Path:
        return Path(self.path_edit.text().strip()).expanduser()

    def chosen(self) -> tuple[Path, ExportFormat, bool] | None:
        """(file, format, BOM) once accepted."""
        return self._chosen

    def scope(self) -> Scope:
        """Which rows: all, the ones shown, or the selected ones."""
        if self.shown_radio.isChecked():
            return Scope.SHOWN
        return Scope.SELECTED if self.selected_radio.isChecked() else Scope.ALL

    def _scope_changed(self) -> None:
        self.intro.setText(
            plural_format(
                self._counts.get(self.scope(), 0),
                self.tr("Export 1 row (its ID, status, link and expiry)."),
                self.tr("Export {n} rows (their IDs, statuses, links and expiry times)."),
            )
        )

    # --- keeping name and format together ------------------------------------------------

    def _format_chosen(self) -> None:
        if self._syncing:
            return
        text = self.path_edit.text().strip()
        if text:
            self._syncing = True
            self.path_edit.setText(str(with_suffix(Path(text), self.fmt())))
            self._syncing = False
        self._update_note()

    def _path_typed(self, text: str) -> None:
        if self._syncing:
            return
        found = format_for(Path(text.strip()))
        if found is not None and found is not self.fmt():
            self._syncing = True
            self.format_combo.setCurrentIndex(self.format_combo.findData(found.value))
            self._syncing = False
        self._update_note()

    def _update_note(self) -> None:
        fmt = self.fmt()
        self.bom_box.setEnabled(fmt.value in BOM_FORMATS)
        notes = []
        if fmt.value in ("urls", "aria2", "curl"):
            notes.append(
                self.tr(
                    "Only rows with a ready link are written. Links stop working when they "
                    "expire; the file notes when."
                )
                if fmt.value != "urls"
                else self.tr(
                    "Only rows with a ready link are written. Links stop working when they "
                    "expire (see Expires in)."
                )
            )
        self.note.setText(" ".join(notes))
        self.note.setVisible(bool(notes))

    def browse(self) -> QFileDialog:
        """Pick the file in the system's dialog; its extension picks the format."""
        dialog = QFileDialog(self, self.tr("Export to"))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        current = self.path()
        filters = {f"{self._labels.get(m.value, m.value)} (*{m.suffix})": m for m in ExportFormat}
        dialog.setNameFilters(list(filters))
        chosen = next((name for name, m in filters.items() if m is self.fmt()), None)
        if chosen is not None:
            dialog.selectNameFilter(chosen)
        dialog.setDefaultSuffix(self.fmt().suffix.lstrip("."))
        if current.parent.is_dir():
            dialog.setDirectory(str(current.parent))
        dialog.selectFile(current.name)
        dialog.filterSelected.connect(
            lambda name: (
                dialog.setDefaultSuffix(filters[name].suffix.lstrip("."))
                if name in filters
                else None
            )
        )
        dialog.fileSelected.connect(self._file_picked)
        dialog.open()
        return dialog

    def _file_picked(self, name: str) -> None:
        # The Save dialog asked before it let an existing file be chosen: not twice.
        self.path_edit.setText(name)
        self._replace_confirmed = self.path()

    def accept(self) -> None:
        path = self.path()
        if not self.path_edit.text().strip():
            return
        if format_for(path) is None and not path.suffix:
            path = with_suffix(path, self.fmt())  # "export2" → "export2.csv"
        if _taken(path) and path != self._replace_confirmed:
            self._ask_replace(path)
            return
        self._finish(path)

    def _finish(self, path: Path) -> None:
        fmt = format_for(path) or self.fmt()
        self._chosen = (path, fmt, self.bom_box.isChecked() and fmt.value in BOM_FORMATS)
        super().accept()

    def _ask_replace(self, path: Path) -> QMessageBox:
        """ "<name> already exists. Replace it?": Replace writes over it, Cancel (the
        default, and Esc) goes back to the dialog with the path as typed."""
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(self.tr("Export"))
        box.setText(self.tr("{name} already exists. Replace it?").format(name=path.name))
        box.addButton(self.tr("&Replace"), QMessageBox.ButtonRole.AcceptRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)
        box.setEscapeButton(cancel)
        box.finished.connect(self._replace_answered)
        self.replace_box, self._replacing = box, path
        box.open()
        return box

    def _replace_answered(self) -> None:
        box, path = self.replace_box, self._replacing
        if box is None or path is None:
            return
        self.replace_box = self._replacing = None
        clicked = box.clickedButton()
        replace = clicked is not None and box.buttonRole(clicked) is box.ButtonRole.AcceptRole
        box.deleteLater()
        if replace:
            self._finish(path)
        else:
            self.path_edit.setFocus(Qt.FocusReason.OtherFocusReason)


def _taken(path: Path) -> bool:
    """Whether a file (or a link, even a broken one) holds the name; a folder there is
    no file to replace: the write says so."""
    return os.path.lexists(path) and not path.is_dir()
