"""Time units of the CLV package: periods of a summary, the unit a summary and a model carry, dates, money.

**Periods.** A summary's ``recency`` and ``T`` are counted in *model periods*: whole ``time_unit``
periods — "D" calendar days, "W" ISO weeks (Monday–Sunday), "M" calendar months — divided by
``time_scaler``. The SQL of the summary (:mod:`helpers.clv.sql`) works with whole day numbers since
:data:`EPOCH` (1970-01-01); :func:`period_ordinals` turns the day number of a period's first day into the
period's number, so that a difference of two is a count of periods (months: calendar months, as pandas'
``Period`` differences count them).

**The unit travels.** :class:`TimeUnit` is the unit of a summary; :func:`unit_attrs` writes it into a summary's
``attrs`` (``time_unit``, ``time_scaler``, ``period_days``, and ``month_days`` for months), :func:`summary_unit`
reads it back, and :func:`conversion` checks a fitted model's unit against a summary's before any prediction:
the same ``time_unit`` with another ``time_scaler`` converts exactly (the periods are the same, only counted in
other multiples); another ``time_unit`` (purchases merged per day in one, per week in the other) is refused.

**Month length.** Months are calendar months in the summary (a purchase on 31 January and one on 1 February
are one month apart); ``month_days`` (default :data:`MONTH_DAYS` = 365.25 / 12 = 30.4375 days) is the length
used only to turn a month into days — ``period_days`` — where a horizon, a discount rate or another unit
is compared with it. It is stated, never an unstated 30.

**Money.** Amounts are added as whole millionths (:data:`MONEY_SCALE`): each line's amount × 10⁶ rounded
half away from zero, summed as integer-valued floats. Such sums are exact — and so the same whatever order the
engine adds them in — while they stay below 2⁵³ millionths (:data:`EXACT_MONEY_LIMIT`, about 9.0 × 10⁹
currency units per customer); amounts with more than 6 decimals are rounded to 6 (tolerance 5 × 10⁻⁷ per line).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError
from ..i18n import tr

#: Default length of a month in days, for ``time_unit="M"``: a Julian year / 12.
MONTH_DAYS = 365.25 / 12.0
#: Days per summary period (before ``time_scaler``), by ``time_unit``; "M" is :data:`MONTH_DAYS` unless a
#: summary states another ``month_days``.
TIME_UNIT_DAYS: dict[str, float] = {"D": 1.0, "W": 7.0, "M": MONTH_DAYS}
#: Length of a horizon / discounting step in days, for :func:`customer_lifetime_value`.
STEP_DAYS: dict[str, float] = {"D": 1.0, "W": 7.0, "M": MONTH_DAYS, "Q": 365.25 / 4.0, "Y": 365.25}
DAYS_PER_YEAR = 365.25
#: Day 0 of the integer day numbers the summary's SQL works with.
EPOCH = pd.Timestamp("1970-01-01")
#: Amounts are summed in units of 1 / MONEY_SCALE (millionths).
MONEY_SCALE = 1_000_000
#: Sums of integer-valued floats are exact below this (2⁵³), in millionths.
EXACT_MONEY_LIMIT = float(2 ** 53)
UNIT_WORDS = {"D": "day", "W": "ISO week", "M": "calendar month"}


@dataclass(frozen=True)
class TimeUnit:
    """The unit of a summary's ``recency`` and ``T``, and of a model fitted on it.

    ``unit`` ("D", "W", "M") is the period purchases are merged by; ``scaler`` divides the period counts;
    ``period_days`` is the length of one model period in days. A unit known only by its ``period_days``
    (``unit=None``: a summary whose ``attrs`` carry nothing else, or a model given ``period_days=``) can be
    compared only by that length.
    """

    period_days: float
    unit: str | None = None
    scaler: float = 1.0
    month_days: float | None = None

    def describe(self) -> str:
        """In words, e.g. "periods of 7 days (time_unit='D', time_scaler=7)"."""
        if self.unit is None:
            return f"periods of {self.period_days:g} days (only period_days is known)"
        month = f", month_days={self.month_days:g}" if self.unit == "M" else ""
        return (f"periods of {self.period_days:g} days (time_unit={self.unit!r}, time_scaler={self.scaler:g}"
                f"{month})")


def make_unit(time_unit: str, time_scaler: float = 1.0, month_days: float = MONTH_DAYS) -> TimeUnit:
    """A checked :class:`TimeUnit`: ``time_unit`` "D", "W" or "M" (any case), ``time_scaler`` and ``month_days``
    positive finite numbers; ``ValueError`` otherwise."""
    unit = str(time_unit).upper()
    if unit not in TIME_UNIT_DAYS:
        raise ValueError(f"time_unit must be 'D' (days), 'W' (ISO weeks) or 'M' (calendar months), not {time_unit!r}")
    scaler, month = float(time_scaler), float(month_days)
    if not np.isfinite(scaler) or scaler <= 0:
        raise ValueError(f"time_scaler must be a positive number, not {time_scaler!r}")
    if not np.isfinite(month) or month <= 0:
        raise ValueError(f"month_days must be a positive number of days, not {month_days!r}")
    days = (month if unit == "M" else TIME_UNIT_DAYS[unit]) * scaler
    return TimeUnit(days, unit, scaler, month if unit == "M" else None)


def unit_attrs(unit: TimeUnit | None) -> dict[str, Any]:
    """The ``attrs`` a summary in ``unit`` carries: ``time_unit``, ``time_scaler``, ``period_days`` and, for
    months, ``month_days`` (only ``period_days`` for a unit known by its length; nothing for None)."""
    if unit is None:
        return {}
    if unit.unit is None:
        return {"period_days": unit.period_days}
    out: dict[str, Any] = {"time_unit": unit.unit, "time_scaler": unit.scaler, "period_days": unit.period_days}
    if unit.unit == "M":
        out["month_days"] = unit.month_days
    return out


def with_time_unit(summary: pd.DataFrame, time_unit: str, time_scaler: float = 1.0,
                   month_days: float = MONTH_DAYS) -> pd.DataFrame:
    """A copy of a hand-made ``summary`` that states its unit in ``attrs`` (as :func:`rfm_summary` writes it),
    e.g. ``with_time_unit(frame, "D", 7)`` for weeks counted in days / 7."""
    out = summary.copy()
    out.attrs = {**summary.attrs, **unit_attrs(make_unit(time_unit, time_scaler, month_days))}
    return out


def summary_unit(summary: pd.DataFrame) -> TimeUnit | None:
    """The unit ``summary.attrs`` state, or None when they state none (no ``time_unit``, no ``period_days``)."""
    attrs = getattr(summary, "attrs", {}) or {}
    if attrs.get("time_unit") is not None:
        return make_unit(attrs["time_unit"], attrs.get("time_scaler", 1.0), attrs.get("month_days") or MONTH_DAYS)
    if attrs.get("period_days") is not None:
        return TimeUnit(float(attrs["period_days"]))
    return None


def conversion(model_unit: TimeUnit | None, data_unit: TimeUnit | None, model: str) -> float:
    """Factor turning a summary's times (``data_unit``) into the model's periods (``model_unit``).

    Both unknown: 1 (the caller's periods throughout; nothing can be checked). One unknown: refused — the
    summary (or the model) must state its unit. The same ``time_unit``: ``data scaler / model scaler``, exact
    (1 when equal). Otherwise refused with a :class:`DataError` naming both units: the frequencies of a summary
    merged per day and per week are different quantities, which no factor converts. Units known only by their
    length must have the same length.
    """
    if model_unit is None and data_unit is None:
        return 1.0
    if model_unit is None or data_unit is None:
        missing = "the model's" if model_unit is None else "the summary's"
        known = data_unit if model_unit is None else model_unit
        raise DataError(f"{missing} time unit is unknown, the other's is {known.describe()}: refusing to assume they "
                        "are the same", file="summary", hint="make summaries with clv.rfm_summary (its attrs carry the "
                        "unit), state a hand-made summary's unit with clv.with_time_unit(frame, 'D', 7), or pass "
                        "period_days= when creating the model")
    if model_unit.unit is not None and model_unit.unit == data_unit.unit:
        return data_unit.scaler / model_unit.scaler
    if model_unit.unit is None or data_unit.unit is None:
        if math.isclose(model_unit.period_days, data_unit.period_days, rel_tol=1e-12):
            return 1.0
    raise DataError(f"{model} was fitted on {model_unit.describe()} but this summary is in {data_unit.describe()}",
                    file="summary", hint="build the summary with the model's time_unit (and any time_scaler), or refit "
                    "the model on this summary")


def check_time_unit(time_unit: str, time_scaler: float) -> tuple[str, float]:
    """``(unit, scaler)``: ``time_unit`` upper-cased and checked ("D", "W" or "M"), ``time_scaler`` a positive float."""
    unit = make_unit(time_unit, time_scaler)
    return str(unit.unit), unit.scaler


def period_start(ts: pd.Timestamp, unit: str) -> pd.Timestamp:
    """Start of the day / ISO week (Monday) / calendar month containing ``ts`` — pandas' ``to_period(unit)``."""
    return pd.Timestamp(ts).to_period(unit).to_timestamp()


def day_number(ts: pd.Timestamp) -> int:
    """Whole days from :data:`EPOCH` to the day of ``ts``."""
    return int((pd.Timestamp(ts).normalize() - EPOCH).days)


def last_day_of_period(ts: pd.Timestamp, unit: str) -> int:
    """Day number of the last day of the period (day, ISO week, month) containing ``ts``."""
    return day_number(pd.Timestamp(ts).to_period(unit).end_time)


def period_ordinals(first_days: np.ndarray, unit: str) -> np.ndarray:
    """Period numbers (days, weeks or months since 1970) of periods given by the day number of their first day;
    differences of two are whole periods."""
    days = np.asarray(first_days, dtype=np.int64)
    if unit == "D":
        return days
    if unit == "W":  # Mondays: day numbers ≡ 4 (mod 7)
        return (days + 3) // 7
    return days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)


