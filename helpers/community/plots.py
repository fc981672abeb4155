"""Figures of the community analyses (notebook 06), in English or Chinese (:mod:`helpers.i18n`)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .. import i18n
from ..i18n import tr
from ..plotting import FIGURE_WIDTH, set_title, wrap_label
from .activity import ENGAGEMENT_LEVELS
from .phrases import POST_TYPES


def _zh() -> bool:
    return i18n.get_language() == "zh"


def plot_funnel(table: pd.DataFrame, label: str | None = None):
    """Horizontal funnel bars with counts and the share kept from the previous stage."""
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 3.2))
    names = table["阶段"] if _zh() else table["stage"] + " " + table["阶段"]
    ax.barh(names, table["customers"], color="#4C72B0")
    for y, (n, prev) in enumerate(zip(table["customers"], table["share_of_previous"])):
        text = f" {n:,}" + ("" if pd.isna(prev) else tr("  ({share:.0f}% of previous)", share=prev))
        ax.text(n, y, text, va="center", fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel(tr("customers (客户数, log scale)"))
    set_title(ax, tr("Engagement funnel 互动漏斗"), label)
    fig.tight_layout()
    return fig


def plot_activity(activity: pd.DataFrame, label: str | None = None):
    """Monthly posts by type (stacked) and new members per month."""
    wide = activity.pivot(index="month", columns="series", values="count").fillna(0)
    fig, axes = plt.subplots(2, 1, figsize=(FIGURE_WIDTH, 4.6), sharex=True, gridspec_kw={"height_ratios": [2, 1]})
    types = [t for t in POST_TYPES if t in wide]
    axes[0].stackplot(wide.index, *[wide[t] for t in types],
                      labels=[POST_TYPES[t][0] if _zh() else f"{t} {POST_TYPES[t][0]}" for t in types], alpha=0.85)
    axes[0].legend(loc="upper left", fontsize=8)
    axes[0].set_ylabel(tr("posts per month (帖/月)"))
    set_title(axes[0], tr("Forum activity 论坛活跃度"), label)
    axes[1].bar(wide.index, wide.get("new members", 0), width=20, color="#55A868")
    axes[1].set_ylabel(tr("new members / month"))
    axes[1].set_xlabel(tr("month (月)"))
    fig.tight_layout()
    return fig


def plot_lead_times(lead: pd.DataFrame, label: str | None = None):
    """Histogram of lead times (days) from suggestion to the Friday build that shipped it."""
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 3.2))
    bins = np.arange(0, max(int(lead["lead_days"].max()) + 8, 15), 7) if len(lead) else 10
    ax.hist(lead["lead_days"], bins=bins, color="#4C72B0", edgecolor="white")
    if len(lead):
        med = float(lead["lead_days"].median())
        ax.axvline(med, color="#C44E52", ls="--", lw=1.2)
        ax.text(med, ax.get_ylim()[1] * 0.95, tr(" median {days:.0f} days", days=med), color="#C44E52", va="top",
                fontsize=8)
    ax.set_xlabel(tr("days from suggestion to release (建议到发布的天数)"))
    ax.set_ylabel(tr("adopted suggestions"))
    set_title(ax, tr("Adoption lead time 建议采纳周期"), label)
    fig.tight_layout()
    return fig


def plot_polls(results: pd.DataFrame, label: str | None = None):
    """Vote shares with simultaneous 95% intervals: one panel per poll, stacked, options as horizontal bars
    (option names stay horizontal and readable at page width)."""
    polls = list(dict.fromkeys(results["poll_id"]))
    sizes = [int((results["poll_id"] == pid).sum()) for pid in polls]
    fig, axes = plt.subplots(len(polls), 1, figsize=(FIGURE_WIDTH, 0.9 + sum(0.5 + 0.25 * n for n in sizes)),
                             squeeze=False, sharex=True, gridspec_kw={"height_ratios": [max(n, 1) + 1 for n in sizes]})
    for ax, pid in zip(axes[:, 0], polls):
        g = results.loc[results["poll_id"] == pid]
        y = np.arange(len(g))
        ax.barh(y, g["share (%)"], color="#4C72B0", height=0.7)
        ax.errorbar(g["share (%)"], y, xerr=[g["share (%)"] - g["ci low (%)"], g["ci high (%)"] - g["share (%)"]],
                    fmt="none", color="black", capsize=3, lw=1)
        ax.set_yticks(y, [wrap_label(t, 36) for t in i18n.tr_labels(g["option"], lenient=True)], fontsize=8)
        ax.invert_yaxis()
        ax.set_title(f"{pid}: {i18n.tr_header(g['feature'].iloc[0])}", fontsize=9, loc="left")
    axes[-1][0].set_xlabel(tr("share of votes (%)"))
    fig.suptitle(i18n.with_label(tr("Feature polls: vote shares, 95% simultaneous intervals 功能投票"), label),
                 x=0.01, ha="left", fontweight="bold")
    fig.tight_layout()
    return fig


def plot_value_by_engagement(table: pd.DataFrame, currency: str = "CNY", label: str | None = None,
                             by: str = "level"):
    """Mean CLV per engagement group with 95% intervals (and counts)."""
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 3.4))
    names = [ENGAGEMENT_LEVELS.get(str(v), i18n.tr_header(str(v))) if _zh() else f"{v}\n{ENGAGEMENT_LEVELS.get(str(v), '')}"
             for v in table[by]]
    x = np.arange(len(table))
    ax.bar(x, table["mean clv"], color="#4C72B0")
    ax.errorbar(x, table["mean clv"], yerr=[table["mean clv"] - table["ci low"], table["ci high"] - table["mean clv"]],
                fmt="none", color="black", capsize=3, lw=1)
    for xi, (m, n) in enumerate(zip(table["mean clv"], table["customers"])):
        ax.text(xi, 0, f"n={n:,}", ha="center", va="bottom", fontsize=8, color="white")
    ax.set_xticks(x, names, fontsize=8)
    ax.set_ylabel(tr("mean CLV ({currency})", currency=currency))
    set_title(ax, tr("Customer value by engagement (association, not effect) 互动程度与客户价值"), label)
    fig.tight_layout()
    return fig


def plot_meetups(panel: pd.DataFrame, label: str | None = None):
    """Mean orders in the window before and after a meet-up: attendees vs comparison group."""
    fig, ax = plt.subplots(figsize=(6.5, 3.4))
    for attended, color, name in ((True, "#C44E52", "attended 参加者"), (False, "#4C72B0", "comparison 对照组")):
        g = panel.loc[panel["attended"] == attended]
        if len(g):
            ax.plot([0, 1], [g["before"].mean(), g["after"].mean()], marker="o", color=color,
                    label=f"{tr(name)} (n={len(g):,})")
    ax.set_xticks([0, 1], i18n.tr_labels(["before 参会前", "after 参会后"]))
    ax.set_ylabel(tr("orders per customer in the window"))
    ax.legend(fontsize=8)
    set_title(ax, tr("Meet-ups and purchases 同城会活动与购买"), label)
    fig.tight_layout()
    return fig
