"""Settings: open with Ctrl+,, change everything, OK writes the file; Cancel changes nothing."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QLocale, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit

from tcb_gui.core.client import ApiMode
from tcb_gui.core.settings import Profile, Settings, load_settings, settings_path
from tcb_gui.core.tokens import KEYRING_SERVICE, app_secret_user
from tcb_gui.demo.service import DEMO_TOKEN
from tcb_gui.ui import task_names
from tcb_gui.ui.i18n import install_translators
from tcb_gui.ui.main_window import MainWindow
from tcb_gui.ui.settings_dialog import SettingsDialog
from tests.memory_keyring import MemoryKeyring
from tests.ui.conftest import WindowFactory, wait_until

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only

SECRET = "0123456789abcdef0123456789abcdef"
APPID = "wx0123456789abcdef"


async def apply(window: MainWindow, dialog: SettingsDialog) -> None:
    dialog.accept()
    task = window.tasks.get(task_names.SETTINGS)
    assert task is not None
    await task


def saved_file() -> dict:
    return json.loads(settings_path().read_text(encoding="utf-8"))


async def test_ctrl_comma_opens_settings_and_ok_saves_everything(
    make_window: WindowFactory, demo_server, tmp_path: Path, qtbot
) -> None:
    window = make_window(base_url=demo_server.base_url)
    window.activateWindow()
    await wait_until(window.isActiveWindow, 5)  # shortcuts need an active window
    qtbot.keyClick(window.view, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    dialogs = [w for w in window.findChildren(SettingsDialog) if w.isVisible()]
    assert len(dialogs) == 1
    dialog = dialogs[0]
    assert dialog.windowModality() is not Qt.WindowModality.NonModal  # opened with open()
    assert dialog.in_use_combo.currentText() == "default"

    # A second profile, made the one in use.
    dialog.add_profile()
    editor = dialog.editor
    editor.name_edit.setText("staging")
    editor.name_edit.textEdited.emit("staging")
    editor.api_combo.setCurrentIndex(editor.api_combo.findData(ApiMode.TCB))
    editor.url_edit.setText(demo_server.base_url + "/")
    editor.max_age_spin.setValue(3600)
    editor.concurrency_spin.setValue(9)
    dialog.in_use_combo.setCurrentIndex(dialog.in_use_combo.findText("staging"))
    # Downloads and history.
    dialog.folder_edit.setText(str(tmp_path))
    dialog.layout_combo.setCurrentIndex(dialog.layout_combo.findData("flat"))
    dialog.on_exists_combo.setCurrentIndex(dialog.on_exists_combo.findData("rename"))
    dialog.download_concurrency_spin.setValue(7)
    dialog.history_spin.setValue(5)
    # Appearance.
    dialog.language_combo.setCurrentIndex(dialog.language_combo.findData("zh_CN"))
    dialog.theme_combo.setCurrentIndex(dialog.theme_combo.findData("dark"))
    await apply(window, dialog)

    data = saved_file()
    assert data["current_profile"] == "staging"
    staging = data["profiles"]["staging"]
    assert staging["api"] == "tcb"
    assert staging["base_url"] == demo_server.base_url  # the trailing slash is dropped
    assert (staging["max_age"], staging["concurrency"]) == (3600, 9)
    assert data["profiles"]["default"]["base_url"] == demo_server.base_url
    assert data["download_dir"] == str(tmp_path)
    assert (data["download_layout"], data["on_exists"]) == ("flat", "rename")
    assert (data["download_concurrency"], data["history_size"]) == (7, 5)
    assert (data["language"], data["theme"]) == ("zh_CN", "dark")
    # The window follows at once: profile, theme, history size; the language on restart.
    assert window.session.profile.name == "staging"
    assert window.token_panel.profile_combo.currentData() == "staging"
    assert window.max_age_spin.value() == 3600
    assert QApplication.palette().color(QPalette.ColorRole.Window).lightness() < 100
    assert window.history.store.keep == 5
    banner = window.banners.banner("language")
    assert banner is not None
    assert "restarts" in banner.text or "starts" in banner.text
    assert load_settings() == window.session.settings


async def test_cancel_changes_nothing(make_window: WindowFactory) -> None:
    window = make_window()
    before = Settings(**{f: getattr(window.session.settings, f) for f in Settings.__slots__})
    before.profiles = dict(before.profiles)
    dialog = window.tokens.show_settings_dialog()
    dialog.add_profile()
    dialog.editor.url_edit.setText("https://elsewhere.example")
    dialog.theme_combo.setCurrentIndex(dialog.theme_combo.findData("dark"))
    dialog.history_spin.setValue(0)
    dialog.reject()
    assert not dialog.isVisible()
    assert dialog.change() is None
    assert window.tasks.get(task_names.SETTINGS) is None
    assert not settings_path().exists()
    assert window.session.settings == before
    assert QApplication.palette().color(QPalette.ColorRole.Window).lightness() > 128


async def test_an_insecure_base_url_is_refused_in_place(make_window: WindowFactory) -> None:
    window = make_window()
    dialog = window.tokens.show_settings_dialog()
    dialog.add_profile()
    dialog.editor.url_edit.setText("http://api.example.com")
    dialog.tabs.setCurrentIndex(2)  # the error brings the Profiles tab back
    dialog.accept()
    assert dialog.isVisible()
    assert dialog.tabs.currentIndex() == 0
    assert dialog.error.isVisible()
    assert "https://" in dialog.error.text()
    assert "profile 2" in dialog.error.text()
    assert dialog.editor.url_edit.hasFocus() or QApplication.focusWidget() is None
    assert dialog.change() is None
    assert not settings_path().exists()
    # Fixed, it goes through.
    dialog.editor.url_edit.setText("https://api.example.com")
    await apply(window, dialog)
    assert saved_file()["profiles"]["profile 2"]["base_url"] == "https://api.example.com"


async def test_duplicate_and_invalid_names_are_refused(make_window: WindowFactory) -> None:
    window = make_window()
    dialog = window.tokens.show_settings_dialog()
    dialog.add_profile()
    dialog.editor.name_edit.setText("default")
    dialog.accept()
    assert dialog.isVisible()
    assert "exists" in dialog.error.text()
    dialog.editor.name_edit.setText("  ")
    dialog.accept()
    assert dialog.isVisible()
    assert dialog.editor.name_edit.isReadOnly() is False
    dialog.reject()


async def test_the_default_profile_cannot_be_renamed_or_removed(
    make_window: WindowFactory,
) -> None:
    window = make_window()
    dialog = window.tokens.show_settings_dialog()
    assert dialog.editor.name_edit.isReadOnly()
    assert not dialog.remove_button.isEnabled()
    dialog.reject()


async def test_rename_moves_the_token_and_remove_forgets_it(
    make_window: WindowFactory, memory_keyring: MemoryKeyring
) -> None:
    window = make_window()
    settings = window.session.settings
    settings.put_profile(Profile(name="old"))
    settings.put_profile(Profile(name="gone"))
    memory_keyring.store[(KEYRING_SERVICE, "old")] = DEMO_TOKEN
    memory_keyring.store[(KEYRING_SERVICE, "gone")] = "another-token"
    memory_keyring.store[(KEYRING_SERVICE, app_secret_user("gone"))] = SECRET
    dialog = window.tokens.show_settings_dialog()
    dialog.select_profile("old")
    dialog.editor.name_edit.setText("new name")
    dialog.select_profile("gone")
    dialog.remove_profile()
    change_names = [d.name for d in dialog.drafts()]
    assert change_names == ["default", "new name"]
    await apply(window, dialog)
    assert memory_keyring.store == {(KEYRING_SERVICE, "new name"): DEMO_TOKEN}
    assert sorted(saved_file()["profiles"]) == ["default", "new name"]


async def test_an_appsecret_profile_keeps_the_secret_in_the_keyring_only(
    make_window: WindowFactory, memory_keyring: MemoryKeyring
) -> None:
    window = make_window()
    dialog = window.tokens.show_settings_dialog()
    dialog.add_profile()
    editor = dialog.editor
    editor.name_edit.setText("mini")
    assert not editor.appid_edit.isEnabled()
    editor.appsecret_radio.setChecked(True)
    assert editor.appid_edit.isEnabled()
    assert not editor.api_combo.isEnabled()  # the stable token is a tcb token
    assert editor.api_combo.currentData() == ApiMode.TCB
    assert editor.secret_edit.echoMode() is QLineEdit.EchoMode.Password
    editor.appid_edit.setText(APPID)
    editor.secret_edit.setText("not a secret")
    dialog.accept()
    assert dialog.isVisible()
    assert "AppSecret" in dialog.error.text()
    assert "not a secret" not in dialog.error.text()
    editor.secret_edit.setText(f"  {SECRET} ")
    assert SECRET not in repr(dialog.drafts())
    await apply(window, dialog)
    assert memory_keyring.store[(KEYRING_SERVICE, app_secret_user("mini"))] == SECRET
    text = settings_path().read_text(encoding="utf-8")
    assert SECRET not in text
    mini = saved_file()["profiles"]["mini"]
    assert (mini["auth"], mini["appid"], mini["api"]) == ("appsecret", APPID, "tcb")
    # The dialog is gone, or at least the secret is not kept in the widget.
    assert not shiboken6.isValid(editor.secret_edit) or editor.secret_edit.text() == ""


async def test_a_bad_appid_is_refused(make_window: WindowFactory) -> None:
    window = make_window()
    dialog = window.tokens.show_settings_dialog()
    dialog.editor.appsecret_radio.setChecked(True)
    dialog.editor.appid_edit.setText("wx123")
    dialog.accept()
    assert dialog.isVisible()
    assert "AppID" in dialog.error.text()
    dialog.reject()


async def test_the_dialog_says_whether_a_secret_is_saved(
    make_window: WindowFactory, memory_keyring: MemoryKeyring
) -> None:
    window = make_window()
    window.session.settings.put_profile(Profile(name="mini").with_appsecret(APPID))
    memory_keyring.store[(KEYRING_SERVICE, app_secret_user("mini"))] = SECRET
    dialog = window.tokens.show_settings_dialog()
    dialog.select_profile("mini")
    await wait_until(lambda: "saved in the keyring" in dialog.editor.secret_status.text(), 5)
    assert dialog.editor.appsecret_radio.isChecked()
    dialog.select_profile("default")
    assert "Paste the token itself" in dialog.editor.secret_status.text()
    dialog.reject()


async def test_the_folder_button_opens_a_folder_picker(
    make_window: WindowFactory, tmp_path
) -> None:
    window = make_window()
    dialog = window.tokens.show_settings_dialog()
    dialog.tabs.setCurrentIndex(1)
    picker = dialog.choose_folder()
    assert isinstance(picker, QFileDialog)
    assert picker.fileMode() is QFileDialog.FileMode.Directory
    picker.fileSelected.emit(str(tmp_path))
    assert dialog.folder_edit.text() == str(tmp_path)
    picker.reject()
    dialog.reject()


async def test_history_off_and_downloads_default(make_window: WindowFactory) -> None:
    window = make_window()
    dialog = window.tokens.show_settings_dialog()
    assert dialog.folder_edit.placeholderText()  # "Ask when downloading"
    dialog.history_spin.setValue(0)
    assert dialog.history_spin.text() == "Off"
    await apply(window, dialog)
    assert saved_file()["history_size"] == 0
    assert saved_file()["download_dir"] is None
    assert window.history.store.keep == 0


LRELEASE = shutil.which("pyside6-lrelease", path=str(Path(sys.executable).parent))


@pytest.fixture
def translations(tmp_path: Path) -> Path:
    """A folder with a tiny zh_CN translation, compiled as the build does."""
    if LRELEASE is None:
        pytest.skip("pyside6-lrelease is not installed")
    source = tmp_path / "tcb_gui_zh_CN.ts"
    source.write_text(TS_SAMPLE, encoding="utf-8")
    subprocess.run([LRELEASE, str(source)], check=True, capture_output=True)
    assert (tmp_path / "tcb_gui_zh_CN.qm").exists()
    return tmp_path


async def test_a_translation_that_appears_is_used_at_the_next_start(
    make_window: WindowFactory, translations: Path, qapp
) -> None:
    """Switching to 简体中文 applies at the next start, with whatever .qm exists then."""
    window = make_window()
    dialog = window.tokens.show_settings_dialog()
    dialog.tabs.setCurrentIndex(2)
    dialog.language_combo.setCurrentIndex(dialog.language_combo.findText("简体中文"))
    await apply(window, dialog)
    assert load_settings().language == "zh_CN"
    assert window.windowTitle() == "TCB Links"  # this session stays in one language

    locale = QLocale()
    installed = install_translators(qapp, load_settings().language, translations)  # as run()
    try:
        assert installed
        fresh = SettingsDialog(load_settings())
        assert fresh.windowTitle() == "设置"
        fresh.deleteLater()
    finally:
        for translator in installed:
            QApplication.removeTranslator(translator)
        QLocale.setDefault(locale)


TS_SAMPLE = """<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
</context>
</TS>
"""
