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
    by how much more was returned than sold, if so). What is owed back per key (the sum of its return
    amounts) is taken off that key's sale lines in file order (``source_file``, ``source_row``), each
    sale line giving at most its own amount. Then the lines of **cancellation orders** — orders
    (customer + order id) with no sale line at all, as the ``C…`` invoices of the UCI retail exports —
    are netted, when their product is known (``product`` in ``key``), into the same customer's sale
    lines of that product dated at or before them, the latest first, each taking what is left
    (:func:`net_cancellations`; detail ``"C536383 → 536381"``). The returns left are
    ``return_unmatched`` (detail: the order id). A sale line left at zero or below is
    ``fully_returned`` (detail: the amount returned, rounded to 0.01).

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
    left = ret_keys.index[~matched]
    if "product" in key and len(left):
        order_key = return_key(lines, ["customer_id", "order_id"])
        with_sales = set(order_key[~lines["is_return"].to_numpy(dtype=bool)])
        cancellation = [i for i in left if order_key[i] not in with_sales and pd.notna(lines.at[i, "product"])]
        if cancellation:
            net_cancellations(lines, cancellation, sales, amount_out, returned_amount, reason, detail)
    unmatched = [i for i in left if pd.isna(reason[i])]
    reason[unmatched], detail[unmatched] = "return_unmatched", order_text[unmatched]
    full = idx[sales & (returned_amount.to_numpy() > 0) & (amount_out.to_numpy() <= 1e-9)]
    reason[full], detail[full] = "fully_returned", returned_amount[full].round(2).astype(str)
    return pd.DataFrame({"amount": amount_out, "returned_amount": returned_amount, "reason": reason,
                         "detail": detail}, index=idx)


def net_cancellations(lines: pd.DataFrame, cancellation: Sequence, sales: np.ndarray, amount: pd.Series,
                      returned: pd.Series, reason: pd.Series, detail: pd.Series) -> None:
    """Net the lines of cancellation orders (labels ``cancellation`` of ``lines``), in time order, into the
    same customer's sale lines of the same product dated at or before each, the latest first (sale lines of
    one time in file order), each giving what is left of it. Updates ``amount`` (sale lines reduced),
    ``returned``, ``reason`` (``return_netted``) and ``detail`` (``"C536383 → 536381, 536370"``, and by how
    much more was returned than sold, if so) in place; a line with no earlier sale is left untouched."""
    product_key = return_key(lines, ["customer_id", "product"])
    wanted = set(product_key[list(cancellation)])
    order = lines.sort_values(["timestamp", *LINEAGE], kind="stable").index  # time, then file order
    sale_lines: dict[str, list] = {}
    for label in order[sales[lines.index.get_indexer(order)]]:
        if product_key[label] in wanted:
            sale_lines.setdefault(product_key[label], []).append(label)
    when = lines["timestamp"]
    orders = lines["order_id"].astype("string")
    for r in sorted(cancellation, key=lambda label: (when[label], lines.at[label, LINEAGE[0]],
                                                     lines.at[label, LINEAGE[1]])):
        earlier = [i for i in sale_lines.get(product_key[r], []) if when[i] <= when[r]]
        if not earlier:
            continue  # nothing it could have cancelled: return_unmatched
        owed, into = -float(amount[r]), []
        for i in reversed(earlier):
            if owed <= 1e-9:
                break
            take = min(owed, max(float(amount[i]), 0.0))
            if take > 0:
                amount[i] -= take
                returned[i] += take
                owed -= take
                into.append(str(orders[i]))
        text = f"{orders[r]} → {', '.join(dict.fromkeys(into)) or 'nothing left to net'}"
        if owed > 0.005:
            text += f" (returned more than sold by {round(owed, 2)})"
        reason[r], detail[r] = "return_netted", text
