"""Customer identification on two axes (客户识别): value to the firm (价值) × needs (需求).

:func:`value_need_matrix` splits customers at the median of each axis into the four
:data:`QUADRANTS` (core, focused high-value, potential, basic customers, each with a
recommended focus); :func:`need_measure` picks the needs column (category breadth, else
frequency); :func:`quadrant_summary` and :func:`plot_value_need` summarise and draw them.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from .. import i18n
from ..i18n import tr
from ..largelog import step_bar
from ..plotting import FIGURE_WIDTH, set_title
from .arrays import ID, customer_ids, lookup, numeric, require


#: (value high?, need high?) → (name, 中文, recommended focus).
QUADRANTS: dict[tuple[bool, bool], tuple[str, str, str]] = {
    (True, True): ("core customers", "核心客户（高价值·多需求）",
                   "keep and deepen: VIP service, co-creation in 小米社区 and MIUI beta, early access to launches"),
    (True, False): ("focused high-value", "高价值·需求单一客户",
                    "widen their needs: cross-sell accessories and ecosystem products that fit what they bought"),
    (False, True): ("potential customers", "潜力客户（低价值·多需求）",
                    "grow value: upgrade offers (flagship phones), bundles, F-code priority purchase"),
    (False, False): ("basic customers", "一般客户（低价值·需求少）",
                     "serve at low cost: self-service, mall newsletters, flash-sale announcements"),
}


def need_measure(customers: pd.DataFrame) -> tuple[str, str]:
    """Which column measures needs (需求): category breadth if recorded, else frequency.

    Returns
    -------
    (column, description)
        ``("n_categories", …)`` when the customer table has recorded categories, otherwise
        ``("frequency", …)`` — purchase periods as an engagement proxy.
    """
    if "n_categories" in customers.columns and customers["n_categories"].notna().any():
        return "n_categories", "product categories bought (品类广度)"
    require(customers, ["frequency"], "need_measure")
    return "frequency", "purchase days (购买天数, engagement proxy: no categories recorded)"


def value_need_matrix(
    customers: pd.DataFrame,
    value_col: str = "clv",
    need_col: str | None = None,
    value_quantile: float = 0.5,
    need_quantile: float = 0.5,
) -> pd.DataFrame:
    """Value × need quadrants (两个维度：价值与需求): identify core and potential customers.

    Value (价值) is ``value_col`` (CLV by default: value to the firm in the future); needs (需求)
    are ``need_col`` (default from :func:`need_measure`: category breadth, or frequency when no
    categories are recorded). Each axis is split at its ``quantile`` (default the median);
    **"high" means strictly above the split**, so customers tied at the split value (common for
    integer needs such as 2 categories) are "low".

    Returns
    -------
    DataFrame
        ``customer_id, value, need, value_high, need_high, quadrant, 中文, focus`` (the two texts as
        categoricals); ``attrs``
        holds ``value_threshold``, ``need_threshold``, ``value_col``, ``need_col``, ``need_label``.
    """
    for qv in (value_quantile, need_quantile):
        if not 0 < qv < 1:
            raise ValueError(f"quantiles must be in (0, 1), not {qv}")
    need_label = None
    if need_col is None:
        need_col, need_label = need_measure(customers)
    require(customers, [ID, value_col, need_col], "value_need_matrix")
    ids = customer_ids(customers, "value_need_matrix")
    value = numeric(customers, value_col, "value_need_matrix", nonnegative=False)
    need = numeric(customers, need_col, "value_need_matrix")
    bar = step_bar(len(customers), "value × needs matrix", 2)
    tv, tn = quadrant_splits(value, need, value_quantile, need_quantile)
    bar.update()
    out = pd.DataFrame({ID: ids.array, "value": value, "need": need, "value_high": value > tv,
                        "need_high": need > tn})
    code = quadrant_codes(value, need, tv, tn)
    for i, column in enumerate(("quadrant", "中文", "focus")):  # the two descriptive texts as categoricals
        out[column] = lookup([cell[i] for cell in QUADRANT_CELLS], code, categorical=i > 0)
    bar.update()
    bar.close()
    out.attrs.update({"value_threshold": tv, "need_threshold": tn, "value_col": value_col, "need_col": need_col,
                      "need_label": need_label or need_col, "value_quantile": value_quantile,
                      "need_quantile": need_quantile})
    return out


#: The quadrants by code 2·value high + need high.
QUADRANT_CELLS = [QUADRANTS[(a, b)] for a in (False, True) for b in (False, True)]


def quadrant_splits(value: np.ndarray, need: np.ndarray, value_quantile: float = 0.5,
                    need_quantile: float = 0.5) -> tuple[float, float]:
    """Where :func:`value_need_matrix` splits each axis: the ``quantile`` of every customer's value and needs."""
    return float(np.quantile(value, value_quantile)), float(np.quantile(need, need_quantile))


