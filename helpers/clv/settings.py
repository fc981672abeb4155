"""Tables and computed sentences for the other purchase settings (notebook 03, Part 2; issue 19).

Each ``*_claim`` returns ``(text, numbers)``: a sentence in the current language (:func:`helpers.i18n.tr`, entries in
``helpers/locale/zh.yml``) whose every number and every word of judgement ("better", "rises", "inside") is computed
from ``numbers``, which it returns too (as :func:`helpers.clv.flagged_top_claim` does).

- discrete purchase opportunities (BG/BB, Fader, Hardie & Shang 2010): :func:`bgbb_claim`, :func:`donation_claim`;
- MBG/NBD against BG/NBD (Batislam, Denizel & Filiztekin 2007): :func:`p_alive_by_history`, :func:`mbg_claim`;
- contracts (sBG, Fader & Hardie 2007): :func:`sbg_models`, :func:`contract_curves` (what
  :func:`helpers.clv.plot_contract_survival` draws), :func:`sbg_projection`, :func:`sbg_claim`,
  :func:`contract_recovery_claim`;
- :func:`literature_claim`: "k of m printed values reproduced".

The covariates' tables are in :mod:`helpers.clv.covariate_tables`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..i18n import add_values, get_language, tr, tr_given, tr_value
from ..simulate import CARRIER_PLANS
from .literature import BGBB_P_ALIVE_2002, SBG_FIT_YEARS, SBG_SURVIVORS, sbg_table
from .models.base import MaximumLikelihoodModel
from .models.beta_geo_beta_binom import BetaGeoBetaBinom
from .models.checks import contract_arrays
from .models.shifted_beta_geo import ShiftedBetaGeo

#: The dataset label of Fader & Hardie's (2007) worked example (their data: Berry & Linoff 2004).
SBG_EXAMPLE_LABEL = "Fader & Hardie (2007) worked example (published data)"
#: How a literature table's numbers are shown (``helpers.tables.show(..., kinds=LITERATURE_KINDS)``): the published
#: value and the rounded fit with the digits they have, the fit with seven significant digits — never rounded to two
#: decimals, which would hide a mismatch in the third.
LITERATURE_KINDS = {"published": "{:,.10g}".format, "fitted": "{:,.7g}".format,
                    "fitted (printed digits)": "{:,.10g}".format}
add_values({plan.code: f"{plan.label_zh} ({plan.code})" for plan in CARRIER_PLANS.values()})  # tables, legends


def _mean_beta(model: MaximumLikelihoodModel, a: str, b: str) -> float:
    """Mean ``a/(a+b)`` of a fitted Beta distribution."""
    return float(model.params_[a] / (model.params_[a] + model.params_[b]))


def _weights(summary: pd.DataFrame) -> np.ndarray:
    return summary["weights"].to_numpy(float) if "weights" in summary.columns else np.ones(len(summary))


# --------------------------------------------------------------------------- discrete opportunities (BG/BB)


def bgbb_claim(model: BetaGeoBetaBinom, summary: pd.DataFrame) -> tuple[str, dict]:
    """What a fitted BG/BB says about a cohort counted in purchase opportunities (``summary``: a
    :func:`helpers.clv.discrete_summary` or its :func:`helpers.clv.discrete_patterns`): customers, patterns, the
    mean purchase probability per opportunity ``α/(α+β)``, the mean dropout probability per opportunity
    ``γ/(γ+δ)`` and the customers' mean P(alive) at their last observed opportunity (FHS 2010 eq. A10)."""
    w = _weights(summary)
    patterns = summary.groupby(["frequency", "recency", "n_periods"]).ngroups
    numbers = {"customers": int(w.sum()), "patterns": int(patterns), "most": int(summary["n_periods"].max()),
               "opportunity": summary.attrs.get("opportunity") or summary.attrs.get("period"),
               "purchase": _mean_beta(model, "alpha", "beta"), "dropout": _mean_beta(model, "gamma", "delta"),
               "p_alive": float(np.average(model.probability_alive(summary).to_numpy(), weights=w))}
    text = tr("With one purchase opportunity per {opportunity}, the {customers:,} customers fall into {patterns:,} "
              "patterns of (x, t_x, n) (up to {most} opportunities each).", **{**numbers, "opportunity": tr(
                  str(numbers["opportunity"]))}) + " " + tr(
        "BG/BB: while active, a customer buys at an opportunity with mean probability {purchase:.2f} and leaves for good "
        "before an opportunity with mean probability {dropout:.2f}; the customers' mean P(alive) at their last "
        "opportunity is {p_alive:.2f}.", **numbers)
    return text, numbers


