"""Parsing raw values the way exports write them: dates, money amounts and status words.

:func:`parse_timestamps`, :func:`parse_amounts` and :func:`normalise_status` turn the text that
acquisition carried forward *as read* into typed values; a value that does not parse becomes
``NaT`` / ``NaN`` / ``<NA>``. Each parses the distinct values once and spreads the result back
(prices and days repeat).

**Value checks: the one definition of what a raw value means.** :func:`check_timestamps`,
:func:`check_amounts` and :func:`check_statuses` return, for a Series of raw values, the parsed
value plus a quarantine ``reason`` (a code of :data:`~helpers.schema.REASONS`) and ``detail`` per
value (:class:`Checked`); :func:`value_checks` lists them by canonical column. Both cleaning paths
use them and nothing else for value-level rules: :func:`helpers.clean.clean_transactions` on the
whole column, :func:`helpers.clean.clean_log` on the DISTINCT raw values of a large log, joined
back in DuckDB. A new value rule (a reason that depends on one value only) is added here, once,
and applies to both paths; :func:`first_reason` orders reasons as :data:`~helpers.schema.REASONS`
lists them (first rule wins).
"""

from __future__ import annotations

import re
from typing import Callable, Iterable, NamedTuple

import numpy as np
import pandas as pd

from ..schema import DATE_FORMATS, REASONS, STATUS_LOOKUP

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


def _as_ns(values: pd.Series) -> pd.Series:
    """Typed times as ``datetime64[ns]``; times outside its range (``9999-12-31`` in a ``TIMESTAMP`` column)
    become ``NaT``, as the same time written as text does, instead of an overflow error."""
    if values.dtype == "datetime64[ns]" or getattr(values.dtype, "tz", None) is not None:
        return values.astype("datetime64[ns]")
    if values.empty or (values.min() >= pd.Timestamp.min and values.max() <= pd.Timestamp.max):
        return values.astype("datetime64[ns]")  # all inside (NaT is): no element-wise test
    inside = (values >= pd.Timestamp.min) & (values <= pd.Timestamp.max)
    return values.where(inside).astype("datetime64[ns]")


def parse_timestamps(values: pd.Series, formats: Iterable[str] = DATE_FORMATS) -> pd.Series:
    """Parse mixed date representations (see :func:`_parse_timestamps`), once per distinct value."""
    formats = tuple(formats)
    if pd.api.types.is_datetime64_any_dtype(values):
        return _as_ns(values)
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
        return _as_ns(values)
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
        parsed = _as_ns(pd.to_datetime(remaining, format=fmt, errors="coerce"))  # 9999-12-31: NaT, no overflow
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


# --------------------------------------------------------------------------- value checks (both cleaning paths)

#: Canonical statuses that are not purchases, and the quarantine reason each gives.
STATUS_REASONS: dict[str, str] = {"unpaid": "not_paid", "cancelled": "cancelled"}

#: A reason code's place in :data:`~helpers.schema.REASONS` (the order rules apply in).
REASON_RANK: dict[str, int] = {code: i for i, code in enumerate(REASONS)}


class Checked(NamedTuple):
    """Raw values checked (same index as the input).

    ``value``: the parsed value (``NaT`` / ``NaN`` / ``<NA>`` where it cannot be used);
    ``reason``: a code of :data:`~helpers.schema.REASONS` where the value sends its row to
    quarantine, else ``<NA>``; ``detail``: what to show next to the reason (the offending value
    as text), else ``<NA>``.
    """

    value: pd.Series
    reason: pd.Series
    detail: pd.Series


Rule = tuple[pd.Series, str, "pd.Series | str | None"]


