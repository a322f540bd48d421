"""A storage host on a free loopback port for the download engine's tests: it starts and
stops with ``async with``, makes signed-looking links to itself, and gives fresh ones when
the engine asks. Each test file's host says how it answers (``_serve``)."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Self

from tcb_gui.core.client import LinkResult
from tcb_gui.core.fileids import FileId, parse_fileid


class LoopbackHost:
    def __init__(self, context: ssl.SSLContext | None = None) -> None:
        self.context = context  # TLS when given
        self.port = 0
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.context)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    def fileid_of(self, key: str) -> FileId:
        return parse_fileid(f"cloud://env-a.b-1/{key}")

    def link(self, key: str, scheme: str = "http") -> LinkResult:
        expires = datetime.now(UTC) + timedelta(hours=2)
        url = f"{scheme}://127.0.0.1:{self.port}/{key}?sign=s&t={int(expires.timestamp())}"
        return LinkResult(self.fileid_of(key), True, 0, "ok", url, expires)

    async def refresh(self, ids: Sequence[FileId]) -> list[LinkResult]:
        return [self.link(f.key) for f in ids]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raise NotImplementedError


# The bytes the n-th request (from 1, its head given) is answered with; the connection
# closes after them.
Answer = Callable[[int, str], bytes]


class ScriptedHost(LoopbackHost):
    """Answers each request with the exact bytes ``answer(n, request head)`` gives, then
    closes the connection; ``requests`` keeps every head it was sent."""

    def __init__(self, answer: Answer) -> None:
        super().__init__()
        self.answer = answer
        self.requests: list[str] = []

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            self.requests.append(head)
            writer.write(self.answer(len(self.requests), head))
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
