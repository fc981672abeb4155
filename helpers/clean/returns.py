"""Returns netted into their sale lines (退货冲抵): :func:`net_returns`, the one definition both cleaning paths use.

:func:`helpers.clean.clean_transactions` calls it on the lines no earlier rule quarantined;
:func:`helpers.clean.clean_log` calls it on the few lines of a large log it can touch (the return
lines and the sale lines sharing a key with one), brought from DuckDB, and joins the result back.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from ..schema import LINEAGE

#: The quarantine reasons of netting, the last ones of :data:`~helpers.schema.REASONS` (netting runs last).
RETURN_REASONS = ("return_netted", "fully_returned", "return_unmatched")


def return_key(lines: pd.DataFrame, key: Sequence[str]) -> pd.Series:
    """The matching key of each line: the ``key`` columns as text (missing → empty), joined by ``\\x1f``."""
    keys = lines[list(key)].astype("string").fillna("")
    return keys[key[0]].str.cat([keys[c] for c in key[1:]], sep="\x1f") if len(key) > 1 else keys[key[0]]


def key_columns(columns: Sequence[str], has_product: bool) -> list[str]:
    """Columns a return is matched on: customer and order, and product when the data record one."""
    return ["customer_id", "order_id"] + (["product"] if "product" in columns and has_product else [])


def net_returns(lines: pd.DataFrame, key: Sequence[str]) -> pd.DataFrame:
    """Net return lines into the sale lines of the same key (customer, order, product when known).

    ``lines``: every line of each customer who has a return line (the pandas path passes all lines),
    with the ``key`` columns (raw text), ``order_id`` (for the details), ``timestamp`` (parsed),
    ``amount`` (signed, dataset currency: return lines negative), ``is_return`` and ``valid`` (no
    earlier rule quarantined the line; only valid lines are netted) and the lineage columns.
    Return lines that share a key with a sale line are ``return_netted`` (detail: the order id, and
    by how much more was returned than sold, if so); the others are ``return_unmatched`` (detail:
    the order id). What is owed back per key (the sum of its return amounts) is taken off that
    key's sale lines in file order (``source_file``, ``source_row``), each sale line giving at most
    its own amount; a sale line left at zero or below is ``fully_returned`` (detail: the amount
    returned, rounded to 0.01).

    Returns a frame on ``lines``' index: ``amount`` (sale lines after netting; other lines
    unchanged), ``returned_amount`` (taken off each sale line), ``reason`` and ``detail``
    (``<NA>`` for the lines that stay and for the lines that were not valid).
    """
    idx = lines.index
    amount = lines["amount"].astype(float)
    valid = lines["valid"].to_numpy(dtype=bool)
    is_return = lines["is_return"].to_numpy(dtype=bool) & valid
    order_text = lines["order_id"].astype("string")
    reason = pd.Series(pd.NA, index=idx, dtype="string")
    detail = pd.Series(pd.NA, index=idx, dtype="string")
    returned_amount = pd.Series(0.0, index=idx)
    amount_out = amount.copy()
    key_str = return_key(lines, key)
    sales = valid & ~is_return
    ret_keys = key_str[is_return]
    matched = ret_keys.isin(set(key_str[sales]))
    unmatched = ret_keys.index[~matched]
    reason[unmatched], detail[unmatched] = "return_unmatched", order_text[unmatched]
    # what is owed back per key, allocated to that key's sale lines in file order
    owed = (-amount[ret_keys.index[matched]]).groupby(ret_keys[matched].to_numpy()).sum()
    in_owed = sales & key_str.isin(owed.index).to_numpy()
    s_idx = lines.loc[in_owed].sort_values(list(LINEAGE), kind="stable").index
    s_key = key_str[s_idx].to_numpy()
    s_amt = amount[s_idx].clip(lower=0)
    before = s_amt.groupby(s_key).cumsum() - s_amt
    take = np.minimum((owed.reindex(s_key).to_numpy() - before.to_numpy()).clip(min=0), s_amt.to_numpy())
    returned_amount[s_idx] = take
    amount_out[s_idx] = amount[s_idx] - take
    excess = owed - pd.Series(take, index=s_key).groupby(level=0).sum().reindex(owed.index, fill_value=0)
    netted = ret_keys.index[matched]
    text = order_text[netted]
    over = ret_keys[netted].map(excess.round(2))
    more = over.gt(0.005).to_numpy()
    if more.any():
        text = text.copy()
        text[more] = text[more] + " (returned more than sold by " + over[more].astype(str) + ")"
    reason[netted], detail[netted] = "return_netted", text
    full = s_idx[(take > 0) & (amount_out[s_idx].to_numpy() <= 1e-9)]
    reason[full], detail[full] = "fully_returned", returned_amount[full].round(2).astype(str)
    return pd.DataFrame({"amount": amount_out, "returned_amount": returned_amount, "reason": reason,
                         "detail": detail}, index=idx)
