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

**Rules, in the order of** :data:`~helpers.schema.REASONS` **; a row gets the first reason that applies:**

0. Rows acquisition marked as not orders (:data:`~helpers.schema.ACQUISITION_MARKS`: a column named
   by the reason, holding what is wrong, which becomes the ``detail``): ``malformed_line`` (the raw
   line did not split into the header's columns, ``"7 fields where the header has 8"``),
   ``repeated_header`` (a copy of the header inside the data) and ``summary_row`` (a totals row,
   合计); their values are not trusted, so no other rule looks at them.
1. ``duplicate`` — an exact copy of an earlier row of the same file (every canonical column
   present equal, as text, the generated ``order_id`` included); the first copy (file order) is kept.
   The sheets of one workbook are one file (``book.xlsx#Year 2009-2010`` and
   ``book.xlsx#Year 2010-2011``): a line repeated in two sheets is a duplicate.
2. ``test_account`` — the customer is a staff test account (listed, or matching
   ``test_id_pattern``; detail: the id).
3. ``missing_customer`` — no customer id (guest orders, blank cells).
4. Value rules, one definition for both paths (:func:`~helpers.clean.parse.value_checks`):
   ``missing_date`` / ``unparseable_date`` / ``implausible_date`` (a placeholder such as ``9999-12-31``,
   outside :data:`~helpers.schema.PLAUSIBLE_DATES`; :func:`~helpers.clean.parse.check_timestamps`),
   ``missing_amount`` / ``unparseable_amount`` (an ambiguous ``1.299`` too) / ``implausible_amount`` (``1e308``,
   beyond :data:`~helpers.schema.AMOUNT_LIMIT`) / ``currency_mismatch`` (``$199.00`` in a CNY dataset;
   :func:`~helpers.clean.parse.check_amounts`),
   ``unknown_status``, ``not_paid`` (status *unpaid*: 等待买家付款, Shopify's pending, authorized,
   expired) and ``cancelled`` (:func:`~helpers.clean.parse.check_statuses`); detail: the offending raw value.
5. Returns — a line with status *returned*, or a negative amount (a refund) under a
   *completed* status. With ``returns="net"`` (default) a return is netted into the sale
   line of the same order (and product, when known) by :func:`~helpers.clean.returns.net_returns`:
   the sale's ``amount`` falls by the
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

A large log (:class:`~helpers.largelog.ParquetLog`) is cleaned by :func:`~helpers.clean.large.clean_log`
with the same definition: the value rules and the netting run these same functions, the row rules
are SQL with the same codes, details and order (``tests/test_clean_parity.py`` proves both equal).

**Extreme orders are flagged, not dropped**: an order (all lines of one ``order_id``)
whose total exceeds ``extreme_factor`` (default 5) × the 99th percentile of order totals
gets ``flag_extreme=True`` on its lines; analyses decide what to do with them.

Missing ``status`` (the column or a cell) means *completed*: exports without a status column
list sales.
"""

from __future__ import annotations

import hashlib
from typing import Any, Iterable, NamedTuple

import numpy as np
import pandas as pd

from .. import paths
from ..engines import spark_of
from ..errors import DataError
from ..largelog import ParquetLog
from ..schema import ACQUISITION_MARKS, CANONICAL, DATE_FORMATS, DEFAULT_TEST_ID_PATTERN, LINEAGE, SHEET_SUFFIX
from .large import TEXT_COLUMNS, clean_log
from .parse import DISTINCT_MIN_ROWS, MixedCurrencies, check_distinct, first_reason, mixed_currencies, parse_quantities, value_checks
from .returns import key_columns, net_returns


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
    currency: str | None = None,
    engine: Any = "duckdb",
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
    currency
        The dataset's currency (ISO 4217, e.g. ``"CNY"``; :attr:`helpers.acquire.Acquired.currency`): an amount
        marked in another currency (``$199.00`` in a CNY export) is quarantined as ``currency_mismatch``. Without
        it, amounts marked in more than one currency raise :class:`~helpers.clean.parse.MixedCurrencies`
        naming the file and row (:func:`~helpers.clean.parse.check_amounts`).
    engine
        Where a large log is cleaned: ``"duckdb"`` (default), ``"spark"`` (a local
        :func:`helpers.engines.spark_session`) or a SparkSession; the same statements either way
        (:mod:`helpers.clean.spark`). A DataFrame is cleaned in pandas whatever the engine.

    Returns
    -------
    Cleaned
        ``clean`` (typed; ``amount`` in the dataset's currency) and ``quarantine`` (raw values
        plus ``reason`` and ``detail``). ``len(clean) + len(quarantine) == len(df)``.
        For a large log (a :class:`~helpers.largelog.ParquetLog`) both are ParquetLogs written
        by :func:`clean_log` (the same definition: same kept lines, reasons and details) to a
        staging folder that :func:`helpers.store.save_processed` moves into place.
    """
    if isinstance(df, ParquetLog):
        staging = paths.PROCESSED / "_staging" / hashlib.sha1(f"{df.path}:{df.rows}".encode()).hexdigest()[:12]
        result = clean_log(df, staging, test_accounts=test_accounts, test_id_pattern=test_id_pattern,
                           returns=returns, extreme_factor=extreme_factor, date_formats=date_formats,
                           currency=currency, spark=spark_of(engine))
        return Cleaned(result.clean, result.quarantine)
    if returns not in ("net", "negative"):
        raise ValueError("returns must be 'net' or 'negative'")
    _require(df)
    work = df.reset_index(drop=True).copy()
    n = len(work)
    # value-level rules: one definition (helpers.clean.parse), shared with the large path
    try:
        checks = {col: check_distinct(check, work[col]) for col, check in value_checks(date_formats, currency).items()
                  if col in work.columns}
    except MixedCurrencies as exc:  # name the first row, in file order, whose amount agrees with none before it
        order = work.loc[exc.marked.index].sort_values(list(LINEAGE), kind="stable").index
        first = mixed_currencies(exc.marked[order], exc.raw)
        raise DataError(first.problem, file=work.at[first.at, "source_file"], column="amount",
                        row=int(work.at[first.at, "source_row"]), hint=first.hint) from None
    quantity = parse_quantities(work["quantity"]) if "quantity" in work.columns else None
    # row-level rules (the large path has them in SQL, helpers.clean.large)
    cid = work["customer_id"].astype("string").str.strip()
    is_test = cid.isin(set(map(str, test_accounts)))
    if test_id_pattern:
        is_test |= cid.str.contains(test_id_pattern, regex=True, na=False)
    marks = [m for m in ACQUISITION_MARKS if m in work.columns]  # rows acquisition found are not orders
    rules = [(work[m].notna(), m, work[m].astype("string")) for m in marks]
    rules += [(duplicate_rows(work), "duplicate", "copy of an earlier row"),
             (is_test.fillna(False), "test_account", cid),
             (cid.isna() | (cid == ""), "missing_customer", None)]
    for checked in checks.values():
        rules += [(checked.reason == code, code, checked.detail) for code in checked.reason.dropna().unique()]
    reason, detail = first_reason(work.index, rules)  # in the order of helpers.schema.REASONS
    ts, amount = checks["timestamp"].value, checks["amount"].value
    status = checks["status"].value if "status" in checks else pd.Series("completed", index=work.index,
                                                                         dtype="string")
    # returns (the last rules of REASONS): negative lines, or netted into their sale lines
    is_return = ((status == "returned") | ((status == "completed") & (amount < 0))).fillna(False).astype(bool)
    valid = reason.isna()
    amount_out = amount.where(~(valid & is_return), -amount.abs())
    returned_amount = pd.Series(0.0, index=work.index)
    if returns == "net" and (valid & is_return).any():
        key = key_columns(work.columns, "product" in work.columns and bool(work["product"].notna().any()))
        lines = work[list(dict.fromkeys([*key, "order_id", *LINEAGE]))].assign(
            timestamp=ts, amount=amount_out, is_return=is_return, valid=valid)
        netted = net_returns(lines, key)[valid]
        amount_out[netted.index] = netted["amount"]
        returned_amount[netted.index] = netted["returned_amount"]
        reason[netted.index], detail[netted.index] = netted["reason"], netted["detail"]

    kept = reason.isna()
    # the kept lines in time order, taken once: the order and the extreme flags come from the few columns they need
    keep = np.flatnonzero(kept.to_numpy(dtype=bool))
    order_ids = work["order_id"].iloc[keep].astype("string").str.strip().reset_index(drop=True)
    amounts = amount_out.iloc[keep].round(6).reset_index(drop=True)
    flags = flag_extreme_orders(pd.DataFrame({"order_id": order_ids, "amount": amounts}), factor=extreme_factor)
    order = time_order(pd.DataFrame({"timestamp": ts.iloc[keep].reset_index(drop=True), "order_id": order_ids,
                                     **{c: work[c].iloc[keep].reset_index(drop=True) for c in LINEAGE}}))
    at = keep[order]

    def pick(values: pd.Series) -> pd.Series:
        return values.iloc[at].reset_index(drop=True)

    clean = work[[c for c in CANONICAL if c in work.columns] + list(LINEAGE)].take(at).reset_index(drop=True)
    clean["timestamp"] = pick(ts)
    clean["amount"] = amounts.iloc[order].reset_index(drop=True)
    clean["status"] = np.where(is_return.to_numpy(dtype=bool)[at], "returned", "completed")
    clean["status"] = clean["status"].astype("string")
    clean["returned_amount"] = pick(returned_amount).round(6)
    if quantity is not None:
        clean["quantity"] = pick(quantity)
    for col in TEXT_COLUMNS:
        if col in clean.columns:
            clean[col] = clean[col].astype("string").str.strip()
    clean["flag_extreme"] = flags.to_numpy()[order]

    quarantine = work.loc[~kept].drop(columns=marks)  # a mark's text is the row's detail
    for col in quarantine.columns:
        if col not in LINEAGE:
            quarantine[col] = quarantine[col].astype("string")
    quarantine["reason"] = reason[~kept]
    quarantine["detail"] = detail[~kept]
    quarantine = quarantine.reset_index(drop=True)
    assert len(clean) + len(quarantine) == n  # noqa: S101 - the accounting invariant itself
    return Cleaned(clean, quarantine)


def time_order(clean: pd.DataFrame) -> np.ndarray:
    """Positions of the kept lines in the order they are stored: by ``timestamp``, ``order_id``, ``source_file``,
    ``source_row`` (a missing order id last), stably — ``sort_values(..., kind="stable")``'s order, computed as
    pandas computes it (:func:`numpy.lexsort` over each key's rank) but from the times and row numbers themselves
    and one ranking of the order ids."""
    keys = []
    for column in ("timestamp", "order_id", "source_file", "source_row"):
        values = clean[column]
        if column == "source_file" and one_file(values):
            continue  # one file: no order to keep
        if column in ("timestamp", "source_row") and not values.isna().any():
            keys.append(values.to_numpy().view("int64") if column == "timestamp" else values.to_numpy())
            continue
        codes, uniques = pd.factorize(values, sort=True, use_na_sentinel=True)
        keys.append(np.where(codes < 0, len(uniques), codes))  # missing last
    return np.lexsort(keys[::-1])


def one_file(files: pd.Series) -> bool:
    """Whether every row comes from one and the same file (no missing file name)."""
    return bool(len(files) and files.notna().all() and files.eq(files.iloc[0]).all())


def duplicate_rows(work: pd.DataFrame) -> pd.Series:
    """``True`` on each exact copy of an earlier row (file order) of the same file: every canonical
    column present equal, as text (missing equals missing); the first copy is not marked. The sheets
    of a workbook are one file (:data:`~helpers.schema.SHEET_SUFFIX`)."""
    cols = [c for c in work.columns if c in CANONICAL or c == "source_file"]
    files = work["source_file"]
    in_order = bool(one_file(files) and work["source_row"].is_monotonic_increasing) if len(work) else True
    ordered = work if in_order else work.sort_values(list(LINEAGE), kind="stable")  # one file read in order: as is
    same = ordered[cols].astype("string")
    same["source_file"] = same["source_file"].str.replace(SHEET_SUFFIX, r"\1", regex=True)
    few = [c for c in ("order_id", "amount") if c in same.columns]
    if few and len(same) > DISTINCT_MIN_ROWS:  # only rows equal on these two can be copies: the full test on those
        maybe = same.duplicated(subset=few, keep=False).to_numpy()
        found = pd.Series(False, index=same.index)
        found[maybe] = same[maybe].duplicated(keep="first").to_numpy()
        return found.reindex(work.index)
    return same.duplicated(keep="first").reindex(work.index)


def flag_extreme_orders(clean: pd.DataFrame, factor: float = 5.0, quantile: float = 0.99) -> pd.Series:
    """``True`` on every line of an order whose total exceeds ``factor`` × the ``quantile`` of order totals.

    Order total = sum of ``amount`` over the order's lines (dataset currency). A multiple of a
    high quantile rather than a z-score, because spend is usually multi-modal (accessories at
    tens of yuan, phones at thousands) and log-scale z-scores or Tukey fences then flag nothing;
    the rule is also easy to explain to a reader of the report.
    """
    if clean.empty:
        return pd.Series(False, index=clean.index)
    codes, _ = pd.factorize(clean["order_id"])  # grouped once, by number; a line without an order id is in none
    has = codes >= 0
    amount = clean["amount"][has]
    totals = amount.groupby(codes[has], sort=False).transform("sum")
    order_totals = amount.groupby(codes[has], sort=False).sum()
    threshold = factor * float(order_totals.quantile(quantile))
    flags = pd.Series(False, index=clean.index)
    if threshold <= 0:
        return flags
    flags[has] = (totals > threshold).to_numpy()
    return flags

