"""What the quick command-line paths import: structure, not timing (issue 12).

``tcb-gui --version`` and ``--help`` answer without the API client, ``httpx`` or
``asyncio`` (``--version`` without even argparse, logging or the error catalogue), and the
settings, which the window imports before Qt, load without the HTTP stack, the export
writers' ``csv`` or the platform folders' ``platformdirs``. A stray module-level import
would add tens of milliseconds to each; these tests name it
(docs/ARCHITECTURE.md#start-up).
"""

from __future__ import annotations

import pytest

from tests.probe import run_probe

HTTP_STACK = ("httpx", "asyncio", "ssl", "tcb_gui.core.client")

_MAIN_PROBE = """
import io, sys
from tcb_gui.cli import main
out = io.StringIO()
code = main(sys.argv[1].split(), stdout=out, stderr=io.StringIO())
print(repr(out.getvalue()), code)
print(",".join(m for m in sys.argv[2:] if m in sys.modules))
"""

_IMPORT_PROBE = """
import sys
import {module}
print(",".join(m for m in sys.argv[1:] if m in sys.modules))
"""


def _run(code: str, *args: str) -> list[str]:
    return run_probe(code, *args).splitlines()


def test_version_imports_nothing_of_the_program() -> None:
    printed, loaded = _run(
        _MAIN_PROBE, "--version", *HTTP_STACK, "argparse", "logging", "tcb_gui.core.errors"
    )
    assert printed == "'tcb-gui 0.1.0\\n' 0"
    assert loaded == "", f"imported by `tcb-gui --version`: {loaded}"


def test_help_imports_no_http_stack() -> None:
    printed, loaded = _run(_MAIN_PROBE, "--help", *HTTP_STACK, "tcb_gui.core.atomicfile")
    assert printed[1:].startswith("usage: tcb-gui ")
    assert printed.endswith(" 0")
    assert loaded == "", f"imported by `tcb-gui --help`: {loaded}"


@pytest.mark.parametrize("module", ["tcb_gui.core.settings", "tcb_gui.core.export"])
def test_settings_and_export_import_no_http_stack(module: str) -> None:
    (loaded,) = _run(
        _IMPORT_PROBE.format(module=module), *HTTP_STACK, "csv", "tempfile", "platformdirs"
    )
    assert loaded == "", f"imported by `import {module}`: {loaded}"


def test_the_probes_see_an_import() -> None:
    """The probes above can fail: a module that imports the HTTP stack is reported (the
    API client imports ``httpx`` at its first use only, ``core.lazy_httpx``; the
    transport that puts the engine's connections under ``httpx`` imports it at once)."""
    (loaded,) = _run(_IMPORT_PROBE.format(module="tcb_gui.core.client"), *HTTP_STACK)
    assert set(loaded.split(",")) == set(HTTP_STACK) - {"httpx"}
    (loaded,) = _run(_IMPORT_PROBE.format(module="tcb_gui.core.wire_transport"), "httpx")
    assert loaded == "httpx"
