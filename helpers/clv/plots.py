"""Figures of the CLV chapter: diagnostics of a fitted model, value distribution, parameter recovery.

Each function takes a table of :mod:`helpers.clv.diagnostics` (or scores, or the output of
:func:`helpers.clv.fit_by_group`), returns the :class:`~matplotlib.figure.Figure`, labels axes with
units, translates its words (:mod:`helpers.i18n`) and puts the dataset label (which says SIMULATED
for simulated data) in the title (:func:`helpers.plotting.set_title`).
"""

from __future__ import annotations

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from .. import plotting
from ..i18n import tr, tr_given, tr_labels, with_label


def plot_period_transactions(table: pd.DataFrame, *, label: str | None = None, model_name: str = "model") -> Figure:
    """Bars: customers by number of repeat purchases in calibration, actual vs model."""
    long = table.melt(id_vars="repeat purchases", value_vars=["actual", "model"], var_name="source",
                      value_name="customers")
    long["source"] = long["source"].map({"actual": tr("actual 实际"), "model": tr("{model} 模型", model=model_name)})
    fig, ax = plt.subplots()
    sns.barplot(data=long, x="repeat purchases", y="customers", hue="source", ax=ax)
    ax.set_xlabel(tr("repeat purchases in the calibration period (重复购买次数)"))
    ax.set_ylabel(tr("customers (客户数)"))
    ax.legend(title=None)
    plotting.set_title(ax, tr("Repeat purchases per customer: actual vs model 重复购买分布"), label)
    fig.tight_layout()
    return fig


def plot_calibration_holdout(table: pd.DataFrame, *, unit: str = "week", holdout_length: float | None = None,
                             label: str | None = None, model_name: str = "model") -> Figure:
    """Lines: mean holdout purchases by calibration frequency, actual vs model."""
    fig, ax = plt.subplots()
    xs = table["calibration repeat purchases"]
    ax.plot(xs, table["actual"], marker="o", label=tr("actual 实际"))
    ax.plot(xs, table["model"], marker="s", ls="--", label=tr("{model} 模型", model=model_name))
    ax.set_xlabel(tr("repeat purchases in the calibration period (校准期重复购买)"))
    span = tr(" ({n:g} {unit}s)", n=holdout_length, unit=tr(unit)) if holdout_length is not None else ""
    ax.set_ylabel(tr("mean purchases in holdout{span}", span=span))
    ax.legend()
    plotting.set_title(ax, tr("Calibration vs holdout 校准期与验证期"), label)
    fig.tight_layout()
    return fig


def plot_tracking(table: pd.DataFrame, *, label: str | None = None, model_name: str = "model") -> Figure:
    """Two panels: cumulative and weekly repeat purchases, actual vs model, calibration end marked."""
    fig, axes = plt.subplots(1, 2, figsize=(plotting.FIGURE_WIDTH, 3.7))
    step = table.attrs.get("step_days", 7)
    per = tr("week") if step == 7 else tr("{n} days", n=step)
    for ax, kind, ylabel in ((axes[0], "cumulative", tr("cumulative repeat purchases (累计)")),
                             (axes[1], "incremental", tr("repeat purchases per {per} (每周)", per=per))):
        ax.plot(table["step_end"], table[f"actual_{kind}"], label=tr("actual 实际"), lw=1.4)
        ax.plot(table["step_end"], table[f"model_{kind}"], label=tr("{model} 模型", model=model_name), ls="--", lw=1.4)
        cal = table.attrs.get("calibration_end")
        if cal:
            ax.axvline(pd.Timestamp(cal), color="grey", ls=":", lw=1.2, label=tr("calibration end 校准期结束"))
        ax.set_xlabel(tr("date (日期)"))
        ax.set_ylabel(ylabel)
        locator = mdates.AutoDateLocator(minticks=3, maxticks=7)  # fewer makes matplotlib warn for some spans
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    handles, names = axes[0].get_legend_handles_labels()  # one legend below both panels: none covers a line
    fig.legend(handles, names, loc="lower center", ncol=len(names), fontsize=8, frameon=False)
    fig.suptitle(with_label(tr("Tracking repeat purchases 重复购买跟踪"), label), x=0.01, ha="left", fontweight="bold")
    fig.tight_layout(rect=(0, 0.3 / 3.7, 1, 1))
    return fig


