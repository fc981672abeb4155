"""Tests of the sBG (shifted-beta-geometric) model of contract retention and of the SIMULATED carrier contract
cohorts it is taught on.

Published facts used here (Fader & Hardie 2007, "How to project customer retention", Journal of Interactive
Marketing 21(1), 76–90): the "regular" and "high end" cohorts of 1,000 customers survive 1000, 631, 468, 382,
326, 289, 262, 241 and 1000, 869, 743, 653, 593, 551, 517, 491 over years 0–7; fitted on years 1–7 the sBG's
maximum-likelihood estimates are γ 0.704, δ 1.182 (regular) and γ 0.668, δ 3.806 (high end).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import clv, simulate
from helpers.errors import DataError

# --------------------------------------------------------------------------- the paper's worked example


def test_sbg_reproduces_fader_hardie_2007():
    table = clv.sbg_literature_check()
    assert table["match"].all(), table
    assert table["published"].tolist() == [0.704, 1.182, 0.668, 3.806]
    assert clv.SBG_SURVIVORS["regular"][:8] == [1000, 631, 468, 382, 326, 289, 262, 241]
    assert clv.SBG_SURVIVORS["high end"][:8] == [1000, 869, 743, 653, 593, 551, 517, 491]
    # the fit reads years 0–7 only: adding the holdout years changes the estimates
    longer = clv.ShiftedBetaGeo().fit(clv.sbg_table("regular", years=12))
    assert round(longer.params_["gamma"], 3) != 0.704


def test_sbg_likelihood_is_the_papers():
    """LL = Σ n_t ln P(T=t) + (N − Σ n_t) ln S(7), evaluated by hand from the recursion
    P(T=1) = γ/(γ+δ), P(T=t) = (δ+t−2)/(γ+δ+t−1) P(T=t−1), S(t) = 1 − Σ P."""
    m = clv.ShiftedBetaGeo().fit(clv.sbg_table("regular"))
    g, d = m.params_["gamma"], m.params_["delta"]
    P = [g / (g + d)]
    for t in range(2, 8):
        P.append(P[-1] * (d + t - 2) / (g + d + t - 1))
    s = np.array(clv.SBG_SURVIVORS["regular"][:8], dtype=float)
    lost = -np.diff(s)
    by_hand = float(lost @ np.log(P) + s[-1] * np.log(1 - sum(P)))
    assert m.log_likelihood_ == pytest.approx(by_hand, rel=1e-10)
    np.testing.assert_allclose(m.churn_probability(np.arange(1, 8)), P, rtol=1e-10)
    assert m.summary().attrs["n_customers"] == 1000


def test_sbg_projection_tracks_the_holdout_years():
    """Fitted on years 1–7, the projection N·S(t) stays within 5% of the survivors of years 8–12 (the paper's
    point: the sBG projects retention well where curve fitting fails)."""
    for cohort in ("regular", "high end"):
        m = clv.ShiftedBetaGeo().fit(clv.sbg_table(cohort))
        projected = m.expected_survivors(clv.sbg_table(cohort), horizon=5)
        actual = np.array(clv.SBG_SURVIVORS[cohort][8:13], dtype=float)
        expected = projected.loc[projected["period"] >= 8, "expected"].to_numpy()
        assert np.all(np.abs(expected / actual - 1) < 0.05), (cohort, expected, actual)


def test_del_and_derl_equal_their_sums():
    """DEL(d) = Σ S(t)/(1+d)^t (Fader & Hardie 2010) and DERL = Σ_{k≥1} S(n−1+k)/S(n−1)/(1+d)^k, summed far out."""
    m = clv.ShiftedBetaGeo().fit(clv.sbg_table("high end"))
    d, t = 0.1, np.arange(4000)
    S = m.survival(t)
    assert m.discounted_expected_lifetime(d) == pytest.approx(float(np.sum(S / (1 + d) ** t)), rel=1e-9)
    for renewals in (0, 3, 10):
        n = renewals + 1
        direct = np.sum(S[n - 1 + 1:n - 1 + 3000] / S[n - 1] / (1 + d) ** np.arange(1, 3000))
        assert float(m.discounted_expected_residual_lifetime(d, renewals)) == pytest.approx(direct, rel=1e-9)
    assert m.discounted_expected_lifetime(d) == pytest.approx(1 + m.discounted_expected_residual_lifetime(d, 0))
    assert m.expected_lifetime() == np.inf  # γ < 1: E[1/θ] diverges
    assert m.expected_lifetime(horizon=10) == pytest.approx(float(S[:10].sum()))
    with pytest.raises(ValueError, match="discount_rate must be a positive rate"):
        m.discounted_expected_lifetime(0)
    with pytest.raises(ValueError, match="whole numbers ≥ 1"):
        m.retention_rate(0)


def test_sbg_refuses_what_it_cannot_honour():
    table = clv.sbg_table("regular")
    nobody_renews = table.assign(survivors=np.where(table["period"] == 0, 1000, 0))
    with pytest.raises(DataError, match="no customer renews"):
        clv.ShiftedBetaGeo().fit(nobody_renews)
    with pytest.raises(DataError, match="fewer than 2 periods"):
        clv.ShiftedBetaGeo().fit(table[table["period"] <= 1])
    two = pd.concat([table, table])  # two cohorts with one label: refused, not merged
    with pytest.raises(DataError, match="cohort 'regular': period 0 appears twice.*fit each apart"):
        clv.ShiftedBetaGeo().fit(two)
    m = clv.ShiftedBetaGeo().fit(table)
    monthly = clv.cohort_table({"m": [100, 90, 80]}, period_days=30.4375)
    with pytest.raises(DataError, match="fitted on periods of 365.25 days"):
        m.expected_survivors(monthly)
    # cohorts observed for different lengths share (γ, δ): a younger cohort adds its periods to the likelihood
    staggered = clv.cohort_table({"2012": clv.SBG_SURVIVORS["regular"][:8], "2013": [1000, 640, 470]}, 365.25)
    both = clv.ShiftedBetaGeo().fit(staggered)
    assert both.n_customers_ == 2000 and both.log_likelihood_ < m.log_likelihood_


# --------------------------------------------------------------------------- the SIMULATED carrier contracts


def test_carrier_contract_cohorts_are_labelled_seeded_and_valid():
    table = simulate.carrier_contract_cohorts()
    again = simulate.carrier_contract_cohorts()
    pd.testing.assert_frame_equal(table, again)
    assert pd.util.hash_pandas_object(table).equals(pd.util.hash_pandas_object(again))
    assert not table.equals(simulate.carrier_contract_cohorts(seed=1))
    assert (table["data_note"] == simulate.SIMULATED_NOTE).all() and "SIMULATED" in table.attrs["label"]
    assert table.attrs["period_days"] == 365.25 and set(table.attrs["true_params"]) == set(simulate.CARRIER_PLANS)
    assert set(table["plan"]) == set(simulate.CARRIER_PLANS)
    for plan, part in table.groupby("plan"):
        first = part.groupby("cohort")["period"].max()
        assert first.iloc[0] == first.max() and first.min() >= 4  # older cohorts show more renewals
        assert first.index[0] == simulate.CARRIER_PLANS[plan].first_quarter and first.index[-1] == "2014Q1"
    # a cohort's renewals are its start's anniversaries before the report date
    unicom = table[(table["plan"] == "unicom_1y") & (table["cohort"] == "2011Q4")]
    assert unicom["period"].max() == 7  # 2012-10-01 … 2018-10-01
    window = simulate.carrier_contract_cohorts(as_of=simulate.OBSERVATION_END)
    assert window.groupby("plan")["period"].max().to_dict() == {"mobile_1y": 0, "telecom_1y": 2, "unicom_1y": 2}
    with pytest.raises(DataError, match="fewer than 2 periods"):  # the export's window cannot show mobile's renewals
        clv.fit_by_plan(window[window["plan"] == "mobile_1y"])


def test_sbg_recovers_the_simulated_plans():
    """The sBG recovers each plan's true (γ, δ) within its 95% interval on a large table (20× the default
    cohort sizes, seed = simulate.DEFAULT_SEED, chosen before looking), and the intervals have their coverage:
    over 20 default-sized tables (seeds 0–19) each interval covers the truth at least 16 times (Binomial(20, 0.95):
    fails by chance with probability 0.26% per parameter)."""
    large = simulate.carrier_contract_cohorts(scale=20)
    recovered = clv.recovery_table(clv.fit_by_plan(large), simulate.carrier_contract_truth())
    assert recovered["covered"].all(), recovered
    assert (recovered["relative error"].abs() < 0.05).all()
    assert recovered.groupby("group")["customers"].first().min() > 100_000
    covered = 0
    for seed in range(20):
        fitted = clv.recovery_table(clv.fit_by_plan(simulate.carrier_contract_cohorts(seed=seed)),
                                    simulate.carrier_contract_truth())
        covered = covered + fitted["covered"].to_numpy().astype(int)
    assert (covered >= 16).all(), dict(zip(fitted["group"] + " " + fitted["parameter"], covered))
