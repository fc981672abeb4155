"""Segment scores on Apache Spark: RFM, ABC and lifecycle with the pandas definitions, shared.

Each step runs the function the DuckDB/pandas path runs, not a second version of it:

- :func:`rfm_table_spark` and :func:`lifecycle_spark` are row by row: :func:`~helpers.segment.rfm.rfm_table` and
  :func:`~helpers.segment.lifecycle.lifecycle_of_customers` run on each batch where the rows live
  (``mapInPandas``, :func:`helpers.engines.map_in_pandas`);
- :func:`rfm_scores_spark`: a quantile score depends on the customer's rank, i.e. on how many customers hold
  each value. Spark counts customers per distinct value (a ``GROUP BY``), the driver scores the distinct values
  with :func:`~helpers.segment.rfm.value_scores` (the rule :func:`~helpers.segment.rfm.quantile_scores` itself
  uses), and the scores are joined back; only distinct values reach the driver;
- :func:`abc_spark`: a class depends on the cumulative value of every customer ranked before, in the order
  :func:`~helpers.segment.abc.abc_classes` defines (value, then customer id): the driver runs ``abc_classes``
  on two columns (customer id and value) and the classes are joined back.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..engines import map_in_pandas, spark_frame
from ..errors import DataError
from .abc import abc_classes
from .arrays import ID, digit_strings
from .lifecycle import lifecycle_of_customers
from .rfm import rfm_table, value_scores

RFM_SCHEMA = "customer_id string, recency double, frequency double, monetary_value double"


def rfm_table_spark(summary: Any, attrs: dict) -> Any:
    """:func:`~helpers.segment.rfm.rfm_table` of a Spark summary (``attrs``: the summary's, for its unit)."""
    return map_in_pandas(summary, rfm_table, RFM_SCHEMA, attrs=attrs)


def _score_digits(batch: pd.DataFrame) -> pd.DataFrame:
    batch = batch.copy()
    batch["rfm_score"] = np.asarray(digit_strings(batch["r_score"].to_numpy(), batch["f_score"].to_numpy(),
                                                  batch["m_score"].to_numpy()), dtype=object)
    return batch


def rfm_scores_spark(rfm: Any, q: int = 5, *, ties: str = "min") -> Any:
    """:func:`~helpers.segment.rfm.rfm_scores` of a Spark RFM table: ``customer_id, r_score, f_score, m_score,
    rfm_score``. ``ties`` must be ``"min"`` or ``"average"`` (``"first"`` orders tied customers by id: run
    ``rfm_scores`` on the driver for it)."""
    from pyspark.sql import functions as F

    if ties not in ("min", "average"):
        raise ValueError(f"on Spark, ties must be 'min' or 'average', not {ties!r} (use segment.rfm_scores)")
    if not 2 <= int(q) <= 9:
        raise ValueError(f"q must be between 2 and 9 (one-digit scores), not {q}")
    spark = rfm.sparkSession
    out = rfm.select(ID, "recency", "frequency", "monetary_value")
    columns = (("recency", False, "r_score"), ("frequency", True, "f_score"), ("monetary_value", True, "m_score"))
    bad = [F.col(c).isNull() | F.isnan(c) | (F.abs(F.col(c)) == float("inf")) for c, _, _ in columns]
    first = out.filter(bad[0] | bad[1] | bad[2]).select(ID, *[b.alias(c) for b, (c, _, _) in zip(bad, columns)])
    first = first.limit(1).collect()
    if first:
        column = next(c for c, _, _ in columns if first[0][c])
        raise DataError(f"score input has a missing or infinite value (customer {first[0][0]!r})", column=column,
                        hint="fill or drop that customer first")
    for column, better, name in columns:
        value = F.col(column) if better else -F.col(column)
        counts = out.groupBy(value.alias("_v")).count().toPandas().sort_values("_v", kind="stable")
        counts[name] = value_scores(counts["count"].to_numpy(), q, ties)
        table = spark_frame(spark, counts[["_v", name]])
        out = out.join(F.broadcast(table), value == table["_v"], "left").drop("_v")
    scored = out.select(ID, "r_score", "f_score", "m_score")
    return map_in_pandas(scored, _score_digits,
                         "customer_id string, r_score bigint, f_score bigint, m_score bigint, rfm_score string")


def abc_spark(customers: Any, value_col: str, cutoffs: Sequence[float] = (0.80, 0.95),
              labels: Sequence[str] = ("A", "B", "C")) -> Any:
    """``customer_id, abc_class`` by ``value_col`` of a Spark customer table (see the module docstring)."""
    frame = customers.select(ID, value_col).toPandas()
    classes = abc_classes(frame, value_col, cutoffs, labels)
    return spark_frame(customers.sparkSession, classes[[ID, "abc_class"]].astype({ID: "string"}))


def lifecycle_spark(summary: Any, rfm: Any, scores: Any, attrs: dict, **thresholds: float) -> Any:
    """``customer_id, lifecycle_stage`` from a Spark summary (``T``; ``attrs``: its unit), RFM table
    (``recency``) and CLV scores (``p_alive``), by :func:`~helpers.segment.lifecycle.lifecycle_of_customers`."""
    joined = (summary.select(ID, "T").join(rfm.select(ID, "recency"), ID)
              .join(scores.select(ID, "p_alive"), ID))

    def stage(batch: pd.DataFrame) -> pd.DataFrame:
        return lifecycle_of_customers(batch, **thresholds)

    return map_in_pandas(joined, stage, "customer_id string, lifecycle_stage string", attrs=attrs)
