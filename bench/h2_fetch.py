"""``python -m bench.h2_fetch``: files over HTTP/2 with ``httpx`` and ``h2``, for comparison.

What an HTTP/2 download in this project's Python stack would cost (issue 12 asks whether
HTTP/2 is worth it where the host offers it): one ``httpx.AsyncClient(http2=True)``,
every request a stream on one connection per host, ``--streams`` at once, each body
written as it arrives. Reads curl's config format as the benchmark writes it
(``url = "…"`` / ``output = "…"`` pairs). Not part of the app.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import ssl
import sys
from pathlib import Path

import httpx

_PAIR = re.compile(r'^(url|output) = "((?:[^"\\]|\\.)*)"$')


def read_config(path: Path) -> list[tuple[str, Path]]:
    pairs: list[tuple[str, Path]] = []
    url = None
    for line in path.read_text("utf-8").splitlines():
        match = _PAIR.match(line)
        if match is None:
            continue
        value = re.sub(r"\\(.)", r"\1", match.group(2))
        if match.group(1) == "url":
            url = value
        elif url is not None:
            pairs.append((url, Path(value)))
            url = None
    return pairs


async def fetch_all(pairs: list[tuple[str, Path]], streams: int, cafile: str) -> None:
    context = ssl.create_default_context(cafile=cafile)
    limits = httpx.Limits(max_connections=streams, max_keepalive_connections=streams)
    gate = asyncio.Semaphore(streams)
    async with httpx.AsyncClient(
        http1=False, http2=True, verify=context, limits=limits, trust_env=False, timeout=60.0
    ) as client:

        async def one(url: str, output: Path) -> None:
            async with gate, client.stream("GET", url) as response:
                response.raise_for_status()
                if response.http_version != "HTTP/2":
                    raise RuntimeError(f"{url}: answered over {response.http_version}")
                output.parent.mkdir(parents=True, exist_ok=True)
                with output.open("wb") as file:
                    async for chunk in response.aiter_raw():
                        file.write(chunk)

        await asyncio.gather(*(one(url, output) for url, output in pairs))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.h2_fetch", description=__doc__)
    parser.add_argument("--config", type=Path, required=True, help="curl-style url/output pairs")
    parser.add_argument("--streams", type=int, default=32, help="requests at once")
    parser.add_argument("--cacert", required=True, help="the host's certificate (PEM)")
    args = parser.parse_args(argv)
    pairs = read_config(args.config)
    if not pairs:
        print("h2_fetch: no url/output pairs in the config", file=sys.stderr)
        return 2
    asyncio.run(fetch_all(pairs, args.streams, args.cacert))
    return 0


if __name__ == "__main__":
    sys.exit(main())
