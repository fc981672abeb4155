"""Per-customer intervals for P(alive), expected purchases and CLV: a parametric bootstrap over the fitted
parameters.

**What the intervals cover.** A fitted model's predictions for a customer — P(alive), the expected number
of purchases ``E[Y(t) | x, t_x, T]`` and the CLV (the expected discounted value) — are functions of the
customer's own history and of the model's parameters. The history is known; the parameters are estimated.
The intervals here carry the **estimation uncertainty of the parameters only**: a 90 % interval is meant to
hold the value the same formula gives under the *true* parameters in 90 % of cases. They are *not*
prediction intervals for what the customer will actually do (how many purchases they make is a Poisson count
on top of an unknown purchase rate and an unknown alive/dead state, a far wider spread), and they take the
model itself as right.

**Method** (parametric bootstrap, e.g. Efron & Tibshirani 1993, ch. 6; the "simulation" method of
Krinsky & Robb 1986): the maximum-likelihood estimate is asymptotically normal. The models are estimated on
log-parameters (:class:`~helpers.clv.models.base.MaximumLikelihoodModel`), so the draws are made on that scale,
``log θ ~ N(log θ̂, Σ_log)`` with ``Σ_log = diag(1/θ̂) Σ diag(1/θ̂)`` (delta method from the natural-scale
inverse Hessian ``covariance_``): every draw is positive, as the parameters are. The draws are
scrambled Sobol' points mapped to that normal (:class:`scipy.stats.qmc.MultivariateNormalQMC`, seeded:
the same ``seed`` gives the same bytes), which estimate quantiles with less noise than plain random draws. Each
draw is a copy of the model with those parameters (:func:`with_params`), evaluated through the model's own
methods — ``probability_alive``, ``conditional_expected_purchases`` and, for the spend model,
``expected_spend`` — so any transaction model of the registry (:data:`helpers.clv.models.MODELS`) works
unchanged. The spend model (Gamma-Gamma) is drawn independently of the transaction model: the two are fitted
on separate likelihoods whose parameters the BTYD framework assumes independent (Fader, Hardie & Lee 2005,
JMR), so the joint covariance is block-diagonal. The interval is the ``(1 − level)/2`` and ``(1 + level)/2``
quantiles of the draws per customer (linear interpolation, numpy's default); the point estimate is the value
at the estimates, as :func:`helpers.clv.score_customers` gives it.

**Cost.** Customers are reduced to distinct histories (``x, t_x, T`` and, for CLV, ``monetary_value``)
and processed in chunks of ``chunk_size`` rows, so memory stays at ``draws × chunk_size`` floats per quantity.
The CLV sum over ``horizon`` steps (:func:`helpers.clv.customer_lifetime_value`) is, per draw, evaluated
at ``clv_nodes`` times only: ``E[Y(t)]`` is a smooth function of ``t``, so its interpolating polynomial
through Chebyshev–Lobatto points of ``[0, horizon]`` gives the discounted sum as a fixed weighted sum of
those values (:func:`clv_quadrature`); on CDNOW the bounds agree with the step-by-step sum to 5 × 10⁻⁷
(relative) with 4 nodes for 52 weeks, and to 8 × 10⁻⁵ for 260 weeks (``tests/test_clv_intervals.py``
checks it). The CLV bounds are those draws' quantiles scaled by ``exact CLV / quadrature CLV`` at the
estimates, so the point estimate is exactly the step-by-step CLV.

Efron, B. & Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*. Chapman & Hall.
Krinsky, I. & Robb, A. L. (1986). On approximating the statistical properties of elasticities.
*Review of Economics and Statistics* 68(4), 715–719.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import DataError
from ..largelog import progress
from .models.base import MaximumLikelihoodModel, TransactionModel, aggregate_rows
from .models.checks import spend_arrays
from .units import STEP_DAYS, unit_attrs
from .value import customer_lifetime_value, per_step_discount, period_days_of

#: The quantities :func:`customer_intervals` returns, in column order.
QUANTITIES = ("p_alive", "expected_purchases", "clv")


def with_params(model: MaximumLikelihoodModel, params: dict[str, float] | np.ndarray) -> MaximumLikelihoodModel:
    """A shallow copy of a fitted ``model`` whose parameters are ``params`` (a mapping by name, or values in
    the order of ``model.covariance_``'s index); its predictions then use them. A Gamma-Gamma fit at its boundary
    (``boundary_``: ``q, v = ∞``) is drawn as its limit, ``p`` and the common rate ``nu``."""
    if not hasattr(model, "params_"):
        raise RuntimeError(f"{type(model).__name__} is not fitted yet: call fit(summary) first")
    names = list(model.covariance_.index)
    values = (np.array([float(params[n]) for n in names]) if isinstance(params, dict)
              else np.asarray(params, dtype=float))
    out = copy.copy(model)
    new = model.params_.copy()
    for name, value in zip(names, values):
        if name in new.index:
            new[name] = value
        else:  # Gamma-Gamma's boundary limit: the common rate ν
            setattr(out, "rate_", float(value))
    out.params_ = new
    return out


def estimates(model: MaximumLikelihoodModel) -> np.ndarray:
    """The estimates in the order of ``model.covariance_``'s index (``p, nu`` for a Gamma-Gamma boundary fit)."""
    names = list(model.covariance_.index)
    return np.array([float(model.params_[n]) if n in model.params_.index else float(model.rate_) for n in names])


def parameter_draws(model: MaximumLikelihoodModel, draws: int = 128, seed: int = 0) -> np.ndarray:
    """``draws`` parameter vectors (rows; columns as ``model.covariance_``) from the estimates' asymptotic normal on
    the log scale, ``log θ ~ N(log θ̂, diag(1/θ̂) Σ diag(1/θ̂))``, as scrambled Sobol' points (seeded).

    Refuses (``ValueError``) a ``draws`` that is not a power of 2 (the Sobol' points are balanced only then), and
    (:class:`~helpers.errors.DataError`) a fit without a usable covariance matrix (a Hessian that could not be
    inverted): there is then no parameter uncertainty to propagate."""
    if int(draws) != draws or draws < 2 or int(draws) & (int(draws) - 1):
        raise ValueError(f"draws must be a power of 2 (64, 128, 256, …), not {draws!r}: scrambled Sobol' points are "
                         "balanced only then")
    theta = estimates(model)
    cov = model.covariance_.to_numpy(dtype=float)
    cov_log = cov / np.outer(theta, theta)
    ok = np.all(np.isfinite(cov_log)) and np.all(np.linalg.eigvalsh((cov_log + cov_log.T) / 2) > 0)
    if not ok:
        raise DataError(f"{type(model).__name__} has no usable covariance matrix (the Hessian at the estimates could "
                        "not be inverted): its parameter uncertainty cannot be propagated to customers",
                        file="model", hint="check the fit's standard errors (model.summary()); refit on more customers")
    sampler = stats.qmc.MultivariateNormalQMC(mean=np.log(theta), cov=(cov_log + cov_log.T) / 2,
                                              seed=np.random.default_rng(seed))
    return np.exp(sampler.random(int(draws)))


def clv_quadrature(horizon: int, discount_per_step: float, nodes: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """Evaluation times (in steps) and weights such that ``Σ_j w_j E[Y(s_j)]`` is the discounted sum
    ``Σ_{k=1}^{H} (E[Y(k)] − E[Y(k−1)]) / (1 + d)^k`` of :func:`~helpers.clv.customer_lifetime_value`.

    With ``horizon ≤ nodes`` the times are the steps themselves and the sum is exact (summation by parts:
    weights ``v^k − v^{k+1}`` and ``v^H`` for ``k = H``, ``v = 1/(1 + d)``). Otherwise ``E[Y]`` is replaced by its
    interpolating polynomial through the Chebyshev–Lobatto points ``s_j = H (1 − cos(jπ/n)) / 2``, ``j = 0 … n``
    (``E[Y(0)] = 0``, so ``s_0`` needs no evaluation), whose discounted step sum is exact for polynomials of
    degree ≤ ``nodes`` and converges geometrically for the smooth ``E[Y(t)]`` of the BTYD models.
    """
    H = int(horizon)
    v = 1.0 / (1.0 + float(discount_per_step))
    if H <= nodes:
        times = np.arange(1, H + 1, dtype=float)
        weights = v ** times - np.where(times < H, v ** (times + 1), 0.0)
        return times, weights
    j = np.arange(nodes + 1)
    points = H * (1.0 - np.cos(j * np.pi / nodes)) / 2.0
    steps = np.arange(H + 1, dtype=float)
    basis = np.ones((nodes + 1, H + 1))  # Lagrange basis polynomials at the whole steps
    for a in range(nodes + 1):
        for b in range(nodes + 1):
            if a != b:
                basis[a] *= (steps - points[b]) / (points[a] - points[b])
    weights = (np.diff(basis, axis=1) * v ** np.arange(1, H + 1)).sum(axis=1)
    return points[1:], weights[1:]


def customer_intervals(
    transaction_model: TransactionModel,
    summary: pd.DataFrame,
    spend_model: MaximumLikelihoodModel | None = None,
    *,
    horizon: int = 52,
    time_unit: str = "W",
    discount_rate: float = 0.10,
    discount_rate_period: str = "Y",
    level: float = 0.90,
    draws: int = 128,
    seed: int = 0,
    chunk_size: int = 20_000,
    clv_nodes: int = 4,
) -> pd.DataFrame:
    """Point estimate and ``level`` interval of P(alive), expected purchases and (with ``spend_model``) CLV per
    customer, from the fitted models' parameter uncertainty (parametric bootstrap; see the module docstring for
    what the interval covers — the parameters' uncertainty, not the customer's own randomness — and the method).

    Parameters
    ----------
    transaction_model, spend_model
        Fitted models (a transaction model of the registry; Gamma-Gamma or ``None`` for no CLV).
    summary
        The customers: ``frequency, recency, T`` (and ``monetary_value`` for CLV) with their unit in ``attrs``, as
        :func:`helpers.clv.rfm_summary` writes it (checked against the models').
    horizon, time_unit, discount_rate, discount_rate_period
        As :func:`helpers.clv.customer_lifetime_value`: ``horizon`` steps of ``time_unit`` (default 52 weeks),
        an annual rate by default. ``expected_purchases`` is over the same horizon.
    level
        Interval level, e.g. 0.90 (the 5 % and 95 % quantiles of the draws).
    draws, seed
        Parameter draws (a power of 2) and the seed of the scrambled Sobol' sequence.
    chunk_size, clv_nodes
        Distinct histories per chunk (memory: ``draws × chunk_size`` floats per quantity) and evaluation times of
        the CLV sum per draw (:func:`clv_quadrature`).

    Returns
    -------
    DataFrame
        Indexed like ``summary``: ``customer_id`` (when the summary has one), then per quantity its point estimate
        and ``<quantity>_lower``, ``<quantity>_upper`` — ``p_alive`` (probability), ``expected_purchases`` (purchases
        in the horizon), ``clv`` (currency of ``monetary_value``). ``attrs``: level, draws, seed, horizon, models.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1 (e.g. 0.9), not {level!r}")
    unit = str(time_unit).upper()
    if unit not in STEP_DAYS:
        raise ValueError(f"time_unit must be one of {list(STEP_DAYS)}")
    if int(horizon) != horizon or horizon < 1:
        raise ValueError(f"horizon must be a whole number of {unit} steps ≥ 1, not {horizon!r}")
    step = STEP_DAYS[unit] / period_days_of(transaction_model)
    d = per_step_discount(discount_rate, STEP_DAYS[unit], STEP_DAYS[str(discount_rate_period).upper()])
    times, weights = clv_quadrature(int(horizon), d, clv_nodes)
    x, t_x, T = transaction_model.histories(summary)
    key = {"x": x, "t_x": t_x, "T": T}
    if spend_model is not None:
        key["m"] = spend_arrays(summary)[1]
    rows, _, codes = aggregate_rows(key)
    n_rows = len(rows["x"])

    transaction_draws = [with_params(transaction_model, th) for th in parameter_draws(transaction_model, draws, seed)]
    spend_draws = ([with_params(spend_model, th) for th in parameter_draws(spend_model, draws, seed + 1)]
                   if spend_model is not None else [])
    point = {"p_alive": np.empty(n_rows), "expected_purchases": np.empty(n_rows), "clv_quadrature": np.empty(n_rows)}
    bounds = {q: np.empty((2, n_rows)) for q in QUANTITIES}
    probs = [(1 - level) / 2, (1 + level) / 2]
    starts = range(0, n_rows, int(chunk_size))
    for start in progress(starts, n_rows * int(draws), "bootstrap intervals (chunks of customers)"):
        part = slice(start, min(start + int(chunk_size), n_rows))
        chunk = {name: column[part] for name, column in rows.items()}
        frame = pd.DataFrame({"frequency": chunk["x"], "recency": chunk["t_x"], "T": chunk["T"]})
        frame.attrs = unit_attrs(transaction_model.model_unit())  # the histories are in the model's periods
        spend_frame = None
        if spend_model is not None:
            spend_frame = pd.DataFrame({"frequency": chunk["x"], "monetary_value": chunk["m"]})
            spend_frame.attrs = unit_attrs(spend_model.model_unit())
        values = _evaluate(transaction_model, spend_model, frame, spend_frame, chunk, times, weights, step)
        for name in point:
            point[name][part] = values[name]
        sampled = {q: np.empty((int(draws), part.stop - part.start)) for q in QUANTITIES}
        for i, model_i in enumerate(transaction_draws):
            spend_i = spend_draws[i] if spend_draws else None
            got = _evaluate(model_i, spend_i, frame, spend_frame, chunk, times, weights, step)
            sampled["p_alive"][i] = got["p_alive"]
            sampled["expected_purchases"][i] = got["expected_purchases"]
            sampled["clv"][i] = got["clv_quadrature"]
        for q in QUANTITIES:
            bounds[q][:, part] = np.quantile(sampled[q], probs, axis=0)

    out = pd.DataFrame(index=summary.index)
    if "customer_id" in summary.columns:
        out["customer_id"] = summary["customer_id"].to_numpy()
    for q in ("p_alive", "expected_purchases"):
        out[q] = point[q][codes]
        out[f"{q}_lower"], out[f"{q}_upper"] = bounds[q][0][codes], bounds[q][1][codes]
    if spend_model is not None:
        clv = customer_lifetime_value(transaction_model, spend_model, summary, horizon=int(horizon), time_unit=unit,
                                      discount_rate=discount_rate, discount_rate_period=discount_rate_period).to_numpy()
        approx = point["clv_quadrature"][codes]
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(approx > 0, clv / approx, 0.0)
        out["clv"] = clv
        out["clv_lower"], out["clv_upper"] = bounds["clv"][0][codes] * scale, bounds["clv"][1][codes] * scale
    out.attrs = {"level": float(level), "draws": int(draws), "seed": int(seed), "horizon": f"{int(horizon)} {unit}",
                 "discount_rate": float(discount_rate), "transaction_model": type(transaction_model).__name__,
                 "spend_model": type(spend_model).__name__ if spend_model is not None else None,
                 "covers": "parameter uncertainty (asymptotic normal of the MLE), not the customer's own randomness"}
    return out


def _evaluate(model: TransactionModel, spend_model: MaximumLikelihoodModel | None, frame: pd.DataFrame,
              spend_frame: pd.DataFrame | None, chunk: dict[str, np.ndarray], times: np.ndarray, weights: np.ndarray,
              step: float) -> dict[str, np.ndarray]:
    """P(alive), expected purchases over the horizon (the last quadrature time) and the quadrature CLV of one
    parameter vector, on a chunk of distinct histories."""
    x, t_x, T = chunk["x"], chunk["t_x"], chunk["T"]
    purchases = [model.conditional_expected_purchases(float(s * step), x, t_x, T) for s in times]
    out = {"p_alive": model.probability_alive(frame).to_numpy(), "expected_purchases": purchases[-1]}
    if spend_model is not None:
        out["clv_quadrature"] = spend_model.expected_spend(spend_frame).to_numpy() * np.dot(weights, purchases)
    else:
        out["clv_quadrature"] = np.zeros(len(x))
    return out


def interval_coverage(intervals: pd.DataFrame, truth: pd.DataFrame, quantities: Any = QUANTITIES) -> pd.DataFrame:
    """Share of customers whose interval holds the true value, per quantity.

    ``truth`` has the same index and a column per quantity (e.g. :func:`customer_quantities` under the true
    parameters). Customers whose interval is a single point equal to the truth (e.g. BG/NBD's P(alive) = 1 for
    every parameter when ``frequency = 0``) carry no information on coverage and are counted apart
    (``degenerate``), not as covered. Returns ``quantity, customers, degenerate, covered, coverage``.
    """
    rows = []
    for q in quantities:
        if q not in intervals.columns or q not in truth.columns:
            continue
        lo, hi = intervals[f"{q}_lower"].to_numpy(), intervals[f"{q}_upper"].to_numpy()
        true = truth[q].reindex(intervals.index).to_numpy(dtype=float)
        degenerate = (lo == hi) & np.isclose(true, lo, rtol=1e-12, atol=1e-15)
        inside = (lo <= true) & (true <= hi) & ~degenerate
        n = int((~degenerate).sum())
        rows.append((q, n, int(degenerate.sum()), int(inside.sum()), inside.sum() / n if n else float("nan")))
    return pd.DataFrame(rows, columns=["quantity", "customers", "degenerate", "covered", "coverage"])


def customer_quantities(transaction_model: TransactionModel, summary: pd.DataFrame,
                        spend_model: MaximumLikelihoodModel | None = None, *, horizon: int = 52, time_unit: str = "W",
                        discount_rate: float = 0.10) -> pd.DataFrame:
    """P(alive), expected purchases over ``horizon`` steps and (with ``spend_model``) CLV at the models' current
    parameters, indexed like ``summary`` — the point estimates of :func:`customer_intervals`, or, for models given
    the true parameters (:func:`with_params`), the values an interval is meant to cover."""
    unit = str(time_unit).upper()
    x, t_x, T = transaction_model.histories(summary)
    t = int(horizon) * STEP_DAYS[unit] / period_days_of(transaction_model)
    out = pd.DataFrame({"p_alive": transaction_model.probability_alive(summary).to_numpy(),
                        "expected_purchases": transaction_model.conditional_expected_purchases(t, x, t_x, T)},
                       index=summary.index)
    if spend_model is not None:
        out["clv"] = customer_lifetime_value(transaction_model, spend_model, summary, horizon=int(horizon),
                                             time_unit=unit, discount_rate=discount_rate).to_numpy()
    return out
