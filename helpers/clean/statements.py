"""The cleaning rules as SQL statements, the one definition both cleaning paths run.

:func:`clean_views` writes, on a DuckDB connection (or Spark's, :class:`helpers.engines.SparkConnection`) holding
a table or view ``log`` of canonical columns and lineage, the views and tables that end in the view ``outcome``:
every row with its parsed values and, where it goes to quarantine, its reason and detail. :func:`kept_sql` and
:func:`quarantine_sql` select the two outputs from it. :func:`helpers.clean.clean_log` writes them as Parquet
(a large log, never loaded); :func:`helpers.clean.frame.clean_frame` fetches them as Arrow (a table in memory,
:func:`helpers.clean.clean_transactions`).

- **value rules** (dates, amounts, statuses; and the clean form of quantities and of the product, category
  and channel labels): the DISTINCT raw values of each column (few: prices, status words and days repeat)
  go through the pandas functions (:func:`helpers.clean.parse.value_checks`, with the caller's
  ``date_formats``), and the mapping raw value → parsed value, reason, detail is registered as a table and
  joined back; in a typed column (``TIMESTAMP``, ``DOUBLE`` …) the values the functions leave unchanged need no
  mapping row, and no join at all when none changes;
- **row rules** (acquisition's marks, duplicates, test accounts, missing customer) are SQL; every reason is
  chosen in the order of :data:`~helpers.schema.REASONS`;
- **returns** (``returns="net"``): every line of each customer who has a return line (the only lines
  netting can touch) goes through :func:`helpers.clean.returns.net_returns`; ``returns="negative"`` keeps
  return lines as negative lines.

The log is read as acquisition reads a file: blank customer and order ids are missing, ids are normalised and
stripped as :func:`helpers.acquire.read_transactions` does (``trim`` with ``str.strip``'s characters, only in a
column where some value needs it), raw values go to the quarantine as acquisition writes them as text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from ..engines import connect, run_with_progress, sql_ident, sql_str
from ..errors import DataError
from ..schema import (ACQUISITION_MARKS, CANONICAL, DATE_FORMATS, DEFAULT_TEST_ID_PATTERN, LINEAGE, SHEET_SUFFIX,
                      clean_cell)
from .parse import REASON_RANK, Checked, MixedCurrencies, mixed_currencies, parse_quantities, value_checks
from .returns import key_columns, net_returns

#: Text columns of the clean lines, stripped of surrounding white space in both paths.
TEXT_COLUMNS = ("customer_id", "order_id", "product", "category", "channel")

#: Every character Python's ``str.strip()`` strips (``str.isspace()``), for DuckDB's ``trim(text, characters)``.
_SPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008" \
         "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
#: DuckDB types whose values the value checks may leave unchanged (no mapping row needed for those).
_TYPED = {"timestamp": "TIMESTAMP", "amount": "DOUBLE", "quantity": "BIGINT", "product": "VARCHAR",
          "category": "VARCHAR", "channel": "VARCHAR"}
#: Prefixes of the columns of a value check's outcome given row by row with the log (``_value_timestamp``,
#: ``_value6_amount``, ``_reason_timestamp``, ``_detail_timestamp`` …: :func:`helpers.clean.frame.clean_frame`),
#: used instead of a map of the distinct values.
ROW_CHECKED = ("_value_", "_value6_", "_reason_", "_detail_")
#: Columns of few distinct values whose clean text is stripped by Python on those values (ids: in SQL).
_LABELS = ("product", "category", "channel")


def _padded(expr: str) -> str:
    """SQL: the text ``expr`` starts or ends with a character ``str.strip()`` strips (first and last code
    point; cheap, unlike ``trim`` with a character list)."""
    codes = ", ".join(str(ord(c)) for c in _SPACE)
    return f"(ord({expr}) IN ({codes}) OR ord({expr}[-1]) IN ({codes}))"


def _strip(expr: str, padded: bool) -> str:
    """SQL: ``expr`` as text stripped as ``str.strip()`` strips it; ``padded``: some value of the column
    starts or ends with white space (else nothing to strip)."""
    text = f"CAST({expr} AS VARCHAR)"
    return f"CASE WHEN {_padded(text)} THEN trim({text}, {sql_str(_SPACE)}) ELSE {text} END" if padded else text


def _blank(expr: str, padded: bool) -> str:
    """SQL: ``expr`` is empty or white space only (``str.strip() == ''``)."""
    text = f"CAST({expr} AS VARCHAR)"
    return f"({text} = '' OR ({_padded(text)} AND trim({text}, {sql_str(_SPACE)}) = ''))" if padded else \
        f"{text} = ''"


def _padded_columns(con, types: dict[str, str]) -> dict[str, bool]:
    """``{id column: some value starts or ends with white space}`` (one scan of ``log``)."""
    cols = [c for c in ("customer_id", "order_id") if types.get(c) == "VARCHAR"]
    if not cols:
        return {}
    found = con.execute("SELECT " + ", ".join(f"coalesce(bool_or({_padded(sql_ident(c))}), false)" for c in cols)
                        + " FROM log").fetchone()
    return dict(zip(cols, found))


def _text_sql(q: str, sql_type: str) -> str:
    """SQL: a raw value as text, as acquisition writes it (:func:`helpers.acquire.read_transactions`): whole
    numbers without ``.0``, times to the second, ``NaN`` missing, ``True``/``False``."""
    if sql_type in ("DOUBLE", "FLOAT"):
        return (f"CASE WHEN isnan({q}) THEN NULL WHEN isfinite({q}) AND {q} = trunc({q}) AND abs({q}) < 1e15 "
                f"THEN CAST(CAST({q} AS BIGINT) AS VARCHAR) ELSE CAST({q} AS VARCHAR) END")
    if sql_type.startswith("TIMESTAMP"):
        return f"strftime({q}, '%Y-%m-%d %H:%M:%S')"
    if sql_type == "BOOLEAN":
        return f"CASE WHEN {q} THEN 'True' WHEN NOT {q} THEN 'False' END"
    return f"CAST({q} AS VARCHAR)"


def _id_maps(con, types: dict[str, str], ascii_ids: Iterable[str] = ()) -> list[str]:
    """Register ``_idmap_<column>`` (``raw``, ``norm``) for each id column holding values with non-ASCII
    characters: those values through :func:`helpers.schema.clean_cell` (NFKC, zero-width characters removed,
    stripped), as acquisition normalises ids (:func:`helpers.acquire.values.normalise_ids`); such values are
    few, and the ASCII ones are stripped in SQL. Returns the columns that have a map. ``ascii_ids``: columns a caller
    knows hold ASCII text only (not scanned)."""
    mapped = []
    for c in ("customer_id", "order_id"):
        if types.get(c) != "VARCHAR" or c in ascii_ids:
            continue
        q = sql_ident(c)
        raw = con.execute(f"SELECT DISTINCT {q} AS raw FROM log WHERE octet_length(encode({q})) <> length({q})"
                          ).df()["raw"]  # more bytes than characters: a character beyond ASCII (no regex per value)
        if len(raw):
            norm = [clean_cell(v) for v in raw]
            con.register(f"_idmap_{c}", pd.DataFrame({"raw": raw.astype(str).to_numpy(),
                                                      "norm": [v if v else None for v in norm]}))
            mapped.append(c)
    return mapped


def _canon_sql(types: dict[str, str], padded: dict[str, bool], id_maps: Iterable[str] = (),
               source: str = "log") -> str:
    """The view ``canon``: the canonical columns and lineage of ``log`` as acquisition reads them (ids as text,
    normalised as acquisition normalises them — :func:`_id_maps`, stripped —, blank ids missing; instants with a
    time zone as UTC wall time). ``source``: another table of ``log``'s columns, read the same way."""
    cols, joins = [], []
    for c in [c for c in CANONICAL if c in types] + list(LINEAGE) + [m for m in ACQUISITION_MARKS if m in types] \
            + [c for c in types if c == "_pos" or c.startswith(ROW_CHECKED)]:
        q = f"log.{sql_ident(c)}"
        if c in ("customer_id", "order_id"):
            text = f"CASE WHEN {_blank(q, padded.get(c, False))} THEN NULL ELSE {_strip(q, padded.get(c, False))} END"
            if c in id_maps:
                joins.append(f"LEFT JOIN _idmap_{c} ON {q} = _idmap_{c}.raw")
                text = f"CASE WHEN _idmap_{c}.raw IS NOT NULL THEN _idmap_{c}.norm ELSE {text} END"
            cols.append(f"{text} AS {sql_ident(c)}")
        elif c == "timestamp" and types[c].startswith("TIMESTAMP WITH TIME ZONE"):
            cols.append(f"timezone('UTC', {q}) AS {sql_ident(c)}")
        else:
            cols.append(f"{q} AS {sql_ident(c)}")
    return f"SELECT {', '.join(cols)} FROM {source if source == 'log' else source + ' AS log'} {' '.join(joins)}"


