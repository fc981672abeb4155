"""Tests for :mod:`helpers.simulate`: determinism, the BG/NBD process, realism, and the committed export.

The BG/NBD checks compare simulated means with the closed forms of Fader, Hardie & Lee (2005):
E[X(t)] (their eq. 9) and P(alive at t). The Gauss hypergeometric function is summed as a series
here (scipy is not a project dependency); the series is itself checked against the published
conditional expectation E[X(39) | x=2, t_x=30.43, T=38.86] = 1.226 for the CDNOW estimates.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import yaml

from helpers import simulate
from helpers.acquire import XIAOMI_DIR, read_manifest
from helpers.simulate import (
    ACCESSORIES,
    EVENTS,
    FILES,
    OBSERVATION_END,
    PHONES,
    SIMULATED_NOTE,
    CustomerGroup,
    messy_export,
    simulate_crm,
    simulate_customers,
    simulate_purchases,
    write_export,
)


# --------------------------------------------------------------------------- BG/NBD closed forms


def hyp2f1(a: float, b: float, c: float, z: float) -> float:
    """Gauss hypergeometric 2F1(a, b; c; z) by its power series (|z| < 1)."""
    term, total = 1.0, 1.0
    for n in range(200_000):
        term *= (a + n) * (b + n) / ((c + n) * (n + 1)) * z
        total += term
        if abs(term) < 1e-15 * abs(total):
            return total
    raise RuntimeError("2F1 series did not converge")


def bgnbd_expected_repeats(t: float, r: float, alpha: float, a: float, b: float) -> float:
    """E[X(t)], Fader, Hardie & Lee (2005) eq. 9."""
    return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, t / (alpha + t)))


def bgnbd_p_alive(t: float, r: float, alpha: float, a: float, b: float) -> float:
    """P(alive at t) for a customer whose first purchase is at 0.

    Alive means fewer purchases than the dropout count: P = E[(1-p)^N(t)] = E[exp(-λ p t)];
    integrating λ ~ Gamma(r, α) gives E_p[(α/(α+pt))^r] = 2F1(r, a; a+b; -t/α), which the Pfaff
    transformation turns into (α/(α+t))^r 2F1(r, b; a+b; t/(α+t)).
    """
    return (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b, t / (alpha + t))


def bgnbd_conditional_expectation(t, x, t_x, T, r, alpha, a, b):
    """E[Y(t) | x, t_x, T], Fader, Hardie & Lee (2005) eq. 10."""
    f = hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t))
    num = (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * f)
    den = 1 + (x > 0) * a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x)
    return num / den


def test_series_reproduces_published_check_value():
    # CDNOW BG/NBD MLE (r, alpha, a, b) = (0.243, 4.414, 0.793, 2.426); published value 1.226
    value = bgnbd_conditional_expectation(39, 2, 30.43, 38.86, 0.243, 4.414, 0.793, 2.426)
    assert value == pytest.approx(1.226, abs=5e-4)
    assert hyp2f1(1, 1, 2, 0.5) == pytest.approx(-math.log(1 - 0.5) / 0.5)  # 2F1(1,1;2;z) = -ln(1-z)/z


FIRST_DAY = pd.Timestamp("2012-07-01")
HORIZON_WEEKS = (OBSERVATION_END - FIRST_DAY).days / 7


def one_group_cohort(monkeypatch, r, alpha, a, b, n=20_000, seed=7):
    """A single-group cohort, no seasonality, everyone's first purchase on the same day."""
    group = CustomerGroup("only", "唯一", 1.0, r=r, alpha=alpha, a=a, b=b, phone_share=0.3,
                          flagship_bias=1.0, forum_member=0.3, miui_user=0.8)
    monkeypatch.setattr(simulate.process, "GROUPS", {"only": group})  # the groups simulate_customers draws from
    customers = simulate_customers(n, seed=seed, seasonality=0.0, buyer_share=1.0)
    assert customers["is_buyer"].all() and (customers["group"] == "only").all()
    customers["first_purchase"] = FIRST_DAY
    purchases, truth = simulate_purchases(customers, seed=seed, seasonality=0.0)
    return customers, purchases, truth


