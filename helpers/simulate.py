"""A seeded simulation of a Xiaomi-like CRM export (模拟数据 — SIMULATED data).

Nothing here is Xiaomi's data. The course papers (``../shared/SEEDS.md``) publish no dataset,
so this module generates one that is consistent with what they describe, labels it
*simulated* in every file, and keeps the true parameters so later notebooks can check
that their models recover them.

The generating process
----------------------
Customers (客户) belong to one of three groups (:data:`GROUPS`): enthusiasts (发烧友),
mainstream users (大众用户) and price-sensitive users (价格敏感). Within a group, purchase
timing follows the **BG/NBD buy-till-you-die process** (Fader, Hardie & Lee 2005) with the
group's known parameters, time in **weeks**:

- while alive, customer *i* buys at Poisson rate ``λ_i ~ Gamma(shape=r, rate=α)``
  (mean ``r/α`` purchases per week);
- after each *repeat* purchase the customer drops out for good with probability
  ``p_i ~ Beta(a, b)``; the number of repeat purchases before dropping out is therefore
  geometric, ``K_i ~ Geometric(p_i)`` on ``{1, 2, …}``;
- the first purchase (the acquisition order) is at time 0; observation ends at
  :data:`OBSERVATION_END`.

Given ``n ~ Poisson(λ_i T_i)`` events in ``(0, T_i]`` their times are uniform order
statistics, so the repeat purchases are the first ``min(n, K_i)`` of ``n`` sorted uniforms:
exact, and vectorised over millions of customers.

Launch days and flash sales (米粉节 Mi Fan Festival, 双十一, the weekly Tuesday-noon
flash sale, phone launches) are added by running each customer's clock in *operational
time*: calendar days are stretched by a daily intensity ``m(t)`` (mean 1 over the window),
so purchases crowd onto peak days while the expected number of purchases per customer is
unchanged. With ``seasonality=0`` the process is exactly BG/NBD in calendar weeks; with
peaks it is BG/NBD in operational weeks, a mild misspecification of the kind real data has.

Order contents and prices are drawn from a catalogue of phones and mall accessories at
their Chinese launch prices in CNY (:data:`PHONES`, :data:`ACCESSORIES`); spend is
therefore *not* a Gamma-Gamma process with planted parameters.

The export
----------
:func:`messy_export` writes the tables the way real exports arrive: the online mall's order
file as a GB18030 CSV with Chinese headers and prices like ``¥1,999.00``; the carrier
partner's contract-phone orders as an Excel workbook; the offline stores' orders as a
UTF-8-with-BOM CSV with dates like ``2013年4月9日``; the customer table as a GB18030 CSV with
synthetic names, phone numbers and e-mails (``example.com``). It plants exact numbers of
duplicated rows, cancelled orders, returns, guest orders without a customer, staff test
accounts, and unparseable dates and amounts, and records them in ``manifest.yml``.

Regenerate the committed files with ``python -m helpers.simulate``; the same seed gives the
same tables.
"""

from __future__ import annotations

import argparse
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

SIMULATED_NOTE = "模拟数据 SIMULATED — not real Xiaomi data"
LABEL = "Xiaomi-like CRM export (SIMULATED · 模拟数据)"
OBSERVATION_START = pd.Timestamp("2012-01-01")
OBSERVATION_END = pd.Timestamp("2014-07-01")  # exclusive: the window ends 2014-06-30 24:00
ACQUISITION_END = pd.Timestamp("2014-04-01")  # first purchases happen before this day
DEFAULT_SEED = 2014
#: Shape of the Gamma(k, 1/k) per-customer spend propensity (mean 1, coefficient of variation 1/√k).
SPEND_SHAPE = 3.0


@dataclass(frozen=True)
class CustomerGroup:
    """One customer group and its true parameters (time unit: weeks).

    ``r, alpha``: Gamma(shape r, rate alpha) heterogeneity of the purchase rate λ
    (purchases per week). ``a, b``: Beta(a, b) heterogeneity of the dropout probability p.
    """

    name: str
    label_zh: str
    share: float
    r: float
    alpha: float
    a: float
    b: float
    phone_share: float  # probability that a repeat order is a phone order
    flagship_bias: float  # relative preference for flagship (Mi) over Redmi phones
    forum_member: float  # probability of being a 小米社区 forum member
    miui_user: float  # probability of using MIUI

    @property
    def mean_rate_per_week(self) -> float:
        return self.r / self.alpha

    @property
    def mean_dropout(self) -> float:
        return self.a / (self.a + self.b)


GROUPS: dict[str, CustomerGroup] = {
    "enthusiast": CustomerGroup("enthusiast", "发烧友", 0.25, r=0.90, alpha=10.0, a=0.60, b=5.0,
                                phone_share=0.40, flagship_bias=3.0, forum_member=0.85, miui_user=0.95),
    "mainstream": CustomerGroup("mainstream", "大众用户", 0.50, r=0.50, alpha=14.0, a=0.80, b=3.2,
                                phone_share=0.30, flagship_bias=1.0, forum_member=0.35, miui_user=0.80),
    "price_sensitive": CustomerGroup("price_sensitive", "价格敏感", 0.25, r=0.35, alpha=16.0, a=1.20,
                                     b=2.4, phone_share=0.25, flagship_bias=0.3, forum_member=0.20,
                                     miui_user=0.70),
}

