"""The Shopify orders export (Shopify admin → Orders → Export → CSV).

One row per **line item**: ``Name`` (``#1001``), ``Email``, ``Financial Status``, ``Paid at``, ``Fulfillment
Status``, …, ``Currency``, ``Subtotal``, ``Shipping``, ``Taxes``, ``Total``, ``Discount Amount``, …, ``Created
at``, ``Lineitem quantity``, ``Lineitem name``, ``Lineitem price``, ``Lineitem sku``, …, billing and shipping
names, addresses and phones, …, ``Cancelled at``, …, ``Refunded Amount``, …; the order-level fields
(statuses, money, addresses) are written on an order's **first** row only, the other rows of the order
repeat ``Name``, ``Email`` and ``Created at`` next to their line item. Times carry the shop's UTC offset
(``2024-03-01 14:05:33 +0100``).

**One canonical row per order**, not per line item: what the customer paid (``Total``: line items after
discounts, plus shipping and taxes) and what was refunded exist only per order, and a line item's price
is a list price that neither adds up to the total nor knows its share of shipping, tax or discounts.
Summing ``Total`` over line-item rows would count an order once per item; so each order is one row, its
lineage the order's first row (``source_row``), ``amount`` = ``Total`` (once), ``quantity`` = the sum of
``Lineitem quantity``, ``product`` = the ``Lineitem name``\\ s joined with ``" | "``. The provenance notes
how many line-item rows were folded into how many orders. An order whose rows disagree on ``Total`` is a
:class:`~helpers.errors.DataError` naming the rows; a malformed line marks its whole order.

- ``customer_id`` = ``Email``, replaced at once by its keyed pseudonym (kind ``email``); an order without
  an e-mail is left without a customer (cleaning: ``missing_customer``);
- ``timestamp`` = ``Paid at``, else ``Created at``, in the shop's local time as exported (the UTC offset is
  dropped: all times of one export are the shop's time zone);
- ``Financial Status``: ``paid``, ``partially_refunded`` and ``refunded`` orders are purchases (completed);
  ``pending``, ``authorized`` and ``expired`` are ``unpaid`` (cleaning: ``not_paid``); ``voided`` is
  ``cancelled``; an order with a ``Cancelled at`` time is ``cancelled`` whatever its payment;
  any other word (``partially_paid``) reaches cleaning as written and is quarantined ``unknown_status``;
- **refunds**: a purchase with a ``Refunded Amount`` (or status ``refunded``, whose refund is then the
  ``Total``) gets a second canonical row, the refund (``status`` ``refunded``, same customer, order and
  product, the order's time; lineage ``<file>#Refunded Amount`` and the order's row), which cleaning nets
  into the order: the order keeps ``Total − Refunded Amount`` (``returned_amount`` says how much), a full
  refund quarantines the order as ``fully_returned`` and the refund row as ``return_netted``;
- one currency per file (``Currency``, recorded in the provenance); a file mixing currencies is refused;
- billing and shipping names, streets, cities, phones, ``Notes`` and every other column never leave
  acquisition (not carried).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd

from ...errors import DataError
from ...privacy import pseudonymise
from ...schema import MALFORMED
from .base import LINEAGE_COLUMNS, Converted, Layout, text_of

#: Financial statuses of orders that were paid (refunds, if any, are netted by cleaning).
PAID = ("paid", "partially_refunded", "refunded")
_OFFSET = r"^(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2})?)\s*(?:[+-]\d{2}:?\d{2}|Z|UTC)$"


def _column(text: pd.DataFrame, name: str) -> pd.Series:
    if name not in text.columns:
        return pd.Series(pd.NA, index=text.index, dtype="string")
    return text_of(text, name)


def _nonzero(value) -> bool:
    """A refund worth a row: any text but a zero amount (unparseable text goes to cleaning to quarantine)."""
    if value is pd.NA or value is None:
        return False
    try:
        return Decimal(str(value)) != 0
    except InvalidOperation:
        return True


def _orders(text: pd.DataFrame, lineage: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """``(order key per row, lead row mask)``: the lead row of an order is its first row with order-level
    fields (``Financial Status`` or ``Total``), or its first row when none has them."""
    name = _column(text, "Name")
    key = name.fillna(pd.Series([f"\x00row {r}" for r in lineage["source_row"]], index=text.index, dtype="string"))
    head = (_column(text, "Financial Status").notna() | _column(text, "Total").notna()).to_numpy()
    head = pd.Series(head, index=text.index)
    first_head = head & (head.astype(int).groupby(key, sort=False).cumsum() == 1)
    has_head = key.map(head.groupby(key, sort=False).any())
    first_row = key.groupby(key, sort=False).cumcount() == 0
    lead = first_head | (first_row & ~has_head.astype(bool))
    totals = _column(text, "Total")
    differing = totals[head].groupby(key[head], sort=False).nunique()
    if (differing > 1).any():
        order = differing[differing > 1].index[0]
        rows = lineage.loc[(key == order) & head, "source_row"].tolist()
        raise DataError(f"order {order} has {int(differing[order])} different Totals (rows {rows})",
                        file=str(lineage["source_file"].iloc[0]), column="Total", row=rows[1],
                        hint="export the orders again; each order's total belongs on its first row only")
    return key, lead


def _convert(text: pd.DataFrame, lineage: pd.DataFrame, key: bytes | None) -> Converted:
    order_key, lead = _orders(text, lineage)
    quantity = pd.to_numeric(_column(text, "Lineitem quantity"), errors="coerce")
    qty = quantity.groupby(order_key, sort=False).agg(lambda s: s.sum() if s.notna().all() else np.nan)
    names = _column(text, "Lineitem name").groupby(order_key, sort=False).agg(lambda s: " | ".join(s.dropna()))
    emails = _column(text, "Email").groupby(order_key, sort=False).first()
    bad = lineage[MALFORMED].astype("string")
    where = ("row " + lineage["source_row"].astype(str) + ": " + bad).where(bad.notna())
    malformed = where.groupby(order_key, sort=False).agg(lambda s: "; ".join(s.dropna()) or pd.NA)

    heads = text.loc[lead]
    keys = order_key[lead]
    fin = _column(heads, "Financial Status").str.lower()
    cancelled = _column(heads, "Cancelled at").notna()
    paid = fin.isin(PAID).fillna(False)
    status = pd.Series(np.where(cancelled, "cancelled", np.where(paid, "completed", fin.fillna("(no Financial Status)"))),
                       index=heads.index, dtype="string")
    when = _column(heads, "Paid at").fillna(_column(heads, "Created at"))
    when = when.str.replace(_OFFSET, r"\1", regex=True)
    customer = pseudonymise(pd.DataFrame({"c": keys.map(emails)}), {"c": "email"}, key=key)["c"].to_numpy()
    product = keys.map(names).replace("", pd.NA).to_numpy()
    sales = pd.DataFrame({
        "customer_id": customer,
        "order_id": _column(heads, "Name").to_numpy(),
        "timestamp": when.to_numpy(),
        "amount": _column(heads, "Total").to_numpy(),
        "quantity": keys.map(qty).map(lambda q: pd.NA if pd.isna(q) else format(Decimal(str(q)).normalize(), "f"))
        .to_numpy(),
        "product": product,
        "status": status.to_numpy(),
        "source_file": lineage.loc[lead, "source_file"].to_numpy(),
        "source_row": lineage.loc[lead, "source_row"].to_numpy(),
        MALFORMED: keys.map(malformed).to_numpy(),
    })
    refunded = _column(heads, "Refunded Amount")
    refund_value = refunded.where(refunded.map(_nonzero).astype(bool))
    refund_value = refund_value.fillna(_column(heads, "Total").where(fin == "refunded"))
    has_refund = ((status == "completed") & refund_value.notna()).to_numpy()
    refunds = sales.loc[has_refund].copy()
    refunds["amount"] = refund_value.to_numpy()[has_refund]
    refunds["quantity"] = pd.NA
    refunds["status"] = "refunded"
    refunds["source_file"] = refunds["source_file"].astype(str) + "#Refunded Amount"
    out = pd.concat([sales.assign(_refund=0), refunds.assign(_refund=1)], ignore_index=True)
    out = out.sort_values(["source_row", "_refund"], kind="stable").drop(columns="_refund").reset_index(drop=True)
    out = out[[c for c in out.columns if c not in LINEAGE_COLUMNS] + list(LINEAGE_COLUMNS)]

    currencies = _column(heads, "Currency").dropna().unique().tolist()
    if len(currencies) > 1:
        raise DataError(f"orders in {len(currencies)} currencies ({', '.join(sorted(currencies))})",
                        file=str(lineage["source_file"].iloc[0]), column="Currency",
                        hint="export one currency at a time (or convert the amounts first): amounts in different "
                             "currencies cannot be added up")
    words = fin.fillna("(blank)").value_counts(sort=False)
    notes = [
        f"{len(text)} line-item rows of {int(lead.sum())} orders: one canonical row per order (lineage: the order's "
        f"first row); amount = Total, counted once per order" + (f", in {currencies[0]}" if currencies else ""),
        "Financial Status: " + ", ".join(f"{w} {n}" for w, n in words.items())
        + f"; {int(cancelled.sum())} order(s) with a Cancelled at time",
        f"{int(has_refund.sum())} refund row(s) (source_file '<file>#Refunded Amount', the order's row) for cleaning "
        f"to net into their orders",
        "customer_id = Email, replaced by its keyed pseudonym (kind 'email'); times in the shop's local time "
        "(UTC offset dropped); billing/shipping names, addresses, phones and notes not carried",
    ]
    return Converted(out, notes)


LAYOUT = Layout(
    name="shopify",
    title="Shopify orders export",
    header=("Name", "Email", "Financial Status", "Total", "Created at", "Lineitem quantity", "Lineitem name"),
    columns={"customer_id": "Email (pseudonymised)", "order_id": "Name", "timestamp": "Paid at or Created at",
             "amount": "Total (once per order) − Refunded Amount", "quantity": "Σ Lineitem quantity",
             "product": "Lineitem names", "status": "Financial Status, Cancelled at"},
    convert=_convert,
    customer_key="`Email`, pseudonymised (kind `email`)",
    amount="`Total` once per order (one row per order, not per line item), `Refunded Amount` netted",
    not_purchase="`pending`/`authorized`/`expired`: `not_paid`; `voided` or `Cancelled at`: `cancelled`; "
                 "`refunded`: `fully_returned`",
    personal="`Email` pseudonymised; billing/shipping names, addresses, phones, notes not carried",
)
