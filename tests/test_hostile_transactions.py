"""The hostile corpus of order exports (``tests/data/hostile/transactions/``), one test per case.

Each case of ``cases.yml`` names a tricky real-world file and what must come of it: read right (exact net
spend per customer, rows in = kept + quarantined, each quarantined row with its reason), or a short
:class:`DataError` naming the file (and the column / row where there is one). Every file is hashed before and
after: raw files stay byte-identical. Cases that can hang run first in a child process with a time limit.
The dataset's currency is CNY (``clean_transactions(currency="CNY")``), as for the user's own exports.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml

import hostile

from helpers.acquire import acquire, read_transactions
from helpers.clean import check_accounting, clean_transactions
from helpers.errors import DataError
from helpers.paths import PROJECT_ROOT
from helpers.schema import ACQUISITION_MARKS, REASONS

CORPUS = Path(__file__).resolve().parent / "data" / "hostile" / "transactions"
CASES: list[dict[str, Any]] = yaml.safe_load((CORPUS / "cases.yml").read_text(encoding="utf-8"))["cases"]
TOTALS = {"10042": "258.50", "20077": "1387.80", "30015": "57.60"}  # the six orders of make_files.ORDERS
MAX_MESSAGE = 300  # characters of an error message besides the file's path
START_UP = 60  # seconds a child process may take to import the package, on top of a case's max_seconds


def _id(case: dict[str, Any]) -> str:
    return case.get("id", case["file"])


def _generate(kind: str, folder: Path, name: str) -> Path:
    """A file too big or too odd to commit (:func:`hostile.generate`), with this corpus's header."""
    return hostile.generate(kind, folder, name, header=(CORPUS / "header_only.csv").read_bytes().splitlines()[0])


def _read(case: dict[str, Any], path: Path) -> tuple[pd.DataFrame, list[str], str | None]:
    """``(canonical table, provenance notes, encoding)`` as the case's tool reads the file."""
    if case.get("via") == "acquire":
        acquired = acquire("hostile", source_path=path)
        prov = acquired.provenance[0]
        return acquired.transactions, list(prov.notes), prov.encoding
    df = read_transactions(path, **case.get("options", {}))
    prov = df.attrs["provenance"]
    return df, list(prov["notes"]), prov["encoding"]


def _no_hang(case: dict[str, Any], path: Path) -> None:
    """Read the file in a child process that is killed when it runs too long: a hang fails, never blocks."""
    code = ("import sys\nfrom helpers.acquire import acquire, read_transactions\nfrom helpers.errors import DataError\n"
            "try:\n    (acquire('hostile', source_path=sys.argv[1]) if sys.argv[2] == 'acquire'\n"
            "     else read_transactions(sys.argv[1]))\nexcept DataError:\n    pass\n")
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    try:
        subprocess.run([sys.executable, "-c", code, str(path), case.get("via", "read")], cwd=PROJECT_ROOT, env=env,
                       timeout=case["max_seconds"] + START_UP, check=True, capture_output=True)
    except subprocess.TimeoutExpired:
        pytest.fail(f"reading {path.name} did not finish in {case['max_seconds'] + START_UP} s")


def _check_read(case: dict[str, Any], path: Path) -> None:
    df, notes, encoding = _read(case, path)
    assert len(df) == case.get("rows", 6)
    clean, quarantine = clean_transactions(df, currency="CNY")
    check_accounting(df, clean, quarantine)
    assert len(clean) + len(quarantine) == len(df), "rows in = kept + quarantined"
    assert quarantine["reason"].notna().all() and set(quarantine["reason"]) <= set(REASONS)
    assert quarantine["reason"].value_counts().to_dict() == case["quarantined"]
    assert len(clean) == case["kept"]
    assert not set(ACQUISITION_MARKS) & set(clean.columns), "marks stay behind in acquisition and quarantine"
    amounts = clean["amount"].to_numpy(dtype=float)
    assert np.isfinite(amounts).all()
    expected = {k: Decimal(v) for k, v in case.get("totals", TOTALS).items()}
    totals = clean.groupby("customer_id")["amount"].sum()
    assert {k: Decimal(f"{v:.2f}") for k, v in totals.items()} == expected
    assert np.allclose([totals[k] for k in expected], [float(v) for v in expected.values()], rtol=0, atol=1e-9)
    if "first" in case:
        assert str(clean["timestamp"].min()) == case["first"] and str(clean["timestamp"].max()) == case["last"]
    if "encoding" in case:
        assert encoding == case["encoding"]
    for fragment in case.get("notes", []):
        assert any(fragment in note for note in notes), (fragment, notes)
    for reason, ids in case.get("quarantined_ids", {}).items():
        assert quarantine.loc[quarantine["reason"] == reason, "customer_id"].tolist() == ids
    for reason, fragment in case.get("details", {}).items():
        details = quarantine.loc[quarantine["reason"] == reason, "detail"].astype(str)
        assert len(details) and details.str.contains(fragment, regex=False).all(), (reason, details.tolist())


