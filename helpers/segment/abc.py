"""ABC analysis (ABC 分类): Pareto classes of customers by cumulative value, the Pareto curve and the Gini.

- :func:`abc_classes` — A / B / C by share of cumulative value (default 80/95 cut-offs; the
  customer who crosses a cut-off belongs to the higher class; ties share a class);
- :func:`abc_summary` — customers and value per class; :data:`ABC_ZH` — the classes' Chinese names;
- :func:`pareto_curve`, :func:`gini` — concentration of customer value;
- :func:`plot_pareto` — the curve with the cut-offs, class shares and the Gini coefficient.

References
----------
Pareto / ABC analysis of customers: e.g. Kotler & Keller, *Marketing Management*; the 80/15/5
convention (A up to 80% of cumulative value, B up to 95%, C the rest). Gini coefficient: Gini (1912); the
sorted-values formula in e.g. Damgaard & Weiner (2000).
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from .. import i18n
from ..errors import DataError
from ..i18n import tr
from ..largelog import step_bar
from ..plotting import FIGURE_WIDTH, set_title
from ..schema import strictly_increasing
from .arrays import ID, customer_ids, lookup, numeric, require


ABC_ZH: dict[str, str] = {"A": "A 类（关键客户）", "B": "B 类（主要客户）", "C": "C 类（普通客户）"}


def abc_classes(
    customers: pd.DataFrame,
    value_col: str = "revenue",
    cutoffs: Sequence[float] = (0.80, 0.95),
    labels: Sequence[str] = ("A", "B", "C"),
) -> pd.DataFrame:
    """ABC (Pareto) classes of customers by their share of cumulative value.

    Customers are sorted by value, largest first (ties by ``customer_id``); ``cum_share`` is
    the cumulative share of total value *including* the customer and ``share_before`` the
    share of all customers ranked before the customer's **tie block** (all customers with
    exactly the same value). A customer's class is the first class whose cut-off exceeds
    ``share_before``: with the default 80/95 cut-offs, A is the *smallest* top group whose value
    reaches 80% — **the boundary customer who crosses the 80% line belongs to A** — B continues
    up to 95%, C is the rest (80/15/5). **Ties**: customers with equal value always share a
    class (the class of the first of them), so a tie block at a boundary goes up as a whole;
    ``share_before`` gets a 1e-12 tolerance against floating-point sums.

    Parameters
    ----------
    customers
        One row per customer with ``customer_id`` and ``value_col`` (≥ 0, e.g. revenue in the
        dataset currency or CLV).
    value_col
        Column holding the value.
    cutoffs
        Increasing cumulative-value shares in (0, 1]; one fewer than ``labels``.
    labels
        Class names, best first.

    Returns
    -------
    DataFrame
        ``customer_id, value, rank, cum_customer_share, share_before, cum_share, abc_class``,
        sorted by rank (1 = highest value), **indexed by the customers' own index labels**, so
        ``customers["abc_class"] = abc["abc_class"]`` puts each class on its customer's row
        (pandas aligns on the index; no lookup by id). ``attrs["boundary_ties"]`` lists the tie blocks
        that straddle a cut-off (cut-off, value, customers, class they all went to) — e.g. many
        customers who spent exactly one phone's price — so a report can say why a class holds
        more than its nominal share.

    Raises
    ------
    DataError
        Missing column, negative/missing values, or a total value of zero.
    ValueError
        Cut-offs not increasing in (0, 1] or not one fewer than the labels.
    """
    cut = [float(c) for c in cutoffs]
    if len(cut) != len(labels) - 1:
        raise ValueError(f"cutoffs must be one fewer than labels; got {cutoffs} for {labels}")
    require(customers, [ID, value_col], "abc_classes")
    customer_ids(customers, "abc_classes")
    values = numeric(customers, value_col, "abc_classes")
    total = values.sum()
    checked_total(total, cut, value_col)
    bar = step_bar(len(customers), f"ABC classes by {value_col}", 3)
    order = rank_order(customers[ID], values)
    bar.update()
    value = values[order]
    n = len(value)
    cum, block_start, block_end, index = ranked_classes(value, total, cut)
    bar.update()
    frame = pd.DataFrame({
        ID: customers[ID].array.take(order), "value": value, "rank": np.arange(1, n + 1),
        "cum_customer_share": np.arange(1, n + 1) / n, "share_before": np.clip(block_start, 0.0, 1.0),
        "cum_share": np.minimum(cum, 1.0),
        "abc_class": lookup(labels, np.minimum(index, len(labels) - 1)),
    }, index=customers.index[order])
    straddling = []
    for c in cut:
        mask = (block_start < c - 1e-12) & (block_end > c + 1e-12)
        if mask.sum() > 1:
            straddling.append({"cutoff": c, "value": float(frame.loc[mask, "value"].iloc[0]),
                               "customers": int(mask.sum()), "class": str(frame.loc[mask, "abc_class"].iloc[0])})
    frame.attrs.update({"cutoffs": tuple(cut), "labels": tuple(labels), "value_col": value_col,
                        "boundary_ties": straddling})
    bar.update()
    bar.close()
    return frame


def checked_total(total: float, cutoffs: Sequence[float], column: str | None = None) -> None:
    """Refuse what ABC shares cannot be computed for: cut-offs not increasing within (0, 1] (``ValueError``), a total
    value that is not above 0 (:class:`DataError`: every share would be 0/0)."""
    cut = [float(c) for c in cutoffs]
    if not all(0 < c <= 1 for c in cut) or any(b <= a for a, b in zip(cut, cut[1:])):
        raise ValueError(f"cutoffs must increase within (0, 1]; got {tuple(cutoffs)}")
    if not total > 0:
        raise DataError("total value is zero: ABC shares are undefined", column=column,
                        hint="check the value column (all customers have value 0)")


def ranked_classes(value: np.ndarray, total: float, cutoffs: Sequence[float]) -> tuple[np.ndarray, ...]:
    """The ABC rule of :func:`abc_classes` on values sorted largest first (ties by customer id): ``cum`` (cumulative
    share including each customer), ``block_start`` / ``block_end`` (the share before the customer's tie block and at
    its end) and ``index`` (the class: 0 = the first label), each per customer; ``total``: the sum of every value,
    ``cutoffs``: increasing shares. Shared by :func:`abc_classes` and :func:`abc_class_codes`."""
    n = len(value)
    cum = np.cumsum(value) / total
    before = cum - value / total
    # tie blocks are runs of equal values in the sorted order: first and last share of each run
    starts = np.flatnonzero(np.r_[True, value[1:] != value[:-1]])
    block = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, n]))
    block_start = np.minimum.reduceat(before, starts)[block]
    block_end = np.maximum.reduceat(cum, starts)[block]
    index = np.searchsorted(np.asarray(cutoffs, dtype=float), np.clip(block_start, 0.0, 1.0) + 1e-12, side="right")
    return cum, block_start, block_end, index


def abc_class_codes(values: np.ndarray, cutoffs: Sequence[float] = (0.80, 0.95)) -> np.ndarray:
    """The class of each customer (0 = A, 1 = B …) by :func:`abc_classes`' rule, from the values alone, given in
    customer-id order (no id column: tied values are ranked in the order given, which is the id order) — e.g. one
    column of every customer of a large log, as int8 codes (:mod:`helpers.segment.population`). Refuses what
    :func:`abc_classes` refuses: missing, infinite or negative values, a total of 0, cut-offs out of order."""
    values = np.asarray(values, dtype=float)
    if np.isnan(values).any() or (values < 0).any() or np.isinf(values).any():
        raise DataError("ABC values must be finite and not negative", hint="fill or drop those customers first")
    checked_total(values.sum(), cutoffs)
    order = rank_order(None, values)
    _, _, _, index = ranked_classes(values[order], values.sum(), cutoffs)
    codes = np.empty(len(values), dtype=np.int8)
    codes[order] = index
    return codes


def rank_order(ids: pd.Series | None, values: np.ndarray) -> np.ndarray:
    """Positions sorted by value, largest first, ties by customer id (ascending); ``ids=None``: the values are
    in customer-id order already.

    Customer tables from :func:`customer_table` are sorted by id, so a stable sort on
    value alone gives that order (1.5 s for 12.9M customers); otherwise Arrow sorts on both keys
    (~10 s), or pandas when the ids are not one Arrow type (mixed objects).
    """
    if ids is None or strictly_increasing(ids):
        return np.argsort(-values, kind="stable")
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        table = pa.table({"v": values, "id": pa.array(ids.to_numpy(), from_pandas=True)})
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        frame = pd.DataFrame({"v": values, "id": ids.to_numpy()})
        return frame.sort_values(["v", "id"], ascending=[False, True], kind="mergesort").index.to_numpy()
    return pc.sort_indices(table, sort_keys=[("v", "descending"), ("id", "ascending")]).to_numpy()


def abc_summary(classified: pd.DataFrame) -> pd.DataFrame:
    """Customers and value per ABC class: counts, shares, value range.

    Parameters
    ----------
    classified
        :func:`abc_classes` output.

    Returns
    -------
    DataFrame
        ``class, 中文, customers, customer_share, value, value_share, min_value, max_value``;
        one row per label (empty classes shown with 0), shares as fractions of the total.
    """
    require(classified, ["value", "abc_class"], "abc_summary", hint="pass abc_classes output")
    labels = list(classified.attrs.get("labels", sorted(classified["abc_class"].unique())))
    g = classified.groupby("abc_class")["value"]
    table = pd.DataFrame({"customers": g.size(), "value": g.sum(), "min_value": g.min(), "max_value": g.max()})
    table = table.reindex(labels)
    table["customers"] = table["customers"].fillna(0).astype(int)
    table["value"] = table["value"].fillna(0.0)
    table["customer_share"] = table["customers"] / max(len(classified), 1)
    table["value_share"] = table["value"] / classified["value"].sum()
    table = table.rename_axis("class").reset_index()
    table.insert(1, "中文", table["class"].map(lambda c: ABC_ZH.get(c, c)))
    return table[["class", "中文", "customers", "customer_share", "value", "value_share", "min_value", "max_value"]]


def pareto_curve(values: pd.Series | np.ndarray) -> pd.DataFrame:
    """Pareto (concentration) curve: cumulative share of customers vs cumulative share of value.

    Customers sorted by value, largest first; the curve starts at (0, 0) and ends at (1, 1).
    The classic Lorenz curve (smallest first) is its point reflection, ``1 − value_share`` at
    ``1 − customer_share``; both give the same Gini coefficient.

    Returns
    -------
    DataFrame
        ``customer_share, value_share`` (n + 1 rows, fractions).
    """
    x = np.sort(np.asarray(values, dtype=float))[::-1]
    if x.size == 0 or not np.isfinite(x).all() or (x < 0).any() or x.sum() <= 0:
        raise DataError("pareto_curve needs finite, non-negative values with a positive total")
    cum = np.concatenate([[0.0], np.cumsum(x) / x.sum()])
    return pd.DataFrame({"customer_share": np.arange(x.size + 1) / x.size, "value_share": np.minimum(cum, 1.0)})


def gini(values: pd.Series | np.ndarray) -> float:
    """Gini coefficient of customer value (0 = everyone equal, → 1 = one customer has it all).

    ``G = 2 Σᵢ i·x₍ᵢ₎ / (n Σ x) − (n + 1)/n`` with values sorted ascending, i = 1..n — equal to
    the mean absolute difference over twice the mean, ``Σᵢ Σⱼ |xᵢ − xⱼ| / (2 n² x̄)``, and to
    1 − 2 × (area under the Lorenz curve). Its maximum for n customers is (n − 1)/n.

    Raises
    ------
    DataError
        Empty input, negative or non-finite values, or a zero total.
    """
    x = np.sort(np.asarray(values, dtype=float))
    if x.size == 0 or not np.isfinite(x).all() or (x < 0).any() or x.sum() <= 0:
        raise DataError("gini needs finite, non-negative values with a positive total")
    n = x.size
    i = np.arange(1, n + 1)
    return float(2.0 * np.sum(i * x) / (n * x.sum()) - (n + 1.0) / n)


def plot_pareto(
    classified: pd.DataFrame,
    *,
    label: str | None = None,
    value_name: str = "revenue",
    ax=None,
) -> Figure:
    """Pareto curve with the ABC cut-off lines (80% emphasised), class shares and the Gini coefficient.

    Parameters
    ----------
    classified
        :func:`abc_classes` output (its ``attrs`` carry the cut-offs).
    value_name
        What the value is, for the axis label (e.g. "revenue (CNY)").
    """
    curve = pareto_curve(classified["value"])
    fig, ax = (plt.subplots(figsize=(FIGURE_WIDTH, 4.5)) if ax is None else (ax.figure, ax))
    step = max(1, len(curve) // 4000)  # a few thousand points draw the same line
    shown = curve.iloc[::step] if (len(curve) - 1) % step == 0 else pd.concat([curve.iloc[::step], curve.iloc[[-1]]])
    g = gini(classified["value"])
    ax.plot(shown["customer_share"] * 100, shown["value_share"] * 100, lw=2, label=tr("Pareto curve (Gini {gini:.2f})", gini=g))
    ax.plot([0, 100], [0, 100], ls="--", color="grey", lw=1, label=tr("equal value 均等线"))
    summary = abc_summary(classified)
    colors = sns.color_palette("deep", len(summary))
    x0 = 0.0
    for (_, row), color in zip(summary.iterrows(), colors):
        x1 = x0 + row["customer_share"] * 100
        ax.axvspan(x0, x1, color=color, alpha=0.10)
        if row["customers"]:
            ax.text((x0 + x1) / 2, 4, tr("{abc_class}\n{customers:.0%} cust.\n{value:.0%} value",
                                         abc_class=row["class"], customers=row["customer_share"],
                                         value=row["value_share"]),
                    ha="center", va="bottom", fontsize=8)
        x0 = x1
    for c in classified.attrs.get("cutoffs", (0.8, 0.95)):
        ax.axhline(c * 100, color="firebrick" if abs(c - 0.8) < 1e-9 else "grey", lw=1.2 if abs(c - 0.8) < 1e-9 else 0.8,
                   ls="-" if abs(c - 0.8) < 1e-9 else ":")
        ax.text(101, c * 100, f"{c:.0%}", va="center", fontsize=8, color="firebrick" if abs(c - 0.8) < 1e-9 else "grey")
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 102)
    ax.set_xlabel(tr("customers, ranked by value (cumulative %, 客户累计占比)"))
    ax.set_ylabel(tr("{value_name} (cumulative %, 价值累计占比)", value_name=i18n.tr_header(value_name)))
    ax.legend(loc="center right", fontsize=8)
    set_title(ax, tr("ABC analysis: Pareto curve 帕累托曲线 (ABC 分类)"), label)
    return fig
