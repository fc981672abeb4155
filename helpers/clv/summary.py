"""Per-customer summaries: frequency, recency, T [and monetary value] of a transaction log.

:func:`rfm_summary` and :func:`rfm_train_test_split` turn a transaction log into one row per
customer (``customer_id, frequency, recency, T[, monetary_value]``, PyMC-Marketing's names and
meaning). They run as SQL (:mod:`helpers.clv.sql`) on an embedded DuckDB engine, over a pandas
DataFrame (DuckDB's replacement scan reads it in place) or directly over a Parquet file /
hive-partitioned folder or a CSV file, so a 50-million-row log fits on a laptop: only the
per-customer result comes back to pandas. With ``engine="spark"`` the same SQL text, transpiled by
sqlglot, runs on Apache Spark for logs in a cluster (:mod:`helpers.clv.spark`).
:func:`rfm_summary_reference` is the plain pandas reference the tests and benchmarks compare against.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..engines import connect, run_with_progress, to_spark_sql
from ..errors import DataError
from ..largelog import LARGE_ROWS, ParquetLog
from .spark import resolve_spark, spark_source
from .sql import Source, customer_periods_sql, duckdb_source, last_timestamp_sql
from .units import EPOCH, TIME_UNIT_DAYS, as_timestamp, check_time_unit, period_start


def _customer_periods(transactions, customer_id_col: str, datetime_col: str, monetary_value_col: str | None,
                      unit: str, start: pd.Timestamp | None = None, end: pd.Timestamp | None = None,
                      threads: int | None = None, spark: Any = None) -> pd.DataFrame:
    """:func:`~helpers.clv.sql.customer_periods_sql` run on DuckDB (``spark=None``) or Spark, checked for
    missing values, the customer ids in the caller's dtype."""
    columns = [customer_id_col, datetime_col] + ([monetary_value_col] if monetary_value_col else [])
    if len(set(columns)) != len(columns):
        raise ValueError(f"customer, datetime and monetary columns must differ, got {columns}")
    if spark is None:
        big = isinstance(transactions, ParquetLog) and transactions.rows > LARGE_ROWS
        con = connect(threads=threads)
        try:
            src = duckdb_source(transactions, columns, datetime_col, con)
            sql = customer_periods_sql(src.sql, customer_id_col, datetime_col, monetary_value_col, unit, start, end)
            desc = f"per-customer summary of {transactions.rows:,} lines (DuckDB)" if big else ""
            table = run_with_progress(con, sql, desc, fetch="arrow", disable=not big)
        finally:
            con.close()
    else:
        src = spark_source(transactions, columns, datetime_col, spark)
        try:
            sql = customer_periods_sql(src.sql, customer_id_col, datetime_col, monetary_value_col, unit, start, end)
            table = spark.sql(to_spark_sql(sql)).toArrow()
        finally:
            spark.catalog.dropTempView(src.sql)
    out = table.to_pandas()  # sorted by customer id in the query
    _check_nulls(out, src, customer_id_col, datetime_col, monetary_value_col)
    if src.frame is not None:  # keep the caller's id dtype (e.g. pandas string, int64)
        out["cid"] = out["cid"].astype(src.frame[customer_id_col].dtype)
    elif out["cid"].dtype == object:
        out["cid"] = out["cid"].astype("string")
    return out


def last_timestamp(transactions, datetime_col: str, threads: int | None = None, spark: Any = None) -> pd.Timestamp:
    """Latest transaction time (one scan of one column)."""
    if isinstance(transactions, pd.DataFrame):
        return as_timestamp(pd.to_datetime(transactions[datetime_col]).max(), datetime_col)
    if spark is not None:
        src = spark_source(transactions, [datetime_col], datetime_col, spark)
        try:
            value = spark.sql(to_spark_sql(last_timestamp_sql(src.sql, datetime_col))).collect()[0][0]
        finally:
            spark.catalog.dropTempView(src.sql)
        return as_timestamp(value, datetime_col)
    con = connect(threads=threads)
    try:
        src = duckdb_source(transactions, [datetime_col], datetime_col, con)
        value = con.execute(last_timestamp_sql(src.sql, datetime_col)).fetchone()[0]
    finally:
        con.close()
    return as_timestamp(value, datetime_col)


