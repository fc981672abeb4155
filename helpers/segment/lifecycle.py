"""Customer lifecycle (客户生命周期): new, active, at risk, lapsed from P(alive) and purchase recency.

:func:`lifecycle_stage` applies the rules with :data:`LIFECYCLE_THRESHOLDS`; :data:`LIFECYCLE_STAGES`
gives each stage's Chinese name; :func:`plot_lifecycle` draws customers and value per stage.

References
----------
BG/NBD P(alive): Fader, Hardie & Lee (2005), computed by :mod:`helpers.clv`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from .. import i18n
from ..i18n import tr
from ..plotting import FIGURE_WIDTH
from .arrays import lookup, numeric, require, weeks_since_first


#: Default thresholds of :func:`lifecycle_stage` (weeks, probabilities).
LIFECYCLE_THRESHOLDS: dict[str, float] = {"new_weeks": 13.0, "at_risk_p": 0.6, "lapsed_p": 0.3,
                                          "at_risk_weeks": 26.0, "lapsed_weeks": 52.0}
LIFECYCLE_STAGES: dict[str, str] = {"new": "新客户（成长期）", "active": "活跃客户（成熟期）", "at risk": "流失风险客户（衰退期）",
                                    "lapsed": "已流失客户（流失期）"}


def lifecycle_stage(
    customers: pd.DataFrame,
    *,
    new_weeks: float = LIFECYCLE_THRESHOLDS["new_weeks"],
    at_risk_p: float = LIFECYCLE_THRESHOLDS["at_risk_p"],
    lapsed_p: float = LIFECYCLE_THRESHOLDS["lapsed_p"],
    at_risk_weeks: float = LIFECYCLE_THRESHOLDS["at_risk_weeks"],
    lapsed_weeks: float = LIFECYCLE_THRESHOLDS["lapsed_weeks"],
) -> pd.Series:
    """Lifecycle stage (客户生命周期) from P(alive) and time since the last purchase.

    Rules, first that applies:

    1. **new** — first purchase within the last ``new_weeks`` (default 13 weeks, a quarter);
    2. **lapsed** — P(alive) < ``lapsed_p`` (0.3) *or* no purchase for more than
       ``lapsed_weeks`` (52);
    3. **at risk** — P(alive) < ``at_risk_p`` (0.6) *or* no purchase for more than
       ``at_risk_weeks`` (26);
    4. **active** — otherwise.

    The recency rules are needed because the BG/NBD model gives one-time buyers P(alive) = 1
    whatever their age (a known property of the model); without ``p_alive`` only they apply.

    Parameters
    ----------
    customers
        ``weeks_since_first``, ``weeks_since_last`` and optionally ``p_alive`` (from
        :func:`customer_table`).

    Returns
    -------
    Series of str
        Stage per customer, aligned with ``customers``.
    """
    if not 0 <= lapsed_p <= at_risk_p <= 1 or not 0 < at_risk_weeks <= lapsed_weeks:
        raise ValueError("need 0 ≤ lapsed_p ≤ at_risk_p ≤ 1 and 0 < at_risk_weeks ≤ lapsed_weeks")
    require(customers, ["weeks_since_first", "weeks_since_last"], "lifecycle_stage")
    first = numeric(customers, "weeks_since_first", "lifecycle_stage")
    last = numeric(customers, "weeks_since_last", "lifecycle_stage")
    p = numeric(customers, "p_alive", "lifecycle_stage") if "p_alive" in customers.columns else np.ones(len(first))
    code = np.select(
        [first <= new_weeks, (p < lapsed_p) | (last > lapsed_weeks), (p < at_risk_p) | (last > at_risk_weeks)],
        [0, 1, 2], default=3)
    return pd.Series(lookup(["new", "lapsed", "at risk", "active"], code), index=customers.index,
                     name="lifecycle_stage")


def lifecycle_of_customers(frame: pd.DataFrame, **thresholds: float) -> pd.DataFrame:
    """``customer_id, lifecycle_stage`` (:func:`lifecycle_stage`) from a modelling summary's ``T`` (in its model
    periods, ``frame.attrs["period_days"]`` days each: refused when absent), :func:`~helpers.segment.rfm.rfm_table`'s
    ``recency`` (days since the last purchase) and the CLV scores' ``p_alive``, with the weeks as
    :func:`~helpers.segment.customers.customer_table` computes them (``weeks_since_first`` = T × period days
    / 7, ``weeks_since_last`` = recency / 7). Row by row, so the Spark engine runs it on each batch."""
    customers = pd.DataFrame({"weeks_since_first": weeks_since_first(frame, "lifecycle_of_customers"),
                              "weeks_since_last": numeric(frame, "recency", "lifecycle_of_customers") / 7.0,
                              "p_alive": numeric(frame, "p_alive", "lifecycle_of_customers")}, index=frame.index)
    return pd.DataFrame({"customer_id": frame["customer_id"],
                         "lifecycle_stage": lifecycle_stage(customers, **thresholds)}, index=frame.index)


def plot_lifecycle(customers: pd.DataFrame, stage_col: str = "lifecycle_stage", value_col: str = "clv", *,
                   label: str | None = None) -> Figure:
    """Customers and share of ``value_col`` per lifecycle stage."""
    order = list(LIFECYCLE_STAGES)
    g = customers.groupby(stage_col)
    counts = g.size().reindex(order, fill_value=0)
    value = g[value_col].sum().reindex(order, fill_value=0.0)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(FIGURE_WIDTH, 3.4))
    ticks = ([LIFECYCLE_STAGES[s].replace("（", "\n（") for s in order] if i18n.get_language() == "zh"
             else [f"{s}\n{LIFECYCLE_STAGES[s].split('（')[0]}" for s in order])
    colors = sns.color_palette("deep", 4)
    a1.bar(ticks, counts.to_numpy(), color=colors)
    a1.set_ylabel(tr("customers (客户数)"))
    a1.set_title(tr("Customers per stage 各阶段客户数"), loc="left", fontsize=9)
    total = value.sum()
    a2.bar(ticks, (value / total * 100 if total else value).to_numpy(), color=colors)
    a2.set_ylabel(tr("share of {value} (%)", value=i18n.tr_header(value_col)))
    a2.set_title(tr("Share of {value} 价值占比", value=i18n.tr_header(value_col)), loc="left", fontsize=9)
    fig.suptitle(i18n.with_label(tr("Lifecycle stages 客户生命周期"), label), x=0.01, ha="left", fontweight="bold")
    fig.tight_layout()
    return fig
