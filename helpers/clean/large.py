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

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import pyarrow.parquet as pq

from .. import paths
from ..engines import chunk_rows, connect, run_with_progress, spill_directory, sql_ident, sql_str
from ..errors import DataError
from ..largelog import LARGE_ROWS, ParquetLog, progress
from ..schema import DATE_FORMATS
from .spark import spark_connection
from .statements import clean_views, kept_order_sql, kept_sql, quarantine_sql

#: Bytes a kept line takes in DuckDB's sort (measured: 50M lines of the generated log spilled 7.3 GB beyond a 3.6 GB
#: limit): sizes the pieces of time the kept lines are sorted in (:func:`sort_piece_rows`).
SORT_ROW_BYTES = 400
#: Rows per row group of the clean lines' Parquet file.
ROW_GROUP = 1_000_000

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
                     numbered=spark is None, rows=log.rows)
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
                 quantile: float, quiet: bool, numbered: bool = False, rows: int = 0) -> None:
    """Write the kept lines of ``outcome`` to ``path``: the pandas path's columns, order and extreme flags.

    ``numbered`` (DuckDB): the sort carries each file's number in place of its path (``_files``: the distinct names,
    numbered in their order) and the path is put back after the sort, from a list of the names — a path of ~80
    bytes on every line was most of what the sort moved. A log of more than :func:`sort_piece_rows` lines (``rows``)
    is sorted in pieces of time: the flagged lines are written once, split by ranges of ``timestamp`` (the first
    key of the order, so the pieces follow each other), and each piece is sorted in memory and appended to
    ``path`` — where one sort of 50M lines spilled 7 GB and took 280 s of its 340."""
    if not numbered:
        run_with_progress(con, f"COPY ({kept_sql(cols, padded, extreme_factor, quantile)}) TO {sql_str(path.as_posix())} "
                               f"(FORMAT parquet, ROW_GROUP_SIZE {ROW_GROUP})",
                          "clean 2/3: flag extreme orders, write clean lines", disable=quiet)
        return
    con.execute("CREATE TEMP TABLE _files AS SELECT source_file, row_number() OVER (ORDER BY source_file) AS _f "
                "FROM (SELECT DISTINCT source_file FROM log)")
    names = [name for (name,) in con.execute("SELECT source_file FROM _files ORDER BY _f").fetchall()]
    flagged = kept_sql(cols, padded, extreme_factor, quantile, file_numbers="_files", sort=False)
    listed = "[" + ", ".join(sql_str(name) for name in names) + "]"
    named = ", ".join(f"{listed}[_f] AS source_file" if c == "_f" else sql_ident(c) for c in con.sql(flagged).columns)
    order = kept_order_sql(cols, numbered=True)
    bounds = _time_bounds(con, -(-int(rows) // sort_piece_rows()))
    if not bounds:  # one sort
        run_with_progress(con, f"COPY (SELECT {named} FROM ({flagged} ORDER BY {order})) TO {sql_str(path.as_posix())} "
                               f"(FORMAT parquet, ROW_GROUP_SIZE {ROW_GROUP})",
                          "clean 2/3: flag extreme orders, write clean lines", disable=quiet)
        return
    piece = " ".join(f"WHEN \"timestamp\" < {sql_str(str(b))}::TIMESTAMP THEN {i}" for i, b in enumerate(bounds))
    work = Path(tempfile.mkdtemp(prefix="clean-pieces-", dir=paths.ensure(spill_directory())))
    writer = None
    try:
        run_with_progress(con, f"COPY (SELECT *, CASE {piece} ELSE {len(bounds)} END AS _piece FROM ({flagged})) TO "
                               f"{sql_str(work.as_posix())} (FORMAT parquet, PARTITION_BY (_piece))",
                          "clean 2/3: flag extreme orders, split the clean lines by time", disable=quiet)
        for i in progress(range(len(bounds) + 1), 0 if quiet else rows, "clean 2/3: sort by time, piece by piece"):
            folder = work / f"_piece={i}"
            if not folder.exists():  # no line in this range of times
                continue
            scan = f"read_parquet({sql_str((folder / '*.parquet').as_posix())}, hive_partitioning = false)"
            reader = con.sql(f"SELECT {named} FROM (SELECT * FROM {scan} ORDER BY {order})").to_arrow_reader(ROW_GROUP)
            for batch in reader:
                writer = writer or pq.ParquetWriter(path, batch.schema)
                writer.write_batch(batch, row_group_size=ROW_GROUP)
        if writer is None:  # every line went to quarantine: an empty file of the same columns
            con.execute(f"COPY (SELECT {named} FROM ({flagged}) LIMIT 0) TO {sql_str(path.as_posix())} (FORMAT parquet)")
    finally:
        if writer is not None:
            writer.close()
        shutil.rmtree(work, ignore_errors=True)


def sort_piece_rows() -> int:
    """Kept lines DuckDB sorts in one piece without spilling: a quarter of its memory limit at
    :data:`SORT_ROW_BYTES` a line (:func:`helpers.engines.chunk_rows`)."""
    return chunk_rows(SORT_ROW_BYTES, share=0.25)


def _time_bounds(con, pieces: int) -> list:
    """``pieces − 1`` increasing times that cut the lines of ``parsed`` into about equal ranges (DuckDB's
    ``approx_quantile``; repeated values dropped); ``[]`` for one piece."""
    if pieces <= 1:
        return []
    qs = ", ".join(str(i / pieces) for i in range(1, pieces))
    cuts = con.execute(f"SELECT approx_quantile(_ts, [{qs}]) FROM parsed").fetchone()[0] or []
    return sorted({c for c in cuts if c is not None})


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
