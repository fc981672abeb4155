"""CLV summaries and model fits: ``rfm_summary`` vs pandas vs a bare DuckDB scan, and fit times.

    python benchmarks/bench_clv.py                         # 1M, 10M and 50M rows; fits at 10k, 100k, 1M
    python benchmarks/bench_clv.py --sizes 1M              # a quick run
    python benchmarks/bench_clv.py --sizes 1M 10M --fit-sizes 10k 100k

**Summaries.** For each size, a SIMULATED transaction log of (customer_id, order_id, timestamp,
amount) with about 10 rows per customer (15% of repeat rows on the same day as the customer's
first purchase, 1% zero amounts, customer ids as text) is generated once and cached as Parquet
under ``data/interim/bench/`` (git-ignored). Then, each in a fresh subprocess so that peak
memory (max RSS of the whole process) is per candidate, best of ``--repeat`` wall times:

- **project**: ``helpers.clv.rfm_summary(path, monetary_value_col="amount")`` on the Parquet file
  (DuckDB SQL: two hash aggregations, customer-day then customer);
- **pandas**: ``pandas.read_parquet`` of the three columns + ``helpers.clv.rfm_summary_reference``
  (the plain pandas reference, PyMC-Marketing's steps);
- **floor**: a bare DuckDB scan of the same three columns,
  ``SELECT count(*), sum(epoch(timestamp)), sum(amount), sum(hash(customer_id))`` — no engine
  can compute the summary faster than it can read the columns;
- **grouping**: the smallest exact query any summary needs, measured so that the gap between
  the floor and the project is explained in the same run: lines grouped into distinct
  (customer, day) pairs, then by customer (first day, last day, number of days; no money, no
  sort), the customer table fetched as Arrow. Same-day purchases must merge, so no exact
  summary can skip this two-level grouping.

The project and pandas results are compared (row count and column sums) wherever pandas runs.
pandas is skipped when its estimated peak memory (~170 bytes per row, measured) exceeds 60% of
the memory available, or above ``--pandas-max-rows``; the table says so.

**Fits.** ``BetaGeo().fit`` + ``GammaGamma().fit`` on summaries drawn exactly from BG/NBD
(``helpers.clv.simulate_bgnbd``; ages uniform on 1–130 weeks, times on a daily grid as real
summaries are) with Gamma-Gamma spend, at 10k, 100k and 1M customers, in this process.

Targets (ratios, same run): at 50M rows project ≥ 5× faster than pandas and ≤ 5× the scan floor;
fits on 1M customers < 10 s. Results are appended to ``reports/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _record import machine, record  # noqa: E402

from helpers import paths  # noqa: E402

ROWS_PER_CUSTOMER = 10
PANDAS_BYTES_PER_ROW = 170  # measured peak RSS / rows of the pandas reference at 1M and 10M rows


def parse_size(text: str) -> int:
    """'1M' → 1_000_000, '10k' → 10_000, '2500000' → 2_500_000."""
    t = text.strip().lower().replace("_", "")
    factor = {"k": 1_000, "m": 1_000_000, "g": 1_000_000_000}.get(t[-1], 1)
    return int(float(t[:-1] if t[-1] in "kmg" else t) * factor)


def label(n: int) -> str:
    for unit, div in (("M", 1_000_000), ("k", 1_000)):
        if n >= div and n % (div // 10 or 1) == 0:
            return f"{n / div:g}{unit}"
    return str(n)


# --------------------------------------------------------------------------- data


def generate_log(path: Path, n_rows: int, seed: int = 7, chunk_customers: int = 500_000) -> tuple[int, int]:
    """Write a SIMULATED log of ``n_rows`` rows to ``path`` (Parquet, row groups of 1M rows).

    Customers get ``1 + Poisson(ROWS_PER_CUSTOMER − 1)`` rows: a first purchase uniform over 900
    days from 2012-01-01, then purchases after exponential gaps (mean 40 days) or, 15% of the
    time, within 6 hours of the first (same-day repeats to be merged). Amounts Gamma(2, 60)
    rounded to cents, 1% zero. Rows are sorted by time within each chunk, as logs are.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    start = np.datetime64("2012-01-01T00:00:00", "us")
    span = 900 * 86400
    writer, written, next_id = None, 0, 0
    tmp = path.with_suffix(".tmp")
    try:
        while written < n_rows:
            counts = rng.poisson(ROWS_PER_CUSTOMER - 1, chunk_customers) + 1
            cut = int(np.searchsorted(np.cumsum(counts), n_rows - written)) + 1
            counts = counts[:cut]
            counts[-1] -= max(0, int(counts.sum()) - (n_rows - written))
            counts = counts[counts > 0]
            owner = np.repeat(np.arange(len(counts)), counts)
            first = rng.integers(0, span, len(counts))
            is_first = np.r_[True, owner[1:] != owner[:-1]]
            gap = np.where(rng.random(owner.size) < 0.15, rng.integers(0, 6 * 3600, owner.size),
                           rng.exponential(40 * 86400, owner.size).astype(np.int64))
            secs = np.minimum(first[owner] + np.where(is_first, 0, gap), span - 1)
            order = np.argsort(secs, kind="stable")
            ids = np.char.add("C", np.char.zfill((next_id + owner).astype(str), 9))
            amount = np.round(np.where(rng.random(owner.size) < 0.01, 0.0, rng.gamma(2.0, 60.0, owner.size)), 2)
            table = pa.table({
                "customer_id": pa.array(ids[order], pa.string()),
                "order_id": pa.array(np.arange(written, written + owner.size, dtype=np.int64)),
                "timestamp": pa.array(start + secs[order].astype("timedelta64[s]").astype("timedelta64[us]")),
                "amount": pa.array(amount[order]),
            })
            if writer is None:
                writer = pq.ParquetWriter(tmp, table.schema, compression="snappy")
            writer.write_table(table, row_group_size=1_000_000)
            written += owner.size
            next_id += len(counts)
    finally:
        if writer is not None:
            writer.close()
    tmp.replace(path)
    return written, next_id


