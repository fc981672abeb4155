"""Finding customers and knowledge in the knowledge base: the sharing end's paged queries.

:func:`search_customers` (pseudonymised id or pseudonym, segment, lifecycle stage, CLV range, ABC class,
feedback topic), :func:`knowledge_entries` (the coded posts: complaints, suggestions …), :func:`segment_overview`
(one row per segment with its treatment and top feedback topic) and :func:`filter_options` (the values a
form offers). Every value a user typed reaches DuckDB as a bound parameter, never inside the SQL text; the
column names in the SQL come from the knowledge base's own schema. Text matching uses ``starts_with`` and
``contains``, so ``%`` and ``_`` in a query are plain characters.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from ..errors import DataError
from ..i18n import tr
from .actions import registry_action, segment_metrics
from .base import has_table, meta, profile_columns

PER_PAGE = 25
"""Rows on one page of search results."""

SEARCH_FILTERS: dict[str, str] = {
    "q": "customer id (start of it) or pseudonym (part of it)",
    "segment": "segment (the knowledge base's segment column, notebook 04)",
    "stage": "lifecycle stage (new, active, at risk, lapsed)",
    "abc": "ABC class (A, B, C)",
    "clv_min": "lowest CLV (currency of the data)", "clv_max": "highest CLV (currency of the data)",
    "topic": "feedback topic: a code (C-03) or a category (03) the customer posted about",
}
"""The filters of :func:`search_customers`, with what each matches."""

ENTRY_FILTERS: dict[str, str] = {
    "kind": "kind of knowledge: N question, C complaint, S suggestion, P praise",
    "category": "category 01–08, 99", "code": "a code of the code scheme (C-03)", "q": "words in the title or text",
}
"""The filters of :func:`knowledge_entries`."""

RESULT_COLUMNS = ["customer_id", "name", "segment", "lifecycle_stage", "abc_class", "clv", "p_alive", "orders",
                  "revenue", "last_purchase"]


def page_number(page: Any) -> int:
    """A page number a reader asked for (text from a URL), or :class:`DataError` saying what is wrong."""
    try:
        value = int(page)
    except (TypeError, ValueError):
        raise DataError(tr("page must be a whole number, not {given}", given=repr(str(page)[:20]))) from None
    if value < 1:
        raise DataError(tr("page must be 1 or more, not {given}", given=value))
    return value


def _number(value: Any, name: str) -> float | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        out = float(str(value).replace(",", ""))
    except ValueError:
        raise DataError(tr("{name} must be a number, not {given}", name=tr(name), given=repr(str(value)[:20]))) from None
    if not math.isfinite(out):
        raise DataError(tr("{name} must be a finite number", name=tr(name)))
    return out


def search_customers(con, q: str | None = None, segment: str | None = None, stage: str | None = None,
                     abc: str | None = None, clv_min: Any = None, clv_max: Any = None, topic: str | None = None,
                     page: Any = 1, per_page: int = PER_PAGE) -> tuple[pd.DataFrame, int]:
    """One page of customers matching every given filter (:data:`SEARCH_FILTERS`), highest CLV first.

    Returns ``(rows, total)``: the page (columns of :data:`RESULT_COLUMNS` the knowledge base has; ``segment``
    is the meta segment column) and how many customers match in all. Raises :class:`DataError` for a CLV
    bound or page that is not a number, or ``clv_min`` above ``clv_max``.
    """
    cols = set(profile_columns(con))
    seg_col = meta(con).get("segment_column", "rfm_segment")
    lo, hi = _number(clv_min, "lowest CLV"), _number(clv_max, "highest CLV")
    if lo is not None and hi is not None and lo > hi:
        raise DataError(tr("the lowest CLV ({lo:,.0f}) is above the highest ({hi:,.0f})", lo=lo, hi=hi))
    page = page_number(page)
    where, params = [], []
    if q and q.strip():
        q = q.strip()
        match = "starts_with(customer_id, ?)" + (" OR contains(lower(name), lower(?))" if "name" in cols else "")
        where.append(f"({match})")
        params += [q] + ([q] if "name" in cols else [])
    for value, column in ((segment, seg_col), (stage, "lifecycle_stage"), (abc, "abc_class")):
        if value:
            if column not in cols:
                raise DataError(f"this knowledge base has no {column!r} column to filter on", column=column)
            where.append(f'"{column}" = ?')
            params.append(str(value))
    for bound, op in ((lo, ">="), (hi, "<=")):
        if bound is not None:
            if "clv" not in cols:
                raise DataError("this knowledge base has no CLV (notebook 03) to filter on", column="clv")
            where.append(f"clv {op} ?")
            params.append(bound)
    if topic and topic.strip():
        if not has_table(con, "customer_feedback"):
            raise DataError("this knowledge base has no coded feedback (community data) to filter on")
        where.append("customer_id IN (SELECT customer_id FROM customer_feedback WHERE code = ? OR category = ?)")
        params += [topic.strip(), topic.strip()]
    sql_where = f"WHERE {' AND '.join(where)}" if where else ""
    total = int(con.execute(f"SELECT count(*) FROM customer_profile {sql_where}", params).fetchone()[0])
    shown = [f'"{seg_col}" AS segment' if c == "segment" else f'"{c}"' for c in RESULT_COLUMNS
             if (seg_col if c == "segment" else c) in cols]
    order = "clv DESC NULLS LAST, customer_id" if "clv" in cols else "customer_id"
    rows = con.execute(f"SELECT {', '.join(shown)} FROM customer_profile {sql_where} ORDER BY {order} "
                       "LIMIT ? OFFSET ?", [*params, int(per_page), (page - 1) * int(per_page)]).df()
    return rows, total


def knowledge_entries(con, kind: str | None = None, category: str | None = None, code: str | None = None,
                      q: str | None = None, page: Any = 1, per_page: int = PER_PAGE) -> tuple[pd.DataFrame, int]:
    """One page of coded knowledge entries (posts with their code; :data:`ENTRY_FILTERS`), newest first, and
    how many match. Empty when the dataset has no community data."""
    page = page_number(page)
    columns = ["post_id", "timestamp", "customer_id", "board", "post_type", "code", "说明", "polarity", "title",
               "likes", "replies"]
    if not has_table(con, "posts_coded"):
        return pd.DataFrame(columns=columns), 0
    where, params = [], []
    for value, column in ((kind, "p.kind"), (category, "p.category"), (code, "p.code")):
        if value:
            where.append(f"{column} = ?")
            params.append(str(value))
    if q and q.strip():
        where.append("(contains(p.title, ?) OR contains(p.text, ?))")
        params += [q.strip(), q.strip()]
    sql_where = f"WHERE {' AND '.join(where)}" if where else ""
    total = int(con.execute(f"SELECT count(*) FROM posts_coded p {sql_where}", params).fetchone()[0])
    rows = con.execute(f"""SELECT p.post_id, p.timestamp, p.customer_id, p.board, p.post_type, p.code, s."说明",
                                  p.polarity, p.title, p.likes, p.replies
                           FROM posts_coded p JOIN code_scheme s USING (code) {sql_where}
                           ORDER BY p.timestamp DESC, p.post_id LIMIT ? OFFSET ?""",
                       [*params, int(per_page), (page - 1) * int(per_page)]).df()
    return rows, total


def segment_overview(con, column: str | None = None) -> pd.DataFrame:
    """One row per segment: customers, mean CLV and P(alive), the top complaint and the treatment of the
    scheme registry (rule R0), from :func:`~.actions.segment_metrics` (the numbers the segment reports show)."""
    metrics = segment_metrics(con, column)
    rows = metrics.loc[metrics["segment"] != "all"].copy()
    treatments = rows["segment"].map(registry_action)
    rows["treatment"] = [t[0].split(": ", 1)[-1] if t else "" for t in treatments]
    keep = [c for c in ("segment", "customers", "mean_clv", "mean_p_alive", "mean_revenue", "complaint_share",
                        "top_complaint", "treatment") if c in rows.columns]
    return rows[keep].sort_values(["customers", "segment"], ascending=[False, True]).reset_index(drop=True)


def filter_options(con) -> dict[str, list[str]]:
    """What the search forms offer: segments, lifecycle stages, ABC classes and feedback codes present."""
    cols = set(profile_columns(con))
    seg_col = meta(con).get("segment_column", "rfm_segment")
    out: dict[str, list[str]] = {}
    for key, column in (("segment", seg_col), ("stage", "lifecycle_stage"), ("abc", "abc_class")):
        out[key] = ([str(v) for (v,) in con.execute(f'SELECT DISTINCT "{column}" FROM customer_profile WHERE '
                                                     f'"{column}" IS NOT NULL ORDER BY 1').fetchall()]
                    if column in cols else [])
    out["code"] = ([str(v) for (v,) in con.execute("SELECT DISTINCT code FROM posts_coded ORDER BY 1").fetchall()]
                   if has_table(con, "posts_coded") else [])
    return out