#: Phones: (name, launch day in China, price in CNY, flagship?)
PHONES: list[tuple[str, str, float, bool]] = [
    ("小米手机1S", "2012-01-01", 1499.0, True),
    ("小米手机2", "2012-10-30", 1999.0, True),
    ("小米手机2A", "2013-04-09", 1499.0, False),
    ("小米手机2S 16GB", "2013-04-09", 1999.0, True),
    ("小米手机2S 32GB", "2013-04-09", 2299.0, True),
    ("红米手机", "2013-08-12", 799.0, False),
    ("小米手机3", "2013-10-15", 1999.0, True),
    ("红米1S", "2014-03-01", 699.0, False),
    ("红米Note", "2014-04-08", 799.0, False),
]
#: Mall accessories the seeds list, with their mall prices in CNY: (name, category, price, launch)
ACCESSORIES: list[tuple[str, str, float, str]] = [
    ("小米盒子", "电视盒子", 299.0, "2012-11-14"),
    ("小米旅行包", "箱包", 149.0, "2012-01-01"),
    ("屏幕贴膜", "手机配件", 19.0, "2012-01-01"),
    ("小米活塞耳机", "耳机", 99.0, "2013-11-20"),
    ("小米耳机", "耳机", 49.0, "2012-01-01"),
    ("米兔帽子", "服饰", 49.0, "2012-01-01"),
    ("小米男士T恤", "服饰", 59.0, "2012-01-01"),
    ("小米女士T恤", "服饰", 59.0, "2012-01-01"),
    ("小米帆布鞋", "鞋", 199.0, "2013-06-01"),
    ("手机保护壳", "手机配件", 39.0, "2012-01-01"),
    ("小米移动电源10400mAh", "手机配件", 69.0, "2013-12-03"),
]
ACCESSORY_WEIGHTS = np.array([6, 3, 14, 6, 6, 3, 4, 3, 2, 10, 8], dtype=float)

#: Peak days: (date, description, multiplier of the daily purchase intensity)
EVENTS: list[tuple[str, str, float]] = [
    ("2012-04-06", "米粉节 Mi Fan Festival 2012", 6.0),
    ("2012-08-16", "小米手机2 发布 Mi 2 launch event", 2.0),
    ("2012-10-30", "小米手机2 首轮开放购买 Mi 2 first sale", 5.0),
    ("2012-11-11", "双十一 Singles' Day 2012", 4.0),
    ("2013-04-09", "米粉节 Mi Fan Festival 2013 (2S/2A)", 8.0),
    ("2013-08-12", "红米手机 QQ空间首发 Redmi flash sale", 5.0),
    ("2013-10-15", "小米手机3 首轮开放购买 Mi 3 first sale", 5.0),
    ("2013-11-11", "双十一 Singles' Day 2013", 8.0),
    ("2014-04-08", "米粉节 Mi Fan Festival 2014 (Redmi Note)", 8.0),
]
TUESDAY_FLASH_SALE = 1.6  # weekly Tuesday-noon flash sale (每周二中午十二点开放购买)

CHANNELS = {  # canonical code: (Chinese name, share of customers acquired there)
    "online_mall": ("小米商城 官网", 0.70),
    "carrier": ("运营商合约机", 0.15),
    "offline_store": ("线下门店", 0.15),
}
CITIES = [  # (city, weight): large cities plus the seeds' city clubs (同城会)
    ("北京", 12), ("上海", 10), ("广州", 8), ("深圳", 8), ("成都", 6), ("武汉", 6), ("杭州", 5),
    ("南京", 5), ("西安", 4), ("重庆", 4), ("天津", 4), ("济宁", 2), ("通辽", 1), ("惠州", 2), ("淄博", 2),
]
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国志文斌辉鹏宇浩然欣怡子轩梓涵")


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


def _choose_phone(rng: np.random.Generator, when: pd.DatetimeIndex, flagship_bias: np.ndarray) -> np.ndarray:
    """Index into :data:`PHONES` of a phone on sale at ``when``, newer models preferred."""
    launch = pd.to_datetime([ph[1] for ph in PHONES]).to_numpy()
    flagship = np.array([ph[3] for ph in PHONES])
    available = launch[None, :] <= when.to_numpy()[:, None]
    age_days = (when.to_numpy()[:, None] - launch[None, :]) / np.timedelta64(1, "D")
    recency = np.exp(-np.clip(age_days, 0, None) / 240.0)
    bias = np.where(flagship[None, :], flagship_bias[:, None], 1.0)
    w = np.where(available, recency * bias, 0.0)
    w /= w.sum(axis=1, keepdims=True)
    cum = np.cumsum(w, axis=1)
    return (rng.random(len(when))[:, None] > cum).sum(axis=1).clip(0, len(PHONES) - 1)


def _choose_accessory(rng: np.random.Generator, when: pd.DatetimeIndex) -> np.ndarray:
    launch = pd.to_datetime([acc[3] for acc in ACCESSORIES]).to_numpy()
    w = np.where(launch[None, :] <= when.to_numpy()[:, None], ACCESSORY_WEIGHTS[None, :], 0.0)
    cum = np.cumsum(w / w.sum(axis=1, keepdims=True), axis=1)
    return (rng.random(len(when))[:, None] > cum).sum(axis=1).clip(0, len(ACCESSORIES) - 1)


