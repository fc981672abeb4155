"""Cleaning an in-memory table in DuckDB: :func:`clean_frame`, by the statements :func:`~helpers.clean.clean_log` runs.

The canonical table :func:`helpers.acquire.read_transactions` returns (text columns Arrow-backed) is handed to a
DuckDB connection as an Arrow table, without a copy, under the name ``log``, with ``_pos`` (each row's position)
and its value checks' outcome row by row (:func:`row_checks`: the same pandas checks, run on every value of a short
table or of a column of mostly distinct values such as times, and on the distinct values of a long text column of
few, spread to the rows as Arrow dictionaries, :func:`on_distinct`: no map of distinct values for DuckDB to join on
every evaluation of the rules). Then :func:`helpers.clean.statements.clean_views` runs the rules on it, the same
statements as for a large log (the id columns' padding told from the Arrow buffers, :func:`unpadded_ids`), and two
results come back as Arrow: the kept lines (:func:`helpers.clean.statements.kept_sql`, one scan, its columns of a
few words as enums; flagged and ordered here, by the same rules) and the position, reason and detail of each
quarantined row. The quarantine holds
the input's rows as they were given (raw values as text, in input order): nothing is rewritten on its way there.

Two cores work at once (:class:`_Side`, a thread beside the caller's): the connection is opened and the candidate
duplicates are hashed (:func:`raw_key`, :func:`_side_repeated`) while the value checks run; the extreme-order totals
are summed while the kept lines' keys are sorted (:func:`_extreme_flags`, :func:`_in_order`), then the connection is
closed there.
"""

from __future__ import annotations

import copy
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Iterable

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..engines import connect, sql_ident, sql_str
from ..errors import DataError
from ..schema import ACQUISITION_MARKS, CANONICAL, DATE_FORMATS, LINEAGE
from .arrowmemory import system_arrow_memory
from .parse import DISTINCT_MIN_ROWS, MixedCurrencies, value_checks
from .statements import EXTREME_FLAG, KEPT_ORDER, clean_views, extreme_totals_sql, kept_sql, repeated_rows
from .textforms import ascii_only, edge_bytes

_TEXT_TYPES = (pa.string(), pa.large_string(), pa.string_view())
#: A column is checked row by row (its outcome handed to DuckDB with the rows, no map of distinct values to
#: build and join) when it is shorter than :data:`~helpers.clean.parse.DISTINCT_MIN_ROWS` rows or at least this
#: share of its first 20,000 values differ (times to the second: nearly all).
ROW_BY_ROW = 0.5
#: DuckDB threads for a table in memory (``None``: every core, as a large log gets in :func:`helpers.clean.clean_log`),
#: but for the two steps :class:`_Side` runs beside the main thread's work, on one DuckDB thread each (the candidate
#: duplicates, the extreme-order totals). Measured when the whole cleaning ran in DuckDB: on a quiet 2-core machine
#: two threads read and cleaned the 1M-line benchmark file in 1.87–2.2 s (best of 3, two runs) against 2.73–3.45 s
#: with one; on cores busy with other work one thread did better, so set 1 on a shared machine.
THREADS: int | None = None
#: A long column of few distinct values (prices, status words) is checked on those and the outcome spread to its
#: rows here (:func:`on_distinct`: no map for DuckDB to join on every evaluation of the rules); ``False``: mapped
#: in DuckDB, as a large log is.
SPREAD = True


def row_checks(work: pd.DataFrame, date_formats: Iterable[str] = DATE_FORMATS, currency: str | None = None,
               share: float | None = None) -> dict[str, pd.Series | pa.Array]:
    """The value checks (:func:`~helpers.clean.parse.value_checks`) of the columns of a short table, or of mostly
    distinct values (:data:`ROW_BY_ROW`), run on every row: ``{"_value_<column>": parsed, "_reason_<column>":
    reason, "_detail_<column>": detail}`` (and ``_value6_amount``, the amount rounded to 6 decimals), the columns
    :data:`helpers.clean.statements.ROW_CHECKED` names; a long text column of few distinct values is checked on
    those and spread to its rows (:data:`SPREAD`, :func:`on_distinct`). Each check is value by value, so the outcome
    is the one the distinct values give; amounts in several currencies are left to the distinct values in DuckDB,
    whose error names the row."""
    out: dict[str, pd.Series | pa.Array] = {}
    share = ROW_BY_ROW if share is None else share
    for column, check in value_checks(date_formats, currency).items():
        if column not in work.columns:
            continue
        sample = work[column].iloc[:20_000]
        few = len(work) >= DISTINCT_MIN_ROWS and sample.nunique(dropna=False) < share * len(sample)
        if few and not (SPREAD and isinstance(work[column].dtype, pd.StringDtype)):
            continue  # checked on its distinct values in DuckDB, joined back
        try:
            checks = on_distinct(work[column], check, column == "amount") if few else _checked_columns(
                work[column], check, column == "amount")
        except MixedCurrencies:
            continue
        out.update({f"{prefix}{column}": values for prefix, values in checks.items()})
    return out


