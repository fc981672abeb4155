"""Customer knowledge management (客户知识管理): integrate, share and apply customer knowledge.

The second course paper (``SEEDS.md``) describes customer knowledge management (CKM; Wayland &
Cole 1997) as four stages: **acquire** (获取) explicit data (profile, purchases) and tacit
knowledge (suggestions, opinions from the forum and meet-ups); **integrate** (整合) by
classifying and coding (分类、编码) it into a customer knowledge database; **share** (共享) it so
that staff — e.g. counter sales staff reading a customer's profile in a browser — can learn from
it, ending in a per-customer knowledge report (客户个人知识报告); and **apply** (运用) it to solve
customers' problems. This module implements the last three on top of notebooks 01–06:

* :data:`CODE_SCHEME` — the documented code scheme: a *kind* letter (``N`` needs 需求 =
  questions, ``C`` complaints 投诉 = negative experience reports, ``S`` suggestions 建议,
  ``P`` praise 好评 = positive experience reports) and a two-digit *category* (01 battery …
  08 after-sales, 99 other), e.g. ``C-03`` = a complaint about heat (发热). Topics found by NMF
  (:mod:`helpers.topics`) are mapped to categories by the category keywords
  (:func:`topic_categories`); experience posts are split into complaints and praise by a small
  polarity lexicon (:func:`polarity`).
* :func:`build_knowledge_base` — one embedded DuckDB file ``data/processed/<dataset>/
  knowledge.duckdb`` joining profile, orders, segments (notebook 03), CLV (notebook 04),
  community interactions and coded feedback, with views (:data:`KB_TABLES`, :data:`KB_VIEWS`).
* :func:`customer_report` / :func:`segment_report` — the data of one customer's or one
  segment's knowledge report (pseudonymised: customer id and pseudonymous name only), rendered
  by ``notebooks/knowledge_report.ipynb``;
* :func:`segment_actions` / :func:`customer_actions` — recommended actions, each traced to the
  rule and the numbers (with their table and column) that triggered it.

References
----------
Wayland, R. E. & Cole, P. M. (1997). *Customer Connections*. Harvard Business School Press.
Gibbert, M., Leibold, M. & Probst, G. (2002). Five styles of customer knowledge management.
*European Management Journal* 20(5), 459–469.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import i18n, store
from .errors import DataError
from .i18n import tr
from .paths import interim_dir, processed_dir

# =========================================================================== the code scheme

#: Kinds of customer knowledge in a post: letter → (English, 中文, meaning, where it comes from)
KINDS: dict[str, tuple[str, str, str]] = {
    "N": ("need", "需求", "a question (提问): the customer needs information or help"),
    "C": ("complaint", "投诉/抱怨", "an experience report (体验) describing a problem"),
    "S": ("suggestion", "建议", "an improvement proposal (建议) for products or MIUI"),
    "P": ("praise", "好评", "an experience report (体验) praising the product or service"),
}
#: Categories: two digits → (English, 中文, category keywords used to map topics to categories)
CATEGORIES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "01": ("battery life", "电池续航", ("电池", "续航", "耗电", "充电", "待机", "电量", "省电", "掉电", "充电器")),
    "02": ("camera", "相机拍照", ("相机", "拍照", "照片", "摄像头", "对焦", "夜景", "像素", "镜头", "成像", "闪光灯")),
    "03": ("heat", "发热", ("发热", "发烫", "温度", "散热", "过热", "烫手", "降温")),
    "04": ("signal and network", "信号网络", ("信号", "网络", "基站", "通话", "断网", "掉线", "wifi", "联通", "移动",
                                           "电信")),
    "05": ("system and updates (MIUI)", "系统更新", ("系统", "更新", "升级", "开发版", "稳定版", "miui", "卡顿", "桌面",
                                                 "通知栏", "主题", "刷机", "重启")),
    "06": ("price and promotions", "价格优惠", ("价格", "性价比", "降价", "优惠券", "抢购", "便宜", "差价", "补差价",
                                            "划算", "预算", "优惠")),
    "07": ("screen", "屏幕", ("屏幕", "显示", "亮度", "触屏", "色彩", "分辨率", "划痕", "偏色", "漏光")),
    "08": ("after-sales service", "售后服务", ("售后", "售后服务", "维修", "客服", "快递", "换货", "退货", "保修", "网点",
                                            "发货", "保修期")),
    "99": ("other / not classified", "其他（待人工分类）", ()),
}
POST_TYPE_KIND = {"question": "N", "suggestion": "S"}  # experience → C or P by polarity


def _scheme() -> dict[str, dict[str, str]]:
    scheme = {}
    for k, (kind, kind_zh, meaning) in KINDS.items():
        for n, (cat, cat_zh, words) in CATEGORIES.items():
            scheme[f"{k}-{n}"] = {"kind": kind, "kind_zh": kind_zh, "category": n, "category_en": cat,
                                  "category_zh": cat_zh, "description": f"{kind} about {cat}: {meaning}",
                                  "说明": f"{cat_zh}方面的{kind_zh}", "keywords": " ".join(words)}
    return scheme


#: Every valid code, e.g. ``CODE_SCHEME["C-03"]["说明"] == "发热方面的投诉/抱怨"``.
CODE_SCHEME: dict[str, dict[str, str]] = _scheme()
CODE_PATTERN = re.compile(r"^[NCSP]-(0[1-8]|99)$")


def code_scheme_table() -> pd.DataFrame:
    """The code scheme as a table: ``code, kind, kind_zh, category, category_en, category_zh, 说明, keywords``."""
    rows = [{"code": code, **{k: v for k, v in spec.items() if k != "description"}} for code, spec in CODE_SCHEME.items()]
    return pd.DataFrame(rows)


def topic_categories(top_terms: pd.DataFrame, min_score: float = 0.15) -> pd.DataFrame:
    """Map each fitted topic to a code-scheme category by the weight of its top terms.

    ``score[topic, category] = Σ weight of the topic's top terms that are category keywords /
    Σ weight of its top terms``; the topic gets the best category, or ``99`` (other, to be
    reviewed by hand) when the best score is below ``min_score``.

    Parameters
    ----------
    top_terms
        ``topic, term, weight`` (e.g. :attr:`helpers.topics.TopicModel.top_terms_`).

    Returns
    -------
    DataFrame
        ``topic, category, category_en, category_zh, score``.
    """
    rows = []
    for topic, g in top_terms.groupby("topic", sort=True):
        total = g["weight"].sum()
        best, best_score = "99", 0.0
        for n, (_, _, words) in CATEGORIES.items():
            if not words:
                continue
            s = g.loc[g["term"].isin(words), "weight"].sum() / total if total > 0 else 0.0
            if s > best_score:
                best, best_score = n, float(s)
        if best_score < min_score:
            best = "99"
        rows.append({"topic": int(topic), "category": best, "category_en": CATEGORIES[best][0],
                     "category_zh": CATEGORIES[best][1], "score": round(best_score, 3)})
    return pd.DataFrame(rows)


#: Cue words of a problem report, and of praise. Negative cues preceded (within a clause) by a
#: negator (没有, 很少, 也不, 不会, 从来没有) count as praise ("没有偏色和漏光").
NEGATIVE_CUES: tuple[str, ...] = (
    "太差", "很差", "差劲", "严重", "太慢", "很慢", "不稳定", "不灵敏", "不准", "不正", "失望", "吃亏", "麻烦",
    "打不通", "拿不住", "看不清", "听不清", "连不上", "打不开", "没法", "不行", "不好", "故障", "闪退", "卡顿",
    "很卡", "变卡", "发烫", "烫手", "过热", "掉线", "断网", "噪点", "发灰", "发黄", "偏黄", "偏色", "漏光", "残影",
    "划痕", "花了", "进灰", "黑点", "糊", "过曝", "错过", "拒绝", "不回复", "互相推", "被重置", "乱了", "失败",
    "超了", "炒高", "太大", "太高", "太快", "掉得厉害", "撑不过", "变短", "要等", "没有信号", "都没有", "时有时无",
    "少两格", "不划算", "不便宜", "用不了", "没修好", "说不清楚", "没抢到", "只能", "特别快", "温度很高", "温度太高",
    "耗电严重", "耗电太快", "没有回复", "不满意", "差评")
POSITIVE_CUES: tuple[str, ...] = (
    "不错", "很好", "好用", "流畅", "惊喜", "划算", "耐用", "够用", "清楚", "清晰", "稳定", "方便", "给力", "很快",
    "挺快", "漂亮", "鲜艳", "细腻", "舒服", "推荐", "满意", "实用", "自然", "很高", "及时", "个性", "跟手", "很顺",
    "解决了", "降低", "没问题", "长多了", "好多了", "没得说", "值", "成功", "耐心", "修好了", "满格", "很少", "正常",
    "变慢", "点赞", "好评", "喜欢", "得好", "的好", "也能", "也不高", "控制得好", "比之前")
NEGATORS: tuple[str, ...] = ("从来没有", "没有", "很少", "也不", "不会")


def polarity_scores(text: str) -> tuple[int, int]:
    """``(negative, positive)`` cue counts of one text (see :data:`NEGATIVE_CUES`).

    Negative cues are matched first, longest first, and removed, so ``不稳定`` is not also
    counted as ``稳定``; a negative cue with a negator earlier in the same clause counts as positive.
    """
    neg = pos = 0
    rest = str(text)
    for cue in sorted(NEGATIVE_CUES, key=len, reverse=True):
        while cue in rest:
            i = rest.index(cue)
            clause = re.split(r"[，。！？；,.!?;]", rest[:i])[-1]
            if any(n in clause for n in NEGATORS):
                pos += 1
            else:
                neg += 1
            rest = rest[:i] + "|" + rest[i + len(cue):]
    for cue in sorted(POSITIVE_CUES, key=len, reverse=True):
        c = rest.count(cue)
        pos += c
        rest = rest.replace(cue, "|")
    return neg, pos


def polarity(texts: Sequence[str] | pd.Series) -> pd.Series:
    """``complaint`` or ``praise`` per experience text by the cue balance (ties → ``complaint``).

    A deliberately simple, transparent lexicon rule (a sales team can read and extend the cue
    lists). On real data, check it against a hand-coded sample before relying on it.
    """
    values = []
    for text in texts:
        neg, pos = polarity_scores(text)
        values.append("praise" if pos > neg else "complaint")
    index = texts.index if isinstance(texts, pd.Series) else None
    return pd.Series(values, index=index, dtype="string", name="polarity")


def code_posts(posts: pd.DataFrame, assignments: pd.DataFrame, categories: pd.DataFrame,
               min_confidence: float = 0.0) -> pd.DataFrame:
    """Classify and code posts (分类、编码): kind from the post type (and polarity), category from the topic.

    Parameters
    ----------
    posts
        Canonical posts (``post_id, post_type, title, text``, …).
    assignments
        ``post_id, topic, topic_label, confidence`` (:func:`helpers.topics.fit_post_topics`).
    categories
        :func:`topic_categories` output.
    min_confidence
        Posts whose topic confidence is below this get category ``99`` (to be coded by hand).

    Returns
    -------
    DataFrame
        ``posts`` plus ``topic, topic_label, topic_confidence, polarity, kind, category,
        category_zh, code``; every code is in :data:`CODE_SCHEME`.
    """
    a = assignments.rename(columns={"confidence": "topic_confidence"})
    out = posts.merge(a[["post_id", "topic", "topic_label", "topic_confidence"]], on="post_id", how="left")
    missing = out["topic"].isna()
    if missing.any():
        row = int(np.flatnonzero(missing.to_numpy())[0]) + 1
        raise DataError("a post has no topic assignment", file="posts", column="post_id", row=row,
                        hint="fit the topic model on the same posts (helpers.topics.fit_post_topics)")
    cat = out["topic"].astype(int).map(categories.set_index("topic")["category"]).fillna("99")
    cat = cat.where(out["topic_confidence"] >= min_confidence, "99").where(out["topic"] >= 0, "99")
    exp = out["post_type"] == "experience"
    pol = pd.Series(pd.NA, index=out.index, dtype="string")
    if exp.any():
        pol[exp] = polarity(out.loc[exp, "title"].fillna("") + "。" + out.loc[exp, "text"].fillna("")).to_numpy()
    kind = out["post_type"].map(POST_TYPE_KIND).astype(object)
    kind = np.where(exp, np.where(pol.fillna("").to_numpy() == "praise", "P", "C"), kind)
    out["polarity"] = pol
    out["kind"] = pd.array(kind, dtype="string")
    out["category"] = pd.array(cat.to_numpy(), dtype="string")
    out["category_zh"] = out["category"].map({k: v[1] for k, v in CATEGORIES.items()}).astype("string")
    out["code"] = (out["kind"] + "-" + out["category"]).astype("string")
    out["topic"] = out["topic"].astype("int64")
    return out


# =========================================================================== inputs


def knowledge_path(dataset: str) -> Path:
    """``data/processed/<dataset>/knowledge.duckdb``."""
    return processed_dir(dataset) / "knowledge.duckdb"


def _read_processed(dataset: str, name: str, notebook: str) -> pd.DataFrame:
    path = processed_dir(dataset) / name
    if not path.exists():
        raise DataError(f"{name} for dataset {dataset!r} does not exist yet", file=path,
                        hint=f"run notebooks/{notebook} with the same dataset parameter first "
                             "(or `make report`, which runs the notebooks in order)")
    frame = pd.read_parquet(path)
    if "customer_id" not in frame.columns:
        raise DataError("has no customer_id column", file=path, column="customer_id",
                        hint=f"re-run notebooks/{notebook}")
    frame["customer_id"] = frame["customer_id"].astype("string")
    return frame


def load_segments(dataset: str) -> pd.DataFrame:
    """Notebook 03's ``segments.parquet`` (one row per customer)."""
    return _read_processed(dataset, "segments.parquet", "03_segmentation.ipynb")


