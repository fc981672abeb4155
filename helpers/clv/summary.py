"""Per-customer summaries: frequency, recency, T [and monetary value] of a transaction log.

:func:`rfm_summary` and :func:`rfm_train_test_split` turn a transaction log into one row per
customer (``customer_id, frequency, recency, T[, monetary_value]``, PyMC-Marketing's names and
meaning). They run as SQL (:mod:`helpers.clv.sql`) on an embedded DuckDB engine, over a pandas
DataFrame (DuckDB's replacement scan reads it in place) or directly over a Parquet file /
hive-partitioned folder or a CSV file, so a 50-million-row log fits on a laptop: only the
per-customer result comes back to pandas. With ``engine="spark"`` the same SQL text, transpiled by
sqlglot, runs on Apache Spark for logs in a cluster (:mod:`helpers.clv.spark`).
:func:`helpers.clv.rfm_summary_reference` (:mod:`helpers.clv.reference`) is the plain pandas reference the
tests and benchmarks compare against.

The rules every engine follows — which day a time falls on (``tz``), what counts as a purchase when
refunds are kept as negative lines, how money is added, how the calibration window is cut — are in
:func:`rfm_summary`'s docstring and in :mod:`helpers.clv.units`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..engines import connect, run_with_progress, to_spark_sql
from ..errors import DataError
from ..largelog import LARGE_ROWS, ParquetLog
from .spark import resolve_spark, spark_source, utc_session
from .sql import Source, customer_periods_sql, day_expr, duckdb_source, has_refunds_sql, prepare_frame
from .units import (EPOCH, EXACT_MONEY_LIMIT, MONEY_SCALE, MONTH_DAYS, TimeUnit, as_timestamp, day_number,
                    last_day_of_period, make_unit, period_ordinals, period_start, unit_attrs)


def customer_periods(transactions, customer_id_col: str, datetime_col: str, monetary_value_col: str | None,
                     unit: str, start_day: int | None = None, end_day: int | None = None, threads: int | None = None,
                     spark: Any = None, tz: str | None = None) -> pd.DataFrame:
    """:func:`~helpers.clv.sql.customer_periods_sql` run on DuckDB (``spark=None``) or Spark, checked for
    missing values, the customer ids in the caller's dtype."""
    columns = [customer_id_col, datetime_col] + ([monetary_value_col] if monetary_value_col else [])
    if len(set(columns)) != len(columns):
        raise ValueError(f"customer, datetime and monetary columns must differ, got {columns}")

    def sql_for(src: Source, run_one) -> str:
        refunds = bool(monetary_value_col) and bool(run_one(has_refunds_sql(src.sql, monetary_value_col)))
        return customer_periods_sql(src.sql, customer_id_col, datetime_col, monetary_value_col, unit, start_day,
                                    end_day, refunds)

    if spark is None:
        big = isinstance(transactions, ParquetLog) and transactions.rows > LARGE_ROWS
        con = connect(threads=threads)
        try:
            src = duckdb_source(transactions, columns, datetime_col, con, tz)
            sql = sql_for(src, lambda q: con.execute(q).fetchone()[0])
            desc = f"per-customer summary of {transactions.rows:,} lines (DuckDB)" if big else ""
            table = run_with_progress(con, sql, desc, fetch="arrow", disable=not big)
        finally:
            con.close()
    else:
        with utc_session(spark):
            src = spark_source(transactions, columns, datetime_col, spark, tz)
            try:
                sql = sql_for(src, lambda q: spark.sql(to_spark_sql(q)).collect()[0][0])
                table = spark.sql(to_spark_sql(sql)).toArrow()
            finally:
                spark.catalog.dropTempView(src.sql)
    out = table.to_pandas()  # sorted by customer id in the query
    check_period_values(out, src, customer_id_col, datetime_col, monetary_value_col)
    if src.frame is not None:  # keep the caller's id dtype (e.g. pandas string, int64)
        out["cid"] = out["cid"].astype(src.frame[customer_id_col].dtype)
    elif out["cid"].dtype == object:
        out["cid"] = out["cid"].astype("string")
    return out


