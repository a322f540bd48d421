"""Fixtures of the demo-service tests: the app in-process, with a clock tests can move."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tcb_gui.demo.service import DemoConfig, DemoState, create_app

# A fixed "now" so link expiries are exact; tests move it with clock.advance().
START_TIME = 1_700_000_000.0
# The base URL the in-process client uses; download links must come back on it.
BASE_URL = "http://127.0.0.1:8421"


class Clock:
    def __init__(self, now: float = START_TIME) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def config() -> DemoConfig:
    """Override in a test module (or parametrize indirectly) for other switches."""
    return DemoConfig()


@pytest.fixture
def state(config: DemoConfig, clock: Clock) -> DemoState:
    return DemoState(config, now=clock)


@pytest.fixture
async def client(state: DemoState) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(state))
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        yield client