def _as_pandas(table: pa.Table, sql_type: str) -> pd.Series:
    """A fetched column as pandas sees it after acquisition: text as the ``string`` dtype, integers nullable."""
    column = table.column(0)
    if pa.types.is_integer(column.type):
        return column.to_pandas(types_mapper=lambda t: pd.Int64Dtype() if pa.types.is_integer(t) else None)
    values = column.to_pandas()
    return values.astype("string") if sql_type == "VARCHAR" else values


def _value_map(con, name: str, column: str, sql_type: str, check: Callable[[pd.Series], Checked],
               quiet: bool) -> tuple[dict[str, str], set[str], bool]:
    """Table ``name`` (raw, value, [value6,] reason, detail, hit): ``check`` run on the DISTINCT raw values of
    ``column`` of ``canon``. Returns the SQL of the parsed value of a row of ``canon src`` (``value``; for
    amounts also ``value6``, rounded to 6 decimals as the pandas path rounds kept amounts), the reason codes
    found, and whether the table must be joined (not when every value of a typed column passes unchanged)."""
    q = sql_ident(column)
    run_with_progress(con, f"CREATE TEMP TABLE d_{name} AS SELECT raw, row_number() OVER () AS k FROM "
                           f"(SELECT DISTINCT {q} AS raw FROM canon)", f"clean: distinct {column} values",
                      disable=quiet)
    raw = _as_pandas(con.sql(f"SELECT raw FROM d_{name} ORDER BY k").to_arrow_table(), sql_type)
    raw.index = pd.RangeIndex(1, len(raw) + 1)
    checked = check(raw)
    parsed = {"value": checked.value}
    if column == "amount":
        with np.errstate(over="ignore"):  # 1e308 × 10⁶ (an implausible amount: quarantined, never kept)
            parsed["value6"] = checked.value.round(6)
    target = _TYPED.get(column)
    keep = np.ones(len(raw), dtype=bool)
    if target and sql_type == target:  # typed: a value the check leaves as it is needs no mapping row
        try:
            same = np.logical_and.reduce([(v.eq(raw).fillna(False) | (v.isna() & raw.isna()))
                                          .to_numpy(dtype=bool) for v in parsed.values()])
        except TypeError:
            same = np.zeros(len(raw), dtype=bool)
        keep = ~(checked.reason.isna().to_numpy() & same)
        passthrough = f"CAST(src.{q} AS {target})"
        if not keep.any():
            return {pick: passthrough for pick in parsed}, set(), False
    else:
        passthrough = "NULL"
    frame = pd.DataFrame({"k": raw.index[keep], **{pick: v[keep] for pick, v in parsed.items()},
                          "reason": checked.reason[keep], "detail": checked.detail[keep]})
    con.register(f"m_{name}", pa.Table.from_pandas(frame, preserve_index=False))
    con.execute(f"CREATE TEMP TABLE {name} AS SELECT d.raw, m.* EXCLUDE (k), TRUE AS hit "
                f"FROM d_{name} d JOIN m_{name} m USING (k)")
    con.unregister(f"m_{name}")
    exprs = {}
    for pick in parsed:
        value = f"CAST({name}.{pick} AS TIMESTAMP)" if column == "timestamp" else f"{name}.{pick}"
        exprs[pick] = f"(CASE WHEN {name}.hit THEN {value} ELSE {passthrough} END)"
    return exprs, set(checked.reason.dropna()), True


