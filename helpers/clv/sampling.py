"""Notebooks 03 and 04 on a log with more customers than memory holds: a seeded sample to analyse.

A per-customer table in pandas costs notebooks 03–04 about 1 GiB per million customers at their peak (issue
20's measurement: 3.3 GiB at 2.59M customers, 13.2 GiB at 12.9M), so a 100M-line log of ~26M customers cannot
be analysed customer table by customer table in 8 GiB. Above ``max_customers`` customers the notebooks analyse
the **complete histories of a seeded random sample of customers** (:func:`analysis_sample`): fits, shares,
distributions and figures are then estimates from that sample (a simple random sample of customers, so shares
and means are unbiased, with standard errors that shrink as ``1/sqrt(n)``), and :func:`sample_claim` says so in
the report. What the store keeps for later notebooks covers every customer: notebook 03 scores the whole log
with the models fitted on the sample (:func:`helpers.clv.score_population`).

The sample is :func:`~helpers.clv.sample_log`'s: the same seed draws the same customers in notebooks 03 and 04,
from a log on disk or the same log in memory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from .. import paths, store
from ..errors import DataError
from ..i18n import tr
from ..largelog import ParquetLog
from .evaluation_report import sample_log
from .tables import describe_transactions

#: The notebooks' default ``max_customers``: about half a GiB of pandas tables in notebooks 03–04 (see above), and a
#: share estimated from the sample has a standard error of at most √(0.25 / 500,000) ≈ 0.07 percentage points; the
#: steps on the sample (fits, checks, k-means, migration, scorecard) cost half what a million customers cost.
ANALYSIS_CUSTOMERS = 500_000


def analysis_sample(transactions: pd.DataFrame | ParquetLog, max_customers: int | None, *, seed: int = 0,
                    described: dict | None = None, dataset: str | None = None, customer_id_col: str = "customer_id",
                    datetime_col: str = "timestamp") -> pd.DataFrame | ParquetLog:
    """``transactions`` itself when it has at most ``max_customers`` customers (or ``max_customers`` is None), else
    every line of a seeded random sample of ``max_customers`` customers (:func:`~helpers.clv.sample_log`), as a
    DataFrame in the log's order.

    The sample's ``attrs`` record ``sampled_customers`` (its customers), ``population_customers`` and
    ``population_lines`` (the log's), and ``population_last`` (the log's last transaction time). ``described``:
    :func:`~helpers.clv.describe_transactions` of ``transactions`` when the caller has it (one scan fewer).
    ``dataset``: when ``transactions`` is that dataset's clean log in the store and on disk, the sample is kept in
    the store with the log's fingerprint, ``max_customers`` and ``seed`` (:func:`helpers.store.save_sample`) and
    read back by the next call with the same three (notebook 04 after notebook 03: ~15 s fewer at 50M lines).

    Raises
    ------
    DataError
        When the sample's last transaction falls on an earlier day than the log's: every "time to the end of the
        data" (``T``, recency) would then be measured to a different end than the store's scores. A larger or
        different sample is needed (vanishingly rare: no sampled customer bought on the last day).
    """
    if max_customers is None:
        return transactions
    if int(max_customers) < 1:
        raise ValueError(f"max_customers must be at least 1, not {max_customers}")
    key = _stored_key(dataset, transactions, int(max_customers), seed, customer_id_col, datetime_col)
    kept = None if key is None else store.load_sample(dataset, key)
    if kept is not None:
        return kept
    whole = described or describe_transactions(transactions, customer_id_col=customer_id_col,
                                               datetime_col=datetime_col)
    if whole["customers"] <= int(max_customers):
        return transactions
    out = sample_log(transactions, int(max_customers), seed=seed, customer_id_col=customer_id_col)
    pa.default_memory_pool().release_unused()  # DuckDB's Arrow result, converted to pandas
    last = pd.to_datetime(out[datetime_col]).max()
    if pd.Timestamp(last).normalize() != pd.Timestamp(whole["last"]).normalize():
        raise DataError(f"the sample of {int(max_customers):,} customers ends on {last:%Y-%m-%d}, the log on "
                        f"{pd.Timestamp(whole['last']):%Y-%m-%d}", column=datetime_col,
                        hint="raise max_customers or change the seed, so the sample's times end where the log's do")
    out.attrs.update({"sampled_customers": int(max_customers), "population_customers": int(whole["customers"]),
                      "population_lines": int(whole["lines"]), "population_last": str(whole["last"])})
    if key is not None:
        store.save_sample(dataset, out, key)
        pa.default_memory_pool().release_unused()  # the Arrow copy the Parquet writer made (~0.4 GiB at 2M lines)
    return out


def _stored_key(dataset: str | None, transactions: Any, max_customers: int, seed: int, *columns: str) -> dict | None:
    """What a sample kept in the store must have been drawn with: ``None`` unless ``transactions`` is the store's
    clean log of ``dataset`` on disk (a log in memory is sampled in a moment, and its fingerprint is unknown)."""
    if dataset is None or not isinstance(transactions, ParquetLog):
        return None
    stored = paths.processed_dir(dataset) / "transactions.parquet"
    if Path(transactions.path).resolve() != stored.resolve():
        return None
    return {"transactions_sha256": store.processed_metadata(dataset).get("transactions_sha256"),
            "mapping": transactions.mapping, "max_customers": max_customers, "seed": int(seed),
            "columns": list(columns)}


def is_sample(transactions: Any) -> bool:
    """Whether ``transactions`` is an :func:`analysis_sample` of a larger log."""
    return isinstance(transactions, pd.DataFrame) and bool(transactions.attrs.get("population_customers"))


def sample_claim(transactions: Any) -> tuple[str, dict[str, Any]]:
    """The sentence a notebook shows under its data line: what was analysed when ``transactions`` is an
    :func:`analysis_sample` (``""`` when it is the whole log), with the numbers it rests on."""
    if not is_sample(transactions):
        return "", {}
    numbers = {"sampled": int(transactions.attrs["sampled_customers"]),
               "customers": int(transactions.attrs["population_customers"]), "lines": len(transactions)}
    numbers["share"] = numbers["sampled"] / numbers["customers"]
    return tr("**Analysed below: a seeded random sample of {sampled:,} of the {customers:,} customers ({share:.1%}), "
              "with their complete histories ({lines:,} lines).** Fits, shares, distributions and figures are "
              "estimates from this sample; the store's per-customer tables cover every customer.", **numbers), numbers
