"""Customer attributes as covariates of BG/NBD, and the table and sentence of their effects (notebook 03, Part 2).

:func:`customer_covariates` turns a customer table (:func:`helpers.store.load_customers`) into the numeric columns
:class:`helpers.clv.BetaGeo`'s ``purchase_covariate_cols`` / ``dropout_covariate_cols`` read (Fader & Hardie 2007,
note 019): yes/no attributes as 0/1 and the acquisition channel as dummies with a reference level.
:func:`covariate_effects` reads a fitted BG/NBD's (or Pareto/NBD's) coefficients as multiplicative effects with 95%
intervals, and :func:`covariate_claim` says, effect by effect, whether the interval tells it apart from no effect.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import DataError
from ..i18n import add_values, get_language, tr, tr_given
from ..simulate import CHANNELS
from .models.beta_geo import BetaGeo
from .models.covariates import with_covariates
from .models.pareto_nbd import ParetoNBD
from .simulation import covariate_columns, simulate_with_covariates
from .value import sample_customers

#: Yes/no attributes of a customer table read as covariates (the SIMULATED export writes 是/否), with what they may
#: change: ``forum_member`` (小米社区) the purchase rate and the dropout, ``miui_user`` the purchase rate.
YES_NO_ATTRIBUTES: dict[str, tuple[str, ...]] = {"forum_member": ("purchase", "dropout"), "miui_user": ("purchase",)}
YES_NO: dict[object, float] = {"是": 1.0, "否": 0.0, "yes": 1.0, "no": 0.0, "Yes": 1.0, "No": 0.0, True: 1.0,  # 1, 0 too
                               False: 0.0}
#: Channel names (Chinese, as exported) → the codes used as covariate names; the most common channel is the reference.
CHANNEL_CODES: dict[str, str] = {**{zh: code for code, (zh, _) in CHANNELS.items()}, **{c: c for c in CHANNELS}}
#: How a covariate is called in a sentence (English catalog entries).
COVARIATE_NAMES: dict[str, str] = {
    "forum_member": "forum members", "miui_user": "MIUI users", "carrier": "carrier-contract customers",
    "offline_store": "offline-store customers", "online_mall": "online-mall customers",
    "community_member": "community members", "meetup": "meet-up attendees"}
add_values({"forum_member": "论坛会员 (forum_member)", "miui_user": "MIUI 用户 (miui_user)",  # table cells in Chinese
            "community_member": "社区会员 (community_member)", "meetup": "参加同城会 (meetup)"})


def _refuse(values: pd.Series, bad: np.ndarray, column: str, what: str) -> None:
    if bad.any():
        i = int(np.argmax(bad))
        raise DataError(f"{int(bad.sum())} customer(s) with {what}, e.g. {values.iloc[i]!r}", file="customers",
                        column=column, row=values.index[i], hint="fix the customer table (notebook 01); nothing is "
                        "guessed for a customer whose attribute is missing or unknown")


def customer_covariates(customers: pd.DataFrame) -> pd.DataFrame:
    """The covariates a customer table holds: ``customer_id`` and, for each attribute present,
    ``forum_member`` / ``miui_user`` as 0/1 (是/否, yes/no) and ``channel`` as 0/1 dummies named by channel code
    (``carrier``, ``offline_store`` …; the most common channel is the reference level and gets none).

    ``attrs``: ``purchase`` and ``dropout`` (the columns for each option of :class:`helpers.clv.BetaGeo`),
    ``reference`` (the channel left out), ``attributes`` (the customer-table columns read). A table without such
    attributes (CDNOW: customer ids only) gives ``customer_id`` alone and empty lists. A missing or unknown value is
    refused with a :class:`DataError` naming the column and row.
    """
    out = pd.DataFrame({"customer_id": customers["customer_id"]})
    purchase, dropout, read = [], [], []
    for column, roles in YES_NO_ATTRIBUTES.items():
        if column in customers.columns:
            values = customers[column]
            mapped = values.map(lambda v: YES_NO.get(v.strip() if isinstance(v, str) else v, np.nan))
            _refuse(values, mapped.isna().to_numpy(), column, "a value that is not yes/no (是/否)")
            out[column] = mapped.astype(float).to_numpy()
            purchase += [column] if "purchase" in roles else []
            dropout += [column] if "dropout" in roles else []
            read.append(column)
    reference = None
    if "channel" in customers.columns:
        values = customers["channel"]
        _refuse(values, values.isna().to_numpy(), "channel", "no channel")
        codes = values.map(lambda v: CHANNEL_CODES.get(str(v).strip(), str(v).strip()))
        counts = codes.value_counts(sort=True)
        reference = str(sorted(counts.index, key=lambda c: (-counts[c], c))[0])
        for code in sorted(set(codes) - {reference}):
            out[code] = (codes == code).astype(float).to_numpy()
            purchase.append(code)
        read.append("channel")
    out.attrs = {"purchase": purchase, "dropout": dropout, "reference": reference, "attributes": read}
    return out


def covariate_fit_data(summary: pd.DataFrame, covariates: pd.DataFrame, *, max_customers: int = 10_000,
                       simulated_customers: int = 5_000, T: float = 52.0,
                       seed: int = 0) -> tuple[pd.DataFrame, list[str], list[str], dict[str, float] | None]:
    """What notebook 03 fits BG/NBD with covariates on: ``(data, purchase_cols, dropout_cols, truth)``.

    With customer attributes (``covariates.attrs["purchase"]`` from :func:`customer_covariates` not empty): a
    seeded sample of at most ``max_customers`` customers of ``summary`` (:func:`helpers.clv.sample_customers`,
    for speed) joined with their covariates (:func:`helpers.clv.with_covariates`); ``truth`` is ``None``.
    Without (CDNOW: ids only): ``simulated_customers`` SIMULATED customers with known effects
    (:func:`helpers.clv.simulate_with_covariates`, age ``T`` periods) and their true parameters as ``truth``, so the
    notebook shows what the fit recovers instead.
    """
    purchase, dropout = list(covariates.attrs["purchase"]), list(covariates.attrs["dropout"])
    if purchase:
        return with_covariates(sample_customers(summary, max_customers, seed=seed), covariates), purchase, dropout, None
    data = simulate_with_covariates("bg_nbd", simulated_customers, T=T, seed=seed)
    truth = data.attrs["true_params"]
    purchase, dropout = covariate_columns(truth)
    return data, purchase, dropout, truth


def covariate_effects(model: BetaGeo | ParetoNBD, truth: dict[str, float] | None = None,
                      alpha: float = 0.05) -> pd.DataFrame:
    """The effects of a BG/NBD or Pareto/NBD fitted with covariates (note 019), as factors with Wald intervals:

    - ``purchase rate`` of a purchase covariate: the mean purchase rate ``r/αᵢ`` while active is multiplied by
      ``exp(γ₁)`` per unit (``αᵢ = α₀ exp(−γ₁ᵀx)``);
    - BG/NBD, ``dropout odds`` of a dropout covariate: the mean dropout probability after a purchase, ``aᵢ/(aᵢ+bᵢ)``,
      has odds ``aᵢ/bᵢ`` multiplied by ``exp(γ₂ − γ₃)`` (``aᵢ = a₀ exp(γ₂ᵀx)``, ``bᵢ = b₀ exp(γ₃ᵀx)``); the standard
      error of ``γ₂ − γ₃`` uses the covariance of the two estimates;
    - Pareto/NBD, ``dropout rate``: the mean dropout rate ``s/βᵢ`` is multiplied by ``exp(γ₂)`` (``βᵢ = β₀ exp(−γ₂ᵀx)``).

    Columns: ``covariate``, ``effect on``, ``factor``, ``lower 95%``, ``upper 95%``, ``differs from no effect``
    (the interval excludes 1), and with ``truth`` (the simulation's coefficients) ``true factor`` and ``covered``.
    ``attrs``: the log-scale estimates and standard errors, the BG/NBD's mean dropout probabilities at 0 and 1 of each
    dropout covariate (the others at 0), and ``customers``. A model fitted without covariates is refused.
    """
    if not getattr(model, "has_covariates", False):
        raise ValueError(f"{type(model).__name__} was fitted without covariates: there are no effects to read (give "
                         "purchase_covariate_cols / dropout_covariate_cols)")
    p, cov = model.params_, model.covariance_
    z = stats.norm.ppf(1 - alpha / 2)
    rows, dropout_p = [], {}

    def add(column: str, effect: str, weights: dict[str, float]) -> None:
        """One effect: the linear combination ``Σ w·γ`` of coefficients, its standard error from the covariance."""
        names = list(weights)
        w = np.array([weights[n] for n in names])
        se = float(np.sqrt(w @ cov.loc[names, names].to_numpy() @ w))
        rows.append((column, effect, float(w @ p[names].to_numpy()), se,
                     None if truth is None else float(sum(weights[n] * truth[n] for n in names))))

    for column in model.purchase_covariate_cols:
        add(column, "purchase rate", {f"gamma1[{column}]": 1.0})
    for column in model.dropout_covariate_cols:
        g2, g3 = f"gamma2[{column}]", f"gamma3[{column}]"
        if g3 in p.index:  # BG/NBD: a and b both move
            add(column, "dropout odds", {g2: 1.0, g3: -1.0})
            a0, b0 = p["a0"], p["b0"]
            a1, b1 = a0 * np.exp(p[g2]), b0 * np.exp(p[g3])
            dropout_p[column] = (float(a0 / (a0 + b0)), float(a1 / (a1 + b1)))
        else:  # Pareto/NBD: β
            add(column, "dropout rate", {g2: 1.0})
    table = pd.DataFrame(rows, columns=["covariate", "effect on", "log factor", "std_err", "true log factor"])
    lower, upper = table["log factor"] - z * table["std_err"], table["log factor"] + z * table["std_err"]
    out = pd.DataFrame({"covariate": table["covariate"], "effect on": table["effect on"],
                        "factor": np.exp(table["log factor"]), f"lower {1 - alpha:.0%}": np.exp(lower),
                        f"upper {1 - alpha:.0%}": np.exp(upper), "differs from no effect": (lower > 0) | (upper < 0)})
    if truth is not None:
        true = table["true log factor"].astype(float)
        out["true factor"] = np.exp(true)
        out["covered"] = (lower <= true) & (true <= upper)
    out.attrs = {"log": table, "dropout_probability": dropout_p, "customers": int(model.n_customers_)}
    return out


def covariate_claim(effects: pd.DataFrame, label: str, covariates: pd.DataFrame) -> tuple[str, dict]:
    """One sentence per effect of :func:`covariate_effects`, its words ("distinguishable from no effect" or not)
    chosen from its 95% interval; introduced by where the covariates came from: the customer table of ``label``
    (``covariates`` from :func:`customer_covariates`: the attributes read, the reference channel) or — when that
    table has no attributes and ``effects`` carry a ``covered`` column — SIMULATED customers with known effects,
    with how many true effects the intervals cover."""
    lo, hi = [c for c in effects.columns if c.startswith("lower")][0], [c for c in effects.columns
                                                                         if c.startswith("upper")][0]
    numbers: dict = {"customers": effects.attrs.get("customers"), "effects": len(effects),
                     "distinguishable": int(effects["differs from no effect"].sum())}
    attributes, reference = covariates.attrs.get("attributes", []), covariates.attrs.get("reference")
    if not attributes:
        if "covered" not in effects.columns:
            raise ValueError("the customer table has no attributes: pass the effects of a simulation with known effects "
                             "(covariate_effects(model, truth=...))")
        numbers.update(covered=int(effects["covered"].sum()))
        intro = tr("*{label}* has no customer attributes (its customer table holds customer ids only), so covariate "
                   "effects cannot be estimated on it. Instead, {customers:,} SIMULATED customers with known effects "
                   "(Fader & Hardie's note 019) show what the fit recovers: **{covered} of {effects}** true effects lie "
                   "inside their 95% intervals.", label=label, **numbers)
    else:
        intro = tr("BG/NBD with covariates from the customer table of *{label}* ({attributes}) on {customers:,} "
                   "customers: **{distinguishable} of {effects}** effects are distinguishable from no effect.",
                   label=label, attributes=("、" if get_language() == "zh" else ", ").join(tr_given(a) for a in attributes),
                   **numbers)
        if reference:
            intro += " " + tr("Channels are compared with the most common one, {reference}.",
                              reference=tr_given(COVARIATE_NAMES.get(reference, reference)))
    parts = []
    dropout_p = effects.attrs.get("dropout_probability", {})
    for _, values in effects.iterrows():
        verdict = tr("distinguishable from no effect" if values["differs from no effect"]
                     else "not distinguishable from no effect")
        who = tr_given(COVARIATE_NAMES.get(values["covariate"], values["covariate"]))
        who = who[:1].upper() + who[1:]  # a sentence starts with a capital (Chinese is unchanged)
        fields = {"who": who, "factor": values["factor"], "lo": values[lo], "hi": values[hi], "verdict": verdict}
        if values["effect on"] == "purchase rate":
            parts.append(tr("{who} buy {factor:.2f} times as often while active (95% interval {lo:.2f}–{hi:.2f}): "
                            "{verdict}.", **fields))
        elif values["effect on"] == "dropout rate":
            parts.append(tr("{who} drop out {factor:.2f} times as fast (95% interval {lo:.2f}–{hi:.2f}): {verdict}.",
                            **fields))
        else:
            p0, p1 = dropout_p[values["covariate"]]
            parts.append(tr("{who} drop out after a purchase with mean probability {p1:.2f}, against {p0:.2f} without "
                            "(odds × {factor:.2f}, 95% interval {lo:.2f}–{hi:.2f}): {verdict}.", p0=p0, p1=p1, **fields))
    numbers["sentences"] = parts
    return intro + " " + " ".join(parts), numbers
