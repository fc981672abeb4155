"""Share customer knowledge (共享): the data and sections of the per-customer knowledge report
(客户个人知识报告) and the per-segment report, rendered by ``notebooks/knowledge_report.ipynb``.

Pseudonymised: customer ids and pseudonymous names only; no phone numbers, e-mail addresses or
forum nicknames.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .. import tables
from ..errors import DataError
from ..i18n import get_language, tr
from .actions import customer_actions, segment_actions, segment_metrics
from .base import has_table, meta, one_row, profile_columns, remembered
from .coding import CODE_SCHEME
from .notes import SharingStore
from .plots import plot_customer_history, plot_segment_distribution


@dataclass(frozen=True)
class Deferred:
    """A figure of a report section not drawn yet: the sharing end (:mod:`helpers.sharing`) shows it as an
    image it draws on request, so a page is not held up by matplotlib; ``draw()`` returns the figure."""

    name: str
    draw: Callable[[], Any]


def _figure(name: str, draw: Callable[[], Any], now: bool):
    if not now:
        return Deferred(name, draw)
    fig = draw()
    plt.close(fig)
    return fig


def customers_by_clv(con, segment: str | None = None, column: str | None = None, n: int = 20) -> pd.DataFrame:
    """The ``n`` customers with the highest CLV (optionally of one segment): id, name, value, P(alive)."""
    column = column or meta(con).get("segment_column", "rfm_segment")
    cols = [c for c in ("customer_id", "name", column, "clv", "p_alive", "expected_purchases", "orders", "revenue",
                        "last_purchase", "flagged_amount") if c in profile_columns(con)]
    where, params = "", []
    if segment is not None:
        where, params = f'WHERE "{column}" = ?', [segment]
    order = "clv DESC NULLS LAST, customer_id" if "clv" in cols else "customer_id"
    sql = f"SELECT {', '.join(chr(34) + c + chr(34) for c in cols)} FROM customer_profile {where} ORDER BY {order} LIMIT {int(n)}"
    return con.execute(sql, params).df()


PROFILE_FIELDS: list[tuple[str, str]] = [
    ("customer_id", "客户ID customer id"), ("name", "姓名（化名） name (pseudonym)"), ("gender", "性别 gender"),
    ("age", "年龄 age"), ("city", "城市 city"), ("signup_date", "注册日期 signed up"), ("channel", "获客渠道 channel"),
    ("miui_user", "MIUI用户 MIUI user"), ("forum_member", "论坛会员 forum member")]
VALUE_FIELDS: list[tuple[str, str]] = [
    ("orders", "订单数 orders"), ("revenue", "累计消费 revenue"), ("first_purchase", "首次购买 first purchase"),
    ("last_purchase", "最近购买 last purchase"), ("top_category", "主要品类 top category"),
    ("abc_class", "ABC分类 ABC class"), ("r_score", "R 分"), ("f_score", "F 分"), ("m_score", "M 分"),
    ("rfm_segment", "RFM 细分 segment"), ("cluster", "聚类 cluster"), ("value_need_quadrant", "价值×需求 quadrant"),
    ("lifecycle_stage", "生命周期 lifecycle stage"), ("clv", "客户终身价值 CLV"),
    ("flagged_orders", "清洗标记的极端订单 orders flagged extreme"),
    ("flagged_amount", "最大标记订单金额 largest flagged order")]
PREDICTION_FIELDS: list[tuple[str, str]] = [
    ("p_alive", "仍活跃概率 P(alive)"), ("expected_purchases", "预计购买次数 expected purchases"),
    ("expected_spend", "预计客单价 expected spend per purchase"), ("frequency", "重复购买次数 repeat purchases (frequency)"),
    ("recency", "recency (model periods)"), ("T", "T (model periods)")]


def _fields(row: Mapping[str, Any], fields: list[tuple[str, str]]) -> pd.DataFrame:
    names, values = [], []
    for key, name in fields:
        if key in row:
            v = row[key]
            if isinstance(v, pd.Timestamp):
                v = f"{v:%Y-%m-%d}" if not pd.isna(v) else "—"
            elif isinstance(v, float):
                v = "—" if np.isnan(v) else (f"{v:.3f}" if abs(v) < 10 else f"{v:,.2f}")
            elif v is None or v is pd.NA:
                v = "—"
            names.append(name)
            values.append(str(v))
    return pd.DataFrame({"item 项目": names, "value 值": values}) if names else pd.DataFrame()


def customer_report(con, customer_id: str, sharing: SharingStore | None = None) -> dict[str, Any]:
    """Data of one customer's knowledge report (客户个人知识报告), pseudonymised.

    Returns a dict: ``meta``, ``profile`` / ``value`` / ``prediction`` (two-column tables),
    ``row`` (the customer_profile row), ``orders`` (purchase history), ``feedback`` (codes),
    ``posts`` (their coded posts, newest first), ``community`` (meet-ups, votes, adoptions),
    ``actions`` (:func:`customer_actions`), ``notes`` (what staff shared on the customer, oldest first:
    ``sharing``, default the dataset's :class:`~.notes.SharingStore`). The PDF report and the sharing
    end's profile page both render it through :func:`customer_sections`. Raises :class:`DataError` for an
    unknown id.
    """
    m = meta(con)
    row = one_row(con, "SELECT * FROM customer_profile WHERE customer_id = ?", [str(customer_id)])
    if row is None:
        raise DataError(f"customer {customer_id!r} is not in the knowledge base", column="customer_id",
                        hint="use an id from the customer_profile table (e.g. knowledge.customers_by_clv(con))")
    orders = con.execute("SELECT * FROM orders WHERE customer_id = ? ORDER BY timestamp", [str(customer_id)]).df()
    data_end = remembered(con, "data_end", lambda: con.execute("SELECT max(timestamp) FROM orders").fetchone()[0])
    shown = {k: v for k, v in row.items() if not (k.startswith("flagged_") and not row.get("flagged_orders"))}
    out: dict[str, Any] = {"meta": m, "row": row, "profile": _fields(row, PROFILE_FIELDS),
                           "value": _fields(shown, VALUE_FIELDS), "prediction": _fields(row, PREDICTION_FIELDS),
                           "orders": orders, "feedback": pd.DataFrame(), "posts": pd.DataFrame(),
                           "community": pd.DataFrame()}
    if has_table(con, "customer_feedback"):
        out["feedback"] = con.execute("SELECT f.code, s.\"说明\", f.posts, f.first_post, f.last_post, f.kind, "
                                      "f.category_zh FROM customer_feedback f JOIN code_scheme s USING (code) "
                                      "WHERE customer_id = ? ORDER BY posts DESC, code", [str(customer_id)]).df()
        out["posts"] = con.execute("SELECT timestamp, board, post_type, code, title, likes, replies FROM posts_coded "
                                   "WHERE customer_id = ? ORDER BY timestamp DESC", [str(customer_id)]).df()
    if has_table(con, "attendance"):  # meet-ups, poll votes and adopted suggestions, newest first
        if not has_table(con, "customer_community"):
            raise DataError("the knowledge base has community tables but no customer_community table: it was built "
                            "by an earlier version of the workbook", column="customer_community",
                            hint="rebuild it: run notebook 07 (or `make report`) again")
        community = con.execute("SELECT date, what, detail FROM customer_community WHERE customer_id = ? "
                                "ORDER BY date DESC, part, detail", [str(customer_id)]).df()
        if len(community):
            out["community"] = community
    out["actions"] = customer_actions(row, out["feedback"], data_end)
    out["notes"] = (sharing or SharingStore.of(m["dataset"])).notes(str(customer_id))
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
                        "level") if c in profile_columns(con)]
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


def show(df: pd.DataFrame, precision: int = 2, max_rows: int | None = tables.MAX_ROWS) -> tables.ReportTable:
    """A table for reports through the one formatter (:func:`helpers.tables.format_table`): no index column,
    floats with ``precision`` decimals (shares as %), numbers never broken, text left-aligned, cut after
    ``max_rows`` rows (``None``: all, e.g. a top-N list the reader asked for). A notebook displays it as it
    displays :func:`helpers.tables.show`'s Styler (the same HTML); the sharing end writes its HTML directly."""
    dtypes = df.dtypes if df.columns.is_unique else {c: df[c] for c in df.columns}  # a Series per name: no copies
    kinds = {c: f"{{:,.{precision}f}}".format for c in df.columns
             if pd.api.types.is_float_dtype(dtypes[c]) and "share" not in str(c) and c not in tables.COLUMNS}
    return tables.format_table(df, kinds=kinds, max_rows=max_rows)


def example_customer(con) -> str:
    """The highest-CLV customer who has coded feedback (else the highest-CLV customer): a full example."""
    if has_table(con, "customer_feedback") and "clv" in profile_columns(con):
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
    """Markdown title block of a knowledge report. The data's label (SIMULATED where they are) is the first line
    of the summary under it (:func:`helpers.report.render`), in the PDF and on the sharing end's pages alike."""
    if mode == "customer":
        row = rep["row"]
        name = row.get("name")
        head = (f"# 客户个人知识报告 Customer knowledge report\n\n**客户ID customer {row['customer_id']}**"
                + (f" · 化名 pseudonym `{name}`" if isinstance(name, str) and name else ""))
    else:
        head = (f"# 细分客户知识报告 Segment knowledge report\n\n**{rep['column']} = {rep['segment']}** · "
                f"{int(rep['summary'].loc['customers', rep['segment']]):,} customers")
    return (f"{head}\n\nPseudonymised: customer ids and pseudonymous names only (仅显示客户ID与化名); no phone "
            "numbers, e-mail addresses or forum nicknames.")


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


def flagged_text(row: Mapping[str, Any], currency: str = "") -> str:
    """"Includes a flagged order of 75,981 CNY …" when the customer has an order cleaning flagged extreme
    (``flagged_orders``/``flagged_amount`` of the profile), else ""."""
    n, amount = row.get("flagged_orders"), row.get("flagged_amount")
    if n is None or pd.isna(n) or int(n) <= 0:
        return ""
    return tr("Includes {n} order(s) flagged extreme in cleaning (notebook 02), the largest {amount:,.0f} {cur}: "
              "revenue and CLV rest on it; check the order before acting on the value.",
              n=int(n), amount=float(amount), cur=currency)


def customer_sections(rep: Mapping[str, Any], level: int = 2, draw: bool = True) -> list[tuple[str, Any]]:
    """``(heading, content)`` pairs of a per-customer report; content is a table, figure or Markdown text.

    ``level`` is the Markdown heading level of the sections (2 = ``##``). ``draw=False``: figures are
    :class:`Deferred` (drawn when asked for), everything else the same.
    """
    m, row = rep["meta"], rep["row"]
    orders = rep["orders"]
    fig = _figure("history", lambda: plot_customer_history(orders, m.get("currency", "")), draw)
    hist = orders.sort_values("timestamp", ascending=False).head(10).reset_index(drop=True)
    hist = _dates(hist[[c for c in ("timestamp", "amount", "products", "channel") if c in hist.columns]], "timestamp")
    pa, ep = row.get("p_alive"), row.get("expected_purchases")
    horizon = m.get("horizon") or "notebook 03's horizon (default 52 weeks)"
    if pa is None or pd.isna(pa):
        pred_text = "No prediction: this customer has no purchases in the data. 无购买记录，无法预测。"
    else:
        pred_text = (tr("P(alive) = **{p:.2f}**: the model's probability that the customer is still an active buyer.", p=pa)
                     + (" " + tr("Expected purchases over {horizon}: **{n:.2f}**.", horizon=horizon, n=ep)
                        if ep is not None and not pd.isna(ep) else ""))
    value_text = flagged_text(row, m.get("currency", ""))
    sections: list[tuple[str, Any]] = [
        ("## 客户概况 Profile", show(rep["profile"])),
        ("## 购买历史 Purchase history", fig),
        ("", show(hist) if len(hist) else "No purchases in the data. 无购买记录。"),
        ("## 客户价值 Value", show(rep["value"])),
        *([("", value_text)] if value_text else []),
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
    sections.append(("## 员工笔记 Staff notes", notes_table(rep["notes"]) if len(rep.get("notes", ())) else
                     tr("No staff notes yet: staff add them on the customer's page of the sharing end.")))
    return _number(sections, level)


def notes_table(notes: pd.DataFrame):
    """Staff notes as a report table: time (UTC, to the minute), author, role, code with its meaning, text."""
    out = pd.DataFrame({
        "time (UTC)": notes["created_at"].str.slice(0, 16).str.replace("T", " ", regex=False),
        "author": notes["author"], "role": notes["role"], "code": notes["code"].fillna(""),
        "说明": notes["code"].map(lambda c: CODE_SCHEME[c]["说明"] if c in CODE_SCHEME else ""),
        "note": notes["text"]})
    return show(out, max_rows=None)


def segment_sections(rep: Mapping[str, Any], con, level: int = 2, draw: bool = True) -> list[tuple[str, Any]]:
    """``(heading, content)`` pairs of a per-segment report (``level``: Markdown heading level; ``draw=False``:
    figures are :class:`Deferred`, drawn on ``con`` while it is open)."""
    summary = rep["summary"].rename(index=_SUMMARY_ROWS)
    summary = summary.map(lambda v: f"{v:.3f}" if isinstance(v, float) and abs(v) < 10 else
                          (f"{v:,.1f}" if isinstance(v, float) else v))
    fig = _figure("distribution", lambda: plot_segment_distribution(con, rep["segment"], rep["column"]), draw)
    top = rep["top"].copy()
    for col in ("clv", "revenue"):
        if col in top:
            top[col] = top[col].round(0)
    top = _dates(top, "last_purchase")
    sections: list[tuple[str, Any]] = [
        ("## 细分概况 Segment summary (vs all customers)", show(summary.reset_index(names="measure 指标"), 3)),
        ("## 价值分布 Value distribution", fig),
        (f"## 重点客户 Top {len(top)} customers by CLV", show(top, max_rows=None)),
    ]
    flagged = top.loc[top["flagged_amount"].fillna(0) > 0] if "flagged_amount" in top else top.iloc[:0]
    if len(flagged):
        sections.append(("", tr("{k} of these customers include an order flagged extreme in cleaning (notebook 02): "
                                "{which}. Their CLV rests on that order.", k=len(flagged),
                                which=", ".join(f"{r.customer_id} ({r.flagged_amount:,.0f} {rep['meta'].get('currency', '')})"
                                                for r in flagged.itertuples()))))
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
                     show(rep["actions"][["rule", "action" if get_language() == "en" else "行动", "evidence",
                                          "source", "basis"]])))
    return _number(sections, level)