def donation_claim(predictions: pd.DataFrame, model: BetaGeoBetaBinom) -> tuple[str, dict]:
    """The BG/BB's predictions on the donations beside the authors' printed numbers (rows of
    :func:`helpers.clv.discrete_literature_check`), and P(alive in 2002) of the paper's least and most loyal donors
    (Table 6: no gift after 1995; a gift every year 1996–2001), computed from ``model``."""
    histories = pd.DataFrame(list(BGBB_P_ALIVE_2002), columns=["frequency", "recency", "n_periods"])
    histories.attrs = {"period": model.period_}
    alive = model.probability_alive(histories, future=1).to_numpy()
    numbers = {"matched": int(predictions["match"].sum()), "total": len(predictions), "never": float(alive[0]),
               "every": float(alive[-1]), "years": int(histories["n_periods"].iloc[-1])}
    text = tr("**{matched} of {total}** of the authors' printed predictions reproduced to the printed digits.",
              **numbers) + " " + tr(
        "A donor who never gave again after the first gift is still active in 2002 with probability {never:.2f}; one "
        "who gave in each of the {years} years, with probability {every:.2f}.", **numbers)
    return text, numbers


# --------------------------------------------------------------------------- MBG/NBD against BG/NBD


def p_alive_by_history(models: Mapping[str, MaximumLikelihoodModel], summary: pd.DataFrame, unit: str = "week",
                       groups: int = 3) -> pd.DataFrame:
    """Mean P(alive) under each model for one-time buyers by age (``groups`` equal-sized age groups of ``T``, in
    ``unit``\\ s), repeat buyers and all customers: ``customer group`` (the group, in the current language),
    ``customers``, then one column ``mean P(alive), <model>`` per model. ``attrs["p_alive"]``: each model's
    P(alive) per customer (aligned with ``summary``)."""
    p = {name: m.probability_alive(summary).to_numpy() for name, m in models.items()}
    once = (summary["frequency"] == 0).to_numpy()
    ages = summary["T"].to_numpy(float)
    masks, ages_of = [], []
    if once.any():
        bins = pd.qcut(pd.Series(ages[once]), groups, duplicates="drop")
        for interval in bins.cat.categories:
            inside = np.zeros(len(summary), bool)
            inside[np.flatnonzero(once)[(bins == interval).to_numpy()]] = True
            lo, hi = max(float(interval.left), float(ages[inside].min())), float(interval.right)
            masks.append((tr("one-time buyers, age {lo:.0f}–{hi:.0f} {unit}s", lo=lo, hi=hi, unit=tr(unit)), inside))
            ages_of.append(tr("{lo:.0f}–{hi:.0f} {unit}s", lo=lo, hi=hi, unit=tr(unit)))
    masks += [(tr("repeat buyers"), ~once), (tr("all customers"), np.ones(len(summary), bool))]
    rows = [{"customer group": name, "customers": int(mask.sum()),
             **{tr("mean P(alive), {model}", model=m): float(v[mask].mean()) if mask.any() else np.nan
                for m, v in p.items()}} for name, mask in masks]
    table = pd.DataFrame(rows)
    table.attrs = {"p_alive": p, "one_time": once, "age_groups": ages_of}
    return table


