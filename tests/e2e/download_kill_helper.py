"""Run the download engine on one file in a process of its own, to be killed mid-transfer.

Used by ``test_downloads_loopback.py``: ``python download_kill_helper.py BASE_URL FILEID
DEST RATE``. Resolves the ID against the demo service at BASE_URL (demo token), then
downloads it into DEST at RATE bytes/s.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from tcb_gui.core.client import TcbClient, make_http_client
from tcb_gui.core.downloads import Downloader, DownloadOptions
from tcb_gui.core.fileids import parse_fileid
from tcb_gui.demo.service import DEMO_TOKEN


async def main(base_url: str, fileid: str, dest: Path, rate: int) -> int:
    async with make_http_client() as http:
        client = TcbClient(http, lambda: DEMO_TOKEN, base_url=base_url)
        links = await client.resolve_all([parse_fileid(fileid)])
        options = DownloadOptions(dest=dest, limit_rate=rate)
        outcomes = await Downloader(http, client.resolve_all, options).run(links)
    return 0 if all(o.ok for o in outcomes) else 1


if __name__ == "__main__":
    base, fid, folder, limit = sys.argv[1:5]
    sys.exit(asyncio.run(main(base, fid, Path(folder), int(limit))))
