"""Small tables for the CLV notebook: a log at a glance, the calibration end, fitted models side by
side, and the most valuable customers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from ..clean import extreme_orders
from .. import store
from ..i18n import tr
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


def top_customers(scores: pd.DataFrame, summary: pd.DataFrame | None = None, n: int = 10) -> pd.DataFrame:
    """The ``n`` customers with the highest CLV, with their history (ids as in the data: member
    numbers, no personal data). ``summary=None``: ``scores`` carries the history too (``clv.parquet``'s table), or is
    :func:`~helpers.clv.score_population`'s table of every customer without it, whose ``n`` rows are then read whole
    from the store (``attrs["dataset"]``)."""
    table = scores if summary is None else summary.join(scores.drop(columns="customer_id"), how="inner")
    value = table["clv"].to_numpy(dtype=float, na_value=np.nan)
    if len(value) > n > 0 and not np.isnan(value).any():  # sort only the customers at or above the n-th CLV: the
        table = table.loc[value >= np.partition(value, len(value) - n)[len(value) - n]]  # same rows, ties in order
    table = table.sort_values("clv", ascending=False, kind="stable").head(n).reset_index(drop=True)
    if summary is None and "frequency" not in table.columns and scores.attrs.get("dataset"):
        rows = store.load_clv(scores.attrs["dataset"], customers=table["customer_id"])
        table = table[["customer_id"]].merge(rows, on="customer_id", how="left")  # in the order of the ranking
    table.insert(0, "rank", range(1, len(table) + 1))
    return table


def flagged_top_claim(scores: pd.DataFrame, clean: pd.DataFrame, currency: str = "", top: int = 10) -> tuple[str, dict]:
    """Orders flagged extreme in cleaning (``flag_extreme``, :func:`helpers.clean.extreme_orders`) among the ``top``
    customers by CLV: "the customer with the highest CLV includes a flagged order of 75,981 CNY", computed.

    ``numbers``: ``flagged_orders`` (all), ``top_flagged`` (customer id → largest flagged order total among the
    ``top``), ``top_customer``, ``top_customer_flagged`` (bool).
    """
    if "flag_extreme" not in clean.columns:
        return tr("The clean data carry no extreme-order flags."), {"flagged_orders": None}
    orders = extreme_orders(clean)
    value = scores["clv"].to_numpy(dtype=float, na_value=np.nan)
    if len(value) > top > 0 and not np.isnan(value).any():  # only the customers at or above the top-th CLV are
        scores = scores.loc[value >= np.partition(value, len(value) - top)[len(value) - top]]  # sorted (ties kept)
    ranked = scores.sort_values(["clv", "customer_id"], ascending=[False, True], kind="mergesort")
    head = ranked["customer_id"].astype(str).head(top).tolist()
    largest = orders.assign(customer_id=orders["customer_id"].astype(str)).groupby("customer_id")["total"].max()
    hits = {c: float(largest[c]) for c in head if c in largest.index}
    numbers = {"flagged_orders": len(orders), "top_flagged": hits, "top_customer": head[0] if head else None,
               "top_customer_flagged": bool(head) and head[0] in hits}
    if not len(orders):
        return tr("Cleaning flagged no extreme order."), numbers
    if numbers["top_customer_flagged"]:
        text = tr("The customer with the highest CLV, {id}, includes an order flagged extreme in cleaning (notebook "
                  "02) of {amount:,.0f} {cur}: their CLV rests on that one order.", id=head[0],
                  amount=hits[head[0]], cur=currency)
    else:
        text = tr("The customer with the highest CLV, {id}, has no order flagged extreme in cleaning.", id=head[0])
    others = len(hits) - int(numbers["top_customer_flagged"])
    text += " " + tr("{k} of the top {n} by CLV have a flagged order; cleaning flagged {m:,} orders in all.",
                     k=len(hits), n=len(head), m=len(orders)) if others or not numbers["top_customer_flagged"] else \
        " " + tr("Cleaning flagged {m:,} orders in all.", m=len(orders))
    return text, numbers
