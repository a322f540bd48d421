"""Hand a big list to the engine a slice at a time, so its set-up never stalls the window.

``TcbClient.resolve`` first de-duplicates the IDs and groups them into requests, in one
synchronous step on the event loop: ~30 ms per 100,000 IDs here, and twice that on a
busy machine, the longest stall of a 100,000-row run (``bench/window.py``). Slices of
``RESOLVE_SLICE`` IDs keep each such step to a few milliseconds. Between slices the
requests in flight drain once, about one round trip per slice: ~1 % of a big run.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from tcb_gui.core.client import LinkResult
    from tcb_gui.core.fileids import FileId

RESOLVE_SLICE = 20_000


class Resolver(Protocol):
    """What is used of ``TcbClient``."""

    def resolve(self, ids: Sequence[FileId]) -> AsyncGenerator[list[LinkResult], None]: ...


async def resolve_in_slices(
    client: Resolver, ids: Sequence[FileId], size: int = RESOLVE_SLICE
) -> AsyncGenerator[list[LinkResult], None]:
    """``client.resolve(ids)``, slice by slice: each request's results as they come.

    ``ids`` must be unique (the window's rows are): duplicates are only merged within a
    slice. A token or service error ends the whole run, as it ends ``resolve``.
    """
    for start in range(0, len(ids), size):
        stream = client.resolve(ids[start : start + size])
        async with contextlib.aclosing(stream):
            async for batch in stream:
                yield batch
