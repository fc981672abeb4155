"""Tables of the clean lines for the report: extreme orders, revenue by channel, returns, the rules.

Each works on a DataFrame or, counted by DuckDB, on a large log (:class:`~helpers.largelog.ParquetLog`).
"""

from __future__ import annotations

import pandas as pd

from ..engines import sql_ident
from ..errors import DataError
from ..largelog import ParquetLog
from ..schema import REASONS, REASONS_ZH


def extreme_orders(clean: pd.DataFrame) -> pd.DataFrame:
    """Orders flagged extreme: order id, customer, date, lines, units, total (dataset currency)."""
    if isinstance(clean, ParquetLog):  # flagged lines are few: bring only those back
        clean = clean.query("SELECT * FROM log WHERE flag_extreme")
    flagged = clean[clean["flag_extreme"]]
    if flagged.empty:
        return pd.DataFrame(columns=["order_id", "customer_id", "timestamp", "lines", "units", "total"])
    agg = {"customer_id": ("customer_id", "first"), "timestamp": ("timestamp", "min"),
           "lines": ("amount", "size"), "total": ("amount", "sum")}
    if "quantity" in flagged.columns:
        agg["units"] = ("quantity", "sum")
    table = flagged.groupby("order_id").agg(**agg).reset_index()
    return table.sort_values("total", ascending=False, kind="stable").reset_index(drop=True)


def revenue_by(clean: pd.DataFrame, column: str) -> pd.DataFrame:
    """Customers, orders, lines and net revenue (dataset currency) per value of ``column``."""
    if column not in clean.columns:
        raise DataError("column not in the cleaned table", column=column)
    if isinstance(clean, ParquetLog):
        c = sql_ident(column)  # distinct pairs first: a parallel hash aggregate, unlike count(DISTINCT) per group
        distinct = "SELECT {c} AS k, count({x}) AS n FROM (SELECT DISTINCT {c}, {x} FROM log) GROUP BY ALL"
        table = clean.query(
            f"WITH l AS (SELECT {c} AS k, count(*) AS lines, sum(amount) AS revenue FROM log GROUP BY ALL), "
            f"c AS ({distinct.format(c=c, x='customer_id')}), o AS ({distinct.format(c=c, x='order_id')}) "
            f"SELECT l.k AS {c}, c.n AS customers, o.n AS orders, l.lines, l.revenue FROM l "
            f"JOIN c ON c.k IS NOT DISTINCT FROM l.k JOIN o ON o.k IS NOT DISTINCT FROM l.k ORDER BY l.k")
    else:
        table = clean.groupby(column, observed=True, dropna=False).agg(
            customers=("customer_id", "nunique"), orders=("order_id", "nunique"), lines=("amount", "size"),
            revenue=("amount", "sum")).reset_index()
    table["revenue share"] = (table["revenue"] / table["revenue"].sum()).round(4)
    table["revenue"] = table["revenue"].round(2)
    return table.sort_values("revenue", ascending=False, kind="stable").reset_index(drop=True)


def returned_lines(clean: pd.DataFrame | ParquetLog) -> tuple[int, float]:
    """Sale lines kept at a net amount after a partial return, and the amount returned (currency)."""
    if isinstance(clean, ParquetLog):
        if "returned_amount" not in clean.columns:
            return 0, 0.0
        row = clean.query("SELECT count(*) AS n, coalesce(sum(returned_amount), 0) AS a FROM log "
                          "WHERE returned_amount > 0").iloc[0]
        return int(row["n"]), float(row["a"])
    returned = clean.loc[clean["returned_amount"] > 0]
    return len(returned), float(returned["returned_amount"].sum())


def breakdown_column(clean: pd.DataFrame | ParquetLog) -> str:
    """``"channel"`` when the clean lines record a channel, else ``"source_file"`` (for :func:`revenue_by`)."""
    if "channel" not in clean.columns:
        return "source_file"
    if isinstance(clean, ParquetLog):
        return "channel" if clean.query("SELECT count(channel) AS n FROM log")["n"].iloc[0] else "source_file"
    return "channel" if clean["channel"].notna().any() else "source_file"


def rules_table() -> pd.DataFrame:
    """The cleaning rules in the order they are applied, in English and Chinese."""
    return pd.DataFrame({"order": range(1, len(REASONS) + 1), "reason": list(REASONS),
                         "meaning": list(REASONS.values()), "含义": [REASONS_ZH[r] for r in REASONS]})
