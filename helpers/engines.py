"""Query engines: embedded DuckDB (default) and Apache Spark, and the SQL text both read.

DuckDB
------
:func:`connect` opens an in-memory DuckDB connection; every DuckDB query of the workbook goes
through it, so a :func:`duckdb_settings` block (memory limit, spill folder) reaches summaries,
cleaning and scans alike. :func:`run_with_progress` runs one statement with a tqdm bar fed by
DuckDB's own progress estimate. :func:`sql_ident` and :func:`sql_str` are the one quoting pair.

Spark
-----
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

SQLite
------
:class:`SQLiteConnections`: one open connection per thread to one of the sharing end's small SQLite
files (notes and audit trail, accounts).

Part of the bottom layer (``docs/architecture.md``): imports no other module of the package.
pyspark and sqlglot are imported inside the Spark functions (heavy, optional at run time).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from pathlib import Path
from typing import Any

import duckdb
from tqdm.auto import tqdm

# --------------------------------------------------------------------------- DuckDB


def sql_ident(name: str) -> str:
    """A SQL identifier (column name) in double quotes, inner quotes doubled."""
    return '"' + str(name).replace('"', '""') + '"'


def sql_str(text: str) -> str:
    """A SQL string literal: ``text`` in single quotes, inner quotes doubled."""
    return "'" + str(text).replace("'", "''") + "'"


_DUCKDB_SETTINGS: dict[str, Any] = {}


@contextlib.contextmanager
def duckdb_settings(memory_limit: str | None = None, temp_directory: str | Path | None = None):
    """Run every DuckDB query of the workbook inside this block (summaries, cleaning, scans of a
    :class:`~helpers.largelog.ParquetLog`) under a memory limit, spilling to ``temp_directory``.

    ``with engines.duckdb_settings(memory_limit="2GB", temp_directory="/tmp/spill"): clv.rfm_summary(log)``
    summarises a log larger than memory: DuckDB's hash aggregations write partitions to disk
    when the limit is reached, and the result is the same (``benchmarks/bench_scale.py`` checks
    it on a 100M-line log).
    """
    previous = dict(_DUCKDB_SETTINGS)
    _DUCKDB_SETTINGS.update({k: v for k, v in (("memory_limit", memory_limit),
                                               ("temp_directory", temp_directory)) if v is not None})
    try:
        yield
    finally:
        _DUCKDB_SETTINGS.clear()
        _DUCKDB_SETTINGS.update(previous)


def connect(memory_limit: str | None = None, threads: int | None = None, temp_directory: str | Path | None = None):
    """A DuckDB connection; ``memory_limit`` (e.g. ``"2GB"``) makes DuckDB spill to ``temp_directory``.

    Settings not given here come from an enclosing :func:`duckdb_settings` block.
    """
    memory_limit = memory_limit or _DUCKDB_SETTINGS.get("memory_limit")
    temp_directory = temp_directory or _DUCKDB_SETTINGS.get("temp_directory")
    con = duckdb.connect(":memory:")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    if memory_limit:
        con.execute(f"SET memory_limit = {sql_str(memory_limit)}")
    if temp_directory:
        con.execute(f"SET temp_directory = {sql_str(Path(temp_directory).as_posix())}")
    con.execute("SET preserve_insertion_order = false")
    return con


def run_with_progress(con, sql: str, desc: str, fetch: str | None = None, disable: bool = False) -> Any:
    """Run ``sql`` on ``con`` with a tqdm bar fed by DuckDB's own progress estimate (0-100 %).

    DuckDB reports progress through ``con.query_progress()`` while the query runs in another
    thread; ``fetch`` is ``None`` (execute only), ``"arrow"``, ``"df"`` or ``"all"``.
    """
    con.execute("SET enable_progress_bar = true")
    con.execute("SET enable_progress_bar_print = false")
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            rel = con.sql(sql)
            box["out"] = (None if fetch is None or rel is None else rel.to_arrow_table() if fetch == "arrow"
                          else rel.df() if fetch == "df" else rel.fetchall())
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=work, daemon=True)
    with tqdm(total=100, desc=desc, unit="%", disable=disable,
              bar_format="{desc}: {percentage:3.0f}%|{bar}| [{elapsed}<{remaining}]") as bar:
        thread.start()
        while thread.is_alive():
            thread.join(0.5)
            done = con.query_progress() if thread.is_alive() else 100.0
            if done is not None and done >= 0:
                bar.update(max(0.0, min(100.0, float(done)) - bar.n))
        bar.update(100 - bar.n)
    if "error" in box:
        raise box["error"]
    return box.get("out")


# --------------------------------------------------------------------------- Spark


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


# --------------------------------------------------------------------------- SQLite (the sharing end's files)

class SQLiteConnections:
    """One open connection per thread to the SQLite file ``path`` (autocommit, busy timeout 60 s): :meth:`get`.

    The sharing end's small files (notes and audit trail, accounts) are used by every request; opening and
    closing a connection per statement costs more than the statement (closing the last connection of a WAL
    file checkpoints it). A thread's connection is used again only while the file is the one it was opened on
    (same device and inode) in the same process; a file replaced on disk or a forked process gets a new one.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._local = threading.local()

    def get(self) -> sqlite3.Connection:
        """This thread's connection. Raises :class:`FileNotFoundError` when the file is missing (SQLite would
        silently create an empty one)."""
        stat = os.stat(self.path)
        key = (os.getpid(), stat.st_dev, stat.st_ino)
        held = getattr(self._local, "held", None)
        if held is not None and held[0] == key:
            return held[1]
        if held is not None and held[0][0] == os.getpid():
            held[1].close()
        con = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        con.execute("PRAGMA busy_timeout = 60000")
        self._local.held = (key, con)
        return con
