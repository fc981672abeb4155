"""Figures of the staff survey, drawn only from suppressed tables (:func:`helpers.survey.suppress`).

:func:`plot_statements` (the paper's statements with Wilson intervals and the published shares),
:func:`plot_likert` (diverging stacked bars), :func:`plot_group_shares` (shares by group) and
:func:`plot_loadings` (the factor loadings as a heatmap). Labels follow the figure language
(:mod:`helpers.i18n`): English · 中文 in English figures, Chinese alone in Chinese ones; the item rows of
the Likert and loadings figures carry the item's short label in the figure language alone (two columns of
panels by dimension, bilingual dimension headers; the full wording is in the codebook table).
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .. import i18n
from ..plotting import FIGURE_WIDTH, row_height, row_positions, set_title, wrap_label
from ..i18n import tr, tr_given, with_label
from .codebook import MULTI_SEP, Codebook
from .groups import column_label

LIKERT_COLORS = ("#a6611a", "#dfc27d", "#d9d9d9", "#80cdc1", "#018571")  # ColorBrewer BrBG, grey middle


SINGLE_COLUMN_ROWS = 6
"""Up to this many items, :func:`plot_likert` and :func:`plot_loadings` draw one column of panels, else two."""
HEADER_ROW_IN = 0.2
"""Height (inches) of a dimension's header row in :func:`plot_likert` and :func:`plot_loadings`."""

GROUP_COLUMNS = 3
"""Panels side by side in :func:`plot_group_shares` (one per grouping: channel, role, department …)."""


def _both() -> str:
    """Codebook label language: "both" (``English · 中文``) in English figures, "zh" in Chinese ones."""
    return "zh" if i18n.get_language() == "zh" else "both"


def _empty_figure(message: str, title: str, label: str | None) -> Figure:
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 1.6))
    ax.axis("off")
    ax.text(0.01, 0.4, tr(message), fontsize=10, color="dimgrey", transform=ax.transAxes)
    set_title(ax, title, label)
    return fig


def _item_label(item_id: str, fallback: str, codebook: Codebook, reverse: bool, width: int = 28) -> str:
    """The item's short label from the codebook in the figure language (the full bilingual wording is in
    the codebook table of the appendix; the dimension headers, title and legend stay bilingual), marked
    (R) when reverse-worded, wrapped for a half-width panel."""
    item = codebook.items.get(item_id)
    if item is None:
        text = fallback.split(" · ")[1 if i18n.get_language() == "zh" and " · " in fallback else 0]
    else:
        text = (item.short_zh or item.short_en) if i18n.get_language() == "zh" else item.short_en
    return wrap_label(text + (" (R)" if reverse else ""), width)


def _columns_by_dimension(dims: list) -> list[list[int]]:
    """Rows split into two columns of panels at the dimension boundary nearest the middle (one column
    for a short list, up to :data:`SINGLE_COLUMN_ROWS` rows)."""
    n = len(dims)
    if n <= SINGLE_COLUMN_ROWS:
        return [list(range(n))]
    bounds = [i for i in range(1, n) if dims[i] != dims[i - 1]] or [math.ceil(n / 2)]
    cut = min(bounds, key=lambda b: abs(2 * b - n))
    return [list(range(cut)), list(range(cut, n))]


def _rows_with_headers(rows: list[int], labels: list[str], dims: list, codebook: Codebook):
    """Y layout of one column (inches from the top): a bold dimension header row where the dimension
    changes, then one row per item as tall as its label. Returns ``(item rows → centre, ticks, tick
    labels, header tick indices, bottom edge, item edges)``."""
    y, ticks, names, bold, top = {}, [], [], [], 0.0
    for r in rows:
        if dims[r] is not None and (r == rows[0] or dims[r] != dims[r - 1]):
            ticks.append(top + HEADER_ROW_IN / 2)
            names.append(codebook.dimension_label(dims[r], _both()))
            bold.append(len(ticks) - 1)
            top += HEADER_ROW_IN
        h = row_height([labels[r]])
        y[r] = top + h / 2
        ticks.append(y[r])
        names.append(labels[r])
        top += h
    return y, ticks, names, bold, top


def _label_ticks(ax, ticks, names, bold, bottom) -> None:
    """Item labels as y ticks; each dimension header in bold in its own row, right-aligned over the plotting area."""
    ax.set_yticks([t for i, t in enumerate(ticks) if i not in bold],
                  [n for i, n in enumerate(names) if i not in bold], fontsize=8)
    for i in bold:
        ax.text(1.0, ticks[i], names[i], transform=ax.get_yaxis_transform(), ha="right", va="center",
                fontsize=8, fontweight="bold")
    ax.set_ylim(bottom, 0)
    ax.tick_params(axis="y", length=0)


