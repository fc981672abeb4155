"""Claims follow the data (issue 17): every sentence of the notebooks' text helpers that states a direction,
a rank, a majority or a name is checked against the numbers it cites, on three datasets:

- ``xiaomi_sim`` — the bundled SIMULATED export, acquired and cleaned as notebooks 01–02 do, with its
  bundled community;
- ``cdnow_sample`` — the real CDNOW 1/10 sample (Fader & Hardie), no community;
- ``flipped`` — a differently seeded, smaller simulation whose community is observed only in its first
  year (members still joining), so directions and majorities come out the other way.

Fits (BG/NBD + Gamma-Gamma, k-means) run once per dataset (module-scoped cache).
"""

from __future__ import annotations

import re
from functools import cache

import numpy as np
import pandas as pd
import pytest

from helpers import acquire, clean, clv, community, knowledge, segment, simulate
from helpers.community import Community

DATASETS = ["xiaomi_sim", "cdnow_sample", "flipped"]


def _score(tx: pd.DataFrame) -> dict:
    summary = clv.rfm_summary(tx, monetary_value_col="amount", time_unit="D", time_scaler=7)
    scores = clv.score_customers(summary, horizon=52, time_unit="W")
    rfm = segment.rfm_table(clv.rfm_summary(tx, monetary_value_col="amount", include_first_transaction=True))
    customers = segment.customer_table(tx, rfm, scores, summary=summary)
    abc = segment.abc_classes(customers, "revenue", (0.8, 0.95))
    customers["abc_class"] = abc["abc_class"]
    customers["rfm10_segment"] = segment.assign_rfm_segments(rfm, "rfm10")["segment"].to_numpy()
    clusters = segment.CustomerClusters(k_range=(3, 4), seed=0, order_by="clv").fit(customers)
    return {"tx": tx, "scores": scores, "customers": customers, "abc_table": segment.abc_summary(abc),
            "clusters": clusters.profile(customers, value_col="revenue"),
            "profile": segment.segment_profile(customers, "rfm10_segment")}


@cache
def case(name: str) -> dict:
    """Clean transactions, CLV scores, the customer table and its classifications, the community activity."""
    if name == "xiaomi_sim":
        acq = acquire.load_xiaomi_sim()
        tx = clean.clean_transactions(acq.transactions, test_accounts=acq.test_accounts, currency=acq.currency).clean
        out = _score(tx) | {"acq": acq, "currency": acq.currency}
        com = community.load_community(None, "xiaomi_sim")
    elif name == "cdnow_sample":
        acq = acquire.load_cdnow("sample")
        tx = clean.clean_transactions(acq.transactions, currency=acq.currency).clean
        out, com = _score(tx) | {"acq": acq, "currency": acq.currency}, None
    else:
        crm = simulate.simulate_crm(1500, seed=20261206, n_bulk_orders=1)
        tx = crm.orders.assign(flag_extreme=clean.flag_extreme_orders(crm.orders).to_numpy())
        out = _score(tx) | {"acq": None, "currency": "CNY"}
        early = pd.Timestamp(simulate.OBSERVATION_START) + pd.Timedelta(days=365)
        sim = community.simulate_community(crm.customers, seed=20261206, activity=0.5, end=early)
        com = Community("flipped simulation (SIMULATED)", True, sim.tables, [])
    out["community"] = com
    out["activity"] = community.activity_by_month(com) if com is not None else None
    return out


def pct(x: float) -> str:
    return f"{x:.0%}"


# --- majorities ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", DATASETS)
def test_abc_claim_says_majority_exactly_when_the_share_is_above_half(name):
    table = case(name)["abc_table"]
    text, numbers = segment.abc_claim(table, "A")
    row = table.set_index("class").loc["A"]
    assert numbers["customer_share"] == pytest.approx(row["customer_share"])
    assert pct(row["customer_share"]) in text and pct(row["value_share"]) in text and f"{int(row['customers']):,}" in text
    assert ("a majority" in text) == (row["customer_share"] > 0.5)
    assert ("a minority" in text) == (row["customer_share"] < 0.5)


def test_the_datasets_flip_the_majority_word():
    words = {segment.abc_claim(case(n)["abc_table"])[0].split(", ")[1] for n in DATASETS}
    assert {"a majority of them", "a minority of them"} <= words