def mbg_claim(models: Mapping[str, MaximumLikelihoodModel], table: pd.DataFrame) -> tuple[str, dict]:
    """BG/NBD against MBG/NBD (``models`` with keys "BG/NBD" and "MBG/NBD", fitted on the same customers;
    ``table`` from :func:`p_alive_by_history`): which fits better (log-likelihood, same number of parameters), how
    they treat one-time buyers, and how many customers each expects to be still active."""
    bg, mbg = models["BG/NBD"], models["MBG/NBD"]
    if bg.n_customers_ != mbg.n_customers_ or len(bg.param_names) != len(mbg.param_names):
        raise ValueError(f"the models were fitted on {bg.n_customers_:,} and {mbg.n_customers_:,} customers with "
                         f"{len(bg.param_names)} and {len(mbg.param_names)} parameters: their log-likelihoods do not "
                         "compare; fit both on the same summary")
    p, once = table.attrs["p_alive"], table.attrs["one_time"]
    ll_bg, ll_mbg = bg.log_likelihood_, mbg.log_likelihood_
    numbers = {"customers": int(bg.n_customers_), "parameters": len(bg.param_names), "bg": ll_bg, "mbg": ll_mbg,
               "once": int(once.sum()), "alive_bg": float(p["BG/NBD"].sum()), "alive_mbg": float(p["MBG/NBD"].sum())}
    word = "better than" if ll_mbg > ll_bg + 0.05 else "worse than" if ll_mbg < ll_bg - 0.05 else "about as well as"
    numbers["word"] = word
    text = tr("On the same {customers:,} customers and with {parameters} parameters each, MBG/NBD fits {word} BG/NBD "
              "(log-likelihood {mbg:,.1f} against {bg:,.1f}).", **{**numbers, "word": tr(word)})
    if numbers["once"]:
        mean_once = float(p["MBG/NBD"][once].mean())
        ages = table.attrs["age_groups"]
        by_age = table[tr("mean P(alive), {model}", model="MBG/NBD")].iloc[:len(ages)]
        numbers.update(once_mbg=mean_once, youngest=float(by_age.iloc[0]), oldest=float(by_age.iloc[-1]),
                       young=ages[0], old=ages[-1], once_bg_min=float(p["BG/NBD"][once].min()))
        text += " " + (tr("BG/NBD keeps all {once:,} one-time buyers active (P(alive) = 1);", **numbers)
                       if numbers["once_bg_min"] >= 1 - 1e-12 else
                       tr("BG/NBD gives the {once:,} one-time buyers a mean P(alive) of {mean:.2f};", mean=float(
                           p["BG/NBD"][once].mean()), **numbers)) + " " + tr(
            "MBG/NBD, in which a customer can leave right after the first purchase, gives them {once_mbg:.2f} on "
            "average: {youngest:.2f} for those aged {young}, {oldest:.2f} for those aged {old}.", **numbers)
    text += " " + tr("Customers expected to be still active: {alive_bg:,.0f} (BG/NBD) and {alive_mbg:,.0f} (MBG/NBD).",
                     **numbers)
    return text, numbers


# --------------------------------------------------------------------------- contracts (sBG)


def sbg_models(table: pd.DataFrame, by: str = "cohort", periods: int | None = None) -> dict[str, ShiftedBetaGeo]:
    """One sBG per value of column ``by`` of a cohort survival table (all its cohorts sharing ``(γ, δ)``), fitted on
    periods ``≤ periods`` (all when ``None``); the table's ``attrs`` (its contract period) travel with each part."""
    models = {}
    for name, part in table.groupby(by, sort=False):
        part = part if periods is None else part.loc[part["period"] <= periods]
        part = part.copy()
        part.attrs = dict(table.attrs)
        models[str(name)] = ShiftedBetaGeo().fit(part)
    return models


