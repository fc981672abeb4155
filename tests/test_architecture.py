"""The rules that keep ``helpers/`` one house, read from the source (``scripts/architecture.py``).

Each test names one rule of ``docs/architecture.md`` and lists every breach, with file and line:
no import cycles; the bottom layer imports no analysis module; no helpers import inside a function;
no ``_private`` name used across modules, from a notebook, a test or a benchmark; no module over
600 lines; every package declares its public face (``__all__``).
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("architecture", ROOT / "scripts" / "architecture.py")
architecture = importlib.util.module_from_spec(_spec)
sys.modules["architecture"] = architecture  # dataclasses look their module up there
_spec.loader.exec_module(architecture)

RESULT = architecture.measure(ROOT)
RULES = ["module cycles", "package cycles", "bottom layer imports analysis", "package order", "inner imports",
         "private names", "long modules", "package without __all__"]


@pytest.mark.parametrize("rule", RULES)
def test_rule_holds(rule):
    breaches = RESULT["breaches"].get(rule, [])
    assert not breaches, f"{rule}:\n  " + "\n  ".join(breaches)


def test_the_rules_can_fail(tmp_path):
    """The checker finds each kind of breach in a small tree written to break every rule, in every disguise."""
    pkg = tmp_path / "helpers"
    for folder in (pkg / "clv", pkg / "segment", tmp_path / "notebooks", tmp_path / "tests", tmp_path / "benchmarks"):
        folder.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "paths.py").write_text("import importlib\n\ndef later():\n    return importlib.import_module('helpers.clv')\n")
    (pkg / "clv" / "__init__.py").write_text("from .model import fit\n")                      # no __all__
    (pkg / "clv" / "model.py").write_text("from ..segment import _rank\n\ndef fit():\n    from .. import paths\n"
                                          + "x = 1\n" * 600)                                   # private, inner, long
    (pkg / "clv" / "sql.py").write_text("def _day():\n    pass\n")
    (pkg / "segment" / "__init__.py").write_text("from ..clv import fit\n__all__ = sorted(['fit'])\n")  # cycle, order
    (pkg / "segment" / "_impl.py").write_text("def _rank():\n    pass\n")
    (pkg / "segment" / "rank.py").write_text("def _rank():\n    pass\n")
    (tmp_path / "tests" / "test_x.py").write_text(
        "import helpers.segment._impl as impl\nfrom helpers import clv\nclv.sql._day()\ngetattr(clv.sql, '_day')\n")
    (tmp_path / "benchmarks" / "bench_x.py").write_text("from helpers.segment._impl import go\n")
    cells = [{"cell_type": "code", "source": ["import helpers.clv\n", "helpers.clv.sql._day()\n"]}]
    (tmp_path / "notebooks" / "01_x.ipynb").write_text(json.dumps({"cells": cells}))
    result = architecture.measure(tmp_path)["breaches"]
    assert set(RULES) - {"module cycles"} <= set(result), result
    assert any("segment" in c for c in result["package cycles"])
    assert any("paths.py" in b for b in result["bottom layer imports analysis"])      # importlib counts as an import
    assert any("paths.py" in b for b in result["inner imports"])
    assert any("segment may not import clv" in b for b in result["package order"])
    assert any("not a literal list" in b for b in result["package without __all__"])
    private = "\n".join(result["private names"])
    for where in ("clv/model.py:1", "test_x.py:1", "test_x.py:3", "test_x.py:4", "bench_x.py:1", "01_x.ipynb:2"):
        assert where in private, (where, private)


def test_every_public_name_of_every_package_imports():
    """Every name in the ``__all__`` of every package and subpackage (``clv.models``, ``segment.schemes`` …) imports."""
    packages = [p.relative_to(ROOT).parent.as_posix().replace("/", ".") for p in (ROOT / "helpers").rglob("__init__.py")]
    assert len(packages) >= 10
    for name in sorted(packages) + [f"helpers.{m}" for m in RESULT["bottom layer"]]:
        mod = importlib.import_module(name)
        for public in getattr(mod, "__all__", []):
            assert hasattr(mod, public), f"{name}.__all__ lists {public!r}, which does not import"
