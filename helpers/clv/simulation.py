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

from ..simulate import CHANNELS, GROUPS
from .models.beta_geo import BetaGeo


def simulate_bgnbd(n_customers: int, r: float, alpha: float, a: float, b: float, T: float | np.ndarray,
                   seed: int = 0, dropout_at_zero: bool = False) -> pd.DataFrame:
    """Summaries ``(frequency, recency, T)`` drawn exactly from the BG/NBD process, in continuous time.

    ``λ ~ Gamma(r, α)``, ``p ~ Beta(a, b)``; ``N ~ Poisson(λT)`` events while alive, the customer
    drops out after purchase ``K ~ Geometric(p)``, so ``x = min(N, K)``; given ``N`` the event
    times are uniform order statistics, so ``t_x = T · Beta(x, N − x + 1)``. ``T`` is a number
    or one value per customer (model periods). For testing estimators against known parameters;
    :mod:`helpers.simulate` produces whole transaction logs.

    ``dropout_at_zero=True`` draws the MBG/NBD process (Batislam et al. 2007) instead: the customer also
    drops out with probability ``p`` right after the first purchase (then ``x = 0``, dead). The draws
    before it are the same, so the BG/NBD sample of a seed is unchanged.
    """
    rng = np.random.default_rng(seed)
    T = np.broadcast_to(np.asarray(T, dtype=float), (n_customers,)).copy()
    lam = rng.gamma(r, 1.0 / alpha, n_customers)
    p = rng.beta(a, b, n_customers)
    N = rng.poisson(lam * T)
    K = rng.geometric(p)
    x = np.minimum(N, K)
    alive = N < K
    if dropout_at_zero:  # issue 19 (discrete): MBG/NBD's dropout chance at time 0
        at_zero = rng.random(n_customers) < p
        x, alive = np.where(at_zero, 0, x), alive & ~at_zero
    t_x = np.zeros(n_customers)
    has = x > 0
    t_x[has] = T[has] * rng.beta(x[has], N[has] - x[has] + 1)
    out = pd.DataFrame({"customer_id": np.arange(n_customers), "frequency": x.astype(float), "recency": t_x, "T": T})
    out.attrs = {"true_params": {"r": r, "alpha": alpha, "a": a, "b": b}, "alive": alive}
    return out


def simulate_pareto_nbd(n_customers: int, r: float, alpha: float | np.ndarray, s: float, beta: float | np.ndarray,
                        T: float | np.ndarray, seed: int = 0) -> pd.DataFrame:
    """Summaries ``(frequency, recency, T)`` drawn exactly from the Pareto/NBD process, in continuous time.

    ``λ ~ Gamma(r, α)``, ``μ ~ Gamma(s, β)``; the customer is alive for ``τ ~ Exponential(μ)`` periods and buys
    ``x ~ Poisson(λ·min(τ, T))`` times in ``(0, min(τ, T)]``; given ``x`` the purchase times are uniform there, so
    ``t_x = min(τ, T) · Beta(x, 1)``. ``alpha``, ``beta`` and ``T`` are numbers or one value per customer.
    """
    rng = np.random.default_rng(seed)
    T = np.broadcast_to(np.asarray(T, dtype=float), (n_customers,)).copy()
    lam = rng.gamma(r, 1.0 / np.asarray(alpha, dtype=float), n_customers)
    mu = rng.gamma(s, 1.0 / np.asarray(beta, dtype=float), n_customers)
    tau = rng.exponential(1.0 / mu)
    active = np.minimum(tau, T)
    x = rng.poisson(lam * active)
    t_x = np.zeros(n_customers)
    has = x > 0
    t_x[has] = active[has] * rng.beta(x[has], 1.0)
    out = pd.DataFrame({"customer_id": np.arange(n_customers), "frequency": x.astype(float), "recency": t_x, "T": T})
    out.attrs = {"true_params": {"r": r, "alpha": alpha, "s": s, "beta": beta}, "alive": tau > T}
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


