"""The knowledge base: one embedded DuckDB file ``data/processed/<dataset>/knowledge.duckdb``.

:func:`build_knowledge_base` writes the tables of :func:`~.inputs.knowledge_tables` (:data:`KB_TABLES`)
and the views joining them (:data:`KB_VIEWS`); :func:`open_knowledge_base` opens it read-only;
:func:`schema_table`, :func:`meta`, :func:`has_table`, :func:`profile_columns` and :func:`join_checks`
describe and check what is in it; :func:`use_memo` lets a long-lived reader (the sharing end) keep those
descriptions per build of the file instead of asking DuckDB's catalog on every request.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from .. import store
from ..errors import DataError
from .inputs import KB_TABLES, KnowledgeInputs, gather_inputs, knowledge_tables

#: What the knowledge base derives from its tables: joins and aggregates. The three a customer's page reads
#: (``customer_profile``, ``customer_feedback``, ``customer_community``) are written as tables when the file is
#: built, sorted by customer, so that looking up one customer does not run the joins again (a view took ~20 ms
#: per page, a table ~1 ms); the others are views.
KB_VIEWS: dict[str, str] = {
    "customer_profile": "customers ⟕ orders_summary ⟕ segments ⟕ clv ⟕ engagement: one row per customer "
                        "(a table, built with the file)",
    "customer_feedback": "per customer and code: posts, first and last post (a table, built with the file)",
    "customer_community": "per customer: meet-ups attended, poll votes and adopted suggestions, with date and detail "
                          "(a table, built with the file)",
    "feedback_summary": "per code: posts, customers, share of posts",
    "segment_summary": "per segment (of the meta segment column): customers, value, P(alive), engagement, complaints",
}


def _profile_table_sql(tables: Mapping[str, pd.DataFrame]) -> str:
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
    return (f"CREATE TABLE customer_profile AS SELECT {', '.join(select)} FROM customers c {' '.join(joins)} "
            "ORDER BY c.customer_id")


COMMUNITY_TABLE_SQL = """CREATE TABLE customer_community AS
    SELECT customer_id, date, part, what, detail FROM (
        SELECT a.customer_id, m.date AS date, 0 AS part, '同城会活动 meet-up' AS what,
               m.club || ' · ' || m.title AS detail
        FROM attendance a JOIN meetups m USING (meetup_id) UNION ALL
        SELECT v.customer_id, v.timestamp, 1, '功能投票 poll vote', p.feature || ' → ' || p.option
        FROM votes v JOIN polls p USING (poll_id, option_id) UNION ALL
        SELECT p.customer_id, a.release_date, 2, '建议被采纳 adopted', 'MIUI ' || a.version || ' · ' || a.feature
        FROM adoptions a JOIN posts_coded p USING (post_id))
    WHERE customer_id IS NOT NULL ORDER BY customer_id, date DESC, part, detail"""
"""``customer_community``: each customer's meet-ups, poll votes and adopted suggestions (``part`` 0, 1, 2), one
row each, newest first; a customer's page reads their rows (:func:`helpers.knowledge.customer_report`)."""


def build_knowledge_base(inputs: KnowledgeInputs, path: str | Path | None = None) -> Path:
    """Write the knowledge base: one DuckDB file with :data:`KB_TABLES` and :data:`KB_VIEWS`.

    The file is built under a temporary name and moved into place, so a reader never sees a
    half-built database. Returns the path (default :func:`helpers.store.knowledge_path`).
    """
    path = Path(path) if path is not None else store.knowledge_path(inputs.dataset)
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
        con.execute(_profile_table_sql(tables))
        if "posts_coded" in tables:
            con.execute("""CREATE TABLE customer_feedback AS
                SELECT customer_id, code, kind, category, category_zh, count(*) AS posts,
                       min(timestamp) AS first_post, max(timestamp) AS last_post
                FROM posts_coded WHERE customer_id IS NOT NULL GROUP BY ALL ORDER BY customer_id, code""")
            con.execute("""CREATE VIEW feedback_summary AS
                SELECT p.code, s.kind, s.category_zh, s."说明", count(*) AS posts,
                       count(DISTINCT p.customer_id) AS customers,
                       round(count(*) / (SELECT count(*) FROM posts_coded), 4) AS share
                FROM posts_coded p JOIN code_scheme s USING (code) GROUP BY ALL ORDER BY posts DESC""")
        if "attendance" in tables:
            con.execute(COMMUNITY_TABLE_SQL)
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
    path = Path(path) if path is not None else store.knowledge_path(dataset)
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


