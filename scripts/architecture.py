"""Measure the structure of ``helpers/`` and check the rules that keep it one house.

    python scripts/architecture.py            # figures: modules, lines, largest module, cycles, inner imports …
    python scripts/architecture.py --check    # the same, and exit 1 when a rule is broken (listing each breach)

The rules (``docs/architecture.md``; ``tests/test_architecture.py`` runs them in ``make test``):

1. the import graph of ``helpers`` has no cycle, between modules or between top-level packages;
2. a bottom-layer module (:data:`BOTTOM`) imports no analysis module;
3. no ``helpers`` import sits inside a function or class body (optional heavy third-party libraries
   such as pyspark may be imported there: they are not ``helpers``);
4. a ``_private`` name of one module is never used from another module, a notebook, a test or a
   benchmark (a package may import its own private submodules, as scikit-learn's ``_kmeans``);
5. no module passes :data:`MAX_LINES` lines;
6. every package's ``__init__.py`` declares ``__all__``, and every name listed there exists.

Read from the source with :mod:`ast` only: nothing is imported or run.
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "helpers"
MAX_LINES = 600
#: The bottom layer: may be used by every analysis module and imports none.
BOTTOM = frozenset({"paths", "schema", "errors", "i18n", "plotting", "outputs", "engines", "largelog", "privacy",
                    "store", "notebooks"})


@dataclass
class Module:
    name: str               # helpers.clv.models.beta_geo
    path: Path
    is_package: bool
    tree: ast.Module
    lines: int
    imports: list[tuple[str, str | None, int, bool]] = field(default_factory=list)  # (module, name, line, inner)


def _modules(root: Path = ROOT) -> dict[str, Module]:
    out = {}
    for path in sorted((root / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        text = path.read_text(encoding="utf-8")
        out[".".join(parts)] = Module(".".join(parts), path, is_package, ast.parse(text), len(text.splitlines()))
    return out


def _inside_bodies(tree: ast.AST) -> set[int]:
    """ids of the nodes inside a function or class body."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for child in ast.walk(node):
                if child is not node:
                    inside.add(id(child))
    return inside


