"""What acquisition decides about values before cleaning parses them: who is who, what an amount is, what a
number in the date column means. Each decision is said in the provenance notes.

- **Ids** (:func:`normalise_ids`): customer and order ids compared as people read them, through
  :func:`helpers.schema.clean_cell` (Unicode NFKC: full-width ``１００４２`` → ``10042``; zero-width and
  no-break spaces removed, surrounding spaces stripped), so one customer typed three ways is one customer.
- **Ids whose digits are already lost** (:func:`check_ids`) are refused, naming column and row: numbers of
  2⁵³ or more stored as floating point (a float64 keeps 15–17 significant digits, so ``1234567890123456789``
  and ``…790`` are the same float), and ids written in scientific notation (``1.23457E+18``, Excel's display
  of a long number saved as text). Different customers would otherwise merge without a word.
- **Amount from a unit price** (:func:`unit_price_amount`): a file with a unit price and a quantity but no
  amount (``price`` × ``qty``, ``单价`` × ``数量``) gets amount = unit price × quantity, exact in decimal,
  as the UCI layout computes its lines; a unit price alone is never taken for the amount
  (:func:`helpers.schema.resolve_columns` refuses it).
- **Epoch times** (:func:`epoch_times`): a timestamp column whose every value is a 10-digit integer
  (seconds) or every value a 13-digit integer (milliseconds) since 1970-01-01 00:00 UTC is read as
  Unix time: each value is rewritten as the UTC time it names (ISO text, ``2024-01-02 10:00:00``, no zone
  written: the instants are UTC). 10 and 13 digits cover 2001-09-09 to 2286-11-20; a column mixing such
  numbers with anything else is left as read (cleaning quarantines what does not parse), and 8-digit
  ``20240102`` stays a ``%Y%m%d`` date.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..clean import ascii_only, edge_bytes, used_bytes
from ..errors import DataError
from ..schema import clean_cell
from .layouts.base import decimal_product

ID_COLUMNS = ("customer_id", "order_id")
#: The first integer a float64 cannot hold exactly next to its neighbours (2⁵³).
EXACT_FLOAT_INTEGERS = 2 ** 53
_SCIENTIFIC = re.compile(r"^[+-]?\d(?:\.\d+)?[eE]\+?\d+$")
_EPOCH = {10: ("s", "seconds"), 13: ("ms", "milliseconds")}


def _plain(values: pd.Series) -> np.ndarray:
    """``True`` where a text value is not empty and its first and last bytes are printable ASCII other than the
    space (``!`` to ``~``): stripping leaves it as it is (read from the Arrow buffers, no string per value)."""
    first, last = edge_bytes(values)
    return (first > 0x20) & (first < 0x7F) & (last > 0x20) & (last < 0x7F)


def _all_plain(values: pd.Series) -> bool:
    """Whether every value is there, not empty, and printable ASCII with no space (``!`` to ``~``) from end to end:
    then :func:`_plain` holds for each and none is wide, told from the Arrow buffers (the lowest and highest byte
    the values span, :func:`~helpers.clean.used_bytes`; empty values by their offsets): ~1 ms a 1M-id column where
    :func:`_plain` and :func:`_wide` take ~4."""
    arrow = pa.array(values.array)
    for chunk in arrow.chunks if isinstance(arrow, pa.ChunkedArray) else [arrow]:
        if not len(chunk):
            continue
        if chunk.null_count or not pa.types.is_large_string(chunk.type):
            return False
        used = used_bytes(chunk)
        offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int64, count=len(chunk) + 1, offset=8 * chunk.offset)
        if not len(used) or used.min() < 0x21 or used.max() > 0x7E or (offsets[1:] == offsets[:-1]).any():
            return False
    return True


def _wide(values: pd.Series) -> np.ndarray | None:
    """``True`` on each value holding a character beyond ASCII; ``None`` when every value is ASCII
    (:func:`~helpers.clean.ascii_only`, told from the bytes the values span: ~1 ms a 1M-id column, ``string_is_ascii``
    value by value ~6)."""
    arrow = pa.array(values.array)
    arrow = arrow if isinstance(arrow, pa.ChunkedArray) else pa.chunked_array([arrow])
    if ascii_only(arrow):
        return None
    return ~pc.fill_null(pc.string_is_ascii(arrow), True).to_numpy(zero_copy_only=False)


def normalise_ids(out: pd.DataFrame) -> list[str]:
    """Customer and order ids of a canonical table (text) through :func:`~helpers.schema.clean_cell`, in place;
    a note per column where a value changed beyond its surrounding ASCII spaces. Only values that are not plain
    (:func:`_plain`) or not ASCII can change; a column with none is kept as it is, with no copy or comparison
    (the benchmark's 1M-line export: 55 ms → ~10 ms for its two id columns)."""
    notes = []
    for column in ID_COLUMNS:
        if column not in out.columns:
            continue
        values = out[column].astype("string")
        if _all_plain(values):  # the common case, answered from the bytes: nothing to strip or normalise
            out[column] = values
            continue
        rest = np.flatnonzero(~_plain(values))  # only those can change when stripped
        wide = _wide(values)
        seen = rest if wide is None else np.union1d(rest, np.flatnonzero(wide))
        if not len(seen):  # every value plain ASCII: clean_cell leaves each as it is, none is blank
            out[column] = values
            continue
        new = values.copy()
        if len(rest):
            new.iloc[rest] = values.iloc[rest].str.strip()
        if wide is not None and wide.any():  # NFKC leaves ASCII as it is: only the other values need clean_cell
            new[wide] = [clean_cell(v) for v in values[wide]]
        changed = int((new.iloc[seen].fillna("") != values.iloc[seen].str.strip(" \t").fillna("")).sum())
        blank = np.zeros(len(new), dtype=bool)  # a plain value is not blank and stays as it is
        blank[seen] = (new.iloc[seen] == "").fillna(False).to_numpy(dtype=bool)
        out[column] = new.mask(pd.Series(blank, index=new.index)) if blank.any() else new  # no copy when none is
        if changed:
            notes.append(f"{column}: {changed} value(s) held full-width characters, zero-width or no-break spaces, "
                         f"normalised so that one id is one id (Unicode NFKC, invisible characters removed, "
                         f"spaces stripped)")
    return notes


def check_ids(frame: pd.DataFrame, mapping: dict[str, str], path) -> None:
    """Refuse id columns whose digits are lost already (module docstring): a :class:`DataError` naming the
    column and the first such row (1-based data row)."""
    for canonical in ID_COLUMNS:
        column = mapping.get(canonical)
        if column is None or column not in frame.columns:
            continue
        values = frame[column]
        if pd.api.types.is_float_dtype(values) or values.dtype == object:
            numbers = pd.to_numeric(values.where(values.map(lambda v: isinstance(v, (float, np.floating)))),
                                    errors="coerce") if values.dtype == object else values
            big = np.abs(numbers.to_numpy(dtype=float, na_value=np.nan)) >= EXACT_FLOAT_INTEGERS
            if big.any():
                row = int(np.flatnonzero(big)[0])
                raise DataError(
                    f"ids stored as floating-point numbers of 16+ digits ({float(values.iloc[row])!r}): their last "
                    f"digits are lost, so different {canonical.split('_')[0]}s may have merged",
                    file=path, column=str(column), row=row + 1, hint="write the ids as text or int64 and export again")
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            raw = values.astype("string")  # only values holding an e can be in scientific notation: those checked
            arrow = pa.array(raw.array)
            arrow = arrow if isinstance(arrow, pa.ChunkedArray) else pa.chunked_array([arrow])
            data = [bytes(c.buffers()[2]) for c in arrow.chunks if c.buffers()[2] is not None]
            maybe = np.zeros(0, dtype=np.int64)  # no e in the column's bytes (the common case): nothing to look at
            if any(b"e" in d or b"E" in d for d in data):
                e = pc.or_(pc.match_substring(arrow, "e"), pc.match_substring(arrow, "E"))  # no RE2 for the case
                maybe = np.flatnonzero(pc.fill_null(e, False).to_numpy(zero_copy_only=False))
            hit = np.zeros(len(raw), dtype=bool)
            if len(maybe):  # an empty selection of a 1M-line column still cost ~8 ms a column
                hit[maybe] = raw.iloc[maybe].str.strip().str.match(_SCIENTIFIC).fillna(False).to_numpy(dtype=bool)
            if hit.any():
                row = int(np.flatnonzero(hit)[0])
                shown = raw.iloc[[row]].str.strip().iloc[0]
                raise DataError(
                    f"{int(hit.sum())} id(s) in scientific notation ({shown!r}): a spreadsheet shortened "
                    f"long numbers, their digits are lost", file=path, column=str(column), row=row + 1,
                    hint="export the ids again as text (in Excel, format the column as Text first)")


def unit_price_amount(frame: pd.DataFrame, price: str, quantity: str) -> tuple[pd.Series, str]:
    """``(amount, note)``: unit price × quantity per row, exact in decimal (text, as read values are), and the
    provenance note. A value that is not a plain number gives ``"<price> × <quantity>"``, which cleaning cannot
    parse and quarantines as ``unparseable_amount`` with both values in its detail."""
    def text(column: str) -> pd.Series:
        values = frame[column].astype(object).map(lambda v: pd.NA if not isinstance(v, str) and pd.isna(v)
                                                   else (str(int(v)) if isinstance(v, float) and v.is_integer()
                                                         else str(v).strip()))
        return values.astype("string")

    amount = decimal_product(text(price), text(quantity))
    note = (f"no amount column: amount = {price} × {quantity} (unit price × quantity, exact decimal); "
            f"a unit price alone is never taken for what a line cost")
    return amount, note


def epoch_times(values: pd.Series, skip: pd.Series | None = None) -> tuple[pd.Series, str | None]:
    """``(values, note)``: a timestamp column of Unix times rewritten as UTC text (module docstring), or the
    values unchanged and ``None``. Rows where ``skip`` is true (marked rows: a repeated header, a totals row,
    a malformed line) neither count nor change."""
    raw = values.astype("string")
    first = (raw if skip is None else raw[~skip.to_numpy(dtype=bool)]).dropna().iloc[:1]
    if first.empty or not first.str.strip().str.fullmatch(r"\d+").all():  # one value decides most columns
        return values, None
    text = raw.str.strip()
    present = (text if skip is None else text[~skip.to_numpy(dtype=bool)]).dropna()
    if present.empty or not present.str.fullmatch(r"\d+").all():
        return values, None
    lengths = set(present.str.len())
    if len(lengths) != 1 or next(iter(lengths)) not in _EPOCH:
        return values, None
    unit, word = _EPOCH[lengths.pop()]
    times = pd.to_datetime(present.astype("int64"), unit=unit, utc=True).dt.tz_localize(None)
    iso = times.dt.strftime("%Y-%m-%d %H:%M:%S" if unit == "s" else "%Y-%m-%d %H:%M:%S.%f")
    if unit == "ms":
        iso = iso.str.replace(r"\.(\d{3})\d{3}$", r".\1", regex=True).str.replace(r"\.000$", "", regex=True)
    out = text.copy()
    out[present.index] = iso
    note = (f"timestamp: every value is a {len(present.iloc[0])}-digit number, read as Unix time in {word} since "
            f"1970-01-01 UTC and written as the UTC time it names ({present.iloc[0]} → {iso.iloc[0]})")
    return out, note
