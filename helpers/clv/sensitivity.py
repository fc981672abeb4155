"""How much the CLV ranking depends on choices an analyst makes: the time unit of the summary, the length of the
calibration window and the discount rate.

:func:`clv_sensitivity` scores the customers once with the default choices (weeks as days / 7 — the
Fader-Hardie-Lee preparation —, the given calibration end, 10 % a year) and once per variant of
:data:`VARIANTS`, changing one choice at a time, and compares each ranking with the default one on the customers
both score:

- **Spearman's rank correlation** of the CLVs (:func:`scipy.stats.spearmanr`; ties get their mean rank);
- **top-decile overlap**: the share of the default's top 10 % of customers by CLV who are also in the variant's
  top 10 % (each top 10 % is ``⌈n / 10⌉`` customers, ties at the cut broken by customer id).

The horizon (52 weeks by default) and the model are the same in every run; each run fits its own BG/NBD (or the
registry model named) and Gamma-Gamma (:func:`helpers.clv.score_customers`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import DataError
from .summary import rfm_summary
from .units import as_timestamp
from .value import score_customers

#: The default choices (what every variant is compared with).
DEFAULT: dict[str, Any] = {"time_unit": "D", "time_scaler": 7.0, "calibration_weeks": None, "discount_rate": 0.10}
#: ``(aspect, setting, changes to DEFAULT)``: one choice changed at a time. ``calibration_weeks`` ends the calibration
#: that many weeks after the log's first day instead of at the given calibration end.
VARIANTS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("time unit", "days", {"time_unit": "D", "time_scaler": 1.0}),
    ("time unit", "ISO weeks", {"time_unit": "W", "time_scaler": 1.0}),
    ("time unit", "calendar months", {"time_unit": "M", "time_scaler": 1.0}),
    ("calibration window", "26 weeks", {"calibration_weeks": 26}),
    ("discount rate", "0% a year", {"discount_rate": 0.0}),
    ("discount rate", "20% a year", {"discount_rate": 0.20}),
)


def top_share_overlap(reference: pd.Series, other: pd.Series, share: float = 0.10) -> float:
    """Share of ``reference``'s top ``share`` of customers (by value, highest first; ties broken by the index, i.e.
    the customer id) who are also in ``other``'s top ``share``; both Series over the same customers."""
    n_top = int(np.ceil(share * len(reference)))

    def top(values: pd.Series) -> set:
        frame = pd.DataFrame({"v": values.to_numpy(), "id": values.index.astype(str)})
        ordered = frame.sort_values(["v", "id"], ascending=[False, True], kind="mergesort")
        return set(values.index[ordered.index[:n_top]])

    return len(top(reference) & top(other)) / n_top


def clv_sensitivity(transactions: Any, calibration_end: Any, *, variants: tuple = VARIANTS,
                    customer_id_col: str = "customer_id", datetime_col: str = "timestamp",
                    monetary_value_col: str = "amount", horizon: int = 52, horizon_unit: str = "W",
                    model: str = "bg_nbd") -> pd.DataFrame:
    """Spearman rank correlation and top-decile overlap of each variant's CLV ranking with the default's.

    Returns one row per run, the default first: ``aspect, setting, calibration_end, customers`` (scored by both),
    ``spearman``, ``top_decile_overlap``. A variant whose calibration window holds no repeat buyer, or whose model
    does not converge, raises (there is no ranking to compare).
    """
    first = _first_day(transactions, datetime_col)
    default_end = as_timestamp(calibration_end, "calibration_end").normalize()

    def run(choices: dict[str, Any]) -> tuple[pd.Series, pd.Timestamp]:
        end = (default_end if choices["calibration_weeks"] is None
               else first + pd.Timedelta(weeks=float(choices["calibration_weeks"])) - pd.Timedelta(days=1))
        summary = rfm_summary(transactions, customer_id_col, datetime_col, monetary_value_col,
                              observation_period_end=end, time_unit=choices["time_unit"],
                              time_scaler=choices["time_scaler"])
        scores = score_customers(summary, horizon=horizon, time_unit=horizon_unit,
                                 discount_rate=choices["discount_rate"], model=model)
        return pd.Series(scores["clv"].to_numpy(), index=pd.Index(summary["customer_id"].to_numpy())), end

    reference, ref_end = run(DEFAULT)
    rows = [("default", _describe(DEFAULT), str(ref_end.date()), len(reference), 1.0, 1.0)]
    for aspect, setting, changes in variants:
        unknown = set(changes) - set(DEFAULT)
        if unknown:
            raise ValueError(f"variant {setting!r} changes unknown choices {sorted(unknown)}; "
                             f"choose from {list(DEFAULT)}")
        values, end = run({**DEFAULT, **changes})
        common = reference.index.intersection(values.index)
        if len(common) < 10:
            raise DataError(f"variant {setting!r} scores only {len(common)} of the default's customers: no ranking to "
                            "compare", file="transactions", hint="choose a longer calibration window")
        ref, other = reference.loc[common], values.loc[common]
        rho = float(stats.spearmanr(ref.to_numpy(), other.to_numpy()).statistic)
        rows.append((aspect, setting, str(end.date()), len(common), rho, top_share_overlap(ref, other)))
    out = pd.DataFrame(rows, columns=["aspect", "setting", "calibration_end", "customers", "spearman",
                                      "top_decile_overlap"])
    out.attrs = {"horizon": f"{horizon} {horizon_unit}", "model": model, "default": _describe(DEFAULT)}
    return out


def _describe(choices: dict[str, Any]) -> str:
    """The default's choices in words."""
    unit = {"D": "days", "W": "ISO weeks", "M": "calendar months"}[choices["time_unit"]]
    scaler = f" / {choices['time_scaler']:g}" if choices["time_scaler"] != 1 else ""
    return f"{unit}{scaler}, given calibration end, {choices['discount_rate']:.0%} a year"


def _first_day(transactions: Any, datetime_col: str) -> pd.Timestamp:
    """The day of the log's first transaction (a DataFrame's column; other sources: through a summary)."""
    if isinstance(transactions, pd.DataFrame):
        return pd.Timestamp(pd.to_datetime(transactions[datetime_col]).min()).normalize()
    raise TypeError("clv_sensitivity reads a transaction DataFrame (the calibration-window variant needs its "
                    "first day)")