def _checked_columns(values: pd.Series, check, amount: bool) -> dict[str, pd.Series]:
    """``check`` of every value: ``{"_value_": parsed, ["_value6_": rounded to 6 decimals,] "_reason_": …,
    "_detail_": …}``."""
    checked = check(values)
    out = {"_value_": checked.value}
    if amount:
        with np.errstate(over="ignore"):
            out["_value6_"] = checked.value.round(6)
    return {**out, "_reason_": checked.reason, "_detail_": checked.detail}


def on_distinct(values: pd.Series, check, amount: bool = False) -> dict[str, pa.Array]:
    """:func:`_checked_columns`'s columns of a text column, ``check`` run on its distinct values only (a missing value
    among them when there is one) and spread to the rows in Arrow as dictionary columns: each row the index (of the
    smallest integer type) of its value's outcome, which DuckDB reads as the outcome's type (``VARCHAR``, ``DOUBLE``
    …)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    distinct = pd.Series(uniques, dtype=values.dtype)
    missing = codes < 0
    if missing.any():  # what a missing value gives
        distinct = pd.concat([distinct, values.iloc[[int(np.argmax(missing))]]], ignore_index=True)
    index = next(t for t in (np.int8, np.int16, np.int32) if len(distinct) <= np.iinfo(t).max)
    at = pa.array(np.where(missing, len(uniques), codes).astype(index))
    out = {}
    for prefix, outcome in _checked_columns(distinct.reset_index(drop=True), check, amount).items():
        if isinstance(outcome.dtype, pd.StringDtype):
            given = pa.array(outcome.array)
            given = (given.combine_chunks() if isinstance(given, pa.ChunkedArray) else given).cast(pa.large_string())
        else:  # missing (NaN, NaT) as null, as pa.Array.from_pandas gives it
            given = pa.array(outcome.to_numpy(), from_pandas=True)
        out[prefix] = pa.DictionaryArray.from_arrays(at, given)
    return out


def _series(column: pa.ChunkedArray, name: str) -> pd.Series:
    """A fetched column as the pandas path has always typed it: text ``string`` (Arrow-backed), times
    ``datetime64[ns]``, quantities nullable (``Int64`` / ``Float64``, as :func:`pandas.to_numeric` gives)."""
    kind = column.type
    if pa.types.is_dictionary(kind) and kind.value_type in _TEXT_TYPES:  # a few words (:func:`_few_words`)
        column, kind = column.cast(pa.large_string()), pa.large_string()
    if kind in _TEXT_TYPES or pa.types.is_null(kind):
        return pd.Series(pd.arrays.ArrowStringArray(column.cast(pa.large_string())), name=name)
    if pa.types.is_timestamp(kind):
        return pd.Series(column.cast(pa.timestamp("ns")).to_pandas(), name=name).astype("datetime64[ns]")
    if name == "quantity":
        return pd.Series(column.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype(),
                                                        pa.float64(): pd.Float64Dtype()}.get), name=name)
    return pd.Series(column.to_pandas(), name=name)


def _in_order(held: list[pa.Table], given: dict[str, pa.ChunkedArray] | None = None,
              names: list[str] | None = None, late: dict[str, Future] | None = None) -> pd.DataFrame:
    """The kept lines as :func:`~helpers.clean.statements.kept_sql` sorts them (:data:`KEPT_ORDER`), ordered here
    on those keys only (DuckDB's sort would hold every column of every line once more): the same order, since
    ``(source_file, source_row)`` is unique, DuckDB and Arrow compare text byte by byte and put missing keys last.
    Two columns at a time (Arrow's take lets go of the GIL: 0.10 → 0.065 s at 1M lines on a quiet 2-core machine,
    ~20 MiB more at the peak for the second column in flight), each unsorted column let go once its sorted copy is
    made (the lines held about once, not twice): ``held`` holds the only reference to the table, taken out of it
    here. ``given``: columns of the input table the kept lines take by their position (``_pos``, :func:`given_ids`),
    in one take of the sorted positions; ``names``: the columns in their order (default: the fetched ones); ``late``:
    columns still being computed (a future of each, in the fetched lines' order) while the keys are sorted, awaited
    before the first take (their temporaries and the sorted copies are not held at once)."""
    kept = held.pop()
    keys = [(name, "ascending", "at_end") for name in KEPT_ORDER if name in kept.column_names]
    order = pc.sort_indices(pa.table({name: _sortable(kept.column(name)) for name, *_ in keys}), sort_keys=keys)
    columns = dict(zip(kept.column_names, kept.columns))
    positions = columns.pop("_pos", None)
    given = given or {}
    at = positions.take(order) if given else None
    names = names or list(columns)
    del kept

    columns.update({name: future.result() for name, future in (late or {}).items()})  # before the takes: the peak

    def sorted_column(name: str) -> pd.Series:
        return _series(columns.pop(name).take(order) if name in columns else given[name].take(at), name)

    with ThreadPoolExecutor(2) as pool:
        taken = list(pool.map(sorted_column, names))
    return pd.DataFrame(dict(zip(names, taken)), copy=False)


def _sortable(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """A sort key Arrow can sort by: an enum's dictionary column (:func:`_few_words`, sorted words) by its indices when
    every chunk holds the same dictionary, else by its text."""
    if not pa.types.is_dictionary(column.type):
        return column
    if column.num_chunks and all(chunk.dictionary.equals(column.chunk(0).dictionary) for chunk in column.chunks):
        return pa.chunked_array([chunk.indices for chunk in column.chunks], column.type.index_type)
    return column.cast(column.type.value_type)


def _extreme_flags(con, kept: pa.Table, extreme_factor: float, quantile: float) -> pa.ChunkedArray:
    """The extreme-order flag of each of the kept lines (``kept``: their ``order_id`` and ``amount``, fetched): the
    cleaning's rule (:func:`~helpers.clean.statements.extreme_totals_sql`,
    :data:`~helpers.clean.statements.EXTREME_FLAG`: order totals of ``amount`` by stripped ``order_id`` over the kept
    lines, dataset currency) run on the fetched lines, so ``outcome`` is evaluated once; a line is flagged when its
    order is. One DuckDB thread: it runs beside the ordering of the kept lines (:func:`clean_frame`)."""
    con.execute("SET threads = 1")
    con.register("_kept", kept)
    flagged = con.sql(f"WITH {extreme_totals_sql('_kept', 'order_id', 'amount', 'TRUE', extreme_factor, quantile)} "
                      f"SELECT _o FROM totals CROSS JOIN th WHERE {EXTREME_FLAG}").to_arrow_table().column(0)
    con.unregister("_kept")
    order = kept.column("order_id")
    return pc.is_in(order, value_set=flagged.combine_chunks().cast(order.type))  # no order id: in no order


def raw_key(table: pa.Table, unpadded: dict[str, bool] | None, ascii: list[str]) -> list[str] | None:
    """The canonical columns of ``table`` when its values are those the cleaning compares for the duplicate rule
    (:func:`~helpers.clean.statements.clean_views`' view ``canon``) — every canonical column text, the ids ASCII and
    unpadded (:func:`ascii_ids`, :func:`unpadded_ids`: neither normalised, stripped nor blank) —, so that two rows
    equal there are equal here and the hashes of these columns find every candidate duplicate
    (:func:`_side_repeated`); ``None`` otherwise (the rule hashes ``canon`` itself)."""
    key = [c for c in CANONICAL if c in table.column_names]
    ids = [c for c in ("customer_id", "order_id") if c in key]
    if any(table.schema.field(c).type not in (pa.string(), pa.large_string()) for c in key) or \
            any(c not in ascii or (unpadded or {}).get(c, True) for c in ids):
        return None
    return key or None


def _side_repeated(con, table: pa.Table) -> pa.Array:
    """The positions (``_pos``) of the candidate duplicates of ``table`` (:func:`raw_key`'s columns and ``_pos``:
    :func:`~helpers.clean.statements.repeated_rows`), found in :class:`_Side`'s thread while the value checks run,
    with one DuckDB thread (the other core is the checks'); the connection's threads as they were afterwards."""
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    con.execute("SET threads = 1")
    con.register("_raw", table)
    try:
        return repeated_rows(con, "_raw", ", ".join(sql_ident(c) for c in table.column_names if c != "_pos"))
    finally:
        con.unregister("_raw")
        con.execute(f"SET threads = {int(threads)}")


class _Side:
    """A thread beside :func:`clean_frame`'s, so that the two cores work at once: it opens the DuckDB connection
    (12–25 ms) and finds the candidate duplicates (:func:`_side_repeated`) while the value checks run, later runs the
    extreme-order rule (:func:`_extreme_flags`) while :func:`_in_order` sorts the kept lines' keys, then closes the
    connection. :meth:`close` waits for it and closes the connection if nothing did."""

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(1)
        self.opening = self.pool.submit(_connection)

    def connection(self) -> duckdb.DuckDBPyConnection:
        return self.opening.result()

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        if self.opening.exception() is None:
            self.opening.result().close()  # a second close does nothing


def _connection() -> duckdb.DuckDBPyConnection:
    """The DuckDB connection :func:`clean_frame` runs the rules on (:data:`THREADS`; results in their ``ORDER BY``;
    text as pandas holds it, ``large_string``, no copy)."""
    con = connect(threads=THREADS)
    con.execute("SET preserve_insertion_order = true")
    con.execute("SET arrow_large_buffer_size = true")
    return con


def unpadded_ids(table: pa.Table) -> dict[str, bool] | None:
    """``{id column: False}`` for the text id columns of ``table`` when no value of theirs can start or end with white
    space (each starts and ends with a printable ASCII character other than the space, or is missing: read from the
    Arrow buffers), the answer :func:`~helpers.clean.statements.clean_views` would otherwise ask of DuckDB (a scan
    of the log); ``None`` when some value may (DuckDB decides)."""
    out = {}
    for name in [c for c in ("customer_id", "order_id") if c in table.column_names]:
        kind = table.schema.field(name).type
        if kind not in _TEXT_TYPES:  # numbers are no text; any other type (a dictionary …): DuckDB decides
            if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_null(kind):
                continue
            return None
        column = table.column(name)
        first, last = edge_bytes(column)
        plain = (first > 0x20) & (first < 0x7F) & (last > 0x20) & (last < 0x7F)
        if not (plain | ~column.is_valid().to_numpy(zero_copy_only=False)).all():
            return None
        out[name] = False
    return out


def given_ids(table: pa.Table, unpadded: dict[str, bool] | None, ascii: list[str]) -> list[str]:
    """The id columns of ``table`` whose kept values are the input's own, byte for byte: ``large_string`` (the type
    DuckDB gives text back as), ASCII only (:func:`ascii_ids`: no map of normalised ids) and no value blank or to
    strip (:func:`unpadded_ids`: each starts and ends with a printable character other than the space, or is missing).
    The kept lines take them from ``table`` by position (:func:`_in_order`) instead of DuckDB writing out every kept
    id again (1M lines: the kept lines' fetch 0.115 → 0.076 s)."""
    return [name for name in ("customer_id", "order_id") if name in (unpadded or {}) and name in ascii
            and table.schema.field(name).type == pa.large_string()]


def _with_given(kept: pa.Table, table: pa.Table, name: str) -> pa.Table:
    """``kept`` (fetched with ``_pos``) with the column ``name`` of ``table`` at its lines' positions, appended."""
    return kept.append_column(name, table.column(name).take(kept.column("_pos")))


def ascii_ids(table: pa.Table) -> list[str]:
    """The text id columns of ``table`` whose values are ASCII only (:func:`~helpers.clean.textforms.ascii_only`: the
    bytes the values span, ~0.4 ms a million ids; a buffer Arrow's CSV reader shares between columns holds other
    columns' bytes too, so the whole buffer says nothing): no value of theirs needs
    :func:`~helpers.clean.statements.clean_views`' map of non-ASCII ids, which it would otherwise look for with a scan
    of each column (28 ms for the benchmark's two id columns)."""
    out = []
    for name in [c for c in ("customer_id", "order_id") if c in table.column_names]:
        column = table.column(name)
        if column.type in (pa.string(), pa.large_string()) and ascii_only(column):
            out.append(name)
    return out


#: Most source files whose names the kept lines are fetched as a dictionary of (:func:`_few_words`).
FEW_FILES = 1_000


def _few_words(table: pa.Table, kept: str) -> str:
    """SQL of the kept lines (``kept``) with the columns of a few words — ``status`` (``completed``/``returned``) and,
    for a log of at most :data:`FEW_FILES` files, ``source_file`` — as DuckDB enums, which come back as Arrow
    dictionaries (an index per line, not the text: ordered as their sorted words, so sorting by index or by text is
    the same; :func:`_series` gives the text)."""
    words = {"status": ["completed", "returned"]}
    files = pc.unique(table.column("source_file"))
    if 0 < len(files) <= FEW_FILES and files.null_count == 0 and files.type in _TEXT_TYPES:
        words["source_file"] = files.to_pylist()
    enums = ", ".join(f"CAST({sql_ident(c)} AS ENUM({', '.join(sql_str(w) for w in sorted(ws))})) AS {sql_ident(c)}"
                      for c, ws in words.items())
    return f"SELECT * REPLACE ({enums}) FROM ({kept})"


#: Rows :func:`rows_at` takes from at a time.
TAKE_BLOCK = 1 << 16


def rows_at(frame: pd.DataFrame, positions: np.ndarray) -> pd.DataFrame:
    """``frame.take(positions)``, taken a block of :data:`TAKE_BLOCK` rows at a time when the positions rise and lie
    inside the frame (else ``frame.take`` itself): Arrow's take from a column of many chunks (the reader's text
    columns: one per MiB of the file) first joins every chunk into one copy of the column (~60 MiB for the benchmark's
    five text columns: the ingest's peak), a block's slice only its own."""
    rising = not len(positions) or (positions[0] >= 0 and positions[-1] < len(frame)
                                    and bool((positions[1:] >= positions[:-1]).all()))
    if len(frame) <= TAKE_BLOCK or not rising:
        return frame.take(positions)
    starts = np.arange(0, len(frame), TAKE_BLOCK)
    cuts = np.searchsorted(positions, starts)
    ends = np.append(cuts[1:], len(positions))
    parts = [frame.iloc[start:start + TAKE_BLOCK].take(positions[a:b] - start)
             for start, a, b in zip(starts, cuts, ends) if b > a]
    return pd.concat(parts) if parts else frame.take(positions)


def _refuse_repeated_lineage(work: pd.DataFrame) -> None:
    """:class:`DataError` naming the first row whose ``(source_file, source_row)`` another row has too: the rules
    find a row by its lineage, so a hand-built table that repeats it cannot be accounted for row by row (a table
    :func:`helpers.acquire.read_transactions` returns never does). Costs one integer uniqueness check when the
    row numbers are unique (one file), one factorisation of the file names otherwise."""
    if not all(c in work.columns for c in LINEAGE):
        return
    rows = work["source_row"].to_numpy(dtype="int64", na_value=-1)
    if (len(rows) < 2 or bool((rows[1:] > rows[:-1]).all()) and rows[0] >= 0) or work["source_row"].is_unique:
        return  # rising row numbers (one file read in order) are unique without a hash
    codes, _ = pd.factorize(work["source_file"])
    key = pd.Series(codes.astype("int64") * (int(rows.max()) + 2) + rows + 1)
    repeated = key.duplicated(keep=False).to_numpy()
    if repeated.any():
        first = work.loc[repeated].iloc[0]
        raise DataError(f"{int(repeated.sum()):,} rows share their source_file and source_row with another row "
                        f"(first: {first['source_file']!s} row {first['source_row']!s})", column="source_row",
                        hint="give each row its own source_row (helpers.acquire.read_transactions does)")


@system_arrow_memory()  # the kernel time of fresh buffers: see its docstring
def clean_frame(df: pd.DataFrame, *, test_accounts: Iterable[str] = (), test_id_pattern: Any = ...,
                returns: str = "net", extreme_factor: float = 5.0, quantile: float = 0.99,
                date_formats: Iterable[str] = DATE_FORMATS, currency: str | None = None
                ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(clean, quarantine)`` of a canonical DataFrame, by :func:`~helpers.clean.statements.clean_views` in DuckDB
    (see the module docstring; the arguments are :func:`helpers.clean.clean_transactions`'). ``clean``: the kept
    lines as :func:`~helpers.clean.statements.kept_sql` orders them; ``quarantine``: the input's rows not kept, in
    input order, every column but the acquisition marks as text, with ``reason`` and ``detail``."""
    side = _Side()
    try:
        return _cleaned(df, side, test_accounts=test_accounts, test_id_pattern=test_id_pattern, returns=returns,
                        extreme_factor=extreme_factor, quantile=quantile, date_formats=date_formats, currency=currency)
    finally:
        side.close()


def _cleaned(df: pd.DataFrame, side: _Side, *, test_accounts: Iterable[str], test_id_pattern: Any, returns: str,
             extreme_factor: float, quantile: float, date_formats: Iterable[str], currency: str | None
             ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`clean_frame`, its DuckDB connection and side thread from ``side``."""
    work, date_formats = df.reset_index(drop=True), tuple(date_formats)
    _refuse_repeated_lineage(work)
    pa.default_memory_pool().release_unused()  # what Arrow's allocator keeps from reading, back before DuckDB's turn
    cols = [c for c in (*CANONICAL, *LINEAGE, *ACQUISITION_MARKS) if c in work.columns]
    table = pa.Table.from_pandas(work[cols], preserve_index=False)
    table = table.append_column("_pos", pa.array(np.arange(len(work), dtype=np.int64)))
    unpadded, ascii = unpadded_ids(table), ascii_ids(table)
    key = raw_key(table, unpadded, ascii)
    raw = None if key is None else table.select([*key, "_pos"])
    repeated = None if raw is None else side.pool.submit(lambda: _side_repeated(side.connection(), raw))
    for name, values in row_checks(work, date_formats, currency).items():
        table = table.append_column(name, values if isinstance(values, pa.Array) else pa.Array.from_pandas(values))
    pa.default_memory_pool().release_unused()  # the checks' temporaries
    repeated = None if repeated is None else table.take(repeated.result())  # the side thread is done with con
    con = side.connection()
    con.register("log", table)
    outcome = clean_views(con, test_accounts=test_accounts, test_id_pattern=test_id_pattern, returns=returns,
                          date_formats=date_formats, currency=currency, padded=unpadded, ascii_ids=ascii,
                          repeated=repeated)
    bad = con.sql(f"SELECT * FROM ({outcome.placed}) ORDER BY _pos").to_arrow_table()  # few rows, then the many
    given = given_ids(table, unpadded, ascii)
    sql = _few_words(table, kept_sql(outcome.cols, outcome.padded, extreme_factor, quantile, ordered=False,
                                     positions=bool(given)))
    names = [c for c in con.sql(sql).columns if c != "_pos"] + ["flag_extreme"]
    if given:  # the ids taken from the input table (given_ids)
        sql = f"SELECT * EXCLUDE ({', '.join(sql_ident(c) for c in given)}) FROM ({sql})"
    kept = con.sql(sql).to_arrow_table()
    if "order_id" in given:  # the extreme-order rule totals the fetched lines by order
        kept = _with_given(kept, table, "order_id")
    flags = side.pool.submit(_extreme_flags, con, kept.select(["order_id", "amount"]), extreme_factor, quantile)
    side.pool.submit(con.close)  # once the flags are in
    del con  # the connection is the side thread's from here on
    kept = [kept]  # a list: _in_order gets the only reference
    clean = _in_order(kept, {c: table.column(c) for c in given if c != "order_id"}, names, {"flag_extreme": flags})
    marks = [m for m in ACQUISITION_MARKS if m in work.columns]  # a mark's text is the row's detail
    quarantine = rows_at(work, bad.column("_pos").to_numpy()).drop(columns=marks).reset_index(drop=True)
    for col in quarantine.columns:
        if col not in LINEAGE:
            quarantine[col] = quarantine[col].astype("string")
    for col in ("reason", "detail"):
        quarantine[col] = _series(bad.column(col), col)
    if len(clean) + len(quarantine) != len(work):
        raise AssertionError(f"{len(work):,} rows in ≠ {len(clean):,} kept + {len(quarantine):,} quarantined")
    clean.attrs, quarantine.attrs = copy.deepcopy(df.attrs), copy.deepcopy(df.attrs)
    return clean, quarantine