@pytest.mark.parametrize("name", DATASETS)
def test_value_claims_follow_the_shares(name):
    c = case(name)
    text, numbers = segment.value_claims(c["abc_table"], None, c["clusters"])
    assert text.startswith("Value is concentrated") == (numbers["value_share"] > numbers["customer_share"])
    best = c["clusters"].sort_values("mean_clv", ascending=False).iloc[0]
    assert numbers["top_cluster_share"] == pytest.approx(best["share"])
    tail = text.split("The top cluster by mean CLV")[1]
    assert ("a majority" in tail) == (best["share"] > 0.5) and pct(best["revenue_share"]) in tail


def test_share_word_boundaries_and_refusal():
    assert segment.share_word(0.54) == "a majority" and segment.share_word(0.46) == "a minority"
    assert segment.share_word(0.5) == "exactly half"
    with pytest.raises(ValueError):
        segment.share_word(float("nan"))


# --- ranks and names -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", DATASETS)
def test_cluster_names_carry_the_rank_of_their_mean_clv(name):
    prof = case(name)["clusters"]
    k = len(prof)
    rank = prof["mean_clv"].rank(ascending=False, method="first").astype(int)
    for (_, row), r in zip(prof.iterrows(), rank):
        assert row["name"].startswith(f"value #{r} of {k} (mean CLV)")
        assert row["中文"].startswith(f"价值第{r}/{k}（平均CLV）")
    assert not prof["name"].str.contains("mid value|low value|high value").any()
    assert prof.attrs["rank_by"] == "mean_clv"


@pytest.mark.parametrize("name", DATASETS)
def test_cluster_claim_ranks_and_similar_pairs_match_the_numbers(name):
    prof = case(name)["clusters"]
    text, numbers = segment.cluster_claim(prof, "X")
    values = [v for _, _, v, _, _ in numbers["ranked"]]
    assert values == sorted(values, reverse=True) and values[0] == pytest.approx(prof["mean_clv"].max())
    assert f"cluster {numbers['ranked'][0][0]} " in text
    for a, b in numbers["similar"]:
        assert abs(a[2] - b[2]) < segment.claims.SIMILAR_VALUE * max(a[2], b[2])
        assert max(a[4], b[4]) >= 3 * min(a[4], b[4])
        assert f"Clusters {a[0]} and {b[0]} have similar mean CLV" in text
    assert text.count("have similar mean CLV") == len(numbers["similar"])


def test_cluster_claim_flags_nearly_equal_value_with_very_different_revenue():
    prof = pd.DataFrame({"cluster": [1, 2, 3], "name": ["a", "b", "c"], "share": [0.1, 0.05, 0.85],
                         "mean_clv": [900.0, 200.0, 190.0], "revenue_share": [0.53, 0.01, 0.46]})
    text, numbers = segment.cluster_claim(prof, "CNY")
    assert [(a[0], b[0]) for a, b in numbers["similar"]] == [(2, 3)]
    assert "1% vs 46% of revenue" in text


# --- one source of advice ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", DATASETS)
def test_advice_is_the_registrys(name):
    prof = case(name)["profile"]
    text, numbers = segment.advice_claim(prof, "rfm10")
    registry = segment.RFM_SCHEMES["rfm10"].treatments
    assert numbers["largest"] == prof.sort_values("revenue_share", ascending=False)["segment"].iloc[0]
    for seg, info in numbers["segments"].items():
        assert info["treatment"] == registry[seg]
        assert registry[seg][1] in text
    # the profile table of notebook 04 shows the same treatment
    for _, row in prof.iterrows():
        assert (row["service"], row["marketing"], row["channel"]) == registry[row["segment"]]


@pytest.mark.parametrize("name", DATASETS)
def test_knowledge_actions_default_to_the_registrys_treatment(name):
    cust = case(name)["customers"]
    g = [("all", cust)] + list(cust.groupby("rfm10_segment", sort=True))
    metrics = pd.DataFrame([{"segment": s, "customers": len(f), "mean_clv": f["clv"].mean(),
                             "mean_p_alive": f["p_alive"].mean(), "mean_revenue": f["revenue"].mean(),
                             "mean_expected_purchases": f["expected_purchases"].mean()} for s, f in g])
    actions = knowledge.segment_actions(metrics)
    registry = segment.RFM_SCHEMES["rfm10"].treatments
    for _, row in actions.iterrows():
        assert row["treatment"] == registry[row["segment"]][1]
        if row["rule"] == "R0":
            assert registry[row["segment"]][1] in row["action"] and "Keep in touch" not in row["action"]
            assert not re.search(r"[a-z]{3,}", row["行动"].replace("MIUI", "")), row["行动"]  # the Chinese column
    text, numbers = knowledge.actions_claim(actions)
    assert numbers["fired"] + numbers["registry"] + numbers["default"] == numbers["segments"]
    assert numbers["default"] == 0 and f"{numbers['registry']} get their treatment" in text
    assert all(re.search(r"[A-Za-z]", a) for a in actions["action"])  # the English column is English


