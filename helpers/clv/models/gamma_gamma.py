"""Gamma-Gamma, the model of spend per transaction (Fader & Hardie 2013 note; Colombo & Jiang 1999),
and its boundary: the limit without heterogeneity between customers (:class:`_GammaCommonRate`).

Fader, P. S. & Hardie, B. G. S. (2013). The Gamma-Gamma model of monetary value.
http://brucehardie.com/notes/025/
Colombo, R. & Jiang, W. (1999). A stochastic RFM model. *Journal of Interactive Marketing* 13(3), 2–12.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special, stats

from .base import ConvergenceError, MaximumLikelihoodModel, aggregate_rows
from .checks import spend_arrays


class GammaGamma(MaximumLikelihoodModel):
    """Gamma-Gamma model of spend per transaction (Fader & Hardie 2013 note; Colombo & Jiang 1999).

    A customer's transaction values are Gamma(p, ν); ``ν ~ Gamma(q, γ)`` across customers. For a
    customer with ``x`` repeat transactions of mean value ``m`` the density of ``m`` is

    .. math:: f(m) = \\frac{\\Gamma(px+q)}{\\Gamma(px)\\Gamma(q)}
              \\frac{\\gamma^q m^{px-1} x^{px}}{(\\gamma + m x)^{px+q}}

    Fitted on the repeat buyers (``frequency > 0``; one-time buyers carry no repeat spend and are
    left out, counted in ``n_excluded_``). Refused (:attr:`requirements`): a summary without repeat
    buyers, and a repeat buyer whose ``monetary_value`` is 0 or less (all repeat purchases free or
    refunded — a Gamma density has no mass there; a negative spend is no valid summary at all). The
    parameters are ``p, q`` and ``v`` (= γ, in currency units). Standard errors as for :class:`BetaGeo`.

    **Boundary case.** When customers' mean spends vary no more than their transactions do,
    the likelihood keeps rising as ``q, v → ∞`` with ``v/q`` fixed: the maximum is the
    limiting model without heterogeneity (every customer's transactions ``Gamma(p, ν)`` with
    one common ``ν``). With ``allow_boundary=True`` (default) that limit is fitted and
    reported — ``boundary_`` is True, ``params_`` holds ``p`` and ``q = v = inf``, ``rate_``
    is ``ν`` (with its standard error in ``rate_std_err_``) — and every customer's expected
    spend is the population mean ``p/ν``, the limit of the formula below. With
    ``allow_boundary=False`` a :class:`ConvergenceError` is raised instead.
    """

    def __init__(self, initial_params: dict[str, float] | None = None, tol: float = 1e-4, max_iter: int = 5000,
                 period_days: float | None = None, allow_boundary: bool = True) -> None:
        super().__init__(initial_params=initial_params, tol=tol, max_iter=max_iter, period_days=period_days)
        self.allow_boundary = allow_boundary

    def fit(self, summary: pd.DataFrame) -> "GammaGamma":
        """Maximum-likelihood fit (see the class docstring for the boundary case); returns ``self``."""
        self.boundary_ = False
        try:
            return super().fit(summary)
        except ConvergenceError as err:
            heading_out = (set(err.at_bound) & {"q", "v"} and "p" not in err.at_bound
                           and min(err.estimates.get("q", 0.0), err.estimates.get("v", 0.0)) > 1e3)
            if not self.allow_boundary or not heading_out:
                raise
        limit = _GammaCommonRate(tol=self.tol, max_iter=self.max_iter, period_days=self.period_days).fit(summary)
        self.boundary_ = True
        self.params_ = pd.Series([limit.params_["p"], np.inf, np.inf], index=list(self.param_names), name="estimate")
        self.standard_errors_ = pd.Series([limit.standard_errors_["p"], np.nan, np.nan], index=list(self.param_names),
                                          name="std_err")
        self.rate_ = float(limit.params_["nu"])
        self.rate_std_err_ = float(limit.standard_errors_["nu"])
        self.log_likelihood_ = limit.log_likelihood_
        self.covariance_, self.hessian_ = limit.covariance_, limit.hessian_
        self.n_customers_, self.n_distinct_rows_ = limit.n_customers_, limit.n_distinct_rows_
        self.optimizer_result_ = limit.optimizer_result_
        return self

    param_names = ("p", "q", "v")
    param_labels = {"p": "spend per purchase: Gamma shape", "q": "customer rate ν: Gamma shape",
                    "v": "customer rate ν: Gamma rate γ (currency)"}
    requirements = {"repeat_buyers": "it models the spend of repeat purchases",
                    "positive_spend": "a Gamma distribution of spend has no mass at 0 or below"}

    def model_data(self, summary):
        x, m = spend_arrays(summary)
        keep = (x > 0) & (m > 0)
        self.n_excluded_ = int((~keep).sum())
        data, weights, _ = aggregate_rows({"x": x[keep], "m": m[keep]})
        data["log_m"], data["log_x"] = np.log(data["m"]), np.log(data["x"])
        data["ux"], data["ix"] = np.unique(data["x"], return_inverse=True)  # Γ and ψ terms depend on x only
        return data, weights

    def start_params(self, data, weights):
        mean = np.dot(weights, data["m"]) / weights.sum()
        return np.array([1.0, 2.0, mean])

    def loglikeobs(self, theta, data):
        p, q, v = theta
        x, m, ux, ix = data["x"], data["m"], data["ux"], data["ix"]
        px = p * x
        per_x = special.gammaln(p * ux + q) - special.gammaln(p * ux) - special.gammaln(q) + q * np.log(v)
        return per_x[ix] + (px - 1) * data["log_m"] + px * data["log_x"] - (px + q) * np.log(v + m * x)

    def loglike_and_score(self, theta, data, weights):
        p, q, v = theta
        x, m, ux, ix = data["x"], data["m"], data["ux"], data["ix"]
        px = p * x
        psi = special.digamma
        wx = np.bincount(ix, weights=weights, minlength=len(ux))  # customers per distinct x
        pu = p * ux
        l_vmx = np.log(v + m * x)
        total = (np.dot(wx, special.gammaln(pu + q) - special.gammaln(pu)) + weights.sum() * (q * np.log(v) - special.gammaln(q))
                 + np.dot(weights, (px - 1) * data["log_m"] + px * data["log_x"] - (px + q) * l_vmx))
        psi_u = psi(pu + q)
        d_p = np.dot(wx, ux * (psi_u - psi(pu))) + np.dot(weights, x * (data["log_m"] + data["log_x"] - l_vmx))
        d_q = np.dot(wx, psi_u) - weights.sum() * (psi(q) - np.log(v)) - np.dot(weights, l_vmx)
        d_v = weights.sum() * q / v - np.dot(weights, (px + q) / (v + m * x))
        return total, np.array([d_p, d_q, d_v])

    def expected_spend(self, summary: pd.DataFrame) -> pd.Series:
        """E[M | x, m] = (p(γ + x m)) / (px + q − 1) per transaction (note eq. 5).

        For ``frequency = 0`` this is the population mean ``pγ / (q − 1)``: a weighted mean of
        the population mean and the customer's own mean, with weight growing with ``x``.
        """
        p, q, v = self.fitted_params()
        with_mean = summary if "monetary_value" in summary.columns else summary.assign(monetary_value=0.0)
        x, m = spend_arrays(with_mean)
        self.unit_factor(summary)  # spend per purchase period: the periods must be the model's
        if self.boundary_:
            return pd.Series(np.full(len(x), p / self.rate_), index=summary.index, name="expected_spend")
        m = np.where(x > 0, m, 0.0)
        return pd.Series(p * (v + x * m) / (p * x + q - 1), index=summary.index, name="expected_spend")

    def population_mean_spend(self) -> float:
        """E[M] = pγ/(q − 1): mean spend per transaction in the population (needs q > 1)."""
        p, q, v = self.fitted_params()
        if self.boundary_:
            return p / self.rate_
        return p * v / (q - 1) if q > 1 else float("inf")

    def summary(self, alpha: float = 0.05) -> pd.DataFrame:
        """As for the other models; in the boundary case a row ``nu`` (common rate, 1/currency) is added."""
        table = super().summary(alpha)
        if self.boundary_:
            z = stats.norm.ppf(1 - alpha / 2)
            est, se = self.rate_, self.rate_std_err_
            row = pd.DataFrame({"meaning": ["common rate ν (limit q, v → ∞)"],
                                "estimate": [est], "std_err": [se], table.columns[3]: [est * np.exp(-z * se / est)],
                                table.columns[4]: [est * np.exp(z * se / est)]}, index=pd.Index(["nu"], name="parameter"))
            attrs = table.attrs
            table = pd.concat([table, row])
            table.attrs = {**attrs, "boundary": True}
        return table


class _GammaCommonRate(MaximumLikelihoodModel):
    """The q, v → ∞ limit of Gamma-Gamma: mean spend of x transactions ~ Gamma(px, rate xν)."""

    param_names = ("p", "nu")

    def model_data(self, summary):
        return GammaGamma.model_data(self, summary)

    def start_params(self, data, weights):
        mean = np.dot(weights, data["m"]) / weights.sum()
        return np.array([1.0, 1.0 / mean])

    def loglikeobs(self, theta, data):
        p, nu = theta
        x, m = data["x"], data["m"]
        return p * x * (data["log_x"] + np.log(nu)) + (p * x - 1) * data["log_m"] - x * nu * m - special.gammaln(p * x)

    def loglike_and_score(self, theta, data, weights):
        p, nu = theta
        x, m = data["x"], data["m"]
        d_p = np.dot(weights, x * (data["log_x"] + np.log(nu) + data["log_m"] - special.digamma(p * x)))
        d_nu = np.dot(weights, p * x / nu - x * m)
        return np.dot(weights, self.loglikeobs(theta, data)), np.array([d_p, d_nu])