def last_day(transactions, datetime_col: str, threads: int | None = None, spark: Any = None,
             tz: str | None = None) -> int:
    """Day number (days since 1970-01-01) of the latest transaction, on the business clock (``tz``)."""
    if isinstance(transactions, pd.DataFrame):
        ts = prepare_frame(transactions, [datetime_col], datetime_col, tz)[datetime_col].max()
        return day_number(as_timestamp(ts, datetime_col))
    sql = "SELECT max({day}) FROM {src}"
    if spark is not None:
        with utc_session(spark):
            src = spark_source(transactions, [datetime_col], datetime_col, spark, tz)
            try:
                value = spark.sql(to_spark_sql(sql.format(day=day_expr(datetime_col), src=src.sql))).collect()[0][0]
            finally:
                spark.catalog.dropTempView(src.sql)
    else:
        con = connect(threads=threads)
        try:
            src = duckdb_source(transactions, [datetime_col], datetime_col, con, tz)
            value = con.execute(sql.format(day=day_expr(datetime_col), src=src.sql)).fetchone()[0]
        finally:
            con.close()
    if value is None:
        raise DataError("the log has no transaction with a time", file=src.label, column=datetime_col)
    return int(value)


def last_timestamp(transactions, datetime_col: str, threads: int | None = None, spark: Any = None,
                   tz: str | None = None) -> pd.Timestamp:
    """The day of the latest transaction (midnight), on the business clock (``tz``): one scan of one column."""
    return EPOCH + pd.Timedelta(days=last_day(transactions, datetime_col, threads, spark, tz))


def check_period_values(out: pd.DataFrame, src: Source, customer_id_col: str, datetime_col: str,
                  monetary_value_col: str | None) -> None:
    """Missing customer ids, times or amounts are errors, never silently dropped; so are spends too large to
    add exactly (:data:`~helpers.clv.units.EXACT_MONEY_LIMIT`).

    ``out`` is the per-customer table of :func:`customer_periods_sql`: a customer with lines
    without a time has ``n_null_time > 0``, one with a line without a usable amount (missing, not a
    number, infinite) has a NaN or infinite ``total_amt``. A DataFrame's first bad row is named; for files,
    the first such customer.
    """
    def first_row(mask: np.ndarray) -> Any:
        """A DataFrame's first row where ``mask`` (None for files, whose rows have no label)."""
        return src.frame.index[np.argmax(mask)] if src.frame is not None and mask.any() else None

    def problem(column: str, bad_rows: np.ndarray | None, customers: np.ndarray, what: str,
                hint: str = "clean the log first (helpers.clean.clean_transactions)") -> DataError:
        if bad_rows is not None and bad_rows.any():
            return DataError(f"{int(bad_rows.sum())} transaction(s) {what}", file=src.label, column=column,
                             row=first_row(bad_rows), hint=hint)
        return DataError(f"{int(customers.sum())} customer(s) with transaction(s) {what}, e.g. customer "
                         f"{out['cid'].to_numpy()[np.argmax(customers)]!r}", file=src.label, column=column, hint=hint)

    frame = src.frame
    if out["cid"].isna().any():
        raise DataError("missing customer id", file=src.label, column=customer_id_col,
                        row=first_row(frame[customer_id_col].isna().to_numpy()) if frame is not None else None,
                        hint="quarantine guest orders first (helpers.clean.clean_transactions)")
    no_time = out["n_null_time"].to_numpy() > 0
    if no_time.any():
        rows = frame[datetime_col].isna().to_numpy() if frame is not None else None
        raise problem(datetime_col, rows, no_time, "without a time")
    if monetary_value_col:
        total = out["total_amt"].to_numpy(dtype=float)
        unusable = ~np.isfinite(total)
        if unusable.any():
            rows = None
            if frame is not None:
                values = pd.to_numeric(frame[monetary_value_col], errors="coerce").to_numpy(dtype=float,
                                                                                             na_value=np.nan)
                rows = ~np.isfinite(values * MONEY_SCALE)
            raise problem(monetary_value_col, rows, unusable, "without an amount", hint="an amount must be a finite "
                          "number (not missing, NaN or infinite): clean the log first (helpers.clean.clean_transactions)")
        first = out["first_amt"].to_numpy(dtype=float)
        huge = (np.abs(total) >= EXACT_MONEY_LIMIT) | (np.abs(np.nan_to_num(first)) >= EXACT_MONEY_LIMIT)
        if huge.any():
            raise DataError(f"spend of {int(huge.sum())} customer(s) reaches 2^53 millionths (about 9.0e9 currency "
                            f"units), beyond which sums are not exact, e.g. customer "
                            f"{out['cid'].to_numpy()[np.argmax(huge)]!r}", file=src.label, column=monetary_value_col,
                            hint="express the amounts in a larger unit (e.g. thousands)")


