"""Measure the structure of ``helpers/`` and check the rules that keep it one house.

    python scripts/architecture.py            # figures: modules, lines, largest module, cycles, inner imports …
    python scripts/architecture.py --check    # the same, and exit 1 when a rule is broken (listing each breach)

The rules (``docs/architecture.md``; ``tests/test_architecture.py`` runs them in ``make test``):

1. the import graph of ``helpers`` has no cycle, between modules or between top-level packages;
2. a bottom-layer module (:data:`BOTTOM`) imports no analysis module, and a concept package imports
   only the packages :data:`ALLOWED` lists for it;
3. no ``helpers`` import sits inside a function or class body (optional heavy third-party libraries
   such as pyspark may be imported there: they are not ``helpers``);
4. a ``_private`` name of one module is never used from another module, a notebook, a test or a
   benchmark — imported, reached through attributes (``clv.sql._x``) or by ``getattr(clv, "_x")``
   (a package may import its own private submodules, as scikit-learn's ``_kmeans``);
5. no module passes :data:`MAX_LINES` lines;
6. every package's ``__init__.py`` declares ``__all__`` as a literal list, and every name listed there is
   bound at the top of the module.

``importlib.import_module("helpers.x")`` and ``__import__("helpers.x")`` count as imports. Read from the
source with :mod:`ast` only: nothing is imported or run.
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
BOTTOM = frozenset({"paths", "schema", "errors", "i18n", "plotting", "outputs", "tables", "engines", "largelog",
                    "privacy", "store", "notebooks"})
#: The concept packages each concept package may import (besides the bottom layer), lowest first.
#: ``None``: any concept package (the exercises' expected answers read every step's results).
ALLOWED: dict[str, frozenset[str] | None] = {
    "clean": frozenset(), "simulate": frozenset(), "segment": frozenset(), "topics": frozenset(),
    "acquire": frozenset({"clean"}),
    "survey": frozenset({"acquire"}),
    "clv": frozenset({"acquire", "clean", "simulate"}),
    "community": frozenset({"acquire", "clean", "simulate", "topics"}),
    "knowledge": frozenset({"acquire", "clean", "clv", "community", "segment", "topics"}),
    "report": frozenset({"knowledge"}),
    "teaching": frozenset({"report"}),  # the Chinese editions and the slides: translations, headings, Chromium print
    "sharing": frozenset({"knowledge", "report"}),
    "chain": frozenset({"clean", "clv", "segment"}),
    "exercises": None,
}


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
            elif (name := _dynamic_import(node)) is not None and name.split(".")[0] == PACKAGE:
                module.imports.append((name, None, node.lineno, id(node) in inner))


def _dynamic_import(node: ast.AST) -> str | None:
    """The module named by ``importlib.import_module("…")`` or ``__import__("…")``, else ``None``."""
    if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)):
        return None
    f = node.func
    called = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
    return node.args[0].value if called in ("import_module", "__import__") else None


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
                elif a.name.split(".")[0] == PACKAGE and not a.asname:
                    aliases[PACKAGE] = PACKAGE  # `import helpers.clv` binds the name `helpers`
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
            if any(_is_private(p) for p in target.split(".")[1:]) and not (
                    own_package and (target == own_package or target.rpartition(".")[0] == own_package)):
                breaches.append(f"{where}:{node.lineno}: imports from {target}")
            for a in node.names:
                if a.name.startswith("_") and not a.name.startswith("__"):
                    sub = f"{target}.{a.name}"
                    if sub in modules and own_package and sub.rpartition(".")[0] == own_package:
                        continue  # a package importing its own private submodule
                    breaches.append(f"{where}:{node.lineno}: imports {target}.{a.name}")
        if isinstance(node, ast.Import):
            for a in node.names:
                parts = a.name.split(".")
                private = [p for p in parts[1:] if _is_private(p)]
                if parts[0] == PACKAGE and private and not (
                        own_package and a.name.rpartition(".")[0] == own_package):
                    breaches.append(f"{where}:{node.lineno}: imports {a.name}")
    aliases = _helpers_aliases(tree, modules, here)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _is_private(node.attr):
            chain = _chain(node.value)
            if chain and chain[0] in aliases:
                breaches.append(f"{where}:{node.lineno}: uses {'.'.join([aliases[chain[0]], *chain[1:], node.attr])}")
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("getattr", "hasattr")
              and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant)
              and isinstance(node.args[1].value, str) and _is_private(node.args[1].value)):
            chain = _chain(node.args[0])
            if chain and chain[0] in aliases:
                breaches.append(f"{where}:{node.lineno}: uses {'.'.join([aliases[chain[0]], *chain[1:]])}"
                                f".{node.args[1].value} through {node.func.id}")
    return breaches


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _chain(node: ast.AST) -> list[str] | None:
    """``["clv", "sql"]`` for the expression ``clv.sql``; ``None`` for anything but a dotted name."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return [node.id, *reversed(parts)]


def _top_level_names(tree: ast.Module) -> set[str]:
    """Names bound at the top of a module: imports, functions, classes and assignments."""
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return names


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
            elif (_top(m.name) not in BOTTOM and _top(dep) not in BOTTOM and _top(dep) != _top(m.name)
                  and dep != PACKAGE and ALLOWED.get(_top(m.name), frozenset()) is not None
                  and _top(dep) not in ALLOWED.get(_top(m.name), frozenset())):
                breaches["package order"].append(f"{where}: {_top(m.name)} may not import {_top(dep)} "
                                                 f"(allowed: {sorted(ALLOWED.get(_top(m.name)) or []) or 'none'})")
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
                try:
                    listed = ast.literal_eval(names[0].value)
                except ValueError:
                    breaches["package without __all__"].append(f"{m.path.relative_to(root)}: __all__ is not a literal list")
                    continue
                defined = _top_level_names(m.tree)
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
    parser.add_argument("--root", type=Path, default=ROOT,
                        help="project folder to measure (e.g. an older checkout: git worktree add /tmp/old REV)")
    args = parser.parse_args(argv)
    result = measure(args.root.resolve())
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
