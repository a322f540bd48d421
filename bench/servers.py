"""The servers benchmarks talk to, each in its own process: the demo service and nginx."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from bench.procs import LOOPBACK, Service, free_port, venv_command

# ``tcb-gui demo-server`` has no switch for download_base_url, so links that point at
# nginx need the demo service started through its Python entry point.
_DEMO_WITH_DOWNLOAD_BASE = (
    "import sys\n"
    "from tcb_gui.demo.server import serve\n"
    "from tcb_gui.demo.service import DemoConfig\n"
    "serve(sys.argv[1], int(sys.argv[2]), "
    "DemoConfig(latency_ms=float(sys.argv[3]), download_base_url=sys.argv[4]))\n"
)
# The variables that would send loopback traffic through a proxy (requests honours them).
_PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY")
# apt may take a while on a cold cache; a benchmark must not hang on it forever.
APT_TIMEOUT = 600


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without proxies or a token, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k not in _PROXY_VARIABLES}
    env.pop("TCB_ACCESS_TOKEN", None)
    env["NO_PROXY"] = env["no_proxy"] = "*"
    env.update(extra)
    return env


class DemoService(Service):
    """The demo service (``tcb-gui demo-server``) on a free loopback port."""

    def __init__(
        self, latency_ms: float, log: Path, *, download_base_url: str | None = None
    ) -> None:
        port = free_port()
        self.base_url = f"http://{LOOPBACK}:{port}"
        self.latency_ms = latency_ms
        if download_base_url is None:
            argv = [
                *venv_command("tcb-gui"),
                "demo-server",
                "--port",
                str(port),
                "--latency-ms",
                f"{latency_ms:g}",
            ]
        else:
            argv = [
                sys.executable,
                "-c",
                _DEMO_WITH_DOWNLOAD_BASE,
                LOOPBACK,
                str(port),
                f"{latency_ms:g}",
                download_base_url,
            ]
        # Any answer of the download route (a 403 for an unsigned link) means it is up.
        super().__init__(
            "demo service", argv, f"{self.base_url}/download/", env=clean_env(), log=log
        )


_NGINX_CONF = """\
daemon off;
# One process, running as the invoking user: no worker switching to 'nobody', which could
# not read the benchmark's files; and one process is all a loopback benchmark needs.
master_process off;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 512; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    default_type application/octet-stream;
    client_body_temp_path {work}/client_body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    server {{
        listen {host}:{port};
{tls}        root {root};
        location / {{ }}
{extra}    }}
}}
"""


class Nginx(Service):
    """nginx serving ``root`` as static files on a free loopback port (query ignored).

    ``headers`` maps a URL path to response headers sent with that file only (as COS
    sends ``x-cos-hash-crc64ecma`` with each object). With ``tls`` (certificate, key) it
    serves the same files over TLS as well, as the storage serves its links, and
    ``base_url`` is the https one (the plain port still tells when it is up).
    """

    def __init__(
        self,
        root: Path,
        work: Path,
        *,
        headers: Mapping[str, Mapping[str, str]] | None = None,
        tls: tuple[Path, Path] | None = None,
    ) -> None:
        port = free_port()
        self.base_url = f"http://{LOOPBACK}:{port}"
        ready = f"{self.base_url}/"
        tls_lines = ""
        if tls is not None:
            tls_port = free_port()
            self.base_url = f"https://{LOOPBACK}:{tls_port}"
            tls_lines = (
                f"        listen {LOOPBACK}:{tls_port} ssl;\n"
                f"        ssl_certificate {tls[0]};\n"
                f"        ssl_certificate_key {tls[1]};\n"
                "        keepalive_requests 100000;\n"
            )
        work.mkdir(parents=True, exist_ok=True)
        conf = work / "nginx.conf"
        extra = "".join(
            f"        location = {path} {{\n"
            + "".join(f'            add_header {k} "{v}" always;\n' for k, v in fields.items())
            + "        }\n"
            for path, fields in (headers or {}).items()
        )
        conf.write_text(
            _NGINX_CONF.format(
                work=work, host=LOOPBACK, port=port, tls=tls_lines, root=root, extra=extra
            )
        )
        argv = ["nginx", "-p", str(work), "-e", str(work / "nginx-error.log"), "-c", str(conf)]
        super().__init__("nginx", argv, ready, log=work / "nginx.out")


def ensure_tools(names: list[str], *, install: bool) -> dict[str, str | None]:
    """Which tools are there; with ``install``, try ``apt-get install`` for missing ones.

    Returns name → None when present, or the reason it is missing.
    """
    missing = [n for n in names if shutil.which(n) is None]
    if missing and install and shutil.which("apt-get") and os.geteuid() == 0:
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        with contextlib.suppress(subprocess.TimeoutExpired):
            subprocess.run(
                ["apt-get", "install", "-y", "-q", *missing],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=APT_TIMEOUT,
                check=False,
            )
    status: dict[str, str | None] = {}
    for name in names:
        if shutil.which(name) is not None:
            status[name] = None
        elif install:
            status[name] = "not installed, and apt-get install failed or was not possible"
        else:
            status[name] = "not installed (run without --no-install to try apt-get)"
    return status


class DelayProxy(Service):
    """``bench/delay_proxy.py`` in front of ``upstream``: every request held ``delay_ms``."""

    def __init__(self, upstream: str, delay_ms: float, log: Path) -> None:
        port = free_port()
        self.base_url = f"http://{LOOPBACK}:{port}"
        self.delay_ms = delay_ms
        argv = [
            sys.executable,
            "-m",
            "bench.delay_proxy",
            "--port",
            str(port),
            "--upstream",
            upstream,
            "--delay-ms",
            f"{delay_ms:g}",
        ]
        project_root = Path(__file__).resolve().parent.parent
        super().__init__(
            "delay proxy", argv, f"{self.base_url}/", env=clean_env(), cwd=project_root, log=log
        )
