"""Peer (b): one link request per file, 20 in parallel — what the CloudBase CLI does.

``tcb storage download`` runs 20 tasks at once and asks for each file's link on its own
(no 50-batching), retrying once (WECHAT_API §6). This is that strategy as a small asyncio
httpx script: 20 workers, one ``batchdownloadfile`` call with one ID each.

Run: ``TCB_ACCESS_TOKEN=… python -m bench.per_file_parallel --base-url URL IDS.txt``.
It writes ``fileid<TAB>download_url`` lines to ``--output`` and prints a JSON summary.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path

import httpx

# The CloudBase CLI's parallelism for storage downloads.
PARALLEL = 20
# The CLI tries a failed file once more.
TRIES = 2
MAX_AGE = 7200
PATH = "/tcb/batchdownloadfile"


def env_of(fileid: str) -> str:
    return fileid.removeprefix("cloud://").split(".", 1)[0]


async def resolve(base_url: str, token: str, ids: list[str]) -> tuple[dict[str, str], int]:
    links: dict[str, str] = {}
    requests = 0
    queue: asyncio.Queue[str] = asyncio.Queue()
    for fileid in ids:
        queue.put_nowait(fileid)
    limits = httpx.Limits(max_connections=PARALLEL, max_keepalive_connections=PARALLEL)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as http:

        async def worker() -> None:
            nonlocal requests
            while not queue.empty():
                fileid = queue.get_nowait()
                body = {
                    "env": env_of(fileid),
                    "file_list": [{"fileid": fileid, "max_age": MAX_AGE}],
                }
                for _ in range(TRIES):
                    requests += 1
                    try:
                        response = await http.post(PATH, params={"access_token": token}, json=body)
                        item = response.json()["file_list"][0]
                    except (httpx.HTTPError, ValueError, KeyError, IndexError):
                        continue
                    if item.get("status") == 0 and item.get("download_url"):
                        links[fileid] = item["download_url"]
                    break

        await asyncio.gather(*(worker() for _ in range(PARALLEL)))
    return links, requests


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ids", help="a text file, one cloud:// ID a line")
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--output", help="write fileid<TAB>download_url lines here")
    args = parser.parse_args(argv)

    ids = [line.strip() for line in Path(args.ids).read_text("utf-8").splitlines()]
    ids = [i for i in ids if i]
    started = time.perf_counter()
    links, requests = asyncio.run(
        resolve(args.base_url.rstrip("/"), os.environ["TCB_ACCESS_TOKEN"], ids)
    )
    seconds = time.perf_counter() - started
    if args.output:
        with open(args.output, "w", encoding="utf-8") as out:
            out.writelines(f"{f}\t{links[f]}\n" for f in ids if f in links)
    summary = {"ids": len(ids), "ok": len(links), "requests": requests, "seconds": seconds}
    json.dump(summary, sys.stdout)
    sys.stdout.write("\n")
    return 0 if len(links) == len(ids) else 1


if __name__ == "__main__":
    sys.exit(main())
