"""``httpx``, imported at its first use: ``from tcb_gui.core.lazy_httpx import httpx``.

A command-line run (``tcb-gui resolve``, ``download``…) talks to the service and to the
storage over the engine's own connections (``wire.RunClient``): on its way to a good end
it never needs ``httpx``. Importing it anyway, with the ``urllib.request``,
``http.client``, ``email``, ``http.cookiejar`` and ``idna`` it brings, cost ~16 ms of
the time to a download's first request here (121.6 → 105.3 ms without it). The modules
on that path bind ``httpx`` to the stand-in below instead (``import httpx`` for the type
checker only), and use it as the module: ``httpx`` is imported at the first attribute
asked of it, an ``httpx`` error raised or caught, a redirect to follow, the window's
client made. An ``except httpx.ReadError`` clause reads its class only once something
was raised, so a run that goes well imports nothing. Every attribute is asked of the
module itself: what tests patch on it is seen.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class DeferredModule:
    """A module imported at the first attribute asked of it."""

    __slots__ = ("_module", "_name")

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        module = self._module
        if module is None:
            module = self._module = importlib.import_module(self._name)
        return getattr(module, attr)

    def __repr__(self) -> str:
        return f"<{self._name}, imported at its first use>"


httpx = DeferredModule("httpx")