#: True parameters for the covariate recovery checks (time unit: weeks), in the parametrisation of Fader & Hardie
#: (2007 note 019): BG/NBD at the simulation's "mainstream" group, Pareto/NBD near the CDNOW estimates, with effects
#: of being a 小米社区 community member, attending a 同城会 meet-up and the acquisition channel (carrier / offline
#: store; the online mall is the reference level). ``gamma1[·]``: purchase (α), ``gamma2[·]``: dropout (BG/NBD a,
#: Pareto/NBD β), ``gamma3[·]``: BG/NBD b.
COVARIATE_TRUTH: dict[str, dict[str, float]] = {
    "bg_nbd": {"r": 0.5, "alpha0": 14.0, "a0": 0.8, "b0": 3.2,
               "gamma1[community_member]": 0.4, "gamma1[meetup]": 0.3, "gamma1[carrier]": -0.5,
               "gamma1[offline_store]": -0.2, "gamma2[community_member]": -0.5, "gamma3[community_member]": 0.4},
    "pareto_nbd": {"r": 0.55, "alpha0": 10.6, "s": 0.6, "beta0": 11.7,
                   "gamma1[community_member]": 0.4, "gamma1[meetup]": 0.3, "gamma1[carrier]": -0.5,
                   "gamma1[offline_store]": -0.2, "gamma2[community_member]": -0.6, "gamma2[meetup]": -0.4},
}


def simulated_covariates(n_customers: int, seed: int = 0) -> pd.DataFrame:
    """Time-invariant covariates of ``n_customers`` SIMULATED customers, as 0/1 columns: ``community_member``
    (小米社区, 35%), ``meetup`` (attended a 同城会 meet-up: 40% of members, no one else), and the acquisition
    channel as dummies ``carrier`` and ``offline_store`` (shares of :data:`helpers.simulate.CHANNELS`; the online
    mall is the reference level)."""
    rng = np.random.default_rng(seed)
    member = rng.random(n_customers) < 0.35
    meetup = member & (rng.random(n_customers) < 0.40)
    codes = list(CHANNELS)
    channel = rng.choice(codes, size=n_customers, p=[CHANNELS[c][1] for c in codes])
    return pd.DataFrame({"customer_id": np.arange(n_customers), "community_member": member.astype(float),
                         "meetup": meetup.astype(float), "carrier": (channel == "carrier").astype(float),
                         "offline_store": (channel == "offline_store").astype(float)})


def covariate_columns(truth: dict[str, float]) -> tuple[list[str], list[str]]:
    """``(purchase_covariate_cols, dropout_covariate_cols)`` named by the coefficients of ``truth``."""
    def named(prefix: str) -> list[str]:
        return [k[len(prefix) + 1:-1] for k in truth if k.startswith(prefix + "[")]
    return named("gamma1"), list(dict.fromkeys(named("gamma2") + named("gamma3")))


def simulate_with_covariates(model: str, n_customers: int, T: float | np.ndarray, seed: int = 0,
                             truth: dict[str, float] | None = None) -> pd.DataFrame:
    """A summary drawn exactly from BG/NBD (``model="bg_nbd"``) or Pareto/NBD (``"pareto_nbd"``) whose customers'
    parameters depend on their covariates (:func:`simulated_covariates`, seed ``seed``) as in Fader & Hardie's
    note 019: ``αᵢ = α₀ exp(−γ₁ᵀxᵢ)``; BG/NBD ``aᵢ = a₀ exp(γ₂ᵀxᵢ)``, ``bᵢ = b₀ exp(γ₃ᵀxᵢ)``; Pareto/NBD
    ``βᵢ = β₀ exp(−γ₂ᵀxᵢ)``. ``truth`` defaults to :data:`COVARIATE_TRUTH`; ``attrs["true_params"]`` keeps it.
    The summary's columns: ``customer_id, frequency, recency, T`` and the covariates (``T`` in weeks).
    """
    truth = dict(COVARIATE_TRUTH[model] if truth is None else truth)
    covariates = simulated_covariates(n_customers, seed=seed)

    def effect(prefix: str) -> np.ndarray:
        names = [k for k in truth if k.startswith(prefix + "[")]
        return covariates[[k[len(prefix) + 1:-1] for k in names]].to_numpy() @ np.array([truth[k] for k in names])

    alpha = truth["alpha0"] * np.exp(-effect("gamma1"))
    if model == "bg_nbd":
        out = simulate_bgnbd(n_customers, truth["r"], alpha, truth["a0"] * np.exp(effect("gamma2")),
                             truth["b0"] * np.exp(effect("gamma3")), T, seed=seed + 1)
    elif model == "pareto_nbd":
        beta = truth["beta0"] * np.exp(-effect("gamma2"))
        out = simulate_pareto_nbd(n_customers, truth["r"], alpha, truth["s"], beta, T, seed=seed + 1)
    else:
        raise ValueError(f"model must be 'bg_nbd' or 'pareto_nbd', not {model!r}")
    result = pd.concat([out, covariates.drop(columns="customer_id")], axis=1)
    result.attrs = {"true_params": truth, "period_days": 7.0}
    return result


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

