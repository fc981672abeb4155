"""Scheme ``"cn8"``: the Chinese 8-class RFM model (重要价值客户 … 一般挽留客户).

Each of R, F, M is high or low against its mean, as taught in Chinese CRM / e-commerce analytics
courses: :data:`CN8_SEGMENTS` (the eight classes with their Chinese names), :func:`rfm8_segments`,
and the scheme's entry :data:`SCHEME` (treatments).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..arrays import ID, customer_ids, digit_strings, lookup, numeric, require
from .base import Assigned, Scheme


#: The Chinese 8-class RFM model: (R high?, F high?, M high?) → (English, 中文).
CN8_SEGMENTS: dict[tuple[bool, bool, bool], tuple[str, str]] = {
    (True, True, True): ("important value", "重要价值客户"),
    (True, False, True): ("important development", "重要发展客户"),
    (False, True, True): ("important retention", "重要保持客户"),
    (False, False, True): ("important win-back", "重要挽留客户"),
    (True, True, False): ("general value", "一般价值客户"),
    (True, False, False): ("general development", "一般发展客户"),
    (False, True, False): ("general retention", "一般保持客户"),
    (False, False, False): ("general win-back", "一般挽留客户"),
}


def rfm8_segments(rfm: pd.DataFrame, split: Literal["mean", "median"] = "mean") -> pd.DataFrame:
    """The Chinese 8-class RFM model (重要价值客户 … 一般挽留客户).

    Each of R, F, M is "high" or "low" against its ``split`` over all customers (default the
    mean, as usually taught): R high = days since last purchase **below** the split (recent),
    F and M high = strictly **above** it. A customer exactly at the split is "low".

    Returns
    -------
    DataFrame
        ``customer_id, r_high, f_high, m_high, segment, 中文`` (中文 a categorical).
    """
    require(rfm, [ID, "recency", "frequency", "monetary_value"], "rfm8_segments")
    ids = customer_ids(rfm, "rfm8_segments")
    r, f, m = (numeric(rfm, c, "rfm8_segments") for c in ("recency", "frequency", "monetary_value"))
    r_high, f_high, m_high = rfm8_highs(r, f, m, rfm8_splits(r, f, m, split))
    out = pd.DataFrame({ID: ids.array, "r_high": r_high, "f_high": f_high, "m_high": m_high})
    code = rfm8_code(r_high, f_high, m_high)
    out["segment"] = lookup([en for en, _ in CN8_CELLS], code)
    out["中文"] = lookup([zh for _, zh in CN8_CELLS], code, categorical=True)
    return out


#: The eight classes by code 4·R high + 2·F high + M high.
CN8_CELLS = [CN8_SEGMENTS[(a, b, c)] for a in (False, True) for b in (False, True) for c in (False, True)]


def rfm8_code(r_high: np.ndarray, f_high: np.ndarray, m_high: np.ndarray) -> np.ndarray:
    """The class of each customer as a code into :data:`CN8_CELLS`: 4·R high + 2·F high + M high."""
    return 4 * r_high.astype(np.int64) + 2 * f_high.astype(np.int64) + m_high.astype(np.int64)


def rfm8_splits(r: np.ndarray, f: np.ndarray, m: np.ndarray, split: str = "mean") -> tuple[float, float, float]:
    """The values R, F and M are split at (:func:`rfm8_segments`): each column's ``split`` (``"mean"`` or
    ``"median"``) over every customer given."""
    if split not in ("mean", "median"):
        raise ValueError(f"split must be 'mean' or 'median', not {split!r}")
    agg = np.mean if split == "mean" else np.median
    return agg(r), agg(f), agg(m)


def rfm8_highs(r: np.ndarray, f: np.ndarray, m: np.ndarray,
               splits: tuple[float, float, float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """R, F, M high (:func:`rfm8_segments`' rule): days since the last purchase below its split, F and M strictly
    above theirs."""
    return r < splits[0], f > splits[1], m > splits[2]


def assign(rfm: pd.DataFrame, *, ties: str = "min", segment_map: Mapping[Any, str] | None = None) -> Assigned:
    """High/low against the mean (``ties`` and ``segment_map`` are not used). The code is "RFM" with
    high = 1, low = 0."""
    res = rfm8_segments(rfm)
    code = digit_strings(res["r_high"].to_numpy(), res["f_high"].to_numpy(), res["m_high"].to_numpy())
    return Assigned(code, res["segment"], {})


SCHEME = Scheme(
    key="cn8",
    name="RFM 八类客户 (Chinese 8-class, high/low vs mean)",
    column="cn8_segment",
    assign=assign,
    names_zh={en: zh for en, zh in CN8_SEGMENTS.values()},
    treatments={
        "important value": ("VIP service", "exclusive launches and community honours", "小米社区 + app push"),
        "important development": ("onboarding, usage support", "raise frequency: accessories, membership",
                                  "online mall + app push"),
        "important retention": ("care calls", "reactivate: new-product previews, loyalty points",
                                "channel they last used"),
        "important win-back": ("personal outreach", "win-back offer on a flagship", "phone + channel they last used"),
        "general value": ("standard service", "cross-sell to raise spend", "online mall"),
        "general development": ("self-service", "entry offers", "online mall"),
        "general retention": ("self-service", "reminders of new products", "e-mail / SMS"),
        "general win-back": ("none", "big campaigns only", "mass channels"),
    },
)
