"""The plain pandas reference of the per-customer summary (tests and benchmarks compare the engines with it).

:func:`rfm_summary_reference` follows PyMC-Marketing's steps literally — timestamps to periods
(``to_period``), drop periods after the end, one row per (customer, period) with summed amounts, flag each
customer's first period, then count, min, max and mean per customer — with the workbook's rules for refund
lines, money in millionths and the business time zone written out a second time, independently of the SQL,
so that a test comparing the two checks both.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .sql import prepare_frame
from .units import MONEY_SCALE, MONTH_DAYS, as_timestamp, make_unit, money_units, unit_attrs


def rfm_summary_reference(
    transactions: pd.DataFrame,
    customer_id_col: str = "customer_id",
    datetime_col: str = "timestamp",
    monetary_value_col: str | None = None,
    observation_period_end: Any = None,
    time_unit: str = "D",
    time_scaler: float = 1.0,
    include_first_transaction: bool = False,
    *,
    month_days: float = MONTH_DAYS,
    tz: str | None = None,
) -> pd.DataFrame:
    """Reference implementation of :func:`helpers.clv.rfm_summary` in plain pandas (same arguments, same result).

    Steps: times on the business clock (``tz``, :func:`helpers.clv.sql.prepare_frame`), periods with
    ``to_period(time_unit)``; lines of periods after ``observation_period_end``'s dropped; one row per
    (customer, period) with the net amount in millionths and whether it holds a line with an amount ≥ 0
    (a purchase; refund-only periods are not); per customer the first, last and number of purchase periods,
    the first purchase period's amount and the total. Times are differences of period ordinals / scaler.
    """
    unit = make_unit(time_unit, time_scaler, month_days)
    code = str(unit.unit)
    cols = [customer_id_col, datetime_col] + ([monetary_value_col] if monetary_value_col else [])
    tx = prepare_frame(transactions, cols, datetime_col, tz)
    periods = tx[datetime_col].dt.to_period(code)
    tx = pd.DataFrame({"cid": tx[customer_id_col].to_numpy(), "period": periods.array.asi8,
                       "m": money_units(tx[monetary_value_col]) if monetary_value_col else 0.0})
    if observation_period_end is None:
        end = int(tx["period"].max())
    else:
        end = int(pd.Period(as_timestamp(observation_period_end, "observation_period_end", tz), code).ordinal)
        tx = tx.loc[tx["period"] <= end]
    grouped = tx.groupby(["cid", "period"], sort=True)["m"]
    per = pd.DataFrame({"amt": grouped.sum(), "top": grouped.max()}).reset_index()  # sorted by customer, period
    purchases = per.loc[per["top"] >= 0]
    by_customer = purchases.groupby("cid", sort=True)
    customers = by_customer["period"].agg(["min", "max", "count"])
    out = pd.DataFrame({
        "customer_id": customers.index.to_numpy(),
        "frequency": (customers["count"] - 1).astype(float).to_numpy(),
        "recency": ((customers["max"] - customers["min"]) / unit.scaler).to_numpy(dtype=float),
        "T": ((end - customers["min"]) / unit.scaler).to_numpy(dtype=float),
    })
    if monetary_value_col:
        total = per.groupby("cid")["amt"].sum().reindex(customers.index).to_numpy(dtype=float)
        first = by_customer["amt"].first().to_numpy(dtype=float)  # the earliest purchase period's
        n = customers["count"].to_numpy(dtype=np.int64)
        if include_first_transaction:
            money = np.maximum(total, 0.0) / (n * float(MONEY_SCALE))
        else:
            money = np.where(n > 1, np.maximum(total - first, 0.0) / (np.maximum(n - 1, 1) * float(MONEY_SCALE)), 0.0)
        out["monetary_value"] = money
    out["customer_id"] = out["customer_id"].astype(transactions[customer_id_col].dtype)
    end_day = pd.Period(ordinal=end, freq=code).start_time
    out.attrs.update({**unit_attrs(unit), "observation_period_end": str(end_day.date()),
                      "refund_only_customers": int(per["cid"].nunique() - len(customers)), "tz": tz})
    return out
