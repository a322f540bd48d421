"""The demo service over real loopback HTTP: start/stop, and faults as a client sees them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from tcb_gui.demo import samples
from tcb_gui.demo.samples import PROD, file_bytes
from tcb_gui.demo.server import DemoServer, banner, is_loopback_host
from tcb_gui.demo.service import COMPONENT_PATH, DEMO_TOKEN, QUOTA_PATH, DemoConfig, DemoState
from tests.demo.helpers import batch_body, encode_link

ROOT = Path(__file__).resolve().parents[2]
QUOTA_BODY = {"cgi_path": COMPONENT_PATH}


def _link(client: httpx.Client, key: str) -> str:
    response = client.post(
        COMPONENT_PATH,
        params={"access_token": DEMO_TOKEN},
        json=batch_body(PROD.env, [PROD.fileid(key)]),
    )
    url: str = response.json()["file_list"][0]["download_url"]
    return url


def test_start_stop_leaves_nothing_behind() -> None:
    threads_before = set(threading.enumerate())
    server = DemoServer()
    with pytest.raises(RuntimeError, match="not started"):
        _ = server.base_url
    server.start()
    try:
        assert server.running
        assert server.base_url == f"http://127.0.0.1:{server.port}"
        assert server.port > 0
        with pytest.raises(RuntimeError, match="already started"):
            server.start()
        response = httpx.post(
            f"{server.base_url}{QUOTA_PATH}", params={"access_token": DEMO_TOKEN}, json=QUOTA_BODY
        )
        assert response.json()["errcode"] == 0
    finally:
        server.stop()
    server.stop()  # a second stop is harmless
    assert not server.running
    assert set(threading.enumerate()) == threads_before
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{server.port}/", timeout=2)


def test_two_servers_and_a_busy_port() -> None:
    with DemoServer() as first, DemoServer() as second:
        assert first.port != second.port
        assert first.state is not second.state
        with pytest.raises(OSError, match="in use"):
            DemoServer(port=first.port).start()


def test_resolve_and_download_over_loopback(demo_server: DemoServer) -> None:
    keys = ["图片/春节 海报.png", "special/what?.txt", "special/#tag.txt", "../../etc/passwd"]
    with httpx.Client(base_url=demo_server.base_url) as client:
        response = client.post(
            COMPONENT_PATH,
            params={"access_token": DEMO_TOKEN},
            json=batch_body(PROD.env, [PROD.fileid(k) for k in keys]),
        )
        items = {item["fileid"]: item for item in response.json()["file_list"]}
        for key in keys:
            url = items[PROD.fileid(key)]["download_url"]
            assert url.startswith(f"{demo_server.base_url}/download/")
            got = client.get(encode_link(url))
            assert got.status_code == 200, (key, got.text)
            assert got.content == file_bytes(PROD.bucket, key)
    assert demo_server.state.stats.requests["download"] == len(keys)


def test_large_file_ranges_over_loopback(demo_server: DemoServer) -> None:
    key = "gen/size-64M/video.mp4"
    with httpx.Client(base_url=demo_server.base_url) as client:
        url = encode_link(_link(client, key))
        head = client.head(url)
        assert head.headers["content-length"] == str(64 << 20)
        part = client.get(url, headers={"Range": "bytes=50000000-50999999"})
        assert part.status_code == 206
        assert part.content == file_bytes(PROD.bucket, key, 50_000_000, 51_000_000)


def test_drop_resets_the_connection(demo_server: DemoServer) -> None:
    demo_server.state.script_faults("batchdownloadfile", ["drop"])
    demo_server.state.script_faults("quota", ["drop"])
    with httpx.Client(base_url=demo_server.base_url) as client:
        params = {"access_token": DEMO_TOKEN}
        body = batch_body(PROD.env, [PROD.fileid("docs/README.txt")])
        with pytest.raises(httpx.ReadError, match="reset"):
            client.post(COMPONENT_PATH, params=params, json=body)
        with pytest.raises(httpx.ReadError, match="reset"):
            client.post(QUOTA_PATH, params=params, json=QUOTA_BODY)
        assert client.post(COMPONENT_PATH, params=params, json=body).json()["errcode"] == 0


def test_truncated_and_html502_over_loopback(demo_server: DemoServer) -> None:
    demo_server.state.script_faults("quota", ["truncated", "html502"])
    with httpx.Client(base_url=demo_server.base_url) as client:
        params = {"access_token": DEMO_TOKEN}
        truncated = client.post(QUOTA_PATH, params=params, json=QUOTA_BODY)
        assert truncated.status_code == 200
        assert truncated.content.startswith(b'{"errcode":0')
        with pytest.raises(ValueError, match=r"Unterminated|Expecting"):
            truncated.json()
        bad_gateway = client.post(QUOTA_PATH, params=params, json=QUOTA_BODY)
        assert bad_gateway.status_code == 502


def test_slow_answer_times_the_client_out() -> None:
    state = DemoState(DemoConfig(slow_seconds=0.4))
    state.script_faults("quota", ["slow"])
    with DemoServer(state) as server, httpx.Client(base_url=server.base_url) as client:
        params = {"access_token": DEMO_TOKEN}
        with pytest.raises(httpx.ReadTimeout):
            client.post(QUOTA_PATH, params=params, json=QUOTA_BODY, timeout=0.1)
        assert client.post(QUOTA_PATH, params=params, json=QUOTA_BODY).json()["errcode"] == 0


def _stream_into(client: httpx.Client, url: str, received: bytearray) -> None:
    with client.stream("GET", url) as response:
        assert response.status_code == 200
        for chunk in response.iter_raw():
            received += chunk


def test_cut_download_resumes_with_range(demo_server: DemoServer) -> None:
    key = "gen/size-1M/cut.bin"
    whole = file_bytes(PROD.bucket, key)
    with httpx.Client(base_url=demo_server.base_url) as client:
        url = encode_link(_link(client, key))
        demo_server.state.script_faults("download", ["cut"])
        received = bytearray()
        with pytest.raises(httpx.RemoteProtocolError, match="complete message body"):
            _stream_into(client, url, received)
        assert len(received) == len(whole) // 2
        assert bytes(received) == whole[: len(received)]
        rest = client.get(url, headers={"Range": f"bytes={len(received)}-"})
        assert rest.status_code == 206
        assert bytes(received) + rest.content == whole


def test_cut_rate_over_loopback() -> None:
    state = DemoState(DemoConfig(download_cut_rate=1.0))
    with DemoServer(state) as server, httpx.Client(base_url=server.base_url) as client:
        url = encode_link(_link(client, "docs/README.txt"))
        with pytest.raises(httpx.RemoteProtocolError):
            client.get(url)
        assert client.get(url).content == file_bytes(PROD.bucket, "docs/README.txt")


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("LOCALHOST", True),
        ("0.0.0.0", False),
        ("192.168.1.5", False),
        ("example.com", False),
        ("::", False),
    ],
)
def test_is_loopback_host(host: str, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback


def test_warns_before_binding_beyond_loopback() -> None:
    with pytest.warns(UserWarning, match="loopback"):
        DemoServer(host="0.0.0.0")  # never started


def test_banner_names_url_tokens_and_a_sample() -> None:
    text = banner("http://127.0.0.1:9")
    assert "http://127.0.0.1:9" in text
    assert DEMO_TOKEN in text
    sample_line = next(line for line in text.splitlines() if "sample ID" in line)
    assert sample_line.split(": ", 1)[1] in samples.sample_ids()


def _ipv6_loopback_available() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _ipv6_loopback_available(), reason="no IPv6 loopback here")
def test_ipv6_loopback() -> None:
    with DemoServer(host="::1") as server:
        assert server.base_url.startswith("http://[::1]:")
        response = httpx.post(
            f"{server.base_url}{QUOTA_PATH}", params={"access_token": DEMO_TOKEN}, json=QUOTA_BODY
        )
        assert response.json()["errcode"] == 0


def test_serve_in_the_foreground_until_ctrl_c() -> None:
    code = (
        "from tcb_gui.demo.server import serve\n"
        "from tcb_gui.demo.service import DemoConfig\n"
        "serve('127.0.0.1', 0, DemoConfig(latency_ms=1))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env=env,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline()]
        while "Ctrl+C" not in lines[-1] and lines[-1]:
            lines.append(process.stdout.readline())
        base_url = lines[0].rsplit(" ", 1)[-1].strip()
        assert base_url.startswith("http://127.0.0.1:")
        response = httpx.post(
            f"{base_url}{QUOTA_PATH}", params={"access_token": DEMO_TOKEN}, json=QUOTA_BODY
        )
        assert response.json()["quota"]["remain"] == 1_000_000
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert DEMO_TOKEN in "".join(lines)
    assert "Traceback" not in err
