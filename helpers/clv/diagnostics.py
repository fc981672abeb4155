"""How well a fitted model describes the data: the classic BTYD diagnostics of Fader, Hardie & Lee (2005).

- :func:`period_transactions` — customers by number of repeat purchases, actual vs model (FHL Fig. 2);
- :func:`calibration_vs_holdout` — mean holdout purchases by calibration frequency (FHL Fig. 4);
- :func:`tracking` — weekly repeat purchases of the cohort, cumulative and incremental (FHL Fig. 3);
- :func:`frequency_recency_matrix`, :func:`probability_alive_matrix` — predictions over a grid of
  histories;
- :func:`fit_by_group` — one model per customer group, estimates with intervals in one long table.

The plots of these tables are in :mod:`helpers.clv.plots`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..engines import connect, run_with_progress, sql_ident
from ..errors import DataError
from ..largelog import LARGE_ROWS, ParquetLog, step_bar
from .models import MODELS, find_model
from .models.base import TransactionModel, summary_column
from .sql import date_expr, day_expr, duckdb_source, money_expr, period_expr, prepare_frame
from .units import EPOCH, as_timestamp, check_time_unit, money_units, unit_attrs
from .value import period_days_of


def period_transactions(model: TransactionModel, summary: pd.DataFrame, max_frequency: int = 7) -> pd.DataFrame:
    """Actual vs model number of customers with 0, 1, …, ``max_frequency``+ repeat purchases.

    The model column is ``Σ_i P(X(T_i) = k)`` over the customers in ``summary`` (each observed
    for their own ``T_i``), the comparison of FHL (2005), Figure 2 — computed exactly, not by
    simulation. The last row pools ``max_frequency`` or more. ``summary``'s unit is checked against the
    model's (:meth:`~helpers.clv.models.base.MaximumLikelihoodModel.unit_factor`).
    """
    x, _, T = model.histories(summary)
    uT, inv = np.unique(T, return_inverse=True)
    counts = np.bincount(inv, minlength=len(uT)).astype(float)
    expected = [float(counts @ model.probability_of_n_purchases(uT, k)) for k in range(max_frequency)]
    expected.append(len(x) - sum(expected))
    actual = np.bincount(np.minimum(x, max_frequency).astype(int), minlength=max_frequency + 1)
    labels = [str(k) for k in range(max_frequency)] + [f"{max_frequency}+"]
    return pd.DataFrame({"repeat purchases": labels, "actual": actual.astype(float), "model": expected})


def calibration_vs_holdout(model: TransactionModel, split: pd.DataFrame, max_frequency: int = 7) -> pd.DataFrame:
    """Mean holdout purchases by calibration frequency: actual vs the model's conditional expectation.

    ``split`` is :func:`rfm_train_test_split` output (``test_frequency``, ``test_T``); the model is
    fitted on its calibration columns. Rows: calibration frequency 0 … ``max_frequency``+, with
    the number of customers, the actual mean of ``test_frequency`` and the model's mean
    ``E[Y(test_T) | x, t_x, T]`` (FHL 2005, Figure 4).
    """
    for column in ("test_frequency", "test_T"):
        summary_column(split, column)
    x, t_x, T = model.histories(split)
    horizon = float(split["test_T"].iloc[0]) * model.unit_factor(split)
    bar = step_bar(len(split), "calibration vs holdout (predict, group)", 2)
    predicted = model.conditional_expected_purchases(horizon, x, t_x, T)
    bar.update()
    group = np.minimum(x, max_frequency).astype(int)
    table = pd.DataFrame({"group": group, "actual": split["test_frequency"].to_numpy(float), "model": predicted})
    out = table.groupby("group").agg(customers=("actual", "size"), actual=("actual", "mean"), model=("model", "mean"))
    bar.update()
    bar.close()
    out = out.reindex(range(max_frequency + 1))
    out.insert(0, "calibration repeat purchases",
               [str(k) for k in range(max_frequency)] + [f"{max_frequency}+"])
    out["customers"] = out["customers"].fillna(0).astype(int)
    return out.reset_index(drop=True)


def _purchase_periods(transactions: pd.DataFrame, customer_id_col: str, datetime_col: str, unit: str,
                      monetary_value_col: str | None, tz: str | None) -> pd.DataFrame:
    """Distinct (customer, period start) pairs of purchases (lines with an amount ≥ 0 when
    ``monetary_value_col`` is given: refunds are not purchases) with each customer's first period."""
    columns = [customer_id_col, datetime_col] + ([monetary_value_col] if monetary_value_col else [])
    frame = prepare_frame(transactions, columns, datetime_col, tz)
    if monetary_value_col:
        frame = frame.loc[~(money_units(pd.to_numeric(frame[monetary_value_col], errors="coerce")) < 0)]
    periods = frame[datetime_col].dt.to_period(unit).dt.to_timestamp()
    pairs = pd.DataFrame({"cid": frame[customer_id_col].to_numpy(), "p": periods.to_numpy()}).drop_duplicates()
    if pairs["cid"].isna().any() or pairs["p"].isna().any():
        raise DataError("missing customer id or time", file="transactions DataFrame",
                        hint="clean the log first (helpers.clean.clean_transactions)")
    pairs["birth"] = pairs.groupby("cid")["p"].transform("min")
    return pairs


