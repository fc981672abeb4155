"""Shares of respondents: the paper's yes/no table with Wilson intervals, and answer counts of Likert items.

:func:`statement_table` reproduces the paper's table (the share saying yes to each statement, its
Wilson 95 % interval and the published share beside it), :func:`compare_with_published` sets data
and paper side by side, :func:`margin_of_error` says how precise a share of ``n`` answers is, and
:func:`likert_table` counts the answers of every Likert item.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from .reader import SurveyData

STATEMENT_COLUMNS = ["item", "text", "n", "count", "share", "ci_low", "ci_high", "published_share"]
AGREE_CODES = (4, 5)
DISAGREE_CODES = (1, 2)


def wilson_ci(count: Any, n: Any, confidence: float = 0.95) -> tuple[Any, Any]:
    """Wilson score interval for a proportion (Wilson 1927), via statsmodels' ``proportion_confint``.

    Returns ``(low, high)`` as proportions; arrays in, arrays out.
    """
    from statsmodels.stats.proportion import proportion_confint

    return proportion_confint(count, n, alpha=1 - confidence, method="wilson")


def margin_of_error(n: int, p: float = 0.5, confidence: float = 0.95) -> float:
    """Half-width of the normal-approximation interval of a share, ``z·√(p(1−p)/n)`` (proportion).

    With the worst case ``p = 0.5`` and ``n = 100``: 1.96 · 0.05 = 0.098, i.e. ±9.8 points.
    No finite-population correction (Xiaomi's staff is much larger than 100).
    """
    if n <= 0:
        raise ValueError("n must be positive")
    z = stats.norm.ppf(0.5 + confidence / 2)
    return float(z * math.sqrt(p * (1 - p) / n))


def statement_table(data: SurveyData, confidence: float = 0.95) -> pd.DataFrame:
    """The paper's table with the data beside it: one row per yes/no statement present.

    Returns
    -------
    DataFrame
        Exactly the columns ``item, text, n, count, share, ci_low, ci_high, published_share``:
        ``n`` answers (blank answers excluded), ``count`` of yes, ``share = count / n``, the Wilson
        interval, and the share the paper published (empty when the codebook has none). Shares
        and bounds are proportions (0–1).
    """
    rows = []
    for item in data.items("statement"):
        answers = data.responses[item.id].dropna()
        n, count = int(len(answers)), int((answers == 1).sum())
        low, high = wilson_ci(count, n, confidence) if n else (np.nan, np.nan)
        rows.append({"item": item.id, "text": item.text_en, "n": n, "count": count,
                     "share": count / n if n else np.nan, "ci_low": float(low), "ci_high": float(high),
                     "published_share": np.nan if item.published_share is None else item.published_share})
    return pd.DataFrame(rows, columns=STATEMENT_COLUMNS)


def compare_with_published(table: pd.DataFrame) -> pd.DataFrame:
    """Per statement: published and data share in %, difference in points, and whether the published
    share lies inside the data's Wilson interval."""
    out = pd.DataFrame({
        "item": table["item"],
        "published %": table["published_share"] * 100,
        "data %": table["share"] * 100,
        "difference (points)": (table["share"] - table["published_share"]) * 100,
        "published inside 95% CI": (table["published_share"] >= table["ci_low"] - 1e-12)
        & (table["published_share"] <= table["ci_high"] + 1e-12),
    })
    return out


def likert_table(data: SurveyData, items: Sequence[str] | None = None) -> pd.DataFrame:
    """Answer counts per Likert item: ``item, dimension, label, reverse, n, 1 … 5, agree_share, median``.

    ``agree_share`` is the share answering 4 or 5 (as worded: reverse items not flipped).
    """
    chosen = [data.codebook.items[i] for i in items] if items else data.items("likert")
    rows = []
    for item in chosen:
        answers = data.responses[item.id].dropna().astype(int)
        counts = answers.value_counts().reindex(item.scale.codes, fill_value=0)
        row = {"item": item.id, "dimension": item.dimension, "label": item.label("both"),
               "reverse": item.reverse, "n": int(len(answers))}
        row.update({int(k): int(v) for k, v in counts.items()})
        row["agree_share"] = answers.isin(AGREE_CODES).mean() if len(answers) else np.nan
        row["median"] = float(answers.median()) if len(answers) else np.nan
        rows.append(row)
    table = pd.DataFrame(rows, columns=None if rows else ["item", "dimension", "label", "reverse", "n"])
    table.attrs.update(group_col=None)
    return table
