"""The import graph of src/cs_archive has no cycle, counting imports inside functions too: a
module that needs another at run time depends on it as much as one that imports it at the top."""
from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "src" / "cs_archive"


def module_name(path: Path) -> str:
    parts = ["cs_archive", *path.relative_to(PKG).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    files = {module_name(p): p for p in PKG.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in files}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(up + ([base] if base else []))
                # "from . import x" names a module x where there is one, else a name in the package
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in files else base for a in node.names]
            else:
                continue
            graph[name] |= {t for t in targets if t in files and t != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


KNOWN: list[list[str]] = []  # no cycle is tolerated


def test_the_package_has_no_import_cycle():
    assert [c for c in cycles(import_graph()) if c not in KNOWN] == []


def test_the_graph_sees_imports_inside_functions_and_relative_ones():
    g = import_graph()
    assert "cs_archive.index.shared" in g["cs_archive.index.store"]  # from .shared import ...
    assert "cs_archive.nltk_import" in g["cs_archive.lexical"]  # inside a function
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_backends_share_only_modules_that_import_no_backend():
    """The store interface's shared parts and the full-text index import neither backend."""
    g = import_graph()
    backends = {"cs_archive.index.store", "cs_archive.index.pg"}
    for name in ("cs_archive.index.shared", "cs_archive.index.fulltext", "cs_archive.index.vectors"):
        assert not g[name] & backends, name


def test_the_interface_module_imports_no_backend():
    """index/base.py is the interface both backends implement: it imports neither, even inside
    a function (index/__init__.py chooses the backend)."""
    assert not import_graph()["cs_archive.index.base"] & {"cs_archive.index.store", "cs_archive.index.pg"}