def plot_matrix(matrix: pd.DataFrame, *, title: str, colorbar: str, unit: str = "week",
                label: str | None = None, cmap: str = "viridis") -> Figure:
    """Heat map of a frequency × recency matrix (frequency up, recency right)."""
    fig, ax = plt.subplots(figsize=(plotting.FIGURE_WIDTH, 4.0))
    values = np.ma.masked_invalid(matrix.to_numpy(float))
    rec = matrix.columns.to_numpy(float)
    step = rec[1] - rec[0] if len(rec) > 1 else 1.0
    mesh = ax.imshow(values, origin="lower", aspect="auto", cmap=cmap, interpolation="nearest",
                     extent=(rec[0] - step / 2, rec[-1] + step / 2, -0.5, len(matrix) - 0.5))
    cbar = fig.colorbar(mesh, ax=ax)
    cbar.set_label(tr_given(colorbar))
    ax.set_xlabel(tr("recency: time of last purchase since first ({unit}s, 最近购买时间)", unit=tr(unit)))
    ax.set_ylabel(tr("frequency: repeat purchases (购买频次)"))
    ax.grid(False)
    T = matrix.attrs.get("T")
    title = tr_given(title)
    plotting.set_title(ax, tr("{title} (customer age T = {T:g} {unit}s)", title=title, T=T, unit=tr(unit))
                    if T is not None else title, label)
    fig.tight_layout()
    return fig


def plot_clv_distribution(scores: pd.DataFrame, *, currency: str = "", label: str | None = None) -> Figure:
    """Left: histogram of CLV (log scale); right: share of total CLV held by the top x% of customers."""
    fig, axes = plt.subplots(1, 2, figsize=(plotting.FIGURE_WIDTH, 3.4))
    values = scores["clv"].to_numpy(float)
    positive = values[values > 0]
    bins = np.logspace(np.log10(max(positive.min(), 1e-2)), np.log10(positive.max()), 40) if len(positive) else 10
    axes[0].hist(positive, bins=bins, color=sns.color_palette(plotting.PALETTE)[0])
    axes[0].set_xscale("log")
    axes[0].set_xlabel(tr("CLV per customer ({currency}, log scale, 客户终身价值)", currency=currency))
    axes[0].set_ylabel(tr("customers (客户数)"))
    axes[0].set_title(tr("Distribution 分布"), loc="left")
    ordered = np.sort(values)[::-1]
    share = np.cumsum(ordered) / ordered.sum() * 100
    top = np.arange(1, len(ordered) + 1) / len(ordered) * 100
    axes[1].plot(top, share, color=sns.color_palette(plotting.PALETTE)[1])
    axes[1].plot([0, 100], [0, 100], ls=":", color="grey")
    for q in (10, 20):
        k = max(int(round(len(ordered) * q / 100)) - 1, 0)
        axes[1].scatter([top[k]], [share[k]], color="black", s=12, zorder=3)
        axes[1].annotate(tr("top {q}% → {share:.0f}%", q=q, share=share[k]), (top[k], share[k]),
                         textcoords="offset points",
                         xytext=(8, -12), fontsize=8)
    axes[1].set_xlabel(tr("top customers by CLV (% of customers)"))
    axes[1].set_ylabel(tr("share of total CLV (%)"))
    axes[1].set_title(tr("Concentration 价值集中度"), loc="left")
    fig.suptitle(with_label(tr("Customer lifetime value 客户终身价值"), label), x=0.01, ha="left", fontweight="bold")
    fig.tight_layout()
    return fig