def plot_likert(table: pd.DataFrame, codebook: Codebook, *, title: str, label: str | None = None) -> Figure:
    """Diverging stacked bars (Heiberger & Robbins 2014): disagreement left of zero, agreement right,
    the neutral answer split across zero; % of respondents answering each item.

    Items are grouped by their codebook dimension (a bold header row each) in two columns of panels
    sharing the x axis and one legend, labelled with the item's short label, so the figure prints
    under 60 % of the A4 text height (issue 17). Drawn with matplotlib directly: plot-likert's
    ``plot_likert()`` is broken on pandas 3 (``DataFrame.applymap`` was removed). Reverse-worded
    items are marked (R) and drawn as worded. Rows blanked by :func:`suppress` are labelled, not drawn.

    References
    ----------
    Heiberger, R. M. & Robbins, N. B. (2014). Design of diverging stacked bar charts for Likert
    scales and other applications. Journal of Statistical Software, 57(5), 1–32.
    """
    if "min_group_size" not in table.attrs:
        raise ValueError("plot from a suppressed table: suppress(table, min_size) first")
    title = tr_given(title)
    if table.empty:
        return _empty_figure("This survey has no Likert items.", title, label)
    table = table.reset_index(drop=True)
    levels = codebook.scales["agree5"].levels if "agree5" in codebook.scales else None
    codes = [c for c in table.columns if isinstance(c, (int, np.integer))]
    pct = table[codes].astype(float).div(table["n"].astype(float), axis=0) * 100
    k = len(codes)
    mid = k // 2 if k % 2 else None
    labels = [_item_label(r.item if "item" in table else "", r.label, codebook, bool(r.reverse))
              for r in table.itertuples()]
    dims = table["dimension"].tolist() if "dimension" in table else [None] * len(table)
    left = -(pct[codes[: k // 2]].sum(axis=1) + (pct[codes[mid]] / 2 if mid is not None else 0)).to_numpy()
    ends = left + np.nan_to_num(pct[codes].to_numpy()).sum(axis=1)
    reach = float(np.nanmax(np.abs(np.concatenate([left, ends]))))
    limit = min(100, 10 * math.ceil((reach + 2) / 10))
    columns = _columns_by_dimension(dims)
    layouts = [_rows_with_headers(rows, labels, dims, codebook) for rows in columns]
    bottom = max(lay[4] for lay in layouts)
    fig, axes = plt.subplots(1, len(columns), figsize=(FIGURE_WIDTH, bottom + 1.6), squeeze=False, sharex=True)
    colors = LIKERT_COLORS if k == 5 else plt.get_cmap("BrBG")(np.linspace(0.1, 0.9, k))
    names = [((levels[j].zh if i18n.get_language() == "zh" else f"{levels[j].en} {levels[j].zh}")
              if levels and k == len(levels) else str(code)) for j, code in enumerate(codes)]
    for ax, rows, (y, ticks, tick_names, bold, _) in zip(axes.flat, columns, layouts):
        ys = np.array([y[r] for r in rows])
        start = np.nan_to_num(left[rows])
        for j, code in enumerate(codes):
            width = np.nan_to_num(pct[code].to_numpy()[rows])
            ax.barh(ys, width, left=start, color=colors[j], label=names[j], edgecolor="white", linewidth=0.5,
                    height=0.22)
            start = start + width
        for r in rows:
            if pd.isna(table["n"].iloc[r]):
                ax.text(0, y[r], tr("suppressed (small group)"), va="center", ha="center", fontsize=8,
                        color="dimgrey")
        ax.axvline(0, color="black", lw=0.8)
        _label_ticks(ax, ticks, tick_names, bold, bottom)
        ax.set_xlim(-limit, limit)
        ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{abs(v):.0f}"))
        ax.grid(axis="y", visible=False)
    for ax in axes.flat[1:]:
        ax.spines["left"].set_visible(True)
    fig.supxlabel(tr("% of respondents (← disagree 不同意 | agree 同意 →)"), fontsize=9, y=0.8 / (bottom + 1.6), va="bottom")
    fig.suptitle(with_label(title, label), x=0.01, ha="left", fontweight="bold", fontsize=11)
    handles, names = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, [wrap_label(n, 14) for n in names], ncol=k, fontsize=8, loc="lower center", frameon=False)
    fig.tight_layout(rect=(0, 0.75 / (bottom + 1.6), 1, 1), w_pad=1.0)
    return fig


def plot_statements(table: pd.DataFrame, codebook: Codebook, *, label: str | None = None) -> Figure:
    """Share saying yes to each statement (bar, %), its Wilson 95 % interval, and the published share (◆)."""
    if "min_group_size" not in table.attrs:
        raise ValueError("plot from a suppressed table: suppress(table, min_size) first")
    title = tr("The paper's six statements 论文的六个陈述")
    if table.empty:
        return _empty_figure("This survey has none of the paper's yes/no statements.", title, label)
    names = [wrap_label(codebook.items[i].label(_both()) if i in codebook.items else i, 34) for i in table["item"]]
    height = 2.0 + row_height(names) * len(table)
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, height))
    y = np.arange(len(table))[::-1]
    share = table["share"].astype(float) * 100
    ax.barh(y, share.fillna(0), color="#4C72B0", alpha=0.8, height=0.6, label=tr("data 数据"))
    err = np.vstack([share - table["ci_low"].astype(float) * 100, table["ci_high"].astype(float) * 100 - share])
    ax.errorbar(share, y, xerr=np.nan_to_num(err), fmt="none", ecolor="black", capsize=3, lw=1,
                label=tr("Wilson 95% CI"))
    ax.scatter(table["published_share"].astype(float) * 100, y, marker="D", color="#C44E52", zorder=3, s=30,
               label=tr("published 论文"))
    ax.set_yticks(y, names, fontsize=8)
    ax.set_xlim(0, 100)
    ax.set_xlabel(tr("share of respondents saying yes (%) 回答“是”的比例"))
    set_title(ax, title, label)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -1.2 / height),
              ncol=3, frameon=False)
    fig.tight_layout()
    return fig