def contract_curves(table: pd.DataFrame, models: Mapping[str, ShiftedBetaGeo], by: str = "cohort",
                    horizon: int | None = None, fit_periods: int | None = None) -> pd.DataFrame:
    """Survival and retention by contract period, observed and fitted, one block per group (``by``) of ``table``.

    ``observed``: the share of the group's customers still under contract after ``t`` renewal decisions, pooled over
    the cohorts observed that long (Σ survivors / Σ cohort sizes); ``observed retention``: the share of those under
    contract after ``t − 1`` decisions who renewed at the ``t``-th (Σ s_t / Σ s_{t−1}, same cohorts). ``model``:
    ``S(t)`` and ``model retention`` ``r_t`` of the group's sBG (Fader & Hardie 2007), to ``horizon`` periods
    (default: the longest observed). ``fitted``: whether period ``t`` was in the data the models were fitted on
    (periods ``≤ fit_periods``; default: every observed period); ``attrs["fit_periods"]`` per group.
    """
    frames, ends = [], {}
    for name, part in table.groupby(by, sort=False):
        model = models[str(name)]
        cohorts, _ = contract_arrays(part)
        wide = part.pivot_table(index="cohort", columns="period", values="survivors", aggfunc="sum")
        size = wide[0]
        last = int(wide.columns.max())
        periods = np.arange(max(last, horizon or 0) + 1)
        observed = [wide[t].dropna().sum() / size[wide[t].notna()].sum() if t <= last else np.nan for t in periods]
        retention = [np.nan] + [wide[t].dropna().sum() / wide.loc[wide[t].notna(), t - 1].sum() if t <= last
                                else np.nan for t in periods[1:]]
        fit_end = last if fit_periods is None else min(int(fit_periods), last)
        ends[str(name)] = fit_end
        frames.append(pd.DataFrame({by: str(name), "period": periods, "observed": observed,
                                    "observed retention": retention, "model": model.survival(periods),
                                    "model retention": np.r_[np.nan, model.retention_rate(periods[1:])],
                                    "fitted": periods <= fit_end, "cohorts": len(cohorts)}))
    out = pd.concat(frames, ignore_index=True)
    out.attrs = {"by": by, "fit_periods": ends, "period_days": table.attrs.get("period_days")}
    return out


def sbg_projection(models: Mapping[str, ShiftedBetaGeo], fit_years: int = SBG_FIT_YEARS) -> pd.DataFrame:
    """The paper's projection: for the years after ``fit_years``, each cohort's survivors beside the sBG's ``N·S(t)``
    (Fader & Hardie 2007: fitted on years 1–7, projected to year 12; ``models`` by cohort of
    :data:`helpers.clv.SBG_SURVIVORS`), wide: ``year``, then ``<cohort>: survivors`` and ``<cohort>: sBG``."""
    out = None
    for cohort, model in models.items():
        table = sbg_table(cohort, years=len(SBG_SURVIVORS[cohort]) - 1)
        expected = model.expected_survivors(table)
        later = expected.loc[expected["period"] > fit_years, ["period", "survivors", "expected"]]
        later.columns = ["year", f"{cohort}: survivors", f"{cohort}: sBG"]
        out = later if out is None else out.merge(later, on="year")
    return out.reset_index(drop=True)


def _join(parts: list[str]) -> str:
    """Items of a list in a sentence: "a, b" in English, "a、b" in Chinese."""
    return ("、" if get_language() == "zh" else ", ").join(parts)