def simulate_order_lines(
    customers: pd.DataFrame,
    purchases: pd.DataFrame,
    seed: int = DEFAULT_SEED,
    n_bulk_orders: int = 3,
) -> pd.DataFrame:
    """Turn purchases into order lines: phones and accessories at catalogue prices (CNY).

    A first order is a phone order with probability 0.8; a repeat order with the group's
    ``phone_share`` times the customer's ``spend_propensity`` (Gamma(3, 1/3): mean 1), which
    also scales the preference for flagship phones and the size of accessory baskets, so mean
    spend differs between customers as well as between orders. Phone orders carry an accessory (film or case) half the time;
    accessory orders have 1–3 lines of 1–3 units. Orders go through the customer's
    acquisition channel 85% of the time; carrier orders are phone-only. ``n_bulk_orders``
    corporate bulk orders (30–80 phones) are planted as genuine extreme orders.

    Returns canonical, clean lines: ``customer_id, order_id, timestamp, amount, quantity,
    product, category, channel, status`` with ``status="completed"``.
    """
    rng = np.random.default_rng(seed + 2)
    cust = customers.set_index("customer_id")
    group = cust.loc[purchases["customer_id"], "group"].astype(str).to_numpy()
    home_channel = cust.loc[purchases["customer_id"], "channel"].to_numpy()
    n = len(purchases)
    when = pd.DatetimeIndex(purchases["timestamp"])
    propensity = cust.loc[purchases["customer_id"], "spend_propensity"].to_numpy() \
        if "spend_propensity" in cust.columns else np.ones(n)
    phone_share = np.clip(np.array([GROUPS[g].phone_share for g in group]) * propensity, 0.02, 0.9)
    is_phone = np.where(purchases["purchase_no"].to_numpy() == 0, rng.random(n) < 0.8, rng.random(n) < phone_share)
    channel_codes = np.array(list(CHANNELS))
    switch = rng.random(n) < 0.15
    channel = np.where(switch, channel_codes[rng.integers(0, 3, n)], home_channel)
    channel = np.where(~is_phone & (channel == "carrier"), "online_mall", channel)
    order_ids = _order_ids(rng, when, channel)

    # line 1: the phone, or the first accessory
    bias = np.array([GROUPS[g].flagship_bias for g in group]) * propensity
    phone_idx = _choose_phone(rng, when, bias)
    acc_idx = _choose_accessory(rng, when)
    lines = [pd.DataFrame({
        "order_no": np.arange(n),
        "product": np.where(is_phone, np.array([ph[0] for ph in PHONES])[phone_idx],
                            np.array([a[0] for a in ACCESSORIES])[acc_idx]),
        "category": np.where(is_phone, "手机", np.array([a[1] for a in ACCESSORIES])[acc_idx]),
        "unit_price": np.where(is_phone, np.array([ph[2] for ph in PHONES])[phone_idx],
                               np.array([a[2] for a in ACCESSORIES])[acc_idx]),
        "quantity": np.where(is_phone, np.where(rng.random(n) < 0.04, 2, 1), rng.integers(1, 4, n)),
    })]
    # extra accessory lines
    basket = np.clip(rng.poisson(0.5 * propensity), 0, 3)  # bigger accessory baskets for bigger spenders
    extra = np.where(is_phone & (channel != "carrier"), (rng.random(n) < 0.5).astype(int),
                     np.where(is_phone, 0, basket))
    owner = np.repeat(np.arange(n), extra)
    if owner.size:
        idx = _choose_accessory(rng, when[owner])
        lines.append(pd.DataFrame({
            "order_no": owner,
            "product": np.array([a[0] for a in ACCESSORIES])[idx],
            "category": np.array([a[1] for a in ACCESSORIES])[idx],
            "unit_price": np.array([a[2] for a in ACCESSORIES])[idx],
            "quantity": rng.integers(1, 3, owner.size),
        }))
    out = pd.concat(lines, ignore_index=True)
    out = out.drop_duplicates(["order_no", "product"], keep="first")
    # planted corporate bulk orders: genuine but extreme
    phone_orders = np.flatnonzero(is_phone & (channel == "online_mall"))
    if n_bulk_orders and phone_orders.size:
        bulk = rng.choice(phone_orders, size=min(n_bulk_orders, phone_orders.size), replace=False)
        first_line = out.groupby("order_no").head(1).set_index("order_no").index
        mask = out["order_no"].isin(bulk) & out.index.isin(out.groupby("order_no").head(1).index)
        out.loc[mask, "quantity"] = rng.integers(30, 81, mask.sum())
        del first_line
    out["amount"] = out["unit_price"] * out["quantity"]
    o = out["order_no"].to_numpy()
    result = pd.DataFrame({
        "customer_id": purchases["customer_id"].to_numpy()[o],
        "order_id": order_ids[o],
        "timestamp": purchases["timestamp"].to_numpy()[o],
        "amount": out["amount"].to_numpy(),
        "quantity": out["quantity"].to_numpy().astype("int64"),
        "product": out["product"].to_numpy(),
        "category": out["category"].to_numpy(),
        "channel": channel[o],
        "status": "completed",
    })
    return result.sort_values(["timestamp", "order_id"], kind="stable").reset_index(drop=True)


def _order_ids(rng: np.random.Generator, when: pd.DatetimeIndex, channel: np.ndarray) -> np.ndarray:
    """Unique order numbers in each channel's style (mall: 13 digits; carrier: 'HY…'; stores: 'MD…')."""
    n = len(when)
    serial = rng.permutation(n) + 1
    ymd = when.strftime("%y%m%d").to_numpy().astype(str)
    mall = np.char.add(np.char.add("1", ymd), np.char.zfill(serial.astype(str), 6))
    carrier = np.char.add("HY", np.char.zfill(serial.astype(str), 8))
    store = np.char.add(np.char.add("MD", ymd), np.char.zfill(serial.astype(str), 6))
    return np.where(channel == "online_mall", mall, np.where(channel == "carrier", carrier, store))


