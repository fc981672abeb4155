"""The hostile corpus of survey exports and written outputs (``tests/data/hostile/survey/``), one test per case.

Each case of ``cases.yml`` names a tricky real-world file and what must come of it: read right, read with
rows excluded for a stated reason (rows read = respondents + excluded), a short :class:`DataError` naming
the file (and the column / row where there is one), or, for an output table, formula text neutralised with
numbers untouched. Every file is hashed before and after: raw files stay byte-identical.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

import hostile

from helpers import outputs
from helpers.acquire import read_table
from helpers.errors import DataError
from helpers.survey import EXCLUSIONS, SAMPLES_DIR, read_survey

CORPUS = Path(__file__).resolve().parent / "data" / "hostile" / "survey"
CASES: list[dict[str, Any]] = yaml.safe_load((CORPUS / "cases.yml").read_text(encoding="utf-8"))["cases"]
EXPECTED = pd.read_csv(SAMPLES_DIR / "expected.csv", dtype=str, keep_default_na=False)
MAX_MESSAGE = 300  # characters of an error message besides the file's path


def _generate(kind: str, folder: Path, name: str) -> Path:
    """A file too big or too odd to commit (:func:`hostile.generate`), with this corpus's header."""
    return hostile.generate(kind, folder, name, header=(SAMPLES_DIR / "plain_codes.csv").read_bytes().splitlines()[0])


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.astype(object).where(frame.notna(), "")
    return out.map(lambda v: str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)).astype(str)


def _expected(case: dict[str, Any]) -> pd.DataFrame:
    table = EXPECTED.copy()
    for cell in case.get("values", []):
        table.loc[cell["respondent"] - 1, cell["column"]] = "" if cell["value"] is None else str(cell["value"])
    return table


def _check_read(case: dict[str, Any], path: Path) -> None:
    data = read_survey(path, **case.get("options", {}))
    excluded = case.get("excluded", {})
    assert data.n == case["respondents"]
    assert data.source["rows"] == data.n and data.source["rows_read"] == data.n + len(data.excluded)
    assert data.source["excluded"] == excluded and data.excluded["reason"].value_counts().to_dict() == excluded
    assert set(data.excluded["reason"]) <= set(EXCLUSIONS)
    if case["outcome"] == "read":
        assert excluded == {} and data.excluded.empty
    if "format" in case:
        assert data.source["format"] == case["format"]
    if "encoding" in case:
        assert data.source["encoding"] == case["encoding"]
    if case.get("expected") == "samples":  # in expected.csv's order where the ids are its ids (kept "last" moves)
        columns = [c for c in EXPECTED.columns if c != "respondent_id"]
        got = data.responses.set_index("respondent_id", drop=False)
        if sorted(got.index) == sorted(EXPECTED["respondent_id"]):
            got = got.loc[EXPECTED["respondent_id"]]
        pd.testing.assert_frame_equal(_as_text(got[columns].reset_index(drop=True)), _expected(case)[columns])
    if "ids" in case:
        assert data.responses["respondent_id"].tolist() == case["ids"]
    for fragment in case.get("notes", []):
        assert any(fragment in note for note in data.source["notes"]), (fragment, data.source["notes"])
    for column, counts in case.get("missing", {}).items():
        assert data.missing.set_index("column").loc[column].to_dict() == counts


def _check_error(case: dict[str, Any], path: Path) -> None:
    expected = case["error"]
    started = time.perf_counter()
    with pytest.raises(DataError) as info:
        read_survey(path, **case.get("options", {}))
    assert time.perf_counter() - started < case.get("max_seconds", 60)
    err, message = info.value, str(info.value)
    assert err.file is not None and Path(err.file).name == path.name, "the error names the file"
    assert len(message.replace(err.file, "")) <= MAX_MESSAGE, len(message)
    for fragment in expected["message"]:
        assert fragment in message, (fragment, message)
    if "column" in expected:
        assert err.column == expected["column"]
    if "row" in expected:
        assert err.row == expected["row"]


def _check_output(case: dict[str, Any], path: Path, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_REPORTS_DIR", str(folder))
    table, _ = read_table(path)  # as acquisition reads it: every value text
    for column in case["numeric"]:
        table[column] = pd.to_numeric(table[column])
    written = outputs.save_table(table, path.stem)
    back = pd.read_csv(written, encoding="utf-8-sig", dtype={c: str for c in case["text"]}, keep_default_na=False)
    assert len(back) == len(table) and list(back.columns) == list(table.columns), "the table kept its rows"
    changed = 0
    for column in case["text"]:
        for before, after in zip(table[column], back[column]):
            if before.startswith(outputs.FORMULA_START) and not _is_number(before):
                assert after == "'" + before
                changed += 1
            else:
                assert after == before
    assert changed == case["formulas"]
    for column in case["numeric"]:
        pd.testing.assert_series_equal(back[column], table[column], check_dtype=False)
        assert pd.api.types.is_numeric_dtype(back[column])
    with open(written, encoding="utf-8-sig", newline="") as fh:  # what a spreadsheet sees, cell by cell
        rows = list(csv.reader(fh))
    positions = [rows[0].index(c) for c in case["text"]]
    live = [row[j] for row in rows[1:] for j in positions
            if row[j].startswith(outputs.FORMULA_START) and not _is_number(row[j])]
    assert live == [], f"formula cells written live: {live}"


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_the_corpus_has_enough_cases_of_each_kind():
    outcomes = [c["outcome"] for c in CASES]
    assert len(CASES) >= 18 and outcomes.count("neutralised") >= 3
    assert {"read", "excluded", "error", "neutralised"} <= set(outcomes)
    ids = [c.get("id", c["file"]) for c in CASES]
    assert len(ids) == len(set(ids))
    committed = {p.name for p in CORPUS.iterdir()} - {"cases.yml", "make_files.py", "__pycache__"}
    assert committed == {c["file"] for c in CASES if "generate" not in c}, "every file has a case, every case a file"


@pytest.mark.parametrize("case", CASES, ids=[c.get("id", c["file"]) for c in CASES])
def test_hostile_file(case: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _generate(case["generate"], tmp_path, case["file"]) if "generate" in case else CORPUS / case["file"]
    before = None if path.is_symlink() else hostile.sha(path)
    if case["outcome"] == "error":
        _check_error(case, path)
    elif case["outcome"] == "neutralised":
        _check_output(case, path, tmp_path, monkeypatch)
    else:
        _check_read(case, path)
    if before is not None:
        assert hostile.sha(path) == before, "the raw file was modified"
