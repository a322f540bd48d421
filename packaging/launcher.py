"""PyInstaller's entry script: the ``tcb-gui`` command, frozen.

It lives outside the package so the analysis path holds only the project root (a script
inside ``tcb_gui/`` would put that folder first on ``sys.path`` in the bundle).
"""

from tcb_gui.cli import run

run()
