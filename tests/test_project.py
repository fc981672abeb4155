"""The course project: brief, rubric (en + zh) and the parameterised notebook ``course/project.ipynb``.

The notebook runs, in one kernel (its imports paid once), on three exports with papermill's parameter
injection: an export in the UCI Online Retail layout (written here from the real CDNOW sample's first 600
customers, with cancellation invoices and guest lines added as the layout has them), the bundled CDNOW
sample, and the layout's 41-line sample export (too few customers for a CLV model: the notebook must show
the refusal and carry on).
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbclient import NotebookClient
from papermill.parameterize import parameterize_notebook

from helpers import acquire, teaching

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "course"
PROJECT = COURSE / "project.ipynb"
CRM_CYCLE = ["Acquisition", "Cleaning", "differentiation", "Interaction", "Knowledge report"]


def online_retail_export(path: Path, customers: int = 600) -> dict[str, int]:
    """The CDNOW sample's first ``customers`` customers as a UCI Online Retail CSV (month-first dates, one
    invoice per purchase line; zero-dollar lines left out), plus 3 cancellation invoices of earlier lines and
    2 guest lines. Returns the file's rows and the customers the clean data should keep."""
    tx = acquire.acquire("cdnow_sample").transactions
    ids = sorted(tx["customer_id"].astype(str).unique())[:customers]
    tx = tx.loc[tx["customer_id"].astype(str).isin(ids)].sort_values(["timestamp", "customer_id"], kind="stable")
    amount = pd.to_numeric(tx["amount"])  # acquisition keeps raw text: USD with cents
    tx, amount = tx.loc[amount > 0].reset_index(drop=True), amount.loc[amount > 0].reset_index(drop=True)
    qty = pd.to_numeric(tx["quantity"]).astype(int).clip(lower=1)
    when = pd.to_datetime(tx["timestamp"])
    rows = pd.DataFrame({
        "InvoiceNo": [str(540000 + i) for i in range(len(tx))], "StockCode": "CD", "Description": "COMPACT DISC",
        "Quantity": qty, "InvoiceDate": [f"{t.month}/{t.day}/{t.year} 10:{i % 60:02d}" for i, t in enumerate(when)],
        "UnitPrice": (amount / qty).round(2),
        "CustomerID": (tx["customer_id"].astype(int) + 12000).astype(str), "Country": "United States"})
    extra = []
    for n, i in enumerate((0, 5, 9)):  # cancellations of three earlier lines, an hour later
        line = rows.iloc[i].copy()
        line["InvoiceNo"], line["Quantity"] = f"C{590000 + n}", -int(line["Quantity"])
        line["InvoiceDate"] = line["InvoiceDate"].replace(" 10:", " 11:")
        extra.append(line)
    for n in range(2):  # guests: no CustomerID
        line = rows.iloc[20 + n].copy()
        line["InvoiceNo"], line["CustomerID"] = str(595000 + n), ""
        extra.append(line)
    out = pd.concat([rows, pd.DataFrame(extra)], ignore_index=True)
    out.to_csv(path, index=False)
    lines = rows["CustomerID"].value_counts()
    gone = {rows["CustomerID"].iloc[i] for i in (0, 5, 9) if lines[rows["CustomerID"].iloc[i]] == 1}  # fully returned
    return {"rows": len(out), "customers": rows["CustomerID"].nunique() - len(gone)}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The executed project notebook for each export (one kernel; data folders in a temporary place)."""
    tmp = tmp_path_factory.mktemp("project")
    export = tmp / "online_retail_cdnow.csv"
    facts = online_retail_export(export)
    params = {
        "online_retail": {"dataset": "my_shop", "export_path": str(export), "currency": "GBP"},
        "cdnow_sample": {"dataset": "cdnow_sample"},
        "tiny": {"dataset": "tiny_shop", "export_path": str(ROOT / "tests/data/layouts/online_retail.csv"),
                 "currency": "GBP"},
    }
    source = nbformat.read(PROJECT, as_version=4)
    source.metadata["papermill"] = {}  # as papermill's loader prepares a notebook
    for cell in source.cells:
        cell.metadata.setdefault("tags", [])
    env = {"CRM_INTERIM_DIR": tmp / "interim", "CRM_PROCESSED_DIR": tmp / "processed", "CRM_REPORTS_DIR": tmp / "reports"}
    mp = pytest.MonkeyPatch()
    for key, value in env.items():
        mp.setenv(key, str(value))
    done = {}
    client = NotebookClient(source, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(COURSE)}})
    try:
        with client.setup_kernel():
            for name, p in params.items():
                nb = parameterize_notebook(nbformat.from_dict(source), p, kernel_name="python3", language="python")
                client.nb = nb
                for i, cell in enumerate(nb.cells):
                    if cell.cell_type == "code":
                        client.execute_cell(cell, i)
                done[name] = nb
    finally:
        mp.undo()
    return done, facts, tmp


def _text(nb) -> str:
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            parts.append(str(out.get("text", "")) + str(data.get("text/markdown", "")) + str(data.get("text/html", "")))
    return "\n".join(parts)


def test_project_runs_on_an_online_retail_export(runs):
    done, facts, tmp = runs
    text = _text(done["online_retail"])
    m = re.search(r"([\d,]+) rows in → ([\d,]+) kept \+ ([\d,]+) quarantined", text)
    rows, kept, quarantined = (int(g.replace(",", "")) for g in m.groups())
    assert rows == facts["rows"] and kept + quarantined == rows and quarantined >= 2 + 3
    assert "CLV refused" not in text and "Class A is" in text
    accounting = pd.read_csv(tmp / "reports" / "tables" / "project_row_accounting_my_shop.csv").set_index("step")
    assert accounting.loc["quarantined: missing_customer", "rows"] == 2  # the two guest lines
    assert accounting.loc["rows in", "rows"] == rows and accounting.loc["difference (must be 0)", "rows"] == 0
    segments = pd.read_csv(tmp / "reports" / "tables" / "project_segments_rfm10_my_shop.csv")
    assert segments["customers"].sum() == facts["customers"]


def test_project_runs_on_cdnow_and_refuses_clv_on_a_tiny_export(runs):
    done, _, tmp = runs
    assert "6,919 rows in → 6,919 kept + 0 quarantined" in _text(done["cdnow_sample"])
    segments = pd.read_csv(tmp / "reports" / "tables" / "project_segments_rfm10_cdnow_sample.csv")
    assert segments["customers"].sum() == 2357 and segments["mean_clv"].notna().all()
    tiny = _text(done["tiny"])
    assert "41 rows in → 26 kept + 15 quarantined" in tiny
    assert "CLV refused" in tiny and "Class A is" in tiny  # the refusal is shown, ABC and RFM carry on


def test_project_notebook_is_clean_and_follows_the_crm_cycle():
    nb = nbformat.read(PROJECT, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])
    assert {"dataset", "export_path", "columns", "lang"} <= set(teaching.assigned_names(code[0].source))
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert all(len(c.source.strip().splitlines()) <= 15 for c in code[1:])
    headings = [c.source.splitlines()[0] for c in nb.cells if c.cell_type == "markdown" and c.source.startswith("## ")]
    assert [any(step in h for h in headings) for step in CRM_CYCLE] == [True] * len(CRM_CYCLE)
    assert [h.split("·")[0].strip("# ") for h in headings] == [str(i) for i in range(1, len(headings) + 1)]


@pytest.mark.parametrize("name", ["project", "rubric"])
def test_brief_and_rubric_exist_in_both_languages(name):
    en = (COURSE / f"{name}.md").read_text(encoding="utf-8")
    zh = (COURSE / f"{name}.zh.md").read_text(encoding="utf-8")
    assert len(re.findall(r"[\u4e00-\u9fff]", zh)) > len(re.findall(r"[A-Za-z]", zh)) / 2
    if name == "project":
        for text, steps in ((en, CRM_CYCLE), (zh, ["获取", "清洗", "区分", "互动", "知识报告"])):
            steps_part = re.split(r"^## (?:What to do|按 CRM 循环)", text, flags=re.M)[1]
            places = [steps_part.find(s) for s in steps]
            assert -1 not in places and places == sorted(places), (name, places)
    else:
        for text in (en, zh):
            rows = [r for r in text.splitlines() if r.startswith("| ") and re.search(r"\d+\s*\|?\s*$", r)]
            points = [int(re.findall(r"(\d+)\s*\|?\s*$", r)[0]) for r in rows if not r.startswith("| **")]
            total = re.search(r"(?:total|合计)\D*(\d+)", text, re.I)
            assert rows and total and sum(points) == int(total.group(1)), (name, points)
