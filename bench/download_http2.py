"""HTTP/2 against HTTP/1.1 (issue 12): would a host that offers HTTP/2 download faster?

The latency case again (``bench/download_latency.py``: 2,000 × 256 KiB, the host 40 ms
away), now over TLS from a host that offers both HTTP/2 and HTTP/1.1 (ALPN): nginx with
a loopback certificate in front of the delaying proxy, which is in front of the nginx
that holds the files. Every contender pays the same TLS and the same 40 ms a request; only
the protocol and the number of connections differ.

Contenders: ours with its defaults (HTTP/1.1, one connection per transfer in flight);
ours at its most; curl over HTTP/1.1 with as many connections and over HTTP/2 with as many
streams on one connection, at each of those two numbers in flight; and ``httpx`` with
``h2`` (``bench/h2_fetch.py``), the cost of HTTP/2 in this project's Python stack. Ours
trusts the certificate through ``SSL_CERT_FILE``, curl through ``--cacert``. Every file is
checked (size and SHA-256).
"""

from __future__ import annotations

import importlib.util
import statistics
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from bench.download_latency import CASE, DELAY_MS, QUICK_CASE, _our_default_concurrency
from bench.downloads import (
    MB,
    Case,
    Ours,
    Runner,
    Tool,
    _curl,
    _curl_config,
    _hash_source,
    _warm_up_memory,
    make_case,
    size_label,
)
from bench.procs import LOOPBACK, ProcessFailed, Service, free_port, process_cpu
from bench.report import Report, Section
from bench.servers import DelayProxy, DemoService, Nginx, ensure_tools
from tcb_gui.core.download_limits import MAX_DOWNLOAD_CONCURRENCY

ROUNDS = 3
QUICK_ROUNDS = 1
# The TLS front's streams per connection: more than any contender asks for.
MAX_STREAMS = 512

# What this case found when it was first run (its before and after, measured by hand on
# this machine with the quick case: 200 files, the same TLS front and 40 ms proxy).
FOUND_HERE = (
    "What this case found (issue 12): the first run over TLS took ours 1.85 s for 200 "
    "files and opened 100 connections for them. A response whose head came in the same "
    "read as enough of its body to fill the connection's buffer left the next read an "
    "empty buffer, which asyncio's TLS layer takes for the end of the stream: the file "
    "failed as cut and was resumed on a new connection (on plain TCP the same read is a "
    "fatal error). One read taking every TLS record that is in makes this common over TLS "
    "from a fast host. Reading now pauses until the body is asked for (core/wire.py, "
    "5a9799c): 0.60 s and 32 connections for the same 200 files."
)

_FRONT_CONF = """\
daemon off;
master_process off;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 2048; }}
http {{
    access_log off;
    client_body_temp_path {work}/client_body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    upstream far {{
        server {upstream};
        keepalive 512;
    }}
    server {{
        listen {host}:{tls_port} ssl http2;
        listen {host}:{plain_port};
        ssl_certificate {cert};
        ssl_certificate_key {key};
        http2_max_concurrent_streams {streams};
        keepalive_requests 100000;
        location / {{
            proxy_pass http://far;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_buffering off;
            proxy_buffer_size 64k;
            proxy_buffers 4 64k;
            proxy_busy_buffers_size 128k;
        }}
    }}
}}
"""


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for the loopback address (openssl): (cert, key)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", f"/CN={LOOPBACK}", "-addext", f"subjectAltName=IP:{LOOPBACK}",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


class TlsFront(Service):
    """nginx offering HTTP/2 and HTTP/1.1 over TLS (ALPN) in front of ``upstream``."""

    def __init__(self, upstream: str, cert: Path, key: Path, work: Path) -> None:
        tls_port, plain_port = free_port(), free_port()
        self.base_url = f"https://{LOOPBACK}:{tls_port}"
        work.mkdir(parents=True, exist_ok=True)
        conf = work / "nginx.conf"
        conf.write_text(
            _FRONT_CONF.format(
                work=work,
                host=LOOPBACK,
                tls_port=tls_port,
                plain_port=plain_port,
                upstream=upstream.removeprefix("http://"),
                cert=cert,
                key=key,
                streams=MAX_STREAMS,
            )
        )
        argv = ["nginx", "-p", str(work), "-e", str(work / "nginx-error.log"), "-c", str(conf)]
        # Ready when its plain twin answers (the readiness check trusts no loopback cert).
        super().__init__(
            "TLS front", argv, f"http://{LOOPBACK}:{plain_port}/", log=work / "nginx.out"
        )


