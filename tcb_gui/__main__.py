"""``python -m tcb_gui``: the same as the ``tcb-gui`` command."""

from tcb_gui.cli import run

run()
