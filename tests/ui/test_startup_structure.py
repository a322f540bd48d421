"""What plain ``tcb-gui`` does before its window shows: structure, not timing.

The window's first paint is measured in ``bench/window.py``; these tests pin the shape
that keeps it quick, so a stray import cannot slow it down unnoticed
(docs/ARCHITECTURE.md#start-up):

- importing the command line imports none of its engine (the API client, httpx,
  asyncio, the resolve run, the export writers);
- ``tcb-gui`` and ``tcb-gui FILE…`` open the window without building the command
  line's parser, with exactly the options the parser would have given;
- what the window does after its first paint (dialogs, the crash reporter, the keyring,
  the history, the demo service) is not imported before it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from tcb_gui import cli
from tests.probe import FROZEN_RECORDS, run_probe


@pytest.fixture(autouse=True)
def logging_put_back() -> Iterator[None]:
    """cli.main sets up the root logger (its handler, WARNING): as it was, after, for the
    tests that run after these in the same process and read log records."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    httpx_level = logging.getLogger("httpx").level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(httpx_level)


ENGINE = (
    "asyncio",
    "httpx",
    "tcb_gui.core.client",
    "tcb_gui.core.connection",
    "tcb_gui.core.credentials",
    "tcb_gui.core.resolve_run",
    "tcb_gui.core.export",
    "tcb_gui.core.downloads",
    "tcb_gui.cli_download",
    "PySide6",
)

_PROBE = """
import sys
import tcb_gui.cli
print(",".join(m for m in sys.argv[1:] if m in sys.modules))
"""


def test_importing_the_command_line_imports_no_engine() -> None:
    loaded = run_probe(_PROBE, *ENGINE).strip()
    assert loaded == "", f"imported by `import tcb_gui.cli`: {loaded}"


def test_the_probe_sees_an_engine_import() -> None:
    """The probe above can fail: a module that does import the engine is reported (the
    API client brings asyncio; httpx only at its first use, ``core.lazy_httpx``)."""
    loaded = run_probe(_PROBE.replace("tcb_gui.cli", "tcb_gui.core.client"), *ENGINE)
    assert {"asyncio", "tcb_gui.core.client"} <= set(loaded.strip().split(","))
    loaded = run_probe(_PROBE.replace("tcb_gui.cli", "tcb_gui.core.doctor"), *ENGINE)
    assert "httpx" in loaded.strip().split(",")


@pytest.mark.parametrize(
    ("argv", "files"), [([], []), (["a.txt", "b c.csv"], ["a.txt", "b c.csv"])]
)
def test_plain_tcb_gui_opens_the_window_without_the_parser(
    monkeypatch: pytest.MonkeyPatch, argv: list[str], files: list[str]
) -> None:
    seen: dict[str, object] = {}

    def fake_run(**kwargs: object) -> int:
        seen.update(kwargs)
        return 0

    def no_parser() -> None:
        raise AssertionError("the window path built the command line's parser")

    import tcb_gui.app

    monkeypatch.setattr(tcb_gui.app, "run", fake_run)
    monkeypatch.setattr(cli, "build_parser", no_parser)
    assert cli.main(argv) == 0
    assert seen == {"demo": False, "base_url": None, "api": None, "profile": None, "files": files}


def test_the_window_defaults_are_what_the_parser_gives() -> None:
    assert vars(cli.build_parser().parse_args([])) == vars(cli._WINDOW_DEFAULTS)


