"""Transaction logs that outgrow pandas: a Parquet file or hive-partitioned folder read by DuckDB.

A 50-million-line log is ~1 GB of Parquet but 10-20 GB as a pandas DataFrame with text
columns, and every ``groupby`` copies it again. On the large path nothing of that size is
ever loaded: a :class:`ParquetLog` names the files and how their columns map to the canonical
schema, DuckDB scans them (in parallel, spilling to disk under a memory limit), and only
results of customer size or smaller come back to pandas — the per-customer summary
(:func:`helpers.clv.rfm_summary` accepts a :class:`ParquetLog`), weekly totals, counts.
The cleaning rules over a log are :func:`helpers.clean.clean_log`.

Lineage: ``source_file`` is the file's path inside the log folder (``year=2013/chunk-0001.parquet``)
and ``source_row`` its 1-based row number in that file (DuckDB's ``file_row_number``), so every
kept or quarantined row can be found again in the raw files, which are never modified.

Also here, because every step on a large table uses them: the size thresholds
(:data:`LARGE_ROWS`, :data:`LARGE_CUSTOMERS`) and the progress bars of slow steps
(:func:`progress`, :func:`step_bar`); and :func:`weekly_totals`, the one weekly count of a
transaction table, in memory or on disk.

Part of the bottom layer (``docs/architecture.md``): imports no analysis module.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm.auto import tqdm

from .engines import connect, run_with_progress, sql_ident, sql_str
from .errors import DataError
from .paths import resolve_user_path
from .schema import ACQUISITION_MARKS, CANONICAL, resolve_columns

#: Parquet sources with more rows than this are not loaded into pandas by :func:`helpers.acquire.acquire`.
LARGE_ROWS = 5_000_000

#: Per-customer tables with more rows than this get progress bars on their slow loops (:func:`progress`).
LARGE_CUSTOMERS = 1_000_000


def step_bar(n_rows: int, desc: str, steps: int) -> tqdm:
    """A tqdm bar over the ``steps`` phases of one vectorised computation (sort, shares, labels …)
    on a table of more than :data:`LARGE_CUSTOMERS` rows; a disabled bar otherwise. The caller
    calls ``bar.update()`` after each phase and ``bar.close()`` at the end."""
    return tqdm(total=steps, desc=desc, unit="step", disable=n_rows <= LARGE_CUSTOMERS)


def progress(items: Iterable, n_rows: int, desc: str, total: int | None = None) -> Iterable:
    """``items`` wrapped in a tqdm bar when a step loops over a table of more than
    :data:`LARGE_CUSTOMERS` rows (e.g. 12.9M customers), as is, without a bar, otherwise. ``total``: the number of
    items of a generator, which is then consumed lazily (else ``items`` is listed first, to count them)."""
    if total is None:
        items = list(items)
    return tqdm(items, desc=desc, unit="step", total=total) if n_rows > LARGE_CUSTOMERS else items


def scan_sql(path: Path, lineage: bool = True) -> str:
    """DuckDB table function reading a Parquet file or every Parquet file under a (hive) folder, with the
    file name and row number of each line when ``lineage`` (for ``source_file``, ``source_row``)."""
    extra = ", filename = true, file_row_number = true" if lineage else ""
    if path.is_dir():
        glob = sql_str((path / "**" / "*.parquet").as_posix())
        return f"read_parquet({glob}, hive_partitioning = true, union_by_name = true{extra})"
    return f"read_parquet({sql_str(path.as_posix())}{extra})"


@dataclass
class ParquetLog:
    """A transaction log kept on disk as Parquet, with its canonical column map.

    Parameters
    ----------
    path
        A Parquet file or a folder of Parquet files (hive partitions such as ``year=2013/``).
    mapping
        ``{canonical name: column in the files}`` (see :data:`helpers.schema.CANONICAL`).
    rows
        Number of lines (from the Parquet footers).
    lineage
        ``True`` when the files already carry ``source_file, source_row`` (a cleaned log written
        by :func:`helpers.clean.clean_log`); otherwise they are derived from file name and row number.
    """

    path: Path
    mapping: dict[str, str]
    rows: int
    lineage: bool = False
    extra: list[str] = field(default_factory=list)

    # ----------------------------------------------------------------- construction
    @classmethod
    def open(cls, path: str | Path, columns: Mapping[str, str] | None = None) -> ParquetLog:
        """Open a log, resolving its columns like :func:`helpers.acquire.read_transactions`
        (:func:`helpers.schema.resolve_columns`)."""
        path = resolve_user_path(path)
        if not path.exists():
            raise DataError("file or folder not found", file=path, hint="check the path")
        con = connect()
        try:
            try:
                described = con.execute(f"DESCRIBE SELECT * FROM {scan_sql(path)}").fetchall()
                rows = int(con.execute(f"SELECT count(*) FROM {scan_sql(path)}").fetchone()[0])
            except Exception as exc:  # duckdb's own exception types
                raise DataError(f"could not be read as Parquet ({str(exc).splitlines()[0]})", file=path,
                                hint="give a Parquet file or a folder of Parquet files") from exc
        finally:
            con.close()
        names = [r[0] for r in described if r[0] not in ("filename", "file_row_number")]
        lineage = {"source_file", "source_row"} <= set(names)
        mapping = dict(resolve_columns(pd.Index(names), columns, file=path))
        extra = [n for n in names if n in ("flag_extreme", "returned_amount", "reason", "detail", *ACQUISITION_MARKS)
                 and n not in mapping.values()]  # marks: a file read by acquisition's reader, written as Parquet
        mapping = {c: mapping[c] for c in CANONICAL if c in mapping}
        return cls(path=path, mapping=mapping, rows=rows, lineage=lineage, extra=extra)

    # ----------------------------------------------------------------- SQL
    def select_sql(self) -> str:
        """SQL producing the canonical columns plus ``source_file, source_row`` (one row per line).

        A log without an order id column gets ``order_id = '<source_file>:<source_row>'``, the key
        :func:`helpers.acquire.read_transactions` gives each line of such a file."""
        if self.lineage:
            lineage = ['"source_file"', '"source_row"']
            name, row = '"source_file"', '"source_row"'
        else:
            root = self.path.as_posix().rstrip("/") + "/" if self.path.is_dir() else ""
            name = f"replace(filename, {sql_str(root)}, '')" if root else sql_str(self.path.name)
            row = "file_row_number + 1"
            lineage = [f"{name} AS source_file", f"{row} AS source_row"]
        cols = []
        for canonical in CANONICAL:
            if canonical in self.mapping:
                cols.append(f"{sql_ident(self.mapping[canonical])} AS {sql_ident(canonical)}")
            elif canonical == "order_id":
                cols.append(f"{name} || ':' || CAST({row} AS VARCHAR) AS \"order_id\"")
        cols += [sql_ident(c) for c in self.extra]
        return f"SELECT {', '.join(cols + lineage)} FROM {scan_sql(self.path)}"

    @property
    def columns(self) -> list[str]:
        return [c for c in CANONICAL if c in self.mapping or c == "order_id"] + [*self.extra, "source_file",
                                                                                 "source_row"]

    def __len__(self) -> int:
        return self.rows

    def __repr__(self) -> str:
        return f"ParquetLog({self.path.name!r}, {self.rows:,} lines, columns={self.columns})"

    def connect(self, **settings: Any):
        """A DuckDB connection (see :func:`connect`) with the view ``log`` over this log."""
        con = connect(**settings)
        con.execute(f"CREATE VIEW log AS {self.select_sql()}")
        return con

    def query(self, sql: str, desc: str | None = None, *, fetch: str = "df", **settings: Any) -> Any:
        """Run ``sql`` (which reads the view ``log``) and return the (small) result as a DataFrame, or as an Arrow
        table with ``fetch="arrow"`` (text stays Arrow text: millions of ids without a Python string each).

        On a log of more than :data:`LARGE_ROWS` lines a progress bar (``desc``) follows DuckDB's
        own progress estimate (:func:`run_with_progress`).
        """
        con = self.connect(**settings)
        try:
            return run_with_progress(con, sql, desc or f"DuckDB scan of {self.rows:,} lines", fetch=fetch,
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


# --------------------------------------------------------------------------- counts


def weekly_totals(data: pd.DataFrame | pd.Series | ParquetLog, value_col: str | None = None,
                  datetime_col: str = "timestamp") -> pd.Series:
    """Lines (or the sum of ``value_col``) per week starting Monday, as a Series indexed by week start.

    ``data`` is a transaction table (``datetime_col`` parsed or not), a Series of timestamps, or a
    :class:`ParquetLog` (counted by DuckDB, nothing loaded). Weeks are ``W-MON``, labelled by their
    first day, with empty weeks as 0; lines without a usable time are counted, not placed.

    ``attrs``: ``rows`` (lines seen), ``unparsed`` (lines without a usable time), ``first`` and
    ``last`` (timestamps; ``last`` tells :func:`helpers.plotting.plot_weekly` an incomplete last week).
    """
    if isinstance(data, ParquetLog):
        t = f"TRY_CAST({sql_ident(datetime_col)} AS TIMESTAMP)"
        v = "1" if value_col is None else f"TRY_CAST({sql_ident(value_col)} AS DOUBLE)"
        weeks = data.query(f"SELECT date_trunc('week', {t}) AS week, sum({v}) AS v FROM log WHERE {t} IS NOT NULL "
                           f"GROUP BY ALL ORDER BY week")
        stats = data.query(f"SELECT count(*) AS n, count(*) - count({t}) AS bad, min({t}) AS lo, max({t}) AS hi "
                           f"FROM log")
        out = pd.Series(weeks["v"].to_numpy(dtype=float), index=pd.DatetimeIndex(weeks["week"]),
                        name=value_col or "lines")
        if len(out):
            out = out.asfreq("7D", fill_value=0.0)
        out.attrs = {"rows": int(stats["n"].iloc[0]), "unparsed": int(stats["bad"].iloc[0]),
                     "first": stats["lo"].iloc[0], "last": stats["hi"].iloc[0]}
        return out
    if isinstance(data, pd.Series):
        times, values = data, None
    else:
        times, values = data[datetime_col], None if value_col is None else data[value_col]
    times = pd.to_datetime(times, errors="coerce")  # as TRY_CAST in SQL: a time that does not parse is not placed
    amounts = 1 if values is None else pd.to_numeric(values, errors="coerce").to_numpy()
    frame = pd.DataFrame({"t": times, "v": amounts}).dropna(subset=["t"])
    weekly = frame.set_index("t")["v"].resample("W-MON", label="left", closed="left").sum()
    weekly.name = value_col or "lines"
    weekly.attrs = {"rows": len(times), "unparsed": int(times.isna().sum()), "first": frame["t"].min(),
                    "last": frame["t"].max()}
    return weekly


def describe(log: ParquetLog, datetime_col: str = "timestamp", customer_id_col: str = "customer_id") -> dict:
    """Lines, distinct customers, first and last transaction time of a log (one scan)."""
    cid, t = sql_ident(customer_id_col), sql_ident(datetime_col)  # distinct ids apart: a parallel hash aggregate
    row = log.query(f"WITH a AS (SELECT count(*) AS lines, min({t}) AS first, max({t}) AS last FROM log), "
                    f"c AS (SELECT count(*) AS customers FROM (SELECT DISTINCT {cid} FROM log WHERE {cid} IS NOT NULL)) "
                    f"SELECT lines, customers, first, last FROM a, c").iloc[0]
    return {"lines": int(row["lines"]), "customers": int(row["customers"]), "first": pd.Timestamp(row["first"]),
            "last": pd.Timestamp(row["last"])}