def _check_nulls(out: pd.DataFrame, src: Source, customer_id_col: str, datetime_col: str,
                 monetary_value_col: str | None) -> None:
    """Missing customer ids, times or amounts are errors, never silently dropped.

    ``out`` is the per-customer table of :func:`customer_periods_sql`: a customer with lines
    without a time has ``n_null_time > 0``, one with a line without an amount has a NaN
    ``total_amt``. A DataFrame's first bad row is named; for files, the first such customer.
    """
    def first_row(column: str) -> Any:
        """A DataFrame's first row without ``column`` (None for files, whose rows have no label)."""
        if src.frame is None:
            return None
        mask = src.frame[column].isna().to_numpy()
        return src.frame.index[np.argmax(mask)] if mask.any() else None

    def problem(column: str, customers: np.ndarray, what: str) -> DataError:
        hint = "clean the log first (helpers.clean.clean_transactions)"
        if src.frame is not None:
            return DataError(f"{int(src.frame[column].isna().sum())} transaction(s) {what}", file=src.label,
                             column=column, row=first_row(column), hint=hint)
        return DataError(f"{int(customers.sum())} customer(s) with transaction(s) {what}, e.g. customer "
                         f"{out['cid'].to_numpy()[np.argmax(customers)]!r}", file=src.label, column=column, hint=hint)

    if out["cid"].isna().any():
        raise DataError("missing customer id", file=src.label, column=customer_id_col, row=first_row(customer_id_col),
                        hint="quarantine guest orders first (helpers.clean.clean_transactions)")
    no_time = out["n_null_time"].to_numpy() > 0
    if no_time.any():
        raise problem(datetime_col, no_time, "without a time")
    if monetary_value_col:
        no_amount = np.isnan(out["total_amt"].to_numpy(dtype=float))
        if no_amount.any():
            raise problem(monetary_value_col, no_amount, "without an amount")


def _attach_units(summary: pd.DataFrame, unit: str, scaler: float, end: pd.Timestamp | None) -> pd.DataFrame:
    summary.attrs.update({"time_unit": unit, "time_scaler": scaler, "period_days": TIME_UNIT_DAYS[unit] * scaler,
                          "observation_period_end": None if end is None else str(end.date())})
    return summary


def rfm_summary(
    transactions: pd.DataFrame | ParquetLog | str | Path,
    customer_id_col: str = "customer_id",
    datetime_col: str = "timestamp",
    monetary_value_col: str | None = None,
    observation_period_end: Any = None,
    time_unit: str = "D",
    time_scaler: float = 1.0,
    include_first_transaction: bool = False,
    *,
    threads: int | None = None,
    engine: Any = "duckdb",
    spark: Any = None,
) -> pd.DataFrame:
    """Per-customer frequency, recency, T [and monetary value] from a transaction log (RFM summary).

    PyMC-Marketing's ``rfm_summary`` meaning and column names, computed by SQL on an embedded
    DuckDB engine: over the DataFrame in place (registered with DuckDB, not copied) or over a Parquet file,
    a hive-partitioned folder of Parquet files, or a CSV file, streaming, so logs larger than
    memory work; only the per-customer table comes back to pandas.

    Definitions (a *period* is a calendar day for ``time_unit="D"``, an ISO week starting on
    Monday for ``"W"``; all purchases of a customer in one period are merged into one
    *purchase period*, their amounts summed):

    - ``frequency`` — number of **repeat** purchase periods = distinct purchase periods − 1;
    - ``recency`` — time from the first to the last purchase period;
    - ``T`` — time from the first purchase period to ``observation_period_end``'s period;
    - ``monetary_value`` — mean amount of the repeat purchase periods (0 when ``frequency``
      is 0); with ``include_first_transaction=True``, the mean over all purchase periods.

    Times are differences of period starts in ``time_unit`` units divided by
    ``time_scaler``: ``time_unit="D", time_scaler=7`` gives weeks with fractional days (the
    Fader-Hardie-Lee preparation), ``time_unit="W"`` whole weeks.

    Parameters
    ----------
    transactions
        A DataFrame, or a path to a Parquet file, a folder of Parquet files (hive-partitioned
        or not) or a CSV file with a header row. One row per transaction or order line.
    customer_id_col, datetime_col, monetary_value_col
        Column names. ``monetary_value_col=None`` leaves out ``monetary_value``.
    observation_period_end
        End of the observation window (inclusive: its whole period counts). Transactions in
        later periods are ignored. **Default: the date of the last transaction in the log**
        (its period), *not* the day after: a customer whose only purchase is on the last day
        has ``T = 0``. Pass the true end of your data extract when it is later.
    time_unit
        ``"D"`` (days) or ``"W"`` (ISO weeks, Monday–Sunday).
    time_scaler
        Divides ``recency`` and ``T`` (e.g. 7 turns days into weeks).
    include_first_transaction
        Include the first purchase period in ``monetary_value`` (for RFM segmentation).
        Unlike PyMC-Marketing, ``frequency``, ``recency`` and ``T`` keep the definitions above
        (repeat periods; first → last purchase), so the output always has the same columns.
    threads
        DuckDB worker threads (default: all cores); not used by Spark.
    engine
        ``"duckdb"`` (default: embedded, no setup) or ``"spark"`` (Apache Spark, for logs in a
        cluster; a local session from :func:`helpers.engines.spark_session` unless ``spark`` is
        given). Both run the same SQL text (Spark's transpiled by sqlglot) and the same pandas
        post-processing: ``frequency``, ``recency`` and ``T`` are identical, ``monetary_value``
        equal up to floating-point summation order (relative differences ~1e-15).
    spark
        A ``pyspark.sql.SparkSession`` to run on (implies ``engine="spark"``). Paths are read
        with ``spark.read`` (so they must be visible to the cluster); a DataFrame is uploaded.

    Returns
    -------
    DataFrame
        ``customer_id, frequency, recency, T[, monetary_value]`` (floats), one row per customer
        with at least one purchase up to ``observation_period_end``, sorted by ``customer_id``,
        index 0..n−1. ``attrs`` records ``time_unit``, ``time_scaler``, ``period_days`` (days per
        model period) and ``observation_period_end``.

    Raises
    ------
    DataError
        A column is missing, a file cannot be read, or a customer id / time / amount is missing.

    Notes
    -----
    Results equal :func:`rfm_summary_reference` (a plain pandas computation) exactly for
    ``frequency``, ``recency`` and ``T``; ``monetary_value`` agrees up to floating-point
    rounding (sums are taken in a different order, and the repeat spend is the customer's
    total minus the first period's: relative differences of order 1e-15 of the customer's
    total spend).

    References
    ----------
    PyMC-Marketing ``pymc_marketing.clv.utils.rfm_summary`` (adapted from lifetimes'
    ``summary_data_from_transaction_data``); Fader, Hardie & Lee (2005).
    """
    unit, scaler = check_time_unit(time_unit, time_scaler)
    end = None if observation_period_end is None else period_start(
        as_timestamp(observation_period_end, "observation_period_end"), unit)
    per = _customer_periods(transactions, customer_id_col, datetime_col, monetary_value_col, unit, end=end,
                            threads=threads, spark=resolve_spark(engine, spark))
    if end is None:
        end_day = int(per["last_day"].max()) if len(per) else 0
        end = EPOCH + pd.Timedelta(days=end_day)
    return _summary_from_periods(per, unit, scaler, end, monetary_value_col is not None, include_first_transaction)


