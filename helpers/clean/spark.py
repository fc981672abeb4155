"""Cleaning a large log on Apache Spark: :func:`helpers.clean.clean_log`'s own SQL, transpiled.

:func:`helpers.clean.clean_log` with ``spark=`` a SparkSession runs the very statements it runs on DuckDB —
the canonical view, the value rules (the same pandas checks on the DISTINCT raw values, their mapping joined
back), the row rules and reasons in the order of :data:`~helpers.schema.REASONS`, the netting of returns
(the same :func:`~helpers.clean.returns.net_returns` on the lines of customers with a return), the extreme
flags and the two outputs — through :class:`helpers.engines.SparkConnection`, which transpiles each DuckDB
statement to Spark SQL with sqlglot. There is no second definition to drift: a rule changed in
:mod:`helpers.clean.large` changes on both engines, and ``tests/test_spark_chain.py`` checks that the two
give the same kept lines, quarantine rows, reasons and details.

This module only builds the view ``log`` that the statements read, as
:meth:`helpers.largelog.ParquetLog.select_sql` builds it for DuckDB: the canonical columns, and the
lineage ``source_file`` (the file's path under the log's folder, or its name) and ``source_row`` (row number
in the file, from 1; Spark's ``_metadata.row_index`` + 1), or the files' own lineage columns; a log without an
order id gets ``<source_file>:<source_row>``. Times are wall-clock ``TIMESTAMP_NTZ`` on a UTC session:
Parquet nanosecond times (pandas' default, read as integers by
:func:`helpers.engines.spark_session`) are floored to microseconds, and instants become their UTC wall time,
as DuckDB's ``timezone('UTC', …)`` does.
"""

from __future__ import annotations

from typing import Any

import pyarrow.parquet as pq

from ..engines import SparkConnection
from ..largelog import ParquetLog
from ..schema import CANONICAL


def _nanosecond_columns(log: ParquetLog) -> set[str]:
    """Columns stored as Parquet TIMESTAMP(NANOS), which Spark reads as integers (first file's schema)."""
    first = log.path if log.path.is_file() else next(iter(sorted(log.path.rglob("*.parquet"))), None)
    if first is None:
        return set()
    schema = pq.read_schema(first)
    return {f.name for f in schema if str(f.type).startswith("timestamp[ns")}


def spark_log(spark: Any, log: ParquetLog) -> Any:
    """The Spark DataFrame of ``log``'s canonical columns and lineage (see the module docstring)."""
    from pyspark.sql import functions as F

    reader = spark.read.option("mergeSchema", "true").option("pathGlobFilter", "*.parquet")  # DuckDB's glob
    frame = reader.parquet(str(log.path))
    nanos = _nanosecond_columns(log)
    frame = frame.select("*", F.col("_metadata.file_path").alias("_file"),
                         F.col("_metadata.row_index").alias("_row"))
    if log.lineage:
        name, row = F.col("source_file"), F.col("source_row")
    else:
        if log.path.is_dir():
            root = log.path.resolve().as_posix().rstrip("/") + "/"
            decoded = F.expr("url_decode(_file)")
            name = F.substring(decoded, F.instr(decoded, root) + len(root), 1 << 30)
        else:
            name = F.lit(log.path.name)
        row = F.col("_row") + 1
    columns = []
    for canonical in CANONICAL:
        if canonical in log.mapping:
            source = log.mapping[canonical]
            value = F.col(f"`{source}`")
            kind = dict(frame.dtypes)[source]
            if source in nanos and kind == "bigint":  # nanoseconds since 1970 (wall clock or UTC): floor to µs
                value = F.expr(f"timestamp_micros(div(`{source}` - pmod(`{source}`, 1000), 1000))")
                kind = "timestamp"
            if kind == "timestamp":  # an instant on the UTC session: its UTC wall time
                value = value.cast("timestamp_ntz")
            columns.append(value.alias(canonical))
        elif canonical == "order_id":
            columns.append(F.concat(name, F.lit(":"), row.cast("string")).alias("order_id"))
    columns += [F.col(f"`{c}`") for c in log.extra]
    return frame.select(*columns, name.alias("source_file"), row.cast("bigint").alias("source_row"))


def spark_connection(spark: Any, log: ParquetLog) -> SparkConnection:
    """A :class:`~helpers.engines.SparkConnection` with the view ``log`` over ``log`` (what
    :meth:`~helpers.largelog.ParquetLog.connect` is for DuckDB)."""
    con = SparkConnection(spark)
    spark_log(spark, log).createOrReplaceTempView("log")
    con.views.append("log")
    return con