def _row_checked(con, column: str) -> tuple[dict[str, str], set[str]]:
    """The parsed value(s) of ``column`` (SQL on a row of ``canon src``) and the reason codes found, when its
    check's outcome is given row by row with the log (:data:`ROW_CHECKED`)."""
    value = f"src._value_{column}"
    exprs = {"value": f"CAST({value} AS TIMESTAMP)" if column == "timestamp" else value}
    if column == "amount":
        exprs["value6"] = "src._value6_amount"
    codes = con.execute(f"SELECT DISTINCT _reason_{column} FROM log WHERE _reason_{column} IS NOT NULL").fetchall()
    return exprs, {code for (code,) in codes}


def _rules_sql(maps: dict[int, set[str]], test_accounts: Iterable[str], test_id_pattern: str | None) -> str:
    """SQL of ``bad``: lineage, reason and detail of every row of ``parsed`` a rule quarantines (first rule in
    the order of REASONS; value rules from the columns ``_r<map>``/``_d<map>``, returns come later)."""
    cid = "src._cid"  # the customer id stripped, computed once
    accounts = [str(a) for a in test_accounts]
    test = [f"{cid} IN ({', '.join(sql_str(a) for a in accounts)})"] if accounts else []
    test += [f"regexp_matches({cid}, {sql_str(test_id_pattern)})"] if test_id_pattern else []
    rules = [("src._dup", "duplicate", sql_str("copy of an earlier row")),
             (f"{cid} IS NULL OR {cid} = ''", "missing_customer", "NULL")]
    if test:
        rules.append((" OR ".join(test), "test_account", cid))
    for name, codes in maps.items():
        rules += [(f"src._r{name} = {sql_str(code)}", code, f"src._d{name}") for code in codes]
    rules.sort(key=lambda rule: REASON_RANK[rule[1]])
    reason = " ".join(f"WHEN {cond} THEN {sql_str(code)}" for cond, code, _ in rules)
    detail = " ".join(f"WHEN {cond} THEN {info}" for cond, _, info in rules)
    return f"SELECT source_file, source_row, CASE {reason} END AS reason, CASE {detail} END AS detail"


