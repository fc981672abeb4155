"""The export-layout registry: the known exports :func:`helpers.acquire.read_transactions` reads with no column map.

:data:`LAYOUTS` maps a layout's name to its :class:`Layout` (:mod:`.base`): how it is recognised (its
header), how its rows become canonical rows (amounts, statuses, customer key, lineage), what stays
behind (personal data). :func:`detect_layout` finds the one a raw table's header belongs to; the reader
applies it whenever no ``columns=`` map is given (with a map, the generic reader maps the columns as
asked). A layout works on what a file format's reader returned (:mod:`helpers.acquire.formats`), so the
same layout reads a CSV copy and the workbook. One module per layout:

- :mod:`~helpers.acquire.layouts.uci_online_retail`: UCI "Online Retail" (InvoiceNo, UnitPrice, CustomerID);
- :mod:`~helpers.acquire.layouts.online_retail_ii`: UCI "Online Retail II" (Invoice, Price, Customer ID; one
  sheet per year, read whole);
- :mod:`~helpers.acquire.layouts.taobao`: the Taobao / Tmall seller order report (GB18030, ``="…"`` ids);
- :mod:`~helpers.acquire.layouts.shopify`: the Shopify orders export (one row per line item, folded into
  one row per order).

Adding a layout is one module defining ``LAYOUT = Layout(...)``, one entry here, and a sample export
written by ``tests/data/layouts/make_samples.py`` with its expected per-customer totals and row account
(``tests/test_layouts.py`` reads every entry's samples).
"""

from __future__ import annotations

from typing import Iterable

from . import online_retail_ii, shopify, taobao, uci_online_retail
from .base import LINEAGE_COLUMNS, Converted, Layout

#: Export layouts by name, in the order :func:`detect_layout` tries them.
LAYOUTS: dict[str, Layout] = {
    layout.name: layout
    for layout in (uci_online_retail.LAYOUT, online_retail_ii.LAYOUT, taobao.LAYOUT, shopify.LAYOUT)
}


def detect_layout(columns: Iterable[str]) -> Layout | None:
    """The layout whose header these columns carry (the first in :data:`LAYOUTS` order), or ``None``."""
    columns = list(columns)
    return next((layout for layout in LAYOUTS.values() if layout.matches(columns)), None)


__all__ = ["LAYOUTS", "LINEAGE_COLUMNS", "Converted", "Layout", "detect_layout"]
