"""Tests of notebook 03's Part 2 helpers (issue 19): the tables and computed sentences of the other purchase settings
(BG/BB on the donations and on a log counted in months, MBG/NBD against BG/NBD, the sBG's worked example and the
SIMULATED carrier contracts, covariate effects). Every sentence is checked against the numbers it cites, and each
word of judgement ("better", "rises", "distinguishable", "k of m") against the numbers it rests on — including a
case where the word flips.

Published facts used: Fader, Hardie & Shang (2010) Table 6, P(alive in 2002) = 0.11 for a donor with no repeat gift
and 0.93 for one who gave every year 1996–2001; Fader & Hardie (2007), the "regular" cohort's survivors 1000, 631,
468, 382, 326, 289, 262, 241 (years 0–7) and 223, 207, 194, 183, 173 (years 8–12).
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from helpers import clv, i18n, simulate
from helpers.errors import DataError


@pytest.fixture(scope="module")
def fits() -> SimpleNamespace:
    """The donations with their BG/BB, and the FHL-prepared CDNOW sample with BG/NBD and MBG/NBD."""
    donations, cdnow = clv.load_donations(), clv.cdnow_fhl_summary()
    return SimpleNamespace(donations=donations, bgbb=clv.BetaGeoBetaBinom().fit(donations), cdnow=cdnow,
                           pair={"BG/NBD": clv.BetaGeo().fit(cdnow), "MBG/NBD": clv.ModifiedBetaGeo().fit(cdnow)})


@pytest.fixture(scope="module")
def paper() -> dict:
    example = clv.cohort_table(clv.SBG_SURVIVORS, period_days=365.25)
    models = clv.sbg_models(example, periods=7)
    return {"example": example, "models": models, "curves": clv.contract_curves(example, models, fit_periods=7),
            "projection": clv.sbg_projection(models)}


# --------------------------------------------------------------------------- BG/BB


def test_bgbb_claim_states_the_fitted_means(fits):
    bgbb, donations = fits.bgbb, fits.donations
    text, n = clv.bgbb_claim(bgbb, donations)
    p = bgbb.params_
    assert n["customers"] == 11_104 and n["patterns"] == 22 and n["most"] == 6
    assert n["purchase"] == pytest.approx(p["alpha"] / (p["alpha"] + p["beta"]))
    assert n["dropout"] == pytest.approx(p["gamma"] / (p["gamma"] + p["delta"]))
    alive = bgbb.probability_alive(donations).to_numpy()
    assert n["p_alive"] == pytest.approx(np.average(alive, weights=donations["weights"]))
    for value in (f"{n['purchase']:.2f}", f"{n['dropout']:.2f}", f"{n['p_alive']:.2f}", "11,104", "22 patterns"):
        assert value in text, value
    # the same customers one row each (no weights) give the same sentence
    each = donations.loc[donations.index.repeat(donations["weights"])].drop(columns="weights").reset_index(drop=True)
    each.attrs = dict(donations.attrs)
    assert clv.bgbb_claim(bgbb, each)[0] == text


def test_bgbb_claim_on_a_log_counted_in_months():
    log = clv.simulate_bgbb(3_000, alpha=1.2, beta=4.0, gamma=0.8, delta=6.0, n_periods=18, seed=3, log=True,
                            period="M")
    monthly = clv.discrete_patterns(clv.discrete_summary(log, period="M"))
    model = clv.BetaGeoBetaBinom().fit(monthly)
    text, n = clv.bgbb_claim(model, monthly)
    assert n["customers"] == 3_000 and n["patterns"] == len(monthly) and "calendar month" in text
    assert n["purchase"] == pytest.approx(1.2 / 5.2, abs=0.03)  # the simulation's mean purchase probability


def test_donation_claim_counts_the_matches_and_reads_table_6(fits):
    bgbb = fits.bgbb
    lit = clv.discrete_literature_check()
    predictions = lit[(lit["model"] == "BG/BB") & ~lit["quantity"].isin([*bgbb.param_names, "log-likelihood"])]
    text, n = clv.donation_claim(predictions, bgbb)
    assert (n["matched"], n["total"]) == (len(predictions), len(predictions)) == (9, 9)
    assert f"**{n['total']} of {n['total']}**" in text
    assert (round(n["never"], 2), round(n["every"], 2), n["years"]) == (0.11, 0.93, 6)  # FHS 2010 Table 6
    broken = predictions.assign(match=[False] + [True] * (len(predictions) - 1))
    assert "**8 of 9**" in clv.donation_claim(broken, bgbb)[0]


# --------------------------------------------------------------------------- MBG/NBD against BG/NBD


def test_p_alive_by_history_groups_the_customers(fits):
    pair, cdnow = fits.pair, fits.cdnow
    table = clv.p_alive_by_history(pair, cdnow, unit="week")
    once = cdnow["frequency"] == 0
    assert table["customers"].iloc[:-2].sum() == once.sum() and table["customers"].iloc[-1] == len(cdnow)
    assert table["customers"].iloc[-2] == (~once).sum()
    for name, model in pair.items():
        column = f"mean P(alive), {name}"
        assert table[column].iloc[-1] == pytest.approx(model.probability_alive(cdnow).mean())
    assert (table["mean P(alive), BG/NBD"].iloc[:-2] == 1.0).all()  # BG/NBD: one-time buyers alive by assumption
    mbg = table["mean P(alive), MBG/NBD"].iloc[:-2]
    assert (mbg < 1).all() and mbg.is_monotonic_decreasing  # older one-time buyers more likely gone
    assert re.fullmatch(r"one-time buyers, age \d+–\d+ weeks", table["customer group"].iloc[0])


def test_mbg_claim_words_follow_the_log_likelihoods(fits):
    pair, cdnow = fits.pair, fits.cdnow
    table = clv.p_alive_by_history(pair, cdnow)
    text, n = clv.mbg_claim(pair, table)
    better = pair["MBG/NBD"].log_likelihood_ > pair["BG/NBD"].log_likelihood_
    assert n["word"] == ("better than" if better else "worse than") and f"fits {n['word']} BG/NBD" in text
    assert "with 4 parameters each" in text
    assert f"{n['mbg']:,.1f}" in text and f"{n['bg']:,.1f}" in text
    assert "keeps all" in text and f"{n['once']:,} one-time buyers" in text and n["once"] == (cdnow["frequency"] == 0).sum()
    assert n["alive_mbg"] == pytest.approx(pair["MBG/NBD"].probability_alive(cdnow).sum())
    # the same numbers with the roles swapped: the comparison word flips, and "keeps all … active" is no longer said
    swapped = {"BG/NBD": pair["MBG/NBD"], "MBG/NBD": pair["BG/NBD"]}
    text2, n2 = clv.mbg_claim(swapped, clv.p_alive_by_history(swapped, cdnow))
    assert n2["word"] == ("worse than" if better else "better than") and "keeps all" not in text2
    fewer = clv.ModifiedBetaGeo().fit(cdnow.iloc[:1000])  # other customers: the log-likelihoods do not compare
    with pytest.raises(ValueError, match="fitted on 2,357 and 1,000 customers"):
        clv.mbg_claim({"BG/NBD": pair["BG/NBD"], "MBG/NBD": fewer}, table)


# --------------------------------------------------------------------------- contracts


def test_contract_curves_pool_the_cohorts_observed_that_long():
    table = clv.cohort_table({"2012": [100, 60, 45, 40], "2013": [200, 130, 100]}, period_days=365.25)
    table["plan"] = "p"
    models = clv.sbg_models(table, by="plan")
    curves = clv.contract_curves(table, models, by="plan", horizon=6)
    c = curves.set_index("period")
    assert c.loc[1, "observed"] == pytest.approx((60 + 130) / 300)
    assert c.loc[3, "observed"] == pytest.approx(40 / 100)  # only the 2012 cohort is observed that long
    assert c.loc[2, "observed retention"] == pytest.approx((45 + 100) / (60 + 130))
    assert c.loc[3, "observed retention"] == pytest.approx(40 / 45)
    assert np.isnan(c.loc[4, "observed"]) and list(c.index) == list(range(7))
    np.testing.assert_allclose(c["model"], models["p"].survival(np.arange(7)))
    np.testing.assert_allclose(c["model retention"].iloc[1:], models["p"].retention_rate(np.arange(1, 7)))
    assert c["fitted"].tolist() == [True] * 4 + [False] * 3 and curves.attrs["fit_periods"] == {"p": 3}


def test_sbg_projection_and_claim_restate_the_paper(paper):
    projection, models = paper["projection"], paper["models"]
    assert projection["year"].tolist() == [8, 9, 10, 11, 12]
    assert projection["regular: survivors"].tolist() == [223, 207, 194, 183, 173]
    s = models["regular"].survival(np.arange(8, 13)) * 1000
    np.testing.assert_allclose(projection["regular: sBG"], s)
    text, n = clv.sbg_claim(models, projection, paper["curves"], 0.10)
    assert n["fit_years"] == 7 and "years 8–12" in text and "years 1–7" in text
    for cohort, numbers in n["cohorts"].items():
        error = (projection[f"{cohort}: sBG"] / projection[f"{cohort}: survivors"] - 1).abs().max()
        assert numbers["error"] == pytest.approx(error) and f"{error:.1%} ({cohort})" in text
        assert numbers["rises"] and numbers["r_first"] < numbers["r_last"]
        assert numbers["lifetime"] == pytest.approx(models[cohort].discounted_expected_lifetime(0.10))
    assert "rises with tenure" in text and "heterogeneity" in text
    # a retention curve that does not rise (not the sBG's) is not called rising
    flat = paper["curves"].assign(**{"model retention": lambda d: np.where(d["period"] > 0, 0.8, np.nan)})
    text2, _ = clv.sbg_claim(models, projection, flat, 0.10)
    assert "does not rise steadily" in text2 and "heterogeneity" not in text2


def test_contract_recovery_claim_says_which_intervals_miss():
    truth = simulate.carrier_contract_truth()
    recovery = clv.recovery_table(clv.fit_by_plan(simulate.carrier_contract_cohorts()), truth)
    larger = clv.recovery_table(clv.fit_by_plan(simulate.carrier_contract_cohorts(scale=20)), truth)
    text, n = clv.contract_recovery_claim(recovery, larger, scale=20)
    assert n["covered"] == recovery["covered"].sum() and n["total"] == 6
    assert n["missed"] == [f"{g} {p}" for g, p in recovery.loc[~recovery["covered"], ["group", "parameter"]].to_numpy()]
    assert (f"**{n['covered']} of 6**" in text) and (("Missed:" in text) == bool(n["missed"]))
    assert n["large_covered"] == larger["covered"].sum() and f"**{n['large_covered']} of 6** inside" in text
    all_in = recovery.assign(covered=True)
    assert "Missed" not in clv.contract_recovery_claim(all_in)[0]


# --------------------------------------------------------------------------- covariates


def _customer_table() -> pd.DataFrame:
    return pd.DataFrame({"customer_id": ["a", "b", "c", "d", "e"], "forum_member": ["是", "否", "是", "否", "否"],
                         "miui_user": ["是", "是", "否", "是", "是"],
                         "channel": ["小米商城 官网", "运营商合约机", "小米商城 官网", "线下门店", "小米商城 官网"],
                         "gender": ["男", "女", "男", "男", "女"]})


def test_customer_covariates_reads_yes_no_and_channel_dummies():
    cov = clv.customer_covariates(_customer_table())
    assert list(cov.columns) == ["customer_id", "forum_member", "miui_user", "carrier", "offline_store"]
    assert cov["forum_member"].tolist() == [1.0, 0.0, 1.0, 0.0, 0.0] and cov["carrier"].tolist() == [0, 1, 0, 0, 0]
    assert cov.attrs["reference"] == "online_mall"  # the most common channel
    assert cov.attrs["purchase"] == ["forum_member", "miui_user", "carrier", "offline_store"]
    assert cov.attrs["dropout"] == ["forum_member"] and cov.attrs["attributes"] == ["forum_member", "miui_user",
                                                                                    "channel"]
    ids_only = clv.customer_covariates(pd.DataFrame({"customer_id": ["1", "2"]}))
    assert list(ids_only.columns) == ["customer_id"] and ids_only.attrs["purchase"] == []


def test_customer_covariates_refuse_unknown_and_missing_values():
    bad = _customer_table()
    bad.loc[3, "forum_member"] = "maybe"
    with pytest.raises(DataError, match="column 'forum_member', row 3: 1 customer.*'maybe'"):
        clv.customer_covariates(bad)
    missing = _customer_table()
    missing.loc[2, "channel"] = None
    with pytest.raises(DataError, match="column 'channel', row 2: 1 customer.*no channel"):
        clv.customer_covariates(missing)


@pytest.fixture(scope="module")
def simulated_fit():
    data = clv.simulate_with_covariates("bg_nbd", 4_000, T=52.0, seed=0)
    truth = data.attrs["true_params"]
    purchase, dropout = clv.covariate_columns(truth)
    model = clv.BetaGeo(purchase_covariate_cols=purchase, dropout_covariate_cols=dropout).fit(data)
    return model, truth


def test_covariate_effects_are_factors_with_wald_intervals(simulated_fit):
    model, truth = simulated_fit
    effects = clv.covariate_effects(model, truth=truth)
    p, cov = model.params_, model.covariance_
    row = effects.set_index(["covariate", "effect on"])
    assert row.loc[("carrier", "purchase rate"), "factor"] == pytest.approx(np.exp(p["gamma1[carrier]"]))
    g2, g3 = "gamma2[community_member]", "gamma3[community_member]"
    se = np.sqrt(cov.loc[g2, g2] + cov.loc[g3, g3] - 2 * cov.loc[g2, g3])
    odds = row.loc[("community_member", "dropout odds")]
    assert odds["factor"] == pytest.approx(np.exp(p[g2] - p[g3]))
    assert odds["upper 95%"] == pytest.approx(np.exp(p[g2] - p[g3] + 1.959964 * se), rel=1e-6)
    assert odds["true factor"] == pytest.approx(np.exp(truth[g2] - truth[g3]))
    inside = (effects["lower 95%"] <= 1) & (1 <= effects["upper 95%"])
    assert (effects["differs from no effect"] == ~inside).all()
    assert (effects["covered"] == ((effects["lower 95%"] <= effects["true factor"])
                                   & (effects["true factor"] <= effects["upper 95%"]))).all()
    p0, p1 = effects.attrs["dropout_probability"]["community_member"]
    assert p0 == pytest.approx(p["a0"] / (p["a0"] + p["b0"]))
    assert p1 / (1 - p1) == pytest.approx(p0 / (1 - p0) * odds["factor"])  # the odds factor, on the mean


def test_covariate_effects_of_pareto_nbd_and_a_model_without_covariates():
    data = clv.simulate_with_covariates("pareto_nbd", 2_000, T=52.0, seed=1)
    truth = data.attrs["true_params"]
    purchase, dropout = clv.covariate_columns(truth)
    model = clv.ParetoNBD(purchase_covariate_cols=purchase, dropout_covariate_cols=dropout).fit(data)
    effects = clv.covariate_effects(model, truth=truth).set_index(["covariate", "effect on"])
    rate = effects.loc[("meetup", "dropout rate")]  # the mean dropout rate s/β_i, β_i = β0 exp(−γ2ᵀx)
    assert rate["factor"] == pytest.approx(np.exp(model.params_["gamma2[meetup]"]))
    assert rate["true factor"] == pytest.approx(np.exp(truth["gamma2[meetup]"]))
    text, _ = clv.covariate_claim(effects.reset_index(), "x", clv.customer_covariates(pd.DataFrame({"customer_id": [1]})))
    assert "Meet-up attendees drop out" in text and "times as fast" in text
    with pytest.raises(ValueError, match="fitted without covariates"):
        clv.covariate_effects(clv.BetaGeo().fit(data))


def test_covariate_claim_words_come_from_the_intervals(simulated_fit):
    model, truth = simulated_fit
    effects = clv.covariate_effects(model, truth=truth)
    text, n = clv.covariate_claim(effects, "CDNOW sample", clv.customer_covariates(pd.DataFrame({"customer_id": [1]})))
    assert "has no customer attributes" in text and f"**{n['covered']} of {len(effects)}**" in text
    assert n["covered"] == effects["covered"].sum()
    for sentence, differs in zip(n["sentences"], effects["differs from no effect"]):
        assert sentence.endswith(": not distinguishable from no effect.") != bool(differs), sentence
    # the same fit read as real data: the other introduction, and an effect pushed across 1 changes its word
    real = clv.customer_covariates(_customer_table())
    text2, n2 = clv.covariate_claim(effects, "Xiaomi-like CRM export (SIMULATED · 模拟数据)", real)
    assert "customer table of" in text2 and f"**{n2['distinguishable']} of {len(effects)}** effects" in text2
    assert "compared with the most common one, online-mall customers" in text2
    shifted = effects.copy()
    shifted.loc[0, ["lower 95%", "upper 95%", "differs from no effect"]] = [0.9, 1.1, False]
    assert clv.covariate_claim(shifted, "x", real)[1]["sentences"][0].endswith("not distinguishable from no effect.")
    with pytest.raises(ValueError, match="no attributes"):
        clv.covariate_claim(effects.drop(columns="covered"), "x", clv.customer_covariates(pd.DataFrame(
            {"customer_id": [1]})))


def test_literature_claim_counts_the_printed_values():
    table = pd.concat([clv.sbg_literature_check(), clv.sbg_literature_check().assign(match=[True, False, True, True])])
    text, n = clv.literature_claim(table)
    assert (n["matched"], n["total"]) == (7, 8) and "**7 of 8**" in text and "sBG (regular)" in text


def test_part2_sentences_are_chinese_in_the_chinese_set(fits, paper, simulated_fit):
    bgbb, donations, pair, cdnow = fits.bgbb, fits.donations, fits.pair, fits.cdnow
    model, truth = simulated_fit
    i18n.set_language("zh", strict=True)  # a sentence without a catalog entry raises
    try:
        recovery = clv.recovery_table(clv.fit_by_plan(simulate.carrier_contract_cohorts()),
                                      simulate.carrier_contract_truth())
        texts = [clv.bgbb_claim(bgbb, donations)[0],
                 clv.mbg_claim(pair, clv.p_alive_by_history(pair, cdnow))[0],
                 clv.sbg_claim(paper["models"], paper["projection"], paper["curves"], 0.1)[0],
                 clv.contract_recovery_claim(recovery, recovery, scale=20)[0],
                 clv.covariate_claim(clv.covariate_effects(model, truth=truth), "x",
                                     clv.customer_covariates(pd.DataFrame({"customer_id": [1]})))[0],
                 clv.covariate_claim(clv.covariate_effects(model), "x", clv.customer_covariates(_customer_table()))[0],
                 clv.literature_claim(clv.sbg_literature_check())[0]]
    finally:
        i18n.set_language("en")
    for text in texts:
        assert len(re.findall(r"[\u4e00-\u9fff]", text)) > 10, text


def test_covariate_fit_data_uses_the_attributes_or_says_it_simulates():
    """With customer attributes: a seeded sample of the summary joined with them, no truth; with ids only: SIMULATED
    customers whose true effects come along, and the covariate columns those effects name."""
    table = _customer_table()
    summary = pd.DataFrame({"customer_id": table["customer_id"], "frequency": [0.0, 1, 2, 0, 3],
                            "recency": [0.0, 4, 9, 0, 20], "T": [30.0] * 5})
    cov = clv.customer_covariates(table)
    data, purchase, dropout, truth = clv.covariate_fit_data(summary, cov, max_customers=3, seed=1)
    assert truth is None and purchase == cov.attrs["purchase"] and dropout == cov.attrs["dropout"]
    assert len(data) == 3 and set(purchase) <= set(data.columns)
    assert data.equals(clv.covariate_fit_data(summary, cov, max_customers=3, seed=1)[0])  # seeded
    ids_only = clv.customer_covariates(table[["customer_id"]])
    sim, purchase, dropout, truth = clv.covariate_fit_data(summary, ids_only, simulated_customers=300, seed=1)
    assert len(sim) == 300 and truth == sim.attrs["true_params"]
    assert (purchase, dropout) == clv.covariate_columns(truth) and set(purchase + dropout) <= set(sim.columns)
