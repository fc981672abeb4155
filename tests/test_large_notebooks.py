"""Issue 20: notebooks 01–04 on a log kept on disk with more customers than ``max_customers``.

The whole large-log path of the report command, on a small SIMULATED log so it runs in the suite: 01 keeps the log
on disk (``max_rows_in_memory`` below its size), 02 cleans it in DuckDB, 03 analyses a seeded sample of customers
(``max_customers`` below their number) and scores every customer into the store chunk by chunk, 04 segments them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import duckdb
import pytest

from helpers import simulate
from helpers.paths import PROJECT_ROOT

LINES, SAMPLE = 40_000, 3_000


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """01–04 through ``python -m helpers.report --no-pdf`` on a 40,000-line log: (work folder, completed process)."""
    work = tmp_path_factory.mktemp("large_notebooks")
    simulate.write_large_log(work / "log", LINES, chunk_customers=4_000, progress=False)
    env = os.environ | {"PYTHONPATH": str(PROJECT_ROOT), "CRM_REPORTS_DIR": str(work / "reports"),
                        "CRM_INTERIM_DIR": str(work / "interim"), "CRM_PROCESSED_DIR": str(work / "processed")}
    done = subprocess.run([sys.executable, "-m", "helpers.report", "--only", "01", "02", "03", "04", "--no-pdf",
                           "--out", str(work / "reports"), "-p", "dataset", "big", "-p", "source_path",
                           str(work / "log"), "-p", "max_rows_in_memory", "10000", "-p", "max_customers", str(SAMPLE)],
                          cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return work


def _customers(work) -> int:
    path = (work / "processed" / "big" / "transactions.parquet").as_posix()
    return duckdb.sql(f"SELECT count(DISTINCT customer_id) FROM read_parquet('{path}')").fetchall()[0][0]


def test_notebook_03_scores_every_customer_of_a_log_larger_than_its_sample(run):
    customers = _customers(run)
    meta = json.loads((run / "processed" / "big" / "clv_metadata.json").read_text(encoding="utf-8"))
    assert customers > SAMPLE and meta["rows"] == customers and meta["analysed_customers"] == SAMPLE
    executed = (run / "reports" / "03_customer_lifetime_value.ipynb").read_text(encoding="utf-8")
    assert f"a seeded random sample of {SAMPLE:,} of the {customers:,} customers" in executed
    assert f"({customers:,} customers)" in executed  # "Written to … (N customers)": every customer of the log


def test_notebook_04_segments_every_customer_of_a_log_larger_than_its_sample(run):
    customers = _customers(run)
    meta = json.loads((run / "processed" / "big" / "segments_metadata.json").read_text(encoding="utf-8"))
    assert meta["rows"] == customers > SAMPLE
    path = (run / "processed" / "big" / "segments.parquet").as_posix()
    ids = duckdb.sql(f"SELECT count(DISTINCT customer_id), count(*) FILTER (WHERE rfm_segment IS NULL OR cluster IS NULL)"
                     f" FROM read_parquet('{path}')").fetchall()[0]
    assert ids == (customers, 0)  # one row per customer, every one classified
    executed = (run / "reports" / "04_segmentation.ipynb").read_text(encoding="utf-8")
    assert f"{customers:,} customers" in executed and f"sample of {SAMPLE:,} of the {customers:,}" in executed
