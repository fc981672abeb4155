"""Staff survey on customer knowledge management (员工客户知识管理调查): simulate, reproduce, go beyond.

Paper 2 (``shared/SEEDS.md``) reports one table of numbers: the shares of 100 questionnaires
(offline interviews of store-counter sales staff, an online survey of employees) agreeing with six
statements — 56, 86, 73, 45, 86 and 76 %. This module

- **simulates** a respondent-level dataset of 100 (:func:`simulate_responses`, seeded; SIMULATED)
  whose six shares equal the published ones *exactly* and whose other patterns follow the paper's
  narrative (counter staff prefer material incentives; quarterly sales rewards make staff keep
  customer knowledge to themselves) with noise, so they are not perfectly clean;
- **reproduces** the paper's table with Wilson 95 % intervals (:func:`statement_table`);
- goes beyond it: diverging stacked bars of the Likert items (:func:`plot_likert`), subgroup
  comparisons with chi-square / Fisher exact tests, Cramér's V and Holm correction
  (:func:`compare_groups`), an ordinal logistic model of one attitude (:class:`AttitudeModel`),
  reliability (:func:`cronbach_alpha`, :func:`reliability_table`), factorability
  (:func:`factorability`) and an exploratory factor analysis (:func:`efa_loadings`);
- protects anonymity: :func:`suppress` blanks every reported group with fewer than
  ``min_size`` respondents, plus a complementary group where the blanked one could be derived
  from totals; the group figures are drawn only from suppressed tables.

Everything works on a user's own export too (:func:`load_survey` → :mod:`helpers.survey_io`).

**What simulated data can and cannot show.** The simulation is built to match the six published
marginals; every subgroup difference, correlation and factor structure in it is an *assumption*
of the generator (documented in :data:`SIM_DESIGN`), not a finding about Xiaomi.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import stats

from . import i18n
from .errors import DataError
from .i18n import tr, tr_given, with_label
from .survey_io import (
    MULTI_SEP,
    SURVEY_DIR,
    Codebook,
    Item,
    SurveyData,
    load_codebook,
    read_survey,
)

SIM_NAME = "staff_survey_sim"
SIM_PATH: Path = SURVEY_DIR / "staff_survey_sim.csv"
SIM_SEED = 2018
SIM_NOTE = "模拟数据 SIMULATED — not real Xiaomi staff answers"
SIM_LABEL = "Staff survey (SIMULATED · 模拟数据)"
STATEMENT_COLUMNS = ["item", "text", "n", "count", "share", "ci_low", "ci_high", "published_share"]
AGREE_CODES = (4, 5)
DISAGREE_CODES = (1, 2)
LIKERT_COLORS = ("#a6611a", "#dfc27d", "#d9d9d9", "#80cdc1", "#018571")  # ColorBrewer BrBG, grey middle

#: The simulation's design: who answered (an assumption: the paper gives no split) and the
#: generator's effects. Effects are shifts of a standard-normal latent score per dimension.
SIM_DESIGN: dict[str, Any] = {
    "cells": [  # channel, role, department, respondents
        ("offline", "counter_sales", "sales_service", 40),
        ("online", "counter_sales", "sales_service", 12),
        ("online", "employee", "rnd_miui", 20),
        ("online", "employee", "marketing", 15),
        ("online", "employee", "sales_service", 9),
        ("online", "employee", "supply_chain", 4),
    ],
    "p_material": {"counter_sales": 0.75, "employee": 0.40},
    "tenure": {"counter_sales": (0.45, 0.45, 0.10), "employee": (0.20, 0.45, 0.35)},
    # latent dimension score = base + counter * is_counter + material * prefers_material + 0.55 g + 0.84 e
    "dimensions": {
        "acquisition": {"base": 0.2, "counter": 0.3, "material": 0.0},
        "integration": {"base": -0.3, "counter": -0.2, "material": 0.0},
        "sharing": {"base": 0.0, "counter": -0.6, "material": -0.3},
        "application": {"base": 0.2, "counter": 0.0, "material": 0.0},
        "culture": {"base": 0.1, "counter": -0.2, "material": 0.0},
        "structure": {"base": -0.4, "counter": 0.0, "material": 0.0},
        "incentives": {"base": -0.3, "counter": -0.5, "material": 0.0},
    },
    # extra direct effect on agreeing with sha3 ("I keep customer information to myself")
    "hoarding": {"counter": 0.6, "material": 0.3},
    "loadings": (0.65, 0.85),   # uniform range of item loadings on their dimension
    "weak_items": {"acq3": 0.45},  # a deliberately weaker item
    "cutpoints": (-1.5, -0.6, 0.25, 1.1),
    # log-odds weights for who says "yes" to each statement (exactly the published count say yes)
    "statements": {
        "s1_ckm_unknown": {"counter": 1.0, "g": -0.5},
        "s2_core_customers_new": {"counter": 0.6, "g": -0.3},
        "s3_culture_success": {"culture": 0.8},
        "s4_system_basic": {"structure": -0.4, "g": 0.4},
        "s5_structure_needed": {"structure": -0.6},
        "s6_no_incentive_hurts": {"material": 1.0, "incentives": -0.5},
    },
    "sources": {  # P(select) for counter sales staff, employees
        "forum": (0.25, 0.70), "meetups": (0.15, 0.35), "conversations": (0.90, 0.30),
        "sales_records": (0.60, 0.35), "service": (0.30, 0.40), "social_media": (0.40, 0.50),
    },
}


# --------------------------------------------------------------------------- data


def simulate_responses(codebook: Codebook | None = None, seed: int = SIM_SEED) -> pd.DataFrame:
    """Simulate the paper's 100 respondents (SIMULATED), seeded, with the published statement shares.

    Parameters
    ----------
    codebook
        The staff survey codebook (default: :func:`helpers.survey_io.load_codebook`).
    seed
        Seed of the numpy Generator; the same seed gives the same table.

    Returns
    -------
    DataFrame
        Tidy table as :func:`helpers.survey_io.read_survey` returns it (``respondent_id`` ``R001`` …).

    Notes
    -----
    Design (all of it assumed, see :data:`SIM_DESIGN` and the codebook's ``assumptions``):
    respondents fill the channel × role × department cells; incentive preference is Bernoulli by
    role; a general CKM orientation ``g ~ N(0, 1)`` and a score per dimension
    ``f_d = base_d + counter_d·[counter] + material_d·[material] + 0.55 g + 0.84 e_d`` drive the
    Likert items through ``y* = λ f_d + √(1−λ²) ε`` (``−λ f_d`` for reverse-worded items), cut at
    :data:`SIM_DESIGN` ``["cutpoints"]`` into 1–5. For each statement exactly ``round(100 ·
    published share)`` respondents say yes, drawn without replacement with weights
    ``exp(w · covariates + noise)``: the marginal is exact, the pattern behind it is simulated.
    """
    codebook = codebook or load_codebook()
    rng = np.random.default_rng(seed)
    cells = SIM_DESIGN["cells"]
    frame = pd.DataFrame([(c, r, d) for c, r, d, k in cells for _ in range(k)],
                         columns=["channel", "role", "department"])
    frame = frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)
    n = len(frame)
    counter = (frame["role"] == "counter_sales").to_numpy()
    p_mat = np.where(counter, SIM_DESIGN["p_material"]["counter_sales"], SIM_DESIGN["p_material"]["employee"])
    material = rng.random(n) < p_mat
    tenure_codes = codebook.items["tenure"].scale.codes
    frame["tenure"] = [tenure_codes[rng.choice(3, p=SIM_DESIGN["tenure"]["counter_sales" if c else "employee"])]
                       for c in counter]
    frame["incentive_pref"] = np.where(material, "material", "spiritual")
    g = rng.normal(size=n)
    scores = {"g": g, "counter": counter.astype(float), "material": material.astype(float)}
    for dim, eff in SIM_DESIGN["dimensions"].items():
        scores[dim] = eff["base"] + eff["counter"] * counter + eff["material"] * material \
            + 0.55 * g + 0.835 * rng.normal(size=n)
    for item in codebook.items_of("statement"):
        weights = SIM_DESIGN["statements"][item.id]
        logit = sum(w * scores[k] for k, w in weights.items()) + rng.normal(scale=0.5, size=n)
        p = np.exp(logit - logit.max())
        k = round(n * item.published_share)
        yes = rng.choice(n, size=k, replace=False, p=p / p.sum())
        frame[item.id] = np.isin(np.arange(n), yes).astype(int)
    low, high = SIM_DESIGN["loadings"]
    cuts = np.array(SIM_DESIGN["cutpoints"])
    for item in codebook.items_of("likert"):
        lam = SIM_DESIGN["weak_items"].get(item.id, rng.uniform(low, high))
        f = scores[item.dimension]
        ystar = (-1 if item.reverse else 1) * lam * f + math.sqrt(1 - lam**2) * rng.normal(size=n)
        if item.id == "sha3":
            ystar = ystar + SIM_DESIGN["hoarding"]["counter"] * counter + SIM_DESIGN["hoarding"]["material"] * material
        frame[item.id] = 1 + np.searchsorted(cuts, ystar)
    for item in codebook.items_of("multi"):
        chosen = np.column_stack([rng.random(n) < np.where(counter, *SIM_DESIGN["sources"][code])
                                  for code in item.scale.codes])
        empty = ~chosen.any(axis=1)
        chosen[empty, np.where(counter[empty], 2, 0)] = True  # everyone learns from somewhere
        for j, column in enumerate(item.columns):
            frame[column] = chosen[:, j].astype(int)
    frame.insert(0, "respondent_id", [f"R{i:03d}" for i in range(1, n + 1)])
    columns = ["respondent_id"] + [c for c in codebook.columns if c in frame.columns]
    out = frame[columns].copy()
    for item in codebook.items_of("attribute"):
        out[item.id] = pd.Categorical(out[item.id], categories=item.scale.codes, ordered=item.scale.ordered)
    for column in columns[1:]:
        if not isinstance(out[column].dtype, pd.CategoricalDtype):
            out[column] = out[column].astype("Int64")
    out["respondent_id"] = out["respondent_id"].astype("string")
    return out


def write_simulated(path: str | Path = SIM_PATH, seed: int = SIM_SEED) -> Path:
    """Write the simulated respondents as a plain CSV of codes (UTF-8), with a ``data_note`` column
    saying SIMULATED on every row. Regenerate with ``python -m helpers.survey``."""
    path = Path(path)
    frame = simulate_responses(seed=seed)
    frame.insert(1, "data_note", SIM_NOTE)
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].astype(object)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    return path


def load_survey(
    survey: str = SIM_NAME,
    path: str | Path | None = None,
    format: str | None = None,
    *,
    codebook: Codebook | str | Path | None = None,
    seed: int | None = None,
    **read_options: Any,
) -> SurveyData:
    """The survey to analyse: the bundled simulation, or a user's export.

    Parameters
    ----------
    survey
        ``"staff_survey_sim"`` (the committed SIMULATED file, read through the plain-CSV loader);
        any other name labels a user's file given by ``path``.
    path, format
        A user's export and its format (see :mod:`helpers.survey_io`; detected when ``None``).
    codebook
        A :class:`Codebook` or the path of a codebook YAML (default: the staff survey's).
    seed
        For the simulation only: simulate afresh with this seed instead of reading the file.
    **read_options
        Passed to :func:`helpers.survey_io.read_survey` (``columns``, ``ignore``, ``encoding``, ``sheet``).
    """
    if not isinstance(codebook, Codebook):
        codebook = load_codebook(codebook)
    if path is not None:
        return read_survey(path, format, codebook=codebook, label=f"{survey} · {Path(path).name}", **read_options)
    if survey != SIM_NAME:
        raise DataError(f"unknown survey {survey!r}", column="survey",
                        hint=f"use {SIM_NAME!r}, or give survey_path (and survey_format) for your own export")
    if seed is not None:
        responses = simulate_responses(codebook, seed=seed)
        return SurveyData(responses=responses, codebook=codebook, label=f"{SIM_LABEL}, seed {seed}",
                          simulated=True, source={"path": "simulated in memory", "format": "simulation",
                                                  "seed": seed, "rows": len(responses)})
    return read_survey(SIM_PATH, "plain", codebook=codebook, label=SIM_LABEL, simulated=True)


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


# --------------------------------------------------------------------------- the paper's table


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


# --------------------------------------------------------------------------- anonymity


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
    rule = (f"Any reported group with fewer than {min_size} respondents is suppressed (left blank) in every "
            f"table and figure of this report, and where a blanked group could be recovered as a total minus "
            f"the other groups, a second (complementary) group is blanked too.")
    if not blanked:
        return rule + " In this run no group had to be suppressed."
    shown_groups = list(blanked.items())[:10]
    listed = "; ".join(f"{g} ({why})" for g, why in shown_groups)
    more = f"; and {len(blanked) - len(shown_groups)} more rows" if len(blanked) > len(shown_groups) else ""
    return rule + f" Suppressed in this run: {listed}{more}."


def limitations(data: SurveyData, predictors: Sequence[str] = ("role", "channel")) -> str:
    """What the numbers can and cannot say, computed from the data (Markdown bullet list)."""
    moe, moe20 = margin_of_error(max(data.n, 1)), margin_of_error(20)
    lines = [f"- **Precision.** n = {data.n}: a share is known to about ±{moe * 100:.1f} points at best, a "
             f"subgroup of 20 people to about ±{moe20 * 100:.1f} points, so differences between groups of that "
             "size must be large to show.",
             "- **Sampling.** Every interval here assumes the respondents are a random sample; interviews at a "
             "store counter and a link sent to staff are convenience samples, so the intervals are optimistic."]
    a, b = (list(predictors) + [None, None])[:2]
    if a in data.responses and b in data.responses:
        table = pd.crosstab(data.responses[a].astype(object), data.responses[b].astype(object))
        empty = [f"{i} · {j}" for i in table.index for j in table.columns if table.loc[i, j] == 0]
        if empty:
            lines.append(f"- **Design.** No respondent is {', '.join(empty)}: {a} and {b} are partly confounded by "
                         "how the survey was run, so their effects cannot be fully separated (section 5); an "
                         "interviewer's presence can also change answers (mode effect).")
    if data.simulated:
        lines.append("- **Simulation.** These data are SIMULATED. They reproduce the paper's six marginal shares "
                     "exactly; every subgroup difference, correlation, alpha and factor shown comes from the "
                     "generator's assumptions (`helpers.survey.SIM_DESIGN`) and is *not* a finding about Xiaomi's "
                     "staff.")
    else:
        lines.append("- **Your data.** These results describe your respondents, within the limits above.")
    return "\n".join(lines)


# --------------------------------------------------------------------------- Likert items


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


def _both() -> str:
    """Codebook label language: "both" (``English · 中文``) in English figures, "zh" in Chinese ones."""
    return "zh" if i18n.get_language() == "zh" else "both"


def _empty_figure(message: str, title: str, label: str | None) -> Figure:
    fig, ax = plt.subplots(figsize=(8, 1.6))
    ax.axis("off")
    ax.text(0.01, 0.4, tr(message), fontsize=10, color="dimgrey", transform=ax.transAxes)
    ax.set_title(with_label(title, label), loc="left")
    return fig


def plot_likert(table: pd.DataFrame, codebook: Codebook, *, title: str, label: str | None = None) -> Figure:
    """Diverging stacked bars (Heiberger & Robbins 2014): disagreement left of zero, agreement right,
    the neutral answer split across zero; % of respondents answering each item.

    Drawn with matplotlib directly: plot-likert's ``plot_likert()`` is broken on pandas 3
    (``DataFrame.applymap`` was removed). Reverse-worded items are marked (R) and drawn as worded.
    Rows blanked by :func:`suppress` are labelled, not drawn.

    References
    ----------
    Heiberger, R. M. & Robbins, N. B. (2014). Design of diverging stacked bar charts for Likert
    scales and other applications. Journal of Statistical Software, 57(5), 1–32.
    """
    if "min_group_size" not in table.attrs:
        raise ValueError("plot from a suppressed table: suppress(table, min_size) first")
    title = tr_given(title)
    if table.empty:
        return _empty_figure("This survey has no Likert items.", title, label)
    levels = codebook.scales["agree5"].levels if "agree5" in codebook.scales else None
    codes = [c for c in table.columns if isinstance(c, (int, np.integer))]
    pct = table[codes].astype(float).div(table["n"].astype(float), axis=0) * 100
    k = len(codes)
    mid = k // 2 if k % 2 else None
    fig, ax = plt.subplots(figsize=(11, 1.4 + 0.3 * len(table)))
    y = np.arange(len(table))[::-1]
    left = -(pct[codes[: k // 2]].sum(axis=1) + (pct[codes[mid]] / 2 if mid is not None else 0))
    start = left.to_numpy(copy=True)
    colors = LIKERT_COLORS if k == 5 else plt.get_cmap("BrBG")(np.linspace(0.1, 0.9, k))
    for j, code in enumerate(codes):
        width = pct[code].to_numpy()
        name = ((levels[j].zh if i18n.get_language() == "zh" else f"{levels[j].en} {levels[j].zh}")
                if levels and k == len(levels) else str(code))
        ax.barh(y, np.nan_to_num(width), left=np.nan_to_num(start), color=colors[j], label=name,
                edgecolor="white", linewidth=0.5, height=0.75)
        start = start + np.nan_to_num(width)
    ax.axvline(0, color="black", lw=0.8)
    if i18n.get_language() == "zh" and "item" in table:
        labels = [f"{codebook.items[r.item].label('zh') if r.item in codebook.items else r.label}"
                  f"{' (R)' if r.reverse else ''}" for r in table.itertuples()]
    else:
        labels = [f"{r.label}{' (R)' if r.reverse else ''}" for r in table.itertuples()]
    for yi, (_, row) in zip(y, table.iterrows()):
        if pd.isna(row["n"]):
            ax.text(0, yi, tr("suppressed (small group)"), va="center", ha="center", fontsize=7, color="dimgrey")
    ax.set_yticks(y, labels, fontsize=7.5)
    reach = float(np.nanmax(np.abs(np.concatenate([left.to_numpy(dtype=float), start.astype(float)])))) if len(table) else 50
    limit = min(100, 10 * math.ceil((reach + 2) / 10))
    ax.set_xlim(-limit, limit)
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{abs(v):.0f}"))
    ax.set_xlabel(tr("% of respondents (← disagree 不同意 | agree 同意 →)"))
    ax.set_title(with_label(title, label), loc="left")
    if "dimension" in table:
        dims = table["dimension"].tolist()
        bounds = [0] + [i for i in range(1, len(dims)) if dims[i] != dims[i - 1]] + [len(dims)]
        for a, b in zip(bounds[:-1], bounds[1:]):
            if a > 0:
                ax.axhline(y[a] + 0.5, color="grey", lw=0.6)
            ax.text(1.01, (y[a] + y[b - 1]) / 2, codebook.dimension_label(dims[a], _both()).replace(" · ", "\n"),
                    transform=ax.get_yaxis_transform(), va="center", ha="left", fontsize=7.5, color="dimgrey")
    handles, names = ax.get_legend_handles_labels()
    fig.legend(handles, names, ncol=k, fontsize=7.5, loc="lower center", frameon=False)
    fig.tight_layout(rect=(0, 0.7 / (1.4 + 0.3 * len(table)), 1, 1))
    return fig


def plot_statements(table: pd.DataFrame, codebook: Codebook, *, label: str | None = None) -> Figure:
    """Share saying yes to each statement (bar, %), its Wilson 95 % interval, and the published share (◆)."""
    if "min_group_size" not in table.attrs:
        raise ValueError("plot from a suppressed table: suppress(table, min_size) first")
    title = tr("The paper's six statements 论文的六个陈述")
    if table.empty:
        return _empty_figure("This survey has none of the paper's yes/no statements.", title, label)
    fig, ax = plt.subplots(figsize=(9, 1.2 + 0.55 * len(table)))
    y = np.arange(len(table))[::-1]
    share = table["share"].astype(float) * 100
    ax.barh(y, share.fillna(0), color="#4C72B0", alpha=0.8, height=0.6, label=tr("data 数据"))
    err = np.vstack([share - table["ci_low"].astype(float) * 100, table["ci_high"].astype(float) * 100 - share])
    ax.errorbar(share, y, xerr=np.nan_to_num(err), fmt="none", ecolor="black", capsize=3, lw=1,
                label=tr("Wilson 95% CI"))
    ax.scatter(table["published_share"].astype(float) * 100, y, marker="D", color="#C44E52", zorder=3, s=30,
               label=tr("published 论文"))
    names = [codebook.items[i].label(_both()) if i in codebook.items else i for i in table["item"]]
    ax.set_yticks(y, names, fontsize=8)
    ax.set_xlim(0, 100)
    ax.set_xlabel(tr("share of respondents saying yes (%) 回答“是”的比例"))
    ax.set_title(with_label(title, label), loc="left")
    ax.legend(fontsize=7.5, loc="upper center", bbox_to_anchor=(0.5, -0.28 * 4 / (1.2 + 0.55 * len(table))),
              ncol=3, frameon=False)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- subgroups


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


def plot_group_shares(table: pd.DataFrame, codebook: Codebook, *, title: str, label: str | None = None) -> Figure:
    """Dot plot of :func:`group_shares` (after :func:`suppress`): one panel per grouping, share in %,
    suppressed groups named in the legend and not drawn."""
    if "min_group_size" not in table.attrs:
        raise ValueError("plot from a suppressed table: suppress(table, min_size) first")
    title = tr_given(title)
    if table.empty:
        return _empty_figure("No groups to compare (no attributes, or no statements).", title, label)
    groupings = list(dict.fromkeys(table["grouping"]))
    items = list(dict.fromkeys(table["item"]))
    height = 0.75 + 0.3 * len(items)
    fig, axes = plt.subplots(len(groupings), 1, figsize=(9.5, 0.6 + height * len(groupings)), sharex=True,
                             squeeze=False)
    markers = "osD^vP*X"
    names = [column_label(codebook, i, _both() if MULTI_SEP not in i else
                          ("zh" if i18n.get_language() == "zh" else "en")) for i in items]
    for ax, grouping in zip(axes[:, 0], groupings):
        sub = table[table["grouping"] == grouping]
        scale = codebook.items[grouping].scale
        for m, (group, rows) in enumerate(sub.groupby("group", sort=False)):
            level = scale.level(group) if group in map(str, scale.codes) else None
            name = group if level is None else (level.zh if i18n.get_language() == "zh" else level.en)
            y = [len(items) - 1 - items.index(i) for i in rows["item"]]
            if rows["n"].isna().all():
                ax.scatter([], [], marker=markers[m % 8], color="lightgrey", label=tr("{name}: suppressed", name=name))
                continue
            ax.scatter(rows["share"].astype(float) * 100, y, marker=markers[m % 8], s=34, alpha=0.85, zorder=3,
                       label=f"{name} (n={int(rows['n'].max())})")
        ax.set_xlim(-2, 102)
        ax.set_ylim(-0.6, len(items) - 0.4)
        ax.set_yticks(range(len(items))[::-1], names, fontsize=7.5)
        ax.set_title(tr("by {grouping}", grouping=codebook.items[grouping].label(_both())), loc="left", fontsize=9.5)
        ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    axes[-1, 0].set_xlabel(tr("share of the group (%) 组内比例"))
    fig.suptitle(with_label(title, label), x=0.01, ha="left", fontweight="bold", fontsize=11)
    fig.tight_layout()
    return fig


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
    text = (f"{len(tested)} tests were run; **{len(sig)}** remain significant at the 5% level after Holm's "
            f"correction for running them all (uncorrected, {int((tested['p_value'] < 0.05).sum())} would have).")
    if len(sig):
        parts = []
        for r in sig.head(top).itertuples():
            name = column_label(codebook, r.item)
            parts.append(f"*{name}* by {r.grouping} (Cramér's V = {r.cramers_v:.2f}; highest {r.highest}, "
                         f"lowest {r.lowest})")
        text += " The largest: " + "; ".join(parts) + "."
    return text


# --------------------------------------------------------------------------- ordinal model


@dataclass
class AttitudeModel:
    """Proportional-odds (ordinal logistic) model of one Likert item on respondent attributes.

    ``log P(Y ≤ j) / P(Y > j) = θ_j − x'β``: a positive ``β`` shifts answers towards agreement, and
    ``exp(β)`` is the odds ratio of answering *higher* (more agreement) for that group against the
    reference group, the same for every cut-point (McCullagh 1980). Fitted with statsmodels'
    ``OrderedModel`` (``distr="logit"``), on the item *as worded* (not reverse-coded).

    Parameters
    ----------
    item
        The Likert item (default ``"sha3"``: "Because sales rewards are paid quarterly, I keep useful
        customer information to myself").
    predictors
        Attributes; each is dummy-coded against a reference level.
    references
        ``{predictor: reference level}``; default (or a level absent from the data): the most
        frequent level.
    min_group_size
        Every level of every predictor, and every predictor combination reported, must have at least
        this many respondents; otherwise the model is not fitted (``skipped_`` says why).

    Attributes
    ----------
    result_ : statsmodels results, or None
    odds_ratios_ : DataFrame
        ``term, level, reference, n, odds_ratio, ci_low, ci_high, p_value``.
    cells_ : DataFrame
        Observed predictor combinations: ``n``, observed and model-predicted share agreeing (4–5).
    n_ : int
    skipped_ : str or None
    """

    item: str = "sha3"
    predictors: tuple[str, ...] = ("role", "channel")
    min_group_size: int = 5
    references: dict[str, str] | None = None

    def fit(self, data: SurveyData) -> AttitudeModel:
        from statsmodels.miscmodels.ordinal_model import OrderedModel

        self.codebook_ = data.codebook
        self.result_ = None
        self.skipped_ = None
        self.odds_ratios_ = pd.DataFrame(columns=["term", "level", "reference", "n", "odds_ratio", "ci_low",
                                                  "ci_high", "p_value"])
        self.cells_ = pd.DataFrame(columns=["group", *self.predictors, "n", "observed_agree", "predicted_agree"])
        self.cells_.attrs.update(group_col="group", table_cols=[], partition_cols=[])
        self.odds_ratios_.attrs.update(group_col=None)
        needed = [self.item, *self.predictors]
        absent = [c for c in needed if c not in data.responses]
        if absent:
            self.skipped_ = f"the data have no column(s) {absent}"
            self.n_ = 0
            return self
        frame = data.responses[needed].dropna().copy()
        self.n_ = len(frame)
        self.references_ = {}
        for p in self.predictors:
            frame[p] = frame[p].astype(str)
            counts = frame[p].value_counts()
            if len(counts) < 2:
                self.skipped_ = f"{p} has a single level in the data"
                return self
            if counts.min() < self.min_group_size:
                self.skipped_ = (f"a level of {p} has fewer than {self.min_group_size} respondents "
                                 "(not reported, to protect anonymity)")
                return self
            wanted = (self.references or {}).get(p)
            self.references_[p] = wanted if wanted in counts.index else counts.index[0]
        observed = sorted(frame[self.item].astype(int).unique())
        if len(observed) < 3:
            self.skipped_ = f"{self.item} has fewer than three distinct answers"
            return self
        frame["y"] = pd.Categorical(frame[self.item].astype(int), categories=observed, ordered=True)
        terms = " + ".join(f"C({p}, Treatment({self.references_[p]!r}))" for p in self.predictors)
        model = OrderedModel.from_formula(f"y ~ {terms}", frame, distr="logit")
        self.result_ = model.fit(method="bfgs", disp=False, maxiter=500)
        self.frame_ = frame
        params, conf, pvals = self.result_.params, self.result_.conf_int(), self.result_.pvalues
        rows = []
        for name in params.index:
            if "[T." not in name:
                continue
            p = next(q for q in self.predictors if name.startswith(f"C({q},"))
            level = name.split("[T.")[1].rstrip("]")
            rows.append({"term": p, "level": level, "reference": self.references_[p],
                         "n": int((frame[p] == level).sum()), "odds_ratio": float(np.exp(params[name])),
                         "ci_low": float(np.exp(conf.loc[name, 0])), "ci_high": float(np.exp(conf.loc[name, 1])),
                         "p_value": float(pvals[name])})
        self.odds_ratios_ = pd.DataFrame(rows)
        self.odds_ratios_.attrs.update(group_col=None)
        cells = frame.groupby(list(self.predictors), observed=True).agg(
            n=("y", "size"), observed_agree=(self.item, lambda s: float(s.astype(int).isin(AGREE_CODES).mean())))
        cells = cells.reset_index()
        probs = self.result_.model.predict(self.result_.params, exog=self._exog(cells))
        agree_cols = [j for j, c in enumerate(observed) if c in AGREE_CODES]
        cells["predicted_agree"] = probs[:, agree_cols].sum(axis=1)
        cells.insert(0, "group", cells[list(self.predictors)].astype(str).agg(" · ".join, axis=1))
        cells.attrs.update(group_col="group", table_cols=[], partition_cols=[])
        self.cells_ = cells
        return self

    def _exog(self, cells: pd.DataFrame) -> np.ndarray:
        names = self.result_.model.exog_names[: self.result_.model.exog.shape[1]]  # thresholds follow
        x = np.zeros((len(cells), len(names)))
        for j, name in enumerate(names):
            p = next(q for q in self.predictors if name.startswith(f"C({q},"))
            level = name.split("[T.")[1].rstrip("]")
            x[:, j] = (cells[p].astype(str) == level).to_numpy()
        return x

    def interpret(self) -> str:
        """The model in plain words (Markdown), with its caveats (including design confounding)."""
        item = self.codebook_.items.get(self.item) if hasattr(self, "codebook_") else None
        wording = f"“{item.text_en}”" if item else self.item
        if self.skipped_:
            return f"The ordinal model of {wording} was not fitted: {self.skipped_}."
        lines = [f"Ordinal logistic model of agreement with {wording} (n = {self.n_}):"]
        for r in self.odds_ratios_.itertuples():
            scale = self.codebook_.items[r.term].scale
            lvl, ref = scale.level(r.level).en, scale.level(r.reference).en
            sure = ("the interval excludes 1, so the direction is clear" if (r.ci_low > 1 or r.ci_high < 1)
                    else "the interval includes 1, so these data cannot tell whether the effect is up or down")
            lines.append(f"- **{r.term}** — {lvl} (n = {r.n}) compared with {ref.lower()}: the odds of answering "
                         f"one step higher on the agreement scale are multiplied by **{r.odds_ratio:.2f}** "
                         f"(95% CI {r.ci_low:.2f}–{r.ci_high:.2f}, p = {r.p_value:.3f}), the other predictor held "
                         f"fixed; {sure}.")
        if len(self.predictors) == 2:
            a, b = self.predictors
            table = pd.crosstab(self.frame_[a], self.frame_[b])
            empty = [(i, j) for i in table.index for j in table.columns if table.loc[i, j] == 0]
            if empty:
                cells = ", ".join(f"{i} · {j}" for i, j in empty)
                lines.append(f"- Nobody in the data is {cells}: the two predictors are partly confounded by the "
                             "survey design, so each effect is estimated only from the respondents where the other "
                             "one varies — which is why the intervals are wide. The raw difference between groups "
                             "can be clear while its attribution to one predictor is not.")
        lines.append("- The odds ratio is assumed equal at every step of the scale (proportional odds), not "
                     "checked here; with groups of a few dozen people, intervals this wide are normal.")
        return "\n".join(lines)


# --------------------------------------------------------------------------- reliability and structure


def reverse_coded(data: SurveyData, items: Sequence[Item] | None = None) -> pd.DataFrame:
    """Likert answers as floats with reverse-worded items flipped (``min + max − x``, 6 − x on 1–5)."""
    chosen = list(items) if items is not None else data.items("likert")
    out = pd.DataFrame(index=data.responses.index)
    for it in chosen:
        x = data.responses[it.id].astype("Float64").astype(float)
        lo, hi = min(it.scale.codes), max(it.scale.codes)
        out[it.id] = (lo + hi - x) if it.reverse else x
    return out


def cronbach_alpha(items: pd.DataFrame, confidence: float = 0.95) -> tuple[float, tuple[float, float]]:
    """Cronbach's alpha with Feldt's confidence interval, on complete cases.

    ``α = k/(k−1) · (1 − Σ s²_i / s²_total)`` (Cronbach 1951), variances with ``ddof = 1``; the
    interval uses ``(1 − α)/(1 − α̂) ~ F(n−1, (n−1)(k−1))`` (Feldt, Woodruff & Salih 1987):
    ``[1 − (1−α̂)·F_{1−c/2}, 1 − (1−α̂)·F_{c/2}]`` with ``c = 1 − confidence``. Written here rather
    than imported because pingouin, which computes the same (tests check it), is GPL-3 and a test
    dependency only. Rows with any missing answer are dropped (listwise), and ``n`` is counted
    after dropping them.

    Returns
    -------
    (alpha, (ci_low, ci_high))
    """
    x = items.astype(float).dropna()
    n, k = x.shape
    if k < 2 or n < 2:
        raise ValueError("Cronbach's alpha needs at least two items and two complete respondents")
    item_var = x.var(ddof=1).sum()
    total_var = x.sum(axis=1).var(ddof=1)
    alpha = (k / (k - 1)) * (1 - item_var / total_var)
    c = 1 - confidence
    df1, df2 = n - 1, (n - 1) * (k - 1)
    low = 1 - (1 - alpha) * stats.f.isf(c / 2, df1, df2)
    high = 1 - (1 - alpha) * stats.f.isf(1 - c / 2, df1, df2)
    return float(alpha), (float(low), float(high))


def reliability_table(data: SurveyData, confidence: float = 0.95) -> pd.DataFrame:
    """Cronbach's alpha per dimension of Likert items (reverse-coded first).

    Returns ``dimension, label, items, k, n, alpha, ci_low, ci_high, mean_r, verdict`` where
    ``mean_r`` is the mean inter-item correlation and the verdict follows the usual 0.70 floor
    (Tavakol & Dennick 2011; alpha above 0.95 suggests redundant items).
    """
    scored = reverse_coded(data)
    rows = []
    by_dim: dict[str, list[str]] = {}
    for it in data.items("likert"):
        by_dim.setdefault(it.dimension or "(none)", []).append(it.id)
    for dim, ids in by_dim.items():
        x = scored[ids].dropna()
        row = {"dimension": dim, "label": data.codebook.dimension_label(dim), "items": ", ".join(ids),
               "k": len(ids), "n": len(x)}
        if len(ids) >= 2 and len(x) >= 3:
            a, (lo, hi) = cronbach_alpha(x, confidence)
            corr = x.corr().to_numpy()[np.triu_indices(len(ids), 1)]
            verdict = ("redundant? (> 0.95)" if a > 0.95 else "acceptable (≥ 0.70)" if a >= 0.70
                       else "questionable (0.60–0.70)" if a >= 0.60 else "poor (< 0.60)")
            row |= {"alpha": a, "ci_low": lo, "ci_high": hi, "mean_r": float(np.nanmean(corr)), "verdict": verdict}
        rows.append(row)
    table = pd.DataFrame(rows, columns=["dimension", "label", "items", "k", "n", "alpha", "ci_low", "ci_high",
                                        "mean_r", "verdict"])
    table.attrs.update(group_col=None)
    return table


def factorability(data: SurveyData) -> pd.DataFrame:
    """Kaiser–Meyer–Olkin measure and Bartlett's test of sphericity of the (reverse-coded) Likert items.

    From factor_analyzer (``calculate_kmo``, ``calculate_bartlett_sphericity``), which work with
    scikit-learn ≥ 1.8 (its ``FactorAnalyzer.fit`` does not). KMO ≥ 0.6 and a small Bartlett p
    are the usual preconditions for factor analysis (Kaiser 1974; Bartlett 1950).

    Returns one row per statistic: ``statistic, value, df, p_value, n, reading``.
    """
    from factor_analyzer.factor_analyzer import calculate_bartlett_sphericity, calculate_kmo

    x = reverse_coded(data).dropna()
    if x.shape[1] < 3 or len(x) <= x.shape[1]:
        return pd.DataFrame({"statistic": ["KMO", "Bartlett"], "value": [np.nan, np.nan], "df": [np.nan, np.nan],
                             "p_value": [np.nan, np.nan], "n": [len(x)] * 2,
                             "reading": ["not computable: fewer complete respondents than items"] * 2})
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, kmo = calculate_kmo(x)
        chi2, p = calculate_bartlett_sphericity(x)
    p_items = x.shape[1]
    kmo_words = ("marvellous" if kmo >= 0.9 else "meritorious" if kmo >= 0.8 else "middling" if kmo >= 0.7
                 else "mediocre" if kmo >= 0.6 else "miserable" if kmo >= 0.5 else "unacceptable")
    return pd.DataFrame({
        "statistic": ["KMO (Kaiser–Meyer–Olkin)", "Bartlett's test of sphericity (chi-square)"],
        "value": [float(kmo), float(chi2)], "df": [np.nan, p_items * (p_items - 1) / 2],
        "p_value": [np.nan, float(p)], "n": [len(x), len(x)],
        "reading": [f"{kmo_words} (Kaiser 1974)", "correlations differ from zero" if p < 0.05
                    else "correlations may all be zero: factor analysis not warranted"],
    })


def efa_loadings(data: SurveyData, n_factors: int | None = None, seed: int = 0) -> pd.DataFrame:
    """Exploratory factor analysis of the Likert items: varimax-rotated loadings.

    Uses scikit-learn's ``FactorAnalysis(rotation="varimax")`` (maximum likelihood, on z-scored,
    reverse-coded items), because factor_analyzer's ``FactorAnalyzer.fit`` fails with
    scikit-learn ≥ 1.8 (it passes the removed ``force_all_finite`` argument; fixed upstream, not
    released). Factors are signed so that their loadings sum positive and named after the
    dimension whose items load highest on them.

    Parameters
    ----------
    n_factors
        Default: the number of dimensions among the Likert items.

    Returns
    -------
    DataFrame
        Index item; one column per factor (``F1 sharing`` …), then ``dimension``, ``communality``
        and ``on_own_factor`` (the item's largest loading is on the factor named after its dimension).
    """
    from sklearn.decomposition import FactorAnalysis

    items = data.items("likert")
    x = reverse_coded(data, items).dropna()
    dims = list(dict.fromkeys(it.dimension for it in items))
    k = n_factors or len(dims)
    if len(x) <= x.shape[1] or k < 1:
        return pd.DataFrame()
    z = (x - x.mean()) / x.std(ddof=0)
    fa = FactorAnalysis(n_components=k, rotation="varimax", random_state=seed).fit(z.to_numpy())
    load = fa.components_.T
    load = load * np.where(load.sum(axis=0) >= 0, 1, -1)
    dim_of = pd.Series({it.id: it.dimension for it in items})
    table = pd.DataFrame(load, index=x.columns)
    names, used = {}, set()
    mean_by_dim = table.abs().groupby(dim_of).mean()
    for f in mean_by_dim.max().sort_values(ascending=False).index:  # clearest factors name first
        best = next((d for d in mean_by_dim[f].sort_values(ascending=False).index if d not in used), None)
        used.add(best)
        names[f] = best
    table.columns = [f"F{f + 1} {names[f]}" for f in table.columns]
    table["dimension"] = dim_of
    table["communality"] = (load**2).sum(axis=1)
    own = {f"F{f + 1} {names[f]}": names[f] for f in names}
    factor_cols = list(own)
    table["on_own_factor"] = [own[table.loc[i, factor_cols].astype(float).abs().idxmax()] == table.loc[i, "dimension"]
                              for i in table.index]
    table.index.name = "item"
    return table


def plot_loadings(loadings: pd.DataFrame, codebook: Codebook, *, label: str | None = None) -> Figure:
    """Heatmap of :func:`efa_loadings`: colour for every loading, the value printed where |loading| ≥ 0.3."""
    title = tr("Exploratory factor analysis, varimax loadings 探索性因子分析")
    if loadings.empty:
        return _empty_figure("Not enough complete respondents (more than the number of items needed).", title, label)
    factor_cols = [c for c in loadings.columns if str(c).startswith("F")]
    values = loadings[factor_cols].astype(float).to_numpy()
    fig, ax = plt.subplots(figsize=(0.9 * len(factor_cols) + 4.5, 1.2 + 0.3 * len(values)))
    image = ax.imshow(values, cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto")
    for (i, j), v in np.ndenumerate(values):
        if abs(v) >= 0.3:  # only loadings worth reading are printed
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=7, color="white" if abs(v) > 0.6 else "black")
    names = [codebook.items[i].label(_both()) + (" (R)" if codebook.items[i].reverse else "") for i in loadings.index]
    ax.set_yticks(range(len(values)), names, fontsize=7)
    if i18n.get_language() == "zh":  # "F1 culture" → "F1 企业文化"
        ticks = [f"{c.split(' ', 1)[0]} {codebook.dimension_label(c.split(' ', 1)[1], 'zh')}" if " " in str(c)
                 else str(c) for c in factor_cols]
    else:
        ticks = factor_cols
    ax.set_xticks(range(len(factor_cols)), ticks, rotation=30, ha="right", fontsize=8)
    ax.grid(False)
    fig.colorbar(image, ax=ax, label=tr("loading 载荷 (|loading| ≥ 0.3 printed)"), shrink=0.8)
    ax.set_title(with_label(title, label), loc="left")
    fig.tight_layout()
    return fig


def main(argv: list[str] | None = None) -> int:
    """``python -m helpers.survey [--seed N] [--out PATH]``: regenerate the simulated respondent file."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m helpers.survey",
                                     description="Regenerate the SIMULATED staff survey respondents.")
    parser.add_argument("--seed", type=int, default=SIM_SEED)
    parser.add_argument("--out", type=Path, default=SIM_PATH)
    args = parser.parse_args(argv)
    path = write_simulated(args.out, args.seed)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