def test_treatment_refuses_an_unknown_segment():
    with pytest.raises(KeyError, match="no treatment"):
        segment.treatment("no such segment", "rfm10")
    assert segment.treatment("at risk") == segment.RFM_SCHEMES["rfm10"].treatments["at risk"]


# --- outliers travel -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", DATASETS)
def test_flagged_orders_travel_with_the_customer(name):
    c = case(name)
    tx, scores, cust = c["tx"], c["scores"], c["customers"]
    flagged = tx.loc[tx["flag_extreme"]]
    totals = flagged.groupby([flagged["customer_id"].astype(str), "order_id"])["amount"].sum()
    text, numbers = clv.flagged_top_claim(scores, tx, "CNY")
    top = scores.sort_values("clv", ascending=False)["customer_id"].astype(str).iloc[0]
    assert numbers["top_customer"] == top
    assert numbers["top_customer_flagged"] == (top in totals.index.get_level_values(0))
    seg_text, seg_numbers = segment.flagged_claim(cust, "CNY")
    assert seg_numbers["customers_flagged"] == totals.index.get_level_values(0).nunique()
    assert seg_numbers["top_customer"] == top and seg_numbers["top_is_flagged"] == numbers["top_customer_flagged"]
    if numbers["top_customer_flagged"]:
        amount = totals.loc[top].max()
        assert seg_numbers["top_flagged_amount"] == pytest.approx(amount)
        assert f"{amount:,.0f} CNY" in text and f"{amount:,.0f} CNY" in seg_text and "includes" in text
        row = cust.set_index(cust["customer_id"].astype(str)).loc[top]
        assert "Includes" in knowledge.flagged_text(row.to_dict(), "CNY")
    elif len(totals):
        assert "has no" in text and "has no" in seg_text
    else:
        assert text == "Cleaning flagged no extreme order." and seg_text == "No order was flagged extreme in cleaning."


def test_the_xiaomi_extreme_order_belongs_to_the_top_clv_customer_and_is_said():
    _, numbers = clv.flagged_top_claim(case("xiaomi_sim")["scores"], case("xiaomi_sim")["tx"], "CNY")
    assert numbers["top_customer_flagged"]  # the 75,981 CNY order: it must be said, and it is


# --- directions ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["xiaomi_sim", "flipped"])
def test_trend_words_follow_the_months_they_cite(name):
    com = case(name)["community"]
    text, numbers = community.trend_claim(case(name)["activity"])
    w, r = numbers["months"], numbers["recent_months"]
    posts = com.posts["timestamp"].dt.to_period("M").value_counts().sort_index()
    joins = com.members["join_date"].dt.to_period("M").value_counts().sort_index()
    months = pd.period_range(min(posts.index.min(), joins.index.min()), max(posts.index.max(), joins.index.max()),
                             freq="M")
    for series, counts in (("posts", posts), ("new members", joins)):
        counts = counts.reindex(months, fill_value=0)
        for (first, last, word), a, b in ((numbers[series], counts.iloc[:w], counts.iloc[-w:]),
                                          (numbers["recent"][series], counts.iloc[-2 * r:-r], counts.iloc[-r:])):
            assert first == pytest.approx(a.mean()) and last == pytest.approx(b.mean())
            assert (word == "grows") == (last > first * 1.05) and (word == "falls") == (last < first * 0.95)
            assert f"{series} per month {word} ({first:,.0f} → {last:,.0f})" in text


def test_the_flipped_simulation_flips_a_direction():
    words = {n: community.trend_claim(case(n)["activity"])[1]["recent"]["new members"][2]
             for n in ("xiaomi_sim", "flipped")}
    assert words == {"xiaomi_sim": "falls", "flipped": "grows"}  # the case: members fall while posts grow


