"""What makes a per-customer summary valid, checked before any model reads one.

A summary (:func:`helpers.clv.rfm_summary`) has one row per customer (:func:`check_ids`: a repeated id would
count a customer twice), finite numbers (:func:`summary_column`), and — :func:`rfm_arrays` for transaction
models, :func:`spend_arrays` for spend models — a whole ``frequency`` ≥ 0, ``T`` ≥ 0, ``0 ≤ recency ≤ T``
(``recency = 0`` when ``frequency = 0``) and a ``monetary_value`` ≥ 0. Anything else is refused with a
:class:`~helpers.errors.DataError` naming the column, the row and a customer (:func:`refuse`). A cohort survival
table of contract renewals (:func:`contract_arrays`, for the sBG) has whole, never increasing counts per cohort
over periods ``0, 1, …, n``.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

from ...errors import DataError
from ...store import require_unique_ids


def plain(value: object) -> object:
    """A numpy scalar as the Python number it holds (``nan``, not ``np.float64(nan)``, in a message)."""
    return value.item() if isinstance(value, np.generic) else value


def summary_column(summary: pd.DataFrame, name: str, file: str = "summary") -> np.ndarray:
    """Column ``name`` of a per-customer summary (or of another model table, ``file``) as finite floats;
    :class:`DataError` naming the first bad row."""
    if not isinstance(summary, pd.DataFrame):
        raise TypeError(f"{file} must be a DataFrame" + (" from rfm_summary (customer_id, frequency, recency, T, ...)"
                                                         if file == "summary" else ""))
    if name not in summary.columns:
        raise DataError("required column is missing", file=file, column=name,
                        hint="build the summary with helpers.clv.rfm_summary (monetary_value needs monetary_value_col)"
                        if file == "summary" else "see the model's docstring for the columns it reads")
    values = pd.to_numeric(summary[name], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(values)
    if bad.any():
        raise DataError(f"value {plain(summary[name].iloc[np.argmax(bad)])!r} is not a finite number", file=file,
                        column=name, row=summary.index[np.argmax(bad)],
                        hint="fix or drop that customer" if file == "summary" else "fix or drop that row")
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


# ---- issue 19 (discrete): summaries of discrete purchase opportunities (BG/BB) --------------------------------
#: The columns of a discrete-time summary (lifetimes' ``BetaGeoBetaBinomFitter.fit`` names): repeat
#: opportunities with a purchase, the opportunity of the last one, opportunities observed; ``weights``
#: (optional) is the number of customers with that pattern.
DISCRETE_COLUMNS = ("frequency", "recency", "n_periods")


def discrete_arrays(summary: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Validated ``(x, t_x, n, weights)`` of a discrete-time summary: whole numbers with
    ``0 ≤ x ≤ t_x ≤ n`` (``x`` purchases among opportunities ``1..t_x``, the last at ``t_x``; ``t_x = 0``
    exactly when ``x = 0``), and ``weights`` (customers per row; 1 when the column is absent) whole and ≥ 0.

    A continuous-time summary (``T`` but no ``n_periods``: :func:`helpers.clv.rfm_summary`) is refused: its
    times are not counts of opportunities. Rows of one customer each (no ``weights``) must have distinct ids.
    """
    if isinstance(summary, pd.DataFrame) and "n_periods" not in summary.columns and "T" in summary.columns:
        raise DataError("this is a continuous-time summary (frequency, recency, T), not one of discrete purchase "
                        "opportunities", file="summary", column="n_periods",
                        hint="count opportunities (one per period or sale event) with clv.discrete_summary("
                        "transactions, period=...), or use a continuous-time model (BG/NBD, Pareto/NBD, MBG/NBD)")
    x, t_x, n = (summary_column(summary, name) for name in DISCRETE_COLUMNS)
    weighted = "weights" in summary.columns
    w = summary_column(summary, "weights") if weighted else np.ones(len(x))

    def whole(v: np.ndarray) -> np.ndarray:
        return (v < 0) | (v != np.round(v))

    checks = [
        (whole(x), "frequency", "frequency must be a whole number ≥ 0 (repeat opportunities with a purchase)"),
        (whole(t_x), "recency", "recency must be a whole number ≥ 0 (the opportunity of the last purchase)"),
        (whole(n), "n_periods", "n_periods must be a whole number ≥ 0 (opportunities after the first purchase)"),
        (t_x > n, "recency", "recency > n_periods (the last purchase lies beyond the opportunities observed)"),
        (x > t_x, "frequency", "frequency > recency (more purchases than opportunities up to the last one)"),
        ((x == 0) & (t_x != 0), "recency", "recency must be 0 for a customer with frequency 0"),
        (whole(w), "weights", "weights must be whole numbers ≥ 0 (customers with this pattern)"),
    ]
    for mask, column, problem in checks:
        refuse(mask, summary, column, problem,
               lambda i: f" (frequency={x[i]:g}, recency={t_x[i]:g}, n_periods={n[i]:g}"
                         + (f", weights={w[i]:g})" if weighted else ")"),
               hint="rebuild the summary with clv.discrete_summary")
    if not weighted:
        check_ids(summary)
    return x, t_x, n, w


