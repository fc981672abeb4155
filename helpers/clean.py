"""Cleaning (数据清洗): validate transactions, quarantine bad rows with a reason, account for every row.

:func:`clean_transactions` takes the canonical table that :mod:`helpers.acquire` produced
(raw values, text as read) and returns ``(clean, quarantine)``:

- ``clean``: parsed, typed lines (``timestamp`` a datetime, ``amount`` a float in the
  dataset's currency, ``status`` one of ``completed`` / ``returned``), with
  ``returned_amount`` (what returns took off the line) and ``flag_extreme`` columns;
- ``quarantine``: every row not kept, with its raw values, a ``reason`` code
  (:data:`REASONS`) and a ``detail`` (the offending value).

**Accounting.** Each input row ends in exactly one of the two tables: rows in = rows kept
+ rows quarantined, exactly; ``source_file`` + ``source_row`` identify each row in both.
:func:`row_accounting` tabulates it and :func:`check_accounting` asserts it.

**Rules, applied in this order; a row gets the first reason that applies:**

1. ``duplicate`` — an exact copy of an earlier row of the same file (every source
   column equal); the first copy is kept.
2. ``test_account`` — the customer is a staff test account (listed, or matching
   ``test_id_pattern``).
3. ``missing_customer`` — no customer id (guest orders, blank cells).
4. ``missing_date`` / ``unparseable_date`` — see :func:`parse_timestamps`.
5. ``missing_amount`` / ``unparseable_amount`` — see :func:`parse_amounts`.
6. ``unknown_status`` — a status that is not in :data:`STATUS_VALUES`.
7. ``cancelled`` — cancelled orders never happened for the customer.
8. Returns — a line with status *returned*, or a negative amount (a refund) under a
   *completed* status. With ``returns="net"`` (default) a return is netted into the sale
   line of the same order (and product, when known): the sale's ``amount`` falls by the
   returned amount and the return line goes to quarantine as ``return_netted``; a sale left
   at zero or below is quarantined as ``fully_returned``; a return with no sale to net
   against is ``return_unmatched``. With ``returns="negative"`` return lines are kept as
   negative lines at their own date (``status="returned"``), as accounting systems book them.

**Extreme orders are flagged, not dropped**: an order (all lines of one ``order_id``)
whose total exceeds ``extreme_factor`` (default 5) × the 99th percentile of order totals
gets ``flag_extreme=True`` on its lines; analyses decide what to do with them.

Missing ``status`` (the column or a cell) means *completed*: exports without a status column
list sales.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, NamedTuple

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from . import i18n, paths, plotting
from .engines import connect, run_with_progress, sql_ident, sql_str
from .errors import DataError
from .i18n import tr
from .largelog import LARGE_ROWS, ParquetLog
from .schema import (CANONICAL, DATE_FORMATS, DEFAULT_TEST_ID_PATTERN, LINEAGE, REASONS, REASONS_ZH, STATUS_LOOKUP,
                     STATUS_VALUES)
from .store import load_processed, save_processed  # noqa: F401 (public: the notebooks call clean.load_processed)

_EXCEL_SERIAL = re.compile(r"^[2-6]\d{4}(\.\d+)?$")  # 20000–69999: 1954-10-03 … 2091-08-05
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_CURRENCY = re.compile(r"(¥|\$|€|£|rmb|cny|usd|人民币|元|圆)", re.IGNORECASE)


class Cleaned(NamedTuple):
    """``(clean, quarantine)``, unpackable like a tuple."""

    clean: pd.DataFrame
    quarantine: pd.DataFrame


# --------------------------------------------------------------------------- parsing


def _nfkc(text: pd.Series) -> pd.Series:
    """NFKC-normalised text (full-width ￥１９９９ → ¥1999), vectorised with Arrow's utf8_normalize."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(text.astype(object).where(text.notna(), None).tolist(), type=pa.string())
    return pd.Series(pc.utf8_normalize(arr, form="NFKC").to_pylist(), index=text.index, dtype="string")


