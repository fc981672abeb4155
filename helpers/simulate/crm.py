"""Order lines and the clean simulated CRM (模拟数据 — SIMULATED data): what each purchase contains.

Order contents and prices are drawn from a catalogue of phones and mall accessories at
their Chinese launch prices in CNY (:data:`~helpers.simulate.groups.PHONES`,
:data:`~helpers.simulate.groups.ACCESSORIES`); spend is therefore *not* a Gamma-Gamma process
with planted parameters. :func:`simulate_crm` runs the whole process (customers and purchase
times from :mod:`helpers.simulate.process`, then order lines) and keeps the truth.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from .groups import (ACCESSORIES, ACCESSORY_WEIGHTS, CHANNELS, DEFAULT_SEED, GROUPS, OBSERVATION_END,
                     OBSERVATION_START, PHONES)
from .process import simulate_customers, simulate_purchases


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
    """Simulate customers, their BG/NBD purchases and order lines (see :mod:`helpers.simulate.process`).

    Scales linearly: ``n_customers=1_000_000`` gives roughly 4 million order lines in
    seconds (for benchmarks; see :func:`helpers.simulate.cli.main` ``--parquet``).
    """
    customers = simulate_customers(n_customers, seed=seed, seasonality=seasonality)
    purchases, truth = simulate_purchases(customers, seed=seed, seasonality=seasonality)
    orders = simulate_order_lines(customers, purchases, seed=seed, n_bulk_orders=n_bulk_orders)
    return SimulatedCRM(customers=customers, orders=orders, truth=truth, seed=seed, seasonality=seasonality)


def simulate_transactions(n_customers: int, seed: int = DEFAULT_SEED, seasonality: float = 1.0) -> pd.DataFrame:
    """Clean canonical transactions only (no export mess), for benchmarks at scale."""
    return simulate_crm(n_customers, seed=seed, seasonality=seasonality).orders

