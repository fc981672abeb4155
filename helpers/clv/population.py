"""Every customer of a log scored into the store, chunk by chunk, when notebook 03 analyses a sample (issue 20).

Notebook 03 fits and studies its models on :func:`~helpers.clv.analysis_sample`'s customers when a log has more
than ``max_customers``; :func:`score_population` then gives **every** customer of the whole log a score with those
very models, without a per-customer pandas table of the whole population:

1. DuckDB writes the per-customer purchase periods of the whole log (:func:`~helpers.clv.sql.customer_periods_sql`,
   the one definition of the summary) to a Parquet file, sorted by customer, spilling under its memory limit;
2. the file is read back in batches of customers sized from the memory budget (:func:`helpers.engines.chunk_rows`);
   each batch is checked (:func:`~helpers.clv.summary.check_period_values`), summarised
   (:func:`~helpers.clv.summary.summary_from_periods`, to the sample summary's observation end and unit) and scored
   (:func:`~helpers.clv.score_with_models`: each customer's score depends only on their own history and the
   models, so batches give the same scores as one table), :data:`SCORING_THREADS` batches at a time;
3. the batches are written one by one to ``clv.parquet`` (:func:`helpers.store.save_customer_file`).

The result equals :func:`~helpers.clv.rfm_summary` + :func:`~helpers.clv.write_scores` of the whole log with the same
models, value for value (``tests/test_clv_population.py``).
"""

from __future__ import annotations

import itertools
import os
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from tqdm.auto import tqdm

from .. import paths
from ..engines import chunk_rows, connect, run_with_progress, sql_str
from ..largelog import LARGE_CUSTOMERS, ParquetLog
from ..schema import SCORE_COLUMNS, SUMMARY_COLUMNS
from ..store import load_clv, save_customer_file
from .sql import customer_periods_sql, duckdb_source, has_refunds_sql
from .sampling import is_sample
from .summary import check_period_values, summary_from_periods
from .units import MONTH_DAYS, as_timestamp, last_day_of_period, make_unit, period_start
from .value import SCORE_ROW_BYTES, fit_attrs, fit_for_scoring, score_with_models, sidecar_attrs

#: What :func:`score_population` hands back of every customer (~45 bytes each in pandas, 1.1 GiB at 26M customers):
#: what the notebook's totals, concentration, funnel and top customers need; the rest is in ``clv.parquet``.
EVERYONE_COLUMNS = ["customer_id", "p_alive", "expected_purchases", "clv"]
#: Chunks of customers scored at once, in threads: scipy's hypergeometric function (most of a score's cost) lets go
#: of Python's lock, so two cores score two chunks side by side.
SCORING_THREADS = 2


