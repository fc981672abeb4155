"""The cleaning rules (数据清洗规则): :func:`clean_transactions` and :func:`flag_extreme_orders`.

:func:`clean_transactions` takes the canonical table that :mod:`helpers.acquire` produced
(raw values, text as read) and returns ``(clean, quarantine)``:

- ``clean``: parsed, typed lines (``timestamp`` a datetime, ``amount`` a float in the
  dataset's currency, ``status`` one of ``completed`` / ``returned``), with
  ``returned_amount`` (what returns took off the line) and ``flag_extreme`` columns;
- ``quarantine``: every row not kept, with its raw values, a ``reason`` code
  (:data:`~helpers.schema.REASONS`) and a ``detail`` (the offending value).

**Accounting.** Each input row ends in exactly one of the two tables: rows in = rows kept
+ rows quarantined, exactly; ``source_file`` + ``source_row`` identify each row in both
(:mod:`helpers.clean.accounting` tabulates and checks it).

**Rules, applied in this order; a row gets the first reason that applies:**

0. ``malformed_line`` — the raw line did not split into the header's columns (acquisition marks
   it in a ``malformed_line`` column with what is wrong, ``"7 fields where the header has 8"``,
   which becomes the ``detail``); its values are not trusted, so no other rule looks at it.
1. ``duplicate`` — an exact copy of an earlier row of the same file (every source
   column equal); the first copy is kept. The sheets of one workbook are one file
   (``book.xlsx#Year 2009-2010`` and ``book.xlsx#Year 2010-2011``): a line repeated in two sheets
   is a duplicate.
2. ``test_account`` — the customer is a staff test account (listed, or matching
   ``test_id_pattern``).
3. ``missing_customer`` — no customer id (guest orders, blank cells).
4. ``missing_date`` / ``unparseable_date`` — see :func:`~helpers.clean.parse.parse_timestamps`.
5. ``missing_amount`` / ``unparseable_amount`` — see :func:`~helpers.clean.parse.parse_amounts`.
6. ``unknown_status`` — a status that is not in :data:`~helpers.schema.STATUS_VALUES`.
7. ``not_paid`` — an order never paid (status *unpaid*: 等待买家付款, Shopify's pending,
   authorized, expired); ``cancelled`` — cancelled orders never happened for the customer.
8. Returns — a line with status *returned*, or a negative amount (a refund) under a
   *completed* status. With ``returns="net"`` (default) a return is netted into the sale
   line of the same order (and product, when known): the sale's ``amount`` falls by the
   returned amount and the return line goes to quarantine as ``return_netted``. A
   **cancellation order** — an order (customer + order id) none of whose lines is a sale, as the
   ``C…`` invoices of the UCI retail exports — has no sale of its own: each of its lines (when its
   product is known) nets against the same customer's sale lines of the same product dated at or
   before it, the latest first, taking from each what earlier returns left (its ``detail`` names
   the orders it netted into). A sale left at zero or below is quarantined as ``fully_returned``;
   a return with no sale to net against is ``return_unmatched``; a return larger than what is
   left is netted as far as it goes, its ``detail`` saying by how much it exceeds the sales.
   With ``returns="negative"`` return lines are kept as negative lines at their own date
   (``status="returned"``), as accounting systems book them.

**Extreme orders are flagged, not dropped**: an order (all lines of one ``order_id``)
whose total exceeds ``extreme_factor`` (default 5) × the 99th percentile of order totals
gets ``flag_extreme=True`` on its lines; analyses decide what to do with them.

Missing ``status`` (the column or a cell) means *completed*: exports without a status column
list sales.
"""

from __future__ import annotations

import hashlib
from typing import Iterable, NamedTuple

import numpy as np
import pandas as pd

from .. import paths
from ..errors import DataError
from ..largelog import ParquetLog
from ..schema import CANONICAL, DATE_FORMATS, DEFAULT_TEST_ID_PATTERN, LINEAGE
from .large import clean_log
from .parse import normalise_status, parse_amounts, parse_timestamps


