"""``python -m bench``: run every benchmark and write ``docs/BENCHMARKS.md`` (``make bench``).

``python -m bench resolve`` / ``python -m bench downloads`` runs a subset and ``--quick``
runs each on less data; both write to ``bench/out/`` so the committed report only ever
holds a full run.

Adding a benchmark: a module ``bench/<name>.py`` with ``run(report: Report) -> None``
that opens ``report.section(...)`` and fills it, plus its name in ``BENCHMARKS`` below.
A listed module that does not exist yet is skipped with a note.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

from bench import machine
from bench.procs import Service
from bench.report import Report
from bench.servers import ensure_tools

PROJECT_ROOT = Path(__file__).resolve().parent.parent
REPORT_PATH = PROJECT_ROOT / "docs" / "BENCHMARKS.md"
PLOT_DIR = PROJECT_ROOT / "docs" / "bench"
# Partial and --quick runs go here (git-ignored), never over the committed report.
SCRATCH_DIR = PROJECT_ROOT / "bench" / "out"
FULL_COMMAND = "make bench   # = .venv/bin/python -m bench"

# name → module with run(report). In the order they run.
BENCHMARKS: dict[str, str] = {
    "resolve": "bench.resolve",
    "downloads": "bench.downloads",
    # Issue 12's latency case: the download host 40 ms away (bench/delay_proxy.py).
    "download-latency": "bench.download_latency",
    # The same case over TLS from a host that offers HTTP/2: is the protocol worth it?
    "download-http2": "bench.download_http2",
    # The plain-HTTP download cases again over TLS, as the storage serves its links.
    "download-tls": "bench.download_tls",
    # The window benchmark (100,000 rows: event-loop stall, memory growth, sort time,
    # time to resolve, start-up against a bare PySide6 window) lives in bench/window.py.
    "window": "bench.window",
}


def _available(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _git_commit() -> str:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return done.stdout.strip() or "unknown"


def _interrupt(signum: int, frame: FrameType | None) -> None:
    # SIGTERM/SIGHUP take the same way out as Ctrl+C: every `with` stops its servers.
    raise KeyboardInterrupt(f"signal {signum}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help=f"benchmarks to run: {', '.join(BENCHMARKS)}"
    )
    parser.add_argument("--quick", action="store_true", help="less data, for development")
    parser.add_argument("--output", type=Path, help="write the report here")
    parser.add_argument(
        "--no-install", action="store_true", help="do not apt-get install missing peer tools"
    )
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
    missing = [n for n in args.names if not _available(BENCHMARKS[n])]
    if missing:
        parser.error(f"not written yet: {', '.join(f'bench/{n}.py' for n in missing)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    names = args.names or list(BENCHMARKS)
    full = not args.names and not args.quick
    out_path = args.output or (REPORT_PATH if full else SCRATCH_DIR / "BENCHMARKS.md")
    plot_dir = PLOT_DIR if out_path == REPORT_PATH else out_path.parent / "bench"
    command = "python -m bench " + " ".join(sys.argv[1:] if argv is None else argv)
    report = Report(
        project_root=PROJECT_ROOT,
        out_path=out_path,
        plot_dir=plot_dir,
        quick=args.quick,
        command=FULL_COMMAND if full else command.strip(),
        install_missing=not args.no_install,
    )
    # Also SIGINT: a shell starting us in the background may have set it to be ignored.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _interrupt)

    started = time.monotonic()
    # GNU time measures the clients' peak RSS (bench/procs.py says why wait4 cannot).
    ensure_tools(["time"], install=report.install_missing)
    report.machine = machine.describe()
    ran: list[str] = []
    try:
        for name in names:
            module_name = BENCHMARKS[name]
            if not _available(module_name):
                print(f"bench: skipping {name}: bench/{name}.py is not there yet", file=sys.stderr)
                continue
            print(f"bench: {name} …", file=sys.stderr)
            t0 = time.monotonic()
            module = importlib.import_module(module_name)
            try:
                module.run(report)
            except Exception as error:  # report what broke, keep the other benchmarks
                report.section(f"{name} (failed)").failed(name, error)
            print(f"bench: {name} took {time.monotonic() - t0:.0f} s", file=sys.stderr)
            ran.append(name)
    except KeyboardInterrupt:
        print("bench: interrupted; no report written", file=sys.stderr)
        return 130
    finally:
        Service.stop_all()

    elapsed = time.monotonic() - started
    # Other work on a shared machine shows here: a reader can weigh the figures by it.
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    at = next(
        (i + 1 for i, (what, _) in enumerate(report.machine) if what.startswith("load average")),
        len(report.machine),
    )
    report.machine.insert(at, ("load average at the end (1, 5, 15 min)", load))
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    report.intro.append(
        "Performance of TCB Links measured against what users would otherwise use, side by "
        "side in one run. Generated from the run by the command below: every figure, "
        "table and plot comes from that run, nothing is typed by hand, and a rerun "
        "overwrites this file. The machine is shared by other work, so figures move by "
        "some per cent between runs; ratios measured within one run are the point."
    )
    report.intro.append(
        f"```sh\n{report.command}\n```\n\n"
        f"Run on {when} at commit `{_git_commit()}`; benchmarks: {', '.join(ran)}; "
        f"the whole run took {elapsed / 60:.1f} min."
        + (" **Quick run: reduced data, not comparable with the targets.**" if args.quick else "")
    )
    path = report.write()
    print(f"bench: wrote {path} in {elapsed:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
