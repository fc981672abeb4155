"""Apply customer knowledge (运用): recommended actions per segment and per customer, each traced
to the rule and the numbers (with their table and column) that triggered it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError
from ..i18n import catalog, tr
from ..segment import treatment
from .base import has_table, meta

#: Rules for segment-level actions: id → (action, 行动, basis in the seeds)
SEGMENT_RULES: dict[str, tuple[str, str, str]] = {
    "R1": ("Protect and involve: invite to developer-build testing and city-club events (内测、同城会)",
           "重点维护：邀请参加内测与同城会活动",
           "paper 2, prototype testing with lead users; paper 1, offline meet-ups"),
    "R2": ("Win back: targeted coupons and flash-sale reminders", "挽回：定向优惠券与抢购提醒",
           "paper 2, commercialisation: community points and coupons"),
    "R3": ("Fix the top complaint: route it to the product / after-sales team and call back", "针对主要投诉改进并回访",
           "paper 2, application (运用): use knowledge to solve customers' problems"),
    "R4": ("Invite into the community (小米社区, 同城会)", "邀请加入小米社区与同城会",
           "paper 1, customer interaction through the community"),
    "R5": ("Reward contributors: community points, thanks in release notes", "激励贡献者：社区积分与版本致谢",
           "paper 2, incentives (moderate, fair, explicit, timely, diverse, systematic)"),
    "R6": ("Price-sensitive offers: 米粉节 and coupon notices", "价格敏感：米粉节与优惠券通知",
           "paper 1, mid/low price segment; flash sales"),
    "R0": ("Keep in touch: regular news and service", "常规维护：定期资讯与服务", "default when no rule fires"),
}

#: Rule R0 for a segment the scheme registry knows: its treatment is the action (one source of advice).
REGISTRY_RULE = ("The segment's treatment", "分群方案的建议措施",
                 "the segment scheme registry (helpers.segment.RFM_SCHEMES), as in notebook 04")


def registry_action(segment: str) -> tuple[str, str, str] | None:
    """``(action, 行动, basis)`` of rule R0 for ``segment`` from the scheme registry
    (:func:`helpers.segment.treatment`: its marketing action and channel; Chinese through the catalog where it
    has them), or ``None`` when the registry has no entry for it."""
    try:
        service, marketing, channel = treatment(str(segment))
    except KeyError:
        return None
    en = f"{marketing} ({channel})"
    zh = f"{catalog().get(marketing, marketing)}（{catalog().get(channel, channel)}）"  # 行动 is always Chinese
    return f"{REGISTRY_RULE[0]}: {en}", f"{REGISTRY_RULE[1]}：{zh}", REGISTRY_RULE[2]


def segment_metrics(con, column: str | None = None) -> pd.DataFrame:
    """Per segment: size, value, P(alive), engagement shares and feedback shares (the rules' evidence).

    Columns (when the data have them): ``segment, customers, mean_clv, mean_p_alive,
    mean_revenue, mean_expected_purchases, repeat_buyers, mean_p_alive_repeat, member_share,
    suggester_share, posts, complaint_share, top_complaint, top_complaint_share, price_share``;
    a row ``all`` gives the whole customer base. ``mean_p_alive_repeat`` averages P(alive) over
    customers with at least one repeat purchase: the BG/NBD model lets customers drop out only
    after a repeat purchase, so its P(alive) is 1 for every one-time buyer and says nothing there.
    """
    column = column or meta(con).get("segment_column", "rfm_segment")
    prof = con.execute("SELECT * FROM customer_profile").df()
    if column not in prof.columns:
        raise DataError(f"segment column {column!r} is not in the knowledge base", column=column,
                        hint=f"use one of the segment columns: {[c for c in prof.columns if 'segment' in c]}")
    prof = prof.loc[prof[column].notna()]
    posts = con.execute("SELECT customer_id, kind, category, category_zh FROM posts_coded WHERE customer_id IS NOT NULL"
                        ).df() if has_table(con, "posts_coded") else None
    rows = []
    groups = [("all", prof)] + [(str(k), g) for k, g in prof.groupby(column, sort=True)]
    for name, g in groups:
        row: dict[str, Any] = {"segment": name, "customers": len(g)}
        for col, key in (("clv", "mean_clv"), ("p_alive", "mean_p_alive"), ("revenue", "mean_revenue"),
                         ("expected_purchases", "mean_expected_purchases")):
            if col in g:
                row[key] = float(pd.to_numeric(g[col], errors="coerce").mean())
        if "p_alive" in g and "frequency" in g:
            repeat = pd.to_numeric(g["frequency"], errors="coerce") >= 1
            row["repeat_buyers"] = int(repeat.sum())
            row["mean_p_alive_repeat"] = float(pd.to_numeric(g.loc[repeat, "p_alive"], errors="coerce").mean()) \
                if repeat.any() else np.nan
        for col, key in (("member", "member_share"), ("suggestions", "suggester_share")):
            if col in g:
                row[key] = float((g[col].fillna(0).astype(float) > 0).mean())
        if posts is not None:
            p = posts.loc[posts["customer_id"].isin(set(g["customer_id"]))]
            row["posts"] = len(p)
            comp = p.loc[p["kind"] == "C"]
            row["complaint_share"] = len(comp) / len(p) if len(p) else np.nan
            if len(comp):
                top = comp["category_zh"].value_counts()
                row["top_complaint"] = top.index[0]
                row["top_complaint_share"] = float(top.iloc[0] / len(comp))
            row["price_share"] = float((p["category"] == "06").mean()) if len(p) else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def _fmt(x: Any, pct: bool = False, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return "n/a"
    return f"{100 * x:.1f}%" if pct else f"{x:,.{digits}f}"


def segment_actions(metrics: pd.DataFrame, min_posts: int = 20, min_customers: int = 30) -> pd.DataFrame:
    """Recommended actions per segment, each traced to the rule and numbers that triggered it.

    Rules (thresholds relative to the whole base, row ``all`` of :func:`segment_metrics`):

    * R1 protect and involve: mean CLV ≥ 1.5 × overall and mean P(alive) ≥ overall;
    * R2 win back: mean P(alive) < 0.5 and mean past revenue ≥ overall;
    * R3 fix the top complaint: ≥ ``min_posts`` posts and complaint share ≥ 30%;
    * R4 invite into the community: member share < 0.8 × overall and mean expected purchases ≥ overall;
    * R5 reward contributors: suggester share ≥ 1.5 × overall;
    * R6 price-sensitive offers: ≥ ``min_posts`` posts and price-topic share ≥ 1.5 × overall;
    * R0 when no other rule fires: the segment's treatment in the scheme registry
      (:func:`helpers.segment.treatment`, the table notebook 04 shows), "keep in touch" for a segment
      the registry does not know.

    Every row also carries ``treatment``, the registry's marketing action for the segment ("—" if none),
    so a rule's action can be read beside the scheme's advice.

    The share rules R4–R6 need at least ``min_customers`` customers in the segment (a share of a
    handful of customers is noise).

    P(alive) is the mean over repeat buyers when :func:`segment_metrics` provides it (see there
    why). Returns ``segment, rule, action, 行动, evidence, source, basis, treatment``; ``evidence`` gives the
    numbers compared, ``source`` the knowledge-base view and columns they come from.
    """
    allrow = metrics.loc[metrics["segment"] == "all"].iloc[0]
    out = []

    def get(row: pd.Series, key: str) -> float:
        v = row.get(key, np.nan)
        return float(v) if v is not None and not pd.isna(v) else np.nan

    for _, r in metrics.loc[metrics["segment"] != "all"].iterrows():
        fired = []
        clv, clv_all = get(r, "mean_clv"), get(allrow, "mean_clv")
        pa_key = "mean_p_alive_repeat" if "mean_p_alive_repeat" in metrics else "mean_p_alive"
        pa_name = "mean P(alive) of repeat buyers" if pa_key == "mean_p_alive_repeat" else "mean P(alive)"
        pa, pa_all = get(r, pa_key), get(allrow, pa_key)
        if clv >= 1.5 * clv_all and pa >= pa_all:
            fired.append(("R1", f"mean CLV {_fmt(clv)} ≥ 1.5 × overall {_fmt(clv_all)}; {pa_name} {_fmt(pa)} ≥ "
                                f"overall {_fmt(pa_all)}", "customer_profile.clv, customer_profile.p_alive"))
        rev, rev_all = get(r, "mean_revenue"), get(allrow, "mean_revenue")
        if pa < 0.5 and rev >= rev_all:
            fired.append(("R2", f"{pa_name} {_fmt(pa)} < 0.50; mean past revenue {_fmt(rev)} ≥ overall "
                                f"{_fmt(rev_all)}", "customer_profile.p_alive, customer_profile.revenue"))
        posts = get(r, "posts")
        cs = get(r, "complaint_share")
        if posts >= min_posts and cs >= 0.30:
            fired.append(("R3", f"{int(posts)} posts, complaint share {_fmt(cs, True)} ≥ 30%; top complaint "
                                f"{r.get('top_complaint', '')} ({_fmt(get(r, 'top_complaint_share'), True)} of complaints)",
                          "posts_coded.kind = 'C', posts_coded.category"))
        big = get(r, "customers") >= min_customers
        ms, ms_all = get(r, "member_share"), get(allrow, "member_share")
        ep, ep_all = get(r, "mean_expected_purchases"), get(allrow, "mean_expected_purchases")
        if big and ms < 0.8 * ms_all and ep >= ep_all:
            fired.append(("R4", f"member share {_fmt(ms, True)} < 0.8 × overall {_fmt(ms_all, True)}; mean expected "
                                f"purchases {_fmt(ep)} ≥ overall {_fmt(ep_all)}",
                          "customer_profile.member, customer_profile.expected_purchases"))
        ss, ss_all = get(r, "suggester_share"), get(allrow, "suggester_share")
        if big and ss >= 1.5 * ss_all and ss_all > 0:
            fired.append(("R5", f"suggester share {_fmt(ss, True)} ≥ 1.5 × overall {_fmt(ss_all, True)}",
                          "customer_profile.suggestions"))
        ps, ps_all = get(r, "price_share"), get(allrow, "price_share")
        if big and posts >= min_posts and ps >= 1.5 * ps_all and ps_all > 0:
            fired.append(("R6", f"price-topic share of posts {_fmt(ps, True)} ≥ 1.5 × overall {_fmt(ps_all, True)}",
                          "posts_coded.category = '06'"))
        if not fired:
            fired.append(("R0", "no rule threshold reached", "segment_metrics"))
        registry = registry_action(r["segment"])
        try:
            advice = treatment(str(r["segment"]))[1]
        except KeyError:
            advice = "—"
        for rule, evidence, source in fired:
            action, zh, basis = registry if rule == "R0" and registry else SEGMENT_RULES[rule]
            out.append({"segment": r["segment"], "rule": rule, "action": action, "行动": zh, "evidence": evidence,
                        "source": source, "basis": basis, "treatment": advice})
    return pd.DataFrame(out)


def customer_actions(profile: Mapping[str, Any], feedback: pd.DataFrame | None = None,
                     data_end: pd.Timestamp | None = None) -> pd.DataFrame:
    """Recommended actions for one customer with the evidence from their own record.

    Rules: win back when P(alive) < 0.3 after ≥ 2 orders; call back (回访) on a complaint in the
    last 180 days of data; invite to developer-build testing when they suggested something
    (thank them when it was adopted); VIP care when P(alive) ≥ 0.7 and CLV is in the top ABC
    class; invite into the community when not a member and a repeat buyer with P(alive) ≥ 0.5;
    otherwise keep in touch. P(alive) counts only after a repeat purchase (``frequency`` ≥ 1): the
    BG/NBD model gives every one-time buyer P(alive) = 1. Returns ``action, 行动, evidence``.
    """
    rows = []
    pa = profile.get("p_alive")
    orders = profile.get("orders")
    freq = profile.get("frequency")
    repeat = freq is not None and not pd.isna(freq) and freq >= 1
    if pa is not None and not pd.isna(pa) and pa < 0.3 and orders is not None and not pd.isna(orders) and orders >= 2:
        rows.append(("Win back: a personal offer or coupon", "挽回：个性化优惠",
                     f"P(alive) {pa:.2f} < 0.30 after {int(orders)} orders"))
    if feedback is not None and len(feedback):
        comp = feedback.loc[feedback["kind"] == "C"]
        if len(comp):
            last = pd.to_datetime(comp["last_post"]).max()
            recent = data_end is None or last >= pd.Timestamp(data_end) - pd.Timedelta(days=180)
            if recent:
                cats = "、".join(comp.sort_values("posts", ascending=False)["category_zh"].astype(str).head(2))
                rows.append(("Call back about the complaint (售后回访)", "售后回访：跟进投诉",
                             f"complaint(s) about {cats}; last on {last:%Y-%m-%d}"))
    sugg = profile.get("suggestions")
    if sugg is not None and not pd.isna(sugg) and sugg > 0:
        adopted = profile.get("adopted") or 0
        rows.append(("Invite to developer-build testing (内测)" + ("; thank for the adopted suggestion" if adopted else ""),
                     "邀请参加开发版内测" + ("，感谢建议被采纳" if adopted else ""),
                     f"{int(sugg)} suggestion(s), {int(adopted)} adopted"))
    abc = profile.get("abc_class")
    if pa is not None and not pd.isna(pa) and pa >= 0.7 and str(abc) == "A" and (freq is None or repeat):
        rows.append(("VIP care: priority service and early access", "重点客户关怀：优先服务与新品优先购",
                     f"ABC class A; P(alive) {pa:.2f} ≥ 0.70"))
    member = profile.get("member")
    if (member is False or (member is not None and not pd.isna(member) and not bool(member))) and \
            repeat and pa is not None and not pd.isna(pa) and pa >= 0.5:
        rows.append(("Invite into the community (小米社区, 同城会)", "邀请加入小米社区与同城会",
                     f"not a forum member; repeat buyer with P(alive) {pa:.2f} ≥ 0.50"))
    if not rows:
        rows.append(("Keep in touch: regular news and service", "常规维护", "no rule threshold reached"))
    return pd.DataFrame(rows, columns=["action", "行动", "evidence"])


def actions_claim(actions: pd.DataFrame) -> tuple[str, dict[str, Any]]:
    """How many segments of :func:`segment_actions` trigger a specific rule (R1–R6) and how many get their
    treatment from the scheme registry (R0), as a sentence with its numbers."""
    segments = actions["segment"].nunique()
    fired = int(actions.loc[actions["rule"] != "R0", "segment"].nunique())
    from_registry = int(actions.loc[(actions["rule"] == "R0") & (actions["basis"] == REGISTRY_RULE[2]),
                                    "segment"].nunique())
    numbers = {"segments": int(segments), "fired": fired, "registry": from_registry,
               "default": int(segments) - fired - from_registry}
    text = tr("{fired} of {n} segments trigger at least one specific rule (R1–R6); {registry} get their treatment "
              "from the segment scheme registry, the same advice notebook 04 shows.", fired=fired, n=int(segments),
              registry=from_registry)
    if numbers["default"]:
        text += " " + tr("{k} segments the registry does not know get the default (keep in touch).",
                         k=numbers["default"])
    return text, numbers