def load_clv(dataset: str) -> pd.DataFrame:
    """Notebook 04's ``clv.parquet`` (one row per customer: frequency, recency, T, p_alive, clv, …)."""
    return _read_processed(dataset, "clv.parquet", "04_clv.ipynb")


def load_value(dataset: str) -> pd.DataFrame:
    """CLV joined with segments on ``customer_id`` (CLV's ``clv`` kept when both have one)."""
    clv = load_clv(dataset)
    seg = load_segments(dataset)
    seg = seg.drop(columns=[c for c in seg.columns if c in clv.columns and c != "customer_id"])
    return clv.merge(seg, on="customer_id", how="outer")


def clv_metadata(dataset: str) -> dict[str, Any]:
    """Notebook 04's notes on the CLV table (e.g. the prediction horizon), when it wrote any."""
    for name in ("clv_metadata.json", "clv.json"):
        path = processed_dir(dataset) / name
        if path.exists():
            return json.loads(path.read_text(encoding="utf-8"))
    return {}


def horizon_text(horizon: Any) -> str:
    """``"52 W"`` → ``"52 weeks"`` (notebook 04 writes the horizon as a count and a time-unit letter)."""
    units = {"D": "days", "W": "weeks", "M": "months", "Q": "quarters", "Y": "years"}
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([DWMQY])\s*", str(horizon or ""))
    return f"{match.group(1)} {units[match.group(2)]}" if match else str(horizon or "")


@dataclass
class KnowledgeInputs:
    """Everything the knowledge base integrates (one dataset)."""

    dataset: str
    label: str
    simulated: bool
    currency: str
    customers: pd.DataFrame
    transactions: pd.DataFrame
    segments: pd.DataFrame | None
    clv: pd.DataFrame | None
    community: Any = None  # helpers.community.Community or None
    top_terms: pd.DataFrame | None = None
    assignments: pd.DataFrame | None = None
    segment_column: str = "rfm_segment"
    horizon: str = ""


def gather_inputs(dataset: str, community_source: Any = None, n_topics: int = 8, seed: int = 0,
                  segment_column: str = "rfm_segment") -> KnowledgeInputs:
    """Collect the inputs of :func:`build_knowledge_base` from the outputs of notebooks 01–06.

    Customers: the acquired customer table without staff test accounts (when the dataset has
    one), else the customer ids of the clean transactions. Segments and CLV: notebooks 03 and
    04 (required). Community: :func:`helpers.community.load_community`; topics: notebook 06's
    saved assignments when they match the posts, else fitted here (:func:`helpers.topics.load_or_fit`).
    """
    from . import community as cm
    from . import topics as tp
    from .clean import load_processed

    tx, meta = load_processed(dataset)
    customers = store.load_customers(dataset, tx)
    com = cm.load_community(community_source, dataset)
    top_terms = assignments = None
    if com is not None and len(com.posts):
        top_terms, assignments = tp.load_or_fit(dataset, com.posts, n_topics=n_topics, seed=seed)
    horizon = horizon_text(clv_metadata(dataset).get("horizon", ""))
    return KnowledgeInputs(dataset=dataset, label=meta.get("label", dataset), simulated=bool(meta.get("simulated")),
                           currency=meta.get("currency", ""), customers=customers, transactions=tx,
                           segments=load_segments(dataset), clv=load_clv(dataset), community=com,
                           top_terms=top_terms, assignments=assignments, segment_column=segment_column,
                           horizon=str(horizon))


# =========================================================================== the database

