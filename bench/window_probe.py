"""The window at 100,000 rows, in its own process: ``python -m bench.window_probe``.

Run by ``bench/window.py`` (one process per scenario, the demo service in another). It
opens the real ``MainWindow`` through the app's own main coroutine (offscreen Qt unless
``QT_QPA_PLATFORM`` says otherwise), then, as a user would:

1. adds the IDs — ``--input paste``: the whole list put on the clipboard and Ctrl+V;
   ``--input drop``: a real ``QDropEvent`` carrying the list file's URL;
2. resolves them (Ctrl+Return) at ``--concurrency`` against ``--base-url``;
3. waits for the history save the run set off, reads RSS;
4. sorts by Status (a click on the header), types a text filter (Ctrl+F, a key at a
   time, Enter) and clears it, copies the ready links shown — with no filter, every one
   (Ctrl+Shift+C) — and checks the clipboard holds exactly one line per ID.

A heartbeat ``QTimer`` (``HEARTBEAT_MS``, precise) runs throughout; every tick's
timestamp is kept, so the parent sees each event-loop stall (a tick's lateness) and in
which phase it happened. The result is one JSON object on ``--output``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import sys
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import (
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QGuiApplication,
    QKeySequence,
)
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

# The heartbeat: a tick this often; a tick's lateness is how long the loop was blocked.
HEARTBEAT_MS = 10
# Quiet time around the measured steps, so a phase's stalls are its own.
SETTLE_S = 1.0
# How long one step may take before the probe gives up (a 100,000-row resolve takes
# ~10 s here; ten times that means something is broken).
STEP_TIMEOUT_S = 120.0
POLL_S = 0.02
# The text filter typed: one ID's number, so exactly one row stays; a key every so often.
TYPING_INTERVAL_S = 0.12
FILTER_TEXT = "012345.jpg"


@dataclass(slots=True)
class Heartbeat:
    """Timestamps of a precise timer's ticks; their gaps show every stall of the loop."""

    ticks: array[float] = field(default_factory=lambda: array("d"))
    timer: QTimer | None = None

    def start(self) -> None:
        timer = QTimer()
        timer.setTimerType(Qt.TimerType.PreciseTimer)
        timer.setInterval(HEARTBEAT_MS)
        # A bound method of an array: no Python frame of our own per tick.
        now = time.perf_counter
        append = self.ticks.append
        timer.timeout.connect(lambda: append(now()))
        timer.start()
        self.timer = timer

    def stop(self) -> None:
        if self.timer is not None:
            self.timer.stop()


@dataclass(slots=True)
class Probe:
    heartbeat: Heartbeat = field(default_factory=Heartbeat)
    phases: list[dict[str, Any]] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)

    def phase(self, name: str, start: float, end: float) -> None:
        self.phases.append({"name": name, "start": start, "end": end})


def rss() -> int:
    return int(psutil.Process().memory_info().rss)


async def wait_for(predicate: Callable[[], object], what: str) -> None:
    deadline = time.perf_counter() + STEP_TIMEOUT_S
    while not predicate():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"{what}: not done after {STEP_TIMEOUT_S:.0f} s")
        await asyncio.sleep(POLL_S)


def busy(window: Any) -> bool:
    """Whether any of the window's named tasks is still running."""
    return any(not task.done() for task in window.tasks._tasks.values())


def tasks_named(window: Any, prefix: str) -> bool:
    """Whether a window task whose name starts with ``prefix`` is running."""
    return any(
        name.startswith(prefix) and not task.done() for name, task in window.tasks._tasks.items()
    )


