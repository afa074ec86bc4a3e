"""The package's import graph: no cycle, between modules or between packages.

The layers (features over shared services over web helpers over models over the domain) are an
import-linter contract in pyproject.toml, run by scripts/test; this test adds what a layers
contract does not see: siblings that import each other round in a circle, and the lazy
imports inside functions that hide such a circle from the interpreter.
"""

from __future__ import annotations

import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    sys.path.insert(0, str(ROOT))
    try:
        return grimp.build_graph("portal", exclude_type_checking_imports=True, cache_dir=None)
    finally:
        sys.path.remove(str(ROOT))


def _cycles(nodes: set[str], edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(nodes):
        if root in index:
            continue
        work = [(root, iter(sorted(edges.get(root, ()))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
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
    return found


def _package(module: str) -> str:
    """portal.quotes.routes -> portal.quotes; portal.web -> portal.web."""
    return ".".join(module.split(".")[:2])


def test_no_module_imports_itself_round_a_circle(graph):
    modules = set(graph.modules)
    edges = {module: set(graph.find_modules_directly_imported_by(module)) for module in modules}
    assert _cycles(modules, edges) == []


def test_no_two_packages_import_each_other(graph):
    edges: dict[str, set[str]] = {}
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            # create_app in portal/__init__.py wires every package together: it is the top.
            if module != "portal" and _package(module) != _package(imported):
                edges.setdefault(_package(module), set()).add(_package(imported))
    packages = set(edges) | {target for targets in edges.values() for target in targets}
    assert _cycles(packages, edges) == []


def test_the_cycle_finder_finds_a_cycle():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(set(edges), edges) == [["a", "b", "c"]]
