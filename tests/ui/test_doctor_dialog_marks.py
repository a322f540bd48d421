"""The window's "Check connection…" marks each line as ``tcb-gui doctor`` does, from
core's level of the check: ✗ only for what stops a resolve, ! for a warning (a clock 10
minutes off still lets a resolve work), in the warning's colour rather than the failure's."""

from __future__ import annotations

import asyncio

import pytest
from PySide6.QtCore import Qt

from tcb_gui.core.client import ApiMode
from tcb_gui.core.doctor import CheckName, DoctorSetup
from tcb_gui.demo.service import DEMO_TOKEN
from tests.e2e.cli_helpers import run_cli, serve
from tests.ui.test_requests_view import run_dialog

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only


async def test_a_warning_is_marked_as_the_command_line_marks_it(qtbot) -> None:
    with serve(clock_skew_s=600) as server:
        setup = DoctorSetup(
            server.base_url, ApiMode.COMPONENT, "default", token=DEMO_TOKEN, token_source="x"
        )
        dialog = await run_dialog(qtbot, setup)
        command_line = await asyncio.to_thread(run_cli, ["doctor", "--base-url", server.base_url])
    rows = [dialog.list.item(i) for i in range(dialog.list.count())]
    clock = rows[list(CheckName).index(CheckName.CLOCK)]
    assert clock.text().startswith("! Clock: this computer's clock is ")
    assert "\n    → Set the clock automatically (NTP)" in clock.text()
    assert not any(row.text().startswith("✗") for row in rows)
    assert dialog.ready
    assert dialog.summary.text() == "Ready to resolve. 1 warning above."

    # The warning's colour, not the failure's; a line that works keeps the text's own.
    token = rows[list(CheckName).index(CheckName.TOKEN)]
    assert token.text().startswith("✓ Token: ")
    assert token.data(Qt.ItemDataRole.ForegroundRole) is None
    warned = clock.data(Qt.ItemDataRole.ForegroundRole).color()
    assert (warned.red(), warned.green(), warned.blue()) == (190, 120, 0)

    # The same marks as the command line's, line for line.
    assert command_line.code == 0, command_line.stdout
    printed = command_line.stdout.splitlines()[1:]
    marks = [line.split(" ", 1)[0] for line in printed if line[:1] in "✓✗!–"]
    assert [row.text().split(" ", 1)[0] for row in rows] == marks