@dataclass
class SimulatedCRM:
    """Clean simulated tables and their truth (before any export mess is added)."""

    customers: pd.DataFrame
    orders: pd.DataFrame
    truth: pd.DataFrame
    seed: int
    seasonality: float

    def parameters(self) -> dict[str, Any]:
        return {
            "seed": self.seed, "seasonality": self.seasonality, "time_unit": "weeks",
            "observation_start": str(OBSERVATION_START.date()),
            "observation_end_exclusive": str(OBSERVATION_END.date()),
            "groups": {k: asdict(v) for k, v in GROUPS.items()},
        }


def simulate_crm(
    n_customers: int = 10_000,
    seed: int = DEFAULT_SEED,
    seasonality: float = 1.0,
    n_bulk_orders: int = 3,
) -> SimulatedCRM:
    """Simulate customers, their BG/NBD purchases and order lines (see module docstring).

    Scales linearly: ``n_customers=1_000_000`` gives roughly 4 million order lines in
    seconds (for benchmarks; see :func:`main` ``--parquet``).
    """
    customers = simulate_customers(n_customers, seed=seed, seasonality=seasonality)
    purchases, truth = simulate_purchases(customers, seed=seed, seasonality=seasonality)
    orders = simulate_order_lines(customers, purchases, seed=seed, n_bulk_orders=n_bulk_orders)
    return SimulatedCRM(customers=customers, orders=orders, truth=truth, seed=seed, seasonality=seasonality)


def simulate_transactions(n_customers: int, seed: int = DEFAULT_SEED, seasonality: float = 1.0) -> pd.DataFrame:
    """Clean canonical transactions only (no export mess), for benchmarks at scale."""
    return simulate_crm(n_customers, seed=seed, seasonality=seasonality).orders


def write_large_log(out: Path, n_rows: int, seed: int = DEFAULT_SEED, chunk_customers: int = 500_000,
                    seasonality: float = 1.0, progress: bool = True) -> dict[str, Any]:
    """Write a SIMULATED transaction log of exactly ``n_rows`` clean lines as a hive-partitioned
    Parquet folder (``out/year=YYYY/chunk-NNNN.parquet``) with a ``manifest.yml``, chunk by chunk.

    Each chunk is :func:`simulate_transactions` of ``chunk_customers`` customers with seed
    ``seed + chunk`` (the same BG/NBD groups, seasonality, products and channels as the bundled
    export), so memory stays at one chunk (~1.7M lines) whatever ``n_rows`` is. Customer and
    order ids get the chunk number as a prefix (``"C0003-47970929"``) so they stay unique; the
    last chunk is cut at ``n_rows`` lines (its last customers lose later purchases). Written for
    the scale runs of issue 6 (notebooks on 50M lines, the 100M memory-limited summary).

    Returns the manifest (also written to ``out/manifest.yml``): rows, customers, chunks, seed.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq
    from tqdm.auto import tqdm

    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty: choose a new folder (the log is written once, never edited)")
    out.mkdir(parents=True, exist_ok=True)
    written = customers = chunk = 0
    columns = ["customer_id", "order_id", "timestamp", "amount", "quantity", "product", "category", "channel"]
    with tqdm(total=n_rows, unit="lines", unit_scale=True, desc="SIMULATED log", disable=not progress) as bar:
        while written < n_rows:
            tx = simulate_transactions(chunk_customers, seed=seed + chunk, seasonality=seasonality)[columns]
            tx = tx.iloc[: n_rows - written]
            prefix = f"C{chunk:04d}-"
            tx["customer_id"] = prefix + tx["customer_id"].astype(str)
            tx["order_id"] = prefix + tx["order_id"].astype(str)
            years = tx["timestamp"].dt.year
            for year, part in tx.groupby(years, sort=True):
                folder = out / f"year={year}"
                folder.mkdir(exist_ok=True)
                table = pa.Table.from_pandas(part.reset_index(drop=True), preserve_index=False)
                pq.write_table(table, folder / f"chunk-{chunk:04d}.parquet", row_group_size=1_000_000)
            written += len(tx)
            customers += tx["customer_id"].nunique()
            chunk += 1
            bar.update(len(tx))
    manifest = {"simulated": True, "label": f"SIMULATED log of {written:,} lines", "rows": written,
                "customers": customers, "chunks": chunk, "chunk_customers": chunk_customers, "seed": seed,
                "seasonality": seasonality, "columns": columns, "partitioning": "hive: year",
                "generator": f"helpers.simulate.write_large_log(n_rows={n_rows}, seed={seed}, "
                             f"chunk_customers={chunk_customers})"}
    with open(out / "manifest.yml", "w", encoding="utf-8") as fh:
        fh.write("# SIMULATED data: a generated transaction log, not real customers.\n")
        yaml.safe_dump(manifest, fh, allow_unicode=True, sort_keys=False)
    return manifest


# --------------------------------------------------------------------------- personal data


def personal_data(customer_ids: pd.Series, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Synthetic names, mobile numbers and e-mail addresses (``example.com``) for customers.

    They look real so that the pseudonymisation at acquisition has something to protect;
    they belong to nobody.
    """
    rng = np.random.default_rng(seed + 3)
    n = len(customer_ids)
    surname = np.array(SURNAMES)[rng.integers(0, len(SURNAMES), n)]
    given = np.char.add(np.array(GIVEN)[rng.integers(0, len(GIVEN), n)],
                        np.where(rng.random(n) < 0.7, np.array(GIVEN)[rng.integers(0, len(GIVEN), n)], ""))
    prefixes = np.array(["130", "131", "132", "135", "136", "138", "139", "150", "152", "158", "159", "186", "188"])
    phone = np.char.add(prefixes[rng.integers(0, len(prefixes), n)],
                        np.char.zfill(rng.integers(0, 100_000_000, n).astype(str), 8))
    email = np.char.add(np.char.add("mi_fan", customer_ids.astype(str).to_numpy().astype(str)), "@example.com")
    return pd.DataFrame({"customer_id": customer_ids.to_numpy(), "name": np.char.add(surname, given),
                         "phone": phone, "email": email})


