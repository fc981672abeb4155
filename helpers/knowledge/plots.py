"""Figures of the knowledge base and its reports, in English or Chinese (:mod:`helpers.i18n`)."""

from __future__ import annotations

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from .. import i18n
from ..i18n import tr
from ..plotting import FIGURE_WIDTH, set_title
from .base import meta, profile_columns


def plot_code_matrix(table: pd.DataFrame, label: str | None = None):
    """Heat map of posts per category × kind (the coded knowledge base at a glance)."""
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 3.8))
    sns.heatmap(table, annot=True, fmt="d", cmap="Blues", cbar=False, ax=ax)
    if i18n.get_language() == "zh":  # columns are "<kind> <中文>": keep the Chinese name
        ax.set_xticklabels([t.get_text().split(" ", 1)[-1] for t in ax.get_xticklabels()])
    ax.set_xlabel(tr("kind 类型"))
    ax.set_ylabel(tr("category 类别"))
    title = tr("Coded feedback: posts per category and kind 编码后的客户反馈")
    set_title(ax, title, label)
    fig.tight_layout()
    return fig


def plot_customer_history(orders: pd.DataFrame, currency: str = "", label: str | None = None):
    """Order amounts over time (bars) and cumulative spend (line) of one customer."""
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 3.0))
    if len(orders):
        t = pd.to_datetime(orders["timestamp"])
        ax.bar(t, orders["amount"], width=6, color="#4C72B0", label=tr("order amount 订单金额"))
        ax2 = ax.twinx()
        ax2.plot(t, orders["amount"].cumsum(), color="#C44E52", marker="o", ms=3, label=tr("cumulative 累计"))
        ax2.set_ylabel(tr("cumulative spend ({currency})", currency=currency))
        ax2.grid(False)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(mdates.AutoDateLocator()))
    ax.set_ylabel(tr("order amount ({currency})", currency=currency))
    ax.set_xlabel(tr("date (日期)"))
    title = tr("Purchase history 购买历史")
    set_title(ax, title, label)
    fig.tight_layout()
    return fig


def plot_segment_distribution(con, segment: str, column: str | None = None, label: str | None = None):
    """CLV and P(alive) of a segment's customers against all customers (histograms, shares)."""
    column = column or meta(con).get("segment_column", "rfm_segment")
    cols = set(profile_columns(con))
    wanted = [c for c in ("clv", "p_alive") if c in cols]
    df = con.execute(f'SELECT "{column}" AS seg, {", ".join(wanted) or "NULL AS clv"} FROM customer_profile '
                     f'WHERE "{column}" IS NOT NULL').df()
    fig, axes = plt.subplots(1, max(len(wanted), 1), figsize=(FIGURE_WIDTH, 3.0), squeeze=False)
    for ax, col in zip(axes[0], wanted):
        allv = pd.to_numeric(df[col], errors="coerce").dropna()
        segv = pd.to_numeric(df.loc[df["seg"] == segment, col], errors="coerce").dropna()
        upper = float(allv.quantile(0.99)) if col == "clv" and len(allv) else 1.0
        bins = np.linspace(0, upper if upper > 0 else 1.0, 30)
        ax.hist(allv.clip(upper=bins[-1]), bins=bins, density=True, alpha=0.45, color="grey", label=tr("all 全部"))
        ax.hist(segv.clip(upper=bins[-1]), bins=bins, density=True, alpha=0.6, color="#4C72B0",
                label=i18n.tr_header(f"{segment}"))
        ax.set_xlabel(tr({"clv": "CLV (clipped at the 99th percentile)", "p_alive": "P(alive) 仍活跃概率"}[col]))
        ax.set_ylabel(tr("density"))
        ax.legend(fontsize=8)
    fig.suptitle(i18n.with_label(tr("Value of the segment vs all customers 细分客户价值分布"), label),
                 x=0.01, ha="left", fontweight="bold")
    fig.tight_layout()
    return fig
