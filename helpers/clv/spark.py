"""The Spark engine of the per-customer summary: which session to use, and the transactions as a view.

:func:`helpers.clv.rfm_summary` with ``engine="spark"`` (or a ``spark=`` session) runs the same SQL text
as on DuckDB (:func:`helpers.clv.sql.customer_periods_sql`), transpiled by sqlglot
(:func:`helpers.engines.to_spark_sql`), over the temporary view :func:`spark_source` registers, inside
:func:`utc_session` so that the session's time zone never decides which day a purchase falls on.
:func:`score_customers_spark` scores customers on Spark with the models fitted on the driver. pyspark is imported
only when Spark is used.
"""

from __future__ import annotations

import contextlib
import uuid
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from ..engines import map_in_pandas, spark_frame, spark_of
from ..errors import DataError
from ..largelog import ParquetLog
from ..paths import file_format
from .sql import Source, check_zone, existing_path, parquet_zone, prepare_frame, ZONE_TEXT
from .value import fit_attrs, fit_for_scoring, score_with_models


def resolve_spark(engine: Any, spark: Any) -> Any:
    """The SparkSession to use, or None for the embedded DuckDB engine."""
    return spark if spark is not None else spark_of(engine)


@contextlib.contextmanager
def utc_session(spark):
    """Run a block with the session time zone set to UTC (and restored after).

    Spark's timestamps are instants, shown and cut into dates on the session's clock; the workbook puts
    every time on the business clock first (:func:`spark_source`) and so needs a UTC session, whatever the
    caller's session says.
    """
    key = "spark.sql.session.timeZone"
    before = spark.conf.get(key)
    if before != "UTC":
        spark.conf.set(key, "UTC")
    try:
        yield
    finally:
        if before != "UTC":
            spark.conf.set(key, before)


def spark_source(transactions, columns: list[str], datetime_col: str, spark, tz: str | None = None) -> Source:
    """Register the transactions as a Spark temporary view (the Spark counterpart of
    :func:`helpers.clv.sql.duckdb_source`, with the same rule for times with a zone); the file type is
    :func:`helpers.paths.file_format`'s. Call inside :func:`utc_session`."""
    from pyspark.sql.functions import col
    from pyspark.sql.functions import expr as F_expr

    tz = check_zone(tz)
    view = f"_clv_transactions_{uuid.uuid4().hex}"
    if isinstance(transactions, ParquetLog):  # Spark reads the files; their columns must be canonical
        transactions = transactions.path
    if isinstance(transactions, pd.DataFrame):
        frame = prepare_frame(transactions, columns, datetime_col, tz)  # wall-clock times without zone
        # pandas string / categorical columns as plain Python objects, times in microseconds (Spark's unit)
        data = frame.astype({c: object for c in frame.columns
                             if c != datetime_col and not pd.api.types.is_numeric_dtype(frame[c])})
        data = data.assign(**{datetime_col: data[datetime_col].astype("datetime64[us]")})
        sdf = spark.createDataFrame(pa.Table.from_pandas(data, preserve_index=False))
        sdf.createOrReplaceTempView(view)
        return Source(view, "transactions DataFrame", frame=frame)
    if not isinstance(transactions, (str, Path)):
        raise TypeError("transactions must be a pandas DataFrame or a path to a Parquet file/folder or CSV file")
    path = existing_path(transactions)
    kind = file_format(path)
    if kind == "csv":
        reader = spark.read.option("header", True).option("sep", "\t" if path.suffix.lower() == ".tsv" else ",").csv
    elif kind == "parquet":
        reader = spark.read.parquet  # a folder: hive partitions are discovered
    else:
        raise DataError(f"unknown file type {path.suffix!r}", file=path,
                        hint="give a Parquet file (.parquet), a folder of Parquet files, or a CSV file")
    try:
        sdf = reader(str(path))
    except Exception as exc:  # Spark raises its own exception types
        raise DataError(f"could not be read ({type(exc).__name__}: {str(exc).splitlines()[0]})", file=path,
                        hint="check that it is a readable Parquet or CSV file; Parquet written by pandas has "
                        "nanosecond times, which Spark reads only with spark.sql.legacy.parquet.nanosAsLong=true "
                        "(helpers.engines.spark_session sets it)") from exc
    for column in columns:
        if column not in sdf.columns:
            raise DataError("required column is missing", file=path, column=column,
                            hint=f"pass the right column name (columns present: {list(sdf.columns)[:12]})")
    ns = f"`{datetime_col.replace('`', '``')}`"
    spark_type = dict(sdf.dtypes)[datetime_col]
    if kind == "csv":
        # text: times with a UTC offset are instants (on UTC unless tz is given); times without one, wall clock
        zoned = sdf.filter(col(datetime_col).rlike(ZONE_TEXT)).limit(1).count() > 0
        zone = (tz or "UTC") if zoned else None
        sdf = sdf.withColumn(datetime_col, F_expr(f"CAST({ns} AS TIMESTAMP)"))
    else:
        stored = None if spark_type == "timestamp_ntz" else parquet_zone(path, datetime_col)
        zone = (tz or stored) if stored else None
        if spark_type == "bigint":
            # Parquet TIMESTAMP(NANOS) (pandas' default) read with nanosAsLong: nanoseconds since 1970-01-01
            # on UTC (an instant) or on the wall clock (no zone); turn them into microsecond timestamps (floor).
            sdf = sdf.withColumn(datetime_col, F_expr(f"timestamp_micros(div({ns} - pmod({ns}, 1000), 1000))"))
        elif spark_type == "timestamp_ntz":
            sdf = sdf.withColumn(datetime_col, F_expr(f"CAST({ns} AS TIMESTAMP)"))  # wall clock, read on UTC
    if zone is not None:  # an instant: its wall-clock time in the zone, shown on the UTC session's clock
        sdf = sdf.withColumn(datetime_col, F_expr(f"from_utc_timestamp({ns}, '{zone}')"))
    sdf.createOrReplaceTempView(view)
    return Source(view, path.name, path=path)