def plot_parameter_recovery(table: pd.DataFrame, truth: pd.DataFrame, *, label: str | None = None) -> Figure:
    """Fitted estimates with 95% CI vs true values, one panel per parameter, one row per group.

    ``table`` from :func:`fit_by_group`; ``truth`` has ``group, parameter, true``.
    """
    merged = table.merge(truth, on=["group", "parameter"], how="left")
    params = list(dict.fromkeys(merged["parameter"]))
    fig, axes = plt.subplots(1, len(params), figsize=(plotting.FIGURE_WIDTH, 3.0), sharey=True)
    lo_col = [c for c in merged.columns if c.startswith("lower")][0]
    hi_col = [c for c in merged.columns if c.startswith("upper")][0]
    groups = list(dict.fromkeys(merged["group"]))
    for ax, param in zip(np.atleast_1d(axes), params):
        part = merged.loc[merged["parameter"] == param].set_index("group").reindex(groups)
        ys = np.arange(len(groups))
        ax.errorbar(part["estimate"], ys, xerr=[part["estimate"] - part[lo_col], part[hi_col] - part["estimate"]],
                    fmt="o", capsize=3, label=tr("fitted ± 95% CI"))
        ax.scatter(part["true"], ys, marker="x", color="crimson", s=50, zorder=3, label=tr("true 真值"))
        ax.set_title(param, loc="left")
        ax.set_yticks(ys, tr_labels(groups, lenient=True))
        ax.set_xlabel(tr("value"))
    np.atleast_1d(axes)[0].legend(fontsize=8, loc="best")
    fig.suptitle(with_label(tr("BG/NBD per group: fitted vs true 参数恢复"), label), x=0.01, ha="left",
                 fontweight="bold")
    fig.tight_layout()
    return fig


# ---- issue 19 (Part 2): contracts
def plot_contract_survival(curves: pd.DataFrame, *, title: str, label: str | None = None) -> Figure:
    """Left: share of each group still under contract by renewal decision, observed (markers) and the sBG's
    ``S(t)`` (line; dashed beyond the periods it was fitted on); right: the retention rate ``r_t``, observed and
    fitted. ``curves`` from :func:`helpers.clv.contract_curves`; ``title`` an English catalog entry."""
    by = curves.attrs.get("by", "cohort")
    groups = list(dict.fromkeys(curves[by]))
    colours = dict(zip(groups, sns.color_palette(plotting.PALETTE, len(groups))))
    fig, axes = plt.subplots(1, 2, figsize=(plotting.FIGURE_WIDTH, 3.4))
    for group in groups:
        part = curves.loc[curves[by] == group]
        name = tr_given(str(group))
        for ax, obs, mod in ((axes[0], "observed", "model"), (axes[1], "observed retention", "model retention")):
            fit = part.loc[part["fitted"]]  # percentages: shares × 100
            ax.plot(fit["period"], fit[mod] * 100, color=colours[group], lw=1.4, label=name)
            beyond = part.loc[part["period"] >= fit["period"].max()]
            if len(beyond) > 1:
                ax.plot(beyond["period"], beyond[mod] * 100, color=colours[group], lw=1.4, ls="--")
            ax.scatter(part["period"], part[obs] * 100, color=colours[group], s=14, zorder=3)
    axes[0].set_ylabel(tr("under contract (% of cohort, 在约)"))
    axes[1].set_ylabel(tr("renewing r_t (% of those due, 续约)"))
    for ax in axes:
        ax.set_xlabel(tr("contract years since the start (合约年)"))
    axes[0].set_title(tr("Survival 留存"), loc="left")
    axes[1].set_title(tr("Retention 续约率"), loc="left")
    axes[0].set_ylim(0, 105)
    low = np.nanmin(np.r_[curves["observed retention"].to_numpy(float), curves["model retention"].to_numpy(float)])
    axes[1].set_ylim(max(0.0, np.floor(low * 10) * 10 - 5), 100)
    axes[0].legend(loc="upper right", fontsize=8)  # the groups, where the survival curves have fallen away
    keys = [plt.Line2D([], [], color="grey", ls="", marker="o", ms=4), plt.Line2D([], [], color="grey", ls="--", lw=1.4)]
    axes[1].legend(keys, [tr("observed 实际"), tr("sBG projection 预测")], loc="lower right", fontsize=8)
    fig.suptitle(with_label(tr(title), label), x=0.01, ha="left", fontweight="bold")
    fig.tight_layout()
    return fig
