"""Sentences the data back (数据支撑的解读): every claim of notebook 04 about a majority, a rank, a name or
a treatment, generated from this run's numbers.

Each function returns ``(sentence, numbers)``: the sentence in the current language
(:func:`helpers.i18n.tr`, catalog ``helpers/locale/zh.yml``) and the numbers it rests on, so
``tests/test_claims.py`` can check the words against the numbers on any dataset:

- :func:`share_word` — "a majority" (share > 50 %), "a minority" (< 50 %) or "exactly half";
- :func:`abc_claim` — class A's share of customers (majority/minority) and of revenue;
- :func:`cluster_claim` — clusters ranked by mean CLV (the rank their names carry) and any two
  clusters of similar value that hold very different revenue;
- :func:`treatment` / :func:`advice_claim` — the recommended treatment of a segment, read from the
  one source of advice, the scheme registry :data:`~helpers.segment.schemes.RFM_SCHEMES`;
- :func:`flagged_claim` — orders flagged extreme in cleaning (``flag_extreme``) that travel with
  their customer: does the customer with the highest CLV include one?
- :func:`quadrant_claim` — how the value × need matrix splits, and whether the core quadrant is the most
  valuable per customer;
- :func:`value_claims` — the closing interpretation (concentration of value) from the ABC table, the
  value × need quadrants and the clusters.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..i18n import get_language, tr, tr_dataset, tr_given, tr_labels
from .arrays import require
from .profiles import TREATMENTS
from .schemes import RFM_SCHEMES, SEGMENT_ZH

Claim = tuple[str, dict[str, Any]]

#: Two clusters are "of similar value" when their mean CLVs differ by less than this fraction of the larger.
SIMILAR_VALUE = 0.25


def share_word(share: float) -> str:
    """"a majority" when ``share`` > 0.5, "a minority" when < 0.5, "exactly half" at 0.5 (shares are fractions)."""
    if not np.isfinite(share):
        raise ValueError(f"share must be a number between 0 and 1, not {share!r}")
    return tr("a majority") if share > 0.5 else tr("a minority") if share < 0.5 else tr("exactly half")


def abc_claim(abc_table: pd.DataFrame, cls: str = "A") -> Claim:
    """Class ``cls`` of :func:`~helpers.segment.abc_summary`: its share of customers, with the word
    :func:`share_word` gives it, and its share of revenue (``value_share``)."""
    require(abc_table, ["class", "customers", "customer_share", "value_share"], "abc_claim",
            hint="pass segment.abc_summary output")
    row = abc_table.set_index("class").loc[cls]
    numbers = {"class": cls, "customers": int(row["customers"]), "customer_share": float(row["customer_share"]),
               "value_share": float(row["value_share"])}
    text = tr("Class {cls} is {share:.0%} of customers ({n:,}), {word} of them, and brings {value:.0%} of revenue.",
              cls=cls, share=numbers["customer_share"], n=numbers["customers"],
              word=share_word(numbers["customer_share"]), value=numbers["value_share"])
    return text, numbers


def cluster_claim(profile: pd.DataFrame, currency: str = "", value_col: str = "mean_clv",
                  share_col: str = "revenue_share") -> Claim:
    """Clusters of ``CustomerClusters.profile`` ranked by ``value_col`` (the rank their names carry).

    Names the top cluster and, when two clusters' mean values differ by less than
    :data:`SIMILAR_VALUE` of the larger but their revenue shares by a factor of at least 3, says so
    (value per customer and revenue of the group are different rankings). ``numbers["ranked"]`` lists
    ``(cluster, name, mean value, customer share, revenue share)`` by value, highest first.
    """
    require(profile, ["cluster", "name", "share", value_col, share_col], "cluster_claim",
            hint="pass CustomerClusters.profile output")
    ranked = profile.sort_values(value_col, ascending=False, kind="mergesort")
    name_col = "中文" if get_language() == "zh" and "中文" in ranked else "name"
    rows = [(int(r["cluster"]), str(r[name_col]), float(r[value_col]), float(r["share"]), float(r[share_col]))
            for _, r in ranked.iterrows()]
    top = rows[0]
    text = tr("Ranked by mean CLV, cluster {c} ({name}) comes first: {v:,.1f} {cur} per customer, {s:.0%} of "
              "customers and {rs:.0%} of revenue.", c=top[0], name=top[1], v=top[2], cur=currency, s=top[3], rs=top[4])
    similar = []
    for a, b in zip(rows, rows[1:]):
        hi, lo = max(a[4], b[4]), min(a[4], b[4])
        if max(a[2], b[2]) > 0 and abs(a[2] - b[2]) < SIMILAR_VALUE * max(a[2], b[2]) and hi >= 3 * max(lo, 1e-12):
            similar.append((a, b))
            text += " " + tr("Clusters {a} and {b} have similar mean CLV ({va:,.1f} vs {vb:,.1f} {cur}) but hold "
                             "{ra:.0%} vs {rb:.0%} of revenue: one is a few customers, the other many.",
                             a=a[0], b=b[0], va=a[2], vb=b[2], cur=currency, ra=a[4], rb=b[4])
    return text, {"ranked": rows, "similar": similar, "by": value_col}


def treatment(segment: str, scheme: str | None = None) -> tuple[str, str, str]:
    """The recommended (service, marketing, channel) of ``segment``: the one source of advice, the
    scheme registry (``scheme`` a key of :data:`RFM_SCHEMES`; ``None``: the first scheme that has it, then
    the other classifications of :data:`~helpers.segment.TREATMENTS`, a view of the same registry).

    Raises ``KeyError`` naming the schemes when no scheme has the segment."""
    schemes = [RFM_SCHEMES[scheme]] if scheme is not None else list(RFM_SCHEMES.values())
    for spec in schemes:
        if segment in spec.treatments:
            return tuple(spec.treatments[segment])  # type: ignore[return-value]
    if scheme is None and segment in TREATMENTS:  # value × need quadrants, lifecycle stages, ABC classes
        return TREATMENTS[segment]
    raise KeyError(f"segment {segment!r} has no treatment in {[s.key for s in schemes]}")


def advice_claim(profile: pd.DataFrame, scheme: str) -> Claim:
    """The registry's advice for the segment with the largest revenue share of a ``segment_profile`` of
    ``scheme`` and, if present, for a segment at risk of leaving ("at risk", "can't lose")."""
    require(profile, ["segment", "share", "revenue_share"], "advice_claim", hint="pass segment_profile output")
    ranked = profile.sort_values(["revenue_share", "segment"], ascending=[False, True], kind="mergesort")
    picked = [str(ranked["segment"].iloc[0])]
    picked += [s for s in ("at risk", "can't lose", "At Risk", "important win-back") if s in set(profile["segment"])
               and s not in picked][:1]
    parts, numbers = [], {"scheme": scheme, "segments": {}}
    for seg in picked:
        row = profile.set_index("segment").loc[seg]
        service, marketing, channel = treatment(seg, scheme)
        numbers["segments"][seg] = {"share": float(row["share"]), "revenue_share": float(row["revenue_share"]),
                                    "treatment": (service, marketing, channel)}
        shown_seg, shown_marketing, shown_channel = (
            (SEGMENT_ZH.get(seg, seg), *tr_labels([marketing, channel], lenient=True)) if get_language() == "zh"
            else (seg, marketing, channel))
        parts.append(tr("*{seg}* ({s:.0%} of customers, {rs:.0%} of revenue): {marketing}, through {channel}.",
                        seg=shown_seg, s=float(row["share"]), rs=float(row["revenue_share"]),
                        marketing=shown_marketing, channel=shown_channel))
    numbers["largest"] = picked[0]
    text = tr("Largest by revenue first; the treatment comes from the scheme registry (the same table notebook 07 "
              "and the knowledge reports read):") + " " + " ".join(parts)
    return text, numbers


def flagged_claim(customers: pd.DataFrame, currency: str = "", value_col: str = "clv") -> Claim:
    """Orders flagged extreme in cleaning, as they travel with their customer (``flagged_orders``,
    ``flagged_amount`` of :func:`~helpers.segment.customer_table`): how many customers have one, and
    whether the customer with the highest ``value_col`` does (their value rests on that order)."""
    require(customers, ["customer_id", value_col], "flagged_claim")
    if "flagged_orders" not in customers.columns:
        return tr("The data carry no cleaning flags (flag_extreme)."), {"customers_flagged": None}
    flagged = customers["flagged_orders"].fillna(0).astype(int) > 0
    top = customers.sort_values([value_col, "customer_id"], ascending=[False, True], kind="mergesort").iloc[0]
    numbers = {"customers_flagged": int(flagged.sum()), "top_customer": str(top["customer_id"]),
               "top_value": float(top[value_col]), "top_flagged_amount": float(top.get("flagged_amount") or 0.0),
               "top_is_flagged": bool(int(top.get("flagged_orders") or 0) > 0)}
    if not numbers["customers_flagged"]:
        return tr("No order was flagged extreme in cleaning."), numbers
    text = tr("{n:,} customers have an order flagged extreme in cleaning (notebook 02).", n=numbers["customers_flagged"])
    if numbers["top_is_flagged"]:
        text += " " + tr("The customer with the highest CLV, {id}, includes a flagged order of {amount:,.0f} {cur}: "
                         "their rank rests on that order.", id=numbers["top_customer"],
                         amount=numbers["top_flagged_amount"], cur=currency)
    else:
        text += " " + tr("The customer with the highest CLV, {id}, has no flagged order.", id=numbers["top_customer"])
    return text, numbers


def value_claims(abc_table: pd.DataFrame, quadrants: pd.DataFrame | None = None,
                 cluster_profile: pd.DataFrame | None = None) -> Claim:
    """The closing interpretation: class A (majority or minority, its revenue), the core quadrant's share of
    future value and the top cluster by mean CLV, each with its numbers."""
    text, numbers = abc_claim(abc_table, "A")
    concentrated = numbers["value_share"] > numbers["customer_share"]
    text = tr("Value is {how}:", how=tr("concentrated") if concentrated else tr("not concentrated")) + " " + text
    numbers["concentrated"] = concentrated
    if quadrants is not None and "core customers" in set(quadrants["quadrant"]):
        q = quadrants.set_index("quadrant").loc["core customers"]
        numbers["core_share"], numbers["core_value_share"] = float(q["share"]), float(q["value_share"])
        text += " " + tr("The core quadrant is {s:.0%} of customers ({word}) with {v:.0%} of the expected future value.",
                         s=numbers["core_share"], word=share_word(numbers["core_share"]), v=numbers["core_value_share"])
    if cluster_profile is not None and len(cluster_profile):
        best = cluster_profile.sort_values("mean_clv", ascending=False, kind="mergesort").iloc[0]
        numbers["top_cluster_share"] = float(best["share"])
        numbers["top_cluster_revenue_share"] = float(best["revenue_share"])
        text += " " + tr("The top cluster by mean CLV is {s:.0%} of customers ({word}) with {rs:.0%} of revenue.",
                         s=numbers["top_cluster_share"], word=share_word(numbers["top_cluster_share"]),
                         rs=numbers["top_cluster_revenue_share"])
    return text, numbers


def quadrant_claim(quadrants: pd.DataFrame, splits: dict[str, Any], currency: str = "") -> Claim:
    """The value × need matrix in words: how needs and value are split (``splits``: the matrix's ``attrs``,
    ``need_label``, ``need_threshold``, ``value_threshold``), the core and potential quadrants' shares of
    customers and of expected future value (:func:`~helpers.segment.quadrant_summary`), and "the most valuable
    customers to keep" only when the core quadrant's value per customer (value share ÷ customer share) is the
    highest of the quadrants; otherwise the quadrant that has it is named."""
    require(quadrants, ["quadrant", "share", "value_share"], "quadrant_claim")
    q = quadrants.set_index("quadrant")
    core, potential = q.loc["core customers"], q.loc["potential customers"]
    per_customer = (q["value_share"] / q["share"]).where(q["share"] > 0).dropna()
    top = str(per_customer.idxmax()) if len(per_customer) else "core customers"
    numbers = {"core_share": float(core["share"]), "core_value_share": float(core["value_share"]),
               "potential_share": float(potential["share"]), "potential_value_share": float(potential["value_share"]),
               "value_per_customer": per_customer.to_dict(), "top_per_customer": top}
    pct = "{:.0%}".format
    parts = [tr("Needs are measured by **{need}** (split above {need_split:g}); value by CLV (split above "
                "{value_split:,.1f} {currency}).", need=tr_given(splits["need_label"]),
                need_split=splits["need_threshold"], value_split=splits["value_threshold"], currency=currency)]
    if top == "core customers":
        parts.append(tr("The **core customers** (高价值·多需求) are {share} of customers and hold {value_share} of "
                        "the expected future value: the *most valuable* customers to keep.",
                        share=pct(core["share"]), value_share=pct(core["value_share"])))
    else:
        parts.append(tr("The **core customers** (高价值·多需求) are {share} of customers and hold {value_share} of "
                        "the expected future value; per customer the **{top}** hold more.",
                        share=pct(core["share"]), value_share=pct(core["value_share"]), top=tr_given(top)))
    parts.append(tr("The **potential customers** (低价值·多需求, {share}) already show broad needs but little value "
                    "so far ({value_share} of the expected future value): the group to develop.",
                    share=pct(potential["share"]), value_share=pct(potential["value_share"])))
    return " ".join(parts), numbers


def data_claim(label: str, whole: dict[str, Any], end: str, horizon: str, rate: float, currency: str = "",
               sample_text: str = "") -> Claim:
    """Notebook 04's data line: the log's customers, clean lines and revenue to date (``whole``:
    :func:`~helpers.segment.log_facts`, the whole log's even when the notebook analyses a sample), the reference date
    ``end`` recency is counted back from, notebook 03's CLV horizon and annual discount ``rate``, then ``sample_text``
    (:func:`helpers.clv.sample_claim`) when the notebook analyses a sample."""
    text = tr("**{label}** · {customers:,} customers, {lines:,} clean lines; reference date **{end}** (recency is "
              "counted back from it).", label=tr_dataset(label), customers=whole["customers"], lines=whole["lines"],
              end=end) + " " + tr("CLV (notebook 03) = discounted expected spend over {horizon} at {rate:.0%} a year, "
                                  "in {currency}; total revenue to date {revenue:,.0f} {currency}.", horizon=horizon,
                                  rate=rate, currency=currency, revenue=whole["revenue"])
    return text + (" " + sample_text if sample_text else ""), {**whole, "end": end, "horizon": horizon, "rate": rate}

