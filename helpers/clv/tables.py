"""Small tables for the CLV notebook: a log at a glance, the calibration end, fitted models side by
side, and the most valuable customers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from ..largelog import ParquetLog, describe
from .literature import CDNOW_CALIBRATION_END
from .models import model_name
from .models.base import MaximumLikelihoodModel
from .summary import last_timestamp

#: Fitted models by the name to show, or a list of fitted models named by the registry.
Models = Mapping[str, MaximumLikelihoodModel] | Iterable[MaximumLikelihoodModel]


def default_calibration_end(dataset: str, transactions: pd.DataFrame | ParquetLog, datetime_col: str = "timestamp",
                            weeks: int = 39) -> pd.Timestamp:
    """CDNOW (master or sample): 1997-09-30 as in FHL (2005); any other dataset: the day ``weeks``
    weeks before its last transaction, leaving a holdout of that length."""
    if str(dataset).lower().startswith("cdnow"):
        return pd.Timestamp(CDNOW_CALIBRATION_END)
    last = last_timestamp(transactions, datetime_col).normalize()
    return last - pd.Timedelta(weeks=weeks)


def describe_transactions(transactions: pd.DataFrame | ParquetLog, customer_id_col: str = "customer_id",
                          datetime_col: str = "timestamp") -> dict:
    """``lines``, ``customers`` (distinct ids), ``first`` and ``last`` transaction time of a log.

    A large log (:class:`~helpers.largelog.ParquetLog`) is described by DuckDB in one scan.
    """
    if isinstance(transactions, ParquetLog):
        return describe(transactions, datetime_col=datetime_col, customer_id_col=customer_id_col)
    ts = pd.to_datetime(transactions[datetime_col])
    return {"lines": len(transactions), "customers": int(transactions[customer_id_col].nunique()),
            "first": ts.min(), "last": ts.max()}


def _named(models: Models) -> dict[str, MaximumLikelihoodModel]:
    """``models`` as a dict: a mapping as given, a list named by the registry (:func:`~helpers.clv.models.model_name`)."""
    if isinstance(models, Mapping):
        return dict(models)
    return {model_name(m): m for m in models}


def parameter_table(models: Models, alpha: float = 0.05) -> pd.DataFrame:
    """Long table of several fitted models: ``model, parameter, meaning, estimate, std_err, CI``.

    ``models`` maps the names to show to fitted models, or is a list of fitted models, each named
    by the registry ("BG/NBD", "Pareto/NBD", "Gamma-Gamma").
    """
    parts = []
    for name, model in _named(models).items():
        table = model.summary(alpha).reset_index()
        table.insert(0, "model", name)
        parts.append(table)
    return pd.concat(parts, ignore_index=True)


def fit_summary_table(models: Models) -> pd.DataFrame:
    """One row per model: customers used, distinct rows, parameters, log-likelihood, AIC, and the
    log-likelihood per customer (``models`` as for :func:`parameter_table`).

    The log-likelihood and AIC are sums over the customers a model was fitted on, so they compare
    models only when those customers are the same. Models fitted on samples of different sizes (e.g.
    Pareto/NBD on fewer customers at scale) compare by the mean per customer, which estimates the
    same expected log-likelihood of one customer of the population.
    """
    return pd.DataFrame([{
        "model": name, "customers": m.n_customers_, "distinct rows": m.n_distinct_rows_,
        "parameters": len(m.param_names), "log-likelihood": round(m.log_likelihood_, 2),
        "AIC": round(2 * len(m.param_names) - 2 * m.log_likelihood_, 2),
        "log-likelihood per customer": m.log_likelihood_ / m.n_customers_} for name, m in _named(models).items()])


def top_customers(scores: pd.DataFrame, summary: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The ``n`` customers with the highest CLV, with their history (ids as in the data: member
    numbers, no personal data)."""
    table = summary.join(scores.drop(columns="customer_id"), how="inner")
    table = table.sort_values("clv", ascending=False, kind="stable").head(n).reset_index(drop=True)
    table.insert(0, "rank", range(1, len(table) + 1))
    return table
