"""Transaction logs that outgrow pandas: a Parquet file or hive-partitioned folder read by DuckDB.

A 50-million-line log is ~1 GB of Parquet but 10-20 GB as a pandas DataFrame with text
columns, and every ``groupby`` copies it again. On the large path nothing of that size is
ever loaded: a :class:`ParquetLog` names the files and how their columns map to the canonical
schema, DuckDB scans them (in parallel, spilling to disk under a memory limit), and only
results of customer size or smaller come back to pandas — the per-customer summary
(:func:`helpers.clv.rfm_summary` accepts a :class:`ParquetLog`), weekly totals, counts.

Why a second cleaning path
--------------------------
:func:`helpers.clean.clean_transactions` parses *text* exports (Chinese dates, ``¥1,999.00``,
status words in three spellings) with Python/Arrow string functions: right for exports of up to
a few million lines, far too slow and large for 50M. A log that large comes out of a data
warehouse with *typed* columns (timestamp, numeric amount), so :func:`clean_log` applies the
same reason codes, in the same order (:data:`helpers.clean.REASONS`), as SQL over typed columns;
text dates/amounts are cast with ``TRY_CAST`` (ISO formats only — a clear error otherwise is
the pandas path's job). Returns are kept as negative lines (netting needs the order matching
of the pandas path; :func:`clean_log` refuses ``returns="net"`` when the log has return lines,
instead of silently doing something else). ``tests/test_largelog.py`` checks that both paths
keep and quarantine exactly the same rows of the same typed log.

Lineage: ``source_file`` is the file's path inside the log folder (``year=2013/chunk-0001.parquet``)
and ``source_row`` its 1-based row number in that file (DuckDB's ``file_row_number``), so every
kept or quarantined row can be found again in the raw files, which are never modified.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm.auto import tqdm

from .errors import DataError

#: Parquet sources with more rows than this are not loaded into pandas by :func:`helpers.acquire.acquire`.
LARGE_ROWS = 5_000_000


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
    :class:`ParquetLog`) under a memory limit, spilling to ``temp_directory``.

    ``with largelog.duckdb_settings(memory_limit="2GB", temp_directory="/tmp/spill"): clv.rfm_summary(log)``
    summarises a log larger than memory: DuckDB's hash aggregations write partitions to disk
    when the limit is reached, and the result is the same (``benchmarks/bench_scale.py`` checks
    it on a 100M-line log). Also available as ``helpers.clv.duckdb_settings``.
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
    import duckdb

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
    import threading

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


#: Per-customer tables with more rows than this get progress bars on their slow loops (:func:`progress`).
LARGE_CUSTOMERS = 1_000_000


def step_bar(n_rows: int, desc: str, steps: int) -> tqdm:
    """A tqdm bar over the ``steps`` phases of one vectorised computation (sort, shares, labels …)
    on a table of more than :data:`LARGE_CUSTOMERS` rows; a disabled bar otherwise. The caller
    calls ``bar.update()`` after each phase and ``bar.close()`` at the end."""
    return tqdm(total=steps, desc=desc, unit="step", disable=n_rows <= LARGE_CUSTOMERS)


def progress(items: Iterable, n_rows: int, desc: str) -> Iterable:
    """``items`` wrapped in a tqdm bar when a step loops over a table of more than
    :data:`LARGE_CUSTOMERS` rows (e.g. 12.9M customers), as is, without a bar, otherwise."""
    items = list(items)
    return tqdm(items, desc=desc, unit="step") if n_rows > LARGE_CUSTOMERS else items


def _scan(path: Path) -> str:
    """DuckDB table function reading a Parquet file or every Parquet file under a (hive) folder."""
    if path.is_dir():
        glob = sql_str((path / "**" / "*.parquet").as_posix())
        return f"read_parquet({glob}, hive_partitioning = true, union_by_name = true, filename = true, " \
               f"file_row_number = true)"
    return f"read_parquet({sql_str(path.as_posix())}, filename = true, file_row_number = true)"


@dataclass
class ParquetLog:
    """A transaction log kept on disk as Parquet, with its canonical column map.

    Parameters
    ----------
    path
        A Parquet file or a folder of Parquet files (hive partitions such as ``year=2013/``).
    mapping
        ``{canonical name: column in the files}`` (see :data:`helpers.acquire.CANONICAL`).
    rows
        Number of lines (from the Parquet footers).
    lineage
        ``True`` when the files already carry ``source_file, source_row`` (a cleaned log written
        by :func:`clean_log`); otherwise they are derived from file name and row number.
    """

    path: Path
    mapping: dict[str, str]
    rows: int
    lineage: bool = False
    extra: list[str] = field(default_factory=list)

    # ----------------------------------------------------------------- construction
    @classmethod
    def open(cls, path: str | Path, columns: Mapping[str, str] | None = None) -> ParquetLog:
        """Open a log, resolving its columns like :func:`helpers.acquire.read_transactions`."""
        from .acquire import CANONICAL, resolve_columns, resolve_user_path

        path = resolve_user_path(path)
        if not path.exists():
            raise DataError("file or folder not found", file=path, hint="check the path")
        con = connect()
        try:
            try:
                described = con.execute(f"DESCRIBE SELECT * FROM {_scan(path)}").fetchall()
                rows = int(con.execute(f"SELECT count(*) FROM {_scan(path)}").fetchone()[0])
            except Exception as exc:  # duckdb's own exception types
                raise DataError(f"could not be read as Parquet ({str(exc).splitlines()[0]})", file=path,
                                hint="give a Parquet file or a folder of Parquet files") from exc
        finally:
            con.close()
        names = [r[0] for r in described if r[0] not in ("filename", "file_row_number")]
        lineage = {"source_file", "source_row"} <= set(names)
        mapping = dict(resolve_columns(pd.Index(names), columns, file=path))
        extra = [n for n in names if n in ("flag_extreme", "returned_amount", "reason", "detail")
                 and n not in mapping.values()]
        mapping = {c: mapping[c] for c in CANONICAL if c in mapping}
        return cls(path=path, mapping=mapping, rows=rows, lineage=lineage, extra=extra)

    # ----------------------------------------------------------------- SQL
    def select_sql(self) -> str:
        """SQL producing the canonical columns plus ``source_file, source_row`` (one row per line)."""
        cols = [f"{sql_ident(src)} AS {sql_ident(canonical)}" for canonical, src in self.mapping.items()]
        cols += [sql_ident(c) for c in self.extra]
        if self.lineage:
            cols += ['"source_file"', '"source_row"']
        else:
            root = self.path.as_posix().rstrip("/") + "/" if self.path.is_dir() else ""
            name = f"replace(filename, {sql_str(root)}, '')" if root else sql_str(self.path.name)
            cols += [f"{name} AS source_file", "file_row_number + 1 AS source_row"]
        return f"SELECT {', '.join(cols)} FROM {_scan(self.path)}"

    @property
    def columns(self) -> list[str]:
        return [*self.mapping, *self.extra, "source_file", "source_row"]

    def __len__(self) -> int:
        return self.rows

    def __repr__(self) -> str:
        return f"ParquetLog({self.path.name!r}, {self.rows:,} lines, columns={self.columns})"

    def connect(self, **settings: Any):
        """A DuckDB connection (see :func:`connect`) with the view ``log`` over this log."""
        con = connect(**settings)
        con.execute(f"CREATE VIEW log AS {self.select_sql()}")
        return con

    def query(self, sql: str, desc: str | None = None, **settings: Any) -> pd.DataFrame:
        """Run ``sql`` (which reads the view ``log``) and return the (small) result as a DataFrame.

        On a log of more than :data:`LARGE_ROWS` lines a progress bar (``desc``) follows DuckDB's
        own progress estimate (:func:`run_with_progress`).
        """
        con = self.connect(**settings)
        try:
            return run_with_progress(con, sql, desc or f"DuckDB scan of {self.rows:,} lines", fetch="df",
                                     disable=self.rows <= LARGE_ROWS)
        finally:
            con.close()

    def head(self, n: int = 5) -> pd.DataFrame:
        """The first ``n`` lines (of the first file)."""
        return self.query(f"SELECT * FROM log ORDER BY source_file, source_row LIMIT {int(n)}")

    def sample(self, n: int = 100_000, seed: int = 0) -> pd.DataFrame:
        """A seeded reservoir sample of ``n`` lines (for checks and figures), in file order."""
        return self.query(f"SELECT * FROM (SELECT * FROM log USING SAMPLE reservoir({int(n)} ROWS) "
                          f"REPEATABLE ({int(seed)})) ORDER BY source_file, source_row")


# --------------------------------------------------------------------------- figures and counts


def weekly_totals(log: ParquetLog, value_col: str | None = None, datetime_col: str = "timestamp") -> pd.Series:
    """Lines (or the sum of ``value_col``) per week starting Monday, as a Series indexed by week start.

    ``attrs``: ``rows`` (lines scanned), ``unparsed`` (lines without a usable time), ``first``,
    ``last`` (timestamps). The same weeks as :func:`helpers.plotting.plot_weekly` (``W-MON``, left).
    """
    t = f"TRY_CAST({sql_ident(datetime_col)} AS TIMESTAMP)"
    v = "1" if value_col is None else f"TRY_CAST({sql_ident(value_col)} AS DOUBLE)"
    weeks = log.query(f"SELECT date_trunc('week', {t}) AS week, sum({v}) AS v FROM log WHERE {t} IS NOT NULL "
                      f"GROUP BY ALL ORDER BY week")
    stats = log.query(f"SELECT count(*) AS n, count(*) - count({t}) AS bad, min({t}) AS lo, max({t}) AS hi FROM log")
    out = pd.Series(weeks["v"].to_numpy(dtype=float), index=pd.DatetimeIndex(weeks["week"]), name=value_col or "lines")
    if len(out):
        out = out.asfreq("7D", fill_value=0.0)
    out.attrs = {"rows": int(stats["n"].iloc[0]), "unparsed": int(stats["bad"].iloc[0]),
                 "first": stats["lo"].iloc[0], "last": stats["hi"].iloc[0]}
    return out


def describe(log: ParquetLog, datetime_col: str = "timestamp", customer_id_col: str = "customer_id") -> dict:
    """Lines, distinct customers, first and last transaction time of a log (one scan)."""
    row = log.query(f"SELECT count(*) AS lines, count(DISTINCT {sql_ident(customer_id_col)}) AS customers, "
                    f"min({sql_ident(datetime_col)}) AS first, max({sql_ident(datetime_col)}) AS last FROM log").iloc[0]
    return {"lines": int(row["lines"]), "customers": int(row["customers"]), "first": pd.Timestamp(row["first"]),
            "last": pd.Timestamp(row["last"])}


def find_personal_data(log: ParquetLog) -> pd.DataFrame:
    """:func:`helpers.privacy.find_personal_data` over every text column of the whole log, in SQL.

    RE2 (DuckDB's regex engine) has no look-arounds, so :data:`helpers.privacy.PHONE_PATTERN` is
    rewritten with explicit non-digit boundaries (the e-mail pattern is used as is); the result has the same columns (``table, column, kind, values``).
    """
    from .privacy import EMAIL_PATTERN

    con = log.connect()
    try:
        types = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE log)").fetchall())
        text = [c for c, t in types.items() if t == "VARCHAR" and c != "source_file"]
        if not text:
            return pd.DataFrame(columns=["table", "column", "kind", "values"])
        phone = r"(^|[^0-9])(\+?86[- ]?)?1[3-9][0-9]{9}([^0-9]|$)"
        email = EMAIL_PATTERN  # RE2 reads it as is (\w is ASCII there, as addresses are)
        rows = []
        for c in tqdm(text, desc="personal-data scan (DuckDB)", unit="column", disable=log.rows < LARGE_ROWS):
            counts = con.execute(f"SELECT count_if(regexp_matches({sql_ident(c)}, {sql_str(phone)})), "
                                 f"count_if(regexp_matches({sql_ident(c)}, {sql_str(email)})) FROM log").fetchone()
            rows += [{"table": 0, "column": c, "kind": k, "values": int(n)}
                     for k, n in zip(("phone", "email"), counts) if n]
    finally:
        con.close()
    return pd.DataFrame(rows, columns=["table", "column", "kind", "values"])


# --------------------------------------------------------------------------- cleaning


def _reason_sql(log: ParquetLog, types: dict[str, str], test_accounts: Iterable[str],
                test_id_pattern: str | None) -> str:
    """SQL: ``source_file, source_row, reason, detail`` for every line that breaks a rule (first rule wins)."""
    from .clean import _STATUS_LOOKUP as known

    m = log.mapping
    cid = sql_ident("customer_id")
    key = [sql_ident(c) for c in m]  # an exact copy repeats every mapped column
    dup = f"row_number() OVER (PARTITION BY source_file, {', '.join(key)} ORDER BY source_row) > 1"
    accounts = ", ".join(sql_str(a) for a in test_accounts) or "NULL"
    test = f"{cid} IN ({accounts})" + (f" OR regexp_matches({cid}, {sql_str(test_id_pattern)})"
                                       if test_id_pattern else "")
    ts_text = not (types["timestamp"].startswith("TIMESTAMP") or types["timestamp"] == "DATE")
    amt_text = types["amount"] == "VARCHAR"
    cases = [
        (dup, "duplicate"),
        (f"{cid} IS NOT NULL AND ({test})", "test_account"),
        (f"{cid} IS NULL OR trim(CAST({cid} AS VARCHAR)) = ''", "missing_customer"),
        ('"timestamp" IS NULL' + (" OR trim(\"timestamp\") = ''" if ts_text else ""), "missing_date"),
        ('TRY_CAST("timestamp" AS TIMESTAMP) IS NULL', "unparseable_date"),
        ('"amount" IS NULL' + (" OR trim(\"amount\") = ''" if amt_text else ""), "missing_amount"),
        ('TRY_CAST("amount" AS DOUBLE) IS NULL OR isnan(TRY_CAST("amount" AS DOUBLE))', "unparseable_amount"),
    ]
    if "status" in m:
        def words(status: str) -> str:
            return ", ".join(sql_str(w) for w, s in known.items() if s == status) or "NULL"
        st = 'lower(trim(CAST("status" AS VARCHAR)))'
        cases += [(f'"status" IS NOT NULL AND {st} NOT IN ({", ".join(sql_str(w) for w in known)})', "unknown_status"),
                  (f"{st} IN ({words('cancelled')})", "cancelled")]
    when = " ".join(f"WHEN {cond} THEN {sql_str(code)}" for cond, code in cases)
    return (f"SELECT source_file, source_row, reason FROM (SELECT source_file, source_row, CASE {when} END AS reason "
            f"FROM log) WHERE reason IS NOT NULL")


@dataclass
class CleanedLog:
    """:func:`clean_log`'s result, shaped like :class:`helpers.clean.Cleaned` (``clean``, ``quarantine``)."""

    clean: ParquetLog
    quarantine: ParquetLog
    counts: dict[str, int]

    def __iter__(self):
        return iter((self.clean, self.quarantine))


def clean_log(log: ParquetLog, out_dir: str | Path, *, test_accounts: Iterable[str] = (),
              test_id_pattern: Any = ..., returns: str = "net", extreme_factor: float = 5.0,
              quantile: float = 0.99, progress: bool = True, **settings: Any) -> CleanedLog:
    """Clean a large log in DuckDB: the rules of :func:`helpers.clean.clean_transactions`, typed columns.

    Writes ``out_dir/transactions.parquet`` (kept lines: canonical columns, ``amount`` as
    DOUBLE, ``timestamp`` as TIMESTAMP, ``returned_amount`` 0, ``flag_extreme``, lineage) and
    ``out_dir/quarantine.parquet`` (raw values as read, lineage, ``reason``). Every input line
    is in exactly one of them (checked). ``flag_extreme`` marks lines of orders whose total
    exceeds ``extreme_factor`` × the ``quantile`` of order totals, as
    :func:`helpers.clean.flag_extreme_orders`.

    Negative amounts are kept as negative lines (return lines). ``returns="net"`` raises a
    :class:`DataError` when there are any, since netting needs the pandas path's matching.

    ``test_id_pattern``: ``...`` (the default) is :data:`helpers.clean.DEFAULT_TEST_ID_PATTERN`;
    ``None`` turns the pattern off, as in :func:`helpers.clean.clean_transactions`.
    """
    from .clean import DEFAULT_TEST_ID_PATTERN, STATUS_VALUES

    if returns not in ("net", "negative"):
        raise ValueError(f"returns must be 'net' or 'negative', got {returns!r}")
    for needed in ("customer_id", "timestamp", "amount"):
        if needed not in log.mapping:
            raise DataError("required column is missing", file=log.path, column=needed,
                            hint="map it with columns={...}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    pattern = DEFAULT_TEST_ID_PATTERN if test_id_pattern is ... else test_id_pattern
    con = log.connect(**settings)
    try:
        types = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE log)").fetchall())
        if "status" in log.mapping:
            words = ", ".join(sql_str(w.lower()) for w in sorted(STATUS_VALUES["returned"]))  # the pandas rules' words
            returned = con.execute("SELECT count(*) FROM log WHERE lower(trim(CAST(\"status\" AS VARCHAR))) IN "
                                   f"({words})").fetchone()[0]
        else:
            returned = 0
        quiet = not progress or log.rows < LARGE_ROWS
        run_with_progress(con, f"CREATE TEMP TABLE bad AS {_reason_sql(log, types, test_accounts, pattern)}",
                          "clean 1/3: rules (duplicates, ids, dates, amounts, status)", disable=quiet)
        negative = con.execute("SELECT count(*) FROM log l ANTI JOIN bad b USING (source_file, source_row) "
                               "WHERE TRY_CAST(l.amount AS DOUBLE) < 0").fetchone()[0]
        if returned:
            raise DataError(f"{returned:,} lines have the status 'returned'", file=log.path, column="status",
                            hint="the large path keeps returns only as negative amounts; net them in the "
                                 "warehouse, or clean a smaller extract with helpers.clean.clean_transactions")
        if returns == "net" and negative:
            raise DataError(f"{negative:,} return lines (negative amounts)", file=log.path, column="amount",
                            hint="large logs keep returns as negative lines: pass returns='negative'")
        cols = [c for c in log.mapping if c not in ("timestamp", "amount")]
        kept = (f"SELECT {', '.join(sql_ident(c) for c in cols)}, CAST(\"timestamp\" AS TIMESTAMP) AS \"timestamp\", "
                f"CAST(\"amount\" AS DOUBLE) AS amount, source_file, source_row FROM log l "
                f"ANTI JOIN bad b USING (source_file, source_row)")
        order = '"order_id"' if "order_id" in log.mapping else "source_file || ':' || source_row"
        threshold = (f"(SELECT {float(extreme_factor)} * quantile_cont(total, {float(quantile)}) FROM "
                     f"(SELECT sum(amount) AS total FROM kept GROUP BY {order}))")
        flagged = (f"WITH kept AS ({kept}), totals AS (SELECT {order} AS _o, sum(amount) AS total FROM kept "
                   f"GROUP BY ALL), th AS (SELECT {threshold} AS t) "
                   f"SELECT kept.*, 0.0 AS returned_amount, coalesce(totals.total > th.t AND th.t > 0, false) "
                   f"AS flag_extreme FROM kept JOIN totals ON totals._o = {order.replace('source_', 'kept.source_')} "
                   f"CROSS JOIN th ORDER BY source_file, source_row")
        run_with_progress(con, f"COPY ({flagged}) TO {sql_str((out / 'transactions.parquet').as_posix())} "
                               f"(FORMAT parquet, ROW_GROUP_SIZE 1000000)",
                          "clean 2/3: flag extreme orders, write clean lines", disable=quiet)
        run_with_progress(con, f"COPY (SELECT l.*, b.reason FROM log l JOIN bad b USING (source_file, source_row) "
                               f"ORDER BY source_file, source_row) TO "
                               f"{sql_str((out / 'quarantine.parquet').as_posix())} (FORMAT parquet)",
                          "clean 3/3: write quarantine", disable=quiet)
        counts = dict(con.execute("SELECT reason, count(*) FROM bad GROUP BY ALL").fetchall())
    finally:
        con.close()
    clean = ParquetLog.open(out / "transactions.parquet")
    quarantine = ParquetLog.open(out / "quarantine.parquet")
    check_accounting(log, clean, quarantine)
    return CleanedLog(clean=clean, quarantine=quarantine, counts={k: int(v) for k, v in counts.items()})


def check_accounting(raw: ParquetLog, clean: ParquetLog, quarantine: ParquetLog) -> None:
    """Raise :class:`AssertionError` unless every input line is in exactly one output, in SQL.

    Identifiers ``(source_file, source_row)`` of the outputs must be unique, each within the
    input file's rows, and as many as the input lines: together that is a one-to-one match.
    """
    con = connect()
    try:
        con.execute(f"CREATE VIEW raw AS {raw.select_sql()}")
        con.execute(f"CREATE VIEW outs AS SELECT source_file, source_row FROM ({clean.select_sql()}) "
                    f"UNION ALL SELECT source_file, source_row FROM ({quarantine.select_sql()})")
        n_out, n_ids = con.execute("SELECT count(*), count(DISTINCT (source_file, source_row)) FROM outs").fetchone()
        outside = con.execute("SELECT count(*) FROM outs o LEFT JOIN (SELECT source_file, max(source_row) AS n "
                              "FROM raw GROUP BY ALL) r USING (source_file) WHERE r.n IS NULL OR o.source_row > r.n "
                              "OR o.source_row < 1").fetchone()[0]
    finally:
        con.close()
    if n_out != raw.rows:
        raise AssertionError(f"{raw.rows:,} rows in ≠ {clean.rows:,} kept + {quarantine.rows:,} quarantined")
    if n_ids != n_out:
        raise AssertionError(f"{n_out - n_ids:,} rows are kept or quarantined twice")
    if outside:
        raise AssertionError(f"{outside:,} output rows do not exist in the input files")
