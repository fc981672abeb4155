"""Subgroups: who answered, shares by group, and tests of every item against every grouping (Holm).

:func:`respondent_profile` counts respondents per group of each attribute; :func:`group_shares`
gives the share in each item's key category (yes / agree 4–5 / selected) per group;
:func:`compare_groups` tests every item against every grouping with chi-square or Fisher's exact
test, Cramér's V and Holm's correction, and :func:`describe_tests` says the result in plain words.
Tables carry ``attrs`` for :func:`helpers.survey.suppress`; groups too small to report are left
out of the tests (:func:`helpers.survey.groups_to_withhold`).
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ..i18n import get_language, tr, tr_given
from .codebook import MULTI_SEP, Codebook
from .reader import SurveyData
from .suppression import groups_to_withhold


def respondent_profile(data: SurveyData, by: Sequence[str] = ("channel", "role", "department")) -> pd.DataFrame:
    """Respondents per group of each attribute: columns ``grouping, group, label, n, share``.

    Carries ``attrs`` for :func:`suppress` (groups within each grouping)."""
    rows = []
    for grouping in by:
        if grouping not in data.responses:
            continue
        item = data.codebook.items[grouping]
        counts = data.responses[grouping].value_counts(sort=False, dropna=False)
        for code, k in counts.items():
            if k == 0:
                continue
            label = "(no answer)" if pd.isna(code) else item.scale.level(code).en
            rows.append({"grouping": grouping, "group": "(missing)" if pd.isna(code) else str(code),
                         "label": label, "n": int(k), "share": k / data.n})
    table = pd.DataFrame(rows, columns=["grouping", "group", "label", "n", "share"])
    table.attrs.update(group_col="group", table_cols=["grouping"], partition_cols=["grouping"])
    return table


def _categories(data: SurveyData, column: str) -> tuple[pd.Series, str, str]:
    """An item as categories for a contingency table, with its "key" category and a description.

    Yes/no → yes/no; Likert → disagree (1–2) / neutral (3) / agree (4–5); attributes → their codes;
    a multi-select option → selected / not selected.
    """
    item = data.codebook.item_of_column(column)
    values = data.responses[column]
    if item.kind == "statement":
        return values.map({1: "yes", 0: "no"}, na_action="ignore"), "yes", "yes"
    if item.kind == "likert":
        cut = pd.cut(values.astype("Float64"), [0, 2.5, 3.5, 5.5], labels=["disagree", "neutral", "agree"])
        return cut.astype(object), "agree", "agree (4–5)"
    if item.kind == "multi":
        return values.map({1: "selected", 0: "not selected"}, na_action="ignore"), "selected", "selected"
    first = item.scale.codes[0]
    return values.astype(object), first, str(first)


def group_shares(
    data: SurveyData, items: Sequence[str] | None = None, by: Sequence[str] = ("channel", "role", "department"),
) -> pd.DataFrame:
    """Share in the key category (yes / agree 4–5 / selected) per group: ``grouping, group, item, n, count, share``.

    Carries ``attrs`` so :func:`suppress` blanks groups under the threshold and a complementary group.
    """
    columns = list(items) if items else [it.id for it in data.items("statement")]
    rows = []
    for grouping in by:
        if grouping not in data.responses:
            continue
        for column in columns:
            cats, key, _ = _categories(data, column)
            frame = pd.DataFrame({"g": data.responses[grouping].astype(object), "v": cats}).dropna()
            for group, sub in frame.groupby("g", sort=False):
                rows.append({"grouping": grouping, "group": str(group), "item": column, "n": len(sub),
                             "count": int((sub["v"] == key).sum()), "share": float((sub["v"] == key).mean())})
    table = pd.DataFrame(rows, columns=["grouping", "group", "item", "n", "count", "share"])
    order = {g: i for i, g in enumerate(by)}
    table = table.sort_values(["grouping", "item", "group"], key=lambda s: s.map(order) if s.name == "grouping"
                              else s, kind="stable").reset_index(drop=True)
    table.attrs.update(group_col="group", table_cols=["grouping", "item"], partition_cols=["grouping"])
    return table


def compare_groups(
    data: SurveyData,
    by: Sequence[str] = ("channel", "role", "department"),
    items: Sequence[str] | None = None,
    min_group_size: int = 5,
    *,
    alpha: float = 0.05,
    seed: int = 0,
) -> pd.DataFrame:
    """Test every item against every grouping; Holm-correct across the whole family.

    Each item becomes categories (:func:`_categories`: Likert items as disagree / neutral / agree);
    groups smaller than ``min_group_size`` — and a complementary group when exactly one is
    (:func:`groups_to_withhold`) — are left out of the test (named in ``excluded``). The
    test is Pearson's chi-square when every expected count is ≥ 5 (Cochran's rule), else Fisher's
    exact test — exact for 2×2 tables, by Monte Carlo (9,999 seeded random tables with the observed
    margins) for larger ones. Cramér's V (no bias correction) is the effect size for every row.
    The Holm step-down correction (Holm 1979) controls the family-wise error across all rows.
    ``statistic`` is Pearson's chi-square (no continuity correction) whichever test gives the p-value,
    and ``cramers_v = √(χ² / (n · (min(r, c) − 1)))``, as scipy's ``contingency.association``.

    Returns
    -------
    DataFrame
        ``grouping, item, n, groups, excluded, test, statistic, dof, p_value, cramers_v, p_holm,
        significant, highest, lowest`` (groups with the highest / lowest share in the key category).
    """
    from statsmodels.stats.multitest import multipletests

    columns = list(items) if items else (
        [it.id for it in data.items("statement", "likert")] + [g for g in ("incentive_pref",) if g in data.responses]
        + [c for it in data.items("multi") for c in it.columns])
    rng = np.random.default_rng(seed)
    categories = {column: _categories(data, column) for column in columns}
    rows = []
    for grouping in by:
        if grouping not in data.responses:
            continue
        groups = data.responses[grouping].astype(object)
        withheld = groups_to_withhold(groups.value_counts(), min_group_size)
        small = ", ".join(f"{g} ({why.split(' (')[0]})" for g, why in withheld.items())
        keep = groups.notna() & ~groups.astype(str).isin(withheld)
        for column in columns:
            if column == grouping:
                continue
            cats, key, key_label = categories[column]
            use = (keep & cats.notna()).to_numpy()
            g_idx, g_levels = pd.factorize(groups[use].astype(str), sort=True)
            v_idx, v_levels = pd.factorize(cats[use].astype(str), sort=True)
            table = np.zeros((len(g_levels), len(v_levels)), dtype=int)
            np.add.at(table, (g_idx, v_idx), 1)
            row = {"grouping": grouping, "item": column, "n": int(table.sum()), "groups": len(g_levels),
                   "excluded": small, "key": key_label}
            if table.shape[0] < 2 or table.shape[1] < 2:
                rows.append(row | {"test": "not testable (one group or one answer)"})
                continue
            chi2, p_chi, dof, expected = stats.chi2_contingency(table, correction=False)
            if (expected >= 5).all():
                test, p = "chi-square", p_chi
            elif table.shape == (2, 2):
                test, p = "Fisher exact", stats.fisher_exact(table).pvalue
            else:
                method = stats.MonteCarloMethod(n_resamples=9999, rng=rng)
                test, p = "Fisher exact (Monte Carlo)", stats.fisher_exact(table, method=method).pvalue
            key_counts = table[:, list(v_levels).index(str(key))] if str(key) in v_levels else np.zeros(len(g_levels))
            share = pd.Series(key_counts / table.sum(axis=1), index=g_levels)
            row |= {"test": test, "statistic": float(chi2), "dof": int(dof), "p_value": float(p),
                    "cramers_v": float(math.sqrt(chi2 / (table.sum() * (min(table.shape) - 1)))),
                    "highest": f"{share.idxmax()} ({share.max():.0%})", "lowest": f"{share.idxmin()} ({share.min():.0%})"}
            rows.append(row)
    out = pd.DataFrame(rows, columns=["grouping", "item", "n", "groups", "excluded", "key", "test", "statistic", "dof",
                                      "p_value", "cramers_v", "highest", "lowest"])
    tested = out["p_value"].notna()
    out["p_holm"] = np.nan
    out["significant"] = False
    if tested.any():
        reject, p_holm, _, _ = multipletests(out.loc[tested, "p_value"], alpha=alpha, method="holm")
        out.loc[tested, "p_holm"] = p_holm
        out.loc[tested, "significant"] = reject
    out = out[["grouping", "item", "n", "groups", "excluded", "key", "test", "statistic", "dof", "p_value", "p_holm",
               "significant", "cramers_v", "highest", "lowest"]]
    out.attrs.update(group_col=None)
    return out


def column_label(codebook: Codebook, column: str, lang: str = "en") -> str:
    """Short readable name of a tidy column (a multi-select option as ``question: option``)."""
    item = codebook.item_of_column(column)
    if MULTI_SEP in column:
        option = item.scale.level(column.split(MULTI_SEP, 1)[1])
        return f"{item.label(lang)}: {option.zh if lang == 'zh' else option.en}"
    return item.label(lang)


def describe_tests(tests: pd.DataFrame, codebook: Codebook, top: int = 3) -> str:
    """Plain-words summary of :func:`compare_groups`: how many differences survive Holm, the largest."""
    tested = tests[tests["p_value"].notna()]
    sig = tested[tested["significant"]].sort_values("cramers_v", ascending=False)
    text = tr("{tests} tests were run; **{significant}** remain significant at the 5% level after Holm's correction "
              "for running them all (uncorrected, {raw} would have).", tests=len(tested), significant=len(sig),
              raw=int((tested["p_value"] < 0.05).sum()))
    if len(sig):
        parts = [tr("*{name}* by {grouping} (Cramér's V = {v:.2f}; highest {highest}, lowest {lowest})",
                    name=column_label(codebook, r.item, get_language()), grouping=tr_given(r.grouping),
                    v=r.cramers_v, highest=tr_given(str(r.highest)), lowest=tr_given(str(r.lowest)))
                 for r in sig.head(top).itertuples()]
        text += " " + tr("The largest: {parts}.", parts="; ".join(parts))
    return text