@pytest.mark.parametrize("argv", [["--demo"], ["--profile", "ops", "a.txt"], ["--help"]])
def test_options_still_go_through_the_parser(
    monkeypatch: pytest.MonkeyPatch, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    built: list[bool] = []
    real = cli.build_parser

    def counted() -> object:
        built.append(True)
        return real()

    import tcb_gui.app

    monkeypatch.setattr(tcb_gui.app, "run", lambda **_kwargs: 0)
    monkeypatch.setattr(cli, "build_parser", counted)
    assert cli.main(argv) == 0
    assert built == [True]


# Run as `tcb-gui` runs (cli.main with no arguments, empty TCB_GUI_HOME, offscreen Qt):
# note which of argv's modules are loaded when the main window is first painted, quit.
_AT_FIRST_PAINT = (
    FROZEN_RECORDS
    + """
import sys
import tcb_gui.cli
from PySide6.QtCore import QTimer
from tcb_gui.ui.main_window import MainWindow

seen = []
paint = MainWindow.paintEvent

def first_paint(self, event):
    if not seen:
        seen.append(",".join(m for m in sys.argv[1:] if m in sys.modules))
        clear = self.token_panel.clear_button.isEnabled()
        print(f"badge:{self.token_panel.badge.info.state.value} clear:{clear}")
        from PySide6 import QtGui, QtWidgets  # which lazily made Qt types exist by now

        built = [n for n in ("QStyle", "QProxyStyle", "QStyleOption") if n in vars(QtWidgets)]
        print("qt:" + ",".join(built))
        built = [n for n in ("QAction", "QKeySequence") if n in vars(QtGui)]
        print("gui:" + ",".join(built))
        print("records:" + ",".join(frozen_records()))
        QTimer.singleShot(0, self.close)  # Ctrl+Q's path
    paint(self, event)

MainWindow.paintEvent = first_paint
code = tcb_gui.cli.main([])
print("painted:" + seen[0] if seen else "not painted")
sys.exit(code)
"""
)
# Imported after the first paint: the second phase (presenters, the loop) and what is
# imported when first needed.
AFTER_FIRST_PAINT = (
    "asyncio",
    "httpx",
    "qasync",
    "PySide6.QtNetwork",
    "tcb_gui.core.client",
    "tcb_gui.core.downloads",
    "tcb_gui.core.history",
    # The settings are read before the first frame, written (under its lock) later.
    "tcb_gui.core.atomicfile",
    # A download's progress records: its states' enums are in the first frame, not these.
    "tcb_gui.core.download_progress",
    "tcb_gui.core.fileids",
    "tcb_gui.ui.token_presenter",
    "tcb_gui.ui.resolve_presenter",
    "tcb_gui.ui.download_controller",
    "tcb_gui.ui.history",
    "tcb_gui.ui.ids_presenter",
    "tcb_gui.ui.core_text",
    "tcb_gui.core.export",
    "datetime",
    "tcb_gui.ui.links_presenter",
    "tcb_gui.ui.requests_view",
    "tcb_gui.ui.tasks",
    "tcb_gui.ui.settings_dialog",
    "tcb_gui.ui.dialogs",
    "tcb_gui.ui.export_dialog",
    "tcb_gui.ui.doctor_dialog",
    "tcb_gui.ui.crash",
    "tcb_gui.core.doctor",
    "tcb_gui.demo",
    "keyring",
    # The hand-over to a running window uses _socket and an FNV-1a name before the paint.
    "socket",
    "hashlib",
    "_hashlib",
)


def _first_paint_lines(modules: tuple[str, ...], home: Path, prefix: str) -> str:
    """The probe's line starting with ``prefix``."""
    return _run_probe(modules, home).get(prefix, "")


def _first_paint(modules: tuple[str, ...], home: Path) -> tuple[set[str], str]:
    """The modules of ``modules`` loaded at the first paint, and the token badge then."""
    lines = _run_probe(modules, home)
    painted = lines["painted:"]
    return {m for m in painted.removeprefix("painted:").split(",") if m}, lines["badge:"]


def _run_probe(modules: tuple[str, ...], home: Path) -> dict[str, str]:
    """The probe's output lines by their prefix ("painted:", "badge:", "qt:", "gui:",
    "records:")."""
    env = {
        "PATH": "/usr/bin:/bin",
        "QT_QPA_PLATFORM": "offscreen",
        "TCB_GUI_HOME": str(home),
        "HOME": str(home),
    }
    output = run_probe(_AT_FIRST_PAINT, *modules, env=env, timeout=120)
    lines = output.strip().splitlines()
    assert lines[-1].startswith("painted:"), output
    return {line.split(":", 1)[0] + ":": line for line in lines}


def test_the_window_paints_before_its_later_work_is_imported(tmp_path: Path) -> None:
    loaded, _ = _first_paint((*AFTER_FIRST_PAINT, "tcb_gui.ui.main_window"), tmp_path)
    assert "tcb_gui.ui.main_window" in loaded  # the probe sees what is loaded
    assert loaded.isdisjoint(AFTER_FIRST_PAINT), sorted(loaded & set(AFTER_FIRST_PAINT))


def test_the_first_frame_makes_no_qstyle(tmp_path: Path) -> None:
    """Making ``QStyle``'s Python type builds its twenty-odd enums (~5 ms): nothing on the
    way to the first paint asks the style (the theme knows it made the app in Fusion, the
    delegates paint no cell of an empty list, ``TcbStyle`` comes after the paint)."""
    qt = _first_paint_lines((), tmp_path, "qt:")
    assert qt == "qt:", qt


def test_the_first_frame_makes_no_action(tmp_path: Path) -> None:
    """The first action made in a process builds ``QAction``'s and ``QKeySequence``'s
    enums (~3 ms): the first frame shows menu titles and buttons, no action (the profile
    menu fills itself as it first opens, the menus' actions come with ``finish()``)."""
    gui = _first_paint_lines((), tmp_path, "gui:")
    assert gui == "gui:", gui


def test_the_first_frame_makes_no_frozen_dataclass_without_a_reason(tmp_path: Path) -> None:
    """Records made before the first paint are NamedTuples (a frozen dataclass costs ~0.5
    ms to make on Python 3.11, tests/core/test_startup_records.py); the token's two are
    kept, so a secret never becomes a tuple. The probe sees them: it can fail."""
    records = _first_paint_lines((), tmp_path, "records:").removeprefix("records:")
    assert records.split(",") == [
        "tcb_gui.core.tokens.AppSecretInfo",
        "tcb_gui.core.tokens.TokenInfo",
    ]


def test_the_first_frame_says_checking_until_the_token_is_read(tmp_path: Path) -> None:
    """The keyring is read after the first paint: the first frame must not claim "No
    token" (nor offer to clear one) before anyone has looked."""
    _, badge = _first_paint((), tmp_path)
    assert badge == "badge:checking clear:False"


def test_the_window_path_pauses_the_collector_until_the_window_takes_over(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``tcb-gui`` turns the garbage collector off first thing (core.startup); the
    window's first paint gives it back, and so does a window path that ends early."""
    import gc

    import tcb_gui.app

    seen: list[bool] = []
    monkeypatch.setattr(tcb_gui.app, "run", lambda **_kwargs: seen.append(gc.isenabled()) or 0)
    assert gc.isenabled()
    assert cli.main([]) == 0
    assert seen == [False]  # what app.run is called with
    assert gc.isenabled()  # and given back once it returned
