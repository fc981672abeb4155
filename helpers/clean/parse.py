"""Parsing raw values the way exports write them: dates, money amounts and status words.

:func:`parse_timestamps`, :func:`parse_amounts` and :func:`normalise_status` turn the text that
acquisition carried forward *as read* into typed values; a value that does not parse becomes
``NaT`` / ``NaN`` / ``<NA>``, which cleaning (:mod:`helpers.clean.rules`) turns into a quarantine
reason. Each parses the distinct values once and spreads the result back (prices and days repeat).
"""

from __future__ import annotations

import re
from typing import Iterable

import numpy as np
import pandas as pd

from ..schema import DATE_FORMATS, STATUS_LOOKUP

_EXCEL_SERIAL = re.compile(r"^[2-6]\d{4}(\.\d+)?$")  # 20000–69999: 1954-10-03 … 2091-08-05
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_CURRENCY = re.compile(r"(¥|\$|€|£|rmb|cny|usd|人民币|元|圆)", re.IGNORECASE)


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
    """Canonical status (``completed`` / ``unpaid`` / ``cancelled`` / ``returned``: the keys of
    :data:`~helpers.schema.STATUS_VALUES`), ``<NA>`` if unknown.

    Missing values mean ``completed``.
    """
    def lookup(v: pd.Series) -> pd.Series:
        text = _nfkc(v.astype("string")).str.strip().str.lower()
        return text.map(STATUS_LOOKUP).where(v.notna(), "completed").astype("string")

    return _on_uniques(values, lookup).astype("string")
