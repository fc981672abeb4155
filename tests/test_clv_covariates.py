"""Tests of the time-invariant covariates of BG/NBD and Pareto/NBD (Fader & Hardie 2007, note 019):
recovery of known effects on exact simulations, predictions at each customer's own parameters, refusals,
and — without covariates — the models exactly as before."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import clv
from helpers.errors import DataError

MODELS = {"bg_nbd": clv.BetaGeo, "pareto_nbd": clv.ParetoNBD}


def _fit(key: str, n: int, seed: int):
    """An exact simulation with the covariate effects of clv.COVARIATE_TRUTH, T uniform on 30–104 weeks, fitted."""
    T = np.random.default_rng(100 + seed).uniform(30, 104, n)
    summary = clv.simulate_with_covariates(key, n, T=T, seed=seed)
    purchase, dropout = clv.covariate_columns(clv.COVARIATE_TRUTH[key])
    model = MODELS[key](purchase_covariate_cols=purchase, dropout_covariate_cols=dropout).fit(summary)
    return summary, model


def _covered(model, truth: dict[str, float], alpha: float = 0.05) -> pd.Series:
    ci = model.confidence_intervals_(alpha)
    true = pd.Series(truth)[ci.index]
    return (ci.iloc[:, 0] <= true) & (true <= ci.iloc[:, 1])


@pytest.mark.parametrize("key, n", [("bg_nbd", 10_000), ("pareto_nbd", 6_000)])
def test_fit_recovers_known_covariate_effects(key, n):
    """Seed 0 (the first tried): every effect (γ) inside its 95% interval, the baseline parameters inside their
    99% interval; the coefficients are real numbers with Wald intervals γ ± 1.96 SE."""
    summary, model = _fit(key, n, seed=0)
    truth = summary.attrs["true_params"]
    assert list(model.params_.index) == list(truth)
    effects = [p for p in truth if p.startswith("gamma")]
    assert _covered(model, truth)[effects].all(), model.summary()
    assert _covered(model, truth, alpha=0.01).all(), model.summary()
    table = model.summary()
    assert (table["std_err"] > 0).all() and np.isfinite(table["std_err"]).all()
    assert (table["meaning"].str.len() > 0).all() and "exp(−γᵀx)" in table.loc["gamma1[carrier]", "meaning"]
    ci = model.confidence_intervals_()
    np.testing.assert_allclose(ci.loc[effects, "upper 95%"] - table.loc[effects, "estimate"],
                               1.959964 * table.loc[effects, "std_err"], rtol=1e-6)
    assert (table.loc[effects, "lower 95%"] < 0).any()  # negative effects are estimated as such
    assert model.n_customers_ == n


def test_bgnbd_covariate_intervals_have_their_coverage():
    """20 exact BG/NBD samples of 4,000 customers (seeds 0–19): each effect's 95% interval covers the truth at
    least 16 times (Binomial(20, 0.95) fails this by chance with probability 0.26% per effect)."""
    truth = clv.COVARIATE_TRUTH["bg_nbd"]
    effects = [p for p in truth if p.startswith("gamma")]
    covered = pd.Series(0, index=effects)
    for seed in range(20):
        _, model = _fit("bg_nbd", 4_000, seed)
        covered += _covered(model, truth)[effects].astype(int)
    assert (covered >= 16).all(), covered.to_dict()


def _one_customer_model(key: str, params: tuple[float, ...]):
    """The model without covariates at given parameters (a customer's own), as the registry's class computes it."""
    model = MODELS[key](period_days=7)
    model.params_ = pd.Series(params, index=list(MODELS[key].param_names))
    return model


@pytest.mark.parametrize("key", ["bg_nbd", "pareto_nbd"])
def test_predictions_use_each_customers_covariates(key):
    summary, model = _fit(key, 3_000, seed=7)
    p = model.params_
    two = clv.with_time_unit(pd.DataFrame({"customer_id": [1, 2], "frequency": [3.0, 3.0], "recency": [20.0, 20.0],
                                           "T": [40.0, 40.0], "community_member": [0.0, 1.0], "meetup": [0.0, 1.0],
                                           "carrier": [1.0, 0.0], "offline_store": [0.0, 0.0]}), "D", 7)
    p_alive, expected = model.probability_alive(two), model.expected_purchases(10, two)
    assert p_alive.iloc[0] != p_alive.iloc[1] and expected.iloc[0] != expected.iloc[1]
    for i, row in two.reset_index(drop=True).iterrows():
        x_p = sum(p[f"gamma1[{c}]"] * row[c] for c in ("community_member", "meetup", "carrier", "offline_store"))
        alpha = p["alpha0"] * np.exp(-x_p)  # note 019: α_i = α0 exp(−γ1ᵀx)
        if key == "bg_nbd":
            own = (p["r"], alpha, p["a0"] * np.exp(p["gamma2[community_member]"] * row["community_member"]),
                   p["b0"] * np.exp(p["gamma3[community_member]"] * row["community_member"]))
        else:
            x_d = p["gamma2[community_member]"] * row["community_member"] + p["gamma2[meetup]"] * row["meetup"]
            own = (p["r"], alpha, p["s"], p["beta0"] * np.exp(-x_d))
        single = _one_customer_model(key, own)
        one = two.iloc[[i]]
        assert p_alive.iloc[i] == pytest.approx(float(single.probability_alive(one).iloc[0]), rel=1e-10)
        assert expected.iloc[i] == pytest.approx(float(single.expected_purchases(10, one).iloc[0]), rel=1e-10)
    # what needs the customers' covariates and has none is refused, not computed at the baseline
    x, t_x, T = (two[c].to_numpy() for c in ("frequency", "recency", "T"))
    with pytest.raises(ValueError, match="fitted with covariates"):
        model.conditional_expected_purchases(10.0, x, t_x, T)
    with pytest.raises(ValueError, match="fitted with covariates"):
        model.expected_purchases_new_customer(10.0)
    spend = clv.GammaGamma().fit(clv.with_time_unit(summary.assign(monetary_value=np.where(
        summary["frequency"] > 0, 10.0 + summary["frequency"], 0.0)), "D", 7))
    with pytest.raises(ValueError, match="fitted with covariates"):
        clv.customer_lifetime_value(model, spend, clv.with_time_unit(summary.assign(monetary_value=1.0), "D", 7))


def test_pareto_rows_take_their_own_branch_of_the_likelihood():
    """With all γ = 0 every row has the baseline α0, β0: the per-row likelihood (both branches of A(t), α ≥ β
    and α < β) equals the model without covariates."""
    summary = clv.simulate_with_covariates("pareto_nbd", 500, T=60.0, seed=3)
    with_cov = clv.ParetoNBD(purchase_covariate_cols=["carrier"], dropout_covariate_cols=["community_member"])
    plain = clv.ParetoNBD()
    data_cov, w_cov = with_cov.model_data(summary)
    data, w = plain.model_data(summary)
    for base in ([0.55, 10.6, 0.6, 11.7], [0.55, 12.0, 0.6, 4.0]):  # α < β and α > β
        total_cov = np.dot(w_cov, with_cov.loglikeobs(np.array(base + [0.0, 0.0]), data_cov))
        total = np.dot(w, plain.loglikeobs(np.array(base), data))
        assert total_cov == pytest.approx(total, rel=1e-12)


def test_without_covariates_the_models_are_unchanged(cdnow_fhl):
    for cls in (clv.BetaGeo, clv.ParetoNBD):
        default = cls().fit(cdnow_fhl)
        empty = cls(purchase_covariate_cols=[], dropout_covariate_cols=()).fit(cdnow_fhl)
        assert empty.param_names == cls.param_names == default.param_names
        for attribute in ("params_", "standard_errors_", "covariance_"):
            assert getattr(empty, attribute).to_numpy().tobytes() == getattr(default, attribute).to_numpy().tobytes()
        assert empty.log_likelihood_ == default.log_likelihood_
        assert not empty.real_valued().any()
    assert clv.literature_check(cdnow_fhl)["match"].all()


@pytest.fixture(scope="module")
def cdnow_fhl() -> pd.DataFrame:
    return clv.cdnow_fhl_summary()


@pytest.fixture(scope="module")
def small() -> pd.DataFrame:
    return clv.simulate_with_covariates("bg_nbd", 2_000, T=52.0, seed=11)


def test_bad_covariates_are_refused_with_the_column_and_row(small):
    def fit(summary, purchase=("community_member",), dropout=()):
        return clv.BetaGeo(purchase_covariate_cols=purchase, dropout_covariate_cols=dropout).fit(summary)

    with pytest.raises(DataError, match="column 'loyalty': covariate column is missing"):
        fit(small, purchase=("loyalty",))
    text = small.astype({"community_member": object})
    text.loc[text.index[5], "community_member"] = "yes"
    with pytest.raises(DataError, match="column 'community_member', row 5: value 'yes' is not a finite number"):
        fit(text)
    missing = small.copy()
    missing.loc[missing.index[9], "carrier"] = np.nan
    with pytest.raises(DataError, match="column 'carrier', row 9: value nan is not a finite number"):
        fit(missing, dropout=("carrier",))
    with pytest.raises(DataError, match="column 'online': covariate is constant \\(1 for all 2,000"):
        fit(small.assign(online=1.0), purchase=("community_member", "online"))
    dummies = small.assign(online_mall=1.0 - small["carrier"] - small["offline_store"])
    with pytest.raises(DataError, match="column 'online_mall': covariate is a linear combination of "
                                        "\\['carrier', 'offline_store'\\]"):
        fit(dummies, purchase=("carrier", "offline_store", "online_mall"))
    with pytest.raises(ValueError, match="'frequency' is what the model explains"):
        clv.ParetoNBD(dropout_covariate_cols=["frequency"])
    with pytest.raises(ValueError, match="lists a column twice"):
        clv.BetaGeo(purchase_covariate_cols=["carrier", "carrier"])
    model = fit(small)
    with pytest.raises(DataError, match="column 'community_member': covariate column is missing"):
        model.probability_alive(small.drop(columns="community_member"))
    one = small.iloc[[0, 1]]  # a constant covariate is fine when predicting: customers may share it
    assert model.probability_alive(one.assign(community_member=1.0)).notna().all()


def test_with_covariates_joins_by_customer_and_refuses_gaps(small):
    summary = clv.with_time_unit(small[["customer_id", "frequency", "recency", "T"]], "D", 7)
    covariates = small[["customer_id", "community_member", "carrier"]].sample(frac=1.0, random_state=1)
    joined = clv.with_covariates(summary, covariates)
    assert joined.attrs == summary.attrs and joined.index.equals(summary.index)
    pd.testing.assert_series_equal(joined["carrier"], small["carrier"], check_names=False)
    with pytest.raises(DataError, match="1 customer\\(s\\) of the summary have no covariates, e.g. 17"):
        clv.with_covariates(summary, covariates[covariates["customer_id"] != 17])
    with pytest.raises(DataError, match="missing or repeated customer"):
        clv.with_covariates(summary, pd.concat([covariates, covariates.iloc[:1]]))
    assert list(clv.with_covariates(summary, covariates, columns=["carrier"]).columns)[-1] == "carrier"


def test_a_model_without_a_covariate_parametrisation_refuses_covariates():
    """MBG/NBD inherits BG/NBD's options but has no covariate model: it refuses them instead of ignoring them."""
    with pytest.raises(ValueError, match="ModifiedBetaGeo takes no purchase covariates"):
        clv.ModifiedBetaGeo(purchase_covariate_cols=["member"])
    with pytest.raises(ValueError, match="takes no dropout covariates"):
        clv.ModifiedBetaGeo(dropout_covariate_cols=["member"])
