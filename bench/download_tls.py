"""Downloads over TLS, as the storage serves its links (issue 12).

The download table of ``bench/downloads.py`` is measured over plain HTTP, where nothing
but the copies stands between the socket and the disk. The links ``batchdownloadfile``
hands out are https, so every real download also decrypts what it receives. The same
kind of case here over TLS: nginx serving the files itself with a loopback certificate
(no proxy, no added latency), ours, aria2c and curl each 4 files at a time into a fresh
folder, every file checked (size and SHA-256). Ours trusts the certificate through
``SSL_CERT_FILE``, aria2c through ``--ca-certificate``, curl through ``--cacert``.

No targets of its own: issue 12 sets them on the plain-HTTP table. This one shows what
changes once bytes must be decrypted, and who pays how much CPU for it.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from bench.download_http2 import make_certificate
from bench.downloads import (
    MB,
    MIB,
    OUR_CONCURRENCY,
    Case,
    Ours,
    Runner,
    Tool,
    _aria2,
    _curl,
    _hash_source,
    _warm_up_memory,
    make_case,
    size_label,
)
from bench.procs import ProcessFailed
from bench.report import Report, Section
from bench.servers import DemoService, Nginx, ensure_tools

CASES: tuple[tuple[int, int], ...] = ((1 * MIB, 100), (5 * MIB, 40), (100 * MIB, 4))
QUICK_CASES: tuple[tuple[int, int], ...] = ((1 * MIB, 20), (5 * MIB, 8))
ROUNDS = 7
QUICK_ROUNDS = 1

TEXT = (
    "The files of the plain-HTTP table (three of its sizes), now from nginx over TLS with a "
    "loopback certificate, nothing in between and no added latency: the wire speed a user "
    "sees from a storage host that is close and fast. Ours asks for its own links (the demo "
    "service at 0 ms, its links pointing at the TLS port) and trusts the certificate "
    "through `SSL_CERT_FILE`; aria2c through `--ca-certificate`, curl through `--cacert`; "
    "the others read the links from a file. Each tool downloads 4 files at a time into a "
    "fresh folder; every file it wrote is checked (size and SHA-256) before its time "
    "counts. {rounds} round(s), tools taking turns in a rotating order; medians shown."
)
WHERE = (
    "Where TLS costs ours: asyncio's TLS layer receives the encrypted bytes into a memory "
    "buffer of OpenSSL's and decrypts them, a record of up to 16 KiB at a time, into the "
    "buffer the body is read into, all on the event loop's thread, which also does the "
    "rest of the run's work. curl and aria2c hand OpenSSL or GnuTLS the socket itself, "
    "at least one copy fewer."
)


def make_tools(demo: DemoService, cert: Path) -> list[Tool]:
    n = OUR_CONCURRENCY
    return [
        Tool("ours", f"ours: `tcb-gui download --concurrency {n}`", "tcb-gui", Ours(demo)),
        Tool(
            "aria2c-x1",
            f"`aria2c -j {n} -x 1`",
            "aria2c",
            _aria2(1, options=["--ca-certificate", str(cert)]),
        ),
        Tool(
            "curl-parallel",
            f"`curl --parallel --parallel-max {n}`",
            "curl",
            _curl(True, n, ["--cacert", str(cert)]),
        ),
    ]


def run(report: Report) -> None:
    section = report.section("Downloads over TLS, as links are served (issue 12)")
    status = ensure_tools(["nginx", "openssl", "aria2c", "curl"], install=report.install_missing)
    missing = [name for name in ("nginx", "openssl") if status[name] is not None]
    if missing:
        section.failed("the TLS case", RuntimeError(f"{', '.join(missing)} missing"))
        return
    cases = [make_case(*spec) for spec in (QUICK_CASES if report.quick else CASES)]
    rounds = QUICK_ROUNDS if report.quick else ROUNDS
    with report.workdir("tls") as work:
        root = work / "www"
        print("  download-tls: writing the files", file=sys.stderr)
        for case in cases:
            for file in case.files:
                target = root / "download" / file.env.bucket / file.key
                case.digests[file.relative] = _hash_source(file, target)
        _warm_up_memory(work, 2 * max(case.total for case in cases))
        cert, key = make_certificate(work)
        with (
            Nginx(root, work / "nginx", tls=(cert, key)) as nginx,
            DemoService(0, work / "demo.log", download_base_url=nginx.base_url) as demo,
        ):
            report.alias(demo.base_url, "$DEMO")
            report.alias(str(cert), "$WORK/cert.pem")
            tools = [
                t
                for t in make_tools(demo, cert)
                if t.program == "tcb-gui" or status[t.program] is None
            ]
            runner = Runner(report, work, demo, tools)
            runner.env["SSL_CERT_FILE"] = str(cert)  # ours, and its link requests
            for case in cases:
                runner.prepare_links(case)
            runner.rounds(cases, tools, rounds)
            commands = [
                report.shown(t.argv(cases[-1], work / f"out-{t.key}", work)).replace(
                    sys.executable, ".venv/bin/python"
                )
                for t in tools
            ]
    if not runner.results:
        raise ProcessFailed("no tool finished: " + "; ".join(runner.errors.values()))
    _write_section(section, runner, tools, cases, rounds, commands)


def _write_section(
    section: Section,
    runner: Runner,
    tools: Sequence[Tool],
    cases: Sequence[Case],
    rounds: int,
    commands: Sequence[str],
) -> None:
    section.text(TEXT.format(rounds=rounds))
    section.commands(*commands)
    rows = []
    readings = []
    for case in cases:
        aria, curl, ours = (
            runner.median(case, key) for key in ("aria2c-x1", "curl-parallel", "ours")
        )
        for tool in tools:
            m = runner.median(case, tool.key)
            if m is None:
                reason = runner.errors.get((case.key, tool.key), "not run")
                rows.append([case.name, tool.label] + ["—"] * 6 + [f"not measured: {reason}"])
                continue
            walls = runner.walls(case, tool.key)
            rows.append(
                [
                    case.name,
                    tool.label,
                    f"{m.usage.wall:.2f}",
                    f"{min(walls):.2f}–{max(walls):.2f}" if len(walls) > 1 else "—",
                    f"{m.throughput(case):,.0f}",
                    f"{m.throughput(case) / aria.throughput(case):.2f}×" if aria else "—",
                    f"{m.throughput(case) / curl.throughput(case):.2f}×" if curl else "—",
                    f"{m.usage.cpu:.2f}",
                    f"{m.usage.max_rss / MB:.0f}",
                ]
            )
        if ours is not None and aria is not None and curl is not None:
            readings.append(
                f"{case.name} ({size_label(case.total)}): ours "
                f"{ours.throughput(case) / aria.throughput(case):.2f}× aria2c and "
                f"{ours.throughput(case) / curl.throughput(case):.2f}× curl, using "
                f"{ours.usage.cpu:.2f} s of CPU against aria2c's {aria.usage.cpu:.2f} s and "
                f"curl's {curl.usage.cpu:.2f} s."
            )
    section.table(
        [
            "files",
            "tool",
            "wall s (median)",
            "wall s (min–max)",
            "MiB/s",
            "vs aria2c -x 1",
            "vs curl --parallel",
            "CPU s",
            "peak RSS MB",
        ],
        rows,
    )
    section.text(" ".join(readings) or "> Too few tools finished to compare them.")
    section.text(WHERE)
