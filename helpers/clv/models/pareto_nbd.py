"""Pareto/NBD (Schmittlein, Morrison & Colombo 1987), with the likelihood and expectations of
Fader & Hardie's note (2005); equation numbers in the docstrings are the note's.

Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987). Counting your customers: who are they and
what will they do next? *Management Science* 33(1), 1–24.
Fader, P. S. & Hardie, B. G. S. (2005). A note on deriving the Pareto/NBD model and related
expressions. http://brucehardie.com/notes/009/
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from .base import TransactionModel, aggregate_rows, rfm_arrays
from .covariates import CovariateOptions


class ParetoNBD(CovariateOptions, TransactionModel):
    """Pareto/NBD model (Schmittlein, Morrison & Colombo 1987), likelihood per Fader & Hardie (2005 note).

    While alive, purchases at Poisson rate ``λ ~ Gamma(r, α)``; lifetime is exponential with
    rate ``μ ~ Gamma(s, β)``. The likelihood (note eq. 22)

    .. math::
        L = \\frac{\\Gamma(r+x)\\alpha^r\\beta^s}{\\Gamma(r)}\\left[\\frac{1}{(\\alpha+T)^{r+x}(\\beta+T)^s}
            + \\frac{s}{r+s+x} A_0\\right],\\quad A_0 = A(t_x) - A(T)

    with, for ``α ≥ β``, ``A(t) = ₂F₁(r+s+x, s+1; r+s+x+1; (α−β)/(α+t)) / (α+t)^{r+s+x}`` and for
    ``α < β`` the same with ``(s+1) → (r+x)`` and ``α ↔ β``. For stability ``A(t)`` is evaluated
    in logs after Euler's transformation ``₂F₁(a,b;c;z) = (1−z)^{c−a−b} ₂F₁(c−a, c−b; c; z)``, which
    turns both cases into ``₂F₁(1, ·; r+s+x+1; z)``, bounded as ``z → 1``:
    ``α ≥ β: log A = −(r+x) log(α+t) − s log(β+t) + log ₂F₁(1, r+x; r+s+x+1; (α−β)/(α+t))``,
    ``α < β: log A = −(r+x−1) log(α+t) − (s+1) log(β+t) + log ₂F₁(1, s+1; r+s+x+1; (β−α)/(β+t))``.
    Gradient numerical (central differences); standard errors as for :class:`BetaGeo`.

    Time-invariant covariates (Fader & Hardie 2007, note 019; :mod:`~helpers.clv.models.covariates`):
    ``ParetoNBD(purchase_covariate_cols=[...], dropout_covariate_cols=[...])`` fits ``αᵢ = α₀ exp(−γ₁ᵀx₁ᵢ)``,
    ``βᵢ = β₀ exp(−γ₂ᵀx₂ᵢ)``; each row then takes its own branch of ``A(t)``.
    """

    param_names = ("r", "alpha", "s", "beta")
    param_labels = {"r": "purchase rate λ: Gamma shape", "alpha": "purchase rate λ: Gamma rate (periods)",
                    "s": "dropout rate μ: Gamma shape", "beta": "dropout rate μ: Gamma rate (periods)"}
    covariate_links = (("purchase", "alpha", -1), ("dropout", "beta", -1))

    def model_data(self, summary):
        if self.has_covariates:
            return self.covariate_model_data(summary)
        x, t_x, T = rfm_arrays(summary)
        data, weights, _ = aggregate_rows({"x": x, "t_x": t_x, "T": T})
        return data, weights

    def start_params(self, data, weights) -> np.ndarray:
        rate = max(np.dot(weights, data["x"]) / max(np.dot(weights, data["T"]), 1e-9), 1e-6)
        meanT = np.dot(weights, data["T"]) / weights.sum()
        start = np.array([1.0, 1.0 / rate, 1.0, max(meanT, 1.0)])
        return np.concatenate([start, np.zeros(len(self.param_names) - 4)]) if self.has_covariates else start

    @staticmethod
    def _log_A(t, x, r, alpha, s, beta):
        if np.ndim(alpha) or np.ndim(beta):  # α, β per row (covariates): each row takes its own branch
            first = alpha >= beta
            z = np.abs(alpha - beta) / (np.maximum(alpha, beta) + t)
            return (np.where(first, -(r + x), -(r + x - 1.0)) * np.log(alpha + t)
                    - np.where(first, s, s + 1.0) * np.log(beta + t)
                    + np.log(special.hyp2f1(1.0, np.where(first, r + x, s + 1.0), r + s + x + 1.0, z)))
        if alpha >= beta:
            z = (alpha - beta) / (alpha + t)
            return (-(r + x) * np.log(alpha + t) - s * np.log(beta + t)
                    + np.log(special.hyp2f1(1.0, r + x, r + s + x + 1.0, z)))
        z = (beta - alpha) / (beta + t)
        return (-(r + x - 1.0) * np.log(alpha + t) - (s + 1.0) * np.log(beta + t)
                + np.log(special.hyp2f1(1.0, s + 1.0, r + s + x + 1.0, z)))

    def _log_A0(self, theta, x, t_x, T):
        r, alpha, s, beta = theta
        la_tx = self._log_A(t_x, x, r, alpha, s, beta)
        la_T = self._log_A(T, x, r, alpha, s, beta)
        with np.errstate(divide="ignore", invalid="ignore"):
            return la_tx + np.log1p(-np.exp(np.minimum(la_T - la_tx, 0.0)))

    def loglikeobs(self, theta, data):
        if self.has_covariates:  # the same likelihood at each row's (r, αᵢ, s, βᵢ)
            theta = self.row_params(theta, data["X"])
        r, alpha, s, beta = theta
        x, t_x, T = data["x"], data["t_x"], data["T"]
        head = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha) + s * np.log(beta)
        alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
        dead = np.log(s) - np.log(r + s + x) + self._log_A0(theta, x, t_x, T)
        return head + np.logaddexp(alive, dead)

    def probability_alive(self, summary: pd.DataFrame) -> pd.Series:
        """P(alive | x, t_x, T) = 1 / (1 + s/(r+s+x) (α+T)^{r+x} (β+T)^s A₀) (Fader-Hardie note eq. 18)."""
        x, t_x, T = self.histories(summary)
        params = self.customer_params(summary) if self.has_covariates else None
        return pd.Series(self._p_alive(x, t_x, T, params), index=self.summary_index(summary), name="p_alive")

    def _p_alive(self, x, t_x, T, params=None):
        r, alpha, s, beta = theta = np.array(self.fitted_params()) if params is None else params
        log_odds = (np.log(s) - np.log(r + s + x) + (r + x) * np.log(alpha + T) + s * np.log(beta + T)
                    + self._log_A0(theta, x, t_x, T))
        return special.expit(-log_odds)

    def conditional_expected_purchases(self, t: float, x: np.ndarray, t_x: np.ndarray, T: np.ndarray,
                                       params: tuple | None = None) -> np.ndarray:
        """E[Y(t) | x, t_x, T] (Fader-Hardie note eq. 24 / SMC 1987), at the fitted parameters or at
        ``params`` = ``(r, α, s, β)`` (scalars or one value per row: covariates):

        .. math:: \\frac{(r+x)(\\beta+T)}{(\\alpha+T)(s-1)}
                  \\left[1 - \\left(\\frac{\\beta+T}{\\beta+T+t}\\right)^{s-1}\\right] P(\\text{alive})

        (the ``s → 1`` limit, ``log((β+T+t)/(β+T))``, is used near ``s = 1``).
        """
        if t < 0:
            raise ValueError("t must be ≥ 0 (model periods)")
        r, alpha, s, beta = self.fitted_params() if params is None else params
        log_y = np.log(beta + T) - np.log(beta + T + t)  # ≤ 0
        factor = -log_y if abs(s - 1) < 1e-8 else -np.expm1((s - 1) * log_y) / (s - 1)
        return np.maximum((r + x) * (beta + T) / (alpha + T) * factor * self._p_alive(x, t_x, T, params), 0.0)

    def expected_purchases_new_customer(self, t):
        """E[X(t)] = rβ/(α(s−1)) [1 − (β/(β+t))^{s−1}] (Fader-Hardie note eq. 17)."""
        r, alpha, s, beta = self.fitted_params()
        t = np.asarray(t, dtype=float)
        log_y = np.log(beta) - np.log(beta + np.maximum(t, 0.0))
        factor = -log_y if abs(s - 1) < 1e-8 else -np.expm1((s - 1) * log_y) / (s - 1)
        value = np.where(t > 0, r * beta / alpha * factor, 0.0)
        return float(value) if value.ndim == 0 else value

    def probability_of_n_purchases(self, t, n: int, nodes: int = 64) -> np.ndarray:
        """P(X(t) = n), computed as a mixture over the dropout time τ (Lomax, marginal of exp(μ)):
        ``(β/(β+t))^s NBD(n; r, α, t) + ∫₀ᵗ f(τ) NBD(n; r, α, τ) dτ`` with Gauss-Legendre quadrature
        (``nodes`` points) rather than the closed form, whose alternating sum loses precision."""
        r, alpha, s, beta = self.fitted_params()
        t = np.atleast_1d(np.asarray(t, dtype=float))

        def nbd(tau):
            return np.exp(special.gammaln(r + n) - special.gammaln(r) - special.gammaln(n + 1)
                          + r * (np.log(alpha) - np.log(alpha + tau))
                          + (n * (np.log(tau) - np.log(alpha + tau)) if n > 0 else 0.0))

        u, w = np.polynomial.legendre.leggauss(nodes)
        tau = (u[None, :] + 1) / 2 * t[:, None]
        dens = s / beta * (1 + tau / beta) ** (-(s + 1))
        with np.errstate(divide="ignore", invalid="ignore"):
            integral = np.nan_to_num((dens * nbd(tau)) @ w * t / 2)
            alive = (beta / (beta + t)) ** s * np.nan_to_num(nbd(t))
        return np.clip(alive + integral, 0.0, 1.0)
