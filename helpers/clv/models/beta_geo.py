"""BG/NBD, the beta-geometric / negative binomial distribution model (Fader, Hardie & Lee 2005).

Equation numbers in the docstrings are those of the paper: likelihood (eq. 6), P(X(t) = n) (eq. 8),
E[X(t)] (eq. 9), E[Y(t) | x, t_x, T] (eq. 10), P(alive) (eq. 11).

Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your customers" the easy way: an
alternative to the Pareto/NBD model. *Marketing Science* 24(2), 275–284.
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator

import numpy as np
import pandas as pd
from scipy import special

from .base import TransactionModel, aggregate_rows, rfm_arrays
from .covariates import CovariateOptions


def _c_hyp2f1(a_: Any, b_: Any, c: Any, z: Any) -> np.ndarray:
    """``c · 2F1(a_, b_; c; z)``, continuous through ``c = 0``.

    BG/NBD's expectations (FHL 2005 eqs. 9–10) multiply the Gauss hypergeometric function by its
    third argument ``c = a + b + x − 1``, which is 0 when ``a + b = 1`` and ``x = 0``; there 2F1 itself
    is undefined but the product has the limit ``a_ · b_ · z · 2F1(a_+1, b_+1; 2; z)`` (2F1/Γ(c) is
    entire in c; DLMF 15.2.3_5).
    """
    a_, b_, c, z = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (a_, b_, c, z)))
    small = np.abs(c) < 1e-9
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        out = c * special.hyp2f1(a_, b_, np.where(small, 1.0, c), z)
        if small.any():  # the limit only where it is needed: hyp2f1 is most of the cost of a prediction
            a1, b1, z1 = a_[small], b_[small], z[small]
            out = np.where(small, 0.0, out)
            out[small] = a1 * b1 * z1 * special.hyp2f1(a1 + 1.0, b1 + 1.0, 2.0, z1)
    return out


class BetaGeo(CovariateOptions, TransactionModel):
    """BG/NBD model (beta-geometric / negative binomial distribution; Fader, Hardie & Lee 2005).

    While alive a customer buys at Poisson rate ``λ ~ Gamma(r, α)`` (shape r, rate α, per
    model period); after each repeat purchase they drop out with probability
    ``p ~ Beta(a, b)``. Per customer with ``x`` repeat purchases, last at ``t_x``, observed
    for ``T`` (FHL 2005, eq. 6):

    .. math::
        L = \\frac{B(a, b+x)}{B(a, b)} \\frac{\\Gamma(r+x)\\,\\alpha^r}{\\Gamma(r)(\\alpha+T)^{r+x}}
          + \\delta_{x>0} \\frac{B(a+1, b+x-1)}{B(a, b)} \\frac{\\Gamma(r+x)\\,\\alpha^r}{\\Gamma(r)(\\alpha+t_x)^{r+x}}

    Fitted by maximum likelihood on log-parameters with the analytic gradient. Standard
    errors: the inverse of the numerical (central-difference, relative step 1e-4) Hessian of
    the negative log-likelihood in the natural parameters ``(r, α, a, b)`` at the optimum.
    Units: ``α`` and all times are in the summary's model period (``period_days_`` days).

    Time-invariant covariates (Fader & Hardie 2007, note 019; :mod:`~helpers.clv.models.covariates`):
    ``BetaGeo(purchase_covariate_cols=[...], dropout_covariate_cols=[...])`` reads those columns of the summary
    and fits ``αᵢ = α₀ exp(−γ₁ᵀx₁ᵢ)``, ``aᵢ = a₀ exp(γ₂ᵀx₂ᵢ)``, ``bᵢ = b₀ exp(γ₃ᵀx₂ᵢ)`` (gradient numerical);
    predictions for a customer use their own parameters. Without covariates nothing changes.
    """

    param_names = ("r", "alpha", "a", "b")
    param_labels = {"r": "purchase rate λ: Gamma shape", "alpha": "purchase rate λ: Gamma rate (periods)",
                    "a": "dropout p: Beta a", "b": "dropout p: Beta b"}
    covariate_links = (("purchase", "alpha", -1), ("dropout", "a", 1), ("dropout_b", "b", 1))

    def model_data(self, summary: pd.DataFrame) -> tuple[dict[str, np.ndarray], np.ndarray]:
        if self.has_covariates:  # one row per distinct history and covariates: α, a, b differ by row
            data, weights = self.covariate_model_data(summary)
            data["ux"], data["ix"] = data["x"], np.arange(len(weights))
            return data, weights
        x, t_x, T = rfm_arrays(summary)
        data, weights, _ = aggregate_rows({"x": x, "t_x": t_x, "T": T})
        ux, inv = np.unique(data["x"], return_inverse=True)
        data["ux"], data["ix"] = ux, inv
        return data, weights

    def start_params(self, data, weights) -> np.ndarray:
        rate = max(np.dot(weights, data["x"]) / max(np.dot(weights, data["T"]), 1e-9), 1e-6)
        start = np.array([1.0, 1.0 / rate, 0.8, 2.5])
        return np.concatenate([start, np.zeros(len(self.param_names) - 4)]) if self.has_covariates else start

    def _parts(self, theta, data):
        r, alpha, a, b = theta
        ux, ix = data["ux"], data["ix"]
        x, t_x, T = data["x"], data["t_x"], data["T"]
        A1 = (special.gammaln(r + ux) - special.gammaln(r) + r * np.log(alpha))[ix]
        A2 = (special.betaln(a, b + ux) - special.betaln(a, b))[ix] - (r + x) * np.log(alpha + T)
        with np.errstate(invalid="ignore", divide="ignore"):
            A3u = np.where(ux > 0, special.betaln(a + 1, np.maximum(b + ux - 1, 1e-300)) - special.betaln(a, b),
                           -np.inf)
        A3 = A3u[ix] - (r + x) * np.log(alpha + t_x)
        return A1, A2, A3

    def loglikeobs(self, theta, data):
        if self.has_covariates:  # the same likelihood at each row's (r, αᵢ, aᵢ, bᵢ)
            theta = self.row_params(theta, data["X"])
        A1, A2, A3 = self._parts(theta, data)
        return A1 + np.logaddexp(A2, A3)

    def loglike_and_score(self, theta, data, weights):
        if self.has_covariates:
            return self._covariate_score(theta, data, weights)
        r, alpha, a, b = theta
        ux, ix = data["ux"], data["ix"]
        x, t_x, T = data["x"], data["t_x"], data["T"]
        psi = special.digamma
        # per distinct x: constants of the two terms and their parameter derivatives
        bab = special.betaln(a, b)
        c2 = special.betaln(a, b + ux) - bab
        with np.errstate(invalid="ignore", divide="ignore"):
            bx1 = np.maximum(b + ux - 1, 1e-300)
            c3 = np.where(ux > 0, special.betaln(a + 1, bx1) - bab, -np.inf)
        c1 = special.gammaln(r + ux) - special.gammaln(r) + r * np.log(alpha)
        rx = r + x
        l_T, l_tx = np.log(alpha + T), np.log(alpha + t_x)
        A2 = c2[ix] - rx * l_T
        A3 = c3[ix] - rx * l_tx
        lse = np.logaddexp(A2, A3)
        total = np.dot(weights, c1[ix] + lse)
        pi3 = np.exp(A3 - lse)  # weight of the "dropped out after t_x" term
        pi2 = 1.0 - pi3
        w2, w3 = weights * pi2, weights * pi3
        wx = np.bincount(ix, weights=weights, minlength=len(ux))  # customers per distinct x
        w2x = np.bincount(ix, weights=w2, minlength=len(ux))
        w3x = np.bincount(ix, weights=w3, minlength=len(ux))
        d_r = (np.dot(wx, psi(r + ux) - psi(r)) + weights.sum() * np.log(alpha)
               - np.dot(w2, l_T) - np.dot(w3, l_tx))
        d_alpha = r / alpha * weights.sum() - np.dot(w2, rx / (alpha + T)) - np.dot(w3, rx / (alpha + t_x))
        dA2_a = psi(a + b) - psi(a + b + ux)
        dA3_a = psi(a + 1) - psi(a) + psi(a + b) - psi(a + b + ux)
        dA2_b = psi(b + ux) - psi(b) + psi(a + b) - psi(a + b + ux)
        dA3_b = np.where(ux > 0, psi(bx1) - psi(b) + psi(a + b) - psi(a + b + ux), 0.0)
        d_a = np.dot(w2x, dA2_a) + np.dot(w3x, dA3_a)
        d_b = np.dot(w2x, dA2_b) + np.dot(w3x, dA3_b)
        return total, np.array([d_r, d_alpha, d_a, d_b])

    def _covariate_score(self, theta, data, weights):
        """Weighted log-likelihood and score with covariates: the derivatives of eq. 6 per row with respect to
        ``(r, αᵢ, aᵢ, bᵢ)`` (those of :meth:`loglike_and_score`, row by row), then the chain rule
        (:meth:`~helpers.clv.models.covariates.CovariateOptions.chain_rule`)."""
        params = self.row_params(theta, data["X"])
        r, alpha, a, b = params
        x, t_x, T = data["x"], data["t_x"], data["T"]
        psi = special.digamma
        A1, A2, A3 = self._parts(params, data)
        lse = np.logaddexp(A2, A3)
        pi3 = np.exp(A3 - lse)
        pi2 = 1.0 - pi3
        rx = r + x
        common = psi(a + b) - psi(a + b + x)
        d_r = psi(rx) - psi(r) + np.log(alpha) - pi2 * np.log(alpha + T) - pi3 * np.log(alpha + t_x)
        d_alpha = r / alpha - pi2 * rx / (alpha + T) - pi3 * rx / (alpha + t_x)
        d_a = pi2 * common + pi3 * (psi(a + 1) - psi(a) + common)
        with np.errstate(invalid="ignore", divide="ignore"):
            d_b3 = np.where(x > 0, psi(np.maximum(b + x - 1, 1e-300)) - psi(b) + common, 0.0)
        d_b = pi2 * (psi(b + x) - psi(b) + common) + pi3 * d_b3
        total = float(np.dot(weights, A1 + lse))
        return total, self.chain_rule(theta, data["X"], params, (d_r, d_alpha, d_a, d_b), weights)

    # ---- predictions
    def probability_alive(self, summary: pd.DataFrame) -> pd.Series:
        """P(alive | x, t_x, T) (FHL 2005 eq. 11 / Fader-Hardie note 2008).

        Exactly 1 for ``x = 0``: in BG/NBD a customer can only drop out right after a repeat
        purchase, so a one-time buyer is alive by assumption (a known property users of
        lifetimes tripped over; :class:`ParetoNBD` has no such corner).

        .. math:: P = 1 \\big/ \\left(1 + \\delta_{x>0} \\frac{a}{b+x-1}
                       \\left(\\frac{\\alpha+T}{\\alpha+t_x}\\right)^{r+x}\\right)
        """
        r, alpha, a, b = self.customer_params(summary)
        x, t_x, T = self.histories(summary)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            log_odds = np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
            p = np.where(x > 0, special.expit(-log_odds), 1.0)
        return pd.Series(p, index=self.summary_index(summary), name="p_alive")

    def conditional_expected_purchases(self, t: float, x: np.ndarray, t_x: np.ndarray, T: np.ndarray,
                                       params: tuple | None = None) -> np.ndarray:
        """E[Y(t) | x, t_x, T]: expected purchases in the next ``t`` model periods (FHL 2005 eq. 10), at the
        fitted parameters or at ``params`` = ``(r, α, a, b)`` (scalars or one value per row: covariates).

        .. math::
            \\frac{a+b+x-1}{a-1}\\left[1 - \\left(\\frac{\\alpha+T}{\\alpha+T+t}\\right)^{r+x}
            {}_2F_1\\!\\left(r+x, b+x; a+b+x-1; \\frac{t}{\\alpha+T+t}\\right)\\right]
            \\Big/ \\left(1 + \\delta_{x>0}\\frac{a}{b+x-1}\\left(\\frac{\\alpha+T}{\\alpha+t_x}\\right)^{r+x}\\right)
        """
        return next(self.conditional_expected_purchases_at((t,), x, t_x, T, params))

    def conditional_expected_purchases_at(self, times: Iterable[float], x: np.ndarray, t_x: np.ndarray,
                                          T: np.ndarray, params: tuple | None = None) -> Iterator[np.ndarray]:
        """E[Y(t) | x, t_x, T] (FHL 2005 eq. 10) for each ``t`` of ``times`` in turn (model periods, ≥ 0), as
        :meth:`conditional_expected_purchases` gives it, value for value.

        Eq. 10 is a bracket that depends on ``(x, T)`` only — the Gauss hypergeometric function, most of the cost
        of a prediction — divided by ``1 + odds``, which alone holds ``t_x`` and no ``t``. So the bracket is
        evaluated once per distinct ``(x, T)`` and time (weekly histories repeat those pairs across millions of
        customers: a few hundred weeks of age × the repeat counts) and the odds once per row, whatever the number
        of times: the CLV sum (52 steps) and the scoring of every customer of a large log use this.
        """
        r, alpha, a, b = self.fitted_params() if params is None else params
        x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
        if all(np.ndim(p) == 0 for p in (r, alpha, a, b)) and x.ndim == T.ndim == 1 and len(x) == len(T) \
                and not (np.isnan(x).any() or np.isnan(T).any()):  # the bracket on the distinct (x, T) pairs
            pairs, _, codes = aggregate_rows({"x": x, "T": T})
            px, pT = pairs["x"], pairs["T"]
        else:
            px, pT, codes = x, T, None
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            odds = np.where(x > 0, a / np.maximum(b + x - 1, 1e-300)
                            * np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + t_x))), 0.0)
        c = a + b + px - 1
        for t in times:
            if t < 0:
                raise ValueError("t must be ≥ 0 (model periods)")
            if t == 0:
                yield np.zeros_like(x, dtype=float)
                continue
            z = t / (alpha + pT + t)
            log_ratio = (r + px) * (np.log(alpha + pT) - np.log(alpha + pT + t))
            term = (c - np.exp(log_ratio) * _c_hyp2f1(r + px, b + px, c, z)) / (a - 1)
            yield np.maximum((term if codes is None else term[codes]) / (1.0 + odds), 0.0)

    def expected_purchases_new_customer(self, t: float | np.ndarray) -> np.ndarray | float:
        """E[X(t)]: expected repeat purchases of a new customer in ``(0, t]`` (FHL 2005 eq. 9).

        .. math:: \\frac{a+b-1}{a-1}\\left[1 - \\left(\\frac{\\alpha}{\\alpha+t}\\right)^r
                  {}_2F_1\\!\\left(r, b; a+b-1; \\frac{t}{\\alpha+t}\\right)\\right]
        """
        r, alpha, a, b = self.fitted_params()
        t = np.asarray(t, dtype=float)
        tt = np.maximum(t, 0.0)
        c = a + b - 1
        value = (c - (alpha / (alpha + tt)) ** r * _c_hyp2f1(r, b, c, tt / (alpha + tt))) / (a - 1)
        value = np.where(t > 0, np.maximum(value, 0.0), 0.0)
        return float(value) if value.ndim == 0 else value

    def probability_of_n_purchases(self, t: float | np.ndarray, n: int) -> np.ndarray:
        """P(X(t) = n): probability of exactly ``n`` repeat purchases in ``(0, t]`` (FHL 2005 eq. 8)."""
        r, alpha, a, b = self.fitted_params()
        t = np.asarray(t, dtype=float)
        log_q = np.log(alpha) - np.log(alpha + t)  # log(α/(α+t))
        with np.errstate(divide="ignore"):
            log_p = np.log(t) - np.log(alpha + t)
        first = np.exp(special.betaln(a, b + n) - special.betaln(a, b) + special.gammaln(r + n) - special.gammaln(r)
                       - special.gammaln(n + 1) + r * log_q + (n * log_p if n > 0 else 0.0))
        if n == 0:
            return first
        js = np.arange(n)
        with np.errstate(divide="ignore", invalid="ignore"):
            powers = np.where(js == 0, 0.0, np.multiply.outer(log_p, js))  # (t/(α+t))^j, with 0^0 = 1
            terms = np.exp(special.gammaln(r + js) - special.gammaln(r) - special.gammaln(js + 1)
                           + powers + (r * log_q)[..., None])
        tail = 1.0 - terms.sum(axis=-1)
        second = np.exp(special.betaln(a + 1, b + n - 1) - special.betaln(a, b)) * tail
        return np.clip(first + second, 0.0, 1.0)
