"""The chain (清洗 → 汇总 → 客户终身价值 → 客户细分) on a large log, on DuckDB or on Apache Spark.

:func:`run_chain` runs notebooks 02–04's computing steps on a :class:`~helpers.largelog.ParquetLog` with an
engine parameter — cleaning, the per-customer summary, CLV scores, segment scores (RFM, ABC, lifecycle) — and
writes each step's output as Parquet. Every step calls the one definition of its package (``clean``, ``clv``,
``segment``): on Spark the DuckDB SQL is transpiled and the pandas functions run on each batch
(``mapInPandas``), so the two engines give the same tables (``tests/test_spark_chain.py``).
``benchmarks/bench_spark_chain.py`` times it.

Modules
-------
- :mod:`~helpers.chain.run`: :func:`run_chain`, :class:`ChainRun`, :data:`OUTPUTS`.
"""

from .run import OUTPUTS, ChainRun, run_chain

__all__ = ["OUTPUTS", "ChainRun", "run_chain"]
