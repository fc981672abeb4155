"""Query engines: embedded DuckDB (default) and Apache Spark, and the SQL text both read.

DuckDB
------
:func:`connect` opens an in-memory DuckDB connection; every DuckDB query of the workbook goes
through it, so a :func:`duckdb_settings` block (memory limit, spill folder) reaches summaries,
cleaning and scans alike. Outside such a block every connection gets the **memory budget**
(:func:`set_memory_budget`, the ``memory_budget`` parameter of notebooks 01–04; by default
:data:`MEMORY_FRACTION` of this machine's RAM): DuckDB may hold :data:`DUCKDB_SHARE` of it and
spills sorts, joins and aggregations beyond that to ``data/interim/spill``; the rest is left to the
pandas and Arrow tables of the step (:func:`chunk_rows` sizes their chunks). :func:`run_with_progress` runs one statement with a tqdm bar fed by
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

Part of the bottom layer (``docs/architecture.md``): imports only :mod:`helpers.paths` (the spill folder).
pyspark and sqlglot are imported inside the Spark functions (heavy, optional at run time).
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import threading
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

import duckdb
import pandas as pd
import pyarrow as pa
from tqdm.auto import tqdm

from . import paths

# --------------------------------------------------------------------------- DuckDB


def sql_ident(name: str) -> str:
    """A SQL identifier (column name) in double quotes, inner quotes doubled."""
    return '"' + str(name).replace('"', '""') + '"'


def sql_str(text: str) -> str:
    """A SQL string literal: ``text`` in single quotes, inner quotes doubled."""
    return "'" + str(text).replace("'", "''") + "'"


_DUCKDB_SETTINGS: dict[str, Any] = {}

#: Share of the machine's RAM the workbook's process may use when no budget is given (24 GiB → 7.2 GiB).
MEMORY_FRACTION = 0.3
#: Share of the memory budget DuckDB's buffer manager may hold (its ``memory_limit``); beyond it DuckDB spills
#: to disk. The rest is for the step's own tables (pandas, Arrow) and the Python process itself.
DUCKDB_SHARE = 0.5
#: The smallest budget accepted: below it DuckDB cannot run the workbook's queries at all.
MIN_BUDGET = 256 * 2**20

_UNITS = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
          "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}
_BUDGET: dict[str, Any] = {}


def parse_bytes(size: int | float | str) -> int:
    """A size in bytes: a number, or text as DuckDB writes it (``"6GB"`` = 6·10⁹, ``"6GiB"`` = 6·2³⁰,
    ``"512 MB"``); a clear :class:`ValueError` otherwise."""
    if isinstance(size, (int, float)) and not isinstance(size, bool):
        value = float(size)
    else:
        match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([KMGT]?I?B?)\s*", str(size).upper())
        if not match or match.group(2) not in _UNITS:
            raise ValueError(f"memory size {size!r} is not a size: write e.g. '6GB', '6GiB' or 6e9 (bytes)")
        value = float(match.group(1)) * _UNITS[match.group(2)]
    if not value > 0:
        raise ValueError(f"memory size {size!r} must be positive")
    return int(value)


def total_memory() -> int:
    """Bytes of RAM this process may use: the machine's physical memory, or a smaller cgroup limit
    (a container's ``memory.max``)."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    with contextlib.suppress(OSError, ValueError):
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if limit.isdigit():
            total = min(total, int(limit))
    return int(total)


def memory_budget(budget: int | float | str | None = None) -> int:
    """The memory budget in bytes: ``budget`` when given, else the one set by :func:`set_memory_budget`,
    else ``CRM_MEMORY_BUDGET`` from the environment, else :data:`MEMORY_FRACTION` × :func:`total_memory`.

    Refuses (``ValueError``) a budget below :data:`MIN_BUDGET` or above the machine's memory: the first
    cannot run the queries, the second would not protect the machine."""
    chosen = budget if budget is not None else _BUDGET.get("bytes") or os.environ.get("CRM_MEMORY_BUDGET")
    if chosen is None or chosen == "":
        return int(MEMORY_FRACTION * total_memory())
    value = parse_bytes(chosen)
    if value < MIN_BUDGET:
        raise ValueError(f"memory budget {chosen!r} is below {MIN_BUDGET // 2**20} MiB, too little for DuckDB to run "
                         "the workbook's queries")
    if value > total_memory():
        raise ValueError(f"memory budget {chosen!r} is more than this machine's {total_memory() / 2**30:.1f} GiB "
                         "of RAM: give at most that")
    return value


def spill_directory() -> Path:
    """Where DuckDB spills what does not fit its share of the budget: ``data/interim/spill``
    (``CRM_INTERIM_DIR``/spill when set)."""
    return paths.INTERIM / "spill"


def set_memory_budget(budget: int | float | str | None = None) -> int:
    """Make ``budget`` (bytes, ``"6GB"``) this process's memory budget: every later :func:`connect` gets
    ``memory_limit`` = :data:`DUCKDB_SHARE` × budget and spills to :func:`spill_directory`, and
    :func:`chunk_rows` sizes chunks from it. ``None`` clears a budget set before, so the default of
    :func:`memory_budget` applies. Returns the budget in bytes. Notebooks 01–04 call it with their
    ``memory_budget`` parameter."""
    _BUDGET.pop("bytes", None)
    value = memory_budget(budget)
    if budget is not None:
        _BUDGET["bytes"] = value
    return value


def duckdb_memory_limit(budget: int | float | str | None = None) -> str:
    """DuckDB's ``memory_limit`` for a budget (:func:`memory_budget`): :data:`DUCKDB_SHARE` of it, in MiB."""
    return f"{int(DUCKDB_SHARE * memory_budget(budget)) // 2**20}MiB"


def chunk_rows(row_bytes: int, share: float = 0.1, budget: int | float | str | None = None,
               least: int = 10_000) -> int:
    """Rows per chunk for a step that streams a table through pandas: ``share`` of the pandas part of the
    budget (1 − :data:`DUCKDB_SHARE`) divided by ``row_bytes`` (the row's size in memory, bytes), at least
    ``least``."""
    room = (1 - DUCKDB_SHARE) * memory_budget(budget) * share
    return max(int(least), int(room // max(int(row_bytes), 1)))


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

    Settings not given here come from an enclosing :func:`duckdb_settings` block, else from the memory
    budget (:func:`duckdb_memory_limit`, :func:`spill_directory`): DuckDB never grows to its own default
    of 80 % of the machine's RAM.
    """
    memory_limit = memory_limit or _DUCKDB_SETTINGS.get("memory_limit") or duckdb_memory_limit()
    temp_directory = temp_directory or _DUCKDB_SETTINGS.get("temp_directory") or spill_directory()
    con = duckdb.connect(":memory:")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    if memory_limit:
        con.execute(f"SET memory_limit = {sql_str(memory_limit)}")
    if temp_directory:
        con.execute(f"SET temp_directory = {sql_str(Path(temp_directory).as_posix())}")
    con.execute("SET preserve_insertion_order = false")
    return con


#: DuckDB types whose ``.df()`` conversion survives a round trip through Arrow (:func:`frame_of`).
_ARROW_SAFE = re.compile(r"(VARCHAR|BOOLEAN|(U)?(TINY|SMALL|BIG|)INT(EGER)?|DOUBLE|FLOAT|DATE|DECIMAL\(\d+,\d+\)"
                         r"|TIMESTAMP( WITH TIME ZONE)?)")


def frame_of(result: Any) -> pd.DataFrame:
    """The DataFrame DuckDB's ``.df()`` gives for a query ``result`` (a relation: ``con.sql(...)``), its text
    columns converted through Arrow. Why: ``.df()`` makes a Python string of every text value before pandas
    stores it as Arrow text again — three times the cost of the query itself for the millions of ids of a large
    log's sample — while Arrow's own conversion keeps the buffers. The other columns still go through ``.df()``
    (its nullable integers, booleans, decimals and dates), so the frame is the same, dtype for dtype; a result
    with other types (lists, structs, enums …) is ``.df()`` itself."""
    if not all(_ARROW_SAFE.fullmatch(str(t)) for t in result.types) or len(set(result.columns)) != len(result.columns):
        return result.df()
    table = result.to_arrow_table()
    text = [f.name for f in table.schema if (pa.types.is_string(f.type) or pa.types.is_large_string(f.type))
            and table.column(f.name).null_count < table.num_rows]  # .df() leaves an all-NULL column object
    if not text:
        return duckdb.from_arrow(table).df()
    others = [c for c in table.column_names if c not in text]
    rest = duckdb.from_arrow(table.select(others)).df() if others else None
    return pd.DataFrame({c: (table.column(c).to_pandas() if c in text else rest[c]) for c in table.column_names})


def _fetched(rel: Any, fetch: str | None) -> Any:
    """What :func:`run_with_progress` returns of a query's relation ``rel`` (``None`` for a statement)."""
    return (None if fetch is None or rel is None else rel.to_arrow_table() if fetch == "arrow"
            else frame_of(rel) if fetch == "df" else rel.fetchall())


def run_with_progress(con, sql: str, desc: str, fetch: str | None = None, disable: bool = False) -> Any:
    """Run ``sql`` on ``con`` with a tqdm bar fed by DuckDB's own progress estimate (0-100 %).

    DuckDB reports progress through ``con.query_progress()`` while the query runs in another
    thread; ``fetch`` is ``None`` (execute only), ``"arrow"``, ``"df"`` or ``"all"``. ``disable``: no bar, the query
    run in the caller's thread (no thread, no bar to set up: ~10 ms the first time).
    """
    con.execute("SET enable_progress_bar = true")  # (a statement: it also ends a result the caller left open)
    con.execute("SET enable_progress_bar_print = false")
    if disable:
        return _fetched(con.sql(sql), fetch)
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["out"] = _fetched(con.sql(sql), fetch)
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


def to_spark_sql(sql: Any) -> str:
    """One DuckDB SQL statement (text, or a sqlglot tree) as Spark SQL: sqlglot's transpilation plus the mends of
    functions Spark lacks (``ord``, negative string indexes, ``quantile_cont``, ``regexp_replace``
    back-references, an unordered ``row_number()``: :func:`_spark_fixes`). What sqlglot cannot write in Spark's
    dialect raises (``ErrorLevel.RAISE``) instead of being written approximately. The one transpiler of the
    workbook: the summary's SQL and every statement :class:`SparkConnection` runs go through it."""
    import sqlglot

    if isinstance(sql, str):
        trees = [t for t in sqlglot.parse(sql, read="duckdb") if t is not None]
        if len(trees) != 1:
            raise ValueError(f"expected one SQL statement, got {len(trees)}")
        sql = trees[0]
    return _spark_fixes(sql).sql(dialect="spark", unsupported_level=sqlglot.ErrorLevel.RAISE)


def spark_of(engine: Any) -> Any:
    """The SparkSession an ``engine`` parameter names, or None for the embedded DuckDB engine: ``"duckdb"``,
    ``"spark"`` (a local :func:`spark_session`) or a SparkSession itself."""
    if isinstance(engine, str):
        name = engine.lower()
        if name == "duckdb":
            return None
        if name == "spark":
            return spark_session()
        raise ValueError(f"engine must be 'duckdb' or 'spark' (or pass a SparkSession as spark=), not {engine!r}")
    return engine  # a SparkSession


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
    import os
    import sys

    from pyspark.sql import SparkSession

    if master.startswith("local"):  # local Python workers (mapInPandas) run the driver's interpreter and packages
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
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
        self._thread_lock = threading.Lock()
        self._lock_file: tuple[int, Any] | None = None  # (pid, open file) of ``<path>.lock``

    @contextlib.contextmanager
    def writing(self):
        """Hold the file's write lock: this process's threads queue on a lock, and processes on ``flock`` of
        ``<path>.lock`` (POSIX). Waiting writers wake the moment the lock is free; in SQLite's own busy handler
        they would sleep 1, 2, 5, 10 … ms between tries, which put tens of milliseconds on pages that write one
        audit row while another process writes."""
        with self._thread_lock:
            if fcntl is None:  # Windows: one server process
                yield
                return
            if self._lock_file is None or self._lock_file[0] != os.getpid():
                self._lock_file = (os.getpid(), open(self.path.with_name(self.path.name + ".lock"), "a"))
            handle = self._lock_file[1]
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @contextlib.contextmanager
    def transaction(self):
        """This thread's connection in one write transaction (``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back on an
        error) under :meth:`writing`'s lock: for writes of several statements. A single statement needs only the
        lock (autocommit), and holds it for less time."""
        con = self.get()
        with self.writing():
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

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
        self._local.held = (key, con, {})
        return con

    def setting(self, con: sqlite3.Connection, name: str) -> Any:
        """What :meth:`remember` noted of this thread's connection ``con`` (e.g. the ``synchronous`` mode it was
        set to), or ``None``: a pragma is then sent only when the connection's mode changes."""
        held = getattr(self._local, "held", None)
        return held[2].get(name) if held is not None and held[1] is con else None

    def remember(self, con: sqlite3.Connection, name: str, value: Any) -> None:
        """Note a setting of this thread's connection ``con`` (forgotten with the connection)."""
        held = getattr(self._local, "held", None)
        if held is not None and held[1] is con:
            held[2][name] = value


# --------------------------------------------------------------------------- DuckDB SQL text on Spark

#: DuckDB type names of Spark's types, for ``DESCRIBE`` (the SQL text branches on DuckDB's names).
_DUCKDB_TYPES = {"string": "VARCHAR", "double": "DOUBLE", "float": "FLOAT", "bigint": "BIGINT", "int": "INTEGER",
                 "smallint": "SMALLINT", "tinyint": "TINYINT", "boolean": "BOOLEAN", "timestamp_ntz": "TIMESTAMP",
                 "timestamp": "TIMESTAMP WITH TIME ZONE", "date": "DATE", "binary": "BLOB"}


def _spark_fixes(tree):
    """sqlglot's DuckDB → Spark tree, mended where Spark has no such function or a different meaning:
    ``ord`` (a code point) is ``ascii``, ``text[-1]`` (last character) ``right(text, 1)``, ``isfinite(x)``
    ``NOT isnan(x) AND abs(x) < inf``, ``trunc(x)`` of a number ``x - x % 1``, ``quantile_cont``
    ``percentile`` (both interpolate linearly), a back-reference ``\\1`` in ``regexp_replace`` ``$1``, and
    ``row_number() OVER ()`` gets an order (Spark requires one; DuckDB's is arbitrary too)."""
    import re

    from sqlglot import exp

    def fix(node):
        if isinstance(node, exp.Anonymous) and str(node.this).lower() == "ord":
            return exp.func("ascii", *(child.transform(fix) for child in node.expressions))
        if isinstance(node, exp.Bracket) and len(node.expressions) == 1:
            index = node.expressions[0]
            if isinstance(index, exp.Neg) or (isinstance(index, exp.Literal) and index.this.startswith("-")):
                return exp.func("right", node.this, exp.Literal.number(1))
        if isinstance(node, exp.Anonymous) and str(node.this).lower() == "isfinite":
            value = node.expressions[0].transform(fix)
            return exp.paren(exp.and_(exp.not_(exp.func("isnan", value.copy())),
                                      exp.LT(this=exp.func("abs", value.copy()),
                                             expression=exp.cast(exp.Literal.string("Infinity"), "double"))))
        if isinstance(node, exp.Trunc) and not node.args.get("unit") and not node.args.get("decimals"):
            value = node.this.transform(fix)  # towards zero, for any double (no cast to an integer type)
            return exp.paren(exp.Sub(this=value.copy(), expression=exp.Mod(this=value.copy(),
                                                                             expression=exp.Literal.number(1))))
        if isinstance(node, exp.PercentileCont) and node.args.get("expression") is not None:
            return exp.func("percentile", node.this, node.expression)
        if isinstance(node, exp.RegexpReplace):
            replacement = node.args.get("replacement")
            if isinstance(replacement, exp.Literal) and replacement.is_string:
                node.set("replacement", exp.Literal.string(re.sub(r"\\(\d)", r"$\1", replacement.this)))
        if isinstance(node, exp.Window) and isinstance(node.this, exp.RowNumber) and not node.args.get("order"):
            node.set("order", exp.Order(expressions=[exp.Ordered(this=exp.func("monotonically_increasing_id"))]))
        return node

    return tree.transform(fix)


class SparkResult:
    """A Spark DataFrame answering as a DuckDB result does (``fetchone``, ``fetchall``, ``df``,
    ``to_arrow_table``)."""

    def __init__(self, frame: Any, rows: list[tuple] | None = None):
        self.frame = frame
        self.rows = rows  # a result known on the driver (DESCRIBE): no Spark job

    def fetchall(self) -> list[tuple]:
        if self.rows is not None:
            return list(self.rows)
        return [tuple(row) for row in self.frame.collect()] if self.frame is not None else []

    def fetchone(self) -> tuple | None:
        if self.rows is not None:
            return self.rows[0] if self.rows else None
        rows = self.frame.limit(1).collect() if self.frame is not None else []
        return tuple(rows[0]) if rows else None

    def df(self):
        return self.frame.toPandas()

    def to_arrow_table(self):
        return self.frame.toArrow()


class SparkConnection:
    """The DuckDB connection interface the workbook's SQL steps use, run by a SparkSession: each DuckDB
    statement is transpiled (:func:`to_spark_sql`) and run by Spark, so a step written once as DuckDB
    SQL (e.g. :func:`helpers.clean.clean_log`) runs on a cluster unchanged.

    ``CREATE TEMP TABLE`` materialises its rows (a local checkpoint: a table is computed once, as in
    DuckDB, so row numbers stay put); so does ``CREATE TEMP VIEW`` unless ``materialize=False`` (Spark
    would otherwise recompute a view's joins in every statement that reads it: 2–5× slower); ``COPY (query) TO 'path'`` writes a
    folder of Parquet files at ``path`` (Spark's output, ordered across its part files when the query
    orders); ``DESCRIBE`` answers with DuckDB's type names; ``SET`` is DuckDB's own and ignored;
    ``register`` uploads a pandas DataFrame or Arrow table as a temporary view. Call inside a UTC session
    (times are wall-clock ``TIMESTAMP_NTZ``).
    """

    def __init__(self, spark: Any, materialize: bool = True):
        self.spark = spark
        self.materialize = materialize
        self.views: list[str] = []
        self.zone = spark.conf.get("spark.sql.session.timeZone")
        spark.conf.set("spark.sql.session.timeZone", "UTC")

    def _describe(self, name: str) -> SparkResult:
        return SparkResult(None, [(n, _DUCKDB_TYPES.get(t, t.upper())) for n, t in self.spark.table(name).dtypes])

    def execute(self, sql: str, parameters: list | None = None) -> SparkResult:
        import sqlglot
        from sqlglot import exp

        for value in parameters or []:
            sql = sql.replace("?", sql_str(value), 1)
        tree = sqlglot.parse_one(sql, read="duckdb")
        if isinstance(tree, exp.Set) or (isinstance(tree, exp.Command) and tree.this.upper() == "SET"):
            return SparkResult(None)
        described = tree.find(exp.Describe)
        if described is not None:  # SELECT column_name, column_type FROM (DESCRIBE name), as DuckDB names them
            return self._describe(described.this.name)
        if isinstance(tree, exp.Create) and tree.kind in ("TABLE", "VIEW"):
            name = tree.this.name
            frame = self.spark.sql(to_spark_sql(tree.expression))
            if tree.kind == "TABLE" or self.materialize:
                frame = frame.localCheckpoint(eager=True)
            frame.createOrReplaceTempView(name)
            self.views.append(name)
            return SparkResult(None)
        if isinstance(tree, exp.Copy):
            query = tree.this.this if isinstance(tree.this, exp.Subquery) else tree.this
            target = tree.args["files"][0].name
            frame = self.spark.sql(to_spark_sql(query))
            frame.write.mode("overwrite").parquet(target)
            return SparkResult(None)
        return SparkResult(self.spark.sql(to_spark_sql(tree)))

    def sql(self, sql: str) -> SparkResult | None:
        result = self.execute(sql)
        return None if result.frame is None and result.rows is None else result

    def register(self, name: str, data: Any) -> None:
        import pyarrow as pa

        table = data if isinstance(data, pa.Table) else pa.Table.from_pandas(data, preserve_index=False)
        self.spark.createDataFrame(table).createOrReplaceTempView(name)
        self.views.append(name)

    def unregister(self, name: str) -> None:
        self.spark.catalog.dropTempView(name)

    def query_progress(self) -> float:
        return -1.0

    def close(self) -> None:
        for name in dict.fromkeys(self.views):
            self.spark.catalog.dropTempView(name)
        self.views.clear()
        self.spark.conf.set("spark.sql.session.timeZone", self.zone)


def map_in_pandas(frame: Any, function: Any, schema: str, attrs: dict | None = None) -> Any:
    """``function`` (pandas DataFrame → DataFrame) run on each batch of the Spark DataFrame ``frame`` where its
    rows live (``mapInPandas``), with ``attrs`` (e.g. a summary's time unit) set on every batch first; the
    result's columns are ``schema``'s (a DDL string). A function whose rows depend only on their own row gives
    the same rows as on the whole table: that is how the Spark engine shares the pandas definition."""
    attrs = dict(attrs or {})
    names = [part.strip().split(" ")[0] for part in schema.split(",")]

    def run(batches):
        for batch in batches:
            batch.attrs.update(attrs)
            yield function(batch)[names]

    return frame.mapInPandas(run, schema)


def spark_frame(spark: Any, frame: Any) -> Any:
    """A pandas DataFrame as a Spark DataFrame, through Arrow (text as strings, without the index)."""
    import pyarrow as pa

    return spark.createDataFrame(pa.Table.from_pandas(frame, preserve_index=False))
