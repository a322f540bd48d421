"""Which rows an export or a download takes: the selected ones, the ones a filter shows,
or all of them.

Ctrl+Shift+C copies the links of the rows shown; Export and Download offer those rows too
("The 4 rows shown"), first when a filter is on, so filtering to one folder or to Failed
and exporting or downloading takes what the table shows, not the whole list. The rows
shown are the window's ``shown_rows`` (the proxy's, None without a filter), for copy,
export and download alike; ``first_scope`` is the one rule for which choice a dialog
starts on.
"""

from __future__ import annotations

from enum import Enum


class Scope(Enum):
    """Which rows an export or a download takes."""

    SELECTED = "selected"
    SHOWN = "shown"
    ALL = "all"


def first_scope(*, filtering: bool, prefer_selected: bool = False) -> Scope:
    """The choice a dialog starts on: rows picked on purpose (the row menu's, several
    selected), else the rows a filter shows, else all."""
    if prefer_selected:
        return Scope.SELECTED
    return Scope.SHOWN if filtering else Scope.ALL
