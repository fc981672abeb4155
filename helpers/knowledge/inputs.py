"""What the knowledge base integrates: the hand-overs of notebooks 01–06 and the tables made of them.

:func:`gather_inputs` collects, through :mod:`helpers.store`, the clean transactions, the customers,
the segments and CLV scores, and the community with its fitted topics into one
:class:`KnowledgeInputs`; :func:`knowledge_tables` turns them into the tables of the knowledge base
(:data:`KB_TABLES`), which :func:`helpers.knowledge.build_knowledge_base` writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from .. import store
from ..clv import horizon_text
from ..community import adoption_lead_times, engagement, load_community
from ..errors import DataError
from ..segment import flagged_orders
from ..topics import load_or_fit
from .coding import code_posts, code_scheme_table, topic_categories


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
    one), else the customer ids of the clean transactions. CLV scores and segments: notebooks 03
    and 04 (required; read by :func:`helpers.store.load_segments` and :func:`helpers.store.load_clv`, which
    refuse tables computed from other data than the store now holds). Community:
    :func:`helpers.community.load_community`; topics: notebook 06's saved assignments when they
    match the posts, else fitted here (:func:`helpers.topics.load_or_fit`).
    """
    tx, meta = store.load_processed(dataset)
    customers = store.load_customers(dataset, tx)
    com = load_community(community_source, dataset)
    top_terms = assignments = None
    if com is not None and len(com.posts):
        top_terms, assignments = load_or_fit(dataset, com.posts, n_topics=n_topics, seed=seed)
    horizon = horizon_text(store.clv_metadata(dataset).get("horizon", ""))
    return KnowledgeInputs(dataset=dataset, label=meta.get("label", dataset), simulated=bool(meta.get("simulated")),
                           currency=meta.get("currency", ""), customers=customers, transactions=tx,
                           segments=store.load_segments(dataset), clv=store.load_clv(dataset), community=com,
                           top_terms=top_terms, assignments=assignments, segment_column=segment_column,
                           horizon=str(horizon))


#: Tables of the knowledge base and what each holds.
KB_TABLES: dict[str, str] = {
    "meta": "dataset, label (says SIMULATED for simulated data), currency, segment column, horizon, build notes",
    "code_scheme": "every valid code (kind N/C/S/P × category 01–08, 99) with its meaning in English and Chinese",
    "customers": "one row per customer: pseudonymous name, gender, age, city, sign-up, channel, MIUI user, "
                 "forum member (no phone or e-mail: not needed to serve the customer)",
    "orders": "one row per order: customer, time, amount, products, channel",
    "orders_summary": "per customer: orders, revenue, first and last purchase, phones bought, top category",
    "segments": "notebook 04: ABC class, RFM scores and segment, cluster, value × need quadrant, lifecycle stage",
    "clv": "notebook 03: frequency, recency, T, monetary value, P(alive), expected purchases and spend, CLV",
    "members": "forum members (会员) with their customer id when linked; nicknames pseudonymised",
    "engagement": "per customer: posts by type, adopted suggestions, replies, likes, meet-ups, votes, level",
    "topics": "NMF feedback topics: label, top terms, mapped category, share of posts",
    "posts_coded": "every post with its topic, polarity, kind, category and code (分类、编码)",
    "releases": "Friday MIUI developer builds",
    "adoptions": "suggestions adopted into a build, with lead time in days",
    "meetups": "city-club meet-ups", "attendance": "check-ins at meet-ups (member and customer)",
    "polls": "product-design polls (one row per option)", "votes": "poll votes (member and customer)",
}


def _orders(tx: pd.DataFrame) -> pd.DataFrame:
    """One row per order (SQL on DuckDB: a per-order Python loop takes seconds on 20,000 orders)."""
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
    if "flag_extreme" in t.columns:  # cleaning's extreme orders travel with the customer
        flags = flagged_orders(t)
        s["flagged_orders"] = flags["flagged_orders"].reindex(s.index).fillna(0).astype("int64")
        s["flagged_amount"] = flags["flagged_amount"].reindex(s.index).fillna(0.0).round(2)
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
        tables["engagement"] = engagement(tables["customers"], com).drop(columns=["member_ids"])
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
        lead = adoption_lead_times(com) if len(com.adoptions) else com.adoptions.assign(lead_days=pd.Series(
            dtype="int64"))
        tables["adoptions"] = lead
        tables["meetups"] = com.meetups
        tables["attendance"] = com.attendance.assign(
            customer_id=com.attendance["member_id"].map(to_customer).astype("string"))
        tables["polls"] = com.polls
        tables["votes"] = com.votes.assign(customer_id=com.votes["member_id"].map(to_customer).astype("string"))
    return tables


def sources_table(inputs: KnowledgeInputs) -> pd.DataFrame:
    """What the knowledge base acquires: explicit (显性) and tacit (隐性) knowledge, with row counts."""
    rows = [("explicit 显性", "customer profile 客户资料", "customers", len(inputs.customers)),
            ("explicit 显性", "purchase records 购买记录", "orders (lines)", len(inputs.transactions)),
            ("explicit 显性", "segments 客户细分 (notebook 04)", "segments", 0 if inputs.segments is None
             else len(inputs.segments)),
            ("explicit 显性", "value and predictions 客户价值 (notebook 03)", "clv", 0 if inputs.clv is None
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
