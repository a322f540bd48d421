"""Check connection… names the demo profile as the profile list does: "Demo service"
(演示服务 in Chinese), not its internal name "(demo)", which the operator never sees
anywhere else."""

from __future__ import annotations

import pytest

from tcb_gui.core.doctor import CheckName
from tcb_gui.core.settings import DEMO_SESSION_PROFILE
from tcb_gui.demo.server import DemoServer
from tcb_gui.ui.doctor_dialog import DoctorDialog
from tests.ui.conftest import WindowFactory, demo_window, wait_until

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only


async def doctor_in_the_demo(make_window: WindowFactory, server: DemoServer) -> DoctorDialog:
    """Token ▸ Check connection… in a window on the demo, its checks run to the end."""
    window = await demo_window(make_window, server)
    dialog = await window._open_doctor()
    assert isinstance(dialog, DoctorDialog)
    await wait_until(lambda: len(dialog.checks) == len(CheckName) and not dialog.running, 20)
    return dialog


async def test_the_demo_profile_is_named_as_the_profile_list_names_it(
    make_window: WindowFactory, demo_server: DemoServer
) -> None:
    dialog = await doctor_in_the_demo(make_window, demo_server)
    assert dialog.setup.profile == DEMO_SESSION_PROFILE
    heading = dialog.heading.text()
    assert heading.startswith("Checking profile 'Demo service': API mode component")
    assert DEMO_SESSION_PROFILE not in heading
    assert dialog.profile_name("default") == "default"  # a saved profile: its own name
    dialog.close()


async def test_the_demo_profile_is_named_in_chinese(
    zh, make_window: WindowFactory, demo_server: DemoServer
) -> None:
    dialog = await doctor_in_the_demo(make_window, demo_server)
    heading = dialog.heading.text()
    assert heading.startswith("正在检查配置 '演示服务'：")
    assert DEMO_SESSION_PROFILE not in heading
    dialog.close()