def _on_uniques(values: pd.Series, parse) -> pd.Series:
    """Apply ``parse`` to the distinct values only and spread the result back (prices, days repeat)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if len(uniques) == 0 or len(uniques) > 0.7 * len(values):
        return parse(values)
    parsed = parse(pd.Series(uniques, dtype=values.dtype if len(uniques) else object))
    out = parsed.to_numpy()[codes]
    result = pd.Series(out, index=values.index, dtype=parsed.dtype)
    if (codes < 0).any():
        result[codes < 0] = parse(pd.Series([None], dtype=values.dtype)).iloc[0]
    return result


def parse_timestamps(values: pd.Series, formats: Iterable[str] = DATE_FORMATS) -> pd.Series:
    """Parse mixed date representations (see :func:`_parse_timestamps`), once per distinct value."""
    formats = tuple(formats)
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.astype("datetime64[ns]")
    return _on_uniques(values, lambda v: _parse_timestamps(v, formats))


def _parse_timestamps(values: pd.Series, formats: Iterable[str] = DATE_FORMATS) -> pd.Series:
    """Parse mixed date representations; values that match nothing become ``NaT``.

    Accepted: datetime objects (e.g. Excel date cells); text in any of ``formats`` (ISO,
    ``2013/4/9 12:00``, ``2013.04.09``, ``2013年4月9日 12:00``, ``20130409``); Excel serial
    day numbers as text of five digits from 20000 to 69999 (days since 1899-12-30, i.e. 1954–2091;
    other numbers are not dates). Day-first forms such as
    ``09/04/2013`` are deliberately not guessed: they are ambiguous, so they do not parse.
    """
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.astype("datetime64[ns]")
    if pd.api.types.is_string_dtype(values) and values.dtype != object:
        is_dt = pd.Series(False, index=values.index)
    else:  # object column: Excel cells may hold datetimes next to text
        is_dt = values.map(lambda v: isinstance(v, (pd.Timestamp, np.datetime64))
                           or (hasattr(v, "year") and not isinstance(v, str))).astype(bool)  # bool even when empty
    if is_dt.any():
        out[is_dt] = pd.to_datetime(values[is_dt].astype(object), errors="coerce")
    text = _nfkc(values[~is_dt & values.notna()].astype("string")).str.strip()
    text = text.str.replace(r"\s+", " ", regex=True)
    remaining = text
    for fmt in formats:
        if remaining.empty:
            break
        parsed = pd.to_datetime(remaining, format=fmt, errors="coerce")
        hit = parsed.notna()
        out[hit[hit].index] = parsed[hit]
        remaining = remaining[~hit]
    if not remaining.empty:
        serial = remaining[remaining.str.match(_EXCEL_SERIAL)]
        if not serial.empty:
            days = serial.astype(float)
            out[serial.index] = pd.Timestamp("1899-12-30") + pd.to_timedelta(days, unit="D")
    return out.astype("datetime64[ns]")


def parse_amounts(values: pd.Series) -> pd.Series:
    """Parse money amounts (see :func:`_parse_amounts`), once per distinct value."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.astype(float)
    return _on_uniques(values, _parse_amounts).astype(float)


def _parse_amounts(values: pd.Series) -> pd.Series:
    """Parse money amounts written the way exports write them; failures become ``NaN``.

    Handles numbers, ``¥1,999.00``, full-width ``￥１９９９``, ``1999元``, ``RMB 1,999``,
    ``$12.00``, accounting negatives ``(199.00)`` and decimal commas with one or two decimals
    (``1999,00``; a comma followed by three digits is a thousands separator). Unit: the
    dataset's currency.
    """
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.astype(float)
    if pd.api.types.is_string_dtype(values) and values.dtype != object:
        numeric = pd.Series(np.nan, index=values.index)
    else:  # object column: numbers (Excel cells) next to text
        numeric = pd.to_numeric(values.where(values.map(lambda v: isinstance(v, (int, float, np.number))
                                                        and not isinstance(v, bool)).astype(bool)),
                                errors="coerce")
    text = values[numeric.isna() & values.notna()].astype("string")
    if text.empty:
        return numeric.astype(float)
    norm = _nfkc(text).str.strip()
    negative = norm.str.match(r"^\(.*\)$")
    norm = norm.str.strip("()").str.replace(_CURRENCY.pattern, "", regex=True, case=False)
    norm = norm.str.replace(r"\s+", "", regex=True)
    decimal_comma = norm.str.match(r"^[+-]?\d+,\d{1,2}$")  # 1999,00 (European style), not 1,999
    norm = norm.where(~decimal_comma, norm.str.replace(",", ".", regex=False))
    norm = norm.str.replace(",", "", regex=False)
    valid = norm.str.match(_NUMBER)
    parsed = pd.to_numeric(norm.where(valid), errors="coerce")
    parsed = pd.Series(parsed.to_numpy(dtype=float, na_value=np.nan), index=norm.index)
    parsed = parsed.where(~negative.fillna(False).to_numpy(dtype=bool), -parsed)
    numeric.loc[parsed.index] = parsed
    return numeric.astype(float)


