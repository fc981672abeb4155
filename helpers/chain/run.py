"""The chain on a large log: one function, two engines (see :mod:`helpers.chain`)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import pandas as pd

from .. import clean, clv, segment
from ..engines import spark_frame, spark_of
from ..largelog import ParquetLog
from ..outputs import write_parquet

#: Each step's output under ``out_dir`` (a Parquet file on DuckDB, a folder of Parquet files on Spark, except
#: the summary, which both engines bring to the driver as a table).
OUTPUTS = {"clean": "clean/transactions.parquet", "quarantine": "clean/quarantine.parquet",
           "summary": "summary.parquet", "scores": "scores.parquet", "segments": "segments.parquet"}


@dataclass
class ChainRun:
    """What :func:`run_chain` did: the output folder, the engine, wall seconds per step, the reasons counted
    and the fit's ``attrs`` (parameters, customers fitted on)."""

    out: Path
    engine: str
    seconds: dict[str, float] = field(default_factory=dict)
    reasons: dict[str, int] = field(default_factory=dict)
    fit: dict[str, Any] = field(default_factory=dict)

    def path(self, output: str) -> Path:
        return self.out / OUTPUTS[output]


def run_chain(log: ParquetLog, out_dir: str | Path, *, engine: str = "duckdb", spark: Any = None,
              test_accounts: Iterable[str] = (), currency: str | None = None, returns: str = "net",
              time_scaler: float = 7.0, horizon: int = 52, time_unit: str = "W", discount_rate: float = 0.10,
              max_fit_customers: int | None = 100_000, seed: int = 0, q: int = 5,
              abc_cutoffs: Sequence[float] = (0.80, 0.95), progress: bool = False) -> ChainRun:
    """Clean ``log``, summarise, score CLV and segment, on ``engine`` (``"duckdb"`` or ``"spark"``; ``spark``: the
    SparkSession, default :func:`helpers.engines.spark_session`), writing :data:`OUTPUTS` under ``out_dir``.

    The steps and their settings are notebooks 02–04's: :func:`helpers.clean.clean_log` (``test_accounts``,
    ``currency``, ``returns``); :func:`helpers.clv.rfm_summary` in days / ``time_scaler`` (weeks by default)
    with the amount; :func:`helpers.clv.score_customers` (BG/NBD and Gamma-Gamma fitted on a seeded sample of
    at most ``max_fit_customers``, ``horizon`` steps of ``time_unit``, ``discount_rate`` a year); segments:
    RFM scores 1..``q`` of the RFM table (:func:`helpers.segment.rfm_table` of the summary with the first
    purchase), ABC classes by CLV (``abc_cutoffs``) and the lifecycle stage. ``segments`` holds
    ``customer_id, r_score, f_score, m_score, rfm_score, abc_class, lifecycle_stage``, sorted by customer.
    """
    if engine not in ("duckdb", "spark"):
        raise ValueError(f"engine must be 'duckdb' or 'spark', not {engine!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    run = ChainRun(out=out, engine=engine)
    if engine == "spark" and spark is None:
        spark = spark_of("spark")
    session = spark if engine == "spark" else None
    started = time.perf_counter()
    cleaned = clean.clean_log(log, out / "clean", test_accounts=test_accounts, currency=currency, returns=returns,
                              progress=progress, spark=session)
    run.reasons = cleaned.counts
    run.seconds["clean"] = time.perf_counter() - started
    source = cleaned.clean.path

    started = time.perf_counter()
    summaries = [clv.rfm_summary(source, monetary_value_col="amount", time_unit="D", time_scaler=time_scaler,
                                 include_first_transaction=first, spark=session) for first in (False, True)]
    summary, with_first = summaries
    write_parquet(summary, run.path("summary"))
    run.seconds["summary"] = time.perf_counter() - started

    started = time.perf_counter()
    options = {"horizon": horizon, "time_unit": time_unit, "discount_rate": discount_rate,
               "max_fit_customers": max_fit_customers, "seed": seed}
    if session is None:
        scores = clv.score_customers(summary, **options)
        run.fit = dict(scores.attrs)
        write_parquet(scores, run.path("scores"))
    else:
        scored, run.fit = clv.score_customers_spark(summary, session, **options)
        scored.write.mode("overwrite").parquet(str(run.path("scores")))
    run.seconds["clv"] = time.perf_counter() - started

    started = time.perf_counter()
    if session is None:
        write_parquet(_segments(summary, with_first, scores, q, abc_cutoffs), run.path("segments"))
    else:
        _segments_spark(session, summary, with_first, run.path("scores"), q, abc_cutoffs).write.mode(
            "overwrite").parquet(str(run.path("segments")))
    run.seconds["segments"] = time.perf_counter() - started
    return run


def _segments(summary: pd.DataFrame, with_first: pd.DataFrame, scores: pd.DataFrame, q: int,
              abc_cutoffs: Sequence[float]) -> pd.DataFrame:
    """The segments table on the driver (the DuckDB engine's per-customer tables are pandas)."""
    rfm = segment.rfm_table(with_first)
    scored = segment.rfm_scores(rfm, q)
    abc = segment.abc_classes(scores, "clv", tuple(abc_cutoffs))
    inputs = summary[["customer_id", "T"]].merge(rfm[["customer_id", "recency"]], on="customer_id").merge(
        scores[["customer_id", "p_alive"]], on="customer_id")
    inputs.attrs = dict(summary.attrs)
    stages = segment.lifecycle_of_customers(inputs)
    table = scored.merge(abc[["customer_id", "abc_class"]], on="customer_id").merge(stages, on="customer_id")
    table["customer_id"] = table["customer_id"].astype("string")
    return table.sort_values("customer_id", kind="stable").reset_index(drop=True)


def _segments_spark(spark: Any, summary: pd.DataFrame, with_first: pd.DataFrame, scores_path: Path, q: int,
                    abc_cutoffs: Sequence[float]) -> Any:
    """The segments table on Spark (:mod:`helpers.segment.spark`), ordered by customer."""
    def frame(table: pd.DataFrame) -> Any:
        return spark_frame(spark, table.assign(customer_id=table["customer_id"].astype("string")))

    scores = spark.read.parquet(str(scores_path))
    rfm = segment.rfm_table_spark(frame(with_first), dict(with_first.attrs)).cache()
    scored = segment.rfm_scores_spark(rfm, q)
    abc = segment.abc_spark(scores, "clv", tuple(abc_cutoffs))
    stages = segment.lifecycle_spark(frame(summary), rfm, scores, dict(summary.attrs))
    return scored.join(abc, "customer_id").join(stages, "customer_id").orderBy("customer_id")
