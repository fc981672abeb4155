"""BG/BB, the beta-geometric / beta-binomial model of purchases at discrete opportunities (Fader, Hardie &
Shang 2010), fitted on the sufficient-statistic table of a cohort.

Time is a sequence of **purchase opportunities** (a year of donation appeals, a week, one flash sale 抢购):
at each the customer buys or not. A summary counts them (:func:`helpers.clv.discrete_summary`,
:data:`~helpers.clv.models.checks.DISCRETE_COLUMNS`, lifetimes' names): ``frequency`` ``x`` = repeat
opportunities with a purchase, ``recency`` ``t_x`` = the opportunity of the last one (0 if none), and
``n_periods`` ``n`` = opportunities observed after the first purchase; ``weights`` (optional) = customers with
that pattern, so 11,104 donors are 22 rows (:func:`helpers.clv.load_donations`).

Fader, P. S., Hardie, B. G. S. & Shang, J. (2010). Customer-base analysis in a discrete-time noncontractual
setting. *Marketing Science* 29(6), 1086–1108. Equation numbers below are those lifetimes 0.11.3 cites for
the paper (P(X(n) = x): eq. 7; E[X(n, n+n*) | ·]: eq. 13; P(alive): eq. A10); the likelihood and E[X(n)] are
the paper's, written out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from ...errors import DataError
from .base import TransactionModel, aggregate_rows
from .checks import discrete_arrays, opportunity_of

betaln = special.betaln


def _whole(t, name: str) -> np.ndarray:
    """``t`` as an array of whole numbers ≥ 0 of opportunities; ``ValueError`` otherwise."""
    arr = np.asarray(t, dtype=float)
    if not np.all(np.isfinite(arr)) or np.any(arr < 0) or np.any(arr != np.round(arr)):
        raise ValueError(f"{name} must be a whole number ≥ 0 of purchase opportunities, not {t!r}")
    return arr


def _ratio_over_gamma_minus_one(gamma: float, delta: float, lo, hi) -> np.ndarray:
    """``[Γ(1+δ+lo)/Γ(γ+δ+lo) − Γ(1+δ+hi)/Γ(γ+δ+hi)] / (γ − 1) · Γ(γ+δ)/Γ(1+δ)``, continuous through γ = 1
    (there: ``ψ(1+δ+hi) − ψ(1+δ+lo)``); the factor BG/BB's expectations share."""
    lo, hi = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
    if abs(gamma - 1.0) < 1e-7:
        return special.digamma(1 + delta + hi) - special.digamma(1 + delta + lo)
    g = special.gammaln
    head = g(gamma + delta) - g(1 + delta) + g(1 + delta + lo) - g(gamma + delta + lo)
    step = (g(1 + delta + hi) - g(gamma + delta + hi)) - (g(1 + delta + lo) - g(gamma + delta + lo))
    return -np.exp(head) * np.expm1(step) / (gamma - 1.0)


