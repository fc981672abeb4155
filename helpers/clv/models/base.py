"""The maximum-likelihood machinery every CLV model shares, like statsmodels' ``GenericLikelihoodModel``.

A model (:class:`MaximumLikelihoodModel` subclass) states its parameters and its log-likelihood per
distinct summary row; the base class optimises on log-parameters, checks convergence
(:class:`ConvergenceError` rather than unreliable estimates), turns the Hessian of the negative
log-likelihood (numerical: central differences of the analytic gradient, or of the function) into
standard errors and confidence intervals, and prints a ``summary()`` table.

Also here, because every model and every prediction reads a summary through them: what a fit needs
beyond a valid summary (:attr:`MaximumLikelihoodModel.requirements`: repeat buyers, positive spend), the
check of a summary's time unit against the model's (:meth:`MaximumLikelihoodModel.unit_factor`), and
:func:`aggregate_rows`, which reduces customers to distinct rows with weights. What makes a valid summary
(one row per customer; no negative frequency, recency beyond T, negative T or negative spend) is in
:mod:`helpers.clv.models.checks` (:func:`rfm_arrays`, :func:`spend_arrays`).
"""

from __future__ import annotations

from typing import Callable, Iterable, Iterator

import numpy as np
import pandas as pd
from scipy import optimize, stats

from ...errors import DataError
from ..units import TimeUnit, conversion, summary_unit
from .checks import refuse, rfm_arrays, summary_column


#: Bound of a real-valued parameter (a covariate coefficient γ) in the optimiser: ``exp(±30)`` ≈ 10¹³ is a rate or
#: shape run off to 0 or infinity, reported as not identified (a covariate in very small units: rescale it).
REAL_BOUND = 30.0


class ConvergenceError(RuntimeError):
    """The optimiser did not converge: no parameters are returned rather than unreliable ones.

    ``at_bound`` lists the parameters that ran off to 0 or infinity, if any.
    """

    def __init__(self, message: str, at_bound: Iterable[str] = (), estimates: dict[str, float] | None = None) -> None:
        super().__init__(message)
        self.at_bound = list(at_bound)
        self.estimates = dict(estimates or {})



