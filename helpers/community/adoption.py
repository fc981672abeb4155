"""Suggestions adopted into the Friday MIUI developer builds: lead times, adoption rates (with
right-censoring) and adoption by likes.

References
----------
Newcombe, R. G. (1998). Two-sided confidence intervals for the single proportion.
*Statistics in Medicine* 17, 857–872 (Wilson intervals).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from .io import Community


def adoption_lead_times(c: Community) -> pd.DataFrame:
    """Adopted suggestions with their lead time from post to release.

    Returns ``post_id, posted, release_date, version, feature, likes, lead_days, lead_weeks``;
    ``lead_days`` = release date − post date in whole days.
    """
    posts = c.posts.set_index("post_id")
    a = c.adoptions.copy()
    a["posted"] = a["post_id"].map(posts["timestamp"])
    a["likes"] = a["post_id"].map(posts["likes"]).astype("int64")
    a["lead_days"] = (a["release_date"].dt.normalize() - a["posted"].dt.normalize()).dt.days.astype("int64")
    a["lead_weeks"] = (a["lead_days"] / 7).round(2)
    cols = ["post_id", "posted", "release_date", "version", "feature", "likes", "lead_days", "lead_weeks"]
    return a[[col for col in cols if col in a.columns]].sort_values("posted", kind="stable").reset_index(drop=True)


def adoption_summary(c: Community, censor_days: int = 90) -> pd.DataFrame:
    """Suggestions, adoptions, adoption rate and lead-time quantiles (days).

    The adoption rate is also given for suggestions posted at least ``censor_days`` before the
    last release in the data: later suggestions may still be adopted after the export was taken
    (right-censoring), which would bias the plain rate down.
    """
    lead = adoption_lead_times(c)
    sug = c.posts.loc[c.posts["post_type"] == "suggestion"]
    last = c.releases["release_date"].max() if not c.releases.empty else c.posts["timestamp"].max()
    early = sug["timestamp"] < last - pd.Timedelta(days=censor_days)
    adopted = sug["post_id"].isin(set(c.adoptions["post_id"]))
    q = lead["lead_days"].quantile([0.25, 0.5, 0.75, 0.9]) if len(lead) else pd.Series(np.nan, index=[.25, .5, .75, .9])
    rows = [("suggestions 建议", len(sug)), ("adopted 被采纳", int(adopted.sum())),
            ("adoption rate, all (%)", round(100 * adopted.mean(), 1) if len(sug) else np.nan),
            (f"adoption rate, posted ≥ {censor_days} days before the last build (%)",
             round(100 * adopted[early].mean(), 1) if early.any() else np.nan),
            ("lead time, 25th percentile (days)", q[0.25]), ("lead time, median (days)", q[0.5]),
            ("lead time, 75th percentile (days)", q[0.75]), ("lead time, 90th percentile (days)", q[0.9]),
            ("share shipped within 4 weeks (%)", round(100 * (lead["lead_days"] <= 28).mean(), 1) if len(lead)
             else np.nan)]
    return pd.DataFrame(rows, columns=["measure", "value"])


def adoption_by_likes(c: Community, bins: Sequence[int] = (0, 2, 5, 10, 20, 10_000)) -> pd.DataFrame:
    """Adoption rate of suggestions by likes band, with Wilson 95% intervals (in %)."""
    from statsmodels.stats.proportion import proportion_confint

    sug = c.posts.loc[c.posts["post_type"] == "suggestion"].copy()
    sug["adopted"] = sug["post_id"].isin(set(c.adoptions["post_id"]))
    labels = [f"{lo}–{hi - 1}" if hi < 10_000 else f"{lo}+" for lo, hi in zip(bins[:-1], bins[1:])]
    sug["likes band"] = pd.cut(sug["likes"], bins=list(bins), right=False, labels=labels)
    g = sug.groupby("likes band", observed=False)["adopted"].agg(["size", "sum"]).reset_index()
    g.columns = ["likes band", "suggestions", "adopted"]
    low, high = proportion_confint(g["adopted"], g["suggestions"].clip(lower=1), method="wilson")
    g["rate (%)"] = (100 * g["adopted"] / g["suggestions"].clip(lower=1)).round(1)
    g["ci low (%)"] = (100 * low).round(1)
    g["ci high (%)"] = (100 * high).round(1)
    return g
