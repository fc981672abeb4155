"""Scheme ``"rfm10"``: the 10-segment R×F map over 5-point recency and frequency scores.

The ``seg_map`` used in many public RFM notebooks and courses (champions … hibernating):
:data:`RF_SEGMENT_MAP` (regular expressions over "<R score><F score>"), the same map as a grid
(:data:`RF_GRID`), :func:`rf_segments` (segment per customer from :func:`~helpers.segment.rfm.rfm_scores`),
:func:`plot_rf_heatmap` (customers per cell), and the scheme's entry :data:`SCHEME` (Chinese names,
treatments).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ...i18n import tr
from ...plotting import FIGURE_WIDTH, set_title, wrap_label
from ..arrays import digit_strings, lookup, require
from ..rfm import TieMethod, rfm_scores
from .base import Assigned, Scheme


#: The widely used 10-segment R×F map over 5-point scores: regular expressions over the
#: two-character string "<R score><F score>" → segment (the ``seg_map`` of many public RFM
#: notebooks and courses). Each of the 25 cells matches exactly one pattern.
RF_SEGMENT_MAP: dict[str, str] = {
    r"[1-2][1-2]": "hibernating",
    r"[1-2][3-4]": "at risk",
    r"[1-2]5": "can't lose",
    r"3[1-2]": "about to sleep",
    r"33": "need attention",
    r"[3-4][4-5]": "loyal customers",
    r"41": "promising",
    r"51": "new customers",
    r"[4-5][2-3]": "potential loyalists",
    r"5[4-5]": "champions",
}


def _grid(segment_map: Mapping[Any, str], q: int = 5) -> dict[tuple[int, int], str]:
    """``{(r, f): segment}`` from a regex map (string keys) or a grid ((r, f) keys); unmatched → "Other"."""
    cells = [(r, f) for r in range(1, q + 1) for f in range(1, q + 1)]
    if all(isinstance(k, tuple) for k in segment_map):
        return {cell: segment_map.get(cell, "Other") for cell in cells}
    grid: dict[tuple[int, int], str] = {}
    for r, f in cells:
        hits = [name for pattern, name in segment_map.items() if re.fullmatch(str(pattern), f"{r}{f}")]
        if len(set(hits)) > 1:
            raise ValueError(f"R×F cell {r}{f} matches more than one segment: {hits}")
        grid[(r, f)] = hits[0] if hits else "Other"
    return grid


#: The same map as a 5×5 grid: ``RF_GRID[(r, f)]`` is the segment of recency score r, frequency score f.
RF_GRID: dict[tuple[int, int], str] = _grid(RF_SEGMENT_MAP)


def rf_segments(scores: pd.DataFrame, segment_map: Mapping[Any, str] | None = None) -> pd.Series:
    """Named R×F segment per customer from 5-point ``r_score`` and ``f_score``.

    Parameters
    ----------
    scores
        :func:`rfm_scores` output with ``q=5``.
    segment_map
        Default :data:`RF_SEGMENT_MAP`. Override with your own ``{regex over "RF": name}`` or
        ``{(r, f): name}``; cells no entry covers are "Other".
    """
    require(scores, ["r_score", "f_score"], "rf_segments")
    if int(scores.attrs.get("q", 5)) != 5 or scores[["r_score", "f_score"]].to_numpy().max() > 5:
        raise ValueError("the R×F map is defined on 5-point scores: use rfm_scores(..., q=5)")
    grid = _grid(RF_SEGMENT_MAP if segment_map is None else segment_map)
    table = ["Other"] * 36  # code = 6·r + f, r and f in 1..5
    for (r, f), name in grid.items():
        table[6 * r + f] = name
    code = 6 * scores["r_score"].to_numpy(dtype=np.int64) + scores["f_score"].to_numpy(dtype=np.int64)
    return pd.Series(lookup(table, code), index=scores.index, name="segment")


def plot_rf_heatmap(scores: pd.DataFrame, segment_map: Mapping[Any, str] | None = None, *,
                    label: str | None = None) -> Figure:
    """5×5 heat map of customers per (R, F) score cell, each cell labelled with its count and segment."""
    grid = _grid(RF_SEGMENT_MAP if segment_map is None else segment_map)
    r = scores["r_score"].to_numpy(dtype=np.int64)
    f = scores["f_score"].to_numpy(dtype=np.int64)
    cells = np.bincount(6 * r + f, minlength=36).reshape(6, 6)  # counts by (r, f); a crosstab, ~10× faster
    counts = pd.DataFrame(cells[5:0:-1, 1:6], index=pd.Index(range(5, 0, -1), name="r_score"),
                          columns=pd.Index(range(1, 6), name="f_score"))
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 5.0))
    values = counts.to_numpy()
    image = ax.imshow(values, cmap="Blues", aspect="auto")
    fig.colorbar(image, ax=ax, label=tr("customers (客户数)"))
    top = values.max() or 1
    for i, r in enumerate(counts.index):
        for j, f in enumerate(counts.columns):
            n = int(values[i, j])
            ax.text(j, i, f"{n:,}\n{wrap_label(tr(grid[(r, f)]), 14)}", ha="center", va="center", fontsize=8,
                    color="white" if n > 0.6 * top else "black")
    ax.set_xticks(range(5), [str(f) for f in counts.columns])
    ax.set_yticks(range(5), [str(r) for r in counts.index])
    ax.grid(False)
    ax.set_xlabel(tr("F score (frequency 频率; 5 = most purchase days)"))
    ax.set_ylabel(tr("R score (recency 最近; 5 = most recent)"), labelpad=8)
    set_title(ax, tr("R×F grid: customers per cell and segment R×F 网格"), label)
    return fig


def assign(rfm: pd.DataFrame, *, ties: TieMethod = "min", segment_map: Mapping[Any, str] | None = None) -> Assigned:
    """R×F segments on 5-point scores (``ties`` as in :func:`~helpers.segment.rfm.quantile_scores`);
    ``segment_map`` overrides :data:`RF_SEGMENT_MAP`. The code is the "RF" score string."""
    scores = rfm_scores(rfm, 5, ties=ties)
    seg = rf_segments(scores, segment_map)
    code = digit_strings(scores["r_score"].to_numpy(), scores["f_score"].to_numpy())
    return Assigned(code, seg, {})


SCHEME = Scheme(
    key="rfm10",
    name="R×F map, 10 segments (5-point scores)",
    column="rfm10_segment",
    assign=assign,
    names_zh={
        "champions": "冠军客户（重要价值）", "loyal customers": "忠诚客户", "potential loyalists": "潜在忠诚客户",
        "new customers": "新客户", "promising": "有潜力的新客", "need attention": "需要关注客户",
        "about to sleep": "即将沉睡客户", "at risk": "流失风险客户", "can't lose": "不能失去的客户（重要挽留）",
        "hibernating": "沉睡客户",
    },
    treatments={
        "champions": ("VIP service line, dedicated community manager",
                      "early access to launches, F-code priority purchase, invitation to 小米社区 core testers / 同城会",
                      "小米社区 forum + app push"),
        "loyal customers": ("priority after-sales service", "loyalty points, MIUI beta invitations, referral rewards",
                            "小米社区 + e-mail"),
        "potential loyalists": ("onboarding to the community",
                                "membership offer, accessory bundles for the phone they own",
                                "online mall (小米商城) + app push"),
        "new customers": ("welcome / first-use support", "welcome series, how-to content, first accessory coupon",
                          "channel of the first purchase"),
        "promising": ("proactive usage tips", "second-purchase coupon with a deadline", "online mall + SMS"),
        "need attention": ("satisfaction check-in", "limited-time offers based on past categories",
                           "channel they last used"),
        "about to sleep": ("light-touch reminder", "popular products, flash-sale (抢购) reminders",
                           "channel they last used"),
        "at risk": ("service recovery call / survey", "personalised win-back coupon", "channel they last used"),
        "can't lose": ("personal outreach by a senior agent", "win-back offer on a new flagship, trade-in bonus",
                       "phone call + the channel they last used"),
        "hibernating": ("no active service", "low-cost reactivation in big campaigns (米粉节, 双十一) only",
                        "mass channels (mall newsletter, forum)"),
    },
)
