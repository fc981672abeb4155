"""Time units of the CLV package: days per summary period and per horizon step, and date checks.

A summary's ``recency`` and ``T`` are in *model periods*: ``time_unit`` ("D" days or "W" ISO
weeks, :data:`TIME_UNIT_DAYS`) divided by ``time_scaler``. Horizons and discount rates are counted
in steps of :data:`STEP_DAYS`. Periods are handled as whole day numbers since :data:`EPOCH`
(1970-01-01) in the SQL of the summary (:mod:`helpers.clv.sql`).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

#: Days per summary period, by ``time_unit``.
TIME_UNIT_DAYS: dict[str, float] = {"D": 1.0, "W": 7.0}
#: Length of a horizon / discounting step in days, for :func:`customer_lifetime_value`.
STEP_DAYS: dict[str, float] = {"D": 1.0, "W": 7.0, "M": 365.25 / 12.0, "Q": 365.25 / 4.0, "Y": 365.25}
DAYS_PER_YEAR = 365.25
#: Day 0 of the integer day numbers the summary's SQL works with.
EPOCH = pd.Timestamp("1970-01-01")


def check_time_unit(time_unit: str, time_scaler: float) -> tuple[str, float]:
    """``(unit, scaler)``: ``time_unit`` upper-cased and checked ("D" or "W"), ``time_scaler`` a positive float."""
    unit = str(time_unit).upper()
    if unit not in TIME_UNIT_DAYS:
        raise ValueError(f"time_unit must be 'D' (days) or 'W' (weeks), not {time_unit!r}")
    scaler = float(time_scaler)
    if not np.isfinite(scaler) or scaler <= 0:
        raise ValueError(f"time_scaler must be a positive number, not {time_scaler!r}")
    return unit, scaler


def period_start(ts: pd.Timestamp, unit: str) -> pd.Timestamp:
    """Start of the day / ISO week (Monday) containing ``ts`` — pandas' ``to_period(unit)``."""
    return pd.Timestamp(ts).to_period(unit).to_timestamp()


def as_timestamp(value: Any, name: str) -> pd.Timestamp:
    """``value`` as a naive :class:`pandas.Timestamp` (time zone dropped); ``ValueError`` naming ``name``."""
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a date or datetime, not {value!r}") from exc
    if ts is pd.NaT:
        raise ValueError(f"{name} must be a date, not NaT")
    return ts.tz_localize(None) if ts.tzinfo is not None else ts


def horizon_text(horizon: Any) -> str:
    """``"52 W"`` → ``"52 weeks"``: a CLV horizon as :func:`helpers.clv.score_customers` writes it (a count and a
    time-unit letter of :data:`STEP_DAYS`), in words; anything else is returned as text, unchanged."""
    units = {"D": "days", "W": "weeks", "M": "months", "Q": "quarters", "Y": "years"}
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([DWMQY])\s*", str(horizon or ""))
    return f"{match.group(1)} {units[match.group(2)]}" if match else str(horizon or "")
