"""Fit times of the issue-19 models at 1M customers: MBG/NBD on an RFM summary, BG/BB from a transaction log.

    python benchmarks/bench_clv_models.py                  # 1M customers (the issue's target)
    python benchmarks/bench_clv_models.py --customers 100k 1M --repeat 3

**MBG/NBD.** ``helpers.clv.ModifiedBetaGeo().fit`` (standard errors included) on a 1M-row summary drawn
exactly from MBG/NBD (``helpers.clv.simulate_bgnbd(..., dropout_at_zero=True)``; ages uniform on 1–130
weeks, times on a daily grid as ``rfm_summary(time_scaler=7)`` gives them, so customers collapse to distinct
rows as real summaries do).

**BG/BB.** A SIMULATED transaction log of 1M customers drawn from BG/BB over 52 weekly opportunities
(``helpers.clv.simulate_bgbb(..., log=True)``: one line per purchase week plus the first purchase, about
9 lines per customer), then, timed one by one: ``helpers.clv.discrete_summary(log, period="W")`` (log →
one row per customer), ``helpers.clv.discrete_patterns`` (→ the sufficient-statistic table) and
``BetaGeoBetaBinom().fit`` on that table; and, for comparison, the fit on the 1M per-customer rows (which
the model reduces to the same patterns itself).

Targets: each fit on 1M customers < 10 s, building the BG/BB table included. Best of ``--repeat`` wall
times, in this process. Results are appended to ``reports/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _record import machine, record  # noqa: E402

from helpers import clv  # noqa: E402

MBG_TRUTH = {"r": 0.5, "alpha": 6.0, "a": 0.9, "b": 1.6}
BGBB_TRUTH = {"alpha": 1.2, "beta": 0.75, "gamma": 0.66, "delta": 2.8}
WEEKS = 52


def parse_size(text: str) -> int:
    text = text.strip().upper()
    factor = {"K": 1_000, "M": 1_000_000}.get(text[-1], 1)
    return int(float(text[:-1] if text[-1] in "KM" else text) * factor)


def best(fn, repeat: int) -> tuple[float, object]:
    """Best wall time of ``repeat`` calls of ``fn`` and the last result."""
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def mbg_row(n: int, repeat: int, seed: int = 1) -> dict:
    rng = np.random.default_rng(seed)
    summary = clv.simulate_bgnbd(n, **MBG_TRUTH, T=rng.uniform(1, 130, n), seed=seed, dropout_at_zero=True)
    summary["T"] = np.floor(summary["T"] * 7) / 7  # weeks on a daily grid
    summary["recency"] = np.floor(summary["recency"] * 7) / 7
    summary.attrs = {"period_days": 7.0}
    seconds, model = best(lambda: clv.ModifiedBetaGeo().fit(summary), repeat)
    return {"customers": n, "distinct": model.n_distinct_rows_, "fit": seconds,
            "estimates": ", ".join(f"{k} {v:.3f}" for k, v in model.params_.items())}


def bgbb_row(n: int, repeat: int, seed: int = 2) -> dict:
    t = time.perf_counter()
    log = clv.simulate_bgbb(n, **BGBB_TRUTH, n_periods=WEEKS, seed=seed, log=True)
    simulate = time.perf_counter() - t
    t_summary, summary = best(lambda: clv.discrete_summary(log, period="W"), repeat)
    t_patterns, patterns = best(lambda: clv.discrete_patterns(summary), repeat)
    t_fit, model = best(lambda: clv.BetaGeoBetaBinom().fit(patterns), repeat)
    t_rows, per_customer = best(lambda: clv.BetaGeoBetaBinom().fit(summary), repeat)
    # the same maximum: log-likelihoods equal, estimates equal to the optimiser's tolerance
    same = bool(abs(per_customer.log_likelihood_ - model.log_likelihood_) < 1e-4
                and np.allclose(per_customer.params_, model.params_, rtol=1e-4))
    return {"customers": n, "lines": len(log), "simulate": simulate, "summary": t_summary, "patterns": t_patterns,
            "patterns_n": len(patterns), "fit": t_fit, "fit_rows": t_rows, "same": same,
            "estimates": ", ".join(f"{k} {v:.3f}" for k, v in model.params_.items())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", nargs="+", default=["1M"], help="customers (100k, 1M, …)")
    parser.add_argument("--repeat", type=int, default=2, help="best of this many runs")
    args = parser.parse_args(argv)
    sizes = [parse_size(s) for s in args.customers]
    mbg = [mbg_row(n, args.repeat) for n in sizes]
    bgbb = [bgbb_row(n, args.repeat) for n in sizes]
    command = "python benchmarks/bench_clv_models.py" + (f" --customers {' '.join(args.customers)}"
                                                         if args.customers != ["1M"] else "")
    if args.repeat != 2:
        command += f" --repeat {args.repeat}"
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"\n## CLV models of issue 19: MBG/NBD and BG/BB fits at scale ({stamp})",
             f"Machine: {machine()}. Command: `{command}`. Best of {args.repeat} wall times, SIMULATED data.", "",
             "MBG/NBD (`clv.ModifiedBetaGeo().fit`, standard errors included) on an RFM summary drawn from "
             f"MBG/NBD ({', '.join(f'{k} {v:g}' for k, v in MBG_TRUTH.items())}; ages 1–130 weeks, daily grid).", "",
             "| customers | distinct rows | fit s | target | estimates |", "|---|---|---|---|---|"]
    for row in mbg:
        lines.append(f"| {row['customers']:,} | {row['distinct']:,} | {row['fit']:.2f} | < 10 s "
                     f"{'✓' if row['fit'] < 10 else '✗'} | {row['estimates']} |")
    lines += ["", f"BG/BB from a transaction log over {WEEKS} weekly opportunities drawn from BG/BB "
              f"({', '.join(f'{k} {v:g}' for k, v in BGBB_TRUTH.items())}): `clv.discrete_summary(log, "
              "period=\"W\")` → `clv.discrete_patterns` → `clv.BetaGeoBetaBinom().fit` on the patterns; last "
              "column: the fit on the per-customer rows instead (same maximum: log-likelihoods within 1e-4, "
              "estimates within 1e-4 relative).", "",
              "| customers | log lines | summary s | patterns s | patterns | fit s | total s | target | "
              "fit on per-customer rows s | estimates |", "|---|---|---|---|---|---|---|---|---|---|"]
    for row in bgbb:
        total = row["summary"] + row["patterns"] + row["fit"]
        lines.append(f"| {row['customers']:,} | {row['lines']:,} | {row['summary']:.2f} | {row['patterns']:.2f} | "
                     f"{row['patterns_n']:,} | {row['fit']:.2f} | {total:.2f} | < 10 s {'✓' if total < 10 else '✗'} "
                     f"| {row['fit_rows']:.2f} ({'same' if row['same'] else 'DIFFERENT'} estimates) | "
                     f"{row['estimates']} |")
    return record(lines)


if __name__ == "__main__":
    raise SystemExit(main())
