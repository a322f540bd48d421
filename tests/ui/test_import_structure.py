"""The package's import structure: no circles, and each layer imports only what it may.

Every import counts: at module level, under ``TYPE_CHECKING`` and inside functions, since
each is a dependency a reader has to follow. Rules (docs/ARCHITECTURE.md, the layers):

- no cycle among ``tcb_gui`` modules;
- no ``ui`` module imports ``ui.main_window`` (presenters take the model, a notifier and
  the task keeper, never the window);
- ``core`` imports no Qt, and nothing of ``ui`` or the command line.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "tcb_gui"
QT_ROOTS = ("PySide6", "shiboken6", "qasync")


def module_files() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imported_names(module: str, path: Path, files: dict[str, Path]) -> Iterator[str]:
    """Every name ``module`` imports, absolute, wherever the import statement is:
    ``from pkg import mod`` names ``pkg.mod`` when that is a module, else ``pkg``."""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                stem = ".".join([*base, node.module] if node.module else base)
            else:
                stem = node.module or ""
            for alias in node.names:
                submodule = f"{stem}.{alias.name}"
                yield submodule if submodule in files else stem


def import_graph() -> dict[str, set[str]]:
    """Module → the package's modules it imports (a name resolves to its module; the
    parent packages Python imports along the way are not counted)."""
    files = module_files()
    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        targets = set()
        for name in imported_names(module, path, files):
            while name and name not in files:
                name = name.rpartition(".")[0]
            if name and name != module and name != "tcb_gui":
                targets.add(name)
        graph[module] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_graph_sees_every_kind_of_import() -> None:
    graph = import_graph()
    # Module level, TYPE_CHECKING, and inside a function: all three are edges.
    assert "tcb_gui.ui.results_model" in graph["tcb_gui.ui.delegates"]
    assert "tcb_gui.ui.download_cells" in graph["tcb_gui.ui.results_model"]  # TYPE_CHECKING
    assert "tcb_gui.ui.main_window" in graph["tcb_gui.app"]  # inside run()
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_circles() -> None:
    assert cycles(import_graph()) == []


def test_no_ui_module_imports_the_main_window() -> None:
    graph = import_graph()
    importers = [
        module
        for module, targets in graph.items()
        if module.startswith("tcb_gui.ui.") and "tcb_gui.ui.main_window" in targets
    ]
    assert importers == []


def test_core_imports_no_qt_ui_or_command_line() -> None:
    files = module_files()
    wrong: list[tuple[str, str]] = []
    for module, path in files.items():
        if not module.startswith("tcb_gui.core"):
            continue
        for name in imported_names(module, path, files):
            if name.split(".")[0] in QT_ROOTS or name.startswith(
                ("tcb_gui.ui", "tcb_gui.cli", "tcb_gui.app")
            ):
                wrong.append((module, name))
    assert wrong == []
