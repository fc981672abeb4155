"""Engagement and activity of customers in the community (notebook 06): the per-customer engagement table and
its levels, the funnel, members and activity over time, and customer value by engagement.

Descriptive only: differences in value between engagement groups are associations, not effects.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DataError
from ..i18n import get_language, tr
from .io import Community
from .phrases import POST_TYPES

ENGAGEMENT_LEVELS: dict[str, str] = {
    "non-member": "非会员", "member": "会员（未发帖）", "poster": "发帖者", "suggester": "建议者",
    "adopted": "建议被采纳"}


def engagement(customers: pd.DataFrame, c: Community) -> pd.DataFrame:
    """One row per customer: forum membership and activity counts, and an engagement level.

    Parameters
    ----------
    customers
        Table with ``customer_id`` (e.g. the acquired customer table without test accounts).
    c
        The community.

    Returns
    -------
    DataFrame
        ``customer_id, member, member_ids, posts, experiences, questions, suggestions, adopted,
        replies_written, likes_received, meetups, votes, first_post, last_post, level,
        level_zh``. ``level`` is the highest stage reached: ``non-member`` < ``member`` (no
        posts) < ``poster`` < ``suggester`` < ``adopted`` (an ordered categorical). A customer
        with several member accounts gets the sums over them.
    """
    members = c.members.loc[c.members["customer_id"].notna(), ["member_id", "customer_id"]]
    posts = c.posts.merge(members, on="member_id", how="inner")
    per_post = pd.DataFrame({
        "customer_id": posts["customer_id"],
        "posts": 1, "experiences": (posts["post_type"] == "experience").astype(int),
        "questions": (posts["post_type"] == "question").astype(int),
        "suggestions": (posts["post_type"] == "suggestion").astype(int),
        "adopted": posts["post_id"].isin(set(c.adoptions["post_id"])).astype(int),
        "likes_received": posts["likes"], "first_post": posts["timestamp"], "last_post": posts["timestamp"]})
    agg = per_post.groupby("customer_id").agg(
        posts=("posts", "sum"), experiences=("experiences", "sum"), questions=("questions", "sum"),
        suggestions=("suggestions", "sum"), adopted=("adopted", "sum"), likes_received=("likes_received", "sum"),
        first_post=("first_post", "min"), last_post=("last_post", "max"))

    def count_by_customer(table: pd.DataFrame) -> pd.Series:
        return table.merge(members, on="member_id", how="inner")["customer_id"].value_counts()

    out = pd.DataFrame({"customer_id": customers["customer_id"].astype("string").drop_duplicates().to_numpy()})
    ids = members.groupby("customer_id")["member_id"].agg(lambda s: ",".join(sorted(s)))
    out["member"] = out["customer_id"].isin(set(members["customer_id"]))
    out["member_ids"] = out["customer_id"].map(ids).astype("string")
    out = out.merge(agg, left_on="customer_id", right_index=True, how="left")
    for col in ("posts", "experiences", "questions", "suggestions", "adopted", "likes_received"):
        out[col] = out[col].fillna(0).astype("int64")
    out["replies_written"] = out["customer_id"].map(count_by_customer(c.replies)).fillna(0).astype("int64")
    out["meetups"] = out["customer_id"].map(count_by_customer(c.attendance)).fillna(0).astype("int64")
    out["votes"] = out["customer_id"].map(count_by_customer(c.votes)).fillna(0).astype("int64")
    level = np.select([out["adopted"] > 0, out["suggestions"] > 0, out["posts"] > 0, out["member"]],
                      ["adopted", "suggester", "poster", "member"], "non-member")
    out["level"] = pd.Categorical(level, categories=list(ENGAGEMENT_LEVELS), ordered=True)
    out["level_zh"] = out["level"].map(ENGAGEMENT_LEVELS).astype("string")
    return out


def funnel(eng: pd.DataFrame) -> pd.DataFrame:
    """Engagement funnel: customers → members → posters → suggesters → adopted suggesters.

    Returns ``stage, 阶段, customers, share_of_customers, share_of_previous`` (shares in %).
    """
    stages = [("customers", "客户", len(eng)), ("forum members", "论坛会员", int(eng["member"].sum())),
              ("posters", "发帖者", int((eng["posts"] > 0).sum())),
              ("suggesters", "提建议者", int((eng["suggestions"] > 0).sum())),
              ("adopted suggesters", "建议被采纳者", int((eng["adopted"] > 0).sum()))]
    table = pd.DataFrame(stages, columns=["stage", "阶段", "customers"])
    total = max(len(eng), 1)
    table["share_of_customers"] = (100 * table["customers"] / total).round(1)
    prev = table["customers"].shift(1)
    table["share_of_previous"] = (100 * table["customers"] / prev).round(1)
    return table


def member_overview(c: Community) -> pd.DataFrame:
    """Members, posts, suggestions and adoptions, split by linked-to-a-customer or forum-only."""
    linked = c.members["customer_id"].notna()
    kind = pd.Series(np.where(linked, "linked to a customer 已关联客户", "forum only 仅论坛"), index=c.members.index)
    by_member = c.members.assign(kind=kind).set_index("member_id")["kind"]
    posts = c.posts.assign(kind=c.posts["member_id"].map(by_member))
    adopted = posts["post_id"].isin(set(c.adoptions["post_id"]))
    table = pd.DataFrame({
        "members": kind.value_counts(),
        "posts": posts["kind"].value_counts(),
        "suggestions": posts.loc[posts["post_type"] == "suggestion", "kind"].value_counts(),
        "adopted suggestions": posts.loc[adopted, "kind"].value_counts()}).fillna(0).astype("int64")
    table.index.name = "member kind"
    table.loc["total 合计"] = table.sum()
    return table.reset_index()


def activity_by_month(c: Community) -> pd.DataFrame:
    """Posts per calendar month by type, replies, and members joining (long format).

    Returns ``month, series, count`` with series ``experience``, ``question``, ``suggestion``,
    ``replies``, ``new members``.
    """
    parts = []
    for ptype in POST_TYPES:
        t = c.posts.loc[c.posts["post_type"] == ptype, "timestamp"]
        parts.append(t.dt.to_period("M").value_counts().rename(ptype))
    parts.append(c.replies["timestamp"].dt.to_period("M").value_counts().rename("replies"))
    parts.append(c.members["join_date"].dt.to_period("M").value_counts().rename("new members"))
    wide = pd.concat(parts, axis=1).fillna(0).astype("int64").sort_index()
    wide.index = wide.index.to_timestamp()
    wide.index.name = "month"
    return wide.reset_index().melt(id_vars="month", var_name="series", value_name="count")


#: A level change of less than this fraction (first vs last months) is "about the same", not a direction.
FLAT_CHANGE = 0.05


def direction_word(first: float, last: float, flat: float = FLAT_CHANGE) -> str:
    """"grows" when ``last`` exceeds ``first`` by more than ``flat`` (a fraction of ``first``), "falls" when it
    is below by more than that, otherwise "stays about the same"."""
    if not (np.isfinite(first) and np.isfinite(last)):
        raise ValueError(f"first and last must be numbers, not {first!r}, {last!r}")
    if last > first * (1 + flat) and last > first:
        return tr("grows")
    if last < first * (1 - flat) and last < first:
        return tr("falls")
    return tr("stays about the same")


def funnel_claim(fun: pd.DataFrame) -> tuple[str, dict]:
    """The step of :func:`funnel` that loses the largest share of the previous stage, and whether most
    members post ("most members read, few write" only when under half of them post)."""
    steps = fun.iloc[1:].reset_index(drop=True)
    loss = 100 - steps["share_of_previous"].astype(float)
    worst = int(loss.idxmax())
    numbers = {"from": str(fun["stage"].iloc[worst]), "to": str(steps["stage"].iloc[worst]),
               "loss_pct": float(loss.iloc[worst]),
               "members_posting_pct": float(fun["share_of_previous"].iloc[2]) if len(fun) > 2 else float("nan")}
    names = fun["阶段"] if get_language() == "zh" and "阶段" in fun else fun["stage"]
    text = tr("The biggest loss is from {a} to {b}: {p:.0f}% of the previous stage do not go on.",
              a=names.iloc[worst], b=names.iloc[worst + 1], p=numbers["loss_pct"])
    if np.isfinite(numbers["members_posting_pct"]):
        text += " " + tr("{q:.0f}% of members post: {word} of them.", q=numbers["members_posting_pct"],
                         word=tr("a majority") if numbers["members_posting_pct"] > 50 else
                         tr("a minority") if numbers["members_posting_pct"] < 50 else tr("exactly half"))
    return text, numbers


def value_gap_claim(by_level: pd.DataFrame) -> tuple[str, dict]:
    """Mean CLV of the most engaged level (last row of :func:`value_by_engagement`) against the least (first
    row) with their 95 % intervals: "higher" or "lower" only when the intervals do not overlap, else no clear
    difference. Always an association, never a cause."""
    top, bottom = by_level.iloc[-1], by_level.iloc[0]
    numbers = {"top": float(top["mean clv"]), "top_ci": (float(top["ci low"]), float(top["ci high"])),
               "bottom": float(bottom["mean clv"]), "bottom_ci": (float(bottom["ci low"]), float(bottom["ci high"]))}
    if numbers["top_ci"][0] > numbers["bottom_ci"][1]:
        numbers["direction"] = "higher"
    elif numbers["top_ci"][1] < numbers["bottom_ci"][0]:
        numbers["direction"] = "lower"
    else:
        numbers["direction"] = "no clear difference"
    text = (tr("The most engaged customers are *associated* with {d} value (the intervals do not overlap); this table "
               "cannot say whether engagement causes it.", d=tr(numbers["direction"]))
            if numbers["direction"] != "no clear difference" else
            tr("The intervals overlap: no clear difference in value between the most and the least engaged."))
    return text, numbers


def trend_claim(activity: pd.DataFrame, months: int = 3, recent: int = 6) -> tuple[str, dict]:
    """Directions of posts and of new members from :func:`activity_by_month`, each computed twice:

    * over the whole period: the mean of the first ``months`` months against the mean of the last ``months``
      (``min(months, n // 2)`` when the data are short);
    * recently: the mean of the last ``recent`` months against the ``recent`` months before them (when the data
      have ``2 × recent`` months) — a community can have grown since its start and still be shrinking now;

    and whether the mix of post types shifts (any type's share moving by 5 points or more, first vs last months).
    Words by :func:`direction_word`. Returns ``(sentence, numbers)``; ``numbers[series] = (first, last, word)``
    and ``numbers["recent"][series] = (before, last, word)``.
    """
    wide = activity.pivot_table(index="month", columns="series", values="count", aggfunc="sum").sort_index()
    if len(wide) < 2:
        raise DataError(f"{len(wide)} month(s) of activity are too few for a direction", column="month")
    w = max(1, min(months, len(wide) // 2))
    types = [t for t in POST_TYPES if t in wide.columns]
    wide["posts"] = wide[types].sum(axis=1)
    series_list = [c for c in ("posts", "new members") if c in wide.columns]
    numbers: dict = {"months": w, "period": (f"{wide.index[0]:%Y-%m}", f"{wide.index[-1]:%Y-%m}"), "recent": {}}
    for series in series_list:
        first, last = float(wide[series].iloc[:w].mean()), float(wide[series].iloc[-w:].mean())
        numbers[series] = (first, last, direction_word(first, last))

    def phrase(key: str, values: tuple[float, float, str]) -> str:
        return tr("{what} per month {word} ({a:,.0f} → {b:,.0f})", what=tr(key), word=values[2], a=values[0],
                  b=values[1])

    sp, end = ("", "。") if get_language() == "zh" else (" ", ".")
    text = tr("From the first {w} months to the last {w} ({a} – {b}):", w=w, a=numbers["period"][0],
              b=numbers["period"][1]) + sp + tr(" and ").join(phrase(k, numbers[k]) for k in series_list) + end
    if len(wide) >= 2 * recent:
        numbers["recent_months"] = recent
        for series in series_list:
            before = float(wide[series].iloc[-2 * recent:-recent].mean())
            last = float(wide[series].iloc[-recent:].mean())
            numbers["recent"][series] = (before, last, direction_word(before, last))
        text += sp + tr("Over the last {r} months against the {r} before:", r=recent) + sp + tr(" and ").join(
            phrase(k, numbers["recent"][k]) for k in series_list) + end
    head, tail = wide[types].iloc[:w].sum(), wide[types].iloc[-w:].sum()
    mix = (tail / max(tail.sum(), 1) - head / max(head.sum(), 1)) * 100
    numbers["mix_change_points"] = {t: float(mix[t]) for t in types}
    big = max(numbers["mix_change_points"].items(), key=lambda kv: abs(kv[1]))
    numbers["mix_stable"] = abs(big[1]) < 5
    text += sp + (tr("The mix of post types stays within 5 points.") if numbers["mix_stable"] else
                   tr("The mix of post types shifts: {t} {d:+.0f} points.", t=tr(big[0]), d=big[1]))
    return text, numbers


def _mean_ci(values: pd.Series, alpha: float = 0.05) -> tuple[float, float, float]:
    from scipy.stats import t

    v = pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype=float)
    if v.size == 0:
        return np.nan, np.nan, np.nan
    m = float(v.mean())
    if v.size < 2:
        return m, np.nan, np.nan
    h = float(t.ppf(1 - alpha / 2, v.size - 1) * v.std(ddof=1) / np.sqrt(v.size))
    return m, m - h, m + h


def value_by_engagement(eng: pd.DataFrame, value: pd.DataFrame, by: str = "level",
                        strata: str | None = None) -> pd.DataFrame:
    """Customer value by engagement group: counts, mean CLV with a 95% t interval, median CLV, P(alive).

    Parameters
    ----------
    eng
        :func:`engagement` output.
    value
        One row per customer with ``customer_id`` and some of ``clv, p_alive,
        expected_purchases, frequency, monetary_value`` (notebook 03's ``clv.parquet``) and
        optionally segment columns.
    by
        Engagement column to group by (``level`` or e.g. ``member``).
    strata
        An extra column of ``value`` (e.g. the simulation's true ``group``) to compare within.

    Returns
    -------
    DataFrame
        Per group: ``customers``, ``mean clv``, ``ci low``, ``ci high``, ``median clv``,
        ``mean p_alive``, ``mean expected purchases``. Customers without a value row (no
        purchases) are not included; their number is in ``attrs["unmatched"]``.
        Descriptive only: differences are associations, not effects of engagement.
    """
    joined = eng.merge(value, on="customer_id", how="inner")
    keys = [strata, by] if strata else [by]
    rows = []
    for key, g in joined.groupby(keys, observed=True, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        m, lo, hi = _mean_ci(g["clv"]) if "clv" in g else (np.nan,) * 3
        row = dict(zip(keys, key))
        row.update({"customers": len(g), "mean clv": m, "ci low": lo, "ci high": hi,
                    "median clv": float(g["clv"].median()) if "clv" in g else np.nan,
                    "mean p_alive": float(g["p_alive"].mean()) if "p_alive" in g else np.nan,
                    "mean expected purchases": float(g["expected_purchases"].mean())
                    if "expected_purchases" in g else np.nan})
        rows.append(row)
    out = pd.DataFrame(rows)
    for col in ("mean clv", "ci low", "ci high", "median clv"):
        out[col] = out[col].round(1)
    for col in ("mean p_alive", "mean expected purchases"):
        out[col] = out[col].round(3)
    out.attrs["unmatched"] = int(len(eng) - len(joined))
    return out


def segment_engagement(eng: pd.DataFrame, segments: pd.DataFrame, column: str) -> pd.DataFrame:
    """Share of each segment's customers at each engagement level (rows: segments, %), plus counts."""
    joined = eng.merge(segments[["customer_id", column]], on="customer_id", how="inner")
    table = pd.crosstab(joined[column], joined["level"], normalize="index").mul(100).round(1)
    table.columns = [str(c) for c in table.columns]
    table.insert(0, "customers", joined[column].value_counts().reindex(table.index).to_numpy())
    table.index.name = column
    return table.reset_index()
