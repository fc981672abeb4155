"""Cleaning a large log in DuckDB: the rules of :func:`helpers.clean.clean_transactions` in SQL.

:func:`clean_log` writes the kept lines and the quarantine as Parquet files without loading the
log into pandas; :func:`check_log_accounting` proves, in SQL, that every input line is in exactly
one of them. The reason codes are the pandas path's (:data:`~helpers.schema.REASONS`), first rule wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from ..engines import connect, run_with_progress, sql_ident, sql_str
from ..errors import DataError
from ..largelog import LARGE_ROWS, ParquetLog
from ..schema import DEFAULT_TEST_ID_PATTERN, STATUS_LOOKUP, STATUS_VALUES


def _reason_sql(log: ParquetLog, types: dict[str, str], test_accounts: Iterable[str],
                test_id_pattern: str | None) -> str:
    """SQL: ``source_file, source_row, reason, detail`` for every line that breaks a rule (first rule wins)."""
    known = STATUS_LOOKUP
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
    check_log_accounting(log, clean, quarantine)
    return CleanedLog(clean=clean, quarantine=quarantine, counts={k: int(v) for k, v in counts.items()})


def check_log_accounting(raw: ParquetLog, clean: ParquetLog, quarantine: ParquetLog) -> None:
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