def cached_log(n_rows: int) -> Path:
    folder = paths.ensure(paths.INTERIM / "bench")
    path = folder / f"clv_log_{label(n_rows)}.parquet"
    if not path.exists():
        t = time.perf_counter()
        generate_log(path, n_rows)
        print(f"generated {path} ({n_rows:,} rows) in {time.perf_counter() - t:.1f} s", flush=True)
    return path


# --------------------------------------------------------------------------- candidates (run in subprocesses)

GROUPING_SQL = """SELECT cid, min(p) AS first_day, max(p) AS last_day, count(*) AS n_days
FROM (SELECT customer_id AS cid, {day} AS p FROM read_parquet('{path}') GROUP BY cid, p)
GROUP BY cid"""


def _task(kind: str, path: str, repeat: int, queue) -> None:
    import resource

    import pandas as pd

    from helpers import clv
    from helpers.clv.sql import day_expr

    def run():
        if kind in ("floor", "grouping"):
            import duckdb

            con = duckdb.connect()
            out = con.sql(GROUPING_SQL.format(path=path, day=day_expr("timestamp")) if kind == "grouping" else
                          "SELECT count(*), sum(epoch(timestamp)), sum(amount), sum(hash(customer_id)) "
                          f"FROM read_parquet('{path}')").arrow().read_all()
            con.close()
            return out
        if kind == "project":
            return clv.rfm_summary(path, monetary_value_col="amount")
        frame = pd.read_parquet(path, columns=["customer_id", "timestamp", "amount"])
        return clv.rfm_summary_reference(frame, monetary_value_col="amount")

    best, result = float("inf"), None
    for _ in range(repeat):
        result = None
        t = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - t)
    fingerprint = None
    if kind == "grouping":
        fingerprint = (result.num_rows,)
    elif kind != "floor":
        fingerprint = (len(result), float(result["frequency"].sum()), float(result["recency"].sum()),
                       float(result["T"].sum()), float(result["monetary_value"].sum()),
                       str(result["customer_id"].iloc[0]), str(result["customer_id"].iloc[-1]))
    peak_gib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # kB → GiB (Linux)
    queue.put((best, peak_gib, fingerprint))


