"""The holdout checks of Fader, Hardie & Lee (2005) for BG/NBD and Pareto/NBD on the CDNOW sample, computed.

FHL (2005, §4) judge the two models on the 2,357-customer CDNOW sample (calibration 1997-01-01 … 1997-09-30,
holdout the next 39 weeks) by the calibration-period histogram of repeat purchases (their Figure 2), the
cumulative repeat transactions tracked to week 78 (Figure 3) and the conditional expectations in the holdout by
calibration frequency (Figure 4). :func:`fhl_holdout_check` computes, per model:

- the **χ² of the repeat-purchase histogram**, ``Σ (O − E)² / E`` over the classes 0, 1, …, 6, 7+ of Figure 2
  (``E`` = ``Σ_i P(X(T_i) = k)``, :func:`helpers.clv.period_transactions`), with ``8 − 1 − 4 = 3`` degrees of
  freedom and its p-value;
- the **per-customer correlation** (Pearson) of ``E[Y(39) | x, t_x, T]`` with the actual holdout purchases;
- the **zero class**: customers with no purchase in the holdout, predicted (``Σ_i P(Y(39) = 0 | x_i, t_x_i, T_i)``,
  :func:`conditional_zero_probability`) and actual;
- the **week-78 tracking error**: cumulative repeat transactions of the cohort at the end of week 78
  (1998-06-30), predicted (:func:`helpers.clv.tracking`) and actual, and their relative difference.

Published values: the paper shows these checks as figures; their printed values were not available to verify
here (the paper's text cannot be fetched on this machine), so none is entered: every row is marked
``"computed, no published value"`` (:data:`helpers.clv.literature.FHL_HOLDOUT_SOURCE`) rather than set beside a
number from memory. The parameter estimates and ``E[X(39) | …] = 1.226`` of the same paper are checked to the printed
digits in :func:`helpers.clv.literature_check`.

Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your customers" the easy way: an alternative to the
Pareto/NBD model. *Marketing Science* 24(2), 275–284.
Fader, P. S. & Hardie, B. G. S. (2005). A note on deriving the Pareto/NBD model and related expressions.
http://brucehardie.com/notes/009/
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special, stats

from ..acquire import load_cdnow
from ..clean import clean_transactions
from .diagnostics import period_transactions, tracking
from .literature import CDNOW_CALIBRATION_END, FHL_HOLDOUT_END, FHL_HOLDOUT_SOURCE
from .models import MODELS
from .models.base import TransactionModel
from .models.beta_geo import BetaGeo
from .models.pareto_nbd import ParetoNBD
from .summary import rfm_train_test_split


def conditional_zero_probability(model: TransactionModel, summary: pd.DataFrame, t: float,
                                 nodes: int = 48) -> pd.Series:
    """P(Y(t) = 0 | x, t_x, T): the probability of no purchase in the next ``t`` model periods, per customer.

    A customer makes none if they are no longer alive at ``T`` or, alive, make none in ``(T, T + t]``:
    ``P = 1 − P(alive) + P(alive) · P(no purchase | alive)``. Given alive, the purchase rate's posterior is
    ``λ ~ Gamma(r + x, α + T)`` in both models.

    - BG/NBD (dropout only right after a purchase): ``P(no purchase | alive) = ((α + T) / (α + T + t))^{r+x}``
      (Fader & Hardie's note 029 at ``x* = 0``);
    - Pareto/NBD (given alive, also ``μ ~ Gamma(s, β + T)``, lifetime left ``Exp(μ)``): a purchase-free window is
      ``E[μ/(λ+μ) + λ/(λ+μ) · e^{−(λ+μ)t}]`` over the two posteriors, integrated with generalised Gauss–Laguerre
      quadrature (``nodes`` points per rate).

    Other models are refused (``TypeError``): the formula depends on how a model lets customers drop out.
    """
    if not isinstance(model, (BetaGeo, ParetoNBD)):
        raise TypeError(f"conditional_zero_probability has the formulas of BG/NBD and Pareto/NBD only, not "
                        f"{type(model).__name__}")
    x, t_x, T = model.histories(summary)
    alive = model.probability_alive(summary).to_numpy()
    if isinstance(model, BetaGeo):
        r, alpha, _, _ = model.fitted_params()
        quiet = np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + t)))
    else:
        r, alpha, s, beta = model.fitted_params()
        quiet = _pareto_quiet(x, T, float(t), r, alpha, s, beta, nodes)
    return pd.Series(1.0 - alive + alive * quiet, index=summary.index, name="p_no_purchase")


def _pareto_quiet(x: np.ndarray, T: np.ndarray, t: float, r: float, alpha: float, s: float, beta: float,
                  nodes: int) -> np.ndarray:
    """``E[μ/(λ+μ) + λ/(λ+μ) e^{−(λ+μ)t}]`` for ``λ ~ Gamma(r + x, α + T)``, ``μ ~ Gamma(s, β + T)``, per distinct
    ``(x, T)``, by generalised Gauss–Laguerre quadrature in ``u = λ (α + T)`` and ``v = μ (β + T)``."""
    pairs, inverse = np.unique(np.column_stack([x, T]), axis=0, return_inverse=True)
    out = np.empty(len(pairs))
    v_nodes, v_weights = special.roots_genlaguerre(nodes, s - 1.0)
    v_weights = v_weights / special.gamma(s)
    for i, (xi, Ti) in enumerate(pairs):
        shape = r + xi
        u_nodes, u_weights = special.roots_genlaguerre(nodes, shape - 1.0)
        u_weights = np.exp(np.log(u_weights) - special.gammaln(shape))
        lam = u_nodes[:, None] / (alpha + Ti)
        mu = v_nodes[None, :] / (beta + Ti)
        total = lam + mu
        inner = mu / total + lam / total * np.exp(-total * t)
        out[i] = u_weights @ inner @ v_weights
    return out[inverse.ravel()]


def histogram_chi_square(model: TransactionModel, summary: pd.DataFrame, max_frequency: int = 7) -> dict:
    """χ² of the calibration histogram of repeat purchases (classes 0 … ``max_frequency − 1`` and
    ``max_frequency``+, FHL 2005 Figure 2): ``Σ (O − E)² / E``, degrees of freedom ``classes − 1 − parameters``,
    and the p-value."""
    table = period_transactions(model, summary, max_frequency)
    observed, expected = table["actual"].to_numpy(), table["model"].to_numpy()
    chi2 = float(((observed - expected) ** 2 / expected).sum())
    df = len(table) - 1 - len(model.param_names)
    return {"chi2": chi2, "df": df, "p_value": float(stats.chi2.sf(chi2, df)), "table": table}


def fhl_holdout_check(transactions: pd.DataFrame | None = None) -> pd.DataFrame:
    """The holdout checks of FHL (2005) for BG/NBD and Pareto/NBD on the CDNOW sample (prepared as in
    :func:`helpers.clv.cdnow_fhl_summary`: days merged, weeks = days / 7), computed (see the module docstring).

    Returns ``model, quantity, published, computed, source``; ``published`` is empty (NaN) and ``source`` says
    ``"computed, no published value"`` for every row (:data:`~helpers.clv.literature.FHL_HOLDOUT_SOURCE`).
    ``transactions`` defaults to the bundled CDNOW sample, cleaned (:func:`helpers.clean.clean_transactions`).
    """
    tx = clean_transactions(load_cdnow("sample").transactions).clean if transactions is None else transactions
    split = rfm_train_test_split(tx, train_period_end=CDNOW_CALIBRATION_END, test_period_end=FHL_HOLDOUT_END,
                                 time_unit="D", time_scaler=7)
    t_star = float(split["test_T"].iloc[0])
    actual = split["test_frequency"].to_numpy(dtype=float)
    rows = []
    for key in ("bg_nbd", "pareto_nbd"):
        model = MODELS[key].model().fit(split)
        name = MODELS[key].name
        x, t_x, T = model.histories(split)
        predicted = model.conditional_expected_purchases(t_star, x, t_x, T)
        chi = histogram_chi_square(model, split)
        track = tracking(model, tx, calibration_end=CDNOW_CALIBRATION_END, end=FHL_HOLDOUT_END, time_unit="D")
        last = track.iloc[-1]
        zero = float(conditional_zero_probability(model, split, t_star).sum())
        rows += [
            (name, "repeat-purchase histogram χ² (calibration; classes 0–6, 7+)", chi["chi2"]),
            (name, f"histogram χ² p-value ({chi['df']} degrees of freedom)", chi["p_value"]),
            (name, f"correlation: predicted vs actual holdout purchases per customer ({t_star:g} weeks)",
             float(np.corrcoef(predicted, actual)[0, 1])),
            (name, "zero class: customers without a holdout purchase, predicted", zero),
            (name, "zero class: predicted − actual (customers)", zero - float((actual == 0).sum())),
            (name, f"week {len(track)} cumulative repeat transactions, predicted", float(last["model_cumulative"])),
            (name, f"week {len(track)} tracking error: (predicted − actual) / actual",
             float(last["model_cumulative"] / last["actual_cumulative"] - 1.0)),
        ]
    rows += [("CDNOW sample", "zero class: customers without a holdout purchase, actual", float((actual == 0).sum())),
             ("CDNOW sample", f"week {len(track)} cumulative repeat transactions, actual",
              float(last["actual_cumulative"]))]
    out = pd.DataFrame(rows, columns=["model", "quantity", "computed"])
    out.insert(2, "published", np.nan)
    out["source"] = FHL_HOLDOUT_SOURCE
    out.attrs = {"customers": len(split), "holdout_weeks": t_star,
                 "week_78_ends": str(track["step_end"].iloc[-1].date())}
    return out
