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
from typing import Iterable, NamedTuple

import numpy as np
import pandas as pd

from .acquire import CANONICAL, LINEAGE
from .errors import DataError
from .largelog import ParquetLog, sql_ident

REASONS: dict[str, str] = {
    "duplicate": "exact copy of an earlier row in the same file",
    "test_account": "staff / test account",
    "missing_customer": "no customer id (guest order or blank)",
    "missing_date": "no order date",
    "unparseable_date": "order date could not be read as a date",
    "missing_amount": "no amount",
    "unparseable_amount": "amount could not be read as a number",
    "unknown_status": "order status not recognised",
    "cancelled": "order cancelled",
    "return_netted": "return line netted into its sale line",
    "fully_returned": "sale line fully returned (net amount ≤ 0)",
    "return_unmatched": "return with no sale line to net against",
}
REASONS_ZH: dict[str, str] = {
    "duplicate": "重复行", "test_account": "内部测试账号", "missing_customer": "缺少客户ID（游客订单）",
    "missing_date": "缺少日期", "unparseable_date": "日期无法解析", "missing_amount": "缺少金额",
    "unparseable_amount": "金额无法解析", "unknown_status": "未知订单状态", "cancelled": "已取消订单",
    "return_netted": "退货已冲抵", "fully_returned": "全额退货", "return_unmatched": "无对应销售的退货",
}

#: Status words understood (after lower-casing and NFKC normalisation), by canonical status.
STATUS_VALUES: dict[str, set[str]] = {
    "completed": {"completed", "complete", "paid", "success", "successful", "delivered", "shipped", "done",
                  "ok", "normal", "sale", "已完成", "完成", "交易成功", "成功", "已签收", "已发货", "已付款",
                  "已支付", "正常", "已收货"},
    "cancelled": {"cancelled", "canceled", "cancel", "void", "voided", "closed", "已取消", "取消", "交易关闭",
                  "已关闭", "关闭", "作废"},
    "returned": {"returned", "return", "refunded", "refund", "退货", "已退货", "退款", "已退款", "退货退款",
                 "退货成功"},
}
_STATUS_LOOKUP = {word: status for status, words in STATUS_VALUES.items() for word in words}

DEFAULT_TEST_ID_PATTERN = r"(?i)^(?:test|qa|staff|demo)[-_ ]?\d*|^测试|^内部"

DATE_FORMATS: tuple[str, ...] = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d",
    "%Y.%m.%d %H:%M:%S", "%Y.%m.%d %H:%M", "%Y.%m.%d",
    "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日 %H:%M", "%Y年%m月%d日", "%Y年%m月%d日%H:%M",
    "%Y%m%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%d %H:%M:%S.%f",
)
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
        return text.map(_STATUS_LOOKUP).where(v.notna(), "completed").astype("string")

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
        by :func:`helpers.largelog.clean_log` (same reason codes, in SQL) to a staging folder
        that :func:`save_processed` moves into place.
    """
    if isinstance(df, ParquetLog):
        from .largelog import clean_log
        from .paths import PROCESSED

        staging = PROCESSED / "_staging" / hashlib.sha1(f"{df.path}:{df.rows}".encode()).hexdigest()[:12]
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
        from .largelog import check_accounting as check_log

        return check_log(raw, clean, quarantine)
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


def save_processed(dataset: str, clean: pd.DataFrame, quarantine: pd.DataFrame,
                   accounting: pd.DataFrame, metadata: dict | None = None) -> "Path":
    """Write ``data/processed/<dataset>/``: clean and quarantine (Parquet), the row account (CSV)."""
    import json

    from .paths import ensure, processed_dir

    out = ensure(processed_dir(dataset))
    if isinstance(clean, ParquetLog):  # written by clean_log in a staging folder: move it into place
        for log, name in ((clean, "transactions.parquet"), (quarantine, "quarantine.parquet")):
            if log.path != out / name:
                log.path.replace(out / name)
                log.path = out / name
        metadata = {**(metadata or {}), "large": True}
    else:
        clean.to_parquet(out / "transactions.parquet", index=False)
        quarantine.to_parquet(out / "quarantine.parquet", index=False)
    accounting.to_csv(out / "row_accounting.csv", index=False, encoding="utf-8")
    if metadata is not None:
        (out / "metadata.json").write_text(json.dumps(metadata, ensure_ascii=False, indent=2), encoding="utf-8")
    return out


def load_processed(dataset: str) -> tuple[pd.DataFrame, dict]:
    """Clean transactions of a dataset and its metadata; a clear error if notebook 02 has not run."""
    import json

    from .paths import processed_dir

    folder = processed_dir(dataset)
    path = folder / "transactions.parquet"
    if not path.exists():
        raise DataError(f"dataset {dataset!r} has not been cleaned yet", file=path,
                        hint="run notebooks/02_cleaning.ipynb with the same dataset parameter first")
    meta_path = folder / "metadata.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
    if meta.get("large"):  # stays on disk: scanned by DuckDB in notebooks 03-04
        return ParquetLog.open(path), meta
    return pd.read_parquet(path), meta


def weekly_totals(clean: pd.DataFrame | ParquetLog, value_col: str | None = None) -> pd.Series:
    """Clean lines (or the sum of ``value_col``) per week starting Monday, for :func:`plotting.plot_weekly`."""
    from . import largelog
    from .plotting import weekly_totals as weekly

    if isinstance(clean, ParquetLog):
        return largelog.weekly_totals(clean, value_col)
    return weekly(clean["timestamp"], None if value_col is None else clean[value_col])


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