#: Tables of the knowledge base and what each holds.
KB_TABLES: dict[str, str] = {
    "meta": "dataset, label (says SIMULATED for simulated data), currency, segment column, horizon, build notes",
    "code_scheme": "every valid code (kind N/C/S/P × category 01–08, 99) with its meaning in English and Chinese",
    "customers": "one row per customer: pseudonymous name, gender, age, city, sign-up, channel, MIUI user, "
                 "forum member (no phone or e-mail: not needed to serve the customer)",
    "orders": "one row per order: customer, time, amount, products, channel",
    "orders_summary": "per customer: orders, revenue, first and last purchase, phones bought, top category",
    "segments": "notebook 03: ABC class, RFM scores and segment, cluster, value × need quadrant, lifecycle stage",
    "clv": "notebook 04: frequency, recency, T, monetary value, P(alive), expected purchases and spend, CLV",
    "members": "forum members (会员) with their customer id when linked; nicknames pseudonymised",
    "engagement": "per customer: posts by type, adopted suggestions, replies, likes, meet-ups, votes, level",
    "topics": "NMF feedback topics: label, top terms, mapped category, share of posts",
    "posts_coded": "every post with its topic, polarity, kind, category and code (分类、编码)",
    "releases": "Friday MIUI developer builds",
    "adoptions": "suggestions adopted into a build, with lead time in days",
    "meetups": "city-club meet-ups", "attendance": "check-ins at meet-ups (member and customer)",
    "polls": "product-design polls (one row per option)", "votes": "poll votes (member and customer)",
}
#: Views of the knowledge base.
KB_VIEWS: dict[str, str] = {
    "customer_profile": "customers ⟕ orders_summary ⟕ segments ⟕ clv ⟕ engagement: one row per customer",
    "customer_feedback": "per customer and code: posts, first and last post",
    "feedback_summary": "per code: posts, customers, share of posts",
    "segment_summary": "per segment (of the meta segment column): customers, value, P(alive), engagement, complaints",
}


def _orders(tx: pd.DataFrame) -> pd.DataFrame:
    """One row per order (SQL on DuckDB: a per-order Python loop takes seconds on 20,000 orders)."""
    import duckdb

    t = tx.assign(customer_id=tx["customer_id"].astype("string"))
    products = ("array_to_string(list_slice(list_distinct(list(product ORDER BY product)), 1, 3), '、') AS products, "
                if "product" in t.columns else "")
    channel = "first(channel ORDER BY timestamp) AS channel, " if "channel" in t.columns else ""
    con = duckdb.connect()
    try:
        con.register("t", t)
        orders = con.execute(f"""SELECT order_id, customer_id, min(timestamp) AS timestamp,
                                        round(sum(amount), 2) AS amount, count(*) AS lines, {products} {channel}
                                        1 AS _x
                                 FROM t GROUP BY customer_id, order_id ORDER BY customer_id, timestamp, order_id""").df()
    finally:
        con.close()
    orders = orders.drop(columns="_x")
    for col in ("order_id", "customer_id", "products", "channel"):
        if col in orders:
            orders[col] = orders[col].astype("string")
    return orders


def _orders_summary(tx: pd.DataFrame, orders: pd.DataFrame) -> pd.DataFrame:
    s = orders.groupby("customer_id").agg(orders=("order_id", "size"), revenue=("amount", "sum"),
                                          first_purchase=("timestamp", "min"), last_purchase=("timestamp", "max"))
    s["revenue"] = s["revenue"].round(2)
    t = tx.assign(customer_id=tx["customer_id"].astype("string"))
    if "category" in t.columns:
        by_cat = t.groupby(["customer_id", "category"])["amount"].sum().reset_index()
        top = by_cat.sort_values(["customer_id", "amount", "category"], ascending=[True, False, True])
        s["top_category"] = top.drop_duplicates("customer_id").set_index("customer_id")["category"]
        if "quantity" in t.columns:
            phones = t.loc[t["category"] == "手机"].groupby("customer_id")["quantity"].sum()
            s["phones"] = phones.reindex(s.index).fillna(0).astype("int64")
    if "product" in t.columns:
        last = t.sort_values("timestamp", kind="stable").drop_duplicates("customer_id", keep="last")
        s["last_product"] = last.set_index("customer_id")["product"]
    return s.reset_index()


def _customers(inputs: KnowledgeInputs) -> pd.DataFrame:
    keep = ["customer_id", "name", "gender", "age", "city", "signup_date", "channel", "miui_user", "forum_member"]
    c = inputs.customers[[k for k in keep if k in inputs.customers.columns]].copy()
    c["customer_id"] = c["customer_id"].astype("string")
    if "age" in c:
        c["age"] = pd.to_numeric(c["age"], errors="coerce").astype("Int64")
    if "signup_date" in c:
        c["signup_date"] = pd.to_datetime(c["signup_date"], errors="coerce")
    c["in_customer_table"] = True
    # no customer lost: ids seen only in transactions, segments or CLV get a row without a profile
    seen = [inputs.transactions["customer_id"]]
    seen += [f["customer_id"] for f in (inputs.segments, inputs.clv) if f is not None]
    extra = pd.Index(pd.concat(seen).astype("string").dropna().unique()).difference(pd.Index(c["customer_id"]))
    if len(extra):
        c = pd.concat([c, pd.DataFrame({"customer_id": pd.array(extra, dtype="string"), "in_customer_table": False})],
                      ignore_index=True)
    dup = c["customer_id"].duplicated()
    if dup.any():
        row = int(np.flatnonzero(dup.to_numpy())[0]) + 1
        raise DataError("customer id appears twice in the customer table", file="customers", column="customer_id",
                        row=row, hint="de-duplicate the customer table")
    return c


def knowledge_tables(inputs: KnowledgeInputs) -> dict[str, pd.DataFrame]:
    """The tables of the knowledge base as DataFrames (what :func:`build_knowledge_base` writes)."""
    from . import community as cm

    orders = _orders(inputs.transactions)
    tables: dict[str, pd.DataFrame] = {
        "meta": pd.DataFrame({"key": ["dataset", "label", "simulated", "currency", "segment_column", "horizon",
                                      "community"],
                              "value": [inputs.dataset, inputs.label, str(inputs.simulated).lower(), inputs.currency,
                                        inputs.segment_column, inputs.horizon,
                                        "" if inputs.community is None else inputs.community.label]}),
        "code_scheme": code_scheme_table(),
        "customers": _customers(inputs),
        "orders": orders,
        "orders_summary": _orders_summary(inputs.transactions, orders),
    }
    if inputs.segments is not None:
        tables["segments"] = inputs.segments.assign(customer_id=inputs.segments["customer_id"].astype("string"))
    if inputs.clv is not None:
        tables["clv"] = inputs.clv.assign(customer_id=inputs.clv["customer_id"].astype("string"))
    com = inputs.community
    if com is not None:
        members = com.members.copy()
        to_customer = members.set_index("member_id")["customer_id"]
        tables["members"] = members
        tables["engagement"] = cm.engagement(tables["customers"], com).drop(columns=["member_ids"])
        tables["engagement"]["level"] = tables["engagement"]["level"].astype("string")
        if inputs.assignments is not None and inputs.top_terms is not None:
            cats = topic_categories(inputs.top_terms)
            coded = code_posts(com.posts, inputs.assignments, cats)
            coded.insert(2, "customer_id", coded["member_id"].map(to_customer).astype("string"))
            tables["posts_coded"] = coded
            labels = inputs.top_terms.groupby("topic")["term"].apply(lambda s: " ".join(s.head(8)))
            counts = coded["topic"].value_counts()
            topic_table = cats.copy()
            topic_table.insert(1, "label", topic_table["topic"].map(
                inputs.top_terms.groupby("topic")["term"].apply(lambda s: "/".join(s.head(3)))))
            topic_table.insert(2, "top_terms", topic_table["topic"].map(labels))
            topic_table["posts"] = topic_table["topic"].map(counts).fillna(0).astype("int64")
            topic_table["share"] = (topic_table["posts"] / max(len(coded), 1)).round(4)
            tables["topics"] = topic_table
        tables["releases"] = com.releases
        lead = cm.adoption_lead_times(com) if len(com.adoptions) else com.adoptions.assign(lead_days=pd.Series(
            dtype="int64"))
        tables["adoptions"] = lead
        tables["meetups"] = com.meetups
        tables["attendance"] = com.attendance.assign(
            customer_id=com.attendance["member_id"].map(to_customer).astype("string"))
        tables["polls"] = com.polls
        tables["votes"] = com.votes.assign(customer_id=com.votes["member_id"].map(to_customer).astype("string"))
    return tables


def _profile_view_sql(tables: Mapping[str, pd.DataFrame]) -> str:
    """``customer_profile``: one row per customer, each column once (CLV's ``clv`` wins)."""
    order = [("customers", "c"), ("orders_summary", "o"), ("clv", "v"), ("segments", "s"), ("engagement", "e")]
    seen: set[str] = set()
    select, joins = [], []
    for name, alias in order:
        if name not in tables:
            continue
        for col in tables[name].columns:
            if col in seen:
                continue
            seen.add(col)
            select.append(f'{alias}."{col}"')
        if alias != "c":
            joins.append(f"LEFT JOIN {name} {alias} ON {alias}.customer_id = c.customer_id")
    return f"CREATE VIEW customer_profile AS SELECT {', '.join(select)} FROM customers c {' '.join(joins)}"


