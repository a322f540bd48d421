"""A token set from the command line while the window is open (``tcb-gui token set`` in
a terminal, the same keyring): the window's next run sends that token, not the one it
read at start, and the badge asks the service about the new one (TokenPresenter
.prepare_run). Against the demo service over loopback."""

from __future__ import annotations

import pytest

from tcb_gui.core.errors import TokenState
from tcb_gui.core.settings import DEFAULT_PROFILE
from tcb_gui.core.tokens import TokenStore
from tcb_gui.demo.samples import PROD
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DEMO_TOKEN
from tcb_gui.ui.row_status import RowState
from tests.memory_keyring import MemoryKeyring
from tests.ui.conftest import WindowFactory, wait_until

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only

STALE = "stale-token-from-last-month"


async def test_a_run_sends_the_token_set_meanwhile(
    make_window: WindowFactory, memory_keyring: MemoryKeyring
) -> None:
    with DemoServer() as server:
        window = make_window(base_url=server.base_url, store=TokenStore(backend=memory_keyring))
        TokenStore(backend=memory_keyring).set(DEFAULT_PROFILE, STALE)
        await window.tokens.check_token()
        assert window.tokens.badge_info.state is TokenState.INVALID
        # A terminal: `tcb-gui token set` writes the keyring the window reads.
        TokenStore(backend=memory_keyring).set(DEFAULT_PROFILE, DEMO_TOKEN)
        await window.ids.add_text("\n".join(PROD.fileid(f"gen/m/{n}.bin") for n in range(3)))
        await window.resolver.resolve_rows()
        states = {row.state for row in window.model.rows()}
        assert states == {RowState.OK}, states
        await wait_until(lambda: window.tokens.badge_info.state is TokenState.VALID)


async def test_an_unchanged_token_is_not_checked_again_before_a_run(
    make_window: WindowFactory, memory_keyring: MemoryKeyring
) -> None:
    with DemoServer() as server:
        window = make_window(base_url=server.base_url, store=TokenStore(backend=memory_keyring))
        TokenStore(backend=memory_keyring).set(DEFAULT_PROFILE, DEMO_TOKEN)
        await window.tokens.check_token()
        checks = server.state.stats.requests["quota/get"]
        await window.ids.add_text(PROD.fileid("gen/m/one.bin"))
        await window.resolver.resolve_rows()
        assert server.state.stats.requests["quota/get"] == checks
