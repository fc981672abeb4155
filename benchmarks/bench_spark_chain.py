"""The chain on Spark against the chain on DuckDB: cleaning, summary, CLV scores, segment scores.

    nice -n 10 python benchmarks/bench_spark_chain.py --log data/interim/generated/xiaomi_sim_10m
    python benchmarks/bench_spark_chain.py --log /tmp/sim_1m --no-record      # a quick look

``helpers.chain.run_chain`` runs notebooks 02–04's computing steps on a generated SIMULATED log
(``python -m helpers.simulate --large-log 10M --out …``, a hive folder of typed Parquet) once on DuckDB and once
on Spark in local mode (``local[2]``: this machine's two cores), each in its own process. Wall time per step
comes from the run; Spark's start-up (JVM + session) is timed apart. Peak memory is the largest resident set
of the whole process tree (Python driver, Spark's JVM and its Python workers), sampled every 0.2 s. The outputs
are compared: clean lines and quarantine (row counts, reasons), summary (exact), CLV scores (largest
difference), segments (exact). The section is appended to ``reports/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _record import in_subprocess, machine as bench_machine, record  # noqa: E402
from scale_notebooks import tree_rss  # noqa: E402

STEPS = ("clean", "summary", "clv", "segments")


def _chain_task(engine: str, log_path: str, out: str, max_fit: int, memory: str, queue) -> None:
    import os

    from helpers import chain
    from helpers.largelog import ParquetLog

    import psutil

    peak = [0]
    stop = threading.Event()
    me = psutil.Process(os.getpid())

    def watch() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], tree_rss(me))
            time.sleep(0.2)

    threading.Thread(target=watch, daemon=True).start()
    spark, startup = None, 0.0
    if engine == "spark":
        from helpers.engines import spark_session

        t = time.perf_counter()
        spark = spark_session(master="local[2]", memory=memory)
        spark.range(1).count()  # the JVM and the session are really up
        startup = time.perf_counter() - t
    log = ParquetLog.open(log_path)
    t = time.perf_counter()
    run = chain.run_chain(log, Path(out) / engine, engine=engine, spark=spark, max_fit_customers=max_fit,
                          progress=False)
    total = time.perf_counter() - t
    if spark is not None:
        spark.stop()
    stop.set()
    queue.put({"engine": engine, "seconds": run.seconds, "total": total, "startup": startup,
               "peak": peak[0] / 2**30, "reasons": run.reasons, "rows": log.rows, "fit": run.fit})


def _run(*args) -> dict:
    return in_subprocess(_chain_task, *args)


def compare(out: Path) -> dict[str, str]:
    """Each output of the two runs compared (the Spark outputs are folders of Parquet files)."""
    import numpy as np
    import pandas as pd

    def read(engine: str, name: str, sort: list[str]) -> pd.DataFrame:
        table = pd.read_parquet(out / engine / name)
        return table.sort_values(sort, kind="stable", ignore_index=True)

    verdict = {}
    for name, key in (("clean/transactions.parquet", ["source_file", "source_row"]),
                      ("clean/quarantine.parquet", ["source_file", "source_row"])):
        a, b = read("duckdb", name, key), read("spark", name, key)
        same = len(a) == len(b) and all(a[c].astype(str).equals(b[c].astype(str)) for c in a.columns)
        verdict[name.split("/")[1].split(".")[0]] = f"{len(a):,} rows, {'identical' if same else 'DIFFERENT'}"
    a, b = read("duckdb", "summary.parquet", ["customer_id"]), read("spark", "summary.parquet", ["customer_id"])
    verdict["summary"] = f"{len(a):,} customers, {'identical' if a.equals(b) else 'DIFFERENT'}"
    a, b = read("duckdb", "scores.parquet", ["customer_id"]), read("spark", "scores.parquet", ["customer_id"])
    diff = max(float(np.max(np.abs(a[c].to_numpy() - b[c].to_numpy()) / np.maximum(1.0, np.abs(a[c].to_numpy()))))
               for c in ("p_alive", "expected_purchases", "expected_spend", "clv"))
    same_ids = a["customer_id"].astype(str).equals(b["customer_id"].astype(str))
    verdict["clv"] = f"largest relative difference {diff:.1e}" + ("" if same_ids else ", ids DIFFERENT")
    a, b = read("duckdb", "segments.parquet", ["customer_id"]), read("spark", "segments.parquet", ["customer_id"])
    same = len(a) == len(b) and all(a[c].astype(str).equals(b[c].astype(str)) for c in a.columns)
    verdict["segments"] = "identical" if same else "DIFFERENT"
    return verdict


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log", required=True, help="a generated log (hive folder of Parquet files)")
    parser.add_argument("--out", default="/tmp/bench_spark_chain", help="where the two chains write")
    parser.add_argument("--max-fit", type=int, default=100_000, help="customers the models are fitted on")
    parser.add_argument("--memory", default="6g", help="Spark driver memory (local mode: the whole engine)")
    parser.add_argument("--no-record", action="store_true", help="print only; do not append to the record")
    parser.add_argument("--reuse", nargs="*", default=[], choices=["duckdb", "spark"],
                        help="engines whose last run in --out is reused (when iterating on the other)")
    args = parser.parse_args(argv)
    import pyspark

    started = datetime.now(timezone.utc)
    runs = {}
    for engine in ("duckdb", "spark"):
        saved = Path(args.out) / f"{engine}.json"
        if engine in args.reuse and saved.exists():  # iterating on one engine: the other's run as it was
            runs[engine] = json.loads(saved.read_text())
        else:
            runs[engine] = _run(engine, args.log, args.out, args.max_fit, args.memory)
            saved.write_text(json.dumps(runs[engine], default=str))
        print(engine, runs[engine], flush=True)
    duck, spark = runs["duckdb"], runs["spark"]
    verdict = compare(Path(args.out))
    rows = duck["rows"]
    lines = [f"## The chain on Spark vs DuckDB, {rows:,}-line log ({started:%Y-%m-%d %H:%M} UTC)",
             f"Machine: {bench_machine(f', PySpark {pyspark.__version__} (local[2], driver memory {args.memory})')}, "
             "shared with other jobs. Command: `nice -n 10 python benchmarks/bench_spark_chain.py --log "
             f"{args.log}`.", "",
             "`helpers.chain.run_chain` on a generated SIMULATED log (hive folder, typed Parquet), each engine in "
             "its own process: cleaning (`clean.clean_log`; on Spark its DuckDB SQL transpiled), the summary "
             "(`clv.rfm_summary`), CLV scores (BG/NBD + Gamma-Gamma fitted on the driver on a seeded sample of "
             f"{args.max_fit:,}; on Spark every customer scored with `mapInPandas`), segment scores (RFM, ABC by "
             "CLV, lifecycle). Peak = largest resident memory of the process tree (driver, JVM, Python workers).",
             "", "| step | DuckDB s | Spark s | Spark / DuckDB | outputs |", "|---|---|---|---|---|"]
    for step in STEPS:
        d, s = duck["seconds"][step], spark["seconds"][step]
        what = (f"kept {verdict['transactions']}; quarantine {verdict['quarantine']}" if step == "clean"
                else verdict[step])
        lines.append(f"| {step} | {d:.1f} | {s:.1f} | {s / d:.1f}× | {what} |")
    lines.append(f"| whole chain | {duck['total']:.1f} | {spark['total']:.1f} | {spark['total'] / duck['total']:.1f}× "
                 f"| Spark start-up {spark['startup']:.1f} s more |")
    lines += ["", f"Peak memory: DuckDB {duck['peak']:.2f} GiB, Spark {spark['peak']:.2f} GiB "
              f"({spark['peak'] / duck['peak']:.1f}×). Quarantine reasons: "
              + (", ".join(f"{k} {v:,}" for k, v in sorted(duck["reasons"].items())) or "none") + "."]
    if args.no_record:
        print("\n".join(lines))
        return 0
    return record(lines)


if __name__ == "__main__":
    raise SystemExit(main())