class BetaGeoBetaBinom(TransactionModel):
    """BG/BB model (Fader, Hardie & Shang 2010).

    While alive, a customer buys at each opportunity with probability ``p ~ Beta(α, β)``; at the start of
    each opportunity an alive customer drops out with probability ``θ ~ Beta(γ, δ)``. Per customer with
    ``x`` purchases in ``n`` opportunities, the last at ``t_x`` (FHS 2010's likelihood):

    .. math::
        L = \\frac{B(\\alpha+x, \\beta+n-x)}{B(\\alpha,\\beta)}\\frac{B(\\gamma, \\delta+n)}{B(\\gamma,\\delta)}
          + \\sum_{i=0}^{n-t_x-1} \\frac{B(\\alpha+x, \\beta+t_x-x+i)}{B(\\alpha,\\beta)}
            \\frac{B(\\gamma+1, \\delta+t_x+i)}{B(\\gamma,\\delta)}

    (alive through all ``n`` opportunities, or dropped out at opportunity ``t_x + i + 1``). The sum is
    evaluated for every pattern at once: per distinct ``x``, log-terms over ``j = t_x + i`` are summed from the
    last opportunity down (``logaddexp.accumulate``), so the cost is (distinct x) × (largest n), never
    (patterns) × (largest n). Fitted on log-parameters with a numerical gradient; standard errors from the
    numerical Hessian (:class:`~helpers.clv.models.base.MaximumLikelihoodModel`). Times are counts of
    opportunities; the model keeps what one opportunity is (``period_``, from the summary's ``attrs``) and
    refuses a summary counting another.
    """

    param_names = ("alpha", "beta", "gamma", "delta")
    param_labels = {"alpha": "purchase probability p per opportunity: Beta α",
                    "beta": "purchase probability p per opportunity: Beta β",
                    "gamma": "dropout probability θ per opportunity: Beta γ",
                    "delta": "dropout probability θ per opportunity: Beta δ"}
    requirements = {"repeat_buyers": "the heterogeneity of purchase and dropout probabilities cannot be estimated "
                                     "when nobody buys again (the likelihood keeps rising as the purchase "
                                     "probability runs off to 0)"}

    # ---- data
    def fit(self, summary: pd.DataFrame) -> "BetaGeoBetaBinom":
        """Fit on a discrete-time summary, per customer or per pattern with ``weights``; returns ``self``."""
        if isinstance(summary, pd.DataFrame):
            self.period_ = opportunity_of(summary)
        return super().fit(summary)

    def check_requirements(self, summary: pd.DataFrame) -> None:
        """As the base class, counting only rows with customers (``weights`` > 0)."""
        w = discrete_arrays(summary)[3]
        super().check_requirements(summary.loc[w > 0] if (w == 0).any() else summary)

    def model_data(self, summary: pd.DataFrame) -> tuple[dict[str, np.ndarray], np.ndarray]:
        x, t_x, n, w = discrete_arrays(summary)
        data, _, codes = aggregate_rows({"x": x, "t_x": t_x, "n": n})
        weights = np.bincount(codes, weights=w, minlength=len(data["x"])) if len(codes) else np.zeros(0)
        return self._prepared(data["x"], data["t_x"], data["n"]), weights

    @staticmethod
    def _prepared(x, t_x, n) -> dict[str, np.ndarray]:
        x, t_x, n = (np.asarray(v, dtype=float) for v in (x, t_x, n))
        ux, ix = np.unique(x, return_inverse=True)
        return {"x": x, "t_x": t_x, "n": n, "ux": ux, "ix": ix.reshape(x.shape),
                "J": int(n.max()) if n.size else 0}

    def start_params(self, data, weights) -> np.ndarray:
        share = np.dot(weights, data["x"]) / max(np.dot(weights, data["n"]), 1e-9)
        share = min(max(share, 0.05), 0.95)
        return np.array([share, 1.0 - share, 1.0, 1.0]) * 2.0

    # ---- likelihood
    def loglikeobs(self, theta, data):
        alpha, beta, gamma, delta = theta
        x, n = data["x"], data["n"]
        norm = betaln(alpha, beta) + betaln(gamma, delta)
        alive = betaln(alpha + x, beta + n - x) + betaln(gamma, delta + n) - norm
        return np.logaddexp(alive, self._log_dropout_sum(theta, data) - norm)

    @staticmethod
    def _log_dropout_sum(theta, data) -> np.ndarray:
        """``log Σ_{j=t_x}^{n−1} B(α+x, β+j−x) B(γ+1, δ+j)`` per row (−inf when ``t_x = n``)."""
        alpha, beta, gamma, delta = theta
        ux, ix, J = data["ux"], data["ix"], data["J"]
        if J == 0:
            return np.full(data["x"].shape, -np.inf)
        j = np.arange(J, dtype=float)
        with np.errstate(invalid="ignore"):
            terms = np.where(j[None, :] >= ux[:, None],
                             betaln(alpha + ux[:, None], beta + np.maximum(j[None, :] - ux[:, None], 0.0))
                             + betaln(gamma + 1.0, delta + j)[None, :], -np.inf)
        tail = np.full((len(ux), J + 1), -np.inf)  # tail[k, j] = log Σ_{m ≥ j} terms[k, m]
        tail[:, :J] = np.logaddexp.accumulate(terms[:, ::-1], axis=1)[:, ::-1]
        t_x, n = data["t_x"].astype(np.int64), data["n"].astype(np.int64)
        start, stop = tail[ix, t_x], tail[ix, n]
        with np.errstate(divide="ignore", invalid="ignore"):
            out = start + np.log1p(-np.exp(stop - start))
        return np.where(t_x < n, out, -np.inf)

    # ---- predictions
    def histories(self, summary: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Validated ``(x, t_x, n)`` of ``summary`` after checking that it counts the opportunities the model
        was fitted on (``period_``): a summary of weekly opportunities is not one of sale events."""
        self._check_fitted()
        x, t_x, n, _ = discrete_arrays(summary)
        mine, theirs = getattr(self, "period_", None), opportunity_of(summary)
        if mine != theirs:
            raise DataError(f"{type(self).__name__} was fitted on opportunities {mine or 'of an unstated kind'} but "
                            f"this summary counts {theirs or 'opportunities of an unstated kind'}", file="summary",
                            hint="build both summaries with the same clv.discrete_summary(period=...), or state a "
                            "hand-made table's with summary.attrs['period'] = 'Y' (the model's)")
        return x, t_x, n

    def _log_likelihood_rows(self, x, t_x, n) -> np.ndarray:
        return self.loglikeobs(np.array(self.fitted_params()), self._prepared(x, t_x, n))

    def probability_alive(self, summary: pd.DataFrame, future: int = 0) -> pd.Series:
        """P(alive at opportunity ``n + future`` | x, t_x, n) (FHS 2010 eq. A10):

        .. math:: \\frac{B(\\alpha+x, \\beta+n-x)}{B(\\alpha,\\beta)}
                  \\frac{B(\\gamma, \\delta+n+m)}{B(\\gamma,\\delta)} \\Big/ L(\\alpha,\\beta,\\gamma,\\delta \\mid x, t_x, n)

        ``future = 0`` (default): still alive at the last opportunity observed; ``future = 1``: alive at the
        next one, the paper's "P(alive in 2002)" (its Table 6, for the donors observed to 2001).
        """
        m = float(_whole(future, "future"))
        x, t_x, n = self.histories(summary)
        alpha, beta, gamma, delta = self.fitted_params()
        log_alive = (betaln(alpha + x, beta + n - x) - betaln(alpha, beta) + betaln(gamma, delta + n + m)
                     - betaln(gamma, delta))
        p = np.exp(log_alive - self._log_likelihood_rows(x, t_x, n))
        return pd.Series(np.clip(p, 0.0, 1.0), index=self.summary_index(summary), name="p_alive")

    def conditional_expected_purchases(self, t: float, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
        """E[X(n, n+n*) | x, t_x, n]: expected purchases in the next ``t = n*`` opportunities (FHS 2010
        eq. 13); ``T`` holds each customer's ``n``:

        .. math:: \\frac{1}{L}\\frac{B(\\alpha+x+1, \\beta+n-x)}{B(\\alpha,\\beta)}\\frac{\\delta}{\\gamma-1}
                  \\frac{\\Gamma(\\gamma+\\delta)}{\\Gamma(1+\\delta)}\\left[\\frac{\\Gamma(1+\\delta+n)}{\\Gamma(\\gamma+\\delta+n)}
                  - \\frac{\\Gamma(1+\\delta+n+n^*)}{\\Gamma(\\gamma+\\delta+n+n^*)}\\right]
        """
        n_star = float(_whole(t, "t (future opportunities)"))
        x, t_x, n = (np.asarray(v, dtype=float) for v in (x, t_x, T))
        if n_star == 0:
            return np.zeros_like(x)
        alpha, beta, gamma, delta = self.fitted_params()
        log_p = betaln(alpha + x + 1, beta + n - x) - betaln(alpha, beta) - self._log_likelihood_rows(x, t_x, n)
        return np.maximum(np.exp(log_p) * delta * _ratio_over_gamma_minus_one(gamma, delta, n, n + n_star), 0.0)

    def expected_purchases_new_customer(self, t: float | np.ndarray) -> np.ndarray | float:
        """E[X(n)]: expected purchases of a new customer in the first ``t = n`` opportunities (FHS 2010):

        .. math:: \\frac{\\alpha}{\\alpha+\\beta}\\frac{\\delta}{\\gamma-1}\\left[1 - \\frac{\\Gamma(\\gamma+\\delta)}
                  {\\Gamma(1+\\delta)}\\frac{\\Gamma(1+\\delta+n)}{\\Gamma(\\gamma+\\delta+n)}\\right]
        """
        n = _whole(t, "t (opportunities)")
        alpha, beta, gamma, delta = self.fitted_params()
        value = alpha / (alpha + beta) * delta * _ratio_over_gamma_minus_one(gamma, delta, 0.0, n)
        value = np.maximum(value, 0.0)
        return float(value) if value.ndim == 0 else value

    def probability_of_n_purchases(self, t: float | np.ndarray, n: int) -> np.ndarray:
        """P(X(t) = n): probability that a new customer buys at exactly ``n`` of the first ``t`` opportunities
        (FHS 2010 eq. 7; 0 for ``n > t``):

        .. math:: \\binom{t}{n}\\frac{B(\\alpha+n, \\beta+t-n)}{B(\\alpha,\\beta)}\\frac{B(\\gamma, \\delta+t)}{B(\\gamma,\\delta)}
                  + \\sum_{i=n}^{t-1}\\binom{i}{n}\\frac{B(\\alpha+n, \\beta+i-n)}{B(\\alpha,\\beta)}
                  \\frac{B(\\gamma+1, \\delta+i)}{B(\\gamma,\\delta)}
        """
        k = float(_whole(n, "n (purchases)"))
        ts = _whole(t, "t (opportunities)")
        alpha, beta, gamma, delta = self.fitted_params()
        norm = betaln(alpha, beta) + betaln(gamma, delta)

        def one(opportunities: float) -> float:
            if k > opportunities:
                return 0.0
            alive = (special.gammaln(opportunities + 1) - special.gammaln(k + 1) - special.gammaln(opportunities - k + 1)
                     + betaln(alpha + k, beta + opportunities - k) + betaln(gamma, delta + opportunities) - norm)
            i = np.arange(k, opportunities)
            dead = (special.gammaln(i + 1) - special.gammaln(k + 1) - special.gammaln(i - k + 1)
                    + betaln(alpha + k, beta + i - k) + betaln(gamma + 1, delta + i) - norm)
            return float(np.exp(np.logaddexp(alive, special.logsumexp(dead)) if len(i) else alive))

        values = np.array([one(v) for v in ts.ravel()]).reshape(ts.shape)
        return np.clip(values, 0.0, 1.0)
