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

**One definition, run in DuckDB on both paths.** The rules are SQL statements
(:func:`helpers.clean.statements.clean_views`; the value rules and the netting are the pandas functions named
above, run on the distinct raw values and on the lines of customers with a return). A DataFrame is handed to
DuckDB as an Arrow table (:func:`helpers.clean.frame.clean_frame`), a large log
(:class:`~helpers.largelog.ParquetLog`) is cleaned in place by :func:`~helpers.clean.large.clean_log`, and
Spark runs the same statements transpiled (``tests/test_clean_parity.py``, ``tests/test_spark_chain.py``).
The test-account pattern is run by DuckDB's RE2 (no look-arounds; a pattern it cannot run is refused).

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
from ..engines import connect, spark_of
from ..errors import DataError
from ..largelog import ParquetLog
from ..schema import DATE_FORMATS, DEFAULT_TEST_ID_PATTERN, LINEAGE
from .frame import clean_frame
from .large import clean_log
from .statements import EXTREME_FLAG, extreme_totals_sql


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
        (:mod:`helpers.clean.spark`). A DataFrame is cleaned in DuckDB whatever the engine
        (:func:`helpers.clean.frame.clean_frame`: the same statements, on the table in memory).

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
    return Cleaned(*clean_frame(df, test_accounts=test_accounts, test_id_pattern=test_id_pattern, returns=returns,
                                extreme_factor=extreme_factor, date_formats=date_formats, currency=currency))


def flag_extreme_orders(clean: pd.DataFrame, factor: float = 5.0, quantile: float = 0.99) -> pd.Series:
    """``True`` on every line of an order whose total exceeds ``factor`` × the ``quantile`` of order totals.

    Order total = sum of ``amount`` over the order's lines (dataset currency). A multiple of a
    high quantile rather than a z-score, because spend is usually multi-modal (accessories at
    tens of yuan, phones at thousands) and log-scale z-scores or Tukey fences then flag nothing;
    the rule is also easy to explain to a reader of the report. Run by the statements the cleaning
    runs (:func:`helpers.clean.statements.extreme_totals_sql`, :data:`~helpers.clean.statements.EXTREME_FLAG`),
    so a table flagged here and a cleaned table agree; orders are told apart as pandas tells their ids apart
    (a line without an order id is in none).
    """
    if clean.empty:
        return pd.Series(False, index=clean.index)
    codes, _ = pd.factorize(clean["order_id"])  # -1: no order id
    order = pd.array(codes, dtype="Int64")
    order[codes < 0] = pd.NA
    lines = pd.DataFrame({"_order": order, "_amount": clean["amount"].to_numpy(dtype="float64", na_value=np.nan),
                          "_pos": np.arange(len(clean))})
    con = connect()
    try:
        con.register("lines", lines)
        flags = con.execute(f"WITH {extreme_totals_sql('lines', '_order', '_amount', 'TRUE', factor, quantile)} "
                            f"SELECT {EXTREME_FLAG} AS flag FROM lines LEFT JOIN totals ON totals._o = lines._order "
                            "CROSS JOIN th ORDER BY _pos").fetchnumpy()["flag"]
    finally:
        con.close()
    return pd.Series(np.asarray(flags, dtype=bool), index=clean.index)