def as_timestamp(value: Any, name: str, tz: str | None = None) -> pd.Timestamp:
    """``value`` as a naive :class:`pandas.Timestamp`; ``ValueError`` naming ``name``.

    A time with a zone is first converted to ``tz`` when given (the business time zone in which days are
    counted, see :func:`helpers.clv.rfm_summary`), otherwise read on its own clock.
    """
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a date or datetime, not {value!r}") from exc
    if ts is pd.NaT:
        raise ValueError(f"{name} must be a date, not NaT")
    if ts.tzinfo is not None:
        ts = (ts.tz_convert(tz) if tz else ts).tz_localize(None)
    return ts


def money_units(amounts: Any) -> np.ndarray:
    """Amounts as whole millionths (floats), rounded half away from zero — the same numbers the SQL
    ``round(amount * 1000000)`` gives in DuckDB and Spark. NaN stays NaN."""
    scaled = np.asarray(amounts, dtype=float) * MONEY_SCALE
    with np.errstate(invalid="ignore"):
        rounded = np.round(scaled)
        trunc = np.trunc(scaled)
        tie = np.abs(scaled - trunc) == 0.5
    return np.where(tie, trunc + np.sign(scaled), rounded)


def horizon_text(horizon: Any) -> str:
    """``"52 W"`` → ``"52 weeks"`` (``"52 周"`` in Chinese, through the catalog :func:`helpers.i18n.tr`): a CLV
    horizon as :func:`helpers.clv.score_customers` writes it (a count and a time-unit letter of :data:`STEP_DAYS`),
    in words; anything else is returned as text, unchanged."""
    units = {"D": "{n} days", "W": "{n} weeks", "M": "{n} months", "Q": "{n} quarters", "Y": "{n} years"}
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([DWMQY])\s*", str(horizon or ""))
    return tr(units[match.group(2)], n=match.group(1)) if match else str(horizon or "")
