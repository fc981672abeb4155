"""Anonymity (匿名保护): small groups are never reported, and the report says what was withheld and why.

:func:`suppress` blanks every reported group with fewer than ``min_size`` respondents, plus a
complementary group where the blanked one could be derived from totals; :func:`groups_to_withhold`
applies the same rule to analyses that use groups rather than show tables; :func:`shown` marks the
blanked rows of a table for display; :func:`anonymity_statement` and :func:`limitations` are the
report's paragraphs on the rule and on what the numbers can and cannot say.
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

from ..i18n import tr, tr_given
from .reader import SurveyData
from .shares import margin_of_error


def suppress(
    table: pd.DataFrame,
    min_size: int = 5,
    *,
    group_col: str | None = None,
    n_col: str = "n",
    table_cols: Sequence[str] | None = None,
    partition_cols: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Blank every reported group with fewer than ``min_size`` respondents, and a complementary one.

    Parameters
    ----------
    table
        A table with a respondent count per row (``n_col``). Helper tables carry their structure in
        ``table.attrs`` (``group_col``, ``table_cols``, ``partition_cols``), so ``suppress(t)`` is
        enough; arguments override.
    min_size
        Smallest group that may be reported (default 5, the usual threshold of employee-survey
        tools and statistical agencies).
    group_col
        Column naming the group of each row; ``None``: each row is its own group (e.g. items).
    table_cols
        Columns identifying one sub-table whose groups add up to a known total (e.g. ``grouping``
        and ``item``): within each, when exactly one group is blanked, the total minus the others
        would give it away, so a second group is blanked too (**complementary suppression**).
    partition_cols
        Columns within which the complementary group is chosen consistently: the smallest
        remaining group by its largest ``n`` (so the same group is blanked for every item).

    Returns
    -------
    DataFrame
        Same columns; numeric values of blanked rows set to missing. ``attrs["suppressed"]`` lists
        ``(row label, reason)``; ``attrs["min_group_size"]`` records the threshold (figures check it).
    """
    if n_col not in table.columns:
        raise ValueError(f"suppress needs a respondent count column {n_col!r}")
    group_col = group_col if group_col is not None else table.attrs.get("group_col")
    table_cols = list(table_cols if table_cols is not None else table.attrs.get("table_cols", []))
    partition_cols = list(partition_cols if partition_cols is not None else table.attrs.get("partition_cols", []))
    out = table.copy()
    out.attrs = dict(table.attrs)
    n = pd.to_numeric(out[n_col], errors="coerce")
    reason = pd.Series("", index=out.index, dtype=object)
    reason[n.notna() & (n < min_size)] = f"n < {min_size}"
    if group_col is not None:
        table_of = [tuple(r) for r in out[table_cols].itertuples(index=False)] if table_cols else [()] * len(out)
        part_of = [tuple(r) for r in out[partition_cols].itertuples(index=False)] if partition_cols else [()] * len(out)
        groups = out[group_col].tolist()
        size: dict[tuple, float] = {}
        for i, key in enumerate(zip(part_of, groups)):
            if pd.notna(n.iat[i]):
                size[key] = max(size.get(key, 0), float(n.iat[i]))
        primary = {key for i, key in enumerate(zip(part_of, groups)) if reason.iat[i]}
        subtables: dict[tuple, list[int]] = {}
        for i, key in enumerate(table_of):
            subtables.setdefault(key, []).append(i)
        complement: dict[tuple, Any] = {}
        for rows in subtables.values():
            if len(rows) < 2 or sum(bool(reason.iat[i]) for i in rows) != 1:
                continue
            part = part_of[rows[0]]
            if part not in complement:  # the smallest other group of this partition, the same for every item
                candidates = sorted((s, str(g)) for (p, g), s in size.items() if p == part and (p, g) not in primary)
                complement[part] = candidates[0][1] if candidates else None
            for i in rows:
                if str(groups[i]) == complement[part] and not reason.iat[i]:
                    reason.iat[i] = "complementary (derivable from totals)"
            if sum(bool(reason.iat[i]) for i in rows) == 1:  # that group is absent here: the smallest present one
                rest = sorted((n.iat[i], i) for i in rows if not reason.iat[i] and pd.notna(n.iat[i]))
                if rest:
                    reason.iat[rest[0][1]] = "complementary (derivable from totals)"
    blanked = reason != ""
    value_cols = [c for c in out.columns if c != group_col and c not in table_cols
                  and pd.api.types.is_numeric_dtype(out[c]) and not pd.api.types.is_bool_dtype(out[c])]
    for c in value_cols if blanked.any() else []:
        out[c] = out[c].astype("Int64") if pd.api.types.is_integer_dtype(out[c]) else out[c]
        out.loc[blanked, c] = pd.NA if str(out[c].dtype) == "Int64" else np.nan
    text_cols = [c for c in out.columns if not pd.api.types.is_numeric_dtype(out[c])]
    row_name = (lambda i: str(out.loc[i, group_col])) if group_col else (
        (lambda i: f"{text_cols[0]} {out.loc[i, text_cols[0]]}") if text_cols else str)
    out.attrs["suppressed"] = [(row_name(i), reason[i]) for i in out.index[blanked]]
    out.attrs["suppressed_rows"] = {i: reason[i] for i in out.index[blanked]}
    out.attrs["min_group_size"] = min_size
    return out