@pytest.mark.parametrize("params", [
    (0.50, 14.0, 0.80, 3.20),   # the simulation's mainstream group
    (0.90, 10.0, 0.60, 5.00),   # enthusiasts (a < 1)
    (0.243, 4.414, 0.793, 2.426),  # CDNOW estimates
])
def test_repeat_purchases_match_bgnbd_expectation(monkeypatch, params):
    customers, purchases, truth = one_group_cohort(monkeypatch, *params)
    assert truth["T_weeks"].to_numpy() == pytest.approx(HORIZON_WEEKS)
    # heterogeneity is drawn from the group's Gamma and Beta
    r, alpha, a, b = params
    lam, p = customers["lambda_per_week"], customers["p_dropout"]
    assert lam.mean() == pytest.approx(r / alpha, abs=4 * math.sqrt(r) / alpha / math.sqrt(len(lam)))
    p_sd = math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
    assert p.mean() == pytest.approx(a / (a + b), abs=4 * p_sd / math.sqrt(len(p)))

    repeats = purchases.loc[purchases["purchase_no"] > 0].groupby("customer_id").size()
    repeats = repeats.reindex(customers["customer_id"], fill_value=0)
    expected = bgnbd_expected_repeats(HORIZON_WEEKS, *params)
    se = repeats.std(ddof=1) / math.sqrt(len(repeats))
    assert abs(repeats.mean() - expected) < 4 * se, (repeats.mean(), expected, se)

    # the truth table agrees with the purchase log
    by_id = truth.set_index("customer_id")
    assert (by_id.loc[repeats.index, "n_repeat"].to_numpy() == repeats.to_numpy()).all()
    assert (truth["n_repeat"] <= truth["K"]).all() and (truth["K"] >= 1).all()
    assert (truth.loc[truth["alive_at_end"], "n_repeat"] < truth.loc[truth["alive_at_end"], "K"]).all()
    assert (truth.loc[~truth["alive_at_end"], "n_repeat"] == truth.loc[~truth["alive_at_end"], "K"]).all()
    # every purchase is in the window, repeats after the first purchase
    assert (purchases["timestamp"] >= FIRST_DAY).all() and (purchases["timestamp"] < OBSERVATION_END).all()
    assert (purchases.groupby("customer_id")["purchase_no"].min() == 0).all()

    alive = truth["alive_at_end"].mean()
    p_alive = bgnbd_p_alive(HORIZON_WEEKS, *params)
    assert 0 < p_alive < 1
    assert abs(alive - p_alive) < 4 * math.sqrt(p_alive * (1 - p_alive) / len(truth)), (alive, p_alive)


def test_share_alive_falls_with_dropout_probability(monkeypatch):
    r, alpha = 0.5, 14.0
    shares, closed = [], []
    for a, b in [(0.8, 3.2), (2.0, 2.0), (3.2, 0.8)]:  # mean dropout 0.2, 0.5, 0.8
        _, _, truth = one_group_cohort(monkeypatch, r, alpha, a, b, n=10_000, seed=3)
        shares.append(truth["alive_at_end"].mean())
        closed.append(bgnbd_p_alive(HORIZON_WEEKS, r, alpha, a, b))
    assert all(0 < s < 1 for s in shares)
    assert shares[0] > shares[1] > shares[2]
    assert closed[0] > closed[1] > closed[2]
    for s, c in zip(shares, closed):
        assert abs(s - c) < 4 * math.sqrt(c * (1 - c) / 10_000)


# --------------------------------------------------------------------------- determinism


@pytest.fixture(scope="module")
def sim():
    return simulate_crm(4_000, seed=11)