# --------------------------------------------------------------------------- the messy export

MALL_COLUMNS = {"order_id": "订单号", "customer_id": "客户ID", "timestamp": "下单时间", "product": "商品名称",
                "category": "品类", "quantity": "数量", "amount": "实付金额", "status": "订单状态"}
CARRIER_COLUMNS = {"order_id": "Order No", "customer_id": "Member ID", "timestamp": "Order Date",
                   "product": "Handset", "quantity": "Qty", "amount": "Amount (CNY)", "status": "Status"}
STORE_COLUMNS = {"order_id": "单号", "customer_id": "会员号", "timestamp": "日期", "product": "商品",
                 "category": "品类", "quantity": "数量", "amount": "金额", "status": "状态"}
CUSTOMER_COLUMNS = {"customer_id": "客户ID", "name": "姓名", "phone": "手机号", "email": "邮箱", "gender": "性别",
                    "age": "年龄", "city": "城市", "signup_date": "注册日期", "channel": "获客渠道",
                    "miui_user": "MIUI用户", "forum_member": "论坛会员", "account_type": "账号类型"}
STATUS_TEXT = {
    "online_mall": {"completed": "已完成", "cancelled": "已取消", "returned": "退货"},
    "carrier": {"completed": "Completed", "cancelled": "Cancelled", "returned": "Returned"},
    "offline_store": {"completed": "交易成功", "cancelled": "已关闭", "returned": "已退货"},
}
FILES = {"online_mall": "orders_online_mall.csv", "carrier": "orders_carrier_contract.xlsx",
         "offline_store": "orders_offline_stores.csv", "customers": "customers.csv"}


@dataclass(frozen=True)
class MessRates:
    """How much of each real-export problem to plant (shares of order lines, or counts)."""

    cancelled: float = 0.04
    returned: float = 0.03
    guest_orders: float = 0.02
    duplicated: float = 0.01
    bad_dates: int = 12
    bad_amounts: int = 9
    test_accounts: int = 5
    test_orders_per_account: int = 6


def _fmt_money_mall(x: np.ndarray) -> np.ndarray:
    return np.array([f"¥{v:,.2f}" for v in x], dtype=object)


