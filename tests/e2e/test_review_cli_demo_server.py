"""``tcb-gui demo-server`` with options it cannot use: a port that is taken, a host that
does not exist, latencies and clock skews that are no numbers. Each is a usage error
(exit 2) that says which, never a traceback reported as a bug."""

from __future__ import annotations

import socket

import pytest

from tcb_gui.cli import UsageError, build_parser, demo_config
from tests.e2e.cli_helpers import run_cli

USAGE = 2


def test_a_port_in_use_is_a_usage_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = run_cli(["demo-server", "--port", str(port)], token=None)
    assert run.code == USAGE
    assert f"cannot run the demo service on 127.0.0.1:{port}: Address already in use" in (
        run.stderr
    )
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--latency-ms", "nan"], "--latency-ms"),
        (["--latency-ms", "inf"], "--latency-ms"),
        (["--clock-skew", "nan"], "--clock-skew"),
        (["--clock-skew", "-inf"], "--clock-skew"),
    ],
)
def test_options_that_are_no_numbers_are_refused(argv: list[str], words: str) -> None:
    # The options as the command reads them; accepted, the service would start and serve.
    with pytest.raises(UsageError, match=words):
        demo_config(build_parser().parse_args(["demo-server", *argv]))
