"""Uncertainty and evaluation of the CLV models (issue 19): per-customer bootstrap intervals and their coverage,
the holdout scorecard against naive forecasts, the FHL (2005) holdout checks and the sensitivity of the CLV ranking.

Segment migration (in ``helpers.segment``) is tested in ``tests/test_segment_migration.py``.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

from helpers import clv, i18n
from helpers.clv.intervals import clv_quadrature
from helpers.clv.models import MODELS
from helpers.clv.scorecard import decile_table, lorenz
from helpers.errors import DataError

TRUE_BG = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}  # close to FHL's CDNOW estimates
TRUE_PARETO = {"r": 0.55, "alpha": 10.5, "s": 0.6, "beta": 11.7}
TRUE_GG = {"p": 6.0, "q": 3.5, "v": 15.0}
TRANSACTION_KEYS = [k for k, s in MODELS.items() if s.kind == "transaction" and s.data == "rfm"]


@pytest.fixture(scope="module")
def cdnow_sample() -> pd.DataFrame:
    from helpers.acquire import load_cdnow
    from helpers.clean import clean_transactions

    return clean_transactions(load_cdnow("sample").transactions).clean


@pytest.fixture(scope="module")
def cdnow_calibration() -> pd.DataFrame:
    return clv.cdnow_fhl_summary()  # the FHL (2005) preparation: to 1997-09-30, weeks = days / 7, repeat spend


@pytest.fixture(scope="module")
def fitted(cdnow_calibration):
    return clv.BetaGeo().fit(cdnow_calibration), clv.GammaGamma().fit(cdnow_calibration)


@pytest.fixture(scope="module")
def card(cdnow_sample) -> clv.Scorecard:
    return clv.scorecard(clv.holdout_split(cdnow_sample, "1997-09-30", "1998-06-30"))


# --------------------------------------------------------------------------- intervals: coverage


def _pooled_coverage(model_class, simulate, truth: dict, replicates: int, n: int = 2000) -> pd.Series:
    """Pooled coverage of the 90% intervals over ``replicates`` simulated data sets (see the tests' docstrings)."""
    counts = None
    for seed in range(replicates):
        T = np.random.default_rng(1000 + seed).uniform(20, 60, n)
        s = simulate(n, T=T, seed=seed, **truth)
        s["monetary_value"] = clv.simulate_spend(s["frequency"].to_numpy(), seed=seed, **TRUE_GG)
        s = clv.with_time_unit(s, "D", 7)
        model, spend = model_class().fit(s), clv.GammaGamma().fit(s)
        intervals = clv.customer_intervals(model, s, spend, level=0.90, draws=64, seed=seed)
        true_values = clv.customer_quantities(clv.with_params(model, truth), s, clv.with_params(spend, TRUE_GG))
        table = clv.interval_coverage(intervals, true_values).set_index("quantity")[["customers", "covered"]]
        counts = table if counts is None else counts + table
    return counts["covered"] / counts["customers"]


def test_bgnbd_intervals_cover_the_customers_true_values():
    """The 90% intervals of P(alive), expected purchases (52 weeks) and CLV (52 weeks, 10% a year) hold the true
    value in 85–95% of customers.

    What "the truth" is: the intervals carry the parameters' estimation uncertainty, so the true value of a
    customer is the same formula under the TRUE parameters (BG/NBD r, α, a, b and Gamma-Gamma p, q, v) with the
    customer's own history — not what the customer then did, which adds Poisson noise and the alive/dead state
    the intervals do not claim to cover. Data: 100 independent exact BG/NBD samples (``simulate_bgnbd``; spend
    ``simulate_spend``) of 2,000 customers, T uniform on 20–60 weeks, seeds 0–99 chosen before looking; each fitted,
    its intervals drawn (64 Sobol' draws) and compared with the truth. Coverage is pooled over the samples: within
    one sample every customer shares the same estimation error, so one sample's coverage swings between ~0.4 and 1
    (sd ≈ 0.2) and only the average over many is ~0.9 (sd of the pooled share ≈ 0.02). BG/NBD gives P(alive) = 1
    to every customer without repeat purchases under any parameters: those intervals are single points at the truth
    and are counted apart (``interval_coverage``'s ``degenerate``), not as covered."""
    coverage = _pooled_coverage(clv.BetaGeo, clv.simulate_bgnbd, TRUE_BG, replicates=100)
    assert ((coverage >= 0.85) & (coverage <= 0.95)).all(), coverage.to_dict()


def test_pareto_nbd_intervals_cover_the_customers_true_values():
    """The same code on another model of the registry (Pareto/NBD, exact samples from ``simulate_pareto_nbd``, true
    parameters near FHL's CDNOW estimates): pooled coverage of the 90% intervals in 85–95% over 40 samples of 2,000
    customers (seeds 0–39; the pooled share's sd is ≈ 0.03 with 40 samples, as explained for BG/NBD)."""
    coverage = _pooled_coverage(clv.ParetoNBD, clv.simulate_pareto_nbd, TRUE_PARETO, replicates=40)
    assert ((coverage >= 0.85) & (coverage <= 0.95)).all(), coverage.to_dict()


def test_simulate_pareto_nbd_matches_the_models_expectations():
    """The Pareto/NBD simulator draws from the model: mean repeat purchases and the share without repeat purchases
    agree with the model's E[X(T)] and P(X(T) = 0) at the true parameters (40,000 customers, 4 standard errors)."""
    n, T = 40_000, 39.0
    s = clv.simulate_pareto_nbd(n, T=T, seed=7, **TRUE_PARETO)
    model = clv.ParetoNBD(period_days=7)
    model.params_ = pd.Series(TRUE_PARETO)
    x = s["frequency"].to_numpy()
    assert abs(x.mean() - model.expected_purchases_new_customer(T)) < 4 * x.std() / np.sqrt(n)
    p0 = float(model.probability_of_n_purchases(T, 0)[0])
    assert abs((x == 0).mean() - p0) < 4 * np.sqrt(p0 * (1 - p0) / n)
    assert ((s["recency"] <= s["T"]) & ((x > 0) | (s["recency"] == 0))).all()


# --------------------------------------------------------------------------- intervals: the method


def test_interval_point_estimates_are_the_scores(cdnow_calibration, fitted):
    """The point estimates are the fitted models' values (as score_customers gives them), inside their intervals;
    the intervals have width where the parameters matter."""
    bg, gg = fitted
    intervals = clv.customer_intervals(bg, cdnow_calibration, gg)
    scores = clv.score_customers(cdnow_calibration)
    for q in ("p_alive", "expected_purchases", "clv"):
        np.testing.assert_allclose(intervals[q], scores[q], rtol=1e-12)
        inside = (intervals[f"{q}_lower"] <= intervals[q]) & (intervals[q] <= intervals[f"{q}_upper"])
        assert inside.mean() > 0.99, q
    repeat = cdnow_calibration["frequency"] > 0
    assert (intervals.loc[repeat, "p_alive_upper"] > intervals.loc[repeat, "p_alive_lower"]).all()
    assert (intervals.loc[~repeat, "p_alive_lower"] == 1).all()  # BG/NBD: P(alive) = 1 without repeats
    assert (intervals["clv_upper"] > intervals["clv_lower"]).all()
    assert intervals.attrs["level"] == 0.9 and "parameter uncertainty" in intervals.attrs["covers"]


def test_intervals_are_seeded_and_deterministic(cdnow_calibration, fitted):
    bg, gg = fitted
    one = clv.customer_intervals(bg, cdnow_calibration, gg, draws=32, seed=3)
    pd.testing.assert_frame_equal(one, clv.customer_intervals(bg, cdnow_calibration, gg, draws=32, seed=3))
    other = clv.customer_intervals(bg, cdnow_calibration, gg, draws=32, seed=4)
    assert not np.allclose(one["clv_upper"], other["clv_upper"])
    chunked = clv.customer_intervals(bg, cdnow_calibration, gg, draws=32, seed=3, chunk_size=100)
    pd.testing.assert_frame_equal(one, chunked)  # chunks bound memory, never change the numbers


def test_parameter_draws_follow_the_fits_log_normal(fitted):
    """4,096 draws: the mean and covariance of log θ are the estimate and diag(1/θ̂) Σ diag(1/θ̂)."""
    bg, _ = fitted
    draws = np.log(clv.parameter_draws(bg, 4096, seed=1))
    theta = bg.params_.to_numpy()
    np.testing.assert_allclose(draws.mean(axis=0), np.log(theta), atol=1e-3)
    expected = bg.covariance_.to_numpy() / np.outer(theta, theta)
    np.testing.assert_allclose(np.cov(draws.T), expected, rtol=0.08, atol=1e-6)


def test_clv_quadrature_is_the_step_sum(cdnow_calibration, fitted):
    """Short horizons: exactly the step sum for any E[Y]; long ones: exact for polynomials of degree ≤ nodes, and
    the CLV bounds on CDNOW within 10⁻⁵ (relative) of the step-by-step sum evaluated for every draw."""
    v = 1 / (1 + clv.per_step_discount(0.10, 7.0))
    steps = np.arange(1, 4)
    y = np.array([0.3, 0.5, 0.9])
    times, weights = clv_quadrature(3, v ** -1 - 1, nodes=4)
    np.testing.assert_array_equal(times, steps)
    assert weights @ y == pytest.approx(sum((y[k] - (y[k - 1] if k else 0)) * v ** (k + 1) for k in range(3)))
    times, weights = clv_quadrature(52, v ** -1 - 1, nodes=4)
    poly = np.polynomial.Polynomial([0, 0.4, -0.01, 2e-4, -1e-6])  # degree 4, 0 at 0
    exact = sum((poly(k) - poly(k - 1)) * v ** k for k in range(1, 53))
    assert weights @ poly(times) == pytest.approx(exact, rel=1e-12)

    bg, gg = fitted
    intervals = clv.customer_intervals(bg, cdnow_calibration, gg, draws=16, seed=0)
    per_draw = np.array([clv.customer_lifetime_value(clv.with_params(bg, a), clv.with_params(gg, b), cdnow_calibration)
                         for a, b in zip(clv.parameter_draws(bg, 16, 0), clv.parameter_draws(gg, 16, 1))])
    lo, hi = np.quantile(per_draw, [0.05, 0.95], axis=0)
    np.testing.assert_allclose(intervals["clv_lower"], lo, rtol=1e-5)
    np.testing.assert_allclose(intervals["clv_upper"], hi, rtol=1e-5)


@pytest.mark.parametrize("key", TRANSACTION_KEYS)
def test_every_registered_transaction_model_gets_intervals(key, cdnow_calibration, fitted):
    """Through the registry and the TransactionModel methods only: any transaction model fitted on an RFM summary
    gets ordered intervals, P(alive) within [0, 1]."""
    model = MODELS[key].model().fit(cdnow_calibration)
    intervals = clv.customer_intervals(model, cdnow_calibration, fitted[1], draws=16)
    for q in ("p_alive", "expected_purchases", "clv"):
        assert (intervals[f"{q}_lower"] <= intervals[f"{q}_upper"]).all(), (key, q)
    assert intervals["p_alive_lower"].between(0, 1).all() and intervals["p_alive_upper"].between(0, 1).all()
    assert intervals.attrs["transaction_model"] == type(model).__name__


def test_intervals_refuse_what_they_cannot_honour(cdnow_calibration, fitted):
    bg, gg = fitted
    with pytest.raises(ValueError, match="power of 2"):
        clv.customer_intervals(bg, cdnow_calibration, gg, draws=100)
    with pytest.raises(ValueError, match="level"):
        clv.customer_intervals(bg, cdnow_calibration, gg, level=1.5)
    broken = clv.with_params(bg, bg.params_.to_dict())
    broken.covariance_ = bg.covariance_ * np.nan  # a Hessian that could not be inverted
    with pytest.raises(DataError, match="covariance"):
        clv.customer_intervals(broken, cdnow_calibration)
    daily = clv.with_time_unit(cdnow_calibration.assign(recency=cdnow_calibration["recency"] * 7,
                                                        T=cdnow_calibration["T"] * 7), "M")
    with pytest.raises(DataError, match="fitted on"):
        clv.customer_intervals(bg, daily)


def test_gamma_gamma_at_its_boundary_is_drawn_as_its_limit():
    """Spend without heterogeneity: Gamma-Gamma fits the limit (p, common rate ν); the CLV draws use p and ν."""
    rng = np.random.default_rng(11)
    s = clv.with_time_unit(clv.simulate_bgnbd(4000, T=60.0, seed=11, **TRUE_BG), "D", 7)
    x = s["frequency"].to_numpy()
    s["monetary_value"] = np.where(x > 0, rng.gamma(0.8 * np.maximum(x, 1), 1 / (np.maximum(x, 1) / 500)), 0.0)
    gg = clv.GammaGamma().fit(s)
    assert gg.boundary_
    intervals = clv.customer_intervals(clv.BetaGeo().fit(s), s, gg, draws=32)
    assert (intervals["clv_lower"] < intervals["clv"]).mean() > 0.99
    drawn = clv.with_params(gg, clv.parameter_draws(gg, 2, 0)[0])
    assert drawn.rate_ != gg.rate_ and np.isinf(drawn.params_["q"])


def test_interval_coverage_counts_degenerate_intervals_apart():
    intervals = pd.DataFrame({"clv": [1.0, 2, 3, 4], "clv_lower": [0.5, 2, 2.5, 1], "clv_upper": [1.5, 2, 2.9, 5]})
    truth = pd.DataFrame({"clv": [1.0, 2, 3, 4]})
    row = clv.interval_coverage(intervals, truth).iloc[0]
    assert (row["customers"], row["degenerate"], row["covered"]) == (3, 1, 2)
    assert row["coverage"] == pytest.approx(2 / 3)


# --------------------------------------------------------------------------- the holdout scorecard


def _hand_log() -> pd.DataFrame:
    """Five customers around a calibration end of 2020-03-31 and a 13-week holdout to 2020-06-30."""
    rows = {"A": ["2019-10-01", "2019-11-01", "2020-01-15", "2020-02-20", "2020-04-10", "2020-05-01"],
            "B": ["2020-02-01", "2020-03-01"],
            "C": ["2019-11-15", "2020-06-01"],
            "D": ["2019-12-01", "2019-12-20", "2020-03-31", "2020-04-02", "2020-04-03"],
            "E": ["2020-03-31", "2020-05-05"]}
    return pd.DataFrame([(c, pd.Timestamp(d), 10.0) for c, days in rows.items() for d in days],
                        columns=["customer_id", "timestamp", "amount"])


def test_holdout_split_counts_the_last_period_by_hand():
    split = clv.holdout_split(_hand_log(), "2020-03-31", "2020-06-30").set_index("customer_id")
    assert split["test_T"].iloc[0] == 13.0  # 91 days / 7
    assert split["last_frequency"].to_dict() == {"A": 2.0, "B": 1.0, "C": 0.0, "D": 1.0, "E": 0.0}
    assert split["test_frequency"].to_dict() == {"A": 2.0, "B": 0.0, "C": 1.0, "D": 2.0, "E": 1.0}
    assert split.attrs["last_period_start"] == "2019-12-31"


def test_scorecard_metrics_and_baselines_by_hand():
    split = clv.holdout_split(_hand_log(), "2020-03-31", "2020-06-30")
    card = clv.scorecard(split, models={})
    p = card.predictions.set_index("customer_id")
    T = {"A": 182 / 7, "B": 59 / 7, "C": 137 / 7, "D": 121 / 7, "E": 0.0}  # days to 2020-03-31 / 7
    x = {"A": 3, "B": 1, "C": 0, "D": 2, "E": 0}
    expected = {c: (x[c] / T[c] * 13 if T[c] > 0 else 0.0) for c in x}
    np.testing.assert_allclose(p["naive: past rate"], pd.Series(expected)[p.index])
    assert list(p["group"]) == ["3–4", "1", "0", "2", "0"]
    actual = p["actual"].to_numpy()
    for forecast in card.forecasts:
        err = p[forecast].to_numpy() - actual
        row = card.metrics.set_index(["forecast", "group"]).loc[(forecast, "all")]
        assert row["mae"] == pytest.approx(np.abs(err).mean())
        assert row["rmse"] == pytest.approx(np.sqrt((err ** 2).mean()))
        assert row["bias"] == pytest.approx(err.mean())
        assert row["correlation"] == pytest.approx(np.corrcoef(p[forecast], actual)[0, 1])
    zero = card.metrics.set_index(["forecast", "group"]).loc[("naive: past rate", "0")]
    assert zero["customers"] == 2 and np.isnan(zero["correlation"])  # both forecasts 0: no correlation


def test_scorecard_lists_every_registry_model_fitted_or_skipped_with_its_reason():
    nobody_repeats = _hand_log().groupby("customer_id").head(1)
    later = pd.DataFrame({"customer_id": ["A"], "timestamp": [pd.Timestamp("2020-05-01")], "amount": [5.0]})
    card = clv.scorecard(clv.holdout_split(pd.concat([nobody_repeats, later]), "2020-03-31", "2020-06-30"))
    names = {MODELS[k].name for k in TRANSACTION_KEYS}
    assert set(card.skipped) == names and all("no customer repeats" in why for why in card.skipped.values())
    assert card.forecasts == list(clv.BASELINES)
    with pytest.raises(KeyError, match="skipped"):
        clv.scorecard_claim(card)


def test_gini_is_one_for_the_perfect_order_zero_for_none_and_ignores_row_order():
    rng = np.random.default_rng(0)
    actual = rng.poisson(1.0, 500).astype(float)
    assert clv.normalised_gini(actual, actual)[1] == pytest.approx(1.0)
    assert clv.normalised_gini(actual, np.zeros(500))[1] == pytest.approx(0.0, abs=1e-12)
    assert clv.normalised_gini(actual, -actual)[1] < -0.5
    forecast = np.round(actual + rng.normal(0, 1, 500))  # many ties
    order = rng.permutation(500)
    assert clv.normalised_gini(actual, forecast) == pytest.approx(clv.normalised_gini(actual[order], forecast[order]))
    assert lorenz(actual, forecast)[-1] == pytest.approx(1.0)
    with pytest.raises(DataError):
        clv.normalised_gini(np.zeros(5), np.arange(5.0))


def test_decile_table_puts_ties_in_one_decile():
    predicted = np.r_[np.arange(10.0, 0, -1), np.zeros(90)]
    table = decile_table(np.ones(100), predicted)
    assert table["customers"].sum() == 100
    assert table.set_index("decile").loc[1, "customers"] == 10  # the ten distinct forecasts
    assert table["customers"].max() == 90 and len(table) == 2  # the 90 tied zeros share one decile


def test_cdnow_scorecard(card):
    """On the CDNOW sample (2,357 customers, 39 + 39 weeks) both models are scored and ranked better than chance;
    the last-period baseline repeats the calibration repeats (the calibration is no longer than the holdout)."""
    assert card.skipped == {} and card.forecasts[:2] == ["BG/NBD", "Pareto/NBD"]
    assert card.attrs["customers"] == 2357 and card.attrs["holdout_length"] == 39.0
    p = card.predictions
    np.testing.assert_array_equal(p["naive: last period"], p["frequency"])
    assert (card.gini["normalised_gini"] > 0.5).all()
    overall = card.metrics.loc[card.metrics["group"] == "all"].set_index("forecast")
    assert overall["customers"].eq(2357).all()
    np.testing.assert_allclose(card.deciles.groupby("forecast")["customers"].sum(), 2357)


def test_scorecard_claim_words_follow_the_numbers(card):
    text, numbers = clv.scorecard_claim(card)
    overall = card.metrics.loc[card.metrics["group"] == "all"].set_index("forecast")["mae"]
    assert numbers["model_mae"] == overall["BG/NBD"] and numbers["baseline_mae"] == overall["naive: past rate"]
    verdict = "beats" if numbers["model_mae"] < numbers["baseline_mae"] else "does not beat"
    assert numbers["verdict"] == verdict and verdict in text
    assert f"{abs(numbers['relative']):.0%}" in text and f"{numbers['model_mae']:.3f}" in text
    flipped = clv.Scorecard(card.predictions, card.metrics.copy(), card.deciles, card.gini, attrs=card.attrs)
    flipped.metrics.loc[(flipped.metrics["forecast"] == "naive: past rate") & (flipped.metrics["group"] == "all"),
                        "mae"] = numbers["model_mae"] / 2
    text, numbers = clv.scorecard_claim(flipped)
    assert numbers["verdict"] == "does not beat" and "does not beat" in text and "100% higher" in text
    flipped.metrics.loc[(flipped.metrics["forecast"] == "naive: past rate") & (flipped.metrics["group"] == "all"),
                        "mae"] = numbers["model_mae"] + 1e-5
    assert clv.scorecard_claim(flipped)[1]["verdict"] == "ties"
    i18n.set_language("zh", strict=True)  # a missing catalog entry raises
    try:
        zh, _ = clv.scorecard_claim(card)
    finally:
        i18n.set_language("en")
    assert "优于" in zh and f"{card.metrics['customers'].iloc[0]:,}" in zh


# --------------------------------------------------------------------------- FHL (2005) holdout checks


def test_zero_probability_of_a_new_customer_is_the_unconditional_one(cdnow_calibration):
    """At x = 0, T = 0 the conditional P(no purchase in t) is the model's P(X(t) = 0) (FHL 2005 eq. 8; Pareto/NBD by
    its own quadrature over the dropout time) — a check of both formulas, the Pareto/NBD Gauss–Laguerre one included."""
    new = clv.with_time_unit(pd.DataFrame({"frequency": [0.0], "recency": [0.0], "T": [0.0]}), "D", 7)
    for model in (clv.BetaGeo().fit(cdnow_calibration), clv.ParetoNBD().fit(cdnow_calibration)):
        for t in (5.0, 39.0, 100.0):
            got = float(clv.conditional_zero_probability(model, new, t).iloc[0])
            assert got == pytest.approx(float(np.atleast_1d(model.probability_of_n_purchases(t, 0))[0]), rel=1e-6)
    with pytest.raises(TypeError):
        clv.conditional_zero_probability(clv.GammaGamma(), new, 1.0)


def test_fhl_holdout_check(cdnow_sample, cdnow_calibration):
    """The computed FHL (2005) holdout figures agree with the diagnostics they come from; none claims a published
    value (the paper's printed numbers could not be verified here: see helpers.clv.holdout)."""
    table = clv.fhl_holdout_check(cdnow_sample)
    assert table["published"].isna().all() and (table["source"] == "computed, no published value").all()
    got = table.set_index(["model", "quantity"])["computed"]
    bg = clv.BetaGeo().fit(cdnow_calibration)
    chi = clv.histogram_chi_square(bg, cdnow_calibration)
    hist = clv.period_transactions(bg, cdnow_calibration)
    assert chi["chi2"] == pytest.approx((((hist["actual"] - hist["model"]) ** 2) / hist["model"]).sum())
    assert got[("BG/NBD", "repeat-purchase histogram χ² (calibration; classes 0–6, 7+)")] == pytest.approx(chi["chi2"])
    track = clv.tracking(bg, cdnow_sample, calibration_end="1997-09-30", end="1998-06-30", time_unit="D")
    assert len(track) == 78 and str(track["step_end"].iloc[-1].date()) == "1998-06-30"
    assert got[("CDNOW sample", "week 78 cumulative repeat transactions, actual")] == track["actual_cumulative"].iloc[-1]
    assert got[("BG/NBD", "week 78 cumulative repeat transactions, predicted")] == pytest.approx(
        track["model_cumulative"].iloc[-1])
    split = clv.rfm_train_test_split(cdnow_sample, train_period_end="1997-09-30", test_period_end="1998-06-30",
                                     time_unit="D", time_scaler=7)
    assert got[("CDNOW sample", "zero class: customers without a holdout purchase, actual")] == (
        split["test_frequency"] == 0).sum()
    for name in ("BG/NBD", "Pareto/NBD"):
        assert 0.5 < got[(name, "correlation: predicted vs actual holdout purchases per customer (39 weeks)")] < 0.8


# --------------------------------------------------------------------------- sensitivity


def test_clv_sensitivity(cdnow_sample):
    """Days vs days / 7 is the same data in another unit: BG/NBD is scale-free (α scales), so the ranking is the
    same (Spearman 1); the discount rate moves values, hardly the order; months and a shorter calibration do."""
    table = clv.clv_sensitivity(cdnow_sample, "1997-09-30").set_index("setting")
    assert table["spearman"].iloc[0] == 1 and table["top_decile_overlap"].iloc[0] == 1
    assert table.loc["days", "spearman"] == pytest.approx(1.0, abs=1e-9)
    assert table.loc["days", "top_decile_overlap"] == 1.0
    assert table.loc["0% a year", "spearman"] > 0.999 and table.loc["20% a year", "spearman"] > 0.999
    assert table.loc["calendar months", "spearman"] < 0.99 and table.loc["26 weeks", "spearman"] < 0.99
    assert table.loc["26 weeks", "calibration_end"] == "1997-07-01"
    assert (table["customers"] == 2357).all()
    with pytest.raises(ValueError, match="unknown"):
        clv.clv_sensitivity(cdnow_sample, "1997-09-30", variants=(("x", "y", {"horizon": 3}),))


def test_top_share_overlap_by_hand():
    from helpers.clv.sensitivity import top_share_overlap

    ids = [f"c{i:02d}" for i in range(20)]
    a = pd.Series(np.arange(20.0), index=ids)          # top 2: c19, c18
    b = pd.Series(np.r_[np.arange(19.0), -1.0], index=ids)  # top 2: c18, c17
    assert top_share_overlap(a, b) == 0.5
    assert top_share_overlap(a, a) == 1.0




def test_scorecard_forecasts_in_chunks_of_customers_equal_one_pass(cdnow_sample, monkeypatch):
    split = clv.holdout_split(cdnow_sample, "1997-09-30", "1998-06-30")
    models = {"BG/NBD": clv.BetaGeo().fit(split), "Pareto/NBD": clv.ParetoNBD().fit(split)}
    module = sys.modules[clv.scorecard.__module__]  # helpers.clv.scorecard (the name is also the function's)
    monkeypatch.setattr(module, "chunk_rows", lambda row_bytes: 1000)  # 2,357 customers: 3 chunks
    chunked = clv.scorecard(split, models=models).predictions
    for name, model in models.items():
        one_pass = model.conditional_expected_purchases(float(split["test_T"].iloc[0]), *model.histories(split))
        np.testing.assert_array_equal(chunked[name].to_numpy(), one_pass)