def _fmt_money_store(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    style = rng.random(len(x))
    return np.array([f"{v:.0f}元" if s < 0.5 else (f"￥{v:,.0f}" if s < 0.8 else f"{v:.2f}")
                     for v, s in zip(x, style)], dtype=object)


def _fmt_dates_mall(ts: pd.Series, rng: np.random.Generator) -> np.ndarray:
    iso = ts.dt.strftime("%Y-%m-%d %H:%M:%S").to_numpy(dtype=object)
    slash = (ts.dt.year.astype(str) + "/" + ts.dt.month.astype(str) + "/" + ts.dt.day.astype(str)
             + " " + ts.dt.strftime("%H:%M")).to_numpy(dtype=object)
    return np.where(rng.random(len(ts)) < 0.12, slash, iso)


def _fmt_dates_store(ts: pd.Series, rng: np.random.Generator) -> np.ndarray:
    zh = (ts.dt.year.astype(str) + "年" + ts.dt.month.astype(str) + "月" + ts.dt.day.astype(str) + "日"
          + " " + ts.dt.strftime("%H:%M")).to_numpy(dtype=object)
    dotted = ts.dt.strftime("%Y.%m.%d").to_numpy(dtype=object)
    return np.where(rng.random(len(ts)) < 0.7, zh, dotted)


def messy_export(sim: SimulatedCRM, seed: int | None = None, rates: MessRates = MessRates()) -> tuple[
        dict[str, pd.DataFrame], dict[str, int]]:
    """The export tables as files would hold them, and the exact counts of planted problems.

    Returns ``(tables, injected)`` where ``tables`` maps ``online_mall``, ``carrier``,
    ``offline_store`` and ``customers`` to DataFrames with the source systems' own headers
    and value formats, and ``injected`` counts what was planted by cleaning reason
    (``duplicate, cancelled, missing_customer, test_account, unparseable_date,
    unparseable_amount, return_netted, fully_returned``).
    """
    rng = np.random.default_rng((sim.seed if seed is None else seed) + 4)
    lines = sim.orders.copy()
    lines["timestamp"] = pd.to_datetime(lines["timestamp"])
    n = len(lines)
    injected: dict[str, int] = {}

    # staff test accounts: extra customers with a handful of mall orders each
    test_ids = [str(90_000_000 + i) for i in range(1, rates.test_accounts + 1)]
    t_owner = np.repeat(test_ids, rates.test_orders_per_account)
    t_when = pd.Series(OBSERVATION_START + pd.to_timedelta(rng.integers(0, 900, t_owner.size), unit="D")
                       + pd.to_timedelta(rng.integers(9 * 3600, 18 * 3600, t_owner.size), unit="s"))
    t_phone = rng.integers(0, len(PHONES), t_owner.size)
    test_lines = pd.DataFrame({
        "customer_id": t_owner, "order_id": [f"1{w:%y%m%d}9{i:05d}" for i, w in enumerate(t_when)],
        "timestamp": t_when, "amount": np.where(rng.random(t_owner.size) < 0.5, 0.01,
                                                 np.array([PHONES[i][2] for i in t_phone])),
        "quantity": 1, "product": np.array([PHONES[i][0] for i in t_phone]), "category": "手机",
        "channel": "online_mall", "status": "completed"})
    injected["test_account"] = len(test_lines)

    # guest orders: no customer id (mall and stores)
    g_n = int(round(rates.guest_orders * n))
    g_src = lines.loc[rng.choice(np.flatnonzero(lines["channel"].to_numpy() != "carrier"), g_n, replace=False)]
    guest = g_src.copy()
    guest["customer_id"] = pd.NA
    guest["order_id"] = [f"G{i:07d}" for i in range(g_n)]
    guest["timestamp"] = guest["timestamp"] + pd.to_timedelta(rng.integers(1, 86400, g_n), unit="s")
    injected["missing_customer"] = g_n

    # cancelled orders: whole orders flip status
    order_ids = lines["order_id"].unique()
    n_cancel_orders = int(round(rates.cancelled * len(order_ids)))
    cancelled_orders = set(rng.choice(order_ids, n_cancel_orders, replace=False))
    is_cancelled = lines["order_id"].isin(cancelled_orders).to_numpy()
    lines.loc[is_cancelled, "status"] = "cancelled"
    injected["cancelled"] = int(is_cancelled.sum())

    # returns: a separate line on the same order and product, negative amount, a few days later
    candidates = np.flatnonzero(~is_cancelled & (lines["quantity"].to_numpy() < 30))
    r_idx = rng.choice(candidates, int(round(rates.returned * n)), replace=False)
    ret = lines.iloc[r_idx].copy()
    partial = (ret["quantity"].to_numpy() >= 2)
    ret_qty = np.where(partial, 1, ret["quantity"].to_numpy())
    unit = ret["amount"].to_numpy() / ret["quantity"].to_numpy()
    ret["quantity"] = -ret_qty
    ret["amount"] = -unit * ret_qty
    ret["status"] = "returned"
    ret["timestamp"] = ret["timestamp"] + pd.to_timedelta(rng.integers(1, 8, len(ret)), unit="D")
    injected["return_netted"] = len(ret)
    injected["fully_returned"] = int((~partial).sum())
    protected = set(r_idx)  # sale lines with a return must stay parseable for netting

    all_lines = pd.concat([lines, ret, guest.assign(status="completed"), test_lines], ignore_index=True)
    all_lines["_protected"] = False
    all_lines.loc[list(protected), "_protected"] = True

    # unparseable dates and amounts on ordinary completed customer lines
    ok = ((all_lines["status"] == "completed") & all_lines["customer_id"].notna()
          & ~all_lines["customer_id"].isin(test_ids) & ~all_lines["_protected"]
          & (all_lines["channel"] != "carrier")).to_numpy()
    pool = rng.permutation(np.flatnonzero(ok))
    bad_date_idx = pool[: rates.bad_dates]
    bad_amount_idx = pool[rates.bad_dates: rates.bad_dates + rates.bad_amounts]
    injected["unparseable_date"] = len(bad_date_idx)
    injected["unparseable_amount"] = len(bad_amount_idx)

    people_by_id = personal_data(pd.Series(list(sim.customers["customer_id"]) + test_ids),
                                 seed=sim.seed).set_index("customer_id")
    people_by_id.loc[test_ids, "name"] = [f"测试账号{i}" for i in range(1, len(test_ids) + 1)]
    tables: dict[str, pd.DataFrame] = {}
    for channel, columns in (("online_mall", MALL_COLUMNS), ("carrier", CARRIER_COLUMNS),
                             ("offline_store", STORE_COLUMNS)):
        mask = (all_lines["channel"] == channel).to_numpy()
        part = all_lines.loc[mask].copy()
        in_part = np.flatnonzero(mask)
        bad_d = np.isin(in_part, bad_date_idx)
        bad_a = np.isin(in_part, bad_amount_idx)
        status = part["status"].map(STATUS_TEXT[channel])
        if channel == "online_mall":
            dates = _fmt_dates_mall(part["timestamp"], rng)
            amounts = _fmt_money_mall(part["amount"].to_numpy())
        elif channel == "offline_store":
            dates = _fmt_dates_store(part["timestamp"], rng)
            amounts = _fmt_money_store(part["amount"].to_numpy(), rng)
        else:  # Excel: real datetime cells, a few typed in as text; numeric amounts
            dates = part["timestamp"].dt.floor("s").astype(object).to_numpy().copy()
            typed = rng.random(len(part)) < 0.05
            dates[typed] = part["timestamp"].dt.strftime("%Y-%m-%d").to_numpy()[typed]
            amounts = part["amount"].round(2).astype(object).to_numpy()
        dates = np.array(dates, dtype=object)
        amounts = np.array(amounts, dtype=object)
        dates[bad_d] = rng.choice(["0000-00-00 00:00:00", "未知", "2013-02-30 10:00:00", "#VALUE!"], bad_d.sum())
        amounts[bad_a] = rng.choice(["N/A", "待定", "--", "¥--"], bad_a.sum())
        frame = pd.DataFrame({
            columns["order_id"]: part["order_id"].to_numpy(),
            columns["customer_id"]: part["customer_id"].to_numpy(),
            columns["timestamp"]: dates,
            columns["product"]: part["product"].to_numpy(),
            **({columns["category"]: part["category"].to_numpy()} if "category" in columns else {}),
            columns["quantity"]: part["quantity"].to_numpy(),
            columns["amount"]: amounts,
            columns["status"]: status.to_numpy(),
        })
        if channel == "online_mall":  # personal data in the mall export: recipient name and phone
            known = part["customer_id"].map(people_by_id["name"])
            guests = personal_data(part["order_id"], seed=sim.seed + 99)
            frame["收货人"] = known.fillna(pd.Series(guests["name"].to_numpy(), index=part.index)).to_numpy()
            phones = part["customer_id"].map(people_by_id["phone"])
            frame["收货人手机"] = phones.fillna(pd.Series(guests["phone"].to_numpy(), index=part.index)).to_numpy()
        if channel == "offline_store":
            stores = np.array(["小米之家 北京", "小米之家 上海", "小米之家 广州", "授权店 成都", "授权店 武汉"])
            codes, uniques = pd.factorize(part["order_id"])
            frame.insert(0, "门店", stores[rng.integers(0, len(stores), len(uniques))][codes])
        frame["数据说明" if channel != "carrier" else "data_note"] = SIMULATED_NOTE
        frame = frame.iloc[np.argsort(part["timestamp"].to_numpy(), kind="stable")].reset_index(drop=True)
        tables[channel] = frame

    # duplicated rows (export glitches): exact copies inserted right after the original
    total = sum(len(t) for k, t in tables.items())
    n_dup = int(round(rates.duplicated * total))
    dup_per = np.bincount(rng.choice(3, n_dup, p=[0.6, 0.1, 0.3]), minlength=3)
    for (channel, frame), k in zip(list(tables.items()), dup_per):
        picks = np.sort(rng.choice(len(frame), k, replace=False))
        order = np.concatenate([np.arange(len(frame)), picks])
        position = np.concatenate([np.arange(len(frame), dtype=float), picks + 0.5])
        tables[channel] = frame.iloc[order[np.argsort(position, kind="stable")]].reset_index(drop=True)
    injected["duplicate"] = int(n_dup)

    # the customer master, with personal data and the staff test accounts
    cust = sim.customers.copy()
    test_rows = pd.DataFrame({
        "customer_id": test_ids, "group": pd.Categorical([None] * len(test_ids), categories=list(GROUPS)),
        "signup_date": OBSERVATION_START, "gender": "男", "age": 30, "city": "北京", "channel": "online_mall",
        "miui_user": True, "forum_member": False})
    cust = pd.concat([cust, test_rows], ignore_index=True)
    cust["account_type"] = np.where(cust["customer_id"].isin(test_ids), "内部测试", "普通用户")
    cust = cust.merge(people_by_id.reset_index(), on="customer_id", how="left")
    cust_out = pd.DataFrame({CUSTOMER_COLUMNS[k]: cust[k] for k in CUSTOMER_COLUMNS})
    cust_out[CUSTOMER_COLUMNS["signup_date"]] = cust["signup_date"].dt.strftime("%Y-%m-%d")
    cust_out[CUSTOMER_COLUMNS["channel"]] = cust["channel"].map({k: v[0] for k, v in CHANNELS.items()})
    cust_out[CUSTOMER_COLUMNS["miui_user"]] = np.where(cust["miui_user"], "是", "否")
    cust_out[CUSTOMER_COLUMNS["forum_member"]] = np.where(cust["forum_member"], "是", "否")
    cust_out["数据说明"] = SIMULATED_NOTE
    tables["customers"] = cust_out
    return tables, injected


def write_export(
    out_dir: Path,
    n_customers: int = 10_000,
    seed: int = DEFAULT_SEED,
    seasonality: float = 1.0,
    rates: MessRates = MessRates(),
) -> dict[str, Any]:
    """Simulate and write the messy export, its manifest, README and truth files to ``out_dir``.

    Files: ``orders_online_mall.csv`` (GB18030), ``orders_carrier_contract.xlsx``,
    ``orders_offline_stores.csv`` (UTF-8 with BOM), ``customers.csv`` (GB18030),
    ``manifest.yml`` (files, encodings, column maps, planted problem counts, true parameters),
    ``truth/customers_truth.csv`` (each buyer's group, λ, p, K, alive at end).
    Returns the manifest.
    """
    out_dir = Path(out_dir)
    (out_dir / "truth").mkdir(parents=True, exist_ok=True)
    sim = simulate_crm(n_customers, seed=seed, seasonality=seasonality)
    tables, injected = messy_export(sim, rates=rates)
    tables["online_mall"].to_csv(out_dir / FILES["online_mall"], index=False, encoding="gb18030")
    _write_excel(tables["carrier"], out_dir / FILES["carrier"])
    tables["offline_store"].to_csv(out_dir / FILES["offline_store"], index=False, encoding="utf-8-sig")
    tables["customers"].to_csv(out_dir / FILES["customers"], index=False, encoding="gb18030")
    truth = sim.truth.copy()
    truth.insert(0, "note", "SIMULATED truth")
    truth.round(6).to_csv(out_dir / "truth" / "customers_truth.csv", index=False, encoding="utf-8")
    manifest = {
        "label": LABEL,
        "simulated": True,
        "note": SIMULATED_NOTE,
        "currency": "CNY",
        "generator": "helpers.simulate.write_export",
        "command": f"python -m helpers.simulate --out data/raw/xiaomi_sim --customers {n_customers} --seed {seed}",
        "parameters": sim.parameters(),
        "n_customers": int(n_customers),
        "injected": {k: int(v) for k, v in sorted(injected.items())},
        "rows": {k: int(len(v)) for k, v in tables.items()},
        "orders": [
            {"file": FILES["online_mall"], "encoding": None, "channel": "online_mall",
             "columns": {k: v for k, v in MALL_COLUMNS.items()}},
            {"file": FILES["carrier"], "encoding": None, "channel": "carrier", "sheet": "合约机订单",
             "columns": {k: v for k, v in CARRIER_COLUMNS.items()}},
            {"file": FILES["offline_store"], "encoding": None, "channel": "offline_store",
             "columns": {k: v for k, v in STORE_COLUMNS.items()}},
        ],
        "customers": {
            "file": FILES["customers"], "encoding": None,
            "columns": dict(CUSTOMER_COLUMNS),
            "personal": {"name": "name", "phone": "phone", "email": "email"},
            "test_account_values": ["内部测试"],
        },
    }
    with open(out_dir / "manifest.yml", "w", encoding="utf-8") as fh:
        fh.write("# SIMULATED data (模拟数据): generated by helpers/simulate.py; regenerate with the command below.\n")
        yaml.safe_dump(manifest, fh, allow_unicode=True, sort_keys=False)
    return manifest


def write_simulated_workbook(path: Path, sheets: dict[str, pd.DataFrame], description: str, generator: str) -> None:
    """An Excel workbook of simulated tables plus a README sheet saying the data are SIMULATED.

    The document properties carry a fixed date, so the same tables give the same workbook content.
    """
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)
        pd.DataFrame({"说明 README": [SIMULATED_NOTE, description, f"Generated by {generator}."]}).to_excel(
            writer, sheet_name="说明 README", index=False)
        writer.book.properties.creator = f"{generator} (SIMULATED data)"
        fixed = pd.Timestamp("2014-07-01").to_pydatetime()
        writer.book.properties.created = fixed
        writer.book.properties.modified = fixed