def test_same_seed_same_tables(sim):
    again = simulate_crm(4_000, seed=11)
    pd.testing.assert_frame_equal(sim.customers, again.customers)
    pd.testing.assert_frame_equal(sim.orders, again.orders)
    pd.testing.assert_frame_equal(sim.truth, again.truth)
    tables, injected = messy_export(sim)
    tables2, injected2 = messy_export(again)
    assert injected == injected2
    for name in tables:
        pd.testing.assert_frame_equal(tables[name], tables2[name])


def test_other_seed_other_tables(sim):
    other = simulate_crm(4_000, seed=12)
    assert not sim.customers["customer_id"].equals(other.customers["customer_id"])
    assert not np.allclose(sim.truth["lambda_per_week"].to_numpy()[:100],
                           other.truth["lambda_per_week"].to_numpy()[:100])
    assert len(sim.orders) != len(other.orders) or not sim.orders["amount"].equals(other.orders["amount"])


# --------------------------------------------------------------------------- realism


def test_ages_mostly_18_to_35():
    customers = simulate_customers(20_000, seed=5)
    age = customers["age"]
    share = age.between(18, 35).mean()
    assert abs(share - 0.78) < 4 * math.sqrt(0.78 * 0.22 / len(age))
    assert age.min() >= 18 and age.max() <= 60
    young = age[age <= 35]
    assert young.mode().iloc[0] in range(22, 29)  # peak in the mid-twenties


def test_order_lines_have_catalogue_prices(sim):
    orders = sim.orders
    unit = orders["amount"] / orders["quantity"]
    phones = orders["category"] == "手机"
    assert phones.any() and (~phones).any()
    assert unit[phones].between(699, 2299).all()
    assert set(unit[phones].round(2)) <= {price for _, _, price, _ in PHONES}
    assert unit[~phones].between(19, 299).all()
    assert set(unit[~phones].round(2)) <= {price for _, _, price, _ in ACCESSORIES}
    # a product is never sold before its launch day
    launch = {name: pd.Timestamp(day) for name, day, _, _ in PHONES}
    launch.update({name: pd.Timestamp(day) for name, _, _, day in ACCESSORIES})
    assert (orders["timestamp"] >= orders["product"].map(launch)).all()
    # carrier orders are phone-only; quantities are positive whole numbers
    assert (orders.loc[orders["channel"] == "carrier", "category"] == "手机").all()
    assert (orders["quantity"] >= 1).all()
    assert (orders["status"] == "completed").all()


def _daily_counts(orders: pd.DataFrame) -> pd.Series:
    per_order = orders.drop_duplicates("order_id")
    return per_order["timestamp"].dt.normalize().value_counts()


def _ordinary_days(start: str, end: str) -> pd.DatetimeIndex:
    days = pd.date_range(start, end, freq="D")
    events = pd.to_datetime([day for day, _, _ in EVENTS])
    return days[(days.day_of_week != 1) & ~days.isin(events)]


def test_launch_day_peak(sim):
    counts = _daily_counts(sim.orders)
    ordinary = counts.reindex(_ordinary_days("2013-03-01", "2013-05-31"), fill_value=0)
    launch = counts.get(pd.Timestamp("2013-04-09"), 0)
    assert launch > 3 * ordinary.median()
    assert launch > ordinary.max()
    # without seasonality the same day is ordinary
    flat = simulate_crm(4_000, seed=11, seasonality=0.0)
    flat_counts = _daily_counts(flat.orders)
    flat_ordinary = flat_counts.reindex(_ordinary_days("2013-03-01", "2013-05-31"), fill_value=0)
    assert flat_counts.get(pd.Timestamp("2013-04-09"), 0) < 3 * max(flat_ordinary.median(), 1)


# --------------------------------------------------------------------------- the committed export


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    manifest = read_manifest()
    out = tmp_path_factory.mktemp("xiaomi_sim")
    params = manifest["parameters"]
    new_manifest = write_export(out, n_customers=manifest["n_customers"], seed=params["seed"],
                                seasonality=params["seasonality"])
    return out, manifest, new_manifest


