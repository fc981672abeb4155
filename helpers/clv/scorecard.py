"""A holdout scorecard: how well each transaction model forecasts a customer's purchases, against naive forecasts.

:func:`holdout_split` cuts a log into a calibration summary and each customer's holdout purchases
(:func:`helpers.clv.rfm_train_test_split`) and counts what the "last period" baseline needs.
:func:`scorecard` fits every transaction model of the registry (:data:`helpers.clv.models.MODELS`, kind
``"transaction"`` on ``"rfm"`` data) on the calibration part and forecasts each customer's holdout purchases
``E[Y(t*) | x, t_x, T]`` (``t*`` the holdout length), beside two naive forecasts a practitioner makes without a
model (:data:`BASELINES`):

- **past rate** — the customer's own repeat-purchase rate so far times the holdout length, ``x / T · t*``
  (0 when ``T = 0``: no time observed yet);
- **last period** — the repeat purchases the customer made in the last ``t*`` of the calibration period, repeated
  (all their repeat purchases when they are younger than ``t*``).

It reports, per forecast, overall and by calibration frequency (:data:`FREQUENCY_GROUPS`): the mean absolute
error, root mean squared error, Pearson correlation and bias (mean of forecast − actual), all in purchases per
customer over the holdout; the decile calibration (mean forecast vs mean actual by decile of the forecast) and the
normalised Gini of the ranking (:func:`normalised_gini`). The models forecast the *mean* purchases; the mean
absolute error is smallest for the *median*, so where most customers make no purchase (one-time buyers) a naive
forecast of 0 can have the lower MAE while the model has the lower RMSE and bias — read the columns together. A model that cannot be fitted on the data is listed with
the reason (``Scorecard.skipped``), not silently dropped. :func:`scorecard_claim` states, computed, whether a model
beats a baseline. The figures are in :mod:`helpers.clv.evaluation_plots`.

The naive baselines follow the "simple heuristics" comparisons of Wübben & von Wangenheim (2008); the decile and
Gini checks are the usual lift / Lorenz-curve checks of a ranking (e.g. Kaggle's normalised Gini).

Wübben, M. & von Wangenheim, F. (2008). Instant customer base analysis: managerial heuristics often "get it
right". *Journal of Marketing* 72(3), 82–93.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..engines import chunk_rows
from ..errors import DataError
from ..i18n import tr
from .models import MODELS, find_model
from .models.base import ConvergenceError, TransactionModel, summary_column
from .summary import rfm_train_test_split
from .units import STEP_DAYS, as_timestamp, summary_unit
from .value import SCORE_ROW_BYTES

#: The naive forecasts, by the name tables and figures show, with what they are.
BASELINES: dict[str, str] = {
    "naive: past rate": "the customer's repeat purchases per period so far (x / T) times the holdout length",
    "naive: last period": "the customer's repeat purchases in the last holdout-length stretch of the calibration "
                          "period, repeated",
}
#: How a sentence names a baseline ("the {baseline} forecast").
BASELINE_WORDS: dict[str, str] = {"naive: past rate": "naive past-rate", "naive: last period": "naive last-period"}
#: Groups of calibration repeat purchases ``x``: (label, lowest, highest).
FREQUENCY_GROUPS: tuple[tuple[str, float, float], ...] = (
    ("0", 0, 0), ("1", 1, 1), ("2", 2, 2), ("3–4", 3, 4), ("5+", 5, np.inf))
ALL = "all"


@dataclass
class Scorecard:
    """What :func:`scorecard` returns.

    ``predictions``: one row per customer — ``customer_id``, ``frequency`` (calibration repeat purchases),
    ``group``, ``actual`` (holdout purchases) and one column per forecast. ``metrics``: ``forecast, group,
    customers, mae, rmse, correlation, bias`` (purchases per customer in the holdout). ``deciles``: ``forecast,
    decile, customers, predicted, actual``. ``gini``: ``forecast, gini, normalised_gini``. ``skipped``: model name →
    why it was not fitted. ``attrs``: calibration end, holdout end and length with its unit.
    """

    predictions: pd.DataFrame
    metrics: pd.DataFrame
    deciles: pd.DataFrame
    gini: pd.DataFrame
    skipped: dict[str, str] = field(default_factory=dict)
    attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def forecasts(self) -> list[str]:
        """The forecasts compared: the models that were fitted, then the baselines."""
        return [c for c in self.predictions.columns if c not in ("customer_id", "frequency", "group", "actual")]


def holdout_split(transactions: Any, calibration_end: Any, holdout_end: Any = None, *,
                  customer_id_col: str = "customer_id", datetime_col: str = "timestamp", time_unit: str = "D",
                  time_scaler: float = 7.0, tz: str | None = None) -> pd.DataFrame:
    """:func:`helpers.clv.rfm_train_test_split` (calibration to ``calibration_end``, holdout to ``holdout_end``;
    default units: days merged, weeks = days / 7, the Fader-Hardie-Lee preparation) plus ``last_frequency``: the
    customer's repeat purchase periods in the last ``test_T`` of the calibration period, i.e. after
    ``calibration_end − test_T``.

    Counted with a second split at that earlier date (``test_T × period_days`` days before ``calibration_end``, a
    whole number of days: any day or week unit, not months): for a customer whose first purchase is on or before it,
    the purchase periods after it (all repeats); for a younger customer, all their calibration repeat purchases.
    """
    split = rfm_train_test_split(transactions, customer_id_col, datetime_col, train_period_end=calibration_end,
                                 test_period_end=holdout_end, time_unit=time_unit, time_scaler=time_scaler, tz=tz)
    days = float(split["test_T"].iloc[0]) * float(split.attrs["period_days"])
    if not np.isclose(days, round(days)):
        raise DataError(f"the holdout is {days:g} days long, not a whole number of days: the last-period baseline "
                        "cannot be counted", file="transactions",
                        hint="use time_unit='D' or 'W' (months have no fixed length)")
    start = as_timestamp(calibration_end, "calibration_end", tz).normalize() - pd.Timedelta(days=round(days))
    try:  # customers whose first purchase is on or before ``start``, and their purchase periods after it
        earlier = rfm_train_test_split(transactions, customer_id_col, datetime_col, train_period_end=start,
                                       test_period_end=calibration_end, time_unit=time_unit, time_scaler=time_scaler,
                                       tz=tz).set_index("customer_id")["test_frequency"]
    except DataError as err:  # the log starts after ``start``: every customer is younger than the window
        if "no purchases on or before" not in str(err):
            raise
        earlier = pd.Series(dtype=float)
    ids = split["customer_id"].to_numpy()
    # a hash lookup: np.isin compares object (text) ids one value of ``earlier`` at a time, n × m comparisons
    older = pd.Index(ids).isin(earlier.index)
    last = split["frequency"].to_numpy(dtype=float).copy()
    last[older] = earlier.reindex(ids[older]).to_numpy(dtype=float)
    split["last_frequency"] = last
    split.attrs.update({"calibration_end": str(pd.Timestamp(calibration_end).date()),
                        "last_period_start": str(start.date())})
    return split


def scorecard(split: pd.DataFrame, models: Iterable[str] | Mapping[str, TransactionModel] | None = None,
              groups: tuple[tuple[str, float, float], ...] = FREQUENCY_GROUPS) -> Scorecard:
    """Holdout forecasts of every transaction model and of the naive baselines, and how good each is.

    ``split`` is :func:`holdout_split` output. ``models``: registry names to fit on its calibration columns
    (default: every ``"transaction"`` model on ``"rfm"`` data), or already fitted models by the name to show. A model
    that refuses the data (:class:`~helpers.errors.DataError`) or does not converge
    (:class:`~helpers.clv.ConvergenceError`) is left out and listed in ``skipped`` with the reason.
    """
    for column in ("frequency", "recency", "T", "test_frequency", "test_T", "last_frequency"):
        summary_column(split, column)
    if split["test_T"].nunique() != 1:
        raise DataError("test_T differs between customers: one holdout length is needed", file="split",
                        column="test_T", hint="build the split with clv.holdout_split")
    horizon = float(split["test_T"].iloc[0])
    fitted, skipped = _fitted_models(split, models)
    x = split["frequency"].to_numpy(dtype=float)
    T = split["T"].to_numpy(dtype=float)
    out = pd.DataFrame({"customer_id": split["customer_id"].to_numpy() if "customer_id" in split else split.index,
                        "frequency": x, "group": frequency_groups(x, groups),
                        "actual": split["test_frequency"].to_numpy(dtype=float)}, index=split.index)
    for name, model in fitted.items():
        out[name] = _holdout_forecast(model, split, horizon)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["naive: past rate"] = np.where(T > 0, x / T, 0.0) * horizon
    out["naive: last period"] = split["last_frequency"].to_numpy(dtype=float)
    card = Scorecard(out, pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), skipped)
    card.metrics = metrics_table(out, card.forecasts, [g[0] for g in groups])
    card.deciles = pd.concat([decile_table(out["actual"].to_numpy(), out[f].to_numpy()).assign(forecast=f)
                              for f in card.forecasts], ignore_index=True)[
        ["forecast", "decile", "customers", "predicted", "actual"]]
    ginis = [(f, *normalised_gini(out["actual"].to_numpy(), out[f].to_numpy())) for f in card.forecasts]
    card.gini = pd.DataFrame(ginis, columns=["forecast", "gini", "normalised_gini"])
    unit = summary_unit(split)
    if unit is None:
        raise DataError("the split states no time unit (attrs time_unit or period_days)", file="split",
                        hint="make it with clv.holdout_split or clv.rfm_train_test_split")
    unit_days = unit.period_days
    card.attrs = {"calibration_end": split.attrs.get("calibration_end", split.attrs.get("observation_period_end")),
                  "holdout_end": split.attrs.get("test_period_end"), "holdout_length": horizon,
                  "period_days": unit_days, "unit": "week" if unit_days == STEP_DAYS["W"] else
                  "day" if unit_days == 1.0 else f"{unit_days:g} days", "customers": len(out)}
    return card


def _holdout_forecast(model: TransactionModel, split: pd.DataFrame, horizon: float) -> np.ndarray:
    """Each customer's expected purchases in the holdout (``horizon`` periods of the split), in chunks of customers
    sized from the memory budget (:data:`~helpers.clv.value.SCORE_ROW_BYTES`): the formulas are row by row, so the
    chunks give the values of one pass, while a model's temporaries (Pareto/NBD's hypergeometric terms) stay the
    size of a chunk on a log of millions of customers. A model with covariates (parameters per row) is one pass."""
    xs, t_x, Ts = (np.asarray(v, dtype=float) for v in model.histories(split))
    t = horizon * model.unit_factor(split)
    rows = len(xs) if getattr(model, "has_covariates", False) else chunk_rows(SCORE_ROW_BYTES)
    if len(xs) <= rows:
        return np.asarray(model.conditional_expected_purchases(t, xs, t_x, Ts), dtype=float)
    return np.concatenate([np.asarray(model.conditional_expected_purchases(t, xs[i:i + rows], t_x[i:i + rows],
                                                                           Ts[i:i + rows]), dtype=float)
                           for i in range(0, len(xs), rows)])


def _fitted_models(split: pd.DataFrame, models: Any) -> tuple[dict[str, TransactionModel], dict[str, str]]:
    """Fitted models by name, and the registry models that could not be fitted, with the reason."""
    if isinstance(models, Mapping):
        return dict(models), {}
    if models is None:
        keys = [k for k, s in MODELS.items() if s.kind == "transaction" and s.data == "rfm"]
    else:
        keys = []
        for name in models:
            spec = find_model(name, kind="transaction")
            if spec is None or spec.data != "rfm":
                raise ValueError(f"{name!r} is not a transaction model of the registry fitted on an RFM summary")
            keys.append(spec.key)
    fitted, skipped = {}, {}
    for key in keys:
        spec = MODELS[key]
        try:
            fitted[spec.name] = spec.model().fit(split)
        except (DataError, ConvergenceError) as err:
            skipped[spec.name] = str(err).splitlines()[0]
    return fitted, skipped


def frequency_groups(x: np.ndarray, groups: tuple[tuple[str, float, float], ...] = FREQUENCY_GROUPS) -> np.ndarray:
    """The label of each calibration frequency's group (every frequency must fall in one)."""
    labels = np.full(len(x), "", dtype=object)
    for label, low, high in groups:
        labels[(x >= low) & (x <= high)] = label
    if (labels == "").any():
        raise ValueError(f"frequency {x[labels == ''][0]:g} is in no group of {groups}")
    return labels