def build_knowledge_base(inputs: KnowledgeInputs, path: str | Path | None = None) -> Path:
    """Write the knowledge base: one DuckDB file with :data:`KB_TABLES` and :data:`KB_VIEWS`.

    The file is built under a temporary name and moved into place, so a reader never sees a
    half-built database. Returns the path (default :func:`knowledge_path`).
    """
    import duckdb

    path = Path(path) if path is not None else knowledge_path(inputs.dataset)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".building")
    for p in (tmp, Path(str(tmp) + ".wal")):
        p.unlink(missing_ok=True)
    tables = knowledge_tables(inputs)
    con = duckdb.connect(str(tmp))
    try:
        for name, frame in tables.items():
            con.register("_frame", frame)
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM _frame")
            con.unregister("_frame")
        con.execute(_profile_view_sql(tables))
        if "posts_coded" in tables:
            con.execute("""CREATE VIEW customer_feedback AS
                SELECT customer_id, code, kind, category, category_zh, count(*) AS posts,
                       min(timestamp) AS first_post, max(timestamp) AS last_post
                FROM posts_coded WHERE customer_id IS NOT NULL GROUP BY ALL""")
            con.execute("""CREATE VIEW feedback_summary AS
                SELECT p.code, s.kind, s.category_zh, s."说明", count(*) AS posts,
                       count(DISTINCT p.customer_id) AS customers,
                       round(count(*) / (SELECT count(*) FROM posts_coded), 4) AS share
                FROM posts_coded p JOIN code_scheme s USING (code) GROUP BY ALL ORDER BY posts DESC""")
        seg_col = inputs.segment_column
        if "segments" in tables and seg_col in tables["segments"].columns:
            con.execute(_segment_view_sql(tables, seg_col))
    finally:
        con.close()
    os.replace(tmp, path)
    return path


def _segment_view_sql(tables: Mapping[str, pd.DataFrame], seg_col: str) -> str:
    cols = set()
    for name in ("clv", "orders_summary", "engagement"):
        if name in tables:
            cols |= set(tables[name].columns)
    parts = [f'"{seg_col}" AS segment', "count(*) AS customers",
             "round(count(*) / (SELECT count(*) FROM segments), 4) AS share"]
    for col, expr in (("clv", "round(avg(clv), 1) AS mean_clv"), ("clv", "round(sum(clv), 0) AS total_clv"),
                      ("p_alive", "round(avg(p_alive), 3) AS mean_p_alive"),
                      ("expected_purchases", "round(avg(expected_purchases), 3) AS mean_expected_purchases"),
                      ("revenue", "round(avg(revenue), 1) AS mean_revenue"),
                      ("member", "round(avg(CASE WHEN member THEN 1 ELSE 0 END), 3) AS member_share"),
                      ("posts", "round(avg(CASE WHEN posts > 0 THEN 1 ELSE 0 END), 3) AS poster_share"),
                      ("suggestions", "round(avg(CASE WHEN suggestions > 0 THEN 1 ELSE 0 END), 3) AS suggester_share"),
                      ("meetups", "round(avg(CASE WHEN meetups > 0 THEN 1 ELSE 0 END), 3) AS meetup_share")):
        if col in cols:
            parts.append(expr)
    return (f"CREATE VIEW segment_summary AS SELECT {', '.join(parts)} FROM customer_profile "
            f'WHERE "{seg_col}" IS NOT NULL GROUP BY ALL ORDER BY customers DESC')


def open_knowledge_base(dataset: str, path: str | Path | None = None):
    """A read-only DuckDB connection to a dataset's knowledge base (notebook 07 builds it)."""
    import duckdb

    path = Path(path) if path is not None else knowledge_path(dataset)
    if not path.exists():
        raise DataError(f"the knowledge base of dataset {dataset!r} has not been built yet", file=path,
                        hint="run notebooks/07_customer_knowledge.ipynb with the same dataset parameter first")
    return duckdb.connect(str(path), read_only=True)


def schema_table(con) -> pd.DataFrame:
    """Every table and view of a knowledge base: ``name, type, rows, columns, description``."""
    objs = con.execute("SELECT table_name, table_type FROM information_schema.tables ORDER BY table_type, "
                       "table_name").df()
    rows = []
    for name, kind in zip(objs["table_name"], objs["table_type"]):
        cols = con.execute(f"SELECT column_name FROM information_schema.columns WHERE table_name = '{name}' "
                           "ORDER BY ordinal_position").df()["column_name"]
        n = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
        rows.append({"name": name, "type": "view" if kind == "VIEW" else "table", "rows": int(n),
                     "columns": len(cols), "column names": ", ".join(cols[:12]) + (" …" if len(cols) > 12 else ""),
                     "description": KB_TABLES.get(name, KB_VIEWS.get(name, ""))})
    order = list(KB_TABLES) + list(KB_VIEWS)
    out = pd.DataFrame(rows)
    out["_o"] = out["name"].map({n: i for i, n in enumerate(order)}).fillna(len(order))
    return out.sort_values(["_o", "name"]).drop(columns="_o").reset_index(drop=True)


def meta(con) -> dict[str, str]:
    """The knowledge base's ``meta`` table as a dict."""
    return dict(con.execute("SELECT key, value FROM meta").fetchall())


def has_table(con, name: str) -> bool:
    """True when the knowledge base has a table or view of that name."""
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]).fetchone()[0])


def join_checks(con) -> pd.DataFrame:
    """Integrity of the joins: each check with the number of offending rows (all should be 0)."""
    checks = [("customer_profile has one row per customer",
               "SELECT (SELECT count(*) FROM customer_profile) - (SELECT count(DISTINCT customer_id) FROM customers)")]
    for t in ("segments", "clv", "orders_summary", "engagement"):
        if has_table(con, t):
            checks.append((f"{t}: customers not in the customer table",
                           f"SELECT count(*) FROM {t} x ANTI JOIN customers c USING (customer_id)"))
    if has_table(con, "posts_coded"):
        checks.append(("posts_coded: codes not in the code scheme",
                       "SELECT count(*) FROM posts_coded p ANTI JOIN code_scheme s USING (code)"))
        checks.append(("posts_coded: linked posts whose customer is unknown",
                       "SELECT count(*) FROM posts_coded p WHERE customer_id IS NOT NULL AND customer_id NOT IN "
                       "(SELECT customer_id FROM customers)"))
        checks.append(("posts_coded: posts whose member is unknown",
                       "SELECT count(*) FROM posts_coded p ANTI JOIN members m USING (member_id)"))
    rows = [{"check": name, "offending rows": int(con.execute(sql).fetchone()[0])} for name, sql in checks]
    return pd.DataFrame(rows)


# =========================================================================== apply: recommended actions

#: Rules for segment-level actions: id → (action, 行动, basis in the seeds)
SEGMENT_RULES: dict[str, tuple[str, str, str]] = {
    "R1": ("Protect and involve: invite to developer-build testing and city-club events (内测、同城会)",
           "重点维护：邀请参加内测与同城会活动",
           "paper 2, prototype testing with lead users; paper 1, offline meet-ups"),
    "R2": ("Win back: targeted coupons and flash-sale reminders", "挽回：定向优惠券与抢购提醒",
           "paper 2, commercialisation: community points and coupons"),
    "R3": ("Fix the top complaint: route it to the product / after-sales team and call back", "针对主要投诉改进并回访",
           "paper 2, application (运用): use knowledge to solve customers' problems"),
    "R4": ("Invite into the community (小米社区, 同城会)", "邀请加入小米社区与同城会",
           "paper 1, customer interaction through the community"),
    "R5": ("Reward contributors: community points, thanks in release notes", "激励贡献者：社区积分与版本致谢",
           "paper 2, incentives (moderate, fair, explicit, timely, diverse, systematic)"),
    "R6": ("Price-sensitive offers: 米粉节 and coupon notices", "价格敏感：米粉节与优惠券通知",
           "paper 1, mid/low price segment; flash sales"),
    "R0": ("Keep in touch: regular news and service", "常规维护：定期资讯与服务", "default when no rule fires"),
}


