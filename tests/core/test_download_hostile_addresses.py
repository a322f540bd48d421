"""A link or redirect to an address no request can go to (a host name IDNA refuses, a
port over 65535) fails that one file with words, never the run: the other files of the
list are saved."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tcb_gui.core.client import RetryPolicy
from tcb_gui.core.downloads import Downloader, DownloadOptions
from tests.core.test_download_hostile_resume import RawHost, whole

QUICK_RETRY = RetryPolicy(max_tries=2, base_delay=0.01, max_delay=0.02)
DATA = b"the good file's bytes"


@pytest.mark.parametrize("location", ["http://xn--/x", "http://127.0.0.1:99999/x"])
async def test_a_redirect_to_an_address_no_request_can_go_to_fails_that_file_alone(
    http: httpx.AsyncClient, tmp_path: Path, location: str
) -> None:
    def answer(n: int, head: str) -> bytes:
        if head.startswith("GET /bad.bin"):
            return (
                f"HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n".encode()
            )
        return whole(DATA)

    async with RawHost(answer) as host:
        options = DownloadOptions(dest=tmp_path, retry=QUICK_RETRY, concurrency=1)
        downloader = Downloader(http, host.refresh, options, progress_interval=0.02)
        bad, good = await downloader.run([host.link("bad.bin"), host.link("good.bin")])

    assert not bad.ok
    assert bad.errmsg == "The server redirected to an invalid address"
    assert good.ok, good.errmsg
    assert good.path is not None
    assert good.path.read_bytes() == DATA
