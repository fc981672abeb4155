"""Customer lifetime value: discounting, the CLV sum, one-call scoring, and the hand-over file.

:func:`customer_lifetime_value` turns a transaction model (expected purchases) and a spend model
(expected spend per purchase) into the discounted value of each customer over a horizon, with
explicit time units (:data:`~helpers.clv.units.STEP_DAYS`) and a per-step discount rate
(:func:`per_step_discount`). :func:`score_customers` fits the models and scores every customer in
one call; :func:`write_scores` hands the scores to the later notebooks through
:func:`helpers.store.save_clv`.

Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). RFM and CLV: using iso-value curves for
customer base analysis. *Journal of Marketing Research* 42(4), 415–430.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..engines import chunk_rows
from ..largelog import progress
from ..schema import SCORE_COLUMNS, SUMMARY_COLUMNS
from ..store import save_clv
from .models import MODELS, find_model
from .models.base import TransactionModel, aggregate_rows, rfm_arrays, summary_column
from .models.gamma_gamma import GammaGamma
from .units import DAYS_PER_YEAR, STEP_DAYS, TimeUnit, conversion, summary_unit


def per_step_discount(discount_rate: float, step_days: float, rate_period_days: float = DAYS_PER_YEAR) -> float:
    """Discount rate per step of ``step_days`` from a rate per ``rate_period_days`` (default annual).

    Compound conversion, ``d_step = (1 + d)^(step_days / rate_period_days) − 1``: 10% a year is
    0.1830% a week (7/365.25 of a year) and 0.7974% a month (1/12 of a year).
    """
    if discount_rate <= -1:
        raise ValueError("discount_rate must be > −1")
    return (1.0 + discount_rate) ** (step_days / rate_period_days) - 1.0


def period_days_of(model, override: float | None = None) -> float:
    """Days per model period: ``override``, else the period of the summary the model was fitted on."""
    days = override if override is not None else getattr(model, "period_days_", None)
    if days is None:
        raise ValueError("the model's time unit is unknown: the summary it was fitted on has no attrs['period_days'] "
                         "(make it with rfm_summary), so pass model_period_days (e.g. 7 for weeks)")
    return float(days)


def stated_unit(summary: pd.DataFrame, period_days: float | None) -> pd.DataFrame:
    """``summary`` itself, or — when it states no unit and ``period_days`` is given — a shallow copy whose
    ``attrs["period_days"]`` says so (``model_period_days`` states the periods of the models and of a summary
    without units)."""
    if period_days is None or summary_unit(summary) is not None:
        return summary
    out = summary.copy(deep=False)
    out.attrs = {**summary.attrs, "period_days": float(period_days)}
    return out


def histories_in_model_periods(model: TransactionModel, summary: pd.DataFrame,
                               override: float | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``summary``'s validated ``(x, t_x, T)`` in the model's periods. The model's unit is the one it was fitted
    in; ``override`` (days per model period) states it when unknown and must agree with it when known. A
    summary in another unit is converted when exact (the same ``time_unit``) and refused otherwise
    (:func:`helpers.clv.units.conversion`)."""
    unit = model.model_unit()
    if override is not None:
        given = TimeUnit(float(override))
        if unit is not None:
            conversion(unit, given, type(model).__name__)
        unit = unit or given
    x, t_x, T = rfm_arrays(summary)
    factor = conversion(unit, summary_unit(summary), type(model).__name__)
    return (x, t_x, T) if factor == 1.0 else (x, t_x * factor, T * factor)