def drop_file(window: QWidget, path: Path) -> None:
    """Drag a file's URL over the window and drop it: enter, move, drop, as Qt sends them."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    centre = window.rect().center()
    buttons, modifiers = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    copy = Qt.DropAction.CopyAction
    for event in (
        QDragEnterEvent(centre, copy, mime, buttons, modifiers),
        QDragMoveEvent(centre, copy, mime, buttons, modifiers),
        QDropEvent(QPointF(centre), copy, mime, buttons, modifiers),
    ):
        QApplication.sendEvent(window, event)
        if not event.isAccepted():
            raise RuntimeError(f"the window refused the {type(event).__name__}")


async def settle(probe: Probe, name: str) -> None:
    t0 = time.perf_counter()
    await asyncio.sleep(SETTLE_S)
    probe.phase(name, t0, time.perf_counter())


async def run_probe(args: argparse.Namespace) -> dict[str, Any]:
    from tcb_gui import app as tcb_app
    from tcb_gui.core.settings import Profile, Settings
    from tcb_gui.core.tokens import TokenStore
    from tcb_gui.ui.main_window import MainWindow
    from tcb_gui.ui.results_model import Column
    from tcb_gui.ui.session import Session

    probe = Probe()
    settings = Settings()
    settings.put_profile(Profile(name="default", base_url=args.base_url))
    window = MainWindow(Session(settings, TokenStore()))
    probe.heartbeat.start()
    started = time.perf_counter()
    # The app's own main coroutine shows the window and starts what it starts (the
    # token check, the history's restore: nothing, in a fresh TCB_GUI_HOME).
    app_main = asyncio.ensure_future(tcb_app.main(window))
    await wait_for(lambda: window.isVisible() and not busy(window), "the window's start")
    ids_path = Path(args.ids)
    if args.input == "paste":
        # The user copied the list elsewhere: it is on the clipboard before anything is
        # measured (here the clipboard lives in this process, so its copy of the text is
        # part of the baseline, as it would be another program's memory otherwise).
        text = ids_path.read_text("utf-8")  # noqa: ASYNC240 — before anything is measured
        QGuiApplication.clipboard().setText(text)
        del text
    await settle(probe, "idle")
    gc.collect()
    rss_before = rss()
    expected = int(args.expect)

    # -- add ---------------------------------------------------------------------------
    t0 = time.perf_counter()
    if args.input == "paste":
        QTest.keySequence(window, QKeySequence(QKeySequence.StandardKey.Paste))
    else:
        drop_file(window, ids_path)
    await wait_for(
        lambda: window.model.rowCount() >= expected and not tasks_named(window, "add-"),
        "adding the IDs",
    )
    t1 = time.perf_counter()
    probe.phase("add", t0, t1)
    probe.figures["add_s"] = t1 - t0
    probe.figures["rows"] = window.model.rowCount()
    probe.figures["rss_after_add"] = rss()
    await settle(probe, "after add")

    # -- resolve -----------------------------------------------------------------------
    if args.concurrency is not None:
        window.concurrency_spin.setValue(args.concurrency)
    probe.figures["concurrency"] = window.concurrency_spin.value()
    t0 = time.perf_counter()
    QTest.keySequence(window, QKeySequence("Ctrl+Return"))
    await wait_for(lambda: window.model.counts().ok >= expected, "resolving")
    t1 = time.perf_counter()
    await wait_for(lambda: not window.run_active, "the run's end")
    t2 = time.perf_counter()
    probe.phase("resolve", t0, t2)
    probe.figures["resolve_s"] = t1 - t0
    counts = window.model.counts()
    probe.figures["ok"] = counts.ok
    probe.figures["failed"] = counts.failed
    probe.figures["rss_after_run"] = rss()
    # The history saves the list a few seconds after a change: wait for that save too,
    # as its cost belongs to a run of this size.
    history = window.history
    t0 = time.perf_counter()
    await wait_for(lambda: not history.dirty and not tasks_named(window, "history"), "history")
    probe.phase("history save", t0, time.perf_counter())
    await settle(probe, "after resolve")
    rss_after = rss()
    probe.figures["rss_before"] = rss_before
    probe.figures["rss_after"] = rss_after

    # -- sort, filter, copy ------------------------------------------------------------
    header = window.view.horizontalHeader()
    x = header.sectionViewportPosition(Column.STATUS) + header.sectionSize(Column.STATUS) // 2
    sorts = []
    for _ in range(2):  # ascending, then descending
        t0 = time.perf_counter()
        QTest.mouseClick(
            header.viewport(),
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
            QPoint(x, header.height() // 2),
        )
        window.view.viewport().repaint()  # the sorted rows on screen, not just ordered
        t1 = time.perf_counter()
        sorts.append(t1 - t0)
        probe.phase("sort", t0, t1)
        await asyncio.sleep(SETTLE_S / 2)
    probe.figures["sort_s"] = sorts
    probe.figures["sorted_column"] = header.sortIndicatorSection()

    # Ctrl+F, then the filter typed a key at a time, as a person types; then Enter.
    QTest.keySequence(window, QKeySequence(QKeySequence.StandardKey.Find))
    edit = window.filter_edit
    t0 = time.perf_counter()
    for char in FILTER_TEXT:
        QTest.keyClicks(edit, char)
        await asyncio.sleep(TYPING_INTERVAL_S)
    probe.phase("typing", t0, time.perf_counter())
    t0 = time.perf_counter()
    QTest.keyClick(edit, Qt.Key.Key_Return)
    window.view.viewport().repaint()
    t1 = time.perf_counter()
    probe.phase("filter", t0, t1)
    probe.figures["filter_s"] = t1 - t0
    probe.figures["filter_rows"] = window.proxy.rowCount()
    await asyncio.sleep(SETTLE_S / 2)
    t0 = time.perf_counter()
    edit.clear()  # the box's clear button: every row at once
    window.view.viewport().repaint()
    t1 = time.perf_counter()
    probe.phase("filter", t0, t1)
    probe.figures["unfilter_s"] = t1 - t0
    probe.figures["unfilter_rows"] = window.proxy.rowCount()
    await asyncio.sleep(SETTLE_S / 2)

    QGuiApplication.clipboard().clear()
    t0 = time.perf_counter()
    QTest.keySequence(window, QKeySequence("Ctrl+Shift+C"))
    t1 = time.perf_counter()
    probe.phase("copy", t0, t1)
    probe.figures["copy_s"] = t1 - t0
    probe.figures["copied_lines"] = len(QGuiApplication.clipboard().text().splitlines())
    await settle(probe, "idle at the end")

    probe.heartbeat.stop()
    probe.figures["total_s"] = time.perf_counter() - started
    window.close()  # as Ctrl+Q: the app's main coroutine shuts down and returns
    await app_main
    return {
        "heartbeat_ms": HEARTBEAT_MS,
        "ticks": list(probe.heartbeat.ticks),
        "phases": probe.phases,
        "figures": probe.figures,
        "gc_frozen": gc.get_freeze_count(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.window_probe")
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--ids", required=True, help="a file with one ID per line")
    parser.add_argument("--expect", required=True, type=int, help="how many IDs it holds")
    parser.add_argument("--input", choices=("paste", "drop"), default="paste")
    parser.add_argument("--concurrency", type=int, help="default: the profile's default")
    parser.add_argument("--output", required=True)
    args = parser.parse_args(argv)
    if not os.environ.get("TCB_ACCESS_TOKEN"):
        parser.error("set TCB_ACCESS_TOKEN to the demo service's token")

    from tcb_gui.ui import qt_workarounds

    qt_workarounds.apply()  # before any widget exists, as app.run does
    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    with asyncio.Runner(loop_factory=lambda: qt_workarounds.event_loop(app)) as runner:
        result = runner.run(run_probe(args))
    Path(args.output).write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