def plot_group_shares(table: pd.DataFrame, codebook: Codebook, *, title: str, label: str | None = None) -> Figure:
    """Dot plot of :func:`group_shares` (after :func:`suppress`): one panel per grouping, share in %,
    suppressed groups named in the legend and not drawn."""
    if "min_group_size" not in table.attrs:
        raise ValueError("plot from a suppressed table: suppress(table, min_size) first")
    title = tr_given(title)
    if table.empty:
        return _empty_figure("No groups to compare (no attributes, or no statements).", title, label)
    groupings = list(dict.fromkeys(table["grouping"]))
    items = list(dict.fromkeys(table["item"]))
    names = [wrap_label(column_label(codebook, i, _both() if MULTI_SEP not in i else
                                     ("zh" if i18n.get_language() == "zh" else "en")), 30) for i in items]
    y_of, edges = row_positions(names)  # inches from the top: each row as tall as its label
    markers = "osD^vP*X"
    panels = {}  # grouping → legend entries (label, shares or None when suppressed, rows)
    for grouping in groupings:
        sub = table[table["grouping"] == grouping]
        scale = codebook.items[grouping].scale
        entries = []
        for group, rows in sub.groupby("group", sort=False):
            level = scale.level(group) if group in map(str, scale.codes) else None
            name = group if level is None else (level.zh if i18n.get_language() == "zh" else level.en)
            if rows["n"].isna().all():
                entries.append((tr("{name}: suppressed", name=name), None, None))
            else:
                entries.append((f"{name} (n={int(rows['n'].max())})", rows["share"].astype(float) * 100,
                                [y_of[items.index(i)] for i in rows["item"]]))
        panels[grouping] = entries
    # the groupings side by side (at most GROUP_COLUMNS a row), the statements named once on the left:
    # the figure stays well under the A4 text height; each legend (wrapped, one column) above its panel
    ncols = min(GROUP_COLUMNS, len(groupings))
    nrows = math.ceil(len(groupings) / ncols)
    titles = {g: wrap_label(tr("by {grouping}", grouping=codebook.items[g].label(_both())), 18) for g in groupings}
    entries = {g: [(wrap_label(text, 20), shares, ys) for text, shares, ys in panels[g]] for g in groupings}
    lines = [max(t.count("\n") + 1 + sum(e[0].count("\n") + 1 for e in entries[g])
                 for g, t in titles.items() if groupings.index(g) // ncols == r) for r in range(nrows)]
    heights = [edges[-1] + 0.21 * n + 0.7 for n in lines]  # rows, legend lines (8–9 pt), the x axis
    fig, axes = plt.subplots(nrows, ncols, figsize=(FIGURE_WIDTH, 0.8 + sum(heights)), sharex=True, sharey=True,
                             squeeze=False, gridspec_kw={"height_ratios": heights})
    for ax in axes.flat[len(groupings):]:
        ax.set_visible(False)
    for ax, grouping in zip(axes.flat, groupings):
        for m, (text, shares, ys) in enumerate(entries[grouping]):
            if shares is None:
                ax.scatter([], [], marker=markers[m % 8], color="lightgrey", label=text)
            else:
                ax.scatter(shares, ys, marker=markers[m % 8], s=34, alpha=0.85, zorder=3, label=text)
        ax.set_xlim(-2, 102)
        ax.set_ylim(edges[-1], 0)
        ax.set_yticks(y_of, names, fontsize=8)
        ax.tick_params(axis="x", labelbottom=True)
        # the grouping names the legend, above its panel: the dots keep the panel's width
        legend = ax.legend(fontsize=8, loc="lower left", bbox_to_anchor=(0, 1.0), frameon=False, ncol=1,
                           title=titles[grouping], title_fontproperties={"size": 9, "weight": "bold"},
                           alignment="left", borderaxespad=0.2, handletextpad=0.3)
        legend.set_in_layout(True)
    fig.supxlabel(tr("share of the group (%) 组内比例"), fontsize=9)
    fig.suptitle(with_label(title, label), x=0.01, ha="left", fontweight="bold", fontsize=11)
    fig.tight_layout(w_pad=1.5)
    return fig


def plot_loadings(loadings: pd.DataFrame, codebook: Codebook, *, label: str | None = None) -> Figure:
    """Heatmap of :func:`efa_loadings`, items × factors in compact rows: colour for every loading
    (−1 … 1), the value printed where |loading| ≥ 0.3 (``.79`` = 0.79). Items are grouped by their
    codebook dimension (bold header rows) in two columns of panels with one colour bar, labelled with
    the item's short label, so the figure prints under 60 % of the A4 text height (issue 17)."""
    title = tr("Exploratory factor analysis, varimax loadings 探索性因子分析")
    if loadings.empty:
        return _empty_figure("Not enough complete respondents (more than the number of items needed).", title, label)
    factor_cols = [c for c in loadings.columns if str(c).startswith("F")]
    values = loadings[factor_cols].astype(float).to_numpy()
    items = list(loadings.index)
    labels = [_item_label(i, str(i), codebook, bool(codebook.items[i].reverse) if i in codebook.items else False, 33)
              for i in items]
    dims = [codebook.items[i].dimension if i in codebook.items else None for i in items]
    if i18n.get_language() == "zh":  # "F1 culture" → "F1 企业文化"
        ticks = [f"{c.split(' ', 1)[0]} {codebook.dimension_label(c.split(' ', 1)[1], 'zh')}" if " " in str(c)
                 else str(c) for c in factor_cols]
    else:
        ticks = [str(c) for c in factor_cols]
    columns = _columns_by_dimension(dims)
    layouts = [_rows_with_headers(rows, labels, dims, codebook) for rows in columns]
    bottom = max(lay[4] for lay in layouts)
    # the factors as short ticks (F1 …) and named once in a key under the panels: rotated names would take an inch
    key = wrap_label("   ".join(t.replace(" ", "\u00a0", 1) for t in ticks), 150)
    key_lines = key.count("\n") + 1
    height = bottom + 1.3 + 0.17 * key_lines
    fig, axes = plt.subplots(1, len(columns), figsize=(FIGURE_WIDTH, height), squeeze=False)
    image = None
    for ax, rows, (y, yticks, tick_names, bold, _) in zip(axes.flat, columns, layouts):
        for r in rows:
            top, h = y[r] - row_height([labels[r]]) / 2, row_height([labels[r]])
            image = ax.pcolormesh(np.arange(len(factor_cols) + 1) - 0.5, [top, top + h], values[r:r + 1],
                                  cmap="RdBu_r", vmin=-1, vmax=1)
            for j, v in enumerate(values[r]):
                if abs(v) >= 0.3:  # only loadings worth reading are printed
                    ax.text(j, y[r], f"{v:.2f}".replace("0.", ".", 1), ha="center", va="center", fontsize=8,
                            color="white" if abs(v) > 0.6 else "black")
        _label_ticks(ax, yticks, tick_names, bold, bottom)
        ax.set_xlim(-0.5, len(factor_cols) - 0.5)
        ax.set_xticks(range(len(factor_cols)), [t.split(" ", 1)[0] for t in ticks], fontsize=8)
        ax.grid(False)
    fig.suptitle(with_label(title, label), x=0.01, ha="left", fontweight="bold", fontsize=11)
    fig.tight_layout(rect=(0, (0.5 + 0.17 * key_lines) / height, 1, 1), w_pad=1.0)
    fig.text(0.01, 0.47 / height, key, fontsize=8, va="bottom", ha="left")
    bar = fig.add_axes((0.3, 0.12 / height, 0.4, 0.1 / height))
    fig.colorbar(image, cax=bar, orientation="horizontal")
    bar.tick_params(labelsize=8)
    bar.set_title(tr("loading 载荷 (|loading| ≥ 0.3 printed)"), fontsize=8)
    return fig
