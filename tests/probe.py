"""A few lines of Python run in a fresh interpreter from the project's root: what a
start imports, how a module loads without something. The probe must exit 0; its
standard output comes back."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run_probe(
    code: str, *args: str, env: Mapping[str, str] | None = None, timeout: float = 60
) -> str:
    """``python -c code args…``: its standard output (it must exit 0, else the test
    fails with what it wrote to standard error)."""
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


# Python that defines ``frozen_records()``: the frozen dataclasses without a
# ``__post_init__`` defined in the ``tcb_gui`` modules loaded so far, as "module.Class"
# (sorted). On Python 3.11 each costs ~0.5 ms to make; docs/ARCHITECTURE.md#start-up.
FROZEN_RECORDS = """
def frozen_records():
    import dataclasses, sys
    found = set()
    for name, module in list(sys.modules.items()):
        if not name.startswith("tcb_gui"):
            continue
        for value in list(vars(module).values()):
            if (
                isinstance(value, type)
                and value.__module__ == name
                and dataclasses.is_dataclass(value)
                and value.__dataclass_params__.frozen
                and "__post_init__" not in vars(value)
            ):
                found.add(f"{name}.{value.__qualname__}")
    return sorted(found)
"""
