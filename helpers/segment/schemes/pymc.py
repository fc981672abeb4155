"""Scheme ``"pymc5"``: PyMC-Marketing's ``rfm_segments`` — five named segments + "Other" from quartile scores.

:data:`PYMC_SEGMENTS` (its default lists of score strings), :func:`pymc_quartile_scores` (its
quartiles, including the fallback when ties collapse quartile edges), :func:`pymc_segments`, and
the scheme's entry :data:`SCHEME` (Chinese names, treatments).

Reference: PyMC-Marketing ``pymc_marketing.clv.utils.rfm_segments``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ...errors import DataError
from ..arrays import ID, customer_ids, digit_strings, lookup, numeric, require
from .base import Assigned, Scheme


#: PyMC-Marketing's default ``rfm_segments`` configuration (``_default_rfm_segment_config`` in
#: ``pymc_marketing/clv/utils.py``): quartile score strings "RFM" (recency reversed, 4 = best)
#: → segment; scores not listed are "Other". Its docstring summarises the lists as: Premium =
#: top two quartiles in all three; Repeat = top two in frequency and in recency or monetary;
#: Top Spender = top two in monetary and in frequency or recency; At Risk = bottom two in two
#: or more; Inactive = bottom quartile in two or more. Assigned in this order (a later list
#: would win on overlap; the default lists do not overlap).
PYMC_SEGMENTS: dict[str, list[str]] = {
    "Premium Customer": ["334", "443", "444", "344", "434", "433", "343", "333"],
    "Repeat Customer": ["244", "234", "232", "332", "143", "233", "243"],
    "Top Spender": ["424", "414", "144", "314", "324", "124", "224", "423", "413", "133", "323", "313", "134"],
    "At Risk Customer": ["422", "223", "212", "122", "222", "132", "322", "312", "412", "123", "214"],
    "Inactive Customer": ["411", "111", "113", "114", "112", "211", "311"],
}


def pymc_quartile_scores(rfm: pd.DataFrame) -> pd.DataFrame:
    """Quartile scores exactly as PyMC-Marketing's ``rfm_segments`` computes them.

    ``pandas.qcut(column, q=4, duplicates="drop")`` on recency (days since last purchase,
    labels reversed), frequency and monetary value. **Ties**: bins are on *values*, so equal
    values always share a score; when ties collapse quartile edges, fewer bins remain and
    PyMC-Marketing relabels them 1..3 (or 1..2, with a warning) — e.g. when over half the
    customers bought once, F only reaches 3. Reproduced here, including that fallback.

    Returns
    -------
    DataFrame
        ``customer_id, r_quartile, f_quartile, m_quartile, rfm_score`` (e.g. "444");
        ``attrs["compressed"]`` maps a quartile column to its highest score when ties left fewer
        than four bins (e.g. ``{"f_quartile": 2}``).
    """
    require(rfm, [ID, "recency", "frequency", "monetary_value"], "pymc_quartile_scores")
    out = pd.DataFrame({ID: customer_ids(rfm, "pymc_quartile_scores").array})
    for name, column in (("r_quartile", "recency"), ("f_quartile", "frequency"), ("m_quartile", "monetary_value")):
        out[name], top = quartile_codes(numeric(rfm, column, "pymc_quartile_scores"), column)
        if top < 4:  # PyMC-Marketing warns here ("RFM score will not exceed 2"); recorded instead
            out.attrs.setdefault("compressed", {})[name] = top
    out["rfm_score"] = digit_strings(out["r_quartile"].to_numpy(), out["f_quartile"].to_numpy(),
                                      out["m_quartile"].to_numpy())
    return out


def quartile_codes(values: np.ndarray, column: str) -> tuple[np.ndarray, int]:
    """One column's PyMC-Marketing quartile score of every customer (:func:`pymc_quartile_scores`' rule:
    ``pandas.qcut(values, q=4, duplicates="drop")``, labels reversed for ``column == "recency"``, fewer labels when
    ties collapse edges) and the highest score used (4, or fewer when compressed)."""
    values = pd.Series(values)
    for top in (5, 4, 3):
        labels = list(range(top - 1, 0, -1)) if column == "recency" else list(range(1, top))
        try:
            return pd.qcut(values, q=4, labels=labels, duplicates="drop").astype(int).to_numpy(), top - 1
        except ValueError:
            continue
    raise DataError("PyMC-Marketing quartiles need at least two distinct values", column=column,
                    hint="too few customers or all values equal: use another scheme")


def pymc_names(r: np.ndarray, f: np.ndarray, m: np.ndarray,
               segment_config: Mapping[str, Sequence[str]] | None = None) -> Any:
    """The segment of each customer from its R, F, M quartile scores (:func:`pymc_segments`' rule): each segment of
    ``segment_config`` (default :data:`PYMC_SEGMENTS`) in order claims the score strings it lists, else "Other"."""
    config = PYMC_SEGMENTS if segment_config is None else segment_config
    table = ["Other"] * 1000  # score string "RFM" → segment; lists in order, a later one wins an overlap
    for name, codes in config.items():
        for code in codes:
            if re.fullmatch(r"[0-9]{3}", str(code)):  # anything else matches no score string
                table[int(code)] = name
    code = 100 * np.asarray(r, dtype=np.int64) + 10 * np.asarray(f, dtype=np.int64) + np.asarray(m, dtype=np.int64)
    return lookup(table, code)


def pymc_segments(rfm: pd.DataFrame, segment_config: Mapping[str, Sequence[str]] | None = None) -> pd.DataFrame:
    """PyMC-Marketing's five named segments (+ "Other") from its quartile score strings.

    Reproduces ``pymc_marketing.clv.utils.rfm_segments``: scores from
    :func:`pymc_quartile_scores`, then each segment of ``segment_config`` (default
    :data:`PYMC_SEGMENTS`) in order claims the customers whose score string it lists.

    Returns
    -------
    DataFrame
        ``customer_id, rfm_score, segment``.
    """
    scores = pymc_quartile_scores(rfm)
    names = pymc_names(scores["r_quartile"].to_numpy(), scores["f_quartile"].to_numpy(),
                       scores["m_quartile"].to_numpy(), segment_config)
    out = pd.DataFrame({ID: scores[ID], "rfm_score": scores["rfm_score"], "segment": names})
    out.attrs["compressed"] = dict(scores.attrs.get("compressed", {}))
    return out


def assign(rfm: pd.DataFrame, *, ties: str = "min", segment_map: Mapping[str, Sequence[str]] | None = None) -> Assigned:
    """PyMC-Marketing's quartile rules (``ties`` is not used: quartile bins are on values);
    ``segment_map`` overrides :data:`PYMC_SEGMENTS`. The code is the "RFM" quartile string."""
    res = pymc_segments(rfm, segment_map)
    return Assigned(res["rfm_score"], res["segment"], res.attrs["compressed"])


SCHEME = Scheme(
    key="pymc5",
    name="PyMC-Marketing rfm_segments, 5 segments + Other (quartiles)",
    column="pymc5_segment",
    assign=assign,
    names_zh={"Premium Customer": "优质客户", "Repeat Customer": "重复购买客户", "Top Spender": "高消费客户",
              "At Risk Customer": "流失风险客户", "Inactive Customer": "不活跃客户", "Other": "其他"},
    treatments={
        "Premium Customer": ("VIP service line", "early access, F-code priority purchase, community events",
                             "小米社区 + app push"),
        "Repeat Customer": ("priority after-sales", "loyalty points, bundles", "online mall + app push"),
        "Top Spender": ("premium support", "flagship upgrades, trade-in", "channel they last used"),
        "At Risk Customer": ("service recovery survey", "win-back coupon", "channel they last used"),
        "Inactive Customer": ("none", "reactivation in big campaigns only", "mass channels"),
        "Other": ("standard service", "regular newsletters", "online mall"),
    },
)
