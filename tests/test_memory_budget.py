"""The memory budget (issue 20): one setting in the bottom layer (helpers.engines), reaching every DuckDB
connection as a memory limit with a spill folder, and steps that spill rather than exceed it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import acquire, clean, clv, engines, paths
from helpers.largelog import ParquetLog


@pytest.fixture
def budget():
    """Clear the process's budget after a test sets one."""
    yield engines
    engines.set_memory_budget(None)


def _setting(con, name: str) -> str:
    return con.execute(f"SELECT current_setting('{name}')").fetchone()[0]


def test_duckdb_receives_the_budget_as_its_memory_limit_and_spills_under_interim(budget, monkeypatch):
    monkeypatch.delenv("CRM_MEMORY_BUDGET", raising=False)
    monkeypatch.setattr(budget, "total_memory", lambda: 24 * 2**30)  # a 24 GiB machine
    assert budget.memory_budget() == int(0.3 * 24 * 2**30)  # default: 30% of the machine's RAM
    assert budget.set_memory_budget("2GiB") == 2 * 2**30
    con = budget.connect()
    assert _setting(con, "memory_limit") == "1.0 GiB"  # DUCKDB_SHARE of the budget
    assert _setting(con, "temp_directory") == (paths.INTERIM / "spill").as_posix()
    with budget.duckdb_settings(memory_limit="300MB"):  # an explicit block still wins
        assert _setting(budget.connect(), "memory_limit").startswith("286")
    assert budget.chunk_rows(100, share=0.1) == int(0.5 * 2 * 2**30 * 0.1 // 100)


def test_the_environment_sets_the_budget_when_the_notebook_does_not(budget, monkeypatch):
    monkeypatch.setenv("CRM_MEMORY_BUDGET", "3GB")
    budget.set_memory_budget("1GB")
    assert budget.memory_budget() == 10**9  # a budget set in this process comes first
    assert budget.set_memory_budget(None) == 3 * 10**9  # cleared: the environment's
    assert budget.duckdb_memory_limit() == f"{15 * 10**8 // 2**20}MiB"


@pytest.mark.parametrize("size, problem", [("10MB", "below"), ("100TB", "more than this machine"),
                                           ("six GB", "not a size"), (-5, "positive"), ("2 GX", "not a size")])
def test_a_budget_that_cannot_be_honoured_is_refused_with_the_reason(size, problem):
    with pytest.raises(ValueError, match=problem):
        engines.memory_budget(size)


def test_units_are_read_as_duckdb_writes_them():
    assert engines.parse_bytes("6GB") == 6 * 10**9 and engines.parse_bytes("6GiB") == 6 * 2**30
    assert engines.parse_bytes("512 mb") == 512 * 10**6 and engines.parse_bytes(1.5e9) == 1_500_000_000


@pytest.fixture(scope="module")
def dup_log(tmp_path_factory):
    """~60k lines with exact copies (same file, same values; NULLs included) far apart in the file."""
    rng = np.random.default_rng(5)
    n = 60_000
    df = pd.DataFrame({"customer_id": pd.array([f"K{i:05d}" for i in rng.integers(0, 9_000, n)], dtype="string"),
                       "order_id": pd.array([f"O{i:06d}" for i in range(n)], dtype="string"),
                       "timestamp": (pd.Timestamp("2013-01-01")
                                     + pd.to_timedelta(rng.integers(0, 400 * 86_400, n), unit="s")).astype("datetime64[us]"),
                       "amount": np.round(rng.gamma(2.0, 60.0, n), 2)})
    df.loc[::997, "amount"] = np.nan
    copies = df.iloc[rng.choice(n, 700, replace=False)]
    df = pd.concat([df, copies, copies.iloc[:50]], ignore_index=True)
    path = tmp_path_factory.mktemp("budget") / "log.parquet"
    df.to_parquet(path, index=False, row_group_size=5_000)
    return path


def test_cleaning_under_a_tiny_budget_spills_and_writes_the_same_tables(dup_log, tmp_path):
    log = ParquetLog.open(dup_log)
    free = clean.clean_log(log, tmp_path / "free", progress=False, memory_limit="4GB")
    tight = clean.clean_log(log, tmp_path / "tight", progress=False, memory_limit="40MB",
                            temp_directory=tmp_path / "spill")
    for a, b in ((free.clean, tight.clean), (free.quarantine, tight.quarantine)):
        pd.testing.assert_frame_equal(a.query("SELECT * FROM log"), b.query("SELECT * FROM log"))
    assert (tmp_path / "free" / "transactions.parquet").read_bytes() == \
        (tmp_path / "tight" / "transactions.parquet").read_bytes()  # byte-identical
    assert free.counts["duplicate"] == 750
    expected = clean.clean_transactions(acquire.read_transactions(dup_log))  # the in-memory path
    dups = expected.quarantine.loc[expected.quarantine["reason"] == "duplicate", "source_row"].astype(int)
    got = free.quarantine.query("SELECT source_row FROM log WHERE reason = 'duplicate' ORDER BY source_row")
    np.testing.assert_array_equal(np.sort(dups.to_numpy()), got["source_row"].to_numpy())


def test_scores_streamed_in_chunks_equal_the_scores_in_one_piece(budget, monkeypatch):
    from helpers import simulate
    from helpers.clv import value

    tx = simulate.simulate_transactions(12_000, seed=4)
    summary = clv.rfm_summary(tx, monetary_value_col="amount", time_unit="D", time_scaler=7)
    whole = clv.score_customers(summary, max_fit_customers=5_000, seed=0)
    budget.set_memory_budget("256MiB")
    monkeypatch.setattr(value, "SCORE_ROW_BYTES", 4_000)  # chunks of the least, 10,000 customers
    assert budget.chunk_rows(value.SCORE_ROW_BYTES) == 10_000 < len(summary)
    chunked = clv.score_customers(summary, max_fit_customers=5_000, seed=0)
    pd.testing.assert_frame_equal(chunked, whole)
    assert chunked.attrs == whole.attrs
