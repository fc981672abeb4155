"""The customer table (客户表): one row per customer with RFM, revenue, needs, last channel and CLV.

:func:`customer_table` joins :func:`helpers.segment.rfm.rfm_table` output with per-customer
aggregates of the clean transactions — computed by pandas for a DataFrame and by DuckDB
(one ``GROUP BY``) for a large :class:`~helpers.largelog.ParquetLog`, with the same meaning —
and, optionally, ``clv.score_customers`` output.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..engines import sql_ident, sql_str
from ..errors import DataError
from ..largelog import ParquetLog
from ..schema import SCORE_COLUMNS
from .arrays import ID, customer_ids, period_days, require


#: Up to this many distinct categories, a customer's category breadth is counted with a bitmask (``bit_or`` of one bit
#: per category, then ``bit_count``): 2–3 times faster than ``count(DISTINCT …)`` per customer, the same counts.
CATEGORY_BITS = 63


def _customer_aggregates_sql(log: ParquetLog, amount_col: str, category_col: str | None, channel_col: str | None,
                             datetime_col: str) -> tuple[pd.DataFrame, bool]:
    """:func:`customer_table`'s per-customer aggregates of a large log, computed by DuckDB.

    Same meaning as the pandas branch: the last channel is the one of the latest line with a
    channel (ties broken by file and row, i.e. the log's order).
    """
    q = sql_ident
    categories = (log.query(f"SELECT DISTINCT {q(category_col)} AS c, typeof({q(category_col)}) AS t FROM log WHERE "
                            f"{q(category_col)} IS NOT NULL LIMIT {CATEGORY_BITS + 1}")
                  if category_col and category_col in log.columns else pd.DataFrame({"c": [], "t": []}))
    has_cat = bool(len(categories))
    if has_cat and len(categories) <= CATEGORY_BITS and set(categories["t"]) == {"VARCHAR"}:
        listed = "[" + ", ".join(sql_str(str(c)) for c in categories["c"]) + "]"  # one bit per category a customer has
        breadth = (f"greatest(bit_count(bit_or(CAST(1 AS UBIGINT) << (list_position({listed}, {q(category_col)}) - 1)"
                   f")), 1)")
    else:
        breadth = f"greatest(count(DISTINCT {q(category_col)}), 1)" if has_cat else "CAST(NULL AS BIGINT)"
    parts = [f"sum({q(amount_col)}) AS revenue", f"min({q(datetime_col)}) AS first_purchase",
             "count(DISTINCT order_id) AS orders" if "order_id" in log.columns else "count(*) AS orders",
             f"{breadth} AS n_categories"]
    if channel_col and channel_col in log.columns:
        parts.append(f"arg_max({q(channel_col)}, struct_pack(t := {q(datetime_col)}, f := source_file, "
                     f"r := source_row)) FILTER (WHERE {q(channel_col)} IS NOT NULL) AS last_channel")
    else:
        parts.append("CAST(NULL AS VARCHAR) AS last_channel")
    agg = log.query(f"SELECT CAST({ID} AS VARCHAR) AS {ID}, {', '.join(parts)} FROM log GROUP BY ALL").set_index(ID)
    agg["n_categories"] = agg["n_categories"].astype("Int64")
    return agg, has_cat


def customer_table(
    transactions: pd.DataFrame | ParquetLog,
    rfm: pd.DataFrame,
    scores: pd.DataFrame | None = None,
    *,
    summary: pd.DataFrame | None = None,
    amount_col: str = "amount",
    category_col: str | None = "category",
    channel_col: str | None = "channel",
    datetime_col: str = "timestamp",
) -> pd.DataFrame:
    """One row per customer: RFM, revenue, needs (category breadth), last channel, CLV scores.

    Parameters
    ----------
    transactions
        Clean transactions (``customer_id``, ``timestamp``, ``amount`` [, ``category``,
        ``channel``]), e.g. from ``store.load_processed``.
    rfm
        :func:`rfm_table` output (recency in days since the last purchase).
    scores
        Optional ``clv.score_customers`` output (``customer_id, p_alive, expected_purchases,
        expected_spend, clv``); every customer in ``rfm`` must have a row.
    summary
        Optional modelling summary in weeks (``clv.rfm_summary(..., time_unit="D",
        time_scaler=7)``) whose ``T`` gives ``weeks_since_first``; otherwise it is computed
        from the first transaction and the reference date of ``rfm.attrs``.
    category_col, channel_col
        Set to ``None`` (or leave out of the data) when not recorded.

    Returns
    -------
    DataFrame
        ``customer_id, recency, frequency, monetary_value, revenue, orders, n_categories,
        last_channel, weeks_since_first, weeks_since_last[, p_alive, expected_purchases,
        expected_spend, clv]``, in ``rfm``'s order. ``revenue`` is the total net amount in the
        dataset currency; ``n_categories`` is the number of distinct *recorded* product
        categories bought, at least 1 for every buyer (rows with a missing category are not
        counted: e.g. carrier contract phones without a category still make a buyer of one
        category), or missing (``<NA>``) when the data record no categories at all;
        ``weeks_since_last`` = recency / 7. When the transactions carry cleaning's ``flag_extreme``
        (a DataFrame or a large log), ``flagged_orders`` and ``flagged_amount`` (:func:`flagged_orders`, 0 for customers
        without one) travel with the customer into the segments and the knowledge base.
    """
    require(transactions, [ID, datetime_col, amount_col], "customer_table (transactions)")
    require(rfm, [ID, "recency", "frequency"], "customer_table (rfm)", hint="build it with segment.rfm_table")
    ids = customer_ids(rfm, "customer_table (rfm)")
    tx = transactions
    if isinstance(tx, ParquetLog):
        agg, has_cat = _customer_aggregates_sql(tx, amount_col, category_col, channel_col, datetime_col)
    else:
        g = tx.groupby(ID, sort=False, observed=True)
        agg = pd.DataFrame({"revenue": g[amount_col].sum(), "first_purchase": g[datetime_col].min()})
        agg["orders"] = g["order_id"].nunique() if "order_id" in tx.columns else g.size()
        has_cat = category_col is not None and category_col in tx.columns and tx[category_col].notna().any()
        if has_cat:
            cats = g[category_col].nunique(dropna=True)
            agg["n_categories"] = np.maximum(cats, 1).astype("Int64")
        else:
            agg["n_categories"] = pd.array([pd.NA] * len(agg), dtype="Int64")
        if channel_col is not None and channel_col in tx.columns:
            last = tx.loc[tx[channel_col].notna(), [ID, datetime_col, channel_col]].sort_values(
                [ID, datetime_col], kind="stable")
            agg["last_channel"] = last.groupby(ID, sort=False, observed=True)[channel_col].last()
        else:
            agg["last_channel"] = pd.NA
    key = ids.astype(str).to_numpy()
    at = _positions(agg.index.astype(str), key)  # rows of agg in rfm's order: one hash, no reindexed copies
    if (at < 0).any():
        raise DataError(f"customer {pd.Index(key[at < 0]).sort_values()[0]!r} is in the RFM table but has no "
                        "transaction", column=ID, hint="build rfm and the customer table from the same transactions")
    out = rfm.copy()
    for column in ("revenue", "orders", "n_categories", "last_channel"):
        out[column] = agg[column].iloc[at].to_numpy()
    if summary is not None:
        require(summary, [ID, "T"], "customer_table (summary)")
        t = summary["T"].to_numpy(dtype=float) * period_days(summary, "summary") / 7.0
        at_summary = _positions(summary[ID].astype(str), key)
        out["weeks_since_first"] = np.append(t, np.nan)[at_summary]  # −1 (absent): NaN, as reindex gave
    else:
        end = rfm.attrs.get("observation_period_end")
        ref = pd.Timestamp(end) if end else tx[datetime_col].max().normalize()
        first = agg["first_purchase"].iloc[at]
        out["weeks_since_first"] = ((ref - first.dt.normalize()).dt.days / 7.0).to_numpy()
    out["weeks_since_last"] = out["recency"].to_numpy(dtype=float) / 7.0
    if scores is not None:
        require(scores, [ID, "p_alive", "clv"], "customer_table (scores)", hint="pass clv.score_customers output")
        at_scores = _positions(scores[ID].astype(str), key)
        if (at_scores < 0).any():
            raise DataError(f"customer {pd.Index(key[at_scores < 0]).sort_values()[0]!r} has no CLV score", column=ID,
                            hint="score the same summary the RFM table was built from")
        for column in SCORE_COLUMNS:
            if column in scores.columns:
                out[column] = scores[column].to_numpy(dtype=float)[at_scores]
    if "flag_extreme" in tx.columns:  # flagged lines are few: a large log hands over only those
        flags = flagged_orders(_flagged_lines(tx, amount_col) if isinstance(tx, ParquetLog) else tx, amount_col)
        out["flagged_orders"] = flags["flagged_orders"].reindex(key).fillna(0).astype("int64").to_numpy()
        out["flagged_amount"] = flags["flagged_amount"].reindex(key).fillna(0.0).to_numpy(dtype=float)
    out.attrs.update(rfm.attrs)
    out.attrs["has_categories"] = bool(has_cat)
    return out


def _positions(index_ids: pd.Index | pd.Series, key: np.ndarray) -> np.ndarray:
    """Position in ``index_ids`` of each id of ``key`` (−1 when absent); repeated ids in ``index_ids`` are refused
    as ``reindex`` refuses them (``InvalidIndexError``)."""
    return pd.Index(index_ids).get_indexer(key)


def _flagged_lines(log: ParquetLog, amount_col: str) -> pd.DataFrame:
    """The lines of a large log flagged extreme, with the columns :func:`flagged_orders` reads."""
    cols = [c for c in (ID, "order_id", amount_col, "flag_extreme") if c in log.columns]
    return log.query(f"SELECT {', '.join(map(sql_ident, cols))} FROM log WHERE flag_extreme")


def flagged_orders(transactions: pd.DataFrame, amount_col: str = "amount") -> pd.DataFrame:
    """Orders flagged extreme in cleaning (``flag_extreme`` of ``clean.clean_transactions``), per customer:
    ``flagged_orders`` (count) and ``flagged_amount`` (total of the largest flagged order, dataset currency),
    indexed by customer id as text. Orders are ``order_id`` (each line its own order without one)."""
    require(transactions, [ID, amount_col, "flag_extreme"], "flagged_orders")
    lines = transactions.loc[transactions["flag_extreme"].fillna(False).astype(bool)]
    order = lines["order_id"] if "order_id" in lines.columns else pd.Series(lines.index, index=lines.index)
    totals = lines.groupby([lines[ID].astype(str), order], observed=True)[amount_col].sum()
    by = totals.groupby(level=0)
    out = pd.DataFrame({"flagged_orders": by.size(), "flagged_amount": by.max()})
    out.index.name = ID
    return out
