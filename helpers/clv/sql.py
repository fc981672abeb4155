"""The SQL of the per-customer summary, and where DuckDB reads the transactions from.

:func:`customer_periods_sql` is the only definition of the summary: DuckDB runs it as is, Spark runs
its sqlglot transpilation (:mod:`helpers.clv.spark`). Periods are integer day numbers since
1970-01-01 (:func:`day_expr`, :func:`period_expr`), so no date function whose meaning differs
between engines is needed. :func:`duckdb_source` turns a DataFrame (registered, read in place), a
:class:`~helpers.largelog.ParquetLog` or a path (a Parquet file or folder, a CSV file; the file type
by :func:`helpers.paths.file_format`) into a relation expression, checking columns and dates first.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..engines import sql_ident, sql_str
from ..errors import DataError
from ..largelog import ParquetLog, scan_sql
from ..paths import file_format, resolve_user_path
from .units import EPOCH


@dataclass
class Source:
    """Where the transactions are, as a DuckDB relation expression."""

    sql: str  # FROM-clause expression
    label: str  # for error messages: file name or "transactions DataFrame"
    frame: pd.DataFrame | None = None  # registered DataFrame (replacement scan)
    path: Path | None = None


def prepare_frame(frame: pd.DataFrame, columns: list[str], datetime_col: str) -> pd.DataFrame:
    """Only the needed columns; timestamps as naive datetime64 (text parsed, tz dropped)."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError("required column is missing", file="transactions DataFrame", column=missing[0],
                        hint=f"pass the right column name (columns present: {list(frame.columns)[:12]})")
    out = frame[columns]
    ts = out[datetime_col]
    if not pd.api.types.is_datetime64_any_dtype(ts):
        parsed = pd.to_datetime(ts, errors="coerce")
        bad = parsed.isna() & ts.notna()
        if bad.any():
            label = bad.index[np.argmax(bad.to_numpy())]
            raise DataError(f"value {ts.loc[label]!r} is not a date", file="transactions DataFrame",
                            column=datetime_col, row=label,
                            hint="clean the column first (helpers.clean.clean_transactions) or fix the value")
        out = out.assign(**{datetime_col: parsed})
        ts = out[datetime_col]
    if getattr(ts.dt, "tz", None) is not None:
        out = out.assign(**{datetime_col: ts.dt.tz_localize(None)})
    return out


def existing_path(transactions: str | Path) -> Path:
    """The log's path, resolved like every user path (:func:`helpers.paths.resolve_user_path`)."""
    path = resolve_user_path(transactions)
    if not path.exists():
        raise DataError("file or folder not found", file=path, hint="check the path (relative paths are "
                        "tried from the current folder, then from the project root)")
    return path


def file_sql(path: Path, id_col: str) -> str:
    """DuckDB table function reading ``path``: a folder of (hive-partitioned) Parquet files, a Parquet
    file, or a CSV file whose ``id_col`` stays text ("0001" must not become the number 1). The file type
    is :func:`helpers.paths.file_format`'s."""
    kind = file_format(path)
    if kind == "parquet":
        return scan_sql(path, lineage=False)
    if kind == "csv":
        return f"read_csv({sql_str(path.as_posix())}, header = true, types = {{{sql_str(id_col)}: 'VARCHAR'}})"
    raise DataError(f"unknown file type {path.suffix!r}", file=path,
                    hint="give a Parquet file (.parquet), a folder of Parquet files, or a CSV file")


def duckdb_source(transactions: pd.DataFrame | ParquetLog | str | Path, columns: list[str], datetime_col: str,
                  con) -> Source:
    """The transactions as a relation of the DuckDB connection ``con``, after checking that ``columns``
    exist and that ``datetime_col`` holds dates (a DataFrame is registered as ``_clv_transactions``)."""
    if isinstance(transactions, pd.DataFrame):
        frame = prepare_frame(transactions, columns, datetime_col)
        con.register("_clv_transactions", frame)
        return Source("_clv_transactions", "transactions DataFrame", frame=frame)
    if isinstance(transactions, ParquetLog):  # a large log with its column map (helpers.largelog)
        path, sql = transactions.path, f"({transactions.select_sql()})"
    elif isinstance(transactions, (str, Path)):
        path = existing_path(transactions)
        sql = file_sql(path, columns[0])
    else:
        raise TypeError("transactions must be a pandas DataFrame, a ParquetLog, or a path to a Parquet "
                        "file/folder or CSV file")
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {sql}").fetchall()
    except Exception as exc:  # duckdb raises its own exception types
        raise DataError(f"could not be read ({type(exc).__name__}: {str(exc).splitlines()[0]})", file=path,
                        hint="check that it is a readable Parquet or CSV file") from exc
    types = {row[0]: row[1] for row in described}
    for column in columns:
        if column not in types:
            raise DataError("required column is missing", file=path, column=column,
                            hint=f"pass the right column name (columns present: {list(types)[:12]})")
    if not (types[datetime_col].startswith("TIMESTAMP") or types[datetime_col] == "DATE"):
        bad = con.execute(f"SELECT {sql_ident(datetime_col)} FROM {sql} WHERE {sql_ident(datetime_col)} IS NOT NULL "
                          f"AND TRY_CAST({sql_ident(datetime_col)} AS TIMESTAMP) IS NULL LIMIT 1").fetchall()
        if bad:
            raise DataError(f"value {bad[0][0]!r} is not a date (column type {types[datetime_col]})", file=path,
                            column=datetime_col, hint="write dates as YYYY-MM-DD[ HH:MM:SS] or clean the file first")
    return Source(sql, path.name, path=path)