_MEMOS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def use_memo(con, memo: dict | None) -> None:
    """Let :func:`meta`, :func:`has_table`, :func:`profile_columns` and :func:`remembered` keep their answers for
    the connection (or cursor) ``con`` in ``memo``; ``None`` forgets it.

    ``memo`` must belong to one build of the knowledge base file: the sharing end
    (:class:`helpers.sharing.state.KnowledgeBase`) gives each build its own dict and each request's cursor the
    dict of the build it reads, so when notebook 07 rebuilds the file the next request starts afresh. Without a
    memo every call asks DuckDB, as before (notebooks, reports).
    """
    if memo is None:
        _MEMOS.pop(con, None)
    else:
        _MEMOS[con] = memo


def remembered(con, key: Any, compute: Callable[[], Any]) -> Any:
    """``compute()``, kept under ``key`` in ``con``'s memo (:func:`use_memo`) when it has one; a fact of the
    knowledge base file that cannot change while the file does not (its schema, ``meta``, the data's end)."""
    memo = _MEMOS.get(con)
    if memo is None:
        return compute()
    try:
        return memo[key]
    except KeyError:
        value = memo[key] = compute()
        return value


def meta(con) -> dict[str, str]:
    """The knowledge base's ``meta`` table as a dict."""
    return dict(remembered(con, "meta", lambda: dict(con.execute("SELECT key, value FROM meta").fetchall())))


def has_table(con, name: str) -> bool:
    """True when the knowledge base has a table or view of that name."""
    return remembered(con, ("has_table", name), lambda: bool(con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]).fetchone()[0]))


_FLOAT_TYPES = ("FLOAT", "REAL", "DOUBLE", "DECIMAL")


def _as_pandas_value(value: Any, sql_type: str) -> Any:
    """One value as a one-row ``.df()`` gives it: timestamps and dates as ``pd.Timestamp`` (NULL: ``NaT``),
    floating-point and DECIMAL numbers as float (NULL: NaN); other values (and NULLs, ``None``) as they are."""
    if sql_type.startswith(("TIMESTAMP", "DATE")):
        return pd.NaT if value is None else pd.Timestamp(value)
    if sql_type.startswith(_FLOAT_TYPES):
        return float("nan") if value is None else float(value)
    return value


def one_row(con, sql: str, params: list | None = None) -> dict[str, Any] | None:
    """The first row of a query as ``{column: value}``, the values as ``.df().iloc[0].to_dict()`` would give them
    (:func:`_as_pandas_value`), or ``None`` when there is no row.

    Why not ``.df()``: turning a wide row into a DataFrame costs several times the query itself (the profile
    row has about fifty columns), and the sharing end asks for one on every page."""
    cur = con.execute(sql, params or [])
    record = cur.fetchone()
    if record is None:
        return None
    return {d[0]: _as_pandas_value(v, str(d[1])) for d, v in zip(cur.description, record)}


def has_customer(con, customer_id: str) -> bool:
    """True when ``customer_id`` is a customer of the knowledge base (a row of ``customer_profile``, which has one
    row per row of ``customers``: asked of that table, without the view's joins)."""
    return con.execute("SELECT 1 FROM customers WHERE customer_id = ? LIMIT 1", [str(customer_id)]).fetchone() is not None


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


def profile_columns(con) -> list[str]:
    """The columns of the knowledge base's ``customer_profile`` table, in order."""
    return list(remembered(con, "profile_columns", lambda: list(con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'customer_profile' "
        "ORDER BY ordinal_position").df()["column_name"])))


def ensure_knowledge_base(dataset: str, **kwargs) -> Path:
    """The knowledge base path, building it from notebooks 01–06's outputs if it does not exist yet."""
    path = store.knowledge_path(dataset)
    if not path.exists():
        build_knowledge_base(gather_inputs(dataset, **kwargs), path)
    return path
