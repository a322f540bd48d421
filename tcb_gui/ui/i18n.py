"""Translations: English source strings, a ``.qm`` per language when one is shipped.

``tcb_gui/resources/translations/tcb_gui_<locale>.qm`` is loaded for the chosen (or the
system's) language if it exists, with Qt's own ``qtbase`` translation for standard
dialogs. A missing file means English; nothing else has to change to add a language.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "resources" / "translations"
CATALOGUE = "tcb_gui"


def locale_for(language: str) -> QLocale:
    """The locale of a settings ``language`` value: "system", "en" or "zh_CN"."""
    if language == "system":
        return QLocale.system()
    return QLocale(language)


def install_translators(
    app: QCoreApplication, language: str = "system", directory: Path = TRANSLATIONS_DIR
) -> list[QTranslator]:
    """Install the translations that exist for ``language``; return what was installed."""
    locale = locale_for(language)
    QLocale.setDefault(locale)
    installed: list[QTranslator] = []
    ours = QTranslator(app)
    if directory.is_dir() and ours.load(locale, CATALOGUE, "_", str(directory)):
        app.installTranslator(ours)
        installed.append(ours)
    if installed:
        # Qt's own strings (file dialog buttons) only when the app itself is translated,
        # so an English app never shows a half-translated dialog.
        qt = QTranslator(app)
        qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        if qt.load(locale, "qtbase", "_", qt_dir):
            app.installTranslator(qt)
            installed.append(qt)
    return installed
