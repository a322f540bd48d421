"""``ui.qt_workarounds``: what it changes in PySide6 gives the answers PySide6 gave.

``fast_feature_scan`` replaces how PySide6 tells whether a newly imported module uses it
(its ``__feature__`` switch reads every module's source): the quicker way must say the
same of every module, ours and the standard library's, with a source file or without.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from tcb_gui.ui import qt_workarounds
from tests.probe import run_probe


def _pyside_way(module: ModuleType) -> bool:
    """PySide6's own test (shibokensupport/feature.py ``_mod_uses_pyside``)."""
    try:
        source = inspect.getsource(module)
    except (TypeError, OSError, SyntaxError):
        return False
    return "PySide6" in source


@pytest.fixture
def feature() -> Iterator[ModuleType]:
    module = sys.modules.get("PySide6.support.feature")
    if module is None or not hasattr(module, "_mod_uses_pyside"):
        pytest.skip("this PySide6 has no __feature__ scan")
    before = module._mod_uses_pyside
    try:
        yield module
    finally:
        module._mod_uses_pyside = before


def test_the_fast_scan_answers_as_pyside_does_for_every_loaded_module(
    feature: ModuleType,
) -> None:
    import tcb_gui.ui.main_window  # noqa: F401 — modules that do use PySide6

    qt_workarounds.fast_feature_scan()  # (already, if tcb_gui.app was imported)
    fast = feature._mod_uses_pyside
    assert getattr(fast, "_tcb_fast", False)
    assert not qt_workarounds.fast_feature_scan()  # once: not wrapped twice
    assert feature._mod_uses_pyside is fast
    modules = [m for m in list(sys.modules.values()) if isinstance(m, ModuleType)]
    answers = {m.__name__: (fast(m), _pyside_way(m)) for m in modules}
    differ = {name: got for name, got in answers.items() if got[0] != got[1]}
    assert differ == {}
    # Both kinds were asked: ours with PySide6, ours without, built-ins without a file.
    assert answers["tcb_gui.ui.main_window"] == (True, True)
    assert answers["tcb_gui.core.errors"] == (False, False)
    assert answers["sys"] == (False, False)


def test_a_module_whose_file_is_gone_is_left_to_pyside(feature: ModuleType, tmp_path: Path) -> None:
    qt_workarounds.fast_feature_scan()
    gone = ModuleType("gone_module")
    gone.__file__ = str(tmp_path / "gone_module.py")  # never written
    assert feature._mod_uses_pyside(gone) is False


_PROBE = """
import sys
import tcb_gui.app
feature = sys.modules["PySide6.support.feature"]
print(getattr(feature._mod_uses_pyside, "_tcb_fast", False))
"""


def test_the_app_installs_it_before_the_window_modules_are_imported() -> None:
    assert run_probe(_PROBE).strip() == "True"