#: The column in which acquisition marks a malformed raw line (what is wrong with it; missing for sound lines).
MALFORMED = "malformed_line"
_FILE_OF_SHEET = r"(\.(?:xlsx|xlsm|xls))#.*$"  # "book.xlsx#Year 2010-2011" → "book.xlsx"


class Cleaned(NamedTuple):
    """``(clean, quarantine)``, unpackable like a tuple."""

    clean: pd.DataFrame
    quarantine: pd.DataFrame


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
        that :func:`helpers.store.save_processed` moves into place.
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

    # 0. malformed lines, marked by acquisition
    if MALFORMED in work.columns:
        assign(work[MALFORMED].notna(), "malformed_line", work[MALFORMED].astype("string"))
    source_cols = [c for c in work.columns if c in CANONICAL or c == "source_file"]
    # 1. duplicates: identical in every source column, within one file (the sheets of a workbook are one file)
    same = work[source_cols].astype("string")
    same["source_file"] = same["source_file"].str.replace(_FILE_OF_SHEET, r"\1", regex=True)
    dup = same.duplicated(keep="first")
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
    assign(status == "unpaid", "not_paid", work["status"].astype("string") if "status" in work.columns else None)
    assign(status == "cancelled", "cancelled")
    # 8. returns
    is_return = (status == "returned") | ((status == "completed") & (amount < 0))
    valid = reason.isna()
    amount_out = amount.copy()
    returned_amount = pd.Series(0.0, index=work.index)
    ret_valid = valid & is_return
    amount_out[ret_valid] = -amount[ret_valid].abs()
    if returns == "net" and ret_valid.any():
        netted = _net_returns(work, ts, amount_out, valid, is_return.fillna(False))
        amount_out, returned_amount = netted.amount, netted.returned
        assign(netted.unmatched, "return_unmatched", work["order_id"].astype("string"))
        assign(netted.netted, "return_netted", netted.detail)
        full = valid & ~is_return.fillna(False) & (returned_amount > 0) & (amount_out <= 1e-9)
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

    quarantine = work.loc[~kept].drop(columns=[MALFORMED], errors="ignore")  # its text is the detail
    for col in quarantine.columns:
        if col not in LINEAGE:
            quarantine[col] = quarantine[col].astype("string")
    quarantine["reason"] = reason[~kept]
    quarantine["detail"] = detail[~kept]
    quarantine = quarantine.reset_index(drop=True)
    assert len(clean) + len(quarantine) == n  # noqa: S101 - the accounting invariant itself
    return Cleaned(clean, quarantine)


class _Netted(NamedTuple):
    amount: pd.Series      # line amounts after returns (sale lines reduced, return lines negative)
    returned: pd.Series    # what returns took off each sale line
    detail: pd.Series      # per netted return line: the order(s) it netted into; missing elsewhere
    unmatched: pd.Series   # return lines with no sale line to net against
    netted: pd.Series      # return lines netted (into their order's sales, or a cancellation into earlier sales)


def _keys(work: pd.DataFrame, columns: list[str]) -> pd.Series:
    keys = work[columns].astype("string").fillna("")
    return keys[columns[0]].str.cat([keys[c] for c in columns[1:]], sep="\x1f")