def segment_metrics(con, column: str | None = None) -> pd.DataFrame:
    """Per segment: size, value, P(alive), engagement shares and feedback shares (the rules' evidence).

    Columns (when the data have them): ``segment, customers, mean_clv, mean_p_alive,
    mean_revenue, mean_expected_purchases, repeat_buyers, mean_p_alive_repeat, member_share,
    suggester_share, posts, complaint_share, top_complaint, top_complaint_share, price_share``;
    a row ``all`` gives the whole customer base. ``mean_p_alive_repeat`` averages P(alive) over
    customers with at least one repeat purchase: the BG/NBD model lets customers drop out only
    after a repeat purchase, so its P(alive) is 1 for every one-time buyer and says nothing there.
    """
    column = column or meta(con).get("segment_column", "rfm_segment")
    prof = con.execute("SELECT * FROM customer_profile").df()
    if column not in prof.columns:
        raise DataError(f"segment column {column!r} is not in the knowledge base", column=column,
                        hint=f"use one of the segment columns: {[c for c in prof.columns if 'segment' in c]}")
    prof = prof.loc[prof[column].notna()]
    posts = con.execute("SELECT customer_id, kind, category, category_zh FROM posts_coded WHERE customer_id IS NOT NULL"
                        ).df() if has_table(con, "posts_coded") else None
    rows = []
    groups = [("all", prof)] + [(str(k), g) for k, g in prof.groupby(column, sort=True)]
    for name, g in groups:
        row: dict[str, Any] = {"segment": name, "customers": len(g)}
        for col, key in (("clv", "mean_clv"), ("p_alive", "mean_p_alive"), ("revenue", "mean_revenue"),
                         ("expected_purchases", "mean_expected_purchases")):
            if col in g:
                row[key] = float(pd.to_numeric(g[col], errors="coerce").mean())
        if "p_alive" in g and "frequency" in g:
            repeat = pd.to_numeric(g["frequency"], errors="coerce") >= 1
            row["repeat_buyers"] = int(repeat.sum())
            row["mean_p_alive_repeat"] = float(pd.to_numeric(g.loc[repeat, "p_alive"], errors="coerce").mean()) \
                if repeat.any() else np.nan
        for col, key in (("member", "member_share"), ("suggestions", "suggester_share")):
            if col in g:
                row[key] = float((g[col].fillna(0).astype(float) > 0).mean())
        if posts is not None:
            p = posts.loc[posts["customer_id"].isin(set(g["customer_id"]))]
            row["posts"] = len(p)
            comp = p.loc[p["kind"] == "C"]
            row["complaint_share"] = len(comp) / len(p) if len(p) else np.nan
            if len(comp):
                top = comp["category_zh"].value_counts()
                row["top_complaint"] = top.index[0]
                row["top_complaint_share"] = float(top.iloc[0] / len(comp))
            row["price_share"] = float((p["category"] == "06").mean()) if len(p) else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def _fmt(x: Any, pct: bool = False, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return "n/a"
    return f"{100 * x:.1f}%" if pct else f"{x:,.{digits}f}"


def segment_actions(metrics: pd.DataFrame, min_posts: int = 20, min_customers: int = 30) -> pd.DataFrame:
    """Recommended actions per segment, each traced to the rule and numbers that triggered it.

    Rules (thresholds relative to the whole base, row ``all`` of :func:`segment_metrics`):

    * R1 protect and involve: mean CLV ≥ 1.5 × overall and mean P(alive) ≥ overall;
    * R2 win back: mean P(alive) < 0.5 and mean past revenue ≥ overall;
    * R3 fix the top complaint: ≥ ``min_posts`` posts and complaint share ≥ 30%;
    * R4 invite into the community: member share < 0.8 × overall and mean expected purchases ≥ overall;
    * R5 reward contributors: suggester share ≥ 1.5 × overall;
    * R6 price-sensitive offers: ≥ ``min_posts`` posts and price-topic share ≥ 1.5 × overall;
    * R0 keep in touch: when no other rule fires.

    The share rules R4–R6 need at least ``min_customers`` customers in the segment (a share of a
    handful of customers is noise).

    P(alive) is the mean over repeat buyers when :func:`segment_metrics` provides it (see there
    why). Returns ``segment, rule, action, 行动, evidence, source, basis``; ``evidence`` gives the
    numbers compared, ``source`` the knowledge-base view and columns they come from.
    """
    allrow = metrics.loc[metrics["segment"] == "all"].iloc[0]
    out = []

    def get(row: pd.Series, key: str) -> float:
        v = row.get(key, np.nan)
        return float(v) if v is not None and not pd.isna(v) else np.nan

    for _, r in metrics.loc[metrics["segment"] != "all"].iterrows():
        fired = []
        clv, clv_all = get(r, "mean_clv"), get(allrow, "mean_clv")
        pa_key = "mean_p_alive_repeat" if "mean_p_alive_repeat" in metrics else "mean_p_alive"
        pa_name = "mean P(alive) of repeat buyers" if pa_key == "mean_p_alive_repeat" else "mean P(alive)"
        pa, pa_all = get(r, pa_key), get(allrow, pa_key)
        if clv >= 1.5 * clv_all and pa >= pa_all:
            fired.append(("R1", f"mean CLV {_fmt(clv)} ≥ 1.5 × overall {_fmt(clv_all)}; {pa_name} {_fmt(pa)} ≥ "
                                f"overall {_fmt(pa_all)}", "customer_profile.clv, customer_profile.p_alive"))
        rev, rev_all = get(r, "mean_revenue"), get(allrow, "mean_revenue")
        if pa < 0.5 and rev >= rev_all:
            fired.append(("R2", f"{pa_name} {_fmt(pa)} < 0.50; mean past revenue {_fmt(rev)} ≥ overall "
                                f"{_fmt(rev_all)}", "customer_profile.p_alive, customer_profile.revenue"))
        posts = get(r, "posts")
        cs = get(r, "complaint_share")
        if posts >= min_posts and cs >= 0.30:
            fired.append(("R3", f"{int(posts)} posts, complaint share {_fmt(cs, True)} ≥ 30%; top complaint "
                                f"{r.get('top_complaint', '')} ({_fmt(get(r, 'top_complaint_share'), True)} of complaints)",
                          "posts_coded.kind = 'C', posts_coded.category"))
        big = get(r, "customers") >= min_customers
        ms, ms_all = get(r, "member_share"), get(allrow, "member_share")
        ep, ep_all = get(r, "mean_expected_purchases"), get(allrow, "mean_expected_purchases")
        if big and ms < 0.8 * ms_all and ep >= ep_all:
            fired.append(("R4", f"member share {_fmt(ms, True)} < 0.8 × overall {_fmt(ms_all, True)}; mean expected "
                                f"purchases {_fmt(ep)} ≥ overall {_fmt(ep_all)}",
                          "customer_profile.member, customer_profile.expected_purchases"))
        ss, ss_all = get(r, "suggester_share"), get(allrow, "suggester_share")
        if big and ss >= 1.5 * ss_all and ss_all > 0:
            fired.append(("R5", f"suggester share {_fmt(ss, True)} ≥ 1.5 × overall {_fmt(ss_all, True)}",
                          "customer_profile.suggestions"))
        ps, ps_all = get(r, "price_share"), get(allrow, "price_share")
        if big and posts >= min_posts and ps >= 1.5 * ps_all and ps_all > 0:
            fired.append(("R6", f"price-topic share of posts {_fmt(ps, True)} ≥ 1.5 × overall {_fmt(ps_all, True)}",
                          "posts_coded.category = '06'"))
        if not fired:
            fired.append(("R0", "no rule threshold reached", "segment_metrics"))
        for rule, evidence, source in fired:
            action, zh, basis = SEGMENT_RULES[rule]
            out.append({"segment": r["segment"], "rule": rule, "action": action, "行动": zh, "evidence": evidence,
                        "source": source, "basis": basis})
    return pd.DataFrame(out)


def customer_actions(profile: Mapping[str, Any], feedback: pd.DataFrame | None = None,
                     data_end: pd.Timestamp | None = None) -> pd.DataFrame:
    """Recommended actions for one customer with the evidence from their own record.

    Rules: win back when P(alive) < 0.3 after ≥ 2 orders; call back (回访) on a complaint in the
    last 180 days of data; invite to developer-build testing when they suggested something
    (thank them when it was adopted); VIP care when P(alive) ≥ 0.7 and CLV is in the top ABC
    class; invite into the community when not a member and a repeat buyer with P(alive) ≥ 0.5;
    otherwise keep in touch. P(alive) counts only after a repeat purchase (``frequency`` ≥ 1): the
    BG/NBD model gives every one-time buyer P(alive) = 1. Returns ``action, 行动, evidence``.
    """
    rows = []
    pa = profile.get("p_alive")
    orders = profile.get("orders")
    freq = profile.get("frequency")
    repeat = freq is not None and not pd.isna(freq) and freq >= 1
    if pa is not None and not pd.isna(pa) and pa < 0.3 and orders is not None and not pd.isna(orders) and orders >= 2:
        rows.append(("Win back: a personal offer or coupon", "挽回：个性化优惠",
                     f"P(alive) {pa:.2f} < 0.30 after {int(orders)} orders"))
    if feedback is not None and len(feedback):
        comp = feedback.loc[feedback["kind"] == "C"]
        if len(comp):
            last = pd.to_datetime(comp["last_post"]).max()
            recent = data_end is None or last >= pd.Timestamp(data_end) - pd.Timedelta(days=180)
            if recent:
                cats = "、".join(comp.sort_values("posts", ascending=False)["category_zh"].astype(str).head(2))
                rows.append(("Call back about the complaint (售后回访)", "售后回访：跟进投诉",
                             f"complaint(s) about {cats}; last on {last:%Y-%m-%d}"))
    sugg = profile.get("suggestions")
    if sugg is not None and not pd.isna(sugg) and sugg > 0:
        adopted = profile.get("adopted") or 0
        rows.append(("Invite to developer-build testing (内测)" + ("; thank for the adopted suggestion" if adopted else ""),
                     "邀请参加开发版内测" + ("，感谢建议被采纳" if adopted else ""),
                     f"{int(sugg)} suggestion(s), {int(adopted)} adopted"))
    abc = profile.get("abc_class")
    if pa is not None and not pd.isna(pa) and pa >= 0.7 and str(abc) == "A" and (freq is None or repeat):
        rows.append(("VIP care: priority service and early access", "重点客户关怀：优先服务与新品优先购",
                     f"ABC class A; P(alive) {pa:.2f} ≥ 0.70"))
    member = profile.get("member")
    if (member is False or (member is not None and not pd.isna(member) and not bool(member))) and \
            repeat and pa is not None and not pd.isna(pa) and pa >= 0.5:
        rows.append(("Invite into the community (小米社区, 同城会)", "邀请加入小米社区与同城会",
                     f"not a forum member; repeat buyer with P(alive) {pa:.2f} ≥ 0.50"))
    if not rows:
        rows.append(("Keep in touch: regular news and service", "常规维护", "no rule threshold reached"))
    return pd.DataFrame(rows, columns=["action", "行动", "evidence"])


# =========================================================================== share: report data


def customers_by_clv(con, segment: str | None = None, column: str | None = None, n: int = 20) -> pd.DataFrame:
    """The ``n`` customers with the highest CLV (optionally of one segment): id, name, value, P(alive)."""
    column = column or meta(con).get("segment_column", "rfm_segment")
    cols = [c for c in ("customer_id", "name", column, "clv", "p_alive", "expected_purchases", "orders", "revenue",
                        "last_purchase") if c in _profile_columns(con)]
    where, params = "", []
    if segment is not None:
        where, params = f'WHERE "{column}" = ?', [segment]
    order = "clv DESC NULLS LAST, customer_id" if "clv" in cols else "customer_id"
    sql = f"SELECT {', '.join(chr(34) + c + chr(34) for c in cols)} FROM customer_profile {where} ORDER BY {order} LIMIT {int(n)}"
    return con.execute(sql, params).df()


def _profile_columns(con) -> list[str]:
    return list(con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'customer_profile' "
                            "ORDER BY ordinal_position").df()["column_name"])


