"""No import cycles within emulator/ (DESIGN.md rule 1): counted over every import statement, the
ones under `if TYPE_CHECKING:` and inside functions included, since both hide a cycle rather than
remove it."""
from __future__ import annotations

import ast
from pathlib import Path

import emulator

ROOT = Path(emulator.__file__).resolve().parent


def _modules() -> dict[str, Path]:
    out = {}
    for p in ROOT.rglob("*.py"):
        parts = p.relative_to(ROOT.parent).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = p
    return out


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            targets = [base, *(f"{base}.{a.name}" for a in node.names)]
        else:
            continue
        # a package's (empty) __init__ is no edge: importing a.b.c runs a and a.b, which import nothing
        out.update(t for t in targets if t in modules and t != name and modules[t].name != "__init__.py")
    return out


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


# cycles tolerated for now: none since issue #11 put each API's state apart from its handlers; keep it empty
KNOWN: list[list[str]] = []


def test_import_graph_has_no_cycles() -> None:
    modules = _modules()
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    assert [c for c in _cycles(graph) if c not in KNOWN] == []


def test_import_graph_check_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_package_exports_its_public_surface_lazily() -> None:
    import subprocess
    import sys

    code = ("import sys, emulator; assert 'emulator.app' not in sys.modules; "
            "from emulator import create_app, Settings, LiveServer, EmulatorTenant, ApiDescriptor; "
            "assert sorted(emulator.__all__) == sorted(emulator._WHERE); print(create_app.__module__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "emulator.app"