def measure(kind: str, path: Path, repeat: int) -> tuple[float, float, tuple | None]:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_task, args=(kind, str(path), repeat, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def available_gib() -> float:
    try:
        with open("/proc/meminfo") as fh:
            info = dict(line.split(":", 1) for line in fh)
        return int(info["MemAvailable"].split()[0]) / 2**20
    except (OSError, KeyError, ValueError):
        return float("nan")


# --------------------------------------------------------------------------- fits


def fit_times(n_customers: int, seed: int = 1) -> dict:
    from helpers import clv

    rng = np.random.default_rng(seed)
    summary = clv.simulate_bgnbd(n_customers, 0.5, 14.0, 0.8, 3.2, T=rng.uniform(1, 130, n_customers), seed=seed)
    summary["T"] = np.floor(summary["T"] * 7) / 7  # weeks on a daily grid, as rfm_summary(time_scaler=7) gives
    summary["recency"] = np.floor(summary["recency"] * 7) / 7
    summary["monetary_value"] = np.round(clv.simulate_spend(summary["frequency"].to_numpy(), 6.0, 3.5, 15.0,
                                                            seed=seed), 2)
    summary.attrs["period_days"] = 7.0
    t = time.perf_counter()
    bg = clv.BetaGeo().fit(summary)
    t_bg = time.perf_counter() - t
    t = time.perf_counter()
    gg = clv.GammaGamma().fit(summary)
    t_gg = time.perf_counter() - t
    return {"customers": n_customers, "distinct": bg.n_distinct_rows_, "bg": t_bg, "gg": t_gg,
            "gg_n": gg.n_customers_}


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", default=["1M", "10M", "50M"], help="log sizes in rows (1M, 10M, …)")
    parser.add_argument("--fit-sizes", nargs="*", default=["10k", "100k", "1M"], help="customers for the fit timings")
    parser.add_argument("--repeat", type=int, default=2, help="best of this many runs (1 above 20M rows)")
    parser.add_argument("--pandas-max-rows", default="100M", help="skip pandas above this many rows")
    args = parser.parse_args(argv)
    sizes = [parse_size(s) for s in args.sizes]
    pandas_max = parse_size(args.pandas_max_rows)

    rows = []
    for n in sizes:
        path = cached_log(n)
        repeat = args.repeat if n <= 20_000_000 else 1
        floor = measure("floor", path, repeat)
        grouping = measure("grouping", path, repeat)
        project = measure("project", path, repeat)
        need = n * PANDAS_BYTES_PER_ROW / 2**30
        avail = available_gib()
        if n > pandas_max or (np.isfinite(avail) and need > 0.6 * avail):
            pandas, note = None, f"pandas skipped: estimated {need:.1f} GiB > 60% of {avail:.1f} GiB available" \
                if n <= pandas_max else f"pandas skipped above {label(pandas_max)} rows (--pandas-max-rows)"
        else:
            pandas, note = measure("pandas", path, repeat), ""
            if pandas[2] is not None:
                p, q = project[2], pandas[2]
                same = p[0] == q[0] and p[5:] == q[5:] and np.allclose(p[1:5], q[1:5], rtol=1e-9)
                note = "results equal" if same else f"RESULTS DIFFER: project {p} vs pandas {q}"
        if grouping[2][0] != project[2][0]:
            note += f"; GROUPING HAS {grouping[2][0]:,} CUSTOMERS, project {project[2][0]:,}"
        rows.append((n, project, pandas, floor, grouping, note))
        print(f"{label(n)} rows: project {project[0]:.2f} s, grouping {grouping[0]:.2f} s, floor {floor[0]:.2f} s, "
              f"pandas {'–' if pandas is None else f'{pandas[0]:.2f} s'} {note}", flush=True)

    fits = []
    for n in [parse_size(s) for s in args.fit_sizes]:
        fits.append(fit_times(n))
        f = fits[-1]
        print(f"fit {n:,} customers: BG/NBD {f['bg']:.2f} s, Gamma-Gamma {f['gg']:.2f} s", flush=True)

    command = "python benchmarks/bench_clv.py --sizes " + " ".join(args.sizes) + (
        " --fit-sizes " + " ".join(args.fit_sizes) if args.fit_sizes else "") + f" --repeat {args.repeat}"
    lines = [f"\n## CLV: per-customer summary and model fits ({datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC)",
             f"Machine: {machine()}. Command: `{command}`. Wall seconds (best of {args.repeat}; 1 above 20M rows) "
             "and peak RSS of the whole process, each candidate in its own subprocess.",
             "", "| rows | customers | project s | pandas s | floor s | grouping s | pandas / project (speed-up) | "
             "project / floor | grouping / floor | project / grouping | project GiB | pandas GiB | floor GiB | check |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for n, project, pandas, floor, grouping, note in rows:
        n_customers = project[2][0]
        ps = "–" if pandas is None else f"{pandas[0]:.2f}"
        speed = "–" if pandas is None else f"{pandas[0] / project[0]:.1f}×"
        pg = "–" if pandas is None else f"{pandas[1]:.2f}"
        lines.append(f"| {label(n)} | {n_customers:,} | {project[0]:.2f} | {ps} | {floor[0]:.2f} | {grouping[0]:.2f} | "
                     f"{speed} | {project[0] / floor[0]:.1f}× | {grouping[0] / floor[0]:.1f}× | "
                     f"{project[0] / grouping[0]:.2f}× | {project[1]:.2f} | {pg} | {floor[1]:.2f} | {note} |")
    if fits:
        lines += ["", "| customers | distinct (x, t_x, T) rows | BG/NBD fit s | Gamma-Gamma fit s (repeat buyers) "
                  "| total s |", "|---|---|---|---|---|"]
        for f in fits:
            lines.append(f"| {f['customers']:,} | {f['distinct']:,} | {f['bg']:.2f} | {f['gg']:.2f} "
                         f"({f['gg_n']:,}) | {f['bg'] + f['gg']:.2f} |")
    return record(lines)


if __name__ == "__main__":
    raise SystemExit(main())