PROFILE_FIELDS: list[tuple[str, str]] = [
    ("customer_id", "客户ID customer id"), ("name", "姓名（化名） name (pseudonym)"), ("gender", "性别 gender"),
    ("age", "年龄 age"), ("city", "城市 city"), ("signup_date", "注册日期 signed up"), ("channel", "获客渠道 channel"),
    ("miui_user", "MIUI用户 MIUI user"), ("forum_member", "论坛会员 forum member")]
VALUE_FIELDS: list[tuple[str, str]] = [
    ("orders", "订单数 orders"), ("revenue", "累计消费 revenue"), ("first_purchase", "首次购买 first purchase"),
    ("last_purchase", "最近购买 last purchase"), ("top_category", "主要品类 top category"),
    ("abc_class", "ABC分类 ABC class"), ("r_score", "R 分"), ("f_score", "F 分"), ("m_score", "M 分"),
    ("rfm_segment", "RFM 细分 segment"), ("cluster", "聚类 cluster"), ("value_need_quadrant", "价值×需求 quadrant"),
    ("lifecycle_stage", "生命周期 lifecycle stage"), ("clv", "客户终身价值 CLV")]
PREDICTION_FIELDS: list[tuple[str, str]] = [
    ("p_alive", "仍活跃概率 P(alive)"), ("expected_purchases", "预计购买次数 expected purchases"),
    ("expected_spend", "预计客单价 expected spend per purchase"), ("frequency", "重复购买次数 repeat purchases (frequency)"),
    ("recency", "recency (model periods)"), ("T", "T (model periods)")]


def _fields(row: Mapping[str, Any], fields: list[tuple[str, str]]) -> pd.DataFrame:
    out = []
    for key, name in fields:
        if key in row:
            v = row[key]
            if isinstance(v, pd.Timestamp):
                v = f"{v:%Y-%m-%d}" if not pd.isna(v) else "—"
            elif isinstance(v, float):
                v = "—" if np.isnan(v) else (f"{v:.3f}" if abs(v) < 10 else f"{v:,.2f}")
            elif v is None or v is pd.NA:
                v = "—"
            out.append({"item 项目": name, "value 值": str(v)})
    return pd.DataFrame(out)


def customer_report(con, customer_id: str) -> dict[str, Any]:
    """Data of one customer's knowledge report (客户个人知识报告), pseudonymised.

    Returns a dict: ``meta``, ``profile`` / ``value`` / ``prediction`` (two-column tables),
    ``row`` (the customer_profile row), ``orders`` (purchase history), ``feedback`` (codes),
    ``posts`` (their coded posts, newest first), ``community`` (meet-ups, votes, adoptions),
    ``actions`` (:func:`customer_actions`). Raises :class:`DataError` for an unknown id.
    """
    m = meta(con)
    prof = con.execute("SELECT * FROM customer_profile WHERE customer_id = ?", [str(customer_id)]).df()
    if prof.empty:
        raise DataError(f"customer {customer_id!r} is not in the knowledge base", column="customer_id",
                        hint="use an id from the customer_profile view (e.g. knowledge.customers_by_clv(con))")
    row = prof.iloc[0].to_dict()
    orders = con.execute("SELECT * FROM orders WHERE customer_id = ? ORDER BY timestamp", [str(customer_id)]).df()
    data_end = con.execute("SELECT max(timestamp) FROM orders").fetchone()[0]
    out: dict[str, Any] = {"meta": m, "row": row, "profile": _fields(row, PROFILE_FIELDS),
                           "value": _fields(row, VALUE_FIELDS), "prediction": _fields(row, PREDICTION_FIELDS),
                           "orders": orders, "feedback": pd.DataFrame(), "posts": pd.DataFrame(),
                           "community": pd.DataFrame()}
    if has_table(con, "customer_feedback"):
        out["feedback"] = con.execute("SELECT f.code, s.\"说明\", f.posts, f.first_post, f.last_post, f.kind, "
                                      "f.category_zh FROM customer_feedback f JOIN code_scheme s USING (code) "
                                      "WHERE customer_id = ? ORDER BY posts DESC, code", [str(customer_id)]).df()
        out["posts"] = con.execute("SELECT timestamp, board, post_type, code, title, likes, replies FROM posts_coded "
                                   "WHERE customer_id = ? ORDER BY timestamp DESC", [str(customer_id)]).df()
    if has_table(con, "attendance"):
        parts = [con.execute("SELECT m.date AS date, '同城会活动 meet-up' AS what, m.club || ' · ' || m.title AS detail "
                             "FROM attendance a JOIN meetups m USING (meetup_id) WHERE a.customer_id = ?",
                             [str(customer_id)]).df(),
                 con.execute("SELECT v.timestamp AS date, '功能投票 poll vote' AS what, p.feature || ' → ' || p.option AS "
                             "detail FROM votes v JOIN polls p USING (poll_id, option_id) WHERE v.customer_id = ?",
                             [str(customer_id)]).df(),
                 con.execute("SELECT a.release_date AS date, '建议被采纳 adopted' AS what, 'MIUI ' || a.version || ' · ' "
                             "|| a.feature AS detail FROM adoptions a JOIN posts_coded p USING (post_id) "
                             "WHERE p.customer_id = ?", [str(customer_id)]).df()]
        parts = [p for p in parts if len(p)]
        if parts:
            out["community"] = pd.concat(parts, ignore_index=True).sort_values("date", ascending=False,
                                                                              kind="stable").reset_index(drop=True)
    out["actions"] = customer_actions(row, out["feedback"], data_end)
    return out


