"""Window preferences that live beside the settings: the export folder and format, the
UTF-8 BOM choice, the columns hidden, the details pane.

They are kept in ``core.settings.Settings`` when it has a field of the same name (so
they are saved with the settings file), else for this session only. The window never
writes a file of its own next to the settings.
"""

from __future__ import annotations

from typing import Any

from tcb_gui.core.settings import Settings

# name -> default
DEFAULTS: dict[str, Any] = {
    "export_dir": None,  # str | None: the folder of the last export
    "export_format": "csv",
    "export_bom": False,  # a UTF-8 BOM at the start of CSV/TSV exports (Excel)
    "hidden_columns": (),  # names of optional columns the user hid
    "details_pane": True,
}


class WindowPrefs:
    """Read and remember the window's preferences (module docstring)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._session: dict[str, Any] = {}

    def persistent(self, name: str) -> bool:
        """Whether ``name`` is saved with the settings (core has the field)."""
        return hasattr(self._settings, name)

    def get(self, name: str) -> Any:
        if hasattr(self._settings, name):
            return getattr(self._settings, name)
        return self._session.get(name, DEFAULTS[name])

    def set(self, name: str, value: Any) -> None:
        if hasattr(self._settings, name):
            setattr(self._settings, name, value)
        else:
            self._session[name] = value
