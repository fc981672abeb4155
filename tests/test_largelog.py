"""The large-log path (helpers.largelog): the same answers as the pandas path, without loading the log."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from helpers import acquire, clean, clv, largelog, paths, privacy, segment, simulate, store
from helpers.clean import large
from helpers.segment import customers
from helpers.errors import DataError
from helpers.largelog import ParquetLog


def typed_log(n_customers: int = 300, seed: int = 3) -> pd.DataFrame:
    """A typed log (timestamp, float amount) with every problem the SQL rules look for."""
    rng = np.random.default_rng(seed)
    counts = rng.integers(1, 8, n_customers)
    cid = np.repeat([f"M{i:05d}" for i in range(n_customers)], counts)
    n = len(cid)
    when = pd.Timestamp("2013-01-01") + pd.to_timedelta(rng.integers(0, 500 * 24, n), unit="h")
    df = pd.DataFrame({
        "customer_id": pd.array(cid, dtype="string"),
        "order_id": pd.array([f"O{i:07d}" for i in range(n)], dtype="string"),
        "timestamp": when.astype("datetime64[us]"),
        "amount": np.round(rng.gamma(2.0, 80.0, n), 2),
        "category": pd.array(rng.choice(["phone", "accessory", "clothing"], n), dtype="string"),
        "channel": pd.array(rng.choice(["online_mall", "carrier", "offline_store"], n), dtype="string"),
        "status": pd.array(rng.choice(["completed", "completed", "completed", "cancelled"], n), dtype="string"),
    })
    df.loc[5, "customer_id"] = pd.NA
    df.loc[6, "customer_id"] = "test_007"
    df.loc[7, "timestamp"] = pd.NaT
    df.loc[8, "amount"] = np.nan
    df.loc[9, "status"] = "lost in space"
    df.loc[12, "amount"] = 250_000.0  # an extreme order
    dup = df.iloc[[20, 21, 40]]
    return pd.concat([df, dup], ignore_index=True)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("largelog")
    df = typed_log()
    path = tmp / "log.parquet"
    df.to_parquet(path, index=False)
    folder = tmp / "hive"
    for year, part in df.assign(year=df["timestamp"].dt.year.fillna(0).astype(int)).groupby("year"):
        (folder / f"year={year}").mkdir(parents=True)
        part.drop(columns="year").to_parquet(folder / f"year={year}" / "part-0.parquet", index=False)
    return {"tmp": tmp, "df": df, "path": path, "folder": folder}


def test_sql_cleaning_keeps_and_quarantines_exactly_the_rows_pandas_does(world, tmp_path):
    raw = acquire.read_transactions(world["path"])
    expected = clean.clean_transactions(raw)
    log = ParquetLog.open(world["path"])
    got = clean.clean_log(log, tmp_path, progress=False)
    key = ["source_file", "source_row"]
    q_pd = expected.quarantine[key + ["reason", "detail"]].sort_values(key).reset_index(drop=True)
    q_sql = got.quarantine.query("SELECT source_file, source_row, reason, detail FROM log ORDER BY source_file, "
                                 "source_row")
    as_text = {"source_file": str, "source_row": int, "reason": str, "detail": str}
    pd.testing.assert_frame_equal(q_pd.astype(as_text), q_sql.astype(as_text))  # reasons and details
    assert set(q_sql["reason"]) >= {"duplicate", "test_account", "missing_customer", "missing_date",
                                    "missing_amount", "unknown_status", "cancelled"}
    k_pd = expected.clean.sort_values(key).reset_index(drop=True)
    k_sql = got.clean.query("SELECT * FROM log ORDER BY source_file, source_row")
    assert len(k_sql) == len(k_pd) and len(k_sql) + len(q_sql) == len(world["df"])
    np.testing.assert_array_equal(k_sql["source_row"].to_numpy(), k_pd["source_row"].to_numpy())
    np.testing.assert_allclose(k_sql["amount"].to_numpy(), k_pd["amount"].to_numpy())
    np.testing.assert_array_equal(k_sql["flag_extreme"].to_numpy(), k_pd["flag_extreme"].to_numpy())
    assert k_sql["flag_extreme"].sum() >= 1


def test_revenue_by_channel_is_the_same_on_disk_and_in_memory(world, tmp_path):
    """clean.revenue_by on the large path (distinct pairs counted per channel) gives the pandas table, a channel
    left blank (its own group) included."""
    lines = clean.clean_transactions(acquire.read_transactions(world["path"])).clean
    lines.loc[lines.index[:7], "channel"] = pd.NA
    lines.loc[lines.index[3], "order_id"] = pd.NA  # a line without an order id: not an order
    lines.to_parquet(tmp_path / "clean.parquet", index=False)
    on_disk = clean.revenue_by(ParquetLog.open(tmp_path / "clean.parquet"), "channel")
    in_memory = clean.revenue_by(lines, "channel")
    assert on_disk["channel"].isna().sum() == 1 and on_disk.loc[on_disk["channel"].isna(), "customers"].iloc[0] == 7
    pd.testing.assert_frame_equal(on_disk, in_memory, check_dtype=False)


def test_accounting_check_catches_a_row_kept_twice(world, tmp_path, monkeypatch):

    log = ParquetLog.open(world["path"])
    got = clean.clean_log(log, tmp_path, progress=False)
    clean.check_accounting(log, got.clean, got.quarantine)
    table = clean.row_accounting(log, got.clean, got.quarantine).set_index("step")
    assert table.loc["difference (must be 0)", "rows"] == 0
    assert table.loc["quarantined: duplicate", "rows"] == 3
    doubled = pd.concat([got.clean.query("SELECT * FROM log"), got.clean.query("SELECT * FROM log LIMIT 1")])
    doubled.to_parquet(tmp_path / "doubled.parquet", index=False)
    with pytest.raises(AssertionError, match="rows in"):
        clean.check_log_accounting(log, ParquetLog.open(tmp_path / "doubled.parquet"), got.quarantine)
    lines = got.clean.query("SELECT * FROM log")
    twice, missing = lines.copy(), lines.copy()
    twice.loc[1, "source_row"] = twice.loc[0, "source_row"]  # as many rows as came in, one of them twice
    missing.loc[1, "source_row"] = 10**6  # as many rows as came in, one that no file has
    for bitmap_bytes in (large.BITMAP_BYTES, 0):  # one bitmap of rows per file, or DISTINCT over the pairs
        monkeypatch.setattr(large, "BITMAP_BYTES", bitmap_bytes)
        clean.check_log_accounting(log, got.clean, got.quarantine)
        for table, message in ((twice, "1 rows are kept or quarantined twice"), (missing, "1 output rows do not exist")):
            table.to_parquet(tmp_path / "changed.parquet", index=False)
            with pytest.raises(AssertionError, match=message):
                clean.check_log_accounting(log, ParquetLog.open(tmp_path / "changed.parquet"), got.quarantine)


def test_net_returns_are_netted_on_the_large_path_as_in_pandas(tmp_path):
    """Issue 16: the large path used to refuse returns="net"; it now nets, with the pandas path's answer."""
    df = typed_log(50).assign(status="completed")
    df.loc[3, "amount"] = -99.0
    df.loc[31, "order_id"] = df.loc[30, "order_id"]  # a partial refund of the line above
    df.loc[31, "customer_id"] = df.loc[30, "customer_id"] = "M09999"
    df.loc[31, "amount"], df.loc[30, "amount"] = -30.0, 100.0
    df.to_parquet(tmp_path / "r.parquet", index=False)
    log = ParquetLog.open(tmp_path / "r.parquet")
    raw = acquire.read_transactions(tmp_path / "r.parquet")
    for returns in ("net", "negative"):
        expected = clean.clean_transactions(raw, returns=returns)
        got = clean.clean_log(log, tmp_path / returns, returns=returns, progress=False)
        kept = got.clean.query("SELECT * FROM log ORDER BY source_row")
        ref = expected.clean.sort_values("source_row").reset_index(drop=True)
        np.testing.assert_array_equal(kept["source_row"], ref["source_row"])
        np.testing.assert_array_equal(kept["amount"], ref["amount"])
        np.testing.assert_array_equal(kept["returned_amount"], ref["returned_amount"])
        q = got.quarantine.query("SELECT source_row, reason, detail FROM log ORDER BY source_row")
        assert q.astype(str).values.tolist() == expected.quarantine.sort_values("source_row")[
            ["source_row", "reason", "detail"]].astype(str).values.tolist()
    assert kept["amount"].min() == -99.0  # returns="negative": the refund stays a negative line
    net = clean.clean_log(log, tmp_path / "net2", progress=False)
    assert net.counts["return_netted"] == 1 and net.counts["return_unmatched"] == 1
    assert net.clean.query("SELECT amount, returned_amount FROM log WHERE source_row = 31").values.tolist() == [
        [70.0, 30.0]]