def summary_from_periods(per: pd.DataFrame, unit: TimeUnit, end: pd.Timestamp, with_money: bool,
                         include_first: bool) -> pd.DataFrame:
    """The summary from :func:`customer_periods`: times in periods / scaler to ``end``'s period, the repeat
    spend ``(total − first period) / repeats`` in currency (never below 0: refunds larger than the repeat
    purchases give 0). Customers without a purchase period (only refunds) are left out and counted in
    ``attrs["refund_only_customers"]``."""
    buyers = per["n_periods"].to_numpy() > 0
    refund_only = int((~buyers).sum())
    per = per.loc[buyers].reset_index(drop=True)  # already sorted by customer id
    first = period_ordinals(per["first_day"].to_numpy(dtype=np.int64), unit.unit)
    last = period_ordinals(per["last_day"].to_numpy(dtype=np.int64), unit.unit)
    end_period = period_ordinals(np.array([day_number(end)]), unit.unit)[0]
    n = per["n_periods"].to_numpy(dtype=np.int64)
    out = pd.DataFrame({
        "customer_id": per["cid"],
        "frequency": (n - 1).astype(float),
        "recency": (last - first) / unit.scaler,
        "T": (end_period - first) / unit.scaler,
    })
    if with_money:
        total = per["total_amt"].to_numpy(dtype=float)
        if include_first:
            out["monetary_value"] = np.maximum(total, 0.0) / (n * float(MONEY_SCALE))
        else:
            repeat = np.maximum(total - per["first_amt"].to_numpy(dtype=float), 0.0)
            out["monetary_value"] = np.where(n > 1, repeat / (np.maximum(n - 1, 1) * float(MONEY_SCALE)), 0.0)
    out.attrs.update({**unit_attrs(unit), "observation_period_end": str(end.date()), "refund_only_customers":
                      refund_only})
    return out


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
    month_days: float = MONTH_DAYS,
    tz: str | None = None,
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
    Monday for ``"W"``, a calendar month for ``"M"``; all purchases of a customer in one period are merged
    into one *purchase period*, their amounts summed):

    - ``frequency`` — number of **repeat** purchase periods = distinct purchase periods − 1;
    - ``recency`` — time from the first to the last purchase period;
    - ``T`` — time from the first purchase period to ``observation_period_end``'s period;
    - ``monetary_value`` — mean amount of the repeat purchase periods (0 when ``frequency``
      is 0); with ``include_first_transaction=True``, the mean over all purchase periods.

    Times are differences of periods divided by ``time_scaler``: ``time_unit="D", time_scaler=7`` gives
    weeks with fractional days (the Fader-Hardie-Lee preparation), ``time_unit="W"`` whole weeks,
    ``time_unit="M"`` whole calendar months.

    **Refunds kept as negative lines** (``clean_transactions(returns="negative")``): a line with a negative
    amount is not a purchase. A period counts as a purchase period only when it holds a line with an amount
    ≥ 0 (a free purchase, amount 0, counts, as in CDNOW); periods with refunds only never count in
    ``frequency``, ``recency`` or ``T``, and a customer with refunds only in the window is left out
    (``attrs["refund_only_customers"]``). Their amounts are netted into the spend: a period's amount is its
    net amount, and refunds booked in periods without a purchase are charged to the repeat purchases
    (which purchase a refund belongs to is unknown without an order key; charging the repeat ones never
    overstates the spend Gamma-Gamma models). ``monetary_value`` is never negative: refunds exceeding the
    repeat purchases give 0, which :class:`~helpers.clv.GammaGamma` then refuses with a reason. Without
    ``monetary_value_col`` the sign of the lines is unknown and every line is a purchase: pass the amount
    column when the log holds refund lines. This is how lifetimes / PyMC-Marketing are meant to be used (on
    net purchases); ``returns="net"`` cleaning, which nets a return into the sale it returns, is the more
    exact input.

    **Money** is added in whole millionths (:mod:`helpers.clv.units`): exact, so the result is the same
    bytes whatever the engine, the number of threads or the order of the lines; ``monetary_value`` is the
    correctly rounded quotient of the exact sums.

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
        ``"D"`` (days), ``"W"`` (ISO weeks, Monday–Sunday) or ``"M"`` (calendar months).
    time_scaler
        Divides ``recency`` and ``T`` (e.g. 7 turns days into weeks).
    include_first_transaction
        Include the first purchase period in ``monetary_value`` (for RFM segmentation).
        Unlike PyMC-Marketing, ``frequency``, ``recency`` and ``T`` keep the definitions above
        (repeat periods; first → last purchase), so the output always has the same columns.
    month_days
        Days in a month, for ``time_unit="M"`` only: **365.25 / 12 = 30.4375** by default (a Julian year
        / 12). Months are counted as calendar months; ``month_days`` is what one model period is worth in
        days (``attrs["period_days"] = month_days × time_scaler``) when a horizon, a discount rate or
        another summary is compared with it — state it, never assume 30.
    tz
        The business time zone in which days (and weeks, months) are counted, e.g. ``"Asia/Shanghai"``.
        Times **without** a zone are taken to be on that clock already, as they are. Times **with** a zone
        (a zone-aware pandas column; Parquet written from one; text ending in a UTC offset such as
        ``+08:00``) are converted to ``tz``; with ``tz=None`` (default), to the zone stored with the column
        (pandas dtype, the Arrow schema of a Parquet file), or to UTC when only offsets or instants are
        stored (CSV text, Parquet without a zone). The same instants so give the same summary from a
        DataFrame, its Parquet file and Spark, whatever the machine's, DuckDB's or Spark's session time zone.
    threads
        DuckDB worker threads (default: all cores); not used by Spark.
    engine
        ``"duckdb"`` (default: embedded, no setup) or ``"spark"`` (Apache Spark, for logs in a
        cluster; a local session from :func:`helpers.engines.spark_session` unless ``spark`` is
        given). Both run the same SQL text (Spark's transpiled by sqlglot) and the same pandas
        post-processing: the results are identical, ``monetary_value`` included.
    spark
        A ``pyspark.sql.SparkSession`` to run on (implies ``engine="spark"``). Paths are read
        with ``spark.read`` (so they must be visible to the cluster); a DataFrame is uploaded.

    Returns
    -------
    DataFrame
        ``customer_id, frequency, recency, T[, monetary_value]`` (floats), one row per customer
        with at least one purchase up to ``observation_period_end``, sorted by ``customer_id``,
        index 0..n−1. ``attrs`` record the unit (``time_unit``, ``time_scaler``, ``period_days`` = days
        per model period, ``month_days`` for months), ``observation_period_end``, ``tz`` and
        ``refund_only_customers``; fitted models keep the unit and check it against every summary they
        are applied to.

    Raises
    ------
    DataError
        A column is missing, a file cannot be read, or a customer id / time / amount is missing.

    Notes
    -----
    Results equal :func:`helpers.clv.rfm_summary_reference` (a plain pandas computation) exactly.

    References
    ----------
    PyMC-Marketing ``pymc_marketing.clv.utils.rfm_summary`` (adapted from lifetimes'
    ``summary_data_from_transaction_data``); Fader, Hardie & Lee (2005).
    """
    unit = make_unit(time_unit, time_scaler, month_days)
    end = None if observation_period_end is None else as_timestamp(observation_period_end, "observation_period_end", tz)
    per = customer_periods(transactions, customer_id_col, datetime_col, monetary_value_col, str(unit.unit),
                           end_day=None if end is None else last_day_of_period(end, str(unit.unit)), threads=threads,
                           spark=resolve_spark(engine, spark), tz=tz)
    if end is None:
        column = "last_line_day" if "last_line_day" in per.columns else "last_day"
        end = EPOCH + pd.Timedelta(days=int(per[column].max()) if len(per) else 0)
    out = summary_from_periods(per, unit, period_start(end, str(unit.unit)), monetary_value_col is not None,
                               include_first_transaction)
    out.attrs["tz"] = tz
    return out


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
    month_days: float = MONTH_DAYS,
    tz: str | None = None,
    threads: int | None = None,
    engine: Any = "duckdb",
    spark: Any = None,
) -> pd.DataFrame:
    """Calibration summary up to ``train_period_end`` plus holdout counts after it.

    As lifetimes' ``calibration_and_holdout_data`` and PyMC-Marketing's ``rfm_train_test_split``, the
    transactions are cut **on their time first**: the calibration period holds the purchases on or before
    ``train_period_end``'s day (the whole day: the summary counts days, so a time of day is not used), the
    holdout those after it, up to ``test_period_end``'s day. Then each part is summarised by period: with
    weekly or monthly periods a purchase two days after a mid-week ``train_period_end`` belongs to the
    holdout, never to the calibration, even though its week is the week of ``train_period_end``.

    The calibration part is :func:`rfm_summary` of the calibration purchases with ``observation_period_end
    = train_period_end`` (``T`` runs to its period), for customers whose first purchase is on or before it
    (customers acquired in the holdout are left out, as in PyMC-Marketing). Added columns:

    - ``test_frequency`` — purchase periods among the holdout purchases (refund-only periods do not count);
    - ``test_monetary_value`` — mean net amount of those periods (0 when none; only with
      ``monetary_value_col``);
    - ``test_T`` — holdout length: periods from ``train_period_end``'s period to ``test_period_end``'s,
      divided by ``time_scaler`` (PyMC-Marketing's definition).

    ``test_period_end`` defaults to the last transaction's date. Same engines (``engine``,
    ``spark``), units (``time_unit``, ``time_scaler``, ``month_days``), time zone rule (``tz``) and refund
    rule as :func:`rfm_summary`.
    """
    if train_period_end is None:
        raise ValueError("train_period_end is required (the last day of the calibration period)")
    unit = make_unit(time_unit, time_scaler, month_days)
    code = str(unit.unit)
    spark = resolve_spark(engine, spark)
    train_end = as_timestamp(train_period_end, "train_period_end", tz).normalize()
    if test_period_end is None:
        test_end = last_timestamp(transactions, datetime_col, threads, spark, tz)
    else:
        test_end = as_timestamp(test_period_end, "test_period_end", tz).normalize()
    if test_end <= train_end:
        raise ValueError(f"test_period_end ({test_end.date()}) must be after train_period_end ({train_end.date()})")
    per_train = customer_periods(transactions, customer_id_col, datetime_col, monetary_value_col, code,
                                 end_day=day_number(train_end), threads=threads, spark=spark, tz=tz)
    if not (per_train["n_periods"] > 0).any():
        raise DataError(f"no purchases on or before train_period_end {train_end.date()}", file=None,
                        hint="choose a later train_period_end")
    train = summary_from_periods(per_train, unit, period_start(train_end, code), monetary_value_col is not None, False)
    per_test = customer_periods(transactions, customer_id_col, datetime_col, monetary_value_col, code,
                                start_day=day_number(train_end), end_day=day_number(test_end), threads=threads,
                                spark=spark, tz=tz).set_index("cid")
    ids = train["customer_id"].to_numpy()
    test_n = per_test["n_periods"].reindex(ids).fillna(0).to_numpy(dtype=float)
    train["test_frequency"] = test_n
    if monetary_value_col:
        total = per_test["total_amt"].reindex(ids).fillna(0.0).to_numpy(dtype=float)
        train["test_monetary_value"] = np.where(test_n > 0, np.maximum(total, 0.0) /
                                                (np.maximum(test_n, 1) * float(MONEY_SCALE)), 0.0)
    ends = period_ordinals(np.array([day_number(period_start(d, code)) for d in (train_end, test_end)]), code)
    train["test_T"] = float(ends[1] - ends[0]) / unit.scaler
    train.attrs.update({"tz": tz, "test_period_end": str(test_end.date())})
    return train