def _net_returns(work: pd.DataFrame, ts: pd.Series, amount_out: pd.Series, valid: pd.Series,
                 is_return: pd.Series) -> _Netted:
    """The returns rule (module docstring, rule 8): returns netted into the sale lines of their order (and
    product), then cancellation orders' lines into the customer's latest earlier sale lines of their product."""
    amount_out = amount_out.copy()
    returned = pd.Series(0.0, index=work.index)
    detail = pd.Series(pd.NA, index=work.index, dtype="string")
    has_product = "product" in work.columns and work["product"].notna().any()
    key_str = _keys(work, ["customer_id", "order_id"] + (["product"] if has_product else []))
    sales = valid & ~is_return
    ret_valid = valid & is_return
    ret_keys = key_str[ret_valid]
    matched = ret_keys.isin(set(key_str[sales]))
    # what is owed back per line key, allocated to that key's sale lines in file order
    owed = (-amount_out[ret_keys.index[matched]]).groupby(ret_keys[matched].to_numpy()).sum()
    s_idx = work.index[sales & key_str.isin(owed.index)]
    s_key = key_str[s_idx].to_numpy()
    s_amt = amount_out[s_idx].clip(lower=0)
    before = s_amt.groupby(s_key).cumsum() - s_amt
    take = np.minimum((owed.reindex(s_key).to_numpy() - before.to_numpy()).clip(min=0), s_amt.to_numpy())
    returned[s_idx] = take
    amount_out[s_idx] = amount_out[s_idx] - take
    excess = owed - pd.Series(take, index=s_key).groupby(level=0).sum().reindex(owed.index, fill_value=0)
    m_idx = ret_keys.index[matched]
    detail[m_idx] = work.loc[m_idx, "order_id"].astype("string")
    over = ret_keys[matched].map(excess.round(2)).gt(0.005)
    if over.any():
        over_idx = over[over].index
        detail[over_idx] = detail[over_idx] + " (returned more than sold by " + \
            ret_keys[over_idx].map(excess.round(2)).astype(str) + ")"
    unmatched = ret_valid & ~work.index.isin(m_idx)
    netted = pd.Series(work.index.isin(m_idx), index=work.index)  # by position: a missing order id is no detail
    if has_product:
        order_key = _keys(work, ["customer_id", "order_id"])
        with_sales = set(order_key[~is_return].tolist())
        own_sale = pd.Series([k in with_sales for k in order_key.tolist()], index=work.index, dtype=bool)
        cancellation = unmatched & ~own_sale & work["product"].notna()
        if cancellation.any():
            _net_cancellations(work, ts, amount_out, returned, detail, sales, cancellation)
            netted |= cancellation & detail.notna()  # a netted cancellation always gets its "C… → …" detail
            unmatched = unmatched & ~netted
    return _Netted(amount_out, returned, detail, pd.Series(unmatched, index=work.index), netted)


def _net_cancellations(work: pd.DataFrame, ts: pd.Series, amount_out: pd.Series, returned: pd.Series,
                       detail: pd.Series, sales: pd.Series, cancellation: pd.Series) -> None:
    """Lines of cancellation orders, in time order, each netted into the same customer's sale lines of the
    same product dated at or before it, latest first (updates ``amount_out``, ``returned``, ``detail``).
    ``work`` has a 0…n-1 index (:func:`clean_transactions` resets it), so labels are positions."""
    product_key = _keys(work, ["customer_id", "product"]).to_numpy()
    when = ts.to_numpy()
    amount, taken = amount_out.to_numpy(dtype=float, copy=True), returned.to_numpy(dtype=float, copy=True)
    order_ids = work["order_id"].astype("string").to_numpy()
    cancel = np.flatnonzero(cancellation.to_numpy())
    wanted = set(product_key[cancel])
    lines: dict[str, list[int]] = {}
    for i in np.flatnonzero(sales.to_numpy() & np.array([k in wanted for k in product_key], dtype=bool)):
        lines.setdefault(product_key[i], []).append(int(i))  # file order
    for k in lines:
        lines[k].sort(key=lambda i: when[i])  # stable: same time keeps file order
    for r in sorted(cancel.tolist(), key=lambda i: (when[i], i)):
        earlier = [i for i in lines.get(product_key[r], []) if when[i] <= when[r]]
        if not earlier:
            continue  # nothing it could have cancelled: return_unmatched
        left, into = -amount[r], []
        for i in reversed(earlier):
            if left <= 1e-9:
                break
            take = min(left, max(amount[i], 0.0))
            if take > 0:
                amount[i] -= take
                taken[i] += take
                left -= take
                into.append(str(order_ids[i]))
        text = f"{order_ids[r]} → {', '.join(dict.fromkeys(into)) or 'nothing left to net'}"
        if left > 0.005:
            text += f" (returned more than sold by {round(left, 2)})"
        detail.iloc[r] = text
    amount_out[:] = amount
    returned[:] = taken


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