def customer_lifetime_value(
    transaction_model: TransactionModel,
    spend_model: GammaGamma,
    summary: pd.DataFrame,
    horizon: int = 52,
    time_unit: str = "W",
    discount_rate: float = 0.10,
    discount_rate_period: str = "Y",
    model_period_days: float | None = None,
) -> pd.Series:
    """Expected discounted value of each customer's future purchases over ``horizon`` steps (CLV).

    .. math::
        \\mathrm{CLV}_i = \\sum_{k=1}^{H} \\frac{E[M_i]\\,\\big(E[Y_i(k\\Delta)] - E[Y_i((k-1)\\Delta)]\\big)}
                          {(1 + d)^{k}}

    where ``E[Y_i(t)]`` is the transaction model's expected purchases in the next ``t`` model
    periods given the customer's history, ``E[M_i]`` the Gamma-Gamma expected spend per
    purchase, ``Δ`` one step of ``time_unit`` in model periods, and ``d`` the discount rate
    per step. Purchases within a step are discounted at the end of the step (the
    lifetimes / Fader-Hardie-Lee convention).

    Time units are explicit (the classic lifetimes ``customer_lifetime_value`` assumed daily
    model periods and a monthly discount rate regardless of the data):

    - ``time_unit``: the step of the horizon and of discounting — "D", "W", "M" (365.25/12 days),
      "Q" or "Y" (365.25 days); ``horizon`` counts these steps (52 W = one year);
    - the model period is the summary's (``model.period_days_`` days, from ``rfm_summary``;
      pass ``model_period_days`` to override); ``Δ = step days / model period days``;
    - ``discount_rate`` is per ``discount_rate_period`` (default "Y", an annual rate; any key of
      :data:`STEP_DAYS`); the per-step rate is ``(1 + rate)^(step days / rate-period days) − 1``
      (:func:`per_step_discount`).

    The summary's unit is checked against the models' (the unit travels in ``attrs``): a summary in the
    same ``time_unit`` with another ``time_scaler`` is converted exactly, one in another ``time_unit`` (or
    without a stated unit, when the models have one) is refused with a :class:`~helpers.errors.DataError`
    naming both units — never the silent factor of 7 a daily summary fed to a weekly model gives.

    Returns the CLV in the currency of ``monetary_value``, indexed like ``summary``.
    """
    unit = str(time_unit).upper()
    rate_unit = str(discount_rate_period).upper()
    if unit not in STEP_DAYS or rate_unit not in STEP_DAYS:
        raise ValueError(f"time_unit and discount_rate_period must be one of {list(STEP_DAYS)}")
    if int(horizon) != horizon or horizon < 1:
        raise ValueError(f"horizon must be a whole number of {unit} steps ≥ 1, not {horizon!r}")
    period_days = period_days_of(transaction_model, model_period_days)
    summary = stated_unit(summary, model_period_days)
    step = STEP_DAYS[unit] / period_days
    d = per_step_discount(discount_rate, STEP_DAYS[unit], STEP_DAYS[rate_unit])
    x, t_x, T = histories_in_model_periods(transaction_model, summary, model_period_days)
    spend = spend_model.expected_spend(summary).to_numpy()
    data, _, codes = aggregate_rows({"x": x, "t_x": t_x, "T": T})  # distinct histories only
    value = np.zeros(len(data["x"]))
    previous = np.zeros(len(data["x"]))
    steps = transaction_model.conditional_expected_purchases_at((k * step for k in range(1, int(horizon) + 1)),
                                                                data["x"], data["t_x"], data["T"])
    for k, current in progress(enumerate(steps, start=1), len(data["x"]), "CLV: discounted purchases per step",
                               total=int(horizon)):
        value += (current - previous) / (1.0 + d) ** k
        previous = current
    return pd.Series(spend * value[codes], index=summary.index, name="clv")


#: Bytes per customer the scoring's temporaries take (model predictions, CLV steps): chunks of customers are
#: sized from it and the memory budget (:func:`helpers.engines.chunk_rows`), ~1M customers at the default budget.
SCORE_ROW_BYTES = 320


