"""Reliability and structure of the Likert scales: Cronbach's alpha per dimension, factorability, EFA.

:func:`reverse_coded` flips reverse-worded items; :func:`cronbach_alpha` (with Feldt's interval)
and :func:`reliability_table` measure each dimension's internal consistency; :func:`factorability`
gives KMO and Bartlett's test, and :func:`efa_loadings` an exploratory factor analysis (varimax).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from .codebook import Item
from .reader import SurveyData


def reverse_coded(data: SurveyData, items: Sequence[Item] | None = None) -> pd.DataFrame:
    """Likert answers as floats with reverse-worded items flipped (``min + max − x``, 6 − x on 1–5)."""
    chosen = list(items) if items is not None else data.items("likert")
    out = pd.DataFrame(index=data.responses.index)
    for it in chosen:
        x = data.responses[it.id].astype("Float64").astype(float)
        lo, hi = min(it.scale.codes), max(it.scale.codes)
        out[it.id] = (lo + hi - x) if it.reverse else x
    return out


def cronbach_alpha(items: pd.DataFrame, confidence: float = 0.95) -> tuple[float, tuple[float, float]]:
    """Cronbach's alpha with Feldt's confidence interval, on complete cases.

    ``α = k/(k−1) · (1 − Σ s²_i / s²_total)`` (Cronbach 1951), variances with ``ddof = 1``; the
    interval uses ``(1 − α)/(1 − α̂) ~ F(n−1, (n−1)(k−1))`` (Feldt, Woodruff & Salih 1987):
    ``[1 − (1−α̂)·F_{1−c/2}, 1 − (1−α̂)·F_{c/2}]`` with ``c = 1 − confidence``. Written here rather
    than imported because pingouin, which computes the same (tests check it), is GPL-3 and a test
    dependency only. Rows with any missing answer are dropped (listwise), and ``n`` is counted
    after dropping them.

    Returns
    -------
    (alpha, (ci_low, ci_high))
    """
    x = items.astype(float).dropna()
    n, k = x.shape
    if k < 2 or n < 2:
        raise ValueError("Cronbach's alpha needs at least two items and two complete respondents")
    item_var = x.var(ddof=1).sum()
    total_var = x.sum(axis=1).var(ddof=1)
    alpha = (k / (k - 1)) * (1 - item_var / total_var)
    c = 1 - confidence
    df1, df2 = n - 1, (n - 1) * (k - 1)
    low = 1 - (1 - alpha) * stats.f.isf(c / 2, df1, df2)
    high = 1 - (1 - alpha) * stats.f.isf(1 - c / 2, df1, df2)
    return float(alpha), (float(low), float(high))


def reliability_table(data: SurveyData, confidence: float = 0.95) -> pd.DataFrame:
    """Cronbach's alpha per dimension of Likert items (reverse-coded first).

    Returns ``dimension, label, items, k, n, alpha, ci_low, ci_high, mean_r, verdict`` where
    ``mean_r`` is the mean inter-item correlation and the verdict follows the usual 0.70 floor
    (Tavakol & Dennick 2011; alpha above 0.95 suggests redundant items).
    """
    scored = reverse_coded(data)
    rows = []
    by_dim: dict[str, list[str]] = {}
    for it in data.items("likert"):
        by_dim.setdefault(it.dimension or "(none)", []).append(it.id)
    for dim, ids in by_dim.items():
        x = scored[ids].dropna()
        row = {"dimension": dim, "label": data.codebook.dimension_label(dim), "items": ", ".join(ids),
               "k": len(ids), "n": len(x)}
        if len(ids) >= 2 and len(x) >= 3:
            a, (lo, hi) = cronbach_alpha(x, confidence)
            corr = x.corr().to_numpy()[np.triu_indices(len(ids), 1)]
            verdict = ("redundant? (> 0.95)" if a > 0.95 else "acceptable (≥ 0.70)" if a >= 0.70
                       else "questionable (0.60–0.70)" if a >= 0.60 else "poor (< 0.60)")
            row |= {"alpha": a, "ci_low": lo, "ci_high": hi, "mean_r": float(np.nanmean(corr)), "verdict": verdict}
        rows.append(row)
    table = pd.DataFrame(rows, columns=["dimension", "label", "items", "k", "n", "alpha", "ci_low", "ci_high",
                                        "mean_r", "verdict"])
    table.attrs.update(group_col=None)
    return table


def factorability(data: SurveyData) -> pd.DataFrame:
    """Kaiser–Meyer–Olkin measure and Bartlett's test of sphericity of the (reverse-coded) Likert items.

    From factor_analyzer (``calculate_kmo``, ``calculate_bartlett_sphericity``), which work with
    scikit-learn ≥ 1.8 (its ``FactorAnalyzer.fit`` does not). KMO ≥ 0.6 and a small Bartlett p
    are the usual preconditions for factor analysis (Kaiser 1974; Bartlett 1950).

    Returns one row per statistic: ``statistic, value, df, p_value, n, reading``.
    """
    from factor_analyzer.factor_analyzer import calculate_bartlett_sphericity, calculate_kmo

    x = reverse_coded(data).dropna()
    if x.shape[1] < 3 or len(x) <= x.shape[1]:
        return pd.DataFrame({"statistic": ["KMO", "Bartlett"], "value": [np.nan, np.nan], "df": [np.nan, np.nan],
                             "p_value": [np.nan, np.nan], "n": [len(x)] * 2,
                             "reading": ["not computable: fewer complete respondents than items"] * 2})
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, kmo = calculate_kmo(x)
        chi2, p = calculate_bartlett_sphericity(x)
    p_items = x.shape[1]
    kmo_words = ("marvellous" if kmo >= 0.9 else "meritorious" if kmo >= 0.8 else "middling" if kmo >= 0.7
                 else "mediocre" if kmo >= 0.6 else "miserable" if kmo >= 0.5 else "unacceptable")
    return pd.DataFrame({
        "statistic": ["KMO (Kaiser–Meyer–Olkin)", "Bartlett's test of sphericity (chi-square)"],
        "value": [float(kmo), float(chi2)], "df": [np.nan, p_items * (p_items - 1) / 2],
        "p_value": [np.nan, float(p)], "n": [len(x), len(x)],
        "reading": [f"{kmo_words} (Kaiser 1974)", "correlations differ from zero" if p < 0.05
                    else "correlations may all be zero: factor analysis not warranted"],
    })


def efa_loadings(data: SurveyData, n_factors: int | None = None, seed: int = 0) -> pd.DataFrame:
    """Exploratory factor analysis of the Likert items: varimax-rotated loadings.

    Uses scikit-learn's ``FactorAnalysis(rotation="varimax")`` (maximum likelihood, on z-scored,
    reverse-coded items), because factor_analyzer's ``FactorAnalyzer.fit`` fails with
    scikit-learn ≥ 1.8 (it passes the removed ``force_all_finite`` argument; fixed upstream, not
    released). Factors are signed so that their loadings sum positive and named after the
    dimension whose items load highest on them.

    Parameters
    ----------
    n_factors
        Default: the number of dimensions among the Likert items.

    Returns
    -------
    DataFrame
        Index item; one column per factor (``F1 sharing`` …), then ``dimension``, ``communality``
        and ``on_own_factor`` (the item's largest loading is on the factor named after its dimension).
    """
    from sklearn.decomposition import FactorAnalysis

    items = data.items("likert")
    x = reverse_coded(data, items).dropna()
    dims = list(dict.fromkeys(it.dimension for it in items))
    k = n_factors or len(dims)
    if len(x) <= x.shape[1] or k < 1:
        return pd.DataFrame()
    z = (x - x.mean()) / x.std(ddof=0)
    fa = FactorAnalysis(n_components=k, rotation="varimax", random_state=seed).fit(z.to_numpy())
    load = fa.components_.T
    load = load * np.where(load.sum(axis=0) >= 0, 1, -1)
    dim_of = pd.Series({it.id: it.dimension for it in items})
    table = pd.DataFrame(load, index=x.columns)
    names, used = {}, set()
    mean_by_dim = table.abs().groupby(dim_of).mean()
    for f in mean_by_dim.max().sort_values(ascending=False).index:  # clearest factors name first
        best = next((d for d in mean_by_dim[f].sort_values(ascending=False).index if d not in used), None)
        used.add(best)
        names[f] = best
    table.columns = [f"F{f + 1} {names[f]}" for f in table.columns]
    table["dimension"] = dim_of
    table["communality"] = (load**2).sum(axis=1)
    own = {f"F{f + 1} {names[f]}": names[f] for f in names}
    factor_cols = list(own)
    table["on_own_factor"] = [own[table.loc[i, factor_cols].astype(float).abs().idxmax()] == table.loc[i, "dimension"]
                              for i in table.index]
    table.index.name = "item"
    return table
