"""Qt widgets, models and delegates. Calls core, never the reverse."""

from tcb_gui.ui import pyside_refcounts

# Before any widget exists: see the module for the PySide6 6.12 / Python 3.11 defect.
pyside_refcounts.apply()
