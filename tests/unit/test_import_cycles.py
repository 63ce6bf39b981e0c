"""No import cycles among our own modules, read from the source with `ast`.

Every import counts: top-level ones, those inside functions and those under TYPE_CHECKING, because
each is a dependency a reader has to follow and a cycle hidden behind a lazy import is still a cycle.
The graph's nodes are modules (files); `from pkg import name` counts as importing `pkg.name` when that
is a module. Importing a submodule does not count as importing its package's __init__.
"""

from __future__ import annotations

from collections.abc import Iterable

from tests.unit.test_boundaries import ROOT, imports_of, module_name, sources

TOPS = ("contracts", "eventlog", "services", "kczg", "bench", "deploy")
Graph = dict[str, set[str]]


def import_graph(tops: Iterable[str] = TOPS) -> Graph:
    paths = [p for top in tops if (ROOT / top).is_dir() for p in sources(top)]
    modules = {module_name(p): p for p in paths}
    graph: Graph = {}
    for name, path in modules.items():
        found = imports_of(path.read_text(encoding="utf-8"), name, path.name == "__init__.py", with_names=True)
        graph[name] = {target for _, target in found if target in modules and target != name}
    return graph


def cycles(graph: Graph) -> list[list[str]]:
    """Every strongly connected component with more than one module (Tarjan), each as a sorted list."""
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
    return sorted(found)


def describe(component: list[str], graph: Graph) -> str:
    members = set(component)
    edges = [f"{a} -> {b}" for a in component for b in sorted(graph[a] & members)]
    return " | ".join(edges)


def test_no_import_cycles() -> None:
    graph = import_graph()
    found = [describe(c, graph) for c in cycles(graph)]
    assert found == [], "import cycles (break each by moving the shared part down):\n" + "\n".join(found)


def test_the_cycle_finder_sees_a_cycle_through_a_function_level_import() -> None:
    # Guard the guard: a lazy import inside a function still closes a cycle.
    graph = {"a": set(), "b": set(), "c": set()}
    sources_ = {"a": "import b\n", "b": "def f():\n    from c import x\n", "c": "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n    import a\n"}
    for name, source in sources_.items():
        graph[name] = {t for _, t in imports_of(source, name, with_names=True) if t in graph and t != name}
    assert cycles(graph) == [["a", "b", "c"]]
