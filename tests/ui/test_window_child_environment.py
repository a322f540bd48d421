"""The window keeps the environment's secrets from the programs it starts (Open's
browser, Show in folder's file manager, and whatever those start inherit its
environment): ``app.run`` moves ``TCB_ACCESS_TOKEN`` and ``TCB_APP_SECRET`` out of the
process environment into memory, where the token is still found "from the environment"."""

from __future__ import annotations

import subprocess

import pytest
from PySide6.QtWidgets import QApplication

from tcb_gui.core.connection import explicit_token
from tcb_gui.core.tokens import APP_SECRET_ENV, TOKEN_ENV, TokenSource, TokenStore
from tcb_gui.ui.main_window import MainWindow
from tcb_gui.ui.theme import theme_manager

TOKEN = "env-token-kept-from-children-7f3a9c"
SECRET = "env-appsecret-kept-from-children-51d2"


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_programs_the_window_starts_never_get_the_environments_secrets(monkeypatch, qapp) -> None:
    from tcb_gui import app as app_module

    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    monkeypatch.setenv(APP_SECRET_ENV, SECRET)
    seen: dict[str, object] = {}

    def first_paint(window: MainWindow, timeout_ms: int = 0) -> bool:
        # What a program started now (a browser, a file manager) gets as its environment.
        seen["child"] = subprocess.run(["env"], capture_output=True, text=True).stdout
        seen["info"] = TokenStore().current("default")
        seen["explicit"] = explicit_token()
        raise SystemExit(7)  # stop here: the rest of run() is not this test's

    monkeypatch.setattr(app_module, "wait_for_first_paint", first_paint)
    monkeypatch.setattr("tcb_gui.ui.single_instance.hand_over", lambda files, **_: False)
    monkeypatch.setattr("tcb_gui.ui.single_instance.claim", lambda name=None: None)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    name, quits = app.applicationName(), app.quitOnLastWindowClosed()
    display, desktop = app.applicationDisplayName(), app.desktopFileName()
    try:
        with pytest.raises(SystemExit):
            app_module.run()
    finally:
        theme_manager().install_style()
        app.setApplicationName(name)
        app.setApplicationDisplayName(display)
        app.setDesktopFileName(desktop)
        app.setQuitOnLastWindowClosed(quits)
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, MainWindow):
                widget.close()
                widget.deleteLater()
    child = seen["child"]
    assert isinstance(child, str)
    assert "PATH=" in child
    assert TOKEN not in child
    assert SECRET not in child
    assert TOKEN_ENV not in child
    assert APP_SECRET_ENV not in child
    info = seen["info"]
    assert getattr(info, "source", None) is TokenSource.ENVIRONMENT
    assert seen["explicit"] == TOKEN
