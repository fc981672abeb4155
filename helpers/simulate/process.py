"""The generating process of the simulation (模拟数据 — SIMULATED data): customers and their purchase times.

Customers (客户) belong to one of three groups (:data:`~helpers.simulate.groups.GROUPS`): enthusiasts
(发烧友), mainstream users (大众用户) and price-sensitive users (价格敏感). Within a group, purchase
timing follows the **BG/NBD buy-till-you-die process** (Fader, Hardie & Lee 2005) with the
group's known parameters, time in **weeks**:

- while alive, customer *i* buys at Poisson rate ``λ_i ~ Gamma(shape=r, rate=α)``
  (mean ``r/α`` purchases per week);
- after each *repeat* purchase the customer drops out for good with probability
  ``p_i ~ Beta(a, b)``; the number of repeat purchases before dropping out is therefore
  geometric, ``K_i ~ Geometric(p_i)`` on ``{1, 2, …}``;
- the first purchase (the acquisition order) is at time 0; observation ends at
  :data:`~helpers.simulate.groups.OBSERVATION_END`.

Given ``n ~ Poisson(λ_i T_i)`` events in ``(0, T_i]`` their times are uniform order
statistics, so the repeat purchases are the first ``min(n, K_i)`` of ``n`` sorted uniforms:
exact, and vectorised over millions of customers.

Launch days and flash sales (米粉节 Mi Fan Festival, 双十一, the weekly Tuesday-noon
flash sale, phone launches) are added by running each customer's clock in *operational
time*: calendar days are stretched by a daily intensity ``m(t)`` (mean 1 over the window),
so purchases crowd onto peak days while the expected number of purchases per customer is
unchanged. With ``seasonality=0`` the process is exactly BG/NBD in calendar weeks; with
peaks it is BG/NBD in operational weeks, a mild misspecification of the kind real data has.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .groups import (ACQUISITION_END, CHANNELS, CITIES, DEFAULT_SEED, EVENTS, GROUPS, OBSERVATION_END,
                     OBSERVATION_START, SPEND_SHAPE, TUESDAY_FLASH_SALE)


# --------------------------------------------------------------------------- calendar


def daily_intensity(seasonality: float = 1.0) -> pd.Series:
    """Daily purchase intensity m(t) over the observation window, scaled to mean 1.

    ``m(t) = 1 + seasonality · (multiplier(t) − 1)`` where the multiplier is an event's on
    its day (:data:`EVENTS`), :data:`TUESDAY_FLASH_SALE` on Tuesdays and 1 otherwise.
    """
    days = pd.date_range(OBSERVATION_START, OBSERVATION_END - pd.Timedelta(days=1), freq="D")
    mult = np.where(days.day_of_week == 1, TUESDAY_FLASH_SALE, 1.0)
    index = {d: i for i, d in enumerate(days)}
    for day, _, factor in EVENTS:
        mult[index[pd.Timestamp(day)]] = factor
    m = 1.0 + seasonality * (mult - 1.0)
    return pd.Series(m / m.mean(), index=days, name="intensity")


class _Clock:
    """Maps calendar days (float, since OBSERVATION_START) to operational days and back."""

    def __init__(self, intensity: pd.Series) -> None:
        self.cal = np.arange(len(intensity) + 1, dtype=float)
        self.op = np.concatenate([[0.0], np.cumsum(intensity.to_numpy())])

    def to_op(self, cal_days: np.ndarray) -> np.ndarray:
        return np.interp(cal_days, self.cal, self.op)

    def to_cal(self, op_days: np.ndarray) -> np.ndarray:
        return np.interp(op_days, self.op, self.cal)


# --------------------------------------------------------------------------- customers


def simulate_customers(
    n_customers: int = 10_000,
    seed: int = DEFAULT_SEED,
    seasonality: float = 1.0,
    buyer_share: float = 0.85,
) -> pd.DataFrame:
    """Simulated customer master data plus each customer's true latent parameters.

    Returns one row per customer: ``customer_id, group, lambda_per_week, p_dropout,
    is_buyer, first_purchase, signup_date, gender, age, city, channel, miui_user,
    forum_member`` (no personal identifiers: :func:`personal_data` adds those).
    Ages are skewed to 18–35 (the papers' target customers); acquisitions grow over time
    and crowd onto launch days.
    """
    rng = np.random.default_rng(seed)
    names = list(GROUPS)
    shares = np.array([GROUPS[g].share for g in names])
    group_idx = rng.choice(len(names), size=n_customers, p=shares / shares.sum())
    r = np.array([GROUPS[g].r for g in names])[group_idx]
    alpha = np.array([GROUPS[g].alpha for g in names])[group_idx]
    a = np.array([GROUPS[g].a for g in names])[group_idx]
    b = np.array([GROUPS[g].b for g in names])[group_idx]
    lam = rng.gamma(shape=r, scale=1.0 / alpha)
    p = rng.beta(a, b)

    # first purchase day: growth over time × launch peaks, before ACQUISITION_END
    intensity = daily_intensity(seasonality)
    acq_days = intensity.index[intensity.index < ACQUISITION_END]
    growth = np.linspace(0.5, 2.0, len(acq_days))
    weights = growth * intensity.loc[acq_days].to_numpy()
    day_idx = rng.choice(len(acq_days), size=n_customers, p=weights / weights.sum())
    first_day = acq_days[day_idx]
    first_purchase = first_day + _time_of_day(rng, first_day)
    lag_days = np.where(rng.random(n_customers) < 0.6, 0, rng.integers(1, 120, n_customers))
    signup = (first_day - pd.to_timedelta(lag_days, unit="D")).where(
        first_day - pd.to_timedelta(lag_days, unit="D") >= OBSERVATION_START, first_day)

    # ages: 78% in 18–35 (18 + 18·Beta(2.2, 3), peak mid-20s), the rest uniform on 36–60
    young = rng.random(n_customers) < 0.78
    age = np.where(young, np.floor(18 + 18 * rng.beta(2.2, 3.0, n_customers)),
                   rng.integers(36, 61, n_customers)).astype(int)
    city_names, city_w = zip(*CITIES)
    city_w = np.array(city_w, dtype=float)
    channel_codes = list(CHANNELS)
    channel_p = np.array([CHANNELS[c][1] for c in channel_codes])
    forum_p = np.array([GROUPS[g].forum_member for g in names])[group_idx]
    miui_p = np.array([GROUPS[g].miui_user for g in names])[group_idx]
    ids = 10_000_000 + rng.choice(89_999_999, size=n_customers, replace=False)
    out = pd.DataFrame({
        "customer_id": pd.array(ids.astype(str), dtype="string"),
        "group": pd.Categorical(np.array(names)[group_idx], categories=names),
        "lambda_per_week": lam,
        "p_dropout": p,
        "is_buyer": rng.random(n_customers) < buyer_share,
        "first_purchase": first_purchase,
        "signup_date": signup.normalize(),
        "gender": np.where(rng.random(n_customers) < 0.7, "男", "女"),
        "age": age,
        "city": np.array(city_names)[rng.choice(len(city_names), n_customers, p=city_w / city_w.sum())],
        "channel": np.array(channel_codes)[rng.choice(len(channel_codes), n_customers, p=channel_p)],
        "miui_user": rng.random(n_customers) < miui_p,
        "forum_member": rng.random(n_customers) < forum_p,
    })
    out.loc[~out["is_buyer"], "first_purchase"] = pd.NaT
    # drawn last so that every column above stays as it was before this was added
    out["spend_propensity"] = rng.gamma(shape=SPEND_SHAPE, scale=1.0 / SPEND_SHAPE, size=n_customers)
    return out.sort_values("signup_date", kind="stable").reset_index(drop=True)


def _time_of_day(rng: np.random.Generator, days: pd.DatetimeIndex) -> pd.TimedeltaIndex:
    """Time of day for purchases: evening-heavy; on peak days and Tuesdays many at noon sharp."""
    n = len(days)
    hours = rng.choice(24, size=n, p=_HOUR_WEIGHTS / _HOUR_WEIGHTS.sum())
    seconds = hours * 3600 + rng.integers(0, 3600, n)
    peak_days = set(pd.to_datetime([e[0] for e in EVENTS]))
    is_peak = np.fromiter((d in peak_days for d in days), dtype=bool, count=n) | (days.day_of_week == 1)
    noon_rush = is_peak & (rng.random(n) < 0.5)
    seconds = np.where(noon_rush, 12 * 3600 + rng.integers(0, 900, n), seconds)
    return pd.to_timedelta(seconds, unit="s")


_HOUR_WEIGHTS = np.array([2, 1, 1, 1, 1, 1, 2, 3, 5, 6, 7, 8, 10, 8, 7, 7, 7, 8, 9, 11, 12, 11, 8, 4],
                         dtype=float)


# --------------------------------------------------------------------------- purchases


def simulate_purchases(
    customers: pd.DataFrame,
    seed: int = DEFAULT_SEED,
    seasonality: float = 1.0,
    end: pd.Timestamp = OBSERVATION_END,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Purchase times of every buyer under the BG/NBD process (see the module docstring).

    Returns ``(purchases, truth)``: ``purchases`` has one row per purchase
    (``customer_id, timestamp, purchase_no``; ``purchase_no`` 0 is the first purchase);
    ``truth`` has per buyer ``customer_id, group, lambda_per_week, p_dropout, K`` (repeat
    purchases the customer would make before dropping out), ``T_weeks`` (operational weeks
    from first purchase to ``end``), ``n_repeat`` and ``alive_at_end``.
    """
    rng = np.random.default_rng(seed + 1)
    buyers = customers.loc[customers["is_buyer"]].reset_index(drop=True)
    n = len(buyers)
    clock = _Clock(daily_intensity(seasonality))
    day0 = OBSERVATION_START
    t0_cal = (buyers["first_purchase"] - day0).dt.total_seconds().to_numpy() / 86400.0
    end_cal = (end - day0).total_seconds() / 86400.0
    t0_op = clock.to_op(t0_cal)
    end_op = float(clock.to_op(np.array([end_cal]))[0])
    T_weeks = (end_op - t0_op) / 7.0
    lam = buyers["lambda_per_week"].to_numpy()
    p = buyers["p_dropout"].to_numpy()
    K = rng.geometric(p)  # repeat purchases before dropout, support {1, 2, ...}
    n_events = rng.poisson(lam * T_weeks)
    n_repeat = np.minimum(n_events, K)

    # uniform order statistics: draw n_events uniforms per customer, sort, keep the first n_repeat
    owner = np.repeat(np.arange(n), n_events)
    u = rng.random(owner.size)
    order = np.lexsort((u, owner))
    owner, u = owner[order], u[order]
    starts = np.concatenate([[0], np.cumsum(n_events)[:-1]])
    rank = np.arange(owner.size) - np.repeat(starts, n_events)
    keep = rank < n_repeat[owner]
    owner, u, rank = owner[keep], u[keep], rank[keep]
    rep_op = t0_op[owner] + u * (end_op - t0_op[owner])
    rep_cal = clock.to_cal(rep_op)
    rep_day = day0 + pd.to_timedelta(np.floor(rep_cal), unit="D")
    rep_ts = rep_day + _time_of_day(rng, pd.DatetimeIndex(rep_day))
    # a repeat purchase may not precede the first one on the same day's clock
    rep_ts = rep_ts.where(rep_ts > buyers["first_purchase"].to_numpy()[owner],
                          buyers["first_purchase"].to_numpy()[owner] + pd.Timedelta(minutes=1))

    purchases = pd.concat([
        pd.DataFrame({"customer_id": buyers["customer_id"], "timestamp": buyers["first_purchase"],
                      "purchase_no": 0}),
        pd.DataFrame({"customer_id": buyers["customer_id"].to_numpy()[owner], "timestamp": rep_ts,
                      "purchase_no": rank + 1}),
    ], ignore_index=True)
    purchases = purchases.sort_values(["timestamp", "customer_id"], kind="stable").reset_index(drop=True)
    truth = pd.DataFrame({
        "customer_id": buyers["customer_id"], "group": buyers["group"],
        "lambda_per_week": lam, "p_dropout": p, "K": K, "T_weeks": T_weeks,
        "n_repeat": n_repeat, "alive_at_end": n_events < K,
    })
    return purchases, truth