def _summary_from_periods(per: pd.DataFrame, unit: str, scaler: float, end: pd.Timestamp, with_money: bool,
                          include_first: bool) -> pd.DataFrame:
    per = per.reset_index(drop=True)  # already sorted by customer id
    unit_days = TIME_UNIT_DAYS[unit]
    end_day = (end - EPOCH).days
    first = per["first_day"].to_numpy(dtype=np.int64)
    last = per["last_day"].to_numpy(dtype=np.int64)
    n = per["n_periods"].to_numpy(dtype=np.int64)
    out = pd.DataFrame({
        "customer_id": per["cid"],
        "frequency": (n - 1).astype(float),
        "recency": (last - first) / unit_days / scaler,
        "T": (end_day - first) / unit_days / scaler,
    })
    if with_money:
        total = per["total_amt"].to_numpy(dtype=float)
        first_amt = per["first_amt"].to_numpy(dtype=float)
        if include_first:
            money = total / n
        else:
            with np.errstate(invalid="ignore", divide="ignore"):
                money = np.where(n > 1, (total - first_amt) / np.maximum(n - 1, 1), 0.0)
        out["monetary_value"] = money
    return _attach_units(out, unit, scaler, end)


def rfm_summary_reference(
    transactions: pd.DataFrame,
    customer_id_col: str = "customer_id",
    datetime_col: str = "timestamp",
    monetary_value_col: str | None = None,
    observation_period_end: Any = None,
    time_unit: str = "D",
    time_scaler: float = 1.0,
    include_first_transaction: bool = False,
) -> pd.DataFrame:
    """Reference implementation of :func:`rfm_summary` in plain pandas (tests and benchmarks).

    Follows PyMC-Marketing's steps literally: timestamps to periods (``to_period``), drop
    periods after the end, one row per (customer, period) with summed amounts, flag each
    customer's first period, then count, min, max and mean per customer.
    """
    unit, scaler = check_time_unit(time_unit, time_scaler)
    cols = [customer_id_col, datetime_col] + ([monetary_value_col] if monetary_value_col else [])
    tx = transactions[cols].copy()
    tx["_period"] = pd.to_datetime(tx[datetime_col]).dt.to_period(unit).dt.to_timestamp()
    if observation_period_end is None:
        end = tx["_period"].max()
    else:
        end = period_start(as_timestamp(observation_period_end, "observation_period_end"), unit)
        tx = tx.loc[tx["_period"] <= end]
    grouped = tx.groupby([customer_id_col, "_period"], sort=True)
    periods = (grouped[monetary_value_col].sum() if monetary_value_col else grouped.size()).rename("amt").reset_index()
    customers = periods.groupby(customer_id_col, sort=True)["_period"].agg(["min", "max", "count"])
    step = np.timedelta64(1, unit)
    out = pd.DataFrame({
        "customer_id": customers.index.to_numpy(),
        "frequency": (customers["count"] - 1).astype(float).to_numpy(),
        "recency": ((customers["max"] - customers["min"]) / step / scaler).to_numpy(dtype=float),
        "T": ((end - customers["min"]) / step / scaler).to_numpy(dtype=float),
    })
    if monetary_value_col:
        periods["_first"] = periods["_period"] == periods[customer_id_col].map(customers["min"])
        kept = periods if include_first_transaction else periods.loc[~periods["_first"]]
        money = kept.groupby(customer_id_col)["amt"].mean()
        out["monetary_value"] = money.reindex(customers.index).fillna(0.0).to_numpy(dtype=float)
    out["customer_id"] = out["customer_id"].astype(transactions[customer_id_col].dtype)
    return _attach_units(out, unit, scaler, pd.Timestamp(end))


