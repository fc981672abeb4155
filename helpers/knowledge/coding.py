"""Classify and code customer feedback (分类、编码): the code scheme, topics mapped to categories,
the polarity lexicon, and coding the posts.

:data:`CODE_SCHEME` is the documented code scheme: a *kind* letter (``N`` needs 需求 = questions,
``C`` complaints 投诉 = negative experience reports, ``S`` suggestions 建议, ``P`` praise 好评 =
positive experience reports) and a two-digit *category* (01 battery … 08 after-sales, 99 other),
e.g. ``C-03`` = a complaint about heat (发热). Topics found by NMF (:mod:`helpers.topics`) are mapped
to categories by the category keywords (:func:`topic_categories`); experience posts are split into
complaints and praise by a small polarity lexicon (:func:`polarity`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import DataError

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