def _h2_fetch(streams: int, cert: Path) -> Tool:
    def argv(case: Case, dest: Path, scratch: Path) -> list[str]:
        config = _curl_config(case, dest, scratch)
        return [sys.executable, "-m", "bench.h2_fetch", "--config", str(config),
                "--streams", str(streams), "--cacert", str(cert)]  # fmt: skip

    return Tool(
        "httpx-h2",
        f"`httpx` + `h2`: HTTP/2, {streams} streams on one connection (`bench/h2_fetch.py`)",
        sys.executable,
        argv,
    )


def make_tools(demo: DemoService, cert: Path, in_flight: int) -> list[Tool]:
    """Each protocol at ours' default number in flight and at ours' most."""
    most = MAX_DOWNLOAD_CONCURRENCY
    trust = ["--cacert", str(cert)]
    tools = [
        Tool("ours", "ours: `tcb-gui download` (its defaults)", "tcb-gui", Ours(demo, None)),
        Tool(
            "ours-most",
            f"ours: `tcb-gui download --concurrency {most}` (its most)",
            "tcb-gui",
            Ours(demo, most),
        ),
    ]
    for flight in (in_flight, most):
        suffix = "" if flight == in_flight else "-most"
        tools += [
            Tool(
                f"curl-h1{suffix}",
                f"`curl --http1.1 --parallel --parallel-max {flight}`",
                "curl",
                _curl(True, flight, ["--http1.1", *trust]),
            ),
            Tool(
                f"curl-h2{suffix}",
                f"`curl --http2 --parallel --parallel-max {flight}`",
                "curl",
                _curl(True, flight, ["--http2", *trust]),
            ),
        ]
    if importlib.util.find_spec("h2") is not None:
        tools.append(_h2_fetch(in_flight, cert))
    return tools


def _shape(key: str, in_flight: int) -> tuple[str, str, int]:
    """A contender's protocol, connections and transfers in flight, for the table."""
    flight = MAX_DOWNLOAD_CONCURRENCY if key.endswith("-most") else in_flight
    if key.startswith("ours") or key.startswith("curl-h1"):
        return "HTTP/1.1", str(flight), flight
    return "HTTP/2", "1", flight


def run(report: Report) -> None:
    section = report.section(f"HTTP/2 or HTTP/1.1, {DELAY_MS:g} ms away, over TLS (issue 12)")
    status = ensure_tools(["nginx", "curl", "openssl"], install=report.install_missing)
    missing = [name for name in ("nginx", "openssl") if status[name] is not None]
    if missing:
        section.failed("the HTTP/2 case", RuntimeError(f"{', '.join(missing)} missing"))
        return
    case = make_case(*(QUICK_CASE if report.quick else CASE))
    rounds = QUICK_ROUNDS if report.quick else ROUNDS
    in_flight = _our_default_concurrency()
    front_cpu: dict[str, list[float]] = {}
    with report.workdir("http2") as work:
        root = work / "www"
        print("  download-http2: writing the files", file=sys.stderr)
        for file in case.files:
            target = root / "download" / file.env.bucket / file.key
            case.digests[file.relative] = _hash_source(file, target)
        _warm_up_memory(work, 2 * case.total)
        cert, key = make_certificate(work)
        with (
            Nginx(root, work / "nginx") as nginx,
            DelayProxy(nginx.base_url, DELAY_MS, work / "proxy.log") as proxy,
            TlsFront(proxy.base_url, cert, key, work / "front") as front,
            DemoService(0, work / "demo.log", download_base_url=front.base_url) as demo,
        ):
            report.alias(demo.base_url, "$DEMO")
            report.alias(str(cert), "$WORK/cert.pem")
            tools = [
                t
                for t in make_tools(demo, cert, in_flight)
                if t.program != "curl" or status["curl"] is None
            ]
            runner = Runner(report, work, demo, tools)
            runner.env["SSL_CERT_FILE"] = str(cert)  # ours, and its link requests
            runner.prepare_links(case)
            for round_no in range(rounds):
                turn = round_no % len(tools)
                for tool in [*tools[turn:], *tools[:turn]]:
                    before = process_cpu(front.pid)
                    runner.measure(case, tool)
                    after = process_cpu(front.pid)
                    if before is not None and after is not None:
                        front_cpu.setdefault(tool.key, []).append(after - before)
            commands = [
                report.shown(t.argv(case, work / f"out-{t.key}", work)).replace(
                    sys.executable, ".venv/bin/python"
                )
                for t in tools
            ]
    if not runner.results:
        raise ProcessFailed("no contender finished: " + "; ".join(runner.errors.values()))
    _write_section(section, runner, tools, case, rounds, commands, in_flight, front_cpu)