def _net(con, cols: list[str]) -> bool:
    """Net the return lines no rule quarantined into their sale lines with :func:`net_returns` (the pandas
    path's netting), given every line of each customer with such a return (the only lines netting can
    touch); writes table ``netted`` (the valid ones). ``False`` when there is nothing to net."""
    lines_sql = ("(SELECT p.*, b.reason IS NULL AS _valid FROM parsed p "
                 "LEFT JOIN bad b USING (source_file, source_row))")
    if not con.execute(f"SELECT count(*) FROM {lines_sql} WHERE _valid AND _ret").fetchone()[0]:
        return False
    has_product = "product" in cols and con.execute('SELECT count("product") FROM canon').fetchone()[0] > 0
    key = key_columns(cols, has_product)
    text = list(dict.fromkeys([*key, "order_id"]))
    pick = ", ".join(f"CAST({sql_ident(c)} AS VARCHAR) AS {sql_ident(c)}" for c in text)
    lines = con.execute(
        f"WITH o AS {lines_sql}, c AS (SELECT DISTINCT customer_id FROM o WHERE _valid AND _ret) "
        f"SELECT {pick}, source_file, source_row, _ts AS timestamp, CASE WHEN _valid AND _ret THEN -abs(_amt) "
        f"ELSE _amt END AS amount, _ret AS is_return, _valid AS valid FROM o SEMI JOIN c USING (customer_id) "
        f"ORDER BY source_file, source_row").df()
    lines[text] = lines[text].astype("string")
    netted = net_returns(lines, key)
    netted["amount"] = netted["amount"].round(6)
    netted["returned_amount"] = netted["returned_amount"].round(6)
    netted[list(LINEAGE)] = lines[list(LINEAGE)]
    con.register("m_netted", pa.Table.from_pandas(netted[lines["valid"].to_numpy()], preserve_index=False))
    con.execute("CREATE TEMP TABLE netted AS SELECT * FROM m_netted")
    con.unregister("m_netted")
    return True


def _mixed_currency_error(con, distinct: str, exc: MixedCurrencies) -> DataError:
    """The pandas path's error for amounts in several currencies: the marked distinct amounts (table
    ``distinct``: raw, k) in the order of their first row in the file, and the first that disagrees named."""
    con.register("marked_k", pa.table({"k": pa.array(exc.marked.index.to_numpy(dtype="int64"))}))
    first = con.execute(f"SELECT k, source_file, source_row FROM (SELECT d.k, c.source_file, c.source_row, "
                        f"row_number() OVER (PARTITION BY d.k ORDER BY c.source_file, c.source_row) AS n FROM canon c "
                        f"JOIN {distinct} d ON c.amount IS NOT DISTINCT FROM d.raw SEMI JOIN marked_k USING (k)) "
                        f"WHERE n = 1 ORDER BY source_file, source_row").fetchall()
    con.unregister("marked_k")
    where = {k: (file, row) for k, file, row in first}
    error = mixed_currencies(exc.marked[list(where)], exc.raw)
    file, row = where[error.at]
    return DataError(error.problem, file=file, column="amount", row=int(row), hint=error.hint)


@dataclass
class Outcome:
    """What :func:`clean_views` leaves on a connection: the view ``outcome`` (every row of ``log`` with its
    parsed values, ``_reason``/``_detail`` where it goes to quarantine, ``_amount``/``_returned`` where kept),
    the canonical columns ``cols`` of the log and their ``types`` (of the view ``canon``), the id columns holding
    padded values (``padded``) and ``found``, SQL of the lineage, reason and detail of every quarantined row;
    ``placed``, for a log with ``_pos`` (a table in memory), SQL of the position, reason and detail of each."""
    cols: list[str]
    types: dict[str, str]
    padded: dict[str, bool]
    found: str
    placed: str | None = None