def segment_report(con, segment: str, column: str | None = None, top: int = 20) -> dict[str, Any]:
    """Data of one segment's knowledge report: size, value, P(alive), top customers, feedback, actions.

    Returns a dict: ``meta``, ``column``, ``summary`` (segment vs all), ``profile`` (the
    segment's customer_profile rows: id, name, value columns only), ``top`` (:func:`customers_by_clv`),
    ``feedback`` (codes in the segment vs all), ``engagement`` (levels), ``actions``
    (:func:`segment_actions` rows of this segment).
    """
    m = meta(con)
    column = column or m.get("segment_column", "rfm_segment")
    metrics = segment_metrics(con, column)
    if segment not in set(metrics["segment"]) or segment == "all":
        raise DataError(f"segment {segment!r} is not a value of {column!r}", column=column,
                        hint=f"use one of {sorted(set(metrics['segment']) - {'all'})}")
    keep = [c for c in ("customer_id", "name", column, "clv", "p_alive", "expected_purchases", "orders", "revenue",
                        "level") if c in _profile_columns(con)]
    prof = con.execute(f"SELECT {', '.join(chr(34) + c + chr(34) for c in keep)} FROM customer_profile "
                       f'WHERE "{column}" = ?', [segment]).df()
    summary = metrics.loc[metrics["segment"].isin(["all", segment])].set_index("segment").T
    out: dict[str, Any] = {"meta": m, "segment": segment, "column": column, "summary": summary, "profile": prof,
                           "top": customers_by_clv(con, segment, column, top), "feedback": pd.DataFrame(),
                           "engagement": pd.DataFrame()}
    if has_table(con, "posts_coded"):
        out["feedback"] = con.execute(f"""
            WITH seg AS (SELECT p.code FROM posts_coded p JOIN customer_profile c USING (customer_id)
                         WHERE c."{column}" = ?),
                 s AS (SELECT code, count(*) AS n FROM seg GROUP BY code),
                 a AS (SELECT code, count(*) AS n FROM posts_coded GROUP BY code)
            SELECT a.code, cs."说明", coalesce(s.n, 0) AS segment_posts,
                   round(coalesce(s.n, 0) / greatest((SELECT count(*) FROM seg), 1), 4) AS segment_share,
                   round(a.n / (SELECT count(*) FROM posts_coded), 4) AS overall_share
            FROM a JOIN code_scheme cs USING (code) LEFT JOIN s USING (code)
            ORDER BY segment_posts DESC, a.code""", [segment]).df()
    if "level" in prof.columns:
        out["engagement"] = prof["level"].value_counts().rename_axis("level").reset_index(name="customers")
    actions = segment_actions(metrics)
    out["actions"] = actions.loc[actions["segment"] == segment].reset_index(drop=True)
    return out


# =========================================================================== notebook helpers


def ensure_knowledge_base(dataset: str, **kwargs) -> Path:
    """The knowledge base path, building it from notebooks 01–06's outputs if it does not exist yet."""
    path = knowledge_path(dataset)
    if not path.exists():
        build_knowledge_base(gather_inputs(dataset, **kwargs), path)
    return path


def sources_table(inputs: KnowledgeInputs) -> pd.DataFrame:
    """What the knowledge base acquires: explicit (显性) and tacit (隐性) knowledge, with row counts."""
    rows = [("explicit 显性", "customer profile 客户资料", "customers", len(inputs.customers)),
            ("explicit 显性", "purchase records 购买记录", "orders (lines)", len(inputs.transactions)),
            ("explicit 显性", "segments 客户细分 (notebook 03)", "segments", 0 if inputs.segments is None
             else len(inputs.segments)),
            ("explicit 显性", "value and predictions 客户价值 (notebook 04)", "clv", 0 if inputs.clv is None
             else len(inputs.clv))]
    com = inputs.community
    if com is not None:
        rows += [("tacit 隐性", "forum posts: experience, questions, suggestions 论坛帖子", "posts", len(com.posts)),
                 ("tacit 隐性", "replies 回复", "replies", len(com.replies)),
                 ("tacit 隐性", "adopted suggestions 采纳的建议", "adoptions", len(com.adoptions)),
                 ("tacit 隐性", "meet-up check-ins 同城会签到", "attendance", len(com.attendance)),
                 ("tacit 隐性", "feature-poll votes 功能投票", "votes", len(com.votes))]
    else:
        rows.append(("tacit 隐性", "community data 社区数据", "—", 0))
    return pd.DataFrame(rows, columns=["knowledge", "source", "table", "rows"])


def kinds_table() -> pd.DataFrame:
    """The kind letters of the code scheme."""
    return pd.DataFrame([{"letter": k, "kind": v[0], "类型": v[1], "from": v[2]} for k, v in KINDS.items()])


def categories_table() -> pd.DataFrame:
    """The category numbers of the code scheme with their keywords."""
    return pd.DataFrame([{"number": n, "category": v[0], "类别": v[1], "keywords": " ".join(v[2])}
                         for n, v in CATEGORIES.items()])