def metrics_table(predictions: pd.DataFrame, forecasts: list[str], group_order: list[str]) -> pd.DataFrame:
    """MAE, RMSE, Pearson correlation and bias (mean forecast − actual) per forecast, overall (``"all"``) and per
    group; a correlation is NaN where a forecast or the actual does not vary in the group."""
    rows = []
    for forecast in forecasts:
        for group in [ALL, *group_order]:
            part = predictions if group == ALL else predictions.loc[predictions["group"] == group]
            if part.empty:
                continue
            pred, act = part[forecast].to_numpy(dtype=float), part["actual"].to_numpy(dtype=float)
            err = pred - act
            varies = pred.std() > 0 and act.std() > 0
            corr = float(np.corrcoef(pred, act)[0, 1]) if varies else float("nan")
            rows.append((forecast, group, len(part), float(np.abs(err).mean()), float(np.sqrt((err ** 2).mean())),
                         corr, float(err.mean())))
    return pd.DataFrame(rows, columns=["forecast", "group", "customers", "mae", "rmse", "correlation", "bias"])


def decile_table(actual: np.ndarray, predicted: np.ndarray, bins: int = 10) -> pd.DataFrame:
    """Mean forecast and mean actual by decile of the forecast (decile 1 = the highest forecasts).

    A customer's decile is ``⌈bins · r / n⌉`` of their rank ``r`` from the top, with tied forecasts given their mean
    rank: customers with equal forecasts share a decile, so a forecast with many ties (e.g. the past rate, 0 for
    every one-time buyer) fills fewer, larger groups. Returns ``decile, customers, predicted, actual``.
    """
    n = len(actual)
    rank = pd.Series(-np.asarray(predicted, dtype=float)).rank(method="average").to_numpy()
    decile = np.clip(np.ceil(bins * rank / n).astype(int), 1, bins)
    table = pd.DataFrame({"decile": decile, "predicted": predicted, "actual": actual})
    out = table.groupby("decile").agg(customers=("actual", "size"), predicted=("predicted", "mean"),
                                      actual=("actual", "mean")).reset_index()
    return out