def test_hive_folder_lineage_names_file_and_row(world):
    log = ParquetLog.open(world["folder"])
    assert len(log) == len(world["df"])
    sample = log.sample(20, seed=1)
    assert sample["source_file"].str.match(r"year=\d+/part-0\.parquet").all()
    for _, row in sample.iterrows():  # every lineage pointer leads back to the same line in the raw file
        raw = pd.read_parquet(world["folder"] / row["source_file"]).iloc[row["source_row"] - 1]
        assert raw["order_id"] == row["order_id"]
    assert log.sample(20, seed=1).equals(sample)


def test_weekly_totals_match_the_pandas_weeks(world):
    df = world["df"].dropna(subset=["timestamp"])
    ours = largelog.weekly_totals(ParquetLog.open(world["path"]), "amount")
    ref = largelog.weekly_totals(df.assign(amount=df["amount"].fillna(0)), "amount")
    pd.testing.assert_series_equal(ours.rename(None), ref.astype(float).rename(None), check_freq=False,
                                   check_index_type=False, check_names=False)
    assert ours.attrs["unparsed"] == 1 and ours.attrs["rows"] == len(world["df"])


def test_summary_customer_table_and_tracking_equal_the_dataframe_path(world, tmp_path, monkeypatch):
    got = clean.clean_log(ParquetLog.open(world["path"]), tmp_path, progress=False)
    frame = got.clean.query("SELECT * FROM log ORDER BY source_file, source_row")
    s_log = clv.rfm_summary(got.clean, monetary_value_col="amount", include_first_transaction=True)
    s_df = clv.rfm_summary(frame, monetary_value_col="amount", include_first_transaction=True)
    pd.testing.assert_frame_equal(s_log.astype({"customer_id": str}), s_df.astype({"customer_id": str}),
                                  check_exact=False, rtol=1e-12)
    rfm = segment.rfm_table(s_df)
    t_df = segment.customer_table(frame, rfm)
    assert t_df["n_categories"].max() > 1
    for bits in (customers.CATEGORY_BITS, 1):  # category breadth by bitmask, or by count(DISTINCT) (more categories)
        monkeypatch.setattr(customers, "CATEGORY_BITS", bits)
        pd.testing.assert_frame_equal(segment.customer_table(got.clean, rfm), t_df, check_dtype=False)
    sim = simulate.simulate_transactions(3000, seed=5)  # a model fitted where BG/NBD holds
    model = clv.BetaGeo().fit(clv.rfm_summary(sim, time_scaler=7))
    end = pd.Timestamp("2013-12-31")
    pd.testing.assert_frame_equal(clv.tracking(model, got.clean, calibration_end=end),
                                  clv.tracking(model, frame, calibration_end=end))
    assert clv.describe_transactions(got.clean) == clv.describe_transactions(frame)


