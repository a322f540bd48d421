"""The suite runs on every core (``make test``: pytest-xdist, ``--dist loadgroup``).

What two workers must not do at once is kept on one worker by a marker: the tests that
start an X server are marked ``xvfb`` (tests/conftest.py puts them in one xdist group),
since two ``xvfb-run -a`` started together can pick the same display number.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import X_SERVER_GROUP

TESTS = Path(__file__).parent
# What starts an X server in a test: xvfb-run, Xvfb itself, or the helper over xvfb-run.
STARTS_X = re.compile(r"run_on_xvfb\(|\"Xvfb\"|\"xvfb-run\"")
HELPERS = {TESTS / "ui" / "xvfb_child.py"}


def _starting_x() -> list[Path]:
    return sorted(
        path
        for path in TESTS.rglob("test_*.py")
        if path not in HELPERS and STARTS_X.search(path.read_text("utf-8"))
    )


def test_the_search_finds_the_modules_that_start_an_x_server() -> None:
    found = {path.name for path in _starting_x()}
    assert {"test_person_under_xvfb.py", "test_real_window.py"} <= found


@pytest.mark.parametrize("path", _starting_x(), ids=lambda p: p.name)
def test_every_module_that_starts_an_x_server_marks_it(path: Path) -> None:
    assert "mark.xvfb" in path.read_text("utf-8"), f"{path.name} starts X without `xvfb`"


def test_a_test_marked_xvfb_goes_to_the_x_server_group(request: pytest.FixtureRequest) -> None:
    from tests.conftest import pytest_collection_modifyitems

    node = request.node
    pytest_collection_modifyitems([node])
    assert node.get_closest_marker("xdist_group") is None  # unmarked: anywhere
    node.add_marker(pytest.mark.xvfb)
    pytest_collection_modifyitems([node])
    group = node.get_closest_marker("xdist_group")
    assert group is not None
    assert group.args == (X_SERVER_GROUP,)
