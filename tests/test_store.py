"""The store: every hand-over between notebooks, written and read in one place, with label and fingerprints.

The tests run in a temporary data folder (``paths.INTERIM`` / ``paths.PROCESSED`` redirected) and check
what a later notebook relies on: a table comes back as it was written, one row per customer is enforced,
the dataset's label travels with every table, and a table computed from an earlier version of its inputs
is refused instead of being joined to the wrong customers.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from helpers import paths, store
from helpers.errors import DataError
from helpers.largelog import ParquetLog


@pytest.fixture()
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "INTERIM", tmp_path / "interim")
    monkeypatch.setattr(paths, "PROCESSED", tmp_path / "processed")
    return tmp_path


def _transactions(n: int = 6, amount: float = 10.0) -> pd.DataFrame:
    return pd.DataFrame({
        "customer_id": pd.array([f"c{i % 3}" for i in range(n)], dtype="string"),
        "order_id": [f"o{i}" for i in range(n)],
        "timestamp": pd.date_range("2024-01-01", periods=n, freq="D"),
        "amount": [amount + i for i in range(n)],
        "source_file": "orders.csv", "source_row": range(1, n + 1),
    })


def _processed(dataset: str = "demo", amount: float = 10.0) -> pd.DataFrame:
    tx = _transactions(amount=amount)
    accounting = pd.DataFrame({"step": ["rows in"], "rows": [len(tx)]})
    store.save_processed(dataset, tx, tx.iloc[:0], accounting,
                         {"dataset": dataset, "label": "TEST (SIMULATED)", "simulated": True, "currency": "CNY"})
    return tx


def _clv_table() -> pd.DataFrame:
    return pd.DataFrame({"customer_id": ["c0", "c1", "c2"], "frequency": [1.0, 1, 0], "recency": [3.0, 4, 0],
                         "T": [5.0, 5, 4], "monetary_value": [12.0, 13, 0], "p_alive": [0.9, 0.8, 1.0],
                         "expected_purchases": [1.0, 0.5, 0.2], "expected_spend": [12.0, 13, 11],
                         "clv": [100.0, 50, 20]})


def test_interim_round_trip_keeps_label_provenance_and_customers(data_dir):
    prov = store.Provenance(path="data/raw/x.csv", sha256="ab" * 32, rows=6, format="csv", encoding="utf-8",
                            read_at="2026-01-01T00:00:00+00:00", columns={"customer_id": "客户ID"})
    customers = pd.DataFrame({"customer_id": ["c0", "c1", "t9"], "account_type": ["客户", "客户", "测试"]})
    acq = store.Acquired(name="demo", label="TEST (SIMULATED)", simulated=True, currency="CNY",
                         transactions=_transactions(), customers=customers, provenance=[prov], test_accounts=["t9"])
    store.save_interim(acq)
    back = store.load_interim("demo")
    assert back.label == "TEST (SIMULATED)" and back.simulated and back.provenance == [prov]
    pd.testing.assert_frame_equal(back.transactions, acq.transactions)
    assert store.load_customers("demo")["customer_id"].tolist() == ["c0", "c1"]  # test account left out


def test_a_large_log_is_recorded_not_copied(data_dir, tmp_path):
    _transactions().to_parquet(tmp_path / "log.parquet", index=False)
    log = ParquetLog.open(tmp_path / "log.parquet")
    acq = store.Acquired(name="big", label="own data: log.parquet", simulated=False, currency="CNY",
                         transactions=log, customers=None, provenance=[])
    folder = store.save_interim(acq)
    assert not (folder / "transactions.parquet").exists()
    back = store.load_interim("big")
    assert isinstance(back.transactions, ParquetLog) and back.transactions.rows == 6


def test_missing_hand_overs_name_the_notebook_to_run(data_dir):
    with pytest.raises(DataError, match="01_acquisition"):
        store.load_interim("nothing")
    with pytest.raises(DataError, match="02_cleaning"):
        store.load_processed("nothing")
    with pytest.raises(DataError, match="03_customer_lifetime_value"):
        store.load_clv("nothing")
    with pytest.raises(DataError, match="04_segmentation"):
        store.load_segments("nothing")


def test_processed_metadata_records_the_clean_files_fingerprint(data_dir):
    tx = _processed()
    back, meta = store.load_processed("demo")
    pd.testing.assert_frame_equal(back, tx)
    assert meta["transactions_sha256"] == paths.sha256_of(paths.processed_dir("demo") / "transactions.parquet")
    assert store.load_customers("demo")["customer_id"].tolist() == ["c0", "c1", "c2"]  # no customer master


def test_clv_and_segments_carry_label_and_inputs_and_come_back_with_metadata(data_dir):
    _processed()
    store.save_clv("demo", _clv_table(), {"horizon": "52 W", "period_days": 7.0})
    scores = store.load_clv("demo")
    assert scores["customer_id"].dtype == "string" and len(scores) == 3
    assert scores.attrs["horizon"] == "52 W" and scores.attrs["label"] == "TEST (SIMULATED)"
    assert scores.attrs["inputs"]["transactions_sha256"] == store.processed_metadata("demo")["transactions_sha256"]
    store.save_segments("demo", pd.DataFrame({"customer_id": ["c0", "c1", "c2"], "rfm_segment": ["a", "b", "b"],
                                              "clv": [0.0, 0.0, 0.0]}))
    seg_meta = json.loads((paths.processed_dir("demo") / "segments_metadata.json").read_text(encoding="utf-8"))
    assert seg_meta["inputs"]["clv_sha256"] == store.clv_metadata("demo")["sha256"]
    value = store.load_value("demo")
    assert value["clv"].tolist() == [100.0, 50.0, 20.0]  # CLV's own column wins over a copy in the segments
    assert value["rfm_segment"].tolist() == ["a", "b", "b"]


def test_scores_from_an_earlier_cleaning_are_refused(data_dir):
    _processed(amount=10.0)
    store.save_clv("demo", _clv_table(), {})
    store.save_segments("demo", pd.DataFrame({"customer_id": ["c0", "c1", "c2"], "rfm_segment": list("abb")}))
    _processed(amount=99.0)  # notebook 02 re-run on other data
    with pytest.raises(DataError, match="earlier version of the clean transactions") as err:
        store.load_clv("demo")
    assert "03_customer_lifetime_value" in str(err.value)
    with pytest.raises(DataError, match="clean transactions"):
        store.load_segments("demo")


def test_segments_from_other_scores_are_refused(data_dir):
    _processed()
    store.save_clv("demo", _clv_table(), {})
    store.save_segments("demo", pd.DataFrame({"customer_id": ["c0", "c1", "c2"], "rfm_segment": list("abb")}))
    store.save_clv("demo", _clv_table().assign(clv=[1.0, 2.0, 3.0]), {})  # notebook 03 re-run, other scores
    store.load_clv("demo")
    with pytest.raises(DataError, match="CLV scores"):
        store.load_segments("demo")


@pytest.mark.parametrize("table, message", [
    (pd.DataFrame({"id": ["a"]}), "no customer_id"),
    (pd.DataFrame({"customer_id": ["a", None]}), "no customer_id"),
    (pd.DataFrame({"customer_id": ["a", "b", "a"]}), "more than once"),
])
def test_per_customer_tables_need_one_row_per_customer(data_dir, table, message):
    with pytest.raises(DataError, match=message):
        store.save_segments("demo", table)
    with pytest.raises(DataError, match=message):
        store.save_clv("demo", table, {})
    assert not (paths.processed_dir("demo") / "segments.parquet").exists()


def test_topics_round_trip(data_dir):
    assert store.load_topics("demo") is None
    assigned = pd.DataFrame({"post_id": ["p1", "p2"], "topic": [0, 1]})
    terms = pd.DataFrame({"topic": [0, 1], "terms": ["电池 续航", "相机"]})
    store.save_topics("demo", assigned, terms)
    back_terms, back_assigned = store.load_topics("demo")
    pd.testing.assert_frame_equal(back_terms, terms)
    pd.testing.assert_frame_equal(back_assigned, assigned)
    assert store.knowledge_path("demo").parent == store.topic_paths("demo")[0].parent


def test_identical_runs_write_identical_files_whatever_the_frames_attrs(data_dir):
    """``read_transactions`` puts the read time into ``attrs``; it must not reach the file or its fingerprint."""
    shas = []
    for read_at in ("2026-01-01T00:00:00", "2026-01-02T09:30:00"):
        tx = _transactions()
        tx.attrs["provenance"] = {"read_at": read_at}
        store.save_processed("demo", tx, tx.iloc[:0], pd.DataFrame({"rows": [6]}), {"label": "TEST"})
        shas.append(store.processed_metadata("demo")["transactions_sha256"])
    assert shas[0] == shas[1]


def test_scores_computed_before_the_clean_data_existed_are_refused(data_dir):
    store.save_clv("demo", _clv_table(), {})  # no notebook 02 output yet: nothing to rest on
    store.load_clv("demo")
    _processed()
    with pytest.raises(DataError, match="computed before the clean transactions"):
        store.load_clv("demo")


def test_segments_whose_scores_are_gone_are_refused(data_dir):
    _processed()
    store.save_clv("demo", _clv_table(), {})
    store.save_segments("demo", pd.DataFrame({"customer_id": ["c0", "c1", "c2"], "rfm_segment": list("abb")}))
    (paths.processed_dir("demo") / "clv.parquet").unlink()
    (paths.processed_dir("demo") / "clv_metadata.json").unlink()
    with pytest.raises(DataError, match="which are gone"):
        store.load_segments("demo")


def test_a_table_without_its_record_of_inputs_is_refused(data_dir):
    _processed()
    store.save_clv("demo", _clv_table(), {"horizon": "52 W"})
    (paths.processed_dir("demo") / "clv_metadata.json").unlink()
    with pytest.raises(DataError, match="no record of what it was computed from") as err:
        store.load_clv("demo")
    assert "03_customer_lifetime_value" in str(err.value)


def test_segments_record_the_scores_they_were_computed_from(data_dir):
    _processed()
    store.save_clv("demo", _clv_table(), {})
    used = store.load_clv("demo")
    store.save_clv("demo", _clv_table().assign(clv=[9.0, 8.0, 7.0]), {})  # notebook 03 re-run meanwhile
    store.save_segments("demo", pd.DataFrame({"customer_id": ["c0", "c1", "c2"], "rfm_segment": list("abb")}),
                        scores=used)
    with pytest.raises(DataError, match="earlier version of the CLV scores"):
        store.load_segments("demo")