def test_summary_under_a_small_memory_limit_equals_the_unlimited_one(tmp_path):
    rng = np.random.default_rng(11)
    n = 1_500_000  # ~400k customers, ~1.4M customer-days: more than the 100 MB limit holds in hash tables
    pd.DataFrame({"customer_id": pd.array(rng.integers(0, 400_000, n).astype(str), dtype="string"),
                  "timestamp": (pd.Timestamp("2012-01-01") + pd.to_timedelta(rng.integers(0, 900 * 86400, n), "s")),
                  "amount": np.round(rng.gamma(2.0, 50.0, n), 2)}).to_parquet(tmp_path / "big.parquet")
    log = ParquetLog.open(tmp_path / "big.parquet")
    unlimited = clv.rfm_summary(log, monetary_value_col="amount", threads=2)
    spill = tmp_path / "spill"
    with clv.duckdb_settings(memory_limit="100MB", temp_directory=spill):
        limited = clv.rfm_summary(log, monetary_value_col="amount", threads=2)
    pd.testing.assert_frame_equal(limited, unlimited)
    assert len(unlimited) > 390_000


def test_acquire_keeps_a_large_parquet_log_on_disk(world, monkeypatch, tmp_path):
    monkeypatch.setattr(paths, "INTERIM", tmp_path)
    acq = acquire.acquire("mine", source_path=world["folder"], max_rows_in_memory=100)
    assert acq.large and not acq.simulated and len(acq.transactions) == len(world["df"])
    assert acq.provenance[0].rows == len(world["df"]) and acq.provenance[0].sha256 == paths.sha256_of(world["folder"])
    store.save_interim(acq)
    back = store.load_interim("mine")
    assert isinstance(back.transactions, ParquetLog) and back.transactions.rows == acq.transactions.rows
    small = acquire.acquire("mine", source_path=world["folder"], max_rows_in_memory=None)
    assert isinstance(small.transactions, pd.DataFrame) and len(small.transactions) == len(world["df"])