#: The columns of :func:`score_customers_spark`'s output.
SCORE_SCHEMA = "customer_id string, p_alive double, expected_purchases double, expected_spend double, clv double"


def score_customers_spark(summary: pd.DataFrame, spark, horizon: int = 52, time_unit: str = "W",
                          discount_rate: float = 0.10, model: str = "bgnbd", *, model_period_days: float | None = None,
                          max_fit_customers: int | None = None, seed: int = 0, partitions: int | None = None):
    """:func:`helpers.clv.score_customers` on Spark: the models are fitted on the driver on the same seeded
    sample (:func:`~helpers.clv.value.fit_for_scoring`), and every customer is scored where its row lives, by
    the same :func:`~helpers.clv.value.score_with_models` run on each batch (``mapInPandas``,
    :func:`helpers.engines.map_in_pandas`).

    Returns ``(scores, attrs)``: a Spark DataFrame (:data:`SCORE_SCHEMA`, customer ids as text) and what
    ``score_customers`` records in its ``attrs``. The scores equal ``score_customers``' to rounding (the
    parity test checks 1e-9).
    """
    summary, transaction_model, spend_model, fit_on, spend_on = fit_for_scoring(
        summary, model, model_period_days=model_period_days, max_fit_customers=max_fit_customers, seed=seed)
    frame = spark_frame(spark, summary.assign(customer_id=summary["customer_id"].astype("string")))
    if partitions:
        frame = frame.repartition(int(partitions))

    def score(batch: pd.DataFrame) -> pd.DataFrame:
        return score_with_models(transaction_model, spend_model, batch, horizon=horizon, time_unit=time_unit,
                                 discount_rate=discount_rate, model_period_days=model_period_days)

    scores = map_in_pandas(frame, score, SCORE_SCHEMA, attrs=summary.attrs)
    return scores, fit_attrs(transaction_model, spend_model, fit_on, spend_on, horizon, time_unit, discount_rate)
