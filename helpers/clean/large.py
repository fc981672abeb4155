"""Cleaning a large log in DuckDB: the definition of :func:`helpers.clean.clean_transactions`, never loaded.

:func:`clean_log` runs the cleaning statements (:func:`helpers.clean.statements.clean_views`: value rules
through the pandas checks on the distinct raw values, row rules and reasons in SQL, returns netted by
:func:`helpers.clean.returns.net_returns`) on a :class:`~helpers.largelog.ParquetLog` and writes the kept lines
and the quarantine as Parquet files; :func:`check_log_accounting` proves, in SQL, that every input line is in
exactly one of them. A table in memory runs the very same statements
(:func:`helpers.clean.frame.clean_frame`): one definition for both paths.

The log is read as acquisition reads a file: a log without an order id column gets ``<file>:<row>``
(:meth:`~helpers.largelog.ParquetLog.select_sql`). ``tests/test_clean_parity.py`` runs messy exports through
both paths and compares kept lines, quarantine, reasons and details exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from ..engines import connect, run_with_progress, sql_ident, sql_str
from ..errors import DataError
from ..largelog import LARGE_ROWS, ParquetLog
from ..schema import DATE_FORMATS
from .spark import spark_connection
from .statements import clean_views, kept_sql, quarantine_sql

#: The most memory :func:`check_log_accounting`'s bitmaps of row numbers may take (bytes; one bit per row and file).
BITMAP_BYTES = 256 * 2**20


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
              quantile: float = 0.99, date_formats: Iterable[str] = DATE_FORMATS, currency: str | None = None,
              progress: bool = True, spark: Any = None, **settings: Any) -> CleanedLog:
    """Clean a large log in DuckDB with the definition of :func:`helpers.clean.clean_transactions`.

    Writes ``out_dir/transactions.parquet`` (the kept lines, the pandas path's columns in its order:
    canonical columns, ``timestamp`` as TIMESTAMP, ``amount`` as DOUBLE in the dataset's currency, lineage,
    ``status``, ``returned_amount``, ``flag_extreme``; sorted by time, order, file, row) and
    ``out_dir/quarantine.parquet`` (the canonical columns as text, lineage, ``reason``, ``detail``; in file
    order). Every input line is in exactly one of them (checked). ``flag_extreme`` marks lines of orders
    whose total exceeds ``extreme_factor`` × the ``quantile`` of order totals, as
    :func:`helpers.clean.flag_extreme_orders`. ``returns``: ``"net"`` or ``"negative"``, as the pandas path
    (netting brings the return lines and their sale lines into memory, nothing else); ``date_formats``:
    the ``strptime`` formats of text dates; ``currency``: the dataset's currency (amounts marked in another
    go to quarantine as ``currency_mismatch``; without it, amounts in several currencies are refused, naming
    a row).

    ``test_id_pattern``: ``...`` (the default) is :data:`helpers.clean.DEFAULT_TEST_ID_PATTERN`; ``None``
    turns the pattern off, as in :func:`helpers.clean.clean_transactions`. DuckDB runs it (RE2: no
    look-arounds; ``\\d`` and ``\\w`` are ASCII), on ids stripped as Python strips them.

    ``spark``: a SparkSession runs these same statements, transpiled (:mod:`helpers.clean.spark`); the two
    outputs are then folders of Parquet files at the same paths.
    """
    if returns not in ("net", "negative"):
        raise ValueError(f"returns must be 'net' or 'negative', got {returns!r}")
    for needed in ("customer_id", "timestamp", "amount"):
        if needed not in log.mapping:
            raise DataError("required column is missing", file=log.path, column=needed,
                            hint="map it with columns={...}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    quiet = not progress or log.rows < LARGE_ROWS
    con = log.connect(**settings) if spark is None else spark_connection(spark, log)
    try:
        outcome = clean_views(con, test_accounts=test_accounts, test_id_pattern=test_id_pattern, returns=returns,
                              date_formats=date_formats, currency=currency, quiet=quiet)
        _write_clean(con, outcome.cols, outcome.padded, out / "transactions.parquet", extreme_factor, quantile, quiet,
                     numbered=spark is None)
        run_with_progress(con, f"COPY ({quarantine_sql(outcome)} ORDER BY source_file, source_row) TO "
                               f"{sql_str((out / 'quarantine.parquet').as_posix())} (FORMAT parquet)",
                          "clean 3/3: write quarantine", disable=quiet)
        counts = dict(con.execute(f"SELECT reason, count(*) FROM ({outcome.found}) GROUP BY ALL").fetchall())
    finally:
        con.close()
    clean = ParquetLog.open(out / "transactions.parquet")
    quarantine = ParquetLog.open(out / "quarantine.parquet")
    check_log_accounting(log, clean, quarantine)
    return CleanedLog(clean=clean, quarantine=quarantine, counts={k: int(v) for k, v in counts.items()})



def _write_clean(con, cols: list[str], padded: dict[str, bool], path: Path, extreme_factor: float,
                 quantile: float, quiet: bool, numbered: bool = False) -> None:
    """COPY the kept lines of ``outcome`` to ``path``: the pandas path's columns, order and extreme flags.

    ``numbered`` (DuckDB): the sort carries each file's number in place of its path (``_files``: the distinct
    names, numbered in their order), and the path is put back after the sort, from a list of the names — the
    same order and output at half the sort's time on a large log (a path of ~80 bytes on every line was most of
    what the sort moved and spilled)."""
    sql = kept_sql(cols, padded, extreme_factor, quantile, file_numbers="_files" if numbered else None)
    if numbered:
        con.execute("CREATE TEMP TABLE _files AS SELECT source_file, row_number() OVER (ORDER BY source_file) AS _f "
                    "FROM (SELECT DISTINCT source_file FROM log)")
        names = [name for (name,) in con.execute("SELECT source_file FROM _files ORDER BY _f").fetchall()]
        listed = "[" + ", ".join(sql_str(name) for name in names) + "]"
        columns = con.sql(sql).columns  # bound, not run
        sql = "SELECT " + ", ".join(f"{listed}[_f] AS source_file" if c == "_f" else sql_ident(c) for c in columns) \
            + f" FROM ({sql})"
    run_with_progress(con, f"COPY ({sql}) TO {sql_str(path.as_posix())} (FORMAT parquet, ROW_GROUP_SIZE 1000000)",
                      "clean 2/3: flag extreme orders, write clean lines", disable=quiet)


def check_log_accounting(raw: ParquetLog, clean: ParquetLog, quarantine: ParquetLog) -> None:
    """Raise :class:`AssertionError` unless every input line is in exactly one output, in SQL.

    Identifiers ``(source_file, source_row)`` of the outputs must be unique, each within the
    input file's rows, and as many as the input lines: together that is a one-to-one match.
    Uniqueness is counted with one bitmap of row numbers per file (``bitstring_agg``: one pass, a bit per
    row), not a hash table of every identifier — a DISTINCT over 50M pairs took 20 times as long; a log
    whose files would need bitmaps of more than :data:`BITMAP_BYTES` together is counted with DISTINCT.
    """
    con = connect()
    try:
        con.execute(f"CREATE VIEW raw AS {raw.select_sql()}")
        con.execute(f"CREATE VIEW outs AS SELECT source_file, source_row FROM ({clean.select_sql()}) "
                    f"UNION ALL SELECT source_file, source_row FROM ({quarantine.select_sql()})")
        con.execute("CREATE TEMP TABLE files AS SELECT source_file, max(source_row) AS n FROM raw GROUP BY ALL")
        n_files, top = con.execute("SELECT count(*), coalesce(max(n), 0) FROM files").fetchone()
        inside = "o.source_row BETWEEN 1 AND r.n"
        outside, n_out = con.execute(f"SELECT count(*) FILTER (WHERE r.n IS NULL OR NOT ({inside})), count(*) "
                                     "FROM outs o LEFT JOIN files r USING (source_file)").fetchone()
        if n_files * (top // 8 + 1) <= BITMAP_BYTES:
            n_ids = con.execute(f"SELECT coalesce(sum(d), 0) FROM (SELECT bit_count(bitstring_agg(o.source_row, 1, "
                                f"{max(int(top), 1)})) AS d FROM outs o JOIN files r USING (source_file) "
                                f"WHERE {inside} GROUP BY o.source_file)").fetchone()[0] + outside
        else:
            n_ids = con.execute("SELECT count(DISTINCT (source_file, source_row)) FROM outs").fetchone()[0]
    finally:
        con.close()
    if n_out != raw.rows:
        raise AssertionError(f"{raw.rows:,} rows in ≠ {clean.rows:,} kept + {quarantine.rows:,} quarantined")
    if n_ids != n_out:
        raise AssertionError(f"{n_out - n_ids:,} rows are kept or quarantined twice")
    if outside:
        raise AssertionError(f"{outside:,} output rows do not exist in the input files")