def test_personal_data_is_found_in_a_large_log(tmp_path):
    df = typed_log(30)
    df["note"] = "ok"
    df.loc[4, "note"] = "call 13812345678"
    df.loc[9, "note"] = "fan@example.com"
    df.to_parquet(tmp_path / "p.parquet", index=False)
    log = ParquetLog.open(tmp_path / "p.parquet", columns={"product": "note"})
    found = privacy.find_personal_data(log)
    assert set(zip(found["column"], found["kind"])) == {("product", "phone"), ("product", "email")}


def test_minibatch_clusters_are_deterministic_and_label_everyone():
    rng = np.random.default_rng(0)
    n = 3000
    frame = pd.DataFrame({"recency": rng.gamma(2, 30, n), "frequency": rng.poisson(3, n) + 1.0,
                          "monetary_value": rng.gamma(2, 100, n)})
    a = segment.CustomerClusters(k_range=(2, 4), seed=1, minibatch_above=1000).fit(frame)
    b = segment.CustomerClusters(k_range=(2, 4), seed=1, minibatch_above=1000).fit(frame)
    assert a.k_ == b.k_ and a.labels_.equals(b.labels_)
    assert a.labels_.notna().all() and len(a.labels_) == n
    assert type(a.model_).__name__ == "MiniBatchKMeans"


def test_simulated_large_log_is_exact_in_size_labelled_and_unique_in_ids(tmp_path):
    manifest = simulate.write_large_log(tmp_path / "log", 30_000, chunk_customers=4_000, progress=False)
    log = ParquetLog.open(tmp_path / "log")
    assert manifest["rows"] == len(log) == 30_000 and manifest["simulated"] is True
    assert "SIMULATED" in (tmp_path / "log" / "manifest.yml").read_text(encoding="utf-8")
    d = largelog.describe(log)
    assert d["customers"] == manifest["customers"] and d["first"] >= pd.Timestamp("2012-01-01")
    acq = acquire.acquire("big_sim", source_path=tmp_path / "log", max_rows_in_memory=10_000)
    assert acq.simulated and "SIMULATED" in acq.label and not acq.bundled_simulation
    with pytest.raises(FileExistsError):
        simulate.write_large_log(tmp_path / "log", 10, progress=False)


def test_every_return_word_of_the_pandas_rules_is_a_return_on_the_large_path(tmp_path):
    """Issue 16: status words of clean.STATUS_VALUES["returned"] were refused; they are returns, as in pandas."""
    df = typed_log(40).assign(status="completed")
    df.loc[2, "status"] = "退款"  # a refund word of clean.STATUS_VALUES["returned"]
    df.loc[10, "status"] = " Refunded "
    df.to_parquet(tmp_path / "s.parquet", index=False)
    got = clean.clean_log(ParquetLog.open(tmp_path / "s.parquet"), tmp_path / "out", returns="negative",
                          progress=False)
    returned = got.clean.query("SELECT source_row, amount FROM log WHERE status = 'returned' ORDER BY source_row")
    assert returned["source_row"].tolist() == [3, 11] and (returned["amount"] < 0).all()


def test_turning_the_test_id_pattern_off_turns_it_off_on_the_large_path_too(world, tmp_path):
    raw = acquire.read_transactions(world["path"])
    expected = clean.clean_transactions(raw, test_id_pattern=None)
    got = clean.clean_log(ParquetLog.open(world["path"]), tmp_path, test_id_pattern=None, progress=False)
    reasons = got.quarantine.query("SELECT reason, count(*) AS n FROM log GROUP BY ALL").set_index("reason")["n"]
    assert "test_account" not in reasons.index  # "test_007" matches only the default pattern
    assert reasons.sort_index().to_dict() == expected.quarantine["reason"].astype(str).value_counts().sort_index().to_dict()


