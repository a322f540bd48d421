"""What Undo (Ctrl+Z) puts back in the main window: the rows a Remove took, or a cleared
list. A module of its own, imported on the first Remove or Clear: the window's first
frame has nothing to undo (each dataclass costs about half a millisecond to make)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tcb_gui.ui.history import ClearedList
    from tcb_gui.ui.results_model import Row


@dataclass(frozen=True, slots=True)
class UndoStep:
    """What Undo puts back: the rows a Remove took, or a cleared list."""

    removed: list[Row]
    cleared: ClearedList | None = None
