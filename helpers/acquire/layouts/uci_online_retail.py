"""The UCI "Online Retail" export (Chen, Sain & Guo 2012; UCI Machine Learning Repository, dataset 352).

As published, ``Online Retail.xlsx`` (and the CSV copies made from it): one row per invoice line,
``InvoiceNo, StockCode, Description, Quantity, InvoiceDate, UnitPrice, CustomerID, Country``, 2010-12-01
to 2011-12-09, a UK online gift-ware retailer, prices in pounds sterling. In the CSV copies the date is
month-first text (``12/1/2010 8:26``); in the workbook an Excel date cell. ``CustomerID`` is a number
(``17850.0`` in the workbook, ``17850`` or ``17850.0`` in CSV copies), blank for guests.

Read as (:func:`convert_invoice_lines`, shared with :mod:`.online_retail_ii`):

- ``order_id`` = the invoice number; ``product`` = ``StockCode`` (the key a cancellation shares with what
  it cancels); ``quantity`` = ``Quantity``; ``customer_id`` = ``CustomerID`` with a trailing ``.0``
  removed, so the workbook and its CSV copies give the same ids;
- ``amount`` = ``Quantity × UnitPrice`` per line, computed exactly in decimal (pounds sterling);
- ``timestamp`` = ``InvoiceDate``, month-first text rewritten as ISO (Excel date cells are ISO already);
- an invoice number starting with ``C`` is a **cancellation**: its lines get ``status`` ``returned`` (never
  purchases) and cleaning nets each against what it cancels, the same customer's latest earlier sale line
  of the same ``StockCode`` (:func:`helpers.clean.clean_transactions`, returns rule); other lines are
  ``completed``;
- a line without ``CustomerID`` is a **guest** purchase: its customer stays empty, and cleaning quarantines
  it as ``missing_customer`` (guests are never merged into one made-up customer);
- ``Description`` and ``Country`` are not carried (nor needed: the data holds no personal data).
"""

from __future__ import annotations

import pandas as pd

from .base import Converted, Layout, decimal_product, keep_lineage, month_first_times, text_of


def convert_invoice_lines(text: pd.DataFrame, lineage: pd.DataFrame, *, invoice: str, price: str, customer: str) -> Converted:
    """Invoice lines of the UCI retail exports in the canonical schema (module docstring); ``invoice``,
    ``price`` and ``customer`` name the export's columns."""
    order = text_of(text, invoice)
    cancelled = order.str.upper().str.startswith("C").fillna(False)
    customers = text_of(text, customer).str.replace(r"^(\d+)\.0+$", r"\1", regex=True)
    out = pd.DataFrame({
        "customer_id": customers,
        "order_id": order,
        "timestamp": month_first_times(text_of(text, "InvoiceDate")),
        "amount": decimal_product(text_of(text, "Quantity"), text_of(text, price)),
        "quantity": text_of(text, "Quantity"),
        "product": text_of(text, "StockCode"),
        "status": pd.Series(["returned" if c else "completed" for c in cancelled], index=text.index,
                            dtype="string"),
    })
    guests = int(customers.isna().sum())
    notes = [
        f"amount = Quantity × {price} (pounds sterling, exact decimal); order_id = {invoice}; product = StockCode; "
        f"InvoiceDate read month-first (M/D/YYYY H:MM) where written as text; Description and Country not carried",
        f"{int(cancelled.sum())} line(s) of cancellation invoices ({invoice} starting with C) marked 'returned': "
        f"cleaning nets each against the customer's latest earlier purchase of the same StockCode",
        f"{guests} line(s) without {customer} (guest purchases) left without a customer: cleaning quarantines "
        f"them as missing_customer",
    ]
    return Converted(keep_lineage(out, lineage), notes)


def _convert(text: pd.DataFrame, lineage: pd.DataFrame, key: bytes | None) -> Converted:
    return convert_invoice_lines(text, lineage, invoice="InvoiceNo", price="UnitPrice", customer="CustomerID")


LAYOUT = Layout(
    name="uci_online_retail",
    title='UCI "Online Retail"',
    header=("InvoiceNo", "StockCode", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID"),
    columns={"customer_id": "CustomerID", "order_id": "InvoiceNo", "timestamp": "InvoiceDate",
             "amount": "Quantity × UnitPrice", "quantity": "Quantity", "product": "StockCode",
             "status": "InvoiceNo starting with C → returned"},
    convert=_convert,
    customer_key="`CustomerID` (a number; `17850.0` read as `17850`)",
    amount="`Quantity × UnitPrice` per line (£, exact decimal)",
    not_purchase="cancellation invoices (`C…`): netted against the customer's latest earlier purchase of the "
                 "same `StockCode`; guest lines (no `CustomerID`): quarantined `missing_customer`",
    personal="none in the file; `Description`, `Country` not carried",
)
