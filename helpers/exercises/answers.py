"""Expected answers of the number, choice, set and yes/no exercises, computed from a run's own data.

Each function takes the objects a numbered notebook already holds (``customers``, ``scores``,
the survey data …) and returns the value a check cell compares the student's answer with
(:mod:`helpers.teaching`). Nothing here is typed in: change the data or a parameter and the
expected answer moves with it. A function returns ``None`` when its exercise does not apply to
the dataset (e.g. no online mall in CDNOW); the check then says so instead of judging.

The computations deliberately take a different route from the worked solutions in the
instructor edition (e.g. the class-A revenue share from customer rows here, from
``abc_summary`` in the solution), so a check that says "Right" also cross-checks two helpers.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..engines import sql_str
from ..largelog import ParquetLog



# 01 · acquisition
def channel_line_share(transactions: pd.DataFrame, channel: str = "online_mall") -> float | None:
    """Share (0–1) of acquired order lines that came through ``channel`` (0 when none did);
    ``None`` when the log has no channels (e.g. CDNOW)."""
    if isinstance(transactions, ParquetLog):  # a large log: counted by DuckDB
        if "channel" not in transactions.columns:
            return None
        row = transactions.query(f"SELECT count(channel) AS k, count_if(CAST(channel AS VARCHAR) = {sql_str(channel)}) "
                                 "AS n, count(*) AS total FROM log").iloc[0]
        return float(row["n"] / row["total"]) if row["k"] else None
    if "channel" not in transactions or not transactions["channel"].notna().any():
        return None
    return float((transactions["channel"].astype("string") == channel).sum() / len(transactions))  # of all lines


def source_encoding(provenance: pd.DataFrame, file_contains: str = "online_mall") -> str | None:
    """Detected text encoding of the source file whose name contains ``file_contains``."""
    rows = provenance.loc[provenance["file"].astype(str).str.contains(file_contains, regex=False)]
    return str(rows["encoding"].iloc[0]) if len(rows) and str(rows["encoding"].iloc[0]) else None


# 02 · cleaning
def quarantined_rows(quarantine: pd.DataFrame, reason: str) -> int:
    """Number of quarantined rows whose reason is ``reason`` (e.g. ``"cancelled"``)."""
    if isinstance(quarantine, ParquetLog):
        return int(quarantine.query(f"SELECT count(*) AS n FROM log WHERE reason = {sql_str(reason)}")["n"].iloc[0])
    return int((quarantine["reason"].astype(str) == reason).sum())


def channel_revenue_share(clean: pd.DataFrame, channel: str = "online_mall") -> float | None:
    """Share (0–1) of net revenue from ``channel`` in the clean lines (0 when it has none);
    ``None`` when the lines have no channels (e.g. CDNOW)."""
    if isinstance(clean, ParquetLog):
        if "channel" not in clean.columns:
            return None
        row = clean.query(f"SELECT count(channel) AS k, coalesce(sum(amount) FILTER (WHERE channel = {sql_str(channel)}), "
                          "0) AS part, sum(amount) AS total FROM log").iloc[0]
        return float(row["part"] / row["total"]) if row["k"] else None
    if "channel" not in clean or not clean["channel"].notna().any():
        return None
    amount = clean["amount"].astype(float)
    return float(amount[clean["channel"].astype("string") == channel].sum() / amount.sum())


# 03 · CLV
def p_alive_of_top_clv(scores: pd.DataFrame) -> float:
    """P(alive) of the customer with the highest CLV."""
    return float(scores.loc[scores["clv"].astype(float).idxmax(), "p_alive"])


def n_below(scores: pd.DataFrame, column: str = "p_alive", threshold: float = 0.5) -> int:
    """Number of customers whose ``column`` is strictly below ``threshold``."""
    return int((scores[column].astype(float) < threshold).sum())


def holdout_direction(track: pd.DataFrame) -> str:
    """``"more"`` if the model predicted more holdout repeat purchases than were made, else ``"fewer"``."""
    hold = track.loc[track["period"] == "holdout"]
    return "more" if hold["model_incremental"].sum() > hold["actual_incremental"].sum() else "fewer"


# 04 · segmentation
def abc_class_ids(customers: pd.DataFrame, cls: str = "A") -> set[str]:
    """Customer ids in ABC class ``cls`` (by revenue)."""
    return set(customers.loc[customers["abc_class"] == cls, "customer_id"].astype(str))


def abc_revenue_share(customers: pd.DataFrame, cls: str = "A") -> float:
    """Share (0–1) of revenue to date brought by the customers of ABC class ``cls``."""
    revenue = customers["revenue"].astype(float)
    return float(revenue[customers["abc_class"] == cls].sum() / revenue.sum())


def best_segment_by_clv(customers: pd.DataFrame, column: str = "rfm_segment", min_customers: int = 30) -> str | None:
    """The segment of ``column`` with the highest mean CLV among segments of ≥ ``min_customers``;
    ``None`` (nothing to check) when no segment is that large."""
    stats = customers.groupby(column, observed=True)["clv"].agg(["mean", "size"])
    stats = stats.loc[stats["size"] >= min_customers]
    return str(stats["mean"].idxmax()) if len(stats) else None


def quadrant_size(customers: pd.DataFrame, quadrant: str = "potential customers") -> int:
    """Number of customers in one quadrant of the value × needs matrix."""
    return int((customers["value_need_quadrant"].astype(str) == quadrant).sum())


# 05 · staff survey
def statement_bound(statements: pd.DataFrame, item: str = "s6_no_incentive_hurts", bound: str = "ci_low") -> float:
    """Wilson interval bound (``ci_low``/``ci_high``, 0–1) of one yes/no statement."""
    return float(statements.set_index("item").loc[item, bound])


def group_choice_share(responses: pd.DataFrame, item: str, code: str, group: str, value: str) -> float | None:
    """Share (0–1) of respondents with ``group == value`` who answered ``code`` to ``item``."""
    rows = responses.loc[responses[group].astype(str) == value, item].dropna()
    return float((rows.astype(str) == code).mean()) if len(rows) else None


def group_difference_significant(tests: pd.DataFrame, item: str, grouping: str) -> bool | None:
    """Whether the Holm-corrected test of ``item`` across ``grouping`` is significant (p_holm < 0.05)."""
    rows = tests.loc[(tests["item"] == item) & (tests["grouping"] == grouping), "p_holm"].dropna()
    return bool(rows.iloc[0] < 0.05) if len(rows) else None


# 06 · community
def largest_topic_on_board(posts: pd.DataFrame, assigned: pd.DataFrame, board: str = "建议反馈") -> int | None:
    """Topic number with the most posts on one forum board (ties: the lower number)."""
    on_board = posts.loc[posts["board"].astype(str) == board, ["post_id"]]
    topics = on_board.merge(assigned[["post_id", "topic"]], on="post_id")["topic"]
    if topics.empty:
        return None
    counts = topics.value_counts()
    return int(min(counts.index[counts == counts.max()]))


def step_share(engagement: pd.DataFrame, numerator: str = "suggestions", denominator: str = "posts") -> float:
    """Share (0–1) of customers with ``denominator > 0`` who also have ``numerator > 0``."""
    base = engagement[denominator].fillna(0) > 0
    return float((engagement.loc[base, numerator].fillna(0) > 0).mean())


def did_excludes_zero(effects: pd.DataFrame, comparison: str = "difference in differences 双重差分") -> bool:
    """Whether the 95% interval of a meet-up comparison excludes zero."""
    row = effects.set_index("comparison").loc[comparison]
    return bool(row["ci low"] > 0 or row["ci high"] < 0)


# 07 · knowledge
def kind_share(posts_coded: pd.DataFrame, kind: str = "C") -> float:
    """Share (0–1) of coded posts of one kind (N need, S suggestion, C complaint, P praise)."""
    return float((posts_coded["kind"].astype(str) == kind).mean())


def segment_top_complaint(con: Any, segment: str = "champions", segment_by: str = "rfm_segment") -> str | None:
    """Most frequent complaint category (Chinese name) among one segment's customers, from the knowledge base."""
    rows = con.execute(
        f"""SELECT f.category_zh, sum(f.posts) AS n FROM customer_feedback f
            JOIN customer_profile p USING (customer_id)
            WHERE f.kind = 'C' AND p."{segment_by}" = ? GROUP BY ALL ORDER BY n DESC, f.category_zh""",
        [segment]).fetchall()
    return str(rows[0][0]) if rows else None


def channel_majority(clean: pd.DataFrame, channel: str = "online_mall") -> bool | None:
    """Whether ``channel`` brings more than half of net revenue; ``None`` without channels."""
    share = channel_revenue_share(clean, channel)
    return None if share is None else bool(share > 0.5)