def normalise_status(values: pd.Series) -> pd.Series:
    """Canonical status (``completed`` / ``cancelled`` / ``returned``), ``<NA>`` if unknown.

    Missing values mean ``completed``.
    """
    def lookup(v: pd.Series) -> pd.Series:
        text = _nfkc(v.astype("string")).str.strip().str.lower()
        return text.map(STATUS_LOOKUP).where(v.notna(), "completed").astype("string")

    return _on_uniques(values, lookup).astype("string")


# --------------------------------------------------------------------------- cleaning


def _require(df: pd.DataFrame) -> None:
    missing = [c for c in ("customer_id", "order_id", "timestamp", "amount", *LINEAGE) if c not in df.columns]
    if missing:
        raise DataError(
            "is not a canonical transaction table", column=", ".join(missing),
            hint="read files with helpers.acquire.read_transactions (it adds order_id and lineage columns)",
        )


def clean_transactions(
    df: pd.DataFrame,
    *,
    test_accounts: Iterable[str] = (),
    test_id_pattern: str | None = DEFAULT_TEST_ID_PATTERN,
    returns: str = "net",
    extreme_factor: float = 5.0,
    date_formats: Iterable[str] = DATE_FORMATS,
) -> Cleaned:
    """Validate canonical transactions; return ``(clean, quarantine)`` (see module docstring).

    Parameters
    ----------
    df
        Canonical table from :func:`helpers.acquire.read_transactions` (raw values).
    test_accounts
        Customer ids of staff / test accounts.
    test_id_pattern
        Regular expression for test-account ids (``None`` to disable).
    returns
        ``"net"`` (default) or ``"negative"``; see the rules above.
    extreme_factor
        An order is flagged extreme when its total exceeds this multiple of the 99th
        percentile of order totals (:func:`flag_extreme_orders`).
    date_formats
        ``strptime`` formats tried in order by :func:`parse_timestamps`.

    Returns
    -------
    Cleaned
        ``clean`` (typed; ``amount`` in the dataset's currency) and ``quarantine`` (raw values
        plus ``reason`` and ``detail``). ``len(clean) + len(quarantine) == len(df)``.
        For a large log (a :class:`~helpers.largelog.ParquetLog`) both are ParquetLogs written
        by :func:`clean_log` (same reason codes, in SQL) to a staging folder
        that :func:`save_processed` moves into place.
    """
    if isinstance(df, ParquetLog):
        staging = paths.PROCESSED / "_staging" / hashlib.sha1(f"{df.path}:{df.rows}".encode()).hexdigest()[:12]
        result = clean_log(df, staging, test_accounts=test_accounts, test_id_pattern=test_id_pattern,
                           returns=returns, extreme_factor=extreme_factor)
        return Cleaned(result.clean, result.quarantine)
    if returns not in ("net", "negative"):
        raise ValueError("returns must be 'net' or 'negative'")
    _require(df)
    work = df.reset_index(drop=True).copy()
    n = len(work)
    reason = pd.Series(pd.NA, index=work.index, dtype="string")
    detail = pd.Series(pd.NA, index=work.index, dtype="string")

    def assign(mask: pd.Series, code: str, info: pd.Series | str | None = None) -> None:
        take = mask & reason.isna()
        reason[take] = code
        if info is not None:
            detail[take] = info[take].astype("string") if isinstance(info, pd.Series) else info

    source_cols = [c for c in work.columns if c in CANONICAL or c == "source_file"]
    # 1. duplicates: identical in every source column, within one file
    dup = work.astype({c: "string" for c in source_cols}).duplicated(subset=source_cols, keep="first")
    assign(dup, "duplicate", "copy of an earlier row")
    # 2. test accounts
    cid = work["customer_id"].astype("string").str.strip()
    is_test = cid.isin(set(map(str, test_accounts)))
    if test_id_pattern:
        is_test |= cid.str.contains(test_id_pattern, regex=True, na=False)
    assign(is_test.fillna(False), "test_account", cid)
    # 3. missing customer
    assign(cid.isna() | (cid == ""), "missing_customer")
    # 4. dates
    ts = parse_timestamps(work["timestamp"], date_formats)
    raw_ts = work["timestamp"]
    assign(raw_ts.isna(), "missing_date")
    assign(ts.isna(), "unparseable_date", raw_ts.astype("string"))
    # 5. amounts
    amount = parse_amounts(work["amount"])
    assign(work["amount"].isna(), "missing_amount")
    assign(amount.isna(), "unparseable_amount", work["amount"].astype("string"))
    # 6./7. status
    if "status" in work.columns:
        status = normalise_status(work["status"])
        assign(status.isna(), "unknown_status", work["status"].astype("string"))
    else:
        status = pd.Series("completed", index=work.index, dtype="string")
    assign(status == "cancelled", "cancelled")
    # 8. returns
    is_return = (status == "returned") | ((status == "completed") & (amount < 0))
    valid = reason.isna()
    amount_out = amount.copy()
    returned_amount = pd.Series(0.0, index=work.index)
    ret_valid = valid & is_return
    amount_out[ret_valid] = -amount[ret_valid].abs()
    if returns == "net" and ret_valid.any():
        key = ["customer_id", "order_id"]
        if "product" in work.columns and work["product"].notna().any():
            key.append("product")
        keys = work[key].astype("string").fillna("")
        key_str = keys[key[0]].str.cat([keys[c] for c in key[1:]], sep="\x1f")
        sales = valid & ~is_return
        ret_keys = key_str[ret_valid]
        matched = ret_keys.isin(set(key_str[sales]))
        assign(pd.Series(work.index.isin(ret_keys.index[~matched]), index=work.index), "return_unmatched",
               work["order_id"].astype("string"))
        # what is owed back per line key, allocated to that key's sale lines in file order
        owed = (-amount_out[ret_keys.index[matched]]).groupby(ret_keys[matched].to_numpy()).sum()
        s_idx = work.index[sales & key_str.isin(owed.index)]
        s_key = key_str[s_idx].to_numpy()
        s_amt = amount_out[s_idx].clip(lower=0)
        before = s_amt.groupby(s_key).cumsum() - s_amt
        take = np.minimum((owed.reindex(s_key).to_numpy() - before.to_numpy()).clip(min=0), s_amt.to_numpy())
        returned_amount[s_idx] = take
        amount_out[s_idx] = amount_out[s_idx] - take
        excess = owed - pd.Series(take, index=s_key).groupby(level=0).sum().reindex(owed.index, fill_value=0)
        detail_text = work["order_id"].astype("string")
        over = ret_keys[matched].map(excess.round(2)).gt(0.005)
        if over.any():
            detail_text = detail_text.copy()
            over_idx = over[over].index
            detail_text[over_idx] = detail_text[over_idx] + " (returned more than sold by " + \
                ret_keys[over_idx].map(excess.round(2)).astype(str) + ")"
        assign(pd.Series(work.index.isin(ret_keys.index[matched]), index=work.index), "return_netted", detail_text)
        full = pd.Series(False, index=work.index)
        full[s_idx] = (take > 0) & (amount_out[s_idx].to_numpy() <= 1e-9)
        assign(full, "fully_returned", returned_amount.round(2).astype(str))

    kept = reason.isna()
    clean = work.loc[kept, [c for c in CANONICAL if c in work.columns] + list(LINEAGE)].copy()
    clean["timestamp"] = ts[kept]
    clean["amount"] = amount_out[kept].round(6)
    clean["status"] = np.where(is_return[kept], "returned", "completed")
    clean["status"] = clean["status"].astype("string")
    clean["returned_amount"] = returned_amount[kept].round(6)
    if "quantity" in clean.columns:
        clean["quantity"] = pd.to_numeric(clean["quantity"], errors="coerce")
    for col in ("customer_id", "order_id", "product", "category", "channel"):
        if col in clean.columns:
            clean[col] = clean[col].astype("string").str.strip()
    clean["flag_extreme"] = flag_extreme_orders(clean, factor=extreme_factor)
    clean = clean.sort_values(["timestamp", "order_id", "source_file", "source_row"], kind="stable")
    clean = clean.reset_index(drop=True)

    quarantine = work.loc[~kept].copy()
    for col in quarantine.columns:
        if col not in LINEAGE:
            quarantine[col] = quarantine[col].astype("string")
    quarantine["reason"] = reason[~kept]
    quarantine["detail"] = detail[~kept]
    quarantine = quarantine.reset_index(drop=True)
    assert len(clean) + len(quarantine) == n  # noqa: S101 - the accounting invariant itself
    return Cleaned(clean, quarantine)