def score_customers(
    summary: pd.DataFrame,
    horizon: int = 52,
    time_unit: str = "W",
    discount_rate: float = 0.10,
    model: str = "bgnbd",
    *,
    model_period_days: float | None = None,
    max_fit_customers: int | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """One call: fit a transaction model and Gamma-Gamma on ``summary`` and score every customer.

    With ``max_fit_customers``, the models are fitted on a seeded random sample of that many
    customers (:func:`sample_customers`) when there are more, and every customer is scored, in chunks of
    customers sized from the memory budget (:data:`SCORE_ROW_BYTES`, :func:`helpers.engines.chunk_rows`).

    Parameters
    ----------
    summary
        :func:`rfm_summary` output with ``monetary_value`` (``customer_id, frequency, recency,
        T, monetary_value``).
    horizon, time_unit
        Horizon in steps of ``time_unit`` ("D", "W", "M", "Q", "Y"); default 52 weeks.
    discount_rate
        Annual discount rate (0.10 = 10% a year), converted per step by :func:`per_step_discount`.
    model
        ``"bgnbd"`` (:class:`BetaGeo`), ``"pareto"`` (:class:`ParetoNBD`) or ``"mbgnbd"`` (:class:`ModifiedBetaGeo`):
        a transaction model of the registry :data:`helpers.clv.models.MODELS` fitted on an RFM summary, by key,
        display name or alias.
    model_period_days
        Days per model period, when ``summary`` does not state its unit in ``attrs`` (as ``rfm_summary``
        writes it); it then states the unit of the summary and of the models.

    Returns
    -------
    DataFrame
        Indexed like ``summary``: ``customer_id``, ``p_alive`` (probability the customer is
        still active), ``expected_purchases`` (over the horizon), ``expected_spend`` (Gamma-Gamma
        expected spend per purchase; the population mean for one-time buyers), ``clv``
        (discounted, :func:`customer_lifetime_value`). ``attrs`` hold the fitted parameters
        and log-likelihoods.

    Raises
    ------
    ConvergenceError
        If a model does not converge on this summary.
    """
    summary, transaction_model, spend_model, fit_on, spend_on = fit_for_scoring(
        summary, model, model_period_days=model_period_days, max_fit_customers=max_fit_customers, seed=seed)
    out = score_with_models(transaction_model, spend_model, summary, horizon=horizon, time_unit=time_unit,
                            discount_rate=discount_rate, model_period_days=model_period_days)
    out.attrs = fit_attrs(transaction_model, spend_model, fit_on, spend_on, horizon, time_unit, discount_rate)
    return out


def fit_for_scoring(summary: pd.DataFrame, model: str = "bgnbd", *, model_period_days: float | None = None,
                    max_fit_customers: int | None = None, seed: int = 0):
    """The fit of :func:`score_customers` (on the driver, for the Spark engine too): ``model`` checked against
    the registry's transaction models on an RFM summary, the summary's unit stated, and :func:`fit_models` on
    the seeded sample. Returns ``(summary, transaction_model, spend_model, fit_on, spend_on)``."""
    spec = find_model(model, kind="transaction")
    if spec is None or spec.data != "rfm":
        choices = [s.aliases[0] if s.aliases else s.key for s in MODELS.values()
                   if s.kind == "transaction" and s.data == "rfm"]
        raise ValueError(f"model must be {' or '.join(map(repr, choices))}, not {model!r}")
    summary = stated_unit(summary, model_period_days)
    return (summary, *fit_models(summary, spec.key, model_period_days=model_period_days,
                                 max_fit_customers=max_fit_customers, seed=seed))


def score_with_models(transaction_model: TransactionModel, spend_model: GammaGamma, summary: pd.DataFrame, *,
                      horizon: int = 52, time_unit: str = "W", discount_rate: float = 0.10,
                      model_period_days: float | None = None) -> pd.DataFrame:
    """The scores of :func:`score_customers` from fitted models, customer by customer: ``customer_id``,
    ``p_alive``, ``expected_purchases`` over ``horizon`` steps of ``time_unit``, ``expected_spend`` and
    ``clv`` (:func:`customer_lifetime_value`), indexed like ``summary``.

    Each row depends only on its own customer's history and the models, so any split of the customers gives
    the same scores: the Spark engine runs this function on each batch of customers
    (:func:`helpers.clv.spark.score_customers_spark`, ``mapInPandas``).
    """
    unit = str(time_unit).upper()
    if unit not in STEP_DAYS:
        raise ValueError(f"time_unit must be one of {list(STEP_DAYS)}")
    horizon_periods = horizon * STEP_DAYS[unit] / period_days_of(transaction_model, model_period_days)
    out = pd.DataFrame(index=summary.index)
    out["customer_id"] = summary["customer_id"] if "customer_id" in summary.columns else summary.index
    columns: dict[str, list[np.ndarray]] = {"p_alive": [], "expected_purchases": [], "expected_spend": [], "clv": []}
    rows = chunk_rows(SCORE_ROW_BYTES)  # the scores' temporaries stay within the memory budget
    for start in progress(range(0, len(summary), rows), len(summary), "scoring customers (chunks)"):
        part = summary.iloc[start:start + rows]
        x, t_x, T = histories_in_model_periods(transaction_model, part, model_period_days)
        columns["p_alive"].append(np.asarray(transaction_model.probability_alive(part), dtype=float))
        columns["expected_purchases"].append(np.asarray(
            transaction_model.conditional_expected_purchases(horizon_periods, x, t_x, T), dtype=float))
        columns["expected_spend"].append(np.asarray(spend_model.expected_spend(part), dtype=float))
        columns["clv"].append(customer_lifetime_value(transaction_model, spend_model, part, horizon=horizon,
                                                      time_unit=unit, discount_rate=discount_rate,
                                                      model_period_days=model_period_days).to_numpy(dtype=float))
    for name, parts in columns.items():
        out[name] = np.concatenate(parts) if parts else np.zeros(0)
    return out


def fit_attrs(transaction_model: TransactionModel, spend_model: GammaGamma, fit_on: pd.DataFrame,
              spend_on: pd.DataFrame, horizon: int, time_unit: str, discount_rate: float) -> dict[str, Any]:
    """What :func:`score_customers` records in its ``attrs``: the fitted parameters and log-likelihoods, the
    horizon and discount rate, the customers fitted on and those left out of the spend fit."""
    return {"transaction_model": type(transaction_model).__name__,
            "transaction_params": transaction_model.params_.to_dict(),
            "transaction_log_likelihood": transaction_model.log_likelihood_,
            "spend_params": spend_model.params_.to_dict(),
            "spend_log_likelihood": spend_model.log_likelihood_,
            "spend_boundary": bool(spend_model.boundary_),
            "population_mean_spend": spend_model.population_mean_spend(),
            "horizon": f"{horizon} {str(time_unit).upper()}", "discount_rate_annual": discount_rate,
            "fitted_on": len(fit_on), "spend_excluded": spend_on.attrs["spend_excluded"]}


def fit_models(summary: pd.DataFrame, model: str = "bgnbd", *, model_period_days: float | None = None,
               max_fit_customers: int | None = None, seed: int = 0):
    """The two fits behind :func:`score_customers`: the transaction model ``model`` (a registry key, name or alias)
    on a seeded sample of at most ``max_fit_customers`` customers (:func:`sample_customers`) and Gamma-Gamma on
    the same customers less those it cannot be fitted on (:func:`spend_sample`).

    Returns ``(transaction_model, spend_model, fit_on, spend_on)``. Whoever needs the models a score was made
    with (e.g. :func:`helpers.clv.top_customer_intervals`) fits them here, so they are the scores' own.
    """
    spec = find_model(model, kind="transaction")
    if spec is None:
        raise ValueError(f"no transaction model {model!r} in the registry")
    summary_column(summary, "monetary_value")
    fit_on = sample_customers(summary, max_fit_customers, seed=seed)
    transaction_model = spec.model(period_days=model_period_days).fit(fit_on)
    spend_on = spend_sample(fit_on)
    return transaction_model, GammaGamma(period_days=model_period_days).fit(spend_on), fit_on, spend_on


def spend_sample(summary: pd.DataFrame) -> pd.DataFrame:
    """The customers a spend model is fitted on: ``summary`` without the repeat buyers whose mean repeat spend
    is 0 or less (repeat purchases that were free, e.g. CDNOW's zero-amount lines): Gamma-Gamma's spend
    distribution has no mass there (Fader & Hardie 2013), so it refuses them.

    They are left out of the *fit* only, never out of the scores: their expected spend is the model's
    conditional expectation given their history. Their ids are in ``attrs["spend_excluded"]`` (a list, empty
    when none), which :func:`score_customers` keeps in its own ``attrs`` and notebook 03 reports.
    """
    x = summary_column(summary, "frequency")
    m = summary_column(summary, "monetary_value")
    out_mask = (x > 0) & (m <= 0)
    ids = summary["customer_id"] if "customer_id" in summary.columns else summary.index.to_series()
    kept = summary.loc[~out_mask]
    kept.attrs = {**summary.attrs, "spend_excluded": [str(i) for i in ids[out_mask]]}
    return kept


def sample_customers(summary: pd.DataFrame, n: int | None, seed: int = 0) -> pd.DataFrame:
    """``summary`` itself when it has at most ``n`` rows (or ``n`` is None), else a seeded random
    sample of ``n`` customers in their original order, for fitting models on millions of customers.

    Maximum-likelihood estimates from a random sample are consistent; their standard errors
    (reported) grow as ``1/sqrt(n)``. Predictions are then made for every customer.
    """
    if n is None or len(summary) <= int(n):
        return summary
    rng = np.random.default_rng(seed)
    keep = np.sort(rng.choice(len(summary), size=int(n), replace=False))
    out = summary.iloc[keep]
    out.attrs = {**summary.attrs, "sampled_from": len(summary)}
    return out


def sidecar_attrs(summary: pd.DataFrame) -> dict[str, Any]:
    """What ``clv_metadata.json`` keeps of a summary's ``attrs``: its scalars (unit, observation end, time zone,
    refund-only customers …), not lists or frames. Shared by :func:`write_scores` and
    :func:`helpers.clv.score_population`."""
    return {k: v for k, v in summary.attrs.items() if isinstance(v, (str, int, float)) or v is None}


def write_scores(dataset: str, summary: pd.DataFrame, scores: pd.DataFrame, **notes: Any) -> Path:
    """Write ``data/processed/<dataset>/clv.parquet``: ``customer_id, frequency, recency, T,
    monetary_value, p_alive, expected_purchases, expected_spend, clv`` for later notebooks, and
    ``clv_metadata.json`` beside it: the summary's units and end, the models' parameters, horizon
    and discount rate (``scores.attrs``), plus any ``notes`` (e.g. ``currency="CNY"``).

    The files are written by :func:`helpers.store.save_clv`, which adds the dataset's label, the
    fingerprint of the clean transactions the scores rest on, and refuses repeated customer ids.
    """
    table = summary[SUMMARY_COLUMNS].join(
        scores[SCORE_COLUMNS], how="inner")
    meta = {**sidecar_attrs(summary), **scores.attrs, **notes}
    return save_clv(dataset, table, meta)