def clean_views(con, *, test_accounts: Iterable[str] = (), test_id_pattern: Any = ..., returns: str = "net",
                date_formats: Iterable[str] = DATE_FORMATS, currency: str | None = None,
                quiet: bool = True, padded: dict[str, bool] | None = None, ascii_ids: Iterable[str] = (),
                repeated: pa.Table | None = None) -> Outcome:
    """The cleaning rules as statements on ``con`` (DuckDB, or Spark through
    :class:`~helpers.engines.SparkConnection`), over its table or view ``log`` (canonical columns, lineage, the
    acquisition marks; ``_pos``, the row's position in an in-memory table, carried along when present): the
    views ``canon`` and ``parsed``, the tables of the value maps, ``_dups``, ``bad`` and ``netted``, and the view
    ``outcome`` both outputs are selected from (:func:`kept_sql`, :func:`quarantine_sql`). The one definition
    :func:`clean_log` and :func:`helpers.clean.clean_transactions` run (``padded``, ``ascii_ids``: what a caller
    knows of the id columns, :func:`_id_maps`; ``repeated``: the rows of ``log``, every column, that are the candidate
    duplicates of a table in memory, when the caller found them already, :func:`repeated_rows` — it must hold every
    row of each group of rows equal on the rule's values, so it must be found on a key equal whenever ``canon`` is,
    as :func:`helpers.clean.frame.raw_key` makes sure: a row left out of its group would go unnoticed)."""
    pattern = DEFAULT_TEST_ID_PATTERN if test_id_pattern is ... else test_id_pattern
    if pattern:  # asked of DuckDB itself (Spark's lazy frames would not run it, and its Java regex accepts more),
        probe = con if isinstance(con, duckdb.DuckDBPyConnection) else connect()  # on con when DuckDB's: ~20 ms less
        try:
            probe.execute("SELECT regexp_matches('', ?)", [pattern]).fetchall()
        except duckdb.Error as exc:
            raise DataError(f"test_id_pattern {pattern!r} is not a pattern DuckDB (RE2) can run "
                            f"({str(exc).splitlines()[0][:120]})", column="customer_id",
                            hint="write it without look-arounds or back-references") from exc
        finally:
            if probe is not con:
                probe.close()
    log_types = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE log)").fetchall())
    padded = _padded_columns(con, log_types) if padded is None else padded
    id_maps = _id_maps(con, log_types, tuple(ascii_ids))
    con.execute(f"CREATE TEMP VIEW canon AS {_canon_sql(log_types, padded, id_maps)}")
    types = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE canon)").fetchall())
    cols = [c for c in CANONICAL if c in types]
    # value rules: the pandas functions on the distinct raw values, joined back
    maps, values, joins, extra = {}, {}, [], []
    checks = dict(value_checks(date_formats, currency))
    checks.update({c: _quantities if c == "quantity" else _stripped for c in ("quantity", *_LABELS) if c in cols})
    for i, (column, check) in enumerate(checks.items()):
        if f"_value_{column}" in log_types:  # checked row by row in memory (helpers.clean.frame): nothing to join
            values[column], maps[i] = _row_checked(con, column)
            extra += [f"src._reason_{column} AS _r{i}", f"src._detail_{column} AS _d{i}"]
        elif column in cols:
            try:
                values[column], maps[i], join = _value_map(con, f"v{i}", column, types[column], check, quiet)
            except MixedCurrencies as exc:  # name the first row in the file whose amount disagrees
                raise _mixed_currency_error(con, f"d_v{i}", exc) from None
            if join:
                joins.append(f"LEFT JOIN v{i} ON src.{sql_ident(column)} IS NOT DISTINCT FROM v{i}.raw")
            extra += [f"v{i}.reason AS _r{i}", f"v{i}.detail AS _d{i}"] if join else \
                [f"CAST(NULL AS VARCHAR) AS _r{i}", f"CAST(NULL AS VARCHAR) AS _d{i}"]
    for mark in [m for m in ACQUISITION_MARKS if m in types]:  # rows acquisition's reader marked: not orders
        maps[mark] = {mark}
        extra += [f"CASE WHEN src.{sql_ident(mark)} IS NOT NULL THEN {sql_str(mark)} END AS _r{mark}",
                  f"CAST(src.{sql_ident(mark)} AS VARCHAR) AS _d{mark}"]
    status = values["status"]["value"] if "status" in values else "'completed'"
    amount = values["amount"]["value"]
    quantity = "".join(f", {values[c]['value']} AS {sql_ident('_v_' + c)}" for c in ("quantity", *_LABELS)
                       if c in values)
    cid_padded = padded.get("customer_id", False)
    con.execute(f"CREATE TEMP VIEW parsed AS SELECT *, coalesce(_st = 'returned' OR (_st = 'completed' AND "
                f"_amt < 0), false) AS _ret FROM (SELECT src.*, {_strip('src.customer_id', cid_padded)} AS _cid, "
                f"{values['timestamp']['value']} AS _ts, {amount} AS _amt, {values['amount']['value6']} AS _amt6, "
                f"{status} AS _st{quantity}, {', '.join(extra)} FROM canon src {' '.join(joins)})")
    # row rules and the first reason of each row, in SQL; only the rows with a reason are stored
    # the sheets of one workbook are one file (helpers.schema.SHEET_SUFFIX, which needs a #: no regex without)
    part = ", ".join([f"CASE WHEN strpos(source_file, '#') > 0 THEN regexp_replace(source_file, "
                      f"{sql_str(SHEET_SUFFIX)}, '\\1') ELSE source_file END", *(sql_ident(c) for c in cols)])
    if repeated is not None:  # the candidates' rows, read as canon reads the log
        con.register("_cand_log", repeated)
        con.execute(f"CREATE TEMP VIEW _cand_canon AS {_canon_sql(log_types, padded, id_maps, source='_cand_log')}")
    _duplicates(con, part, quiet, in_memory="_pos" in types, key=_candidate_key(cols, types),
                candidates=None if repeated is None else "_cand_canon")
    pos = ", src._pos" if "_pos" in types else ""  # a table in memory: each row's position kept with its reason
    run_with_progress(con, f"CREATE TEMP TABLE bad AS SELECT * FROM ({_rules_sql(maps, test_accounts, pattern)}{pos} "
                           f"FROM (SELECT p.*, d.source_row IS NOT NULL AS _dup FROM parsed p "
                           f"LEFT JOIN _dups d USING (source_file, source_row)) src) WHERE reason IS NOT NULL",
                      "clean 1/3: rules (duplicates, ids, dates, amounts, status)", disable=quiet)
    rejected = "source_file, source_row, reason, detail"
    if returns == "net" and _net(con, cols):
        con.execute("CREATE TEMP VIEW outcome AS SELECT p.*, coalesce(b.reason, n.reason) AS _reason, "
                    "CASE WHEN b.reason IS NULL THEN n.detail ELSE b.detail END AS _detail, "
                    "CASE WHEN n.source_row IS NOT NULL THEN n.amount WHEN p._ret THEN -abs(p._amt6) "
                    "ELSE p._amt6 END AS _amount, coalesce(n.returned_amount, CAST(0 AS DOUBLE)) AS _returned "
                    "FROM parsed p LEFT JOIN bad b USING (source_file, source_row) "
                    "LEFT JOIN netted n USING (source_file, source_row)")
        found = f"SELECT {rejected} FROM bad UNION ALL SELECT {rejected} FROM netted WHERE reason IS NOT NULL"
        placed = ("SELECT _pos, reason, detail FROM bad UNION ALL SELECT c._pos, n.reason, n.detail FROM netted n "
                  "JOIN canon c USING (source_file, source_row) WHERE n.reason IS NOT NULL")
    else:
        con.execute("CREATE TEMP VIEW outcome AS SELECT p.*, b.reason AS _reason, b.detail AS _detail, "
                    "CASE WHEN p._ret THEN -abs(p._amt6) ELSE p._amt6 END AS _amount, "
                    "CAST(0 AS DOUBLE) AS _returned FROM parsed p LEFT JOIN bad b USING (source_file, source_row)")
        found, placed = f"SELECT {rejected} FROM bad", "SELECT _pos, reason, detail FROM bad"
    return Outcome(cols=cols, types=types, padded=padded, found=found, placed=placed if pos else None)


