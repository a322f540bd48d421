"""Latency benchmark (issue 12): downloads from a host that adds 40 ms to every request.

On loopback every request is answered at once, so the download benchmark measures CPU
and disk. Real download hosts are tens of milliseconds away: there the number of
transfers in flight and connection reuse decide. Here ``bench/delay_proxy.py`` stands in
front of nginx and holds every request 40 ms before passing it on; the demo service
(0 ms, own process) points its links at the proxy. 2,000 files of 256 KiB.

Contenders: ours with its defaults (``tcb-gui download``, asking for its own links);
aria2c with its defaults (-j 5 -x 1) and with ``-j 16``; the CloudBase CLI's way, one
request per file on a fresh connection, 20 at a time (``curl --parallel --parallel-max 20
--parallel-immediate -H 'Connection: close'``: curl, not a Python script, so that the
client's own CPU does not hold it back). Ours at ``--concurrency 16`` is shown beside
them for comparison, outside the target. Every file is checked (size and SHA-256).
"""

from __future__ import annotations

import importlib
import statistics
import sys
import time
from collections.abc import Sequence

import httpx

from bench.downloads import (
    CPU_BOUND_SHARE,
    KIB,
    MB,
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
from bench.procs import ProcessFailed, process_cpu
from bench.report import Report, Section
from bench.servers import DelayProxy, DemoService, Nginx, ensure_tools

DELAY_MS = 40.0
CASE = (256 * KIB, 2000)
QUICK_CASE = (256 * KIB, 200)
ROUNDS = 3
QUICK_ROUNDS = 1
CLI_PARALLEL = 20
ARIA2_MANY = 16
OURS_MAX = 16  # the old most the command line allowed: a point of comparison
ARIA2_DEFAULT_JOBS = 5  # aria2c's -j default (max-concurrent-downloads)
TARGET_VS_BEST = 1.0
# Requests timed one after another, directly and through the proxy, to show the delay.
PROBES = 5
# The contenders the target compares ours with.
PEERS = ("aria2c-default", "aria2c-j16", "cli-style")


def _our_default_concurrency() -> int:
    """Files in flight of ``tcb-gui download`` without ``--concurrency``: the settings'
    default (a fresh ``TCB_GUI_HOME`` has no settings file), which may lag behind the
    engine's own default (``core.downloads.DEFAULT_DOWNLOAD_CONCURRENCY``)."""
    for name in ("tcb_gui.core.settings", "tcb_gui.core.downloads"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        value = getattr(module, "DEFAULT_DOWNLOAD_CONCURRENCY", None)
        if value is not None:
            return int(value)
    return 4


def _engine_default_concurrency() -> int:
    try:
        module = importlib.import_module("tcb_gui.core.downloads")
    except ImportError:
        return 4
    return int(getattr(module, "DEFAULT_DOWNLOAD_CONCURRENCY", 4))


def make_tools(demo: DemoService) -> list[Tool]:
    cli_options = ["--parallel-immediate", "-H", "Connection: close"]
    return [
        Tool("ours", "ours: `tcb-gui download` (its defaults)", "tcb-gui", Ours(demo, None)),
        Tool(
            "aria2c-default",
            f"`aria2c` (its defaults: -j {ARIA2_DEFAULT_JOBS} -x 1)",
            "aria2c",
            _aria2(None, None),
        ),
        Tool("aria2c-j16", f"`aria2c -j {ARIA2_MANY}`", "aria2c", _aria2(None, ARIA2_MANY)),
        Tool(
            "cli-style",
            f"one request per file, {CLI_PARALLEL} in parallel, a fresh connection each "
            "(CloudBase CLI's way; curl)",
            "curl",
            _curl(True, CLI_PARALLEL, cli_options),
        ),
        Tool(
            "ours-16",
            f"ours: `tcb-gui download --concurrency {OURS_MAX}` (not its default)",
            "tcb-gui",
            Ours(demo, OURS_MAX),
        ),
    ]


def _in_flight(key: str) -> int:
    return {
        "ours": _our_default_concurrency(),
        "aria2c-default": ARIA2_DEFAULT_JOBS,
        "aria2c-j16": ARIA2_MANY,
        "cli-style": CLI_PARALLEL,
        "ours-16": OURS_MAX,
    }[key]


def _probe(url: str) -> float:
    """Median seconds of one request for the file at ``url`` (a kept-alive connection)."""
    times = []
    with httpx.Client(trust_env=False, timeout=10.0) as client:
        for _ in range(PROBES):
            started = time.perf_counter()
            response = client.get(url)
            response.raise_for_status()
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def run(report: Report) -> None:
    section = report.section(f"Downloads from a distant host: {DELAY_MS:g} ms a request (issue 12)")
    status = ensure_tools(["nginx", "aria2c", "curl"], install=report.install_missing)
    if status["nginx"] is not None:
        section.failed("the latency case", RuntimeError(f"nginx: {status['nginx']}"))
        return
    case = make_case(*(QUICK_CASE if report.quick else CASE))
    rounds = QUICK_ROUNDS if report.quick else ROUNDS
    proxy_cpu: dict[str, list[float]] = {}
    with report.workdir("latency") as work:
        root = work / "www"
        print("  download-latency: writing the files", file=sys.stderr)
        for file in case.files:
            target = root / "download" / file.env.bucket / file.key
            case.digests[file.relative] = _hash_source(file, target)
        _warm_up_memory(work, 2 * case.total)
        with (
            Nginx(root, work / "nginx") as nginx,
            DelayProxy(nginx.base_url, DELAY_MS, work / "proxy.log") as proxy,
            DemoService(0, work / "demo.log", download_base_url=proxy.base_url) as demo,
        ):
            report.alias(demo.base_url, "$DEMO")
            report.alias(proxy.base_url, "$FAR")
            tools = [
                t for t in make_tools(demo) if t.program == "tcb-gui" or status[t.program] is None
            ]
            runner = Runner(report, work, demo, tools)
            runner.prepare_links(case)
            first = case.files[0]
            path = f"/download/{first.env.bucket}/{first.key}"
            direct, delayed = _probe(nginx.base_url + path), _probe(proxy.base_url + path)
            for round_no in range(rounds):
                turn = round_no % len(tools)
                for tool in [*tools[turn:], *tools[:turn]]:
                    before = process_cpu(proxy.pid)
                    runner.measure(case, tool)
                    after = process_cpu(proxy.pid)
                    if before is not None and after is not None:
                        proxy_cpu.setdefault(tool.key, []).append(after - before)
            report.alias(nginx.base_url, "$NGINX")
            commands = [report.shown(t.argv(case, work / f"out-{t.key}", work)) for t in tools]
            proxy_argv = report.shown(
                [*proxy.argv[:3], "--port", "$PORT", *proxy.argv[5:]]
            ).replace(sys.executable, ".venv/bin/python")
    if not runner.results:
        raise ProcessFailed("no contender finished: " + "; ".join(runner.errors.values()))
    _write_section(
        section, runner, tools, case, rounds, commands, proxy_argv, direct, delayed, proxy_cpu
    )


def _write_section(
    section: Section,
    runner: Runner,
    tools: Sequence[Tool],
    case: Case,
    rounds: int,
    commands: Sequence[str],
    proxy_argv: str,
    direct: float,
    delayed: float,
    proxy_cpu: dict[str, list[float]],
) -> None:
    section.text(
        f"{case.name} ({size_label(case.total)}) from nginx behind a proxy that holds "
        f"every request {DELAY_MS:g} ms before passing it on (`bench/delay_proxy.py`: the "
        "answer's first byte comes that much later, on a reused connection as on a new "
        "one). A request for one file took "
        f"{direct * 1e3:.1f} ms from nginx directly and {delayed * 1e3:.1f} ms through the "
        "proxy. Opening a connection costs nothing extra here (over the internet it costs "
        "a round trip more, and TLS one or two more), so the figures are kind to the "
        "contenders that open one per file. The demo service answers the link requests at "
        "0 ms; ours asks for its own links, the others read them from a file. aria2c runs "
        "with `--file-allocation=none`; curl needs `--parallel-immediate` to open its "
        "connections at once (without it, `Connection: close` makes it fetch one file at "
        f"a time). {rounds} round(s), contenders taking turns in a rotating order; every "
        "file checked (size and SHA-256); medians shown."
    )
    section.commands(
        f"{proxy_argv}   # $FAR = http://127.0.0.1:$PORT, nginx {DELAY_MS:g} ms away",
        *commands,
    )
    ours = runner.median(case, "ours")
    rows = []
    for tool in tools:
        m = runner.median(case, tool.key)
        in_flight = _in_flight(tool.key)
        floor = case.count / in_flight * DELAY_MS / 1e3
        if m is None:
            reason = runner.errors.get((case.key, tool.key), "not run")
            rows.append([tool.label, str(in_flight), f"{floor:.1f}", "—", "—", "—", "—"])
            rows[-1] += ["—", "—", "—", f"not measured: {reason}"]
            continue
        walls = runner.walls(case, tool.key)
        spent = proxy_cpu.get(tool.key)
        rows.append(
            [
                tool.label,
                str(in_flight),
                f"{floor:.1f}",
                f"{m.usage.wall:.2f}",
                f"{min(walls):.2f}–{max(walls):.2f}" if len(walls) > 1 else "—",
                f"{case.count / m.usage.wall:,.0f}",
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
            "in flight",
            "latency floor s",
            "wall s (median)",
            "wall s (min–max)",
            "files/s",
            "MiB/s",
            "ours vs it",
            "CPU s",
            "peak RSS MB",
            "proxy CPU s",
        ],
        rows,
    )
    section.text(
        f"The latency floor is files ÷ transfers in flight × {DELAY_MS:g} ms: what the wait "
        "alone costs when every transfer starts the moment the one before it ends. "
        "The proxy's CPU shares the machine's two cores with the contender."
    )
    if _our_default_concurrency() != _engine_default_concurrency():
        section.text(
            f"> Ours runs with the settings' default of {_our_default_concurrency()} files "
            f"in flight; the download engine's own default is "
            f"{_engine_default_concurrency()} (`core.settings` has not followed it yet)."
        )
    measured = {k: runner.median(case, k) for k in PEERS}
    done = {k: m for k, m in measured.items() if m is not None}
    if ours is None or not done:
        section.text("> The target could not be evaluated: ours or every peer failed.")
        return
    best = max(done, key=lambda k: done[k].throughput(case))
    label = next(t.label for t in tools if t.key == best)
    ratio = ours.throughput(case) / done[best].throughput(case)
    section.target(
        f"{case.name} at {DELAY_MS:g} ms a request: ours (defaults) vs the best of aria2c "
        f"(defaults, -j {ARIA2_MANY}) and one request per file × {CLI_PARALLEL}",
        f"{ratio:.2f}× (best: {label.split(' (')[0]})",
        f"≥ {TARGET_VS_BEST:g}×",
        ratio >= TARGET_VS_BEST,
    )
    section.targets_table()
    many = runner.median(case, "ours-16")
    if many is not None:
        busy = many.usage.cpu / many.usage.wall
        section.text(
            f"With {OURS_MAX} files in flight instead of {_in_flight('ours')}, ours takes "
            f"{many.usage.wall:.2f} s instead of {ours.usage.wall:.2f} s "
            f"({many.throughput(case) / ours.throughput(case):.1f}× the throughput); it then "
            f"uses {many.usage.cpu:.2f} s of CPU in that time ({busy:.0%} of one core, "
            f"{many.usage.cpu / case.count * 1e3:.1f} ms a file): "
            + (
                "its CPU per file becomes what limits it."
                if busy > CPU_BOUND_SHARE
                else "the wait still dominates."
            )
        )