def rfm_train_test_split(
    transactions: pd.DataFrame | ParquetLog | str | Path,
    customer_id_col: str = "customer_id",
    datetime_col: str = "timestamp",
    train_period_end: Any = None,
    test_period_end: Any = None,
    time_unit: str = "D",
    time_scaler: float = 1.0,
    monetary_value_col: str | None = None,
    *,
    threads: int | None = None,
    engine: Any = "duckdb",
    spark: Any = None,
) -> pd.DataFrame:
    """Calibration summary up to ``train_period_end`` plus holdout counts after it.

    The calibration part is :func:`rfm_summary` with ``observation_period_end =
    train_period_end``, for customers whose first purchase is on or before it (customers
    acquired in the holdout are left out, as in PyMC-Marketing). Added columns:

    - ``test_frequency`` — purchase periods in the holdout ``(train_period_end, test_period_end]``
      (periods after the calibration end's period, up to the test end's period);
    - ``test_monetary_value`` — mean amount of those periods (0 when none; only with
      ``monetary_value_col``);
    - ``test_T`` — holdout length: periods between the two ends, divided by ``time_scaler``.

    ``test_period_end`` defaults to the last transaction's date. Same engines (``engine``,
    ``spark``) and units as :func:`rfm_summary`.
    """
    if train_period_end is None:
        raise ValueError("train_period_end is required (the last day of the calibration period)")
    unit, scaler = check_time_unit(time_unit, time_scaler)
    spark = resolve_spark(engine, spark)
    train_end = period_start(as_timestamp(train_period_end, "train_period_end"), unit)
    if test_period_end is None:
        test_end = period_start(last_timestamp(transactions, datetime_col, threads, spark), unit)
    else:
        test_end = period_start(as_timestamp(test_period_end, "test_period_end"), unit)
    if test_end <= train_end:
        raise ValueError(f"test_period_end ({test_end.date()}) must be after train_period_end ({train_end.date()})")
    per_train = _customer_periods(transactions, customer_id_col, datetime_col, monetary_value_col, unit,
                                  end=train_end, threads=threads, spark=spark)
    if per_train.empty:
        raise DataError(f"no transactions on or before train_period_end {train_end.date()}", file=None,
                        hint="choose a later train_period_end")
    train = _summary_from_periods(per_train, unit, scaler, train_end, monetary_value_col is not None, False)
    per_test = _customer_periods(transactions, customer_id_col, datetime_col, monetary_value_col, unit,
                                 start=train_end, end=test_end, threads=threads, spark=spark)
    per_test = per_test.set_index("cid")
    test_n = per_test["n_periods"].reindex(train["customer_id"].to_numpy())
    train["test_frequency"] = test_n.fillna(0).to_numpy(dtype=float)
    if monetary_value_col:
        mean = per_test["total_amt"] / per_test["n_periods"]
        train["test_monetary_value"] = mean.reindex(train["customer_id"].to_numpy()).fillna(0.0).to_numpy(dtype=float)
    train["test_T"] = ((test_end - train_end).days / TIME_UNIT_DAYS[unit]) / scaler
    train.attrs["test_period_end"] = str(test_end.date())
    return train