def groups_to_withhold(sizes: pd.Series, min_size: int = 5) -> dict[str, str]:
    """Groups of one grouping that must not be reported: those under ``min_size`` and, when exactly
    one is, the smallest other group too (else total − the rest would reveal it). Same rule as
    :func:`suppress`, for analyses that use groups rather than show tables (tests, models).

    Returns ``{group: reason}``.
    """
    sizes = sizes[sizes > 0]
    small = {str(g): f"n < {min_size}" for g, k in sizes.items() if k < min_size}
    if len(small) == 1 and len(sizes) > 1:
        rest = sorted((k, str(g)) for g, k in sizes.items() if str(g) not in small)
        small[rest[0][1]] = "complementary (derivable from totals)"
    return small


def shown(table: pd.DataFrame) -> pd.DataFrame:
    """A suppressed table ready to display: blanked rows get a ``note`` saying why (others empty)."""
    if "min_group_size" not in table.attrs:
        raise ValueError("shown() displays suppressed tables: call suppress(table, min_size) first")
    out = table.copy()
    rows = table.attrs.get("suppressed_rows", {})
    if rows:
        out["note"] = [f"suppressed: {rows[i]}" if i in rows else "" for i in out.index]
    return out


def anonymity_statement(min_size: int, tables: Iterable[pd.DataFrame]) -> str:
    """One paragraph for the report: the rule, and which groups this run blanked (deduplicated)."""
    blanked: dict[str, str] = {}
    for t in tables:
        for group, why in t.attrs.get("suppressed", []):
            blanked.setdefault(group, why)
    rule = tr("Any reported group with fewer than {min_size} respondents is suppressed (left blank) in every table and "
              "figure of this report, and where a blanked group could be recovered as a total minus the other groups, a "
              "second (complementary) group is blanked too.", min_size=min_size)
    if not blanked:
        return rule + " " + tr("In this run no group had to be suppressed.")
    shown_groups = list(blanked.items())[:10]
    listed = "; ".join(f"{g} ({why})" for g, why in shown_groups)
    more = tr("; and {n} more rows", n=len(blanked) - len(shown_groups)) if len(blanked) > len(shown_groups) else ""
    return rule + " " + tr("Suppressed in this run: {listed}{more}.", listed=listed, more=more)


def limitations(data: SurveyData, predictors: Sequence[str] = ("role", "channel")) -> str:
    """What the numbers can and cannot say, computed from the data (Markdown bullet list)."""
    moe, moe20 = margin_of_error(max(data.n, 1)), margin_of_error(20)
    lines = [tr("- **Precision.** n = {n}: a share is known to about ±{moe:.1f} points at best, a subgroup of 20 people "
                "to about ±{moe20:.1f} points, so differences between groups of that size must be large to show.",
                n=data.n, moe=moe * 100, moe20=moe20 * 100),
             tr("- **Sampling.** Every interval here assumes the respondents are a random sample; interviews at a store "
                "counter and a link sent to staff are convenience samples, so the intervals are optimistic.")]
    a, b = (list(predictors) + [None, None])[:2]
    if a in data.responses and b in data.responses:
        table = pd.crosstab(data.responses[a].astype(object), data.responses[b].astype(object))
        empty = [f"{i} · {j}" for i in table.index for j in table.columns if table.loc[i, j] == 0]
        if empty:
            lines.append(tr("- **Design.** No respondent is {cells}: {a} and {b} are partly confounded by how the survey "
                            "was run, so their effects cannot be fully separated (section 5); an interviewer's presence "
                            "can also change answers (mode effect).", cells=", ".join(empty), a=tr_given(a), b=tr_given(b)))
    if data.simulated:
        lines.append(tr("- **Simulation.** These data are SIMULATED. They reproduce the paper's six marginal shares "
                        "exactly; every subgroup difference, correlation, alpha and factor shown comes from the "
                        "generator's assumptions (`helpers.survey.SIM_DESIGN`) and is *not* a finding about Xiaomi's "
                        "staff."))
    else:
        lines.append(tr("- **Your data.** These results describe your respondents, within the limits above."))
    return "\n".join(lines)
