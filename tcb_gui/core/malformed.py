"""``MalformedAnswer``: an answer that broke HTTP/1.1 (``core.wire``, ``httpclient``).

An ``httpx.RemoteProtocolError`` of its own, so that callers catch and word it with every
other transport error (``netmessages.describe_transport_error``). In a module of its own:
defining it needs ``httpx``, which a command-line run imports only once something fails
(``core.lazy_httpx``); the code that raises it goes through ``netmessages.malformed``.
"""

from __future__ import annotations

import httpx


class MalformedAnswer(httpx.RemoteProtocolError):
    """The host's answer broke HTTP/1.1; the connection itself was fine."""