def quadrant_codes(value: np.ndarray, need: np.ndarray, value_split: float, need_split: float) -> np.ndarray:
    """The quadrant of each customer as a code into :data:`QUADRANT_CELLS`: 2·(value > its split) + (need > its
    split) — "high" is strictly above (:func:`value_need_matrix`)."""
    return 2 * (np.asarray(value) > value_split).astype(np.int64) + (np.asarray(need) > need_split).astype(np.int64)


def quadrant_summary(matrix: pd.DataFrame, revenue: pd.Series | None = None) -> pd.DataFrame:
    """Customers, share, value share and medians per quadrant, with the recommended focus.

    ``revenue`` (aligned with ``matrix``) adds a revenue share column.
    """
    data = matrix.assign(_rev=np.asarray(revenue, dtype=float) if revenue is not None else np.nan)
    g = data.groupby("quadrant", sort=False)
    table = pd.DataFrame({"customers": g.size(), "value_sum": g["value"].sum(), "median_value": g["value"].median(),
                          "median_need": g["need"].median()})
    order = [v[0] for v in QUADRANTS.values()]
    table = table.reindex(order).fillna({"customers": 0, "value_sum": 0.0})
    table["customers"] = table["customers"].astype(int)
    table["share"] = table["customers"] / len(matrix)
    total = matrix["value"].sum()
    table["value_share"] = table["value_sum"] / total if total else np.nan
    if revenue is not None:
        table["revenue_share"] = g["_rev"].sum().reindex(order).fillna(0.0) / data["_rev"].sum()
    table.insert(0, "中文", [v[1] for v in QUADRANTS.values()])
    table["focus"] = [v[2] for v in QUADRANTS.values()]
    return table.drop(columns="value_sum").rename_axis("quadrant").reset_index()


def plot_value_need(matrix: pd.DataFrame, *, label: str | None = None, value_name: str = "CLV",
                    max_points: int = 5000, seed: int = 0) -> Figure:
    """Scatter of value (log axis) against needs (log axis, jittered when integer) with quadrant lines.

    At most ``max_points`` customers are drawn (a seeded random sample; the quadrant lines and
    shares use everyone). Values below the 1st percentile of positive values (e.g. CLVs of
    1e-12 for customers the model considers gone) are drawn at that percentile.
    """
    rng = np.random.default_rng(seed)
    data = matrix if len(matrix) <= max_points else matrix.iloc[np.sort(rng.choice(len(matrix), max_points,
                                                                                  replace=False))]
    need = data["need"].to_numpy(dtype=float)
    if np.allclose(need, np.round(need)):
        need = need * np.exp(rng.uniform(-0.12, 0.12, size=need.size))  # multiplicative jitter on a log axis
    value = data["value"].to_numpy(dtype=float)
    positive = matrix.loc[matrix["value"] > 0, "value"]
    floor = float(positive.quantile(0.01)) if len(positive) else 1e-3  # near-zero CLVs would stretch the log axis
    value = np.maximum(value, floor)
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 4.6))
    palette = dict(zip([v[0] for v in QUADRANTS.values()], sns.color_palette("deep", 4)))
    for name, color in palette.items():
        mask = (data["quadrant"] == name).to_numpy()
        share = (matrix["quadrant"] == name).mean()
        ax.scatter(need[mask], value[mask], s=6, alpha=0.45, color=color, label=f"{tr(name)} {share:.0%}",
                   linewidths=0)
    tv, tn = matrix.attrs["value_threshold"], matrix.attrs["need_threshold"]
    ax.axhline(max(tv, floor), color="black", lw=1, ls="--")
    ax.axvline(tn + (0.5 if np.allclose(matrix["need"], np.round(matrix["need"])) else 0), color="black", lw=1, ls="--")
    ax.set_xscale("log")
    ax.set_yscale("log")
    if np.allclose(matrix["need"], np.round(matrix["need"])):  # integer needs: plain integer ticks
        top = float(matrix["need"].max())
        ticks = [t for t in (1, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 50, 100, 200, 500) if t <= top * 1.05]
        ax.set_xticks(ticks, [str(t) for t in ticks])
        ax.xaxis.set_minor_formatter(plt.NullFormatter())
    ax.set_xlabel(tr("needs 需求: {need} (log scale)", need=i18n.tr_header(matrix.attrs.get("need_label", "need"))))
    ax.set_ylabel(tr("value 价值: {value_name} (log scale)", value_name=i18n.tr_header(value_name)))
    ax.legend(loc="lower right", fontsize=8, markerscale=3, title=tr("quadrant 象限"), title_fontsize=8)
    shown = (tr("{shown:,} of {total:,} customers shown", shown=len(data), total=len(matrix)) if len(data) < len(matrix)
             else tr("{total:,} customers", total=len(matrix)))
    set_title(ax, tr("Value × needs 价值 × 需求 ({shown})", shown=shown), label)
    return fig