def opportunity_of(summary: pd.DataFrame) -> str | None:
    """What one opportunity of a discrete-time summary is, from its ``attrs`` (as
    :func:`helpers.clv.discrete_summary` writes them): ``"Y"``, ``"Q"``, ``"M"``, ``"W"``, ``"D"`` (calendar
    periods) or ``"event:<column>"`` (one per sale event named in that column); None when not stated."""
    attrs = getattr(summary, "attrs", {}) or {}
    period = attrs.get("period")
    if period is None:
        return None
    return f"event:{attrs.get('opportunity_col')}" if period == "event" else str(period)
# ---- end issue 19 (discrete)

def contract_arrays(table: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """A validated cohort survival table (contract renewals) and what its likelihood reads.

    ``table`` has one row per cohort and period: ``cohort`` (a label), ``period`` (whole contract periods since
    the cohort started, ``0, 1, …, n`` without gaps or repeats) and ``survivors`` (customers still under contract
    after ``period`` renewal decisions; period 0: the cohort's size, > 0), whole numbers ≥ 0 that never increase
    within a cohort — a lapsed contract does not come back (a new contract is a new cohort). Refused otherwise,
    with a :class:`DataError` naming the column, the row and the cohort.

    Returns ``(cohorts, observations)``: ``cohorts`` one row per cohort in table order (``cohort, size,
    periods, survivors``: its size, the periods observed ``n`` and the survivors after them) and
    ``observations`` the counts the likelihood reads, ``t`` (period), ``lost`` (1 = lost in period ``t``,
    0 = still under contract after ``t``: censored) and ``count``.
    """
    file = "contract table"
    period = summary_column(table, "period", file)
    survivors = summary_column(table, "survivors", file)
    if "cohort" not in table.columns:
        raise DataError("required column is missing", file=file, column="cohort",
                        hint="one label per cohort (e.g. its start quarter); a single cohort still needs one")
    cohort = table["cohort"]
    checks = [(cohort.isna().to_numpy(), "cohort", "a row without a cohort"),
              ((period < 0) | (period != np.round(period)), "period", "period must be a whole number ≥ 0"),
              ((survivors < 0) | (survivors != np.round(survivors)), "survivors",
               "survivors must be a whole number ≥ 0 (a count of customers, not a share)")]
    for mask, column, problem in checks:
        if mask.any():
            i = int(np.argmax(mask))
            raise DataError(f"{int(mask.sum())} row(s): {problem} (e.g. {table[column].iloc[i]!r})", file=file,
                            column=column, row=table.index[i], hint="fix that row")
    codes, names = pd.factorize(cohort)
    rows = []
    observations: dict[str, list] = {"t": [], "lost": [], "count": []}
    for code, name in enumerate(names):
        where = np.flatnonzero(codes == code)
        where = where[np.argsort(period[where], kind="stable")]
        p, s = period[where].astype(int), survivors[where]
        expected = np.arange(len(p))
        if not np.array_equal(p, expected):
            j = int(np.argmax(p != expected))
            problem = (f"period {p[j]} appears twice" if j and p[j] == p[j - 1] else
                       f"period {expected[j]} is missing (periods must run 0, 1, …, n)")
            raise DataError(f"cohort {name!r}: {problem}", file=file, column="period", row=table.index[where[j]],
                            hint="one row per cohort and period, from period 0 (the cohort's size); a table of "
                                 "several plans or segments: fit each apart (clv.fit_by_plan)")
        if s[0] <= 0:
            raise DataError(f"cohort {name!r} starts with {s[0]:g} customers (period 0 is the cohort's size)",
                            file=file, column="survivors", row=table.index[where[0]], hint="drop the empty cohort")
        rise = np.diff(s) > 0
        if rise.any():
            j = int(np.argmax(rise)) + 1
            raise DataError(f"cohort {name!r}: survivors increase from {s[j - 1]:g} (period {j - 1}) to {s[j]:g} "
                            f"(period {j}): a lapsed contract cannot come back within a cohort", file=file,
                            column="survivors", row=table.index[where[j]],
                            hint="count each renewed contract once, in the cohort it started in; a customer who "
                                 "signs again is a new contract in a new cohort")
        observations["t"] += [*range(1, len(s)), len(s) - 1]
        observations["lost"] += [1] * (len(s) - 1) + [0]
        observations["count"] += [*(-np.diff(s)), s[-1]]
        rows.append((name, s[0], len(s) - 1, s[-1]))
    cohorts = pd.DataFrame(rows, columns=["cohort", "size", "periods", "survivors"])
    return cohorts, {k: np.asarray(v, dtype=float) for k, v in observations.items()}
