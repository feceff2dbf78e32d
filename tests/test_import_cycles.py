"""The service modules depend one way: no module of services/ imports, even inside a function or
under TYPE_CHECKING, a module that imports it back. A cycle is what made imports hide in functions."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(source: str, package: str) -> set[str]:
    """Every module of ``package`` named by an import anywhere in the source, functions included."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            # ``from services import reports`` names a module too.
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name.startswith(f"{package}.")}


def import_graph(folder: Path) -> dict[str, set[str]]:
    package = folder.name
    modules = {f"{package}.{path.stem}": path for path in folder.glob("*.py")}
    return {
        name: imported_modules(path.read_text(encoding="utf-8"), package) & set(modules) - {name}
        for name, path in modules.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each module that is on one, as the path that comes back to it."""
    found: list[list[str]] = []
    for start in sorted(graph):
        stack: list[tuple[str, list[str]]] = [(start, [start])]
        seen: set[str] = set()
        while stack:
            module, path = stack.pop()
            for imported in sorted(graph[module]):
                if imported == start:
                    found.append([*path, start])
                    stack.clear()
                    break
                if imported not in seen:
                    seen.add(imported)
                    stack.append((imported, [*path, imported]))
    return found


def test_no_service_module_imports_one_that_imports_it_back() -> None:
    graph = import_graph(ROOT / "services")
    assert graph.get("services.communities")  # the walk did read the imports
    assert cycles(graph) == []


def test_the_walk_finds_a_cycle_hidden_in_a_function(tmp_path: Path) -> None:
    package = tmp_path / "services"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "plans.py").write_text("from services.pages import page\n")
    (package / "pages.py").write_text("def page() -> None:\n    from services import plans\n")
    (package / "clock.py").write_text("import services.plans\n")

    assert cycles(import_graph(package)) == [
        ["services.pages", "services.plans", "services.pages"],
        ["services.plans", "services.pages", "services.plans"],
    ]
