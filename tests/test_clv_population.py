"""Issue 20: notebook 03 on more customers than memory holds — a seeded sample analysed, every customer scored.

:func:`helpers.clv.analysis_sample` draws whole customer histories; :func:`helpers.clv.score_population` scores every
customer of the log, chunk by chunk, with the models fitted on the sample. The chunked scores must equal the
in-memory path's (``rfm_summary`` of the whole log + ``score_with_models``) value for value.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from helpers import clv, paths, store
from helpers.clv import population
from helpers.errors import DataError
from helpers.simulate import simulate_transactions

SETTINGS = {"horizon": 52, "time_unit": "W", "discount_rate": 0.10, "max_fit_customers": 600, "seed": 3}


@pytest.fixture(scope="module")
def log() -> pd.DataFrame:
    tx = simulate_transactions(2000)  # SIMULATED: 1,737 customers
    return tx.loc[tx["status"] == "completed", ["customer_id", "order_id", "timestamp", "amount"]].reset_index(drop=True)


@pytest.fixture(scope="module")
def sample(log) -> pd.DataFrame:
    return clv.analysis_sample(log, 900, seed=3)


def test_analysis_sample_keeps_whole_histories_of_a_seeded_sample(log, sample):
    ids = sample["customer_id"].unique()
    assert len(ids) == 900 and sample.attrs["population_customers"] == log["customer_id"].nunique()
    whole = log.loc[log["customer_id"].isin(ids)]
    pd.testing.assert_frame_equal(sample.reset_index(drop=True), whole.reset_index(drop=True), check_exact=True)
    again = clv.analysis_sample(log, 900, seed=3)
    assert set(again["customer_id"]) == set(ids)  # seeded: the same customers in notebooks 03 and 04
    assert clv.analysis_sample(log, log["customer_id"].nunique()) is log  # no more customers than asked: the log
    assert clv.is_sample(sample) and not clv.is_sample(log)
    text, numbers = clv.sample_claim(sample)
    assert f"{numbers['sampled']:,}" in text and f"{numbers['customers']:,}" in text and clv.sample_claim(log)[0] == ""


def test_a_sample_that_ends_before_the_log_is_refused(log):
    late = log.copy()
    late.loc[len(late)] = ["late-buyer", "late-order", late["timestamp"].max() + pd.Timedelta(days=30), 10.0]
    seed = next(s for s in range(50) if "late-buyer" not in set(clv.sample_log(late, 900, seed=s)["customer_id"]))
    with pytest.raises(DataError, match="ends on"):  # the one customer of the last day is not drawn
        clv.analysis_sample(late, 900, seed=seed)


def test_every_customer_is_scored_as_the_in_memory_path_scores_them(tmp_path, monkeypatch, log, sample):
    monkeypatch.setattr(paths, "PROCESSED", tmp_path)
    monkeypatch.setattr(population, "chunk_rows", lambda *a, **k: 250)  # several chunks on a small log
    summary = clv.rfm_summary(sample, monetary_value_col="amount", time_unit="D", time_scaler=7)
    scores = clv.score_customers(summary, **SETTINGS)
    batches = []
    monkeypatch.setattr(population, "summary_from_periods", lambda per, *a: batches.append(len(per)) or
                        clv.summary.summary_from_periods(per, *a))
    everyone = clv.score_population("demo", log, summary, scores, **SETTINGS, currency="CNY")
    assert len(batches) > 2 and max(batches) == 250  # scored chunk by chunk

    whole = clv.rfm_summary(log, monetary_value_col="amount", time_unit="D", time_scaler=7,
                            observation_period_end=summary.attrs["observation_period_end"])
    _, tm, sm, _, _ = clv.fit_for_scoring(summary, max_fit_customers=600, seed=3)
    expected = whole.join(clv.score_with_models(tm, sm, whole, horizon=52, time_unit="W", discount_rate=0.10)
                          .drop(columns="customer_id"))
    expected["customer_id"] = expected["customer_id"].astype("string")
    assert len(everyone) == log["customer_id"].nunique() > len(summary)
    assert list(everyone.columns) == population.EVERYONE_COLUMNS
    got = store.load_clv("demo").reset_index(drop=True)  # the whole table, as written
    pd.testing.assert_frame_equal(got[list(expected.columns)], expected, check_exact=True, check_dtype=False)
    pd.testing.assert_frame_equal(everyone, got[population.EVERYONE_COLUMNS], check_exact=True, check_like=False)
    assert np.array_equal(got["customer_id"].to_numpy(), np.sort(got["customer_id"].to_numpy()))
    top = clv.top_customers(everyone, n=5)  # the history of the five read back from the store
    pd.testing.assert_frame_equal(top.drop(columns="rank"), clv.top_customers(got, n=5).drop(columns="rank"))

    meta = json.loads((tmp_path / "demo" / "clv_metadata.json").read_text(encoding="utf-8"))
    assert meta["rows"] == len(everyone) and meta["analysed_customers"] == len(summary)
    assert meta["transaction_params"] == scores.attrs["transaction_params"] and meta["currency"] == "CNY"
    assert not list((tmp_path / "demo").glob("*.part"))  # the temporary files are gone


def test_scores_made_with_other_settings_are_refused(tmp_path, monkeypatch, log, sample):
    monkeypatch.setattr(paths, "PROCESSED", tmp_path)
    summary = clv.rfm_summary(sample, monetary_value_col="amount", time_unit="D", time_scaler=7)
    scores = clv.score_customers(summary, **SETTINGS)
    with pytest.raises(ValueError, match="transaction_params"):
        clv.score_population("demo", log, summary, scores, **{**SETTINGS, "seed": 4})
    assert not (tmp_path / "demo" / "clv.parquet").exists()


def test_a_store_file_with_repeated_ids_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "PROCESSED", tmp_path)
    path = tmp_path / "part.parquet"
    pd.DataFrame({"customer_id": ["a", "b", "a"], "clv": [1.0, 2.0, 3.0]}).to_parquet(path)
    with pytest.raises(DataError, match="appear more than once"):
        store.save_customer_file("demo", "clv", path, {})
    assert path.exists() and not (tmp_path / "demo" / "clv.parquet").exists()


def test_a_log_that_cannot_be_scored_leaves_nothing_behind(tmp_path, monkeypatch, log, sample):
    monkeypatch.setattr(paths, "PROCESSED", tmp_path)
    summary = clv.rfm_summary(sample, monetary_value_col="amount", time_unit="D", time_scaler=7)
    scores = clv.score_customers(summary, **SETTINGS)
    broken = log.astype({"amount": float}).copy()
    broken.loc[5, "amount"] = np.nan  # a line without an amount: refused as rfm_summary refuses it
    with pytest.raises(DataError, match="without an amount"):
        clv.score_population("demo", broken, summary, scores, **SETTINGS)
    assert not list((tmp_path / "demo").glob("*.part"))
    assert not (tmp_path / "demo" / "clv.parquet").exists()


def test_a_large_report_table_gets_its_label_chunk_by_chunk_in_the_same_file(tmp_path):
    from helpers import outputs

    n = 1_000_001  # one row above the size written in chunks
    table = pd.DataFrame({"customer_id": pd.Series(np.arange(n).astype(str), dtype="string"),
                          "clv": np.linspace(0, 1, n)})
    labelled = table.copy()
    labelled.insert(0, "dataset", "SIMULATED · 模拟数据")
    outputs.write_parquet(labelled, tmp_path / "copy.parquet", chunk_rows=400_000)
    outputs.write_parquet(table, tmp_path / "label.parquet", chunk_rows=400_000, label="SIMULATED · 模拟数据")
    assert (tmp_path / "copy.parquet").read_bytes() == (tmp_path / "label.parquet").read_bytes()


def test_the_funnel_of_a_log_on_disk_is_counted_as_the_one_in_memory(tmp_path, log):
    from helpers.largelog import ParquetLog

    log.to_parquet(tmp_path / "log.parquet")
    on_disk = ParquetLog.open(tmp_path / "log.parquet")
    ids = log["customer_id"].drop_duplicates()
    scored = pd.DataFrame({"customer_id": ids.iloc[::3]})  # a third of the customers modelled
    export = pd.DataFrame({"customer_id": [*ids.iloc[:4], "never-bought", "T-1", "T-2"]})
    options = {"export_customers": export, "test_accounts": ["T-1", "T-2", ids.iloc[0]]}
    text, numbers = clv.count_claim(on_disk, scored, **options)
    assert (text, numbers) == clv.count_claim(log, scored, **options)
    assert numbers["with_kept_purchase"] == len(ids) and numbers["modelled"] == len(scored)
    assert numbers["without_purchase"] == 1 and numbers["test_accounts"] == 3
