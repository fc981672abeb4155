"""Query engines for the per-customer summaries: embedded DuckDB (default) and Apache Spark.

The summaries in :mod:`helpers.clv` are written **once**, as one SQL text in DuckDB's dialect.
DuckDB runs it directly; for data that lives in a cluster the same text is transpiled to Spark
SQL with sqlglot (:func:`to_spark_sql`) and run by a :class:`pyspark.sql.SparkSession`
(:func:`spark_session` makes a local one). Only the per-customer result comes back to pandas,
and all post-processing is shared, so the two engines cannot drift apart.

Why sqlglot rather than a dataframe abstraction (Ibis, Spark's pandas API) or two hand-written
queries: SQL is already the definition the DuckDB path runs and tests; sqlglot is a small,
pure-Python, well-kept transpiler (no engine of its own), so one SQL text stays the single
source of truth and each engine receives its own dialect. Constructs whose meaning differs
between engines (``date_trunc('week')``, date subtraction, time zones) are avoided in the SQL
text itself rather than patched per engine; ``tests/test_engines.py`` checks that both
engines return exactly the same summaries.
"""

from __future__ import annotations

from typing import Any


def to_spark_sql(sql: str) -> str:
    """Transpile one DuckDB SQL statement to Spark SQL with sqlglot.

    Parameters
    ----------
    sql
        A single SQL statement in DuckDB's dialect.

    Returns
    -------
    str
        The same statement in Spark SQL (``sqlglot.transpile(sql, read="duckdb", write="spark")``).
    """
    import sqlglot

    statements = sqlglot.transpile(sql, read="duckdb", write="spark", unsupported_level=sqlglot.ErrorLevel.RAISE)
    if len(statements) != 1:
        raise ValueError(f"expected one SQL statement, got {len(statements)}")
    return statements[0]


def spark_session(app_name: str = "crm-workbook", master: str = "local[2]", memory: str = "2g") -> Any:
    """A local (or existing) SparkSession set up for the workbook.

    Binds the driver to 127.0.0.1, uses UTC as session time zone (so timestamps become
    dates the same way as in DuckDB over naive timestamps), disables the web UI, uses few
    shuffle partitions (small local jobs) and quiets the log. Starting takes ~8 s; if a
    session is already active, ``getOrCreate`` returns it.

    Parameters
    ----------
    app_name
        Spark application name.
    master
        Spark master URL, e.g. ``"local[2]"`` (two local cores) or a cluster URL.
    memory
        Driver memory, e.g. ``"2g"``.

    Returns
    -------
    pyspark.sql.SparkSession
    """
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.appName(app_name)
        .master(master)
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.memory", memory)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        # pandas writes Parquet times in nanoseconds, which Spark cannot read as timestamps; read them
        # as integers instead (helpers.clv turns them into timestamps)
        .config("spark.sql.legacy.parquet.nanosAsLong", "true")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark
