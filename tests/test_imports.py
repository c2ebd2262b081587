"""The package's import graph: persistence, the CLI and the measuring tools sit beside the answer flow,
so none of them is part of an import cycle (static: every import, including those inside functions)."""

import ast
from pathlib import Path

import assistant

PACKAGE = Path(assistant.__file__).parent


def import_graph() -> dict[str, set[str]]:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                continue
            graph[name] |= {t for t in targets if t in modules and t != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm)."""
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[set[str]] = []

    def visit(node: str) -> None:
        order[node] = low[node] = len(order)
        stack.append(node)
        for other in graph[node]:
            if other not in order:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], order[other])
        if low[node] == order[node]:
            component = set()
            while True:
                member = stack.pop()
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(component)

    for node in graph:
        if node not in order:
            visit(node)
    return found


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_store_cli_and_quality_are_in_no_import_cycle():
    graph = import_graph()
    rooms = ("assistant.store", "assistant.cli", "assistant.quality", "assistant.staff", "assistant.api")
    tangled = [sorted(c) for c in cycles(graph) if any(m.startswith(rooms) for m in c)]
    assert tangled == []


def test_the_index_does_not_reach_into_the_store():
    """LiveIndex is given its builder (index.LocalBuilder, or store.publish.SharedBuilder) instead."""
    assert not {m for m in import_graph()["assistant.index"] if m.startswith("assistant.store")}
