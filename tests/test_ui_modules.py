"""How the app's modules hang together: every page is one module of ui/pages/ that app.py wires,
and the ui modules import one another one way only (no cycles, not even inside functions)."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UI = ROOT / "src" / "cs_archive" / "ui"


def _module(path: Path) -> str:
    return ".".join(("cs_archive",) + path.relative_to(UI.parent).with_suffix("").parts).removesuffix(".__init__")


def _imports(path: Path) -> set[str]:
    """The cs_archive.ui modules ``path`` imports, anywhere in it."""
    me = _module(path).split(".")
    package = me if path.name == "__init__.py" else me[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            target = ".".join(base + (node.module.split(".") if node.module else []))
            for alias in node.names:
                for name in (f"{target}.{alias.name}", target):
                    if (UI.parent / (name.replace(".", "/").removeprefix("cs_archive/") + ".py")).exists():
                        found.add(name)
                        break
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return {m for m in found if m.startswith("cs_archive.ui.") and m != _module(path)}


def test_the_ui_modules_import_one_another_one_way():
    graph = {_module(p): _imports(p) for p in UI.rglob("*.py") if p.name != "__init__.py"}
    done, path = set(), []

    def visit(m):
        assert m not in path, "import cycle: " + " → ".join(path[path.index(m):] + [m])
        if m in done:
            return
        path.append(m)
        for n in sorted(graph.get(m, ())):
            visit(n)
        path.pop()
        done.add(m)

    for m in sorted(graph):
        visit(m)


def test_each_page_is_a_module_the_app_wires():
    pages = sorted(p.stem for p in (UI / "pages").glob("*.py") if p.name != "__init__.py")
    app = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    wired = {}
    for node in ast.walk(app):
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "st.Page":
            url = next(k.value.value for k in node.keywords if k.arg == "url_path")
            wired[url] = ast.unparse(node.args[0])
    assert wired == {p: f"{p}.render" for p in pages}
    for p in pages:
        tree = ast.parse((UI / "pages" / f"{p}.py").read_text(encoding="utf-8"))
        assert any(isinstance(n, ast.FunctionDef) and n.name == "render" for n in tree.body), p