def score_population(dataset: str, log: pd.DataFrame | ParquetLog, summary: pd.DataFrame, scores: pd.DataFrame, *,
                     horizon: int = 52, time_unit: str = "W", discount_rate: float = 0.10, model: str = "bgnbd",
                     max_fit_customers: int | None = None, seed: int = 0, monetary_value_col: str = "amount",
                     **notes: Any) -> pd.DataFrame:
    """Score every customer of ``log`` with the models :func:`~helpers.clv.score_customers` fitted on ``summary``
    (the analysis sample's summary, with the same ``model``, ``max_fit_customers`` and ``seed``: the fit is
    repeated and checked against ``scores.attrs``), write ``clv.parquet`` and its sidecar for ``dataset`` (as
    :func:`~helpers.clv.write_scores` does, plus ``analysed_customers``: the sample's size), and return
    :data:`EVERYONE_COLUMNS` of every customer (:func:`helpers.store.load_clv`: one row each, sorted by customer id;
    ``attrs``: the sidecar). The written ``clv.parquet`` holds ``customer_id, frequency, recency, T, monetary_value,
    p_alive, expected_purchases, expected_spend, clv``; :func:`~helpers.clv.top_customers` reads the history of the
    few it shows from there.

    ``summary`` states the unit, the observation end and the time zone (``attrs``, as
    :func:`~helpers.clv.rfm_summary` writes them); the whole log is summarised to the same end.

    Raises
    ------
    ValueError
        When the repeated fit does not give ``scores``' parameters (other settings than the scores were made with).
    DataError
        A customer id, time or amount is missing in the log (as :func:`~helpers.clv.rfm_summary`).
    """
    summary, tm, sm, fit_on, spend_on = fit_for_scoring(summary, model, max_fit_customers=max_fit_customers,
                                                        seed=seed)
    attrs = fit_attrs(tm, sm, fit_on, spend_on, horizon, time_unit, discount_rate)
    for key in ("transaction_params", "spend_params", "horizon", "discount_rate_annual"):
        if scores.attrs.get(key) != attrs[key]:  # a key missing from the scores' attrs is no match either
            raise ValueError(f"the models fitted here give {key} = {attrs[key]}, the scores were made with "
                             f"{scores.attrs[key]}: pass the model, max_fit_customers and seed the scores used")
    unit = make_unit(summary.attrs["time_unit"], summary.attrs["time_scaler"],
                     summary.attrs.get("month_days", MONTH_DAYS))
    tz = summary.attrs.get("tz")
    end = as_timestamp(summary.attrs["observation_period_end"], "observation_period_end", tz)
    folder = paths.ensure(paths.processed_dir(dataset))
    periods_path, out_path = folder / ".clv-periods.parquet.part", folder / ".clv.parquet.part"
    columns = ["customer_id", "timestamp", monetary_value_col]
    con = connect()
    try:
        src = duckdb_source(log, columns, "timestamp", con, tz)
        refunds = bool(con.execute(has_refunds_sql(src.sql, monetary_value_col)).fetchone()[0])
        sql = customer_periods_sql(src.sql, "customer_id", "timestamp", monetary_value_col, str(unit.unit), None,
                                   last_day_of_period(end, str(unit.unit)), refunds)
        run_with_progress(con, f"COPY ({sql}) TO {sql_str(periods_path.as_posix())} (FORMAT parquet)",
                          "purchase periods of every customer (DuckDB)")
    except BaseException:
        periods_path.unlink(missing_ok=True)  # a COPY that failed half-way
        raise
    finally:
        con.close()

    def scored(batch: pa.RecordBatch) -> tuple[pa.Table, int]:
        per = batch.to_pandas()
        check_period_values(per, src, "customer_id", "timestamp", monetary_value_col)
        part = summary_from_periods(per, unit, period_start(end, str(unit.unit)), True, False)
        part["customer_id"] = part["customer_id"].astype("string")
        refunds_only, part.attrs = int(part.attrs["refund_only_customers"]), {**summary.attrs, **part.attrs}
        scores_ = score_with_models(tm, sm, part, horizon=horizon, time_unit=time_unit, discount_rate=discount_rate)
        table = pd.concat([part[SUMMARY_COLUMNS], scores_[SCORE_COLUMNS]], axis=1)
        return pa.Table.from_pandas(table, preserve_index=False).replace_schema_metadata(None), refunds_only

    refund_only, writer = 0, None
    try:
        periods = pq.ParquetFile(periods_path)
        rows, n = chunk_rows(SCORE_ROW_BYTES), periods.metadata.num_rows
        workers = max(1, min(SCORING_THREADS, os.cpu_count() or 1))
        with ThreadPoolExecutor(workers) as pool, tqdm(total=-(-n // rows), unit="step", disable=n <= LARGE_CUSTOMERS,
                                                       desc="scoring every customer (chunks)") as bar:
            pending: deque = deque()
            batches = periods.iter_batches(batch_size=rows)
            while True:  # at most `workers` chunks in flight, written in the order of the customers
                for batch in itertools.islice(batches, workers - len(pending)):
                    pending.append(pool.submit(scored, batch))
                if not pending:
                    break
                arrow, refunds_only = pending.popleft().result()
                refund_only += refunds_only
                writer = writer or pq.ParquetWriter(out_path, arrow.schema)
                writer.write_table(arrow)
                bar.update(1)
        if writer is None:  # a log without customers: an empty table of the same columns
            empty = pd.DataFrame({c: pd.Series(dtype="string" if c == "customer_id" else float)
                                  for c in SUMMARY_COLUMNS + SCORE_COLUMNS})
            pq.write_table(pa.Table.from_pandas(empty, preserve_index=False), out_path)
        kept = sidecar_attrs(summary)
        if writer is not None:
            writer.close()
            writer = None
        save_customer_file(dataset, "clv", out_path, {**kept, "refund_only_customers": refund_only, **scores.attrs,
                                                      **attrs, "analysed_customers": len(summary), **notes})
    finally:  # nothing half-written stays behind, whatever failed
        if writer is not None:
            writer.close()
        periods_path.unlink(missing_ok=True)
        out_path.unlink(missing_ok=True)
    everyone = load_clv(dataset, columns=EVERYONE_COLUMNS)
    pa.default_memory_pool().release_unused()  # the chunks' and the read's Arrow buffers, kept by the pool otherwise
    return everyone


def every_customer(dataset: str, log: pd.DataFrame | ParquetLog, analysed: Any, summary: pd.DataFrame,
                   scores: pd.DataFrame, **options: Any) -> pd.DataFrame:
    """Notebook 03's table of every customer of ``log``: ``summary`` joined with ``scores`` when ``analysed`` is the
    log itself (the table :func:`~helpers.clv.write_scores` stores); when it is an
    :func:`~helpers.clv.analysis_sample` of it, :func:`score_population` of the whole log (``options``: its
    settings and notes), which writes the store's ``clv.parquet`` on the way."""
    if is_sample(analysed):
        return score_population(dataset, log, summary, scores, **options)
    return summary.join(scores.drop(columns="customer_id"))

