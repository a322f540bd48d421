"""A connection that could not be made says why, in words the window translates: a
closed port is "connection refused", a name not found is "no such host name". Every
such failure used to say "Network error: could not connect" (httpx's ConnectError), a
name not found as a closed port or a network that is down, on the API client's and the
download engine's messages alike (``core.netmessages.describe_transport_error``)."""

from __future__ import annotations

import errno
import socket

import httpx
import pytest

from tcb_gui.core.httpclient import make_http_client, make_run_client
from tcb_gui.core.netmessages import describe_transport_error


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def raised_from(cause: BaseException, *, suppressed: bool = False) -> httpx.ConnectError:
    """An httpx.ConnectError as a transport raises it over ``cause``: chained (httpx,
    httpcore), or raised ``from None`` with the cause kept as its context (core.wire)."""
    try:
        try:
            raise cause
        except OSError as exc:
            if suppressed:
                raise httpx.ConnectError(str(exc)) from None
            raise httpx.ConnectError(str(exc)) from exc
    except httpx.ConnectError as error:
        return error


@pytest.mark.parametrize("make", [make_http_client, make_run_client], ids=["window", "cli"])
async def test_a_closed_port_is_a_refused_connection_on_both_transports(make: object) -> None:
    async with make() as http:  # type: ignore[operator]
        with pytest.raises(httpx.ConnectError) as raised:
            await http.post(f"http://127.0.0.1:{closed_port()}/tcb/batchdownloadfile", json={})
    assert describe_transport_error(raised.value) == "Network error: connection refused"


@pytest.mark.parametrize("suppressed", [False, True], ids=["chained", "from None"])
@pytest.mark.parametrize(
    ("cause", "words"),
    [
        (socket.gaierror(socket.EAI_NONAME, "Name or service not known"), "no such host name"),
        (
            socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution"),
            "no answer from the DNS server in time",
        ),
        (OSError(errno.ENETUNREACH, "Network is unreachable"), "the network is unreachable"),
        (OSError(errno.EHOSTUNREACH, "No route to host"), "no route to the host"),
        (ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"), "connection refused"),
    ],
)
def test_the_systems_reason_is_said_in_our_words(
    cause: OSError, words: str, suppressed: bool
) -> None:
    error = raised_from(cause, suppressed=suppressed)
    assert describe_transport_error(error) == f"Network error: {words}"


def test_a_reason_without_words_of_ours_stays_could_not_connect() -> None:
    error = raised_from(OSError(errno.EACCES, "Permission denied"))
    assert describe_transport_error(error) == "Network error: could not connect"
    assert describe_transport_error(httpx.ConnectError("no cause")) == (
        "Network error: could not connect"
    )