def _write_excel(frame: pd.DataFrame, path: Path) -> None:
    """The carrier partner's workbook: the orders sheet and a README sheet."""
    write_simulated_workbook(path, {"合约机订单": frame}, "Carrier contract-phone orders (运营商合约机).",
                             "helpers/simulate.py")


def event_markers() -> list[tuple[str, str]]:
    """Peak days as ``(date, short label)`` for figures: the Chinese part of each event's name."""
    return [(day, text.split(" ")[0]) for day, text, _ in EVENTS]


def group_parameters_table() -> pd.DataFrame:
    """The true parameters of each simulated customer group, with implied means (per week / per year)."""
    rows = []
    for g in GROUPS.values():
        rows.append({
            "group": g.name, "组别": g.label_zh, "share of customers": g.share,
            "r": g.r, "alpha (weeks)": g.alpha, "a": g.a, "b": g.b,
            "mean purchases / week while alive": round(g.mean_rate_per_week, 4),
            "mean purchases / year while alive": round(g.mean_rate_per_week * 52, 2),
            "mean dropout prob. after a purchase": round(g.mean_dropout, 3),
        })
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    """Command line: regenerate the committed export, or write a large clean log for benchmarks."""
    parser = argparse.ArgumentParser(description="Simulate a Xiaomi-like CRM export (SIMULATED data).")
    parser.add_argument("--out", type=Path, default=Path("data/raw/xiaomi_sim"))
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--seasonality", type=float, default=1.0)
    parser.add_argument("--parquet", action="store_true",
                        help="write only clean canonical transactions to <out>/transactions.parquet (benchmarks)")
    parser.add_argument("--large-log", metavar="ROWS", type=lambda v: int(float(v.rstrip("Mm")) * 1e6)
                        if v[-1] in "Mm" else int(v),
                        help="write a SIMULATED log of ROWS lines (e.g. 50M) as a hive-partitioned Parquet "
                             "folder <out>/year=YYYY/… in chunks of --chunk-customers customers")
    parser.add_argument("--chunk-customers", type=int, default=500_000)
    args = parser.parse_args(argv)
    if args.large_log:
        manifest = write_large_log(args.out, args.large_log, seed=args.seed, chunk_customers=args.chunk_customers,
                                   seasonality=args.seasonality)
        print(f"{manifest['rows']:,} SIMULATED lines of {manifest['customers']:,} customers → {args.out}")
        return 0
    if args.parquet:
        args.out.mkdir(parents=True, exist_ok=True)
        tx = simulate_transactions(args.customers, seed=args.seed, seasonality=args.seasonality)
        tx.to_parquet(args.out / "transactions.parquet", index=False)
        print(f"{len(tx):,} SIMULATED transaction lines → {args.out / 'transactions.parquet'}")
        return 0
    manifest = write_export(args.out, n_customers=args.customers, seed=args.seed, seasonality=args.seasonality)
    print(f"SIMULATED export written to {args.out}: {manifest['rows']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
