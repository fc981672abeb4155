"""The findings of each notebook's summary: sentences computed from this run's result tables.

Each function takes the tables a notebook has just computed (plain DataFrames, columns as the
concept packages return them) and returns a list of :class:`~helpers.report.summary.Finding`:
an English template with its numbers. Every word stating a direction, a rank or a majority is
chosen by comparing numbers (:func:`~helpers.report.summary.compare`), so the sentence changes
when the data do. Shares are fractions (0–1) and shown as %; amounts are in the dataset's currency.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from .summary import Finding, compare


def acquisition_findings(lines: pd.DataFrame, customers: pd.DataFrame | None,
                         leaks: pd.DataFrame | Sequence | None) -> list[Finding]:
    """Notebook 01: order lines read per file, the largest file, the customer table, the privacy check.

    ``lines``: the acquired transactions (``source_file`` when several files were read);
    ``leaks``: what :func:`helpers.privacy.find_personal_data` found (empty = nothing).
    """
    has_files = isinstance(lines, pd.DataFrame) and "source_file" in lines.columns
    per_file = lines["source_file"].value_counts() if has_files else pd.Series([len(lines)])
    total = int(per_file.sum())
    out = [Finding("{n:,} order lines read from {files} file(s).", {"n": total, "files": len(per_file)})]
    if len(per_file) > 1 and total:
        out.append(Finding("The largest file, {file}, holds {share:.0%} of the lines ({n:,}).",
                           {"file": per_file.idxmax(), "share": per_file.max() / total, "n": int(per_file.max())}))
    if customers is not None:
        out.append(Finding("The customer table lists {n:,} customers.", {"n": len(customers)}))
    n_leaks = 0 if leaks is None else len(leaks)
    out.append(Finding("Personal data left after pseudonymisation: {n} column(s).", {"n": n_leaks}))
    return out


def cleaning_findings(accounting: pd.DataFrame, revenue_by: pd.DataFrame,
                      extreme: pd.DataFrame | None = None, currency: str = "") -> list[Finding]:
    """Notebook 02: rows kept, the largest quarantine reason, extreme orders, the largest channel.

    ``accounting``: :func:`helpers.clean.row_accounting` (``step, rows``); ``revenue_by``: revenue
    per channel or category (first column the group, ``revenue``); ``extreme``: the flagged orders
    (``total``).
    """
    steps = accounting.set_index("step")["rows"]
    read, kept = int(steps["rows in"]), int(steps["kept (clean)"])
    out = [Finding("{kept:,} of {read:,} rows kept ({share:.1%}); every other row is in quarantine with a reason.",
                   {"kept": kept, "read": read, "share": kept / read if read else 0.0})]
    reasons = steps[[s for s in steps.index if s.startswith("quarantined: ")]]
    if len(reasons) and reasons.max() > 0:
        out.append(Finding("The largest quarantine reason is {reason}: {n:,} rows ({share:.1%} of rows read).",
                           {"reason": reasons.idxmax().removeprefix("quarantined: "), "n": int(reasons.max()),
                            "share": reasons.max() / read}))
    if extreme is not None:
        if len(extreme):
            out.append(Finding("{n:,} extreme order(s) flagged for a decision, the largest {amount:,.0f} {currency}.",
                               {"n": len(extreme), "amount": float(extreme["total"].max()), "currency": currency}))
        else:
            out.append(Finding("No extreme order flagged.", {}))
    if len(revenue_by) and revenue_by["revenue"].sum() > 0:
        group = revenue_by.columns[0]
        top = revenue_by.sort_values("revenue", ascending=False).iloc[0]
        share = top["revenue"] / revenue_by["revenue"].sum()
        out.append(Finding("{group} brings the most revenue: {share:.0%}, {word} half.",
                           {"group": top[group], "share": share, "word": compare(share, 0.5, "above", 2)}))
    return out


def clv_findings(scores: pd.DataFrame, actual: float | None = None, predicted: float | None = None,
                 currency: str = "") -> list[Finding]:
    """Notebook 03: total and mean CLV, its concentration, customers likely lost, the holdout check.

    ``scores``: :func:`helpers.clv.score_customers` (``clv, p_alive``); ``actual``/``predicted``:
    repeat purchases in the holdout period, observed and by BG/NBD.
    """
    ranked = scores["clv"].sort_values(ascending=False)
    total = float(ranked.sum())
    top = max(1, round(len(ranked) * 0.1))
    share = float(ranked.head(top).sum() / total) if total else 0.0
    out = [Finding("Expected value of the {n:,} customers: {total:,.0f} {currency} (mean {mean:,.2f}, median {median:,.2f}).",
                   {"n": len(ranked), "total": total, "currency": currency, "mean": float(ranked.mean()),
                    "median": float(ranked.median())}),
           Finding("The top 10% of customers ({top:,}) hold {share:.0%} of the total CLV, {ratio:.1f} times their head-count share.",
                   {"top": top, "share": share, "ratio": share / 0.1})]
    lost = float((scores["p_alive"] < 0.5).mean())
    out.append(Finding("{share:.0%} of customers are more likely gone than active (P(alive) < 0.5): {word} of customers.",
                       {"share": lost, "word": compare(lost, 0.5, "majority", 2)}))
    if actual and predicted is not None:
        out.append(Finding("In the holdout period BG/NBD predicted {word} repeat purchases than observed: {pred:,.0f} vs {act:,.0f} ({diff:+.1%}).",
                           {"word": compare(predicted, actual, places=0), "pred": predicted, "act": actual,
                            "diff": predicted / actual - 1}))
    return out


def scorecard_findings(metrics: pd.DataFrame, model: str = "BG/NBD") -> list[Finding]:
    """Notebook 03's holdout scorecard: whether ``model`` beats the naive past-rate forecast (the customer's repeat
    purchases per period so far, times the holdout length) on the mean absolute error per customer, and by how much.

    ``metrics``: :attr:`helpers.clv.Scorecard.metrics` (``forecast, group, customers, mae``; group ``"all"`` = every
    customer; the baseline is the forecast ``"naive: past rate"``). The word is chosen on the errors as shown (3
    decimals); the difference is relative to the baseline's error.
    """
    overall = metrics.loc[metrics["group"] == "all"].set_index("forecast")
    for name in (model, "naive: past rate"):
        if name not in overall.index:
            raise KeyError(f"{name!r} is not in the scorecard's metrics: it has {list(overall.index)}")
    m, b = float(overall.loc[model, "mae"]), float(overall.loc["naive: past rate", "mae"])
    return [Finding("On the holdout, {model} {word} the naive past-rate forecast of each customer's purchases: a mean "
                    "absolute error of {m:.3f} against {b:.3f} purchases per customer ({diff:+.0%}, {n:,} customers).",
                    {"model": model, "word": compare(m, b, "error", 3), "m": m, "b": b,
                     "diff": m / b - 1 if b else float("nan"), "n": int(overall.loc[model, "customers"])})]


def segmentation_findings(profile: pd.DataFrame, abc_table: pd.DataFrame,
                          clusters: pd.DataFrame | None = None) -> list[Finding]:
    """Notebook 04: the segment with the most revenue, class A's size and revenue, the top cluster.

    ``profile``: :func:`helpers.segment.segment_profile` (``segment, customers, share,
    revenue_share``); ``abc_table``: :func:`helpers.segment.abc_summary` (``class, customers,
    customer_share, value_share``); ``clusters``: a cluster profile (``name, share, revenue_share``).
    """
    top = profile.sort_values("revenue_share", ascending=False).iloc[0]
    out = [Finding("The segment with the most revenue is {segment}: {rev:.0%} of revenue from {share:.0%} of customers ({n:,}).",
                   {"segment": top["segment"], "rev": float(top["revenue_share"]), "share": float(top["share"]),
                    "n": int(top["customers"])})]
    a = abc_table.set_index("class").loc["A"]
    out.append(Finding("Class A is {word} of customers ({share:.0%}, {n:,}) and brings {rev:.0%} of revenue.",
                       {"word": compare(float(a["customer_share"]), 0.5, "majority", 2),
                        "share": float(a["customer_share"]), "n": int(a["customers"]), "rev": float(a["value_share"])}))
    largest = profile.sort_values("customers", ascending=False).iloc[0]
    if largest["segment"] != top["segment"]:
        out.append(Finding("The largest segment by head-count, {segment} ({share:.0%} of customers), brings {rev:.0%} of revenue.",
                           {"segment": largest["segment"], "share": float(largest["share"]),
                            "rev": float(largest["revenue_share"])}))
    if clusters is not None and len(clusters):
        best = clusters.sort_values("revenue_share", ascending=False).iloc[0]
        out.append(Finding("k-means found {k} clusters; {name} brings the most revenue ({rev:.0%}) from {share:.0%} of customers.",
                           {"k": len(clusters), "name": best["name"], "rev": float(best["revenue_share"]),
                            "share": float(best["share"])}))
    return out


def survey_findings(statements: pd.DataFrame, likert: pd.DataFrame | None, n_respondents: int) -> list[Finding]:
    """Notebook 05: respondents, the weakest and strongest statement with their Wilson intervals, Likert extremes.

    ``statements``: :func:`helpers.survey.statement_table` (``text, share, ci_low, ci_high``);
    ``likert``: :func:`helpers.survey.likert_table` (``label, agree_share``).
    """
    out = [Finding("{n:,} respondents answered.", {"n": int(n_respondents)})]
    ok = statements.dropna(subset=["share"])
    if len(ok):
        low, high = ok.sort_values("share").iloc[0], ok.sort_values("share").iloc[-1]
        for template, row in (("The weakest statement: {text} ({share:.0%} yes, 95% interval {lo:.0%}–{hi:.0%}).", low),
                              ("The strongest statement: {text} ({share:.0%} yes, 95% interval {lo:.0%}–{hi:.0%}).",
                               high)):
            out.append(Finding(template,
                               {"text": row["text"], "share": float(row["share"]), "lo": float(row["ci_low"]),
                                "hi": float(row["ci_high"])}))
    if likert is not None and len(likert.dropna(subset=["agree_share"])):
        lk = likert.dropna(subset=["agree_share"]).sort_values("agree_share")
        out.append(Finding("Likert agreement ranges from {low:.0%} ({low_item}) to {high:.0%} ({high_item}).",
                           {"low": float(lk.iloc[0]["agree_share"]), "low_item": lk.iloc[0]["label"],
                            "high": float(lk.iloc[-1]["agree_share"]), "high_item": lk.iloc[-1]["label"]}))
    return out


def community_findings(funnel: pd.DataFrame, activity: pd.DataFrame | None = None) -> list[Finding]:
    """Notebook 06: the engagement funnel and whether posting and joining grew or fell.

    ``funnel``: :func:`helpers.community.funnel` (``stage, customers``); ``activity``:
    :func:`helpers.community.activity_by_month` (``month, series, count``). The trend compares the
    first and the last quarter of the months (at least one month each).
    """
    f = funnel.set_index("stage")["customers"]
    total = int(f.iloc[0])
    out = [Finding("{members:,} of {n:,} customers are forum members ({share:.0%}); {posters:,} have posted.",
                   {"members": int(f.get("forum members", 0)), "n": total,
                    "share": f.get("forum members", 0) / total if total else 0.0, "posters": int(f.get("posters", 0))})]
    if "adopted suggesters" in f and f.get("suggesters", 0):
        out.append(Finding("{adopted:,} of {suggesters:,} suggesters had a suggestion adopted ({share:.0%}).",
                           {"adopted": int(f["adopted suggesters"]), "suggesters": int(f["suggesters"]),
                            "share": f["adopted suggesters"] / f["suggesters"]}))
    if activity is not None and len(activity):
        wide = activity.pivot_table(index="month", columns="series", values="count", aggfunc="sum").sort_index()
        q = max(1, len(wide) // 4)
        posts = wide[[c for c in wide.columns if c in ("experience", "question", "suggestion")]].sum(axis=1)
        trends = ((posts, "Posts per month {word} from {first:,.0f} in the first {q} month(s) to {last:,.0f} in the last {q}."),
                  (wide.get("new members"),
                   "New members per month {word} from {first:,.0f} in the first {q} month(s) to {last:,.0f} in the last {q}."))
        for series, template in trends:
            if series is None:
                continue
            first, last = float(series.iloc[:q].mean()), float(series.iloc[-q:].mean())
            out.append(Finding(template,
                               {"word": compare(last, first, "grew", 0), "first": first, "last": last, "q": q}))
    return out


def knowledge_findings(posts_coded: pd.DataFrame | None, metrics: pd.DataFrame, actions: pd.DataFrame) -> list[Finding]:
    """Notebook 07: coded posts and the complaint share, the segment complaining most, the actions.

    ``posts_coded``: the coded posts (``kind``; ``"C"`` = complaint); ``metrics``:
    :func:`helpers.knowledge.segment_metrics` (``segment, customers, complaint_share``);
    ``actions``: :func:`helpers.knowledge.segment_actions` (``segment, rule``; ``R0`` = the default).
    """
    out = []
    if posts_coded is not None and len(posts_coded):
        share = float((posts_coded["kind"] == "C").mean())
        out.append(Finding("{n:,} posts coded; {share:.0%} are complaints.", {"n": len(posts_coded), "share": share}))
    segs = metrics.loc[metrics["segment"] != "all"]
    out.append(Finding("The knowledge base profiles {n:,} customers in {k} segments.",
                       {"n": int(segs["customers"].sum()), "k": len(segs)}))
    if "complaint_share" in segs and segs["complaint_share"].notna().any():
        top = segs.sort_values("complaint_share", ascending=False).iloc[0]
        out.append(Finding("{segment} complains most: {share:.0%} of its posts are complaints.",
                           {"segment": top["segment"], "share": float(top["complaint_share"])}))
    fired = actions.loc[actions["rule"] != "R0", "segment"].nunique()
    out.append(Finding("{fired} of {k} segments trigger a specific action; the others get the default.",
                       {"fired": int(fired), "k": int(actions["segment"].nunique())}))
    return out


def customer_findings(row: Mapping[str, Any], orders: pd.DataFrame, currency: str = "") -> list[Finding]:
    """A customer knowledge report: orders and spend, CLV and P(alive), the segment.

    ``row``: the customer_profile row (``orders, revenue, clv, p_alive, rfm_segment`` where present);
    ``orders``: the customer's order lines (``timestamp``).
    """
    out = [Finding("{n:,} orders, {revenue:,.2f} {currency} spent, from {first} to {last}.",
                   {"n": int(row.get("orders") or 0), "revenue": float(row.get("revenue") or 0.0), "currency": currency,
                    "first": pd.to_datetime(orders["timestamp"]).min().date() if len(orders) else "—",
                    "last": pd.to_datetime(orders["timestamp"]).max().date() if len(orders) else "—"})]
    if pd.notna(row.get("clv")):
        out.append(Finding("Expected value (CLV): {clv:,.2f} {currency}.", {"clv": float(row["clv"]), "currency": currency}))
    if pd.notna(row.get("p_alive")):
        p = float(row["p_alive"])
        out.append(Finding("P(alive) {p:.0%}: {word} the 50% line.", {"p": p, "word": compare(p, 0.5, "above", 2)}))
    if row.get("rfm_segment"):
        out.append(Finding("RFM segment: {segment}.", {"segment": row["rfm_segment"]}))
    return out


def segment_report_findings(summary: pd.DataFrame, segment: str) -> list[Finding]:
    """A segment knowledge report: its size, and its mean CLV and complaint share against all customers.

    ``summary``: the report's ``summary`` (index the measures ``customers, mean_clv,
    complaint_share`` …; columns ``all`` and the segment).
    """
    seg, base = summary[segment], summary["all"]
    n, total = float(seg.get("customers", 0) or 0), float(base.get("customers", 0) or 0)
    out = [Finding("{segment}: {n:,.0f} customers, {share:.0%} of all.",
                   {"segment": segment, "n": n, "share": n / total if total else 0.0})]
    for measure, places, template in (
            ("mean_clv", 2, "Mean CLV {value:,.2f}, {word} the {base:,.2f} of all customers."),
            ("complaint_share", 2, "Complaint share {value:.0%}, {word} the {base:.0%} of all customers.")):
        if measure in summary.index and pd.notna(seg[measure]) and pd.notna(base[measure]):
            v, b = float(seg[measure]), float(base[measure])
            out.append(Finding(template, {"value": v, "base": b, "word": compare(v, b, "above", places)}))
    return out