def coding_accuracy(coded: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """Codes against the simulation's planted topic and polarity (SIMULATED data only).

    ``truth`` has ``post_id, topic`` (planted topic code, e.g. ``battery``) and ``polarity``.
    Categories are compared through :data:`PLANTED_CATEGORY`. Returns ``measure, value (%)``.
    """
    t = truth.set_index("post_id")
    joined = coded.join(t[["topic", "polarity"]].rename(columns={"topic": "_planted", "polarity": "_pol"}),
                        on="post_id", how="inner")
    cat_ok = joined["category"] == joined["_planted"].map(PLANTED_CATEGORY)
    exp = joined["post_type"] == "experience"
    pol_ok = joined.loc[exp, "polarity"] == joined.loc[exp, "_pol"]
    return pd.DataFrame([
        {"measure": "posts compared", "value": len(joined)},
        {"measure": "category = planted topic (%)", "value": round(100 * cat_ok.mean(), 1)},
        {"measure": "experience posts: polarity = planted (%)", "value": round(100 * pol_ok.mean(), 1) if exp.any()
         else np.nan},
        {"measure": "posts coded 99 (other) (%)", "value": round(100 * (joined["category"] == "99").mean(), 1)}])


#: The simulation's planted topics and their code-scheme categories.
PLANTED_CATEGORY: dict[str, str] = {"battery": "01", "camera": "02", "heat": "03", "signal": "04", "system": "05",
                                    "price": "06", "screen": "07", "aftersales": "08"}


def code_matrix(con) -> pd.DataFrame:
    """Posts per category (rows) and kind (columns) from ``posts_coded``."""
    df = con.execute("SELECT category_zh, kind FROM posts_coded").df()
    table = pd.crosstab(df["category_zh"], df["kind"]).reindex(columns=list(KINDS), fill_value=0)
    table.columns = [f"{k} {KINDS[k][1]}" for k in table.columns]
    return table


def plot_code_matrix(table: pd.DataFrame, label: str | None = None):
    """Heat map of posts per category × kind (the coded knowledge base at a glance)."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    fig, ax = plt.subplots(figsize=(7, 3.8))
    sns.heatmap(table, annot=True, fmt="d", cmap="Blues", cbar=False, ax=ax)
    if i18n.get_language() == "zh":  # columns are "<kind> <中文>": keep the Chinese name
        ax.set_xticklabels([t.get_text().split(" ", 1)[-1] for t in ax.get_xticklabels()])
    ax.set_xlabel(tr("kind 类型"))
    ax.set_ylabel(tr("category 类别"))
    title = tr("Coded feedback: posts per category and kind 编码后的客户反馈")
    ax.set_title(i18n.with_label(title, label), loc="left")
    fig.tight_layout()
    return fig


def plot_customer_history(orders: pd.DataFrame, currency: str = "", label: str | None = None):
    """Order amounts over time (bars) and cumulative spend (line) of one customer."""
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 3.0))
    if len(orders):
        t = pd.to_datetime(orders["timestamp"])
        ax.bar(t, orders["amount"], width=6, color="#4C72B0", label=tr("order amount 订单金额"))
        ax2 = ax.twinx()
        ax2.plot(t, orders["amount"].cumsum(), color="#C44E52", marker="o", ms=3, label=tr("cumulative 累计"))
        ax2.set_ylabel(tr("cumulative spend ({currency})", currency=currency))
        ax2.grid(False)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(mdates.AutoDateLocator()))
    ax.set_ylabel(tr("order amount ({currency})", currency=currency))
    ax.set_xlabel(tr("date (日期)"))
    title = tr("Purchase history 购买历史")
    ax.set_title(i18n.with_label(title, label), loc="left")
    fig.tight_layout()
    return fig


def plot_segment_distribution(con, segment: str, column: str | None = None, label: str | None = None):
    """CLV and P(alive) of a segment's customers against all customers (histograms, shares)."""
    import matplotlib.pyplot as plt

    column = column or meta(con).get("segment_column", "rfm_segment")
    cols = set(_profile_columns(con))
    wanted = [c for c in ("clv", "p_alive") if c in cols]
    df = con.execute(f'SELECT "{column}" AS seg, {", ".join(wanted) or "NULL AS clv"} FROM customer_profile '
                     f'WHERE "{column}" IS NOT NULL').df()
    fig, axes = plt.subplots(1, max(len(wanted), 1), figsize=(9, 3.0), squeeze=False)
    for ax, col in zip(axes[0], wanted):
        allv = pd.to_numeric(df[col], errors="coerce").dropna()
        segv = pd.to_numeric(df.loc[df["seg"] == segment, col], errors="coerce").dropna()
        upper = float(allv.quantile(0.99)) if col == "clv" and len(allv) else 1.0
        bins = np.linspace(0, upper if upper > 0 else 1.0, 30)
        ax.hist(allv.clip(upper=bins[-1]), bins=bins, density=True, alpha=0.45, color="grey", label=tr("all 全部"))
        ax.hist(segv.clip(upper=bins[-1]), bins=bins, density=True, alpha=0.6, color="#4C72B0",
                label=i18n.tr_header(f"{segment}"))
        ax.set_xlabel(tr({"clv": "CLV (clipped at the 99th percentile)", "p_alive": "P(alive) 仍活跃概率"}[col]))
        ax.set_ylabel(tr("density"))
        ax.legend(fontsize=8)
    fig.suptitle(i18n.with_label(tr("Value of the segment vs all customers 细分客户价值分布"), label),
                 x=0.01, ha="left", fontweight="bold")
    fig.tight_layout()
    return fig


def show(df: pd.DataFrame, precision: int = 2):
    """A table for reports: no index column, floats rounded, text left-aligned, numbers never broken."""
    text_cols = [c for c in df.columns if not pd.api.types.is_numeric_dtype(df[c])]
    short_cols = [c for c in df.columns if c not in text_cols or df[c].astype(str).str.len().max() <= 12]
    sty = df.style.hide(axis="index").format(precision=precision, thousands=",", na_rep="—")
    if text_cols:
        sty = sty.set_properties(subset=text_cols, **{"text-align": "left"})
    if short_cols:
        sty = sty.set_properties(subset=short_cols, **{"white-space": "nowrap !important",
                                                       "overflow-wrap": "normal !important"})
    return sty


def example_customer(con) -> str:
    """The highest-CLV customer who has coded feedback (else the highest-CLV customer): a full example."""
    if has_table(con, "customer_feedback") and "clv" in _profile_columns(con):
        row = con.execute("SELECT customer_id FROM customer_profile WHERE customer_id IN "
                          "(SELECT customer_id FROM customer_feedback) ORDER BY clv DESC NULLS LAST, customer_id "
                          "LIMIT 1").fetchone()
        if row:
            return str(row[0])
    return str(customers_by_clv(con, n=1)["customer_id"].iloc[0])


_SUMMARY_ROWS: dict[str, str] = {
    "customers": "客户数 customers", "mean_clv": "平均CLV mean CLV", "mean_p_alive": "平均活跃概率 mean P(alive)",
    "mean_revenue": "平均累计消费 mean revenue", "mean_expected_purchases": "平均预计购买 mean expected purchases",
    "member_share": "论坛会员占比 member share", "suggester_share": "提建议者占比 suggester share",
    "posts": "帖子数 posts", "complaint_share": "投诉占比 complaint share",
    "top_complaint": "主要投诉 top complaint", "top_complaint_share": "主要投诉占投诉 top complaint share",
    "price_share": "价格话题占比 price-topic share", "repeat_buyers": "重复购买客户 repeat buyers",
    "mean_p_alive_repeat": "重复购买者平均活跃概率 mean P(alive), repeat buyers"}


def report_title(rep: Mapping[str, Any], mode: str) -> str:
    """Markdown title block of a knowledge report (says SIMULATED when the data are)."""
    m = rep["meta"]
    if mode == "customer":
        row = rep["row"]
        name = row.get("name")
        head = (f"# 客户个人知识报告 Customer knowledge report\n\n**客户ID customer {row['customer_id']}**"
                + (f" · 化名 pseudonym `{name}`" if isinstance(name, str) and name else ""))
    else:
        head = (f"# 细分客户知识报告 Segment knowledge report\n\n**{rep['column']} = {rep['segment']}** · "
                f"{int(rep['summary'].loc['customers', rep['segment']]):,} customers")
    return (f"{head}\n\nData: {m.get('label', m.get('dataset'))}. Pseudonymised: customer ids and pseudonymous "
            "names only (仅显示客户ID与化名); no phone numbers, e-mail addresses or forum nicknames.")


def _dates(frame: pd.DataFrame, *cols: str) -> pd.DataFrame:
    out = frame.copy()
    for col in cols:
        if col in out:
            out[col] = pd.to_datetime(out[col]).dt.strftime("%Y-%m-%d")
    return out


def _number(sections: list[tuple[str, Any]], level: int) -> list[tuple[str, Any]]:
    """Number the headings (``## 客户概况`` → ``## 1 · 客户概况``) at the given Markdown level."""
    out, n = [], 0
    for heading, content in sections:
        if heading.startswith("## "):
            n += 1
            heading = f"{'#' * level} {n} · {heading[3:]}"
        out.append((heading, content))
    return out


def customer_sections(rep: Mapping[str, Any], level: int = 2) -> list[tuple[str, Any]]:
    """``(heading, content)`` pairs of a per-customer report; content is a table, figure or Markdown text.

    ``level`` is the Markdown heading level of the sections (2 = ``##``).
    """
    import matplotlib.pyplot as plt

    m, row = rep["meta"], rep["row"]
    orders = rep["orders"]
    fig = plot_customer_history(orders, m.get("currency", ""))
    plt.close(fig)
    hist = orders.sort_values("timestamp", ascending=False).head(10)
    hist = _dates(hist[[c for c in ("timestamp", "amount", "products", "channel") if c in hist.columns]], "timestamp")
    pa, ep = row.get("p_alive"), row.get("expected_purchases")
    horizon = m.get("horizon") or "notebook 04's horizon (default 52 weeks)"
    if pa is None or pd.isna(pa):
        pred_text = "No prediction: this customer has no purchases in the data. 无购买记录，无法预测。"
    else:
        pred_text = (f"P(alive) = **{pa:.2f}**: the model's probability that the customer is still an active buyer."
                     + (f" Expected purchases over {horizon}: **{ep:.2f}**." if ep is not None and not pd.isna(ep)
                        else ""))
    sections: list[tuple[str, Any]] = [
        ("## 客户概况 Profile", show(rep["profile"])),
        ("## 购买历史 Purchase history", fig),
        ("", show(hist) if len(hist) else "No purchases in the data. 无购买记录。"),
        ("## 客户价值 Value", show(rep["value"])),
        ("## 预计购买与活跃概率 Predicted purchases and P(alive)", show(rep["prediction"])),
        ("", pred_text),
    ]
    if m.get("community"):
        fb = rep["feedback"]
        sections.append(("## 反馈主题 Feedback topics",
                         show(_dates(fb[["code", "说明", "posts", "last_post"]], "last_post")) if len(fb)
                         else "这位客户在社区没有发帖。 No posts from this customer in the community."))
        if len(rep["posts"]):
            posts = _dates(rep["posts"].head(5), "timestamp")
            sections.append(("", show(posts[["timestamp", "board", "code", "title", "likes"]])))
        com = rep["community"]
        sections.append(("## 社区互动 Community activity", show(_dates(com, "date")) if len(com)
                         else "No meet-ups, poll votes or adopted suggestions. 无社区活动记录。"))
    else:
        sections.append(("## 反馈主题 Feedback topics",
                         "Community data are not available for this dataset. 此数据集没有社区数据。"))
    sections.append(("## 建议行动 Recommended action", show(rep["actions"])))
    return _number(sections, level)


def segment_sections(rep: Mapping[str, Any], con, level: int = 2) -> list[tuple[str, Any]]:
    """``(heading, content)`` pairs of a per-segment report (``level``: Markdown heading level)."""
    import matplotlib.pyplot as plt

    summary = rep["summary"].rename(index=_SUMMARY_ROWS)
    summary = summary.map(lambda v: f"{v:.3f}" if isinstance(v, float) and abs(v) < 10 else
                          (f"{v:,.1f}" if isinstance(v, float) else v))
    fig = plot_segment_distribution(con, rep["segment"], rep["column"])
    plt.close(fig)
    top = rep["top"].copy()
    for col in ("clv", "revenue"):
        if col in top:
            top[col] = top[col].round(0)
    top = _dates(top, "last_purchase")
    sections: list[tuple[str, Any]] = [
        ("## 细分概况 Segment summary (vs all customers)", show(summary.reset_index(names="measure 指标"), 3)),
        ("## 价值分布 Value distribution", fig),
        (f"## 重点客户 Top {len(top)} customers by CLV", show(top)),
    ]
    if rep["meta"].get("community"):
        fb = rep["feedback"].head(10)
        sections.append(("## 反馈主题 Feedback topics (top 10 codes)", show(fb, 4) if len(fb) else
                         "No posts from this segment."))
        sections.append(("## 互动程度 Engagement", show(rep["engagement"]) if len(rep["engagement"]) else
                         "No engagement data."))
    else:
        sections.append(("## 反馈主题 Feedback topics",
                         "Community data are not available for this dataset. 此数据集没有社区数据。"))
    sections.append(("## 建议行动 Recommended actions and evidence",
                     show(rep["actions"][["rule", "行动", "evidence", "source", "basis"]])))
    return _number(sections, level)
