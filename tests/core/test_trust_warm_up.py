"""Certificate roots read ahead (``core.trust.warm_up``): a resolve or download that will
talk https starts reading them in a thread as it starts, and its run client's first TLS
connection takes that context instead of reading the roots itself, on the event loop."""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tcb_gui import cli
from tcb_gui.core import trust
from tcb_gui.core.httpclient import make_run_client
from tcb_gui.core.trust import DeferredTrustContext, warm_up, warmed

WAIT_S = 10.0


@pytest.fixture(autouse=True)
def nothing_warm(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """certifi's roots (no bundle named by the environment), and no warm context left
    over from another test, before and after."""
    monkeypatch.delenv(trust.CERT_FILE_VARIABLE, raising=False)
    monkeypatch.delenv(trust.CERT_DIR_VARIABLE, raising=False)
    warmed()
    yield
    warmed()


@pytest.fixture
def readers(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the threads that read roots into a context."""
    names: list[str] = []
    load = ssl.SSLContext.load_verify_locations

    def recorded(self: ssl.SSLContext, *args: object, **kwargs: object) -> None:
        names.append(threading.current_thread().name)
        load(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(DeferredTrustContext, "load_verify_locations", recorded)
    return names


def read_by_now(context: DeferredTrustContext) -> bool:
    deadline = time.monotonic() + WAIT_S
    while not context._roots_loaded and time.monotonic() < deadline:
        time.sleep(0.01)
    return context._roots_loaded


def test_a_warm_up_reads_the_roots_in_a_thread_of_its_own(readers: list[str]) -> None:
    warm_up()
    context = warmed()
    assert read_by_now(context)
    assert readers == ["tls-roots"]
    # The first TLS connection finds them read: nothing is read again, on any thread.
    context.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname="example.com")
    assert readers == ["tls-roots"]
    assert ssl.SSLContext.cert_store_stats(context)["x509_ca"] > 0
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname


def test_the_warm_context_is_handed_over_once(readers: list[str]) -> None:
    warm_up()
    warm_up()  # a second call while one is warm starts nothing
    first = warmed()
    assert read_by_now(first)
    second = warmed()
    assert second is not first
    assert not second._roots_loaded  # a new one reads its own at its first connection
    assert readers == ["tls-roots"]


def test_roots_warmed_under_other_trust_settings_are_not_used(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    warm_up()
    bundle = tmp_path / "company.pem"
    bundle.write_text("", encoding="ascii")
    monkeypatch.setenv(trust.CERT_FILE_VARIABLE, str(bundle))
    context = warmed()
    assert not context._roots_loaded  # it will read the bundle now named, not certifi's


async def test_the_run_client_takes_the_warm_context() -> None:
    warm_up()
    expected = trust._warm
    assert expected is not None
    async with make_run_client() as http:
        assert http._transport.ssl_context() is expected[1]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("argv", "warms"),
    [
        (["resolve", "-"], True),  # the service's own address is https
        (["download", "--dest", "out", "-"], True),
        (["resolve", "--base-url", "https://api.example.com", "-"], True),
        (["resolve", "--base-url", "http://127.0.0.1:9", "-"], False),
        (["download", "--base-url", "HTTP://127.0.0.1:9", "--dest", "out", "-"], False),
        (["verify", "out"], False),
        (["doctor"], False),  # it diagnoses the connection as the window makes it
    ],
)
def test_which_commands_warm_up(
    monkeypatch: pytest.MonkeyPatch, argv: list[str], warms: bool
) -> None:
    calls: list[str] = []
    monkeypatch.setattr(trust, "warm_up", lambda: calls.append("warm"))
    cli._warm_trust(cli.build_parser().parse_args(argv))
    assert calls == (["warm"] if warms else [])