def sbg_claim(models: Mapping[str, ShiftedBetaGeo], projection: pd.DataFrame, curves: pd.DataFrame,
              discount_rate: float) -> tuple[str, dict]:
    """Fader & Hardie's (2007) point in numbers: fitted on the first years only, the sBG projects the later years'
    survivors (``projection``, :func:`sbg_projection`) within a few percent; its retention rate ``r_t`` rises with
    tenure (first and last period of ``curves``, :func:`contract_curves`) although no customer's churn probability
    changes; and a new customer's discounted expected lifetime ``DEL(d)`` (Fader & Hardie 2010) at
    ``discount_rate`` per contract period."""
    numbers: dict = {"fit_years": int(projection["year"].min()) - 1, "first": int(projection["year"].min()),
                     "last": int(projection["year"].max()), "rate": discount_rate, "cohorts": {}}
    for cohort, model in models.items():
        block = curves.loc[curves["cohort"] == cohort].dropna(subset=["model retention"])
        error = (projection[f"{cohort}: sBG"] / projection[f"{cohort}: survivors"] - 1).abs().max()
        numbers["cohorts"][cohort] = {
            "cohort": tr_given(cohort), "error": float(error), "rises": bool(np.all(np.diff(block["model retention"]) > 0)),
            "r_first": float(block["model retention"].iloc[0]), "t_first": int(block["period"].iloc[0]),
            "r_last": float(block["model retention"].iloc[-1]), "t_last": int(block["period"].iloc[-1]),
            "lifetime": model.discounted_expected_lifetime(discount_rate)}
    each = list(numbers["cohorts"].values())
    rises = all(n["rises"] for n in each)
    text = " ".join([
        tr("Fitted on years 1–{fit_years} only, the sBG projects the survivors of years {first}–{last} to within {errors} "
           "of the data.", errors=_join([tr("{error:.1%} ({cohort})", **n) for n in each]), **numbers),
        tr("Its retention rate {trend} with tenure: {ranges}.", trend=tr("rises" if rises else "does not rise steadily"),
           ranges=_join([tr("from {r_first:.0%} in year {t_first} to {r_last:.0%} in year {t_last} ({cohort})", **n)
                         for n in each]))]
        + ([tr("No customer's churn probability changes over time in the model: retention rises because the customers "
               "most likely to leave go first (heterogeneity).")] if rises else [])
        + [tr("At {rate:.0%} a year, a new customer's discounted expected lifetime (DEL) is {lifetimes} contract years.",
              lifetimes=_join([tr("{lifetime:.2f} ({cohort})", **n) for n in each]), **numbers)])
    return text, numbers


def contract_recovery_claim(recovery: pd.DataFrame, large: pd.DataFrame | None = None,
                            scale: float | None = None) -> tuple[str, dict]:
    """How many true sBG parameters of the SIMULATED plans lie inside their 95% intervals (``recovery``:
    :func:`helpers.clv.recovery_table` of :func:`helpers.clv.fit_by_plan`), which plans miss, and — with ``large``,
    the same for cohorts ``scale`` times as large — whether the misses close with more customers."""
    if large is not None and scale is None:
        raise ValueError("say how many times larger the cohorts of `large` are (scale=...)")
    missed = [f"{tr_value(g)} {p}" for g, p in recovery.loc[~recovery["covered"], ["group", "parameter"]].to_numpy()]
    err = recovery["relative error"].abs()
    numbers = {"covered": int(recovery["covered"].sum()), "total": len(recovery), "missed": missed,
               "error": float(err.max()),
               "where": f"{tr_value(recovery.loc[err.idxmax(), 'group'])} {recovery.loc[err.idxmax(), 'parameter']}",
               "customers": int(recovery.groupby("group")["customers"].first().sum())}
    text = tr("**{covered} of {total}** true parameters lie inside their 95% intervals ({customers:,} contracts); "
              "largest relative error {error:.0%} ({where}).", **numbers)
    if missed:
        text += " " + tr("Missed: {missed} (a 95% interval misses its truth one time in twenty by chance).",
                         missed=_join(missed))
    if large is not None:
        numbers.update(large_covered=int(large["covered"].sum()), large_total=len(large),
                       large_error=float(large["relative error"].abs().max()), scale=scale)
        text += " " + tr("With cohorts {scale:g} times as large: **{large_covered} of {large_total}** inside, largest "
                         "relative error {large_error:.1%}.", **numbers)
    return text, numbers


def literature_claim(table: pd.DataFrame) -> tuple[str, dict]:
    """"k of m printed values reproduced" for a literature table (:func:`helpers.clv.literature_check` and its
    Part 2 siblings), with the models it covers."""
    numbers = {"matched": int(table["match"].sum()), "total": len(table),
               "models": _join([tr_value(m) for m in dict.fromkeys(table["model"])])}
    text = tr("**{matched} of {total}** printed values reproduced to the printed digits ({models}).", **numbers)
    return text, numbers