def first_reason(index: pd.Index, rules: Iterable[Rule]) -> tuple[pd.Series, pd.Series]:
    """``(reason, detail)`` per row: of the rules ``(mask, code, detail)`` that hold, the one whose
    code comes first in :data:`~helpers.schema.REASONS` (rules of one code: the first given)."""
    reason = pd.Series(pd.NA, index=index, dtype="string")
    detail = pd.Series(pd.NA, index=index, dtype="string")
    for mask, code, info in sorted(rules, key=lambda rule: REASON_RANK[rule[1]]):
        take = mask.fillna(False).to_numpy(dtype=bool) & reason.isna().to_numpy()
        if not take.any():
            continue
        reason[take] = code
        if isinstance(info, pd.Series):
            detail[take] = info[take].astype("string")
        elif info is not None:
            detail[take] = info
    return reason, detail


def _raw_text(values: pd.Series) -> pd.Series:
    """Raw values as text for a ``detail`` (as read; missing stays missing; typed times as acquisition writes them)."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.strftime("%Y-%m-%d %H:%M:%S").astype("string")
    return values.astype("string")


def _checked(value: pd.Series, raw: pd.Series, rules: list[tuple[pd.Series, str, bool]]) -> Checked:
    """A :class:`Checked` from rules ``(mask, code, show the raw value as detail)``; the raw text is
    made only for the values a rule sends to quarantine (a large log's distinct times are millions)."""
    hits = [(mask.fillna(False).to_numpy(dtype=bool), code, show) for mask, code, show in rules]
    hit = np.logical_or.reduce([h for h, _, _ in hits]) if hits else np.zeros(len(raw), dtype=bool)
    if not hit.any():  # the common case: every value usable
        return Checked(value, pd.Series(pd.NA, index=raw.index, dtype="string"),
                       pd.Series(pd.NA, index=raw.index, dtype="string"))
    text = pd.Series(pd.NA, index=raw.index, dtype="string")
    text[hit] = _raw_text(raw[hit]).to_numpy()
    reason, detail = first_reason(raw.index, [(pd.Series(h, index=raw.index), code, text if show else None)
                                              for h, code, show in hits])
    return Checked(value, reason, detail)


def check_timestamps(values: pd.Series, formats: Iterable[str] = DATE_FORMATS) -> Checked:
    """Order times (:func:`parse_timestamps` with ``formats``); reasons ``missing_date`` (no value)
    and ``unparseable_date`` (detail: the raw value)."""
    parsed = parse_timestamps(values, formats)
    missing = values.isna()
    return _checked(parsed, values, [(missing, "missing_date", False), (parsed.isna() & ~missing,
                                                                        "unparseable_date", True)])


def check_amounts(values: pd.Series) -> Checked:
    """Line amounts (:func:`parse_amounts`, dataset currency); reasons ``missing_amount`` and
    ``unparseable_amount`` (detail: the raw value; an infinite number too, as its text ``inf`` is)."""
    parsed = parse_amounts(values)
    missing = values.isna()
    return _checked(parsed, values, [(missing, "missing_amount", False),
                                     (~np.isfinite(parsed) & ~missing, "unparseable_amount", True)])


def check_statuses(values: pd.Series) -> Checked:
    """Canonical statuses (:func:`normalise_status`; missing means ``completed``); reasons
    ``unknown_status`` and ``not_paid`` (detail: the raw word) and ``cancelled`` — the statuses that are
    not purchases, :data:`STATUS_REASONS`."""
    status = normalise_status(values)
    rules = [(status.isna(), "unknown_status", True)]
    rules += [((status == word).fillna(False), code, code == "not_paid") for word, code in STATUS_REASONS.items()]
    return _checked(status, values, rules)


def parse_quantities(values: pd.Series) -> pd.Series:
    """Units per line as numbers (``pd.to_numeric``; what does not parse becomes missing, no reason)."""
    return pd.to_numeric(values, errors="coerce")


def value_checks(date_formats: Iterable[str] = DATE_FORMATS) -> dict[str, Callable[[pd.Series], Checked]]:
    """The value-level checks of cleaning by canonical column, the one definition both paths apply:
    ``timestamp`` (:func:`check_timestamps` with ``date_formats``), ``amount``
    (:func:`check_amounts`), ``status`` (:func:`check_statuses`)."""
    formats = tuple(date_formats)
    return {"timestamp": lambda values: check_timestamps(values, formats), "amount": check_amounts,
            "status": check_statuses}
