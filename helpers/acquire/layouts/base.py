"""What an entry of the export-layout registry is (:data:`helpers.acquire.layouts.LAYOUTS`).

A file *format* (CSV, Excel, Parquet: :mod:`helpers.acquire.formats`) says how to get a table of raw values
out of a file; an export *layout* says what one system's export means. A :class:`Layout` recognises a raw
table by its header (:meth:`Layout.matches`: every column of :attr:`Layout.header` is there) and turns it
into the canonical schema (:meth:`Layout.convert`), with no column map from the user: which column is the
customer, how an amount is computed, which lines are not purchases, which personal data stays behind.

``convert`` receives the raw table as text (every column through :func:`helpers.acquire.as_text`, missing
cells missing), its lineage (:class:`Lineage`: ``source_file``, ``source_row`` and what is wrong with a
malformed line, one row per raw row) and the pseudonymisation key, and returns a :class:`Converted`:
canonical columns (text, as the generic reader carries them), the lineage columns of the raw row each
output row comes from, and notes for the provenance. Cleaning (:mod:`helpers.clean`) then parses and
judges every row as it does for any export; a layout decides meaning, never quality.

Helpers shared by the layouts: :func:`unwrap_excel_text` (``="2023123456789"`` → ``2023123456789``),
:func:`decimal_product` (exact line amounts), :func:`month_first_times` (``12/1/2010 8:26``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Callable, Iterable

import pandas as pd

from ...schema import LINEAGE, MALFORMED, normalise_header

#: The lineage columns a layout receives for every raw row and returns for every canonical row; the third
#: (``malformed_line``) is what is wrong with a malformed line, missing for a sound one.
LINEAGE_COLUMNS = (*LINEAGE, MALFORMED)


@dataclass
class Converted:
    """What a layout returns: canonical rows (text values plus lineage columns) and provenance notes."""

    frame: pd.DataFrame
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Layout:
    """One entry of the registry.

    ``name`` is the key; ``title`` how messages and the README name the export; ``header`` the columns
    whose presence identifies it (compared as :func:`helpers.schema.normalise_header` compares headers);
    ``columns`` the canonical column map the provenance records (``{"amount": "Quantity × UnitPrice"}``);
    ``convert`` the conversion (module docstring). ``customer_key``, ``amount``, ``not_purchase`` and
    ``personal`` say, for the README table, what the customer key is, how the amount is computed, which
    lines are not purchases and what happens to personal data.
    """

    name: str
    title: str
    header: tuple[str, ...]
    columns: dict[str, str]
    convert: Callable[[pd.DataFrame, pd.DataFrame, bytes | None], Converted]
    customer_key: str
    amount: str
    not_purchase: str
    personal: str

    def matches(self, columns: Iterable[str]) -> bool:
        """Whether a table with these column names is this export (every :attr:`header` column present)."""
        present = {normalise_header(c) for c in columns}
        return all(normalise_header(c) in present for c in self.header)


def text_of(frame: pd.DataFrame, column: str) -> pd.Series:
    """A raw column as stripped text (``string`` dtype), blank cells missing."""
    values = frame[column].astype("string").str.strip()
    return values.mask(values == "")


_EXCEL_TEXT = re.compile(r'^="(.*)"$', re.DOTALL)


def unwrap_excel_text(values: pd.Series) -> pd.Series:
    """Values written as Excel formulas so that Excel keeps them text: ``="2023123456789"`` → ``2023123456789``.

    Chinese exports (Taobao/Tmall among them) write long ids this way so that Excel does not turn a
    19-digit order number into ``2.02312E+18``; the wrapper is removed and the digits kept as text.
    """
    return values.astype("string").str.replace(_EXCEL_TEXT, r"\1", regex=True)


def decimal_product(left: pd.Series, right: pd.Series, sign: str = "×") -> pd.Series:
    """``left × right`` computed exactly in decimal (``6 × 2.55`` is ``15.30``, not ``15.299999999999999``).

    Missing when either side is missing (cleaning: ``missing_amount``); when either side is not a number the
    result is the text ``"<left> × <right>"``, which cleaning cannot parse (``unparseable_amount``, with
    both values in the detail) instead of a silent ``NaN``.
    """
    def one(a, b):
        if a is pd.NA or b is pd.NA:
            return pd.NA
        try:
            product = Decimal(str(a)) * Decimal(str(b))
        except InvalidOperation:
            return f"{a} {sign} {b}"
        if not product.is_finite():
            return f"{a} {sign} {b}"
        return format(product, "f")

    pairs = zip(left.astype("string").tolist(), right.astype("string").tolist())
    return pd.Series([one(a, b) for a, b in pairs], index=left.index, dtype="string")


def month_first_times(values: pd.Series, fmt: str = "%m/%d/%Y %H:%M") -> pd.Series:
    """Text dates in one month-first format (``12/1/2010 8:26``) rewritten as ISO text (``2010-12-01 08:26:00``).

    Cleaning never guesses month-first dates (``09/04/2013`` is ambiguous), so a layout whose export is known
    to write them converts them here; any value not in ``fmt`` (an ISO date from an Excel cell, garbage) is
    left as read for cleaning to parse or quarantine.
    """
    text = values.astype("string")
    parsed = pd.to_datetime(text, format=fmt, errors="coerce")
    return text.where(parsed.isna(), parsed.dt.strftime("%Y-%m-%d %H:%M:%S")).astype("string")


def keep_lineage(out: pd.DataFrame, lineage: pd.DataFrame) -> pd.DataFrame:
    """``out`` (one row per raw row, same order) with the raw rows' lineage columns attached."""
    out = out.reset_index(drop=True)
    for column in LINEAGE_COLUMNS:
        out[column] = lineage[column].to_numpy()
    return out
