"""A resolve while the service does not answer, as an operator sees it.

With the network down, core keeps trying for up to ``GIVE_UP_AFTER_S`` (two minutes)
before it stops the run. The window showed "Resolving…" on every row and "resolved 0 of
5" all that time, nothing saying that no answer was coming: it looked hung. The status
line now says that the service has not answered, why, for how long, and when the run
will stop.
"""

from __future__ import annotations

import asyncio
import socket

import pytest

from tcb_gui.demo.samples import PROD
from tcb_gui.demo.service import DEMO_TOKEN
from tcb_gui.ui import task_names
from tcb_gui.ui.results_model import RowState
from tests.ui.conftest import WindowFactory, wait_until

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only


def closed_port() -> int:
    """A loopback port nothing listens on (connections are refused at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_the_status_line_says_the_service_is_not_answering(
    make_window: WindowFactory,
) -> None:
    window = make_window(base_url=f"http://127.0.0.1:{closed_port()}")
    await window.tokens.save_token(DEMO_TOKEN)
    await window.ids.add_text("\n".join(PROD.fileid(f"gen/quiet-{n}.bin") for n in range(5)))
    window.resolver.start(None)
    try:
        await wait_until(lambda: "Retrying: no answer for" in window.message_label.text(), 15)
        text = window.message_label.text()
        # The system's reason, in our words: the port is closed (it said "could not
        # connect", as for a name not found or a network that is down).
        assert "Network error: connection refused" in text
        assert "gives up at 2 min" in text
        assert all(r.state is RowState.RESOLVING for r in window.model.rows())
    finally:
        window.tasks.cancel(task_names.RESOLVE)
        task = window.tasks.get(task_names.RESOLVE)
        if task is not None:
            with pytest.raises(asyncio.CancelledError):
                await asyncio.wait_for(task, 10)
    # Once the run is over, the line says what became of it, not the silence.
    await wait_until(lambda: "Cancelled" in window.message_label.text(), 5)