@pytest.mark.parametrize("name", ["customers.csv", "orders_online_mall.csv", "orders_offline_stores.csv",
                                  "truth/customers_truth.csv"])
def test_committed_csv_files_are_reproducible(regenerated, name):
    out, _, _ = regenerated
    assert (out / name).read_bytes() == (XIAOMI_DIR / name).read_bytes()


def test_committed_excel_is_reproducible(regenerated):
    out, _, _ = regenerated
    committed = pd.read_excel(XIAOMI_DIR / FILES["carrier"], sheet_name=None, dtype=object, engine="openpyxl")
    fresh = pd.read_excel(out / FILES["carrier"], sheet_name=None, dtype=object, engine="openpyxl")
    assert list(committed) == list(fresh) == ["合约机订单", "说明 README"]
    for sheet in committed:
        pd.testing.assert_frame_equal(committed[sheet], fresh[sheet])


def test_committed_manifest_is_reproducible(regenerated):
    out, committed, fresh = regenerated
    assert fresh["injected"] == committed["injected"]
    assert fresh["rows"] == committed["rows"]
    with open(out / "manifest.yml", encoding="utf-8") as fh:
        assert yaml.safe_load(fh) == committed
    # the row counts describe the files
    assert committed["rows"]["customers"] == len(pd.read_csv(XIAOMI_DIR / FILES["customers"], encoding="gb18030"))
    assert committed["rows"]["carrier"] == len(pd.read_excel(XIAOMI_DIR / FILES["carrier"], sheet_name="合约机订单", engine="openpyxl"))


# --------------------------------------------------------------------------- labelled as simulated


def test_every_table_says_simulated(sim):
    tables, injected = messy_export(sim)
    assert set(tables) == {"online_mall", "carrier", "offline_store", "customers"}
    for name, table in tables.items():
        flagged = [c for c in table.columns if table[c].astype(str).str.contains("SIMULATED").all()]
        assert flagged, f"{name} has no column saying SIMULATED"
    assert all(v > 0 for v in injected.values())


def test_committed_files_say_simulated():
    manifest = read_manifest()
    assert manifest["simulated"] is True and "SIMULATED" in manifest["label"]
    for name, encoding in [(FILES["online_mall"], "gb18030"), (FILES["customers"], "gb18030"),
                           (FILES["offline_store"], "utf-8-sig")]:
        table = pd.read_csv(XIAOMI_DIR / name, encoding=encoding, dtype=str)
        assert (table.iloc[:, -1] == SIMULATED_NOTE).all(), name
    book = pd.read_excel(XIAOMI_DIR / FILES["carrier"], sheet_name=None, dtype=str, engine="openpyxl")
    assert (book["合约机订单"]["data_note"] == SIMULATED_NOTE).all()
    assert SIMULATED_NOTE in book["说明 README"].iloc[:, 0].tolist()
    truth = pd.read_csv(XIAOMI_DIR / "truth" / "customers_truth.csv", dtype=str)
    assert (truth["note"] == "SIMULATED truth").all()


def test_encodings_are_what_the_manifest_promises():
    for name in (FILES["online_mall"], FILES["customers"]):
        data = (XIAOMI_DIR / name).read_bytes()
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
        text = data.decode("gb18030")
        header = text.splitlines()[0]
        assert "客户ID" in header
    mall_header = (XIAOMI_DIR / FILES["online_mall"]).read_bytes().decode("gb18030").splitlines()[0]
    assert mall_header.split(",")[:3] == ["订单号", "客户ID", "下单时间"]
    store = (XIAOMI_DIR / FILES["offline_store"]).read_bytes()
    assert store.startswith(b"\xef\xbb\xbf")
    assert "会员号" in store.decode("utf-8-sig").splitlines()[0]
