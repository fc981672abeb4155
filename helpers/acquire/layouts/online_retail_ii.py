"""The UCI "Online Retail II" export (Chen 2019; UCI Machine Learning Repository, dataset 502).

As distributed, ``online_retail_II.xlsx``: one sheet per year, ``Year 2009-2010`` and ``Year 2010-2011``,
each with the header ``Invoice, StockCode, Description, Quantity, InvoiceDate, Price, Customer ID,
Country`` (the same retailer as :mod:`.uci_online_retail`, 2009-12-01 to 2011-12-09, pounds sterling).
The Excel reader reads every sheet of such a workbook (:mod:`helpers.acquire.formats.excel`), each row's
lineage naming its sheet (``online_retail_II.xlsx#Year 2010-2011``); lines that appear in both sheets (the
sheets overlap in the first days of December 2010) are exact copies, which cleaning quarantines as
``duplicate`` across the sheets of one workbook. The lines are read as the UCI "Online Retail" lines
(:func:`.uci_online_retail.convert_invoice_lines`): ``amount`` = ``Quantity × Price``, ``C`` invoices are
cancellations, lines without ``Customer ID`` are guests.

The generic reader would take ``Price`` (a unit price) for the amount: this layout is why it does not.
"""

from __future__ import annotations

import pandas as pd

from .base import Converted, Layout
from .uci_online_retail import convert_invoice_lines


def _convert(text: pd.DataFrame, lineage: pd.DataFrame, key: bytes | None) -> Converted:
    return convert_invoice_lines(text, lineage, invoice="Invoice", price="Price", customer="Customer ID")


LAYOUT = Layout(
    name="online_retail_ii",
    title='UCI "Online Retail II"',
    header=("Invoice", "StockCode", "Quantity", "InvoiceDate", "Price", "Customer ID"),
    columns={"customer_id": "Customer ID", "order_id": "Invoice", "timestamp": "InvoiceDate",
             "amount": "Quantity × Price", "quantity": "Quantity", "product": "StockCode",
             "status": "Invoice starting with C → returned"},
    convert=_convert,
    customer_key="`Customer ID` (a number; `13085.0` read as `13085`)",
    amount="`Quantity × Price` per line (£, exact decimal); `Price` alone is a unit price, never the amount",
    not_purchase="as Online Retail; lines in both yearly sheets: quarantined `duplicate`",
    personal="none in the file; `Description`, `Country` not carried",
)
