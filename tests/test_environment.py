"""The project's promises about its own files: dependencies in step, notebooks clean, layout."""

from __future__ import annotations

import json
import re
import subprocess
import tomllib
from pathlib import Path

import nbformat
import pytest
import yaml

from helpers.notebooks import intro_cell

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _split(spec: str) -> tuple[str, str]:
    match = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", spec)
    assert match, spec
    return match.group(1).lower().replace("_", "-"), match.group(2).replace(" ", "")


def _pyproject_specs() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    specs = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        specs += extra
    return dict(_split(s) for s in specs)


def _conda_specs() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    specs = [d for d in env["dependencies"] if isinstance(d, str)]
    # python and pip are the environment itself; openjdk is the Java runtime Spark needs, not a Python package
    return {name: spec for name, spec in map(_split, specs) if name not in {"python", "pip", "openjdk"}}


def test_environment_yml_and_pyproject_name_the_same_dependencies():
    pyproject, conda = _pyproject_specs(), _conda_specs()
    assert set(pyproject) == set(conda), (
        f"only in pyproject.toml: {sorted(set(pyproject) - set(conda))}; "
        f"only in environment.yml: {sorted(set(conda) - set(pyproject))}")
    differing = {k: (pyproject[k], conda[k]) for k in pyproject if pyproject[k] != conda[k]}
    assert not differing, f"version ranges differ (pyproject, environment.yml): {differing}"


def test_python_version_floor_matches():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert project["requires-python"] == ">=3.11"
    assert "python>=3.11" in env["dependencies"]


def test_there_are_numbered_notebooks():
    names = [p.name for p in NOTEBOOKS]
    assert "01_acquisition.ipynb" in names and "02_cleaning.ipynb" in names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_clean_and_parameterised(path: Path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code), \
        f"{path.name} has outputs: clear them before committing (executed copies belong in reports/)"
    first_code = code[0]
    assert "parameters" in first_code.get("metadata", {}).get("tags", []), \
        f"{path.name}: the first code cell must be tagged 'parameters' for papermill"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_opens_with_objectives_and_chinese_terms(path: Path):
    nb = nbformat.read(path, as_version=4)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    intro = intro_cell(nb)  # the objectives and key terms: right after the title, the report's appendix
    assert nb.cells.index(intro) <= 1, f"{path.name}: the objectives must open the notebook"
    first = intro.source
    assert "Learning objectives" in first
    assert re.search(r"[\u4e00-\u9fff]{2,}", first), "no Chinese key terms in the opening cell"
    assert "| 中文 | English |" in first, "the key-terms table (中文 | English) is missing"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_code_cells_stay_short(path: Path):
    """Analysis logic lives in helpers/: a code cell over ~15 lines is a helper waiting to be born. The worked
    solutions of write-it-yourself exercises (tagged ``solution``) are the student's own functions, not the
    workbook's analysis, and may be longer."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    long_cells = [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"
                  and "solution" not in c.get("metadata", {}).get("tags", [])
                  and len("".join(c["source"]).strip().splitlines()) > 15]
    assert not long_cells, f"{path.name}: code cells {long_cells} are longer than 15 lines"


def test_readme_opens_with_the_two_commands():
    head = (ROOT / "README.md").read_text(encoding="utf-8").split("\n## ")[0]
    assert "make report" in head and "make test" in head


def test_ci_runs_the_readme_test_command():
    text = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in text
    assert "|| true" not in text and "set -e" in text


def test_generated_folders_are_ignored_and_raw_data_is_tracked():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    if not tracked:
        pytest.skip("not a git checkout")
    assert not [t for t in tracked if t.startswith(("data/interim/", "data/processed/"))
                and not t.endswith(".gitkeep")]
    # reports/ is generated; only its README and the curated benchmark record are committed
    assert not [t for t in tracked if t.startswith("reports/") and t not in ("reports/README.md", "reports/benchmarks.md")]
    assert not [t for t in tracked if t.startswith(".venv/") or t.endswith(".pseudonym_key")]
    for raw in ("data/raw/cdnow/CDNOW_master.txt", "data/raw/cdnow/CDNOW_sample.txt",
                "data/raw/xiaomi_sim/manifest.yml"):
        assert raw in tracked


def test_cdnow_provenance_note_matches_the_files():
    import hashlib

    note = (ROOT / "data" / "raw" / "cdnow" / "PROVENANCE.md").read_text(encoding="utf-8")
    for name in ("CDNOW_master.txt", "CDNOW_sample.txt"):
        digest = hashlib.sha256((ROOT / "data" / "raw" / "cdnow" / name).read_bytes()).hexdigest()
        assert digest in note, f"sha256 of {name} in PROVENANCE.md is not the file's"
    assert "69,659" in note and "6,919" in note


def test_benchmark_record_keeps_the_runs_the_issues_ask_for_with_their_commands():
    record = (ROOT / "reports" / "benchmarks.md").read_text(encoding="utf-8")
    for needed in ("make large-log ROWS=50M", "helpers.report --only 01 02 03 04",  # the 50M notebook run
                   "peak RSS", "benchmarks/bench_scale.py --spark-sizes 10M --limited-size 100M",  # Spark, 100M
                   "memory_limit 2GB", "benchmarks/bench_clv.py --sizes 1M 10M 50M",  # summary and fits
                   "grouping / floor"):  # the floor ratio's explanation, measured in the same run
        assert needed in record, needed
    # issue 19 (discrete): MBG/NBD and BG/BB fit times at 1M customers
    assert "python benchmarks/bench_clv_models.py`" in record and "MBG/NBD and BG/BB fits at scale" in record
