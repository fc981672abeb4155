"""The simulated world's fixed parts: customer groups and their true parameters, the product
catalogue, the calendar's peak days, channels and cities (模拟数据 — SIMULATED data).

:data:`GROUPS` holds each group's BG/NBD parameters (time unit: weeks), which later notebooks
check their models against (:func:`group_parameters_table`); :data:`PHONES` and
:data:`ACCESSORIES` are the catalogue at Chinese launch prices in CNY; :data:`EVENTS` are the
launch days and flash sales that crowd purchases (:func:`event_markers` labels them in figures).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

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
