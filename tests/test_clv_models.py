"""Tests of the MBG/NBD and BG/BB models and of discrete purchase opportunities (issue 19).

Printed numbers used here, with where they come from:

- MBG/NBD on the FHL-prepared CDNOW sample (2,357 customers, weeks): r 0.525, α 6.183, a 0.891, b 1.614 —
  BTYDplus's estimates as lifetimes 0.11.3 prints them (tests/test_estimation.py,
  ``test_params_out_is_close_to_BTYDplus``); Batislam, Denizel & Filiztekin (2007)'s own data are not public.
  MBG/NBD log-likelihood of one customer (x=0, t_x=0, T=40) = −0.41792826 and (x=200, t_x=38, T=40) = 100.7869
  at a=0.80, b=2.50, r=0.25, α=4.00 — PyMC-Marketing's ``test_numerically_stable_logp``.
- BG/BB on the donations (Fader, Hardie & Shang 2010): α 1.204, β 0.750, γ 0.657, δ 2.783, LL −33,225.6;
  Table 6 P(alive in 2002) 0.11 (x=0, t_x=0), 0.59 (x=2, t_x=4), 0.93 (x=6, t_x=6); the authors' BG/BB
  spreadsheet (Hardie's note 010) as lifetimes 0.11.3 and PyMC-Marketing quote it: expected donors with 0 and
  6 repeat gifts 3454.9 and 1253.1, expected gifts 2002–2006 12,884.2, a new donor's E[X(n)], n = 1..11.
"""

from __future__ import annotations

import hashlib
import shutil

import numpy as np
import pandas as pd
import pytest
from scipy import special

from helpers import clv, paths
from helpers.clv import literature
from helpers.clv.models.checks import opportunity_of
from helpers.errors import DataError


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return clv.cdnow_fhl_summary()


@pytest.fixture(scope="module")
def mbg(cdnow) -> clv.ModifiedBetaGeo:
    return clv.ModifiedBetaGeo().fit(cdnow)


@pytest.fixture(scope="module")
def donations() -> pd.DataFrame:
    return clv.load_donations()


@pytest.fixture(scope="module")
def bgbb(donations) -> clv.BetaGeoBetaBinom:
    return clv.BetaGeoBetaBinom().fit(donations)


# --------------------------------------------------------------------------- MBG/NBD


def test_mbg_reproduces_btydplus_estimates_on_cdnow(mbg):
    p = mbg.params_
    assert [round(p["r"], 3), round(p["alpha"], 3), round(p["a"], 3), round(p["b"], 3)] == [0.525, 6.183, 0.891, 1.614]
    assert mbg.n_customers_ == 2357


def test_mbg_likelihood_equals_pymc_marketing_values():
    model = clv.ModifiedBetaGeo()
    summary = pd.DataFrame({"frequency": [0.0, 200.0], "recency": [0.0, 38.0], "T": [40.0, 40.0]})
    data, _ = model.model_data(summary)
    values = dict(zip(data["x"], model.loglikeobs(np.array([0.25, 4.00, 0.80, 2.50]), data)))
    assert round(values[0.0], 8) == -0.41792826 and round(values[200.0], 4) == 100.7869


def test_mbg_analytic_gradient_matches_numerical(cdnow):
    model = clv.ModifiedBetaGeo()
    data, weights = model.model_data(cdnow)
    theta = np.array([0.4, 3.0, 1.3, 2.0])
    total, grad = model.loglike_and_score(theta, data, weights)
    assert total == pytest.approx(np.dot(weights, model.loglikeobs(theta, data)), rel=1e-12)
    for i in range(4):
        step = np.eye(4)[i] * theta[i] * 1e-6
        numeric = (np.dot(weights, model.loglikeobs(theta + step, data))
                   - np.dot(weights, model.loglikeobs(theta - step, data))) / (2 * step[i])
        assert grad[i] == pytest.approx(numeric, rel=1e-6)