def quarantine_sql(outcome: Outcome) -> str:
    """SQL of the quarantined rows of ``outcome`` (unordered): the canonical columns as text, as acquisition
    writes them, lineage, ``reason``, ``detail`` (and ``_pos`` when the log has it)."""
    text = ", ".join(f"{_text_sql(sql_ident(c), outcome.types[c])} AS {sql_ident(c)}" for c in outcome.cols)
    pos = ", _pos" if "_pos" in outcome.types else ""
    return (f"SELECT {text}, source_file, source_row, _reason AS reason, _detail AS detail{pos} "
            f"FROM outcome WHERE _reason IS NOT NULL")


def _candidate_key(cols: list[str], types: dict[str, str]) -> str:
    """SQL of a key of a row of ``canon`` equal for every two rows equal on :func:`_duplicates`' ``part``, cheaper to
    hash: each canonical column, or its value as a check read it row by row in memory (``_value_<column>``, the
    parsed time or amount: a function of the raw text, so equal texts give equal values), and not the file (rows of
    two files equal on the rest share a key: more candidates, never fewer). 1M lines: 0.115 → 0.055 s of CPU."""
    return ", ".join(sql_ident(f"_value_{c}" if f"_value_{c}" in types else c) for c in cols)


def _duplicates(con, part: str, quiet: bool, in_memory: bool = False, key: str | None = None,
                candidates: str | None = None) -> None:
    """Table ``_dups`` (source_file, source_row): the rows of ``canon`` that copy an earlier row on ``part``
    (the same file and canonical values), each but the first in file order — the pandas path's
    ``duplicated(keep="first")``.

    In bounded memory: a window over every column would sort the whole log; instead a hash aggregation
    (which DuckDB spills under its memory limit) finds the 64-bit hashes of ``part`` seen more than once,
    and the exact window runs only over the rows with such a hash (the duplicates and the rare collisions),
    so equal values, NULLs included, decide as before. A table in memory (``in_memory``: ``canon`` has ``_pos``,
    each row's position) has its rows' hashes fetched once (8 bytes a row) and the repeated ones found by pandas'
    hash table, :func:`_repeated`: the same rows as the aggregation's, without the second pass that
    computes every row's hash again to find them (0.33 → 0.22 s of one core at 1M lines); what is hashed there is
    ``key`` (:func:`_candidate_key`, equal whenever ``part`` is), else ``part``; ``candidates``: a view of those rows
    of ``canon`` when the caller found them already (:func:`repeated_rows`, on a key equal whenever ``part`` is;
    the window then reads them alone: a semi join on the positions read every row's text, 25 ms a million rows).
    The window decides on ``part``."""
    source = candidates or "canon"
    if candidates:
        rows = ""
    elif in_memory:
        con.register("_dup_pos", pa.table({"_pos": repeated_rows(con, "canon", key or part)}))
        rows = "SEMI JOIN _dup_pos USING (_pos)"
    else:
        run_with_progress(con, f"CREATE TEMP TABLE _dup_hashes AS SELECT hash({part}) AS h FROM canon GROUP BY h "
                               f"HAVING count(*) > 1", "clean 1/3: duplicates (hashes)", disable=quiet)
        rows = f"WHERE hash({part}) IN (SELECT h FROM _dup_hashes)"
    con.execute(f"CREATE TEMP TABLE _dups AS SELECT source_file, source_row FROM (SELECT source_file, source_row, "
                f"row_number() OVER (PARTITION BY {part} ORDER BY source_file, source_row) AS n FROM {source} "
                f"{rows}) WHERE n > 1")
    if in_memory and not candidates:
        con.unregister("_dup_pos")


