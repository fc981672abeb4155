"""The bundled staff survey: a SIMULATED respondent table with the paper's six shares, and :func:`load_survey`.

Paper 2 (``docs/references.md#paper2``) reports one table of numbers: the shares of 100 questionnaires
(offline interviews of store-counter sales staff, an online survey of employees) agreeing with six
statements — 56, 86, 73, 45, 86 and 76 %. :func:`simulate_responses` simulates a respondent-level
dataset of 100 (seeded; SIMULATED) whose six shares equal the published ones *exactly* and whose
other patterns follow the paper's narrative (counter staff prefer material incentives; quarterly
sales rewards make staff keep customer knowledge to themselves) with noise, so they are not
perfectly clean. :func:`write_simulated` writes the committed file (``python -m helpers.survey``,
:func:`main`); :func:`load_survey` gives the survey to analyse — that file, a fresh simulation, or
a user's own export (:func:`helpers.survey.read_survey`).

**What simulated data can and cannot show.** The simulation is built to match the six published
marginals; every subgroup difference, correlation and factor structure in it is an *assumption*
of the generator (documented in :data:`SIM_DESIGN`), not a finding about Xiaomi.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError
from .codebook import SURVEY_DIR, Codebook, load_codebook
from .reader import SurveyData, read_survey

SIM_NAME = "staff_survey_sim"
SIM_PATH: Path = SURVEY_DIR / "staff_survey_sim.csv"
SIM_SEED = 2018
SIM_NOTE = "模拟数据 SIMULATED — not real Xiaomi staff answers"
SIM_LABEL = "Staff survey (SIMULATED · 模拟数据)"


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


def simulate_responses(codebook: Codebook | None = None, seed: int = SIM_SEED) -> pd.DataFrame:
    """Simulate the paper's 100 respondents (SIMULATED), seeded, with the published statement shares.

    Parameters
    ----------
    codebook
        The staff survey codebook (default: :func:`helpers.survey.load_codebook`).
    seed
        Seed of the numpy Generator; the same seed gives the same table.

    Returns
    -------
    DataFrame
        Tidy table as :func:`helpers.survey.read_survey` returns it (``respondent_id`` ``R001`` …).

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
        A user's export and its format (see :data:`helpers.survey.FORMATS`; detected when ``None``).
    codebook
        A :class:`Codebook` or the path of a codebook YAML (default: the staff survey's).
    seed
        For the simulation only: simulate afresh with this seed instead of reading the file.
    **read_options
        Passed to :func:`helpers.survey.read_survey` (``columns``, ``ignore``, ``encoding``, ``sheet``).
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