def test_mbg_one_time_buyers_can_be_dead_unlike_bgnbd(mbg, cdnow):
    """MBG/NBD's dropout chance at time 0: P(alive) < 1 for every customer, falling with time since the only
    purchase; BG/NBD keeps one-time buyers alive by assumption."""
    once = cdnow["frequency"] == 0
    p_mbg = mbg.probability_alive(cdnow)
    p_bg = clv.BetaGeo().fit(cdnow).probability_alive(cdnow)
    assert (p_bg[once] == 1.0).all() and (p_mbg < 1.0).all() and (p_mbg > 0.0).all()
    ages = clv.with_time_unit(pd.DataFrame({"frequency": 0.0, "recency": 0.0, "T": [1.0, 10.0, 40.0]}), "D", 7)
    assert mbg.probability_alive(ages).is_monotonic_decreasing


def test_mbg_euler_form_equals_the_textbook_expressions(mbg, cdnow):
    """The predictions are evaluated after Euler's transformation; they equal the published forms (Wagner &
    Hoppe 2008 for the conditional expectation, lifetimes' ModifiedBetaGeoFitter's expressions)."""
    r, alpha, a, b = mbg.fitted_params()
    x, t_x, T = (cdnow[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    for t in (1.0, 39.0, 200.0):
        z = t / (alpha + T + t)
        textbook = ((a + b + x) / (a - 1) * (1 - special.hyp2f1(r + x, b + x + 1, a + b + x, z)
                                             * ((alpha + T) / (alpha + T + t)) ** (r + x))
                    / (1 + a / (b + x) * ((alpha + T) / (alpha + t_x)) ** (r + x)))
        np.testing.assert_allclose(mbg.conditional_expected_purchases(t, x, t_x, T), textbook, rtol=1e-9)
    ts = np.array([0.5, 13.0, 39.0, 78.0, 500.0])
    new = b / (a - 1) * (1 - special.hyp2f1(r, b + 1, a + b, ts / (alpha + ts)) * (alpha / (alpha + ts)) ** r)
    np.testing.assert_allclose(mbg.expected_purchases_new_customer(ts), new, rtol=1e-10)
    # E[X(t)] is the mean of the distribution P(X(t) = n)
    mean = sum(n * mbg.probability_of_n_purchases(np.array([39.0]), n) for n in range(400))
    np.testing.assert_allclose(mean, mbg.expected_purchases_new_customer(np.array([39.0])), rtol=1e-8)


def test_mbg_recovers_simulated_parameters_within_intervals():
    truth = {"r": 0.6, "alpha": 5.0, "a": 0.9, "b": 1.8}
    T = np.random.default_rng(1).uniform(10, 80, 20_000)
    sim = clv.simulate_bgnbd(20_000, **truth, T=T, seed=11, dropout_at_zero=True)
    model = clv.ModifiedBetaGeo().fit(sim)
    ci = model.confidence_intervals_()
    for name, value in truth.items():
        assert ci.loc[name].iloc[0] <= value <= ci.loc[name].iloc[1], name
    # dead one-time buyers exist in the simulation and the model sees them: mean P(alive) ≈ share alive
    alive = sim.attrs["alive"]
    assert (~alive[sim["frequency"].to_numpy() == 0]).any()
    assert model.probability_alive(sim).mean() == pytest.approx(alive.mean(), abs=0.02)


def test_mbg_simulation_keeps_bgnbd_draws():
    a = clv.simulate_bgnbd(500, 0.3, 4.0, 0.8, 2.4, 30.0, seed=5)
    b = clv.simulate_bgnbd(500, 0.3, 4.0, 0.8, 2.4, 30.0, seed=5)
    pd.testing.assert_frame_equal(a, b)
    mbg = clv.simulate_bgnbd(500, 0.3, 4.0, 0.8, 2.4, 30.0, seed=5, dropout_at_zero=True)
    assert (mbg["frequency"] <= a["frequency"]).all() and (mbg["frequency"] < a["frequency"]).any()


def test_mbg_scores_customers(cdnow):
    scores = clv.score_customers(cdnow, model="mbgnbd", horizon=26, time_unit="W")
    assert scores.attrs["transaction_model"] == "ModifiedBetaGeo"
    assert (scores["p_alive"] < 1).all() and (scores["clv"] >= 0).all()
    assert clv.find_model("MBG/NBD") is clv.MODELS["mbg_nbd"] and clv.find_model("mbg") is clv.MODELS["mbg_nbd"]


# --------------------------------------------------------------------------- BG/BB


def test_bgbb_reproduces_fader_hardie_shang_2010(bgbb, donations):
    p = bgbb.params_
    assert [round(p["alpha"], 3), round(p["beta"], 3), round(p["gamma"], 3), round(p["delta"], 3)] == \
        [1.204, 0.750, 0.657, 2.783]
    assert round(bgbb.log_likelihood_, 1) == -33225.6 and bgbb.n_customers_ == 11104
    histories = pd.DataFrame({"frequency": [0, 2, 6], "recency": [0, 4, 6], "n_periods": [6, 6, 6]})
    histories.attrs = {"period": "Y"}
    assert bgbb.probability_alive(histories, future=1).round(2).tolist() == [0.11, 0.59, 0.93]  # Table 6


def test_bgbb_reproduces_the_authors_spreadsheet(bgbb, donations):
    assert [round(11104 * float(bgbb.probability_of_n_purchases(6, x)), 1) for x in (0, 6)] == [3454.9, 1253.1]
    assert round(float(np.dot(donations["weights"], bgbb.expected_purchases(5, donations))), 1) == 12884.2
    tracking = [0.4985, 0.9233, 1.2969, 1.6323, 1.9381, 2.2202, 2.4826, 2.7285, 2.9603, 3.1798, 3.3887]
    assert np.round(bgbb.expected_purchases_new_customer(np.arange(1, 12)), 4).tolist() == tracking


def test_discrete_literature_check_matches_every_printed_value(cdnow, donations):
    table = clv.discrete_literature_check(cdnow, donations)
    assert table["match"].all(), table.loc[~table["match"]]
    assert set(table["model"]) == {"MBG/NBD", "BG/BB"} and len(table) == 4 + 5 + 3 + 2 + 1 + 3
    assert set(table.attrs["sources"]) == {"MBG/NBD", "BG/BB"}
    # the tracking figures printed in the module are the same as the test's
    assert literature.BGBB_TRACKING[11] == "3.3887" and literature.DISCRETE_PUBLISHED["bg_bb"]["beta"] == "0.750"


def test_bgbb_pattern_table_and_one_row_per_donor_give_the_same_fit(bgbb, donations):
    donors = donations.loc[donations.index.repeat(donations["weights"])].drop(columns="weights")
    donors = donors.reset_index(drop=True)
    donors.insert(0, "customer_id", np.arange(len(donors)))
    donors.attrs = {"period": "Y"}
    each = clv.BetaGeoBetaBinom().fit(donors)
    np.testing.assert_allclose(each.params_, bgbb.params_, rtol=1e-6)
    assert each.log_likelihood_ == pytest.approx(bgbb.log_likelihood_, abs=1e-6)
    np.testing.assert_allclose(each.standard_errors_, bgbb.standard_errors_, rtol=1e-4)
    patterns = clv.discrete_patterns(donors)
    pd.testing.assert_frame_equal(patterns.reset_index(drop=True),
                                  donations.sort_values(["frequency", "recency", "n_periods"]).reset_index(drop=True),
                                  check_dtype=False)


def test_bgbb_prediction_identities(bgbb, donations):
    # a customer just acquired (x = t_x = n = 0) is a new customer
    newborn = pd.DataFrame({"frequency": [0], "recency": [0], "n_periods": [0]})
    newborn.attrs = {"period": "Y"}
    for n_star in (1, 5, 11):
        assert float(bgbb.expected_purchases(n_star, newborn).iloc[0]) == \
            pytest.approx(bgbb.expected_purchases_new_customer(n_star), rel=1e-12)
    # E[X(n)] is the mean of P(X(n) = k), which sums to 1
    for n in (1, 6, 10):
        probs = np.array([float(bgbb.probability_of_n_purchases(n, k)) for k in range(n + 2)])
        assert probs[-1] == 0.0 and probs.sum() == pytest.approx(1.0, abs=1e-12)
        assert np.dot(np.arange(n + 2), probs) == pytest.approx(bgbb.expected_purchases_new_customer(n), rel=1e-10)
    # alive later is less likely; more opportunities ahead, more purchases expected
    p0, p1, p5 = (bgbb.probability_alive(donations, future=m) for m in (0, 1, 5))
    assert (p0 >= p1).all() and (p1 >= p5).all() and (p0 > p5).any()
    with pytest.raises(ValueError, match="whole number"):
        bgbb.expected_purchases(2.5, donations)
    with pytest.raises(ValueError, match="whole number"):
        bgbb.probability_alive(donations, future=0.5)


def test_bgbb_gamma_equal_one_limit_is_continuous(bgbb, donations):
    """The expectations divide by γ − 1; at γ = 1 their limit (digamma form) is used, continuous with γ ≈ 1."""
    near = [clv.BetaGeoBetaBinom(), clv.BetaGeoBetaBinom(), clv.BetaGeoBetaBinom()]
    for model, gamma in zip(near, (1.0 - 1e-5, 1.0, 1.0 + 1e-5)):
        model.params_ = pd.Series([1.2, 0.75, gamma, 2.8], index=list(model.param_names))
        model.period_ = "Y"
    values = [m.expected_purchases_new_customer(6) for m in near]
    assert values[1] == pytest.approx(values[0], rel=1e-4) and values[1] == pytest.approx(values[2], rel=1e-4)
    cond = [m.expected_purchases(5, donations).to_numpy() for m in near]
    np.testing.assert_allclose(cond[1], cond[0], rtol=1e-4)


def test_bgbb_recovers_parameters_from_a_simulated_log():
    """log → discrete_summary → discrete_patterns → fit: the same customers as the direct simulation, and the
    95% intervals cover the true parameters."""
    truth = {"alpha": 1.2, "beta": 0.75, "gamma": 0.66, "delta": 2.8}
    log = clv.simulate_bgbb(30_000, **truth, n_periods=20, seed=7, log=True)
    summary = clv.discrete_summary(log, period="W")
    direct = clv.simulate_bgbb(30_000, **truth, n_periods=20, seed=7)
    columns = ["frequency", "recency", "n_periods"]
    np.testing.assert_array_equal(summary[columns].to_numpy(), direct[columns].to_numpy())
    patterns = clv.discrete_patterns(summary)
    assert opportunity_of(patterns) == "W" and patterns["weights"].sum() == 30_000
    model = clv.BetaGeoBetaBinom().fit(patterns)
    ci = model.confidence_intervals_()
    for name, value in truth.items():
        assert ci.loc[name].iloc[0] <= value <= ci.loc[name].iloc[1], name
    assert model.probability_alive(direct).mean() == pytest.approx(direct.attrs["alive"].mean(), abs=0.02)


def test_bgbb_refuses_a_continuous_summary_and_other_opportunities(bgbb, cdnow, donations):
    with pytest.raises(DataError, match="continuous-time summary.*discrete_summary"):
        clv.BetaGeoBetaBinom().fit(cdnow)
    unstated = donations.copy()
    unstated.attrs = {}
    with pytest.raises(DataError, match="unstated kind"):
        bgbb.probability_alive(unstated)
    with pytest.raises(DataError, match="column 'n_periods'"):  # BG/BB read as if it were BG/NBD's T
        clv.fit_by_group(cdnow, pd.Series("all", index=cdnow.index), model="BG/BB")


# --------------------------------------------------------------------------- discrete_summary


def _yearly_log() -> pd.DataFrame:
    return pd.DataFrame({
        "customer_id": ["A", "A", "A", "A", "A", "B", "B", "C", "D", "D", "E"],
        "timestamp": pd.to_datetime(["1995-03-01", "1996-05-01", "1996-07-01", "1999-01-01", "2003-02-02",
                                     "1995-12-31", "1996-01-01", "2001-06-01", "1997-04-04", "1998-04-04",
                                     "1996-08-08"]),
        "amount": [10.0, 5.0, 6.0, 7.0, 8.0, 4.0, 2.0, 9.0, 3.0, -3.0, -1.0],
    })


def test_discrete_summary_counts_opportunities_by_hand():
    """A (1995 cohort): gifts in 1996 (twice: one opportunity), 1999, and 2003 after the window → x=2, t_x=4,
    n=6. B: 1995-12-31 then 1996-01-01, consecutive years → x=1, t_x=1. C: first in 2001 → n=0. D's 1998 line
    is a refund, not a purchase → x=0. E has only a refund → left out and counted."""
    s = clv.discrete_summary(_yearly_log(), period="Y", monetary_value_col="amount", observation_period_end="2001-12-31")
    assert s["customer_id"].tolist() == ["A", "B", "C", "D"]
    assert s[["frequency", "recency", "n_periods"]].to_numpy().tolist() == [[2, 4, 6], [1, 1, 6], [0, 0, 0], [0, 0, 4]]
    assert s.attrs["lines_after_end"] == 1 and s.attrs["refund_only_customers"] == 1
    assert opportunity_of(s) == "Y" and s.attrs["observation_period_end"] == "2001-12-31"
    # without the amount column every line is a purchase (D's refund counts as 1998, E appears)
    every = clv.discrete_summary(_yearly_log(), period="Y", observation_period_end="2001-12-31")
    assert every.set_index("customer_id").loc["D", "frequency"] == 1 and "E" in set(every["customer_id"])
    # quarters, months, ISO weeks: 1995-12-31 (Sunday) and 1996-01-01 (Monday) are in different ISO weeks;
    # B's first week starts Monday 1995-12-25, the window's last Monday 2001-12-31: 2,198 days = 314 weeks
    for period, n_b in (("Q", 24), ("M", 72), ("W", 314)):
        by = clv.discrete_summary(_yearly_log(), period=period, observation_period_end="2001-12-31")
        row = by.set_index("customer_id").loc["B"]
        assert (row["frequency"], row["recency"], row["n_periods"]) == (1, 1, n_b), period


def test_discrete_summary_flash_sales_one_opportunity_per_event():
    """Xiaomi-style flash sales (抢购): buying is possible only during a sale; a sale nobody bought at is
    still an opportunity, and two orders in one sale are one purchase occasion."""
    sales = ["S1", "S2", "S3", "S4", "S5"]
    log = pd.DataFrame({"customer_id": ["u1", "u1", "u1", "u2", "u2", "u3"],
                        "sale_id": ["S1", "S2", "S2", "S4", "S4", "S5"]})
    s = clv.discrete_summary(log, period="event", opportunity_col="sale_id", opportunities=sales)
    assert s[["frequency", "recency", "n_periods"]].to_numpy().tolist() == [[1, 1, 4], [0, 0, 1], [0, 0, 0]]
    assert opportunity_of(s) == "event:sale_id" and s.attrs["n_opportunities"] == 5
    with pytest.raises(DataError, match="event not in opportunities, e.g. 'S9'"):
        clv.discrete_summary(log.assign(sale_id=["S1", "S9", "S2", "S4", "S4", "S5"]), period="event",
                             opportunity_col="sale_id", opportunities=sales)
    with pytest.raises(ValueError, match="needs opportunity_col"):
        clv.discrete_summary(log, period="event")
    weekly = clv.BetaGeoBetaBinom()
    weekly.params_, weekly.period_ = pd.Series([1.0, 1.0, 1.0, 2.0], index=list(weekly.param_names)), "W"
    with pytest.raises(DataError, match="fitted on opportunities W but this summary counts event:sale_id"):
        weekly.probability_alive(s)


def test_discrete_summary_refuses_missing_values_naming_the_row():
    log = _yearly_log()
    for column, value, what in (("customer_id", None, "without a customer id"), ("timestamp", pd.NaT, "without a time"),
                                ("amount", np.nan, "without an amount")):
        broken = log.copy()
        broken.loc[4, column] = value
        with pytest.raises(DataError, match=f"column '{column}', row 4: 1 transaction\\(s\\) {what}"):
            clv.discrete_summary(broken, period="Y", monetary_value_col="amount")
    with pytest.raises(DataError, match="column 'when'"):
        clv.discrete_summary(log, period="Y", datetime_col="when")
    with pytest.raises(ValueError, match="period must be one of"):
        clv.discrete_summary(log, period="fortnight")


def test_discrete_summary_is_deterministic_and_reads_zones_on_one_clock():
    log = _yearly_log()
    shuffled = log.sample(frac=1.0, random_state=3)
    pd.testing.assert_frame_equal(clv.discrete_summary(log, "Y"), clv.discrete_summary(shuffled, "Y"))
    aware = log.assign(timestamp=log["timestamp"].dt.tz_localize("Asia/Shanghai").dt.tz_convert("UTC"))
    # B's 1996-01-01 00:00 in Shanghai is 1995-12-31 16:00 in UTC: on the business clock B gave in 1995 and
    # 1996 (one repeat opportunity); on the column's own clock (UTC) both gifts fall in 1995
    columns = ["frequency", "recency", "n_periods"]
    on_shanghai = clv.discrete_summary(aware, "Y", tz="Asia/Shanghai")
    assert on_shanghai[columns].equals(clv.discrete_summary(log, "Y")[columns])
    on_utc = clv.discrete_summary(aware, "Y").set_index("customer_id")
    assert on_utc.loc["B", "frequency"] == 0 and on_shanghai.set_index("customer_id").loc["B", "frequency"] == 1


# --------------------------------------------------------------------------- the donation data


def test_donations_are_the_published_cohort_and_match_their_provenance(donations):
    assert len(donations) == 22 and int(donations["weights"].sum()) == 11104
    assert (donations["n_periods"] == 6).all() and int(donations.loc[donations["frequency"] == 0, "weights"].sum()) == 3464
    assert opportunity_of(donations) == "Y"
    raw = paths.RAW / "donations"
    digest = hashlib.sha256((raw / "donations.csv").read_bytes()).hexdigest()
    note = (raw / "PROVENANCE.md").read_text(encoding="utf-8")
    assert digest == clv.discrete.DONATIONS_SHA256 and digest in note and "11,104" in note
    assert "MIT License" in (raw / "LICENSE-lifetimes.txt").read_text(encoding="utf-8")


def test_a_changed_donation_file_is_refused(tmp_path):
    shutil.copy(paths.RAW / "donations" / "donations.csv", tmp_path / "donations.csv")
    before = (tmp_path / "donations.csv").read_bytes()
    pd.testing.assert_frame_equal(clv.load_donations(tmp_path), clv.load_donations())
    assert (tmp_path / "donations.csv").read_bytes() == before  # reading never writes
    (tmp_path / "donations.csv").write_bytes(before.replace(b"0,0,6,3464", b"0,0,6,3465"))
    with pytest.raises(DataError, match="the raw data were changed"):
        clv.load_donations(tmp_path)
