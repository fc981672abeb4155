"""The chain on Spark equals the chain on DuckDB: cleaning, summary, CLV scores and segment scores.

A small messy log (~3,100 lines: a line for every rule cleaning quarantines, exact duplicates, returns netted,
fully returned and unmatched, an extreme order, ~2,700 ordinary lines of 800 customers over 18 months) goes
through :func:`helpers.chain.run_chain` on DuckDB and on Spark in local mode; every output must be equal:
kept lines and quarantine rows (values, reasons, details, order) exactly, the summary and the segments exactly,
the CLV scores to 1e-9. One Spark session for the module (~60 s for the file, most of it Spark's small jobs).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil

import numpy as np
import pandas as pd
import pytest

from helpers import chain, clean
from helpers.engines import SparkConnection, connect, to_spark_sql
from helpers.errors import DataError
from helpers.largelog import ParquetLog
from helpers.schema import ACQUISITION_MARKS, REASONS

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning", "ignore::DeprecationWarning",
                                        "ignore::UserWarning")

IN_CI = os.environ.get("CI", "").strip().lower() == "true"
#: Every reason cleaning gives (acquisition's own reasons — malformed lines, headers, totals — come earlier).
CLEANING_REASONS = set(REASONS) - set(ACQUISITION_MARKS)


@pytest.fixture(scope="module")
def spark():
    if shutil.which("java") is None and not IN_CI:
        pytest.skip("Spark chain not tested: Java is not installed (under CI=true this test fails instead)")
    from pyspark.sql import SparkSession

    from helpers.engines import spark_session

    existing = SparkSession.getActiveSession()
    session = spark_session(app_name="crm-workbook-chain-tests", master="local[2]", memory="1g")
    # tiny data: one shuffle partition, interpreted expressions (compiling the rules' long CASE expressions
    # costs more than running them on a few thousand lines)
    tiny = {"spark.sql.shuffle.partitions": "1", "spark.sql.codegen.wholeStage": "false",
            "spark.sql.adaptive.enabled": "false"}
    before = {key: session.conf.get(key) for key in tiny}
    for key, value in tiny.items():
        session.conf.set(key, value)
    yield session
    for key, value in before.items():
        session.conf.set(key, value)
    if existing is None:
        session.stop()


def messy_log_rows() -> list[tuple]:
    """(customer, order, time, amount, status, product, quantity): one line per problem, then ordinary lines."""
    rows = [
        ("C1", "A1", "2023-01-02 10:00:00", "1999.00", "已完成", "phone", "1"),
        ("C1", "A1", "2023-01-02 10:00:00", "1999.00", "已完成", "phone", "1"),      # duplicate
        ("C2", "A2", "2023年01月03日", "¥1,999.00", "Completed", "phone", "1"),      # spellings that parse
        ("C3", "A3", "02/01/2023", "99", "已完成", "film", "1"),                     # day-first: unparseable
        ("C4", "A4", "9999-12-31", "99", "已完成", "film", "1"),                     # implausible date
        ("C5", "A5", None, "99", "已完成", "film", "1"),                             # missing date
        ("C6", "A6", "2023-01-06 09:00:00", None, "已完成", "film", "1"),            # missing amount
        ("C7", "A7", "2023-01-06 09:00:00", "N/A", "已完成", "film", "1"),           # unparseable amount
        ("C8", "A8", "2023-01-06 09:00:00", "1e308", "已完成", "film", "1"),         # implausible amount
        ("C9", "A9", "2023-01-06 09:00:00", "$12.00", "已完成", "film", "1"),        # another currency
        ("C10", "A10", "2023-01-06 09:00:00", "99", "待审核", "film", "1"),          # unknown status
        ("C11", "A11", "2023-01-06 09:00:00", "99", "等待买家付款", "film", "1"),     # not paid
        ("C12", "A12", "2023-01-06 09:00:00", "99", "已取消", "film", "1"),          # cancelled
        (None, "A13", "2023-01-07 09:00:00", "99", "已完成", "film", "1"),           # missing customer
        ("\u3000", "A14", "2023-01-07 09:00:00", "99", "已完成", "film", "1"),       # blank (full-width) id
        ("test01", "A15", "2023-01-07 09:00:00", "99", "已完成", "film", "1"),       # test account
        ("C_STAFF", "A16", "2023-01-07 09:00:00", "99", "已完成", "film", "1"),      # listed test account
        (" C17\t", "A17", "2023-01-07 09:00:00", "99", "已完成", " case\u3000", "1"),  # padded: kept, stripped
        ("C30", "A30", "2023-01-08 10:00:00", "300", "已完成", "case", "3"),         # partial return
        ("C30", "A30", "2023-01-09 10:00:00", "-100", "退货", "case", "-1"),
        ("C31", "A31", "2023-01-08 10:00:00", "1999", "已完成", "phone", "1"),       # full return
        ("C31", "A31", "2023-01-10 10:00:00", "-1999", "已退货", "phone", "1"),
        ("C33", "A33", "2023-01-08 10:00:00", "-5", "已完成", "case", "1"),          # refund with no sale
        ("CORP", "BULK", "2023-02-01 10:00:00", "119,940.00", "已完成", "phone", "60"),  # an extreme order
    ]
    rng = np.random.default_rng(20)
    start = dt.datetime(2023, 1, 1, 9)
    i = 0
    for customer in range(800):  # BG/NBD-like buyers: a first day, purchases at random, dropping out after one
        day = float(rng.uniform(0, 360))
        while day < 540:
            when = start + dt.timedelta(days=int(day), minutes=int(rng.integers(0, 600)))
            amount = str(rng.choice(["19", "49.9", "99", "799", "1999.00", "2,999"]))
            rows.append((f"M{customer:03d}", f"B{i}", f"{when:%Y-%m-%d %H:%M:%S}", amount, "已完成",
                         str(rng.choice(["phone", "case", "film"])), "1"))
            if i % 150 == 7:  # an exact copy of the line
                rows.append(rows[-1])
            if i % 100 == 11:  # a return of the line (in full, or a part of it) a few days later
                later = when + dt.timedelta(days=3)
                paid = float(amount.replace(",", ""))
                rows.append((f"M{customer:03d}", f"B{i}", f"{later:%Y-%m-%d %H:%M:%S}",
                             f"-{paid / (1 if i % 200 == 11 else 4):.2f}", "退货", rows[-1][5], "-1"))
            i += 1
            if rng.random() < 0.3:
                break
            day += float(rng.exponential(40))
    return rows


@pytest.fixture(scope="module")
def chains(spark, tmp_path_factory):
    root = tmp_path_factory.mktemp("chain")
    frame = pd.DataFrame(messy_log_rows(), columns=["customer_id", "order_id", "timestamp", "amount", "status",
                                                    "product", "quantity"], dtype="string")
    frame.to_parquet(root / "orders.parquet", index=False)
    log = ParquetLog.open(root / "orders.parquet")
    options = {"test_accounts": ["C_STAFF"], "currency": "CNY", "max_fit_customers": 300, "seed": 3}
    duck = chain.run_chain(log, root / "duckdb", **options)
    spark_run = chain.run_chain(log, root / "spark", engine="spark", spark=spark, **options)
    return log, duck, spark_run


def _read(run: chain.ChainRun, output: str) -> pd.DataFrame:
    table = pd.read_parquet(run.path(output))
    text = [c for c in table.columns if table[c].dtype == object or str(table[c].dtype).startswith("string")]
    return table.astype({c: object for c in text}).where(table.notna(), None) if text else table


def test_cleaning_on_spark_keeps_and_quarantines_the_same_rows_with_the_same_reasons(chains):
    log, duck, spark_run = chains
    for output in ("clean", "quarantine"):
        a, b = _read(duck, output), _read(spark_run, output)
        assert list(a.columns) == list(b.columns)
        assert [a[c].dtype.kind for c in a.columns] == [b[c].dtype.kind for c in b.columns]
        pd.testing.assert_frame_equal(a, b, check_dtype=False, check_exact=True)
    quarantine = _read(spark_run, "quarantine")
    assert set(quarantine["reason"]) == CLEANING_REASONS  # every rule caught its row, on both engines
    assert spark_run.reasons == duck.reasons
    assert len(_read(spark_run, "clean")) + len(quarantine) == log.rows
    kept = _read(spark_run, "clean")
    assert kept["flag_extreme"].sum() == 1 and (kept["returned_amount"] > 0).sum() >= 5


def test_summary_on_spark_equals_duckdb(chains):
    _, duck, spark_run = chains
    a, b = pd.read_parquet(duck.path("summary")), pd.read_parquet(spark_run.path("summary"))
    assert len(a) > 350
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_clv_scores_on_spark_equal_duckdb_to_1e9(chains):
    _, duck, spark_run = chains
    a = pd.read_parquet(duck.path("scores")).sort_values("customer_id", ignore_index=True)
    b = pd.read_parquet(spark_run.path("scores")).sort_values("customer_id", ignore_index=True)
    assert a["customer_id"].astype(str).tolist() == b["customer_id"].astype(str).tolist()
    for column in ("p_alive", "expected_purchases", "expected_spend", "clv"):
        np.testing.assert_allclose(b[column].to_numpy(), a[column].to_numpy(), rtol=1e-9, atol=1e-9)
    assert spark_run.fit == duck.fit  # the same sample, the same fit on the driver
    assert duck.fit["fitted_on"] == 300 < len(a)


def test_segment_scores_on_spark_equal_duckdb(chains):
    _, duck, spark_run = chains
    a, b = _read(duck, "segments"), _read(spark_run, "segments")
    assert list(b.columns) == ["customer_id", "r_score", "f_score", "m_score", "rfm_score", "abc_class",
                               "lifecycle_stage"]
    pd.testing.assert_frame_equal(a, b, check_dtype=False, check_exact=True)
    assert set(b["abc_class"]) == {"A", "B", "C"} and b["lifecycle_stage"].nunique() >= 3
    assert b["r_score"].nunique() >= 4


def test_the_functions_spark_lacks_mean_the_same_after_transpiling(spark):
    sql = ("SELECT ord(s), ord(s[-1]), regexp_replace(f, '(\\.(?:xlsx|xls))#.*$', '\\1') AS f2, "
           "quantile_cont(v, 0.9) OVER () AS q, isfinite(w) AND w = trunc(w) AS whole, "
           "CASE WHEN isfinite(w) THEN trunc(w) END AS t FROM t ORDER BY s")
    rows = pd.DataFrame({"s": ["a\u3000", "\u3000b", "zz"], "f": ["book.xlsx#Sheet2", "a.csv", "c.xls#x"],
                         "v": [1.0, 5.0, 2.5], "w": [-2.5, 1e20, float("inf")]})
    con = connect()
    con.register("t", rows)
    expected = [tuple(r) for r in con.execute(sql).fetchall()]
    spark_con = SparkConnection(spark)
    try:
        spark_con.register("t", rows)
        got = spark_con.execute(sql).fetchall()
    finally:
        spark_con.close()
    assert got == expected
    assert "ord(" not in to_spark_sql(sql).lower()


def test_a_pattern_duckdb_cannot_run_is_refused_on_spark_too(chains, spark, tmp_path):
    """The test-account pattern is checked by DuckDB whichever engine cleans: Spark's Java regex would accept a
    look-ahead that the DuckDB path refuses, and its lazy frames would not run the check at all."""
    log = chains[0]
    with pytest.raises(DataError, match="not a pattern DuckDB"):
        clean.clean_log(log, tmp_path, test_id_pattern=r"(?=C_)", progress=False, spark=spark)