def lorenz(actual: np.ndarray, order_by: np.ndarray) -> np.ndarray:
    """Cumulative share of all ``actual`` purchases held by the top ``k = 1 … n`` customers ranked by ``order_by``
    (highest first). Customers with equal ``order_by`` get their group's mean actual — the expected curve over every
    order of the tie — so the curve does not depend on row order."""
    actual = np.asarray(actual, dtype=float)
    codes, _ = pd.factorize(-np.asarray(order_by, dtype=float), sort=True)
    sizes = np.bincount(codes)
    means = np.bincount(codes, weights=actual) / sizes
    return np.cumsum(np.repeat(means, sizes)) / actual.sum()


def normalised_gini(actual: np.ndarray, predicted: np.ndarray) -> tuple[float, float]:
    """``(gini, normalised gini)`` of ranking customers by ``predicted`` against ``actual``.

    With ``L_k`` the share of all actual purchases made by the top ``k`` customers by forecast (:func:`lorenz`),
    ``G = Σ_k L_k / n − (n + 1) / 2n`` (the area between that curve and the diagonal of a random order), and the
    normalised Gini is ``G / G_perfect``, ``G_perfect`` the same for the order by ``actual`` itself: 1 for a perfect
    ranking, 0 for a random one, negative for a ranking worse than random.
    """
    actual = np.asarray(actual, dtype=float)
    if actual.sum() <= 0:
        raise DataError("no customer made a purchase in the holdout: a ranking cannot be scored", file="split",
                        column="test_frequency")
    n = len(actual)
    g = float(lorenz(actual, predicted).sum() / n - (n + 1) / (2 * n))
    perfect = float(lorenz(actual, actual).sum() / n - (n + 1) / (2 * n))
    return g, g / perfect


