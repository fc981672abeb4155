"""sBG, the shifted-beta-geometric model of contract retention (Fader & Hardie 2007), with the discounted
expected lifetime of Fader & Hardie (2010).

Fader, P. S. & Hardie, B. G. S. (2007). How to project customer retention. *Journal of Interactive
Marketing* 21(1), 76–90.
Fader, P. S. & Hardie, B. G. S. (2010). Customer-base valuation in a contractual setting: the perils of
ignoring heterogeneity. *Marketing Science* 29(1), 85–93.

Equations are named by what they are in the 2007 paper (its section "model development"):
``P(T = t | θ) = θ(1−θ)^{t−1}`` and ``S(t | θ) = (1−θ)^t`` for one customer; with ``θ ~ Beta(γ, δ)``
``P(T = t | γ, δ) = B(γ+1, δ+t−1)/B(γ, δ)`` and ``S(t | γ, δ) = B(γ, δ+t)/B(γ, δ)``, the recursion
``P(T = 1) = γ/(γ+δ)``, ``P(T = t) = (δ+t−2)/(γ+δ+t−1) · P(T = t−1)``, the retention rate
``r_t = S(t)/S(t−1) = (δ+t−1)/(γ+δ+t−1)``, and the log-likelihood of a cohort observed for ``n`` periods
``LL = Σ_{t=1}^{n} n_t ln P(T = t) + (N − Σ n_t) ln S(n)`` (``n_t`` lost in period ``t``, ``N`` the cohort).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from ...errors import DataError
from .base import MaximumLikelihoodModel
from .checks import contract_arrays, summary_column


def cohort_table(survivors: dict[str, list[int]] | list[int], period_days: float | None = None) -> pd.DataFrame:
    """A cohort survival table from survivor counts: ``{cohort: [N, s₁, s₂, …]}`` (or one list: a cohort named
    "cohort"), ``N`` the cohort's size and ``s_t`` the customers still under contract after ``t`` renewal
    decisions. ``period_days`` (e.g. 365.25 for yearly contracts) states the contract period in ``attrs``.
    Returns ``cohort, period, survivors``, one row per cohort and period (checked when a model reads it)."""
    counts = {"cohort": list(survivors)} if not isinstance(survivors, dict) else survivors
    table = pd.DataFrame([(name, period, count) for name, series in counts.items()
                          for period, count in enumerate(series)], columns=["cohort", "period", "survivors"])
    table.attrs = {} if period_days is None else {"period_days": float(period_days)}
    return table


class ShiftedBetaGeo(MaximumLikelihoodModel):
    """sBG model (shifted-beta-geometric; Fader & Hardie 2007): contract customers who renew or lapse.

    Each contract period ends with a renewal decision; a customer lapses at each one with probability ``θ``
    (so their lifetime ``T``, the period in which they lapse, is geometric, "shifted" to start at 1), and ``θ``
    differs between customers as ``Beta(γ, δ)`` (mean churn ``γ/(γ+δ)``). Because the customers most likely to
    lapse go first, a cohort's retention rate ``r_t`` rises with tenure even though no one's ``θ`` changes.

    Fitted on a cohort survival table (:func:`~helpers.clv.models.checks.contract_arrays`: ``cohort, period,
    survivors``; the paper's "number of customers surviving" at the end of each year, year 0 = the cohort), all
    cohorts of the table sharing ``(γ, δ)``: fit one table per segment or plan to compare them, as the paper fits
    its "regular" and "high end" customers apart. Likelihood as in the module docstring (Fader & Hardie 2007),
    with its analytic gradient; standard errors from the Hessian as for every model. PyMC-Marketing's
    ``ShiftedBetaGeoModelIndividual`` calls ``γ, δ`` ``alpha, beta`` and reads one row per customer
    (``t_churn``, ``T``); the table here holds the same information as counts.

    Units: one period is one contract term (a year in the paper); ``period_days_`` is the table's
    ``attrs["period_days"]`` when it states one. A discount rate is per period.
    """

    param_names = ("gamma", "delta")
    param_labels = {"gamma": "churn probability θ: Beta γ", "delta": "churn probability θ: Beta δ"}
    requirements = {
        "renewal_periods": "one period shows only the mean churn γ/(γ+δ); how the retention rate changes from "
                           "period to period is what tells γ and δ apart, so some cohort must be observed for at "
                           "least 2 periods",
        "lapses_and_renewals": "with no lapse (or no renewal) at all the churn probability's distribution runs off to "
                               "0 (or 1) and γ, δ have no finite estimate",
    }

    # ---- the data
    def model_data(self, table: pd.DataFrame) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Distinct ``(t, lost)`` cells of the table's cohorts with their counts (cells with no customers left out:
        they add nothing to the likelihood)."""
        _, obs = contract_arrays(table)
        key = obs["t"] * 2 + obs["lost"]
        keys, inverse = np.unique(key, return_inverse=True)
        weights = np.bincount(inverse, weights=obs["count"])
        keep = weights > 0
        return {"t": (keys[keep] // 2), "lost": keys[keep] % 2}, weights[keep]

    def check_requirements(self, table: pd.DataFrame) -> None:
        """Refuse a table the sBG cannot be estimated from (:attr:`requirements`), with the reason."""
        cohorts, obs = contract_arrays(table)
        name = type(self).__name__
        if cohorts["periods"].max() < 2:
            raise DataError(f"every cohort is observed for fewer than 2 periods (at most {cohorts['periods'].max()}): "
                            f"{name} cannot be fitted, {self.requirements['renewal_periods']}",
                            file="contract table", column="period",
                            hint="wait for a second renewal, or add older cohorts")
        lost = obs["count"][obs["lost"] == 1].sum()
        renewed = summary_column(table, "survivors", "contract table")[
            summary_column(table, "period", "contract table") == 1].sum()
        if lost == 0 or renewed == 0:
            what = "no customer lapses" if lost == 0 else "no customer renews (every cohort is empty after period 1)"
            raise DataError(f"{what}: {name} cannot be fitted, {self.requirements['lapses_and_renewals']}",
                            file="contract table", column="survivors", hint="check the counts")

    def start_params(self, data, weights) -> np.ndarray:
        """γ + δ = 2 with the first period's churn as the mean γ/(γ+δ)."""
        at_risk = weights[data["t"] >= 1].sum()  # everyone observed past period 0
        churn = np.clip(weights[(data["t"] == 1) & (data["lost"] == 1)].sum() / max(at_risk, 1.0), 0.02, 0.98)
        return np.array([2.0 * churn, 2.0 * (1.0 - churn)])

    # ---- the likelihood
    def loglikeobs(self, theta, data):
        """``ln P(T = t | γ, δ)`` for a customer lost in period ``t``, ``ln S(t | γ, δ)`` for one still under
        contract after ``t`` periods (Fader & Hardie 2007)."""
        gamma, delta = theta
        t, lost = data["t"], data["lost"]
        with np.errstate(invalid="ignore"):
            log_p = special.betaln(gamma + 1.0, np.maximum(delta + t - 1.0, 1e-300)) - special.betaln(gamma, delta)
        log_s = special.betaln(gamma, delta + t) - special.betaln(gamma, delta)
        return np.where(lost == 1, log_p, log_s)

    def loglike_and_score(self, theta, data, weights):
        gamma, delta = theta
        t, lost = data["t"], data["lost"]
        psi = special.digamma
        total = float(np.dot(weights, self.loglikeobs(theta, data)))
        base_g, base_d = psi(gamma + delta) - psi(gamma), psi(gamma + delta) - psi(delta)
        end = psi(gamma + delta + t)
        d_gamma = np.where(lost == 1, psi(gamma + 1.0) - end + base_g, psi(gamma) - end + base_g)
        with np.errstate(invalid="ignore"):
            d_delta = np.where(lost == 1, psi(np.maximum(delta + t - 1.0, 1e-300)) - end + base_d,
                               psi(delta + t) - end + base_d)
        return total, np.array([np.dot(weights, d_gamma), np.dot(weights, d_delta)])

    # ---- the paper's quantities
    def churn_probability(self, t: int | np.ndarray) -> np.ndarray:
        """``P(T = t | γ, δ) = B(γ+1, δ+t−1)/B(γ, δ)``: the probability that a new customer lapses at the end of
        period ``t`` (t = 1, 2, …)."""
        gamma, delta = self.fitted_params()
        t = self._periods(t, 1)
        return np.exp(special.betaln(gamma + 1.0, delta + t - 1.0) - special.betaln(gamma, delta))

    def survival(self, t: int | np.ndarray) -> np.ndarray:
        """``S(t | γ, δ) = B(γ, δ+t)/B(γ, δ)``: the share of a cohort still under contract after ``t`` renewal
        decisions (t = 0, 1, …; S(0) = 1)."""
        gamma, delta = self.fitted_params()
        t = self._periods(t, 0)
        return np.exp(special.betaln(gamma, delta + t) - special.betaln(gamma, delta))

    def retention_rate(self, t: int | np.ndarray) -> np.ndarray:
        """``r_t = S(t)/S(t−1) = (δ+t−1)/(γ+δ+t−1)``: the share of the customers under contract in period ``t``
        who renew at its end (t = 1, 2, …); it rises with ``t``."""
        gamma, delta = self.fitted_params()
        t = self._periods(t, 1)
        return (delta + t - 1.0) / (gamma + delta + t - 1.0)

    def expected_lifetime(self, horizon: int | None = None) -> float:
        """Expected number of periods a new customer is under contract, ``E[T] = Σ_{t≥0} S(t)``:
        ``(γ+δ−1)/(γ−1)`` when ``γ > 1`` and infinite when ``γ ≤ 1`` (``E[1/θ]`` diverges: enough customers
        almost never lapse). With ``horizon`` = H periods, the expected periods within them, ``Σ_{t<H} S(t)``."""
        gamma, delta = self.fitted_params()
        if horizon is not None:
            return float(self.survival(np.arange(int(horizon))).sum())
        return (gamma + delta - 1.0) / (gamma - 1.0) if gamma > 1 else float("inf")

    def discounted_expected_lifetime(self, discount_rate: float) -> float:
        """DEL (Fader & Hardie 2010): a new customer's expected discounted number of periods under contract,
        paying at the start of each period (the first undiscounted), at ``discount_rate`` ``d`` per period:

        .. math:: \\mathrm{DEL}(d) = \\sum_{t=0}^{\\infty} \\frac{S(t)}{(1+d)^t}
                  = {}_2F_1\\!\\left(1, \\delta; \\gamma+\\delta; \\frac{1}{1+d}\\right)

        (``S(t) = (δ)_t/(γ+δ)_t``, Pochhammer symbols). A new customer's expected CLV is ``m · DEL(d)`` for a
        margin ``m`` per period."""
        gamma, delta = self.fitted_params()
        return float(special.hyp2f1(1.0, delta, gamma + delta, 1.0 / (1.0 + self._rate(discount_rate))))

    def discounted_expected_residual_lifetime(self, discount_rate: float, renewals: int | np.ndarray) -> np.ndarray:
        """DERL (Fader & Hardie 2010): the expected discounted number of *further* periods of a customer who
        has renewed ``renewals`` = n − 1 times and now faces the n-th renewal decision (a payment after it is
        discounted once). Their churn probability is then ``Beta(γ, δ+n−1)`` (Bayes), so

        .. math:: \\mathrm{DERL}(d \\mid n-1) = \\frac{\\delta+n-1}{\\gamma+\\delta+n-1}\\,
                  \\frac{1}{1+d}\\; {}_2F_1\\!\\left(1, \\delta+n; \\gamma+\\delta+n; \\frac{1}{1+d}\\right)

        (the chance of renewing, then the DEL of a customer with ``Beta(γ, δ+n)``)."""
        gamma, delta = self.fitted_params()
        n = self._periods(renewals, 0) + 1.0
        x = 1.0 / (1.0 + self._rate(discount_rate))
        return ((delta + n - 1.0) / (gamma + delta + n - 1.0) * x
                * special.hyp2f1(1.0, delta + n, gamma + delta + n, x))

    def expected_survivors(self, table: pd.DataFrame, horizon: int = 0) -> pd.DataFrame:
        """Each cohort of ``table`` beside the model, over its observed periods and ``horizon`` more.

        Returns ``cohort, period, survivors`` (observed; missing beyond the table), ``expected`` (``N·S(t)``,
        the cohort size times the survival curve: the paper's projection from period 0) and ``expected given
        last`` (from the cohort's last observed period ``n`` on: ``s_n · S(t)/S(n)``, what its survivors are
        expected to do given that they have renewed ``n`` times; missing before ``n``). The table must be in the
        model's period (its ``attrs["period_days"]``): renewals are counted per contract term and are not
        converted."""
        self._check_fitted()
        cohorts, _ = contract_arrays(table)
        if self.unit_factor(table) != 1.0:
            raise DataError("the table's periods are not the model's contract periods", file="contract table",
                            hint="project a table of the same contract term the model was fitted on")
        observed = table.assign(period=table["period"].astype(int)).set_index(["cohort", "period"])["survivors"]
        frames = []
        for row in cohorts.itertuples(index=False):
            periods = np.arange(row.periods + int(horizon) + 1)
            surv = self.survival(periods)
            later = np.where(periods >= row.periods, row.survivors * surv / surv[row.periods], np.nan)
            known = [float(observed.get((row.cohort, p), np.nan)) for p in periods]
            frames.append(pd.DataFrame({"cohort": row.cohort, "period": periods, "survivors": known,
                                        "expected": row.size * surv, "expected given last": later}))
        return pd.concat(frames, ignore_index=True)

    # ---- helpers
    @staticmethod
    def _periods(t, first: int) -> np.ndarray:
        t = np.asarray(t, dtype=float)
        if (t < first).any() or (t != np.round(t)).any():
            raise ValueError(f"periods must be whole numbers ≥ {first}")
        return t

    @staticmethod
    def _rate(discount_rate: float) -> float:
        d = float(discount_rate)
        if not np.isfinite(d) or d <= 0:
            raise ValueError(f"discount_rate must be a positive rate per period (0.1 = 10%), not {discount_rate!r}")
        return d


def fit_by_plan(table: pd.DataFrame, by: str = "plan") -> pd.DataFrame:
    """One sBG per value of column ``by`` of a cohort survival table (a plan, a carrier, a segment): the long table
    of :func:`helpers.clv.fit_by_group` (``group, parameter, estimate, std_err, lower 95%, upper 95%, customers,
    log_likelihood``; ``customers``: the cohorts' sizes), so :func:`helpers.clv.recovery_table` sets it beside
    the truth of a simulation."""
    if by not in table.columns:
        raise DataError("column to fit by is missing", file="contract table", column=by)
    rows = []
    for name, part in table.groupby(by, sort=False):
        part = part.copy()
        part.attrs = dict(table.attrs)
        fitted = ShiftedBetaGeo().fit(part)
        out = fitted.summary().drop(columns="meaning").reset_index()
        out.insert(0, "group", name)
        out["customers"] = fitted.n_customers_
        out["log_likelihood"] = fitted.log_likelihood_
        rows.append(out)
    return pd.concat(rows, ignore_index=True)
