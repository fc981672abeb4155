"""Scale: the Spark path against the embedded engine, a 100M-line log under a 2 GiB memory limit, and
notebooks 01–04 on generated logs under the memory budget.

    python benchmarks/bench_scale.py                        # Spark vs DuckDB at 10M lines; 100M limited run
    python benchmarks/bench_scale.py --spark-sizes 1M --limited-size 10M     # a quick run
    nice -n 10 python benchmarks/bench_scale.py --spark-sizes --limited-size '' --notebook-sizes 10M
                                                            # notebooks 01–04 on a 10M-line log (issue 20)

**Notebooks 01–04 at size** (``--notebook-sizes``; ``scale_notebooks.py``): the SIMULATED log of
``make large-log ROWS=<size>`` (``data/interim/generated/xiaomi_sim_<size>/``, generated when missing,
or ``--log-dir``), each notebook run by the report command in its own process tree with the default
memory budget (``--memory-budget`` to set one), wall time and peak RSS of the whole tree per notebook;
targets: peak RSS under 8 GiB at 100M lines, 50M lines in under 8 minutes.

**Spark vs embedded.** The same cached SIMULATED log (``benchmarks/bench_clv.py``'s generator,
``data/interim/bench/clv_log_<n>.parquet``) summarised by ``helpers.clv.rfm_summary`` on DuckDB
and on Spark (``engine="spark"``: the same SQL text transpiled by sqlglot, Spark in local mode on
this machine's cores). Each engine runs in its own subprocess; Spark's start-up (JVM + session)
is timed separately from the query, and the query is run twice (the first run includes Spark's
code generation). The two results are compared exactly (row count, column sums, first and last
id).

**Memory-limited run.** A 100M-line log is summarised twice, each in a fresh subprocess: with
DuckDB's ``memory_limit='2GB'`` (``clv.duckdb_settings``, spilling to ``data/interim/bench/spill``)
and without a limit. Both report wall time and peak RSS of the process (DuckDB's buffers and the
pandas result), and return the rows of a fixed sample of customers (ids ending in ``"37"``, about
1%): ids, frequency, recency and T must be identical and monetary value equal to 1e-12 relative
(float sums in thread order), and the whole-result fingerprints (sums rounded to cents) identical.

Results (ratios from one run, with the machine stated) are appended to ``reports/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_clv import cached_log, label, parse_size  # noqa: E402
from _record import in_subprocess, machine as bench_machine, record  # noqa: E402

from scale_notebooks import run_notebooks, table_lines  # noqa: E402

from helpers import paths  # noqa: E402


def _fingerprint(result) -> tuple:
    return (len(result), float(result["frequency"].sum()), float(result["recency"].sum()),
            float(result["T"].sum()), round(float(result["monetary_value"].sum()), 2),
            str(result["customer_id"].iloc[0]), str(result["customer_id"].iloc[-1]))


def _same(a, b) -> bool:
    """Ids, frequency, recency and T identical; monetary value equal to 1e-12 relative (DuckDB adds the
    amounts of a customer in whatever order its threads meet them, so the last bit of a float sum varies
    from run to run, limit or not)."""
    import numpy as np

    exact = ["customer_id", "frequency", "recency", "T"]
    return (len(a) == len(b) and a[exact].equals(b[exact])
            and np.allclose(a["monetary_value"], b["monetary_value"], rtol=1e-12, atol=0))


def _peak_gib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # kB → GiB (Linux)


def _engine_task(engine: str, path: str, queue) -> None:
    from helpers import clv

    out = {"engine": engine}
    spark = None
    if engine == "spark":
        from helpers.engines import spark_session

        t = time.perf_counter()
        spark = spark_session()
        spark.range(1).count()  # the JVM and the session are really up
        out["startup"] = time.perf_counter() - t
    times = []
    for _ in range(2):
        result = None
        t = time.perf_counter()
        result = clv.rfm_summary(path, monetary_value_col="amount", engine=engine, spark=spark)
        times.append(time.perf_counter() - t)
    if spark is not None:
        spark.stop()
    out.update(first=times[0], second=times[1], fingerprint=_fingerprint(result), peak=_peak_gib())
    queue.put(out)


def _limited_task(path: str, limit: str | None, spill: str, queue) -> None:
    import contextlib

    from helpers import clv

    settings = clv.duckdb_settings(memory_limit=limit, temp_directory=spill) if limit else contextlib.nullcontext()
    t = time.perf_counter()
    with settings:
        result = clv.rfm_summary(path, monetary_value_col="amount")
    seconds = time.perf_counter() - t
    sample = result.loc[result["customer_id"].astype(str).str.endswith("37")].reset_index(drop=True)
    queue.put({"limit": limit, "seconds": seconds, "peak": _peak_gib(), "fingerprint": _fingerprint(result),
               "sample": sample})


_run = in_subprocess


def machine() -> str:
    import pyspark

    return bench_machine(f", PySpark {pyspark.__version__} (local mode)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spark-sizes", nargs="*", default=["10M"], help="log sizes for Spark vs DuckDB")
    parser.add_argument("--limited-size", default="100M", help="log size of the memory-limited run ('' to skip)")
    parser.add_argument("--memory-limit", default="2GB", help="DuckDB memory_limit of the limited run")
    parser.add_argument("--notebook-sizes", nargs="*", default=[], help="log sizes for notebooks 01–04 (e.g. 10M 50M)")
    parser.add_argument("--log-dir", action="append", default=[], help="an existing log folder for each notebook size "
                        "(in order; default: data/interim/generated/xiaomi_sim_<size>, generated when missing)")
    parser.add_argument("--memory-budget", default=None, help="the notebooks' memory_budget (default: theirs)")
    args = parser.parse_args(argv)

    lines = [f"\n## Scale: Spark vs embedded, and a memory-limited summary "
             f"({datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC)",
             f"Machine: {machine()}. Command: `python benchmarks/bench_scale.py "
             f"{shlex.join(sys.argv[1:] if argv is None else argv)}`."]
    if args.spark_sizes:
        lines += ["", "Same Parquet file, same SQL text (Spark's transpiled by sqlglot); each engine in its own process. "
                  "Spark start-up (JVM + session) is reported separately from the queries.", "",
                  "| rows | customers | DuckDB s (1st / 2nd) | Spark start-up s | Spark s (1st / 2nd) | "
                  "Spark / DuckDB (2nd runs) | Spark incl. start-up / DuckDB (1st runs) | results |",
                  "|---|---|---|---|---|---|---|---|"]
        for size in args.spark_sizes:
            n = parse_size(size)
            path = str(cached_log(n))
            duck = _run(_engine_task, "duckdb", path)
            spark = _run(_engine_task, "spark", path)
            same = duck["fingerprint"] == spark["fingerprint"]
            row = (f"| {label(n)} | {duck['fingerprint'][0]:,} | {duck['first']:.2f} / {duck['second']:.2f} | "
                   f"{spark['startup']:.1f} | {spark['first']:.2f} / {spark['second']:.2f} | "
                   f"{spark['second'] / duck['second']:.1f}× | "
                   f"{(spark['startup'] + spark['first']) / duck['first']:.1f}× | "
                   f"{'identical' if same else 'DIFFER: ' + str((duck['fingerprint'], spark['fingerprint']))} |")
            lines.append(row)
            print(row, flush=True)
    if args.limited_size:
        n = parse_size(args.limited_size)
        path = str(cached_log(n))
        spill = paths.ensure(paths.INTERIM / "bench" / "spill")
        limited = _run(_limited_task, path, args.memory_limit, str(spill))
        free = _run(_limited_task, path, None, str(spill))
        same_sample = _same(limited["sample"], free["sample"])
        same_all = limited["fingerprint"] == free["fingerprint"]
        lines += ["", f"{label(n)}-line log summarised by `clv.rfm_summary` with DuckDB `memory_limit='{args.memory_limit}'` "
                  "(spilling to disk) and without a limit, each in its own process; peak RSS includes the pandas "
                  "result.", "",
                  "| run | customers | wall s | peak RSS GiB | sample of customers (ids ending 37): limited vs unlimited "
                  "| whole result |",
                  "|---|---|---|---|---|---|"]
        for run in (limited, free):
            lines.append(f"| {'memory_limit ' + run['limit'] if run['limit'] else 'no limit'} | "
                         f"{run['fingerprint'][0]:,} | {run['seconds']:.1f} | {run['peak']:.2f} | "
                         f"{len(run['sample']):,} rows, {'identical' if same_sample else 'DIFFER'} | "
                         f"{'identical fingerprint' if same_all else 'DIFFER'} |")
        lines.append(f"\nLimited / unlimited wall time: {limited['seconds'] / free['seconds']:.2f}×; "
                     f"peak memory: {limited['peak'] / free['peak']:.2f}×.")
        print("\n".join(lines[-6:]), flush=True)
    if args.notebook_sizes:
        lines += _notebook_section(args)
    return record(lines)


def _notebook_section(args) -> list[str]:
    """Notebooks 01–04 at each size of ``--notebook-sizes`` (one at a time), as Markdown lines."""
    from helpers import engines, simulate

    budget = engines.memory_budget(args.memory_budget)
    out = ["", f"Notebooks 01–04 through the report command (`--no-pdf`), each in its own process tree, memory budget "
           f"{budget / 2**30:.1f} GiB ({'`' + args.memory_budget + '`' if args.memory_budget else 'the default'}; "
           f"DuckDB `memory_limit` {engines.duckdb_memory_limit(budget)}); peak RSS of the whole tree (report process "
           f"+ kernel), sampled every 0.2 s.", "",
           "| lines | notebook | wall s | peak RSS GiB | result |", "|---|---|---|---|---|"]
    for i, size in enumerate(args.notebook_sizes):
        n = parse_size(size)
        name = f"xiaomi_sim_{label(n).lower()}"
        log_dir = Path(args.log_dir[i]) if i < len(args.log_dir) else paths.INTERIM / "generated" / name
        if not log_dir.exists():
            simulate.write_large_log(log_dir, n)
        print(f"notebooks 01–04 on {log_dir} ({label(n)} lines)", flush=True)
        rows = run_notebooks(log_dir, paths.INTERIM / "bench" / "notebooks" / name, name, args.memory_budget)
        out += table_lines(n, rows, label(n))
        print("\n".join(out[-len(rows) - 1:]), flush=True)
    return out


if __name__ == "__main__":
    raise SystemExit(main())