def flag_extreme_orders(clean: pd.DataFrame, factor: float = 5.0, quantile: float = 0.99) -> pd.Series:
    """``True`` on every line of an order whose total exceeds ``factor`` × the ``quantile`` of order totals.

    Order total = sum of ``amount`` over the order's lines (dataset currency). A multiple of a
    high quantile rather than a z-score, because spend is usually multi-modal (accessories at
    tens of yuan, phones at thousands) and log-scale z-scores or Tukey fences then flag nothing;
    the rule is also easy to explain to a reader of the report.
    """
    if clean.empty:
        return pd.Series(False, index=clean.index)
    totals = clean.groupby("order_id", sort=False)["amount"].transform("sum")
    order_totals = clean.groupby("order_id", sort=False)["amount"].sum()
    threshold = factor * float(order_totals.quantile(quantile))
    if threshold <= 0:
        return pd.Series(False, index=clean.index)
    return (totals > threshold).astype(bool)


# --------------------------------------------------------------------------- accounting


def row_accounting(raw: pd.DataFrame, clean: pd.DataFrame, quarantine: pd.DataFrame) -> pd.DataFrame:
    """The row account: rows in, kept, quarantined by reason, and the check.

    One row per line item with columns ``step``, ``step_zh``, ``rows`` and ``share`` of
    rows in. The last line, ``difference``, is rows in − kept − quarantined and must be 0.
    """
    n_in = len(raw)
    rows = [("rows in", "输入行数", n_in), ("kept (clean)", "保留（干净数据）", len(clean))]
    counts = _reason_counts(quarantine)
    for code in REASONS:
        if counts.get(code, 0):
            rows.append((f"quarantined: {code}", f"隔离：{REASONS_ZH[code]}", int(counts[code])))
    rows.append(("quarantined (total)", "隔离合计", len(quarantine)))
    rows.append(("difference (must be 0)", "差额（应为0）", n_in - len(clean) - len(quarantine)))
    table = pd.DataFrame(rows, columns=["step", "step_zh", "rows"])
    table["share"] = (table["rows"] / n_in).round(4) if n_in else 0.0
    return table