def _write_section(
    section: Section,
    runner: Runner,
    tools: Sequence[Tool],
    case: Case,
    rounds: int,
    commands: Sequence[str],
    in_flight: int,
    front_cpu: dict[str, list[float]],
) -> None:
    section.text(
        f"{case.name} ({size_label(case.total)}) as in the latency case above, now over TLS "
        "from a host that offers HTTP/2 and HTTP/1.1 (nginx with a loopback certificate, "
        "`http2` on, chosen by ALPN) in front of the same delaying proxy: every request "
        f"waits {DELAY_MS:g} ms whatever its protocol. Ours trusts the certificate through "
        "`SSL_CERT_FILE`, curl through `--cacert`; links from the demo service point at the "
        "TLS front. Over HTTP/2 curl and `httpx` multiplex every transfer on one connection; "
        f"over HTTP/1.1 each transfer in flight has a connection of its own. {rounds} "
        "round(s), contenders taking turns in a rotating order; every file checked (size and "
        "SHA-256); medians shown."
    )
    section.commands(*commands)
    ours = runner.median(case, "ours")
    rows = []
    for tool in tools:
        protocol, connections, flight = _shape(tool.key, in_flight)
        m = runner.median(case, tool.key)
        floor = case.count / flight * DELAY_MS / 1e3
        if m is None:
            reason = runner.errors.get((case.key, tool.key), "not run")
            rows.append([tool.label, protocol, connections, str(flight), f"{floor:.1f}"]
                        + ["—"] * 6 + [f"not measured: {reason}"])  # fmt: skip
            continue
        walls = runner.walls(case, tool.key)
        spent = front_cpu.get(tool.key)
        rows.append(
            [
                tool.label,
                protocol,
                connections,
                str(flight),
                f"{floor:.1f}",
                f"{m.usage.wall:.2f}",
                f"{min(walls):.2f}–{max(walls):.2f}" if len(walls) > 1 else "—",
                f"{m.throughput(case):,.0f}",
                f"{ours.throughput(case) / m.throughput(case):.2f}×" if ours else "—",
                f"{m.usage.cpu:.2f}",
                f"{m.usage.max_rss / MB:.0f}",
                f"{statistics.median(spent):.2f}" if spent else "—",
            ]
        )
    section.table(
        [
            "contender",
            "protocol",
            "connections",
            "in flight",
            "latency floor s",
            "wall s (median)",
            "wall s (min–max)",
            "MiB/s",
            "ours vs it",
            "CPU s",
            "peak RSS MB",
            "TLS front CPU s",
        ],
        rows,
    )
    section.text(_reading(runner, case, in_flight))
    section.text(FOUND_HERE)


def _reading(runner: Runner, case: Case, in_flight: int) -> str:
    """What the figures say about adopting HTTP/2, in words that follow the figures."""

    def wall(key: str) -> float | None:
        m = runner.median(case, key)
        return m.usage.wall if m is not None else None

    most = MAX_DOWNLOAD_CONCURRENCY
    parts: list[str] = []
    gains: list[float] = []
    for flight, suffix in ((in_flight, ""), (most, "-most")):
        h1, h2 = wall(f"curl-h1{suffix}"), wall(f"curl-h2{suffix}")
        if h1 is None or h2 is None:
            continue
        gains.append(h1 / h2)
        parts.append(
            f"curl with {flight} transfers in flight: {h1:.2f} s over HTTP/1.1 "
            f"({flight} connections), {h2:.2f} s over HTTP/2 (one), "
            f"{h1 / h2:.2f}× the throughput with HTTP/2."
        )
    ours, ours_most = wall("ours"), wall("ours-most")
    h1, h1_most = wall("curl-h1"), wall("curl-h1-most")
    if ours is not None and h1 is not None:
        parts.append(
            f"Ours over HTTP/1.1 took {ours:.2f} s at its default of {in_flight} and "
            + (f"{ours_most:.2f} s at {most}" if ours_most is not None else "no figure at its most")
            + f", against curl's {h1:.2f} s"
            + (f" and {h1_most:.2f} s" if h1_most is not None else "")
            + " (ours' time includes its start-up and asking for its own links)."
        )
    hx = runner.median(case, "httpx-h2")
    if hx is not None:
        parts.append(
            f"HTTP/2 in this project's Python stack (`httpx` + `h2`, {in_flight} streams) took "
            f"{hx.usage.wall:.2f} s and {hx.usage.cpu:.2f} s of CPU: its framing runs in Python."
        )
    if gains:
        best = max(gains)
        parts.append(
            (
                f"At the same number in flight HTTP/2 reached at most {best:.2f}× HTTP/1.1's "
                "throughput here: the protocol does not shorten the wait, so ours stays on "
                "HTTP/1.1 "
                "(over the internet one connection instead of many saves the handshakes, "
                "two to three round trips, once per run and made in parallel)."
            )
            if best < 1.1
            else (
                f"HTTP/2 gains up to {best:.2f}× here at the same number in flight: "
                "worth adopting for hosts that offer it."
            )
        )
    return " ".join(parts) or "> Too few contenders finished to compare the protocols."
