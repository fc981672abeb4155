"""Product-design polls: vote shares with simultaneous intervals, and whether the winner is
distinguishable from the runner-up.

References
----------
Goodman, L. A. (1965). On simultaneous confidence intervals for multinomial proportions.
*Technometrics* 7(2), 247–254.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .io import Community


def poll_results(c: Community, alpha: float = 0.05) -> pd.DataFrame:
    """Vote shares per poll option with simultaneous (Goodman 1965) 1−alpha intervals, in %."""
    from statsmodels.stats.proportion import multinomial_proportions_confint

    rows = []
    for poll_id, opts in c.polls.groupby("poll_id", sort=True):
        counts = c.votes.loc[c.votes["poll_id"] == poll_id, "option_id"].value_counts()
        n = np.array([int(counts.get(o, 0)) for o in opts["option_id"]])
        ci = multinomial_proportions_confint(np.maximum(n, 0), alpha=alpha, method="goodman") if n.sum() else \
            np.full((len(n), 2), np.nan)
        for (_, o), k, (lo, hi) in zip(opts.iterrows(), n, ci):
            rows.append({"poll_id": poll_id, "feature": o.get("feature", ""), "option_id": o["option_id"],
                         "option": o.get("option", o["option_id"]), "votes": int(k),
                         "share (%)": round(100 * k / max(n.sum(), 1), 1),
                         "ci low (%)": round(100 * lo, 1), "ci high (%)": round(100 * hi, 1)})
    return pd.DataFrame(rows)


def poll_winners(c: Community, alpha: float = 0.05) -> pd.DataFrame:
    """Is each poll's most-voted option distinguishable from the runner-up?

    Test: among the votes for the two leading options, an exact two-sided binomial test of
    equal preference (``scipy.stats.binomtest``); the difference of shares gets a Wald
    interval with the multinomial variance ``(p1 + p2 − (p1 − p2)²) / n``. The two options are
    picked after seeing the votes, so a borderline p-value should be read as "not clearly
    distinguishable".

    Returns ``poll_id, feature, votes, winner, runner_up, winner share, runner-up share,
    difference (points), ci low, ci high, p_value, distinguishable``.
    """
    from scipy.stats import binomtest, norm

    res = poll_results(c, alpha)
    rows = []
    for poll_id, g in res.groupby("poll_id", sort=True):
        g = g.sort_values("votes", ascending=False, kind="stable")
        n = int(g["votes"].sum())
        k1, k2 = int(g["votes"].iloc[0]), int(g["votes"].iloc[1]) if len(g) > 1 else 0
        p1, p2 = k1 / max(n, 1), k2 / max(n, 1)
        se = np.sqrt(max(p1 + p2 - (p1 - p2) ** 2, 0) / max(n, 1))
        z = norm.ppf(1 - alpha / 2)
        p_value = binomtest(k1, k1 + k2, 0.5).pvalue if k1 + k2 else np.nan
        rows.append({"poll_id": poll_id, "feature": g["feature"].iloc[0], "votes": n,
                     "winner": g["option"].iloc[0], "runner_up": g["option"].iloc[1] if len(g) > 1 else "",
                     "winner share (%)": round(100 * p1, 1), "runner-up share (%)": round(100 * p2, 1),
                     "difference (points)": round(100 * (p1 - p2), 1),
                     "ci low": round(100 * (p1 - p2 - z * se), 1), "ci high": round(100 * (p1 - p2 + z * se), 1),
                     "p_value": float(p_value), "distinguishable": bool(p_value < alpha)})
    return pd.DataFrame(rows)
