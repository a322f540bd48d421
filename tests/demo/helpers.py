"""Shared helpers of the demo-service tests: requests as a client would send them."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import httpx

from tcb_gui.demo import samples
from tcb_gui.demo.service import COMPONENT_PATH, DEMO_TOKEN

# What JavaScript's encodeURI leaves alone: unreserved and reserved URI characters.
_ENCODE_URI_SAFE = "-_.!~*'();/?:@&=+$,#"
# A client that must fetch any key encodes every character that has a meaning in a URL
# except '/' and the sub-delimiters the real links carry raw.
_KEY_SAFE = "-_.!~*'()/:@&=+$,;"


def batch_body(env: str, fileids: list[str], max_age: Any = 7200) -> dict[str, Any]:
    return {"env": env, "file_list": [{"fileid": f, "max_age": max_age} for f in fileids]}


async def batch(
    client: httpx.AsyncClient,
    fileids: list[str],
    env: str = samples.PROD.env,
    token: str | None = DEMO_TOKEN,
    path: str = COMPONENT_PATH,
    max_age: Any = 7200,
) -> dict[str, Any]:
    params = {"access_token": token} if token is not None else {}
    response = await client.post(path, params=params, json=batch_body(env, fileids, max_age))
    assert response.status_code == 200
    data: dict[str, Any] = response.json()
    return data


async def link(
    client: httpx.AsyncClient, key: str, env: samples.DemoEnv = samples.PROD, max_age: int = 7200
) -> str:
    data = await batch(client, [env.fileid(key)], env=env.env, max_age=max_age)
    assert data["errcode"] == 0, data
    (item,) = data["file_list"]
    assert item["status"] == 0, item
    url: str = item["download_url"]
    return url


def encode_uri(url: str) -> str:
    """JavaScript ``encodeURI``: spaces and non-ASCII encoded; '?', '#' and '%XX' kept."""
    return quote(url, safe=_ENCODE_URI_SAFE + "%")


def encode_link(url: str) -> str:
    """Encode the key of a raw link so that any key survives, dot segments included."""
    base, _, rest = url.partition("/download/")
    bucket, _, rest = rest.partition("/")
    key, _, query = rest.rpartition("?sign=")
    segments = [
        re.sub(r"\.", "%2E", s) if s in (".", "..") else quote(s, safe=_KEY_SAFE)
        for s in key.split("/")
    ]
    return f"{base}/download/{bucket}/{'/'.join(segments)}?sign={query}"
