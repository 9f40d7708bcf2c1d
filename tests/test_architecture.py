"""The shape of the code (issue #16): imports point one way, between apps and inside each
app; no module reaches for another's private names; a function-level import says why.

Parsed with ``ast``, nothing is imported.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Lowest first: an app may import only apps at its left (and itself).
LAYERS = [
    "core",
    "accounts",
    "organizations",
    "devices",
    "booking",
    "lending",
    "courses",
    "reports",
]
TOP = ["config", "demo"]  # import anything; nothing imports them
APPS = [app for app in LAYERS + TOP if (ROOT / app).is_dir()]


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # the imported module (absolute)
    name: str | None  # the imported name, for ``from x import name``
    line: int
    top_level: bool  # at module level (also inside if/try at module level)
    in_ready: bool  # inside an AppConfig.ready()
    commented: bool  # the line before is a comment


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def _sources():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            yield path


def _absolute(module: str, is_package: bool, level: int, target: str | None) -> str:
    if level == 0:
        return target or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join(base + ([target] if target else []))


def _imports(path: Path) -> list[Import]:
    source = path.read_text()
    lines = source.splitlines()
    tree = ast.parse(source)
    module = _module_name(path)
    found: list[Import] = []

    def visit(node: ast.AST, depth: int, in_ready: bool) -> None:
        for child in ast.iter_child_nodes(node):
            child_depth = depth
            child_ready = in_ready
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                child_depth = depth + 1
                child_ready = in_ready or getattr(child, "name", "") == "ready"
            elif isinstance(child, ast.ClassDef):
                child_depth = depth + 1 if depth else 0
            if isinstance(child, ast.Import | ast.ImportFrom):
                before = lines[child.lineno - 2].strip() if child.lineno > 1 else ""
                commented = before.startswith("#")
                top = depth == 0
                if isinstance(child, ast.Import):
                    for alias in child.names:
                        found.append(
                            Import(module, alias.name, None, child.lineno, top, in_ready, commented)
                        )
                else:
                    target = _absolute(module, _is_package(path), child.level, child.module)
                    for alias in child.names:
                        found.append(
                            Import(
                                module, target, alias.name, child.lineno, top, in_ready, commented
                            )
                        )
            visit(child, child_depth, child_ready)

    visit(tree, 0, False)
    return found


ALL = [imp for path in _sources() for imp in _imports(path)]
MODULES = {_module_name(path) for path in _sources()}


def _app(module: str) -> str:
    return module.split(".")[0]


def test_the_architecture_test_sees_the_code():
    assert "core" in APPS and "booking" in APPS
    assert any(imp.module == "booking.capacity" for imp in ALL)


def test_no_module_imports_a_private_name_of_another():
    """(a) ``from x import _name`` across modules: a name another module needs is public."""
    private = []
    for imp in ALL:
        if imp.name is None or not imp.name.startswith("_") or imp.name.startswith("__"):
            continue
        if _app(imp.target) not in APPS or imp.target == imp.module:
            continue
        if f"{imp.target}.{imp.name}" in MODULES:  # a private module imported as such
            continue
        private.append(f"{imp.module}:{imp.line} imports {imp.target}.{imp.name}")
    assert private == []


def _graph(app: str) -> dict[str, set[str]]:
    """Module-level imports between the modules of one app. ``from package import module``
    counts as an import of that module; an import of a package counts as its __init__."""
    graph: dict[str, set[str]] = {module: set() for module in MODULES if _app(module) == app}
    for imp in ALL:
        if not imp.top_level or imp.module not in graph or _app(imp.target) != app:
            continue
        target = imp.target
        if imp.name and f"{target}.{imp.name}" in MODULES:
            target = f"{target}.{imp.name}"
        if target in graph and target != imp.module:
            graph[imp.module].add(target)
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := walk(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := walk(node)):
            return found
    return None


# Cycles that run through the package __init__ that re-exports booking.services: a module
# inside the package imports a sibling of the package, which imports the package back. The
# services package is the app's public face; its own modules never import it.
def _without_package_reexports(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    packages = {module for module in graph if (ROOT / module.replace(".", "/")).is_dir()}
    return {
        module: {target for target in targets if target not in packages or module in packages}
        for module, targets in graph.items()
        if module not in packages
    } | {package: set() for package in packages}


@pytest.mark.parametrize("app", APPS)
def test_no_import_cycle_inside_an_app(app):
    """(b) Inside an app imports point one way (views/api → services → tasks → emails →
    models): the module-level import graph has no cycle."""
    assert _cycle(_without_package_reexports(_graph(app))) is None


def test_function_level_imports_say_why():
    """(c) A function-level import is for AppConfig.ready(), or has a comment on the line
    before that says why (e.g. what cycle or what cost it avoids)."""
    silent = [
        f"{imp.module}:{imp.line} imports {imp.target}"
        for imp in ALL
        if not imp.top_level
        and not imp.in_ready
        and not imp.commented
        and imp.module.split(".")[-1] != "apps"
        and not imp.target.startswith("__future__")
    ]
    assert silent == []


def test_apps_import_only_downwards():
    """(d) reports → courses → lending → booking → devices → organizations → accounts → core;
    config and demo above everything. Module-level and function-level imports alike."""
    upward = []
    for imp in ALL:
        source, target = _app(imp.module), _app(imp.target)
        if target not in APPS or source == target or source in TOP:
            continue
        if target in TOP or LAYERS.index(target) > LAYERS.index(source):
            upward.append(f"{imp.module}:{imp.line} imports {imp.target}")
    assert upward == []