def scorecard_claim(card: Scorecard, model: str = "BG/NBD", baseline: str = "naive: past rate") -> tuple[str, dict]:
    """Whether ``model`` beats ``baseline`` on the mean absolute error per customer over all customers, and by how
    much: ``(sentence, numbers)`` with ``numbers`` = both MAEs, the relative difference ``(model − baseline) /
    baseline`` and the verdict ``"beats"``, ``"ties"`` (equal to the 3 decimals shown) or ``"does not beat"``.
    The sentence is in the current language (catalog ``helpers/locale/zh.yml``)."""
    overall = card.metrics.loc[card.metrics["group"] == ALL].set_index("forecast")
    for name in (model, baseline):
        if name not in overall.index:
            raise KeyError(f"{name!r} is not in the scorecard: it has {list(overall.index)}"
                           + (f"; {name} was skipped: {card.skipped[name]}" if name in card.skipped else ""))
    m, b = float(overall.loc[model, "mae"]), float(overall.loc[baseline, "mae"])
    relative = (m - b) / b if b > 0 else float("nan")
    verdict = "ties" if round(m, 3) == round(b, 3) else "beats" if m < b else "does not beat"
    numbers = {"model": model, "baseline": baseline, "model_mae": m, "baseline_mae": b, "relative": relative,
               "verdict": verdict, "customers": int(overall.loc[model, "customers"]),
               "holdout_length": card.attrs.get("holdout_length"), "unit": card.attrs.get("unit")}
    fields = dict(model=model, baseline=tr(BASELINE_WORDS.get(baseline, baseline)), m=m, b=b, pct=abs(relative),
                  n=numbers["customers"])
    if verdict == "beats":
        text = tr("{model} beats the {baseline} forecast on the holdout: its mean absolute error is {m:.3f} purchases "
                  "per customer against {b:.3f}, {pct:.0%} lower ({n:,} customers).", **fields)
    elif verdict == "does not beat":
        text = tr("{model} does not beat the {baseline} forecast on the holdout: its mean absolute error is {m:.3f} "
                  "purchases per customer against {b:.3f}, {pct:.0%} higher ({n:,} customers).", **fields)
    else:
        text = tr("{model} and the {baseline} forecast are equally good on the holdout: a mean absolute error of "
                  "{m:.3f} purchases per customer each ({n:,} customers).", **fields)
    return text, numbers


def model_names(card: Scorecard) -> list[str]:
    """The models of a scorecard (its forecasts that are not baselines), named by the registry."""
    return [f for f in card.forecasts if f not in BASELINES]

