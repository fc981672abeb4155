"""The messy export (模拟数据 — SIMULATED data): the simulated CRM written the way real exports arrive.

:func:`messy_export` writes the tables the way real exports arrive: the online mall's order
file as a GB18030 CSV with Chinese headers and prices like ``¥1,999.00``; the carrier
partner's contract-phone orders as an Excel workbook; the offline stores' orders as a
UTF-8-with-BOM CSV with dates like ``2013年4月9日``; the customer table as a GB18030 CSV with
synthetic names, phone numbers and e-mails (``example.com``, :func:`personal_data`). It plants
exact numbers of duplicated rows, cancelled orders, returns, guest orders without a customer,
staff test accounts, and unparseable dates and amounts (:class:`MessRates`), and
:func:`write_export` records them in ``manifest.yml``.

Regenerate the committed files with ``python -m helpers.simulate``; the same seed gives the
same tables, byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from .crm import SimulatedCRM, simulate_crm
from .groups import CHANNELS, DEFAULT_SEED, GROUPS, LABEL, OBSERVATION_START, PHONES, SIMULATED_NOTE

#: Characters the synthetic names of :func:`personal_data` are drawn from.
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国志文斌辉鹏宇浩然欣怡子轩梓涵")


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
    (``duplicate, cancelled, missing_customer, test_account, unparseable_date, implausible_date,
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
        placeholder = int((dates[bad_d] == "0000-00-00 00:00:00").sum())  # a placeholder: implausible_date
        injected["unparseable_date"] -= placeholder
        injected["implausible_date"] = injected.get("implausible_date", 0) + placeholder
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
    with open(out_dir / "manifest.yml", "w", encoding="utf-8") as fh:  # the header names the generator as the
        # committed files do (helpers/simulate.py was one module then): the same seed gives the same bytes
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
                             "helpers/simulate.py")  # as in the committed workbook's README sheet

