"""Data with known parameters, to check that the estimators find them.

:func:`simulate_bgnbd` and :func:`simulate_spend` draw per-customer summaries exactly from the
BG/NBD and Gamma-Gamma processes; :func:`group_truth` gives the true BG/NBD parameters of the groups
of :mod:`helpers.simulate`'s transaction logs, :func:`simulated_groups` the group of each customer of the
SIMULATED export, and :func:`recovery_table` sets fitted estimates
(:func:`helpers.clv.fit_by_group`) beside them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..simulate import GROUPS
from .models.beta_geo import BetaGeo


def simulate_bgnbd(n_customers: int, r: float, alpha: float, a: float, b: float, T: float | np.ndarray,
                   seed: int = 0) -> pd.DataFrame:
    """Summaries ``(frequency, recency, T)`` drawn exactly from the BG/NBD process, in continuous time.

    ``λ ~ Gamma(r, α)``, ``p ~ Beta(a, b)``; ``N ~ Poisson(λT)`` events while alive, the customer
    drops out after purchase ``K ~ Geometric(p)``, so ``x = min(N, K)``; given ``N`` the event
    times are uniform order statistics, so ``t_x = T · Beta(x, N − x + 1)``. ``T`` is a number
    or one value per customer (model periods). For testing estimators against known parameters;
    :mod:`helpers.simulate` produces whole transaction logs.
    """
    rng = np.random.default_rng(seed)
    T = np.broadcast_to(np.asarray(T, dtype=float), (n_customers,)).copy()
    lam = rng.gamma(r, 1.0 / alpha, n_customers)
    p = rng.beta(a, b, n_customers)
    N = rng.poisson(lam * T)
    K = rng.geometric(p)
    x = np.minimum(N, K)
    t_x = np.zeros(n_customers)
    has = x > 0
    t_x[has] = T[has] * rng.beta(x[has], N[has] - x[has] + 1)
    out = pd.DataFrame({"customer_id": np.arange(n_customers), "frequency": x.astype(float), "recency": t_x, "T": T})
    out.attrs = {"true_params": {"r": r, "alpha": alpha, "a": a, "b": b}, "alive": N < K}
    return out


def simulate_spend(frequency: np.ndarray, p: float, q: float, v: float, seed: int = 0) -> np.ndarray:
    """Mean spend of ``frequency`` repeat transactions under Gamma-Gamma: ``ν ~ Gamma(q, rate v)``,
    each transaction ``~ Gamma(p, rate ν)``, so the mean of ``x`` of them is ``Gamma(px, rate xν)``.
    0 where ``frequency`` is 0."""
    rng = np.random.default_rng(seed)
    x = np.asarray(frequency, dtype=float)
    nu = rng.gamma(q, 1.0 / v, x.size)
    mean = np.zeros(x.size)
    pos = x > 0
    mean[pos] = rng.gamma(p * x[pos], 1.0 / (x[pos] * nu[pos]))
    return mean


def simulated_groups(summary: pd.DataFrame, raw_dir: str | Path) -> pd.Series:
    """The simulated group of each customer of ``summary`` (aligned with it), from the SIMULATED export's
    ``truth/customers_truth.csv`` in ``raw_dir``; missing (``NaN``) for a customer the truth does not list."""
    truth = pd.read_csv(Path(raw_dir) / "truth" / "customers_truth.csv", dtype={"customer_id": str})
    return summary["customer_id"].astype(str).map(truth.set_index("customer_id")["group"])


def group_truth(period_days: float = 7.0) -> pd.DataFrame:
    """True BG/NBD parameters of the simulated groups (:data:`helpers.simulate.GROUPS`), long format.

    The simulation's time unit is the week; ``alpha`` (a rate in periods) is converted to a model
    period of ``period_days`` days: ``alpha × 7 / period_days`` (``r, a, b`` have no unit).
    """
    scale = {"r": 1.0, "alpha": 7.0 / float(period_days), "a": 1.0, "b": 1.0}
    return pd.DataFrame([{"group": g.name, "parameter": p, "true": getattr(g, p) * scale[p]}
                         for g in GROUPS.values() for p in BetaGeo.param_names])


def recovery_table(fitted: pd.DataFrame, truth: pd.DataFrame | None = None) -> pd.DataFrame:
    """:func:`fit_by_group` output beside the true values, with whether the 95% CI covers the truth
    (``truth`` defaults to :func:`group_truth` in weeks)."""
    truth = group_truth() if truth is None else truth
    out = fitted.merge(truth, on=["group", "parameter"], how="left")
    lo = [c for c in out.columns if c.startswith("lower")][0]
    hi = [c for c in out.columns if c.startswith("upper")][0]
    out["covered"] = (out[lo] <= out["true"]) & (out["true"] <= out[hi])
    out["relative error"] = (out["estimate"] - out["true"]) / out["true"]
    return out[["group", "parameter", "true", "estimate", "std_err", lo, hi, "covered", "relative error",
                "customers"]]


# ---- issue 19 (evaluate): Pareto/NBD summaries with known parameters, for the interval coverage test
def simulate_pareto_nbd(n_customers: int, r: float, alpha: float, s: float, beta: float, T: float | np.ndarray,
                        seed: int = 0) -> pd.DataFrame:
    """Summaries ``(frequency, recency, T)`` drawn exactly from the Pareto/NBD process (Schmittlein, Morrison &
    Colombo 1987), in continuous time.

    ``λ ~ Gamma(r, α)``, ``μ ~ Gamma(s, β)`` (rates per model period); the lifetime is ``τ ~ Exponential(μ)``; while
    alive purchases are Poisson(λ), so ``x ~ Poisson(λ · min(τ, T))`` and, given ``x``, the purchase times are uniform
    on ``(0, min(τ, T))``: the last is ``t_x = min(τ, T) · Beta(x, 1)``. ``T`` is a number or one value per customer
    (model periods). ``attrs`` hold the true parameters and who is alive at ``T``.
    """
    rng = np.random.default_rng(seed)
    T = np.broadcast_to(np.asarray(T, dtype=float), (n_customers,)).copy()
    lam = rng.gamma(r, 1.0 / alpha, n_customers)
    mu = rng.gamma(s, 1.0 / beta, n_customers)
    tau = rng.exponential(1.0 / mu)
    active = np.minimum(tau, T)
    x = rng.poisson(lam * active)
    t_x = np.zeros(n_customers)
    has = x > 0
    t_x[has] = active[has] * rng.beta(x[has], 1.0)
    out = pd.DataFrame({"customer_id": np.arange(n_customers), "frequency": x.astype(float), "recency": t_x, "T": T})
    out.attrs = {"true_params": {"r": r, "alpha": alpha, "s": s, "beta": beta}, "alive": tau > T}
    return out
