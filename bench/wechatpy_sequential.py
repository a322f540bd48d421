"""Peer (a): what users write with wechatpy — one synchronous call per 50 IDs, in order.

``wechatpy.WeChatClient.cloud.download_files(env, file_list)`` is a single synchronous
request; batching and environments are left to the caller (WECHAT_API §6), so this
script does the obvious thing: group by env, 50 IDs a call, one call after another.

Run: ``TCB_ACCESS_TOKEN=… python -m bench.wechatpy_sequential --base-url URL IDS.txt``.
It writes ``fileid<TAB>download_url`` lines to ``--output`` and prints a JSON summary.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from wechatpy import WeChatClient

# "一次最多 50 个" — the batchdownloadfile docs; what every script hard-codes.
BATCH = 50
MAX_AGE = 7200
# wechatpy wants an appid; the demo service does not look at it.
APPID = "wx0000000000000000"


def env_of(fileid: str) -> str:
    """``cloud://<env>.<bucket>/<key>`` → env, the way a user's script splits it."""
    return fileid.removeprefix("cloud://").split(".", 1)[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ids", help="a text file, one cloud:// ID a line")
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--output", help="write fileid<TAB>download_url lines here")
    args = parser.parse_args(argv)

    ids = [line.strip() for line in Path(args.ids).read_text("utf-8").splitlines()]
    ids = [i for i in ids if i]
    by_env: dict[str, list[str]] = {}
    for fileid in ids:
        by_env.setdefault(env_of(fileid), []).append(fileid)

    client = WeChatClient(APPID, None, access_token=os.environ["TCB_ACCESS_TOKEN"])
    client.cloud.API_BASE_URL = args.base_url.rstrip("/") + "/"
    started = time.perf_counter()
    links: dict[str, str] = {}
    requests = 0
    for env, group in by_env.items():
        for start in range(0, len(group), BATCH):
            file_list = [{"fileid": f, "max_age": MAX_AGE} for f in group[start : start + BATCH]]
            answered = client.cloud.download_files(env, file_list)
            requests += 1
            for item in answered:
                if item.get("status") == 0 and item.get("download_url"):
                    links[item["fileid"]] = item["download_url"]
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
