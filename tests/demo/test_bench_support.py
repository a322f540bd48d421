"""``DemoConfig.download_base_url``: links that point at another server (benchmarks' nginx)."""

from __future__ import annotations

import httpx
import pytest

from tcb_gui.demo import samples
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DEMO_TOKEN, DemoConfig, DemoState
from tests.demo.conftest import BASE_URL
from tests.demo.helpers import link

STATIC_BASE = "http://127.0.0.1:9"  # never contacted: links are only read
KEY = "gen/size-70K/bench file.bin"


@pytest.fixture
def config() -> DemoConfig:
    return DemoConfig(download_base_url=STATIC_BASE)


async def test_links_point_at_the_download_base_url(client: httpx.AsyncClient) -> None:
    url = await link(client, KEY)
    assert url.startswith(f"{STATIC_BASE}/download/{samples.PROD.bucket}/{KEY}?sign=")
    assert "&t=" in url
    assert not url.startswith(BASE_URL)


async def test_the_same_path_is_served_by_the_demo_route(client: httpx.AsyncClient) -> None:
    """A static server laid out as ``/download/<bucket>/<key>`` gets what the demo serves."""
    url = await link(client, KEY)
    path_and_query = url.removeprefix(STATIC_BASE).replace(" ", "%20")
    response = await client.get(path_and_query)
    assert response.status_code == 200
    assert response.content == samples.file_bytes(samples.PROD.bucket, KEY)


@pytest.mark.parametrize(
    "value",
    ["ftp://127.0.0.1", "127.0.0.1:8080", "http://127.0.0.1:8080/", "http://h/x?y=1", ""],
)
def test_bad_download_base_urls_are_refused(value: str) -> None:
    with pytest.raises(ValueError, match="download_base_url"):
        DemoConfig(download_base_url=value)


def test_over_loopback_links_use_the_base_and_the_api_still_answers() -> None:
    state = DemoState(DemoConfig(download_base_url=STATIC_BASE))
    with DemoServer(state) as server:
        service_url = server.base_url
        response = httpx.post(
            f"{service_url}/componenttcb/batchdownloadfile",
            params={"access_token": DEMO_TOKEN},
            json={
                "env": samples.TEST.env,
                "file_list": [{"fileid": samples.TEST.fileid(KEY), "max_age": 60}],
            },
        )
    data = response.json()
    assert data["errcode"] == 0
    (item,) = data["file_list"]
    assert item["status"] == 0
    assert item["download_url"].startswith(f"{STATIC_BASE}/download/{samples.TEST.bucket}/")
    assert service_url not in item["download_url"]


def test_default_links_stay_on_the_service() -> None:
    assert DemoConfig().download_base_url is None