def _reason_counts(quarantine: pd.DataFrame | ParquetLog) -> pd.Series:
    """Quarantined rows per reason code (a Series; counted by DuckDB for a large log)."""
    if isinstance(quarantine, ParquetLog):
        table = quarantine.query("SELECT reason, count(*) AS n FROM log GROUP BY ALL")
        return table.set_index("reason")["n"].astype(int)
    return quarantine["reason"].value_counts() if len(quarantine) else pd.Series(dtype=int)


def check_accounting(raw: pd.DataFrame, clean: pd.DataFrame, quarantine: pd.DataFrame) -> None:
    """Raise :class:`AssertionError` unless each input row is in exactly one output table."""
    if isinstance(raw, ParquetLog):
        return check_log_accounting(raw, clean, quarantine)
    ids_in = set(zip(raw["source_file"], raw["source_row"]))
    ids_clean = list(zip(clean["source_file"], clean["source_row"]))
    ids_q = list(zip(quarantine["source_file"], quarantine["source_row"]))
    if len(ids_in) != len(raw):
        raise AssertionError("input rows are not uniquely identified by (source_file, source_row)")
    if len(raw) != len(clean) + len(quarantine):
        raise AssertionError(f"{len(raw)} rows in ≠ {len(clean)} kept + {len(quarantine)} quarantined")
    if set(ids_clean) & set(ids_q):
        raise AssertionError("a row is both kept and quarantined")
    if set(ids_clean) | set(ids_q) != ids_in:
        raise AssertionError("kept ∪ quarantined differs from the input rows")


