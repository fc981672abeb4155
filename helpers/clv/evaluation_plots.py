"""Figures of the CLV evaluation: the holdout scorecard (errors by group, decile calibration, the ranking's gain
curve) and per-customer intervals.

Each takes a :class:`~helpers.clv.scorecard.Scorecard` (or :func:`~helpers.clv.intervals.customer_intervals`
output), returns the :class:`~matplotlib.figure.Figure`, labels axes with units, translates its words
(:mod:`helpers.i18n`) and puts the dataset label in the title (:func:`helpers.plotting.set_title`).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from .. import plotting
from ..i18n import tr, tr_value, with_label
from .scorecard import ALL, Scorecard, lorenz


def _holdout_words(card: Scorecard) -> str:
    """"39 weeks"-style words for the holdout length (in days when its periods are neither weeks nor days)."""
    length, unit = card.attrs["holdout_length"], card.attrs["unit"]
    if unit in ("week", "day"):
        return tr("{n:g} weeks", n=length) if unit == "week" else tr("{n:g} days", n=length)
    return tr("{n:g} days", n=length * card.attrs["period_days"])


def plot_scorecard(card: Scorecard, *, label: str | None = None) -> Figure:
    """Two panels by calibration repeat purchases (groups, then all customers): the mean absolute error and the
    bias (mean forecast − actual) of every forecast, in holdout purchases per customer."""
    table = card.metrics.copy()
    order = [g for g in dict.fromkeys(table["group"]) if g != ALL] + [ALL]
    table["group"] = pd.Categorical(table["group"], categories=order, ordered=True)
    table["forecast"] = [tr_value(f) for f in table["forecast"]]
    fig, axes = plt.subplots(1, 2, figsize=(plotting.FIGURE_WIDTH, 3.8), sharex=True)
    span = _holdout_words(card)
    for ax, column, ylabel in ((axes[0], "mae", tr("mean absolute error (purchases per customer)")),
                               (axes[1], "bias", tr("bias: forecast − actual (purchases per customer)"))):
        sns.barplot(data=table, x="group", y=column, hue="forecast", ax=ax, order=order,
                    palette=plotting.PALETTE)
        ax.set_xlabel("")
        ax.set_ylabel(plotting.wrap_label(ylabel, 28))
        ax.set_xticks(range(len(order)), [tr_value(g) for g in order])
        if ax.get_legend() is not None:
            ax.get_legend().remove()
    fig.supxlabel(tr("repeat purchases in the calibration period (校准期重复购买)"), y=0.12, fontsize=9)
    axes[1].axhline(0, color="grey", lw=0.8)
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="lower center", ncol=min(len(names), 4), fontsize=8, frameon=False)
    title = tr("Holdout forecasts per customer: errors 验证期预测误差")
    if span:
        title += tr(" (holdout {span})", span=span)
    fig.suptitle(with_label(title, label), x=0.01, ha="left", fontweight="bold")
    fig.tight_layout(rect=(0, 0.12, 1, 1))
    return fig


def plot_decile_calibration(card: Scorecard, *, label: str | None = None) -> Figure:
    """Mean actual against mean forecast holdout purchases per decile of each forecast (decile 1 = highest
    forecasts), with the diagonal where the two agree."""
    table = card.deciles.copy()
    fig, ax = plt.subplots(figsize=(plotting.FIGURE_WIDTH, 3.8))
    colors = sns.color_palette(plotting.PALETTE, len(card.forecasts))
    for color, forecast in zip(colors, card.forecasts):
        part = table.loc[table["forecast"] == forecast]
        ax.plot(part["predicted"], part["actual"], marker="o", ms=4, lw=1.2, color=color,
                label=tr_value(forecast))
    top = float(np.nanmax(table[["predicted", "actual"]].to_numpy())) * 1.05
    ax.plot([0, top], [0, top], ls=":", color="grey", lw=1, label=tr("forecast = actual"))
    span = _holdout_words(card)
    ax.set_xlabel(tr("mean forecast holdout purchases per customer, by decile"))
    ax.set_ylabel(tr("mean actual holdout purchases per customer"))
    ax.legend(fontsize=8, loc="upper left")
    title = tr("Decile calibration 十分位校准")
    if span:
        title += tr(" (holdout {span})", span=span)
    plotting.set_title(ax, title, label)
    fig.tight_layout()
    return fig


def plot_gain_curve(card: Scorecard, *, label: str | None = None) -> Figure:
    """Share of all holdout purchases made by the top customers of each forecast's ranking (the Lorenz / gain
    curve behind the normalised Gini, shown in the legend), against the perfect ranking and a random one."""
    actual = card.predictions["actual"].to_numpy(dtype=float)
    n = len(actual)
    share = np.arange(1, n + 1) / n * 100
    fig, ax = plt.subplots(figsize=(plotting.FIGURE_WIDTH, 3.8))
    ginis = card.gini.set_index("forecast")["normalised_gini"]
    colors = sns.color_palette(plotting.PALETTE, len(card.forecasts))
    for color, forecast in zip(colors, card.forecasts):
        curve = lorenz(actual, card.predictions[forecast].to_numpy(dtype=float)) * 100
        ax.plot(share, curve, lw=1.3, color=color,
                label=tr("{forecast} (normalised Gini {g:.2f})", forecast=tr_value(forecast),
                         g=ginis[forecast]))
    ax.plot(share, lorenz(actual, actual) * 100, color="black", ls="--", lw=1, label=tr("perfect ranking"))
    ax.plot([0, 100], [0, 100], color="grey", ls=":", lw=1, label=tr("random order"))
    ax.set_xlabel(tr("top customers by forecast (% of customers)"))
    ax.set_ylabel(tr("share of all holdout purchases (%)"))
    ax.legend(fontsize=8, loc="lower right")
    plotting.set_title(ax, tr("Ranking customers by forecast: gain curve 排序增益曲线"), label)
    fig.tight_layout()
    return fig


def plot_customer_intervals(intervals: pd.DataFrame, quantity: str = "clv", *, top: int = 20, currency: str = "",
                            label: str | None = None) -> Figure:
    """The ``top`` customers by the point estimate of ``quantity`` (``"clv"``, ``"expected_purchases"`` or
    ``"p_alive"``) with their intervals (:func:`~helpers.clv.intervals.customer_intervals`), one row each."""
    words = {"clv": tr("CLV per customer ({currency})", currency=currency) if currency else tr("CLV per customer"),
             "expected_purchases": tr("expected purchases over the horizon (per customer)"),
             "p_alive": tr("P(alive): probability the customer is still active")}
    if quantity not in words:
        raise ValueError(f"quantity must be one of {list(words)}, not {quantity!r}")
    shown = intervals.sort_values(quantity, ascending=False, kind="mergesort").head(int(top))
    ids = (shown["customer_id"] if "customer_id" in shown.columns else shown.index.to_series()).astype(str).tolist()
    ys = np.arange(len(shown))[::-1]
    fig, ax = plt.subplots(figsize=(plotting.FIGURE_WIDTH, min(0.6 + 0.2 * len(shown), 5.5)))
    point = shown[quantity].to_numpy(dtype=float)
    lo, hi = shown[f"{quantity}_lower"].to_numpy(dtype=float), shown[f"{quantity}_upper"].to_numpy(dtype=float)
    ax.errorbar(point, ys, xerr=[point - lo, hi - point], fmt="o", ms=3.5, capsize=2.5, lw=1,
                color=sns.color_palette(plotting.PALETTE)[0])
    ax.set_yticks(ys, ids)
    ax.set_xlabel(words[quantity])
    ax.set_ylabel(tr("customer (客户)"))
    level = intervals.attrs.get("level", 0.9)
    plotting.set_title(ax, tr("Top {n} customers with {level:.0%} intervals (parameter uncertainty) 区间估计",
                              n=len(shown), level=level), label)
    fig.tight_layout()
    return fig
