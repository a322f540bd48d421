"""core/quota: the calls a list needs and the preview line both faces show."""

from __future__ import annotations

import httpx
import pytest

from tcb_gui.core.client import TcbClient
from tcb_gui.core.fileids import FileId, parse_fileid
from tcb_gui.core.quota import (
    PREVIEW_THRESHOLD_CALLS,
    QuotaPreview,
    calls_needed,
    needs_preview,
    preview_quota,
)
from tcb_gui.demo import samples
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DEMO_TOKEN


def ids(env: samples.DemoEnv, count: int, start: int = 0) -> list[FileId]:
    return [parse_fileid(env.fileid(f"gen/q/{n}.txt")) for n in range(start, start + count)]


def test_calls_are_counted_per_environment_without_duplicates() -> None:
    assert calls_needed([]) == 0
    assert calls_needed(ids(samples.PROD, 50)) == 1
    assert calls_needed(ids(samples.PROD, 51)) == 2
    assert calls_needed(ids(samples.PROD, 50) * 3) == 1  # duplicates are asked once
    assert calls_needed(ids(samples.PROD, 10) + ids(samples.TEST, 10)) == 2


def test_the_threshold() -> None:
    assert PREVIEW_THRESHOLD_CALLS == 200
    assert not needs_preview(200)
    assert needs_preview(201)


@pytest.mark.parametrize(
    ("preview", "text", "exceeds"),
    [
        (QuotaPreview(201, 5_000, 10_000), "This run needs 201 calls; 5,000 remain today.", False),
        (
            QuotaPreview(2_001, 2_000, 10_000),
            "This run needs 2,001 calls; 2,000 remain today.",
            True,
        ),
        (
            QuotaPreview(300, None, None, "Could not check the token."),
            "This run needs 300 calls; today's quota is unknown (Could not check the token).",
            False,
        ),
    ],
)
def test_the_preview_line(preview: QuotaPreview, text: str, exceeds: bool) -> None:
    assert preview.text == text
    assert preview.exceeds is exceeds
    assert bool(preview.warning) is exceeds


def test_the_warning_says_where_the_run_would_stop() -> None:
    assert "after about 100,000 IDs" in QuotaPreview(2_001, 2_000).warning


async def test_a_small_list_asks_nothing(demo_server: DemoServer) -> None:
    async with httpx.AsyncClient() as http:
        client = TcbClient(http, DEMO_TOKEN, base_url=demo_server.base_url)
        assert await preview_quota(client, ids(samples.PROD, 10_000)) is None
        preview = await preview_quota(client, ids(samples.PROD, 10_001))
    assert preview == QuotaPreview(201, 1_000_000, 1_000_000)
    assert demo_server.state.stats.requests["quota/get"] == 1