def quarantine_summary(quarantine: pd.DataFrame) -> pd.DataFrame:
    """Quarantined rows by reason and source file, with the reason's meaning in English and Chinese."""
    if isinstance(quarantine, ParquetLog):
        table = quarantine.query("SELECT reason, source_file, count(*) AS rows FROM log GROUP BY ALL")
        return _reason_table(table)
    if quarantine.empty:
        return pd.DataFrame(columns=["reason", "meaning", "含义", "source_file", "rows"])
    table = (quarantine.groupby(["reason", "source_file"], observed=True).size()
             .rename("rows").reset_index())
    return _reason_table(table)


def _reason_table(table: pd.DataFrame) -> pd.DataFrame:
    if table.empty:
        return pd.DataFrame(columns=["reason", "meaning", "含义", "source_file", "rows"])
    table.insert(1, "meaning", table["reason"].map(REASONS))
    table.insert(2, "含义", table["reason"].map(REASONS_ZH))
    order = {code: i for i, code in enumerate(REASONS)}
    return table.sort_values(["reason", "source_file"], key=lambda s: s.map(order) if s.name == "reason" else s,
                             kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- reporting helpers


def quarantine_examples(quarantine: pd.DataFrame, per_reason: int = 1) -> pd.DataFrame:
    """The first ``per_reason`` quarantined rows of each reason, raw values as read."""
    if isinstance(quarantine, ParquetLog):
        quarantine = quarantine.query(f"SELECT * FROM log QUALIFY row_number() OVER (PARTITION BY reason "
                                      f"ORDER BY source_file, source_row) <= {int(per_reason)}")
    if quarantine.empty:
        return quarantine
    order = {code: i for i, code in enumerate(REASONS)}
    ranked = quarantine.assign(_o=quarantine["reason"].map(order)).sort_values(["_o", "source_file", "source_row"],
                                                                                kind="stable")
    return ranked.groupby("reason", sort=False).head(per_reason).drop(columns="_o").reset_index(drop=True)


def compare_with_planted(quarantine: pd.DataFrame, planted: dict[str, int]) -> pd.DataFrame:
    """Quarantined rows by reason next to the numbers a simulation planted (``manifest.yml``)."""
    found = quarantine["reason"].value_counts()
    reasons = [r for r in REASONS if r in planted or r in found.index]
    table = pd.DataFrame({
        "reason": reasons,
        "含义": [REASONS_ZH[r] for r in reasons],
        "planted": [int(planted.get(r, 0)) for r in reasons],
        "quarantined": [int(found.get(r, 0)) for r in reasons],
    })
    table["match"] = table["planted"] == table["quarantined"]
    return table


def extreme_orders(clean: pd.DataFrame) -> pd.DataFrame:
    """Orders flagged extreme: order id, customer, date, lines, units, total (dataset currency)."""
    if isinstance(clean, ParquetLog):  # flagged lines are few: bring only those back
        clean = clean.query("SELECT * FROM log WHERE flag_extreme")
    flagged = clean[clean["flag_extreme"]]
    if flagged.empty:
        return pd.DataFrame(columns=["order_id", "customer_id", "timestamp", "lines", "units", "total"])
    agg = {"customer_id": ("customer_id", "first"), "timestamp": ("timestamp", "min"),
           "lines": ("amount", "size"), "total": ("amount", "sum")}
    if "quantity" in flagged.columns:
        agg["units"] = ("quantity", "sum")
    table = flagged.groupby("order_id").agg(**agg).reset_index()
    return table.sort_values("total", ascending=False, kind="stable").reset_index(drop=True)


def revenue_by(clean: pd.DataFrame, column: str) -> pd.DataFrame:
    """Customers, orders, lines and net revenue (dataset currency) per value of ``column``."""
    if column not in clean.columns:
        raise DataError("column not in the cleaned table", column=column)
    if isinstance(clean, ParquetLog):
        c = sql_ident(column)
        table = clean.query(f"SELECT {c}, count(DISTINCT customer_id) AS customers, count(DISTINCT order_id) AS "
                            f"orders, count(*) AS lines, sum(amount) AS revenue FROM log GROUP BY ALL")
    else:
        table = clean.groupby(column, observed=True, dropna=False).agg(
            customers=("customer_id", "nunique"), orders=("order_id", "nunique"), lines=("amount", "size"),
            revenue=("amount", "sum")).reset_index()
    table["revenue share"] = (table["revenue"] / table["revenue"].sum()).round(4)
    table["revenue"] = table["revenue"].round(2)
    return table.sort_values("revenue", ascending=False, kind="stable").reset_index(drop=True)


def returned_lines(clean: pd.DataFrame | ParquetLog) -> tuple[int, float]:
    """Sale lines kept at a net amount after a partial return, and the amount returned (currency)."""
    if isinstance(clean, ParquetLog):
        if "returned_amount" not in clean.columns:
            return 0, 0.0
        row = clean.query("SELECT count(*) AS n, coalesce(sum(returned_amount), 0) AS a FROM log "
                          "WHERE returned_amount > 0").iloc[0]
        return int(row["n"]), float(row["a"])
    returned = clean.loc[clean["returned_amount"] > 0]
    return len(returned), float(returned["returned_amount"].sum())


def breakdown_column(clean: pd.DataFrame | ParquetLog) -> str:
    """``"channel"`` when the clean lines record a channel, else ``"source_file"`` (for :func:`revenue_by`)."""
    if "channel" not in clean.columns:
        return "source_file"
    if isinstance(clean, ParquetLog):
        return "channel" if clean.query("SELECT count(channel) AS n FROM log")["n"].iloc[0] else "source_file"
    return "channel" if clean["channel"].notna().any() else "source_file"


def rules_table() -> pd.DataFrame:
    """The cleaning rules in the order they are applied, in English and Chinese."""
    return pd.DataFrame({"order": range(1, len(REASONS) + 1), "reason": list(REASONS),
                         "meaning": list(REASONS.values()), "含义": [REASONS_ZH[r] for r in REASONS]})


def plot_row_accounting(accounting: pd.DataFrame, *, label: str | None = None) -> Figure:
    """Rows in → kept + quarantined by reason, as horizontal bars (from :func:`clean.row_accounting`)."""
    table = accounting[~accounting["step"].str.startswith("difference")].copy()
    table["kind"] = table["step"].map(lambda s: "in" if s == "rows in" else ("kept" if s.startswith("kept")
                                                                                else "quarantined"))
    if i18n.get_language() == "zh":  # the accounting table carries its own Chinese step names
        table["what"] = table["step_zh"].str.replace("隔离：", "", regex=False)
    else:
        table["what"] = table["step"].str.replace("quarantined: ", "", regex=False) + " · " + table[
            "step_zh"].str.replace("隔离：", "", regex=False)
    colors = {"in": "#4C72B0", "kept": "#55A868", "quarantined": "#C44E52"}
    fig, ax = plt.subplots(figsize=(plotting.FIGSIZE[0], 0.6 + 0.38 * len(table)))
    ax.barh(table["what"], table["rows"], color=table["kind"].map(colors))
    for y, value in enumerate(table["rows"]):
        ax.text(value, y, f" {value:,}", va="center", fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("symlog", linthresh=10)
    ax.set_xlabel(tr("rows (行, symmetric log scale)"))
    diff = int(accounting.loc[accounting["step"].str.startswith("difference"), "rows"].iloc[0])
    plotting.set_title(ax, tr("Row accounting 行数核对: in = kept + quarantined (difference {diff})", diff=diff), label)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- large logs (DuckDB)


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
