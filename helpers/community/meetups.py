"""City-club meet-ups (同城会) and purchases: orders before and after each meet-up for attendees
and a comparison group, group means (also reweighted) and differences in differences.

Not a causal design: attendees choose to come, and the simulation plants no effect of attending.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .io import Community


def meetup_panel(c: Community, transactions: pd.DataFrame, window_days: int = 180,
                 end: pd.Timestamp | None = None) -> pd.DataFrame:
    """Purchases before and after each meet-up for attendees and a comparison group.

    For each meet-up with a full ``window_days`` after it (before ``end``, default the last
    transaction), the rows are customers who are members of that city (the club's city), had
    joined the forum and made their first purchase before the meet-up: those who checked in
    (``attended``) and those who did not (``comparison``). ``before``/``after`` count distinct
    orders in ``[d − w, d)`` and ``[d, d + w)``.

    Returns ``meetup_id, date, city, customer_id, attended, before, after, change``.
    """
    tx = transactions[["customer_id", "order_id", "timestamp"]].drop_duplicates(["customer_id", "order_id"])
    tx = tx.assign(customer_id=tx["customer_id"].astype("string"))
    end = tx["timestamp"].max() if end is None else pd.Timestamp(end)
    first = tx.groupby("customer_id")["timestamp"].min()
    members = c.members.loc[c.members["customer_id"].notna()]
    w = pd.Timedelta(days=window_days)
    att = c.attendance.merge(members[["member_id", "customer_id"]], on="member_id", how="inner")
    frames = []
    for _, m in c.meetups.iterrows():
        d = m["date"]
        if d + w > end or d - w < tx["timestamp"].min():
            continue
        pool = members.loc[(members["city"] == m["city"]) & (members["join_date"] < d)]
        pool = pool.loc[pool["customer_id"].map(first).lt(d).fillna(False).astype(bool)]
        ids = pool["customer_id"].drop_duplicates()
        attended = set(att.loc[att["meetup_id"] == m["meetup_id"], "customer_id"])
        frames.append(pd.DataFrame({"meetup_id": m["meetup_id"], "date": d, "city": m["city"],
                                    "customer_id": ids.to_numpy(), "attended": ids.isin(attended).to_numpy()}))
    if not frames:
        return pd.DataFrame(columns=["meetup_id", "date", "city", "customer_id", "attended", "before", "after",
                                     "change"])
    panel = pd.concat(frames, ignore_index=True)
    merged = panel[["meetup_id", "date", "customer_id"]].merge(tx, on="customer_id", how="left")
    delta = merged["timestamp"] - merged["date"]
    merged["before"] = ((delta < pd.Timedelta(0)) & (delta >= -w)).astype(int)
    merged["after"] = ((delta >= pd.Timedelta(0)) & (delta < w)).astype(int)
    counts = merged.groupby(["meetup_id", "customer_id"])[["before", "after"]].sum()
    panel = panel.merge(counts, left_on=["meetup_id", "customer_id"], right_index=True, how="left")
    panel["change"] = panel["after"] - panel["before"]
    return panel


def _reweights(panel: pd.DataFrame) -> np.ndarray:
    """Weights of comparison rows that match the attendees' distribution of orders before (0, 1, 2, 3+)."""
    a = panel.loc[panel["attended"]]
    b = panel.loc[~panel["attended"]]
    band = lambda s: np.minimum(s.to_numpy(), 3)  # noqa: E731
    a_share = pd.Series(band(a["before"])).value_counts(normalize=True)
    b_share = pd.Series(band(b["before"])).value_counts(normalize=True)
    return pd.Series(band(b["before"])).map(lambda k: a_share.get(k, 0.0) / b_share.get(k, np.nan)).fillna(0).to_numpy()


def meetup_groups(panel: pd.DataFrame) -> pd.DataFrame:
    """Mean orders before and after a meet-up: attendees, comparison group, and the comparison reweighted.

    The reweighted comparison weights its rows so that their distribution of orders *before* the
    meet-up (0, 1, 2, 3+) matches the attendees'. Rows are customer–meet-up pairs.
    Returns ``group, pairs, before, after, change``.
    """
    a = panel.loc[panel["attended"]]
    b = panel.loc[~panel["attended"]]
    rows = []
    for name, frame, w in (("attended 参加者", a, None), ("comparison 对照组", b, None),
                           ("comparison, reweighted 对照组（按参会前购买加权）", b, _reweights(panel))):
        wts = np.ones(len(frame)) if w is None else w
        row: dict[str, Any] = {"group": name, "pairs": len(frame)}
        for col in ("before", "after", "change"):
            v = frame[col].to_numpy(dtype=float)
            row[col] = round(float(np.average(v, weights=wts)), 3) if len(v) and wts.sum() > 0 else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def meetup_effects(panel: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """Attendees vs comparison group: naive difference after, and differences in differences, with intervals.

    Rows: ``naive difference after`` (attended − comparison, window after only), ``difference in
    differences`` (attended change − comparison change) and the same against the reweighted
    comparison (:func:`meetup_groups`); Welch (1−alpha) intervals, the weighted one with Kish's
    effective sample size. Rows are customer–meet-up pairs (a customer may appear for several
    meet-ups; the intervals ignore that clustering and are therefore somewhat too narrow). Not a
    causal estimate: attendees choose to come. Returns ``comparison, estimate, ci low, ci high``.
    """
    from scipy.stats import t as tdist

    a = panel.loc[panel["attended"]]
    b = panel.loc[~panel["attended"]]

    def diff(x: np.ndarray, y: np.ndarray, wy: np.ndarray | None = None) -> tuple[float, float, float]:
        wy = np.ones(len(y)) if wy is None else wy
        if len(x) < 2 or wy.sum() <= 0:
            return np.nan, np.nan, np.nan
        my = np.average(y, weights=wy)
        vy = np.average((y - my) ** 2, weights=wy)
        n_eff = wy.sum() ** 2 / (wy ** 2).sum()
        se2x, se2y = x.var(ddof=1) / len(x), vy / max(n_eff - 1, 1)
        d = x.mean() - my
        dof = (se2x + se2y) ** 2 / (se2x ** 2 / (len(x) - 1) + se2y ** 2 / max(n_eff - 1, 1))
        h = tdist.ppf(1 - alpha / 2, dof) * np.sqrt(se2x + se2y)
        return float(d), float(d - h), float(d + h)

    rows = [("naive difference after 参会后差异（未调整）", diff(a["after"].to_numpy(float), b["after"].to_numpy(float))),
            ("difference in differences 双重差分", diff(a["change"].to_numpy(float), b["change"].to_numpy(float))),
            ("difference in differences, reweighted 双重差分（加权）",
             diff(a["change"].to_numpy(float), b["change"].to_numpy(float), _reweights(panel)))]
    out = pd.DataFrame([{"comparison": name, "estimate": e, "ci low": lo, "ci high": hi} for name, (e, lo, hi) in rows])
    return out.round(3)