def _cohort_counts(transactions, customer_id_col: str, datetime_col: str, unit: str, cal_end: pd.Timestamp,
                   monetary_value_col: str | None = None, tz: str | None = None) -> tuple[pd.Series, pd.Series]:
    """For customers born (first purchase period) on or before ``cal_end``: customers per birth
    period, and repeat purchase periods (customer-periods after the birth one) per period.
    Both are small (one entry per period); a large log is counted by DuckDB."""
    if not isinstance(transactions, ParquetLog):
        pairs = _purchase_periods(transactions, customer_id_col, datetime_col, unit, monetary_value_col, tz)
        pairs = pairs.loc[pairs["birth"] <= cal_end]
        births = pairs.drop_duplicates("cid")["birth"].value_counts().sort_index()
        repeats = pairs.loc[pairs["p"] > pairs["birth"], "p"].value_counts().sort_index()
        return births, repeats
    period = period_expr(day_expr(datetime_col), unit, f"dayofmonth({date_expr(datetime_col)})")
    purchases = f"WHERE NOT coalesce({money_expr(monetary_value_col)} < 0, false)" if monetary_value_col else ""
    cal_day = (cal_end - EPOCH).days
    con = connect()
    try:
        columns = [customer_id_col, datetime_col] + ([monetary_value_col] if monetary_value_col else [])
        src = duckdb_source(transactions, columns, datetime_col, con, tz)
        run_with_progress(con, f"CREATE TEMP TABLE pairs AS SELECT cid, p, min(p) OVER (PARTITION BY cid) AS birth "
                               f"FROM (SELECT DISTINCT {sql_ident(customer_id_col)} AS cid, {period} AS p "
                               f"FROM {src.sql} {purchases})",
                          "tracking: purchase periods (DuckDB)", disable=transactions.rows <= LARGE_ROWS)
        births = con.execute(f"SELECT birth, count(*) AS n FROM pairs WHERE p = birth AND birth <= {cal_day} "
                             f"GROUP BY ALL ORDER BY birth").df()
        repeats = con.execute(f"SELECT p, count(*) AS n FROM pairs WHERE p > birth AND birth <= {cal_day} "
                              f"GROUP BY ALL ORDER BY p").df()
    finally:
        con.close()

    def series(frame: pd.DataFrame, column: str) -> pd.Series:
        index = EPOCH + pd.to_timedelta(frame[column].to_numpy(np.int64), unit="D")
        return pd.Series(frame["n"].to_numpy(np.int64), index=pd.DatetimeIndex(index))

    return series(births, "birth"), series(repeats, "p")


