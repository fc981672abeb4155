"""MBG/NBD, the modified beta-geometric / negative binomial distribution model (Batislam, Denizel &
Filiztekin 2007), with the conditional expectation as corrected by Wagner & Hoppe (2008).

MBG/NBD is BG/NBD (:mod:`helpers.clv.models.beta_geo`) with one more chance to drop out: at time 0, right
after the first purchase, as well as after every repeat purchase. So a customer with no repeat purchase
can be dead (in BG/NBD such a customer is alive by assumption, P(alive) = 1), and a customer with ``x``
repeat purchases has survived ``x + 1`` dropout chances. Every expression below is BG/NBD's with the
dropout Beta's ``b`` moved by one where a survived chance is counted.

Batislam, E. P., Denizel, M. & Filiztekin, A. (2007). Empirical validation and comparison of models for
customer base analysis. *International Journal of Research in Marketing* 24(3), 201–209.
Wagner, U. & Hoppe, D. (2008). Erratum on the MBG/NBD model. *International Journal of Research in
Marketing* 25(3), 225–226.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from .beta_geo import BetaGeo


class ModifiedBetaGeo(BetaGeo):
    """MBG/NBD model (Batislam, Denizel & Filiztekin 2007).

    While alive a customer buys at Poisson rate ``λ ~ Gamma(r, α)`` (shape r, rate α, per model period);
    right after the first purchase (time 0) and after each repeat purchase they drop out with probability
    ``p ~ Beta(a, b)``. Per customer with ``x`` repeat purchases, last at ``t_x``, observed for ``T``
    (Batislam et al. 2007, the likelihood of their §2; the same expression as lifetimes' and BTYDplus's
    ``mbgnbd``):

    .. math::
        L = \\frac{\\Gamma(r+x)\\,\\alpha^r}{\\Gamma(r)}\\left[\\frac{B(a, b+x+1)}{B(a, b)}\\frac{1}{(\\alpha+T)^{r+x}}
          + \\frac{B(a+1, b+x)}{B(a, b)}\\frac{1}{(\\alpha+t_x)^{r+x}}\\right]

    (the first term: survived all ``x + 1`` chances and made no purchase in ``(t_x, T]``; the second:
    dropped out at the last purchase, ``t_x = 0`` for ``x = 0``). Fitted by maximum likelihood on
    log-parameters with the analytic gradient; standard errors from the numerical Hessian as for
    :class:`~helpers.clv.models.beta_geo.BetaGeo`, whose data preparation (distinct rows with weights) and
    starting values it shares; every formula below is its own. Units: ``α`` and all times in the summary's
    model period.
    """

    covariate_links = ()  # BG/NBD's covariate options are not written for MBG/NBD: refused, not ignored
    param_names = ("r", "alpha", "a", "b")
    param_labels = {"r": "purchase rate λ: Gamma shape", "alpha": "purchase rate λ: Gamma rate (periods)",
                    "a": "dropout p (at time 0 and after each purchase): Beta a",
                    "b": "dropout p (at time 0 and after each purchase): Beta b"}

    def loglikeobs(self, theta, data):
        r, alpha, a, b = theta
        ux, ix, x = data["ux"], data["ix"], data["x"]
        head = (special.gammaln(r + ux) - special.gammaln(r) + r * np.log(alpha) - special.betaln(a, b))[ix]
        alive = special.betaln(a, b + ux + 1)[ix] - (r + x) * np.log(alpha + data["T"])
        dead = special.betaln(a + 1, b + ux)[ix] - (r + x) * np.log(alpha + data["t_x"])
        return head + np.logaddexp(alive, dead)

    def loglike_and_score(self, theta, data, weights):
        """Weighted log-likelihood and its gradient in ``(r, α, a, b)``: each term's share of the
        likelihood (``π``) weights the derivatives of its own logarithm."""
        r, alpha, a, b = theta
        ux, ix, x, T, t_x = data["ux"], data["ix"], data["x"], data["T"], data["t_x"]
        psi = special.digamma
        rx = r + x
        l_T, l_tx = np.log(alpha + T), np.log(alpha + t_x)
        alive = special.betaln(a, b + ux + 1)[ix] - rx * l_T
        dead = special.betaln(a + 1, b + ux)[ix] - rx * l_tx
        lse = np.logaddexp(alive, dead)
        c1 = special.gammaln(r + ux) - special.gammaln(r) + r * np.log(alpha) - special.betaln(a, b)
        total = float(np.dot(weights, c1[ix] + lse))
        pi_dead = np.exp(dead - lse)
        w_alive, w_dead = weights * (1.0 - pi_dead), weights * pi_dead
        n = weights.sum()
        wx = np.bincount(ix, weights=weights, minlength=len(ux))
        wa = np.bincount(ix, weights=w_alive, minlength=len(ux))
        wd = np.bincount(ix, weights=w_dead, minlength=len(ux))
        d_r = np.dot(wx, psi(r + ux) - psi(r)) + n * np.log(alpha) - np.dot(w_alive, l_T) - np.dot(w_dead, l_tx)
        d_alpha = r / alpha * n - np.dot(w_alive, rx / (alpha + T)) - np.dot(w_dead, rx / (alpha + t_x))
        d_ab = psi(a + b)  # from −log B(a, b)
        # d/da, d/db of log B(a, b+x+1) and log B(a+1, b+x), per distinct x
        alive_a = psi(a) - psi(a + b + ux + 1)
        alive_b = psi(b + ux + 1) - psi(a + b + ux + 1)
        dead_a = psi(a + 1) - psi(a + b + ux + 1)
        dead_b = psi(b + ux) - psi(a + b + ux + 1)
        d_a = n * (d_ab - psi(a)) + np.dot(wa, alive_a) + np.dot(wd, dead_a)
        d_b = n * (d_ab - psi(b)) + np.dot(wa, alive_b) + np.dot(wd, dead_b)
        return total, np.array([d_r, d_alpha, d_a, d_b])

    # ---- predictions
    def _log_odds_dead(self, x, t_x, T):
        """log of (dropped out at the last purchase) / (still alive): ``log a/(b+x) + (r+x) log((α+T)/(α+t_x))``."""
        r, alpha, a, b = self.fitted_params()
        return np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))

    def probability_alive(self, summary: pd.DataFrame) -> pd.Series:
        """P(alive | x, t_x, T) (Batislam et al. 2007, appendix A):

        .. math:: P = 1 \\Big/ \\left(1 + \\frac{a}{b+x}\\left(\\frac{\\alpha+T}{\\alpha+t_x}\\right)^{r+x}\\right)

        for every ``x``: below 1 also for a customer with no repeat purchase (``t_x = 0``), who may have
        dropped out right after the first one, and below 1 even at ``t_x = T`` (``a/(b+x) > 0``: the
        customer may have dropped out right after that purchase).
        """
        x, t_x, T = self.histories(summary)
        p = special.expit(-self._log_odds_dead(x, t_x, T))
        return pd.Series(p, index=self.summary_index(summary), name="p_alive")

    def conditional_expected_purchases(self, t: float, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
        """E[Y(t) | x, t_x, T]: expected purchases in the next ``t`` model periods (Wagner & Hoppe 2008's
        corrected form, as lifetimes' ``ModifiedBetaGeoFitter``):

        .. math::
            \\frac{a+b+x}{a-1}\\left[1 - \\left(\\frac{\\alpha+T}{\\alpha+T+t}\\right)^{r+x}
            {}_2F_1\\!\\left(r+x, b+x+1; a+b+x; z\\right)\\right] P(\\text{alive}),\\quad z = \\frac{t}{\\alpha+T+t}

        evaluated after Euler's transformation, ``(1−z)^{r+x} ₂F₁(r+x, b+x+1; a+b+x; z) = (1−z)^{a−1}
        ₂F₁(a+b−r, a−1; a+b+x; z)``, whose parameters do not grow with ``x``.
        """
        if t < 0:
            raise ValueError("t must be ≥ 0 (model periods)")
        if t == 0:
            return np.zeros_like(np.asarray(x, dtype=float))
        r, alpha, a, b = self.fitted_params()
        z = t / (alpha + T + t)
        tail = np.exp((a - 1) * np.log1p(-z)) * special.hyp2f1(a + b - r, a - 1, a + b + x, z)
        value = (a + b + x) / (a - 1) * (1.0 - tail) * special.expit(-self._log_odds_dead(x, t_x, T))
        return np.maximum(value, 0.0)

    def expected_purchases_new_customer(self, t: float | np.ndarray) -> np.ndarray | float:
        """E[X(t)]: expected repeat purchases of a new customer in ``(0, t]`` (Batislam et al. 2007):

        .. math:: \\frac{b}{a-1}\\left[1 - \\left(\\frac{\\alpha}{\\alpha+t}\\right)^r
                  {}_2F_1\\!\\left(r, b+1; a+b; \\frac{t}{\\alpha+t}\\right)\\right]

        (evaluated in Euler's form, as :meth:`conditional_expected_purchases`).
        """
        r, alpha, a, b = self.fitted_params()
        t = np.asarray(t, dtype=float)
        z = np.maximum(t, 0.0) / (alpha + np.maximum(t, 0.0))
        tail = np.exp((a - 1) * np.log1p(-z)) * special.hyp2f1(a + b - r, a - 1, a + b, z)
        value = np.where(t > 0, np.maximum(b / (a - 1) * (1.0 - tail), 0.0), 0.0)
        return float(value) if value.ndim == 0 else value

    def probability_of_n_purchases(self, t: float | np.ndarray, n: int) -> np.ndarray:
        """P(X(t) = n): probability of exactly ``n`` repeat purchases in ``(0, t]`` for a new customer:

        .. math:: \\frac{B(a, b+n+1)}{B(a, b)}\\,\\mathrm{NB}(n) + \\frac{B(a+1, b+n)}{B(a, b)}\\,P(N \\ge n)

        where ``NB(n) = Γ(r+n)/(Γ(r) n!) (α/(α+t))^r (t/(α+t))^n`` is the Gamma-Poisson probability of ``n``
        purchases while alive and ``P(N ≥ n)`` its upper tail (the regularised incomplete beta
        ``I_{t/(α+t)}(n, r)``; 1 for ``n = 0``): alive after ``n + 1`` chances and no further purchase, or
        dropped out at the ``n``-th chance after making the ``n``-th purchase by ``t`` (derived as FHL 2005
        eq. 8 for BG/NBD, with one more dropout chance at time 0; lifetimes' ``ModifiedBetaGeoFitter`` has
        the same expression).
        """
        if n < 0 or n != int(n):
            raise ValueError("n must be a whole number ≥ 0 (repeat purchases)")
        r, alpha, a, b = self.fitted_params()
        t = np.asarray(t, dtype=float)
        log_q = np.log(alpha) - np.log(alpha + t)
        with np.errstate(divide="ignore"):
            log_p = np.log(t) - np.log(alpha + t)
        nb = np.exp(special.gammaln(r + n) - special.gammaln(r) - special.gammaln(n + 1) + r * log_q
                    + (n * log_p if n > 0 else 0.0))
        tail = special.betainc(n, r, np.exp(log_p)) if n > 0 else np.ones_like(t)
        bab = special.betaln(a, b)
        value = np.exp(special.betaln(a, b + n + 1) - bab) * nb + np.exp(special.betaln(a + 1, b + n) - bab) * tail
        return np.clip(value, 0.0, 1.0)