def day_expr(datetime_col: str) -> str:
    """SQL: the purchase's calendar day as days since 1970-01-01 (a 32-bit integer: a narrower grouping key
    than date_diff's BIGINT, ~5% faster at 50M lines)."""
    return f"CAST(date_diff('day', DATE '1970-01-01', CAST(CAST({sql_ident(datetime_col)} AS TIMESTAMP) AS DATE)) AS INT)"


def period_expr(day: str, unit: str) -> str:
    """SQL: the start of the day or ISO week (Monday) containing day number ``day``, as a day number.

    Plain integer arithmetic (1970-01-01 was a Thursday, so ``(day + 3) mod 7`` is days since
    Monday) rather than ``date_trunc('week', ...)``: it means the same in every SQL dialect.
    """
    return day if unit == "D" else f"{day} - (({day} + 3) % 7 + 7) % 7"


def customer_periods_sql(from_sql: str, customer_id_col: str, datetime_col: str, monetary_value_col: str | None,
                         unit: str, start: pd.Timestamp | None, end: pd.Timestamp | None) -> str:
    """SQL for one row per customer, sorted by customer id: first/last purchase period (days since
    1970-01-01), number of distinct purchase periods, spend in the first period and in all periods,
    and the number of lines without a time.

    Two hash aggregations: (customer, period) → customer. The spend of the repeat periods is
    ``total − first period`` (``arg_min(amt, p)``), which avoids a window over all periods.
    Lines without a time form a ``NULL`` period that passes the window filter and is counted
    (``count(*) − count(p)``), so they are reported, never dropped. A missing amount is summed as
    NaN, which makes the customer's ``total_amt`` NaN (:func:`helpers.clv.summary.rfm_summary` reports it): one
    aggregate fewer than counting nulls per (customer, period), ~15% of the query at 50M lines.
    The final ``ORDER BY`` runs in the engine (parallel; ~0.6 s for 5M customers, against ~3 s
    for sorting and reordering the Arrow result).

    This text, in DuckDB's dialect, is the only definition of the summary: DuckDB runs it as is,
    Spark runs its sqlglot transpilation (:func:`helpers.engines.to_spark_sql`). Periods are integer
    day numbers so that no date function whose meaning differs between engines is needed.
    """
    where = []
    if start is not None:
        where.append(f"p > {(start - EPOCH).days}")
    if end is not None:
        where.append(f"p <= {(end - EPOCH).days}")
    cond = f"WHERE p IS NULL OR ({' AND '.join(where)})" if where else ""
    money_in = f", CAST({sql_ident(monetary_value_col)} AS DOUBLE) AS amount" if monetary_value_col else ""
    money_per = ", sum(coalesce(amount, CAST('NaN' AS DOUBLE))) AS amt" if monetary_value_col else ""
    money_out = ", arg_min(amt, p) AS first_amt, sum(amt) AS total_amt" if monetary_value_col else ""
    return f"""
    WITH src AS (
        SELECT {sql_ident(customer_id_col)} AS cid, {day_expr(datetime_col)} AS d{money_in}
        FROM {from_sql}
    ), periods AS (
        SELECT cid, {period_expr("d", unit)} AS p{", amount" if monetary_value_col else ""}
        FROM src
    ), per AS (
        SELECT cid, p{money_per}
        FROM periods {cond}
        GROUP BY cid, p
    )
    SELECT cid,
           CAST(min(p) AS BIGINT) AS first_day,
           CAST(max(p) AS BIGINT) AS last_day,
           count(p) AS n_periods,
           count(*) - count(p) AS n_null_time{money_out}
    FROM per
    GROUP BY cid
    ORDER BY cid
    """


def last_timestamp_sql(from_sql: str, datetime_col: str) -> str:
    """SQL (DuckDB dialect, transpiled for Spark): the latest transaction time."""
    return f"SELECT max(CAST({sql_ident(datetime_col)} AS TIMESTAMP)) FROM {from_sql}"