def test_a_test_id_pattern_duckdb_cannot_run_is_refused_not_ignored(world, tmp_path):
    with pytest.raises(DataError, match="test_id_pattern"):
        clean.clean_log(ParquetLog.open(world["path"]), tmp_path, test_id_pattern=r"^(?!M)", progress=False)


def test_duckdb_settings_reach_every_large_log_query(world):
    log = ParquetLog.open(world["path"])
    setting = "SELECT current_setting('memory_limit') AS m FROM log LIMIT 1"
    outside = log.query(setting)["m"].iloc[0]
    with clv.duckdb_settings(memory_limit="123MB"):
        inside = log.query(setting)["m"].iloc[0]
    assert inside != outside and inside.startswith("117") and log.query(setting)["m"].iloc[0] == outside


def test_a_small_simulated_log_is_labelled_simulated_when_it_is_loaded_into_memory(world, tmp_path):
    simulate.write_large_log(tmp_path / "log", 3_000, chunk_customers=1_000, progress=False)
    acq = acquire.acquire("mine", source_path=tmp_path / "log", max_rows_in_memory=None)
    assert not acq.large and acq.simulated and "SIMULATED" in acq.label
    own = acquire.acquire("mine", source_path=world["folder"], max_rows_in_memory=None)  # no manifest.yml
    assert not own.simulated and own.label == "own data: hive"


def test_weekly_totals_read_text_the_same_way_in_memory_and_on_disk(tmp_path):
    """Times and amounts as text, one of each unreadable: both paths count the line and place it nowhere (time)
    or add nothing for it (amount), as TRY_CAST does."""
    df = pd.DataFrame({"customer_id": list("abcde"), "order_id": list("12345"),
                       "timestamp": ["2024-01-01 10:00:00", "2024-01-02 11:00:00", "not a date", "2024-01-09 09:00:00",
                                     "2024-01-10 08:00:00"],
                       "amount": ["10.5", "x", "3", "4", "5.5"]})
    df.to_parquet(tmp_path / "text.parquet", index=False)
    on_disk = largelog.weekly_totals(ParquetLog.open(tmp_path / "text.parquet"), "amount")
    in_memory = largelog.weekly_totals(df, "amount")
    assert list(in_memory.to_numpy()) == list(on_disk.to_numpy()) == [10.5, 9.5]
    assert in_memory.attrs["unparsed"] == on_disk.attrs["unparsed"] == 1
    assert in_memory.attrs["rows"] == on_disk.attrs["rows"] == 5


@pytest.mark.parametrize("sql", [
    "SELECT * FROM (VALUES (1, true, 'a', TIMESTAMP '2020-01-01', 1.5::DECIMAL(5,2), DATE '2020-01-01', 3::UTINYINT, "
    "2.5::FLOAT, 'z'), (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'é中')) t(i, b, s, ts, d, dt, u, f, z)",
    "SELECT 'x' AS a WHERE false",  # no rows: object columns
    "SELECT NULL::VARCHAR AS a, 'b' AS b",  # an all-NULL text column stays object
    "SELECT 'a'::ENUM('a', 'b') AS e, ['x'] AS l, 'q' AS s",  # other types: .df() itself
    "SELECT CAST(x AS VARCHAR) AS id, x, x % 3 = 0 AS flag FROM range(5000) t(x)"])
def test_frame_of_gives_what_duckdb_df_gives(sql):
    """engines.frame_of (text through Arrow, the rest through .df()): the frame .df() gives, dtype for dtype."""
    import duckdb

    from helpers.engines import frame_of

    con = duckdb.connect()
    pd.testing.assert_frame_equal(frame_of(con.sql(sql)), con.execute(sql).df(), check_exact=True)


def test_kept_lines_sorted_in_pieces_of_time_equal_one_sort(world, tmp_path, monkeypatch):
    """clean_log sorts a log too large for one in-memory sort in pieces of time, appended in order: the same lines,
    flags and order as one sort (here forced: a few hundred lines a piece)."""
    log = ParquetLog.open(world["folder"])
    one = pq.read_table(clean.clean_log(log, tmp_path / "one", progress=False).clean.path).to_pandas()  # file order
    monkeypatch.setattr(large, "sort_piece_rows", lambda: 150)
    got = pq.read_table(clean.clean_log(log, tmp_path / "pieces", progress=False).clean.path).to_pandas()
    assert len(one) > 3 * 150 and one["flag_extreme"].any()
    pd.testing.assert_frame_equal(got, one)
