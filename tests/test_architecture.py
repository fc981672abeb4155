"""The rules that keep ``helpers/`` one house, read from the source (``scripts/architecture.py``).

Each test names one rule of ``docs/architecture.md`` and lists every breach, with file and line:
no import cycles; the bottom layer imports no analysis module; no helpers import inside a function;
no ``_private`` name used across modules, from a notebook, a test or a benchmark; no module over
600 lines; every package declares its public face (``__all__``).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("architecture", ROOT / "scripts" / "architecture.py")
architecture = importlib.util.module_from_spec(_spec)
sys.modules["architecture"] = architecture  # dataclasses look their module up there
_spec.loader.exec_module(architecture)

RESULT = architecture.measure(ROOT)
RULES = ["module cycles", "package cycles", "bottom layer imports analysis", "inner imports", "private names",
         "long modules", "package without __all__"]


@pytest.mark.parametrize("rule", RULES)
def test_rule_holds(rule):
    breaches = RESULT["breaches"].get(rule, [])
    assert not breaches, f"{rule}:\n  " + "\n  ".join(breaches)


def test_the_rules_can_fail(tmp_path):
    """The checker finds each kind of breach in a small package written to break every rule."""
    pkg = tmp_path / "helpers"
    (pkg / "clv").mkdir(parents=True)
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "tests").mkdir()
    (tmp_path / "benchmarks").mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "paths.py").write_text("from .clv import fit\n")                       # bottom imports analysis
    (pkg / "clv" / "__init__.py").write_text("from .model import fit\n")          # no __all__
    (pkg / "clv" / "model.py").write_text("from ..segment import _rank\n\ndef fit():\n    from .. import paths\n"
                                          + "x = 1\n" * 600)                      # private, inner, long
    (pkg / "segment.py").write_text("from .clv import fit\n\ndef _rank():\n    pass\n")  # cycle clv ↔ segment
    result = architecture.measure(tmp_path)["breaches"]
    assert set(RULES) - {"module cycles"} <= set(result), result
    assert any("segment" in c for c in result["package cycles"])


def test_every_public_name_of_every_package_imports():
    for module in sorted(RESULT["concept packages and modules"]) + RESULT["bottom layer"]:
        mod = importlib.import_module(f"helpers.{module}")
        for name in getattr(mod, "__all__", []):
            assert hasattr(mod, name), f"helpers.{module}.__all__ lists {name!r}, which does not import"