def _check_error(case: dict[str, Any], path: Path) -> None:
    expected = case["error"]
    started = time.perf_counter()
    with pytest.raises(DataError) as info:
        _read(case, path)
    assert time.perf_counter() - started < case.get("max_seconds", 60)
    err, message = info.value, str(info.value)
    assert err.file is not None and Path(err.file).name == path.name, "the error names the file"
    assert len(message.replace(err.file, "")) <= MAX_MESSAGE, (len(message), message)
    for fragment in expected["message"]:
        assert fragment in message, (fragment, message)
    assert err.column == expected.get("column")
    assert err.row == expected.get("row")


def _path(case: dict[str, Any], folder: Path) -> Path:
    return _generate(case["generate"], folder, case["file"]) if "generate" in case else CORPUS / case["file"]


# --------------------------------------------------------------------------- the corpus


def test_the_corpus_has_enough_cases_of_each_kind():
    assert len(CASES) >= 30
    outcomes = [c["outcome"] for c in CASES]
    assert set(outcomes) == {"read", "error"} and outcomes.count("error") >= 10 and outcomes.count("read") >= 10
    ids = [_id(c) for c in CASES]
    assert len(ids) == len(set(ids))
    for case in CASES:
        assert {"file", "tool", "trap", "before", "outcome"} <= set(case), _id(case)
        assert "xfail" not in case, _id(case)
        assert set(case.get("quarantined", {})) <= set(REASONS), _id(case)
        assert set(case.get("marks", {})) <= set(ACQUISITION_MARKS), _id(case)
    committed = {p.name for p in CORPUS.iterdir()} - {"cases.yml", "make_files.py", "__pycache__"}
    assert committed == {c["file"] for c in CASES if "generate" not in c}, "every file has a case, every case a file"


#: Files written by another library's binary writer (pyarrow, openpyxl, xlwt): their bytes carry its version.
LIBRARY_WRITTEN = {"long_ids_with_null.parquet", "float_ids.parquet", "title_and_totals.xlsx", "xlsx_named.csv",
                   "legacy.xls"}


def _cells(path: Path) -> object:
    """What a library-written file holds, independent of the writer's version: the table, or every sheet's cells."""
    if path.suffix == ".parquet":
        return pq.read_table(path).to_pylist()
    engine = "calamine" if path.suffix == ".xls" else "openpyxl"
    book = pd.read_excel(path, sheet_name=None, header=None, engine=engine)
    return {name: sheet.astype(object).where(sheet.notna(), None).values.tolist() for name, sheet in book.items()}


def test_make_files_rebuilds_the_corpus_byte_for_byte(tmp_path):
    """make_files.py writes every file again with the same bytes (the committed ones were made by it); a file
    another library writes may differ in bytes after that library's upgrade, never in what it holds."""
    spec = importlib.util.spec_from_file_location("hostile_transactions_make_files", CORPUS / "make_files.py")
    maker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(maker)
    maker.HERE = tmp_path
    for step in (maker.identities, maker.unit_prices, maker.titles_and_totals, maker.encodings_and_types,
                 maker.times_and_values):
        step()
    made = sorted(p.name for p in tmp_path.iterdir())
    assert made == sorted(p.name for p in CORPUS.iterdir() if p.name not in ("cases.yml", "make_files.py")
                          and p.is_file())
    differ = [n for n in made if (tmp_path / n).read_bytes() != (CORPUS / n).read_bytes()]
    assert set(differ) <= LIBRARY_WRITTEN, differ
    for name in differ:
        assert _cells(tmp_path / name) == _cells(CORPUS / name), name


@pytest.mark.parametrize("case", [pytest.param(c, id=_id(c)) for c in CASES])
def test_hostile_file(case: dict[str, Any], tmp_path: Path) -> None:
    path = _path(case, tmp_path)
    before = hostile.sha(path)
    if "max_seconds" in case:
        _no_hang(case, path)
    if case["outcome"] == "error":
        _check_error(case, path)
    else:
        _check_read(case, path)
    assert hostile.sha(path) == before, "the raw file was modified"


@pytest.mark.parametrize("case", [pytest.param(c, id=_id(c)) for c in CASES if "marks" in c])
def test_rows_that_are_not_orders_are_marked_at_acquisition(case: dict[str, Any], tmp_path: Path) -> None:
    """The acquisition half of the cases with rows that are not orders: each such row
    carries its mark (column = reason code, value = detail), every other row none, values kept."""
    df, notes, _ = _read(case, _path(case, tmp_path))
    marks = [c for c in ACQUISITION_MARKS if c in df.columns]
    assert {c: int(df[c].notna().sum()) for c in marks} == case["marks"]
    marked = df[marks].notna().any(axis=1)
    assert int(marked.sum()) == sum(case["marks"].values())
    for reason, fragment in case.get("details", {}).items():
        assert df[reason].dropna().str.contains(fragment, regex=False).all()
    unmarked = df.loc[~marked]
    assert unmarked["customer_id"].notna().all() and set(unmarked["customer_id"]) == set(TOTALS)
    assert any("for cleaning to quarantine" in note for note in notes)
