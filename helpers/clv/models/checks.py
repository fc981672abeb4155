"""What makes a per-customer summary valid, checked before any model reads one.

A summary (:func:`helpers.clv.rfm_summary`) has one row per customer (:func:`check_ids`: a repeated id would
count a customer twice), finite numbers (:func:`summary_column`), and — :func:`rfm_arrays` for transaction
models, :func:`spend_arrays` for spend models — a whole ``frequency`` ≥ 0, ``T`` ≥ 0, ``0 ≤ recency ≤ T``
(``recency = 0`` when ``frequency = 0``) and a ``monetary_value`` ≥ 0. Anything else is refused with a
:class:`~helpers.errors.DataError` naming the column, the row and a customer (:func:`refuse`).
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

from ...errors import DataError
from ...store import require_unique_ids


def summary_column(summary: pd.DataFrame, name: str) -> np.ndarray:
    """Column ``name`` of a per-customer summary as finite floats; :class:`DataError` naming the first bad row."""
    if not isinstance(summary, pd.DataFrame):
        raise TypeError("summary must be a DataFrame from rfm_summary (customer_id, frequency, recency, T, ...)")
    if name not in summary.columns:
        raise DataError("required column is missing", file="summary", column=name,
                        hint="build the summary with helpers.clv.rfm_summary (monetary_value needs monetary_value_col)")
    values = pd.to_numeric(summary[name], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(values)
    if bad.any():
        raise DataError(f"value {summary[name].iloc[np.argmax(bad)]!r} is not a finite number", file="summary",
                        column=name, row=summary.index[np.argmax(bad)], hint="fix or drop that customer")
    return values


def check_ids(summary: pd.DataFrame) -> None:
    """A summary has one row per customer: repeated ids (a ``customer_id`` column, or an index of that name) are
    refused (:func:`helpers.store.require_unique_ids`) — fitted, they would count a customer twice and shrink
    the standard errors; scored, they would give one customer two different forecasts."""
    if "customer_id" in summary.columns:
        require_unique_ids(summary, "summary")
    elif summary.index.name == "customer_id":
        require_unique_ids(summary.index.to_frame(index=False), "summary")


def refuse(mask: np.ndarray, summary: pd.DataFrame, column: str, problem: str,
            detail: Callable[[int], str] = lambda i: "", why: str = "not a valid summary",
            hint: str = "rebuild the summary with rfm_summary") -> None:
    """:class:`DataError` for the rows of ``mask``, naming the first (its customer id and ``detail(i)``)."""
    if mask.any():
        i = int(np.argmax(mask))
        who = f", e.g. customer {summary['customer_id'].iloc[i]!r}" if "customer_id" in summary.columns else ""
        raise DataError(f"{int(mask.sum())} row(s): {problem}{who}{detail(i)}: {why}", file="summary", column=column,
                        row=summary.index[i], hint=hint)


def rfm_arrays(summary: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validated ``(x, t_x, T)`` arrays of a summary with one row per customer: x ≥ 0 whole, T ≥ 0,
    0 ≤ t_x ≤ T, t_x = 0 when x = 0.

    ``T = 0`` is valid: a customer first seen in the last period of the window carries no information
    on the rates (likelihood 1) and is predicted as a new customer.
    """
    x, t_x, T = (summary_column(summary, name) for name in ("frequency", "recency", "T"))
    checks = [
        ((x < 0) | (x != np.round(x)), "frequency", "frequency must be a whole number ≥ 0 (repeat purchases)"),
        (T < 0, "T", "T (time since the first purchase) must be ≥ 0"),
        ((t_x < 0) | (t_x > T + 1e-9), "recency", "recency must lie between 0 and T"),
        ((x == 0) & (t_x != 0), "recency", "recency must be 0 for a customer with frequency 0"),
    ]
    for mask, column, problem in checks:
        refuse(mask, summary, column, problem, lambda i: f" (frequency={x[i]:g}, recency={t_x[i]:g}, T={T[i]:g})")
    check_ids(summary)
    return x, t_x, T


def spend_arrays(summary: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Validated ``(x, m)``: frequency a whole number ≥ 0, monetary_value ≥ 0 (a summary never holds a
    negative spend: :func:`helpers.clv.rfm_summary` nets refunds and stops at 0)."""
    x = summary_column(summary, "frequency")
    m = summary_column(summary, "monetary_value")
    refuse((x < 0) | (x != np.round(x)), summary, "frequency", "frequency must be a whole number ≥ 0 (repeat "
            "purchases)")
    refuse(m < 0, summary, "monetary_value", "monetary_value (mean spend) must be ≥ 0")
    check_ids(summary)
    return x, m
