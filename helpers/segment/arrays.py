"""Checks and array helpers shared by the segment modules (not part of :mod:`helpers.segment`'s public face).

- input checks that raise :class:`helpers.errors.DataError` naming the column, row and customer:
  :func:`require` (columns present), :func:`numeric` (finite, optionally non-negative values),
  :func:`customer_ids` (one row per customer) with its fast path
  :func:`helpers.schema.strictly_increasing`;
- per-customer labels from small integer codes, fast at 12.9M customers: :func:`lookup`,
  :func:`digit_strings` (score strings such as ``"545"``), :func:`translate` (names → 中文).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ..errors import DataError
from ..schema import strictly_increasing

#: The customer id column of every table here.
ID = "customer_id"


def require(frame: pd.DataFrame, columns: Sequence[str], what: str, hint: str | None = None) -> None:
    """:class:`DataError` naming the first of ``columns`` that ``frame`` lacks."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(f"{what} needs column(s) {missing}; it has {list(frame.columns)}", column=missing[0],
                        hint=hint or "pass the right column name, or build the table with segment.customer_table")


def numeric(frame: pd.DataFrame, column: str, what: str, *, nonnegative: bool = True) -> np.ndarray:
    """Column as float array; DataError naming the first bad row (NaN, inf or negative)."""
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if nonnegative:
        bad |= values < 0
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        who = frame[ID].iloc[i] if ID in frame.columns else frame.index[i]
        raise DataError(f"{what}: value {frame[column].iloc[i]!r} of customer {who!r} is "
                        f"{'missing, infinite or negative' if nonnegative else 'missing or infinite'}",
                        column=column, row=i + 1,
                        hint="clean the input (notebook 02) or fill/drop that customer explicitly first")
    return values


def customer_ids(frame: pd.DataFrame, what: str) -> pd.Series:
    """The ``customer_id`` column; DataError when it is missing or a customer appears twice."""
    require(frame, [ID], what)
    ids = frame[ID]
    if not strictly_increasing(ids) and len(pd.factorize(ids, use_na_sentinel=False)[1]) < len(ids):
        i = int(np.flatnonzero(ids.duplicated().to_numpy())[0])
        raise DataError(f"{what}: customer {ids.iloc[i]!r} appears more than once (one row per customer expected)",
                        column=ID, row=i + 1, hint="aggregate to one row per customer first")
    return ids


def lookup(table: Sequence[Any], codes: np.ndarray, *, categorical: bool = False) -> Any:
    """``table[codes]``: per-customer labels from small integer codes.

    Labels that are all strings come back as the pandas ``str`` dtype, built by an Arrow
    ``take`` (0.2 s for 12.9M customers), against 1–3 s for converting an object array and
    10–30 s for a Python loop over rows or a string concatenation per row. ``categorical=True``
    gives a :class:`pandas.Categorical` instead (categories in table order), used for the long
    descriptive texts (中文 names, recommended focus): one copy of each text rather than 12.9M
    (~1 GB and ~1.5 s per column at that size).
    """
    table = list(table)
    if categorical:
        categories = list(dict.fromkeys(table))
        remap = np.asarray([categories.index(x) for x in table], dtype=np.int64)
        return pd.Categorical.from_codes(remap[codes], categories=categories)
    if all(isinstance(x, str) for x in table):
        return pd.array(pa.array(table, pa.large_string()).take(pa.array(np.asarray(codes, dtype=np.int64))),
                        dtype=pd.StringDtype("pyarrow", na_value=np.nan))
    return np.asarray(table, dtype=object)[codes]


def digit_strings(*scores: np.ndarray) -> Any:
    """Score strings such as ``"545"`` from one-digit integer score arrays (1..9), via a lookup table."""
    code = np.zeros(len(scores[0]), dtype=np.int64)
    for score in scores:
        code = code * 10 + np.asarray(score, dtype=np.int64)
    width = len(scores)
    return lookup([f"{i:0{width}d}" for i in range(10 ** width)], code)


def translate(values: Any, mapping: Mapping[Any, Any]) -> pd.Categorical:
    """``mapping.get(v, v)`` for every value as a categorical (the names are descriptive texts),
    computed once per distinct value (``pd.factorize``)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return lookup([mapping.get(u, u) for u in uniques], codes, categorical=True)


def period_days(summary: pd.DataFrame, name: str | None = None) -> float:
    """Days per model period of a modelling summary (``attrs["period_days"]``, which :func:`helpers.clv.rfm_summary`
    and :func:`helpers.clv.rfm_train_test_split` write): ``T`` and ``recency`` are counted in those periods. Refused
    when missing rather than assumed (``name``: the argument, for the message)."""
    if summary.attrs.get("period_days") is None:
        raise DataError("the summary does not say its time unit (attrs['period_days'])", file=name, column="T",
                        hint="summarise with helpers.clv.rfm_summary / rfm_train_test_split, which record it")
    return float(summary.attrs["period_days"])


def weeks_since_first(summary: pd.DataFrame, what: str, name: str | None = None) -> np.ndarray:
    """Weeks from each customer's first purchase to the end of the data: ``T`` × :func:`period_days` / 7 (``T`` in
    model periods; :func:`numeric`'s refusal of a missing or negative ``T``, naming ``what``)."""
    return numeric(summary, "T", what) * period_days(summary, name) / 7.0


def text_array(values: Any) -> Any:
    """``values`` (a Series or array) as a column to assign: Arrow text stays Arrow text — ``.to_numpy()`` would make a
    Python string of each of 12.9M customers' labels, and pandas would store them as Arrow text again — anything
    else as a NumPy array (a categorical's labels as objects, as ``.to_numpy()`` gives them)."""
    array = values.array if isinstance(values, pd.Series) else values
    return array if isinstance(getattr(array, "dtype", None), pd.StringDtype) else np.asarray(array)


def mapped(values: pd.Series, mapping: Mapping[Any, Any]) -> Any:
    """``values.map(mapping)`` (a value without an entry is missing) worked out once per distinct value: the labels of
    12.9M customers taken by position from an Arrow array (:func:`lookup`) when every result is text, as
    ``Series.map`` gives them; otherwise ``Series.map`` itself."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    labels = [mapping.get(u) for u in uniques]
    if not all(isinstance(x, str) for x in labels):
        return values.map(mapping)
    take = np.where(codes < 0, len(labels), codes).astype(np.int64)  # the missing values: a null at the end
    return pd.array(pa.array([*labels, None], pa.large_string()).take(pa.array(take)),
                    dtype=pd.StringDtype("pyarrow", na_value=np.nan))