def test_direction_word_and_value_gap():
    assert community.direction_word(10, 20) == "grows" and community.direction_word(20, 10) == "falls"
    assert community.direction_word(100, 102) == "stays about the same"
    overlap = pd.DataFrame({"mean clv": [100.0, 120.0], "ci low": [90.0, 95.0], "ci high": [110.0, 145.0]})
    apart = overlap.assign(**{"ci low": [90.0, 115.0], "ci high": [110.0, 125.0]})
    assert community.value_gap_claim(overlap)[1]["direction"] == "no clear difference"
    assert "higher value" in community.value_gap_claim(apart)[0]


@pytest.mark.parametrize("name", ["xiaomi_sim", "flipped"])
def test_funnel_claim_names_the_largest_loss(name):
    c = case(name)
    eng = community.engagement(c["customers"][["customer_id"]].assign(forum_member=False), c["community"])
    fun = community.funnel(eng)
    text, numbers = community.funnel_claim(fun)
    loss = 100 - fun["share_of_previous"].iloc[1:].astype(float)
    assert numbers["loss_pct"] == pytest.approx(loss.max())
    assert ("a majority" in text) == (numbers["members_posting_pct"] > 50)


# --- counts reconciled ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", DATASETS)
def test_count_claim_reconciles_the_customer_counts(name):
    c = case(name)
    acq = c["acq"]
    kwargs = {} if acq is None else {"export_customers": acq.customers, "raw_transactions": acq.transactions,
                                     "test_accounts": acq.test_accounts}
    text, numbers = clv.count_claim(c["tx"], c["scores"], **kwargs)
    assert numbers["with_kept_purchase"] == c["tx"]["customer_id"].nunique()
    assert numbers["modelled"] == len(c["scores"])
    assert f"{numbers['with_kept_purchase']:,} have a purchase kept" in text
    if "with_order" in numbers and numbers["with_order"] > numbers["with_kept_purchase"]:
        assert f"the other {numbers['with_order'] - numbers['with_kept_purchase']:,} had every order" in text
    assert ("every customer with a kept purchase" in text) == (numbers["modelled"] == numbers["with_kept_purchase"])
    if acq is not None and acq.customers is not None:
        assert numbers["export"] == acq.customers["customer_id"].nunique()
        assert numbers["export_real"] == numbers["export"] - numbers["test_accounts"]
        assert numbers["without_purchase"] == numbers["export_real"] - len(
            set(c["tx"]["customer_id"].astype(str)) & set(acq.customers["customer_id"].astype(str)))
        assert f"{numbers['export']:,} customers" in text
    assert np.isfinite(numbers["modelled"])


def test_claims_are_chinese_in_the_chinese_set():
    from helpers import i18n

    c = case("xiaomi_sim")
    i18n.set_language("zh", strict=True)  # a missing catalog entry raises
    try:
        texts = [segment.abc_claim(c["abc_table"])[0], segment.cluster_claim(c["clusters"], "CNY")[0],
                 segment.advice_claim(c["profile"], "rfm10")[0], clv.flagged_top_claim(c["scores"], c["tx"], "CNY")[0],
                 community.trend_claim(c["activity"])[0],
                 clv.count_claim(c["tx"], c["scores"], export_customers=c["acq"].customers,
                                 raw_transactions=c["acq"].transactions, test_accounts=c["acq"].test_accounts)[0]]
        words = segment.abc_claim(c["abc_table"])[1]
    finally:
        i18n.set_language("en")
    assert "多数" in texts[0] if words["customer_share"] > 0.5 else "少数" in texts[0]
    for text in texts:
        assert len(re.findall(r"[\u4e00-\u9fff]", text)) > 10, text


def test_the_core_quadrant_is_called_most_valuable_only_when_it_is_per_customer():
    splits = {"need_label": "categories bought", "need_threshold": 1, "value_threshold": 500.0}
    quadrants = pd.DataFrame({"quadrant": ["core customers", "potential customers", "focused high-value",
                                           "basic customers"],
                              "share": [0.2, 0.3, 0.1, 0.4], "value_share": [0.5, 0.1, 0.2, 0.2]})
    text, numbers = segment.quadrant_claim(quadrants, splits, "CNY")
    assert numbers["top_per_customer"] == "core customers" and "*most valuable*" in text  # 2.5 per share vs 2.0
    flipped = quadrants.assign(value_share=[0.4, 0.1, 0.4, 0.1])  # core 2.0 per share, focused high-value 4.0
    text, numbers = segment.quadrant_claim(flipped, splits, "CNY")
    assert numbers["top_per_customer"] == "focused high-value"
    assert "most valuable" not in text and "per customer the **focused high-value** hold more" in text
    assert "20% of customers and hold 40%" in text