def repeated_rows(con, source: str, key: str) -> pa.Array:
    """The ``_pos`` of the rows of ``source`` (a table or view with ``_pos``) whose hash of ``key`` (SQL) another row
    has too: the candidates of the duplicate rule (:func:`_duplicates`), the hashes fetched once and the repeated ones
    found by pandas' hash table (:func:`_repeated`)."""
    found = con.execute(f"SELECT _pos, hash({key}) AS h FROM {source}").fetchnumpy()
    return _repeated(np.asarray(found["_pos"]), np.asarray(found["h"]))


def _repeated(positions: np.ndarray, hashes: np.ndarray) -> pa.Array:
    """The ``positions`` (``int64``) of the rows whose value of ``hashes`` another row has too."""
    return pa.array(positions[pd.Series(hashes, copy=False).duplicated(keep=False).to_numpy()].astype(np.int64))


def _quantities(values: pd.Series) -> Checked:
    """Units per line (:func:`~helpers.clean.parse.parse_quantities`), no reason: a quantity never quarantines."""
    none = pd.Series(pd.NA, index=values.index, dtype="string")
    return Checked(parse_quantities(values), none, none)


def _stripped(values: pd.Series) -> Checked:
    """A label as the clean lines hold it: text stripped as the pandas path strips it, no reason."""
    none = pd.Series(pd.NA, index=values.index, dtype="string")
    return Checked(values.astype("string").str.strip(), none, none)


EXTREME_FLAG = "coalesce(totals.total > th.t AND th.t > 0, false)"
"""A line's extreme-order flag, over :func:`extreme_totals_sql`'s ``totals`` (joined on the line's order) and ``th``."""