def _absolute(module: Module, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.name.split(".") if module.is_package else module.name.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _resolve_imports(modules: dict[str, Module]) -> None:
    for module in modules.values():
        inner = _inside_bodies(module.tree)
        for node in ast.walk(module.tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == PACKAGE:
                        module.imports.append((alias.name, None, node.lineno, id(node) in inner))
            elif isinstance(node, ast.ImportFrom):
                target = _absolute(module, node)
                if target.split(".")[0] != PACKAGE:
                    continue
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    if sub in modules:  # `from . import clv` names a module
                        module.imports.append((sub, None, node.lineno, id(node) in inner))
                    else:
                        module.imports.append((target, alias.name, node.lineno, id(node) in inner))


def _owner(name: str, modules: dict[str, Module]) -> str:
    """The deepest known module of a dotted import target."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name


def _top(name: str) -> str:
    """``helpers.clv.models.base`` → ``clv``."""
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
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
                found.append(sorted(comp))

    sys.setrecursionlimit(max(10_000, sys.getrecursionlimit()))
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _helpers_aliases(tree: ast.AST, modules: dict[str, Module], here: Module | None) -> dict[str, str]:
    """Local names bound to a helpers module (``from helpers import clv``, ``import helpers.clv as c``)."""
    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name in modules and a.asname:
                    aliases[a.asname] = a.name
        elif isinstance(node, ast.ImportFrom):
            target = _absolute(here, node) if (here is not None and node.level) else (node.module or "")
            for a in node.names:
                if f"{target}.{a.name}" in modules:
                    aliases[a.asname or a.name] = f"{target}.{a.name}"
    return aliases


def _private_uses(tree: ast.AST, where: str, modules: dict[str, Module], here: Module | None) -> list[str]:
    """``_private`` names of helpers modules used from ``tree`` (another module, a notebook, a test …)."""
    breaches = []
    own_package = (here.name if here.is_package else here.name.rpartition(".")[0]) if here else None
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            target = _absolute(here, node) if (here is not None and node.level) else (node.module or "")
            if target.split(".")[0] != PACKAGE:
                continue
            for a in node.names:
                if a.name.startswith("_") and not a.name.startswith("__"):
                    sub = f"{target}.{a.name}"
                    if sub in modules and own_package and sub.rpartition(".")[0] == own_package:
                        continue  # a package importing its own private submodule
                    breaches.append(f"{where}:{node.lineno}: imports {target}.{a.name}")
    aliases = _helpers_aliases(tree, modules, here)
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                and node.attr.startswith("_") and not node.attr.startswith("__")):
            breaches.append(f"{where}:{node.lineno}: uses {aliases[node.value.id]}.{node.attr}")
    return breaches


def _notebook_trees(root: Path) -> list[tuple[str, ast.AST]]:
    out = []
    for path in sorted((root / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        code = "\n".join(line for line in code.splitlines() if not line.lstrip().startswith(("%", "!")))
        out.append((path.relative_to(root).as_posix(), ast.parse(code)))
    return out


def measure(root: Path = ROOT) -> dict:
    """Figures and breaches of every rule, as a dict (see the module docstring)."""
    modules = _modules(root)
    _resolve_imports(modules)
    graph: dict[str, set[str]] = defaultdict(set)
    tops: dict[str, set[str]] = defaultdict(set)
    breaches: dict[str, list[str]] = defaultdict(list)
    for m in modules.values():
        for target, _name, line, inner in m.imports:
            dep = _owner(target, modules)
            if not dep or dep == m.name:
                continue
            graph[m.name].add(dep)
            if _top(dep) != _top(m.name) and dep != PACKAGE:
                tops[_top(m.name)].add(_top(dep))
            where = f"{m.path.relative_to(root)}:{line}"
            if inner:
                breaches["inner imports"].append(f"{where}: imports {dep} inside a function or class")
            if _top(m.name) in BOTTOM and _top(dep) not in BOTTOM and dep != PACKAGE:
                breaches["bottom layer imports analysis"].append(f"{where}: {m.name} (bottom layer) imports {dep}")
    for cycle in _cycles(graph):
        breaches["module cycles"].append(" ↔ ".join(cycle))
    for cycle in _cycles(tops):
        breaches["package cycles"].append(" ↔ ".join(cycle))
    for m in modules.values():
        breaches["private names"] += _private_uses(m.tree, str(m.path.relative_to(root)), modules, m)
        if m.lines > MAX_LINES:
            breaches["long modules"].append(f"{m.path.relative_to(root)}: {m.lines} lines (limit {MAX_LINES})")
        if m.is_package and m.name != PACKAGE:
            names = [n for n in ast.walk(m.tree) if isinstance(n, ast.Assign)
                     and any(isinstance(t, ast.Name) and t.id == "__all__" for t in n.targets)]
            if not names:
                breaches["package without __all__"].append(f"{m.path.relative_to(root)}")
            else:
                defined = {n.id for n in ast.walk(m.tree) if isinstance(n, ast.Name)} | {
                    a.asname or a.name for n in ast.walk(m.tree) if isinstance(n, (ast.Import, ast.ImportFrom))
                    for a in n.names} | {n.name for n in m.tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
                listed = ast.literal_eval(names[0].value)
                breaches["package without __all__"] += [f"{m.path.relative_to(root)}: __all__ lists {x!r}, not defined"
                                                        for x in listed if x not in defined]
    for folder in ("tests", "benchmarks"):
        for path in sorted((root / folder).glob("*.py")):
            breaches["private names"] += _private_uses(ast.parse(path.read_text(encoding="utf-8")),
                                                       str(path.relative_to(root)), modules, None)
    for where, tree in _notebook_trees(root):
        breaches["private names"] += _private_uses(tree, where, modules, None)
    largest = max(modules.values(), key=lambda m: m.lines)
    analysis = sorted({_top(n) for n in modules if n != PACKAGE and _top(n) not in BOTTOM})
    return {
        "modules": len(modules),
        "packages": sum(m.is_package for m in modules.values()) - 1,
        "lines": sum(m.lines for m in modules.values()),
        "largest": f"{largest.path.relative_to(root)} ({largest.lines} lines)",
        "over 400 lines": sum(m.lines > 400 for m in modules.values()),
        "bottom layer": sorted(BOTTOM & {_top(n) for n in modules}),
        "concept packages and modules": analysis,
        "breaches": {k: v for k, v in breaches.items() if v},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a rule is broken")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    result = measure()
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        for key, value in result.items():
            if key != "breaches":
                print(f"{key}: {', '.join(value) if isinstance(value, list) else value}")
        counts = {k: len(v) for k, v in result["breaches"].items()}
        print("breaches:", ", ".join(f"{k} {n}" for k, n in counts.items()) or "none")
        for kind, items in result["breaches"].items():
            print(f"\n{kind}:")
            for item in items:
                print(f"  {item}")
    return 1 if args.check and result["breaches"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