def tracking(
    model: TransactionModel,
    transactions: pd.DataFrame,
    calibration_end: Any,
    end: Any = None,
    customer_id_col: str = "customer_id",
    datetime_col: str = "timestamp",
    time_unit: str = "D",
    step_days: int = 7,
    monetary_value_col: str | None = None,
    tz: str | None = None,
) -> pd.DataFrame:
    """Weekly tracking of repeat purchases: actual vs model, cumulative and incremental (FHL 2005 Fig. 3).

    The cohort is every customer whose first purchase is on or before ``calibration_end``.
    Actual: repeat purchase periods (purchases merged per ``time_unit`` period, each customer's
    first period left out) per step of ``step_days`` days from the cohort's first birth day to
    ``end`` (default: last transaction). Model: the unconditional expectation summed over birth
    cohorts, ``Σ_d n_d · E[X((t − b_d) / period)]`` where ``n_d`` customers were born (first
    purchase) on day ``b_d`` and the period is the model's (``period_days_``). With ``monetary_value_col``,
    lines with a negative amount (refunds) are not purchases, as in :func:`rfm_summary`; ``tz`` is the
    business time zone, as there.

    Returns one row per step: ``step_end`` (date), ``period`` ("calibration"/"holdout"),
    ``actual_incremental``, ``model_incremental``, ``actual_cumulative``, ``model_cumulative``.
    """
    unit, _ = check_time_unit(time_unit, 1.0)
    period_days = period_days_of(model, None)
    cal_end = as_timestamp(calibration_end, "calibration_end").normalize()
    births, repeat_counts = _cohort_counts(transactions, customer_id_col, datetime_col, unit, cal_end,
                                           monetary_value_col, tz)
    if births.empty:
        raise DataError(f"no customer has a first purchase on or before {cal_end.date()}", file="transactions DataFrame",
                        hint="choose a later calibration_end")
    last_p = max(births.index.max(), repeat_counts.index.max()) if len(repeat_counts) else births.index.max()
    last = as_timestamp(end, "end").normalize() if end is not None else last_p
    start = births.index.min()
    n_steps = int(np.ceil(((last - start).days + 1) / step_days))
    edges = start + pd.to_timedelta(np.arange(n_steps + 1) * step_days, unit="D")  # step k = [edges[k], edges[k+1])
    repeats = repeat_counts.loc[repeat_counts.index < edges[-1]]
    actual = np.bincount(((repeats.index - start).days // step_days).to_numpy(int), weights=repeats.to_numpy(float),
                         minlength=n_steps)[:n_steps]
    b_days = (births.index - start).days.to_numpy(float)
    t_days = (edges[1:] - start).days.to_numpy(float)
    age = np.maximum(t_days[:, None] - b_days[None, :], 0.0) / period_days
    cumulative = np.asarray(model.expected_purchases_new_customer(age)) @ births.to_numpy(float)
    out = pd.DataFrame({
        "step_end": edges[1:] - pd.Timedelta(days=1),
        "period": np.where(edges[1:] - pd.Timedelta(days=1) <= cal_end, "calibration", "holdout"),
        "actual_incremental": actual.astype(float),
        "model_incremental": np.diff(np.concatenate([[0.0], cumulative])),
        "actual_cumulative": np.cumsum(actual).astype(float),
        "model_cumulative": cumulative,
    })
    out.attrs = {"calibration_end": str(cal_end.date()), "step_days": step_days, "cohort": int(births.sum())}
    return out


def _grid_history(max_frequency: int, T: float, recency_step: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    recencies = np.arange(0.0, T + 1e-9, recency_step)
    xx, rr = np.meshgrid(np.arange(max_frequency + 1, dtype=float), recencies, indexing="ij")
    return xx, rr, recencies


def frequency_recency_matrix(model: TransactionModel, t: float = 1.0, T: float | None = None,
                             max_frequency: int | None = None, recency_step: float = 1.0,
                             summary: pd.DataFrame | None = None) -> pd.DataFrame:
    """Expected purchases in the next ``t`` model periods for a customer of age ``T`` (rows:
    frequency 0…max, columns: recency 0…T). Impossible cells (frequency 0 with recency > 0) are NaN.

    Defaults from ``summary``: ``T`` its largest ``T``, ``max_frequency`` its 99th percentile
    of frequency (at least 5).
    """
    T, max_frequency = _matrix_defaults(model, T, max_frequency, summary)
    xx, rr, recencies = _grid_history(max_frequency, T, recency_step)
    values = model.conditional_expected_purchases(float(t), xx.ravel(), rr.ravel(), np.full(xx.size, T)).reshape(xx.shape)
    values[(xx == 0) & (rr > 0)] = np.nan
    out = pd.DataFrame(values, index=pd.Index(range(max_frequency + 1), name="frequency"),
                       columns=pd.Index(np.round(recencies, 6), name="recency"))
    out.attrs = {"t": t, "T": T, "what": "expected purchases"}
    return out


def probability_alive_matrix(model: TransactionModel, T: float | None = None, max_frequency: int | None = None,
                             recency_step: float = 1.0, summary: pd.DataFrame | None = None) -> pd.DataFrame:
    """P(alive) for a customer of age ``T`` by frequency (rows) and recency (columns); NaN where impossible."""
    T, max_frequency = _matrix_defaults(model, T, max_frequency, summary)
    xx, rr, recencies = _grid_history(max_frequency, T, recency_step)
    frame = pd.DataFrame({"frequency": xx.ravel(), "recency": np.where(xx.ravel() == 0, 0.0, rr.ravel()),
                          "T": np.full(xx.size, T)})
    frame.attrs = unit_attrs(model.model_unit())  # the grid is in the model's periods
    values = model.probability_alive(frame).to_numpy(copy=True).reshape(xx.shape)
    values[(xx == 0) & (rr > 0)] = np.nan
    out = pd.DataFrame(values, index=pd.Index(range(max_frequency + 1), name="frequency"),
                       columns=pd.Index(np.round(recencies, 6), name="recency"))
    out.attrs = {"T": T, "what": "P(alive)"}
    return out


def _matrix_defaults(model: TransactionModel, T, max_frequency, summary):
    """``T`` (model periods) and ``max_frequency`` as given, else from ``summary`` (its unit checked)."""
    if T is None or max_frequency is None:
        if summary is None:
            raise ValueError("give T and max_frequency, or a summary to take them from")
        x, _, T_summary = model.histories(summary)
        if T is None:
            T = float(np.floor(T_summary.max()))
        if max_frequency is None:
            max_frequency = int(max(5, np.quantile(x, 0.99)))
    return float(T), int(max_frequency)


def fit_by_group(summary: pd.DataFrame, groups: pd.Series, model: type | str | None = "bg_nbd") -> pd.DataFrame:
    """Fit a transaction model separately per group; long table of estimates, SE and 95% CI.

    ``groups`` is aligned with ``summary`` (same index). ``model`` is a model class or a name of the
    registry :data:`helpers.clv.models.MODELS` (default BG/NBD). Returns ``group, parameter, estimate,
    std_err, lower 95%, upper 95%, customers, log_likelihood``.
    """
    if model is None or isinstance(model, str):
        spec = find_model("bg_nbd" if model is None else model)
        if spec is None:
            raise ValueError(f"model must be a model class or one of {list(MODELS)}, not {model!r}")
        model = spec.model
    groups = pd.Series(groups, index=summary.index)
    if groups.isna().any():
        raise DataError("some customers have no group", file="groups", row=groups.index[groups.isna().to_numpy()][0],
                        hint="map every customer to a group or drop those customers first")
    rows = []
    for name, part in summary.groupby(groups.to_numpy(), sort=False, observed=True):
        fitted = model(period_days=summary.attrs.get("period_days")).fit(part)
        table = fitted.summary().drop(columns="meaning").reset_index()
        table.insert(0, "group", name)
        table["customers"] = len(part)
        table["log_likelihood"] = fitted.log_likelihood_
        rows.append(table)
    return pd.concat(rows, ignore_index=True)