def aggregate_rows(columns: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Unique rows of the given columns, their counts (weights) and the inverse index.

    Each column is factorised on its own and the codes combined into one integer key, which
    is much faster than factorising rows of a multi-column frame.
    """
    names = list(columns)
    key = np.zeros(len(columns[names[0]]), dtype=np.int64)
    levels = []
    for name in names:
        codes, uniques = pd.factorize(np.asarray(columns[name], dtype=float))
        key = pd.factorize(key * len(uniques) + codes)[0].astype(np.int64)  # re-densify: no overflow
        levels.append((codes, np.asarray(uniques, dtype=float)))
    codes = key
    n_unique = int(codes.max()) + 1 if len(codes) else 0
    first_pos = np.full(n_unique, len(codes), dtype=np.int64)
    np.minimum.at(first_pos, codes, np.arange(len(codes)))
    weights = np.bincount(codes, minlength=n_unique).astype(float)
    data = {name: uniq[c[first_pos]] for name, (c, uniq) in zip(names, levels)}
    return data, weights, codes


def hessian_from_gradient(grad: Callable[[np.ndarray], np.ndarray], theta: np.ndarray,
                           rel_step: float = 1e-5, floor: float | np.ndarray = 1e-8) -> np.ndarray:
    """Central differences of an analytic gradient, symmetrised: column i = (g(θ+h_i) − g(θ−h_i)) / 2h_i, with
    ``h_i = rel_step · max(|θ_i|, floor_i)`` (``floor`` 1 for a real-valued parameter near 0)."""
    k = len(theta)
    h = rel_step * np.maximum(np.abs(theta), floor)
    H = np.empty((k, k))
    for i in range(k):
        e = np.zeros(k)
        e[i] = h[i]
        H[:, i] = (grad(theta + e) - grad(theta - e)) / (2 * h[i])
    return (H + H.T) / 2


def numeric_hessian(fun: Callable[[np.ndarray], float], theta: np.ndarray, rel_step: float = 1e-4,
                    floor: float | np.ndarray = 1e-8) -> np.ndarray:
    """Central-difference Hessian of ``fun`` at ``theta`` with steps ``rel_step · max(|θ_i|, floor_i)``."""
    k = len(theta)
    h = rel_step * np.maximum(np.abs(theta), floor)
    f0 = fun(theta)
    H = np.empty((k, k))
    for i in range(k):
        ei = np.zeros(k)
        ei[i] = h[i]
        H[i, i] = (fun(theta + ei) - 2 * f0 + fun(theta - ei)) / h[i] ** 2
        for j in range(i + 1, k):
            ej = np.zeros(k)
            ej[j] = h[j]
            H[i, j] = H[j, i] = (fun(theta + ei + ej) - fun(theta + ei - ej) - fun(theta - ei + ej)
                                 + fun(theta - ei - ej)) / (4 * h[i] * h[j])
    return H


class MaximumLikelihoodModel:
    """Shared machinery: log-parameter optimisation, convergence checks, Hessian-based inference.

    Subclasses define ``param_names`` (the paper's symbols) with ``param_labels`` (their meaning),
    ``model_data(summary)`` (distinct rows + weights) and ``loglikeobs(theta, data)`` (per-row
    log-likelihoods at natural parameters ``theta``), and optionally ``loglike_and_score(theta, data,
    weights)`` (weighted total log-likelihood and its analytic gradient w.r.t. the natural
    parameters) and ``start_params(data, weights)`` (starting values) — statsmodels'
    ``GenericLikelihoodModel`` names where it has one (``loglikeobs``, ``start_params``, the score). A new
    model is one such subclass in a file of its own plus one entry of :data:`helpers.clv.models.MODELS`,
    whose ``kind`` says which predictions it must offer (``tests/test_clv.py`` checks every entry).
    """

    param_names: tuple[str, ...] = ()
    param_labels: dict[str, str] = {}
    #: What a fit needs beyond a valid summary, by name, with the reason (:meth:`check_requirements`):
    #: ``"repeat_buyers"`` (some frequency > 0), ``"positive_spend"`` (monetary_value > 0 for every repeat buyer).
    #: The registry test (``tests/test_clv.py``) breaks each requirement a registered model names.
    requirements: dict[str, str] = {}

    def __init__(self, initial_params: dict[str, float] | None = None, tol: float = 1e-4, max_iter: int = 5000,
                 period_days: float | None = None) -> None:
        self.initial_params = initial_params
        self.tol = tol
        self.max_iter = max_iter
        self.period_days = period_days

    # ---- to be provided by subclasses
    def model_data(self, summary: pd.DataFrame) -> tuple[dict[str, np.ndarray], np.ndarray]:
        raise NotImplementedError

    def loglikeobs(self, theta: np.ndarray, data: dict[str, np.ndarray]) -> np.ndarray:
        raise NotImplementedError

    def loglike_and_score(self, theta: np.ndarray, data: dict[str, np.ndarray],
                          weights: np.ndarray) -> tuple[float, np.ndarray] | None:
        return None

    def start_params(self, data: dict[str, np.ndarray], weights: np.ndarray) -> np.ndarray:
        return np.ones(len(self.param_names))

    def real_valued(self) -> np.ndarray:
        """Which parameters (in :attr:`param_names` order) take any real value — covariate coefficients — and are
        optimised as they are; every other one is positive and optimised on its logarithm. None by default."""
        return np.zeros(len(self.param_names), dtype=bool)

    def _natural(self, z: np.ndarray) -> np.ndarray:
        """Natural parameters from the optimiser's: ``exp(z)``, or ``z`` itself for a real-valued parameter."""
        return np.where(self.real_valued(), z, np.exp(z))

    def _working(self, theta: np.ndarray) -> np.ndarray:
        """The optimiser's parameters from natural ones (the inverse of :meth:`_natural`)."""
        real, theta = self.real_valued(), np.asarray(theta, dtype=float)
        return np.where(real, theta, np.log(np.where(real, 1.0, theta)))

    # ---- what a summary must be
    def check_requirements(self, summary: pd.DataFrame) -> None:
        """Refuse a summary the model cannot be fitted on (:attr:`requirements`), with the reason."""
        name = type(self).__name__
        x = summary_column(summary, "frequency")
        if "repeat_buyers" in self.requirements and not (x > 0).any():
            raise DataError(f"no customer repeats (frequency is 0 for all {len(x):,}): {name} cannot be fitted, "
                            f"{self.requirements['repeat_buyers']}", file="summary", column="frequency",
                            hint="use a longer observation period, or data with repeat buyers")
        if "positive_spend" in self.requirements:
            m = summary_column(summary, "monetary_value")
            refuse((x > 0) & (m <= 0), summary, "monetary_value", "repeat buyer(s) with monetary_value ≤ 0",
                    lambda i: f" (frequency={x[i]:g}, monetary_value={m[i]:g})",
                    why=f"{name} needs positive spend ({self.requirements['positive_spend']})",
                    hint="leave these customers out of the spend model, or net returns into their sales "
                    "(clean_transactions(returns='net'))")

    # ---- the time unit
    def model_unit(self) -> TimeUnit | None:
        """The unit of the model's periods: the fitted summary's (``time_unit_``), else ``period_days`` given at
        construction, else None (unknown)."""
        unit = getattr(self, "time_unit_", None)
        if unit is None and self.period_days is not None:
            unit = TimeUnit(float(self.period_days))
        return unit

    def unit_factor(self, summary: pd.DataFrame) -> float:
        """Factor turning ``summary``'s times into the model's periods, after checking that the two units agree
        (:func:`helpers.clv.units.conversion`: exact when only ``time_scaler`` differs; a :class:`DataError`
        naming both units when they cannot be converted, or when one of them is unknown)."""
        return conversion(self.model_unit(), summary_unit(summary), type(self).__name__)

    # ---- fitting
    def fit(self, summary: pd.DataFrame) -> "MaximumLikelihoodModel":
        """Maximum-likelihood fit on a per-customer summary; returns ``self``.

        Identical rows are aggregated with weights first, so the cost grows with the number
        of distinct rows, not customers. The optimiser (L-BFGS-B on log-parameters — real-valued
        ones, :meth:`real_valued`, as they are, within ±:data:`REAL_BOUND` —, then
        Nelder-Mead and BFGS restarts if needed) must end with the largest gradient component
        (w.r.t. log-parameters, of the mean log-likelihood per customer) below ``tol``
        (default 1e-4) and no parameter run off to 0 or infinity; otherwise
        :class:`ConvergenceError` is raised. Standard errors: inverse of the numerical Hessian
        of the negative log-likelihood in the natural parameters at the optimum (central
        differences of the analytic gradient where there is one, else of the function, with
        relative steps), ``covariance_``, ``standard_errors_``.
        """
        if isinstance(summary, pd.DataFrame) and len(summary) == 0:
            raise DataError("no customers to fit", file="summary", hint="check the summary is not empty")
        data, weights = self.model_data(summary)
        self.check_requirements(summary)
        n = weights.sum()
        if n == 0:
            raise DataError("no customers to fit", file="summary", hint="check the summary is not empty")
        self.n_customers_ = int(n)
        self.n_distinct_rows_ = int(len(weights))
        self.time_unit_ = self._fitted_unit(summary)
        self.period_days_ = None if self.time_unit_ is None else self.time_unit_.period_days
        with np.errstate(all="ignore"):
            analytic = self.loglike_and_score(self._natural(self._start(data, weights)), data, weights) is not None
        real = self.real_valued()

        def negll(logp: np.ndarray) -> float:
            with np.errstate(all="ignore"):
                value = -np.dot(weights, self.loglikeobs(self._natural(logp), data)) / n
            return float(value) if np.isfinite(value) else 1e100

        def negll_grad(logp: np.ndarray) -> tuple[float, np.ndarray]:
            theta = self._natural(logp)
            with np.errstate(all="ignore"):
                total, grad = self.loglike_and_score(theta, data, weights)
            if not np.isfinite(total):
                return 1e100, np.zeros_like(logp)
            g = -grad * np.where(real, 1.0, theta) / n
            return float(-total / n), np.where(np.isfinite(g), g, 0.0)

        def grad_log(logp: np.ndarray) -> np.ndarray:
            if analytic:
                return negll_grad(logp)[1]
            h = 1e-5
            return np.array([(negll(logp + h * e) - negll(logp - h * e)) / (2 * h) for e in np.eye(len(logp))])

        start = self._start(data, weights)
        bounds = [(-REAL_BOUND, REAL_BOUND) if is_real else (-18.0, 18.0) for is_real in real]
        opts = {"maxiter": self.max_iter, "ftol": 1e-15, "gtol": 1e-10}
        if analytic:
            res = optimize.minimize(negll_grad, start, jac=True, method="L-BFGS-B", bounds=bounds, options=opts)
        else:
            res = optimize.minimize(negll, start, method="L-BFGS-B", bounds=bounds, options=opts)
        x = res.x
        attempts = [str(res.message)]
        for method in ("Nelder-Mead", "BFGS"):
            if np.max(np.abs(grad_log(x))) < self.tol and negll(x) < 1e99:
                break
            kw = ({"options": {"maxiter": 20_000, "xatol": 1e-10, "fatol": 1e-14}} if method == "Nelder-Mead"
                  else {"jac": grad_log, "options": {"maxiter": self.max_iter, "gtol": 1e-9}})
            res = optimize.minimize(negll, x, method=method, **kw)
            x = res.x
            attempts.append(str(res.message))
        gnorm = float(np.max(np.abs(grad_log(x))))
        at_bound = np.abs(x) > np.where(real, REAL_BOUND - 0.5, 17.5)
        if not gnorm < self.tol or negll(x) >= 1e99 or at_bound.any():
            where = (f"; parameter(s) {[self.param_names[i] for i in np.flatnonzero(at_bound)]} ran off to "
                     "0 or infinity (the data do not identify them)" if at_bound.any() else "")
            raise ConvergenceError(f"{type(self).__name__} did not converge (gradient norm {gnorm:.2e}{where}; "
                                   f"optimiser messages: {attempts}). Check the summary's units and contents, "
                                   "or pass initial_params.",
                                   at_bound=[self.param_names[i] for i in np.flatnonzero(at_bound)],
                                   estimates=dict(zip(self.param_names, self._natural(x))))
        theta = self._natural(x)
        self.params_ = pd.Series(theta, index=list(self.param_names), name="estimate")
        self.log_likelihood_ = float(-negll(x) * n)
        self.optimizer_result_ = res

        if analytic:
            def total_grad(th: np.ndarray) -> np.ndarray:
                with np.errstate(all="ignore"):
                    return -self.loglike_and_score(th, data, weights)[1]

            H = hessian_from_gradient(total_grad, theta, floor=np.where(real, 1.0, 1e-8))
        else:
            def total_negll(th: np.ndarray) -> float:
                with np.errstate(all="ignore"):
                    return float(-np.dot(weights, self.loglikeobs(th, data)))

            H = numeric_hessian(total_negll, theta, floor=np.where(real, 1.0, 1e-8))
        self.hessian_ = pd.DataFrame(H, index=list(self.param_names), columns=list(self.param_names))
        try:
            cov = np.linalg.inv(H)
            ok = np.all(np.isfinite(cov)) and np.all(np.diag(cov) > 0)
        except np.linalg.LinAlgError:
            ok = False
        if not ok:
            cov = np.full_like(H, np.nan)
        self.covariance_ = pd.DataFrame(cov, index=list(self.param_names), columns=list(self.param_names))
        self.standard_errors_ = pd.Series(np.sqrt(np.diag(cov)), index=list(self.param_names), name="std_err")
        return self

    def _fitted_unit(self, summary: pd.DataFrame) -> TimeUnit | None:
        """The summary's unit (its ``attrs``); ``period_days`` given at construction states it for a summary
        without one, and must agree with one that has it."""
        unit = summary_unit(summary)
        if self.period_days is None:
            return unit
        given = TimeUnit(float(self.period_days))
        if unit is None:
            return given
        conversion(given, unit, type(self).__name__)  # the same length, or a DataError naming both
        return unit

    def _start(self, data, weights) -> np.ndarray:
        if self.initial_params:
            return self._working([float(self.initial_params[p]) for p in self.param_names])
        return self._working(self.start_params(data, weights))

    def _check_fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise RuntimeError(f"{type(self).__name__} is not fitted yet: call fit(summary) first")

    def confidence_intervals_(self, alpha: float = 0.05, scale: str = "log") -> pd.DataFrame:
        """Wald confidence intervals at level ``1 − alpha`` from the inverse-Hessian standard errors.

        ``scale="log"`` (default) builds the interval for ``log θ`` (standard error ``SE/θ``,
        delta method) and maps it back, ``θ·exp(±z·SE/θ)``: always positive, as the parameters
        are; a real-valued parameter (:meth:`real_valued`: a covariate coefficient) gets ``θ ± z·SE``
        on either scale. ``scale="natural"`` gives ``θ ± z·SE``.
        """
        self._check_fitted()
        z = stats.norm.ppf(1 - alpha / 2)
        est, se = self.params_.to_numpy(), self.standard_errors_.to_numpy()
        if scale == "log":
            lo, hi = est * np.exp(-z * se / est), est * np.exp(z * se / est)
            real = self.real_valued()  # covariate coefficients: θ ± z·SE (they may be negative)
            lo, hi = np.where(real, est - z * se, lo), np.where(real, est + z * se, hi)
        elif scale == "natural":
            lo, hi = est - z * se, est + z * se
        else:
            raise ValueError("scale must be 'log' or 'natural'")
        pct = f"{100 * (1 - alpha):g}%"
        return pd.DataFrame({f"lower {pct}": lo, f"upper {pct}": hi}, index=self.params_.index)

    def summary(self, alpha: float = 0.05) -> pd.DataFrame:
        """Estimates, standard errors and confidence intervals, like statsmodels' summary table.

        ``attrs`` carry the log-likelihood, the number of customers and of distinct rows.
        """
        self._check_fitted()
        table = pd.concat([self.params_, self.standard_errors_, self.confidence_intervals_(alpha)], axis=1)
        table.index.name = "parameter"
        table.insert(0, "meaning", [self.param_labels.get(p, "") for p in table.index])
        table.attrs = {"model": type(self).__name__, "log_likelihood": self.log_likelihood_,
                       "n_customers": self.n_customers_, "n_distinct_rows": self.n_distinct_rows_}
        return table

    def __repr__(self) -> str:
        if hasattr(self, "params_"):
            inner = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
            return f"{type(self).__name__}({inner}, log_likelihood={self.log_likelihood_:.2f})"
        return f"{type(self).__name__}(not fitted)"

    def fitted_params(self) -> tuple[float, ...]:
        """The fitted parameters as plain floats, in :attr:`param_names` order (for the models' formulas)."""
        self._check_fitted()
        return tuple(float(v) for v in self.params_.to_numpy())

    def summary_index(self, summary: pd.DataFrame) -> pd.Index:
        """The index a prediction for ``summary`` carries: the summary's own, so results align with it."""
        return summary.index


class TransactionModel(MaximumLikelihoodModel):
    """A model of how many purchases a customer makes (registry kind ``"transaction"``), fitted on the
    ``frequency, recency, T`` of a summary.

    A subclass gives the model's formula of the expected purchases on arrays,
    :meth:`conditional_expected_purchases`, and ``probability_alive(summary)``,
    ``expected_purchases_new_customer(t)``, ``probability_of_n_purchases(t, n)``.
    """

    requirements = {"repeat_buyers": "the heterogeneity of purchase rates and dropout cannot be estimated from one "
                                     "purchase per customer (the likelihood keeps rising as the rates' scale "
                                     "runs off to infinity)"}

    def conditional_expected_purchases(self, t: float, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
        """E[Y(t) | x, t_x, T] on arrays of validated histories in model periods (the form the CLV sum and
        the diagnostics evaluate on distinct rows or on a grid)."""
        raise NotImplementedError

    def conditional_expected_purchases_at(self, times: Iterable[float], x: np.ndarray, t_x: np.ndarray,
                                          T: np.ndarray) -> Iterator[np.ndarray]:
        """:meth:`conditional_expected_purchases` at each ``t`` of ``times`` in turn (model periods), for the sums
        over many times (the CLV's discounted steps); a model whose formula separates the part that depends on
        ``t`` evaluates it once per distinct history instead (:class:`~helpers.clv.models.beta_geo.BetaGeo`)."""
        for t in times:
            yield self.conditional_expected_purchases(float(t), x, t_x, T)

    def histories(self, summary: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Validated ``(x, t_x, T)`` of ``summary`` (:func:`rfm_arrays`) with the times in the model's periods
        (:meth:`unit_factor`: checked against the unit the model was fitted in, converted when exact)."""
        x, t_x, T = rfm_arrays(summary)
        factor = self.unit_factor(summary)
        return (x, t_x, T) if factor == 1.0 else (x, t_x * factor, T * factor)

    def expected_purchases(self, t: float, summary: pd.DataFrame) -> pd.Series:
        """E[Y(t) | x, t_x, T]: each customer's expected purchases in the next ``t`` model periods, given
        their history in ``summary`` (the model's formula: :meth:`conditional_expected_purchases`)."""
        x, t_x, T = self.histories(summary)
        return pd.Series(self.conditional_expected_purchases(float(t), x, t_x, T), index=self.summary_index(summary),
                         name="expected_purchases")
