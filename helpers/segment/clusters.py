"""Customer clusters (客户聚类): k-means on log-scaled RFM (+ CLV) with k chosen by the silhouette.

:class:`CustomerClusters` fits, numbers clusters by value and names them from their profile;
:func:`plot_cluster_selection` (elbow and silhouette against k) and :func:`plot_cluster_centres`
(centres as z-scores) draw the choice and the result.

References
----------
MacQueen (1967) k-means; Rousseeuw (1987) silhouettes; Sculley (2010) mini-batch k-means; scikit-learn.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from .. import i18n
from ..errors import DataError
from ..i18n import tr
from ..plotting import FIGURE_WIDTH, set_title
from .arrays import numeric, require


@dataclass
class _Selection:
    k: int
    inertia: float
    silhouette: float


class CustomerClusters:
    """k-means on log-scaled RFM (+ CLV) with k chosen by the silhouette; deterministic.

    Features are transformed by ``log1p`` (RFM and CLV are heavily right-skewed, and k-means
    uses Euclidean distance) and standardised (``StandardScaler``), then k-means
    (scikit-learn, ``random_state=seed``, ``n_init`` restarts) is fitted for every k in
    ``k_range`` (inclusive). The chosen ``k_`` maximises the mean silhouette (computed for every
    k on the same seeded sample of at most ``silhouette_sample`` customers, from one distance
    matrix; ties → smaller k); inertia is kept for the elbow plot. k-means runs single-threaded
    (``threadpoolctl``): on a few thousand customers OpenMP start-up costs more than it saves. Cluster numbers are then reordered so cluster 1 has the highest mean
    of ``order_by`` (CLV or revenue): the numbering does not depend on k-means' arbitrary labels.

    Parameters
    ----------
    k_range
        ``(smallest k, largest k)``, inclusive, k ≥ 2.
    seed
        Seed for k-means and the silhouette sample.
    n_init
        k-means restarts per k.
    silhouette_sample
        Customers sampled for the silhouette (it costs O(sample²) memory and time).
    order_by
        Feature whose cluster mean numbers the clusters (default: the last feature column).
    minibatch_above
        Above this many customers, :class:`sklearn.cluster.MiniBatchKMeans` (batches of 8,192)
        replaces full k-means, whose every iteration passes over all customers: k is chosen on a
        seeded sample of this many customers (``selection_``'s inertia is the sample's), then the
        chosen k is fitted on every customer.

    Attributes
    ----------
    features_ : list of str
    scaler_ : sklearn.preprocessing.StandardScaler
    model_ : sklearn.cluster.KMeans (the chosen k)
    k_ : int
    selection_ : DataFrame (``k, inertia, silhouette``)
    labels_ : Series of int (1..k_, indexed like the fitted frame)

    References
    ----------
    MacQueen (1967); Rousseeuw (1987) "Silhouettes", J. Comput. Appl. Math. 20, 53–65.
    """

    def __init__(self, k_range: tuple[int, int] = (2, 8), seed: int = 0, n_init: int = 4,
                 silhouette_sample: int = 2000, order_by: str | None = None,
                 minibatch_above: int = 200_000) -> None:
        self.minibatch_above = minibatch_above
        self.k_range = k_range
        self.seed = seed
        self.n_init = n_init
        self.silhouette_sample = silhouette_sample
        self.order_by = order_by

    def _matrix(self, frame: pd.DataFrame) -> np.ndarray:
        return np.column_stack([np.log1p(numeric(frame, c, "CustomerClusters")) for c in self.features_])

    def fit(self, frame: pd.DataFrame, features: Sequence[str] | None = None) -> CustomerClusters:
        """Fit on ``features`` columns of ``frame`` (default recency, frequency, monetary_value[, clv])."""
        from sklearn.cluster import KMeans, MiniBatchKMeans
        from sklearn.metrics import pairwise_distances, silhouette_score
        from sklearn.preprocessing import StandardScaler
        from threadpoolctl import threadpool_limits

        if features is None:
            features = ["recency", "frequency", "monetary_value"] + (["clv"] if "clv" in frame.columns else [])
        require(frame, list(features), "CustomerClusters.fit")
        self.features_ = list(features)
        lo, hi = int(self.k_range[0]), int(self.k_range[1])
        n = len(frame)
        if lo < 2 or hi < lo:
            raise ValueError(f"k_range must be (k_min ≥ 2, k_max ≥ k_min), not {self.k_range}")
        if n <= lo:
            raise DataError(f"{n} customers are too few for {lo} clusters", hint="lower k_range or use more data")
        hi = min(hi, n - 1)
        raw = self._matrix(frame)
        self.scaler_ = StandardScaler().fit(raw)
        x = self.scaler_.transform(raw)
        rows, models = [], {}
        # one seeded sample and one distance matrix for every k (silhouettes cost O(sample²))
        rng = np.random.default_rng(self.seed)
        pick = np.sort(rng.choice(n, size=min(n, int(self.silhouette_sample)), replace=False))
        distances = pairwise_distances(x[pick])
        big = n > self.minibatch_above
        # millions of customers: k is chosen with mini-batch k-means (Sculley 2010) on a seeded sample of
        # minibatch_above customers; the chosen k is then fitted, mini-batch, on every customer
        xs = x[np.sort(rng.choice(n, size=int(self.minibatch_above), replace=False))] if big else x
        from tqdm.auto import tqdm

        for k in tqdm(range(lo, hi + 1), desc=f"k-means on {n:,} customers", unit="k", disable=not big):
            if big:
                km = MiniBatchKMeans(n_clusters=k, n_init=self.n_init, batch_size=8192, max_no_improvement=20,
                                     random_state=self.seed).fit(xs)
            else:
                with threadpool_limits(1):  # OpenMP start-up costs more than it saves on data this size
                    km = KMeans(n_clusters=k, n_init=self.n_init, random_state=self.seed).fit(x)
            models[k] = km
            sub = km.predict(x[pick]) if big else km.labels_[pick]
            sil = float(silhouette_score(distances, sub, metric="precomputed")) if len(np.unique(sub)) > 1 \
                else float("nan")
            rows.append(_Selection(k, float(km.inertia_), sil))
        self.selection_ = pd.DataFrame([r.__dict__ for r in rows])
        best = self.selection_.dropna(subset=["silhouette"])
        self.k_ = int(best.sort_values(["silhouette", "k"], ascending=[False, True]).iloc[0]["k"]) if len(best) else lo
        self.model_ = models[self.k_]
        if big:
            self.model_ = MiniBatchKMeans(n_clusters=self.k_, n_init=self.n_init, batch_size=8192,
                                          max_no_improvement=20, random_state=self.seed).fit(x)
        order_col = self.order_by or self.features_[-1]
        by = pd.Series(numeric(frame, order_col, "CustomerClusters")).groupby(self.model_.labels_).mean()
        ranking = by.sort_values(ascending=False, kind="mergesort").index
        mapping = {old: new for new, old in enumerate(ranking, start=1)}
        self.numbers_ = mapping  # k-means label → cluster number (1 = highest mean of order_by)
        self.labels_ = pd.Series([mapping[v] for v in self.model_.labels_], index=frame.index, name="cluster")
        self.centres_ = pd.DataFrame(self.model_.cluster_centers_, columns=self.features_).rename(index=mapping).sort_index()
        self.centres_.index.name = "cluster"
        return self

    def predict(self, frame: pd.DataFrame) -> pd.Series:
        """The cluster number of each customer of ``frame`` (the features :meth:`fit` used): the fitted scaler and
        k-means applied as fitted, numbered as :attr:`labels_` — e.g. every customer of a large log, chunk by chunk,
        after a fit on a sample of it."""
        labels = self.model_.predict(self.scaler_.transform(self._matrix(frame)))
        numbers = np.zeros(max(self.numbers_) + 1, dtype=np.int64)
        numbers[list(self.numbers_)] = list(self.numbers_.values())
        return pd.Series(numbers[labels], index=frame.index, name="cluster")

    def profile(self, frame: pd.DataFrame, value_col: str = "revenue") -> pd.DataFrame:
        """Cluster profile: size, share, mean and median of each feature, value share, name.

        Names come from ranks among clusters: the value rank by mean ``order_by``, said in the name
        ("value #1 of 3 (mean CLV)" / "价值第1/3（平均CLV）"; a rank, not a tier, so two clusters of
        nearly equal value are not called "mid" and "low"), activity tier by median days since last
        purchase (recent / cooling / dormant 近期活跃/渐冷/沉睡), and repeat (复购) vs one-time (单次)
        by median purchase periods. ``attrs["rank_by"]`` is the column the rank uses.
        """
        require(frame, [value_col], "CustomerClusters.profile")
        labels = self.labels_.reindex(frame.index)
        data = frame[self.features_ + ([value_col] if value_col not in self.features_ else [])].astype(float)
        g = data.groupby(labels.to_numpy())
        table = pd.DataFrame({"customers": g.size()})
        table["share"] = table["customers"] / len(frame)
        table[f"{value_col}_share"] = g[value_col].sum() / data[value_col].sum()
        for c in self.features_:
            table[f"mean_{c}"] = g[c].mean()
            table[f"median_{c}"] = g[c].median()
        table.index.name = "cluster"
        k = len(table)
        order_col = self.order_by or self.features_[-1]
        value_rank = table[f"mean_{order_col}"].rank(ascending=False, method="first").astype(int) - 1
        tiers = lambda rank: int(math.floor(rank * 2 / max(k - 1, 1) + 0.5))  # noqa: E731 - 0,1,2
        by_name = "CLV" if order_col == "clv" else order_col.replace("_", " ")
        act_names = [("recent", "近期活跃"), ("cooling", "渐冷"), ("dormant", "沉睡")]
        names, names_zh = [], []
        if "recency" in self.features_:
            rec_rank = table["median_recency"].rank(method="first").astype(int) - 1
        else:
            rec_rank = pd.Series(0, index=table.index)
        for cl in table.index:
            rank = int(value_rank[cl]) + 1
            v = (f"value #{rank} of {k} (mean {by_name})", f"价值第{rank}/{k}（平均{by_name}）")
            a = act_names[tiers(rec_rank[cl])]
            rep = ("repeat", "复购") if table.loc[cl].get("median_frequency", 2) > 1 else ("one-time", "单次")
            names.append(f"{v[0]} · {a[0]} · {rep[0]}")
            names_zh.append(f"{v[1]}·{a[1]}·{rep[1]}")
        seen: dict[str, int] = {}
        for i, name in enumerate(names):
            seen[name] = seen.get(name, 0) + 1
            if seen[name] > 1:
                names[i] += f" #{seen[name]}"
                names_zh[i] += f" #{seen[name]}"
        table.insert(0, "name", names)
        table.insert(1, "中文", names_zh)
        out = table.reset_index()
        out.attrs["rank_by"] = f"mean_{order_col}"
        return out


def plot_cluster_selection(selection: pd.DataFrame, k: int, *, label: str | None = None) -> Figure:
    """Elbow (inertia) and silhouette against k, with the chosen k marked."""
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(FIGURE_WIDTH, 3.2))
    a1.plot(selection["k"], selection["inertia"], marker="o")
    a1.set_xlabel(tr("number of clusters k"))
    a1.set_ylabel(tr("inertia (WCSS)"))
    a1.set_title(tr("Elbow 肘部法则"), loc="left", fontsize=9)
    a2.plot(selection["k"], selection["silhouette"], marker="o", color=sns.color_palette("deep")[1])
    a2.set_xlabel(tr("number of clusters k"))
    a2.set_ylabel(tr("mean silhouette"))
    a2.set_title(tr("Silhouette 轮廓系数"), loc="left", fontsize=9)
    for ax in (a1, a2):
        ax.axvline(k, color="firebrick", ls="--", lw=1)
        ax.set_xticks(selection["k"])
    a2.text(k, a2.get_ylim()[0], tr(" chosen k = {k}", k=k), color="firebrick", va="bottom", fontsize=8)
    fig.suptitle(i18n.with_label(tr("Choosing k 选择聚类数"), label), x=0.01, ha="left", fontweight="bold")
    fig.tight_layout()
    return fig


def plot_cluster_centres(clusters: CustomerClusters, names: Sequence[str] | None = None, *,
                         label: str | None = None) -> Figure:
    """Heat map of cluster centres in standard units of log1p(feature) (0 = average customer)."""
    centres = clusters.centres_.copy()
    if names is not None:
        centres.index = [f"{i} · {n}" for i, n in zip(centres.index, i18n.tr_labels(names, lenient=True))]
    short = {"recency": "R: days since\nlast purchase", "frequency": "F: purchase\ndays",
             "monetary_value": "M: spend per\npurchase day", "clv": "CLV"}
    centres.columns = [tr(short[c]) if c in short else i18n.tr_header(c) for c in centres.columns]
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 1.6 + 0.45 * len(centres)))
    sns.heatmap(centres, cmap="RdBu_r", center=0, annot=True, fmt=".1f", cbar=False, ax=ax)
    ax.set_xlabel(tr("feature (log(1 + x), standardised: 0 = average customer)"))
    ax.set_ylabel("")
    ax.tick_params(axis="x", rotation=0, labelsize=8)
    set_title(ax, tr("Cluster centres 聚类中心 (z-scores)"), label)
    fig.tight_layout()
    return fig
