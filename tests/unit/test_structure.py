"""The shape of the code (issue 8): trading_core's packages import each other without cycles, `common`
depends on no other package, no module grows past 400 lines, and domain code knows no HTTP status.

The import graph is read from the AST of every module, so it covers imports inside functions too.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TRADING_CORE = ROOT / "lambdas" / "shared_layer" / "python" / "trading_core"
PACKAGE = "trading_core"
MAX_LINES = 400
SIZE_CHECKED = ("lambdas", "constructs_lib", "stacks", "localcloud", "bench", "soak", "operations", "deploy_check")
# Top-level modules every package may import: the names shared with the infrastructure.
LEAVES = frozenset({"contracts"})


def module_name(path: Path) -> str:
    parts = path.relative_to(TRADING_CORE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(TRADING_CORE.rglob("*.py"))}


def imported_modules(path: Path, known: Mapping[str, Path]) -> set[str]:
    """The trading_core modules `path` imports (`from trading_core.x import y` counts `trading_core.x.y`
    when that is a module, else `trading_core.x`)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if submodule in known else node.module)
    return {name for name in found if name in known and (name == PACKAGE or name.startswith(f"{PACKAGE}."))}


def package_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def module_graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imported_modules(path, known) - {name} for name, path in known.items()}


def package_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, imports in module_graph().items():
        graph.setdefault(package_of(module), set()).update(package_of(name) for name in imports)
    return {package: imports - {package} for package, imports in graph.items()}


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
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


def describe(graph: Mapping[str, set[str]]) -> str:
    return "\n".join(f"{node} -> {', '.join(sorted(graph[node])) or '-'}" for node in sorted(graph))


def test_the_graph_sees_every_module_and_package() -> None:
    graph = module_graph()
    assert "trading_core.orders.router" in graph
    assert "trading_core.orders.plan" in graph["trading_core.orders.router"]
    assert {"common", "orders", "pools", "market_data", "bus", "contracts"} <= set(package_graph())


def test_no_cycle_between_packages() -> None:
    graph = package_graph()
    assert cycles(graph) == [], describe(graph)


def test_no_cycle_between_modules() -> None:
    assert cycles(module_graph()) == []


def test_common_imports_no_other_package() -> None:
    graph = package_graph()
    assert graph["common"] <= LEAVES, describe(graph)
    for leaf in LEAVES:
        assert graph[leaf] == set(), f"{leaf} must import no other trading_core module"


def python_files() -> Iterator[Path]:
    for folder in SIZE_CHECKED:
        yield from (path for path in sorted((ROOT / folder).rglob("*.py")) if "__pycache__" not in path.parts)


def test_no_module_exceeds_the_line_budget() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}: {lines} lines"
        for path in python_files()
        if (lines := len(path.read_text().splitlines())) > MAX_LINES
    ]
    assert offenders == [], f"modules over {MAX_LINES} lines:\n" + "\n".join(offenders)


@pytest.mark.parametrize("path", sorted(TRADING_CORE.rglob("*.py")), ids=module_name)
def test_domain_code_names_no_http_status(path: Path) -> None:
    """HTTP status codes belong to the handlers: domain code raises typed refusals instead."""
    tree = ast.parse(path.read_text(), filename=str(path))
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    names |= {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    names |= {node.arg for node in ast.walk(tree) if isinstance(node, ast.arg)}
    names |= {
        keyword.arg
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        for keyword in node.keywords
        if keyword.arg is not None  # None: a `**mapping` argument
    }
    assert "status_code" not in names