def extreme_totals_sql(source: str, order: str, amount: str, where: str, factor: float, quantile: float) -> str:
    """The extreme-order rule's two common table expressions: ``totals`` (``_o``: order id, ``total``: the sum of
    ``amount`` over the order's lines of ``source`` that pass ``where``, dataset currency) and ``th`` (``t``:
    ``factor`` × the ``quantile`` of order totals, linear interpolation). :data:`EXTREME_FLAG` is the flag; the
    cleaning (:func:`kept_sql`) and :func:`helpers.clean.flag_extreme_orders` both use them."""
    return (f"totals AS (SELECT {order} AS _o, sum({amount}) AS total FROM {source} WHERE {where} "
            f"AND {order} IS NOT NULL GROUP BY ALL), th AS (SELECT {float(factor)} * "
            f"quantile_cont(total, {float(quantile)}) AS t FROM totals)")


#: The kept lines' order (ascending, missing last; ``order_id`` when there is one): :func:`kept_sql`'s, or Arrow's.
KEPT_ORDER = ("timestamp", "order_id", "source_file", "source_row")


def kept_order_sql(cols: list[str], numbered: bool = False) -> str:
    """SQL of :data:`KEPT_ORDER` over the kept lines' columns (``numbered``: the file's number ``_f`` for its name)."""
    return ", ".join("_f" if numbered and c == "source_file" else sql_ident(c) for c in KEPT_ORDER
                     if c != "order_id" or c in cols)


def kept_sql(cols: list[str], padded: dict[str, bool], extreme_factor: float, quantile: float,
             ordered: bool = True, file_numbers: str | None = None, sort: bool = True, positions: bool = False) -> str:
    """SQL of the kept lines of ``outcome`` (:func:`clean_views`): the canonical columns (``timestamp`` parsed,
    ``amount`` in the dataset's currency, text stripped), lineage, ``status``, ``returned_amount`` and
    ``flag_extreme`` (the lines of an order whose total exceeds ``extreme_factor`` × the ``quantile`` of order
    totals, :func:`helpers.clean.flag_extreme_orders`), sorted by :data:`KEPT_ORDER`; ``ordered=False``: one scan of
    ``outcome``, unsorted, no ``flag_extreme`` (the caller flags the fetched lines: :func:`extreme_totals_sql`).
    ``file_numbers``: a table (``source_file``, ``_f``: its rank in the order of the names) whose ``_f`` stands in
    for ``source_file`` in the sort and the output (the caller names the files again after the sort); ``sort=False``:
    flagged, not sorted (the caller sorts it in pieces: :func:`helpers.clean.large.clean_log`); ``positions``
    (with ``ordered=False``): each line's ``_pos`` (the log's row position) after the columns."""
    status = "CASE WHEN o._ret THEN 'returned' ELSE 'completed' END AS status"
    special = {"customer_id": "o._cid AS customer_id", "timestamp": 'o._ts AS "timestamp"',
               "amount": "o._amount AS amount", "status": status,
               **{c: f"o.{sql_ident('_v_' + c)} AS {sql_ident(c)}" for c in ("quantity", *_LABELS)}}
    select = [special.get(c) or (f"{_strip('o.' + sql_ident(c), padded.get(c, False))} AS {sql_ident(c)}"
                                 if c in TEXT_COLUMNS else f"o.{sql_ident(c)}") for c in cols]
    select += ["o.source_file", "o.source_row", *([] if "status" in cols else [status]), "o._returned AS returned_amount"]
    if not ordered:
        return f"SELECT {', '.join(select + (['o._pos'] if positions else []))} FROM outcome o WHERE o._reason IS NULL"
    order = _strip('o."order_id"', padded.get("order_id", False)) if "order_id" in cols else "NULL"
    order_by, extra = kept_order_sql(cols, file_numbers is not None), ""
    if file_numbers:  # a long, repeated path is most of the sort's bytes: its number sorts the same way
        select[select.index("o.source_file")] = "n._f"
        extra = f"LEFT JOIN {file_numbers} n ON n.source_file = o.source_file "
    kept = (f"WITH {extreme_totals_sql('outcome o', order, 'o._amount', 'o._reason IS NULL', extreme_factor, quantile)}, "
            f"extreme AS (SELECT _o FROM totals CROSS JOIN th WHERE {EXTREME_FLAG}) "  # few: a small join, not all orders
            f"SELECT * FROM (SELECT {', '.join(select)}, extreme._o IS NOT NULL AS flag_extreme FROM outcome o "
            f"LEFT JOIN extreme ON extreme._o = {order} {extra}WHERE o._reason IS NULL)")
    return f"{kept} ORDER BY {order_by}" if sort else kept
